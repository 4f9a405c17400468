"""The app's languages: a message catalogue per language, the user's choice, and local dates and numbers.

Messages live in ``matcher/ui/locales/{en,ko,de,es}.toml`` as TOML tables (``[find] title = "..."`` is the message
``find.title``), with ``str.format`` placeholders (``{name}``) that must be the same in every language
(``tests/test_i18n.py`` checks it, and that every message the code asks for exists everywhere). A message missing
in a language falls back to English. A message with a count has two forms, ``one`` and ``other`` (:func:`tn`).

Vocabulary labels (organisation types, sectors, stages, bands, ...) have their English form in the code that owns
the vocabulary (:data:`matcher.vocab.SECTOR_LABELS`, ...); the other catalogues translate them under ``[vocab.*]``
(:func:`vocab_label`).

Dates and numbers are formatted by Babel with the language's CLDR conventions (British English for ``en``), and
times in the browser's time zone when it is known.

Example:
    >>> translate("ko", "nav.find")
    '파트너 찾기'
    >>> translate("de", "find.suggested", n=12)
    'Vorgeschlagene Partner (12)'
    >>> format_score(0.4, "es")
    '0,40'
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from streamlit.runtime.scriptrunner import get_script_run_ctx

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_KEY",
    "PENDING_LANGUAGE_KEY",
    "catalogue",
    "format_datetime",
    "format_number",
    "format_score",
    "language",
    "language_selector",
    "placeholders",
    "t",
    "tn",
    "translate",
    "translate_plural",
    "use_language_next_run",
    "vocab_label",
]

logger = logging.getLogger(__name__)

LANGUAGES: dict[str, str] = {"en": "English", "ko": "한국어", "de": "Deutsch", "es": "Español"}
"""The app's languages, each named in itself (as a language menu shows them)."""
DEFAULT_LANGUAGE = "en"
LANGUAGE_KEY = "lang"
PENDING_LANGUAGE_KEY = "lang_pending"
"""Session-state key (and widget key) of the user's language."""
_BABEL_LOCALES = {"en": "en_GB", "ko": "ko_KR", "de": "de_DE", "es": "es_ES"}
"""CLDR locale per language: British English matches the app's spelling (day before month, 24-hour clock)."""
_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{key}."))
        elif isinstance(value, str):
            flat[key] = value
        else:
            raise ValueError(f"message {key!r} is a {type(value).__name__}, not text")
    return flat


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(lang: str) -> Mapping[str, str]:
    """Every message of one language, by dotted key, read once from ``locales/<lang>.toml``.

    Raises:
        ValueError: ``lang`` is not one of :data:`LANGUAGES`, or the file holds something other than text.

    Example:
        >>> catalogue("en")["nav.sign_out"]
        'Sign out'
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    text = resources.files("matcher.ui").joinpath("locales", f"{lang}.toml").read_text(encoding="utf-8")
    return _flatten(tomllib.loads(text))


def placeholders(message: str) -> set[str]:
    """The named placeholders of a message.

    Example:
        >>> sorted(placeholders("{n} rows from {file}, {{literal}}"))
        ['file', 'n']
    """
    return set(_PLACEHOLDER.findall(message))


def _localised(value: object, lang: str) -> object:
    # Counts are written the local way (12,345 / 12.345); other values are the caller's to format.
    if isinstance(value, int) and not isinstance(value, bool):
        return format_number(value, lang)
    return value


def translate(lang: str, key: str, /, **params: object) -> str:
    """The message ``key`` in ``lang`` (English when that language lacks it), with ``params`` filled in.

    Integer parameters are written with the language's digit grouping. Parameters are inserted as they are:
    escape user text (:func:`matcher.ui.widgets.safe`) before passing it to a message shown as Markdown.

    Example:
        >>> translate("en", "data.rows_read")
        'Rows read'
        >>> translate("de", "find.suggested", n=1234)
        'Vorgeschlagene Partner (1.234)'
    """
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue(DEFAULT_LANGUAGE).get(key)
    if text is None:
        # tests/test_i18n.py keeps this from happening; a page must not die of a missing message.
        logger.error("message %r is in no catalogue", key)
        return key
    return text.format(**{name: _localised(value, lang) for name, value in params.items()})


def translate_plural(lang: str, key: str, n: int, /, **params: object) -> str:
    """The form of message ``key`` that fits the count ``n`` (``key.one`` for 1, else ``key.other``), ``n`` filled in.

    Example:
        >>> translate_plural("en", "data.rows_rejected", 1), translate_plural("en", "data.rows_rejected", 3)
        ('1 row was rejected', '3 rows were rejected')
    """
    return translate(lang, f"{key}.{'one' if n == 1 else 'other'}", n=n, **params)


def language() -> str:
    """The language this session's user chose (English outside a running app, and until they choose)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return DEFAULT_LANGUAGE
    chosen = st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, /, **params: object) -> str:
    """:func:`translate` into the session's language.

    Example:
        >>> t("nav.search")
        'Search'
    """
    return translate(language(), key, **params)


