"""Curation: what people add to the data: feedback on suggestions, shortlists with stages and notes, notes on
organisations, and the exports of shortlists.

Who may do which is not decided here but in :mod:`matcher.policy`; this layer does it, once, for every front end.

Example:
    >>> import tempfile
    >>> curation = Curation(Context(tempfile.mkdtemp()))
    >>> list_id = curation.create_shortlist("Seattle visit", owner="kim")
    >>> curation.shortlist_name(list_id)
    'Seattle visit'
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

import pandas as pd

from ..catalogue import dismissed
from ..errors import InputError, MatcherError, NotFoundError
from ..export import BriefEntry, BriefSection, brief_html, prepared, readable, to_csv, to_xlsx
from ..schema import MAX_OWNER_CHARS, STAGES_BY_PURPOSE
from ..store import ShortlistSuggestion
from .context import Context

__all__ = ["CONTEXT_COLUMNS", "SHORTLIST_EXPORT_COLUMNS", "Curation", "ShortlistSuggestion"]

logger = logging.getLogger(__name__)

SHORTLIST_EXPORT_COLUMNS = (
    "organisation",
    "id",
    "type",
    "city",
    "country",
    "stage",
    "score",
    "suggested for",
    "reasons",
    "note",
    "added",
    "followed up by",
)
"""The columns of a shortlist table; the CSV and XLSX exports add the list's context (:data:`CONTEXT_COLUMNS`)."""

CONTEXT_COLUMNS = ("shortlist", "owner", "prepared by", "prepared on")
"""Whose list an exported row belongs to and when it was prepared: on every row, so it survives sorting and
copying rows into another sheet."""


def _local_date(stamp: object) -> str:
    """A stored UTC time stamp as the local calendar date (ISO), "" for none."""
    if not isinstance(stamp, str) or not stamp:
        return ""
    return dt.datetime.fromisoformat(stamp).astimezone().date().isoformat()


