"""Files that ship inside the package: the demo data, the app's scripts and data tables.

They are read through :mod:`importlib.resources`, so they are found wherever the package is installed (a
checkout, an editable install or a wheel), never through the repository's layout. Files that another program or
reader must open by name (the app script for Streamlit, the demo CSVs for the importer) come as context managers
giving a real path for as long as the ``with`` block lasts.

Example:
    >>> with demo_file("profiles.csv") as path:
    ...     path.name
    'profiles.csv'
    >>> data_text("synthetic_phrases.toml").startswith("# The phrase table")
    True
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

from .errors import NotFoundError

__all__ = ["DEMO_FILES", "app_script", "data_text", "demo_file", "streamlit_script"]

DEMO_FILES = ("profiles.csv", "partnerships.csv")
"""The bundled demo data (``matcher/data/demo/``), written by ``data/demo/make_demo.py``."""


def _data(*parts: str) -> Traversable:
    resource = files("matcher").joinpath("data", *parts)
    if not resource.is_file():
        # Only a broken install gets here: every name asked for is a constant of the package.
        raise NotFoundError(f"the package file matcher/data/{'/'.join(parts)} is missing: reinstall innopolis-matcher")
    return resource


def demo_file(name: str) -> AbstractContextManager[Path]:
    """A real path to one file of the bundled demo data, valid inside the ``with`` block.

    Args:
        name: One of :data:`DEMO_FILES`.

    Raises:
        NotFoundError: ``name`` is not a demo file, or the install lacks it.

    Example:
        >>> with demo_file("partnerships.csv") as path:
        ...     path.read_text().splitlines()[0].startswith("source_id,target_id")
        True
    """
    if name not in DEMO_FILES:
        raise NotFoundError(f"no demo file {name!r}: the demo data is {', '.join(DEMO_FILES)}")
    return as_file(_data("demo", name))


def data_text(name: str) -> str:
    """The text of a data table shipped in ``matcher/data/`` (UTF-8).

    Example:
        >>> data_text("streamlit.toml").startswith("#")
        True
    """
    return _data(name).read_text(encoding="utf-8")


def app_script() -> AbstractContextManager[Path]:
    """A real path to the app's script (:mod:`matcher.ui.app`), valid inside the ``with`` block.

    The script is found as a file, not imported: it is run afresh on every Streamlit run.

    Example:
        >>> with app_script() as path:
        ...     path.parts[-3:]
        ('matcher', 'ui', 'app.py')
    """
    return as_file(files("matcher.ui").joinpath("app.py"))


def streamlit_script() -> AbstractContextManager[Path]:
    """A real path to the script Streamlit serves, which runs the app (``matcher/ui/entry/streamlit_app.py``).

    Example:
        >>> with streamlit_script() as path:
        ...     path.name
        'streamlit_app.py'
    """
    return as_file(files("matcher.ui").joinpath("entry", "streamlit_app.py"))
