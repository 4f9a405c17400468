"""Innopolis Matcher: the Streamlit app for investment officers and startups.

Start it with ``python3 -m matcher app --demo`` (or ``matcher app``), which prepares the workspace and runs
``streamlit run app_streamlit.py`` on 127.0.0.1. The pages live in ``matcher/ui/pages/``; which ones a user sees
depends on the role, and the data behind them is guarded by :class:`matcher.ui.access.Access`.
"""

from __future__ import annotations

import streamlit as st

from matcher.ui.state import current_user, keep_widget_state, sign_out
from matcher.ui.widgets import safe, type_label

PAGES = "matcher/ui/pages"

st.set_page_config(page_title="Innopolis Matcher", page_icon=":material/hub:", layout="wide")
keep_widget_state()

user = current_user()
if user is None:
    page = st.navigation([st.Page(f"{PAGES}/signin.py", title="Sign in", icon=":material/login:")], position="hidden")
else:
    find = st.Page(f"{PAGES}/find.py", title="Find partners", icon=":material/handshake:", default=True)
    search = st.Page(f"{PAGES}/search.py", title="Search", icon=":material/search:")
    organisation = st.Page(f"{PAGES}/organisation.py", title="Organisation", icon=":material/apartment:")
    if user.is_officer:
        pages = {
            "Match": [find, search, organisation],
            "Plan": [
                st.Page(f"{PAGES}/shortlists.py", title="Shortlists", icon=":material/checklist:"),
                st.Page(f"{PAGES}/planner.py", title="Delegation planner", icon=":material/event:"),
            ],
            "Overview": [
                st.Page(f"{PAGES}/insights.py", title="Insights", icon=":material/public:"),
                st.Page(f"{PAGES}/data.py", title="Data", icon=":material/upload_file:"),
            ],
        }
        page = st.navigation(pages)
    else:
        page = st.navigation([find, search, organisation])
    with st.sidebar:
        who = "investment officer" if user.is_officer else f"{type_label('startup').lower()} {user.org_id}"
        st.caption(f"Signed in as **{safe(user.name)}** ({safe(who)})")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            sign_out()
            st.rerun()
page.run()
