"""Searches that ask for a kind of organisation ("a seed investor for ...", "병원 찾습니다"): matcher.kinds.

``Matcher.search`` reads the kinds a search asks for (:class:`matcher.kinds.KindReader`) and lists the organisations
of those kinds that match it first. This script runs, through ``Matcher.search(text, k=10)`` on the English demo and
on the mixed-language demo (bench/multilingual_set.py), with the kind reading and without it (the reading replaced
by one that finds no kind, which is how search ranked before):

- the role searches of tests/data/multilingual/role_queries.csv (48, 12 per language, written blind to the code,
  the vocabulary and the other query sets: its data card) and their 8 controls (a kind word that names the writer,
  "we're a university spin-off ..."): the best expected profile's rank, top 1 / top 5 per language;
- a second, a third and a fourth set, role_queries_2.csv, _3.csv and _4.csv (32 role searches each; 16, 24 and 24
  controls: the writer's own kind, a kind word inside a longer thing, a list of details), each written blind and run
  once (the report says what each showed);
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

from matcher.api import Matcher  # noqa: E402
from matcher.embed import load_encoder  # noqa: E402
from matcher.kinds import KindReader, KindReading  # noqa: E402

logger = logging.getLogger("bench_kinds")

SECTION = "## Searches that ask for a kind of organisation"
ENCODER = "minilm+use-m3"
ROLE_QUERIES = REPO / "tests" / "data" / "multilingual" / "role_queries.csv"
ROLE_QUERIES_2 = REPO / "tests" / "data" / "multilingual" / "role_queries_2.csv"
ROLE_QUERIES_3 = REPO / "tests" / "data" / "multilingual" / "role_queries_3.csv"
ROLE_QUERIES_4 = REPO / "tests" / "data" / "multilingual" / "role_queries_4.csv"
K = 10


class _Reader:
    """A kind reader that reads as another does, with its kinds or its heads left out."""

    def __init__(self, reader: KindReader, mode: str) -> None:
        self.reader, self.mode = reader, mode

    def reading(self, text: str) -> KindReading:
        read = self.reader.reading(text)
        return KindReading((), ()) if self.mode == "none" else KindReading(read.kinds, ())

    def read(self, text: str) -> tuple[str, ...]:
        return self.reading(text).kinds


@contextlib.contextmanager
def reading_as(m: Matcher, mode: str) -> Iterator[None]:
    """Search with the kind reading ``"shipped"``, with none (``"none"``: as search ranked before it), or without
    heads (``"no heads"``: only kind hits matching at least "possible" first, whatever the kind word's place)."""
    context = m.context
    shipped = context.kind_reader
    if mode != "shipped":
        context.__dict__["kind_reader"] = _Reader(shipped, mode)  # the cached property's slot
    try:
        yield
    finally:
        context.__dict__["kind_reader"] = shipped


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
            ranks = {}
            for mode in ("none", "no heads", "shipped"):
                with reading_as(m, mode):
                    ranks[mode] = rank(m, q.text, expected)
            kinds = m.read_search(q.text).kinds
            rows.append({"corpus": corpus, "set": name, "query_id": q.query_id, "language": q.language,
                         "kinds": ";".join(kinds), "before": ranks["none"], "no_heads": ranks["no heads"],
                         "after": ranks["shipped"]})  # fmt: skip
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
        "| corpus | queries | language | n | read | before | kinds first from 'possible' only | after |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for (corpus, name, language), group in frame.groupby(["corpus", "set", "language"], sort=False):
        cells = [f"{(group[c] == 1).sum()} / {(group[c] <= 5).sum()}" for c in ("before", "no_heads", "after")]
        read = (group["kinds"] != "").sum()
        lines.append(f"| {corpus} | {name} | {language} | {len(group)} | {read} | {' | '.join(cells)} |")
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
        "How the rule was chosen, in order (English demo; first / top 5). The vocabulary (matcher/data/kinds.toml)",
        "was written by a helper without sight of any query set; its verbs of seeking were added by the lead.",
        "1. Every kind hit above the weak floor first. The lead saw the first role set, the evaluation and the",
        "   calibration sets, then added the colon rule (what follows a colon details the request, unless the writer",
        "   introduced themselves before it: de-05 'Markteintritt ...: Zulassung, Kliniken, Vertrieb', role es-r10,",
        "   es-r11) and dropped Spanish 'clínica(s)' alone (as often the adjective: calibration es-c07). First set:",
        "   31 / 44 -> 43 / 48 of 48; evaluation German 12 -> 13 of 14.",
        "2. The second set, written blind and run once: role searches 24 / 31 -> 28 / 31 of 32, but controls",
        "   16 / 16 -> 12 / 14 of 16: kind words read in passing ('AI accelerator chip', '대학 실험실에서',",
        "   '미국 병원 임상시험 관리', 'Praxen und Kliniken', 'administración pública', 'llevar el fármaco al",
        "   hospital') put weak hits of that kind first. Clean-clone CI also caught English 'clinic' in 'a",
        "   manufacturing partner for the clinic' (the clinical stage): bare 'clinic' was dropped.",
        "3. Kind hits first only from 'possible' (the 'kinds first from possible only' column): no control moved,",
        "   smaller gains (German back to 12 of 14).",
        "4. The shipped rule (the 'after' column), fixed before a third set was written: a kind word at the head",
        "   of a request (among the first three words of its clause, within three after a verb of seeking; in",
        "   Korean among the last three) puts every match of that kind first; one further in, only those from",
        "   'possible'. The criterion, written down before the third set was read: ship it if that set's controls",
        "   lose nothing in the top 5 against no kind reading and its role searches' top-1 count is at least",
        "   step 3's. Third set, run once: role searches 28 / 32 (none), 29 / 32 (step 3), 30 / 32 (shipped) first,",
        "   all 32 in the top 5 under each; controls 24 / 24 in the top 5 under each, first 22 / 21 / 20 of 24",
        "   ('hospital lab blood-sample delivery by drone' and '... we need MFDS approval, hospital introductions",
        "   and a distributor' read 'hospital' at a request's head). The criterion held; the top-1 cost on",
        "   controls is in the table.",
        "5. A fourth set (role_queries_4.csv), written blind after the workspace kind words and run once, with no",
        "   change after it: role searches 26 / 31 (none) -> 28 / 32 (shipped) of 32, controls 15 / 23 -> 12 / 22 of",
        "   24. Ranks that moved: role searches en-w06 3 -> 1, de-w02 4 -> 1, de-w06 6 -> 2, es-w03 2 -> 1, but",
        "   en-w08 1 -> 4 (a public health authority's office, read as asking for a hospital); controls en-w10 1 -> 6",
        "   ('low-power AI accelerator chip ...': 'accelerator' is its third word, so it heads the request), es-w11",
        "   1 -> 4 ('Buscamos inversores con MOSFET ...': inverters, read as investors after a verb of seeking) and",
        "   en-w13 1 -> 2. A kind word at a request's head that is a modifier or another sense of the word stays",
        "   the rule's known failure. All four sets have now been seen by the lead.",
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
    third = pd.read_csv(ROLE_QUERIES_3, dtype=str, keep_default_na=False)
    fourth = pd.read_csv(ROLE_QUERIES_4, dtype=str, keep_default_na=False)
    sets = {
        "role, fourth set": fourth[fourth["control"] == "false"],
        "role control, fourth set": fourth[fourth["control"] == "true"],
        "role, third set": third[third["control"] == "false"],
        "role control, third set": third[third["control"] == "true"],
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
