"""Controlled vocabularies: organisation types, sectors, stages, partnership kinds and countries.

Every value that enters the store passes through one of the ``normalize_*`` functions here, so the rest of the
package can rely on canonical values. Each function accepts the common spellings people type in spreadsheets
and returns ``None`` (or splits off free tags) for what it does not know, leaving the caller to report it.

Example:
    >>> normalize_org_type("Research Institute")
    'research_institute'
    >>> normalize_country("UK")
    'GB'
    >>> split_sectors("ADC; CDMO; space robotics")
    (('antibody_drug_conjugates', 'bioprocessing_cdmo'), ('space robotics',))
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pycountry

__all__ = [
    "ALLIANCE_CITIES",
    "BIO_SECTORS",
    "FIRM_TYPES",
    "ORG_TYPES",
    "PARTNERSHIP_KINDS",
    "SECTORS",
    "SECTOR_LABELS",
    "STAGES",
    "TECH_SECTORS",
    "normalize_country",
    "normalize_org_type",
    "normalize_partnership_kind",
    "normalize_stage",
    "split_list",
    "split_sectors",
]


def _key(text: str) -> str:
    """Folds case, punctuation and spacing so that 'Bio-process / CDMO' and 'bioprocess cdmo' meet."""
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def _alias_table(canonical: Iterable[str], aliases: Mapping[str, str]) -> dict[str, str]:
    table = {_key(value): value for value in canonical}
    table.update({_key(alias): value for alias, value in aliases.items()})
    return table


ORG_TYPES: tuple[str, ...] = (
    "startup",
    "sme",
    "company",
    "large_company",
    "multinational",
    "university",
    "research_institute",
    "hospital",
    "investor",
    "public_body",
    "accelerator",
    "other",
)
"""Organisation types, from the smallest firm to public bodies."""

FIRM_TYPES: frozenset[str] = frozenset(ORG_TYPES[:5])
"""The organisation types that are firms (startup to multinational): they take derived roles from their sectors
and can be one another's competitors; universities, institutes and the others cannot."""

_ORG_TYPE_ALIASES = {
    "start-up": "startup",
    "spin-off": "startup",
    "spinout": "startup",
    "spin off": "startup",
    "scale-up": "startup",
    "small and medium enterprise": "sme",
    "small business": "sme",
    "mid-sized company": "sme",
    "mittelstand": "sme",
    "firm": "company",
    "corporation": "company",
    "private company": "company",
    "business": "company",
    "enterprise": "company",
    "prc": "company",
    "large company": "large_company",
    "large enterprise": "large_company",
    "corporate": "large_company",
    "mnc": "multinational",
    "multinational company": "multinational",
    "multinational corporation": "multinational",
    "global company": "multinational",
    "uni": "university",
    "college": "university",
    "higher education": "university",
    "hes": "university",
    "research institute": "research_institute",
    "research institution": "research_institute",
    "research organisation": "research_institute",
    "research organization": "research_institute",
    "research centre": "research_institute",
    "research center": "research_institute",
    "institute": "research_institute",
    "lab": "research_institute",
    "laboratory": "research_institute",
    "national lab": "research_institute",
    "rec": "research_institute",
    "medical centre": "hospital",
    "medical center": "hospital",
    "clinic": "hospital",
    "vc": "investor",
    "venture capital": "investor",
    "fund": "investor",
    "angel": "investor",
    "investment fund": "investor",
    "public body": "public_body",
    "government": "public_body",
    "government agency": "public_body",
    "agency": "public_body",
    "municipality": "public_body",
    "pub": "public_body",
    "incubator": "accelerator",
    "oth": "other",
}
_ORG_TYPE_TABLE = _alias_table(ORG_TYPES, _ORG_TYPE_ALIASES)

BIO_SECTORS: tuple[str, ...] = (
    "therapeutics",
    "antibody_drug_conjugates",
    "biologics",
    "bioprocessing_cdmo",
    "diagnostics",
    "medical_devices",
    "digital_health",
)
TECH_SECTORS: tuple[str, ...] = (
    "aerospace",
    "semiconductors",
    "ai",
    "robotics",
    "quantum",
    "advanced_materials",
    "energy",
)
SECTORS: tuple[str, ...] = BIO_SECTORS + TECH_SECTORS
"""The sector taxonomy: bio subsectors first, then tech subsectors."""

