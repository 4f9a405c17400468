"""Backup and restore of a workspace, and an export of everything users entered.

A backup is one ``.zip`` file (or a folder, for any other target name) holding a consistent copy of the
workspace: every SQLite database (the store, the embedding cache) copied with SQLite's online backup API, so a
backup taken while the app or an import is writing is still a committed state; the version of each vector
index that its ``CURRENT`` pointer names; and every other file (``users.toml``, ``config.toml``, ``models/``).
A ``manifest.json`` lists each file with its size and SHA-256.

A restore checks the archive first (manifest, names, file types, sizes, hashes, SQLite integrity, schema version and
Alembic revision), unpacks it into a temporary folder beside the workspace and only then swaps it in, so a failed or
interrupted restore never leaves a half-restored workspace. The checksums detect damage; they authenticate nothing
(whoever crafts an archive recomputes them), so a backup is kept to data: ``models/`` may hold only the data formats
the matcher writes there (skops re-rankers, ONNX encoders, model cards), never pickles. A restore replaces only an
empty folder or a workspace (a folder holding ``matcher.sqlite``), the latter only when asked to. Backups, and
restored workspaces, are owner-only (files 600, folders 700): they hold password hashes and notes.

Example:
    >>> archive = backup(Path("/srv/matcher/.matcher"), Path("/backups/matcher-2025-06-01.zip"))  # doctest: +SKIP
    >>> restore(archive, Path("/srv/matcher/.matcher"), force=True)                                # doctest: +SKIP
    PosixPath('/srv/matcher/.matcher')
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from . import __version__, migrations
from .alerts import owner_of
from .config import Settings, is_workspace
from .errors import InputError
from .index import fsync_path
from .store import SCHEMA_VERSION, Store

__all__ = [
    "BACKUP_FORMAT",
    "BACKUP_VERSION",
    "MANIFEST_NAME",
    "MODEL_SUFFIXES",
    "STORE_NAME",
    "USER_DATA_FORMAT",
    "BackupError",
    "WorkspaceNotEmptyError",
    "backup",
    "export_user_data",
    "restore",
]

logger = logging.getLogger(__name__)

BACKUP_FORMAT = "innopolis-matcher-backup"
BACKUP_VERSION = 1
"""Bumped when the archive layout changes; a newer archive is refused, not misread."""
MANIFEST_NAME = "manifest.json"
STORE_NAME = "matcher.sqlite"
"""The store's file name inside a workspace and inside a backup (:attr:`matcher.config.Workspace.store_path`)."""
USER_DATA_FORMAT = "innopolis-matcher-user-data"

_SQLITE_HEADER = b"SQLite format 3\x00"
_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
_INDEX_DIR = "index"
_CURRENT = "CURRENT"
_CHUNK = 1 << 20
_FILE_MODE = 0o600
_FOLDER_MODE = 0o700
_MODELS_DIR = "models"
MODEL_SUFFIXES = (".skops", ".onnx", ".json", ".md")
"""The only files a backup carries in ``models/``: data formats that loading cannot turn into code (skops with a
trusted-types list, ONNX graphs, model cards). Pickles (``.joblib``, ``.pkl``) and anything else are left out of
a backup and make a restore refuse the archive."""
# Constant statements only: the manifest's counts come from fixed tables, never from built SQL.
_COUNTS = {
    "profiles": "SELECT count(*) FROM profiles",
    "partnerships": "SELECT count(*) FROM partnerships",
    "feedback": "SELECT count(*) FROM feedback",
    "shortlists": "SELECT count(*) FROM shortlists",
    "shortlist_entries": "SELECT count(*) FROM shortlist_entries",
    "notes": "SELECT count(*) FROM notes",
}


_ALL_ALERTS = 2**31 - 1
"""No limit: the export holds every alert."""


class BackupError(InputError):
    """A backup or restore cannot be done as asked; the message says why and what to do."""


