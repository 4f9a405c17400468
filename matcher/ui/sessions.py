"""Signed, expiring session tokens, so a page reload (a new Streamlit session) keeps the user signed in.

Streamlit's session state dies with the browser's websocket, so F5 used to sign the user out. At sign-in the app
issues a token, keeps it in the page's URL (``?session=...``, the only thing Streamlit lets a page keep across a
reload without a network-fetched component) and, on a new session, signs the user in again from it. A token is

``base64url(name, role, org_id, issued, expires) "." base64url(HMAC-SHA256(secret, payload))``

with times in milliseconds. The secret is 32 random bytes in the workspace's ``session.key``, created owner-only on
first use: deleting or rotating it (:meth:`SessionTokens.rotate`) ends every session. Signing out stores a "not
before" time for the user in ``sessions.json`` beside it, which ends every token issued to them until then (on all
devices). The token carries no password and nothing secret but itself; the app never logs it.

Example:
    >>> tokens = SessionTokens(Path(tempfile.mkdtemp()))
    >>> token = tokens.issue(User("mina", "officer"))
    >>> tokens.verify(token).role
    'officer'
    >>> tokens.revoke("mina")
    >>> tokens.verify(token) is None
    True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..auth import ROLES, User
from ..config import write_private

__all__ = [
    "DEFAULT_LIFETIME_HOURS",
    "MAX_TOKEN_LENGTH",
    "SessionTokens",
]

logger = logging.getLogger(__name__)

DEFAULT_LIFETIME_HOURS = 12.0
"""How long a session lasts after sign-in: a working day, so a token copied off a screen is soon useless."""
MAX_TOKEN_LENGTH = 600
"""Longer text in the URL is not a token of ours: it is refused before any decoding."""
SECRET_NAME = "session.key"
REVOKED_NAME = "sessions.json"
_CONTEXT = b"innopolis-matcher session v1\n"
"""Prefixed to what is signed, so the secret signs nothing else by accident."""
_SKEW_MS = 60_000
"""A token issued up to a minute in the future is accepted (clock adjustments), never more."""
_lock = threading.Lock()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionTokens:
    """Issues and checks the session tokens of one workspace (thread-safe; state in two owner-only files).

    Args:
        home: The workspace folder (created if missing).
        lifetime: Seconds a token lasts. A token also dies when the lifetime is shortened later: it is checked
            against the lifetime in force, not only the expiry it carries.
        clock: Seconds since the epoch (:func:`time.time`; a fake in tests).
    """

    def __init__(
        self, home: Path, *, lifetime: float = DEFAULT_LIFETIME_HOURS * 3600, clock: Callable[[], float] = time.time
    ) -> None:
        self.home = home
        self.lifetime = lifetime
        self.clock = clock

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _secret(self) -> bytes:
        """The workspace's secret, created on first use (exclusively: two sessions never make two)."""
        path = self.home / SECRET_NAME
        try:
            return bytes.fromhex(path.read_text(encoding="ascii").strip())
        except FileNotFoundError:
            pass
        except ValueError:
            logger.warning("%s is not a hexadecimal secret; making a new one (every session ends)", path)
            self.rotate()
            return self._secret()
        self.home.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another session made it a moment ago
            return bytes.fromhex(path.read_text(encoding="ascii").strip())
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32))
        logger.info("created the session secret %s", path)
        return bytes.fromhex(path.read_text(encoding="ascii").strip())

    def rotate(self) -> None:
        """Replaces the secret: every token issued so far stops working."""
        self.home.mkdir(parents=True, exist_ok=True)
        with _lock:
            write_private(self.home / SECRET_NAME, secrets.token_hex(32))
        logger.info("rotated the session secret of %s", self.home)

    def _not_before(self) -> dict[str, int]:
        path = self.home / REVOKED_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (ValueError, UnicodeDecodeError):
            logger.warning("%s cannot be read; tokens are checked without it until the next sign-out", path)
            return {}
        return {str(k): int(v) for k, v in data.items() if isinstance(v, int)} if isinstance(data, dict) else {}

    def revoke(self, name: str) -> None:
        """Ends every token issued to ``name`` until now (sign-out)."""
        self.home.mkdir(parents=True, exist_ok=True)
        with _lock:
            stamps = self._not_before()
            stamps[name] = self._now_ms()
            write_private(self.home / REVOKED_NAME, json.dumps(stamps, sort_keys=True))

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret(), _CONTEXT + payload, hashlib.sha256).digest()

    def issue(self, user: User) -> str:
        """A token for ``user``, valid for :attr:`lifetime` seconds (never valid before its issue time)."""
        # Issued strictly after the user's last sign-out, even within the same millisecond.
        issued = max(self._now_ms(), self._not_before().get(user.name, -1) + 1)
        expires = issued + int(self.lifetime * 1000)
        fields = [user.name, user.role, user.org_id or "", issued, expires]
        payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def verify(self, token: str) -> User | None:
        """The user a token was issued to, or None when it is malformed, forged, expired or revoked.

        The user is as the token says: the caller checks the account still exists with that role and organisation.
        """
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_LENGTH or token.count(".") != 1:
            return None
        encoded, signature = token.split(".")
        try:
            payload, given = _unb64(encoded), _unb64(signature)
        except (binascii.Error, ValueError):
            return None
        if not hmac.compare_digest(self._sign(payload), given):
            return None
        name, role, org_id, issued, expires = json.loads(payload)  # ours: signed, so well formed
        now = self._now_ms()
        if role not in ROLES or issued > now + _SKEW_MS or now >= min(expires, issued + self.lifetime * 1000):
            return None
        if issued <= self._not_before().get(name, -1):
            return None
        return User(name, role, org_id or None)
