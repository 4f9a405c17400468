"""The store, on SQLite and on PostgreSQL alike: upserts by id, idempotent partnerships, filters, checksums, the
same ordering, NULL, list and text handling on both, and schema migrations (Alembic) that adopt the stores written
before them.

The ``store`` fixture runs each specification on both backends; the PostgreSQL runs are marked ``postgres`` and
are skipped with a reason where PostgreSQL is not installed (tests/postgres.py).
"""

from __future__ import annotations

import shutil
import sqlite3
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from matcher import migrations
from matcher.errors import InputError
from matcher.store import LEGACY_SCHEMA_VERSION, SCHEMA_VERSION, Store, StoreError, metadata

STORE_V2 = Path(__file__).parent / "data" / "store_v2.sqlite"
"""A store written by the last release before Alembic (schema 2); tests/data/README.md says what it holds."""


@pytest.fixture
def store(target: Path | str) -> Iterator[Store]:
    opened = Store(target)
    yield opened
    opened.close()


def profile_rows(**overrides: object) -> pd.DataFrame:
    rows = [
        {"id": "dj-1", "name": "Hanbit Bio", "org_type": "startup", "city": "Daejeon", "country": "KR",
         "sectors": ("antibody_drug_conjugates",), "seeks": "GMP fill-finish", "employees": 12},
        {"id": "ma-1", "name": "Biomédica Costa del Sol", "org_type": "sme", "city": "Málaga", "country": "ES",
         "sectors": ("bioprocessing_cdmo", "biologics"), "offers": "aseptic fill-finish"},
    ]  # fmt: skip
    return pd.DataFrame([{**row, **overrides} for row in rows])


def run_sql(store: Store, statement: str, **params: object) -> list[tuple[object, ...]]:
    """Runs raw SQL on the store's database, whichever it is, and returns the rows (none for a write)."""
    with store.transaction() as conn:
        result = conn.execute(sa.text(statement), params)
        return [tuple(row) for row in result] if result.returns_rows else []


# Profiles -----------------------------------------------------------------------------------------------------


def test_profiles_round_trip_with_tuples_and_unicode(store: Store) -> None:
    store.upsert_profiles(profile_rows())
    got = store.get_profile("ma-1")
    assert got is not None
    assert got.name == "Biomédica Costa del Sol"
    assert got.sectors == ("bioprocessing_cdmo", "biologics")
    assert store.get_profile("dj-1").employees == 12  # type: ignore[union-attr]


def test_missing_values_read_back_as_missing_and_empty_lists(store: Store) -> None:
    store.upsert_profiles(profile_rows())
    row = store.profiles(ids=["ma-1"]).iloc[0]
    assert pd.isna(row["employees"]) and row["website"] is None
    assert row["technologies"] == () and row["seeks"] == ""


def test_whole_numbers_keep_the_64_bits_of_sqlite(store: Store) -> None:
    store.upsert_profiles(profile_rows(employees=3_000_000_000))
    assert store.get_profile("dj-1").employees == 3_000_000_000  # type: ignore[union-attr]


def test_reimport_upserts_by_id(store: Store) -> None:
    store.upsert_profiles(profile_rows())
    store.upsert_profiles(profile_rows(city="Seattle", country="US"))
    assert store.stats()["profiles"] == 2
    assert store.get_profile("dj-1").city == "Seattle"  # type: ignore[union-attr]


def test_the_last_row_of_an_id_repeated_in_one_frame_wins(store: Store) -> None:
    rows = pd.concat([profile_rows().head(1), profile_rows(name="Hanbit Bioworks").head(1)])
    store.upsert_profiles(rows)
    assert store.profiles()["name"].tolist() == ["Hanbit Bioworks"]


def test_missing_profile_is_none(store: Store) -> None:
    assert store.get_profile("nope") is None


