"""Saved searches and alerts: save, list and remove searches; check them when profiles change; the inbox; deliveries.

When checks run (README, "Saved searches and alerts"): ``matcher serve`` checks every ``alert_check_seconds`` (60
by default) in each worker and delivers what is due; ``matcher alerts --check --deliver`` does the same once (for
cron, or right after ``matcher import``); the app checks when someone opens the inbox. A check is cheap when nothing
changed: it compares each profile's content hash with the one recorded at the last check
(:meth:`matcher.store.Store.changed_since_alert_check`), so a re-import of the same file, or an edit that changes
nothing, alerts no one. Only changed profiles that pass a saved search's filters, and were written after it was
saved, are matched against it, and only those that land in the strong band among its first :data:`SCAN_DEPTH`
results become alerts. Processes that check at once cannot duplicate an alert: the store keeps one per saved
search and profile (insert or ignore), and a delivery is claimed by one process before it is attempted.

Owners: each saved search, alert and alert channel belongs to an app account (``user:<name>``) or an API key
(``key:<key id>``), never to a bare name (:func:`matcher.alerts.owner_of`), so an account and a key of the same
name share nothing. A revoked key's saved searches raise no more alerts, and nothing more is sent to its webhook.

Example:
    >>> alerts = Alerts(context, matching)                                                    # doctest: +SKIP
    >>> saved = alerts.save("user:mina", User("mina", "officer"), "ADC in Spain", text="ADC")  # doctest: +SKIP
    >>> alerts.check(view=lambda saved, candidate: candidate).alerts                          # doctest: +SKIP
    0
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..alerts import (
    MAX_SAVED_PER_USER,
    AlertCandidate,
    DeliveryError,
    RetryPolicy,
    SavedKind,
    SmtpSettings,
    check_email,
    check_saved_name,
    check_webhook_url,
    email_message,
    filters_from_json,
    filters_to_json,
    new_secret,
    owner_of,
    post_webhook,
    send_email,
    split_owner,
    strong_and_changed,
    webhook_body,
)
from ..auth import User
from ..errors import InputError, NotFoundError
from ..filters import Filters
from .context import Context
from .matching import Matching, check_search_text

__all__ = ["SCAN_DEPTH", "Alert", "AlertView", "Alerts", "CheckReport", "DeliveryReport", "SavedSearch"]

logger = logging.getLogger(__name__)

SCAN_DEPTH = 200
"""How deep a check looks into a saved search's results for strong matches (strong ones come first)."""
_QUOTE_CHARS = 80
"""The longest part of a search text a reason quotes."""
_FACET_WORDS = {"profile": "profile", "offers": "offer", "seeks": "need", "name": "name"}
"""A matched facet in a reason's words."""
_MAX_IDS = 10_000
"""The most profile ids read in one query (SQLite binds at most 32,766 parameters)."""
CLAIM_SECONDS = 300
"""How long a delivery claimed by one process stays out of the others' reach (it is retried after that if the
process died while sending)."""


