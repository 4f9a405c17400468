"""Validation: raw tables in, canonical profile and partnership tables out, with every problem in words.

The core of the import, with no I/O: it takes the text cells a reader produced (:mod:`matcher.readers`), or any
frame with those columns, maps header aliases to the canonical columns of :mod:`matcher.schema`, normalises
values with :mod:`matcher.vocab`, and splits the rows into those kept and those rejected. A rejected row gets
every reason at once, so one round of fixes is enough. Nothing is shortened or guessed silently: a text over its
limit rejects the row, an unknown country rejects the row, a sector outside the taxonomy is kept as a free tag
with a warning, and so is text that looks garbled by a wrong encoding (mojibake such as "Ã©" or "¼¼Á¾"). Text
is stored in Unicode NFC and cities under their canonical names (:func:`matcher.vocab.normalize_city`), so that
"대전" is Daejeon.

The column checks run as one pandera schema (``lazy=True`` collects every failing row); normalisation is plain
pandas, applied once per distinct value.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "ID": ["dj-001", "dj-002", "dj-001"],
    ...     "Organisation": ["Hanbit Bio", "Atlantis Labs", "Hanbit Bio (again)"],
    ...     "Type": ["Start-up", "lab", "startup"],
    ...     "City": ["Daejeon", "Poseidonia", "Daejeon"],
    ...     "Country": ["Korea", "Atlantis", "KR"],
    ...     "Sectors": ["ADC; space robotics", None, None],
    ... })
    >>> report = validate_profiles(frame)
    >>> report.valid[["id", "org_type", "country", "sectors", "tags", "_row"]].to_dict("records")
    [{'id': 'dj-001', 'org_type': 'startup', 'country': 'KR', 'sectors': ('antibody_drug_conjugates',), \
'tags': ('space robotics',), '_row': 1}]
    >>> [(p.row, p.reason) for p in report.rejected]
    [(2, "country 'Atlantis' is not a known country"), (3, "id 'dj-001' repeats row 1 (the first is kept)")]
    >>> report.warnings[0].reason
    "sector 'space robotics' is not in the taxonomy; kept as a tag"
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import pandas as pd

from .charsets import garbled
from .errors import InputError
from .readers import ROW_COLUMN, RowProblem
from .schema import (
    IDENTITY_FIELDS,
    LIST_COLUMNS,
    PARTNERSHIP_COLUMNS,
    PARTNERSHIP_REQUIRED,
    PROFILE_COLUMNS,
    PROFILE_REQUIRED,
)
from .vocab import (
    COUNTRY_CODES,
    ORG_TYPES,
    PARTNERSHIP_KINDS,
    STAGES,
    normalize_city,
    normalize_country,
    normalize_org_type,
    normalize_partnership_kind,
    normalize_stage,
    split_list,
    split_sectors,
)

if TYPE_CHECKING:  # pandera is imported where the checks run: it costs every command a fraction of a second
    import pandera.pandas as pa

__all__ = [
    "FOUNDED_MIN",
    "LIST_CELL_LIMIT",
    "PARTNERSHIP_ALIASES",
    "PARTNERSHIP_YEAR_MIN",
    "PROFILE_ALIASES",
    "TEXT_LIMITS",
    "MissingColumnsError",
    "ValidationReport",
    "cell_text",
    "validate_partnerships",
    "validate_profiles",
]

logger = logging.getLogger(__name__)

TEXT_LIMITS: dict[str, int] = {
    "id": 100,
    "name": 300,
    "city": 120,
    "website": 2_000,
    "description": 20_000,
    "offers": 20_000,
    "seeks": 20_000,
    "source_id": 100,
    "target_id": 100,
    "note": 2_000,
}
"""Longest text accepted per column, in characters. Longer texts reject the row: nothing is cut silently."""
LIST_CELL_LIMIT = 2_000
"""Longest ``;``-separated list cell (sectors, tags, technologies, languages, public fields), in characters."""
FOUNDED_MIN = 1800
"""Earliest founding year accepted; the latest is the current year."""
PARTNERSHIP_YEAR_MIN = 1900
"""Earliest partnership year accepted; the latest is next year (agreements signed for the coming year)."""

PROFILE_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("profile id", "org id", "organisation id", "organization id", "identifier", "key"),
    "name": (
        "organisation",
        "organization",
        "organisation name",
        "organization name",
        "org name",
        "company",
        "company name",
        "institution",
        "legal name",
    ),
    "org_type": (
        "type",
        "organisation type",
        "organization type",
        "org type",
        "type of organisation",
        "type of organization",
        "entity type",
        "category",
    ),
    "city": ("town", "city name", "location"),
    "country": ("country code", "country name", "nation"),
    "sectors": ("sector", "industry", "industries", "field", "fields", "domain", "domains"),
    "description": ("about", "summary", "overview", "profile", "bio", "organisation description"),
    "offers": ("offer", "offering", "offerings", "we offer", "what we offer", "capabilities"),
    "seeks": ("seek", "seeking", "looking for", "we seek", "what we seek", "needs", "requests", "wants"),
    "tags": ("tag", "keywords", "keyword"),
    "website": ("url", "web", "web site", "homepage", "home page", "site", "organization url", "organisation url"),
    "employees": ("staff", "headcount", "head count", "number of employees", "employee count", "employees count"),
    "founded": ("year founded", "founding year", "founded in", "established", "year established", "since"),
    "stage": ("funding stage", "company stage", "stage of development"),
    "technologies": ("technology", "tech", "technology keywords"),
    "languages": ("language", "working languages", "working language"),
    "public_fields": ("public", "visible fields"),
}
"""Header spellings accepted for each profile column, besides the column's own name (case, spaces and
punctuation do not matter)."""

PARTNERSHIP_ALIASES: dict[str, tuple[str, ...]] = {
    "source_id": ("source", "from", "from id", "organisation id", "organization id", "org id", "profile id"),
    "target_id": ("target", "to", "to id", "partner", "partner id"),
    "kind": ("type", "relationship", "relation", "partnership type", "kind of partnership"),
    "year": ("since", "start year", "year started", "started"),
    "note": ("notes", "comment", "comments", "remark", "remarks"),
}
"""Header spellings accepted for each partnership column, besides the column's own name."""

