"""What one signed-in user may read and write: every page of the app goes through :class:`Access`.

The rules are enforced here, where the data is read, not by hiding widgets:

- officers read and write everything: profiles in full, notes, shortlists, imports, index builds;
- a startup user asks for suggestions for its own organisation only (as stored, or as it types it in), gives
  feedback on those, and sees the public fields of other profiles (:meth:`matcher.schema.Profile.visible_fields`)
  with reasons that quote only public text; notes, shortlists, imports and exports refuse it.

Example:
    >>> access = Access(matcher, User("startup", "startup", org_id="dj-bio-001"))   # doctest: +SKIP
    >>> access.notes("dj-bio-001")                                                 # doctest: +SKIP
    Traceback (most recent call last):
    matcher.auth.AccessDenied: notes are for investment officers only (startup is a startup user)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..api import MAX_K, BuildProgress, BuildReport, ImportReport, Matcher, MatcherError, SearchHit
from ..auth import AccessDenied, User, require_officer
from ..export import BriefEntry, BriefSection, brief_html, to_csv, to_xlsx
from ..filters import Filters
from ..rank import CrossCity, Match, Recommendations
from ..schedule import Schedule
from ..schema import FACETS, LIST_COLUMNS, PROFILE_REQUIRED, Facet, Profile
from ..store import StoreError
from ..vocab import ALLIANCE_CITIES

__all__ = ["FEEDBACK_REASONS", "Access", "facet_is_public", "redact_reasons"]

FEEDBACK_REASONS: tuple[str, ...] = ("wrong sector", "too early", "too big", "competitor", "already known", "other")
"""Why a suggestion is not relevant, as offered in the app."""

_EXPORT_COLUMNS = {
    "profile_id": "id",
    "name": "organisation",
    "org_type": "type",
    "city": "city",
    "country": "country",
    "stage": "stage",
    "note": "note",
    "added_at": "added",
}

_QUOTED = re.compile(r'"([^"]+?)(?:\.\.\.)?"')
_MIN_TERM = 3


def redact_reasons(
    reasons: Iterable[str],
    profile: Profile,
    visible: Iterable[str],
    *,
    asker: Profile | None = None,
    asker_visible: Iterable[str] = (),
) -> tuple[str, ...]:
    """Drops the reasons that quote a field of ``profile`` outside ``visible``, or a field of ``asker`` outside
    ``asker_visible``.

    A reason goes when one of its quoted phrases comes from a hidden text field, or when it names a hidden list
    item or the hidden stage. The test is on content, so it holds whatever the wording of the reasons. A reason
    speaks of two organisations (``theirs`` and ``yours``): give the asking or viewed organisation as ``asker``
    when the user may not see all of it, so that its hidden text is not quoted either.

    Example:
        >>> p = Profile(id="x", name="X", org_type="company", city="Seattle", country="US",
        ...             offers="Secret pilot line", technologies=("EUV",))
        >>> redact_reasons(['Their offer "Secret pilot line" meets your need "a fab".', "Both name EUV.",
        ...                 "Different city: Seattle (US)."], p, ("name", "city", "country"))
        ('Different city: Seattle (US).',)
    """
    hidden_texts: list[str] = []
    hidden_terms: set[str] = set()
    sides = [(profile, set(visible))]
    if asker is not None:
        sides.append((asker, set(asker_visible)))
    for side, shown in sides:
        texts, terms = _hidden_content(side, shown)
        hidden_texts.extend(texts)
        hidden_terms |= terms
    kept = []
    for reason in reasons:
        folded = reason.casefold()
        quotes = [q.casefold().strip() for q in _QUOTED.findall(reason)]
        if any(q and q in text for q in quotes for text in hidden_texts):
            continue
        if any(term in folded for term in hidden_terms):
            continue
        kept.append(reason)
    return tuple(kept)


def _hidden_content(profile: Profile, visible: set[str]) -> tuple[list[str], set[str]]:
    """The hidden text fields (folded) and hidden list items and stage (folded) of ``profile``."""
    texts = [
        str(getattr(profile, name)).casefold()
        for name in ("description", "offers", "seeks")
        if name not in visible and getattr(profile, name)
    ]
    terms = {
        item.casefold()
        for name in LIST_COLUMNS
        if name not in visible and name != "public_fields"
        for item in getattr(profile, name)
        if len(item) >= _MIN_TERM
    }
    if "stage" not in visible and profile.stage:
        terms.add(profile.stage.replace("_", " ").casefold())
    return texts, terms


def facet_is_public(profile: Profile, facet: str, visible: Iterable[str]) -> bool:
    """Whether every field that ``facet``'s embedded text is made of (:meth:`matcher.schema.Profile.text`) is in
    ``visible``: ``offers`` and ``seeks`` are their own field; ``profile`` holds the name, type and place (always
    shown) and the sectors, tags, description and technologies. A search on a facet that is not public would
    rank the organisation by its hidden text."""
    shown = set(visible)
    if facet in ("offers", "seeks"):
        return facet in shown or not getattr(profile, facet)
    return all(name in shown or not getattr(profile, name) for name in _PROFILE_FACET_FIELDS)


_PROFILE_FACET_FIELDS = ("sectors", "tags", "description", "technologies")


class Access:
    """The matcher as one user may use it.

    Args:
        matcher: The workspace's matcher.
        user: The signed-in user.
    """

    def __init__(self, matcher: Matcher, user: User) -> None:
        self.matcher = matcher
        self.user = user

    # Profiles ------------------------------------------------------------------------------------------------

    def visible_fields(self, profile: Profile) -> tuple[str, ...]:
        """Fields of ``profile`` this user may see: all for officers and for a startup's own profile; else the
        profile's public fields, plus who it is (id, name, type, place), which every suggestion shows anyway."""
        if self.user.is_officer or profile.id == self.user.org_id:
            return tuple(profile.to_dict())
        return tuple(dict.fromkeys([*PROFILE_REQUIRED, *profile.visible_fields()]))

    def profile(self, profile_id: str) -> dict[str, Any]:
        """The fields of one profile this user may see.

        Raises:
            NotFoundError: No profile has this id.
        """
        profile = self.matcher.profile(profile_id)
        values = profile.to_dict()
        return {name: values[name] for name in self.visible_fields(profile)}

    def partnerships(self, profile_id: str) -> pd.DataFrame:
        """Known partners of one organisation: ``partner_id, name, city, country, kind, year`` (and ``note`` for
        officers), newest first."""
        edges = self.matcher.partnerships(profile_id)
        other = edges["target_id"].where(edges["source_id"] == profile_id, edges["source_id"])
        frame = edges.assign(partner_id=other)
        names = self.matcher.profiles().set_index("id")[["name", "city", "country"]]
        frame = frame.join(names, on="partner_id").sort_values("year", ascending=False, na_position="last")
        columns = ["partner_id", "name", "city", "country", "kind", "year"]
        return frame[[*columns, "note"] if self.user.is_officer else columns].reset_index(drop=True)

    # Suggestions ---------------------------------------------------------------------------------------------

    def _check_asker(self, query: str | Profile) -> None:
        asker = query if isinstance(query, str) else query.id
        if not self.user.is_officer and asker != self.user.org_id:
            raise AccessDenied(
                f"{self.user.name} may ask for suggestions for its own organisation ({self.user.org_id}) only"
            )

    def _redacted(self, matches: Sequence[Match], asker: str | Profile | None = None) -> list[Match]:
        """``matches`` with the reasons that quote a field this user may not see left out: a field of the
        candidate, or of ``asker`` (the organisation asked about, whose text reasons quote as "yours")."""
        if self.user.is_officer:
            return list(matches)
        asking = self.matcher.profile(asker) if isinstance(asker, str) else asker
        asking_visible = self.visible_fields(asking) if asking is not None else ()
        out = []
        for match in matches:
            profile = self.matcher.profile(match.id)
            reasons = redact_reasons(
                match.reasons, profile, self.visible_fields(profile), asker=asking, asker_visible=asking_visible
            )
            out.append(replace(match, reasons=reasons))
        return out

    def recommend(
        self,
        query: str | Profile,
        *,
        k: int = 10,
        filters: Filters | None = None,
        other_city_only: bool = True,
    ) -> Recommendations:
        """Suggested partners for an organisation (an id, or a profile typed in), existing partners apart.

        Raises:
            AccessDenied: A startup user asked for another organisation.
        """
        self._check_asker(query)
        cross_city: CrossCity = "other_city" if other_city_only else "any"
        # The API leaves out what an asker dismissed for stored organisations; a typed-in profile speaks for the
        # same asker (its id), so its dismissals are left out here too.
        dismissed = self.matcher.dismissed(query.id) if isinstance(query, Profile) else set()
        found = self.matcher.recommend(query, k=k + len(dismissed), filters=filters, cross_city=cross_city)
        results = [m for m in found.results if m.id not in dismissed][:k]
        return replace(
            found,
            results=self._redacted(results, query),
            existing_partners=self._redacted(found.existing_partners, query),
        )

    def similar(self, profile_id: str, *, k: int = 10, filters: Filters | None = None) -> list[Match]:
        """Organisations like this one in other cities."""
        return self._redacted(self.matcher.similar(profile_id, k=k, filters=filters).results, profile_id)

    def search(
        self, text: str, *, k: int = 20, filters: Filters | None = None, facets: Sequence[Facet] = ("profile", "offers")
    ) -> list[SearchHit]:
        """Free-text search (see :meth:`matcher.api.Matcher.search`); results name who matched, nothing more.

        A startup user's search matches each organisation only on the facets whose text it may see
        (:func:`facet_is_public`): otherwise the ranking would tell how close a hidden text is to the query. Each
        facet is searched apart, hits on a hidden facet are dropped, and the search asks again, deeper, until
        ``k`` organisations come back or no more match.
        """
        if self.user.is_officer or k == 0 or not facets or set(facets) - set(FACETS):
            return self.matcher.search(text, k=k, filters=filters, facets=facets)  # raises on bad arguments
        best: dict[str, SearchHit] = {}
        public: dict[tuple[str, str], bool] = {}
        for facet in dict.fromkeys(facets):
            ask = k
            while True:
                hits = self.matcher.search(text, k=ask, filters=filters, facets=(facet,))
                kept = []
                for hit in hits:
                    if (hit.id, facet) not in public:
                        profile = self.matcher.profile(hit.id)
                        public[hit.id, facet] = facet_is_public(profile, facet, self.visible_fields(profile))
                    if public[hit.id, facet]:
                        kept.append(hit)
                if len(kept) >= k or len(hits) < ask or ask >= MAX_K:
                    break
                ask = min(MAX_K, ask * 4)
            for hit in kept[:k]:
                if hit.id not in best or hit.score > best[hit.id].score:
                    best[hit.id] = hit
        return sorted(best.values(), key=lambda hit: -hit.score)[:k]

    def add_feedback(self, asker_id: str, candidate_id: str, label: str, reason: str | None = None) -> None:
        """Records what this user said of a suggestion; a startup only of suggestions for itself.

        Raises:
            AccessDenied: A startup user gave feedback for another organisation.
            StoreError: An unknown label.
        """
        self._check_asker(asker_id)
        self.matcher.store.add_feedback(asker_id, candidate_id, label, reason=reason, user=self.user.name)

    def feedback(self, asker_id: str) -> pd.DataFrame:
        """Feedback given on this asker's suggestions, oldest first.

        Raises:
            AccessDenied: A startup user asked about another organisation.
        """
        self._check_asker(asker_id)
        return self.matcher.store.feedback(asker_id)

    def feedback_version(self, asker_id: str) -> int:
        """How many feedback rows this asker has: changes whenever feedback that may change its list is given."""
        return len(self.feedback(asker_id))

    # Officers only -------------------------------------------------------------------------------------------

    def pair_scores(self, visitors: Sequence[str], hosts: Sequence[str]) -> np.ndarray:
        """Reciprocal scores of every visitor with every host, ``(len(visitors), len(hosts))``: the harmonic mean
        of the two fits, as the ranking scores them; 0 where the visitor marked the host not relevant.

        Raises:
            AccessDenied: The user is not an officer (planning delegations is an officers' task).
            KeyError: An id is not in the catalogue.
        """
        require_officer(self.user, "delegation plans")
        scores = self.matcher.pair_scores(visitors, hosts).score
        for i, visitor in enumerate(visitors):
            dismissed = self.matcher.dismissed(visitor)
            scores[i, [j for j, host in enumerate(hosts) if host in dismissed]] = 0.0
        return scores

    def meeting_reasons(self, plan: Schedule) -> dict[tuple[str, str], str]:
        """The first reason of each planned pair, as the visitor's own suggestions would give it
        (:meth:`matcher.api.Matcher.explain_pairs`).

        Returns:
            A reason per ``(visitor_id, host_id)`` meeting that has one (:meth:`matcher.schedule.Schedule.with_reasons`
            states the band and score of the others).

        Raises:
            AccessDenied: The user is not an officer.
        """
        require_officer(self.user, "delegation plans")
        met: dict[str, list[str]] = {}
        for m in plan.meetings:
            met.setdefault(m.visitor_id, []).append(m.host_id)
        reasons: dict[tuple[str, str], str] = {}
        for visitor, hosts in met.items():
            for host, given in self.matcher.explain_pairs(visitor, hosts).items():
                if given:
                    reasons[(visitor, host)] = given[0]
        return reasons

    def suggested_city_pairs(self, *, sample: int, k: int, seed: int = 0) -> pd.DataFrame:
        """Where suggestions go: for the top ``k`` suggestions of a fixed random sample of ``sample`` alliance
        organisations, the asker's city and the suggested partner's city.

        Returns:
            Columns ``source_city, target_city``, one row per suggestion.

        Raises:
            AccessDenied: The user is not an officer.
        """
        require_officer(self.user, "insights")
        profiles = self.matcher.profiles()
        places = {city.casefold() for city in ALLIANCE_CITIES}
        alliance = profiles[profiles["city"].str.casefold().isin(places)]
        askers = alliance.sample(n=min(sample, len(alliance)), random_state=seed)["id"].tolist()
        city = dict(zip(profiles["id"], profiles["city"], strict=True))
        # Each asker's own list, as it would see it; flows need no reasons, and writing them is the slow part.
        found = self.matcher.recommend_many(askers, k=k, exposure_cap=None, explain=False)
        rows = [(city[recs.query], match.city) for recs in found for match in recs.results]
        return pd.DataFrame(rows, columns=["source_city", "target_city"])

    def shortlists(self) -> pd.DataFrame:
        """Every shortlist (``id, name, owner, created_at, entries``), newest first."""
        require_officer(self.user, "shortlists")
        return self.matcher.store.shortlists()

    def create_shortlist(self, name: str) -> int:
        """Creates a shortlist owned by this officer and returns its id."""
        require_officer(self.user, "shortlists")
        return self.matcher.store.create_shortlist(name, owner=self.user.name)

    def delete_shortlist(self, shortlist_id: int) -> None:
        """Deletes a shortlist and its entries."""
        require_officer(self.user, "shortlists")
        self.matcher.store.delete_shortlist(shortlist_id)

    def shortlist_entries(self, shortlist_id: int) -> pd.DataFrame:
        """A shortlist's entries with the organisations' names and places."""
        require_officer(self.user, "shortlists")
        return self.matcher.store.shortlist_entries(shortlist_id)

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
        require_officer(self.user, "shortlists")
        self.matcher.store.set_shortlist_entry(
            shortlist_id, profile_id, stage=stage, note=note, expected_note=expected_note
        )

    def remove_shortlist_entry(self, shortlist_id: int, profile_id: str) -> None:
        """Takes an organisation off a shortlist."""
        require_officer(self.user, "shortlists")
        self.matcher.store.remove_shortlist_entry(shortlist_id, profile_id)

    def shortlist_table(self, shortlist_id: int) -> pd.DataFrame:
        """A shortlist as an export table: organisation, place, type, stage, note, date added."""
        entries = self.shortlist_entries(shortlist_id)
        return entries.rename(columns=_EXPORT_COLUMNS)[list(_EXPORT_COLUMNS.values())]

    def shortlist_csv(self, shortlist_id: int) -> bytes:
        """The shortlist as CSV (formula-like text neutralised, see :func:`matcher.export.to_csv`)."""
        return to_csv(self.shortlist_table(shortlist_id))

    def shortlist_xlsx(self, shortlist_id: int) -> bytes:
        """The shortlist as an Excel workbook (no cell is ever a formula)."""
        return to_xlsx(self.shortlist_table(shortlist_id), sheet_name=self._shortlist_name(shortlist_id))

    def shortlist_brief(self, shortlist_id: int) -> str:
        """A printable HTML brief of the shortlist: each organisation's place, offers and needs, stage and note."""
        entries = self.shortlist_entries(shortlist_id)
        cards = []
        for entry in entries.itertuples():
            try:
                profile = self.matcher.profile(entry.profile_id)
            except MatcherError:  # deleted since it was shortlisted: list what the shortlist still knows
                profile = None
            details = (
                tuple((title, text) for title, text in (("Offers", profile.offers), ("Seeks", profile.seeks),
                                                         ("Website", profile.website or "")) if text)
                if profile is not None else ()
            )
            cards.append(BriefEntry(
                name=str(entry.name if isinstance(entry.name, str) else entry.profile_id),
                city=str(entry.city or ""), country=str(entry.country or ""), org_type=str(entry.org_type or ""),
                stage=(profile.stage or "") if profile is not None else "", shortlist_stage=str(entry.stage),
                notes=(entry.note,) if entry.note else (), details=details,
            ))
        name = self._shortlist_name(shortlist_id)
        section = BriefSection(f"Shortlist: {name}", entries=tuple(cards))
        return brief_html(name, [section], subtitle=f"{len(cards)} organisations · prepared by {self.user.name}")

    def _shortlist_name(self, shortlist_id: int) -> str:
        lists = self.shortlists()
        found = lists.loc[lists["id"] == shortlist_id, "name"]
        if found.empty:
            raise StoreError(f"no shortlist with id {shortlist_id}")
        return str(found.iloc[0])

    def notes(self, profile_id: str) -> pd.DataFrame:
        """Officers' notes about an organisation, newest first."""
        require_officer(self.user, "notes")
        return self.matcher.store.notes(profile_id)

    def add_note(self, profile_id: str, text: str) -> int:
        """Adds a note signed by this officer."""
        require_officer(self.user, "notes")
        return self.matcher.store.add_note(profile_id, text, author=self.user.name)

    def delete_note(self, note_id: int) -> None:
        """Deletes a note."""
        require_officer(self.user, "notes")
        self.matcher.store.delete_note(note_id)

    def import_file(self, kind: str, path: Path) -> ImportReport:
        """Imports a ``profiles`` or ``partnerships`` file."""
        require_officer(self.user, "imports")
        if kind == "profiles":
            return self.matcher.import_profiles(path)
        if kind == "partnerships":
            return self.matcher.import_partnerships(path)
        raise ValueError(f"unknown import kind {kind!r}; use profiles or partnerships")

    def imports(self) -> pd.DataFrame:
        """The import log, newest first."""
        require_officer(self.user, "imports")
        return self.matcher.store.imports()

    def build(self, progress: BuildProgress | None = None) -> BuildReport:
        """Brings the index up to date."""
        require_officer(self.user, "index builds")
        return self.matcher.build(progress=progress)
