"""Attract investment (officers only): a city's cluster and strategy, its gaps, the leads that fit it, and their
pipeline.

Everything an organisation or an officer wrote (names, quotes, strategy text, notes) is shown through
:func:`~matcher.ui.widgets.safe` or inside a table, never as HTML. A startup account does not see the page in the
navigation (``matcher/ui/app.py``), and the page and :class:`~matcher.policy.Access` refuse it all the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import altair as alt
import pandas as pd
import streamlit as st

from matcher.attract import (
    LEAD_TYPES,
    Beneficiary,
    CityFits,
    ClusterView,
    Gap,
    Gaps,
    Lead,
    LeadReason,
    Leads,
    Strategy,
    fit_summary_parts,
)
from matcher.errors import USER_ERRORS, user_message
from matcher.policy import Access
from matcher.schema import INVESTMENT_STAGES, MAX_OWNER_CHARS
from matcher.service.attraction import MAX_STRATEGY_CHARS
from matcher.service.curation import ShortlistSuggestion
from matcher.ui.i18n import (
    DEFAULT_LANGUAGE,
    format_datetime,
    format_number,
    format_score,
    language,
    t,
    translate,
)
from matcher.ui.localise import localise_reason, sector_label
from matcher.ui.state import catalog, require_user
from matcher.ui.widgets import safe, type_label
from matcher.vocab import ALLIANCE_CITIES, ORG_TYPES, SECTORS

# Page files run as scripts, where Streamlit would display a bare string: constants carry comments instead.
DEFAULT_CITY = "Daejeon"  # where the page opens when the officer's record names no city (the example)
MAX_NOTE_CHARS = 2_000
K_CHOICES = (5, 10, 20, 30, 50)
ROW_HEIGHT = 72  # three lines of text a row, as the other result tables
HEADER_HEIGHT = 38  # a table's heading row and border: a table of ten leads shows them all without scrolling
# Investment stages, each with its message (a dict of literal keys, so the catalogue tests see every one).
STAGE_KEYS = {
    "identified": "attract.stage_identified",
    "contacted": "attract.stage_contacted",
    "site_visit": "attract.stage_site_visit",
    "mou": "attract.stage_mou",
    "investment": "attract.stage_investment",
}


# Each kind of a lead's reason (matcher.attract.LeadReason) and its message, the same way.
REASON_KEYS = {
    "fits": "attract.why.fits",
    "fits_none": "attract.why.fits_none",
    "gaps": "attract.why.gaps",
    "strategy_sectors": "attract.why.strategy_sectors",
    "strategy_text": "attract.why.strategy_text",
    "partners": "attract.why.partners",
    "partners_of_partners": "attract.why.partners_of_partners",
    "lookalike": "attract.why.lookalike",
}


def _sector_words(sector: str, lang: str) -> str:
    """A sector as a reason names it: English lower-cases the label mid-sentence, as the core does; the other
    languages' messages name sectors after a colon, or in Korean and German as nouns, so labels stay as they are."""
    label = sector_label(sector, lang)
    return label[:1].lower() + label[1:] if lang == DEFAULT_LANGUAGE else label


def lead_reason_text(reason: LeadReason, lang: str) -> str:
    """One of a lead's reasons in ``lang``: the message of its kind, with the names and places as stored, sectors
    by their label in the language and numbers written the local way. Plain text: pass it through
    :func:`~matcher.ui.widgets.safe` before showing it as Markdown.

    Example:
        >>> lead_reason_text(LeadReason("fits", {"n": 2, "city": "Daejeon", "names": ["A", "B"]}), "de")
        'Passt in beide Richtungen zu 2 Organisationen in Daejeon, am besten zu A, B.'
    """
    values = reason.values(
        lambda sector: _sector_words(sector, lang),
        lambda sector, seeking, offering: translate(lang, "attract.why.gap", sector=sector, seeking=seeking,
                                                    offering=offering),
        lambda value: format_score(value, lang),
    )
    # reason.key is the kind, or for a count the kind and its form (".one", ".other"): the catalogue's keys alike.
    return translate(lang, REASON_KEYS[reason.kind] + reason.key[len(reason.kind):], **values)


def lead_reasons(reasons: Sequence[str], details: Sequence[LeadReason], lang: str) -> list[str]:
    """A lead's (or a city fit's) reasons in ``lang`` from their details; a lead built without details keeps its
    reasons as they came."""
    return [lead_reason_text(reason, lang) for reason in details] if details else list(reasons)


