"""Settings and the workspace folder.

A workspace is one folder (default ``.matcher/`` in the working directory) that holds everything the matcher
writes: the SQLite store, the embedding cache, the vector indexes and exported models. Settings come from, in
order of precedence, explicit arguments, ``MATCHER_*`` environment variables, and ``config.toml`` in the
workspace.

Example:
    >>> ws = Workspace(Path("/tmp/demo-ws"))
    >>> ws.store_path.name
    'matcher.sqlite'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

__all__ = ["DEFAULT_HOME", "STORE_NAME", "Workspace", "WorkspaceError", "is_workspace", "resolve_home"]

DEFAULT_HOME = Path(".matcher")
STORE_NAME = "matcher.sqlite"
"""The store's file name: a folder holding it is a workspace (:func:`is_workspace`)."""
FOLDER_MODE = 0o700
"""Workspace folders are created owner-only: they hold password hashes, notes and hidden profile fields."""


class WorkspaceError(InputError):
    """The workspace folder asked for cannot be used (it is a file, or the name is empty); the message says why."""


def is_workspace(path: Path | str) -> bool:
    """Whether ``path`` is a matcher workspace: a folder that holds the store (``matcher.sqlite``).

    Example:
        >>> is_workspace(Path("/tmp/no-such-folder"))
        False
    """
    return (Path(path) / STORE_NAME).is_file()


def _file_in_the_way(path: Path) -> Path | None:
    """The first of ``path`` and its parents that exists and is not a folder, if any."""
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return None if candidate.is_dir() else candidate
    return None


def resolve_home(home: Path | str | None = None) -> Path:
    """Returns the workspace folder: ``home`` if given, else ``$MATCHER_HOME``, else ``./.matcher``.

    Raises:
        WorkspaceError: ``home`` is empty, names the current folder (``--home ""`` arrives as ``.``) while that
            folder is not a workspace already, or is a file.
    """
    if home is not None:
        if isinstance(home, str) and not home.strip():
            raise WorkspaceError("the workspace folder name is empty: give a folder, e.g. --home .matcher")
        path = Path(home).expanduser()
        if str(path) == "." and not is_workspace(path):
            raise WorkspaceError(
                "the workspace folder names the current folder (an empty --home does too), which is not a matcher "
                "workspace: give a folder of its own, e.g. --home .matcher"
            )
    else:
        env = os.environ.get("MATCHER_HOME")
        path = Path(env).expanduser() if env and env.strip() else DEFAULT_HOME
    if (blocking := _file_in_the_way(path)) is not None:
        raise WorkspaceError(f"{blocking} is a file, not a workspace folder: give a folder with --home")
    return path


@dataclass(frozen=True)
class Workspace:
    """Paths inside one workspace folder. Creating the object touches nothing on disk.

    Attributes:
        root: The workspace folder.
    """

    root: Path

    @property
    def store_path(self) -> Path:
        """The SQLite database with profiles, partnerships, feedback, shortlists and notes."""
        return self.root / STORE_NAME

    @property
    def embedding_cache_path(self) -> Path:
        """The cache of text embeddings keyed by model, facet and text hash."""
        return self.root / "embeddings.sqlite"

    @property
    def index_dir(self) -> Path:
        """One sub-folder per facet holds that facet's vector index and manifest."""
        return self.root / "index"

    @property
    def models_dir(self) -> Path:
        """Locally exported encoders (ONNX) and trained re-rankers."""
        return self.root / "models"

    @property
    def config_path(self) -> Path:
        """Optional settings file (ranking weights and the like)."""
        return self.root / "config.toml"

    def ensure(self) -> Workspace:
        """Creates the workspace folder if it is missing (owner-only, mode 700), and returns itself.

        Raises:
            WorkspaceError: The folder, or one of its parents, is a file.
        """
        if (blocking := _file_in_the_way(self.root)) is not None:
            raise WorkspaceError(f"{blocking} is a file, not a workspace folder: give a folder with --home")
        try:
            self.root.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as error:  # a file appeared meanwhile
            raise WorkspaceError(f"{self.root} cannot be a workspace folder: {error}") from error
        return self
