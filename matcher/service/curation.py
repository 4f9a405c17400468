"""Curation: what people add to the data: feedback on suggestions, shortlists with stages and notes, notes on
organisations, and the exports of shortlists.

Who may do which is not decided here but in :mod:`matcher.policy`; this layer does it, once, for every front end.

Example:
    >>> curation = Curation(Context("/tmp/doc-curation"))
    >>> list_id = curation.create_shortlist("Seattle visit", owner="kim")
    >>> curation.shortlist_name(list_id)
    'Seattle visit'
"""

from __future__ import annotations

import logging

import pandas as pd

from ..errors import MatcherError, NotFoundError
from ..export import BriefEntry, BriefSection, brief_html, to_csv, to_xlsx
from .context import Context

__all__ = ["SHORTLIST_EXPORT_COLUMNS", "Curation"]

logger = logging.getLogger(__name__)

SHORTLIST_EXPORT_COLUMNS = {
    "profile_id": "id",
    "name": "organisation",
    "org_type": "type",
    "city": "city",
    "country": "country",
    "stage": "stage",
    "note": "note",
    "added_at": "added",
}
"""The columns of a shortlist export, from the store's name to the export's."""


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

    def create_shortlist(self, name: str, *, owner: str = "") -> int:
        """Creates a shortlist and returns its id."""
        return self.context.store.create_shortlist(name, owner=owner)

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
    ) -> None:
        """Adds an organisation to a shortlist, or changes its stage or note; with ``expected_note``, the note is
        saved only if the stored one is still that (see :meth:`matcher.store.Store.set_shortlist_entry`)."""
        self.context.store.set_shortlist_entry(
            shortlist_id, profile_id, stage=stage, note=note, expected_note=expected_note
        )

    def remove_shortlist_entry(self, shortlist_id: int, profile_id: str) -> None:
        """Takes an organisation off a shortlist."""
        self.context.store.remove_shortlist_entry(shortlist_id, profile_id)

    def shortlist_table(self, shortlist_id: int) -> pd.DataFrame:
        """A shortlist as an export table: organisation, place, type, stage, note, date added."""
        entries = self.shortlist_entries(shortlist_id)
        return entries.rename(columns=SHORTLIST_EXPORT_COLUMNS)[list(SHORTLIST_EXPORT_COLUMNS.values())]

    def shortlist_csv(self, shortlist_id: int) -> bytes:
        """The shortlist as CSV (formula-like text neutralised, see :func:`matcher.export.to_csv`)."""
        return to_csv(self.shortlist_table(shortlist_id))

    def shortlist_xlsx(self, shortlist_id: int) -> bytes:
        """The shortlist as an Excel workbook (no cell is ever a formula)."""
        return to_xlsx(self.shortlist_table(shortlist_id), sheet_name=self.shortlist_name(shortlist_id))

    def shortlist_brief(self, shortlist_id: int, *, prepared_by: str = "") -> str:
        """A printable HTML brief of the shortlist: each organisation's place, offers and needs, stage and note."""
        entries = self.shortlist_entries(shortlist_id)
        cards = []
        for entry in entries.itertuples():
            try:
                profile = self.context.profile(entry.profile_id)
            except MatcherError:  # deleted since it was shortlisted: list what the shortlist still knows
                profile = None
            details = (
                tuple(
                    (title, text)
                    for title, text in (("Offers", profile.offers), ("Seeks", profile.seeks),
                                        ("Website", profile.website or ""))
                    if text
                )
                if profile is not None
                else ()
            )
            cards.append(
                BriefEntry(
                    name=str(entry.name if isinstance(entry.name, str) else entry.profile_id),
                    city=str(entry.city or ""),
                    country=str(entry.country or ""),
                    org_type=str(entry.org_type or ""),
                    stage=(profile.stage or "") if profile is not None else "",
                    shortlist_stage=str(entry.stage),
                    notes=(entry.note,) if entry.note else (),
                    details=details,
                )
            )
        name = self.shortlist_name(shortlist_id)
        section = BriefSection(f"Shortlist: {name}", entries=tuple(cards))
        by = f" · prepared by {prepared_by}" if prepared_by else ""
        return brief_html(name, [section], subtitle=f"{len(cards)} organisations{by}")

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
