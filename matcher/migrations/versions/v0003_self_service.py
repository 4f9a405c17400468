"""Startup self-service and feedback per person: restored dismissals, profile change history, meeting requests.

On PostgreSQL the text columns have the "C" collation, as every other table's (see revision 0001).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def _string(length: int | None = None) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _text() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "feedback_restored",
        sa.Column("feedback_id", sa.Integer, primary_key=True),
        sa.Column("restored_at", _string(), nullable=False),
    )
    op.create_table(
        "profile_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("profile_id", _string(), nullable=False),
        sa.Column("user", _string(), nullable=False),
        sa.Column("field", _string(), nullable=False),
        sa.Column("old", _text(), nullable=False),
        sa.Column("new", _text(), nullable=False),
        sa.Column("changed_at", _string(), nullable=False),
    )
    op.create_index("ix_profile_changes_profile_id", "profile_changes", ["profile_id"])
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asker_id", _string(), nullable=False),
        sa.Column("partner_id", _string(), nullable=False),
        sa.Column("requested_by", _string(), nullable=False),
        sa.Column("message", _text(), nullable=False),
        sa.Column("starts_at", _string(), nullable=False),
        sa.Column("status", _string(), nullable=False),
        sa.Column("created_at", _string(), nullable=False),
        sa.Column("answered_by", _string()),
        sa.Column("answered_at", _string()),
    )
    for column in ("asker_id", "partner_id", "requested_by"):
        op.create_index(f"ix_meetings_{column}", "meetings", [column])


def downgrade() -> None:
    op.drop_table("meetings")
    op.drop_table("profile_changes")
    op.drop_table("feedback_restored")
