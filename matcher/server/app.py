"""The REST API's routes: each request acts as an :class:`~matcher.policy.Access` built from its API key.

The routes hold no rules of their own: who may read or change what, and which fields and reasons a startup key
sees, is decided by :mod:`matcher.policy`, as for a person signed in to the app. A route reads the request, calls
the policy, and shapes the answer (:mod:`matcher.server.models`); errors become HTTP statuses in one place
(:mod:`matcher.server.errors`).

Example:
    >>> app = create_app(Matcher(tempfile.mkdtemp()))
    >>> app.openapi()["openapi"]
    '3.1.0'
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import random
import re
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import Depends, FastAPI, File, Form, Query, Request, Response, UploadFile
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi_offline import FastAPIOffline

from .. import __version__
from ..alerts import SIGNATURE_HEADER, TIMESTAMP_HEADER
from ..api import Matcher
from ..auth import require_officer
from ..errors import InputError, NotFoundError
from ..export import schedule_table
from ..filters import Filters
from ..policy import Access, check_alerts
from ..schema import PROFILE_COLUMNS, STAGES_BY_PURPOSE
from ..service.idempotency import Idempotency
from ..service.keys import key_id_of
from . import errors
from .errors import BadRequest, RateLimited, Rejected, Unauthorised
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import idempotent_routes
from .jobs import Jobs, Progress
from .limits import BodyLimit, RateLimiter
from .models import (
    MAX_API_K,
    MAX_PAGE,
    AlertOut,
    AlertsOut,
    CityFitsOut,
    DeliveryOut,
    ErrorBody,
    FeedbackRequest,
    GapsOut,
    Health,
    ImportResult,
    JobRequest,
    JobStatus,
    LeadsOut,
    MarkReadRequest,
    MarkReadResult,
    Note,
    NoteRequest,
    Organisation,
    OrganisationPage,
    OrganisationSummary,
    PlanRequest,
    PlanResult,
    ProfileIn,
    RecommendationsOut,
    SavedSearchOut,
    SavedSearchRequest,
    SearchRequest,
    SearchResult,
    Shortlist,
    ShortlistDetail,
    ShortlistEntryRequest,
    ShortlistRequest,
    SimilarOut,
    StrategyIn,
    StrategyOut,
    UpsertResult,
    WebhookOut,
    WebhookRequest,
)

__all__ = ["Caller", "ServerConfig", "caller", "create_app"]

logger = logging.getLogger(__name__)

_MiB = 1024 * 1024
_MAX_FILTER_VALUES = 20
_MAX_FILTER_CHARS = 200
_UPLOAD_NAME = re.compile(r"[^\w.\- ]")
"""Characters an uploaded file's name keeps (the rest become ``_``): the name goes to the import log and back."""
_NEXT_REASON = re.compile(r"; (?=(?:" + "|".join(PROFILE_COLUMNS) + r")\b)")
"""Where one of a row's reasons ends and the next begins: validation joins them with "; ", each naming its column
first (a quoted value holding "; " and a column name could be split too; the words stay, only the list differs)."""


@dataclass(frozen=True)
class ServerConfig:
    """Limits of one server.

    Attributes:
        max_body_bytes: The largest request body (JSON) taken; larger ones get 413.
        max_upload_bytes: The largest file ``POST /v1/imports`` takes.
        rate: Requests per second each key may make, on average (per server process).
        burst: Requests a key may make at once after a pause.
        alert_check_seconds: How often a background thread checks saved searches and delivers alerts (0: never;
            ``matcher serve`` gives the ``alert_check_seconds`` setting).
    """

    max_body_bytes: int = 1 * _MiB
    max_upload_bytes: int = 25 * _MiB
    rate: float = 10.0
    burst: int = 60
    alert_check_seconds: float = 0.0


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "No API key, or an unknown or revoked one"),
        (403, "Outside the key's role"),
        (422, "The request is invalid: every reason is listed"),
        (429, "Too many requests for this key: wait Retry-After seconds"),
        (503, "The database is not reachable just now: retry after Retry-After seconds"),
    )
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such organisation (or shortlist, or job)"}
}
_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": ErrorBody, "description": "A conflicting state"}}