def stage_label(stage: str) -> str:
    """An investment stage in the session's language (``site_visit`` -> ``Site visit``)."""
    key = STAGE_KEYS.get(stage)
    return t(key) if key else stage


def gainer_name(beneficiary: Beneficiary) -> str:
    """A local organisation that would gain from a lead, marked when it is a partner of the lead already (an
    existing link, not a new opportunity)."""
    if beneficiary.partner:
        return f"{beneficiary.name} ({t('attract.already_partner')})"
    return beneficiary.name


# Each part of a city-comparison summary (matcher.attract.fit_summary_parts) and its message, as literal keys so
# that the catalogue tests see every one.
_FIT_MESSAGES = {
    "none": "attract.fit_none",
    "best": "attract.fit_best",
    "best_unclear": "attract.fit_best_unclear",
    "own": "attract.fit_own",
    "rank": "attract.fit_rank",
    "next": "attract.fit_next",
}


def fit_summary(fits: CityFits, asking: str, lang: str) -> str:
    """Where a lead fits best and how ``asking`` (the officer's city) compares, in ``lang``
    (:func:`matcher.attract.fit_summary_parts`): the service's own summary (:attr:`matcher.attract.CityFits.summary`)
    is English, for the CLI and the API."""
    partner = translate(lang, "attract.already_partner")
    sentences = []
    for key, params in fit_summary_parts(fits.name, fits.fits, asking):
        who = ", ".join(f"{b.name} ({partner})" if b.partner else b.name for b in params.pop("beneficiaries", ()))
        if "score" in params:
            params["score"] = format_score(params["score"], lang)
        sentences.append(translate(lang, _FIT_MESSAGES[key], **params, who=who))
    return " ".join(sentences)


def alliance_cities(profiles: pd.DataFrame) -> list[str]:
    """The alliance cities that have organisations in the catalogue, in the alliance's order; every city of the
    catalogue when none has (a workspace of other places).

    Example:
        >>> alliance_cities(pd.DataFrame({"city": ["Seattle", "Daejeon", "Basel"]}))
        ['Daejeon', 'Seattle']
    """
    present = set(profiles["city"])
    return [city for city in ALLIANCE_CITIES if city in present] or sorted(present)


def home_city(access: Access, cities: Sequence[str]) -> str:
    """The city the page opens on: the city of the officer's own organisation when the user record names one
    among ``cities``, else Daejeon (or the first city)."""
    org_id = access.user.org_id
    if org_id:
        cat = catalog(access.matcher)
        found = cat.loc[cat["id"] == org_id, "city"]
        if len(found) and str(found.iloc[0]) in cities:
            return str(found.iloc[0])
    return DEFAULT_CITY if DEFAULT_CITY in cities else cities[0]


# ------------------------------------------------------------------------------------------------ strategy


def _save_strategy(access: Access, city: str) -> None:
    state = st.session_state
    try:
        access.set_strategy(city, sectors=list(state[f"att_sectors_{city}"]), text=state[f"att_text_{city}"])
    except USER_ERRORS as error:
        state["att_error"] = t("attract.strategy_not_saved", error=user_message(error))
        return
    st.toast(t("attract.strategy_saved", city=safe(city)), icon=":material/check:")


def _strategy(access: Access, strategy: Strategy) -> None:
    city = strategy.city
    st.subheader(t("attract.strategy"), anchor=False)
    if strategy.updated_by:
        st.caption(t("attract.strategy_updated", who=safe(strategy.updated_by),
                     when=format_datetime(str(strategy.updated_at))))
    else:
        st.caption(t("attract.strategy_none"))
    with st.form(f"att_strategy_{city}", border=False):
        st.multiselect(t("attract.target_sectors"), SECTORS, default=[s for s in strategy.sectors if s in SECTORS],
                       format_func=sector_label, key=f"att_sectors_{city}", placeholder=t("filters.choose"))
        st.text_area(t("attract.strategy_text"), value=strategy.text, max_chars=MAX_STRATEGY_CHARS, height=110,
                     key=f"att_text_{city}", placeholder=t("attract.strategy_placeholder"))
        st.form_submit_button(t("attract.save_strategy"), icon=":material/save:", key=f"att_save_{city}",
                              on_click=_save_strategy, args=(access, city))


# ------------------------------------------------------------------------------------------------- cluster


