"""Data: upload profiles or partnerships with a row-by-row validation report, and rebuild the index."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from matcher.api import ImportReport
from matcher.errors import USER_ERRORS, user_message
from matcher.policy import Access
from matcher.ui.i18n import format_datetime, format_number, language, t, tn, vocab_label
from matcher.ui.state import require_user
from matcher.ui.widgets import safe

# Kept by their English words (the session keeps the choice); shown translated.
_KINDS = {"Profiles": "profiles", "Partnerships": "partnerships"}
_KIND_TITLES = {"Profiles": "data.kind_profiles", "Partnerships": "data.kind_partnerships"}
_TYPES = ["csv", "tsv", "json", "jsonl", "xlsx"]


def _problem_columns() -> dict[str, Any]:
    """The rejected and warned rows' headings, in the session's language (the columns keep English names)."""
    return {
        "Row": st.column_config.NumberColumn(t("data.row"), width=70, help=t("data.row_help")),
        "Id": st.column_config.TextColumn(t("data.id"), width=140),
        "Reason": st.column_config.TextColumn(t("data.reason"), width="large"),
    }



def _problems(problems: list) -> pd.DataFrame:
    return pd.DataFrame(
        {"Row": [p.row for p in problems], "Id": [p.id or "" for p in problems], "Reason": [p.reason for p in problems]}
    )


def report_notes(notes: Sequence[str]) -> list[str]:
    """The notes on a file's columns as Markdown: they quote the file's own column names, escaped."""
    return [safe(note) for note in notes]


def _show_report(report: ImportReport) -> None:
    st.subheader(t("data.report", file=safe(Path(report.source).name)), anchor=False)
    rows, imported, rejected, warned = st.columns(4)
    lang = language()
    rows.metric(t("data.rows_read"), format_number(report.rows, lang))
    imported.metric(t("data.imported"), format_number(report.imported, lang))
    rejected.metric(t("data.rejected"), format_number(len(report.rejected), lang))
    warned.metric(t("data.warnings"), format_number(len(report.warnings), lang))
    if not report.rejected:
        st.success(t("data.all_imported", n=report.imported))
    else:
        st.warning(t("data.left_out", rejected=tn("data.rows_rejected", len(report.rejected)),
                     kept=tn("data.rows_imported", report.imported)))
        st.dataframe(_problems(report.rejected), hide_index=True, width="stretch", key="report_rejected",
                     column_config=_problem_columns())
    if report.warnings:
        st.caption(t("data.warnings_caption"))
        st.dataframe(_problems(report.warnings), hide_index=True, width="stretch", key="report_warnings",
                     column_config=_problem_columns())
    for note in report_notes(report.notes):
        st.caption(note)
    if report.imported and report.kind == "profiles":
        st.info(t("data.catches_up"))


def _import(access: Access, kind: str) -> None:
    upload = st.session_state.get("upload_file")
    if upload is None:
        st.session_state["data_error"] = t("data.choose_file")
        return
    with tempfile.TemporaryDirectory(prefix="matcher-upload-") as folder:
        # The readers take a path and decide the format by extension: keep the uploaded file's name.
        path = Path(folder) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        try:
            report = access.import_file(kind, path)
        except USER_ERRORS as error:
            st.session_state["data_error"] = t("data.not_imported", file=upload.name, error=user_message(error))
            return
    st.session_state["data_report"] = report


def _build(access: Access) -> None:
    with st.status(t("data.building"), expanded=True) as status:
        bar = st.progress(0.0, text=t("data.preparing"))
        started = time.perf_counter()
        lang = language()

        def progress(facet: str, done: int, total: int) -> None:
            text = t("data.embedding", facet=vocab_label("facet", facet, str, lang), done=done, total=total)
            bar.progress(done / total if total else 1.0, text=text)

        try:
            report = access.build(progress=progress)
        except USER_ERRORS as error:
            status.update(label=t("data.build_failed", error=safe(user_message(error))), state="error")
            return
        bar.progress(1.0, text=t("data.done"))
        encoded = sum(report.encoded.values())
        seconds = format_number(time.perf_counter() - started, lang, decimals=1)
        status.update(
            label=t("data.ready", profiles=report.profiles, texts=encoded, seconds=seconds),
            state="complete",
            expanded=False,
        )


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title(t("nav.data"), anchor=False)
    if not access.user.is_officer:
        st.error(t("data.officers_only"))
        return
    st.caption(t("data.caption"))
    stats = access.matcher.stats()
    left, middle, right = st.columns(3)
    lang = language()
    left.metric(t("data.organisations"), format_number(stats["profiles"], lang))
    middle.metric(t("data.partnerships"), format_number(stats["partnerships"], lang))
    right.metric(t("data.countries"), format_number(len(stats["by_country"]), lang))

    st.header(t("data.import"), anchor=False)
    kind = st.segmented_control(t("data.holds"), list(_KINDS), default="Profiles", key="upload_kind",
                                format_func=lambda k: t(_KIND_TITLES[k]))
    st.file_uploader(t("data.file"), type=_TYPES, key="upload_file", help=t("data.file_help"))
    st.button(t("data.import"), key="upload_go", type="primary", icon=":material/upload:",
              on_click=_import, args=(access, _KINDS[kind or "Profiles"]))
    if error := st.session_state.pop("data_error", None):
        st.error(safe(error))
    if report := st.session_state.get("data_report"):
        _show_report(report)

    st.header(t("data.index"), anchor=False)
    st.caption(t("data.index_caption"))
    if st.button(t("data.rebuild"), key="build_go", icon=":material/refresh:"):
        _build(access)

    st.header(t("data.history"), anchor=False)
    history = access.imports()
    if history.empty:
        st.info(t("data.nothing"))
    else:
        history = history.assign(
            kind=history["kind"].map(lambda k: vocab_label("import", k, str, lang)),
            created_at=history["created_at"].map(lambda when: format_datetime(str(when), lang)),
        )
        names = {"kind": t("data.what"), "source": t("data.file"), "imported": t("data.imported"),
                 "rejected": t("data.rejected"), "created_at": t("data.when")}
        history = history.drop(columns="id").rename(columns=names)
        st.dataframe(history, hide_index=True, width="stretch", key="import_history")


if __name__ == "__main__":
    render()
