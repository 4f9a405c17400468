"""Reciprocal partner recommendations: candidates -> features -> two-sided score -> exclusions -> diversity ->
explanations.

:class:`Recommender` is fitted on the catalogue (profiles frame, facet vectors, partnerships, optionally the
vector indexes the caller already holds) and answers for an organisation of the catalogue or a profile typed in:

1. candidates from bounded channels (:mod:`matcher.candidates`), the filters and the cross-city rule applied
   inside each channel's top-k;
2. features per pair (:mod:`matcher.features`) and a :class:`Scorer` that returns the fit for the asker and the
   fit for the candidate; the score is their harmonic mean (RECON, Pizzato et al. 2010), so a match must be good
   for both sides;
3. exclusions: the asker itself, its existing partners (returned separately) and likely competitors (firms that
   share a sector and offer nearly the same thing), unless asked for;
4. maximal marginal relevance within a list and, for batches, an exposure cap across lists
   (:mod:`matcher.diversify`);
5. plain-word reasons quoting both profiles (:mod:`matcher.explain`).

The default :class:`WeightedScorer` reads its weights from ``ranking.toml`` (shipped with the package); any
object with the :class:`Scorer` methods (a learned re-ranker) can replace it.

Example:
    >>> rec = Recommender().fit(profiles, vectors, partnerships)            # doctest: +SKIP
    >>> top = rec.recommend("dj-001", k=10, filters=Filters(country=("ES",)))  # doctest: +SKIP
    >>> top.results[0].name, top.results[0].reasons[0]                       # doctest: +SKIP
    ('Biomédica Costa del Sol', 'Their offer "GMP fill-finish ..." meets your need "scale-up ..."')
"""

from __future__ import annotations

import logging
import tomllib
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, replace
from dataclasses import fields as dataclass_fields
from functools import cached_property
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from .bands import MINILM, RANKING_BANDS, Band, BandScale, Calibration, EnglishPart
from .candidates import (
    CandidatePool,
    FacetSearcher,
    LexicalIndex,
    LinkScores,
    PartnerGraph,
    field_keys,
    history_strength,
    merge_channels,
    top_rows,
)
from .catalogue import Catalogue, CrossCity, check_cross_city
from .diversify import cap_exposure, exposure_limit, mmr
from .errors import NotFoundError
from .explain import Encode, PhraseEncoder, explain_pair
from .features import FEATURE_NAMES, ProfileArrays, TypeFit, pair_features, roles_of
from .filters import Filters
from .schema import FACETS, LIST_COLUMNS, NUMBER_COLUMNS, PARTNERSHIP_COLUMNS, PROFILE_REQUIRED, Profile
from .vocab import FIRM_TYPES

if TYPE_CHECKING:  # scipy.sparse is imported where matrices are built: a search or `--help` needs none
    import scipy.sparse as sp

__all__ = [
    "HISTORY_SCALED",
    "VARIETY_NOTE",
    "CandidateSet",
    "CrossCity",
    "Match",
    "RankingConfig",
    "Recommendations",
    "Recommender",
    "Scorer",
    "UnknownProfileError",
    "WeightedScorer",
    "harmonic_mean",
    "load_config",
    "scaled_by_history",
]

logger = logging.getLogger(__name__)

_VECTOR_CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("need", "seeks", "offers"),
    ("need", "seeks", "profile"),
    ("offer", "offers", "seeks"),
    ("offer", "profile", "seeks"),
    ("similar", "profile", "profile"),
)
"""(channel, the asker's facet, the facet searched): a need is met by offers or by what an organisation is."""
_SECTOR_OVERLAP = FEATURE_NAMES.index("sector_overlap")
_SPARSE_SIGNALS = (
    "lexical",
    "common_partners",
    "adamic_adar",
    "adamic_adar_share",
    "three_step_links",
    "partners_of_peers",
)
"""Signals the channels compute as sparse rows over the catalogue (the others are read per candidate)."""
_GROUP_CHUNK = 256
"""Queries searched together at most (bounds the sparse score matrices of a batch)."""
_FILL_ALL_BELOW = 5_000
"""When a list comes up short and at most this many organisations are eligible, score them all."""


class UnknownProfileError(NotFoundError):
    """An organisation id that is not in the fitted catalogue."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


# ----------------------------------------------------------------------------------------------------- config


@dataclass(frozen=True)
class RankingConfig:
    """The ranking model read from TOML.

    Attributes:
        weights: ``{"query": {...}, "candidate": {...}, "peers": {...}}``: feature weights per direction, and for
            peer search.
        type_fit: The role fit table.
    """

    weights: Mapping[str, Mapping[str, float]]
    type_fit: TypeFit


def _read_toml(source: str | Path | Mapping[str, Any] | None) -> Mapping[str, Any]:
    if source is None:
        return tomllib.loads(resources.files("matcher").joinpath("ranking.toml").read_text(encoding="utf-8"))
    if isinstance(source, Mapping):
        return source
    with Path(source).open("rb") as fh:
        return tomllib.load(fh)


def load_config(source: str | Path | Mapping[str, Any] | None = None) -> RankingConfig:
    """Reads the ranking model: the packaged ``ranking.toml``, or a TOML path or mapping of the same shape.

    A section the source leaves out (``weights.query``, ``weights.candidate``, ``weights.peers``, ``type_fit``)
    keeps its packaged default; a section it gives replaces the default whole.

    Raises:
        ValueError: An unknown feature or role, a direction without a positive weight, a fit outside [0, 1].

    Example:
        >>> load_config().weights["query"]["need_match"]
        0.6
    """
    default = _read_toml(None)
    given = _read_toml(source)
    weights = {**default["weights"], **given.get("weights", {})}
    for direction in ("query", "candidate", "peers"):
        _check_weights(direction, weights[direction])
    table = dict(given.get("type_fit", default["type_fit"]))
    fallback = float(table.pop("default", 0.3))
    return RankingConfig(weights=weights, type_fit=TypeFit.from_mapping(table, default=fallback))


HISTORY_SCALED: tuple[str, ...] = ("field_activity",)
"""Features whose weights count in proportion to the partnership history's strength
(:func:`matcher.candidates.history_strength`), and not at all under :data:`MIN_HISTORY_STRENGTH`: partnerships in a
field say who partners next where organisations have many partners (the CORDIS development set: 22 each, recall@10
0.063 -> 0.070), not where they have a few hand-entered links (the demo: 3.7 each; at full weight it pushed 4 of the
33 planted partners out of their seekers' top ten, and even at the demo's strength, 0.034, one)."""

MIN_HISTORY_STRENGTH = 0.25
"""History strength (a mean of 10 partners per organisation) under which :data:`HISTORY_SCALED` weights are zero."""


def scaled_by_history(weights: Mapping[str, Mapping[str, float]], strength: float) -> dict[str, dict[str, float]]:
    """The weights with those of :data:`HISTORY_SCALED` multiplied by ``strength`` (in [0, 1]), or by 0 under
    :data:`MIN_HISTORY_STRENGTH`.

    Example:
        >>> scaled_by_history({"query": {"need_match": 0.6, "field_activity": 0.1}}, 0.5)
        {'query': {'need_match': 0.6, 'field_activity': 0.05}}
        >>> scaled_by_history({"query": {"need_match": 0.6, "field_activity": 0.1}}, 0.04)
        {'query': {'need_match': 0.6, 'field_activity': 0.0}}
    """
    factor = strength if strength >= MIN_HISTORY_STRENGTH else 0.0
    return {
        direction: {name: w * factor if name in HISTORY_SCALED else w for name, w in features.items()}
        for direction, features in weights.items()
    }


def _check_weights(direction: str, weights: Mapping[str, float]) -> None:
    unknown = sorted(set(weights) - set(FEATURE_NAMES))
    if unknown:
        raise ValueError(f"unknown features in weights.{direction}: {unknown}; known: {', '.join(FEATURE_NAMES)}")
    if not any(float(w) > 0 for w in weights.values()):
        raise ValueError(f"weights.{direction} needs at least one positive weight")


# ----------------------------------------------------------------------------------------------------- scorers


def harmonic_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise ``2ab / (a + b)``, 0 where both are 0: high only when both are high.

    Example:
        >>> harmonic_mean(np.array([0.9, 0.5, 0.0]), np.array([0.1, 0.5, 0.0])).round(2).tolist()
        [0.18, 0.5, 0.0]
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    total = a + b
    return np.divide(2.0 * a * b, total, out=np.zeros_like(total), where=total > 0)


@runtime_checkable
class Scorer(Protocol):
    """What the recommender needs from a scorer: a learned re-ranker implements the same two methods.

    Attributes:
        name: Shown in logs and model cards.
    """

    @property
    def name(self) -> str: ...

    def score(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Fit for the asker and fit for the candidate, each in [0, 1], one value per row of ``features``
        (columns :data:`matcher.features.FEATURE_NAMES`). The ranking score is their harmonic mean."""
        ...

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        """Per row, how much each factor adds to the ranking score (columns: factor names). A scorer that
        cannot attribute its score returns a frame with no columns."""
        ...


