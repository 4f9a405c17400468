"""The REST API's saved searches and alerts, over HTTP against a real uvicorn server on loopback (tests/serving.py),
with an officer's key, another officer's and a startup's (speaking for dj-bio-001): each key sees and changes its
own only. No model is loaded: alerts are stored as a check stores them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serving import running
from test_alerts_delivery import Receiver

from matcher.alerts import SIGNATURE_HEADER, owner_of, verify
from matcher.api import Matcher
from matcher.config import Settings
from matcher.policy import check_alerts
from matcher.server import ServerConfig, create_app
from matcher.service.keys import key_id_of

PROFILES = [
    {"id": "dj-bio-001", "name": "Hanbit Bioworks", "org_type": "startup", "city": "Daejeon", "country": "KR",
     "seeks": "GMP fill-finish for antibody-drug conjugates"},
    {"id": "ma-bio-001", "name": "Biomédica Costa del Sol", "org_type": "sme", "city": "Málaga", "country": "ES",
     "offers": "Aseptic fill-finish of conjugates"},
]  # fmt: skip


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matcher]:
    m = Matcher(tmp_path_factory.mktemp("alerts-api"))
    m.importer.upsert(PROFILES)
    check_alerts(m)  # no saved search yet: the two profiles are recorded as checked, nothing is matched
    yield m
    m.close()


@pytest.fixture(scope="module")
def keys(matcher: Matcher) -> dict[str, str]:
    return {
        "officer": matcher.admin.create_api_key("crm-officer", "officer")[1],
        "other": matcher.admin.create_api_key("crm-other", "officer")[1],
        "startup": matcher.admin.create_api_key("hanbit", "startup", "dj-bio-001")[1],
    }


@pytest.fixture(scope="module")
def url(matcher: Matcher, keys: dict[str, str]) -> Iterator[str]:
    with running(create_app(matcher)) as base_url:
        yield base_url


def call(url: str, key: str | None, method: str, path: str, **kwargs: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.request(method, f"{url}{path}", headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


def test_saved_searches_need_a_key(url: str) -> None:
    assert call(url, None, "GET", "/v1/saved-searches").status_code == 401


def test_an_officer_saves_lists_and_removes_a_search(url: str, keys: dict[str, str]) -> None:
    body = {"name": "ADC in Spain", "text": "GMP fill-finish", "country": ["Spain"]}
    made = call(url, keys["officer"], "POST", "/v1/saved-searches", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["filters"] == {"country": ["ES"]} and made.json()["kind"] == "search"
    listed = call(url, keys["officer"], "GET", "/v1/saved-searches").json()
    assert made.json() in listed
    assert call(url, keys["officer"], "DELETE", f"/v1/saved-searches/{made.json()['id']}").status_code == 204
    assert made.json() not in call(url, keys["officer"], "GET", "/v1/saved-searches").json()


def test_another_keys_saved_search_is_not_found(url: str, keys: dict[str, str]) -> None:
    made = call(url, keys["officer"], "POST", "/v1/saved-searches", json={"name": "Mine", "text": "ADC"}).json()
    assert made not in call(url, keys["other"], "GET", "/v1/saved-searches").json()
    assert call(url, keys["other"], "DELETE", f"/v1/saved-searches/{made['id']}").status_code == 404


def test_a_startup_key_saves_its_own_recommendation_only(url: str, keys: dict[str, str]) -> None:
    own = call(url, keys["startup"], "POST", "/v1/saved-searches", json={"name": "Partners", "org_id": "dj-bio-001"})
    other = call(url, keys["startup"], "POST", "/v1/saved-searches", json={"name": "Spy", "org_id": "ma-bio-001"})
    assert (own.status_code, own.json()["org_id"]) == (201, "dj-bio-001")
    assert other.status_code == 403


@pytest.mark.parametrize(
    ("body", "status"),
    [({"name": "x" * 101, "text": "ADC"}, 422), ({"name": "Both", "text": "ADC", "org_id": "dj-bio-001"}, 422),
     ({"name": "Typo", "txet": "ADC"}, 422), ({"name": "Ghost", "org_id": "nope"}, 404),
     ({"name": "Bad country", "text": "ADC", "country": ["Atlantis"]}, 422)],
)  # fmt: skip
def test_a_bad_saved_search_gets_a_clear_status(url: str, keys: dict[str, str], body: dict, status: int) -> None:
    answer = call(url, keys["officer"], "POST", "/v1/saved-searches", json=body)
    assert answer.status_code == status and answer.json()["message"]


def test_a_taken_name_is_a_conflict(url: str, keys: dict[str, str]) -> None:
    body = {"name": "Twice", "text": "ADC"}
    assert call(url, keys["other"], "POST", "/v1/saved-searches", json=body).status_code == 201
    assert call(url, keys["other"], "POST", "/v1/saved-searches", json=body).status_code == 409


def test_alerts_are_listed_for_their_key_only_and_marked_read(
    url: str, keys: dict[str, str], matcher: Matcher
) -> None:
    made = call(url, keys["officer"], "POST", "/v1/saved-searches", json={"name": "Fill", "text": "fill"}).json()
    owner = owner_of("crm-officer", key_id=key_id_of(keys["officer"]))
    row = {"saved_search_id": made["id"], "owner": owner, "profile_id": "ma-bio-001", "score": 0.8,
           "band": "strong", "reasons": ("Its offer matches the search.",)}  # fmt: skip
    [alert_id] = matcher.store.add_alerts([row], email=False)
    mine = call(url, keys["officer"], "GET", "/v1/alerts", params={"unread": True}).json()
    assert mine["unread"] >= 1 and alert_id in [item["id"] for item in mine["items"]]
    assert alert_id not in [item["id"] for item in call(url, keys["startup"], "GET", "/v1/alerts").json()["items"]]
    assert call(url, keys["startup"], "POST", "/v1/alerts/read", json={"ids": [alert_id]}).json() == {"marked": 0}
    assert call(url, keys["officer"], "POST", "/v1/alerts/read", json={"ids": [alert_id]}).json() == {"marked": 1}
    unread = call(url, keys["officer"], "GET", "/v1/alerts", params={"unread": True}).json()["items"]
    assert alert_id not in [item["id"] for item in unread]


def test_a_webhook_is_registered_with_a_secret_shown_once(url: str, keys: dict[str, str]) -> None:
    made = call(url, keys["startup"], "PUT", "/v1/alerts/webhook", json={"url": "https://crm.example/hanbit"})
    assert made.status_code == 200 and made.json()["signature_header"] == SIGNATURE_HEADER
    assert len(made.json()["secret"]) >= 40
    assert call(url, keys["startup"], "DELETE", "/v1/alerts/webhook").status_code == 204


def test_a_webhook_url_that_is_not_http_is_refused(url: str, keys: dict[str, str]) -> None:
    answer = call(url, keys["officer"], "PUT", "/v1/alerts/webhook", json={"url": "file:///etc/passwd"})
    assert answer.status_code == 422 and "http://" in answer.json()["message"]


def test_a_webhook_on_the_cloud_metadata_address_is_refused(url: str, keys: dict[str, str]) -> None:
    answer = call(url, keys["officer"], "PUT", "/v1/alerts/webhook", json={"url": "http://169.254.169.254/latest"})
    assert answer.status_code == 422
    assert "169.254.169.254 is not public (link-local address)" in answer.json()["message"]
    assert call(url, keys["officer"], "GET", "/v1/alerts/deliveries").status_code == 200  # the server lives on


def test_the_server_delivers_alerts_in_the_background(tmp_path: Path) -> None:
    m = Matcher(settings=Settings.load(home=tmp_path / "ws", webhook_allow_private=True))  # the receiver's loopback
    m.importer.upsert(PROFILES)
    check_alerts(m)
    key = m.admin.create_api_key("crm-live", "officer")[1]
    with Receiver([]) as receiver, running(create_app(m, ServerConfig(alert_check_seconds=0.2))) as base_url:
        secret = call(base_url, key, "PUT", "/v1/alerts/webhook", json={"url": receiver.url}).json()["secret"]
        made = call(base_url, key, "POST", "/v1/saved-searches", json={"name": "Fill", "text": "fill"}).json()
        row = {"saved_search_id": made["id"], "owner": owner_of("crm-live", key_id=key_id_of(key)), "profile_id":
               "ma-bio-001", "score": 0.8,
               "band": "strong", "reasons": ()}  # fmt: skip
        m.store.add_alerts([row], email=False)
        deadline = time.monotonic() + 30  # a bound on waiting, not a speed target: a round comes every 0.2 s
        while time.monotonic() < deadline:
            statuses = [d["status"] for d in call(base_url, key, "GET", "/v1/alerts/deliveries").json()]
            if statuses != ["pending"]:
                break
            time.sleep(0.1)
    assert statuses == ["delivered"]
    [(headers, body)] = receiver.requests
    assert verify(secret, body, headers[SIGNATURE_HEADER])
    m.close()
