"""File readers: CSV, TSV, JSON, JSONL and XLSX tables in, plain text cells out.

This is the I/O edge of the import. A reader never interprets values: every cell comes back as the text the
file holds (numbers, dates and formulas included) or ``None`` when empty, so that validation
(:mod:`matcher.validate`) decides what a value means and can quote it back to the user. Records that cannot be
parsed are reported with the row number the user sees in a spreadsheet or editor and left out; the rest of the
file is still read. Whatever the reader had to repair (encoding, NUL bytes, delimiter) is reported as a note.

Example:
    >>> from pathlib import Path
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "profiles.csv"
    >>> _ = path.write_bytes(b"ID;Name\\r\\ndj-001;Hanbit Bio\\r\\ndj-002;=1+1;extra\\r\\n")
    >>> result = read_table(path)
    >>> result.frame.to_dict("records")
    [{'id': 'dj-001', 'name': 'Hanbit Bio', '_row': 2}]
    >>> result.problems
    [RowProblem(row=3, reason='has 3 fields, the header has 2', id='dj-002')]
    >>> result.notes
    ["delimiter ';'"]
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import itertools
import json
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .charsets import decode_line, find_garble, guess_legacy
from .errors import InputError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "SUPPORTED_EXTENSIONS",
    "FileReadError",
    "ReadResult",
    "RowProblem",
    "read_table",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
"""Largest file :func:`read_table` accepts by default (100 MiB): bigger files should be split."""
DEFAULT_MAX_ROWS = 300_000
"""Most records :func:`read_table` accepts from one file by default."""
CSV_FIELD_LIMIT = csv.field_size_limit()
"""Longest CSV cell, in characters (Python's csv default, 131,072): a row with a longer cell is left out."""
MAX_JSON_DEPTH = 32
"""Deepest nesting of lists inside a JSON record's value; deeper values reject the record."""
XLSX_MAX_UNCOMPRESSED = 1024 * 1024 * 1024
"""Largest total uncompressed size of a workbook's members (1 GiB), checked before parsing."""
XLSX_MAX_RATIO = 100
"""Highest compression ratio of one workbook member above 1 MiB (Apache POI's default): more is a zip bomb."""
XLSX_MAX_COLUMNS = 1_000
"""Most columns a worksheet may declare or use; profiles and partnerships need a few dozen."""
XLSX_STRINGS_PER_ROW = 10
"""Shared strings allowed per record (``max_rows`` times this), counted in the stream before openpyxl loads them."""

SUPPORTED_EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
"""File name extensions read by :func:`read_table`, and the format each one means."""

ROW_COLUMN = "_row"

_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
# Bytes that never occur in text files, apart from NUL (which some exports leak and we remove).
_CONTROL_BYTES = frozenset(range(1, 9)) | {11} | frozenset(range(14, 32))
_SAVE_AS_UTF8 = "Save the file as CSV UTF-8 (in Excel: Save As, 'CSV UTF-8 (Comma delimited)') and import it again"
# The first cell-like stretch holding a non-ASCII character: what a warning quotes for the user to check.
_NON_ASCII_CELL = re.compile(r'[^,;\t|"\r\n]*[^\x00-\x7f][^,;\t|"\r\n]*')
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (an Excel workbook is one: give it the .xlsx extension)",
    b"\xd0\xcf\x11\xe0": "a legacy Office file (.xls or .doc): save it as .xlsx or as CSV UTF-8",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive: unpack it first",
}


@dataclass(frozen=True)
class RowProblem:
    """A record that was left out (or, from validation, kept with a warning), in words a user understands.

    Attributes:
        row: The row number a user sees: for CSV and XLSX the header is row 1 and the first record row 2
            (the physical line where the record starts); for a JSON list the record number (1-based); for
            JSONL the line number.
        reason: What is wrong, in plain words.
        id: The record's id, when it could be read.
    """

    row: int
    reason: str
    id: str | None = None


