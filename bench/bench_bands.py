"""Score bands "strong / possible / weak": where the demo's planted truth sits on the ranking and search scales.

The thresholds of ``matcher/data/calibration.toml`` (read by :mod:`matcher.bands`, one entry per encoder) come from
this measurement on the bundled demo (matcher/data/demo), for the encoder of ``$MATCHER_ENCODER`` (MiniLM by default):

- **Ranking** (the reciprocal ``score`` of :class:`matcher.rank.Match`, the harmonic mean of the two fits). For
  each of the 32 planted seekers of data/README.md, ``Matcher.recommend(seeker, k=10)``: a suggestion is *true*
  when it is the planted provider (or the card's acceptable alternative, ``ca-bio-002`` for ``dj-bio-001``), any
  other suggestion counts as *other*. The same seekers are also scored with ``Matcher.pair_scores`` against
  every organisation in another city (what the delegation planner scores), true pairs against all the rest.
- **Search** (``SearchHit.score``, the cosine of the query to the best-matching facet). The 16 planted queries
  of data/README.md (tests/test_search.py) with ``k=10``: a hit is *expected* when the card names it for its
  query, *other* otherwise (unlabelled: often a fair answer too, so precision here is a lower bound); and
  nonsense queries (gibberish such as "xyzzy qwerty"), whose every hit is wrong.

Thresholds are chosen by one rule on both scales (see :func:`choose_ranking` and :func:`choose_search`): *strong*
from the median true score up, *possible* from the highest floor that keeps at least 90 % of the true items, and
on the search scale a *weak* floor just above every nonsense hit, below which nothing is shown (never above the
*possible* floor when that one is already above every nonsense hit: an encoder whose cosines crowd together, as
e5-small's, would otherwise lose most expected hits to a 0.05 step). They are printed with
their measured precision and recall, and written with the tables to the "Score bands" section of bench/RESULTS.md.

Run from the repository root (about a minute on 2 cores: the demo is embedded with MiniLM once)::

    python3 bench/bench_bands.py            # writes the "Score bands" section of bench/RESULTS.md
    python3 bench/bench_bands.py --no-write # prints only
    MATCHER_ENCODER=minilm+use-m3 python3 bench/bench_bands.py --no-write   # the same for another encoder

The output ends with the ``ranking`` and ``search`` lines of the encoder's calibration entry.
"""

from __future__ import annotations

import argparse
import logging
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from results import RESULTS, write_section  # bench/results.py: the script's folder is on sys.path

from matcher.api import Matcher

REPO = Path(__file__).resolve().parents[1]
CARD = REPO / "data" / "README.md"
DEMO = REPO / "matcher" / "data" / "demo"
SECTION = "## Score bands"

ALTERNATIVES = {"dj-bio-001": {"ca-bio-002"}}
"""The card's acceptable alternative providers (near-duplicate competitors of the planted one)."""

NONSENSE = [
    "xyzzy qwerty",
    "asdf ghjkl",
    "qwertyuiop zxcvbnm",
    "blorp fnord wibble",
    "lorem ipsum dolor sit amet",
    "foo bar baz",
    "zzzz",
    "aaaa bbbb cccc",
]
"""Queries no organisation matches: gibberish and placeholder text."""

SEARCH_CUTS = [0.20, 0.25, 0.28, 0.30, 0.35, 0.40, 0.45, 0.48, 0.50, 0.51, 0.55, 0.60, 0.69, 0.75]
GRID = np.round(np.arange(0.0, 1.0001, 0.01), 2)


def planted_pairs() -> list[tuple[str, str]]:
    """(seeker, provider) pairs from the data card, as tests/test_rank.py reads them."""
    card = CARD.read_text(encoding="utf-8")
    return re.findall(r"^\| \d+ \| `([\w-]+)` \| `([\w-]+)` \|", card, re.MULTILINE)


