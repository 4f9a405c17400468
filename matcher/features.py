"""Pair features: what the ranking knows about one (asker, candidate) pair, vectorised over candidates.

Every feature is a number in [0, 1], named in :data:`FEATURE_NAMES`. Directional features say whose benefit
they measure: ``need_match`` is how well the candidate's offers meet the asker's needs (good for the asker),
``offer_match`` how well the asker's offers meet the candidate's needs (good for the candidate). Their
``*_profile_match`` twins compare a need with the other side's whole profile: what an organisation *is* often
answers a need better than what it lists as offers (a CDMO seeking "ADC developers entering phase I" is answered
by an ADC startup's description, not by its offers). The scorer (:mod:`matcher.rank`) turns the features into a
fit for each side.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"org_type": ["startup", "investor"], "city": ["Daejeon", "Seattle"],
    ...     "country": ["KR", "US"], "sectors": [("ai",), ("ai",)], "stage": ["seed", "seed"],
    ...     "employees": [8, 20]})
    >>> arrays = ProfileArrays.from_frame(frame)
    >>> fit = TypeFit.from_mapping({"startup": {"investor": 1.0}}, default=0.3)
    >>> f = pair_features(arrays.take([0]), arrays.take([1]), {}, fit)
    >>> f.loc[0, ["type_fit_for_query", "type_fit_for_candidate", "sector_overlap", "other_city"]].tolist()
    [1.0, 0.3, 1.0, 1.0]
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalogue import place_keys
from .vocab import FIRM_TYPES, ORG_TYPES, SECTORS, STAGES

__all__ = [
    "DERIVED_ROLES",
    "FEATURE_LABELS",
    "FEATURE_NAMES",
    "ROLES",
    "SIGNAL_NAMES",
    "ProfileArrays",
    "TypeFit",
    "pair_features",
    "roles_of",
]

logger = logging.getLogger(__name__)

FEATURE_NAMES: tuple[str, ...] = (
    "need_match",
    "offer_match",
    "need_profile_match",
    "offer_profile_match",
    "profile_similarity",
    "offers_overlap",
    "lexical",
    "sector_overlap",
    "type_fit_for_query",
    "type_fit_for_candidate",
    "common_partners",
    "adamic_adar",
    "partners_of_peers",
    "other_city",
    "other_country",
    "stage_fit",
    "size_fit",
    "popularity",
    "recent_activity",
    "adamic_adar_share",
    "three_step_links",
    "field_activity",
)
"""Columns of the frame :func:`pair_features` returns, in order; each is in [0, 1]."""

FEATURE_LABELS: dict[str, str] = {
    "need_match": "their offers for your needs",
    "offer_match": "your offers for their needs",
    "need_profile_match": "they are what you seek",
    "offer_profile_match": "you are what they seek",
    "profile_similarity": "similar profiles",
    "offers_overlap": "similar offers",
    "lexical": "shared terms",
    "sector_overlap": "shared sectors",
    "type_fit_for_query": "organisation-type fit for you",
    "type_fit_for_candidate": "organisation-type fit for them",
    "common_partners": "common partners",
    "adamic_adar": "partners of partners",
    "partners_of_peers": "works with organisations like yours",
    "other_city": "other city",
    "other_country": "other country",
    "stage_fit": "stage fit",
    "size_fit": "size fit",
    "popularity": "sought-after",
    "recent_activity": "recently active",
    "adamic_adar_share": "partners of partners",
    "three_step_links": "close in the partner network",
    "field_activity": "many partnerships in your fields",
}
"""Plain-word names of the features, for explanations."""

SIGNAL_NAMES: tuple[str, ...] = (
    "need_match",
    "offer_match",
    "need_profile_match",
    "offer_profile_match",
    "profile_similarity",
    "offers_overlap",
    "lexical",
    "common_partners",
    "adamic_adar",
    "partners_of_peers",
    "popularity",
    "recent_activity",
    "adamic_adar_share",
    "three_step_links",
    "field_activity",
)
"""Raw per-candidate signals the caller computes (cosines, graph scores); missing ones count as zero."""


DERIVED_ROLES: dict[str, frozenset[str]] = {
    "cdmo": frozenset({"bioprocessing_cdmo"}),
    "drug_developer": frozenset({"therapeutics", "biologics", "antibody_drug_conjugates"}),
    "health_tech": frozenset({"diagnostics", "medical_devices", "digital_health"}),
}
"""Roles a firm takes on from its sectors, on top of its organisation type (a CDMO is a company *and* a cdmo)."""

ROLES: tuple[str, ...] = ORG_TYPES + tuple(DERIVED_ROLES)
"""Every role of the type-fit table: the organisation types, then the derived roles."""

_ROLE_INDEX = {role: i for i, role in enumerate(ROLES)}
_SECTOR_INDEX = {sector: i for i, sector in enumerate(SECTORS)}
_STAGE_INDEX = {stage: i for i, stage in enumerate(STAGES)}
_SIZE_SPAN = 4.0
"""Decades of head count at which size fit reaches zero (a 5-person startup and a 50,000-person group)."""
_UNKNOWN_FIT = 0.5
"""Stage and size fit when either side's value is unknown: neither rewarded nor punished."""