@dataclass(frozen=True)
class ReadResult:
    """What :func:`read_table` read.

    Attributes:
        frame: One row per record: every cell a ``str`` or ``None``, column names stripped and lower-cased, in
            file order, plus the int column ``_row`` with each record's row number.
        problems: Records that could not be parsed and are not in ``frame``.
        notes: What the reader did to the file (encoding detected, removed bytes, delimiter, sheet chosen).
        encoding: The Python codec the text was read as (``utf-8``, ``utf-16-le``, ``cp949``, ``euc-kr``,
            ``cp932``, ``cp1252`` ...; for a file mixing UTF-8 lines with legacy ones, the legacy codec); None for
            a workbook.
        warnings: What the user should check although the records were read, such as an encoding that is only a
            guess; row 0 stands for the file as a whole.
    """

    frame: pd.DataFrame
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    warnings: list[RowProblem] = field(default_factory=list)


class FileReadError(InputError):
    """The file cannot be read at all; the message says why in plain words."""


def read_table(path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES, max_rows: int = DEFAULT_MAX_ROWS) -> ReadResult:
    """Reads a CSV, TSV, JSON, JSONL or XLSX table into text cells, reporting records it cannot parse.

    Text files may be UTF-8 (with or without byte-order mark), UTF-16 (with or without one), or a legacy code
    page that Excel writes: CP949/EUC-KR, Shift-JIS or Windows-1252/Latin-1 (see :mod:`matcher.charsets`). Lines
    that are not UTF-8 are decoded with the detected encoding, which is noted; a guess that is uncertain becomes a
    warning, and a file that no encoding reads without garbled text (mojibake) is refused with advice to save it
    as CSV UTF-8. The delimiter (``,``, ``;``, tab or ``|``) is taken from the header line. A record with more
    fields than the header is left out; missing trailing fields are read as empty. A quote that is never closed
    loses only the record where it opens. JSON must be a list of objects, JSONL one object per line; list values
    become ``;``-separated text. Only the first sheet of a workbook is read, and formulas come back as their text,
    never evaluated. A workbook is checked before it is parsed (total uncompressed size, compression ratio, shared
    strings counted in the stream, the sheet's declared size) and its rows and columns are capped while it is read,
    so a crafted file is refused in a moment rather than unpacked. A CSV cell longer than :data:`CSV_FIELD_LIMIT`,
    or a JSON value nested deeper than :data:`MAX_JSON_DEPTH`, costs only its own record.

    Args:
        path: The file; its extension decides the format (see :data:`SUPPORTED_EXTENSIONS`).
        max_bytes: Larger files are refused, with advice to split them.
        max_rows: Files with more records are refused, with advice to split them.

    Returns:
        The records, the records left out, and notes on what the reader did.

    Raises:
        FileReadError: The file is missing, empty, too large (or, for a workbook, unpacks too large), binary, of
            an unknown type, in an encoding that reads only as garbled text, nested too deeply (JSON), or not a
            table.

    Example:
        >>> from pathlib import Path
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "profiles.json"
        >>> _ = path.write_text('[{"ID": "dj-001", "Employees": 12, "Sectors": ["ai", "robotics"]}]')
        >>> read_table(path).frame.to_dict("records")
        [{'id': 'dj-001', 'employees': '12', 'sectors': 'ai; robotics', '_row': 1}]
    """
    if max_bytes < 1 or max_rows < 1:
        raise ValueError(f"max_bytes and max_rows must be positive, got {max_bytes} and {max_rows}")
    path = Path(path)
    kind = SUPPORTED_EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(SUPPORTED_EXTENSIONS))
        raise FileReadError(
            f"'{path.name}' has an unknown file type '{path.suffix or '(none)'}'; the importer reads {known}. "
            "Save spreadsheets as .xlsx or as CSV UTF-8."
        )
    if not path.is_file():
        raise FileReadError(f"'{path}' does not exist or is not a file")
    size = path.stat().st_size
    if size > max_bytes:
        raise FileReadError(
            f"'{path.name}' is {_size_text(size)}, above the limit of {_size_text(max_bytes)}; split it into "
            f"files under {_size_text(max_bytes)} (each with the header line) and import them one by one"
        )
    data = path.read_bytes()
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise FileReadError(f"'{path.name}' is empty")
    if kind == "xlsx":
        return _read_xlsx(path, data, max_rows)
    text, encoding, notes, doubts = _decode(data, path.name)
    if kind in ("csv", "tsv"):
        result = _read_delimited(text, notes, path.name, "\t" if kind == "tsv" else ",", max_rows)
    elif kind == "json":
        result = _read_json(text, notes, path.name, max_rows)
    else:
        result = _read_jsonl(text, notes, path.name, max_rows)
    return dataclasses.replace(result, encoding=encoding, warnings=[RowProblem(0, doubt) for doubt in doubts])


