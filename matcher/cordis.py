"""CORDIS importer: EU research-programme participations turned into profiles and co-participation partnerships.

CORDIS, the European Commission's record of EU-funded research, publishes two tables per programme: one row per
organisation and project participation (``organization``) and one row per project (``project``), as JSON or as
semicolon-separated CSV with the same column names. :func:`read_cordis` reads either (the I/O edge);
:func:`cordis_to_frames` turns them into frames with the canonical columns of :mod:`matcher.schema` (the core),
ready for :func:`matcher.validate.validate_profiles` and the store.

What a profile says is only what the data says:

- ``id`` is ``cordis-<organisationID>``; name and website as CORDIS records them (the latest record wins), the
  city under its canonical name where :func:`matcher.vocab.normalize_city` knows it ("MUNCHEN" is Munich,
  "Bruxelles" and "Brussels" one city), else as recorded;
- ``org_type`` from ``activityType``: PRC company (``sme`` when CORDIS flags it as an SME), HES university, REC
  research institute, PUB public body, OTH other;
- ``country`` from CORDIS codes (UK -> GB, EL -> GR; XK, Kosovo, is kept);
- ``description`` lists the projects the organisation took part in (acronym, years, title), then their
  objectives, most recent first, within the description limit (what does not fit is said, not cut silently);
- ``offers`` states its roles (coordinator, participant, ...) and the projects' titles: the experience an
  organisation brings to a consortium;
- ``seeks`` stays empty: CORDIS records what an organisation did, never what it looks for, and an invented
  generic wish ("partners for research") would make every profile match every other;
- ``sectors`` are guessed from the projects' titles and objectives with keyword patterns, only where clear (a
  keyword in the title, or at least two in the objective).

Partnerships are co-participations: one row per unordered pair of organisations and project, kind
``co_research``, year the project's start year, note the project's acronym.

Example:
    >>> import pandas as pd
    >>> organizations = pd.DataFrame({
    ...     "organisationID": [1, 2, 3], "projectID": [10, 10, 10], "name": ["TU Graz", "Okmetic", "Nube"],
    ...     "activityType": ["HES", "PRC", "PRC"], "SME": ["", "false", "true"],
    ...     "role": ["coordinator", "participant", "participant"], "city": ["GRAZ", "VANTAA", "MALAGA"],
    ...     "country": ["AT", "FI", "ES"], "organizationURL": ["www.tugraz.at", "", ""],
    ... })
    >>> projects = pd.DataFrame({"id": [10], "acronym": ["3Ccar"], "title": ["Semiconductor chips for cars"],
    ...                          "objective": ["Power semiconductors."], "startDate": ["2015-06-01"]})
    >>> frames = cordis_to_frames(organizations, projects)
    >>> frames.profiles[["id", "org_type", "country", "sectors"]].to_dict("records")[:2]
    [{'id': 'cordis-1', 'org_type': 'university', 'country': 'AT', 'sectors': ('semiconductors',)}, \
{'id': 'cordis-2', 'org_type': 'company', 'country': 'FI', 'sectors': ('semiconductors',)}]
    >>> frames.partnerships[["source_id", "target_id", "year", "note"]].to_dict("records")[0]
    {'source_id': 'cordis-1', 'target_id': 'cordis-2', 'year': 2015, 'note': '3Ccar'}
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .readers import read_table
from .schema import PARTNERSHIP_COLUMNS, PROFILE_COLUMNS
from .validate import TEXT_LIMITS, MissingColumnsError, cell_text
from .vocab import SECTORS, normalize_city, normalize_country

__all__ = [
    "ACTIVITY_TYPES",
    "CORDIS_MAX_BYTES",
    "CORDIS_MAX_ROWS",
    "OFFERS_LIMIT",
    "PARTICIPATION_COLUMNS",
    "SECTOR_KEYWORDS",
    "CordisFrames",
    "cordis_to_frames",
    "guess_sectors",
    "read_cordis",
]

logger = logging.getLogger(__name__)

CORDIS_MAX_BYTES = 2 * 1024**3
"""Largest CORDIS export :func:`read_cordis` reads (the full Horizon 2020 tables are a few hundred MB)."""
CORDIS_MAX_ROWS = 5_000_000
"""Most rows :func:`read_cordis` reads from one CORDIS table."""
OFFERS_LIMIT = 2_000
"""Longest ``offers`` text built, in characters: roles and project titles, not the whole history."""

ACTIVITY_TYPES: dict[str, str] = {
    "PRC": "company",
    "HES": "university",
    "REC": "research_institute",
    "PUB": "public_body",
    "OTH": "other",
}
"""CORDIS ``activityType`` codes and the organisation type each becomes (PRC with the SME flag: ``sme``)."""

_ACTIVITY_WORDS = {
    "company": "Company",
    "sme": "SME",
    "university": "University",
    "research_institute": "Research organisation",
    "public_body": "Public body",
    "other": "Organisation",
}
_ROLE_WORDS = {
    "coordinator": "coordinator",
    "participant": "participant",
    "partner": "associated partner",
    "thirdparty": "third party",
    "internationalpartner": "international partner",
}
_ROLE_RANK = {role: rank for rank, role in enumerate(_ROLE_WORDS)}

SECTOR_KEYWORDS: dict[str, str] = {
    "semiconductors": (
        r"semiconductor\w*|micro-?electronic\w*|nano-?electronic\w*|chips?|wafers?|silicon|SiC|GaN|gallium nitride"
        r"|CMOS|FD-?SOI|RF-?SOI|SOI|transistors?|integrated circuits?|power electronics|wide band ?gap|MEMS"
    ),
    "energy": (
        r"energy|batter(?:y|ies)|electri(?:c|fied) (?:vehicles?|cars?)|EVs?|renewables?|photovoltaics?|solar"
        r"|hydrogen|fuel cells?|charging|smart grids?|power grids?"
    ),
    "ai": r"artificial intelligence|machine learning|deep learning|neural networks?|AI",
    "robotics": r"robot\w*|drones?|UAVs?|autonomous systems?",
    "quantum": r"quantum",
    "advanced_materials": (
        r"graphene|2D materials|nano-?materials?|advanced materials|composites?|diamond|metamaterials?"
    ),
    "aerospace": r"aerospace|aircraft|aviation|satellites?|avionics|spacecraft",
    "digital_health": r"e-?health|telemedicine|digital health|health monitoring",
    "medical_devices": r"medical devices?|implants?",
    "diagnostics": r"diagnostics|in vitro diagnos\w*",
    "therapeutics": r"drug discovery|therapeutics?",
    "biologics": r"antibod(?:y|ies)|biologics",
}
"""Keyword patterns (regular expressions, case-insensitive, whole words) that point to each taxonomy sector."""
_SECTOR_PATTERNS = {
    sector: re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE) for sector, pattern in SECTOR_KEYWORDS.items()
}

_ORGANIZATION_REQUIRED = ("organisationid", "projectid", "name", "activitytype", "city", "country")
_PROJECT_REQUIRED = ("id", "acronym", "title", "objective", "startdate")
PARTICIPATION_COLUMNS: tuple[str, ...] = ("profile_id", "project_id", "acronym", "role", "year")
"""Columns of :attr:`CordisFrames.participations`."""


@dataclass(frozen=True)
class CordisFrames:
    """Canonical frames built from CORDIS tables.

    Attributes:
        profiles: One row per organisation, with :data:`matcher.schema.PROFILE_COLUMNS`.
        partnerships: One row per unordered pair of organisations and shared project, with
            :data:`matcher.schema.PARTNERSHIP_COLUMNS` (``source_id`` sorts before ``target_id``).
        participations: One row per organisation and project (:data:`PARTICIPATION_COLUMNS`), so that an
            evaluation knows which projects each profile's text was built from.
    """

    profiles: pd.DataFrame
    partnerships: pd.DataFrame
    participations: pd.DataFrame


def read_cordis(organizations: Path, projects: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reads a CORDIS organisation table and project table (JSON, or the semicolon-separated CSV exports).

    Cells come back as text, column names lower-cased, as :func:`matcher.readers.read_table` reads any table;
    records it cannot parse are logged as warnings and left out.

    Args:
        organizations: ``organization.json`` or ``organization.csv``.
        projects: ``project.json`` or ``project.csv``.

    Returns:
        The organisation table and the project table.

    Raises:
        FileReadError: A file cannot be read at all.

    Example:
        >>> folder = Path("../shared/data/cordis_semiconductor")
        >>> organizations, projects = read_cordis(folder / "organization.json", folder / "project.json")
        ... # doctest: +SKIP
    """
    frames = []
    for path in (Path(organizations), Path(projects)):
        result = read_table(path, max_bytes=CORDIS_MAX_BYTES, max_rows=CORDIS_MAX_ROWS)
        for note in result.notes:
            logger.info("%s: %s", path.name, note)
        for problem in result.problems:
            logger.warning("%s: row %d left out: %s", path.name, problem.row, problem.reason)
        frames.append(result.frame.drop(columns="_row"))
    return frames[0], frames[1]


