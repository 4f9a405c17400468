"""The store's schema migrations (Alembic), shipped inside the package and run when a store is opened.

:class:`matcher.store.Store` runs them itself, on SQLite and PostgreSQL alike: users need no ``alembic.ini`` and
no ``alembic`` command. The revisions are in ``versions/``; the first one creates the schema of the last release
before Alembic (hand-written schema version 2), and a store written by that release is adopted without change.

To add a revision, change the tables (all in matcher/store.py, on :data:`matcher.store.metadata`),
then let Alembic compare them with a store at the current head and write the script (check it by hand:
autogenerate misses expression indexes and renames, and keeps the "C" collation of PostgreSQL text columns only
where the types say so)::

    from alembic import command
    import matcher.api  # every module that defines a table, so that none is taken for one to drop
    from matcher.migrations import alembic_config, head
    from matcher.store import Store

    with Store("/tmp/dev.sqlite").transaction() as conn:
        next_id = f"{int(head()) + 1:04d}"
        command.revision(alembic_config(conn), message="what changes", autogenerate=True, rev_id=next_id)

Example:
    >>> sorted(revisions())[0]
    '0001'
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

__all__ = ["alembic_config", "current", "head", "revisions"]

_HERE = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the packaged scripts; ``connection`` is the one ``env.py`` migrates."""
    config = Config()
    # Config values are interpolated: a '%' in the install path must not be read as a reference.
    config.set_main_option("script_location", str(_HERE).replace("%", "%%"))
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The newest revision this release knows: a store at it needs no migration."""
    found = _scripts().get_current_head()
    assert found is not None, "the package ships its revisions"
    return found


def revisions() -> frozenset[str]:
    """Every revision this release knows."""
    return frozenset(script.revision for script in _scripts().walk_revisions())


def current(connection: Connection) -> frozenset[str]:
    """The revisions a database is at: empty for a new database and for a store written before Alembic."""
    return frozenset(MigrationContext.configure(connection).get_current_heads())
