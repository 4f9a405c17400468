"""The delegation planner: optimal meeting plans under availability and capacity, and its greedy fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.bands import RANKING_BANDS
from matcher.schedule import Schedule, plan_meetings

SLOTS = ["Tue 10:00", "Tue 11:00"]


def assert_feasible(
    plan: Schedule,
    scores: np.ndarray,
    visitor_free: np.ndarray,
    host_free: np.ndarray,
    visitor_capacity: list[int],
    host_capacity: list[int],
    min_score: float = 0.0,
) -> None:
    """Checks every rule of a plan against the inputs, independently of the planner."""
    v = {name: k for k, name in enumerate(plan.visitors)}
    h = {name: k for k, name in enumerate(plan.hosts)}
    s = {name: k for k, name in enumerate(plan.slots)}
    pairs = [(m.visitor_id, m.host_id) for m in plan.meetings]
    assert len(pairs) == len(set(pairs)), "a pair meets twice"
    assert len({(m.visitor_id, m.slot) for m in plan.meetings}) == len(pairs), "a visitor is double-booked"
    assert len({(m.host_id, m.slot) for m in plan.meetings}) == len(pairs), "a host is double-booked"
    for m in plan.meetings:
        i, j, t = v[m.visitor_id], h[m.host_id], s[m.slot]
        assert visitor_free[i, t] and host_free[j, t], f"{m} outside availability"
        assert m.score == scores[i, j] and m.score > 0 and m.score >= min_score
    for name, k in v.items():
        assert sum(m.visitor_id == name for m in plan.meetings) <= visitor_capacity[k]
    for name, k in h.items():
        assert sum(m.host_id == name for m in plan.meetings) <= host_capacity[k]
    assert plan.total_score == pytest.approx(sum(m.score for m in plan.meetings))


def brute_force_best(
    scores: np.ndarray, visitor_free: np.ndarray, host_free: np.ndarray, visitor_cap: list[int], host_cap: list[int]
) -> float:
    """The best total by trying every way of giving each pair no meeting or one slot."""
    n_v, n_h = scores.shape
    pairs = [(i, j) for i in range(n_v) for j in range(n_h) if scores[i, j] > 0]
    v_used, h_used = [0] * n_v, [0] * n_h
    v_busy: set[tuple[int, int]] = set()
    h_busy: set[tuple[int, int]] = set()

    def best(k: int) -> float:
        if k == len(pairs):
            return 0.0
        i, j = pairs[k]
        result = best(k + 1)
        if v_used[i] < visitor_cap[i] and h_used[j] < host_cap[j]:
            for t in range(visitor_free.shape[1]):
                if visitor_free[i, t] and host_free[j, t] and (i, t) not in v_busy and (j, t) not in h_busy:
                    v_used[i] += 1
                    h_used[j] += 1
                    v_busy.add((i, t))
                    h_busy.add((j, t))
                    result = max(result, scores[i, j] + best(k + 1))
                    v_used[i] -= 1
                    h_used[j] -= 1
                    v_busy.discard((i, t))
                    h_busy.discard((j, t))
        return result

    return best(0)


def test_beats_the_greedy_plan_when_the_best_pair_takes_the_only_slot() -> None:
    # a-x is the best pair, but a-y and b-x together score more.
    scores = np.array([[10.0, 9.0], [9.0, 0.0]])
    free = np.ones((2, 1), dtype=bool)
    best = plan_meetings(scores, ["a", "b"], ["x", "y"], ["Tue 10:00"], free, free, 1, 1)
    greedy = plan_meetings(scores, ["a", "b"], ["x", "y"], ["Tue 10:00"], free, free, 1, 1, max_variables=0)
    assert (best.method, best.total_score) == ("optimal", 18.0)
    assert {(m.visitor_id, m.host_id) for m in best.meetings} == {("a", "y"), ("b", "x")}
    assert (greedy.method, greedy.total_score) == ("greedy", 10.0)


def test_puts_meetings_in_the_slots_that_leave_room_for_the_others() -> None:
    # y is free only at 10:00, so a meets x at 11:00 although both are free earlier.
    plan = plan_meetings(np.array([[10.0, 9.0]]), ["a"], ["x", "y"], SLOTS, [SLOTS], [SLOTS, ["Tue 10:00"]], 2, 1)
    assert plan.total_score == 19.0
    assert [(m.host_id, m.slot) for m in plan.meetings] == [("y", "Tue 10:00"), ("x", "Tue 11:00")]


def test_greedy_plan_moves_an_earlier_meeting_to_free_a_shared_slot() -> None:
    plan = plan_meetings(
        np.array([[10.0, 9.0]]), ["a"], ["x", "y"], SLOTS, [SLOTS], [SLOTS, ["Tue 10:00"]], 2, 1, max_variables=0
    )
    assert (plan.method, plan.total_score) == ("greedy", 19.0)


@pytest.mark.parametrize("seed", range(8))
def test_finds_the_brute_force_optimum_and_greedy_stays_feasible(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random((3, 3)) * (rng.random((3, 3)) < 0.8), 2)
    v_free, h_free = rng.random((3, 2)) < 0.7, rng.random((3, 2)) < 0.7
    v_cap, h_cap = rng.integers(0, 3, 3).tolist(), rng.integers(0, 3, 3).tolist()
    args = (scores, ["a", "b", "c"], ["x", "y", "z"], SLOTS, v_free, h_free, v_cap, h_cap)
    plan = plan_meetings(*args, min_score=0.0)
    greedy = plan_meetings(*args, min_score=0.0, max_variables=0)
    assert_feasible(plan, scores, v_free, h_free, v_cap, h_cap)
    assert_feasible(greedy, scores, v_free, h_free, v_cap, h_cap)
    assert plan.method == "optimal"
    assert plan.total_score == pytest.approx(brute_force_best(scores, v_free, h_free, v_cap, h_cap))
    assert greedy.total_score <= plan.total_score + 1e-9
    assert plan.upper_bound == pytest.approx(plan.total_score)


def test_pairs_without_a_common_free_slot_never_meet() -> None:
    plan = plan_meetings(
        np.array([[1.0, 0.1]]), ["a"], ["x", "y"], SLOTS, [["Tue 10:00"]], [["Tue 11:00"], SLOTS], 2, 2, min_score=0.0
    )
    assert [(m.host_id, m.slot) for m in plan.meetings] == [("y", "Tue 10:00")]


def test_capacity_limits_meetings_per_organisation() -> None:
    scores = np.ones((1, 3))
    free = np.ones((1, 2), dtype=bool)
    plan = plan_meetings(scores, ["a"], ["x", "y", "z"], SLOTS, free, np.ones((3, 2), bool), [1], 1)
    assert len(plan.meetings) == 1


def test_zero_capacity_leaves_an_organisation_unmatched() -> None:
    free = np.ones((2, 2), dtype=bool)
    plan = plan_meetings(np.ones((2, 2)), ["a", "b"], ["x", "y"], SLOTS, free, free, [2, 0], 2)
    assert plan.unmatched_visitors == ("b",)
    assert plan.unmatched_hosts == ()
    assert plan.total_score == 2.0


def test_zero_nan_and_below_minimum_scores_never_meet() -> None:
    free = np.ones((1, 2), dtype=bool)
    plan = plan_meetings(
        np.array([[0.0, np.nan, 0.2, 0.5]]),
        ["a"],
        ["w", "x", "y", "z"],
        SLOTS,
        free,
        np.ones((4, 2), bool),
        4,
        1,
        min_score=0.3,
    )
    assert [m.host_id for m in plan.meetings] == ["z"]
    assert plan.unmatched_hosts == ("w", "x", "y")


@pytest.mark.parametrize(
    ("visitors", "hosts", "slots"),
    [([], ["x"], SLOTS), (["a"], [], SLOTS), (["a"], ["x"], [])],
    ids=["no visitors", "no hosts", "no slots"],
)
def test_empty_inputs_give_an_empty_plan(visitors: list[str], hosts: list[str], slots: list[str]) -> None:
    scores = np.ones((len(visitors), len(hosts)))
    v_free = np.ones((len(visitors), len(slots)), dtype=bool)
    h_free = np.ones((len(hosts), len(slots)), dtype=bool)
    plan = plan_meetings(scores, visitors, hosts, slots, v_free, h_free, 1, 1)
    assert (plan.meetings, plan.total_score, plan.method) == ([], 0.0, "optimal")
    assert plan.unmatched_visitors == tuple(visitors)
    assert list(plan.to_frame().columns) == ["slot", "visitor_id", "host_id", "score"]
    assert plan.to_frame().empty


def test_availability_as_array_frame_label_sets_or_mapping_gives_the_same_plan() -> None:
    scores = np.array([[3.0, 2.0], [1.0, 4.0]])
    v_sets = [{"Tue 11:00"}, {"Tue 10:00", "Tue 11:00"}]
    h_sets = [set(SLOTS), {"Tue 11:00"}]
    v_array = np.array([[False, True], [True, True]])
    h_array = np.array([[True, True], [False, True]])
    forms = [
        (v_array, h_array),
        (pd.DataFrame(v_array, columns=SLOTS), pd.DataFrame(h_array, columns=SLOTS)),
        (v_sets, h_sets),
        (dict(zip(["a", "b"], v_sets, strict=True)), dict(zip(["x", "y"], h_sets, strict=True))),
    ]
    frames = [plan_meetings(scores, ["a", "b"], ["x", "y"], SLOTS, v, h, 2, 2).to_frame() for v, h in forms]
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frame, frames[0])
    # y is free only at 11:00, where b-y (4) beats a-y (2); a meets x then, and b meets x at 10:00.
    assert frames[0].values.tolist() == [
        ["Tue 10:00", "b", "x", 1.0],
        ["Tue 11:00", "a", "x", 3.0],
        ["Tue 11:00", "b", "y", 4.0],
    ]


def test_meetings_are_listed_by_slot_then_visitor() -> None:
    free = np.ones((2, 2), dtype=bool)
    plan = plan_meetings(np.ones((2, 2)), ["a", "b"], ["x", "y"], SLOTS, free, free, 2, 2)
    frame = plan.to_frame()
    assert frame[["slot", "visitor_id"]].values.tolist() == [
        ["Tue 10:00", "a"],
        ["Tue 10:00", "b"],
        ["Tue 11:00", "a"],
        ["Tue 11:00", "b"],
    ]
    assert plan.total_score == 4.0


def test_grid_shows_each_organisations_agenda() -> None:
    plan = plan_meetings(np.array([[1.0, 0.0]]), ["a"], ["x", "y"], SLOTS, [["Tue 11:00"]], [SLOTS, SLOTS], 1, 1)
    assert plan.to_grid("visitor").to_dict("index") == {"a": {"Tue 10:00": "", "Tue 11:00": "x"}}
    assert plan.to_grid("host").to_dict("index") == {
        "x": {"Tue 10:00": "", "Tue 11:00": "a"},
        "y": {"Tue 10:00": "", "Tue 11:00": ""},
    }


def test_never_worse_than_the_greedy_plan_under_a_tight_time_limit() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random((30, 60))
    v_free, h_free = rng.random((30, 12)) < 0.7, rng.random((60, 12)) < 0.7
    slots = [f"s{k}" for k in range(12)]
    args = (scores, [f"v{i}" for i in range(30)], [f"h{j}" for j in range(60)], slots, v_free, h_free, 10, 5)
    plan = plan_meetings(*args, time_limit=0.05)
    greedy = plan_meetings(*args, max_variables=0)
    assert_feasible(plan, scores, v_free, h_free, [10] * 30, [5] * 60)
    assert plan.total_score >= greedy.total_score - 1e-9
    if plan.upper_bound is not None:
        assert plan.upper_bound >= plan.total_score - 1e-6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scores": np.ones((2, 1))}, r"scores must have shape \(2, 2\)"),
        ({"scores": -np.ones((2, 2))}, "scores must be >= 0"),
        ({"scores": np.full((2, 2), np.inf)}, "finite"),
        ({"visitor_availability": np.ones((2, 3), bool)}, r"visitor_availability must have shape \(2, 2\)"),
        ({"host_availability": [SLOTS]}, "host_availability has 1 entries for 2"),
        ({"host_availability": ["Tue 10:00", "Tue 11:00"]}, "not a single label"),
        ({"visitor_availability": [["Wed 09:00"], []]}, "unknown slots: Wed 09:00"),
        ({"visitor_availability": {"a": SLOTS}}, "no entry for: b"),
        ({"visitor_capacity": -1}, "must not be negative"),
        ({"host_capacity": [1, 2, 3]}, "host_capacity must be one number or 2 numbers"),
        ({"host_capacity": 1.5}, "whole numbers"),
        ({"visitors": ["a", "a"]}, "visitor ids must be unique; repeated: a"),
        ({"hosts": ["a", "y"]}, "both visitor and host: a"),
        ({"slots": ["Tue 10:00", "Tue 10:00"]}, "slot labels must be unique"),
        ({"min_score": -0.1}, "min_score"),
        ({"time_limit": 0}, "time_limit must be positive"),
    ],
)
def test_rejects_bad_arguments_with_a_clear_message(change: dict, message: str) -> None:
    free = np.ones((2, 2), dtype=bool)
    args = {
        "scores": np.ones((2, 2)),
        "visitors": ["a", "b"],
        "hosts": ["x", "y"],
        "slots": SLOTS,
        "visitor_availability": free,
        "host_availability": free,
        "visitor_capacity": 1,
        "host_capacity": 1,
    }
    args.update(change)
    with pytest.raises(ValueError, match=message):
        plan_meetings(**args)


def test_rejects_an_unknown_grid_side() -> None:
    plan = plan_meetings(np.ones((1, 1)), ["a"], ["x"], SLOTS, [SLOTS], [SLOTS], 1, 1)
    with pytest.raises(ValueError, match="side must be"):
        plan.to_grid("guest")  # type: ignore[arg-type]


def test_by_default_no_pair_below_the_possible_band_meets() -> None:
    # b's only host scores 0.20 (weak): it would fill a free slot, but meets nobody at the default floor.
    free = np.ones((2, 2), dtype=bool)
    plan = plan_meetings(np.array([[0.35, 0.0], [0.0, 0.20]]), ["a", "b"], ["x", "y"], SLOTS, free, free, 2, 2)
    assert [(m.visitor_id, m.host_id) for m in plan.meetings] == [("a", "x")]
    assert all(m.score >= RANKING_BANDS.possible for m in plan.meetings)


def test_the_plan_names_who_had_no_good_match() -> None:
    free = np.ones((2, 1), dtype=bool)
    plan = plan_meetings(np.array([[0.35, 0.23], [0.10, 0.0]]), ["a", "b"], ["x", "y"], ["Tue 10:00"], free, free, 1, 1)
    assert plan.without_good_match == ("b", "y")
    assert plan.min_score == RANKING_BANDS.possible


def test_capacity_alone_does_not_count_as_no_good_match() -> None:
    free = np.ones((2, 1), dtype=bool)
    plan = plan_meetings(
        np.array([[0.40], [0.30]]), ["a", "b"], ["x"], ["Tue 10:00"], free, np.ones((1, 1), bool), 1, 1
    )
    assert plan.unmatched_visitors == ("b",)
    assert plan.without_good_match == ()


def test_every_meeting_gets_a_reason_given_or_its_band_in_words() -> None:
    free = np.ones((1, 2), dtype=bool)
    plan = plan_meetings(np.array([[0.40, 0.26]]), ["a"], ["x", "y"], SLOTS, free, np.ones((2, 2), bool), 2, 1)
    given = plan.with_reasons({("a", "x"): "Their offer meets your need: GMP fill-finish", ("a", "y"): "  "})
    assert {m.host_id: m.reason for m in given.meetings} == {
        "x": "Their offer meets your need: GMP fill-finish",
        "y": "A possible match both ways (score 0.26)",
    }
