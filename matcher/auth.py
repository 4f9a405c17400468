"""Sign-in from a local users file, and the two roles of the app.

Users live in ``users.toml`` in the workspace, one ``[[users]]`` table each: name, role, the organisation a
startup user speaks for, and a salted PBKDF2-HMAC-SHA256 hash of the password (never the password). No internet
identity provider is involved: the app is meant for a loopback address or a trusted network behind a proxy.

Roles:
    ``officer``: an investment officer; sees every field of every profile, keeps notes and shortlists.
    ``startup``: one organisation; sees suggestions for its own profile and the public fields of others.

Example:
    >>> path = Path(tempfile.mkdtemp()) / "users.toml"
    >>> add_user(path, "mina", "officer", "correct horse", iterations=1_000)
    User(name='mina', role='officer', org_id=None)
    >>> verify(load_users(path), "mina", "correct horse")
    User(name='mina', role='officer', org_id=None)
    >>> verify(load_users(path), "mina", "wrong") is None
    True
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

__all__ = [
    "DEMO_OFFICER",
    "DEMO_STARTUP",
    "DEMO_STARTUP_ORG",
    "ITERATIONS",
    "ROLES",
    "AccessDenied",
    "Role",
    "User",
    "UsersFileError",
    "add_user",
    "ensure_demo_users",
    "load_users",
    "require_officer",
    "users_path",
    "verify",
]

logger = logging.getLogger(__name__)

Role = Literal["officer", "startup"]
ROLES: tuple[Role, ...] = ("officer", "startup")

ITERATIONS = 600_000
"""PBKDF2 rounds for new passwords (OWASP's 2023 advice for HMAC-SHA256); stored per user, so it can grow."""

DEMO_STARTUP_ORG = "dj-bio-001"
"""The demo startup account speaks for Hanbit Bioworks (Daejeon), a startup of ``data/demo/profiles.csv``."""

_NAME = re.compile(r"^[\w.@+-][\w .@+-]{0,63}$")
"""User names: letters, digits and ``. @ + - _`` (spaces inside), so they are safe to show and to write as TOML."""

_ORG_ID = re.compile(r"^[^\"\\\x00-\x1f\x7f]{1,200}$")
"""Organisation ids: anything but quotes, backslashes and control characters (kept out of the TOML quoting)."""

_SCHEME = "pbkdf2_sha256"

_HEADER = (
    "# Innopolis Matcher users. Passwords are stored as salted PBKDF2-HMAC-SHA256 hashes only.\n"
    "# Add or reset a user with matcher.auth.add_user(path, name, role, password, org_id=...).\n"
)


class UsersFileError(ValueError):
    """The users file cannot be read: the message names the file and what is wrong."""


class AccessDenied(PermissionError):
    """A user asked for something their role may not see or change."""



@dataclass(frozen=True)
class User:
    """A user of the app.

    Attributes:
        name: Sign-in name.
        role: ``officer`` or ``startup``.
        org_id: For a startup user, the profile id of its organisation; None for officers.
        password_hash: ``pbkdf2_sha256$ITERATIONS$SALT$HASH`` as read from the users file; empty on the user
            :func:`verify` returns, so a signed-in session never carries it.
    """

    name: str
    role: Role
    org_id: str | None = None
    password_hash: str = field(default="", repr=False, compare=False)

    @property
    def is_officer(self) -> bool:
        """True for investment officers."""
        return self.role == "officer"


def require_officer(user: User | None, what: str) -> User:
    """Returns ``user`` if it is an officer; every read or write of officers' data goes through here.

    Args:
        user: The signed-in user (None when nobody is signed in).
        what: What was asked for, for the message (``"shortlists"``, ``"notes"``).

    Raises:
        AccessDenied: Nobody is signed in, or the user is not an officer.

    Example:
        >>> require_officer(User("mina", "officer"), "notes").name
        'mina'
    """
    if user is None or user.role != "officer":
        who = "nobody signed in" if user is None else f"{user.name} is a {user.role} user"
        raise AccessDenied(f"{what} are for investment officers only ({who})")
    return user


def users_path(home: Path | str) -> Path:
    """The users file of a workspace folder.

    Example:
        >>> users_path("/srv/matcher").as_posix()
        '/srv/matcher/users.toml'
    """
    return Path(home) / "users.toml"


def _hash(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)


def _encode(password: str, iterations: int) -> str:
    salt = secrets.token_bytes(16)
    return f"{_SCHEME}${iterations}${salt.hex()}${_hash(password, salt, iterations).hex()}"


def _check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"user name {name!r} is not allowed: use 1 to 64 letters, digits, spaces or . @ + - _ "
            "(not starting with a space)"
        )
    return name


