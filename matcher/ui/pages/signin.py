"""Sign-in page: name and password checked against the workspace's ``users.toml``."""

from __future__ import annotations

import logging

import streamlit as st

from matcher.auth import UsersFileError, load_users, users_path, verify
from matcher.ui.state import home, sign_in

logger = logging.getLogger(__name__)


def render() -> None:
    """Draws the sign-in form; on success, starts the session and reloads the app with the user's pages."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("Innopolis Matcher", anchor=False)
        st.caption(
            "Cross-city partners for the organisations of the Global Innopolis Alliance: Daejeon, Seattle, Calgary, "
            "Dortmund, Málaga and Montgomery County."
        )
        path = users_path(home())
        try:
            users = load_users(path)
        except UsersFileError as error:
            st.error(f"The users file cannot be read: {error}")
            return
        if not users:
            st.info(
                f"No accounts yet in `{path}`. Start the app with `matcher app`, which creates the first officer "
                "account and prints its password, or `matcher app --demo` for the demo accounts."
            )
            return
        with st.form("signin"):
            name = st.text_input("Name", key="signin_name")
            password = st.text_input("Password", type="password", key="signin_password")
            submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
        if submitted:
            user = verify(users, name, password)
            if user is None:
                logger.info("failed sign-in for %r", name)
                st.error("Unknown name or wrong password.")
                return
            del st.session_state["signin_password"]  # no password kept in the session
            sign_in(user)
            st.rerun()


if __name__ == "__main__":
    render()
