"""The demo's planted investment leads are found: each is in its city's top 10 with its local beneficiaries, and
fills the gap it was planted for; the decoys are not leads there.

The planted leads are listed in tests/data/planted_leads.csv (written by data/demo/make_demo.py, documented in
data/README.md, "Planted investment leads").
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest
from scripts import load_script

from matcher.api import Matcher
from matcher.attract import Leads

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PLANTED_LEADS = REPO / "tests" / "data" / "planted_leads.csv"


def planted() -> list[dict[str, str]]:
    with PLANTED_LEADS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def decoys() -> list[tuple[str, str]]:
    """(city, decoy) pairs from data/demo/make_demo.py's LEAD_DECOYS: outside organisations of a lead type and the
    city's sectors whose offers meet no local need."""
    module = load_script("data/demo/make_demo.py", "make_demo_decoys")
    return [(city, decoy) for decoy, (cities, _) in module.LEAD_DECOYS.items() for city in cities]


@cache
def top_leads(matcher: Matcher, city: str) -> Leads:
    """A city's top 10 leads, computed once per city for the session's demo workspace."""
    return matcher.attraction.leads(city, k=10)


@pytest.mark.parametrize("row", planted(), ids=lambda row: f"{row['lead_id']}@{row['city']}")
def test_a_planted_lead_is_in_its_citys_top_10(demo_matcher: Matcher, row: dict[str, str]) -> None:
    assert row["lead_id"] in [lead.id for lead in top_leads(demo_matcher, row["city"]).results]


@pytest.mark.parametrize("row", planted(), ids=lambda row: f"{row['lead_id']}@{row['city']}")
def test_a_planted_lead_names_at_least_two_of_its_beneficiaries_with_reasons(
    demo_matcher: Matcher, row: dict[str, str]
) -> None:
    lead = next((lead for lead in top_leads(demo_matcher, row["city"]).results if lead.id == row["lead_id"]), None)
    assert lead is not None, f"{row['lead_id']} is not among the top 10 leads for {row['city']}"
    found = {b.id: b.reason for b in lead.local_beneficiaries}
    expected = set(row["beneficiaries"].split(";"))
    assert len(expected & set(found)) >= 2, sorted(found)
    assert all(found[local] for local in expected & set(found))


@pytest.mark.parametrize("row", planted(), ids=lambda row: f"{row['lead_id']}@{row['city']}")
def test_a_planted_lead_fills_a_gap_of_its_citys_cluster(demo_matcher: Matcher, row: dict[str, str]) -> None:
    gaps = demo_matcher.attraction.gaps(row["city"])
    lead = next(lead for lead in top_leads(demo_matcher, row["city"]).results if lead.id == row["lead_id"])
    assert row["gap"] in [gap.sector for gap in gaps.attract]
    assert row["gap"] in lead.gaps_filled


@pytest.mark.parametrize(("city", "decoy"), decoys())
def test_a_decoy_is_not_among_its_citys_top_10_leads(demo_matcher: Matcher, city: str, decoy: str) -> None:
    assert decoy not in [lead.id for lead in top_leads(demo_matcher, city).results]
