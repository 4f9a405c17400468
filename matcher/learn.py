"""The learned re-ranker: a scikit-learn model on the ranking features, trained from partnership history and
feedback, wrapped as a :class:`~matcher.rank.Scorer` and saved with a model card.

Training data (:func:`training_data`), time-respecting:

- positives: partnerships that started *after* the history the features are computed on (the recommender is
  fitted on the earlier links only, so graph features look as they would have looked before the link), read
  from both sides;
- negatives: per query, organisations drawn from the list the candidate channels would have proposed (the 100
  nearest by need-offer, offer-need and profile cosine), plus random ones from the rest of the catalogue,
  neither a partner nor a positive, under the same cross-city rule;
- feedback: ``relevant``, ``contacted``, ``meeting``, ``agreement`` are positives, ``not_relevant`` negatives
  (the latest label per asker and candidate).

:func:`train` splits twice: the history up to the evaluation cut (``split_partnerships``) is split again; the
model learnt on the inner split is compared with the weighted scorer on the held-out links (same queries, same
candidate sets, :func:`matcher.evaluate.evaluate`) and on the later feedback; then the shipped model is refit on
all the data. The card records the measured gain or loss and whether the learned scorer beat the weighted one;
:func:`preferred_scorer` returns it only then.

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

from .evaluate import EvaluationResult, Fold, RecommenderRanker, evaluate, split_partnerships
from .features import FEATURE_NAMES
from .rank import CrossCity, Recommender, Scorer, WeightedScorer, harmonic_mean

__all__ = [
    "FORMAT_VERSION",
    "NEGATIVE_LABELS",
    "POSITIVE_LABELS",
    "LearnedScorer",
    "TrainResult",
    "TrainingData",
    "feedback_auc",
    "load_scorer",
    "preferred_scorer",
    "save",
    "swap_sides",
    "train",
    "training_data",
]

logger = logging.getLogger(__name__)

POSITIVE_LABELS: tuple[str, ...] = ("relevant", "contacted", "meeting", "agreement")
NEGATIVE_LABELS: tuple[str, ...] = ("not_relevant",)
FORMAT_VERSION = 1

MIN_GAIN = 0.01
"""nDCG@10 a learned model must add over the weighted scorer before it replaces it: smaller gains are within the
noise of a few dozen held-out links, and a re-ranker that wins by noise would still change every list."""
"""Version of the saved file layout; :func:`load_scorer` refuses others."""

_SWAPS: tuple[tuple[str, str], ...] = (
    ("need_match", "offer_match"),
    ("need_profile_match", "offer_profile_match"),
    ("type_fit_for_query", "type_fit_for_candidate"),
)
"""Feature pairs that trade places when a pair is seen from the other side; the rest are symmetric (the
candidate's ``popularity`` stands in for the asker's, which the features do not hold)."""

Model = Literal["logistic", "hgb"]


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


class LearnedScorer:
    """A fitted scikit-learn classifier as a :class:`~matcher.rank.Scorer`.

    The fit for the asker is the model's link probability for the pair's features; the fit for the candidate is
    the same for the pair seen from the candidate's side (:func:`swap_sides`); the ranking score is their
    harmonic mean, as for the weighted scorer. Probabilities are relative (negatives were sampled), which is all
    a ranking needs.

    Cold start: when no candidate of the frame shares a partner with the asker (``common_partners`` and
    ``adamic_adar`` all zero: a newcomer, or an asker typed in), the frame is scored by the ``prior`` (the
    weighted scorer). A model learnt from partnership history leans on graph signals and on what histories are
    full of (same-sector, old-network links); without those signals the transparent text-and-type scorer
    matches a newcomer on what it needs.

    Args:
        model: A fitted classifier with ``predict_proba`` over ``features`` (in that order).
        features: The feature columns it was trained on.
        prior: The cold-start scorer; None for the packaged :class:`~matcher.rank.WeightedScorer`.
        name: Shown in logs and cards.

    Example:
        >>> from sklearn.linear_model import LogisticRegression
        >>> x = pd.DataFrame({"need_match": [0.0, 1.0, 0.1, 0.9], "offer_match": [0.0, 1.0, 0.2, 0.8]})
        >>> scorer = LearnedScorer(LogisticRegression().fit(x, [0, 1, 0, 1]), ("need_match", "offer_match"))
        >>> q, c = scorer.score(x)
        >>> bool(q[1] > q[0])
        True
    """

    def __init__(
        self,
        model: Any,
        features: Sequence[str] = FEATURE_NAMES,
        *,
        prior: Scorer | None = None,
        name: str = "learned",
    ) -> None:
        self.model = model
        self.features = tuple(features)
        self.prior = prior
        self.name = name

    @property
    def prior_(self) -> Scorer:
        """The cold-start scorer (the packaged weighted scorer unless given)."""
        if self.prior is None:
            self.prior = WeightedScorer()
        return self.prior

    def _proba(self, features: pd.DataFrame) -> np.ndarray:
        missing = [c for c in self.features if c not in features.columns]
        if missing:
            raise ValueError(f"features lack the columns {missing} the {self.name} scorer was trained on")
        if features.empty:
            return np.zeros(0)
        return self.model.predict_proba(features[list(self.features)].to_numpy(dtype=float))[:, 1]

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

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        """For a linear model, the score split among the features in proportion to their positive terms
        ``coef * x`` (both directions averaged); a model without coefficients returns no columns; a cold frame
        gets the prior's contributions."""
        if self.cold(features):
            return self.prior_.contributions(features)
        coef = getattr(self.model, "coef_", None)
        if coef is None or features.empty:
            return pd.DataFrame(index=features.index)
        weights = np.asarray(coef, dtype=float).reshape(-1)
        parts = []
        for side in (features, swap_sides(features)):
            terms = np.clip(side[list(self.features)].to_numpy(dtype=float) * weights, 0.0, None)
            total = terms.sum(axis=1, keepdims=True)
            parts.append(np.divide(terms, total, out=np.zeros_like(terms), where=total > 0))
        score = harmonic_mean(*self.score(features))
        shares = (parts[0] + parts[1]) / 2.0 * score[:, None]
        return pd.DataFrame(shares, columns=list(self.features), index=features.index)


