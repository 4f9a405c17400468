"""The REST API's investment-attraction calls (issue #13), over HTTP against a real uvicorn server (tests/serving.py).

The server holds the demo data, in which Kessler-Albrecht Life Science (``gl-bio-001``, a Darmstadt multinational)
is planted as a lead for Daejeon: it seeks a plot in a Korean research park and Korean biotech clients, and offers
the CHO cell-line development and GMP manufacturing that Daejeon's startups seek. Keys: an officer's and a
startup's (speaking for ``dj-bio-001``). Calls that rank leads need the index (the first one builds it, loading
the model) and are marked slow; refusals, strategies and gaps are not.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from serving import demo_workspace, error_of, running

from matcher.api import Matcher
from matcher.server import create_app
from matcher.server.models import MAX_API_K
from matcher.service.attraction import MAX_STRATEGY_CHARS
from matcher.vocab import ALLIANCE_CITIES

LEAD = "gl-bio-001"
"""Kessler-Albrecht Life Science, Darmstadt: the demo's planted lead for Daejeon."""
CALLS = [
    ("GET", "/v1/cities/Daejeon/leads", None),
    ("GET", "/v1/cities/Daejeon/gaps", None),
    ("GET", f"/v1/organisations/{LEAD}/fit-cities", None),
    ("GET", "/v1/cities/Daejeon/strategy", None),
    ("PUT", "/v1/cities/Daejeon/strategy", {"sectors": ["biologics"], "text": "Biologics."}),
]
"""Every attraction call, with a body where it takes one."""


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matcher]:
    m = demo_workspace(tmp_path_factory.mktemp("attract-ws"))
    yield m
    m.close()


@pytest.fixture(scope="module")
def keys(matcher: Matcher) -> dict[str, str]:
    return {
        "officer": matcher.admin.create_api_key("crm-attract", "officer")[1],
        "startup": matcher.admin.create_api_key("hanbit-attract", "startup", "dj-bio-001")[1],
    }


@pytest.fixture(scope="module")
def base_url(matcher: Matcher, keys: dict[str, str]) -> Iterator[str]:
    with running(create_app(matcher)) as url:
        yield url




# Who may call ------------------------------------------------------------------------------------------------------


def test_the_attraction_calls_are_in_the_openapi_document(anonymous: httpx.Client) -> None:
    paths = anonymous.get("/openapi.json").json()["paths"]
    assert set(paths["/v1/cities/{city}/strategy"]) == {"get", "put"}
    assert {"/v1/cities/{city}/leads", "/v1/cities/{city}/gaps", "/v1/organisations/{profile_id}/fit-cities"} <= set(
        paths
    )


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_a_startup_key_is_refused_every_attraction_call(
    startup: httpx.Client, method: str, path: str, body: dict[str, object] | None
) -> None:
    error = error_of(startup.request(method, path, json=body), 403)
    assert error["error"] == "forbidden"


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_without_a_key_every_attraction_call_is_unauthorised(
    anonymous: httpx.Client, method: str, path: str, body: dict[str, object] | None
) -> None:
    assert error_of(anonymous.request(method, path, json=body), 401)["error"] == "unauthorised"


def test_a_startup_key_learns_nothing_of_an_organisation_that_does_not_exist(startup: httpx.Client) -> None:
    assert error_of(startup.get("/v1/organisations/no-such-org/fit-cities"), 403)["error"] == "forbidden"


# Strategy ----------------------------------------------------------------------------------------------------------


def test_a_strategy_is_saved_signed_by_the_key_and_read_back(officer: httpx.Client) -> None:
    body = {"sectors": ["bioprocessing_cdmo", "antibody_drug_conjugates"], "text": "A <b>bioprocessing</b> site."}
    saved = officer.put("/v1/cities/Calgary/strategy", json=body)
    assert saved.status_code == 200, saved.text
    read = officer.get("/v1/cities/Calgary/strategy").json()
    assert read == saved.json()
    assert (read["city"], read["sectors"], read["text"]) == ("Calgary", body["sectors"], body["text"])
    assert read["updated_by"] == "crm-attract" and read["updated_at"]


def test_a_city_in_its_native_spelling_is_the_same_city(officer: httpx.Client) -> None:
    officer.put("/v1/cities/Daejeon/strategy", json={"sectors": ["biologics"], "text": "Biologics first."})
    native = officer.get("/v1/cities/대전/strategy").json()
    assert (native["city"], native["text"]) == ("Daejeon", "Biologics first.")


def test_a_city_without_a_strategy_answers_an_empty_one(officer: httpx.Client) -> None:
    assert officer.get("/v1/cities/Dortmund/strategy").json() == {
        "city": "Dortmund", "sectors": [], "text": "", "updated_by": "", "updated_at": None,
    }  # fmt: skip


