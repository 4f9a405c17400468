"""Cross-language search sets through the command line, as an agency would run its own (issue #12).

Imports the bundled demo into a workspace (``matcher import``, ``matcher build``), then runs ``matcher
evaluate-search SET --json`` on each labelled set of ``tests/data/multilingual/``: the evaluation set
(``queries.csv``, written with the glossary work) and the two blind sets (``blind_queries.csv`` and
``blind_queries_2.csv``, written without sight of the code, the tables or the results; their data card says how).
Prints, and with ``--write`` writes to bench/RESULTS.md, found first / in the top 5 / MRR per language and every
miss.

Run from the repository root (a minute or two the first time, seconds with ``--reuse``)::

    python3 bench/bench_search_sets.py --workspace /tmp/sets            # prints only
    python3 bench/bench_search_sets.py --workspace /tmp/sets --reuse --write
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from results import write_section  # noqa: E402  (bench/ is on sys.path)

logger = logging.getLogger("bench_search_sets")

SECTION = "## Cross-language search sets through the command line"
SETS = REPO / "tests" / "data" / "multilingual"
DEMO = REPO / "matcher" / "data" / "demo"
NAMES = {
    "evaluation (queries.csv)": "queries.csv",
    "blind (blind_queries.csv)": "blind_queries.csv",
    "second blind (blind_queries_2.csv)": "blind_queries_2.csv",
}

HISTORY = """\
The blind set was run once, as written, at commit 137d5c7 (before any change made in view of it):
ko 10 / 13, de 8 / 13, es 10 / 13 (first / top 5 of 14). Its misses were ko-b02 (a long Korean request the
glossary reads under half of: USE alone, not in the top 40), de-b03 (a German keyword search with no function word:
language undetermined, so unglossed, and nothing shown at all) and es-b11 (rank 6). Two changes came after seeing
it, each checked on every other set before it was kept (bench/RESULTS.md, "Searches read through the glossary" and
"Searches that ask for a kind of organisation"):
- an undetermined text is read in the language whose glossary table reads it (`Glossary.reads_as`, 6dc375d,
  cb2276e): de-b03 from nothing shown to first, de-b08 from 3 to 2; no search of the earlier sets is such a text;
- a reading of six entries or more stands in from 30% of the text (`LONG_READING_TERMS`): ko-b02 to first; no
  search of the other sets left the top 5, no nonsense query is read, and on the mixed-language demo the planted
  partner comes first for 23 of 32 seekers (21 before).
The table above is the state after both. The second blind set was written after both rules and run once, as written,
at commit aa9664f (the working tree held only this bench's changes); nothing was changed after it (its only miss,
es-d09 "SOC gestionado para empresas medianas", shows nothing: the acronym SOC for a security operations centre is
not read, and the English "managed SOC for mid-sized companies" misses it too)."""


def matcher(home: Path, *args: str) -> str:
    """One ``matcher`` subprocess on ``home``; its stdout."""
    argv = [sys.executable, "-m", "matcher", "--home", str(home), *args]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def report(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        SECTION,
        "",
        "`python3 bench/bench_search_sets.py --workspace DIR --write` (issue #12): the bundled demo imported and",
        "built through the CLI with the default encoder, then `matcher evaluate-search SET --json` on each set of",
        "tests/data/multilingual/ (Korean, German and Spanish searches for English demo profiles; any expected id",
        "counts). Cells: found first / in the top 5, of n; MRR within the top 5.",
        "",
        "| set | language | n | first | top 5 | MRR |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for label, result in results.items():
        for row in result["summary"]:
            lines.append(
                f"| {label} | {row['language']} | {row['searches']} | {row['first']} | {row['top_k']} | "
                f"{row['mrr']:.3f} |"
            )
    lines += ["", "Not in the top 5:", ""]
    for label, result in results.items():
        misses = [s for s in result["searches"] if not s["rank"]]
        lines.append(
            f"- {label}: "
            + ("; ".join(f"{s['query_id']} (expected {', '.join(s['expected_ids'])})" for s in misses) or "none")
        )
    return "\n".join([*lines, "", HISTORY]) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True, help="the demo workspace to build or reuse")
    parser.add_argument("--reuse", action="store_true", help="skip import and build when the workspace exists")
    parser.add_argument("--write", action="store_true", help="write the section of bench/RESULTS.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    if not (args.reuse and (args.workspace / "matcher.sqlite").exists()):
        logger.info("importing and building the demo in %s", args.workspace)
        matcher(args.workspace, "import", "profiles", str(DEMO / "profiles.csv"))
        matcher(args.workspace, "import", "partnerships", str(DEMO / "partnerships.csv"))
        matcher(args.workspace, "build")
    results = {
        label: json.loads(matcher(args.workspace, "evaluate-search", str(SETS / name), "--k", "5", "--json"))
        for label, name in NAMES.items()
    }
    text = report(results)
    print(text)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
