"""Vector index: cosine search over profile embeddings, exact when small and HNSW (FAISS) when large.

One :class:`VectorIndex` holds the vectors of one facet (``profile``, ``offers`` or ``seeks``). Vectors are
L2-normalised float32, so cosine similarity is the inner product. Profile ids are strings; FAISS labels are
int64 "slots" handed out by an :class:`IdMap`, which is saved beside the index in a file of its own.

How a search runs:

- up to ``exact_threshold`` live vectors, an exact scan and ``argpartition``: one query through FAISS' SIMD
  inner-product kernel on one thread, a batch through a BLAS matrix product (both beat FAISS' flat index on
  this hardware; see ``bench/RESULTS.md``);
- above it, a FAISS ``IndexHNSWFlat`` (inner-product metric), with ``ef_search`` set so that recall@10 against
  exact search stays at 0.95 or more;
- filters (``allowed``, a boolean mask over :attr:`VectorIndex.ids_`) act *inside* the search: an exact scan
  of the allowed rows when they are few (under 3% of the index, or fewer than ``sqrt(ef_search * n)``), else
  an HNSW search with a FAISS ``IDSelectorBitmap`` and a beam widened by ``1 / sqrt(allowed share)``.
  A query whose HNSW answer comes back short is answered again exactly, so ``k`` asked are ``k`` returned
  whenever ``k`` allowed vectors exist.

Changes without a full rebuild: ``add`` appends; ``remove`` leaves a tombstone (HNSW graphs cannot drop a
node) that searches skip; ``update`` overwrites in place in exact mode and is remove-then-add in HNSW mode.
When tombstones pass ``rebuild_fraction`` of the slots, the index is compacted (an HNSW graph rebuilt from the
stored vectors, nothing re-embedded); the index type is chosen again by size at that point.

Threads: searches run concurrently (NumPy and FAISS release the GIL); mutations are serialised and take an
exclusive lock only while they change shared state, so a compaction or ``build`` computes the new index while
searches go on against the old one, then swaps it in.

Example:
    >>> import numpy as np
    >>> vectors = np.eye(3, dtype=np.float32)
    >>> index = VectorIndex().build(["a", "b", "c"], vectors)
    >>> result = index.search(vectors[1], k=2)
    >>> result.ids[0][0], float(result.scores[0, 0])
    ('b', 1.0)
    >>> index.search(vectors[1], k=2, allowed=index.mask(["a", "c"])).ids
    [['a', 'c']]
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

import faiss
import numpy as np

from .errors import StateError

__all__ = [
    "IdMap",
    "IndexMismatchError",
    "SearchResult",
    "VectorIndex",
    "check_manifest",
    "fsync_path",
    "read_manifest",
]

logger = logging.getLogger(__name__)

IndexType = Literal["exact", "hnsw"]

FORMAT_VERSION = 1
"""Version of the on-disk layout; bumped when a saved index can no longer be read."""

_CURRENT = "CURRENT"
_MANIFEST = "manifest.json"
_IDS = "ids.json"
_HNSW_FILE = "index.faiss"
_VECTORS_FILE = "vectors.npy"
_RESERVED = ("format", "dimension", "count", "slots", "index_type", "created_at", "params")

_NORM_TOLERANCE = 1e-3
_SCORE_BUDGET = 1 << 24
"""Largest (queries x rows) score block an exact search materialises at once (64 MiB of float32)."""
_GATHER_FRACTION = 0.25
"""An exact search copies the allowed rows out when they are fewer than this share; else it masks scores."""
_BUILD_CHUNK = 50_000
_MIN_HNSW_SHARE = 0.03
"""Below this share of allowed profiles a filtered HNSW search scans the allowed rows instead."""


class IndexMismatchError(StateError):
    """A saved index does not match what the caller expects (another model, dimension, profile set...).

    Attributes:
        fields: the names of the fields that differ, in the order they were checked.
    """

    def __init__(self, message: str, fields: Sequence[str]) -> None:
        super().__init__(message)
        self.fields = tuple(fields)


@dataclass(frozen=True)
class SearchResult:
    """Nearest neighbours of a batch of queries, best first.

    Every query gets the same number ``m = min(k, number of searchable ids)`` of results, so there is no padding:
    ``ids[i]`` has ``m`` profile ids and ``scores[i]`` their ``m`` cosine similarities.

    Attributes:
        ids: per query, profile ids best first.
        scores: float32 array of shape ``(n_queries, m)``, cosine similarity, descending along each row.

    Example:
        >>> r = SearchResult(ids=[["a", "b"]], scores=np.array([[0.9, 0.5]], dtype=np.float32))
        >>> list(zip(r.ids[0], r.scores[0].tolist()))
        [('a', 0.8999999761581421), ('b', 0.5)]
    """

    ids: list[list[str]]
    scores: np.ndarray


class IdMap:
    """Two-way map between profile ids (strings) and the int64 slots FAISS knows them by.

    Slots are handed out in order and never reused; :meth:`discard` leaves a tombstone (``None``) in place, so
    the slots of the other ids stay valid. :meth:`compacted` renumbers the live ids from zero.

    Example:
        >>> m = IdMap()
        >>> m.append(["a", "b", "c"]).tolist()
        [0, 1, 2]
        >>> m.discard(["b"]).tolist()
        [1]
        >>> m.ids, m.n_slots, m.slots_of(["c"]).tolist()
        (('a', 'c'), 3, [2])
    """

    def __init__(self, ids: Iterable[str | None] = ()) -> None:
        self._ids: list[str | None] = []
        self._slot_of: dict[str, int] = {}
        self._live = np.zeros(0, dtype=bool)
        self._cache: dict[str, Any] = {}
        ids = list(ids)
        duplicated = _first_duplicate(pid for pid in ids if pid is not None)
        if duplicated is not None:
            raise ValueError(f"id {duplicated!r} appears more than once")
        self._extend(ids)

    def _extend(self, ids: list[str | None]) -> np.ndarray:
        wrong = next((pid for pid in ids if pid is not None and not isinstance(pid, str)), None)
        if wrong is not None:
            raise ValueError(f"profile ids must be strings, got {wrong!r}")
        start = len(self._ids)
        for offset, pid in enumerate(ids):
            if pid is not None:
                self._slot_of[pid] = start + offset
        self._ids.extend(ids)
        self._live = np.concatenate([self._live, np.array([pid is not None for pid in ids], dtype=bool)])
        self._cache.clear()
        return np.arange(start, len(self._ids), dtype=np.int64)

    def append(self, ids: Sequence[str]) -> np.ndarray:
        """Give new ids the next free slots and return those slots.

        Raises:
            ValueError: if an id is already present (in the map or twice in ``ids``), or is not a string.
        """
        duplicated = _first_duplicate(ids)
        if duplicated is not None:
            raise ValueError(f"id {duplicated!r} appears more than once")
        present = [pid for pid in ids if pid in self._slot_of]
        if present:
            raise ValueError(f"ids already in the index (use update): {_preview(present)}")
        return self._extend(list(ids))

    def discard(self, ids: Sequence[str]) -> np.ndarray:
        """Tombstone ``ids`` and return the slots they had.

        Raises:
            KeyError: if an id is not in the map.
        """
        slots = self.slots_of(ids)
        for pid in ids:
            del self._slot_of[pid]
        for slot in slots.tolist():
            self._ids[slot] = None
        self._live[slots] = False
        self._cache.clear()
        return slots

    def slots_of(self, ids: Iterable[str]) -> np.ndarray:
        """Slots of ``ids`` as int64.

        Raises:
            KeyError: naming the ids that are not in the map.
        """
        ids = list(ids)
        missing = [pid for pid in ids if pid not in self._slot_of]
        if missing:
            raise KeyError(f"ids not in the index: {_preview(missing)}")
        return np.fromiter((self._slot_of[pid] for pid in ids), dtype=np.int64, count=len(ids))

    def id_at(self, slot: int) -> str:
        """The id in ``slot``; ``KeyError`` for a tombstone or a slot out of range."""
        pid = self._ids[slot] if 0 <= slot < len(self._ids) else None
        if pid is None:
            raise KeyError(f"slot {slot} holds no id")
        return pid

    def ids_at(self, slots: Iterable[int]) -> list[str]:
        """Ids of live ``slots`` (no check: callers pass slots that searches returned)."""
        ids = self._ids
        return [ids[s] for s in slots]  # type: ignore[misc]

    def mask(self, ids: Iterable[str]) -> np.ndarray:
        """Boolean mask over :attr:`ids` (live ids in slot order), True for ``ids``; unknown ids are ignored."""
        slot_of = self._slot_of
        slots = np.fromiter((slot_of.get(pid, -1) for pid in ids), dtype=np.int64)
        slot_mask = np.zeros(len(self._ids), dtype=bool)
        slot_mask[slots[slots >= 0]] = True
        return slot_mask[self.live_slots] if self.n_dead else slot_mask

    def compacted(self) -> tuple[IdMap, np.ndarray]:
        """A new map of the live ids numbered from zero, and the old slot of each new slot."""
        live = self.live_slots
        return IdMap(self.ids), live.copy()

    def to_list(self) -> list[str | None]:
        """Ids by slot, ``None`` for tombstones (the saved form)."""
        return list(self._ids)

    def __contains__(self, pid: object) -> bool:
        return pid in self._slot_of

    def __len__(self) -> int:
        return len(self._slot_of)

    @property
    def n_slots(self) -> int:
        """Number of slots handed out, tombstones included."""
        return len(self._ids)

    @property
    def n_dead(self) -> int:
        """Number of tombstones."""
        return len(self._ids) - len(self._slot_of)

    @property
    def live(self) -> np.ndarray:
        """Boolean array over slots, True where the slot holds an id (read-only)."""
        view = self._live.view()
        view.flags.writeable = False
        return view

    @property
    def ids(self) -> tuple[str, ...]:
        """Live ids in slot order."""
        return self._cached("ids", lambda: tuple(pid for pid in self._ids if pid is not None))

    @property
    def live_slots(self) -> np.ndarray:
        """Slots of the live ids, ascending."""
        return self._cached("live_slots", lambda: np.flatnonzero(self._live))

    @property
    def dead_slots(self) -> np.ndarray:
        """Slots of the tombstones, ascending."""
        return self._cached("dead_slots", lambda: np.flatnonzero(~self._live))

    def _cached(self, key: str, compute: Callable[[], Any]) -> Any:
        # Concurrent readers may both compute a missing entry; they compute the same value.
        value = self._cache.get(key)
        if value is None:
            value = self._cache[key] = compute()
        return value


class _ReadWriteLock:
    """Many readers or one writer; a waiting writer holds back new readers so that it cannot starve.

    ``read`` is a plain object with ``__enter__``/``__exit__`` rather than a generator-based context manager:
    every search takes it, and this halves its cost.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0
        self.read = _ReadGuard(self)

    def acquire_read(self) -> None:
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1

    def release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class _ReadGuard:
    def __init__(self, lock: _ReadWriteLock) -> None:
        self._lock = lock

    def __enter__(self) -> None:
        self._lock.acquire_read()

    def __exit__(self, *exc: object) -> None:
        self._lock.release_read()


