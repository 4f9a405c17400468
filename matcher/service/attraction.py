"""Attraction: investment officers' questions about a city: its cluster, the organisations elsewhere that would
gain most from a site or an R&D centre there (leads, with the local organisations that would gain and why), the
cluster's gaps, one lead's fit with each alliance city, and the city's stated strategy.

Leads come from the product's own two-sided ranking: every local organisation is an asker, and the reciprocal
pair scores (:meth:`Matching.pair_scores <matcher.service.matching.Matching.pair_scores>`) of the city's
organisations with each outside organisation are aggregated by :class:`matcher.attract.LeadScorer`. On a large
catalogue a first ranking scores every eligible organisation with the breadth of the local organisations' own
partner suggestions (filters applied inside the search, in score order: no variety re-ordering) plus the strategy,
gaps and graph parts, and its best :data:`EXACT_CANDIDATES` (or three times ``k``) are then scored exactly against
every local organisation. A lead's reasons are :class:`matcher.attract.LeadReason`: kinds and parameters, with
their English wording.

Example:
    >>> attraction = Attraction(context, matching)                         # doctest: +SKIP
    >>> [lead.id for lead in attraction.leads("Daejeon", k=2).results]      # doctest: +SKIP
    ['ma-bio-001', 'ca-bio-002']
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..attract import (
    LEAD_TYPES,
    Beneficiary,
    CityFit,
    CityFits,
    ClusterView,
    Gaps,
    Lead,
    LeadReason,
    Leads,
    LeadScorer,
    LeadScores,
    Strategy,
    cluster_view,
    find_gaps,
    fit_summary_parts,
    gaps_filled,
    graph_evidence,
    history_strength,
    lookalike,
    split_strategy_sectors,
    strategy_alignment,
    text_strength,
)
from ..embed import encode_query
from ..errors import InputError, NotFoundError
from ..export import lead_brief_html, leads_table, to_csv, to_xlsx
from ..filters import Filters
from ..rank import Recommender
from ..schema import Profile
from ..vocab import ALLIANCE_CITIES, SECTOR_LABELS, normalize_city
from .context import Context
from .matching import Matching, check_k

__all__ = ["EXACT_CANDIDATES", "MAX_STRATEGY_CHARS", "Attraction"]

logger = logging.getLogger(__name__)

EXACT_CANDIDATES = 100
"""Candidates scored against every local organisation (at least; three times ``k`` when more are asked); on a
larger catalogue they are the best of a first ranking that reads the local organisations' own suggestions."""
POOL_PER_LOCAL = 20
"""Partner suggestions each local organisation contributes to the first ranking on a large catalogue."""
MAX_ANCHORS = 200
"""Organisations elsewhere that already work with the city that a lead is compared with (the most linked ones)."""
MAX_STRATEGY_CHARS = 4_000
"""The longest strategy text: a page."""


