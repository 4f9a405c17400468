"""Issue 17, findings 8 (brute force, audit, hashing cost, removed users' sessions) and 11 (hand-edited users.toml).

Each test failed on the code before the fix. Module attributes are looked up through ``auth.`` so that a missing
one fails its own test rather than the whole file.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
import textwrap
import threading
import time
import tomllib
from pathlib import Path

import pytest

import matcher.auth as auth
from matcher.auth import User, UsersFileError, add_user, load_users, verify

FAST = 1_000
PASSWORD = "correct horse"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def users(tmp_path: Path) -> dict[str, User]:
    path = tmp_path / "users.toml"
    add_user(path, "mina", "officer", PASSWORD, iterations=FAST)
    add_user(path, "hanbit", "startup", "hanbit-secret", org_id="dj-bio-001", iterations=FAST)
    return load_users(path)


# ------------------------------------------------------------------------------------------- 8: brute force


def test_five_failures_lock_the_account_until_a_back_off_passes(users: dict[str, User]) -> None:
    clock = Clock()
    limiter = auth.SignInLimiter(clock=clock)
    for _ in range(5):
        assert auth.attempt(users, "mina", "wrong password", client="10.0.0.1", limiter=limiter) is None
        clock.now += 1
    # The right password is refused too while the account is locked, with the wait in the message.
    with pytest.raises(auth.Throttled, match=r"try again in \d+ (s|min)") as refused:
        auth.attempt(users, "mina", PASSWORD, client="10.0.0.2", limiter=limiter)
    assert refused.value.wait > 0
    clock.now += refused.value.wait + 1
    assert auth.attempt(users, "mina", PASSWORD, client="10.0.0.2", limiter=limiter) == User("mina", "officer")


def test_an_unknown_name_locks_the_same_way(users: dict[str, User]) -> None:
    # Otherwise the lock itself would tell which names exist.
    limiter = auth.SignInLimiter(clock=Clock())
    for _ in range(5):
        auth.attempt(users, "nobody", "wrong password", client="10.0.0.1", limiter=limiter)
    with pytest.raises(auth.Throttled):
        auth.attempt(users, "nobody", "wrong password", client="10.0.0.3", limiter=limiter)


def test_one_client_trying_many_names_is_throttled(users: dict[str, User]) -> None:
    limiter = auth.SignInLimiter(clock=Clock())
    with pytest.raises(auth.Throttled):
        for number in range(100):
            auth.attempt(users, f"guess{number}", "wrong password", client="10.6.6.6", limiter=limiter)
    # Another client still signs in.
    assert auth.attempt(users, "mina", PASSWORD, client="10.0.0.9", limiter=limiter) is not None


def test_the_back_off_grows_with_more_failures(users: dict[str, User]) -> None:
    clock = Clock()
    limiter = auth.SignInLimiter(clock=clock)
    waits = []
    for _ in range(3):
        for _ in range(5):
            with contextlib.suppress(auth.Throttled):
                auth.attempt(users, "mina", "wrong password", client="c", limiter=limiter)
        with pytest.raises(auth.Throttled) as refused:
            auth.attempt(users, "mina", "wrong password", client="c", limiter=limiter)
        waits.append(refused.value.wait)
        clock.now += refused.value.wait + 0.5
    assert waits[0] < waits[1] < waits[2] <= limiter.max_backoff


def test_failures_and_successes_are_logged(users: dict[str, User], caplog: pytest.LogCaptureFixture) -> None:
    limiter = auth.SignInLimiter(clock=Clock())
    with caplog.at_level(logging.INFO, logger="matcher.auth"):
        auth.attempt(users, "mina", "wrong password", client="10.0.0.1", limiter=limiter)
        auth.attempt(users, "mina", PASSWORD, client="10.0.0.1", limiter=limiter)
        for _ in range(6):
            with contextlib.suppress(auth.Throttled):
                auth.attempt(users, "hanbit", "wrong password", client="10.0.0.1", limiter=limiter)
    records = [(r.levelno, r.getMessage()) for r in caplog.records if r.name.startswith("matcher.auth")]
    assert any(level == logging.WARNING and "failed sign-in" in text and "'mina'" in text and "10.0.0.1" in text
               for level, text in records)
    assert any(level == logging.INFO and "signed in" in text and "'mina'" in text for level, text in records)
    assert any(level == logging.WARNING and "refused" in text and "'hanbit'" in text for level, text in records)
    assert all("wrong password" not in text and PASSWORD not in text for _, text in records)


def test_the_audit_log_is_emitted_with_no_logging_configured(tmp_path: Path) -> None:
    # As in the Streamlit server process: nobody called logging.basicConfig, so INFO went nowhere.
    script = textwrap.dedent(f"""
        from matcher import auth
        path = {str(tmp_path / "users.toml")!r}
        auth.add_user(path, "mina", "officer", {PASSWORD!r}, iterations={FAST})
        auth.configure_audit_log()
        users = auth.load_users(path)
        auth.attempt(users, "mina", "wrong password", client="10.0.0.1")
        auth.attempt(users, "mina", {PASSWORD!r}, client="10.0.0.1")
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert "failed sign-in" in run.stderr and "signed in" in run.stderr.replace("failed sign-in", "")


