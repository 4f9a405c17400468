"""Find partners: ranked, explained partners for an organisation or for a profile typed in, with feedback."""

from __future__ import annotations

import streamlit as st

from matcher.api import MatcherError
from matcher.auth import AccessDenied
from matcher.rank import VARIETY_NOTE, Match, Recommendations
from matcher.schema import Profile
from matcher.store import StoreError
from matcher.ui.access import FEEDBACK_REASONS, Access
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

_DONE = {
    "relevant": "marked relevant",
    "not_relevant": "hidden from these suggestions",
    "contacted": "marked contacted",
}
_FEEDBACK_SAID = {
    "relevant": "you marked it relevant",
    "not_relevant": "you marked it not relevant",
    "contacted": "contacted",
}


def feedback_toast(name: str, label: str) -> str:
    """What the toast says once feedback is stored: the organisation's name escaped (a toast is Markdown)."""
    return f"{safe(name)}: {_DONE[label]}."


def shortlist_toast(name: str) -> str:
    """What the toast says once an organisation is shortlisted: its name escaped."""
    return f"{safe(name)} added to the shortlist."


def _recommend(access: Access, query: str | Profile, choice: FilterChoice) -> Recommendations:
    """Suggestions, recomputed only when the query, the filters, the store or the asker's feedback change."""
    asker = query if isinstance(query, str) else query.id
    key = (
        access.matcher.store.version(),
        access.feedback_version(asker),
        query if isinstance(query, str) else query.content_hash(),
        choice,
    )
    cached = st.session_state.get("find_cache")
    if cached is not None and cached[0] == key:
        return cached[1]
    with st.spinner("Ranking partners ..."):
        found = access.recommend(query, k=choice.k, filters=choice.filters, other_city_only=choice.other_city_only)
    st.session_state["find_cache"] = (key, found)
    return found


def _give_feedback(access: Access, asker: str, match: Match, label: str) -> None:
    reason = st.session_state.get(f"reason_{match.id}") if label == "not_relevant" else None
    try:
        access.add_feedback(asker, match.id, label, reason)
    except (AccessDenied, StoreError) as error:
        st.session_state["find_error"] = str(error)
        return
    st.toast(feedback_toast(match.name, label), icon=":material/check:")


def _add_to_shortlist(access: Access, match: Match) -> None:
    shortlist = st.session_state.get(f"sl_{match.id}")
    if shortlist is None:
        st.session_state["find_error"] = "Create a shortlist first, on the Shortlists page."
        return
    access.set_shortlist_entry(int(shortlist), match.id)
    st.toast(shortlist_toast(match.name), icon=":material/playlist_add_check:")


def _result_panel(
    access: Access, asker: str, rank: int, match: Match, said: str | None, shortlists: dict[int, str]
) -> None:
    title = f"{rank}. {match.name} · {match.city} · {match.band} match, score {match.score:.2f}" + (
        f" · {said}" if said else ""
    )
    with st.expander(safe(title)):
        st.markdown("\n".join(f"- {safe(reason)}" for reason in match.reasons) or "No reasons given.")
        left, middle, right, last = st.columns([1, 1, 2, 1], vertical_alignment="bottom")
        left.button("Relevant", key=f"rel_{match.id}", icon=":material/thumb_up:",
                    on_click=_give_feedback, args=(access, asker, match, "relevant"))
        middle.button("Contacted", key=f"con_{match.id}", icon=":material/mail:",
                      on_click=_give_feedback, args=(access, asker, match, "contacted"))
        right.selectbox("Not relevant because", FEEDBACK_REASONS, key=f"reason_{match.id}")
        last.button("Not relevant", key=f"nrel_{match.id}", icon=":material/thumb_down:",
                    help="Hides it from this organisation's suggestions.",
                    on_click=_give_feedback, args=(access, asker, match, "not_relevant"))
        if access.user.is_officer:
            pick, add, open_ = st.columns([2, 1, 1], vertical_alignment="bottom")
            if shortlists:
                pick.selectbox("Shortlist", list(shortlists), key=f"sl_{match.id}", format_func=shortlists.__getitem__)
            add.button("Add to shortlist", key=f"add_{match.id}", icon=":material/playlist_add:",
                       disabled=not shortlists, help=None if shortlists else "Create one on the Shortlists page.",
                       on_click=_add_to_shortlist, args=(access, match))
            if open_.button("Open profile", key=f"open_{match.id}", icon=":material/apartment:"):
                open_organisation(match.id)
        elif st.button("Open profile", key=f"open_{match.id}", icon=":material/apartment:"):
            open_organisation(match.id)


