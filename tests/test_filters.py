"""Filters: normalised from what users type, applied as a mask over a profiles frame."""

from __future__ import annotations

import pandas as pd
import pytest

from matcher.filters import Filters


@pytest.fixture
def profiles() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "name": ["세종 바이오로직스", "Rainier Capital", "Stahlwerk Dortmund", "Málaga-Tech S.L."],
            "city": ["Daejeon", "Seattle", "Dortmund", "Málaga"],
            "country": ["KR", "US", "DE", "ES"],
            "org_type": ["startup", "investor", "research_institute", "startup"],
            "sectors": [("ai",), ("biologics", "ai"), ("energy",), ("diagnostics",)],
            "stage": ["seed", None, None, "series_a"],
            "employees": pd.array([8, 40, 900, None], dtype="Int64"),
        }
    )


def ids(frame: pd.DataFrame, filters: Filters) -> list[str]:
    return frame["id"][filters.mask(frame)].tolist()


def test_empty_filters_keep_everything(profiles: pd.DataFrame) -> None:
    assert Filters().is_empty()
    assert ids(profiles, Filters()) == ["a", "b", "c", "d"]


def test_user_values_are_normalised() -> None:
    f = Filters.from_user(country=["South Korea", "UK"], org_type=["Start-up"], sector=["ML"], stage=["Series A"])
    assert (f.country, f.org_type, f.sector, f.stage) == (("KR", "GB"), ("startup",), ("ai",), ("series_a",))


def test_unknown_filter_value_is_refused_with_the_accepted_values() -> None:
    with pytest.raises(ValueError, match=r"unknown organisation type 'pirate'.*startup"):
        Filters.from_user(org_type=["pirate"])


def test_values_within_a_filter_combine_with_or(profiles: pd.DataFrame) -> None:
    assert ids(profiles, Filters(country=("KR", "DE"))) == ["a", "c"]


def test_filters_combine_with_and(profiles: pd.DataFrame) -> None:
    assert ids(profiles, Filters(sector=("ai",), org_type=("investor",))) == ["b"]


def test_city_is_case_insensitive(profiles: pd.DataFrame) -> None:
    assert ids(profiles, Filters.from_user(city=["málaga"])) == ["d"]


def test_size_bands_use_head_count_and_skip_unknown_sizes(profiles: pd.DataFrame) -> None:
    assert ids(profiles, Filters(size=("micro", "large"))) == ["a", "c"]


def test_a_city_filter_reads_any_spelling_of_the_city(profiles: pd.DataFrame) -> None:
    assert Filters.from_user(city=["대전", "Malaga"]).city == ("Daejeon", "Málaga")
    assert ids(profiles, Filters.from_user(city=["대전광역시"])) == ["a"]


def test_a_city_stored_in_another_spelling_passes_the_filter_of_its_city(profiles: pd.DataFrame) -> None:
    profiles.loc[0, "city"] = "대전"  # stored before places were canonical
    assert ids(profiles, Filters(city=("Daejeon",))) == ["a"]


def test_a_country_filter_reads_korean_german_and_spanish_names(profiles: pd.DataFrame) -> None:
    assert ids(profiles, Filters.from_user(country=["대한민국", "Deutschland", "España"])) == ["a", "c", "d"]


def test_part_of_a_hangul_name_finds_the_organisation(profiles: pd.DataFrame) -> None:
    assert ids(profiles, Filters.from_user(name=["세종"])) == ["a"]


def test_name_search_ignores_case_accents_and_spacing(profiles: pd.DataFrame) -> None:
    assert ids(profiles, Filters.from_user(name=["malaga tech"])) == ["d"]
    assert ids(profiles, Filters.from_user(name=["세종바이오"])) == ["a"]


def test_name_parts_combine_with_or(profiles: pd.DataFrame) -> None:
    assert ids(profiles, Filters.from_user(name=["rainier", "stahlwerk"])) == ["b", "c"]


def test_a_name_part_without_letters_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be searched: give letters or digits"):
        Filters.from_user(name=["--"])
