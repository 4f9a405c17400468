"""Every stated limit is enforced through the command line with exit code 2 (1 for a rejected row) and one clear
line that names the limit: file size, records per file, text length per field, and k."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.api import MAX_K
from matcher.cli import main
from matcher.readers import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS
from matcher.validate import TEXT_LIMITS

HEADER = "id,name,org_type,city,country,description\n"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:  # sparse: the size is real, the disk use is not
        fh.write(HEADER.encode())
        fh.truncate(DEFAULT_MAX_BYTES + 1)
    code, _, err = run(capsys, "import", "profiles", str(big))
    assert code == 2
    assert "above the limit of 100.0 MiB" in one_line(err) and "split it" in err


@pytest.mark.slow  # writes and parses 300,001 records: about 3 s
def test_a_file_with_more_records_than_the_limit_is_refused(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    many = tmp_path / "many.csv"
    many.write_text("id\n" + "x\n" * (DEFAULT_MAX_ROWS + 1), encoding="utf-8")
    code, _, err = run(capsys, "import", "profiles", str(many))
    assert code == 2
    assert f"more than {DEFAULT_MAX_ROWS:,} records" in one_line(err)
    code, out, _ = run(capsys, "stats", "--json")
    assert '"profiles": 0' in out  # nothing of the refused file was imported


@pytest.mark.parametrize(("field", "column"), [("description", 5), ("name", 1), ("city", 3)])
def test_a_text_over_its_limit_rejects_that_row_only_and_says_the_limit(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, column: int
) -> None:
    limit = TEXT_LIMITS[field]
    good = ["ok-1", "Fine Labs", "startup", "Daejeon", "KR", "Short."]
    long_row = list(good)
    long_row[0] = "long-1"
    long_row[column] = "x" * (limit + 1)
    at_limit = list(good)
    at_limit[0] = "edge-1"
    at_limit[column] = "y" * limit
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "\n".join(",".join(r) for r in (good, long_row, at_limit)) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "profiles", str(path))
    assert code == 1
    assert "Imported 2 of 3" in out
    assert f"row 3 (id long-1): {field} has {limit + 1:,} characters, above the limit of {limit:,}" in err
    assert "edge-1" not in err


@pytest.mark.parametrize("command", [["search", "antibody conjugates"], ["recommend", "dj-1"], ["similar", "dj-1"]])
@pytest.mark.parametrize("k", [-1, MAX_K + 1, 10**12])
def test_k_outside_0_to_the_maximum_is_refused_with_the_range(
    workspace: Path, capsys: pytest.CaptureFixture[str], command: list[str], k: int
) -> None:
    code, _, err = run(capsys, *command, "--k", str(k))
    assert code == 2
    assert one_line(err) == f"error: k must be between 0 and {MAX_K}, got {k}"


def test_a_k_that_is_not_a_number_is_a_usage_error(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "search", "robots", "--k", "lots")
    assert code == 2
    assert "Invalid value for '--k'" in err and "Traceback (most recent call last)" not in err
