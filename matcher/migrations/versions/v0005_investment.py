"""Investment attraction: each city's strategy, and shortlists that track investment leads.

- ``city_strategies``: one row per city (its canonical name): the target sectors (a JSON list) and free text an
  officer wrote, who changed them last and when.
- ``shortlists.purpose``: ``partners`` (every shortlist before this revision) or ``investment`` (a pipeline of
  leads, with the investment stages); ``shortlist_entries.owner``: the officer who follows up an entry.

On PostgreSQL the text columns have the "C" collation, as every other table's (see revision 0001).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def _string() -> sa.types.TypeEngine[str]:
    return sa.String().with_variant(sa.String(collation="C"), "postgresql")


def _text() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "city_strategies",
        sa.Column("city", _string(), primary_key=True),
        sa.Column("sectors", _text(), nullable=False, server_default="[]"),
        sa.Column("text", _text(), nullable=False, server_default=""),
        sa.Column("updated_by", _string(), nullable=False, server_default=""),
        sa.Column("updated_at", _string(), nullable=False),
    )
    op.add_column("shortlists", sa.Column("purpose", _string(), nullable=False, server_default="partners"))
    op.add_column("shortlist_entries", sa.Column("owner", _string()))


def downgrade() -> None:
    # SQLite drops columns by copying the table: batch mode does that, PostgreSQL alters it in place.
    with op.batch_alter_table("shortlist_entries") as table:
        table.drop_column("owner")
    with op.batch_alter_table("shortlists") as table:
        table.drop_column("purpose")
    op.drop_table("city_strategies")
