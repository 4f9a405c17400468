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

**Across languages** (``--across``, issue #12): on a ``minilm+use-m3`` index a search that :mod:`matcher.langid` does
not read as English is scored by USE's cosine alone, and cross-language cosines run lower than the English ones the
bands above come from. This part measures USE alone (``use-m3``) on the demo and on the mixed-language demo of
bench/multilingual_set.py, with the held-out calibration queries of
tests/data/multilingual/calibration_queries.csv (bench/calibration_set.py): their expected hits in the top 10 against
the hits of their nonsense and everyday queries, per language and pooled, and derives bands by the same search rule
(:func:`choose_search`), printed as a ``search_across`` line. The evaluation set (queries.csv) only checks them: how
many of its expected hits fall under the derived weak floor and under use-m3's English one. Seconds (8 s on 2 cores:
USE embeds the two corpora fast)::

    python3 bench/bench_bands.py --across   # prints only
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
import pandas as pd
from calibration_set import load_calibration  # bench/: the script's folder is on sys.path
from multilingual_set import load_demo, load_profiles, load_queries, mixed_demo
from results import RESULTS, write_section

from matcher.api import Matcher
from matcher.bands import calibration_for
from matcher.embed import load_encoder
from matcher.langid import detect_language, is_english

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
    true: list[float] = []
    other: list[float] = []
    for seeker, _ in pairs:
        for match in m.recommend(seeker, k=10).results:
            (true if match.id in truth[seeker] else other).append(match.score)
    profiles = m.profiles()
    city = dict(zip(profiles["id"], profiles["city"], strict=True))
    all_true: list[float] = []
    all_other: list[float] = []
    for seeker, _ in pairs:
        candidates = [pid for pid in profiles["id"] if city[pid] != city[seeker]]
        scores = m.pair_scores([seeker], candidates).score[0]
        for pid, score in zip(candidates, scores.tolist(), strict=True):
            (all_true if pid in truth[seeker] else all_other).append(score)
    return Scores(np.array(true), np.array(other)), Scores(np.array(all_true), np.array(all_other))


def measure_search(
    m: Matcher,
    queries: Sequence[tuple[str, Sequence[str]]] | None = None,
    nonsense_queries: Sequence[str] = NONSENSE,
) -> tuple[Scores, np.ndarray, np.ndarray]:
    """(queries' hits: expected vs other, nonsense queries' hits, nonsense queries' top-1 scores).

    Searches with no floor: the raw cosines, as ``Matcher.search`` ranked them before bands existed. ``queries`` are
    (text, expected ids) pairs, the data card's planted ones when not given.
    """
    expected: list[float] = []
    other: list[float] = []
    for query, ids in planted_queries() if queries is None else queries:
        for hit in _raw_search(m, query, 10):
            (expected if hit[0] in ids else other).append(hit[1])
    nonsense = [_raw_search(m, query, 10) for query in nonsense_queries]
    all_nonsense = np.array([score for hits in nonsense for _, score in hits])
    top = np.array([hits[0][1] for hits in nonsense if hits])
    return Scores(np.array(expected), np.array(other)), all_nonsense, top


def _raw_search(m: Matcher, text: str, k: int) -> list[tuple[str, float]]:
    """The search ranking without the weak floor (index cosines, best facet per organisation); none for a text the
    encoder has no words for (a zero vector: ``Matcher.search`` refuses it)."""
    catalog = m.indexer.current()
    query = m.encoder.encode([text])
    if not query.any():
        return []
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
    and still above every nonsense hit.

    When nonsense scores above the floor that keeps 90 % of the expected hits (across languages, ``--across``: an
    everyday query meets a profile through a second sense of one word), no floor separates the two. Hiding a tenth
    of the real hits to hide those is the worse error for a search, so the weak floor keeps 90 % of the expected
    hits and the possible floor is the step above every nonsense hit: what scores where the two mix is shown, as
    "weak". No shipped English entry is in that case.

    Example:
        >>> choose_search(Scores(np.array([0.30, 0.40, 0.50]), np.array([])), np.array([0.20]))
        {'strong': 0.4, 'possible': 0.3, 'weak': 0.25}
        >>> choose_search(Scores(np.array([0.30, 0.40, 0.50]), np.array([])), np.array([0.32]))
        {'strong': 0.4, 'possible': 0.35, 'weak': 0.3}
    """
    keeping = floor_keeping(hits.true, 0.9)
    above_nonsense = round(float(np.ceil((nonsense_top.max() + 1e-9) / 0.05) * 0.05), 2)
    if nonsense_top.max() >= keeping:
        weak, possible = keeping, above_nonsense
    else:
        weak, possible = min(above_nonsense, keeping), keeping
    return {"strong": max(median_floor(hits.true), possible), "possible": possible, "weak": weak}


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


# ------------------------------------------------------------------------------------------- across languages

ACROSS_ENCODER = "use-m3"
"""What scores a search not read as English on a ``minilm+use-m3`` index: USE alone."""

ACROSS_SECTION = "### Search floors across languages"
ACROSS_CUTS = [0.20, 0.25, 0.28, 0.30, 0.33, 0.35, 0.40]


@dataclass(frozen=True)
class SearchLevels:
    """Where one group of queries' top-10 hits score: labelled hits (expected vs other), every hit of the nonsense
    queries, and each nonsense query's top hit."""

    hits: Scores
    nonsense: np.ndarray
    top: np.ndarray

    @staticmethod
    def pooled(parts: Sequence[SearchLevels]) -> SearchLevels:
        """The groups' scores together."""
        return SearchLevels(
            Scores(np.concatenate([p.hits.true for p in parts]), np.concatenate([p.hits.other for p in parts])),
            np.concatenate([p.nonsense for p in parts]),
            np.concatenate([p.top for p in parts]),
        )