def guess_sectors(title: str | None, objective: str | None) -> tuple[str, ...]:
    """Returns the taxonomy sectors a project clearly works on: a keyword in its title, or two in its objective.

    Example:
        >>> guess_sectors("Wide band gap Innovative SiC for Advanced Power", "")
        ('semiconductors',)
        >>> guess_sectors("Low energy comfort systems", "Heating.")  # one keyword, but in the title
        ('energy',)
    """
    found = []
    for sector in SECTORS:
        pattern = _SECTOR_PATTERNS.get(sector)
        if pattern is None:
            continue
        if (title and pattern.search(title)) or len(pattern.findall(objective or "")) >= 2:
            found.append(sector)
    return tuple(found)


def _text(series: pd.Series) -> pd.Series:
    return pd.Series([cell_text(value) for value in series], index=series.index, dtype=object)


def _first_code(value: str | None) -> str | None:
    """CORDIS joins repeated codes with ';' ("PRC;PRC", "FI;FI"): the first one is the code."""
    if value is None:
        return None
    return next((part.strip() for part in value.split(";") if part.strip()), None)


def _lowered(frame: pd.DataFrame, required: tuple[str, ...], what: str) -> pd.DataFrame:
    frame = frame.rename(columns=lambda name: str(name).strip().lower())
    missing = tuple(name for name in required if name not in frame.columns)
    if missing:
        raise MissingColumnsError(
            f"the CORDIS {what} table has no column for {', '.join(missing)}; "
            f"is it the {what} table of a CORDIS export?",
            missing,
        )
    return frame