class WorkspaceNotEmptyError(BackupError):
    """A restore would replace a workspace that holds data and ``force`` was not given, or would replace a folder
    that is not a workspace at all (which it never does)."""


def _refuse_a_store_on_a_server(root: Path, doing: str) -> None:
    """A backup copies the workspace folder: a store on a database server (``MATCHER_DATABASE_URL``) is not in it."""
    if Settings.load(home=root).database_url is not None:
        raise BackupError(
            f"cannot {doing} {root}: its store is on a database server (MATCHER_DATABASE_URL), not in the workspace "
            "folder. Back up and restore a PostgreSQL store with pg_dump and pg_restore (pg_dump --format=custom), "
            "and the folder's other files (users.toml, config.toml, index/) with a file copy"
        )


def _is_model_data(name: str) -> bool:
    """Whether a workspace-relative POSIX path may be in a backup: anything outside ``models/``, and there only the
    data formats of :data:`MODEL_SUFFIXES`."""
    parts = PurePosixPath(name).parts
    return len(parts) < 2 or parts[0] != _MODELS_DIR or name.lower().endswith(MODEL_SUFFIXES)


def _owner_only(folder: Path) -> None:
    """Makes ``folder`` and everything in it owner-only (folders 700, files 600)."""
    folder.chmod(_FOLDER_MODE)
    for path in folder.rglob("*"):
        if not path.is_symlink():
            path.chmod(_FOLDER_MODE if path.is_dir() else _FILE_MODE)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copies a live database with the online backup API: one read transaction, so one committed state."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # A single self-contained file: the copy needs no -wal file beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _copy_index(source: Path, target: Path) -> None:
    """Copies the version of one facet's index that ``CURRENT`` names, and the pointer.

    A build running meanwhile writes a new version and deletes the old one after switching ``CURRENT``: if the
    version vanishes under the copy, the pointer is read again.
    """
    for _ in range(5):
        pointer = source / _CURRENT
        if not pointer.is_file():
            logger.warning("skipping %s: it holds no saved index", source)
            return
        version = pointer.read_text(encoding="utf-8").strip()
        shutil.rmtree(target, ignore_errors=True)
        try:
            shutil.copytree(source / version, target / version)
        except (FileNotFoundError, shutil.Error):
            continue
        (target / _CURRENT).write_text(version + "\n", encoding="utf-8")
        return
    raise BackupError(f"the index in {source} kept changing during the backup; run the backup again")


