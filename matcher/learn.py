"""The learned re-ranker: a model over the partner graph's time-safe features, trained by time from the
workspace's own history, adopted only when it beats the weighted scorer on a year it never saw, saved with skops.

Training (:func:`train`) never splits pairs at random: on co-participation data the partners of one project form
a clique, so a hidden pair is predicted from the other pairs of its own project and a model that learns that leak
looks excellent and fails in use. Instead, with ``Y`` the years of the dated partnerships:

- a *window* ``T`` is one year of ``Y``: the recommender is fitted on the partnerships dated before ``T`` only,
  its channels propose candidates for the organisations that formed new partnerships in ``T``, and those new
  partnerships are the positives (:func:`window_data`): the pairs a model learns from are the pairs it will
  re-rank;
- the candidate model learns from the windows before the latest year ``L`` and is compared with the weighted
  scorer on ``L`` (history before ``L``, truth the pairs new in ``L``), through the whole recommendation pipeline
  (:func:`matcher.evaluate.evaluate`);
- the shipped model learns from the latest windows, ``L`` included, and serves only if the candidate won.

A workspace whose partnerships carry no years cannot be trained on: :func:`train` says so and writes nothing.

Features (:data:`LEARNED_FEATURES`) are the graph's and the organisation types': profile texts are not among
them, because a profile is a snapshot written after the history it would be matched against. On the CORDIS
development set (profiles whose sectors and descriptions come from the projects of all years), programme-area
similarity took the largest weight when learnt from earlier years and cut recall@10 on the later ones from 0.068
to 0.056 (bench/RESULTS.md). Organisations without a history are scored by the weighted scorer, which reads the
texts (cold start: see :class:`LearnedScorer`).

Feedback (``relevant``, ``contacted``, ``meeting``, ``agreement`` positive, ``not_relevant`` negative) joins the
training pairs; the later part of it measures the model by AUC.

Example:
    >>> result = train(profiles, vectors, partnerships, feedback)          # doctest: +SKIP
    >>> paths = save(result, Path("models"))                               # doctest: +SKIP
    >>> Recommender(scorer=preferred_scorer(Path("models"))).fit(...)      # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .candidates import PartnerGraph, history_strength
from .catalogue import CrossCity
from .errors import InputError
from .evaluate import EvaluationResult, Fold, PopularityAdamicAdarRanker, Ranker, RecommenderRanker, evaluate
from .features import FEATURE_NAMES
from .rank import Recommender, Scorer, WeightedScorer, harmonic_mean, load_config, scaled_by_history

__all__ = [
    "FORMAT_VERSION",
    "LEARNED_FEATURES",
    "MIN_GAIN",
    "MIN_HELD_OUT_QUERIES",
    "NEGATIVE_LABELS",
    "POSITIVE_LABELS",
    "LearnedScorer",
    "NoTimeSplitError",
    "TrainResult",
    "TrainingData",
    "feedback_auc",
    "load_scorer",
    "preferred_scorer",
    "save",
    "served_weighted",
    "swap_sides",
    "time_windows",
    "train",
    "window_data",
]

logger = logging.getLogger(__name__)

POSITIVE_LABELS: tuple[str, ...] = ("relevant", "contacted", "meeting", "agreement")
NEGATIVE_LABELS: tuple[str, ...] = ("not_relevant",)
FORMAT_VERSION = 2
"""Version of the saved file layout (2: skops, calibration); :func:`load_scorer` refuses others."""

MIN_GAIN = 0.01
"""nDCG@10 a learned model must add over the weighted scorer before it replaces it: smaller gains are within the
noise of a few dozen held-out links, and a re-ranker that wins by noise would still change every list."""

MIN_HELD_OUT_QUERIES = 30
"""Organisations with new partnerships in the held-out year below which no verdict is drawn: on the demo's latest
year (4 such organisations) one hit more or less moves recall@10 by 0.25."""

LEARNED_FEATURES: tuple[str, ...] = (
    "adamic_adar_share",
    "three_step_links",
    "popularity",
    "recent_activity",
    "type_fit_for_query",
    "type_fit_for_candidate",
)
"""What the re-ranker reads: graph scores scaled per asker, popularity and recent activity scaled by the
catalogue's maximum (so a model learnt on two years of history reads five on the same scale), and the type fit."""

_TRUSTED_TYPES = frozenset({"collections.OrderedDict", "lightgbm.basic.Booster", "lightgbm.sklearn.LGBMRanker"})
"""Types a model file may hold beyond skops' defaults: anything else is refused before it is loaded."""

