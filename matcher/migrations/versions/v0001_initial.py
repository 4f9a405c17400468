"""The schema of the last release before Alembic (its hand-written schema version 2).

Every table and index is created only where it is missing, so that a store written by that release, which has
them all, is adopted as it is, and one written by an older release gets the tables it lacks. The meta table's
``schema_version`` becomes 3: releases before Alembic read it, and refuse the store rather than misread the tables
of a later revision.

On PostgreSQL every text column has the "C" collation (ordering, comparisons and ``lower()`` then work on code
points as SQLite's do, whatever the database's locale), and every whole number that is not a key is a BIGINT (the
64 bits of SQLite's INTEGER).

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

SCHEMA_VERSION = "3"
"""What the meta table says from this revision on (see the module's docstring)."""


def _string(length: int | None = None) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _text() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _whole_number() -> sa.types.TypeEngine[int]:
    return sa.Integer().with_variant(sa.BigInteger(), "postgresql")  # SQLite's INTEGER has 64 bits


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", _string(), primary_key=True),
        sa.Column("value", _string(), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "profiles",
        sa.Column("id", _string(), primary_key=True),
        sa.Column("name", _string(), nullable=False),
        sa.Column("org_type", _string(), nullable=False),
        sa.Column("city", _string(), nullable=False),
        sa.Column("country", _string(2), nullable=False),
        *(
            sa.Column(name, _text(), nullable=False, server_default="[]")
            for name in ("sectors", "tags", "technologies", "languages", "public_fields")
        ),
        sa.Column("description", _text(), nullable=False, server_default=""),
        sa.Column("offers", _text(), nullable=False, server_default=""),
        sa.Column("seeks", _text(), nullable=False, server_default=""),
        sa.Column("website", _string()),
        sa.Column("employees", _whole_number()),
        sa.Column("founded", _whole_number()),
        sa.Column("stage", _string()),
        sa.Column("content_hash", _string(16), nullable=False),
        sa.Column("source", _string()),
        sa.Column("updated_at", _string(), nullable=False),
        if_not_exists=True,
    )
    for column in ("country", "city", "org_type"):
        op.create_index(f"ix_profiles_{column}", "profiles", [column], if_not_exists=True)
    op.create_table(
        "partnerships",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_id", _string(), nullable=False),
        sa.Column("target_id", _string(), nullable=False),
        sa.Column("kind", _string(), nullable=False),
        sa.Column("year", _whole_number()),
        sa.Column("note", _text(), nullable=False, server_default=""),
        if_not_exists=True,
    )
    op.create_index("ix_partnerships_source_id", "partnerships", ["source_id"], if_not_exists=True)
    op.create_index("ix_partnerships_target_id", "partnerships", ["target_id"], if_not_exists=True)
    # One partnership per unordered pair and kind; SQLite's two-argument min/max are PostgreSQL's LEAST/GREATEST.
    if op.get_bind().dialect.name == "postgresql":
        pair = [sa.text("LEAST(source_id, target_id)"), sa.text("GREATEST(source_id, target_id)")]
    else:
        pair = [sa.text("min(source_id, target_id)"), sa.text("max(source_id, target_id)")]
    op.create_index("uq_partnership_pair", "partnerships", [*pair, "kind"], unique=True, if_not_exists=True)
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asker_id", _string(), nullable=False),
        sa.Column("candidate_id", _string(), nullable=False),
        sa.Column("label", _string(), nullable=False),
        sa.Column("reason", _string()),
        sa.Column("user", _string(), nullable=False, server_default=""),
        sa.Column("created_at", _string(), nullable=False),
        if_not_exists=True,
    )
    op.create_index("ix_feedback_asker_id", "feedback", ["asker_id"], if_not_exists=True)
    op.create_table(
        "shortlists",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", _string(), nullable=False),
        sa.Column("owner", _string(), nullable=False, server_default=""),
        sa.Column("created_at", _string(), nullable=False),
        sa.UniqueConstraint("owner", "name"),
        if_not_exists=True,
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("profile_id", _string(), nullable=False),
        sa.Column("author", _string(), nullable=False, server_default=""),
        sa.Column("text", _text(), nullable=False),
        sa.Column("created_at", _string(), nullable=False),
        if_not_exists=True,
    )
    op.create_index("ix_notes_profile_id", "notes", ["profile_id"], if_not_exists=True)
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", _string(), nullable=False),
        sa.Column("source", _string(), nullable=False),
        sa.Column("imported", _whole_number(), nullable=False),
        sa.Column("rejected", _whole_number(), nullable=False),
        sa.Column("created_at", _string(), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "shortlist_entries",
        sa.Column("shortlist_id", sa.Integer, sa.ForeignKey("shortlists.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("profile_id", _string(), primary_key=True),
        sa.Column("stage", _string(), nullable=False, server_default="new"),
        sa.Column("note", _text(), nullable=False, server_default=""),
        sa.Column("added_at", _string(), nullable=False),
        if_not_exists=True,
    )
    meta = sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.String))
    is_version = meta.c.key == "schema_version"
    if op.get_bind().execute(sa.select(meta.c.value).where(is_version)).first() is None:
        op.execute(meta.insert().values(key="schema_version", value=SCHEMA_VERSION))
    else:
        op.execute(meta.update().where(is_version).values(value=SCHEMA_VERSION))


def downgrade() -> None:
    raise NotImplementedError(
        "there is nothing below the first revision: downgrading would delete every table. Restore a backup taken "
        "with the older release instead"
    )
