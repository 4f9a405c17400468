"""API keys of the REST API (``matcher api-key``, :mod:`matcher.service.keys`): hashes only, never the keys.

On PostgreSQL the text columns have the "C" collation, as every other table's (see revision 0001).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def _string(length: int | None = None) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", _string(), nullable=False),
        sa.Column("key_id", _string(12), nullable=False),
        sa.Column("key_hash", _string(64), nullable=False),
        sa.Column("role", _string(), nullable=False),
        sa.Column("org_id", _string()),
        sa.Column("created_at", _string(), nullable=False),
        sa.Column("revoked_at", _string()),
        sa.UniqueConstraint("name", name="uq_api_keys_name"),
        sa.UniqueConstraint("key_id", name="uq_api_keys_key_id"),
    )


def downgrade() -> None:
    op.drop_table("api_keys")
