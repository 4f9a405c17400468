"""Organisation: one profile, its known partners, similar organisations in other cities, and officers' notes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from matcher.api import MatcherError
from matcher.store import StoreError
from matcher.ui.access import Access
from matcher.ui.state import catalog, labels, require_user
from matcher.ui.widgets import FIND_PAGE, headline, org_picker, profile_card, safe, type_label


def _partners(access: Access, org_id: str) -> None:
    partners = access.partnerships(org_id)
    if partners.empty:
        st.info("No known partnerships.")
        return
    frame = partners.rename(
        columns={"name": "Organisation", "city": "City", "country": "Country", "kind": "Kind", "year": "Year",
                 "note": "Note"}
    ).drop(columns="partner_id")
    frame["Kind"] = frame["Kind"].str.replace("_", " ")
    st.dataframe(frame, hide_index=True, width="stretch", key="org_partners",
                 column_config={"Year": st.column_config.NumberColumn("Year", format="%d")})


def _similar(access: Access, org_id: str) -> None:
    try:
        peers = access.similar(org_id, k=10)
    except (MatcherError, ValueError, KeyError) as error:
        st.error(f"Similar organisations are not available: {safe(error)}")
        return
    if not peers:
        st.info("No similar organisation in another city.")
        return
    frame = pd.DataFrame(
        {
            "Organisation": [m.name for m in peers],
            "City": [f"{m.city} ({m.country})" for m in peers],
            "Type": [type_label(m.org_type) for m in peers],
            "Similarity": [m.score for m in peers],
            "Why": [headline(m.reasons) for m in peers],
        }
    )
    st.dataframe(
        frame, hide_index=True, width="stretch", key="org_similar",
        column_config={"Similarity": st.column_config.ProgressColumn("Similarity", min_value=0.0, max_value=1.0,
                                                                     format="%.2f")},
    )


def _add_note(access: Access, org_id: str) -> None:
    text = st.session_state.get("note_text", "")
    try:
        access.add_note(org_id, text)
    except StoreError as error:
        st.session_state["org_error"] = str(error).capitalize() + "."
        return
    st.session_state["note_text"] = ""


def _notes(access: Access, org_id: str) -> None:
    st.caption("Notes are visible to investment officers only.")
    st.text_area("New note", key="note_text", max_chars=5_000, height=90)
    st.button("Add note", key="note_add", icon=":material/note_add:", on_click=_add_note, args=(access, org_id))
    notes = access.notes(org_id)
    if notes.empty:
        st.info("No notes yet.")
    for note in notes.itertuples():
        with st.container(border=True):
            st.caption(safe(f"{note.author or 'someone'} · {note.created_at}"))
            st.markdown(safe(note.text))
            st.button("Delete", key=f"note_del_{note.id}", icon=":material/delete:",
                      on_click=access.delete_note, args=(int(note.id),))


def _shortlist(access: Access, org_id: str) -> None:
    lists = access.shortlists()
    if lists.empty:
        st.caption("Create a shortlist on the Shortlists page to keep this organisation in mind.")
        return
    names = dict(zip(lists["id"].astype(int), lists["name"], strict=True))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox("Shortlist", list(names), format_func=names.__getitem__, key="org_shortlist")
    if right.button("Add to shortlist", key="org_shortlist_add", icon=":material/playlist_add:"):
        access.set_shortlist_entry(int(chosen), org_id)
        st.toast("Added to the shortlist.", icon=":material/playlist_add_check:")


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title("Organisation", anchor=False)
    cat = catalog(access.matcher)
    if cat.empty:
        st.info("No organisations in the workspace yet. An investment officer can import profiles on the Data page.")
        return
    # Start from the organisation the user was just looking at in Find partners (their own, for a startup).
    default = access.user.org_id or st.session_state.get("find_org")
    org_id = org_picker("Organisation", labels(access.matcher), key="org_pick", default=default)
    if org_id is None:
        st.info("Pick an organisation to see its profile.")
        return
    if error := st.session_state.pop("org_error", None):
        st.error(safe(error))
    try:
        fields = access.profile(org_id)
    except MatcherError as error:
        st.error(safe(error))
        return
    profile_card(fields)
    if access.user.is_officer or org_id == access.user.org_id:
        if st.button("Find partners for it", key="org_find", icon=":material/handshake:", type="primary"):
            st.session_state["find_org"] = org_id
            st.session_state.pop("find_mode", None)
            st.switch_page(FIND_PAGE)
    titles = ["Partners", "Similar elsewhere", *(["Notes and shortlists"] if access.user.is_officer else [])]
    tabs = st.tabs(titles)
    with tabs[0]:
        _partners(access, org_id)
    with tabs[1]:
        st.caption("Organisations like this one in other cities: peers to learn from or to join forces with.")
        _similar(access, org_id)
    if access.user.is_officer:
        with tabs[2]:
            _shortlist(access, org_id)
            _notes(access, org_id)


if __name__ == "__main__":
    render()