def _snapshot(root: Path, out: Path) -> None:
    """Writes a consistent copy of the workspace ``root`` into the empty folder ``out``."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        parts = relative.parts
        # Temporary files of atomic writes start with a dot; index folders are copied version by version.
        if any(part.startswith(".") for part in parts) or not path.is_file():
            continue
        if parts[0] == _INDEX_DIR and len(parts) > 1:
            continue
        if path.name.endswith(_SQLITE_SIDECARS):
            continue
        if not _is_model_data(relative.as_posix()):
            logger.warning("leaving %s out of the backup: a backup holds data only, not pickles or other files", path)
            continue
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        if _is_sqlite(path):
            _copy_sqlite(path, out / relative)
        else:
            shutil.copy2(path, out / relative)
    index_root = root / _INDEX_DIR
    if index_root.is_dir():
        for facet in sorted(p for p in index_root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            _copy_index(facet, out / _INDEX_DIR / facet.name)


def _files(folder: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path.relative_to(folder).as_posix(), path


def _store_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {name: int(conn.execute(query).fetchone()[0]) for name, query in _COUNTS.items()}
    finally:
        conn.close()


def backup(workspace_root: Path | str, target: Path | str) -> Path:
    """Writes a consistent backup of a workspace.

    Safe while the app, an import or a build runs: databases are copied through SQLite's online backup API and
    each index at the version its ``CURRENT`` pointer names. The archive is written beside ``target`` and
    renamed into place, so an interrupted backup never leaves a truncated file under the target name.

    Args:
        workspace_root: The workspace folder (holding ``matcher.sqlite``).
        target: A ``.zip`` file to write, any other name for a folder, or an existing folder to put a
            ``matcher-backup-<time>.zip`` into.

    Returns:
        The archive written (a ``.zip`` file or a folder).

    Raises:
        BackupError: The workspace has no store (or has it on a database server), or the target exists already.

    Example:
        >>> backup(Path(".matcher"), Path("backups"))  # doctest: +SKIP
        PosixPath('backups/matcher-backup-20250601T101500Z.zip')
    """
    root = Path(workspace_root)
    _refuse_a_store_on_a_server(root, "back up")
    if not (root / STORE_NAME).is_file():
        raise BackupError(f"{root} is not a matcher workspace: it has no {STORE_NAME}")
    target = Path(target)
    if target.is_dir():
        target = target / f"matcher-backup-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.zip"
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new name so that no backup is overwritten")
    target.parent.mkdir(mode=_FOLDER_MODE, parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{uuid.uuid4().hex[:8]}")
    with tempfile.TemporaryDirectory(prefix=".matcher-backup-", dir=target.parent) as tmp:
        staging = Path(tmp) / "workspace"
        staging.mkdir(mode=_FOLDER_MODE)
        _snapshot(root, staging)
        _owner_only(staging)  # a backup holds password hashes and notes
        manifest: dict[str, Any] = {
            "format": BACKUP_FORMAT,
            "version": BACKUP_VERSION,
            "created_at": _now(),
            "matcher_version": __version__,
            "schema_version": SCHEMA_VERSION,
            "counts": _store_counts(staging / STORE_NAME),
            "files": {name: {"size": path.stat().st_size, "sha256": _sha256(path)} for name, path in _files(staging)},
        }
        manifest_text = json.dumps(manifest, indent=2, sort_keys=True)
        try:
            if target.suffix.lower() == ".zip":
                with (
                    open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE), "wb") as raw,
                    zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive,
                ):
                    archive.writestr(MANIFEST_NAME, manifest_text)
                    for name, path in _files(staging):
                        archive.write(path, name)
                fsync_path(partial)
            else:
                (staging / MANIFEST_NAME).write_text(manifest_text, encoding="utf-8")
                (staging / MANIFEST_NAME).chmod(_FILE_MODE)
                staging.rename(partial)
            os.replace(partial, target)
        except BaseException:
            if partial.is_dir():
                shutil.rmtree(partial, ignore_errors=True)
            else:
                partial.unlink(missing_ok=True)
            raise
    fsync_path(target.parent)
    logger.info("backed up %s to %s (%d files)", root, target, len(manifest["files"]))
    return target


def _safe_name(name: str) -> bool:
    """True for a relative POSIX path that stays inside the folder it is unpacked into."""
    path = PurePosixPath(name)
    return bool(name) and "\\" not in name and not path.is_absolute() and ".." not in path.parts and ":" not in name


def _read_manifest(text: str, archive: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as error:
        raise BackupError(f"{archive} is not a matcher backup: its {MANIFEST_NAME} is not valid JSON") from error
    if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
        raise BackupError(f"{archive} is not a matcher backup: its {MANIFEST_NAME} has the wrong format")
    version = manifest.get("version")
    if not isinstance(version, int) or version > BACKUP_VERSION:
        raise BackupError(
            f"{archive} is a backup of format {version!r}; this matcher reads format {BACKUP_VERSION} and older: "
            "upgrade innopolis-matcher to restore it"
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or STORE_NAME not in files:
        raise BackupError(f"{archive} is incomplete: its manifest does not list {STORE_NAME}")
    for name, entry in files.items():
        if not _safe_name(name) or name == MANIFEST_NAME:
            raise BackupError(f"{archive} names a file outside the workspace ({name!r}); it is not restored")
        if not _is_model_data(name):
            raise BackupError(
                f"{archive} holds {name}, which is not one of the model data formats a backup may carry "
                f"({', '.join(MODEL_SUFFIXES)}): pickled models (.joblib) can run code when loaded, so the backup "
                "is not restored. Take a new backup with this version (it leaves such files out), or remove the "
                "file from the archive and its manifest if you trust the rest"
            )
        sized = isinstance(entry, dict) and isinstance(entry.get("size"), int)
        if not (sized and isinstance(entry.get("sha256"), str)):
            raise BackupError(f"{archive}: the manifest entry of {name!r} has no size and sha256")
    return manifest


def _unpack(archive: Path, out: Path) -> dict[str, Any]:
    """Copies or extracts the archive's files into ``out`` and returns its manifest; nothing unlisted is kept."""
    if archive.is_dir():
        manifest_path = archive / MANIFEST_NAME
        if not manifest_path.is_file():
            raise BackupError(f"{archive} is not a matcher backup: it has no {MANIFEST_NAME}")
        manifest = _read_manifest(manifest_path.read_text(encoding="utf-8"), archive)
        for name in manifest["files"]:
            source = archive / name
            if not source.is_file() or source.is_symlink():
                raise BackupError(f"{archive} is incomplete: {name} is missing")
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, out / name)
        return manifest
    if not zipfile.is_zipfile(archive):
        raise BackupError(f"{archive} is not a matcher backup: it is neither a .zip file nor a backup folder")
    try:
        with zipfile.ZipFile(archive) as zipped:
            try:
                manifest = _read_manifest(zipped.read(MANIFEST_NAME).decode("utf-8"), archive)
            except KeyError as error:
                raise BackupError(f"{archive} is not a matcher backup: it has no {MANIFEST_NAME}") from error
            members = {info.filename: info for info in zipped.infolist() if not info.is_dir()}
            for name, entry in manifest["files"].items():
                info = members.get(name)
                if info is None:
                    raise BackupError(f"{archive} is incomplete: {name} is missing")
                # Checked before extracting: a forged archive cannot fill the disk past its stated sizes.
                if info.file_size != entry["size"]:
                    raise BackupError(f"{archive} is damaged: {name} has {info.file_size} bytes, not {entry['size']}")
            needed = sum(entry["size"] for entry in manifest["files"].values())
            free = shutil.disk_usage(out).free
            if needed > free:
                raise BackupError(f"restoring {archive} needs {needed:,} bytes; {free:,} are free beside the workspace")
            for name in manifest["files"]:
                target = out / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(members[name]) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, UnicodeDecodeError) as error:
        raise BackupError(f"{archive} cannot be read as a backup: {error}") from error
    return manifest


