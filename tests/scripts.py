"""Loading the repository's scripts (bench/, data/demo/make_demo.py) in tests: they are files, not packages."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]


def load_script(relative: str, name: str | None = None) -> ModuleType:
    """Imports the script at ``relative`` (to the repository root) as module ``name`` (its stem by default).

    The module is registered in ``sys.modules`` before it runs: dataclasses look their module up while the file runs.
    """
    path = REPO / relative
    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
