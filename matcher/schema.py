"""The data model: organisation profiles and partnerships, as dataclasses and as table columns.

Profiles travel through the package as pandas data frames with the columns named here (list-valued columns
hold tuples of strings) and, one at a time, as :class:`Profile`.

Example:
    >>> p = Profile(id="dj-001", name="Hanbit Bio", org_type="startup", city="Daejeon", country="KR",
    ...             sectors=("antibody_drug_conjugates",), seeks="GMP fill-finish for ADC candidates")
    >>> p.text("seeks")
    'GMP fill-finish for ADC candidates'
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal

from .vocab import SECTOR_LABELS

__all__ = [
    "FACETS",
    "FEEDBACK_LABELS",
    "IDENTITY_FIELDS",
    "INVESTMENT_STAGES",
    "LIST_COLUMNS",
    "MAX_OWNER_CHARS",
    "NUMBER_COLUMNS",
    "PARTNERSHIP_COLUMNS",
    "PARTNERSHIP_REQUIRED",
    "PROFILE_COLUMNS",
    "PROFILE_REQUIRED",
    "PUBLIC_BY_DEFAULT",
    "SHORTLIST_PURPOSES",
    "SHORTLIST_STAGES",
    "STAGES_BY_PURPOSE",
    "TEXT_COLUMNS",
    "Facet",
    "Partnership",
    "Profile",
]

PROFILE_REQUIRED: tuple[str, ...] = ("id", "name", "org_type", "city", "country")
PROFILE_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "org_type",
    "city",
    "country",
    "sectors",
    "description",
    "offers",
    "seeks",
    "tags",
    "website",
    "employees",
    "founded",
    "stage",
    "technologies",
    "languages",
    "public_fields",
)
"""Profile columns in their canonical order. ``tags`` holds sector tags outside the taxonomy."""

LIST_COLUMNS: tuple[str, ...] = ("sectors", "tags", "technologies", "languages", "public_fields")
"""Columns whose values are tuples of strings (``;``-separated in CSV)."""
NUMBER_COLUMNS: tuple[str, ...] = ("employees", "founded")
"""Columns whose values are whole numbers (or missing)."""
TEXT_COLUMNS: tuple[str, ...] = ("description", "offers", "seeks")
"""The free texts a profile is matched by (the ``profile`` facet also reads the name, type, place and lists)."""

PUBLIC_BY_DEFAULT: tuple[str, ...] = (
    "id",
    "name",
    "org_type",
    "city",
    "country",
    "sectors",
    "tags",
    "description",
    "offers",
    "seeks",
    "website",
    "stage",
    "technologies",
    "languages",
)
"""Fields a startup user may see when a profile does not list its public fields itself (a missing or blank
``public_fields`` cell)."""

IDENTITY_FIELDS: tuple[str, ...] = PROFILE_REQUIRED
"""Who an organisation is (id, name, type, place): always public, since every suggestion shows them. A
``public_fields`` list given explicitly that names no profile column (``none``, ``-``) fails closed to these
fields alone, never to :data:`PUBLIC_BY_DEFAULT`."""

PARTNERSHIP_REQUIRED: tuple[str, ...] = ("source_id", "target_id")
PARTNERSHIP_COLUMNS: tuple[str, ...] = ("source_id", "target_id", "kind", "year", "note")

FEEDBACK_LABELS: tuple[str, ...] = ("relevant", "not_relevant", "contacted", "meeting", "agreement")
"""What a person can say of a suggestion; the latest "not_relevant" dismisses it (see matcher.catalogue)."""
SHORTLIST_STAGES: tuple[str, ...] = ("new", "contacted", "meeting", "agreement")
"""The stages of an organisation on a shortlist of partners, in order."""

INVESTMENT_STAGES: tuple[str, ...] = ("identified", "contacted", "site_visit", "mou", "investment")
"""The stages of a lead on an investment shortlist (a city's pipeline), in order."""

SHORTLIST_PURPOSES: tuple[str, ...] = ("partners", "investment")
"""What a shortlist collects: organisations to partner with, or investment leads for a city."""

STAGES_BY_PURPOSE: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"partners": SHORTLIST_STAGES, "investment": INVESTMENT_STAGES}
)
"""The stages of a shortlist's entries, in order, by the list's purpose (:data:`SHORTLIST_PURPOSES`); read-only,
the one copy the store, the services and every front end read."""

