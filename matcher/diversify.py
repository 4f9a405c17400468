"""Diversity and fairness: maximal marginal relevance within a list, an exposure limit across a batch of lists,
and a report of how much of the catalogue a batch of lists reaches.

Example:
    >>> vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    >>> mmr(np.array([0.9, 0.89, 0.6]), vectors, k=2, lambda_=0.7).tolist()  # the near-copy waits
    [0, 2]
    >>> report = exposure_report([["a", "b"], ["a", "c"]], catalogue_size=4)
    >>> report.coverage, report.max_exposure
    (0.75, 2)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["MIN_EXPOSURE_LIMIT", "ExposureReport", "cap_exposure", "exposure_limit", "exposure_report", "gini", "mmr"]

MIN_EXPOSURE_LIMIT = 5
"""The exposure limit never falls below this many lists, so that a handful of similar askers in one small batch
still all see their best partners; the cap is about the same few organisations filling hundreds of lists."""


def mmr(relevance: np.ndarray, vectors: np.ndarray, k: int, lambda_: float = 0.75) -> np.ndarray:
    """Picks up to ``k`` items by maximal marginal relevance (Carbonell and Goldstein, 1998).

    Each step takes the item maximising ``lambda_ * relevance - (1 - lambda_) * max similarity to the items
    already taken``, so a near-copy of a chosen item drops unless its relevance is clearly higher. Relevance is
    first divided by its maximum, so ``lambda_`` weighs the same whatever the range of the scores.

    Args:
        relevance: ``(m,)`` non-negative scores, higher is better.
        vectors: ``(m, d)`` unit vectors of the items (zero rows are similar to nothing).
        k: How many to pick.
        lambda_: 1 ranks by relevance alone; 0 by novelty alone.

    Returns:
        Indices into ``relevance``, in the order picked.

    Raises:
        ValueError: ``lambda_`` outside [0, 1] or mismatched lengths.
    """
    if not 0.0 <= lambda_ <= 1.0:
        raise ValueError(f"lambda_ must be in [0, 1], got {lambda_!r}")
    relevance = np.asarray(relevance, dtype=float)
    if len(vectors) != len(relevance):
        raise ValueError(f"{len(relevance)} relevance scores but {len(vectors)} vectors")
    k = max(0, min(k, len(relevance)))
    if lambda_ == 1.0 or k <= 1:
        return np.argsort(-relevance, kind="stable")[:k]
    vectors = np.asarray(vectors, dtype=np.float32)
    # Scores on the scale of the best one, so that lambda_ weighs the same whatever the scorer's range.
    top = relevance.max()
    relevance = relevance / top if top > 0 else relevance
    # Only likeness counts against an item; dissimilar items earn no bonus.
    similarity = np.clip(vectors @ vectors.T, 0.0, None)
    redundancy = np.zeros(len(relevance))
    open_ = np.ones(len(relevance), dtype=bool)
    picked = np.empty(k, dtype=np.int64)
    for step in range(k):
        gain = np.where(open_, lambda_ * relevance - (1.0 - lambda_) * redundancy, -np.inf)
        best = int(np.argmax(gain))
        picked[step] = best
        open_[best] = False
        np.maximum(redundancy, similarity[best], out=redundancy)
    return picked


def exposure_limit(share: float, n_lists: int) -> int:
    """How many lists of a batch of ``n_lists`` one candidate may appear in: ``ceil(share * n_lists)``, at least
    :data:`MIN_EXPOSURE_LIMIT`.

    Example:
        >>> exposure_limit(0.05, 1000), exposure_limit(0.05, 10)
        (50, 5)
    """
    if not 0.0 < share <= 1.0:
        raise ValueError(f"the exposure cap is a share of the lists in (0, 1], got {share!r}")
    return max(math.ceil(share * n_lists), MIN_EXPOSURE_LIMIT)


def cap_exposure(ranked: Sequence[np.ndarray], scores: Sequence[np.ndarray], k: int, limit: int) -> list[np.ndarray]:
    """Chooses ``k`` items per list so that no item appears in more than ``limit`` lists where avoidable.

    Greedy over the whole batch, best pair first: an item goes to the lists where it scores highest until its
    limit is reached, and then gives way to the next-best items of the other lists. The result does not depend
    on the order of the lists. A list that runs out of items under the limit is filled up with items over it,
    so ``k`` asked are still ``k`` returned.

    Args:
        ranked: Per list, candidate item ids (ints) in preference order, longer than ``k`` to leave room.
        scores: Per list, the scores the greedy pass compares across lists.
        k: Items per list.
        limit: Lists one item may appear in.

    Returns:
        Per list, the positions (into ``ranked[i]``) kept, in the list's own order.

    Example:
        >>> lists = [np.array([7, 1]), np.array([7, 2]), np.array([7, 3])]
        >>> s = [np.array([0.9, 0.5]), np.array([0.8, 0.7]), np.array([0.95, 0.2])]
        >>> [kept.tolist() for kept in cap_exposure(lists, s, k=1, limit=2)]
        [[0], [1], [0]]
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    owners = np.concatenate([np.full(len(r), i, dtype=np.int64) for i, r in enumerate(ranked)] or [np.zeros(0, int)])
    positions = np.concatenate([np.arange(len(r)) for r in ranked] or [np.zeros(0, int)])
    items = np.concatenate([np.asarray(r, dtype=np.int64) for r in ranked] or [np.zeros(0, int)])
    order = np.lexsort((positions, -np.concatenate([np.asarray(s, float) for s in scores] or [np.zeros(0)])))
    taken = np.zeros(len(ranked), dtype=np.int64)
    exposure: dict[int, int] = {}
    kept: list[list[int]] = [[] for _ in ranked]
    for j in order.tolist():
        owner, item = int(owners[j]), int(items[j])
        if taken[owner] < k and exposure.get(item, 0) < limit:
            kept[owner].append(int(positions[j]))
            taken[owner] += 1
            exposure[item] = exposure.get(item, 0) + 1
    for owner, positions_kept in enumerate(kept):
        if taken[owner] < min(k, len(ranked[owner])):
            chosen = set(positions_kept)
            spare = [p for p in range(len(ranked[owner])) if p not in chosen]
            positions_kept.extend(spare[: k - taken[owner]])
    return [np.array(sorted(p), dtype=np.int64) for p in kept]


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of non-negative counts: 0 when equal, towards 1 when one item has everything.

    Example:
        >>> gini(np.array([1, 1, 1, 1])), gini(np.array([0, 0, 0, 4]))
        (0.0, 0.75)
    """
    x = np.sort(np.asarray(counts, dtype=float))
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * (ranks * x).sum()) / (n * total) - (n + 1.0) / n)


@dataclass(frozen=True)
class ExposureReport:
    """How a batch of recommendation lists spreads over the catalogue.

    Attributes:
        lists: Number of lists.
        slots: Recommendations in all lists together.
        distinct: Distinct organisations recommended.
        coverage: ``distinct / catalogue_size``.
        gini: Gini coefficient of the exposure counts over the whole catalogue (never recommended counts as 0).
        max_exposure: Lists the most exposed organisation appears in.
    """

    lists: int
    slots: int
    distinct: int
    coverage: float
    gini: float
    max_exposure: int


def exposure_report(lists: Sequence[Sequence[str]], catalogue_size: int) -> ExposureReport:
    """Catalogue coverage and the Gini coefficient of exposure for a batch of lists of ids.

    Raises:
        ValueError: ``catalogue_size`` is smaller than the number of distinct ids recommended.
    """
    counts: dict[str, int] = {}
    for found in lists:
        for pid in found:
            counts[pid] = counts.get(pid, 0) + 1
    if catalogue_size < len(counts):
        raise ValueError(f"catalogue_size {catalogue_size} is smaller than the {len(counts)} distinct ids listed")
    exposure = np.zeros(catalogue_size, dtype=np.int64)
    exposure[: len(counts)] = list(counts.values())
    return ExposureReport(
        lists=len(lists),
        slots=int(exposure.sum()),
        distinct=len(counts),
        coverage=len(counts) / catalogue_size if catalogue_size else 0.0,
        gini=gini(exposure),
        max_exposure=int(exposure.max(initial=0)),
    )
