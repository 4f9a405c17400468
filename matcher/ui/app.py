"""Innopolis Matcher: the Streamlit app for investment officers and startups.

Start it with ``python3 -m matcher app --demo`` (or ``matcher app``), which prepares the workspace and serves this
script on 127.0.0.1 (it ships inside the package; Streamlit runs it through ``matcher/ui/entry/streamlit_app.py``).
The pages live in ``matcher/ui/pages/``; which ones a user sees depends on the role, and the data behind them is
guarded by :class:`matcher.policy.Access`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from matcher.policy import Access
from matcher.ui.i18n import language_selector, t
from matcher.ui.links import follow_link, remember_link
from matcher.ui.state import (
    current_user,
    get_matcher,
    home,
    keep_session_in_url,
    keep_widget_state,
    org_name,
    remember_language,
    restore_session,
    sign_out,
)
from matcher.ui.widgets import safe

PAGES = Path(__file__).resolve().parent / "pages"
"""Absolute, so the pages resolve whichever script Streamlit runs: this one, or the checkout's app_streamlit.py."""

st.set_page_config(page_title="Innopolis Matcher", page_icon=":material/hub:", layout="wide")
keep_widget_state()
restore_session()  # a reload or a new tab: the URL's session token signs the user in again
remember_link()  # a deep link (?org=ID) waits through the sign-in form
# Before and after sign-in; every label below is in the language chosen, and a signed-in user's choice is kept.
language_selector(on_change=remember_language)

user = current_user()
if user is None:
    page = st.navigation(
        [st.Page(f"{PAGES}/signin.py", title=t("nav.sign_in"), icon=":material/login:")], position="hidden"
    )
else:
    find = st.Page(f"{PAGES}/find.py", title=t("nav.find"), icon=":material/handshake:", default=True)
    search = st.Page(f"{PAGES}/search.py", title=t("nav.search"), icon=":material/search:")
    organisation = st.Page(f"{PAGES}/organisation.py", title=t("nav.organisation"), icon=":material/apartment:")
    my_profile = st.Page(f"{PAGES}/my_profile.py", title=t("profile.title"), icon=":material/badge:")
    meetings = st.Page(f"{PAGES}/meetings.py", title=t("meetings.title"), icon=":material/event:")
    unread = Access(get_matcher(str(home())), user).unread_alerts()  # one count per run: cheap
    inbox = st.Page(f"{PAGES}/inbox.py", title=t("inbox.nav", n=unread) if unread else t("inbox.title"),
                    icon=":material/notifications:")  # fmt: skip
    if user.is_officer:
        pages = {
            t("nav.section_match"): [find, search, organisation, inbox],
            t("nav.section_plan"): [
                meetings,
                st.Page(f"{PAGES}/shortlists.py", title=t("nav.shortlists"), icon=":material/checklist:"),
                st.Page(f"{PAGES}/planner.py", title=t("nav.planner"), icon=":material/event:"),
            ],
            t("nav.section_overview"): [
                st.Page(f"{PAGES}/attract.py", title=t("nav.attract"), icon=":material/factory:"),
                st.Page(f"{PAGES}/insights.py", title=t("nav.insights"), icon=":material/public:"),
                st.Page(f"{PAGES}/data.py", title=t("nav.data"), icon=":material/upload_file:"),
            ],
        }
        page = st.navigation(pages)
    else:
        page = st.navigation([find, search, organisation, my_profile, meetings, inbox])
    keep_session_in_url()
    follow_link(user, {"find": find, "organisation": organisation})
    with st.sidebar:
        who = t("nav.officer") if user.is_officer else t("nav.startup", org=org_name(str(user.org_id)))
        st.caption(t("nav.signed_in", name=safe(user.name), who=safe(who)))
        if st.button(t("nav.sign_out"), key="sign_out", icon=":material/logout:"):
            sign_out()
            st.rerun()
page.run()
