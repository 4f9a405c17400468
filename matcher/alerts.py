"""Alerts on saved searches: which profiles newly match in the "strong" band, and how an alert leaves the matcher.

A saved search is a search (text and filters) or a recommendation (an organisation and filters) that a user named.
When profiles are added or changed, the ones that now match a saved search in the "strong" band
(:mod:`matcher.bands`, on the scale of the search or of the ranking) become alerts, once per saved search and
profile. This module holds the rules and the wire formats; :mod:`matcher.service.alerts` runs the checks and the
deliveries over the store.

Webhooks: each alert is POSTed as JSON with ``X-Matcher-Signature: sha256=<hex>``, the HMAC-SHA256 of the exact
body under the user's secret, and ``X-Matcher-Timestamp`` (Unix seconds), which the body repeats as ``sent_at``
so that the signature covers it: a receiver recomputes the HMAC over the raw body (:func:`verify`), compares the
header with ``sent_at`` and refuses a message older than a few minutes (a replayed one), and may keep the
``delivery`` ids it has seen. Failed deliveries are retried on :class:`RetryPolicy`'s schedule.

Webhook targets are public hosts only: a URL whose host is, or resolves to, a loopback, private, link-local,
multicast, reserved or unspecified address (the cloud's metadata service at 169.254.169.254, the database on the
LAN) is refused when it is saved (:func:`check_webhook_url`) and again when an alert is sent (:func:`post_webhook`
connects only to the addresses it checked, so a name that resolves elsewhere by then is refused too), unless the
workspace allows private targets (``webhook_allow_private``). Redirects are never followed.

Saved searches, alerts and alert channels belong to an owner: an app account or an API key, each in its own
namespace (:func:`owner_of`), so that an account and a key of the same name never share them.

Example:
    >>> body = webhook_body({"id": 7, "saved_search": "ADC fill-finish"}, delivery_id=3, sent_at=1_700_000_000)
    >>> signature = sign("s3cret", body)
    >>> signature.startswith("sha256="), verify("s3cret", body, signature), verify("other", body, signature)
    (True, True, False)
    >>> RetryPolicy().delay(1), RetryPolicy().delay(RetryPolicy().max_attempts)
    (30.0, None)
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import re
import secrets
import smtplib
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from email.message import EmailMessage
from functools import partial
from typing import Any, Literal
from urllib.parse import urlsplit

from .bands import Band
from .errors import InputError, StateError
from .filters import Filters

__all__ = [
    "MAX_EMAIL_CHARS",
    "MAX_NAME_CHARS",
    "MAX_SAVED_PER_USER",
    "MAX_URL_CHARS",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "AlertCandidate",
    "DeliveryError",
    "RetryPolicy",
    "SavedKind",
    "SmtpSettings",
    "check_email",
    "check_saved_name",
    "check_webhook_url",
    "email_message",
    "filters_from_json",
    "filters_to_json",
    "new_secret",
    "owner_of",
    "post_webhook",
    "send_email",
    "sign",
    "split_owner",
    "strong_and_changed",
    "verify",
    "webhook_body",
]

SavedKind = Literal["search", "recommend"]
"""A saved search's kind: a free-text search, or partner suggestions for one organisation."""

MAX_SAVED_PER_USER = 20
"""The most saved searches one user keeps: each one is checked whenever profiles change."""
MAX_NAME_CHARS = 100
"""The longest name of a saved search."""
MAX_URL_CHARS = 2_000
"""The longest webhook URL (what browsers and proxies reliably pass)."""
MAX_EMAIL_CHARS = 254
"""The longest e-mail address (RFC 5321's path limit less the brackets)."""
MAX_ERROR_CHARS = 300
"""The longest failure kept for a delivery (what the inbox shows)."""

SIGNATURE_HEADER = "X-Matcher-Signature"
TIMESTAMP_HEADER = "X-Matcher-Timestamp"

_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
"""An address: something, one @, a domain with a dot; no spaces, brackets, quotes or list separators."""


class DeliveryError(StateError):
    """An alert could not be delivered (the receiver refused it, or could not be reached); it is retried."""


