"""Investment attraction: a city's cluster, the organisations elsewhere that would gain from a site there, the
cluster's gaps, and one lead's fit with each alliance city.

Frames and arrays in, small frozen dataclasses out; no I/O. The application layer
(:mod:`matcher.service.attraction`) reads the store, asks the ranking for the pair scores and the reasons, and
hands them here.

How a lead is scored (:class:`LeadScorer`), each part in [0, 1]:

- **breadth**: the reciprocal pair scores of the lead with the city's organisations (the product's own two-sided
  ranking, local organisation as the asker), aggregated as a discounted sum over its best ``depth`` distinct local
  organisations at or above ``floor``, divided by the sum of the discounts: one local hub at 1.0 gives only
  ``1 / sum(discount ** i)`` (0.36 with the defaults), three locals at 0.6 give 0.47, so one hub cannot carry a
  lead alone and breadth wins; its weight is scaled by :func:`text_strength`: where profiles state no offers or
  needs, pair scores measure only resemblance;
- **strategy**: alignment with the city's stated strategy (its target sectors, and the strategy text's cosine with
  the lead's offers);
- **lookalike**: resemblance (profile cosine) to organisations outside the city that already partner with it;
- **gaps**: the cluster's gaps (:attr:`Gaps.attract`) that the lead's offers fill;
- **graph**: partnership-graph evidence: the lead's recent activity (new partners in the history's latest year,
  0.8) and its Adamic-Adar paths and direct links to the city's organisations (0.2), times
  :func:`history_strength`: a workspace with little partnership history (a demo, hand-entered links) gives it
  little say.

The total is the weighted sum (:data:`DEFAULT_WEIGHTS`).

Example:
    >>> pairs = np.array([[0.9, 0.6], [0.0, 0.6], [0.0, 0.6]])   # 3 local organisations x 2 outside ones
    >>> scores = LeadScorer(weights={"breadth": 1.0}).score(pairs)
    >>> [round(v, 3) for v in scores.breadth.tolist()]           # the hub-only lead loses to the broad one
    [0.325, 0.474]
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .cordis import SECTOR_KEYWORDS
from .vocab import SECTOR_LABELS, SECTORS, split_sectors

__all__ = [
    "DEFAULT_WEIGHTS",
    "KNOWLEDGE_TYPES",
    "LEAD_TYPES",
    "Beneficiary",
    "CityFit",
    "CityFits",
    "ClusterView",
    "Gap",
    "Gaps",
    "Lead",
    "LeadScorer",
    "LeadScores",
    "Leads",
    "Strategy",
    "cluster_view",
    "find_gaps",
    "gaps_filled",
    "graph_evidence",
    "history_strength",
    "lookalike",
    "read_sectors",
    "strategy_alignment",
    "text_strength",
]

logger = logging.getLogger(__name__)

LEAD_TYPES: tuple[str, ...] = ("multinational", "large_company", "company", "research_institute", "investor")
"""Organisation types considered as leads by default: the firms, institutes and investors a city attracts.
``company`` is in: a firm imported without its size (CORDIS's non-SME companies, a spreadsheet's "corporation")
is most often a large one. Startups and SMEs are what a city grows itself; universities and public bodies do
not open sites."""

KNOWLEDGE_TYPES: tuple[str, ...] = ("university", "research_institute")
"""The knowledge hubs a cluster view lists."""

DEFAULT_WEIGHTS: dict[str, float] = {"breadth": 1.0, "strategy": 0.3, "lookalike": 0.1, "gaps": 0.3, "graph": 3.0}
"""How much each part of a lead's score weighs (see the module's docstring). The graph part is already scaled by
:func:`history_strength`: on the development set (CORDIS H2020, 22 partners per organisation) who is taking on
partners now predicts a city's new partners better than any content signal (bench/RESULTS.md), so it weighs three
times the breadth there; on a workspace with little history it counts for little."""

FULL_HISTORY_DEGREE = 20.0
"""Mean partners per organisation at which the partnership graph's evidence counts in full."""