def counts_frame(counts: Mapping[str, int], label: Callable[[str], str], name: str) -> pd.DataFrame:
    """A count per value as a two-column table, largest first, the values shown with ``label``.

    Example:
        >>> counts_frame({"energy": 2, "ai": 5}, str.upper, "Sector").to_dict("records")
        [{'Sector': 'AI', 'Count': 5}, {'Sector': 'ENERGY', 'Count': 2}]
    """
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return pd.DataFrame({name: [label(value) for value, _ in rows], "Count": [n for _, n in rows]})


def _cluster(view: ClusterView) -> None:
    lang = language()
    st.subheader(t("attract.cluster"), anchor=False)
    metrics = st.columns(4)
    metrics[0].metric(t("attract.organisations"), format_number(view.organisations, lang))
    metrics[1].metric(t("attract.partnerships_home"), format_number(view.partnerships_home, lang))
    metrics[2].metric(t("attract.partnerships_abroad"), format_number(view.partnerships_abroad, lang))
    metrics[3].metric(t("attract.knowledge_hubs"), format_number(len(view.knowledge_hubs), lang))
    count = st.column_config.NumberColumn(t("attract.count"), width="small")
    left, middle, right = st.columns(3)
    with left:
        st.markdown(f"**{t('attract.by_type')}**")
        st.dataframe(counts_frame(view.by_type, lambda v: type_label(v, lang), "Type"), hide_index=True,
                     width="stretch", key="att_by_type",
                     column_config={"Type": st.column_config.TextColumn(t("table.type")), "Count": count})
    with middle:
        st.markdown(f"**{t('attract.by_sector')}**")
        st.dataframe(counts_frame(view.by_sector, lambda v: sector_label(v, lang), "Sector"), hide_index=True,
                     width="stretch", key="att_by_sector",
                     column_config={"Sector": st.column_config.TextColumn(t("charts.sector")), "Count": count})
    with right:
        st.markdown(f"**{t('attract.partner_cities')}**")
        st.dataframe(counts_frame(view.partner_cities, str, "City"), hide_index=True, width="stretch",
                     key="att_partner_cities",
                     column_config={"City": st.column_config.TextColumn(t("table.city")), "Count": count})
    offers, seeks, hubs = st.columns(3)
    offers.markdown(f"**{t('attract.offers')}**")
    offers.markdown(safe(", ".join(view.offers)) or t("attract.nothing"))
    seeks.markdown(f"**{t('attract.seeks')}**")
    seeks.markdown(safe(", ".join(view.seeks)) or t("attract.nothing"))
    hubs.markdown(f"**{t('attract.knowledge_hubs')}**")
    hubs.markdown("\n".join(f"- {safe(name)}" for _, name in view.knowledge_hubs) or t("attract.nothing"))


# ---------------------------------------------------------------------------------------------------- gaps


def gaps_chart(table: pd.DataFrame) -> alt.Chart:
    """Seeking against offering per sector, as two bars a sector, the sectors sought most over offered first.

    Args:
        table: :attr:`matcher.attract.Gaps.table` (``sector, seeking, offering, balance``) with the sectors
            already labelled for the reader.
    """
    order = table.sort_values("balance", ascending=False, kind="stable")["sector"].tolist()
    seeking, offering = t("attract.seeking"), t("attract.offering")
    long = table.melt(id_vars=["sector", "balance"], value_vars=["seeking", "offering"], var_name="side",
                      value_name="organisations")
    long["side"] = long["side"].map({"seeking": seeking, "offering": offering})
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("sector:N", title=None, sort=order, axis=alt.Axis(labelLimit=260)),
            yOffset=alt.YOffset("side:N", sort=[seeking, offering]),
            x=alt.X("organisations:Q", title=t("charts.organisations"), axis=alt.Axis(format="d", tickMinStep=1)),
            color=alt.Color("side:N", sort=[seeking, offering], title=None,
                            scale=alt.Scale(range=["#d9534f", "#1f4e79"]), legend=alt.Legend(orient="top")),
            tooltip=[alt.Tooltip("sector:N", title=t("charts.sector")), alt.Tooltip("side:N", title=" "),
                     alt.Tooltip("organisations:Q", title=t("charts.organisations")),
                     alt.Tooltip("balance:Q", title=t("attract.balance"), format=".2f")],
        )
        .properties(height=alt.Step(22))
    )


