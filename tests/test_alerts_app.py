"""The app's inbox page, driven with AppTest: a user's alerts and only theirs, marking them read, saving a search,
and deliveries that fail shown with their reason. The workspace's profiles were all there before any search was
saved, so opening the page checks without loading the model."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from matcher.api import Matcher
from matcher.auth import User
from matcher.policy import Access, check_alerts

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "matcher" / "ui" / "entry" / "streamlit_app.py"
INBOX = str(REPO / "matcher" / "ui" / "pages" / "inbox.py")
OFFICER = User("olga", "officer")
STARTUP = User("hanbit", "startup", org_id="dj-bio-001")
PROFILES = [
    {"id": "dj-bio-001", "name": "Hanbit Bioworks", "org_type": "startup", "city": "Daejeon", "country": "KR"},
    {"id": "ma-bio-001", "name": "Biomédica Costa del Sol", "org_type": "sme", "city": "Málaga", "country": "ES"},
]


@pytest.fixture
def matcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Matcher:
    """A workspace (MATCHER_HOME) with two profiles, checked, and one alert for the officer."""
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "ws"))
    m = Matcher(tmp_path / "ws")
    m.importer.upsert(PROFILES)
    check_alerts(m)
    saved = Access(m, OFFICER).save_search("Fill-finish", text="aseptic fill-finish")
    row = {"saved_search_id": saved.id, "owner": saved.owner, "profile_id": "ma-bio-001", "score": 0.81,
           "band": "strong", "reasons": ("Its offer matches the search.",)}  # fmt: skip
    m.store.add_alerts([row], email=False)
    return m


def inbox(user: User) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state["user"] = user
    at.run()
    at.switch_page(INBOX).run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in (*at.markdown, *at.subheader, *at.info, *at.warning)).replace("\\", "")


def test_an_officer_sees_the_alert_and_marks_it_read(matcher: Matcher) -> None:
    at = inbox(OFFICER)
    assert "1 unread alert" in shown(at) and "Biomédica Costa del Sol" in shown(at)
    [alert] = Access(matcher, OFFICER).alerts()
    at.button(key=f"inbox_read_{alert.id}").click().run()
    assert not at.exception and Access(matcher, OFFICER).unread_alerts() == 0


def test_a_startup_does_not_see_the_officers_alert(matcher: Matcher) -> None:
    at = inbox(STARTUP)
    assert "Biomédica Costa del Sol" not in shown(at) and "No alerts yet" in shown(at)


def test_a_search_is_saved_from_the_page(matcher: Matcher) -> None:
    at = inbox(STARTUP)
    at.text_input(key="inbox_name").input("Conjugates")
    at.text_area(key="inbox_text").input("antibody-drug conjugates")
    at.button(key="inbox_save").click().run()
    assert not at.exception, at.exception
    assert [(s.name, s.text) for s in Access(matcher, STARTUP).saved_searches()] == [
        ("Conjugates", "antibody-drug conjugates")
    ]


def test_a_failing_delivery_is_shown_with_its_reason(
    matcher: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHER_WEBHOOK_ALLOW_PRIVATE", "true")  # a CRM on the team's own network, not listening
    allowing = Matcher(tmp_path / "ws")
    access = Access(allowing, OFFICER)
    access.set_webhook("http://127.0.0.1:9/nobody-listens")
    saved = access.save_search("Second", text="fill-finish lines")
    row = {"saved_search_id": saved.id, "owner": saved.owner, "profile_id": "dj-bio-001", "score": 0.7,
           "band": "strong", "reasons": ()}  # fmt: skip
    allowing.store.add_alerts([row], email=False)
    allowing.alerts.deliver()
    at = inbox(OFFICER)
    assert "1 delivery is failing" in shown(at)
    [table] = [frame.value for frame in at.dataframe]
    assert "could not be reached" in table["Last error"].iloc[0]
