"""Issue 17, findings 5 and 9: crafted or malformed files are refused quickly, or lose only their bad rows.

Finding 5: a tiny workbook that declares ``A1:XFD1048576`` (with a cell at row 1,048,576), and a shared-strings
bomb, are refused before openpyxl expands them, with a message that says why. Finding 9: a CSV cell above
Python's csv field limit, JSON nested past the recursion limit and one bad JSONL line no longer end in an
internal error: the bad row (or the file, for a JSON document that cannot be parsed) is reported and the rest kept.
"""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from matcher.cli import main
from matcher.readers import FileReadError, read_table

HEADER = "id,name,org_type,city,country,sectors,description,offers,seeks\n"
GOOD_1 = "dj-1,Hanbit Bioworks,startup,Daejeon,KR,ADC,Site-specific ADC linkers.,Linker chemistry,GMP fill-finish\n"
GOOD_2 = "ma-1,Biomedica Costa,company,Malaga,Spain,CDMO,A CDMO.,Aseptic fill-finish,ADC projects\n"
REFUSAL_GUARD_SECONDS = 5.0  # a generous guard against expanding the bomb; the refusal message is the real check


def _workbook(path: Path, *, far_cell: bool = False) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "name"])
    sheet.append(["dj-1", "Hanbit Bioworks"])
    if far_cell:
        sheet.cell(row=1_048_576, column=16_384, value="x")
    book.save(path)
    return path


def _rewrite(path: Path, replace: dict[str, bytes]) -> Path:
    """Rewrites a workbook with some members replaced (deflated), keeping the rest as they are."""
    with zipfile.ZipFile(path) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members.update(replace)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for name, data in members.items():
            target.writestr(name, data)
    return path


def _refused(path: Path, **limits: int) -> str:
    started = time.perf_counter()
    with pytest.raises(FileReadError) as refused:
        read_table(path, **limits)
    assert time.perf_counter() - started < REFUSAL_GUARD_SECONDS
    return str(refused.value)


# -- finding 5: XLSX resource exhaustion --------------------------------------------------------------------------


def test_xlsx_declaring_the_whole_sheet_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "dimension.xlsx", far_cell=True)
    assert path.stat().st_size < 10_000
    message = _refused(path)
    assert "1,048,576" in message and "rows" in message


def test_xlsx_far_row_without_a_dimension_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "undeclared.xlsx", far_cell=True)
    with zipfile.ZipFile(path) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
    start = sheet.index(b"<dimension")
    forged = sheet[:start] + sheet[sheet.index(b"/>", start) + 2 :]
    _rewrite(path, {"xl/worksheets/sheet1.xml": forged})
    message = _refused(path, max_rows=1_000)
    assert "rows" in message and "split" in message


def test_xlsx_too_many_columns_is_refused(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["id", "name"])
    book.active.cell(row=2, column=16_384, value="x")
    book.save(tmp_path / "wide.xlsx")
    message = _refused(tmp_path / "wide.xlsx")
    assert "16,384 columns" in message


def test_xlsx_shared_strings_bomb_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "bomb.xlsx")
    n = 4_000_000
    sst = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        + b"<si><t>a</t></si>" * n
        + b"</sst>"
    )
    _rewrite(path, {"xl/sharedStrings.xml": sst})
    assert path.stat().st_size < 1_000_000
    message = _refused(path)
    assert "compress" in message or "shared strings" in message


def test_xlsx_more_shared_strings_than_cells_allow_is_refused(tmp_path: Path) -> None:
    """Counted in the stream, not taken from the sst's own (forgeable) count attributes."""
    path = _workbook(tmp_path / "strings.xlsx")
    texts = b"".join(b"<si><t>text %d %x</t></si>" % (i, i * 7919) for i in range(5_000))
    sst = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">'
        + texts
        + b"</sst>"
    )
    _rewrite(path, {"xl/sharedStrings.xml": sst})
    message = _refused(path, max_rows=100)
    assert "shared strings" in message


