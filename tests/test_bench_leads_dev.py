"""bench/bench_leads_dev.py: its cities, truth, graph baselines and scoring on a tiny hand-made graph with known
answers (no model, no workspace)."""

from __future__ import annotations

import argparse
import math
import pickle
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scripts import load_script

from matcher.errors import NotFoundError

bench = load_script("bench/bench_leads_dev.py")

# City P: a, b, c ("P" spelt twice, "p " once); Q: x, y; R: z; S: w.
# History a-z, b-z, z-x, c-y, y-w, x-w: degrees a 1, b 1, c 1, x 2, y 2, z 3, w 2.
# Truth: a-x (new, P<->Q), c-y (already a history edge: dropped), a-b (inside P: no lead), b-w (new, P<->S),
# x-z (a history edge: dropped), y-z (new, Q<->R).
CITIES = {"a": "P", "b": "p ", "c": "P", "x": "Q", "y": "Q", "z": "R", "w": "S"}
EDGES = [("a", "z"), ("b", "z"), ("z", "x"), ("c", "y"), ("y", "w"), ("x", "w")]
TRUTH = [("a", "x"), ("c", "y"), ("a", "b"), ("b", "w"), ("x", "z"), ("y", "z")]


@pytest.fixture
def graph() -> Any:
    profiles = pd.DataFrame({"id": list(CITIES), "city": list(CITIES.values())})
    history = bench.History.from_frames(profiles, pd.DataFrame(EDGES, columns=["source_id", "target_id"]))
    tasks, dropped = bench.city_tasks(history, profiles["city"].tolist(), TRUTH, min_orgs=2)
    return SimpleNamespace(history=history, tasks={t.key: t for t in tasks}, order=tasks, dropped=dropped)


def test_canonical_cities_merge_spellings_as_imports_do() -> None:
    frame = pd.DataFrame(
        {"city": ["Roma", "Rome", "Koeln", "Valencia", "Málaga"], "country": ["IT", "IT", "DE", "VE", "ES"]}
    )
    # CORDIS writes UK and EL: still read as countries, so Málaga stays Málaga; Valencia in Venezuela is not Spain's.
    assert bench.canonical_cities(frame) == ["Rome", "Rome", "Cologne", "Valencia", "Málaga"]


def test_cities_below_the_minimum_are_not_queries(graph: Any) -> None:
    assert [t.key for t in graph.order] == ["p", "q"]  # largest first; R and S have one organisation each
    assert graph.tasks["p"].name == "P"  # the most frequent spelling of the key
    assert graph.tasks["p"].members == ("a", "b", "c")


def test_truth_is_outside_organisations_with_a_new_pair_into_the_city(graph: Any) -> None:
    p, q = graph.tasks["p"], graph.tasks["q"]
    assert p.truth == {"x", "w"}  # c-y was already a history edge; a-b is inside P
    assert q.truth == {"a", "z"}
    assert graph.dropped == 2  # c-y and x-z
    assert (p.linked, q.linked) == (0, 1)  # z already worked with x, a Q organisation


def test_popularity_ranks_outside_organisations_by_degree(graph: Any) -> None:
    lists = bench.baseline_lists(graph.history, graph.order, k=1)
    assert lists["popularity"]["p"] == ["z"]  # degree 3; a, b, c are P's own and never proposed
    assert set(bench.baseline_lists(graph.history, graph.order, k=10)["popularity"]["p"]) == {"x", "y", "z", "w"}


def test_adamic_adar_is_summed_over_the_citys_organisations(graph: Any) -> None:
    # x shares z (degree 3) with a and with b: 2 / ln 3 = 1.82; w shares y (degree 2) with c: 1 / ln 2 = 1.44;
    # z and y share no partner with P: tied at 0, broken by degree (z 3, y 2).
    lists = bench.baseline_lists(graph.history, graph.order, k=4)
    assert lists["adamic_adar"]["p"] == ["x", "w", "z", "y"]


def test_blend_normalises_over_the_citys_candidates(graph: Any) -> None:
    # x: 0.5 * 1 + 0.5 * ln 3 / ln 4 = 0.896; w: 0.5 * 1.443 / 1.820 + 0.5 * ln 3 / ln 4 = 0.793;
    # z: 0.5 * ln 4 / ln 4 = 0.5; y: 0.5 * ln 3 / ln 4 = 0.396.
    assert bench.baseline_lists(graph.history, graph.order, k=4)["blend"]["p"] == ["x", "w", "z", "y"]


def test_city_links_counts_history_partners_in_the_city(graph: Any) -> None:
    assert bench.baseline_lists(graph.history, graph.order, k=2)["city_links"]["p"] == ["z", "y"]  # 2 and 1


def test_summary_on_known_lists(graph: Any) -> None:
    lists = {"p": ["x", "z"], "q": ["w", "y"]}  # P finds one of two; Q finds none
    summary = bench.summarise(lists, graph.order, catalogue_size=7, k=2)
    assert summary.per_city["p"].recall == pytest.approx(0.5)
    assert summary.per_city["q"].recall == 0.0
    assert summary.macro.recall == pytest.approx(0.25)
    assert summary.weighted["recall"] == pytest.approx((2 * 0.5 + 2 * 0.0) / 4)
    assert summary.macro.ndcg == pytest.approx((1 / (1 + 1 / math.log2(3))) / 2)
    assert summary.macro.distinct == 4


