"""Specification of the file readers: real-world dirt in, text cells and plain-word problems out."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from matcher.readers import FileReadError, RowProblem, read_table


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def records(path: Path) -> list[dict[str, object]]:
    return read_table(path).frame.to_dict("records")


# CSV: encodings and line endings -------------------------------------------------------------------------------


def test_utf8_byte_order_mark_does_not_stick_to_the_first_header(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", b"\xef\xbb\xbfid,name\na1,Hanbit\n")
    assert list(read_table(path).frame.columns) == ["id", "name", "_row"]


def test_crlf_line_endings_leave_no_carriage_returns(tmp_path: Path) -> None:
    path = write(tmp_path, "crlf.csv", b"id,name\r\na1,Hanbit\r\na2,Nube\r\n")
    assert records(path) == [{"id": "a1", "name": "Hanbit", "_row": 2}, {"id": "a2", "name": "Nube", "_row": 3}]


def test_latin1_file_is_decoded_as_windows_1252_and_noted(tmp_path: Path) -> None:
    path = write(tmp_path, "latin.csv", b"id,name\na1,M\xfcller Stra\xdfe\na2,Espa\xf1a \x80\n")
    result = read_table(path)
    assert result.frame["name"].tolist() == ["Müller Straße", "España €"]
    assert result.notes == ["decoded as Windows-1252 (Latin-1), not UTF-8"]


def test_lines_that_are_not_utf8_are_decoded_alone_and_named(tmp_path: Path) -> None:
    path = write(tmp_path, "mixed.csv", "id,name\na1,Müller\n".encode() + b"a2,Espa\xf1a\n")
    result = read_table(path)
    assert result.frame["name"].tolist() == ["Müller", "España"]
    assert result.notes == ["1 line (3) not valid UTF-8, decoded as Windows-1252 (Latin-1)"]


def test_utf16_with_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "excel-unicode.txt", "id\tname\r\na1\t한빛\r\n".encode("utf-16"))
    result = read_table(path)
    assert records(path) == [{"id": "a1", "name": "한빛", "_row": 2}]
    assert "decoded as UTF-16-LE" in result.notes


def test_nul_bytes_are_removed_and_noted(tmp_path: Path) -> None:
    path = write(tmp_path, "nul.csv", b"id,name\na1,Han\x00bit\x00\n")
    result = read_table(path)
    assert result.frame["name"].tolist() == ["Hanbit"]
    assert result.notes == ["removed 2 NUL bytes"]


def test_korean_german_and_spanish_names_round_trip_exactly(tmp_path: Path) -> None:
    names = ["한빛바이오 주식회사", "Großhändler Müßig GmbH", "Señora Peña Ibáñez S.L."]
    path = write(tmp_path, "names.csv", ("id,name\n" + "".join(f"a{i},{n}\n" for i, n in enumerate(names))).encode())
    assert read_table(path).frame["name"].tolist() == names


# CSV: delimiters and shapes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "note"),
    [
        (b"id;name;city\na1;Hanbit;Daejeon\n", "delimiter ';'"),
        (b"id\tname\tcity\na1\tHanbit\tDaejeon\n", "delimiter tab"),
    ],
)
def test_delimiter_is_sniffed_from_the_header_and_noted(tmp_path: Path, data: bytes, note: str) -> None:
    result = read_table(write(tmp_path, "profiles.csv", data))
    assert result.frame.drop(columns="_row").to_dict("records") == [{"id": "a1", "name": "Hanbit", "city": "Daejeon"}]
    assert result.notes == [note]


def test_an_excel_sep_line_names_the_delimiter_and_is_not_the_header(tmp_path: Path) -> None:
    result = read_table(write(tmp_path, "excel.csv", b"sep=;\r\nid;name\r\na1;Hanbit, Inc.\r\n"))
    assert result.frame.to_dict("records") == [{"id": "a1", "name": "Hanbit, Inc.", "_row": 3}]
    assert result.notes == ["delimiter ';'"]


def test_tsv_file_uses_tabs_without_a_note(tmp_path: Path) -> None:
    result = read_table(write(tmp_path, "profiles.tsv", b"id\tname\na1\tHanbit, Inc.\n"))
    assert result.frame["name"].tolist() == ["Hanbit, Inc."]
    assert result.notes == []


def test_commas_inside_a_semicolon_file_stay_in_their_cell(tmp_path: Path) -> None:
    path = write(tmp_path, "eu.csv", b"id;name;offers\na1;Nube;GMP, fill-finish\n")
    assert read_table(path).frame["offers"].tolist() == ["GMP, fill-finish"]


def test_header_names_are_stripped_and_lower_cased(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", b" ID , Organisation Name \na1,Hanbit\n")
    assert list(read_table(path).frame.columns) == ["id", "organisation name", "_row"]


def test_a_repeated_header_name_is_renamed_and_noted(tmp_path: Path) -> None:
    result = read_table(write(tmp_path, "dup.csv", b"id,name,name\na1,Hanbit,Other\n"))
    assert list(result.frame.columns) == ["id", "name", "name_3", "_row"]
    assert result.notes == ["column 3 is named 'name' like an earlier column; read as 'name_3'"]


def test_a_record_with_too_many_fields_is_rejected_and_the_others_kept(tmp_path: Path) -> None:
    data = b"id,name,city\na1,Hanbit,Daejeon\na2,Nube, S.L.,Malaga\na3,Kelp,Seattle\n"
    result = read_table(write(tmp_path, "ragged.csv", data))
    assert result.frame["id"].tolist() == ["a1", "a3"]
    assert result.problems == [RowProblem(3, "has 4 fields, the header has 3", "a2")]


def test_trailing_empty_fields_beyond_the_header_are_harmless(tmp_path: Path) -> None:
    result = read_table(write(tmp_path, "excel.csv", b"id,name\na1,Hanbit,,\n"))
    assert records(tmp_path / "excel.csv") == [{"id": "a1", "name": "Hanbit", "_row": 2}]
    assert result.problems == []


def test_missing_trailing_fields_are_read_as_empty(tmp_path: Path) -> None:
    path = write(tmp_path, "short.csv", b"id,name,city,country\na1,Hanbit\n")
    assert records(path) == [{"id": "a1", "name": "Hanbit", "city": None, "country": None, "_row": 2}]


def test_empty_cells_are_none_and_whitespace_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "cells.csv", b'id,name,city\na1,"",  \n')
    assert records(path) == [{"id": "a1", "name": None, "city": "  ", "_row": 2}]


def test_blank_lines_and_records_of_empty_fields_are_skipped_but_rows_stay_physical(tmp_path: Path) -> None:
    result = read_table(write(tmp_path, "gaps.csv", b"id,name\n\na1,Hanbit\n,\na2,Nube\n"))
    assert result.frame["_row"].tolist() == [3, 5]
    assert result.notes == ["skipped 1 record with only empty fields"]


def test_a_quoted_cell_may_span_lines_and_later_rows_keep_their_physical_line(tmp_path: Path) -> None:
    data = b'id,name,description\na1,Hanbit,"line one\nline two\r\nline three"\na2,Nube,x\n'
    frame = read_table(write(tmp_path, "multi.csv", data)).frame
    assert frame["description"].tolist() == ["line one\nline two\r\nline three", "x"]
    assert frame["_row"].tolist() == [2, 5]


def test_an_unclosed_quote_costs_only_its_own_line(tmp_path: Path) -> None:
    data = b'id,name,city\na1,"Hanbit,Daejeon\na2,Nube,Malaga\na3,"Kelp, Inc.",Seattle\na4,Solar,Calgary\n'
    result = read_table(write(tmp_path, "quote.csv", data))
    assert result.frame.to_dict("records") == [
        {"id": "a2", "name": "Nube", "city": "Malaga", "_row": 3},
        {"id": "a3", "name": "Kelp, Inc.", "city": "Seattle", "_row": 4},
        {"id": "a4", "name": "Solar", "city": "Calgary", "_row": 5},
    ]
    assert result.problems == [RowProblem(2, "unclosed quote; this line was skipped", "a1")]


def test_an_unclosed_quote_on_the_last_line_is_reported(tmp_path: Path) -> None:
    result = read_table(write(tmp_path, "quote.csv", b'id,name\na1,Hanbit\na2,"Nube\n'))
    assert result.frame["id"].tolist() == ["a1"]
    assert result.problems == [RowProblem(3, "unclosed quote; this line was skipped", "a2")]


def test_text_after_a_closing_quote_rejects_the_line(tmp_path: Path) -> None:
    result = read_table(write(tmp_path, "quote.csv", b'id,name\na1,"Hanbit" Bio\na2,Nube\n'))
    assert result.frame["id"].tolist() == ["a2"]
    assert result.problems == [
        RowProblem(2, "a quoted cell has text after its closing quote; this line was skipped", "a1")
    ]


def test_formula_like_cells_are_kept_verbatim_as_text(tmp_path: Path) -> None:
    data = b'id,a,b,c,d\nx1,=HYPERLINK("http://evil"),+49 30 1234,-2+3,@SUM(A1)\n'
    cells = records(write(tmp_path, "inject.csv", data))[0]
    assert [cells[k] for k in "abcd"] == ['=HYPERLINK("http://evil")', "+49 30 1234", "-2+3", "@SUM(A1)"]


def test_html_is_kept_verbatim(tmp_path: Path) -> None:
    data = b'id,description\na1,"<b>GMP</b> <script>alert(1)</script> &amp;"\n'
    assert records(write(tmp_path, "html.csv", data))[0]["description"] == (
        "<b>GMP</b> <script>alert(1)</script> &amp;"
    )


def test_numbers_and_dates_stay_the_text_the_file_holds(tmp_path: Path) -> None:
    path = write(tmp_path, "n.csv", b"id,employees,founded,zip\n007,1.50,2020-01-02,01234\n")
    assert records(path) == [{"id": "007", "employees": "1.50", "founded": "2020-01-02", "zip": "01234", "_row": 2}]


def test_row_column_is_an_integer_column(tmp_path: Path) -> None:
    frame = read_table(write(tmp_path, "p.csv", b"id\na1\n")).frame
    assert frame["_row"].dtype == "int64"


# Files that cannot be read at all -----------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n  \n"])
def test_an_empty_file_cannot_be_read(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(FileReadError, match="is empty"):
        read_table(write(tmp_path, "empty.csv", data))


def test_a_header_without_records_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(FileReadError, match="header line but no records"):
        read_table(write(tmp_path, "header.csv", b"id,name,org_type\r\n"))


def test_binary_garbage_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileReadError, match="binary data"):
        read_table(write(tmp_path, "garbage.csv", bytes(range(256)) * 4))


def test_a_workbook_saved_under_a_csv_name_is_recognised(tmp_path: Path) -> None:
    with pytest.raises(FileReadError, match=r"ZIP archive.*\.xlsx"):
        read_table(write(tmp_path, "profiles.csv", b"PK\x03\x04\x14\x00\x06\x00rest"))


@pytest.mark.parametrize("name", ["profiles.xls", "profiles.ods", "profiles"])
def test_an_unknown_extension_is_refused_naming_the_supported_ones(tmp_path: Path, name: str) -> None:
    with pytest.raises(FileReadError, match=r"unknown file type.*\.csv.*\.xlsx"):
        read_table(write(tmp_path, name, b"id,name\na1,x\n"))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileReadError, match="does not exist"):
        read_table(tmp_path / "nowhere.csv")


def test_a_file_over_the_byte_limit_is_refused_naming_the_limit_and_how_to_split(tmp_path: Path) -> None:
    path = write(tmp_path, "big.csv", b"id\n" + b"a" * 3068 + b"\n")  # 3,072 bytes
    with pytest.raises(FileReadError, match=r"3.0 KiB, above the limit of 2.0 KiB; split it into files under 2.0"):
        read_table(path, max_bytes=2048)


def test_a_file_over_the_row_limit_is_refused_naming_the_limit_and_how_to_split(tmp_path: Path) -> None:
    path = write(tmp_path, "long.csv", b"id\n" + b"a\n" * 11)
    with pytest.raises(FileReadError, match="more than 10 records, the limit for one file; split it"):
        read_table(path, max_rows=10)


def test_a_file_at_the_row_limit_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "long.csv", b"id\n" + b"a\n" * 10)
    assert len(read_table(path, max_rows=10).frame) == 10


# JSON and JSONL ----------------------------------------------------------------------------------------------


def test_json_list_of_objects_becomes_text_cells_with_record_numbers(tmp_path: Path) -> None:
    data = b'[{"ID": "a1", "Employees": 12, "score": 1.50, "sme": true, "sectors": ["ai", "robotics"], "x": null}]'
    assert records(write(tmp_path, "p.json", data)) == [
        {"id": "a1", "employees": "12", "score": "1.50", "sme": "true", "sectors": "ai; robotics", "x": None, "_row": 1}
    ]


def test_json_records_may_have_different_keys(tmp_path: Path) -> None:
    data = json.dumps([{"id": "a1"}, {"id": "a2", "city": "Daejeon"}]).encode()
    assert records(write(tmp_path, "p.json", data)) == [
        {"id": "a1", "city": None, "_row": 1},
        {"id": "a2", "city": "Daejeon", "_row": 2},
    ]


def test_json_items_that_are_not_objects_are_reported(tmp_path: Path) -> None:
    data = b'[{"id": "a1"}, 42, {"id": "a3", "address": {"city": "Daejeon"}}]'
    result = read_table(write(tmp_path, "p.json", data))
    assert result.frame["id"].tolist() == ["a1"]
    assert result.problems == [
        RowProblem(2, "record 2 is a number, not an object"),
        RowProblem(3, "'address' holds an object, not text or a list", "a3"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"id": "a1"}', "holds an object; the importer expects a JSON list of objects"),
        (b'["a1", "a2"]', "holds a list whose items are not objects"),
        (b"[]", "holds an empty list"),
        (b'[{"id": "a1"},\n {"id": }]', "not valid JSON: Expecting value at line 2, column 9"),
    ],
)
def test_json_that_is_not_a_list_of_objects_cannot_be_read(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(FileReadError, match=message):
        read_table(write(tmp_path, "p.json", data))


def test_jsonl_reports_bad_lines_by_line_number_and_keeps_the_rest(tmp_path: Path) -> None:
    data = b'{"id": "a1"}\nnot json\n\n["a4"]\n{"id": "a5", "Name": "Nube"}\n'
    result = read_table(write(tmp_path, "p.jsonl", data))
    assert result.frame.to_dict("records") == [
        {"id": "a1", "name": None, "_row": 1},
        {"id": "a5", "name": "Nube", "_row": 5},
    ]
    assert result.problems == [
        RowProblem(2, "not valid JSON: Expecting value at column 1"),
        RowProblem(4, "line 4 is a list, not an object"),
    ]


def test_jsonl_without_any_object_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(FileReadError, match="none of its 2 lines is a JSON object"):
        read_table(write(tmp_path, "p.jsonl", b"id,name\na1,x\n"))


# XLSX --------------------------------------------------------------------------------------------------------


def workbook(tmp_path: Path, *sheets: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for number, rows in enumerate(sheets, start=1):
        sheet = book.create_sheet(f"Sheet {number}")
        for row in rows:
            sheet.append(row)
    path = tmp_path / "profiles.xlsx"
    book.save(path)
    return path


def test_xlsx_first_sheet_is_read_and_the_others_noted(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["ID", "Name"], ["a1", "한빛"]], [["other"], ["ignored"]])
    result = read_table(path)
    assert result.frame.to_dict("records") == [{"id": "a1", "name": "한빛", "_row": 2}]
    assert result.notes == ["the workbook has 2 sheets; read the first, 'Sheet 1'"]


def test_xlsx_formulas_are_kept_as_their_text_and_never_evaluated(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["id", "name", "total"], ["a1", '=HYPERLINK("http://x","y")', "=SUM(1,2)"]])
    assert records(path)[0] == {"id": "a1", "name": '=HYPERLINK("http://x","y")', "total": "=SUM(1,2)", "_row": 2}


def test_xlsx_numbers_dates_and_booleans_become_text(tmp_path: Path) -> None:
    row = ["a1", 12, 1.5, dt.datetime(2020, 1, 2), True]
    path = workbook(tmp_path, [["id", "employees", "ratio", "founded", "sme"], row])
    assert records(path)[0] == {
        "id": "a1",
        "employees": "12",
        "ratio": "1.5",
        "founded": "2020-01-02",
        "sme": "TRUE",
        "_row": 2,
    }


def test_xlsx_rows_keep_their_sheet_numbers_and_ragged_rows_are_reported(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["id", "name"], ["a1", "x"], [], ["a3", "y", "stray"], ["a4"]])
    result = read_table(path)
    assert result.frame.to_dict("records") == [
        {"id": "a1", "name": "x", "_row": 2},
        {"id": "a4", "name": None, "_row": 5},
    ]
    assert result.problems == [RowProblem(4, "has values in 3 columns, the header has 2", "a3")]


def test_a_file_named_xlsx_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileReadError, match="not an Excel workbook"):
        read_table(write(tmp_path, "p.xlsx", b"id,name\na1,x\n"))


def test_frames_hold_only_text_or_none(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["id", "n", "when"], ["a1", 3, dt.date(2020, 5, 1)], ["a2", None, None]])
    frame = read_table(path).frame.drop(columns="_row")
    assert all(value is None or isinstance(value, str) for value in frame.to_numpy().ravel())
    assert frame.dtypes.eq(object).all() and isinstance(frame, pd.DataFrame)