def _check_unpacked(out: Path, manifest: dict[str, Any], archive: Path) -> None:
    for name, entry in manifest["files"].items():
        if _sha256(out / name) != entry["sha256"]:
            raise BackupError(f"{archive} is damaged: {name} does not match its checksum")
    for name in manifest["files"]:
        path = out / name
        if path.name.endswith(".sqlite") or _is_sqlite(path):
            _check_database(path, archive, is_store=name == STORE_NAME)
    index_root = out / _INDEX_DIR
    if index_root.is_dir():
        for facet in index_root.iterdir():
            pointer = facet / _CURRENT
            version = pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else ""
            if not version or not _safe_name(version) or not (facet / version / MANIFEST_NAME).is_file():
                raise BackupError(f"{archive} is damaged: the {facet.name} index has no complete saved version")


def _check_database(path: Path, archive: Path, *, is_store: bool) -> None:
    try:
        conn = sqlite3.connect(path)
        try:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            found = (
                conn.execute("SELECT value FROM meta WHERE key = ?", ("schema_version",)).fetchone()
                if is_store
                else None
            )
            versioned = is_store and conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
            held = conn.execute("SELECT version_num FROM alembic_version") if versioned else []
            revisions = {str(row[0]) for row in held}
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{archive} is damaged: {path.name} is not a readable database ({error})") from error
    if verdict != "ok":
        raise BackupError(f"{archive} is damaged: {path.name} fails SQLite's integrity check ({verdict})")
    if is_store and (found is None or int(found[0]) > SCHEMA_VERSION):
        raise BackupError(
            f"{archive} holds a store of schema {found[0] if found else 'unknown'}; this matcher reads schema "
            f"{SCHEMA_VERSION}: upgrade innopolis-matcher to restore it"
        )
    # A newer release keeps schema 3 in meta and moves Alembic's revision on: restored as it was, the workspace
    # would only be refused at its next opening, after the old one had been swapped out.
    if unknown := revisions - migrations.revisions():
        raise BackupError(
            f"{archive} holds a store written by a newer Innopolis Matcher (schema revision "
            f"{', '.join(sorted(unknown))}; this one knows up to {migrations.head()}): upgrade innopolis-matcher to "
            "restore it"
        )


