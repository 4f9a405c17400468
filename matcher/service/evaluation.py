"""Evaluation and learning: measure the ranking against baselines, and train a re-ranker by time.

Example:
    >>> evaluation = Evaluation(Context("/tmp/doc-eval"))
    >>> result = evaluation.evaluate("demo")     # doctest: +SKIP
    >>> result.methods[0]                        # doctest: +SKIP
    'matcher'
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

from ..catalogue import CrossCity
from ..errors import InputError
from ..evaluate import EvaluationResult, Fold, RecommenderRanker, baselines, cordis_folds, evaluate, split_partnerships
from ..evaluate_search import MAX_SEARCH_CASES, SearchEvaluation, score_searches, search_cases
from ..learn import LearnedScorer, NoTimeSplitError, TrainResult, preferred_scorer, time_windows
from ..learn import save as save_model
from ..learn import train as train_model
from ..readers import RowProblem, read_table
from ..resources import demo_file
from .context import Context
from .importing import Importer
from .matching import Matching, check_k

__all__ = ["Evaluation", "EvaluationData"]

logger = logging.getLogger(__name__)

EvaluationData = Literal["store", "demo", "synthetic", "cordis"]


class Evaluation:
    """Measures and trains the ranking of one workspace.

    Args:
        context: The workspace.
    """

    def __init__(self, context: Context) -> None:
        self.context = context

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
            InputError: ``store`` on a workspace with a CORDIS import (use ``cordis``), or ``cordis`` without
                ``cordis_dir``.
        """
        ctx = self.context
        reading = ctx.ranking_options()  # the product as the workspace serves it
        methods = [RecommenderRanker(**reading), *baselines(seed)]
        learned = self.learned_scorer()
        if learned is not None:
            methods.insert(1, RecommenderRanker(learned, name="matcher (learned)", **reading))
        options: dict[str, Any] = {"max_queries": max_queries, "cross_city": cross_city, "seed": seed}
        if dataset == "cordis":
            if cordis_dir is None:
                raise InputError("evaluating on CORDIS needs the folder with organization.json and project.json")
            from ..cordis import read_cordis

            folder = Path(cordis_dir)
            tables = [_cordis_table(folder, stem) for stem in ("organization", "project")]
            folds = cordis_folds(*read_cordis(*tables), ctx.vectors)
            protocol = f"leave-one-project-out, {len(folds)} projects held out in turn"
            return evaluate(folds, methods, dataset=f"CORDIS ({folder.name})", protocol=protocol, **options)
        if dataset == "synthetic":
            from ..synthetic import generate

            data = generate(synthetic_n, seed=seed)
            truth = data.truth[["source_id", "target_id"]]
            fold = Fold(data.profiles, ctx.vectors(data.profiles), data.partnerships, truth)
            protocol = "history = generated partnerships, truth = planted pairs (each fits the other both ways)"
            return evaluate(fold, methods, dataset=f"synthetic n={synthetic_n}", protocol=protocol, **options)
        if dataset == "demo":
            # Its own SQLite workspace inside this one, whatever store this workspace uses; the same settings else.
            home = ctx.workspace.root / "evaluation-demo"
            settings = ctx.settings.model_copy(update={"home": home, "database_url": None})
            demo = Context(home, encoder=ctx.encoder, settings=settings)
            if demo.store.stats()["profiles"] == 0:
                importer = Importer(demo)
                with demo_file("profiles.csv") as profiles, demo_file("partnerships.csv") as partnerships:
                    importer.profiles(profiles)
                    importer.partnerships(partnerships)
            return Evaluation(demo).evaluate("store", year=2021 if year is None else year, **options)
        if dataset != "store":
            raise InputError(f"unknown data set {dataset!r}; use store, demo, synthetic or cordis")
        self._refuse_texts_written_from_partnerships("its scores would be inflated")
        profiles = ctx.store.profiles()
        split = split_partnerships(ctx.store.partnerships(), year=year, seed=seed)
        fold = Fold.from_split(profiles, ctx.vectors(profiles), split)
        return evaluate(fold, methods, dataset=str(ctx.workspace.root), **options)

    def evaluate_searches(self, path: Path | str, matching: Matching, *, k: int = 5) -> SearchEvaluation:
        """Search quality on a table of labelled searches (:mod:`matcher.evaluate_search`): each row's text is
        searched as a user would (:meth:`Matching.search <matcher.service.matching.Matching.search>`, no filters)
        and scored by where its expected organisations come.

        Args:
            path: A CSV, TSV, JSON, JSONL or XLSX table (:func:`matcher.readers.read_table`) of at most
                :data:`~matcher.evaluate_search.MAX_SEARCH_CASES` searches, with ``text`` and ``expected_ids``.
            matching: The search to measure.
            k: How many results count as found.

        Raises:
            InputError: The file cannot be read, lacks a needed column, holds more searches than the limit, or
                ``k`` is out of range.
        """
        check_k(k)
        read = read_table(path, max_rows=MAX_SEARCH_CASES)
        # A row's language, when not given, is the one the search reads it in (a German keyword search is German).
        cases, problems = search_cases(
            read.frame, self.context.store.profile_ids(), lambda text: matching.read_search(text).language
        )
        run, shown = [], []
        for case in cases:
            try:
                shown.append([hit.id for hit in matching.search(case.text, k=k)])
            except InputError as refused:  # a text the search refuses (too long) is reported, not fatal
                problems.append(RowProblem(case.row, str(refused), case.query_id))
                continue
            run.append(case)
        logger.info("ran %d labelled searches from %s", len(run), path)
        notes = [*read.notes, *(warning.reason for warning in read.warnings)]
        return score_searches(run, shown, k=k, problems=[*read.problems, *problems], notes=notes)

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
            InputError: The workspace holds a CORDIS import (its texts give the held-out links away), or its
                partnerships cannot be split by time (no years, or fewer than three dated years).
        """
        ctx = self.context
        self._refuse_texts_written_from_partnerships("a re-ranker would learn that leak and seem to win")
        partnerships = ctx.store.partnerships()
        try:
            time_windows(partnerships, year)  # refuses before anything is encoded
            profiles = ctx.store.profiles()
            result = train_model(
                profiles,
                ctx.vectors(profiles),
                partnerships,
                ctx.store.feedback(),
                year=year,
                model=model,
                dataset=str(ctx.workspace.root),
                options=ctx.ranking_options(),
            )
        except NoTimeSplitError as untimed:
            raise InputError(f"cannot train a re-ranker: {untimed}") from None
        return result, save_model(result, ctx.workspace.models_dir, name)

    def learned_scorer(self) -> LearnedScorer | None:
        """The re-ranker that serves this workspace's recommendations, or None when the weighted scorer does.

        A re-ranker trained here serves only when its card says it beat the weighted scorer, and never on a
        workspace holding a CORDIS import: a model trained there (before `matcher train` refused it, or before
        the import) learnt that the texts give the links away, and its measured gain came from that leak.
        """
        scorer = preferred_scorer(self.context.workspace.models_dir)
        if scorer is not None and self._texts_written_from_partnerships():
            logger.warning("the workspace holds a CORDIS import: its re-ranker is not used, the weighted scorer is")
            return None
        return scorer

    def _texts_written_from_partnerships(self) -> bool:
        return bool((self.context.store.imports()["kind"] == "cordis").any())

    def _refuse_texts_written_from_partnerships(self, consequence: str) -> None:
        """Refuses a split of this workspace's partnerships when its texts were written from them.

        A CORDIS import writes each organisation's description from its projects and links every pair of a
        project's participants, so a partnership hidden by a split still stands in both profiles' texts.
        """
        if self._texts_written_from_partnerships():
            raise InputError(
                "this workspace holds a CORDIS import: its profile texts are written from the very projects that "
                f"link its organisations, so hiding partnerships cannot hide them from the texts and {consequence}. "
                "Measure on CORDIS data with `matcher evaluate --dataset cordis --cordis-dir FOLDER` "
                "(leave-one-project-out: each project in turn leaves the texts and the graph)."
            )


def _cordis_table(folder: Path, stem: str) -> Path:
    for suffix in (".json", ".csv"):
        if (folder / f"{stem}{suffix}").exists():
            return folder / f"{stem}{suffix}"
    raise InputError(f"no {stem}.json or {stem}.csv in {folder}")
