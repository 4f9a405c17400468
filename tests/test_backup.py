"""Backup, restore and the user-data export: a restored workspace holds exactly what was committed at backup
time, a damaged or foreign archive is refused before anything is touched, and the export holds everything
users entered."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.auth import add_user, load_users, users_path
from matcher.backup import (
    BACKUP_VERSION,
    MANIFEST_NAME,
    BackupError,
    WorkspaceNotEmptyError,
    backup,
    export_user_data,
    restore,
)
from matcher.index import VectorIndex, read_manifest
from matcher.store import Store

PROFILES = pd.DataFrame(
    [
        {"id": "dj-1", "name": "Hanbit Bio", "org_type": "startup", "city": "Daejeon", "country": "KR"},
        {"id": "ma-1", "name": "Costa CDMO", "org_type": "company", "city": "Málaga", "country": "ES"},
        {"id": "se-1", "name": "Rainier AI", "org_type": "startup", "city": "Seattle", "country": "US"},
    ]
)


def make_workspace(root: Path) -> Store:
    """A workspace with profiles, every kind of user data, two users and one saved index."""
    store = Store(root / "matcher.sqlite")
    store.upsert_profiles(PROFILES)
    store.add_feedback("dj-1", "ma-1", "relevant", user="mina")
    store.add_feedback("dj-1", "se-1", "not_relevant", reason="too big", user="startup")
    mission = store.create_shortlist("Seattle mission", owner="mina")
    store.set_shortlist_entry(mission, "se-1", stage="meeting", note="=HYPERLINK(\"x\") met at BIO")
    store.create_shortlist("Empty list", owner="joon")
    store.add_note("ma-1", "Wants a Korean ADC partner", author="mina")
    add_user(users_path(root), "mina", "officer", "correct horse", iterations=1_000)
    add_user(users_path(root), "startup", "startup", "battery staple", org_id="dj-1", iterations=1_000)
    vectors = np.eye(3, 4, dtype=np.float32)
    VectorIndex().build(["dj-1", "ma-1", "se-1"], vectors).save(root / "index" / "profile", {"facet": "profile"})
    return store


def table(path: Path, name: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            {
                "profiles": "SELECT id, name FROM profiles ORDER BY id",
                "feedback": "SELECT asker_id, candidate_id, label, reason, user FROM feedback ORDER BY id",
                "shortlist_entries": "SELECT shortlist_id, profile_id, stage, note FROM shortlist_entries",
                "notes": "SELECT profile_id, author, text FROM notes",
            }[name]
        ).fetchall()
    finally:
        conn.close()


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    make_workspace(root).close()
    return root


@pytest.mark.parametrize("target_name", ["backup.zip", "backup-folder"])
def test_restore_brings_back_store_users_and_index(ws: Path, tmp_path: Path, target_name: str) -> None:
    archive = backup(ws, tmp_path / target_name)
    restored = restore(archive, tmp_path / "new-ws")
    for name in ("profiles", "feedback", "shortlist_entries", "notes"):
        assert table(restored / "matcher.sqlite", name) == table(ws / "matcher.sqlite", name)
    assert load_users(users_path(restored)).keys() == {"mina", "startup"}
    assert VectorIndex.load(restored / "index" / "profile").ids_ == ("dj-1", "ma-1", "se-1")


def test_restored_store_opens_and_accepts_writes(ws: Path, tmp_path: Path) -> None:
    restored = restore(backup(ws, tmp_path / "b.zip"), tmp_path / "new-ws")
    store = Store(restored / "matcher.sqlite")
    store.add_note("dj-1", "after the restore")
    assert len(store.notes()) == 2


def test_backup_holds_only_committed_rows_while_a_writer_is_mid_transaction(ws: Path, tmp_path: Path) -> None:
    writer = sqlite3.connect(ws / "matcher.sqlite", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO notes (profile_id, author, text, created_at) VALUES (?, ?, ?, ?)",
        ("dj-1", "mina", "not committed yet", "2025-01-01"),
    )
    try:
        archive = backup(ws, tmp_path / "b.zip")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    restored = restore(archive, tmp_path / "new-ws")
    assert [text for _, _, text in table(restored / "matcher.sqlite", "notes")] == ["Wants a Korean ADC partner"]


def test_backup_sees_rows_committed_only_to_the_write_ahead_log(ws: Path, tmp_path: Path) -> None:
    store = Store(ws / "matcher.sqlite")  # kept open: its last commit may sit in the -wal file
    store.add_note("se-1", "committed just before the backup")
    restored = restore(backup(ws, tmp_path / "b.zip"), tmp_path / "new-ws")
    store.close()
    assert len(table(restored / "matcher.sqlite", "notes")) == 2


def test_backup_copies_only_the_current_index_version(ws: Path, tmp_path: Path) -> None:
    # A save killed half-way leaves a stray version folder; it is not part of the state and is not backed up.
    (ws / "index" / "profile" / "v-stray").mkdir()
    (ws / "index" / "profile" / "v-stray" / "ids.json").write_text("[", encoding="utf-8")
    archive = backup(ws, tmp_path / "b.zip")
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
    assert not any("v-stray" in name for name in names)
    assert "index/profile/CURRENT" in names


def test_manifest_lists_every_file_with_its_checksum_and_the_counts(ws: Path, tmp_path: Path) -> None:
    archive = backup(ws, tmp_path / "b.zip")
    with zipfile.ZipFile(archive) as zipped:
        manifest = json.loads(zipped.read(MANIFEST_NAME))
        assert set(manifest["files"]) == set(zipped.namelist()) - {MANIFEST_NAME}
    assert manifest["counts"] == {
        "profiles": 3, "partnerships": 0, "feedback": 2, "shortlists": 2, "shortlist_entries": 1, "notes": 1
    }


def test_backup_into_an_existing_folder_writes_a_dated_zip_there(ws: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    archive = backup(ws, folder)
    assert archive.parent == folder and archive.suffix == ".zip" and zipfile.is_zipfile(archive)


def test_backup_never_overwrites_an_existing_file(ws: Path, tmp_path: Path) -> None:
    (tmp_path / "b.zip").write_bytes(b"an older backup")
    with pytest.raises(BackupError, match="exists already"):
        backup(ws, tmp_path / "b.zip")
    assert (tmp_path / "b.zip").read_bytes() == b"an older backup"


def test_backup_of_a_folder_without_a_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="not a matcher workspace"):
        backup(tmp_path, tmp_path / "b.zip")


def test_restore_refuses_a_workspace_with_data_unless_forced(ws: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    Store(other / "matcher.sqlite").upsert_profiles(PROFILES.head(1))
    archive = backup(ws, tmp_path / "b.zip")
    with pytest.raises(WorkspaceNotEmptyError, match="--force"):
        restore(archive, other)
    assert len(table(other / "matcher.sqlite", "profiles")) == 1
    restore(archive, other, force=True)
    assert len(table(other / "matcher.sqlite", "profiles")) == 3


def test_restore_into_an_empty_existing_folder_needs_no_force(ws: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    restore(backup(ws, tmp_path / "b.zip"), tmp_path / "empty")
    assert len(table(tmp_path / "empty" / "matcher.sqlite", "profiles")) == 3


def test_forced_restore_leaves_no_trace_of_the_previous_workspace(ws: Path, tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    Store(target / "matcher.sqlite").close()  # a workspace: only a workspace may be replaced
    (target / "leftover.txt").write_text("old", encoding="utf-8")
    restore(backup(ws, tmp_path / "b.zip"), target, force=True)
    assert not (target / "leftover.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def rewrite_zip(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """Copies a zip archive, replacing (or, with None, dropping) the members named in ``change``."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            if info.filename not in change:
                dst.writestr(info, src.read(info))
        for name, data in change.items():
            if data is not None:
                dst.writestr(name, data)
    return target


