"""Settings and the workspace folder.

A workspace is one folder (default ``.matcher/`` in the working directory) that holds everything the matcher
writes: the SQLite store, the embedding cache, the vector indexes and exported models. :class:`Settings` come from,
in order of precedence, explicit arguments (the CLI's flags), ``MATCHER_*`` environment variables, and
``config.toml`` in the workspace; README "Settings" lists them.

Example:
    >>> ws = Workspace(Path("/tmp/demo-ws"))
    >>> ws.store_path.name
    'matcher.sqlite'
    >>> Settings.load(home="/tmp/demo-ws", encoder="minilm-onnx").encoder
    'minilm-onnx'
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from .errors import InputError

__all__ = [
    "DEFAULT_ENCODER",
    "DEFAULT_HOME",
    "STORE_NAME",
    "Settings",
    "SettingsError",
    "Workspace",
    "WorkspaceError",
    "is_workspace",
    "resolve_home",
    "write_private",
]

DEFAULT_HOME = Path(".matcher")
DEFAULT_ENCODER = "minilm+use-m3"
"""The encoder a workspace uses unless told otherwise: MiniLM and the multilingual Universal Sentence Encoder side by
side. Korean, German and Spanish profiles and searches match English ones (MiniLM alone reads English only), while
English quality stays within noise of MiniLM's; a search not in English and a pair not both in English are scored
by USE alone, and two English texts are compared by the MiniLM part for the competitor rule and the reasons' quotes
(bench/RESULTS.md, "Multilingual encoders", "The default since the eighth session"). ``minilm`` keeps the
English-only model."""
STORE_NAME = "matcher.sqlite"
"""The store's file name: a folder holding it is a workspace (:func:`is_workspace`)."""
FOLDER_MODE = 0o700
"""Workspace folders are created owner-only: they hold password hashes, notes and hidden profile fields."""


class WorkspaceError(InputError):
    """The workspace folder asked for cannot be used (it is a file, or the name is empty); the message says why."""


class SettingsError(InputError):
    """A setting has a value that cannot be used (in ``config.toml``, a ``MATCHER_*`` variable or a flag)."""