def _gap_list(title: str, gaps: Sequence[Gap], lang: str) -> None:
    st.markdown(f"**{title}**")
    lines = [
        t("attract.gap_line", sector=safe(sector_label(gap.sector, lang)), seeking=gap.seeking, offering=gap.offering)
        for gap in gaps
    ]
    st.markdown("\n".join(f"- {line}" for line in lines) or t("attract.nothing"))


def _gaps(found: Gaps) -> None:
    lang = language()
    st.subheader(t("attract.gaps"), anchor=False)
    st.caption(t("attract.gaps_caption"))
    left, right = st.columns(2)
    with left:
        _gap_list(t("attract.to_attract"), found.attract, lang)
    with right:
        _gap_list(t("attract.to_export"), found.export, lang)
    table = found.table[["sector", "seeking", "offering", "balance"]].copy()
    table["sector"] = table["sector"].map(lambda s: sector_label(str(s), lang))
    if table.empty:
        st.info(t("attract.no_gaps"))
        return
    st.altair_chart(gaps_chart(table), width="stretch", key="att_gap_chart")
    with st.expander(t("attract.gaps_table")):
        st.dataframe(table, hide_index=True, width="stretch", key="att_gap_table",
                     column_config={"sector": st.column_config.TextColumn(t("charts.sector")),
                                    "seeking": st.column_config.NumberColumn(t("attract.seeking")),
                                    "offering": st.column_config.NumberColumn(t("attract.offering")),
                                    "balance": st.column_config.NumberColumn(t("attract.balance"), format="%.2f")})


# --------------------------------------------------------------------------------------------------- leads


def _leads(access: Access, strategy: Strategy, sector: str | None, types: tuple[str, ...], k: int) -> Leads:
    """Leads, recomputed only when the city, its strategy (which the score reads), the filters or the store
    change."""
    city = strategy.city
    key = (access.matcher.version(), strategy, sector, types, k)
    cached = st.session_state.get("att_cache")
    if cached is not None and cached[0] == key:
        return cached[1]
    with st.spinner(t("attract.ranking", city=city)):
        found = access.leads(city, k=k, sector=sector, org_types=types)
    st.session_state["att_cache"] = (key, found)
    return found


def leads_frame(leads: Sequence[Lead]) -> pd.DataFrame:
    """One row per lead for ``st.dataframe`` (English column names; the headings shown are translated): rank,
    organisation, place, type, score, the local organisations that gain most, and the reasons in a line."""
    lang = language()
    return pd.DataFrame(
        {
            "#": range(1, len(leads) + 1),
            "Organisation": [lead.name for lead in leads],
            "City": [f"{lead.city} ({lead.country})" for lead in leads],
            "Type": [type_label(lead.org_type, lang) for lead in leads],
            "Score": [lead.score for lead in leads],
            "Who would gain": [", ".join(gainer_name(b) for b in lead.local_beneficiaries) for lead in leads],
            "Why": [" ".join(lead_reasons(lead.reasons, lead.reason_details, lang)) for lead in leads],
        }
    )


def _lead_filters() -> tuple[str | None, tuple[str, ...], int]:
    st.session_state.setdefault("att_types", list(LEAD_TYPES))
    st.session_state.setdefault("att_k", 10)
    sector_box, types_box, k_box = st.columns([2, 3, 1])
    sector = sector_box.selectbox(t("attract.sector"), SECTORS, index=None, key="att_sector",
                                  format_func=sector_label, placeholder=t("attract.any_sector"))
    types = types_box.multiselect(t("attract.types"), ORG_TYPES, key="att_types", format_func=type_label,
                                  placeholder=t("filters.choose"),
                                  help=t("attract.types_help", types=", ".join(map(type_label, LEAD_TYPES))))
    k = k_box.selectbox(t("attract.k"), K_CHOICES, key="att_k")
    return sector, tuple(types), int(k)


