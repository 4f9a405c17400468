"""Vector index: cosine search over profile embeddings, exact when small and HNSW (FAISS) when large.

One :class:`VectorIndex` holds the vectors of one facet (``profile``, ``offers`` or ``seeks``). Vectors are
L2-normalised float32, so cosine similarity is the inner product. Profile ids are strings; FAISS labels are
int64 "slots" handed out by an :class:`~matcher.idmap.IdMap`, saved beside the index in a file of its own.

Where things are:

- :mod:`matcher.index` (here): :class:`VectorIndex`, which chooses how to search and keeps the index's
  contents consistent while they change;
- :mod:`matcher.idmap`: the id map;
- :mod:`matcher.scan`: exact search (a scan of every allowed row);
- :mod:`matcher.hnsw`: the FAISS HNSW graph (build, extend, search);
- :mod:`matcher.index_files`: the files of a saved index, the manifest, atomic saves.

What callers imported from here before the split still imports from here: :class:`~matcher.idmap.IdMap`,
:class:`~matcher.index_files.IndexMismatchError`, :func:`~matcher.index_files.check_manifest`,
:func:`~matcher.index_files.read_manifest` and :func:`~matcher.index_files.fsync_path`.

How a search runs:

- up to ``exact_threshold`` live vectors, an exact scan (:func:`matcher.scan.top_rows`);
- above it, a FAISS ``IndexHNSWFlat`` (inner-product metric), with ``ef_search`` set so that recall@10 against
  exact search stays at 0.95 or more;
- filters (``allowed``, a boolean mask over :attr:`VectorIndex.ids_`) act *inside* the search: an exact scan
  of the allowed rows when they are few (under 3% of the index, or fewer than ``sqrt(ef_search * n)``), else
  an HNSW search with a FAISS ``IDSelectorBitmap`` and a beam widened by ``1 / sqrt(allowed share)``.
  A query whose HNSW answer comes back short is answered again exactly, so ``k`` asked are ``k`` returned
  whenever ``k`` allowed vectors exist.

Changes without a full rebuild: ``add`` appends; ``remove`` leaves a tombstone (HNSW graphs cannot drop a
node) that searches skip; ``update`` keeps each profile's slot in exact mode (writing into a copy of the
vectors) and is remove-then-add in HNSW mode.
When tombstones pass ``rebuild_fraction`` of the slots, the index is compacted (an HNSW graph rebuilt from the
stored vectors, nothing re-embedded); the index type is chosen again by size at that point.

Threads: the contents live in a snapshot that is never changed once published. A search reads the current
snapshot once and works on it alone, with no lock; a change (serialised with other changes by one lock) builds
the next snapshot beside it, sharing what it does not change, then swaps it in. So searches never wait, never
see half a change, and a compaction or ``build`` computes the new index while searches go on against the old
one. An HNSW graph is never added to in place (FAISS' ``add`` is not safe beside searches): an ``add`` or
``update`` copies the graph first, which needs a second copy of the index in memory while it runs.

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
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

import faiss
import numpy as np

from . import hnsw
from .idmap import IdMap, first_duplicate
from .index_files import (
    FORMAT_VERSION,
    HNSW_FILE,
    IDS_FILE,
    VECTORS_FILE,
    IndexMismatchError,
    check_manifest,
    fsync_path,
    open_version,
    read_manifest,
    write_version,
)
from .scan import top_rows

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

_RESERVED = ("format", "dimension", "count", "slots", "index_type", "created_at", "params")
"""Manifest keys the index writes itself."""
_NORM_TOLERANCE = 1e-3
_MIN_HNSW_SHARE = 0.03
"""Below this share of allowed profiles a filtered HNSW search scans the allowed rows instead."""


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


class _Snapshot:
    """One version of the index's contents, never changed once published to searches.

    Exact: ``vectors`` is the first ``idmap.n_slots`` rows of ``buffer``; the rows past them are room for adds,
    which write there and publish a longer snapshot (no published snapshot reads those rows). HNSW:
    ``vectors`` views the graph's own storage.
    """

    __slots__ = ("buffer", "dim", "graph", "idmap", "kind", "live_bitmap", "vectors")

    def __init__(
        self, idmap: IdMap, *, buffer: np.ndarray | None = None, graph: faiss.IndexHNSWFlat | None = None
    ) -> None:
        self.idmap = idmap
        self.buffer = buffer
        self.graph = graph
        self.kind: IndexType
        if graph is None:
            self.kind, self.vectors = "exact", cast(np.ndarray, buffer)[: idmap.n_slots]
            self.live_bitmap = None
        else:
            self.kind, self.vectors = "hnsw", hnsw.stored_vectors(graph)
            # The selector of the live slots, made once per snapshot rather than once per search.
            self.live_bitmap = np.packbits(idmap.live, bitorder="little") if idmap.n_dead else None
        self.dim: int = self.vectors.shape[1]


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
        self._snapshot: _Snapshot | None = None
        self._manifest: Mapping[str, Any] = MappingProxyType({})
        self._writer = threading.Lock()

    # ----------------------------------------------------------------------------------------------- building

    def build(
        self,
        ids: Sequence[str],
        vectors: np.ndarray,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> VectorIndex:
        """Index ``vectors`` under ``ids``, replacing whatever the index held.

        Searches go on against the previous contents until the new ones are ready.

        Args:
            ids: one unique profile id per row.
            vectors: float32 array ``(len(ids), dimension)``, rows L2-normalised.
            progress: called as ``progress(done, total)`` as the vectors go in (in steps of 50,000 while an HNSW
                graph is built; once for an exact index).

        Returns:
            ``self``, so that ``VectorIndex().build(ids, vectors)`` reads naturally.

        Raises:
            ValueError: on duplicate ids, a length mismatch, or vectors that are not finite and normalised.

        Example:
            >>> VectorIndex().build(["a", "b"], np.eye(2, dtype=np.float32)).ids_
            ('a', 'b')
        """
        with self._writer:
            self._publish(self._built(ids, vectors, progress))
        return self

    def _built(self, ids: Sequence[str], vectors: np.ndarray, progress: Callable[[int, int], None] | None) -> _Snapshot:
        self._check_params()
        vectors = _as_vectors(vectors, dim=None, what="vectors")
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
        idmap = IdMap()
        idmap.append(list(ids))
        snapshot = self._fresh(idmap, vectors, progress)
        logger.info("built a %s index of %d vectors of dimension %d", snapshot.kind, len(ids), snapshot.dim)
        return snapshot

    def _check_params(self) -> None:
        if not (isinstance(self.exact_threshold, int) and self.exact_threshold >= 0):
            raise ValueError(f"exact_threshold must be an int >= 0, got {self.exact_threshold!r}")
        for name in ("hnsw_m", "ef_construction", "ef_search"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1):
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        if not 0.0 < self.rebuild_fraction <= 1.0:
            raise ValueError(f"rebuild_fraction must be in (0, 1], got {self.rebuild_fraction!r}")

    def _fresh(self, idmap: IdMap, vectors: np.ndarray, progress: Callable[[int, int], None] | None) -> _Snapshot:
        """A snapshot of ``vectors`` (one row per slot of ``idmap``, no tombstones), its type chosen by size."""
        n, dim = vectors.shape
        if n <= self.exact_threshold:
            buffer = np.empty((max(n, 16), dim), dtype=np.float32)
            buffer[:n] = vectors
            if progress is not None:
                progress(n, n)
            return _Snapshot(idmap, buffer=buffer)
        graph = hnsw.build_graph(
            vectors, m=self.hnsw_m, ef_construction=self.ef_construction, ef_search=self.ef_search, progress=progress
        )
        return _Snapshot(idmap, graph=graph)

    # ----------------------------------------------------------------------------------------------- changes

    def add(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Add new profiles. An exact index that grows past ``exact_threshold`` becomes an HNSW index.

        Adding to an HNSW index copies its graph and inserts into the copy (about a millisecond per profile)
        while searches go on: for bulk loads, :meth:`build` a new index instead.

        Raises:
            ValueError: if an id is already present (use :meth:`update`) or the vectors are malformed.

        Example:
            >>> index = VectorIndex().build(["a"], np.eye(2, dtype=np.float32)[:1])
            >>> index.add(["b"], np.eye(2, dtype=np.float32)[1:])
            >>> index.ids_
            ('a', 'b')
        """
        with self._writer:
            old = self._snapshot
            if old is None:
                self._publish(self._built(ids, vectors, None))
                return
            vectors = _as_vectors(vectors, dim=old.dim, what="vectors")
            if len(ids) != len(vectors):
                raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
            idmap = old.idmap.copy()
            idmap.append(list(ids))
            if old.graph is not None:
                new = _Snapshot(idmap, graph=hnsw.extended(old.graph, vectors))
            else:
                new = _Snapshot(idmap, buffer=_appended(old, vectors))
            self._publish(new)
            if new.kind == "exact" and len(idmap) > self.exact_threshold:
                self._compact(new)

    def update(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Replace the vectors of profiles already in the index.

        Raises:
            KeyError: naming ids that are not in the index.
            ValueError: on duplicate ids or malformed vectors.

        Example:
            >>> index = VectorIndex().build(["a", "b"], np.eye(2, dtype=np.float32))
            >>> index.update(["a"], np.eye(2, dtype=np.float32)[1:])
            >>> index.vector("a").tolist()
            [0.0, 1.0]
        """
        with self._writer:
            old = self._require()
            vectors = _as_vectors(vectors, dim=old.dim, what="vectors")
            if len(ids) != len(vectors):
                raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
            duplicated = first_duplicate(ids)
            if duplicated is not None:
                raise ValueError(f"id {duplicated!r} appears more than once")
            slots = old.idmap.slots_of(ids)
            if old.graph is None:
                # Copy on write: searches may be reading the old buffer right now.
                buffer = old.vectors.copy()
                buffer[slots] = vectors
                new = _Snapshot(old.idmap, buffer=buffer)
            else:
                # An HNSW node cannot move: tombstone it and insert the new vector as a new node.
                idmap = old.idmap.copy()
                idmap.discard(ids)
                idmap.append(list(ids))
                new = _Snapshot(idmap, graph=hnsw.extended(old.graph, vectors))
            self._publish(new)
            self._compact_if_needed(new)

    def remove(self, ids: Sequence[str]) -> None:
        """Remove profiles (tombstones, compacted once they pass ``rebuild_fraction``).

        Raises:
            KeyError: naming ids that are not in the index (nothing is removed then).
            ValueError: on duplicate ids.

        Example:
            >>> index = VectorIndex().build(["a", "b"], np.eye(2, dtype=np.float32))
            >>> index.remove(["a"])
            >>> index.ids_, "a" in index
            (('b',), False)
        """
        with self._writer:
            old = self._require()
            duplicated = first_duplicate(ids)
            if duplicated is not None:
                raise ValueError(f"id {duplicated!r} appears more than once")
            idmap = old.idmap.copy()
            idmap.discard(ids)
            new = _Snapshot(idmap, buffer=old.buffer, graph=old.graph)
            self._publish(new)
            self._compact_if_needed(new)

    def _compact_if_needed(self, snapshot: _Snapshot) -> None:
        if snapshot.idmap.n_dead > self.rebuild_fraction * snapshot.idmap.n_slots:
            self._compact(snapshot)

    def _compact(self, old: _Snapshot) -> None:
        """Rebuild from the live vectors (type chosen again by size) while searches go on against ``old``."""
        idmap, old_slots = old.idmap.compacted()
        logger.info("compacting a %s index: %d live of %d slots", old.kind, len(idmap), old.idmap.n_slots)
        self._publish(self._fresh(idmap, old.vectors[old_slots], None))

    def _publish(self, snapshot: _Snapshot) -> None:
        # One reference assignment: a search that read the previous snapshot keeps working on it.
        self._snapshot = snapshot

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

        Example:
            >>> index = VectorIndex().build(["a", "b", "c"], np.eye(3, dtype=np.float32))
            >>> index.search(np.eye(3, dtype=np.float32)[:2], k=1).ids
            [['a'], ['b']]
        """
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive int, got {k!r}")
        snapshot = self._require()
        return self._search(snapshot, _as_queries(queries, snapshot.dim), int(k), allowed)

    def _search(self, snapshot: _Snapshot, queries: np.ndarray, k: int, allowed: np.ndarray | None) -> SearchResult:
        idmap = snapshot.idmap
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
        if snapshot.graph is None or (slot_mask is not None and self._filter_is_narrow(n_allowed, n_live)):
            if slot_mask is None and idmap.n_dead:
                slot_mask = idmap.live
            slots, scores = top_rows(snapshot.vectors, queries, m, slot_mask, n_allowed)
        else:
            slots, scores = self._graph_search(snapshot, queries, m, slot_mask, n_allowed)
        return SearchResult(ids=idmap.ids_at(slots), scores=scores)

    def _filter_is_narrow(self, n_allowed: int, n_live: int) -> bool:
        """Whether scanning the allowed rows beats a filtered graph walk (and keeps recall).

        A scan costs about ``n_allowed`` inner products, a filtered walk about ``ef / sqrt(share)`` node visits of
        ~``hnsw_m`` inner products each; the measured crossover sits near ``n_allowed**2 == ef_search * n_live``.
        Below a 3% share the widened walk also loses recall, so the scan takes over there too.
        """
        return n_allowed < _MIN_HNSW_SHARE * n_live or n_allowed * n_allowed <= self.ef_search * n_live

    def _graph_search(
        self, snapshot: _Snapshot, queries: np.ndarray, m: int, slot_mask: np.ndarray | None, n_allowed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        graph = cast(faiss.IndexHNSWFlat, snapshot.graph)
        ef = max(self.ef_search, m)
        if slot_mask is None:
            bitmap = snapshot.live_bitmap
        else:
            # Nodes outside the filter still fill the beam: widen it as the allowed share shrinks. 1/sqrt(share)
            # kept recall@10 >= 0.96 down to a 2% share in bench/bench_search.py; 1/share cost 10x more.
            ef = math.ceil(ef / math.sqrt(n_allowed / len(snapshot.idmap)))
            bitmap = np.packbits(slot_mask, bitorder="little")
        scores, slots = hnsw.search(graph, queries, m, ef=ef, bitmap=bitmap)
        if min(slots[:, -1].tolist()) < 0:  # a list: 0.3 microseconds a query, a NumPy reduction 2.5
            # The graph walk found fewer than m allowed nodes: answer those queries exactly.
            short = np.flatnonzero(slots[:, -1] < 0)
            mask = slot_mask if slot_mask is not None else snapshot.idmap.live
            slots[short], scores[short] = top_rows(snapshot.vectors, queries[short], m, mask, n_allowed)
        return slots, scores

    # ----------------------------------------------------------------------------------------------- access

    def vector(self, id: str) -> np.ndarray:
        """A copy of the vector stored for profile ``id``.

        Raises:
            KeyError: if ``id`` is not in the index.

        Example:
            >>> VectorIndex().build(["a", "b"], np.eye(2, dtype=np.float32)).vector("b").tolist()
            [0.0, 1.0]
        """
        snapshot = self._require()
        return snapshot.vectors[int(snapshot.idmap.slots_of([id])[0])].copy()

    def mask(self, ids: Iterable[str]) -> np.ndarray:
        """Boolean mask over :attr:`ids_`, True for the given ids (ids not in the index are ignored).

        Build it right before the search: the order of :attr:`ids_` changes when profiles are added,
        updated or removed, and a mask of a stale length is refused.

        Example:
            >>> VectorIndex().build(["a", "b"], np.eye(2, dtype=np.float32)).mask(["b", "zz"]).tolist()
            [False, True]
        """
        return self._require().idmap.mask(ids)

    @property
    def ids_(self) -> tuple[str, ...]:
        """Profile ids in the index, in the order ``allowed`` masks refer to."""
        return self._require().idmap.ids

    @property
    def dimension_(self) -> int:
        """Vector dimension."""
        return self._require().dim

    @property
    def index_type_(self) -> IndexType:
        """``"exact"`` or ``"hnsw"``."""
        return self._require().kind

    @property
    def tombstones_(self) -> int:
        """Removed (or, in HNSW mode, superseded) vectors still in the index, skipped by searches."""
        return self._require().idmap.n_dead

    @property
    def manifest(self) -> Mapping[str, Any]:
        """The manifest last written by :meth:`save` or read by :meth:`load` (empty before either)."""
        return self._manifest

    def __len__(self) -> int:
        snapshot = self._snapshot
        return 0 if snapshot is None else len(snapshot.idmap)

    def __contains__(self, id: object) -> bool:
        snapshot = self._snapshot
        return snapshot is not None and id in snapshot.idmap

    def _require(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is None:
            raise ValueError("the index is empty: call build() (or add()) first")
        return snapshot

    # ----------------------------------------------------------------------------------------------- files

    def save(self, directory: Path | str, manifest: Mapping[str, Any]) -> None:
        """Write the index to ``directory`` atomically (see :mod:`matcher.index_files`).

        Each save writes a fresh version folder inside ``directory`` and only then points the ``CURRENT`` file
        at it, so a save killed half-way leaves the previous index readable. Older versions are deleted after
        the switch, so one process at a time saves to a given directory. Searches go on meanwhile.

        Args:
            directory: the index folder (created if missing).
            manifest: the caller's fields (e.g. model, facet, profile-set checksum), JSON-serialisable; the
                index adds ``format``, ``dimension``, ``count``, ``slots``, ``index_type``, ``created_at`` and
                ``params``.

        Raises:
            ValueError: if ``manifest`` uses a reserved key or is not JSON-serialisable.

        Example:
            >>> import tempfile
            >>> folder = tempfile.mkdtemp()
            >>> VectorIndex().build(["a"], np.eye(2, dtype=np.float32)[:1]).save(folder, {"facet": "offers"})
            >>> VectorIndex.load(folder).manifest["facet"]
            'offers'
        """
        clash = sorted(set(manifest) & set(_RESERVED))
        if clash:
            raise ValueError(f"manifest keys {clash} are reserved for the index")
        with self._writer:  # one save at a time (each clears away older versions), and no change meanwhile
            snapshot = self._require()
            full = {
                **manifest,
                "format": FORMAT_VERSION,
                "dimension": snapshot.dim,
                "count": len(snapshot.idmap),
                "slots": snapshot.idmap.n_slots,
                "index_type": snapshot.kind,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "params": self._params(),
            }
            version = write_version(Path(directory), full, lambda folder: _write_files(snapshot, folder))
        self._manifest = MappingProxyType(full)
        logger.info("saved a %s index of %d vectors to %s", snapshot.kind, full["count"], version)

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
        version, manifest = open_version(directory)
        if manifest.get("format") != FORMAT_VERSION:
            raise ValueError(f"{version}: index format {manifest.get('format')!r}, expected {FORMAT_VERSION}")
        index = cls(**manifest["params"])
        idmap = IdMap(json.loads((version / IDS_FILE).read_text(encoding="utf-8")))
        if manifest["index_type"] == "hnsw":
            # save() wrote this file from an IndexHNSWFlat, and read_index returns the concrete class it reads.
            snapshot = _Snapshot(idmap, graph=cast(faiss.IndexHNSWFlat, faiss.read_index(str(version / HNSW_FILE))))
        else:
            snapshot = _Snapshot(idmap, buffer=np.load(version / VECTORS_FILE))
        vectors = snapshot.vectors
        if (
            vectors.dtype != np.float32
            or vectors.shape != (idmap.n_slots, manifest["dimension"])
            or len(idmap) != manifest["count"]
        ):
            raise ValueError(
                f"{version}: {vectors.shape[0]} {vectors.dtype} vectors of dimension {vectors.shape[1]} and "
                f"{idmap.n_slots} ids ({len(idmap)} live), manifest says {manifest['slots']} "
                f"({manifest['count']} live) of dimension {manifest['dimension']}"
            )
        index._snapshot = snapshot
        index._manifest = MappingProxyType(manifest)
        logger.info("loaded a %s index of %d vectors from %s", snapshot.kind, len(idmap), version)
        return index


# --------------------------------------------------------------------------------------------------- helpers


def _appended(old: _Snapshot, vectors: np.ndarray) -> np.ndarray:
    """The buffer of an exact snapshot with ``vectors`` written after its rows, grown (copied) when full.

    Published snapshots read only rows before their own length, so writing past ``old``'s rows is safe.
    """
    buffer = cast(np.ndarray, old.buffer)
    start, end = old.idmap.n_slots, old.idmap.n_slots + len(vectors)
    if end > len(buffer):
        grown = np.empty((max(end, 2 * len(buffer)), old.dim), dtype=np.float32)
        grown[:start] = old.vectors
        buffer = grown
    buffer[start:end] = vectors
    return buffer


def _write_files(snapshot: _Snapshot, folder: Path) -> None:
    """The index's own files: the graph or the vectors, and the id map."""
    if snapshot.graph is not None:
        faiss.write_index(snapshot.graph, str(folder / HNSW_FILE))
    else:
        np.save(folder / VECTORS_FILE, snapshot.vectors)
    (folder / IDS_FILE).write_text(json.dumps(snapshot.idmap.to_list()), encoding="utf-8")


def _as_queries(queries: np.ndarray, dim: int) -> np.ndarray:
    """Queries as a C-contiguous float32 matrix, checked like :func:`_as_vectors`.

    A single float32 query of the right shape, the usual case, is checked by its norm alone (a NaN or an
    infinity cannot give a norm near one), through FAISS' kernel (a quarter of ``np.dot``'s 0.9 microseconds),
    and viewed as a batch of one, without a copy.
    """
    if (
        type(queries) is np.ndarray
        and queries.shape == (dim,)
        and queries.dtype == np.float32
        and queries.flags.c_contiguous
        and abs(faiss.fvec_norm_L2sqr(faiss.swig_ptr(queries), dim) - 1.0) <= 2 * _NORM_TOLERANCE
    ):
        return queries[None, :]
    return _as_vectors(queries, dim=dim, what="queries", single_ok=True)


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
