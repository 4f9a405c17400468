"""Candidate channels: rare-term lexical index, partner graph scores, masked top-k, provenance, index adapter."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from matcher.candidates import FacetSearcher, LexicalIndex, PartnerGraph, field_keys, merge_channels, top_rows
from matcher.index import VectorIndex


def lexical_frame(technologies: list[tuple[str, ...]], names: list[str] | None = None) -> pd.DataFrame:
    n = len(technologies)
    return pd.DataFrame(
        {
            "name": names or [""] * n,
            "sectors": [()] * n,
            "technologies": technologies,
            "offers": [""] * n,
            "seeks": [""] * n,
        }
    )


def test_lexical_index_matches_a_rare_named_technology() -> None:
    lex = LexicalIndex().fit(lexical_frame([("GaN power devices",), ("SiC wafers",), ("GaN epitaxy",)]))
    scores = lex.scores(lex.transform(lexical_frame([("GaN",)]))).toarray()[0]
    assert scores[0] > 0 and scores[2] > 0 and scores[1] == 0


def test_lexical_index_drops_terms_most_of_a_large_catalogue_shares() -> None:
    # "platform" is in every profile; "lidar" in one. Only the rare term can match.
    techs = [("platform", "lidar")] + [("platform", f"thing{i}") for i in range(99)]
    lex = LexicalIndex(max_df_share=0.1, min_docs_for_cut=50).fit(lexical_frame(techs))
    scores = lex.scores(lex.transform(lexical_frame([("platform",), ("lidar",)]))).toarray()
    assert scores[0].max() == 0
    assert np.flatnonzero(scores[1]).tolist() == [0]


def test_lexical_index_keeps_every_term_in_a_small_catalogue() -> None:
    lex = LexicalIndex(min_docs_for_cut=50).fit(lexical_frame([("platform",), ("platform",)]))
    assert lex.scores(lex.transform(lexical_frame([("platform",)]))).toarray()[0].tolist() == pytest.approx([1, 1])


def test_lexical_index_of_profiles_without_any_term_finds_nothing() -> None:
    lex = LexicalIndex().fit(lexical_frame([(), ()], names=["", ""]))
    assert lex.scores(lex.transform(lexical_frame([("GaN",)]))).nnz == 0


@pytest.fixture
def star() -> PartnerGraph:
    # hub h works with a, b, c; a also works with d. Edge a-h appears twice (two partnerships): one edge.
    edges = pd.DataFrame({"source_id": ["h", "h", "h", "a", "a", "x"], "target_id": ["a", "b", "c", "d", "h", "a"]})
    return PartnerGraph().fit(["h", "a", "b", "c", "d"], edges)


def test_graph_is_undirected_without_duplicates_or_unknown_ids(star: PartnerGraph) -> None:
    assert star.degree_.tolist() == [3, 2, 1, 1, 1]
    assert star.n_edges == 4
    assert star.partners(1).tolist() == [0, 4]


def test_common_partners_and_adamic_adar_weigh_the_shared_partner(star: PartnerGraph) -> None:
    links = star.link_scores(np.array([2]))  # b's view: shares the hub with a and c
    assert links.common.toarray()[0].tolist() == [0, 1, 1, 1, 0]
    assert links.adamic_adar.toarray()[0, 1] == pytest.approx(1 / math.log(3))
    # a and d... d's only partner a has degree 2: a rarer shared partner counts more than the hub.
    from_d = star.link_scores(np.array([4])).adamic_adar
    assert from_d.toarray()[0, 0] > links.adamic_adar.toarray()[0, 1]


def test_three_step_links_reach_the_partners_of_partners_partners(star: PartnerGraph) -> None:
    # b - h - a - d: one path, through a (degree 2); b has no common partner with d.
    links = star.link_scores(np.array([2]))
    assert links.common.toarray()[0, 4] == 0
    assert links.three_step.toarray()[0, 4] == pytest.approx(1 / 2)


def test_relative_scores_peak_at_one_in_each_row(star: PartnerGraph) -> None:
    relative = star.link_scores(np.array([2, 4])).relative("adamic_adar").toarray()
    assert relative.max(axis=1).tolist() == pytest.approx([1.0, 1.0])
    assert relative.min() >= 0.0


def test_activity_counts_the_partners_gained_in_the_latest_year() -> None:
    edges = pd.DataFrame(
        {"source_id": ["a", "a", "a", "b"], "target_id": ["b", "c", "d", "c"], "year": [2014, 2014, 2014, 2016]}
    )
    graph = PartnerGraph().fit(["a", "b", "c", "d"], edges)
    assert graph.latest_year_ == 2016
    assert graph.activity_.tolist() == [0.0, 1.0, 1.0, 0.0]  # a was the hub; b and c are the ones active now
    assert graph.popularity_[0] == 1.0


def test_without_years_activity_is_popularity(star: PartnerGraph) -> None:
    assert star.latest_year_ is None
    assert star.activity_.tolist() == star.popularity_.tolist()


def test_popular_proposes_the_most_connected_allowed_rows_first(star: PartnerGraph) -> None:
    allowed = np.array([True, True, True, False, True])
    assert star.popular(2, allowed).tolist() == [0, 1]
    # b, c and d have one partner each: ties go by row.
    assert star.popular(10, np.array([False, True, True, True, True])).tolist() == [1, 2, 3, 4]


def test_popularity_is_damped_and_peaks_at_the_hub(star: PartnerGraph) -> None:
    assert star.popularity_[0] == 1.0
    assert star.popularity_[2] == pytest.approx(math.log(2) / math.log(4))


def test_peer_scores_sum_the_weights_of_the_peers_a_profile_works_with(star: PartnerGraph) -> None:
    scores = star.peer_scores(np.array([2, 3]), np.array([0.5, 0.25])).toarray()[0]
    assert scores.tolist() == [0.75, 0, 0, 0, 0]


def test_empty_partnerships_give_an_empty_graph() -> None:
    graph = PartnerGraph().fit(["a", "b"], pd.DataFrame(columns=["source_id", "target_id"]))
    assert graph.n_edges == 0 and graph.popularity_.tolist() == [0, 0]


@pytest.fixture
def two_fields() -> PartnerGraph:
    # bio works: b1-b2, b1-b3, b1-h. ai work: a1-a2, h-a1, h-a2. The hub h works in both; w has no partner.
    edges = pd.DataFrame(
        {"source_id": ["b1", "b1", "b1", "a1", "h", "h"], "target_id": ["b2", "b3", "h", "a2", "a1", "a2"]}
    )
    ids = ["b1", "b2", "b3", "a1", "a2", "h", "w"]
    fields = [("bio",), ("bio",), ("bio",), ("ai",), ("ai",), ("bio", "ai"), ("ai",)]
    return PartnerGraph().fit(ids, edges, fields=fields)


def test_a_partnership_lies_in_the_field_its_two_organisations_share(two_fields: PartnerGraph) -> None:
    links = two_fields.field_links_.toarray()
    bio, ai = two_fields.field_index_["bio"], two_fields.field_index_["ai"]
    assert links[:, bio].tolist() == [3, 1, 1, 0, 0, 1, 0]  # b1 did three bio partnerships, h one
    assert links[:, ai].tolist() == [0, 0, 0, 2, 2, 2, 0]


def test_a_partnership_in_several_shared_fields_is_split_by_how_common_they_are() -> None:
    edges = pd.DataFrame({"source_id": ["x"], "target_id": ["y"]})
    fields = [("bio", "ai"), ("bio", "ai"), ("bio",), ("bio",)]  # bio is twice as common as ai
    links = PartnerGraph().fit(["x", "y", "p", "q"], edges, fields=fields).field_links_.toarray()
    assert links[0].tolist() == pytest.approx([2 / 3, 1 / 3])


def test_field_activity_ranks_the_organisations_busy_in_the_askers_field_first(two_fields: PartnerGraph) -> None:
    # b2 works in bio: b1 (three bio partnerships) leads, though the hub h has as many partners overall.
    activity = two_fields.field_activity(two_fields.field_interests(1))
    assert two_fields.degree_[0] == two_fields.degree_[5] == 3
    assert activity[0] == 1.0 and activity[5] < activity[0]
    assert activity[3] == activity[4] == 0.0  # only ai work


def test_an_asker_without_partners_is_read_by_the_fields_it_states(two_fields: PartnerGraph) -> None:
    interests = two_fields.field_interests(6, ("ai",))
    assert interests[two_fields.field_index_["ai"]] == 1.0
    typed_in = two_fields.field_interests(-1, ("ai", "unknown field"))
    assert typed_in.tolist() == interests.tolist()


def test_field_activity_is_zero_without_fields() -> None:
    edges = pd.DataFrame({"source_id": ["a"], "target_id": ["b"]})
    graph = PartnerGraph().fit(["a", "b"], edges)
    assert graph.field_activity(graph.field_interests(0, ("bio",))).tolist() == [0.0, 0.0]


def test_field_keys_fold_sectors_and_tags_into_one_set() -> None:
    assert field_keys(("ai",), (" Smart cities", "smart cities", "")) == ("ai", "smart cities")


def test_top_rows_keeps_the_best_allowed_positive_scores() -> None:
    rows, scores = np.array([0, 1, 2, 3, 4]), np.array([0.9, 0.8, 0.0, 0.7, 0.6])
    allowed = np.array([False, True, True, True, True])
    assert top_rows(rows, scores, 2, allowed).tolist() == [1, 3]
    assert top_rows(rows, scores, 10).tolist() == [0, 1, 3, 4]


def test_merged_pool_remembers_every_channel_that_proposed_a_row() -> None:
    pool = merge_channels({"need": np.array([5, 2]), "graph": np.array([2]), "lexical": np.array([], int)})
    assert pool.rows.tolist() == [2, 5]
    assert pool.channel_names(0) == ("need", "graph")
    assert pool.channel_names(1) == ("need",)
    with pytest.raises(ValueError, match="unknown channels"):
        merge_channels({"gossip": np.array([1])})


def test_facet_searcher_maps_index_ids_to_catalogue_rows_and_honours_the_mask() -> None:
    vectors = np.eye(3, dtype=np.float32)
    # The index holds only two of four catalogue profiles, in another order.
    index = VectorIndex().build(["p3", "p1"], vectors[[2, 0]])
    searcher = FacetSearcher(index, {"p0": 0, "p1": 1, "p2": 2, "p3": 3})
    rows, scores = searcher.search(vectors[[0]], k=2, allowed=None)
    assert rows[0].tolist() == [1, 3] and scores[0][0] == pytest.approx(1.0)
    rows, _ = searcher.search(vectors[[0]], k=2, allowed=np.array([True, False, True, True]))
    assert rows[0].tolist() == [3]


def test_facet_searcher_notices_an_index_changed_after_it_was_built() -> None:
    index = VectorIndex().build(["p0"], np.eye(2, dtype=np.float32)[:1])
    searcher = FacetSearcher(index, {"p0": 0, "p1": 1})
    index.add(["p1"], np.eye(2, dtype=np.float32)[1:])
    with pytest.raises(ValueError, match="changed"):
        searcher.search(np.eye(2, dtype=np.float32)[:1], k=1, allowed=None)
