"""Diversity and fairness: MMR breaks up near-duplicates, the exposure cap spreads a batch, coverage and Gini."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.diversify import MIN_EXPOSURE_LIMIT, cap_exposure, exposure_limit, exposure_report, gini, mmr


def unit(*rows: list[float]) -> np.ndarray:
    array = np.array(rows, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def test_mmr_puts_a_distinct_item_before_a_near_copy_of_the_first() -> None:
    vectors = unit([1, 0, 0], [0.99, 0.05, 0], [0, 1, 0])
    assert mmr(np.array([0.9, 0.88, 0.7]), vectors, k=3, lambda_=0.7).tolist() == [0, 2, 1]


def test_mmr_with_lambda_one_is_a_plain_ranking() -> None:
    vectors = unit([1, 0], [1, 0], [0, 1])
    assert mmr(np.array([0.9, 0.88, 0.7]), vectors, k=3, lambda_=1.0).tolist() == [0, 1, 2]


def test_mmr_does_not_depend_on_the_scale_of_the_scores() -> None:
    vectors = unit([1, 0, 0], [0.9, 0.3, 0], [0, 1, 0], [0, 0, 1])
    relevance = np.array([0.5, 0.45, 0.3, 0.2])
    assert mmr(relevance, vectors, k=4).tolist() == mmr(relevance / 10, vectors, k=4).tolist()


def test_mmr_returns_at_most_what_there_is() -> None:
    assert mmr(np.array([0.3, 0.2]), unit([1, 0], [0, 1]), k=5).tolist() == [0, 1]
    assert mmr(np.array([0.3]), unit([1, 0]), k=0).tolist() == []


def test_mmr_refuses_a_lambda_outside_zero_one() -> None:
    with pytest.raises(ValueError, match="lambda_"):
        mmr(np.array([0.3]), unit([1, 0]), k=1, lambda_=1.5)


def test_exposure_limit_is_a_share_of_the_batch_with_a_floor() -> None:
    assert exposure_limit(0.1, 1000) == 100
    assert exposure_limit(0.1, 3) == MIN_EXPOSURE_LIMIT
    with pytest.raises(ValueError, match="share"):
        exposure_limit(0.0, 10)


def test_cap_exposure_gives_an_item_to_the_lists_where_it_scores_highest() -> None:
    # Item 7 is everyone's favourite; with a limit of 2 it goes to the two lists that value it most.
    ranked = [np.array([7, 1]), np.array([7, 2]), np.array([7, 3])]
    scores = [np.array([0.9, 0.5]), np.array([0.8, 0.7]), np.array([0.95, 0.2])]
    kept = cap_exposure(ranked, scores, k=1, limit=2)
    assert [ranked[i][p].tolist() for i, p in enumerate(kept)] == [[7], [2], [7]]


def test_cap_exposure_does_not_depend_on_the_order_of_the_lists() -> None:
    ranked = [np.array([7, 1]), np.array([7, 2]), np.array([7, 3])]
    scores = [np.array([0.9, 0.5]), np.array([0.8, 0.7]), np.array([0.95, 0.2])]
    forward = cap_exposure(ranked, scores, k=1, limit=2)
    backward = cap_exposure(ranked[::-1], scores[::-1], k=1, limit=2)
    assert [p.tolist() for p in forward] == [p.tolist() for p in backward[::-1]]


def test_cap_exposure_fills_a_list_over_the_limit_rather_than_leave_it_short() -> None:
    ranked = [np.array([7]), np.array([7])]
    kept = cap_exposure(ranked, [np.array([0.9]), np.array([0.8])], k=1, limit=1)
    assert [p.tolist() for p in kept] == [[0], [0]]


def test_cap_exposure_keeps_each_lists_own_order() -> None:
    kept = cap_exposure([np.array([4, 5, 6])], [np.array([0.2, 0.9, 0.5])], k=2, limit=1)
    assert kept[0].tolist() == [1, 2]


def test_gini_of_equal_and_concentrated_exposure() -> None:
    assert gini(np.array([3, 3, 3])) == 0.0
    assert gini(np.array([0, 0, 0, 4])) == pytest.approx(0.75)
    assert gini(np.array([])) == 0.0


def test_exposure_report_counts_coverage_over_the_whole_catalogue() -> None:
    report = exposure_report([["a", "b"], ["a", "c"], ["a"]], catalogue_size=6)
    assert (report.lists, report.slots, report.distinct, report.max_exposure) == (3, 5, 3, 3)
    assert report.coverage == pytest.approx(0.5)
    assert report.gini == pytest.approx(gini(np.array([3, 1, 1, 0, 0, 0])))


def test_exposure_report_refuses_a_catalogue_smaller_than_what_was_listed() -> None:
    with pytest.raises(ValueError, match="catalogue_size"):
        exposure_report([["a", "b"]], catalogue_size=1)