@dataclass(frozen=True)
class AlertCandidate:
    """A profile that matches a saved search in the strong band, before it is stored as an alert.

    Attributes:
        saved_search_id: The saved search.
        owner: Whose it is.
        profile_id: The matching profile.
        score: Its score on the saved search's scale (search similarity, or reciprocal score).
        band: Its band (``strong``).
        reasons: Why it matches, strongest first.
        facet: For a search, which text matched (``profile``, ``offers``, ``seeks`` or ``name``): whether its owner
            may see that text decides whether the alert may be shown. Not stored.
    """

    saved_search_id: int
    owner: str
    profile_id: str
    score: float
    band: str
    reasons: tuple[str, ...] = ()
    facet: str | None = None

    def to_row(self) -> dict[str, Any]:
        """The columns of the store's ``alerts`` table."""
        row = asdict(self)
        del row["facet"]
        return row


def strong_and_changed(scored: Iterable[tuple[str, float, Band]], changed: Iterable[str]) -> list[tuple[str, float]]:
    """The ``(id, score)`` of the scored profiles that are in the strong band and among ``changed``, in the order
    given.

    Example:
        >>> strong_and_changed([("a", 0.8, Band.STRONG), ("b", 0.7, Band.STRONG), ("c", 0.4, Band.WEAK)], {"b", "c"})
        [('b', 0.7)]
    """
    wanted = set(changed)
    return [(pid, score) for pid, score, band in scored if band is Band.STRONG and pid in wanted]


def filters_to_json(filters: Filters | None) -> str:
    """A saved search's filters as JSON (only the fields that filter).

    Example:
        >>> filters_to_json(Filters(country=("ES",)))
        '{"country": ["ES"]}'
        >>> filters_from_json(filters_to_json(Filters(country=("ES",), org_type=("sme",))))
        Filters(city=(), country=('ES',), org_type=('sme',), sector=(), stage=(), size=(), name=())
    """
    given = {} if filters is None else {f.name: list(getattr(filters, f.name)) for f in fields(filters)}
    return json.dumps({name: values for name, values in given.items() if values}, ensure_ascii=False)


def filters_from_json(text: str) -> Filters:
    """The filters :func:`filters_to_json` wrote (as canonical values, so they are taken as they are)."""
    return Filters(**{name: tuple(values) for name, values in json.loads(text or "{}").items()})


def check_saved_name(name: str) -> str:
    """A saved search's name, stripped.

    Raises:
        InputError: The name is empty or longer than :data:`MAX_NAME_CHARS`.

    Example:
        >>> check_saved_name("  ADC partners in Spain ")
        'ADC partners in Spain'
    """
    stripped = name.strip()
    if not stripped or len(stripped) > MAX_NAME_CHARS:
        raise InputError(f"a saved search needs a name of 1 to {MAX_NAME_CHARS} characters")
    return stripped


def owner_of(name: str, *, key_id: str | None = None) -> str:
    """Whose saved searches, alerts and alert channels these are: ``user:<name>`` for the app account ``name``,
    ``key:<key id>`` for an API key (its public id: a key made later under the same name, maybe for another role,
    starts with none of them). Names hold no ``:`` (:mod:`matcher.auth`), so the two never meet.

    Example:
        >>> owner_of("mina"), owner_of("mina", key_id="0123456789ab")
        ('user:mina', 'key:0123456789ab')
    """
    return f"key:{key_id}" if key_id is not None else f"user:{name}"


def split_owner(owner: str) -> tuple[str, str]:
    """An owner's kind (``user``, ``key``, or ``legacy`` for what the upgrade to revision 0008 could not tell
    apart: see that revision) and its name or key id: :func:`owner_of` read back.

    Example:
        >>> split_owner(owner_of("mina")), split_owner(owner_of("crm", key_id="0123456789ab"))
        (('user', 'mina'), ('key', '0123456789ab'))
    """
    kind, _, ident = owner.partition(":")
    return kind, ident


