"""What the package imports is declared, what it reads ships in the wheel, and constraints.txt locks what it declares.

* Every third-party module that ``matcher/`` imports maps (through ``importlib.metadata.packages_distributions``)
  to a distribution pyproject.toml declares: in ``dependencies`` when the import runs whenever its module is
  imported, or in an extra other than ``test`` when it sits on an optional path (inside a function, under
  ``if TYPE_CHECKING:``, or in a ``try`` that catches ``ImportError``).
* Every file under ``matcher/`` that is not a module of a package is matched by ``[tool.setuptools.package-data]``.
* constraints.txt (written by tools/lock.py) pins every declared distribution to a version its specifier allows.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from matcher.ui.launch import streamlit_command, streamlit_settings

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "matcher"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
DEV_EXTRAS = frozenset({"test"})
"""Extras for working on the project, not for running it: they cannot satisfy an import of the package."""


def requirements(lines: list[str]) -> dict[NormalizedName, Requirement]:
    own = canonicalize_name(PROJECT["name"])
    parsed = (Requirement(line) for line in lines)
    return {canonicalize_name(r.name): r for r in parsed if canonicalize_name(r.name) != own}


CORE = requirements(PROJECT["dependencies"])
EXTRAS = {extra: requirements(lines) for extra, lines in PROJECT.get("optional-dependencies", {}).items()}
OPTIONAL = {name for extra, reqs in EXTRAS.items() if extra not in DEV_EXTRAS for name in reqs}


# ------------------------------------------------------------------------------------------- imports declared


class _Imports(ast.NodeVisitor):
    """Collects top-level module names imported by one file, each with whether its import always runs."""

    def __init__(self) -> None:
        self.found: list[tuple[str, bool]] = []
        self._optional = 0

    def _add(self, name: str) -> None:
        self.found.append((name.split(".")[0], self._optional == 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            self._add(node.module)

    def _guarded(self, nodes: list[ast.stmt]) -> None:
        self._optional += 1
        for child in nodes:
            self.visit(child)
        self._optional -= 1

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._guarded(node.body)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._guarded(node.body)

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            self._guarded(node.body)
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        caught = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
        if any(name in text for text in caught for name in ("ImportError", "ModuleNotFoundError")):
            self._guarded(node.body)
            for child in (*node.handlers, *node.orelse, *node.finalbody):
                self.visit(child)
        else:
            self.generic_visit(node)


def third_party_imports() -> Iterator[tuple[str, bool, Path]]:
    """(top-level module, always imported?, file) for every import of a module outside the standard library."""
    for path in sorted(PACKAGE.rglob("*.py")):
        visitor = _Imports()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for module, always in visitor.found:
            if module != "matcher" and module not in sys.stdlib_module_names:
                yield module, always, path.relative_to(REPO)


def test_every_imported_package_is_declared() -> None:
    providers = packages_distributions()
    problems = []
    for module, always, path in third_party_imports():
        dists = {canonicalize_name(d) for d in providers.get(module, ())}
        allowed = set(CORE) if always else set(CORE) | OPTIONAL
        where = "dependencies" if always else "dependencies or a non-test extra"
        if not dists:
            problems.append(f"{path} imports {module}, which no installed distribution provides")
        elif not dists & allowed:
            problems.append(f"{path} imports {module} ({' or '.join(sorted(dists))}), not declared in {where}")
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import numpy.linalg", [("numpy", True)]),
        ("from scipy import sparse", [("scipy", True)]),
        ("def f():\n    import lightgbm", [("lightgbm", False)]),
        ("if TYPE_CHECKING:\n    import altair", [("altair", False)]),
        ("try:\n    import onnx\nexcept ImportError:\n    onnx = None", [("onnx", False)]),
        ("try:\n    import yaml\nexcept ValueError:\n    pass", [("yaml", True)]),
        ("class A:\n    import torch", [("torch", True)]),
        ("from . import store", []),
    ],
)
def test_imports_are_found_and_classed_as_always_or_optional(source: str, expected: list[tuple[str, bool]]) -> None:
    visitor = _Imports()
    visitor.visit(ast.parse(source))
    assert visitor.found == expected


# -------------------------------------------------------------------------------------------- files shipped


def test_every_package_data_file_ships_in_the_wheel() -> None:
    # setuptools globs each pattern from the package folder, as Path.glob does ("*" stays within one folder).
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["matcher"]
    shipped = {path for pattern in patterns for path in PACKAGE.glob(pattern)}
    unshipped = []
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        if path.suffix == ".py" and (path.parent / "__init__.py").exists():
            continue  # a module: setuptools packs it with its package
        if path not in shipped:
            unshipped.append(path.relative_to(PACKAGE).as_posix())
    assert not unshipped, f"not in [tool.setuptools.package-data] of pyproject.toml: {unshipped}"


def test_the_packaged_streamlit_settings_reach_the_servers_command_line() -> None:
    command = streamlit_command("127.0.0.1", 8765)
    for option in ("--runner.magicEnabled", "--client.showErrorDetails", "--server.maxUploadSize"):
        assert command[command.index(option) + 1] == streamlit_settings()[option.removeprefix("--")]
    assert Path(command[command.index("run") + 1]).parent.name == "entry"


def test_the_packaged_streamlit_settings_are_the_checkouts() -> None:
    packaged = tomllib.loads((PACKAGE / "data" / "streamlit.toml").read_text(encoding="utf-8"))
    checkout = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert packaged == checkout


# ------------------------------------------------------------------------------------------------- the lock


def pins() -> dict[NormalizedName, Version]:
    lines = (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines()
    parsed = (Requirement(line) for line in lines if line.strip() and not line.startswith("#"))
    return {canonicalize_name(r.name): Version(next(iter(r.specifier)).version) for r in parsed}


def test_constraints_pin_every_declared_distribution_within_its_specifier() -> None:
    locked = pins()
    declared = {**CORE, **{name: r for reqs in EXTRAS.values() for name, r in reqs.items()}}
    missing = sorted(name for name in declared if name not in locked)
    assert not missing, f"constraints.txt lacks {missing}: pip install them, then run python3 tools/lock.py"
    outside = sorted(f"{name}=={locked[name]} (declared {r})" for name, r in declared.items()
                     if not r.specifier.contains(locked[name], prereleases=True))
    assert not outside, f"constraints.txt pins outside pyproject.toml: {outside}; run python3 tools/lock.py"


def test_constraints_are_exact_pins() -> None:
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            specifiers = list(Requirement(line).specifier)
            assert len(specifiers) == 1 and specifiers[0].operator == "==", line
