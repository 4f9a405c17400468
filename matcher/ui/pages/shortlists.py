"""Shortlists: named lists of organisations with a stage and a note per entry, exported as CSV, XLSX or a brief.

A list is of partners (stages new ... agreement) or a city's investment pipeline of leads (identified ...
investment, each lead with the officer who follows it up); each is shown with its own stages.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import streamlit as st

from matcher.errors import USER_ERRORS, user_message
from matcher.policy import Access
from matcher.schema import MAX_OWNER_CHARS, SHORTLIST_PURPOSES, STAGES_BY_PURPOSE
from matcher.ui.i18n import t
from matcher.ui.pages.attract import stage_label
from matcher.ui.state import labels, require_user
from matcher.ui.widgets import org_picker, pipeline_label, safe, type_label

# Each purpose's stage labels in the session's language, and its name (literal keys, so the catalogue tests see them).
STAGE_LABELS: dict[str, Callable[[str], str]] = {"partners": pipeline_label, "investment": stage_label}
PURPOSE_KEYS = {"partners": "shortlists.purpose_partners", "investment": "shortlists.purpose_investment"}


def _sentence(error: Exception) -> str:
    """A user error as a sentence; names in it keep their case (``str.capitalize`` would lower them)."""
    message = user_message(error)
    return f"{message[:1].upper()}{message[1:]}."


def _create(access: Access) -> None:
    name = st.session_state.get("sl_new_name", "")
    try:
        st.session_state["sl_current"] = access.create_shortlist(
            name, purpose=st.session_state.get("sl_new_purpose") or "partners"
        )
    except USER_ERRORS as error:
        st.session_state["sl_error"] = _sentence(error)
        return
    st.session_state["sl_new_name"] = ""


def _set(access: Access, shortlist_id: int, profile_id: str, field: str) -> None:
    value = st.session_state[f"sl_{field}_{shortlist_id}_{profile_id}"]
    try:
        access.set_shortlist_entry(shortlist_id, profile_id, **{field: value})
    except USER_ERRORS as error:
        st.session_state["sl_error"] = _sentence(error)


def _set_note(access: Access, shortlist_id: int, profile_id: str, seen: str) -> None:
    """Saves a note only if the stored one is still the note this page showed (``seen``): another officer's
    change made meanwhile is never overwritten silently; the editor is told to reload instead."""
    value = st.session_state[f"sl_note_{shortlist_id}_{profile_id}"]
    try:
        access.set_shortlist_entry(shortlist_id, profile_id, note=value, expected_note=seen)
    except USER_ERRORS as error:
        st.session_state["sl_error"] = t("shortlists.note_not_saved", error=user_message(error))


def list_labels(lists: pd.DataFrame) -> dict[int, str]:
    """Shortlists by id as the pickers show them: the name and number of entries, pipelines marked as such."""
    return {
        int(i): t("shortlists.pipeline_name", name=n, n=e) if p == "investment" else f"{n} ({e})"
        for i, n, e, p in zip(lists["id"], lists["name"], lists["entries"], lists["purpose"], strict=True)
    }


def add_entry(access: Access, shortlist_id: int, profile_id: str, purpose: str) -> None:
    """Puts an organisation on a shortlist (one there already stays as it is); on a pipeline, a new lead is
    followed up by whoever adds it, until someone else takes it over."""
    listed = profile_id in set(access.shortlist_entries(shortlist_id)["profile_id"])
    owner = access.user.name if purpose == "investment" and not listed else None
    access.set_shortlist_entry(shortlist_id, profile_id, owner=owner)


def _add(access: Access, shortlist_id: int, purpose: str) -> None:
    profile_id = st.session_state.get("sl_add_pick")
    if profile_id:
        add_entry(access, shortlist_id, profile_id, purpose)
        st.session_state["sl_add_pick"] = None


def _delete(access: Access, shortlist_id: int) -> None:
    access.delete_shortlist(shortlist_id)
    st.session_state.pop("sl_current", None)


def _entries(access: Access, shortlist_id: int, purpose: str, entries: pd.DataFrame) -> None:
    if entries.empty:
        st.info(t("shortlists.empty"))
        return
    stages = STAGES_BY_PURPOSE[purpose]
    pipeline = purpose == "investment"  # its leads show who follows each up
    widths = [3, 2, 2, 2, 3, 1] if pipeline else [3, 2, 2, 4, 1]
    titles = [t("table.organisation"), t("shortlists.place"), t("shortlists.stage"),
              *([t("attract.owner")] if pipeline else []), t("shortlists.note"), ""]  # fmt: skip
    for column, title in zip(st.columns(widths), titles, strict=True):
        column.markdown(f"**{title}**")
    for entry in entries.itertuples():
        name, place, stage, *owner, note, remove = st.columns(widths, vertical_alignment="center")
        name.markdown(safe(entry.name if isinstance(entry.name, str) else t("shortlists.removed", id=entry.profile_id)))
        place.caption(safe(f"{entry.city} ({entry.country}) · {type_label(str(entry.org_type))}"))
        key = f"{shortlist_id}_{entry.profile_id}"
        stage.selectbox(
            t("shortlists.stage"), stages, index=stages.index(entry.stage), key=f"sl_stage_{key}",
            format_func=STAGE_LABELS[purpose], label_visibility="collapsed",
            on_change=_set, args=(access, shortlist_id, entry.profile_id, "stage"),
        )
        for column in owner:
            column.text_input(
                t("attract.owner"), value=entry.owner if isinstance(entry.owner, str) else "", key=f"sl_owner_{key}",
                max_chars=MAX_OWNER_CHARS, label_visibility="collapsed", placeholder=t("attract.owner_placeholder"),
                on_change=_set, args=(access, shortlist_id, entry.profile_id, "owner"),
            )
        note.text_input(
            t("shortlists.note"), value=entry.note, key=f"sl_note_{key}", max_chars=2_000,
            label_visibility="collapsed", placeholder=t("shortlists.note_placeholder"), on_change=_set_note,
            args=(access, shortlist_id, entry.profile_id, entry.note),  # the note this page shows: compare-and-set
        )
        remove.button("", key=f"sl_remove_{key}", icon=":material/close:", help=t("shortlists.remove_help"),
                      on_click=access.remove_shortlist_entry, args=(shortlist_id, entry.profile_id))


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title(t("nav.shortlists"), anchor=False)
    try:
        lists = access.shortlists()
    except USER_ERRORS as error:
        st.error(f"{safe(user_message(error))}.")
        return
    st.caption(t("shortlists.caption"))
    with st.sidebar.form("sl_new", clear_on_submit=False, border=False):
        st.text_input(
            t("shortlists.new"), key="sl_new_name", max_chars=100, placeholder=t("shortlists.new_placeholder")
        )
        st.radio(t("shortlists.purpose"), SHORTLIST_PURPOSES, key="sl_new_purpose",
                 format_func=lambda purpose: t(PURPOSE_KEYS[purpose]), help=t("shortlists.purpose_help"))
        st.form_submit_button(t("shortlists.create"), key="sl_create", icon=":material/add:", on_click=_create,
                              args=(access,))
    if problem := st.session_state.pop("sl_error", None):
        st.error(safe(problem))
    if lists.empty:
        st.info(t("shortlists.none"))
        return
    rows = lists.set_index(lists["id"].astype(int))
    names = list_labels(lists)
    if st.session_state.get("sl_current") not in names:
        st.session_state["sl_current"] = next(iter(names))
    shortlist_id = st.selectbox(t("common.shortlist"), list(names), format_func=names.__getitem__, key="sl_current")
    purpose = str(rows.at[shortlist_id, "purpose"])
    if purpose == "investment":
        st.caption(t("shortlists.pipeline_caption"))
    entries = access.shortlist_entries(shortlist_id)
    _entries(access, shortlist_id, purpose, entries)

    listed = set(entries["profile_id"])
    addable = {pid: label for pid, label in labels(access.matcher).items() if pid not in listed}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    with left:
        org_picker(t("shortlists.add_org"), addable, key="sl_add_pick")
    right.button(t("shortlists.add"), key="sl_add", icon=":material/playlist_add:", on_click=_add,
                 args=(access, shortlist_id, purpose))

    st.subheader(t("shortlists.export"), anchor=False)
    st.caption(t("shortlists.export_caption"))
    stem = re.sub(r"[^\w-]+", "-", str(rows.at[shortlist_id, "name"])).strip("-").lower() or "shortlist"
    csv, xlsx, brief = st.columns(3)
    csv.download_button(t("common.csv"), data=lambda: access.shortlist_csv(shortlist_id), file_name=f"{stem}.csv",
                        mime="text/csv", key="sl_csv", icon=":material/download:", on_click="ignore")
    xlsx.download_button(t("common.xlsx"), data=lambda: access.shortlist_xlsx(shortlist_id), file_name=f"{stem}.xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="sl_xlsx",
                         icon=":material/table_view:", on_click="ignore")
    brief.download_button(t("common.brief"), data=lambda: access.shortlist_brief(shortlist_id),
                          file_name=f"{stem}-brief.html", mime="text/html", key="sl_brief",
                          icon=":material/print:", on_click="ignore")

    st.divider()
    with st.expander(t("shortlists.delete_title")):
        confirm = st.checkbox(t("shortlists.confirm"), key="sl_confirm_delete")
        st.button(t("shortlists.delete"), key="sl_delete", disabled=not confirm, type="primary",
                  on_click=_delete, args=(access, shortlist_id))


if __name__ == "__main__":
    render()