_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _refused_kind(address: _Address) -> str | None:
    """What makes ``address`` no webhook target (``loopback``, ``private``...), None for a public one; an IPv6
    address that carries an IPv4 one (IPv4-mapped, 6to4, Teredo) is judged by that one too.

    Example:
        >>> [_refused_kind(ipaddress.ip_address(a)) for a in ("8.8.8.8", "::ffff:10.0.0.1", "169.254.169.254")]
        [None, 'private', 'link-local']
    """
    inside: list[_Address] = [address]
    if isinstance(address, ipaddress.IPv6Address):  # the IPv4 address inside first: it says more
        inside[:0] = [found for found in (address.ipv4_mapped, address.sixtofour, *(address.teredo or ())) if found]
    for candidate in inside:
        for kind, test in (("unspecified", candidate.is_unspecified), ("loopback", candidate.is_loopback),
                           ("link-local", candidate.is_link_local), ("multicast", candidate.is_multicast),
                           ("reserved", candidate.is_reserved), ("private", candidate.is_private),
                           ("non-public", not candidate.is_global)):  # fmt: skip
            if test:
                return kind
    return None


def _resolve(host: str, port: int, timeout: float) -> list[tuple[socket.AddressFamily, tuple[Any, ...]]]:
    """The addresses ``host`` resolves to, as ``(family, sockaddr)`` for TCP; an IP address is taken as it is.

    getaddrinfo has no timeout of its own: it runs in a daemon thread, waited for ``timeout`` seconds.

    Raises:
        OSError: The name does not resolve (``socket.gaierror``), or not within ``timeout`` (``TimeoutError``).
    """
    found: list[Any] = []
    failed: list[OSError] = []

    def lookup() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as error:
            failed.append(error)

    thread = threading.Thread(target=lookup, name="matcher-webhook-dns", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"the name {host} did not resolve within {timeout:g} s")
    if failed:
        raise failed[0]
    return [(family, sockaddr) for family, _, _, _, sockaddr in found]


def _is_ip(host: str) -> bool:
    """Whether ``host`` is an IP address (an IPv6 one maybe with a zone, ``fe80::1%eth0``), not a name."""
    try:
        ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return False
    return True


def _refusal(host: str, addresses: Iterable[tuple[Any, ...]]) -> str | None:
    """Why a webhook may not go to ``host`` at ``addresses`` (sockaddrs), None when every one is public."""
    for sockaddr in addresses:
        shown = str(sockaddr[0]).partition("%")[0]  # an IPv6 scope ("fe80::1%eth0") is no part of the address
        kind = _refused_kind(ipaddress.ip_address(shown))
        if kind is not None:
            where = shown if shown == host.strip("[]") else f"{host} ({shown})"
            return (
                f"the webhook host {where} is not public ({kind} address): webhooks go to public hosts only (an "
                "administrator may allow hosts on the local network with the webhook_allow_private setting)"
            )
    return None