def planted_queries() -> list[tuple[str, list[str]]]:
    """(query, expected ids) from the data card's search table."""
    card = CARD.read_text(encoding="utf-8")
    block = card[card.index("### Search queries") :]
    rows = re.findall(r"^\| \d+ \| (.+?) \| (.+?) \|$", block, re.MULTILINE)
    return [(query, re.findall(r"`([\w-]+)`", ids)) for query, ids in rows]


@dataclass(frozen=True)
class Scores:
    """Scores of true (planted) and other items on one scale."""

    true: np.ndarray
    other: np.ndarray

    def precision_at(self, t: float) -> float:
        """Share of items scoring >= t that are true (nan when none)."""
        hits = int((self.true >= t).sum())
        total = hits + int((self.other >= t).sum())
        return hits / total if total else float("nan")

    def recall_at(self, t: float) -> float:
        """Share of true items scoring >= t."""
        return float((self.true >= t).mean()) if len(self.true) else float("nan")


def measure_ranking(m: Matcher) -> tuple[Scores, Scores]:
    """(top-10 suggestions of planted seekers, all other-city pairs of planted seekers) on the ranking scale."""
    pairs = planted_pairs()
    truth = {seeker: {provider} | ALTERNATIVES.get(seeker, set()) for seeker, provider in pairs}
    true, other = [], []
    for seeker, _ in pairs:
        for match in m.recommend(seeker, k=10).results:
            (true if match.id in truth[seeker] else other).append(match.score)
    profiles = m.profiles()
    city = dict(zip(profiles["id"], profiles["city"], strict=True))
    all_true, all_other = [], []
    for seeker, _ in pairs:
        candidates = [pid for pid in profiles["id"] if city[pid] != city[seeker]]
        scores = m.pair_scores([seeker], candidates).score[0]
        for pid, score in zip(candidates, scores.tolist(), strict=True):
            (all_true if pid in truth[seeker] else all_other).append(score)
    return Scores(np.array(true), np.array(other)), Scores(np.array(all_true), np.array(all_other))


def measure_search(m: Matcher) -> tuple[Scores, np.ndarray, np.ndarray]:
    """(planted queries' hits: expected vs other, nonsense queries' hits, nonsense queries' top-1 scores).

    Searches with no floor: the raw cosines, as ``Matcher.search`` ranked them before bands existed.
    """
    expected, other = [], []
    for query, ids in planted_queries():
        for hit in _raw_search(m, query, 10):
            (expected if hit[0] in ids else other).append(hit[1])
    nonsense = [_raw_search(m, query, 10) for query in NONSENSE]
    all_nonsense = np.array([score for hits in nonsense for _, score in hits])
    top = np.array([hits[0][1] for hits in nonsense if hits])
    return Scores(np.array(expected), np.array(other)), all_nonsense, top


def _raw_search(m: Matcher, text: str, k: int) -> list[tuple[str, float]]:
    """The search ranking without the weak floor (index cosines, best facet per organisation)."""
    catalog = m.indexer.current()
    query = m.encoder.encode([text])
    best: dict[str, float] = {}
    for facet in ("profile", "offers"):
        found = catalog.indexes[facet].search(query, k)
        for pid, score in zip(found.ids[0], found.scores[0], strict=False):
            best[pid] = max(best.get(pid, -1.0), float(score))
    return sorted(best.items(), key=lambda item: -item[1])[:k]


def lowest_with_precision(scores: Scores, target: float) -> float:
    """The lowest grid threshold from which on precision stays >= target (every higher threshold too)."""
    ok = [t for t in GRID if not np.isnan(scores.precision_at(t))]
    chosen = None
    for t in reversed(ok):
        if scores.precision_at(t) >= target:
            chosen = t
        else:
            break
    return float(chosen) if chosen is not None else 1.0


def floor_keeping(true: np.ndarray, share: float) -> float:
    """The highest grid threshold that keeps at least ``share`` of the true scores."""
    kept = [t for t in GRID if (true >= t).mean() >= share]
    return float(max(kept))