def _show_leads(access: Access, city: str, found: Leads, lists: dict[int, str]) -> None:
    lang = language()
    st.dataframe(
        leads_frame(found.results), hide_index=True, width="stretch", key="att_leads_table", row_height=ROW_HEIGHT,
        height=HEADER_HEIGHT + ROW_HEIGHT * min(len(found.results), 10),
        column_config={
            "#": st.column_config.NumberColumn(t("table.rank"), width=40),
            "Organisation": st.column_config.TextColumn(t("table.organisation"), width=200),
            "City": st.column_config.TextColumn(t("table.city"), width=130),
            "Type": st.column_config.TextColumn(t("table.type"), width=110),
            "Score": st.column_config.NumberColumn(t("table.score"), format="%.2f", width=70,
                                                   help=t("attract.score_help")),
            "Who would gain": st.column_config.TextColumn(t("attract.gainers"), width=220),
            "Why": st.column_config.TextColumn(t("table.why"), width="large"),
        },
    )
    st.markdown(t("attract.evidence_heading"))
    for rank, lead in enumerate(found.results, start=1):
        title = t("attract.lead_title", rank=rank, name=lead.name, city=lead.city, country=lead.country,
                  score=format_score(lead.score, lang))
        with st.expander(safe(title)):
            _lead_panel(access, found, lead, lists)


def _lead_panel(access: Access, found: Leads, lead: Lead, lists: dict[int, str]) -> None:
    lang, city = language(), found.city
    st.caption(safe(type_label(lead.org_type, lang)))
    reasons = lead_reasons(lead.reasons, lead.reason_details, lang)
    st.markdown("\n".join(f"- {safe(reason)}" for reason in reasons) or t("attract.no_reasons"))
    if lead.gaps_filled:
        st.markdown(t("attract.gaps_filled", sectors=safe(", ".join(sector_label(s, lang) for s in lead.gaps_filled))))
    st.markdown(f"**{t('attract.beneficiaries', city=safe(city))}**")
    if lead.local_beneficiaries:
        st.caption(t("attract.beneficiaries_voice"))
    lines = [f"- **{safe(b.name)}** ({format_score(b.score, lang)})"
             + (f" · *{t('attract.already_partner')}*" if b.partner else "")
             + f": {safe(localise_reason(b.reason, lang))}"
             for b in lead.local_beneficiaries]  # the reason's template words translated, its quotes as written
    st.markdown("\n".join(lines) or t("attract.no_beneficiaries"))
    compare, pick, add, brief = st.columns([1, 2, 1, 1.2], vertical_alignment="bottom")
    compare.button(t("attract.compare"), key=f"att_compare_{lead.id}", icon=":material/compare_arrows:",
                   on_click=st.session_state.__setitem__, args=("att_compare", lead.id))
    if lists:
        pick.selectbox(t("attract.pipeline_list"), list(lists), key=f"att_list_{lead.id}",
                       format_func=lists.__getitem__)
    else:
        pick.caption(t("attract.pipeline_new", name=safe(_default_list_name(city))))
    add.button(t("attract.add_to_pipeline"), key=f"att_add_{lead.id}", icon=":material/playlist_add:",
               on_click=_add_to_pipeline, args=(access, city, lead))
    brief.download_button(t("attract.brief"), data=lambda: access.leads_brief(replace(found, results=(lead,))),
                          file_name=f"{_stem(lead.name)}-brief.html", mime="text/html", on_click="ignore",
                          icon=":material/print:", key=f"att_brief_{lead.id}")
    if st.session_state.get("att_compare") == lead.id:
        _compare(access, lead.id, city)


def _stem(name: str) -> str:
    return re.sub(r"[^\w-]+", "-", name).strip("-").lower()[:60] or "lead"


# -------------------------------------------------------------------------------------------------- compare


def fits_frame(fits: CityFits) -> pd.DataFrame:
    """One row per alliance city, best fit first: city, score and the reasons in a line (English column names;
    the headings shown are translated). Who would gain in each city is shown beside it."""
    lang = language()
    return pd.DataFrame(
        {
            "City": [fit.city for fit in fits.fits],
            "Score": [fit.score for fit in fits.fits],
            "Why": [" ".join(lead_reasons(fit.reasons, fit.reason_details, lang)) for fit in fits.fits],
        }
    )


