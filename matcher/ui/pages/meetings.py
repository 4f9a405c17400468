"""Meetings: requests to meet a suggested partner (double opt-in), the answers to give, and the agenda of accepted
meetings at both parties' local times. Startups see their own; officers see every request and answer for the
organisations that have no account."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from matcher.errors import USER_ERRORS, user_message
from matcher.policy import Access
from matcher.ui.i18n import t
from matcher.ui.state import require_user
from matcher.ui.widgets import safe

_DONE = {"accept": "meetings.done_accept", "decline": "meetings.done_decline", "withdraw": "meetings.done_withdraw"}
_STATUS = {
    "open": "meetings.status_open",
    "accepted": "meetings.status_accepted",
    "declined": "meetings.status_declined",
    "withdrawn": "meetings.status_withdrawn",
}


def _act(action: str, access: Access, meeting_id: int) -> None:
    try:
        if action == "withdraw":
            access.withdraw_meeting(meeting_id)
        else:
            access.answer_meeting(meeting_id, accept=action == "accept")
    except USER_ERRORS as error:
        st.session_state["meet_error"] = user_message(error)
        return
    st.toast(t(_DONE[action]), icon=":material/check:")


def _when(row: pd.Series) -> str:
    """Both local times, the asker's first."""
    return t("meetings.when", asker_time=row["asker_time"].replace("T", " "), asker_city=safe(row["asker_city"]),
             partner_time=row["partner_time"].replace("T", " "), partner_city=safe(row["partner_city"]))


def _request_card(access: Access, row: pd.Series) -> None:
    with st.container(border=True):
        st.markdown(t("meetings.request", asker=safe(row["asker_name"]), partner=safe(row["partner_name"]),
                      status=t(_STATUS[str(row["status"])])))
        st.caption(_when(row))
        st.text(str(row["message"]))
        meeting_id = int(row["id"])
        if row["status"] != "open":
            return
        if access.may_answer(str(row["partner_id"])):
            left, right = st.columns(2)
            left.button(t("meetings.accept"), key=f"meet_acc_{meeting_id}", icon=":material/event_available:",
                        type="primary", on_click=_act, args=("accept", access, meeting_id))
            right.button(t("meetings.decline"), key=f"meet_dec_{meeting_id}", icon=":material/event_busy:",
                         on_click=_act, args=("decline", access, meeting_id))
        elif row["requested_by"] == access.user.name:
            st.button(t("meetings.withdraw"), key=f"meet_wd_{meeting_id}", icon=":material/undo:",
                      on_click=_act, args=("withdraw", access, meeting_id))


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title(t("meetings.title"), anchor=False)
    st.caption(t("meetings.caption"))
    if error := st.session_state.pop("meet_error", None):
        st.error(safe(error))
    requests = access.meeting_requests()
    if access.user.org_id is not None:
        st.subheader(t("meetings.agenda"), anchor=False)
        agenda = access.agenda()
        if agenda.empty:
            st.info(t("meetings.no_agenda"))
        else:
            for column in ("own_time", "their_time"):
                agenda[column] = agenda[column].str.replace("T", " ")
            st.dataframe(
                agenda[["with_name", "with_city", "own_time", "their_time", "message"]].rename(columns={
                    "with_name": t("meetings.with"), "with_city": t("table.city"), "own_time": t("meetings.own_time"),
                    "their_time": t("meetings.their_time"), "message": t("meetings.message")}),
                hide_index=True, width="stretch", key="meet_agenda",
            )
    st.subheader(t("meetings.requests"), anchor=False)
    if requests.empty:
        st.info(t("meetings.no_requests"))
    for _, row in requests.iterrows():
        _request_card(access, row)


if __name__ == "__main__":
    render()
