"""The command line's saved searches and alerts: `matcher saved add|list|remove` for an app account or API key, and
`matcher alerts` to check, deliver and list. No model is loaded: what is matched here was there before the search
was saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from matcher.api import Matcher
from matcher.cli import main

PROFILES = [
    {"id": "dj-bio-001", "name": "Hanbit Bioworks", "org_type": "startup", "city": "Daejeon", "country": "KR"},
    {"id": "ma-bio-001", "name": "Biomédica Costa del Sol", "org_type": "sme", "city": "Málaga", "country": "ES"},
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def matcher(workspace: Path) -> Matcher:
    """The workspace (MATCHER_HOME) with two profiles, an officer key ``crm`` and a startup key ``hanbit``."""
    m = Matcher(workspace)
    m.importer.upsert(PROFILES)
    m.admin.create_api_key("crm", "officer")
    m.admin.create_api_key("hanbit", "startup", "dj-bio-001")
    return m


def test_saved_add_prints_the_id_and_list_shows_it(matcher: Matcher, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "saved", "add", "ADC in Spain", "--owner", "crm", "--text", "GMP fill-finish",
                       "--country", "Spain")  # fmt: skip
    saved_id = int(out.strip().splitlines()[-1])
    code, out, _ = run(capsys, "saved", "list", "--owner", "crm", "--json")
    assert code == 0
    assert [(s["id"], s["name"], s["filters"]) for s in json.loads(out)] == [
        (saved_id, "ADC in Spain", {"country": ["ES"]})
    ]


def test_a_startup_key_saves_for_its_own_organisation_only(
    matcher: Matcher, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "saved", "add", "Spy", "--owner", "hanbit", "--for", "ma-bio-001")
    assert code == 2 and "its own organisation (dj-bio-001) only" in err


def test_an_unknown_owner_is_one_clear_line(matcher: Matcher, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "saved", "list", "--owner", "nobody")
    assert code == 2 and err.startswith("error: no app account or working API key named 'nobody'")


def test_saved_remove_takes_the_owners_search_only(matcher: Matcher, capsys: pytest.CaptureFixture[str]) -> None:
    saved_id = run(capsys, "saved", "add", "Mine", "--owner", "crm", "--text", "ADC")[1].strip().splitlines()[-1]
    assert run(capsys, "saved", "remove", saved_id, "--owner", "hanbit")[0] == 2
    assert run(capsys, "saved", "remove", saved_id, "--owner", "crm")[0] == 0
    assert json.loads(run(capsys, "saved", "list", "--owner", "crm", "--json")[1]) == []


def test_alerts_without_anything_to_do_says_what_to_give(
    matcher: Matcher, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "alerts")
    assert code == 2 and "--check, --deliver, or --owner NAME" in err


def test_alerts_check_counts_and_lists(matcher: Matcher, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "saved", "add", "Mine", "--owner", "crm", "--text", "ADC")
    code, out, _ = run(capsys, "alerts", "--check", "--deliver", "--owner", "crm")
    assert code == 0
    assert "Checked 2 changed profiles against 0 saved searches: 0 new alerts." in out  # both were there before
    assert "No alerts for crm." in out
    assert "Checked 0 changed profiles" in run(capsys, "alerts", "--check")[1]
