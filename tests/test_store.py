"""The SQLite store: upserts by id, idempotent partnerships, filters, checksums, and a schema version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from matcher.store import SCHEMA_VERSION, Store, StoreError


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "ws" / "matcher.sqlite")


def profile_rows(**overrides: object) -> pd.DataFrame:
    rows = [
        {"id": "dj-1", "name": "Hanbit Bio", "org_type": "startup", "city": "Daejeon", "country": "KR",
         "sectors": ("antibody_drug_conjugates",), "seeks": "GMP fill-finish", "employees": 12},
        {"id": "ma-1", "name": "Biomédica Costa del Sol", "org_type": "sme", "city": "Málaga", "country": "ES",
         "sectors": ("bioprocessing_cdmo", "biologics"), "offers": "aseptic fill-finish"},
    ]
    return pd.DataFrame([{**row, **overrides} for row in rows])


def test_profiles_round_trip_with_tuples_and_unicode(store: Store) -> None:
    store.upsert_profiles(profile_rows())
    got = store.get_profile("ma-1")
    assert got is not None
    assert got.name == "Biomédica Costa del Sol"
    assert got.sectors == ("bioprocessing_cdmo", "biologics")
    assert store.get_profile("dj-1").employees == 12  # type: ignore[union-attr]


def test_reimport_upserts_by_id(store: Store) -> None:
    store.upsert_profiles(profile_rows())
    store.upsert_profiles(profile_rows(city="Seattle", country="US"))
    assert store.stats()["profiles"] == 2
    assert store.get_profile("dj-1").city == "Seattle"  # type: ignore[union-attr]


def test_missing_profile_is_none(store: Store) -> None:
    assert store.get_profile("nope") is None


def test_sector_filter_matches_any_listed_sector(store: Store) -> None:
    store.upsert_profiles(profile_rows())
    assert store.profiles(sector=["biologics"])["id"].tolist() == ["ma-1"]
    assert store.profiles(country=["kr"])["id"].tolist() == ["dj-1"]


def test_checksum_changes_when_any_profile_changes(store: Store) -> None:
    store.upsert_profiles(profile_rows())
    before = store.checksum()
    store.upsert_profiles(profile_rows())
    assert store.checksum() == before
    store.upsert_profiles(profile_rows().head(1).assign(seeks="a new need"))
    assert store.checksum() != before


def test_partnerships_are_idempotent_even_without_a_year(store: Store) -> None:
    store.upsert_profiles(profile_rows())
    edges = pd.DataFrame([{"source_id": "dj-1", "target_id": "ma-1", "kind": "mou", "year": None, "note": "first"}])
    store.add_partnerships(edges)
    store.add_partnerships(edges.assign(note="updated"))
    got = store.partnerships()
    assert len(got) == 1
    assert got.loc[0, "note"] == "updated"


def edge(source_id: str = "dj-1", target_id: str = "ma-1", **values: object) -> dict[str, object]:
    return {"source_id": source_id, "target_id": target_id, "kind": "mou", "year": None, "note": "", **values}


def stored_edges(store: Store) -> list[list[object]]:
    """The stored partnerships as [source_id, target_id, kind, year, note] rows, years as plain ints or None."""
    frame = store.partnerships().astype(object)
    return frame.where(frame.notna(), None).values.tolist()


def test_reimport_with_a_year_added_fills_in_the_year(store: Store) -> None:
    store.add_partnerships(pd.DataFrame([edge()]))
    store.add_partnerships(pd.DataFrame([edge(year=2019)]))
    assert stored_edges(store) == [["dj-1", "ma-1", "mou", 2019, ""]]


def test_reimport_with_a_different_year_corrects_the_stored_year(store: Store) -> None:
    store.add_partnerships(pd.DataFrame([edge(year=2017)]))
    store.add_partnerships(pd.DataFrame([edge(year=2019)]))
    assert stored_edges(store) == [["dj-1", "ma-1", "mou", 2019, ""]]


def test_reimport_without_years_keeps_the_stored_years(store: Store) -> None:
    store.add_partnerships(pd.DataFrame([edge(year=2019, note="first")]))
    store.add_partnerships(pd.DataFrame([edge(note="second")]))
    assert stored_edges(store) == [["dj-1", "ma-1", "mou", 2019, "second"]]


def test_the_reversed_pair_is_the_same_partnership(store: Store) -> None:
    store.add_partnerships(pd.DataFrame([edge(year=2019)]))
    store.add_partnerships(pd.DataFrame([edge("ma-1", "dj-1", year=2019)]))
    assert len(store.partnerships()) == 1


def test_a_reimport_of_the_reversed_pair_takes_its_direction(store: Store) -> None:
    store.add_partnerships(pd.DataFrame([edge(year=2019)]))
    store.add_partnerships(pd.DataFrame([edge("ma-1", "dj-1")]))
    assert stored_edges(store) == [["ma-1", "dj-1", "mou", 2019, ""]]


def test_the_same_pair_twice_in_one_file_keeps_the_earliest_year(store: Store) -> None:
    store.add_partnerships(pd.DataFrame([edge(year=2021), edge("ma-1", "dj-1", year=2016)]))
    assert store.partnerships()["year"].tolist() == [2016]


def test_the_same_pair_twice_in_one_file_keeps_both_notes(store: Store) -> None:
    store.add_partnerships(pd.DataFrame([edge(year=2021, note="renewed"), edge(year=2016, note="signed")]))
    assert store.partnerships()["note"].tolist() == ["signed; renewed"]


def schema_1_store(path: Path, partnerships: list[tuple[object, ...]]) -> Path:
    """A store as schema 1 wrote it: the partnership key held the direction and the year."""
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX IF EXISTS uq_partnership_pair")
        conn.execute("DROP INDEX IF EXISTS uq_partnership")
        conn.execute(
            "CREATE UNIQUE INDEX uq_partnership ON partnerships (source_id, target_id, kind, coalesce(year, 0))"
        )
        conn.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
        conn.executemany(
            "INSERT INTO partnerships (source_id, target_id, kind, year, note) VALUES (?, ?, ?, ?, ?)", partnerships
        )
    return path


def test_opening_a_schema_1_store_merges_its_duplicate_partnerships(tmp_path: Path) -> None:
    path = schema_1_store(
        tmp_path / "old.sqlite",
        [
            ("dj-1", "ma-1", "mou", None, "signed"),
            ("dj-1", "ma-1", "mou", 2019, "signed"),
            ("ma-1", "dj-1", "mou", 2017, "board visit"),
            ("dj-1", "ma-1", "visit", None, ""),
            ("dj-1", "se-1", "mou", 2020, ""),
        ],
    )
    assert stored_edges(Store(path)) == [
        ["ma-1", "dj-1", "mou", 2017, "board visit; signed"],
        ["dj-1", "ma-1", "visit", None, ""],
        ["dj-1", "se-1", "mou", 2020, ""],
    ]


def test_an_upgraded_schema_1_store_fills_in_years_on_reimport(tmp_path: Path) -> None:
    upgraded = Store(schema_1_store(tmp_path / "old.sqlite", [("dj-1", "ma-1", "mou", None, "")]))
    upgraded.add_partnerships(pd.DataFrame([edge(year=2018)]))
    assert stored_edges(upgraded) == [["dj-1", "ma-1", "mou", 2018, ""]]


def test_a_failed_transaction_writes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.upsert_profiles(profile_rows(), conn=conn)
        raise RuntimeError("import failed half-way")
    assert store.stats()["profiles"] == 0


def test_store_uses_wal_and_records_its_schema_version(store: Store) -> None:
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)


def test_a_store_from_a_newer_version_is_refused(store: Store) -> None:
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreError, match="newer"):
        Store(store.path)


def test_feedback_labels_are_checked(store: Store) -> None:
    store.add_feedback("dj-1", "ma-1", "relevant", user="officer")
    with pytest.raises(StoreError, match="unknown feedback label"):
        store.add_feedback("dj-1", "ma-1", "meh")
    assert store.feedback("dj-1")["label"].tolist() == ["relevant"]


def test_version_counter_moves_with_every_profile_or_partnership_write(store: Store) -> None:
    start = store.version()
    store.upsert_profiles(profile_rows())
    after_profiles = store.version()
    store.add_partnerships(pd.DataFrame([{"source_id": "dj-1", "target_id": "ma-1"}]))
    assert start < after_profiles < store.version()


def test_shortlist_entries_carry_stage_and_note_and_the_profile_name(store: Store) -> None:
    store.upsert_profiles(profile_rows())
    sid = store.create_shortlist("Málaga mission 2027", owner="officer")
    store.set_shortlist_entry(sid, "ma-1")
    store.set_shortlist_entry(sid, "ma-1", stage="contacted", note="call in May")
    entries = store.shortlist_entries(sid)
    assert entries[["profile_id", "name", "stage", "note"]].values.tolist() == [
        ["ma-1", "Biomédica Costa del Sol", "contacted", "call in May"]
    ]
    assert store.shortlists().loc[0, "entries"] == 1


def test_shortlist_names_are_unique_per_owner_and_stages_checked(store: Store) -> None:
    sid = store.create_shortlist("Visit", owner="officer")
    with pytest.raises(StoreError, match="already a shortlist"):
        store.create_shortlist("Visit", owner="officer")
    with pytest.raises(StoreError, match="unknown stage"):
        store.set_shortlist_entry(sid, "ma-1", stage="married")


def test_deleting_a_shortlist_deletes_its_entries(store: Store) -> None:
    sid = store.create_shortlist("Visit")
    store.set_shortlist_entry(sid, "ma-1")
    store.delete_shortlist(sid)
    assert store.shortlists().empty and store.shortlist_entries(sid).empty


def test_notes_are_kept_per_organisation_newest_first(store: Store) -> None:
    store.add_note("ma-1", "met at BIO 2026", author="officer")
    store.add_note("ma-1", "sent NDA", author="officer")
    store.add_note("dj-1", "other")
    assert store.notes("ma-1")["text"].tolist() == ["sent NDA", "met at BIO 2026"]
    with pytest.raises(StoreError, match="empty"):
        store.add_note("ma-1", "  ")