def write_private(path: Path, text: str) -> None:
    """Writes ``text`` to ``path`` owner-only (mode 600), beside and renamed, so a reader never sees half a file and
    a crash never leaves one (users, session secrets).

    Example:
        >>> target = Path(tempfile.mkdtemp()) / "secret.txt"
        >>> write_private(target, "s3cret")
        >>> oct(target.stat().st_mode & 0o777), target.read_text()
        ('0o600', 's3cret')
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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

    @property
    def kinds_path(self) -> Path:
        """Optional words for the kinds of organisation a search asks for, added to the packaged ones
        (:attr:`matcher.service.context.Context.kind_reader`; the shape of ``matcher/data/kinds.toml``)."""
        return self.root / "kinds.toml"

    @property
    def glossary_dir(self) -> Path:
        """Optional ``<language>.tsv`` tables (``ko``, ``de``, ``es``) that add to or correct the packaged glossary
        for this workspace (:attr:`matcher.service.context.Context.glossary`)."""
        return self.root / "glossary"

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


class Settings(BaseSettings):
    """The matcher's settings, from (highest first) explicit arguments, ``MATCHER_*`` environment variables and the
    workspace's ``config.toml``.

    Attributes:
        home: The workspace folder (``--home``, ``$MATCHER_HOME``; never read from the file it holds).
        encoder: The text encoder spec (``$MATCHER_ENCODER``): ``minilm`` (the default, English only),
            ``minilm+use-m3`` (MiniLM blended with the multilingual Universal Sentence Encoder, so Korean, German and
            Spanish texts meet English ones), ``minilm-onnx``, ``use-m3``, ``e5-small``, another blend (``a+b``,
            ``a+b@lang``) or a local sentence-transformers model folder.
        database_url: A SQLAlchemy URL of the store (``$MATCHER_DATABASE_URL``), e.g. a PostgreSQL server; None
            keeps the workspace's SQLite file. Never shown in full (it may hold a password).
        ranking: A ranking TOML of the shape of the packaged ``matcher/ranking.toml`` (weights, type fit) that
            replaces its sections (``--ranking``, ``$MATCHER_RANKING``); a relative path is read from the workspace.
        app_address: Where the app listens (``matcher app --address``); 127.0.0.1 keeps it on this machine.
        app_port: The app's port.
        session_hours: How long an app sign-in lasts, reloads included (``$MATCHER_SESSION_HOURS``, 0.1 to 720).
        smtp_host: The SMTP server that e-mails alerts (``$MATCHER_SMTP_HOST``); None sends no e-mail. Its login,
            if it needs one, comes from ``$MATCHER_SMTP_USER`` and ``$MATCHER_SMTP_PASSWORD`` only (never the
            file): :func:`smtp_login`.
        smtp_port: Its port (587, the submission port, by default).
        smtp_sender: The From address of alert e-mails (needed with ``smtp_host``).
        smtp_starttls: Upgrade the SMTP connection with STARTTLS before sending (and before the login).
        webhook_timeout: Seconds one webhook or SMTP attempt may take.
        webhook_allow_private: Let webhooks go to hosts on loopback, private or link-local addresses (a CRM on the
            team's own network); off by default, so that a saved webhook cannot reach internal services.
        alert_check_seconds: How often ``matcher serve`` checks saved searches and delivers alerts (0: never).

    Example:
        >>> Settings.load(home="/tmp/doc-settings").app_port
        8501
    """

    model_config = SettingsConfigDict(env_prefix="MATCHER_", extra="forbid", validate_default=True)

    home: Path = DEFAULT_HOME
    encoder: str = Field(default=DEFAULT_ENCODER, min_length=1)
    database_url: SecretStr | None = None
    ranking: Path | None = None
    app_address: str = "127.0.0.1"
    app_port: int = Field(default=8501, ge=1, le=65535)
    session_hours: float = Field(default=12.0, ge=0.1, le=720)
    smtp_host: str | None = Field(default=None, min_length=1, max_length=253)
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_sender: str | None = Field(default=None, min_length=3, max_length=254)
    smtp_starttls: bool = True
    webhook_timeout: float = Field(default=5.0, gt=0, le=60)
    webhook_allow_private: bool = False
    alert_check_seconds: float = Field(default=60.0, ge=0, le=86_400)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)

    @classmethod
    def load(cls, home: Path | str | None = None, **given: Any) -> Settings:
        """The settings of the workspace ``home`` (default ``$MATCHER_HOME`` or ``./.matcher``).

        Args:
            home: The workspace folder.
            **given: Explicit values (the CLI's flags); None means "not given".

        Raises:
            WorkspaceError: ``home`` cannot be a workspace folder.
            SettingsError: A value is invalid, or ``config.toml`` names an unknown setting or cannot be parsed.
        """
        root = resolve_home(home)
        path = Workspace(root).config_path
        bound = type(cls.__name__, (cls,), {"model_config": {**cls.model_config, "toml_file": path}})
        values = {name: value for name, value in given.items() if value is not None}
        try:
            settings = bound(**values, home=root)
        except ValidationError as invalid:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']}"
                for error in invalid.errors()
            )
            raise SettingsError(
                f"invalid settings ({problems}); check {path}, the MATCHER_* variables and the flags"
            ) from None
        except ValueError as unreadable:  # a TOML syntax error
            raise SettingsError(f"{path} cannot be read: {unreadable}") from None
        if settings.ranking is not None and not settings.ranking.is_absolute():
            settings.ranking = root / settings.ranking
        return settings

    def smtp_login(self) -> tuple[str, str] | None:
        """The SMTP login, from ``$MATCHER_SMTP_USER`` and ``$MATCHER_SMTP_PASSWORD`` (the environment only: a
        password is never read from ``config.toml``, which backups copy); None when no user is set.

        Example:
            >>> os.environ.update(MATCHER_SMTP_USER="matcher", MATCHER_SMTP_PASSWORD="s3cret")
            >>> Settings.load(home="/tmp/doc-settings").smtp_login()
            ('matcher', 's3cret')
            >>> del os.environ["MATCHER_SMTP_USER"], os.environ["MATCHER_SMTP_PASSWORD"]
        """
        user = os.environ.get("MATCHER_SMTP_USER", "").strip()
        return (user, os.environ.get("MATCHER_SMTP_PASSWORD", "")) if user else None

    def store_url(self) -> str | Path:
        """What the store opens: the database URL when one is set, else the workspace's SQLite file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return Workspace(self.home).store_path
