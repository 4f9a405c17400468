"""The bundled demo data is consistent and imports cleanly: the checks of data/demo/make_demo.py hold.

The data ships inside the package (matcher/data/demo/); the script that makes it stays in data/demo/.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from matcher.api import Matcher
from matcher.errors import NotFoundError
from matcher.resources import DEMO_FILES, demo_file

MAKE_DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "make_demo.py"


@pytest.fixture(scope="module")
def make_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_demo", MAKE_DEMO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_demo"] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def test_demo_tables_pass_the_data_card_checks(make_demo: ModuleType, demo_dir: Path) -> None:
    profiles = make_demo.read_csv(demo_dir / "profiles.csv")
    partnerships = make_demo.read_csv(demo_dir / "partnerships.csv")
    assert make_demo.check(profiles, partnerships) == []


def test_demo_data_imports_without_a_rejected_row(tmp_path: Path, demo_dir: Path) -> None:
    matcher = Matcher(tmp_path / "ws")
    profiles = matcher.import_profiles(demo_dir / "profiles.csv")
    partnerships = matcher.import_partnerships(demo_dir / "partnerships.csv")
    assert (profiles.rejected, partnerships.rejected) == ([], [])
    stats = matcher.stats()
    assert stats["profiles"] >= 200 and stats["partnerships"] >= 300
    assert set(stats["by_city"]) == {"Daejeon", "Seattle", "Calgary", "Dortmund", "Málaga", "Montgomery County"}


def test_make_demo_writes_the_files_the_package_reads(make_demo: ModuleType) -> None:
    written = {make_demo.PROFILES_CSV, make_demo.PARTNERSHIPS_CSV}
    read = set()
    for name in DEMO_FILES:
        with demo_file(name) as path:
            read.add(path.resolve())
    assert written == read


def test_asking_for_a_file_the_demo_lacks_names_the_files_it_has() -> None:
    with pytest.raises(NotFoundError, match=r"profiles\.csv, partnerships\.csv"):
        demo_file("users.toml")
