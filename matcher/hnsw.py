"""The FAISS HNSW graph behind a large :class:`matcher.index.VectorIndex`: build, extend, search.

A published graph is never changed: searches may run on it from any number of threads (FAISS' searches are
thread-safe, its ``add`` is not), so :func:`extended` adds to a copy and the index swaps the copy in.

Example:
    >>> vectors = np.eye(4, dtype=np.float32)
    >>> graph = build_graph(vectors, m=4, ef_construction=8, ef_search=8)
    >>> scores, slots = search(graph, vectors[1:2], 1, ef=8)
    >>> slots.tolist(), graph.ntotal, extended(graph, vectors[:1]).ntotal
    ([[1]], 4, 5)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, cast

import faiss
import numpy as np

__all__ = ["build_graph", "extended", "search", "stored_vectors"]

_BUILD_CHUNK = 50_000


def build_graph(
    vectors: np.ndarray,
    *,
    m: int,
    ef_construction: int,
    ef_search: int,
    progress: Callable[[int, int], None] | None = None,
) -> faiss.IndexHNSWFlat:
    """An inner-product HNSW graph over ``vectors`` (C-contiguous float32), FAISS label ``i`` for row ``i``.

    Args:
        vectors: the rows to index.
        m: neighbours per node.
        ef_construction: beam width while building.
        ef_search: default beam width of searches (:func:`search` always passes its own).
        progress: called as ``progress(done, total)`` after every 50,000 rows.

    Example:
        >>> build_graph(np.eye(3, dtype=np.float32), m=4, ef_construction=8, ef_search=8).ntotal
        3
    """
    n, dim = vectors.shape
    graph = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = ef_construction
    graph.hnsw.efSearch = ef_search
    for start in range(0, n, _BUILD_CHUNK):
        graph.add(vectors[start : start + _BUILD_CHUNK])
        if progress is not None:
            progress(min(start + _BUILD_CHUNK, n), n)
    return graph


def extended(graph: faiss.IndexHNSWFlat, vectors: np.ndarray) -> faiss.IndexHNSWFlat:
    """A copy of ``graph`` with ``vectors`` added (labels continue from ``graph.ntotal``); ``graph`` is unchanged.

    Searches can go on against ``graph`` meanwhile. The copy costs a second copy of the index in memory while it
    lasts, and about as long as a memory copy of it; the insertions cost about a millisecond per vector.

    Example:
        >>> graph = build_graph(np.eye(3, dtype=np.float32), m=4, ef_construction=8, ef_search=8)
        >>> extended(graph, np.eye(3, dtype=np.float32)[:2]).ntotal, graph.ntotal
        (5, 3)
    """
    # clone_index returns the concrete class it copies, an IndexHNSWFlat here.
    copy = cast(faiss.IndexHNSWFlat, faiss.clone_index(graph))
    copy.add(vectors)
    return copy


def stored_vectors(graph: faiss.IndexHNSWFlat) -> np.ndarray:
    """The vectors the graph stores, as a read-only NumPy view (no copy) of its flat storage, one row per label.

    Valid as long as ``graph`` lives and is not added to.

    Example:
        >>> graph = build_graph(np.eye(3, dtype=np.float32), m=4, ef_construction=8, ef_search=8)
        >>> stored_vectors(graph)[2].tolist()
        [0.0, 0.0, 1.0]
    """
    n, dim = graph.ntotal, graph.d
    if n == 0:
        return np.zeros((0, dim), dtype=np.float32)
    # An IndexHNSWFlat keeps its vectors in an IndexFlat; downcast_index returns that concrete class.
    storage = cast(faiss.IndexFlat, faiss.downcast_index(graph.storage))
    view = faiss.rev_swig_ptr(storage.get_xb(), n * dim).reshape(n, dim)
    view.flags.writeable = False
    return view


def search(
    graph: faiss.IndexHNSWFlat, queries: np.ndarray, m: int, *, ef: int, bitmap: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Scores and labels of the ``m`` best nodes per query (label -1 and score -inf where the walk found fewer).

    Args:
        graph: the graph.
        queries: C-contiguous float32 ``(n_queries, dimension)``.
        m: results per query.
        ef: beam width.
        bitmap: optional ``np.packbits(allowed, bitorder="little")`` over labels: only those may be returned.

    Example:
        >>> vectors = np.array([[1, 0], [0.6, 0.8], [0, 1]], dtype=np.float32)
        >>> graph = build_graph(vectors, m=4, ef_construction=8, ef_search=8)
        >>> allowed = np.packbits(np.array([True, False, True]), bitorder="little")
        >>> search(graph, vectors[1:2], 3, ef=8, bitmap=allowed)[1].tolist()
        [[2, 0, -1]]
    """
    params = _plain_params(ef) if bitmap is None else _params(ef, _bitmap_selector(bitmap))
    return graph.search(queries, m, params=params)


def _params(ef: int, selector: faiss.IDSelector | None = None) -> Any:
    """Search parameters: the beam width, and the selector of the labels a walk may return."""
    params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]  # missing from faiss' stubs
    params.efSearch = ef
    if selector is not None:
        params.sel = selector
    return params


@lru_cache(maxsize=64)
def _plain_params(ef: int) -> Any:
    """Unfiltered parameters, made once per beam width: FAISS only reads them, and making them anew cost 15-20
    microseconds a query under load (profiled at 100,000, bench/RESULTS.md "Search latency")."""
    return _params(ef)


def _bitmap_selector(bitmap: np.ndarray) -> faiss.IDSelectorBitmap:
    """A FAISS selector of the labels whose bit is set in ``bitmap`` (``np.packbits``, little bit order)."""
    # faiss' Python wrapper also takes the array alone (and keeps it alive with the selector); the stubs know
    # only the (n, pointer) form of the C++ constructor.
    return faiss.IDSelectorBitmap(bitmap)  # type: ignore[call-arg, arg-type]
