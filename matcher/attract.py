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

The total is the weighted sum (:data:`DEFAULT_WEIGHTS`). A lead's reasons are :class:`LeadReason`: a kind and its
parameters, worded in English here and in the reader's language by the app.

Example:
    >>> pairs = np.array([[0.9, 0.6], [0.0, 0.6], [0.0, 0.6]])   # 3 local organisations x 2 outside ones
    >>> scores = LeadScorer(weights={"breadth": 1.0}).score(pairs)
    >>> [round(v, 3) for v in scores.breadth.tolist()]           # the hub-only lead loses to the broad one
    [0.325, 0.474]
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .candidates import history_strength
from .cordis import SECTOR_KEYWORDS
from .resources import data_text
from .vocab import SECTOR_LABELS, SECTORS, split_sectors

if TYPE_CHECKING:  # scipy.sparse is imported where matrices are built: a search or `--help` needs none
    import scipy.sparse as sp

__all__ = [
    "DEFAULT_WEIGHTS",
    "KEYWORD_LANGUAGES",
    "KNOWLEDGE_TYPES",
    "LEAD_REASON_KINDS",
    "LEAD_REASON_TEMPLATES",
    "LEAD_TYPES",
    "Beneficiary",
    "CityFit",
    "CityFits",
    "ClusterView",
    "Gap",
    "Gaps",
    "Lead",
    "LeadReason",
    "LeadScorer",
    "LeadScores",
    "Leads",
    "Strategy",
    "cluster_view",
    "find_gaps",
    "fit_summary_parts",
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

FULL_TEXT_SHARE = 0.5
"""Share of profiles stating an offer or a need at which the breadth part counts in full (:func:`text_strength`)."""

KEYWORD_LANGUAGES: tuple[str, ...] = ("en", "ko", "de", "es")
"""The languages of the sector keywords (``matcher/data/sector_keywords.toml``): the app's four."""


@lru_cache(maxsize=1)
def _sector_patterns() -> dict[str, re.Pattern[str]]:
    """One regular expression per sector: the English keywords of :data:`matcher.cordis.SECTOR_KEYWORDS`, the
    sector's label, and the keywords of ``matcher/data/sector_keywords.toml`` (read once); whole words in English,
    German and Spanish, inside words in Korean (see the file's header)."""
    table = tomllib.loads(data_text("sector_keywords.toml"))
    unknown = {f"{lang}.{sector}" for lang, sectors in table.items() for sector in sectors if sector not in SECTORS}
    if set(table) - set(KEYWORD_LANGUAGES) or unknown:
        raise ValueError(f"matcher/data/sector_keywords.toml: unknown languages or sectors {sorted(unknown)}")
    patterns = {}
    for sector, label in SECTOR_LABELS.items():
        words = [p for p in (SECTOR_KEYWORDS.get(sector), re.escape(label)) if p]
        words += [k for lang in ("en", "de", "es") for k in table.get(lang, {}).get(sector, ())]
        inside = table.get("ko", {}).get(sector, ())
        pattern = r"\b(?:" + "|".join(words) + r")\b"
        if inside:
            pattern += r"|(?<![A-Za-z])(?:" + "|".join(inside) + r")(?![A-Za-z])"
        patterns[sector] = re.compile(pattern, re.IGNORECASE)
    return patterns


_STOP_WORDS = "english"
_MAX_TERMS = 8


def read_sectors(text: str) -> tuple[str, ...]:
    """The taxonomy sectors a free text (an offer, a need) names, by keyword, in taxonomy order.

    Keywords are in English, Korean, German and Spanish (:data:`matcher.cordis.SECTOR_KEYWORDS`, each sector's
    label, and the table ``matcher/data/sector_keywords.toml``): keyword matching, not understanding. A text in
    another language, or worded otherwise, names no sector, and counts in no gap.

    Example:
        >>> read_sectors("A CDMO for GMP fill-finish of our ADC; AI for assay design")
        ('antibody_drug_conjugates', 'bioprocessing_cdmo', 'diagnostics', 'ai')
        >>> read_sectors("임상 2상 물질의 GMP 위탁생산을 맡길 곳"), read_sectors("Auftragsfertigung von Antikörpern")
        (('therapeutics', 'bioprocessing_cdmo'), ('biologics', 'bioprocessing_cdmo'))
    """
    if not isinstance(text, str) or not text.strip():
        return ()
    patterns = _sector_patterns()
    return tuple(sector for sector in SECTORS if patterns[sector].search(text))


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


LEAD_REASON_KINDS: tuple[str, ...] = (
    "fits", "fits_none", "gaps", "strategy_sectors", "strategy_text", "partners", "partners_of_partners", "lookalike",
)
"""The kinds of :class:`LeadReason`, in the order a lead lists them (strongest evidence first)."""

LEAD_REASON_TEMPLATES: dict[str, str] = {
    "fits.one": "Fits {n} organisation in {city}, best {names}.",
    "fits.other": "Fits {n} organisations in {city}, best {names}.",
    "fits_none": "No organisation in {city} fits it clearly both ways.",
    "gaps.one": "Fills {city}'s gap in {gaps}.",
    "gaps.other": "Fills {city}'s gaps in {gaps}.",
    "gap": "{sector} (sought by {seeking}, offered by {offering})",
    "strategy_sectors": "Works in {sectors}, a target of {city}'s strategy.",
    "strategy_text": "Its offers read close to {city}'s strategy (alignment {alignment}).",
    "partners.one": "Already works with {n} organisation in {city}: {names}.",
    "partners.other": "Already works with {n} organisations in {city}: {names}.",
    "partners_of_partners": "Its partners already work with organisations in {city}.",
    "lookalike": "Like {name} ({place}), which already works with {city}.",
}
"""The English wording of each kind of :class:`LeadReason` (``.one`` and ``.other`` for a count ``n``; ``gap`` is
one item of the ``gaps`` list). The app's catalogues (``[attract.why]`` in ``matcher/ui/locales/*.toml``) hold the
same messages in each of its languages; ``tests/test_attract_reasons.py`` checks that the English ones are these."""

_LIST_SEP = ", "
_GAP_SEP = "; "


@dataclass(frozen=True)
class LeadReason:
    """One reason for a lead, as a kind and its parameters, so that each front end words it in its reader's
    language; :attr:`text` is the English (the command line, the exports, the REST API's ``reasons``).

    Kinds and parameters (names and places as stored, sectors as :data:`matcher.vocab.SECTORS` codes):

    - ``fits``: ``n`` local organisations fit it both ways, the best ``names``, in ``city``;
    - ``fits_none``: none in ``city`` does;
    - ``gaps``: it fills ``city``'s gaps ``gaps``, each ``{"sector", "seeking", "offering"}``;
    - ``strategy_sectors``: it works in ``sectors``, targets of ``city``'s strategy;
    - ``strategy_text``: its offers read close to the strategy text (``alignment`` in [0, 1]);
    - ``partners``: it works with ``n`` organisations in ``city`` already, ``names`` the first;
    - ``partners_of_partners``: its partners work with organisations in ``city``;
    - ``lookalike``: it is like ``name`` (of ``place``), which works with ``city`` already.

    Example:
        >>> reason = LeadReason("gaps", {"city": "Daejeon", "gaps": [
        ...     {"sector": "bioprocessing_cdmo", "seeking": 4, "offering": 1}]})
        >>> reason.text
        "Fills Daejeon's gap in bioprocessing / CDMO (sought by 4, offered by 1)."
        >>> reason.to_dict()["kind"]
        'gaps'
    """

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in LEAD_REASON_KINDS:
            raise ValueError(f"unknown lead reason {self.kind!r}; use one of {', '.join(LEAD_REASON_KINDS)}")

    @property
    def key(self) -> str:
        """The template's key: the kind, with ``.one`` or ``.other`` where the wording follows a count."""
        if self.kind in ("fits", "partners"):
            return f"{self.kind}.{'one' if self.params['n'] == 1 else 'other'}"
        if self.kind == "gaps":
            return f"gaps.{'one' if len(self.params['gaps']) == 1 else 'other'}"
        return self.kind

    def values(
        self,
        sector: Callable[[str], str],
        gap: Callable[[str, int, int], str],
        number: Callable[[float], str],
    ) -> dict[str, Any]:
        """The template's values in one language: names joined, each sector written by ``sector``, each gap by
        ``gap(sector words, seeking, offering)``, the alignment by ``number``; the rest as they are.

        Example:
            >>> reason = LeadReason("gaps", {"city": "X", "gaps": [{"sector": "ai", "seeking": 3, "offering": 0}]})
            >>> reason.values(str.upper, "{} ({} to {})".format, "{:.1f}".format)
            {'city': 'X', 'gaps': 'AI (3 to 0)'}
        """
        values = dict(self.params)
        if "names" in values:
            values["names"] = _LIST_SEP.join(values["names"])
        if "sectors" in values:
            values["sectors"] = _LIST_SEP.join(sector(s) for s in values["sectors"])
        if "gaps" in values:
            gaps = values["gaps"]
            values["gaps"] = _GAP_SEP.join(gap(sector(g["sector"]), g["seeking"], g["offering"]) for g in gaps)
        if "alignment" in values:
            values["alignment"] = number(values["alignment"])
        return values

    @property
    def text(self) -> str:
        """The reason in English."""
        values = self.values(
            _sector_words,
            lambda sector, seeking, offering: LEAD_REASON_TEMPLATES["gap"].format(
                sector=sector, seeking=seeking, offering=offering
            ),
            lambda value: f"{value:.2f}",
        )
        return LEAD_REASON_TEMPLATES[self.key].format(**values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"kind", "params"}``."""
        return {"kind": self.kind, "params": dict(self.params)}


def _sector_words(sector: str) -> str:
    """A sector as an English sentence names it: ``Bioprocessing / CDMO`` -> ``bioprocessing / CDMO``."""
    label = SECTOR_LABELS.get(sector, sector)
    return label[:1].lower() + label[1:]


@dataclass(frozen=True)
class Lead:
    """An organisation outside the city, ranked by its fit to the city's cluster.

    Attributes:
        id, name, city, country, org_type: Who it is.
        score: Its lead score (:class:`LeadScorer`).
        local_beneficiaries: The local organisations that would gain most, best first.
        reasons: Why, strongest first, in plain English words.
        gaps_filled: Sectors of the cluster's gaps its offers fill.
        parts: Each part of the score before weighting (breadth, strategy, lookalike, gaps, graph).
        reason_details: The same reasons as kinds and parameters (:class:`LeadReason`), for a front end that
            words them in its reader's language; empty for a lead built without them.
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
    reason_details: tuple[LeadReason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the keys of issue #13: id, name, city, country, org_type, score, local_beneficiaries
        (id, name, reason, score), reasons (English); plus gaps_filled, the score's parts and reason_details (each
        reason as ``{"kind", "params"}``: :class:`LeadReason`)."""
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
            "reason_details": [reason.to_dict() for reason in self.reason_details],
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
        reasons: Why, in plain English words.
        reason_details: The same as kinds and parameters (:class:`LeadReason`).
    """

    city: str
    score: float
    beneficiaries: tuple[Beneficiary, ...]
    reasons: tuple[str, ...]
    reason_details: tuple[LeadReason, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "city": self.city,
            "score": round(self.score, 4),
            "beneficiaries": [b.to_dict() for b in self.beneficiaries],
            "reasons": list(self.reasons),
            "reason_details": [reason.to_dict() for reason in self.reason_details],
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


def fit_summary_parts(
    name: str, fits: Sequence[CityFit], asking: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """What a summary of :class:`CityFits` says, as message keys and their parameters, so that each front end
    words it in its reader's language: where the lead fits best (``none``; ``best`` with the ``beneficiaries``
    who would gain most, or ``best_unclear``), then how the asking officer's city compares (``own``: it is the
    lead's own city or has no organisations; ``rank``: its ``place`` of ``n``; ``next``: the runner-up when the
    asking city fits best). Scores are floats, places 1-based.

    Example:
        >>> fits = [CityFit("Seattle", 0.6, (), ()), CityFit("Daejeon", 0.4, (), ())]
        >>> [key for key, _ in fit_summary_parts("Acme", fits, "Daejeon")]
        ['best_unclear', 'rank']
    """
    if not fits:
        return [("none", {"name": name})]
    best = fits[0]
    who = best.beneficiaries[:3]
    where = {"name": name, "city": best.city, "score": best.score, "beneficiaries": who}
    parts = [("best" if who else "best_unclear", where)]
    place = next((i for i, fit in enumerate(fits) if fit.city == asking), None)
    if asking is not None and place is None:
        parts.append(("own", {"city": asking}))
    elif place is not None and place > 0:
        parts.append(("rank", {"city": asking, "place": place + 1, "n": len(fits), "score": fits[place].score,
                               "best": best.city}))  # fmt: skip
    elif len(fits) > 1:
        parts.append(("next", {"city": fits[1].city, "score": fits[1].score}))
    return parts


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
        >>> import scipy.sparse as sp
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
        floor: Pair scores below it count as no fit at all (0.22, MiniLM's: the lowest planted pair of the demo; the
            attraction service passes the workspace encoder's, :attr:`matcher.bands.Calibration.lead_floor`).
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
