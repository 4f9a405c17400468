"""Exports of shortlists, recommendations and meeting plans: CSV, XLSX and a printable HTML brief.

Every export is safe to open: text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP's
advice against CSV injection) in both CSV and XLSX, and the brief escapes every piece of text, so a profile that
contains HTML shows it as text. The functions return bytes or text; writing files is the caller's job.

There is no PDF export: the brief prints to PDF from any browser (its print CSS lays it out for A4), which
spares the package a PDF library.

Example:
    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise(-2.5), neutralise("-2+3"), neutralise("-2")
    ('\\'=HYPERLINK("http://x")', -2.5, "'-2+3", '-2')
    >>> to_csv(pd.DataFrame({"name": ["Müller"]}))
    b'\\xef\\xbb\\xbfname\\r\\nM\\xc3\\xbcller\\r\\n'
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .attract import Beneficiary, Lead
from .bands import Band
from .schedule import Schedule
from .vocab import SECTOR_LABELS

__all__ = [
    "FORMULA_TRIGGERS",
    "BriefEntry",
    "BriefMeeting",
    "BriefSection",
    "brief_html",
    "entries_from_frame",
    "gainer_label",
    "lead_brief_html",
    "leads_table",
    "neutralise",
    "prepared",
    "readable",
    "schedule_section",
    "schedule_table",
    "shortfall_text",
    "to_csv",
    "to_xlsx",
]

logger = logging.getLogger(__name__)

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""A cell whose text starts with one of these may be read as a formula (OWASP, "CSV Injection")."""

_BLANKS = "".join(map(chr, range(0x21)))
"""Control characters and the space: a trigger behind them is neutralised too, since a reader that drops them
(XLSX cannot hold most of them; some CSV readers skip them) would unmask the formula."""

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
"""Text that is only a number: a spreadsheet reads it as that number, never as a formula."""

_XLSX_MAX_CHARS = 32_767
"""Excel's limit per cell; longer text makes Excel "repair" the file on opening."""

_SHEET_TITLE_BAD = re.compile(r"[\\/?*\[\]:]")
_MAX_COLUMN_WIDTH = 60


def neutralise(value: Any) -> Any:
    """Returns ``value`` unchanged unless it is text a spreadsheet could run as a formula, which gets a leading
    apostrophe so that it shows as text.

    Numbers stay numbers (``-2.5`` is not touched), and so does text that is only a number (``"-2"``), which a
    spreadsheet reads as that number; ``"-2+3"`` is a formula and is neutralised. A trigger behind leading
    spaces or control characters (``" =1"``, ``"\\x00=1"``) counts as leading.

    Example:
        >>> neutralise("@SUM(A1)"), neutralise("+49 231 755"), neutralise(-7), neutralise("Dortmund")
        ("'@SUM(A1)", "'+49 231 755", -7, 'Dortmund')
    """
    if not isinstance(value, str) or _PLAIN_NUMBER.fullmatch(value):
        return value
    if value.startswith(FORMULA_TRIGGERS) or value.lstrip(_BLANKS).startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    """A cell value as None, bool, int, float, datetime or str (lists joined with "; "), before neutralising."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) else value if math.isfinite(value) else str(value)
    if isinstance(value, dt.datetime):
        # Spreadsheets have no time zones: aware times are written in UTC.
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return "; ".join(str(item) for item in items)
    return str(value)


def _header(frame: pd.DataFrame) -> list[str]:
    return [neutralise(" / ".join(map(str, c)) if isinstance(c, tuple) else str(c)) for c in frame.columns]


def _rows(frame: pd.DataFrame) -> Iterable[list[Any]]:
    for row in frame.itertuples(index=False, name=None):
        yield [neutralise(_plain(value)) for value in row]


def to_csv(frame: pd.DataFrame) -> bytes:
    """The frame as CSV bytes that Excel opens correctly: UTF-8 with a byte order mark, CRLF line ends, and
    formula-like text neutralised (see :func:`neutralise`).

    The index is not written (``reset_index()`` first to keep it); list values are joined with ``"; "``.

    Example:
        >>> to_csv(pd.DataFrame({"a": ["=1+1"], "b": [-1]})).decode("utf-8-sig")
        "a,b\\r\\n'=1+1,-1\\r\\n"
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_header(frame))
    writer.writerows(_rows(frame))
    return buffer.getvalue().encode("utf-8-sig")


