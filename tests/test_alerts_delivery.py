"""Alert deliveries against real servers on loopback: a webhook receiver (http.server in a thread) that checks the
signature and fails when told to, and an SMTP server (aiosmtpd) that accepts or refuses mail.

The alerts are stored as a check stores them (:meth:`matcher.store.Store.add_alerts`): what is under test is the
delivery, so no model is loaded.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from matcher.alerts import SIGNATURE_HEADER, TIMESTAMP_HEADER, RetryPolicy, verify
from matcher.api import Matcher
from matcher.auth import User
from matcher.config import Settings
from matcher.policy import Access
from matcher.service.alerts import DeliveryReport

MINA = User("mina", "officer")
PROFILE = {"id": "ma-bio-001", "name": "Biomédica Costa del Sol", "org_type": "sme", "city": "Málaga",
           "country": "ES", "offers": "Aseptic fill-finish of conjugates"}  # fmt: skip
NOW = RetryPolicy(max_attempts=3, base_seconds=0, timeout_seconds=5)
"""Retries due at once, so that a test runs its rounds back to back."""


class Receiver:
    """A webhook receiver on a free port of 127.0.0.1: answers ``statuses`` in turn (then 200), with a ``Location``
    header when ``location`` is given (a redirect), and keeps every request's headers and body."""

    def __init__(self, statuses: list[int], location: str | None = None) -> None:
        self.statuses = statuses
        self.location = location
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if receiver.location is not None:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/matcher"

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """An aiosmtpd handler that keeps what it accepts and refuses mail to ``nobody@...``."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server on a free port of 127.0.0.1 (no TLS)."""
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def workspace(home: Path, **settings: Any) -> Matcher:
    """A workspace holding one profile, with ``settings`` (the SMTP ones, say); its webhooks may go to the receiver
    on loopback (``webhook_allow_private``, as a team sets it whose CRM is on its own network)."""
    m = Matcher(settings=Settings.load(home=home, **{"webhook_allow_private": True, **settings}))
    m.importer.upsert([PROFILE])
    return m


def one_alert(m: Matcher, *, email: bool = False) -> int:
    """Stores one alert for mina, as a check would; returns its id."""
    saved = Access(m, MINA).save_search("Fill-finish", text="aseptic fill-finish")
    row = {"saved_search_id": saved.id, "owner": saved.owner, "profile_id": "ma-bio-001", "score": 0.81,
           "band": "strong", "reasons": ("Its offer matches the search.",)}  # fmt: skip
    [alert_id] = m.store.add_alerts([row], email=email)
    return alert_id


def delivery(m: Matcher) -> dict[str, Any]:
    [found] = Access(m, MINA).alert_deliveries()
    return found


# Webhooks ---------------------------------------------------------------------------------------------------------


def test_a_webhook_gets_the_alert_signed_with_the_owners_secret(tmp_path: Path) -> None:
    m = workspace(tmp_path / "ws")
    with Receiver([]) as receiver:
        secret = Access(m, MINA).set_webhook(receiver.url)
        alert_id = one_alert(m)
        assert m.alerts.deliver(retry=NOW).delivered == 1
    [(headers, body)] = receiver.requests
    assert verify(secret, body, headers[SIGNATURE_HEADER])
    payload = json.loads(body)
    assert payload["sent_at"] == int(headers[TIMESTAMP_HEADER])
    assert (payload["alert"]["id"], payload["alert"]["profile_id"], payload["alert"]["band"]) == (
        alert_id, "ma-bio-001", "strong"
    )


def test_a_failed_webhook_is_retried_and_then_delivered(tmp_path: Path) -> None:
    m = workspace(tmp_path / "ws")
    with Receiver([500]) as receiver:
        Access(m, MINA).set_webhook(receiver.url)
        one_alert(m)
        first = m.alerts.deliver(retry=NOW)
        assert (first.retrying, delivery(m)["status"], delivery(m)["last_error"]) == (
            1, "pending", "the webhook answered HTTP 500"
        )
        assert m.alerts.deliver(retry=NOW).delivered == 1
    assert len(receiver.requests) == 2
    assert (delivery(m)["status"], delivery(m)["attempts"]) == ("delivered", 2)


