"""Search: organisations whose profile, offers or needs are closest to a text, with the shared filters."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from matcher.api import MatcherError, SearchHit
from matcher.bands import SEARCH_BANDS
from matcher.schema import Facet
from matcher.ui.access import Access
from matcher.ui.state import catalog, require_user
from matcher.ui.widgets import FilterChoice, filter_sidebar, open_organisation, safe, type_label

_FACETS: dict[str, tuple[Facet, ...]] = {
    "Who they are and what they offer": ("profile", "offers"),
    "What they seek": ("seeks",),
}
_FACET_LABELS = {"profile": "profile", "offers": "offers", "seeks": "seeks"}


def _search(access: Access, text: str, facets: tuple[Facet, ...], choice: FilterChoice) -> list[SearchHit]:
    key = (access.matcher.store.version(), text, facets, choice.filters, choice.k)
    cached = st.session_state.get("search_cache")
    if cached is not None and cached[0] == key:
        return cached[1]
    with st.spinner("Searching ..."):
        hits = access.search(text, k=choice.k, filters=choice.filters, facets=facets)
    st.session_state["search_cache"] = (key, hits)
    return hits


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title("Search", anchor=False)
    st.caption("Describe what you are looking for in your own words: a capability, a technology, a kind of partner.")
    cat = catalog(access.matcher)
    if cat.empty:
        st.info("No organisations in the workspace yet. An investment officer can import profiles on the Data page.")
        return
    choice = filter_sidebar(cat, other_city=False)
    text = st.text_input(
        "Looking for", key="search_text", max_chars=1_000,
        placeholder="e.g. GMP fill-finish for antibody-drug conjugates",
    )
    st.session_state.setdefault("search_facets", next(iter(_FACETS)))
    where = st.segmented_control("Match against", list(_FACETS), key="search_facets")
    if not text.strip():
        st.info("Type what you are looking for and press Enter.")
        return
    try:
        hits = _search(access, text.strip(), _FACETS[where or next(iter(_FACETS))], choice)
    except (MatcherError, ValueError) as error:
        st.error(f"The search failed: {safe(error)}")
        return
    if not hits:
        where_text = " with these filters" if not choice.filters.is_empty() else ""
        st.info(f"No organisation matches “{safe(text.strip())}”{where_text}. Try other words"
                + (" or fewer filters." if where_text else "."))
        return
    frame = pd.DataFrame(
        {
            "Organisation": [h.name for h in hits],
            "City": [f"{h.city} ({h.country})" for h in hits],
            "Type": [type_label(h.org_type) for h in hits],
            "Similarity": [max(h.score, 0.0) for h in hits],
            "Match": [str(h.band) for h in hits],
            "Matched on": [_FACET_LABELS.get(h.facet, h.facet) for h in hits],
        }
    )
    st.dataframe(
        frame,
        key="search_results",
        hide_index=True,
        width="stretch",
        column_config={
            "Similarity": st.column_config.ProgressColumn(
                "Similarity", min_value=0.0, max_value=1.0, format="%.2f",
                help="Cosine similarity of your text to the organisation's best-matching text.",
            ),
            "Match": st.column_config.TextColumn(
                "Match", help=f"strong from {SEARCH_BANDS.strong:.2f}, possible from {SEARCH_BANDS.possible:.2f}, "
                f"weak from {SEARCH_BANDS.weak:.2f}; below that nothing is shown (measured on the demo's planted "
                "searches against nonsense queries).",
            ),
        },
    )
    names = {h.id: f"{h.name} · {h.city}" for h in hits}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox("Open an organisation", list(names), format_func=names.__getitem__, key="search_open")
    if right.button("Open profile", key="search_open_button", icon=":material/apartment:"):
        open_organisation(chosen)


if __name__ == "__main__":
    render()
