"""Insights: the alliance on a map with the flows between its cities, a sector x city heatmap, and counts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from matcher.ui.access import Access
from matcher.ui.charts import city_flows, city_points, flow_map, sector_city_counts, sector_heatmap
from matcher.ui.state import catalog, require_user
from matcher.ui.widgets import type_label

# Page files run as scripts, where Streamlit would display a bare string: constants carry comments instead.
SAMPLE = 300  # askers whose suggestions make the "suggested matches" flows (all of a smaller catalogue)
TOP = 5


@st.cache_data(max_entries=4, show_spinner="Ranking partners for the alliance's organisations ...")
def suggested_pairs(_access: Access, workspace: str, version: int) -> pd.DataFrame:
    """Cached per workspace and store version (the arguments that key the cache)."""
    return _access.suggested_city_pairs(sample=SAMPLE, k=TOP)


def _partnership_pairs(profiles: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    city = dict(zip(profiles["id"], profiles["city"], strict=True))
    return pd.DataFrame({"source_city": edges["source_id"].map(city), "target_city": edges["target_id"].map(city)})


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title("Insights", anchor=False)
    if not access.user.is_officer:
        st.error("Insights are for investment officers only.")
        return
    m = access.matcher
    cat = catalog(m)
    if cat.empty:
        st.info("No organisations in the workspace yet: import profiles on the Data page.")
        return
    stats = m.stats()
    columns = st.columns(5)
    columns[0].metric("Organisations", stats["profiles"])
    columns[1].metric("Partnerships", stats["partnerships"])
    columns[2].metric("Cities", cat["city"].nunique())
    columns[3].metric("Feedback given", stats["feedback"])
    columns[4].metric("Shortlists", stats["shortlists"])

    st.header("The alliance", anchor=False)
    flows_of = st.segmented_control(
        "Flows", ["Known partnerships", "Suggested matches"], key="ins_flows",
        help=f"Suggested matches: the top {TOP} suggestions of up to {SAMPLE} alliance organisations.",
    )
    if flows_of == "Suggested matches":
        pairs = suggested_pairs(access, str(m.workspace.root), m.store.version())
        what = "suggested matches"
    else:
        pairs = _partnership_pairs(cat, m.partnerships())
        what = "partnerships"
    flows = city_flows(pairs)
    st.altair_chart(flow_map(city_points(cat), flows, what=what), width="stretch")
    st.caption(
        f"Dots: organisations per alliance place. Lines: {what} between places, thicker for more. Drawn offline, "
        "without map tiles."
    )
    if not flows.empty:
        with st.expander("Flows as a table"):
            st.dataframe(
                flows[["source", "target", "count"]].rename(columns={"source": "From", "target": "To",
                                                                     "count": what.capitalize()}),
                hide_index=True, width="stretch", key="ins_flow_table",
            )

    st.header("Sectors by place", anchor=False)
    st.altair_chart(sector_heatmap(sector_city_counts(cat)), width="stretch")

    st.header("Organisation types by place", anchor=False)
    counts = pd.crosstab(cat["org_type"].map(type_label), cat["city"]).rename_axis(index="Type", columns=None)
    st.dataframe(counts, width="stretch", key="ins_types")


if __name__ == "__main__":
    render()
