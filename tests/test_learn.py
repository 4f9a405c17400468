"""Specification of the learned re-ranker: training by time, the scorer contract, train/save/load, cold start."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lightgbm import LGBMRanker
from sklearn.linear_model import LogisticRegression

from matcher.catalogue import facet_texts
from matcher.embed import TfidfEncoder
from matcher.features import FEATURE_NAMES
from matcher.learn import (
    LEARNED_FEATURES,
    MIN_GAIN,
    MIN_HELD_OUT_QUERIES,
    LearnedScorer,
    NoTimeSplitError,
    TrainResult,
    load_scorer,
    preferred_scorer,
    save,
    served_weighted,
    swap_sides,
    train,
    window_data,
)
from matcher.rank import Recommender, Scorer, WeightedScorer, harmonic_mean, load_config
from matcher.schema import FACETS, Profile
from matcher.synthetic import CATALOGUE, generate

# ----------------------------------------------------------------------------------------------------- scorer


def _frame(**columns: list[float]) -> pd.DataFrame:
    """A feature frame: the given columns, a little graph signal (the asker has history), every other feature 0."""
    n = len(next(iter(columns.values())))
    columns = {"adamic_adar": [0.1] * n, **columns}
    return pd.DataFrame({name: columns.get(name, [0.0] * n) for name in FEATURE_NAMES})


def _need_model() -> LearnedScorer:
    """Links happen exactly when the candidate's offers meet the asker's need."""
    x = _frame(need_match=[0.0, 0.1, 0.2, 0.8, 0.9, 1.0])
    return LearnedScorer(LogisticRegression().fit(x.to_numpy(), [0, 0, 0, 1, 1, 1]), FEATURE_NAMES)


def test_swapping_sides_trades_directional_features_only() -> None:
    swapped = swap_sides(_frame(need_match=[0.9], type_fit_for_query=[1.0], lexical=[0.3]))
    assert swapped.loc[0, ["offer_match", "type_fit_for_candidate", "lexical", "need_match"]].tolist() == [
        0.9,
        1.0,
        0.3,
        0.0,
    ]


def test_learned_scorer_is_a_scorer() -> None:
    assert isinstance(_need_model(), Scorer)


def test_fit_for_the_asker_follows_what_the_candidate_offers_it() -> None:
    fit_query, _ = _need_model().score(_frame(need_match=[0.1, 0.9]))
    assert fit_query[1] > fit_query[0]


def test_fit_for_the_candidate_reads_the_pair_from_the_candidate_side() -> None:
    # the asker offers what the candidate needs (offer_match), the candidate offers the asker nothing
    fit_query, fit_candidate = _need_model().score(_frame(offer_match=[0.9]))
    assert fit_candidate[0] > 0.5 > fit_query[0]


def test_an_asker_without_graph_signal_is_scored_by_the_weighted_scorer() -> None:
    cold = _frame(need_match=[0.9, 0.1], adamic_adar=[0.0, 0.0])
    learned, weighted = _need_model().score(cold), WeightedScorer().score(cold)
    assert all(np.allclose(a, b) for a, b in zip(learned, weighted, strict=True))


def test_logistic_contributions_add_up_to_the_score() -> None:
    scorer = _need_model()
    features = _frame(need_match=[0.9, 0.3], offer_match=[0.8, 0.9])
    total = scorer.contributions(features).sum(axis=1).to_numpy()
    assert np.allclose(total, harmonic_mean(*scorer.score(features)))


def test_ranker_contributions_add_up_to_the_score_wherever_a_feature_raised_it() -> None:
    rng = np.random.default_rng(0)
    x = _frame(popularity=rng.random(200).tolist(), three_step_links=rng.random(200).tolist())
    label = (x["popularity"] + x["three_step_links"] > 1.0).astype(int)
    inputs = x[list(LEARNED_FEATURES)].to_numpy()
    scorer = LearnedScorer(
        LGBMRanker(n_estimators=20, min_child_samples=5, verbose=-1).fit(inputs, label, group=[100, 100])
    )
    contributions = scorer.contributions(x)
    total = contributions.sum(axis=1).to_numpy()
    raised = total > 0  # SHAP parts can all be negative: such a row is attributed nothing
    assert raised.mean() > 0.5
    assert np.allclose(total[raised], harmonic_mean(*scorer.score(x))[raised])
    assert contributions["popularity"].sum() > 0 and (contributions.to_numpy() >= 0).all()


def test_scoring_refuses_features_the_model_was_not_trained_on() -> None:
    with pytest.raises(ValueError, match="lack the columns"):
        _need_model().score(pd.DataFrame({"need_match": [0.5]}))


# ----------------------------------------------------------------------------------------------------- data


def _tiny() -> tuple[pd.DataFrame, dict[str, np.ndarray], pd.DataFrame]:
    """Six organisations in six cities but a and e (Seattle); a-b and b-c are partners."""
    cities = [
        ("Seattle", "US"),
        ("Calgary", "CA"),
        ("Dortmund", "DE"),
        ("Malaga", "ES"),
        ("Seattle", "US"),
        ("Daejeon", "KR"),
    ]
    offers = ["GaN chips", "wafers", "lasers", "test", "GaN", "sensors"]
    profiles = pd.DataFrame(
        [
            Profile(id=i, name=f"Org {i}", org_type="company", city=city, country=country, offers=offer).to_dict()
            for i, (city, country), offer in zip("abcdef", cities, offers, strict=True)
        ]
    )
    rng = np.random.default_rng(0)
    vectors = {}
    for facet in FACETS:
        v = rng.random((6, 4)).astype(np.float32)
        vectors[facet] = v / np.linalg.norm(v, axis=1, keepdims=True)
    history = pd.DataFrame({"source_id": ["a", "b"], "target_id": ["b", "c"]})
    return profiles, vectors, history


def _tiny_recommender() -> Recommender:
    profiles, vectors, history = _tiny()
    return Recommender().fit(profiles, vectors, history)


def test_window_pairs_are_the_channels_candidates_labelled_by_the_new_partnerships_both_ways() -> None:
    data = window_data(_tiny_recommender(), pd.DataFrame({"source_id": ["a"], "target_id": ["c"]}))
    assert set(data.query) == {"a", "c"}
    assert data.label.sum() == 2  # a-c read from a and from c
    # a's pool: organisations with a history, in another city, not its partner (b) nor itself: c alone
    assert (data.query == "a").sum() == 1


def test_window_pairs_leave_out_organisations_without_a_history_before_the_window() -> None:
    # d has no partnership yet: at the window's time it may not have existed, and it carries no graph signal.
    data = window_data(_tiny_recommender(), pd.DataFrame({"source_id": ["a"], "target_id": ["d"]}))
    assert len(data.label) == 0


def test_window_groups_are_the_runs_of_one_asker() -> None:
    data = window_data(_tiny_recommender(), pd.DataFrame({"source_id": ["a"], "target_id": ["c"]}))
    assert data.query.tolist() == ["a", "c"]  # b is a partner of both: each pool holds the other alone
    assert data.groups().tolist() == [1, 1]


# ----------------------------------------------------------------------------------------------------- train


@pytest.fixture(scope="module")
def synthetic() -> tuple[pd.DataFrame, dict[str, np.ndarray], pd.DataFrame, pd.DataFrame, TfidfEncoder]:
    data = generate(240, seed=4)
    texts = {f: facet_texts(data.profiles, f) for f in FACETS}
    encoder = TfidfEncoder(n_components=96).fit([t for f in FACETS for t in texts[f]])
    vectors = {f: encoder.encode(texts[f]) for f in FACETS}
    return data.profiles, vectors, data.partnerships, data.capabilities, encoder


@pytest.fixture(scope="module")
def trained(synthetic: tuple) -> TrainResult:
    profiles, vectors, partnerships, _, _ = synthetic
    rng = np.random.default_rng(0)
    ids = profiles["id"].to_numpy()
    feedback = pd.DataFrame(
        {
            "asker_id": rng.choice(ids, 40),
            "candidate_id": rng.choice(ids, 40),
            "label": rng.choice(["relevant", "not_relevant", "meeting"], 40),
            "created_at": pd.date_range("2025-01-01", periods=40, freq="D").astype(str),
        }
    )
    return train(profiles, vectors, partnerships, feedback, max_queries=40, eval_queries=15, dataset="synthetic")


@pytest.mark.slow
def test_the_card_records_the_measured_gain_against_the_weighted_scorer(trained: TrainResult) -> None:
    table = trained.evaluation.table
    expected = table.loc["learned", "ndcg@10"] - table.loc["weighted", "ndcg@10"]
    assert trained.card["gain"]["ndcg@10"] == pytest.approx(expected)
    gain = trained.card["gain"]
    enough = not trained.card["too_few_to_tell"]
    assert trained.beats_weighted == (enough and gain["ndcg@10"] >= MIN_GAIN and gain["recall@10"] >= 0)


@pytest.mark.slow
def test_a_held_out_year_with_too_few_organisations_draws_no_verdict(trained: TrainResult) -> None:
    # The fixture scores 15 organisations of the held-out year: fewer than it takes to tell the scorers apart.
    assert trained.card["held_out_queries"] < MIN_HELD_OUT_QUERIES
    assert trained.card["too_few_to_tell"] and not trained.beats_weighted


@pytest.mark.slow
def test_training_uses_feedback_rows(trained: TrainResult) -> None:
    assert trained.card["data"]["from_feedback"] > 0


@pytest.mark.slow
def test_save_then_load_gives_the_same_scores(trained: TrainResult, tmp_path: Path) -> None:
    paths = save(trained, tmp_path, "reranker")
    loaded = load_scorer(paths["model"])
    features = _frame(need_match=[0.2, 0.9], adamic_adar=[0.5, 0.0])
    assert all(np.allclose(a, b) for a, b in zip(loaded.score(features), trained.scorer.score(features), strict=True))


@pytest.mark.slow
def test_save_writes_a_card_naming_the_features_and_the_verdict(trained: TrainResult, tmp_path: Path) -> None:
    paths = save(trained, tmp_path, "reranker")
    card = json.loads(paths["card_json"].read_text())
    assert card["features"] == list(LEARNED_FEATURES) and isinstance(card["beats_weighted"], bool)
    assert "Verdict" in paths["card_md"].read_text()


@pytest.mark.slow
def test_preferred_scorer_follows_the_card_verdict(trained: TrainResult, tmp_path: Path) -> None:
    paths = save(trained, tmp_path, "reranker")
    for verdict in (True, False):
        card = json.loads(paths["card_json"].read_text())
        paths["card_json"].write_text(json.dumps({**card, "beats_weighted": verdict}))
        assert (preferred_scorer(tmp_path) is not None) is verdict


def test_preferred_scorer_is_none_without_a_model(tmp_path: Path) -> None:
    assert preferred_scorer(tmp_path) is None


def _saved(tmp_path: Path, **payload: object) -> Path:
    import skops.io as sio

    path = tmp_path / "reranker.skops"
    default = {"format_version": 2, "model": LogisticRegression(), "features": ["popularity"], "calibration": [1, 0]}
    sio.dump({**default, "name": "test", **payload}, path)
    return path


def test_load_refuses_a_model_trained_on_other_features(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="retrain"):
        load_scorer(_saved(tmp_path, features=["a_feature_that_no_longer_exists"]))


def test_load_refuses_a_file_holding_types_outside_the_allow_list(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not load"):
        load_scorer(_saved(tmp_path, model=Counter(a=1)))


class _Planted:
    """Unpickling this object writes a marker file: proof that a pickle was executed."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (Path.write_text, (Path(self.marker), "executed"))  # type: ignore[return-value]