def _budgeted(parts: Iterable[str], limit: int, separator: str, more: str) -> str:
    """Joins ``parts`` while they fit in ``limit`` characters, ending with ``more`` (formatted with the number
    of parts left out) when some do not fit: long histories are shortened openly, never cut mid-text."""
    parts = list(parts)
    kept: list[str] = []
    length = 0
    for count, part in enumerate(parts):
        added = len(part) + (len(separator) if kept else 0)
        remaining = len(parts) - count - 1
        room_for_tail = len(separator) + len(more.format(remaining)) if remaining else 0
        if length + added + room_for_tail > limit:
            return separator.join([*kept, more.format(len(parts) - count)])
        kept.append(part)
        length += added
    return separator.join(kept)


def cordis_to_frames(
    organizations: pd.DataFrame, projects: pd.DataFrame, *, exclude_projects: Collection[object] = ()
) -> CordisFrames:
    """Builds profiles, co-participation partnerships and participations from CORDIS tables.

    See the module docstring for what each profile field is built from. Column names may be in any case
    (``organisationID`` or ``organisationid``), cells text or numbers.

    Args:
        organizations: The ``organization`` table: one row per organisation and project.
        projects: The ``project`` table: one row per project.
        exclude_projects: Project ids (as numbers or text) whose title and objective must not enter any
            profile's description, offers or sectors: a leave-one-project-out evaluation predicts a project's
            partnerships from texts that do not mention it. Partnerships and participations still include
            them.

    Returns:
        Profiles, partnerships and participations frames.

    Raises:
        MissingColumnsError: A table lacks a column the importer needs.
    """
    orgs = _lowered(organizations, _ORGANIZATION_REQUIRED, "organization")
    projs = _lowered(projects, _PROJECT_REQUIRED, "project")
    excluded = {cell_text(project_id) for project_id in exclude_projects}

    org_id = _text(orgs["organisationid"])
    project_id = _text(orgs["projectid"])
    usable = org_id.notna() & project_id.notna()
    if not usable.all():
        logger.warning("CORDIS: %d organisation rows without organisationID or projectID left out", (~usable).sum())
    orgs, org_id = orgs[usable], org_id[usable]
    parts = pd.DataFrame(
        {
            "org": org_id,
            "profile_id": "cordis-" + org_id,
            "project_id": project_id[usable],
            "role": _text(orgs["role"]) if "role" in orgs else None,
            "acronym_org": _text(orgs["projectacronym"]) if "projectacronym" in orgs else None,
        }
    )

    project = pd.DataFrame(
        {
            "project_id": _text(projs["id"]),
            "acronym": _text(projs["acronym"]),
            "title": _text(projs["title"]),
            "objective": _text(projs["objective"]),
            "start": _text(projs["startdate"]),
            "end": _text(projs["enddate"]) if "enddate" in projs else None,
        }
    ).drop_duplicates("project_id")
    start_year = [start[:4] if start else None for start in project["start"]]
    project["year"] = pd.to_numeric(pd.Series(start_year, index=project.index), errors="coerce").astype("Int64")
    project["sectors"] = [guess_sectors(t, o) for t, o in zip(project["title"], project["objective"], strict=True)]

    joined = parts.merge(project, on="project_id", how="left")
    text_columns = ["acronym", "acronym_org", "role", "title", "objective", "start", "end"]
    joined[text_columns] = joined[text_columns].astype(object).where(joined[text_columns].notna(), None)
    joined["acronym"] = joined["acronym"].where(joined["acronym"].notna(), joined["acronym_org"])
    # One participation per organisation and project: CORDIS lists an organisation twice when it has two
    # roles in a project (participant and third party); the leading role counts.
    rank = joined["role"].map(lambda role: _ROLE_RANK.get((role or "").strip().lower(), len(_ROLE_RANK)))
    joined = joined.iloc[rank.argsort(kind="stable")].drop_duplicates(["org", "project_id"]).sort_index()
    missing_projects = joined["title"].isna() & joined["objective"].isna()
    if missing_projects.any():
        logger.warning("CORDIS: %d participations refer to projects not in the project table", missing_projects.sum())

    participations = joined[["profile_id", "project_id", "acronym", "role", "year"]].reset_index(drop=True)
    profiles = _profiles(orgs, org_id, joined[~joined["project_id"].isin(excluded)])
    partnerships = _partnerships(joined)
    logger.info(
        "CORDIS: %d organisations, %d projects, %d co-participation pairs",
        len(profiles),
        joined["project_id"].nunique(),
        len(partnerships),
    )
    return CordisFrames(profiles, partnerships, participations)


