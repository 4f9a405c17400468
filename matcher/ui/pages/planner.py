"""Delegation planner: which visiting and host organisations meet when, maximising the total reciprocal score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import streamlit as st

from matcher.errors import USER_ERRORS, user_message
from matcher.export import brief_html, prepared, schedule_section, schedule_table, shortfall_text, to_csv, to_xlsx
from matcher.policy import Access
from matcher.schedule import Schedule
from matcher.ui.i18n import format_score, language, t
from matcher.ui.localise import band_label, localise_reason
from matcher.ui.state import catalog, labels, require_user
from matcher.ui.widgets import safe

MAX_SLOTS = 40
MAX_SIDE = 60  # organisations per side: each visitor is ranked against every host before planning


def _slots(text: str) -> list[str]:
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def _availability(side: str, ids: list[str], slots: list[str], labels: dict[str, str]) -> np.ndarray:
    """Everyone is free in every slot unless the officer unticks a cell."""
    frame = pd.DataFrame(True, index=[labels[i] for i in ids], columns=slots)
    edited = st.data_editor(frame, key=f"plan_avail_{side}_{len(ids)}_{len(slots)}", width="stretch")
    return edited.to_numpy(dtype=bool)


def _plan(access: Access, visitors: list[str], hosts: list[str], slots: list[str], free_v: np.ndarray,
          free_h: np.ndarray, cap_v: int, cap_h: int, min_score: float) -> Schedule:
    with st.spinner(t("planner.scoring")):
        return access.plan(visitors, hosts, slots, visitor_availability=free_v, host_availability=free_h,
                           visitor_capacity=cap_v, host_capacity=cap_h, min_score=min_score)


def shortfall_markdown(plan: Schedule, labels: Mapping[str, str]) -> str:
    """Who got no meeting for lack of a good match ("Not enough good matches for ..."), names escaped."""
    return safe(shortfall_text(plan, labels))


def no_meeting_markdown(ids: Sequence[str], labels: Mapping[str, str]) -> str:
    """The caption naming visitors with good matches but no shared slot or capacity left, names escaped."""
    return t("planner.no_meeting") + safe(
        ", ".join(labels.get(i, i) for i in ids)
    )


def _show(plan: Schedule, labels: dict[str, str], names: dict[str, str], title: str, by: str) -> None:
    shortfall = shortfall_markdown(plan, labels)
    if not plan.meetings:
        st.warning(t("planner.no_pair") + (shortfall + " " if shortfall else "") + t("planner.add_more"))
        return
    method = {"optimal": t("planner.method_optimal"), "time-limited": t("planner.method_time_limited"),
              "greedy": t("planner.method_greedy")}[plan.method]
    st.success(t("planner.planned", n=len(plan.meetings), total=format_score(plan.total_score), method=method))
    if shortfall:
        st.warning(shortfall + t("planner.no_weak"))
    lang = language()
    table = schedule_table(plan, labels)
    table["Band"] = table["Band"].map(lambda band: band_label(band, lang))
    table["Reason"] = table["Reason"].map(lambda reason: localise_reason(reason, lang))
    st.dataframe(
        table, hide_index=True, width="stretch", key="plan_table",
        column_config={"Slot": st.column_config.TextColumn(t("planner.slot")),
                       "Visitor": st.column_config.TextColumn(t("planner.visitor")),
                       "Host": st.column_config.TextColumn(t("planner.host")),
                       "Score": st.column_config.ProgressColumn(t("table.score"), min_value=0.0, max_value=1.0,
                                                                format="%.2f"),
                       "Band": st.column_config.TextColumn(t("planner.band")),
                       "Reason": st.column_config.TextColumn(t("planner.why_meet"), width="large")},
    )
    with st.expander(t("planner.agenda")):
        grid = plan.to_grid("visitor").replace(labels)
        st.dataframe(grid.rename(index=labels), width="stretch", key="plan_grid")
    lacking = set(plan.without_good_match)
    no_slot = [v for v in plan.unmatched_visitors if v not in lacking]
    if no_slot:
        st.caption(no_meeting_markdown(no_slot, labels))
    export = schedule_table(plan, names)
    csv, xlsx, brief = st.columns(3)
    csv.download_button(t("common.csv"), data=lambda: to_csv(export), file_name="schedule.csv", mime="text/csv",
                        on_click="ignore", icon=":material/download:", key="plan_csv")
    xlsx.download_button(t("common.xlsx"), data=lambda: to_xlsx(export, sheet_name="Schedule"),
                         file_name="schedule.xlsx", on_click="ignore", icon=":material/table_view:", key="plan_xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    brief.download_button(t("common.brief"), data=lambda: brief_html(title, [schedule_section(plan, names)],
                                                                 subtitle=prepared(by)),
                          file_name="schedule-brief.html", mime="text/html", on_click="ignore",
                          icon=":material/print:", key="plan_brief")


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title(t("nav.planner"), anchor=False)
    if not access.user.is_officer:
        st.error(t("planner.officers_only"))
        return
    st.caption(t("planner.caption"))
    cat = catalog(access.matcher)
    cities = sorted(cat["city"].unique().tolist())
    if len(cities) < 2:
        st.info(t("planner.two_cities"))
        return
    shown = labels(access.matcher)
    left, right = st.columns(2)
    visiting = left.selectbox(t("planner.visiting_city"), cities, key="plan_from")
    host = right.selectbox(t("planner.host_city"), [c for c in cities if c != visiting], key="plan_to")
    in_city = {c: cat.loc[cat["city"] == c, "id"].tolist() for c in (visiting, host)}
    visitors = left.multiselect(t("planner.visiting_orgs"), in_city[visiting], key="plan_visitors",
                                placeholder=t("filters.choose"),
                                format_func=shown.__getitem__, max_selections=MAX_SIDE)
    hosts = right.multiselect(t("planner.host_orgs"), in_city[host], key="plan_hosts", placeholder=t("filters.choose"),
                              format_func=shown.__getitem__, max_selections=MAX_SIDE)
    slots = _slots(st.text_area(t("planner.slots"), value=t("planner.default_slots"), key="plan_slots"))
    a, b, c = st.columns(3)
    cap_v = a.number_input(t("planner.cap_visitor"), 1, MAX_SLOTS, 4, key="plan_cap_v")
    cap_h = b.number_input(t("planner.cap_host"), 1, MAX_SLOTS, 2, key="plan_cap_h")
    bands = access.calibration.ranking  # the workspace encoder's: cosines differ from one model to the next
    band_help = t("planner.band_help", strong=format_score(bands.strong), possible=format_score(bands.possible))
    min_score = c.slider(t("planner.min_score"), 0.0, 1.0, bands.possible, 0.01, key="plan_min", help=band_help)
    c.caption(t("planner.band_scale", possible=format_score(bands.possible), strong=format_score(bands.strong)))
    if not visitors or not hosts:
        st.info(t("planner.pick_both"))
        return
    if not slots or len(slots) > MAX_SLOTS:
        st.error(t("planner.slots_range", max=MAX_SLOTS))
        return
    with st.expander(t("planner.availability")):
        free_v = _availability("v", visitors, slots, shown)
        free_h = _availability("h", hosts, slots, shown)
    if st.button(t("planner.plan"), key="plan_go", type="primary", icon=":material/event_available:"):
        try:
            st.session_state["plan"] = _plan(access, visitors, hosts, slots, free_v, free_h, int(cap_v), int(cap_h),
                                             float(min_score))
        except USER_ERRORS as error:
            st.error(t("planner.no_plan", error=safe(user_message(error))))
            return
    plan = st.session_state.get("plan")
    if plan is not None and set(plan.visitors) == set(visitors) and set(plan.hosts) == set(hosts):
        names = dict(zip(cat["id"], cat["name"], strict=True))
        _show(plan, shown, names, f"Delegation from {visiting} to {host}", access.user.name)
    elif plan is not None:
        st.caption(t("planner.changed"))


if __name__ == "__main__":
    render()