def _sheet_title(name: str) -> str:
    """A valid worksheet title: at most 31 characters, none of ``\\ / ? * [ ] :``, no apostrophe at either end."""
    title = _SHEET_TITLE_BAD.sub(" ", name)[:31].strip().strip("'").strip()
    return title or "Export"


def _xlsx_text(text: str) -> str:
    """Text an XLSX cell can hold: XML 1.0 cannot hold most control characters (openpyxl refuses them)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > _XLSX_MAX_CHARS:
        logger.warning("cut a cell of %d characters to Excel's limit of %d", len(text), _XLSX_MAX_CHARS)
        text = text[:_XLSX_MAX_CHARS]
    return text


def to_xlsx(frame: pd.DataFrame, *, sheet_name: str = "Export") -> bytes:
    """The frame as an Excel workbook: a bold, frozen, filterable header row, then one row per frame row.

    Formula-like text is neutralised as in :func:`to_csv`, so no cell is ever a formula. Control characters XML
    cannot hold are dropped and cells are cut to Excel's 32,767 characters. The index is
    not written.

    Args:
        frame: The table to write.
        sheet_name: Worksheet title; characters Excel forbids become spaces and it is cut to 31 characters.

    Example:
        >>> from openpyxl import load_workbook
        >>> book = load_workbook(io.BytesIO(to_xlsx(pd.DataFrame({"a": ["=1+1", 2]}))))
        >>> [(c.value, c.data_type) for c in book.active["A"]]
        [('a', 's'), ("'=1+1", 's'), (2, 'n')]
    """
    # openpyxl is imported here, not with the module: every command imports this one, few write workbooks.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(sheet_name))
    header = [_xlsx_text(h) for h in _header(frame)]
    widths = [len(h) for h in header]
    rows: list[list[Any]] = []
    for values in _rows(frame):
        row = [_xlsx_text(v) if isinstance(v, str) else v for v in values]
        widths = [max(w, len(str(v)) if v is not None else 0) for w, v in zip(widths, row, strict=True)]
        rows.append(row)
    # Write-only sheets take layout before the first row.
    sheet.freeze_panes = "A2"
    for k, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(k)].width = min(width + 2, _MAX_COLUMN_WIDTH)
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"

    def bold(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = Font(bold=True)
        return cell

    sheet.append([bold(h) for h in header])
    # Plain values: neutralised text never starts with "=", the only text openpyxl would store as a formula.
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------------ brief


@dataclass(frozen=True)
class BriefEntry:
    """One organisation in a brief.

    Attributes:
        name: Display name.
        city: City.
        country: Country code or name.
        org_type: Organisation type, a code (shown in words: ``research_institute`` is "Research institute").
        stage: The company's stage, e.g. ``seed``.
        shortlist_stage: Where the contact stands: ``new``, ``contacted``, ``meeting``, ``agreement``.
        score: Match score, if any.
        reasons: Why it matches, strongest first.
        notes: Notes about it (officers' notes are private: leave them out of a startup's brief).
        details: Further labelled facts, e.g. ``(("Website", "https://..."), ("Sectors", "ADC; CDMO"))``.
    """

    name: str
    city: str = ""
    country: str = ""
    org_type: str = ""
    stage: str = ""
    shortlist_stage: str = ""
    score: float | None = None
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BriefMeeting:
    """One meeting in a brief's schedule (names, not ids).

    Attributes:
        slot: The slot label.
        visitor: The visitor's name.
        host: The host's name.
        score: The pair's score (shown with 2 decimals).
        band: Its band in words (``strong``, ``possible``, ``weak``).
        reason: Why the two meet.
    """

    slot: str
    visitor: str
    host: str
    score: float | None = None
    band: str = ""
    reason: str = ""


@dataclass(frozen=True)
class BriefSection:
    """A part of a brief: a heading, an optional introduction, organisations and/or meetings.

    Example:
        >>> BriefSection("Shortlist: ADC partners", entries=(BriefEntry("Costa Bio", city="Málaga"),)).heading
        'Shortlist: ADC partners'
    """

    heading: str
    intro: str = ""
    entries: tuple[BriefEntry, ...] = ()
    meetings: tuple[BriefMeeting, ...] = ()


def _text(value: Any) -> str:
    value = _plain(value)
    return "" if value is None else str(value)


def _texts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, Iterable):
        return tuple(str(item) for item in value if str(item).strip())
    text = _text(value)
    return (text,) if text else ()


def entries_from_frame(frame: pd.DataFrame) -> tuple[BriefEntry, ...]:
    """Brief entries from a table whose columns are named like :class:`BriefEntry` fields.

    ``name`` is required; the other columns are optional, unknown ones are ignored, missing values become the
    defaults. ``reasons`` and ``notes`` take lists or one text each; a ``note`` column is read as ``notes``
    (the store's shortlist entries have ``note``, and their ``stage`` column is the shortlist stage: rename it
    to ``shortlist_stage`` first).

    Example:
        >>> [entry] = entries_from_frame(pd.DataFrame({"name": ["Costa Bio"], "score": [0.81], "note": ["Call"]}))
        >>> entry.name, entry.score, entry.notes, entry.city
        ('Costa Bio', 0.81, ('Call',), '')

    Raises:
        ValueError: The frame has no ``name`` column.
    """
    if "name" not in frame.columns:
        raise ValueError(f"a brief needs a 'name' column; the frame has {', '.join(map(str, frame.columns))}")
    entries = []
    for row in frame.to_dict("records"):
        score = _plain(row.get("score"))
        notes = row.get("notes", row.get("note"))
        entries.append(
            BriefEntry(
                name=_text(row["name"]),
                city=_text(row.get("city")),
                country=_text(row.get("country")),
                org_type=_text(row.get("org_type")),
                stage=_text(row.get("stage")),
                shortlist_stage=_text(row.get("shortlist_stage")),
                score=float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else None,
                reasons=_texts(row.get("reasons")),
                notes=_texts(notes),
            )
        )
    return tuple(entries)


_METHOD_WORDS = {
    "optimal": "the best possible plan",
    "time-limited": "the best plan found within the time limit",
    "greedy": "a quick plan (best pairs first), not proven the best",
}


def _score_words(schedule: Schedule) -> str:
    """The plan's floor in words, naming the band (on the plan's scale) it is the floor of."""
    for band in (Band.STRONG, Band.POSSIBLE):
        if math.isclose(schedule.min_score, schedule.scale.floor(band)):
            return f"{schedule.min_score:.2f}, the {band} band"
    return f"{schedule.min_score:.2f}"


def shortfall_text(schedule: Schedule, names: Mapping[str, str] | None = None) -> str:
    """Who got no meeting for lack of a good match ("" when everyone had one), for briefs and the app.

    Example:
        >>> from matcher.schedule import plan_meetings
        >>> plan = plan_meetings(np.array([[0.5], [0.1]]), ["a", "b"], ["x"], ["10:00"], [["10:00"]] * 2,
        ...                      [["10:00"]], 1, 1)
        >>> shortfall_text(plan, {"b": "Bora Bio"})
        'Not enough good matches for Bora Bio: no pair scores at least 0.24, the possible band.'
    """
    names = names or {}
    if not schedule.without_good_match:
        return ""
    who = ", ".join(names.get(i, i) for i in schedule.without_good_match)
    return f"Not enough good matches for {who}: no pair scores at least {_score_words(schedule)}."


def schedule_table(schedule: Schedule, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The meetings as a table for CSV and XLSX exports: names, the score rounded to 2 decimals, band and reason.

    Columns ``Slot, Visitor, Host, Score, Band, Reason``, one row per meeting in plan order.

    Example:
        >>> from matcher.schedule import plan_meetings
        >>> plan = plan_meetings(np.array([[0.31234]]), ["a"], ["x"], ["10:00"], [["10:00"]], [["10:00"]], 1, 1)
        >>> schedule_table(plan.with_reasons({("a", "x"): "Shared sector"})).to_dict("records")
        [{'Slot': '10:00', 'Visitor': 'a', 'Host': 'x', 'Score': 0.31, 'Band': 'strong', 'Reason': 'Shared sector'}]
    """
    names = names or {}
    rows = [
        (
            m.slot,
            names.get(m.visitor_id, m.visitor_id),
            names.get(m.host_id, m.host_id),
            round(m.score, 2),
            str(m.band),
            m.reason,
        )
        for m in schedule.meetings
    ]
    return pd.DataFrame(rows, columns=["Slot", "Visitor", "Host", "Score", "Band", "Reason"])


