"""Score bands: each scale puts a score in the band whose floor it reaches, and nothing below the weak floor."""

from __future__ import annotations

import math

import pytest

from matcher.bands import RANKING_BANDS, SEARCH_BANDS, Band, BandScale

SCALE = BandScale(strong=0.5, possible=0.3, weak=0.1, name="test")


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (1.0, Band.STRONG),
        (0.5, Band.STRONG),
        (0.4999, Band.POSSIBLE),
        (0.3, Band.POSSIBLE),
        (0.2999, Band.WEAK),
        (0.1, Band.WEAK),
    ],
)
def test_a_score_at_a_floor_is_in_that_band_and_just_below_it_in_the_next(score: float, band: Band) -> None:
    assert SCALE.band(score) is band


@pytest.mark.parametrize("score", [0.0999, 0.0, math.nan])
def test_below_the_weak_floor_is_no_match(score: float) -> None:
    assert SCALE.band(score) is None


def test_floors_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="weak <= possible <= strong"):
        BandScale(strong=0.2, possible=0.3)


def test_ranking_bands_are_the_measured_thresholds() -> None:
    assert (RANKING_BANDS.strong, RANKING_BANDS.possible, RANKING_BANDS.weak) == (0.31, 0.24, 0.0)
    assert RANKING_BANDS.band(0.12) is Band.WEAK  # the mRNA startup with a quantum-devices institute


def test_search_bands_drop_what_nonsense_scores() -> None:
    assert (SEARCH_BANDS.strong, SEARCH_BANDS.possible, SEARCH_BANDS.weak) == (0.69, 0.51, 0.30)
    assert SEARCH_BANDS.band(0.291) is None  # the best hit of any nonsense query measured on the demo
    assert SEARCH_BANDS.band(0.488) is Band.WEAK  # the lowest expected hit of a planted query


def test_a_band_reads_as_its_word() -> None:
    assert [str(b) for b in Band] == ["strong", "possible", "weak"]
