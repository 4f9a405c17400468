"""The bundled demo data is consistent and imports cleanly: the checks of data/demo/make_demo.py hold.

The data ships inside the package (matcher/data/demo/); the script that makes it stays in data/demo/.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from scripts import load_script

from matcher.api import Matcher
from matcher.errors import NotFoundError
from matcher.resources import DEMO_FILES, demo_file
from matcher.vocab import ALLIANCE_CITIES


@pytest.fixture(scope="module")
def make_demo() -> ModuleType:
    return load_script("data/demo/make_demo.py")


def test_demo_tables_pass_the_data_card_checks(make_demo: ModuleType, demo_dir: Path) -> None:
    profiles = make_demo.read_csv(demo_dir / "profiles.csv")
    partnerships = make_demo.read_csv(demo_dir / "partnerships.csv")
    assert make_demo.check(profiles, partnerships) == []


def test_demo_data_imports_without_a_rejected_row(tmp_path: Path, demo_dir: Path) -> None:
    matcher = Matcher(tmp_path / "ws")
    profiles = matcher.import_profiles(demo_dir / "profiles.csv")
    partnerships = matcher.import_partnerships(demo_dir / "partnerships.csv")
    assert (profiles.rejected, partnerships.rejected) == ([], [])
    stats = matcher.stats()
    assert stats["profiles"] >= 250 and stats["partnerships"] >= 450
    alliance = {"Daejeon", "Seattle", "Calgary", "Dortmund", "Málaga", "Montgomery County"}
    assert alliance <= set(stats["by_city"])


def test_every_organisation_is_in_an_alliance_place_or_a_listed_outside_city(
    make_demo: ModuleType, demo_dir: Path
) -> None:
    places = set(ALLIANCE_CITIES) | set(make_demo.OUTSIDE_PLACES)
    cities = {row["city"] for row in make_demo.read_csv(demo_dir / "profiles.csv")}
    assert cities <= places and cities - set(ALLIANCE_CITIES)


def test_an_outside_city_with_the_wrong_country_is_a_problem(make_demo: ModuleType) -> None:
    row = {"id": "gl-tech-001", "city": "Munich", "country": "AT"}
    assert make_demo.check_place(row) == ["gl-tech-001: city/country Munich/AT is not a listed outside place"]


def test_an_alliance_code_in_an_outside_city_is_a_problem(make_demo: ModuleType) -> None:
    problems = make_demo.check_place({"id": "dj-bio-001", "city": "Tokyo", "country": "JP"})
    assert problems == [
        "dj-bio-001: city 'Tokyo' does not match the id",
        "dj-bio-001: city/country Tokyo/JP is not an alliance place",
    ]


def test_the_planted_leads_file_is_what_make_demo_writes(make_demo: ModuleType) -> None:
    assert make_demo.read_csv(make_demo.PLANTED_LEADS_CSV) == make_demo.planted_lead_rows()


def test_a_planted_lead_already_partnered_with_a_beneficiary_is_a_problem(
    make_demo: ModuleType, demo_dir: Path
) -> None:
    profiles = make_demo.read_csv(demo_dir / "profiles.csv")
    lead, city, _, beneficiaries, _ = make_demo.PLANTED_LEADS[0]
    problems = make_demo.check_leads(profiles, {make_demo.pair_key(lead, beneficiaries[0])})
    assert problems == [f"planted lead {lead} for {city}: already a partner of its beneficiary {beneficiaries[0]}"]


def test_the_shipped_history_is_the_generated_one_plus_the_listed_outside_links(
    make_demo: ModuleType, demo_dir: Path
) -> None:
    profiles = make_demo.read_csv(demo_dir / "profiles.csv")
    alliance = [row for row in profiles if row["city"] in ALLIANCE_CITIES]
    shipped = make_demo.read_csv(demo_dir / "partnerships.csv")
    outside = {(source, target) for source, target, *_ in make_demo.OUTSIDE_LINKS}
    assert [row for row in shipped if (row["source_id"], row["target_id"]) not in outside] == (
        make_demo.generate_partnerships(make_demo.to_orgs(alliance))
    )
    assert len(shipped) == len(make_demo.all_partnerships(profiles))


def test_make_demo_writes_the_files_the_package_reads(make_demo: ModuleType) -> None:
    written = {make_demo.PROFILES_CSV, make_demo.PARTNERSHIPS_CSV}
    read = set()
    for name in DEMO_FILES:
        with demo_file(name) as path:
            read.add(path.resolve())
    assert written == read


def test_asking_for_a_file_the_demo_lacks_names_the_files_it_has() -> None:
    with pytest.raises(NotFoundError, match=r"profiles\.csv, partnerships\.csv"):
        demo_file("users.toml")
