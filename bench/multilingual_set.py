"""The cross-language evaluation set (issue #12): Korean, German and Spanish texts for the English demo profiles.

The set lives in ``tests/data/multilingual/`` (its ``DATACARD.md`` says who wrote it, how and with which limits):

- ``profiles_{ko,de,es}.csv``: the ``description``, ``offers`` and ``seeks`` of demo profiles, written in Korean
  (Daejeon), German (Dortmund) and Spanish (Málaga), every organisation of the demo's planted pairs among them;
- ``queries.csv``: short searches typed in those languages, each with the English demo profile(s) it should find
  (the intended one first) and a ``latin_anchor`` flag for the queries a shared Latin-script token could carry.

This module reads both into frames and checks them on the way in, so a broken file fails loudly instead of
scoring silently wrong; it runs no model. :func:`mixed_demo` gives the demo with the translated texts swapped in,
to measure the planted pairs with mixed-language profiles. ``python3 bench/multilingual_set.py`` prints a summary.

Example:
    >>> queries = load_queries()
    >>> queries.loc[queries["query_id"] == "ko-01", "expected_ids"].item()
    ('ma-bio-001', 'ca-bio-002')
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from matcher.errors import InputError

REPO = Path(__file__).resolve().parents[1]
SET_DIR = REPO / "tests" / "data" / "multilingual"

DEMO_PROFILES = (REPO / "matcher" / "data" / "demo" / "profiles.csv", REPO / "data" / "demo" / "profiles.csv")
"""Where the demo profiles may be, in order: the package data first, the repository's ``data/`` folder second."""

LANGUAGES = ("ko", "de", "es")
"""The set's languages (ISO 639-1), one profiles file each."""

TEXT_COLUMNS = ("description", "offers", "seeks")
PROFILE_COLUMNS = ("id", "language", *TEXT_COLUMNS)
QUERY_COLUMNS = ("query_id", "language", "text", "expected_ids", "latin_anchor")

ANCHOR_TEXT_COLUMNS = ("name", "description", "offers", "seeks", "technologies")
"""The English demo fields a query's Latin-script token is looked up in for ``latin_anchor``."""

FUNCTION_WORDS = frozenset({"an", "de", "in", "so"})
"""German and Spanish function words spelled like English ones: sharing them carries no meaning."""

MIN_HANGUL_SHARE = 0.4
"""A Korean text must be largely Hangul (of its letters): an untranslated English text has none, while a Korean
keyword search with Latin acronyms has less than half ("7나노 FinFET 파운드리 MPW 셔틀", 47%, blind_queries.csv)."""

_LATIN_TOKEN = re.compile(r"[0-9A-Za-z\u00C0-\u024F]+")
_LETTER = re.compile(r"[^\W\d_]")
_HANGUL = re.compile(r"[\u1100-\u11FF\u3130-\u318F\uAC00-\uD7A3]")


def demo_profiles_path() -> Path:
    """The demo profiles CSV: the package's copy, or the repository's while the demo has not moved.

    Raises:
        InputError: Neither file exists.

    Example:
        >>> demo_profiles_path().name
        'profiles.csv'
    """
    for path in DEMO_PROFILES:
        if path.is_file():
            return path
    raise InputError(f"no demo profiles at {' or '.join(map(str, DEMO_PROFILES))}: run from a complete checkout")


def load_demo() -> pd.DataFrame:
    """The demo profiles, every column as text (empty cells as ``""``).

    Example:
        >>> len(load_demo())
        260
    """
    return pd.read_csv(demo_profiles_path(), dtype=str, keep_default_na=False)


def hangul_share(text: str) -> float:
    """The share of the letters of ``text`` that are Hangul (0.0 for a text without letters).

    Example:
        >>> hangul_share("GMP 생산")
        0.4
    """
    letters = _LETTER.findall(text)
    return sum(bool(_HANGUL.match(letter)) for letter in letters) / len(letters) if letters else 0.0


def latin_tokens(text: str) -> set[str]:
    """The Latin-script tokens of ``text`` that could carry a lexical match: lower-cased, two characters or more.

    Tokens are runs of Latin letters (accents included) and digits, so a hyphen splits ``LiDAR-Sensorfusion``
    and German compounds stay whole; :data:`FUNCTION_WORDS` are left out.

    Example:
        >>> sorted(latin_tokens("Partner für LiDAR-Sensorfusion im Bergbau"))
        ['bergbau', 'für', 'im', 'lidar', 'partner', 'sensorfusion']
    """
    tokens = {token.lower() for token in _LATIN_TOKEN.findall(text)}
    return {token for token in tokens if len(token) >= 2 and token not in FUNCTION_WORDS}


