"""Explanations: phrases split and matched, reasons that quote both sides in plain text, ordered by contribution."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from matcher.bands import MINILM, EnglishPart, ReasonThresholds
from matcher.embed import BlendEncoder, TfidfEncoder
from matcher.explain import PhraseEncoder, best_phrase_match, explain_pair, split_phrases
from matcher.schema import Profile

STARTUP = Profile(
    id="dj-1",
    name="Hanbit Bio",
    org_type="startup",
    city="Daejeon",
    country="KR",
    sectors=("antibody_drug_conjugates", "therapeutics"),
    technologies=("HIC purification",),
    stage="seed",
    offers="Licensing of our conjugation platform (DAR 4 or 8, under 5% free antibody). Co-development rights in Asia.",
    seeks="Scale-up manufacturing for ADC candidates; a seed investor for our first round.",
)
CDMO = Profile(
    id="ma-1",
    name="Biomédica Costa del Sol",
    org_type="company",
    city="Málaga",
    country="ES",
    sectors=("bioprocessing_cdmo", "antibody_drug_conjugates"),
    technologies=("HIC purification", "lyophilisation"),
    offers="Aseptic fill-finish of biologics. GMP manufacturing of ADC candidates at clinical scale.",
    seeks="Antibody-drug conjugate developers in Asia looking for a European manufacturer.",
)
INVESTOR = Profile(
    id="se-9",
    name="Cascade Ventures",
    org_type="investor",
    city="Seattle",
    country="US",
    stage="seed",
    offers="Seed rounds for biotech startups.",
    seeks="ADC startups raising a first round.",
)


def test_phrases_are_sentences_items_and_clauses_of_long_sentences() -> None:
    assert split_phrases("GMP fill-finish; QC release.\n- Tech transfer") == (
        "GMP fill-finish",
        "QC release",
        "Tech transfer",
    )
    long = "We offer cell line development, upstream process development, analytical methods and tech transfer to GMP"
    assert split_phrases(long) == (
        "We offer cell line development",
        "upstream process development",
        "analytical methods and tech transfer to GMP",
    )


def test_commas_inside_brackets_do_not_split_a_phrase() -> None:
    text = (
        "Licensing of our platform (DAR 4 or 8, under 5% free antibody) for partners' antibodies, and more words here"
    )
    assert (
        split_phrases(text)[0]
        == "Licensing of our platform (DAR 4 or 8, under 5% free antibody) for partners' antibodies"
    )
    assert split_phrases(text)[1] == "more words here"


def test_a_comma_inside_a_number_does_not_split_a_phrase() -> None:
    text = "Access to a biobank of more than 9,000 lung cancer patients with matched plasma, and tissue samples too"
    assert split_phrases(text)[0] == "Access to a biobank of more than 9,000 lung cancer patients with matched plasma"


def test_a_dependent_clause_stays_with_the_clause_it_leans_on() -> None:
    text = "Hospitals that can host a multi-site validation study of our software, which we need for FDA clearance"
    assert split_phrases(text) == (text,)


def test_a_clause_of_one_or_two_words_joins_the_clause_after_it() -> None:
    text = "We share a research PACS with our partners, and curated, de-identified archives of chest X-ray exams"
    assert split_phrases(text) == (
        "We share a research PACS with our partners",
        "curated, de-identified archives of chest X-ray exams",
    )


def test_a_clause_is_quoted_without_its_leading_then() -> None:
    text = "GMP bioconjugation in a high-potency suite for our ADC, then sterile vial filling and lyophilisation"
    assert split_phrases(text)[1] == "sterile vial filling and lyophilisation"


def test_empty_text_has_no_phrases() -> None:
    assert split_phrases("") == ()
    assert best_phrase_match((), ("anything",)) is None


def test_word_overlap_picks_the_phrases_sharing_content_words() -> None:
    found = best_phrase_match(split_phrases(CDMO.offers), split_phrases(STARTUP.seeks))
    assert found is not None
    assert (found.left, found.right) == (
        "GMP manufacturing of ADC candidates at clinical scale",
        "Scale-up manufacturing for ADC candidates",
    )


def test_word_overlap_finds_nothing_when_no_content_word_is_shared() -> None:
    assert best_phrase_match(("quantum sensors",), ("seed funding",)) is None


@pytest.fixture(scope="module")
def encoder() -> TfidfEncoder:
    phrases = [
        phrase for p in (STARTUP, CDMO, INVESTOR) for text in (p.offers, p.seeks) for phrase in split_phrases(text)
    ]
    return TfidfEncoder(n_components=4).fit(phrases)


def test_embedding_match_uses_the_encoder(encoder: TfidfEncoder) -> None:
    found = best_phrase_match(split_phrases(INVESTOR.offers), split_phrases(STARTUP.seeks), encode=encoder.encode)
    assert found is not None
    assert found.right == "a seed investor for our first round"
    assert found.similarity > 0.5


def test_phrase_encoder_encodes_each_phrase_once(encoder: TfidfEncoder) -> None:
    calls: list[int] = []

    def counting(texts: Sequence[str]) -> np.ndarray:
        calls.append(len(texts))
        return encoder.encode(texts)

    cached = PhraseEncoder(counting, max_size=10)
    first = cached(["seed rounds", "fill-finish"])
    again = cached(["fill-finish", "seed rounds", "new phrase"])
    assert calls == [2, 1]
    np.testing.assert_allclose(again[1], first[0])


def test_reasons_quote_their_offer_and_your_need_and_the_reverse() -> None:
    reasons = explain_pair(
        STARTUP, CDMO, {"need_match": 0.6, "offer_match": 0.5}, {"need_match": 0.3, "offer_match": 0.2}
    )
    assert reasons[0] == (
        'Their offer "GMP manufacturing of ADC candidates at clinical scale" meets your need '
        '"Scale-up manufacturing for ADC candidates".'
    )
    assert reasons[1].startswith('Your offer "Co-development rights in Asia" meets their need "Antibody-drug')


def at_cosine(similarity: float) -> Callable[[Sequence[str]], np.ndarray]:
    """An encoder for one phrase a side: the second phrase's unit vector is at ``similarity`` to the first's."""
    return lambda phrases: np.array([[1.0, 0.0], [similarity, np.sqrt(1.0 - similarity**2)]])


NEEDS_A_FAB = Profile(id="q", name="Chip Startup", org_type="startup", city="Calgary", country="CA", seeks="a fab")
HAS_A_LINE = Profile(id="c", name="Pilot Fab", org_type="company", city="Dortmund", country="DE", offers="a line")


@pytest.mark.parametrize(
    ("similarity", "verb"), [(0.9, "meets"), (0.72, "meets"), (0.71, "may meet"), (0.38, "may meet")]
)
def test_an_embedding_match_is_worded_by_its_strength(similarity: float, verb: str) -> None:
    reasons = explain_pair(NEEDS_A_FAB, HAS_A_LINE, {}, {}, encode=at_cosine(similarity))
    assert reasons[0] == f'Their offer "a line" {verb} your need "a fab".'


def test_an_embedding_match_below_the_floor_is_not_quoted() -> None:
    reasons = explain_pair(NEEDS_A_FAB, HAS_A_LINE, {}, {}, encode=at_cosine(0.37))
    assert not any("your need" in reason for reason in reasons)


def test_reasons_are_ordered_by_contribution() -> None:
    reasons = explain_pair(STARTUP, CDMO, {}, {"need_match": 0.01, "offer_match": 0.3})
    assert reasons[0].startswith("Your offer")


def test_shared_sectors_terms_and_the_place_are_named() -> None:
    reasons = explain_pair(STARTUP, CDMO, {}, {})
    assert "Both work in antibody-drug conjugates." in reasons
    assert "Both name HIC purification." in reasons
    assert "Different city: Málaga (ES)." in reasons


def test_a_strong_type_fit_is_named_with_the_investors_stage() -> None:
    reasons = explain_pair(
        STARTUP, INVESTOR, {"type_fit_for_query": 1.0}, {"type_fit_for_query": 0.1}, type_pair=("startup", "investor")
    )
    assert "Startup-investor fit: they invest at seed stage." in reasons


def test_a_weak_type_fit_is_not_offered_as_a_reason() -> None:
    reasons = explain_pair(STARTUP, INVESTOR, {"type_fit_for_query": 0.3}, {}, type_pair=("startup", "investor"))
    assert not any("fit" in r for r in reasons)


def test_shared_partners_are_named_and_peers_only_when_the_signal_is_strong() -> None:
    strong = explain_pair(STARTUP, CDMO, {"partners_of_peers": 0.6}, {}, common_partners=["KAIST"], peers=["X Bio"])
    weak = explain_pair(STARTUP, CDMO, {"partners_of_peers": 0.1}, {}, peers=["X Bio"])
    assert "You share partners: KAIST." in strong
    assert "They work with organisations like yours: X Bio." in strong
    assert not any("like yours" in r for r in weak)


def test_the_last_reason_lists_the_largest_contributions() -> None:
    reasons = explain_pair(STARTUP, CDMO, {}, {"need_match": 0.25, "sector_overlap": 0.05, "size_fit": 0.001})
    assert reasons[-1] == "Score contributions: their offers for your needs 0.25, shared sectors 0.05."


def test_peer_mode_compares_offers_with_offers() -> None:
    other_cdmo = Profile(
        id="do-1",
        name="Ruhr Fill",
        org_type="company",
        city="Dortmund",
        country="DE",
        offers="Aseptic fill-finish of biologics and vaccines.",
    )
    reasons = explain_pair(CDMO, other_cdmo, {"profile_similarity": 0.8}, {"offers_overlap": 0.2}, mode="peer")
    assert (
        reasons[0] == 'Similar offers: theirs "Aseptic fill-finish of biologics and vaccines", '
        'yours "Aseptic fill-finish of biologics".'
    )
    assert "Similar profile (similarity 0.80)." in reasons


def test_reasons_are_plain_text() -> None:
    reasons = explain_pair(STARTUP, CDMO, {"need_match": 0.6}, {"need_match": 0.3}, common_partners=["<b>x</b>"])
    assert all(isinstance(r, str) and r.strip() == r for r in reasons)
    assert not any(tag in r for r in reasons[:-1] for tag in ("<br", "<p>", "**", "\n"))


def test_long_phrases_are_cut_at_a_word_boundary() -> None:
    wordy = Profile(
        id="x", name="X", org_type="sme", city="Calgary", country="CA", offers=" ".join(["manufacturing"] * 20)
    )
    reasons = explain_pair(STARTUP, wordy, {}, {})
    quote = reasons[0].split('"')[1]
    assert quote.endswith("...") and len(quote) <= 93 and "manufacturin..." not in quote


# ------------------------------------------------------------------------------------- a blend's English part

PHRASES = [*split_phrases(STARTUP.offers), *split_phrases(STARTUP.seeks), *split_phrases(CDMO.offers),
           *split_phrases(CDMO.seeks), "GMP 위탁생산 파트너", "항체 약물 접합체 생산"]  # fmt: skip
WHOLE = ReasonThresholds(quote=0.05, meets=0.99)
"""The blend's own thresholds in these tests: quotes nearly anything, never "meets"."""


