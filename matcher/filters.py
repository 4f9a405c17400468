"""Filters on profiles, shared by listing, search and recommendations.

A :class:`Filters` is built once from what a user typed (aliases and names accepted, unknown values refused
with a clear message) and turned into a boolean mask over a profiles frame, so that search and ranking can
apply it *before* they cut their top-k. Cities and countries are read in any spelling :mod:`matcher.vocab` knows
("대전", "Deutschland"), and organisations can be found by part of their name in any script ("세종").

Example:
    >>> f = Filters.from_user(country=["Korea"], org_type=["Start-up"], city=["대전"])
    >>> f.country, f.org_type, f.city
    (('KR',), ('startup',), ('Daejeon',))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .lexical import fold_name, name_matches
from .validate import TEXT_LIMITS
from .vocab import (
    ORG_TYPES,
    SECTORS,
    STAGES,
    normalize_city,
    normalize_country,
    normalize_org_type,
    normalize_stage,
    split_sectors,
)

__all__ = ["MAX_NAME_CHARS", "SIZE_BANDS", "Filters"]

SIZE_BANDS: dict[str, tuple[int, int]] = {
    "micro": (1, 9),
    "small": (10, 49),
    "medium": (50, 249),
    "large": (250, 10**9),
}
"""Head-count bands (EU SME definition) for the size filter."""
MAX_NAME_CHARS = TEXT_LIMITS["name"]
"""Longest name part accepted: the longest name an import accepts."""


def _normalised(values: Iterable[str] | None, normalise: Any, what: str, accepted: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or ():
        canonical = normalise(value)
        if canonical is None:
            raise InputError(f"unknown {what} {value[:100]!r}; accepted: {', '.join(accepted)}")
        out.append(canonical)
    return tuple(dict.fromkeys(out))


def _sector(value: str) -> str | None:
    known, _ = split_sectors([value])
    return known[0] if known else None


@dataclass(frozen=True)
class Filters:
    """Which profiles may appear. Empty fields do not filter; values within a field combine with OR.

    Attributes:
        city: City names, compared case-insensitively as canonical names (:func:`matcher.vocab.normalize_city`), so
            a city stored in another spelling still passes.
        country: ISO 3166-1 alpha-2 codes.
        org_type: Organisation types.
        sector: Taxonomy sectors (any of them).
        stage: Company stages.
        size: Head-count bands from :data:`SIZE_BANDS`.
        name: Parts of names: an organisation passes when its name contains one, compared as
            :func:`matcher.lexical.fold_name` folds them (case, accents, spaces and scripts' forms do not matter).
    """

    city: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    org_type: tuple[str, ...] = ()
    sector: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    size: tuple[str, ...] = ()
    name: tuple[str, ...] = ()

    @classmethod
    def from_user(
        cls,
        *,
        city: Iterable[str] | None = None,
        country: Iterable[str] | None = None,
        org_type: Iterable[str] | None = None,
        sector: Iterable[str] | None = None,
        stage: Iterable[str] | None = None,
        size: Iterable[str] | None = None,
        name: Iterable[str] | None = None,
    ) -> Filters:
        """Normalises what a user typed.

        Raises:
            InputError: A value is not recognised (the message lists what is accepted), or a name part has no
                letters or digits.

        Example:
            >>> Filters.from_user(city=["München", "Malaga"], name=[" 세종 "])
            Filters(city=('Munich', 'Málaga'), country=(), org_type=(), sector=(), stage=(), size=(), name=('세종',))
        """
        names = tuple(dict.fromkeys(n.strip() for n in name or () if n.strip()))
        for part in names:
            if len(part) > MAX_NAME_CHARS or not fold_name(part):
                raise InputError(
                    f"the name part {part[:MAX_NAME_CHARS]!r} cannot be searched: give letters or digits, at most "
                    f"{MAX_NAME_CHARS} characters"
                )
        return cls(
            city=tuple(dict.fromkeys(normalize_city(c) for c in city or () if c.strip())),
            country=_normalised(country, normalize_country, "country", ["ISO codes or English names"]),
            org_type=_normalised(org_type, normalize_org_type, "organisation type", ORG_TYPES),
            sector=_normalised(sector, _sector, "sector", SECTORS),
            stage=_normalised(stage, normalize_stage, "stage", STAGES),
            size=_normalised(size, lambda s: s if s in SIZE_BANDS else None, "size", SIZE_BANDS),
            name=names,
        )

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return not any(getattr(self, f.name) for f in fields(self))

    def describe(self) -> str:
        """The filters as words for a sentence ("in Seattle, startup"); empty when nothing is filtered.

        Example:
            >>> Filters(city=("Seattle",), org_type=("startup", "sme")).describe()
            'in Seattle, startup or sme'
        """
        places = " or ".join((*self.city, *self.country))
        rest = [" or ".join(values) for values in (self.org_type, self.sector, self.stage, self.size) if values]
        names = [f"named like {' or '.join(repr(n) for n in self.name)}"] if self.name else []
        return ", ".join(([f"in {places}"] if places else []) + rest + names)

    def mask(self, profiles: pd.DataFrame) -> np.ndarray:
        """A boolean array, one entry per row of ``profiles``: True where the row passes every filter."""
        keep = np.ones(len(profiles), dtype=bool)
        if self.city:
            wanted = {normalize_city(c).casefold() for c in self.city}
            canonical = {city: normalize_city(city).casefold() for city in profiles["city"].dropna().unique()}
            keep &= profiles["city"].map(canonical).isin(wanted).to_numpy()
        if self.country:
            keep &= profiles["country"].isin(self.country).to_numpy()
        if self.org_type:
            keep &= profiles["org_type"].isin(self.org_type).to_numpy()
        if self.stage:
            keep &= profiles["stage"].isin(self.stage).to_numpy()
        if self.sector:
            wanted = set(self.sector)
            keep &= np.fromiter((not wanted.isdisjoint(s) for s in profiles["sectors"]), bool, len(profiles))
        if self.size:
            employees = pd.to_numeric(profiles["employees"], errors="coerce").to_numpy(dtype=float)
            in_band = np.zeros(len(profiles), dtype=bool)
            for band in self.size:
                low, high = SIZE_BANDS[band]
                in_band |= (employees >= low) & (employees <= high)
            keep &= in_band
        if self.name:
            found = np.zeros(len(profiles), dtype=bool)
            for part in self.name:
                found |= name_matches(profiles["name"], part)
            keep &= found
        return keep
