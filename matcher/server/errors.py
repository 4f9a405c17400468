"""Errors to HTTP, in one place: the matcher's error kinds become status codes, everything else a bare 500.

- 400 ``input``: a request that cannot be read at all (:class:`BadRequest`: a malformed cursor);
- 422 ``input``: an :class:`~matcher.errors.InputError`, or a body that fails validation (``reasons`` lists
  every problem);
- 401 ``unauthorised``: no API key, or a malformed, unknown or revoked one (with ``WWW-Authenticate: Bearer``);
- 403 ``forbidden``: an :class:`~matcher.errors.AccessError` (outside the key's role);
- 404 ``not_found``: a :class:`~matcher.errors.NotFoundError`;
- 409 ``conflict``: a :class:`~matcher.errors.StateError` (a name taken, a note changed meanwhile);
- 413 ``too_large``: a body over its size limit;
- 429 ``rate_limited``: too many requests for one key (with ``Retry-After``);
- 503 ``unavailable``: the database cannot be reached (with ``Retry-After``);
- 500 ``internal``: anything else, a bug: no detail leaves the server, its log has them under a reference.

Messages of the matcher's errors are written for users; the workspace folder and the database's address that some
of them name are replaced before they leave the server.

Example:
    >>> status_of(NotFoundError("no organisation with id 'x'"))
    (404, 'not_found')
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import AccessError, InputError, MatcherError, NotFoundError, StateError, user_message

__all__ = ["BadRequest", "RateLimited", "Rejected", "Unauthorised", "body", "install", "public_text", "status_of"]

logger = logging.getLogger(__name__)

RETRY_UNAVAILABLE = 2
"""Seconds a client is told to wait when the database cannot be reached. A restart took 0.3 to 0.6 s under load
(bench/RESULTS.md, "Serving a team: load and faults"), so a longer wait only idles every client; a longer outage
costs a few cheap 503s more."""


class BadRequest(InputError):
    """A request the server cannot read at all (a malformed cursor): 400 rather than 422."""


class Unauthorised(AccessError):
    """No API key, or one that is malformed, unknown or revoked: 401."""


class RateLimited(AccessError):
    """Too many requests for one key: 429, with how long to wait.

    Args:
        wait: Seconds until the next request would be taken.
    """

    def __init__(self, wait: float) -> None:
        self.wait = wait
        super().__init__(f"too many requests for this API key: try again in {max(1, round(wait))} s")


class Rejected(InputError):
    """Content that fails validation, with every reason.

    Args:
        message: What was rejected.
        reasons: Each reason, as a user reads it.
    """

    def __init__(self, message: str, reasons: Sequence[str]) -> None:
        super().__init__(message)
        self.reasons = list(reasons)


_KINDS: tuple[tuple[type[Exception], int, str], ...] = (
    (BadRequest, 400, "input"),
    (InputError, 422, "input"),
    (Unauthorised, 401, "unauthorised"),
    (RateLimited, 429, "rate_limited"),
    (AccessError, 403, "forbidden"),
    (NotFoundError, 404, "not_found"),
    (StateError, 409, "conflict"),
)
"""The most specific first: a subclass before its base."""


def status_of(error: MatcherError) -> tuple[int, str]:
    """The HTTP status and the ``error`` word of one of the matcher's errors."""
    for kind, status, word in _KINDS:
        if isinstance(error, kind):
            return status, word
    return 422, "input"  # a MatcherError of no known kind is still about what the user gave


def body(error: str, message: str, reasons: Sequence[str] = (), status: int = 422, **headers: str) -> JSONResponse:
    """An error response of the one shape (:class:`matcher.server.models.ErrorBody`)."""
    return JSONResponse({"error": error, "message": message, "reasons": list(reasons)}, status, headers=headers or None)


def public_text(app: FastAPI, message: str) -> str:
    """``message`` without the server's workspace folder or database address (a client needs neither): the words
    in ``app.state.private_words``, longest first."""
    for word in getattr(app.state, "private_words", ()):
        message = message.replace(word, "the workspace")
    return message


def _public(request: Request, message: str) -> str:
    return public_text(request.app, message)


def _matcher_error(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, MatcherError):  # registered for it: cannot happen
        return _internal_error(request, error)
    status, word = status_of(error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(max(1, round(error.wait)))
    reasons = [_public(request, reason) for reason in getattr(error, "reasons", ())]
    return body(word, _public(request, user_message(error)), reasons, status, **headers)


def _validation_error(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, RequestValidationError):  # registered for it: cannot happen
        return _internal_error(request, error)
    reasons = [_reason(problem) for problem in error.errors()]
    return body("input", f"the request has {len(reasons)} problem(s): see reasons", reasons, 422)


def _reason(problem: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in problem.get("loc", ()) if part != "body") or "body"
    return f"{where}: {problem.get('msg', 'invalid')}"


_HTTP_WORDS = {400: "input", 401: "unauthorised", 403: "forbidden", 404: "not_found", 405: "input", 413: "too_large"}


def _http_error(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, StarletteHTTPException):  # registered for it: cannot happen
        return _internal_error(request, error)
    word = _HTTP_WORDS.get(error.status_code, "input" if error.status_code < 500 else "internal")
    return body(word, str(error.detail), (), error.status_code, **(error.headers or {}))


def _database_down(request: Request, error: Exception) -> JSONResponse:
    logger.warning("the database did not answer %s %s: %s", request.method, request.url.path, error)
    return body(
        "unavailable",
        "the database is busy or not reachable just now; try again in a few seconds",
        (),
        503,
        **{"Retry-After": str(RETRY_UNAVAILABLE)},
    )


def _internal_error(request: Request, error: Exception) -> JSONResponse:
    reference = uuid.uuid4().hex[:12]
    logger.error("internal error %s in %s %s", reference, request.method, request.url.path, exc_info=error)
    return body("internal", f"internal error (reference {reference}); the server's log has the details", (), 500)


def install(app: FastAPI) -> None:
    """Registers the mapping on ``app``."""
    app.add_exception_handler(MatcherError, _matcher_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # A server restarted, a network cut: the pool's pre-ping reconnects on the next request.
    app.add_exception_handler(sqlalchemy.exc.OperationalError, _database_down)
    app.add_exception_handler(sqlalchemy.exc.InterfaceError, _database_down)
    # Every pooled connection busy past the pool's timeout: overload, which a retry a little later resolves.
    app.add_exception_handler(sqlalchemy.exc.TimeoutError, _database_down)
    app.add_exception_handler(Exception, _internal_error)
