"""Organisation: one profile, its known partners, similar organisations in other cities, and officers' notes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from matcher.errors import USER_ERRORS, user_message
from matcher.policy import Access
from matcher.ui.i18n import format_datetime, language, t, vocab_label
from matcher.ui.localise import localise_reasons
from matcher.ui.pages.my_profile import show_history
from matcher.ui.pages.shortlists import add_entry, list_labels
from matcher.ui.state import catalog, labels, require_user
from matcher.ui.widgets import FIND_PAGE, headline, org_picker, profile_card, safe, type_label


def _partners(access: Access, org_id: str) -> None:
    partners = access.partnerships(org_id)
    if partners.empty:
        st.info(t("org.no_partners"))
        return
    frame = partners.rename(
        columns={"name": t("table.organisation"), "city": t("table.city"), "country": t("table.country"),
                 "kind": t("org.kind"), "year": t("org.year"), "note": t("org.note")}
    ).drop(columns="partner_id")
    kind = t("org.kind")
    frame[kind] = frame[kind].map(
        lambda k: vocab_label("kind", k, lambda v: v.replace("_", " ")) if isinstance(k, str) else k
    )
    st.dataframe(frame, hide_index=True, width="stretch", key="org_partners",
                 column_config={t("org.year"): st.column_config.NumberColumn(t("org.year"), format="%d")})


def _similar(access: Access, org_id: str) -> None:
    try:
        peers = access.similar(org_id, k=10)
    except USER_ERRORS as error:
        st.error(t("org.similar_unavailable", error=safe(user_message(error))))
        return
    if not peers:
        st.info(t("org.no_similar"))
        return
    lang = language()
    frame = pd.DataFrame(
        {
            "Organisation": [m.name for m in peers],
            "City": [f"{m.city} ({m.country})" for m in peers],
            "Type": [type_label(m.org_type, lang) for m in peers],
            "Similarity": [m.score for m in peers],
            "Why": localise_reasons([headline(m.reasons) for m in peers], lang),
        }
    )
    st.dataframe(
        frame, hide_index=True, width="stretch", key="org_similar",
        column_config={
            "Organisation": st.column_config.TextColumn(t("table.organisation")),
            "City": st.column_config.TextColumn(t("table.city")),
            "Type": st.column_config.TextColumn(t("table.type")),
            "Similarity": st.column_config.ProgressColumn(t("table.similarity"), min_value=0.0, max_value=1.0,
                                                          format="%.2f"),
            "Why": st.column_config.TextColumn(t("table.why")),
        },
    )


def _add_note(access: Access, org_id: str) -> None:
    text = st.session_state.get("note_text", "")
    try:
        access.add_note(org_id, text)
    except USER_ERRORS as error:
        st.session_state["org_error"] = user_message(error).capitalize() + "."
        return
    st.session_state["note_text"] = ""


def _notes(access: Access, org_id: str) -> None:
    st.caption(t("org.notes_caption"))
    st.text_area(t("org.new_note"), key="note_text", max_chars=5_000, height=90)
    st.button(t("org.add_note"), key="note_add", icon=":material/note_add:", on_click=_add_note, args=(access, org_id))
    notes = access.notes(org_id)
    if notes.empty:
        st.info(t("org.no_notes"))
    for note in notes.itertuples():
        with st.container(border=True):
            st.caption(safe(f"{note.author or t('org.someone')} · {format_datetime(str(note.created_at))}"))
            st.markdown(safe(note.text))
            st.button(t("org.delete"), key=f"note_del_{note.id}", icon=":material/delete:",
                      on_click=access.delete_note, args=(int(note.id),))


def _shortlist(access: Access, org_id: str) -> None:
    """Every shortlist, pipelines marked: the organisation looked up here may be a partner to meet or a lead to
    court (unlike Find partners' suggestions, which are partners only); added to a pipeline, the officer who
    adds it follows it up, as on the Shortlists page."""
    lists = access.shortlists()
    if lists.empty:
        st.caption(t("org.shortlist_hint"))
        return
    names = list_labels(lists)
    purposes = dict(zip(lists["id"].astype(int), lists["purpose"], strict=True))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(t("common.shortlist"), list(names), format_func=names.__getitem__, key="org_shortlist")
    if right.button(t("common.add_to_shortlist"), key="org_shortlist_add", icon=":material/playlist_add:"):
        add_entry(access, int(chosen), org_id, purposes[int(chosen)])
        st.toast(t("org.added"), icon=":material/playlist_add_check:")


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title(t("nav.organisation"), anchor=False)
    cat = catalog(access.matcher)
    if cat.empty:
        st.info(t("common.no_orgs"))
        return
    # Start from the organisation the user was just looking at in Find partners (their own, for a startup).
    default = access.user.org_id or st.session_state.get("find_org")
    org_id = org_picker(t("common.organisation"), labels(access.matcher), key="org_pick", default=default)
    if org_id is None:
        st.info(t("org.pick"))
        return
    if error := st.session_state.pop("org_error", None):
        st.error(safe(error))
    try:
        fields = access.profile(org_id)
    except USER_ERRORS as error:
        st.error(safe(user_message(error)))
        return
    profile_card(fields)
    if access.user.is_officer or org_id == access.user.org_id:
        if st.button(t("org.find_for_it"), key="org_find", icon=":material/handshake:", type="primary"):
            st.session_state["find_org"] = org_id
            st.session_state.pop("find_mode", None)
            st.switch_page(FIND_PAGE)
    titles = [t("org.tab_partners"), t("org.tab_similar"), *([t("org.tab_notes")] if access.user.is_officer else [])]
    tabs = st.tabs(titles)
    with tabs[0]:
        _partners(access, org_id)
    with tabs[1]:
        st.caption(t("org.similar_caption"))
        _similar(access, org_id)
    if access.user.is_officer:
        with tabs[2]:
            _shortlist(access, org_id)
            _notes(access, org_id)
            _history(access, org_id)


def _history(access: Access, org_id: str) -> None:
    """For officers: every change to the profile (who, when, which field, old and new), and every suggestion
    hidden from it, with who hid it and when."""
    st.subheader(t("org.history.tab"), anchor=False)
    st.caption(t("org.history.caption"))
    history = access.profile_history(org_id)
    if history.empty:
        st.info(t("profile.no_history"))
    else:
        show_history(history)
    st.subheader(t("org.history.hidden"), anchor=False)
    hidden = access.dismissals(org_id)
    if hidden.empty:
        st.info(t("org.history.nothing_hidden"))
        return
    frame = hidden.assign(created_at=[format_datetime(str(s)) for s in hidden["created_at"]]).drop(
        columns="candidate_id"
    )
    st.dataframe(
        frame.rename(columns={"name": t("table.organisation"), "user": t("profile.who"),
                              "reason": t("org.history.reason"), "created_at": t("profile.when")}),
        hide_index=True, width="stretch", key="org_hidden",
    )


if __name__ == "__main__":
    render()