@dataclass(frozen=True)
class Across:
    """One corpus searched with the calibration and evaluation queries.

    ``levels`` per language (``"ko"``, ``"de"``, ``"es"``) and ``"all"``; ``routed`` pools only the queries that
    matcher.langid reads in a language other than English (what a ``minilm+use-m3`` index scores with USE alone).
    ``found`` per language: (labelled calibration queries, those with an expected id in the top 10, first).
    ``evaluation_best``: per evaluation query, its best expected id's cosine wherever it ranks;
    ``evaluation_hits``: the evaluation queries' expected hits in their top 10.
    """

    corpus: str
    levels: dict[str, SearchLevels]
    routed: SearchLevels
    found: dict[str, tuple[int, int, int]]
    evaluation_best: np.ndarray
    evaluation_hits: np.ndarray


def by_language(m: Matcher, calibration: pd.DataFrame) -> dict[str, SearchLevels]:
    """Per language of ``calibration`` (:func:`calibration_set.load_calibration`), and ``"all"``: the top-10 hits
    of its labelled queries and of its nonsense queries."""
    levels = {}
    for language, rows in calibration.groupby("language", sort=False):
        labelled = rows[~rows["nonsense"]]
        pairs = list(zip(labelled["text"], labelled["expected_ids"], strict=True))
        levels[str(language)] = SearchLevels(*measure_search(m, pairs, rows.loc[rows["nonsense"], "text"].tolist()))
    levels["all"] = SearchLevels.pooled(list(levels.values()))
    return levels


