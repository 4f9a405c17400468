"""The SQLite store: profiles, partnerships, feedback, shortlists, notes and the import log.

SQLAlchemy Core over one SQLite file in WAL mode, so readers (the app, recommendations) never wait for a writer
(an import). Every statement is built by SQLAlchemy with bound parameters. Each public write runs in one
transaction: an import either lands whole or not at all.

Example:
    >>> store = Store(Path("/tmp/doc-store.sqlite"))
    >>> frame = pd.DataFrame([{"id": "a", "name": "A", "org_type": "startup", "city": "Daejeon", "country": "KR"}])
    >>> store.upsert_profiles(frame)
    1
    >>> store.get_profile("a").city
    'Daejeon'
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from .errors import StateError
from .schema import LIST_COLUMNS, PARTNERSHIP_COLUMNS, PROFILE_COLUMNS, Profile

__all__ = ["FEEDBACK_LABELS", "SCHEMA_VERSION", "SHORTLIST_STAGES", "Store", "StoreError", "profile_set_checksum"]

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 2
"""Bumped whenever the tables change; a store written by a newer version is refused, not misread, and an older one
is upgraded when opened. 2: a partnership is keyed by its unordered pair and kind (1 also keyed the direction and
the year, so a re-import that added a year stored the pair twice)."""

FEEDBACK_LABELS: tuple[str, ...] = ("relevant", "not_relevant", "contacted", "meeting", "agreement")
SHORTLIST_STAGES: tuple[str, ...] = ("new", "contacted", "meeting", "agreement")

metadata = sa.MetaData()

meta_table = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", sa.String, nullable=False),
)

profiles_table = sa.Table(
    "profiles",
    metadata,
    sa.Column("id", sa.String, primary_key=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("org_type", sa.String, nullable=False, index=True),
    sa.Column("city", sa.String, nullable=False, index=True),
    sa.Column("country", sa.String(2), nullable=False, index=True),
    *(sa.Column(name, sa.Text, nullable=False, server_default="[]") for name in LIST_COLUMNS),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("offers", sa.Text, nullable=False, server_default=""),
    sa.Column("seeks", sa.Text, nullable=False, server_default=""),
    sa.Column("website", sa.String),
    sa.Column("employees", sa.Integer),
    sa.Column("founded", sa.Integer),
    sa.Column("stage", sa.String),
    sa.Column("content_hash", sa.String(16), nullable=False),
    sa.Column("source", sa.String),
    sa.Column("updated_at", sa.String, nullable=False),
)

partnerships_table = sa.Table(
    "partnerships",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_id", sa.String, nullable=False, index=True),
    sa.Column("target_id", sa.String, nullable=False, index=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("year", sa.Integer),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
)
# One partnership per unordered pair and kind: B-A is A-B (as validation treats it), and the year is an attribute
# that a re-import fills in or corrects, not part of the identity. Must match _pair_key.
_partnership_key = (
    sa.func.min(partnerships_table.c.source_id, partnerships_table.c.target_id),
    sa.func.max(partnerships_table.c.source_id, partnerships_table.c.target_id),
    partnerships_table.c.kind,
)
_partnership_index = sa.Index("uq_partnership_pair", *_partnership_key, unique=True)

feedback_table = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("asker_id", sa.String, nullable=False, index=True),
    sa.Column("candidate_id", sa.String, nullable=False),
    sa.Column("label", sa.String, nullable=False),
    sa.Column("reason", sa.String),
    sa.Column("user", sa.String, nullable=False, server_default=""),
    sa.Column("created_at", sa.String, nullable=False),
)

shortlists_table = sa.Table(
    "shortlists",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("owner", sa.String, nullable=False, server_default=""),
    sa.Column("created_at", sa.String, nullable=False),
    sa.UniqueConstraint("owner", "name"),
)

shortlist_entries_table = sa.Table(
    "shortlist_entries",
    metadata,
    sa.Column("shortlist_id", sa.Integer, sa.ForeignKey("shortlists.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("profile_id", sa.String, primary_key=True),
    sa.Column("stage", sa.String, nullable=False, server_default="new"),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("added_at", sa.String, nullable=False),
)

notes_table = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("profile_id", sa.String, nullable=False, index=True),
    sa.Column("author", sa.String, nullable=False, server_default=""),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", sa.String, nullable=False),
)

imports_table = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("imported", sa.Integer, nullable=False),
    sa.Column("rejected", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String, nullable=False),
)


def profile_set_checksum(ids: Sequence[str], content_hashes: Sequence[str]) -> str:
    """A hash of every profile's id and content hash, in id order: it changes with any added, edited or removed
    profile. Indexes record it in their manifest to detect that they no longer match the store."""
    digest = hashlib.sha256()
    for profile_id, content_hash in sorted(zip(ids, content_hashes, strict=True)):
        digest.update(f"{profile_id}\t{content_hash}\n".encode())
    return digest.hexdigest()[:16]


class StoreError(StateError):
    """The store cannot be used as asked (a newer schema, a missing profile, a bad label)."""


def _inserted_key(result: sa.CursorResult[Any]) -> int:
    """The primary key a single-row INSERT created (it always reports one)."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_OPEN_ATTEMPTS = 8
