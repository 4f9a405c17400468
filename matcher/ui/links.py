"""Deep links: ``?org=ID`` opens the Organisation page on that organisation, ``?page=find&org=ID`` Find partners.

A link opened before sign-in is kept through the sign-in form, so the user lands where it pointed. The id is
untrusted: it is bounded, looked up in the catalogue and only ever shown escaped.

Example:
    >>> parse_link({"org": "dj-bio-001"})
    DeepLink(page='organisation', org='dj-bio-001')
    >>> parse_link({"page": "find", "org": "dj-bio-001"})
    DeepLink(page='find', org='dj-bio-001')
    >>> parse_link({"page": "nowhere"}) is None
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from ..auth import User
from .i18n import t
from .state import TOKEN_KEY, TOKEN_PARAM, labels, require_user
from .widgets import safe

__all__ = ["LINK_PAGES", "DeepLink", "follow_link", "parse_link", "remember_link"]

LINK_PAGES = ("organisation", "find")
"""The pages a link may name; ``organisation`` when it names none."""
MAX_ID = 200
"""Longest organisation id a link may carry (the users file allows no longer ones either)."""
LINK_KEY = "deep_link"
LINK_PROBLEM_KEY = "deep_link_problem"


@dataclass(frozen=True)
class DeepLink:
    """Where a link points.

    Attributes:
        page: One of :data:`LINK_PAGES`.
        org: The organisation id it names.
    """

    page: str
    org: str


def parse_link(params: Mapping[str, str]) -> DeepLink | None:
    """The link in a page's query parameters, or None when they hold none (or an invalid one)."""
    org = str(params.get("org", "")).strip()
    page = str(params.get("page", "organisation")).strip().casefold()
    if not org or len(org) > MAX_ID or page not in LINK_PAGES:
        return None
    return DeepLink(page, org)


def remember_link() -> None:
    """Keeps the URL's deep link in the session: it must outlive the sign-in form (:func:`follow_link` then takes
    it out of the URL, so a later reload does not open it again)."""
    link = parse_link(st.query_params.to_dict())
    if link is not None:
        st.session_state[LINK_KEY] = link


def follow_link(user: User, pages: Mapping[str, st.Page]) -> None:
    """Opens the page the remembered link points to, on its organisation (does nothing when there is none).

    Args:
        user: The signed-in user.
        pages: The user's :class:`st.Page` per name of :data:`LINK_PAGES`.
    """
    if problem := st.session_state.pop(LINK_PROBLEM_KEY, None):
        st.warning(problem)
    link = st.session_state.pop(LINK_KEY, None)
    if not isinstance(link, DeepLink):
        return
    for param in ("org", "page"):
        st.query_params.pop(param, None)
    known = labels(require_user().matcher)
    page = link.page
    if link.org not in known:
        st.warning(t("state.link_unknown", org=safe(link.org)))
        return
    if page == "find":
        if user.is_officer:
            st.session_state["find_org"] = link.org
            st.session_state.pop("find_mode", None)  # the organisation, not a profile typed in
        elif link.org != user.org_id:
            st.session_state[LINK_PROBLEM_KEY] = t("state.link_own_only")
    else:
        st.session_state["org_pick"] = link.org
    token = st.session_state.get(TOKEN_KEY)
    st.switch_page(pages[page], query_params={TOKEN_PARAM: token} if isinstance(token, str) else None)
