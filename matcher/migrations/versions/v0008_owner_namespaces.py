"""Owners of saved searches, alerts and alert channels in two namespaces: ``user:<name>`` for an app account,
``key:<key id>`` for an API key (the key's public id).

Until now the owner was a bare name, an app account's or an API key's, so an account and a key of the same name
shared saved searches, alerts and channels. The store knows the API keys (``api_keys``), not the app accounts
(``users.toml``), and each saved search kept the role and organisation its owner had when saving it; so each old
owner is rewritten as follows:

- a saved search goes to the API key of its owner's name (working or revoked) when that key has the role and
  organisation the search was saved with, and to the app account of that name otherwise. A search saved by a key
  always has its key's role and organisation (a key's never change), so a key's searches stay its own, and a
  same-named account of another role or organisation (an officer beside a startup key) gets back only its own.
  An account and a key of one name *and* one role and organisation cannot be told apart: the key gets them, and
  neither party gains any sight it lacked (same role, same organisation);
- an alert follows its saved search (exactly: by ``saved_search_id``);
- a channel (webhook and e-mail) goes to the app account of its name when no API key has that name, and to the key
  when every saved search of that name went to the key. Otherwise (a key has the name, and the searches went to the
  account, or to both, or there are none) either party may have set it: a key named like an officer could have
  pointed the officer's alerts at its own receiver. Such a channel goes to ``legacy:<name>``, which nobody reads
  (kept for an administrator and ``matcher export-user-data``; its owner sets the webhook or e-mail again), rather
  than keep sending one party's alerts to the other's receiver.

Rows already in the new form (holding a ``:``, which names never do) are left as they are. The downgrade writes bare
names back, keeping the new form wherever a bare name would clash (an account's and a key's search of one name).

A frozen snapshot: no application code is imported.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import logging
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

logger = logging.getLogger(__name__)

_keys = sa.table(
    "api_keys", sa.column("name", sa.String), sa.column("key_id", sa.String), sa.column("role", sa.String),
    sa.column("org_id", sa.String),
)  # fmt: skip
_saved = sa.table(
    "saved_searches", sa.column("id", sa.Integer), sa.column("owner", sa.String), sa.column("owner_role", sa.String),
    sa.column("owner_org_id", sa.String), sa.column("name", sa.String),
)  # fmt: skip
_alerts = sa.table("alerts", sa.column("saved_search_id", sa.Integer), sa.column("owner", sa.String))
_channels = sa.table("alert_channels", sa.column("owner", sa.String))


def _alerts_follow_their_searches(conn: sa.Connection) -> None:
    owner = sa.select(_saved.c.owner).where(_saved.c.id == _alerts.c.saved_search_id).scalar_subquery()
    conn.execute(_alerts.update().values(owner=owner))


def upgrade() -> None:
    conn = op.get_bind()
    keys = {row.name: row for row in conn.execute(sa.select(_keys))}
    went: defaultdict[str, set[str]] = defaultdict(set)  # old owner -> its searches' new owners
    for row in conn.execute(sa.select(_saved).where(~_saved.c.owner.contains(":"))).all():
        key = keys.get(row.owner)
        same = key is not None and (key.role, key.org_id or None) == (row.owner_role, row.owner_org_id or None)
        new = f"key:{key.key_id}" if key is not None and same else f"user:{row.owner}"
        went[row.owner].add(new)
        conn.execute(_saved.update().where(_saved.c.id == row.id).values(owner=new))
    _alerts_follow_their_searches(conn)
    for (name,) in conn.execute(sa.select(_channels.c.owner).where(~_channels.c.owner.contains(":"))).all():
        key_owner = f"key:{keys[name].key_id}" if name in keys else None
        new = f"user:{name}" if key_owner is None else key_owner if went[name] == {key_owner} else f"legacy:{name}"
        if new.startswith("legacy:"):
            logger.warning("the alert channel of %r could be an app account's or an API key's: kept as %r, read by "
                           "nobody; its owner sets the webhook or e-mail again", name, new)  # fmt: skip
        conn.execute(_channels.update().where(_channels.c.owner == name).values(owner=new))


def _bare(owner: str, key_names: dict[str, str]) -> str:
    kind, _, ident = owner.partition(":")
    return key_names.get(ident, owner) if kind == "key" else ident


def downgrade() -> None:
    conn = op.get_bind()
    key_names = {row.key_id: row.name for row in conn.execute(sa.select(_keys))}
    order = sa.case((_saved.c.owner.startswith("user:"), 0), else_=1)  # accounts first: they take a clashing name
    taken = {(row.owner, row.name) for row in conn.execute(sa.select(_saved).where(~_saved.c.owner.contains(":")))}
    for row in conn.execute(sa.select(_saved).where(_saved.c.owner.contains(":")).order_by(order, _saved.c.id)).all():
        bare = _bare(row.owner, key_names)
        if ":" not in bare and (bare, row.name) not in taken:
            taken.add((bare, row.name))
            conn.execute(_saved.update().where(_saved.c.id == row.id).values(owner=bare))
    _alerts_follow_their_searches(conn)
    order = sa.case((_channels.c.owner.startswith("user:"), 0), else_=1)
    owners = [owner for (owner,) in conn.execute(sa.select(_channels.c.owner).order_by(order, _channels.c.owner))]
    held = {owner for owner in owners if ":" not in owner}
    for owner in (owner for owner in owners if ":" in owner):
        bare = _bare(owner, key_names)
        if ":" not in bare and bare not in held:
            held.add(bare)
            conn.execute(_channels.update().where(_channels.c.owner == owner).values(owner=bare))
