"""Roles and redaction: what one signed-in user (or API key) may read and write, enforced in one place.

Every front end that acts for a person (the app's pages, the REST API) goes through :class:`Access`, which wraps
a :class:`~matcher.api.Matcher` and never touches the store. The rules are enforced here, where the data is read,
not by hiding widgets:

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .alerts import AlertCandidate, owner_of
from .api import MAX_K, BuildProgress, BuildReport, ImportReport, Matcher, SearchHit
from .attract import Beneficiary, CityFits, ClusterView, Gaps, Lead, Leads, Strategy
from .auth import AccessDenied, User, require_officer
from .bands import BandScale, Calibration
from .catalogue import CrossCity
from .embed import QueryReading
from .errors import InputError
from .filters import Filters
from .learn import TrainResult
from .rank import Match, Recommendations
from .schedule import Availability, Capacity, Schedule
from .schema import FACETS, LIST_COLUMNS, PROFILE_REQUIRED, TEXT_COLUMNS, Facet, Profile
from .service.alerts import Alert, CheckReport, SavedSearch
from .service.curation import ShortlistSuggestion
from .service.profiles import ProfileEdit
from .vocab import ALLIANCE_CITIES, SECTOR_LABELS

__all__ = ["FEEDBACK_REASONS", "Access", "alert_view", "check_alerts", "facet_is_public", "redact_reasons"]

FEEDBACK_REASONS: tuple[str, ...] = ("wrong sector", "too early", "too big", "competitor", "already known", "other")
"""Why a suggestion is not relevant, as offered in the app."""

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
        for name in TEXT_COLUMNS
        if name not in visible and getattr(profile, name)
    ]
    terms = {
        item.casefold()
        for name in LIST_COLUMNS
        if name not in visible and name != "public_fields"
        for item in getattr(profile, name)
        if len(item) >= _MIN_TERM
    }
    if "sectors" not in visible:  # reasons name sectors by their labels ("Both work in antibody-drug conjugates.")
        terms |= {SECTOR_LABELS.get(sector, sector).casefold() for sector in profile.sectors}
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
        key_id: The public id of the API key the user is (None for an app account): saved searches, alerts and
            alert channels belong to the key, never to an app account of the same name (:attr:`owner`).
    """

    def __init__(self, matcher: Matcher, user: User, *, key_id: str | None = None) -> None:
        self.matcher = matcher
        self.user = user
        self.key_id = key_id

    def remember_language(self, language: str) -> None:
        """Keeps the language this user chose for their next sign-in (every user may set their own)."""
        self.matcher.admin.set_language(self.user.name, language)

    @property
    def calibration(self) -> Calibration:
        """The band floors and reason thresholds of the workspace's encoder (:attr:`matcher.api.Matcher.calibration`),
        for every user: they say what the bands shown to everyone mean and hide nothing about any profile."""
        return self.matcher.calibration

    def search_bands(self, text: str) -> BandScale:
        """The bands a search for ``text`` is read with (:meth:`matcher.api.Matcher.search_bands`): like
        :attr:`calibration`, the same for every user."""
        return self.matcher.search_bands(text)

    def read_search(self, text: str) -> QueryReading:
        """How a search for ``text`` is read (:meth:`matcher.api.Matcher.read_search`): the user's own text, read
        through the packaged glossary, the same for every user."""
        return self.matcher.read_search(text)

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

    def profiles(
        self, filters: Filters | None = None, *, after: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Profiles passing ``filters``, sorted by id, each as the fields this user may see.

        A startup user's filters see what it sees: a profile passes only on its visible values, so that a filter
        on a field a profile hides (its sectors, stage or head count) never tells that field's value.

        Args:
            filters: Which profiles.
            after: Only ids after this one (a page's last id, for the next page).
            limit: At most this many.

        Example:
            >>> [row["id"] for row in access.profiles(Filters(country=("KR",)), limit=2)]   # doctest: +SKIP
            ['dj-bio-001', 'dj-bio-002']
        """
        filters = filters or Filters()
        frame = self.matcher.profiles(filters)
        if after is not None:
            frame = frame[frame["id"] > after]
        rows: list[dict[str, Any]] = []
        for record in frame.to_dict("records"):
            if limit is not None and len(rows) >= limit:
                break
            profile = Profile.from_mapping(record)
            if self._passes_as_shown(filters, profile):
                rows.append({name: getattr(profile, name) for name in self.visible_fields(profile)})
        return rows

    def _passes_as_shown(self, filters: Filters | None, profile: Profile) -> bool:
        """Whether ``profile`` passes ``filters`` on the fields this user sees: a filter on a field the profile hides
        from the user (sectors, stage, head count) must not tell its value by letting the profile through."""
        if self.user.is_officer or filters is None or filters.is_empty():
            return True
        shown = Profile.from_mapping({name: getattr(profile, name) for name in self.visible_fields(profile)})
        return bool(filters.mask(pd.DataFrame([shown.to_dict()]))[0])

    def _shown(self, matches: Sequence[Match], filters: Filters | None) -> list[Match]:
        """``matches`` that pass ``filters`` on what this user sees (see :meth:`_passes_as_shown`)."""
        if self.user.is_officer or filters is None or filters.is_empty():
            return list(matches)
        return [match for match in matches if self._passes_as_shown(filters, self.matcher.profile(match.id))]

    def upsert_profile(self, record: Mapping[str, Any]) -> ImportReport:
        """Creates or replaces one profile, validated as an import's rows are
        (:meth:`matcher.service.importing.Importer.upsert`); the report lists every reason it was rejected.

        Raises:
            AccessDenied: The user is not an officer.
        """
        require_officer(self.user, "profile edits")
        return self.matcher.importer.upsert([record], source=f"api:{self.user.name}")

    def delete_profile(self, profile_id: str) -> None:
        """Deletes one profile and its partnerships.

        Raises:
            AccessDenied: The user is not an officer.
            NotFoundError: No profile has this id.
        """
        require_officer(self.user, "profile edits")
        self.matcher.profile(profile_id)
        self.matcher.importer.delete([profile_id])

    def partnerships(self, profile_id: str) -> pd.DataFrame:
        """Known partners of one organisation: ``partner_id, name, city, country, kind, year`` (and ``note`` for
        officers), newest first."""
        partners = self.matcher.curation.partners(profile_id)
        return partners if self.user.is_officer else partners.drop(columns="note")

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
        """Suggested partners for an organisation (an id, or a profile typed in), existing partners apart; what this
        user marked "not relevant" for it stays out, what others did does not
        (:meth:`matcher.service.matching.Matching.recommend`). A startup user's filters
        apply to what it sees, so a list filtered on a field some profiles hide may hold fewer than ``k``.

        Raises:
            AccessDenied: A startup user asked for another organisation.
        """
        self._check_asker(query)
        cross_city: CrossCity = "other_city" if other_city_only else "any"
        found = self.matcher.matching.recommend(
            query, k=k, filters=filters, cross_city=cross_city, dismissed_by=self.user.name
        )
        return replace(
            found,
            results=self._redacted(self._shown(found.results, filters), query),
            existing_partners=self._redacted(self._shown(found.existing_partners, filters), query),
        )

    def similar(self, profile_id: str, *, k: int = 10, filters: Filters | None = None) -> list[Match]:
        """Organisations like this one in other cities (a startup user's filters apply to what it sees)."""
        found = self.matcher.similar(profile_id, k=k, filters=filters).results
        return self._redacted(self._shown(found, filters), profile_id)

    def search(
        self,
        text: str,
        *,
        k: int = 20,
        filters: Filters | None = None,
        facets: Sequence[Facet] = ("profile", "offers"),
        kinds_first: bool = True,
    ) -> list[SearchHit]:
        """Free-text search (see :meth:`matcher.api.Matcher.search`); results name who matched, nothing more.

        A startup user's search matches each organisation only on the facets whose text it may see
        (:func:`facet_is_public`): otherwise the ranking would tell how close a hidden text is to the query. Each
        facet is searched apart, hits on a hidden facet (or passing ``filters`` only on a hidden field) are dropped,
        and the search asks again, deeper, until ``k`` organisations come back or no more match. The merged hits
        keep the search's order: those it lists first (named, or of a kind asked for), then by score.
        """
        if self.user.is_officer or k == 0 or not facets or set(facets) - set(FACETS):
            return self.matcher.search(text, k=k, filters=filters, facets=facets, kinds_first=kinds_first)
        best: dict[str, SearchHit] = {}
        public: dict[tuple[str, str], bool] = {}
        for facet in dict.fromkeys(facets):
            ask = k
            while True:
                hits = self.matcher.search(text, k=ask, filters=filters, facets=(facet,), kinds_first=kinds_first)
                kept = []
                for hit in hits:
                    if (hit.id, facet) not in public:
                        profile = self.matcher.profile(hit.id)
                        public[hit.id, facet] = facet_is_public(
                            profile, facet, self.visible_fields(profile)
                        ) and self._passes_as_shown(filters, profile)
                    if public[hit.id, facet]:
                        kept.append(hit)
                if len(kept) >= k or len(hits) < ask or ask >= MAX_K:
                    break
                ask = min(MAX_K, ask * 4)
            for hit in kept[:k]:
                if hit.id not in best or hit.score > best[hit.id].score:
                    best[hit.id] = hit
        return sorted(best.values(), key=lambda hit: (not hit.listed_first, -hit.score))[:k]

    def add_feedback(self, asker_id: str, candidate_id: str, label: str, reason: str | None = None) -> None:
        """Records what this user said of a suggestion; a startup only of suggestions for itself.

        Raises:
            AccessDenied: A startup user gave feedback for another organisation.
            StoreError: An unknown label.
        """
        self._check_asker(asker_id)
        self.matcher.curation.add_feedback(asker_id, candidate_id, label, reason=reason, user=self.user.name)

    def feedback(self, asker_id: str) -> pd.DataFrame:
        """Feedback given on this asker's suggestions, oldest first: everyone's for officers, a startup's own.

        Raises:
            AccessDenied: A startup user asked about another organisation.
        """
        self._check_asker(asker_id)
        rows = self.matcher.curation.feedback(asker_id)
        return rows if self.user.is_officer else rows[rows["user"] == self.user.name].reset_index(drop=True)

    def dismissals(self, asker_id: str) -> pd.DataFrame:
        """Suggestions for this asker hidden now (``candidate_id, name, user, reason, created_at``, newest first):
        everyone's, with who and when, for officers; a startup's own.

        Raises:
            AccessDenied: A startup user asked about another organisation.
        """
        self._check_asker(asker_id)
        by = None if self.user.is_officer else self.user.name
        return self.matcher.curation.dismissals(asker_id, by=by)

    def restore(self, asker_id: str, candidate_id: str) -> bool:
        """Shows again a suggestion this user hid (what others hid stays theirs); whether anything was hidden.

        Raises:
            AccessDenied: A startup user asked about another organisation.
        """
        self._check_asker(asker_id)
        return self.matcher.curation.restore(asker_id, candidate_id, user=self.user.name)

    # Self-service: profile edits and meetings --------------------------------------------------------------

    def _check_own(self, profile_id: str, what: str) -> None:
        if not self.user.is_officer and profile_id != self.user.org_id:
            raise AccessDenied(f"{self.user.name} may change {what} of its own organisation ({self.user.org_id}) only")

    def edit_profile(self, profile_id: str, changes: Mapping[str, Any]) -> ProfileEdit:
        """Saves changes to a profile, validated as an import row, with this user in its history
        (:meth:`matcher.service.profiles.Profiles.edit`); a startup edits its own profile only.

        Raises:
            AccessDenied: A startup user edited another organisation.
            InputError: A field that may not be edited, or a value validation rejects.
        """
        self._check_own(profile_id, "the profile")
        return self.matcher.profile_edits.edit(profile_id, changes, user=self.user.name)

    def profile_history(self, profile_id: str) -> pd.DataFrame:
        """Who changed which field of a profile, when, from what to what, newest first: officers see every
        profile's, a startup its own.

        Raises:
            AccessDenied: A startup user asked about another organisation.
        """
        self._check_own(profile_id, "the history")
        return self.matcher.profile_edits.history(profile_id)

    def request_meeting(self, partner_id: str, message: str, starts_at: datetime) -> int:
        """Asks a partner for a meeting with this startup's organisation; returns the request's id
        (:meth:`matcher.service.meetings.Meetings.request`: a bounded message, at most 10 open requests).

        Raises:
            AccessDenied: The user speaks for no organisation (officers do not ask for meetings here).
        """
        if self.user.org_id is None:
            raise AccessDenied(f"{self.user.name} speaks for no organisation: meeting requests are for startups")
        return self.matcher.meetings.request(
            self.user.org_id, partner_id, requested_by=self.user.name, message=message, starts_at=starts_at
        )

    def may_answer(self, partner_id: str) -> bool:
        """Whether this user answers requests made to ``partner_id``: its own startup account does, and officers do
        for organisations that have no account."""
        if not self.user.is_officer:
            return partner_id == self.user.org_id
        return all(user.org_id != partner_id for user in self.matcher.admin.users())

    def answer_meeting(self, meeting_id: int, *, accept: bool) -> None:
        """Accepts or declines a request made to an organisation this user answers for (:meth:`may_answer`).

        Raises:
            AccessDenied: The user may not answer for the organisation asked.
            NotFoundError: No request has this id.
            StoreError: The request is not open any more.
        """
        request = self.matcher.meetings.get(meeting_id)
        if not self.may_answer(str(request["partner_id"])):
            raise AccessDenied(
                f"{self.user.name} may not answer for {request['partner_id']}: its own account answers requests "
                "made to it (officers answer for organisations without an account)"
            )
        self.matcher.meetings.answer(meeting_id, accept=accept, user=self.user.name)

    def withdraw_meeting(self, meeting_id: int) -> None:
        """Withdraws an open request this user made.

        Raises:
            AccessDenied: Someone else made the request.
            NotFoundError: No request has this id.
            StoreError: The request is not open any more.
        """
        request = self.matcher.meetings.get(meeting_id)
        if request["requested_by"] != self.user.name:
            raise AccessDenied(f"{self.user.name} may withdraw its own meeting requests only")
        self.matcher.meetings.withdraw(meeting_id, user=self.user.name)

    def meeting_requests(self) -> pd.DataFrame:
        """Meeting requests, newest first, with both names and local times
        (:meth:`matcher.service.meetings.Meetings.requests`): every one for officers, a startup's own
        organisation's (asked or asking) otherwise."""
        return self.matcher.meetings.requests(None if self.user.is_officer else self.user.org_id or "")

    def agenda(self, profile_id: str | None = None) -> pd.DataFrame:
        """Accepted meetings of an organisation (a startup's own when None), soonest first, at both local times.

        Raises:
            AccessDenied: A startup user asked about another organisation.
        """
        own = profile_id or self.user.org_id or ""
        self._check_own(own, "the agenda")
        return self.matcher.meetings.agenda(own)

    def feedback_version(self, asker_id: str) -> int:
        """Changes whenever feedback that may change this asker's list is given or taken back: how many feedback
        rows it has and how many of them were restored."""
        rows = self.feedback(asker_id)
        return len(rows) + int(rows["restored_at"].notna().sum())

    # Officers only -------------------------------------------------------------------------------------------

    def pair_scores(self, visitors: Sequence[str], hosts: Sequence[str]) -> np.ndarray:
        """Reciprocal scores of every visitor with every host, ``(len(visitors), len(hosts))``: the harmonic mean
        of the two fits, as the ranking scores them; 0 where anyone (the visitor's account, or an officer) marked
        the host not relevant for the visitor, as in the plan itself.

        Raises:
            AccessDenied: The user is not an officer (planning delegations is an officers' task).
            NotFoundError: An id is not in the catalogue.
        """
        require_officer(self.user, "delegation plans")
        return self.matcher.pair_scores(visitors, hosts).score

    def plan(
        self,
        visitors: Sequence[str],
        hosts: Sequence[str],
        slots: Sequence[str],
        *,
        visitor_availability: Availability | None = None,
        host_availability: Availability | None = None,
        visitor_capacity: Capacity = 4,
        host_capacity: Capacity = 2,
        min_score: float | None = None,
    ) -> Schedule:
        """A delegation's meetings, each with its reason (:meth:`matcher.service.planning.Planning.plan`); None
        ``min_score`` for the floor of the possible band of the workspace's encoder.

        Raises:
            AccessDenied: The user is not an officer.
        """
        require_officer(self.user, "delegation plans")
        return self.matcher.planning.plan(
            visitors,
            hosts,
            slots,
            visitor_availability=visitor_availability,
            host_availability=host_availability,
            visitor_capacity=visitor_capacity,
            host_capacity=host_capacity,
            min_score=min_score,
        )

    def meeting_reasons(self, plan: Schedule) -> dict[tuple[str, str], str]:
        """The first reason of each planned pair (:meth:`matcher.service.planning.Planning.reasons`).

        Raises:
            AccessDenied: The user is not an officer.
        """
        require_officer(self.user, "delegation plans")
        return self.matcher.planning.reasons(plan)

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
        return self.matcher.curation.shortlists()

    def create_shortlist(self, name: str, *, purpose: str = "partners") -> int:
        """Creates a shortlist owned by this officer and returns its id (``purpose``: ``partners`` or
        ``investment``, a city's pipeline of leads)."""
        require_officer(self.user, "shortlists")
        return self.matcher.curation.create_shortlist(name, owner=self.user.name, purpose=purpose)

    def delete_shortlist(self, shortlist_id: int) -> None:
        """Deletes a shortlist and its entries."""
        require_officer(self.user, "shortlists")
        self.matcher.curation.delete_shortlist(shortlist_id)

    def shortlist_entries(self, shortlist_id: int) -> pd.DataFrame:
        """A shortlist's entries with the organisations' names and places."""
        require_officer(self.user, "shortlists")
        return self.matcher.curation.shortlist_entries(shortlist_id)

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
        """Adds an organisation to a shortlist, or changes its stage, note or owner (the officer who follows it
        up); with ``expected_note``, the note is saved only if the stored one is still that; with ``suggestion``,
        the score and reasons it was suggested with go into the exports
        (:meth:`matcher.service.curation.Curation.set_shortlist_entry`)."""
        require_officer(self.user, "shortlists")
        self.matcher.curation.set_shortlist_entry(
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
        require_officer(self.user, "shortlists")
        self.matcher.curation.remove_shortlist_entry(shortlist_id, profile_id)

    def shortlist_table(self, shortlist_id: int) -> pd.DataFrame:
        """A shortlist as an export table: organisation, place, type, stage, note, date added."""
        require_officer(self.user, "shortlists")
        return self.matcher.curation.shortlist_table(shortlist_id)

    def shortlist_csv(self, shortlist_id: int) -> bytes:
        """The shortlist as CSV, prepared by this officer (formula-like text neutralised)."""
        require_officer(self.user, "shortlists")
        return self.matcher.curation.shortlist_csv(shortlist_id, prepared_by=self.user.name)

    def shortlist_xlsx(self, shortlist_id: int) -> bytes:
        """The shortlist as an Excel workbook, prepared by this officer (no cell is ever a formula)."""
        require_officer(self.user, "shortlists")
        return self.matcher.curation.shortlist_xlsx(shortlist_id, prepared_by=self.user.name)

    def shortlist_brief(self, shortlist_id: int) -> str:
        """A printable HTML brief of the shortlist, prepared by this officer."""
        require_officer(self.user, "shortlists")
        return self.matcher.curation.shortlist_brief(shortlist_id, prepared_by=self.user.name)

    def notes(self, profile_id: str) -> pd.DataFrame:
        """Officers' notes about an organisation, newest first."""
        require_officer(self.user, "notes")
        return self.matcher.curation.notes(profile_id)

    def add_note(self, profile_id: str, text: str) -> int:
        """Adds a note signed by this officer."""
        require_officer(self.user, "notes")
        return self.matcher.curation.add_note(profile_id, text, author=self.user.name)

    def delete_note(self, note_id: int) -> None:
        """Deletes a note."""
        require_officer(self.user, "notes")
        self.matcher.curation.delete_note(note_id)

    def import_file(self, kind: str, path: Path) -> ImportReport:
        """Imports a ``profiles`` or ``partnerships`` file."""
        require_officer(self.user, "imports")
        if kind == "profiles":
            return self.matcher.import_profiles(path)
        if kind == "partnerships":
            return self.matcher.import_partnerships(path)
        raise InputError(f"unknown import kind {kind!r}; use profiles or partnerships")

    def imports(self) -> pd.DataFrame:
        """The import log, newest first."""
        require_officer(self.user, "imports")
        return self.matcher.curation.imports()

    def build(self, progress: BuildProgress | None = None, *, full: bool = False) -> BuildReport:
        """Brings the index up to date (``full``: rebuilds it from scratch)."""
        require_officer(self.user, "index builds")
        return self.matcher.build(full=full, progress=progress)

    def train(
        self, *, year: int | None = None, model: Literal["logistic", "lambdarank"] = "logistic"
    ) -> TrainResult:
        """Learns a re-ranker by time (:meth:`matcher.api.Matcher.train`); it serves only if it beats the weighted
        scorer.

        Raises:
            AccessDenied: The user is not an officer.
        """
        require_officer(self.user, "training")
        return self.matcher.train(year=year, model=model)[0]

    # Investment attraction: officers only ----------------------------------------------------------------------

    def _public_evidence(self, beneficiaries: Sequence[Beneficiary], lead_id: str) -> tuple[Beneficiary, ...]:
        """Beneficiaries whose reason quotes only public fields of both sides (:meth:`Profile.visible_fields`):
        a lead's evidence goes into briefs that leave the agency. A reason that would quote a hidden field gives
        way to the pair's score."""
        lead = self.matcher.profile(lead_id)
        out = []
        for beneficiary in beneficiaries:
            local = self.matcher.profile(beneficiary.id)
            kept = redact_reasons(
                [beneficiary.reason],
                lead,
                (*PROFILE_REQUIRED, *lead.visible_fields()),
                asker=local,
                asker_visible=(*PROFILE_REQUIRED, *local.visible_fields()),
            )
            reason = kept[0] if kept else f"Fits both ways (score {beneficiary.score:.2f}); the details are not public."
            out.append(replace(beneficiary, reason=reason))
        return tuple(out)

    def leads(
        self, city: str, *, k: int = 10, sector: str | None = None, org_types: Sequence[str] | None = None
    ) -> Leads:
        """Organisations elsewhere ranked by their fit to a city's cluster, with public evidence
        (:meth:`matcher.service.attraction.Attraction.leads`).

        Raises:
            AccessDenied: The user is not an officer.
        """
        require_officer(self.user, "investment leads")
        found = self.matcher.attraction.leads(city, k=k, sector=sector, org_types=org_types)
        results = tuple(
            replace(lead, local_beneficiaries=self._public_evidence(lead.local_beneficiaries, lead.id))
            for lead in found.results
        )
        return replace(found, results=results)

    def leads_csv(self, leads: Leads) -> bytes:
        """Leads (as :meth:`leads` returned them) as CSV."""
        require_officer(self.user, "investment leads")
        return self.matcher.attraction.leads_csv(leads)

    def leads_xlsx(self, leads: Leads) -> bytes:
        """Leads (as :meth:`leads` returned them) as an Excel workbook."""
        require_officer(self.user, "investment leads")
        return self.matcher.attraction.leads_xlsx(leads)

    def leads_brief(self, leads: Leads) -> str:
        """A printable brief, one page per lead, prepared by this officer."""
        require_officer(self.user, "investment leads")
        return self.matcher.attraction.leads_brief(leads, prepared_by=self.user.name)

    def lead_brief(self, city: str, lead: Lead) -> str:
        """A printable one-page brief of one lead for ``city``, prepared by this officer."""
        return self.leads_brief(Leads(city, (lead,)))

    def gaps(self, city: str) -> Gaps:
        """A city's gaps: what it seeks much more than it offers, and the reverse."""
        require_officer(self.user, "investment gaps")
        return self.matcher.attraction.gaps(city)

    def cluster(self, city: str) -> ClusterView:
        """A city's cluster: its organisations by type and sector, what they offer and seek, its partnerships."""
        require_officer(self.user, "cluster views")
        return self.matcher.attraction.cluster(city)

    def fit_cities(self, profile_id: str, *, city: str | None = None) -> CityFits:
        """One organisation's fit with each alliance city, with public evidence; ``city`` is the officer's own,
        which the summary compares with the best."""
        require_officer(self.user, "city benchmarks")
        found = self.matcher.attraction.fit_cities(profile_id, city=city)
        fits = tuple(
            replace(fit, beneficiaries=self._public_evidence(fit.beneficiaries, profile_id)) for fit in found.fits
        )
        return replace(found, fits=fits)

    def strategy(self, city: str) -> Strategy:
        """A city's stated strategy."""
        require_officer(self.user, "city strategies")
        return self.matcher.attraction.strategy(city)

    def set_strategy(self, city: str, *, sectors: Sequence[str], text: str) -> Strategy:
        """Writes a city's strategy, signed by this officer."""
        require_officer(self.user, "city strategies")
        return self.matcher.attraction.set_strategy(city, sectors=sectors, text=text, user=self.user.name)

    # Saved searches and alerts: each user sees and changes only their own ---------------------------------------

    @property
    def owner(self) -> str:
        """Whose saved searches, alerts and alert channels this user's are: ``user:<name>`` for an app account,
        ``key:<key id>`` for an API key (:func:`matcher.alerts.owner_of`)."""
        return owner_of(self.user.name, key_id=self.key_id)

    def save_search(
        self, name: str, *, text: str | None = None, org_id: str | None = None, filters: Filters | None = None
    ) -> SavedSearch:
        """Saves a search (``text``) or a recommendation (for ``org_id``) for this user, alerted on new strong
        matches (:meth:`matcher.service.alerts.Alerts.save`); a startup saves recommendations for its own
        organisation only.

        Raises:
            AccessDenied: A startup user saved a recommendation for another organisation.
        """
        if org_id is not None:
            self._check_asker(org_id)
        return self.matcher.alerts.save(self.owner, self.user, name, text=text, org_id=org_id, filters=filters)

    def saved_searches(self) -> list[SavedSearch]:
        """This user's saved searches, oldest first."""
        return self.matcher.alerts.saved(self.owner)

    def remove_saved_search(self, saved_id: int) -> None:
        """Removes one of this user's saved searches and its alerts.

        Raises:
            NotFoundError: This user has no saved search of this id (another user's is not theirs to see).
        """
        self.matcher.alerts.remove(self.owner, saved_id)

    def alerts(self, *, unread_only: bool = False, limit: int = 200) -> list[Alert]:
        """This user's alerts, newest first, redacted for the user's role when they were found (:func:`alert_view`)."""
        return self.matcher.alerts.alerts(self.owner, unread_only=unread_only, limit=limit)

    def unread_alerts(self) -> int:
        """How many of this user's alerts are unread."""
        return self.matcher.alerts.unread(self.owner)

    def mark_alerts_read(self, ids: Sequence[int] | None = None) -> int:
        """Marks this user's alerts read (those of ``ids``, or all); others' ids change nothing."""
        return self.matcher.alerts.mark_read(self.owner, ids)

    def set_webhook(self, url: str) -> str:
        """Sends this user's alerts to ``url``, signed with a new secret, which is returned to be shown once."""
        return self.matcher.alerts.set_webhook(self.owner, url)

    def remove_webhook(self) -> None:
        """Stops sending this user's alerts to a webhook."""
        self.matcher.alerts.remove_webhook(self.owner)

    def set_alert_email(self, address: str | None) -> None:
        """E-mails this user's alerts to ``address`` (None stops it)."""
        self.matcher.alerts.set_email(self.owner, address)

    def alert_channels(self) -> dict[str, Any]:
        """Where this user's alerts go besides the inbox (never the webhook's secret)."""
        return self.matcher.alerts.channels(self.owner)

    def alert_deliveries(self) -> list[dict[str, Any]]:
        """This user's webhook and e-mail deliveries, newest first, failures with their reason."""
        return self.matcher.alerts.deliveries(self.owner)

    def check_alerts(self) -> int:
        """Checks every saved search against the profiles changed since the last check (:func:`check_alerts`);
        returns how many of this user's alerts are unread now."""
        check_alerts(self.matcher)
        return self.unread_alerts()


def alert_view(matcher: Matcher, saved: SavedSearch, candidate: AlertCandidate) -> AlertCandidate | None:
    """An alert as its owner may see it, by the rules of lists: officers see it whole; a startup owner only when the
    profile passes the saved filters on what it shows the startup, a search only when it matched a text the startup
    may see, and a recommendation (for the startup's own organisation) with the reasons that quote hidden fields
    left out.

    Example:
        >>> check_alerts(matcher)  # doctest: +SKIP
        CheckReport(changed=1, searches=2, alerts=1)
    """
    owner = saved.user
    if owner.is_officer:
        return candidate
    access = Access(matcher, owner)
    profile = matcher.profile(candidate.profile_id)
    shown = access.visible_fields(profile)
    if not access._passes_as_shown(saved.filters, profile):
        return None
    if saved.kind == "search":
        public = candidate.facet == "name" or facet_is_public(profile, str(candidate.facet), shown)
        return candidate if public else None
    if saved.org_id != owner.org_id:
        return None
    asking = matcher.profile(str(saved.org_id))
    asker_shown = access.visible_fields(asking)
    return replace(
        candidate, reasons=redact_reasons(candidate.reasons, profile, shown, asker=asking, asker_visible=asker_shown)
    )


def check_alerts(matcher: Matcher) -> CheckReport:
    """Checks every saved search against the profiles changed since the last check, each alert redacted for its
    owner (:func:`alert_view`): what ``matcher serve``, ``matcher alerts --check`` and the app's inbox run."""
    return matcher.alerts.check(lambda saved, candidate: alert_view(matcher, saved, candidate))