MAX_OWNER_CHARS = 100
"""The longest name of the officer who follows a shortlist entry up: curation refuses a longer one, and the app's
fields and the REST API stop there too."""

Facet = Literal["profile", "offers", "seeks"]
FACETS: tuple[Facet, ...] = ("profile", "offers", "seeks")
"""The texts each profile is embedded as: who it is, what it offers, what it seeks."""


def _clean(value: Any) -> Any:
    """Maps pandas' missing values (NaN, None, NA) to None."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a core dependency
        pass
    return value


@dataclass(frozen=True)
class Profile:
    """One organisation's profile. Values are canonical (see :mod:`matcher.vocab`).

    Attributes:
        id: Stable identifier, unique in the store.
        name: Display name.
        org_type: One of :data:`matcher.vocab.ORG_TYPES`.
        city: City as written by the organisation.
        country: ISO 3166-1 alpha-2 code.
        sectors: Sectors from the taxonomy :data:`matcher.vocab.SECTORS`.
        description: Who the organisation is and what it does.
        offers: What it offers partners.
        seeks: What it looks for in partners.
        tags: Free sector tags outside the taxonomy.
        website: Home page, if known.
        employees: Head count, if known.
        founded: Year founded, if known.
        stage: One of :data:`matcher.vocab.STAGES`, if it applies.
        technologies: Named technologies (rare terms the lexical channel matches on).
        languages: Working languages.
        public_fields: Fields a startup user may see besides :data:`IDENTITY_FIELDS`; empty means
            :data:`PUBLIC_BY_DEFAULT` (imports store :data:`IDENTITY_FIELDS` for an explicit list naming no field).
    """

    id: str
    name: str
    org_type: str
    city: str
    country: str
    sectors: tuple[str, ...] = ()
    description: str = ""
    offers: str = ""
    seeks: str = ""
    tags: tuple[str, ...] = ()
    website: str | None = None
    employees: int | None = None
    founded: int | None = None
    stage: str | None = None
    technologies: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    public_fields: tuple[str, ...] = field(default=())

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> Profile:
        """Builds a profile from a mapping (a data frame row, a JSON object), ignoring unknown keys.

        Missing values become the field defaults; list fields accept tuples, lists or JSON text.
        """
        values: dict[str, Any] = {}
        for name in _PROFILE_FIELDS:
            value = _clean(row.get(name))
            if value is None:
                continue
            if name in LIST_COLUMNS:
                if isinstance(value, str):
                    value = json.loads(value) if value.startswith("[") else [value]
                value = tuple(str(item) for item in value)
            elif name in NUMBER_COLUMNS:
                value = int(value)
            elif name in TEXT_COLUMNS or name in PROFILE_REQUIRED:
                value = str(value)
            values[name] = value
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Returns the profile as a plain dict (tuples stay tuples)."""
        # A shallow copy: dataclasses.asdict deep-copies every tuple and is ten times slower on bulk imports.
        return {name: getattr(self, name) for name in _PROFILE_FIELDS}

    def visible_fields(self) -> tuple[str, ...]:
        """Fields a startup user may see for this profile."""
        return self.public_fields or PUBLIC_BY_DEFAULT

    def text(self, facet: Facet) -> str:
        """Returns the text embedded for ``facet``.

        The ``profile`` facet reads as a short paragraph: name, type, place, sectors, then the description.
        """
        if facet == "offers":
            return self.offers
        if facet == "seeks":
            return self.seeks
        sectors = ", ".join([SECTOR_LABELS.get(s, s) for s in self.sectors] + list(self.tags))
        head = f"{self.name} ({self.org_type.replace('_', ' ')}, {self.city})"
        parts = [head, f"Sectors: {sectors}." if sectors else "", self.description]
        if self.technologies:
            parts.append("Technologies: " + ", ".join(self.technologies) + ".")
        return " ".join(part for part in parts if part)

    def content_hash(self) -> str:
        """A stable hash of every field, to tell whether a profile changed since it was last indexed."""
        payload = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, default=list)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


_PROFILE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Profile))


@dataclass(frozen=True)
class Partnership:
    """A known relationship: ``source_id`` works with ``target_id``.

    Attributes:
        source_id: Profile id of one side.
        target_id: Profile id of the other side.
        kind: One of :data:`matcher.vocab.PARTNERSHIP_KINDS`.
        year: Year it started, if known.
        note: Free text.
    """

    source_id: str
    target_id: str
    kind: str = "other"
    year: int | None = None
    note: str = ""
