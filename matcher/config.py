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

__all__ = ["DEFAULT_HOME", "Workspace", "resolve_home"]

DEFAULT_HOME = Path(".matcher")


def resolve_home(home: Path | str | None = None) -> Path:
    """Returns the workspace folder: ``home`` if given, else ``$MATCHER_HOME``, else ``./.matcher``."""
    if home is not None:
        return Path(home).expanduser()
    env = os.environ.get("MATCHER_HOME")
    return Path(env).expanduser() if env else DEFAULT_HOME


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
        return self.root / "matcher.sqlite"

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
        """Creates the workspace folder if it is missing, and returns itself."""
        self.root.mkdir(parents=True, exist_ok=True)
        return self