_SWAPS: tuple[tuple[str, str], ...] = (
    ("need_match", "offer_match"),
    ("need_profile_match", "offer_profile_match"),
    ("type_fit_for_query", "type_fit_for_candidate"),
)
"""Feature pairs that trade places when a pair is seen from the other side; the rest are symmetric (the
candidate's ``popularity`` stands in for the asker's, which the features do not hold)."""

Model = Literal["logistic", "lambdarank"]
MODELS: tuple[str, ...] = ("logistic", "lambdarank")


class NoTimeSplitError(InputError):
    """The partnerships cannot be split by time (no years, or too few), and any other split would leak."""


def swap_sides(features: pd.DataFrame) -> pd.DataFrame:
    """The same pairs seen from the candidate's side: directional features trade places.

    Example:
        >>> swap_sides(pd.DataFrame({"need_match": [0.9], "offer_match": [0.1]})).to_dict("list")
        {'need_match': [0.1], 'offer_match': [0.9]}
    """
    renames = {}
    for a, b in _SWAPS:
        if a in features.columns and b in features.columns:
            renames.update({a: b, b: a})
    return features.rename(columns=renames)[list(features.columns)]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50.0, 50.0)))


class LearnedScorer:
    """A fitted model as a :class:`~matcher.rank.Scorer`.

    The fit for the asker is the calibrated probability that the pair forms (among the pairs the channels
    propose), read from the model's raw score through ``sigmoid(slope * raw + intercept)``; the fit for the
    candidate is the same for the pair seen from the candidate's side (:func:`swap_sides`); the ranking score is
    their harmonic mean, as for the weighted scorer.

    Cold start: when no candidate of the frame shares a partner with the asker (``common_partners`` and
    ``adamic_adar`` all zero: a newcomer, or an asker typed in), the frame is scored by the ``prior`` (the
    weighted scorer), which matches a newcomer on what it needs and offers.

    Args:
        model: A fitted scikit-learn classifier (``decision_function``) or LightGBM ranker (``predict``).
        features: The feature columns it was trained on, in order.
        calibration: ``(slope, intercept)`` from raw score to log-odds; ``(1, 0)`` for a logistic regression.
        prior: The cold-start scorer; None for the packaged :class:`~matcher.rank.WeightedScorer`.
        name: Shown in logs and cards.

    Example:
        >>> from sklearn.linear_model import LogisticRegression
        >>> x = pd.DataFrame({"adamic_adar": [0.0, 1.0, 0.1, 0.9], "popularity": [0.0, 1.0, 0.2, 0.8]})
        >>> scorer = LearnedScorer(LogisticRegression().fit(x, [0, 1, 0, 1]), ("adamic_adar", "popularity"))
        >>> q, c = scorer.score(x)
        >>> bool(q[1] > q[0])
        True
    """

    def __init__(
        self,
        model: Any,
        features: Sequence[str] = LEARNED_FEATURES,
        *,
        calibration: tuple[float, float] = (1.0, 0.0),
        prior: Scorer | None = None,
        name: str = "learned",
    ) -> None:
        self.model = model
        self.features = tuple(features)
        self.calibration = calibration
        self.prior = prior
        self.name = name

    @property
    def prior_(self) -> Scorer:
        """The cold-start scorer (the packaged weighted scorer unless given)."""
        if self.prior is None:
            self.prior = WeightedScorer()
        return self.prior

    def _matrix(self, features: pd.DataFrame) -> np.ndarray:
        missing = [c for c in self.features if c not in features.columns]
        if missing:
            raise ValueError(f"features lack the columns {missing} the {self.name} scorer was trained on")
        return features[list(self.features)].to_numpy(dtype=float)

    def raw(self, features: pd.DataFrame) -> np.ndarray:
        """The model's uncalibrated score per row (higher is a likelier pair)."""
        x = self._matrix(features)
        if not len(x):
            return np.zeros(0)
        if hasattr(self.model, "decision_function"):
            return np.asarray(self.model.decision_function(x), dtype=float)
        return np.asarray(self.model.predict(x), dtype=float)

    def _proba(self, features: pd.DataFrame) -> np.ndarray:
        slope, intercept = self.calibration
        return _sigmoid(slope * self.raw(features) + intercept)

    def score(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Fit for the asker and fit for the candidate, in [0, 1]."""
        if self.cold(features):
            return self.prior_.score(features)
        return self._proba(features), self._proba(swap_sides(features))

    @staticmethod
    def cold(features: pd.DataFrame) -> bool:
        """Whether the frame carries no graph signal: no candidate shares a partner with the asker."""
        graph = [c for c in ("common_partners", "adamic_adar") if c in features.columns]
        return not features[graph].to_numpy().any()

    def _terms(self, x: np.ndarray) -> np.ndarray:
        """Each feature's additive part of the raw score: ``coef * x`` for a linear model, SHAP values for trees."""
        coef = getattr(self.model, "coef_", None)
        if coef is not None:
            return x * np.asarray(coef, dtype=float).ravel()
        return np.asarray(self.model.predict(x, pred_contrib=True), dtype=float)[:, :-1]

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        """The score split among the features in proportion to their positive parts of the raw score (both
        directions pooled); a cold frame gets the prior's contributions."""
        if self.cold(features):
            return self.prior_.contributions(features)
        if features.empty:
            return pd.DataFrame(index=features.index)
        # Positive parts of both directions' raw scores, pooled: the shares add up to the score wherever any
        # feature raised it (a row whose parts are all negative is attributed nothing).
        terms = sum(np.clip(self._terms(self._matrix(side)), 0.0, None) for side in (features, swap_sides(features)))
        total = terms.sum(axis=1, keepdims=True)
        score = harmonic_mean(*self.score(features))
        shares = np.divide(terms, total, out=np.zeros_like(terms), where=total > 0) * score[:, None]
        return pd.DataFrame(shares, columns=list(self.features), index=features.index)


# ----------------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class TrainingData:
    """Labelled pairs for the re-ranker, grouped by asker (each asker's rows are contiguous).

    Attributes:
        features: One row per pair, columns :data:`~matcher.features.FEATURE_NAMES`.
        label: 1 for a positive, 0 for a negative, aligned with ``features``.
        query: The asker of each pair.
        source: ``"partnership"`` or ``"feedback"`` per pair.
    """

    features: pd.DataFrame
    label: np.ndarray
    query: np.ndarray
    source: np.ndarray

    @classmethod
    def concat(cls, parts: Sequence[TrainingData]) -> TrainingData:
        """All parts, one after the other."""
        parts = [p for p in parts if len(p.label)]
        if not parts:
            return cls(
                pd.DataFrame(columns=list(FEATURE_NAMES)), np.zeros(0, int), np.zeros(0, object), np.zeros(0, object)
            )
        return cls(
            pd.concat([p.features for p in parts], ignore_index=True),
            np.concatenate([p.label for p in parts]),
            np.concatenate([p.query for p in parts]),
            np.concatenate([p.source for p in parts]),
        )

    def groups(self) -> np.ndarray:
        """Sizes of the runs of one asker, in order (the ``group`` of a learning-to-rank model)."""
        if not len(self.query):
            return np.zeros(0, np.int64)
        starts = np.r_[0, np.flatnonzero(self.query[1:] != self.query[:-1]) + 1, len(self.query)]
        return np.diff(starts)


def _feedback_labels(feedback: pd.DataFrame | None) -> pd.DataFrame:
    """The latest label per (asker, candidate), as 1/0; unknown labels, and dismissals their author took back
    (``restored_at`` set), are left out."""
    if feedback is None or feedback.empty:
        return pd.DataFrame(columns=["asker_id", "candidate_id", "label"])
    frame = feedback[feedback["restored_at"].isna()] if "restored_at" in feedback else feedback.copy()
    if "created_at" in frame:
        frame = frame.sort_values("created_at", kind="stable")
    frame = frame.drop_duplicates(["asker_id", "candidate_id"], keep="last")
    value = frame["label"].map({**dict.fromkeys(POSITIVE_LABELS, 1), **dict.fromkeys(NEGATIVE_LABELS, 0)})
    frame = frame.assign(label=value)[value.notna()]
    return frame.assign(label=frame["label"].astype(int))[["asker_id", "candidate_id", "label"]]


def window_data(
    recommender: Recommender,
    positives: pd.DataFrame,
    *,
    max_queries: int | None = 1000,
    k: int = 10,
    seed: int = 0,
) -> TrainingData:
    """One window's labelled pairs: the candidates the recommender's channels propose for the organisations of
    ``positives``, labelled 1 where the pair is in ``positives``.

    Args:
        recommender: Fitted on the catalogue and the partnerships *before* the window only.
        positives: The window's new partnerships (``source_id``, ``target_id``), read from both sides.
        max_queries: Askers used at most (a seeded sample), to bound the time.
        k: The list length the pools are drawn for.
        seed: Seed of the sample.

    Returns:
        The pairs of the askers whose pool holds at least one positive (the others teach a ranker nothing).
        Askers and candidates without a partnership before the window are left out: the learned scorer serves
        only askers with a history (the others get the weighted scorer), and a catalogue is not dated, so in a
        past window most organisations without a history had not appeared yet (on the CORDIS development set,
        keeping them taught the model that popularity does not matter, and it lost 0.009 nDCG@10 on the next year).
    """
    row_of = recommender.row_of_
    known = recommender.graph_.degree_ > 0
    linked: dict[str, set[str]] = {}
    for a, b in zip(positives["source_id"].astype(str), positives["target_id"].astype(str), strict=True):
        if a in row_of and b in row_of and a != b and known[row_of[a]] and known[row_of[b]]:
            linked.setdefault(a, set()).add(b)
            linked.setdefault(b, set()).add(a)
    queries = sorted(linked)
    if max_queries is not None and len(queries) > max_queries:
        rng = np.random.default_rng(seed)
        queries = sorted(rng.choice(queries, size=max_queries, replace=False).tolist())
    parts = []
    for found in recommender.candidate_features(queries, k):
        keep = known[found.pool.rows]
        label = np.isin(np.asarray(found.ids, dtype=object)[keep], list(linked[found.query])).astype(int)
        if label.any():
            parts.append(_part(found.features[keep], label, found.query, "partnership"))
    data = TrainingData.concat(parts)
    logger.info("window: %d askers, %d pairs, %d positive", len(parts), len(data.label), int(data.label.sum()))
    return data


def _feedback_data(recommender: Recommender, feedback: pd.DataFrame | None) -> TrainingData:
    """Feedback labels as training pairs, with the features the recommender gives them."""
    labels = _feedback_labels(feedback)
    known = labels["asker_id"].isin(recommender.row_of_) & labels["candidate_id"].isin(recommender.row_of_)
    if (~known).any():
        logger.info("training data: %d feedback rows name organisations not in the catalogue", int((~known).sum()))
    parts = []
    for asker, group in labels[known].groupby("asker_id", sort=True):
        frame = recommender.features_for(str(asker), group["candidate_id"].astype(str).tolist())
        parts.append(_part(frame, group["label"].to_numpy(dtype=int), str(asker), "feedback"))
    return TrainingData.concat(parts)


def _part(frame: pd.DataFrame, label: np.ndarray, query: str, source: str) -> TrainingData:
    n = len(label)
    return TrainingData(
        frame.reset_index(drop=True)[list(FEATURE_NAMES)],
        label,
        np.full(n, query, dtype=object),
        np.full(n, source, dtype=object),
    )


def _fit(data: TrainingData, model: Model, seed: int) -> LearnedScorer:
    """Fits the model on ``data``; a ranker's raw scores are then calibrated to probabilities (Platt)."""
    if len(np.unique(data.label)) < 2:
        raise ValueError(
            f"training needs positives and negatives; got {len(data.label)} pairs, {int(data.label.sum())} positive "
            "(too few new partnerships in the training years, or no feedback)"
        )
    from sklearn.linear_model import LogisticRegression

    x = data.features[list(LEARNED_FEATURES)].to_numpy(dtype=float)
    if model == "logistic":
        # Pointwise and linear: on the development set it carried over from earlier years to later ones better
        # than lambdarank trees (bench/RESULTS.md), and its probabilities need no further calibration.
        return LearnedScorer(LogisticRegression(C=1.0, max_iter=2000).fit(x, data.label), name="learned-logistic")
    if model != "lambdarank":
        raise InputError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    from lightgbm import LGBMRanker

    ranker = LGBMRanker(
        objective="lambdarank",
        n_estimators=200,
        learning_rate=0.05,
        num_leaves=15,
        min_child_samples=200,
        subsample=0.8,
        subsample_freq=1,
        reg_lambda=10.0,
        random_state=seed,
        verbose=-1,
    ).fit(x, data.label, group=data.groups())
    raw = np.asarray(ranker.predict(x), dtype=float)
    platt = LogisticRegression(C=1.0, max_iter=1000).fit(raw[:, None], data.label)
    calibration = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))
    return LearnedScorer(ranker, calibration=calibration, name="learned-lambdarank")