_WHOLE_NUMBER = r"\+?\d+(?:\.0+)?"  # "12", "+12", and "12.0" as spreadsheets write whole numbers
_TEXT_COLUMNS = ("description", "offers", "seeks")  # empty text is "" in the model, other missing values None
_GARBLE_COLUMNS = ("name", "city", "description", "offers", "seeks", "sectors", "tags", "technologies")


class MissingColumnsError(InputError):
    """Required columns are absent: the table as a whole cannot be imported.

    Attributes:
        missing: The canonical names of the absent columns.
    """

    def __init__(self, message: str, missing: tuple[str, ...]) -> None:
        super().__init__(message)
        self.missing = missing


@dataclass(frozen=True)
class ValidationReport:
    """What validation kept, rejected and has to say.

    Attributes:
        valid: Kept rows with the canonical columns (:data:`matcher.schema.PROFILE_COLUMNS` or
            :data:`matcher.schema.PARTNERSHIP_COLUMNS`) plus ``_row``: canonical values, list columns as
            tuples, whole numbers as ``Int64`` (missing is ``<NA>``).
        rejected: One entry per rejected row, with all of that row's reasons joined by ``"; "``.
        warnings: Kept rows with something worth saying, such as sector tags kept as free tags.
        notes: Table-wide remarks, such as columns that were ignored or read under another name.
    """

    valid: pd.DataFrame
    rejected: list[RowProblem]
    warnings: list[RowProblem]
    notes: list[str] = field(default_factory=list)


