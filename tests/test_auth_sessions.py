"""Session tokens that survive a reload (issue 16, item 4) and the growing delay after failed sign-ins.

The tokens are real HMAC-SHA256 tokens over a real secret file; only the clock is a fake the test moves by hand.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import stat
from pathlib import Path

import pytest

import matcher.auth as auth
from matcher.auth import User, add_user, load_users
from matcher.config import Settings, SettingsError
from matcher.ui.sessions import SECRET_NAME, SessionTokens

OLGA = User("olga", "officer")
HANBIT = User("hanbit", "startup", org_id="dj-bio-001")
HOUR = 3600.0


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tokens(tmp_path: Path, clock: Clock) -> SessionTokens:
    return SessionTokens(tmp_path / "ws", lifetime=12 * HOUR, clock=clock)


def test_a_token_names_the_user_it_was_issued_to(tokens: SessionTokens) -> None:
    assert tokens.verify(tokens.issue(HANBIT)) == HANBIT


def test_the_secret_is_created_owner_only_on_first_use(tokens: SessionTokens) -> None:
    tokens.issue(OLGA)
    secret = tokens.home / SECRET_NAME
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and len(bytes.fromhex(secret.read_text())) == 32


def test_a_token_carries_no_password_or_hash(tmp_path: Path, tokens: SessionTokens) -> None:
    add_user(tmp_path / "users.toml", "olga", "officer", "olga-secret-1", iterations=1_000)
    stored = load_users(tmp_path / "users.toml")["olga"]
    token = tokens.issue(stored)
    payload = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()
    assert json.loads(payload)[:3] == ["olga", "officer", ""]
    assert "olga-secret-1" not in token and stored.password_hash.split("$")[3] not in payload


def test_a_token_expires_after_its_lifetime(tokens: SessionTokens, clock: Clock) -> None:
    token = tokens.issue(OLGA)
    clock.now += 12 * HOUR - 1
    assert tokens.verify(token) == OLGA
    clock.now += 2
    assert tokens.verify(token) is None


def test_a_shorter_lifetime_set_later_ends_older_tokens(tmp_path: Path, clock: Clock) -> None:
    token = SessionTokens(tmp_path, lifetime=12 * HOUR, clock=clock).issue(OLGA)
    clock.now += 2 * HOUR
    assert SessionTokens(tmp_path, lifetime=1 * HOUR, clock=clock).verify(token) is None


def test_sign_out_ends_the_users_tokens_but_not_a_new_sign_in(tokens: SessionTokens) -> None:
    old, other = tokens.issue(OLGA), tokens.issue(HANBIT)
    tokens.revoke("olga")
    assert tokens.verify(old) is None
    assert tokens.verify(tokens.issue(OLGA)) == OLGA  # even within the same millisecond
    assert tokens.verify(other) == HANBIT


def test_rotating_the_secret_ends_every_token(tokens: SessionTokens) -> None:
    token = tokens.issue(OLGA)
    tokens.rotate()
    assert tokens.verify(token) is None


@pytest.mark.parametrize("change", ["role", "name", "signature"])
def test_a_tampered_token_is_refused(tokens: SessionTokens, change: str) -> None:
    payload, signature = tokens.issue(HANBIT).split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=="))
    if change == "role":
        fields[1] = "officer"
    elif change == "name":
        fields[0] = "olga"
    else:
        signature = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    forged = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=").decode()
    assert tokens.verify(f"{forged}.{signature}") is None


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "!!!.???", "x" * 5_000, "e30.e30"])
def test_garbage_is_not_a_token(tokens: SessionTokens, token: str) -> None:
    assert tokens.verify(token) is None


def test_another_workspaces_token_is_refused(tmp_path: Path, clock: Clock) -> None:
    token = SessionTokens(tmp_path / "a", clock=clock).issue(OLGA)
    assert SessionTokens(tmp_path / "b", clock=clock).verify(token) is None


def test_the_lifetime_is_a_setting_and_a_bad_value_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MATCHER_SESSION_HOURS", raising=False)
    assert Settings.load(home=tmp_path).session_hours == 12.0
    monkeypatch.setenv("MATCHER_SESSION_HOURS", "0.5")
    assert Settings.load(home=tmp_path).session_hours == 0.5
    for bad in ("soon", "0", "-3", "nan", "100000"):
        monkeypatch.setenv("MATCHER_SESSION_HOURS", bad)
        with pytest.raises(SettingsError, match="session_hours"):
            Settings.load(home=tmp_path)


# ------------------------------------------------------------------------------- growing delay after failures


@pytest.fixture
def users(tmp_path: Path) -> dict[str, User]:
    add_user(tmp_path / "users.toml", "olga", "officer", "olga-secret-1", iterations=1_000)
    return load_users(tmp_path / "users.toml")


def waits_after_each_failure(users: dict[str, User], limiter: auth.SignInLimiter, clock: Clock, n: int) -> list[float]:
    """Fails ``n`` times in a row, each as soon as allowed; the wait imposed after each failure."""
    waits = []
    for _ in range(n):
        assert auth.attempt(users, "olga", "wrong", client="10.0.0.1", limiter=limiter) is None
        wait, _ = limiter.wait("olga", "10.0.0.1")
        waits.append(round(wait, 6))  # the fake clock's sums carry float noise
        clock.now += wait + 0.01
    return waits


def test_the_apps_limiter_makes_every_failure_after_two_wait_longer(users: dict[str, User]) -> None:
    clock = Clock(0.0)
    limiter = auth.SignInLimiter(step_delay=auth.LIMITER.step_delay, clock=clock)
    assert auth.LIMITER.step_delay > 0
    waits = waits_after_each_failure(users, limiter, clock, 10)
    assert waits[:2] == [0.0, 0.0]  # a typo or two costs nothing
    assert waits[2:5] == pytest.approx([2.0, 4.0, limiter.base_backoff])  # then longer; the 5th locks
    assert all(a <= b for a, b in itertools.pairwise(waits)), waits  # a wait never shrinks again
    assert waits[5:] == pytest.approx([limiter.base_backoff] * 4 + [2 * limiter.base_backoff])  # next lock: twice


def test_a_password_typed_during_the_delay_is_not_checked(users: dict[str, User]) -> None:
    clock = Clock(0.0)
    limiter = auth.SignInLimiter(step_delay=2, clock=clock)
    for _ in range(3):
        auth.attempt(users, "olga", "wrong", client="10.0.0.1", limiter=limiter)
    with pytest.raises(auth.Throttled, match="2 s"):
        auth.attempt(users, "olga", "olga-secret-1", client="10.0.0.1", limiter=limiter)
    clock.now += 2.01
    assert auth.attempt(users, "olga", "olga-secret-1", client="10.0.0.1", limiter=limiter) == OLGA


def test_a_client_trying_many_names_meets_a_growing_delay_too(users: dict[str, User]) -> None:
    clock = Clock(0.0)
    limiter = auth.SignInLimiter(step_delay=2, clock=clock)
    waits = []
    for number in range(13):
        with contextlib.suppress(auth.Throttled):
            auth.attempt(users, f"guess{number}", "wrong", client="10.6.6.6", limiter=limiter)
        waits.append(limiter.wait(f"new{number}", "10.6.6.6")[0])  # a name never tried: only the client waits
        clock.now += waits[-1] + 0.01
    assert waits[:10] == [0.0] * 10 and waits[10] < waits[11] < waits[12]


def test_without_a_step_delay_only_the_lock_remains(users: dict[str, User]) -> None:
    clock = Clock(0.0)
    waits = waits_after_each_failure(users, auth.SignInLimiter(clock=clock), clock, 5)
    assert waits[:4] == [0.0] * 4 and waits[4] > 0
