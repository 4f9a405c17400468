"""Korean, German and Spanish searches read through the glossary (matcher.gloss, issue #12): what it reads, and what
it does to cross-language search.

On an index built with an English-only model or a blend holding one (the default ``minilm+use-m3``), a search that
the glossary reads well enough (:data:`matcher.gloss.MIN_COVERAGE`) is read by MiniLM as the glossary's English
keywords while USE reads the original (:func:`matcher.embed.read_query`). This script measures, on the English demo
and on the mixed-language demo (bench/multilingual_set.py), for the evaluation queries (tests/data/multilingual/
queries.csv) and the held-out calibration queries (calibration_queries.csv, with their nonsense and everyday queries):

- how many searches the glossary reads, and how much of each (coverage);
- the expected profile in the top 1 / top 5 without the glossary (USE alone, no floor: the route before it), with
  it (no floor), and through ``Matcher.search(text, k=5)`` itself (floors and bands included);
- where the glossed searches' expected hits score, against the blend's search bands (a glossed search is scored on
  the index's own scale, so the index's bands read it), and whether any nonsense query is glossed;
- every evaluation query's reading on the English demo, one row each;
- the demo's planted pairs through ``Matcher.recommend(seeker, k=10)`` on both corpora: on the mixed-language demo
  the blend reads a Korean, German or Spanish profile's English half through the glossary too
  (:class:`matcher.embed.BlendEncoder`), and ranks a pair by the whole blend when both profiles are read so
  (:meth:`matcher.bands.EnglishPart.ranks`).

The glossary's tables were written without sight of either query set (their header comments say how).

Run from the repository root (about a minute on 2 cores once the demo workspaces exist; building them, a few)::

    python3 bench/bench_gloss.py --workdir /tmp/gloss            # prints only
    python3 bench/bench_gloss.py --workdir /tmp/gloss --write    # writes its section of bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench_multilingual import demo_corpora, planted_ranks  # noqa: E402  (bench/ is on sys.path)
from calibration_set import load_calibration  # noqa: E402
from multilingual_set import load_demo, load_profiles, load_queries  # noqa: E402
from results import write_section  # noqa: E402

from matcher.api import Matcher  # noqa: E402
from matcher.embed import encode_query, load_encoder  # noqa: E402
from matcher.gloss import (  # noqa: E402
    GLOSSED_LANGUAGES,
    LONG_READING_COVERAGE,
    LONG_READING_TERMS,
    MIN_COVERAGE,
    Glossary,
    packaged_glossary,
)

logger = logging.getLogger("bench_gloss")

SECTION = "## Searches read through the glossary"
ENCODER = "minilm+use-m3"


@dataclass(frozen=True)
class Reading:
    """One query on one corpus."""

    corpus: str
    query_set: str
    query_id: str
    language: str
    nonsense: bool
    gloss: str
    coverage: float
    rank_before: int  # the expected profile's rank without the glossary, no floor (0: no expected profile)
    rank_glossed: int  # with it, no floor
    product_rank: int  # through Matcher.search(text, k=5); 6 when not there
    shown: int  # hits Matcher.search(text, k=5) shows
    hit_scores: tuple[float, ...]  # the expected profiles' scores among the glossed top 10


def ranking(m: Matcher, text: str, glossary: Glossary | None, k: int) -> list[tuple[str, float]]:
    """The search ranking without floors (best of the profile and offers cosines, on the scale the bands read)."""
    encoded = encode_query(m.encoder, text, glossary)
    if not encoded.vector.any():
        return []
    served = m.indexer.current()
    best: dict[str, float] = {}
    for facet in ("profile", "offers"):
        found = served.indexes[facet].search(encoded.vector, k)
        for pid, score in zip(found.ids[0], found.scores[0] * encoded.scale, strict=False):
            best[pid] = max(best.get(pid, -1.0), float(score))
    return sorted(best.items(), key=lambda item: -item[1])[:k]


def rank_of(hits: Sequence[tuple[str, float]], ids: set[str]) -> int:
    return next((i for i, (pid, _) in enumerate(hits, start=1) if pid in ids), len(hits) + 1) if ids else 0


def measure(m: Matcher, corpus: str, query_sets: dict[str, pd.DataFrame], glossary: Glossary) -> list[Reading]:
    everyone = len(m.profiles())
    out = []
    for name, queries in query_sets.items():
        for query in queries.itertuples():
            nonsense = bool(getattr(query, "nonsense", False))
            ids = set() if nonsense else set(query.expected_ids)
            text = str(query.text)
            reading = glossary.read(text, str(query.language))
            glossed = ranking(m, text, glossary, everyone)
            shown = [hit.id for hit in m.search(text, k=5)] if glossed else []
            out.append(
                Reading(
                    corpus=corpus,
                    query_set=name,
                    query_id=str(query.query_id),
                    language=str(query.language),
                    nonsense=nonsense,
                    gloss=encode_query(m.encoder, text, glossary).gloss,
                    coverage=reading.coverage,
                    rank_before=rank_of(ranking(m, text, None, everyone), ids),
                    rank_glossed=rank_of(glossed, ids),
                    product_rank=next((i for i, pid in enumerate(shown, start=1) if pid in ids), 6),
                    shown=len(shown),
                    hit_scores=tuple(score for pid, score in glossed[:10] if pid in ids),
                )
            )
    return out


def planted_rows(planted: dict[str, dict[str, int]]) -> list[str]:
    """The planted pairs' table: in the top 10, first, MRR@10, and the same for the pairs across languages."""
    demo, translations = load_demo(), load_profiles()
    language = dict.fromkeys(demo["id"], "en") | dict(zip(translations["id"], translations["language"], strict=True))
    lines = [
        "| corpus | planted providers in the top 10 | first | MRR@10 | across languages: in the top 10 / first |",
        "|---|---:|---:|---:|---:|",
    ]
    for corpus, ranks in planted.items():
        # Every profile of the English demo is in English; the mixed demo swaps the translations in.
        pairs = [pair.split(">") for pair in ranks] if corpus != "English demo" else []
        across = [ranks[f"{s}>{p}"] for s, p in pairs if language[s] != language[p]]
        mrr = float(np.mean([1 / rank if rank <= 10 else 0.0 for rank in ranks.values()]))
        crossing = f"{sum(r <= 10 for r in across)} / {sum(r == 1 for r in across)} of {len(across)}" if across else "-"
        lines.append(
            f"| {corpus} | {sum(r <= 10 for r in ranks.values())} / {len(ranks)} | "
            f"{sum(r == 1 for r in ranks.values())} | {mrr:.3f} | {crossing} |"
        )
    return lines


