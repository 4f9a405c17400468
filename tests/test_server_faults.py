"""The REST API while its PostgreSQL server is down: clear 503s with ``Retry-After``, and recovery without a restart
of the API server once the database is back (#14, item 6).

A real uvicorn server (tests/serving.py) over a store on a PostgreSQL cluster of this module's own, so that stopping
it disturbs no other test's database. Only calls that need no index are made (listing, notes, feedback): no model
is loaded. A worker that uvicorn starts in place of a dead one is warm before it takes a connection.
"""

from __future__ import annotations

from collections.abc import Iterator

import fastapi
import httpx
import pytest
import sqlalchemy
from fastapi.testclient import TestClient
from postgres import Cluster, server_binaries
from serving import DEMO, running

from matcher.api import Matcher
from matcher.config import Settings
from matcher.embed import BlendEncoder
from matcher.server import create_app
from matcher.server.errors import install
from matcher.server.run import warm


class StoppableCluster(Cluster):
    """A :class:`~postgres.Cluster` whose server can be stopped and started again with its data kept."""

    def halt(self) -> None:
        """Stops the server as an administrator would (fast shutdown: open connections are cut)."""
        self._run("pg_ctl", "-D", str(self.socket_dir / "data"), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        """Restarts the server, or starts it again after :meth:`halt`, with the options it was first started with
        (``pg_ctl restart`` reads the command line the server saved, ``postmaster.opts``: socket folder included)."""
        self._run("pg_ctl", "-D", str(self.socket_dir / "data"), "-l", str(self.socket_dir / "server.log"), "-w",
                  "restart")


@pytest.fixture(scope="module")
def cluster() -> Iterator[StoppableCluster]:
    pytest.importorskip("psycopg", reason="the psycopg driver is missing: pip install -e '.[postgres]'")
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed: install Debian's postgresql package, as .ci/run does")
    own = StoppableCluster(binaries)
    try:
        yield own.start()
    finally:
        own.stop()


@pytest.fixture(scope="module")
def served(cluster: StoppableCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The demo's profiles on the cluster, served over HTTP: the base URL and an officer's key."""
    settings = Settings.load(home=tmp_path_factory.mktemp("faults-ws"), database_url=cluster.url())
    matcher = Matcher(settings=settings)
    matcher.import_profiles(DEMO / "profiles.csv")
    key = matcher.admin.create_api_key("crm", "officer")[1]
    with running(create_app(matcher)) as url:
        yield url, key
    matcher.close()


@pytest.fixture
def officer(served: tuple[str, str]) -> Iterator[httpx.Client]:
    url, key = served
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
        yield http


@pytest.fixture
def database_down(cluster: StoppableCluster, officer: httpx.Client) -> Iterator[None]:
    """The database stopped after the server has pooled connections to it; started again at the end."""
    assert officer.get("/v1/organisations", params={"limit": 1}).status_code == 200
    cluster.halt()
    try:
        yield
    finally:
        cluster.restart()


@pytest.mark.postgres
@pytest.mark.usefixtures("database_down")
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/organisations", None),
        ("POST", "/v1/organisations/dj-bio-001/notes", {"text": "call back in May"}),
        ("POST", "/v1/feedback", {"asker_id": "dj-bio-001", "candidate_id": "ma-bio-001", "label": "relevant"}),
    ],
)
def test_a_request_while_the_database_is_down_gets_503_with_retry_after(
    officer: httpx.Client, method: str, path: str, body: dict[str, str] | None
) -> None:
    response = officer.request(method, path, json=body)
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json() == {
        "error": "unavailable",
        "message": "the database is busy or not reachable just now; try again in a few seconds",
        "reasons": [],
    }


@pytest.mark.postgres
def test_the_server_answers_again_once_the_database_is_back(
    cluster: StoppableCluster, officer: httpx.Client
) -> None:
    before = officer.get("/v1/organisations", params={"limit": 200}).json()["items"]
    cluster.halt()
    try:
        assert officer.get("/v1/organisations").status_code == 503
    finally:
        cluster.restart()
    # The same server process, with no restart: its pool drops the dead connections and opens new ones.
    assert officer.get("/v1/organisations", params={"limit": 200}).json()["items"] == before
    written = officer.post("/v1/organisations/dj-bio-001/notes", json={"text": "after the restart"})
    assert written.status_code == 201, written.text
    notes = officer.get("/v1/organisations/dj-bio-001/notes").json()
    assert [note["text"] for note in notes if note["id"] == written.json()["id"]] == ["after the restart"]


@pytest.mark.postgres
def test_a_restart_between_two_requests_costs_the_client_nothing(
    cluster: StoppableCluster, officer: httpx.Client
) -> None:
    assert officer.get("/v1/organisations", params={"limit": 1}).status_code == 200
    cluster.restart()
    # Every pooled connection died with the old server; the pre-ping notices before the request uses one.
    assert officer.get("/v1/organisations", params={"limit": 1}).status_code == 200


@pytest.mark.slow
def test_a_new_worker_has_its_model_loaded_before_its_first_request(demo_matcher: Matcher) -> None:
    worker = Matcher(demo_matcher.workspace.root)  # as a worker uvicorn started in place of a dead one
    warm(worker)
    parts = worker.encoder.encoders if isinstance(worker.encoder, BlendEncoder) else [worker.encoder]
    assert all(part.model_ is not None for part in parts)  # type: ignore[attr-defined]


def test_a_pool_with_every_connection_busy_gets_503_not_500() -> None:
    app = fastapi.FastAPI()
    install(app)

    @app.get("/busy")
    def busy() -> None:
        raise sqlalchemy.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached")

    response = TestClient(app, raise_server_exceptions=False).get("/busy")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