ProfileId = Annotated[
    str, PathParam(min_length=1, max_length=200, description="An organisation's id.", examples=["dj-bio-001"])
]
ListId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="A shortlist's id.")]
K = Annotated[int, Query(ge=0, le=MAX_API_K, description="How many results.")]
City = Annotated[
    str, PathParam(min_length=1, max_length=100, description="A city, as imports spell it.", examples=["Daejeon"])
]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready records: missing values None, NumPy numbers plain."""
    records: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", force_ascii=False))
    return records


def _filters(
    city: Annotated[list[str] | None, Query(description="Only this city (repeatable).")] = None,
    country: Annotated[list[str] | None, Query(description="Only this country: code or name (repeatable).")] = None,
    org_type: Annotated[list[str] | None, Query(alias="type", description="Only this type (repeatable).")] = None,
    sector: Annotated[list[str] | None, Query(description="Only this sector (repeatable).")] = None,
) -> Filters:
    """The filters of ``matcher list`` and ``matcher recommend``, from the query string."""
    return _to_filters(city or [], country or [], org_type or [], sector or [])


def _to_filters(city: list[str], country: list[str], org_type: list[str], sector: list[str]) -> Filters:
    for name, values in (("city", city), ("country", country), ("type", org_type), ("sector", sector)):
        if len(values) > _MAX_FILTER_VALUES or any(len(value) > _MAX_FILTER_CHARS for value in values):
            raise InputError(
                f"the {name} filter takes at most {_MAX_FILTER_VALUES} values of at most {_MAX_FILTER_CHARS} characters"
            )
    try:
        return Filters.from_user(city=city, country=country, org_type=org_type, sector=sector)
    except ValueError as unknown:  # an unknown country, type or sector: the message lists what is accepted
        raise InputError(str(unknown)) from None


def _cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode()


def _after(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        after = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        after = None
    if not isinstance(after, str):
        raise BadRequest("the cursor is not one this server gave: pass next_cursor from the previous page as it is")
    return after


def _private_words(matcher: Matcher) -> list[str]:
    """What error messages must not show: the workspace folder (as given and resolved) and the store's address."""
    root = matcher.workspace.root
    words = {str(root), str(root.resolve()), matcher.store.where}
    return sorted((word for word in words if len(word) > 1), key=len, reverse=True)


_bearer = HTTPBearer(auto_error=False, description="An API key made by `matcher api-key create`.")


def caller(request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Access:
    """The policy for the key the request carries (401 without a valid one, 429 over its rate)."""
    if credentials is None:
        raise Unauthorised(
            "this call needs an API key: send the header Authorization: Bearer KEY (an administrator creates "
            "keys with `matcher api-key create`)"
        )
    matcher: Matcher = request.app.state.matcher
    token = credentials.credentials
    # A request with an Idempotency-Key had its key checked already, to find whose keys it uses.
    known = getattr(request.state, "api_key_user", None)
    user = known[1] if known is not None and known[0] == token else matcher.admin.api_key_user(token)
    if user is None:
        logger.warning("refused an unknown or revoked API key from %s", request.client and request.client.host)
        raise Unauthorised("the API key is not valid: it is unknown or was revoked")
    wait = request.app.state.limiter.take(user.name)
    if wait > 0:
        raise RateLimited(wait)
    # The key's saved searches, alerts and webhook are its own, never an app account's of the same name.
    return Access(matcher, user, key_id=key_id_of(token))


Caller = Annotated[Access, Depends(caller)]


class _AlertChecker:
    """Checks saved searches and delivers due alerts every ``seconds`` in a background thread of the server process
    (each worker runs one: the store keeps them from duplicating alerts or deliveries).

    Args:
        matcher: The workspace's matcher.
        seconds: The pause between two rounds.
    """

    def __init__(self, matcher: Matcher, seconds: float) -> None:
        self.matcher = matcher
        self.seconds = seconds
        self.stop_ = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._run, name="matcher-alerts", daemon=True).start()

    def stop(self) -> None:
        self.stop_.set()

    def _run(self) -> None:
        # The first round waits a random part of the pause, so that workers started together do not check together.
        pause = self.seconds * random.uniform(0.2, 1.0)
        while not self.stop_.wait(pause):
            pause = self.seconds
            try:
                check_alerts(self.matcher)
                self.matcher.alerts.deliver()
            except Exception:  # a bad round (the database away, say) is logged; the next one tries again
                logger.exception("the alert check failed; retrying in %.0f s", self.seconds)