def schedule_section(
    schedule: Schedule,
    names: Mapping[str, str] | None = None,
    *,
    heading: str = "Meeting schedule",
    intro: str = "",
) -> BriefSection:
    """A brief section listing a meeting plan by slot, with a summary of what it achieves.

    Scores are rounded to 2 decimals; each meeting carries its band and reason (see
    :meth:`matcher.schedule.Schedule.with_reasons`). Organisations with no good match at all are named
    ("Not enough good matches for ...").

    Args:
        schedule: The plan from :func:`matcher.schedule.plan_meetings`.
        names: Display names by organisation id; ids without a name show as themselves.
        heading: Section heading.
        intro: Text shown before the summary.

    Example:
        >>> from matcher.schedule import plan_meetings
        >>> plan = plan_meetings(np.ones((1, 1)), ["dj-1"], ["do-1"], ["Tue 10:00"], [["Tue 10:00"]],
        ...                      [["Tue 10:00"]], 1, 1)
        >>> schedule_section(plan, {"dj-1": "Hanbit Bio"}).meetings
        (BriefMeeting(slot='Tue 10:00', visitor='Hanbit Bio', host='do-1', score=1.0, band='strong', reason=''),)
    """
    names = names or {}

    def name(org_id: str) -> str:
        return names.get(org_id, org_id)

    count = len(schedule.meetings)
    summary = [
        f"{count} meeting{'' if count == 1 else 's'}, total score {schedule.total_score:.2f}: "
        f"{_METHOD_WORDS[schedule.method]}."
    ]
    if schedule.min_score > 0:
        summary.append(f"Only pairs scoring at least {_score_words(schedule)}, meet.")
    shortfall = shortfall_text(schedule, names)
    if shortfall:
        summary.append(shortfall)
    lacking = set(schedule.without_good_match)
    for side, ids in (("visitors", schedule.unmatched_visitors), ("hosts", schedule.unmatched_hosts)):
        rest = [i for i in ids if i not in lacking]
        if rest:
            summary.append(f"No meeting for these {side}: {', '.join(name(i) for i in rest)}.")
    meetings = tuple(
        BriefMeeting(m.slot, name(m.visitor_id), name(m.host_id), round(m.score, 2), str(m.band), m.reason)
        for m in schedule.meetings
    )
    return BriefSection(heading, "\n".join([*([intro] if intro else []), *summary]), meetings=meetings)