def tn(key: str, n: int, /, **params: object) -> str:
    """:func:`translate_plural` into the session's language."""
    return translate_plural(language(), key, n, **params)


def vocab_label(kind: str, value: str, english: Callable[[str], str], lang: str | None = None) -> str:
    """The label of a vocabulary value (an organisation type, a sector, ...) in ``lang`` (default: the session's).

    English labels come from ``english`` (the vocabulary's own rule), other languages from the catalogue's
    ``vocab.<kind>.<value>``; a value the catalogue does not know keeps its English label.

    Example:
        >>> vocab_label("sector", "energy", str.title, "ko")
        '에너지'
        >>> vocab_label("sector", "fusion", str.title, "ko")
        'Fusion'
    """
    lang = language() if lang is None else lang
    if lang != DEFAULT_LANGUAGE:
        label = catalogue(lang).get(f"vocab.{kind}.{value}")
        if label is not None:
            return label
    return english(value)


def language_selector(on_change: Callable[[str], None] | None = None) -> str:
    """Draws the language menu in the sidebar and returns the language chosen (kept for the session).

    Args:
        on_change: Called with the new language when the user picks one (to remember it for their account).
    """
    pending = st.session_state.pop(PENDING_LANGUAGE_KEY, None)
    if pending in LANGUAGES:  # set before the menu is drawn: Streamlit refuses a widget's value changed after
        st.session_state[LANGUAGE_KEY] = pending
    return str(
        st.sidebar.selectbox(
            t("common.language"),
            list(LANGUAGES),
            key=LANGUAGE_KEY,
            format_func=LANGUAGES.__getitem__,
            on_change=(lambda: on_change(st.session_state[LANGUAGE_KEY])) if on_change else None,
        )
    )


def use_language_next_run(lang: str | None) -> None:
    """Switches the menu to ``lang`` (a signed-in user's own choice) on the next run; unknown codes are ignored."""
    if lang in LANGUAGES:
        st.session_state[PENDING_LANGUAGE_KEY] = lang


def _locale(lang: str | None) -> str:
    return _BABEL_LOCALES[language() if lang is None else lang]


def format_number(value: float, lang: str | None = None, decimals: int | None = None) -> str:
    """A number grouped the local way, with exactly ``decimals`` decimals (as many as it has when None).

    Example:
        >>> format_number(12345, "de"), format_number(12345, "ko"), format_number(2, "es", decimals=1)
        ('12.345', '12,345', '2,0')
    """
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(value, format=pattern, locale=_locale(lang)))


def format_score(value: float, lang: str | None = None) -> str:
    """A score with two decimals, whatever the language, and the local decimal sign.

    Example:
        >>> format_score(0.4, "en"), format_score(0.456, "de")
        ('0.40', '0,46')
    """
    return format_number(value, lang, decimals=2)


def _browser_zone() -> ZoneInfo | None:
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    try:
        name = st.context.timezone
    except Exception:  # no browser context (AppTest, bare runs)
        return None
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def format_datetime(stamp: str | datetime, lang: str | None = None, zone: ZoneInfo | None = None) -> str:
    """A stored time (ISO 8601, UTC) as the user reads it: local date and 24-hour or local clock, in their zone.

    The zone is ``zone``, else the browser's; when neither is known the time stays in UTC and says so. A value
    that is not a time is returned as it is.

    Example:
        >>> format_datetime("2026-03-05T12:34:56+00:00", "ko", ZoneInfo("Asia/Seoul"))
        '2026. 3. 5. 오후 9:34'
        >>> format_datetime("2026-03-05T12:34:56+00:00", "en")
        '5 Mar 2026, 12:34 UTC'
    """
    try:
        moment = stamp if isinstance(stamp, datetime) else datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = zone or _browser_zone()
    locale = _locale(lang)
    local = moment.astimezone(zone or UTC)
    pattern = str(Locale.parse(locale).datetime_formats["medium"])
    text = pattern.replace("{1}", str(format_date(local, "medium", locale=locale))).replace(
        "{0}", str(format_time(local, "short", locale=locale))
    )
    return text if zone is not None else f"{text} UTC"