def median_floor(true: np.ndarray) -> float:
    """The highest grid threshold that half the true scores reach (their median, rounded down to 0.01)."""
    return floor_keeping(true, 0.5)


def choose_ranking(suggested: Scores) -> dict[str, float]:
    """strong: the median planted pair's score; possible: keeps >= 90 % of planted pairs; weak: anything below."""
    return {"strong": median_floor(suggested.true), "possible": floor_keeping(suggested.true, 0.9), "weak": 0.0}


def choose_search(hits: Scores, nonsense_top: np.ndarray) -> dict[str, float]:
    """strong: the median expected hit's score; possible: keeps >= 90 % of expected hits; weak: the first 0.05
    step above every nonsense query's top hit (below it, nothing matches), or the possible floor when that is lower
    and still above every nonsense hit."""
    possible = floor_keeping(hits.true, 0.9)
    weak = round(float(np.ceil((nonsense_top.max() + 1e-9) / 0.05) * 0.05), 2)
    if nonsense_top.max() < possible < weak:
        weak = possible
    return {"strong": median_floor(hits.true), "possible": possible, "weak": weak}


def describe(values: np.ndarray) -> str:
    if not len(values):
        return "n=0"
    q = np.quantile(values, [0.0, 0.1, 0.5, 0.9, 1.0])
    return f"{len(values)} | " + " | ".join(f"{v:.3f}" for v in q)


def table_rows(scores: Scores, cuts: Sequence[float]) -> list[str]:
    rows = []
    for t in cuts:
        true_n, other_n = int((scores.true >= t).sum()), int((scores.other >= t).sum())
        precision = scores.precision_at(t)
        rows.append(
            f"| {t:.2f} | {true_n} / {len(scores.true)} ({scores.recall_at(t):.0%}) | {other_n} | "
            + ("-" if np.isnan(precision) else f"{precision:.0%}")
            + " |"
        )
    return rows


def _cuts(grid: Sequence[float], chosen: dict[str, float]) -> list[float]:
    """The table's thresholds and the chosen ones (another encoder's scale may lie outside the grid)."""
    return sorted({*grid, *chosen.values()} - {0.0})


def _entry(floors: dict[str, float]) -> str:
    return "{ " + ", ".join(f"{band} = {floors[band]:.2f}" for band in ("strong", "possible", "weak")) + " }"