def _size_text(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):,.1f} MiB"
    if n_bytes >= 1024:
        return f"{n_bytes / 1024:,.1f} KiB"
    return f"{n_bytes:,} bytes"


def _too_many_rows(name: str, max_rows: int) -> FileReadError:
    return FileReadError(
        f"'{name}' has more than {max_rows:,} records, the limit for one file; split it into files of at most "
        f"{max_rows:,} records (each with the header line) and import them one by one"
    )


def _decode(data: bytes, name: str) -> tuple[str, str, list[str], list[str]]:
    """Decodes text bytes: BOMs, UTF-16 without BOM, binary detection, NUL removal, UTF-8, then the lines that are
    not UTF-8 in the legacy encoding :func:`matcher.charsets.guess_legacy` finds.

    Returns:
        The text, the codec, notes, and warnings (a guess that is uncertain).
    """
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec).replace("\x00", ""), codec, [f"decoded as {codec.upper()}"], []
            except UnicodeDecodeError as error:
                raise FileReadError(f"'{name}' starts like UTF-16 text but is not: {error.reason}") from error
    data = data.removeprefix(b"\xef\xbb\xbf")
    for signature, what in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise FileReadError(f"'{name}' is not a text table: it looks like {what}")
    sample = data[:65536]
    utf16 = _utf16_without_bom(sample)
    if utf16 is not None:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: the binary check below decides
        else:
            if not any(ord(char) in _CONTROL_BYTES for char in text[:65536]):
                return text.replace("\x00", ""), utf16, [f"decoded as {utf16.upper()} (no byte-order mark)"], []
    n_nul = sample.count(0)
    n_control = sum(1 for byte in sample if byte in _CONTROL_BYTES)
    if n_nul > len(sample) // 10 or n_control > len(sample) // 100:
        raise FileReadError(
            f"'{name}' is not a text table: it contains binary data. Save spreadsheets as .xlsx or as CSV UTF-8."
        )
    notes = []
    nul_total = data.count(0)
    if nul_total:
        data = data.replace(b"\x00", b"")
        notes.append(f"removed {nul_total:,} NUL byte{'s' if nul_total != 1 else ''}")
    try:
        return data.decode("utf-8"), "utf-8", notes, []
    except UnicodeDecodeError:
        text, codec, legacy_notes, warnings = _decode_legacy(data, name)
        return text, codec, notes + legacy_notes, warnings


