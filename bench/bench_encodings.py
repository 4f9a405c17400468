"""Benchmark: reading the same profiles file saved in UTF-8 and in the legacy encodings Excel writes.

Run from the repository root: ``python3 bench/bench_encodings.py`` (about a minute on two cores). It prints the
results and writes them into the "Import: legacy encodings" section of ``bench/RESULTS.md``, leaving the other
sections alone. ``--n`` sets the number of rows (default 200,000), ``--no-write`` only prints.

Each file holds one row per profile in the language of its encoding (Korean for CP949 and UTF-8, Japanese for
Shift-JIS, German for Windows-1252). The table gives the fastest of ``--rounds`` reads, what the reader noted, and
whether the first name came back as written: legacy files cost the detection (charset-normalizer on the first MiB),
the decoding and the check for garbled text, on top of the parsing every file costs.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from results import write_section  # bench/results.py: the script's folder is on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher.readers import read_table  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Import: legacy encodings"
HEADER = "id,name,org_type,city,country,description\n"
ROWS = {
    "Korean": ("세종 바이오로직스", "kr-{i},{name} {i},startup,대전,대한민국,항체 약물 접합체 개발 및 GMP 위탁생산\n"),
    "Japanese": (
        "株式会社さくらバイオ",
        "jp-{i},{name} {i},startup,東京,日本,抗体医薬品の受託製造とバイオプロセス開発\n",
    ),
    "German": ("Stahlwerk Gießen", "de-{i},{name} {i},company,Dortmund,Deutschland,Wärmepumpen für Großkunden\n"),
}
FILES = [
    ("UTF-8", "utf-8", "Korean"),
    ("CP949", "cp949", "Korean"),
    ("Shift-JIS", "shift_jis", "Japanese"),
    ("Windows-1252", "cp1252", "German"),
]


def run(n: int, rounds: int, workdir: Path) -> str:
    lines = [
        "| file | size | read_table (fastest) | note | first name intact |",
        "|---|---:|---:|---|---|",
    ]
    for label, codec, language in FILES:
        name, row = ROWS[language]
        path = workdir / f"{codec}.csv"
        path.write_bytes((HEADER + "".join(row.format(i=i, name=name) for i in range(n))).encode(codec))
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            result = read_table(path)
            times.append(time.perf_counter() - start)
        intact = result.frame["name"].iloc[0] == f"{name} 0"
        note = "; ".join(result.notes) or "(none: UTF-8)"
        size = path.stat().st_size / 2**20
        lines.append(
            f"| {label} ({language}) | {size:,.1f} MiB | {min(times):.2f} s | {note} | {'yes' if intact else 'NO'} |"
        )
        print(lines[-1], flush=True)
    return "\n".join(
        [
            SECTION,
            "",
            f"{date.today().isoformat()}, Python {platform.python_version()}, {platform.machine()}, fastest of "
            f"{rounds} rounds, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. {n:,} rows of 6 "
            "columns per file. `python3 bench/bench_encodings.py`.",
            "",
            *lines,
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        body = run(args.n, args.rounds, Path(workdir))
    print(body)
    if not args.no_write:
        write_section(SECTION, body, RESULTS)


if __name__ == "__main__":
    main()
