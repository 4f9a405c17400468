"""Score bands: "strong", "possible" and "weak" on the ranking scale and on the search scale.

Scores are hard to read on their own: a reciprocal ranking score of 0.30 is a good match, a search cosine of 0.30
barely beats gibberish. Bands put both into words, with thresholds measured on the bundled demo's planted truth
by ``python3 bench/bench_bands.py`` (the "Score bands" section of bench/RESULTS.md), one rule on both scales:

- **strong** from the median true score up: at least as good as the typical planted answer;
- **possible** from the highest floor that still keeps at least 90 % of the planted answers;
- **weak** below that, down to the scale's floor. On the search scale the floor sits just above every hit of
  nonsense queries ("xyzzy qwerty"): a hit below it matches nothing (:meth:`BandScale.band` returns None).

Example:
    >>> RANKING_BANDS.band(0.35), RANKING_BANDS.band(0.25), RANKING_BANDS.band(0.12)
    (<Band.STRONG: 'strong'>, <Band.POSSIBLE: 'possible'>, <Band.WEAK: 'weak'>)
    >>> SEARCH_BANDS.band(0.2) is None
    True
    >>> str(Band.POSSIBLE)
    'possible'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["RANKING_BANDS", "SEARCH_BANDS", "Band", "BandScale"]


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


RANKING_BANDS = BandScale(strong=0.31, possible=0.24, weak=0.0, name="reciprocal score")
"""Bands of the ranking score (:attr:`matcher.rank.Match.score`, the harmonic mean of the two fits, in [0, 1]).

Measured by bench/bench_bands.py on the demo (bench/RESULTS.md, "Score bands"): the 33 planted pairs in their
seekers' top-10 lists score 0.22-0.44 (median 0.311), the other 287 suggestions in those lists 0.17-0.36 (median
0.238), every other other-city pair of those seekers 0.04-0.36 (median 0.120). Strong >= 0.31 (the median planted
pair) keeps 55 % of planted pairs, 64 % of the suggestions there being planted; possible >= 0.24 keeps 91 % of
planted pairs (precision 18 % among suggestions, 14 % among all other-city pairs). Every positive score is at
least weak."""

SEARCH_BANDS = BandScale(strong=0.69, possible=0.51, weak=0.30, name="search similarity")
"""Bands of the search score (:attr:`matcher.api.SearchHit.score`, cosine of the query to the best facet).

Measured by bench/bench_bands.py on the demo (bench/RESULTS.md, "Score bands"): the 17 expected hits of the 16
planted queries score 0.49-0.86 (median 0.693); the top hit of 8 nonsense queries ("xyzzy qwerty", "lorem ipsum
dolor sit amet" ...) 0.18-0.29. Weak floor 0.30, the first 0.05 step above every nonsense hit: nonsense finds
nothing, every expected hit stays. Possible >= 0.51 keeps 94 % of expected hits; strong >= 0.69 (the median
expected hit) keeps half of them."""
