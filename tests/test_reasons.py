"""Reasons that do not overclaim (issue #11 item 6): "meets" only when the quoted phrases are about the same
capability, measured against hand labels of the demo's quoted phrase pairs (tests/data/reason_labels.csv, how they
were made: tests/data/README.md; the tables: bench/bench_reasons.py, "Reason precision" and "Thresholds per encoder"
in bench/RESULTS.md). Each labelled pair was drawn from one encoder's quotes (``drawn_by``) and carries its cosine
under that encoder: MiniLM's sample checks MiniLM's thresholds, the blend's sample the blend's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from scripts import load_script

from matcher.bands import MINILM, calibration_for
from matcher.embed import BlendEncoder, Encoder
from matcher.explain import explain_pair
from matcher.langid import is_english
from matcher.schema import Profile

LABELS = Path(__file__).resolve().parent / "data" / "reason_labels.csv"
DEMO = Path(__file__).resolve().parents[1] / "matcher" / "data" / "demo" / "profiles.csv"
BLEND = "minilm+use-m3"

MEETS_PRECISION = 0.8
"""What "meets" reaches on the labels at the shipped threshold (8 of 10 labelled; every demo quote that high is
labelled)."""
MAY_MEET_PRECISION = 0.25
"""What "may meet" reaches on the labels at the shipped thresholds (34 of 117, 0.29; 0.25 weighted to the demo's
quotes); under the shipped floor 2 of 40 are right, so lowering the floor drags it down."""
MISSED_SHARE = 0.06
"""At most this share of an encoder's own labelled quotes under its floor is right (bench_reasons.MISSED_SHARE)."""


@pytest.fixture(scope="module")
def all_labels() -> pd.DataFrame:
    return pd.read_csv(LABELS)


@pytest.fixture(scope="module")
def labels(all_labels: pd.DataFrame) -> pd.DataFrame:
    """MiniLM's sample, with MiniLM cosines."""
    return all_labels[all_labels["drawn_by"] == "minilm"]


@pytest.fixture(scope="module")
def blend_labels(all_labels: pd.DataFrame) -> pd.DataFrame:
    """The blend's own sample, with the blend's cosines."""
    return all_labels[all_labels["drawn_by"] == BLEND]


def test_the_labels_are_distinct_pairs_with_a_cosine_a_binary_label_and_the_encoder_they_were_drawn_by(
    all_labels: pd.DataFrame,
) -> None:
    assert list(all_labels.columns) == ["need", "offer", "cosine", "wording", "label", "drawn_by"]
    assert not all_labels.duplicated(["need", "offer"]).any()
    assert set(all_labels["label"]) == {0, 1}
    assert all_labels["drawn_by"].value_counts().to_dict() == {BLEND: 170, "minilm": 167}


def test_each_sample_lies_within_the_floor_its_pairs_were_collected_from(
    labels: pd.DataFrame, blend_labels: pd.DataFrame
) -> None:
    assert labels["cosine"].between(0.3, 1.0).all()
    assert blend_labels["cosine"].between(0.24, 1.0).all()


def test_meets_at_the_shipped_threshold_is_right_at_least_four_times_in_five(labels: pd.DataFrame) -> None:
    meets = labels[labels["cosine"] >= MINILM.reasons.meets]
    assert len(meets) >= 10
    assert meets["label"].mean() >= MEETS_PRECISION


def test_may_meet_at_the_shipped_thresholds_keeps_its_measured_precision(labels: pd.DataFrame) -> None:
    low, high = MINILM.reasons.quote, MINILM.reasons.meets
    may = labels[(labels["cosine"] >= low) & (labels["cosine"] < high)]
    assert may["label"].mean() >= MAY_MEET_PRECISION


def test_the_blends_meets_is_right_at_least_four_times_in_five_on_its_own_quotes(blend_labels: pd.DataFrame) -> None:
    meets = blend_labels[blend_labels["cosine"] >= calibration_for(BLEND).reasons.meets]
    assert len(meets) >= 10
    assert meets["label"].mean() >= MEETS_PRECISION


def test_under_the_blends_floor_few_of_its_own_quotes_are_right(blend_labels: pd.DataFrame) -> None:
    under = blend_labels[blend_labels["cosine"] < calibration_for(BLEND).reasons.quote]
    assert len(under) >= 30
    assert under["label"].mean() <= MISSED_SHARE


