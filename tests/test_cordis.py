"""Specification of the CORDIS importer: the real semiconductor sample, and small tables with known answers."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from itertools import combinations
from math import comb
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from matcher.cordis import CordisFrames, cordis_to_frames, guess_sectors, read_cordis
from matcher.schema import PARTNERSHIP_COLUMNS, PROFILE_COLUMNS
from matcher.validate import TEXT_LIMITS, MissingColumnsError, validate_partnerships, validate_profiles
from matcher.vocab import SECTORS

SAMPLE = Path(__file__).parents[2] / "shared" / "data" / "cordis_semiconductor"
needs_sample = pytest.mark.skipif(
    not (SAMPLE / "organization.json").is_file(),
    reason=f"the CORDIS sample is not at {SAMPLE} (it lives beside the repository, never inside it)",
)


@pytest.fixture(scope="module")
def raw() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The sample as plain JSON, for counting things independently of the importer."""
    if not (SAMPLE / "organization.json").is_file():
        pytest.skip(f"the CORDIS sample is not at {SAMPLE}")
    return (
        json.loads((SAMPLE / "organization.json").read_text(encoding="utf-8")),
        json.loads((SAMPLE / "project.json").read_text(encoding="utf-8")),
    )


@pytest.fixture(scope="module")
def frames() -> CordisFrames:
    if not (SAMPLE / "organization.json").is_file():
        pytest.skip(f"the CORDIS sample is not at {SAMPLE}")
    organizations, projects = read_cordis(SAMPLE / "organization.json", SAMPLE / "project.json")
    return cordis_to_frames(organizations, projects)


def profile(frames: CordisFrames, organisation_id: int) -> pd.Series:
    return frames.profiles.set_index("id").loc[f"cordis-{organisation_id}"]


# The real sample --------------------------------------------------------------------------------------------


@needs_sample
def test_one_profile_per_organisation(frames: CordisFrames, raw: tuple[list[dict[str, Any]], Any]) -> None:
    organizations, _ = raw
    assert len(frames.profiles) == 765
    assert set(frames.profiles["id"]) == {f"cordis-{row['organisationID']}" for row in organizations}
    assert list(frames.profiles.columns) == list(PROFILE_COLUMNS)


@needs_sample
def test_partnerships_are_every_pair_within_each_project(frames: CordisFrames, raw: tuple[Any, Any]) -> None:
    organizations, projects = raw
    members: dict[int, set[str]] = defaultdict(set)
    for row in organizations:
        members[row["projectID"]].add(f"cordis-{row['organisationID']}")
    acronym = {project["id"]: project["acronym"] for project in projects}
    expected = {(*pair, acronym[project]) for project, ids in members.items() for pair in combinations(sorted(ids), 2)}
    assert len(frames.partnerships) == sum(comb(len(ids), 2) for ids in members.values()) == len(expected)
    found = set(frames.partnerships[["source_id", "target_id", "note"]].itertuples(index=False, name=None))
    assert found == expected
    assert list(frames.partnerships.columns) == list(PARTNERSHIP_COLUMNS)


@needs_sample
def test_partnerships_are_co_research_in_the_project_start_year(frames: CordisFrames, raw: tuple[Any, Any]) -> None:
    _, projects = raw
    start = {project["acronym"]: int(project["startDate"][:4]) for project in projects}
    assert set(frames.partnerships["kind"]) == {"co_research"}
    assert frames.partnerships["year"].tolist() == frames.partnerships["note"].map(start).tolist()


@needs_sample
def test_participations_list_each_organisation_once_per_project(
    frames: CordisFrames, raw: tuple[list[dict[str, Any]], Any]
) -> None:
    organizations, _ = raw
    pairs = {(f"cordis-{row['organisationID']}", str(row["projectID"])) for row in organizations}
    assert len(frames.participations) == len(pairs)
    assert set(frames.participations[["profile_id", "project_id"]].itertuples(index=False, name=None)) == pairs


@needs_sample
def test_org_type_follows_activity_type_and_the_sme_flag(frames: CordisFrames) -> None:
    assert profile(frames, 999977948)["org_type"] == "university"  # TU Graz, HES
    assert profile(frames, 996588380)["org_type"] == "company"  # Infineon Romania, PRC without SME flag
    assert profile(frames, 998387051)["org_type"] == "company"  # Metso, "PRC;PRC", SME false
    assert profile(frames, 932760440)["org_type"] == "research_institute"  # VTT, REC


