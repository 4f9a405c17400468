"""Find partners: ranked, explained partners for an organisation or for a profile typed in, with feedback."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from matcher.errors import USER_ERRORS, user_message
from matcher.policy import FEEDBACK_REASONS, Access
from matcher.rank import Match, Recommendations
from matcher.schema import Profile
from matcher.service.curation import ShortlistSuggestion
from matcher.service.meetings import MAX_MESSAGE_CHARS, local_time
from matcher.ui.i18n import format_datetime, format_score, language, t, tn, vocab_label
from matcher.ui.localise import band_label, band_note, describe_filters, localise_reasons
from matcher.ui.saving import default_name, save_panel
from matcher.ui.state import catalog, labels, require_user
from matcher.ui.widgets import (
    FilterChoice,
    filter_sidebar,
    open_organisation,
    org_picker,
    profile_form,
    safe,
    show_matches,
)

_FEEDBACK_LABELS = ("relevant", "not_relevant", "contacted")  # each has find.done.* and find.said.* messages
# The modes are kept by their English words (the session keeps the choice across pages); shown translated.
_MODES = {
    "An organisation": "find.mode.organisation",
    "A profile typed in": "find.mode.typed",
    "My organisation": "find.mode.mine",
    "My profile, edited": "find.mode.mine_edited",
}


def feedback_toast(name: str, label: str) -> str:
    """What the toast says once feedback is stored: the organisation's name escaped (a toast is Markdown)."""
    return t("find.toast", name=safe(name), done=t(f"find.done.{label}"))


def shortlist_toast(name: str) -> str:
    """What the toast says once an organisation is shortlisted: its name escaped."""
    return t("find.shortlist_toast", name=safe(name))


def _recommend(access: Access, query: str | Profile, choice: FilterChoice) -> Recommendations:
    """Suggestions, recomputed only when the query, the filters, the store or the asker's feedback change."""
    asker = query if isinstance(query, str) else query.id
    key = (
        access.matcher.version(),
        access.feedback_version(asker),
        query if isinstance(query, str) else query.content_hash(),
        choice,
    )
    cached = st.session_state.get("find_cache")
    if cached is not None and cached[0] == key:
        return cached[1]
    with st.spinner(t("find.ranking")):
        found = access.recommend(query, k=choice.k, filters=choice.filters, other_city_only=choice.other_city_only)
    st.session_state["find_cache"] = (key, found)
    return found


def _give_feedback(access: Access, asker: str, match: Match, label: str) -> None:
    reason = st.session_state.get(f"reason_{match.id}") if label == "not_relevant" else None
    try:
        access.add_feedback(asker, match.id, label, reason)
    except USER_ERRORS as error:
        st.session_state["find_error"] = user_message(error)
        return
    st.toast(feedback_toast(match.name, label), icon=":material/check:")


def _add_to_shortlist(access: Access, asker: str, match: Match) -> None:
    shortlist = st.session_state.get(f"sl_{match.id}")
    if shortlist is None:
        st.session_state["find_error"] = t("find.create_shortlist_first")
        return
    # The score and reasons it was suggested with go into the shortlist's exports.
    suggestion = ShortlistSuggestion(asker, match.score, tuple(match.reasons))
    access.set_shortlist_entry(int(shortlist), match.id, suggestion=suggestion)
    st.toast(shortlist_toast(match.name), icon=":material/playlist_add_check:")


