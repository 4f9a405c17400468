"""A bounded schemathesis run against the REST API's own OpenAPI document, over HTTP to a real server.

Schemathesis reads ``/openapi.json`` and sends a few generated requests to every operation (valid ones and ones
that break the document's rules), with an officer's key, so that every route runs as far as its data lets it; not
one may end in a server error (5xx). The server holds the demo data and no index at first: the first request that
needs one builds it, which loads the model (hence slow).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from serving import demo_workspace, running

from matcher.server import ServerConfig, create_app

EXAMPLES = 4
"""Generated requests per operation and generation mode: enough to reach each route's code, and bounded."""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The base URL of a server over a demo workspace, and an officer's key (no rate limit worth the name)."""
    matcher = demo_workspace(tmp_path_factory.mktemp("schema-ws"))
    key = matcher.admin.create_api_key("fuzzer", "officer")[1]
    with running(create_app(matcher, ServerConfig(rate=10_000, burst=10_000))) as url:
        yield url, key
    matcher.close()


@pytest.fixture(scope="module")
def api_schema(served: tuple[str, str]) -> schemathesis.BaseSchema:
    url, _ = served
    return schemathesis.openapi.from_url(f"{url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_generated_request_makes_a_server_error(case: schemathesis.Case, served: tuple[str, str]) -> None:
    _, key = served
    case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=[not_a_server_error], timeout=600)
