"""Search: organisations whose profile, offers or needs are closest to a text, with the shared filters."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from matcher.api import SearchHit
from matcher.errors import USER_ERRORS, user_message
from matcher.policy import Access
from matcher.schema import Facet
from matcher.ui.i18n import format_score, language, t, vocab_label
from matcher.ui.localise import band_label
from matcher.ui.saving import default_name, save_panel
from matcher.ui.state import catalog, require_user
from matcher.ui.widgets import FilterChoice, filter_sidebar, open_organisation, safe, type_label

# Kept by their English words (the session keeps the choice across pages); shown translated.
_FACETS: dict[str, tuple[Facet, ...]] = {
    "Who they are and what they offer": ("profile", "offers"),
    "What they seek": ("seeks",),
}
_FACET_TITLES = {"Who they are and what they offer": "search.facet_offers", "What they seek": "search.facet_seeks"}
_SAVED_FACET = "Who they are and what they offer"
"""What a saved search matches: the search's default facets (a saved search keeps no facet choice)."""


def _search(
    access: Access, text: str, facets: tuple[Facet, ...], choice: FilterChoice, kinds_first: bool
) -> list[SearchHit]:
    key = (access.matcher.version(), text, facets, choice.filters, choice.k, kinds_first)
    cached = st.session_state.get("search_cache")
    if cached is not None and cached[0] == key:
        return cached[1]
    with st.spinner(t("search.searching")):
        hits = access.search(text, k=choice.k, filters=choice.filters, facets=facets, kinds_first=kinds_first)
    st.session_state["search_cache"] = (key, hits)
    return hits


def _offer_save(access: Access, text: str, where: str, choice: FilterChoice) -> None:
    """Offers to save the search: its text and the sidebar's filters, alerted in the Inbox."""
    saved, chosen = t(_FACET_TITLES[_SAVED_FACET]), t(_FACET_TITLES[where])
    notes = [] if where == _SAVED_FACET else [t("saving.facet_note", saved=saved, chosen=chosen)]
    save_panel(access, key="search_saving", label=t("saving.search_button"), caption=t("saving.search_caption"),
               name=default_name(text), filters=choice.filters, text=text, notes=notes)  # fmt: skip


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title(t("nav.search"), anchor=False)
    st.caption(t("search.caption"))
    cat = catalog(access.matcher)
    if cat.empty:
        st.info(t("common.no_orgs"))
        return
    choice = filter_sidebar(cat, other_city=False)
    text = st.text_input(
        t("search.looking_for"), key="search_text", max_chars=1_000, placeholder=t("search.placeholder")
    )
    st.session_state.setdefault("search_facets", next(iter(_FACETS)))
    where = st.segmented_control(
        t("search.match_against"), list(_FACETS), key="search_facets", format_func=lambda f: t(_FACET_TITLES[f])
    )
    if not text.strip():
        st.info(t("search.type_prompt"))
        return
    where = where or next(iter(_FACETS))
    lang = language()
    try:
        reading = access.read_search(text.strip())
        kinds = ", ".join(type_label(kind, lang) for kind in reading.kinds)
        # A kind word read in passing ("AI accelerator chip") is the user's to correct: one switch ranks by score.
        kinds_first = not reading.kinds or st.toggle(  # on again for each new text
            t("search.kinds_toggle", kinds=kinds), value=True, key=f"search_kinds_first_{hash(text.strip())}"
        )
        hits = _search(access, text.strip(), _FACETS[where], choice, kinds_first)
    except USER_ERRORS as error:
        st.error(t("search.failed", error=safe(user_message(error))))
        return
    _offer_save(access, text.strip(), where, choice)
    if not hits:
        filtered = not choice.filters.is_empty()
        st.info(t("search.nothing_filtered" if filtered else "search.nothing", text=safe(text.strip())))
        return
    bands = access.search_bands(text.strip())  # those the hits were banded with (a Korean search: USE's)
    if reading.gloss:  # a Korean, German or Spanish search read through the glossary: say how
        st.caption(t("search.read_as", gloss=safe(reading.gloss)))
    if reading.kinds:  # "an investor for ...": say whether those come first
        st.caption(t("search.kinds_first" if kinds_first else "search.kinds_by_score", kinds=kinds))
    frame = pd.DataFrame(
        {
            "Organisation": [h.name for h in hits],
            "City": [f"{h.city} ({h.country})" for h in hits],
            "Type": [type_label(h.org_type, lang) for h in hits],
            "Similarity": [max(h.score, 0.0) for h in hits],
            "Match": [band_label(h.band, lang) for h in hits],
            "Matched on": [vocab_label("facet", h.facet, str, lang) for h in hits],
        }
    )
    st.dataframe(
        frame,
        key="search_results",
        hide_index=True,
        width="stretch",
        column_config={
            "Organisation": st.column_config.TextColumn(t("table.organisation")),
            "City": st.column_config.TextColumn(t("table.city")),
            "Type": st.column_config.TextColumn(t("table.type")),
            "Similarity": st.column_config.ProgressColumn(
                t("table.similarity"), min_value=0.0, max_value=1.0, format="%.2f", help=t("search.similarity_help"),
            ),
            "Match": st.column_config.TextColumn(
                t("table.match"),
                help=t("search.match_help", strong=format_score(bands.strong, lang),
                       possible=format_score(bands.possible, lang), weak=format_score(bands.weak, lang)),
            ),
            "Matched on": st.column_config.TextColumn(t("search.matched_on")),
        },
    )
    names = {h.id: f"{h.name} · {h.city}" for h in hits}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(t("search.open_org"), list(names), format_func=names.__getitem__, key="search_open")
    if right.button(t("common.open_profile"), key="search_open_button", icon=":material/apartment:"):
        open_organisation(chosen)


if __name__ == "__main__":
    render()
