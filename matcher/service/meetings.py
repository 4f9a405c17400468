"""Meeting requests between organisations, by double opt-in: one side asks (with a message and a proposed time),
the other accepts or declines; accepted meetings are in both sides' agendas, each at its own local time.

Who may ask and who may answer is decided in :mod:`matcher.policy`; this layer keeps the rules every front end
shares: a bounded message, a time in the future, at most :data:`MAX_OPEN_REQUESTS` open requests per account and
one open request per pair of organisations.

Example:
    >>> meetings = Meetings(Context("/tmp/doc-meetings"))                                     # doctest: +SKIP
    >>> when = datetime(2027, 3, 2, 1, 0, tzinfo=UTC)
    >>> local_time(when, "Málaga").isoformat(), local_time(when, "Daejeon").isoformat()
    ('2027-03-02T02:00:00+01:00', '2027-03-02T10:00:00+09:00')
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from ..errors import InputError, NotFoundError
from .context import Context

__all__ = ["CITY_ZONES", "MAX_MESSAGE_CHARS", "MAX_OPEN_REQUESTS", "MEETING_STATUSES", "Meetings", "local_time"]

logger = logging.getLogger(__name__)

CITY_ZONES: dict[str, str] = {
    "Daejeon": "Asia/Seoul",
    "Seattle": "America/Los_Angeles",
    "Calgary": "America/Edmonton",
    "Dortmund": "Europe/Berlin",
    "Málaga": "Europe/Madrid",
    "Montgomery County": "America/New_York",
}
"""The time zone of each alliance place; other places are shown in UTC."""
MAX_MESSAGE_CHARS = 1_000
"""The longest message a request carries: a short introduction, not a document."""
MAX_OPEN_REQUESTS = 10
"""Open (unanswered) requests one account may have at a time, so that no one floods the alliance."""
MEETING_STATUSES: tuple[str, ...] = ("open", "accepted", "declined", "withdrawn")


def local_time(when: datetime | str, city: str) -> datetime:
    """``when`` (aware, or an ISO string in UTC) at ``city``'s local time (:data:`CITY_ZONES`; UTC elsewhere).

    Example:
        >>> local_time("2027-07-01T16:00:00+00:00", "Seattle").strftime("%H:%M %Z")
        '09:00 PDT'
    """
    moment = datetime.fromisoformat(when) if isinstance(when, str) else when
    zone = {name.casefold(): tz for name, tz in CITY_ZONES.items()}.get(str(city).strip().casefold())
    return moment.astimezone(ZoneInfo(zone) if zone else UTC)


class Meetings:
    """Meeting requests and agendas of one workspace.

    Args:
        context: The workspace.
    """

    def __init__(self, context: Context) -> None:
        self.context = context

    def request(self, asker_id: str, partner_id: str, *, requested_by: str, message: str, starts_at: datetime) -> int:
        """Asks ``partner_id`` for a meeting with ``asker_id`` at ``starts_at``; returns the request's id.

        Raises:
            NotFoundError: Either organisation is not in the store.
            InputError: The two are one organisation, the message is empty or too long, or the time is not an
                aware time in the future.
            StoreError: ``requested_by`` has :data:`MAX_OPEN_REQUESTS` open requests, or one between the two
                organisations is open already.
        """
        for profile_id in (asker_id, partner_id):
            if self.context.store.get_profile(profile_id) is None:
                raise NotFoundError(f"no organisation with id {profile_id!r}")
        if asker_id == partner_id:
            raise InputError("a meeting needs two organisations: pick a partner other than your own")
        text = message.strip()
        if not text:
            raise InputError("write a short message: say who you are and what you would like to talk about")
        if len(text) > MAX_MESSAGE_CHARS:
            raise InputError(
                f"the message has {len(text):,} characters, above the limit of {MAX_MESSAGE_CHARS:,}: shorten it"
            )
        if starts_at.tzinfo is None:
            raise InputError("the meeting time needs a time zone")
        if starts_at <= datetime.now(UTC):
            raise InputError("the meeting time is in the past: propose a time to come")
        meeting_id = self.context.store.add_meeting(
            asker_id,
            partner_id,
            requested_by=requested_by,
            message=text,
            starts_at=starts_at.astimezone(UTC).isoformat(timespec="minutes"),
            max_open=MAX_OPEN_REQUESTS,
        )
        logger.info("%s asked %s for a meeting (request %d)", asker_id, partner_id, meeting_id)
        return meeting_id

    def get(self, meeting_id: int) -> dict[str, object]:
        """One request as a mapping of its columns.

        Raises:
            NotFoundError: No request has this id.
        """
        rows = self.context.store.meetings()
        found = rows[rows["id"] == meeting_id]
        if found.empty:
            raise NotFoundError(f"no meeting request with id {meeting_id}")
        return dict(found.iloc[0].to_dict())

    def answer(self, meeting_id: int, *, accept: bool, user: str) -> None:
        """Accepts or declines an open request.

        Raises:
            StoreError: The request is not open (answered or withdrawn meanwhile).
        """
        self.context.store.answer_meeting(meeting_id, "accepted" if accept else "declined", user=user)

    def withdraw(self, meeting_id: int, *, user: str) -> None:
        """Withdraws an open request.

        Raises:
            StoreError: The request is not open.
        """
        self.context.store.answer_meeting(meeting_id, "withdrawn", user=user)

    def requests(self, profile_id: str | None = None) -> pd.DataFrame:
        """Requests (all, or those one organisation asked for or was asked for), newest first, with both names
        and both local times: the store's columns plus ``asker_name, asker_city, partner_name, partner_city,
        asker_time, partner_time`` (local times as ISO text)."""
        rows = self.context.store.meetings(profile_id)
        places = self.context.store.profiles().set_index("id")[["name", "city"]]
        for side in ("asker", "partner"):
            named = places.reindex(rows[f"{side}_id"])
            rows[f"{side}_name"] = named["name"].fillna(rows[f"{side}_id"]).to_numpy()
            rows[f"{side}_city"] = named["city"].fillna("").to_numpy()
            rows[f"{side}_time"] = [
                local_time(when, city).isoformat(timespec="minutes")
                for when, city in zip(rows["starts_at"], rows[f"{side}_city"], strict=True)
            ]
        return rows

    def agenda(self, profile_id: str) -> pd.DataFrame:
        """Accepted meetings of one organisation, soonest first: ``id, starts_at, with_id, with_name, with_city,
        own_time, their_time, message``."""
        rows = self.requests(profile_id)
        rows = rows[rows["status"] == "accepted"].sort_values("starts_at")
        asked = rows["asker_id"] == profile_id
        return pd.DataFrame(
            {
                "id": rows["id"],
                "starts_at": rows["starts_at"],
                "with_id": rows["partner_id"].where(asked, rows["asker_id"]),
                "with_name": rows["partner_name"].where(asked, rows["asker_name"]),
                "with_city": rows["partner_city"].where(asked, rows["asker_city"]),
                "own_time": rows["asker_time"].where(asked, rows["partner_time"]),
                "their_time": rows["partner_time"].where(asked, rows["asker_time"]),
                "message": rows["message"],
            }
        ).reset_index(drop=True)