def _fold(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", unicodedata.normalize("NFKC", str(name)).casefold()).strip()


def _resolve_columns(
    frame: pd.DataFrame, canonical: tuple[str, ...], aliases: Mapping[str, tuple[str, ...]], required: tuple[str, ...]
) -> tuple[dict[str, str], list[str]]:
    """Maps each canonical column to the frame column it is read from; an exact name wins over an alias."""
    sources = [column for column in frame.columns if column != ROW_COLUMN]
    exact = {_fold(name): name for name in canonical}
    alias_of = {_fold(alias): name for name, names in aliases.items() for alias in names}
    chosen: dict[str, str] = {}
    notes: list[str] = []
    ignored: list[str] = []
    for pass_aliases in (False, True):
        for source in sources:
            if source in chosen.values():
                continue
            target = alias_of.get(_fold(source)) if pass_aliases else exact.get(_fold(source))
            if target is None:
                continue
            if target in chosen:
                notes.append(f"column '{source}' ignored: {target} is already read from column '{chosen[target]}'")
                ignored.append(source)
                continue
            chosen[target] = source
            if pass_aliases:
                notes.append(f"column '{source}' read as {target}")
    unknown = [str(s) for s in sources if s not in chosen.values() and s not in ignored]
    if unknown:
        notes.append("columns ignored (not part of the model): " + ", ".join(f"'{name}'" for name in unknown))
    missing = tuple(name for name in required if name not in chosen)
    if missing:
        found = ", ".join(f"'{s}'" for s in sources) or "none"
        hints = "; ".join(
            f"{name}: '{name}' or " + ", ".join(f"'{a}'" for a in aliases.get(name, ())[:3]) for name in missing
        )
        raise MissingColumnsError(
            f"the table has no column for {', '.join(missing)} (columns found: {found}). "
            f"Add the missing columns or rename headers; accepted headers include {hints}",
            missing,
        )
    return chosen, notes


def cell_text(value: Any) -> str | None:
    """Stripped text in Unicode NFC for a cell of any type; ``None`` for empty and missing values, tuples joined
    by ``; ``. NFC makes Hangul typed on macOS (decomposed jamo) the same text as Hangul typed elsewhere.

    Example:
        >>> cell_text(" Daejeon "), cell_text(1998.0), cell_text(("ai", "robotics")), cell_text(float("nan"))
        ('Daejeon', '1998', 'ai; robotics', None)
        >>> cell_text(unicodedata.normalize("NFD", "한빛")) == "한빛"
        True
    """
    if value is None:
        return None
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.strip()) or None  # a quick check returns NFC text as it is
    if isinstance(value, tuple | list):
        return "; ".join(text for item in value if (text := cell_text(item))) or None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value).strip() or None


def _text_column(series: pd.Series) -> pd.Series:
    """A column as an object Series of stripped text or None (a plain loop beats pandas' object str methods)."""
    return pd.Series([cell_text(value) for value in series.to_numpy(dtype=object)], index=series.index, dtype=object)


def _text_columns(frame: pd.DataFrame, chosen: Mapping[str, str], canonical: tuple[str, ...]) -> dict[str, pd.Series]:
    """Every canonical column as stripped text or None (absent columns are all None)."""
    return {
        name: _text_column(frame[chosen[name]])
        if name in chosen
        else pd.Series([None] * len(frame), index=frame.index, dtype=object)
        for name in canonical
    }


def _rows(frame: pd.DataFrame) -> pd.Series:
    """Each record's row number: the reader's ``_row`` when present, else its 1-based position."""
    if ROW_COLUMN in frame.columns:
        return pd.Series(frame[ROW_COLUMN].to_numpy(dtype="int64"), index=frame.index)
    return pd.Series(range(1, len(frame) + 1), index=frame.index, dtype="int64")


def _per_value(series: pd.Series, function: Callable[[str], Any]) -> pd.Series:
    """Applies ``function`` once per distinct non-missing value (vocabularies repeat a handful of values)."""
    present = series.dropna()
    table = {value: function(value) for value in present.unique()}
    return series.map(table, na_action="ignore").astype(object).where(series.notna(), None)


def _tuples(series: pd.Series, split: Callable[[str], tuple[Any, ...]]) -> pd.Series:
    """Splits each text cell into a tuple (once per distinct text); missing cells become ``()``."""
    mapped = _per_value(series, split)
    return pd.Series([value if value is not None else () for value in mapped], index=series.index, dtype=object)