def _latest(orgs: pd.DataFrame, org_id: pd.Series) -> pd.DataFrame:
    """One row per organisation: each attribute from its most recently updated record that has it."""
    columns = ["name", "shortname", "activitytype", "sme", "city", "country", "organizationurl"]
    table = pd.DataFrame({c: _text(orgs[c]) if c in orgs else None for c in columns}, index=orgs.index)
    table["org"] = org_id
    table["updated"] = _text(orgs["contentupdatedate"]) if "contentupdatedate" in orgs else None
    table = table.sort_values("updated", ascending=False, na_position="last", kind="stable")
    latest = table.groupby("org", sort=False)[columns].first()
    return latest.astype(object).where(latest.notna(), None)


def _org_type(activity: str | None, sme: str | None) -> str:
    org_type = ACTIVITY_TYPES.get((_first_code(activity) or "").upper(), "other")
    if org_type == "company" and (sme or "").strip().lower() in ("true", "1", "yes"):
        return "sme"
    return org_type


def _project_line(project: dict[str, Any]) -> str:
    years = ""
    if pd.notna(project["year"]):
        end = (project["end"] or "")[:4]
        years = f" ({project['year']}–{end})" if end and end != str(project["year"]) else f" ({project['year']})"
    title = f": {project['title']}" if project["title"] else ""
    return f"{project['acronym'] or project['project_id']}{years}{title}"


