"""Specification of the language-aware blend (matcher.embed.LanguageAwareBlend) and of weighted blends.

The contract every encoder honours is tested for ``minilm+use-m3@lang`` in tests/test_embed.py (``any_encoder``).
Here: what the language makes of a vector. The fast tests blend two small fitted TF-IDF encoders (real encoders,
known vocabularies); the slow ones the packaged MiniLM and USE.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.embed import (
    BlendEncoder,
    BlendSpec,
    LanguageAwareBlend,
    SentenceTransformerEncoder,
    TfidfEncoder,
    UniversalSentenceEncoder,
    encode_query,
    load_encoder,
)
from matcher.errors import InputError
from matcher.langid import RULE
from tests.test_embed import CORPUS, CountingEncoder

GERMAN = "Lohnherstellung von Antikörpern und Zelltherapien für klinische Studien"
KOREAN = "항체 약물 접합체 GMP 위탁생산"
SPANISH = "fabricación de vectores virales para terapia génica"


@pytest.fixture
def english_part() -> TfidfEncoder:
    return TfidfEncoder(n_components=4).fit(CORPUS)


@pytest.fixture
def multilingual_part() -> TfidfEncoder:
    return TfidfEncoder(n_components=5).fit([*CORPUS, GERMAN, KOREAN, SPANISH])


@pytest.fixture
def aware(english_part: TfidfEncoder, multilingual_part: TfidfEncoder) -> LanguageAwareBlend:
    return LanguageAwareBlend(english_part, multilingual_part)


@pytest.mark.parametrize("text", [GERMAN, KOREAN, SPANISH])
def test_a_text_in_another_language_has_a_zero_english_half_and_a_unit_multilingual_half(
    aware: LanguageAwareBlend, multilingual_part: TfidfEncoder, text: str
) -> None:
    (vector,) = aware.encode([text])
    assert not vector[: aware.encoders[0].dim].any()
    np.testing.assert_allclose(vector[aware.encoders[0].dim :], multilingual_part.encode([text])[0], atol=1e-6)


def test_an_english_text_gets_the_blends_vector(
    aware: LanguageAwareBlend, english_part: TfidfEncoder, multilingual_part: TfidfEncoder
) -> None:
    blend = BlendEncoder([english_part, multilingual_part])
    np.testing.assert_allclose(aware.encode(CORPUS), blend.encode(CORPUS), atol=1e-6)


def test_rows_are_unit_and_an_english_text_has_cosine_one_with_itself(aware: LanguageAwareBlend) -> None:
    vectors = aware.encode([CORPUS[0], GERMAN, KOREAN])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert float(vectors[0] @ vectors[0]) == pytest.approx(1.0, abs=1e-6)


def test_a_cross_language_cosine_is_the_multilingual_cosine_over_sqrt_two(
    aware: LanguageAwareBlend, multilingual_part: TfidfEncoder
) -> None:
    english, german = aware.encode([CORPUS[3], GERMAN])
    plain = multilingual_part.encode([CORPUS[3], GERMAN])
    assert float(english @ german) == pytest.approx(float(plain[0] @ plain[1]) / np.sqrt(2), abs=1e-6)


def test_blank_texts_stay_zero(aware: LanguageAwareBlend) -> None:
    assert not aware.encode(["", "   "]).any()


def test_the_english_part_reads_only_the_english_texts(
    english_part: TfidfEncoder, multilingual_part: TfidfEncoder
) -> None:
    counting = CountingEncoder(english_part)
    LanguageAwareBlend(counting, multilingual_part).encode([GERMAN, CORPUS[0], KOREAN, "Lab automation robots"])
    assert counting.encoded == [CORPUS[0], "Lab automation robots"]  # the second: undetermined, read as English


@pytest.mark.parametrize("texts", [[GERMAN, CORPUS[0], KOREAN, CORPUS[1]], [GERMAN, KOREAN]])
def test_progress_rises_to_the_total(aware: LanguageAwareBlend, texts: list[str]) -> None:
    calls: list[tuple[int, int]] = []
    aware.encode(texts, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (len(texts), len(texts))
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_the_name_says_language_aware_and_carries_the_parts_and_the_rule(
    aware: LanguageAwareBlend, english_part: TfidfEncoder, multilingual_part: TfidfEncoder
) -> None:
    assert aware.name == f"langblend({english_part.name},{multilingual_part.name})+{RULE}"
    assert aware.name != BlendEncoder([english_part, multilingual_part]).name  # other vectors, other cache entries
    assert aware.dim == english_part.dim + multilingual_part.dim


def test_load_encoder_makes_it_from_two_specs_and_at_lang() -> None:
    encoder = load_encoder("minilm+use-m3@lang", lazy=True)
    assert isinstance(encoder, LanguageAwareBlend)
    assert [type(part) for part in encoder.encoders] == [SentenceTransformerEncoder, UniversalSentenceEncoder]
    with pytest.raises(InputError, match="two parts"):
        load_encoder("minilm+use-m3+e5-small@lang", lazy=True)


# ----------------------------------------------------------------------------------------------- weights


def test_a_weighted_blend_cosine_is_the_weighted_mean_of_the_parts(
    english_part: TfidfEncoder, multilingual_part: TfidfEncoder
) -> None:
    weighted = BlendEncoder([english_part, multilingual_part], weights=[0.3, 0.7])
    a, b = weighted.encode(CORPUS[:2])
    first, second = english_part.encode(CORPUS[:2]), multilingual_part.encode(CORPUS[:2])
    expected = 0.3 * float(first[0] @ first[1]) + 0.7 * float(second[0] @ second[1])
    assert float(a @ b) == pytest.approx(expected, abs=1e-5)
    assert weighted.name.endswith(";w=0.3,0.7)")


def test_load_encoder_makes_a_weighted_blend_from_two_specs_and_at_w() -> None:
    encoder = load_encoder("minilm+use-m3@w0.3", lazy=True)
    assert type(encoder) is BlendEncoder
    assert encoder.weights == [0.3, 0.7]


@pytest.mark.parametrize(
    ("spec", "read"),
    [
        ("minilm+use-m3", BlendSpec(("minilm", "use-m3"))),
        ("minilm+use-m3+e5-small", BlendSpec(("minilm", "use-m3", "e5-small"))),
        ("minilm+use-m3@lang", BlendSpec(("minilm", "use-m3"), language_aware=True)),
        ("minilm+use-m3@w.25", BlendSpec(("minilm", "use-m3"), weights=(0.25, 0.75))),
    ],
)
def test_a_blend_spec_reads_its_parts_and_suffix(spec: str, read: BlendSpec) -> None:
    assert BlendSpec.parse(spec) == read


@pytest.mark.parametrize("spec", ["minilm+use-m3@w0", "minilm+use-m3@w1.5", "minilm+use-m3@w1.2.3", "a+b+c@w0.3"])
def test_a_weight_must_be_a_share_of_two_parts(spec: str) -> None:
    with pytest.raises(InputError, match=r"between 0 and 1|two parts"):
        BlendSpec.parse(spec)


@pytest.mark.parametrize("weights", [[1.0], [0.5, 0.0], [1.0, -1.0]])
def test_weights_must_be_positive_one_per_part(
    english_part: TfidfEncoder, multilingual_part: TfidfEncoder, weights: list[float]
) -> None:
    with pytest.raises(ValueError, match="positive numbers, one per part"):
        _ = BlendEncoder([english_part, multilingual_part], weights=weights).name


# ------------------------------------------------------------------------------------------ search queries


class EnglishOnlyTfidf(TfidfEncoder):
    """A fitted TF-IDF encoder that says it reads English only, as the packaged MiniLM does."""

    english_only = True


@pytest.fixture
def english_only_part() -> EnglishOnlyTfidf:
    return EnglishOnlyTfidf(n_components=4).fit(CORPUS)


@pytest.mark.parametrize("text", [GERMAN, KOREAN, SPANISH])
def test_a_query_not_in_english_leaves_the_english_only_part_out(
    english_only_part: EnglishOnlyTfidf, multilingual_part: TfidfEncoder, text: str
) -> None:
    encoded = encode_query(BlendEncoder([english_only_part, multilingual_part]), text)
    assert not encoded.vector[0, : english_only_part.dim].any()
    multilingual_half = encoded.vector[0, english_only_part.dim :]
    np.testing.assert_allclose(multilingual_half, multilingual_part.encode([text])[0], atol=1e-6)
    assert encoded.model == multilingual_part.name


@pytest.mark.parametrize("weights", [None, [0.3, 0.7]])
def test_a_routed_score_times_its_scale_is_the_multilingual_cosine_with_a_blended_profile(
    english_only_part: EnglishOnlyTfidf, multilingual_part: TfidfEncoder, weights: list[float] | None
) -> None:
    blend = BlendEncoder([english_only_part, multilingual_part], weights=weights)
    profile = blend.encode([CORPUS[3]])[0]
    encoded = encode_query(blend, GERMAN)
    plain = multilingual_part.encode([GERMAN, CORPUS[3]])
    assert float(encoded.vector[0] @ profile) * encoded.scale == pytest.approx(float(plain[0] @ plain[1]), abs=1e-5)


@pytest.mark.parametrize("text", [CORPUS[0], "CHO GMP"])  # English, and undetermined (no function word)
def test_an_english_or_undetermined_query_is_encoded_as_the_index_was(
    english_only_part: EnglishOnlyTfidf, multilingual_part: TfidfEncoder, text: str
) -> None:
    blend = BlendEncoder([english_only_part, multilingual_part])
    encoded = encode_query(blend, text)
    np.testing.assert_allclose(encoded.vector, blend.encode([text]), atol=1e-6)
    assert (encoded.scale, encoded.model) == (1.0, blend.name)


def test_a_blend_of_multilingual_parts_only_is_not_rerouted(
    english_part: TfidfEncoder, multilingual_part: TfidfEncoder
) -> None:
    blend = BlendEncoder([english_part, multilingual_part])  # plain TF-IDF does not say it is English only
    encoded = encode_query(blend, KOREAN)
    np.testing.assert_allclose(encoded.vector, blend.encode([KOREAN]), atol=1e-6)
    assert (encoded.scale, encoded.model, encoded.language) == (1.0, blend.name, "ko")


def test_a_language_aware_blend_encodes_a_query_as_its_own_texts(
    english_only_part: EnglishOnlyTfidf, multilingual_part: TfidfEncoder
) -> None:
    aware = LanguageAwareBlend(english_only_part, multilingual_part)
    encoded = encode_query(aware, KOREAN)
    np.testing.assert_allclose(encoded.vector, aware.encode([KOREAN]), atol=1e-6)
    assert (encoded.scale, encoded.model) == (1.0, aware.name)


def test_only_the_packaged_minilm_is_taken_for_english_only(tmp_path: Path) -> None:
    assert SentenceTransformerEncoder().english_only
    assert not SentenceTransformerEncoder(tmp_path).english_only  # a local folder may hold a multilingual model
    assert not UniversalSentenceEncoder().english_only


# ------------------------------------------------------------------------------------------- real models


@pytest.mark.slow
def test_with_minilm_and_use_a_korean_english_cosine_is_uses_over_sqrt_two(
    minilm: SentenceTransformerEncoder, use_m3: UniversalSentenceEncoder
) -> None:
    texts = ["임상 시료 생산을 위한 GMP 위탁생산 파트너를 찾습니다", "GMP contract manufacturing of clinical material"]
    korean, english = LanguageAwareBlend(minilm, use_m3).encode(texts)
    plain = use_m3.encode(texts)
    assert float(korean @ english) == pytest.approx(float(plain[0] @ plain[1]) / np.sqrt(2), abs=1e-5)


@pytest.mark.slow
def test_with_minilm_and_use_english_vectors_are_the_blends(
    minilm: SentenceTransformerEncoder, use_m3: UniversalSentenceEncoder
) -> None:
    np.testing.assert_allclose(
        LanguageAwareBlend(minilm, use_m3).encode(CORPUS), BlendEncoder([minilm, use_m3]).encode(CORPUS), atol=1e-5
    )


@pytest.mark.slow
def test_with_minilm_and_use_a_korean_search_scores_uses_cosine_with_a_blended_profile(
    minilm: SentenceTransformerEncoder, use_m3: UniversalSentenceEncoder
) -> None:
    offer = "GMP contract manufacturing of antibody-drug conjugates"
    encoded = encode_query(BlendEncoder([minilm, use_m3]), KOREAN)
    plain = use_m3.encode([KOREAN, offer])
    blended = BlendEncoder([minilm, use_m3]).encode([offer])[0]
    assert float(encoded.vector[0] @ blended) * encoded.scale == pytest.approx(float(plain[0] @ plain[1]), abs=1e-5)