def test_profiles_are_listed_in_code_point_order_whatever_the_database_locale(store: Store) -> None:
    ids = ["b-1", "B-1", "a-1", "A-2", "ab", "a-b", "Ä-1"]
    store.upsert_profiles(pd.DataFrame([{**profile_rows().iloc[0].to_dict(), "id": i} for i in ids]))
    assert store.profiles()["id"].tolist() == sorted(ids) == ["A-2", "B-1", "a-1", "a-b", "ab", "b-1", "Ä-1"]


def test_sector_filter_matches_any_listed_sector(store: Store) -> None:
    store.upsert_profiles(profile_rows())
    assert store.profiles(sector=["biologics"])["id"].tolist() == ["ma-1"]
    assert store.profiles(country=["kr"])["id"].tolist() == ["dj-1"]


def test_city_filter_ignores_case(store: Store) -> None:
    store.upsert_profiles(profile_rows())
    assert store.profiles(city=["DAEJEON", "málaga"])["id"].tolist() == ["dj-1", "ma-1"]


def test_checksum_changes_when_any_profile_changes(store: Store) -> None:
    store.upsert_profiles(profile_rows())
    before = store.checksum()
    store.upsert_profiles(profile_rows())
    assert store.checksum() == before
    store.upsert_profiles(profile_rows().head(1).assign(seeks="a new need"))
    assert store.checksum() != before


def test_nul_characters_are_removed_from_text(store: Store) -> None:
    store.upsert_profiles(profile_rows(description="GMP\x00 suites"))
    store.add_note("ma-1", "called\x00 twice")
    assert store.get_profile("ma-1").description == "GMP suites"  # type: ignore[union-attr]
    assert store.notes()["text"].tolist() == ["called twice"]


# Partnerships -------------------------------------------------------------------------------------------------


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


def plain(frame: pd.DataFrame) -> list[list[object]]:
    """A frame's rows as lists, missing values as None."""
    frame = frame.astype(object)
    return frame.where(frame.notna(), None).values.tolist()


def stored_edges(store: Store) -> list[list[object]]:
    """The stored partnerships as [source_id, target_id, kind, year, note] rows, years as plain ints or None."""
    return plain(store.partnerships())


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


def test_a_pair_is_ordered_by_code_point_whatever_the_database_locale(store: Store) -> None:
    # By code point "B-1" < "a-1"; a linguistic collation says the opposite, and the reversal would go unseen.
    store.add_partnerships(pd.DataFrame([edge("a-1", "B-1", year=2019)]))
    store.add_partnerships(pd.DataFrame([edge("B-1", "a-1", year=2020)]))
    assert stored_edges(store) == [["B-1", "a-1", "mou", 2020, ""]]


def test_the_same_pair_twice_in_one_file_keeps_the_earliest_year(store: Store) -> None:
    store.add_partnerships(pd.DataFrame([edge(year=2021), edge("ma-1", "dj-1", year=2016)]))
    assert store.partnerships()["year"].tolist() == [2016]


def test_the_same_pair_twice_in_one_file_keeps_both_notes(store: Store) -> None:
    store.add_partnerships(pd.DataFrame([edge(year=2021, note="renewed"), edge(year=2016, note="signed")]))
    assert store.partnerships()["note"].tolist() == ["signed; renewed"]


def test_a_failed_transaction_writes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.upsert_profiles(profile_rows(), conn=conn)
        raise RuntimeError("import failed half-way")
    assert store.stats()["profiles"] == 0


def test_version_counter_moves_with_every_profile_or_partnership_write(store: Store) -> None:
    start = store.version()
    store.upsert_profiles(profile_rows())
    after_profiles = store.version()
    store.add_partnerships(pd.DataFrame([{"source_id": "dj-1", "target_id": "ma-1"}]))
    assert start < after_profiles < store.version()


# Feedback, shortlists, notes ----------------------------------------------------------------------------------


def test_feedback_labels_are_checked(store: Store) -> None:
    store.add_feedback("dj-1", "ma-1", "relevant", user="officer")
    with pytest.raises(StoreError, match="unknown feedback label"):
        store.add_feedback("dj-1", "ma-1", "meh")
    assert store.feedback("dj-1")["label"].tolist() == ["relevant"]


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


