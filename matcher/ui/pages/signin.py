"""Sign-in page: name and password checked against the workspace's ``users.toml``."""

from __future__ import annotations

import math

import streamlit as st

from matcher.auth import Throttled, UsersFileError, attempt, configure_audit_log, load_users, users_path
from matcher.ui.i18n import DEFAULT_LANGUAGE, language, t, use_language_next_run
from matcher.ui.state import SIGNED_OUT_KEY, home, sign_in

configure_audit_log()  # sign-in records reach the server's stderr (Streamlit configures only its own loggers)


def _client() -> str:
    """The client's address, for the per-client sign-in limit and the audit log.

    Behind a reverse proxy on the same machine the server sees the proxy's loopback address; then the last
    ``X-Forwarded-For`` entry (the one the proxy added, which a client cannot forge) names the client.
    """
    try:
        address = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For", "")
    except Exception:  # no request context (bare or test runs)
        return "unknown"
    if not isinstance(address, str) or not address:
        return "unknown"
    if address in ("127.0.0.1", "::1") and isinstance(forwarded, str) and forwarded.strip():
        return f"{forwarded.split(',')[-1].strip()[:64]} via {address}"
    return address


def render() -> None:
    """Draws the sign-in form; on success, starts the session and reloads the app with the user's pages."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("Innopolis Matcher", anchor=False)
        st.caption(t("signin.caption"))
        if SIGNED_OUT_KEY in st.session_state:
            st.warning(str(st.session_state.pop(SIGNED_OUT_KEY)))
        path = users_path(home())
        try:
            users = load_users(path)
        except UsersFileError as error:
            st.error(t("signin.users_file", error=error))
            return
        if not users:
            st.info(t("signin.no_accounts", path=path))
            return
        with st.form("signin"):
            name = st.text_input(t("signin.name"), key="signin_name")
            password = st.text_input(t("signin.password"), type="password", key="signin_password")
            submitted = st.form_submit_button(t("nav.sign_in"), type="primary", icon=":material/login:")
        if submitted:
            try:
                user = attempt(users, name, password, client=_client(), path=path)
            except Throttled as refused:
                # The English message names what is locked and the wait in minutes; others give the seconds.
                english = language() == DEFAULT_LANGUAGE
                st.error(str(refused) if english else t("signin.throttled", seconds=math.ceil(refused.wait)))
                return
            if user is None:
                st.error(t("signin.wrong"))
                return
            del st.session_state["signin_password"]  # no password kept in the session
            sign_in(user)
            use_language_next_run(user.language)  # the language this user chose last time
            st.rerun()


if __name__ == "__main__":
    render()
