"""Profile editing: an organisation's own account keeps its profile, validated exactly as an import row is, with a
change history (who, when, which field, old and new value).

Saving changes the profile's content hash, so the next search or suggestion re-embeds it
(:meth:`matcher.service.indexing.Indexer.current` brings the index in step with the store).

Example:
    >>> editor = Profiles(Context("/tmp/doc-profiles"))                                  # doctest: +SKIP
    >>> editor.edit("dj-bio-001", {"seeks": "GMP fill-finish for ADCs"}, user="hanbit").changed  # doctest: +SKIP
    ('seeks',)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import InputError, NotFoundError
from ..schema import PROFILE_COLUMNS, Profile
from ..validate import validate_profiles
from .context import Context

__all__ = ["EDITABLE_FIELDS", "ProfileEdit", "Profiles"]

logger = logging.getLogger(__name__)

EDITABLE_FIELDS: tuple[str, ...] = tuple(
    name for name in PROFILE_COLUMNS if name not in ("id", "org_type", "city", "country")
)
"""What an organisation's own account may change: everything but its id, type and place (which decide who it may
be matched with; officers change those by import)."""


@dataclass(frozen=True)
class ProfileEdit:
    """What one save did.

    Attributes:
        changed: The fields whose stored value changed (none when the edit changed nothing).
        warnings: What validation had to say of the kept values (sector tags kept as free tags, say).
    """

    changed: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def _as_text(value: Any) -> str:
    """A field's value as the history shows it: lists joined by "; ", nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return "; ".join(str(item) for item in value)
    return str(value)


class Profiles:
    """Profile edits and their history in one workspace.

    Args:
        context: The workspace.
    """

    def __init__(self, context: Context) -> None:
        self.context = context

    def edit(self, profile_id: str, changes: Mapping[str, Any], *, user: str) -> ProfileEdit:
        """Validates the stored profile with ``changes`` applied as an import row (:func:`matcher.validate.
        validate_profiles`) and saves it with one history row per changed field.

        Args:
            profile_id: The profile to change.
            changes: New values by field (lists as tuples, lists or ``;``-separated text; numbers as numbers or
                text); only :data:`EDITABLE_FIELDS`.
            user: Who edits, for the history.

        Raises:
            NotFoundError: No profile has this id.
            InputError: A field that may not be edited, or a value validation rejects (every reason at once).
        """
        stored = self.context.store.get_profile(profile_id)
        if stored is None:
            raise NotFoundError(f"no profile with id {profile_id!r}; pick one from the list or import it first")
        refused = sorted(set(changes) - set(EDITABLE_FIELDS))
        if refused:
            raise InputError(
                f"these fields cannot be edited here: {', '.join(refused)}; ask an investment officer to change them"
            )
        row = {**stored.to_dict(), **changes, "id": profile_id, "_row": 1}
        frame = pd.DataFrame([row]).astype(object)
        checked = validate_profiles(frame.where(frame.notna(), None))
        if checked.rejected:
            raise InputError(f"the profile was not saved: {checked.rejected[0].reason}")
        saved = Profile.from_mapping(checked.valid.iloc[0].to_dict())
        before, after = stored.to_dict(), saved.to_dict()
        diff = [
            (name, _as_text(before[name]), _as_text(after[name]))
            for name in PROFILE_COLUMNS
            if _as_text(before[name]) != _as_text(after[name])
        ]
        if diff:
            self.context.store.edit_profile(checked.valid.iloc[0].drop("_row").to_dict(), diff, user=user)
            logger.info("%s edited %s: %s", user, profile_id, ", ".join(name for name, _, _ in diff))
        return ProfileEdit(tuple(name for name, _, _ in diff), tuple(w.reason for w in checked.warnings))

    def history(self, profile_id: str) -> pd.DataFrame:
        """Who changed which field of this profile, when, from what to what: ``changed_at, user, field, old, new``,
        newest first."""
        return self.context.store.profile_changes(profile_id)[["changed_at", "user", "field", "old", "new"]]
