"""Owners of saved searches, alerts and alert channels (issue #14 follow-up): an app account (``user:<name>``) and an
API key (``key:<key id>``) are apart even when they share a name, through the service, the real REST server on
loopback, the command line and the export; a key made again under a revoked key's name starts with nothing, and a
revoked key's pending deliveries are not sent. Revision 0008 rewrites the bare names of a v0007 store.

No model is loaded: alerts are stored as a check stores them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic import command
from serving import client, error_of, running
from test_alerts_api import PROFILES
from test_alerts_delivery import NOW, Receiver

from matcher import migrations
from matcher.alerts import split_owner
from matcher.api import Matcher
from matcher.auth import User, add_user, users_path
from matcher.backup import export_user_data
from matcher.cli import main
from matcher.config import Settings
from matcher.errors import NotFoundError
from matcher.policy import Access
from matcher.server import create_app
from matcher.service.keys import KeyRing, key_id_of
from matcher.store import Store, alert_channels_table, alerts_table, saved_searches_table

OFFICER = User("mina", "officer")
"""An officer's app account, named as the startup key below."""


def alert(saved_id: int, owner: str) -> dict[str, object]:
    """An alert on Biomédica as a check stores it."""
    return {"saved_search_id": saved_id, "owner": owner, "profile_id": "ma-bio-001", "score": 0.8, "band": "strong",
            "reasons": ("Its offer matches the search.",)}  # fmt: skip


@pytest.fixture
def matcher(workspace: Path) -> Iterator[Matcher]:
    """The workspace (MATCHER_HOME) with two profiles, the officer account ``mina`` with a saved search, one alert on
    it and a webhook, and a startup API key also named ``mina`` (:func:`as_key`)."""
    m = Matcher(workspace)
    m.importer.upsert(PROFILES)
    add_user(users_path(workspace), "mina", "officer", "correct horse battery", iterations=1_000)
    officer = Access(m, OFFICER)
    saved = officer.save_search("Fill-finish", text="aseptic fill-finish")
    m.store.add_alerts([alert(saved.id, saved.owner)], email=False)
    officer.set_webhook("https://crm.example/officer-only")
    # Admin refuses a key named like an account now; workspaces from before hold such pairs.
    TOKENS[m] = KeyRing(m.context).create("mina", "startup", "dj-bio-001")[1]
    yield m
    m.close()


TOKENS: dict[Matcher, str] = {}
"""The startup key ``mina`` of each workspace the fixture made."""


def as_key(m: Matcher) -> Access:
    """The policy as the startup key ``mina`` acts (what the REST server builds for its requests)."""
    user = m.admin.api_key_user(TOKENS[m])
    assert user is not None
    return Access(m, user, key_id=key_id_of(TOKENS[m]))


def test_an_account_and_a_key_own_in_namespaces_of_their_own(matcher: Matcher) -> None:
    key_id = key_id_of(TOKENS[matcher])
    assert (Access(matcher, OFFICER).owner, as_key(matcher).owner) == ("user:mina", f"key:{key_id}")
    assert split_owner(as_key(matcher).owner) == ("key", key_id)


# Through the service ----------------------------------------------------------------------------------------------


def test_a_key_named_like_an_account_sees_none_of_its_saved_searches_alerts_or_webhook(matcher: Matcher) -> None:
    key = as_key(matcher)
    assert key.saved_searches() == [] and key.alerts() == [] and key.unread_alerts() == 0
    assert key.alert_channels()["webhook_url"] is None and key.alert_deliveries() == []


def test_a_key_named_like_an_account_can_neither_remove_nor_read_its_alerts(matcher: Matcher) -> None:
    [saved] = Access(matcher, OFFICER).saved_searches()
    [found] = Access(matcher, OFFICER).alerts()
    with pytest.raises(NotFoundError):
        as_key(matcher).remove_saved_search(saved.id)
    assert as_key(matcher).mark_alerts_read([found.id]) == 0
    assert Access(matcher, OFFICER).unread_alerts() == 1


def test_an_account_sees_nothing_of_the_key_of_its_name(matcher: Matcher) -> None:
    key = as_key(matcher)
    key.save_search("Partners", org_id="dj-bio-001")
    key.set_webhook("https://crm.example/hanbit")
    officer = Access(matcher, OFFICER)
    assert [s.name for s in officer.saved_searches()] == ["Fill-finish"]
    assert officer.alert_channels()["webhook_url"] == "https://crm.example/officer-only"


def test_the_same_saved_search_name_is_free_for_each(matcher: Matcher) -> None:
    assert as_key(matcher).save_search("Fill-finish", text="fill-finish").name == "Fill-finish"