SECTOR_LABELS: dict[str, str] = {
    "therapeutics": "Therapeutics",
    "antibody_drug_conjugates": "Antibody-drug conjugates",
    "biologics": "Biologics",
    "bioprocessing_cdmo": "Bioprocessing / CDMO",
    "diagnostics": "Diagnostics",
    "medical_devices": "Medical devices",
    "digital_health": "Digital health",
    "aerospace": "Aerospace",
    "semiconductors": "Semiconductors",
    "ai": "Artificial intelligence",
    "robotics": "Robotics",
    "quantum": "Quantum",
    "advanced_materials": "Advanced materials",
    "energy": "Energy",
}

_SECTOR_ALIASES = {
    "drug discovery": "therapeutics",
    "pharma": "therapeutics",
    "pharmaceuticals": "therapeutics",
    "drug development": "therapeutics",
    "adc": "antibody_drug_conjugates",
    "adcs": "antibody_drug_conjugates",
    "antibody drug conjugates": "antibody_drug_conjugates",
    "antibody drug conjugate": "antibody_drug_conjugates",
    "biologic": "biologics",
    "antibodies": "biologics",
    "biopharma": "biologics",
    "cdmo": "bioprocessing_cdmo",
    "cmo": "bioprocessing_cdmo",
    "bioprocessing": "bioprocessing_cdmo",
    "bioprocess": "bioprocessing_cdmo",
    "biomanufacturing": "bioprocessing_cdmo",
    "bioprocessing cdmo": "bioprocessing_cdmo",
    "diagnostic": "diagnostics",
    "ivd": "diagnostics",
    "in vitro diagnostics": "diagnostics",
    "medtech": "medical_devices",
    "medical device": "medical_devices",
    "medical technology": "medical_devices",
    "ehealth": "digital_health",
    "e health": "digital_health",
    "healthtech": "digital_health",
    "health it": "digital_health",
    "space": "aerospace",
    "aviation": "aerospace",
    "semiconductor": "semiconductors",
    "chips": "semiconductors",
    "microelectronics": "semiconductors",
    "artificial intelligence": "ai",
    "machine learning": "ai",
    "ai ml": "ai",
    "ml": "ai",
    "robotic": "robotics",
    "automation": "robotics",
    "quantum technology": "quantum",
    "quantum computing": "quantum",
    "materials": "advanced_materials",
    "new materials": "advanced_materials",
    "cleantech": "energy",
    "batteries": "energy",
    "battery": "energy",
    "renewables": "energy",
    "renewable energy": "energy",
    "hydrogen": "energy",
}
_SECTOR_TABLE = _alias_table(SECTORS, _SECTOR_ALIASES)

STAGES: tuple[str, ...] = ("pre_seed", "seed", "series_a", "series_b", "growth", "established")
"""Company stage, for size and stage fit. Empty for organisations where it does not apply."""

_STAGE_ALIASES = {
    "preseed": "pre_seed",
    "idea": "pre_seed",
    "series a": "series_a",
    "a": "series_a",
    "series b": "series_b",
    "b": "series_b",
    "series c": "growth",
    "scale up": "growth",
    "scaleup": "growth",
    "late": "growth",
    "mature": "established",
    "public": "established",
    "listed": "established",
}
_STAGE_TABLE = _alias_table(STAGES, _STAGE_ALIASES)

PARTNERSHIP_KINDS: tuple[str, ...] = (
    "co_research",
    "investment",
    "licensing",
    "supply",
    "mou",
    "visit",
    "joint_venture",
    "customer",
    "other",
)
"""Kinds of existing relationship between two organisations."""

_KIND_ALIASES = {
    "coresearch": "co_research",
    "joint research": "co_research",
    "research": "co_research",
    "collaboration": "co_research",
    "co participation": "co_research",
    "invest": "investment",
    "license": "licensing",
    "licence": "licensing",
    "supplier": "supply",
    "supply agreement": "supply",
    "memorandum of understanding": "mou",
    "delegation visit": "visit",
    "jv": "joint_venture",
    "client": "customer",
}
_KIND_TABLE = _alias_table(PARTNERSHIP_KINDS, _KIND_ALIASES)

