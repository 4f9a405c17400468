"""The store: profiles, partnerships, feedback, shortlists, notes and the import log.

SQLAlchemy Core over one SQLite file in WAL mode (the default: readers such as the app never wait for a writer such
as an import), or over a PostgreSQL database through psycopg 3 when a team shares one. Both run the same statements
with the same results: every text column compares and sorts by code point (SQLite's BINARY, PostgreSQL's "C"
collation), list columns are JSON text, timestamps are ISO strings in UTC. Every statement is built by SQLAlchemy with
bound parameters. Each public write runs in one transaction: an import either lands whole or not at all. The schema
is migrated by Alembic (:mod:`matcher.migrations`) whenever a store is opened.

Example:
    >>> import tempfile
    >>> store = Store(Path(tempfile.mkdtemp()) / "matcher.sqlite")
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
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from . import migrations
from .errors import InputError, StateError
from .schema import (
    FEEDBACK_LABELS,
    LIST_COLUMNS,
    NUMBER_COLUMNS,
    PARTNERSHIP_COLUMNS,
    PROFILE_COLUMNS,
    SHORTLIST_PURPOSES,
    SHORTLIST_STAGES,
    STAGES_BY_PURPOSE,
    Profile,
)

__all__ = [
    "FEEDBACK_LABELS",
    "LEGACY_SCHEMA_VERSION",
    "SCHEMA_VERSION",
    "SHORTLIST_STAGES",
    "IdempotencyConflict",
    "IdempotentRequest",
    "ShortlistSuggestion",
    "Store",
    "StoreError",
    "StoreInputError",
    "profile_set_checksum",
]

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 3
"""What the ``meta`` table's ``schema_version`` says. Releases before Alembic kept the schema there by hand (up to
:data:`LEGACY_SCHEMA_VERSION`) and refuse anything newer; from 3 on, Alembic's ``alembic_version`` table holds the
schema revision, and this number stays 3 so that those releases refuse such a store rather than misread it."""
LEGACY_SCHEMA_VERSION = 2
"""The last hand-written schema version, which Alembic's first revision adopts as it is. 2: a partnership is keyed
by its unordered pair and kind (1 also keyed the direction and the year, so a re-import that added a year stored
the pair twice): a schema 1 store has its duplicates merged when opened."""



class _Text(sa.types.TypeDecorator[str]):
    """Text that behaves alike on both databases: the "C" collation on PostgreSQL (code point order, as SQLite's
    BINARY), and no NUL characters, which PostgreSQL cannot store (they are removed, as the file readers do)."""

    impl = sa.String
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        impl = self.impl_instance
        if dialect.name == "postgresql" and isinstance(impl, sa.String):
            return type(impl)(impl.length, collation="C")
        return impl

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return value.replace("\x00", "") if isinstance(value, str) else value


class _LongText(_Text):
    """:class:`_Text` stored as TEXT (descriptions, notes, JSON lists)."""

    impl = sa.Text
    cache_ok = True


class _Least(FunctionElement[str]):
    """The smaller of two values: SQLite's two-argument ``min``, PostgreSQL's ``LEAST``."""

    type = _Text()
    inherit_cache = True


class _Greatest(FunctionElement[str]):
    """The larger of two values: SQLite's two-argument ``max``, PostgreSQL's ``GREATEST``."""

    type = _Text()
    inherit_cache = True


@compiles(_Least)
def _least_sqlite(element: _Least, compiler: SQLCompiler, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(_Least, "postgresql")
def _least_postgresql(element: _Least, compiler: SQLCompiler, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(_Greatest)
def _greatest_sqlite(element: _Greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(_Greatest, "postgresql")
def _greatest_postgresql(element: _Greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


def _whole_number() -> sa.types.TypeEngine[int]:
    """A whole number of SQLite's range (64 bits): BIGINT on PostgreSQL, whose INTEGER stops at 2**31."""
    return sa.Integer().with_variant(sa.BigInteger(), "postgresql")


metadata = sa.MetaData()
"""The tables as this release uses them; :mod:`matcher.migrations` creates and changes them in the database."""

meta_table = sa.Table(
    "meta",
    metadata,
    sa.Column("key", _Text(), primary_key=True),
    sa.Column("value", _Text(), nullable=False),
)

profiles_table = sa.Table(
    "profiles",
    metadata,
    sa.Column("id", _Text(), primary_key=True),
    sa.Column("name", _Text(), nullable=False),
    sa.Column("org_type", _Text(), nullable=False, index=True),
    sa.Column("city", _Text(), nullable=False, index=True),
    sa.Column("country", _Text(2), nullable=False, index=True),
    *(sa.Column(name, _LongText(), nullable=False, server_default="[]") for name in LIST_COLUMNS),
    sa.Column("description", _LongText(), nullable=False, server_default=""),
    sa.Column("offers", _LongText(), nullable=False, server_default=""),
    sa.Column("seeks", _LongText(), nullable=False, server_default=""),
    sa.Column("website", _Text()),
    sa.Column("employees", _whole_number()),
    sa.Column("founded", _whole_number()),
    sa.Column("stage", _Text()),
    sa.Column("content_hash", _Text(16), nullable=False),
    sa.Column("source", _Text()),
    sa.Column("updated_at", _Text(), nullable=False),
)

partnerships_table = sa.Table(
    "partnerships",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_id", _Text(), nullable=False, index=True),
    sa.Column("target_id", _Text(), nullable=False, index=True),
    sa.Column("kind", _Text(), nullable=False),
    sa.Column("year", _whole_number()),
    sa.Column("note", _LongText(), nullable=False, server_default=""),
)
# One partnership per unordered pair and kind: B-A is A-B (as validation treats it), and the year is an attribute
# that a re-import fills in or corrects, not part of the identity. Must match _pair_key.
_partnership_key = (
    _Least(partnerships_table.c.source_id, partnerships_table.c.target_id),
    _Greatest(partnerships_table.c.source_id, partnerships_table.c.target_id),
    partnerships_table.c.kind,
)
sa.Index("uq_partnership_pair", *_partnership_key, unique=True)  # made by the migrations, listed for Alembic

feedback_table = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("asker_id", _Text(), nullable=False, index=True),
    sa.Column("candidate_id", _Text(), nullable=False),
    sa.Column("label", _Text(), nullable=False),
    sa.Column("reason", _Text()),
    sa.Column("user", _Text(), nullable=False, server_default=""),
    sa.Column("created_at", _Text(), nullable=False),
)

