"""Time and memory of :func:`matcher.synthetic.generate` (and :func:`~matcher.synthetic.write`) at scale.

Each size runs in a fresh child process so that its peak resident memory is its own. Reported per size: wall
and CPU time of ``generate``, peak RSS (and the RSS of the imported modules before generating), the rows
produced, and wall time and size of the CSV files ``write`` produces. The load average is recorded because
the benchmark machine is shared: on a busy machine wall time exceeds CPU time.

Run from the repository root (writes the "Synthetic generator" section of bench/RESULTS.md, leaving the
others)::

    python3 bench/bench_synthetic.py                 # 10k, 100k, 1M: a few minutes on 2 cores
    python3 bench/bench_synthetic.py --sizes 10000 --no-write
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import write_section  # bench/results.py: the script's folder is on sys.path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Synthetic generator"

logger = logging.getLogger("bench_synthetic")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(n: int, seed: int) -> dict[str, float]:
    """Runs in the child process: generate, then write, and report the measurements."""
    sys.path.insert(0, str(ROOT))
    from matcher.synthetic import generate, write

    baseline = _peak_rss_mb()
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    data = generate(n, seed=seed)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _peak_rss_mb()
    with tempfile.TemporaryDirectory() as folder:
        write_wall, write_cpu = time.perf_counter(), time.process_time()
        paths = write(data, Path(folder))
        write_wall, write_cpu = time.perf_counter() - write_wall, time.process_time() - write_cpu
        csv_mb = sum(p.stat().st_size for p in paths.values()) / 1e6
    return {
        "n": n, "wall_s": wall, "cpu_s": cpu, "baseline_mb": baseline, "peak_mb": peak,
        "peak_with_write_mb": _peak_rss_mb(), "truth": len(data.truth), "partnerships": len(data.partnerships),
        "write_wall_s": write_wall, "write_cpu_s": write_cpu, "csv_mb": csv_mb, "load": load,
    }


def measure(n: int, seed: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", str(n), "--seed", str(seed)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(rows: list[dict[str, float]]) -> str:
    import numpy
    import pandas
    import pyarrow

    lines = [
        SECTION, "",
        "Written by `python3 bench/bench_synthetic.py` (one run per size, each in a fresh process, seed 0). "
        "`generate` builds all four frames in memory; `write` then writes the four CSV files the CLI's "
        "`matcher generate` writes. Peak RSS includes the interpreter and imported modules "
        "(the *imports* column). `generate` runs on one thread, so on an idle machine its wall time is about its "
        "CPU time; the load average (1 min, at the start of each run) shows how busy the shared machine was.",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, NumPy {numpy.__version__}, "
        f"pandas {pandas.__version__}, pyarrow {pyarrow.__version__}.",
        "",
        "| n | generate wall | generate CPU | peak RSS | imports | truth rows | partnerships | write wall "
        "| write CPU | peak RSS with write | CSV size | load |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['wall_s']:.1f} s | {r['cpu_s']:.1f} s | {r['peak_mb'] / 1024:.2f} GB "
            f"| {r['baseline_mb']:.0f} MB | {r['truth']:,} | {r['partnerships']:,} | {r['write_wall_s']:.1f} s "
            f"| {r['write_cpu_s']:.1f} s | {r['peak_with_write_mb'] / 1024:.2f} GB | {r['csv_mb']:.0f} MB "
            f"| {r['load']:.1f} |"
        )
    return "\n".join(lines) + "\n"




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.seed)))
        return
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = []
    for n in args.sizes:
        rows.append(measure(n, args.seed))
        logger.info("%s", rows[-1])
    text = report(rows)
    print(text)
    if not args.no_write:
        write_section(SECTION, text, RESULTS)
        logger.info("wrote %s", RESULTS)


if __name__ == "__main__":
    main()