def check_webhook_url(url: str, *, allow_private: bool = False, timeout: float = 5.0) -> str:
    """A webhook URL: ``http`` or ``https``, with a host, at most :data:`MAX_URL_CHARS` characters, whose host is
    public unless ``allow_private``: every address it resolves to (within ``timeout`` seconds) is neither loopback,
    private, link-local, multicast, reserved nor unspecified. A name that does not resolve (yet) is taken: each
    delivery checks the host again (:func:`post_webhook`).

    Raises:
        InputError: Another scheme (``file:``, ``ftp:``...), no host, credentials in the URL, too long, or a host
            on a private address.

    Example:
        >>> check_webhook_url("https://crm.example/hooks/matcher")
        'https://crm.example/hooks/matcher'
        >>> check_webhook_url("http://169.254.169.254/latest/meta-data/")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        matcher.errors.InputError: the webhook host 169.254.169.254 is not public (link-local address): ...
    """
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise InputError(f"the webhook URL has {len(url):,} characters, above the limit of {MAX_URL_CHARS:,}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        raise InputError("the webhook URL cannot be read: give http://host/path or https://host/path") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError("a webhook URL starts with http:// or https:// and names a host")
    if parts.username or parts.password:
        raise InputError("a webhook URL may not hold a user name or password: the signature authenticates alerts")
    if any(ord(char) < 33 for char in url):
        raise InputError("a webhook URL may not hold spaces or control characters")
    if not allow_private:
        try:
            addresses = [sockaddr for _, sockaddr in _resolve(parts.hostname, parts.port or 0, timeout)]
        except OSError:  # not resolvable now (each delivery checks it again), or an IPv6 address with a zone
            addresses = [(parts.hostname,)] if _is_ip(parts.hostname) else []
        if (refused := _refusal(parts.hostname, addresses)) is not None:
            raise InputError(refused)
    return url


def check_email(address: str) -> str:
    """An e-mail address, stripped.

    Raises:
        InputError: It does not look like ``name@domain.tld`` or is longer than :data:`MAX_EMAIL_CHARS`.

    Example:
        >>> check_email(" mina@daejeon.example ")
        'mina@daejeon.example'
    """
    address = address.strip()
    if len(address) > MAX_EMAIL_CHARS or not _EMAIL.match(address):
        raise InputError("give one e-mail address such as name@agency.example")
    return address


def new_secret() -> str:
    """A webhook signing secret: 32 random bytes, URL-safe base64."""
    return secrets.token_urlsafe(32)


def sign(secret: str, body: bytes) -> str:
    """The ``X-Matcher-Signature`` of ``body``: ``sha256=`` and the hex HMAC-SHA256 under ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """Whether ``signature`` is :func:`sign`'s for ``body`` (in constant time): what a webhook receiver checks."""
    return hmac.compare_digest(sign(secret, body), signature)


def webhook_body(alert: Mapping[str, Any], *, delivery_id: int, sent_at: int) -> bytes:
    """The JSON a webhook receives: the alert, the delivery's id (for receivers that drop repeats) and ``sent_at``
    (Unix seconds, as the timestamp header), in UTF-8."""
    payload = {"event": "alert", "delivery": delivery_id, "sent_at": sent_at, "alert": dict(alert)}
    return json.dumps(payload, ensure_ascii=False, default=str).encode()


@dataclass(frozen=True)
class RetryPolicy:
    """When failed deliveries are tried again: ``base_seconds`` after the first failure, multiplied by ``factor``
    after each further one, never more than ``max_delay_seconds`` apart, and no more than ``max_attempts`` in all.

    Attributes:
        max_attempts: Attempts in all, the first included; then the delivery is given up ("failed").
        base_seconds: The wait after the first failure.
        factor: How much each wait grows.
        max_delay_seconds: The longest wait.
        timeout_seconds: How long one attempt may take (connect and answer).

    Example:
        >>> [RetryPolicy().delay(n) for n in range(1, 7)]
        [30.0, 120.0, 480.0, 1920.0, 7680.0, None]
    """

    max_attempts: int = 6
    base_seconds: float = 30.0
    factor: float = 4.0
    max_delay_seconds: float = 6 * 3600.0
    timeout_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_seconds < 0 or self.factor < 1 or self.timeout_seconds <= 0:
            raise ValueError(
                "a retry policy needs max_attempts >= 1, base_seconds >= 0, factor >= 1 and timeout_seconds > 0"
            )

    def delay(self, attempts: int) -> float | None:
        """Seconds to wait after ``attempts`` failed attempts; None when they were the last allowed."""
        if attempts >= self.max_attempts:
            return None
        return min(self.max_delay_seconds, self.base_seconds * self.factor ** (attempts - 1))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Webhooks are not redirected: a redirect would re-send the alert, unsigned, wherever the receiver points (an
    internal host included)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _connect_checked(
    address: tuple[str, int], timeout: float | None, source_address: Any = None, *, allow_private: bool
) -> socket.socket:
    """A TCP connection to ``address`` (host, port), made only to addresses that were checked: the name is resolved
    once, every address it gives is checked (unless ``allow_private``), and the connection goes to one of those, so
    a name that resolves elsewhere a moment later (DNS rebinding) changes nothing.

    Raises:
        DeliveryError: The host is or resolves to an address that is not public.
        OSError: It does not resolve, or no address answers.
    """
    host, port = address
    wait = timeout if isinstance(timeout, int | float) else None
    addresses = _resolve(host, port, wait or 5.0)
    if not allow_private and (refused := _refusal(host, (sockaddr for _, sockaddr in addresses))) is not None:
        raise DeliveryError(refused)
    last: OSError = OSError(f"{host} resolves to no address")
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(wait)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
        except OSError as error:
            sock.close()
            last = error
        else:
            return sock
    raise last


class _CheckedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection that goes only to checked addresses (:func:`_connect_checked`)."""

    def __init__(self, *args: Any, allow_private: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = partial(_connect_checked, allow_private=allow_private)


class _CheckedHTTPSConnection(_CheckedHTTPConnection, http.client.HTTPSConnection):
    """An HTTPS connection that goes only to checked addresses; the certificate is verified for the URL's host."""


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_CheckedHTTPConnection, allow_private=self.allow_private), req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_CheckedHTTPSConnection, allow_private=self.allow_private), req)


