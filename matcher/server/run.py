"""Serving the REST API: ``matcher serve`` calls :func:`serve`, which runs uvicorn with one or more workers.

Each worker process builds its own application (:func:`app_from_environment`) over its own
:class:`~matcher.api.Matcher` of the same workspace; what the launcher was given (the workspace, encoder, ranking
and limits) reaches the workers in one environment variable, as uvicorn starts them from an import string.

Example:
    >>> serve(Settings.load(home=".matcher"), host="127.0.0.1", port=8000)   # doctest: +SKIP
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import time
from dataclasses import asdict
from typing import Any

import uvicorn
from fastapi import FastAPI

from ..api import Matcher
from ..config import Settings
from .app import ServerConfig, create_app

__all__ = ["app_from_environment", "is_loopback", "prepare", "serve", "warm"]

logger = logging.getLogger(__name__)

_ENVIRONMENT = "_MATCHER_SERVE"
"""Where the launcher leaves its options for the worker processes (JSON)."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only.

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
        (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False


def prepare(settings: Settings) -> dict[str, Any]:
    """Opens the workspace once before serving: migrates its store (a store it cannot open stops the server here,
    with the store's message, rather than in every request) and brings the index in step with the profiles, so
    the first request does not wait for it.

    Returns:
        The workspace's counts (``matcher stats``).
    """
    matcher = Matcher(settings=settings)
    try:
        counts = matcher.stats()
        if counts["profiles"]:
            report = matcher.build()
            logger.info("index ready: %d organisations (%.1f s)", report.profiles, report.seconds)
        return counts
    finally:
        matcher.close()


def warm(matcher: Matcher) -> None:
    """Loads what a worker's first search or match would otherwise wait for: the served index and ranking, and
    the text model (seconds, longer on a busy machine, while every search and match on that worker queues).

    uvicorn makes a worker's application before that worker accepts a connection, and with ``--workers N`` it
    replaces a worker that died with a new process: warmed here, the replacement takes its first request ready.

    Example:
        >>> warm(Matcher(".matcher"))  # doctest: +SKIP
    """
    if matcher.stats()["profiles"]:
        started = time.perf_counter()
        matcher.indexer.current()
        matcher.encoder.encode(["warm-up"])
        logger.info("worker %d warm in %.1f s", os.getpid(), time.perf_counter() - started)


def app_from_environment() -> FastAPI:
    """The application of one worker, from the options :func:`serve` left in the environment, warm
    (:func:`warm`)."""
    options = json.loads(os.environ[_ENVIRONMENT])
    matcher = Matcher(settings=Settings.load(**options["settings"]))
    app = create_app(matcher, ServerConfig(**options["config"]))
    warm(matcher)
    return app


def serve(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    config: ServerConfig | None = None,
    log_level: str = "info",
) -> None:
    """Serves the API until the process is stopped (Ctrl+C, SIGTERM).

    Args:
        settings: The workspace and its settings.
        host: The address to listen on; 127.0.0.1 (the default) keeps the API on this machine.
        port: The TCP port.
        workers: Worker processes; each has its own rate-limit buckets and runs its own jobs. With two or more,
            uvicorn's parent process checks them every half second and starts a new one in place of one that
            died (killed, out of memory); its clients' open connections fail and their retries reach the other
            workers. With one, the worker is the server: a supervisor (systemd's ``Restart=always``) restarts it.
        config: Limits (:class:`~matcher.server.app.ServerConfig`).
        log_level: uvicorn's log level.
    """
    given = {"home": str(settings.home), "encoder": settings.encoder, "ranking": settings.ranking}
    options = {
        "settings": {name: str(value) for name, value in given.items() if value is not None},
        "config": asdict(config or ServerConfig()),
    }
    os.environ[_ENVIRONMENT] = json.dumps(options)
    uvicorn.run(
        "matcher.server.run:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        server_header=False,  # no product or version for a scanner to key on
        timeout_graceful_shutdown=10,
    )