def shared_latin_tokens(query: str, texts: Iterable[str]) -> set[str]:
    """The Latin-script tokens of ``query`` that also occur, as whole tokens, in any of ``texts``.

    Example:
        >>> sorted(shared_latin_tokens("항체 약물 접합체 GMP 위탁생산", ["GMP manufacturing of ADCs"]))
        ['gmp']
    """
    found: set[str] = set()
    for text in texts:
        found |= latin_tokens(text)
    return latin_tokens(query) & found


def _read(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"{path} is missing: the multilingual set is incomplete (see tests/data/multilingual/)")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if tuple(frame.columns) != tuple(columns):
        raise InputError(f"{path.name} has columns {list(frame.columns)}, expected {list(columns)}")
    return frame


def _fail(problems: list[str], what: str) -> None:
    if problems:
        listed = "\n  ".join(problems[:20]) + (f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise InputError(f"{what} has {len(problems)} problem(s):\n  {listed}")


def load_profiles(
    languages: Sequence[str] = LANGUAGES, demo: pd.DataFrame | None = None, folder: Path = SET_DIR
) -> pd.DataFrame:
    """The translated profiles of ``languages``, one row per (id, language), checked against the demo.

    Checks: the columns; the language of every row is its file's; ids are unique within a language and are demo
    ids; a text is empty exactly where the English one is; no text is a copy of the English one; Korean texts are
    mostly Hangul and German and Spanish texts hold none.

    Args:
        languages: Which of :data:`LANGUAGES` to read.
        demo: The demo profiles (read with :func:`load_demo` when not given).
        folder: The set's folder.

    Raises:
        InputError: A language is unknown, a file is missing, or any check fails (every problem is listed).

    Example:
        >>> profiles = load_profiles(["ko"])
        >>> sorted(set(profiles["language"]))
        ['ko']
    """
    unknown = sorted(set(languages) - set(LANGUAGES))
    if unknown:
        raise InputError(f"unknown language(s) {unknown}: the set holds {', '.join(LANGUAGES)}")
    demo = load_demo() if demo is None else demo
    english = demo.set_index("id")
    frames = []
    problems: list[str] = []
    for language in languages:
        name = f"profiles_{language}.csv"
        frame = _read(folder / name, PROFILE_COLUMNS)
        for row in frame.itertuples(index=False):
            where = f"{name}: {row.id}"
            if row.language != language:
                problems.append(f"{where}: language {row.language!r}, expected {language!r}")
            if row.id not in english.index:
                problems.append(f"{where}: not a demo id")
                continue
            for column in TEXT_COLUMNS:
                text, original = getattr(row, column).strip(), english.at[row.id, column].strip()
                if bool(text) != bool(original):
                    state = "empty" if not text else "filled"
                    problems.append(f"{where}: {column} is {state} but the English one is not")
                elif text and text == original:
                    problems.append(f"{where}: {column} is the English text, not a translation")
                elif text and language == "ko" and hangul_share(text) < MIN_HANGUL_SHARE:
                    problems.append(f"{where}: {column} is only {hangul_share(text):.0%} Hangul")
                elif text and language != "ko" and hangul_share(text) > 0:
                    problems.append(f"{where}: {column} holds Hangul")
        duplicated = sorted(set(frame.loc[frame["id"].duplicated(), "id"]))
        if duplicated:
            problems.append(f"{name}: duplicate ids {duplicated}")
        frames.append(frame)
    _fail(problems, "the multilingual profiles")
    return pd.concat(frames, ignore_index=True)


def check_query(row: Any, where: str, known: Collection[str]) -> tuple[tuple[str, ...], list[str]]:
    """One query row's expected ids (as a tuple) and what is wrong with it: an unknown language, an empty text, a
    Korean text that is not mostly Hangul or another that holds Hangul, a repeated or unknown expected id.

    Example:
        >>> row = pd.Series({"language": "ko", "text": "항체 접합", "expected_ids": "a;b"})
        >>> check_query(row, "q1", {"a"})
        (('a', 'b'), ["q1: expected id(s) ['b'] are not demo ids"])
    """
    expected = tuple(part.strip() for part in row.expected_ids.split(";") if part.strip())
    problems = []
    if row.language not in LANGUAGES:
        problems.append(f"{where}: unknown language {row.language!r}")
    if not row.text.strip():
        problems.append(f"{where}: empty text")
    elif row.language == "ko" and hangul_share(row.text) < MIN_HANGUL_SHARE:
        problems.append(f"{where}: the Korean query is only {hangul_share(row.text):.0%} Hangul")
    elif row.language != "ko" and hangul_share(row.text) > 0:
        problems.append(f"{where}: the {row.language} query holds Hangul")
    if len(set(expected)) != len(expected):
        problems.append(f"{where}: an expected id is repeated")
    missing = [pid for pid in expected if pid not in known]
    if missing:
        problems.append(f"{where}: expected id(s) {missing} are not demo ids")
    return expected, problems


def duplicated_ids(frame: pd.DataFrame, name: str) -> list[str]:
    """A problem naming the query ids ``frame`` repeats, if any."""
    duplicated = sorted(set(frame.loc[frame["query_id"].duplicated(), "query_id"]))
    return [f"{name}: duplicate query ids {duplicated}"] if duplicated else []


def load_queries(demo: pd.DataFrame | None = None, folder: Path = SET_DIR, name: str = "queries.csv") -> pd.DataFrame:
    """The queries (``queries.csv``, or another file of its format: ``blind_queries.csv``), with ``expected_ids``
    as a tuple (intended id first) and ``latin_anchor`` as a bool.

    Checks: the columns; unique query ids; a known language; a non-empty text (mostly Hangul in Korean); expected
    ids that are demo ids, without repeats; ``latin_anchor`` written ``true`` or ``false`` and true exactly when the
    query shares a Latin-script token (:func:`shared_latin_tokens`) with an expected profile's English text.

    Args:
        demo: The demo profiles (read with :func:`load_demo` when not given).
        folder: The set's folder.
        name: The file's name in it.

    Raises:
        InputError: The file is missing or any check fails (every problem is listed).

    Example:
        >>> queries = load_queries()
        >>> bool(queries.loc[queries["query_id"] == "de-01", "latin_anchor"].item())
        True
    """
    demo = load_demo() if demo is None else demo
    english = demo.set_index("id")
    frame = _read(folder / name, QUERY_COLUMNS)
    problems: list[str] = []
    expected_column: list[tuple[str, ...]] = []
    anchor_column: list[bool] = []
    for row in frame.itertuples(index=False):
        where = f"{name}: {row.query_id}"
        expected, found = check_query(row, where, english.index)
        problems += found
        expected_column.append(expected)
        anchor_column.append(row.latin_anchor == "true")
        if not expected:
            problems.append(f"{where}: no expected id")
        if row.latin_anchor not in ("true", "false"):
            problems.append(f"{where}: latin_anchor is {row.latin_anchor!r}, expected 'true' or 'false'")
        elif all(pid in english.index for pid in expected):
            texts = [english.at[pid, column] for pid in expected for column in ANCHOR_TEXT_COLUMNS]
            shared = sorted(shared_latin_tokens(row.text, texts))
            if bool(shared) != (row.latin_anchor == "true"):
                problems.append(f"{where}: latin_anchor is {row.latin_anchor} but the shared tokens are {shared}")
    problems += duplicated_ids(frame, name)
    _fail(problems, f"the multilingual queries ({name})")
    frame["expected_ids"] = pd.Series(expected_column, index=frame.index, dtype=object)
    frame["latin_anchor"] = pd.Series(anchor_column, index=frame.index, dtype=bool)
    return frame


def mixed_demo(demo: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    """The demo with the translated ``description``, ``offers`` and ``seeks`` of ``profiles`` swapped in.

    Every other column (and every profile without a translation) stays as it is, so the planted pairs can be
    measured with their seekers and providers in different languages.

    Args:
        demo: The demo profiles (:func:`load_demo`).
        profiles: Translations (:func:`load_profiles`), at most one language per id.

    Raises:
        InputError: An id has translations in more than one language.

    Example:
        >>> demo = load_demo()
        >>> mixed = mixed_demo(demo, load_profiles(["de"]))
        >>> mixed.set_index("id").at["do-tech-001", "seeks"].startswith("Materialentwickler")
        True
    """
    doubled = sorted(set(profiles.loc[profiles["id"].duplicated(), "id"]))
    if doubled:
        raise InputError(f"ids {doubled} are translated into more than one language: pick one language per id")
    mixed = demo.set_index("id")
    translated = profiles.set_index("id")
    for column in TEXT_COLUMNS:
        mixed.loc[translated.index, column] = translated[column]
    return mixed.reset_index()


def main() -> None:
    """Checks the set and prints its counts per language."""
    profiles, queries = load_profiles(), load_queries()
    print("| language | profiles | queries | of which latin_anchor |")
    print("|---|---:|---:|---:|")
    for language in LANGUAGES:
        in_language = queries[queries["language"] == language]
        print(
            f"| {language} | {(profiles['language'] == language).sum()} | {len(in_language)} "
            f"| {int(in_language['latin_anchor'].sum())} |"
        )


if __name__ == "__main__":
    main()