def _compare(access: Access, profile_id: str, city: str) -> None:
    """The lead's fit with each alliance city side by side; the summary compares the best with ``city``."""
    lang = language()
    try:
        fits = access.fit_cities(profile_id, city=city)
    except USER_ERRORS as error:
        st.error(safe(user_message(error)))
        return
    head, close = st.columns([5, 1], vertical_alignment="bottom")
    head.subheader(t("attract.compare_title", name=safe(fits.name), city=safe(fits.home_city)), anchor=False)
    close.button(t("attract.compare_close"), key="att_uncompare", icon=":material/close:",
                 on_click=st.session_state.pop, args=("att_compare", None))
    st.info(safe(fit_summary(fits, city, lang)))
    st.dataframe(
        fits_frame(fits), hide_index=True, width="stretch", key="att_fits_table", row_height=ROW_HEIGHT,
        height=HEADER_HEIGHT + ROW_HEIGHT * len(fits.fits),
        column_config={
            "City": st.column_config.TextColumn(t("table.city"), width=130),
            "Score": st.column_config.NumberColumn(t("table.score"), format="%.2f", width=70),
            "Why": st.column_config.TextColumn(t("table.why"), width="large"),
        },
    )
    columns = st.columns(max(1, len(fits.fits)))
    for column, fit in zip(columns, fits.fits, strict=False):
        column.metric(safe(fit.city), format_score(fit.score, lang))
        column.markdown("\n".join(f"- {safe(gainer_name(b))}" for b in fit.beneficiaries[:3]) or t("attract.nothing"))


# ------------------------------------------------------------------------------------------------- pipeline


def _default_list_name(city: str) -> str:
    return t("attract.default_list", city=city)


def investment_lists(access: Access) -> dict[int, str]:
    """The investment shortlists by id (newest first), each named with its number of entries."""
    lists = access.shortlists()
    if "purpose" in lists.columns:
        lists = lists[lists["purpose"] == "investment"]
    return {int(i): f"{n} ({e})" for i, n, e in zip(lists["id"], lists["name"], lists["entries"], strict=True)}


def _add_to_pipeline(access: Access, city: str, lead: Lead) -> None:
    state = st.session_state
    try:
        chosen = state.get(f"att_list_{lead.id}")
        if chosen is None or int(chosen) not in investment_lists(access):
            chosen = access.create_shortlist(_default_list_name(city), purpose="investment")
        suggestion = ShortlistSuggestion(city, lead.score, tuple(lead.reasons))
        access.set_shortlist_entry(int(chosen), lead.id, owner=access.user.name, suggestion=suggestion)
    except USER_ERRORS as error:
        state["att_error"] = user_message(error)
        return
    state["att_pipeline"] = int(chosen)
    st.toast(t("attract.added", name=safe(lead.name)), icon=":material/playlist_add_check:")


def _set_entry(access: Access, shortlist_id: int, profile_id: str, field: str) -> None:
    value = st.session_state[f"att_{field}_{shortlist_id}_{profile_id}"]
    try:
        access.set_shortlist_entry(shortlist_id, profile_id, **{field: value})
    except USER_ERRORS as error:
        st.session_state["att_error"] = user_message(error)


def _set_note(access: Access, shortlist_id: int, profile_id: str, seen: str) -> None:
    """Saves a note only if the stored one is still the one shown (another officer's change is never lost)."""
    value = st.session_state[f"att_note_{shortlist_id}_{profile_id}"]
    try:
        access.set_shortlist_entry(shortlist_id, profile_id, note=value, expected_note=seen)
    except USER_ERRORS as error:
        st.session_state["att_error"] = user_message(error)


