"""Copying a whole store (``Store.copy_into``, ``matcher copy-store``): a pilot's SQLite file onto the team's
PostgreSQL server, or back. Every specification runs with the target on both backends (the ``target`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from matcher.cli import main
from matcher.store import Store, StoreInputError, metadata
from tests.test_store import profile_rows, run_sql


@pytest.fixture
def pilot(tmp_path: Path) -> Iterator[Store]:
    """A SQLite store with a row in the tables users fill: profiles, a partnership, feedback, a shortlist, a note."""
    store = Store(tmp_path / "pilot" / "matcher.sqlite")
    store.upsert_profiles(profile_rows())
    store.add_partnerships(pd.DataFrame({"source_id": ["dj-1"], "target_id": ["ma-1"], "kind": ["supply"]}))
    store.add_feedback("dj-1", "ma-1", "relevant", reason="GMP fill-finish fits", user="kim")
    store.set_shortlist_entry(store.create_shortlist("Daejeon pipeline", owner="kim"), "ma-1", stage="contacted")
    store.add_note("ma-1", "Visit in May", author="kim")
    yield store
    store.close()


@pytest.fixture
def server(target: Path | str) -> Iterator[Store]:
    opened = Store(target)
    yield opened
    opened.close()


def rows(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows (``meta`` aside), sorted, as plain tuples."""
    with store.transaction() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(sa.select(table))), key=repr)
            for table in metadata.sorted_tables
            if table.name != "meta"
        }


def test_every_row_of_every_table_arrives_unchanged(pilot: Store, server: Store) -> None:
    copied = pilot.copy_into(server)
    assert rows(server) == rows(pilot)
    assert {name: n for name, n in copied.items() if n} == {
        "profiles": 2, "partnerships": 1, "feedback": 1, "shortlists": 1, "shortlist_entries": 1, "notes": 1
    }  # fmt: skip


def test_rows_added_after_a_copy_get_new_ids(pilot: Store, server: Store) -> None:
    pilot.copy_into(server)
    note = server.add_note("dj-1", "Second visit", author="lee")
    assert note == 2 and [n for (n,) in run_sql(server, "SELECT id FROM notes ORDER BY id")] == [1, 2]


def test_the_stores_version_comes_along_so_caches_keyed_on_it_stay_valid(pilot: Store, server: Store) -> None:
    pilot.copy_into(server)
    assert server.version() == pilot.version()


def test_a_target_that_holds_data_is_refused_and_left_as_it_was(pilot: Store, server: Store) -> None:
    server.upsert_profiles(profile_rows(name="Already here"))
    with pytest.raises(StoreInputError, match=r"holds data already \(in profiles\)"):
        pilot.copy_into(server)
    assert set(server.profiles()["name"]) == {"Already here"} and not server.partnerships().shape[0]


def test_a_store_is_not_copied_into_itself(pilot: Store) -> None:
    with pytest.raises(StoreInputError, match="into itself"):
        pilot.copy_into(Store(pilot.url.render_as_string(hide_password=False)))


def test_the_command_copies_the_workspaces_store_and_says_what_to_do_next(
    pilot: Store, target: Path | str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pilot.path is not None
    monkeypatch.setenv("MATCHER_HOME", str(pilot.path.parent))
    assert main(["copy-store", str(target)]) == 0
    out = capsys.readouterr().out
    assert "Copied 2 profiles, 1 partnerships" in out and "MATCHER_DATABASE_URL" in out
    assert main(["copy-store", str(target)]) != 0  # a second copy would mix: refused
    assert "holds data already" in capsys.readouterr().err