def report(
    readings: pd.DataFrame, glossary: Glossary, bands: tuple[float, float, float], planted: dict[str, dict[str, int]]
) -> str:
    sizes = ", ".join(f"{language} {len(glossary.tables.get(language, {})):,}" for language in GLOSSED_LANGUAGES)
    lines = [
        SECTION,
        "",
        "`python3 bench/bench_gloss.py --workdir DIR --write` (issue #12; matcher.gloss). A Korean, German or Spanish",
        f"search that the glossary reads for at least {MIN_COVERAGE:.0%} of its content letters (or "
        f"{LONG_READING_COVERAGE:.0%} with {LONG_READING_TERMS} entries or more) is read by",
        "MiniLM as the glossary's English keywords while USE reads the original (`matcher.embed.read_query`), on a",
        f"`{ENCODER}` index. Tables: {sizes} entries (matcher/data/glossary/; written from the domains'",
        "terminology and the demo catalogue's vocabulary, without sight of either query set). Before: USE alone, no",
        "floor (the route of such a search until now); glossed: the same with the glossary, no floor; product:",
        "`Matcher.search(text, k=5)` itself (floors and bands). Cells: top 1 / top 5 (product: top 5) of the queries",
        "with an expected profile.",
        "",
        "| corpus | queries | language | n | glossed | before | glossed | product |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    labelled = readings[~readings["nonsense"]]
    for (corpus, query_set), group in labelled.groupby(["corpus", "query_set"], sort=False):
        for language, rows in [*group.groupby("language", sort=False), ("all", group)]:
            glossed = rows["gloss"] != ""
            lines.append(
                f"| {corpus} | {query_set} | {language} | {len(rows)} | {int(glossed.sum())} | "
                f"{int((rows['rank_before'] == 1).sum())} / {int((rows['rank_before'] <= 5).sum())} | "
                f"{int((rows['rank_glossed'] == 1).sum())} / {int((rows['rank_glossed'] <= 5).sum())} | "
                f"{int((rows['product_rank'] <= 5).sum())} |"
            )
    strong, possible, weak = bands
    lines += [
        "",
        f"Where glossed searches' expected hits score (their top 10), against the `{ENCODER}` search bands (strong",
        f"{strong:.2f}, possible {possible:.2f}, weak {weak:.2f}), and the calibration set's nonsense and everyday",
        "queries:",
        "",
        "| corpus | queries | expected hits | median (min-max) | weak / possible / strong or above | nonsense queries "
        "glossed | nonsense queries the product shows a hit for |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for (corpus, query_set), group in readings.groupby(["corpus", "query_set"], sort=False):
        scores = np.array([s for row in group[group["gloss"] != ""].itertuples() for s in row.hit_scores])
        nonsense = group[group["nonsense"]]
        levels = (
            f"{np.median(scores):.2f} ({scores.min():.2f}-{scores.max():.2f}) | "
            f"{int(((scores >= weak) & (scores < possible)).sum())} / "
            f"{int(((scores >= possible) & (scores < strong)).sum())} / {int((scores >= strong).sum())}"
            if len(scores)
            else "- | -"
        )
        shown = (
            f"{int((nonsense['gloss'] != '').sum())} of {len(nonsense)} | {int((nonsense['shown'] > 0).sum())} |"
            if len(nonsense)
            else "- | - |"
        )
        lines.append(f"| {corpus} | {query_set} | {len(scores)} | {levels} | {shown}")
    coverage = labelled[labelled["corpus"] == labelled["corpus"].iloc[0]]
    lines += [
        "",
        "Coverage (share of a query's letters the glossary reads) of the labelled queries, "
        f"{coverage['corpus'].iloc[0]}: "
        + "; ".join(
            f"{language} median {rows['coverage'].median():.2f}, under {MIN_COVERAGE:.2f}: "
            f"{int((rows['coverage'] < MIN_COVERAGE).sum())} of {len(rows)}"
            for language, rows in coverage.groupby("language", sort=False)
        )
        + ".",
        "",
        f"Every evaluation query on the {readings['corpus'].iloc[0]}: the reading, and the expected profile's rank",
        "before / glossed / through the product (6: not in its top 5):",
        "",
        "| query | coverage | read as | before | glossed | product |",
        "|---|---:|---|---:|---:|---:|",
    ]
    first = readings[(readings["corpus"] == readings["corpus"].iloc[0]) & (readings["query_set"] == "evaluation")]
    for row in first.itertuples():
        lines.append(
            f"| {row.query_id} | {row.coverage:.2f} | {row.gloss or '(not glossed)'} | {row.rank_before} | "
            f"{row.rank_glossed} | {row.product_rank} |"
        )
    lines += ["", "The demo's planted pairs through `Matcher.recommend(seeker, k=10)`:", "", *planted_rows(planted)]
    missed = labelled[labelled["product_rank"] > 5]
    lines += [
        "",
        "Searches whose expected profile is not in the product's top 5: "
        + "; ".join(
            f"{row.corpus}, {row.query_id} ({'glossed' if row.gloss else 'not glossed'}, rank {row.rank_glossed})"
            for row in missed.itertuples()
        )
        + ".",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True, help="where the demo workspaces are built and reused")
    parser.add_argument("--write", action="store_true", help="write the section of bench/RESULTS.md")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    glossary = packaged_glossary()  # what Matcher.search reads
    demo = load_demo()
    query_sets = {"evaluation": load_queries(demo), "calibration": load_calibration(demo)}
    readings: list[Reading] = []
    planted: dict[str, dict[str, int]] = {}
    bands = (0.0, 0.0, 0.0)
    for corpus, _, m in demo_corpora(args.workdir, ENCODER, load_encoder(ENCODER)):
        logger.info("searching the %s", corpus)
        search = m.calibration.search
        bands = (search.strong, search.possible, search.weak)
        readings += measure(m, corpus, query_sets, glossary)
        planted[corpus] = planted_ranks(m)
    text = report(pd.DataFrame(readings), glossary, bands, planted)
    print(text)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
