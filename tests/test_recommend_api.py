"""Recommendations through the Python API and the CLI, on the demo data with the packaged model."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from matcher.api import Matcher, MatcherError, NotFoundError
from matcher.cli import main
from matcher.diversify import exposure_limit
from matcher.embed import BlendEncoder
from matcher.filters import Filters
from matcher.schema import Profile

MODELS = Path(__file__).resolve().parents[1] / "models"

pytestmark = pytest.mark.slow

# Planted pairs of data/README.md: the seeker's need is met by the provider's offer, in another city.
PLANTED = [
    ("dj-bio-001", "ma-bio-001"),
    ("ca-tech-001", "do-tech-001"),
    ("se-bio-002", "mc-bio-001"),
    ("mc-tech-001", "dj-tech-002"),
    ("dj-tech-004", "se-tech-001"),
    ("ca-bio-004", "dj-bio-007"),
    ("mc-bio-002", "dj-bio-003"),
    ("dj-bio-005", "mc-bio-004"),
]


@pytest.mark.parametrize(("seeker", "provider"), PLANTED)
def test_planted_provider_is_in_the_seekers_top_10(demo_matcher: Matcher, seeker: str, provider: str) -> None:
    assert provider in demo_matcher.recommend(seeker, k=10).ids


def test_results_are_in_other_cities_and_exclude_self_and_partners(demo_matcher: Matcher) -> None:
    recs = demo_matcher.recommend("dj-bio-001", k=10)
    partners = set(demo_matcher.partnerships("dj-bio-001")[["source_id", "target_id"]].stack()) - {"dj-bio-001"}
    assert len(recs.results) == 10
    assert all(m.city != "Daejeon" for m in recs.results)
    assert not (set(recs.ids) & (partners | {"dj-bio-001"}))
    assert {m.id for m in recs.existing_partners} <= partners


def test_each_result_shows_both_fits_and_reasons(demo_matcher: Matcher) -> None:
    top = demo_matcher.recommend("ca-tech-001", k=3).results[0]
    assert 0 < top.fit_for_query <= 1 and 0 < top.fit_for_candidate <= 1
    # "meets" from a phrase cosine of 0.72, "may meet" below (tests/test_reasons.py): either quotes the need.
    assert any(re.match(r'Their offer ".+" (meets|may meet) your need ".+"', reason) for reason in top.reasons)


def test_filters_hold_and_k_results_come_back(demo_matcher: Matcher) -> None:
    recs = demo_matcher.recommend("dj-bio-001", k=5, filters=Filters(org_type=("investor",)))
    assert len(recs.results) == 5
    assert {m.org_type for m in recs.results} == {"investor"}


def test_not_relevant_feedback_hides_the_candidate_for_that_asker(tmp_path: Path, demo_matcher: Matcher) -> None:
    asker = "se-bio-002"
    first = demo_matcher.recommend(asker, k=5).ids[0]
    demo_matcher.store.add_feedback(asker, first, "not_relevant", reason="too big", user="test")
    try:
        assert first not in demo_matcher.recommend(asker, k=5).ids
        assert first not in demo_matcher.dismissed("mc-bio-003")  # other askers are unaffected
    finally:
        demo_matcher.store.add_feedback(asker, first, "relevant", user="test")
    assert first in demo_matcher.recommend(asker, k=5).ids


def test_a_typed_in_profile_gets_matches_without_being_stored(demo_matcher: Matcher) -> None:
    startup = Profile(
        id="",
        name="Nakdong Conjugates",
        org_type="startup",
        city="Busan",
        country="KR",
        sectors=("antibody_drug_conjugates",),
        description="Preclinical ADC startup with a HER3-targeted conjugate.",
        offers="Co-development of a HER3 ADC; conjugation chemistry know-how",
        seeks="A CDMO for GMP conjugation and sterile fill-finish of our first clinical batches",
    )
    before = demo_matcher.stats()["profiles"]
    ids = demo_matcher.recommend(startup, k=10).ids
    assert {"ma-bio-001", "ca-bio-002"} & set(ids)
    assert demo_matcher.stats()["profiles"] == before


def test_unknown_id_is_a_not_found_error(demo_matcher: Matcher) -> None:
    with pytest.raises(NotFoundError, match="no organisation with id 'zz'"):
        demo_matcher.recommend("zz")


def test_cli_json_has_the_documented_shape(
    demo_matcher: Matcher, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(demo_matcher.workspace.root))
    assert main(["recommend", "dj-bio-001", "--k", "3", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["query"] == "dj-bio-001"
    assert len(payload["results"]) == 3
    expected = {"id", "name", "city", "country", "org_type", "score", "fit_for_query", "fit_for_candidate", "reasons"}
    assert expected <= set(payload["results"][0])


def test_cli_batch_writes_one_json_line_per_query(
    demo_matcher: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(demo_matcher.workspace.root))
    queries = tmp_path / "queries.txt"
    queries.write_text("dj-bio-001\nca-tech-001\n\n", encoding="utf-8")
    assert main(["recommend", "--queries", str(queries), "--k", "4", "--jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["query"] for line in lines] == ["dj-bio-001", "ca-tech-001"]
    assert all(len(line["results"]) == 4 for line in lines)


def _batch(queries: Path, capsys: pytest.CaptureFixture[str], *options: str) -> dict[str, list[str]]:
    assert main(["recommend", "--queries", str(queries), "--k", "10", "--jsonl", *options]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return {line["query"]: [r["id"] for r in line["results"]] for line in lines}


def test_cli_batch_lists_are_the_single_lists_unless_an_exposure_cap_is_asked_for(
    demo_matcher: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(demo_matcher.workspace.root))
    askers = demo_matcher.profiles()["id"].tolist()[:40]
    queries = tmp_path / "queries.txt"
    queries.write_text("\n".join(askers), encoding="utf-8")
    batch = _batch(queries, capsys)
    assert batch == {a: demo_matcher.recommend(a, k=10).ids for a in askers}
    capped = _batch(queries, capsys, "--exposure-cap", "0.05")
    limit = exposure_limit(0.05, len(askers))
    most = {name: max(Counter(pid for ids in lists.values() for pid in ids).values()) for name, lists in
            (("free", batch), ("capped", capped))}  # fmt: skip
    assert most["capped"] <= limit < most["free"]


def test_cli_batch_honours_the_same_city_option(
    demo_matcher: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(demo_matcher.workspace.root))
    queries = tmp_path / "queries.txt"
    queries.write_text("dj-bio-001\n", encoding="utf-8")
    expected = demo_matcher.recommend("dj-bio-001", k=10, cross_city="any").ids
    assert _batch(queries, capsys, "--same-city")["dj-bio-001"] == expected


def test_pair_scores_agree_with_the_recommendation_of_that_pair(demo_matcher: Matcher) -> None:
    top = demo_matcher.recommend("ca-tech-001", k=1).results[0]
    pairs = demo_matcher.pair_scores(["ca-tech-001"], [top.id])
    assert pairs.fit_for_asker[0, 0] == pytest.approx(top.fit_for_query)
    assert pairs.fit_for_candidate[0, 0] == pytest.approx(top.fit_for_candidate)
    assert pairs.score[0, 0] == pytest.approx(top.score)


def test_explain_pairs_gives_the_reasons_the_recommendation_gives(demo_matcher: Matcher) -> None:
    top = demo_matcher.recommend("ca-tech-001", k=3).results
    explained = demo_matcher.explain_pairs("ca-tech-001", [m.id for m in top])
    assert explained == {m.id: m.reasons for m in top}


def test_pair_scores_have_a_row_per_asker_and_a_column_per_candidate(demo_matcher: Matcher) -> None:
    pairs = demo_matcher.pair_scores(["dj-bio-001", "ca-tech-001"], ["ma-bio-001", "do-tech-001", "se-tech-001"])
    assert pairs.askers == ("dj-bio-001", "ca-tech-001")
    assert pairs.candidates == ("ma-bio-001", "do-tech-001", "se-tech-001")
    assert pairs.fit_for_asker.shape == pairs.fit_for_candidate.shape == pairs.score.shape == (2, 3)


def test_pair_scores_rank_a_planted_provider_above_an_unrelated_organisation(demo_matcher: Matcher) -> None:
    pairs = demo_matcher.pair_scores(["dj-bio-001"], ["ma-bio-001", "do-tech-001"])
    assert pairs.score[0, 0] > pairs.score[0, 1]


def test_pair_scores_of_an_unknown_id_are_a_not_found_error(demo_matcher: Matcher) -> None:
    with pytest.raises(NotFoundError, match="no organisation with id 'zz'"):
        demo_matcher.pair_scores(["dj-bio-001"], ["zz"])


def test_recommend_many_without_explanations_ranks_the_same_and_gives_no_reasons(demo_matcher: Matcher) -> None:
    askers = ["dj-bio-001", "ca-tech-001"]
    explained = demo_matcher.recommend_many(askers, k=3)
    plain = demo_matcher.recommend_many(askers, k=3, explain=False)
    assert [recs.ids for recs in plain] == [recs.ids for recs in explained]
    assert all(match.reasons == () for recs in plain for match in recs.results)


def test_recommend_many_without_an_exposure_cap_gives_each_askers_own_list(demo_matcher: Matcher) -> None:
    # Six Calgary biotechs share favourites: the default cap (at least 5 lists each) changes 3 of their lists.
    askers = [f"ca-bio-00{i}" for i in range(1, 7)]
    batch = demo_matcher.recommend_many(askers, k=10, exposure_cap=None, explain=False)
    alone = [demo_matcher.recommend_many([asker], k=10, explain=False)[0] for asker in askers]
    assert [recs.ids for recs in batch] == [recs.ids for recs in alone]


def test_similar_finds_peers_elsewhere(demo_matcher: Matcher) -> None:
    peers = demo_matcher.similar("ma-bio-001", k=5)
    assert "ca-bio-002" in peers.ids  # the other ADC CDMO
    assert all(m.city != "Málaga" for m in peers.results)


def test_evaluate_prints_the_table_with_every_baseline(
    demo_matcher: Matcher, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(demo_matcher.workspace.root))
    assert main(["evaluate", "--year", "2021", "--max-queries", "15"]) == 0
    table = capsys.readouterr().out
    for method in ("matcher", "random", "popularity", "tfidf_cosine", "embedding_cosine", "adamic_adar"):
        assert method in table
    assert "recall@10" in table and "ndcg@10" in table


def test_train_writes_a_model_card_with_the_measured_gain(
    tmp_path: Path, demo_dir: Path, minilm: object, capsys: pytest.CaptureFixture[str]
) -> None:
    matcher = Matcher(tmp_path / "ws", encoder=minilm)  # type: ignore[arg-type]
    matcher.import_profiles(demo_dir / "profiles.csv")
    matcher.import_partnerships(demo_dir / "partnerships.csv")
    result, paths = matcher.train(year=2021)
    card = json.loads(paths["card_json"].read_text(encoding="utf-8"))
    assert "recall@10" in card["gain"]
    assert card["beats_weighted"] == result.beats_weighted


@pytest.fixture
def cordis_workspace(tmp_path: Path) -> Matcher:
    """A workspace holding a two-project CORDIS import (texts written from the projects that link the pairs)."""
    organizations = [
        {"organisationID": org, "projectID": project, "name": name, "activityType": "PRC", "SME": False,
         "role": "participant", "city": city, "country": country}
        for org, project, name, city, country in [
            (1, 10, "Chip A", "GRAZ", "AT"), (2, 10, "Fab B", "VANTAA", "FI"),
            (1, 20, "Chip A", "GRAZ", "AT"), (3, 20, "Lab C", "DORTMUND", "DE"),
        ]
    ]  # fmt: skip
    projects = [
        {"id": 10, "acronym": "ZEBRA", "title": "SiC inverters", "objective": "Inverters.", "startDate": "2016-01-01"},
        {"id": 20, "acronym": "OKAPI", "title": "GaN chargers", "objective": "Chargers.", "startDate": "2019-01-01"},
    ]
    (tmp_path / "organization.json").write_text(json.dumps(organizations), encoding="utf-8")
    (tmp_path / "project.json").write_text(json.dumps(projects), encoding="utf-8")
    matcher = Matcher(tmp_path / "ws")
    matcher.import_cordis(tmp_path / "organization.json", tmp_path / "project.json")
    return matcher


def test_evaluating_a_cordis_workspace_by_a_split_is_refused_naming_the_cordis_protocol(
    cordis_workspace: Matcher,
) -> None:
    with pytest.raises(MatcherError, match=r"CORDIS import.*--dataset cordis"):
        cordis_workspace.evaluate("store")


def test_training_on_a_cordis_workspace_is_refused_and_writes_no_model(cordis_workspace: Matcher) -> None:
    with pytest.raises(MatcherError, match="CORDIS import"):
        cordis_workspace.train()
    assert not list(cordis_workspace.workspace.models_dir.glob("*"))


def test_a_workspace_of_cliques_without_years_trains_nothing_and_keeps_the_weighted_scorer(tmp_path: Path) -> None:
    # Three projects of four partners each, no years: a random pair split would predict each hidden pair from the
    # other pairs of its project, and a model learning that leak would seem to win.
    (tmp_path / "profiles.csv").write_text(
        "id,name,org_type,city,country\n"
        + "".join(f"o{i},Org {i},company,City {i},DE\n" for i in range(12)),
        encoding="utf-8",
    )
    pairs = [(f"o{p * 4 + a}", f"o{p * 4 + b}") for p in range(3) for a in range(4) for b in range(a + 1, 4)]
    (tmp_path / "pairs.csv").write_text(
        "source_id,target_id\n" + "".join(f"{a},{b}\n" for a, b in pairs), encoding="utf-8"
    )
    matcher = Matcher(tmp_path / "ws", encoder="tfidf")
    matcher.import_profiles(tmp_path / "profiles.csv")
    matcher.import_partnerships(tmp_path / "pairs.csv")
    with pytest.raises(MatcherError, match="no years"):
        matcher.train()
    assert not list(matcher.workspace.models_dir.glob("*"))
    assert matcher.learned_scorer is None


def install_winning_reranker(models: Path) -> None:
    """Copies the packaged demo re-ranker into ``models`` with its card saying that it beat the weighted scorer."""
    models.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(MODELS / "demo-reranker.skops", models / "reranker.skops")
    card = json.loads((MODELS / "demo-reranker.card.json").read_text(encoding="utf-8"))
    (models / "reranker.card.json").write_text(json.dumps({**card, "beats_weighted": True}), encoding="utf-8")


def test_a_winning_reranker_serves_a_workspace(tmp_path: Path) -> None:
    matcher = Matcher(tmp_path / "ws")
    install_winning_reranker(matcher.workspace.models_dir)
    assert matcher.learned_scorer is not None


def test_a_cordis_workspace_never_serves_a_reranker_trained_on_it(cordis_workspace: Matcher) -> None:
    install_winning_reranker(cordis_workspace.workspace.models_dir)
    assert cordis_workspace.learned_scorer is None


@pytest.mark.slow
def test_explanation_phrases_are_encoded_once_per_workspace_not_once_per_process(demo_matcher: Matcher) -> None:
    explained = demo_matcher.recommend("dj-bio-001", k=5)
    reopened = Matcher(demo_matcher.workspace.root)  # as a new process would, with the default encoder
    again = reopened.recommend("dj-bio-001", k=5)
    assert [m.reasons for m in again.results] == [m.reasons for m in explained.results]
    parts = reopened.encoder.encoders if isinstance(reopened.encoder, BlendEncoder) else [reopened.encoder]
    # Every vector, phrases included, came from the workspace's cache: no model was loaded.
    assert all(part.model_ is None for part in parts)  # type: ignore[attr-defined]
