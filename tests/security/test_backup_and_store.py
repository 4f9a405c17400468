"""Security findings of issue 17 about backups, restores, the workspace folder and the store: 2, 4, 6, 10, 12, 14.

Each test fails on the code the review ran against (fd82962) and passes now.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import pickle
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from matcher.api import Matcher
from matcher.backup import BackupError, WorkspaceNotEmptyError, backup, restore
from matcher.cli import main
from matcher.config import Workspace, WorkspaceError, resolve_home
from matcher.store import Store, StoreError

PROFILES = pd.DataFrame(
    [
        {"id": "dj-1", "name": "Daejeon Bio", "org_type": "startup", "city": "Daejeon", "country": "KR"},
        {"id": "se-1", "name": "Rainier AI", "org_type": "startup", "city": "Seattle", "country": "US"},
    ]
)


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which files are created 0644 and folders 0755 unless the code asks for less."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    Store(root / "matcher.sqlite").upsert_profiles(PROFILES)
    (root / "users.toml").write_text("# users\n", encoding="utf-8")
    return root


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# Finding 2: a backup is data, never code ------------------------------------------------------------------------


class _Marker:
    """Unpickling this writes a file: the stand-in for an attacker's code."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (Path.write_text, (Path(self.path), "pwned"))


def _crafted_backup(ws: Path, tmp_path: Path, marker: Path) -> Path:
    """A genuine backup plus a malicious ``models/reranker.joblib`` and a card saying it beats the weighted scorer,
    with the manifest's checksums recomputed: exactly what the checks inside an archive cannot tell apart."""
    genuine = backup(ws, tmp_path / "genuine.zip")
    extra = {
        "models/reranker.joblib": pickle.dumps(_Marker(str(marker))),
        "models/reranker.card.json": json.dumps({"name": "reranker", "beats_weighted": True}).encode(),
    }
    crafted = tmp_path / "crafted.zip"
    with zipfile.ZipFile(genuine) as src, zipfile.ZipFile(crafted, "w") as dst:
        manifest = json.loads(src.read("manifest.json"))
        for info in src.infolist():
            if info.filename != "manifest.json":
                dst.writestr(info, src.read(info))
        for name, data in extra.items():
            dst.writestr(name, data)
            manifest["files"][name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        dst.writestr("manifest.json", json.dumps(manifest))
    return crafted


def test_a_crafted_backup_with_a_pickled_model_is_refused_and_never_runs(ws: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker.txt"
    crafted = _crafted_backup(ws, tmp_path, marker)
    target = tmp_path / "restored"
    with pytest.raises(BackupError, match=r"models/reranker\.joblib"):
        restore(crafted, target)
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".restored.")]
    # Even if such a file reaches a workspace some other way (an old backup unpacked by hand), it is never loaded.
    restore(backup(ws, tmp_path / "clean.zip"), target)
    with zipfile.ZipFile(crafted) as zipped:
        for name in ("models/reranker.joblib", "models/reranker.card.json"):
            (target / name).parent.mkdir(exist_ok=True)
            (target / name).write_bytes(zipped.read(name))
    assert Matcher(target).learned_scorer is None
    assert not marker.exists()


def test_a_backup_leaves_old_pickled_models_out(ws: Path, tmp_path: Path) -> None:
    (ws / "models").mkdir()
    (ws / "models" / "reranker.joblib").write_bytes(pickle.dumps({"old": "model"}))
    (ws / "models" / "reranker.card.json").write_text("{}", encoding="utf-8")
    archive = backup(ws, tmp_path / "b.zip")
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
    assert "models/reranker.card.json" in names
    assert "models/reranker.joblib" not in names
    restore(archive, tmp_path / "restored")  # and the backup restores


# Finding 4: no lost update on shared shortlist notes -----------------------------------------------------------