def test_a_key_made_again_under_a_revoked_name_starts_with_nothing(matcher: Matcher) -> None:
    as_key(matcher).save_search("Partners", org_id="dj-bio-001")
    matcher.admin.revoke_api_key("mina")
    token = KeyRing(matcher.context).create("mina", "officer")[1]
    again = Access(matcher, User("mina", "officer"), key_id=key_id_of(token))
    assert again.saved_searches() == [] and again.alerts() == []


def test_a_revoked_keys_pending_delivery_is_not_sent(tmp_path: Path) -> None:
    m = Matcher(settings=Settings.load(home=tmp_path / "ws", webhook_allow_private=True))  # the receiver's loopback
    m.importer.upsert(PROFILES)
    token = m.admin.create_api_key("crm", "officer")[1]
    key = Access(m, User("crm", "officer"), key_id=key_id_of(token))
    with Receiver([]) as receiver:
        key.set_webhook(receiver.url)
        saved = key.save_search("Fill-finish", text="aseptic fill-finish")
        m.store.add_alerts([alert(saved.id, saved.owner)], email=False)
        m.admin.revoke_api_key("crm")
        assert m.alerts.deliver(retry=NOW).retrying == 1
    assert receiver.requests == []
    [delivery] = key.alert_deliveries()
    assert delivery["last_error"] == "its owner may no longer receive alerts (a revoked API key)"


# Through the REST server ------------------------------------------------------------------------------------------


def test_over_rest_a_key_named_like_an_account_gets_none_of_its_alerts(matcher: Matcher) -> None:
    [saved] = Access(matcher, OFFICER).saved_searches()
    [found] = Access(matcher, OFFICER).alerts()
    with running(create_app(matcher)) as base_url, client(base_url, TOKENS[matcher]) as http:
        assert http.get("/v1/saved-searches").json() == []
        assert http.get("/v1/alerts").json() == {"unread": 0, "items": []}
        assert http.get("/v1/alerts/deliveries").json() == []
        assert http.post("/v1/alerts/read", json={"ids": [found.id]}).json() == {"marked": 0}
        error_of(http.delete(f"/v1/saved-searches/{saved.id}"), 404)
        made = http.post("/v1/saved-searches", json={"name": "Partners", "org_id": "dj-bio-001"})
        assert made.status_code == 201, made.text
    assert [s.name for s in Access(matcher, OFFICER).saved_searches()] == ["Fill-finish"]
    assert Access(matcher, OFFICER).unread_alerts() == 1
    assert [s.name for s in as_key(matcher).saved_searches()] == ["Partners"]


# Through the command line and the export --------------------------------------------------------------------------


def test_the_cli_asks_which_when_an_account_and_a_key_share_the_name(
    matcher: Matcher, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["saved", "list", "--owner", "mina"]) == 2
    assert "say --owner user:mina or --owner key:mina" in capsys.readouterr().err


def test_the_cli_lists_the_account_or_the_key_as_told(matcher: Matcher, capsys: pytest.CaptureFixture[str]) -> None:
    as_key(matcher).save_search("Partners", org_id="dj-bio-001")
    names = {}
    for owner in ("user:mina", "key:mina"):
        assert main(["saved", "list", "--owner", owner, "--json"]) == 0
        names[owner] = [s["name"] for s in json.loads(capsys.readouterr().out)]
    assert names == {"user:mina": ["Fill-finish"], "key:mina": ["Partners"]}


def test_a_names_export_tells_the_account_and_the_key_apart(matcher: Matcher) -> None:
    as_key(matcher).save_search("Partners", org_id="dj-bio-001")
    data = export_user_data(matcher.store, user="mina")
    key_owner = as_key(matcher).owner
    assert sorted((s["owner"], s["name"]) for s in data["saved_searches"]) == [
        (key_owner, "Partners"), ("user:mina", "Fill-finish")
    ]  # fmt: skip
    assert [a["owner"] for a in data["alerts"]] == ["user:mina"]
    assert [c["owner"] for c in data["alert_channels"]] == ["user:mina"]


# Revision 0008: the bare names of a v0007 store ------------------------------------------------------------------


def key(store: Store, name: str, key_id: str, role: str, org_id: str | None = None) -> None:
    store.add_api_key({"name": name, "key_id": key_id, "key_hash": "0" * 64, "role": role, "org_id": org_id,
                       "created_at": "2026-12-01T00:00:00+00:00"})  # fmt: skip


