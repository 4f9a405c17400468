"""Explanations: plain-word reasons for a match that quote the matched phrases of both profiles.

Offers and seeks are split into phrases (sentences, then clauses of long sentences); the best-matching pair of
phrases is found by embedding similarity when an ``encode`` callable is given, else by word overlap. Reasons are
plain text (no markup), strongest first, and end with each factor's contribution to the score.

Example:
    >>> yours = "Scale-up manufacturing for ADC candidates. Regulatory advice."
    >>> theirs = "GMP fill-finish for biologics and ADC candidates; analytical development."
    >>> m = best_phrase_match(split_phrases(theirs), split_phrases(yours))
    >>> m.left, m.right
    ('GMP fill-finish for biologics and ADC candidates', 'Scale-up manufacturing for ADC candidates')
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from .bands import MINILM, EnglishPart, ReasonThresholds
from .features import FEATURE_LABELS
from .schema import Profile
from .vocab import SECTOR_LABELS, STAGES

__all__ = [
    "Encode",
    "PhraseEncoder",
    "PhraseMatch",
    "best_phrase_match",
    "explain_pair",
    "split_phrases",
]

Encode = Callable[[Sequence[str]], np.ndarray]
"""Texts in, L2-normalised float32 rows out (an encoder's ``encode`` method)."""

_SENTENCES = re.compile(r"(?<=[.!?])\s+|[;\n\u2022\u00b7]+|\s+[-\u2013\u2014]\s+")
_LEADING_MARKS = re.compile(r"^(?:[-*\u2022]\s*)?(?:(?:and then|and|or|plus|as well as|then)\s+)?", re.IGNORECASE)
_WORD = re.compile(r"[\w][\w+\-/]*", re.UNICODE)
_LONG_PHRASE = 14
"""A sentence longer than this many words is split at its commas."""
_QUOTE_CHARS = 90
"""Longest quote shown; longer phrases are cut at a word boundary."""
_STRONG_TYPE_FIT = 0.7
"""A role pair is named as a reason only from this fit up (the table's default is lower)."""
_STRONG_PEERS = 0.3
"""The "works with organisations like yours" reason needs this feature value (peer similarities adding up to
about 0.4), so that loose likeness in a small catalogue is not offered as a reason."""
_TOP_CONTRIBUTIONS = 5


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    # Read on first use, not at import: scikit-learn takes a second to import, and a command that explains
    # nothing (`matcher --help`, `matcher search`) should not pay for it.
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


_DEPENDENT = frozenset(
    "which that who whom whose where when while whereas because since although though so as such including "
    "especially particularly notably ideally preferably mainly mostly primarily typically usually suitable ready "
    "available with without e.g. i.e.".split()
)
"""A clause that opens with one of these words leans on the one before it ("..., which we need for our FDA
clearance"), so it is not quoted on its own."""
_MIN_CLAUSE_WORDS = 3
"""A shorter clause ("curated" in "curated, de-identified archives") joins the clause after it."""


def _clauses(sentence: str) -> list[str]:
    """Splits a long sentence at the commas that separate its clauses, keeping what cannot stand alone attached.

    Only a comma followed by a space and outside brackets separates, so "9,000 patients" and "(DAR 4 or 8, under
    5% free antibody)" stay whole; a dependent clause stays with the one before it, a clause of one or two words
    with the one after it.
    """
    parts, depth, start = [], 0, 0
    for i, char in enumerate(sentence):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0 and sentence[i + 1 : i + 2].isspace():
            parts.append(sentence[start:i])
            start = i + 1
    parts.append(sentence[start:])
    merged: list[str] = []
    pending = ""  # short clauses waiting for the next one
    for part in parts:
        part = f"{pending},{part}" if pending else part
        pending = ""
        words = part.split()
        if merged and words and words[0].casefold() in _DEPENDENT:
            merged[-1] = f"{merged[-1]},{part}"
        elif len(_LEADING_MARKS.sub("", part.strip()).split()) < _MIN_CLAUSE_WORDS:
            pending = part
        else:
            merged.append(part)
    if pending:
        if merged:
            merged[-1] = f"{merged[-1]},{pending}"
        else:
            merged.append(pending)
    return merged


@lru_cache(maxsize=65_536)
def split_phrases(text: str) -> tuple[str, ...]:
    """Splits a text into phrases: sentences, semicolon or bullet items, and the clauses of long sentences.

    Cached: the same profiles are explained again and again across lists.

    Example:
        >>> split_phrases("GMP fill-finish; QC release. We also advise on tech transfer")
        ('GMP fill-finish', 'QC release', 'We also advise on tech transfer')
    """
    phrases: list[str] = []
    for sentence in _SENTENCES.split(text or ""):
        sentence = sentence.strip(" \t.,:;")
        if not sentence:
            continue
        parts = _clauses(sentence) if len(sentence.split()) > _LONG_PHRASE else [sentence]
        for part in parts:
            part = _LEADING_MARKS.sub("", part.strip(" \t.,:;"))
            if part:
                phrases.append(part)
    return tuple(dict.fromkeys(phrases))


@lru_cache(maxsize=65_536)
def _terms(text: str) -> frozenset[str]:
    words = (w.casefold() for w in _WORD.findall(text))
    stop = _stopwords()
    # A crude plural fold so that "candidate" meets "candidates".
    return frozenset(
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words if w not in stop
    )


@dataclass(frozen=True)
class PhraseMatch:
    """The best-matching pair of phrases and how similar they are (cosine, or word-overlap cosine)."""

    left: str
    right: str
    similarity: float


class PhraseEncoder:
    """Wraps an ``encode`` callable with a bounded cache of phrase vectors: the same phrases recur across lists.

    Safe to share between threads (the app serves several sessions): the cache is locked, the model is not.

    Args:
        encode: Texts in, unit rows out.
        max_size: Phrases kept (least recently used dropped first).
    """

    def __init__(self, encode: Encode, max_size: int = 50_000) -> None:
        self.encode = encode
        self.max_size = max_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, phrases: Sequence[str]) -> np.ndarray:
        with self._lock:
            found = {p: self._cache[p] for p in phrases if p in self._cache}
        missing = list(dict.fromkeys(p for p in phrases if p not in found))
        if missing:
            found.update(zip(missing, np.asarray(self.encode(missing), dtype=np.float32), strict=True))
        with self._lock:
            for phrase in dict.fromkeys(phrases):
                self._cache[phrase] = found[phrase]
                self._cache.move_to_end(phrase)
            while len(self._cache) > self.max_size:
                self._cache.popitem(last=False)
        return np.stack([found[p] for p in phrases]) if phrases else np.zeros((0, 0), np.float32)