@pytest.mark.slow
def test_the_blends_shipped_reason_thresholds_are_what_the_rule_gives_on_every_label_rescored(
    all_labels: pd.DataFrame, minilm: Encoder, use_m3: Encoder
) -> None:
    load_script("bench/results.py")  # bench_reasons imports it by this name
    bench = load_script("bench/bench_reasons.py")
    rescored = bench.rescored(all_labels, BlendEncoder([minilm, use_m3]))
    assert bench.choose_reasons(rescored) == calibration_for(BLEND).reasons


# --------------------------------------------------------------------------------------------- demo (MiniLM)


def demo_profile(pid: str) -> Profile:
    from matcher.readers import read_table
    from matcher.validate import validate_profiles

    frame = validate_profiles(read_table(DEMO).frame).valid
    return Profile.from_mapping(frame[frame["id"] == pid].iloc[0].to_dict())


@pytest.mark.slow
def test_glycan_conjugation_chemistry_does_not_meet_hanbits_need_for_a_contract_manufacturer(minilm: Encoder) -> None:
    hanbit, cascade = demo_profile("dj-bio-001"), demo_profile("se-bio-001")
    reasons = explain_pair(hanbit, cascade, {}, {"need_match": 0.3}, encode=minilm.encode)
    quoted = next(r for r in reasons if r.startswith("Their offer"))
    assert "Glycan-remodelling conjugation chemistry" in quoted
    assert " may meet your need " in quoted


@pytest.mark.slow
def test_an_investors_lead_investments_are_not_offered_for_a_manufacturing_need(minilm: Encoder) -> None:
    hanbit, fund = demo_profile("dj-bio-001"), demo_profile("se-bio-006")
    reasons = explain_pair(hanbit, fund, {}, {"need_match": 0.3}, encode=minilm.encode)
    assert not any("Lead investments" in r and "your need" in r for r in reasons)


@pytest.mark.slow
def test_under_the_blend_an_investors_lead_investments_are_not_offered_for_a_manufacturing_need(
    minilm: Encoder, use_m3: Encoder
) -> None:
    # The pair's blend cosine is 0.339: quoted under the floor first measured (0.32, on MiniLM's sample re-scored),
    # not under the one the blend's own labelled quotes give (0.35; bench/RESULTS.md, "Thresholds per encoder").
    hanbit, fund = demo_profile("dj-bio-001"), demo_profile("se-bio-006")
    blend = BlendEncoder([minilm, use_m3])
    thresholds = calibration_for(BLEND).reasons
    reasons = explain_pair(hanbit, fund, {}, {"need_match": 0.3}, encode=blend.encode, thresholds=thresholds)
    assert not any("Lead investments" in r and "your need" in r for r in reasons)


# ------------------------------------------------------------------------------------------- across languages

CROSS = Path(__file__).resolve().parent / "data" / "cross_reason_labels.csv"


@pytest.fixture(scope="module")
def cross_labels() -> pd.DataFrame:
    return pd.read_csv(CROSS)


def test_the_cross_language_labels_are_over_100_distinct_pairs_not_both_in_english(cross_labels: pd.DataFrame) -> None:
    assert len(cross_labels) >= 100 and not cross_labels.duplicated(["need", "offer"]).any()
    assert set(cross_labels["label"]) == {0, 1}
    pairs = zip(cross_labels["need"], cross_labels["offer"], strict=True)
    assert not any(is_english(need) and is_english(offer) for need, offer in pairs)


def test_across_languages_the_blends_quotes_are_right_more_often_than_uses_would_be(
    cross_labels: pd.DataFrame,
) -> None:
    # Why a pair not both in English is quoted by the whole blend, not by USE alone (bench/bench_cross_reasons.py).
    blend = cross_labels[cross_labels["blend_cosine"] >= calibration_for(BLEND).reasons.quote]["label"].mean()
    use = cross_labels[cross_labels["use_cosine"] >= calibration_for("use-m3").reasons.quote]["label"].mean()
    assert blend - use > 0.15  # labelled: 19 of 40 against 26 of 97; weighted to the quotes: 0.48 against 0.12