def _canonical_or_raw(series: pd.Series, normalize: Callable[[str], str | None]) -> pd.Series:
    """The canonical value where ``normalize`` knows it, else the raw text, so that a check can quote it."""

    def lookup(value: str) -> str:
        return normalize(unicodedata.normalize("NFC", value)) or value

    return _per_value(series, lookup)


def _text_problem(value: str) -> str | None:
    """What is wrong with a text's characters (mojibake, characters lost before), completing "<column> ...", or
    None."""
    garble = garbled(value)
    if garble is not None:
        return (
            f"looks garbled: {_quote(garble.text)} is {garble.cause} (it would say {_quote(garble.meant)}); fix the "
            "text, or save the file as CSV UTF-8, and import it again"
        )
    if "\ufffd" in value:
        return "holds '\ufffd', a character lost when the text was converted before; fix the text and import it again"
    return None


def _text_warnings(text: Mapping[str, pd.Series], columns: tuple[str, ...]) -> dict[Any, list[str]]:
    """Per row, one warning for each of ``columns`` whose text looks garbled."""
    warnings: dict[Any, list[str]] = {}
    for column in columns:
        for index, problem in _per_value(text[column], _text_problem).dropna().items():
            warnings.setdefault(index, []).append(f"{column} {problem}")
    return warnings


_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")


def _unsafe_website(value: str) -> bool:
    """Whether a website names a scheme other than http(s) (``javascript:``, ``data:``, ``file:``...), which a link
    would run or open; an address without a scheme (``www.example.org``) is not. Browsers ignore blanks and
    control characters inside a scheme ("java\tscript:"), so this does too.

    Example:
        >>> _unsafe_website("JavaScript:alert(1)"), _unsafe_website("https://x.org"), _unsafe_website("x.org/a")
        (True, False, False)
    """
    scheme = _SCHEME.match(re.sub(r"[\x00-\x20\x7f]+", "", value).casefold())
    return scheme is not None and scheme.group(1) not in ("http", "https")


def _cities(city: pd.Series, country: pd.Series) -> pd.Series:
    """Canonical city names (:func:`matcher.vocab.normalize_city`), read with the row's country where it is known."""
    memo: dict[tuple[str, str | None], str] = {}
    names: list[str | None] = []
    for name, code in zip(city.to_numpy(dtype=object), country.to_numpy(dtype=object), strict=True):
        if name is None:
            names.append(None)
            continue
        key = (name, code if code in COUNTRY_CODES else None)
        if key not in memo:
            memo[key] = normalize_city(*key)
        names.append(memo[key])
    return pd.Series(names, index=city.index, dtype=object)


def _whole_numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parses whole numbers: returns (Int64 values, mask of cells that are present but not whole numbers)."""
    good = _per_value(series, lambda value: re.fullmatch(_WHOLE_NUMBER, value) is not None).eq(True)
    values = pd.to_numeric(series.where(good), errors="coerce").astype("Int64")
    return values, series.notna() & ~good


def _quote(value: Any, limit: int = 60) -> str:
    text = str(value)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _check(function: Callable[[pd.Series], pd.Series], name: str) -> pa.Check:
    import pandera.pandas as pa

    return pa.Check(function, name=name)


def _known(values: Collection[str]) -> pa.Check:
    return _check(lambda s: s.isin(values), "known")


def _max_length(limit: int) -> pa.Check:
    return _check(lambda s: s.str.len() <= limit, "max_length")


def _failures(
    checks: pd.DataFrame, schema: pa.DataFrameSchema, message: Callable[[Any, str, str], str]
) -> dict[Any, list[tuple[int, str]]]:
    """Runs the schema lazily and returns, per failing index, (column position, message) pairs."""
    import pandera.pandas as pa

    try:
        schema.validate(checks, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return {}
    order = {name: position for position, name in enumerate(checks.columns)}
    # A table-wide check reports each row once per column: name no column, so each row is reported once.
    cases = cases.assign(column=cases["column"].where(cases["schema_context"] == "Column", ""))
    reasons: dict[Any, list[tuple[int, str]]] = {}
    for index, column, check in cases[["index", "column", "check"]].drop_duplicates().itertuples(index=False):
        reasons.setdefault(index, []).append((order.get(column, len(order)), message(index, column, check)))
    return reasons


def _repeats(keys: pd.DataFrame, rows: pd.Series) -> pd.Series:
    """For each row whose (complete) key repeats an earlier row's, the row number of the first one."""
    complete = keys[keys.notna().all(axis=1)]
    first_row = rows[complete.index].groupby([complete[c] for c in complete.columns], sort=False).transform("first")
    return first_row[complete.duplicated(keep="first")]


