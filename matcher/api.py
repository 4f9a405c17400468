"""The Python API: one :class:`Matcher` over a workspace, used alike by the CLI, the app and notebooks.

It wires the stages together (read -> validate -> store, and later embed -> index -> rank) and holds no logic of
its own beyond that wiring.

Example:
    >>> m = Matcher(home="/tmp/doc-workspace")
    >>> report = m.import_profiles("data/demo/profiles.csv")   # doctest: +SKIP
    >>> report.imported, len(report.rejected)                    # doctest: +SKIP
    (220, 0)
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from filelock import FileLock

from .bands import SEARCH_BANDS, Band
from .config import Workspace, resolve_home
from .embed import EmbeddingCache, Encoder, embed_texts, load_encoder
from .errors import MatcherError, NotFoundError
from .evaluate import EvaluationResult, Fold, RecommenderRanker, baselines, cordis_folds, evaluate, split_partnerships
from .filters import Filters
from .index import IndexMismatchError, VectorIndex, check_manifest, read_manifest
from .learn import LearnedScorer, NoTimeSplitError, TrainResult, preferred_scorer, time_windows
from .learn import save as save_model
from .learn import train as train_model
from .rank import CrossCity, Recommendations, Recommender, harmonic_mean
from .readers import ReadResult, RowProblem, read_table
from .schema import FACETS, Facet, Profile
from .store import Store, profile_set_checksum
from .validate import ValidationReport, validate_partnerships, validate_profiles

BuildProgress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` during a build; ``stage`` names the facet being embedded."""