FULL_TEXT_SHARE = 0.5
"""Share of profiles stating an offer or a need at which the breadth part counts in full (:func:`text_strength`)."""

_EXTRA_KEYWORDS = {
    "antibody_drug_conjugates": r"ADCs?|antibody[- ]drug conjugates?|conjugation|cytotoxic linkers?",
    "bioprocessing_cdmo": (
        r"CDMOs?|CMOs?|contract (?:development|manufactur)\w*|GMP|fill[- ]finish|bioprocess\w*|biomanufactur\w*"
        r"|scale-?up manufactur\w*|cell culture media|bioreactors?"
    ),
    "diagnostics": r"assays?|biomarkers?|companion diagnostics?",
    "therapeutics": r"clinical trials?|drug candidates?|pharma\w*|preclinical",
    "medical_devices": r"medtech|surgical|catheters?",
    "digital_health": r"health data|clinical software|remote monitoring",
}
"""Keywords beyond :data:`matcher.cordis.SECTOR_KEYWORDS` (written for project titles) that an offer or a need
uses for the bio sectors the CORDIS list lacks."""

_SECTOR_PATTERNS: dict[str, re.Pattern[str]] = {
    sector: re.compile(
        r"\b(?:"
        + "|".join(p for p in (SECTOR_KEYWORDS.get(sector), _EXTRA_KEYWORDS.get(sector), re.escape(label)) if p)
        + r")\b",
        re.IGNORECASE,
    )
    for sector, label in SECTOR_LABELS.items()
}

_STOP_WORDS = "english"
_MAX_TERMS = 8


def read_sectors(text: str) -> tuple[str, ...]:
    """The taxonomy sectors a free text (an offer, a need) names, by keyword, in taxonomy order.

    Keywords are English (:data:`matcher.cordis.SECTOR_KEYWORDS` plus offer and need wording for the bio
    sectors): a need written only in Korean names no sector here, and counts in no gap.

    Example:
        >>> read_sectors("A CDMO for GMP fill-finish of our ADC; AI for assay design")
        ('antibody_drug_conjugates', 'bioprocessing_cdmo', 'diagnostics', 'ai')
    """
    if not isinstance(text, str) or not text.strip():
        return ()
    return tuple(sector for sector in SECTORS if _SECTOR_PATTERNS[sector].search(text))


# ------------------------------------------------------------------------------------------------ dataclasses


@dataclass(frozen=True)
class Strategy:
    """What a city wants to attract, as its officers wrote it.

    Attributes:
        city: The city (canonical name).
        sectors: Target sectors from :data:`matcher.vocab.SECTORS`.
        text: The strategy in the officers' words.
        updated_by: Who wrote it last ("" for never).
        updated_at: When (UTC, ISO), None for never.
    """

    city: str
    sectors: tuple[str, ...] = ()
    text: str = ""
    updated_by: str = ""
    updated_at: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when the city has no strategy (no sectors, no text)."""
        return not self.sectors and not self.text.strip()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {**asdict(self), "sectors": list(self.sectors)}


@dataclass(frozen=True)
class ClusterView:
    """A city's cluster, computed from the store.

    Attributes:
        city: The city.
        organisations: How many organisations the store has there.
        by_type: Organisations per type, most first.
        by_sector: Organisations per declared sector, most first.
        knowledge_hubs: (id, name) of its universities and research institutes.
        offers: The terms its organisations' offers use most, weighed by their rarity elsewhere, short.
        seeks: The same for their needs.
        partnerships_home: Partnerships between two of its organisations.
        partnerships_abroad: Partnerships of its organisations with organisations elsewhere.
        partner_cities: Partnerships abroad per partner city, most first.
    """

    city: str
    organisations: int
    by_type: dict[str, int]
    by_sector: dict[str, int]
    knowledge_hubs: tuple[tuple[str, str], ...]
    offers: tuple[str, ...]
    seeks: tuple[str, ...]
    partnerships_home: int
    partnerships_abroad: int
    partner_cities: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (knowledge hubs as ``{"id", "name"}`` objects)."""
        out = asdict(self)
        out["knowledge_hubs"] = [{"id": i, "name": n} for i, n in self.knowledge_hubs]
        out["offers"], out["seeks"] = list(self.offers), list(self.seeks)
        return out


