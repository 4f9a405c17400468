"""Sign-in from a local users file, and the two roles of the app.

Users live in ``users.toml`` in the workspace, one ``[[users]]`` table each: name, role, the organisation a
startup user speaks for, and a salted PBKDF2-HMAC-SHA256 hash of the password (never the password). No internet
identity provider is involved: the app is meant for a loopback address or a trusted network behind a proxy.

Roles:
    ``officer``: an investment officer; sees every field of every profile, keeps notes and shortlists.
    ``startup``: one organisation; sees suggestions for its own profile and the public fields of others.

Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "users.toml"
    >>> add_user(path, "mina", "officer", "correct horse", iterations=1_000)
    User(name='mina', role='officer', org_id=None, language=None)
    >>> verify(load_users(path), "mina", "correct horse")
    User(name='mina', role='officer', org_id=None, language=None)
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
import sys
import threading
import time
import tomllib
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import tomli_w

from .config import write_private
from .errors import AccessError, InputError, NotFoundError

__all__ = [
    "DEMO_OFFICER",
    "DEMO_STARTUP",
    "DEMO_STARTUP_ORG",
    "HASH_CONCURRENCY",
    "ITERATIONS",
    "LIMITER",
    "MAX_ITERATIONS",
    "ROLES",
    "AccessDenied",
    "Role",
    "SignInLimiter",
    "Throttled",
    "User",
    "UsersFileError",
    "add_user",
    "attempt",
    "configure_audit_log",
    "ensure_demo_users",
    "load_users",
    "require_officer",
    "set_language",
    "users_path",
    "verify",
]

logger = logging.getLogger(__name__)

Role = Literal["officer", "startup"]
ROLES: tuple[Role, ...] = ("officer", "startup")

ITERATIONS = 600_000
"""PBKDF2 rounds for new passwords (OWASP's 2023 advice for HMAC-SHA256); stored per user, so it can grow.

Every check costs at least this many rounds, whatever the stored count: a weaker (older or hand-made) hash is
padded to it, so timing tells neither which names exist nor which hashes are weak."""

MAX_ITERATIONS = 10_000_000
"""The most PBKDF2 rounds a stored hash may ask for (a few seconds); a users file asking for more is refused."""

HASH_CONCURRENCY = max(1, min(2, (os.cpu_count() or 2) // 2))
"""How many password checks hash at once; more parallel sign-ins wait their turn instead of taking every core."""

DEMO_STARTUP_ORG = "dj-bio-001"
"""The demo startup account speaks for Hanbit Bioworks (Daejeon), a startup of ``data/demo/profiles.csv``."""

_NAME = re.compile(r"^[\w.@+-][\w .@+-]{0,63}$")
"""User names: letters, digits and ``. @ + - _`` (spaces inside), so they are safe to show and to write as TOML."""

_ORG_ID = re.compile(r"^[^\"\\\x00-\x1f\x7f]{1,200}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
"""Organisation ids: anything but quotes, backslashes and control characters (kept out of the TOML quoting)."""

_SCHEME = "pbkdf2_sha256"

_HEADER = (
    "# Innopolis Matcher users. Passwords are stored as salted PBKDF2-HMAC-SHA256 hashes only.\n"
    "# Add or reset a user with matcher.auth.add_user(path, name, role, password, org_id=...).\n"
)


class UsersFileError(InputError):
    """The users file cannot be read: the message names the file and what is wrong."""


class AccessDenied(AccessError):
    """A user asked for something their role may not see or change."""


class Throttled(AccessError):
    """Too many failed sign-ins for an account or from a client: no password is checked until ``wait`` passes."""

    def __init__(self, wait: float, what: str = "this account") -> None:
        self.wait = wait
        super().__init__(f"Too many failed sign-ins for {what}: try again in {_duration(wait)}.")


def _duration(seconds: float) -> str:
    seconds = max(1, int(seconds + 0.999))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


@dataclass(frozen=True)
class User:
    """A user of the app.

    Attributes:
        name: Sign-in name.
        role: ``officer`` or ``startup``.
        org_id: For a startup user, the profile id of its organisation; None for officers.
        password_hash: ``pbkdf2_sha256$ITERATIONS$SALT$HASH`` as read from the users file; empty on the user
            :func:`verify` returns, so a signed-in session never carries it.
        language: The language the user last chose in the app (a two-letter code), None until they choose.
    """

    name: str
    role: Role
    org_id: str | None = None
    password_hash: str = field(default="", repr=False, compare=False)
    language: str | None = field(default=None, compare=False)

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


_HASH_SLOTS = threading.BoundedSemaphore(HASH_CONCURRENCY)


def _bounded_hash(password: str, salt: bytes, iterations: int) -> bytes:
    """:func:`_hash`, at most :data:`HASH_CONCURRENCY` at a time across the process."""
    with _HASH_SLOTS:
        return _hash(password, salt, iterations)


def _parse_hash(encoded: str) -> tuple[int, bytes, bytes]:
    """``(iterations, salt, digest)`` of a stored hash.

    Raises:
        ValueError: What is wrong with it, in words.
    """
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] != _SCHEME:
        raise ValueError(f"password_hash is not of the form {_SCHEME}$ITERATIONS$SALT$HASH")
    try:
        iterations = int(parts[1])
    except ValueError:
        raise ValueError(f"password_hash has iteration count {parts[1]!r}, not a number") from None
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"password_hash has {iterations} PBKDF2 iterations; allowed are 1 to {MAX_ITERATIONS:,}")
    try:
        salt, digest = bytes.fromhex(parts[2]), bytes.fromhex(parts[3])
    except ValueError:
        raise ValueError("password_hash has a salt or hash that is not hexadecimal") from None
    if not salt or len(digest) != 32:
        raise ValueError("password_hash has an empty salt or a hash that is not 32 bytes")
    return iterations, salt, digest


def _encode(password: str, iterations: int) -> str:
    salt = secrets.token_bytes(16)
    return f"{_SCHEME}${iterations}${salt.hex()}${_hash(password, salt, iterations).hex()}"


def _check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise InputError(
            f"user name {name!r} is not allowed: use 1 to 64 letters, digits, spaces or . @ + - _ "
            "(not starting with a space)"
        )
    return name


def load_users(path: Path | str) -> dict[str, User]:
    """Reads the users file; a missing file means no users.

    A hand-edited file is checked entry by entry: a name or org id outside the allowed characters, a name given
    twice, a role that does not exist, or a password hash that is malformed or asks for zero, negative or more than
    :data:`MAX_ITERATIONS` rounds is refused with a message naming the file and the user.

    Raises:
        UsersFileError: The file is not valid TOML, or an entry is incomplete or invalid.

    Example:
        >>> load_users(Path("/no/such/users.toml"))
        {}
    """
    return _read(Path(path))


def _read(path: Path, *, unchecked_hash: str | None = None) -> dict[str, User]:
    """:func:`load_users`; the hash of user ``unchecked_hash`` is not checked (it is about to be replaced)."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UsersFileError(f"{path} is not a valid TOML file: {error}") from error
    entries = data.get("users", [])
    if not isinstance(entries, list):
        raise UsersFileError(f"{path}: 'users' must be a list of [[users]] tables")
    users: dict[str, User] = {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not {"name", "role", "password_hash"} <= entry.keys():
            raise UsersFileError(f"{path}: user {number} needs name, role and password_hash")
        name, role, org_id, encoded = entry["name"], entry["role"], entry.get("org_id"), entry["password_hash"]
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise UsersFileError(
                f"{path}: user {number} has the name {name!r}; names are 1 to 64 letters, digits, spaces or "
                ". @ + - _ (fix or remove the entry)"
            )
        if name in users:
            raise UsersFileError(f"{path}: user {name!r} is listed more than once; keep one entry per name")
        if role not in ROLES:
            raise UsersFileError(f"{path}: user {number} has role {role!r}; use one of {', '.join(ROLES)}")
        if role == "startup" and not org_id:
            raise UsersFileError(f"{path}: startup user {name!r} needs the org_id of its organisation")
        if org_id is not None and (not isinstance(org_id, str) or not _ORG_ID.fullmatch(org_id)):
            raise UsersFileError(
                f"{path}: user {name!r} has the org_id {org_id!r}, which holds quotes, backslashes or control "
                "characters"
            )
        if not isinstance(encoded, str):
            raise UsersFileError(f"{path}: user {name!r} has a password_hash that is not a string")
        if name != unchecked_hash:
            try:
                _parse_hash(encoded)
            except ValueError as error:
                raise UsersFileError(
                    f"{path}: user {name!r}: {error}; reset the password with "
                    f"`matcher user add {name} ...` (matcher.auth.add_user)"
                ) from None
        language = entry.get("language")
        if language is not None and not (isinstance(language, str) and _LANGUAGE.fullmatch(language)):
            raise UsersFileError(f"{path}: user {name!r} has the language {language!r}; use a two-letter code")
        users[name] = User(name, role, org_id or None, encoded, language)
    return users


def verify(users: Mapping[str, User], name: str, password: str) -> User | None:
    """Checks a name and password.

    Every check costs at least :data:`ITERATIONS` PBKDF2 rounds (an unknown name hashes against a dummy, a weaker
    stored hash is padded), and at most :data:`HASH_CONCURRENCY` checks hash at once. :func:`attempt` adds the
    throttling and the audit log: the app signs in through it.

    Args:
        users: What :func:`load_users` returned.
        name: Sign-in name (surrounding spaces ignored).
        password: The password as typed.

    Returns:
        The user, without its password hash, when the password matches; None for an unknown name or a wrong
        password alike (and in about the same time, so timing does not tell which names exist).
    """
    user = users.get(name.strip())
    try:
        iterations, salt, digest = _parse_hash(user.password_hash) if user is not None else (0, b"", b"")
    except ValueError:
        logger.warning("the password hash of user %r is malformed; they cannot sign in", name.strip())
        user = None
    if user is None:
        _bounded_hash(password, b"\0" * 16, ITERATIONS)
        return None
    match = hmac.compare_digest(_bounded_hash(password, salt, iterations), digest)
    if iterations < ITERATIONS:
        _bounded_hash(password, b"\1" * 16, ITERATIONS - iterations)  # weak hashes cost no less than the rest
    return replace(user, password_hash="") if match else None


def set_language(path: Path | str, name: str, language: str) -> None:
    """Remembers the language ``name`` chose in the app (the file is read afresh, so no other change is lost).

    Raises:
        InputError: ``language`` is not a two-letter code.
        NotFoundError: No user has this name.
    """
    if not _LANGUAGE.fullmatch(language):
        raise InputError(f"the language {language!r} is not a two-letter code such as 'ko'")
    path = Path(path)
    users = _read(path)
    if name not in users:
        raise NotFoundError(f"no user {name!r} in {path}")
    if users[name].language != language:
        users[name] = replace(users[name], language=language)
        _write(path, users)


def _needs_rehash(user: User) -> bool:
    try:
        return _parse_hash(user.password_hash)[0] < ITERATIONS
    except ValueError:
        return False


def _rehash(path: Path, name: str, password: str) -> None:
    """Stores a fresh hash of :data:`ITERATIONS` rounds for ``name`` (read afresh, so no other change is lost)."""
    users = _read(path)
    old = users.get(name)
    if old is None:
        return
    users[name] = replace(old, password_hash=_encode(password, ITERATIONS))
    _write(path, users)
    logger.info("upgraded the password hash of user %r to %d iterations in %s", name, ITERATIONS, path)


class SignInLimiter:
    """Counts failed sign-ins per account and per client, and refuses attempts after too many (thread-safe).

    After ``max_failures`` failures within ``window`` seconds for one account name (known or not, so the lock
    tells nothing about which names exist), that account is locked for a back-off that starts at
    ``base_backoff`` and doubles with every further lock, up to ``max_backoff``. A client (an IP address) gets
    ``client_max_failures`` failures in the window, over all names, under the same rule. A success clears the
    account's count, not the client's. State lives in this process only: a restart forgets it.

    Before the lock, failures can also meet a growing delay: with ``step_delay`` set, each failure after the first
    ``free_failures`` of an account (``client_free_failures`` of a client) makes the next attempt wait
    ``step_delay`` seconds, doubled with every further failure (at most ``base_backoff``), and once locked, every
    further failure waits as long as the last lock: a typo costs nothing and a guesser never waits less than
    before. :data:`LIMITER`, the app's, does so; by default there is no step.

    Args:
        clock: Seconds, monotonic (:func:`time.monotonic`; a fake in tests).

    Example:
        >>> limiter = SignInLimiter(step_delay=2, clock=lambda: 0.0)
        >>> for _ in range(4):
        ...     limiter.failed("mina", "10.0.0.1")
        >>> limiter.wait("mina", "10.0.0.1")
        (4.0, 'this account')
    """

    def __init__(
        self,
        *,
        max_failures: int = 5,
        client_max_failures: int = 20,
        window: float = 15 * 60,
        base_backoff: float = 60,
        max_backoff: float = 15 * 60,
        max_keys: int = 100_000,
        step_delay: float = 0,
        free_failures: int = 2,
        client_free_failures: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.client_max_failures = client_max_failures
        self.window = window
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.step_delay = step_delay
        self.free_failures = free_failures
        self.client_free_failures = client_free_failures
        self.max_keys = max_keys
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._locked_until: dict[tuple[str, str], float] = {}
        self._strikes: dict[tuple[str, str], int] = {}

    @staticmethod
    def _keys(name: str, client: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("account", name.strip().casefold()), ("client", client)

    def wait(self, name: str, client: str) -> tuple[float, str]:
        """Seconds until ``name`` may try again from ``client`` (0 when it may now), and what is locked."""
        now = self.clock()
        with self._lock:
            account, source = self._keys(name, client)
            waits = [
                (self._locked_until.get(key, 0) - now, what)
                for key, what in ((account, "this account"), (source, "this client"))
            ]
        wait, what = max(waits)
        return (wait, what) if wait > 0 else (0.0, "")

    def failed(self, name: str, client: str) -> None:
        """Counts a failed attempt; locks the account or the client when it reaches its limit."""
        now = self.clock()
        with self._lock:
            if len(self._failures) > self.max_keys:
                self._forget_old(now)
            limits = ((self.max_failures, self.free_failures), (self.client_max_failures, self.client_free_failures))
            for key, (limit, free) in zip(self._keys(name, client), limits, strict=True):
                times = self._failures.setdefault(key, deque())
                times.append(now)
                while times and times[0] <= now - self.window:
                    times.popleft()
                if len(times) >= limit:
                    strikes = self._strikes.get(key, 0)
                    self._locked_until[key] = now + min(self.max_backoff, self.base_backoff * 2**strikes)
                    self._strikes[key] = strikes + 1
                    times.clear()
                elif self.step_delay > 0 and (len(times) > free or key in self._strikes):
                    # After a lock no failure is free: each waits as long as the last lock did.
                    strikes = self._strikes.get(key, 0)
                    step = (min(self.base_backoff, self.step_delay * 2 ** (len(times) - free - 1)) if not strikes
                            else min(self.max_backoff, self.base_backoff * 2 ** (strikes - 1)))
                    self._locked_until[key] = max(self._locked_until.get(key, 0), now + step)

    def succeeded(self, name: str, client: str) -> None:
        """Clears the account's failures (the client's stay: one good account must not reset a guesser)."""
        account, _ = self._keys(name, client)
        with self._lock:
            for table in (self._failures, self._locked_until, self._strikes):
                table.pop(account, None)

    def _forget_old(self, now: float) -> None:
        horizon = now - max(self.window, self.max_backoff)
        for key in [k for k, times in self._failures.items() if not times or times[-1] <= horizon]:
            del self._failures[key]
            if self._locked_until.get(key, now) <= now:
                self._locked_until.pop(key, None)
                self._strikes.pop(key, None)
        while len(self._failures) > self.max_keys:  # still too many: drop the oldest
            del self._failures[next(iter(self._failures))]


LIMITER = SignInLimiter(step_delay=2)
"""The limiter of this process, shared by every session of the app: after two free failures an account waits
2 s, then 4 s, then is locked for a minute (doubling with each lock); a client likewise after ten."""


def attempt(
    users: Mapping[str, User],
    name: str,
    password: str,
    *,
    client: str = "unknown",
    limiter: SignInLimiter | None = None,
    path: Path | str | None = None,
) -> User | None:
    """A sign-in attempt: throttled, logged, and on success with a weak hash upgraded.

    Args:
        users: What :func:`load_users` returned.
        name: Sign-in name as typed.
        password: Password as typed (never logged).
        client: Who is trying (the client's IP address), for the per-client limit and the log.
        limiter: Defaults to :data:`LIMITER`.
        path: The users file; when given, a hash of fewer than :data:`ITERATIONS` rounds is replaced on success.

    Returns:
        The user (see :func:`verify`), or None for an unknown name or a wrong password.

    Raises:
        Throttled: Too many recent failures for this name or from this client; no password was checked.
    """
    limiter = LIMITER if limiter is None else limiter
    shown = name.strip()[:64]
    wait, what = limiter.wait(name, client)
    if wait > 0:
        logger.warning("refused sign-in for %r from %s: %s is locked for %.0f s more", shown, client, what, wait)
        raise Throttled(wait, what)
    user = verify(users, name, password)
    if user is None:
        limiter.failed(name, client)
        logger.warning("failed sign-in for %r from %s", shown, client)
        return None
    limiter.succeeded(name, client)
    logger.info("signed in: %r (%s) from %s", user.name, user.role, client)
    if path is not None and _needs_rehash(users[user.name]):
        try:
            _rehash(Path(path), user.name, password)
        except (OSError, UsersFileError) as error:
            logger.warning("could not upgrade the password hash of user %r: %s", user.name, error)
    return user


def configure_audit_log() -> None:
    """Makes sure sign-in records (``matcher.auth`` at INFO and above) reach stderr.

    The Streamlit server configures only its own loggers, so without this INFO records were dropped and WARNING
    ones printed bare. Nothing changes when the application already configured a handler for them.
    """
    audit = logging.getLogger(__name__)
    if audit.level == logging.NOTSET or audit.level > logging.INFO:
        audit.setLevel(logging.INFO)
    if not audit.hasHandlers():
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        audit.addHandler(handler)


def _write(path: Path, users: Mapping[str, User]) -> None:
    # Written by tomli-w (the standard library reads TOML but cannot write it), then read back: a file that would
    # not parse to exactly these users is never put in place.
    expected = [
        {"name": user.name, "role": user.role, **({"org_id": user.org_id} if user.org_id else {}),
         "password_hash": user.password_hash, **({"language": user.language} if user.language else {})}
        for user in users.values()
    ]  # fmt: skip
    text = _HEADER + "\n" + tomli_w.dumps({"users": expected})
    if tomllib.loads(text).get("users", []) != expected:
        raise UsersFileError(f"{path}: refusing to write a users file that would not read back as written")
    write_private(path, text)  # beside and renamed: a crash never leaves a users file that locks everyone out


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
        raise InputError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise InputError("the password needs at least 8 characters")
    if role == "startup" and not org_id:
        raise InputError("a startup user needs the org_id of its organisation")
    if role == "officer" and org_id:
        raise InputError("officers are not tied to one organisation: leave org_id out")
    if org_id is not None and not _ORG_ID.fullmatch(org_id):
        raise InputError(f"org_id {org_id!r} holds quotes, backslashes or control characters")
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise InputError(f"iterations must be 1 to {MAX_ITERATIONS:,}, got {iterations}")
    path = Path(path)
    users = _read(path, unchecked_hash=name)  # a broken hash of this user is what a reset repairs
    existed = name in users
    kept = users[name].language if existed else None  # a reset keeps the language the user chose
    user = User(name, role, org_id or None, _encode(password, iterations), kept)
    users[name] = user
    _write(path, users)
    logger.info("%s user %r (%s) in %s", "reset" if existed else "added", name, role, path)
    return user


def set_password(path: Path | str, name: str, password: str, *, iterations: int = ITERATIONS) -> User:
    """Gives an existing user a new password, keeping their role, organisation and language.

    Example:
        >>> set_password(users_file, "kim", "a new long password").name               # doctest: +SKIP
        'kim'

    Raises:
        NotFoundError: No user has this name.
        InputError: The password is shorter than 8 characters.
    """
    path = Path(path)
    users = _read(path, unchecked_hash=name)  # a broken hash of this user is what a new password repairs
    if name not in users:
        raise NotFoundError(f"no account {name!r} in {path}: see `matcher user list`")
    user = users[name]
    return add_user(path, name, user.role, password, user.org_id, iterations=iterations)


def remove_user(path: Path | str, name: str) -> User:
    """Removes a user: they can no longer sign in (what they entered stays, signed with their name).

    Example:
        >>> remove_user(users_file, "kim").role                                       # doctest: +SKIP
        'officer'

    Raises:
        NotFoundError: No user has this name.
    """
    path = Path(path)
    users = _read(path, unchecked_hash=name)
    if name not in users:
        raise NotFoundError(f"no account {name!r} in {path}: see `matcher user list`")
    removed = users.pop(name)
    _write(path, users)
    logger.info("removed user %r (%s) from %s", name, removed.role, path)
    return removed


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