def test_a_retry_waits_for_its_time_and_survives_a_restart(tmp_path: Path) -> None:
    m = workspace(tmp_path / "ws")
    with Receiver([503]) as receiver:
        Access(m, MINA).set_webhook(receiver.url)
        one_alert(m)
        m.alerts.deliver(retry=RetryPolicy(base_seconds=3600))
        assert m.alerts.deliver(retry=NOW) == DeliveryReport()  # not due yet: nothing is tried
        later = delivery(m)["next_attempt_at"]
        m.close()
        restarted = Matcher(settings=Settings.load(home=tmp_path / "ws"))  # a new process reads the state back
        assert delivery(restarted)["next_attempt_at"] == later and delivery(restarted)["attempts"] == 1
    assert len(receiver.requests) == 1


def test_a_webhook_that_keeps_failing_is_given_up_visibly(tmp_path: Path) -> None:
    m = workspace(tmp_path / "ws")
    with Receiver([500, 500, 500]) as receiver:
        Access(m, MINA).set_webhook(receiver.url)
        one_alert(m)
        rounds = [m.alerts.deliver(retry=NOW) for _ in range(4)]
    assert [r.failed for r in rounds] == [0, 0, 1, 0] and len(receiver.requests) == NOW.max_attempts
    assert (delivery(m)["status"], delivery(m)["attempts"]) == ("failed", NOW.max_attempts)


def test_a_redirect_is_not_followed(tmp_path: Path) -> None:
    m = workspace(tmp_path / "ws")
    with Receiver([]) as elsewhere, Receiver([307], location=elsewhere.url) as receiver:
        Access(m, MINA).set_webhook(receiver.url)
        one_alert(m)
        m.alerts.deliver(retry=NOW)
    assert delivery(m)["last_error"] == "the webhook answered HTTP 307" and len(receiver.requests) == 1
    assert elsewhere.requests == []


def test_an_unreachable_webhook_fails_with_the_reason(tmp_path: Path) -> None:
    m = workspace(tmp_path / "ws")
    Access(m, MINA).set_webhook(f"http://127.0.0.1:{free_port()}/nobody-listens")
    one_alert(m)
    assert m.alerts.deliver(retry=NOW).retrying == 1
    assert "could not be reached" in delivery(m)["last_error"]


def test_a_delivery_is_claimed_by_one_process_only(tmp_path: Path) -> None:
    m = workspace(tmp_path / "ws")
    Access(m, MINA).set_webhook("https://crm.example/hook")
    one_alert(m)
    due = delivery(m)
    claims = [m.store.claim_delivery(due["id"], due["next_attempt_at"], "2999-01-01T00:00:00+00:00") for _ in "ab"]
    assert claims == [True, False]


# E-mail -----------------------------------------------------------------------------------------------------------


def test_an_alert_is_emailed_as_plain_text(tmp_path: Path, smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    m = workspace(tmp_path / "ws", smtp_host="127.0.0.1", smtp_port=port, smtp_sender="matcher@agency.example",
                  smtp_starttls=False)  # fmt: skip
    Access(m, MINA).set_alert_email("mina@agency.example")
    one_alert(m, email=True)
    assert m.alerts.deliver(retry=NOW).delivered == 1
    [message] = mailbox.messages
    assert (message["To"], message["From"]) == ("mina@agency.example", "matcher@agency.example")
    assert message["Subject"] == 'New strong match for "Fill-finish": Biomédica Costa del Sol (Málaga)'
    assert message.get_content_type() == "text/plain" and "- Its offer matches the search." in message.get_content()


def test_a_refused_email_is_retried_with_the_servers_answer(tmp_path: Path, smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    m = workspace(tmp_path / "ws", smtp_host="127.0.0.1", smtp_port=port, smtp_sender="matcher@agency.example",
                  smtp_starttls=False)  # fmt: skip
    Access(m, MINA).set_alert_email("nobody@agency.example")
    one_alert(m, email=True)
    assert m.alerts.deliver(retry=NOW).retrying == 1
    assert mailbox.messages == [] and "no such mailbox" in delivery(m)["last_error"]


def test_no_email_is_queued_without_smtp_settings(tmp_path: Path) -> None:
    m = workspace(tmp_path / "ws")
    Access(m, MINA).set_alert_email("mina@agency.example")
    assert Access(m, MINA).alert_channels()["email_enabled"] is False
