"""The app's languages: complete catalogues, matching placeholders, English as it was, reasons that keep their quotes.

The catalogues (matcher/ui/locales/*.toml) are checked against the code: every message the code asks for exists in
every language with the same placeholders, every vocabulary value has a label, and the English templates of the
reasons recognise what matcher.explain writes, so that a change of wording there shows up here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from matcher.bands import Band
from matcher.explain import explain_pair
from matcher.features import DERIVED_ROLES, FEATURE_LABELS
from matcher.filters import SIZE_BANDS, Filters
from matcher.policy import FEEDBACK_REASONS
from matcher.rank import VARIETY_NOTE, Match, Recommendations
from matcher.schema import SHORTLIST_STAGES, Profile
from matcher.ui import i18n
from matcher.ui.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    catalogue,
    format_datetime,
    format_number,
    format_score,
    placeholders,
    translate,
    translate_plural,
    vocab_label,
)
from matcher.ui.localise import REASON_TEMPLATES, band_note, describe_filters, localise_reason
from matcher.ui.pages.find import _FEEDBACK_LABELS
from matcher.vocab import ORG_TYPES, PARTNERSHIP_KINDS, SECTORS, STAGES

UI = Path(__file__).resolve().parents[1] / "matcher" / "ui"
OTHERS = [lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE]
VOCABULARIES: dict[str, Sequence[str]] = {
    "type": ORG_TYPES,
    "role": tuple(DERIVED_ROLES),
    "sector": SECTORS,
    "stage": STAGES,
    "size": tuple(SIZE_BANDS),
    "pipeline": SHORTLIST_STAGES,
    "band": tuple(str(b) for b in Band),
    "kind": PARTNERSHIP_KINDS,
    "feedback": FEEDBACK_REASONS,
    "facet": ("profile", "offers", "seeks"),
    "import": ("profiles", "partnerships"),
    "feature": tuple(FEATURE_LABELS),
}
"""Every vocabulary the app shows, with the values each non-English catalogue must label."""
DYNAMIC = ("find.done.", "find.said.")
"""Messages the code names with a variable part (``f"find.done.{label}"``), one per feedback label."""


def _messages(lang: str) -> dict[str, str]:
    """The catalogue without its vocabulary labels."""
    return {key: text for key, text in catalogue(lang).items() if not key.startswith("vocab.")}


def _keys_in_code() -> set[str]:
    """Every string literal of matcher/ui that names a message (``"section.name"`` with a known section)."""
    sections = {key.split(".")[0] for key in _messages(DEFAULT_LANGUAGE)}
    key = re.compile(rf"^(?:{'|'.join(sections)})\.[a-z_]+(?:\.[a-z_]+)*(?<!\.py)$")  # not a page's file name
    found = set()
    for path in UI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and key.match(node.value):
                found.add(node.value)
    return found


def _exists(key: str, messages: dict[str, str]) -> bool:
    return key in messages or {f"{key}.one", f"{key}.other"} <= messages.keys()


# ---------------------------------------------------------------------------------------------------- catalogues


def test_every_message_the_code_names_is_in_the_english_catalogue() -> None:
    english = _messages(DEFAULT_LANGUAGE)
    used = _keys_in_code()
    assert len(used) > 250
    assert sorted(k for k in used if not _exists(k, english)) == []


def test_every_english_message_is_used_by_the_code() -> None:
    used = _keys_in_code()
    reasons = {f"reason.{name}" for name in REASON_TEMPLATES}  # named through the list of templates
    unused = [
        key for key in _messages(DEFAULT_LANGUAGE)
        if key not in used and key.rsplit(".", 1)[0] not in used and not key.startswith(DYNAMIC) and key not in reasons
    ]  # fmt: skip
    assert unused == []


def test_every_feedback_label_has_its_messages() -> None:
    english = _messages(DEFAULT_LANGUAGE)
    assert all(f"{prefix}{label}" in english for prefix in DYNAMIC for label in _FEEDBACK_LABELS)


@pytest.mark.parametrize("lang", OTHERS)
def test_each_language_has_exactly_the_english_messages(lang: str) -> None:
    assert sorted(_messages(lang).keys() ^ _messages(DEFAULT_LANGUAGE).keys()) == []


@pytest.mark.parametrize("lang", OTHERS)
def test_each_message_has_the_english_placeholders(lang: str) -> None:
    english = _messages(DEFAULT_LANGUAGE)
    differ = {key: text for key, text in _messages(lang).items() if placeholders(text) != placeholders(english[key])}
    assert differ == {}


@pytest.mark.parametrize("lang", OTHERS)
def test_each_language_labels_every_vocabulary_value_and_nothing_else(lang: str) -> None:
    labelled = {key for key in catalogue(lang) if key.startswith("vocab.")}
    expected = {f"vocab.{kind}.{value}" for kind, values in VOCABULARIES.items() for value in values}
    assert sorted(labelled ^ expected) == []


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_no_message_is_empty_and_every_one_formats(lang: str) -> None:
    for key, text in catalogue(lang).items():
        assert text.strip() or key == "table.rank", key
        text.format(**dict.fromkeys(placeholders(text), "x"))


def test_the_korean_catalogue_is_korean() -> None:
    hangul = re.compile(r"[\uac00-\ud7a3]")
    words = [text for key, text in _messages("ko").items() if re.search(r"[A-Za-z]{4}", text)]
    assert sum(bool(hangul.search(text)) for text in _messages("ko").values()) > 0.95 * len(_messages("ko"))
    assert words  # product names and code stay as they are


# ---------------------------------------------------------------------------------------------------- translate


def test_a_message_is_translated_with_its_parameters() -> None:
    assert translate("ko", "find.suggested", n=12) == "추천 파트너 (12)"
    assert translate("en", "find.suggested", n=12) == "Suggested partners (12)"


def test_counts_are_grouped_the_local_way() -> None:
    assert translate("de", "find.suggested", n=12_345) == "Vorgeschlagene Partner (12.345)"
    assert translate("en", "find.suggested", n=12_345) == "Suggested partners (12,345)"


def test_a_message_missing_in_a_language_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    partial = {"en": {"x.hello": "Hello {name}", "x.bye": "Bye"}, "ko": {"x.bye": "안녕히"}}
    monkeypatch.setattr(i18n, "catalogue", partial.__getitem__)
    assert translate("ko", "x.hello", name="Mina") == "Hello Mina"
    assert translate("ko", "x.bye") == "안녕히"


def test_an_unknown_message_shows_its_key_rather_than_failing() -> None:
    assert translate("ko", "find.no_such_message") == "find.no_such_message"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        catalogue("fr")


def test_plural_forms_follow_the_count() -> None:
    assert translate_plural("en", "find.competitors", 1).startswith("1 likely competitor (")
    assert translate_plural("en", "find.competitors", 2).startswith("2 likely competitors (")
    assert translate_plural("es", "find.competitors", 2).startswith("Se omiten 2 probables")


def test_a_vocabulary_value_is_labelled_in_the_language_or_by_its_english_rule() -> None:
    assert vocab_label("type", "research_institute", str.upper, "ko") == "연구기관"
    assert vocab_label("type", "research_institute", str.upper, "en") == "RESEARCH_INSTITUTE"
    assert vocab_label("type", "space_agency", str.upper, "ko") == "SPACE_AGENCY"


def test_scores_keep_two_decimals_with_the_local_decimal_sign() -> None:
    assert [format_score(0.3, lang) for lang in ("en", "ko", "de", "es")] == ["0.30", "0.30", "0,30", "0,30"]
    assert format_score(0.456, "en") == "0.46"


def test_numbers_are_grouped_the_local_way() -> None:
    assert [format_number(1_234_567, lang) for lang in ("en", "ko", "de")] == ["1,234,567", "1,234,567", "1.234.567"]
    assert format_number(2.25, "de", decimals=1) == "2,2"


def test_stored_times_are_shown_in_the_users_zone_and_language() -> None:
    stamp = "2026-03-05T12:34:56+00:00"
    seoul = ZoneInfo("Asia/Seoul")
    assert format_datetime(stamp, "ko", seoul) == "2026. 3. 5. 오후 9:34"
    assert format_datetime(stamp, "de", ZoneInfo("Europe/Berlin")) == "05.03.2026, 13:34"
    assert format_datetime(datetime(2026, 3, 5, 12, 34), "en", seoul) == "5 Mar 2026, 21:34"


def test_a_time_without_a_known_zone_says_utc() -> None:
    assert format_datetime("2026-03-05T12:34:56+00:00", "es") == "5 mar 2026, 12:34 UTC"


def test_a_value_that_is_not_a_time_is_shown_as_it_is() -> None:
    assert format_datetime("yesterday", "ko") == "yesterday"


# ---------------------------------------------------------------------------------------------------- English as before


def test_the_english_variety_note_is_the_cores() -> None:
    assert translate("en", "find.variety") == VARIETY_NOTE


def _match(id_: str, score: float) -> Match:
    return Match(id_, id_, "Seattle", "US", "startup", score, score, score)


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(city=("Seattle",)), Filters(city=("Seattle",), country=("US",), org_type=("startup", "sme"))],
    ids=["none", "city", "several"],
)
@pytest.mark.parametrize("hidden", [0, 3])
def test_the_english_band_note_is_the_cores(filters: Filters, hidden: int) -> None:
    found = Recommendations("q", [_match("a", 0.26), _match("b", 0.1), _match("c", 0.27)], hidden=hidden)
    assert band_note(found, filters, "en") == found.band_note(filters.describe())


def test_there_is_no_band_note_when_a_strong_match_is_listed() -> None:
    found = Recommendations("q", [_match("a", 0.9), _match("b", 0.1)])
    assert band_note(found, Filters(), "ko") is None


def test_the_korean_band_note_counts_the_bands_in_korean() -> None:
    found = Recommendations("q", [_match("a", 0.26), _match("b", 0.1)])
    note = band_note(found, Filters(city=("Seattle",)), "ko")
    assert note == "Seattle 조건에 강함 매칭이 없습니다. 가능 1건, 약함 1건."


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(city=("Seattle", "Calgary")), Filters(sector=("energy",), stage=("seed",), size=("micro",))],
)
def test_the_english_filter_description_is_the_cores(filters: Filters) -> None:
    assert describe_filters(filters, "en") == filters.describe()


def test_filter_values_are_described_in_the_language() -> None:
    assert describe_filters(Filters(city=("Seattle",), sector=("energy", "ai")), "de") == (
        "in Seattle, Energie oder Künstliche Intelligenz"
    )


# ---------------------------------------------------------------------------------------------------- reasons

SEEKER = Profile(
    id="dj-1", name="Hanbit Bio", org_type="startup", city="Daejeon", country="KR",
    sectors=("antibody_drug_conjugates", "therapeutics", "biologics", "diagnostics", "energy"),
    technologies=("HIC purification", "lyophilisation", "CHO", "DAR", "ELISA"), stage="seed",
    offers="항체-약물 접합체 링커 기술의 라이선스",
    seeks="임상 시료 생산을 위한 GMP 위탁생산",
)  # fmt: skip
PROVIDER = Profile(
    id="ma-1", name="Biomédica Costa del Sol", org_type="company", city="Málaga", country="ES",
    sectors=("antibody_drug_conjugates", "therapeutics", "biologics", "diagnostics", "energy", "bioprocessing_cdmo"),
    technologies=("HIC purification", "lyophilisation", "CHO", "DAR", "ELISA"),
    offers="Fabricación GMP de conjugados para ensayos clínicos",
    seeks="Licencias de tecnología de enlazadores de Asia",
)  # fmt: skip
INVESTOR = Profile(
    id="se-9", name="Cascade Ventures", org_type="investor", city="Daejeon", country="KR", stage="seed",
    offers="Seed rounds for biotech startups.", seeks="ADC startups raising a first round.",
)  # fmt: skip


def _encode_at(similarity: float) -> object:
    """A phrase encoder under which the first phrase meets every other at ``similarity``: a quote is made."""

    def encode(phrases: Sequence[str]) -> np.ndarray:
        other = np.array([similarity, np.sqrt(1 - similarity**2)], dtype=np.float32)
        return np.stack([np.array([1.0, 0.0], dtype=np.float32), *[other] * (len(phrases) - 1)])

    return encode


def _every_kind_of_reason() -> list[str]:
    contributions = {name: 0.1 for name in FEATURE_LABELS}
    features = {"type_fit_for_query": 0.9, "partners_of_peers": 0.5, "profile_similarity": 0.61}
    reasons = [
        *explain_pair(SEEKER, PROVIDER, features, contributions, type_pair=("drug_developer", "cdmo"),
                      common_partners=["Alpha Labs", "Beta, Inc.", "Gamma", "Delta"], peers=["Hanul Bio"],
                      encode=_encode_at(0.9)),  # type: ignore[arg-type]
        *explain_pair(SEEKER, PROVIDER, features, contributions, encode=_encode_at(0.5)),  # type: ignore[arg-type]
        *explain_pair(SEEKER, INVESTOR, features, contributions, type_pair=("startup", "investor")),
        *explain_pair(INVESTOR, SEEKER, features, contributions, type_pair=("investor", "startup")),
        *explain_pair(SEEKER, PROVIDER, features, contributions, mode="peer",
                      encode=_encode_at(0.9)),  # type: ignore[arg-type]
    ]  # fmt: skip
    return list(dict.fromkeys(reasons))


def test_the_sample_pairs_give_every_kind_of_reason() -> None:
    reasons = " | ".join(_every_kind_of_reason())
    for words in ("Their offer", "may meet", " meets ", "Your offer", "Similar offers", "Both work in", "Both name",
                  "fit: they invest at", "fit: they are at", "You share partners", "like yours", "Similar profile",
                  "Different city", "Same city", "Score contributions", "more"):  # fmt: skip
        assert words in reasons, words


@pytest.mark.parametrize("lang", OTHERS)
def test_every_reason_explain_writes_is_translated(lang: str) -> None:
    english = _every_kind_of_reason()
    untranslated = [r for r in english if localise_reason(r, lang) == r]
    assert untranslated == []


@pytest.mark.parametrize("lang", OTHERS)
def test_translated_reasons_quote_the_profiles_in_their_own_language(lang: str) -> None:
    for reason in _every_kind_of_reason():
        quotes = re.findall(r'"[^"]*"', reason)
        assert all(quote in localise_reason(reason, lang) for quote in quotes), reason


def test_a_korean_need_is_quoted_as_written_inside_a_korean_reason() -> None:
    reason = next(r for r in _every_kind_of_reason() if r.startswith("Their offer"))
    assert localise_reason(reason, "ko") == (
        '상대 기관이 제공하는 "Fabricación GMP de conjugados para ensayos clínicos": '
        '귀사의 수요 "임상 시료 생산을 위한 GMP 위탁생산"에 부합합니다.'
    )


def test_names_in_a_reason_are_kept_and_only_the_list_words_translated() -> None:
    reason = next(r for r in _every_kind_of_reason() if r.startswith("You share partners"))
    assert localise_reason(reason, "es") == "Socios en común: Alpha Labs, Beta, Inc., Gamma y 1 más."


def test_a_type_fit_names_both_roles_and_the_stage_in_the_language() -> None:
    reason = next(r for r in _every_kind_of_reason() if "fit: they invest at" in r)
    assert localise_reason(reason, "ko") == "스타트업–투자사 유형 궁합: 시드 단계에 투자."


def test_score_contributions_name_each_factor_with_a_local_number() -> None:
    reason = "Score contributions: their offers for your needs 0.30, shared sectors 0.10."
    assert localise_reason(reason, "de") == (
        "Beiträge zum Score: ihr Angebot für Ihren Bedarf 0,30; gemeinsame Branchen 0,10."
    )


def test_english_and_unknown_reasons_come_back_unchanged() -> None:
    assert localise_reason('Their offer "a" meets your need "b".', "en") == 'Their offer "a" meets your need "b".'
    assert localise_reason("A reason written by hand.", "ko") == "A reason written by hand."
