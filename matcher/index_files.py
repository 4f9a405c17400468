"""A saved vector index on disk: version folders switched atomically, and the manifest that describes each.

Layout of an index folder::

    CURRENT                  the name of the version folder to read (one line)
    v-<time>-<random>/       one version per save
        manifest.json        what the index was built from (model, facet, profile-set checksum) and its shape
        ids.json             the id map by slot, null for tombstones
        index.faiss          the HNSW graph (an HNSW index), or
        vectors.npy          the vectors (an exact index)

A save writes a fresh version folder, flushes it to disk, and only then points ``CURRENT`` at it (a temporary
file renamed over the old one), so a save killed half-way leaves the previous version readable. A reader that
read ``CURRENT`` just before a switch can still load the version it named: :func:`write_version` keeps the
previous version until the next save.

Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> version = write_version(folder, {"model": "minilm"}, lambda v: (v / IDS_FILE).write_text("[]"))
    >>> read_manifest(folder)["model"], current_version(folder) == version
    ('minilm', True)
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import StateError

__all__ = [
    "FORMAT_VERSION",
    "HNSW_FILE",
    "IDS_FILE",
    "VECTORS_FILE",
    "IndexMismatchError",
    "check_manifest",
    "current_version",
    "fsync_path",
    "open_version",
    "read_manifest",
    "write_version",
]

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
"""Version of the on-disk layout; bumped when a saved index can no longer be read."""

IDS_FILE = "ids.json"
HNSW_FILE = "index.faiss"
VECTORS_FILE = "vectors.npy"
_MANIFEST = "manifest.json"
_CURRENT = "CURRENT"


class IndexMismatchError(StateError):
    """A saved index does not match what the caller expects (another model, dimension, profile set...).

    Attributes:
        fields: the names of the fields that differ, in the order they were checked.

    Example:
        >>> IndexMismatchError("index does not match: model is 'a', expected 'b'", ["model"]).fields
        ('model',)
    """

    def __init__(self, message: str, fields: Sequence[str]) -> None:
        super().__init__(message)
        self.fields = tuple(fields)


def write_version(directory: Path, manifest: Mapping[str, Any], write_files: Callable[[Path], None]) -> Path:
    """Save a new version of the index in ``directory`` and make it the current one, atomically.

    Args:
        directory: the index folder (created if missing).
        manifest: the complete manifest, JSON-serialisable.
        write_files: writes the index's own files into the version folder it is given.

    Returns:
        The new version folder.

    Raises:
        ValueError: if ``manifest`` is not JSON-serialisable (nothing is written then).

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> first = write_version(folder, {}, lambda v: None)
        >>> second = write_version(folder, {}, lambda v: None)
        >>> current_version(folder) == second, first.exists()  # the previous version stays until the next save
        (True, True)
    """
    try:
        manifest_text = json.dumps(manifest, indent=2, sort_keys=True)
    except TypeError as exc:
        raise ValueError(f"manifest is not JSON-serialisable: {exc}") from exc
    directory.mkdir(parents=True, exist_ok=True)
    current = directory / _CURRENT
    previous = current.read_text(encoding="utf-8").strip() if current.exists() else None
    version = directory / f"v-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    version.mkdir()
    try:
        write_files(version)
        (version / _MANIFEST).write_text(manifest_text, encoding="utf-8")
        for child in version.iterdir():
            fsync_path(child)
        fsync_path(version)
        _replace_atomically(current, version.name + "\n")
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    # The previous version stays until the next save: a reader in another process that read CURRENT just before
    # the switch can still load it. Anything older, or left half-written by a killed save, goes.
    for stale in directory.glob("v-*"):
        if stale.name not in (version.name, previous):
            shutil.rmtree(stale, ignore_errors=True)
    return version


def current_version(directory: Path | str) -> Path:
    """The version folder ``CURRENT`` points at.

    Raises:
        FileNotFoundError: if ``directory`` holds no saved index.

    Example:
        >>> current_version("/nonexistent")
        Traceback (most recent call last):
        ...
        FileNotFoundError: no saved index in /nonexistent (missing CURRENT)
    """
    directory = Path(directory)
    pointer = directory / _CURRENT
    if not pointer.is_file():
        raise FileNotFoundError(f"no saved index in {directory} (missing {_CURRENT})")
    return directory / pointer.read_text(encoding="utf-8").strip()


def read_manifest(directory: Path | str) -> dict[str, Any]:
    """The manifest of the index saved in ``directory``, without reading the index itself.

    Raises:
        FileNotFoundError: if ``directory`` holds no saved index.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = write_version(folder, {"facet": "offers"}, lambda v: None)
        >>> read_manifest(folder)
        {'facet': 'offers'}
    """
    return open_version(directory)[1]


def open_version(directory: Path | str) -> tuple[Path, dict[str, Any]]:
    """The current version folder and its manifest, both from one reading of ``CURRENT`` (a save switching
    versions meanwhile cannot pair one version's files with another's manifest).

    Raises:
        FileNotFoundError: if ``directory`` holds no saved index.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> version = write_version(folder, {"count": 0}, lambda v: None)
        >>> open_version(folder) == (version, {"count": 0})
        True
    """
    version = current_version(directory)
    return version, json.loads((version / _MANIFEST).read_text(encoding="utf-8"))


def check_manifest(manifest: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
    """Raise if ``manifest`` differs from ``expected`` on any field ``expected`` names.

    Example:
        >>> check_manifest({"model": "minilm", "dimension": 384}, {"dimension": 384})
        >>> check_manifest({"model": "minilm", "dimension": 384}, {"model": "tfidf"})
        Traceback (most recent call last):
        ...
        matcher.index_files.IndexMismatchError: index does not match: model is 'minilm', expected 'tfidf'

    Raises:
        IndexMismatchError: naming every differing field (a missing field differs).
    """
    missing = object()
    differing = [key for key, value in expected.items() if manifest.get(key, missing) != value]
    if differing:
        parts = [
            f"{key} is {manifest[key]!r}, expected {expected[key]!r}"
            if key in manifest
            else f"{key} is missing, expected {expected[key]!r}"
            for key in differing
        ]
        raise IndexMismatchError("index does not match: " + "; ".join(parts), differing)


def fsync_path(path: Path) -> None:
    """Flushes a file's data or a folder's entries to disk (a folder after a rename in it makes the rename durable).

    Example:
        >>> fsync_path(Path("."))
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_atomically(path: Path, text: str) -> None:
    """Write ``path`` through a temporary file renamed over it, so readers see the old or the new text."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_path(path.parent)