def test_an_old_pickle_reranker_is_never_opened_even_with_a_winning_card(tmp_path: Path) -> None:
    import pickle

    marker = tmp_path / "executed.txt"
    (tmp_path / "reranker.joblib").write_bytes(pickle.dumps(_Planted(marker)))
    (tmp_path / "reranker.card.json").write_text(json.dumps({"beats_weighted": True}))
    assert preferred_scorer(tmp_path) is None
    assert not marker.exists()


def _cliques(n_projects: int = 40, size: int = 5, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Organisations in many cities whose partnerships are whole projects (cliques), with no years."""
    rng = np.random.default_rng(seed)
    n = n_projects * 3
    profiles = pd.DataFrame(
        [
            Profile(id=f"o{i}", name=f"Org {i}", org_type="company", city=f"City {i % 17}", country="DE").to_dict()
            for i in range(n)
        ]
    )
    rows = []
    for _ in range(n_projects):
        members = rng.choice(n, size=size, replace=False)
        rows += [(f"o{a}", f"o{b}") for i, a in enumerate(members) for b in members[i + 1 :]]
    return profiles, pd.DataFrame(rows, columns=["source_id", "target_id"])


def test_partnerships_without_years_are_never_split_for_training() -> None:
    profiles, partnerships = _cliques()
    vectors = {f: np.eye(len(profiles), 8, dtype=np.float32) for f in FACETS}
    with pytest.raises(NoTimeSplitError, match="no years"):
        train(profiles, vectors, partnerships)


def test_two_dated_years_are_too_few_to_learn_and_measure() -> None:
    profiles, partnerships = _cliques()
    dated = partnerships.assign(year=np.where(np.arange(len(partnerships)) % 2, 2020, 2021))
    vectors = {f: np.eye(len(profiles), 8, dtype=np.float32) for f in FACETS}
    with pytest.raises(NoTimeSplitError, match="three years"):
        train(profiles, vectors, dated)


@pytest.mark.slow
def test_cold_start_a_new_organisation_with_a_short_text_gets_providers_of_its_need(
    synthetic: tuple, trained: TrainResult
) -> None:
    profiles, vectors, partnerships, capabilities, encoder = synthetic
    offered = Counter(key for keys in capabilities["offers"] for key in keys if CATALOGUE_BY_KEY[key].kind == "tech")
    key, _ = offered.most_common(1)[0]
    need = CATALOGUE_BY_KEY[key].needs[0]
    newcomer = Profile(id="new-1", name="Newco", org_type="startup", city="Reykjavik", country="IS", seeks=need)
    query_vectors = {f: encoder.encode([newcomer.text(f)])[0] for f in FACETS}
    rec = Recommender(scorer=trained.scorer).fit(profiles, vectors, partnerships)
    found = rec.recommend(newcomer, k=10, query_vectors=query_vectors).ids
    providers = set(capabilities.loc[[key in keys for keys in capabilities["offers"]], "id"])
    # providers are about 5% of the catalogue: chance puts 0.5 of them in a list of 10
    assert len(set(found) & providers) >= 2, (need, found)


CATALOGUE_BY_KEY = {cap.key: cap for cap in CATALOGUE}


def test_a_dismissal_its_author_took_back_teaches_nothing() -> None:
    from matcher.learn import _feedback_labels

    feedback = pd.DataFrame(
        {
            "asker_id": ["a", "a"],
            "candidate_id": ["x", "y"],
            "label": ["not_relevant", "not_relevant"],
            "restored_at": [None, "2026-12-07T10:00:00+00:00"],
        }
    )
    assert _feedback_labels(feedback)[["candidate_id", "label"]].values.tolist() == [["x", 0]]


def test_the_baseline_a_learned_model_must_beat_is_the_weighted_scorer_as_it_serves_the_whole_history() -> None:
    # 24 organisations, every pair linked over three years: 23 partners each by 2016 (strength 1.0), but only the
    # 2014-2015 pairs (about 15 each, strength 0.58) before the held-out year 2016.
    ids = [f"o{i}" for i in range(24)]
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    history = pd.DataFrame(pairs, columns=["source_id", "target_id"]).assign(year=[2014, 2015, 2016] * 92)
    weights = served_weighted(ids, history).weights_["query"]
    packaged = load_config().weights["query"]
    assert weights["field_activity"] / weights["need_match"] == pytest.approx(
        packaged["field_activity"] / packaged["need_match"]
    )
    before = served_weighted(ids, history[history["year"] < 2016]).weights_["query"]  # what train read before
    assert before["field_activity"] / before["need_match"] < weights["field_activity"] / weights["need_match"]
