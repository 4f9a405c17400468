"""The command line's shortlist and account commands: the same use cases as the app, through the services."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from matcher.cli import main

PROFILES = (
    "id,name,org_type,city,country,sectors,description,offers,seeks\n"
    "dj-1,Hanbit Bioworks,startup,Daejeon,KR,ADC,Site-specific ADC linkers.,Linker chemistry,GMP fill-finish\n"
    "ma-1,Biomédica Costa del Sol,company,Málaga,Spain,CDMO;biologics,A CDMO.,Aseptic fill-finish,ADC projects\n"
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def shortlist(workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A workspace with two profiles and one shortlist holding dj-1; the shortlist's id."""
    (tmp_path / "p.csv").write_text(PROFILES, encoding="utf-8")
    assert run(capsys, "import", "profiles", str(tmp_path / "p.csv"))[0] == 0
    code, out, _ = run(capsys, "shortlist", "create", "Daejeon visit", "--owner", "kim")
    assert code == 0
    list_id = out.strip().splitlines()[-1]
    assert run(capsys, "shortlist", "add", list_id, "dj-1", "--stage", "contacted", "--note", "met at BIO")[0] == 0
    return list_id


def test_create_prints_the_new_id_as_its_last_line(shortlist: str) -> None:
    assert shortlist.isdigit()


def test_show_lists_the_entry_with_its_stage_and_note(shortlist: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "shortlist", "show", shortlist, "--json")
    entry = json.loads(out)["entries"][0]
    assert code == 0
    assert (entry["id"], entry["stage"], entry["note"]) == ("dj-1", "contacted", "met at BIO")


def test_list_counts_the_entries(shortlist: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "shortlist", "list", "--json")
    assert [(s["name"], s["owner"], s["entries"]) for s in json.loads(out)] == [("Daejeon visit", "kim", 1)]


def test_an_unknown_organisation_is_named_and_nothing_is_added(
    shortlist: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "shortlist", "add", shortlist, "nowhere-1")
    assert code == 2 and "nowhere-1" in err and "Traceback" not in err
    _, out, _ = run(capsys, "shortlist", "show", shortlist, "--json")
    assert [e["id"] for e in json.loads(out)["entries"]] == ["dj-1"]


def test_an_unknown_shortlist_is_one_clear_line(shortlist: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "shortlist", "show", "42")
    assert code == 2
    assert err.strip() == "error: no shortlist with id 42"


def test_export_writes_the_format_the_file_name_asks_for(
    shortlist: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "shortlist", "export", shortlist, "--out", str(tmp_path / "list.xlsx"))[0] == 0
    sheet = load_workbook(tmp_path / "list.xlsx").active
    assert [cell.value for cell in sheet[2]][:2] == ["Hanbit Bioworks", "dj-1"]
    assert run(capsys, "shortlist", "export", shortlist, "--out", str(tmp_path / "list.html"))[0] == 0
    assert "Hanbit Bioworks" in (tmp_path / "list.html").read_text(encoding="utf-8")


def test_an_export_format_not_offered_is_refused(
    shortlist: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "shortlist", "export", shortlist, "--out", str(tmp_path / "list.pdf"))
    assert code == 2 and ".csv, .xlsx, .html" in err
    assert not (tmp_path / "list.pdf").exists()


def test_delete_removes_the_list(shortlist: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "shortlist", "delete", shortlist)[0] == 0
    _, out, _ = run(capsys, "shortlist", "list", "--json")
    assert json.loads(out) == []


def test_user_list_shows_roles_and_never_hashes(
    shortlist: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("typer.prompt", lambda *args, **kwargs: "a long password")
    assert run(capsys, "user", "add", "hanbit", "--role", "startup", "--org-id", "dj-1")[0] == 0
    code, out, _ = run(capsys, "user", "list", "--json")
    assert code == 0
    assert json.loads(out) == [{"name": "hanbit", "role": "startup", "org_id": "dj-1"}]
    assert "pbkdf2" not in out


def test_a_missing_file_is_one_line_without_an_errno(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "recommend", "--queries", "/no/such/ids.txt")
    assert code == 2
    assert err.strip() == "error: No such file or directory: /no/such/ids.txt"


@pytest.mark.slow
def test_an_organisation_shortlisted_for_an_asker_exports_its_score_and_reasons(
    shortlist: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "shortlist", "add", shortlist, "ma-1", "--for", "dj-1")[0] == 0
    assert run(capsys, "shortlist", "export", shortlist, "--out", str(tmp_path / "list.csv"))[0] == 0
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO((tmp_path / "list.csv").read_text("utf-8-sig")))}
    assert rows["ma-1"]["suggested for"] == "Hanbit Bioworks" and rows["ma-1"]["reasons"]
    assert 0 < float(rows["ma-1"]["score"]) <= 1 and len(rows["ma-1"]["score"].split(".")[1]) <= 2
    assert rows["dj-1"]["score"] == "" and rows["dj-1"]["suggested for"] == ""
