"""Several processes, one truth: workers and an app sharing one PostgreSQL store lose no write, and each reads
the index the others built once the data changed (#14, item 4)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from matcher.api import Matcher
from matcher.config import Settings
from matcher.embed import TfidfEncoder

WRITES = 40
"""Feedback rows, notes and shortlist entries each process writes."""

WRITER = textwrap.dedent(
    """
    import sys
    from matcher.api import Matcher
    from matcher.config import Settings

    home, url, who, writes, list_id = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    m = Matcher(settings=Settings.load(home=home, database_url=url))
    for i in range(writes):
        m.curation.add_feedback("dj-1", "se-1", "relevant" if i % 2 else "not_relevant", user=who)
        m.curation.add_note("dj-1", f"{who} note {i}", author=who)
        m.curation.set_shortlist_entry(list_id, "dj-1", note=f"{who} {i}")
    """
)

PROFILES = pd.DataFrame(
    {
        "id": ["dj-1", "se-1"],
        "name": ["Hanbit Bioworks", "Cascade Conjugates"],
        "org_type": ["startup", "company"],
        "city": ["Daejeon", "Seattle"],
        "country": ["KR", "US"],
        "offers": ["ADC linker chemistry", "GMP bioconjugation"],
        "seeks": ["GMP bioconjugation", "ADC linker chemistry"],
    }
)


def _matcher(home: Path, url: str, encoder: TfidfEncoder | None = None) -> Matcher:
    return Matcher(encoder=encoder, settings=Settings.load(home=home, database_url=url))


@pytest.mark.postgres
def test_three_processes_writing_at_once_lose_nothing(postgres_url: str, tmp_path: Path) -> None:
    PROFILES.to_csv(tmp_path / "p.csv", index=False)
    m = _matcher(tmp_path / "ws", postgres_url)
    m.import_profiles(tmp_path / "p.csv")
    list_id = m.curation.create_shortlist("visit", owner="olga")
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path / "ws"), postgres_url, who, str(WRITES), str(list_id)]
        )
        for who in ("api-1", "api-2", "app")
    ]
    assert [w.wait(timeout=300) for w in writers] == [0, 0, 0]
    assert len(m.curation.feedback("dj-1")) == 3 * WRITES
    assert len(m.curation.notes("dj-1")) == 3 * WRITES
    assert len(m.curation.shortlist_entries(list_id)) == 1  # one entry, changed 120 times, never duplicated


@pytest.mark.postgres
def test_a_reader_picks_up_the_index_another_process_built(postgres_url: str, tmp_path: Path) -> None:
    texts = [*PROFILES["offers"], *PROFILES["seeks"], "qubit control electronics", "cryogenic amplifiers"]
    encoder = TfidfEncoder(n_components=4).fit(texts)
    PROFILES.to_csv(tmp_path / "p.csv", index=False)
    writer = _matcher(tmp_path / "ws", postgres_url, encoder)
    writer.import_profiles(tmp_path / "p.csv")
    writer.build()
    reader = _matcher(tmp_path / "ws", postgres_url, encoder)
    assert {hit.id for hit in reader.search("GMP bioconjugation", k=5)} <= {"dj-1", "se-1"}
    newcomer = PROFILES.iloc[[0]].assign(id="ca-1", name="Bow River Qubits", city="Calgary", country="CA",
                                         offers="qubit control electronics", seeks="cryogenic amplifiers")
    newcomer.to_csv(tmp_path / "new.csv", index=False)
    writer.import_profiles(tmp_path / "new.csv")
    writer.build()
    built = {path: path.stat().st_mtime_ns for path in (tmp_path / "ws" / "index").rglob("*") if path.is_file()}
    assert reader.search("qubit control electronics", k=1)[0].id == "ca-1"
    # The reader loaded the writer's index as it was: it rebuilt nothing itself.
    assert {path: path.stat().st_mtime_ns for path in built} == built
