"""Idempotent retries: a POST sent with an ``Idempotency-Key`` header is carried out once per API key and key, as
Stripe's API does; a retry of it (after a lost answer, a worker killed, a 503) gets the first answer again. The PUTs
and DELETEs of this API are idempotent already (a retry sets the same state again): they ignore the header.

A request with the header runs as follows (:class:`IdempotentRoute`, on every POST route that changes something):

1. the key is checked (:data:`KEY_PATTERN`; 400 otherwise) and the request's fingerprint made: a SHA-256 of its
   method, path, query and body (JSON compared as data, a multipart upload without its random boundary);
2. when the API key stored this key in the last 24 hours: the same request gets the stored answer, status and body,
   with ``Idempotent-Replayed: true``; another request gets 422; one whose answer is not kept gets 409 (see 4);
3. otherwise the route runs, and its first store transaction stores the key with its write, in that transaction (a
   stored key means the write committed; another worker's request with the key waits for it, or is rolled back);
4. a 2xx answer is kept with the key; a refused request (4xx) forgets the key, as it changed nothing; a request
   that failed after its write committed (5xx), or whose worker died, leaves its key without an answer: a retry
   gets 409 and is never carried out twice.

Requests without the header run as before. The store is the one truth: every worker sees every key.

Example:
    >>> fingerprint("POST", "/v1/feedback", "", "application/json", b'{"a": 1, "b": 2}') == fingerprint(
    ...     "POST", "/v1/feedback", "", "application/json", b'{"b":2,"a":1}')
    True
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Callable, Collection, Coroutine
from typing import Any, ClassVar

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import InputError, MatcherError, StateError
from ..service.idempotency import Idempotency, IdempotencyConflict, IdempotentRequest
from ..service.keys import key_id_of
from .errors import BadRequest
from .models import ErrorBody

__all__ = ["HEADER", "KEY_PATTERN", "REPLAYED_HEADER", "IdempotentRoute", "fingerprint", "idempotent_routes"]

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
"""Set to ``true`` on an answer sent again from the store."""
MAX_KEY_LENGTH = 255
KEY_PATTERN = f"^[\\x20-\\x7e]{{1,{MAX_KEY_LENGTH}}}$"
"""Printable ASCII, 1 to 255 characters: a UUID is the usual choice."""
_KEY = re.compile(KEY_PATTERN)
ANSWER_WAIT = 2.0
"""Seconds a retry waits for the answer of a request that stored its write and is still answering."""
_POLL = 0.1

_DESCRIPTION = (
    "Makes a retry safe: a request sent with this header is carried out once per API key and key, for 24 hours. "
    "A retry with the same key and the same request (method, path, body) gets the first answer again, with the "
    f"header `{REPLAYED_HEADER}: true`; the same key with another request gets 422. A request that was refused "
    "(4xx) does not keep its key. 409 when the first request with the key is still running, or stopped (its "
    "server died) after its change was stored and before it answered: it is not carried out again. Use a new key, "
    "such as a UUID, for each new request; printable ASCII, at most 255 characters (400 otherwise)."
)
PARAMETER: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": _DESCRIPTION,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
}
"""The header as the OpenAPI document describes it on each idempotent operation."""
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": f"A malformed `{HEADER}`"},
    409: {"model": ErrorBody, "description": f"The request with this `{HEADER}` is running, or lost its answer"},
}


def _boundary(parameters: str) -> bytes | None:
    found = re.search(r'boundary="?([^";]+)"?', parameters, re.IGNORECASE)
    return found.group(1).encode("latin-1", "replace") if found else None


def fingerprint(method: str, path: str, query: str, content_type: str | None, body: bytes) -> str:
    """What identifies a request for its idempotency key: a SHA-256 (hex) of its method, path, query and body.

    A JSON body counts as the data it holds (key order and spacing aside); a multipart body (a file upload) without
    its boundary, which clients choose at random for each attempt.
    """
    media, _, parameters = (content_type or "").partition(";")
    media = media.strip().lower()
    content = body
    if media == "application/json" or media.endswith("+json"):
        try:
            content = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except (ValueError, RecursionError):  # not JSON after all: the route answers 422, compared as bytes
            content = body
    elif media.startswith("multipart/") and (boundary := _boundary(parameters)):
        content = body.replace(boundary, b"")
    digest = hashlib.sha256(f"{method.upper()} {path}?{query}\n".encode())
    digest.update(content)
    return digest.hexdigest()


def _owner(request: Request) -> str | None:
    """The public id of the API key the request carries (``mk_<key_id>_...``): a key made later under the same
    name, maybe for another role, never sees this one's answers. None without a valid key (the route answers 401)."""
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    if scheme.lower() != "bearer" or not token:
        return None
    user = request.app.state.matcher.admin.api_key_user(token)
    request.state.api_key_user = (token, user)  # the route's `caller` takes it from here rather than ask again
    return key_id_of(token) if user is not None else None


