"""The app in a real browser: the Streamlit server on a free loopback port, driven by Debian's headless Chromium.

Signs in as an officer, opens Find partners, picks an organisation of the demo data and checks that ranked
partners and their reasons render, in English and then in Korean (which needs a font with Hangul: Debian's
fonts-noto-cjk, installed by .ci/run). A startup then walks issue #16's path: it edits its profile, sees its
suggestions, requests a meeting, and the partner's own account accepts it. An officer opens Attract investment
(issue #13) and sees Daejeon's leads with the local organisations that would gain; a startup finds no such page,
not even by its address. Screenshots go to tests/artifacts/ and the test's tmp folder (not committed) to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from matcher.api import Matcher
from matcher.auth import add_user, load_users, remove_user, users_path
from matcher.ui.launch import REPO, streamlit_command

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NAME, PASSWORD = "browser-officer", "browser-secret-1"
START_TIMEOUT = 120.0
RANK_TIMEOUT_MS = 600_000
"""The first ranking loads the model and fits the ranker in the server: minutes on a busy 2-core machine."""

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the Streamlit server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the Streamlit server did not answer within {START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def server(demo_matcher: Matcher, tmp_path: Path) -> Iterator[str]:
    """The app served on a free loopback port over the demo workspace, with a test officer account."""
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    home = demo_matcher.workspace.root
    if NAME in load_users(users_path(home)):  # a fresh account: no language kept from an earlier test's choice
        remove_user(users_path(home), NAME)
    add_user(users_path(home), NAME, "officer", PASSWORD, iterations=1_000)
    port = free_port()
    log = tmp_path / "streamlit.log"
    env = {**os.environ, "MATCHER_HOME": str(home)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            streamlit_command("127.0.0.1", port), cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def korean_font() -> str | None:
    """The family of an installed font with Hangul, or None (then Korean text renders as empty boxes)."""
    if shutil.which("fc-list") is None:
        return None
    listed = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True, check=False).stdout
    return listed.splitlines()[0] if listed.strip() else None


def sign_in_and_find_partners_for_hanbit(page: Page, server: str, artifacts: Path) -> None:
    """Signs in as the test officer and asks Find partners about Hanbit Bioworks, in English."""
    from playwright.sync_api import expect

    page.goto(server)
    page.get_by_role("textbox", name="Name").fill(NAME)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.screenshot(path=artifacts / "01-sign-in.png")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Find partners")).to_be_visible(timeout=60_000)

    picker = page.get_by_role("combobox", name="Organisation", exact=True)
    picker.click()
    picker.fill("Hanbit")
    page.get_by_role("option", name="Hanbit Bioworks", exact=False).first.click()
    expect(page.get_by_role("heading", name="Suggested partners")).to_be_visible(timeout=RANK_TIMEOUT_MS)


def test_an_officer_finds_partners_with_reasons_in_chromium(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            sign_in_and_find_partners_for_hanbit(page, server, ARTIFACTS)
            page.wait_for_timeout(1_500)  # let the table's canvas paint before the screenshot
            page.screenshot(path=ARTIFACTS / "02-find-partners.png", full_page=True)

            first = page.get_by_test_id("stExpander").first
            first.scroll_into_view_if_needed()
            first.click()
            expect(first).to_contain_text("your need", timeout=30_000)  # "meets" or "may meet" it
            page.screenshot(path=ARTIFACTS / "03-reasons.png")
            assert "Traceback" not in page.content()
        finally:
            browser.close()


def test_the_app_switches_to_korean_and_renders_hangul_in_chromium(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    font = korean_font()
    if font is None:
        pytest.skip("no font with Hangul is installed (apt-get install fonts-noto-cjk; .ci/run does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            sign_in_and_find_partners_for_hanbit(page, server, tmp_path)

            # Switching language keeps the organisation chosen: the same suggestions come back in Korean.
            menu = page.get_by_role("combobox", name="Language", exact=False)
            menu.click()
            page.get_by_role("option", name="한국어").click()
            expect(page.get_by_role("heading", name="파트너 찾기")).to_be_visible(timeout=60_000)
            expect(page.get_by_role("heading", name="추천 파트너")).to_be_visible(timeout=RANK_TIMEOUT_MS)
            expect(page.get_by_test_id("stSidebarNav")).to_contain_text("대표단 일정 계획")
            expect(page.get_by_test_id("stSidebar")).to_contain_text("투자유치 담당관")

            first = page.get_by_test_id("stExpander").first
            first.scroll_into_view_if_needed()
            first.click()
            expect(first).to_contain_text("귀사의 수요", timeout=30_000)
            page.wait_for_timeout(1_500)  # let the table's canvas paint before the screenshot
            page.screenshot(path=tmp_path / "korean-find-partners.png")
            page.screenshot(path=tmp_path / "korean-find-partners-full.png", full_page=True)
            assert "Traceback" not in page.content()
        finally:
            browser.close()


STARTUP_NAME, STARTUP_ORG = "browser-startup", "dj-tech-014"
"""A startup of the demo that no other test edits (Sambit Photonics, Daejeon)."""


def sign_in(page: Page, server: str, name: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto(server)
    page.get_by_role("textbox", name="Name").fill(name)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Find partners")).to_be_visible(timeout=60_000)


def test_a_startup_edits_its_profile_requests_a_meeting_and_the_partner_accepts_in_chromium(
    server: str, demo_matcher: Matcher, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    home = demo_matcher.workspace.root
    add_user(users_path(home), STARTUP_NAME, "startup", PASSWORD, org_id=STARTUP_ORG, iterations=1_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            sign_in(page, server, STARTUP_NAME, PASSWORD)

            # 1. The startup edits its own profile: saved, with its history.
            page.get_by_test_id("stSidebarNav").get_by_text("My profile").click()
            expect(page.get_by_role("heading", name="My profile")).to_be_visible(timeout=60_000)
            page.get_by_role("textbox", name="Languages").fill("Korean; English; German")
            page.get_by_role("button", name="Save my profile").click()
            expect(page.get_by_text("Saved: languages")).to_be_visible(timeout=60_000)
            page.screenshot(path=tmp_path / "01-my-profile.png", full_page=True)
            assert demo_matcher.profile(STARTUP_ORG).languages == ("Korean", "English", "German")

            # 2. It sees its suggestions (ranked on the saved profile) and asks the first for a meeting.
            page.get_by_test_id("stSidebarNav").get_by_text("Find partners").click()
            expect(page.get_by_role("heading", name="Suggested partners")).to_be_visible(timeout=RANK_TIMEOUT_MS)
            page.wait_for_timeout(1_500)  # let the table's canvas paint before the screenshot
            page.screenshot(path=tmp_path / "02-suggestions.png", full_page=True)
            first = page.get_by_test_id("stExpander").first
            first.scroll_into_view_if_needed()
            first.click()
            # The request form opens in a popover below its button, fixed to the window: with the button low on the
            # screen its "Send" button would lie beyond the window's edge, where no scrolling reaches it.
            request = first.get_by_role("button", name="Request a meeting")
            request.evaluate("button => button.scrollIntoView({block: 'start'})")
            request.click()
            page.get_by_role("textbox", name="Message").fill("Hello from Daejeon: shall we talk about photonics?")
            page.screenshot(path=tmp_path / "03-request.png")
            page.get_by_role("button", name="Send the request").click()
            expect(page.get_by_text("Meeting request sent")).to_be_visible(timeout=60_000)
            sent = demo_matcher.meetings.requests(STARTUP_ORG)
            assert sent["status"].tolist() == ["open"]
            partner = str(sent["partner_id"].iloc[0])

            # 3. The partner's own account accepts it; it is in both agendas, at both local times.
            add_user(users_path(home), "browser-partner", "startup", PASSWORD, org_id=partner, iterations=1_000)
            other = browser.new_context(viewport={"width": 1440, "height": 1100}).new_page()
            sign_in(other, server, "browser-partner", PASSWORD)
            other.get_by_test_id("stSidebarNav").get_by_text("Meetings").click()
            expect(other.get_by_role("heading", name="Requests")).to_be_visible(timeout=60_000)
            other.screenshot(path=tmp_path / "04-partner-request.png", full_page=True)
            other.get_by_role("button", name="Accept").click()
            expect(other.get_by_text("No accepted meeting yet")).to_have_count(0, timeout=60_000)
            other.wait_for_timeout(1_500)
            other.screenshot(path=tmp_path / "05-partner-agenda.png", full_page=True)
            assert demo_matcher.meetings.requests(STARTUP_ORG)["status"].tolist() == ["accepted"]
            assert demo_matcher.meetings.agenda(partner)["with_id"].tolist() == [STARTUP_ORG]

            page.get_by_test_id("stSidebarNav").get_by_text("Meetings").click()
            expect(page.get_by_role("heading", name="Agenda")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("No accepted meeting yet")).to_have_count(0, timeout=60_000)
            page.screenshot(path=tmp_path / "06-startup-agenda.png", full_page=True)
            assert "Traceback" not in page.content() + other.content()
        finally:
            browser.close()


def test_a_reload_keeps_the_session_and_a_deep_link_lands_after_sign_in(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            page.goto(server)
            page.get_by_role("textbox", name="Name").fill(NAME)
            page.get_by_role("textbox", name="Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Find partners")).to_be_visible(timeout=60_000)
            assert "session=" in page.url and PASSWORD not in page.url
            page.reload()  # F5: a new Streamlit session
            expect(page.get_by_role("heading", name="Find partners")).to_be_visible(timeout=60_000)
            expect(page.get_by_role("textbox", name="Password")).to_have_count(0)
            page.screenshot(path=tmp_path / "after-reload.png")

            page.get_by_test_id("stSidebarNav").get_by_text("Insights").click()
            expect(page.get_by_role("heading", name="The alliance")).to_be_visible(timeout=RANK_TIMEOUT_MS)
            page.wait_for_timeout(2_000)  # let Vega draw the map
            page.screenshot(path=tmp_path / "insights-map.png", full_page=True)

            # A deep link opened by someone not signed in: the sign-in form, then the organisation it names.
            other = browser.new_page(viewport={"width": 1440, "height": 1100})
            other.goto(f"{server}/?org=dj-bio-001")
            other.get_by_role("textbox", name="Name").fill(NAME)
            other.get_by_role("textbox", name="Password").fill(PASSWORD)
            other.get_by_role("button", name="Sign in").click()
            expect(other.get_by_role("heading", name="Organisation")).to_be_visible(timeout=60_000)
            expect(other.get_by_role("heading", name="Hanbit Bioworks")).to_be_visible(timeout=RANK_TIMEOUT_MS)
            other.screenshot(path=tmp_path / "deep-link.png")
            assert "Traceback" not in page.content() + other.content()
        finally:
            browser.close()


def test_an_officer_opens_attract_investment_and_a_startup_cannot_in_chromium(
    server: str, demo_matcher: Matcher, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    home = demo_matcher.workspace.root
    add_user(users_path(home), "browser-attract-startup", "startup", PASSWORD, org_id="dj-bio-002", iterations=1_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            sign_in(page, server, NAME, PASSWORD)
            page.get_by_test_id("stSidebarNav").get_by_text("Attract investment").click()
            expect(page.get_by_role("heading", name="Attract investment")).to_be_visible(timeout=RANK_TIMEOUT_MS)
            page.get_by_role("tab", name="Leads").click()
            expect(page.get_by_text("The evidence for each lead")).to_be_visible(timeout=RANK_TIMEOUT_MS)
            first = page.get_by_test_id("stExpander").filter(has_text="score").first
            first.scroll_into_view_if_needed()
            first.click()
            expect(first).to_contain_text("Who in Daejeon would gain", timeout=60_000)
            page.wait_for_timeout(1_500)  # let the table's canvas paint before the screenshot
            page.screenshot(path=ARTIFACTS / "04-attract-investment.png", full_page=True)
            assert "Traceback" not in page.content()

            # A startup: not in its navigation, and its address leads to the startup's own pages instead.
            other = browser.new_context(viewport={"width": 1440, "height": 1100}).new_page()
            sign_in(other, server, "browser-attract-startup", PASSWORD)
            expect(other.get_by_test_id("stSidebarNav")).not_to_contain_text("Attract investment")
            token = other.url.split("session=", 1)[1].split("&", 1)[0]
            other.goto(f"{server}/attract?session={token}")
            expect(other.get_by_role("heading", name="Find partners")).to_be_visible(timeout=60_000)
            expect(other.get_by_role("heading", name="Attract investment")).to_have_count(0)
            other.screenshot(path=tmp_path / "startup-attract-refused.png")
            assert "Traceback" not in other.content()
        finally:
            browser.close()