_CSS = """
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans KR", "Malgun Gothic",
       "Apple SD Gothic Neo", sans-serif; color: #1a1a1a; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
.subtitle { color: #555; margin: 0 0 1.2rem; white-space: pre-wrap; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #1f4e79; padding-bottom: .2rem; margin: 1.8rem 0 .6rem; }
.intro { white-space: pre-wrap; }
.entry { border: 1px solid #ccc; border-radius: 6px; padding: .6rem .9rem; margin: .7rem 0; break-inside: avoid; }
.entry h3 { margin: 0; font-size: 1.05rem; }
.score { float: right; font-weight: 600; color: #1f4e79; }
.meta { color: #444; margin: .1rem 0 .4rem; }
.entry ul { margin: .3rem 0; padding-left: 1.2rem; }
.note { white-space: pre-wrap; background: #f4f4f4; border-left: 3px solid #999; padding: .3rem .6rem;
        margin: .4rem 0 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .4rem 0 0; }
dt { color: #555; }
dd { margin: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
th { border-bottom: 2px solid #999; }
td.num, th.num { text-align: right; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
.empty { color: #666; font-style: italic; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; }
  .entry { border-color: #999; }
}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


_ACRONYMS = {"sme": "SME", "cdmo": "CDMO", "ai": "AI", "mou": "MoU"}


def readable(code: Any) -> str:
    """A vocabulary code as words for people: ``research_institute`` -> ``Research institute``; "" for none.

    Example:
        >>> readable("research_institute"), readable("sme"), readable("series_a"), readable(None)
        ('Research institute', 'SME', 'Series A', '')
    """
    if not isinstance(code, str) or not code:
        return ""
    words = [_ACRONYMS.get(w, w.upper() if len(w) == 1 else w) for w in code.split("_")]
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


def prepared(by: str = "", *, on: dt.date | None = None) -> str:
    """The "prepared" line of an export: the local date (today by default) and who prepared it.

    Example:
        >>> prepared("kim", on=dt.date(2026, 12, 8)), prepared(on=dt.date(2026, 12, 8))
        ('prepared on 2026-12-08 by kim', 'prepared on 2026-12-08')
    """
    day = (on or dt.date.today()).isoformat()  # date.today() is the local date, the reader's "today"
    return f"prepared on {day}" + (f" by {by}" if by else "")


def _entry_html(entry: BriefEntry) -> str:
    place = ", ".join(p for p in (entry.city, entry.country) if p)
    meta = [readable(entry.org_type), place, readable(entry.stage)]
    if entry.shortlist_stage:
        stage = readable(entry.shortlist_stage)
        # Mid-sentence: "site visit", but an investment lead's "MoU" stays as written.
        acronym = entry.shortlist_stage.split("_")[0] in _ACRONYMS
        meta.append(f"shortlist: {stage if acronym else stage[:1].lower() + stage[1:]}")
    parts = ['<article class="entry">']
    if entry.score is not None:
        parts.append(f'<span class="score">score {entry.score:.2f}</span>')
    parts.append(f"<h3>{_e(entry.name)}</h3>")
    shown = [m for m in meta if m]
    if shown:
        parts.append(f'<p class="meta">{" · ".join(_e(m) for m in shown)}</p>')
    if entry.reasons:
        parts.append("<ul>" + "".join(f"<li>{_e(r)}</li>" for r in entry.reasons) + "</ul>")
    if entry.details:
        parts.append("<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in entry.details) + "</dl>")
    parts.extend(f'<p class="note">{_e(note)}</p>' for note in entry.notes)
    parts.append("</article>")
    return "\n".join(parts)


def _meetings_html(meetings: Sequence[BriefMeeting]) -> str:
    scored = any(m.score is not None for m in meetings)
    reasoned = any(m.reason for m in meetings)
    head = "<th>Time</th><th>Visitor</th><th>Host</th>" + ('<th class="num">Score</th>' if scored else "")
    head += "<th>Why</th>" if reasoned else ""
    rows = []
    for m in meetings:
        cells = f"<td>{_e(m.slot)}</td><td>{_e(m.visitor)}</td><td>{_e(m.host)}</td>"
        if scored:
            score = "" if m.score is None else f"{m.score:.2f}" + (f" ({_e(m.band)})" if m.band else "")
            cells += f'<td class="num">{score}</td>'
        if reasoned:
            cells += f"<td>{_e(m.reason)}</td>"
        rows.append(f"<tr>{cells}</tr>")
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"


def brief_html(
    title: str, sections: Sequence[BriefSection], *, subtitle: str = "", page_per_section: bool = False
) -> str:
    """A self-contained, printable HTML brief: a title, then each section's organisations and meetings.

    Every piece of text is escaped, so profile text containing HTML shows as text, and the page's content
    security policy forbids scripts and outside resources besides; it loads nothing from the network. Print it
    to PDF from the browser.

    Args:
        title: The brief's title.
        sections: Its sections, in order (see :func:`entries_from_frame` and :func:`schedule_section`).
        subtitle: A line under the title, e.g. the date and who prepared it.
        page_per_section: Print each section on a page of its own.

    Example:
        >>> page = brief_html("Delegation <Daejeon>", [BriefSection("Hosts", entries=(BriefEntry("A&B"),))])
        >>> "<h1>Delegation &lt;Daejeon&gt;</h1>" in page, "<h3>A&amp;B</h3>" in page
        (True, True)
    """
    body = []
    for section in sections:
        body.append(f"<section>\n<h2>{_e(section.heading)}</h2>")
        if section.intro:
            body.append(f'<p class="intro">{_e(section.intro)}</p>')
        body.extend(_entry_html(entry) for entry in section.entries)
        if section.meetings:
            body.append(_meetings_html(section.meetings))
        if not section.entries and not section.meetings:
            body.append('<p class="empty">Nothing here yet.</p>')
        body.append("</section>")
    subtitle_html = f'<p class="subtitle">{_e(subtitle)}</p>\n' if subtitle else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}{_PAGE_PER_SECTION if page_per_section else ''}</style>\n"
        "</head>\n<body>\n"
        f"<header>\n<h1>{_e(title)}</h1>\n{subtitle_html}</header>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


# ------------------------------------------------------------------------------------------------------ leads

_PAGE_PER_SECTION = "@media print { section + section { break-before: page; } }\n"

LEADS_COLUMNS = (
    "rank",
    "organisation",
    "id",
    "type",
    "city",
    "country",
    "score",
    "gaps filled",
    "local beneficiaries",
    "evidence",
    "reasons",
)
"""The columns of a leads table (:func:`leads_table`)."""


def gainer_label(beneficiary: Beneficiary, *, score: bool = True) -> str:
    """A local organisation that would gain from a lead, as English lists show it: its name, its pair score, and
    whether it is a partner of the lead already (an existing link rather than a new opportunity).

    Example:
        >>> gainer_label(Beneficiary("a", "Hanbit", 0.5, "", partner=True))
        'Hanbit (0.50, already a partner)'
        >>> gainer_label(Beneficiary("a", "Hanbit", 0.5, ""), score=False)
        'Hanbit'
    """
    notes = [f"{beneficiary.score:.2f}"] if score else []
    if beneficiary.partner:
        notes.append("already a partner")
    return f"{beneficiary.name} ({', '.join(notes)})" if notes else beneficiary.name


def leads_table(leads: Sequence[Lead], *, city: str = "") -> pd.DataFrame:
    """Leads as a table for CSV and XLSX (:data:`LEADS_COLUMNS`, plus ``for city`` when ``city`` is given): the
    beneficiaries with their scores, their evidence one per line, the reasons one per line.

    Example:
        >>> from matcher.attract import Beneficiary
        >>> lead = Lead("x", "Acme", "Basel", "CH", "multinational", 0.71,
        ...             (Beneficiary("a", "Hanbit", 0.5, 'Their offer "GMP" meets your need "a CMO".'),), ("Fits 1.",))
        >>> leads_table([lead]).loc[0, ["organisation", "type", "local beneficiaries"]].tolist()
        ['Acme', 'Multinational', 'Hanbit (0.50)']
    """
    rows = [
        {
            "rank": rank,
            "organisation": lead.name,
            "id": lead.id,
            "type": readable(lead.org_type),
            "city": lead.city,
            "country": lead.country,
            "score": round(lead.score, 3),
            "gaps filled": "; ".join(SECTOR_LABELS.get(s, s) for s in lead.gaps_filled),
            "local beneficiaries": "; ".join(gainer_label(b) for b in lead.local_beneficiaries),
            "evidence": "\n".join(f"{b.name}: {b.reason}" for b in lead.local_beneficiaries),
            "reasons": "\n".join(lead.reasons),
        }
        for rank, lead in enumerate(leads, start=1)
    ]
    table = pd.DataFrame(rows, columns=list(LEADS_COLUMNS))
    return table.assign(**{"for city": city}) if city else table


def lead_brief_html(
    leads: Sequence[Lead],
    *,
    city: str,
    details: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    prepared_by: str = "",
) -> str:
    """A printable brief with one page per lead: who it is, its score and reasons, the gaps it fills, the
    facts given in ``details`` (per lead id, e.g. its public offers and website), and each local organisation
    that would gain, with the evidence. Every text is escaped (:func:`brief_html`).

    Example:
        >>> lead = Lead("x", "<b>Acme</b>", "Basel", "CH", "multinational", 0.71, (), ("Fits 3 organisations.",))
        >>> page = lead_brief_html([lead], city="Daejeon")
        >>> "&lt;b&gt;Acme&lt;/b&gt;" in page, "<b>Acme" in page, "break-before: page" in page
        (True, False, True)
    """
    sections = []
    for lead in leads:
        facts = list((details or {}).get(lead.id, ()))
        if lead.gaps_filled:
            facts.append(("Gaps it fills", "; ".join(SECTOR_LABELS.get(s, s) for s in lead.gaps_filled)))
        card = BriefEntry(
            name=lead.name,
            city=lead.city,
            country=lead.country,
            org_type=lead.org_type,
            score=round(lead.score, 2),
            reasons=lead.reasons,
            details=tuple((title, text) for title, text in facts if text),
        )
        gainers = tuple(
            BriefEntry(name=gainer_label(b, score=False), city=city, score=round(b.score, 2),
                       reasons=(b.reason,) if b.reason else ())
            for b in lead.local_beneficiaries
        )
        intro = f"Who in {city} would gain, and why:" if gainers else f"No organisation in {city} fits it clearly."
        sections.append(BriefSection(f"Lead: {lead.name}", intro=intro, entries=(card, *gainers)))
    count = len(sections)
    subtitle = f"{count} lead{'' if count == 1 else 's'} for {city} · {prepared(prepared_by)}"
    return brief_html(f"Investment leads for {city}", sections, subtitle=subtitle, page_per_section=True)