def post_webhook(
    url: str, body: bytes, secret: str, *, sent_at: int, timeout: float, allow_private: bool = False
) -> None:
    """POSTs a :func:`webhook_body` to ``url``, signed with ``secret``; any 2xx answer is a delivery.

    The host is checked again as the connection is made (see the module): a target that is not public is refused
    unless ``allow_private``. The request goes straight to the host, never through a proxy of the environment
    (which would resolve the name again, unchecked).

    Raises:
        DeliveryError: Another status (redirects included), a timeout, no connection, or a host that is not
            public; the message says which.
    """
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "innopolis-matcher-alerts",
            SIGNATURE_HEADER: sign(secret, body),
            TIMESTAMP_HEADER: str(sent_at),
        },
    )
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _NoRedirect, _CheckedHTTPHandler(allow_private),
        _CheckedHTTPSHandler(allow_private),
    )  # fmt: skip
    try:
        with opener.open(request, timeout=timeout) as answer:
            status = answer.status
    except urllib.error.HTTPError as refused:
        status = refused.code
    except (urllib.error.URLError, OSError) as unreachable:
        reason = getattr(unreachable, "reason", unreachable)
        raise DeliveryError(f"the webhook could not be reached: {reason}"[:MAX_ERROR_CHARS]) from None
    if not 200 <= status < 300:
        raise DeliveryError(f"the webhook answered HTTP {status}")


@dataclass(frozen=True)
class SmtpSettings:
    """How alerts are e-mailed.

    Attributes:
        host: The SMTP server.
        port: Its port.
        sender: The From address.
        starttls: Upgrade the connection with STARTTLS before anything is sent (and before a login).
        user: The login, if the server needs one.
        password: Its password (from the environment only).
        timeout: Seconds one connection may take.
    """

    host: str
    port: int
    sender: str
    starttls: bool = True
    user: str | None = None
    password: str | None = None
    timeout: float = 10.0

    def __repr__(self) -> str:  # never the password, in logs or tracebacks
        return f"SmtpSettings(host={self.host!r}, port={self.port}, sender={self.sender!r}, user={self.user!r})"


def email_message(alert: Mapping[str, Any], *, sender: str, to: str) -> EmailMessage:
    """One alert as a plain-text e-mail.

    Example:
        >>> alert = {"saved_search": "ADC", "profile_id": "ma-bio-001", "profile_name": "Biomédica", "city": "Málaga",
        ...          "country": "ES", "score": 0.82, "band": "strong", "reasons": ("Offers GMP fill-finish.",)}
        >>> message = email_message(alert, sender="matcher@agency.example", to="mina@agency.example")
        >>> message["Subject"]
        'New strong match for "ADC": Biomédica (Málaga)'
    """
    who = alert.get("profile_name") or alert["profile_id"]
    place = f" ({alert['city']})" if alert.get("city") else ""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f'New strong match for "{alert["saved_search"]}": {who}{place}'
    lines = [
        f'{who}{place}, {alert.get("country") or ""} ({alert["profile_id"]}) now matches your saved search '
        f'"{alert["saved_search"]}" in the {alert["band"]} band (score {float(alert["score"]):.2f}).',
        "",
        *(f"- {reason}" for reason in alert.get("reasons", ())),
        "",
        "Open the inbox of Innopolis Matcher to see it and mark it read.",
    ]
    message.set_content("\n".join(lines))
    return message


def send_email(settings: SmtpSettings, messages: Sequence[EmailMessage]) -> None:
    """Sends ``messages`` over one SMTP connection (STARTTLS first when asked, then the login if any).

    Raises:
        DeliveryError: The server could not be reached, refused the login or a recipient, or the TLS upgrade failed.
    """
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            for message in messages:
                smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as failed:
        raise DeliveryError(f"the e-mail could not be sent: {failed}"[:MAX_ERROR_CHARS]) from None
