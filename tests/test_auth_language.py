"""A user's language is remembered in the users file: read, written, kept across a password reset, checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.auth import UsersFileError, add_user, load_users, set_language
from matcher.errors import InputError, NotFoundError

FAST = 1_000


@pytest.fixture
def users(tmp_path: Path) -> Path:
    path = tmp_path / "users.toml"
    add_user(path, "mina", "officer", "correct horse", iterations=FAST)
    return path


def test_a_new_user_has_no_language_yet(users: Path) -> None:
    assert load_users(users)["mina"].language is None


def test_the_language_set_is_read_back(users: Path) -> None:
    set_language(users, "mina", "ko")
    assert load_users(users)["mina"].language == "ko"


def test_a_password_reset_keeps_the_language(users: Path) -> None:
    set_language(users, "mina", "de")
    add_user(users, "mina", "officer", "a new password", iterations=FAST)
    assert load_users(users)["mina"].language == "de"


def test_only_two_letter_codes_are_accepted(users: Path) -> None:
    with pytest.raises(InputError, match="two-letter"):
        set_language(users, "mina", "korean")


def test_an_unknown_user_is_named(users: Path) -> None:
    with pytest.raises(NotFoundError, match="nobody"):
        set_language(users, "nobody", "ko")


def test_a_hand_edited_language_that_is_no_code_is_refused(users: Path) -> None:
    users.write_text(users.read_text(encoding="utf-8").replace('role = "officer"', 'role = "officer"\nlanguage = "x"'))
    with pytest.raises(UsersFileError, match="language"):
        load_users(users)