def test_xlsx_with_a_highly_compressed_member_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "zeros.xlsx")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as book:
        with book.open("xl/media/image1.bin", "w") as member:
            chunk = b"\x00" * (16 * 1024 * 1024)
            for _ in range(8):
                member.write(chunk)
    assert path.stat().st_size < 1_000_000
    message = _refused(path)
    assert "compress" in message


def test_ordinary_xlsx_still_reads(tmp_path: Path) -> None:
    result = read_table(_workbook(tmp_path / "ok.xlsx"))
    assert result.frame.to_dict("records") == [{"id": "dj-1", "name": "Hanbit Bioworks", "_row": 2}]


# -- finding 9: malformed files lose only their bad rows ----------------------------------------------------------


def test_csv_cell_above_the_field_limit_rejects_only_that_row(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(HEADER + GOOD_1 + "xx-1,Long," + "a" * 140_000 + "\n" + GOOD_2, encoding="utf-8")
    result = read_table(path)
    assert list(result.frame["id"]) == ["dj-1", "ma-1"]
    assert [(p.row, p.id) for p in result.problems] == [(3, "xx-1")]
    assert "131,072" in result.problems[0].reason


def test_csv_quoted_multiline_cell_above_the_field_limit_rejects_only_that_record(tmp_path: Path) -> None:
    long_cell = '"' + "\n".join(["line of text"] * 12_000) + '"'
    path = tmp_path / "long.csv"
    path.write_text(HEADER + GOOD_1 + f"xx-1,Long,{long_cell},x\n" + GOOD_2, encoding="utf-8")
    result = read_table(path)
    assert list(result.frame["id"]) == ["dj-1", "ma-1"]
    assert [p.row for p in result.problems] == [3]


def test_cli_import_with_a_huge_cell_keeps_the_good_rows(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.csv"
    path.write_text(HEADER + GOOD_1 + "xx-1,Long,startup,Daejeon,KR,AI," + "a" * 140_000 + ",,\n" + GOOD_2)
    code = main(["import", "profiles", str(path)])
    _, err = capsys.readouterr()
    assert code == 1, err
    assert "internal error" not in err and "row 3" in err
    assert main(["stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["profiles"] == 2


def test_deeply_nested_json_is_a_clear_file_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(FileReadError, match="nested"):
        read_table(path)


def test_cli_deeply_nested_json_is_a_user_error(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.json"
    path.write_text('[{"id": "dj-1", "x": ' + "[" * 100_000 + "]" * 100_000 + "}]")
    code = main(["import", "profiles", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error:") and "nested" in err and "Traceback" not in err


def test_json_record_with_deeply_nested_lists_is_rejected_alone(tmp_path: Path) -> None:
    path = tmp_path / "nested.json"
    path.write_text('[{"id": "dj-1", "name": "A"}, {"id": "dj-2", "sectors": ' + "[" * 500 + '"ai"' + "]" * 500 + "}]")
    result = read_table(path)
    assert list(result.frame["id"]) == ["dj-1"]
    assert [(p.row, p.id) for p in result.problems] == [(2, "dj-2")]
    assert "nested" in result.problems[0].reason


def test_one_bad_jsonl_line_is_rejected_with_its_line_number(tmp_path: Path) -> None:
    lines = [
        '{"id": "dj-1", "name": "A"}',
        "[" * 100_000 + "]" * 100_000,
        '{"id": "dj-3", "name": "C"}',
        '{"id": "dj-4", "name": "bad \\ud800 surrogate"}',
        '{"id": "dj-5", "name": "E"}',
    ]
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = read_table(path)
    assert list(result.frame["id"]) == ["dj-1", "dj-3", "dj-5"]
    assert [p.row for p in result.problems] == [2, 4]
    assert "nested" in result.problems[0].reason
    assert "surrogate" in result.problems[1].reason
