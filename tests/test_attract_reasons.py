"""A lead's reasons: kinds and parameters in the core (matcher.attract.LeadReason), English for the command line and
the JSON, and the app's message catalogue for every language it speaks."""

from __future__ import annotations

import re

import pytest

from matcher.attract import LEAD_REASON_KINDS, LEAD_REASON_TEMPLATES, Beneficiary, CityFit, Lead, LeadReason
from matcher.ui.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalogue
from matcher.ui.pages.attract import REASON_KEYS, fits_frame, lead_reason_text, lead_reasons, leads_frame
from matcher.ui.widgets import safe

OTHERS = [lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE]

# One reason of every kind, and the counted kinds with a count of one as well.
REASONS = (
    LeadReason("fits", {"n": 7, "city": "Daejeon", "names": ["Bomnal Pharmaceutical", "Hanbit Bioworks"]}),
    LeadReason("fits", {"n": 1, "city": "Daejeon", "names": ["Hanbit Bioworks"]}),
    LeadReason("fits_none", {"city": "Daejeon"}),
    LeadReason("gaps", {"city": "Daejeon",
                        "gaps": [{"sector": "antibody_drug_conjugates", "seeking": 3, "offering": 1}]}),
    LeadReason("gaps", {"city": "Daejeon", "gaps": [{"sector": "bioprocessing_cdmo", "seeking": 4, "offering": 0},
                                                    {"sector": "ai", "seeking": 2, "offering": 0}]}),
    LeadReason("strategy_sectors", {"city": "Daejeon", "sectors": ["bioprocessing_cdmo", "energy"]}),
    LeadReason("strategy_text", {"city": "Daejeon", "alignment": 0.4567}),
    LeadReason("partners", {"n": 2, "city": "Daejeon", "names": ["Gaon Biologics", "Seorin Clinical"]}),
    LeadReason("partners", {"n": 1, "city": "Daejeon", "names": ["Gaon Biologics"]}),
    LeadReason("partners_of_partners", {"city": "Daejeon"}),
    LeadReason("lookalike", {"name": "Oncoridge Therapeutics", "place": "Cambridge", "city": "Daejeon"}),
)


def _lead(reasons: tuple[LeadReason, ...] = REASONS) -> Lead:
    return Lead("gl-1", "Bellwether Oncology", "Boston", "US", "large_company", 0.69,
                (Beneficiary("dj-1", "Hanbit Bioworks", 0.3, "Fits both ways."),),
                tuple(r.text for r in reasons), ("antibody_drug_conjugates",), {"breadth": 0.4}, reasons)


def _english_fragments() -> set[str]:
    """The words of the English templates between their placeholders, as they would show in a rendered reason."""
    pieces = (p.strip(" .,:;()") for text in LEAD_REASON_TEMPLATES.values() for p in re.split(r"\{\w+\}", text))
    return {p for p in pieces if len(p) >= 4}


# ---------------------------------------------------------------------------------------------------- the core


def test_every_kind_has_its_english_wording() -> None:
    assert {r.kind for r in REASONS} == set(LEAD_REASON_KINDS)
    assert [r.text for r in REASONS[:4]] == [
        "Fits 7 organisations in Daejeon, best Bomnal Pharmaceutical, Hanbit Bioworks.",
        "Fits 1 organisation in Daejeon, best Hanbit Bioworks.",
        "No organisation in Daejeon fits it clearly both ways.",
        "Fills Daejeon's gap in antibody-drug conjugates (sought by 3, offered by 1).",
    ]


def test_several_gaps_and_sectors_are_listed_in_one_reason() -> None:
    assert REASONS[4].text == (
        "Fills Daejeon's gaps in bioprocessing / CDMO (sought by 4, offered by 0); artificial intelligence "
        "(sought by 2, offered by 0)."
    )
    assert REASONS[5].text == "Works in bioprocessing / CDMO, energy, a target of Daejeon's strategy."


def test_numbers_in_the_english_text_have_two_decimals() -> None:
    assert REASONS[6].text == "Its offers read close to Daejeon's strategy (alignment 0.46)."


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown lead reason 'vibes'"):
        LeadReason("vibes", {})