api_keys_table = sa.Table(  # revision 0002: the REST API's keys, only their SHA-256 kept
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("key_id", sa.String(12), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("org_id", sa.String),
    sa.Column("created_at", sa.String, nullable=False),
    sa.Column("revoked_at", sa.String),
    sa.UniqueConstraint("name", name="uq_api_keys_name"),
    sa.UniqueConstraint("key_id", name="uq_api_keys_key_id"),
)

feedback_restored_table = sa.Table(  # revision 0003: dismissals their authors took back (the rows stay, as said)
    "feedback_restored",
    metadata,
    sa.Column("feedback_id", sa.Integer, primary_key=True),
    sa.Column("restored_at", _Text(), nullable=False),
)

profile_changes_table = sa.Table(  # revision 0003: who changed which field of a profile, when, from what to what
    "profile_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("profile_id", _Text(), nullable=False, index=True),
    sa.Column("user", _Text(), nullable=False),
    sa.Column("field", _Text(), nullable=False),
    sa.Column("old", _LongText(), nullable=False),
    sa.Column("new", _LongText(), nullable=False),
    sa.Column("changed_at", _Text(), nullable=False),
)

meetings_table = sa.Table(  # revision 0003: meeting requests between two organisations (double opt-in)
    "meetings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("asker_id", _Text(), nullable=False, index=True),
    sa.Column("partner_id", _Text(), nullable=False, index=True),
    sa.Column("requested_by", _Text(), nullable=False, index=True),
    sa.Column("message", _LongText(), nullable=False),
    sa.Column("starts_at", _Text(), nullable=False),
    sa.Column("status", _Text(), nullable=False),
    sa.Column("created_at", _Text(), nullable=False),
    sa.Column("answered_by", _Text()),
    sa.Column("answered_at", _Text()),
)

shortlists_table = sa.Table(
    "shortlists",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", _Text(), nullable=False),
    sa.Column("owner", _Text(), nullable=False, server_default=""),
    sa.Column("created_at", _Text(), nullable=False),
    # revision 0005: "partners" (organisations to meet) or "investment" (leads, with INVESTMENT_STAGES)
    sa.Column("purpose", _Text(), nullable=False, server_default="partners"),
    sa.UniqueConstraint("owner", "name"),
)

shortlist_entries_table = sa.Table(
    "shortlist_entries",
    metadata,
    sa.Column("shortlist_id", sa.Integer, sa.ForeignKey("shortlists.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("profile_id", _Text(), primary_key=True),
    sa.Column("stage", _Text(), nullable=False, server_default="new"),
    sa.Column("note", _LongText(), nullable=False, server_default=""),
    sa.Column("added_at", _Text(), nullable=False),
    # Where the entry came from (revision 0003): the organisation it was suggested for, its score and reasons then.
    sa.Column("suggested_for", _Text()),
    sa.Column("score", sa.Float),
    sa.Column("reasons", _LongText(), nullable=False, server_default="[]"),
    sa.Column("owner", _Text()),  # revision 0005: the officer who follows the entry up
)

city_strategies_table = sa.Table(  # revision 0005: what each city wants to attract, as its officers wrote it
    "city_strategies",
    metadata,
    sa.Column("city", _Text(), primary_key=True),
    sa.Column("sectors", _LongText(), nullable=False, server_default="[]"),
    sa.Column("text", _LongText(), nullable=False, server_default=""),
    sa.Column("updated_by", _Text(), nullable=False, server_default=""),
    sa.Column("updated_at", _Text(), nullable=False),
)

notes_table = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("profile_id", _Text(), nullable=False, index=True),
    sa.Column("author", _Text(), nullable=False, server_default=""),
    sa.Column("text", _LongText(), nullable=False),
    sa.Column("created_at", _Text(), nullable=False),
)

imports_table = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", _Text(), nullable=False),
    sa.Column("source", _Text(), nullable=False),
    sa.Column("imported", _whole_number(), nullable=False),
    sa.Column("rejected", _whole_number(), nullable=False),
    sa.Column("created_at", _Text(), nullable=False),
)

saved_searches_table = sa.Table(  # revision 0006: a user's saved search (text) or recommendation (org_id)
    "saved_searches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("owner", _Text(), nullable=False),
    # The owner's role and organisation when it saved the search: its alerts are redacted for them.
    sa.Column("owner_role", _Text(), nullable=False),
    sa.Column("owner_org_id", _Text()),
    sa.Column("name", _Text(), nullable=False),
    sa.Column("kind", _Text(), nullable=False),
    sa.Column("text", _LongText(), nullable=False, server_default=""),
    sa.Column("org_id", _Text()),
    sa.Column("filters", _LongText(), nullable=False, server_default="{}"),
    sa.Column("created_at", _Text(), nullable=False),
    sa.UniqueConstraint("owner", "name", name="uq_saved_searches_owner_name"),
)

alerts_table = sa.Table(  # revision 0006: a profile that newly matched a saved search, once per search and profile
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "saved_search_id", sa.Integer, sa.ForeignKey("saved_searches.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("owner", _Text(), nullable=False, index=True),
    sa.Column("profile_id", _Text(), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("band", _Text(), nullable=False),
    sa.Column("reasons", _LongText(), nullable=False, server_default="[]"),
    sa.Column("created_at", _Text(), nullable=False),
    sa.Column("read_at", _Text()),
    sa.UniqueConstraint("saved_search_id", "profile_id", name="uq_alerts_search_profile"),
)

alert_channels_table = sa.Table(  # revision 0006: where a user's alerts go besides the inbox
    "alert_channels",
    metadata,
    sa.Column("owner", _Text(), primary_key=True),
    sa.Column("webhook_url", _LongText()),
    sa.Column("webhook_secret", _Text()),  # kept as it is: signing needs it (SECURITY.md)
    sa.Column("email", _Text()),
    sa.Column("updated_at", _Text(), nullable=False),
)

alert_deliveries_table = sa.Table(  # revision 0006: one per alert and channel; the retry state survives restarts
    "alert_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("channel", _Text(), nullable=False),
    sa.Column("target", _LongText(), nullable=False),
    sa.Column("status", _Text(), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", _Text(), nullable=False),
    sa.Column("last_error", _LongText()),
    sa.Column("delivered_at", _Text()),
    sa.UniqueConstraint("alert_id", "channel", name="uq_alert_deliveries_alert_channel"),
)

alert_checkpoint_table = sa.Table(  # revision 0006: each profile's content hash when alerts were last checked
    "alert_checkpoint",
    metadata,
    sa.Column("profile_id", _Text(), primary_key=True),
    sa.Column("content_hash", _Text(16), nullable=False),
)

idempotency_keys_table = sa.Table(  # revision 0007: the REST API's Idempotency-Key requests and their answers
    "idempotency_keys",
    metadata,
    sa.Column("owner", _Text(), primary_key=True),  # the API key's public id: idempotency keys are per API key
    sa.Column("idempotency_key", _Text(255), primary_key=True),
    sa.Column("fingerprint", _Text(64), nullable=False),  # SHA-256 of the request's method, path and body
    sa.Column("request_id", _Text(32), nullable=False),  # the request that holds the key
    sa.Column("status", sa.Integer),  # the answer's HTTP status; None until it is kept
    sa.Column("media_type", _Text()),
    sa.Column("body", sa.LargeBinary),
    sa.Column("created_at", _Text(), nullable=False, index=True),
)


def profile_set_checksum(ids: Sequence[str], content_hashes: Sequence[str]) -> str:
    """A hash of every profile's id and content hash, in id order: it changes with any added, edited or removed
    profile. Indexes record it in their manifest to detect that they no longer match the store."""
    digest = hashlib.sha256()
    for profile_id, content_hash in sorted(zip(ids, content_hashes, strict=True)):
        digest.update(f"{profile_id}\t{content_hash}\n".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class ShortlistSuggestion:
    """The suggestion a shortlist entry came from, kept so that exports can say why it is on the list.

    Example:
        >>> ShortlistSuggestion("dj-bio-001", 0.61, ("Both work on antibody-drug conjugates",)).for_id
        'dj-bio-001'

    Attributes:
        for_id: The organisation it was suggested for.
        score: Its score then.
        reasons: Its reasons then, strongest first.
    """

    for_id: str
    score: float
    reasons: tuple[str, ...] = ()


class StoreError(StateError):
    """The store cannot be used as asked (a newer schema, a missing profile, a bad label)."""


@dataclass(frozen=True)
class IdempotentRequest:
    """A REST API request sent with an ``Idempotency-Key``, while it runs (see :meth:`Store.idempotent`).

    Example:
        >>> IdempotentRequest("crm", "k-1", "0" * 64, "r1", "2026-01-01T00:00:00+00:00").owner
        'crm'

    Attributes:
        owner: The API key's public id: each API key has its own idempotency keys.
        key: The client's ``Idempotency-Key``.
        fingerprint: What identifies the request (method, path, body), a hex digest.
        request_id: This request's own random id: which request holds the key.
        not_before: Keys stored before this time (ISO, UTC) are expired: a new request may take them.
    """

    owner: str
    key: str
    fingerprint: str
    request_id: str
    not_before: str


class IdempotencyConflict(StoreError):
    """Another request holds the same idempotency key: this request's transaction is rolled back."""


_idempotent_request: ContextVar[IdempotentRequest | None] = ContextVar("matcher_idempotent_request", default=None)
"""The idempotent request the current context runs, if any: each of its transactions claims its key first."""


class StoreInputError(InputError, StoreError):
    """A value the user gave that the store's vocabulary does not have (a shortlist's purpose, or a stage its
    purpose lacks): an :class:`~matcher.errors.InputError` to the front ends (the REST API answers 422), and still
    a :class:`StoreError` for callers that catch those."""


def _inserted_key(result: sa.CursorResult[Any]) -> int:
    """The primary key a single-row INSERT created (it always reports one)."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_OPEN_ATTEMPTS = 8
"""Tries to open a store that SQLite reports locked without waiting (see :meth:`Store._migrate`)."""
_SCHEMA_LOCK = int.from_bytes(b"matcher", "big")
"""The PostgreSQL advisory lock that openers of one database take while they migrate it."""
_SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})
"""Connection parameters that a URL may carry in its query string and that are never shown."""
_URL_FORMS = "a file path, postgresql+psycopg://user:password@host:5432/database or sqlite:///path/to/matcher.sqlite"


def _database_url(path_or_url: Path | str) -> sa.URL:
    """The SQLAlchemy URL of a store given as a file path or a URL (see :class:`Store`).

    Raises:
        InputError: The URL cannot be read, or names another database or driver.
    """
    if isinstance(path_or_url, Path) or "://" not in path_or_url:
        return sa.URL.create("sqlite", database=str(Path(path_or_url)))
    try:
        url = sa.make_url(path_or_url)
    except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is not a number
        # Not echoed: the text may hold a password.
        raise InputError(f"the database URL cannot be read; give {_URL_FORMS}") from None
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        if not url.database or url.database == ":memory:":
            raise InputError("a SQLite store needs a file (an in-memory one is lost on exit): sqlite:///path/to/file")
        return sa.URL.create("sqlite", database=url.database)
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return url.set(drivername="postgresql+psycopg")
    raise InputError(
        f"the store runs on SQLite or PostgreSQL (through psycopg), not {url.drivername}: give {_URL_FORMS}"
    )


def _first_line(error: BaseException | None) -> str:
    """What a database error says, without the statement context PostgreSQL adds on the next lines."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _shown(url: sa.URL) -> str:
    """A URL fit to show and log: its password, also one given as a query parameter, is masked."""
    hidden = {key: "***" if key.lower() in _SECRET_QUERY_KEYS else value for key, value in url.query.items()}
    return url.set(query=hidden).render_as_string(hide_password=True)


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
    given = _json_rows(
        conn.dialect.name,
        [
            dict(zip(_GIVEN_COLUMNS, (i, *_pair_key(r), r["source_id"], r["year"]), strict=True))
            for i, r in enumerate(records)
        ],
    )
    query = (
        sa.select(given.c.pos, t.c.id, t.c.source_id, t.c.year)
        .select_from(given)
        .join(
            t, (_partnership_key[0] == given.c.low) & (_partnership_key[1] == given.c.high) & (t.c.kind == given.c.kind)
        )
        .where(
            (t.c.source_id != given.c.source_id) | (given.c.year.is_not(None) & t.c.year.is_distinct_from(given.c.year))
        )
    )
    return {int(index): (row_id, source, stored_year) for index, row_id, source, stored_year in conn.execute(query)}


_GIVEN_COLUMNS: dict[str, sa.types.TypeEngine[Any]] = {
    "pos": sa.Integer(),
    "low": _Text(),
    "high": _Text(),
    "kind": _Text(),
    "source_id": _Text(),
    "year": _whole_number(),
}
"""The columns of the rows that :func:`_stored_differences` compares with the stored partnerships."""


def _json_rows(dialect: str, rows: Sequence[Mapping[str, Any]]) -> sa.FromClause:
    """``rows`` (with the keys of :data:`_GIVEN_COLUMNS`) as a table in a query, sent as one JSON parameter.

    One parameter carries every row however many there are (SQLite caps the number of bound parameters). SQLite
    reads it with ``json_each``, PostgreSQL with ``jsonb_to_recordset``.
    """
    if dialect == "postgresql":
        columns = [sa.column(name, kind) for name, kind in _GIVEN_COLUMNS.items()]
        records = sa.func.jsonb_to_recordset(sa.bindparam("given", list(rows), type_=postgresql.JSONB))
        return records.table_valued(*columns).render_derived(name="given", with_types=True)
    each = sa.func.json_each(json.dumps(list(rows))).table_valued("value")
    return sa.select(
        *(
            sa.func.json_extract(each.c.value, f"$.{name}", type_=kind).label(name)
            for name, kind in _GIVEN_COLUMNS.items()
        )
    ).subquery("given")


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
    """A matcher store: one SQLite file, or a PostgreSQL database.

    Args:
        path_or_url: A file path (a :class:`~pathlib.Path` or a plain string: the SQLite file, created with its
            folder, owner-only, if missing), or a SQLAlchemy URL: ``postgresql+psycopg://user:password@host/db``
            (``postgresql://`` means the same) for a PostgreSQL database that exists, or ``sqlite:///path``.

    Raises:
        InputError: The URL cannot be read or names a database other than SQLite or PostgreSQL.
        StoreError: The database cannot be reached, or was written by a newer version of the matcher.

    Example:
        >>> Store("postgresql+psycopg://matcher:secret@db.example/matcher").where  # doctest: +SKIP
        'postgresql+psycopg://matcher:***@db.example/matcher'
    """

    def __init__(self, path_or_url: Path | str) -> None:
        self.url = _database_url(path_or_url)
        self.path = Path(self.url.database) if self.url.database and self.url.get_backend_name() == "sqlite" else None
        """The SQLite file; None for PostgreSQL."""
        self.where = str(self.path) if self.path else _shown(self.url)
        """Where the data is, fit to show and log: the file, or the URL without its password."""
        if self.path is not None:
            # Owner-only: the store holds hidden profile fields, notes and shortlists. SQLite gives its -wal and
            # -shm files the database file's mode, so creating the (empty) file first covers them too.
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            self._engine: Engine = sa.create_engine(self.url, connect_args={"timeout": 30})
            sa.event.listen(self._engine, "connect", _on_connect)
        else:
            # pre_ping: a server restarted since a pooled connection was opened costs a reconnect, not an error.
            try:
                self._engine = sa.create_engine(self.url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
            except ModuleNotFoundError:
                raise StoreError(
                    "a store on PostgreSQL needs the psycopg driver: pip install 'innopolis-matcher[postgres]'"
                ) from None
        self._insert = postgresql.insert if self.path is None else sqlite.insert
        self._migrate()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    def _migrate(self) -> None:
        # SQLite answers "database is locked" at once, without waiting, where waiting could deadlock (two openers of
        # a new file both switching it to WAL, or upgrading a read lock): such an opener steps back and tries again.
        for attempt in range(_OPEN_ATTEMPTS):
            try:
                self._migrate_once()
                return
            except sa.exc.DBAPIError as error:
                if self.path is None:  # the server's own words say which: down, no such database, no privilege
                    raise StoreError(
                        f"cannot open the store at {self.where}: {_first_line(error.orig)}. Check that the server "
                        "runs, that the database exists, that the role may create tables in it and that the URL "
                        "(MATCHER_DATABASE_URL) is right"
                    ) from None
                locked = isinstance(error, sa.exc.OperationalError) and "locked" in str(error)
                if not locked or attempt == _OPEN_ATTEMPTS - 1:
                    raise
                self._engine.dispose()
                time.sleep(random.uniform(0.05, 0.25) * (attempt + 1))

    def _migrate_once(self) -> None:
        with self._engine.connect() as conn:
            # Openers take the schema lock before looking at the tables, so processes opening a new store at once
            # migrate it one after the other (each later one finds it done). SQLite: BEGIN IMMEDIATE takes the
            # write lock (the driver would otherwise run the CREATE TABLEs outside any transaction, racing);
            # PostgreSQL: a transaction-scoped advisory lock, and DDL is transactional there.
            if self.path is not None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_SCHEMA_LOCK)))
            try:
                self._upgrade(conn)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def _upgrade(self, conn: Connection) -> None:
        """Brings the schema to this release's Alembic head, in the caller's transaction.

        A store written before Alembic (no ``alembic_version`` table, a ``schema_version`` in ``meta``) is adopted
        by the first revision, a schema 1 store after its duplicate partnerships are merged.

        Raises:
            StoreError: The store was written by a newer release (an unknown revision, or a newer hand-written
                schema version).
        """
        at = migrations.current(conn)
        if at == {migrations.stated_head()}:  # the usual case, decided without importing Alembic (0.2 s and more)
            return
        if at - migrations.revisions():
            raise StoreError(
                f"{self.where} was written by a newer Innopolis Matcher (schema revision {', '.join(sorted(at))}; "
                f"this one knows up to {migrations.head()}); upgrade innopolis-matcher to open it."
            )
        if at == {migrations.head()}:
            return
        legacy = None if at else self._legacy_version(conn)
        if legacy is not None and legacy > LEGACY_SCHEMA_VERSION:
            raise StoreError(
                f"{self.where} was written by a newer Innopolis Matcher (schema {legacy}, this one reads "
                f"{LEGACY_SCHEMA_VERSION} and Alembic revisions up to {migrations.head()}); upgrade innopolis-matcher "
                "to open it."
            )
        if legacy is not None and legacy < LEGACY_SCHEMA_VERSION:
            merged = _merge_duplicate_partnerships(conn)
            conn.execute(sa.text("DROP INDEX IF EXISTS uq_partnership"))  # schema 1's key; revision 0001 makes 2's
            logger.info("upgrading %s from schema %d: merged %d duplicate partnerships", self.where, legacy, merged)
        from alembic import command

        command.upgrade(migrations.alembic_config(conn), "head")
        was = ", ".join(sorted(at)) if at else "a new database" if legacy is None else f"schema {legacy}"
        logger.info("migrated %s from %s to schema revision %s", self.where, was, migrations.head())

    @staticmethod
    def _legacy_version(conn: Connection) -> int | None:
        """The hand-written schema version of a store written before Alembic; None for a new database."""
        if not sa.inspect(conn).has_table("meta"):
            return None
        found = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version"))
        version = found.scalar_one_or_none()
        return None if version is None else int(version)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on any error. Inside
        :meth:`idempotent`, the transaction first claims the request's idempotency key."""
        with self._engine.begin() as conn:
            self._claim_idempotency_key(conn)
            yield conn

    def close(self) -> None:
        """Releases the database connections."""
        self._engine.dispose()

    # Copying a whole store ---------------------------------------------------------------------------------

    def copy_into(self, target: Store, *, batch: int = 5_000) -> dict[str, int]:
        """Copies every row of this store into an empty ``target``: a pilot's SQLite file onto the team's
        PostgreSQL server, or the server's data into a file for a laptop.

        Both stores are at this release's schema (opening one migrates it). The rows are read from one snapshot of
        this store and written in one transaction of the target, so the copy lands whole or not at all; ids keep
        their values (feedback, shortlists and alerts point at them), and a PostgreSQL target's id sequences are
        moved past them, so rows added later get new ids. Files of the workspace folder (``users.toml``,
        ``config.toml``, ``glossary/``) and the vector indexes are not in a store: copy the files, and the indexes
        are built again on first use.

        Args:
            target: The store to fill; it must hold no rows (its ``meta`` entries aside).
            batch: Rows read and written at a time.

        Returns:
            Rows copied per table, in the order they were copied.

        Raises:
            StoreInputError: ``target`` is this store, or holds rows already (nothing is written then).

        Example:
            >>> server = Store("postgresql+psycopg://matcher@db.example/matcher")  # doctest: +SKIP
            >>> Store("pilot/matcher.sqlite").copy_into(server)                      # doctest: +SKIP
            {'profiles': 260, 'partnerships': 478, ...}
        """
        if target.url == self.url:
            raise StoreInputError(f"cannot copy the store at {self.where} into itself")
        tables = [table for table in metadata.sorted_tables if table is not meta_table]
        copied: dict[str, int] = {}
        with self._engine.connect() as source, target._engine.begin() as sink:
            if self.path is not None:
                source.exec_driver_sql("BEGIN")  # one snapshot of every table (SQLite reads in WAL mode see one)
            else:
                source.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ")
            held = [
                table.name for table in tables if sink.execute(sa.select(sa.literal(1)).select_from(table)).first()
            ]
            if held:
                raise StoreInputError(
                    f"the store at {target.where} holds data already (in {', '.join(held)}); copy into an empty "
                    "database or file, so that nothing in it is overwritten or mixed"
                )
            for row in source.execute(sa.select(meta_table)).mappings():
                upsert = target._insert(meta_table).values(**row)
                new_value = {"value": upsert.excluded.value}
                sink.execute(upsert.on_conflict_do_update(index_elements=[meta_table.c.key], set_=new_value))
            for table in tables:
                copied[table.name] = 0
                result = source.execution_options(yield_per=batch).execute(sa.select(table))
                for rows in result.mappings().partitions():
                    sink.execute(table.insert(), [dict(row) for row in rows])
                    copied[table.name] += len(rows)
                key = table.autoincrement_column
                if target.path is None and key is not None and copied[table.name]:
                    # Explicit ids leave a serial's sequence where it was: the next insert would reuse id 1.
                    highest = sink.execute(sa.select(sa.func.max(key))).scalar_one()
                    sink.execute(
                        sa.select(sa.func.setval(sa.func.pg_get_serial_sequence(table.name, key.name), highest))
                    )
            source.rollback()
        logger.info("copied %s rows from %s into %s", f"{sum(copied.values()):,}", self.where, target.where)
        return copied

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
        stmt = self._insert(profiles_table)
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
            each = (
                sa.func.jsonb_array_elements_text(sa.cast(t.c.sectors, postgresql.JSONB))
                if self.path is None
                else sa.func.json_each(t.c.sectors)
            ).table_valued("value")
            query = query.where(sa.exists(sa.select(each.c.value).where(each.c.value.in_(list(sector)))))
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=[*PROFILE_COLUMNS, "content_hash"])
        for name in LIST_COLUMNS:
            frame[name] = [tuple(json.loads(v)) for v in frame[name]]
        for name in NUMBER_COLUMNS:
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
        query = sa.select(profiles_table.c.id, profiles_table.c.content_hash).order_by(profiles_table.c.id)
        with self._engine.connect() as conn:
            return dict(conn.execute(query).all())

    def version(self) -> int:
        """A counter bumped by every write to profiles or partnerships: cheap to poll for cache invalidation."""
        query = sa.select(meta_table.c.value).where(meta_table.c.key == "data_version")
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one_or_none() or 0)

    def _bump_version(self, conn: Connection) -> None:
        stmt = self._insert(meta_table).values(key="data_version", value="1")
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
        stmt = self._insert(t)
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
        """Feedback rows (all, or one asker's), oldest first, with ``restored_at`` where its author took a dismissal
        back (:meth:`restore_feedback`)."""
        f, r = feedback_table, feedback_restored_table
        query = sa.select(f, r.c.restored_at).select_from(f.outerjoin(r, r.c.feedback_id == f.c.id)).order_by(f.c.id)
        if asker_id is not None:
            query = query.where(f.c.asker_id == asker_id)
        with self._engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=[*f.c.keys(), "restored_at"])

    def restore_feedback(self, asker_id: str, candidate_id: str, *, user: str) -> int:
        """Takes back ``user``'s dismissals of ``candidate_id`` for ``asker_id``: the rows stay, marked restored.

        Returns:
            How many rows were marked (0 when there was nothing to restore).
        """
        f, r = feedback_table, feedback_restored_table
        mine = (
            sa.select(f.c.id)
            .where(
                (f.c.asker_id == asker_id)
                & (f.c.candidate_id == candidate_id)
                & (f.c.user == user)
                & (f.c.label == "not_relevant")
            )
            .where(~sa.exists().where(r.c.feedback_id == f.c.id))
        )
        with self.transaction() as conn:
            ids = list(conn.execute(mine).scalars())
            if ids:
                conn.execute(r.insert(), [{"feedback_id": i, "restored_at": _now()} for i in ids])
            return len(ids)

    # API keys -----------------------------------------------------------------------------------------------

    def add_api_key(self, values: Mapping[str, Any]) -> None:
        """Stores a new API key (``name, key_id, key_hash, role, org_id, created_at``), taking the place of a revoked
        key of that name.

        Raises:
            StoreError: A working key has this name (or another process took the name meanwhile).
        """
        t = api_keys_table
        name = values["name"]
        with self.transaction() as conn:
            old = conn.execute(sa.select(t.c.revoked_at).where(t.c.name == name)).first()
            if old is not None and old.revoked_at is None:
                raise StoreError(
                    f"there is already a working API key named {name!r}: revoke it first "
                    f"(`matcher api-key revoke {name}`) or choose another name"
                )
            row = {**values, "revoked_at": None}
            try:
                if old is None:
                    conn.execute(t.insert().values(**row))
                else:
                    conn.execute(t.update().where(t.c.name == name).values(**row))
            except sa.exc.IntegrityError as clash:  # another process took the name between the check and the write
                raise StoreError(f"there is already an API key named {name!r}; choose another name") from clash

    def api_keys(self) -> list[dict[str, Any]]:
        """Every API key, working and revoked, by name."""
        t = api_keys_table
        with self._engine.connect() as conn:
            return [dict(row) for row in conn.execute(sa.select(t).order_by(t.c.name)).mappings()]

    def api_key(self, key_id: str) -> dict[str, Any] | None:
        """The API key with this public id, if any."""
        t = api_keys_table
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(t).where(t.c.key_id == key_id)).mappings().first()
        return None if row is None else dict(row)

    def revoke_api_key(self, name: str) -> dict[str, Any] | None:
        """Marks the key ``name`` revoked (if it is not already) and returns it; None when no key has the name."""
        t = api_keys_table
        with self.transaction() as conn:
            conn.execute(t.update().where((t.c.name == name) & t.c.revoked_at.is_(None)).values(revoked_at=_now()))
            row = conn.execute(sa.select(t).where(t.c.name == name)).mappings().first()
        return None if row is None else dict(row)

    # Profile edits and meetings -----------------------------------------------------------------------------

    def edit_profile(self, row: Mapping[str, Any], changes: Sequence[tuple[str, str, str]], *, user: str) -> None:
        """Replaces one stored profile with ``row`` (validated and canonical) and records its ``changes``
        (``field, old, new`` as text) under ``user``, in one transaction."""
        now = _now()
        with self.transaction() as conn:
            self.upsert_profiles(pd.DataFrame([dict(row)]), source=f"edit:{user}", conn=conn)
            conn.execute(
                profile_changes_table.insert(),
                [
                    {"profile_id": row["id"], "user": user, "field": name, "old": old, "new": new, "changed_at": now}
                    for name, old, new in changes
                ],
            )

    def profile_changes(self, profile_id: str | None = None) -> pd.DataFrame:
        """The change history of one profile, or of all (``id, profile_id, user, field, old, new, changed_at``),
        newest first."""
        t = profile_changes_table
        query = sa.select(t).order_by(t.c.id.desc())
        if profile_id is not None:
            query = query.where(t.c.profile_id == profile_id)
        with self._engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=list(t.c.keys()))

    def add_meeting(
        self, asker_id: str, partner_id: str, *, requested_by: str, message: str, starts_at: str, max_open: int
    ) -> int:
        """Records an open meeting request and returns its id, unless ``requested_by`` has ``max_open`` open
        requests already or one open between the two organisations exists (checked in the same transaction).

        Raises:
            StoreError: Too many open requests, or a request between the two is open already.
        """
        m = meetings_table
        with self.transaction() as conn:
            open_ = conn.execute(
                sa.select(sa.func.count()).where((m.c.requested_by == requested_by) & (m.c.status == "open"))
            ).scalar_one()
            if open_ >= max_open:
                raise StoreError(
                    f"{requested_by} has {open_} open meeting requests, the most allowed: wait for answers, or "
                    "withdraw one, before asking again"
                )
            pair = ((m.c.asker_id == asker_id) & (m.c.partner_id == partner_id)) | (
                (m.c.asker_id == partner_id) & (m.c.partner_id == asker_id)
            )
            if conn.execute(sa.select(m.c.id).where(pair & (m.c.status == "open"))).first() is not None:
                raise StoreError(f"a meeting request between {asker_id} and {partner_id} is open already")
            result = conn.execute(
                m.insert().values(
                    asker_id=asker_id,
                    partner_id=partner_id,
                    requested_by=requested_by,
                    message=message,
                    starts_at=starts_at,
                    status="open",
                    created_at=_now(),
                )
            )
            return _inserted_key(result)

    def meetings(self, profile_id: str | None = None) -> pd.DataFrame:
        """Meeting requests (all, or those one organisation asked for or was asked for), newest first."""
        m = meetings_table
        query = sa.select(m).order_by(m.c.id.desc())
        if profile_id is not None:
            query = query.where((m.c.asker_id == profile_id) | (m.c.partner_id == profile_id))
        with self._engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=list(m.c.keys()))

    def answer_meeting(self, meeting_id: int, status: str, *, user: str) -> None:
        """Sets an open request's status (``accepted``, ``declined`` or ``withdrawn``), answered by ``user``.

        Raises:
            StoreError: No open request has this id (it may have been answered meanwhile).
        """
        m = meetings_table
        with self.transaction() as conn:
            changed = conn.execute(
                m.update()
                .where((m.c.id == meeting_id) & (m.c.status == "open"))
                .values(status=status, answered_by=user, answered_at=_now())
            ).rowcount
        if not changed:
            raise StoreError(f"meeting request {meeting_id} is not open any more: reload to see its answer")

    def create_shortlist(self, name: str, owner: str = "", purpose: str = "partners") -> int:
        """Creates a named shortlist and returns its id.

        Args:
            name: Its name, unique per owner.
            owner: Who keeps it.
            purpose: ``partners`` (stages :data:`SHORTLIST_STAGES`) or ``investment`` (a city's pipeline of leads,
                stages :data:`~matcher.schema.INVESTMENT_STAGES`).

        Raises:
            StoreInputError: The name is empty or the purpose unknown.
            StoreError: The owner already has a shortlist of that name.
        """
        if not name.strip():
            raise StoreInputError("a shortlist needs a name")
        if purpose not in SHORTLIST_PURPOSES:
            raise StoreInputError(
                f"unknown shortlist purpose {purpose!r}; use one of {', '.join(SHORTLIST_PURPOSES)}"
            )
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
                    shortlists_table.insert().values(
                        name=name.strip(), owner=owner, created_at=_now(), purpose=purpose
                    )
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
        suggestion: ShortlistSuggestion | None = None,
        owner: str | None = None,
    ) -> None:
        """Adds an organisation to a shortlist, or changes its stage, note or owner if it is there already.

        Args:
            shortlist_id: The shortlist.
            profile_id: The organisation.
            stage: The new stage, or None to keep it.
            note: The new note, or None to keep it.
            expected_note: The note the editor saw when they started editing (compare-and-set): the change is
                made only if the stored note is still that one, so that one officer never silently overwrites
                what another saved meanwhile. None changes the entry whatever its note.
            suggestion: The suggestion it was shortlisted from (for whom, score, reasons), kept for the exports;
                None keeps what the entry has.
            owner: The officer who follows the entry up, or None to keep it.

        Raises:
            StoreInputError: A stage the list's purpose does not have (:data:`~matcher.schema.STAGES_BY_PURPOSE`);
                the message names the ones it has.
            StoreError: The shortlist does not exist, or (with ``expected_note``) the entry's note was changed or
                the entry removed since the editor opened it.
        """
        with self.transaction() as conn:
            purpose = conn.execute(
                sa.select(shortlists_table.c.purpose).where(shortlists_table.c.id == shortlist_id)
            ).scalar()
            if purpose is None:
                raise StoreError(f"no shortlist with id {shortlist_id}")
            stages = STAGES_BY_PURPOSE.get(purpose, SHORTLIST_STAGES)
            if stage is not None and stage not in stages:
                raise StoreInputError(
                    f"unknown stage {stage!r} for shortlist {shortlist_id} (purpose {purpose}); use one of "
                    + ", ".join(stages)
                )
            # A new entry starts at its list's first stage ("new", or "identified" for an investment lead).
            values = {"shortlist_id": shortlist_id, "profile_id": profile_id, "added_at": _now(), "stage": stages[0]}
            changes: dict[str, Any] = {
                k: v for k, v in (("stage", stage), ("note", note), ("owner", owner)) if v is not None
            }
            if suggestion is not None:
                changes |= {
                    "suggested_for": suggestion.for_id,
                    "score": float(suggestion.score),
                    "reasons": json.dumps(list(suggestion.reasons), ensure_ascii=False),
                }
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
            stmt = self._insert(shortlist_entries_table).values(**(values | changes))
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
        """A shortlist's entries with each organisation's name, type, city and country, in the order added, the
        suggestion each came from (``suggested_for``, ``score``: None, ``reasons``: a tuple, empty, when it
        was added by hand) and the entry's ``owner`` (None when nobody follows it up)."""
        e, p = shortlist_entries_table, profiles_table
        columns = [
            e.c.profile_id, p.c.name, p.c.org_type, p.c.city, p.c.country, e.c.stage, e.c.note, e.c.added_at,
            e.c.suggested_for, e.c.score, e.c.reasons, e.c.owner,
        ]
        query = (
            sa.select(*columns)
            .select_from(e.outerjoin(p, p.c.id == e.c.profile_id))
            .where(e.c.shortlist_id == shortlist_id)
            .order_by(e.c.added_at, e.c.profile_id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        frame = pd.DataFrame(rows, columns=[column.name for column in columns])
        frame["reasons"] = [tuple(json.loads(text)) for text in frame["reasons"]]
        return frame

    def city_strategy(self, city: str) -> dict[str, Any] | None:
        """A city's stored strategy (``city, sectors`` (a tuple), ``text, updated_by, updated_at``), None if none."""
        t = city_strategies_table
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(t).where(t.c.city == city)).mappings().first()
        return None if row is None else {**row, "sectors": tuple(json.loads(row["sectors"]))}

    def city_strategies(self) -> pd.DataFrame:
        """Every stored city strategy, by city (``sectors`` as tuples)."""
        t = city_strategies_table
        with self._engine.connect() as conn:
            frame = pd.DataFrame(
                conn.execute(sa.select(t).order_by(t.c.city)).mappings().all(), columns=list(t.c.keys())
            )
        frame["sectors"] = [tuple(json.loads(text)) for text in frame["sectors"]]
        return frame

    def set_city_strategy(self, city: str, *, sectors: Sequence[str], text: str, updated_by: str) -> dict[str, Any]:
        """Stores (or replaces) a city's strategy, stamped with who and when; returns it as
        :meth:`city_strategy` reads it. The service validates the values (:mod:`matcher.service.attraction`)."""
        t = city_strategies_table
        values = {
            "sectors": json.dumps(list(sectors), ensure_ascii=False),
            "text": text,
            "updated_by": updated_by,
            "updated_at": _now(),
        }
        with self.transaction() as conn:
            stmt = self._insert(t).values(city=city, **values)
            conn.execute(stmt.on_conflict_do_update(index_elements=[t.c.city], set_=values))
        return {"city": city, **values, "sectors": tuple(sectors)}

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

    # Saved searches and alerts (revision 0006) ---------------------------------------------------------------

    def add_saved_search(self, values: Mapping[str, Any], *, max_per_owner: int) -> int:
        """Stores a saved search (the columns of ``saved_searches`` but ``id`` and ``created_at``) and returns its
        id, unless its owner has ``max_per_owner`` already or one of that name (checked in the same transaction).

        Raises:
            StoreError: Too many saved searches, or the owner has one of that name.
        """
        t = saved_searches_table
        owner, name = values["owner"], values["name"]
        taken = StoreError(f"there is already a saved search named {name!r}: choose another name")
        with self.transaction() as conn:
            count = conn.execute(sa.select(sa.func.count()).where(t.c.owner == owner)).scalar_one()
            if count >= max_per_owner:
                raise StoreError(
                    f"{owner} has {count} saved searches, the most allowed: remove one before saving another"
                )
            if conn.execute(sa.select(t.c.id).where((t.c.owner == owner) & (t.c.name == name))).first():
                raise taken
            try:
                return _inserted_key(conn.execute(t.insert().values(**values, created_at=_now())))
            except sa.exc.IntegrityError as clash:  # another process saved the name between the check and the insert
                raise taken from clash

    def saved_searches(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Saved searches (all, or one owner's), oldest first."""
        t = saved_searches_table
        query = sa.select(t).order_by(t.c.id)
        if owner is not None:
            query = query.where(t.c.owner == owner)
        with self._engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def delete_saved_search(self, saved_id: int, owner: str) -> bool:
        """Deletes ``owner``'s saved search with its alerts and their deliveries; whether there was one."""
        t, a, d = saved_searches_table, alerts_table, alert_deliveries_table
        with self.transaction() as conn:
            alert_ids = sa.select(a.c.id).where(a.c.saved_search_id == saved_id)
            mine = (t.c.id == saved_id) & (t.c.owner == owner)
            if conn.execute(sa.select(t.c.id).where(mine)).first() is None:
                return False
            conn.execute(d.delete().where(d.c.alert_id.in_(alert_ids)))
            conn.execute(a.delete().where(a.c.saved_search_id == saved_id))
            conn.execute(t.delete().where(mine))
            return True

    def changed_since_alert_check(self) -> list[dict[str, Any]]:
        """The profiles (``id, content_hash, updated_at``) whose content differs from the alert checkpoint: new, or
        changed since the last check (:meth:`advance_alert_checkpoint`)."""
        p, c = profiles_table, alert_checkpoint_table
        query = (
            sa.select(p.c.id, p.c.content_hash, p.c.updated_at)
            .select_from(p.outerjoin(c, c.c.profile_id == p.c.id))
            .where(c.c.content_hash.is_(None) | (c.c.content_hash != p.c.content_hash))
            .order_by(p.c.id)
        )
        with self._engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def advance_alert_checkpoint(self, hashes: Mapping[str, str]) -> None:
        """Records ``hashes`` (profile id to the content hash that was checked) and forgets deleted profiles."""
        c = alert_checkpoint_table
        stmt = self._insert(c)
        stmt = stmt.on_conflict_do_update(
            index_elements=[c.c.profile_id], set_={"content_hash": stmt.excluded.content_hash}
        )
        with self.transaction() as conn:
            if hashes:
                conn.execute(stmt, [{"profile_id": pid, "content_hash": value} for pid, value in hashes.items()])
            conn.execute(c.delete().where(c.c.profile_id.not_in(sa.select(profiles_table.c.id))))

    def add_alerts(self, rows: Sequence[Mapping[str, Any]], *, email: bool) -> list[int]:
        """Stores alerts (``saved_search_id, owner, profile_id, score, band, reasons``: reasons a sequence) that are
        not there yet, each with a pending delivery per channel its owner has (``email``: e-mail too), in one
        transaction. An alert already stored for the same saved search and profile is left as it is (insert or
        ignore), so processes checking at once never store one twice; so is one whose saved search is gone.

        Returns:
            The ids of the alerts stored now.
        """
        a, t, ch, d = alerts_table, saved_searches_table, alert_channels_table, alert_deliveries_table
        now = _now()
        added: list[int] = []
        with self.transaction() as conn:
            for row in rows:
                if conn.execute(sa.select(t.c.id).where(t.c.id == row["saved_search_id"])).first() is None:
                    continue
                values = {**row, "reasons": json.dumps(list(row["reasons"]), ensure_ascii=False), "created_at": now}
                stmt = self._insert(a).values(**values).on_conflict_do_nothing(
                    index_elements=[a.c.saved_search_id, a.c.profile_id]
                )
                found = conn.execute(stmt.returning(a.c.id)).first()
                if found is None:
                    continue
                added.append(int(found[0]))
                found_channel = conn.execute(sa.select(ch).where(ch.c.owner == row["owner"])).mappings().first()
                channel = dict(found_channel or {})
                targets = {"webhook": channel.get("webhook_url"), "email": channel.get("email") if email else None}
                deliveries = [
                    {"alert_id": found[0], "channel": kind, "target": target, "status": "pending",
                     "next_attempt_at": now}
                    for kind, target in targets.items()
                    if target
                ]  # fmt: skip
                if deliveries:
                    conn.execute(d.insert(), deliveries)
        return added

    def _alert_query(self) -> sa.Select[Any]:
        a, t, p = alerts_table, saved_searches_table, profiles_table
        return (
            sa.select(
                a, t.c.name.label("saved_search"), t.c.kind, p.c.name.label("profile_name"), p.c.city, p.c.country
            )
            .select_from(a.join(t, t.c.id == a.c.saved_search_id).outerjoin(p, p.c.id == a.c.profile_id))
            .order_by(a.c.id.desc())
        )

    @staticmethod
    def _alert_row(row: sa.RowMapping) -> dict[str, Any]:
        return {**row, "reasons": tuple(json.loads(row["reasons"]))}

    def alerts(self, owner: str, *, unread_only: bool = False, limit: int = 200) -> list[dict[str, Any]]:
        """``owner``'s alerts, newest first, with the saved search's name and kind and the profile's name, city and
        country (None once the profile was deleted); reasons as a tuple."""
        a = alerts_table
        query = self._alert_query().where(a.c.owner == owner).limit(limit)
        if unread_only:
            query = query.where(a.c.read_at.is_(None))
        with self._engine.connect() as conn:
            return [self._alert_row(row) for row in conn.execute(query).mappings()]

    def alert(self, alert_id: int) -> dict[str, Any] | None:
        """One alert as :meth:`alerts` lists it, if it exists."""
        with self._engine.connect() as conn:
            row = conn.execute(self._alert_query().where(alerts_table.c.id == alert_id)).mappings().first()
        return None if row is None else self._alert_row(row)

    def unread_alerts(self, owner: str) -> int:
        """How many of ``owner``'s alerts are unread."""
        a = alerts_table
        with self._engine.connect() as conn:
            query = sa.select(sa.func.count()).where((a.c.owner == owner) & a.c.read_at.is_(None))
            return int(conn.execute(query).scalar_one())

    def mark_alerts_read(self, owner: str, ids: Collection[int] | None = None) -> int:
        """Marks ``owner``'s unread alerts read (those of ``ids``, or all); returns how many were marked."""
        a = alerts_table
        unread = (a.c.owner == owner) & a.c.read_at.is_(None)
        chosen = unread if ids is None else unread & a.c.id.in_(list(ids))
        with self.transaction() as conn:
            return int(conn.execute(a.update().where(chosen).values(read_at=_now())).rowcount)

    def set_alert_channel(self, owner: str, values: Mapping[str, str | None]) -> None:
        """Sets some of ``owner``'s channels (``webhook_url``, ``webhook_secret``, ``email``; None clears one)."""
        ch = alert_channels_table
        stmt = self._insert(ch).values(owner=owner, updated_at=_now(), **values)
        changes = {name: stmt.excluded[name] for name in [*values, "updated_at"]}
        with self.transaction() as conn:
            conn.execute(stmt.on_conflict_do_update(index_elements=[ch.c.owner], set_=changes))

    def alert_channel(self, owner: str) -> dict[str, Any] | None:
        """``owner``'s channels (``webhook_url, webhook_secret, email, updated_at``), if any were set."""
        ch = alert_channels_table
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(ch).where(ch.c.owner == owner)).mappings().first()
        return None if row is None else dict(row)

    def alert_channels(self) -> list[dict[str, Any]]:
        """Every owner's channels (as :meth:`alert_channel`'s, with ``owner``), by owner."""
        ch = alert_channels_table
        with self._engine.connect() as conn:
            return [dict(row) for row in conn.execute(sa.select(ch).order_by(ch.c.owner)).mappings()]

    def due_deliveries(self, now: str, limit: int) -> list[dict[str, Any]]:
        """Pending deliveries whose next attempt is due at ``now`` (ISO, UTC), earliest first, with their alert's
        owner."""
        d, a = alert_deliveries_table, alerts_table
        query = (
            sa.select(d, a.c.owner)
            .select_from(d.join(a, a.c.id == d.c.alert_id))
            .where((d.c.status == "pending") & (d.c.next_attempt_at <= now))
            .order_by(d.c.next_attempt_at, d.c.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def claim_delivery(self, delivery_id: int, seen_next: str, until: str) -> bool:
        """Takes a due delivery for one attempt (compare and set: its next attempt is still ``seen_next``), moving
        its next attempt to ``until`` in case this process dies meanwhile; False when another process took it."""
        d = alert_deliveries_table
        same = (d.c.id == delivery_id) & (d.c.status == "pending") & (d.c.next_attempt_at == seen_next)
        with self.transaction() as conn:
            return bool(conn.execute(d.update().where(same).values(next_attempt_at=until)).rowcount)

    def finish_delivery(
        self, delivery_id: int, *, status: str, attempts: int, next_attempt_at: str, error: str | None
    ) -> None:
        """Records an attempt's outcome: ``delivered``, ``pending`` (retried at ``next_attempt_at``) or ``failed``
        (given up)."""
        d = alert_deliveries_table
        values = {"status": status, "attempts": attempts, "next_attempt_at": next_attempt_at, "last_error": error}
        if status == "delivered":
            values["delivered_at"] = _now()
        with self.transaction() as conn:
            conn.execute(d.update().where(d.c.id == delivery_id).values(**values))

    def alert_deliveries(self, owner: str, *, limit: int = 200) -> list[dict[str, Any]]:
        """``owner``'s deliveries, newest first (``id, alert_id, channel, target, status, attempts,
        next_attempt_at, last_error, delivered_at, profile_id``)."""
        d, a = alert_deliveries_table, alerts_table
        query = (
            sa.select(d, a.c.profile_id)
            .select_from(d.join(a, a.c.id == d.c.alert_id))
            .where(a.c.owner == owner)
            .order_by(d.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    # Idempotency keys (revision 0007) -------------------------------------------------------------------------

    @contextmanager
    def idempotent(self, request: IdempotentRequest) -> Iterator[None]:
        """Runs the block as ``request``: every transaction started in it (in this context, or in a thread that
        runs a copy of it, as the REST API's route functions do) first claims ``request``'s key, in that same
        transaction. A stored key thus means that a write of the request committed; another request holding the
        key makes the transaction roll back with :class:`IdempotencyConflict` (on PostgreSQL after waiting for
        that request's transaction to end; SQLite runs one writer at a time).

        Example:
            >>> import tempfile
            >>> store = Store(Path(tempfile.mkdtemp()) / "matcher.sqlite")
            >>> request = IdempotentRequest("crm", "k-1", "0" * 64, "r1", "2026-01-01T00:00:00+00:00")
            >>> with store.idempotent(request):
            ...     note_id = store.add_note("a", "Met in May")
            >>> store.idempotency_key("crm", "k-1", not_before="2026-01-01")["request_id"]
            'r1'
        """
        token = _idempotent_request.set(request)
        try:
            yield
        finally:
            _idempotent_request.reset(token)

    def _claim_idempotency_key(self, conn: Connection) -> None:
        """Claims the key of the idempotent request running (if any) in ``conn``'s transaction: stores it, or
        takes it over where it expired or this request stored it already.

        Raises:
            IdempotencyConflict: Another request holds the key.
        """
        request = _idempotent_request.get()
        if request is None:
            return
        t = idempotency_keys_table
        values = {
            "fingerprint": request.fingerprint,
            "request_id": request.request_id,
            "status": None,
            "media_type": None,
            "body": None,
            "created_at": _now(),
        }
        stmt = self._insert(t).values(owner=request.owner, idempotency_key=request.key, **values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.c.owner, t.c.idempotency_key],
            set_={name: stmt.excluded[name] for name in values},
            where=(t.c.created_at < request.not_before) | (t.c.request_id == request.request_id),
        )
        if conn.execute(stmt.returning(t.c.request_id)).first() is None:
            raise IdempotencyConflict(
                f"another request with the Idempotency-Key {request.key!r} is running or was carried out"
            )

    def idempotency_key(self, owner: str, key: str, *, not_before: str) -> dict[str, Any] | None:
        """What ``owner`` stored with ``key`` at or after ``not_before`` (ISO, UTC): ``fingerprint, request_id,
        status, media_type, body, created_at`` (``status`` None while no answer is kept), if anything."""
        t = idempotency_keys_table
        query = sa.select(t).where(
            (t.c.owner == owner) & (t.c.idempotency_key == key) & (t.c.created_at >= not_before)
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    @staticmethod
    def _held_by(request: IdempotentRequest) -> sa.ColumnElement[bool]:
        t = idempotency_keys_table
        return (
            (t.c.owner == request.owner)
            & (t.c.idempotency_key == request.key)
            & (t.c.request_id == request.request_id)
        )

    def keep_idempotent_answer(
        self, request: IdempotentRequest, *, status: int, media_type: str | None, body: bytes
    ) -> None:
        """Keeps the answer to ``request`` with its key (claimed now if none of its transactions did).

        Raises:
            IdempotencyConflict: Another request holds the key (one that wrote nothing and ran at the same time).
        """
        t = idempotency_keys_table
        with self.idempotent(request), self.transaction() as conn:
            conn.execute(
                t.update().where(self._held_by(request)).values(status=status, media_type=media_type, body=body)
            )

    def release_idempotency_key(self, request: IdempotentRequest) -> None:
        """Forgets ``request``'s key, if it holds it: a request that was refused may be sent again with it."""
        with self.transaction() as conn:
            conn.execute(idempotency_keys_table.delete().where(self._held_by(request)))

    def prune_idempotency_keys(self, before: str) -> int:
        """Deletes the keys stored before ``before`` (ISO, UTC); returns how many."""
        t = idempotency_keys_table
        with self.transaction() as conn:
            return int(conn.execute(t.delete().where(t.c.created_at < before)).rowcount)

    def stats(self) -> dict[str, Any]:
        """Counts for dashboards and ``matcher stats``."""
        with self._engine.connect() as conn:

            def count(table: sa.Table) -> int:
                return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())

            by: dict[str, dict[str, int]] = {
                name: dict(
                    conn.execute(
                        sa.select(profiles_table.c[name], sa.func.count())
                        .group_by(profiles_table.c[name])
                        .order_by(profiles_table.c[name])
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
                "saved_searches": count(saved_searches_table),
                "alerts": count(alerts_table),
                "by_country": by["country"],
                "by_org_type": by["org_type"],
                "by_city": by["city"],
                "schema_version": SCHEMA_VERSION,
                "schema_revision": migrations.head(),
            }

    @contextmanager
    def _joined(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
        else:
            with self.transaction() as own:
                yield own
