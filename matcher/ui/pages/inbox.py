"""Inbox: alerts on the user's saved searches (profiles that newly match in the strong band), the saved searches
themselves, and where alerts go besides the inbox (a signed webhook, e-mail) with the deliveries that failed.

Opening the page checks the saved searches against the profiles changed since the last check (at most every
``_CHECK_EVERY`` seconds per session): an app that runs without ``matcher serve`` still gets its alerts.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from matcher.alerts import SIGNATURE_HEADER, TIMESTAMP_HEADER
from matcher.errors import USER_ERRORS, user_message
from matcher.filters import Filters
from matcher.policy import Access
from matcher.service.alerts import Alert, SavedSearch
from matcher.ui.i18n import format_datetime, format_score, language, t, tn
from matcher.ui.localise import band_label, describe_filters, localise_reasons
from matcher.ui.state import catalog, labels, require_user
from matcher.ui.widgets import open_organisation, org_picker, safe, type_label
from matcher.vocab import ORG_TYPES

_CHECK_EVERY = 30.0
"""Seconds between two checks one session starts (each may embed changed profiles and run every saved search)."""
_SHOWN = 100
"""The most alerts the page lists."""


def _check(access: Access) -> None:
    """Checks the saved searches, unless this session did a moment ago."""
    last = st.session_state.get("inbox_checked_at", 0.0)
    if time.monotonic() - last < _CHECK_EVERY:
        return
    try:
        with st.spinner(t("inbox.checking")):
            access.check_alerts()
    except USER_ERRORS as error:
        st.warning(t("inbox.check_failed", error=safe(user_message(error))))
    st.session_state["inbox_checked_at"] = time.monotonic()


def _act(action: str, access: Access, value: int | None = None) -> None:
    try:
        if action == "read":
            access.mark_alerts_read(None if value is None else [value])
        elif action == "remove" and value is not None:
            access.remove_saved_search(value)
            st.toast(t("inbox.removed"), icon=":material/delete:")
        elif action == "unhook":
            access.remove_webhook()
            st.toast(t("inbox.webhook_removed"), icon=":material/link_off:")
    except USER_ERRORS as error:
        st.session_state["inbox_error"] = user_message(error)


def _alert_card(access: Access, alert: Alert) -> None:
    lang = language()
    with st.container(border=True):
        who = safe(alert.profile_name or alert.profile_id)
        place = f" · {safe(alert.city)}" if alert.city else ""
        new = t("inbox.new") + " · " if alert.read_at is None else ""
        st.markdown(t("inbox.alert", new=new, who=who, place=place, search=safe(alert.saved_search),
                      band=band_label(alert.band), score=format_score(alert.score)))  # fmt: skip
        st.caption(format_datetime(alert.created_at))
        for reason in localise_reasons(alert.reasons[:3], lang):
            st.markdown(f"- {safe(reason)}")
        left, right = st.columns(2)
        if alert.profile_name is not None and left.button(
            t("inbox.open"), key=f"inbox_open_{alert.id}", icon=":material/apartment:"
        ):
            open_organisation(alert.profile_id)
        if alert.read_at is None:
            right.button(t("inbox.mark_read"), key=f"inbox_read_{alert.id}", icon=":material/done:",
                         on_click=_act, args=("read", access, alert.id))  # fmt: skip


def _alerts(access: Access) -> None:
    unread = access.unread_alerts()
    st.subheader(tn("inbox.unread", unread), anchor=False)
    found = access.alerts(limit=_SHOWN)
    if not found:
        st.info(t("inbox.no_alerts"))
        return
    if unread:
        st.button(t("inbox.mark_all_read"), key="inbox_read_all", icon=":material/done_all:",
                  on_click=_act, args=("read", access))  # fmt: skip
    for alert in sorted(found, key=lambda a: a.read_at is not None):
        _alert_card(access, alert)


def _describe(access: Access, saved: SavedSearch) -> str:
    if saved.kind == "search":
        what = t("inbox.kind_search", text=safe(saved.text[:120]))
    else:
        what = t("inbox.kind_recommend", org=safe(labels(access.matcher).get(str(saved.org_id), saved.org_id)))
    where = describe_filters(saved.filters, language())
    return f"{what} · {safe(where)}" if where else what


def _saved(access: Access) -> None:
    st.subheader(t("inbox.saved"), anchor=False)
    st.caption(t("inbox.saved_caption"))
    saved = access.saved_searches()
    if not saved:
        st.info(t("inbox.no_saved"))
    for item in saved:
        left, right = st.columns([5, 1])
        left.markdown(f"**{safe(item.name)}** · {_describe(access, item)}")
        right.button(t("inbox.remove"), key=f"inbox_rm_{item.id}", icon=":material/delete:",
                     on_click=_act, args=("remove", access, item.id))  # fmt: skip
    _save_form(access)


def _save_form(access: Access) -> None:
    cat = catalog(access.matcher)
    with st.expander(t("inbox.save_new"), icon=":material/bookmark_add:"):
        kinds = {"search": t("inbox.kind_search_label"), "recommend": t("inbox.kind_recommend_label")}
        kind = st.radio(t("inbox.kind"), list(kinds), key="inbox_kind", horizontal=True, format_func=kinds.get)
        name = st.text_input(t("inbox.name"), key="inbox_name", max_chars=100)
        text, org_id = None, None
        if kind == "search":
            text = st.text_area(t("inbox.text"), key="inbox_text", max_chars=2_000, placeholder=t("search.placeholder"))
        elif access.user.is_officer:
            org_id = org_picker(t("common.organisation"), labels(access.matcher), key="inbox_org")
        else:
            org_id = access.user.org_id
            st.markdown(f"**{safe(labels(access.matcher).get(str(org_id), org_id))}**")
        choose = t("filters.choose")
        cities = st.multiselect(t("filters.cities"), sorted(cat["city"].unique()), key="inbox_cities",
                                placeholder=choose)  # fmt: skip
        countries = st.multiselect(t("filters.countries"), sorted(cat["country"].unique()), key="inbox_countries",
                                   placeholder=choose)  # fmt: skip
        types = st.multiselect(t("filters.types"), ORG_TYPES, key="inbox_types", format_func=type_label,
                               placeholder=choose)  # fmt: skip
        if st.button(t("inbox.save"), key="inbox_save", icon=":material/bookmark:", type="primary"):
            filters = Filters(city=tuple(cities), country=tuple(countries), org_type=tuple(types))
            try:
                access.save_search(name, text=text, org_id=org_id, filters=filters)
            except USER_ERRORS as error:
                st.error(safe(user_message(error)))
                return
            st.toast(t("inbox.saved_done"), icon=":material/bookmark:")
            st.rerun()


def _channels(access: Access) -> None:
    st.subheader(t("inbox.channels"), anchor=False)
    channels = access.alert_channels()
    st.caption(t("inbox.webhook_caption", signature=SIGNATURE_HEADER, timestamp=TIMESTAMP_HEADER))
    url = st.text_input(t("inbox.webhook_url"), value=channels["webhook_url"] or "", key="inbox_webhook",
                        max_chars=2_000, placeholder="https://crm.example/hooks/matcher")  # fmt: skip
    left, right = st.columns(2)
    if left.button(t("inbox.webhook_save"), key="inbox_webhook_save", icon=":material/link:"):
        try:
            st.session_state["inbox_secret"] = access.set_webhook(url)
        except USER_ERRORS as error:
            st.error(safe(user_message(error)))
    if channels["webhook_url"]:
        right.button(t("inbox.webhook_remove"), key="inbox_webhook_rm", icon=":material/link_off:",
                     on_click=_act, args=("unhook", access))  # fmt: skip
    if secret := st.session_state.pop("inbox_secret", None):
        st.success(t("inbox.webhook_secret"))
        st.code(secret, language=None)
    if not channels["email_enabled"]:
        st.caption(t("inbox.email_off"))
        return
    email = st.text_input(t("inbox.email"), value=channels["email"] or "", key="inbox_email", max_chars=254)
    if st.button(t("inbox.email_save"), key="inbox_email_save", icon=":material/mail:"):
        try:
            access.set_alert_email(email.strip() or None)
        except USER_ERRORS as error:
            st.error(safe(user_message(error)))
        else:
            st.toast(t("inbox.email_saved"), icon=":material/mail:")


def _deliveries(access: Access) -> None:
    deliveries = pd.DataFrame(access.alert_deliveries())
    if deliveries.empty:
        return
    st.subheader(t("inbox.deliveries"), anchor=False)
    failing = deliveries[deliveries["last_error"].notna() & (deliveries["status"] != "delivered")]
    if not failing.empty:
        st.warning(tn("inbox.failing", len(failing)))
    status = {"pending": t("inbox.status_pending"), "delivered": t("inbox.status_delivered"),
              "failed": t("inbox.status_failed")}  # fmt: skip
    shown = pd.DataFrame({
        t("inbox.channel"): deliveries["channel"],
        t("table.organisation"): deliveries["profile_id"],
        t("inbox.status"): deliveries["status"].map(status),
        t("inbox.attempts"): deliveries["attempts"],
        t("inbox.next_attempt"): [format_datetime(v) if s == "pending" else "" for v, s in
                                  zip(deliveries["next_attempt_at"], deliveries["status"], strict=True)],
        t("inbox.last_error"): deliveries["last_error"].fillna(""),
    })  # fmt: skip
    st.dataframe(shown, hide_index=True, width="stretch", key="inbox_deliveries")


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title(t("inbox.title"), anchor=False)
    st.caption(t("inbox.caption"))
    if error := st.session_state.pop("inbox_error", None):
        st.error(safe(error))
    _check(access)
    alerts, saved, channels = st.tabs([t("inbox.tab_alerts"), t("inbox.tab_saved"), t("inbox.tab_channels")])
    with alerts:
        _alerts(access)
    with saved:
        _saved(access)
    with channels:
        _channels(access)
        _deliveries(access)


if __name__ == "__main__":
    render()