def roles_of(org_type: str, sectors: Sequence[str]) -> tuple[str, ...]:
    """The roles of an organisation: its type, plus the derived roles its sectors give a firm.

    Example:
        >>> roles_of("company", ["bioprocessing_cdmo", "biologics"])
        ('company', 'cdmo', 'drug_developer')
        >>> roles_of("university", ["biologics"])
        ('university',)
    """
    roles = [org_type if org_type in _ROLE_INDEX else "other"]
    if org_type in FIRM_TYPES:
        roles += [role for role, sectors_of_role in DERIVED_ROLES.items() if not sectors_of_role.isdisjoint(sectors)]
    return tuple(roles)


class TypeFit:
    """The role fit table: how useful a partner in role B is to an asker in role A.

    Args:
        matrix: ``(len(ROLES), len(ROLES))`` fit values, rows the asker's role, columns the partner's.

    Example:
        >>> fit = TypeFit.from_mapping({"startup": {"investor": 1.0}}, default=0.3)
        >>> fit.pair(("startup",), ("investor",))
        ('startup', 'investor', 1.0)
    """

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix

    @classmethod
    def from_mapping(cls, table: Mapping[str, Mapping[str, float]], default: float) -> TypeFit:
        """Builds the table from ``{asker_role: {partner_role: fit}}``; unlisted pairs get ``default``.

        Raises:
            ValueError: An unknown role or a value outside [0, 1].
        """
        matrix = np.full((len(ROLES), len(ROLES)), float(default))
        for asker, row in table.items():
            for partner, value in row.items():
                unknown = [r for r in (asker, partner) if r not in _ROLE_INDEX]
                if unknown:
                    raise ValueError(f"unknown role {unknown[0]!r} in the type-fit table; roles: {', '.join(ROLES)}")
                if not 0.0 <= float(value) <= 1.0:
                    raise ValueError(f"type fit {asker} -> {partner} must be in [0, 1], got {value!r}")
                matrix[_ROLE_INDEX[asker], _ROLE_INDEX[partner]] = float(value)
        if not 0.0 <= float(default) <= 1.0:
            raise ValueError(f"the default type fit must be in [0, 1], got {default!r}")
        return cls(matrix)

    def for_askers(self, asker_roles: np.ndarray, partner_roles: np.ndarray) -> np.ndarray:
        """Fit for many askers (bool ``(m, R)``) of one partner (bool ``(R,)``): best value over role pairs."""
        best_per_asker_role = self.matrix[:, partner_roles].max(axis=1, initial=-np.inf)
        return np.where(asker_roles, best_per_asker_role, -np.inf).max(axis=1, initial=-np.inf)

    def for_partners(self, asker_roles: np.ndarray, partner_roles: np.ndarray) -> np.ndarray:
        """Fit for one asker (bool ``(R,)``) of many partners (bool ``(m, R)``): best value over role pairs."""
        best_per_partner_role = self.matrix[asker_roles].max(axis=0, initial=-np.inf)
        return np.where(partner_roles, best_per_partner_role, -np.inf).max(axis=1, initial=-np.inf)

    def pair(self, asker_roles: Sequence[str], partner_roles: Sequence[str]) -> tuple[str, str, float]:
        """The role pair that gives the fit, and its value (for explanations)."""
        best = max(
            ((a, b, float(self.matrix[_ROLE_INDEX[a], _ROLE_INDEX[b]])) for a in asker_roles for b in partner_roles),
            key=lambda item: item[2],
        )
        return best


