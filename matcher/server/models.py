"""The REST API's request and response bodies (pydantic), which make its OpenAPI document.

Responses carry the fields of the command line's ``--json`` output (``matcher recommend --json`` and so on), so a
script can move from one to the other. Requests are bounded everywhere (text lengths, list sizes, ``k``), and
refuse unknown fields: a misspelt field is an error, not silently ignored.

Example:
    >>> SearchRequest(text="GMP fill-finish", k=3).k
    3
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_API_K",
    "MAX_PAGE",
    "ErrorBody",
    "FeedbackRequest",
    "Health",
    "ImportResult",
    "JobRequest",
    "JobStatus",
    "MatchOut",
    "Meeting",
    "Note",
    "NoteRequest",
    "Organisation",
    "OrganisationPage",
    "OrganisationSummary",
    "Partner",
    "PlanRequest",
    "PlanResult",
    "ProfileIn",
    "RecommendationsOut",
    "SearchHitOut",
    "SearchRequest",
    "SearchResult",
    "Shortlist",
    "ShortlistDetail",
    "ShortlistEntry",
    "ShortlistEntryRequest",
    "ShortlistRequest",
    "SimilarOut",
    "UpsertResult",
]

MAX_API_K = 100
"""The most results one API call returns (the Python API allows more; a CRM pages through organisations)."""
MAX_PAGE = 200
"""The largest ``limit`` of one page of organisations."""

_ID = Field(min_length=1, max_length=200)
_IDS = 200
"""The most organisation ids one request names (a delegation's visitors, its hosts)."""

# matcher.schema's FACETS, FEEDBACK_LABELS and SHORTLIST_STAGES, spelt out for the type checker
# (tests/test_server.py checks that they agree).
FacetName = Literal["profile", "offers", "seeks"]
FeedbackLabel = Literal["relevant", "not_relevant", "contacted", "meeting", "agreement"]
ShortlistStage = Literal["new", "contacted", "meeting", "agreement"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    """Every error response: what kind, what went wrong and what to do, and each reason where there are several."""

    error: Literal["input", "unauthorised", "forbidden", "not_found", "conflict", "too_large", "rate_limited",
                   "unavailable", "internal"]  # fmt: skip
    message: str
    reasons: list[str] = []


class Health(BaseModel):
    """``GET /healthz``: the server runs and its store answers."""

    status: Literal["ok"]
    version: str


# Organisations ---------------------------------------------------------------------------------------------------


class OrganisationSummary(BaseModel):
    """One organisation in a list (the fields of ``matcher list --json``); ``sectors`` is left out when hidden."""

    id: str
    name: str
    org_type: str
    city: str
    country: str
    sectors: list[str] | None = None


class OrganisationPage(BaseModel):
    """One page of organisations, by id; ``next_cursor`` asks for the next page (None on the last)."""

    items: list[OrganisationSummary]
    next_cursor: str | None


class Partner(BaseModel):
    """A known partner of an organisation; ``note`` only for officers."""

    partner_id: str
    name: str | None
    city: str | None
    country: str | None
    kind: str
    year: int | None
    note: str | None = None


class Organisation(BaseModel):
    """One profile with the fields the caller may see (hidden fields are left out, never sent empty), and its
    known partners."""

    id: str
    name: str
    org_type: str
    city: str
    country: str
    sectors: list[str] | None = None
    description: str | None = None
    offers: str | None = None
    seeks: str | None = None
    tags: list[str] | None = None
    website: str | None = None
    employees: int | None = None
    founded: int | None = None
    stage: str | None = None
    technologies: list[str] | None = None
    languages: list[str] | None = None
    public_fields: list[str] | None = None
    partners: list[Partner] = []


_Text = str | None
_List = list[str] | str | None


class ProfileIn(_Request):
    """A profile to store under the id in the path. Values are checked as an import's cells are (the same rules and
    messages): types, countries and stages in any spelling an import accepts, lists as lists or ``;``-separated
    text. ``id``, if given, must be the path's."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Puget Assays",
                    "org_type": "sme",
                    "city": "Seattle",
                    "country": "US",
                    "sectors": ["diagnostics"],
                    "offers": "Cell-based potency assays.",
                }
            ]
        }
    )

    id: _Text = None
    name: _Text = None
    org_type: _Text = None
    city: _Text = None
    country: _Text = None
    sectors: _List = None
    description: _Text = None
    offers: _Text = None
    seeks: _Text = None
    tags: _List = None
    website: _Text = None
    employees: int | str | None = None
    founded: int | str | None = None
    stage: _Text = None
    technologies: _List = None
    languages: _List = None
    public_fields: _List = None


class UpsertResult(BaseModel):
    """What ``PUT /v1/organisations/{id}`` did: ``changed`` is False when the profile was stored as given already."""

    id: str
    changed: bool
    warnings: list[str]


class ProblemOut(BaseModel):
    """A rejected row (or, among warnings, a kept one worth checking); row 0 is the file as a whole."""

    row: int
    reason: str
    id: str | None = None


class ImportResult(BaseModel):
    """The row report of an import (the fields of ``matcher import ... --json``)."""

    kind: str
    source: str
    rows: int
    imported: int
    rejected: list[ProblemOut]
    warnings: list[ProblemOut]
    notes: list[str]


# Matches and search ----------------------------------------------------------------------------------------------


class MatchOut(BaseModel):
    """One suggestion (the fields of ``matcher recommend --json``): the reciprocal score, both fits, the band and the
    reasons (those quoting a field the caller may not see are left out)."""

    id: str
    name: str
    city: str
    country: str
    org_type: str
    score: float
    band: str
    fit_for_query: float
    fit_for_candidate: float
    reasons: list[str]
    contributions: dict[str, float]
    channels: list[str]


class RecommendationsOut(BaseModel):
    """Suggestions for one organisation (the shape of ``matcher recommend --json``)."""

    query: str
    results: list[MatchOut]
    existing_partners: list[MatchOut]
    excluded_competitors: int
    hidden_below_band: int


class SimilarOut(BaseModel):
    """Peers of one organisation in other cities (the results of ``matcher similar --json``)."""

    query: str
    results: list[MatchOut]


class SearchRequest(_Request):
    """A free-text search, with the filters of ``matcher search``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"text": "GMP manufacturing of antibody-drug conjugates", "k": 5, "country": ["ES"]}]
        }
    )

    text: str = Field(min_length=1, max_length=2_000)
    k: int = Field(10, ge=0, le=MAX_API_K)
    city: list[str] = Field([], max_length=20)
    country: list[str] = Field([], max_length=20)
    type: list[str] = Field([], max_length=20)
    sector: list[str] = Field([], max_length=20)
    facets: list[FacetName] = Field(["profile", "offers"], min_length=1, max_length=3)