def test_parallel_attempts_do_not_hash_in_parallel_without_bound(
    users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = auth._hash
    lock = threading.Lock()
    running = peak = 0

    def tracked(password: str, salt: bytes, iterations: int) -> bytes:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.05)
            return real(password, salt, 1)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(auth, "_hash", tracked)
    threads = [threading.Thread(target=verify, args=(users, "mina", f"guess {n}")) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= peak <= getattr(auth, "HASH_CONCURRENCY", 1) < 12


# ------------------------------------------------------------------------------------------- 8: open sessions


SESSION_SCRIPT = """
import streamlit as st
from matcher.ui.state import current_user
user = current_user()
st.write("user=" + (user.name if user else "none"))
"""


def test_a_removed_user_is_signed_out_on_the_next_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    path = tmp_path / "ws" / "users.toml"
    add_user(path, "mina", "officer", PASSWORD, iterations=FAST)
    add_user(path, "olga", "officer", PASSWORD, iterations=FAST)
    monkeypatch.setenv("MATCHER_HOME", str(path.parent))
    at = AppTest.from_string(SESSION_SCRIPT, default_timeout=30)
    at.session_state["user"] = User("mina", "officer")
    at.run()
    assert at.markdown[0].value == "user=mina"
    auth._write(path, {"olga": load_users(path)["olga"]})  # mina removed by hand
    at.run()
    assert at.markdown[0].value == "user=none"
    assert "user" not in at.session_state


def test_a_user_whose_role_or_organisation_changed_is_signed_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    path = tmp_path / "ws" / "users.toml"
    add_user(path, "hanbit", "startup", PASSWORD, org_id="dj-bio-001", iterations=FAST)
    monkeypatch.setenv("MATCHER_HOME", str(path.parent))
    at = AppTest.from_string(SESSION_SCRIPT, default_timeout=30)
    at.session_state["user"] = User("hanbit", "startup", org_id="dj-bio-001")
    at.run()
    assert at.markdown[0].value == "user=hanbit"
    time.sleep(0.01)  # a new modification time even on coarse file systems
    add_user(path, "hanbit", "startup", PASSWORD, org_id="dj-bio-002", iterations=FAST)
    at.run()
    assert at.markdown[0].value == "user=none"


# ------------------------------------------------------------------------------------------- 11: users.toml


def _entry(name: str = "mina", iterations: object = FAST, org: str | None = None) -> str:
    salt, digest = "00" * 16, "11" * 32
    org_line = f'org_id = "{org}"\n' if org else ""
    role = "startup" if org else "officer"
    return (f'[[users]]\nname = "{name}"\nrole = "{role}"\n{org_line}'
            f'password_hash = "pbkdf2_sha256${iterations}${salt}${digest}"\n')


@pytest.mark.parametrize("iterations", [0, -5, 2**40, "abc"])
def test_a_hand_edited_iteration_count_out_of_range_is_refused_in_words(tmp_path: Path, iterations: object) -> None:
    path = tmp_path / "users.toml"
    path.write_text(_entry("olga") + _entry("mina", iterations))
    started = time.perf_counter()
    with pytest.raises(UsersFileError, match=r"users\.toml.*'mina'.*iteration"):
        load_users(path)
    assert time.perf_counter() - started < 1


def test_a_bad_hash_can_still_be_reset_with_add_user(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    path.write_text(_entry("olga") + _entry("mina", 2**40))
    add_user(path, "mina", "officer", PASSWORD, iterations=FAST)
    assert verify(load_users(path), "mina", PASSWORD) == User("mina", "officer")


def test_duplicate_names_are_an_error_not_last_wins(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    path.write_text(_entry("mina") + _entry("olga") + _entry("mina"))
    with pytest.raises(UsersFileError, match=r"'mina'.*more than once"):
        load_users(path)


@pytest.mark.parametrize(
    ("name", "org"),
    [('mi\\"na', None), ("mina", "dj\\nbio"), ("mina", "dj\\\\bio"), ("mi\\u0000na", None), ("mina\\u001b[2J", None)],
)
def test_a_hand_edited_name_or_org_id_never_makes_the_next_write_invalid(
    tmp_path: Path, name: str, org: str | None
) -> None:
    path = tmp_path / "users.toml"
    path.write_text(_entry("olga") + _entry(name, org=org))
    tomllib.loads(path.read_text())  # valid TOML as edited by hand
    with contextlib.suppress(UsersFileError):
        add_user(path, "newbie", "officer", PASSWORD, iterations=FAST)
    data = tomllib.loads(path.read_text())  # still valid: nobody is locked out
    assert "olga" in {entry["name"] for entry in data["users"]}


def test_a_strange_entry_is_refused_with_its_name_and_the_file(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    path.write_text(_entry("olga") + _entry("mina", org="dj\\nbio"))
    with pytest.raises(UsersFileError, match=r"users\.toml.*'mina'.*org_id"):
        load_users(path)


@pytest.mark.parametrize("text", ['qu"ote', "back\\slash", "new\nline", "tab\there", "del\x7f", "ünï 한국 🚀", "'''"])
def test_the_users_file_writer_round_trips_any_string(tmp_path: Path, text: str) -> None:
    path = tmp_path / "users.toml"
    auth._write(path, {"x": User("x", "startup", org_id=text, password_hash=f"h{text}")})
    [entry] = tomllib.loads(path.read_text())["users"]
    assert (entry["org_id"], entry["password_hash"]) == (text, f"h{text}")


def _rounds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records the PBKDF2 rounds every hash costs (deterministic, unlike wall-clock timing)."""
    spent: list[int] = []
    real = auth._hash

    def counted(password: str, salt: bytes, iterations: int) -> bytes:
        spent.append(iterations)
        return real(password, salt, iterations if iterations == FAST else 1)

    monkeypatch.setattr(auth, "_hash", counted)
    return spent


def test_a_low_iteration_hash_costs_as_much_as_an_unknown_name(
    users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    spent = _rounds(monkeypatch)
    assert verify(users, "nobody", "wrong password") is None
    unknown = sum(spent)
    spent.clear()
    assert verify(users, "mina", "wrong password") is None
    known_wrong = sum(spent)
    spent.clear()
    assert verify(users, "mina", PASSWORD) is not None
    known_right = sum(spent)
    assert unknown >= auth.ITERATIONS
    assert known_wrong == known_right == unknown


def test_a_low_iteration_hash_is_upgraded_on_a_successful_sign_in(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    add_user(path, "mina", "officer", PASSWORD, iterations=FAST)
    add_user(path, "olga", "officer", "battery staple", iterations=FAST)
    limiter = auth.SignInLimiter(clock=Clock())
    assert auth.attempt(load_users(path), "mina", PASSWORD, client="c", limiter=limiter, path=path) is not None
    users = load_users(path)
    assert users["mina"].password_hash.startswith(f"pbkdf2_sha256${auth.ITERATIONS}$")
    assert users["olga"].password_hash.startswith(f"pbkdf2_sha256${FAST}$")
    assert verify(users, "mina", PASSWORD) == User("mina", "officer")
