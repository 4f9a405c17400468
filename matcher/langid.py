"""Which language a profile text or search is written in: Korean, German, Spanish or English (issue #12).

The language-aware encoder (:class:`matcher.embed.LanguageAwareBlend`) needs one decision per text: is it English,
where the English-only MiniLM can speak, or not? The alliance writes four languages, so a small rule does it, with
no model to ship:

- Korean by its script: Hangul is at least 15 % of the text's letters. A Korean text keeps product names and
  bracketed English terms in Latin letters (its Hangul share is 0.72 or more on the evaluation set), and a Korean
  profile's ``profile`` paragraph starts with the head the app writes in English (name, type, city, sector labels):
  0.23 to 0.55 there. An English text naming a Korean organisation in Hangul stays far below.
- German, Spanish or English by their function words ("und", "für", "der" / "para", "los", "del" / "the", "and",
  "of"): the language with the most occurrences wins. Words two of the languages share ("in", "a", "an", "so",
  "die" ...) are left out, and so is Spanish "es", Spain's country code. A name's words count like any others: a
  German organisation's English profile still has far more English function words than its name has German ones.
- A tie is broken by letters only one of the tied languages uses (ß, ä, ö, ü for German; ñ, ¿, ¡ and the acute
  accents for Spanish). A text without function words is undetermined, ``"und"`` (BCP 47's code), whatever its
  letters: names carry accents ("Málaga", "Phönix") in texts of every language.
- Another script (kana, Han, Cyrillic ...) as the majority of the letters gives ``"other"``.

Callers that must choose treat ``"und"`` as English: a text too short to tell ("CHO cell lines") keeps the
behaviour it had before languages were told apart. How it reads the evaluation set, the demo, the synthetic set and
the development set: bench/RESULTS.md, "Multilingual encoders".

Example:
    >>> [detect_language(t) for t in ("항체 약물 접합체", "Lohnherstellung von Zelltherapien", "GMP ADC")]
    ['ko', 'de', 'und']
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["FUNCTION_WORDS", "LANGUAGES", "RULE", "detect_language", "is_english"]

RULE = "langid-r1"
"""Version of the rule below; encoders that depend on it carry it in their names, so changing the rule (bump it)
re-embeds what it may now read differently."""

LANGUAGES = ("en", "de", "es", "ko")
"""The languages told apart; besides them :func:`detect_language` answers ``"und"`` or ``"other"``."""

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and of to for with on by from at is are was were our we its their that this which who as or into be "
        "has have been will can need needs such than more also other but not it all any under between against through "
        "about over per".split()
    ),
    "de": frozenset(
        "der das und für mit von zu zum zur im den dem des ein eine einer eines einem einen auf bei nach aus oder "
        "ohne ist sind wir unsere unser unseren sich nicht auch werden wird über durch vor als wie inkl bis sowie "
        "unter gegen".split()
    ),
    "es": frozenset(
        "el la los las del y para con por en un una unos unas que se su sus al o sin como son desde hasta entre "
        "sobre nuestro nuestra nuestros nuestras lo más ni".split()
    ),
}
"""Per language, the frequent words that tell it (folded to lower case); :mod:`matcher.gloss` also skips them when it
measures how much of a search it read."""
_HANGUL_SHARE = 0.15
_WORD = re.compile(r"[^\W\d_]+")
_LETTERS: dict[str, frozenset[str]] = {"de": frozenset("ßäöü"), "es": frozenset("ñ¿¡áéíóú")}


def _is_hangul(char: str) -> bool:
    code = ord(char)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def _is_latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")


def detect_language(text: str) -> str:
    """The language ``text`` is written in: ``"en"``, ``"de"``, ``"es"``, ``"ko"``, ``"other"`` (a script other than
    Latin or Hangul) or ``"und"`` (undetermined: no function word, or a tie that no letter breaks).

    Args:
        text: Any text; only its letters and words are read.

    Example:
        >>> detect_language("socio para ensayos clínicos de terapias celulares")
        'es'
        >>> detect_language("Remote access to our trapped-ion quantum computers through the cloud")
        'en'
        >>> detect_language(""), detect_language("抗体药物偶联物")
        ('und', 'other')
    """
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return "und"
    hangul = sum(map(_is_hangul, letters))
    if hangul >= _HANGUL_SHARE * len(letters):
        return "ko"
    if (len(letters) - hangul - sum(map(_is_latin, letters))) * 2 > len(letters):
        return "other"
    words = _WORD.findall(text.lower())
    counts = {language: sum(word in vocabulary for word in words) for language, vocabulary in FUNCTION_WORDS.items()}
    # "de", Spanish's most frequent word, is also a particle of names ("Costa del Sol", "Institut de ..."): it counts
    # for Spanish only where no other language leads already.
    counts["es"] += words.count("de") if counts["es"] >= max(counts["en"], counts["de"]) else 0
    best = max(counts.values())
    leaders = [language for language, count in counts.items() if count == best]
    if not best:
        return "und"
    if len(leaders) == 1:
        return leaders[0]
    # A tie: letters only one of the tied languages writes decide.
    lowered = set(text.lower())
    telling = [language for language in leaders if language in _LETTERS and lowered & _LETTERS[language]]
    return telling[0] if len(telling) == 1 else "und"


def is_english(text: str) -> bool:
    """Whether a caller that must choose should treat ``text`` as English: detected English, or undetermined.

    Example:
        >>> is_english("CHO cell lines"), is_english("desarrollo de líneas celulares CHO")
        (True, False)
    """
    return detect_language(text) in ("en", "und")