def _decode_legacy(data: bytes, name: str) -> tuple[str, str, list[str], list[str]]:
    """Decodes the lines that are not UTF-8 in the legacy encoding :func:`matcher.charsets.guess_legacy` finds,
    so that a file pasted together from a UTF-8 and a legacy export keeps both halves right; refuses the file when
    that encoding leaves garbled text."""
    lines = data.split(b"\n")
    decoded: list[str] = []
    legacy: list[int] = []
    for number, line in enumerate(lines, start=1):
        try:
            decoded.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            decoded.append("")
            legacy.append(number)
    blob = b"\n".join(lines[number - 1] for number in legacy)
    guess = guess_legacy(blob)
    try:
        text = decode_line(blob, guess.codec, strict=True)
    except UnicodeDecodeError as error:  # beyond the sample the guess was made from
        number = legacy[blob.count(b"\n", 0, error.start)]
        raise FileReadError(
            f"'{name}' is not UTF-8, and line {number} cannot be read as {guess.label} like the lines before it "
            f"({error.reason}). {_SAVE_AS_UTF8}"
        ) from error
    found = find_garble(blob, text, guess.codec)
    if found is not None:
        index, garble = found
        raise FileReadError(
            f"'{name}' is not UTF-8, and its encoding could not be read reliably: line {legacy[index]} reads "
            f"'{garble.text}', which looks like {garble.cause} (it would say '{garble.meant}'). {_SAVE_AS_UTF8}"
        )
    for number, line_text in zip(legacy, text.split("\n"), strict=True):
        decoded[number - 1] = line_text
    legacy_set = set(legacy)
    if any(number not in legacy_set and not line.isascii() for number, line in enumerate(lines, start=1)):
        shown = ", ".join(str(n) for n in legacy[:10]) + (", ..." if len(legacy) > 10 else "")
        many = "s" if len(legacy) != 1 else ""
        notes = [f"{len(legacy):,} line{many} ({shown}) not valid UTF-8, decoded as {guess.label}"]
    else:
        notes = [f"decoded as {guess.label}, not UTF-8"]
    warnings = []
    if guess.doubt is not None:
        example = _NON_ASCII_CELL.search(decoded[legacy[0] - 1])
        shown = example.group().strip()[:60] if example else ""
        warnings.append(
            f"the file is not UTF-8 and its encoding, {guess.label}, is a guess: {guess.doubt}. Check the imported "
            f"text (line {legacy[0]} reads '{shown}'); if it is wrong, save the file as CSV UTF-8 and import it again"
        )
    return "\n".join(decoded), guess.codec, notes, warnings


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when every other byte is NUL, as in UTF-16 text of mostly ASCII characters."""
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    # Characters such as U+B300 ('대') put a NUL on the other side too, but ten times fewer than ASCII does.
    if half >= 2 and odd >= 0.3 * half and even * 10 <= odd:
        return "utf-16-le"
    if half >= 2 and even >= 0.3 * half and odd * 10 <= even:
        return "utf-16-be"
    return None


def _sniff_delimiter(header_line: str, default: str) -> str:
    """Picks the candidate delimiter that occurs most often outside quotes in the header line."""
    counts = dict.fromkeys(_DELIMITER_NAMES, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: (counts[d], d == default))
    return best if counts[best] else default


def _header_names(cells: Sequence[Any], notes: list[str]) -> list[str]:
    """Strips and lower-cases header names; trailing blank ones are dropped, other blanks and repeats renamed."""
    names = [str(cell).strip().lower() if cell is not None else "" for cell in cells]
    while names and not names[-1]:
        names.pop()
    seen: set[str] = {ROW_COLUMN}
    result = []
    for position, name in enumerate(names, start=1):
        unique = name or f"column_{position}"
        if unique in seen:
            unique = f"{name or 'column'}_{position}"
            notes.append(f"column {position} is named '{name}' like an earlier column; read as '{unique}'")
        elif not name:
            notes.append(f"column {position} has no name; read as '{unique}'")
        seen.add(unique)
        result.append(unique)
    return result


def _frame(columns: list[str], records: list[list[str | None]], rows: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=columns, dtype=object) if records else _empty(columns)
    frame[ROW_COLUMN] = pd.Series(rows, dtype="int64")
    return frame


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype=object) for name in columns})


def _blank(cell: str | None) -> bool:
    return cell is None or not cell.strip()


def _record_id(cells: Sequence[str | None], columns: list[str]) -> str | None:
    """The record's id cell, if the table has an ``id`` column, so that problems can name the record."""
    if "id" not in columns:
        return None
    position = columns.index("id")
    cell = cells[position] if position < len(cells) else None
    return cell.strip() or None if cell else None


