"""The code stays lint-clean and type-checked: the checks CI relies on, run by the suite so they cannot drift."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing() -> None:
    if shutil.which("ruff") is None:
        pytest.skip("ruff is not installed (it comes with the test extras: pip install -e '.[test]')")
    done = subprocess.run(["ruff", "check", "."], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_mypy_finds_no_type_errors_in_the_package(tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (it comes with the test extras)")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache"), "matcher"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
