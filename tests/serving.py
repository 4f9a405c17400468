"""Helpers of the REST API tests: a real uvicorn server on a free loopback port, in a thread of the test process.

The tests talk to it over HTTP with httpx, as a CRM would; the server runs the application of
:func:`matcher.server.create_app` over a workspace the test prepared, so its data are known.

Example:
    >>> with running(create_app(Matcher(home))) as base_url:          # doctest: +SKIP
    ...     httpx.get(f"{base_url}/healthz").json()["status"]
    'ok'
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from matcher.api import Matcher

DEMO = Path(__file__).resolve().parents[1] / "matcher" / "data" / "demo"


def demo_workspace(home: Path) -> Matcher:
    """A workspace holding the demo's profiles and partnerships (not indexed: the first search or match does it)."""
    matcher = Matcher(home)
    matcher.import_profiles(DEMO / "profiles.csv")
    matcher.import_partnerships(DEMO / "partnerships.csv")
    return matcher


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """Serves ``app`` with uvicorn on a free port of 127.0.0.1 until the block ends; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # the kernel picks a free port, and the socket keeps it until uvicorn takes it
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", server_header=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def client(base_url: str, key: str | None = None) -> httpx.Client:
    """An HTTP client of the server at ``base_url``, sending ``key`` as its bearer token (none without one); the
    timeout is long because a first match or search may build the workspace's index."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=600)


def error_of(response: httpx.Response, status: int) -> dict[str, object]:
    """The error body of ``response``, after checking its status and the one error shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message", "reasons"}
    return dict(body)