def _iter_csv(lines: list[str], delimiter: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """Yields (first line number, fields or None, reason) per record, recovering from broken quotes.

    A record whose quotes do not parse (a quote never closed, or text after a closing quote) is reported at
    the line where it starts, and parsing starts again on the next line, so one stray quote costs one record
    rather than the rest of the file.
    """
    start = 0
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), delimiter=delimiter, strict=True)
        first = start + 1
        try:
            for fields in reader:
                yield first, fields, None
                first = start + reader.line_num + 1
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                yield first, None, f"a cell is longer than {CSV_FIELD_LIMIT:,} characters; this row was skipped"
                start = _record_end(lines, first - 1)
                continue
            spanned = start + reader.line_num > first
            reason = (
                "unclosed quote; this line was skipped"
                if spanned or "end of data" in str(error)
                else "a quoted cell has text after its closing quote; this line was skipped"
            )
            yield first, None, reason
            start = first  # the line after the one where the broken record starts (lines are 0-based)


def _record_end(lines: list[str], index: int) -> int:
    """The index of the line after the record starting at ``lines[index]``: where its quotes balance again."""
    quotes = 0
    for position in range(index, len(lines)):
        quotes += lines[position].count('"')
        if quotes % 2 == 0:
            return position + 1
    return len(lines)