@needs_sample
def test_sme_flagged_companies_are_smes(frames: CordisFrames, raw: tuple[list[dict[str, Any]], Any]) -> None:
    organizations, _ = raw
    flags: dict[int, set[object]] = defaultdict(set)
    for row in organizations:
        if row["activityType"] == "PRC" and row["SME"] != "":
            flags[row["organisationID"]].add(row["SME"])
    always_sme = [org for org, seen in flags.items() if seen == {True}]
    never_sme = [org for org, seen in flags.items() if seen == {False}]
    assert always_sme and never_sme
    org_type = frames.profiles.set_index("id")["org_type"]
    assert {org_type[f"cordis-{org}"] for org in always_sme} == {"sme"}
    assert {org_type[f"cordis-{org}"] for org in never_sme} == {"company"}


@needs_sample
def test_cordis_country_codes_become_iso_codes(frames: CordisFrames) -> None:
    countries = set(frames.profiles["country"])
    assert {"GB", "GR", "FI"} <= countries
    assert not countries & {"UK", "EL", "FI;FI"}
    assert profile(frames, 998387051)["country"] == "FI"


@needs_sample
def test_every_profile_passes_validation(frames: CordisFrames) -> None:
    report = validate_profiles(frames.profiles)
    assert report.rejected == []
    assert len(report.valid) == 765


@needs_sample
def test_partnerships_refer_only_to_imported_profiles(frames: CordisFrames) -> None:
    report = validate_partnerships(frames.partnerships, set(frames.profiles["id"]))
    # Only pairs that met in two projects starting the same year repeat a (pair, kind, year) key.
    repeats = len(frames.partnerships) - len(frames.partnerships.drop_duplicates(["source_id", "target_id", "year"]))
    assert repeats > 0
    assert len(report.rejected) == repeats
    assert all(problem.reason.startswith("same partnership as row") for problem in report.rejected)


@needs_sample
def test_description_names_the_projects_and_holds_their_objectives(frames: CordisFrames, raw: tuple[Any, Any]) -> None:
    _, projects = raw
    objective = next(p["objective"] for p in projects if p["acronym"] == "3Ccar")
    description = profile(frames, 962054440)["description"]  # only in 3Ccar
    assert description.startswith(
        "Took part in 1 EU-funded research project (CORDIS): 3Ccar (2015–2018): Integrated Components for "
        "Complexity Control in affordable electrified cars."
    )
    assert description.endswith(f"3Ccar: {objective}")


@needs_sample
def test_texts_stay_within_the_limits(frames: CordisFrames) -> None:
    assert frames.profiles["description"].str.len().max() <= TEXT_LIMITS["description"]
    assert frames.profiles["offers"].str.len().max() <= TEXT_LIMITS["offers"]


@needs_sample
def test_offers_state_roles_and_seeks_stays_empty(frames: CordisFrames, raw: tuple[list[dict[str, Any]], Any]) -> None:
    organizations, _ = raw
    coordinator = next(row for row in organizations if row["role"] == "coordinator")
    offers = profile(frames, coordinator["organisationID"])["offers"]
    assert re.match(
        rf"Company with EU research-project experience as coordinator of [^;]*\b{coordinator['projectAcronym']}\b",
        offers,
    )
    assert set(frames.profiles["seeks"]) == {""}


@needs_sample
def test_sectors_come_from_the_projects_texts(frames: CordisFrames) -> None:
    assert profile(frames, 962054440)["sectors"] == ("semiconductors", "energy")  # 3Ccar only
    assert all(set(sectors) <= set(SECTORS) for sectors in frames.profiles["sectors"])