def _description(projects: list[dict[str, Any]]) -> str:
    if not projects:
        return ""
    limit = TEXT_LIMITS["description"]
    n = len(projects)
    head = f"Took part in {n} EU-funded research project{'s' if n != 1 else ''} (CORDIS): "
    # Titles first (a quarter of the room at most), so that every project is named before any objective.
    listing = _budgeted((_project_line(project) for project in projects), limit // 4, "; ", "and {} more")
    text = head + listing + "."
    objectives = [f"{p['acronym'] or p['project_id']}: {p['objective']}" for p in projects if p["objective"]]
    if not objectives:
        return text
    more = "(Objectives of {} more project(s) left out for length.)"
    return f"{text}\n\n{_budgeted(objectives, limit - len(text) - 2, chr(10) * 2, more)}"


def _offers(org_type: str, projects: list[dict[str, Any]]) -> str:
    if not projects:
        return ""
    by_role: dict[str, list[dict[str, Any]]] = {role: [] for role in _ROLE_WORDS.values()}  # coordinator first
    for project in projects:
        by_role.setdefault(_ROLE_WORDS.get((project["role"] or "").strip().lower(), "participant"), []).append(project)
    by_role = {role: group for role, group in by_role.items() if group}
    who = f"{_ACTIVITY_WORDS[org_type]} with EU research-project experience"

    def name(project: dict[str, Any], with_title: bool) -> str:
        acronym = project["acronym"] or project["project_id"]
        return f"{acronym} ({project['title']})" if with_title and project["title"] else acronym

    # Long histories drop the titles first, then say how many projects did not fit.
    for with_title in (True, False):
        roles = [f"{role} of {', '.join(name(p, with_title) for p in group)}" for role, group in by_role.items()]
        text = f"{who} as {'; '.join(roles)}."
        if len(text) <= OFFERS_LIMIT:
            return text
    counts = ", ".join(f"{role} in {len(group)}" for role, group in by_role.items())
    head = f"{who} ({counts} projects): "
    names = [name(p, False) for group in by_role.values() for p in group]
    return head + _budgeted(names, OFFERS_LIMIT - len(head) - 1, "; ", "and {} more") + "."


def _profiles(orgs: pd.DataFrame, org_id: pd.Series, joined: pd.DataFrame) -> pd.DataFrame:
    joined = joined.sort_values(["org", "start", "project_id"], ascending=[True, False, True], na_position="last")
    projects_of: dict[str, list[dict[str, Any]]] = {}
    for project in joined.to_dict("records"):  # most recent first
        projects_of.setdefault(project["org"], []).append(project)
    records = []
    # Records, not iterrows: a row Series of text would turn None into NaN.
    for row in _latest(orgs, org_id).reset_index().to_dict("records"):
        own = projects_of.get(row["org"], [])
        org_type = _org_type(row["activitytype"], row["sme"])
        code = _first_code(row["country"])
        country = (normalize_country(code) or code) if code else None
        sectors = {sector for project in own for sector in project["sectors"]}
        records.append(
            {
                "id": f"cordis-{row['org']}",
                "name": row["name"] or row["shortname"],
                "org_type": org_type,
                "city": normalize_city(row["city"], country) if row["city"] else None,
                "country": country,
                "sectors": tuple(sector for sector in SECTORS if sector in sectors),
                "description": _description(own),
                "offers": _offers(org_type, own),
                "seeks": "",
                "tags": (),
                "website": row["organizationurl"],
                "employees": pd.NA,
                "founded": pd.NA,
                "stage": None,
                "technologies": (),
                "languages": (),
                "public_fields": (),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(PROFILE_COLUMNS))
    frame = frame.astype({"employees": "Int64", "founded": "Int64"})
    return frame.sort_values("id", kind="stable").reset_index(drop=True)


def _partnerships(joined: pd.DataFrame) -> pd.DataFrame:
    """Every unordered pair of organisations in the same project, once per project."""
    members = joined[["project_id", "profile_id", "acronym", "year"]]
    pairs = members.merge(members[["project_id", "profile_id"]], on="project_id", suffixes=("", "_other"))
    pairs = pairs[pairs["profile_id"] < pairs["profile_id_other"]]
    frame = pd.DataFrame(
        {
            "source_id": pairs["profile_id"].to_numpy(),
            "target_id": pairs["profile_id_other"].to_numpy(),
            "kind": "co_research",
            "year": pd.array(pairs["year"], dtype="Int64"),
            "note": pairs["acronym"].fillna("").to_numpy(),
        },
        columns=list(PARTNERSHIP_COLUMNS),
    )
    return frame.sort_values(["note", "source_id", "target_id"], kind="stable").reset_index(drop=True)