def best_phrase_match(
    left: Sequence[str],
    right: Sequence[str],
    *,
    encode: Encode | None = None,
    min_similarity: float = MINILM.reasons.quote,
) -> PhraseMatch | None:
    """The pair (one phrase of ``left``, one of ``right``) that matches best, or None if nothing matches.

    With ``encode``, similarity is the cosine of phrase embeddings and pairs below ``min_similarity`` do not count
    (the encoder's :attr:`matcher.bands.ReasonThresholds.quote`, default MiniLM's 0.38: under it a pair is no
    evidence); without it, the cosine of the two phrases' sets of content words (stop words dropped, plurals
    folded).
    """
    if not left or not right:
        return None
    if encode is not None:
        vectors = encode([*left, *right])
        similarity = vectors[: len(left)] @ vectors[len(left) :].T
        floor = min_similarity
    else:
        left_terms, right_terms = [_terms(p) for p in left], [_terms(p) for p in right]
        similarity = np.array(
            [[len(a & b) / np.sqrt(len(a) * len(b)) if a and b else 0.0 for b in right_terms] for a in left_terms]
        )
        floor = 1e-9
    i, j = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
    best = float(similarity[i, j])
    return PhraseMatch(left[int(i)], right[int(j)], best) if best >= floor else None


def _english_reader(encode: Encode, english: EnglishPart) -> Encode:
    """``encode`` cut to the English-only part of its vectors."""

    def read(texts: Sequence[str]) -> np.ndarray:
        return english.cut(encode(texts))

    return read