def test_a_strategy_with_an_unknown_sector_is_refused_with_the_known_ones(officer: httpx.Client) -> None:
    error = error_of(officer.put("/v1/cities/Seattle/strategy", json={"sectors": ["alchemy"], "text": ""}), 422)
    assert "alchemy" in str(error["message"]) and "biologics" in str(error["message"])
    assert officer.get("/v1/cities/Seattle/strategy").json()["sectors"] == []


def test_a_strategy_text_over_the_limit_is_refused(officer: httpx.Client) -> None:
    body = {"sectors": [], "text": "x" * (MAX_STRATEGY_CHARS + 1)}
    error = error_of(officer.put("/v1/cities/Seattle/strategy", json=body), 422)
    assert any(reason.startswith("text:") for reason in error["reasons"])  # type: ignore[union-attr]


def test_a_misspelt_strategy_field_is_refused_not_ignored(officer: httpx.Client) -> None:
    error = error_of(officer.put("/v1/cities/Seattle/strategy", json={"sector": ["biologics"]}), 422)
    assert any("sector" in reason for reason in error["reasons"])  # type: ignore[union-attr]


def test_an_unknown_city_is_not_found_and_the_message_names_the_known_cities(officer: httpx.Client) -> None:
    error = error_of(officer.get("/v1/cities/Atlantis/strategy"), 404)
    assert "Atlantis" in str(error["message"]) and "Daejeon" in str(error["message"])


# Gaps --------------------------------------------------------------------------------------------------------------


def test_gaps_say_what_to_attract_and_what_to_export(officer: httpx.Client) -> None:
    gaps = officer.get("/v1/cities/Daejeon/gaps").json()
    assert gaps["city"] == "Daejeon"
    assert all(gap["seeking"] > gap["offering"] for gap in gaps["attract"])
    assert all(gap["offering"] > gap["seeking"] for gap in gaps["export"])
    table = {row["sector"]: row for row in gaps["table"]}
    assert all(table[gap["sector"]] == gap for gap in gaps["attract"] + gaps["export"])


# Leads and the city benchmark (the index: slow) ---------------------------------------------------------------------


@pytest.mark.slow
def test_leads_for_daejeon_are_outside_it_with_local_beneficiaries_in_the_issues_json(officer: httpx.Client) -> None:
    answer = officer.get("/v1/cities/Daejeon/leads", params={"k": 10})
    assert answer.status_code == 200, answer.text
    leads = answer.json()
    assert leads["city"] == "Daejeon" and len(leads["results"]) == 10
    daejeon = {row["id"] for row in officer.get("/v1/organisations", params={"city": "Daejeon", "limit": 200}).json()[
        "items"]}  # fmt: skip
    for lead in leads["results"]:
        assert {"id", "name", "city", "country", "org_type", "score", "local_beneficiaries", "reasons"} <= set(lead)
        assert lead["city"] != "Daejeon" and lead["id"] not in daejeon
        assert {b["id"] for b in lead["local_beneficiaries"]} <= daejeon
        assert all({"id", "name", "reason"} <= set(b) for b in lead["local_beneficiaries"])
    scores = [lead["score"] for lead in leads["results"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.slow
def test_leads_of_one_type_are_all_of_that_type(officer: httpx.Client) -> None:
    leads = officer.get("/v1/cities/Daejeon/leads", params={"k": 5, "type": "investor"}).json()["results"]
    assert leads and {lead["org_type"] for lead in leads} == {"investor"}


def test_more_leads_than_the_api_gives_are_refused(officer: httpx.Client) -> None:
    error = error_of(officer.get("/v1/cities/Daejeon/leads", params={"k": MAX_API_K + 1}), 422)
    assert any(reason.startswith("query.k") for reason in error["reasons"])  # type: ignore[union-attr]


@pytest.mark.slow
def test_leads_in_an_unknown_sector_are_refused_with_the_reason(officer: httpx.Client) -> None:
    error = error_of(officer.get("/v1/cities/Daejeon/leads", params={"sector": "alchemy"}), 422)
    assert "alchemy" in str(error["message"])


@pytest.mark.slow
def test_fit_cities_compares_every_other_alliance_city_best_first(officer: httpx.Client) -> None:
    fits = officer.get(f"/v1/organisations/{LEAD}/fit-cities").json()
    assert (fits["id"], fits["home_city"]) == (LEAD, "Darmstadt")
    assert sorted(fit["city"] for fit in fits["fits"]) == sorted(ALLIANCE_CITIES)  # Darmstadt is not one
    scores = [fit["score"] for fit in fits["fits"]]
    assert scores == sorted(scores, reverse=True)
    assert fits["fits"][0]["city"] in fits["summary"]


@pytest.mark.slow
def test_fit_cities_of_an_unknown_organisation_is_not_found(officer: httpx.Client) -> None:
    assert error_of(officer.get("/v1/organisations/no-such-org/fit-cities"), 404)["error"] == "not_found"
