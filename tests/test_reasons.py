"""Reasons that do not overclaim (issue #11 item 6): "meets" only when the quoted phrases are about the same
capability, measured against hand labels of the demo's quoted phrase pairs (tests/data/reason_labels.csv, how they
were made: tests/data/README.md; the table: bench/bench_reasons.py, "Reason precision" in bench/RESULTS.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher.bands import MINILM, calibration_for
from matcher.embed import BlendEncoder, Encoder
from matcher.explain import explain_pair
from matcher.schema import Profile

LABELS = Path(__file__).resolve().parent / "data" / "reason_labels.csv"
DEMO = Path(__file__).resolve().parents[1] / "matcher" / "data" / "demo" / "profiles.csv"

MEETS_PRECISION = 0.8
"""What "meets" reaches on the labels at the shipped threshold (8 of 10 labelled; every demo quote that high is
labelled)."""
MAY_MEET_PRECISION = 0.25
"""What "may meet" reaches on the labels at the shipped thresholds (34 of 117, 0.29; 0.25 weighted to the demo's
quotes); under the shipped floor 2 of 40 are right, so lowering the floor drags it down."""


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return pd.read_csv(LABELS)


def test_the_labels_are_at_least_100_distinct_pairs_with_a_cosine_and_a_binary_label(labels: pd.DataFrame) -> None:
    assert list(labels.columns) == ["need", "offer", "cosine", "wording", "label"]
    assert len(labels) >= 100 and not labels.duplicated(["need", "offer"]).any()
    assert set(labels["label"]) == {0, 1}
    assert labels["cosine"].between(0.3, 1.0).all()


def test_meets_at_the_shipped_threshold_is_right_at_least_four_times_in_five(labels: pd.DataFrame) -> None:
    meets = labels[labels["cosine"] >= MINILM.reasons.meets]
    assert len(meets) >= 10
    assert meets["label"].mean() >= MEETS_PRECISION


def test_may_meet_at_the_shipped_thresholds_keeps_its_measured_precision(labels: pd.DataFrame) -> None:
    low, high = MINILM.reasons.quote, MINILM.reasons.meets
    may = labels[(labels["cosine"] >= low) & (labels["cosine"] < high)]
    assert may["label"].mean() >= MAY_MEET_PRECISION


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
@pytest.mark.xfail(
    strict=True,
    reason="known, and why minilm+use-m3 is not the default (bench/RESULTS.md, 'The rule for a new default'): "
    "under the blend's measured quote floor (0.32) the investor's offer is quoted for Hanbit's manufacturing need",
)
def test_under_the_blend_an_investors_lead_investments_are_not_offered_for_a_manufacturing_need(
    minilm: Encoder, use_m3: Encoder
) -> None:
    hanbit, fund = demo_profile("dj-bio-001"), demo_profile("se-bio-006")
    blend = BlendEncoder([minilm, use_m3])
    thresholds = calibration_for("minilm+use-m3").reasons
    reasons = explain_pair(hanbit, fund, {}, {"need_match": 0.3}, encode=blend.encode, thresholds=thresholds)
    assert not any("Lead investments" in r and "your need" in r for r in reasons)
