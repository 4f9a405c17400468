"""Indexing: keep each facet's vector index in step with the store, and serve the fitted ranking over it.

A build embeds only the profiles that changed since the last one; a read (search, recommendation) never uses an
index that no longer matches the store or the encoder: it brings the index up to date first.

Example:
    >>> indexer = Indexer(Context("/tmp/doc-index"), scorer=lambda: None)
    >>> report = indexer.build()            # doctest: +SKIP
    >>> report.full                         # doctest: +SKIP
    True
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from filelock import FileLock

from ..bands import Calibration, calibration_for
from ..catalogue import facet_texts
from ..embed import EmbeddingCache, embed_texts
from ..errors import NotFoundError
from ..index import IndexMismatchError, VectorIndex, check_manifest, read_manifest
from ..lexical import fold_name
from ..rank import Recommender, Scorer
from ..schema import FACETS
from ..store import profile_set_checksum
from .context import BuildProgress, Context

__all__ = ["BuildReport", "Indexer", "Served"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    """What :meth:`Indexer.build` did.

    Attributes:
        profiles: Profiles in the index.
        encoded: Texts newly encoded per facet (the rest came from the embedding cache).
        added: Profiles added to existing indexes (all of them on a full build).
        updated: Profiles whose vectors were replaced.
        removed: Profiles dropped from the indexes.
        full: Whether the indexes were built from scratch.
        seconds: Wall time.
        model: The encoder's name.
    """

    profiles: int
    encoded: dict[str, int]
    added: int
    updated: int
    removed: int
    full: bool
    seconds: float
    model: str


@dataclass
class Served:
    """What searches and recommendations read, loaded once per store version.

    Attributes:
        version: The store version it was loaded at.
        profiles: Every profile.
        indexes: The vector index of each facet.
        fit: Fits the ranking on the profiles, their partnerships and the indexes (see :attr:`recommender`).
        lock: Held while it fits, so that threads sharing the workspace fit it once.
        calibration: The score bands and reason thresholds of the encoder the indexes were built with (their
            manifest's model): what the scores of searches and recommendations are read against.
    """

    version: int
    profiles: pd.DataFrame
    indexes: dict[str, VectorIndex]
    fit: Callable[[], Recommender]
    lock: AbstractContextManager[Any]
    calibration: Calibration
    _recommender: Recommender | None = None

    @property
    def recommender(self) -> Recommender:
        """The ranking, fitted on first use: a search reads only the profiles and the indexes, and needs neither the
        fit nor the scikit-learn it imports (a second of a one-shot ``matcher search``)."""
        with self.lock:
            if self._recommender is None:
                self._recommender = self.fit()
            return self._recommender

    @cached_property
    def folded_names(self) -> list[str]:
        """Every profile's name as name search compares it (:func:`matcher.lexical.fold_name`), in row order."""
        return [fold_name(str(name)) for name in self.profiles["name"]]

    def require(self, profile_id: str, where: object) -> None:
        """Raises :class:`NotFoundError` unless ``profile_id`` is in the catalogue."""
        if profile_id not in self.recommender.catalogue_:
            raise NotFoundError(f"no organisation with id {profile_id!r} in {where}")


class Indexer:
    """Builds the indexes of one workspace and serves the ranking over them.

    Args:
        context: The workspace.
        scorer: Returns the scorer recommendations use now (a learned re-ranker, or None for the weighted one).
    """

    def __init__(self, context: Context, scorer: Callable[[], Scorer | None]) -> None:
        self.context = context
        self.scorer = scorer
        self._served: Served | None = None

    def _index_dir(self, facet: str) -> Path:
        return self.context.workspace.index_dir / facet

    def forget(self) -> None:
        """Drops what is served, so the next read loads the ranking again (after training, say)."""
        self._served = None

    def build(self, *, full: bool = False, progress: BuildProgress | None = None) -> BuildReport:
        """Brings the vector indexes in step with the store, embedding only what changed.

        Profiles added, edited or removed since the last build are added, replaced or removed in place; texts
        already embedded come from the embedding cache. An index made with another encoder is rebuilt.

        Args:
            full: Rebuild every index from scratch (vectors still come from the cache).
            progress: Called as ``progress(facet, done, total)`` while texts are encoded; default the
                context's own ``progress``.
        """
        ctx = self.context
        progress = progress or ctx.progress
        started = time.perf_counter()
        # One build at a time per workspace, across processes (the app's catch-up build and a CLI build).
        with ctx.lock, FileLock(ctx.workspace.root / ".build.lock"):
            profiles = ctx.store.profiles()
            hashes = dict(zip(profiles["id"], profiles["content_hash"], strict=True))
            checksum = profile_set_checksum(list(hashes), list(hashes.values()))
            if not full and self.stale(checksum) is None:
                logger.info("index build: nothing changed since the last build")
                seconds = time.perf_counter() - started
                return BuildReport(len(profiles), dict.fromkeys(FACETS, 0), 0, 0, 0, False, seconds, ctx.encoder.name)
            cache = EmbeddingCache(ctx.workspace.embedding_cache_path)
            encoded: dict[str, int] = {}
            added = updated = removed = 0
            rebuilt = full
            for facet in FACETS:
                misses_before = cache.stats().misses
                index, old_hashes = (None, {}) if full else self._reusable_index(facet)
                if index is None:
                    rebuilt = True
                    todo = profiles
                else:
                    todo = profiles[
                        [old_hashes.get(i) != h for i, h in zip(profiles["id"], profiles["content_hash"], strict=True)]
                    ]
                texts = facet_texts(todo, facet)
                report = (lambda done, total, f=facet: progress(f, done, total)) if progress else None
                vectors = embed_texts(texts, ctx.encoder, cache, facet, report)
                encoded[facet] = cache.stats().misses - misses_before
                # A facet with no text (an empty "seeks") has a zero vector: it is left out of that facet's index.
                has_text = np.linalg.norm(vectors, axis=1) > 0
                ids = todo["id"].to_numpy()
                if index is None:
                    index = VectorIndex().build(ids[has_text].tolist(), vectors[has_text])
                    added = len(profiles)
                else:
                    gone = [i for i in old_hashes if i not in hashes]
                    gone += [i for i in ids[~has_text] if i in index]
                    present = [i in index for i in ids]
                    changed = has_text & np.array(present, dtype=bool)
                    new = has_text & ~np.array(present, dtype=bool)
                    if gone:
                        index.remove(gone)
                    if changed.any():
                        index.update(ids[changed].tolist(), vectors[changed])
                    if new.any():
                        index.add(ids[new].tolist(), vectors[new])
                    added = sum(i not in old_hashes for i in ids)
                    updated = sum(i in old_hashes for i in ids)
                    removed = sum(i not in hashes for i in old_hashes)
                index.save(
                    self._index_dir(facet),
                    {"model": ctx.encoder.name, "facet": facet, "checksum": checksum, "content_hashes": hashes},
                )
            self._served = None
        seconds = time.perf_counter() - started
        logger.info("index build: %d profiles in %.1f s", len(profiles), seconds)
        return BuildReport(len(profiles), encoded, added, updated, removed, rebuilt, seconds, ctx.encoder.name)

    def _reusable_index(self, facet: str) -> tuple[VectorIndex | None, dict[str, str]]:
        """The saved index of ``facet`` and the content hashes it was built from, if it can be updated in place."""
        directory = self._index_dir(facet)
        try:
            manifest = read_manifest(directory)
            check_manifest(manifest, {"model": self.context.encoder.name, "facet": facet})
            return VectorIndex.load(directory), dict(manifest.get("content_hashes", {}))
        except FileNotFoundError:
            return None, {}
        except IndexMismatchError as mismatch:
            logger.info("rebuilding the %s index: %s", facet, mismatch)
            return None, {}

    def built_with(self) -> str | None:
        """The encoder the saved indexes were built with (its name, as their manifest records it), or None before
        the first build."""
        try:
            return str(read_manifest(self._index_dir(FACETS[0]))["model"])
        except (FileNotFoundError, KeyError):
            return None

    def stale(self, checksum: str) -> str | None:
        """Why the saved indexes do not match the profiles of ``checksum`` and the encoder; None if they do."""
        expected = {"model": self.context.encoder.name, "checksum": checksum}
        try:
            for facet in FACETS:
                check_manifest(read_manifest(self._index_dir(facet)), {**expected, "facet": facet})
        except (FileNotFoundError, IndexMismatchError) as stale:
            return str(stale)
        return None

    def current(self) -> Served:
        """Profiles, indexes and the fitted ranking matching the store now; brings stale indexes up to date first."""
        ctx = self.context
        with ctx.lock:
            version = ctx.store.version()
            if self._served is not None and self._served.version == version:
                return self._served
            profiles = ctx.store.profiles()
            stale = self.stale(profile_set_checksum(profiles["id"].tolist(), profiles["content_hash"].tolist()))
            if stale is not None:
                # Never search an index that no longer matches the store or the model: bring it in step.
                logger.info("index out of date (%s); updating it", stale)
                self.build()
            indexes: dict[str, VectorIndex] = {facet: VectorIndex.load(self._index_dir(facet)) for facet in FACETS}
            partnerships = ctx.store.partnerships()
            # The cosines come from the model the indexes were built with (the same as the encoder's, once in step).
            calibration = calibration_for(str(self.built_with()))

            def fit() -> Recommender:
                vectors = ctx.vectors(profiles)  # after a build every text is in the cache: this encodes nothing
                recommender = Recommender(
                    config=ctx.settings.ranking,
                    scorer=self.scorer(),
                    encode=ctx.encode_phrases,
                    calibration=calibration,
                    english=ctx.english_part(),  # a blend's MiniLM part reads two English organisations
                )
                return recommender.fit(profiles, vectors, partnerships, indexes)

            self._served = Served(version, profiles, indexes, fit, ctx.lock, calibration)
            return self._served
