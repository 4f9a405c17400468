"""Specification of validation: which rows are kept, in what canonical form, and what is said about the rest."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.readers import RowProblem, read_table
from matcher.schema import PARTNERSHIP_COLUMNS, PROFILE_COLUMNS, Profile
from matcher.validate import (
    FOUNDED_MIN,
    TEXT_LIMITS,
    MissingColumnsError,
    validate_partnerships,
    validate_profiles,
)

THIS_YEAR = dt.date.today().year
GOOD = {
    "id": "dj-001", "name": "Hanbit Bio", "org_type": "startup", "city": "Daejeon", "country": "KR",
    "seeks": "GMP fill-finish",  # something to match on: a profile without any text is warned about
}


def profiles(*rows: Mapping[str, object]) -> pd.DataFrame:
    """A frame of text cells, each row the good profile with some cells replaced."""
    frame = pd.DataFrame([{**GOOD, "id": f"p{i}", **row} for i, row in enumerate(rows, start=1)], dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def one(**row: object) -> pd.Series:
    report = validate_profiles(profiles(row))
    assert report.rejected == [], report.rejected
    return report.valid.iloc[0]


def reason(**row: object) -> str:
    report = validate_profiles(profiles(row))
    assert report.valid.empty
    return report.rejected[0].reason


# Columns --------------------------------------------------------------------------------------------------------


def test_valid_rows_have_the_canonical_columns_and_the_row_number() -> None:
    report = validate_profiles(profiles({}))
    assert list(report.valid.columns) == [*PROFILE_COLUMNS, "_row"]
    assert report.valid["_row"].tolist() == [1]


def test_missing_required_columns_reject_the_table_naming_them() -> None:
    frame = pd.DataFrame({"id": ["a"], "name": ["x"], "city": ["Daejeon"]})
    with pytest.raises(MissingColumnsError, match=r"no column for org_type, country \(columns found: 'id', 'name'"):
        validate_profiles(frame)


def test_missing_columns_error_lists_the_missing_names() -> None:
    with pytest.raises(MissingColumnsError) as caught:
        validate_profiles(pd.DataFrame({"id": ["a"]}))
    assert caught.value.missing == ("name", "org_type", "city", "country")


@pytest.mark.parametrize(
    ("header", "column"),
    [("Organisation", "name"), ("Organization Type", "org_type"), ("type", "org_type"), ("Country Code", "country")],
)
def test_header_aliases_are_read_as_their_column_and_noted(header: str, column: str) -> None:
    frame = profiles({}).rename(columns={column: header})
    report = validate_profiles(frame)
    assert report.valid[column].tolist() == [GOOD[column] if column != "country" else "KR"]
    assert f"column '{header}' read as {column}" in report.notes


def test_the_exact_column_name_wins_over_an_alias() -> None:
    frame = profiles({}).assign(company="Other Name")
    report = validate_profiles(frame)
    assert report.valid["name"].tolist() == ["Hanbit Bio"]
    assert "column 'company' ignored: name is already read from column 'name'" in report.notes


def test_unknown_columns_are_ignored_with_a_note() -> None:
    report = validate_profiles(profiles({}).assign(fax="123", colour="red"))
    assert "columns ignored (not part of the model): 'fax', 'colour'" in report.notes


# Normalisation --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [("Start-up", "startup"), ("Research Institute", "research_institute"), ("SME", "sme"), ("MNC", "multinational")],
)
def test_org_type_aliases_become_canonical(given: str, expected: str) -> None:
    assert one(org_type=given)["org_type"] == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [("UK", "GB"), ("EL", "GR"), ("Republic of Korea", "KR"), ("deu", "DE"), ("España", "ES"), (" us ", "US")],
)
def test_countries_become_iso_alpha_2(given: str, expected: str) -> None:
    assert one(country=given)["country"] == expected


def test_decomposed_accents_are_recognised_in_vocabularies() -> None:
    assert one(country="Espan\u0303a")["country"] == "ES"


def test_kosovo_as_eu_data_writes_it_is_accepted() -> None:
    assert one(country="XK")["country"] == "XK"


@pytest.mark.parametrize(("city", "country"), [("대전", "대한민국"), ("대전광역시", "KR"), ("Taejon", "South Korea")])
def test_a_city_in_any_spelling_is_stored_under_its_canonical_name(city: str, country: str) -> None:
    row = one(city=city, country=country)
    assert (row["city"], row["country"]) == ("Daejeon", "KR")


def test_a_city_the_vocabulary_does_not_know_is_kept_as_typed() -> None:
    assert one(city="Yuseong-gu")["city"] == "Yuseong-gu"


def test_text_typed_in_decomposed_hangul_is_stored_composed() -> None:
    row = one(name=unicodedata.normalize("NFD", "세종 바이오로직스"))
    assert row["name"] == "세종 바이오로직스" and unicodedata.is_normalized("NFC", row["name"])


def test_garbled_text_is_kept_with_a_warning_that_says_what_it_meant() -> None:
    report = validate_profiles(profiles({"description": "GaN chips made in MÃ¡laga"}))
    assert len(report.valid) == 1
    assert report.warnings == [
        RowProblem(
            1,
            "description looks garbled: 'Ã¡' is UTF-8 text read as Windows-1252 (it would say 'á'); fix the text, "
            "or save the file as CSV UTF-8, and import it again",
            "p1",
        )
    ]


def test_sectors_split_into_taxonomy_sectors_and_free_tags_with_a_warning() -> None:
    report = validate_profiles(profiles({"sectors": "ADC; space robotics; Machine learning", "tags": "GMP"}))
    row = report.valid.iloc[0]
    assert row["sectors"] == ("antibody_drug_conjugates", "ai")
    assert row["tags"] == ("GMP", "space robotics")
    assert report.warnings == [RowProblem(1, "sector 'space robotics' is not in the taxonomy; kept as a tag", "p1")]


@pytest.mark.parametrize(("given", "expected"), [("Series A", "series_a"), ("pre-seed", "pre_seed"), (None, None)])
def test_stage_aliases_become_canonical(given: str | None, expected: str | None) -> None:
    assert one(stage=given)["stage"] == expected


def test_list_columns_become_tuples_split_on_semicolons() -> None:
    row = one(technologies="CRISPR; LNP ;;CRISPR", languages="ko|en", public_fields="Name; city; secret")
    assert (row["technologies"], row["languages"], row["public_fields"]) == (
        ("CRISPR", "LNP"),
        ("ko", "en"),
        ("name", "city"),
    )


def test_unknown_public_fields_are_dropped_with_a_warning() -> None:
    report = validate_profiles(profiles({"public_fields": "name; secret"}))
    assert report.warnings == [RowProblem(1, "public_fields 'secret' not profile columns; ignored", "p1")]


def test_missing_optional_values_take_the_profile_defaults() -> None:
    row = one(seeks=None)
    assert (row["description"], row["offers"], row["seeks"]) == ("", "", "")
    assert row["website"] is None and row["stage"] is None
    assert row["sectors"] == () and row["tags"] == ()
    assert row["employees"] is pd.NA and row["founded"] is pd.NA


def test_whole_numbers_become_int64() -> None:
    report = validate_profiles(profiles({"employees": "12", "founded": "1998"}, {"employees": "40.0"}))
    assert str(report.valid["employees"].dtype) == "Int64"
    assert report.valid["employees"].tolist() == [12, 40]
    assert report.valid["founded"].tolist()[0] == 1998


def test_cells_are_stripped_but_otherwise_kept_verbatim() -> None:
    text = '  <b>GMP</b> =SUM(A1) +49 -1 @x "quoted"\n second line  '
    row = one(name="  =cmd|' /C calc'!A0 ", description=text)
    assert row["name"] == "=cmd|' /C calc'!A0"
    assert row["description"] == text.strip()


def test_korean_german_and_spanish_names_round_trip_exactly_without_warnings() -> None:
    names = ["한빛바이오 주식회사", "Großhändler Müßig GmbH", "Señora Peña Ibáñez S.L."]
    report = validate_profiles(profiles(*({"name": n} for n in names)))
    assert (report.valid["name"].tolist(), report.warnings) == (names, [])


@settings(max_examples=15, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=TEXT_LIMITS["name"]).map(str.strip).filter(bool), min_size=1, max_size=30))
def test_any_name_within_the_limit_round_trips_in_nfc(names: list[str]) -> None:
    report = validate_profiles(profiles(*({"name": name} for name in names)))
    assert report.valid["name"].tolist() == [unicodedata.normalize("NFC", name) for name in names]


def test_already_typed_input_is_accepted() -> None:
    frame = pd.DataFrame(
        [{**GOOD, "sectors": ("semiconductors", "quantum"), "employees": 12, "founded": 2001.0, "languages": ["en"]}]
    )
    row = validate_profiles(frame).valid.iloc[0]
    assert (row["sectors"], row["employees"], row["founded"], row["languages"]) == (
        ("semiconductors", "quantum"),
        12,
        2001,
        ("en",),
    )


def test_valid_rows_build_profiles() -> None:
    row = one(sectors="ADC", employees="12", description="We make ADCs.")
    profile = Profile.from_mapping(row.to_dict())
    assert (profile.org_type, profile.sectors, profile.employees) == ("startup", ("antibody_drug_conjugates",), 12)


def test_rows_without_row_numbers_are_numbered_from_one() -> None:
    report = validate_profiles(profiles({}, {"country": "Atlantis"}))
    assert report.rejected[0].row == 2


def test_reader_row_numbers_are_reported() -> None:
    frame = profiles({"country": "Atlantis"}).assign(_row=[7])
    assert validate_profiles(frame).rejected[0].row == 7


# Rejections -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["id", "name", "org_type", "city", "country"])
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_missing_required_value_rejects_the_row(column: str, blank: str | None) -> None:
    assert reason(**{column: blank}) == f"{column} missing"


def test_an_unknown_org_type_rejects_the_row_listing_the_accepted_ones() -> None:
    assert reason(org_type="Lab rat") == (
        "org_type 'Lab rat' is not a known organisation type (accepted: startup, sme, company, large_company, "
        "multinational, university, research_institute, hospital, investor, public_body, accelerator, other)"
    )


def test_an_unknown_country_rejects_the_row() -> None:
    assert reason(country="Atlantis") == "country 'Atlantis' is not a known country"


def test_an_unknown_stage_rejects_the_row() -> None:
    assert reason(stage="Series Z") == (
        "stage 'Series Z' is not a known stage (accepted: pre_seed, seed, series_a, series_b, growth, established)"
    )


@pytest.mark.parametrize("value", ["about 50", "12.5", "-3", "1,200"])
def test_employees_must_be_a_whole_number(value: str) -> None:
    assert reason(employees=value) == f"employees '{value}' is not a whole number"


def test_founded_must_be_a_year() -> None:
    assert reason(founded="MMXX") == "founded 'MMXX' is not a year"


@pytest.mark.parametrize("year", [FOUNDED_MIN - 1, THIS_YEAR + 1])
def test_founded_outside_the_range_rejects_the_row(year: int) -> None:
    assert reason(founded=str(year)) == f"founded {year} is outside {FOUNDED_MIN}..{THIS_YEAR}"


@pytest.mark.parametrize("year", [FOUNDED_MIN, THIS_YEAR])
def test_founded_at_the_ends_of_the_range_is_kept(year: int) -> None:
    assert one(founded=str(year))["founded"] == year


@pytest.mark.parametrize("column", ["name", "description", "offers", "seeks"])
def test_a_text_at_its_limit_is_kept_whole(column: str) -> None:
    assert one(**{column: "x" * TEXT_LIMITS[column]})[column] == "x" * TEXT_LIMITS[column]


@pytest.mark.parametrize("column", ["name", "description", "offers", "seeks"])
def test_a_text_over_its_limit_rejects_the_row_and_is_never_cut(column: str) -> None:
    limit = TEXT_LIMITS[column]
    assert reason(**{column: "x" * (limit + 1)}) == (
        f"{column} has {limit + 1:,} characters, above the limit of {limit:,} "
        "(shorten it: nothing is cut automatically)"
    )


def test_every_reason_of_a_row_is_given_at_once_in_column_order() -> None:
    assert reason(org_type=None, country="Atlantis", employees="many") == (
        "org_type missing; country 'Atlantis' is not a known country; employees 'many' is not a whole number"
    )


def test_a_repeated_id_keeps_the_first_row_and_rejects_later_ones_naming_it() -> None:
    frame = profiles({"id": "dj-001"}, {"id": "dj-002"}, {"id": "dj-001", "name": "Again"}).assign(_row=[2, 3, 4])
    report = validate_profiles(frame)
    assert report.valid["id"].tolist() == ["dj-001", "dj-002"]
    assert report.valid["name"].tolist() == ["Hanbit Bio", "Hanbit Bio"]
    assert report.rejected == [RowProblem(4, "id 'dj-001' repeats row 2 (the first is kept)", "dj-001")]


def test_good_rows_are_kept_when_others_are_rejected() -> None:
    report = validate_profiles(profiles({}, {"country": "Atlantis"}, {}))
    assert report.valid["id"].tolist() == ["p1", "p3"]
    assert [problem.id for problem in report.rejected] == ["p2"]


# From file to canonical rows --------------------------------------------------------------------------------


def test_a_dirty_semicolon_file_imports_its_good_rows(tmp_path: Path) -> None:
    data = (
        b"\xef\xbb\xbfID;Organisation;Type;City;Country;Sectors;Employees\r\n"
        b'ma-1;Nube Tecnolog\xc3\xada;SME;M\xc3\xa1laga;Espa\xc3\xb1a;"AI; robotics";12\r\n'
        b'ma-2;"Broken;startup;M\xc3\xa1laga;ES;;3\r\n'
        b"dt-1;Stahlwerk Gie\xdfen;company;Dortmund;Deutschland;;many\r\n"  # a Windows-1252 line
        b"dj-1;\xed\x95\x9c\xeb\xb9\x9b;startup;Daejeon;KR;ADC;7\r\n"
    )
    path = tmp_path / "profiles.csv"
    path.write_bytes(data)
    read = read_table(path)
    report = validate_profiles(read.frame)
    assert report.valid[["id", "name", "country", "sectors", "_row"]].to_dict("records") == [
        {"id": "ma-1", "name": "Nube Tecnología", "country": "ES", "sectors": ("ai", "robotics"), "_row": 2},
        {"id": "dj-1", "name": "한빛", "country": "KR", "sectors": ("antibody_drug_conjugates",), "_row": 5},
    ]
    assert read.problems == [RowProblem(3, "unclosed quote; this line was skipped", "ma-2")]
    assert read.notes == ["1 line (4) not valid UTF-8, decoded as Windows-1252 (Latin-1)", "delimiter ';'"]
    assert report.rejected == [RowProblem(4, "employees 'many' is not a whole number", "dt-1")]


# Partnerships ---------------------------------------------------------------------------------------------------

KNOWN = {"a", "b", "c"}


def partnerships(*rows: dict[str, object]) -> pd.DataFrame:
    frame = pd.DataFrame([{"source_id": "a", "target_id": "b", **row} for row in rows], dtype=object)
    return frame.astype(object).where(frame.notna(), None)


def test_partnerships_have_the_canonical_columns_and_defaults() -> None:
    report = validate_partnerships(partnerships({}), KNOWN)
    assert list(report.valid.columns) == [*PARTNERSHIP_COLUMNS, "_row"]
    assert report.valid.iloc[0][["kind", "note"]].tolist() == ["other", ""]
    assert report.valid["year"].tolist() == [pd.NA]


def test_partnership_columns_accept_aliases() -> None:
    frame = pd.DataFrame({"From": ["a"], "Partner": ["b"], "Relationship": ["MoU"], "Since": ["2019"]})
    row = validate_partnerships(frame, KNOWN).valid.iloc[0]
    assert (row["source_id"], row["target_id"], row["kind"], row["year"]) == ("a", "b", "mou", 2019)


def test_partnerships_without_id_columns_cannot_be_imported() -> None:
    with pytest.raises(MissingColumnsError, match="no column for target_id"):
        validate_partnerships(pd.DataFrame({"source_id": ["a"]}), KNOWN)


def test_unknown_ids_reject_the_row_naming_them() -> None:
    report = validate_partnerships(partnerships({"source_id": "zz", "target_id": "yy"}), KNOWN)
    assert report.rejected == [
        RowProblem(1, "source_id 'zz' is not a known profile id; target_id 'yy' is not a known profile id", "zz")
    ]


def test_a_missing_end_rejects_the_row() -> None:
    report = validate_partnerships(partnerships({"target_id": None}), KNOWN)
    assert [problem.reason for problem in report.rejected] == ["target_id missing"]


def test_a_partnership_with_itself_is_rejected() -> None:
    report = validate_partnerships(partnerships({"target_id": "a"}), KNOWN)
    assert [problem.reason for problem in report.rejected] == ["source_id and target_id are the same ('a')"]


def test_an_unknown_kind_rejects_the_row_listing_the_accepted_kinds() -> None:
    report = validate_partnerships(partnerships({"kind": "friendship"}), KNOWN)
    assert [problem.reason for problem in report.rejected] == [
        "kind 'friendship' is not a known partnership kind (accepted: co_research, investment, licensing, supply, "
        "mou, visit, joint_venture, customer, other)"
    ]


@pytest.mark.parametrize(
    ("year", "ok"), [("1899", False), ("1900", True), (str(THIS_YEAR + 1), True), (str(THIS_YEAR + 2), False)]
)
def test_partnership_year_must_lie_between_1900_and_next_year(year: str, ok: bool) -> None:
    report = validate_partnerships(partnerships({"year": year}), KNOWN)
    assert len(report.valid) == int(ok)
    if not ok:
        assert report.rejected[0].reason == f"year {year} is outside 1900..{THIS_YEAR + 1}"


def test_a_year_that_is_not_a_number_rejects_the_row() -> None:
    report = validate_partnerships(partnerships({"year": "last spring"}), KNOWN)
    assert [problem.reason for problem in report.rejected] == ["year 'last spring' is not a whole number"]


def test_repeated_partnerships_keep_the_first_even_in_the_other_direction() -> None:
    frame = partnerships(
        {"kind": "co_research", "year": "2020"},
        {"source_id": "b", "target_id": "a", "kind": "research", "year": "2020"},
        {"kind": "co_research", "year": "2021"},
        {"kind": "mou", "year": "2020"},
    )
    report = validate_partnerships(frame, KNOWN)
    assert report.valid["_row"].tolist() == [1, 3, 4]
    assert report.rejected == [RowProblem(2, "same partnership as row 1 (same pair, kind and year)", "b")]


def test_reimporting_a_profile_stored_with_a_korean_city_stores_the_canonical_city(tmp_path: Path) -> None:
    from matcher.api import Matcher

    matcher = Matcher(tmp_path / "ws")
    # Stored before places were canonical:
    before = validate_profiles(profiles({"id": "dj-1"})).valid.assign(city="대전")
    matcher.store.upsert_profiles(before)
    assert matcher.profile("dj-1").city == "대전"
    path = tmp_path / "profiles.csv"
    path.write_text("id,name,org_type,city,country\ndj-1,Hanbit Bio,startup,대전,대한민국\n", encoding="utf-8")
    matcher.import_profiles(path)
    assert matcher.profile("dj-1").city == "Daejeon"


# ------------------------------------------------------------------------------------ issue 16, item 6


def test_a_profile_with_nothing_to_match_on_is_kept_with_a_warning() -> None:
    report = validate_profiles(profiles({"seeks": None}, {"seeks": None, "sectors": "ADC"}))
    assert len(report.valid) == 2
    assert [(w.row, w.id) for w in report.warnings] == [(1, "p1")]
    assert "cannot be matched well" in report.warnings[0].reason


@pytest.mark.parametrize(
    "website", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "data:text/html,<b>x</b>",
                "file:///etc/passwd", "vbscript:msgbox(1)"],
)
def test_a_website_that_is_not_http_is_left_out_with_a_warning(website: str) -> None:
    report = validate_profiles(profiles({"website": website}))
    assert report.rejected == [] and report.valid.iloc[0]["website"] is None
    assert [w.reason for w in report.warnings] == [
        f"website {website!r} is not an http or https address; left out"
    ]


@pytest.mark.parametrize("website", ["https://hanbit.example/ko", "http://hanbit.example", "www.hanbit.example"])
def test_web_addresses_are_kept_without_a_warning(website: str) -> None:
    report = validate_profiles(profiles({"website": website}))
    assert report.valid.iloc[0]["website"] == website and report.warnings == []


def test_the_bundled_demo_imports_without_a_warning() -> None:
    from conftest import DEMO

    report = validate_profiles(read_table(DEMO / "profiles.csv").frame)
    assert (len(report.valid), report.rejected, report.warnings) == (260, [], [])