class SearchHitOut(BaseModel):
    """One search result (the fields of ``matcher search --json``)."""

    id: str
    name: str
    city: str
    country: str
    org_type: str
    score: float
    facet: str
    band: str


class SearchResult(BaseModel):
    """``POST /v1/search``'s answer (the shape of ``matcher search --json``)."""

    query: str
    results: list[SearchHitOut]


# Curation --------------------------------------------------------------------------------------------------------


class FeedbackRequest(_Request):
    """What someone said of a suggestion for ``asker_id``; a startup key only of its own suggestions."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"asker_id": "dj-bio-001", "candidate_id": "ma-bio-001", "label": "relevant"}]}
    )

    asker_id: str = _ID
    candidate_id: str = _ID
    label: FeedbackLabel
    reason: str | None = Field(None, max_length=500)


class ShortlistRequest(_Request):
    """A new shortlist, owned by the key that creates it."""

    name: str = Field(min_length=1, max_length=200)


class Shortlist(BaseModel):
    """A shortlist (the fields of ``matcher shortlist list --json``)."""

    id: int
    name: str
    owner: str
    created_at: str
    entries: int


class ShortlistEntry(BaseModel):
    """An organisation on a shortlist, with its stage and note."""

    profile_id: str
    name: str | None
    org_type: str | None
    city: str | None
    country: str | None
    stage: str
    note: str
    added_at: str


class ShortlistDetail(BaseModel):
    """A shortlist and its entries."""

    id: int
    name: str
    entries: list[ShortlistEntry]


class ShortlistEntryRequest(_Request):
    """Adds an organisation to a shortlist or changes its stage or note; with ``expected_note`` the note is saved
    only if the stored one is still that (409 otherwise: someone else changed it meanwhile)."""

    stage: ShortlistStage | None = None
    note: str | None = Field(None, max_length=10_000)
    expected_note: str | None = Field(None, max_length=10_000)


class NoteRequest(_Request):
    """A note about an organisation, signed with the key's name."""

    text: str = Field(min_length=1, max_length=10_000)


class Note(BaseModel):
    """An officer's note about an organisation."""

    id: int
    profile_id: str
    author: str
    text: str
    created_at: str


# Plans and jobs --------------------------------------------------------------------------------------------------


class PlanRequest(_Request):
    """A delegation visit to plan (the options of ``matcher plan``): who meets whom when, for the highest total
    reciprocal score. Availability maps an organisation's id to the slots it is free in (default: every slot)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"visitors": ["dj-bio-001"], "hosts": ["ma-bio-001", "do-bio-001"], "slots": ["Tue 10:00", "Tue 11:00"]}
            ]
        }
    )

    visitors: list[str] = Field(min_length=1, max_length=_IDS)
    hosts: list[str] = Field(min_length=1, max_length=_IDS)
    slots: list[str] = Field(min_length=1, max_length=100)
    visitor_capacity: int = Field(4, ge=1, le=100)
    host_capacity: int = Field(2, ge=1, le=100)
    min_score: float | None = Field(None, ge=0.0, le=1.0)
    availability: dict[str, list[str]] = Field({}, max_length=2 * _IDS)


class Meeting(BaseModel):
    """One planned meeting with its reason."""

    slot: str
    visitor_id: str
    visitor: str
    host_id: str
    host: str
    score: float
    band: str
    reason: str


class PlanResult(BaseModel):
    """A meeting plan (the fields of ``matcher plan --json``, with ids beside the names)."""

    method: str
    total_score: float
    without_good_match: list[str]
    meetings: list[Meeting]


class JobRequest(_Request):
    """Long work to run in the background: ``build`` the index (``full``: from scratch) or ``train`` a re-ranker
    (``year``, ``model`` as ``matcher train``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"kind": "build"}]})

    kind: Literal["build", "train"]
    full: bool = False
    year: int | None = Field(None, ge=1900, le=2200)
    model: Literal["logistic", "lambdarank"] = "logistic"


class JobProgress(BaseModel):
    """How far a job is: ``done`` of ``total`` in its current ``stage`` (for a build, the facet being embedded)."""

    stage: str = ""
    done: int = 0
    total: int = 0


class JobStatus(BaseModel):
    """A job's state: ``queued``, ``running``, ``done`` (with its ``result``) or ``failed`` (with its ``error``)."""

    id: str
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    progress: JobProgress
    result: dict[str, Any] | None = None
    error: str | None = None
    owner: str
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
