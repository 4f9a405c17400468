"""Recommendations end to end on a hand-made catalogue with known answers, and on the demo's planted facts.

The small catalogue is embedded with the TF-IDF encoder (fast, real vectors); the demo tests use all-MiniLM-L6-v2
and are marked slow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.bands import RANKING_BANDS
from matcher.embed import Encoder, TfidfEncoder
from matcher.features import FEATURE_NAMES
from matcher.filters import Filters
from matcher.rank import (
    Match,
    Recommendations,
    Recommender,
    UnknownProfileError,
    WeightedScorer,
    harmonic_mean,
    load_config,
)
from matcher.schema import FACETS, LIST_COLUMNS, PROFILE_COLUMNS, Profile

ROWS: list[dict[str, object]] = [
    dict(id="dj-adc", name="Hanbit Bio", org_type="startup", city="Daejeon", country="KR",
         sectors=("antibody_drug_conjugates",), technologies=("ADC linker",), stage="seed", employees=12,
         offers="ADC linker-payload chemistry. Preclinical ADC candidates for solid tumours",
         seeks="GMP fill-finish and scale-up manufacturing for ADC candidates; seed investment"),
    dict(id="ma-cdmo", name="Biomédica Costa del Sol", org_type="company", city="Málaga", country="ES",
         sectors=("bioprocessing_cdmo", "biologics"), employees=300,
         offers="GMP fill-finish for biologics and ADC candidates; scale-up manufacturing of antibodies",
         seeks="Biotech clients developing antibody-drug conjugates in Asia"),
    dict(id="dj-cdmo", name="Daedeok Fill", org_type="company", city="Daejeon", country="KR",
         sectors=("bioprocessing_cdmo",), employees=200,
         offers="GMP fill-finish and scale-up manufacturing for ADC candidates",
         seeks="Biotech clients developing antibody-drug conjugates"),
    dict(id="do-cdmo", name="Ruhr Biologics Fill", org_type="company", city="Dortmund", country="DE",
         sectors=("bioprocessing_cdmo", "biologics"), employees=250,
         offers="GMP fill-finish for biologics and ADC candidates; scale-up manufacturing of antibodies",
         seeks="Biotech clients developing antibody-drug conjugates in Asia"),
    dict(id="se-inv", name="Cascade Ventures", org_type="investor", city="Seattle", country="US",
         sectors=("antibody_drug_conjugates", "therapeutics"), stage="seed", employees=15,
         offers="Seed investment for biotech startups developing antibody-drug conjugates",
         seeks="Seed-stage biotech startups with ADC platforms"),
    dict(id="ca-adc", name="Prairie Conjugates", org_type="startup", city="Calgary", country="CA",
         sectors=("antibody_drug_conjugates",), stage="seed", employees=10,
         offers="ADC linker-payload chemistry. Preclinical ADC candidates for solid tumours",
         seeks="Clinical trial sites for ADC candidates"),
    dict(id="do-robot", name="Ruhr Robotics", org_type="sme", city="Dortmund", country="DE",
         sectors=("robotics",), employees=80,
         offers="Industrial robot arms for warehouse automation",
         seeks="AI vision software for bin picking"),
    dict(id="se-vision", name="Puget Vision AI", org_type="startup", city="Seattle", country="US",
         sectors=("ai", "robotics"), stage="series_a", employees=25,
         offers="AI vision software for bin picking and defect inspection",
         seeks="Industrial robot manufacturers as integration partners"),
    dict(id="mo-hosp", name="Montgomery General Hospital", org_type="hospital", city="Montgomery County",
         country="US", sectors=("diagnostics",), employees=4000,
         offers="Clinical validation studies and patient data access for diagnostics",
         seeks="AI diagnostics firms for clinical pilots"),
    dict(id="do-diag", name="SepsisScan", org_type="startup", city="Dortmund", country="DE",
         sectors=("diagnostics", "ai"), stage="seed", employees=9,
         offers="AI diagnostics for sepsis from routine blood tests",
         seeks="Hospital partners for clinical validation studies"),
    dict(id="ca-h2", name="Bow River Hydrogen", org_type="company", city="Calgary", country="CA",
         sectors=("energy",), employees=120,
         offers="Hydrogen electrolysers for industrial sites",
         seeks="Catalyst materials research partners"),
    dict(id="dj-mat", name="Daejeon Materials Institute", org_type="research_institute", city="Daejeon",
         country="KR", sectors=("advanced_materials", "energy"), employees=900,
         offers="Catalyst materials research and electrochemistry labs",
         seeks="Industry partners for hydrogen projects"),
    # No description, offers or seeks: only its sector, a named technology and its partners speak for it.
    dict(id="mo-empty", name="Rockville Conjugate Labs", org_type="company", city="Montgomery County",
         country="US", sectors=("antibody_drug_conjugates",), technologies=("ADC linker",)),
]  # fmt: skip
EDGES = [("dj-adc", "se-inv", "investment"), ("mo-empty", "ma-cdmo", "supply"), ("ma-cdmo", "se-inv", "customer")]


def catalogue() -> tuple[pd.DataFrame, pd.DataFrame]:
    profiles = pd.DataFrame([{c: row.get(c) for c in PROFILE_COLUMNS} for row in ROWS])
    for c in LIST_COLUMNS:
        profiles[c] = [tuple(v) if v else () for v in profiles[c]]
    for c in ("description", "offers", "seeks"):
        profiles[c] = profiles[c].fillna("")
    profiles["employees"] = profiles["employees"].astype("Int64")
    return profiles, pd.DataFrame(EDGES, columns=["source_id", "target_id", "kind"])


def facet_texts(profiles: pd.DataFrame) -> dict[str, list[str]]:
    as_profiles = [Profile.from_mapping(row) for row in profiles.to_dict("records")]
    return {facet: [p.text(facet) for p in as_profiles] for facet in FACETS}


@pytest.fixture(scope="module")
def encoder() -> TfidfEncoder:
    texts = facet_texts(catalogue()[0])
    return TfidfEncoder(n_components=24).fit([t for facet in FACETS for t in texts[facet]])


@pytest.fixture(scope="module")
def vectors(encoder: TfidfEncoder) -> dict[str, np.ndarray]:
    texts = facet_texts(catalogue()[0])
    return {facet: encoder.encode(texts[facet]) for facet in FACETS}


@pytest.fixture(scope="module")
def rec(vectors: dict[str, np.ndarray], encoder: TfidfEncoder) -> Recommender:
    profiles, edges = catalogue()
    return Recommender(encode=encoder.encode).fit(profiles, vectors, edges)


def fitted(vectors: Mapping[str, np.ndarray], **params: object) -> Recommender:
    profiles, edges = catalogue()
    return Recommender(**params).fit(profiles, vectors, edges)  # type: ignore[arg-type]


def city_of(pid: str) -> str:
    return next(str(r["city"]) for r in ROWS if r["id"] == pid)


# --------------------------------------------------------------------------------------------- ranking


@pytest.mark.parametrize(
    ("asker", "partner"), [("dj-adc", "ma-cdmo"), ("do-robot", "se-vision"), ("mo-hosp", "do-diag")]
)
def test_the_complementary_partner_ranks_first(rec: Recommender, asker: str, partner: str) -> None:
    assert rec.recommend(asker, k=5).ids[0] == partner


def test_score_is_the_harmonic_mean_of_both_fits(rec: Recommender) -> None:
    for match in rec.recommend("mo-hosp", k=5).results:
        expected = harmonic_mean(np.array([match.fit_for_query]), np.array([match.fit_for_candidate]))[0]
        assert match.score == pytest.approx(expected)
        assert sum(match.contributions.values()) == pytest.approx(match.score)


def test_a_pair_good_for_one_side_only_loses_to_a_balanced_one() -> None:
    scorer = WeightedScorer({"query": {"need_match": 1.0}, "candidate": {"offer_match": 1.0}})
    features = pd.DataFrame({"need_match": [0.9, 0.5], "offer_match": [0.1, 0.5]})
    fit_query, fit_candidate = scorer.score(features)
    score = harmonic_mean(fit_query, fit_candidate)
    assert fit_query[0] + fit_candidate[0] == fit_query[1] + fit_candidate[1]
    assert score[1] > score[0]


def test_results_come_from_other_cities_by_default(rec: Recommender) -> None:
    results = rec.recommend("dj-adc", k=20).results
    assert "dj-cdmo" not in [m.id for m in results]
    assert all(m.city != "Daejeon" for m in results)


def test_cross_city_any_admits_the_same_city_and_other_country_excludes_the_country(rec: Recommender) -> None:
    assert "dj-cdmo" in rec.recommend("dj-adc", k=20, cross_city="any").ids
    assert all(m.country != "US" for m in rec.recommend("mo-hosp", k=20, cross_city="other_country").results)
    assert "se-vision" in rec.recommend("mo-hosp", k=20).ids  # another US city is fine by default


def test_filters_apply_before_the_cut_so_k_asked_are_k_returned(rec: Recommender) -> None:
    germans = rec.recommend("mo-hosp", k=3, filters=Filters(country=("DE",)))
    assert sorted(germans.ids) == ["do-cdmo", "do-diag", "do-robot"]
    assert rec.recommend("mo-hosp", k=1, filters=Filters(org_type=("research_institute",))).ids == ["dj-mat"]


def test_k_larger_than_the_catalogue_returns_every_eligible_organisation(rec: Recommender) -> None:
    result = rec.recommend("se-vision", k=1000, include_competitors=True)
    eligible = {str(r["id"]) for r in ROWS if r["city"] != "Seattle"}
    assert set(result.ids) == eligible
    assert len(result.ids) == len(eligible)


def test_k_zero_returns_nothing(rec: Recommender) -> None:
    assert rec.recommend("dj-adc", k=0).results == []
    with pytest.raises(ValueError, match="k must be"):
        rec.recommend("dj-adc", k=-1)


# --------------------------------------------------------------------------------------------- exclusions


def test_existing_partners_are_not_suggested_but_listed_separately(rec: Recommender) -> None:
    result = rec.recommend("dj-adc", k=20)
    assert "se-inv" not in result.ids
    assert [m.id for m in result.existing_partners] == ["se-inv"]
    assert result.existing_partners[0].reasons


def test_include_partners_puts_them_back_among_the_results(rec: Recommender) -> None:
    result = rec.recommend("dj-adc", k=20, include_partners=True)
    assert "se-inv" in result.ids
    assert result.existing_partners == []


def test_the_asker_itself_and_excluded_ids_are_never_suggested(rec: Recommender) -> None:
    result = rec.recommend("ma-cdmo", k=20, cross_city="any", exclude=["do-diag"])
    assert "ma-cdmo" not in result.ids and "do-diag" not in result.ids


def test_a_firm_with_the_same_offers_in_the_same_sector_is_a_likely_competitor(rec: Recommender) -> None:
    default = rec.recommend("dj-adc", k=20)
    assert "ca-adc" not in default.ids
    assert default.excluded_competitors == 1
    assert "ca-adc" in rec.recommend("dj-adc", k=20, include_competitors=True).ids


# --------------------------------------------------------------------------------------------- diversity


def test_mmr_breaks_up_near_duplicate_partners(vectors: dict[str, np.ndarray]) -> None:
    # The two CDMOs of Málaga and Dortmund are near-copies; both meet Hanbit's need.
    plain = fitted(vectors, mmr_lambda=1.0).recommend("dj-adc", k=2).ids
    diverse = fitted(vectors, mmr_lambda=0.8).recommend("dj-adc", k=2).ids
    assert plain == ["ma-cdmo", "do-cdmo"]
    assert diverse[0] == "ma-cdmo" and "do-cdmo" not in diverse


def test_a_batch_without_diversifying_ranks_by_score_alone(vectors: dict[str, np.ndarray]) -> None:
    # As the investment leads' first stage asks: the same recommender, MMR 0.8, lists in score order.
    (plain,) = fitted(vectors, mmr_lambda=0.8).recommend_many(["dj-adc"], k=2, exposure_cap=None, diversify=False)
    assert plain.ids == ["ma-cdmo", "do-cdmo"]


def test_exposure_cap_spreads_a_batch(vectors: dict[str, np.ndarray]) -> None:
    rec = fitted(vectors, mmr_lambda=1.0, cross_city="any")
    askers = [str(r["id"]) for r in ROWS]
    free = rec.recommend_many(askers, k=4, exposure_cap=None)
    capped = rec.recommend_many(askers, k=4, exposure_cap=0.01)  # at most 5 lists each (the floor)

    def most_exposed(batch: list) -> int:
        counts = pd.Series([pid for r in batch for pid in r.ids]).value_counts()
        return int(counts.max())

    assert most_exposed(free) > 5
    assert most_exposed(capped) <= 5
    assert [len(r.ids) for r in capped] == [len(r.ids) for r in free]


def test_a_batch_without_cap_equals_one_call_per_asker(rec: Recommender) -> None:
    askers = ["dj-adc", "mo-hosp", "do-robot", "mo-empty"]
    batch = rec.recommend_many(askers, k=4, exposure_cap=None)
    assert [r.ids for r in batch] == [rec.recommend(a, k=4).ids for a in askers]


# --------------------------------------------------------------------------------------------- explanations


def test_reasons_quote_both_profiles(rec: Recommender) -> None:
    top = rec.recommend("dj-adc", k=1).results[0]
    quoted = next(r for r in top.reasons if r.startswith("Their offer"))
    theirs, yours = re.findall(r'"([^"]+)"', quoted)
    assert theirs in next(str(r["offers"]) for r in ROWS if r["id"] == "ma-cdmo")
    assert yours in next(str(r["seeks"]) for r in ROWS if r["id"] == "dj-adc")
    assert top.reasons[-1].startswith("Score contributions:")
    assert "Different city: Málaga (ES)." in top.reasons


def test_json_shape_matches_the_cli_contract(rec: Recommender) -> None:
    payload = rec.recommend("dj-adc", k=2).to_dict()
    assert payload["query"] == "dj-adc"
    keys = {"id", "name", "city", "country", "org_type", "score", "fit_for_query", "fit_for_candidate", "reasons"}
    assert keys <= set(payload["results"][0])
    assert all(isinstance(reason, str) for reason in payload["results"][0]["reasons"])


# --------------------------------------------------------------------------------------------- askers


def test_a_profile_typed_in_gets_matches(rec: Recommender, encoder: TfidfEncoder) -> None:
    typed = Profile(id="new", name="Calgary Grippers", org_type="startup", city="Calgary", country="CA",
                    sectors=("robotics",), offers="Industrial robot arms and grippers",
                    seeks="AI vision software for bin picking")  # fmt: skip
    query_vectors = {facet: encoder.encode([typed.text(facet)])[0] for facet in FACETS}
    result = rec.recommend(typed, k=3, query_vectors=query_vectors)
    assert result.query == "Calgary Grippers"
    assert result.ids[0] == "se-vision"


def test_a_profile_typed_in_needs_its_vectors(rec: Recommender) -> None:
    typed = Profile(id="new", name="X", org_type="startup", city="Calgary", country="CA")
    with pytest.raises(ValueError, match="query_vectors"):
        rec.recommend(typed)


def test_an_unknown_id_is_a_clear_error(rec: Recommender) -> None:
    with pytest.raises(UnknownProfileError, match="no organisation with id 'nope'"):
        rec.recommend("nope")


def test_a_profile_without_texts_still_gets_lexical_and_graph_matches(rec: Recommender) -> None:
    result = rec.recommend("mo-empty", k=5)
    by_id = {m.id: m for m in result.results}
    assert "lexical" in by_id["dj-adc"].channels  # the shared "ADC linker" technology
    assert "graph" in by_id["se-inv"].channels  # works with its partner ma-cdmo
    assert [m.id for m in result.existing_partners] == ["ma-cdmo"]


def test_an_organisation_with_partnerships_in_the_askers_field_is_proposed_and_scored(rec: Recommender) -> None:
    # Cascade Ventures' one partnership within antibody-drug conjugates (with Hanbit) makes it the most active
    # organisation in that field; Prairie Conjugates, an ADC startup without partners, is read by its sector.
    result = rec.recommend("ca-adc", k=10)
    assert "fields" in next(m for m in result.results if m.id == "se-inv").channels
    frame = rec.features_for("ca-adc", ["se-inv", "ma-cdmo"])
    assert frame.loc["se-inv", "field_activity"] == 1.0
    assert frame.loc["ma-cdmo", "field_activity"] == 0.0  # partners, but none within the field


def test_field_activity_weighs_in_proportion_to_the_partnership_history(vectors: dict[str, np.ndarray]) -> None:
    profiles = catalogue()[0]
    every_pair = pd.DataFrame(
        [(a, b) for i, a in enumerate(profiles["id"]) for b in profiles["id"][i + 1 :]],
        columns=["source_id", "target_id"],
    )
    sparse, dense = fitted(vectors), Recommender().fit(profiles, vectors, every_pair)
    assert sparse.history_strength_ < 0.01 and 0.25 < dense.history_strength_ < 1.0  # 0.5 and 11 partners each

    def field_weight(rec: Recommender) -> float:
        weights = rec.scorer_.weights_["query"]  # type: ignore[attr-defined]
        return float(weights["field_activity"] / weights["need_match"])

    packaged = load_config().weights["query"]
    assert field_weight(dense) == pytest.approx(
        dense.history_strength_ * packaged["field_activity"] / packaged["need_match"]
    )
    assert field_weight(sparse) == 0.0  # a few links each: under MIN_HISTORY_STRENGTH, not read at all


def test_similar_finds_peers_elsewhere(rec: Recommender) -> None:
    peers = rec.similar("ma-cdmo", k=2)
    assert peers.ids[0] == "do-cdmo"
    assert all(city_of(pid) != "Málaga" for pid in peers.ids)
    assert any(r.startswith("Similar offers") for r in peers.results[0].reasons)


# --------------------------------------------------------------------------------------------- configuration


class LexicalOnly:
    """A stand-in re-ranker: both fits are the lexical feature."""

    name = "lexical-only"

    def score(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        return features["lexical"].to_numpy(), features["lexical"].to_numpy()

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(index=features.index)


def test_any_scorer_with_the_protocol_slots_in(vectors: dict[str, np.ndarray]) -> None:
    rec = fitted(vectors, scorer=LexicalOnly(), mmr_lambda=1.0)
    result = rec.recommend("dj-adc", k=4, include_competitors=True)
    lexical = rec.features_for("dj-adc", result.ids)["lexical"].to_numpy()
    assert list(lexical) == sorted(lexical, reverse=True)
    assert all(m.contributions == {} for m in result.results)


def test_weights_come_from_toml_and_bad_ones_are_refused(tmp_path: Path) -> None:
    assert load_config().weights["query"]["need_match"] > 0
    path = tmp_path / "ranking.toml"
    path.write_text("[weights.query]\nneed_match = 1.0\n\n[weights.candidate]\noffer_match = 1.0\n")
    config = load_config(path)
    assert dict(config.weights["query"]) == {"need_match": 1.0}
    assert config.weights["peers"] == load_config().weights["peers"]  # sections left out keep their default
    path.write_text("[weights.query]\nhoroscope = 1.0\n")
    with pytest.raises(ValueError, match=r"unknown features in weights\.query"):
        load_config(path)


def test_features_for_gives_one_row_per_candidate(rec: Recommender) -> None:
    frame = rec.features_for("dj-adc", ["ma-cdmo", "se-inv"])
    assert tuple(frame.columns) == FEATURE_NAMES
    assert frame.index.tolist() == ["ma-cdmo", "se-inv"]
    assert frame.loc["se-inv", "common_partners"] == 0.0
    assert frame.loc["ma-cdmo", "common_partners"] == 0.5  # both work with Cascade Ventures


def test_fit_refuses_misaligned_vectors(vectors: dict[str, np.ndarray]) -> None:
    profiles, edges = catalogue()
    short = {facet: v[:-1] for facet, v in vectors.items()}
    with pytest.raises(ValueError, match="must have shape"):
        Recommender().fit(profiles, short, edges)
    with pytest.raises(ValueError, match="cross_city"):
        Recommender(cross_city="mars").fit(profiles, vectors, edges)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------- demo (MiniLM)

DEMO = Path(__file__).resolve().parents[1] / "data"


def planted_pairs() -> list[tuple[str, str]]:
    card = (DEMO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^\| \d+ \| `([\w-]+)` \| `([\w-]+)` \|", card, re.MULTILINE)


@pytest.fixture(scope="session")
def demo(minilm: Encoder, demo_dir: Path) -> Recommender:
    from matcher.readers import read_table
    from matcher.validate import validate_partnerships, validate_profiles

    profiles = validate_profiles(read_table(demo_dir / "profiles.csv").frame).valid.drop(columns="_row")
    edges = read_table(demo_dir / "partnerships.csv").frame
    edges = validate_partnerships(edges, set(profiles["id"])).valid.drop(columns="_row")
    texts = facet_texts(profiles)
    vectors = {facet: minilm.encode(texts[facet]) for facet in FACETS}
    return Recommender(encode=minilm.encode).fit(profiles, vectors, edges)


@pytest.mark.slow
def test_every_planted_demo_provider_is_in_its_seekers_top_ten(demo: Recommender) -> None:
    pairs = planted_pairs()
    assert len(pairs) >= 30
    lists = demo.recommend_many([seeker for seeker, _ in pairs], k=10, exposure_cap=None)
    missed = [(s, p) for (s, p), r in zip(pairs, lists, strict=True) if p not in r.ids]
    assert missed == []


@pytest.mark.slow
def test_most_planted_demo_providers_rank_first(demo: Recommender) -> None:
    pairs = planted_pairs()
    lists = demo.recommend_many([seeker for seeker, _ in pairs], k=3, exposure_cap=None)
    first = sum(r.ids[:1] == [p] for (_, p), r in zip(pairs, lists, strict=True))
    assert first >= 0.7 * len(pairs)


@pytest.mark.slow
def test_the_planted_adc_pair_is_explained_with_the_manufacturing_phrases(demo: Recommender) -> None:
    top = demo.recommend("dj-bio-001", k=3)
    match = next(m for m in top.results if m.id == "ma-bio-001")
    quoted = next(r for r in match.reasons if r.startswith("Their offer"))
    assert re.search(r"fill|freeze|lyophil|conjugat|GMP", quoted, re.IGNORECASE)


@pytest.mark.slow
def test_cascade_conjugates_with_hanbits_need_and_a_similar_offer_is_a_likely_competitor(demo: Recommender) -> None:
    # Both ADC startups seek a CDMO to conjugate and fill their lead and license a conjugation platform.
    default = demo.recommend("dj-bio-001", k=10)
    assert "se-bio-001" not in default.ids and default.excluded_competitors >= 1
    assert "se-bio-001" in demo.recommend("dj-bio-001", k=10, include_competitors=True).ids
    assert {"ma-bio-001", "ca-bio-002"} & set(default.ids[:3])


def _listed(*scores: float) -> Recommendations:
    return Recommendations("q", [Match(f"m{i}", "M", "Seattle", "US", "sme", s, s, s) for i, s in enumerate(scores)])


def test_a_list_in_score_order_is_not_flagged_as_reordered_for_variety() -> None:
    assert not _listed(0.5, 0.5, 0.3).reordered_for_variety


def test_a_lower_score_above_a_higher_one_is_flagged_as_reordered_for_variety() -> None:
    assert _listed(0.5, 0.3, 0.4).reordered_for_variety


# --------------------------------------------------------------------------------------------- score bands


def _scored(*scores: float) -> Recommendations:
    return Recommendations("q", [Match(f"m{i}", f"M{i}", "Seattle", "US", "startup", s, s, s) for i, s in
                                 enumerate(scores)])  # fmt: skip


def test_each_match_reads_its_band_on_the_measured_ranking_scale() -> None:
    recs = _scored(RANKING_BANDS.strong, RANKING_BANDS.possible, RANKING_BANDS.possible - 0.01)
    assert [str(m.band) for m in recs.results] == ["strong", "possible", "weak"]
    assert [m.to_dict()["band"] for m in recs.results] == ["strong", "possible", "weak"]


def test_a_list_without_a_strong_match_says_so_with_the_counts() -> None:
    assert _scored(0.27, 0.25, 0.1).band_note("in Seattle") == "No strong match in Seattle; 2 possible, 1 weak."
    assert _scored(0.4, 0.1).band_note("in Seattle") is None


def test_asking_for_possible_matches_shows_fewer_than_k_and_counts_the_rest() -> None:
    shown = _scored(0.27, 0.1, 0.05).at_least("possible")
    assert shown.ids == ["m0"] and shown.hidden == 2
    assert shown.band_note() == "No strong match; 1 possible; 2 weaker not shown."