def _query(access: Access) -> str | Profile | None:
    """The asker: an organisation of the catalogue, or a profile typed in (never imported)."""
    user = access.user
    cat = catalog(access.matcher)
    own = user.org_id if user.org_id in set(cat["id"]) else None
    modes = ["An organisation", "A profile typed in"] if user.is_officer else ["My organisation", "My profile, edited"]
    if st.session_state.get("find_mode") not in modes:
        st.session_state["find_mode"] = modes[0]
    mode = st.segmented_control("Suggest partners for", modes, key="find_mode")
    if mode == modes[1]:
        base = access.matcher.profile(own) if own else None
        return profile_form(
            key="find_profile",
            profile_id=f"typed:{user.name}" if user.is_officer else str(user.org_id),
            base=base,
            help="Nothing you type here is saved in the workspace; it is only used to rank partners.",
        )
    if user.is_officer:
        return org_picker(
            "Organisation", labels(access.matcher), key="find_org", help="The organisation looking for partners."
        )
    if own is None:
        st.warning(
            f"Your organisation ({safe(user.org_id)}) is not in the workspace yet: type your profile in instead, or "
            "ask an investment officer to import it."
        )
        return None
    st.markdown(f"**{safe(labels(access.matcher)[own])}**")
    return own


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title("Find partners", anchor=False)
    st.caption(
        "Partners in other alliance cities that fit both ways: what you seek, they offer, and what they seek, you "
        "offer. Tell us which suggestions help: a suggestion you mark not relevant is not shown again."
    )
    cat = catalog(access.matcher)
    if cat.empty:
        st.info("No organisations in the workspace yet. An investment officer can import profiles on the Data page.")
        return
    choice = filter_sidebar(cat)
    query = _query(access)
    if query is None:
        typed = st.session_state.get("find_mode") in ("A profile typed in", "My profile, edited")
        st.info("Fill in the profile and press *Find partners for this profile*." if typed
                else "Pick an organisation to see its suggested partners.")
        return
    if error := st.session_state.pop("find_error", None):
        st.error(safe(error))
    try:
        found = _recommend(access, query, choice)
    except (MatcherError, AccessDenied, ValueError, KeyError) as error:
        st.error(f"No suggestions: {safe(error)}")
        return
    asker = query if isinstance(query, str) else query.id
    # Off by default: the bands are measured on the demo, and a thin profile (one sentence typed in) scores "weak"
    # against the very organisations it needs.
    strong_only = st.toggle(
        "Only possible and strong matches",
        key="find_hide_weak",
        help="Weak matches score below the 'possible' band measured on the demo's known good pairs.",
    )
    found = found.at_least("possible") if strong_only else found
    if not found.results and found.hidden:
        st.info(f"No strong or possible match {safe(choice.filters.describe())}: {found.hidden} weak matches are "
                "hidden. Turn off *Only possible and strong matches*, or try fewer filters.")
    elif not found.results:
        st.info("No organisation passes these filters. Try fewer filters, or allow the same city.")
    else:
        if (note := found.band_note(choice.filters.describe())) is not None:
            st.info(safe(note))
        st.subheader(f"Suggested partners ({len(found.results)})", anchor=False)
        show_matches(found.results, key="find_results")
        notes = [VARIETY_NOTE] if found.reordered_for_variety else []
        if found.excluded_competitors:
            n = found.excluded_competitors
            notes.append(
                f"{n} likely competitor{'s' if n != 1 else ''} (same sector, same needs or offers) "
                f"{'are' if n != 1 else 'is'} left out."
            )
        if notes:
            st.caption(" ".join(notes))
        said = _feedback_said(access, asker)
        shortlists = _shortlist_names(access)
        st.markdown("**Why, and what you think** (open a suggestion)")
        for rank, match in enumerate(found.results, start=1):
            _result_panel(access, asker, rank, match, said.get(match.id), shortlists)
    if found.existing_partners:
        st.subheader(f"Already partners ({len(found.existing_partners)})", anchor=False)
        st.caption("Known partnerships, scored the same way; they are not repeated among the suggestions.")
        show_matches(found.existing_partners, key="find_partners")


def _feedback_said(access: Access, asker: str) -> dict[str, str]:
    """The latest thing said of each candidate for this asker."""
    rows = access.feedback(asker)
    return {c: _FEEDBACK_SAID.get(label, label) for c, label in zip(rows["candidate_id"], rows["label"], strict=True)}


def _shortlist_names(access: Access) -> dict[int, str]:
    if not access.user.is_officer:
        return {}
    lists = access.shortlists()
    return {int(i): str(n) for i, n in zip(lists["id"], lists["name"], strict=True)}


if __name__ == "__main__":
    render()