def feedback_auc(recommender: Recommender, scorer: Scorer, feedback: pd.DataFrame) -> float | None:
    """ROC AUC of the ranking score on feedback labels (positive vs ``not_relevant``); None without both kinds.

    Example:
        >>> feedback_auc(rec, WeightedScorer(), later_feedback)  # doctest: +SKIP
        0.71
    """
    from sklearn.metrics import roc_auc_score

    labels = _feedback_labels(feedback)
    labels = labels[labels["asker_id"].isin(recommender.row_of_) & labels["candidate_id"].isin(recommender.row_of_)]
    if labels["label"].nunique() < 2:
        return None
    scores, truth = [], []
    for asker, group in labels.groupby("asker_id", sort=True):
        frame = recommender.features_for(str(asker), group["candidate_id"].astype(str).tolist())
        scores.append(harmonic_mean(*scorer.score(frame)))
        truth.append(group["label"].to_numpy())
    return float(roc_auc_score(np.concatenate(truth), np.concatenate(scores)))


# ----------------------------------------------------------------------------------------------------- train


@dataclass
class TrainResult:
    """A trained re-ranker and what was measured.

    Attributes:
        scorer: The shipped scorer, learnt from the latest windows.
        evaluation: Weighted against learned (learnt before the held-out year) on the held-out year.
        card: The model card as a JSON-ready dict (see :func:`save`).
    """

    scorer: LearnedScorer
    evaluation: EvaluationResult
    card: dict[str, Any]

    @property
    def beats_weighted(self) -> bool:
        """Whether the learned scorer beat the weighted one on the held-out year (see the card's ``rule``)."""
        return bool(self.card["beats_weighted"])