def test_adamic_adar_beats_popularity_on_the_hand_made_graph(graph: Any) -> None:
    lists = bench.baseline_lists(graph.history, graph.order, k=2)
    p_only = [graph.tasks["p"]]
    assert bench.summarise(lists["adamic_adar"], p_only, 7, k=2).macro.recall == 1.0  # x and w
    assert bench.summarise(lists["popularity"], p_only, 7, k=2).macro.recall < 1.0  # z first, not a lead


def test_a_city_without_truth_is_left_out_and_none_at_all_is_refused(graph: Any) -> None:
    empty = bench.CityTask("s", "S", ("w",), frozenset(), 0)
    with_empty = bench.summarise({"p": ["x", "w"]}, [graph.tasks["p"], empty], 7, k=2)
    assert with_empty.macro.n_queries == 1 and with_empty.macro.recall == 1.0
    with pytest.raises(ValueError, match="no city"):
        bench.summarise({}, [empty], 7, k=2)


def test_run_leads_keeps_going_past_a_refused_city(graph: Any) -> None:
    asked: list[tuple[str, int, Any]] = []

    def leads(city: str, *, k: int, org_types: Any) -> Any:
        asked.append((city, k, org_types))
        if city == "Q":
            raise NotFoundError("No organisations in Q; known cities: P")
        return SimpleNamespace(results=(SimpleNamespace(id="x"), SimpleNamespace(id="w")), message=None)

    run = bench.run_leads(leads, graph.order, k=2, org_types=["company"])
    assert asked == [("P", 2, ["company"]), ("Q", 2, ["company"])]  # asked by canonical name, types passed through
    assert run.lists == {"p": ["x", "w"], "q": []}
    assert run.messages["q"].startswith("refused: No organisations in Q")
    assert set(run.seconds) == {"p", "q"}


@pytest.fixture
def evidence() -> Any:
    """Three candidates for city P (two local organisations): a is both locals' best suggestion but quiet in the
    latest year; b is the most active and best linked; c sits in between."""
    return bench.CityEvidence(
        key="p",
        ids=("a", "b", "c"),
        suggested=sp.csr_matrix(np.array([[0.9, 0.0, 0.3], [0.8, 0.0, 0.0]])),
        links=np.array([0.0, 9.0, 1.0]),
        activity=np.array([0.1, 0.9, 0.5]),
        popularity=np.array([0.2, 0.8, 0.5]),
        lookalike=np.array([0.0, 0.0, 0.0]),
        same_country=np.array([False, False, True]),
    )


def test_variants_rank_by_the_part_they_read(evidence: Any) -> None:
    lists = bench.variant_lists({"p": evidence}, k=3, names=["breadth", "activity", "graph_part"])
    assert lists["breadth"]["p"][0] == "a"  # two locals at 0.9 and 0.8
    assert lists["activity"]["p"] == ["b", "c", "a"]
    # graph part 0.8 activity + 0.2 x / (1 + x): a 0.08, b 0.9, c 0.5.
    assert lists["graph_part"]["p"] == ["b", "c", "a"]


def test_without_breadth_the_graph_leads(evidence: Any) -> None:
    lists = bench.variant_lists({"p": evidence}, k=1, names=["no_breadth"])
    assert lists["no_breadth"]["p"] == ["b"]  # a's two strong suggestions no longer count


def test_evidence_cache_round_trip(evidence: Any, tmp_path: Path, graph: Any) -> None:
    path = tmp_path / "evidence.pkl"
    path.write_bytes(pickle.dumps({"p": vars(evidence)}))
    loaded = bench.load_evidence(path, [graph.tasks["p"]])
    assert loaded is not None and loaded["p"].ids == ("a", "b", "c")
    assert bench.load_evidence(path, graph.order) is None  # Q is not in the cache: collect again
    assert bench.load_evidence(tmp_path / "missing.pkl", graph.order) is None


def test_parse_weights_refuses_an_unknown_part() -> None:
    assert bench.parse_weights("breadth=0.1,graph=1")["breadth"] == 0.1
    with pytest.raises(argparse.ArgumentTypeError, match="unknown part 'bredth'"):
        bench.parse_weights("bredth=1")


def test_paired_difference_compares_city_by_city(graph: Any) -> None:
    better = bench.summarise({"p": ["x", "w"], "q": ["a", "n"]}, graph.order, 7, k=2)  # P 1.0, Q 0.5
    worse = bench.summarise({"p": ["x", "n"], "q": ["a", "n"]}, graph.order, 7, k=2)  # P 0.5, Q 0.5
    mean, se, wins, losses = bench.paired_difference(better, worse)
    assert (mean, wins, losses) == (pytest.approx(0.25), 1, 0)
    assert se == pytest.approx(0.25)  # differences 0.5 and 0: sd 0.354 over sqrt(2)
