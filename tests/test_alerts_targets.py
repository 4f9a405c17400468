"""Webhook targets (issue #14 follow-up, SSRF): a webhook goes to public hosts only, unless the workspace allows
private ones (``webhook_allow_private``). Refused when saved (an InputError with the reason) and again when sent (a
failed delivery, recorded and retried), where the connection goes only to the address that was checked: a name that
resolves elsewhere by then (DNS rebinding) is refused too, and HTTPS still verifies the certificate for the URL's
name. Webhooks go straight to the host, never through a proxy.

The resolver is replaced only where a test needs a name to resolve to a chosen address (there is no network here);
the receiver is a real server on loopback (tests/test_alerts_delivery.py).
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from test_alerts_delivery import NOW, PROFILE, Receiver, delivery, one_alert

from matcher.alerts import DeliveryError, check_webhook_url, post_webhook
from matcher.api import Matcher
from matcher.auth import User
from matcher.config import Settings
from matcher.errors import InputError
from matcher.policy import Access

MINA = User("mina", "officer")


@pytest.mark.parametrize(
    ("host", "kind"),
    [("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("10.1.2.3", "private"), ("172.16.0.5", "private"),
     ("192.168.1.20", "private"), ("169.254.169.254", "link-local"), ("224.0.0.251", "multicast"),
     ("240.0.0.1", "reserved"), ("0.0.0.0", "unspecified"), ("100.64.0.1", "non-public"), ("[::1]", "loopback"),
     ("[::ffff:127.0.0.1]", "loopback"), ("[::ffff:169.254.169.254]", "link-local"), ("[fe80::1]", "link-local"),
     ("[fd12:3456::1]", "private"), ("[ff02::1]", "multicast"), ("[::]", "unspecified")],
)  # fmt: skip
def test_a_webhook_on_an_internal_address_is_refused_with_its_kind(host: str, kind: str) -> None:
    with pytest.raises(InputError, match=rf"is not public \({kind} address\): webhooks go to public hosts only"):
        check_webhook_url(f"http://{host}:8080/hook")


def test_a_name_that_resolves_to_loopback_is_refused_with_the_address() -> None:
    with pytest.raises(InputError, match=r"the webhook host localhost \(127\.0\.0\.1\) is not public \(loopback"):
        check_webhook_url("http://localhost:8000/hook")


def test_an_address_written_as_one_number_is_judged_by_the_address() -> None:
    with pytest.raises(InputError, match=r"2130706433 \(127\.0\.0\.1\) is not public"):
        check_webhook_url("http://2130706433/hook")


def test_the_refusal_names_the_setting_that_allows_private_hosts() -> None:
    with pytest.raises(InputError, match="webhook_allow_private"):
        check_webhook_url("http://10.0.0.8/crm")


@pytest.mark.parametrize("url", ["http://10.0.0.8/crm", "http://localhost:8000/hook", "http://[::1]/hook"])
def test_private_hosts_are_taken_where_the_workspace_allows_them(url: str) -> None:
    assert check_webhook_url(url, allow_private=True) == url


def test_a_public_address_is_taken() -> None:
    assert check_webhook_url("https://93.184.215.14/hooks/matcher") == "https://93.184.215.14/hooks/matcher"


def test_a_name_that_does_not_resolve_yet_is_taken_for_the_delivery_to_check() -> None:
    assert check_webhook_url("https://crm.example/hook") == "https://crm.example/hook"


# Saved through the policy, and sent ------------------------------------------------------------------------------


def workspace(home: Path, *, allow_private: bool) -> Matcher:
    """A workspace holding one profile, allowing private webhook hosts or not."""
    m = Matcher(settings=Settings.load(home=home, webhook_allow_private=allow_private))
    m.importer.upsert([PROFILE])
    return m


def test_saving_a_webhook_on_an_internal_host_is_refused_and_sets_nothing(tmp_path: Path) -> None:
    access = Access(workspace(tmp_path / "ws", allow_private=False), MINA)
    with pytest.raises(InputError, match=r"169\.254\.169\.254 is not public"):
        access.set_webhook("http://169.254.169.254/latest/meta-data/")
    assert access.alert_channels()["webhook_url"] is None


def test_a_webhook_saved_while_allowed_is_refused_at_delivery_once_disallowed(tmp_path: Path) -> None:
    with Receiver([]) as receiver:
        allowing = workspace(tmp_path / "ws", allow_private=True)
        Access(allowing, MINA).set_webhook(receiver.url)
        one_alert(allowing)
        allowing.close()
        strict = Matcher(settings=Settings.load(home=tmp_path / "ws", webhook_allow_private=False))
        report = strict.alerts.deliver(retry=NOW)
    assert report.retrying == 1 and receiver.requests == []
    assert delivery(strict)["last_error"].startswith("the webhook host 127.0.0.1 is not public (loopback address)")


class Resolver:
    """The system resolver, but for ``name``, which resolves to ``address`` (changed at will: DNS rebinding)."""

    def __init__(self, name: str, address: str) -> None:
        self.name, self.address = name, address
        self.system = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return self.system(self.address if host == self.name else host, port, *args, **kwargs)


def test_a_name_that_resolves_to_loopback_by_the_time_of_delivery_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = workspace(tmp_path / "ws", allow_private=False)
    resolver = Resolver("hooks.partner.example", "93.184.215.14")  # public when the webhook is saved
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with Receiver([]) as receiver:
        port = receiver.server.server_address[1]
        Access(m, MINA).set_webhook(f"http://hooks.partner.example:{port}/hooks/matcher")
        one_alert(m)
        resolver.address = "127.0.0.1"  # rebound to the server itself
        assert m.alerts.deliver(retry=NOW).retrying == 1
    assert receiver.requests == []
    assert "hooks.partner.example (127.0.0.1) is not public (loopback address)" in delivery(m)["last_error"]


def test_a_name_on_the_teams_network_is_delivered_to_where_allowed_under_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = workspace(tmp_path / "ws", allow_private=True)
    monkeypatch.setattr(socket, "getaddrinfo", Resolver("crm.team.lan", "127.0.0.1"))
    with Receiver([]) as receiver:
        Access(m, MINA).set_webhook(f"http://crm.team.lan:{receiver.server.server_address[1]}/hook")
        one_alert(m)
        assert m.alerts.deliver(retry=NOW).delivered == 1
    [(headers, _)] = receiver.requests
    assert headers["Host"].startswith("crm.team.lan:")  # the name is kept for the receiver (virtual hosts, TLS)


def test_a_webhook_goes_straight_to_its_host_never_through_a_proxy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", "http://203.0.113.9:3128")  # a proxy would resolve the name again, unchecked
    monkeypatch.setenv("no_proxy", "")
    m = workspace(tmp_path / "ws", allow_private=True)
    with Receiver([]) as receiver:
        Access(m, MINA).set_webhook(receiver.url)
        one_alert(m)
        assert m.alerts.deliver(retry=NOW).delivered == 1
    assert len(receiver.requests) == 1


class TlsReceiver(BaseHTTPRequestHandler):
    """Answers 204 to a POST (over TLS, see :func:`tls_port`)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def tls_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The port of an HTTPS receiver on 127.0.0.1 whose certificate (self-signed, made by openssl) names
    ``localhost`` only, and which this process trusts (``SSL_CERT_FILE``)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), TlsReceiver)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_https_to_a_checked_address_still_verifies_the_certificate_for_the_name(tls_port: int) -> None:
    post_webhook(f"https://localhost:{tls_port}/hook", b"{}", "s3cret", sent_at=1, timeout=5, allow_private=True)
    with pytest.raises(DeliveryError, match="certificate verify failed"):  # the certificate names localhost only
        post_webhook(f"https://127.0.0.1:{tls_port}/hook", b"{}", "s3cret", sent_at=1, timeout=5, allow_private=True)
