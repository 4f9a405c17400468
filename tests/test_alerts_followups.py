"""Saved searches beyond the inbox: "Save this search" on the Search page and "Save these suggestions" on Find
partners (AppTest, with the model), saved searches, alerts and alert channels in ``matcher export-user-data``, and
their counts in ``matcher stats``.

The app runs against 30 demo bio profiles (five per alliance place), e.g. Hanbit Bioworks (dj-bio-001) in Daejeon.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from matcher.alerts import MAX_NAME_CHARS, MAX_SAVED_PER_USER
from matcher.api import Matcher
from matcher.auth import User
from matcher.backup import export_user_data
from matcher.cli import main
from matcher.embed import Encoder
from matcher.filters import Filters
from matcher.policy import Access
from matcher.service.alerts import SavedSearch
from matcher.ui.saving import default_name, same_search

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "matcher" / "ui" / "entry" / "streamlit_app.py"
PAGES = REPO / "matcher" / "ui" / "pages"
TIMEOUT = 600
"""Seconds one script run may take: the first loads the model (slow on a busy machine)."""
OFFICER = User("olga", "officer")
STARTUP = User("hanbit", "startup", org_id="dj-bio-001")
ADC = "GMP manufacturing of antibody-drug conjugates"
PROFILES = [
    {"id": "dj-bio-001", "name": "Hanbit Bioworks", "org_type": "startup", "city": "Daejeon", "country": "KR"},
    {"id": "ma-bio-001", "name": "Biomédica Costa del Sol", "org_type": "sme", "city": "Málaga", "country": "ES"},
]


# ------------------------------------------------------------------------------------------- export and stats


@pytest.fixture
def matcher(tmp_path: Path) -> Matcher:
    """Two profiles, never indexed; olga saved a search (one alert) and set a webhook and an e-mail address; mina
    saved a recommendation."""
    m = Matcher(tmp_path / "ws")
    m.importer.upsert(PROFILES)
    olga = Access(m, OFFICER)
    saved = olga.save_search("Fill-finish", text="aseptic fill-finish", filters=Filters(country=("ES",)))
    olga.set_webhook("https://crm.example/hooks/matcher")
    olga.set_alert_email("olga@daejeon.example")
    Access(m, User("mina", "officer")).save_search("Hanbit's partners", org_id="dj-bio-001")
    row = {"saved_search_id": saved.id, "owner": saved.owner, "profile_id": "ma-bio-001", "score": 0.81,
           "band": "strong", "reasons": ("Its offer matches the search.",)}  # fmt: skip
    m.store.add_alerts([row], email=False)
    return m


def test_a_users_export_holds_their_saved_searches_with_filters(matcher: Matcher) -> None:
    data = export_user_data(matcher.store, user="olga")
    assert [(s["name"], s["kind"], s["text"], s["filters"]) for s in data["saved_searches"]] == [
        ("Fill-finish", "search", "aseptic fill-finish", {"country": ["ES"]})
    ]


def test_a_users_export_holds_their_alerts_with_the_reasons(matcher: Matcher) -> None:
    data = export_user_data(matcher.store, user="olga")
    assert [(a["saved_search"], a["profile_id"], a["score"], a["reasons"]) for a in data["alerts"]] == [
        ("Fill-finish", "ma-bio-001", 0.81, ["Its offer matches the search."])
    ]


def test_a_users_export_holds_their_channels_but_never_the_webhook_secret(matcher: Matcher) -> None:
    secret = matcher.store.alert_channel("user:olga")["webhook_secret"]  # type: ignore[index]
    data = export_user_data(matcher.store, user="olga")
    assert data["alert_channels"] == [
        {"owner": "user:olga", "webhook_url": "https://crm.example/hooks/matcher", "email": "olga@daejeon.example",
         "updated_at": data["alert_channels"][0]["updated_at"]}
    ]  # fmt: skip
    assert secret and secret not in json.dumps(data)


def test_a_users_export_holds_nothing_of_another_users_alerts(matcher: Matcher) -> None:
    data = export_user_data(matcher.store, user="mina")
    assert [s["name"] for s in data["saved_searches"]] == ["Hanbit's partners"]
    assert (data["alerts"], data["alert_channels"]) == ([], [])


def test_everyones_export_holds_every_saved_search_alert_and_channel(matcher: Matcher) -> None:
    data = export_user_data(matcher.store)
    assert [(s["owner"], s["name"]) for s in data["saved_searches"]] == [
        ("user:olga", "Fill-finish"),
        ("user:mina", "Hanbit's partners"),
    ]
    assert [a["owner"] for a in data["alerts"]] == ["user:olga"]
    assert [c["owner"] for c in data["alert_channels"]] == ["user:olga"]


def test_everyones_export_holds_the_channel_of_a_user_who_saved_nothing(matcher: Matcher) -> None:
    Access(matcher, User("jonas", "officer")).set_webhook("https://jonas.example/hook")
    assert "user:jonas" in [c["owner"] for c in export_user_data(matcher.store)["alert_channels"]]


def test_the_cli_export_holds_saved_searches_and_alerts(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(matcher.workspace.root))
    assert main(["export-user-data", "--user", "olga", "--out", str(tmp_path / "olga.json")]) == 0
    exported = json.loads((tmp_path / "olga.json").read_text(encoding="utf-8"))
    assert ([s["name"] for s in exported["saved_searches"]], len(exported["alerts"])) == (["Fill-finish"], 1)


def test_stats_count_saved_searches_and_alerts(matcher: Matcher) -> None:
    stats = matcher.stats()
    assert (stats["saved_searches"], stats["alerts"]) == (2, 1)


# ------------------------------------------------------------------------------------------------ the app


def saved_search(text: str = "ADC", org_id: str | None = None, **filters: tuple[str, ...]) -> SavedSearch:
    kind = "recommend" if org_id else "search"
    return SavedSearch(1, "olga", "ADC", kind, "" if org_id else text, org_id, Filters(**filters), "")


def test_the_page_knows_its_search_is_saved_whatever_the_order_of_its_filters() -> None:
    saved = saved_search(city=("Daejeon", "Seattle"))
    assert same_search(saved, text="ADC", org_id=None, filters=Filters(city=("Seattle", "Daejeon")))


@pytest.mark.parametrize(
    ("text", "org_id", "filters"),
    [("ADC", None, Filters()), ("ADCs", None, Filters(city=("Daejeon",))), (None, "dj-bio-001", Filters())],
)
def test_another_text_filter_or_kind_is_another_search(text: str | None, org_id: str | None, filters: Filters) -> None:
    assert not same_search(saved_search(city=("Daejeon",)), text=text, org_id=org_id, filters=filters)


def test_saved_suggestions_are_known_by_their_organisation() -> None:
    saved = saved_search(org_id="dj-bio-001")
    assert same_search(saved, text=None, org_id="dj-bio-001", filters=Filters())
    assert not same_search(saved, text=None, org_id="ma-bio-001", filters=Filters())


def test_a_search_saved_without_a_name_takes_its_text_on_one_line() -> None:
    assert default_name("  GMP \n  fill-finish ") == "GMP fill-finish"


def test_a_long_text_is_cut_to_the_longest_name_allowed() -> None:
    name = default_name("antibody-drug conjugates " * 20)
    assert len(name) <= MAX_NAME_CHARS and name.endswith("conjugates…")


@pytest.fixture(scope="module")
def app_workspace(
    tmp_path_factory: pytest.TempPathFactory, bio_subset: Callable[..., tuple[Path, Path]], minilm: Encoder
) -> Path:
    """30 demo bio profiles, indexed."""
    root = tmp_path_factory.mktemp("saving-ws")
    profiles, edges = bio_subset(root / "data")
    built = Matcher(root / "ws", encoder=minilm)
    built.import_profiles(profiles)
    built.import_partnerships(edges)
    built.build()
    built.store.close()
    return root / "ws"


@pytest.fixture
def workspace_matcher(app_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Matcher]:
    """The app's workspace (MATCHER_HOME), with no saved search before or after the test."""
    monkeypatch.setenv("MATCHER_HOME", str(app_workspace))
    m = Matcher(app_workspace)
    yield m
    for row in m.store.saved_searches():
        m.store.delete_saved_search(row["id"], row["owner"])
    m.store.close()