def restore(archive: Path | str, workspace_root: Path | str, *, force: bool = False) -> Path:
    """Restores a backup into a workspace, all or nothing.

    The archive is unpacked and checked in a temporary folder beside the workspace; only a backup that passes
    every check replaces the workspace, by renaming. The previous workspace is deleted after the swap. Stop the
    app and other commands on this workspace first: they would keep reading the replaced files.

    Args:
        archive: A ``.zip`` file or a folder written by :func:`backup`.
        workspace_root: The workspace folder to restore into (created if missing).
        force: Replace a workspace (a folder holding ``matcher.sqlite``); without it a workspace is left alone.
            A non-empty folder that is not a workspace is never replaced.

    Returns:
        The restored workspace folder.

    Raises:
        FileNotFoundError: ``archive`` does not exist.
        WorkspaceNotEmptyError: The folder is a workspace and ``force`` is false, or it is a non-empty folder
            that is not a workspace.
        BackupError: The archive is not a backup, is damaged, is from a newer version, or carries a file type
            that is not data (a pickled model).

    Example:
        >>> restore(Path("backups/matcher-backup-20250601T101500Z.zip"), Path(".matcher"))  # doctest: +SKIP
        PosixPath('.matcher')
    """
    archive = Path(archive)
    root = Path(workspace_root)
    _refuse_a_store_on_a_server(root, "restore into")
    if not archive.exists():
        raise FileNotFoundError(f"no backup at {archive}")
    if root.exists() and not root.is_dir():
        raise BackupError(f"{root} is a file, not a workspace folder")
    if root.is_dir() and any(root.iterdir()):
        if not is_workspace(root):
            held = sorted(p.name for p in root.iterdir())
            found = ", ".join(held[:5]) + (", ..." if len(held) > 5 else "")
            raise WorkspaceNotEmptyError(
                f"{root} is not a matcher workspace (it has no matcher.sqlite but holds {found}): a restore "
                "never replaces such a folder, not even with --force. Restore into a new or empty folder"
            )
        if not force:
            raise WorkspaceNotEmptyError(
                f"{root} already holds a workspace; restoring would replace it. Back it up first, then restore "
                "with --force (force=True) to replace it"
            )
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.restore-", dir=root.parent))
    old = root.with_name(f".{root.name}.replaced-{uuid.uuid4().hex[:8]}")
    try:
        manifest = _unpack(archive, staging)
        _check_unpacked(staging, manifest, archive)
        _owner_only(staging)  # whatever modes the archive's files had: they hold password hashes and notes
        if root.exists():
            root.rename(old)
        staging.rename(root)
    except BaseException:
        if old.exists() and not root.exists():  # the swap failed half-way: put the previous workspace back
            old.rename(root)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
    logger.info("restored %s into %s (%s)", archive, root, manifest.get("counts"))
    return root


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    # Through JSON: NaN becomes null and NumPy integers plain ints.
    return json.loads(frame.to_json(orient="records", force_ascii=False)) if len(frame) else []


