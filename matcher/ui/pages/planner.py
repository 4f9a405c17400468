"""Delegation planner: which visiting and host organisations meet when, maximising the total reciprocal score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import streamlit as st

from matcher.api import MatcherError
from matcher.bands import RANKING_BANDS
from matcher.export import brief_html, schedule_section, schedule_table, shortfall_text, to_csv, to_xlsx
from matcher.schedule import DEFAULT_MIN_SCORE, Schedule, plan_meetings
from matcher.ui.access import Access
from matcher.ui.state import catalog, labels, require_user
from matcher.ui.widgets import safe

DEFAULT_SLOTS = "Tue 09:30\nTue 10:30\nTue 11:30\nTue 14:00\nTue 15:00\nTue 16:00"
MAX_SLOTS = 40
MAX_SIDE = 60  # organisations per side: each visitor is ranked against every host before planning
BAND_HELP = (
    f"Pairs scoring lower do not meet. Bands of the reciprocal score, measured on the demo's planted pairs: "
    f"**strong** from {RANKING_BANDS.strong:.2f} (where the typical true pair scores), **possible** from "
    f"{RANKING_BANDS.possible:.2f} (9 in 10 true pairs score at least this), **weak** below. The default is the "
    f"possible band: fewer meetings rather than weak ones."
)


def _slots(text: str) -> list[str]:
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def _availability(side: str, ids: list[str], slots: list[str], labels: dict[str, str]) -> np.ndarray:
    """Everyone is free in every slot unless the officer unticks a cell."""
    frame = pd.DataFrame(True, index=[labels[i] for i in ids], columns=slots)
    edited = st.data_editor(frame, key=f"plan_avail_{side}_{len(ids)}_{len(slots)}", width="stretch")
    return edited.to_numpy(dtype=bool)


def _plan(access: Access, visitors: list[str], hosts: list[str], slots: list[str], free_v: np.ndarray,
          free_h: np.ndarray, cap_v: int, cap_h: int, min_score: float) -> Schedule:
    with st.spinner("Scoring every visitor with every host, then planning ..."):
        scores = access.pair_scores(visitors, hosts)
        plan = plan_meetings(scores, visitors, hosts, slots, free_v, free_h, cap_v, cap_h, min_score=min_score)
    with st.spinner("Writing why each pair should meet ..."):
        return plan.with_reasons(access.meeting_reasons(plan))


def shortfall_markdown(plan: Schedule, labels: Mapping[str, str]) -> str:
    """Who got no meeting for lack of a good match ("Not enough good matches for ..."), names escaped."""
    return safe(shortfall_text(plan, labels))


def no_meeting_markdown(ids: Sequence[str], labels: Mapping[str, str]) -> str:
    """The caption naming visitors with good matches but no shared slot or capacity left, names escaped."""
    return "No meeting (good matches, but no shared free slot or capacity left) for: " + safe(
        ", ".join(labels.get(i, i) for i in ids)
    )


def _show(plan: Schedule, labels: dict[str, str], names: dict[str, str], title: str) -> None:
    shortfall = shortfall_markdown(plan, labels)
    if not plan.meetings:
        st.warning(
            "No pair scores at or above the minimum score with these organisations and slots. "
            + (shortfall + " " if shortfall else "")
            + "Add organisations or slots, or lower the minimum score knowingly."
        )
        return
    method = {"optimal": "the best plan possible", "time-limited": "the best plan found within the time limit",
              "greedy": "a greedy plan (too large to prove the best)"}[plan.method]
    st.success(f"{len(plan.meetings)} meetings, total score {plan.total_score:.2f}: {method}.")
    if shortfall:
        st.warning(shortfall + " They get no meeting rather than a weak one.")
    table = schedule_table(plan, labels)
    st.dataframe(
        table, hide_index=True, width="stretch", key="plan_table",
        column_config={"Score": st.column_config.ProgressColumn("Score", min_value=0.0, max_value=1.0, format="%.2f"),
                       "Reason": st.column_config.TextColumn("Why they meet", width="large")},
    )
    with st.expander("Agenda per visitor"):
        grid = plan.to_grid("visitor").replace(labels)
        st.dataframe(grid.rename(index=labels), width="stretch", key="plan_grid")
    lacking = set(plan.without_good_match)
    no_slot = [v for v in plan.unmatched_visitors if v not in lacking]
    if no_slot:
        st.caption(no_meeting_markdown(no_slot, labels))
    export = schedule_table(plan, names)
    csv, xlsx, brief = st.columns(3)
    csv.download_button("CSV", data=lambda: to_csv(export), file_name="schedule.csv", mime="text/csv",
                        on_click="ignore", icon=":material/download:", key="plan_csv")
    xlsx.download_button("Excel (XLSX)", data=lambda: to_xlsx(export, sheet_name="Schedule"),
                         file_name="schedule.xlsx", on_click="ignore", icon=":material/table_view:", key="plan_xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    brief.download_button("Printable brief (HTML)", data=lambda: brief_html(title, [schedule_section(plan, names)]),
                          file_name="schedule-brief.html", mime="text/html", on_click="ignore",
                          icon=":material/print:", key="plan_brief")


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title("Delegation planner", anchor=False)
    if not access.user.is_officer:
        st.error("The delegation planner is for investment officers only.")
        return
    st.caption(
        "A delegation from one city visits another. Pick who takes part on both sides, the meeting slots and how "
        "many meetings each can take: the planner proposes the meetings with the highest total reciprocal score."
    )
    cat = catalog(access.matcher)
    cities = sorted(cat["city"].unique().tolist())
    if len(cities) < 2:
        st.info("Planning needs organisations in at least two cities.")
        return
    shown = labels(access.matcher)
    left, right = st.columns(2)
    visiting = left.selectbox("Visiting city", cities, key="plan_from")
    host = right.selectbox("Host city", [c for c in cities if c != visiting], key="plan_to")
    in_city = {c: cat.loc[cat["city"] == c, "id"].tolist() for c in (visiting, host)}
    visitors = left.multiselect("Visiting organisations", in_city[visiting], key="plan_visitors",
                                format_func=shown.__getitem__, max_selections=MAX_SIDE)
    hosts = right.multiselect("Host organisations", in_city[host], key="plan_hosts",
                              format_func=shown.__getitem__, max_selections=MAX_SIDE)
    slots = _slots(st.text_area("Meeting slots, one per line, in order", value=DEFAULT_SLOTS, key="plan_slots"))
    a, b, c = st.columns(3)
    cap_v = a.number_input("Meetings per visitor (at most)", 1, MAX_SLOTS, 4, key="plan_cap_v")
    cap_h = b.number_input("Meetings per host (at most)", 1, MAX_SLOTS, 2, key="plan_cap_h")
    min_score = c.slider("Minimum score", 0.0, 1.0, DEFAULT_MIN_SCORE, 0.01, key="plan_min", help=BAND_HELP)
    c.caption(f"weak < {RANKING_BANDS.possible:.2f} ≤ possible < {RANKING_BANDS.strong:.2f} ≤ strong")
    if not visitors or not hosts:
        st.info("Pick the visiting and the host organisations.")
        return
    if not slots or len(slots) > MAX_SLOTS:
        st.error(f"Give between 1 and {MAX_SLOTS} meeting slots.")
        return
    with st.expander("Availability (untick the slots an organisation cannot make)"):
        free_v = _availability("v", visitors, slots, shown)
        free_h = _availability("h", hosts, slots, shown)
    if st.button("Plan the meetings", key="plan_go", type="primary", icon=":material/event_available:"):
        try:
            st.session_state["plan"] = _plan(access, visitors, hosts, slots, free_v, free_h, int(cap_v), int(cap_h),
                                             float(min_score))
        except (MatcherError, ValueError, KeyError) as error:
            st.error(f"No plan: {safe(error)}")
            return
    plan = st.session_state.get("plan")
    if plan is not None and set(plan.visitors) == set(visitors) and set(plan.hosts) == set(hosts):
        names = dict(zip(cat["id"], cat["name"], strict=True))
        _show(plan, shown, names, f"Delegation from {visiting} to {host}")
    elif plan is not None:
        st.caption("The organisations changed since the last plan: plan again.")


if __name__ == "__main__":
    render()
