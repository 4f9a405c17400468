"""My profile: a startup keeps its own profile, validated as an import row, with the history of its changes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from matcher.errors import USER_ERRORS, user_message
from matcher.policy import Access
from matcher.ui.i18n import format_datetime, t
from matcher.ui.localise import sector_label
from matcher.ui.state import require_user
from matcher.ui.widgets import safe, stage_label
from matcher.vocab import SECTORS, STAGES

_TEXTS = {"description": "profile.description", "offers": "profile.offers", "seeks": "profile.seeks"}
_LISTS = {"technologies": "profile.technologies", "languages": "profile.languages"}


def _save(access: Access, org_id: str) -> None:
    state = st.session_state
    changes: dict[str, object] = {
        "name": state["me_name"],
        "sectors": list(state["me_sectors"]),
        "stage": state["me_stage"],
        "website": state["me_website"] or None,
        "employees": state["me_employees"] or None,
        **{name: state[f"me_{name}"] for name in _TEXTS},
        **{name: state[f"me_{name}"] for name in _LISTS},
    }
    try:
        edit = access.edit_profile(org_id, changes)
    except USER_ERRORS as error:
        state["me_error"] = user_message(error)
        return
    state["me_saved"] = ", ".join(edit.changed) if edit.changed else ""


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title(t("profile.title"), anchor=False)
    org_id = access.user.org_id
    if org_id is None:
        st.info(t("profile.officers"))
        return
    try:
        profile = access.matcher.profile(org_id)
    except USER_ERRORS:
        st.warning(t("find.not_in_workspace", org=safe(org_id)))
        return
    st.caption(t("profile.caption"))
    if error := st.session_state.pop("me_error", None):
        st.error(safe(error))
    if (saved := st.session_state.pop("me_saved", None)) is not None:
        st.success(t("profile.saved", fields=safe(saved)) if saved else t("profile.unchanged"))
    with st.form("me_form"):
        st.text_input(t("form.name"), value=profile.name, max_chars=200, key="me_name")
        stages = [None, *STAGES]
        left, middle, right = st.columns(3)
        left.selectbox(t("form.stage"), stages, index=stages.index(profile.stage) if profile.stage in stages else 0,
                       format_func=lambda s: stage_label(s) or t("form.not_company"), key="me_stage")
        middle.text_input(t("profile.website"), value=profile.website or "", max_chars=300, key="me_website")
        right.text_input(t("profile.employees"), value="" if profile.employees is None else str(profile.employees),
                         max_chars=9, key="me_employees")
        st.multiselect(t("form.sectors"), SECTORS, default=[s for s in profile.sectors if s in SECTORS],
                       format_func=sector_label, key="me_sectors", placeholder=t("filters.choose"))
        for name, title in _TEXTS.items():
            st.text_area(t(title), value=getattr(profile, name), height=110, max_chars=5_000,
                         key=f"me_{name}")
        for name, title in _LISTS.items():
            st.text_input(t(title), value="; ".join(getattr(profile, name)), max_chars=1_000,
                          key=f"me_{name}", help=t("profile.list_help"))
        st.form_submit_button(t("profile.save"), type="primary", icon=":material/save:",
                              on_click=_save, args=(access, org_id))
    st.subheader(t("profile.history"), anchor=False)
    history = access.profile_history(org_id)
    if history.empty:
        st.info(t("profile.no_history"))
    else:
        show_history(history)


def show_history(history: pd.DataFrame) -> None:
    """The change history as a table: when, who, field, old and new value (shared with the Organisation page)."""
    frame = history.copy()
    frame["changed_at"] = [format_datetime(str(stamp)) for stamp in frame["changed_at"]]
    frame = frame.rename(columns={"changed_at": t("profile.when"), "user": t("profile.who"),
                                  "field": t("profile.field"), "old": t("profile.old"), "new": t("profile.new")})
    st.dataframe(frame, hide_index=True, width="stretch", key="profile_history")


if __name__ == "__main__":
    render()
