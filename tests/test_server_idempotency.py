"""Idempotent retries of the REST API (``Idempotency-Key``), over HTTP against real uvicorn servers (tests/serving.py).

Two servers over one workspace, each with its own :class:`~matcher.api.Matcher` (its own connection pool), stand for
two workers of ``matcher serve --workers 2``: the store is their one truth. Only calls that need no index are made
(notes, feedback, profiles), so no model is loaded.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from serving import demo_workspace, running

from matcher import migrations
from matcher.api import Matcher
from matcher.server import create_app
from matcher.server.idempotency import HEADER, REPLAYED_HEADER, fingerprint
from matcher.service.idempotency import RETENTION, Idempotency
from matcher.store import IdempotencyConflict, IdempotentRequest, Store, idempotency_keys_table, notes_table

NOTES = "/v1/organisations/dj-bio-001/notes"
FEEDBACK = {"asker_id": "dj-bio-001", "candidate_id": "ma-bio-001", "label": "relevant"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("idempotency-ws")
    demo_workspace(folder).close()
    return folder


@pytest.fixture(scope="module")
def matcher(home: Path) -> Iterator[Matcher]:
    m = Matcher(home)
    yield m
    m.close()


@pytest.fixture(scope="module")
def keys(matcher: Matcher) -> dict[str, str]:
    return {
        "crm": matcher.admin.create_api_key("crm", "officer")[1],
        "other": matcher.admin.create_api_key("other-crm", "officer")[1],
    }


@pytest.fixture(scope="module")
def workers(home: Path, keys: dict[str, str]) -> Iterator[tuple[str, str]]:
    """The base URLs of two servers over the workspace, each with a matcher of its own."""
    first, second = Matcher(home), Matcher(home)
    with running(create_app(first)) as one, running(create_app(second)) as two:
        yield one, two
    first.close()
    second.close()


@pytest.fixture
def crm(workers: tuple[str, str], keys: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=workers[0], headers={"Authorization": f"Bearer {keys['crm']}"}, timeout=60) as http:
        yield http


def new_key() -> dict[str, str]:
    return {HEADER: str(uuid.uuid4())}


def note_count(matcher: Matcher, text: str) -> int:
    return int((matcher.store.notes("dj-bio-001")["text"] == text).sum())


def test_a_retry_gets_the_first_answer_and_stores_one_note(crm: httpx.Client, matcher: Matcher) -> None:
    key = new_key()
    first = crm.post(NOTES, json={"text": "retried once"}, headers=key)
    retry = crm.post(NOTES, json={"text": "retried once"}, headers=key)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert note_count(matcher, "retried once") == 1


def test_only_the_replayed_answer_says_so(crm: httpx.Client) -> None:
    key = new_key()
    first = crm.post(NOTES, json={"text": "said so"}, headers=key)
    retry = crm.post(NOTES, json={"text": "said so"}, headers=key)
    assert REPLAYED_HEADER not in first.headers
    assert retry.headers[REPLAYED_HEADER] == "true"


def test_the_same_key_with_another_body_gets_422(crm: httpx.Client, matcher: Matcher) -> None:
    key = new_key()
    crm.post(NOTES, json={"text": "first body"}, headers=key)
    other = crm.post(NOTES, json={"text": "second body"}, headers=key)
    assert other.status_code == 422
    assert HEADER in other.json()["message"]
    assert note_count(matcher, "second body") == 0


def test_the_same_key_on_another_path_gets_422(crm: httpx.Client) -> None:
    key = new_key()
    crm.post(NOTES, json={"text": "on one path"}, headers=key)
    assert crm.post("/v1/organisations/ma-bio-001/notes", json={"text": "on one path"}, headers=key).status_code == 422


def test_the_same_json_written_differently_is_the_same_request(crm: httpx.Client, matcher: Matcher) -> None:
    key = {**new_key(), "Content-Type": "application/json"}
    crm.post(NOTES, content=b'{"text": "spaced"}', headers=key)
    assert crm.post(NOTES, content=b'{"text":"spaced"}', headers=key).status_code == 201
    assert note_count(matcher, "spaced") == 1


def test_without_the_header_each_post_stores_a_note(crm: httpx.Client, matcher: Matcher) -> None:
    crm.post(NOTES, json={"text": "no key"})
    crm.post(NOTES, json={"text": "no key"})
    assert note_count(matcher, "no key") == 2


def test_a_retry_on_the_other_worker_gets_the_first_answer(
    workers: tuple[str, str], keys: dict[str, str], matcher: Matcher
) -> None:
    key = {**new_key(), "Authorization": f"Bearer {keys['crm']}"}
    first = httpx.post(workers[0] + NOTES, json={"text": "two workers"}, headers=key)
    retry = httpx.post(workers[1] + NOTES, json={"text": "two workers"}, headers=key)
    assert retry.json()["id"] == first.json()["id"]
    assert note_count(matcher, "two workers") == 1


def test_retried_feedback_is_stored_once(crm: httpx.Client, matcher: Matcher) -> None:
    key = new_key()
    body = {**FEEDBACK, "reason": f"once {key[HEADER]}"}
    answers = [crm.post("/v1/feedback", json=body, headers=key) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [204, 204]
    assert (matcher.store.feedback("dj-bio-001")["reason"] == body["reason"]).sum() == 1


def test_each_api_key_has_its_own_idempotency_keys(
    crm: httpx.Client, workers: tuple[str, str], keys: dict[str, str], matcher: Matcher
) -> None:
    key = new_key()
    crm.post(NOTES, json={"text": "per api key"}, headers=key)
    other = httpx.post(
        workers[0] + NOTES, json={"text": "per api key"}, headers={**key, "Authorization": f"Bearer {keys['other']}"}
    )
    assert other.status_code == 201 and REPLAYED_HEADER not in other.headers
    assert note_count(matcher, "per api key") == 2


def test_a_refused_request_does_not_keep_its_key(crm: httpx.Client) -> None:
    key = new_key()
    profile = {"name": "Late Labs", "org_type": "startup", "city": "Seattle", "country": "US"}
    assert crm.post("/v1/organisations/zz-late/notes", json={"text": "too early"}, headers=key).status_code == 404
    assert crm.put("/v1/organisations/zz-late", json=profile).status_code == 200
    assert crm.post("/v1/organisations/zz-late/notes", json={"text": "too early"}, headers=key).status_code == 201


def test_a_request_without_a_valid_api_key_is_refused_before_any_replay(
    crm: httpx.Client, workers: tuple[str, str]
) -> None:
    key = new_key()
    crm.post(NOTES, json={"text": "mine only"}, headers=key)
    stranger = httpx.post(workers[0] + NOTES, json={"text": "mine only"}, headers={**key, "Authorization": "Bearer x"})
    assert stranger.status_code == 401


@pytest.mark.parametrize("bad", [b"", b"k" * 256, "clé".encode()])
def test_a_malformed_key_gets_400(crm: httpx.Client, bad: bytes) -> None:
    answer = crm.post(NOTES, json={"text": "bad key"}, headers={HEADER.encode(): bad})
    assert answer.status_code == 400
    assert "printable" in answer.json()["message"]


def test_a_key_older_than_a_day_is_a_new_request(crm: httpx.Client, matcher: Matcher) -> None:
    key = new_key()
    crm.post(NOTES, json={"text": "a day later"}, headers=key)
    t = idempotency_keys_table
    long_ago = (datetime.now(UTC) - RETENTION - timedelta(minutes=1)).isoformat(timespec="seconds")
    with matcher.store.transaction() as conn:
        conn.execute(t.update().where(t.c.idempotency_key == key[HEADER]).values(created_at=long_ago))
    assert REPLAYED_HEADER not in crm.post(NOTES, json={"text": "a day later"}, headers=key).headers
    assert note_count(matcher, "a day later") == 2


def test_a_request_whose_answer_was_lost_is_not_carried_out_again(
    crm: httpx.Client, matcher: Matcher, keys: dict[str, str]
) -> None:
    # As when a worker dies between its commit and its answer: the key is stored with the write, no answer kept.
    key = new_key()
    body = b'{"text":"answer lost"}'
    digest = fingerprint("POST", NOTES, "", "application/json", body)
    owner = keys["crm"].split("_")[1]  # the key's public id: mk_<key_id>_<secret>
    with Idempotency(matcher.context).running(IdempotentRequest(owner, key[HEADER], digest, "dead", "2000-01-01")):
        matcher.store.add_note("dj-bio-001", "answer lost", author="crm")
    retry = crm.post(NOTES, content=body, headers={**key, "Content-Type": "application/json"})
    assert retry.status_code == 409
    assert "not carried out again" in retry.json()["message"]
    assert note_count(matcher, "answer lost") == 1


def test_the_openapi_document_describes_the_header_where_it_is_honoured(crm: httpx.Client) -> None:
    paths = crm.get("/openapi.json").json()["paths"]

    def headers(path: str, method: str) -> list[str]:
        return [p["name"] for p in paths[path][method].get("parameters", []) if p["in"] == "header"]

    assert HEADER in headers("/v1/organisations/{profile_id}/notes", "post")
    assert HEADER in headers("/v1/shortlists", "post")
    assert HEADER not in headers("/v1/shortlists/{shortlist_id}/entries/{profile_id}", "put")  # idempotent already
    assert HEADER not in headers("/v1/organisations/{profile_id}/notes", "get")
    assert HEADER not in headers("/v1/search", "post")


# The store: one truth for every worker, on SQLite and PostgreSQL ---------------------------------------------------


def claim(request_id: str) -> IdempotentRequest:
    return IdempotentRequest("crm", "k-1", "f" * 64, request_id, "2000-01-01T00:00:00+00:00")


def test_a_concurrent_duplicate_waits_and_its_write_is_rolled_back(target: Path | str) -> None:
    store = Store(target)
    outcome: list[BaseException | None] = []

    def duplicate() -> None:
        try:
            with store.idempotent(claim("second")):
                store.add_note("dj-bio-001", "concurrent")
            outcome.append(None)
        except IdempotencyConflict as conflict:
            outcome.append(conflict)

    with store.idempotent(claim("first")), store.transaction() as conn:
        conn.execute(notes_table.insert().values(profile_id="dj-bio-001", text="concurrent", created_at="2026-12-07"))
        racing = threading.Thread(target=duplicate)
        racing.start()  # its transaction waits for this one's, which holds the key
    racing.join(timeout=60)
    assert outcome and isinstance(outcome[0], IdempotencyConflict)
    assert (store.notes("dj-bio-001")["text"] == "concurrent").sum() == 1
    store.close()


def test_an_expired_key_is_taken_over_by_a_new_request(target: Path | str) -> None:
    store = Store(target)
    with store.idempotent(claim("old")):
        store.add_note("a", "old")
    later = IdempotentRequest("crm", "k-1", "e" * 64, "new", "9999-01-01T00:00:00+00:00")  # everything expired
    with store.idempotent(later):
        store.add_note("a", "new")
    assert store.idempotency_key("crm", "k-1", not_before="2000")["request_id"] == "new"
    store.close()


def test_expired_keys_are_pruned_and_fresh_ones_kept(target: Path | str) -> None:
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    store = Store(target)
    t = idempotency_keys_table
    with store.transaction() as conn:
        for key, hours in (("old", 25), ("fresh", 23)):
            created = (now - timedelta(hours=hours)).isoformat(timespec="seconds")
            conn.execute(
                t.insert().values(owner="crm", idempotency_key=key, fingerprint="f", request_id="r", created_at=created)
            )
    assert store.prune_idempotency_keys((now - RETENTION).isoformat(timespec="seconds")) == 1
    assert store.idempotency_key("crm", "fresh", not_before="2000") is not None
    store.close()


def test_a_store_at_0006_is_upgraded_with_its_data(target: Path | str) -> None:
    store = Store(target)
    with store.transaction() as conn:
        command.downgrade(migrations.alembic_config(conn), "0006")
    store.add_note("dj-bio-001", "kept")
    store.close()
    upgraded = Store(target)
    with upgraded.transaction() as conn:
        assert migrations.current(conn) == {migrations.head()}
        assert "idempotency_keys" in sa.inspect(conn).get_table_names()
    assert upgraded.notes()["text"].tolist() == ["kept"]
    with upgraded.idempotent(claim("after")):
        upgraded.add_note("dj-bio-001", "after the upgrade")
    assert upgraded.idempotency_key("crm", "k-1", not_before="2000") is not None
    upgraded.close()


@pytest.mark.postgres
def test_a_retry_on_postgresql_gets_the_first_answer(postgres_url: str, tmp_path: Path) -> None:
    from matcher.config import Settings

    matcher = Matcher(settings=Settings.load(home=tmp_path / "pg-ws", database_url=postgres_url))
    matcher.importer.upsert(
        [{"id": "dj-bio-001", "name": "Hanbit", "org_type": "startup", "city": "Daejeon", "country": "KR"}],
        source="test",
    )
    token = matcher.admin.create_api_key("crm", "officer")[1]
    key = {**new_key(), "Authorization": f"Bearer {token}"}
    with running(create_app(matcher)) as url:
        first = httpx.post(url + NOTES, json={"text": "on postgres"}, headers=key)
        retry = httpx.post(url + NOTES, json={"text": "on postgres"}, headers=key)
    assert retry.json() == first.json() and retry.headers[REPLAYED_HEADER] == "true"
    assert note_count(matcher, "on postgres") == 1
    matcher.close()


def test_a_new_key_under_a_revoked_keys_name_never_replays_its_answers(
    workers: tuple[str, str], matcher: Matcher
) -> None:
    key = new_key()
    body = {**FEEDBACK, "reason": f"renamed {key[HEADER]}"}
    before = matcher.admin.create_api_key("renamed", "officer")[1]
    httpx.post(workers[0] + "/v1/feedback", json=body, headers={**key, "Authorization": f"Bearer {before}"})
    matcher.admin.revoke_api_key("renamed")
    after = matcher.admin.create_api_key("renamed", "startup", "dj-bio-001")[1]
    again = httpx.post(workers[0] + "/v1/feedback", json=body, headers={**key, "Authorization": f"Bearer {after}"})
    assert again.status_code == 204 and REPLAYED_HEADER not in again.headers
