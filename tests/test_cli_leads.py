"""The command line's investment-attraction commands: leads, gaps, fit-cities, strategy, and investment
shortlists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.api import Matcher
from matcher.cli import main

PROFILES = (
    "id,name,org_type,city,country,sectors,offers,seeks\n"
    "dj-1,Hanbit Bioworks,startup,Daejeon,KR,ADC,Linker chemistry,A CDMO for GMP batches of our ADC\n"
    "dj-2,Gaon Therapeutics,startup,Daejeon,KR,therapeutics,Clinical sites,GMP manufacturing at clinical scale\n"
    "dj-3,Saemteo Robotics,sme,Daejeon,KR,robotics,Robot arms,Distributors in Europe\n"
    "bs-1,Basel Biologics AG,multinational,Basel,CH,CDMO,GMP manufacturing of ADCs,Clinical partners in Korea\n"
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def small(workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A workspace (MATCHER_HOME) with the profiles above, not indexed."""
    (tmp_path / "p.csv").write_text(PROFILES, encoding="utf-8")
    assert run(capsys, "import", "profiles", str(tmp_path / "p.csv"))[0] == 0
    return workspace


@pytest.mark.slow
def test_leads_json_gives_k_organisations_outside_the_city_in_the_issues_shape(
    demo_matcher: Matcher, capsys: pytest.CaptureFixture[str]
) -> None:
    home = str(demo_matcher.workspace.root)
    code, out, _ = run(capsys, "--home", home, "leads", "Daejeon", "--k", "20", "--json")
    payload = json.loads(out)
    assert code == 0
    assert payload["city"] == "Daejeon" and len(payload["results"]) == 20
    for lead in payload["results"]:
        assert {"id", "name", "city", "country", "org_type", "score", "local_beneficiaries", "reasons"} <= set(lead)
        assert lead["city"] != "Daejeon"
        assert all({"id", "name", "reason"} <= set(b) for b in lead["local_beneficiaries"])


@pytest.mark.slow
def test_leads_table_and_brief(demo_matcher: Matcher, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(demo_matcher.workspace.root)
    out_file = tmp_path / "leads.html"
    code, out, _ = run(capsys, "--home", home, "leads", "대전", "--k", "3", "--out", str(out_file))
    assert code == 0
    assert out.startswith("Leads for Daejeon")
    assert out.count("\n  1. ") + out.count("\n  2. ") + out.count("\n  3. ") == 3
    assert out_file.read_text(encoding="utf-8").count("<section>") == 3


@pytest.mark.slow
def test_fit_cities_json_lists_the_other_alliance_cities(
    demo_matcher: Matcher, capsys: pytest.CaptureFixture[str]
) -> None:
    home = str(demo_matcher.workspace.root)
    code, out, _ = run(capsys, "--home", home, "fit-cities", "se-bio-006", "--json")
    payload = json.loads(out)
    assert code == 0
    assert len(payload["fits"]) == 5 and "Seattle" not in [fit["city"] for fit in payload["fits"]]
    assert payload["summary"]


def test_an_unknown_city_is_one_line_naming_the_known_ones(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "leads", "Atlantis")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Daejeon" in err


def test_json_and_out_together_are_refused(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "leads", "Daejeon", "--json", "--out", "x.csv")
    assert code == 2 and "choose one" in err


def test_gaps_json(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "gaps", "Daejeon", "--json")
    payload = json.loads(out)
    assert code == 0
    assert [gap["sector"] for gap in payload["attract"]] == ["bioprocessing_cdmo"]
    assert {"sector", "label", "seeking", "offering", "balance"} <= set(payload["table"][0])


def test_gaps_table_names_what_to_attract(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "gaps", "daejeon")
    assert code == 0
    assert out.splitlines()[0] == "Attract: Bioprocessing / CDMO (sought by 2, offered by 0)"


def test_strategy_is_set_then_shown(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "strategy", "Daejeon")
    assert code == 0 and "no strategy yet" in out
    code, _, _ = run(capsys, "strategy", "Daejeon", "--sectors", "CDMO, AI", "--text", "GMP sites", "--user", "kim")
    assert code == 0
    code, out, _ = run(capsys, "strategy", "Daejeon", "--json")
    payload = json.loads(out)
    assert (payload["sectors"], payload["text"], payload["updated_by"]) == (["bioprocessing_cdmo", "ai"], "GMP sites",
                                                                             "kim")


def test_a_strategy_with_an_unknown_sector_is_one_line(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "strategy", "Daejeon", "--sectors", "tourism")
    assert code == 2 and "unknown sector" in err and len(err.strip().splitlines()) == 1


def test_an_investment_shortlist_takes_its_stages_and_an_owner(small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "shortlist", "create", "Daejeon pipeline", "--purpose", "investment")
    list_id = out.strip().splitlines()[-1]
    assert code == 0
    assert run(capsys, "shortlist", "add", list_id, "bs-1", "--stage", "site_visit", "--owner", "lee")[0] == 0
    code, out, _ = run(capsys, "shortlist", "show", list_id, "--json")
    entry = json.loads(out)["entries"][0]
    assert (entry["stage"], entry["followed up by"]) == ("site_visit", "lee")
    code, _, err = run(capsys, "shortlist", "add", list_id, "bs-1", "--stage", "meeting")
    assert code == 2 and "site_visit" in err
