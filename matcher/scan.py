"""Exact search: the top ``m`` rows of a matrix for each query, by scanning every (allowed) row.

:class:`matcher.index.VectorIndex` scans when it holds few vectors, and on an HNSW index when a filter leaves
so few rows that scanning them beats a filtered graph walk.

- One query goes through FAISS' SIMD inner-product kernel on the calling thread, then ``argpartition`` on the
  scores. A second thread would halve that on an idle machine (NumPy's two-thread product took 0.11 ms at
  10,000 rows where the kernel took 0.24), but a two-thread BLAS product stalls whenever one of its threads
  waits for a core: under load it took 7.5-12 ms (p50) where the kernel took 0.2-0.3 ms (bench/RESULTS.md,
  "Index overhead"). On one thread each, concurrent searches also run side by side.
- A batch goes through one BLAS matrix product, in blocks of at most ``_SCORE_BUDGET`` scores.

Example:
    >>> vectors = np.array([[1, 0], [0.6, 0.8], [0, 1]], dtype=np.float32)
    >>> rows, scores = top_rows(vectors, vectors[2:], 2)
    >>> rows.tolist(), [round(score, 3) for score in scores[0].tolist()]
    ([[2, 1]], [1.0, 0.8])
"""

from __future__ import annotations

import faiss
import numpy as np

__all__ = ["top_rows"]

_SCORE_BUDGET = 1 << 24
"""Largest (queries x rows) score block a batch materialises at once (64 MiB of float32)."""
_GATHER_FRACTION = 0.25
"""A search copies the allowed rows out when they are fewer than this share; else it masks their scores."""


def top_rows(
    vectors: np.ndarray, queries: np.ndarray, m: int, mask: np.ndarray | None = None, n_allowed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The ``m`` rows of ``vectors`` with the highest inner product with each query, best first.

    Args:
        vectors: C-contiguous float32 matrix ``(n, dimension)``.
        queries: C-contiguous float32 matrix ``(n_queries, dimension)``.
        m: rows wanted per query; at most the number of allowed rows.
        mask: optional boolean array over the rows: only rows where it is True are returned.
        n_allowed: the number of True values in ``mask``, when the caller has counted them already.

    Returns:
        Row numbers (int64) and scores (float32), both ``(n_queries, m)``, scores descending along each row.

    Example:
        >>> vectors = np.array([[1, 0], [0.6, 0.8], [0, 1]], dtype=np.float32)
        >>> top_rows(vectors, vectors[:1], 1, mask=np.array([False, True, True]))[0].tolist()
        [[1]]
    """
    subset = excluded = None
    if mask is not None:
        if n_allowed is None:
            n_allowed = int(np.count_nonzero(mask))
        if n_allowed < _GATHER_FRACTION * len(vectors):
            subset = np.flatnonzero(mask)
            vectors = vectors[subset]
        else:
            excluded = np.flatnonzero(~mask)
    if len(queries) == 1:
        rows, scores = _top_of_one(vectors, queries[0], m, excluded)
        return (rows if subset is None else subset[rows])[None, :], scores[None, :]
    n = len(vectors)
    out_rows = np.empty((len(queries), m), dtype=np.int64)
    out_scores = np.empty((len(queries), m), dtype=np.float32)
    step = max(1, _SCORE_BUDGET // max(n, 1))
    for start in range(0, len(queries), step):
        scores = queries[start : start + step] @ vectors.T
        if excluded is not None:
            scores[:, excluded] = -np.inf
        top = (
            np.argpartition(scores, n - m, axis=1)[:, n - m :] if m < n else np.broadcast_to(np.arange(n), scores.shape)
        )
        top_scores = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        out_rows[start : start + step] = top if subset is None else subset[top]
        out_scores[start : start + step] = np.take_along_axis(top_scores, order, axis=1)
    return out_rows, out_scores


def _top_of_one(
    vectors: np.ndarray, query: np.ndarray, m: int, excluded: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """One query: the kernel scan, then one-dimensional selection (the batch path's 2-D helpers cost more here)."""
    n = len(vectors)
    scores = np.empty(n, dtype=np.float32)
    faiss.fvec_inner_products_ny(  # type: ignore[attr-defined]  # missing from faiss' stubs
        faiss.swig_ptr(scores), faiss.swig_ptr(query), faiss.swig_ptr(vectors), vectors.shape[1], n
    )
    if excluded is not None:
        scores[excluded] = -np.inf
    top = np.argpartition(scores, n - m)[n - m :] if m < n else np.arange(n)
    top_scores = scores[top]
    order = np.argsort(-top_scores, kind="stable")
    return top[order], top_scores[order]
