"""Benchmark: reading and validating large import files, and building frames from the CORDIS sample.

Run from the repository root: ``python3 bench/bench_import.py`` (about a minute on two cores). It prints the
results and writes them into the "Import" section of ``bench/RESULTS.md``, leaving the other sections alone.
``--n`` sets the number of rows (default 100,000), ``--no-write`` only prints.

Each measurement runs several rounds and reports the fastest: on a shared machine the fastest round is the one
least disturbed by other work.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import pandas as pd
from results import write_section  # bench/results.py: the script's folder is on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher.cordis import CordisFrames, cordis_to_frames, read_cordis  # noqa: E402
from matcher.readers import read_table  # noqa: E402
from matcher.validate import validate_partnerships, validate_profiles  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Import: reading and validation"
CORDIS = ROOT.parent / "shared" / "data" / "cordis_semiconductor"

TYPES = ["startup", "SME", "Research Institute", "university", "Large company", "hospital", "VC"]
COUNTRIES = ["KR", "Republic of Korea", "US", "USA", "Germany", "DE", "España", "CA", "UK"]
SECTORS = ["ADC; CDMO", "semiconductors; AI", "space robotics", "Machine learning; batteries", "", "quantum"]
WORDS = "GMP fill-finish antibody wafer lithography battery cathode robot sensor assay clinical trial".split()


def profile_rows(n: int, seed: int = 0) -> list[list[str]]:
    """Realistic rows: mixed spellings, free sector tags, texts of 100-1,500 characters, about 2% bad rows."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        text = " ".join(rng.choices(WORDS, k=rng.randint(15, 200)))
        rows.append(
            [
                f"p-{i}",
                f"Org {i} 한빛 Straße Peña",
                "Lab rat" if rng.random() < 0.01 else rng.choice(TYPES),
                rng.choice(["Daejeon", "Seattle", "Málaga", "Dortmund"]),
                "Atlantis" if rng.random() < 0.01 else rng.choice(COUNTRIES),
                rng.choice(SECTORS),
                text,
                text[: len(text) // 3],
                text[len(text) // 3 :],
                str(rng.randint(1, 5000)),
                str(rng.randint(1950, 2024)),
                rng.choice(["", "seed", "Series A", "growth"]),
                "CRISPR; LNP",
                "en; ko",
            ]
        )
    return rows


HEADER = [
    "id",
    "organisation",
    "type",
    "city",
    "country",
    "sectors",
    "description",
    "offers",
    "seeks",
    "employees",
    "founded",
    "stage",
    "technologies",
    "languages",
]


T = TypeVar("T")


def fastest(function: Callable[[], T], rounds: int) -> tuple[str, T]:
    """The fastest of ``rounds`` runs as "wall s / CPU s" (CPU time is what other work cannot inflate), and the
    last result."""
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return f"{min(wall):.2f} s | {min(cpu):.2f} s", result


def run(n: int, rounds: int, workdir: Path) -> str:
    rows = profile_rows(n)
    csv_path = workdir / "profiles.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    json_path = workdir / "profiles.json"
    json_path.write_text(json.dumps([dict(zip(HEADER, row, strict=True)) for row in rows], ensure_ascii=False))

    lines = []
    timing, read = fastest(lambda: read_table(csv_path, max_bytes=2**31), rounds)
    frame = read.frame
    size = csv_path.stat().st_size / 2**20
    lines.append(f"| read_table, CSV ({size:,.0f} MiB) | {n:,} | {timing} |")
    timing, _ = fastest(lambda: read_table(json_path, max_bytes=2**31), rounds)
    lines.append(f"| read_table, JSON | {n:,} | {timing} |")
    timing, report = fastest(lambda: validate_profiles(frame), rounds)
    kept, rejected = len(report.valid), len(report.rejected)
    lines.append(f"| validate_profiles ({kept:,} kept, {rejected:,} rejected) | {n:,} | {timing} |")
    ids = [f"p-{i}" for i in range(n)]
    rng = random.Random(1)
    pairs = [{"source_id": rng.choice(ids), "target_id": rng.choice(ids), "kind": "MoU", "year": "2020"} for _ in ids]
    partnership_frame = pd.DataFrame(pairs, dtype=object)
    timing, _ = fastest(lambda: validate_partnerships(partnership_frame, set(ids)), rounds)
    lines.append(f"| validate_partnerships | {n:,} | {timing} |")
    if (CORDIS / "organization.json").is_file():

        def cordis() -> CordisFrames:
            return cordis_to_frames(*read_cordis(CORDIS / "organization.json", CORDIS / "project.json"))

        timing, frames = fastest(cordis, rounds)
        lines.append(
            f"| read_cordis + cordis_to_frames (sample: 1,076 participations, "
            f"{len(frames.partnerships):,} pairs) | 765 | {timing} |"
        )
    return "\n".join(
        [
            SECTION,
            "",
            f"{date.today().isoformat()}, Python {platform.python_version()}, {platform.machine()}, fastest of "
            f"{rounds} rounds, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. Synthetic "
            "profiles: 14 columns, texts of 100-1,500 characters, mixed spellings, about 2% rows with an unknown "
            "org_type or country. `python3 bench/bench_import.py`.",
            "",
            "| step | rows | wall time | CPU time |",
            "|---|---:|---:|---:|",
            *lines,
        ]
    )




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="rows per table")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as workdir:
        body = run(args.n, args.rounds, Path(workdir))
    print(body)
    if not args.no_write:
        write_section(SECTION, body, RESULTS)
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
