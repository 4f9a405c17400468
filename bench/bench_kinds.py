"""Searches that ask for a kind of organisation ("a seed investor for ...", "병원 찾습니다"): matcher.kinds.

``Matcher.search`` reads the kinds a search asks for (:func:`matcher.kinds.read_kinds`) and lists the organisations
of those kinds that match it first. This script runs, through ``Matcher.search(text, k=10)`` on the English demo and
on the mixed-language demo (bench/multilingual_set.py), with the kind reading and without it (the reading replaced
by one that finds no kind, which is how search ranked before):

- the role searches of tests/data/multilingual/role_queries.csv (48, 12 per language, written blind to the code,
  the vocabulary and the other query sets: its data card) and their 8 controls (a kind word that names the writer,
  "we're a university spin-off ..."): the best expected profile's rank, top 1 / top 5 per language;
- a second set, role_queries_2.csv (32 role searches, 16 controls: the writer's own kind, a kind word inside a
  longer thing, a list of details), written after the rules were settled and measured once, unseen before;
- the evaluation and held-out calibration queries of bench_gloss.py, top 5, to see what the reading costs where
  searches name no kind or name one in passing.

Run from the repository root (under a minute once the demo workspaces exist; bench_gloss.py's are reused)::

    python3 bench/bench_kinds.py --workdir /tmp/gloss            # prints only
    python3 bench/bench_kinds.py --workdir /tmp/gloss --write    # writes its section of bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench_multilingual import demo_corpora  # noqa: E402  (bench/ is on sys.path)
from calibration_set import load_calibration  # noqa: E402
from multilingual_set import load_demo, load_queries  # noqa: E402
from results import write_section  # noqa: E402

import matcher.service.matching as matching  # noqa: E402
from matcher.api import Matcher  # noqa: E402
from matcher.embed import load_encoder  # noqa: E402

logger = logging.getLogger("bench_kinds")

SECTION = "## Searches that ask for a kind of organisation"
ENCODER = "minilm+use-m3"
ROLE_QUERIES = REPO / "tests" / "data" / "multilingual" / "role_queries.csv"
ROLE_QUERIES_2 = REPO / "tests" / "data" / "multilingual" / "role_queries_2.csv"
K = 10


@contextlib.contextmanager
def without_kinds() -> Iterator[None]:
    """Search as before the kind reading: the search service reads no kind in any text."""
    read = matching.read_kinds
    matching.read_kinds = lambda text: ()
    try:
        yield
    finally:
        matching.read_kinds = read


def rank(m: Matcher, text: str, expected: set[str]) -> int:
    """The first expected profile's rank among ``Matcher.search(text, k=K)``; K + 1 when not there."""
    ids = [hit.id for hit in m.search(text, k=K)]
    return next((i for i, pid in enumerate(ids, 1) if pid in expected), K + 1)


def measure(m: Matcher, corpus: str, sets: dict[str, pd.DataFrame]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for name, queries in sets.items():
        for q in queries.itertuples():
            ids = q.expected_ids
            expected = (set(ids) if isinstance(ids, tuple) else set(str(ids).split(";"))) - {""}
            if not expected:
                continue
            with without_kinds():
                before = rank(m, q.text, expected)
            after = rank(m, q.text, expected)
            kinds = m.read_search(q.text).kinds
            rows.append({"corpus": corpus, "set": name, "query_id": q.query_id, "language": q.language,
                         "kinds": ";".join(kinds), "before": before, "after": after})  # fmt: skip
    return rows


def report(frame: pd.DataFrame) -> str:
    lines = [
        SECTION,
        "",
        "`python3 bench/bench_kinds.py --workdir DIR --write` (matcher.kinds). `Matcher.search(text, k=10)` with the",
        "kind reading (after) and without it (before); cells: queries whose expected profile is first / in the top 5,",
        "of n. Role searches: tests/data/multilingual/role_queries.csv (written by a helper without sight of the code,",
        "the vocabulary or the other sets); controls: kind words that name the writer. Evaluation and calibration:",
        "the sets of bench_gloss.py (read: queries in which a kind was read).",
        "",
        "| corpus | queries | language | n | read | before | after |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for (corpus, name, language), group in frame.groupby(["corpus", "set", "language"], sort=False):
        cells = [
            f"{(group[c] == 1).sum()} / {(group[c] <= 5).sum()}" for c in ("before", "after")
        ]
        read = (group["kinds"] != "").sum()
        lines.append(f"| {corpus} | {name} | {language} | {len(group)} | {read} | {cells[0]} | {cells[1]} |")
    changed = frame[(frame["before"] <= 5) != (frame["after"] <= 5)]
    lines += ["", "Queries whose expected profile entered or left the top 5:", ""]
    if changed.empty:
        lines.append("none.")
    else:
        lines += ["| corpus | query | kinds read | rank before | rank after (11: not in the top 10) |",
                  "|---|---|---|---:|---:|"]  # fmt: skip
        lines += [
            f"| {r.corpus} | {r.query_id} | {r.kinds or '-'} | {r.before} | {r.after} |" for r in changed.itertuples()
        ]
    lines += [
        "",
        "How the rule was chosen, and how far to trust it. The vocabulary (matcher/data/kinds.toml) was written by a",
        "helper without sight of any query set; its verbs of seeking were added by the lead. The lead first listed",
        "every kind hit above the weak floor first, and saw the first role set, the evaluation and the calibration",
        "sets before adding two rules and dropping one word: the colon rule (what follows a colon details the",
        "request, unless the writer introduced themselves before it: de-05 'Markteintritt ...: Zulassung, Kliniken,",
        "Vertrieb', role es-r10, es-r11) and Spanish 'clínica(s)' alone (as often the adjective 'clinical':",
        "calibration es-c07 'historias clínicas'). On the English demo that rule reached, on the first role set,",
        "43 first / 48 in the top 5 of 48 (before 31 / 44), and the evaluation set's German 13 of 14. The second",
        "set was then written and run once, unseen: its role searches 24 -> 28 first, 31 -> 31 in the top 5 of 32,",
        "but its controls 16 -> 12 first and 16 -> 14 in the top 5 of 16: a kind word read in passing ('AI",
        "accelerator chip', '대학 실험실에서', '미국 병원 임상시험 관리', 'Praxen und Kliniken', 'administración",
        "pública', 'llevar el fármaco al hospital') put weak hits of that kind first. The rule shipped, and measured",
        "above, lists only kind hits that match at least 'possible' first: no control moves in either set, and the",
        "gains are smaller (German stays 12 of 14 on the evaluation set). Both role sets have now been seen.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True, help="where the demo workspaces are built and reused")
    parser.add_argument("--write", action="store_true", help="write the section of bench/RESULTS.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    demo = load_demo()
    roles = pd.read_csv(ROLE_QUERIES, dtype=str, keep_default_na=False)
    second = pd.read_csv(ROLE_QUERIES_2, dtype=str, keep_default_na=False)
    sets = {
        "role": roles[roles["control"] == "false"],
        "role control": roles[roles["control"] == "true"],
        "role, second set": second[second["control"] == "false"],
        "role control, second set": second[second["control"] == "true"],
        "evaluation": load_queries(demo),
        "calibration": load_calibration(demo),
    }
    rows: list[dict[str, object]] = []
    for corpus, _, m in demo_corpora(args.workdir, ENCODER, load_encoder(ENCODER)):
        logger.info("searching the %s", corpus)
        rows += measure(m, corpus, sets)
    text = report(pd.DataFrame(rows))
    print(text)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