def expected_ranks(m: Matcher, queries: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per query (``text``, ``expected_ids``), the cosine of its best-scored expected id wherever it ranks, and that
    rank (1-based; as bench_multilingual.py scores the evaluation set)."""
    everyone = len(m.profiles())
    best, rank = [], []
    for text, ids in zip(queries["text"], queries["expected_ids"], strict=True):
        ranking = _raw_search(m, text, everyone)
        place = next(i for i, (pid, _) in enumerate(ranking, start=1) if pid in ids)
        best.append(ranking[place - 1][1])
        rank.append(place)
    return np.array(best), np.array(rank)


def measure_across(m: Matcher, corpus: str, calibration: pd.DataFrame, evaluation: pd.DataFrame) -> Across:
    """The calibration queries' levels on ``m``'s corpus, and the evaluation queries' expected hits."""
    labelled = calibration[~calibration["nonsense"]]
    found = {}
    for language, rows in labelled.groupby("language", sort=False):
        _, rank = expected_ranks(m, rows)
        found[str(language)] = (len(rows), int((rank <= 10).sum()), int((rank == 1).sum()))
    found["all"] = (len(labelled), sum(f[1] for f in found.values()), sum(f[2] for f in found.values()))
    routed = calibration[~calibration["text"].map(is_english)]
    hits = [
        score
        for text, ids in zip(evaluation["text"], evaluation["expected_ids"], strict=True)
        for pid, score in _raw_search(m, text, 10)
        if pid in ids
    ]
    return Across(
        corpus,
        by_language(m, calibration),
        by_language(m, routed)["all"],
        found,
        expected_ranks(m, evaluation)[0],
        np.array(hits),
    )


def _band_row(label: str, levels: SearchLevels, found: tuple[int, int, int] | None) -> str:
    bands = choose_search(levels.hits, levels.top)
    true = levels.hits.true
    return (
        f"| {label} | "
        + (f"{found[1]} / {found[2]} of {found[0]} | " if found else "- | ")
        + f"{len(true)} | {np.median(true):.2f} ({true.min():.2f}-{true.max():.2f}) | {len(levels.top)} | "
        f"{levels.top.max():.2f} | {bands['strong']:.2f} | {bands['possible']:.2f} | {bands['weak']:.2f} |"
    )


def across_report(runs: Sequence[Across], calibration: pd.DataFrame, english_weak: float) -> str:
    """The subsection for bench/RESULTS.md ("Multilingual encoders"), ending with the ``search_across`` line(s)."""
    read = calibration["text"].map(detect_language) == calibration["language"]
    reading = ", ".join(
        f"{language} {int(read[rows.index].sum())} of {len(rows)} "
        f"(nonsense {int(read[rows.index[rows['nonsense']]].sum())} of {int(rows['nonsense'].sum())})"
        for language, rows in calibration.groupby("language", sort=False)
    )
    lines = [
        ACROSS_SECTION,
        "",
        f"`python3 bench/bench_bands.py --across`: {ACROSS_ENCODER} alone (what a `minilm+use-m3` index scores a",
        "search with when matcher.langid does not read it as English), k=10, no floor, on the demo and on the",
        'mixed-language demo. Bands by the rule of "Score bands" (bench_bands.py `choose_search`) from the held-out',
        "calibration set tests/data/multilingual/calibration_queries.csv (its data card):",
        f"{int((~calibration['nonsense']).sum())} searches, each with every demo profile that offers what it asks "
        f"for, and {int(calibration['nonsense'].sum())} nonsense and everyday queries",
        "(recipes, football, weather, gibberish, placeholder text). matcher.langid reads as written:",
        f"{reading}; the others are undetermined and would be scored by the blend, not by USE alone (the `routed`",
        "rows keep only the queries read as Korean, German or Spanish). Expected in top 10 / first: the searches",
        "with an expected profile in their top 10, and first.",
        "",
        "| corpus, queries | expected in top 10 / first | expected hits (k=10) | their cosine: median (min-max) "
        "| nonsense queries with hits | best nonsense hit | strong | possible | weak |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        for language, levels in run.levels.items():
            lines.append(_band_row(f"{run.corpus}, {language}", levels, run.found[language]))
        lines.append(_band_row(f"{run.corpus}, routed", run.routed, None))
    first = runs[0]
    bands = choose_search(first.levels["all"].hits, first.levels["all"].top)
    lines += [
        "",
        "What each weak floor shows (all languages; calibration hits are the top 10 of its searches, every hit of a",
        "nonsense query is wrong; the evaluation set's queries counted by their best expected profile wherever it",
        "ranks, a check only):",
        "",
        "| corpus | floor | calibration: expected hits kept | other hits kept | nonsense queries showing a hit "
        "| nonsense hits kept | evaluation: queries kept |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        levels = run.levels["all"]
        for t in _cuts(ACROSS_CUTS, {"weak": english_weak, **choose_search(levels.hits, levels.top)}):
            lines.append(
                f"| {run.corpus} | {t:.2f} | {int((levels.hits.true >= t).sum())} / {len(levels.hits.true)} | "
                f"{int((levels.hits.other >= t).sum())} / {len(levels.hits.other)} | "
                f"{int((levels.top >= t).sum())} / {len(levels.top)} | "
                f"{int((levels.nonsense >= t).sum())} / {len(levels.nonsense)} | "
                f"{int((run.evaluation_best >= t).sum())} / {len(run.evaluation_best)} |"
            )
    lines += [
        "",
        "Check on the evaluation set (tests/data/multilingual/queries.csv; not used to set anything): its queries'",
        "expected hits under each weak floor. Per query, its best expected profile wherever it ranks (as the levels",
        'table of "Cross-language search" counts them), and the expected profiles among its top 10:',
        "",
        "| corpus | weak floor | queries whose best expected profile is under it | expected top-10 hits under it |",
        "|---|---:|---:|---:|",
    ]
    for run in runs:
        own = choose_search(run.levels["all"].hits, run.levels["all"].top)["weak"]
        for name, floor in (
            (f"across, {own:.2f}", own),
            (f"{ACROSS_ENCODER} English, {english_weak:.2f}", english_weak),
        ):
            lines.append(
                f"| {run.corpus} | {name} | {int((run.evaluation_best < floor).sum())} / {len(run.evaluation_best)} | "
                f"{int((run.evaluation_hits < floor).sum())} / {len(run.evaluation_hits)} |"
            )
    lines += [
        "",
        f"For the `{ACROSS_ENCODER}` entry of matcher/data/calibration.toml (the {first.corpus}, all languages):",
        "",
        "```toml",
        f"search_across = {_entry(bands)}",
        "```",
    ]
    return "\n".join(lines) + "\n"


def across(tmp: Path) -> str:
    """Builds the demo and the mixed-language demo with USE alone and reports :func:`across_report`."""
    from bench_multilingual import demo_workspace  # imports this script: only when the part runs

    demo = load_demo()
    calibration, evaluation = load_calibration(demo), load_queries(demo)
    encoder = load_encoder(ACROSS_ENCODER)
    corpora = {"English demo": demo, "mixed-language demo": mixed_demo(demo, load_profiles())}
    runs = []
    for number, (corpus, profiles) in enumerate(corpora.items()):
        m = demo_workspace(tmp / str(number), encoder, profiles)
        runs.append(measure_across(m, corpus, calibration, evaluation))
        m.close()
    return across_report(runs, calibration, calibration_for(ACROSS_ENCODER).search.weak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    parser.add_argument(
        "--across", action="store_true", help="the cross-language search bands of use-m3 instead (prints only)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.across:
        with tempfile.TemporaryDirectory() as tmp:
            print(across(Path(tmp)))
        return
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