class _State:
    """Everything one index version holds. Exact mode keeps a growable buffer; HNSW mode a FAISS index whose
    stored vectors are viewed (not copied) as ``vectors``."""

    def __init__(
        self, kind: IndexType, dim: int, idmap: IdMap, buffer: np.ndarray | None, hnsw: faiss.IndexHNSWFlat | None
    ) -> None:
        self.kind: IndexType = kind
        self.dim = dim
        self.idmap = idmap
        self.buffer = buffer
        self.hnsw = hnsw
        self.vectors = self._vectors()
        self.live_bitmap: np.ndarray | None = None

    def _vectors(self) -> np.ndarray:
        n = self.idmap.n_slots
        if self.hnsw is None:
            return self.buffer[:n]  # type: ignore[index]
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        # An IndexHNSWFlat keeps its vectors in an IndexFlat; downcast_index returns that concrete class.
        storage = cast(faiss.IndexFlat, faiss.downcast_index(self.hnsw.storage))
        return faiss.rev_swig_ptr(storage.get_xb(), n * self.dim).reshape(n, self.dim)

    def changed(self) -> None:
        """Refresh what depends on the slots (FAISS may have moved its storage)."""
        self.vectors = self._vectors()
        self.live_bitmap = None

    def bitmap(self) -> np.ndarray:
        if self.live_bitmap is None:
            self.live_bitmap = np.packbits(self.idmap.live, bitorder="little")
        return self.live_bitmap


