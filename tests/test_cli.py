"""The command line: exit codes 0/1/2, clear one-line errors and never a traceback for a user mistake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from matcher.api import Matcher
from matcher.cli import main
from matcher.config import DEFAULT_ENCODER

PROFILES = (
    "id,name,org_type,city,country,sectors,description,offers,seeks\n"
    "dj-1,Hanbit Bioworks,startup,Daejeon,KR,ADC,Site-specific ADC linkers.,Linker chemistry,GMP fill-finish\n"
    "ma-1,Biomédica Costa del Sol,company,Málaga,Spain,CDMO;biologics,A CDMO.,Aseptic fill-finish,ADC projects\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_of_a_clean_file_exits_0(workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    assert code == 0
    assert "Imported 2 of 2" in out


def test_import_with_bad_rows_exits_1_and_keeps_the_good_ones(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = PROFILES + "x-1,Nowhere Labs,startup,Atlantis,Atlantis,,,,\n"
    code, _, err = run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", bad)))
    assert code == 1
    assert "row 4" in err and "Atlantis" in err
    code, out, _ = run(capsys, "stats", "--json")
    assert json.loads(out)["profiles"] == 2


def test_unreadable_file_exits_2_with_one_clear_line(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "import", "profiles", "/no/such/file.csv")
    assert code == 2
    assert err.startswith("error:") and "Traceback" not in err


def test_import_report_as_json(workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)), "--json")
    assert code == 0
    assert json.loads(out)["imported"] == 2


def test_partnerships_need_both_ends_in_the_store(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    edges = "source_id,target_id,kind,year\ndj-1,ma-1,MoU,2023\ndj-1,zz-9,visit,2024\n"
    code, _, err = run(capsys, "import", "partnerships", str(write(tmp_path / "e.csv", edges)))
    assert code == 1
    assert "zz-9" in err
    assert json.loads(run(capsys, "stats", "--json")[1])["partnerships"] == 1


def test_reimporting_partnerships_with_a_year_column_added_fills_in_the_years(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    run(capsys, "import", "partnerships", str(write(tmp_path / "e.csv", "source_id,target_id,kind\ndj-1,ma-1,MoU\n")))
    dated = write(tmp_path / "e.csv", "source_id,target_id,kind,year\ndj-1,ma-1,MoU,2023\n")
    assert run(capsys, "import", "partnerships", str(dated))[0] == 0
    shown = json.loads(run(capsys, "show", "dj-1", "--json")[1])
    assert [(p["target_id"], p["year"]) for p in shown["partnerships"]] == [("ma-1", 2023)]


def test_list_filters_by_country_name(workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    code, out, _ = run(capsys, "list", "--country", "Spain", "--json")
    assert code == 0
    assert [row["id"] for row in json.loads(out)] == ["ma-1"]


def test_show_prints_the_profile(workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    code, out, _ = run(capsys, "show", "ma-1")
    assert code == 0
    assert "Biomédica Costa del Sol" in out and "bioprocessing_cdmo" in out


def test_show_prints_a_partnership_without_a_year_without_a_placeholder(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    run(capsys, "import", "partnerships", str(write(tmp_path / "e.csv", "source_id,target_id,kind\ndj-1,ma-1,MoU\n")))
    out = run(capsys, "show", "dj-1")[1]
    assert "with ma-1" in out and "<NA>" not in out and "()" not in out


def test_unknown_id_is_a_clear_error(workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    code, _, err = run(capsys, "show", "nope")
    assert code == 2
    assert "no organisation with id 'nope'" in err


def test_unknown_filter_value_is_a_clear_error(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "list", "--type", "pirate")
    assert code == 2
    assert "unknown organisation type 'pirate'" in err


def test_usage_mistakes_exit_2(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "import", "nonsense")[0] == 2


def test_generate_writes_files_ready_to_import(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(capsys, "generate", "--n", "50", "--seed", "3", "--out", str(tmp_path / "syn"))
    assert code == 0
    assert run(capsys, "import", "profiles", str(tmp_path / "syn" / "profiles.csv"))[0] == 0
    assert run(capsys, "import", "partnerships", str(tmp_path / "syn" / "partnerships.csv"))[0] == 0


def test_the_installed_command_runs_as_a_module(workspace: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "matcher", "show", "nope"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_cordis_sample_imports_every_organisation_and_co_participation(
    workspace: Path, cordis_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = run(
        capsys, "import", "cordis", str(cordis_dir / "organization.json"), str(cordis_dir / "project.json")
    )
    assert code == 0
    stats = json.loads(run(capsys, "stats", "--json")[1])
    assert stats["profiles"] == 765
    assert stats["by_country"]["GB"] > 0 and "UK" not in stats["by_country"]
    assert stats["partnerships"] > 10_000


def test_reimporting_cordis_changes_nothing(
    workspace: Path, cordis_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(cordis_dir / "organization.json"), str(cordis_dir / "project.json")]
    run(capsys, "import", "cordis", *files)
    first = json.loads(run(capsys, "stats", "--json")[1])
    assert run(capsys, "import", "cordis", *files)[0] == 0
    second = json.loads(run(capsys, "stats", "--json")[1])
    assert (second["profiles"], second["partnerships"]) == (first["profiles"], first["partnerships"])


def test_backup_and_restore_round_trip_through_the_cli(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    assert run(capsys, "backup", str(tmp_path / "b.zip"))[0] == 0
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "restored"))
    assert run(capsys, "restore", str(tmp_path / "b.zip"))[0] == 0
    assert json.loads(run(capsys, "stats", "--json")[1])["profiles"] == 2


def test_restore_refuses_to_replace_a_workspace_without_force(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    run(capsys, "backup", str(tmp_path / "b.zip"))
    code, _, err = run(capsys, "restore", str(tmp_path / "b.zip"))
    assert code == 2 and "--force" in err
    assert run(capsys, "restore", str(tmp_path / "b.zip"), "--force")[0] == 0


def test_export_user_data_writes_what_users_entered(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from matcher.api import Matcher

    Matcher().store.add_note("dj-1", "met at BIO", author="officer")
    assert run(capsys, "export-user-data", "--out", str(tmp_path / "u.json"))[0] == 0
    exported = json.loads((tmp_path / "u.json").read_text(encoding="utf-8"))
    assert [note["text"] for note in exported["notes"]] == ["met at BIO"]


def test_the_tfidf_baseline_is_refused_for_a_workspace_index(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    monkeypatch.setenv("MATCHER_ENCODER", "tfidf")
    code, _, err = run(capsys, "search", "robots")
    assert code == 2 and "evaluation baseline" in err


def test_user_add_stores_an_account_that_can_sign_in(workspace: Path, tmp_path: Path) -> None:
    from matcher.auth import load_users, users_path, verify

    main(["import", "profiles", str(write(tmp_path / "p.csv", PROFILES))])
    done = subprocess.run(
        [sys.executable, "-m", "matcher", "user", "add", "alice", "--role", "startup", "--org-id", "dj-1"],
        input="correct horse\ncorrect horse\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    user = verify(load_users(users_path(workspace)), "alice", "correct horse")
    assert user is not None and (user.role, user.org_id) == ("startup", "dj-1")


@pytest.mark.slow
def test_a_read_that_must_first_embed_new_profiles_shows_that_progress_on_stderr(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    code, out, err = run(capsys, "search", "linker chemistry", "--k", "1", "--json")
    assert code == 0 and json.loads(out)["results"][0]["id"] == "dj-1"  # stdout stays clean JSON
    assert "embedding profile" in err
    assert "embedding" not in run(capsys, "search", "linker chemistry", "--k", "1")[2]  # nothing left to embed


@pytest.mark.slow
def test_a_korean_search_prints_how_the_glossary_read_it(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    code, out, _ = run(capsys, "search", "링커 화학", "--k", "1")
    assert code == 0 and out.splitlines()[0] == "Read in English as: linker chemistry"
    assert json.loads(run(capsys, "search", "링커 화학", "--k", "1", "--json")[1])["read_as"] == "linker chemistry"


@pytest.mark.slow
def test_a_search_for_a_kind_of_organisation_says_so(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    code, out, _ = run(capsys, "search", "a seed investor for ADC startups", "--k", "1")
    first_line = "Looking for: investor (listed first when they match; --no-kinds-first ranks by score alone)"
    assert code == 0 and out.splitlines()[0] == first_line
    found = json.loads(run(capsys, "search", "병원 찾습니다", "--k", "1", "--json")[1])
    assert found["looking_for"] == ["hospital"]


@pytest.mark.slow
def test_a_search_can_rank_by_score_alone_when_a_kind_word_was_misread(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    found = json.loads(run(capsys, "search", "a seed investor for ADC startups", "--no-kinds-first", "--json")[1])
    assert found["looking_for"] == ["investor"] and found["kinds_first"] is False
    assert not any(hit["listed_first"] for hit in found["results"])


# ------------------------------------------------------------------------------------------ issue 16, item 7


@pytest.mark.parametrize(
    ("k", "message"), [("0", "--k 0 asks for no results: give --k 1 or more"), ("-1", "k must be between 0 and")]
)
def test_k_below_one_is_refused_with_a_message(
    workspace: Path, capsys: pytest.CaptureFixture[str], k: str, message: str
) -> None:
    for command in (["recommend", "dj-1"], ["search", "linkers"], ["similar", "dj-1"]):
        code, out, err = run(capsys, *command, "--k", k)
        assert code == 2 and out == ""
        assert err.startswith(f"error: {message}")


def test_a_folder_given_as_a_file_is_named_as_a_folder(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "import", "profiles", str(tmp_path))
    assert code == 2
    assert err.strip() == f"error: {tmp_path} is a folder, give a file"


def test_a_folder_given_as_the_queries_file_is_named_as_a_folder(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "recommend", "--queries", str(tmp_path))
    assert code == 2 and "is a folder, give a file" in err


def test_a_mistyped_home_is_refused_for_reading_and_no_workspace_is_created(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    typo = tmp_path / "wss"
    for command in (["stats"], ["list"], ["show", "dj-1"], ["search", "linkers"], ["shortlist", "list"]):
        code, _, err = run(capsys, "--home", str(typo), *command)
        assert code == 2
        assert err.strip().startswith(f"error: {typo} is not a matcher workspace")
    assert not typo.exists()


def test_an_import_creates_the_workspace_it_is_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "new"
    assert run(capsys, "--home", str(home), "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))[0] == 0
    assert run(capsys, "--home", str(home), "stats", "--json")[0] == 0


def test_help_in_a_pipe_is_not_cut_at_80_columns() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "matcher", "recommend", "--help"],
        capture_output=True, text=True, check=False, env={k: v for k, v in os.environ.items() if k != "TERMINAL_WIDTH"},
    )
    assert done.returncode == 0
    assert "…" not in done.stdout
    assert "--include-competitors" in done.stdout and "--exposure-cap" in done.stdout


def test_build_bars_date_a_facet_from_when_its_work_began() -> None:
    from matcher.cli import _Bars

    bars = _Bars(disable=True)
    bars.since -= 10  # the model loaded and the first block of 200 texts took 10 s before the first report
    bars("profile", 100, 200)
    bar = bars.bars["profile"]
    rate = bar.n / (time.time() - bar.start_t)
    assert rate < 20  # about 10 texts/s, not millions


def test_user_passwd_sets_a_new_password_and_keeps_the_role(workspace: Path, tmp_path: Path) -> None:
    from matcher.auth import add_user, load_users, users_path, verify

    main(["import", "profiles", str(write(tmp_path / "p.csv", PROFILES))])
    add_user(users_path(workspace), "hanbit", "startup", "old password", "dj-1")
    done = subprocess.run(
        [sys.executable, "-m", "matcher", "user", "passwd", "hanbit"],
        input="a new password\na new password\n", capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    users = load_users(users_path(workspace))
    assert verify(users, "hanbit", "old password") is None
    user = verify(users, "hanbit", "a new password")
    assert user is not None and (user.role, user.org_id) == ("startup", "dj-1")


def test_user_passwd_names_an_unknown_account_before_asking(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["import", "profiles", str(write(tmp_path / "p.csv", PROFILES))])
    code, _, err = run(capsys, "user", "passwd", "nobody")
    assert code == 2 and "no account 'nobody'" in err


def test_user_remove_takes_the_account_away(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from matcher.auth import add_user, load_users, users_path

    main(["import", "profiles", str(write(tmp_path / "p.csv", PROFILES))])
    add_user(users_path(workspace), "kim", "officer", "long enough")
    add_user(users_path(workspace), "lee", "officer", "long enough")
    code, out, _ = run(capsys, "user", "remove", "kim")
    assert code == 0 and "Removed officer account 'kim'" in out
    assert sorted(load_users(users_path(workspace))) == ["lee"]
    assert run(capsys, "user", "remove", "kim")[0] == 2


@pytest.mark.slow
def test_one_unknown_id_in_a_batch_keeps_the_valid_results_and_exits_1(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    queries = write(tmp_path / "ids.txt", "dj-1\nzz-9\nma-1\n")
    code, out, err = run(capsys, "recommend", "--queries", str(queries), "--k", "1", "--jsonl")
    assert code == 1
    assert [json.loads(line)["query"] for line in out.splitlines()] == ["dj-1", "ma-1"]
    assert "unknown organisation id(s)" in err and "zz-9" in err and "dj-1" not in err.split("skipped:")[1]


def test_stats_say_which_encoder_reads_the_texts_before_and_after_a_build(
    demo_matcher: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "new"))
    run(capsys, "import", "profiles", str(write(tmp_path / "p.csv", PROFILES)))
    fresh = json.loads(run(capsys, "stats", "--json")[1])
    assert (fresh["encoder"], fresh["index_model"], fresh["calibration"]) == (DEFAULT_ENCODER, None, DEFAULT_ENCODER)
    monkeypatch.setenv("MATCHER_HOME", str(demo_matcher.workspace.root))
    built = json.loads(run(capsys, "stats", "--json")[1])
    assert built["index_model"] == demo_matcher.encoder.name and built["calibration"] == DEFAULT_ENCODER