def load_users(path: Path | str) -> dict[str, User]:
    """Reads the users file; a missing file means no users.

    Raises:
        UsersFileError: The file is not valid TOML, or an entry is incomplete or has an unknown role.

    Example:
        >>> load_users(Path("/no/such/users.toml"))
        {}
    """
    path = Path(path)
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UsersFileError(f"{path} is not a valid TOML file: {error}") from error
    users: dict[str, User] = {}
    for number, entry in enumerate(data.get("users", []), start=1):
        if not isinstance(entry, dict) or not {"name", "role", "password_hash"} <= entry.keys():
            raise UsersFileError(f"{path}: user {number} needs name, role and password_hash")
        if entry["role"] not in ROLES:
            raise UsersFileError(f"{path}: user {number} has role {entry['role']!r}; use one of {', '.join(ROLES)}")
        if entry["role"] == "startup" and not entry.get("org_id"):
            raise UsersFileError(f"{path}: startup user {entry['name']!r} needs the org_id of its organisation")
        user = User(str(entry["name"]), entry["role"], entry.get("org_id") or None, str(entry["password_hash"]))
        users[user.name] = user
    return users


def verify(users: Mapping[str, User], name: str, password: str) -> User | None:
    """Checks a name and password.

    Args:
        users: What :func:`load_users` returned.
        name: Sign-in name (surrounding spaces ignored).
        password: The password as typed.

    Returns:
        The user, without its password hash, when the password matches; None for an unknown name or a wrong
        password alike (and in about the same time, so timing does not tell which names exist).
    """
    user = users.get(name.strip())
    parts = user.password_hash.split("$") if user is not None else []
    if user is None or len(parts) != 4 or parts[0] != _SCHEME:
        _hash(password, b"\0" * 16, ITERATIONS)
        return None
    try:
        iterations, salt, digest = int(parts[1]), bytes.fromhex(parts[2]), bytes.fromhex(parts[3])
    except ValueError:
        logger.warning("the password hash of user %r is malformed; they cannot sign in", user.name)
        return None
    if hmac.compare_digest(_hash(password, salt, iterations), digest):
        return replace(user, password_hash="")
    return None


def _write(path: Path, users: Mapping[str, User]) -> None:
    lines = [_HEADER]
    for user in users.values():
        # Names match _NAME and org ids _ORG_ID, hashes are hex: plain quoting is valid TOML.
        lines += [
            "\n[[users]]\n",
            f'name = "{user.name}"\n',
            f'role = "{user.role}"\n',
            *([f'org_id = "{user.org_id}"\n'] if user.org_id else []),
            f'password_hash = "{user.password_hash}"\n',
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside and rename: a crash never leaves a half-written users file that locks everyone out.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".users-", suffix=".toml")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(lines))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def add_user(
    path: Path | str,
    name: str,
    role: str,
    password: str,
    org_id: str | None = None,
    *,
    iterations: int = ITERATIONS,
) -> User:
    """Adds a user to the users file, or replaces the one of that name (to reset a password or a role).

    Args:
        path: The users file; created if missing.
        name: Sign-in name: 1 to 64 letters, digits, spaces or ``. @ + - _``.
        role: ``officer`` or ``startup``.
        password: At least 8 characters.
        org_id: The profile id a startup user speaks for (required for startups, refused for officers).
        iterations: PBKDF2 rounds.

    Returns:
        The user as stored (with its password hash).

    Raises:
        ValueError: A bad name, role, password or org id.
        UsersFileError: The existing file cannot be read.
    """
    name = _check_name(name)
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise ValueError("the password needs at least 8 characters")
    if role == "startup" and not org_id:
        raise ValueError("a startup user needs the org_id of its organisation")
    if role == "officer" and org_id:
        raise ValueError("officers are not tied to one organisation: leave org_id out")
    if org_id is not None and not _ORG_ID.fullmatch(org_id):
        raise ValueError(f"org_id {org_id!r} holds quotes, backslashes or control characters")
    if iterations < 1:
        raise ValueError(f"iterations must be positive, got {iterations}")
    path = Path(path)
    users = load_users(path)
    existed = name in users
    user = User(name, role, org_id or None, _encode(password, iterations))
    users[name] = user
    _write(path, users)
    logger.info("%s user %r (%s) in %s", "reset" if existed else "added", name, role, path)
    return user


DEMO_OFFICER = "officer"
DEMO_STARTUP = "startup"


def ensure_demo_users(path: Path | str) -> list[tuple[str, str, str]]:
    """Sets up the demo accounts with fresh random passwords and returns their credentials.

    The demo workspace is local and throwaway: rather than a well-known password, each call (each
    ``matcher app --demo``) gives the accounts new random passwords, so the credentials printed at start-up
    always work. Other users in the file are kept.

    Args:
        path: The users file of the demo workspace.

    Returns:
        ``[(name, password, role), ...]``: an officer, and a startup user speaking for :data:`DEMO_STARTUP_ORG`.
    """
    credentials: list[tuple[str, str, str]] = []
    for name, role, org_id in ((DEMO_OFFICER, "officer", None), (DEMO_STARTUP, "startup", DEMO_STARTUP_ORG)):
        password = secrets.token_urlsafe(9)
        add_user(path, name, role, password, org_id)
        credentials.append((name, password, role))
    return credentials