class VectorIndex:
    """Cosine nearest-neighbour search over profile vectors; exact when small, HNSW when large.

    Args:
        exact_threshold: up to this many live vectors the index scans exactly; above it, HNSW. The default
            keeps an exact single query near a millisecond on this hardware (bench/RESULTS.md).
        hnsw_m: neighbours per HNSW node (memory grows by about ``8 * hnsw_m`` bytes per vector).
        ef_construction: HNSW beam width while building (higher: better graph, slower build).
        ef_search: HNSW beam width while searching (higher: better recall, slower search); raised to ``k``.
        rebuild_fraction: compact (HNSW: rebuild the graph) once tombstones exceed this share of the slots.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> v = rng.normal(size=(100, 8)).astype(np.float32)
        >>> v /= np.linalg.norm(v, axis=1, keepdims=True)
        >>> index = VectorIndex().build([f"p{i}" for i in range(100)], v)
        >>> index.remove(["p3"])
        >>> len(index), index.index_type_, index.search(v[3], k=1).ids[0] != ["p3"]
        (99, 'exact', True)
    """

    def __init__(
        self,
        *,
        exact_threshold: int = 10_000,
        hnsw_m: int = 32,
        ef_construction: int = 40,
        ef_search: int = 96,
        rebuild_fraction: float = 0.2,
    ) -> None:
        self.exact_threshold = exact_threshold
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.rebuild_fraction = rebuild_fraction
        self._state: _State | None = None
        self._manifest: Mapping[str, Any] = MappingProxyType({})
        self._rw = _ReadWriteLock()
        self._mutex = threading.RLock()

    # ----------------------------------------------------------------------------------------------- building

    def build(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> VectorIndex:
        """Index ``vectors`` under ``ids``, replacing whatever the index held.

        Args:
            ids: one unique profile id per row.
            vectors: float32 array ``(len(ids), dimension)``, rows L2-normalised.
            progress: called as ``progress(done, total)`` as the vectors go in (in steps of 50,000 while an HNSW
                graph is built; once for an exact index).

        Returns:
            ``self``, so that ``VectorIndex().build(ids, vectors)`` reads naturally.

        Raises:
            ValueError: on duplicate ids, a length mismatch, or vectors that are not finite and normalised.
        """
        self._check_params()
        vectors = _as_vectors(vectors, dim=None, what="vectors")
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
        idmap = IdMap()
        idmap.append(list(ids))
        with self._mutex:
            state = self._make_state(idmap, vectors, progress)
            with self._rw.write():
                self._state = state
        logger.info("built a %s index of %d vectors of dimension %d", state.kind, len(ids), state.dim)
        return self

    def _check_params(self) -> None:
        if not (isinstance(self.exact_threshold, int) and self.exact_threshold >= 0):
            raise ValueError(f"exact_threshold must be an int >= 0, got {self.exact_threshold!r}")
        for name in ("hnsw_m", "ef_construction", "ef_search"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        if not 0.0 < self.rebuild_fraction <= 1.0:
            raise ValueError(f"rebuild_fraction must be in (0, 1], got {self.rebuild_fraction!r}")

    def _make_state(self, idmap: IdMap, vectors: np.ndarray, progress: Callable[[int, int], None] | None) -> _State:
        """A fresh state for ``vectors`` (one row per slot of ``idmap``, no tombstones), its type by size."""
        n, dim = vectors.shape
        if n <= self.exact_threshold:
            buffer = np.empty((max(n, 16), dim), dtype=np.float32)
            buffer[:n] = vectors
            if progress is not None:
                progress(n, n)
            return _State("exact", dim, idmap, buffer, None)
        hnsw = faiss.IndexHNSWFlat(dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = self.ef_construction
        hnsw.hnsw.efSearch = self.ef_search
        for start in range(0, n, _BUILD_CHUNK):
            hnsw.add(np.ascontiguousarray(vectors[start : start + _BUILD_CHUNK]))
            if progress is not None:
                progress(min(start + _BUILD_CHUNK, n), n)
        return _State("hnsw", dim, idmap, None, hnsw)

    # ----------------------------------------------------------------------------------------------- mutations

    def add(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Add new profiles. An exact index that grows past ``exact_threshold`` becomes an HNSW index.

        Searches wait while the vectors go into an HNSW graph (about a millisecond per profile): for bulk loads,
        :meth:`build` a new index instead, which searches do not wait for.

        Raises:
            ValueError: if an id is already present (use :meth:`update`) or the vectors are malformed.
        """
        with self._mutex:
            if self._state is None:
                self.build(ids, vectors)
                return
            state = self._state
            vectors = _as_vectors(vectors, dim=state.dim, what="vectors")
            if len(ids) != len(vectors):
                raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
            with self._rw.write():
                slots = state.idmap.append(list(ids))
                self._write_slots(state, slots, vectors)
            if state.kind == "exact" and len(state.idmap) > self.exact_threshold:
                self._compact()

    def update(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Replace the vectors of profiles already in the index.

        Raises:
            KeyError: naming ids that are not in the index.
            ValueError: on duplicate ids or malformed vectors.
        """
        with self._mutex:
            state = self._require_state()
            vectors = _as_vectors(vectors, dim=state.dim, what="vectors")
            if len(ids) != len(vectors):
                raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
            duplicated = _first_duplicate(ids)
            if duplicated is not None:
                raise ValueError(f"id {duplicated!r} appears more than once")
            slots = state.idmap.slots_of(ids)
            with self._rw.write():
                if state.kind == "exact":
                    state.buffer[slots] = vectors  # type: ignore[index]
                else:
                    # An HNSW node cannot move: tombstone it and insert the new vector as a new node.
                    state.idmap.discard(ids)
                    self._write_slots(state, state.idmap.append(list(ids)), vectors)
            self._compact_if_needed()

    def remove(self, ids: Sequence[str]) -> None:
        """Remove profiles (tombstones, compacted once they pass ``rebuild_fraction``).

        Raises:
            KeyError: naming ids that are not in the index.
        """
        with self._mutex:
            state = self._require_state()
            duplicated = _first_duplicate(ids)
            if duplicated is not None:
                raise ValueError(f"id {duplicated!r} appears more than once")
            state.idmap.slots_of(ids)  # raises before anything changes
            with self._rw.write():
                state.idmap.discard(ids)
                state.changed()
            self._compact_if_needed()

    @staticmethod
    def _write_slots(state: _State, slots: np.ndarray, vectors: np.ndarray) -> None:
        """Store ``vectors`` in the freshly appended ``slots`` (caller holds the write lock)."""
        if state.kind == "exact":
            end = state.idmap.n_slots
            if end > len(state.buffer):  # type: ignore[arg-type]
                grown = np.empty((max(end, 2 * len(state.buffer)), state.dim), dtype=np.float32)  # type: ignore[arg-type]
                grown[: len(state.vectors)] = state.vectors
                state.buffer = grown
            state.buffer[slots] = vectors  # type: ignore[index]
        else:
            state.hnsw.add(np.ascontiguousarray(vectors))  # type: ignore[union-attr]
        state.changed()

    def _compact_if_needed(self) -> None:
        state = self._require_state()
        if state.idmap.n_dead > self.rebuild_fraction * state.idmap.n_slots:
            self._compact()

    def _compact(self) -> None:
        """Rebuild from the live vectors (type chosen again by size) while searches go on, then swap."""
        old = self._require_state()
        idmap, old_slots = old.idmap.compacted()
        logger.info("compacting a %s index: %d live of %d slots", old.kind, len(idmap), old.idmap.n_slots)
        state = self._make_state(idmap, old.vectors[old_slots], None)
        with self._rw.write():
            self._state = state

    # ----------------------------------------------------------------------------------------------- search

    def search(self, queries: np.ndarray, k: int, *, allowed: np.ndarray | None = None) -> SearchResult:
        """The ``k`` most similar profiles for each query.

        Args:
            queries: one L2-normalised query ``(dimension,)`` or a batch ``(n_queries, dimension)``.
            k: results wanted per query.
            allowed: optional boolean mask over :attr:`ids_` (same order and length, see :meth:`mask`): only
                ids where it is True can be returned. Applied inside the search, so ``min(k, allowed.sum())``
                results come back.

        Returns:
            A :class:`SearchResult` with ``min(k, searchable)`` results per query.

        Raises:
            ValueError: on a bad ``k``, malformed queries, or a mask of the wrong shape or type.
        """
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive int, got {k!r}")
        with self._rw.read:
            state = self._require_state()
            queries = _as_vectors(queries, dim=state.dim, what="queries", single_ok=True)
            return self._search(state, queries, int(k), allowed)

    def _search(self, state: _State, queries: np.ndarray, k: int, allowed: np.ndarray | None) -> SearchResult:
        idmap = state.idmap
        n_live = len(idmap)
        if allowed is None:
            n_allowed, slot_mask = n_live, None
        else:
            allowed = np.asarray(allowed)
            if allowed.dtype != np.bool_ or allowed.shape != (n_live,):
                raise ValueError(
                    f"allowed must be a boolean mask of shape ({n_live},) over ids_, got {allowed.dtype} "
                    f"{allowed.shape}"
                )
            n_allowed = int(np.count_nonzero(allowed))
            if idmap.n_dead:
                slot_mask = np.zeros(idmap.n_slots, dtype=bool)
                slot_mask[idmap.live_slots] = allowed
            else:
                slot_mask = allowed
        m = min(k, n_allowed)
        n_queries = len(queries)
        if m == 0:
            return SearchResult(ids=[[] for _ in range(n_queries)], scores=np.zeros((n_queries, 0), np.float32))
        if state.kind == "exact" or (slot_mask is not None and self._filter_is_narrow(n_allowed, n_live)):
            slots, scores = _exact_search(state, queries, m, slot_mask, n_allowed)
        else:
            slots, scores = self._hnsw_search(state, queries, m, slot_mask, n_allowed)
        return SearchResult(ids=[idmap.ids_at(row) for row in slots.tolist()], scores=scores)

    def _filter_is_narrow(self, n_allowed: int, n_live: int) -> bool:
        """Whether scanning the allowed rows beats a filtered graph walk (and keeps recall).

        A scan costs about ``n_allowed`` inner products, a filtered walk about ``ef / sqrt(share)`` node visits of
        ~``hnsw_m`` inner products each; the measured crossover sits near ``n_allowed**2 == ef_search * n_live``.
        Below a 3% share the widened walk also loses recall, so the scan takes over there too.
        """
        return n_allowed < _MIN_HNSW_SHARE * n_live or n_allowed * n_allowed <= self.ef_search * n_live

    def _hnsw_search(
        self, state: _State, queries: np.ndarray, m: int, slot_mask: np.ndarray | None, n_allowed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        ef = max(self.ef_search, m)
        if slot_mask is not None:
            # Nodes outside the filter still fill the beam: widen it as the allowed share shrinks. 1/sqrt(share)
            # kept recall@10 >= 0.96 down to a 2% share in bench/bench_search.py; 1/share cost 10x more.
            ef = math.ceil(ef / math.sqrt(n_allowed / len(state.idmap)))
            params = _search_params(ef, _bitmap_selector(np.packbits(slot_mask, bitorder="little")))
        elif state.idmap.n_dead:
            params = _search_params(ef, _bitmap_selector(state.bitmap()))
        else:
            params = _plain_search_params(ef)
        scores, slots = state.hnsw.search(queries, m, params=params)  # type: ignore[union-attr]
        if slots[:, -1].min() < 0:
            # The graph walk found fewer than m allowed nodes: answer those queries exactly.
            short = np.flatnonzero(slots[:, -1] < 0)
            mask = slot_mask if slot_mask is not None else state.idmap.live
            slots[short], scores[short] = _exact_search(state, queries[short], m, mask, n_allowed)
        return slots, scores

    # ----------------------------------------------------------------------------------------------- access

    def vector(self, id: str) -> np.ndarray:
        """A copy of the vector stored for profile ``id``.

        Raises:
            KeyError: if ``id`` is not in the index.
        """
        with self._rw.read:
            state = self._require_state()
            return state.vectors[int(state.idmap.slots_of([id])[0])].copy()

    def mask(self, ids: Iterable[str]) -> np.ndarray:
        """Boolean mask over :attr:`ids_`, True for the given ids (ids not in the index are ignored).

        Build it right before the search: the order of :attr:`ids_` changes when profiles are added,
        updated or removed, and a mask of a stale length is refused.
        """
        with self._rw.read:
            return self._require_state().idmap.mask(ids)

    @property
    def ids_(self) -> tuple[str, ...]:
        """Profile ids in the index, in the order ``allowed`` masks refer to."""
        with self._rw.read:
            return self._require_state().idmap.ids

    @property
    def dimension_(self) -> int:
        """Vector dimension."""
        return self._require_state().dim

    @property
    def index_type_(self) -> IndexType:
        """``"exact"`` or ``"hnsw"``."""
        return self._require_state().kind

    @property
    def tombstones_(self) -> int:
        """Removed (or, in HNSW mode, superseded) vectors still in the index, skipped by searches."""
        return self._require_state().idmap.n_dead

    @property
    def manifest(self) -> Mapping[str, Any]:
        """The manifest last written by :meth:`save` or read by :meth:`load` (empty before either)."""
        return self._manifest

    def __len__(self) -> int:
        state = self._state
        return 0 if state is None else len(state.idmap)

    def __contains__(self, id: object) -> bool:
        state = self._state
        return state is not None and id in state.idmap

    def _require_state(self) -> _State:
        if self._state is None:
            raise ValueError("the index is empty: call build() (or add()) first")
        return self._state

    # ----------------------------------------------------------------------------------------------- files

    def save(self, directory: Path | str, manifest: Mapping[str, Any]) -> None:
        """Write the index to ``directory`` atomically.

        Each save writes a fresh version folder inside ``directory`` and only then points the ``CURRENT`` file
        at it (write to a temporary file, then ``os.replace``), so a save killed half-way leaves the previous
        index readable. Other versions are deleted after the switch, so one process at a time saves to a
        given directory.

        Args:
            directory: the index folder (created if missing).
            manifest: the caller's fields (e.g. model, facet, profile-set checksum), JSON-serialisable; the
                index adds ``format``, ``dimension``, ``count``, ``slots``, ``index_type``, ``created_at`` and
                ``params``.

        Raises:
            ValueError: if ``manifest`` uses a reserved key or is not JSON-serialisable.
        """
        clash = sorted(set(manifest) & set(_RESERVED))
        if clash:
            raise ValueError(f"manifest keys {clash} are reserved for the index")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        with self._mutex:  # no mutation can run meanwhile; searches go on
            state = self._require_state()
            full = {
                **manifest,
                "format": FORMAT_VERSION,
                "dimension": state.dim,
                "count": len(state.idmap),
                "slots": state.idmap.n_slots,
                "index_type": state.kind,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "params": self._params(),
            }
            try:
                manifest_text = json.dumps(full, indent=2, sort_keys=True)
            except TypeError as exc:
                raise ValueError(f"manifest is not JSON-serialisable: {exc}") from exc
            version = directory / f"v-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
            current = directory / _CURRENT
            previous = current.read_text(encoding="utf-8").strip() if current.exists() else None
            version.mkdir()
            try:
                if state.kind == "hnsw":
                    assert state.hnsw is not None  # an "hnsw" state always holds its graph
                    faiss.write_index(state.hnsw, str(version / _HNSW_FILE))
                else:
                    np.save(version / _VECTORS_FILE, state.vectors)
                (version / _IDS).write_text(json.dumps(state.idmap.to_list()), encoding="utf-8")
                (version / _MANIFEST).write_text(manifest_text, encoding="utf-8")
                for child in version.iterdir():
                    fsync_path(child)
                fsync_path(version)
                _replace_atomically(directory / _CURRENT, version.name + "\n")
            except BaseException:
                shutil.rmtree(version, ignore_errors=True)
                raise
        self._manifest = MappingProxyType(full)
        # The previous version stays until the next save: a reader in another process that read CURRENT just
        # before the switch can still load it.
        for stale in directory.glob("v-*"):
            if stale.name not in (version.name, previous):
                shutil.rmtree(stale, ignore_errors=True)
        logger.info("saved a %s index of %d vectors to %s", state.kind, full["count"], version)

    def _params(self) -> dict[str, Any]:
        return {
            "exact_threshold": self.exact_threshold,
            "hnsw_m": self.hnsw_m,
            "ef_construction": self.ef_construction,
            "ef_search": self.ef_search,
            "rebuild_fraction": self.rebuild_fraction,
        }

    @classmethod
    def load(cls, directory: Path | str) -> VectorIndex:
        """Read an index written by :meth:`save`, with the parameters it was saved with.

        Check it against the store and the model with :func:`check_manifest` (or call :func:`read_manifest`
        first, which does not read the vectors).

        Raises:
            FileNotFoundError: if ``directory`` holds no saved index.
            ValueError: if the saved files are inconsistent or of an unknown format.
        """
        version = _current_version(Path(directory))
        manifest = read_manifest(directory)
        if manifest.get("format") != FORMAT_VERSION:
            raise ValueError(f"{version}: index format {manifest.get('format')!r}, expected {FORMAT_VERSION}")
        index = cls(**manifest["params"])
        idmap = IdMap(json.loads((version / _IDS).read_text(encoding="utf-8")))
        dim = int(manifest["dimension"])
        if manifest["index_type"] == "hnsw":
            # save() wrote this file from an IndexHNSWFlat, and read_index returns the concrete class it reads.
            hnsw = cast(faiss.IndexHNSWFlat, faiss.read_index(str(version / _HNSW_FILE)))
            hnsw.hnsw.efSearch = index.ef_search
            state = _State("hnsw", dim, idmap, None, hnsw)
        else:
            state = _State("exact", dim, idmap, np.load(version / _VECTORS_FILE), None)
        if state.vectors.shape != (idmap.n_slots, dim) or len(idmap) != manifest["count"]:
            raise ValueError(
                f"{version}: {state.vectors.shape[0]} vectors and {idmap.n_slots} ids "
                f"({len(idmap)} live), manifest says {manifest['slots']} ({manifest['count']} live)"
            )
        index._state = state
        index._manifest = MappingProxyType(manifest)
        logger.info("loaded a %s index of %d vectors from %s", state.kind, len(idmap), version)
        return index


# --------------------------------------------------------------------------------------------------- manifest


def read_manifest(directory: Path | str) -> dict[str, Any]:
    """The manifest of the index saved in ``directory``, without reading the index itself.

    Raises:
        FileNotFoundError: if ``directory`` holds no saved index.
    """
    version = _current_version(Path(directory))
    return json.loads((version / _MANIFEST).read_text(encoding="utf-8"))


def check_manifest(manifest: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
    """Raise if ``manifest`` differs from ``expected`` on any field ``expected`` names.

    Example:
        >>> check_manifest({"model": "minilm", "dimension": 384}, {"dimension": 384})
        >>> check_manifest({"model": "minilm", "dimension": 384}, {"model": "tfidf"})
        Traceback (most recent call last):
        ...
        matcher.index.IndexMismatchError: index does not match: model is 'minilm', expected 'tfidf'

    Raises:
        IndexMismatchError: naming every differing field (a missing field differs).
    """
    missing = object()
    differing = [key for key, value in expected.items() if manifest.get(key, missing) != value]
    if differing:
        parts = [
            f"{key} is {manifest[key]!r}, expected {expected[key]!r}"
            if key in manifest
            else f"{key} is missing, expected {expected[key]!r}"
            for key in differing
        ]
        raise IndexMismatchError("index does not match: " + "; ".join(parts), differing)


# --------------------------------------------------------------------------------------------------- helpers


def _exact_search(
    state: _State, queries: np.ndarray, m: int, slot_mask: np.ndarray | None, n_allowed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``m`` slots and scores over the live (and allowed) slots, by NumPy matrix products."""
    vectors = state.vectors
    n_slots = len(vectors)
    if slot_mask is None and state.idmap.n_dead:
        slot_mask = state.idmap.live
    subset = excluded = None
    if slot_mask is not None:
        if n_allowed < _GATHER_FRACTION * n_slots:
            subset = np.flatnonzero(slot_mask)
            vectors = vectors[subset]
        else:
            excluded = np.flatnonzero(~slot_mask)
    n = len(vectors)
    out_slots = np.empty((len(queries), m), dtype=np.int64)
    out_scores = np.empty((len(queries), m), dtype=np.float32)
    step = max(1, _SCORE_BUDGET // max(n, 1))
    for start in range(0, len(queries), step):
        block = queries[start : start + step]
        scores = _scan(vectors, block[0])[None, :] if len(block) == 1 else block @ vectors.T
        if excluded is not None:
            scores[:, excluded] = -np.inf
        top = (
            np.argpartition(scores, n - m, axis=1)[:, n - m :]
            if m < n
            else np.broadcast_to(np.arange(n), (len(block), n))
        )
        top_scores = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        out_slots[start : start + step] = top if subset is None else subset[top]
        out_scores[start : start + step] = np.take_along_axis(top_scores, order, axis=1)
    return out_slots, out_scores


def _search_params(ef: int, selector: faiss.IDSelector | None = None) -> Any:
    """HNSW search parameters: the beam width, and the selector of the slots a walk may return."""
    params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]  # missing from faiss' stubs
    params.efSearch = ef
    if selector is not None:
        params.sel = selector
    return params


@lru_cache(maxsize=64)
def _plain_search_params(ef: int) -> Any:
    """Unfiltered parameters, made once per beam width: FAISS only reads them, and making them anew cost 15-20
    microseconds a query, a sixth of the wrapper's own time (profiled at 100,000, bench/RESULTS.md)."""
    return _search_params(ef)


def _bitmap_selector(bitmap: np.ndarray) -> faiss.IDSelectorBitmap:
    """A FAISS selector of the slots whose bit is set in ``bitmap`` (``np.packbits``, little bit order)."""
    # faiss' Python wrapper also takes the array alone (and keeps it alive with the selector); the stubs know
    # only the (n, pointer) form of the C++ constructor.
    return faiss.IDSelectorBitmap(bitmap)  # type: ignore[call-arg, arg-type]


def _scan(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Inner products of one query with every row of a C-contiguous matrix, on one thread.

    A single query is memory-bound, so a second thread buys little; and a two-thread BLAS gemv stalls whenever
    one of its threads is descheduled: under load here it took 27-40 ms (p50) for 10,000 rows where FAISS' SIMD
    kernel on one thread took about 1.4 ms (bench/RESULTS.md). Concurrent searches also run side by side.
    """
    out = np.empty(len(vectors), dtype=np.float32)
    faiss.fvec_inner_products_ny(  # type: ignore[attr-defined]  # missing from faiss' stubs
        faiss.swig_ptr(out), faiss.swig_ptr(query), faiss.swig_ptr(vectors), vectors.shape[1], len(vectors)
    )
    return out


def _as_vectors(array: np.ndarray, *, dim: int | None, what: str, single_ok: bool = False) -> np.ndarray:
    """``array`` as a C-contiguous float32 matrix, checked for shape, finiteness and unit norm."""
    array = np.asarray(array)
    if single_ok and array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or (dim is not None and array.shape[1] != dim):
        expected = f"(n, {dim})" if dim is not None else "(n, dimension)"
        raise ValueError(f"{what} must have shape {expected}, got {array.shape}")
    if array.dtype.kind != "f":
        raise ValueError(f"{what} must be floating point, got {array.dtype}")
    array = np.ascontiguousarray(array, dtype=np.float32)
    norms = np.einsum("ij,ij->i", array, array)
    unit = np.abs(norms - 1.0) <= 2 * _NORM_TOLERANCE  # False for NaN too
    if not unit.all():
        bad = np.flatnonzero(~unit)
        raise ValueError(
            f"{what} must be finite and L2-normalised (cosine = inner product); row {int(bad[0])} has squared "
            f"norm {float(norms[bad[0]]):.4g}"
        )
    return array


def _first_duplicate(ids: Iterable[str]) -> str | None:
    seen: set[str] = set()
    for pid in ids:
        if pid in seen:
            return pid
        seen.add(pid)
    return None


def _preview(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(repr(x) for x in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _current_version(directory: Path) -> Path:
    pointer = directory / _CURRENT
    if not pointer.is_file():
        raise FileNotFoundError(f"no saved index in {directory} (missing {_CURRENT})")
    return directory / pointer.read_text(encoding="utf-8").strip()


def _replace_atomically(path: Path, text: str) -> None:
    """Write ``path`` through a temporary file renamed over it, so readers see the old or the new text."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_path(path.parent)


def fsync_path(path: Path) -> None:
    """Flushes a file's data or a folder's entries to disk (a folder after a rename in it makes the rename durable).

    Example:
        >>> fsync_path(Path("."))
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