def _refused(error: BaseException) -> bool:
    """Whether a route's error is a refusal (4xx): raised before its write, or inside it and rolled back."""
    if isinstance(error, StarletteHTTPException):
        return error.status_code < 500
    return isinstance(error, (MatcherError, RequestValidationError))


async def _quietly(action: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    """Runs a bookkeeping step; its failure (the database gone just now) is logged, never hides the answer."""
    try:
        await run_in_threadpool(action, *args, **kwargs)
    except Exception:
        logger.warning("could not record an idempotency key's outcome", exc_info=True)


async def _stored_answer(keys: Idempotency, owner: str, key: str, found: dict[str, Any], digest: str) -> Response:
    """The answer to a request whose key is stored: the kept answer, 422 for another request, else 409."""
    if found["fingerprint"] != digest:
        raise InputError(
            f"the {HEADER} {key!r} was used for another request (method, path or body) in the last 24 hours: "
            "send a new key with a new request"
        )
    waited = 0.0
    while found["status"] is None and waited < ANSWER_WAIT:
        await asyncio.sleep(_POLL)
        waited += _POLL
        again = await run_in_threadpool(keys.find, owner, key)
        if again is None:  # its request was refused meanwhile and forgot the key
            raise StateError(f"the first request with the {HEADER} {key!r} was refused: send this one again")
        found = again
    if found["status"] is None:
        raise StateError(
            f"the request with the {HEADER} {key!r} is still running, or stopped (its server died) after its change "
            "was stored and before it answered: it is not carried out again. Look its result up, or retry in a few "
            "seconds"
        )
    return Response(
        content=found["body"] or b"",
        status_code=found["status"],
        media_type=found["media_type"],
        headers={REPLAYED_HEADER: "true"},
    )


async def _once(request: Request, key: str, handler: Callable[[Request], Coroutine[Any, Any, Response]]) -> Response:
    """Runs ``handler`` for a request with an idempotency key (see the module's description)."""
    if not _KEY.fullmatch(key):
        raise BadRequest(f"the {HEADER} header takes 1 to {MAX_KEY_LENGTH} printable ASCII characters, such as a UUID")
    owner = await run_in_threadpool(_owner, request)
    if owner is None:
        return await handler(request)  # which answers 401
    keys: Idempotency = request.app.state.idempotency
    digest = fingerprint(
        request.method, request.url.path, request.url.query, request.headers.get("content-type"), await request.body()
    )
    found = await run_in_threadpool(keys.find, owner, key)
    if found is not None:
        return await _stored_answer(keys, owner, key, found, digest)
    run: IdempotentRequest = keys.request(owner, key, digest)
    try:
        with keys.running(run):
            response = await handler(request)
    except IdempotencyConflict:  # another worker's request with the key stored its write first: this one's undone
        found = await run_in_threadpool(keys.find, owner, key)
        if found is None:
            raise
        return await _stored_answer(keys, owner, key, found, digest)
    except BaseException as error:
        if _refused(error):
            await _quietly(keys.release, run)
        raise
    if 200 <= response.status_code < 300:
        await _quietly(keys.keep, run, status=response.status_code, media_type=response.media_type, body=response.body)
    else:
        await _quietly(keys.release, run)
    return response


class IdempotentRoute(APIRoute):
    """An API route that honours ``Idempotency-Key`` when it is a POST not in :attr:`read_only`, and says so in
    the OpenAPI document. Other routes are plain :class:`~fastapi.routing.APIRoute` ones.

    Make it the router's ``route_class`` before adding routes (:func:`idempotent_routes`); the application's state
    holds the :class:`~matcher.service.idempotency.Idempotency` (``app.state.idempotency``) and the matcher.
    """

    read_only: ClassVar[frozenset[str]] = frozenset()
    """Paths of POST routes that change nothing (searches): the header is accepted there and changes nothing."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {method.upper() for method in kwargs.get("methods") or ()}
        self.idempotent = "POST" in methods and path not in self.read_only
        if self.idempotent:
            extra = dict(kwargs.get("openapi_extra") or {})
            extra["parameters"] = [*extra.get("parameters", []), PARAMETER]
            kwargs["openapi_extra"] = extra
            kwargs["responses"] = {**RESPONSES, **(kwargs.get("responses") or {})}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not self.idempotent:
            return handler

        async def idempotent_handler(request: Request) -> Response:
            key = request.headers.get(HEADER)
            return await (handler(request) if key is None else _once(request, key, handler))

        return idempotent_handler


def idempotent_routes(read_only: Collection[str]) -> type[IdempotentRoute]:
    """The route class for an application whose POST routes at ``read_only`` paths change nothing.

    Example:
        >>> idempotent_routes({"/v1/search"}).read_only
        frozenset({'/v1/search'})
    """
    return type("IdempotentRoute", (IdempotentRoute,), {"read_only": frozenset(read_only)})
