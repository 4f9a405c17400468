"""Likely competitors: firms sharing a sector that offer nearly the same thing, or that seek nearly the same thing
and offer similar things (issue #11 item 6: Cascade Conjugates, with Hanbit's need, was Hanbit's #1).

The catalogue is small and its vectors are made by hand, so every seeks and offers cosine with the asker is known
exactly (the asker seeks along axis 0 and offers along axis 1; each organisation's remainder is on its own axes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.rank import Recommender
from matcher.schema import LIST_COLUMNS, PROFILE_COLUMNS

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


def catalogue(others: list[tuple[str, str, str, str, str, float, float]]) -> Recommender:
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
    vectors = {"seeks": np.stack(seeks), "offers": np.stack(offers), "profile": np.stack(profile)}
    edges = pd.DataFrame(columns=["source_id", "target_id", "kind"])
    return Recommender(mmr_lambda=1.0).fit(profiles, vectors, edges)


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
