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

from ..alerts import MAX_NAME_CHARS, MAX_URL_CHARS
from ..schema import MAX_OWNER_CHARS
from ..service.attraction import MAX_STRATEGY_CHARS
from ..service.matching import MAX_SEARCH_CHARS

__all__ = [
    "MAX_API_K",
    "MAX_PAGE",
    "AlertOut",
    "AlertsOut",
    "BeneficiaryOut",
    "CityFitOut",
    "CityFitsOut",
    "DeliveryOut",
    "ErrorBody",
    "FeedbackRequest",
    "GapOut",
    "GapsOut",
    "Health",
    "ImportResult",
    "JobRequest",
    "JobStatus",
    "LeadOut",
    "LeadsOut",
    "MarkReadRequest",
    "MarkReadResult",
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
    "SavedSearchOut",
    "SavedSearchRequest",
    "SearchHitOut",
    "SearchRequest",
    "SearchResult",
    "Shortlist",
    "ShortlistDetail",
    "ShortlistEntry",
    "ShortlistEntryRequest",
    "ShortlistRequest",
    "SimilarOut",
    "StrategyIn",
    "StrategyOut",
    "UpsertResult",
    "WebhookOut",
    "WebhookRequest",
]

MAX_API_K = 100
"""The most results one API call returns (the Python API allows more; a CRM pages through organisations)."""
MAX_PAGE = 200
"""The largest ``limit`` of one page of organisations."""

_ID = Field(min_length=1, max_length=200)
_IDS = 200
"""The most organisation ids one request names (a delegation's visitors, its hosts)."""

# matcher.schema's FACETS, FEEDBACK_LABELS, SHORTLIST_STAGES, INVESTMENT_STAGES and SHORTLIST_PURPOSES, spelt out
# for the type checker (tests/test_server.py and tests/test_pipeline_shortlists.py check that they agree).
FacetName = Literal["profile", "offers", "seeks"]
FeedbackLabel = Literal["relevant", "not_relevant", "contacted", "meeting", "agreement"]
ShortlistStage = Literal["new", "contacted", "meeting", "agreement"]
InvestmentStage = Literal["identified", "contacted", "site_visit", "mou", "investment"]
ShortlistPurpose = Literal["partners", "investment"]


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
    kinds_first: bool = Field(
        True,
        description="List first the organisations of the kinds the text asks for ('an investor for ...'); false "
        "ranks every hit by score, the correction when a kind word was read in passing ('AI accelerator chip').",
    )


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
    listed_first: bool = Field(
        False, description="Listed before the hits ranked by score: the text names it, or it is of a kind asked for."
    )


class SearchResult(BaseModel):
    """``POST /v1/search``'s answer (the shape of ``matcher search --json``)."""

    query: str
    read_as: str = Field("", description="The English keywords a Korean, German or Spanish search was read as "
                         "through the built-in glossary ('' when it was not).")
    looking_for: list[str] = Field(default_factory=list, description="The organisation types the search asks for "
                                   "('an investor for ...'): those that match it are listed first.")
    kinds_first: bool = Field(True, description="Whether they were listed first (the request's kinds_first).")
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
    """A new shortlist, owned by the key that creates it: of partners (stages new, contacted, meeting, agreement)
    or a city's investment pipeline of leads (identified, contacted, site_visit, mou, investment)."""

    name: str = Field(min_length=1, max_length=200)
    purpose: ShortlistPurpose = "partners"


class Shortlist(BaseModel):
    """A shortlist (the fields of ``matcher shortlist list --json``)."""

    id: int
    name: str
    owner: str
    purpose: ShortlistPurpose
    created_at: str
    entries: int


class ShortlistEntry(BaseModel):
    """An organisation on a shortlist, with its stage, note and the officer who follows it up (None: nobody)."""

    profile_id: str
    name: str | None
    org_type: str | None
    city: str | None
    country: str | None
    stage: str
    note: str
    owner: str | None = None
    added_at: str


class ShortlistDetail(BaseModel):
    """A shortlist and its entries; ``stages`` are the ones its entries may be at, in order (by its purpose)."""

    id: int
    name: str
    purpose: ShortlistPurpose
    stages: list[str]
    entries: list[ShortlistEntry]