def _meets(match: PhraseMatch, encode: Encode | None, thresholds: ReasonThresholds) -> str:
    """ "meets" for a clear embedding match, "may meet" for a loose one (word overlap has no such scale)."""
    return "meets" if encode is None else thresholds.wording(match.similarity)


def _quote(phrase: str) -> str:
    if len(phrase) <= _QUOTE_CHARS:
        return f'"{phrase}"'
    cut = phrase[:_QUOTE_CHARS].rsplit(" ", 1)[0]
    return f'"{cut}..."'


_ROLE_LABELS = {"cdmo": "CDMO", "sme": "SME", "health_tech": "health-tech firm"}


def _role_label(role: str) -> str:
    return _ROLE_LABELS.get(role, role.replace("_", " "))


def _list(items: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _place(profile: Profile) -> str:
    return f"{profile.city} ({profile.country})"


def explain_pair(
    query: Profile,
    candidate: Profile,
    features: Mapping[str, float],
    contributions: Mapping[str, float],
    *,
    type_pair: tuple[str, str] | None = None,
    common_partners: Sequence[str] = (),
    peers: Sequence[str] = (),
    encode: Encode | None = None,
    mode: Literal["partner", "peer"] = "partner",
    thresholds: ReasonThresholds = MINILM.reasons,
    english: EnglishPart | None = None,
) -> tuple[str, ...]:
    """Plain-word reasons why ``candidate`` suits ``query``, strongest first, then the score's make-up.

    Args:
        query: The asker ("you").
        candidate: The suggested organisation ("they").
        features: The pair's features (:data:`matcher.features.FEATURE_NAMES`).
        contributions: Each factor's contribution to the score; reasons are ordered by them.
        type_pair: The (asker role, candidate role) behind the type fit, named when the fit is strong.
        common_partners: Names of partners both already have.
        peers: Names of organisations like the asker that the candidate works with.
        encode: Phrase encoder for quoting; word overlap without it.
        mode: ``"partner"`` quotes offers against needs; ``"peer"`` quotes offers against offers.
        thresholds: The cosines from which ``encode``'s phrase pairs are quoted and "meet" (measured per encoder:
            :func:`matcher.bands.calibration_for`; default MiniLM's).
        english: For a blend's vectors, its English-only part: two English texts are compared by that part alone
            and quoted by its thresholds (:class:`matcher.bands.EnglishPart`); other texts by the whole blend.

    Example:
        >>> you = Profile(id="a", name="Hanbit", org_type="startup", city="Daejeon", country="KR",
        ...               sectors=("antibody_drug_conjugates",), seeks="Scale-up manufacturing for ADC candidates")
        >>> they = Profile(id="b", name="Costa", org_type="company", city="Málaga", country="ES",
        ...                sectors=("antibody_drug_conjugates",), offers="GMP fill-finish for ADC candidates")
        >>> reasons = explain_pair(you, they, {"need_match": 0.6, "sector_overlap": 1.0, "other_city": 1.0},
        ...                        {"need_match": 0.3, "sector_overlap": 0.1})
        >>> reasons[0]
        'Their offer "GMP fill-finish for ADC candidates" meets your need "Scale-up manufacturing for ADC candidates".'
        >>> reasons[1:3]
        ('Both work in antibody-drug conjugates.', 'Different city: Málaga (ES).')
    """
    ranked: list[tuple[float, str]] = []

    def best(left: str, right: str) -> tuple[PhraseMatch | None, ReasonThresholds]:
        """The best phrase pair of two texts, and the thresholds its cosine is read with."""
        reader, read = encode, thresholds
        if encode is not None and english is not None and english.reads(left, right):
            reader, read = _english_reader(encode, english), english.calibration.reasons
        found = best_phrase_match(split_phrases(left), split_phrases(right), encode=reader, min_similarity=read.quote)
        return found, read

    def weight(*names: str) -> float:
        return sum(contributions.get(name, 0.0) for name in names)

    if mode == "partner":
        need, read = best(candidate.offers, query.seeks)
        if need is not None:
            meets = _meets(need, encode, read)
            ranked.append(
                (weight("need_match"), f"Their offer {_quote(need.left)} {meets} your need {_quote(need.right)}.")
            )
        offer, read = best(query.offers, candidate.seeks)
        if offer is not None:
            meets = _meets(offer, encode, read)
            ranked.append(
                (weight("offer_match"), f"Your offer {_quote(offer.left)} {meets} their need {_quote(offer.right)}.")
            )
    else:
        same, _ = best(candidate.offers, query.offers)
        if same is not None:
            ranked.append(
                (weight("offers_overlap"), f"Similar offers: theirs {_quote(same.left)}, yours {_quote(same.right)}.")
            )

    shared_sectors = [SECTOR_LABELS.get(s, s) for s in candidate.sectors if s in query.sectors]
    if shared_sectors:
        ranked.append(
            (weight("sector_overlap"), f"Both work in {_list([s[0].lower() + s[1:] for s in shared_sectors])}.")
        )
    ours = {t.casefold() for t in (*query.technologies, *query.tags)}
    shared_terms = [t for t in (*candidate.technologies, *candidate.tags) if t.casefold() in ours]
    if shared_terms:
        ranked.append((weight("lexical"), f"Both name {_list(list(dict.fromkeys(shared_terms)))}."))

    type_value = max(features.get("type_fit_for_query", 0.0), features.get("type_fit_for_candidate", 0.0))
    if mode == "partner" and type_pair is not None and type_value >= _STRONG_TYPE_FIT:
        first = _role_label(type_pair[0])
        label = f"{first[0].upper()}{first[1:]}-{_role_label(type_pair[1])} fit"
        detail = ""
        if candidate.org_type == "investor" and candidate.stage in STAGES:
            detail = f": they invest at {candidate.stage.replace('_', ' ')} stage"
        elif query.org_type == "investor" and candidate.stage in STAGES:
            detail = f": they are at {candidate.stage.replace('_', ' ')} stage"
        ranked.append((weight("type_fit_for_query", "type_fit_for_candidate"), f"{label}{detail}."))

    if common_partners:
        ranked.append(
            (weight("common_partners", "adamic_adar"), f"You share partners: {_list(list(common_partners))}.")
        )
    if peers and features.get("partners_of_peers", 0.0) >= _STRONG_PEERS:
        ranked.append((weight("partners_of_peers"), f"They work with organisations like yours: {_list(list(peers))}."))
    if mode == "peer" and features.get("profile_similarity", 0.0) > 0:
        ranked.append(
            (weight("profile_similarity"), f"Similar profile (similarity {features['profile_similarity']:.2f}).")
        )

    reasons = [text for _, text in sorted(ranked, key=lambda item: -item[0])]
    other_city = query.city.casefold() != candidate.city.casefold()
    reasons.append(f"{'Different' if other_city else 'Same'} city: {_place(candidate)}.")

    top = sorted(((v, k) for k, v in contributions.items() if v >= 0.005), reverse=True)[:_TOP_CONTRIBUTIONS]
    if top:
        parts = ", ".join(f"{FEATURE_LABELS.get(name, name)} {value:.2f}" for value, name in top)
        reasons.append(f"Score contributions: {parts}.")
    return tuple(reasons)