"""Tries to open a store that SQLite reports locked without waiting (see :meth:`Store._migrate`)."""


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # busy_timeout first: a second writer waits instead of failing at once, also while the first one switches a
    # new file to WAL (readers never block the writer).
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _none_if_missing(value: Any) -> Any:
    return None if value is None or (not isinstance(value, (tuple, list, str)) and pd.isna(value)) else value


def _pair_key(row: Mapping[str, Any]) -> tuple[str, str, str]:
    """What identifies a partnership, as the unique index does: the unordered pair and the kind."""
    return min(row["source_id"], row["target_id"]), max(row["source_id"], row["target_id"]), row["kind"]


def _merge_rows(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One partnership from several rows of the same pair and kind.

    The earliest known year wins, since ``year`` is when the two started working together; the row giving it (the
    first one on a tie) gives the direction, and every distinct note is kept, earliest first.
    """
    ordered = sorted(rows, key=lambda row: (row["year"] is None, row["year"] or 0))
    merged = dict(ordered[0])
    merged["note"] = "; ".join(dict.fromkeys(row["note"] for row in ordered if row["note"]))
    return merged


def _merge_duplicate_partnerships(conn: Connection) -> int:
    """Merges the rows that schema 1 kept apart (the same pair and kind in another direction or year) into one.

    Returns:
        How many rows were merged away.
    """
    t = partnerships_table
    shared = sa.select(*_partnership_key).group_by(*_partnership_key).having(sa.func.count() > 1)
    query = sa.select(t).where(sa.tuple_(*_partnership_key).in_(shared)).order_by(t.c.id)
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for found in conn.execute(query).mappings():
        row = dict(found)
        groups.setdefault(_pair_key(row), []).append(row)
    notes: list[dict[str, Any]] = []
    gone: list[dict[str, Any]] = []
    for rows in groups.values():
        kept = _merge_rows(rows)
        # The kept row is the earliest dated one, so only its note changes.
        notes.append({"kept": kept["id"], "merged_note": kept["note"]})
        gone.extend({"gone": row["id"]} for row in rows if row["id"] != kept["id"])
    if gone:
        # executemany: a store can hold more duplicates than SQLite takes bound parameters in one IN list.
        conn.execute(t.update().where(t.c.id == sa.bindparam("kept")).values(note=sa.bindparam("merged_note")), notes)
        conn.execute(t.delete().where(t.c.id == sa.bindparam("gone")), gone)
    return len(gone)


def _stored_differences(
    conn: Connection, records: Sequence[Mapping[str, Any]]
) -> dict[int, tuple[int, str, int | None]]:
    """The stored partnerships that ``records`` change beyond the note: reverse, or give another year.

    Returns:
        The stored ``(id, source_id, year)`` by position in ``records``, for those rows only.
    """
    t = partnerships_table
    if conn.execute(sa.select(t.c.id).limit(1)).first() is None:
        return {}  # a first import: nothing to compare, and the query below would still read every row given
    # One JSON parameter carries every row however many there are (SQLite caps the number of bound parameters).
    given = json.dumps([[*_pair_key(record), record["source_id"], record["year"]] for record in records])
    wanted = sa.func.json_each(given).table_valued("key", "value")
    low, high, kind, source_id, year = (sa.func.json_extract(wanted.c.value, f"$[{i}]") for i in range(5))
    query = (
        sa.select(wanted.c.key, t.c.id, t.c.source_id, t.c.year)
        .select_from(wanted)
        .join(t, (_partnership_key[0] == low) & (_partnership_key[1] == high) & (t.c.kind == kind))
        .where((t.c.source_id != source_id) | (year.is_not(None) & t.c.year.is_distinct_from(year)))
    )
    return {int(index): (row_id, source, stored_year) for index, row_id, source, stored_year in conn.execute(query)}


def _log_year_changes(records: Sequence[Mapping[str, Any]], stored: Mapping[int, tuple[int, str, int | None]]) -> None:
    """Says which stored years an import filled in, and which it changed (see :func:`_stored_differences`)."""
    filled = 0
    changed = []
    for index, (_, _, was) in stored.items():
        record = records[index]
        if record["year"] is None or record["year"] == was:  # only the direction differs
            continue
        if was is None:
            filled += 1
        else:
            changed.append(f"{record['source_id']}–{record['target_id']} {record['kind']} {was} -> {record['year']}")
    if filled:
        logger.info("filled in the year of %d stored partnerships", filled)
    if changed:
        logger.warning(
            "changed the year of %d stored partnerships to the imported one (the latest import wins): %s%s",
            len(changed),
            ", ".join(changed[:5]),
            ", ..." if len(changed) > 5 else "",
        )


def _profile_record(row: Mapping[str, Any], source: str | None, now: str) -> dict[str, Any]:
    profile = Profile.from_mapping(row)
    record = profile.to_dict()
    record.update(content_hash=profile.content_hash(), source=source, updated_at=now)
    for name in LIST_COLUMNS:
        record[name] = json.dumps(list(record[name]), ensure_ascii=False)
    return record


class Store:
    """A matcher store in one SQLite file.

    Args:
        path: The database file; created, with its folder, if missing.

    Raises:
        StoreError: The file was written by a newer version of the matcher.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # Owner-only: the store holds hidden profile fields, notes and shortlists. SQLite gives its -wal and -shm
        # files the database file's mode, so creating the (empty) file first covers them too.
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        self._engine: Engine = sa.create_engine(f"sqlite:///{self.path}", connect_args={"timeout": 30})
        sa.event.listen(self._engine, "connect", _on_connect)
        self._migrate()

    def _migrate(self) -> None:
        # SQLite answers "database is locked" at once, without waiting, where waiting could deadlock (two openers of
        # a new file both switching it to WAL, or upgrading a read lock): such an opener steps back and tries again.
        for attempt in range(_OPEN_ATTEMPTS):
            try:
                self._migrate_once()
                return
            except sa.exc.OperationalError as error:
                if "locked" not in str(error) or attempt == _OPEN_ATTEMPTS - 1:
                    raise
                self._engine.dispose()
                time.sleep(random.uniform(0.05, 0.25) * (attempt + 1))

    def _migrate_once(self) -> None:
        with self._engine.connect() as conn:
            # BEGIN IMMEDIATE takes SQLite's write lock before the tables are looked for, so processes opening a
            # new store at once create the schema one after the other (each later one finds it there); the
            # driver would otherwise run the CREATE TABLEs outside any transaction, racing ("table meta already
            # exists").
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                self._create_schema(conn)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def _create_schema(self, conn: Connection) -> None:
        """Creates the missing tables, records or checks the schema version, and upgrades an older store."""
        metadata.create_all(conn, checkfirst=True)
        found = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version"))
        version = found.scalar_one_or_none()
        if version is None:
            conn.execute(meta_table.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
        elif int(version) > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer Innopolis Matcher (schema {version}, this one reads "
                f"{SCHEMA_VERSION}); upgrade innopolis-matcher to open it."
            )
        elif int(version) < SCHEMA_VERSION:
            self._upgrade(conn, version)

    def _upgrade(self, conn: Connection, version: str) -> None:
        """Brings a store of an older schema up to :data:`SCHEMA_VERSION`, in the caller's transaction."""
        # Claiming the new version first takes SQLite's write lock: another process opening the store meanwhile
        # waits here, then finds the version claimed and leaves the upgrade to this one.
        claimed = conn.execute(
            meta_table.update()
            .where((meta_table.c.key == "schema_version") & (meta_table.c.value == version))
            .values(value=str(SCHEMA_VERSION))
        ).rowcount
        if not claimed:
            return
        merged = _merge_duplicate_partnerships(conn)
        conn.execute(sa.text("DROP INDEX IF EXISTS uq_partnership"))
        _partnership_index.create(conn, checkfirst=True)
        logger.info("upgraded %s to schema %d: merged %d duplicate partnerships", self.path, SCHEMA_VERSION, merged)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on any error."""
        with self._engine.begin() as conn:
            yield conn

    def close(self) -> None:
        """Releases the database connections."""
        self._engine.dispose()

    # Profiles -----------------------------------------------------------------------------------------------

    def upsert_profiles(self, frame: pd.DataFrame, *, source: str | None = None, conn: Connection | None = None) -> int:
        """Inserts or replaces profiles by id, in one transaction; returns how many rows were written.

        Args:
            frame: Validated profiles with the columns of :data:`matcher.schema.PROFILE_COLUMNS` (missing
                optional columns are fine).
            source: Where the rows came from (a file name), kept for the data page.
            conn: An open transaction to join instead of starting one.
        """
        if frame.empty:
            return 0
        now = _now()
        columns = [c for c in PROFILE_COLUMNS if c in frame.columns]
        records = [_profile_record(row, source, now) for row in frame[columns].to_dict("records")]
        stmt = sqlite_insert(profiles_table)
        updates = {c.name: stmt.excluded[c.name] for c in profiles_table.columns if c.name != "id"}
        stmt = stmt.on_conflict_do_update(index_elements=[profiles_table.c.id], set_=updates)
        with self._joined(conn) as c:
            c.execute(stmt, records)
            self._bump_version(c)
        return len(records)

    def delete_profiles(self, ids: Collection[str]) -> int:
        """Deletes profiles and their partnerships; returns how many profiles were deleted."""
        ids = list(ids)
        with self.transaction() as conn:
            conn.execute(
                partnerships_table.delete().where(
                    partnerships_table.c.source_id.in_(ids) | partnerships_table.c.target_id.in_(ids)
                )
            )
            self._bump_version(conn)
            return conn.execute(profiles_table.delete().where(profiles_table.c.id.in_(ids))).rowcount

    def get_profile(self, profile_id: str) -> Profile | None:
        """Returns one profile, or ``None`` if the id is not in the store."""
        frame = self.profiles(ids=[profile_id])
        return Profile.from_mapping(frame.iloc[0].to_dict()) if len(frame) else None

    def profiles(
        self,
        *,
        ids: Sequence[str] | None = None,
        city: Collection[str] | None = None,
        country: Collection[str] | None = None,
        org_type: Collection[str] | None = None,
        sector: Collection[str] | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Returns profiles as a frame with :data:`PROFILE_COLUMNS` plus ``content_hash``, sorted by id.

        Filters combine with AND; each takes several values (OR within it). List columns hold tuples.
        """
        t = profiles_table
        query = sa.select(*(t.c[c] for c in PROFILE_COLUMNS), t.c.content_hash).order_by(t.c.id)
        if ids is not None:
            query = query.where(t.c.id.in_(list(ids)))
        if city:
            query = query.where(sa.func.lower(t.c.city).in_([c.lower() for c in city]))
        if country:
            query = query.where(t.c.country.in_([c.upper() for c in country]))
        if org_type:
            query = query.where(t.c.org_type.in_(list(org_type)))
        if sector:
            # Sectors are a JSON array: match any element, without string-building SQL.
            each = sa.func.json_each(t.c.sectors).table_valued("value")
            query = query.where(sa.exists(sa.select(each.c.value).where(each.c.value.in_(list(sector)))))
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=[*PROFILE_COLUMNS, "content_hash"])
        for name in LIST_COLUMNS:
            frame[name] = [tuple(json.loads(v)) for v in frame[name]]
        for name in ("employees", "founded"):
            frame[name] = frame[name].astype("Int64")
        return frame

    def profile_ids(self) -> set[str]:
        """All profile ids in the store."""
        with self._engine.connect() as conn:
            return set(conn.execute(sa.select(profiles_table.c.id)).scalars())

    def checksum(self) -> str:
        """The :func:`profile_set_checksum` of the stored profiles."""
        hashes = self.content_hashes()
        return profile_set_checksum(list(hashes), list(hashes.values()))

    def content_hashes(self) -> dict[str, str]:
        """Maps each profile id to the hash of its content."""
        query = sa.select(profiles_table.c.id, profiles_table.c.content_hash)
        with self._engine.connect() as conn:
            return dict(conn.execute(query).all())

    def version(self) -> int:
        """A counter bumped by every write to profiles or partnerships: cheap to poll for cache invalidation."""
        query = sa.select(meta_table.c.value).where(meta_table.c.key == "data_version")
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one_or_none() or 0)

    def _bump_version(self, conn: Connection) -> None:
        stmt = sqlite_insert(meta_table).values(key="data_version", value="1")
        bumped = sa.cast(sa.cast(meta_table.c.value, sa.Integer) + 1, sa.String)
        conn.execute(stmt.on_conflict_do_update(index_elements=[meta_table.c.key], set_={"value": bumped}))

    # Partnerships -------------------------------------------------------------------------------------------

    def add_partnerships(self, frame: pd.DataFrame, *, conn: Connection | None = None) -> int:
        """Adds partnerships, or updates stored ones: there is one partnership per unordered pair and kind.

        A row for a stored pair and kind, in either direction, updates it; the latest import wins, as profiles are
        updated by id. Its year fills in a missing one or replaces a different one (logged as a warning), while an
        empty year keeps the stored one; its note and direction replace the stored ones. Rows of ``frame`` for the
        same pair and kind become one partnership with the earliest year (``year`` is when the two started working
        together), its direction, and all their distinct notes.

        Returns:
            How many rows of ``frame`` were taken in: inserted, updating a stored partnership, or merged with
            another row of the same pair and kind.
        """
        if frame.empty:
            return 0
        groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for row in frame.to_dict("records"):
            record = {
                "source_id": str(row["source_id"]),
                "target_id": str(row["target_id"]),
                "kind": _none_if_missing(row.get("kind")) or "other",
                "year": None if _none_if_missing(row.get("year")) is None else int(row["year"]),
                "note": _none_if_missing(row.get("note")) or "",
            }
            groups.setdefault(_pair_key(record), []).append(record)
        # Merged here: within one statement, SQLite's upsert would let the last row win instead of the earliest year.
        records = [rows[0] if len(rows) == 1 else _merge_rows(rows) for rows in groups.values()]
        if len(records) < len(frame):
            logger.info("merged %d rows into others of the same pair and kind", len(frame) - len(records))
        t = partnerships_table
        stmt = sqlite_insert(t)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(_partnership_key),
            set_={
                # A row without a year says nothing about it: keep the stored year rather than erase it.
                "year": sa.func.coalesce(stmt.excluded.year, t.c.year),
                "note": stmt.excluded.note,
            },
        )
        with self._joined(conn) as c:
            stored = _stored_differences(c, records)  # before the upsert overwrites what the log reports
            c.execute(stmt, records)
            # Reversed pairs apart: setting the direction in the upsert would rewrite three indexes for every row.
            reversed_pairs = [
                {"kept": row_id, "new_source": records[index]["source_id"], "new_target": records[index]["target_id"]}
                for index, (row_id, source_id, _) in stored.items()
                if source_id != records[index]["source_id"]
            ]
            if reversed_pairs:
                update = t.update().where(t.c.id == sa.bindparam("kept"))
                update = update.values(source_id=sa.bindparam("new_source"), target_id=sa.bindparam("new_target"))
                c.execute(update, reversed_pairs)
            self._bump_version(c)
        _log_year_changes(records, stored)
        return len(frame)

    def partnerships(self, ids: Collection[str] | None = None) -> pd.DataFrame:
        """Returns partnerships (all, or those touching ``ids``) with :data:`PARTNERSHIP_COLUMNS`."""
        t = partnerships_table
        query = sa.select(*(t.c[c] for c in PARTNERSHIP_COLUMNS)).order_by(t.c.id)
        if ids is not None:
            ids = list(ids)
            query = query.where(t.c.source_id.in_(ids) | t.c.target_id.in_(ids))
        with self._engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=list(PARTNERSHIP_COLUMNS))
        frame["year"] = frame["year"].astype("Int64")
        return frame

    # Imports ------------------------------------------------------------------------------------------------

    def record_import(self, kind: str, source: str, imported: int, rejected: int, *, conn: Connection) -> None:
        """Logs one import in the same transaction as its rows."""
        conn.execute(
            imports_table.insert().values(
                kind=kind, source=source, imported=imported, rejected=rejected, created_at=_now()
            )
        )

    def imports(self) -> pd.DataFrame:
        """The import log, newest first."""
        query = sa.select(imports_table).order_by(imports_table.c.id.desc())
        with self._engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=list(imports_table.c.keys()))

    # Feedback, shortlists, notes ----------------------------------------------------------------------------

    def add_feedback(
        self, asker_id: str, candidate_id: str, label: str, *, reason: str | None = None, user: str = ""
    ) -> None:
        """Records what a user said of a suggested candidate (one of :data:`FEEDBACK_LABELS`)."""
        if label not in FEEDBACK_LABELS:
            raise StoreError(f"unknown feedback label {label!r}; use one of {', '.join(FEEDBACK_LABELS)}")
        with self.transaction() as conn:
            conn.execute(
                feedback_table.insert().values(
                    asker_id=asker_id,
                    candidate_id=candidate_id,
                    label=label,
                    reason=reason,
                    user=user,
                    created_at=_now(),
                )
            )

    def feedback(self, asker_id: str | None = None) -> pd.DataFrame:
        """Feedback rows (all, or one asker's), oldest first."""
        query = sa.select(feedback_table).order_by(feedback_table.c.id)
        if asker_id is not None:
            query = query.where(feedback_table.c.asker_id == asker_id)
        with self._engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=list(feedback_table.c.keys()))

    def create_shortlist(self, name: str, owner: str = "") -> int:
        """Creates a named shortlist and returns its id.

        Raises:
            StoreError: The name is empty or the owner already has a shortlist of that name.
        """
        if not name.strip():
            raise StoreError("a shortlist needs a name")
        with self.transaction() as conn:
            taken = conn.execute(
                sa.select(shortlists_table.c.id).where(
                    (shortlists_table.c.owner == owner) & (shortlists_table.c.name == name.strip())
                )
            ).first()
            if taken:
                raise StoreError(f"there is already a shortlist named {name.strip()!r}")
            try:
                result = conn.execute(
                    shortlists_table.insert().values(name=name.strip(), owner=owner, created_at=_now())
                )
            except sa.exc.IntegrityError as clash:  # another process created it between the check and the insert
                raise StoreError(f"there is already a shortlist named {name.strip()!r}") from clash
            return _inserted_key(result)

    def shortlists(self) -> pd.DataFrame:
        """Every shortlist with its number of entries, newest first."""
        t, e = shortlists_table, shortlist_entries_table
        query = (
            sa.select(t, sa.func.count(e.c.profile_id).label("entries"))
            .select_from(t.outerjoin(e, e.c.shortlist_id == t.c.id))
            .group_by(t.c.id)
            .order_by(t.c.id.desc())
        )
        with self._engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=[*t.c.keys(), "entries"])

    def delete_shortlist(self, shortlist_id: int) -> None:
        """Deletes a shortlist and its entries."""
        with self.transaction() as conn:
            conn.execute(shortlist_entries_table.delete().where(shortlist_entries_table.c.shortlist_id == shortlist_id))
            conn.execute(shortlists_table.delete().where(shortlists_table.c.id == shortlist_id))

    def set_shortlist_entry(
        self,
        shortlist_id: int,
        profile_id: str,
        *,
        stage: str | None = None,
        note: str | None = None,
        expected_note: str | None = None,
    ) -> None:
        """Adds an organisation to a shortlist, or changes its stage or note if it is there already.

        Args:
            shortlist_id: The shortlist.
            profile_id: The organisation.
            stage: The new stage, or None to keep it.
            note: The new note, or None to keep it.
            expected_note: The note the editor saw when they started editing (compare-and-set): the change is
                made only if the stored note is still that one, so that one officer never silently overwrites
                what another saved meanwhile. None changes the entry whatever its note.

        Raises:
            StoreError: The shortlist or stage does not exist, or (with ``expected_note``) the entry's note was
                changed or the entry removed since the editor opened it.
        """
        if stage is not None and stage not in SHORTLIST_STAGES:
            raise StoreError(f"unknown stage {stage!r}; use one of {', '.join(SHORTLIST_STAGES)}")
        with self.transaction() as conn:
            if (
                conn.execute(sa.select(shortlists_table.c.id).where(shortlists_table.c.id == shortlist_id)).first()
                is None
            ):
                raise StoreError(f"no shortlist with id {shortlist_id}")
            values = {"shortlist_id": shortlist_id, "profile_id": profile_id, "added_at": _now()}
            changes = {k: v for k, v in (("stage", stage), ("note", note)) if v is not None}
            if expected_note is not None and changes:
                # One UPDATE that compares and sets: no other writer can slip in between the check and the write.
                e = shortlist_entries_table
                same = (e.c.shortlist_id == shortlist_id) & (e.c.profile_id == profile_id) & (e.c.note == expected_note)
                if not conn.execute(e.update().where(same).values(**changes)).rowcount:
                    raise StoreError(
                        f"the note on {profile_id} was changed by someone else since you opened it: reload to see "
                        "the current note, then make your change again"
                    )
                return
            stmt = sqlite_insert(shortlist_entries_table).values(**values, **changes)
            index = [shortlist_entries_table.c.shortlist_id, shortlist_entries_table.c.profile_id]
            conn.execute(
                stmt.on_conflict_do_update(index_elements=index, set_=changes)
                if changes
                else stmt.on_conflict_do_nothing(index_elements=index)
            )

    def remove_shortlist_entry(self, shortlist_id: int, profile_id: str) -> None:
        """Takes an organisation off a shortlist."""
        e = shortlist_entries_table
        with self.transaction() as conn:
            conn.execute(e.delete().where((e.c.shortlist_id == shortlist_id) & (e.c.profile_id == profile_id)))

    def shortlist_entries(self, shortlist_id: int) -> pd.DataFrame:
        """A shortlist's entries with each organisation's name, type, city and country, in the order added."""
        e, p = shortlist_entries_table, profiles_table
        query = (
            sa.select(e.c.profile_id, p.c.name, p.c.org_type, p.c.city, p.c.country, e.c.stage, e.c.note, e.c.added_at)
            .select_from(e.outerjoin(p, p.c.id == e.c.profile_id))
            .where(e.c.shortlist_id == shortlist_id)
            .order_by(e.c.added_at, e.c.profile_id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return pd.DataFrame(
            rows, columns=["profile_id", "name", "org_type", "city", "country", "stage", "note", "added_at"]
        )

    def add_note(self, profile_id: str, text: str, *, author: str = "") -> int:
        """Adds a note about an organisation and returns its id."""
        if not text.strip():
            raise StoreError("the note is empty")
        with self.transaction() as conn:
            result = conn.execute(
                notes_table.insert().values(profile_id=profile_id, author=author, text=text, created_at=_now())
            )
            return _inserted_key(result)

    def notes(self, profile_id: str | None = None) -> pd.DataFrame:
        """Notes (all, or about one organisation), newest first."""
        query = sa.select(notes_table).order_by(notes_table.c.id.desc())
        if profile_id is not None:
            query = query.where(notes_table.c.profile_id == profile_id)
        with self._engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=list(notes_table.c.keys()))

    def delete_note(self, note_id: int) -> None:
        """Deletes one note."""
        with self.transaction() as conn:
            conn.execute(notes_table.delete().where(notes_table.c.id == note_id))

    def stats(self) -> dict[str, Any]:
        """Counts for dashboards and ``matcher stats``."""
        with self._engine.connect() as conn:

            def count(table: sa.Table) -> int:
                return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())

            by: dict[str, dict[str, int]] = {
                name: dict(
                    conn.execute(
                        sa.select(profiles_table.c[name], sa.func.count()).group_by(profiles_table.c[name])
                    ).all()
                )
                for name in ("country", "org_type", "city")
            }
            return {
                "profiles": count(profiles_table),
                "partnerships": count(partnerships_table),
                "feedback": count(feedback_table),
                "shortlists": count(shortlists_table),
                "notes": count(notes_table),
                "by_country": by["country"],
                "by_org_type": by["org_type"],
                "by_city": by["city"],
                "schema_version": SCHEMA_VERSION,
            }

    @contextmanager
    def _joined(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.transaction() as own:
                yield own