def _split_feedback(feedback: pd.DataFrame | None, test_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Earlier feedback to learn from, the latest ``test_share`` to measure on (all learnt without dates)."""
    if feedback is None or feedback.empty:
        empty = pd.DataFrame(columns=["asker_id", "candidate_id", "label", "created_at"])
        return empty, empty
    if "created_at" not in feedback or feedback["created_at"].isna().all():
        return feedback, feedback.iloc[0:0]
    ordered = feedback.sort_values("created_at", kind="stable")
    cut = round(len(ordered) * (1 - test_share))
    return ordered.iloc[:cut], ordered.iloc[cut:]


NO_YEARS = (
    "the partnerships have no years, so they cannot be split by time, and any other split leaks: the partners of "
    "one project or event form a clique, and a hidden pair is predicted from the other pairs of its own clique. "
    "Add a year column (the year each pair first worked together) and import the partnerships again; until then "
    "the weighted scorer serves."
)


def time_windows(partnerships: pd.DataFrame, year: int | None = None) -> tuple[pd.DataFrame, list[int], int]:
    """The dated partnerships, the training years and the held-out year of :func:`train`.

    Training years are the dated years after the first (each needs an earlier history) before the held-out one,
    which is ``year`` or the latest. Cheap: call it to refuse early, before encoding anything.

    Raises:
        NoTimeSplitError: No years, an unknown held-out year, or fewer than three dated years.

    Example:
        >>> frame = pd.DataFrame({"source_id": list("abc"), "target_id": list("bcd"), "year": [2014, 2015, 2016]})
        >>> time_windows(frame)[1:]
        ([2015], 2016)
    """
    years = pd.to_numeric(partnerships.get("year", pd.Series(np.nan, index=partnerships.index)), errors="coerce")
    if not years.notna().any():
        raise NoTimeSplitError(NO_YEARS)
    dated = partnerships[years.notna()].assign(year=years[years.notna()].astype(int))
    distinct = sorted(int(y) for y in dated["year"].unique())
    held_out = distinct[-1] if year is None else int(year)
    if held_out not in distinct:
        raise NoTimeSplitError(f"no partnership is dated {held_out}; dated years: {distinct[0]}-{distinct[-1]}")
    training = [y for y in distinct[1:] if y < held_out]
    if not training:
        raise NoTimeSplitError(
            "training needs partnerships from at least three years (a history, a year to learn from and a year to "
            f"measure on); the dated ones span {', '.join(map(str, distinct))}"
        )
    return dated, training, held_out


def train(
    profiles: pd.DataFrame,
    vectors: Mapping[str, np.ndarray],
    partnerships: pd.DataFrame,
    feedback: pd.DataFrame | None = None,
    *,
    year: int | None = None,
    windows: int = 2,
    test_share: float = 0.2,
    model: Model = "logistic",
    cross_city: CrossCity = "other_city",
    max_queries: int | None = 1000,
    eval_queries: int | None = 300,
    seed: int = 0,
    dataset: str = "",
    options: Mapping[str, Any] | None = None,
) -> TrainResult:
    """Trains the re-ranker by time, measures it against the weighted scorer on a year it never saw, and refits it
    on the latest years.

    Args:
        profiles: The catalogue.
        vectors: Per facet, unit vectors aligned with ``profiles``.
        partnerships: Known partnerships (``source_id``, ``target_id``, ``year``: the year a pair first worked
            together). Undated ones are left out of training (when they formed is unknown).
        feedback: The store's feedback frame (``asker_id``, ``candidate_id``, ``label``, ``created_at``), or None.
        year: The held-out year the adoption is decided on; None for the latest.
        windows: Training years used at most (the latest ones before the held-out year; for the shipped model,
            the latest ones up to it).
        test_share: Share of the latest feedback kept to measure on.
        model: ``"logistic"`` (default) or ``"lambdarank"`` (LightGBM, pairwise over each asker's pool).
        cross_city: The rule candidates follow.
        max_queries: Askers per training year (sampled, seeded).
        eval_queries: Askers scored in the held-out comparison (sampled, seeded); None for all.
        seed: Seed of every sample.
        dataset: Name recorded in the card.
        options: Further :class:`~matcher.rank.Recommender` arguments for every ranking fitted here (a workspace's
            ranking settings and its encoder's reading: ``config``, ``calibration``, ``english``).

    Raises:
        NoTimeSplitError: No years, or fewer than three dated years.
        ValueError: No positives or negatives to learn from, or bad parameters.
    """
    if windows < 1:
        raise ValueError(f"windows must be >= 1, got {windows!r}")
    dated, training, held_out = time_windows(partnerships, year)
    early_feedback, late_feedback = _split_feedback(feedback, test_share)
    window_options: dict[str, Any] = {"max_queries": max_queries, "seed": seed}
    options = dict(options or {})
    served: dict[str, Any] = {"cross_city": cross_city, **options}
    history = dated[dated["year"] < held_out]
    before_held_out = Recommender(**served).fit(profiles, vectors, history)
    windows_seen: dict[int, TrainingData] = {}

    def window(t: int) -> TrainingData:
        """Year ``t``'s pairs, built once: the candidate and the shipped model share their training years."""
        if t not in windows_seen:
            fitted = (
                before_held_out
                if t == held_out
                else Recommender(**served).fit(profiles, vectors, dated[dated["year"] < t])
            )
            windows_seen[t] = window_data(fitted, dated[dated["year"] == t], **window_options)
        return windows_seen[t]

    def learn(
        years_: Sequence[int], extra: pd.DataFrame | None, seen: Recommender | None
    ) -> tuple[LearnedScorer, TrainingData]:
        # Feedback pairs get the features of the history the model learns from: ``seen`` (None: all of it).
        parts = [window(t) for t in years_]
        if extra is not None and not extra.empty:
            seen = seen or Recommender(**served).fit(profiles, vectors, dated)
            parts.append(_feedback_data(seen, extra))
        data = TrainingData.concat(parts)
        return _fit(data, model, seed), data

    candidate, _ = learn(training[-windows:], early_feedback, before_held_out)
    weighted = served_weighted(profiles["id"], partnerships, options.get("config"))
    truth = dated[dated["year"] == held_out][["source_id", "target_id"]]
    fold = Fold(profiles, vectors, history, truth, name=f"history < {held_out}, truth = new in {held_out}")
    methods: list[Ranker] = [
        RecommenderRanker(weighted, name="weighted", **options),
        RecommenderRanker(candidate, name="learned", **options),
        PopularityAdamicAdarRanker(seed),
    ]
    evaluation = evaluate(
        fold, methods, cross_city=cross_city, dataset=dataset, protocol=fold.name, max_queries=eval_queries, seed=seed
    )
    auc = {
        "weighted": feedback_auc(before_held_out, weighted, late_feedback),
        "learned": feedback_auc(before_held_out, candidate, late_feedback),
    }
    shipped_years = [*training, held_out][-windows:]
    final, data = learn(shipped_years, feedback, None)
    card = _card(
        final,
        model,
        evaluation,
        auc,
        dataset=dataset,
        profiles=profiles,
        partnerships=partnerships,
        feedback=feedback,
        years={"candidate": training[-windows:], "held_out": held_out, "shipped": shipped_years},
        data=data,
        cross_city=cross_city,
    )
    logger.info("trained %s: beats weighted = %s", final.name, card["beats_weighted"])
    return TrainResult(scorer=final, evaluation=evaluation, card=card)


_RULE = (
    f"learned nDCG@10 >= weighted nDCG@10 + {MIN_GAIN} and learned recall@10 >= weighted recall@10 on the held-out year"
)


def _card(
    scorer: LearnedScorer,
    model: Model,
    evaluation: EvaluationResult,
    auc: Mapping[str, float | None],
    *,
    dataset: str,
    profiles: pd.DataFrame,
    partnerships: pd.DataFrame,
    feedback: pd.DataFrame | None,
    years: Mapping[str, Any],
    data: TrainingData,
    cross_city: str,
) -> dict[str, Any]:
    import sklearn

    table = evaluation.table
    gain = {
        metric: float(table.loc["learned", metric] - table.loc["weighted", metric])
        for metric in ("recall@10", "ndcg@10", "mrr", "coverage@10")
    }
    enough = evaluation.n_queries >= MIN_HELD_OUT_QUERIES
    beats = enough and gain["ndcg@10"] >= MIN_GAIN and gain["recall@10"] >= 0
    coef = getattr(scorer.model, "coef_", None)
    return {
        "format_version": FORMAT_VERSION,
        "name": scorer.name,
        "model": model,
        "estimator": repr(scorer.model),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
        "features": list(scorer.features),
        "calibration": list(scorer.calibration),
        "coefficients": None
        if coef is None
        else dict(zip(scorer.features, np.round(coef[0], 4).tolist(), strict=True)),
        "data": {
            "dataset": dataset,
            "profiles": len(profiles),
            "partnerships": len(partnerships),
            "feedback": 0 if feedback is None else len(feedback),
            "candidate_trained_on": f"new partnerships of {', '.join(map(str, years['candidate']))}",
            "measured_on": f"new partnerships of {years['held_out']} (history before it)",
            "shipped_trained_on": f"new partnerships of {', '.join(map(str, years['shipped']))}",
            "cross_city": cross_city,
            "training_pairs": len(data.label),
            "positives": int(data.label.sum()),
            "from_feedback": int((data.source == "feedback").sum()),
        },
        "metrics": evaluation.to_dict(),
        "feedback_auc": dict(auc),
        "gain": gain,
        "rule": _RULE,
        "held_out_queries": evaluation.n_queries,
        "too_few_to_tell": not enough,
        "beats_weighted": bool(beats),
    }


def served_weighted(ids: Sequence[str], partnerships: pd.DataFrame, config: Any = None) -> WeightedScorer:
    """The weighted scorer as it would serve a catalogue now, which :func:`train` measures a learned model against:
    its history-scaled weights (:func:`matcher.rank.scaled_by_history`) read the whole history's strength, not the
    shorter one before the held-out year (on the CORDIS development set 1.0 against 0.39; read at 0.39 it lost 2016
    to a learned model that then lost 2017-2018).

    Args:
        ids: The catalogue's ids.
        partnerships: The whole history.
        config: The ranking settings (:func:`matcher.rank.load_config`); None for the packaged ones.
    """
    strength = history_strength(PartnerGraph().fit(list(ids), partnerships).degree_)
    return WeightedScorer(scaled_by_history(load_config(config).weights, strength))


# ----------------------------------------------------------------------------------------------------- files


def save(result: TrainResult, directory: Path | str, name: str = "reranker") -> dict[str, Path]:
    """Writes ``<name>.skops`` (the model: data, never code), ``<name>.card.json`` and ``<name>.card.md``.

    Returns:
        The paths written, keyed ``model``, ``card_json``, ``card_md``.
    """
    import skops.io as sio

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "model": folder / f"{name}.skops",
        "card_json": folder / f"{name}.card.json",
        "card_md": folder / f"{name}.card.md",
    }
    payload = {
        "format_version": FORMAT_VERSION,
        "model": result.scorer.model,
        "features": list(result.scorer.features),
        "calibration": list(result.scorer.calibration),
        "name": result.scorer.name,
    }
    sio.dump(payload, paths["model"])
    paths["card_json"].write_text(json.dumps(result.card, indent=2) + "\n", encoding="utf-8")
    paths["card_md"].write_text(card_markdown(result.card, result.evaluation), encoding="utf-8")
    return paths


def card_markdown(card: Mapping[str, Any], evaluation: EvaluationResult | None = None) -> str:
    """The model card in Markdown: what the model is, what it was trained on, and how it compares."""
    data = card["data"]
    verdict = "beats" if card["beats_weighted"] else "does not beat"
    lines = [
        f"# Model card: {card['name']}",
        "",
        f"Re-ranker for Innopolis Matcher, created {card['created']} (scikit-learn {card['sklearn_version']}).",
        f"Estimator: `{card['estimator']}`; askers without graph signal (newcomers) are scored by the weighted scorer.",
        "",
        "## Verdict",
        "",
        f"The learned scorer **{verdict}** the weighted scorer (rule: {card['rule']}); the application uses it "
        "only if it does.",
        "",
        "Gain (learned minus weighted) on the held-out links: "
        + ", ".join(f"{k} {v:+.3f}" for k, v in card["gain"].items())
        + ".",
        "",
        "## Data",
        "",
        *(f"- {key.replace('_', ' ')}: {value}" for key, value in data.items()),
        "",
        "## Held-out comparison",
        "",
        "```",
        evaluation.to_text() if evaluation is not None else json.dumps(card["metrics"], indent=2),
        "```",
        "",
        f"Feedback ROC AUC on the latest feedback: {card['feedback_auc']}.",
        "",
        "## Features",
        "",
        ", ".join(card["features"]),
        "",
    ]
    if card.get("coefficients"):
        lines += [
            "Coefficients (logistic regression on features in [0, 1]):",
            "",
            *(f"- {k}: {v:+.3f}" for k, v in card["coefficients"].items()),
            "",
        ]
    lines += [
        "## Limits",
        "",
        "- Scores are probabilities that a pair forms within a year among the pairs the candidate channels propose,",
        "  calibrated on the training years; organisations without a history are scored by the weighted scorer.",
        "- The features are the partner graph's and the organisation types' only: profile texts are snapshots",
        "  written after the history, so a model learning them from earlier years learns a leak.",
        "- Trained on one catalogue's history; retrain after large imports or feedback (`matcher train`).",
        "- The file is skops data, never code: loading refuses any type outside a short allow-list.",
        "",
    ]
    return "\n".join(lines)


def load_scorer(path: Path | str) -> LearnedScorer:
    """Loads a scorer written by :func:`save` (the ``.skops`` file), refusing any type outside skops' defaults
    and :data:`_TRUSTED_TYPES`: a model file from a backup or a colleague is data, and is never run as code.

    Raises:
        FileNotFoundError: No such file.
        ValueError: An untrusted type, another format version, or features that differ from the ones the
            ranking computes now (retrain after the features change).
    """
    import skops.io as sio

    untrusted = set(sio.get_untrusted_types(file=Path(path)))
    unknown = sorted(untrusted - _TRUSTED_TYPES)
    if unknown:
        raise InputError(f"{path} holds types this tool does not load: {', '.join(unknown)}")
    try:
        payload = sio.load(Path(path), trusted=sorted(untrusted))
    except Exception as broken:  # skops raises several kinds for a damaged or foreign file
        raise InputError(f"{path} is not a readable re-ranker file ({broken}): retrain with `matcher train`") from None
    if not isinstance(payload, dict) or payload.get("format_version") != FORMAT_VERSION:
        raise InputError(f"{path} is not a re-ranker file of format {FORMAT_VERSION}: retrain with `matcher train`")
    features = tuple(payload["features"])
    if not set(features) <= set(FEATURE_NAMES):
        raise InputError(f"{path} was trained on other features than the ranking computes now: retrain it")
    slope, intercept = (float(v) for v in payload["calibration"])
    return LearnedScorer(payload["model"], features, calibration=(slope, intercept), name=str(payload["name"]))


def preferred_scorer(directory: Path | str, name: str = "reranker") -> LearnedScorer | None:
    """The learned scorer under ``directory`` when its card says it beat the weighted scorer, else None (use the
    weighted default). A missing, stale or unreadable model also gives None, with the reason logged; a model file
    of the old pickle format (``.joblib``) is never opened."""
    folder = Path(directory)
    card_path, model_path = folder / f"{name}.card.json", folder / f"{name}.skops"
    if (folder / f"{name}.joblib").exists() and not model_path.exists():
        logger.warning("%s is an old pickle re-ranker, which is never loaded: retrain with `matcher train`", folder)
    if not card_path.exists() or not model_path.exists():
        return None
    card = json.loads(card_path.read_text(encoding="utf-8"))
    if not card.get("beats_weighted"):
        logger.info("%s did not beat the weighted scorer: using the weighted scorer", model_path)
        return None
    try:
        return load_scorer(model_path)
    except ValueError as stale:
        logger.warning("%s; using the weighted scorer", stale)
        return None