def _read_delimited(text: str, notes: list[str], name: str, default: str, max_rows: int) -> ReadResult:
    lines = io.StringIO(text, newline="").readlines()
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise FileReadError(f"'{name}' is empty")
    hint = re.fullmatch(r"sep=(.)", lines[header_index].rstrip("\r\n"))
    if hint:  # Excel's "sep=;" first line names the delimiter
        delimiter = hint.group(1)
        header_index = next((i for i in range(header_index + 1, len(lines)) if lines[i].strip()), len(lines))
        if header_index == len(lines):
            raise FileReadError(f"'{name}' has a 'sep=' line but no header line")
    else:
        delimiter = _sniff_delimiter(lines[header_index], default)
    if delimiter != default:
        notes.append(f"delimiter {_DELIMITER_NAMES.get(delimiter, repr(delimiter))}")
    records: list[list[str | None]] = []
    rows: list[int] = []
    problems: list[RowProblem] = []
    columns: list[str] | None = None
    n_empty = 0
    offset = header_index
    for first, fields, reason in _iter_csv(lines[header_index:], delimiter):
        row = first + offset
        if columns is None:
            if fields is None:
                raise FileReadError(f"'{name}': the header line (line {row}) cannot be parsed: {reason}")
            columns = _header_names(fields, notes)
            if not columns:
                raise FileReadError(f"'{name}': the header line (line {row}) has no column names")
            continue
        if fields is None:
            # Read the broken line leniently, only to name the record's id in the problem.
            try:  # cut to stay under the csv field limit: the id is near the start of the line
                lenient = next(csv.reader([lines[row - 1][: CSV_FIELD_LIMIT // 2]], delimiter=delimiter), [])
            except csv.Error:
                lenient = []
            problems.append(RowProblem(row, reason or "cannot be parsed", _record_id(lenient, columns)))
            continue
        if not "".join(fields).strip():  # a blank line, or only delimiters
            n_empty += bool(fields)
            continue
        cells: list[str | None] = [cell if cell else None for cell in fields]
        if len(cells) > len(columns):
            if "".join(fields[len(columns) :]).strip():
                reason = f"has {len(cells)} fields, the header has {len(columns)}"
                problems.append(RowProblem(row, reason, _record_id(cells, columns)))
                continue
            cells = cells[: len(columns)]
        cells.extend([None] * (len(columns) - len(cells)))
        records.append(cells)
        rows.append(row)
        if len(records) + len(problems) > max_rows:
            raise _too_many_rows(name, max_rows)
    if columns is None:  # only reachable when every line is blank, which _decode already refuses
        raise FileReadError(f"'{name}' is empty")
    if n_empty:
        notes.append(f"skipped {n_empty:,} record{'s' if n_empty != 1 else ''} with only empty fields")
    if not records and not problems:
        raise FileReadError(f"'{name}' has a header line but no records below it")
    return ReadResult(_frame(columns, records, rows), problems, notes)


class _Number(str):
    """A JSON number, kept as the text the file holds."""


class _CellError(ValueError):
    """A JSON value that cannot become cell text; the message completes "'<key>' ..."."""


_SURROGATE = re.compile("[\ud800-\udfff]")
_DEEP_JSON = (
    "nested too deeply to read (lists or objects inside each other hundreds of levels deep); "
    "a table needs one object per record with text, number or list values"
)


def _checked_text(text: str) -> str:
    if not text.isascii() and _SURROGATE.search(text):
        raise _CellError("holds an invalid character (a lone UTF-16 surrogate escape such as \\ud800)")
    return text


def _json_text(value: Any, depth: int = 0) -> str | None:
    """Turns a JSON value (numbers still as their source text) into cell text; objects are refused."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _checked_text(str(value)) or None
    if isinstance(value, list):
        if depth >= MAX_JSON_DEPTH:
            raise _CellError(f"holds lists nested more than {MAX_JSON_DEPTH} deep")
        items = [_json_text(item, depth + 1) for item in value]
        return "; ".join(item for item in items if item) or None
    raise _CellError("holds an object, not text or a list")


def _json_records(
    items: Iterable[tuple[int, Any]], name: str, unit: str, max_rows: int
) -> tuple[list[str], list[list[str | None]], list[int], list[RowProblem]]:
    """Collects JSON objects into records over the union of their keys (in order of first appearance)."""
    columns: dict[str, None] = {}
    parsed: list[tuple[int, dict[str, str | None]]] = []
    problems: list[RowProblem] = []
    for row, item in items:
        if len(parsed) + len(problems) >= max_rows:
            raise _too_many_rows(name, max_rows)
        if not isinstance(item, dict):
            problems.append(RowProblem(row, f"{unit} {row} is {_json_kind(item)}, not an object"))
            continue
        record: dict[str, str | None] = {}
        bad: str | None = None
        for key, value in item.items():
            try:
                column = _checked_text(str(key)).strip().lower()
            except _CellError as error:
                bad = f"a field name {error}"
                break
            try:
                record.setdefault(column, _json_text(value))
            except _CellError as error:
                bad = f"'{key}' {error}"
                break
        record_id = record.get("id")
        if bad is not None:
            problems.append(RowProblem(row, bad, record_id))
            continue
        if all(_blank(value) for value in record.values()):
            continue
        columns.update(dict.fromkeys(record))
        parsed.append((row, record))
    names = _header_names(list(columns), [])
    records = [[record.get(column) for column in columns] for _, record in parsed]
    return names, records, [row for row, _ in parsed], problems


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, _Number):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "null" if value is None else "true/false"


def _loads(text: str) -> Any:
    # Numbers stay as the text the file holds: validation decides what they mean.
    return json.loads(text, parse_int=_Number, parse_float=_Number, parse_constant=_Number)


def _read_json(text: str, notes: list[str], name: str, max_rows: int) -> ReadResult:
    try:
        data = _loads(text)
    except json.JSONDecodeError as error:
        raise FileReadError(
            f"'{name}' is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from error
    except RecursionError:
        raise FileReadError(f"'{name}' cannot be read: it is {_DEEP_JSON}") from None
    if not isinstance(data, list):
        raise FileReadError(
            f"'{name}' holds {_json_kind(data)}; the importer expects a JSON list of objects, "
            'one per record: [{"id": ..., "name": ...}, ...]'
        )
    if not data:
        raise FileReadError(f"'{name}' holds an empty list: no records")
    if not any(isinstance(item, dict) for item in data):
        raise FileReadError(
            f"'{name}' holds a list whose items are not objects (the first is {_json_kind(data[0])}); "
            "the importer expects a list of objects, one per record"
        )
    columns, records, rows, problems = _json_records(enumerate(data, start=1), name, "record", max_rows)
    return ReadResult(_frame(columns, records, rows), problems, notes)


def _read_jsonl(text: str, notes: list[str], name: str, max_rows: int) -> ReadResult:
    items: list[tuple[int, Any]] = []
    problems: list[RowProblem] = []
    n_lines = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        n_lines += 1
        try:
            items.append((number, _loads(line)))
        except json.JSONDecodeError as error:
            problems.append(RowProblem(number, f"not valid JSON: {error.msg} at column {error.colno}"))
        except RecursionError:
            problems.append(RowProblem(number, f"this line is {_DEEP_JSON}"))
        if len(items) + len(problems) > max_rows:
            raise _too_many_rows(name, max_rows)
    if not any(isinstance(item, dict) for _, item in items):
        raise FileReadError(f"'{name}': none of its {n_lines:,} lines is a JSON object")
    columns, records, rows, more = _json_records(items, name, "line", max_rows)
    problems = sorted(problems + more, key=lambda problem: problem.row)
    return ReadResult(_frame(columns, records, rows), problems, notes)


def _cell_text(value: Any) -> str | None:
    """Turns a workbook value into the text the spreadsheet shows (formulas as their formula text)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = getattr(value, "text", None)  # array formulas
    return str(text if isinstance(text, str) else value)


_SHARED_STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
_MIB = 1024 * 1024


def _xlsx_max_row(max_rows: int) -> int:
    """The last sheet row read: the header, ``max_rows`` records and as many blank rows between them."""
    return 2 * max_rows + 1


def _split_advice(max_rows: int) -> str:
    return (
        f"split it into files of at most {max_rows:,} records (each with the header row) and import them one by "
        "one, or save it as CSV UTF-8"
    )


def _check_xlsx_archive(data: bytes, name: str, max_rows: int) -> None:
    """Refuses a workbook that would exhaust time or memory, from the ZIP directory and a streamed count only.

    Checked before openpyxl parses anything (it loads every shared string into memory at once): the total
    uncompressed size, each large member's compression ratio, and the number of shared strings, counted in the
    decompressed stream (the ``count``/``uniqueCount`` attributes are the file's own claim and are not trusted)
    and stopping as soon as the cap is passed.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileReadError(f"'{name}' is not a readable Excel workbook: {error}") from error
    with archive:
        infos = archive.infolist()
        total = sum(info.file_size for info in infos)
        if total > XLSX_MAX_UNCOMPRESSED:
            raise FileReadError(
                f"'{name}' unpacks to {_size_text(total)} of uncompressed data, above the limit of "
                f"{_size_text(XLSX_MAX_UNCOMPRESSED)}; {_split_advice(max_rows)}"
            )
        for info in infos:
            if info.file_size > _MIB and info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1):
                ratio = info.file_size / max(info.compress_size, 1)
                raise FileReadError(
                    f"'{name}' is not an ordinary Excel workbook: its part '{info.filename}' unpacks to "
                    f"{_size_text(info.file_size)}, compressed {ratio:,.0f} to 1, above the {XLSX_MAX_RATIO} to 1 "
                    "real workbooks stay under (a ZIP bomb?). Save it again from Excel or as CSV UTF-8"
                )
        cap = max_rows * XLSX_STRINGS_PER_ROW
        for info in _shared_string_parts(archive, infos):
            try:
                count = _count_shared_strings(archive, info, cap)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
                raise FileReadError(f"'{name}' is not a readable Excel workbook: {error}") from error
            if count > cap:
                raise FileReadError(
                    f"'{name}' holds more than {cap:,} shared strings (distinct text cells), more than "
                    f"{max_rows:,} records can use ({XLSX_STRINGS_PER_ROW} per record); {_split_advice(max_rows)}"
                )


def _shared_string_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The shared-strings members: any named so, and the one ``[Content_Types].xml`` names (openpyxl's choice)."""
    names = {info.filename for info in infos if info.filename.lower().endswith("sharedstrings.xml")}
    try:
        types = archive.read("[Content_Types].xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        types = b""
    for match in re.finditer(rb"<(?:[\w.-]+:)?Override\b[^>]*>", types):
        tag = match.group(0)
        if b"sharedStrings+xml" in tag:
            part = re.search(rb'PartName\s*=\s*["\']/?([^"\']+)', tag)
            if part:
                names.add(part.group(1).decode("utf-8", "replace"))
    return [info for info in infos if info.filename in names]


def _count_shared_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> int:
    """Counts ``<si>`` elements in a streamed member, stopping once ``cap`` is passed."""
    count = 0
    tail = b""
    with archive.open(info) as stream:
        while chunk := stream.read(_MIB):
            block = tail + chunk
            # Matches wholly inside the carried-over tail were counted with the previous block.
            count += sum(1 for match in _SHARED_STRING_TAG.finditer(block) if match.end() > len(tail))
            if count > cap:
                return count
            tail = block[-64:]
    return count


def _check_sheet_size(name: str, n_rows: int | None, n_columns: int | None, max_rows: int) -> None:
    last_row = _xlsx_max_row(max_rows)
    if n_rows is not None and n_rows > last_row:
        raise FileReadError(
            f"'{name}': its first sheet reaches row {n_rows:,}, above the limit of {last_row:,} rows "
            f"(at most {max_rows:,} records, blank rows included); delete the unused rows at the bottom, or "
            f"{_split_advice(max_rows)}"
        )
    if n_columns is not None and n_columns > XLSX_MAX_COLUMNS:
        raise FileReadError(
            f"'{name}': its first sheet spans {n_columns:,} columns, above the limit of {XLSX_MAX_COLUMNS:,}; "
            "delete the unused columns on the right (or save the sheet as CSV UTF-8) and import it again"
        )


def _read_xlsx(path: Path, data: bytes, max_rows: int) -> ReadResult:
    import openpyxl  # only needed for workbooks

    name = path.name
    if not data.startswith(b"PK\x03\x04"):
        raise FileReadError(f"'{name}' is not an Excel workbook (.xlsx), although it is named like one")
    _check_xlsx_archive(data, name, max_rows)
    try:
        # data_only=False keeps formulas as their text: importing never evaluates them.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise FileReadError(f"'{name}' is not a readable Excel workbook: {error}") from error
    notes: list[str] = []
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise FileReadError(f"'{name}' has no worksheets")
        sheet = sheets[0]
        if len(sheets) > 1:
            notes.append(f"the workbook has {len(sheets)} sheets; read the first, '{sheet.title}'")
        last_row = _xlsx_max_row(max_rows)
        # The <dimension> the sheet declares: refuse a huge one before reading a row (openpyxl would pad
        # every row to its width and yield every empty row up to its height).
        _check_sheet_size(name, getattr(sheet, "max_row", None), getattr(sheet, "max_column", None), max_rows)
        if hasattr(sheet, "reset_dimensions"):
            # Not trusted either way: read what the sheet holds, with the row and column caps checked below.
            sheet.reset_dimensions()
        columns: list[str] | None = None
        records: list[list[str | None]] = []
        rows: list[int] = []
        problems: list[RowProblem] = []
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            if number > last_row or len(cells) > XLSX_MAX_COLUMNS:
                _check_sheet_size(name, number, len(cells), max_rows)
            values = [_cell_text(cell.value) for cell in cells]
            if all(_blank(value) for value in values):
                continue
            row = next((cell.row for cell in cells if getattr(cell, "row", None) is not None), number)
            if columns is None:
                columns = _header_names(values, notes)
                continue
            used = max(i for i, value in enumerate(values) if not _blank(value)) + 1
            if used > len(columns):
                record_id = _record_id(values, columns)
                problems.append(
                    RowProblem(row, f"has values in {used} columns, the header has {len(columns)}", record_id)
                )
            else:
                values = values[: len(columns)]
                values.extend([None] * (len(columns) - len(values)))
                records.append(values)
                rows.append(row)
            if len(records) + len(problems) > max_rows:
                raise _too_many_rows(name, max_rows)
    finally:
        workbook.close()
    if columns is None:
        raise FileReadError(f"'{name}': the first sheet, '{sheet.title}', is empty")
    if not records and not problems:
        raise FileReadError(f"'{name}' has a header row but no records below it")
    return ReadResult(_frame(columns, records, rows), problems, notes)