class Attraction:
    """Investment attraction over one workspace.

    Args:
        context: The workspace.
        matching: The ranking (pair scores and their reasons).
        scorer: How leads are scored; default :class:`matcher.attract.LeadScorer` with its defaults and the floor
            of the workspace's encoder (:attr:`matcher.bands.Calibration.lead_floor`: pair scores are not
            comparable across encoders).
    """

    def __init__(self, context: Context, matching: Matching, scorer: LeadScorer | None = None) -> None:
        self.context = context
        self.matching = matching
        self.scorer = scorer

    @property
    def _scorer(self) -> LeadScorer:
        return self.scorer if self.scorer is not None else LeadScorer(floor=self.matching.calibration.lead_floor)

    # Cities ------------------------------------------------------------------------------------------------

    def cities(self) -> dict[str, int]:
        """Every city in the store with its number of organisations, most first."""
        counts = self.context.store.stats()["by_city"]
        return {str(city): int(n) for city, n in sorted(counts.items(), key=lambda item: -item[1]) if city}

    def resolve_city(self, city: str) -> str:
        """The stored name of ``city`` in any spelling :func:`matcher.vocab.normalize_city` reads, any case.

        Raises:
            InputError: An empty name.
            NotFoundError: No organisation in the store is there (the message names the known cities).
        """
        if not isinstance(city, str) or not city.strip():
            raise InputError("give a city name, e.g. Daejeon")
        known = self.cities()
        wanted = normalize_city(city).casefold()
        for name in known:
            if name.casefold() == wanted or normalize_city(name).casefold() == wanted:
                return name
        listed = ", ".join(list(known)[:12]) + (f" and {len(known) - 12} more" if len(known) > 12 else "")
        raise NotFoundError(f"no organisation in the store is in {city.strip()[:80]!r}; known cities: {listed}")

    # Strategy ----------------------------------------------------------------------------------------------

    def strategy(self, city: str) -> Strategy:
        """A city's stated strategy (empty when none was written).

        Raises:
            NotFoundError: An unknown city.
        """
        return self._stored_strategy(self.resolve_city(city))

    def _stored_strategy(self, name: str) -> Strategy:
        stored = self.context.store.city_strategy(name)
        if stored is None:
            return Strategy(name)
        return Strategy(name, tuple(stored["sectors"]), stored["text"], stored["updated_by"], stored["updated_at"])

    def set_strategy(self, city: str, *, sectors: Sequence[str], text: str, user: str) -> Strategy:
        """Writes a city's strategy: target sectors (names, labels or aliases of :data:`matcher.vocab.SECTORS`)
        and free text.

        Raises:
            InputError: An unknown sector or a text over :data:`MAX_STRATEGY_CHARS`.
            NotFoundError: An unknown city.
        """
        name = self.resolve_city(city)
        known, unknown = split_strategy_sectors([s for s in sectors if s.strip()])
        if unknown:
            raise InputError(
                f"unknown sector(s) {', '.join(repr(u[:40]) for u in unknown[:5])}; use {', '.join(SECTOR_LABELS)}"
            )
        if len(text) > MAX_STRATEGY_CHARS:
            raise InputError(
                f"the strategy text has {len(text):,} characters, above the limit of {MAX_STRATEGY_CHARS:,}: "
                "keep it to a page"
            )
        stored = self.context.store.set_city_strategy(name, sectors=known, text=text.strip(), updated_by=user)
        return Strategy(name, tuple(stored["sectors"]), stored["text"], stored["updated_by"], stored["updated_at"])

    # Cluster and gaps --------------------------------------------------------------------------------------

    def cluster(self, city: str) -> ClusterView:
        """A city's cluster (:func:`matcher.attract.cluster_view`).

        Raises:
            NotFoundError: An unknown city.
        """
        name = self.resolve_city(city)
        store = self.context.store
        return cluster_view(name, store.profiles(), store.partnerships())

    def gaps(self, city: str) -> Gaps:
        """Sectors a city's organisations seek much more than they offer, and the reverse
        (:func:`matcher.attract.find_gaps`).

        Raises:
            NotFoundError: An unknown city.
        """
        name = self.resolve_city(city)
        profiles = self.context.store.profiles()
        return find_gaps(name, profiles[profiles["city"] == name])

    # Leads -------------------------------------------------------------------------------------------------

    def leads(
        self,
        city: str,
        *,
        k: int = 10,
        sector: str | None = None,
        org_types: Sequence[str] | None = None,
    ) -> Leads:
        """Organisations outside ``city`` (anywhere) ranked by their fit to its cluster, each with the local
        organisations that would gain and why.

        Args:
            city: The city, in any spelling the vocabulary reads.
            k: How many leads (at most :data:`matcher.service.matching.MAX_K`).
            sector: Only leads working in this sector (name, label or alias).
            org_types: Only these organisation types; None for :data:`matcher.attract.LEAD_TYPES`.

        Raises:
            InputError: ``k`` out of range, an unknown sector or type.
            NotFoundError: An unknown city.
        """
        check_k(k)
        name = self.resolve_city(city)
        filters = Filters.from_user(
            org_type=list(org_types) if org_types is not None else list(LEAD_TYPES),
            sector=[sector] if sector else None,
        )
        if not filters.org_type:
            raise InputError(f"give at least one organisation type, e.g. {', '.join(LEAD_TYPES)}")
        served = self.matching.indexer.current()
        rec = served.recommender
        profiles = served.profiles
        local_rows = np.flatnonzero((profiles["city"] == name).to_numpy())
        eligible = np.flatnonzero(filters.mask(profiles) & (profiles["city"] != name).to_numpy())
        if k == 0 or not len(eligible):
            message = None if k == 0 else f"no organisation outside {name} passes the filters ({filters.describe()})"
            return Leads(name, (), message)
        context = _CityParts.build(self, name, rec, local_rows, _Strengths.of(rec))
        candidates = self._pool(context, eligible, filters, max(EXACT_CANDIDATES, 3 * k))
        scores, pairs = self._score(context, candidates)
        order = np.argsort(-scores.total, kind="stable")[:k]
        results = self._leads(context, candidates[order], pairs[:, order], scores, order)
        message = None
        if len(results) < k:
            message = f"only {len(results)} organisations outside {name} pass the filters ({filters.describe()})"
        return Leads(name, tuple(results), message)

    def fit_cities(self, profile_id: str, *, city: str | None = None) -> CityFits:
        """One organisation's fit with each alliance city that has organisations in the store (its own city
        left out), scored as a lead for each, side by side, best first.

        Args:
            profile_id: The organisation.
            city: The asking officer's city: the summary says so when another city fits better.

        Raises:
            NotFoundError: An unknown id or city.
        """
        asking = self.resolve_city(city) if city else None
        served = self.matching.indexer.current()
        served.require(profile_id, self.context.workspace.root)
        rec = served.recommender
        row = rec.row_of_[profile_id]
        profile = _profile(rec, row)
        home = normalize_city(profile.city).casefold()
        present = set(served.profiles["city"])
        strengths = _Strengths.of(rec)  # the workspace's, the same for every city
        fits = []
        for place in ALLIANCE_CITIES:
            if place not in present or place.casefold() == home:
                continue
            local_rows = np.flatnonzero((served.profiles["city"] == place).to_numpy())
            context = _CityParts.build(self, place, rec, local_rows, strengths)
            scores, pairs = self._score(context, np.array([row]))
            lead = self._leads(context, np.array([row]), pairs, scores, np.array([0]))[0]
            fits.append(CityFit(place, lead.score, lead.local_beneficiaries, lead.reasons, lead.reason_details))
        fits.sort(key=lambda fit: -fit.score)
        return CityFits(profile.id, profile.name, profile.city, tuple(fits), _summary(profile.name, fits, asking))

    # Exports -----------------------------------------------------------------------------------------------

    def leads_csv(self, leads: Leads) -> bytes:
        """Leads as CSV (:func:`matcher.export.leads_table`; formula-like text neutralised)."""
        return to_csv(leads_table(leads.results, city=leads.city))

    def leads_xlsx(self, leads: Leads) -> bytes:
        """Leads as an Excel workbook (no cell is ever a formula)."""
        return to_xlsx(leads_table(leads.results, city=leads.city), sheet_name=f"Leads {leads.city}")

    def leads_brief(self, leads: Leads, *, prepared_by: str = "") -> str:
        """A printable HTML brief, one page per lead, with each lead's public offers, needs and website (a brief
        leaves the agency: fields a profile keeps private stay out)."""
        details = {}
        for lead in leads.results:
            try:
                profile = self.context.profile(lead.id)
            except NotFoundError:  # deleted since the leads were ranked
                continue
            public = set(profile.visible_fields())
            facts = [("Offers", profile.offers), ("Seeks", profile.seeks), ("Website", profile.website or "")]
            details[lead.id] = [(title, text) for title, text in facts if title.lower() in public and text]
        return lead_brief_html(leads.results, city=leads.city, details=details, prepared_by=prepared_by)

    # Internals ---------------------------------------------------------------------------------------------

    def _pool(self, city: _CityParts, eligible: np.ndarray, filters: Filters, size: int) -> np.ndarray:
        """The candidates to score exactly: every eligible one when there are at most ``size``; else the best
        ``size`` by a first ranking whose breadth reads only each local organisation's own top
        :data:`POOL_PER_LOCAL` partner suggestions among the eligible (filters applied inside the search)."""
        if len(eligible) <= size:
            return eligible
        rec = city.recommender
        column = np.full(len(rec.ids_), -1)
        column[eligible] = np.arange(len(eligible))
        suggested = np.zeros((len(city.local_rows), len(eligible)))
        askers = [rec.ids_[r] for r in city.local_rows.tolist()]
        # The first stage only picks candidates that are scored exactly next: variety among a local organisation's
        # suggestions buys nothing there, and MMR took about 45% of a city's time on the development set.
        found = rec.recommend_many(
            askers,
            POOL_PER_LOCAL,
            filters,
            include_partners=True,
            include_competitors=True,
            exclude=self.matching.dismissed_many(askers),
            cross_city="other_city",
            exposure_cap=None,
            explain=False,
            diversify=False,
        )
        for i, recs in enumerate(found):
            for match in recs.results:
                j = column[rec.row_of_[match.id]]
                if j >= 0:
                    suggested[i, j] = match.score
        first = self._scorer.score(
            suggested, breadth_strength=city.strengths.text, **city.parts(eligible, lookalikes=False)
        )
        keep = np.argsort(-first.total, kind="stable")[:size]
        return eligible[np.sort(keep)]

    def _score(self, city: _CityParts, candidates: np.ndarray) -> tuple[LeadScores, np.ndarray]:
        """Exact pair scores (local x candidate) and the lead scores of ``candidates``."""
        rec = city.recommender
        if len(city.local_rows):
            pairs = self.matching.pair_scores(
                [rec.ids_[r] for r in city.local_rows.tolist()], [rec.ids_[r] for r in candidates.tolist()]
            ).score
        else:
            pairs = np.zeros((0, len(candidates)))
        return self._scorer.score(pairs, breadth_strength=city.strengths.text, **city.parts(candidates)), pairs

    def _leads(
        self, city: _CityParts, rows: np.ndarray, pairs: np.ndarray, scores: LeadScores, columns: np.ndarray
    ) -> list[Lead]:
        """Leads for ``rows`` (candidate rows), whose pair scores are the columns of ``pairs`` and whose lead
        scores are ``scores`` at ``columns``; beneficiaries get the ranking's reasons, asked once per local
        organisation."""
        rec = city.recommender
        adjacency = rec.graph_.adjacency_
        scorer = self._scorer
        # The evidence is the local organisations the breadth counts: the best ``depth`` above the floor.
        chosen = [scorer.beneficiaries(pairs, j, scorer.depth) for j in range(len(rows))]
        wanted: dict[str, list[str]] = defaultdict(list)
        for j, picked in enumerate(chosen):
            for i in picked.tolist():
                wanted[rec.ids_[city.local_rows[i]]].append(rec.ids_[rows[j]])
        reasons = {local: self.matching.explain_pairs(local, leads) for local, leads in wanted.items()}
        out = []
        for j, row in enumerate(rows.tolist()):
            profile = _profile(rec, row)
            column = int(columns[j])
            beneficiaries = []
            for i in chosen[j].tolist():
                local_row = int(city.local_rows[i])
                local = _profile(rec, local_row)
                beneficiaries.append(
                    Beneficiary(
                        local.id,
                        local.name,
                        float(pairs[i, j]),
                        _quote(reasons[local.id][profile.id]),
                        partner=bool(adjacency[local_row, row]),  # a partnership in the store: an existing link
                    )
                )
            parts = {name: float(values[column]) for name, values in scores.parts.items()}
            filled = gaps_filled(profile.offers, profile.sectors, city.gaps.attract)
            why = city.reasons(row, int(scores.served[column]), beneficiaries, filled, parts)
            out.append(
                Lead(
                    id=profile.id,
                    name=profile.name,
                    city=profile.city,
                    country=profile.country,
                    org_type=profile.org_type,
                    score=float(scores.total[column]),
                    local_beneficiaries=tuple(beneficiaries),
                    reasons=tuple(reason.text for reason in why),
                    gaps_filled=filled,
                    parts=parts,
                    reason_details=why,
                )
            )
        return out