def test_a_note_changed_since_the_editor_opened_it_is_not_overwritten(tmp_path: Path) -> None:
    store = Store(tmp_path / "matcher.sqlite")
    store.upsert_profiles(PROFILES)
    shortlist = store.create_shortlist("Mission")
    store.set_shortlist_entry(shortlist, "dj-1", note="first")
    # Officers A and B both opened the page showing "first"; A saves, then B.
    store.set_shortlist_entry(shortlist, "dj-1", note="A: call on Monday", expected_note="first")
    with pytest.raises(StoreError, match="changed by someone else since you opened it: reload"):
        store.set_shortlist_entry(shortlist, "dj-1", note="B: send the deck", expected_note="first")
    assert store.shortlist_entries(shortlist)["note"].tolist() == ["A: call on Monday"]
    # B reloads, sees A's note, and edits it.
    store.set_shortlist_entry(shortlist, "dj-1", note="A+B", expected_note="A: call on Monday")
    assert store.shortlist_entries(shortlist)["note"].tolist() == ["A+B"]


def test_a_note_on_an_entry_removed_meanwhile_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "matcher.sqlite")
    shortlist = store.create_shortlist("Mission")
    store.set_shortlist_entry(shortlist, "dj-1", note="x")
    store.remove_shortlist_entry(shortlist, "dj-1")
    with pytest.raises(StoreError, match="reload"):
        store.set_shortlist_entry(shortlist, "dj-1", note="y", expected_note="x")
    assert store.shortlist_entries(shortlist).empty


# Finding 6: restore --force replaces workspaces only ------------------------------------------------------------


@pytest.fixture
def home_folder(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / "photos").mkdir(parents=True)
    (home / "photos" / "cat.jpg").write_bytes(b"\xff\xd8 a cat")
    (home / "thesis.txt").write_text("four years of work", encoding="utf-8")
    return home


def test_a_forced_restore_never_empties_a_folder_that_is_not_a_workspace(
    ws: Path, tmp_path: Path, home_folder: Path
) -> None:
    archive = backup(ws, tmp_path / "b.zip")
    with pytest.raises(WorkspaceNotEmptyError, match="not a matcher workspace") as refused:
        restore(archive, home_folder, force=True)
    assert "already holds a workspace" not in str(refused.value)
    assert (home_folder / "thesis.txt").read_text(encoding="utf-8") == "four years of work"
    assert (home_folder / "photos" / "cat.jpg").is_file()
    assert not (home_folder / "matcher.sqlite").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".home.")]


def test_the_refusal_without_force_says_what_the_folder_is(ws: Path, tmp_path: Path, home_folder: Path) -> None:
    archive = backup(ws, tmp_path / "b.zip")
    with pytest.raises(WorkspaceNotEmptyError) as refused:
        restore(archive, home_folder)
    assert "already holds a workspace" not in str(refused.value)
    assert "not a matcher workspace" in str(refused.value)
    with pytest.raises(WorkspaceNotEmptyError, match="already holds a workspace"):
        restore(archive, ws)
    assert restore(archive, ws, force=True) == ws


def test_the_cli_refuses_to_restore_over_a_home_folder(ws: Path, tmp_path: Path, home_folder: Path) -> None:
    archive = backup(ws, tmp_path / "b.zip")
    assert main(["--home", str(home_folder), "restore", str(archive), "--force"]) == 2
    assert (home_folder / "thesis.txt").is_file()


# Finding 10: simultaneous first opens of a new store -----------------------------------------------------------


def _open_store(path: str, barrier: object, errors: object) -> None:
    barrier.wait()  # type: ignore[attr-defined]
    try:
        Store(Path(path)).upsert_profiles(PROFILES, source=str(os.getpid()))
    except Exception as error:  # reported to the parent
        errors.put(f"{type(error).__name__}: {error}")  # type: ignore[attr-defined]