class WeightedScorer:
    """A transparent scorer: each direction's fit is a weighted sum of features, normalised by its positive
    weights and clipped to [0, 1].

    Contributions split the harmonic mean ``H = 2ab / (a + b)`` exactly: ``H = b/(a+b) * a + a/(a+b) * b``, so
    factor f contributes ``b/(a+b) * w_f^query x_f + a/(a+b) * w_f^candidate x_f`` (each weight divided by its
    direction's positive total) and the contributions add up to the score.

    Args:
        weights: ``{"query": {feature: weight}, "candidate": {...}}``, a TOML path with a ``[weights]`` table, or
            None for the packaged ``ranking.toml``.
        name: Shown in logs.

    Example:
        >>> s = WeightedScorer({"query": {"need_match": 1.0}, "candidate": {"offer_match": 1.0}})
        >>> f = pd.DataFrame({"need_match": [0.8, 0.8], "offer_match": [0.8, 0.0]})
        >>> [v.tolist() for v in s.score(f)]
        [[0.8, 0.8], [0.8, 0.0]]
        >>> s.contributions(f).round(2).to_dict("list")
        {'need_match': [0.4, 0.0], 'offer_match': [0.4, 0.0]}
    """

    def __init__(
        self, weights: Mapping[str, Mapping[str, float]] | str | Path | None = None, *, name: str = "weighted"
    ) -> None:
        self.weights = weights
        self.name = name

    @cached_property
    def weights_(self) -> dict[str, dict[str, float]]:
        """The resolved weights per direction, each divided by the direction's positive total."""
        if self.weights is None or isinstance(self.weights, (str, Path)):
            raw = load_config(self.weights).weights
        else:
            raw = self.weights
        resolved = {}
        for direction in ("query", "candidate"):
            if direction not in raw:
                raise ValueError(f"weights need a {direction!r} direction, got {sorted(raw)}")
            _check_weights(direction, raw[direction])
            positive = sum(float(w) for w in raw[direction].values() if float(w) > 0)
            resolved[direction] = {name: float(w) / positive for name, w in raw[direction].items()}
        return resolved

    @cached_property
    def _columns(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Every weighed feature (in :data:`FEATURE_NAMES` order) and the two directions' weight vectors."""
        weights = self.weights_
        names = [name for name in FEATURE_NAMES if name in weights["query"] or name in weights["candidate"]]
        query = np.array([weights["query"].get(name, 0.0) for name in names])
        candidate = np.array([weights["candidate"].get(name, 0.0) for name in names])
        return names, query, candidate

    def _matrix(self, features: pd.DataFrame) -> np.ndarray:
        names = self._columns[0]
        if tuple(features.columns) == FEATURE_NAMES:  # the usual frame: select by position, no index lookups
            return features.to_numpy(dtype=float)[:, [FEATURE_NAMES.index(name) for name in names]]
        missing = sorted(set(names) - set(features.columns))
        if missing:
            raise ValueError(f"features lack the columns {missing} the {self.name} scorer weighs")
        return features[names].to_numpy(dtype=float)

    def score(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Fit for the asker and fit for the candidate."""
        _, query, candidate = self._columns
        x = self._matrix(features)
        return np.clip(x @ query, 0.0, 1.0), np.clip(x @ candidate, 0.0, 1.0)

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        """Each factor's share of the harmonic-mean score (rows add up to the score, up to clipping)."""
        names, query, candidate = self._columns
        x = self._matrix(features)
        a, b = x @ query, x @ candidate
        total = a + b
        to_query = np.divide(b, total, out=np.zeros_like(total), where=total > 0)
        to_candidate = np.divide(a, total, out=np.zeros_like(total), where=total > 0)
        combined = x * (to_query[:, None] * query + to_candidate[:, None] * candidate)
        return pd.DataFrame(combined, columns=names, index=features.index)


# ----------------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Match:
    """One suggested organisation.

    Attributes:
        id, name, city, country, org_type: Who it is.
        score: Harmonic mean of the two fits, in [0, 1].
        fit_for_query: How much the candidate gives the asker.
        fit_for_candidate: How much the asker gives the candidate.
        reasons: Plain-word reasons, strongest first; the last one lists the factors' contributions.
        contributions: Each factor's contribution to ``score``.
        channels: The candidate channels that proposed it (see :data:`matcher.candidates.CHANNELS`).
        scale: The bands of ``score``: the calibration of the encoder that scored it (default MiniLM's,
            :data:`matcher.bands.RANKING_BANDS`).
    """

    id: str
    name: str
    city: str
    country: str
    org_type: str
    score: float
    fit_for_query: float
    fit_for_candidate: float
    reasons: tuple[str, ...] = ()
    contributions: Mapping[str, float] = field(default_factory=dict)
    channels: tuple[str, ...] = ()
    scale: BandScale = field(default=RANKING_BANDS, repr=False, compare=False)

    @property
    def band(self) -> Band:
        """The score in words on :attr:`scale` (every suggestion is at least weak)."""
        return self.scale.band(self.score) or Band.WEAK

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (scores rounded to 4 decimals)."""
        return {
            "id": self.id,
            "name": self.name,
            "city": self.city,
            "country": self.country,
            "org_type": self.org_type,
            "score": round(self.score, 4),
            "band": str(self.band),
            "fit_for_query": round(self.fit_for_query, 4),
            "fit_for_candidate": round(self.fit_for_candidate, 4),
            "reasons": list(self.reasons),
            "contributions": {k: round(v, 4) for k, v in self.contributions.items()},
            "channels": list(self.channels),
        }


@dataclass(frozen=True)
class CandidateSet:
    """One asker's candidate pool before scoring (:meth:`Recommender.candidate_features`).

    Attributes:
        query: The asker's id.
        ids: The candidates' ids.
        features: Their pair features, one row per candidate (columns :data:`matcher.features.FEATURE_NAMES`).
        pool: The pool itself: catalogue rows and, per row, the channels that proposed it.
    """

    query: str
    ids: list[str]
    features: pd.DataFrame
    pool: CandidatePool


VARIETY_NOTE = "Ordered for variety as well as score: a near-copy of a suggestion above it moves down."
"""What to tell a user whose list is not in strict score order (:attr:`Recommendations.reordered_for_variety`)."""


@dataclass(frozen=True)
class Recommendations:
    """The answer for one asker.

    Attributes:
        query: The asker's id, or its name for a profile typed in.
        results: Suggestions, best first (after diversification).
        existing_partners: The asker's known partners, scored the same way, best first (at most ``k``).
        excluded_competitors: Candidates left out as likely competitors.
        hidden: Results left out below a band asked for (:meth:`at_least`).
    """

    query: str
    results: list[Match]
    existing_partners: list[Match] = field(default_factory=list)
    excluded_competitors: int = 0
    hidden: int = 0

    @property
    def ids(self) -> list[str]:
        """Ids of the results, in order."""
        return [m.id for m in self.results]

    @property
    def reordered_for_variety(self) -> bool:
        """Whether diversification put a result above one with a higher score (say so: see :data:`VARIETY_NOTE`).

        Example:
            >>> match = lambda id_, score: Match(id_, id_, "Seattle", "US", "startup", score, score, score)
            >>> Recommendations("q", [match("a", 0.5), match("b", 0.3), match("c", 0.4)]).reordered_for_variety
            True
        """
        scores = [m.score for m in self.results]
        return any(later > earlier for earlier, later in pairwise(scores))

    def at_least(self, band: Band | str) -> Recommendations:
        """The same answer with only the results in ``band`` or better, and the others counted in ``hidden``.

        Example:
            >>> match = lambda id_, score: Match(id_, id_, "Seattle", "US", "startup", score, score, score)
            >>> recs = Recommendations("q", [match("a", 0.35), match("b", 0.26), match("c", 0.1)])
            >>> recs.at_least("possible").ids, recs.at_least("possible").hidden
            (['a', 'b'], 1)
        """
        kept = [m for m in self.results if m.score >= m.scale.floor(Band(band))]
        return replace(self, results=kept, hidden=self.hidden + len(self.results) - len(kept))

    def band_note(self, where: str = "") -> str | None:
        """What to tell a user whose list has no strong match, e.g. "No strong match in Seattle; 3 possible."
        None when the list holds a strong match (or nothing at all: say that instead).

        Args:
            where: How the list was narrowed, for the sentence ("in Seattle"); empty for none.

        Example:
            >>> match = lambda id_, score: Match(id_, id_, "Seattle", "US", "startup", score, score, score)
            >>> Recommendations("q", [match("a", 0.26), match("b", 0.1)]).band_note("in Seattle")
            'No strong match in Seattle; 1 possible, 1 weak.'
        """
        counts = Counter(m.band for m in self.results)
        if not self.results or counts[Band.STRONG]:
            return None
        place = f" {where.strip()}" if where.strip() else ""
        found = [f"{counts[band]} {band}" for band in (Band.POSSIBLE, Band.WEAK) if counts[band]]
        hidden = f"; {self.hidden} weaker not shown" if self.hidden else ""
        return f"No strong match{place}; {', '.join(found)}{hidden}."

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``matcher recommend --json``."""
        return {
            "query": self.query,
            "results": [m.to_dict() for m in self.results],
            "existing_partners": [m.to_dict() for m in self.existing_partners],
            "excluded_competitors": self.excluded_competitors,
            "hidden_below_band": self.hidden,
        }


# ----------------------------------------------------------------------------------------------------- internals


@dataclass
class _Query:
    """One asker, resolved against the catalogue."""

    label: str
    profile: Profile
    row: int  # -1 for a profile typed in
    attrs: ProfileArrays
    vectors: dict[str, np.ndarray]
    lexical: sp.csr_matrix
    excluded: np.ndarray  # rows never proposed: itself, partners unless asked, ``exclude``
    partners: np.ndarray
    english: bool  # a blend's English part reads its texts (Recommender.english)
    readable: bool  # that part holds a reading of its texts fit to rank by (English, or glossed)
    interests: np.ndarray  # where it works: weights over the partner graph's fields (PartnerGraph.field_interests)


@dataclass
class _Scored:
    """Pairs of one asker with catalogue rows: features, the two fits, score and contributions."""

    rows: np.ndarray
    features: pd.DataFrame
    values: np.ndarray  # the features as a matrix, columns FEATURE_NAMES
    fit_query: np.ndarray
    fit_candidate: np.ndarray
    score: np.ndarray
    share_names: list[str]
    shares: np.ndarray


@dataclass
class _Ranked:
    """One asker's scored pool and its list order (diversified), before the exposure cap."""

    pool: CandidatePool
    scored: _Scored
    order: np.ndarray  # positions in the pool, in list order
    partners: _Scored | None
    excluded_competitors: int
    peers: np.ndarray


_WRITTEN = ("description", "offers", "seeks")
"""The texts an organisation writes: a blend's English part compares two organisations when all of them are English."""
_COMPARED = ("offers", "seeks")
"""The facets the competitor rule compares."""


def _profile_columns(profiles: pd.DataFrame) -> dict[str, list[Any]]:
    """The profile fields as object arrays of clean values (as :meth:`Profile.from_mapping` would make them), so
    that building the :class:`Profile` of a result costs a dict, not a frame row."""
    out = {}
    for spec in dataclass_fields(Profile):
        name = spec.name
        if name not in profiles.columns:
            continue
        default = "" if spec.default is MISSING else spec.default
        values = profiles[name].to_numpy(dtype=object)
        if name in LIST_COLUMNS:
            cleaned = [tuple(v) if isinstance(v, (tuple, list)) else default for v in values]
        elif name in NUMBER_COLUMNS:
            cleaned = [None if pd.isna(v) else int(v) for v in values]
        else:
            cleaned = [default if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in values]
        out[name] = cleaned
    return out


def _link_signals(links: LinkScores) -> dict[str, sp.csr_matrix]:
    """The partner graph's scores as the features' sparse signals (one row per asker)."""
    return {
        "common_partners": links.common,
        "adamic_adar": links.adamic_adar,
        "adamic_adar_share": links.relative("adamic_adar"),
        "three_step_links": links.closeness(),
    }


def _dense_row(matrix: sp.csr_matrix, i: int, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.float32)
    start, end = matrix.indptr[i], matrix.indptr[i + 1]
    out[matrix.indices[start:end]] = matrix.data[start:end]
    return out


class Recommender:
    """Reciprocal, complementary, explained partner recommendations over a fitted catalogue.

    Args:
        scorer: Turns pair features into the two fits; default :class:`WeightedScorer` over ``config``.
        config: A ranking model (TOML path or mapping, see :func:`load_config`); default the packaged one.
        channel_k: Candidates each channel proposes (raised to ``k`` when more are asked).
        cross_city: ``"other_city"`` (default: the alliance's purpose), ``"other_country"`` or ``"any"``.
        mmr_lambda: Relevance against novelty in maximal marginal relevance (1 turns diversification off).
        mmr_pool: Diversify among the best ``mmr_pool * k`` candidates.
        exposure_cap: In a batch (:meth:`recommend_many`), the share of the lists one organisation may appear in
            (see :func:`matcher.diversify.exposure_limit`); None for no cap.
        peer_seeds: How many of the asker's most similar organisations seed the "partners of peers" channel.
        encode: Phrase encoder for explanations (an encoder's ``encode``); word overlap without it.
        calibration: The score bands, reason thresholds and competitor thresholds of the encoder behind the vectors
            and ``encode`` (:func:`matcher.bands.calibration_for`); default MiniLM's. A firm asker and a candidate
            firm sharing a sector that offer nearly the same thing, or seek nearly the same thing and offer similar
            things, by its ``competitor`` thresholds, are likely competitors, left out unless asked for.
            Universities, institutes and other non-firms are never excluded: similar research is what they
            partner on.
        english: For a blend's vectors (``minilm+use-m3``), its English-only part (:class:`matcher.bands.EnglishPart`):
            two firms whose description, offers and needs are English are compared by that part alone for the
            competitor rule, with its thresholds, and English phrases are quoted by its reason thresholds; the text
            features of a pair not both in English or read through the blend's glossary
            (:meth:`matcher.bands.EnglishPart.ranks`) are the blend's other parts' cosines. None reads the whole
            vectors everywhere.

    Example:
        >>> rec = Recommender(cross_city="any", mmr_lambda=1.0)
        >>> rec.channel_k
        100
    """

    def __init__(
        self,
        *,
        scorer: Scorer | None = None,
        config: str | Path | Mapping[str, Any] | None = None,
        channel_k: int = 100,
        cross_city: CrossCity = "other_city",
        mmr_lambda: float = 0.8,
        mmr_pool: int = 3,
        exposure_cap: float | None = 0.05,
        peer_seeds: int = 10,
        encode: Encode | None = None,
        calibration: Calibration = MINILM,
        english: EnglishPart | None = None,
    ) -> None:
        self.scorer = scorer
        self.config = config
        self.channel_k = channel_k
        self.cross_city = cross_city
        self.mmr_lambda = mmr_lambda
        self.mmr_pool = mmr_pool
        self.exposure_cap = exposure_cap
        self.peer_seeds = peer_seeds
        self.encode = encode
        self.calibration = calibration
        self.english = english

    # ------------------------------------------------------------------------------------------------- fit

    def fit(
        self,
        profiles: pd.DataFrame,
        vectors: Mapping[str, np.ndarray],
        partnerships: pd.DataFrame | None = None,
        indexes: Mapping[str, Any] | None = None,
    ) -> Recommender:
        """Learns the catalogue: lexical index, partner graph, attribute arrays, and vector indexes if not given.

        Args:
            profiles: One row per organisation (columns of :data:`matcher.schema.PROFILE_COLUMNS`).
            vectors: Per facet (``profile``, ``offers``, ``seeks``), float32 ``(len(profiles), d)`` unit rows
                aligned with ``profiles``; zero rows for empty texts.
            partnerships: Known partnerships (``source_id``, ``target_id``, ...); None for none.
            indexes: Per facet, a :class:`matcher.index.VectorIndex` over (some of) the same ids, to reuse;
                missing facets are indexed here from the non-zero rows of ``vectors``.

        Raises:
            ValueError: Missing columns, duplicate ids, vectors of the wrong shape, or bad parameters.
        """
        self._check_params()
        missing = [c for c in (*PROFILE_REQUIRED, "sectors", "offers", "seeks") if c not in profiles.columns]
        if missing:
            raise ValueError(f"profiles lack the columns {missing}")
        profiles = profiles.reset_index(drop=True)
        self.catalogue_ = Catalogue.from_profiles(profiles)
        ids = list(self.catalogue_.ids)
        n = len(ids)
        self.vectors_: dict[str, np.ndarray] = {}
        for facet in FACETS:
            if facet not in vectors:
                raise ValueError(f"vectors lack the {facet!r} facet")
            array = np.ascontiguousarray(vectors[facet], dtype=np.float32)
            if array.ndim != 2 or array.shape[0] != n:
                raise ValueError(f"vectors[{facet!r}] must have shape ({n}, d), got {array.shape}")
            self.vectors_[facet] = array
        self.profiles_ = profiles
        self.columns_ = _profile_columns(profiles)
        # Rows whose texts the English part reads: only pairs of two such rows are compared by it (competitor rule,
        # quotes); rows it holds a reading of (English, or read through the blend's glossary): pairs of two such
        # rows are ranked by the whole blend, any other pair by its multilingual part.
        self.english_rows_ = np.zeros(len(profiles), dtype=bool)
        self.readable_rows_ = np.zeros(len(profiles), dtype=bool)
        if self.english is not None:
            blank = [""] * len(profiles)
            texts = list(zip(*(self.columns_.get(field, blank) for field in _WRITTEN), strict=True))
            self.english_rows_[:] = [self.english.reads(*written) for written in texts]
            self.readable_rows_[:] = self.english_rows_
            others = np.flatnonzero(~self.english_rows_)
            self.readable_rows_[others] = [self.english.ranks(*texts[row]) for row in others]
        self.ids_ = ids
        self.row_of_ = self.catalogue_.row_of
        self.config_ = load_config(self.config)
        peer_weights = self.config_.weights["peers"]
        self.peer_scorer_ = WeightedScorer({"query": peer_weights, "candidate": peer_weights}, name="peers")
        self.arrays_ = ProfileArrays.from_frame(profiles)
        self.firm_ = profiles["org_type"].isin(FIRM_TYPES).to_numpy()
        self.lexical_ = LexicalIndex().fit(profiles)
        edges = partnerships if partnerships is not None else pd.DataFrame(columns=list(PARTNERSHIP_COLUMNS))
        none: list[tuple[str, ...]] = [()] * n
        sectors, tags = self.columns_.get("sectors", none), self.columns_.get("tags", none)
        fields = [field_keys(*row) for row in zip(sectors, tags, strict=True)]
        self.graph_ = PartnerGraph().fit(self.catalogue_.row_of, edges, fields=fields)
        self.history_strength_ = history_strength(self.graph_.degree_)
        self.scorer_: Scorer = (
            self.scorer
            if self.scorer is not None
            else WeightedScorer(scaled_by_history(self.config_.weights, self.history_strength_))
        )
        self.searchers_: dict[str, FacetSearcher] = {
            facet: FacetSearcher(self._index(facet, indexes), self.row_of_) for facet in FACETS
        }
        self.phrase_encoder_ = PhraseEncoder(self.encode) if self.encode is not None else None
        logger.info("recommender fitted: %d profiles, %d partnerships", n, self.graph_.n_edges)
        return self

    def _check_params(self) -> None:
        check_cross_city(self.cross_city)
        if not (isinstance(self.channel_k, int) and self.channel_k >= 1):
            raise ValueError(f"channel_k must be a positive int, got {self.channel_k!r}")
        if not 0.0 <= self.mmr_lambda <= 1.0:
            raise ValueError(f"mmr_lambda must be in [0, 1], got {self.mmr_lambda!r}")
        if not (isinstance(self.mmr_pool, int) and self.mmr_pool >= 1):
            raise ValueError(f"mmr_pool must be a positive int, got {self.mmr_pool!r}")
        if self.exposure_cap is not None:
            exposure_limit(self.exposure_cap, 1)  # raises on a bad share
        if not (isinstance(self.peer_seeds, int) and self.peer_seeds >= 0):
            raise ValueError(f"peer_seeds must be an int >= 0, got {self.peer_seeds!r}")

    def _index(self, facet: str, indexes: Mapping[str, Any] | None) -> Any:
        if indexes is not None and facet in indexes:
            return indexes[facet]
        from .index import VectorIndex

        array = self.vectors_[facet]
        present = np.flatnonzero(np.einsum("ij,ij->i", array, array) > 0)
        index = VectorIndex()
        if len(present):
            index.build([self.ids_[i] for i in present], array[present])
        else:  # no text at all in this facet: an index with nothing to find
            index.build([], np.zeros((0, array.shape[1]), np.float32))
        return index

    def _check_fitted(self) -> None:
        if not hasattr(self, "ids_"):
            raise ValueError("this Recommender is not fitted yet: call fit(profiles, vectors, partnerships) first")

    # ------------------------------------------------------------------------------------------------- queries

    def _resolve(
        self,
        query: str | Profile,
        query_vectors: Mapping[str, np.ndarray] | None,
        exclude: Collection[str],
        include_partners: bool,
    ) -> _Query:
        if isinstance(query, str):
            if query not in self.row_of_:
                raise UnknownProfileError(f"no organisation with id {query!r} in the catalogue")
            row = self.row_of_[query]
            profile = self._profile(row)
        elif isinstance(query, Profile):
            profile, row = query, self.row_of_.get(query.id, -1)
        else:
            raise TypeError(f"query must be an id or a Profile, got {type(query).__name__}")
        vectors: dict[str, np.ndarray]
        if query_vectors is not None:
            vectors = {}
            for facet in FACETS:
                if facet not in query_vectors:
                    raise ValueError(f"query_vectors lack the {facet!r} facet")
                vector = np.asarray(query_vectors[facet], dtype=np.float32).reshape(-1)
                if vector.shape != (self.vectors_[facet].shape[1],):
                    raise ValueError(f"query_vectors[{facet!r}] has {vector.size} values, expected the index dimension")
                vectors[facet] = vector
        elif row >= 0:
            vectors = {facet: self.vectors_[facet][row] for facet in FACETS}
        else:
            raise ValueError(f"profile {profile.id!r} is not in the catalogue: pass its query_vectors (one per facet)")
        if row >= 0 and isinstance(query, str):
            attrs, lexical = self.arrays_.take([row]), self.lexical_.matrix_[row]
            english, readable = bool(self.english_rows_[row]), bool(self.readable_rows_[row])
        else:
            frame = pd.DataFrame([profile.to_dict()])
            attrs, lexical = ProfileArrays.from_frame(frame), self.lexical_.transform(frame)
            written = [getattr(profile, f) for f in _WRITTEN]
            english = self.english is not None and self.english.reads(*written)
            readable = english or (self.english is not None and self.english.ranks(*written))
        partners = self.graph_.partners(row) if row >= 0 else np.zeros(0, np.int64)
        excluded = [self.row_of_[pid] for pid in exclude if pid in self.row_of_]
        if row >= 0:
            excluded.append(row)
        if not include_partners:
            excluded.extend(partners.tolist())
        return _Query(
            label=profile.id if row >= 0 else profile.name,
            profile=profile,
            row=row,
            attrs=attrs,
            vectors=vectors,
            lexical=lexical,
            excluded=np.unique(np.asarray(excluded, dtype=np.int64)),
            partners=partners,
            english=english,
            readable=readable,
            interests=self.graph_.field_interests(row, field_keys(profile.sectors, profile.tags)),
        )

    # ------------------------------------------------------------------------------------------------- channels

    def _retrieve(
        self, queries: list[_Query], allowed: np.ndarray, k: int, mode: str
    ) -> tuple[list[CandidatePool], list[np.ndarray], list[dict[str, sp.csr_matrix]]]:
        """Candidate pools of queries sharing one ``allowed`` mask; also each query's peers and sparse signals."""
        import scipy.sparse as sp

        m = len(queries)
        k_channel = max(self.channel_k, k)
        if m == 1:  # one asker: its own exclusions go inside the search
            allowed = allowed.copy()
            allowed[queries[0].excluded] = False
            slack = 0
        else:  # a group shares one mask: ask for more and drop each asker's own exclusions after
            slack = max(len(q.excluded) for q in queries)
        found: list[dict[str, np.ndarray]] = [{} for _ in queries]
        for channel, query_facet, index_facet in _VECTOR_CHANNELS:
            if mode == "peer" and channel != "similar":
                continue
            who = [i for i, q in enumerate(queries) if q.vectors[query_facet].any()]
            if not who:
                continue
            stacked = np.stack([queries[i].vectors[query_facet] for i in who])
            rows, _ = self.searchers_[index_facet].search(stacked, k_channel + slack, allowed)
            for i, found_rows in zip(who, rows, strict=True):
                earlier = found[i].get(channel)
                found[i][channel] = found_rows if earlier is None else np.concatenate([earlier, found_rows])

        signals: list[dict[str, sp.csr_matrix]] = [{} for _ in queries]
        lexical = self.lexical_.scores(sp.vstack([q.lexical for q in queries]).tocsr())
        for i in range(m):
            signals[i]["lexical"] = lexical[i]
            found[i]["lexical"] = self._top(lexical, i, k_channel + slack, allowed)

        peers: list[np.ndarray] = [np.zeros(0, np.int64) for _ in queries]
        if mode == "partner" and self.graph_.n_edges:
            self._graph_channels(queries, found, signals, peers, allowed, k_channel + slack)

        pools = []
        for q, channel_rows in zip(queries, found, strict=True):
            pool = merge_channels(channel_rows)
            keep = ~np.isin(pool.rows, q.excluded)
            pools.append(CandidatePool(pool.rows[keep], pool.channels[keep]))
        return pools, peers, signals

    @staticmethod
    def _top(matrix: sp.csr_matrix, i: int, k: int, allowed: np.ndarray) -> np.ndarray:
        """The ``k`` best allowed columns of row ``i`` of a sparse score matrix."""
        start, end = matrix.indptr[i], matrix.indptr[i + 1]
        return top_rows(matrix.indices[start:end].astype(np.int64), matrix.data[start:end], k, allowed)

    def _graph_channels(
        self,
        queries: list[_Query],
        found: list[dict[str, np.ndarray]],
        signals: list[dict[str, sp.csr_matrix]],
        peers: list[np.ndarray],
        allowed: np.ndarray,
        k: int,
    ) -> None:
        popular = self.graph_.popular(k, allowed)  # one mask for the whole chunk: one list for all
        every_row = np.arange(len(self.ids_))
        for i, q in enumerate(queries):
            found[i]["popular"] = popular
            if q.interests.any():
                found[i]["fields"] = top_rows(every_row, self.graph_.field_activity(q.interests), k, allowed)
        in_catalogue = [i for i, q in enumerate(queries) if q.row >= 0 and len(q.partners)]
        if in_catalogue:
            links = _link_signals(self.graph_.link_scores(np.array([queries[i].row for i in in_catalogue])))
            for j, i in enumerate(in_catalogue):
                signals[i].update({name: matrix[j] for name, matrix in links.items()})
                found[i]["graph"] = self._top(links["adamic_adar"], j, k, allowed)
                found[i]["paths"] = self._top(links["three_step_links"], j, k, allowed)
        who = [i for i, q in enumerate(queries) if q.vectors["profile"].any()]
        if not who or not self.peer_seeds:
            return
        stacked = np.stack([queries[i].vectors["profile"] for i in who])
        rows, scores = self.searchers_["profile"].search(stacked, self.peer_seeds + 1, None)
        for i, peer_rows, peer_scores in zip(who, rows, scores, strict=True):
            keep = peer_rows != queries[i].row
            peers[i] = peer_rows[keep][: self.peer_seeds]
            weights = np.clip(peer_scores[keep][: self.peer_seeds], 0.0, None)
            peer_signal = self.graph_.peer_scores(peers[i], weights)
            signals[i]["partners_of_peers"] = peer_signal
            found[i]["peers"] = self._top(peer_signal, 0, k, allowed)

    # ------------------------------------------------------------------------------------------------- scoring

    @staticmethod
    def _text_cosines(facets: Mapping[str, np.ndarray], asker: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The pair features that are cosines of two texts: candidates' facet rows against the asker's vectors."""
        # One small matrix product per candidate facet against the asker's vectors it meets.
        offers = facets["offers"] @ np.stack([asker["seeks"], asker["offers"]], axis=1)
        seeks = facets["seeks"] @ np.stack([asker["offers"], asker["profile"]], axis=1)
        profile = facets["profile"] @ np.stack([asker["profile"], asker["seeks"]], axis=1)
        return {
            "need_match": offers[:, 0],
            "offers_overlap": offers[:, 1],
            "offer_match": seeks[:, 0],
            "offer_profile_match": seeks[:, 1],
            "profile_similarity": profile[:, 0],
            "need_profile_match": profile[:, 1],
        }

    def _features(self, query: _Query, rows: np.ndarray, signals: Mapping[str, sp.csr_matrix]) -> pd.DataFrame:
        n = len(self.ids_)
        v, q = self.vectors_, query.vectors
        values = self._text_cosines({facet: v[facet][rows] for facet in FACETS}, q)
        values["popularity"] = self.graph_.popularity_[rows]
        values["recent_activity"] = self.graph_.activity_[rows]
        values["field_activity"] = self.graph_.field_activity(query.interests)[rows]
        if self.english is not None:
            # A pair not both read by the English part (in English, or through the glossary) is compared by the
            # blend's multilingual part alone: the English part's cosine of an unread Korean text is noise, and half
            # the blend's score.
            across = ~(self.readable_rows_[rows] & query.readable)
            if across.any():
                rest, others = self.english.rest, rows[across]
                cosines = self._text_cosines({f: rest(v[f][others]) for f in FACETS}, {f: rest(q[f]) for f in FACETS})
                for name, column in cosines.items():
                    values[name][across] = column
        for name in _SPARSE_SIGNALS:
            if name in signals:
                values[name] = _dense_row(signals[name], 0, n)[rows]
        return pair_features(query.attrs, self.arrays_.take(rows), values, self.config_.type_fit)

    def _score(self, query: _Query, rows: np.ndarray, signals: Mapping[str, sp.csr_matrix], scorer: Scorer) -> _Scored:
        features = self._features(query, rows, signals)
        fit_query, fit_candidate = scorer.score(features)
        shares = scorer.contributions(features)
        return _Scored(
            rows=rows,
            features=features,
            values=features.to_numpy(dtype=float),
            fit_query=np.asarray(fit_query, dtype=float),
            fit_candidate=np.asarray(fit_candidate, dtype=float),
            score=harmonic_mean(fit_query, fit_candidate),
            share_names=list(shares.columns),
            shares=shares.to_numpy(dtype=float),
        )

    def _rank_one(
        self,
        query: _Query,
        pool: CandidatePool,
        signals: dict[str, sp.csr_matrix],
        peers: np.ndarray,
        k: int,
        length: int,
        eligible: np.ndarray,
        *,
        mode: str,
        include_competitors: bool,
        mmr_lambda: float,
    ) -> _Ranked:
        scorer = self.scorer_ if mode == "partner" else self.peer_scorer_
        pool = self._fill(query, pool, k, eligible)
        scored = self._score(query, pool.rows, signals, scorer)
        usable = np.ones(len(pool), dtype=bool)
        competitors = 0
        if mode == "partner" and not include_competitors and len(pool):
            likely = self._competitors(query, scored)
            competitors = int(likely.sum())
            usable &= ~likely
            if usable.sum() < k:
                # Make up for the competitors left out, then decide again on the larger pool.
                pool = self._fill(query, pool, k + competitors, eligible)
                scored = self._score(query, pool.rows, signals, scorer)
                likely = self._competitors(query, scored)
                competitors, usable = int(likely.sum()), ~likely
        candidates = np.flatnonzero(usable)
        best = candidates[np.argsort(-scored.score[candidates], kind="stable")][: max(self.mmr_pool * k, length)]
        order = mmr(scored.score[best], self.vectors_["profile"][pool.rows[best]], length, mmr_lambda)
        partners = None
        if mode == "partner" and len(query.partners) and not np.isin(query.partners, pool.rows).all():
            partners = self._score(query, query.partners, signals, scorer)
        return _Ranked(
            pool=pool,
            scored=scored,
            order=best[order],
            partners=partners,
            excluded_competitors=competitors,
            peers=peers,
        )

    def _competitors(self, query: _Query, scored: _Scored) -> np.ndarray:
        """Firms sharing a sector with a firm asker that either offer nearly the same thing or seek nearly the same
        thing and offer similar things (:meth:`compete`): they compete for the same partners. Askers and candidates
        that are not firms (universities, institutes, hospitals, public bodies, investors) are never competitors."""
        if query.profile.org_type not in FIRM_TYPES:
            return np.zeros(len(scored.rows), dtype=bool)
        # The blend's own cosines, which its thresholds were measured on (the features may hold another reading).
        offers, seeks = (self.vectors_[f][scored.rows] @ query.vectors[f] for f in _COMPARED)
        compete = self.compete(offers, seeks)
        if self.english is not None and query.english:
            # Two English firms are compared by the English part's cosines, with its thresholds.
            both, cut = self.english_rows_[scored.rows], self.english.cut
            offers, needs = (cut(self.vectors_[f][scored.rows[both]]) @ cut(query.vectors[f]) for f in _COMPARED)
            compete[both] = self.english.calibration.competitor.compete(offers, needs)
        return self.firm_[scored.rows] & (scored.values[:, _SECTOR_OVERLAP] > 0) & compete

    def compete(self, offers: np.ndarray, seeks: np.ndarray) -> np.ndarray:
        """Whether two firms sharing a sector, with these offers and seeks cosines, are likely competitors: they
        offer nearly the same thing, or seek nearly the same thing and offer similar things, by the thresholds
        measured for the encoder (:attr:`matcher.bands.Calibration.competitor`; MiniLM's by default: 0.8, and 0.6
        with 0.38).

        Example:
            >>> Recommender().compete(np.array([0.85, 0.41, 0.41]), np.array([0.0, 0.66, 0.3])).tolist()
            [True, True, False]
        """
        return self.calibration.competitor.compete(offers, seeks)

    def _fill(self, query: _Query, pool: CandidatePool, k: int, eligible: np.ndarray) -> CandidatePool:
        """Adds eligible organisations when the channels found fewer than ``k``, so k asked are k returned."""
        if len(pool) >= k:
            return pool
        eligible = eligible.copy()
        eligible[query.excluded] = False
        eligible[pool.rows] = False
        n_more = int(eligible.sum())
        if not n_more:
            return pool
        if n_more <= max(_FILL_ALL_BELOW, k):
            extra = np.flatnonzero(eligible)
        else:
            rows, _ = self.searchers_["profile"].search(query.vectors["profile"][None, :], k, eligible)
            extra = rows[0] if query.vectors["profile"].any() else np.flatnonzero(eligible)[:k]
        return CandidatePool(
            np.concatenate([pool.rows, extra]), np.concatenate([pool.channels, np.zeros(len(extra), np.uint16)])
        )

    # ------------------------------------------------------------------------------------------------- public

    def recommend(
        self,
        query: str | Profile,
        k: int = 10,
        filters: Filters | None = None,
        *,
        query_vectors: Mapping[str, np.ndarray] | None = None,
        include_partners: bool = False,
        include_competitors: bool = False,
        exclude: Collection[str] = (),
        cross_city: CrossCity | None = None,
        explain: bool = True,
    ) -> Recommendations:
        """Partners for one organisation of the catalogue (by id) or a profile typed in.

        Args:
            query: An id of the catalogue, or a :class:`~matcher.schema.Profile` (with ``query_vectors`` when it
                is not in the catalogue).
            k: Results wanted; ``k`` are returned whenever ``k`` organisations pass the filters.
            filters: Which organisations may be suggested; applied before the top-k cut.
            query_vectors: Per facet, the profile's unit vector (encode a typed-in profile's texts).
            include_partners: Also suggest existing partners (else they come separately).
            include_competitors: Keep likely competitors.
            exclude: Ids never to suggest (e.g. marked not relevant).
            cross_city: Overrides the recommender's ``cross_city`` for this call.
            explain: Write the reasons (False leaves them empty: faster, for evaluations).

        Raises:
            UnknownProfileError: ``query`` is an id not in the catalogue.
            ValueError: A typed-in profile without ``query_vectors``, a negative ``k``.
        """
        return self.recommend_many(
            [query],
            k,
            filters,
            query_vectors=None if query_vectors is None else [query_vectors],
            include_partners=include_partners,
            include_competitors=include_competitors,
            exclude=exclude,
            cross_city=cross_city,
            exposure_cap=None,
            explain=explain,
        )[0]

    def recommend_many(
        self,
        queries: Sequence[str | Profile],
        k: int = 10,
        filters: Filters | None = None,
        *,
        query_vectors: Sequence[Mapping[str, np.ndarray] | None] | None = None,
        include_partners: bool = False,
        include_competitors: bool = False,
        exclude: Collection[str] | Mapping[str, Collection[str]] = (),
        cross_city: CrossCity | None = None,
        exposure_cap: float | Literal["default"] | None = "default",
        explain: bool = True,
        diversify: bool = True,
    ) -> list[Recommendations]:
        """Partners for many askers at once: searches are batched, and an exposure cap spreads the suggestions.

        Args:
            queries: Ids or profiles, as for :meth:`recommend`.
            k: Results per asker.
            filters: Shared by all askers.
            query_vectors: Aligned with ``queries``: vectors for typed-in profiles, None for ids.
            include_partners: As for :meth:`recommend`.
            include_competitors: As for :meth:`recommend`.
            exclude: Ids never to suggest to anyone, or per asker id its own ids to leave out.
            cross_city: As for :meth:`recommend`.
            exposure_cap: Share of the lists one organisation may appear in; ``"default"`` uses the recommender's
                ``exposure_cap``, None turns the cap off.
            explain: As for :meth:`recommend`.
            diversify: False ranks each list by score alone (maximal marginal relevance off, whatever
                ``mmr_lambda`` says): for callers that only pick candidates to score again, where variety buys nothing.

        Returns:
            One :class:`Recommendations` per query, in order.
        """
        return self._run(
            queries,
            k,
            filters,
            query_vectors=query_vectors,
            include_partners=include_partners,
            include_competitors=include_competitors,
            exclude=exclude,
            cross_city=cross_city,
            exposure_cap=self.exposure_cap if exposure_cap == "default" else exposure_cap,
            explain=explain,
            mode="partner",
            diversify=diversify,
        )

    def similar(
        self,
        query: str | Profile,
        k: int = 10,
        filters: Filters | None = None,
        *,
        query_vectors: Mapping[str, np.ndarray] | None = None,
        exclude: Collection[str] = (),
        cross_city: CrossCity | None = None,
    ) -> Recommendations:
        """Peers elsewhere: organisations like this one (profile, offers, sectors, terms), scored with the
        ``weights.peers`` of the ranking model. Partners are not set apart and competitors are kept: here they
        are what is asked for."""
        return self._run(
            [query],
            k,
            filters,
            query_vectors=None if query_vectors is None else [query_vectors],
            include_partners=True,
            include_competitors=True,
            exclude=exclude,
            cross_city=cross_city,
            exposure_cap=None,
            explain=True,
            mode="peer",
        )[0]

    def features_for(
        self,
        query: str | Profile,
        candidate_ids: Sequence[str],
        *,
        query_vectors: Mapping[str, np.ndarray] | None = None,
    ) -> pd.DataFrame:
        """The pair features of ``query`` with each of ``candidate_ids`` (for training a re-ranker).

        Returns:
            A frame with columns :data:`matcher.features.FEATURE_NAMES`, one row per candidate id, indexed by id.

        Raises:
            UnknownProfileError: ``query`` or a candidate id is not in the catalogue.
        """
        resolved, rows, signals, _ = self._pairs(query, candidate_ids, query_vectors)
        frame = self._features(resolved, rows, signals)
        frame.index = pd.Index(list(candidate_ids), name="candidate_id")
        return frame

    def explain_pairs(self, query: str, candidate_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The reasons of ``query`` with each of ``candidate_ids``, as its suggestions would give them, for pairs
        chosen elsewhere (a meeting plan) rather than ranked.

        Raises:
            UnknownProfileError: ``query`` or a candidate id is not in the catalogue.
        """
        resolved, rows, signals, peers = self._pairs(query, candidate_ids, None)
        scored = self._score(resolved, rows, signals, self.scorer_)
        picked = np.arange(len(candidate_ids))
        no_channels = [() for _ in candidate_ids]
        matches = self._matches(resolved, scored, picked, no_channels, peers, "partner", explain=True)
        return {m.id: m.reasons for m in matches}

    def _pairs(
        self, query: str | Profile, candidate_ids: Sequence[str], query_vectors: Mapping[str, np.ndarray] | None
    ) -> tuple[_Query, np.ndarray, dict[str, sp.csr_matrix], np.ndarray]:
        """The asker resolved, the catalogue rows of ``candidate_ids``, the sparse signals and the asker's peers."""
        self._check_fitted()
        try:
            rows = self.catalogue_.rows(candidate_ids)
        except NotFoundError as unknown:
            raise UnknownProfileError(str(unknown)) from None
        resolved = self._resolve(query, query_vectors, (), include_partners=True)
        signals: dict[str, sp.csr_matrix] = {"lexical": self.lexical_.scores(resolved.lexical)}
        if resolved.row >= 0 and len(resolved.partners):
            signals.update(_link_signals(self.graph_.link_scores(np.array([resolved.row]))))
        peers = np.zeros(0, np.int64)
        if self.graph_.n_edges and self.peer_seeds and resolved.vectors["profile"].any():
            found, scores = self.searchers_["profile"].search(
                resolved.vectors["profile"][None, :], self.peer_seeds + 1, None
            )
            keep = found[0] != resolved.row
            peers = found[0][keep][: self.peer_seeds]
            weights = np.clip(scores[0][keep][: self.peer_seeds], 0.0, None)
            signals["partners_of_peers"] = self.graph_.peer_scores(peers, weights)
        return resolved, rows, signals, peers

    def candidate_features(
        self, queries: Sequence[str], k: int = 10, *, cross_city: CrossCity | None = None
    ) -> Iterator[CandidateSet]:
        """The candidates the channels propose for each asker, with their pair features, before any scoring.

        What a re-ranker learns from and is measured on: the same pools, from the same channels, as the lists it
        will re-rank. Existing partners and the asker itself are left out, as in :meth:`recommend`.

        Args:
            queries: Askers' ids.
            k: The list length the pools are drawn for (each channel proposes ``max(channel_k, k)``).
            cross_city: Overrides the recommender's ``cross_city``.

        Yields:
            One :class:`CandidateSet` per asker, in the order given.

        Raises:
            UnknownProfileError: An id is not in the catalogue.
        """
        self._check_fitted()
        resolved = [self._resolve(query, None, (), include_partners=False) for query in queries]
        found = self._pools(resolved, None, cross_city or self.cross_city, k, "partner")
        for i, pool, _, signal, _ in sorted(found, key=lambda item: item[0]):
            features = self._features(resolved[i], pool.rows, signal)
            yield CandidateSet(queries[i], [self.ids_[r] for r in pool.rows.tolist()], features, pool)

    def _pools(
        self, resolved: list[_Query], filters: Filters | None, cross_city: CrossCity, k: int, mode: str
    ) -> Iterator[tuple[int, CandidatePool, np.ndarray, dict[str, sp.csr_matrix], np.ndarray]]:
        """Each asker's candidate pool, peers, sparse signals and allowed mask; askers sharing a place mask are
        searched together, in bounded chunks. Yields ``(position in resolved, pool, peers, signals, allowed)``."""
        base = np.ones(len(self.ids_), dtype=bool) if filters is None else filters.mask(self.profiles_)
        groups: dict[int, list[int]] = {}
        masks: dict[int, np.ndarray] = {}
        for i, q in enumerate(resolved):
            place = self.catalogue_.allowed_from(q.attrs.city[0], q.attrs.country[0], cross_city)
            groups.setdefault(id(place), []).append(i)
            masks[id(place)] = place
        for key, members in groups.items():
            allowed = base & masks[key]
            for start in range(0, len(members), _GROUP_CHUNK):
                chunk = members[start : start + _GROUP_CHUNK]
                pools, peers, signals = self._retrieve([resolved[i] for i in chunk], allowed, k, mode)
                for i, pool, peer_rows, signal in zip(chunk, pools, peers, signals, strict=True):
                    yield i, pool, peer_rows, signal, allowed

    # ------------------------------------------------------------------------------------------------- pipeline

    def _run(
        self,
        queries: Sequence[str | Profile],
        k: int,
        filters: Filters | None,
        *,
        query_vectors: Sequence[Mapping[str, np.ndarray] | None] | None,
        include_partners: bool,
        include_competitors: bool,
        exclude: Collection[str] | Mapping[str, Collection[str]],
        cross_city: CrossCity | None,
        exposure_cap: float | None,
        explain: bool,
        mode: str,
        diversify: bool = True,
    ) -> list[Recommendations]:
        self._check_fitted()
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise ValueError(f"k must be an int >= 0, got {k!r}")
        k = int(k)
        cross_city = cross_city or self.cross_city
        check_cross_city(cross_city)
        if query_vectors is not None and len(query_vectors) != len(queries):
            raise ValueError(f"{len(queries)} queries but {len(query_vectors)} query_vectors")
        resolved = []
        for i, query in enumerate(queries):
            key = query if isinstance(query, str) else getattr(query, "id", "")
            own = exclude.get(key, ()) if isinstance(exclude, Mapping) else exclude
            vectors = None if query_vectors is None else query_vectors[i]
            resolved.append(self._resolve(query, vectors, own, include_partners))
        if k == 0:
            return [Recommendations(query=q.label, results=[]) for q in resolved]

        capped = exposure_cap is not None and len(resolved) > 1
        length = 2 * k if capped else k
        ranked: list[_Ranked | None] = [None] * len(resolved)
        for i, pool, peer_rows, signal, allowed in self._pools(resolved, filters, cross_city, k, mode):
            ranked[i] = self._rank_one(
                resolved[i],
                pool,
                signal,
                peer_rows,
                k,
                length,
                allowed,
                mode=mode,
                include_competitors=include_competitors,
                mmr_lambda=self.mmr_lambda if diversify else 1.0,
            )
        done: list[_Ranked] = [r for r in ranked if r is not None]
        if capped:
            limit = exposure_limit(exposure_cap, len(done))  # type: ignore[arg-type]
            kept = cap_exposure([r.pool.rows[r.order] for r in done], [r.scored.score[r.order] for r in done], k, limit)
        else:
            kept = [np.arange(min(k, len(r.order))) for r in done]
        return [
            self._recommendations(q, r, positions, k, mode, explain)
            for q, r, positions in zip(resolved, done, kept, strict=True)
        ]

    # ------------------------------------------------------------------------------------------------- output

    def _recommendations(
        self, query: _Query, ranked: _Ranked, positions: np.ndarray, k: int, mode: str, explain: bool
    ) -> Recommendations:
        picked = ranked.order[positions]
        channels = [ranked.pool.channel_names(j) for j in picked.tolist()]
        results = self._matches(query, ranked.scored, picked, channels, ranked.peers, mode, explain)
        partners: list[Match] = []
        if ranked.partners is not None:
            best = np.argsort(-ranked.partners.score, kind="stable")[:k]
            no_channels = [() for _ in best]
            partners = self._matches(query, ranked.partners, best, no_channels, ranked.peers, mode, explain)
        return Recommendations(
            query=query.label,
            results=results,
            existing_partners=partners,
            excluded_competitors=ranked.excluded_competitors,
        )

    def _profile(self, row: int) -> Profile:
        return Profile(**{name: column[row] for name, column in self.columns_.items()})

    def _matches(
        self,
        query: _Query,
        scored: _Scored,
        picked: np.ndarray,
        channels: Sequence[tuple[str, ...]],
        peers: np.ndarray,
        mode: str,
        explain: bool,
    ) -> list[Match]:
        query_roles = roles_of(query.profile.org_type, query.profile.sectors)
        peer_set = set(peers.tolist())
        out = []
        for i, j in enumerate(picked.tolist()):
            row = int(scored.rows[j])
            candidate = self._profile(row)
            contributions = dict(zip(scored.share_names, scored.shares[j].tolist(), strict=True))
            reasons = (
                self._reasons(query, query_roles, candidate, row, scored.values[j], contributions, peer_set, mode)
                if explain
                else ()
            )
            out.append(
                Match(
                    id=candidate.id,
                    name=candidate.name,
                    city=candidate.city,
                    country=candidate.country,
                    org_type=candidate.org_type,
                    score=float(scored.score[j]),
                    fit_for_query=float(scored.fit_query[j]),
                    fit_for_candidate=float(scored.fit_candidate[j]),
                    reasons=reasons,
                    contributions=contributions,
                    channels=channels[i],
                    scale=self.calibration.ranking,
                )
            )
        return out

    def _reasons(
        self,
        query: _Query,
        query_roles: tuple[str, ...],
        candidate: Profile,
        row: int,
        features: np.ndarray,
        contributions: dict[str, float],
        peer_set: set[int],
        mode: str,
    ) -> tuple[str, ...]:
        fit = self.config_.type_fit
        candidate_roles = roles_of(candidate.org_type, candidate.sectors)
        forward, backward = fit.pair(query_roles, candidate_roles), fit.pair(candidate_roles, query_roles)
        type_pair = forward[:2] if forward[2] >= backward[2] else (backward[1], backward[0])
        partners_of_candidate = self.graph_.partners(row)
        common = np.intersect1d(query.partners, partners_of_candidate, assume_unique=True)
        peer_partners = [p for p in partners_of_candidate.tolist() if p in peer_set]
        names = self.columns_["name"]
        return explain_pair(
            query.profile,
            candidate,
            dict(zip(FEATURE_NAMES, features.tolist(), strict=True)),
            contributions,
            type_pair=type_pair,
            common_partners=[str(names[r]) for r in common[:5]],
            peers=[str(names[r]) for r in peer_partners[:5]],
            encode=self.phrase_encoder_,
            mode="partner" if mode == "partner" else "peer",
            thresholds=self.calibration.reasons,
            english=self.english,
        )