def _result_panel(
    access: Access, asker: str, rank: int, match: Match, said: str | None, shortlists: dict[int, str]
) -> None:
    lang = language()
    title = t("find.result", rank=rank, name=match.name, city=match.city, band=band_label(match.band, lang),
              score=format_score(match.score, lang)) + (f" · {said}" if said else "")
    with st.expander(safe(title)):
        # Only the template words are translated: what the reasons quote stays in the profiles' own words.
        reasons = localise_reasons(match.reasons, lang)
        st.markdown("\n".join(f"- {safe(reason)}" for reason in reasons) or t("find.no_reasons"))
        left, middle, right, last = st.columns([1, 1, 2, 1], vertical_alignment="bottom")
        left.button(t("find.relevant"), key=f"rel_{match.id}", icon=":material/thumb_up:",
                    on_click=_give_feedback, args=(access, asker, match, "relevant"))
        middle.button(t("find.contacted"), key=f"con_{match.id}", icon=":material/mail:",
                      on_click=_give_feedback, args=(access, asker, match, "contacted"))
        # No reason chosen beforehand: a quick "not relevant" records none rather than the first in the list.
        right.selectbox(t("find.not_relevant_because"), FEEDBACK_REASONS, key=f"reason_{match.id}", index=None,
                        placeholder=t("find.hidden.reason_placeholder"),
                        format_func=lambda reason: vocab_label("feedback", reason, str, lang))
        last.button(t("find.not_relevant"), key=f"nrel_{match.id}", icon=":material/thumb_down:",
                    help=t("find.not_relevant_help"),
                    on_click=_give_feedback, args=(access, asker, match, "not_relevant"))
        if access.user.is_officer:
            pick, add, open_ = st.columns([2, 1, 1], vertical_alignment="bottom")
            if shortlists:
                pick.selectbox(t("common.shortlist"), list(shortlists), key=f"sl_{match.id}",
                               format_func=shortlists.__getitem__)
            add.button(t("common.add_to_shortlist"), key=f"add_{match.id}", icon=":material/playlist_add:",
                       disabled=not shortlists, help=None if shortlists else t("find.shortlist_help"),
                       on_click=_add_to_shortlist, args=(access, asker, match))
            if open_.button(t("common.open_profile"), key=f"open_{match.id}", icon=":material/apartment:"):
                open_organisation(match.id)
        else:
            meet, open_ = st.columns([2, 1], vertical_alignment="bottom")
            with meet.popover(t("find.hidden.request_meeting"), icon=":material/event:"):
                _meeting_form(access, match)
            if open_.button(t("common.open_profile"), key=f"open_{match.id}", icon=":material/apartment:"):
                open_organisation(match.id)


def _request_meeting(access: Access, match: Match) -> None:
    state = st.session_state
    day, hour = state[f"meet_day_{match.id}"], state[f"meet_time_{match.id}"]
    own = access.matcher.profile(str(access.user.org_id))
    # The time is typed at the asker's own local time, and stored in UTC.
    starts = datetime.combine(day, hour, tzinfo=local_time(datetime.now(UTC), own.city).tzinfo)
    try:
        access.request_meeting(match.id, state.get(f"meet_msg_{match.id}", ""), starts)
    except USER_ERRORS as error:
        state["find_error"] = user_message(error)
        return
    st.toast(t("find.hidden.meeting_sent", name=safe(match.name)), icon=":material/send:")


def _meeting_form(access: Access, match: Match) -> None:
    st.text_area(t("meetings.message"), key=f"meet_msg_{match.id}", max_chars=MAX_MESSAGE_CHARS, height=100,
                 placeholder=t("find.hidden.message_placeholder"))
    day, hour = st.columns(2)
    # A week ahead at ten by default: a proposal the partner can accept as it is.
    day.date_input(t("find.hidden.meeting_day"), key=f"meet_day_{match.id}", value=date.today() + timedelta(days=7),
                   min_value=date.today() + timedelta(days=1))
    hour.time_input(t("find.hidden.meeting_time"), key=f"meet_time_{match.id}", value=time(10, 0), step=900)
    st.caption(t("find.hidden.meeting_time_help"))
    st.button(t("find.hidden.send"), key=f"meet_send_{match.id}", icon=":material/send:", type="primary",
              on_click=_request_meeting, args=(access, match))


def _restore(access: Access, asker: str, candidate: str, name: str) -> None:
    access.restore(asker, candidate)
    st.toast(t("find.hidden.restored", name=safe(name)), icon=":material/visibility:")


def _hidden(access: Access, asker: str) -> None:
    """What was hidden from this asker's suggestions: one's own, to restore; officers also see who hid what, when."""
    hidden = access.dismissals(asker)
    if hidden.empty:
        return
    with st.expander(t("find.hidden.title", n=len(hidden)), icon=":material/visibility_off:"):
        for row in hidden.itertuples():
            reason = vocab_label("feedback", str(row.reason), str) if isinstance(row.reason, str) else ""
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.markdown(t("find.hidden.row", name=safe(row.name), who=safe(row.user),
                            when=format_datetime(str(row.created_at)))
                          + (f" · {safe(reason)}" if reason else ""))
            if row.user == access.user.name:
                right.button(t("find.hidden.restore"), key=f"restore_{row.candidate_id}", icon=":material/undo:",
                             on_click=_restore, args=(access, asker, str(row.candidate_id), str(row.name)))


