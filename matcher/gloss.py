"""Reading a search written in Korean, German or Spanish as English keywords, through a domain glossary (issue #12).

Most of the alliance's profiles are in English, and the English-only MiniLM reads them best; the multilingual model
(USE) reads a Korean search for them less well (bench/RESULTS.md, "Multilingual encoders"). A glossary of the
alliance's technical and business vocabulary bridges the two: "항체 약물 접합체 GMP 위탁생산" is read as "antibody-drug
conjugate GMP contract manufacturing", which MiniLM can compare with English offers, while USE still reads the
original (:func:`matcher.embed.encode_query`). This is dictionary-based query translation, the classic method of
cross-language retrieval; no translation model ships as a package that carries its weights.

How a text is read, per language (a known phrase beats its words):

- Korean: spaces inside Hangul are ignored ("항체약물접합체" is "항체 약물 접합체"), so compounds written with or
  without spaces match one entry; a stream of Hangul is split into the entries that read most of it (then the
  fewest), so "분석기술" is "분석" + "기술", not "분석기" + "술"; unknown syllables (particles such as 을, 의, 및;
  words the glossary lacks) are skipped. A match across a space, and a one-syllable entry, must cover whole words
  (with or without a particle): otherwise "퇴원 후 원격" (after discharge, remote) would read "후원" (sponsorship).
- German: case and accents folded, common endings (-en, -er, -es, -e, -n, -s ...) stripped when the word itself is
  unknown, and a compound split into known parts of three letters or more with its linking -s- ("Standortsuche" ->
  "site" + "search") when they cover at least half of it. Multiword entries match word by word.
- Spanish: case and accents folded, a plural -es or -s stripped when that leaves a word the table knows ("gases",
  "renovables"), multiword phrases ("capital riesgo")
  matched word by word.
- In every language, Latin tokens written in capitals or with digits (GMP, FDA, mRNA, 510(k)) that the table does
  not hold ("IA", "ADN" it does) are kept as they are: they are the terms the English model already reads. In a
  Korean text every Latin word is kept.

The tables are ``matcher/data/glossary/<language>.tsv`` (``term<TAB>english``; data card in their header
comments). A workspace can add or correct entries with files of the same form in its ``glossary/`` folder
(:attr:`matcher.service.context.Context.workspace_glossary`, through :meth:`Glossary.with_entries`).

Example:
    >>> glossary = Glossary({"ko": {"항체": "antibody", "위탁생산": "contract manufacturing"}})
    >>> reading = glossary.read("항체 GMP 위탁생산을 찾습니다", "ko")
    >>> reading.text, reading.terms  # GMP is kept as written, not counted as an entry
    ('antibody GMP contract manufacturing', 2)
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from .langid import FUNCTION_WORDS, detect_language

__all__ = ["GLOSSED_LANGUAGES", "MIN_COVERAGE", "Gloss", "Glossary", "packaged_glossary", "parse_table"]

logger = logging.getLogger(__name__)

GLOSSED_LANGUAGES = ("ko", "de", "es")
"""Languages with a packaged glossary (:func:`packaged_glossary`)."""

READING_RULE = "gloss-r3"
"""Version of the reading rules (r2: an undetermined text is read in the language whose table reads it,
:meth:`Glossary.reads_as`; r3: a long reading stands in from :data:`LONG_READING_COVERAGE`); bump it when a change
may read a text differently."""

MIN_COVERAGE = 0.5
"""A reading stands in for a text before the English model (:meth:`Glossary.stand_in`) only when it reads at least
this share of the text's content letters: a reading of one word in four says more about the glossary than the text.
Measured: every nonsense or everyday query of the held-out calibration set reads under it, 51 of its 54 searches
over it (bench/RESULTS.md, "Searches read through the glossary")."""

LONG_READING_TERMS = 6
LONG_READING_COVERAGE = 0.3
"""A reading of at least this many entries stands in for a text already when it reads this share of it: a request
written with its context ("I handle equipment safety at a petrochemical complex in South Chungcheong. We are
looking for ...") names who, where and why in words no technical glossary holds, while six entries or more still
say what it is about. Every nonsense or everyday query of the calibration set reads one entry at most. Measured
(bench/RESULTS.md, "Searches read through the glossary"): on the demo with 50 profiles translated, planted partners
first 21 -> 23 of 32, MRR@10 0.752 -> 0.794, no search of the evaluation, calibration or kind sets moved out of the
top 5, and no nonsense query is read; blind set ko-b02 (the request above, 40% read, 13 entries) from not in the
top 40 to first. The rule came after that search was seen."""

MAX_TERM_CHARS = 80
"""Longest term a table may hold (folded); longer lines are skipped with a warning."""

_GERMAN_ENDINGS = ("ern", "en", "er", "es", "em", "e", "n", "s")
_GERMAN_LINKS = ("s", "es", "n", "en", "e")
_MIN_PART = 3  # a German compound part or stem shorter than this matches too much by chance
_MAX_COMPOUND = 40  # longer "words" are not split: no real compound is, and the split costs the square of the length
_TOKEN = re.compile(r"[0-9A-Za-z\u00C0-\u024F]+(?:[-/.()][0-9A-Za-z\u00C0-\u024F]+)*\)?|[\uAC00-\uD7A3]+")
_HANGUL = re.compile(r"[\uAC00-\uD7A3]")
_PARTICLES = frozenset("을를이가은는의에와과로")  # may follow a one-syllable entry's word


@dataclass(frozen=True)
class Gloss:
    """How a text reads in English through the glossary.

    Attributes:
        text: English keywords in the order of the source, Latin terms kept as written ("" when nothing was read).
        terms: How many glossary entries matched (Latin terms kept are not counted).
        coverage: Share of the text's letters read (by entries or kept Latin terms), in [0, 1]; grammar words
            (:data:`matcher.langid.FUNCTION_WORDS`, "für", "para"; one- and two-letter words) count neither way.
    """

    text: str
    terms: int
    coverage: float


def _fold(text: str) -> str:
    """Case and accents folded (Hangul kept whole): the form both the tables and the texts are compared in."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def _spanish_singular(word: str, known: frozenset[str]) -> str:
    """A Spanish word in the singular the tables know: without a plural -s or -es when that leaves a word of
    ``known`` ("ensayos" -> "ensayo", "renovables" -> "renovable", "gases" -> "gas"), else as it is ("análisis").
    Both the tables' terms and the searches' words are read so, so a table may hold either number."""
    for stem in (word[:-1] if word.endswith("s") else "", word[:-2] if word.endswith("es") else ""):
        if len(stem) >= 3 and stem in known:
            return stem
    return word


_MORE_GRAMMAR = {
    # Words language detection leaves out because English writes them too, but that carry nothing in a search.
    "de": frozenset("die was wer wo wie kann können hat haben gibt".split()),
    "es": frozenset("quién qué dónde hay".split()),
}


def _grammar(token: str, language: str) -> bool:
    """Whether a token is grammar, no content to read: a function word ("für", "para", "die"), or a lower-case word
    of one or two letters in a Latin-script text ("de", "zu")."""
    folded = token.casefold()
    if folded in FUNCTION_WORDS.get(language, frozenset()) or folded in _MORE_GRAMMAR.get(language, frozenset()):
        return True
    return language != "ko" and len(token) <= 2 and not _kept(token, language)


def _kept(token: str, language: str) -> bool:
    """A Latin token kept as written: every one in a Korean text, acronyms and terms with digits elsewhere."""
    if language == "ko":
        return not _HANGUL.search(token)
    return any(c.isdigit() for c in token) or sum(c.isupper() for c in token) >= 2


def parse_table(text: str, source: str = "glossary") -> dict[str, str]:
    """The entries of one glossary table: ``term<TAB>english`` lines, ``#`` comments and blank lines skipped.

    A malformed line (no tab, an empty side, a term over :data:`MAX_TERM_CHARS`) is skipped with a warning naming
    its line, so one bad line in a workspace's table does not lose the others. A later entry for the same term
    replaces an earlier one.

    Example:
        >>> parse_table("# a comment\\n항체\\tantibody\\nno tab here\\n")
        {'항체': 'antibody'}
    """
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        term, _, english = (part.strip() for part in line.partition("\t"))
        if not term or not english or len(term) > MAX_TERM_CHARS:
            logger.warning("%s line %d skipped: expected 'term<TAB>english', got %r", source, number, line[:100])
            continue
        entries[term] = english
    return entries


class Glossary:
    """Term tables per language, read as English keywords (:meth:`read`).

    Args:
        tables: For each language code, ``{term: english}``.

    Example:
        >>> Glossary({"de": {"standort": "site", "suche": "search", "batterie": "battery"}}).read(
        ...     "Standortsuche für Batterien", "de").text
        'site search battery'
    """

    def __init__(self, tables: Mapping[str, Mapping[str, str]]) -> None:
        self.tables = tables

    def with_entries(self, tables: Mapping[str, Mapping[str, str]]) -> Glossary:
        """This glossary with ``tables``' entries added, replacing entries of the same term."""
        merged = {language: dict(entries) for language, entries in self.tables.items()}
        for language, entries in tables.items():
            merged.setdefault(language, {}).update(entries)
        return Glossary(merged)

    @property
    def version(self) -> str:
        """A digest of the reading rules and the tables (12 hex digits): an encoder that reads texts through this
        glossary carries it in its name, so changing either re-embeds the texts it may now read differently."""
        if "_version" not in self.__dict__:
            digest = hashlib.sha256(READING_RULE.encode())
            for language in sorted(self.tables):
                for term, english in sorted(self.tables[language].items()):
                    digest.update(f"{language}\t{term}\t{english}\n".encode())
            self.__dict__["_version"] = digest.hexdigest()[:12]
        return str(self.__dict__["_version"])

    def stand_in(self, text: str, language: str | None = None) -> str:
        """The English keywords that may stand in for ``text`` before an English-only model: its reading when that
        reads at least :data:`MIN_COVERAGE` of it, or :data:`LONG_READING_COVERAGE` with
        :data:`LONG_READING_TERMS` entries or more, else "" (the text is left to a multilingual model).

        Args:
            text: Any text.
            language: Its language; detected (:func:`matcher.langid.detect_language`) when not given.

        Example:
            >>> glossary = Glossary({"ko": {"항체": "antibody", "위탁생산": "contract manufacturing"}})
            >>> glossary.stand_in("항체 위탁생산"), glossary.stand_in("항체 이중특이성 플랫폼")
            ('antibody contract manufacturing', '')
        """
        return self.stand_in_reading(text, language)[1]

    def stand_in_reading(self, text: str, language: str | None = None) -> tuple[str, str]:
        """:meth:`stand_in` with the language it read the text in: ``language`` (detected when None), or for an
        undetermined one the table's that reads it (:meth:`reads_as`), so a caller that needs both reads once.

        Example:
            >>> Glossary({"de": {"batterie": "battery"}}).stand_in_reading("Batterie", "und")
            ('de', 'battery')
        """
        language = detect_language(text) if language is None else language
        if language == "und":
            language = self.reads_as(text) or language
        if language not in self.tables:
            return language, ""
        reading = self.read(text, language)
        enough = reading.coverage >= (LONG_READING_COVERAGE if reading.terms >= LONG_READING_TERMS else MIN_COVERAGE)
        return language, reading.text if reading.terms and enough else ""

    def reads_as(self, text: str) -> str | None:
        """The language of a text that language detection leaves undetermined, when a table reads it: a German or
        Spanish keyword search has no function word to tell its language by ("Mikronadelpflaster Laktatmessung
        Intensivstation"), and an English-only model reads it as noise.

        A table's language is chosen when the text holds no English function word, and the table's reading covers
        at least :data:`MIN_COVERAGE` of it, the most of any table, and more than the English words of all tables
        cover (singular or plural): an English keyword search ("microneedle patches for lactate") stays
        undetermined, read as English.

        Example:
            >>> glossary = Glossary({"de": {"pflaster": "patch", "mikronadel": "microneedle"}})
            >>> glossary.reads_as("Mikronadelpflaster"), glossary.reads_as("microneedle patch")
            ('de', None)
        """
        words = _fold(text).split()
        if any(word.strip(".,;:()") in FUNCTION_WORDS["en"] for word in words):
            return None  # a tie between English and another language ("X GMBH is a company based in Berlin")
        tokens = [_fold(token) for token in _TOKEN.findall(text) if len(token) >= 3 and not _HANGUL.search(token)]
        letters = sum(map(len, tokens))
        if not letters:
            return None
        english = sum(len(token) for token in tokens if self._is_english_word(token)) / letters
        readings = {
            language: self.read(text, language).coverage for language in self.languages() if language != "ko"
        }
        best = max(readings, key=readings.__getitem__, default=None)
        if best is None or readings[best] < MIN_COVERAGE or readings[best] <= english:
            return None
        return best

    def _is_english_word(self, word: str) -> bool:
        """Whether a folded word is one of the tables' English words, in the singular or the plural."""
        words = self._english_words
        return (
            word in words
            or (word.endswith("s") and word[:-1] in words)
            or (word.endswith("es") and word[:-2] in words)
            or (word.endswith("ies") and word[:-3] + "y" in words)
        )

    @property
    def _english_words(self) -> frozenset[str]:
        """Every word of the tables' English side, folded: what an English search is written in."""
        if "_english" not in self.__dict__:
            self.__dict__["_english"] = frozenset(
                _fold(word) for entries in self.tables.values() for english in entries.values()
                for word in _TOKEN.findall(english)
            )
        return frozenset(self.__dict__["_english"])

    def languages(self) -> tuple[str, ...]:
        """The languages this glossary reads."""
        return tuple(language for language, entries in self.tables.items() if entries)

    def read(self, text: str, language: str) -> Gloss:
        """``text`` (written in ``language``) as English keywords.

        Args:
            text: A search text.
            language: Its language (:func:`matcher.langid.detect_language`); a language without a table gives an
                empty reading.
        """
        lookup = self._lookup(language)
        if lookup is None:
            return Gloss("", 0, 0.0)
        # A closing bracket belongs to a token only when it opened one: "510(k)", not "(CCS)".
        tokens = [
            token[:-1] if token.endswith(")") and "(" not in token else token
            for token in _TOKEN.findall(unicodedata.normalize("NFKC", text))
        ]
        letters = sum(len(token) for token in tokens if not _grammar(token, language))
        if language == "ko":
            words, read = _read_korean(tokens, lookup)
        else:
            words, read = _read_latin(tokens, lookup, language)
        terms = sum(1 for word in words if not word.kept)
        coverage = min(1.0, read / letters) if letters else 0.0
        return Gloss(" ".join(word.english for word in words), terms, coverage)

    def _lookup(self, language: str) -> _Lookup | None:
        """The folded table of one language, built on first use."""
        lookups: dict[str, _Lookup | None] = self.__dict__.setdefault("_lookups", {})
        if language not in lookups:
            keys = {term: _key(term, language) for term in self.tables.get(language) or {}}
            words = frozenset(word for key in keys.values() for word in key.split())
            entries: dict[str, str] = {}
            for term, english in (self.tables.get(language) or {}).items():
                key = keys[term]
                if language == "es":
                    key = " ".join(_spanish_singular(word, words) for word in key.split())
                entries.setdefault(key, english)
            longest = max((len(k) if language == "ko" else len(k.split()) for k in entries), default=0)
            lookups[language] = _Lookup(entries, longest, words) if entries else None
        return lookups[language]


@dataclass(frozen=True)
class _Word:
    english: str
    kept: bool = False


@dataclass(frozen=True)
class _Lookup:
    entries: dict[str, str]  # folded key -> English
    longest: int  # in characters (Korean) or words (German, Spanish)
    words: frozenset[str] = frozenset()  # every word of the terms as written (Spanish plurals are read against them)


def _key(term: str, language: str) -> str:
    folded = _fold(term)
    if language == "ko":
        return "".join(folded.split())
    return " ".join(part for word in _TOKEN.findall(folded) for part in word.split("-") if part)


def _read_korean(tokens: list[str], lookup: _Lookup) -> tuple[list[_Word], int]:
    words: list[_Word] = []
    read = 0
    # Hangul runs between Latin tokens are one stream (spaces ignored); word starts are remembered for the rule
    # on one-syllable entries.
    stream: list[str] = []
    starts: set[int] = set()
    ends: set[int] = set()

    def flush() -> None:
        nonlocal read
        joined = "".join(stream)
        for start, stop in _segment(joined, lookup, starts, ends):
            words.append(_Word(lookup.entries[joined[start:stop]]))
            read += stop - start
        stream.clear()
        starts.clear()
        ends.clear()

    for token in tokens:
        if _HANGUL.search(token):
            offset = sum(len(part) for part in stream)
            starts.add(offset)
            ends.add(offset + len(token))
            stream.append(_fold(token))
            continue
        flush()
        words.append(_Word(token, kept=True))
        read += len(token)
    flush()
    return words, read


def _segment(joined: str, lookup: _Lookup, starts: set[int], ends: set[int]) -> list[tuple[int, int]]:
    """The entries that read most of a Hangul stream, then in the fewest pieces: a small dynamic programme, so that
    "분석기술" is "분석" + "기술" (analysis, technology), not "분석기" (analyser) + an unread "술"."""
    n = len(joined)
    # best[i]: (syllables read, -entries, the entries' spans) for joined[:i]
    none: tuple[tuple[int, int], ...] = ()
    best = [(0, 0, none)] + [(-1, 0, none)] * n
    for i in range(n):
        covered, negative, spans = best[i]
        if best[i + 1][:2] < (covered, negative):  # leave one syllable unread
            best[i + 1] = (covered, negative, spans)
        for j in range(i + 1, min(n, i + lookup.longest) + 1):
            if joined[i:j] in lookup.entries and _may_match(joined, i, j, starts, ends):
                if best[j][:2] < (covered + j - i, negative - 1):
                    best[j] = (covered + j - i, negative - 1, (*spans, (i, j)))
    return list(best[n][2])


def _may_match(joined: str, i: int, j: int, starts: set[int], ends: set[int]) -> bool:
    """Whether an entry may read ``joined[i:j]``: a match of one syllable, or one across a space, only when it
    covers whole words (the last may carry one particle): "후원" (sponsorship) is not read in "퇴원 후 원격"."""
    whole = i in starts and (j in ends or (j + 1 in ends and joined[j] in _PARTICLES))
    return whole or (j - i > 1 and not any(start in starts for start in range(i + 1, j)))


def _read_latin(tokens: list[str], lookup: _Lookup, language: str) -> tuple[list[_Word], int]:
    words: list[_Word] = []
    read = 0
    # "mRNA-Lipidnanopartikeln", "Robotik-Start-up": hyphens part words (and the tables' terms: "start-up" is read
    # as the phrase "start up").
    tokens = [part for token in tokens for part in token.split("-") if part]
    folded = [_fold(token) for token in tokens]
    keys = [_spanish_singular(word, lookup.words) for word in folded] if language == "es" else folded
    i = 0
    while i < len(tokens):
        # Phrases first, longest first (the last word of a German phrase may carry an ending); then the word as
        # written, so a table's own acronyms ("IA", "ADN", "EE. UU.") are read before capitals are kept as terms.
        longest = min(lookup.longest, len(tokens) - i)
        n = next((n for n in range(longest, 1, -1) if _phrase(keys[i : i + n], lookup, language)), 1)
        if n > 1 or keys[i] in lookup.entries:
            words.append(_Word(_phrase(keys[i : i + n], lookup, language) or lookup.entries[keys[i]]))
            read += sum(len(token) for token in tokens[i : i + n])
        elif _kept(tokens[i], language):
            words.append(_Word(tokens[i], kept=True))
            read += len(tokens[i])
        else:
            found = _word(keys[i], lookup, language)
            words.extend(_Word(english) for english, _ in found)
            read += min(len(tokens[i]), sum(length for _, length in found))
        i += n
    return words, read


def _phrase(keys: list[str], lookup: _Lookup, language: str) -> str | None:
    if language != "de":
        return lookup.entries.get(" ".join(keys))
    head = " ".join(keys[:-1])
    return next(
        (lookup.entries[f"{head} {stem}"] for stem in _german_stems(keys[-1]) if f"{head} {stem}" in lookup.entries),
        None,
    )


def _german_stems(word: str) -> Iterable[str]:
    """The word, then the word without each common ending (stems of at least :data:`_MIN_PART` letters)."""
    yield word
    for ending in _GERMAN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_PART:
            yield word[: -len(ending)]


def _word(key: str, lookup: _Lookup, language: str) -> list[tuple[str, int]]:
    """An unknown word's English parts with the letters each read: (German) a known stem, or known compound parts
    covering at least half of it."""
    if language != "de":
        return []
    for stem in _german_stems(key):
        if stem in lookup.entries:
            return [(lookup.entries[stem], len(key))]
    parts = _compound_parts(key, lookup) if len(key) <= _MAX_COMPOUND else []
    # Known parts covering less than half of a word ("Bundesliga": "bund") say more about chance than about it.
    if 2 * sum(len(part) for part in parts) < len(key):
        return []
    return [(lookup.entries[part], len(part)) for part in parts]


def _compound_parts(word: str, lookup: _Lookup) -> list[str]:
    """The known parts of a German compound: most letters covered, then fewest parts (a small dynamic programme)."""
    n = len(word)
    # best[i]: (letters covered, -parts, parts) for word[:i]
    none: tuple[str, ...] = ()
    best = [(0, 0, none)] + [(-1, 0, none)] * n
    for i in range(n):
        if best[i][0] < 0:
            continue
        covered, negative_parts, parts = best[i]
        if best[i + 1][:2] < (covered, negative_parts):  # skip one unknown letter
            best[i + 1] = (covered, negative_parts, parts)
        for j in range(i + _MIN_PART, n + 1):
            part = next((stem for stem in _german_stems(word[i:j]) if stem in lookup.entries), None)
            if part is None:
                continue
            candidate = (covered + j - i, negative_parts - 1, (*parts, part))
            ends = [j] + [j + len(link) for link in _GERMAN_LINKS if word.startswith(link, j)]
            for end in ends:
                if end <= n and best[end][:2] < candidate[:2]:
                    best[end] = candidate
    return list(best[n][2])


@cache
def packaged_glossary() -> Glossary:
    """The glossary that ships in ``matcher/data/glossary/`` (read once per process).

    Example:
        >>> set(packaged_glossary().languages()) == set(GLOSSED_LANGUAGES)
        True
    """
    from .resources import data_text

    return Glossary(
        {
            language: parse_table(data_text(f"glossary/{language}.tsv"), f"{language}.tsv")
            for language in GLOSSED_LANGUAGES
        }
    )