def _report(
    values: pd.DataFrame,
    rows: pd.Series,
    ids: pd.Series,
    reasons: Mapping[int, list[tuple[int, str]]],
    warnings: Mapping[int, list[str]],
    notes: list[str],
) -> ValidationReport:
    """Splits ``values`` into kept and rejected rows; reasons within a row follow the column order."""
    row_of = dict(zip(rows.index, rows.tolist(), strict=True))
    id_of = dict(zip(ids.index, ids.tolist(), strict=True))
    rejected = [
        RowProblem(row_of[index], "; ".join(text for _, text in sorted(found)), id_of[index])
        for index, found in reasons.items()
    ]
    kept = [
        RowProblem(row_of[index], "; ".join(texts), id_of[index])
        for index, texts in warnings.items()
        if index not in reasons
    ]
    valid_mask = ~values.index.isin(list(reasons))
    valid = values[valid_mask].copy()
    valid[ROW_COLUMN] = rows[valid_mask].astype("int64")
    by_row = attrgetter("row")
    return ValidationReport(valid.reset_index(drop=True), sorted(rejected, key=by_row), sorted(kept, key=by_row), notes)


def validate_profiles(frame: pd.DataFrame) -> ValidationReport:
    """Validates and normalises organisation profiles.

    Header aliases are accepted (see :data:`PROFILE_ALIASES`); other columns are ignored with a note. A row is
    rejected, with every reason, for: a missing required value (:data:`matcher.schema.PROFILE_REQUIRED`), an
    unknown organisation type, country or stage, employees that are not a whole number, a founding year outside
    :data:`FOUNDED_MIN` .. this year, a text over its limit (:data:`TEXT_LIMITS`, :data:`LIST_CELL_LIMIT`), or
    an id that an earlier row already uses (the first is kept). Sectors are split on ``;`` into taxonomy
    sectors and free ``tags`` (with a warning), and list columns into tuples.

    Args:
        frame: One row per profile, cells as text (as :func:`matcher.readers.read_table` returns them) or
            already typed (tuples for list columns, numbers for employees and founded). A ``_row`` column
            gives the row numbers to report; without it rows are numbered from 1.

    Returns:
        The kept rows in canonical form, the rejected rows and warnings, and notes on the columns.

    Raises:
        MissingColumnsError: A required column is absent.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"id": ["s-1"], "name": ["Nube"], "org_type": ["SME"], "city": ["Málaga"],
        ...                       "country": ["España"], "employees": ["twelve"]})
        >>> validate_profiles(frame).rejected
        [RowProblem(row=1, reason="employees 'twelve' is not a whole number", id='s-1')]
    """
    import pandera.pandas as pa

    frame = frame.reset_index(drop=True)  # row positions identify rows below, whatever index came in
    chosen, notes = _resolve_columns(frame, PROFILE_COLUMNS, PROFILE_ALIASES, PROFILE_REQUIRED)
    text = _text_columns(frame, chosen, PROFILE_COLUMNS)
    rows = _rows(frame)
    this_year = dt.date.today().year

    org_type = _canonical_or_raw(text["org_type"], normalize_org_type)
    country = _canonical_or_raw(text["country"], normalize_country)
    city = _cities(text["city"], country)
    stage = _canonical_or_raw(text["stage"], normalize_stage)
    employees, employees_bad = _whole_numbers(text["employees"])
    founded, founded_bad = _whole_numbers(text["founded"])

    checks = pd.DataFrame(
        {
            **{name: text[name] for name in ("id", "name")},
            "org_type": org_type,
            "city": text["city"],
            "country": country,
            **{name: text[name] for name in ("description", "offers", "seeks", "website")},
            "stage": stage,
            "employees": employees_bad,
            "founded": founded_bad,
            "founded_year": founded,
            **{name: text[name] for name in LIST_COLUMNS},
        }
    )
    columns: dict[str, pa.Column] = {}
    for name in ("id", "name", "city", "description", "offers", "seeks", "website"):
        columns[name] = pa.Column(nullable=name not in PROFILE_REQUIRED, checks=_max_length(TEXT_LIMITS[name]))
    for name, known in (("org_type", set(ORG_TYPES)), ("country", COUNTRY_CODES), ("stage", set(STAGES))):
        columns[name] = pa.Column(nullable=name not in PROFILE_REQUIRED, checks=_known(known))
    for name in ("employees", "founded"):
        columns[name] = pa.Column(checks=_check(lambda s: ~s, "whole_number"))
    columns["founded_year"] = pa.Column(
        nullable=True, checks=_check(lambda s: s.between(FOUNDED_MIN, this_year), "in_range")
    )
    for name in LIST_COLUMNS:
        columns[name] = pa.Column(nullable=True, checks=_max_length(LIST_CELL_LIMIT))
    schema = pa.DataFrameSchema(columns, name="profiles")

    type_list, stage_list = ", ".join(ORG_TYPES), ", ".join(STAGES)

    def message(index: Any, column: str, check: str) -> str:
        value = text["founded" if column == "founded_year" else column][index]
        if check == "not_nullable":
            return f"{column} missing"
        if check == "max_length":
            limit = LIST_CELL_LIMIT if column in LIST_COLUMNS else TEXT_LIMITS[column]
            return (
                f"{column} has {len(value):,} characters, above the limit of {limit:,} "
                "(shorten it: nothing is cut automatically)"
            )
        if column == "org_type":
            return f"org_type {_quote(value)} is not a known organisation type (accepted: {type_list})"
        if column == "country":
            return f"country {_quote(value)} is not a known country"
        if column == "stage":
            return f"stage {_quote(value)} is not a known stage (accepted: {stage_list})"
        if column == "employees":
            return f"employees {_quote(value)} is not a whole number"
        if column == "founded":
            return f"founded {_quote(value)} is not a year"
        return f"founded {value} is outside {FOUNDED_MIN}..{this_year}"

    reasons = _failures(checks, schema, message)
    for index, first in _repeats(pd.DataFrame({"id": text["id"]}), rows).items():
        reasons.setdefault(index, []).append(
            (0, f"id {_quote(text['id'][index])} repeats row {first} (the first is kept)")
        )

    lists = {name: _tuples(text[name], split_list) for name in LIST_COLUMNS}
    sector_pairs = _tuples(text["sectors"], split_sectors)
    free = [pair[1] if pair else () for pair in sector_pairs]
    tags = [tuple(dict.fromkeys(given + extra)) for given, extra in zip(lists["tags"], free, strict=True)]
    public_folded = [tuple(_fold(f).replace(" ", "_") for f in fields) for fields in lists["public_fields"]]

    warnings = _text_warnings(text, _GARBLE_COLUMNS)
    # Profiles with nothing to match on are kept (the names and places are still worth having), with a warning.
    textless = text["sectors"].isna() & text["description"].isna() & text["offers"].isna() & text["seeks"].isna()
    for index in [i for i, empty in enumerate(textless) if empty]:
        warnings.setdefault(index, []).append(
            "has no sectors, description, offers or seeks: it cannot be matched well until they are filled in"
        )
    # An unsafe website is left out rather than the row rejected: it is optional, and never becomes a link.
    unsafe = _per_value(text["website"], _unsafe_website).eq(True)
    for index in [i for i, bad in enumerate(unsafe) if bad]:
        warnings.setdefault(index, []).append(
            f"website {_quote(text['website'].iloc[index])} is not an http or https address; left out"
        )
    website = text["website"].where(~unsafe, None)
    for index, extra in enumerate(free):
        if extra:
            many = len(extra) > 1
            warnings.setdefault(index, []).append(
                f"sector{'s' if many else ''} {', '.join(_quote(tag) for tag in extra)} {'are' if many else 'is'} "
                f"not in the taxonomy; kept as {'tags' if many else 'a tag'}"
            )
    # An explicit list fails closed: one that names no profile column ("none", "-", ";") makes only the identity
    # fields public, never the defaults, which a missing or blank cell keeps.
    public_given = text["public_fields"].notna().tolist()
    public = [
        known if known or not given else IDENTITY_FIELDS
        for known, given in zip(
            [tuple(f for f in fields if f in PROFILE_COLUMNS) for fields in public_folded], public_given, strict=True
        )
    ]
    for index, (given, folded) in enumerate(zip(lists["public_fields"], public_folded, strict=True)):
        unknown = [f for f, name in zip(given, folded, strict=True) if name not in PROFILE_COLUMNS]
        if public_given[index] and not any(name in PROFILE_COLUMNS for name in folded):
            raw = text["public_fields"].iloc[index]
            warnings.setdefault(index, []).append(
                f"public_fields {_quote(raw)} names no profile column; only {', '.join(IDENTITY_FIELDS)} are public"
            )
        elif unknown:
            warnings.setdefault(index, []).append(
                f"public_fields {', '.join(_quote(f) for f in unknown)} not profile columns; ignored"
            )

    def objects(values: list[Any]) -> pd.Series:
        return pd.Series(values, index=frame.index, dtype=object)

    values = pd.DataFrame(
        {
            "id": text["id"],
            "name": text["name"],
            "org_type": org_type,
            "city": city,
            "country": country,
            "sectors": objects([pair[0] if pair else () for pair in sector_pairs]),
            **{name: text[name].where(text[name].notna(), "") for name in _TEXT_COLUMNS},
            "tags": objects(tags),
            "website": website,
            "employees": employees,
            "founded": founded,
            "stage": stage,
            "technologies": lists["technologies"],
            "languages": lists["languages"],
            "public_fields": objects(public),
        },
        columns=list(PROFILE_COLUMNS),
    )
    report = _report(values, rows, text["id"], reasons, warnings, notes)
    logger.info("validated %d profiles: %d kept, %d rejected", len(frame), len(report.valid), len(report.rejected))
    return report


