"""bench/bench_dev.py: its scoring and its anchors on tiny hand-made cases with known answers (no model, no CLI)."""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest
from scripts import load_script

bench_dev = load_script("bench/bench_dev.py")


def test_truth_pairs_are_read_both_ways() -> None:
    truth = bench_dev.truth_partners([("q1", "x"), ("y", "q1"), ("q2", "q2")])
    assert truth == {"q1": {"x", "y"}, "x": {"q1"}, "y": {"q1"}}


def test_score_lists_on_a_hand_made_example() -> None:
    # q1's truth comes from both directions of truth.csv; q3 gets no output and must count as zeros.
    truth = bench_dev.truth_partners([("q1", "x"), ("y", "q1"), ("q2", "z"), ("q3", "w")])
    lists = {"q1": ["x", "a", "y"], "q2": ["a", "b", "z"]}
    scores = bench_dev.score_lists(lists, ["q1", "q2", "q3"], truth, catalogue_size=10)

    ndcg_q1 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))  # hits at ranks 1 and 3, ideal two hits
    ndcg_q2 = (1 / math.log2(4)) / 1.0  # one hit at rank 3, ideal one hit
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.recall_full == pytest.approx(2 / 3)
    assert scores.ndcg == pytest.approx((ndcg_q1 + ndcg_q2) / 3)
    assert scores.mrr == pytest.approx((1 + 1 / 3) / 3)
    assert scores.hit == pytest.approx(2 / 3)
    assert (scores.n_queries, scores.answered, scores.distinct) == (3, 2, 5)
    # Exposure a:2, x, y, b, z: 1 each, five never shown: sorted [0]*5 + [1]*4 + [2] over 10 organisations.
    counts = [0] * 5 + [1] * 4 + [2]
    expected_gini = sum((2 * i - 10 - 1) * c for i, c in enumerate(counts, 1)) / (10 * sum(counts))
    assert scores.gini == pytest.approx(expected_gini)


def test_score_lists_cuts_at_k_and_counts_recall_as_source_md() -> None:
    truth = {"q": {f"t{i}" for i in range(12)}, "r": {"late"}}
    perfect = [f"t{i}" for i in range(12)]
    late = [f"n{i}" for i in range(10)] + ["late"]  # the only truth partner at rank 11
    scores = bench_dev.score_lists({"q": perfect, "r": late}, ["q", "r"], truth, catalogue_size=30, k=10)
    # q: ten hits of twelve; ideal DCG over min(10, 12) hits, so nDCG is 1; SOURCE.md recall is 10/min(10, 12).
    # r: nothing in the top 10, so MRR@10 is 0 even though the full list has it at rank 11.
    assert scores.ndcg == pytest.approx(0.5)
    assert scores.recall == pytest.approx(0.5)
    assert scores.recall_full == pytest.approx((10 / 12) / 2)
    assert scores.mrr == pytest.approx(0.5)
    assert scores.hit == pytest.approx(0.5)
    assert scores.distinct == 20  # lists are read to rank 10 only


def test_read_jsonl_takes_the_ids_and_skips_noise() -> None:
    text = '{"query": "a", "results": [{"id": "b"}, {"id": "c"}]}\nnot json\n\n{"query": "d", "results": []}\n'
    assert bench_dev.read_jsonl(text) == {"a": ["b", "c"], "d": []}


@pytest.fixture
def tiny_history() -> Any:
    """a-b, a-c, b-d, c-d, b-e, d-e, e-f, e-g; d shares a's city (spelt differently), the rest are apart.

    Degrees: a 2, b 3, c 2, d 3, e 4, f 1, g 1. For query a (partners b, c) the candidates are d, e, f, g:
    Adamic-Adar(a, d) = 1/ln 3 (via b) + 1/ln 2 (via c) = 2.353, AA(a, e) = 1/ln 3 (via b) = 0.910, f and g 0.
    """
    profiles = pd.DataFrame(
        {
            "id": list("abcdefg"),
            "city": ["Kazan", "B", "C", "  kazan ", "E", "F", "G"],
        }
    )
    edges = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("b", "e"), ("d", "e"), ("e", "f"), ("e", "g")]
    # a-b twice (one edge) and a partner outside the profiles (skipped), as the real files may have.
    partnerships = pd.DataFrame([*edges, ("a", "b"), ("a", "zz")], columns=["source_id", "target_id"])
    return bench_dev.History.from_frames(profiles, partnerships)


def test_history_graph_dedupes_and_skips_unknown_ids(tiny_history: Any) -> None:
    degree = dict(zip(tiny_history.ids, tiny_history.degree.tolist(), strict=True))
    assert degree == {"a": 2, "b": 3, "c": 2, "d": 3, "e": 4, "f": 1, "g": 1}


def test_anchors_on_a_tiny_graph(tiny_history: Any) -> None:
    lists = bench_dev.anchor_lists(tiny_history, ["a"], k=2)
    assert lists["popularity"]["a"] == ["e", "d"]  # degrees 4, 3; a's partners b, c never proposed
    assert lists["adamic_adar"]["a"] == ["d", "e"]  # 2.353 > 0.910
    # Over candidates: d = 0.5 * 1 + 0.5 * ln 4 / ln 5 = 0.931, e = 0.5 * 0.910 / 2.353 + 0.5 = 0.693.
    assert lists["blend"]["a"] == ["d", "e"]
    # Over all organisations the AA maximum is a's with itself (1/ln 3 + 1/ln 2 = 2.353, as d's): the same here.
    assert lists["blend_all"]["a"] == ["d", "e"]
    every = bench_dev.anchor_lists(tiny_history, ["a"], k=10)
    assert sorted(every["popularity"]["a"]) == ["d", "e", "f", "g"]
    assert every["adamic_adar"]["a"][:2] == ["d", "e"]


