"""Cached resources and session state of the app.

The :class:`~matcher.api.Matcher` (its model and indexes) is loaded once per server process with
``st.cache_resource`` and shared by every session; it is thread-safe (an internal lock, one SQLite connection per
call). Frames derived from the store are cached per store version, so an import shows up on the next rerun.

Example:
    >>> access = require_user()          # doctest: +SKIP
    >>> catalog(access.matcher).shape    # doctest: +SKIP
    (260, 18)
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from ..api import Matcher
from ..auth import User, UsersFileError, load_users, users_path
from ..config import resolve_home
from ..errors import USER_ERRORS, user_message
from ..policy import Access
from .i18n import DEFAULT_LANGUAGE, LANGUAGE_KEY, language, t, translate, use_language_next_run
from .sessions import SessionTokens
from .widgets import label_of

__all__ = [
    "KEPT_KEYS",
    "catalog",
    "current_user",
    "get_matcher",
    "home",
    "keep_session_in_url",
    "keep_widget_state",
    "labels",
    "org_name",
    "require_user",
    "restore_session",
    "sign_in",
    "sign_out",
]

logger = logging.getLogger("matcher.auth")

USER_KEY = "user"
TOKEN_KEY = "session_token"
"""This session's token (see :mod:`matcher.ui.sessions`); the URL carries it as ``?session=``."""
TOKEN_PARAM = "session"
SIGNED_OUT_KEY = "signed_out_because"
"""Why the session was ended by the app (shown on the sign-in page)."""
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


@st.cache_resource(show_spinner=False)  # require_user says it in the user's language
def get_matcher(workspace: str) -> Matcher:
    """The matcher of a workspace, created once per server process."""
    return Matcher(Path(workspace))


@st.cache_resource(max_entries=4, show_spinner=False)
def _catalog(workspace: str, version: int) -> pd.DataFrame:
    return get_matcher(workspace).profiles()


def catalog(matcher: Matcher) -> pd.DataFrame:
    """Every profile, sorted by id, cached until the store changes. Shared by sessions: do not modify it."""
    return _catalog(str(matcher.workspace.root), matcher.version())


@st.cache_resource(max_entries=8, show_spinner=False)
def _labels(workspace: str, version: int, lang: str) -> dict[str, str]:
    return label_of(_catalog(workspace, version), lang)


def labels(matcher: Matcher) -> dict[str, str]:
    """``Name · City (type)`` per id for pickers, the type in the session's language, cached with the catalogue
    (building them takes ~50 ms at 10,000 profiles, a fifth of a rerun's budget). Shared by sessions: do not
    modify it."""
    return _labels(str(matcher.workspace.root), matcher.version(), language())


_accounts_lock = threading.Lock()
_accounts_cache: dict[str, tuple[tuple[int, int, int], dict[str, User]]] = {}


def _accounts(path: Path) -> dict[str, User] | None:
    """The users of ``path``, re-read when the file changes; None when there is no users file."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    with _accounts_lock:
        cached = _accounts_cache.get(str(path))
        if cached is not None and cached[0] == stamp:
            return cached[1]
    users = load_users(path)
    with _accounts_lock:
        _accounts_cache[str(path)] = (stamp, users)
    return users


def _account_problem(user: User) -> str | None:
    """Why ``user``'s session may not go on (removed, or role or organisation changed) as a message key, or None."""
    path = users_path(home())
    try:
        users = _accounts(path)
    except UsersFileError as error:
        logger.warning("signing out %r: %s", user.name, error)
        return "state.users_file"
    if users is None:
        # No users file: there are no accounts to check against (a workspace used without sign-in, as some
        # tests do); nobody can sign in through the form either.
        return None
    stored = users.get(user.name)
    if stored is None:
        return "state.account_gone"
    if (stored.role, stored.org_id) != (user.role, user.org_id):
        return "state.account_changed"
    return None


def current_user() -> User | None:
    """The signed-in user of this session, if any.

    The account is checked against the users file on every call (every rerun): a user removed from it, or whose
    role or organisation changed, is signed out at once.
    """
    user = st.session_state.get(USER_KEY)
    if not isinstance(user, User):
        return None
    problem = _account_problem(user)
    if problem is not None:
        logger.warning("signed out %r: %s", user.name, translate(DEFAULT_LANGUAGE, problem))
        sign_out()
        st.session_state[SIGNED_OUT_KEY] = t(problem)  # the language outlives the session (see sign_out)
        return None
    return user