def _make_model(model: Model, seed: int) -> Any:
    if model == "logistic":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    if model == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, class_weight="balanced", random_state=seed
        )
    raise ValueError(f"model must be 'logistic' or 'hgb', got {model!r}")


# ----------------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class TrainingData:
    """Labelled pairs for the re-ranker.

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


def _feedback_labels(feedback: pd.DataFrame | None) -> pd.DataFrame:
    """The latest label per (asker, candidate), as 1/0; unknown labels are left out."""
    if feedback is None or feedback.empty:
        return pd.DataFrame(columns=["asker_id", "candidate_id", "label"])
    frame = feedback.copy()
    if "created_at" in frame:
        frame = frame.sort_values("created_at", kind="stable")
    frame = frame.drop_duplicates(["asker_id", "candidate_id"], keep="last")
    value = frame["label"].map({**dict.fromkeys(POSITIVE_LABELS, 1), **dict.fromkeys(NEGATIVE_LABELS, 0)})
    frame = frame.assign(label=value)[value.notna()]
    return frame.assign(label=frame["label"].astype(int))[["asker_id", "candidate_id", "label"]]


def _place_allowed(recommender: Recommender, row: int, cross_city: CrossCity) -> np.ndarray:
    arrays = recommender.arrays_
    if cross_city == "other_city":
        return arrays.city != arrays.city[row]
    if cross_city == "other_country":
        return arrays.country != arrays.country[row]
    return np.ones(len(recommender.ids_), dtype=bool)


def training_data(
    recommender: Recommender,
    positives: pd.DataFrame,
    feedback: pd.DataFrame | None = None,
    *,
    hard_negatives: int = 10,
    random_negatives: int = 10,
    candidate_list: int = 100,
    max_queries: int | None = 300,
    cross_city: CrossCity = "other_city",
    seed: int = 0,
) -> TrainingData:
    """Labelled pairs with features from ``recommender`` (fitted on the history *before* the positives).

    Args:
        recommender: Fitted on the catalogue and the earlier partnerships.
        positives: Later partnerships (``source_id``, ``target_id``), read from both sides; pairs the
            cross-city rule forbids are left out.
        feedback: Rows with ``asker_id``, ``candidate_id``, ``label`` (and ``created_at``), or None.
        hard_negatives: Per query, negatives drawn from its candidate list: the ``candidate_list`` nearest by the
            vector channels' cosines (as the channels propose them).
        random_negatives: Per query, negatives drawn at random from the rest.
        candidate_list: Length of that candidate list (the recommender's ``channel_k``).
        max_queries: Positive queries used at most (a seeded sample), to bound the time.
        cross_city: Negatives follow this rule, as candidates do.
        seed: Seed of the samples.

    Returns:
        The pairs, features and labels.
    """
    rng = np.random.default_rng(seed)
    row_of = recommender.row_of_
    linked: dict[str, set[str]] = {}
    for a, b in zip(positives["source_id"].astype(str), positives["target_id"].astype(str), strict=True):
        # Positives follow the cross-city rule as the negatives do, or the model learns the rule itself.
        if a in row_of and b in row_of and a != b and _place_allowed(recommender, row_of[a], cross_city)[row_of[b]]:
            linked.setdefault(a, set()).add(b)
            linked.setdefault(b, set()).add(a)
    queries = sorted(linked)
    if max_queries is not None and len(queries) > max_queries:
        queries = sorted(rng.choice(queries, size=max_queries, replace=False).tolist())
    vectors = recommender.vectors_
    parts: list[TrainingData] = []
    for query in queries:
        row = row_of[query]
        allowed = _place_allowed(recommender, row, cross_city)
        allowed[row] = False
        allowed[recommender.graph_.partners(row)] = False
        allowed[[row_of[p] for p in linked[query]]] = False
        pool = np.flatnonzero(allowed)
        if not len(pool):
            continue
        near = np.maximum.reduce(
            [
                vectors["offers"][pool] @ vectors["seeks"][row],
                vectors["seeks"][pool] @ vectors["offers"][row],
                vectors["profile"][pool] @ vectors["profile"][row],
            ]
        )
        # Drawn at random from the channels' whole candidate list, not its head: the head's cosines are high by
        # construction, and a model fed only those learns that a close match is a bad sign.
        listed = pool[np.argsort(-near, kind="stable")[:candidate_list]]
        hard = rng.choice(listed, size=min(hard_negatives, len(listed)), replace=False)
        rest = np.setdiff1d(pool, hard)
        easy = rng.choice(rest, size=min(random_negatives, len(rest)), replace=False) if len(rest) else rest
        negatives = [recommender.ids_[r] for r in np.concatenate([hard, easy]).tolist()]
        candidates = sorted(linked[query]) + negatives
        frame = recommender.features_for(query, candidates)
        label = np.r_[np.ones(len(linked[query]), int), np.zeros(len(negatives), int)]
        parts.append(_part(frame, label, query, "partnership"))
    labels = _feedback_labels(feedback)
    known = labels["asker_id"].isin(row_of) & labels["candidate_id"].isin(row_of)
    if (~known).any():
        logger.info("training data: %d feedback rows name organisations not in the catalogue", int((~known).sum()))
    for asker, group in labels[known].groupby("asker_id", sort=True):
        frame = recommender.features_for(str(asker), group["candidate_id"].astype(str).tolist())
        parts.append(_part(frame, group["label"].to_numpy(dtype=int), str(asker), "feedback"))
    data = TrainingData.concat(parts)
    logger.info("training data: %d pairs, %d positive", len(data.label), int(data.label.sum()))
    return data


def _part(frame: pd.DataFrame, label: np.ndarray, query: str, source: str) -> TrainingData:
    n = len(label)
    return TrainingData(
        frame.reset_index(drop=True)[list(FEATURE_NAMES)],
        label,
        np.full(n, query, dtype=object),
        np.full(n, source, dtype=object),
    )


def _fit(data: TrainingData, model: Model, seed: int) -> LearnedScorer:
    if len(np.unique(data.label)) < 2:
        raise ValueError(
            f"training needs positives and negatives; got {len(data.label)} pairs, {int(data.label.sum())} positive "
            "(too few partnerships after the split, or no feedback)"
        )
    estimator = _make_model(model, seed).fit(data.features.to_numpy(dtype=float), data.label)
    return LearnedScorer(estimator, FEATURE_NAMES, name=f"learned-{model}")


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
        scorer: The shipped scorer, refit on all the data.
        evaluation: Weighted against learned (learned on the inner split) on the held-out links.
        card: The model card as a JSON-ready dict (see :func:`save`).
    """

    scorer: LearnedScorer
    evaluation: EvaluationResult
    card: dict[str, Any]

    @property
    def beats_weighted(self) -> bool:
        """Whether the learned scorer beat the weighted one on the held-out data (see the card's ``rule``)."""
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


def train(
    profiles: pd.DataFrame,
    vectors: Mapping[str, np.ndarray],
    partnerships: pd.DataFrame,
    feedback: pd.DataFrame | None = None,
    *,
    year: int | None = None,
    test_share: float = 0.2,
    model: Model = "logistic",
    cross_city: CrossCity = "other_city",
    max_queries: int | None = 300,
    eval_queries: int | None = 300,
    seed: int = 0,
    dataset: str = "",
) -> TrainResult:
    """Trains the re-ranker, measures it against the weighted scorer on held-out data, and refits it on all.

    1. ``split_partnerships(partnerships, year=year)``: history H (up to the cut) and held-out links.
    2. H is split again by time (the latest ``test_share`` of H, or at random without years): the recommender
       fitted on the inner history gives the features of the inner later links (positives) and negatives.
       Feedback before the feedback cut (the latest ``test_share`` by ``created_at``) joins the training pairs.
    3. The model so learnt and the weighted scorer rank for the held-out links' organisations, with the
       recommender fitted on H (:func:`matcher.evaluate.evaluate`); the later feedback is scored by AUC.
    4. The shipped model is fit on the inner pairs plus the pairs of (H, held-out links) and all feedback.

    Args:
        profiles: The catalogue.
        vectors: Per facet, unit vectors aligned with ``profiles``.
        partnerships: Known partnerships (``source_id``, ``target_id``, ``year`` if known).
        feedback: The store's feedback frame (``asker_id``, ``candidate_id``, ``label``, ``created_at``), or None.
        year: Evaluation cut (last year of the history); None to choose it from ``test_share``.
        test_share: Share held out at each split.
        model: ``"logistic"`` or ``"hgb"`` (gradient-boosted trees).
        cross_city: The rule candidates and negatives follow.
        max_queries: Queries per training window (sampled, seeded).
        eval_queries: Queries scored in the held-out comparison (sampled, seeded); None for all.
        seed: Seed of every sample.
        dataset: Name recorded in the card.

    Raises:
        ValueError: Too few partnerships to split twice, or no positives/negatives to learn from.
    """
    outer = split_partnerships(partnerships, year=year, test_share=test_share, seed=seed)
    inner = split_partnerships(outer.history, test_share=test_share, seed=seed + 1)
    if outer.truth.empty or inner.truth.empty:
        raise ValueError(
            f"too few partnerships to train and measure: {len(outer.truth)} held-out and {len(inner.truth)} inner "
            "training pairs after the splits"
        )
    early_feedback, late_feedback = _split_feedback(feedback, test_share)
    options: dict[str, Any] = {"max_queries": max_queries, "cross_city": cross_city, "seed": seed}

    inner_rec = Recommender(cross_city=cross_city).fit(profiles, vectors, inner.history)
    inner_data = training_data(inner_rec, inner.truth, early_feedback, **options)
    candidate = _fit(inner_data, model, seed)

    fold = Fold(profiles, vectors, outer.history, outer.truth, name=outer.how)
    methods = [RecommenderRanker(WeightedScorer(), name="weighted"), RecommenderRanker(candidate, name="learned")]
    evaluation = evaluate(
        fold, methods, cross_city=cross_city, dataset=dataset, protocol=outer.how, max_queries=eval_queries, seed=seed
    )
    outer_rec = Recommender(cross_city=cross_city).fit(profiles, vectors, outer.history)
    auc = {
        "weighted": feedback_auc(outer_rec, WeightedScorer(), late_feedback),
        "learned": feedback_auc(outer_rec, candidate, late_feedback),
    }

    outer_data = training_data(outer_rec, outer.truth, feedback, **options)
    final = _fit(TrainingData.concat([inner_data, outer_data]), model, seed)
    card = _card(
        final,
        model,
        evaluation,
        auc,
        dataset=dataset,
        profiles=profiles,
        partnerships=partnerships,
        feedback=feedback,
        outer=outer.how,
        inner=inner.how,
        rows=(inner_data, outer_data),
        cross_city=cross_city,
    )
    logger.info("trained %s: beats weighted = %s", final.name, card["beats_weighted"])
    return TrainResult(scorer=final, evaluation=evaluation, card=card)


_RULE = (
    f"learned nDCG@10 >= weighted nDCG@10 + {MIN_GAIN} and learned recall@10 >= weighted recall@10 "
    "on the held-out links"
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
    outer: str,
    inner: str,
    rows: tuple[TrainingData, TrainingData],
    cross_city: str,
) -> dict[str, Any]:
    import sklearn

    table = evaluation.table
    gain = {
        metric: float(table.loc["learned", metric] - table.loc["weighted", metric])
        for metric in ("recall@10", "ndcg@10", "mrr", "coverage@10")
    }
    beats = gain["ndcg@10"] >= MIN_GAIN and gain["recall@10"] >= 0
    data = TrainingData.concat(list(rows))
    coef = getattr(scorer.model, "coef_", None)
    return {
        "format_version": FORMAT_VERSION,
        "name": scorer.name,
        "model": model,
        "estimator": repr(scorer.model),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
        "features": list(scorer.features),
        "coefficients": None
        if coef is None
        else dict(zip(scorer.features, np.round(coef[0], 4).tolist(), strict=True)),
        "data": {
            "dataset": dataset,
            "profiles": len(profiles),
            "partnerships": len(partnerships),
            "feedback": 0 if feedback is None else len(feedback),
            "evaluation_split": outer,
            "training_split": f"inside the history: {inner}",
            "cross_city": cross_city,
            "training_pairs": len(data.label),
            "positives": int(data.label.sum()),
            "from_feedback": int((data.source == "feedback").sum()),
        },
        "metrics": evaluation.to_dict(),
        "feedback_auc": dict(auc),
        "gain": gain,
        "rule": _RULE,
        "beats_weighted": bool(beats),
    }


# ----------------------------------------------------------------------------------------------------- files


def save(result: TrainResult, directory: Path | str, name: str = "reranker") -> dict[str, Path]:
    """Writes ``<name>.joblib`` (the model), ``<name>.card.json`` and ``<name>.card.md`` under ``directory``.

    Returns:
        The paths written, keyed ``model``, ``card_json``, ``card_md``.
    """
    import joblib

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "model": folder / f"{name}.joblib",
        "card_json": folder / f"{name}.card.json",
        "card_md": folder / f"{name}.card.md",
    }
    payload = {
        "format_version": FORMAT_VERSION,
        "model": result.scorer.model,
        "features": result.scorer.features,
        "name": result.scorer.name,
    }
    joblib.dump(payload, paths["model"])
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
        "- Negatives are sampled, so scores are relative link likelihoods, not probabilities.",
        "- Trained on one catalogue's history; retrain after large imports or feedback (`matcher train`).",
        "- The file is a joblib pickle: load only files this tool wrote.",
        "",
    ]
    return "\n".join(lines)


def load_scorer(path: Path | str) -> LearnedScorer:
    """Loads a scorer written by :func:`save` (the ``.joblib`` file).

    Raises:
        FileNotFoundError: No such file.
        ValueError: Another format version, or features that differ from the ranking's
            :data:`~matcher.features.FEATURE_NAMES` (retrain after the features change).
    """
    import joblib

    payload = joblib.load(Path(path))
    if not isinstance(payload, dict) or payload.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path} is not a re-ranker file of format {FORMAT_VERSION}: retrain with `matcher train`")
    features = tuple(payload["features"])
    if features != FEATURE_NAMES:
        raise ValueError(f"{path} was trained on other features than the ranking computes now: retrain it")
    return LearnedScorer(payload["model"], features, name=str(payload.get("name", "learned")))


def preferred_scorer(directory: Path | str, name: str = "reranker") -> LearnedScorer | None:
    """The learned scorer under ``directory`` when its card says it beat the weighted scorer, else None (use the
    weighted default). A missing, stale or unreadable model also gives None, with the reason logged."""
    folder = Path(directory)
    card_path, model_path = folder / f"{name}.card.json", folder / f"{name}.joblib"
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
