"""A throwaway PostgreSQL cluster for the tests: one per session, an empty schema per test.

``initdb`` refuses to run as root, and CI runs as root: the cluster is then created and run by the ``postgres``
user (``runuser``), in a temporary folder it owns and no one else may enter. It listens on a Unix socket in that
folder only (no TCP port, so nothing else on the machine can reach it or clash with it), trusts the connections
that come in there, and is stopped and deleted at the end of the session. pytest-postgresql is not used: it runs
``initdb`` as the current user.

Where the PostgreSQL server binaries are missing (Debian's ``postgresql`` package; ``.ci/run`` installs it), the
tests that need the cluster are skipped with that reason; a cluster that is there but fails to start fails them.
Each test gets an empty schema of its own in one database, first on its connections' search path.

Example:
    >>> def test_something(postgres_url: str) -> None:  # doctest: +SKIP
    ...     store = Store(postgres_url)
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVER_USER = "postgres"
"""Who runs the cluster when the tests run as root."""
DATABASE = "matcher_tests"
"""The database the tests use, each in a schema of its own."""
PORT = 5432
"""Only names the socket file: the socket lives in the cluster's own folder, so no port is taken."""
_SETTINGS = (
    # Throwaway data: no durability, so that each test's schema is quick to create and fill.
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c listen_addresses='' -c max_connections=200"
)


def server_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: from ``PATH``, else Debian's newest ``/usr/lib/postgresql``."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found and (found[-1].parent / "initdb").exists() else None


class Cluster:
    """A PostgreSQL cluster in a temporary folder, reachable through a Unix socket there.

    Args:
        binaries: The folder holding ``initdb``, ``pg_ctl`` and ``postgres``.
    """

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.root_: Path | None = None
        self._names = itertools.count()

    def _run(self, *args: str) -> str:
        command = [str(self.binaries / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    @property
    def socket_dir(self) -> Path:
        assert self.root_ is not None, "start() the cluster first"
        return self.root_

    def start(self) -> Cluster:
        """Creates the cluster (``initdb``) and starts its server; waits until it accepts connections."""
        # Directly in the system temp folder: pytest's own temp folders are closed to other users.
        self.root_ = Path(tempfile.mkdtemp(prefix="matcher-pg-"))
        if os.geteuid() == 0:
            account = pwd.getpwnam(SERVER_USER)
            os.chown(self.root_, account.pw_uid, account.pw_gid)
        data = self.root_ / "data"
        # A linguistic default collation where the server has ICU (PostgreSQL 15 and later), as production
        # databases usually have: the store's code-point ordering must not depend on the database's.
        icu = (
            ["--locale-provider=icu", "--icu-locale=en-US"]
            if "--locale-provider" in self._run("initdb", "--help")
            else []
        )
        self._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--locale=C.UTF-8",
            *icu,
        )
        options = f"-p {PORT} -k {self.root_} {_SETTINGS}"
        self._run("pg_ctl", "-D", str(data), "-l", str(self.root_ / "server.log"), "-o", options, "-w", "start")
        self._execute("CREATE DATABASE {}", DATABASE, database="postgres")
        return self

    def stop(self) -> None:
        """Stops the server (fast shutdown: open connections are closed) and deletes the cluster."""
        if self.root_ is None:
            return
        try:
            if (self.root_ / "data" / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.root_ / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root_, ignore_errors=True)
            self.root_ = None

    def url(self, schema: str | None = None, *, user: str = "postgres") -> str:
        """The SQLAlchemy URL of the test database for ``user``, with ``schema`` first on the search path if given."""
        url = f"postgresql+psycopg://{user}@/{DATABASE}?host={self.socket_dir}&port={PORT}"
        return f"{url}&options=-csearch_path%3D{schema}" if schema else url

    def _execute(self, statement: str, name: str, database: str = DATABASE) -> None:
        """Runs ``statement`` (``{}`` standing for the quoted ``name``) on ``database``, outside a transaction."""
        import psycopg  # the postgres extra: the cluster fixture skips without it
        from psycopg import sql

        with psycopg.connect(host=str(self.socket_dir), port=PORT, user="postgres", dbname=database) as conn:
            conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
            conn.execute(sql.SQL(statement).format(sql.Identifier(name)))

    def create_schema(self) -> str:
        """Creates a new empty schema in the test database and returns its name."""
        name = f"test_{next(self._names)}"
        self._execute("CREATE SCHEMA {}", name)
        return name

    def create_role(self) -> str:
        """Creates a role that may log in and nothing more (no table of its own), and returns its name."""
        name = f"role_{next(self._names)}"
        self._execute("CREATE ROLE {} LOGIN", name)
        return name

    def drop_schema(self, name: str) -> None:
        """Drops a schema and everything in it."""
        self._execute("DROP SCHEMA {} CASCADE", name)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """The session's PostgreSQL cluster; skips the test where the server binaries are missing."""
    pytest.importorskip("psycopg", reason="the psycopg driver is missing: pip install -e '.[postgres]'")
    binaries = server_binaries()
    if binaries is None:
        pytest.skip(
            "PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin): "
            "install Debian's postgresql package, as .ci/run does"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            pytest.skip(f"running as root and there is no {SERVER_USER!r} user to run initdb as")
    cluster = Cluster(binaries)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> Iterator[str]:
    """The URL of a fresh, empty database of the session's cluster (a schema of its own, first on the search
    path: creating one takes milliseconds, a database up to a second), dropped after the test."""
    name = postgres_cluster.create_schema()
    yield postgres_cluster.url(name)
    postgres_cluster.drop_schema(name)