def remember_language(language: str) -> None:
    """Keeps the signed-in user's language choice in the users file for their next sign-in; a signed-out choice
    lasts for the session only. A file that cannot be written costs the memory of the choice, never the page."""
    user = st.session_state.get(USER_KEY)
    if not isinstance(user, User):
        return
    try:
        Access(get_matcher(str(home())), user).remember_language(language)
    except USER_ERRORS as error:
        logger.warning("could not remember the language of %r: %s", user.name, user_message(error))


def _tokens() -> SessionTokens:
    return SessionTokens(home(), lifetime=get_matcher(str(home())).settings.session_hours * 3600)


def sign_in(user: User) -> None:
    """Starts a signed-in session, with a token in the URL that signs the user in again after a reload."""
    st.session_state[USER_KEY] = user
    try:
        token = _tokens().issue(user)
    except USER_ERRORS as error:
        # Signed in all the same: only a reload will ask for the password again.
        logger.warning("no session token for %r, a reload will sign them out: %s", user.name, error)
        return
    st.session_state[TOKEN_KEY] = token
    st.query_params[TOKEN_PARAM] = token


def keep_session_in_url() -> None:
    """Puts the session's token back in the URL when a change of page took it away (Streamlit clears the query
    parameters when the user follows a page link)."""
    token = st.session_state.get(TOKEN_KEY)
    if isinstance(token, str) and st.query_params.get(TOKEN_PARAM) != token:
        st.query_params[TOKEN_PARAM] = token


def restore_session() -> None:
    """Signs the user in again from the URL's token when this is a new session (a reload, a new tab).

    The account is checked against the users file as :func:`current_user` does: a token of a user since removed,
    or whose role or organisation changed, is refused, and so is one that expired, was signed out or forged.
    """
    if isinstance(st.session_state.get(USER_KEY), User):
        return
    token = st.query_params.get(TOKEN_PARAM)
    if not token:
        return
    del st.query_params[TOKEN_PARAM]  # used or refused, it leaves the URL unless a session takes it up
    try:
        claimed = _tokens().verify(token)
        users = _accounts(users_path(home())) or {}
    except USER_ERRORS as error:
        logger.warning("could not check a session token: %s", error)
        st.session_state[SIGNED_OUT_KEY] = t("state.session_unchecked")
        return
    if claimed is None:
        logger.info("refused a session token that was expired, signed out or not ours")
        st.session_state[SIGNED_OUT_KEY] = t("state.session_ended")
        return
    stored = users.get(claimed.name)
    if stored is None or (stored.role, stored.org_id) != (claimed.role, claimed.org_id):
        problem = "state.account_gone" if stored is None else "state.account_changed"
        logger.warning("refused the session of %r: %s", claimed.name, translate(DEFAULT_LANGUAGE, problem))
        st.session_state[SIGNED_OUT_KEY] = t(problem)
        return
    st.session_state[USER_KEY] = User(stored.name, stored.role, stored.org_id, language=stored.language)
    st.session_state[TOKEN_KEY] = token
    st.query_params[TOKEN_PARAM] = token
    if LANGUAGE_KEY not in st.session_state:  # a new tab starts in the user's language; a choice made here stays
        use_language_next_run(stored.language)
    logger.info("signed in again from a session token: %r (%s)", stored.name, stored.role)


def sign_out() -> None:
    """Ends the session: forgets the user and everything this session held but the language they read, and ends
    every session token of the user (their other tabs and devices ask for the password again)."""
    user = st.session_state.get(USER_KEY)
    if isinstance(user, User):
        try:
            _tokens().revoke(user.name)
        except USER_ERRORS as error:
            logger.warning("could not end the session tokens of %r: %s", user.name, error)
    for key in list(st.session_state.keys()):
        if key != LANGUAGE_KEY:
            del st.session_state[key]
    st.query_params.clear()


def org_name(org_id: str) -> str:
    """The name of organisation ``org_id`` (the id itself when the catalogue has no such organisation)."""
    cat = catalog(get_matcher(str(home())))
    names = cat.loc[cat["id"] == org_id, "name"]
    return str(names.iloc[0]) if len(names) else org_id


def require_user() -> Access:
    """The matcher as the signed-in user may use it; stops the page when nobody is signed in."""
    user = current_user()
    if user is None:
        st.warning(t("state.sign_in_first"))
        st.stop()
    with st.spinner(t("state.loading")):  # shown only when it takes a while: the first load of the model
        matcher = get_matcher(str(home()))
    return Access(matcher, user)


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
