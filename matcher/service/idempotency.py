"""Idempotent requests: a request sent with an idempotency key is carried out once per caller and key.

The REST API (:mod:`matcher.server.idempotency`) asks here what a caller's key holds, runs the request as an
:class:`~matcher.store.IdempotentRequest` (its first store transaction stores the key with the write, so a key is
stored exactly when a write of its request committed), and then keeps the answer to replay it, or releases the key
of a request that was refused. Keys are kept :data:`RETENTION`; older ones are pruned now and then by the process
that keeps answers, and a new request may take an expired key over at once.

Example:
    >>> import tempfile
    >>> keys = Idempotency(Context(tempfile.mkdtemp()))
    >>> request = keys.request("crm", "k-1", "0" * 64)
    >>> keys.keep(request, status=204, media_type=None, body=b"")
    >>> keys.find("crm", "k-1")["status"]
    204
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from ..store import IdempotencyConflict, IdempotentRequest
from .context import Context

__all__ = ["PRUNE_EVERY", "RETENTION", "Idempotency", "IdempotencyConflict", "IdempotentRequest"]

logger = logging.getLogger(__name__)

RETENTION = timedelta(hours=24)
"""How long a key is remembered: a retry within it is answered from the store, a later one is a new request."""
PRUNE_EVERY = timedelta(minutes=10)
"""How often one process deletes the expired keys (when it keeps an answer)."""


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class Idempotency:
    """The idempotency keys of one workspace's store (thread-safe).

    Args:
        context: The workspace.
        clock: The time now, aware (a fake in tests).
    """

    def __init__(self, context: Context, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.context = context
        self.clock = clock
        self._lock = threading.Lock()
        self.pruned_at_: datetime | None = None

    def _not_before(self) -> str:
        return _iso(self.clock() - RETENTION)

    def request(self, owner: str, key: str, fingerprint: str) -> IdempotentRequest:
        """A new request of ``owner`` with ``key``, to run with :meth:`running`."""
        return IdempotentRequest(owner, key, fingerprint, uuid.uuid4().hex, self._not_before())

    def find(self, owner: str, key: str) -> dict[str, Any] | None:
        """What ``owner``'s unexpired ``key`` holds (``fingerprint, request_id, status, media_type, body,
        created_at``; ``status`` None while no answer is kept), if anything."""
        return self.context.store.idempotency_key(owner, key, not_before=self._not_before())

    def running(self, request: IdempotentRequest) -> AbstractContextManager[None]:
        """The block in which ``request`` runs: its first store transaction stores its key.

        Raises:
            IdempotencyConflict: (From a transaction in the block) another request holds the key.
        """
        return self.context.store.idempotent(request)

    def keep(self, request: IdempotentRequest, *, status: int, media_type: str | None, body: bytes) -> None:
        """Keeps ``request``'s answer for its retries, and prunes the expired keys if it is time to."""
        self.context.store.keep_idempotent_answer(request, status=status, media_type=media_type, body=body)
        self.prune()

    def release(self, request: IdempotentRequest) -> None:
        """Forgets ``request``'s key (it was refused and changed nothing): a retry is carried out anew."""
        self.context.store.release_idempotency_key(request)

    def prune(self, *, force: bool = False) -> int:
        """Deletes the expired keys, at most every :data:`PRUNE_EVERY` unless ``force``; returns how many."""
        now = self.clock()
        with self._lock:
            if not force and self.pruned_at_ is not None and now - self.pruned_at_ < PRUNE_EVERY:
                return 0
            self.pruned_at_ = now
        pruned = self.context.store.prune_idempotency_keys(_iso(now - RETENTION))
        if pruned:
            logger.info("pruned %d idempotency keys older than %s", pruned, RETENTION)
        return pruned