class ShortlistEntryRequest(_Request):
    """Adds an organisation to a shortlist or changes its stage, note or owner (the officer who follows it up).
    The stage must be one of the list's purpose (422 otherwise, naming them); with ``expected_note`` the note is
    saved only if the stored one is still that (409 otherwise: someone else changed it meanwhile)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"stage": "site_visit", "owner": "kim", "note": "Visit in May"}]}
    )

    stage: ShortlistStage | InvestmentStage | None = None
    note: str | None = Field(None, max_length=10_000)
    expected_note: str | None = Field(None, max_length=10_000)
    owner: str | None = Field(None, max_length=MAX_OWNER_CHARS)


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


# Investment attraction -------------------------------------------------------------------------------------------

class BeneficiaryOut(BaseModel):
    """A local organisation that would gain from a lead, and why: what one offers that the other seeks, quoted from
    both profiles as written (text a startup could not see is never quoted; the calls are for officers anyway);
    ``partner``: it already has a partnership with the lead (an existing link, not a new opportunity)."""

    id: str
    name: str
    reason: str
    score: float
    partner: bool = False


class LeadReasonOut(BaseModel):
    """One reason for a lead as a kind and its parameters (``matcher.attract.LeadReason``: names and places as
    stored, sectors as codes, counts and scores as numbers), for a client that words it in its own language; the
    English wording is the same position of ``reasons``."""

    kind: str
    params: dict[str, Any]


class LeadOut(BaseModel):
    """An organisation outside the city that fits its cluster (the fields of ``matcher leads --json``): its score,
    the local organisations that would gain, the reasons (in English) and the gaps of the cluster it would fill."""

    id: str
    name: str
    city: str
    country: str
    org_type: str
    score: float
    local_beneficiaries: list[BeneficiaryOut]
    reasons: list[str]
    gaps_filled: list[str]
    parts: dict[str, float]
    reason_details: list[LeadReasonOut] = []


class LeadsOut(BaseModel):
    """Leads for a city, best first (the shape of ``matcher leads --json``); ``message`` says why there are fewer
    than asked, when there are."""

    city: str
    results: list[LeadOut]
    message: str | None


class GapOut(BaseModel):
    """A sector (its code and label), how many of the city's organisations seek it and offer it, and the balance
    ``(seeking - offering) / (seeking + offering + 1)``: near 1 sought and not offered, near -1 the reverse."""

    sector: str
    label: str
    seeking: int
    offering: int
    balance: float


class GapsOut(BaseModel):
    """A city's gaps (the shape of ``matcher gaps --json``): sectors sought much more than offered (to attract),
    the reverse (to export), and every sector."""

    city: str
    attract: list[GapOut]
    export: list[GapOut]
    table: list[GapOut]


class CityFitOut(BaseModel):
    """How one alliance city fits an organisation: the score, the local organisations that would gain, why."""

    city: str
    score: float
    beneficiaries: list[BeneficiaryOut]
    reasons: list[str]
    reason_details: list[LeadReasonOut] = []


class CityFitsOut(BaseModel):
    """An organisation's fit with every alliance city but its own, best first (``matcher fit-cities --json``), and
    a summary that names the best city."""

    id: str
    name: str
    home_city: str
    fits: list[CityFitOut]
    summary: str


class StrategyIn(_Request):
    """A city's strategy: the sectors it wants to attract (taxonomy codes, as ``matcher list --sector``) and free
    text. Replaces the stored one; signed with the key's name."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"sectors": ["bioprocessing_cdmo", "antibody_drug_conjugates"],
                          "text": "Attract a multinational bioprocessing site and global firms' R&D centres."}]
        }
    )

    sectors: list[str] = Field([], max_length=20)
    text: str = Field("", max_length=MAX_STRATEGY_CHARS)


class StrategyOut(BaseModel):
    """A city's strategy as stored, with who saved it last and when ("" and None before anyone did)."""

    city: str
    sectors: list[str]
    text: str
    updated_by: str
    updated_at: str | None


# Saved searches and alerts ----------------------------------------------------------------------------------------


class SavedSearchRequest(_Request):
    """A search (``text``) or a recommendation (``org_id``: a startup key's own organisation only) to save under
    ``name``, with the filters of ``matcher search``; new strong matches raise alerts."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "ADC manufacturing in Europe", "text": "GMP manufacturing of antibody-drug conjugates",
                 "country": ["ES", "DE"]},
                {"name": "Partners for Hanbit", "org_id": "dj-bio-001", "city": ["Seattle"]},
            ]
        }
    )  # fmt: skip

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    text: str | None = Field(None, min_length=1, max_length=MAX_SEARCH_CHARS)
    org_id: str | None = Field(None, min_length=1, max_length=200)
    city: list[str] = Field([], max_length=20)
    country: list[str] = Field([], max_length=20)
    type: list[str] = Field([], max_length=20)
    sector: list[str] = Field([], max_length=20)


class SavedSearchOut(BaseModel):
    """A saved search: ``kind`` ``search`` (``text``) or ``recommend`` (``org_id``), its filters by field."""

    id: int
    name: str
    kind: Literal["search", "recommend"]
    text: str
    org_id: str | None
    filters: dict[str, list[str]]
    created_at: str


class AlertOut(BaseModel):
    """A profile that newly matched a saved search in the strong band, with the reasons the key may see."""

    id: int
    saved_search_id: int
    saved_search: str
    kind: str
    profile_id: str
    profile_name: str | None
    city: str | None
    country: str | None
    score: float
    band: str
    reasons: list[str]
    created_at: str
    read_at: str | None


class AlertsOut(BaseModel):
    """The key's alerts, newest first, and how many are unread."""

    unread: int
    items: list[AlertOut]


class MarkReadRequest(_Request):
    """Which alerts to mark read: ``ids``, or every unread one when left out."""

    ids: list[int] | None = Field(None, max_length=500)


class MarkReadResult(BaseModel):
    """How many alerts were marked read."""

    marked: int


class WebhookRequest(_Request):
    """Where to POST the key's alerts: an ``http`` or ``https`` URL."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"url": "https://crm.example/hooks/matcher"}]})

    url: str = Field(min_length=1, max_length=MAX_URL_CHARS)


class WebhookOut(BaseModel):
    """The webhook registered, with its signing secret: shown this once (register again for a new one)."""

    url: str
    secret: str
    signature_header: str
    timestamp_header: str


class DeliveryOut(BaseModel):
    """One webhook or e-mail delivery of an alert: ``pending`` (retried at ``next_attempt_at``), ``delivered`` or
    ``failed`` (given up), with the last failure."""

    id: int
    alert_id: int
    profile_id: str
    channel: str
    target: str
    status: str
    attempts: int
    next_attempt_at: str
    last_error: str | None
    delivered_at: str | None
