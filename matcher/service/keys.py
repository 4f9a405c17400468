"""API keys: who a REST client is, kept in the store as hashes only.

A key reads ``mk_<id>_<secret>``: ``id`` is 12 public hex digits that find the key's row, ``secret`` 32 random
bytes (URL-safe base64). The store keeps the SHA-256 of the whole key, never the key: whoever reads the database
(or a backup of it) cannot call the API. A presented key is checked against its row's hash in constant time
(:func:`hmac.compare_digest`); a revoked key stays listed, with the time it was revoked, and is refused at once by
every process that shares the store. Each key acts as a :class:`~matcher.auth.User` of its role, named after the
key, so the rules of :mod:`matcher.policy` apply to it as to a person signed in to the app.

A SHA-256 is enough here, where passwords need PBKDF2 (:mod:`matcher.auth`): the secret is 256 random bits, not
something a person chose, so there is nothing to guess from a stolen hash.

Example:
    >>> import tempfile
    >>> keys = KeyRing(Context(tempfile.mkdtemp()))
    >>> key, token = keys.create("crm-seattle", "officer")
    >>> user = keys.authenticate(token)
    >>> user.name, user.role, user.org_id
    ('crm-seattle', 'officer', None)
    >>> keys.revoke("crm-seattle").revoked
    True
    >>> keys.authenticate(token) is None
    True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..auth import ROLES, User, _check_name
from ..errors import InputError, NotFoundError
from .context import Context

__all__ = ["KEY_PREFIX", "ApiKey", "KeyRing", "key_id_of"]

logger = logging.getLogger(__name__)

KEY_PREFIX = "mk_"
"""How every key starts, so that a key pasted where it should not be is easy to find (secret scanners, logs)."""

_TOKEN = re.compile(r"^mk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
"""A well-formed key: the prefix, the 12-digit public id, and 32 bytes of URL-safe base64 without padding."""


def key_id_of(token: str) -> str | None:
    """The public id of a well-formed key (``mk_<key_id>_...``), None for anything else; says nothing of whether
    the key exists or works (:meth:`KeyRing.authenticate` does).

    Example:
        >>> key_id_of("mk_0123456789ab_" + "A" * 43), key_id_of("not a key")
        ('0123456789ab', None)
    """
    found = _TOKEN.fullmatch(token)
    return found.group(1) if found is not None else None



@dataclass(frozen=True)
class ApiKey:
    """One API key as listed (never the key itself, nor its hash).

    Attributes:
        name: The key's name; requests made with it act as a user of this name.
        role: ``officer`` or ``startup``.
        org_id: The organisation a startup key speaks for; None for officers.
        key_id: The public part of the key (``mk_<key_id>_...``), to tell keys apart in logs.
        created_at: When it was created (ISO 8601, UTC).
        revoked_at: When it was revoked, or None while it works.
    """

    name: str
    role: str
    org_id: str | None
    key_id: str
    created_at: str
    revoked_at: str | None = None

    @property
    def revoked(self) -> bool:
        """Whether the key no longer works."""
        return self.revoked_at is not None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _listed(row: Mapping[str, Any]) -> ApiKey:
    return ApiKey(row["name"], row["role"], row["org_id"], row["key_id"], row["created_at"], row["revoked_at"])


_DUMMY_HASH = _hash(KEY_PREFIX + "0" * 12 + "_" + "A" * 43)
"""Compared against when a key's id is unknown, so that an unknown and a wrong key cost the same."""


class KeyRing:
    """The API keys of one workspace's store.

    Args:
        context: The workspace.
    """

    def __init__(self, context: Context) -> None:
        self.context = context

    def create(self, name: str, role: str, org_id: str | None = None) -> tuple[ApiKey, str]:
        """Creates a key and returns it with the key itself, which is shown this once and never stored.

        A name whose key was revoked may be given again: the new key replaces the revoked one.

        Args:
            name: 1 to 64 letters, digits, spaces or ``. @ + - _`` (as user names).
            role: ``officer`` or ``startup``.
            org_id: The organisation a startup key speaks for (required for startups, refused for officers).

        Raises:
            InputError: A bad name or role, a startup key without an organisation, or an officer key with one.
            NotFoundError: ``org_id`` is not an organisation in the store.
            StateError: A working key already has this name.
        """
        name = _check_name(name)
        if role not in ROLES:
            raise InputError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
        if role == "startup" and not org_id:
            raise InputError("a startup key speaks for one organisation: give its id with --org-id")
        if role == "officer" and org_id:
            raise InputError("officer keys are not tied to one organisation: leave --org-id out")
        if org_id is not None:
            self.context.profile(org_id)
        key_id = secrets.token_hex(6)
        token = f"{KEY_PREFIX}{key_id}_{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip('=')}"
        key = ApiKey(name, role, org_id or None, key_id, _now())
        # A name taken by a working key is refused by the store (StoreError, a StateError).
        self.context.store.add_api_key(
            {"name": name, "key_id": key_id, "key_hash": _hash(token), "role": role, "org_id": key.org_id,
             "created_at": key.created_at}
        )
        logger.info("created %s API key %r (id %s)", role, name, key_id)
        return key, token

    def list(self) -> list[ApiKey]:
        """Every key, working and revoked, by name."""
        return [_listed(row) for row in self.context.store.api_keys()]

    def revoke(self, name: str) -> ApiKey:
        """Revokes a key: every request with it is refused from now on, in every process sharing the store.

        Raises:
            NotFoundError: No key has this name.
        """
        row = self.context.store.revoke_api_key(name)
        if row is None:
            raise NotFoundError(f"no API key named {name!r}; `matcher api-key list` shows them")
        logger.info("revoked API key %r (id %s)", name, row["key_id"])
        return _listed(row)

    def authenticate(self, token: str) -> User | None:
        """The user a key acts as, or None for a malformed, unknown or revoked key (all alike).

        Example:
            >>> import tempfile
            >>> KeyRing(Context(tempfile.mkdtemp())).authenticate("not a key") is None
            True
        """
        key_id = key_id_of(token)
        row = self.context.store.api_key(key_id) if key_id is not None else None
        stored = row["key_hash"] if row is not None else _DUMMY_HASH
        matches = hmac.compare_digest(_hash(token), stored)
        if row is None or not matches or row["revoked_at"] is not None:
            return None
        return User(row["name"], row["role"], row["org_id"])
