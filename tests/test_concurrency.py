"""Concurrent use of one workspace by 8 processes: writers of feedback, shortlists and notes, readers running
recommendations and search, and an import, all at once. Every write is counted and found afterwards, no
"database is locked" reaches a caller, and no reader sees a torn state."""

from __future__ import annotations

import multiprocessing as mp
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from matcher.api import Matcher
from matcher.embed import TfidfEncoder
from matcher.schema import Profile
from matcher.store import Store

CITIES = [("Daejeon", "KR"), ("Seattle", "US"), ("Calgary", "CA"), ("Dortmund", "DE"), ("Málaga", "ES")]
TOPICS = ["antibody drug conjugates", "GMP fill-finish", "quantum sensors", "battery materials", "surgical robots",
          "clinical trials", "semiconductor packaging", "AI diagnostics"]
ENTRIES_PER_SHORTLIST = 3
SECONDS = 4.0
"""How long every process keeps working once all have started: long enough for the import to run a few times."""
DEADLINE = 240
"""Seconds the whole run may take on a busy machine before the test gives up."""


def profiles() -> pd.DataFrame:
    rows = []
    for n in range(40):
        city, country = CITIES[n % len(CITIES)]
        offer, need = TOPICS[n % len(TOPICS)], TOPICS[(n * 3 + 1) % len(TOPICS)]
        rows.append({"id": f"p-{n:02d}", "name": f"Org {n}", "org_type": "startup" if n % 2 else "company",
                     "city": city, "country": country, "description": f"We work on {offer}.",
                     "offers": f"Expertise in {offer}", "seeks": f"Partners for {need}"})
    return pd.DataFrame(rows)


def encoder() -> TfidfEncoder:
    """The same fitted TF-IDF encoder in every process (fitting is deterministic), so no model is loaded."""
    frame = profiles()
    texts = [Profile.from_mapping(row).text("profile") for row in frame.to_dict("records")]
    return TfidfEncoder(n_components=16).fit(texts)


def _feedback_writer(home: str, n: int, end: float) -> dict[str, Any]:
    store = Store(Path(home) / "matcher.sqlite")
    written = 0
    while time.monotonic() < end:
        store.add_feedback(f"p-{written % 40:02d}", f"p-{(written + n + 1) % 40:02d}", "relevant", user=f"fb-{n}")
        written += 1
    return {"feedback": written}


def _shortlist_writer(home: str, n: int, end: float) -> dict[str, Any]:
    store = Store(Path(home) / "matcher.sqlite")
    lists = notes = 0
    while time.monotonic() < end:
        shortlist = store.create_shortlist(f"mission {lists}", owner=f"officer-{n}")
        for j in range(ENTRIES_PER_SHORTLIST):
            store.set_shortlist_entry(shortlist, f"p-{(lists + j) % 40:02d}", stage="contacted", note=f"call {j}")
        lists += 1
        store.add_note(f"p-{notes % 40:02d}", f"note {notes}", author=f"officer-{n}")
        notes += 1
    return {"shortlists": lists, "entries": lists * ENTRIES_PER_SHORTLIST, "notes": notes}


def _importer(home: str, n: int, end: float) -> dict[str, Any]:
    matcher = Matcher(home, encoder=encoder())
    imports = 0
    while time.monotonic() < end:
        report = matcher.import_profiles(Path(home).parent / "profiles.csv")
        if report.rejected:
            raise AssertionError(f"rejected rows: {report.rejected}")
        imports += 1
    return {"imports": imports}


def _reader(home: str, n: int, end: float) -> dict[str, Any]:
    matcher = Matcher(home, encoder=encoder())
    store = matcher.store
    calls = torn = i = 0
    last: dict[str, int] = {}
    while time.monotonic() < end:
        i += 1
        recs = matcher.recommend(f"p-{(i + n) % 40:02d}", k=5)
        hits = matcher.search(TOPICS[i % len(TOPICS)], k=5)
        calls += bool(recs.results) + bool(hits)
        # Entries are only added: a shortlist seen with m entries must show at least m when read again.
        for row in store.shortlists().itertuples():
            if len(store.shortlist_entries(int(row.id))) < row.entries:
                torn += 1
        counts = {k: v for k, v in store.stats().items() if isinstance(v, int)}
        torn += sum(counts[k] < last.get(k, 0) for k in ("feedback", "shortlists", "notes", "profiles"))
        last = counts
    return {"reads": calls, "torn": torn}


WORKERS: dict[str, Callable[[str, int, float], dict[str, Any]]] = {
    "feedback": _feedback_writer,
    "shortlist": _shortlist_writer,
    "import": _importer,
    "read": _reader,
}


def _run(kind: str, home: str, n: int, start: Any, results: Any) -> None:
    encoder()  # fitted before the start, so that all processes work through the same seconds
    start.wait(timeout=DEADLINE)  # every process has imported the package: now they all go at once
    try:
        results.put((kind, n, WORKERS[kind](home, n, time.monotonic() + SECONDS), None))
    except BaseException:
        results.put((kind, n, {}, traceback.format_exc()))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    frame = profiles()
    frame.to_csv(tmp_path / "profiles.csv", index=False)
    matcher = Matcher(tmp_path / "ws", encoder=encoder())
    matcher.import_profiles(tmp_path / "profiles.csv")
    matcher.build()
    matcher.store.close()
    return tmp_path / "ws"


@pytest.mark.slow  # eight interpreters start and import the package, then work for SECONDS: 15-60 s on two cores
def test_eight_processes_lose_no_write_see_no_lock_error_and_no_torn_read(home: Path) -> None:
    plan = [("feedback", 0), ("feedback", 1), ("feedback", 2), ("shortlist", 0), ("shortlist", 1), ("import", 0),
            ("read", 0), ("read", 1)]
    ctx = mp.get_context("spawn")
    start, results = ctx.Barrier(len(plan)), ctx.Queue()
    processes = [ctx.Process(target=_run, args=(kind, str(home), n, start, results)) for kind, n in plan]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=DEADLINE) for _ in plan]
    for process in processes:
        process.join(timeout=30)
    errors = [f"{kind} {n}:\n{error}" for kind, n, _, error in outcomes if error]
    assert not errors, "\n".join(errors)  # a "database is locked" would surface here

    done = {(kind, n): counts for kind, n, counts, _ in outcomes}
    store = Store(home / "matcher.sqlite")
    feedback = store.feedback()
    for n in range(3):
        assert (feedback["user"] == f"fb-{n}").sum() == done["feedback", n]["feedback"] > 0
    lists = store.shortlists()
    for n in range(2):
        mine = lists[lists["owner"] == f"officer-{n}"]
        assert len(mine) == done["shortlist", n]["shortlists"] > 0
        assert mine["entries"].sum() == done["shortlist", n]["entries"]
        assert (store.notes()["author"] == f"officer-{n}").sum() == done["shortlist", n]["notes"]
    assert store.stats()["profiles"] == 40
    assert len(store.imports()) == 1 + done["import", 0]["imports"] > 1
    for n in range(2):
        assert done["read", n]["reads"] > 0
        assert done["read", n]["torn"] == 0
