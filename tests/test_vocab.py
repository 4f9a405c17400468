"""Vocabularies: every spelling people type maps to one canonical value, and unknowns are not guessed."""

from __future__ import annotations

import pytest

from matcher.vocab import (
    ALLIANCE_CITIES,
    CITY_ALIASES,
    ORG_TYPES,
    SECTORS,
    normalize_city,
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


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("대한민국", "KR"),
        ("한국", "KR"),
        ("Südkorea", "KR"),
        ("Corea del Sur", "KR"),
        ("Estados Unidos", "US"),
        ("EE. UU.", "US"),
        ("미국", "US"),
        ("Vereinigte Staaten", "US"),
        ("Alemania", "DE"),
        ("독일", "DE"),
        ("Spanien", "ES"),
        ("스페인", "ES"),
        ("Kanada", "CA"),
        ("캐나다", "CA"),
    ],
)
def test_country_names_in_korean_german_and_spanish_become_iso_alpha2(typed: str, code: str) -> None:
    assert normalize_country(typed) == code


@pytest.mark.parametrize("typed", ["XK", "xk", "Kosovo", "코소보"])
def test_kosovo_is_xk_as_eu_data_writes_it(typed: str) -> None:
    assert normalize_country(typed) == "XK"


@pytest.mark.parametrize("typed", ["Atlantis", "", "  "])
def test_unknown_country_is_none(typed: str) -> None:
    assert normalize_country(typed) is None


@pytest.mark.parametrize(
    ("typed", "city"),
    [
        ("대전", "Daejeon"),
        ("대전광역시", "Daejeon"),
        ("Taejon", "Daejeon"),
        ("DAEJEON", "Daejeon"),
        ("Malaga", "Málaga"),
        ("MALAGA", "Málaga"),
        ("マラガ", "Málaga"),
        ("말라가", "Málaga"),
        ("München", "Munich"),
        ("MUNCHEN", "Munich"),
        ("Köln", "Cologne"),
        ("도르트문트", "Dortmund"),
        ("시애틀", "Seattle"),
        ("Seattle, WA", "Seattle"),
        ("캘거리", "Calgary"),
        ("Montgomery County, MD", "Montgomery County"),
        ("Montgomery County, Maryland", "Montgomery County"),
        ("몽고메리 카운티", "Montgomery County"),
        ("Bruxelles", "Brussels"),
    ],
)
def test_city_spellings_become_the_canonical_city(typed: str, city: str) -> None:
    assert normalize_city(typed) == city


def test_a_city_followed_by_its_country_is_the_city() -> None:
    assert [normalize_city(t) for t in ("Dortmund, Germany", "대전, 대한민국")] == ["Dortmund", "Daejeon"]


def test_a_place_named_like_a_known_city_elsewhere_is_kept_as_typed() -> None:
    assert normalize_city("Valencia", "VE") == "Valencia"  # Venezuela's, not Spain's
    assert normalize_city("Montgomery County, Texas") == "Montgomery County, Texas"  # not the alliance's county


def test_an_unknown_city_is_kept_as_typed_with_tidy_spacing() -> None:
    assert normalize_city("  Bad   Homburg ") == "Bad Homburg"


def test_every_listed_spelling_maps_to_its_city_and_every_alliance_city_has_a_korean_one() -> None:
    assert set(ALLIANCE_CITIES) <= set(CITY_ALIASES)
    for city, (country, aliases) in CITY_ALIASES.items():
        assert all(normalize_city(alias, country) == city for alias in aliases), city
    for city in ALLIANCE_CITIES:
        assert any("\uac00" <= char <= "\ud7a3" for alias in CITY_ALIASES[city][1] for char in alias), city


@pytest.mark.parametrize(
    ("typed", "country", "city"),
    [
        ("Paris Cedex 07", "FR", "Paris"),
        ("PARIS CEDEX", "FR", "Paris"),
        ("Montpellier Cedex 5", "FR", "Montpellier"),  # any city, listed or not
        ("Marne La Vallee Cedex 2", "FR", "Marne La Vallee"),
        ("Paris 13", "FR", "Paris"),
        ("Paris 16e arrondissement", "FR", "Paris"),
        ("Lyon 3e", "FR", "Lyon"),
        ("Praha 6", "CZ", "Prague"),
        ("Dublin 2", "IE", "Dublin"),
        ("Bucuresti Sectorul 1", "RO", "Bucharest"),
        ("37520 Osterode", "DE", "Osterode"),
    ],
)
def test_what_a_postal_address_adds_to_a_city_is_dropped(typed: str, country: str, city: str) -> None:
    assert normalize_city(typed, country) == city


def test_a_name_of_digits_or_a_cedex_alone_is_kept() -> None:
    assert (normalize_city("13"), normalize_city("Cedex"), normalize_city("Area51")) == ("13", "Cedex", "Area51")


@pytest.mark.parametrize(
    ("typed", "country", "city"),
    [("Lefkosia", "CY", "Nicosia"), ("Lemesos", "CY", "Limassol"), ("Bozen", "IT", "Bolzano"),
     ("Helsingfors", "FI", "Helsinki"), ("Freiburg im Breisgau", "DE", "Freiburg"),
     ("Kgs. Lyngby", "DK", "Kongens Lyngby")],
)
def test_local_names_and_exonyms_are_one_city(typed: str, country: str, city: str) -> None:
    assert normalize_city(typed, country) == city


def test_a_spelling_of_a_city_in_another_country_stays_apart() -> None:
    # Fribourg in Switzerland is "Freiburg" in German; Halle in Belgium is not Halle (Saale).
    assert normalize_city("Freiburg im Breisgau", "CH") == "Freiburg im Breisgau"
    assert normalize_city("Halle (Saale)", "BE") == "Halle (Saale)"
    assert normalize_city("Lefkosia", "TR") == "Lefkosia"


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
