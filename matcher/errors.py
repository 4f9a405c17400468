"""The one exception root of the matcher, and its user-facing kinds.

Every error a user can cause (a bad file, an unknown id, a wrong password, a workspace that cannot be used)
derives from :class:`MatcherError`; its message says what went wrong and what to do, and the front ends (the
CLI's ``main``, the app's ``ui.errors``, the REST API) show it as such. Anything else escaping the core is a bug
and is reported as one. The kinds keep a built-in base where callers used to catch it (``KeyError`` for an
unknown id, ``PermissionError`` for access), so ``except KeyError`` still works.

Example:
    >>> try:
    ...     raise NotFoundError("no organisation with id 'x'")
    ... except MatcherError as error:
    ...     print(error)
    no organisation with id 'x'
"""

from __future__ import annotations

__all__ = [
    "USER_ERRORS",
    "AccessError",
    "InputError",
    "MatcherError",
    "NotFoundError",
    "StateError",
    "user_message",
]


class MatcherError(Exception):
    """A user-facing error: the message says what went wrong and what to do."""


class InputError(MatcherError, ValueError):
    """Something the user supplied (a file, an argument, a profile) cannot be used as it is."""


class NotFoundError(MatcherError, KeyError):
    """Something asked for by id (an organisation, a shortlist, a backup) does not exist."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class AccessError(MatcherError, PermissionError):
    """The signed-in user or key may not do this, or must wait before trying again."""


class StateError(MatcherError, RuntimeError):
    """The workspace is in a state that does not allow this (an index out of step, a store too new, a lock)."""


USER_ERRORS: tuple[type[Exception], ...] = (MatcherError, OSError)
"""What the front ends show as the user's problem (one line, no traceback): the matcher's own errors, and the
operating system's about files the user named (missing, unreadable, a folder). Anything else is a bug."""


def user_message(error: Exception) -> str:
    """The one line a front end shows for one of :data:`USER_ERRORS`.

    Example:
        >>> user_message(FileNotFoundError(2, "No such file or directory", "ids.txt"))
        'No such file or directory: ids.txt'
    """
    if isinstance(error, OSError) and not isinstance(error, MatcherError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return str(error)
