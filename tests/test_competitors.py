"""Likely competitors: firms sharing a sector that offer nearly the same thing, or that seek nearly the same thing
and offer similar things (issue #11 item 6: Cascade Conjugates, with Hanbit's need, was Hanbit's #1).

The catalogue is small and its vectors are made by hand, so every seeks and offers cosine with the asker is known
exactly (the asker seeks along axis 0 and offers along axis 1; each organisation's remainder is on its own axes).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.api import Matcher
from matcher.bands import MINILM, Calibration, CompetitorThresholds, EnglishPart, calibration_for
from matcher.filters import Filters
from matcher.gloss import Glossary
from matcher.rank import Recommender
from matcher.schema import LIST_COLUMNS, PROFILE_COLUMNS
from matcher.vocab import FIRM_TYPES, split_list

DIM = 64

# id, org_type, city, country, sector, seeks cosine with the asker's seeks, offers cosine with the asker's offers
ASKER = ("dj-adc", "startup", "Daejeon", "KR", "antibody_drug_conjugates", 1.0, 1.0)
OTHERS = [
    # Hanbit and Cascade Conjugates on the demo: seeks 0.66, offers 0.41.
    ("se-twin", "startup", "Seattle", "US", "antibody_drug_conjugates", 0.66, 0.41),
    ("ca-inst", "research_institute", "Calgary", "CA", "antibody_drug_conjugates", 0.66, 0.41),
    ("do-uni", "university", "Dortmund", "DE", "antibody_drug_conjugates", 0.66, 0.41),
    ("ma-need", "company", "Málaga", "ES", "antibody_drug_conjugates", 0.66, 0.10),
    ("mo-offer", "company", "Montgomery County", "US", "antibody_drug_conjugates", 0.20, 0.50),
    ("ca-copy", "company", "Calgary", "CA", "antibody_drug_conjugates", 0.10, 0.85),
    ("se-robot", "startup", "Seattle", "US", "robotics", 0.66, 0.41),
    ("ma-cdmo", "company", "Málaga", "ES", "antibody_drug_conjugates", 0.0, 0.0),  # offers what the asker seeks
    ("dj-inst", "research_institute", "Daejeon", "KR", "antibody_drug_conjugates", 1.0, 1.0),  # asker's twin
]


def _unit(axis: int, cosine: float, spare: int) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[axis] = cosine
    vector[spare] = np.sqrt(max(0.0, 1.0 - cosine**2))
    return vector


def catalogue(
    others: list[tuple[str, str, str, str, str, float, float]],
    calibration: Calibration = MINILM,
    *,
    blended: bool = False,
    korean: tuple[str, ...] = (),
    glossary: Glossary | None = None,
) -> Recommender:
    """The asker and ``others``; ``blended``: the hand-made vectors are the English part of a blend whose other part
    is each organisation's own axis (so the blend's cosines are half the English part's); ``korean``: organisations
    whose offers and needs are written in Korean."""
    rows = [ASKER, *others]
    seeks, offers, profile = [], [], []
    for i, (pid, *_rest, seeks_cos, offers_cos) in enumerate(rows):
        spare = 3 + 3 * i  # this organisation's own axes
        seeks.append(_unit(0, seeks_cos, spare))
        if pid == "ma-cdmo":
            offers.append(_unit(0, 1.0, spare + 1))  # its offers meet the asker's need
        else:
            offers.append(_unit(1, offers_cos, spare + 1))
        profile.append(_unit(2, 0.5, spare + 2))
    frame = pd.DataFrame(
        [
            dict(id=pid, name=pid.upper(), org_type=kind, city=city, country=country, sectors=(sector,),
                 offers=f"offers of {pid}", seeks=f"seeks of {pid}")
            for pid, kind, city, country, sector, _, _ in rows
        ]
    )  # fmt: skip
    profiles = pd.DataFrame([{c: row.get(c) for c in PROFILE_COLUMNS} for row in frame.to_dict("records")])
    for c in LIST_COLUMNS:
        profiles[c] = [tuple(v) if isinstance(v, tuple) else () for v in profiles[c]]
    for c in ("description", "offers", "seeks"):
        profiles[c] = profiles[c].fillna("")
    profiles["employees"] = profiles["employees"].astype("Int64")
    for pid in korean:
        profiles.loc[profiles["id"] == pid, ["offers", "seeks"]] = ["항체 접합 기술이전", "임상 시료 위탁생산 파트너"]
    vectors = {"seeks": np.stack(seeks), "offers": np.stack(offers), "profile": np.stack(profile)}
    english = None
    if blended:
        own = np.eye(len(rows), dtype=np.float32)
        vectors = {facet: np.hstack([part, own]) / np.sqrt(2) for facet, part in vectors.items()}
        english = EnglishPart(0, DIM, MINILM, glossary)
    edges = pd.DataFrame(columns=["source_id", "target_id", "kind"])
    return Recommender(mmr_lambda=1.0, calibration=calibration, english=english).fit(profiles, vectors, edges)


@pytest.fixture(scope="module")
def rec() -> Recommender:
    return catalogue(OTHERS)


def test_a_firm_that_seeks_the_same_and_offers_similar_things_is_left_out(rec: Recommender) -> None:
    result = rec.recommend("dj-adc", k=20)
    assert "se-twin" not in result.ids
    assert "se-twin" in rec.recommend("dj-adc", k=20, include_competitors=True).ids


def test_the_near_copy_rule_still_holds(rec: Recommender) -> None:
    assert "ca-copy" not in rec.recommend("dj-adc", k=20).ids


def test_exactly_the_two_competitors_are_counted(rec: Recommender) -> None:
    result = rec.recommend("dj-adc", k=20)
    assert result.excluded_competitors == 2
    assert set(result.ids) == {"ca-inst", "do-uni", "ma-need", "mo-offer", "se-robot", "ma-cdmo"}


def test_research_institutes_and_universities_with_the_same_need_are_kept(rec: Recommender) -> None:
    assert {"ca-inst", "do-uni"} <= set(rec.recommend("dj-adc", k=20).ids)


def test_the_same_need_with_a_different_offer_or_a_similar_offer_for_a_different_need_is_kept(
    rec: Recommender,
) -> None:
    assert {"ma-need", "mo-offer"} <= set(rec.recommend("dj-adc", k=20).ids)


def test_a_firm_in_another_sector_is_not_a_competitor(rec: Recommender) -> None:
    assert "se-robot" in rec.recommend("dj-adc", k=20).ids


def test_the_provider_the_asker_needs_is_kept(rec: Recommender) -> None:
    assert rec.recommend("dj-adc", k=1).ids == ["ma-cdmo"]


def test_an_institute_asker_excludes_no_competitors(rec: Recommender) -> None:
    result = rec.recommend("dj-inst", k=20)
    assert result.excluded_competitors == 0
    assert {"se-twin", "ca-copy"} <= set(result.ids)


@pytest.mark.parametrize(
    ("seeks", "offers", "left_out"),
    [(0.62, 0.40, True), (0.58, 0.40, False), (0.62, 0.36, False), (0.9, 0.2, False), (0.3, 0.79, False)],
)
def test_the_same_need_same_offer_thresholds(seeks: float, offers: float, left_out: bool) -> None:
    rec = catalogue([("se-firm", "startup", "Seattle", "US", "antibody_drug_conjugates", seeks, offers)])
    assert ("se-firm" not in rec.recommend("dj-adc", k=5).ids) is left_out


# ------------------------------------------------------------------------------------- thresholds per encoder


def _with_competitor(same_offer: float, same_need: float, similar_offer: float) -> Calibration:
    return dataclasses.replace(MINILM, competitor=CompetitorThresholds(same_offer, same_need, similar_offer))


def test_the_recommender_reads_the_thresholds_of_its_calibration() -> None:
    # An encoder whose cosines run lower: 0.41 offers is "similar" from 0.3, 0.66 seeks "the same need" from 0.5.
    lower = catalogue(OTHERS, _with_competitor(0.7, 0.5, 0.3))
    assert lower.compete(np.array([0.41, 0.75, 0.35]), np.array([0.55, 0.0, 0.45])).tolist() == [True, True, False]
    assert "se-twin" not in lower.recommend("dj-adc", k=20).ids


def test_higher_thresholds_keep_a_firm_that_minilms_would_leave_out() -> None:
    # se-twin (seeks 0.66, offers 0.41) and ca-copy (offers 0.85) are MiniLM's competitors, not this encoder's.
    higher = catalogue(OTHERS, _with_competitor(0.9, 0.7, 0.5))
    result = higher.recommend("dj-adc", k=20)
    assert {"se-twin", "ca-copy"} <= set(result.ids) and result.excluded_competitors == 0


def test_a_lower_similar_offer_threshold_leaves_out_a_firm_with_the_same_need_and_a_less_similar_offer() -> None:
    # ma-need seeks what the asker seeks (0.66) and offers something less alike (0.10).
    result = catalogue(OTHERS, _with_competitor(0.8, 0.6, 0.1)).recommend("dj-adc", k=20)
    assert "ma-need" not in result.ids and "se-twin" not in result.ids


def test_the_hand_labelled_competitor_pairs_are_distinct_demo_firms_sharing_a_sector(demo_dir: Path) -> None:
    labels = pd.read_csv(Path(__file__).parent / "data" / "competitor_labels.csv")
    demo = pd.read_csv(demo_dir / "profiles.csv").set_index("id")
    firms = demo.index[demo["org_type"].isin(FIRM_TYPES)]
    sectors = {pid: set(split_list(value)) for pid, value in demo["sectors"].items()}
    assert set(labels["competitor"]) == {0, 1} and labels["why"].str.len().gt(10).all()
    assert labels["a"].isin(firms).all() and labels["b"].isin(firms).all()
    assert all(sectors[a] & sectors[b] for a, b in zip(labels["a"], labels["b"], strict=True))
    assert len({frozenset(pair) for pair in zip(labels["a"], labels["b"], strict=True)}) == len(labels)


def test_in_a_blend_two_english_firms_are_compared_by_the_english_part_with_its_thresholds() -> None:
    # The blend's own cosines (half the English part's: seeks 0.33, offers 0.21) reach none of its thresholds.
    rec = catalogue(OTHERS, calibration_for("minilm+use-m3"), blended=True)
    result = rec.recommend("dj-adc", k=20)
    assert {"se-twin", "ca-copy"}.isdisjoint(result.ids) and result.excluded_competitors == 2


def test_in_a_blend_the_text_features_of_two_english_organisations_are_the_whole_blends_cosines() -> None:
    (found,) = catalogue(OTHERS, calibration_for("minilm+use-m3"), blended=True).candidate_features(["dj-adc"], k=20)
    offers = dict(zip(found.ids, found.features["offers_overlap"], strict=True))
    assert offers["se-twin"] == pytest.approx(0.41 / 2, abs=1e-5)  # half the English axes' 0.41


def test_in_a_blend_the_text_features_across_languages_are_the_multilingual_parts_cosines() -> None:
    blended = catalogue(OTHERS, calibration_for("minilm+use-m3"), blended=True, korean=("se-twin",))
    (found,) = blended.candidate_features(["dj-adc"], k=20)
    offers = dict(zip(found.ids, found.features["offers_overlap"], strict=True))
    assert offers["se-twin"] == pytest.approx(0.0, abs=1e-6)  # its other part is its own axis: nothing in common


def test_in_a_blend_a_firm_read_through_the_glossary_is_ranked_by_the_whole_blend() -> None:
    glossary = Glossary({"ko": {"항체 접합": "antibody conjugation", "기술이전": "licensing", "임상 시료": "clinical "
                                "material", "위탁생산": "contract manufacturing", "파트너": "partner"}})  # fmt: skip
    blended = catalogue(OTHERS, calibration_for("minilm+use-m3"), blended=True, korean=("se-twin",), glossary=glossary)
    (found,) = blended.candidate_features(["dj-adc"], k=20)
    offers = dict(zip(found.ids, found.features["offers_overlap"], strict=True))
    assert offers["se-twin"] == pytest.approx(0.41 / 2, abs=1e-5)  # the blend's cosine, as for an English firm


def test_in_a_blend_a_firm_written_in_korean_is_compared_by_the_whole_blend() -> None:
    rec = catalogue(OTHERS, calibration_for("minilm+use-m3"), blended=True, korean=("se-twin",))
    result = rec.recommend("dj-adc", k=20)
    assert "se-twin" in result.ids and "ca-copy" not in result.ids


# --------------------------------------------------------------------------- the minilm+use-m3 demo workspace


@pytest.mark.slow
def test_a_blend_workspace_reads_the_blends_competitor_thresholds(blend_demo: Matcher) -> None:
    assert blend_demo.calibration.competitor == calibration_for("minilm+use-m3").competitor != MINILM.competitor


@pytest.mark.slow
def test_under_the_blend_cascade_conjugates_is_not_in_hanbits_seattle_list(blend_demo: Matcher) -> None:
    # Their offers: 0.27 under the blend (482nd of 3,370 same-sector firm pairs), 0.41 under MiniLM, whose part of
    # the blend compares two English firms (matcher.bands.EnglishPart).
    found = blend_demo.recommend("dj-bio-001", k=10, filters=Filters(city=("Seattle",)))
    assert found.results and "se-bio-001" not in found.ids


@pytest.mark.slow
def test_evaluations_and_training_rank_with_the_workspaces_reading_of_its_blend(blend_demo: Matcher) -> None:
    options = blend_demo.context.ranking_options()
    assert options["calibration"] == calibration_for("minilm+use-m3")
    assert (options["english"].start, options["english"].stop, options["english"].calibration) == (0, 384, MINILM)
    assert options["config"] == blend_demo.context.settings.ranking