ALLIANCE_CITIES: dict[str, tuple[str, float, float]] = {
    "Daejeon": ("KR", 36.3504, 127.3845),
    "Seattle": ("US", 47.6062, -122.3321),
    "Calgary": ("CA", 51.0447, -114.0719),
    "Dortmund": ("DE", 51.5136, 7.4653),
    "Málaga": ("ES", 36.7213, -4.4214),
    "Montgomery County": ("US", 39.1547, -77.2405),
}
"""The Global Innopolis Alliance places: city -> (country, latitude, longitude)."""

# Codes and names that ISO 3166 lookups miss but spreadsheets (and CORDIS) use.
_COUNTRY_ALIASES = {
    "uk": "GB",
    "u k": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "great britain": "GB",
    "britain": "GB",
    "el": "GR",
    "usa": "US",
    "u s a": "US",
    "u s": "US",
    "america": "US",
    "united states of america": "US",
    "korea": "KR",
    "south korea": "KR",
    "republic of korea": "KR",
    "korea republic of": "KR",
    "korea south": "KR",
    "rok": "KR",
    "대한민국": "KR",
    "한국": "KR",
    "deutschland": "DE",
    "germany": "DE",
    "españa": "ES",
    "espana": "ES",
    "holland": "NL",
    "the netherlands": "NL",
    "russia": "RU",
    "czech republic": "CZ",
    "turkey": "TR",
}


def normalize_org_type(value: str) -> str | None:
    """Returns the canonical organisation type for ``value``, or ``None`` if it is not recognised.

    Example:
        >>> normalize_org_type("Start-up")
        'startup'
    """
    return _ORG_TYPE_TABLE.get(_key(value))


def normalize_stage(value: str) -> str | None:
    """Returns the canonical company stage for ``value``, or ``None`` if it is not recognised.

    Example:
        >>> normalize_stage("Series A")
        'series_a'
    """
    return _STAGE_TABLE.get(_key(value))


def normalize_partnership_kind(value: str) -> str | None:
    """Returns the canonical partnership kind for ``value``, or ``None`` if it is not recognised.

    Example:
        >>> normalize_partnership_kind("MoU")
        'mou'
    """
    return _KIND_TABLE.get(_key(value))


def normalize_country(value: str) -> str | None:
    """Returns the ISO 3166-1 alpha-2 code for a country code, name or common alias, or ``None``.

    Example:
        >>> normalize_country("Republic of Korea"), normalize_country("deu"), normalize_country("Spain")
        ('KR', 'DE', 'ES')
    """
    text = value.strip()
    if not text:
        return None
    alias = _COUNTRY_ALIASES.get(_key(text))
    if alias:
        return alias
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        pass
    try:  # "Korea, Republic of" and other informal names
        matches = pycountry.countries.search_fuzzy(text)
    except LookupError:
        return None
    return str(matches[0].alpha_2) if len(matches) == 1 else None


def split_list(value: str | None) -> tuple[str, ...]:
    """Splits a ``;``-separated (or ``|``-separated) cell into stripped, non-empty, de-duplicated items.

    Example:
        >>> split_list(" GMP; fill-finish ;;GMP")
        ('GMP', 'fill-finish')
    """
    if not value:
        return ()
    items = (part.strip() for part in re.split(r"[;|\n]", value))
    return tuple(dict.fromkeys(item for item in items if item))


def split_sectors(value: str | Iterable[str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Splits sector tags into canonical taxonomy sectors and free tags that are kept as typed.

    Example:
        >>> split_sectors(["Machine learning", "agritech"])
        (('ai',), ('agritech',))
    """
    items = split_list(value) if isinstance(value, str) or value is None else tuple(value)
    known: dict[str, None] = {}
    free: dict[str, None] = {}
    for item in items:
        canonical = _SECTOR_TABLE.get(_key(item))
        if canonical:
            known[canonical] = None
        elif item.strip():
            free[item.strip()] = None
    return tuple(known), tuple(free)
