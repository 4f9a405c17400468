"""The REST API, over HTTP against a real uvicorn server on a loopback port (tests/serving.py).

The server holds the demo data and two profiles of known content that hide fields from startups: ``zz-hidden``
(a startup in Seattle whose sectors and texts are hidden) and ``zz-clone`` (Málaga's ADC manufacturer's texts
under another id in Seattle, with every text hidden), so that what a startup key must never see is known. Keys:
an officer's, a startup's speaking for ``dj-bio-001``, and a revoked one. Tests that need the index (matches,
search, plans, jobs) load the model and are marked slow.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from serving import client, demo_workspace, error_of, running

from matcher.api import Matcher
from matcher.cli import main
from matcher.errors import StateError
from matcher.filters import Filters
from matcher.schema import FACETS, FEEDBACK_LABELS, SHORTLIST_STAGES
from matcher.server import ServerConfig, create_app
from matcher.server.models import MAX_PAGE, FacetName, FeedbackLabel, ShortlistStage

HIDDEN = {
    "id": "zz-hidden",
    "name": "Quiet Lattice Labs",
    "org_type": "startup",
    "city": "Seattle",
    "country": "US",
    "sectors": ["quantum"],
    "description": "Confidential xenon lattice pilot line for trapped-ion qubits.",
    "offers": "Private wafer-scale ion traps.",
    "public_fields": ["website"],
    "website": "https://quiet.example",
}
"""A profile whose sectors, description and offers a startup key may not see."""

CLONE_PUBLIC = ["website"]
"""What ``zz-clone`` shows a startup beyond who it is: nothing of its texts."""


@pytest.fixture(scope="module")
def matcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matcher]:
    """The served workspace: the demo, ``zz-hidden`` and ``zz-clone``."""
    m = demo_workspace(tmp_path_factory.mktemp("server-ws"))
    clone = m.profile("ma-bio-001").to_dict()
    clone.update(id="zz-clone", name="Cascade Conjugates", city="Seattle", country="US", public_fields=CLONE_PUBLIC)
    report = m.importer.upsert([HIDDEN, clone], source="test")
    assert report.imported == 2, report.rejected
    yield m
    m.close()


@pytest.fixture(scope="module")
def keys(matcher: Matcher) -> dict[str, str]:
    """API keys by role: ``officer``, ``startup`` (for dj-bio-001), ``revoked``, and spares for the limits tests."""
    made = {
        "officer": matcher.admin.create_api_key("crm-officer", "officer")[1],
        "startup": matcher.admin.create_api_key("hanbit", "startup", "dj-bio-001")[1],
        "revoked": matcher.admin.create_api_key("old-crm", "officer")[1],
        "limited": matcher.admin.create_api_key("busy-crm", "officer")[1],
    }
    matcher.admin.revoke_api_key("old-crm")
    return made


@pytest.fixture(scope="module")
def base_url(matcher: Matcher, keys: dict[str, str]) -> Iterator[str]:
    with running(create_app(matcher)) as url:
        yield url


@pytest.fixture(scope="module")
def strict_url(matcher: Matcher, keys: dict[str, str]) -> Iterator[str]:
    """A second server over the same workspace with tiny limits: 2 requests at once, then one every 100 s; 4 KiB
    uploads."""
    with running(create_app(matcher, ServerConfig(rate=0.01, burst=2, max_upload_bytes=4096))) as url:
        yield url




# The service -------------------------------------------------------------------------------------------------------


def test_health_needs_no_key(anonymous: httpx.Client) -> None:
    assert anonymous.get("/healthz").json() == {"status": "ok", "version": "0.1.0"}


def test_the_openapi_document_is_3_1_and_names_the_bearer_scheme(anonymous: httpx.Client) -> None:
    spec = anonymous.get("/openapi.json").json()
    assert spec["openapi"] == "3.1.0"
    assert {"/v1/organisations/{profile_id}/matches", "/v1/search", "/v1/jobs"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_the_docs_page_is_served_without_any_cdn(anonymous: httpx.Client) -> None:
    page = anonymous.get("/docs").text
    script = re.search(r'src="([^"]+swagger-ui-bundle\.js)"', page)
    assert script is not None and script.group(1).startswith("/")  # from this server, not the internet
    assert anonymous.get(script.group(1)).status_code == 200


def test_the_api_allows_no_cross_origin_reads(anonymous: httpx.Client) -> None:
    response = anonymous.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_the_models_enums_are_the_schemas() -> None:
    assert set(FacetName.__args__) == set(FACETS)
    assert FeedbackLabel.__args__ == FEEDBACK_LABELS
    assert ShortlistStage.__args__ == SHORTLIST_STAGES


# Keys --------------------------------------------------------------------------------------------------------------


def test_a_request_without_a_key_is_401_with_a_bearer_challenge(anonymous: httpx.Client) -> None:
    response = anonymous.get("/v1/organisations/dj-bio-001/matches", params={"k": 5})
    body = error_of(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in str(body["message"])


@pytest.mark.parametrize(
    "authorization", ["Bearer mk_000000000000_" + "A" * 43, "Bearer not-a-key", "Basic dXNlcjpwYXNzd29yZA=="]
)
def test_an_unknown_or_malformed_key_is_401(anonymous: httpx.Client, authorization: str) -> None:
    error_of(anonymous.get("/v1/organisations", headers={"Authorization": authorization}), 401)


def test_a_revoked_key_is_401(base_url: str, keys: dict[str, str]) -> None:
    with client(base_url, keys["revoked"]) as http:
        error_of(http.get("/v1/organisations"), 401)


def test_a_startup_key_asking_for_another_organisations_matches_is_403(startup: httpx.Client) -> None:
    body = error_of(startup.get("/v1/organisations/ma-bio-001/matches", params={"k": 5}), 403)
    assert "dj-bio-001" in str(body["message"])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/shortlists", None),
        ("POST", "/v1/shortlists", {"name": "mine"}),
        ("GET", "/v1/organisations/ma-bio-001/notes", None),
        ("POST", "/v1/organisations/ma-bio-001/notes", {"text": "hello"}),
        ("PUT", "/v1/organisations/dj-bio-001", {"name": "Hanbit"}),
        ("DELETE", "/v1/organisations/ma-bio-001", None),
        ("POST", "/v1/jobs", {"kind": "build"}),
        ("POST", "/v1/plans", {"visitors": ["dj-bio-001"], "hosts": ["ma-bio-001"], "slots": ["Tue 10:00"]}),
        ("POST", "/v1/feedback", {"asker_id": "ma-bio-001", "candidate_id": "dj-bio-001", "label": "relevant"}),
    ],
)
def test_a_startup_key_is_refused_what_its_role_may_not_do(
    startup: httpx.Client, method: str, path: str, body: object
) -> None:
    error_of(startup.request(method, path, json=body), 403)


def test_the_cli_prints_a_new_key_as_its_last_line_and_lists_only_its_public_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = str(tmp_path / "ws")
    assert main(["--home", home, "api-key", "create", "crm-calgary", "--role", "officer"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(r"mk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", key)
    assert Matcher(home).admin.api_key_user(key) is not None
    assert main(["--home", home, "api-key", "list"]) == 0
    listed = capsys.readouterr().out
    assert "crm-calgary: officer" in listed and key not in listed and key.split("_", 2)[2] not in listed
    assert main(["--home", home, "api-key", "revoke", "crm-calgary"]) == 0
    assert Matcher(home).admin.api_key_user(key) is None


def test_the_store_keeps_a_hash_of_each_key_never_the_key(matcher: Matcher, keys: dict[str, str]) -> None:
    with matcher.store.transaction() as conn:
        stored = pd.read_sql_table("api_keys", conn)
    text = stored.to_csv()
    assert all(key.split("_", 2)[2] not in text for key in keys.values())
    assert stored["key_hash"].str.fullmatch(r"[0-9a-f]{64}").all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["hanbit2", "--role", "startup"], "--org-id"),
        (["ghost", "--role", "startup", "--org-id", "no-such-org"], "no-such-org"),
        (["boss", "--role", "officer", "--org-id", "dj-bio-001"], "leave --org-id out"),
        (["crm", "--role", "admin"], "unknown role"),
    ],
)
def test_a_key_that_cannot_be_made_is_refused_in_one_line(
    matcher: Matcher, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--home", str(matcher.workspace.root), "api-key", "create", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_a_working_keys_name_cannot_be_taken_twice(matcher: Matcher, keys: dict[str, str]) -> None:
    with pytest.raises(StateError, match="already a working API key named 'crm-officer'"):
        matcher.admin.create_api_key("crm-officer", "officer")


def test_a_key_may_not_take_an_accounts_name(matcher: Matcher, keys: dict[str, str]) -> None:
    matcher.admin.add_user("sora", "officer", "correct horse battery")
    with pytest.raises(StateError, match=r"an app account is named 'sora'.*'sora-crm'"):
        matcher.admin.create_api_key("sora", "startup", "dj-bio-001")


def test_an_account_may_not_take_a_keys_name_even_a_revoked_ones(matcher: Matcher, keys: dict[str, str]) -> None:
    # A revoked key's feedback and notes stay under its name: a new account of that name would read them as its own.
    for name in ("hanbit", "old-crm"):
        with pytest.raises(StateError, match=f"an API key is named '{name}'"):
            matcher.admin.add_user(name, "officer", "correct horse battery")


# Organisations -----------------------------------------------------------------------------------------------------


def test_pages_of_organisations_walk_the_filtered_list_once_in_id_order(
    officer: httpx.Client, matcher: Matcher
) -> None:
    expected = matcher.profiles(Filters.from_user(country=["KR", "ES"]))["id"].tolist()
    seen: list[str] = []
    params: dict[str, object] = {"country": ["KR", "ES"], "limit": 7}
    while True:
        page = officer.get("/v1/organisations", params=params).json()
        assert len(page["items"]) <= 7
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == expected and len(expected) > 7


def test_a_page_has_the_fields_of_matcher_list(officer: httpx.Client) -> None:
    item = officer.get("/v1/organisations", params={"limit": 1}).json()["items"][0]
    assert set(item) == {"id", "name", "org_type", "city", "country", "sectors"}


def test_a_limit_above_the_cap_is_422(officer: httpx.Client) -> None:
    body = error_of(officer.get("/v1/organisations", params={"limit": MAX_PAGE + 1}), 422)
    assert "limit" in str(body["reasons"])


def test_a_cursor_this_server_did_not_give_is_400(officer: httpx.Client) -> None:
    error_of(officer.get("/v1/organisations", params={"cursor": "not-a-cursor"}), 400)


def test_an_unknown_filter_value_is_422_naming_it(officer: httpx.Client) -> None:
    body = error_of(officer.get("/v1/organisations", params={"country": "Atlantis"}), 422)
    assert "Atlantis" in str(body["message"])


def test_an_unknown_organisation_is_404_without_the_servers_paths(officer: httpx.Client, matcher: Matcher) -> None:
    body = error_of(officer.get("/v1/organisations/no-such-org"), 404)
    assert "no-such-org" in str(body["message"])
    assert str(matcher.workspace.root) not in str(body["message"])


def test_an_officer_reads_every_field_of_a_profile(officer: httpx.Client) -> None:
    shown = officer.get("/v1/organisations/zz-hidden").json()
    assert shown["offers"] == HIDDEN["offers"] and shown["sectors"] == HIDDEN["sectors"]


def test_a_startup_key_reads_only_the_public_fields_of_another_profile(startup: httpx.Client) -> None:
    shown = startup.get("/v1/organisations/zz-hidden").json()
    assert set(shown) == {"id", "name", "org_type", "city", "country", "website", "partners"}


def test_a_startup_key_reads_its_own_profile_in_full(startup: httpx.Client) -> None:
    shown = startup.get("/v1/organisations/dj-bio-001").json()
    assert {"description", "offers", "seeks", "employees"} <= set(shown)


def test_a_startup_keys_list_never_shows_or_filters_on_a_hidden_sector(
    startup: httpx.Client, officer: httpx.Client
) -> None:
    params = {"sector": "quantum", "city": "Seattle", "limit": 200}
    assert "zz-hidden" in [item["id"] for item in officer.get("/v1/organisations", params=params).json()["items"]]
    items = startup.get("/v1/organisations", params=params).json()["items"]
    assert "zz-hidden" not in [item["id"] for item in items]
    listed = startup.get("/v1/organisations", params={"city": "Seattle", "limit": 200}).json()["items"]
    assert "sectors" not in next(item for item in listed if item["id"] == "zz-hidden")


def test_put_creates_a_profile_then_changes_nothing_when_sent_again(officer: httpx.Client) -> None:
    profile = {"name": "Puget Assays", "org_type": "SME", "city": "Seattle", "country": "United States",
               "sectors": "diagnostics; biologics", "offers": "Cell-based potency assays."}  # fmt: skip
    first = officer.put("/v1/organisations/zz-put", json=profile)
    assert first.json() == {"id": "zz-put", "changed": True, "warnings": []}
    assert officer.put("/v1/organisations/zz-put", json=profile).json()["changed"] is False
    stored = officer.get("/v1/organisations/zz-put").json()
    assert (stored["org_type"], stored["country"], stored["sectors"]) == ("sme", "US", ["diagnostics", "biologics"])
    assert officer.delete("/v1/organisations/zz-put").status_code == 204
    error_of(officer.get("/v1/organisations/zz-put"), 404)


def test_put_refuses_a_profile_with_every_reason(officer: httpx.Client) -> None:
    bad = {"name": "", "org_type": "spaceship", "city": "Seattle", "country": "Atlantis", "employees": "twelve",
           "founded": 1200}  # fmt: skip
    body = error_of(officer.put("/v1/organisations/zz-bad", json=bad), 422)
    assert body["reasons"] == [
        "name missing",
        "org_type 'spaceship' is not a known organisation type (accepted: startup, sme, company, large_company, "
        "multinational, university, research_institute, hospital, investor, public_body, accelerator, other)",
        "country 'Atlantis' is not a known country",
        "employees 'twelve' is not a whole number",
        f"founded 1200 is outside 1800..{pd.Timestamp.now().year}",
    ]
    error_of(officer.get("/v1/organisations/zz-bad"), 404)


def test_put_refuses_an_unknown_field_and_an_id_that_is_not_the_paths(officer: httpx.Client) -> None:
    body = error_of(officer.put("/v1/organisations/zz-x", json={"nmae": "X"}), 422)
    assert body["reasons"] == ["nmae: Extra inputs are not permitted"]
    body = error_of(officer.put("/v1/organisations/zz-x", json={"id": "zz-y", "name": "X"}), 422)
    assert "differs from the path" in str(body["reasons"])


def test_deleting_an_unknown_organisation_is_404(officer: httpx.Client) -> None:
    error_of(officer.delete("/v1/organisations/no-such-org"), 404)


def test_an_import_returns_the_row_report(officer: httpx.Client) -> None:
    csv = "id,name,org_type,city,country\nzz-imp-1,Fraser Optics,startup,Calgary,CA\nzz-imp-2,,startup,Nowhere,XX\n"
    response = officer.post("/v1/imports", files={"file": ("new orgs.csv", csv.encode())}, data={"kind": "profiles"})
    report = response.json()
    assert (report["source"], report["rows"], report["imported"]) == ("new orgs.csv", 2, 1)
    assert [(problem["row"], problem["id"]) for problem in report["rejected"]] == [(3, "zz-imp-2")]
    assert officer.delete("/v1/organisations/zz-imp-1").status_code == 204


# Limits ------------------------------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_before_it_is_read(officer: httpx.Client) -> None:
    body = error_of(officer.post("/v1/search", json={"text": "a" * 2_000_000}), 413)
    assert "1,048,576 bytes" in str(body["message"])


def test_a_chunked_body_over_the_limit_is_413(officer: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(40):
            yield b"a" * 50_000
        yield b'"}'

    error_of(officer.post("/v1/search", content=chunks(), headers={"Content-Type": "application/json"}), 413)


def test_an_upload_over_its_limit_is_413(strict_url: str, keys: dict[str, str]) -> None:
    with client(strict_url, keys["officer"]) as http:
        error_of(http.post("/v1/imports", files={"file": ("big.csv", b"x" * 10_000)}), 413)


def test_a_key_over_its_rate_gets_429_with_retry_after(strict_url: str, keys: dict[str, str]) -> None:
    with client(strict_url, keys["limited"]) as http:
        statuses = [http.get("/v1/organisations", params={"limit": 1}).status_code for _ in range(3)]
        refused = http.get("/v1/organisations", params={"limit": 1})
    assert statuses[:2] == [200, 200]
    error_of(refused, 429)
    assert int(refused.headers["Retry-After"]) >= 1


# Curation ----------------------------------------------------------------------------------------------------------


def test_a_startup_key_gives_feedback_on_its_own_suggestions(startup: httpx.Client, matcher: Matcher) -> None:
    sent = {"asker_id": "dj-bio-001", "candidate_id": "ca-bio-002", "label": "contacted"}
    assert startup.post("/v1/feedback", json=sent).status_code == 204
    given = matcher.curation.feedback("dj-bio-001")
    assert given.iloc[-1][["candidate_id", "label", "user"]].tolist() == ["ca-bio-002", "contacted", "hanbit"]


def test_an_unknown_feedback_label_is_422(startup: httpx.Client) -> None:
    sent = {"asker_id": "dj-bio-001", "candidate_id": "ca-bio-002", "label": "love"}
    error_of(startup.post("/v1/feedback", json=sent), 422)


def test_a_shortlist_is_made_filled_and_guarded_against_lost_notes(officer: httpx.Client) -> None:
    made = officer.post("/v1/shortlists", json={"name": "Seattle visit"})
    assert made.status_code == 201 and made.json()["owner"] == "crm-officer"
    path = f"/v1/shortlists/{made.json()['id']}"
    entry = officer.put(f"{path}/entries/ma-bio-001", json={"stage": "contacted", "note": "call in May"}).json()
    assert [(e["profile_id"], e["stage"], e["note"]) for e in entry["entries"]] == [
        ("ma-bio-001", "contacted", "call in May")
    ]
    stale = officer.put(f"{path}/entries/ma-bio-001", json={"note": "call in June", "expected_note": "old"})
    error_of(stale, 409)
    error_of(officer.post("/v1/shortlists", json={"name": "Seattle visit"}), 409)
    assert officer.delete(path).status_code == 204
    error_of(officer.get(path), 404)


def test_an_entry_on_an_unknown_shortlist_is_404(officer: httpx.Client) -> None:
    error_of(officer.put("/v1/shortlists/999999/entries/ma-bio-001", json={"stage": "new"}), 404)


def test_notes_are_signed_with_the_keys_name(officer: httpx.Client) -> None:
    note = officer.post("/v1/organisations/ma-bio-001/notes", json={"text": "met at BIO Boston"}).json()
    assert (note["author"], note["text"]) == ("crm-officer", "met at BIO Boston")
    listed = officer.get("/v1/organisations/ma-bio-001/notes").json()
    assert note in listed
    assert officer.delete(f"/v1/notes/{note['id']}").status_code == 204


def test_jobs_are_for_officers_and_an_unknown_one_is_404(officer: httpx.Client, startup: httpx.Client) -> None:
    error_of(officer.get("/v1/jobs/" + "0" * 32), 404)
    error_of(startup.get("/v1/jobs/" + "0" * 32), 403)


def test_a_job_of_an_unknown_kind_is_422(officer: httpx.Client) -> None:
    error_of(officer.post("/v1/jobs", json={"kind": "delete-everything"}), 422)


# With the model ----------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_officer_key_gets_5_matches_with_the_fields_of_recommend_json(
    officer: httpx.Client, matcher: Matcher
) -> None:
    body = officer.get("/v1/organisations/dj-bio-001/matches", params={"k": 5}).json()
    assert len(body["results"]) == 5
    assert body == matcher.recommend("dj-bio-001", k=5).to_dict()


@pytest.mark.slow
def test_a_startup_key_gets_its_own_matches(startup: httpx.Client) -> None:
    body = startup.get("/v1/organisations/dj-bio-001/matches", params={"k": 5}).json()
    assert len(body["results"]) == 5


@pytest.mark.slow
def test_matches_take_the_filters_of_recommend(officer: httpx.Client) -> None:
    body = officer.get("/v1/organisations/dj-bio-001/matches", params={"k": 5, "city": "Seattle"}).json()
    assert body["results"] and {match["city"] for match in body["results"]} == {"Seattle"}


@pytest.mark.slow
def test_a_startup_key_never_reads_hidden_text_in_the_reasons_of_its_matches(
    officer: httpx.Client, startup: httpx.Client
) -> None:
    params = {"k": 20, "city": "Seattle"}
    as_officer = officer.get("/v1/organisations/dj-bio-001/matches", params=params).json()["results"]
    clone = next(match for match in as_officer if match["id"] == "zz-clone")
    assert any("sterile filling into vials" in reason for reason in clone["reasons"])  # there to be hidden
    as_startup = startup.get("/v1/organisations/dj-bio-001/matches", params=params).json()["results"]
    reasons = " ".join(next(match for match in as_startup if match["id"] == "zz-clone")["reasons"])
    # Its offers, its seeks, its sector (by label) and its technologies are hidden.
    hidden = ("sterile filling", "Innovative conjugate developers", "antibody-drug conjugates", "HIC purification")
    assert [text for text in hidden if text in reasons] == []


@pytest.mark.slow
def test_a_startup_keys_filters_never_pass_a_profile_on_a_hidden_sector(
    officer: httpx.Client, startup: httpx.Client
) -> None:
    params = {"k": 20, "sector": "quantum", "city": "Seattle"}
    as_officer = officer.get("/v1/organisations/dj-bio-001/matches", params=params).json()["results"]
    assert "zz-hidden" in [match["id"] for match in as_officer]
    as_startup = startup.get("/v1/organisations/dj-bio-001/matches", params=params).json()["results"]
    assert "zz-hidden" not in [match["id"] for match in as_startup]
    search = {"text": "trapped-ion qubits", "k": 10, "sector": ["quantum"], "facets": ["offers"]}
    assert "zz-hidden" not in [hit["id"] for hit in startup.post("/v1/search", json=search).json()["results"]]


@pytest.mark.slow
def test_a_startup_keys_search_never_matches_on_hidden_text(officer: httpx.Client, startup: httpx.Client) -> None:
    query = {"text": "Confidential xenon lattice pilot line for trapped-ion qubits", "k": 10}
    assert "zz-hidden" in [hit["id"] for hit in officer.post("/v1/search", json=query).json()["results"]]
    assert "zz-hidden" not in [hit["id"] for hit in startup.post("/v1/search", json=query).json()["results"]]


@pytest.mark.slow
def test_a_search_has_the_fields_of_search_json(officer: httpx.Client) -> None:
    query = {"text": "GMP manufacturing of antibody-drug conjugates", "k": 3, "country": ["ES"]}
    body = officer.post("/v1/search", json=query).json()
    assert body["query"] == query["text"]
    assert body["results"][0]["id"] == "ma-bio-001"
    fields = {"id", "name", "city", "country", "org_type", "score", "facet", "band", "listed_first"}
    assert set(body["results"][0]) == fields
    assert body["read_as"] == ""  # an English search is read as written
    assert body["looking_for"] == []  # and names no kind of organisation


@pytest.mark.slow
def test_a_search_for_a_kind_may_ask_for_hits_by_score_alone(officer: httpx.Client) -> None:
    query = {"text": "an early-stage investor for a legged robot startup", "k": 5}
    listed = officer.post("/v1/search", json=query).json()
    by_score = officer.post("/v1/search", json={**query, "kinds_first": False}).json()
    assert listed["looking_for"] == by_score["looking_for"] == ["investor"]
    assert (listed["kinds_first"], by_score["kinds_first"]) == (True, False)
    assert listed["results"][0]["listed_first"] and not any(hit["listed_first"] for hit in by_score["results"])


@pytest.mark.slow
def test_a_korean_search_says_how_the_glossary_read_it(officer: httpx.Client) -> None:
    body = officer.post("/v1/search", json={"text": "항체 약물 접합체 GMP 위탁생산", "k": 5}).json()
    assert "GMP" in body["read_as"] and "conjugate" in body["read_as"]
    assert "ma-bio-001" in [hit["id"] for hit in body["results"]]


@pytest.mark.slow
def test_similar_organisations_are_in_other_cities(officer: httpx.Client) -> None:
    body = officer.get("/v1/organisations/ma-bio-001/similar", params={"k": 3}).json()
    assert len(body["results"]) == 3 and all(match["city"] != "Málaga" for match in body["results"])


@pytest.mark.slow
def test_a_plan_gives_each_meeting_its_slot_and_reason(officer: httpx.Client) -> None:
    plan = {"visitors": ["dj-bio-001"], "hosts": ["ma-bio-001", "do-bio-001"], "slots": ["Tue 10:00", "Tue 11:00"]}
    body = officer.post("/v1/plans", json=plan).json()
    assert body["method"] == "optimal"
    met = {(m["host_id"], m["slot"]) for m in body["meetings"]}
    assert {host for host, _ in met} == {"ma-bio-001", "do-bio-001"} and len({slot for _, slot in met}) == 2
    assert all(m["reason"] and m["visitor"] == "Hanbit Bioworks" for m in body["meetings"])


@pytest.mark.slow
def test_a_build_job_reports_its_progress_and_result(officer: httpx.Client, matcher: Matcher) -> None:
    new = {"name": "Bow Valley Assays", "org_type": "sme", "city": "Calgary", "country": "CA",
           "description": "Potency assays.", "offers": "Cell-based potency assays under GLP."}  # fmt: skip
    assert officer.put("/v1/organisations/zz-job", json=new).json()["changed"]
    started = officer.post("/v1/jobs", json={"kind": "build"})
    assert started.status_code == 202
    job_id = started.json()["id"]
    deadline = time.monotonic() + 600
    while (job := officer.get(f"/v1/jobs/{job_id}").json())["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert job["state"] == "done", job["error"]
    assert job["result"]["profiles"] == matcher.stats()["profiles"] and job["result"]["added"] == 1
    assert (job["result"]["encoded"]["profile"], job["result"]["encoded"]["offers"]) == (1, 1)
    assert job["progress"]["stage"] in FACETS and job["progress"]["done"] == job["progress"]["total"] == 1
    assert officer.delete("/v1/organisations/zz-job").status_code == 204


# The command -------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_matcher_serve_answers_the_issues_done_when(tmp_path: Path) -> None:
    """`matcher serve --port P` on the demo workspace: 5 matches with a key, 401 without, 403 for a startup key
    asking for another organisation."""
    home = tmp_path / "ws"
    demo_workspace(home).close()
    created = subprocess.run(
        [sys.executable, "-m", "matcher", "--home", str(home), "api-key", "create", "crm", "--role", "officer"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    key = created.stdout.strip().splitlines()[-1]
    startup_key = Matcher(home).admin.create_api_key("hanbit", "startup", "dj-bio-001")[1]
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "matcher", "--home", str(home), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1/organisations/dj-bio-001/matches?k=5"
    try:
        deadline = time.monotonic() + 600
        while True:
            assert server.poll() is None and time.monotonic() < deadline, "matcher serve did not start"
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        answer = httpx.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=300)
        assert answer.status_code == 200 and len(answer.json()["results"]) == 5
        assert httpx.get(url, timeout=30).status_code == 401
        other = url.replace("dj-bio-001", "ma-bio-001")
        assert httpx.get(other, headers={"Authorization": f"Bearer {startup_key}"}, timeout=30).status_code == 403
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def test_serve_warns_loudly_when_bound_beyond_this_machine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked without serving: the operating system refuses the address (TEST-NET-1 is no interface of this
    machine), after the warning."""
    monkeypatch.setenv("_MATCHER_SERVE", "")  # serve() leaves its options there; restored after the test
    home = tmp_path / "ws"
    Matcher(home).close()
    with pytest.raises(SystemExit):  # uvicorn exits when it cannot bind
        main(["--home", str(home), "serve", "--host", "192.0.2.1", "--port", str(_free_port())])
    err = capsys.readouterr().err
    assert "WARNING: the API listens on 192.0.2.1" in err and "TLS proxy" in err