__all__ = ["BuildReport", "ImportReport", "Matcher", "MatcherError", "NotFoundError", "PairScores", "SearchHit"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportReport:
    """What one import did.

    Attributes:
        kind: ``profiles``, ``partnerships`` or ``cordis``.
        source: The file(s) read.
        rows: Records found in the file(s).
        imported: Rows written to the store (inserted or updated).
        rejected: Each rejected row with its row number and every reason.
        warnings: Kept rows with something worth saying.
        notes: What the reader did (encoding, delimiter, removed NUL bytes ...).
    """

    kind: str
    source: str
    rows: int
    imported: int
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every row was imported, 1 when some were rejected (and the rest imported)."""
        return 1 if self.rejected else 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "kind": self.kind,
            "source": self.source,
            "rows": self.rows,
            "imported": self.imported,
            "rejected": [problem.__dict__ for problem in self.rejected],
            "warnings": [problem.__dict__ for problem in self.warnings],
            "notes": list(self.notes),
        }


def _report(kind: str, source: str, read: ReadResult, checked: ValidationReport, imported: int) -> ImportReport:
    rejected = sorted([*read.problems, *checked.rejected], key=lambda p: p.row)
    return ImportReport(
        kind=kind,
        source=source,
        rows=len(read.frame) + len(read.problems),
        imported=imported,
        rejected=rejected,
        warnings=list(checked.warnings),
        notes=[*read.notes, *checked.notes],
    )


@dataclass(frozen=True)
class BuildReport:
    """What :meth:`Matcher.build` did.

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


@dataclass(frozen=True)
class SearchHit:
    """One free-text search result.

    Attributes:
        id: Profile id.
        name: Display name.
        city: City.
        country: ISO country code.
        org_type: Organisation type.
        score: Cosine similarity of the query to the best-matching facet.
        facet: Which text matched best: ``profile``, ``offers`` or ``seeks``.
        band: ``strong``, ``possible`` or ``weak`` on :data:`matcher.bands.SEARCH_BANDS`; a search returns no hit
            below the weak floor.
    """

    id: str
    name: str
    city: str
    country: str
    org_type: str
    score: float
    facet: str
    band: Band


@dataclass(frozen=True)
class PairScores:
    """How well each asker and each candidate fit each other, scored as recommendations are ranked.

    Rows follow ``askers``, columns ``candidates``.

    Attributes:
        askers: Asker ids, one per row.
        candidates: Candidate ids, one per column.
        fit_for_asker: How well each candidate meets each asker's needs, in [0, 1].
        fit_for_candidate: How well each asker meets each candidate's needs, in [0, 1].

    Example:
        >>> pairs = PairScores(("a",), ("x", "y"), np.array([[0.5, 1.0]]), np.array([[0.5, 0.0]]))
        >>> pairs.score.tolist()
        [[0.5, 0.0]]
    """

    askers: tuple[str, ...]
    candidates: tuple[str, ...]
    fit_for_asker: np.ndarray
    fit_for_candidate: np.ndarray

    @property
    def score(self) -> np.ndarray:
        """The reciprocal score of each pair: the harmonic mean of the two fits (a new array on each call)."""
        return harmonic_mean(self.fit_for_asker, self.fit_for_candidate)


EvaluationData = Literal["store", "demo", "synthetic", "cordis"]
DEMO_DIR = Path(__file__).resolve().parents[1] / "data" / "demo"
"""The bundled demo data (in a source checkout)."""


@dataclass
class _Catalog:
    """What searches and recommendations read, loaded once per store version."""

    version: int
    profiles: pd.DataFrame
    indexes: dict[str, VectorIndex]
    recommender: Recommender


def _facet_texts(profiles: pd.DataFrame, facet: Facet) -> list[str]:
    if facet in ("offers", "seeks"):
        return profiles[facet].fillna("").astype(str).tolist()
    return [Profile.from_mapping(row).text(facet) for row in profiles.to_dict("records")]


class Matcher:
    """The matcher over one workspace folder.

    Args:
        home: The workspace folder; default ``$MATCHER_HOME`` or ``./.matcher``.
        encoder: ``minilm`` (default, or ``$MATCHER_ENCODER``), ``minilm-onnx``, a local
            sentence-transformers model folder, or an :class:`~matcher.embed.Encoder` already loaded.
        progress: Called as ``progress(facet, done, total)`` while a build encodes texts, the catch-up build
            that a search or recommendation starts after the store changed included (it can take minutes).
    """

    def __init__(
        self,
        home: Path | str | None = None,
        *,
        encoder: str | Encoder | None = None,
        progress: BuildProgress | None = None,
    ) -> None:
        self.home = home
        self.encoder_spec = encoder or os.environ.get("MATCHER_ENCODER", "minilm")
        self.progress = progress
        self._catalog: _Catalog | None = None
        self._lock = threading.RLock()

    @cached_property
    def workspace(self) -> Workspace:
        """Paths inside the workspace (created on first use)."""
        return Workspace(resolve_home(self.home)).ensure()

    @cached_property
    def store(self) -> Store:
        """The SQLite store, opened on first use."""
        return Store(self.workspace.store_path)

    # Import -------------------------------------------------------------------------------------------------

    def import_profiles(self, path: Path | str) -> ImportReport:
        """Reads, validates and upserts a profiles file (CSV, TSV, JSON, JSONL or XLSX) in one transaction.

        Raises:
            FileReadError: The file cannot be read at all.
            MissingColumnsError: Required columns are missing.
        """
        read = read_table(Path(path))
        checked = validate_profiles(read.frame)
        with self.store.transaction() as conn:
            imported = self.store.upsert_profiles(checked.valid, source=Path(path).name, conn=conn)
            report = _report("profiles", str(path), read, checked, imported)
            self.store.record_import("profiles", Path(path).name, imported, len(report.rejected), conn=conn)
        logger.info("imported %d profiles from %s, rejected %d", imported, path, len(report.rejected))
        return report

    def import_partnerships(self, path: Path | str) -> ImportReport:
        """Reads, validates and adds a partnerships file; both ends must already be in the store."""
        read = read_table(Path(path))
        checked = validate_partnerships(read.frame, self.store.profile_ids())
        with self.store.transaction() as conn:
            imported = self.store.add_partnerships(checked.valid, conn=conn)
            report = _report("partnerships", str(path), read, checked, imported)
            self.store.record_import("partnerships", Path(path).name, imported, len(report.rejected), conn=conn)
        logger.info("imported %d partnerships from %s, rejected %d", imported, path, len(report.rejected))
        return report

    def import_cordis(self, organizations: Path | str, projects: Path | str) -> ImportReport:
        """Imports CORDIS organisation and project tables as profiles and co-participation partnerships.

        Profiles and partnerships land in one transaction; rows that fail validation are reported, not dropped
        silently.
        """
        from .cordis import cordis_to_frames, read_cordis

        frames = cordis_to_frames(*read_cordis(Path(organizations), Path(projects)))
        profiles = validate_profiles(frames.profiles)
        known = set(profiles.valid["id"]) | self.store.profile_ids()
        # Two projects of one pair starting in one year are one partnership of that year, noting both acronyms.
        key = ["source_id", "target_id", "kind", "year"]
        edges = frames.partnerships.groupby(key, dropna=False, sort=False)["note"].agg("; ".join).reset_index()
        partnerships = validate_partnerships(edges, known)
        source = f"{Path(organizations).name} + {Path(projects).name}"
        with self.store.transaction() as conn:
            imported = self.store.upsert_profiles(profiles.valid, source=source, conn=conn)
            linked = self.store.add_partnerships(partnerships.valid, conn=conn)
            rejected = [*profiles.rejected, *partnerships.rejected]
            self.store.record_import("cordis", source, imported + linked, len(rejected), conn=conn)
        logger.info("CORDIS: %d profiles and %d partnerships imported", imported, linked)
        return ImportReport(
            kind="cordis",
            source=source,
            rows=len(frames.profiles) + len(edges),
            imported=imported + linked,
            rejected=rejected,
            warnings=[*profiles.warnings, *partnerships.warnings],
            notes=[f"{imported} organisations and {linked} co-participation partnerships"],
        )

    # Read ---------------------------------------------------------------------------------------------------

    def profile(self, profile_id: str) -> Profile:
        """Returns one profile.

        Raises:
            NotFoundError: No profile has this id.
        """
        found = self.store.get_profile(profile_id)
        if found is None:
            raise NotFoundError(f"no organisation with id {profile_id!r} in {self.workspace.root}")
        return found

    def profiles(self, filters: Filters | None = None, *, limit: int | None = None) -> pd.DataFrame:
        """Profiles passing ``filters``, sorted by id."""
        filters = filters or Filters()
        frame = self.store.profiles(
            city=filters.city, country=filters.country, org_type=filters.org_type, sector=filters.sector
        )
        frame = frame[filters.mask(frame)].reset_index(drop=True)
        return frame if limit is None else frame.head(limit)

    def partnerships(self, profile_id: str | None = None) -> pd.DataFrame:
        """Known partnerships, all or one organisation's."""
        return self.store.partnerships(None if profile_id is None else [profile_id])

    def stats(self) -> dict[str, Any]:
        """Counts of what the workspace holds."""
        return self.store.stats()

    # Embed and index ----------------------------------------------------------------------------------------

    @cached_property
    def encoder(self) -> Encoder:
        """The text encoder. Its model loads on the first ``encode`` (seconds for the packaged MiniLM model), so
        checking the indexes against it, as every build does first, loads nothing."""
        if not isinstance(self.encoder_spec, str):
            return self.encoder_spec
        if self.encoder_spec == "tfidf":
            raise MatcherError(
                "the tfidf encoder is an evaluation baseline that must be fitted first; a workspace index uses "
                "'minilm' (default), 'minilm-onnx' or a local sentence-transformers model folder"
            )
        return load_encoder(self.encoder_spec, cache_dir=self.workspace.models_dir, lazy=True)

    def _index_dir(self, facet: str) -> Path:
        return self.workspace.index_dir / facet

    def build(self, *, full: bool = False, progress: BuildProgress | None = None) -> BuildReport:
        """Brings the vector indexes in step with the store, embedding only what changed.

        Profiles added, edited or removed since the last build are added, replaced or removed in place; texts
        already embedded come from the embedding cache. An index made with another encoder is rebuilt.

        Args:
            full: Rebuild every index from scratch (vectors still come from the cache).
            progress: Called as ``progress(facet, done, total)`` while texts are encoded; default the
                Matcher's own ``progress``.
        """
        progress = progress or self.progress
        started = time.perf_counter()
        # One build at a time per workspace, across processes (the app's catch-up build and a CLI build).
        with self._lock, FileLock(self.workspace.root / ".build.lock"):
            profiles = self.store.profiles()
            hashes = dict(zip(profiles["id"], profiles["content_hash"], strict=True))
            checksum = profile_set_checksum(list(hashes), list(hashes.values()))
            if not full and self._stale(checksum) is None:
                logger.info("index build: nothing changed since the last build")
                seconds = time.perf_counter() - started
                return BuildReport(len(profiles), dict.fromkeys(FACETS, 0), 0, 0, 0, False, seconds, self.encoder.name)
            cache = EmbeddingCache(self.workspace.embedding_cache_path)
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
                texts = _facet_texts(todo, facet)
                report = (lambda done, total, f=facet: progress(f, done, total)) if progress else None
                vectors = embed_texts(texts, self.encoder, cache, facet, report)
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
                    {"model": self.encoder.name, "facet": facet, "checksum": checksum, "content_hashes": hashes},
                )
            self._catalog = None
        seconds = time.perf_counter() - started
        logger.info("index build: %d profiles in %.1f s", len(profiles), seconds)
        return BuildReport(len(profiles), encoded, added, updated, removed, rebuilt, seconds, self.encoder.name)

    def _reusable_index(self, facet: str) -> tuple[VectorIndex | None, dict[str, str]]:
        """The saved index of ``facet`` and the content hashes it was built from, if it can be updated in place."""
        directory = self._index_dir(facet)
        try:
            manifest = read_manifest(directory)
            check_manifest(manifest, {"model": self.encoder.name, "facet": facet})
            return VectorIndex.load(directory), dict(manifest.get("content_hashes", {}))
        except FileNotFoundError:
            return None, {}
        except IndexMismatchError as mismatch:
            logger.info("rebuilding the %s index: %s", facet, mismatch)
            return None, {}

    def _stale(self, checksum: str) -> str | None:
        """Why the saved indexes do not match the profiles of ``checksum`` and the encoder; None if they do."""
        expected = {"model": self.encoder.name, "checksum": checksum}
        try:
            for facet in FACETS:
                check_manifest(read_manifest(self._index_dir(facet)), {**expected, "facet": facet})
        except (FileNotFoundError, IndexMismatchError) as stale:
            return str(stale)
        return None

    def _current(self) -> _Catalog:
        """Profiles and indexes matching the store now; brings stale indexes up to date first."""
        with self._lock:
            version = self.store.version()
            if self._catalog is not None and self._catalog.version == version:
                return self._catalog
            profiles = self.store.profiles()
            stale = self._stale(profile_set_checksum(profiles["id"].tolist(), profiles["content_hash"].tolist()))
            if stale is not None:
                # Never search an index that no longer matches the store or the model: bring it in step.
                logger.info("index out of date (%s); updating it", stale)
                self.build()
            indexes: dict[str, VectorIndex] = {facet: VectorIndex.load(self._index_dir(facet)) for facet in FACETS}
            vectors = self._vectors(profiles)  # after a build every text is in the cache: this encodes nothing
            recommender = Recommender(scorer=self.learned_scorer, encode=self._encode_phrases)
            recommender.fit(profiles, vectors, self.store.partnerships(), indexes)
            self._catalog = _Catalog(version, profiles, indexes, recommender)
            return self._catalog

    def search(
        self,
        text: str,
        *,
        k: int = 10,
        filters: Filters | None = None,
        facets: Sequence[Facet] = ("profile", "offers"),
    ) -> list[SearchHit]:
        """Free-text search: organisations whose profile (or offers, or seeks) text is closest to ``text``.

        Filters act inside the search, so ``k`` results come back whenever ``k`` organisations pass them and match
        at all: only hits at or above the weak floor of :data:`matcher.bands.SEARCH_BANDS` are returned, so text
        that nothing matches ("xyzzy qwerty") returns an empty list. Each hit carries its band.

        Args:
            text: What to look for, in plain words.
            k: How many results.
            filters: Which organisations may appear.
            facets: Which texts to match: any of ``profile``, ``offers``, ``seeks``. Each organisation appears
                once, with the facet that matched best.

        Raises:
            ValueError: Empty text, text over 2,000 characters, k out of range, or an unknown facet.
        """
        if not text.strip():
            raise ValueError("the search text is empty")
        if len(text) > MAX_SEARCH_CHARS:
            raise ValueError(
                f"the search text has {len(text):,} characters, above the limit of {MAX_SEARCH_CHARS:,} characters; "
                "search with a few sentences, or find partners for a profile instead"
            )
        _check_k(k)
        unknown = set(facets) - set(FACETS)
        if unknown or not facets:
            raise ValueError(f"unknown facet(s) {sorted(unknown)}; use {', '.join(FACETS)}")
        catalog = self._current()
        if k == 0 or catalog.profiles.empty:
            return []
        query = self.encoder.encode([text])
        if not query.any():  # only control characters or symbols the model has no tokens for
            raise ValueError("the search text is empty: it has no words to match")
        allowed_ids = (
            None if filters is None or filters.is_empty() else catalog.profiles["id"][filters.mask(catalog.profiles)]
        )
        best: dict[str, tuple[float, str]] = {}
        for facet in facets:
            index = catalog.indexes[facet]
            allowed = None if allowed_ids is None else index.mask(allowed_ids)
            found = index.search(query, k, allowed=allowed)
            for pid, score in zip(found.ids[0], found.scores[0], strict=False):
                if pid not in best or score > best[pid][0]:
                    best[pid] = (float(score), facet)
        banded = [
            (pid, score, facet, band)
            for pid, (score, facet) in best.items()
            if (band := SEARCH_BANDS.band(score)) is not None
        ]
        ranked = sorted(banded, key=lambda item: -item[1])[:k]
        rows = catalog.profiles.set_index("id").loc[[item[0] for item in ranked]]
        return [
            SearchHit(pid, row.name_, row.city, row.country, row.org_type, round(score, 4), facet, band)
            for (pid, score, facet, band), row in zip(
                ranked, rows.rename(columns={"name": "name_"}).itertuples(), strict=True
            )
        ]

    # Recommend ----------------------------------------------------------------------------------------------

    def recommend(
        self,
        query: str | Profile,
        *,
        k: int = 10,
        filters: Filters | None = None,
        include_partners: bool = False,
        include_competitors: bool = False,
        cross_city: CrossCity | None = None,
    ) -> Recommendations:
        """Partners in other cities that fit both ways, with the reasons.

        Args:
            query: An organisation id from the store, or a :class:`Profile` typed in (not stored).
            k: How many partners; ``k`` come back whenever ``k`` organisations pass the filters.
            filters: Which organisations may be suggested (applied before the top-k cut).
            include_partners: Suggest existing partners too (otherwise they are listed apart).
            include_competitors: Keep likely competitors (same sector, nearly the same offers).
            cross_city: ``other_city`` (default), ``other_country`` or ``any``.

        Organisations this asker marked "not relevant" are not suggested again.

        Raises:
            NotFoundError: ``query`` is an id that is not in the store.
        """
        _check_k(k)
        catalog = self._current()
        if isinstance(query, str):
            self._require(catalog, query)
            return catalog.recommender.recommend(
                query,
                k,
                filters,
                exclude=self.dismissed(query),
                cross_city=cross_city,
                include_partners=include_partners,
                include_competitors=include_competitors,
            )
        return catalog.recommender.recommend(
            query,
            k,
            filters,
            query_vectors=self._profile_vectors(query),
            exclude=self.dismissed(query.id) if query.id else (),
            cross_city=cross_city,
            include_partners=include_partners,
            include_competitors=include_competitors,
        )

    def recommend_many(
        self,
        ids: Sequence[str],
        *,
        k: int = 10,
        filters: Filters | None = None,
        include_partners: bool = False,
        include_competitors: bool = False,
        cross_city: CrossCity | None = None,
        exposure_cap: float | Literal["default"] | None = "default",
        explain: bool = True,
    ) -> list[Recommendations]:
        """Recommendations for many organisations at once, with an exposure cap across the lists.

        Args:
            ids: Askers' ids from the store.
            k: Partners per asker.
            filters: Which organisations may be suggested, for every asker.
            include_partners: As for :meth:`recommend`.
            include_competitors: As for :meth:`recommend`.
            cross_city: As for :meth:`recommend`.
            exposure_cap: Share of the lists one organisation may appear in; ``"default"`` is the ranking's own
                cap, None gives each asker the list :meth:`recommend` would.
            explain: Write the reasons; False leaves them empty and is much faster (quoting phrases encodes
                them with the model).

        Example:
            >>> lists = m.recommend_many(["dj-bio-001", "ca-tech-001"], k=5, explain=False)  # doctest: +SKIP
            >>> [len(recs.results) for recs in lists]                                      # doctest: +SKIP
            [5, 5]

        Raises:
            NotFoundError: An id is not in the store.
        """
        _check_k(k)
        catalog = self._current()
        for profile_id in ids:
            self._require(catalog, profile_id)
        exclude = {profile_id: self.dismissed(profile_id) for profile_id in ids}
        return catalog.recommender.recommend_many(
            list(ids),
            k,
            filters,
            include_partners=include_partners,
            include_competitors=include_competitors,
            cross_city=cross_city,
            exclude=exclude,
            exposure_cap=exposure_cap,
            explain=explain,
        )

    def pair_scores(self, askers: Sequence[str], candidates: Sequence[str]) -> PairScores:
        """Scores every asker with every candidate, both ways, as the ranking would; nothing is filtered out.

        For planning meetings between chosen organisations, where the pairs are given rather than searched for.

        Args:
            askers: Ids from the store (rows).
            candidates: Ids from the store (columns).

        Example:
            >>> pairs = m.pair_scores(["dj-bio-001"], ["ma-bio-001", "do-tech-001"])  # doctest: +SKIP
            >>> pairs.score.shape                                                     # doctest: +SKIP
            (1, 2)

        Raises:
            NotFoundError: An id is not in the store.
        """
        catalog = self._current()
        for profile_id in [*askers, *candidates]:
            self._require(catalog, profile_id)
        recommender = catalog.recommender
        fit_for_asker = np.zeros((len(askers), len(candidates)))
        fit_for_candidate = np.zeros_like(fit_for_asker)
        for i, asker in enumerate(askers if len(candidates) else ()):
            features = recommender.features_for(asker, list(candidates))
            fit_for_asker[i], fit_for_candidate[i] = recommender.scorer_.score(features)
        return PairScores(tuple(askers), tuple(candidates), fit_for_asker, fit_for_candidate)

    def explain_pairs(self, asker: str, candidates: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The reasons the ranking gives for ``asker`` with each of ``candidates`` (pairs chosen, not ranked: a
        meeting plan's), strongest first, with every filter and exclusion ignored.

        Raises:
            NotFoundError: An id is not in the store.
        """
        catalog = self._current()
        for profile_id in [asker, *candidates]:
            self._require(catalog, profile_id)
        return catalog.recommender.explain_pairs(asker, list(candidates))

    def similar(self, query: str | Profile, *, k: int = 10, filters: Filters | None = None) -> Recommendations:
        """Organisations like this one in other cities (peers, not partners)."""
        _check_k(k)
        catalog = self._current()
        if isinstance(query, str):
            self._require(catalog, query)
            return catalog.recommender.similar(query, k, filters)
        return catalog.recommender.similar(query, k, filters, query_vectors=self._profile_vectors(query))

    # Evaluate and learn -------------------------------------------------------------------------------------

    @cached_property
    def _cache(self) -> EmbeddingCache:
        """The workspace's embedding cache for reading paths (it opens a connection per call, so threads may share
        it; a build keeps its own, whose counts are that build's encodings)."""
        return EmbeddingCache(self.workspace.embedding_cache_path)

    def _encode_phrases(self, phrases: Sequence[str]) -> np.ndarray:
        """Explanation phrases through the workspace's embedding cache: each is encoded once per workspace, not
        once per process (a fresh ranking's explanations cost seconds of encoding otherwise)."""
        return embed_texts(phrases, self.encoder, self._cache, "phrase")

    def _vectors(self, profiles: pd.DataFrame) -> dict[str, np.ndarray]:
        """Facet vectors of any profiles frame, through this workspace's embedding cache."""
        return {facet: embed_texts(_facet_texts(profiles, facet), self.encoder, self._cache, facet) for facet in FACETS}

    def evaluate(
        self,
        dataset: EvaluationData = "store",
        *,
        year: int | None = None,
        max_queries: int | None = 300,
        cross_city: CrossCity = "other_city",
        synthetic_n: int = 1000,
        cordis_dir: Path | str | None = None,
        seed: int = 0,
    ) -> EvaluationResult:
        """Link prediction against the baselines: hide partnerships, recommend, score the hidden ones.

        Args:
            dataset: ``store`` (this workspace: split by year when years exist, else at random), ``demo`` (the
                bundled demo, history up to 2021), ``synthetic`` (planted reciprocal pairs of ``synthetic_n``
                generated organisations) or ``cordis`` (leave-one-project-out over the CORDIS tables in
                ``cordis_dir``).
            year: Last year of the history for ``store``; None lets the split choose.
            max_queries: Query organisations sampled at most (None: all).
            cross_city: The cross-city rule for every method.
            synthetic_n: Organisations generated for ``synthetic``.
            cordis_dir: Folder with ``organization.json`` and ``project.json`` (or the ``.csv`` exports).
            seed: Seed of the split, the sampling and the random baseline.

        Raises:
            MatcherError: ``store`` on a workspace with a CORDIS import (use ``cordis``), or ``cordis`` without
                ``cordis_dir``.
        """
        methods = [RecommenderRanker(), *baselines(seed)]
        learned = self.learned_scorer
        if learned is not None:
            methods.insert(1, RecommenderRanker(learned, name="matcher (learned)"))
        options: dict[str, Any] = {"max_queries": max_queries, "cross_city": cross_city, "seed": seed}
        if dataset == "cordis":
            if cordis_dir is None:
                raise MatcherError("evaluating on CORDIS needs the folder with organization.json and project.json")
            from .cordis import read_cordis

            folder = Path(cordis_dir)
            tables = [_cordis_table(folder, stem) for stem in ("organization", "project")]
            folds = cordis_folds(*read_cordis(*tables), self._vectors)
            protocol = f"leave-one-project-out, {len(folds)} projects held out in turn"
            return evaluate(folds, methods, dataset=f"CORDIS ({folder.name})", protocol=protocol, **options)
        if dataset == "synthetic":
            from .synthetic import generate

            data = generate(synthetic_n, seed=seed)
            truth = data.truth[["source_id", "target_id"]]
            fold = Fold(data.profiles, self._vectors(data.profiles), data.partnerships, truth)
            protocol = "history = generated partnerships, truth = planted pairs (each fits the other both ways)"
            return evaluate(fold, methods, dataset=f"synthetic n={synthetic_n}", protocol=protocol, **options)
        if dataset == "demo":
            demo = Matcher(self.workspace.root / "evaluation-demo", encoder=self.encoder)
            if demo.stats()["profiles"] == 0:
                demo.import_profiles(DEMO_DIR / "profiles.csv")
                demo.import_partnerships(DEMO_DIR / "partnerships.csv")
            return demo.evaluate("store", year=2021 if year is None else year, **options)
        self._refuse_texts_written_from_partnerships("its scores would be inflated")
        profiles = self.store.profiles()
        split = split_partnerships(self.store.partnerships(), year=year, seed=seed)
        fold = Fold.from_split(profiles, self._vectors(profiles), split)
        return evaluate(fold, methods, dataset=str(self.workspace.root), **options)

    def train(
        self,
        *,
        year: int | None = None,
        model: Literal["logistic", "lambdarank"] = "logistic",
        name: str = "reranker",
    ) -> tuple[TrainResult, dict[str, Path]]:
        """Learns a re-ranker from the partnership history by time, measured against the weighted scorer on the
        latest year (or ``year``) it never saw, and the feedback (see :mod:`matcher.learn`).

        The model and its card are saved in the workspace's ``models/`` folder; recommendations use it from
        then on only if the card says it beat the weighted scorer.

        Raises:
            MatcherError: The workspace holds a CORDIS import (its texts give the held-out links away), or its
                partnerships cannot be split by time (no years, or fewer than three dated years).
        """
        self._refuse_texts_written_from_partnerships("a re-ranker would learn that leak and seem to win")
        partnerships = self.store.partnerships()
        try:
            time_windows(partnerships, year)  # refuses before anything is encoded
            profiles = self.store.profiles()
            result = train_model(
                profiles,
                self._vectors(profiles),
                partnerships,
                self.store.feedback(),
                year=year,
                model=model,
                dataset=str(self.workspace.root),
            )
        except NoTimeSplitError as untimed:
            raise MatcherError(f"cannot train a re-ranker: {untimed}") from None
        paths = save_model(result, self.workspace.models_dir, name)
        self._catalog = None  # the next recommendation picks the new model up (or keeps the weighted scorer)
        return result, paths

    @property
    def learned_scorer(self) -> LearnedScorer | None:
        """The re-ranker that serves this workspace's recommendations, or None when the weighted scorer does.

        A re-ranker trained here serves only when its card says it beat the weighted scorer, and never on a
        workspace holding a CORDIS import: a model trained there (before `matcher train` refused it, or before
        the import) learnt that the texts give the links away, and its measured gain came from that leak.

        Example:
            >>> Matcher(home).learned_scorer is None        # doctest: +SKIP
            True
        """
        scorer = preferred_scorer(self.workspace.models_dir)
        if scorer is not None and self._texts_written_from_partnerships():
            logger.warning("the workspace holds a CORDIS import: its re-ranker is not used, the weighted scorer is")
            return None
        return scorer

    def _texts_written_from_partnerships(self) -> bool:
        return bool((self.store.imports()["kind"] == "cordis").any())

    def _refuse_texts_written_from_partnerships(self, consequence: str) -> None:
        """Refuses a split of this workspace's partnerships when its texts were written from them.

        A CORDIS import writes each organisation's description from its projects and links every pair of a
        project's participants, so a partnership hidden by a split still stands in both profiles' texts.
        """
        if self._texts_written_from_partnerships():
            raise MatcherError(
                "this workspace holds a CORDIS import: its profile texts are written from the very projects that "
                f"link its organisations, so hiding partnerships cannot hide them from the texts and {consequence}. "
                "Measure on CORDIS data with `matcher evaluate --dataset cordis --cordis-dir FOLDER` "
                "(leave-one-project-out: each project in turn leaves the texts and the graph)."
            )

    def dismissed(self, asker_id: str) -> set[str]:
        """Candidates whose latest feedback from this asker is "not relevant"."""
        feedback = self.store.feedback(asker_id)
        if feedback.empty:
            return set()
        latest = feedback.groupby("candidate_id")["label"].last()
        return set(latest.index[latest == "not_relevant"])

    def _profile_vectors(self, profile: Profile) -> dict[str, np.ndarray]:
        vectors = self.encoder.encode([profile.text(facet) for facet in FACETS])
        return dict(zip(FACETS, vectors, strict=True))

    def _require(self, catalog: _Catalog, profile_id: str) -> None:
        if profile_id not in catalog.recommender.row_of_:
            raise NotFoundError(f"no organisation with id {profile_id!r} in {self.workspace.root}")


def _cordis_table(folder: Path, stem: str) -> Path:
    for suffix in (".json", ".csv"):
        if (folder / f"{stem}{suffix}").exists():
            return folder / f"{stem}{suffix}"
    raise MatcherError(f"no {stem}.json or {stem}.csv in {folder}")


MAX_K = 10_000
"""The largest number of results one call returns."""

MAX_SEARCH_CHARS = 2_000
"""The longest search text: a paragraph, about two windows of the encoder (which chunks longer text rather than cut
it), so a longer query costs encoding time in proportion (1 MB took a minute) and is no search any more."""


def _check_k(k: int) -> None:
    if not 0 <= k <= MAX_K:
        raise ValueError(f"k must be between 0 and {MAX_K}, got {k}")
