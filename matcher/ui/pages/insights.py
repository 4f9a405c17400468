"""Insights: the alliance on a map with the flows between its cities, a sector x city heatmap, and counts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from matcher.policy import Access
from matcher.ui.charts import (
    ELSEWHERE,
    city_flows,
    city_points,
    flow_map,
    flow_matrix,
    sector_city_counts,
    sector_heatmap,
)
from matcher.ui.i18n import format_number, language, t
from matcher.ui.state import catalog, require_user
from matcher.ui.widgets import type_label

# Page files run as scripts, where Streamlit would display a bare string: constants carry comments instead.
SAMPLE = 300  # askers whose suggestions make the "suggested matches" flows (all of a smaller catalogue)
TOP = 5
# The flow choices are kept by their English words; shown translated.
FLOWS = {"Known partnerships": "insights.flows_partnerships", "Suggested matches": "insights.flows_suggested"}
VIEWS = {"Map": "insights.view_map", "Matrix": "insights.view_matrix"}


@st.cache_data(max_entries=4, show_spinner=t("insights.ranking"))
def suggested_pairs(_access: Access, workspace: str, version: int) -> pd.DataFrame:
    """Cached per workspace and store version (the arguments that key the cache)."""
    return _access.suggested_city_pairs(sample=SAMPLE, k=TOP)


def _partnership_pairs(profiles: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    city = dict(zip(profiles["id"], profiles["city"], strict=True))
    return pd.DataFrame({"source_city": edges["source_id"].map(city), "target_city": edges["target_id"].map(city)})


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title(t("nav.insights"), anchor=False)
    if not access.user.is_officer:
        st.error(t("insights.officers_only"))
        return
    m = access.matcher
    cat = catalog(m)
    if cat.empty:
        st.info(t("insights.no_orgs"))
        return
    lang = language()
    stats = m.stats()
    columns = st.columns(5)
    columns[0].metric(t("insights.organisations"), format_number(stats["profiles"], lang))
    columns[1].metric(t("insights.partnerships"), format_number(stats["partnerships"], lang))
    columns[2].metric(t("insights.cities"), format_number(cat["city"].nunique(), lang))
    columns[3].metric(t("insights.feedback"), format_number(stats["feedback"], lang))
    columns[4].metric(t("insights.shortlists"), format_number(stats["shortlists"], lang))

    st.header(t("insights.alliance"), anchor=False)
    # Both choices always show one option selected: the session starts them, and required keeps one chosen.
    st.session_state.setdefault("ins_view", "Map")
    st.session_state.setdefault("ins_flows", "Known partnerships")
    left, right = st.columns(2)
    view = left.segmented_control(
        t("insights.view"), list(VIEWS), key="ins_view", format_func=lambda v: t(VIEWS[v]), required=True
    )
    flows_of = right.segmented_control(
        t("insights.flows"), list(FLOWS), key="ins_flows", format_func=lambda f: t(FLOWS[f]),
        help=t("insights.flows_help", top=TOP, sample=SAMPLE), required=True,
    )
    if flows_of == "Suggested matches":
        pairs = suggested_pairs(access, str(m.workspace.root), m.version())
        what, count_title = "suggested matches", t("insights.count_suggested")
        what_shown = t("insights.what_suggested")
    else:
        pairs = _partnership_pairs(cat, m.partnerships())
        what, count_title = "partnerships", t("insights.count_partnerships")
        what_shown = t("insights.what_partnerships")
    flows = city_flows(pairs)
    if view == "Matrix":
        st.altair_chart(flow_matrix(flows, what=count_title), width="stretch", key="ins_matrix")
        st.caption(t("insights.matrix_caption", what=what_shown))
    else:
        st.altair_chart(flow_map(city_points(cat), flows, what=count_title), width="stretch", key="ins_map")
        st.caption(t("insights.map_caption", what=what_shown))
    if not flows.empty:
        with st.expander(t("insights.flows_table")):
            # Columns keep their English names; the headings shown are translated.
            st.dataframe(
                flows[["source", "target", "count"]].rename(columns={"source": "From", "target": "To",
                                                                     "count": what.capitalize()}),
                hide_index=True, width="stretch", key="ins_flow_table",
                column_config={"From": st.column_config.TextColumn(t("charts.from")),
                               "To": st.column_config.TextColumn(t("charts.to")),
                               what.capitalize(): st.column_config.NumberColumn(count_title)},
            )

    st.header(t("insights.sectors"), anchor=False)
    counts = sector_city_counts(cat)
    counts["city"] = counts["city"].replace({ELSEWHERE: t("charts.elsewhere")})
    st.altair_chart(sector_heatmap(counts), width="stretch")

    st.header(t("insights.types"), anchor=False)
    types = pd.crosstab(cat["org_type"].map(lambda o: type_label(o, lang)), cat["city"])
    st.dataframe(types.rename_axis(index=t("table.type"), columns=None), width="stretch", key="ins_types")


if __name__ == "__main__":
    render()
