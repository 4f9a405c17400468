"""Cached resources and session state of the app.

The :class:`~matcher.api.Matcher` (its model and indexes) is loaded once per server process with
``st.cache_resource`` and shared by every session; it is thread-safe (an internal lock, one SQLite connection per
call). Frames derived from the store are cached per store version, so an import shows up on the next rerun.

Example:
    >>> access = require_user()          # doctest: +SKIP
    >>> catalog(access.matcher).shape    # doctest: +SKIP
    (226, 18)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from ..api import Matcher
from ..auth import User
from ..config import resolve_home
from .access import Access
from .widgets import label_of

__all__ = [
    "KEPT_KEYS",
    "catalog",
    "current_user",
    "get_matcher",
    "home",
    "keep_widget_state",
    "labels",
    "require_user",
    "sign_in",
    "sign_out",
]

USER_KEY = "user"
KEPT_KEYS: tuple[str, ...] = (
    "f_city", "f_country", "f_type", "f_sector", "f_stage", "f_other_city", "f_k",
    "find_mode", "find_org", "org_pick", "search_text", "search_facets",
)
"""Widgets whose values survive a change of page: the shared sidebar filters and each page's current choice."""
DEFAULTS: dict[str, object] = {"f_other_city": True, "f_k": 10}
"""Starting values of kept widgets (set once here, so the widgets themselves take no default)."""


def home() -> Path:
    """The workspace folder: ``$MATCHER_HOME`` (set by the launcher) or ``./.matcher``."""
    return resolve_home().expanduser().resolve()


@st.cache_resource(show_spinner="Loading the model and the index ...")
def get_matcher(workspace: str) -> Matcher:
    """The matcher of a workspace, created once per server process."""
    return Matcher(Path(workspace))


@st.cache_resource(max_entries=4, show_spinner=False)
def _catalog(workspace: str, version: int) -> pd.DataFrame:
    return get_matcher(workspace).profiles()


def catalog(matcher: Matcher) -> pd.DataFrame:
    """Every profile, sorted by id, cached until the store changes. Shared by sessions: do not modify it."""
    return _catalog(str(matcher.workspace.root), matcher.store.version())


@st.cache_resource(max_entries=4, show_spinner=False)
def _labels(workspace: str, version: int) -> dict[str, str]:
    return label_of(_catalog(workspace, version))


def labels(matcher: Matcher) -> dict[str, str]:
    """``Name · City (type)`` per id for pickers, cached with the catalogue (building them takes ~50 ms at 10,000
    profiles, a fifth of a rerun's budget). Shared by sessions: do not modify it."""
    return _labels(str(matcher.workspace.root), matcher.store.version())


def current_user() -> User | None:
    """The signed-in user of this session, if any."""
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) else None


def sign_in(user: User) -> None:
    """Starts a signed-in session."""
    st.session_state[USER_KEY] = user


def sign_out() -> None:
    """Ends the session: forgets the user and everything this session held."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def require_user() -> Access:
    """The matcher as the signed-in user may use it; stops the page when nobody is signed in."""
    user = current_user()
    if user is None:
        st.warning("Please sign in first.")
        st.stop()
    return Access(get_matcher(str(home())), user)


def keep_widget_state(keys: tuple[str, ...] = KEPT_KEYS) -> None:
    """Keeps the values of widgets shared by several pages when the user changes page, and sets their defaults.

    Streamlit drops a widget's value when a run does not draw it; re-assigning the value marks it as the
    session's own, so the next page's widget of the same key starts from it.
    """
    for key, value in DEFAULTS.items():
        st.session_state.setdefault(key, value)
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