@needs_sample
def test_excluded_projects_leave_the_texts_but_not_the_partnerships(frames: CordisFrames) -> None:
    organizations, projects = read_cordis(SAMPLE / "organization.json", SAMPLE / "project.json")
    held_out = cordis_to_frames(organizations, projects, exclude_projects=[662192])  # 3Ccar
    only_3ccar = held_out.profiles.set_index("id").loc["cordis-962054440"]  # only in 3Ccar
    assert (only_3ccar["description"], only_3ccar["offers"], only_3ccar["sectors"]) == ("", "", ())
    tu_graz = held_out.profiles.set_index("id").loc["cordis-999977948"]
    assert "3Ccar" not in tu_graz["description"] and "3Ccar" not in tu_graz["offers"]
    assert "3Ccar" in profile(frames, 999977948)["description"]
    pd.testing.assert_frame_equal(held_out.partnerships, frames.partnerships)


# Small tables with known answers -------------------------------------------------------------------------------


def organizations(*rows: tuple[int, int, str, object]) -> pd.DataFrame:
    """Rows of (organisationID, projectID, activityType, SME), the rest filled in."""
    return pd.DataFrame(
        [
            {
                "organisationID": org,
                "projectID": project,
                "name": f"Org {org}",
                "activityType": activity,
                "SME": sme,
                "role": "participant",
                "city": "GRAZ",
                "country": "AT",
                "organizationURL": "",
            }
            for org, project, activity, sme in rows
        ]
    )


def projects(*ids: int, objective: str = "Power semiconductors for cars.") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": list(ids),
            "acronym": [f"P{i}" for i in ids],
            "title": [f"Project {i}" for i in ids],
            "objective": [objective] * len(ids),
            "startDate": [f"20{10 + n}-01-01" for n in range(len(ids))],
        }
    )


def test_pairs_are_counted_once_per_project_even_for_repeated_participations() -> None:
    orgs = organizations(
        (1, 10, "PRC", ""),
        (2, 10, "HES", ""),
        (3, 10, "REC", ""),
        (3, 10, "REC", ""),
        (1, 11, "PRC", ""),
        (2, 11, "HES", ""),
    )
    frames = cordis_to_frames(orgs, projects(10, 11))
    assert frames.partnerships[["source_id", "target_id", "year", "note"]].values.tolist() == [
        ["cordis-1", "cordis-2", 2010, "P10"],
        ["cordis-1", "cordis-3", 2010, "P10"],
        ["cordis-2", "cordis-3", 2010, "P10"],
        ["cordis-1", "cordis-2", 2011, "P11"],
    ]
    assert len(frames.participations) == 5


def test_an_organisation_with_two_roles_in_a_project_keeps_the_leading_one() -> None:
    orgs = organizations((1, 10, "PRC", ""), (1, 10, "PRC", ""), (2, 10, "HES", ""))
    orgs["role"] = ["thirdParty", "coordinator", "participant"]
    frames = cordis_to_frames(orgs, projects(10))
    assert frames.participations[["profile_id", "role"]].values.tolist() == [
        ["cordis-1", "coordinator"],
        ["cordis-2", "participant"],
    ]
    assert frames.profiles["offers"][0].startswith("Company with EU research-project experience as coordinator of P10")


@pytest.mark.parametrize(
    ("activity", "sme", "org_type"),
    [
        ("PRC", True, "sme"),
        ("PRC", "true", "sme"),
        ("PRC", False, "company"),
        ("PRC", "", "company"),
        ("HES", "", "university"),
        ("REC", True, "research_institute"),
        ("PUB", "", "public_body"),
        ("OTH", "", "other"),
        ("XYZ", "", "other"),
    ],
)
def test_activity_type_and_sme_flag_give_the_org_type(activity: str, sme: object, org_type: str) -> None:
    frames = cordis_to_frames(organizations((1, 10, activity, sme)), projects(10))
    assert frames.profiles["org_type"].tolist() == [org_type]


def test_an_organisation_in_kosovo_is_imported_with_country_xk() -> None:
    orgs = organizations((1, 10, "HES", ""), (2, 10, "PRC", "")).assign(
        country=["XK", "AT"], city=["PRISHTINA", "GRAZ"]
    )
    frames = cordis_to_frames(orgs, projects(10))
    report = validate_profiles(frames.profiles)
    assert report.rejected == []
    assert report.valid.set_index("id").loc["cordis-1", "country"] == "XK"


def test_cities_spelled_in_several_ways_become_one_canonical_city() -> None:
    orgs = organizations((1, 10, "HES", ""), (2, 10, "PRC", ""), (3, 10, "PRC", "")).assign(
        city=["BRUXELLES", "Brussels", "MUNCHEN"], country=["BE", "BE", "DE"]
    )
    assert cordis_to_frames(orgs, projects(10)).profiles["city"].tolist() == ["Brussels", "Brussels", "Munich"]