def _profile(rec: Recommender, row: int) -> Profile:
    """The profile at a catalogue row of the fitted ranking."""
    return Profile.from_mapping(rec.profiles_.iloc[row].to_dict())


def _quote(reasons: Sequence[str]) -> str:
    """The first reason that quotes both profiles (an offer meeting a need), else the first reason."""
    for reason in reasons:
        if reason.count('"') >= 4:
            return reason
    return reasons[0] if reasons else ""


_SUMMARY_TEMPLATES = {
    "none": "No alliance city other than {name}'s own has organisations in the store.",
    "best": "{name} fits {city} best (score {score:.2f}): {who} would gain most.",
    "best_unclear": "{name} fits {city} best (score {score:.2f}), though no organisation there fits it clearly.",
    "own": "{city} is its own city or has no organisations in the store.",
    "rank": "{city} comes {ordinal} of {n} ({score:.2f}): {best} fits it better.",
    "next": "Next: {city} ({score:.2f}).",
}
"""The English wording of :func:`matcher.attract.fit_summary_parts` (the app words it in the reader's language)."""


def _summary(name: str, fits: Sequence[CityFit], asking: str | None = None) -> str:
    """One honest sentence or two on where a lead fits best, and how the asking officer's city compares.

    Example:
        >>> fits = [CityFit("Seattle", 0.6, (), ()), CityFit("Daejeon", 0.4, (), ())]
        >>> print(_summary("Acme", fits, "Daejeon"))  # doctest: +NORMALIZE_WHITESPACE
        Acme fits Seattle best (score 0.60), though no organisation there fits it clearly.
        Daejeon comes 2nd of 2 (0.40): Seattle fits it better.
    """
    return " ".join(
        _SUMMARY_TEMPLATES[key].format(
            **params,
            who=", ".join(b.name for b in params.get("beneficiaries", ())),
            ordinal=_ordinal(params.get("place", 0)),
        )
        for key, params in fit_summary_parts(name, fits, asking)
    )


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th ..."""
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n if n < 20 else n % 10, 'th')}"


@dataclass(frozen=True)
class _Strengths:
    """How much the breadth and graph parts count in this workspace (:func:`matcher.attract.text_strength`,
    :func:`matcher.attract.history_strength`): the same for every city, so read once per call."""

    text: float
    history: float

    @classmethod
    def of(cls, recommender: Recommender) -> _Strengths:
        """The strengths of a fitted ranking's catalogue and partnership graph."""
        columns = recommender.columns_
        return cls(text_strength(columns["offers"], columns["seeks"]), history_strength(recommender.graph_.degree_))