def validate_partnerships(frame: pd.DataFrame, known_ids: Collection[str]) -> ValidationReport:
    """Validates and normalises partnerships between known profiles.

    Header aliases are accepted (see :data:`PARTNERSHIP_ALIASES`). A row is rejected, with every reason, for: a
    missing ``source_id`` or ``target_id``, an id not in ``known_ids``, the same id on both sides, an unknown
    kind (a missing kind is ``"other"``), a year that is not a whole number in :data:`PARTNERSHIP_YEAR_MIN` ..
    next year, a note over its limit, or repeating an earlier row: the same pair (in either direction), kind
    and year. The first of repeated rows is kept.

    Args:
        frame: One row per partnership, cells as text or already typed; ``_row`` as in
            :func:`validate_profiles`.
        known_ids: Profile ids partnerships may refer to (those stored, plus any imported alongside).

    Returns:
        The kept rows with :data:`matcher.schema.PARTNERSHIP_COLUMNS` plus ``_row``, the rejected rows, and
        notes on the columns.

    Raises:
        MissingColumnsError: ``source_id`` or ``target_id`` has no column.

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"from": ["a", "a", "a"], "to": ["b", "zz", "a"], "type": ["MoU", None, "jv"]})
        >>> report = validate_partnerships(frame, known_ids={"a", "b"})
        >>> report.valid[["source_id", "target_id", "kind"]].to_dict("records")
        [{'source_id': 'a', 'target_id': 'b', 'kind': 'mou'}]
        >>> [p.reason for p in report.rejected]
        ["target_id 'zz' is not a known profile id", "source_id and target_id are the same ('a')"]
    """
    import pandera.pandas as pa

    frame = frame.reset_index(drop=True)
    chosen, notes = _resolve_columns(frame, PARTNERSHIP_COLUMNS, PARTNERSHIP_ALIASES, PARTNERSHIP_REQUIRED)
    text = _text_columns(frame, chosen, PARTNERSHIP_COLUMNS)
    rows = _rows(frame)
    last_year = dt.date.today().year + 1
    known = {str(known_id) for known_id in known_ids}

    kind = _canonical_or_raw(text["kind"], normalize_partnership_kind).where(text["kind"].notna(), "other")
    year, year_bad = _whole_numbers(text["year"])
    checks = pd.DataFrame(
        {
            "source_id": text["source_id"],
            "target_id": text["target_id"],
            "kind": kind,
            "year": year_bad,
            "year_value": year,
            "note": text["note"],
        }
    )
    is_known = _known(known)
    schema = pa.DataFrameSchema(
        {
            "source_id": pa.Column(nullable=False, checks=[is_known, _max_length(TEXT_LIMITS["source_id"])]),
            "target_id": pa.Column(nullable=False, checks=[is_known, _max_length(TEXT_LIMITS["target_id"])]),
            "kind": pa.Column(checks=_known(set(PARTNERSHIP_KINDS))),
            "year": pa.Column(checks=_check(lambda s: ~s, "whole_number")),
            "year_value": pa.Column(
                nullable=True, checks=_check(lambda s: s.between(PARTNERSHIP_YEAR_MIN, last_year), "in_range")
            ),
            "note": pa.Column(nullable=True, checks=_max_length(TEXT_LIMITS["note"])),
        },
        checks=_check(lambda df: df["source_id"].isna() | (df["source_id"] != df["target_id"]), "distinct"),
        name="partnerships",
    )
    kind_list = ", ".join(PARTNERSHIP_KINDS)

    def message(index: Any, column: str, check: str) -> str:
        if check == "distinct":
            return f"source_id and target_id are the same ({_quote(text['source_id'][index])})"
        value = text["year" if column == "year_value" else column][index]
        if check == "not_nullable":
            return f"{column} missing"
        if check == "max_length":
            return (
                f"{column} has {len(value):,} characters, above the limit of {TEXT_LIMITS[column]:,} "
                "(shorten it: nothing is cut automatically)"
            )
        if column in ("source_id", "target_id"):
            return f"{column} {_quote(value)} is not a known profile id"
        if column == "kind":
            return f"kind {_quote(value)} is not a known partnership kind (accepted: {kind_list})"
        if column == "year":
            return f"year {_quote(value)} is not a whole number"
        return f"year {value} is outside {PARTNERSHIP_YEAR_MIN}..{last_year}"

    reasons = _failures(checks, schema, message)
    # A partnership links two organisations: B-A repeats A-B.
    low = text["source_id"].where(text["source_id"] <= text["target_id"], text["target_id"])
    high = text["target_id"].where(text["source_id"] <= text["target_id"], text["source_id"])
    keys = pd.DataFrame({"low": low, "high": high, "kind": kind, "year": year.astype(object).where(year.notna(), "")})
    for index, first in _repeats(keys, rows).items():
        reasons.setdefault(index, []).append(
            (len(checks.columns), f"same partnership as row {first} (same pair, kind and year)")
        )

    values = pd.DataFrame(
        {
            "source_id": text["source_id"],
            "target_id": text["target_id"],
            "kind": kind,
            "year": year,
            "note": text["note"].where(text["note"].notna(), ""),
        },
        columns=list(PARTNERSHIP_COLUMNS),
    )
    report = _report(values, rows, text["source_id"], reasons, _text_warnings(text, ("note",)), notes)
    logger.info("validated %d partnerships: %d kept, %d rejected", len(frame), len(report.valid), len(report.rejected))
    return report