@dataclass(frozen=True)
class Beneficiary:
    """A local organisation that would gain from a lead.

    Attributes:
        id: Its id.
        name: Its name.
        score: The pair's reciprocal score (local organisation as the asker).
        reason: Why, quoting both sides where the profiles allow: what the lead offers that it seeks, or the
            reverse (original language kept).
        partner: It has a partnership with the lead in the store already: an existing link to build on, not a
            new opportunity.

    Example:
        >>> Beneficiary("dj-1", "Hanbit", 0.41237, "Fits both ways.", partner=True).to_dict()
        {'id': 'dj-1', 'name': 'Hanbit', 'reason': 'Fits both ways.', 'score': 0.4124, 'partner': True}
    """

    id: str
    name: str
    score: float
    reason: str
    partner: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "id": self.id, "name": self.name, "reason": self.reason, "score": round(self.score, 4),
            "partner": self.partner,
        }


@dataclass(frozen=True)
class Lead:
    """An organisation outside the city, ranked by its fit to the city's cluster.

    Attributes:
        id, name, city, country, org_type: Who it is.
        score: Its lead score (:class:`LeadScorer`).
        local_beneficiaries: The local organisations that would gain most, best first.
        reasons: Why, strongest first, in plain words.
        gaps_filled: Sectors of the cluster's gaps its offers fill.
        parts: Each part of the score before weighting (breadth, strategy, lookalike, gaps, graph).
    """

    id: str
    name: str
    city: str
    country: str
    org_type: str
    score: float
    local_beneficiaries: tuple[Beneficiary, ...]
    reasons: tuple[str, ...]
    gaps_filled: tuple[str, ...] = ()
    parts: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the keys of issue #13: id, name, city, country, org_type, score, local_beneficiaries
        (id, name, reason, score), reasons; plus gaps_filled and the score's parts."""
        return {
            "id": self.id,
            "name": self.name,
            "city": self.city,
            "country": self.country,
            "org_type": self.org_type,
            "score": round(self.score, 4),
            "local_beneficiaries": [b.to_dict() for b in self.local_beneficiaries],
            "reasons": list(self.reasons),
            "gaps_filled": list(self.gaps_filled),
            "parts": {name: round(value, 4) for name, value in self.parts.items()},
        }


@dataclass(frozen=True)
class Leads:
    """The leads for one city.

    Attributes:
        city: The city.
        results: Best first.
        message: Why fewer than asked came back, or what was left out; None when there is nothing to say.
    """

    city: str
    results: tuple[Lead, ...]
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"city": ..., "results": [...], "message": ...}``."""
        return {"city": self.city, "results": [lead.to_dict() for lead in self.results], "message": self.message}


@dataclass(frozen=True)
class Gap:
    """One sector of a cluster: how many of its organisations seek it and how many offer it.

    Attributes:
        sector: A sector of :data:`matcher.vocab.SECTORS`.
        seeking: Local organisations whose needs name the sector.
        offering: Local organisations whose offers name it.
        balance: ``(seeking - offering) / (seeking + offering + 1)``: near 1 sought and not offered, near -1 the
            reverse.
    """

    sector: str
    seeking: int
    offering: int
    balance: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the sector's label."""
        return {**asdict(self), "label": SECTOR_LABELS.get(self.sector, self.sector), "balance": round(self.balance, 4)}