def _query(access: Access) -> str | Profile | None:
    """The asker: an organisation of the catalogue, or a profile typed in (never imported)."""
    user = access.user
    cat = catalog(access.matcher)
    own = user.org_id if user.org_id in set(cat["id"]) else None
    modes = ["An organisation", "A profile typed in"] if user.is_officer else ["My organisation", "My profile, edited"]
    if st.session_state.get("find_mode") not in modes:
        st.session_state["find_mode"] = modes[0]
    mode = st.segmented_control(t("find.suggest_for"), modes, key="find_mode", format_func=lambda m: t(_MODES[m]))
    if mode == modes[1]:
        base = access.matcher.profile(own) if own else None
        return profile_form(
            key="find_profile",
            profile_id=f"typed:{user.name}" if user.is_officer else str(user.org_id),
            base=base,
            help=t("find.typed_help"),
        )
    if user.is_officer:
        return org_picker(
            t("common.organisation"), labels(access.matcher), key="find_org", help=t("find.organisation_help")
        )
    if own is None:
        st.warning(t("find.not_in_workspace", org=safe(user.org_id)))
        return None
    st.markdown(f"**{safe(labels(access.matcher)[own])}**")
    return own


def _offer_save(access: Access, org_id: str, choice: FilterChoice) -> None:
    """Offers to save the suggestions for ``org_id`` with the sidebar's filters, alerted in the Inbox. A profile typed
    in is not offered: a saved recommendation is for an organisation of the store."""
    cat = catalog(access.matcher)
    name = str(cat.loc[cat["id"] == org_id, "name"].iloc[0])
    # A saved recommendation suggests partners in other cities only, as the ranking does by default.
    notes = [] if choice.other_city_only else [t("saving.other_city_note", switch=t("filters.other_city"))]
    save_panel(access, key="find_saving", label=t("saving.find_button"),
               caption=t("saving.find_caption", org=safe(name)), name=default_name(t("saving.find_name", org=name)),
               filters=choice.filters, org_id=org_id, notes=notes)  # fmt: skip


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title(t("nav.find"), anchor=False)
    st.caption(t("find.caption"))
    cat = catalog(access.matcher)
    if cat.empty:
        st.info(t("common.no_orgs"))
        return
    choice = filter_sidebar(cat)
    query = _query(access)
    if query is None:
        typed = st.session_state.get("find_mode") in ("A profile typed in", "My profile, edited")
        st.info(t("find.fill_in") if typed else t("find.pick"))
        return
    if error := st.session_state.pop("find_error", None):
        st.error(safe(error))
    try:
        found = _recommend(access, query, choice)
    except USER_ERRORS as error:
        st.error(t("find.no_suggestions", error=safe(user_message(error))))
        return
    asker = query if isinstance(query, str) else query.id
    if isinstance(query, str):
        _offer_save(access, query, choice)
    # Off by default: the bands are measured on the demo, and a thin profile (one sentence typed in) scores "weak"
    # against the very organisations it needs.
    strong_only = st.toggle(t("find.strong_only"), key="find_hide_weak", help=t("find.strong_only_help"))
    found = found.at_least("possible") if strong_only else found
    lang = language()
    if not found.results and found.hidden:
        where = describe_filters(choice.filters, lang)
        st.info(t("find.all_hidden", where=safe(where), hidden=found.hidden) if where
                else t("find.all_hidden_plain", hidden=found.hidden))
    elif not found.results:
        st.info(t("find.none_pass"))
    else:
        if (note := band_note(found, choice.filters, lang)) is not None:
            st.info(safe(note))
        st.subheader(t("find.suggested", n=len(found.results)), anchor=False)
        show_matches(found.results, key="find_results")
        notes = [t("find.variety")] if found.reordered_for_variety else []
        if found.excluded_competitors:
            notes.append(tn("find.competitors", found.excluded_competitors))
        if notes:
            st.caption(" ".join(notes))
        said = _feedback_said(access, asker)
        shortlists = _shortlist_names(access)
        st.markdown(t("find.why_heading"))
        for rank, match in enumerate(found.results, start=1):
            _result_panel(access, asker, rank, match, said.get(match.id), shortlists)
    if isinstance(query, str):
        _hidden(access, asker)
    if found.existing_partners:
        st.subheader(t("find.partners", n=len(found.existing_partners)), anchor=False)
        st.caption(t("find.partners_caption"))
        show_matches(found.existing_partners, key="find_partners")


def _feedback_said(access: Access, asker: str) -> dict[str, str]:
    """The latest thing this user said of each candidate for this asker (what others said is theirs)."""
    rows = access.feedback(asker)
    rows = rows[rows["user"] == access.user.name]
    return {
        c: t(f"find.said.{label}") if label in _FEEDBACK_LABELS else label
        for c, label in zip(rows["candidate_id"], rows["label"], strict=True)
    }


def _shortlist_names(access: Access) -> dict[int, str]:
    """The shortlists of partners a suggestion may go on (investment pipelines take leads, not partners)."""
    if not access.user.is_officer:
        return {}
    lists = access.shortlists()
    lists = lists[lists["purpose"] == "partners"]
    return {int(i): str(n) for i, n in zip(lists["id"], lists["name"], strict=True)}


if __name__ == "__main__":
    render()
