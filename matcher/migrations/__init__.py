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

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

if TYPE_CHECKING:  # Alembic is imported only to migrate: it costs every opening of a store 0.2 s and more
    from alembic.config import Config
    from alembic.script import ScriptDirectory

__all__ = ["alembic_config", "current", "head", "revisions", "stated_head"]

_HERE = Path(__file__).resolve().parent
_VERSION_TABLE = "alembic_version"
"""Where Alembic keeps a database's revision (its default, which env.py keeps)."""
_STATED = re.compile(r'^(revision|down_revision)(?:: [\w |]+)? = (?:None|"(\w+)")$', re.MULTILINE)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the packaged scripts; ``connection`` is the one ``env.py`` migrates."""
    from alembic.config import Config

    config = Config()
    # Config values are interpolated: a '%' in the install path must not be read as a reference.
    config.set_main_option("script_location", str(_HERE).replace("%", "%%"))
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

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
    """The revisions a database is at: empty for a new database and for a store written before Alembic.

    Read as Alembic reads them (its version table), without importing Alembic.
    """
    if not sa.inspect(connection).has_table(_VERSION_TABLE):
        return frozenset()
    version_num = sa.column("version_num", sa.String())
    return frozenset(connection.execute(sa.select(version_num).select_from(sa.table(_VERSION_TABLE))).scalars())


@cache
def stated_head() -> str | None:
    """:func:`head` as the scripts state it, read without Alembic, so that opening a store at the head imports none.

    None, and Alembic has the last word, unless every script in ``versions/`` states its revision and its one
    parent plainly (``revision: str = "0002"``, ``down_revision: str | None = "0001"``) and they make one line.

    Example:
        >>> stated_head() == head()
        True
    """
    children: dict[str | None, str] = {}
    for script in sorted((_HERE / "versions").glob("*.py")):
        if script.name == "__init__.py":
            continue
        stated = [(found[1], found[2] or None) for found in _STATED.finditer(script.read_text(encoding="utf-8"))]
        if sorted(key for key, _ in stated) != ["down_revision", "revision"]:
            return None
        revision, parent = dict(stated)["revision"], dict(stated)["down_revision"]
        if revision is None or parent in children or revision in children.values():
            return None  # no revision, a branch, or a revision stated twice
        children[parent] = revision
    at: str | None = None
    for _ in children:  # walk the line from the root; every script must be on it
        if at not in children:
            return None
        at = children[at]
    return at
