"""Offline evaluation: link prediction on known partnerships, the recommender against baselines.

The protocol (issue 5):

1. **Split** the partnerships (:func:`split_partnerships`): by year when years exist (history up to ``T``, truth
   after ``T``), else a seeded random split of the distinct pairs. Truth pairs already in the history are dropped:
   predicting a partnership the organisations already have is no prediction.
2. **Fit** every method on the history only, and **rank** for each query organisation (one with at least one
   truth partner the cross-city rule allows) its top ``max(ks)`` candidates. Every method sees the same
   candidate set: the catalogue minus the query itself, minus its history partners, minus organisations the
   cross-city rule forbids (``other_city`` by default, as the product). Truth pairs the rule forbids are
   counted in ``dropped_by_rule`` and not scored (run again with ``cross_city="any"`` to score them).
3. **Score** per query recall@k, nDCG@k, hit-rate@k and the reciprocal rank (:func:`recall_at_k`, ...), averaged
   over queries; catalogue coverage and the Gini of exposure of the top-10 lists; and the reciprocal view
   (:func:`reciprocal_hit_rate`): for a true pair, whether each side is in the other's list.

Several :class:`Fold` s (e.g. leave-one-project-out on CORDIS, :func:`cordis_folds`) are pooled: per-query
metrics are averaged over all queries of all folds, exposure is summed over all lists.

Methods honour one small contract, :class:`Ranker` (``fit(fold)`` then ``rank(queries, k)``). Baselines:
:class:`RandomRanker`, :class:`PopularityRanker`, :class:`TfidfRanker`, :class:`EmbeddingRanker`,
:class:`AdamicAdarRanker`; the product is :class:`RecommenderRanker` (any :class:`~matcher.rank.Scorer`).

Example:
    >>> import pandas as pd
    >>> partnerships = pd.DataFrame({"source_id": ["a", "b"], "target_id": ["b", "c"], "year": [2019, 2023]})
    >>> split = split_partnerships(partnerships, year=2021)
    >>> split.history[["source_id", "target_id"]].values.tolist(), split.truth.values.tolist()
    ([['a', 'b']], [['b', 'c']])
    >>> recall_at_k(["x", "c", "y"], {"c", "z"}, 2), round(ndcg_at_k(["x", "c"], {"c"}, 2), 3)
    (0.5, 0.631)
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .candidates import PartnerGraph
from .catalogue import Catalogue, CrossCity, check_cross_city, facet_texts
from .errors import InputError
from .rank import Recommender, Scorer
from .schema import FACETS

__all__ = [
    "DEFAULT_KS",
    "AdamicAdarRanker",
    "EmbeddingRanker",
    "EvaluationResult",
    "Fold",
    "PopularityAdamicAdarRanker",
    "PopularityRanker",
    "RandomRanker",
    "Ranker",
    "RecommenderRanker",
    "Split",
    "TfidfRanker",
    "baselines",
    "catalogue_coverage",
    "cordis_folds",
    "evaluate",
    "gini",
    "hit_rate_at_k",
    "ndcg_at_k",
    "recall_at_k",
    "reciprocal_hit_rate",
    "reciprocal_rank",
    "split_partnerships",
]

logger = logging.getLogger(__name__)

DEFAULT_KS: tuple[int, ...] = (5, 10, 20)
_COVERAGE_K = 10
"""List length at which coverage, exposure and the reciprocal view are read."""

# ----------------------------------------------------------------------------------------------------- metrics


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")


def recall_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Share of the relevant items found in the first ``k`` of ``ranked`` (0 when nothing is relevant).

    Example:
        >>> recall_at_k(["a", "b", "c"], {"b", "d"}, 2)
        0.5
    """
    _check_k(k)
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def ndcg_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """Normalised discounted cumulative gain with binary gains: DCG of the first ``k`` over the best DCG possible.

    A hit at position ``i`` (0-based) gains ``1 / log2(i + 2)``; the ideal list puts ``min(k, |relevant|)`` hits
    first.

    Example:
        >>> round(ndcg_at_k(["x", "a"], {"a"}, 2), 4)  # 1/log2(3) over 1
        0.6309
    """
    _check_k(k)
    if not relevant:
        return 0.0
    relevant = set(relevant)
    dcg = sum(1.0 / math.log2(i + 2) for i, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal


def hit_rate_at_k(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    """1.0 when at least one relevant item is in the first ``k``, else 0.0.

    Example:
        >>> hit_rate_at_k(["a", "b"], {"b"}, 1), hit_rate_at_k(["a", "b"], {"b"}, 2)
        (0.0, 1.0)
    """
    _check_k(k)
    return float(bool(set(ranked[:k]) & set(relevant)))


def reciprocal_rank(ranked: Sequence[str], relevant: Collection[str]) -> float:
    """``1 / rank`` of the first relevant item of ``ranked`` (1-based), 0 when none is in the list.

    Example:
        >>> reciprocal_rank(["a", "b", "c"], {"c"})
        0.3333333333333333
    """
    relevant = set(relevant)
    return next((1.0 / (i + 1) for i, item in enumerate(ranked) if item in relevant), 0.0)


def catalogue_coverage(lists: Iterable[Sequence[str]], catalogue_size: int) -> float:
    """Share of the catalogue that appears in at least one list.

    Example:
        >>> catalogue_coverage([["a", "b"], ["b", "c"]], 6)
        0.5
    """
    if catalogue_size < 1:
        raise ValueError(f"catalogue_size must be positive, got {catalogue_size!r}")
    return len({item for items in lists for item in items}) / catalogue_size


def gini(counts: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative counts: 0 when all are equal, ``1 - 1/n`` when one holds everything.

    Used on exposure: how often each organisation of the catalogue (those never shown included, as zeros) is
    recommended.

    Example:
        >>> gini([1, 1, 1, 1]), gini([0, 0, 0, 4])
        (0.0, 0.75)
    """
    values = np.sort(np.asarray(counts, dtype=float))
    if values.ndim != 1 or not len(values):
        raise ValueError("gini needs a non-empty 1-d sequence of counts")
    if (values < 0).any():
        raise ValueError("gini needs non-negative counts")
    total = values.sum()
    if total == 0:
        return 0.0
    n = len(values)
    ranks = np.arange(1, n + 1)
    return float(((2 * ranks - n - 1) * values).sum() / (n * total))


def reciprocal_hit_rate(
    lists: Mapping[str, Sequence[str]], pairs: Iterable[tuple[str, str]], k: int
) -> tuple[float, float]:
    """The reciprocal view of true pairs: the share where *both* sides find each other in their top ``k``, and
    the share where at least one does. Pairs with a side that has no list are skipped.

    Example:
        >>> lists = {"a": ["b"], "b": ["c"], "c": ["b"]}
        >>> reciprocal_hit_rate(lists, [("a", "b"), ("b", "c")], 1)
        (0.5, 1.0)
    """
    _check_k(k)
    both = either = total = 0
    for a, b in pairs:
        if a not in lists or b not in lists:
            continue
        total += 1
        forward, backward = b in lists[a][:k], a in lists[b][:k]
        both += forward and backward
        either += forward or backward
    return (both / total, either / total) if total else (0.0, 0.0)


# ----------------------------------------------------------------------------------------------------- splits


def _pair_keys(frame: pd.DataFrame) -> pd.Series:
    """Unordered pair key per row (``a|b`` with ``a <= b``)."""
    a, b = frame["source_id"].astype(str), frame["target_id"].astype(str)
    low, high = a.where(a <= b, b), b.where(a <= b, a)
    return low + "\x1f" + high


def _distinct_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """Distinct unordered pairs (no self-pairs), as ``source_id <= target_id``."""
    if frame.empty:
        return pd.DataFrame(columns=["source_id", "target_id"])
    a, b = frame["source_id"].astype(str), frame["target_id"].astype(str)
    out = pd.DataFrame({"source_id": a.where(a <= b, b), "target_id": b.where(a <= b, a)})
    out = out[out["source_id"] != out["target_id"]]
    return out.drop_duplicates().reset_index(drop=True)


@dataclass(frozen=True)
class Split:
    """Partnerships split into what a method may learn from and what it must predict.

    Attributes:
        history: Partnership rows a method is fitted on (all columns kept).
        truth: Distinct unordered pairs to predict (``source_id``, ``target_id``), none of them in the history.
        how: The rule, in words (e.g. ``"year <= 2021"``).
    """

    history: pd.DataFrame
    truth: pd.DataFrame
    how: str


def split_partnerships(
    partnerships: pd.DataFrame, *, year: int | None = None, test_share: float = 0.2, seed: int = 0
) -> Split:
    """Splits partnerships for link prediction: by year when years exist, else at random.

    With years, partnerships up to ``year`` (undated ones included) are history and the later ones are truth;
    without ``year`` the cut is the latest year that leaves at least ``test_share`` of the dated pairs as truth.
    Without any year, a seeded ``test_share`` of the distinct pairs is truth.

    Args:
        partnerships: Rows with ``source_id``, ``target_id`` and optionally ``year``.
        year: Last year of the history; None to choose it from ``test_share``.
        test_share: Share of pairs to hold out when choosing the cut or splitting at random, in (0, 1).
        seed: Seed of the random split.

    Raises:
        ValueError: Missing columns or a ``test_share`` outside (0, 1).

    Example:
        >>> frame = pd.DataFrame({"source_id": ["a", "a", "b"], "target_id": ["b", "c", "c"]})
        >>> split = split_partnerships(frame, test_share=0.34, seed=0)
        >>> len(split.history), len(split.truth), split.how
        (2, 1, 'random 34% of pairs (seed 0)')
    """
    missing = [c for c in ("source_id", "target_id") if c not in partnerships.columns]
    if missing:
        raise ValueError(f"partnerships lack the columns {missing}")
    if not 0.0 < test_share < 1.0:
        raise ValueError(f"test_share must be in (0, 1), got {test_share!r}")
    frame = partnerships.reset_index(drop=True)
    years = pd.to_numeric(frame["year"], errors="coerce") if "year" in frame else pd.Series(np.nan, frame.index)
    if years.notna().any():
        if year is None:
            year = _cut_year(years.dropna(), test_share)
        later = (years > year).fillna(False).to_numpy(dtype=bool)
        how = f"year <= {year}"
    else:
        if year is not None:
            raise InputError("year given but the partnerships have no year")
        keys = _pair_keys(frame)
        distinct = keys.drop_duplicates()
        rng = np.random.default_rng(seed)
        n_truth = max(1, round(test_share * len(distinct))) if len(distinct) > 1 else 0
        held = set(distinct.iloc[rng.permutation(len(distinct))[:n_truth]])
        later = keys.isin(held).to_numpy()
        how = f"random {test_share:.0%} of pairs (seed {seed})"
    history = frame[~later].reset_index(drop=True)
    truth = _distinct_pairs(frame[later])
    truth = truth[~_pair_keys(truth).isin(set(_pair_keys(history)))].reset_index(drop=True)
    logger.info("split %s: %d history rows, %d truth pairs", how, len(history), len(truth))
    return Split(history=history, truth=truth, how=how)


def _cut_year(years: pd.Series, test_share: float) -> int:
    """The latest year such that the partnerships after it are at least ``test_share`` of all."""
    for candidate in sorted(years.unique(), reverse=True):
        if (years > candidate).mean() >= test_share:
            return int(candidate)
    return int(years.min())


# ----------------------------------------------------------------------------------------------------- folds


@dataclass(frozen=True)
class Fold:
    """One evaluation round: a catalogue with its vectors, the history to learn from and the pairs to predict.

    Attributes:
        profiles: The catalogue (columns of :data:`matcher.schema.PROFILE_COLUMNS`).
        vectors: Per facet, unit vectors aligned with ``profiles``.
        history: Known partnerships (methods are fitted on these only).
        truth: Pairs to predict (``source_id``, ``target_id``).
        directed: Whether ``truth`` is read one way (``source_id`` should find ``target_id``, as a seeker should
            find the provider the demo plants for its need) or both ways (each side should find the other).
        name: A label for logs.
    """

    profiles: pd.DataFrame
    vectors: Mapping[str, np.ndarray]
    history: pd.DataFrame
    truth: pd.DataFrame
    directed: bool = False
    name: str = ""

    @classmethod
    def from_split(
        cls, profiles: pd.DataFrame, vectors: Mapping[str, np.ndarray], split: Split, name: str = ""
    ) -> Fold:
        """The fold of a :class:`Split` (truth read both ways)."""
        return cls(profiles, vectors, split.history, split.truth, directed=False, name=name or split.how)


VectorMaker = Callable[[pd.DataFrame], Mapping[str, np.ndarray]]
"""Given a profiles frame, the unit vectors of each facet (e.g. a closure over an encoder and its cache)."""


def cordis_folds(
    organizations: pd.DataFrame,
    projects: pd.DataFrame,
    make_vectors: VectorMaker,
    *,
    hold_out: Sequence[object] | None = None,
    min_known: int = 2,
) -> list[Fold]:
    """Leave-one-project-out folds over a CORDIS sample: one fold per held-out project.

    For project ``P``, the catalogue is the one CORDIS would give had ``P`` never happened: profiles are rebuilt
    with ``P``'s title and objective left out of every text (``cordis_to_frames(exclude_projects=[P])``), and
    organisations known only from ``P`` are left out (without ``P`` nothing is known of them; kept, they would
    be textless profiles that resemble each other, and a method could find ``P``'s newcomers by their blankness).
    The history is every co-participation of the *other* projects, and the truth is the pairs of ``P``'s
    remaining participants that no other project links. So what is predicted never appears in a profile text,
    nor in the graph.

    Args:
        organizations: The CORDIS organisation table.
        projects: The CORDIS project table.
        make_vectors: Embeds a fold's profiles (called once per fold; pass one with a cache so that only the
            held-out project's participants are re-embedded).
        hold_out: Project ids to hold out in turn; None for every project.
        min_known: Hold out only projects with at least this many participants who also take part in another
            project (only those stay in the catalogue; a truth pair needs two).

    Returns:
        One :class:`Fold` per held-out project that has truth pairs, named after its acronym.
    """
    from .cordis import cordis_to_frames

    full = cordis_to_frames(organizations, projects)
    parts = full.participations
    project_ids = parts["project_id"].drop_duplicates().tolist() if hold_out is None else [str(p) for p in hold_out]
    per_org = parts.groupby("profile_id")["project_id"].nunique()
    folds = []
    for project in project_ids:
        members = parts.loc[parts["project_id"] == project, "profile_id"].unique()
        returning = int((per_org.reindex(members).fillna(0) > 1).sum())
        if returning < min_known:
            logger.info("CORDIS project %s: %d participants also elsewhere; skipped", project, returning)
            continue
        frames = cordis_to_frames(organizations, projects, exclude_projects=[project])
        acronym = parts.loc[parts["project_id"] == project, "acronym"].dropna()
        label = str(acronym.iloc[0]) if len(acronym) else str(project)
        in_project = frames.partnerships["note"].astype(str).eq(label)
        # A pair may share several projects: it is truth only when no other project links it.
        history = frames.partnerships[~in_project].reset_index(drop=True)
        truth = _distinct_pairs(frames.partnerships[in_project])
        truth = truth[~_pair_keys(truth).isin(set(_pair_keys(history)))]
        known = set(parts.loc[parts["project_id"] != project, "profile_id"])
        profiles = frames.profiles[frames.profiles["id"].isin(known)].reset_index(drop=True)
        truth = truth[truth["source_id"].isin(known) & truth["target_id"].isin(known)].reset_index(drop=True)
        if truth.empty:
            continue
        folds.append(Fold(profiles, make_vectors(profiles), history, truth, directed=False, name=label))
    logger.info("CORDIS leave-one-project-out: %d folds", len(folds))
    return folds


# ----------------------------------------------------------------------------------------------------- methods


class Ranker(Protocol):
    """What the evaluation needs from a method: fit on a fold's history, then rank for query ids.

    ``rank`` returns, per query, up to ``k`` catalogue ids best first, never the query itself, its history
    partners or (with ``cross_city``) an organisation the rule forbids.
    """

    @property
    def name(self) -> str: ...

    def fit(self, fold: Fold, cross_city: CrossCity) -> Ranker: ...

    def rank(self, queries: Sequence[str], k: int) -> list[list[str]]: ...


class _ScoreRanker:
    """A baseline that scores the whole catalogue per query; the shared exclusions and the cross-city rule
    are applied here, and ties are broken at random (seeded), so no baseline profits from catalogue order."""

    name = "score"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, fold: Fold, cross_city: CrossCity) -> _ScoreRanker:
        self.catalogue_ = Catalogue.from_profiles(fold.profiles.reset_index(drop=True))
        self.ids_ = list(self.catalogue_.ids)
        self.row_of_ = self.catalogue_.row_of
        self.graph_ = PartnerGraph().fit(self.row_of_, fold.history)
        self.cross_city_ = check_cross_city(cross_city)
        self.rng_ = np.random.default_rng(self.seed)
        self._fit(fold)
        return self

    def _fit(self, fold: Fold) -> None:
        """Learns what the scores need."""

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        """``(len(rows), n)`` scores, higher better."""
        raise NotImplementedError

    def allowed(self, row: int) -> np.ndarray:
        """The candidate set of one query row: not itself, not its history partners, the cross-city rule."""
        mask = self.catalogue_.allowed_for(row, self.cross_city_).copy()
        mask[row] = False
        mask[self.graph_.partners(row)] = False
        return mask

    def rank(self, queries: Sequence[str], k: int) -> list[list[str]]:
        out: list[list[str]] = []
        for start in range(0, len(queries), 256):
            chunk = list(queries[start : start + 256])
            rows = self.catalogue_.rows(chunk)
            scores = np.asarray(self._scores(rows), dtype=float)
            ties = self.rng_.random(scores.shape)
            for i, row in enumerate(rows.tolist()):
                allowed = np.flatnonzero(self.allowed(row))
                order = np.lexsort((-ties[i, allowed], -scores[i, allowed]))[:k]
                out.append([self.ids_[j] for j in allowed[order]])
        return out


class RandomRanker(_ScoreRanker):
    """Uniformly random candidates (the floor)."""

    name = "random"

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.zeros((len(rows), len(self.ids_)))


class PopularityRanker(_ScoreRanker):
    """The organisations with the most history partners, the same for everyone."""

    name = "popularity"

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.graph_.degree_.astype(float), (len(rows), len(self.ids_)))


class AdamicAdarRanker(_ScoreRanker):
    """Adamic-Adar on the history graph: shared partners, a rare shared partner counting more
    (Liben-Nowell and Kleinberg, 2007). Queries without history get random candidates."""

    name = "adamic_adar"

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return self.graph_.link_scores(rows).adamic_adar.toarray()


class PopularityAdamicAdarRanker(_ScoreRanker):
    """Half Adamic-Adar, half popularity, each scaled to [0, 1] per query (Adamic-Adar by the query's best score,
    popularity by the catalogue's highest degree): in hub-dominated networks this blend beats each of its parts."""

    name = "popularity+adamic_adar"

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        adamic_adar = self.graph_.link_scores(rows).relative("adamic_adar").toarray()
        return 0.5 * adamic_adar + 0.5 * self.graph_.popularity_[None, :]


class EmbeddingRanker(_ScoreRanker):
    """Cosine similarity of the ``profile`` facet vectors (similar organisations, not complementary ones).

    Args:
        facet: The facet compared on both sides.
        seed: Tie-breaking seed.
    """

    name = "embedding_cosine"

    def __init__(self, facet: str = "profile", seed: int = 0) -> None:
        super().__init__(seed)
        self.facet = facet

    def _fit(self, fold: Fold) -> None:
        self.vectors_ = np.asarray(fold.vectors[self.facet], dtype=np.float32)

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return self.vectors_[rows] @ self.vectors_.T


class TfidfRanker(_ScoreRanker):
    """Cosine similarity of TF-IDF vectors (:func:`matcher.lexical.tfidf_vectorizer`) of each profile's whole text
    (profile, offers and seeks), fitted on the fold's catalogue."""

    name = "tfidf_cosine"

    def _fit(self, fold: Fold) -> None:
        from .lexical import tfidf_vectorizer

        profiles = fold.profiles.reset_index(drop=True)
        docs = [" ".join(parts) for parts in zip(*(facet_texts(profiles, f) for f in FACETS), strict=True)]
        try:
            matrix = tfidf_vectorizer().fit_transform(docs)
        except ValueError:  # no usable term in the whole catalogue
            import scipy.sparse as sp

            matrix = sp.csr_matrix((len(docs), 1))
        self.matrix_ = matrix.tocsr()

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return (self.matrix_[rows] @ self.matrix_.T).toarray()


class RecommenderRanker:
    """The product: :class:`~matcher.rank.Recommender` with a scorer, fitted on the fold's history.

    It keeps its own product rules on top of the shared exclusions (likely competitors left out, maximal
    marginal relevance); lists are the ones a user would see (no batch exposure cap unless ``exposure_cap``).

    Args:
        scorer: The scorer, or a callable that learns one from the fold (e.g. a re-ranker trained on the fold's
            history only); None for the weighted default.
        name: Row label in the result table.
        exposure_cap: Passed to :meth:`~matcher.rank.Recommender.recommend_many`.
        options: Further :class:`~matcher.rank.Recommender` arguments.
    """

    def __init__(
        self,
        scorer: Scorer | Callable[[Fold], Scorer] | None = None,
        *,
        name: str = "matcher",
        exposure_cap: float | None = None,
        **options: Any,
    ) -> None:
        self.scorer = scorer
        self.name = name
        self.exposure_cap = exposure_cap
        self.options = options

    def fit(self, fold: Fold, cross_city: CrossCity) -> RecommenderRanker:
        scorer = self.scorer
        if scorer is not None and not isinstance(scorer, Scorer) and callable(scorer):
            scorer = scorer(fold)
        self.recommender_ = Recommender(scorer=scorer, cross_city=cross_city, **self.options).fit(
            fold.profiles, fold.vectors, fold.history
        )
        return self

    def rank(self, queries: Sequence[str], k: int) -> list[list[str]]:
        found = self.recommender_.recommend_many(list(queries), k, exposure_cap=self.exposure_cap, explain=False)
        return [r.ids for r in found]


def baselines(seed: int = 0) -> list[Ranker]:
    """The baselines, in table order: the five of the first evaluation, and the popularity + Adamic-Adar blend
    (the strongest graph anchor on research-consortium data).

    Example:
        >>> [r.name for r in baselines()]
        ['random', 'popularity', 'tfidf_cosine', 'embedding_cosine', 'adamic_adar', 'popularity+adamic_adar']
    """
    return [
        RandomRanker(seed),
        PopularityRanker(seed),
        TfidfRanker(seed),
        EmbeddingRanker(seed=seed),
        AdamicAdarRanker(seed),
        PopularityAdamicAdarRanker(seed),
    ]


# ----------------------------------------------------------------------------------------------------- runner


@dataclass
class EvaluationResult:
    """The result table and what it was measured on.

    Attributes:
        table: One row per method (index ``method``); columns ``recall@k``, ``ndcg@k``, ``hit@k`` per k,
            ``mrr``, ``coverage@10``, ``gini@10``, ``reciprocal_both@10``, ``reciprocal_either@10``.
        dataset: The data set's name.
        protocol: The split, in words.
        n_queries: Query organisations scored (over all folds).
        n_truth_pairs: Truth pairs the rule allows (all of them, even when queries are sampled).
        dropped_by_rule: Truth pairs the cross-city rule forbids (not scored).
        cross_city: The rule.
        per_query: One row per method and query (for plots and significance).
    """

    table: pd.DataFrame
    dataset: str
    protocol: str
    n_queries: int
    n_truth_pairs: int
    dropped_by_rule: int
    cross_city: str
    per_query: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    def to_text(self) -> str:
        """The table for the terminal, with a header that says what was measured."""
        head = (
            f"{self.dataset}: {self.protocol}; cross_city={self.cross_city}; {self.n_queries} queries, "
            f"{self.n_truth_pairs} truth pairs ({self.dropped_by_rule} dropped by the cross-city rule)"
        )
        return head + "\n" + self.table.to_string(float_format=lambda v: f"{v:.3f}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the metadata and ``{"methods": {name: {metric: value}}}``."""
        return {
            "dataset": self.dataset,
            "protocol": self.protocol,
            "cross_city": self.cross_city,
            "n_queries": self.n_queries,
            "n_truth_pairs": self.n_truth_pairs,
            "dropped_by_rule": self.dropped_by_rule,
            "methods": {
                str(name): {col: round(float(v), 4) for col, v in row.items()} for name, row in self.table.iterrows()
            },
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=2)


def _relevance(fold: Fold, cross_city: CrossCity) -> tuple[dict[str, set[str]], list[tuple[str, str]], int]:
    """Per query its truth partners allowed by the rule; the allowed pairs; the count of pairs dropped."""
    catalogue = Catalogue.from_profiles(fold.profiles)
    truth = fold.truth[fold.truth["source_id"].isin(catalogue.row_of) & fold.truth["target_id"].isin(catalogue.row_of)]
    a, b = truth["source_id"].astype(str).to_numpy(), truth["target_id"].astype(str).to_numpy()
    keep = catalogue.pair_allowed(catalogue.rows(list(a)), catalogue.rows(list(b)), cross_city)
    relevant: dict[str, set[str]] = {}
    pairs = list(zip(a[keep].tolist(), b[keep].tolist(), strict=True))
    for src, dst in pairs:
        relevant.setdefault(src, set()).add(dst)
        if not fold.directed:
            relevant.setdefault(dst, set()).add(src)
    return relevant, pairs, int((~keep).sum()) + len(fold.truth) - len(truth)


def evaluate(
    folds: Fold | Sequence[Fold],
    methods: Sequence[Ranker] | None = None,
    *,
    ks: Sequence[int] = DEFAULT_KS,
    cross_city: CrossCity = "other_city",
    dataset: str = "",
    protocol: str = "",
    max_queries: int | None = None,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluationResult:
    """Runs link prediction with every method on every fold and returns one table.

    Args:
        folds: One fold or several (pooled).
        methods: Rankers to compare; None for the weighted recommender and :func:`baselines`.
        ks: Cut-offs of recall, nDCG and hit rate.
        cross_city: The rule every method follows (and the truth is filtered by).
        dataset: Name shown in the table's header.
        protocol: The split in words; default the folds' names.
        max_queries: Per fold, score at most this many queries (a seeded sample) to bound the run time; the
            reciprocal view then reads only the pairs whose two sides are both sampled. None for all.
        seed: Seed of that sample.
        progress: Called with (folds done, folds) after each fold.

    Raises:
        ValueError: No fold, no method, a bad ``k``, or no query in any fold.

    Example:
        >>> result = evaluate(fold, [RecommenderRanker(), *baselines()])  # doctest: +SKIP
        >>> print(result.to_text())                                        # doctest: +SKIP
    """
    folds = [folds] if isinstance(folds, Fold) else list(folds)
    methods = [RecommenderRanker(), *baselines()] if methods is None else list(methods)
    if not folds or not methods:
        raise ValueError("evaluate needs at least one fold and one method")
    for k in ks:
        _check_k(k)
    ks = sorted(set(ks))
    depth = max(*ks, _COVERAGE_K)
    names = [m.name for m in methods]
    if len(set(names)) != len(names):
        raise ValueError(f"method names must be distinct, got {names}")

    rows: list[dict[str, Any]] = []
    exposure: dict[str, dict[str, int]] = {name: {} for name in names}
    reciprocal: dict[str, list[tuple[float, float, int]]] = {name: [] for name in names}
    catalogue: set[str] = set()
    n_pairs = dropped = 0
    for done, fold in enumerate(folds, start=1):
        relevant, pairs, lost = _relevance(fold, cross_city)
        catalogue.update(fold.profiles["id"].astype(str))
        n_pairs, dropped = n_pairs + len(pairs), dropped + lost
        # Both sides of every pair get a list (the reciprocal view needs them), scored or not.
        queries = sorted({q for pair in pairs for q in pair})
        if max_queries is not None and len(relevant) > max_queries:
            rng = np.random.default_rng(seed + done)
            queries = sorted(rng.choice(sorted(relevant), size=max_queries, replace=False).tolist())
            relevant = {q: relevant[q] for q in queries}
            pairs = [(a, b) for a, b in pairs if a in relevant and b in relevant]
        if not queries:
            continue
        for method in methods:
            method.fit(fold, cross_city)
            lists = dict(zip(queries, method.rank(queries, depth), strict=True))
            for q in queries:
                for item in lists[q][:_COVERAGE_K]:
                    exposure[method.name][item] = exposure[method.name].get(item, 0) + 1
            both, either = reciprocal_hit_rate(lists, pairs, _COVERAGE_K)
            reciprocal[method.name].append((both, either, len(pairs)))
            for q, found in relevant.items():
                row: dict[str, Any] = {"method": method.name, "fold": fold.name, "query": q}
                for k in ks:
                    row[f"recall@{k}"] = recall_at_k(lists[q], found, k)
                    row[f"ndcg@{k}"] = ndcg_at_k(lists[q], found, k)
                    row[f"hit@{k}"] = hit_rate_at_k(lists[q], found, k)
                row["mrr"] = reciprocal_rank(lists[q][:depth], found)
                rows.append(row)
        if progress is not None:
            progress(done, len(folds))
    if not rows:
        raise InputError("no fold has a truth pair the cross-city rule allows: nothing to evaluate")

    per_query = pd.DataFrame(rows)
    metrics = [c for c in per_query.columns if c not in ("method", "fold", "query")]
    table = per_query.groupby("method", sort=False)[metrics].mean()
    counts_zero = len(catalogue)
    table[f"coverage@{_COVERAGE_K}"] = [len(exposure[n]) / counts_zero for n in table.index]
    table[f"gini@{_COVERAGE_K}"] = [
        gini(np.r_[list(exposure[n].values()), np.zeros(counts_zero - len(exposure[n]))]) for n in table.index
    ]
    for position, label in ((0, "both"), (1, "either")):
        table[f"reciprocal_{label}@{_COVERAGE_K}"] = [
            _weighted([(r[position], r[2]) for r in reciprocal[n]]) for n in table.index
        ]
    table.index.name = "method"
    n_queries = int(per_query[per_query["method"] == names[0]].shape[0])
    return EvaluationResult(
        table=table,
        dataset=dataset,
        protocol=protocol or (folds[0].name if len(folds) == 1 else f"{len(folds)} folds"),
        n_queries=n_queries,
        n_truth_pairs=n_pairs,
        dropped_by_rule=dropped,
        cross_city=cross_city,
        per_query=per_query,
    )


def _weighted(values: list[tuple[float, int]]) -> float:
    total = sum(w for _, w in values)
    return sum(v * w for v, w in values) / total if total else 0.0
