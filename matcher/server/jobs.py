"""Long work (index builds, training) as jobs: a background thread each, in the server process that took it.

A job's state is written to a small JSON file in the workspace's ``.jobs/`` folder (atomically, at most every
half second while it reports progress), so every worker process serving the same workspace answers
``GET /v1/jobs/{id}``, whichever one runs the job. A job does not outlive its process: one that was running when
its server stopped stays ``running`` in its file. Each process runs one job of each kind at a time; builds in
several processes wait for each other on the index's lock.

Example:
    >>> jobs = Jobs(Path(tempfile.mkdtemp()))
    >>> job = jobs.start("build", lambda progress: {"profiles": 0}, owner="crm")
    >>> jobs.wait(job.id).state
    'done'
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import MatcherError, NotFoundError, StateError, user_message

__all__ = ["Job", "Jobs", "Progress"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""Called by a job's work as ``progress(stage, done, total)``."""

_ID = re.compile(r"^[0-9a-f]{32}$")
_WRITE_EVERY = 0.5
"""Seconds between two writes of a job's progress (the end of a stage is always written)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Job:
    """One job's state (the JSON of ``GET /v1/jobs/{id}``).

    Attributes:
        id: 32 hex digits.
        kind: ``build`` or ``train``.
        state: ``queued``, ``running``, ``done`` or ``failed``.
        progress: ``stage``, ``done``, ``total``.
        result: What the work returned, when done.
        error: What went wrong, when failed (a user's message, or "internal error" for a bug).
        owner: The key that started it.
        created_at, started_at, finished_at: ISO 8601 times, UTC.
    """

    id: str
    kind: str
    state: str
    owner: str
    created_at: str
    progress: dict[str, Any] = field(default_factory=lambda: {"stage": "", "done": 0, "total": 0})
    result: dict[str, Any] | None = None
    error: str | None = None
    started_at: str | None = None
    finished_at: str | None = None


class Jobs:
    """The jobs of one workspace.

    Args:
        root: The workspace folder; states go to its ``.jobs/`` folder.
        public: Turns an error message into what a client may read (the server hides its paths).
    """

    def __init__(self, root: Path, public: Callable[[str], str] = str) -> None:
        self.root = root
        self.public = public
        self._lock = threading.Lock()
        self._running: dict[str, str] = {}

    @property
    def folder(self) -> Path:
        """Where the states are written (the dot keeps it out of backups: a job is not data)."""
        return self.root / ".jobs"

    def start(self, kind: str, work: Callable[[Progress], dict[str, Any]], *, owner: str) -> Job:
        """Runs ``work(progress)`` in a background thread and returns the job at once (``queued``).

        Raises:
            StateError: A job of this kind is running in this process already.
        """
        with self._lock:
            if kind in self._running:
                raise StateError(
                    f"a {kind} job is running already (id {self._running[kind]}): wait for it to finish "
                    f"(GET /v1/jobs/{self._running[kind]})"
                )
            job = Job(uuid.uuid4().hex, kind, "queued", owner, _now())
            self._running[kind] = job.id
        self._save(job)
        threading.Thread(target=self._run, args=(job, work), name=f"job-{kind}-{job.id[:8]}", daemon=True).start()
        logger.info("%s started %s job %s", owner, kind, job.id)
        return job

    def get(self, job_id: str) -> Job:
        """A job's latest state.

        Raises:
            NotFoundError: No job has this id.
        """
        path = self.folder / f"{job_id}.json"
        if not _ID.fullmatch(job_id) or not path.is_file():
            raise NotFoundError(f"no job with id {job_id!r}")
        return Job(**json.loads(path.read_text(encoding="utf-8")))

    def wait(self, job_id: str, timeout: float = 600.0) -> Job:
        """The job's state once it is done or failed, or after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while (job := self.get(job_id)).state in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.05)
        return job

    def _run(self, job: Job, work: Callable[[Progress], dict[str, Any]]) -> None:
        job = replace(job, state="running", started_at=_now())
        self._save(job)
        written = 0.0

        def progress(stage: str, done: int, total: int) -> None:
            nonlocal job, written
            job = replace(job, progress={"stage": stage, "done": done, "total": total})
            if done >= total or time.monotonic() - written >= _WRITE_EVERY:
                written = time.monotonic()
                self._save(job)

        try:
            result = work(progress)  # before ``job`` is read below: progress() replaces it
            job = replace(job, state="done", result=result, finished_at=_now())
        except MatcherError as error:
            job = replace(job, state="failed", error=self.public(user_message(error)), finished_at=_now())
        except Exception:  # a bug: the log has it, the client is told no more
            logger.exception("%s job %s failed", job.kind, job.id)
            bug = "internal error: the server's log has the details"
            job = replace(job, state="failed", error=bug, finished_at=_now())
        try:
            self._save(job)
        finally:
            with self._lock:
                self._running.pop(job.kind, None)
        logger.info("%s job %s %s", job.kind, job.id, job.state)

    def _save(self, job: Job) -> None:
        # Written beside and renamed: a reader never sees half a file.
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(job), out, default=str)
        os.replace(tmp, self.folder / f"{job.id}.json")