def export_user_data(store: Store, *, user: str | None = None) -> dict[str, Any]:
    """Everything users entered: feedback, shortlists with their entries, notes, profile edits, meeting requests,
    saved searches with the alerts they raised, and where alerts go (webhook URL and e-mail address, never the
    webhook's signing secret), as JSON-ready data.

    Args:
        store: The workspace's store.
        user: Only what this user entered (feedback they gave, shortlists they own, notes they wrote, profile
            edits they made, meetings they requested or answered, their saved searches, alerts and alert channels,
            and those of the API keys of that name: each row's ``owner`` says whose, ``user:NAME`` or
            ``key:KEY_ID``); default everyone's.

    Returns:
        ``{"format", "exported_at", "user", "feedback": [...], "shortlists": [{..., "entries": [...]}],
        "notes": [...], "profile_changes": [...], "meetings": [...], "saved_searches": [...], "alerts": [...],
        "alert_channels": [...]}``.

    Example:
        >>> data = export_user_data(Store(Path("/tmp/doc-store.sqlite")))  # doctest: +SKIP
        >>> sorted(data)                                                   # doctest: +SKIP
        ['alert_channels', 'alerts', 'exported_at', 'feedback', 'format', 'meetings', 'notes', 'profile_changes',
         'saved_searches', 'shortlists', 'user']
    """
    feedback, shortlists, notes = store.feedback(), store.shortlists(), store.notes()
    changes, meetings = store.profile_changes(), store.meetings()
    if user is not None:
        feedback = feedback[feedback["user"] == user]
        shortlists = shortlists[shortlists["owner"] == user]
        notes = notes[notes["author"] == user]
        changes = changes[changes["user"] == user]
        meetings = meetings[(meetings["requested_by"] == user) | (meetings["answered_by"] == user)]
    lists = _records(shortlists.sort_values("id").drop(columns="entries"))
    for entry in lists:
        entry["entries"] = _records(store.shortlist_entries(int(entry["id"])))
    data: dict[str, Any] = {
        "format": USER_DATA_FORMAT,
        "exported_at": _now(),
        "user": user,
        "feedback": _records(feedback),
        "shortlists": lists,
        "notes": _records(notes.sort_values("id")),
        "profile_changes": _records(changes.sort_values("id")),
        "meetings": _records(meetings.sort_values("id")),
    }
    return {**data, **_alert_data(store, user)}


def _alert_data(store: Store, user: str | None) -> dict[str, list[dict[str, Any]]]:
    """The saved searches, alerts and alert channels of ``user`` (or everyone's) for :func:`export_user_data`."""
    if user is not None:
        # App accounts and API keys own apart (owner_of): a name's are its account's and its keys', if any.
        keys = [key["key_id"] for key in store.api_keys() if key["name"] == user]
        named = [owner_of(user), *(owner_of(user, key_id=key_id) for key_id in keys)]
        saved = [row for owner in named for row in store.saved_searches(owner)]
        channels = [found for owner in named if (found := store.alert_channel(owner)) is not None]
    else:
        saved, channels = store.saved_searches(), store.alert_channels()
    # An alert belongs to its saved search's owner (deleting the search deletes its alerts).
    owners = sorted({row["owner"] for row in saved})
    alerts = sorted((row for owner in owners for row in store.alerts(owner, limit=_ALL_ALERTS)), key=lambda r: r["id"])
    return {
        "saved_searches": [{**row, "filters": json.loads(row["filters"] or "{}")} for row in saved],
        "alerts": [{**row, "reasons": list(row["reasons"])} for row in alerts],
        "alert_channels": [
            {"owner": c["owner"], "webhook_url": c["webhook_url"], "email": c["email"], "updated_at": c["updated_at"]}
            for c in channels
            if c["webhook_url"] or c["email"]
        ],
    }