@pytest.fixture(scope="module")
def blend() -> BlendEncoder:
    return BlendEncoder([TfidfEncoder(n_components=6).fit(PHRASES), TfidfEncoder(n_components=8).fit(PHRASES[::-1])])


def test_two_english_texts_are_quoted_as_the_english_part_alone_would_quote_them(blend: BlendEncoder) -> None:
    part = EnglishPart(0, blend.encoders[0].dim, MINILM)
    read = explain_pair(STARTUP, CDMO, {}, {"need_match": 0.3}, encode=blend.encode, thresholds=WHOLE, english=part)
    first = blend.encoders[0].encode
    alone = explain_pair(STARTUP, CDMO, {}, {"need_match": 0.3}, encode=first, thresholds=MINILM.reasons)
    assert read == alone


def test_a_text_in_another_language_is_quoted_by_the_whole_blend_with_its_thresholds(blend: BlendEncoder) -> None:
    korean = dataclasses.replace(STARTUP, seeks="GMP 위탁생산 파트너")
    part = EnglishPart(0, blend.encoders[0].dim, MINILM)
    read = explain_pair(korean, CDMO, {}, {"need_match": 0.3}, encode=blend.encode, thresholds=WHOLE, english=part)
    whole = explain_pair(korean, CDMO, {}, {"need_match": 0.3}, encode=blend.encode, thresholds=WHOLE)
    # Their English offer against the Korean need: the whole blend's reading; the rest are two English texts.
    offer = '"GMP manufacturing of ADC candidates at clinical scale"'
    quote = f'Their offer {offer} may meet your need "GMP 위탁생산 파트너".'
    assert read[0] == whole[0] == quote
