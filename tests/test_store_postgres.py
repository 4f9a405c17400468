"""The store on PostgreSQL through the whole product: the ``MATCHER_DATABASE_URL`` setting, passwords never shown,
backups that send a server's store to pg_dump, and the demo recommending the same partners as on SQLite.

The store's own specifications run on both backends in tests/test_store.py.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from postgres import Cluster

from matcher.api import Matcher
from matcher.backup import BackupError, backup, restore
from matcher.embed import Encoder
from matcher.store import Store, StoreError


@pytest.mark.postgres
def test_a_matcher_opens_the_store_at_the_database_url(
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bio_subset: Callable[[Path], tuple[Path, Path]],
) -> None:
    monkeypatch.setenv("MATCHER_DATABASE_URL", postgres_url)
    profiles, partnerships = bio_subset(tmp_path / "data")
    matcher = Matcher(tmp_path / "ws")
    matcher.import_profiles(profiles)
    matcher.import_partnerships(partnerships)
    assert matcher.store.dialect == "postgresql"
    assert Store(postgres_url).stats()["profiles"] == matcher.store.stats()["profiles"] > 0
    assert not (tmp_path / "ws" / "matcher.sqlite").exists()


@pytest.mark.postgres
def test_the_password_is_shown_nowhere(postgres_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # The test server trusts local connections, so any password opens it.
    store = Store(postgres_url.replace("://postgres@", "://postgres:s3cret@", 1) + "&password=s3cret")
    assert "s3cret" not in store.where and "***" in store.where
    assert "s3cret" not in caplog.text


@pytest.mark.postgres
def test_a_role_that_may_not_create_the_tables_gets_a_clear_error(postgres_cluster: Cluster) -> None:
    with pytest.raises(StoreError, match=r"permission denied for schema public\. Check .* may create tables"):
        Store(postgres_cluster.url(user=postgres_cluster.create_role()))


def test_a_workspace_whose_store_is_on_a_server_is_not_backed_up_as_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store(tmp_path / "ws" / "matcher.sqlite").close()  # a local file that is not the store in use
    monkeypatch.setenv("MATCHER_DATABASE_URL", "postgresql+psycopg://matcher:s3cret@db.example/matcher")
    with pytest.raises(BackupError, match="pg_dump") as refused:
        backup(tmp_path / "ws", tmp_path / "backup.zip")
    assert "s3cret" not in str(refused.value) and not (tmp_path / "backup.zip").exists()


def test_a_backup_is_not_restored_into_a_workspace_whose_store_is_on_a_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store(tmp_path / "ws" / "matcher.sqlite").close()
    archive = backup(tmp_path / "ws", tmp_path / "backup.zip")
    monkeypatch.setenv("MATCHER_DATABASE_URL", "postgresql+psycopg://matcher@db.example/matcher")
    with pytest.raises(BackupError, match="pg_dump"):
        restore(archive, tmp_path / "other")


@pytest.mark.slow  # imports and builds the demo (its embeddings come from the SQLite workspace's cache)
@pytest.mark.postgres
def test_the_demo_on_postgresql_recommends_what_it_does_on_sqlite(
    demo_matcher: Matcher,
    demo_dir: Path,
    default_encoder: Encoder,
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MATCHER_DATABASE_URL", postgres_url)
    on_postgres = Matcher(tmp_path / "ws", encoder=default_encoder)
    # The same texts give the same vectors: the build reads them from a copy of the other workspace's cache
    # instead of encoding the demo again. Everything the store does is still done on PostgreSQL.
    with (
        sqlite3.connect(demo_matcher.workspace.embedding_cache_path) as source,
        sqlite3.connect(on_postgres.workspace.embedding_cache_path) as copy,
    ):
        source.backup(copy)
    on_postgres.import_profiles(demo_dir / "profiles.csv")
    on_postgres.import_partnerships(demo_dir / "partnerships.csv")
    on_postgres.build()
    assert on_postgres.store.dialect == "postgresql" and demo_matcher.store.dialect == "sqlite"

    def top_ten(matcher: Matcher) -> list[tuple[str, float]]:
        return [(match.id, round(match.score, 4)) for match in matcher.recommend("dj-bio-001", k=10).results]

    expected = top_ten(demo_matcher)
    assert len(expected) == 10
    assert top_ten(on_postgres) == expected