def test_column_names_may_be_in_any_case() -> None:
    orgs = organizations((1, 10, "PRC", ""), (2, 10, "HES", ""))
    camel = cordis_to_frames(orgs, projects(10))
    lower = cordis_to_frames(orgs.rename(columns=str.lower), projects(10).rename(columns=str.upper))
    pd.testing.assert_frame_equal(camel.profiles, lower.profiles)


def test_a_table_without_a_needed_column_is_refused_naming_it() -> None:
    with pytest.raises(MissingColumnsError, match="organization table has no column for activitytype"):
        cordis_to_frames(organizations((1, 10, "PRC", "")).drop(columns="activityType"), projects(10))


def test_a_long_history_is_shortened_openly_within_the_limit() -> None:
    ids = list(range(100, 112))
    orgs = organizations(*((1, project, "REC", "") for project in ids))
    description = cordis_to_frames(orgs, projects(*ids, objective="x" * 3_000)).profiles["description"][0]
    assert len(description) <= TEXT_LIMITS["description"]
    assert description.startswith("Took part in 12 EU-funded research projects (CORDIS): P111 (2021): Project 111;")
    assert description.endswith("(Objectives of 6 more project(s) left out for length.)")


def test_read_cordis_reads_the_semicolon_csv_exports(tmp_path: Path) -> None:
    (tmp_path / "organization.csv").write_bytes(
        b"projectID;projectAcronym;organisationID;vatNumber;name;shortName;SME;activityType;street;postCode;city;"
        b"country;nutsCode;geolocation;organizationURL;contactForm;contentUpdateDate;rcn;order;role\r\n"
        b'101;"SiC4EV";"900001";;"T\xc3\x9cV Nord \xc3\x9f GmbH";TUV;true;PRC;;;"M\xc3\x9cNCHEN";DE;;;;;'
        b"2024-01-01 10:00:00;1;1;coordinator\r\n"
        b'101;"SiC4EV";"900002";;"Universidad de M\xc3\xa1laga";UMA;false;HES;;;"MALAGA";ES;;;;;'
        b"2024-01-01 10:00:00;2;2;participant\r\n"
    )
    (tmp_path / "project.csv").write_bytes(
        b"id;acronym;status;title;startDate;endDate;objective\r\n"
        b'101;SiC4EV;SIGNED;"Silicon carbide power chips";2023-09-01;2026-08-31;"Wide band gap devices.\r\n'
        b'Second paragraph on ""SiC"" wafers and GaN."\r\n'
    )
    organizations_table, projects_table = read_cordis(tmp_path / "organization.csv", tmp_path / "project.csv")
    frames = cordis_to_frames(organizations_table, projects_table)
    assert frames.profiles[["id", "name", "org_type", "city", "country", "sectors"]].values.tolist() == [
        ["cordis-900001", "TÜV Nord ß GmbH", "sme", "Munich", "DE", ("semiconductors",)],
        ["cordis-900002", "Universidad de Málaga", "university", "Málaga", "ES", ("semiconductors",)],
    ]
    assert frames.profiles["description"][0].endswith(
        'SiC4EV: Wide band gap devices.\r\nSecond paragraph on "SiC" wafers and GaN.'
    )
    assert frames.partnerships.values.tolist() == [["cordis-900001", "cordis-900002", "co_research", 2023, "SiC4EV"]]


@pytest.mark.parametrize(
    ("title", "objective", "sectors"),
    [
        ("Wide band gap Innovative SiC for Advanced Power", "", ("semiconductors",)),
        ("Rolling stock", "Saves energy.", ()),
        ("Rolling stock", "Saves energy and charging time.", ("energy",)),
        ("A basic study", "Basic and classic research.", ()),
        ("Diamond quantum sensing", None, ("quantum", "advanced_materials")),
        (None, None, ()),
    ],
)
def test_sectors_are_guessed_only_where_clear(
    title: str | None, objective: str | None, sectors: tuple[str, ...]
) -> None:
    assert guess_sectors(title, objective) == sectors
