"""The core's English sentences in the user's language: reasons for a match, band notes, filter descriptions.

:mod:`matcher.explain` writes its reasons in English (the CLI, the exports and the tests read them so). The app
translates only their template words: each reason is recognised by the English templates of the catalogue
(``[reason]`` in ``locales/en.toml``, which ``tests/test_i18n.py`` checks against :func:`matcher.explain.explain_pair`)
and written again with the same template in the user's language. What a reason quotes from the profiles, and the
names it lists, are kept exactly as written: an explanation quotes the original language. A reason no template
recognises is shown in English, as it came.

Example:
    >>> localise_reason('Their offer "GMP fill-finish" meets your need "a CDMO".', "ko")
    '상대 기관이 제공하는 "GMP fill-finish": 귀사의 수요 "a CDMO"에 부합합니다.'
    >>> localise_reason("Both work in antibody-drug conjugates, energy and 2 more.", "de")
    'Beide arbeiten in: Antikörper-Wirkstoff-Konjugate, Energie und 2 weitere.'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

from ..bands import Band
from ..explain import _role_label
from ..features import FEATURE_LABELS, ROLES
from ..filters import Filters
from ..rank import Recommendations
from ..vocab import ORG_TYPES, SECTOR_LABELS, STAGES
from .i18n import DEFAULT_LANGUAGE, catalogue, format_score, translate, vocab_label

__all__ = [
    "REASON_TEMPLATES",
    "band_label",
    "band_note",
    "describe_filters",
    "localise_reason",
    "localise_reasons",
    "sector_label",
]

REASON_TEMPLATES = (
    "their_offer",
    "your_offer",
    "similar_offers",
    "both_work_in",
    "both_name",
    "type_fit",
    "share_partners",
    "like_yours",
    "similar_profile",
    "different_city",
    "same_city",
    "contributions",
)
"""The reason templates, in the order they are tried (``reason.<name>`` in the catalogue)."""
_QUOTE = r'".*"'
_NUMBER = r"-?\d+\.\d+"


def sector_label(sector: str, lang: str | None = None) -> str:
    """A taxonomy sector's label (``energy`` -> ``Energy``, ``에너지``, ...)."""
    return vocab_label("sector", sector, lambda s: SECTOR_LABELS.get(s, s), lang)


def band_label(band: Band | str, lang: str | None = None) -> str:
    """A band's word (``strong``, ``강함``, ...)."""
    return vocab_label("band", str(band), str, lang)


def _role(role: str, lang: str) -> str:
    """A role as the type-fit reason names it: organisation types by their type label, derived roles apart."""
    return vocab_label("type" if role in ORG_TYPES else "role", role, _role_label, lang)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _alternatives(options: Sequence[str]) -> str:
    return "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True))


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    """One regular expression per English reason template, its placeholders as named groups."""
    english = catalogue(DEFAULT_LANGUAGE)
    roles = [_role_label(r) for r in ROLES]
    groups = {
        "theirs": _QUOTE,
        "yours": _QUOTE,
        "meets": _alternatives([english["reason.meets"], english["reason.may_meet"]]),
        "first": _alternatives([_capital(r) for r in roles]),
        "second": _alternatives(roles),
        "detail": ".*",
        "value": _NUMBER,
    }
    return {
        name: re.compile(f"^{_template_regex(f'reason.{name}', **groups)}$", re.DOTALL) for name in REASON_TEMPLATES
    }


def _split_list(text: str) -> tuple[str, int]:
    """``"a, b and 2 more"`` -> ``("a, b", 2)``; a list without a tail -> ``(text, 0)``."""
    more = re.fullmatch(_template_regex("reason.list_more", items=".+", n=r"\d+"), text, re.DOTALL)
    return (more["items"], int(more["n"])) if more else (text, 0)


@lru_cache(maxsize=32)
def _template_regex(key: str, **groups: str) -> str:
    """The English message ``key`` as a regular expression: its placeholders become named groups matching
    ``groups[name]`` (any text when not given)."""
    parts = re.split(r"\{(\w+)\}", catalogue(DEFAULT_LANGUAGE)[key])
    return "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>{groups.get(p, '.+')})" for i, p in enumerate(parts))


def _list(items: str, more: int, lang: str) -> str:
    return translate(lang, "reason.list_more", items=items, n=more) if more else items


@lru_cache(maxsize=1)
def _sector_ids() -> dict[str, str]:
    """Sector label as a reason writes it (first letter lower-case) -> sector id."""
    return {label[:1].lower() + label[1:]: sector for sector, label in SECTOR_LABELS.items()}


@lru_cache(maxsize=1)
def _feature_ids() -> dict[str, str]:
    return {label: name for name, label in FEATURE_LABELS.items()}


@lru_cache(maxsize=1)
def _stage_ids() -> dict[str, str]:
    return {stage.replace("_", " "): stage for stage in STAGES}


