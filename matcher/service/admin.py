"""Administration: backups and restores, sign-in accounts and API keys, exports of what users entered, synthetic
data.

Example:
    >>> import tempfile
    >>> admin = Admin(Context(tempfile.mkdtemp()))
    >>> [user.name for user in admin.users()]
    []
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..auth import User, add_user, load_users, remove_user, set_language, set_password, users_path
from ..backup import backup, export_user_data, restore
from ..config import STORE_NAME
from ..errors import StateError
from ..store import Store
from .context import Context
from .keys import ApiKey, KeyRing

__all__ = ["Admin"]

logger = logging.getLogger(__name__)


class Admin:
    """Administers one workspace.

    Args:
        context: The workspace.
    """

    def __init__(self, context: Context) -> None:
        self.context = context

    def backup(self, target: Path | str) -> Path:
        """Backs up the workspace (store, indexes, users) consistently, even while the app runs; returns the
        archive written (a dated ``.zip`` inside ``target`` when it is a folder)."""
        return backup(self.context.workspace.root, target)

    @staticmethod
    def restore(archive: Path | str, home: Path | str, *, force: bool = False) -> Path:
        """Restores the workspace ``home`` from ``archive``, checked first; the old one is swapped out only when the
        new one is complete. A static method: opening the workspace's store would make it non-empty.

        Raises:
            BackupError: The archive is not a sound backup.
            WorkspaceNotEmptyError: ``home`` holds a workspace and ``force`` is False.
        """
        return restore(archive, home, force=force)

    def copy_store(self, target: Path | str) -> tuple[str, dict[str, int]]:
        """Copies the workspace's store into an empty one (:meth:`matcher.store.Store.copy_into`): a PostgreSQL
        URL (``postgresql+psycopg://user@host/db``; libpq reads the password from ``PGPASSWORD`` or ``~/.pgpass``),
        a SQLite file, or a folder for a workspace's file.

        Returns:
            Where the copy went (the URL without its password), and the rows copied per table.

        Raises:
            StoreInputError: The target is this store or holds data already.
            StoreError: The target cannot be opened.
        """
        location: Path | str = target
        if "://" not in str(target) and (Path(target).is_dir() or not Path(target).suffix):
            location = Path(target) / STORE_NAME  # a workspace folder
        copy = Store(location)
        try:
            return copy.where, self.context.store.copy_into(copy)
        finally:
            copy.close()

    def users(self) -> list[User]:
        """The sign-in accounts, by name."""
        return sorted(load_users(users_path(self.context.workspace.root)).values(), key=lambda user: user.name)

    def add_user(self, name: str, role: str, password: str, org_id: str | None = None) -> User:
        """Adds an account, or resets its password and role.

        Raises:
            NotFoundError: ``org_id`` is not an organisation in the store (a startup account speaks for one).
            InputError: A bad name, role, password or org id.
            StateError: A new account would take an API key's name (see :meth:`create_api_key`).
        """
        if org_id is not None:
            self.context.profile(org_id)
        path, name = users_path(self.context.workspace.root), name.strip()
        if name not in load_users(path) and any(key.name == name for key in self.api_keys()):
            raise StateError(
                f"an API key is named {name!r} (working or revoked): an account and a key may not share a name, since "
                "feedback, shortlists and notes are kept under it; give the account another name"
            )
        user = add_user(path, name, role, password, org_id)
        logger.info("saved %s account %r", user.role, user.name)
        return user

    def set_password(self, name: str, password: str) -> User:
        """Gives an account a new password, keeping its role and organisation.

        Raises:
            NotFoundError: No account has this name.
            InputError: The password is too short.
        """
        user = set_password(users_path(self.context.workspace.root), name, password)
        logger.info("new password for %s account %r", user.role, user.name)
        return user

    def remove_user(self, name: str) -> User:
        """Removes an account: it can no longer sign in; what it entered (feedback, notes) stays.

        Raises:
            NotFoundError: No account has this name.
        """
        return remove_user(users_path(self.context.workspace.root), name)

    def api_keys(self) -> list[ApiKey]:
        """The REST API's keys, working and revoked, by name (never the keys themselves)."""
        return KeyRing(self.context).list()

    def create_api_key(self, name: str, role: str, org_id: str | None = None) -> tuple[ApiKey, str]:
        """Creates a REST API key; returns it with the key itself, shown this once (only its hash is stored).

        Raises:
            InputError: A bad name or role, or an organisation given or missing for the role.
            NotFoundError: ``org_id`` is not an organisation in the store.
            StateError: A working key already has this name, or an app account has it: a name is one principal,
                since feedback, shortlists and notes are kept under the name of whoever entered them, and an account
                and a key of one name would read each other's.
        """
        if name.strip() in load_users(users_path(self.context.workspace.root)):
            raise StateError(
                f"an app account is named {name!r}: an account and a key may not share a name, since feedback, "
                f"shortlists and notes are kept under it; give the key another name, e.g. {name + '-crm'!r}"
            )
        return KeyRing(self.context).create(name, role, org_id)

    def revoke_api_key(self, name: str) -> ApiKey:
        """Revokes a REST API key at once, for every process sharing the store.

        Raises:
            NotFoundError: No key has this name.
        """
        return KeyRing(self.context).revoke(name)

    def api_key_user(self, token: str) -> User | None:
        """The user a REST API key acts as; None for a malformed, unknown or revoked key."""
        return KeyRing(self.context).authenticate(token)

    def set_language(self, name: str, language: str) -> None:
        """Remembers the language user ``name`` chose, for their next sign-in."""
        set_language(users_path(self.context.workspace.root), name, language)

    def export_user_data(self, *, user: str | None = None) -> dict[str, Any]:
        """Everything users entered (feedback, shortlists, notes), or one user's, as JSON-ready data."""
        return export_user_data(self.context.store, user=user)

    @staticmethod
    def generate(out: Path | str, *, n: int = 1000, seed: int = 0) -> dict[str, Path]:
        """Writes a synthetic data set with planted ground truth into ``out``; returns the files by name."""
        from ..synthetic import generate, write

        return write(generate(n, seed=seed), Path(out))
