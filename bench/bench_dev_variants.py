"""Ranking variants on the real development set, in-process, tuned on validation windows before the truth.

Each variant re-ranks the same candidate pools the product draws (:meth:`matcher.rank.Recommender.
candidate_features`: the channels, the other-city rule, existing partners left out) with another score, then
takes the top 10 (through maximal marginal relevance where the variant says so) and is scored as SOURCE.md says
(:func:`bench_dev.score_lists`). The product's own row (weighted scorer, MMR 0.8) reproduces the CLI's numbers of
``bench/bench_dev.py``: the competitor rule removes nothing on this data (its profiles have no offers or seeks).

Windows, so that no choice is made on the truth (issue 11: "tune on a validation window, not on the truth"):

- ``2016``: the recommender fitted on the partnerships dated up to 2015; truth = the pairs first met in 2016;
  600 queries drawn (seed 0) from the organisations with a 2016 pair and a partner before 2016.
- ``2016-small``: the same, with only the 2016 pairs that look like small projects (at most
  :data:`SMALL_PROJECT_COMMON` partners shared within 2016, as in a project of at most 10 partners), like the
  truth's "projects with <= 10 partners".
- ``truth``: the history up to 2016 and the 2017-2018 truth: read once per variant (``--truth``), never to choose.

Every row also gives the change in recall@10 against the product's row with its paired standard error (the
same queries on both sides, so the error of a difference is smaller than the 0.005 of one number).

Programme overlap reads the profiles' programme parts (the ``tags`` a CORDIS import writes). They are snapshots of
the end of 2016, so in the 2016 windows they include the programme of the very pair to predict (a leak that flatters
them there); in the truth they do not.

Field activity (tenth session) is :meth:`matcher.candidates.PartnerGraph.field_activity`, the feature the product
ranks with since then: each history partnership counted in the fields (sectors and tags, here the programme parts)
its two organisations share, read for the fields the asker works in. The ``weighted, field activity w`` rows are the
weighted scorer with that feature's weight set to ``w`` in both directions; at 0 it is the scorer before.

Usage (from the repository root, on a workspace that holds the development set, imported and built)::

    python3 bench/bench_dev_variants.py --workspace /tmp/devbench            # the two validation windows
    python3 bench/bench_dev_variants.py --workspace /tmp/devbench --truth    # and the truth, once
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.bench_dev import DATA, K, load_truth, score_lists, truth_partners  # noqa: E402
from matcher.diversify import cap_exposure, exposure_limit, mmr  # noqa: E402
from matcher.rank import Recommender, WeightedScorer, harmonic_mean, load_config  # noqa: E402

logger = logging.getLogger("bench_dev_variants")

SMALL_PROJECT_COMMON = 8
"""Partners two organisations share within one year at most for their pair to count as from a small project: in a
project of s partners every pair shares at least s - 2 (the truth keeps projects of at most 10 partners)."""
PRODUCT = "product: weighted scorer, MMR 0.8"

# ----------------------------------------------------------------------------------------------------- windows


@dataclass(frozen=True)
class Window:
    """What a ranking is fitted on and scored against.

    Attributes:
        name: Shown in the table.
        history: The partnerships the recommender is fitted on.
        truth: Per organisation its partners to find.
        queries: The organisations asked for, in order.
    """

    name: str
    history: pd.DataFrame
    truth: dict[str, set[str]]
    queries: list[str]


def same_year_common(partnerships: pd.DataFrame, row_of: Mapping[str, int]) -> np.ndarray:
    """Per partnership, how many partners its two organisations share among the partnerships of the same year.

    Pairs of one project of s partners share at least s - 2 of them; a count over several projects of one year is
    larger, so a small count is evidence of a small project. Rows with an unknown id or year count as -1.

    Example:
        >>> edges = pd.DataFrame({"source_id": ["a", "a", "b", "c"], "target_id": ["b", "c", "c", "d"],
        ...                       "year": [2016, 2016, 2016, 2015]})
        >>> same_year_common(edges, {"a": 0, "b": 1, "c": 2, "d": 3}).tolist()
        [1, 1, 1, 0]
    """
    src = partnerships["source_id"].map(row_of).to_numpy(dtype=float, na_value=np.nan)
    dst = partnerships["target_id"].map(row_of).to_numpy(dtype=float, na_value=np.nan)
    years = pd.to_numeric(partnerships["year"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    out = np.full(len(partnerships), -1, dtype=np.int64)
    known = ~(np.isnan(src) | np.isnan(dst) | np.isnan(years)) & (src != dst)
    n = len(row_of)
    for year in np.unique(years[known]):
        here = known & (years == year)
        s, t = src[here].astype(np.int64), dst[here].astype(np.int64)
        adjacency = sp.csr_matrix((np.ones(2 * len(s)), (np.r_[s, t], np.r_[t, s])), shape=(n, n))
        adjacency.data[:] = 1.0  # a pair listed twice is one edge
        common = (adjacency @ adjacency).tocsr()
        out[here] = np.asarray(common[s, t]).ravel().astype(np.int64)
    return out


def validation_window(
    partnerships: pd.DataFrame,
    ids: Sequence[str],
    year: int,
    *,
    small_only: bool = False,
    n_queries: int = 600,
    seed: int = 0,
) -> Window:
    """History before ``year``; truth the pairs first met in ``year``; queries drawn among the organisations
    that have both.

    Args:
        partnerships: ``source_id``, ``target_id``, ``year`` (the year a pair first met).
        ids: The catalogue's ids.
        year: The year to predict.
        small_only: Keep only the truth pairs of small projects (:func:`same_year_common`).
        n_queries: Queries drawn (all when fewer qualify).
        seed: Seed of the draw.

    Example:
        >>> edges = pd.DataFrame({"source_id": ["a", "b"], "target_id": ["b", "c"], "year": [2015, 2016]})
        >>> w = validation_window(edges, ["a", "b", "c"], 2016)
        >>> len(w.history), w.truth, w.queries
        (1, {'b': {'c'}, 'c': {'b'}}, ['b'])
    """
    years = pd.to_numeric(partnerships["year"], errors="coerce")
    history = partnerships[years < year]
    new = partnerships[years == year]
    if small_only:
        row_of = {pid: i for i, pid in enumerate(ids)}
        new = new[same_year_common(new, row_of) <= SMALL_PROJECT_COMMON]
    truth = truth_partners(zip(new["source_id"], new["target_id"], strict=True))
    known = set(ids)
    with_history = set(history["source_id"]) | set(history["target_id"])
    eligible = sorted(q for q in truth if q in with_history and q in known)
    rng = np.random.default_rng(seed)
    picked = eligible if len(eligible) <= n_queries else rng.choice(eligible, n_queries, replace=False).tolist()
    return Window(f"{year}{'-small' if small_only else ''}", history, truth, sorted(picked))


# ----------------------------------------------------------------------------------------------------- signals


@dataclass(frozen=True)
class Pool:
    """One asker's candidates and what the variants read about them (arrays aligned with ``rows``).

    Attributes:
        query: The asker's id.
        rows: Catalogue rows of the candidates.
        weighted: The product's score (harmonic mean of the weighted scorer's two fits).
        popularity: ``log(1 + degree) / log(1 + max degree)`` over the catalogue.
        adamic_adar: Raw Adamic-Adar with the asker.
        adamic_adar_top: The largest Adamic-Adar over the catalogue, the asker's own included (SOURCE.md's scale).
        own_adamic_adar: The asker's Adamic-Adar with itself: its own partners' weight.
        three_step: Raw three-step score; ``own_three_step`` the asker's own.
        recent_three_step: The three-step score with each link weighted 0.5 per year of age; ``own_recent``.
        small_degree: ``log(1 + partners met in small projects)`` over its catalogue maximum.
        programmes_any: Whether the two share a programme part.
        programmes_cover: IDF-weighted share of the asker's programme parts the candidate works in.
        programmes_jaccard: Jaccard of the two sets of programme parts.
        field_activity: The candidate's partnerships in the asker's fields (PartnerGraph.field_activity).
        features: The product's pair features, for variants of the weighted scorer's weights.
    """

    query: str
    rows: np.ndarray
    weighted: np.ndarray
    popularity: np.ndarray
    adamic_adar: np.ndarray
    adamic_adar_top: float
    own_adamic_adar: float
    three_step: np.ndarray
    own_three_step: float
    recent_three_step: np.ndarray
    own_recent: float
    small_degree: np.ndarray
    programmes_any: np.ndarray
    programmes_cover: np.ndarray
    programmes_jaccard: np.ndarray
    field_activity: np.ndarray
    features: pd.DataFrame


def _tag_matrix(tags: pd.Series) -> sp.csr_matrix:
    """Organisations x programme parts, 1 where an organisation works in a part."""
    vocab = {t: i for i, t in enumerate(sorted({t for ts in tags for t in (ts or ())}))}
    rows = [i for i, ts in enumerate(tags) for _ in (ts or ())]
    cols = [vocab[t] for ts in tags for t in (ts or ())]
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(tags), max(len(vocab), 1)))


def _recent_adjacency(recommender: Recommender, history: pd.DataFrame, decay: float = 0.5) -> sp.csr_matrix:
    """The history's adjacency with each link weighted ``decay ** (latest year - its year)``."""
    row_of = recommender.row_of_
    src = history["source_id"].map(row_of).to_numpy(dtype=float, na_value=np.nan)
    dst = history["target_id"].map(row_of).to_numpy(dtype=float, na_value=np.nan)
    years = pd.to_numeric(history["year"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    keep = ~(np.isnan(src) | np.isnan(dst) | np.isnan(years))
    weight = decay ** (np.nanmax(years) - years[keep])
    s, t = src[keep].astype(np.int64), dst[keep].astype(np.int64)
    n = len(recommender.ids_)
    adjacency = sp.csr_matrix((np.r_[weight, weight], (np.r_[s, t], np.r_[t, s])), shape=(n, n))
    adjacency.data = np.minimum(adjacency.data, 1.0)
    return adjacency


def pools(recommender: Recommender, window: Window) -> list[Pool]:
    """The product's candidate pools for the window's queries, with every signal the variants read."""
    graph = recommender.graph_
    n = len(recommender.ids_)
    tags = _tag_matrix(recommender.profiles_["tags"])
    idf = np.log(n / np.maximum(np.asarray(tags.sum(axis=0)).ravel(), 1.0))
    n_tags = np.asarray(tags.sum(axis=1)).ravel()
    recent = _recent_adjacency(recommender, window.history)
    recent_last = (sp.diags(1.0 / np.maximum(graph.degree_, 1)) @ recent).tocsr()
    common = same_year_common(window.history, recommender.row_of_)
    small = window.history[(common >= 0) & (common <= SMALL_PROJECT_COMMON)]
    small_count = np.zeros(n)
    for column in ("source_id", "target_id"):
        np.add.at(small_count, small[column].map(recommender.row_of_).to_numpy(dtype=np.int64), 1.0)
    small_degree = np.log1p(small_count) / max(np.log1p(small_count.max()), 1e-9)
    out = []
    for candidates in recommender.candidate_features(window.queries, K):
        row = recommender.row_of_[candidates.query]
        rows = candidates.pool.rows
        links = graph.link_scores(np.array([row]))
        adamic_adar = links.adamic_adar.toarray().ravel()
        three_step = links.three_step.toarray().ravel()
        recent_steps = ((recent[row] @ recent) @ recent_last).toarray().ravel()
        own = tags[row].toarray().ravel() > 0
        shared = (tags[rows] @ own.astype(float)).ravel()
        union = n_tags[rows] + own.sum() - shared
        cover = (tags[rows] @ (idf * own)).ravel() / max(float(idf[own].sum()), 1e-9)
        fit_query, fit_candidate = recommender.scorer_.score(candidates.features)
        out.append(
            Pool(
                query=candidates.query,
                rows=rows,
                weighted=harmonic_mean(fit_query, fit_candidate),
                popularity=graph.popularity_[rows],
                adamic_adar=adamic_adar[rows],
                adamic_adar_top=float(adamic_adar.max(initial=0.0)),
                own_adamic_adar=float(adamic_adar[row]),
                three_step=three_step[rows],
                own_three_step=float(three_step[row]),
                recent_three_step=recent_steps[rows],
                own_recent=float(recent_steps[row]),
                small_degree=small_degree[rows],
                programmes_any=(shared > 0).astype(float),
                programmes_cover=cover,
                programmes_jaccard=np.divide(shared, union, out=np.zeros_like(shared), where=union > 0),
                field_activity=candidates.features["field_activity"].to_numpy(),
                features=candidates.features,
            )
        )
    return out


# ----------------------------------------------------------------------------------------------------- variants


def _share(values: np.ndarray, scale: float) -> np.ndarray:
    return values / scale if scale > 0 else np.zeros_like(values)


def _rank_fusion(*scores: np.ndarray, k: float = 10.0) -> np.ndarray:
    """Reciprocal rank fusion: the sum of ``1 / (k + rank)`` over the rankings."""
    total = np.zeros(len(scores[0]))
    for score in scores:
        ranks = np.empty(len(score))
        ranks[np.argsort(-score, kind="stable")] = np.arange(len(score))
        total += 1.0 / (k + ranks)
    return total


def _blend_all(p: Pool) -> np.ndarray:
    return 0.5 * _share(p.adamic_adar, p.adamic_adar_top) + 0.5 * p.popularity


def _weighted_with(**extra: float) -> Callable[[Pool], np.ndarray]:
    """The weighted scorer as it was before field activity (that weight 0), with some weights changed in both
    directions."""
    weights = {d: {**load_config().weights[d], "field_activity": 0.0, **extra} for d in ("query", "candidate")}
    scorer = WeightedScorer(weights)
    return lambda p: harmonic_mean(*scorer.score(p.features))


@dataclass(frozen=True)
class Variant:
    """One way to rank a pool.

    Attributes:
        score: The score of each candidate of a pool.
        mmr: The MMR lambda (1 for none).
        cap: The exposure cap of a batch (share of the lists one organisation may appear in), None for none.
    """

    score: Callable[[Pool], np.ndarray]
    mmr: float = 1.0
    cap: float | None = None


VARIANTS: dict[str, Variant] = {
    PRODUCT: Variant(lambda p: p.weighted, 0.8),
    "product with the 5 % exposure cap": Variant(lambda p: p.weighted, 0.8, 0.05),
    "product with a 2 % exposure cap": Variant(lambda p: p.weighted, 0.8, 0.02),
    "weighted, MMR off": Variant(lambda p: p.weighted),
    "weighted, MMR 0.9": Variant(lambda p: p.weighted, 0.9),
    "popularity (in the pool)": Variant(lambda p: p.popularity),
    "blend, maxima over all orgs (in the pool)": Variant(_blend_all),
    "global: popularity + AA / own AA + 0.5 x three-step / own": Variant(
        lambda p: (
            p.popularity + _share(p.adamic_adar, p.own_adamic_adar) + 0.5 * _share(p.three_step, p.own_three_step)
        ),
    ),
    "weighted + 0.1 x popularity": Variant(lambda p: p.weighted + 0.1 * p.popularity),
    "weighted + 0.1 x popularity, MMR 0.8": Variant(lambda p: p.weighted + 0.1 * p.popularity, 0.8),
    "weighted + 0.1 x small-project degree": Variant(lambda p: p.weighted + 0.1 * p.small_degree),
    "popularity + recent three-step / own (0.5 per year)": Variant(
        lambda p: p.popularity + _share(p.recent_three_step, p.own_recent),
    ),
    "rank fusion of weighted and the blend": Variant(lambda p: _rank_fusion(p.weighted, _blend_all(p))),
    "weighted x any shared programme (0.1 without)": Variant(lambda p: p.weighted * (0.1 + 0.9 * p.programmes_any)),
    "weighted x (0.5 + 0.5 x programme cover)": Variant(lambda p: p.weighted * (0.5 + 0.5 * p.programmes_cover)),
    "weighted x (0.5 + 0.5 x programme Jaccard)": Variant(lambda p: p.weighted * (0.5 + 0.5 * p.programmes_jaccard)),
    "field activity (in the pool)": Variant(lambda p: p.field_activity),
    "AA / top + field activity (in the pool)": Variant(
        lambda p: 0.5 * _share(p.adamic_adar, p.adamic_adar_top) + 0.5 * p.field_activity
    ),
    "weighted, field activity 0 (before)": Variant(_weighted_with(field_activity=0.0), 0.8),
    "weighted, field activity 0.05": Variant(_weighted_with(field_activity=0.05), 0.8),
    "weighted, field activity 0.1": Variant(_weighted_with(field_activity=0.1), 0.8),
    "weighted, field activity 0.2": Variant(_weighted_with(field_activity=0.2), 0.8),
    "weighted, field activity 0.3": Variant(_weighted_with(field_activity=0.3), 0.8),
    "weighted, field activity 0.5": Variant(_weighted_with(field_activity=0.5), 0.8),
    "weighted, popularity 0.2": Variant(_weighted_with(popularity=0.2), 0.8),
    "weighted, field 0.1, AA 0.2": Variant(_weighted_with(field_activity=0.1, adamic_adar=0.2), 0.8),
    "weighted, field 0.1, three-step 0.1": Variant(_weighted_with(field_activity=0.1, three_step_links=0.1), 0.8),
    "weighted, field 0.1, three-step 0.3": Variant(_weighted_with(field_activity=0.1, three_step_links=0.3), 0.8),
    "weighted, field 0.1, text halved": Variant(
        _weighted_with(field_activity=0.1, profile_similarity=0.05, lexical=0.03, need_profile_match=0.1,
                       offer_profile_match=0.1), 0.8),
}
"""The variants measured, by name."""


def lists_of(recommender: Recommender, found: Sequence[Pool], variant: Variant) -> dict[str, list[str]]:
    """Each asker's top ``K`` under one variant (MMR among the best ``3K``, then the cap over ``2K``, as the
    product does)."""
    vectors = recommender.vectors_["profile"]
    length = K if variant.cap is None else 2 * K
    ranked, scores = [], []
    for pool in found:
        score = np.asarray(variant.score(pool), dtype=float)
        best = np.argsort(-score, kind="stable")[: 3 * K]
        picked = best[mmr(score[best], vectors[pool.rows[best]], length, variant.mmr)]
        ranked.append(pool.rows[picked])
        scores.append(score[picked])
    if variant.cap is None:
        kept = [np.arange(min(K, len(rows))) for rows in ranked]
    else:
        kept = cap_exposure(ranked, scores, K, exposure_limit(variant.cap, len(ranked)))
    return {
        pool.query: [recommender.ids_[r] for r in rows[positions].tolist()]
        for pool, rows, positions in zip(found, ranked, kept, strict=True)
    }


def per_query_recall(lists: Mapping[str, Sequence[str]], window: Window) -> np.ndarray:
    """Recall@K of each query as SOURCE.md counts it (found over ``min(K, |truth|)``)."""
    return np.array(
        [len(set(lists.get(q, [])[:K]) & window.truth[q]) / min(K, len(window.truth[q])) for q in window.queries]
    )


def measure(recommender: Recommender, window: Window, names: Sequence[str]) -> list[dict[str, float | int | str]]:
    """One row per variant: recall, nDCG, distinct organisations, Gini of exposure and the paired change in
    recall."""
    found = pools(recommender, window)
    rows: list[dict[str, float | int | str]] = []
    base = per_query_recall(lists_of(recommender, found, VARIANTS[PRODUCT]), window)
    for name in names:
        lists = lists_of(recommender, found, VARIANTS[name])
        scores = score_lists(lists, window.queries, window.truth, len(recommender.ids_))
        change = per_query_recall(lists, window) - base
        rows.append(
            {
                "window": window.name,
                "variant": name,
                "recall": scores.recall,
                "ndcg": scores.ndcg,
                "distinct": scores.distinct,
                "gini": scores.gini,
                "change": float(change.mean()),
                "change_se": float(change.std(ddof=1) / np.sqrt(len(change))),
            }
        )
        logger.info("%s / %s: recall %.4f", window.name, name, scores.recall)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=Path, required=True, help="a workspace holding the development set")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--truth", action="store_true", help="also score on the 2017-2018 truth (once per variant)")
    parser.add_argument("--variants", nargs="*", default=None, help="names of VARIANTS (default all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    if not (args.data / "truth.csv").exists():
        print(f"no development set at {args.data}: nothing to measure")
        return 0
    names = args.variants or list(VARIANTS)
    unknown = sorted(set(names) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variants {unknown}; known: {list(VARIANTS)}")
    from matcher.api import Matcher

    matcher = Matcher(args.workspace)
    profiles = matcher.store.profiles()
    vectors = matcher.context.vectors(profiles)  # the workspace's cached embeddings: nothing is encoded again
    partnerships = matcher.store.partnerships()
    ids = profiles["id"].tolist()
    windows = [validation_window(partnerships, ids, 2016), validation_window(partnerships, ids, 2016, small_only=True)]
    if args.truth:
        queries = [q for q in (args.data / "queries.txt").read_text().split() if q in set(ids)]
        windows.append(Window("truth", partnerships, load_truth(args.data / "truth.csv"), queries))
    rows = []
    for window in windows:
        start = time.perf_counter()
        recommender = Recommender().fit(profiles, vectors, window.history)
        rows += measure(recommender, window, names)
        logger.info("window %s: %d queries in %.0f s", window.name, len(window.queries), time.perf_counter() - start)
    header = (
        "window",
        "variant",
        "recall@10",
        "nDCG@10",
        "distinct orgs",
        "Gini exposure",
        "recall change (paired SE)",
    )
    print("| " + " | ".join(header) + " |")
    print("|---|---|" + "---:|" * (len(header) - 2))
    for row in rows:
        cells = [row["window"], row["variant"], f"{row['recall']:.4f}", f"{row['ndcg']:.4f}", f"{row['distinct']:,}"]
        cells += [f"{row['gini']:.3f}", f"{row['change']:+.4f} ({row['change_se']:.4f})"]
        print("| " + " | ".join(str(cell) for cell in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