def _sectors(text: str, lang: str) -> str:
    items, more = _split_list(text)
    ids = _sector_ids()
    shown = ", ".join(sector_label(ids[s], lang) if s in ids else s for s in items.split(", "))
    return _list(shown, more, lang)


def _contributions(text: str, lang: str) -> str:
    english = _template_regex("reason.contribution", label=".+", value=_NUMBER)
    parts = []
    for part in text.split(catalogue(DEFAULT_LANGUAGE)["reason.contribution_sep"]):
        found = re.fullmatch(english, part)
        if found is None:
            return text
        name = _feature_ids().get(found["label"])
        label = vocab_label("feature", name, FEATURE_LABELS.__getitem__, lang) if name else found["label"]
        value = format_score(float(found["value"]), lang)
        parts.append(translate(lang, "reason.contribution", label=label, value=value))
    return translate(lang, "reason.contribution_sep").join(parts)


def _detail(text: str, lang: str) -> str:
    if not text:
        return ""
    for key in ("reason.they_invest", "reason.they_are_at"):
        found = re.fullmatch(_template_regex(key, stage=".+"), text)
        if found is not None:
            stage = _stage_ids().get(found["stage"])
            shown = vocab_label("stage", stage, lambda s: s.replace("_", " "), lang) if stage else found["stage"]
            return translate(lang, key, stage=shown)
    return text


def _values(found: re.Match[str], lang: str) -> dict[str, str]:
    """The placeholders of a recognised reason, translated where they are template words, verbatim otherwise."""
    values = found.groupdict()
    english = catalogue(DEFAULT_LANGUAGE)
    fixers: Mapping[str, Callable[[str], str]] = {
        "meets": lambda v: translate(lang, "reason.meets" if v == english["reason.meets"] else "reason.may_meet"),
        "first": lambda v: _capital(_role(_role_ids()[v.casefold()], lang)),
        "second": lambda v: _role(_role_ids()[v.casefold()], lang),
        "detail": lambda v: _detail(v, lang),
        "value": lambda v: format_score(float(v), lang),
        "sectors": lambda v: _sectors(v, lang),
        "terms": lambda v: _list(*_split_list(v), lang),
        "names": lambda v: _list(*_split_list(v), lang),
        "parts": lambda v: _contributions(v, lang),
    }
    return {key: fixers[key](value) if key in fixers else value for key, value in values.items()}


@lru_cache(maxsize=1)
def _role_ids() -> dict[str, str]:
    return {_role_label(role).casefold(): role for role in ROLES}


def localise_reason(reason: str, lang: str) -> str:
    """One reason of :func:`matcher.explain.explain_pair` in ``lang``: template words translated, quotes kept.

    English, and a reason that no template recognises, come back unchanged.
    """
    if lang == DEFAULT_LANGUAGE:
        return reason
    for name, pattern in _patterns().items():
        found = pattern.match(reason)
        if found is not None:
            return translate(lang, f"reason.{name}", **_values(found, lang))
    return reason


def localise_reasons(reasons: Sequence[str], lang: str) -> list[str]:
    """:func:`localise_reason` for each reason."""
    return [localise_reason(reason, lang) for reason in reasons]


def describe_filters(filters: Filters, lang: str) -> str:
    """The filters as words for a sentence, as :meth:`matcher.filters.Filters.describe` writes them in English.

    Example:
        >>> describe_filters(Filters(city=("Seattle",), org_type=("startup", "sme")), "en")
        'in Seattle, startup or sme'
        >>> describe_filters(Filters(city=("Seattle",), org_type=("startup", "sme")), "ko")
        'Seattle, 스타트업 또는 중소기업'
    """
    either = translate(lang, "filters.either")
    places = either.join((*filters.city, *filters.country))
    labelled = [
        [vocab_label(kind, v, str, lang) for v in values]
        for kind, values in (("type", filters.org_type), ("sector", filters.sector), ("stage", filters.stage),
                             ("size", filters.size))
        if values
    ]  # fmt: skip
    rest = [either.join(values) for values in labelled]
    return ", ".join(([translate(lang, "filters.in_places", places=places)] if places else []) + rest)


def band_note(found: Recommendations, filters: Filters, lang: str) -> str | None:
    """What to tell a user whose list has no strong match (:meth:`matcher.rank.Recommendations.band_note`), in
    ``lang``; None when the list holds a strong match or nothing at all."""
    if found.band_note() is None:  # the core decides when there is something to say
        return None
    counts = Counter(m.band for m in found.results)
    listed = ", ".join(
        translate(lang, "find.band_count", n=counts[band], band=band_label(band, lang))
        for band in (Band.POSSIBLE, Band.WEAK)
        if counts[band]
    )
    hidden = translate(lang, "find.band_hidden", n=found.hidden) if found.hidden else ""
    where = describe_filters(filters, lang)
    if where:
        return translate(lang, "find.band_note_where", where=where, found=listed, hidden=hidden)
    return translate(lang, "find.band_note", found=listed, hidden=hidden)
