"""Specification of the offline evaluation: metrics on hand-computed cases, splits, baselines, the runner."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.embed import TfidfEncoder
from matcher.evaluate import (
    AdamicAdarRanker,
    EmbeddingRanker,
    Fold,
    PopularityRanker,
    RandomRanker,
    RecommenderRanker,
    TfidfRanker,
    baselines,
    catalogue_coverage,
    cordis_folds,
    evaluate,
    facet_texts,
    gini,
    hit_rate_at_k,
    ndcg_at_k,
    recall_at_k,
    reciprocal_hit_rate,
    reciprocal_rank,
    split_partnerships,
)
from matcher.rank import CrossCity
from matcher.schema import FACETS
from matcher.synthetic import generate

# ----------------------------------------------------------------------------------------------------- metrics


def test_recall_counts_relevant_items_in_the_first_k() -> None:
    assert recall_at_k(["a", "b", "c", "d"], {"b", "d", "z"}, 2) == pytest.approx(1 / 3)


def test_recall_is_zero_without_relevant_items() -> None:
    assert recall_at_k(["a"], set(), 5) == 0.0


def test_ndcg_discounts_a_hit_by_its_position() -> None:
    # one hit at position 3 of 3; ideal puts it first: (1/log2(4)) / 1
    assert ndcg_at_k(["x", "y", "a"], {"a"}, 3) == pytest.approx(0.5)


def test_ndcg_ideal_list_counts_at_most_k_hits() -> None:
    # two relevant, k=1, hit first: DCG 1, ideal 1
    assert ndcg_at_k(["a", "b"], {"a", "b"}, 1) == pytest.approx(1.0)


def test_ndcg_with_two_relevant_and_one_found_second() -> None:
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["x", "a", "y"], {"a", "b"}, 3) == pytest.approx(expected)


def test_hit_rate_is_one_when_any_relevant_item_is_in_the_first_k() -> None:
    assert (hit_rate_at_k(["x", "a"], {"a"}, 1), hit_rate_at_k(["x", "a"], {"a"}, 2)) == (0.0, 1.0)


def test_reciprocal_rank_reads_the_first_hit() -> None:
    assert reciprocal_rank(["x", "a", "b"], {"b", "a"}) == 0.5


def test_reciprocal_rank_is_zero_without_a_hit() -> None:
    assert reciprocal_rank(["x", "y"], {"a"}) == 0.0


def test_metrics_reject_a_non_positive_k() -> None:
    with pytest.raises(ValueError, match="k must be a positive int"):
        recall_at_k(["a"], {"a"}, 0)


def test_coverage_counts_distinct_items_over_the_catalogue() -> None:
    assert catalogue_coverage([["a", "b"], ["a", "c"]], 10) == pytest.approx(0.3)


def test_gini_is_zero_for_equal_exposure() -> None:
    assert gini([3, 3, 3]) == 0.0


def test_gini_of_one_item_holding_everything_is_one_minus_one_over_n() -> None:
    assert gini([0, 0, 0, 0, 5]) == pytest.approx(0.8)


def test_gini_of_a_hand_computed_case() -> None:
    # sorted [1, 2, 3]: sum((2i - n - 1) x_i) = -2 + 0 + 6 = 4; / (3 * 6)
    assert gini([3, 1, 2]) == pytest.approx(4 / 18)


def test_reciprocal_view_counts_pairs_found_both_ways_and_either_way() -> None:
    lists = {"a": ["b", "x"], "b": ["a"], "c": ["x"], "d": ["c"]}
    both, either = reciprocal_hit_rate(lists, [("a", "b"), ("c", "d"), ("a", "c")], 2)
    assert (both, either) == (pytest.approx(1 / 3), pytest.approx(2 / 3))


# ----------------------------------------------------------------------------------------------------- splits


def _partnerships() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_id": ["a", "b", "c", "d", "b", "e"],
            "target_id": ["b", "c", "d", "a", "a", "f"],
            "year": [2018, 2019, 2022, 2023, 2024, None],
        }
    )


def test_year_split_puts_later_partnerships_in_the_truth() -> None:
    split = split_partnerships(_partnerships(), year=2021)
    assert sorted(map(tuple, split.truth.values.tolist())) == [("a", "d"), ("c", "d")]


def test_year_split_keeps_undated_partnerships_in_the_history() -> None:
    split = split_partnerships(_partnerships(), year=2021)
    assert ("e", "f") in set(zip(split.history["source_id"], split.history["target_id"], strict=True))


def test_year_split_drops_truth_pairs_already_in_the_history_in_either_order() -> None:
    # b-a (2024) repeats a-b (2018)
    split = split_partnerships(_partnerships(), year=2021)
    assert ("a", "b") not in set(zip(split.truth["source_id"], split.truth["target_id"], strict=True))


def test_year_is_chosen_to_hold_out_the_requested_share() -> None:
    assert split_partnerships(_partnerships(), test_share=0.4).how == "year <= 2022"


def test_random_split_without_years_is_seeded_and_disjoint() -> None:
    pairs = pd.DataFrame({"source_id": list("abcdefghij"), "target_id": list("bcdefghijk")})
    first, again = split_partnerships(pairs, seed=3), split_partnerships(pairs, seed=3)
    assert first.truth.equals(again.truth)
    assert len(first.truth) == 2 and len(first.history) == 8
    assert not set(first.truth["source_id"]) & set(first.history["source_id"])


def test_split_rejects_a_share_outside_zero_one() -> None:
    with pytest.raises(ValueError, match="test_share"):
        split_partnerships(_partnerships(), test_share=1.0)


# ----------------------------------------------------------------------------------------------------- baselines


def _tiny_fold(truth: Sequence[tuple[str, str]] = (("a", "d"),)) -> Fold:
    """Six organisations: a-b-c-d in one chain of partners, hub h linked to four; one city per letter except
    that a and e share Seattle."""
    ids = ["a", "b", "c", "d", "e", "h"]
    profiles = pd.DataFrame(
        {
            "id": ids,
            "name": [f"Org {i}" for i in ids],
            "org_type": ["company"] * 6,
            "city": ["Seattle", "Calgary", "Dortmund", "Malaga", "Seattle", "Daejeon"],
            "country": ["US", "CA", "DE", "ES", "US", "KR"],
            "sectors": [()] * 6,
            "offers": ["gallium nitride power chips", "wafers", "lasers", "power chips test", "gallium nitride", ""],
            "seeks": [""] * 6,
            "description": [""] * 6,
        }
    )
    vectors = {f: np.eye(6, dtype=np.float32) for f in FACETS}
    vectors["profile"] = np.array([[1, 0], [0, 1], [0, 1], [0.8, 0.6], [1, 0], [0, 1]], dtype=np.float32)
    history = pd.DataFrame({"source_id": ["a", "b", "h", "h", "h", "h"], "target_id": ["b", "c", "b", "c", "e", "d"]})
    return Fold(profiles, vectors, history, pd.DataFrame(truth, columns=["source_id", "target_id"]), name="tiny")


def _ranked(ranker: RandomRanker, query: str, cross_city: CrossCity = "other_city") -> list[str]:
    return ranker.fit(_tiny_fold(), cross_city).rank([query], 5)[0]


def test_baselines_never_propose_the_query_its_partners_or_its_city() -> None:
    for ranker in baselines():
        found = _ranked(ranker, "a")
        assert {"a", "b", "e"}.isdisjoint(found), ranker.name


def test_adamic_adar_finds_the_partners_of_a_partner() -> None:
    # a's only partner b works with c and h: both share b with a; d shares no one
    assert set(_ranked(AdamicAdarRanker(), "a")[:2]) == {"c", "h"}


def test_adamic_adar_weighs_a_rare_shared_partner_more() -> None:
    # d's partner is the hub h (degree 4): b, c and e share it, c also shares nothing else; for c, a shares b
    # (degree 3) and d, e share h (degree 4): a ranks first
    assert _ranked(AdamicAdarRanker(), "c", "any")[0] == "a"


def test_popularity_ranks_by_history_degree() -> None:
    # for e (partner: h), the rest by degree: b has 3, c 2, a and d 1
    assert set(_ranked(PopularityRanker(), "e", "any")[:2]) == {"b", "c"}


def test_embedding_cosine_puts_the_nearest_profile_first() -> None:
    assert _ranked(EmbeddingRanker(), "a")[0] == "d"


def test_tfidf_cosine_puts_the_profile_sharing_rare_words_first() -> None:
    assert _ranked(TfidfRanker(), "a")[0] == "d"


def test_random_ranker_is_reproducible_with_its_seed() -> None:
    assert _ranked(RandomRanker(seed=5), "c", "any") == _ranked(RandomRanker(seed=5), "c", "any")


# ----------------------------------------------------------------------------------------------------- runner


class _Oracle:
    """A method that knows the truth: it must score 1 everywhere it can."""

    name = "oracle"

    def fit(self, fold: Fold, cross_city: CrossCity) -> _Oracle:
        self.truth_ = fold.truth
        return self

    def rank(self, queries: Sequence[str], k: int) -> list[list[str]]:
        t = self.truth_
        return [
            sorted(set(t.loc[t.source_id == q, "target_id"]) | set(t.loc[t.target_id == q, "source_id"]))[:k]
            for q in queries
        ]


def test_an_oracle_scores_perfect_recall_and_reciprocity() -> None:
    result = evaluate(_tiny_fold((("a", "d"), ("c", "e"))), [_Oracle()])
    row = result.table.loc["oracle"]
    assert (row["recall@10"], row["ndcg@5"], row["mrr"], row["reciprocal_both@10"]) == (1.0, 1.0, 1.0, 1.0)


def test_truth_pairs_in_one_city_are_dropped_under_the_cross_city_rule() -> None:
    result = evaluate(_tiny_fold((("a", "d"), ("a", "e"))), [_Oracle()])
    assert (result.n_truth_pairs, result.dropped_by_rule) == (1, 1)


def test_directed_truth_scores_only_the_source_side() -> None:
    fold = _tiny_fold((("a", "d"),))
    directed = Fold(fold.profiles, fold.vectors, fold.history, fold.truth, directed=True)
    assert evaluate(directed, [_Oracle()]).n_queries == 1
    assert evaluate(fold, [_Oracle()]).n_queries == 2


def test_the_result_table_has_every_metric_for_every_method() -> None:
    result = evaluate(_tiny_fold(), [_Oracle(), RandomRanker()], ks=(1, 2))
    assert list(result.table.index) == ["oracle", "random"]
    assert {"recall@1", "ndcg@2", "hit@2", "mrr", "coverage@10", "gini@10", "reciprocal_either@10"} <= set(
        result.table.columns
    )


def test_the_result_serialises_to_json_and_text() -> None:
    result = evaluate(_tiny_fold(), [_Oracle()], dataset="tiny")
    assert json.loads(result.to_json())["methods"]["oracle"]["recall@10"] == 1.0
    assert result.to_text().startswith("tiny:") and "oracle" in result.to_text()


def test_evaluate_refuses_duplicate_method_names() -> None:
    with pytest.raises(ValueError, match="distinct"):
        evaluate(_tiny_fold(), [RandomRanker(), RandomRanker()])


def test_max_queries_samples_the_queries() -> None:
    result = evaluate(_tiny_fold((("a", "d"), ("c", "e"))), [_Oracle()], max_queries=2)
    assert result.n_queries == 2


def _synthetic_fold(n: int = 200) -> Fold:
    data = generate(n, seed=2)
    texts = {f: facet_texts(data.profiles, f) for f in FACETS}
    encoder = TfidfEncoder(n_components=64).fit([t for f in FACETS for t in texts[f]])
    vectors = {f: encoder.encode(texts[f]) for f in FACETS}
    return Fold(data.profiles, vectors, data.partnerships, data.truth[["source_id", "target_id"]])


@pytest.mark.slow
def test_on_planted_pairs_the_recommender_beats_random_and_popularity() -> None:
    result = evaluate(_synthetic_fold(), [RecommenderRanker(), RandomRanker(), PopularityRanker()], max_queries=40)
    recall = result.table["recall@10"]
    assert recall["matcher"] > 3 * max(recall["random"], recall["popularity"])


# ----------------------------------------------------------------------------------------------------- CORDIS


def _cordis_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    # Project 10: A, B, C and E. A and B also work together in 20; E alone in 30; C only in 10 (a newcomer).
    organizations = pd.DataFrame(
        {
            "organisationID": [1, 2, 3, 5, 1, 2, 4, 5],
            "projectID": [10, 10, 10, 10, 20, 20, 20, 30],
            "name": ["Uni A", "Chip B", "Fab C", "Foundry E", "Uni A", "Chip B", "Lab D", "Foundry E"],
            "activityType": ["HES", "PRC", "PRC", "PRC", "HES", "PRC", "REC", "PRC"],
            "SME": ["", "false", "true", "false", "", "false", "", "false"],
            "role": ["coordinator", "participant", "participant", "participant", "participant", "coordinator",
                     "participant", "coordinator"],
            "city": ["GRAZ", "VANTAA", "MALAGA", "DRESDEN", "GRAZ", "VANTAA", "DORTMUND", "DRESDEN"],
            "country": ["AT", "FI", "ES", "DE", "AT", "FI", "DE", "DE"],
        }
    )  # fmt: skip
    projects = pd.DataFrame(
        {
            "id": [10, 20, 30],
            "acronym": ["ZEBRA", "OKAPI", "IBEX"],
            "title": ["Zebrafish silicon carbide inverters", "Okapi gallium nitride chargers", "Ibex wafer bonding"],
            "objective": ["Zebrafish inverters.", "Okapi chargers.", "Ibex bonding."],
            "startDate": ["2016-01-01", "2019-01-01", "2018-01-01"],
        }
    )
    return organizations, projects


def _tfidf_vectors(profiles: pd.DataFrame) -> dict[str, np.ndarray]:
    return {f: np.zeros((len(profiles), 4), np.float32) for f in FACETS}


def test_cordis_fold_texts_never_mention_the_held_out_project() -> None:
    folds = cordis_folds(*_cordis_tables(), _tfidf_vectors, hold_out=["10"])
    text = " ".join(" ".join(facet_texts(folds[0].profiles, f)) for f in FACETS)
    assert "Zebrafish" not in text and "Okapi" in text


def test_cordis_fold_truth_is_the_project_pairs_no_other_project_links() -> None:
    folds = cordis_folds(*_cordis_tables(), _tfidf_vectors, hold_out=["10"])
    pairs = {frozenset(pair) for pair in zip(folds[0].truth["source_id"], folds[0].truth["target_id"], strict=True)}
    # A-B also work together in project 20: history, not truth; C is not in the catalogue (next test)
    assert pairs == {frozenset({"cordis-1", "cordis-5"}), frozenset({"cordis-2", "cordis-5"})}


def test_cordis_fold_catalogue_leaves_out_organisations_known_only_from_the_held_out_project() -> None:
    folds = cordis_folds(*_cordis_tables(), _tfidf_vectors, hold_out=["10"])
    assert set(folds[0].profiles["id"]) == {"cordis-1", "cordis-2", "cordis-4", "cordis-5"}


def test_cordis_fold_history_holds_only_the_other_projects() -> None:
    folds = cordis_folds(*_cordis_tables(), _tfidf_vectors, hold_out=["10"])
    assert set(folds[0].history["note"]) == {"OKAPI"}


@pytest.mark.slow
def test_real_cordis_sample_gives_one_fold_per_project_with_returning_members(cordis_dir: Path) -> None:
    from matcher.cordis import read_cordis

    organizations, projects = read_cordis(cordis_dir / "organization.json", cordis_dir / "project.json")
    folds = cordis_folds(organizations, projects, _tfidf_vectors, hold_out=projects["id"].head(3).tolist())
    for fold in folds:
        held_out = projects.loc[projects["acronym"] == fold.name, "title"].iloc[0]
        assert not any(held_out in text for text in fold.profiles["description"].fillna(""))
