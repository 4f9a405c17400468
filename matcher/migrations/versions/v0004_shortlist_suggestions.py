"""Shortlist entries keep the suggestion they came from: for whom, its score and reasons (for the exports).

On PostgreSQL the text columns have the "C" collation, as every other table's (see revision 0001).

Entries added before this revision, and those added by hand, have none: ``suggested_for`` and ``score`` are NULL,
``reasons`` an empty JSON list.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def _string() -> sa.types.TypeEngine[str]:
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")


def _text() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.add_column("shortlist_entries", sa.Column("suggested_for", _string()))
    op.add_column("shortlist_entries", sa.Column("score", sa.Float))
    op.add_column("shortlist_entries", sa.Column("reasons", _text(), nullable=False, server_default="[]"))


def downgrade() -> None:
    # SQLite drops columns by copying the table: batch mode does that, PostgreSQL alters it in place.
    with op.batch_alter_table("shortlist_entries") as table:
        table.drop_column("reasons")
        table.drop_column("score")
        table.drop_column("suggested_for")