def page(user: User, name: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["user"] = user
    at.run()
    at.switch_page(str(PAGES / name)).run()
    assert not at.exception, at.exception
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = (*at.markdown, *at.caption, *at.info, *at.error, *at.warning, *at.success, *at.toast)
    return "\n".join(str(e.value) for e in parts).replace("\\", "")


def searched(user: User, text: str = ADC) -> AppTest:
    at = page(user, "search.py")
    at.text_input(key="search_text").input(text)
    return rerun(at)


@pytest.mark.slow
def test_a_search_is_saved_from_the_search_page_with_its_filters(workspace_matcher: Matcher) -> None:
    at = page(OFFICER, "search.py")
    at.multiselect(key="f_country").set_value(["ES", "DE"])
    at.text_input(key="search_text").input(ADC)
    at = rerun(at)
    at.text_input(key="search_saving_name").input("ADC makers")
    at.button(key="search_saving_save").click()
    at = rerun(at)
    saved = Access(workspace_matcher, OFFICER).saved_searches()
    assert [(s.name, s.kind, s.text, set(s.filters.country)) for s in saved] == [
        ("ADC makers", "search", ADC, {"ES", "DE"})
    ]
    assert "Saved “ADC makers”" in texts(at) and "Saved as “ADC makers”" in texts(at)
    assert "search_saving_save" not in [b.key for b in at.button]  # saved once: nothing more to save


@pytest.mark.slow
def test_a_search_saved_without_a_name_is_named_by_its_text(workspace_matcher: Matcher) -> None:
    at = searched(STARTUP)
    at.button(key="search_saving_save").click()
    rerun(at)
    assert [s.name for s in Access(workspace_matcher, STARTUP).saved_searches()] == [ADC]


@pytest.mark.slow
def test_a_search_against_needs_says_the_saved_search_matches_offers(workspace_matcher: Matcher) -> None:
    at = page(OFFICER, "search.py")
    at.segmented_control(key="search_facets").set_value("What they seek")
    at.text_input(key="search_text").input(ADC)
    at = rerun(at)
    assert "the choice “What they seek” is not kept" in texts(at)


@pytest.mark.slow
def test_a_name_already_taken_is_refused_in_one_line(workspace_matcher: Matcher) -> None:
    Access(workspace_matcher, OFFICER).save_search("ADC makers", text="conjugation chemistry")
    at = searched(OFFICER)
    at.text_input(key="search_saving_name").input("ADC makers")
    at.button(key="search_saving_save").click()
    at = rerun(at)
    [error] = [e.value for e in at.error]
    assert "already a saved search named 'ADC makers'" in error and "\n" not in error
    assert len(Access(workspace_matcher, OFFICER).saved_searches()) == 1


@pytest.mark.slow
def test_at_the_limit_the_page_says_so_in_one_line_and_offers_no_save(workspace_matcher: Matcher) -> None:
    access = Access(workspace_matcher, OFFICER)
    for n in range(MAX_SAVED_PER_USER):
        access.save_search(f"Search {n}", text=f"topic {n}")
    at = searched(OFFICER)
    [warning] = [w.value for w in at.warning]
    assert warning == (
        f"You have {MAX_SAVED_PER_USER} saved searches, the most allowed: remove one in your Inbox before saving "
        "another."
    )
    assert "search_saving_save" not in [b.key for b in at.button]


@pytest.mark.slow
def test_suggestions_for_the_organisation_shown_are_saved_from_find_partners(workspace_matcher: Matcher) -> None:
    at = page(OFFICER, "find.py")
    at.selectbox(key="find_org").select("dj-bio-001")
    at.multiselect(key="f_city").set_value(["Málaga"])
    at = rerun(at)
    at.button(key="find_saving_save").click()
    at = rerun(at)
    [saved] = Access(workspace_matcher, OFFICER).saved_searches()
    assert (saved.kind, saved.org_id, saved.filters, saved.name) == (
        "recommend",
        "dj-bio-001",
        Filters(city=("Málaga",)),
        "Partners for Hanbit Bioworks",
    )
    assert "Saved as “Partners for Hanbit Bioworks”" in texts(at)


@pytest.mark.slow
def test_a_startup_saves_the_suggestions_for_its_own_organisation(workspace_matcher: Matcher) -> None:
    at = page(STARTUP, "find.py")
    at.text_input(key="find_saving_name").input("Our partners")
    at.button(key="find_saving_save").click()
    rerun(at)
    assert [(s.name, s.org_id) for s in Access(workspace_matcher, STARTUP).saved_searches()] == [
        ("Our partners", "dj-bio-001")
    ]


@pytest.mark.slow
def test_suggestions_in_any_city_say_that_saved_ones_keep_to_other_cities(workspace_matcher: Matcher) -> None:
    at = page(OFFICER, "find.py")
    at.selectbox(key="find_org").select("dj-bio-001")
    at.toggle(key="f_other_city").set_value(False)
    at = rerun(at)
    assert "Saved suggestions are for partners in other cities only" in texts(at)