def damaged_store(archive: Path, tmp_path: Path) -> Path:
    with zipfile.ZipFile(archive) as zipped:
        data = bytearray(zipped.read("matcher.sqlite"))
    data[len(data) // 2] ^= 0xFF
    return rewrite_zip(archive, tmp_path / "damaged.zip", {"matcher.sqlite": bytes(data)})


def manifest_of(archive: Path) -> dict[str, object]:
    with zipfile.ZipFile(archive) as zipped:
        return json.loads(zipped.read(MANIFEST_NAME))


@pytest.fixture
def forced_target(tmp_path: Path) -> Path:
    """A workspace with one profile, which a refused restore must leave exactly as it was."""
    target = tmp_path / "target"
    Store(target / "matcher.sqlite").upsert_profiles(PROFILES.tail(1))
    return target


def assert_untouched(target: Path) -> None:
    assert table(target / "matcher.sqlite", "profiles") == [("se-1", "Rainier AI")]
    assert not [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.")]


def test_a_damaged_store_is_refused_and_the_workspace_is_untouched(
    ws: Path, tmp_path: Path, forced_target: Path
) -> None:
    bad = damaged_store(backup(ws, tmp_path / "b.zip"), tmp_path)
    with pytest.raises(BackupError, match="damaged"):
        restore(bad, forced_target, force=True)
    assert_untouched(forced_target)


def test_a_missing_file_is_refused(ws: Path, tmp_path: Path, forced_target: Path) -> None:
    bad = rewrite_zip(backup(ws, tmp_path / "b.zip"), tmp_path / "bad.zip", {"users.toml": None})
    with pytest.raises(BackupError, match=r"incomplete: users\.toml is missing"):
        restore(bad, forced_target, force=True)
    assert_untouched(forced_target)


@pytest.mark.parametrize("name", ["../escaped.txt", "/tmp/absolute.txt", "index\\..\\..\\x", "C:/x"])
def test_a_file_named_outside_the_workspace_is_refused(
    ws: Path, tmp_path: Path, forced_target: Path, name: str
) -> None:
    archive = backup(ws, tmp_path / "b.zip")
    manifest = manifest_of(archive)
    manifest["files"][name] = {"size": 4, "sha256": "0" * 64}  # type: ignore[index]
    bad = rewrite_zip(archive, tmp_path / "bad.zip", {MANIFEST_NAME: json.dumps(manifest).encode(), name: b"evil"})
    with pytest.raises(BackupError, match="outside the workspace"):
        restore(bad, forced_target, force=True)
    assert not (tmp_path / "escaped.txt").exists()
    assert_untouched(forced_target)


def test_a_size_that_disagrees_with_the_manifest_is_refused_before_extracting(
    ws: Path, tmp_path: Path, forced_target: Path
) -> None:
    archive = backup(ws, tmp_path / "b.zip")
    bad = rewrite_zip(archive, tmp_path / "bad.zip", {"users.toml": b"x" * 10_000})
    with pytest.raises(BackupError, match=r"users\.toml has 10000 bytes"):
        restore(bad, forced_target, force=True)
    assert_untouched(forced_target)


def test_a_backup_from_a_newer_version_is_refused(ws: Path, tmp_path: Path, forced_target: Path) -> None:
    archive = backup(ws, tmp_path / "b.zip")
    manifest = manifest_of(archive)
    manifest["version"] = BACKUP_VERSION + 1
    bad = rewrite_zip(archive, tmp_path / "bad.zip", {MANIFEST_NAME: json.dumps(manifest).encode()})
    with pytest.raises(BackupError, match="upgrade innopolis-matcher"):
        restore(bad, forced_target, force=True)
    assert_untouched(forced_target)


def test_a_store_at_a_schema_revision_this_release_does_not_know_is_refused(
    ws: Path, tmp_path: Path, forced_target: Path
) -> None:
    # What a newer release's backup holds: schema 3 in meta, as ever, and an Alembic revision past this one's head.
    newer = tmp_path / "newer.sqlite"
    with zipfile.ZipFile(backup(ws, tmp_path / "b.zip")) as zipped:
        newer.write_bytes(zipped.read("matcher.sqlite"))
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    data = newer.read_bytes()
    manifest = manifest_of(tmp_path / "b.zip")
    manifest["files"]["matcher.sqlite"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}  # type: ignore[index]
    bad = rewrite_zip(
        tmp_path / "b.zip", tmp_path / "bad.zip", {"matcher.sqlite": data, MANIFEST_NAME: json.dumps(manifest).encode()}
    )
    with pytest.raises(BackupError, match=r"newer Innopolis Matcher \(schema revision 9999; .*upgrade"):
        restore(bad, forced_target, force=True)
    assert_untouched(forced_target)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"just some text", r"neither a \.zip"), (None, f"no {MANIFEST_NAME}"), (b"{not json", "not valid JSON")],
)
def test_a_file_that_is_not_a_backup_is_refused(
    tmp_path: Path, forced_target: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "x.zip"
    if content == b"just some text":
        path.write_bytes(content)
    else:
        with zipfile.ZipFile(path, "w") as zipped:
            zipped.writestr("hello.txt", "hi")
            if content is not None:
                zipped.writestr(MANIFEST_NAME, content)
    with pytest.raises(BackupError, match=message):
        restore(path, forced_target, force=True)
    assert_untouched(forced_target)


def test_a_missing_archive_is_a_file_not_found_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no backup at"):
        restore(tmp_path / "nope.zip", tmp_path / "ws")


def test_user_data_export_holds_every_feedback_shortlist_entry_and_note(ws: Path) -> None:
    data = export_user_data(Store(ws / "matcher.sqlite"))
    assert json.loads(json.dumps(data)) == data
    assert [(f["candidate_id"], f["label"], f["reason"]) for f in data["feedback"]] == [
        ("ma-1", "relevant", None),
        ("se-1", "not_relevant", "too big"),
    ]
    assert [(s["name"], len(s["entries"])) for s in data["shortlists"]] == [("Seattle mission", 1), ("Empty list", 0)]
    entry = data["shortlists"][0]["entries"][0]
    assert (entry["profile_id"], entry["stage"], entry["note"]) == ("se-1", "meeting", "=HYPERLINK(\"x\") met at BIO")
    assert [n["text"] for n in data["notes"]] == ["Wants a Korean ADC partner"]


def test_user_data_export_for_one_user_holds_only_what_they_entered(ws: Path) -> None:
    data = export_user_data(Store(ws / "matcher.sqlite"), user="mina")
    assert [f["user"] for f in data["feedback"]] == ["mina"]
    assert [s["owner"] for s in data["shortlists"]] == ["mina"]
    assert [n["author"] for n in data["notes"]] == ["mina"]


def test_user_data_export_of_an_empty_store_has_empty_lists(tmp_path: Path) -> None:
    data = export_user_data(Store(tmp_path / "s.sqlite"))
    assert (data["feedback"], data["shortlists"], data["notes"]) == ([], [], [])


def test_the_restored_index_manifest_is_the_backed_up_one(ws: Path, tmp_path: Path) -> None:
    restored = restore(backup(ws, tmp_path / "b.zip"), tmp_path / "new-ws")
    assert read_manifest(restored / "index" / "profile") == read_manifest(ws / "index" / "profile")


def test_user_data_export_holds_a_users_profile_edits_and_meeting_requests(ws: Path) -> None:
    store = Store(ws / "matcher.sqlite")
    row = store.get_profile("dj-1").to_dict()  # type: ignore[union-attr]
    store.edit_profile({**row, "offers": "Linker chemistry"}, [("offers", row["offers"], "Linker chemistry")],
                       user="startup")
    store.add_meeting("dj-1", "ma-1", requested_by="startup", message="Coffee at BIO?",
                      starts_at="2027-06-01T10:00:00+09:00", max_open=10)
    data = export_user_data(store, user="startup")
    assert [(c["field"], c["new"]) for c in data["profile_changes"]] == [("offers", "Linker chemistry")]
    assert [m["message"] for m in data["meetings"]] == ["Coffee at BIO?"]
    assert export_user_data(store, user="mina")["meetings"] == []
