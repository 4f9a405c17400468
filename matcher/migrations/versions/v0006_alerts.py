"""Saved searches and alerts: what each user watches, what newly matched it, and where alerts are sent.

- ``saved_searches``: a user's saved search (text and filters) or recommendation (an organisation and filters),
  named, with the owner's role and organisation when saved (alerts are redacted for that role);
- ``alerts``: a profile that newly matched a saved search in the "strong" band, with its score and reasons; one
  per saved search and profile (the unique key is what keeps several checking processes from duplicating one);
- ``alert_channels``: per user, a webhook URL with its signing secret, and an e-mail address;
- ``alert_deliveries``: one per alert and channel, with its attempts and the time of the next one, so that a
  restarted process resumes the retries;
- ``alert_checkpoint``: each profile's content hash when alerts were last checked (what changed since is checked).

On PostgreSQL the text columns have the "C" collation, as every other table's (see revision 0001).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def _string(length: int | None = None) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _text() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("owner", _string(), nullable=False),
        sa.Column("owner_role", _string(), nullable=False),
        sa.Column("owner_org_id", _string()),
        sa.Column("name", _string(), nullable=False),
        sa.Column("kind", _string(), nullable=False),
        sa.Column("text", _text(), nullable=False, server_default=""),
        sa.Column("org_id", _string()),
        sa.Column("filters", _text(), nullable=False, server_default="{}"),
        sa.Column("created_at", _string(), nullable=False),
        sa.UniqueConstraint("owner", "name", name="uq_saved_searches_owner_name"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "saved_search_id", sa.Integer, sa.ForeignKey("saved_searches.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("owner", _string(), nullable=False),
        sa.Column("profile_id", _string(), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("band", _string(), nullable=False),
        sa.Column("reasons", _text(), nullable=False, server_default="[]"),
        sa.Column("created_at", _string(), nullable=False),
        sa.Column("read_at", _string()),
        sa.UniqueConstraint("saved_search_id", "profile_id", name="uq_alerts_search_profile"),
    )
    op.create_index("ix_alerts_owner", "alerts", ["owner"])
    op.create_table(
        "alert_channels",
        sa.Column("owner", _string(), primary_key=True),
        sa.Column("webhook_url", _text()),
        sa.Column("webhook_secret", _string()),
        sa.Column("email", _string()),
        sa.Column("updated_at", _string(), nullable=False),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel", _string(), nullable=False),
        sa.Column("target", _text(), nullable=False),
        sa.Column("status", _string(), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", _string(), nullable=False),
        sa.Column("last_error", _text()),
        sa.Column("delivered_at", _string()),
        sa.UniqueConstraint("alert_id", "channel", name="uq_alert_deliveries_alert_channel"),
    )
    op.create_index("ix_alert_deliveries_status", "alert_deliveries", ["status"])
    op.create_table(
        "alert_checkpoint",
        sa.Column("profile_id", _string(), primary_key=True),
        sa.Column("content_hash", _string(16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_checkpoint")
    op.drop_table("alert_deliveries")
    op.drop_table("alert_channels")
    op.drop_table("alerts")
    op.drop_table("saved_searches")
