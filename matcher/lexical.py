"""Lexical matching for every script: the one TF-IDF set-up of the package, and name search.

scikit-learn's default analyzer reads a word as a run of two or more word characters. That suits English, German
and Spanish, but Korean glues particles and compounds into long space-separated phrases ("세종바이오로직스는"), and
Japanese and Chinese use no spaces at all: whole phrases become terms that match nothing else. :class:`Analyzer`
keeps scikit-learn's word terms (lower-cased, English stop words removed, word n-grams) for every other script, and
cuts each run of Hangul, kana or Han characters into character bigrams and trigrams (a one-character run stays
whole), so that "항체" (antibody) finds "항체약물접합체". English text gets exactly scikit-learn's terms (text is
put in NFKC and case-folded first, so German "ß" reads "ss" and full-width Latin reads as Latin).
:func:`tfidf_vectorizer` is the vectorizer the lexical candidate channel (:class:`matcher.candidates.LexicalIndex`),
the TF-IDF encoder (:class:`matcher.embed.TfidfEncoder`) and the TF-IDF baseline
(:class:`matcher.evaluate.TfidfRanker`) share.

:func:`name_matches` finds organisations by part of their name in any script: case, accents, spacing and Unicode
forms do not matter, so "세종" finds "세종 바이오로직스" and "malaga tech" finds "Málaga-Tech".

Example:
    >>> Analyzer(ngram_range=(1, 2))("GMP manufacturing for 항체 약물접합체")
    ['gmp', 'manufacturing', 'gmp manufacturing', '항체', '약물', '물접', '접합', '합체', '약물접', '물접합', '접합체']
    >>> name_matches(["세종 바이오로직스", "Sejong Tech", "Málaga-Tech"], "세종").tolist()
    [True, False, False]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["CJK_NGRAMS", "Analyzer", "fold_name", "name_matches", "tfidf_vectorizer"]

CJK_NGRAMS: tuple[int, int] = (2, 3)
"""Character n-gram lengths cut from each run of Hangul, kana or Han characters."""

# Hangul syllables and jamo, kana (with half-width katakana), Han ideographs (and their extensions).
_CJK = (
    "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3"  # Hangul jamo, compatibility jamo, syllables
    "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # kana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
)
_WORD_RUN = re.compile(r"\w+")
_SCRIPT_PARTS = re.compile(f"[{_CJK}]+|[^{_CJK}]+")
_IS_CJK = re.compile(f"[{_CJK}]")
_NOT_NAME = re.compile(r"[\W_]+")


class Analyzer:
    """Turns a text into TF-IDF terms: word n-grams for Latin and other scripts, character n-grams for CJK runs.

    Text is put in Unicode NFKC (full-width "ＧＭＰ" is "gmp") and case-folded. Word terms are what
    scikit-learn's ``TfidfVectorizer(stop_words="english", ngram_range=ngram_range)`` makes: runs of two or more
    word characters, English stop words dropped, then n-grams of the remaining words in order.

    Args:
        ngram_range: Word n-gram range.
        stop_words: Drop scikit-learn's English stop words from the word terms.

    Example:
        >>> Analyzer()("Semiconductor wafers in 대전")
        ['semiconductor', 'wafers', '대전']
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 1), *, stop_words: bool = True) -> None:
        self.ngram_range = ngram_range
        self.stop_words = stop_words

    def __call__(self, text: str) -> list[str]:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        low, high = self.ngram_range
        if not 1 <= low <= high:
            raise ValueError(f"ngram_range must be (min, max) with 1 <= min <= max, got {self.ngram_range!r}")
        words: list[str] = []
        characters: list[str] = []
        for run in _WORD_RUN.findall(unicodedata.normalize("NFKC", text).casefold()):
            if not _IS_CJK.search(run):
                if len(run) > 1:
                    words.append(run)
                continue
            for part in _SCRIPT_PARTS.findall(run):
                if not _IS_CJK.match(part):
                    if len(part) > 1:
                        words.append(part)
                elif len(part) == 1:
                    characters.append(part)
                else:
                    characters += [
                        part[i : i + n]
                        for n in range(CJK_NGRAMS[0], CJK_NGRAMS[1] + 1)
                        for i in range(len(part) - n + 1)
                    ]
        if self.stop_words:
            words = [word for word in words if word not in ENGLISH_STOP_WORDS]
        terms = words if low == 1 else []
        for n in range(max(low, 2), high + 1):
            terms += [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
        return terms + characters

    def __repr__(self) -> str:
        return f"Analyzer(ngram_range={self.ngram_range!r}, stop_words={self.stop_words!r})"


def tfidf_vectorizer(*, ngram_range: tuple[int, int] = (1, 1), **options: Any) -> TfidfVectorizer:
    """The TF-IDF vectorizer of every lexical component: :class:`Analyzer` terms, sublinear term frequency.

    Args:
        ngram_range: Word n-gram range (CJK runs always give :data:`CJK_NGRAMS`).
        **options: Further ``TfidfVectorizer`` arguments (``min_df``, ``max_df``, ``dtype`` ...).

    Example:
        >>> vectorizer = tfidf_vectorizer().fit(["항체 약물 접합체", "antibody drug conjugates"])
        >>> sorted(vectorizer.vocabulary_)
        ['antibody', 'conjugates', 'drug', '약물', '접합', '접합체', '합체', '항체']
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=Analyzer(ngram_range), sublinear_tf=True, **options)


def fold_name(text: str) -> str:
    """A name as name search compares it: NFKC, case-folded, Latin accents dropped, no spaces or punctuation.

    Hangul keeps its syllables (they decompose into jamo on the way and compose again).

    Example:
        >>> fold_name("Málaga-Tech S.L."), fold_name("세종 바이오로직스")
        ('malagatechsl', '세종바이오로직스')
    """
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    stripped = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return _NOT_NAME.sub("", unicodedata.normalize("NFC", stripped))


def name_matches(names: Iterable[object], fragment: str) -> np.ndarray:
    """A boolean array: True where a name contains ``fragment``, compared as :func:`fold_name` folds them.

    Raises:
        ValueError: The fragment has no letters or digits.

    Example:
        >>> name_matches(["Málaga-Tech", "Nube", None], "malaga tech").tolist()
        [True, False, False]
    """
    key = fold_name(fragment)
    if not key:
        raise ValueError(f"the name {fragment!r} has no letters or digits to search for")
    return np.array([isinstance(name, str) and key in fold_name(name) for name in names], dtype=bool)
