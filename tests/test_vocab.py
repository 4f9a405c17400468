"""Vocabularies: every spelling people type maps to one canonical value, and unknowns are not guessed."""

from __future__ import annotations

import pytest

from matcher.vocab import (
    ORG_TYPES,
    SECTORS,
    normalize_country,
    normalize_org_type,
    normalize_partnership_kind,
    normalize_stage,
    split_list,
    split_sectors,
)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Start-up", "startup"),
        ("SME", "sme"),
        ("Research Institute", "research_institute"),
        ("research-organisation", "research_institute"),
        ("MNC", "multinational"),
        ("Venture Capital", "investor"),
        ("incubator", "accelerator"),
        ("HES", "university"),
    ],
)
def test_org_type_aliases_map_to_the_vocabulary(typed: str, canonical: str) -> None:
    assert normalize_org_type(typed) == canonical


def test_every_canonical_org_type_maps_to_itself() -> None:
    assert [normalize_org_type(t) for t in ORG_TYPES] == list(ORG_TYPES)


def test_unknown_org_type_is_not_guessed() -> None:
    assert normalize_org_type("space pirates") is None


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("KR", "KR"),
        ("kr", "KR"),
        ("South Korea", "KR"),
        ("Republic of Korea", "KR"),
        ("UK", "GB"),
        ("EL", "GR"),
        ("Germany", "DE"),
        ("Deutschland", "DE"),
        ("España", "ES"),
        ("USA", "US"),
        ("Canada", "CA"),
        ("DEU", "DE"),
    ],
)
def test_country_codes_names_and_aliases_become_iso_alpha2(typed: str, code: str) -> None:
    assert normalize_country(typed) == code


@pytest.mark.parametrize("typed", ["Atlantis", "", "  "])
def test_unknown_country_is_none(typed: str) -> None:
    assert normalize_country(typed) is None


def test_sectors_split_into_taxonomy_and_free_tags() -> None:
    known, free = split_sectors("ADC; Machine learning; agritech; biologics; ADC")
    assert known == ("antibody_drug_conjugates", "ai", "biologics")
    assert free == ("agritech",)


def test_every_taxonomy_sector_maps_to_itself() -> None:
    assert split_sectors(list(SECTORS)) == (SECTORS, ())


def test_stage_and_partnership_kind_aliases() -> None:
    assert normalize_stage("Series A") == "series_a"
    assert normalize_partnership_kind("co-research") == "co_research"
    assert normalize_partnership_kind("MoU") == "mou"


def test_split_list_trims_and_deduplicates_keeping_order() -> None:
    assert split_list(" GaN ; SiC;;GaN|LiDAR ") == ("GaN", "SiC", "LiDAR")
    assert split_list(None) == ()