def test_the_json_keeps_the_english_reasons_and_adds_their_details() -> None:
    out = _lead(REASONS[:2]).to_dict()
    assert out["reasons"] == [REASONS[0].text, REASONS[1].text]
    assert out["reason_details"][0] == {
        "kind": "fits", "params": {"n": 7, "city": "Daejeon", "names": ["Bomnal Pharmaceutical", "Hanbit Bioworks"]}
    }
    fit = CityFit("Daejeon", 0.5, (), (REASONS[2].text,), (REASONS[2],)).to_dict()
    assert fit["reason_details"] == [{"kind": "fits_none", "params": {"city": "Daejeon"}}]


# ----------------------------------------------------------------------------------------------------- the app


def test_the_english_catalogue_holds_the_cores_templates() -> None:
    english = catalogue(DEFAULT_LANGUAGE)
    assert {key: english[f"attract.why.{key}"] for key in LEAD_REASON_TEMPLATES} == LEAD_REASON_TEMPLATES
    assert set(REASON_KEYS) == set(LEAD_REASON_KINDS)


def test_the_app_writes_english_reasons_as_the_core_does() -> None:
    assert [lead_reason_text(r, "en") for r in REASONS] == [r.text for r in REASONS]


@pytest.mark.parametrize("lang", OTHERS)
def test_a_lead_is_worded_in_the_language_with_no_english_left(lang: str) -> None:
    shown = lead_reasons(_lead().reasons, _lead().reason_details, lang)
    assert len(shown) == len(REASONS)
    english = _english_fragments()
    left = sorted({f for line in shown for f in english if re.search(rf"\b{re.escape(f)}\b", line)})
    assert left == []


@pytest.mark.parametrize("lang", OTHERS)
def test_names_and_places_are_kept_as_written_and_numbers_written_the_local_way(lang: str) -> None:
    fits, _, _, gap, _, _, strategy, *_, like = (lead_reason_text(r, lang) for r in REASONS)
    assert "Bomnal Pharmaceutical, Hanbit Bioworks" in fits and "Daejeon" in fits and "7" in fits
    assert "3" in gap and "1" in gap
    assert ("0,46" if lang in ("de", "es") else "0.46") in strategy
    assert "Oncoridge Therapeutics" in like and "Cambridge" in like


def test_sectors_are_named_by_their_label_in_the_language() -> None:
    assert "항체-약물 접합체(ADC) (수요 3곳, 제공 1곳)" in lead_reason_text(REASONS[3], "ko")
    assert "Antikörper-Wirkstoff-Konjugate (gesucht von 3, angeboten von 1)" in lead_reason_text(REASONS[3], "de")
    assert "Bioprocesos / CDMO, Energía" in lead_reason_text(REASONS[5], "es")


def test_a_count_of_one_takes_the_singular() -> None:
    assert "1 Organisation in" in lead_reason_text(REASONS[1], "de")
    assert "1 organización de" in lead_reason_text(REASONS[8], "es")


def test_a_name_with_markup_is_escaped_where_it_is_shown() -> None:
    reason = LeadReason("fits", {"n": 1, "city": "Daejeon", "names": ["<b>Acme</b> **Bio**"]})
    shown = safe(lead_reason_text(reason, "ko"))
    assert "<b>" not in shown and "**Bio**" not in shown


def test_a_lead_built_without_details_keeps_its_reasons() -> None:
    assert lead_reasons(("Fits 2 organisations.",), (), "ko") == ["Fits 2 organisations."]


def test_the_leads_and_city_tables_say_why_in_the_language() -> None:
    # Outside a running app the language is English; the tables show the reasons the details give.
    assert leads_frame([_lead(REASONS[:1])])["Why"].tolist() == [REASONS[0].text]
    fits = type("Fits", (), {"fits": (CityFit("Daejeon", 0.5, (), ("old",), (REASONS[2],)),)})()
    assert fits_frame(fits)["Why"].tolist() == [REASONS[2].text]  # type: ignore[arg-type]
