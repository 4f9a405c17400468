"""The Python API: one :class:`Matcher` per workspace, used alike by the CLI, the app, the REST API and notebooks.

A Matcher is a facade over the application layer (:mod:`matcher.service`): it holds one
:class:`~matcher.service.context.Context` (the workspace's folder, store, encoder and settings) and the services
that work on it, and its methods hand each call to the service that owns it. The everyday calls (import, build,
search, recommend, evaluate) are methods; the rest is reached through the services themselves:
``m.curation`` (feedback, shortlists, notes), ``m.planning`` (delegation visits), ``m.admin`` (backups, accounts).

Example:
    >>> import tempfile
    >>> m = Matcher(home=tempfile.mkdtemp())
    >>> report = m.import_profiles("data/demo/profiles.csv")   # doctest: +SKIP
    >>> report.imported, len(report.rejected)                    # doctest: +SKIP
    (260, 0)
    >>> m.curation.shortlists().empty
    True
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from .bands import BandScale, Calibration, calibration_for
from .catalogue import CrossCity
from .config import Settings, Workspace
from .embed import Encoder, QueryReading, export_query_models
from .errors import MatcherError, NotFoundError
from .evaluate import EvaluationResult
from .evaluate_search import SearchEvaluation
from .filters import Filters
from .kinds import KindReader
from .learn import LearnedScorer, TrainResult
from .rank import Recommendations
from .schema import Facet, Profile
from .service.admin import Admin
from .service.alerts import Alerts
from .service.attraction import Attraction
from .service.context import BuildProgress, Context
from .service.curation import Curation
from .service.evaluation import Evaluation, EvaluationData
from .service.importing import Importer, ImportReport
from .service.indexing import BuildReport, Indexer
from .service.matching import MAX_K, MAX_SEARCH_CHARS, Matching, PairScores, SearchHit
from .service.meetings import Meetings
from .service.planning import Planning
from .service.profiles import Profiles
from .store import Store

__all__ = [
    "MAX_K",
    "MAX_SEARCH_CHARS",
    "BuildProgress",
    "BuildReport",
    "EvaluationData",
    "ImportReport",
    "Matcher",
    "MatcherError",
    "NotFoundError",
    "PairScores",
    "SearchHit",
]

logger = logging.getLogger(__name__)


class Matcher:
    """The matcher over one workspace folder.

    Args:
        home: The workspace folder; default ``$MATCHER_HOME`` or ``./.matcher``.
        encoder: ``minilm`` (default, or ``$MATCHER_ENCODER``), ``minilm-onnx``, a local
            sentence-transformers model folder, or an :class:`~matcher.embed.Encoder` already loaded.
        progress: Called as ``progress(facet, done, total)`` while a build encodes texts, the catch-up build
            that a search or recommendation starts after the store changed included (it can take minutes).
        settings: The settings to use instead of reading them (:meth:`matcher.config.Settings.load`).

    Attributes:
        context: The workspace's shared parts.
        importer, indexer, matching, curation, planning, evaluation, admin: The services
            (:mod:`matcher.service`).
        alerts: Saved searches, their alerts and deliveries (:class:`~matcher.service.alerts.Alerts`).
        attraction: Investment attraction for a city: cluster, leads, gaps, fit with each alliance city,
            strategy (:class:`~matcher.service.attraction.Attraction`).
    """

    def __init__(
        self,
        home: Path | str | None = None,
        *,
        encoder: str | Encoder | None = None,
        progress: BuildProgress | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.context = Context(home, encoder=encoder, progress=progress, settings=settings)
        self.importer = Importer(self.context)
        self.evaluation = Evaluation(self.context)
        self.indexer = Indexer(self.context, scorer=self.evaluation.learned_scorer)
        self.matching = Matching(self.context, self.indexer)
        self.curation = Curation(self.context)
        self.planning = Planning(self.matching)
        self.admin = Admin(self.context)
        self.profile_edits = Profiles(self.context)
        self.meetings = Meetings(self.context)
        self.alerts = Alerts(self.context, self.matching)
        self.attraction = Attraction(self.context, self.matching)

    @property
    def settings(self) -> Settings:
        """The settings in force."""
        return self.context.settings

    @property
    def workspace(self) -> Workspace:
        """Paths inside the workspace (created on first use)."""
        return self.context.workspace

    @property
    def store(self) -> Store:
        """The store (for tests and the services; front ends go through the methods and services)."""
        return self.context.store

    @property
    def encoder(self) -> Encoder:
        """The text encoder (its model loads on the first ``encode``)."""
        return self.context.encoder

    @property
    def calibration(self) -> Calibration:
        """The score bands and reason thresholds of the encoder the index was built with (brings the index in step
        with the store first, as a search does): what searches' and recommendations' bands are measured against."""
        return self.matching.calibration

    def search_bands(self, text: str) -> BandScale:
        """The bands a search for ``text`` is read with (:meth:`Matching.search_bands
        <matcher.service.matching.Matching.search_bands>`): a search not in English may be scored by another model."""
        return self.matching.search_bands(text)

    def read_search(self, text: str) -> QueryReading:
        """How a search for ``text`` is read (:meth:`Matching.read_search
        <matcher.service.matching.Matching.read_search>`): its language, the model that scores it, and the English
        keywords the glossary read a Korean, German or Spanish search as."""
        return self.matching.read_search(text)

    # Import -------------------------------------------------------------------------------------------------

    def import_profiles(self, path: Path | str) -> ImportReport:
        """Imports a profiles file (see :meth:`Importer.profiles <matcher.service.importing.Importer.profiles>`)."""
        return self.importer.profiles(path)

    def import_partnerships(self, path: Path | str) -> ImportReport:
        """Imports a partnerships file; both ends must already be in the store."""
        return self.importer.partnerships(path)

    def import_cordis(self, organizations: Path | str, projects: Path | str) -> ImportReport:
        """Imports CORDIS organisation and project tables as profiles and co-participation partnerships."""
        return self.importer.cordis(organizations, projects)

    # Read ---------------------------------------------------------------------------------------------------

    def profile(self, profile_id: str) -> Profile:
        """Returns one profile.

        Raises:
            NotFoundError: No profile has this id.
        """
        return self.context.profile(profile_id)

    def profiles(self, filters: Filters | None = None, *, limit: int | None = None) -> pd.DataFrame:
        """Profiles passing ``filters``, sorted by id."""
        filters = filters or Filters()
        frame = self.store.profiles(
            city=filters.city, country=filters.country, org_type=filters.org_type, sector=filters.sector
        )
        frame = frame[filters.mask(frame)].reset_index(drop=True)
        return frame if limit is None else frame.head(limit)

    def profile_ids(self) -> set[str]:
        """The ids of every stored profile."""
        return self.store.profile_ids()

    def partnerships(self, profile_id: str | None = None) -> pd.DataFrame:
        """Known partnerships, all or one organisation's."""
        return self.store.partnerships(None if profile_id is None else [profile_id])

    def stats(self) -> dict[str, Any]:
        """Counts of what the workspace holds, and how it reads texts: the encoder it is set to (``encoder``), the one
        its indexes were built with (``index_model``, None before a build) and the calibration entry its scores are
        read with (``calibration``, :func:`matcher.bands.calibration_for`), and the entries per language that the
        workspace's own glossary tables add (``glossary_entries``), and the kind words its ``kinds.toml`` adds
        (``kind_words``)."""
        built, setting = self.indexer.built_with(), self.context.encoder_setting
        encoder = setting if isinstance(setting, str) else setting.name
        reading = {"encoder": encoder, "index_model": built, "calibration": calibration_for(built or encoder).encoder}
        entries = {language: len(table) for language, table in self.context.glossary_tables.items()}
        kind_words = len(self.context.kind_reader.phrases) - len(KindReader.packaged().phrases)
        return {**self.store.stats(), **reading, "glossary_entries": entries, "kind_words": kind_words}

    def version(self) -> int:
        """The store's version: it changes whenever profiles or partnerships change (for caches keyed on it)."""
        return self.store.version()

    def close(self) -> None:
        """Closes the store's connections (a long-lived process that is done with this workspace)."""
        self.store.close()

    # Index, search and recommend ----------------------------------------------------------------------------

    def build(self, *, full: bool = False, progress: BuildProgress | None = None) -> BuildReport:
        """Brings the vector indexes in step with the store, embedding only what changed
        (:meth:`Indexer.build <matcher.service.indexing.Indexer.build>`)."""
        return self.indexer.build(full=full, progress=progress)

    def export_query_models(self, *, load: bool = True) -> list[Path]:
        """Keeps a float32 ONNX copy of the encoder's PyTorch model (MiniLM, alone or in the default blend) in the
        workspace's models folder, once, so that later processes encode searches without importing torch
        (:func:`matcher.embed.export_query_models`): ``matcher build`` calls it, and a ``matcher search`` that loaded
        torch's model calls it with ``load=False``.

        Returns:
            The files written now.
        """
        return export_query_models(self.context.encoder, load=load)

    def search(
        self,
        text: str,
        *,
        k: int = 10,
        filters: Filters | None = None,
        facets: Sequence[Facet] = ("profile", "offers"),
        kinds_first: bool = True,
    ) -> list[SearchHit]:
        """Free-text search (:meth:`Matching.search <matcher.service.matching.Matching.search>`)."""
        return self.matching.search(text, k=k, filters=filters, facets=facets, kinds_first=kinds_first)

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
        """Partners in other cities that fit both ways, with the reasons
        (:meth:`Matching.recommend <matcher.service.matching.Matching.recommend>`).

        Raises:
            NotFoundError: ``query`` is an id that is not in the store.
        """
        return self.matching.recommend(
            query,
            k=k,
            filters=filters,
            include_partners=include_partners,
            include_competitors=include_competitors,
            cross_city=cross_city,
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
        """Recommendations for many organisations at once, with an exposure cap across the lists
        (:meth:`Matching.recommend_many <matcher.service.matching.Matching.recommend_many>`).

        Example:
            >>> lists = m.recommend_many(["dj-bio-001", "ca-tech-001"], k=5, explain=False)  # doctest: +SKIP
            >>> [len(recs.results) for recs in lists]                                      # doctest: +SKIP
            [5, 5]
        """
        return self.matching.recommend_many(
            ids,
            k=k,
            filters=filters,
            include_partners=include_partners,
            include_competitors=include_competitors,
            cross_city=cross_city,
            exposure_cap=exposure_cap,
            explain=explain,
        )

    def pair_scores(self, askers: Sequence[str], candidates: Sequence[str]) -> PairScores:
        """Scores every asker with every candidate, both ways, as the ranking would; dismissed pairs score 0.

        Example:
            >>> pairs = m.pair_scores(["dj-bio-001"], ["ma-bio-001", "do-tech-001"])  # doctest: +SKIP
            >>> pairs.score.shape                                                     # doctest: +SKIP
            (1, 2)
        """
        return self.matching.pair_scores(askers, candidates)

    def explain_pairs(self, asker: str, candidates: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The reasons the ranking gives for ``asker`` with each of ``candidates``, strongest first."""
        return self.matching.explain_pairs(asker, candidates)

    def similar(self, query: str | Profile, *, k: int = 10, filters: Filters | None = None) -> Recommendations:
        """Organisations like this one in other cities (peers, not partners)."""
        return self.matching.similar(query, k=k, filters=filters)

    def dismissed(self, asker_id: str) -> set[str]:
        """Candidates whose latest feedback from this asker is "not relevant"."""
        return self.matching.dismissed(asker_id)

    # Evaluate and learn -------------------------------------------------------------------------------------

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
        """Link prediction against the baselines
        (:meth:`Evaluation.evaluate <matcher.service.evaluation.Evaluation.evaluate>`)."""
        return self.evaluation.evaluate(
            dataset,
            year=year,
            max_queries=max_queries,
            cross_city=cross_city,
            synthetic_n=synthetic_n,
            cordis_dir=cordis_dir,
            seed=seed,
        )

    def evaluate_searches(self, path: Path | str, *, k: int = 5) -> SearchEvaluation:
        """Search quality on a table of labelled searches, per language
        (:meth:`Evaluation.evaluate_searches <matcher.service.evaluation.Evaluation.evaluate_searches>`).

        Example:
            >>> Matcher(home).evaluate_searches("my_searches.csv", k=5).summary()   # doctest: +SKIP
        """
        return self.evaluation.evaluate_searches(path, self.matching, k=k)

    def train(
        self,
        *,
        year: int | None = None,
        model: Literal["logistic", "lambdarank"] = "logistic",
        name: str = "reranker",
    ) -> tuple[TrainResult, dict[str, Path]]:
        """Learns a re-ranker by time (:meth:`Evaluation.train <matcher.service.evaluation.Evaluation.train>`);
        the next recommendation uses it if it beat the weighted scorer."""
        trained = self.evaluation.train(year=year, model=model, name=name)
        self.indexer.forget()
        return trained

    @property
    def learned_scorer(self) -> LearnedScorer | None:
        """The re-ranker that serves this workspace's recommendations, or None when the weighted scorer does.

        Example:
            >>> Matcher(home).learned_scorer is None        # doctest: +SKIP
            True
        """
        return self.evaluation.learned_scorer()