@dataclass(frozen=True)
class Gaps:
    """A cluster's gaps.

    Attributes:
        city: The city.
        attract: Sectors sought much more than offered (what to attract), largest gap first.
        export: Sectors offered much more than sought (what to export), largest first.
        table: Every sector named at all: ``sector, label, seeking, offering, balance`` (chart data), by balance.
    """

    city: str
    attract: tuple[Gap, ...]
    export: tuple[Gap, ...]
    table: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``city``, ``attract``, ``export`` and ``table`` (a list of rows)."""
        return {
            "city": self.city,
            "attract": [gap.to_dict() for gap in self.attract],
            "export": [gap.to_dict() for gap in self.export],
            "table": [{**row, "balance": round(float(row["balance"]), 4)} for row in self.table.to_dict("records")],
        }


@dataclass(frozen=True)
class CityFit:
    """One lead's fit with one city.

    Attributes:
        city: The city.
        score: The lead score it would have there.
        beneficiaries: Who would gain there, best first.
        reasons: Why, in plain words.
    """

    city: str
    score: float
    beneficiaries: tuple[Beneficiary, ...]
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "city": self.city,
            "score": round(self.score, 4),
            "beneficiaries": [b.to_dict() for b in self.beneficiaries],
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class CityFits:
    """One organisation's fit with each alliance city, side by side.

    Attributes:
        id, name, home_city: Who it is.
        fits: Best first, every alliance city with organisations in the store except its own.
        summary: Which city fits best and why, in one honest sentence or two.
    """

    id: str
    name: str
    home_city: str
    fits: tuple[CityFit, ...]
    summary: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "id": self.id,
            "name": self.name,
            "home_city": self.home_city,
            "fits": [fit.to_dict() for fit in self.fits],
            "summary": self.summary,
        }


# ------------------------------------------------------------------------------------------------ cluster


def _counts(values: Sequence[str] | pd.Series) -> dict[str, int]:
    return {key: int(n) for key, n in Counter(values).most_common()}


def _top_terms(texts: Sequence[str], background: Sequence[str] = (), n: int = _MAX_TERMS) -> tuple[str, ...]:
    """The terms (one or two words, stop words left out) at least two of ``texts`` use, most characteristic
    first: by how many use them times their rarity in ``background`` (every organisation's texts), so that
    "partners" and "research", which every city writes, give way to what this one does."""
    from sklearn.feature_extraction.text import CountVectorizer

    texts = [t for t in texts if isinstance(t, str) and t.strip()]
    if len(texts) < 2:
        return ()
    vectorizer = CountVectorizer(ngram_range=(1, 2), stop_words=_STOP_WORDS, binary=True, min_df=2)
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # no term in two texts
        return ()
    terms = vectorizer.get_feature_names_out()
    df = np.asarray(counts.sum(axis=0)).ravel().astype(float)
    others = [t for t in background if isinstance(t, str) and t.strip()]
    if others:
        seen = np.asarray(vectorizer.transform(others).sum(axis=0)).ravel()
        df *= np.log((1 + len(others)) / (1 + seen)) + 1.0
    # A bigram says more than its words: rank by weight, then by length; drop words a kept bigram contains.
    order = sorted(range(len(terms)), key=lambda i: (-df[i], -len(terms[i].split()), terms[i]))
    kept: list[str] = []
    for i in order:
        term = str(terms[i])
        if any(term in other.split() for other in kept if " " in other):
            continue
        words = term.split()
        kept = [other for other in kept if len(words) == 1 or other not in words] + [term]
        if len(kept) == n:
            break
    return tuple(kept)


def cluster_view(city: str, profiles: pd.DataFrame, partnerships: pd.DataFrame) -> ClusterView:
    """A city's cluster from the store's profiles (all of them) and partnerships.

    Example:
        >>> profiles = pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", "C"],
        ...     "org_type": ["university", "startup", "company"], "city": ["X", "X", "Y"],
        ...     "sectors": [("ai",), ("ai", "robotics"), ()], "offers": ["", "", ""], "seeks": ["", "", ""]})
        >>> edges = pd.DataFrame({"source_id": ["a", "a"], "target_id": ["b", "c"]})
        >>> view = cluster_view("X", profiles, edges)
        >>> view.organisations, view.by_sector, view.knowledge_hubs, view.partner_cities
        (2, {'ai': 2, 'robotics': 1}, (('a', 'A'),), {'Y': 1})
    """
    local = profiles[profiles["city"] == city]
    ids = set(local["id"])
    city_of = dict(zip(profiles["id"], profiles["city"], strict=True))
    home = abroad = 0
    partner_cities: Counter[str] = Counter()
    for source, target in zip(partnerships["source_id"], partnerships["target_id"], strict=True):
        inside = (source in ids) + (target in ids)
        if inside == 2:
            home += 1
        elif inside == 1:
            abroad += 1
            other = target if source in ids else source
            partner_cities[str(city_of.get(other, "?"))] += 1
    hubs = local[local["org_type"].isin(KNOWLEDGE_TYPES)]
    return ClusterView(
        city=city,
        organisations=len(local),
        by_type=_counts(local["org_type"].tolist()),
        by_sector=_counts([s for sectors in local["sectors"] for s in sectors]),
        knowledge_hubs=tuple(zip(hubs["id"].tolist(), hubs["name"].tolist(), strict=True)),
        offers=_top_terms(local["offers"].tolist(), profiles["offers"].tolist()),
        seeks=_top_terms(local["seeks"].tolist(), profiles["seeks"].tolist()),
        partnerships_home=home,
        partnerships_abroad=abroad,
        partner_cities=dict(partner_cities.most_common()),
    )


# ------------------------------------------------------------------------------------------------ gaps


def _offered_sectors(offers: str, sectors: Sequence[str]) -> set[str]:
    """What an organisation offers: the sectors its offers name, or its declared sectors when they name none."""
    named = set(read_sectors(offers))
    return named or {s for s in sectors if s in SECTOR_LABELS}


def find_gaps(city: str, local: pd.DataFrame, *, min_count: int = 2, min_balance: float = 0.3) -> Gaps:
    """The sectors a cluster seeks much more than it offers, and the reverse.

    Seeking: the local organisations whose needs (``seeks``) name a sector (:func:`read_sectors`). Offering: those
    whose offers name it, or, for an organisation whose offers name no sector, its declared sectors (what it does
    is what it offers). A sector is a gap to attract when its balance is at least ``min_balance`` and at least
    ``min_count`` organisations seek it; one to export in the mirror case.

    Example:
        >>> local = pd.DataFrame({"offers": ["AI models", "AI vision", "AI chips"],
        ...     "seeks": ["a CDMO for GMP batches", "GMP fill-finish", "AI talent"], "sectors": [(), (), ()]})
        >>> gaps = find_gaps("X", local)
        >>> [g.sector for g in gaps.attract], [g.sector for g in gaps.export]
        (['bioprocessing_cdmo'], ['ai'])
    """
    seeking: Counter[str] = Counter()
    offering: Counter[str] = Counter()
    for offers, seeks, sectors in zip(local["offers"], local["seeks"], local["sectors"], strict=True):
        seeking.update(read_sectors(seeks))
        offering.update(_offered_sectors(offers, sectors))
    rows = []
    for sector in SECTORS:
        s, o = seeking[sector], offering[sector]
        if s or o:
            rows.append((sector, SECTOR_LABELS[sector], s, o, (s - o) / (s + o + 1)))
    table = pd.DataFrame(rows, columns=["sector", "label", "seeking", "offering", "balance"])
    table = table.sort_values(["balance", "seeking"], ascending=[False, False], kind="stable").reset_index(drop=True)
    gaps = [Gap(r.sector, int(r.seeking), int(r.offering), float(r.balance)) for r in table.itertuples()]
    attract = tuple(g for g in gaps if g.balance >= min_balance and g.seeking >= min_count)
    export = tuple(
        sorted((g for g in gaps if g.balance <= -min_balance and g.offering >= min_count), key=lambda g: g.balance)
    )
    return Gaps(city, attract, export, table)


def gaps_filled(offers: str, sectors: Sequence[str], gaps: Sequence[Gap]) -> tuple[str, ...]:
    """The sectors of ``gaps`` an organisation's offers fill (:func:`find_gaps` reads offers the same way).

    Example:
        >>> gaps_filled("GMP manufacturing of ADCs", (), [Gap("bioprocessing_cdmo", 4, 0, 0.8), Gap("ai", 3, 0, 0.75)])
        ('bioprocessing_cdmo',)
    """
    offered = _offered_sectors(offers, sectors)
    return tuple(gap.sector for gap in gaps if gap.sector in offered)


# ------------------------------------------------------------------------------------------------ parts


def strategy_alignment(
    strategy: Strategy,
    candidate_sectors: Sequence[Sequence[str]],
    text_similarity: np.ndarray | None = None,
) -> np.ndarray:
    """How well each candidate fits a city's strategy, in [0, 1]: the share of the strategy's target sectors it
    works in (declared), averaged with the cosine of the strategy text with its offers (``text_similarity``,
    clipped at 0) when the strategy has text. Zeros for an empty strategy.

    Example:
        >>> s = Strategy("X", sectors=("ai", "energy"))
        >>> strategy_alignment(s, [("ai",), ("ai", "energy"), ()]).tolist()
        [0.5, 1.0, 0.0]
    """
    n = len(candidate_sectors)
    parts = []
    if strategy.sectors:
        wanted = set(strategy.sectors)
        parts.append(np.array([len(wanted.intersection(s)) / len(wanted) for s in candidate_sectors], dtype=float))
    if strategy.text.strip() and text_similarity is not None:
        parts.append(np.clip(np.asarray(text_similarity, dtype=float), 0.0, 1.0))
    return np.mean(parts, axis=0) if parts else np.zeros(n)


def lookalike(candidates: np.ndarray, anchors: np.ndarray, same: np.ndarray | None = None) -> np.ndarray:
    """Each candidate's highest cosine (clipped at 0) with the anchors: organisations elsewhere that already
    partner with the city. ``same[i, j]`` True where candidate ``i`` is anchor ``j`` (not its own lookalike).

    Example:
        >>> lookalike(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.6, 0.8]])).tolist()
        [0.6, 0.8]
    """
    if not len(anchors) or not len(candidates):
        return np.zeros(len(candidates))
    similarity = np.asarray(candidates, dtype=float) @ np.asarray(anchors, dtype=float).T
    if same is not None:
        similarity[same] = 0.0
    return np.clip(similarity.max(axis=1), 0.0, 1.0)


def graph_evidence(adjacency: sp.csr_matrix, local_rows: np.ndarray, candidate_rows: np.ndarray) -> np.ndarray:
    """Partnership-graph evidence that candidates will work with a city's organisations: per candidate, its
    direct links to them plus the Adamic-Adar score summed over them (each shared partner ``z`` weighed
    ``1 / log(degree z)``), as ``x / (1 + x)`` in [0, 1).

    Args:
        adjacency: The symmetric 0/1 partner graph over catalogue rows
            (:attr:`matcher.candidates.PartnerGraph.adjacency_`).
        local_rows: The city's organisations.
        candidate_rows: The candidates.

    Example:
        >>> a = sp.csr_matrix(np.array([[0, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0], [0, 1, 0, 0]], dtype=np.float32))
        >>> graph_evidence(a, np.array([0]), np.array([1, 3])).round(3).tolist()  # 1 shares partner 2 with 0
        [0.591, 0.0]
    """
    n = adjacency.shape[0]
    if not len(candidate_rows):
        return np.zeros(0)
    degree = np.diff(adjacency.indptr)
    is_local = np.zeros(n, dtype=np.float64)
    is_local[np.asarray(local_rows, dtype=np.int64)] = 1.0
    local_neighbours = adjacency @ is_local  # per row z: how many of the city's organisations it works with
    weight = local_neighbours / np.log(np.maximum(degree, 2))
    rows = adjacency[np.asarray(candidate_rows, dtype=np.int64)]
    total = rows @ weight + rows @ is_local
    return total / (1.0 + total)


def text_strength(offers: Sequence[str], seeks: Sequence[str]) -> float:
    """How much the breadth part counts, in [0, 1]: the share of profiles that state an offer or a need, over
    :data:`FULL_TEXT_SHARE`, capped at 1. The pair scores that breadth aggregates say what one side offers that
    the other needs; where profiles state neither (CORDIS records: a name, a type, programme parts), they measure
    only resemblance, and on the development set breadth then costs recall (bench/RESULTS.md, "Investment leads
    on the development set").

    Example:
        >>> text_strength(["GMP fill-finish", "", ""], ["", "", ""]), text_strength(["a", ""], ["", "b"])
        (0.666667, 1.0)
    """
    stated = [bool(str(o).strip()) or bool(str(s).strip()) for o, s in zip(offers, seeks, strict=True)]
    if not stated:
        return 0.0
    return round(min(1.0, float(np.mean(stated)) / FULL_TEXT_SHARE), 6)


def history_strength(degrees: np.ndarray) -> float:
    """How much the partnership graph's evidence counts, in [0, 1]: the mean number of partners per organisation
    over :data:`FULL_HISTORY_DEGREE`, squared, capped at 1. Squared, because in a sparse history (the demo: 4
    partners per organisation) the latest year's counts are a handful of hand-entered links each, and a lead that
    happens to have two of them would outrank ones that fit the cluster far better.

    Example:
        >>> history_strength(np.array([2, 4, 6])), history_strength(np.array([30, 50]))
        (0.04, 1.0)
    """
    if not len(degrees):
        return 0.0
    return round(float(min(1.0, (np.mean(degrees) / FULL_HISTORY_DEGREE) ** 2)), 6)


# ------------------------------------------------------------------------------------------------ scorer


@dataclass(frozen=True)
class LeadScores:
    """What :meth:`LeadScorer.score` returns: one value per candidate (column) in each array.

    Attributes:
        total: The weighted sum of the parts.
        parts: Each part, in [0, 1]: ``breadth`` always, the others when given.
        served: How many distinct local organisations score at or above the floor with each candidate.
    """

    total: np.ndarray
    parts: dict[str, np.ndarray]
    served: np.ndarray

    @property
    def breadth(self) -> np.ndarray:
        """The aggregated reciprocal pair scores."""
        return self.parts["breadth"]


class LeadScorer:
    """Aggregates a local x outside matrix of reciprocal pair scores, and the other evidence, into one score per
    outside organisation.

    Args:
        depth: How many of a candidate's best local organisations count.
        floor: Pair scores below it count as no fit at all (0.22 is about the best 7% of the demo's pairs).
        discount: The ``i``-th best local organisation (from 0) counts ``discount ** i``; the sum is divided by
            ``sum(discount ** i for i < depth)``, so ``breadth`` is in [0, 1] and reaches 1 only with ``depth``
            local organisations at 1.0.
        weights: Weight of each part (:data:`DEFAULT_WEIGHTS`); a part not given to :meth:`score` counts 0.

    Example:
        >>> LeadScorer(depth=3, floor=0.2, discount=0.5).aggregate(np.array([[0.8], [0.4], [0.1]])).round(3).tolist()
        [0.571]
    """

    def __init__(
        self, *, depth: int = 5, floor: float = 0.22, discount: float = 0.7, weights: Mapping[str, float] | None = None
    ) -> None:
        self.depth = depth
        self.floor = floor
        self.discount = discount
        self.weights = weights

    def _check(self) -> dict[str, float]:
        if not (isinstance(self.depth, int) and self.depth >= 1):
            raise ValueError(f"depth must be a positive int, got {self.depth!r}")
        if not 0.0 <= self.floor < 1.0:
            raise ValueError(f"floor must be in [0, 1), got {self.floor!r}")
        if not 0.0 < self.discount <= 1.0:
            raise ValueError(f"discount must be in (0, 1], got {self.discount!r}")
        weights = dict(DEFAULT_WEIGHTS if self.weights is None else self.weights)
        unknown = set(weights) - set(DEFAULT_WEIGHTS)
        if unknown or any(w < 0 for w in weights.values()):
            raise ValueError(f"weights must be >= 0 and named among {sorted(DEFAULT_WEIGHTS)}, got {weights}")
        return weights

    def _ranked(self, pair_scores: np.ndarray) -> np.ndarray:
        """Each column's scores at or above the floor, best first, the best ``depth`` rows: ``(depth, n)``."""
        scores = np.asarray(pair_scores, dtype=float)
        if scores.ndim != 2:
            raise ValueError(f"pair_scores must be a (local, candidate) matrix, got shape {scores.shape}")
        kept = np.where(scores >= self.floor, scores, 0.0)
        depth = min(self.depth, kept.shape[0])
        if depth == 0:
            return np.zeros((1, kept.shape[1]))
        return -np.sort(-kept, axis=0)[:depth]

    def aggregate(self, pair_scores: np.ndarray) -> np.ndarray:
        """The breadth part: a discounted sum over each candidate's best distinct local organisations.

        Args:
            pair_scores: ``(local, candidate)`` reciprocal scores in [0, 1], one row per distinct local
                organisation.
        """
        self._check()
        ranked = self._ranked(pair_scores)
        discounts = self.discount ** np.arange(self.depth)
        return (discounts[: len(ranked), None] * ranked).sum(axis=0) / discounts.sum()

    def beneficiaries(self, pair_scores: np.ndarray, column: int, n: int = 3) -> np.ndarray:
        """Rows of the best ``n`` local organisations at or above the floor for one candidate, best first."""
        scores = np.asarray(pair_scores, dtype=float)[:, column]
        order = np.argsort(-scores, kind="stable")[:n]
        return order[scores[order] >= max(self.floor, 1e-12)]

    def score(
        self, pair_scores: np.ndarray, *, breadth_strength: float = 1.0, **parts: np.ndarray | None
    ) -> LeadScores:
        """Scores every candidate (column of ``pair_scores``).

        Args:
            pair_scores: ``(local, candidate)`` reciprocal pair scores.
            breadth_strength: Multiplies the breadth part's weight (:func:`text_strength`); the part itself, the
                evidence and ``served`` are unchanged.
            **parts: ``strategy``, ``lookalike``, ``gaps``, ``graph``: one value in [0, 1] per candidate; None or
                missing counts 0.

        Raises:
            ValueError: Bad parameters, an unknown part, or a part of the wrong length.
        """
        weights = self._check()
        n = np.asarray(pair_scores).shape[1] if np.ndim(pair_scores) == 2 else -1
        values = {"breadth": self.aggregate(pair_scores)}
        for name, value in parts.items():
            if name not in DEFAULT_WEIGHTS or name == "breadth":
                raise ValueError(f"unknown part {name!r}; use {sorted(set(DEFAULT_WEIGHTS) - {'breadth'})}")
            if value is None:
                continue
            array = np.asarray(value, dtype=float).reshape(-1)
            if len(array) != n:
                raise ValueError(f"part {name!r} has {len(array)} values for {n} candidates")
            values[name] = array
        weights["breadth"] = weights.get("breadth", 0.0) * breadth_strength
        total = sum((weights.get(name, 0.0) * value for name, value in values.items()), np.zeros(n))
        served = (np.asarray(pair_scores, dtype=float) >= max(self.floor, 1e-12)).sum(axis=0)
        return LeadScores(total=total, parts=values, served=served)


def split_strategy_sectors(values: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Target sectors as typed (aliases and labels accepted) -> (known sectors, what was not understood).

    Example:
        >>> split_strategy_sectors(["CDMO", "Artificial intelligence", "space mining"])
        (('bioprocessing_cdmo', 'ai'), ('space mining',))
    """
    labels = {label.casefold(): sector for sector, label in SECTOR_LABELS.items()}
    known: dict[str, None] = {}
    unknown: list[str] = []
    for value in values:
        sector = labels.get(value.strip().casefold())
        found = (sector,) if sector else split_sectors([value])[0]
        if found:
            known.update(dict.fromkeys(found))
        elif value.strip():
            unknown.append(value.strip())
    return tuple(known), tuple(unknown)