def test_simultaneous_first_opens_of_a_new_store_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    for attempt in range(3):
        path = tmp_path / f"ws{attempt}" / "matcher.sqlite"
        barrier = context.Barrier(8)
        workers = [context.Process(target=_open_store, args=(str(path), barrier, errors)) for _ in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert [worker.exitcode for worker in workers] == [0] * 8
        found: list[str] = []
        while not errors.empty():
            found.append(errors.get())
        assert found == []
        assert len(Store(path).profiles()) == 2


# Finding 12: owner-only files and folders -----------------------------------------------------------------------


def test_new_workspaces_and_stores_are_owner_only(tmp_path: Path, umask_022: None) -> None:
    root = Workspace(tmp_path / "new").ensure().root
    assert mode(root) == 0o700
    store = Store(tmp_path / "other" / "matcher.sqlite")
    store.upsert_profiles(PROFILES)
    assert mode(tmp_path / "other") == 0o700
    assert mode(tmp_path / "other" / "matcher.sqlite") == 0o600
    matcher = Matcher(tmp_path / "via-api")
    matcher.store.upsert_profiles(PROFILES)
    assert mode(matcher.workspace.root) == 0o700
    assert mode(matcher.workspace.store_path) == 0o600


def test_backups_and_restored_workspaces_are_owner_only(ws: Path, tmp_path: Path, umask_022: None) -> None:
    os.chmod(ws / "users.toml", 0o644)  # even when the source was too open
    archive = backup(ws, tmp_path / "backups" / "b.zip")
    assert mode(archive) == 0o600
    assert mode(archive.parent) == 0o700
    folder = backup(ws, tmp_path / "folder-backup")
    assert mode(folder) == 0o700
    assert {mode(p) for p in folder.rglob("*") if p.is_file()} == {0o600}
    for source, name in ((archive, "from-zip"), (folder, "from-folder")):
        root = restore(source, tmp_path / name)
        assert mode(root) == 0o700
        assert mode(root / "users.toml") == 0o600
        assert mode(root / "matcher.sqlite") == 0o600
        assert {mode(p) for p in root.rglob("*") if p.is_dir()} <= {0o700}


# Finding 14 (part): --home --------------------------------------------------------------------------------------


def test_a_home_that_is_a_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("x", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="is a file"):
        resolve_home(file)
    with pytest.raises(WorkspaceError, match="is a file"):
        Workspace(file).ensure()
    with pytest.raises(WorkspaceError, match="is a file"):
        Workspace(file / "sub").ensure()
    capsys.readouterr()
    assert main(["--home", str(file), "stats"]) == 2
    err = capsys.readouterr().err
    assert "is a file" in err and "internal error" not in err


def test_an_empty_home_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "thesis.txt").write_text("x", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="empty"):
        resolve_home("")
    with pytest.raises(WorkspaceError, match="current folder"):
        resolve_home(Path(""))
    capsys.readouterr()
    assert main(["--home", "", "stats"]) == 2
    assert "internal error" not in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.txt"]
    # The current folder stays usable when it already is a workspace.
    Store(tmp_path / "matcher.sqlite")
    assert resolve_home(".") == Path(".")


def test_the_shortlists_page_tells_an_officer_whose_note_is_stale(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from matcher.auth import User, add_user, users_path

    (ws / "users.toml").unlink()
    add_user(users_path(ws), "olga", "officer", "a long enough password", iterations=1_000)
    monkeypatch.setenv("MATCHER_HOME", str(ws))
    store = Store(ws / "matcher.sqlite")
    shortlist = store.create_shortlist("Mission", owner="olga")
    store.set_shortlist_entry(shortlist, "dj-1", note="first")
    at = AppTest.from_file(str(Path(__file__).parents[2] / "app_streamlit.py"), default_timeout=120)
    at.session_state["user"] = User("olga", "officer")
    at.run()
    at.switch_page("matcher/ui/pages/shortlists.py").run()
    assert not at.exception, at.exception
    store.set_shortlist_entry(shortlist, "dj-1", note="A: call on Monday")  # another officer, meanwhile
    at.text_input(key=f"sl_note_{shortlist}_dj-1").input("B: send the deck").run()
    assert not at.exception, at.exception
    assert store.shortlist_entries(shortlist)["note"].tolist() == ["A: call on Monday"]
    assert any("reload" in str(error.value) for error in at.error)