def test_a_note_changed_meanwhile_is_not_overwritten(store: Store) -> None:
    sid = store.create_shortlist("Visit")
    store.set_shortlist_entry(sid, "ma-1", note="call in May")
    store.set_shortlist_entry(sid, "ma-1", note="called", expected_note="call in May")
    with pytest.raises(StoreError, match="changed by someone else"):
        store.set_shortlist_entry(sid, "ma-1", note="call in June", expected_note="call in May")
    assert store.shortlist_entries(sid)["note"].tolist() == ["called"]


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


def test_timestamps_are_stored_in_utc(store: Store) -> None:
    store.add_note("ma-1", "met at BIO 2026")
    written = datetime.fromisoformat(store.notes()["created_at"].iloc[0])
    assert written.utcoffset() is not None and written.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert abs((datetime.now(UTC) - written).total_seconds()) < 3600


# Schema and migrations ----------------------------------------------------------------------------------------


def test_a_new_store_is_at_the_newest_revision_and_tells_older_releases_so(store: Store) -> None:
    assert run_sql(store, "SELECT version_num FROM alembic_version") == [(migrations.head(),)]
    assert run_sql(store, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(SCHEMA_VERSION),)]
    assert SCHEMA_VERSION > LEGACY_SCHEMA_VERSION  # what a release before Alembic refuses


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_the_migrations_create_the_tables_the_product_uses(store: Store) -> None:
    import matcher.api  # noqa: F401  (every module that defines a table on the store's metadata)

    with store.transaction() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    # Alembic cannot reflect SQLite's expression index, and does not compare PostgreSQL's; its columns are
    # checked by the partnership tests above.
    assert [d for d in differences if not (d[0] == "add_index" and d[1].name == "uq_partnership_pair")] == []


def test_a_store_from_a_newer_release_is_refused(target: Path | str) -> None:
    written = Store(target)
    run_sql(written, "UPDATE alembic_version SET version_num = 'f00d_later'")
    written.close()
    with pytest.raises(StoreError, match=r"newer Innopolis Matcher \(schema revision f00d_later"):
        Store(target)


def test_stores_opened_by_several_at_once_are_migrated_once(target: Path | str) -> None:
    opened: list[Store] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_store() -> None:
        start.wait()
        try:
            opened.append(Store(target))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(opened) == 4
    assert run_sql(opened[0], "SELECT count(*) FROM alembic_version") == [(1,)]
    for each in opened:
        each.close()


def test_store_uses_wal_and_an_owner_only_file(tmp_path: Path) -> None:
    store = Store(tmp_path / "matcher.sqlite")
    with sqlite3.connect(store.path) as conn:  # type: ignore[arg-type]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stat.S_IMODE((tmp_path / "matcher.sqlite").stat().st_mode) == 0o600


def test_a_new_sqlite_store_has_every_table_and_index_of_the_release_before_alembic_as_it_made_them(
    tmp_path: Path,
) -> None:
    def schema(path: Path) -> dict[str, str]:
        with sqlite3.connect(path) as conn:
            return dict(conn.execute("SELECT name, sql FROM sqlite_master").fetchall())

    def columns(path: Path) -> dict[str, list[tuple[str, str, int, object, int]]]:
        with sqlite3.connect(path) as conn:
            tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {t: [tuple(c[1:]) for c in conn.execute(f"PRAGMA table_info('{t}')")] for t in tables}

    Store(tmp_path / "new.sqlite").close()
    before, now = schema(STORE_V2), schema(tmp_path / "new.sqlite")
    # Later revisions may add tables beside them and columns after theirs; every index and column stays as it was.
    indexes = {name: sql for name, sql in before.items() if "INDEX" in (sql or "")}
    assert {name: now.get(name) for name in indexes} == indexes
    old, new = columns(STORE_V2), columns(tmp_path / "new.sqlite")
    assert {table: new[table][: len(cols)] for table, cols in old.items()} == old