def _pipeline(access: Access, lists: dict[int, str]) -> None:
    st.subheader(t("attract.pipeline"), anchor=False)
    if not lists:
        st.info(t("attract.pipeline_empty"))
        return
    if st.session_state.get("att_pipeline") not in lists:
        st.session_state["att_pipeline"] = next(iter(lists))
    shortlist_id = int(st.selectbox(t("attract.pipeline_list"), list(lists), key="att_pipeline",
                                    format_func=lists.__getitem__))
    entries = access.shortlist_entries(shortlist_id)
    if entries.empty:
        st.info(t("attract.pipeline_list_empty"))
        return
    widths = [3, 2, 2, 4, 1]
    for column, title in zip(st.columns(widths), [t("table.organisation"), t("attract.stage"), t("attract.owner"),
                                                  t("attract.note"), ""], strict=True):
        column.markdown(f"**{title}**")
    for entry in entries.itertuples():
        key = f"{shortlist_id}_{entry.profile_id}"
        name, stage, owner, note, remove = st.columns(widths, vertical_alignment="center")
        name.markdown(safe(entry.name if isinstance(entry.name, str) else entry.profile_id))
        name.caption(safe(f"{entry.city} ({entry.country}) · {type_label(str(entry.org_type))}"))
        current = entry.stage if entry.stage in INVESTMENT_STAGES else INVESTMENT_STAGES[0]
        stage.selectbox(t("attract.stage"), INVESTMENT_STAGES, index=INVESTMENT_STAGES.index(current),
                        key=f"att_stage_{key}", format_func=stage_label, label_visibility="collapsed",
                        on_change=_set_entry, args=(access, shortlist_id, entry.profile_id, "stage"))
        owner.text_input(t("attract.owner"), value=entry.owner if isinstance(entry.owner, str) else "",
                         key=f"att_owner_{key}", max_chars=MAX_OWNER_CHARS, label_visibility="collapsed",
                         placeholder=t("attract.owner_placeholder"),
                         on_change=_set_entry, args=(access, shortlist_id, entry.profile_id, "owner"))
        note.text_input(t("attract.note"), value=entry.note, key=f"att_note_{key}", max_chars=MAX_NOTE_CHARS,
                        label_visibility="collapsed", placeholder=t("attract.note_placeholder"),
                        on_change=_set_note, args=(access, shortlist_id, entry.profile_id, entry.note))
        remove.button("", key=f"att_remove_{key}", icon=":material/close:", help=t("attract.remove"),
                      on_click=access.remove_shortlist_entry, args=(shortlist_id, entry.profile_id))
    stem = _stem(lists[shortlist_id].rsplit(" (", 1)[0])
    csv, xlsx, brief = st.columns(3)
    csv.download_button(t("common.csv"), data=lambda: access.shortlist_csv(shortlist_id), file_name=f"{stem}.csv",
                        mime="text/csv", key="att_pipeline_csv", icon=":material/download:", on_click="ignore")
    xlsx.download_button(t("common.xlsx"), data=lambda: access.shortlist_xlsx(shortlist_id),
                         file_name=f"{stem}.xlsx", key="att_pipeline_xlsx", icon=":material/table_view:",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")
    brief.download_button(t("common.brief"), data=lambda: access.shortlist_brief(shortlist_id),
                          file_name=f"{stem}-brief.html", mime="text/html", key="att_pipeline_brief",
                          icon=":material/print:", on_click="ignore")


def _exports(access: Access, found: Leads) -> None:
    stem = _stem(f"leads-{found.city}")
    csv, xlsx, brief = st.columns(3)
    csv.download_button(t("common.csv"), data=lambda: access.leads_csv(found), file_name=f"{stem}.csv",
                        mime="text/csv", key="att_csv", icon=":material/download:", on_click="ignore")
    xlsx.download_button(t("common.xlsx"), data=lambda: access.leads_xlsx(found), file_name=f"{stem}.xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="att_xlsx",
                         icon=":material/table_view:", on_click="ignore")
    brief.download_button(t("common.brief"), data=lambda: access.leads_brief(found), file_name=f"{stem}-brief.html",
                          mime="text/html", key="att_leads_brief", icon=":material/print:", on_click="ignore")


# ----------------------------------------------------------------------------------------------------- page


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title(t("nav.attract"), anchor=False)
    if not access.user.is_officer:
        st.error(t("attract.officers_only"))
        return
    st.caption(t("attract.caption"))
    if catalog(access.matcher).empty:
        st.info(t("common.no_orgs"))
        return
    cities = alliance_cities(catalog(access.matcher))
    if st.session_state.get("att_city") not in cities:
        st.session_state["att_city"] = home_city(access, cities)
    city = str(st.selectbox(t("attract.city"), cities, key="att_city"))
    if problem := st.session_state.pop("att_error", None):
        st.error(safe(problem))
    lists = investment_lists(access)
    cluster_tab, gaps_tab, leads_tab, pipeline_tab = st.tabs(
        [t("attract.tab_cluster"), t("attract.tab_gaps"), t("attract.tab_leads"), t("attract.tab_pipeline")]
    )
    try:
        with cluster_tab:
            strategy = access.strategy(city)
            _strategy(access, strategy)
            _cluster(access.cluster(city))
        with gaps_tab:
            _gaps(access.gaps(city))
        with leads_tab:
            sector, types, k = _lead_filters()
            found = _leads(access, strategy, sector, types, k)
            if found.message:  # fewer than asked pass the filters (the service says so in English)
                key = "attract.leads_only" if found.results else "attract.leads_none"
                st.info(t(key, n=format_number(len(found.results), language()), city=safe(found.city)))
            if found.results:
                _show_leads(access, city, found, lists)
                _exports(access, found)
        with pipeline_tab:
            _pipeline(access, lists)
    except USER_ERRORS as error:
        st.error(safe(user_message(error)))


if __name__ == "__main__":
    render()