def saved(store: Store, owner: str, name: str, role: str = "officer", org_id: str | None = None) -> int:
    values = {"owner": owner, "owner_role": role, "owner_org_id": org_id, "name": name, "kind": "search",
              "text": name}  # fmt: skip
    saved_id = store.add_saved_search(values, max_per_owner=20)
    store.add_alerts([alert(saved_id, owner)], email=False)
    return saved_id


def store_at_0007(target: Path | str) -> Store:
    """A store at revision 0007 with bare owners: ``olga`` (an account: no key has the name), ``crm`` (an officer
    key), and ``mina``, both an officer's account and a startup key; each with a saved search, an alert and a
    channel (one per name, as before), and a startup search of ``mina``'s that the key saved."""
    store = Store(target)
    with store.transaction() as conn:
        command.downgrade(migrations.alembic_config(conn), "0007")
    store.upsert_profiles(pd.DataFrame(PROFILES))
    key(store, "crm", "0123456789ab", "officer")
    key(store, "mina", "ba9876543210", "startup", "dj-bio-001")
    for owner in ("olga", "crm", "mina"):
        saved(store, owner, f"{owner}'s search")
        store.set_alert_channel(owner, {"webhook_url": f"https://{owner}.example/hook", "webhook_secret": "s"})
    saved(store, "mina", "Partners", role="startup", org_id="dj-bio-001")
    store.close()
    return store


def owners(store: Store) -> dict[str, list[tuple[str, str]]]:
    """Each table's owners: saved searches and alerts with their search's name, channels with their URL."""
    s, a, ch = saved_searches_table, alerts_table, alert_channels_table
    with store.transaction() as conn:
        return {
            "saved": sorted((r.owner, r.name) for r in conn.execute(sa.select(s.c.owner, s.c.name))),
            "alerts": sorted((r.owner, r.name) for r in conn.execute(
                sa.select(a.c.owner, s.c.name).select_from(a.join(s, s.c.id == a.c.saved_search_id)))),
            "channels": sorted((r.owner, r.webhook_url) for r in conn.execute(sa.select(ch))),
        }  # fmt: skip


EXPECTED = {
    "saved": [("key:0123456789ab", "crm's search"), ("key:ba9876543210", "Partners"), ("user:mina", "mina's search"),
              ("user:olga", "olga's search")],
    "alerts": [("key:0123456789ab", "crm's search"), ("key:ba9876543210", "Partners"),
               ("user:mina", "mina's search"), ("user:olga", "olga's search")],
    "channels": [("key:0123456789ab", "https://crm.example/hook"), ("legacy:mina", "https://mina.example/hook"),
                 ("user:olga", "https://olga.example/hook")],
}  # fmt: skip
"""After the upgrade: a search goes to the key of its name when it has the key's role and organisation, else to the
account; alerts follow their searches; ``mina``'s channel, which either may have set, goes to nobody."""


def test_the_upgrade_gives_each_old_owner_its_namespace(target: Path | str) -> None:
    store_at_0007(target)
    upgraded = Store(target)
    with upgraded.transaction() as conn:
        assert migrations.current(conn) == {migrations.head()}
    assert owners(upgraded) == EXPECTED
    upgraded.close()


def test_after_the_upgrade_the_account_and_the_key_read_their_own(target: Path | str, tmp_path: Path) -> None:
    store_at_0007(target)
    upgraded = Store(target)
    assert [a["saved_search"] for a in upgraded.alerts("user:mina")] == ["mina's search"]
    assert [a["saved_search"] for a in upgraded.alerts("key:ba9876543210")] == ["Partners"]
    assert upgraded.alert_channel("user:mina") is None and upgraded.alert_channel("key:ba9876543210") is None
    upgraded.close()


def test_the_upgrade_leaves_owners_in_the_new_form_alone(target: Path | str) -> None:
    store = Store(target)
    with store.transaction() as conn:
        command.downgrade(migrations.alembic_config(conn), "0007")
    saved(store, "user:olga", "written by a newer process")
    store.close()
    upgraded = Store(target)
    assert owners(upgraded)["saved"] == [("user:olga", "written by a newer process")]
    upgraded.close()


def test_the_downgrade_writes_bare_names_back_where_they_do_not_clash(target: Path | str) -> None:
    store_at_0007(target)
    upgraded = Store(target)
    with upgraded.transaction() as conn:
        command.downgrade(migrations.alembic_config(conn), "0007")
    assert owners(upgraded)["saved"] == [("crm", "crm's search"), ("mina", "Partners"), ("mina", "mina's search"),
                                         ("olga", "olga's search")]  # fmt: skip
    assert [owner for owner, _ in owners(upgraded)["channels"]] == ["crm", "mina", "olga"]
    upgraded.close()