def test_anchors_other_city_rule_is_case_insensitive(tiny_history: Any) -> None:
    lists = bench_dev.anchor_lists(tiny_history, ["a"], k=10, other_city=True)
    for name in bench_dev.ANCHORS:
        assert "d" not in lists[name]["a"], name  # "  kazan " is a's "Kazan"
        assert lists[name]["a"][0] == "e", name
    assert bench_dev.anchor_lists(tiny_history, ["nobody"], k=3)["popularity"]["nobody"] == []


def test_adamic_adar_breaks_zero_ties_by_degree() -> None:
    # q's only partner is p; x shares p with q; nobody else shares a partner with q. Degrees: z 3, w1 2, the rest 1.
    profiles = pd.DataFrame({"id": ["q", "p", "x", "y", "z", "w1", "w2", "w3"], "city": list("abcdefgh")})
    edges = [("q", "p"), ("p", "x"), ("z", "w1"), ("z", "w2"), ("z", "w3"), ("y", "w1")]
    history = bench_dev.History.from_frames(profiles, pd.DataFrame(edges, columns=["source_id", "target_id"]))
    assert bench_dev.anchor_lists(history, ["q"], k=3)["adamic_adar"]["q"] == ["x", "z", "w1"]


@pytest.fixture(scope="module")
def variants() -> ModuleType:
    return load_script("bench/bench_dev_variants.py")


def _project(members: str, year: int) -> list[tuple[str, str, int]]:
    """Every pair of one project's members (one letter each), dated ``year``."""
    return [(a, b, year) for i, a in enumerate(members) for b in members[i + 1 :]]


def test_same_year_common_counts_partners_shared_within_the_year(variants: ModuleType) -> None:
    # A 2016 project of four (a, b, c, d) and, in 2015, a and e: the 2015 link is no shared partner in 2016.
    edges = pd.DataFrame([*_project("abcd", 2016), ("a", "e", 2015)], columns=["source_id", "target_id", "year"])
    common = variants.same_year_common(edges, {pid: i for i, pid in enumerate("abcde")})
    assert common.tolist() == [2, 2, 2, 2, 2, 2, 0]  # s - 2 = 2 inside a project of four


def test_validation_window_splits_by_year_and_keeps_small_projects_when_asked(variants: ModuleType) -> None:
    # 2015: the history. 2016: a project of twelve (k..v: each pair shares ten) and a pair x-a from a small one.
    big = "klmnopqrstuv"
    rows = [("a", "k", 2015), ("x", "y", 2015), *_project(big, 2016), ("x", "a", 2016)]
    edges = pd.DataFrame(rows, columns=["source_id", "target_id", "year"])
    ids = ["a", "x", "y", *big]

    window = variants.validation_window(edges, ids, 2016)
    assert len(window.history) == 2  # only what was known before 2016
    assert window.truth["x"] == {"a"} and len(window.truth["m"]) == 11
    assert window.queries == ["a", "k", "x"]  # a 2016 pair and a partner before 2016

    small = variants.validation_window(edges, ids, 2016, small_only=True)
    assert small.truth == {"x": {"a"}, "a": {"x"}}  # the twelve-partner project's pairs are left out
    assert small.queries == ["a", "x"]


@pytest.fixture(scope="module")
def windows() -> ModuleType:
    return load_script("bench/bench_dev_windows.py")


@pytest.fixture()
def tiny_set(tmp_path: Path) -> Path:
    """a-b (2014), b-c (2014), c-d (2015); in 2016 a meets d, and newcomers e and f meet each other."""
    ids = list("abcdef")
    countries = ["DE"] * 3 + ["FR"] * 3
    pd.DataFrame({"id": ids, "name": ids, "org_type": "company", "city": "X", "country": countries}).to_csv(
        tmp_path / "profiles.csv", index=False)
    pd.DataFrame({"source_id": ["a", "b", "c", "a", "e"], "target_id": ["b", "c", "d", "d", "f"],
                  "kind": "co-participation", "year": [2014, 2014, 2015, 2016, 2016]}).to_csv(
        tmp_path / "partnerships.csv", index=False)
    return tmp_path


def test_window_truth_keeps_pairs_whose_ends_the_history_knows(windows: ModuleType, tiny_set: Path) -> None:
    net = windows.Network(tiny_set)
    window = net.window("adjacent", 2015, [2016])
    row = net.row_of
    # e and f first appear in 2016: no truth organisation is unknown to the history, as in truth.csv.
    assert window.truth == {row["a"]: {row["d"]}, row["d"]: {row["a"]}}
    assert sorted(window.queries) == [row["a"], row["d"]]


def test_pools_leave_out_the_asker_and_its_partners(windows: ModuleType, tiny_set: Path) -> None:
    net = windows.Network(tiny_set)
    window = net.window("adjacent", 2015, [2016])
    (pool,) = net.pools(window, [net.row_of["a"]])
    names = sorted(net.ids[c] for c in pool.candidates)
    assert names == ["c", "d"]  # not a itself, not its partner b, not e or f (no history, no path)
    c, d = (list(pool.candidates).index(net.row_of[x]) for x in "cd")
    assert pool.features[c, 1] > 0 and pool.features[d, 1] == 0  # c shares partner b with a; d is three steps away
    assert pool.features[d, 3] > 0
