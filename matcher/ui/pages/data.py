"""Data: upload profiles or partnerships with a row-by-row validation report, and rebuild the index."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import streamlit as st

from matcher.api import ImportReport, MatcherError
from matcher.readers import FileReadError
from matcher.store import StoreError
from matcher.ui.access import Access
from matcher.ui.state import require_user
from matcher.ui.widgets import safe
from matcher.validate import MissingColumnsError

_KINDS = {"Profiles": "profiles", "Partnerships": "partnerships"}
_TYPES = ["csv", "tsv", "json", "jsonl", "xlsx"]
_PROBLEM_COLUMNS = {
    "Row": st.column_config.NumberColumn("Row", width=70, help="Row 1 is the header of a CSV or XLSX file."),
    "Id": st.column_config.TextColumn("Id", width=140),
    "Reason": st.column_config.TextColumn("Reason", width="large"),
}
_IMPORT_ERRORS = (FileReadError, MissingColumnsError, MatcherError, StoreError, ValueError)


def _problems(problems: list) -> pd.DataFrame:
    return pd.DataFrame(
        {"Row": [p.row for p in problems], "Id": [p.id or "" for p in problems], "Reason": [p.reason for p in problems]}
    )


def report_notes(notes: Sequence[str]) -> list[str]:
    """The notes on a file's columns as Markdown: they quote the file's own column names, escaped."""
    return [safe(note) for note in notes]


def _show_report(report: ImportReport) -> None:
    st.subheader(f"Report: {safe(Path(report.source).name)}", anchor=False)
    rows, imported, rejected, warned = st.columns(4)
    rows.metric("Rows read", report.rows)
    imported.metric("Imported", report.imported)
    rejected.metric("Rejected", len(report.rejected))
    warned.metric("Warnings", len(report.warnings))
    if not report.rejected:
        st.success(f"Every row was imported ({report.imported}).")
    else:
        left_out = f"{len(report.rejected)} row{'s were' if len(report.rejected) != 1 else ' was'} rejected"
        kept = f"{report.imported} {'were' if report.imported != 1 else 'was'} imported"
        st.warning(
            f"{left_out} and left out; {kept}. Fix the rows below and upload the file again: rows already imported "
            "are updated, not duplicated."
        )
        st.dataframe(_problems(report.rejected), hide_index=True, width="stretch", key="report_rejected",
                     column_config=_PROBLEM_COLUMNS)
    if report.warnings:
        st.caption("Imported, with something worth checking:")
        st.dataframe(_problems(report.warnings), hide_index=True, width="stretch", key="report_warnings",
                     column_config=_PROBLEM_COLUMNS)
    for note in report_notes(report.notes):
        st.caption(note)
    if report.imported and report.kind == "profiles":
        st.info("The index catches up by itself at the next search or suggestion; rebuild it below to wait here "
                "instead.")


def _import(access: Access, kind: str) -> None:
    upload = st.session_state.get("upload_file")
    if upload is None:
        st.session_state["data_error"] = "Choose a file first."
        return
    with tempfile.TemporaryDirectory(prefix="matcher-upload-") as folder:
        # The readers take a path and decide the format by extension: keep the uploaded file's name.
        path = Path(folder) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        try:
            report = access.import_file(kind, path)
        except _IMPORT_ERRORS as error:
            st.session_state["data_error"] = f"{upload.name} was not imported: {error}"
            return
    st.session_state["data_report"] = report


def _build(access: Access) -> None:
    with st.status("Building the index ...", expanded=True) as status:
        bar = st.progress(0.0, text="Preparing ...")
        started = time.perf_counter()

        def progress(facet: str, done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0, text=f"Embedding the {facet} texts: {done} of {total}")

        try:
            report = access.build(progress=progress)
        except (MatcherError, ValueError, OSError) as error:
            status.update(label=f"The index could not be built: {safe(error)}", state="error")
            return
        bar.progress(1.0, text="Done")
        encoded = sum(report.encoded.values())
        status.update(
            label=f"Index ready: {report.profiles} organisations, {encoded} texts embedded "
            f"({time.perf_counter() - started:.1f} s).",
            state="complete",
            expanded=False,
        )


def render() -> None:
    """Draws the page."""
    access = require_user()
    st.title("Data", anchor=False)
    if not access.user.is_officer:
        st.error("The Data page is for investment officers only.")
        return
    st.caption(
        "Import profiles and partnerships from CSV, TSV, JSON, JSONL or XLSX. Every row is checked; good rows are "
        "imported and each rejected row is listed with its row number and every reason."
    )
    stats = access.matcher.stats()
    left, middle, right = st.columns(3)
    left.metric("Organisations", stats["profiles"])
    middle.metric("Partnerships", stats["partnerships"])
    right.metric("Countries", len(stats["by_country"]))

    st.header("Import", anchor=False)
    kind = st.segmented_control("What the file holds", list(_KINDS), default="Profiles", key="upload_kind")
    st.file_uploader(
        "File", type=_TYPES, key="upload_file",
        help="Profiles need id, name, org_type, city and country; partnerships source_id and target_id. "
        "See data/README.md for every column.",
    )
    st.button("Import", key="upload_go", type="primary", icon=":material/upload:",
              on_click=_import, args=(access, _KINDS[kind or "Profiles"]))
    if error := st.session_state.pop("data_error", None):
        st.error(safe(error))
    if report := st.session_state.get("data_report"):
        _show_report(report)

    st.header("Index", anchor=False)
    st.caption("Suggestions and searches use the index. Rebuilding embeds only new or changed profiles.")
    if st.button("Rebuild the index", key="build_go", icon=":material/refresh:"):
        _build(access)

    st.header("Import history", anchor=False)
    history = access.imports()
    if history.empty:
        st.info("Nothing imported yet.")
    else:
        names = {"kind": "What", "source": "File", "imported": "Imported", "rejected": "Rejected", "created_at": "When"}
        history = history.drop(columns="id").rename(columns=names)
        st.dataframe(history, hide_index=True, width="stretch", key="import_history")


if __name__ == "__main__":
    render()