class _CityParts:
    """What scoring leads for one city needs besides the pair scores: its gaps, strategy, the organisations
    elsewhere that already partner with it, the partnership graph, and the workspace's strengths."""

    def __init__(
        self,
        name: str,
        recommender: Recommender,
        local_rows: np.ndarray,
        gaps: Gaps,
        strategy: Strategy,
        strategy_vector: np.ndarray | None,
        strengths: _Strengths,
    ) -> None:
        self.name = name
        self.recommender = recommender
        self.local_rows = local_rows
        self.gaps = gaps
        self.strategy = strategy
        self.strategy_vector = strategy_vector
        self.strengths = strengths
        adjacency = recommender.graph_.adjacency_
        local = np.zeros(adjacency.shape[0], dtype=bool)
        local[local_rows] = True
        self.local_mask = local
        links = np.asarray(adjacency[local_rows].sum(axis=0)).ravel() if len(local_rows) else np.zeros(len(local))
        links[local] = 0
        linked = np.flatnonzero(links > 0)
        self.anchor_rows = linked[np.argsort(-links[linked], kind="stable")[:MAX_ANCHORS]]

    @classmethod
    def build(
        cls, attraction: Attraction, name: str, recommender: Recommender, local_rows: np.ndarray, strengths: _Strengths
    ) -> _CityParts:
        """Reads the city's gaps and strategy, and encodes the strategy's text."""
        profiles = recommender.profiles_
        gaps = find_gaps(name, profiles.iloc[local_rows])
        strategy = attraction._stored_strategy(name)
        vector = None
        if strategy.text.strip():
            # A strategy written in Korean is read by the multilingual part (scaled to its cosine), as a search the
            # glossary does not read is; strategies are not read through the glossary yet (long texts, not measured).
            encoded = encode_query(attraction.context.encoder, strategy.text)
            vector = np.asarray(encoded.vector[0] * encoded.scale, dtype=np.float32)
        return cls(name, recommender, local_rows, gaps, strategy, vector, strengths)

    def parts(self, rows: np.ndarray, *, lookalikes: bool = True) -> dict[str, np.ndarray]:
        """Every part of the lead score but breadth, for candidate ``rows``; without ``lookalikes`` (a first
        ranking over a whole catalogue) the lookalike part is left out."""
        rec = self.recommender
        vectors = rec.vectors_
        sectors = [rec.columns_["sectors"][r] for r in rows.tolist()]
        similarity = None
        if self.strategy_vector is not None:
            vector = self.strategy_vector
            similarity = np.maximum(vectors["offers"][rows] @ vector, vectors["profile"][rows] @ vector)
        total_gap = sum(g.balance for g in self.gaps.attract)
        balance = {g.sector: g.balance for g in self.gaps.attract}
        gap_part = np.array(
            [
                sum(balance[s] for s in gaps_filled(rec.columns_["offers"][r], sector_list, self.gaps.attract))
                / total_gap
                if total_gap
                else 0.0
                for r, sector_list in zip(rows.tolist(), sectors, strict=True)
            ]
        )
        found = {
            "strategy": strategy_alignment(self.strategy, sectors, similarity),
            "gaps": gap_part,
            "graph": self.strengths.history
            * (0.8 * rec.graph_.activity_[rows] + 0.2 * graph_evidence(rec.graph_.adjacency_, self.local_rows, rows)),
        }
        if lookalikes:
            same = rows[:, None] == self.anchor_rows[None, :]
            found["lookalike"] = lookalike(vectors["profile"][rows], vectors["profile"][self.anchor_rows], same)
        return found

    def reasons(
        self,
        row: int,
        served: int,
        beneficiaries: Sequence[Beneficiary],
        filled: Sequence[str],
        parts: dict[str, float],
    ) -> tuple[LeadReason, ...]:
        """A lead's reasons, strongest evidence first."""
        rec = self.recommender
        city = self.name
        out = []
        if served:
            out.append(LeadReason("fits", {"n": served, "city": city, "names": [b.name for b in beneficiaries[:3]]}))
        else:
            out.append(LeadReason("fits_none", {"city": city}))
        if filled:
            gaps = {g.sector: g for g in self.gaps.attract}
            found = [{"sector": s, "seeking": gaps[s].seeking, "offering": gaps[s].offering} for s in filled]
            out.append(LeadReason("gaps", {"city": city, "gaps": found}))
        wanted = [s for s in self.strategy.sectors if s in rec.columns_["sectors"][row]]
        if wanted:
            out.append(LeadReason("strategy_sectors", {"city": city, "sectors": wanted}))
        elif parts.get("strategy", 0.0) >= 0.4:
            out.append(LeadReason("strategy_text", {"city": city, "alignment": round(parts["strategy"], 4)}))
        partners = rec.graph_.partners(row)
        local_partners = partners[self.local_mask[partners]]
        if len(local_partners):
            names = [str(rec.columns_["name"][r]) for r in local_partners[:3].tolist()]
            out.append(LeadReason("partners", {"n": len(local_partners), "city": city, "names": names}))
        elif parts.get("graph", 0.0) >= 0.25:
            out.append(LeadReason("partners_of_partners", {"city": city}))
        if parts.get("lookalike", 0.0) >= 0.5 and len(self.anchor_rows):
            vectors = rec.vectors_["profile"]
            anchors = self.anchor_rows[self.anchor_rows != row]
            if len(anchors):
                best = anchors[int(np.argmax(vectors[anchors] @ vectors[row]))]
                like = {"name": str(rec.columns_["name"][best]), "place": str(rec.columns_["city"][best]), "city": city}
                out.append(LeadReason("lookalike", like))
        return tuple(out)