def create_app(matcher: Matcher, config: ServerConfig | None = None) -> FastAPI:
    """The REST API over one workspace.

    Args:
        matcher: The workspace's matcher, shared by every request (it is thread-safe, as the app's is).
        config: Limits; the defaults of :class:`ServerConfig` when None.
    """
    config = config or ServerConfig()
    app = FastAPIOffline(
        title="Innopolis Matcher",
        version=__version__,
        summary="Cross-city partner suggestions for the organisations of the Global Innopolis Alliance.",
        description=(
            "Every call but `/healthz` needs an API key: `Authorization: Bearer KEY` (an administrator creates "
            "keys with `matcher api-key create NAME --role officer|startup`). Officer keys read and change "
            "everything; a startup key sees suggestions for its own organisation and the public fields of other "
            "profiles, never notes or shortlists: the same rules as the app. Long work (index builds, training) "
            "runs as jobs in a background thread of the server process. A POST that changes something "
            f"takes an `{IDEMPOTENCY_HEADER}` header (a UUID, say): a retry with the same key is carried out once "
            "and gets the first answer again."
        ),
        redoc_url=None,
    )
    # Before any route is added: POST routes honour Idempotency-Key, but those that change nothing.
    app.router.route_class = idempotent_routes(read_only={"/v1/search", "/v1/plans"})
    app.state.idempotency = Idempotency(matcher.context)
    errors.install(app)
    app.add_middleware(
        BodyLimit,
        max_bytes=config.max_body_bytes,
        upload_max_bytes=config.max_upload_bytes,
        upload_paths={"/v1/imports"},
    )
    app.state.private_words = _private_words(matcher)
    jobs = Jobs(matcher.workspace.root, public=lambda text: errors.public_text(app, text))
    app.state.matcher = matcher
    app.state.limiter = RateLimiter(config.rate, config.burst)

    @app.get("/healthz", tags=["service"], response_model=Health)
    def healthz() -> Health:
        """Whether the server runs and its store answers (no key needed)."""
        matcher.version()
        return Health(status="ok", version=__version__)

    # Organisations ---------------------------------------------------------------------------------------------

    @app.get(
        "/v1/organisations",
        tags=["organisations"],
        response_model=OrganisationPage,
        response_model_exclude_unset=True,
        responses=_ERRORS,
    )
    def list_organisations(
        access: Caller,
        filters: Annotated[Filters, Depends(_filters)],
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Organisations per page.")] = 50,
        cursor: Annotated[str | None, Query(max_length=1_000, description="next_cursor of the page before.")] = None,
    ) -> OrganisationPage:
        """Organisations by id, with the filters of `matcher list`, a page at a time."""
        rows = access.profiles(filters, after=_after(cursor), limit=limit + 1)
        shown = [
            OrganisationSummary(**{name: row[name] for name in OrganisationSummary.model_fields if name in row})
            for row in rows[:limit]
        ]
        next_cursor = _cursor(rows[limit - 1]["id"]) if len(rows) > limit else None
        return OrganisationPage(items=shown, next_cursor=next_cursor)

    @app.get(
        "/v1/organisations/{profile_id}",
        tags=["organisations"],
        response_model=Organisation,
        response_model_exclude_unset=True,
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def get_organisation(access: Caller, profile_id: ProfileId) -> Organisation:
        """One organisation's profile, with the fields the key may see, and its known partners."""
        fields = access.profile(profile_id)
        return Organisation.model_validate({**fields, "partners": _records(access.partnerships(profile_id))})

    @app.put(
        "/v1/organisations/{profile_id}",
        tags=["organisations"],
        response_model=UpsertResult,
        responses={**_ERRORS},
    )
    def put_organisation(access: Caller, profile_id: ProfileId, profile: ProfileIn) -> UpsertResult:
        """Creates or replaces a profile (officers), validated as imports are: 422 lists every reason."""
        if profile.id is not None and profile.id != profile_id:
            raise Rejected("the profile was not stored", [f"id {profile.id!r} differs from the path's {profile_id!r}"])
        report = access.upsert_profile({**profile.model_dump(), "id": profile_id})
        if report.rejected:
            reasons = [reason for problem in report.rejected for reason in _NEXT_REASON.split(problem.reason)]
            raise Rejected(f"the profile {profile_id!r} was not stored: {len(reasons)} problem(s)", reasons)
        return UpsertResult(
            id=profile_id, changed=report.imported > 0, warnings=[problem.reason for problem in report.warnings]
        )

    @app.delete(
        "/v1/organisations/{profile_id}",
        tags=["organisations"],
        status_code=204,
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def delete_organisation(access: Caller, profile_id: ProfileId) -> Response:
        """Deletes a profile and its partnerships (officers)."""
        access.delete_profile(profile_id)
        return Response(status_code=204)

    @app.post(
        "/v1/imports",
        tags=["organisations"],
        response_model=ImportResult,
        responses={**_ERRORS, 413: {"model": ErrorBody, "description": "The file is over the upload limit"}},
    )
    def post_import(
        access: Caller,
        file: Annotated[UploadFile, File(description="A CSV, TSV, JSON, JSONL or XLSX file, as `matcher import`.")],
        kind: Annotated[Literal["profiles", "partnerships"], Form()] = "profiles",
    ) -> ImportResult:
        """Imports a file of profiles or partnerships (officers); the answer is the row-by-row report."""
        name = _UPLOAD_NAME.sub("_", Path(file.filename or "upload").name)[-100:].lstrip(".") or "upload"
        with tempfile.TemporaryDirectory(prefix="matcher-upload-") as folder:
            path = Path(folder) / name
            with path.open("wb") as out:
                while chunk := file.file.read(_MiB):
                    out.write(chunk)
            report = access.import_file(kind, path)
        return ImportResult(**{**report.to_dict(), "source": name})

    # Matches and search ----------------------------------------------------------------------------------------

    @app.get(
        "/v1/organisations/{profile_id}/matches",
        tags=["matches"],
        response_model=RecommendationsOut,
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def get_matches(
        access: Caller, profile_id: ProfileId, filters: Annotated[Filters, Depends(_filters)], k: K = 10
    ) -> dict[str, Any]:
        """Partners in other cities that fit both ways: reciprocal score, both fits, band and reasons (the fields of
        `matcher recommend --json`). A startup key asks for its own organisation only."""
        return access.recommend(profile_id, k=k, filters=filters).to_dict()

    @app.get(
        "/v1/organisations/{profile_id}/similar",
        tags=["matches"],
        response_model=SimilarOut,
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def get_similar(
        access: Caller, profile_id: ProfileId, filters: Annotated[Filters, Depends(_filters)], k: K = 10
    ) -> SimilarOut:
        """Organisations like this one in other cities (peers, not partners)."""
        found = access.similar(profile_id, k=k, filters=filters)
        return SimilarOut.model_validate({"query": profile_id, "results": [match.to_dict() for match in found]})

    @app.post("/v1/search", tags=["matches"], response_model=SearchResult, responses=_ERRORS)
    def post_search(access: Caller, search: SearchRequest) -> SearchResult:
        """Free-text search, with the filters applied inside it (the fields of `matcher search --json`)."""
        filters = _to_filters(search.city, search.country, search.type, search.sector)
        hits = access.search(
            search.text, k=search.k, filters=filters, facets=tuple(search.facets), kinds_first=search.kinds_first
        )
        reading = access.read_search(search.text)
        return SearchResult.model_validate(
            {
                "query": search.text,
                "read_as": reading.gloss,
                "looking_for": list(reading.kinds),
                "kinds_first": search.kinds_first,
                "results": [asdict(hit) for hit in hits],
            }
        )

    # Curation --------------------------------------------------------------------------------------------------

    @app.post("/v1/feedback", tags=["curation"], status_code=204, responses={**_ERRORS, **_NOT_FOUND})
    def post_feedback(access: Caller, feedback: FeedbackRequest) -> Response:
        """Records what was said of a suggestion; a startup key only of suggestions for its own organisation."""
        access.add_feedback(feedback.asker_id, feedback.candidate_id, feedback.label, reason=feedback.reason)
        return Response(status_code=204)

    def shortlist(access: Access, shortlist_id: int) -> dict[str, Any]:
        lists = _records(access.shortlists())
        found = [row for row in lists if row["id"] == shortlist_id]
        if not found:
            raise NotFoundError(f"no shortlist with id {shortlist_id}")
        return found[0]

    @app.get("/v1/shortlists", tags=["curation"], response_model=list[Shortlist], responses=_ERRORS)
    def get_shortlists(access: Caller) -> list[dict[str, Any]]:
        """Every shortlist, newest first (officers)."""
        return _records(access.shortlists())

    @app.post(
        "/v1/shortlists",
        tags=["curation"],
        status_code=201,
        response_model=Shortlist,
        responses={**_ERRORS, **_CONFLICT},
    )
    def post_shortlist(access: Caller, request: ShortlistRequest) -> dict[str, Any]:
        """Creates a shortlist owned by the key (officers): of partners, or (`purpose: investment`) a city's
        pipeline of leads."""
        return shortlist(access, access.create_shortlist(request.name, purpose=request.purpose))

    @app.get(
        "/v1/shortlists/{shortlist_id}",
        tags=["curation"],
        response_model=ShortlistDetail,
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def get_shortlist(access: Caller, shortlist_id: ListId) -> ShortlistDetail:
        """A shortlist with its organisations, their stages, notes and owners, and the stages its purpose has
        (officers)."""
        found = shortlist(access, shortlist_id)
        entries = _records(access.shortlist_entries(shortlist_id))
        stages = STAGES_BY_PURPOSE[found["purpose"]]
        detail = {"id": shortlist_id, "name": found["name"], "purpose": found["purpose"], "stages": stages}
        return ShortlistDetail.model_validate({**detail, "entries": entries})

    @app.delete(
        "/v1/shortlists/{shortlist_id}", tags=["curation"], status_code=204, responses={**_ERRORS, **_NOT_FOUND}
    )
    def delete_shortlist(access: Caller, shortlist_id: ListId) -> Response:
        """Deletes a shortlist and its entries (officers)."""
        shortlist(access, shortlist_id)
        access.delete_shortlist(shortlist_id)
        return Response(status_code=204)

    @app.put(
        "/v1/shortlists/{shortlist_id}/entries/{profile_id}",
        tags=["curation"],
        response_model=ShortlistDetail,
        responses={**_ERRORS, **_NOT_FOUND, **_CONFLICT},
    )
    def put_shortlist_entry(
        access: Caller, shortlist_id: ListId, profile_id: ProfileId, entry: ShortlistEntryRequest
    ) -> ShortlistDetail:
        """Adds an organisation to a shortlist, or changes its stage, note or owner (officers). The stage must be
        one of the list's purpose (422 names them); with `expected_note`, 409 when someone else changed the note
        meanwhile."""
        shortlist(access, shortlist_id)
        access.profile(profile_id)
        # A stage the list's purpose lacks, or an overlong owner, is curation's InputError: 422 naming what it takes.
        access.set_shortlist_entry(
            shortlist_id,
            profile_id,
            stage=entry.stage,
            note=entry.note,
            expected_note=entry.expected_note,
            owner=entry.owner,
        )
        return get_shortlist(access, shortlist_id)

    @app.delete(
        "/v1/shortlists/{shortlist_id}/entries/{profile_id}",
        tags=["curation"],
        status_code=204,
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def delete_shortlist_entry(access: Caller, shortlist_id: ListId, profile_id: ProfileId) -> Response:
        """Takes an organisation off a shortlist (officers)."""
        shortlist(access, shortlist_id)
        access.remove_shortlist_entry(shortlist_id, profile_id)
        return Response(status_code=204)

    @app.get(
        "/v1/organisations/{profile_id}/notes",
        tags=["curation"],
        response_model=list[Note],
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def get_notes(access: Caller, profile_id: ProfileId) -> list[dict[str, Any]]:
        """Officers' notes about an organisation, newest first (officers)."""
        notes = access.notes(profile_id)
        access.profile(profile_id)
        return _records(notes)

    @app.post(
        "/v1/organisations/{profile_id}/notes",
        tags=["curation"],
        status_code=201,
        response_model=Note,
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def post_note(access: Caller, profile_id: ProfileId, note: NoteRequest) -> dict[str, Any]:
        """Adds a note signed with the key's name (officers)."""
        require_officer(access.user, "notes")  # before the existence check: a startup key learns nothing
        access.profile(profile_id)
        note_id = access.add_note(profile_id, note.text)
        return next(row for row in _records(access.notes(profile_id)) if row["id"] == note_id)

    @app.delete("/v1/notes/{note_id}", tags=["curation"], status_code=204, responses=_ERRORS)
    def delete_note(access: Caller, note_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)]) -> Response:
        """Deletes a note (officers)."""
        access.delete_note(note_id)
        return Response(status_code=204)

    # Plans and jobs --------------------------------------------------------------------------------------------

    @app.post("/v1/plans", tags=["planning"], response_model=PlanResult, responses={**_ERRORS, **_NOT_FOUND})
    def post_plan(access: Caller, plan: PlanRequest) -> PlanResult:
        """Plans a delegation visit (officers): who meets whom when, for the highest total reciprocal score, each
        meeting with its reason (the fields of `matcher plan --json`)."""
        free = plan.availability
        visitors_free = {v: free.get(v, plan.slots) for v in plan.visitors} if free else None
        hosts_free = {h: free.get(h, plan.slots) for h in plan.hosts} if free else None
        schedule = access.plan(
            plan.visitors,
            plan.hosts,
            plan.slots,
            visitor_availability=visitors_free,
            host_availability=hosts_free,
            visitor_capacity=plan.visitor_capacity,
            host_capacity=plan.host_capacity,
            min_score=plan.min_score,
        )
        names = {pid: access.profile(pid)["name"] for pid in {*plan.visitors, *plan.hosts}}
        table = schedule_table(schedule, names)
        meetings = [
            {"slot": m.slot, "visitor_id": m.visitor_id, "visitor": row["Visitor"], "host_id": m.host_id,
             "host": row["Host"], "score": round(m.score, 4), "band": row["Band"], "reason": row["Reason"]}
            for m, row in zip(schedule.meetings, table.to_dict("records"), strict=True)
        ]  # fmt: skip
        return PlanResult.model_validate(
            {
                "method": schedule.method,
                "total_score": round(schedule.total_score, 4),
                "without_good_match": list(schedule.without_good_match),
                "meetings": meetings,
            }
        )

    @app.post("/v1/jobs", tags=["jobs"], status_code=202, response_model=JobStatus, responses={**_ERRORS, **_CONFLICT})
    def post_job(access: Caller, request: JobRequest) -> dict[str, Any]:
        """Starts an index build or a training run in the background (officers); poll `GET /v1/jobs/{id}`."""
        # Checked here too, so that a startup key gets 403 rather than a job that fails.
        require_officer(access.user, "jobs")

        def build(progress: Progress) -> dict[str, Any]:
            return asdict(access.build(progress, full=request.full))

        def train(progress: Progress) -> dict[str, Any]:
            progress("train", 0, 1)
            card = access.train(year=request.year, model=request.model).card
            progress("train", 1, 1)
            return {key: card.get(key) for key in ("beats_weighted", "gain", "too_few_to_tell", "held_out_queries")}

        return asdict(jobs.start(request.kind, build if request.kind == "build" else train, owner=access.user.name))

    @app.get("/v1/jobs/{job_id}", tags=["jobs"], response_model=JobStatus, responses={**_ERRORS, **_NOT_FOUND})
    def get_job(access: Caller, job_id: Annotated[str, PathParam(max_length=64)]) -> dict[str, Any]:
        """A job's state and progress (officers)."""
        require_officer(access.user, "jobs")
        return asdict(jobs.get(job_id))

    # Investment attraction (officers) --------------------------------------------------------------------------

    @app.get(
        "/v1/cities/{city}/leads",
        tags=["attraction"],
        response_model=LeadsOut,
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def get_leads(
        access: Caller,
        city: City,
        k: K = 10,
        sector: Annotated[str | None, Query(max_length=_MAX_FILTER_CHARS, description="Only this sector.")] = None,
        org_type: Annotated[
            list[str] | None,
            Query(alias="type", max_length=_MAX_FILTER_VALUES,
                  description="Only this type (repeatable; default: multinationals, large companies, research "
                              "institutes and investors)."),
        ] = None,
    ) -> LeadsOut:
        """Organisations outside the city that fit its cluster, best first, each with the local organisations that
        would gain and why (the fields of `matcher leads --json`; officers)."""
        if org_type and any(len(value) > _MAX_FILTER_CHARS for value in org_type):
            raise InputError(f"each type is at most {_MAX_FILTER_CHARS} characters")
        found = access.leads(city, k=k, sector=sector, org_types=org_type or None)
        return LeadsOut.model_validate(found.to_dict())

    @app.get("/v1/cities/{city}/gaps", tags=["attraction"], response_model=GapsOut, responses={**_ERRORS, **_NOT_FOUND})
    def get_gaps(access: Caller, city: City) -> GapsOut:
        """Sectors the city's organisations seek much more than they offer (to attract), and the reverse (to
        export): the fields of `matcher gaps --json` (officers)."""
        return GapsOut.model_validate(access.gaps(city).to_dict())

    @app.get(
        "/v1/organisations/{profile_id}/fit-cities",
        tags=["attraction"],
        response_model=CityFitsOut,
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def get_fit_cities(
        access: Caller,
        profile_id: ProfileId,
        city: Annotated[
            str | None,
            Query(max_length=100, description="The asking officer's city: the summary says how it compares."),
        ] = None,
    ) -> CityFitsOut:
        """An organisation's fit with each alliance city but its own, side by side, best first, with a summary that
        says honestly which fits best (the fields of `matcher fit-cities --json`; officers)."""
        return CityFitsOut.model_validate(access.fit_cities(profile_id, city=city).to_dict())

    @app.get(
        "/v1/cities/{city}/strategy",
        tags=["attraction"],
        response_model=StrategyOut,
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def get_strategy(access: Caller, city: City) -> StrategyOut:
        """The city's strategy: target sectors and text, with who saved it last (officers)."""
        return StrategyOut.model_validate(access.strategy(city).to_dict())

    @app.put(
        "/v1/cities/{city}/strategy",
        tags=["attraction"],
        response_model=StrategyOut,
        responses={**_ERRORS, **_NOT_FOUND},
    )
    def put_strategy(access: Caller, city: City, strategy: StrategyIn) -> StrategyOut:
        """Replaces the city's strategy, signed with the key's name (officers); unknown sectors are refused (422)."""
        return StrategyOut.model_validate(
            access.set_strategy(city, sectors=strategy.sectors, text=strategy.text).to_dict()
        )

    # Saved searches and alerts: each key sees and changes its own ------------------------------------------------

    @app.get("/v1/saved-searches", tags=["alerts"], response_model=list[SavedSearchOut], responses=_ERRORS)
    def get_saved_searches(access: Caller) -> list[dict[str, Any]]:
        """The key's saved searches and recommendations, oldest first."""
        return [saved.to_dict() for saved in access.saved_searches()]

    @app.post(
        "/v1/saved-searches",
        tags=["alerts"],
        status_code=201,
        response_model=SavedSearchOut,
        responses={**_ERRORS, **_NOT_FOUND, **_CONFLICT},
    )
    def post_saved_search(access: Caller, request: SavedSearchRequest) -> dict[str, Any]:
        """Saves a search (`text`) or a recommendation (`org_id`; a startup key's own organisation only) with its
        filters: profiles that later match it in the strong band raise alerts. 409 when the name is taken or the key
        has 20 saved searches already."""
        filters = _to_filters(request.city, request.country, request.type, request.sector)
        saved = access.save_search(request.name, text=request.text, org_id=request.org_id, filters=filters)
        return saved.to_dict()

    @app.delete(
        "/v1/saved-searches/{saved_id}", tags=["alerts"], status_code=204, responses={**_ERRORS, **_NOT_FOUND}
    )
    def delete_saved_search(access: Caller, saved_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)]) -> Response:
        """Removes one of the key's saved searches and its alerts (404 for another key's)."""
        access.remove_saved_search(saved_id)
        return Response(status_code=204)

    @app.get("/v1/alerts", tags=["alerts"], response_model=AlertsOut, responses=_ERRORS)
    def get_alerts(
        access: Caller,
        unread: Annotated[bool, Query(description="Only unread alerts.")] = False,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="At most this many, newest first.")] = 50,
    ) -> AlertsOut:
        """The key's alerts, newest first: each profile that newly matched one of its saved searches in the strong
        band, with its score and the reasons the key may see."""
        items = [AlertOut.model_validate(alert.to_dict()) for alert in access.alerts(unread_only=unread, limit=limit)]
        return AlertsOut(unread=access.unread_alerts(), items=items)

    @app.post("/v1/alerts/read", tags=["alerts"], response_model=MarkReadResult, responses=_ERRORS)
    def post_alerts_read(access: Caller, request: MarkReadRequest) -> MarkReadResult:
        """Marks the key's alerts read: those of `ids`, or every unread one (others' ids change nothing)."""
        return MarkReadResult(marked=access.mark_alerts_read(request.ids))

    @app.put("/v1/alerts/webhook", tags=["alerts"], response_model=WebhookOut, responses=_ERRORS)
    def put_webhook(access: Caller, request: WebhookRequest) -> WebhookOut:
        """POSTs the key's alerts to `url` from now on, signed (`X-Matcher-Signature: sha256=<HMAC of the body>`,
        `X-Matcher-Timestamp`) with a new secret, shown this once; retried with backoff when the URL fails."""
        secret = access.set_webhook(request.url)
        url = access.alert_channels()["webhook_url"]
        return WebhookOut(url=url, secret=secret, signature_header=SIGNATURE_HEADER, timestamp_header=TIMESTAMP_HEADER)

    @app.delete("/v1/alerts/webhook", tags=["alerts"], status_code=204, responses=_ERRORS)
    def delete_webhook(access: Caller) -> Response:
        """Stops POSTing the key's alerts."""
        access.remove_webhook()
        return Response(status_code=204)

    @app.get("/v1/alerts/deliveries", tags=["alerts"], response_model=list[DeliveryOut], responses=_ERRORS)
    def get_deliveries(access: Caller) -> list[dict[str, Any]]:
        """The key's webhook and e-mail deliveries, newest first, failures with their reason."""
        return access.alert_deliveries()

    if config.alert_check_seconds > 0:
        checker = _AlertChecker(matcher, config.alert_check_seconds)
        app.router.on_startup.append(checker.start)
        app.router.on_shutdown.append(checker.stop)

    return app
