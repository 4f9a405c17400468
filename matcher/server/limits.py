"""Limits that keep one client from taking the server: requests per key, and the size of request bodies.

The rate limit's buckets live in the memory of one server process: with ``--workers N`` each worker keeps its own,
so a key may make up to N times the rate in all. That is enough to stop a runaway script; a limit across processes
belongs in the proxy in front (README, "Serve a team").

Example:
    >>> clock = iter([0.0, 0.0, 0.0, 0.5]).__next__
    >>> limiter = RateLimiter(rate=2.0, burst=2, clock=clock)
    >>> limiter.take("crm"), limiter.take("crm"), limiter.take("crm"), limiter.take("crm")
    (0.0, 0.0, 0.5, 0.0)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import body

__all__ = ["BodyLimit", "RateLimiter"]


class RateLimiter:
    """A token bucket per key (thread-safe): ``burst`` requests at once, then ``rate`` per second.

    Args:
        rate: Tokens added per second.
        burst: The bucket's size: requests that may come at once after a pause.
        clock: Seconds, monotonic (a fake in tests).
    """

    def __init__(self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float:
        """Takes a token for ``key``: 0 when one was there, else the seconds until one will be (nothing taken)."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


class BodyLimit:
    """ASGI middleware: a request body over its limit gets 413, in the API's one error shape.

    A declared ``Content-Length`` over the limit is refused before anything is read; a body sent without one
    (chunked) is counted as it arrives and refused once it passes the limit.

    Args:
        app: The application.
        max_bytes: The limit for every path but ``upload_paths``.
        upload_max_bytes: The limit for ``upload_paths`` (file uploads).
        upload_paths: Paths that take files.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, upload_max_bytes: int, upload_paths: Collection[str] = ()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_max_bytes if scope["path"] in self.upload_paths else self.max_bytes
        message = f"the request body is larger than the limit of {limit:,} bytes"
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await body("too_large", message, (), 413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            received = await receive()
            seen += len(received.get("body", b""))
            if seen > limit:
                # Raised where the route reads its body: the application's error handler answers.
                raise HTTPException(413, message)
            return received

        await self.app(scope, counted, send)