@dataclass(frozen=True)
class SavedSearch:
    """One saved search or recommendation.

    Attributes:
        id: Its id.
        owner: Whose it is: ``user:<name>`` or ``key:<key id>`` (:func:`~matcher.alerts.owner_of`).
        name: What the owner called it.
        kind: ``search`` (``text``) or ``recommend`` (partners for ``org_id``).
        text: The search text (empty for a recommendation).
        org_id: The organisation a recommendation is for (None for a search).
        filters: Which organisations may match.
        created_at: When it was saved (ISO, UTC): profiles written before are not news to it.
        owner_role: The owner's role when saved; alerts are redacted for it.
        owner_org_id: The organisation a startup owner speaks for.
    """

    id: int
    owner: str
    name: str
    kind: SavedKind
    text: str
    org_id: str | None
    filters: Filters
    created_at: str
    owner_role: str = "officer"
    owner_org_id: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> SavedSearch:
        """From a row of the store's ``saved_searches``."""
        values = {name: row[name] for name in cls.__dataclass_fields__ if name != "filters"}
        return cls(**values, filters=filters_from_json(row["filters"]))

    @property
    def user(self) -> User:
        """The owner as a user of the role it had when saving (what its alerts may show), named by :attr:`owner`."""
        return User(self.owner, "startup" if self.owner_role == "startup" else "officer", org_id=self.owner_org_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: filters as lists by field, only those that filter."""
        filters = {name: list(values) for name, values in vars(self.filters).items() if values}
        return {"id": self.id, "name": self.name, "kind": self.kind, "text": self.text, "org_id": self.org_id,
                "filters": filters, "created_at": self.created_at}  # fmt: skip


@dataclass(frozen=True)
class Alert:
    """A profile that newly matched a saved search in the strong band.

    Attributes:
        id: Its id.
        saved_search_id, saved_search, kind: The saved search: id, name and kind.
        profile_id, profile_name, city, country: The organisation (name and place None once it was deleted).
        score: Its score on the saved search's scale; band: its band.
        reasons: Why it matches, as its owner may see them.
        created_at: When it was found; read_at: when its owner marked it read (None while unread).
    """

    id: int
    saved_search_id: int
    saved_search: str
    kind: str
    profile_id: str
    profile_name: str | None
    city: str | None
    country: str | None
    score: float
    band: str
    reasons: tuple[str, ...]
    created_at: str
    read_at: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Alert:
        """From :meth:`matcher.store.Store.alerts`' rows."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the webhook's ``alert``)."""
        return {**vars(self), "score": round(self.score, 4), "reasons": list(self.reasons)}


AlertView = Callable[[SavedSearch, AlertCandidate], AlertCandidate | None]
"""What a saved search's owner may see of a match: the candidate as shown to them (reasons redacted), or None when
it may not be shown at all. :mod:`matcher.policy` gives it: alerts obey the rules of lists."""


@dataclass(frozen=True)
class CheckReport:
    """What one check did.

    Attributes:
        changed: Profiles new or changed since the last check.
        searches: Saved searches matched against them.
        alerts: Alerts stored now (those another process stored first are not counted).
    """

    changed: int
    searches: int
    alerts: int


@dataclass(frozen=True)
class DeliveryReport:
    """What one round of deliveries did.

    Attributes:
        delivered: Deliveries that succeeded.
        retrying: Failures that will be tried again.
        failed: Failures given up (after the last attempt allowed).
        errors: The failures' messages.
    """

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)


def _iso(moment: datetime) -> str:
    """A moment as the store writes times (ISO, UTC, whole seconds), so that they compare as text."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class Alerts:
    """Saved searches, the alerts they raise and their deliveries, over one workspace.

    Args:
        context: The workspace.
        matching: Searches and suggestions, as the saved searches run them.
    """

    def __init__(self, context: Context, matching: Matching) -> None:
        self.context = context
        self.matching = matching

    # Saved searches -------------------------------------------------------------------------------------------

    def save(
        self,
        owner: str,
        user: User,
        name: str,
        *,
        text: str | None = None,
        org_id: str | None = None,
        filters: Filters | None = None,
    ) -> SavedSearch:
        """Saves a search (``text``) or a recommendation (for ``org_id``) under ``name`` for ``owner``
        (:func:`~matcher.alerts.owner_of`), who acts as ``user`` (its alerts are redacted for that user's role).

        Raises:
            InputError: Neither or both of ``text`` and ``org_id``, an empty or over-long name or text.
            NotFoundError: ``org_id`` is not in the store.
            StoreError: The user has :data:`~matcher.alerts.MAX_SAVED_PER_USER` saved searches, or one of that name.
        """
        name = check_saved_name(name)
        if (text is None) == (org_id is None):
            raise InputError("save either a search text or an organisation to recommend partners for, not both")
        if text is not None:
            check_search_text(text)
        else:
            self.context.profile(str(org_id))
        values = {
            "owner": owner, "owner_role": user.role, "owner_org_id": user.org_id, "name": name,
            "kind": "search" if text is not None else "recommend", "text": text or "", "org_id": org_id,
            "filters": filters_to_json(filters),
        }  # fmt: skip
        saved_id = self.context.store.add_saved_search(values, max_per_owner=MAX_SAVED_PER_USER)
        logger.info("%s saved the %s %r", owner, values["kind"], name)
        return next(saved for saved in self.saved(owner) if saved.id == saved_id)

    def saved(self, owner: str) -> list[SavedSearch]:
        """``owner``'s saved searches, oldest first."""
        return [SavedSearch.from_row(row) for row in self.context.store.saved_searches(owner)]

    def remove(self, owner: str, saved_id: int) -> None:
        """Removes one of ``owner``'s saved searches with its alerts.

        Raises:
            NotFoundError: ``owner`` has no saved search of this id.
        """
        if not self.context.store.delete_saved_search(saved_id, owner):
            raise NotFoundError(f"no saved search with id {saved_id} among yours")

    # Checks ---------------------------------------------------------------------------------------------------

    def check(self, view: AlertView) -> CheckReport:
        """Matches the profiles new or changed since the last check against every saved search and stores an alert
        for each that lands in the strong band and was not alerted for that search before (see the module).

        Args:
            view: The match as each owner may see it (:data:`AlertView`); None drops it.
        """
        store = self.context.store
        changed = store.changed_since_alert_check()
        if not changed:
            return CheckReport(0, 0, 0)
        searches = [SavedSearch.from_row(row) for row in store.saved_searches()]
        # Written in a later second than a search was saved (times are whole seconds): what was there when it was
        # saved is not news to it. The oldest search bounds what any search can take.
        oldest = min((saved.created_at for saved in searches), default=None)
        written = {row["id"]: row["updated_at"] for row in changed if oldest is not None and row["updated_at"] > oldest}
        if len(written) <= _MAX_IDS:
            profiles = store.profiles(ids=list(written))
        else:  # more ids than one query binds (SQLite's limit): read them all, keep those
            profiles = store.profiles()
            profiles = profiles[profiles["id"].isin(written)]
        found: list[AlertCandidate] = []
        checked = 0
        keys = self._working_keys()
        for saved in searches if written else ():
            acting = self._acting_name(saved.owner, keys)
            if acting is None:  # its API key was revoked (or its owner is unknown): nobody reads its alerts
                continue
            passes = profiles[saved.filters.mask(profiles)]["id"]
            eligible = {pid for pid in passes if written[pid] > saved.created_at and pid != saved.org_id}
            if not eligible:
                continue
            checked += 1
            try:
                candidates = self._strong(saved, eligible, dismissed_by=acting)
            except (NotFoundError, InputError) as unusable:  # its organisation was deleted, its text has no words
                logger.warning("saved search %d (%s) was skipped: %s", saved.id, saved.name, unusable)
                continue
            found.extend(shown for candidate in candidates if (shown := view(saved, candidate)) is not None)
        email = self._smtp() is not None
        added = store.add_alerts([candidate.to_row() for candidate in found], email=email) if found else []
        store.advance_alert_checkpoint({row["id"]: row["content_hash"] for row in changed})
        logger.info("alert check: %d changed profiles, %d saved searches, %d new alerts", len(changed), checked,
                    len(added))  # fmt: skip
        return CheckReport(len(changed), checked, len(added))

    def _working_keys(self) -> dict[str, str]:
        """Each working API key's name, by the key's owner (``key:<key id>``)."""
        return {owner_of(row["name"], key_id=row["key_id"]): row["name"]
                for row in self.context.store.api_keys() if row["revoked_at"] is None}  # fmt: skip

    @staticmethod
    def _acting_name(owner: str, keys: Mapping[str, str]) -> str | None:
        """The name ``owner`` acts under (whose dismissals its recommendations leave out): an app account's own, a
        working key's (``keys``: :meth:`_working_keys`); None for a revoked key or an owner of no known kind."""
        kind, ident = split_owner(owner)
        return ident if kind == "user" else keys.get(owner) if kind == "key" else None

    def _strong(self, saved: SavedSearch, eligible: Collection[str], *, dismissed_by: str) -> list[AlertCandidate]:
        """The eligible profiles in the strong band of ``saved``'s first :data:`SCAN_DEPTH` results, with reasons
        (a recommendation leaves out what ``dismissed_by`` dismissed)."""
        if saved.kind == "search":
            hits = self.matching.search(saved.text, k=SCAN_DEPTH, filters=saved.filters)
            facets = {hit.id: hit.facet for hit in hits}
            strong = strong_and_changed(((hit.id, hit.score, hit.band) for hit in hits), eligible)
            quoted = saved.text if len(saved.text) <= _QUOTE_CHARS else saved.text[: _QUOTE_CHARS - 3].rstrip() + "..."
            return [
                AlertCandidate(saved.id, saved.owner, pid, score, "strong",
                               (f'Its {_FACET_WORDS[facets[pid]]} matches the search "{quoted}" (similarity '
                                f"{score:.2f}).",), facet=facets[pid])
                for pid, score in strong
            ]  # fmt: skip
        asker = str(saved.org_id)
        recommended = self.matching.recommend_many(
            [asker], k=SCAN_DEPTH, filters=saved.filters, exposure_cap=None, explain=False, dismissed_by=dismissed_by
        )[0]
        strong = strong_and_changed(((m.id, m.score, m.band) for m in recommended.results), eligible)
        reasons = self.matching.explain_pairs(asker, [pid for pid, _ in strong]) if strong else {}
        return [
            AlertCandidate(saved.id, saved.owner, pid, score, "strong", tuple(reasons.get(pid, ())))
            for pid, score in strong
        ]

    # Inbox ----------------------------------------------------------------------------------------------------

    def alerts(self, owner: str, *, unread_only: bool = False, limit: int = 200) -> list[Alert]:
        """``owner``'s alerts, newest first (at most ``limit``)."""
        return [Alert.from_row(row) for row in self.context.store.alerts(owner, unread_only=unread_only, limit=limit)]

    def unread(self, owner: str) -> int:
        """How many of ``owner``'s alerts are unread."""
        return self.context.store.unread_alerts(owner)

    def mark_read(self, owner: str, ids: Collection[int] | None = None) -> int:
        """Marks ``owner``'s alerts read (those of ``ids``, or all); returns how many were unread."""
        return self.context.store.mark_alerts_read(owner, ids)

    # Channels and deliveries ----------------------------------------------------------------------------------

    def set_webhook(self, owner: str, url: str) -> str:
        """Sends ``owner``'s alerts to ``url`` from now on, signed with a new secret, which is returned (to show
        once: whoever holds it can forge alerts).

        Raises:
            InputError: Not an http or https URL, longer than :data:`~matcher.alerts.MAX_URL_CHARS`, or a host that is
                not public while the ``webhook_allow_private`` setting is off.
        """
        settings = self.context.settings
        url = check_webhook_url(url, allow_private=settings.webhook_allow_private, timeout=settings.webhook_timeout)
        secret = new_secret()
        self.context.store.set_alert_channel(owner, {"webhook_url": url, "webhook_secret": secret})
        return secret

    def remove_webhook(self, owner: str) -> None:
        """Stops sending ``owner``'s alerts to a webhook (pending deliveries to it are given up)."""
        self.context.store.set_alert_channel(owner, {"webhook_url": None, "webhook_secret": None})

    def set_email(self, owner: str, address: str | None) -> None:
        """E-mails ``owner``'s alerts to ``address`` (when SMTP is configured); None stops it.

        Raises:
            InputError: ``address`` does not look like an e-mail address.
        """
        self.context.store.set_alert_channel(owner, {"email": None if address is None else check_email(address)})

    def channels(self, owner: str) -> dict[str, Any]:
        """Where ``owner``'s alerts go besides the inbox: ``webhook_url``, ``email`` (None when unset; never the
        secret) and ``email_enabled`` (whether this installation sends e-mail at all)."""
        found = self.context.store.alert_channel(owner) or {}
        return {"webhook_url": found.get("webhook_url"), "email": found.get("email"),
                "email_enabled": self._smtp() is not None}  # fmt: skip

    def deliveries(self, owner: str, *, limit: int = 200) -> list[dict[str, Any]]:
        """``owner``'s deliveries, newest first: ``channel, target, status`` (``pending``, ``delivered``,
        ``failed``), ``attempts``, ``next_attempt_at``, ``last_error``, ``delivered_at``, ``profile_id``."""
        return self.context.store.alert_deliveries(owner, limit=limit)

    def _smtp(self) -> SmtpSettings | None:
        settings = self.context.settings
        if not settings.smtp_host or not settings.smtp_sender:
            return None
        login = settings.smtp_login()
        return SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_sender,
            starttls=settings.smtp_starttls,
            user=login[0] if login else None,
            password=login[1] if login else None,
            timeout=settings.webhook_timeout,
        )

    def deliver(self, *, retry: RetryPolicy | None = None, limit: int = 100) -> DeliveryReport:
        """Attempts the deliveries that are due (at most ``limit``): each one claimed first, so that processes
        delivering at once never send one twice; a failure is retried on ``retry``'s schedule, state in the store.

        Args:
            retry: The schedule; default :class:`~matcher.alerts.RetryPolicy` with the ``webhook_timeout`` setting.
            limit: The most deliveries attempted in this round.
        """
        retry = retry or RetryPolicy(timeout_seconds=self.context.settings.webhook_timeout)
        store = self.context.store
        now = datetime.now(UTC)
        counts = {"delivered": 0, "pending": 0, "failed": 0}
        errors: list[str] = []
        claimed_until = _iso(now + timedelta(seconds=CLAIM_SECONDS))
        keys = self._working_keys()
        for due in store.due_deliveries(_iso(now), limit):
            if not store.claim_delivery(due["id"], due["next_attempt_at"], claimed_until):
                continue
            attempts = due["attempts"] + 1
            try:
                if self._acting_name(due["owner"], keys) is None:
                    raise DeliveryError("its owner may no longer receive alerts (a revoked API key)")
                self._send(due, retry)
            except DeliveryError as failed:
                delay = retry.delay(attempts)
                status = "failed" if delay is None else "pending"
                later = now if delay is None else now + timedelta(seconds=delay)
                store.finish_delivery(due["id"], status=status, attempts=attempts, next_attempt_at=_iso(later),
                                      error=str(failed))  # fmt: skip
                logger.warning("alert %d: %s delivery attempt %d failed: %s", due["alert_id"], due["channel"],
                               attempts, failed)  # fmt: skip
                errors.append(str(failed))
            else:
                status = "delivered"
                store.finish_delivery(due["id"], status=status, attempts=attempts, next_attempt_at=_iso(now),
                                      error=None)  # fmt: skip
            counts[status] += 1
        return DeliveryReport(counts["delivered"], counts["pending"], counts["failed"], tuple(errors))

    def _send(self, due: Mapping[str, Any], retry: RetryPolicy) -> None:
        """One attempt of one delivery.

        Raises:
            DeliveryError: It failed (or cannot be made: the webhook was removed, SMTP is not configured).
        """
        store = self.context.store
        row = store.alert(due["alert_id"])
        if row is None:
            raise DeliveryError("the alert was removed")
        alert = Alert.from_row(row)
        if due["channel"] == "webhook":
            channel = store.alert_channel(due["owner"]) or {}
            url, secret = channel.get("webhook_url"), channel.get("webhook_secret")
            if not url or not secret:
                raise DeliveryError("the webhook was removed")
            sent_at = int(datetime.now(UTC).timestamp())
            body = webhook_body(alert.to_dict(), delivery_id=due["id"], sent_at=sent_at)
            post_webhook(url, body, secret, sent_at=sent_at, timeout=retry.timeout_seconds,
                         allow_private=self.context.settings.webhook_allow_private)  # fmt: skip
            return
        smtp = self._smtp()
        if smtp is None:
            raise DeliveryError("e-mail is not configured on this installation (smtp_host, smtp_sender)")
        send_email(smtp, [email_message(alert.to_dict(), sender=smtp.sender, to=due["target"])])