def report(
    suggested: Scores,
    everything: Scores,
    hits: Scores,
    nonsense: np.ndarray,
    top: np.ndarray,
    model: str = "MiniLM",
    profiles: int = 0,
) -> str:
    ranking, search = choose_ranking(suggested), choose_search(hits, top)
    lines = [
        SECTION,
        "",
        f"`python3 bench/bench_bands.py` on the bundled demo ({profiles} profiles, {model}). Thresholds go to the",
        "encoder's entry of `matcher/data/calibration.toml`; a score at or above a band's floor is in that band.",
        "",
        "### Ranking score (harmonic mean of the two fits)",
        "",
        "Distributions (n | min | p10 | median | p90 | max):",
        "",
        "| pairs | n | min | p10 | median | p90 | max |",
        "|---|---|---|---|---|---|---|",
        f"| planted pairs in their seeker's top 10 | {describe(suggested.true)} |",
        f"| other suggestions in those top-10 lists | {describe(suggested.other)} |",
        f"| planted pairs, `pair_scores` | {describe(everything.true)} |",
        f"| every other other-city pair of the planted seekers, `pair_scores` | {describe(everything.other)} |",
        "",
        "Suggestions at or above each threshold (planted seekers' top-10 lists; precision = share that is planted):",
        "",
        "| score >= | planted kept | other | precision |",
        "|---|---|---|---|",
        *table_rows(suggested, _cuts([0.15, 0.20, 0.22, 0.24, 0.25, 0.28, 0.30, 0.31, 0.35, 0.40], ranking)),
        "",
        "Every other-city pair of the planted seekers (what the planner scores):",
        "",
        "| score >= | planted kept | other | precision |",
        "|---|---|---|---|",
        *table_rows(everything, _cuts([0.10, 0.15, 0.20, 0.22, 0.24, 0.25, 0.28, 0.30, 0.31, 0.35, 0.40], ranking)),
        "",
        f"Chosen: **strong >= {ranking['strong']:.2f}** (the median planted pair's score: precision "
        f"{suggested.precision_at(ranking['strong']):.0%} among suggestions, "
        f"{everything.precision_at(ranking['strong']):.0%} among all other-city pairs, keeping "
        f"{suggested.recall_at(ranking['strong']):.0%} of planted pairs); **possible >= {ranking['possible']:.2f}**",
        f"(the highest floor keeping at least 90 % of planted pairs: {suggested.recall_at(ranking['possible']):.0%},",
        f"precision {suggested.precision_at(ranking['possible']):.0%} among suggestions, "
        f"{everything.precision_at(ranking['possible']):.0%} among all other-city pairs); **weak** below.",
        "",
        "### Search score (cosine of the query to the best-matching facet)",
        "",
        "| hits (k=10) | n | min | p10 | median | p90 | max |",
        "|---|---|---|---|---|---|---|",
        f"| expected hits of the 16 planted queries | {describe(hits.true)} |",
        f"| other hits of those queries (unlabelled) | {describe(hits.other)} |",
        f"| all hits of {len(NONSENSE)} nonsense queries | {describe(nonsense)} |",
        f"| top hit of each nonsense query | {describe(top)} |",
        "",
        "Nonsense queries: " + ", ".join(f'"{q}"' for q in NONSENSE) + ".",
        "",
        "Planted queries' hits at or above each threshold (precision = share that is an expected hit, a lower bound:",
        "other hits are unlabelled, often fair answers):",
        "",
        "| score >= | expected kept | other | precision | nonsense hits kept |",
        "|---|---|---|---|---|",
        *[
            row + f" {int((nonsense >= t).sum())} / {len(nonsense)} |"
            for row, t in zip(
                table_rows(hits, _cuts(SEARCH_CUTS, search)),
                _cuts(SEARCH_CUTS, search),
                strict=True,
            )
        ],
        "",
        f"Chosen: **weak floor {search['weak']:.2f}** (the first 0.05 step above every nonsense hit, max "
        f"{top.max():.3f}, or the possible floor if lower and above them; below it a search returns nothing; keeps "
        f"{hits.recall_at(search['weak']):.0%} of expected hits);",
        f"**possible >= {search['possible']:.2f}** (the highest floor keeping at least 90 % of expected hits: "
        f"{hits.recall_at(search['possible']):.0%}, labelled precision {hits.precision_at(search['possible']):.0%});",
        f"**strong >= {search['strong']:.2f}** (the median expected hit's score: labelled precision "
        f"{hits.precision_at(search['strong']):.0%}, keeping {hits.recall_at(search['strong']):.0%} of expected "
        "hits).",
        "",
        "For the encoder's entry in matcher/data/calibration.toml:",
        "",
        "```toml",
        f"ranking = {_entry(ranking)}",
        f"search = {_entry(search)}",
        "```",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        m = Matcher(Path(tmp) / "ws")
        m.import_profiles(DEMO / "profiles.csv")
        m.import_partnerships(DEMO / "partnerships.csv")
        m.build()
        suggested, everything = measure_ranking(m)
        hits, nonsense, top = measure_search(m)
        model, profiles = m.encoder.name, len(m.profiles())
        m.store.close()
    text = report(suggested, everything, hits, nonsense, top, model, profiles)
    print(text)
    if not args.no_write:
        write_section(SECTION, text, RESULTS)


if __name__ == "__main__":
    main()