@pytest.fixture
def store_v2(tmp_path: Path) -> Path:
    """A copy of the store written by the last release before Alembic."""
    return Path(shutil.copy(STORE_V2, tmp_path / "matcher.sqlite"))


def test_a_store_written_before_alembic_opens_with_all_its_data(store_v2: Path) -> None:
    store = Store(store_v2)
    assert store.profiles()["id"].tolist() == ["dj-1", "ma-1", "se-1"]
    assert store.get_profile("ma-1").public_fields == ("name", "offers")  # type: ignore[union-attr]
    assert store.get_profile("dj-1").technologies == ("ADC linkers", "site-specific conjugation")  # type: ignore[union-attr]
    assert stored_edges(store) == [["dj-1", "ma-1", "mou", 2019, "signed"], ["se-1", "dj-1", "visit", None, ""]]
    assert plain(store.feedback()[["label", "reason", "user"]]) == [
        ["relevant", None, "officer"],
        ["not_relevant", "competitor", "startup"],
    ]
    shortlist = store.shortlists()
    assert shortlist[["name", "owner", "entries"]].values.tolist() == [["Málaga mission 2027", "officer", 2]]
    assert store.shortlist_entries(int(shortlist["id"].iloc[0]))[["profile_id", "stage", "note"]].values.tolist() == [
        ["ma-1", "contacted", "call in May"],
        ["se-1", "new", ""],
    ]
    assert store.notes()["text"].tolist() == ["met at BIO 2026"]
    assert store.imports()[["kind", "imported", "rejected"]].values.tolist() == [
        ["partnerships", 2, 1],
        ["profiles", 3, 0],
    ]
    assert store.version() == 2


def test_a_store_written_before_alembic_is_stamped_and_marked(store_v2: Path) -> None:
    store = Store(store_v2)
    assert run_sql(store, "SELECT version_num FROM alembic_version") == [(migrations.head(),)]
    assert run_sql(store, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(SCHEMA_VERSION),)]


def test_a_store_written_before_alembic_takes_new_writes(store_v2: Path) -> None:
    store = Store(store_v2)
    store.add_partnerships(pd.DataFrame([edge("dj-1", "se-1", kind="visit", year=2022)]))
    assert stored_edges(store)[1] == ["dj-1", "se-1", "visit", 2022, ""]
    assert store.version() == 3


def test_a_store_of_a_newer_hand_written_schema_is_refused(store_v2: Path) -> None:
    with sqlite3.connect(store_v2) as conn:
        conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=r"newer Innopolis Matcher \(schema 4"):
        Store(store_v2)


def schema_1_store(path: Path, partnerships: list[tuple[object, ...]]) -> Path:
    """A store as schema 1 wrote it (the partnership key held the direction and the year), from the schema 2
    fixture: schema 1 differed from it in that key only."""
    shutil.copy(STORE_V2, path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM partnerships")
        conn.execute("DROP INDEX uq_partnership_pair")
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


# Where the store is -------------------------------------------------------------------------------------------


def test_a_sqlite_url_opens_that_file(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'matcher.sqlite'}")
    assert store.path == tmp_path / "matcher.sqlite" and store.dialect == "sqlite"


def test_other_databases_are_refused_with_the_forms_that_work() -> None:
    with pytest.raises(InputError, match="SQLite or PostgreSQL") as refused:
        Store("mysql+pymysql://matcher:s3cret@db.example/matcher")
    assert "postgresql+psycopg://" in str(refused.value) and "s3cret" not in str(refused.value)


def test_an_unreadable_url_is_refused_without_being_echoed() -> None:
    with pytest.raises(InputError, match="cannot be read") as refused:
        Store("postgresql+psycopg://matcher:s3cret@db.example:port/matcher")
    assert "s3cret" not in str(refused.value)


def test_an_unreachable_server_is_a_clear_error_without_the_password(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the store") as refused:
        Store(f"postgresql+psycopg://matcher:s3cret@/matcher?host={tmp_path / 'no-server'}")
    assert "postgresql+psycopg://matcher:***@/matcher" in str(refused.value) and "s3cret" not in str(refused.value)
