"""Idempotency keys of the REST API: a creating request sent with an ``Idempotency-Key`` is carried out once.

- ``idempotency_keys``: per API key (``owner``, its public id) and client key, the request's fingerprint (a
  SHA-256 of its method, path and body), the request that holds the key, and once it answered with 2xx, that answer
  (status, media type, body) to send again to a retry. The primary key is what keeps two workers from carrying out
  one request twice; ``created_at`` is indexed for the pruning of keys older than 24 hours.

On PostgreSQL the text columns have the "C" collation, as every other table's (see revision 0001).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def _string(length: int | None = None) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("owner", _string(), primary_key=True),
        sa.Column("idempotency_key", _string(255), primary_key=True),
        sa.Column("fingerprint", _string(64), nullable=False),
        sa.Column("request_id", _string(32), nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("media_type", _string()),
        sa.Column("body", sa.LargeBinary),
        sa.Column("created_at", _string(), nullable=False),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
