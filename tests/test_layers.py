"""The architecture holds: import-linter's contracts (pyproject.toml) are kept, as ruff's rules are."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_are_kept() -> None:
    lint = shutil.which("lint-imports")
    if lint is None:
        pytest.skip("import-linter is not installed: pip install -e '.[test]'")
    done = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


def test_every_package_module_sits_in_a_layer() -> None:
    """A module the layers contract does not list is checked by no contract: list it where it belongs."""
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    listed = config[config.index("[tool.importlinter]") :]
    unlisted = [
        f"matcher.{path.stem}"
        for path in sorted((ROOT / "matcher").glob("*.py"))
        if path.stem not in ("__init__", "__main__") and f"matcher.{path.stem} " not in listed.replace('"', " ")
    ]
    assert unlisted == []