@dataclass(frozen=True)
class ProfileArrays:
    """The profile attributes features use, as arrays aligned with a profiles frame.

    Attributes:
        city: Place keys of the cities (:func:`matcher.catalogue.place_keys`).
        country: Country codes.
        roles: Bool ``(n, len(ROLES))``.
        sectors: Bool ``(n, len(SECTORS))``.
        stage: Index into :data:`matcher.vocab.STAGES`, -1 when unknown. For investors it is read as the stage
            they invest at.
        log_employees: log10 of the head count, NaN when unknown.
    """

    city: np.ndarray
    country: np.ndarray
    roles: np.ndarray
    sectors: np.ndarray
    stage: np.ndarray
    log_employees: np.ndarray

    @classmethod
    def from_frame(cls, profiles: pd.DataFrame) -> ProfileArrays:
        """Reads the attributes of every row of ``profiles`` (columns of :data:`matcher.schema.PROFILE_COLUMNS`)."""
        n = len(profiles)
        sectors = np.zeros((n, len(SECTORS)), dtype=bool)
        roles = np.zeros((n, len(ROLES)), dtype=bool)
        for i, (org_type, row_sectors) in enumerate(zip(profiles["org_type"], profiles["sectors"], strict=True)):
            row_sectors = tuple(row_sectors) if isinstance(row_sectors, (tuple, list)) else ()
            sectors[i, [_SECTOR_INDEX[s] for s in row_sectors if s in _SECTOR_INDEX]] = True
            roles[i, [_ROLE_INDEX[r] for r in roles_of(str(org_type), row_sectors)]] = True
        stage = np.array([_STAGE_INDEX.get(s, -1) if isinstance(s, str) else -1 for s in profiles["stage"]], np.int8)
        employees = pd.to_numeric(profiles["employees"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_employees = np.where(employees > 0, np.log10(employees), np.nan)
        return cls(
            city=place_keys(profiles["city"]),
            country=profiles["country"].astype(str).to_numpy(dtype=object),
            roles=roles,
            sectors=sectors,
            stage=stage,
            log_employees=log_employees,
        )

    def take(self, rows: np.ndarray | Sequence[int]) -> ProfileArrays:
        """The attributes of ``rows`` only."""
        rows = np.asarray(rows, dtype=np.int64)
        return ProfileArrays(
            city=self.city[rows],
            country=self.country[rows],
            roles=self.roles[rows],
            sectors=self.sectors[rows],
            stage=self.stage[rows],
            log_employees=self.log_employees[rows],
        )

    def __len__(self) -> int:
        return len(self.city)


_COSINES = (
    "need_match",
    "offer_match",
    "need_profile_match",
    "offer_profile_match",
    "profile_similarity",
    "offers_overlap",
    "lexical",
)


def _saturate(values: np.ndarray) -> np.ndarray:
    """Maps a non-negative count or score to [0, 1): x / (1 + x); one shared partner gives 0.5."""
    values = np.maximum(values, 0.0)
    return values / (1.0 + values)


def pair_features(
    query: ProfileArrays,
    candidates: ProfileArrays,
    signals: Mapping[str, np.ndarray],
    type_fit: TypeFit,
) -> pd.DataFrame:
    """Features of the pairs (query, each candidate), one row per candidate, columns :data:`FEATURE_NAMES`.

    Args:
        query: The asker's attributes (one row).
        candidates: The candidates' attributes.
        signals: Raw per-candidate signals named in :data:`SIGNAL_NAMES`: cosine similarities (negative ones
            count as zero), ``common_partners`` (a count), ``adamic_adar`` and ``partners_of_peers`` (sums,
            squashed to [0, 1) by x / (1 + x)), and ``popularity``, ``recent_activity``, ``adamic_adar_share``,
            ``three_step_links`` and ``field_activity`` (already in [0, 1]: see
            :class:`matcher.candidates.PartnerGraph`). Missing ones are zero.
        type_fit: The role fit table.

    Returns:
        A frame of floats in [0, 1].

    Raises:
        ValueError: ``query`` is not one row, a signal has the wrong length, or a signal name is unknown.
    """
    if len(query) != 1:
        raise ValueError(f"query must hold exactly one profile, got {len(query)}")
    m = len(candidates)
    unknown = sorted(set(signals) - set(SIGNAL_NAMES))
    if unknown:
        raise ValueError(f"unknown signals {unknown}; known: {', '.join(SIGNAL_NAMES)}")
    raw: dict[str, np.ndarray] = {}
    for name in SIGNAL_NAMES:
        value = np.asarray(signals.get(name, np.zeros(m)), dtype=float)
        if value.shape != (m,):
            raise ValueError(f"signal {name!r} has shape {value.shape}, expected ({m},)")
        raw[name] = value

    out: dict[str, np.ndarray] = {}
    for name in _COSINES:
        out[name] = np.clip(raw[name], 0.0, 1.0)

    both = (candidates.sectors & query.sectors[0]).sum(axis=1)
    either = (candidates.sectors | query.sectors[0]).sum(axis=1)
    out["sector_overlap"] = np.divide(both, either, out=np.zeros(m), where=either > 0)

    out["type_fit_for_query"] = type_fit.for_partners(query.roles[0], candidates.roles)
    out["type_fit_for_candidate"] = type_fit.for_askers(candidates.roles, query.roles[0])

    out["common_partners"] = _saturate(raw["common_partners"])
    out["adamic_adar"] = _saturate(raw["adamic_adar"])
    out["partners_of_peers"] = _saturate(raw["partners_of_peers"])

    # A place is a city in a country: Cambridge (GB) is another city than Cambridge (US).
    out["other_city"] = ((candidates.city != query.city[0]) | (candidates.country != query.country[0])).astype(float)
    out["other_country"] = (candidates.country != query.country[0]).astype(float)

    known_stage = (candidates.stage >= 0) & (query.stage[0] >= 0)
    gap = np.abs(candidates.stage.astype(float) - float(query.stage[0])) / (len(STAGES) - 1)
    out["stage_fit"] = np.where(known_stage, 1.0 - gap, _UNKNOWN_FIT)

    size_gap = np.abs(candidates.log_employees - query.log_employees[0]) / _SIZE_SPAN
    out["size_fit"] = np.where(np.isnan(size_gap), _UNKNOWN_FIT, 1.0 - np.minimum(size_gap, 1.0))

    for name in ("popularity", "recent_activity", "adamic_adar_share", "three_step_links", "field_activity"):
        out[name] = np.clip(raw[name], 0.0, 1.0)
    # One float block: cheaper to build and to read back as a matrix than a frame of separate columns.
    block = np.column_stack([out[name] for name in FEATURE_NAMES]) if m else np.zeros((0, len(FEATURE_NAMES)))
    return pd.DataFrame(block, columns=FEATURE_NAMES)
