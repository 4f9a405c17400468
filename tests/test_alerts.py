"""Saved searches and alerts without the model: the rules of matcher/alerts.py, saving and listing through the
service and the policy, the inbox's per-user walls, the store's one-alert-per-search-and-profile key, and the
migration from revision 0005.

Checks that match profiles (and so load the model) are in tests/test_alerts_check.py; webhook and e-mail deliveries
in tests/test_alerts_delivery.py; the REST endpoints in tests/test_alerts_api.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic import command

from matcher import migrations
from matcher.alerts import (
    MAX_SAVED_PER_USER,
    MAX_URL_CHARS,
    RetryPolicy,
    check_email,
    check_webhook_url,
    filters_from_json,
    filters_to_json,
    sign,
    verify,
    webhook_body,
)
from matcher.api import Matcher
from matcher.auth import AccessDenied, User
from matcher.errors import InputError, NotFoundError
from matcher.filters import Filters
from matcher.policy import Access
from matcher.store import Store, StoreError

MINA = User("mina", "officer")
JONAS = User("jonas", "officer")
HANBIT = User("hanbit", "startup", org_id="dj-bio-001")

PROFILES = [
    {"id": "dj-bio-001", "name": "Hanbit Bioworks", "org_type": "startup", "city": "Daejeon", "country": "KR",
     "seeks": "GMP fill-finish for antibody-drug conjugates"},
    {"id": "ma-bio-001", "name": "Biomédica Costa del Sol", "org_type": "sme", "city": "Málaga", "country": "ES",
     "offers": "Aseptic fill-finish of conjugates"},
]  # fmt: skip


@pytest.fixture
def matcher(tmp_path: Path) -> Matcher:
    """A workspace with two profiles, never indexed (saving and listing need no model)."""
    m = Matcher(tmp_path / "ws")
    assert m.importer.upsert(PROFILES).imported == 2
    return m


def alert_row(saved_id: int, owner: str, profile_id: str = "ma-bio-001") -> dict[str, object]:
    """An alert as a check stores it."""
    return {"saved_search_id": saved_id, "owner": owner, "profile_id": profile_id, "score": 0.8, "band": "strong",
            "reasons": ("Offers aseptic fill-finish.",)}  # fmt: skip


# The rules --------------------------------------------------------------------------------------------------------


def test_a_signature_verifies_with_the_secret_and_with_no_other() -> None:
    body = webhook_body({"id": 1}, delivery_id=9, sent_at=1_765_000_000)
    assert verify("s3cret", body, sign("s3cret", body))
    assert not verify("other", body, sign("s3cret", body))
    assert not verify("s3cret", body.replace(b"1765000000", b"1765000999"), sign("s3cret", body))


def test_the_body_carries_the_timestamp_that_the_signature_covers() -> None:
    body = webhook_body({"id": 1}, delivery_id=9, sent_at=1_765_000_000)
    assert b'"sent_at": 1765000000' in body and b'"delivery": 9' in body


def test_retries_back_off_exponentially_and_stop() -> None:
    policy = RetryPolicy(max_attempts=4, base_seconds=10, factor=3, max_delay_seconds=60)
    assert [policy.delay(n) for n in range(1, 5)] == [10, 30, 60, None]


def test_a_retry_policy_that_cannot_work_is_refused() -> None:
    with pytest.raises(ValueError, match="max_attempts >= 1"):
        RetryPolicy(max_attempts=0)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://crm.example/x", "https://", "crm.example/hook", "https://user:pw@crm.example/x",
     "https://crm.example/a b", "https://crm.example:port/x", "https://crm.example/" + "x" * MAX_URL_CHARS],
)  # fmt: skip
def test_only_bounded_http_and_https_webhook_urls_are_taken(url: str) -> None:
    with pytest.raises(InputError):
        check_webhook_url(url)


def test_an_http_url_on_loopback_is_a_webhook_where_private_hosts_are_allowed() -> None:
    assert check_webhook_url(" http://127.0.0.1:8080/hook ", allow_private=True) == "http://127.0.0.1:8080/hook"


@pytest.mark.parametrize(
    "address", ["mina", "mina@", "mina@agency", "a b@agency.example", "x@y.z, z@y.z", "a" * 250 + "@x.io"]
)
def test_what_is_not_one_email_address_is_refused(address: str) -> None:
    with pytest.raises(InputError, match="e-mail address"):
        check_email(address)


def test_filters_survive_the_store() -> None:
    filters = Filters.from_user(country=["Spain"], org_type=["SME"], city=["München"])
    assert filters_from_json(filters_to_json(filters)) == filters
    assert filters_from_json(filters_to_json(None)) == Filters()


# Saving and listing -----------------------------------------------------------------------------------------------


def test_a_saved_search_is_listed_with_its_filters(matcher: Matcher) -> None:
    access = Access(matcher, MINA)
    saved = access.save_search(" ADC in Spain ", text="GMP fill-finish", filters=Filters.from_user(country=["ES"]))
    assert [s.to_dict() for s in access.saved_searches()] == [
        {"id": saved.id, "name": "ADC in Spain", "kind": "search", "text": "GMP fill-finish", "org_id": None,
         "filters": {"country": ["ES"]}, "created_at": saved.created_at}
    ]  # fmt: skip


def test_a_saved_recommendation_names_its_organisation(matcher: Matcher) -> None:
    saved = Access(matcher, HANBIT).save_search("Partners", org_id="dj-bio-001")
    assert (saved.kind, saved.org_id, saved.owner_role, saved.owner_org_id) == (
        "recommend", "dj-bio-001", "startup", "dj-bio-001"
    )


def test_a_startup_saves_recommendations_for_its_own_organisation_only(matcher: Matcher) -> None:
    with pytest.raises(AccessDenied, match="its own organisation"):
        Access(matcher, HANBIT).save_search("Spy", org_id="ma-bio-001")


def test_a_recommendation_for_an_unknown_organisation_is_refused(matcher: Matcher) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        Access(matcher, MINA).save_search("Ghost", org_id="nope")


@pytest.mark.parametrize(
    ("name", "given", "message"),
    [("", {"text": "x"}, "name of 1 to 100"), ("x" * 101, {"text": "x"}, "name of 1 to 100"),
     ("Both", {"text": "x", "org_id": "dj-bio-001"}, "not both"), ("Neither", {}, "not both"),
     ("Long", {"text": "x" * 2_001}, "above the limit"), ("Blank", {"text": "  "}, "empty")],
)  # fmt: skip
def test_what_cannot_be_saved_is_refused_with_the_reason(
    matcher: Matcher, name: str, given: dict[str, str], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        Access(matcher, MINA).save_search(name, **given)


def test_a_name_is_saved_once_per_user(matcher: Matcher) -> None:
    Access(matcher, MINA).save_search("ADC", text="ADC")
    with pytest.raises(StoreError, match="already a saved search named 'ADC'"):
        Access(matcher, MINA).save_search("ADC", text="other")
    assert Access(matcher, JONAS).save_search("ADC", text="ADC").name == "ADC"


def test_a_user_keeps_a_bounded_number_of_saved_searches(matcher: Matcher) -> None:
    access = Access(matcher, MINA)
    for n in range(MAX_SAVED_PER_USER):
        access.save_search(f"search {n}", text=f"topic {n}")
    with pytest.raises(StoreError, match=f"{MAX_SAVED_PER_USER} saved searches, the most allowed"):
        access.save_search("one more", text="topic")


def test_another_users_saved_search_is_neither_listed_nor_removable(matcher: Matcher) -> None:
    saved = Access(matcher, MINA).save_search("Mine", text="GMP fill-finish")
    assert Access(matcher, JONAS).saved_searches() == []
    with pytest.raises(NotFoundError, match=f"no saved search with id {saved.id}"):
        Access(matcher, JONAS).remove_saved_search(saved.id)
    assert [s.id for s in Access(matcher, MINA).saved_searches()] == [saved.id]


def test_removing_a_saved_search_removes_its_alerts(matcher: Matcher) -> None:
    access = Access(matcher, MINA)
    saved = access.save_search("Mine", text="GMP fill-finish")
    matcher.store.add_alerts([alert_row(saved.id, saved.owner)], email=False)
    access.remove_saved_search(saved.id)
    assert access.alerts() == [] and access.saved_searches() == []


# The inbox --------------------------------------------------------------------------------------------------------


def test_an_alert_is_stored_once_per_saved_search_and_profile(matcher: Matcher) -> None:
    saved = Access(matcher, MINA).save_search("Mine", text="GMP fill-finish")
    first = matcher.store.add_alerts([alert_row(saved.id, saved.owner)], email=False)
    again = matcher.store.add_alerts([alert_row(saved.id, saved.owner), alert_row(saved.id, saved.owner)], email=False)
    assert len(first) == 1 and again == []
    assert len(Access(matcher, MINA).alerts()) == 1


def test_another_users_alert_is_invisible_and_cannot_be_marked_read(matcher: Matcher) -> None:
    saved = Access(matcher, MINA).save_search("Mine", text="GMP fill-finish")
    [alert_id] = matcher.store.add_alerts([alert_row(saved.id, saved.owner)], email=False)
    jonas = Access(matcher, JONAS)
    assert jonas.alerts() == [] and jonas.unread_alerts() == 0
    assert jonas.mark_alerts_read([alert_id]) == 0
    assert Access(matcher, MINA).unread_alerts() == 1


def test_reading_an_alert_marks_it_and_only_it(matcher: Matcher) -> None:
    access = Access(matcher, MINA)
    saved = access.save_search("Mine", text="GMP fill-finish")
    first, _ = matcher.store.add_alerts(
        [alert_row(saved.id, saved.owner), alert_row(saved.id, saved.owner, "dj-bio-001")], email=False
    )
    assert access.mark_alerts_read([first]) == 1
    assert access.unread_alerts() == 1
    assert [alert.profile_id for alert in access.alerts(unread_only=True)] == ["dj-bio-001"]


def test_an_alert_carries_its_search_profile_score_and_reasons(matcher: Matcher) -> None:
    saved = Access(matcher, MINA).save_search("Fill-finish", text="GMP fill-finish")
    matcher.store.add_alerts([alert_row(saved.id, saved.owner)], email=False)
    [alert] = Access(matcher, MINA).alerts()
    assert (alert.saved_search, alert.kind, alert.profile_name, alert.city, alert.score, alert.reasons) == (
        "Fill-finish", "search", "Biomédica Costa del Sol", "Málaga", 0.8, ("Offers aseptic fill-finish.",)
    )


def test_a_new_alert_is_queued_for_each_channel_its_owner_set(matcher: Matcher) -> None:
    access = Access(matcher, MINA)
    access.set_webhook("https://crm.example/hook")
    access.set_alert_email("mina@agency.example")
    saved = access.save_search("Mine", text="GMP fill-finish")
    matcher.store.add_alerts([alert_row(saved.id, saved.owner)], email=True)
    queued = {(d["channel"], d["target"], d["status"]) for d in access.alert_deliveries()}
    assert queued == {("webhook", "https://crm.example/hook", "pending"), ("email", "mina@agency.example", "pending")}


def test_channels_never_show_the_webhook_secret(matcher: Matcher) -> None:
    access = Access(matcher, MINA)
    secret = access.set_webhook("https://crm.example/hook")
    assert len(secret) >= 40 and secret not in str(access.alert_channels())
    assert access.alert_channels()["webhook_url"] == "https://crm.example/hook"


def test_registering_again_gives_a_new_secret(matcher: Matcher) -> None:
    access = Access(matcher, MINA)
    assert access.set_webhook("https://crm.example/hook") != access.set_webhook("https://crm.example/hook")


# Migration --------------------------------------------------------------------------------------------------------


def store_at_0005(target: Path | str) -> Store:
    """A store brought to revision 0005 (the release before saved searches), holding one profile."""
    store = Store(target)
    with store.transaction() as conn:
        command.downgrade(migrations.alembic_config(conn), "0005")
    store.upsert_profiles(pd.DataFrame([PROFILES[0]]))
    store.close()
    return store


def test_a_store_at_0005_is_upgraded_with_its_data(target: Path | str) -> None:
    store_at_0005(target)
    upgraded = Store(target)
    with upgraded.transaction() as conn:
        assert migrations.current(conn) == {migrations.head()}
        assert not {"saved_searches", "alerts", "alert_deliveries"} - set(sa.inspect(conn).get_table_names())
    assert upgraded.get_profile("dj-bio-001") is not None
    saved_id = upgraded.add_saved_search(
        {"owner": "user:mina", "owner_role": "officer", "name": "ADC", "kind": "search", "text": "ADC"},
        max_per_owner=5,
    )
    assert upgraded.add_alerts([alert_row(saved_id, "user:mina", "dj-bio-001")], email=False) != []
    upgraded.close()