class Curation:
    """Feedback, shortlists and notes of one workspace.

    Args:
        context: The workspace.
    """

    def __init__(self, context: Context) -> None:
        self.context = context

    # Feedback ------------------------------------------------------------------------------------------------

    def add_feedback(
        self, asker_id: str, candidate_id: str, label: str, *, reason: str | None = None, user: str = ""
    ) -> None:
        """Records what ``user`` said of ``candidate_id`` as a suggestion for ``asker_id``.

        Raises:
            StoreError: An unknown label.
        """
        self.context.store.add_feedback(asker_id, candidate_id, label, reason=reason, user=user)

    def feedback(self, asker_id: str | None = None) -> pd.DataFrame:
        """Feedback given on this asker's suggestions (or everyone's), oldest first."""
        return self.context.store.feedback(asker_id)

    def dismissals(self, asker_id: str, *, by: str | None = None) -> pd.DataFrame:
        """The suggestions for ``asker_id`` hidden now, one row per person who hid each (``by``: one user only):
        ``candidate_id, name, user, reason, created_at``, newest first, each the dismissal that counts
        (:func:`matcher.catalogue.dismissed`, per person)."""
        feedback = self.context.store.feedback(asker_id)
        users = [by] if by is not None else list(dict.fromkeys(feedback["user"]))
        rows = []
        for user in users:
            live = feedback[(feedback["user"] == user) & feedback["restored_at"].isna()]
            for candidate in dismissed(live, by=user):
                rows.append(live[live["candidate_id"] == candidate].iloc[-1])
        columns = ["candidate_id", "name", "user", "reason", "created_at"]
        if not rows:
            return pd.DataFrame(columns=columns)
        names = self.context.store.profiles().set_index("id")["name"]
        frame = pd.DataFrame(rows).sort_values("id", ascending=False)
        frame["name"] = names.reindex(frame["candidate_id"]).fillna(frame["candidate_id"]).to_numpy()
        return frame[columns].reset_index(drop=True)

    def restore(self, asker_id: str, candidate_id: str, *, user: str) -> bool:
        """Takes back what ``user`` hid: ``candidate_id`` is suggested to ``asker_id`` again for that user. The
        dismissal stays on record, marked restored. Returns whether there was anything to restore."""
        return self.context.store.restore_feedback(asker_id, candidate_id, user=user) > 0

    # Partnerships --------------------------------------------------------------------------------------------

    def partners(self, profile_id: str) -> pd.DataFrame:
        """Known partners of one organisation: ``partner_id, name, city, country, kind, year, note``, newest first."""
        store = self.context.store
        edges = store.partnerships([profile_id])
        other = edges["target_id"].where(edges["source_id"] == profile_id, edges["source_id"])
        frame = edges.assign(partner_id=other)
        names = store.profiles().set_index("id")[["name", "city", "country"]]
        frame = frame.join(names, on="partner_id").sort_values("year", ascending=False, na_position="last")
        return frame[["partner_id", "name", "city", "country", "kind", "year", "note"]].reset_index(drop=True)

    # Shortlists ----------------------------------------------------------------------------------------------

    def shortlists(self) -> pd.DataFrame:
        """Every shortlist (``id, name, owner, created_at, entries``), newest first."""
        return self.context.store.shortlists()

    def create_shortlist(self, name: str, *, owner: str = "", purpose: str = "partners") -> int:
        """Creates a shortlist and returns its id: ``purpose`` ``partners`` (stages new ... agreement) or
        ``investment``, a city's pipeline of leads (stages :data:`~matcher.schema.INVESTMENT_STAGES`: identified,
        contacted, site visit, MoU, investment).

        Raises:
            InputError: An empty name or an unknown purpose.
            StoreError: A taken name.
        """
        return self.context.store.create_shortlist(name, owner=owner, purpose=purpose)

    def shortlist_purpose(self, shortlist_id: int) -> str:
        """What a shortlist collects: ``partners`` or ``investment``.

        Raises:
            NotFoundError: No shortlist has this id.
        """
        self.shortlist_name(shortlist_id)
        lists = self.shortlists()
        return str(lists.loc[lists["id"] == shortlist_id, "purpose"].iloc[0])

    def shortlist_stages(self, shortlist_id: int) -> tuple[str, ...]:
        """The stages an entry of this shortlist may be at, in order (by its purpose).

        Raises:
            NotFoundError: No shortlist has this id.
        """
        return STAGES_BY_PURPOSE[self.shortlist_purpose(shortlist_id)]

    def delete_shortlist(self, shortlist_id: int) -> None:
        """Deletes a shortlist and its entries."""
        self.shortlist_name(shortlist_id)  # an unknown id is an error, not a silent no-op
        self.context.store.delete_shortlist(shortlist_id)

    def shortlist_name(self, shortlist_id: int) -> str:
        """The name of a shortlist.

        Raises:
            NotFoundError: No shortlist has this id.
        """
        lists = self.shortlists()
        found = lists.loc[lists["id"] == shortlist_id, "name"]
        if found.empty:
            raise NotFoundError(f"no shortlist with id {shortlist_id}")
        return str(found.iloc[0])

    def shortlist_entries(self, shortlist_id: int) -> pd.DataFrame:
        """A shortlist's entries with the organisations' names and places."""
        return self.context.store.shortlist_entries(shortlist_id)

    def set_shortlist_entry(
        self,
        shortlist_id: int,
        profile_id: str,
        *,
        stage: str | None = None,
        note: str | None = None,
        expected_note: str | None = None,
        suggestion: ShortlistSuggestion | None = None,
        owner: str | None = None,
    ) -> None:
        """Adds an organisation to a shortlist, or changes its stage, note or owner; with ``expected_note``, the
        note is saved only if the stored one is still that (see :meth:`matcher.store.Store.set_shortlist_entry`).
        With ``suggestion`` (the organisation was shortlisted from a suggestion or a lead), its score and reasons
        go with it into the exports. The stage must be one of the list's (:meth:`shortlist_stages`); ``owner`` is
        the officer who follows the entry up, at most :data:`~matcher.schema.MAX_OWNER_CHARS` characters.

        Example:
            >>> import tempfile
            >>> curation = Curation(Context(tempfile.mkdtemp()))
            >>> pipeline = curation.create_shortlist("Daejeon leads", purpose="investment")
            >>> curation.set_shortlist_entry(pipeline, "gl-bio-015", owner="k" * 101)  # doctest: +ELLIPSIS
            Traceback (most recent call last):
            ...
            matcher.errors.InputError: the owner of an entry is a name of at most 100 characters; this one has 101...

        Raises:
            InputError: A stage its purpose does not have (the message names the ones it has), or an owner longer
                than :data:`~matcher.schema.MAX_OWNER_CHARS`.
            StoreError: An unknown shortlist, or a note changed meanwhile (with ``expected_note``).
        """
        if owner is not None and len(owner) > MAX_OWNER_CHARS:
            raise InputError(
                f"the owner of an entry is a name of at most {MAX_OWNER_CHARS} characters; this one has {len(owner)}: "
                "give a shorter name (or initials)"
            )
        self.context.store.set_shortlist_entry(
            shortlist_id,
            profile_id,
            stage=stage,
            note=note,
            expected_note=expected_note,
            suggestion=suggestion,
            owner=owner,
        )

    def remove_shortlist_entry(self, shortlist_id: int, profile_id: str) -> None:
        """Takes an organisation off a shortlist."""
        self.context.store.remove_shortlist_entry(shortlist_id, profile_id)

    def shortlist_owner(self, shortlist_id: int) -> str:
        """Who keeps a shortlist ("" for a list made without an owner).

        Raises:
            NotFoundError: No shortlist has this id.
        """
        self.shortlist_name(shortlist_id)
        lists = self.shortlists()
        return str(lists.loc[lists["id"] == shortlist_id, "owner"].iloc[0] or "")

    def _names(self, ids: Sequence[str]) -> dict[str, str]:
        """Display names of organisations; an id no longer in the store shows as itself."""
        names: dict[str, str] = {}
        for profile_id in dict.fromkeys(ids):
            try:
                names[profile_id] = self.context.profile(profile_id).name
            except MatcherError:
                names[profile_id] = profile_id
        return names

    def shortlist_table(self, shortlist_id: int) -> pd.DataFrame:
        """A shortlist as a table (:data:`SHORTLIST_EXPORT_COLUMNS`): organisation, readable type, place, stage,
        and, for entries shortlisted from a suggestion, whom it was suggested for, its score (2 decimals) and
        reasons; the note, the local date it was added, and the officer who follows it up.

        Example:
            >>> curation.shortlist_table(list_id).columns[:3].tolist()                 # doctest: +SKIP
            ['organisation', 'id', 'type']
        """
        entries = self.shortlist_entries(shortlist_id)
        suggested = [i for i in entries["suggested_for"] if isinstance(i, str)]
        names = self._names(suggested)
        table = pd.DataFrame(
            {
                "organisation": [n if isinstance(n, str) else i for n, i in zip(entries["name"], entries["profile_id"],
                                                                                 strict=True)],
                "id": entries["profile_id"],
                "type": [readable(t) for t in entries["org_type"]],
                "city": entries["city"],
                "country": entries["country"],
                "stage": entries["stage"],
                "score": [None if pd.isna(score) else round(float(score), 2) for score in entries["score"]],
                "suggested for": [names.get(i, "") if isinstance(i, str) else "" for i in entries["suggested_for"]],
                "reasons": entries["reasons"],
                "note": entries["note"],
                "added": [_local_date(stamp) for stamp in entries["added_at"]],
                "followed up by": [o if isinstance(o, str) else "" for o in entries["owner"]],
            },
            columns=list(SHORTLIST_EXPORT_COLUMNS),
        )
        return table.astype({"score": "Float64"})

    def _export_table(self, shortlist_id: int, prepared_by: str) -> pd.DataFrame:
        """The shortlist table with its context on every row (:data:`CONTEXT_COLUMNS`)."""
        context = (
            self.shortlist_name(shortlist_id),
            self.shortlist_owner(shortlist_id),
            prepared_by,
            dt.date.today().isoformat(),  # the local date: the reader's "today", not UTC's
        )
        table = self.shortlist_table(shortlist_id)
        return table.assign(**dict(zip(CONTEXT_COLUMNS, context, strict=True)))

    def shortlist_csv(self, shortlist_id: int, *, prepared_by: str = "") -> bytes:
        """The shortlist as CSV with its context (formula-like text neutralised, see :func:`matcher.export.to_csv`)."""
        return to_csv(self._export_table(shortlist_id, prepared_by))

    def shortlist_xlsx(self, shortlist_id: int, *, prepared_by: str = "") -> bytes:
        """The shortlist as an Excel workbook with its context (no cell is ever a formula)."""
        return to_xlsx(self._export_table(shortlist_id, prepared_by), sheet_name=self.shortlist_name(shortlist_id))

    def shortlist_brief(self, shortlist_id: int, *, prepared_by: str = "") -> str:
        """A printable HTML brief of the shortlist: whose list it is, for whom its suggestions were made, the local
        date; each organisation's readable type, place, offers and needs, stage, score, reasons and note, and (a
        pipeline's leads) the officer who follows it up."""
        entries = self.shortlist_entries(shortlist_id)
        for_names = self._names([i for i in entries["suggested_for"] if isinstance(i, str)])
        cards = []
        for entry in entries.itertuples():
            try:
                profile = self.context.profile(entry.profile_id)
            except MatcherError:  # deleted since it was shortlisted: list what the shortlist still knows
                profile = None
            facts = [("Offers", profile.offers), ("Seeks", profile.seeks), ("Website", profile.website or "")] if (
                profile is not None
            ) else []
            if isinstance(entry.suggested_for, str):
                facts.insert(0, ("Suggested for", for_names[entry.suggested_for]))
            if isinstance(entry.owner, str) and entry.owner:  # a pipeline's lead: who follows it up
                facts.insert(0, ("Followed up by", entry.owner))
            cards.append(
                BriefEntry(
                    name=str(entry.name if isinstance(entry.name, str) else entry.profile_id),
                    city=str(entry.city or ""),
                    country=str(entry.country or ""),
                    org_type=str(entry.org_type or ""),
                    stage=(profile.stage or "") if profile is not None else "",
                    shortlist_stage=str(entry.stage),
                    score=None if pd.isna(entry.score) else round(float(entry.score), 2),
                    reasons=tuple(entry.reasons),
                    notes=(entry.note,) if entry.note else (),
                    details=tuple((title, text) for title, text in facts if text),
                )
            )
        name = self.shortlist_name(shortlist_id)
        owner = self.shortlist_owner(shortlist_id)
        count = len(cards)
        subtitle = [f"{count} organisation{'' if count == 1 else 's'}"]
        if for_names:
            subtitle.append("suggested for " + ", ".join(for_names.values()))
        if owner:
            subtitle.append(f"list kept by {owner}")
        subtitle.append(prepared(prepared_by))
        section = BriefSection(f"Shortlist: {name}", entries=tuple(cards))
        return brief_html(name, [section], subtitle=" · ".join(subtitle))

    # Notes ---------------------------------------------------------------------------------------------------

    def notes(self, profile_id: str | None = None) -> pd.DataFrame:
        """Notes about an organisation (or all), newest first."""
        return self.context.store.notes(profile_id)

    def add_note(self, profile_id: str, text: str, *, author: str = "") -> int:
        """Adds a note signed by ``author`` and returns its id."""
        return self.context.store.add_note(profile_id, text, author=author)

    def delete_note(self, note_id: int) -> None:
        """Deletes a note."""
        self.context.store.delete_note(note_id)

    # Import log ----------------------------------------------------------------------------------------------

    def imports(self) -> pd.DataFrame:
        """The import log, newest first."""
        return self.context.store.imports()
