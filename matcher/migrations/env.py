"""Alembic's environment for the store: migrates the connection that :mod:`matcher.migrations` hands over.

Online only, inside the caller's transaction (the store holds its schema lock there); SQLite gets batch mode, so
that a later revision's ``ALTER`` on SQLite is done by copying the table.
"""

from __future__ import annotations

from alembic import context

from matcher.store import metadata

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "the store's migrations run on an open connection: open the store (matcher.store.Store) or call "
        "matcher.migrations.alembic_config(connection) with one"
    )
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
