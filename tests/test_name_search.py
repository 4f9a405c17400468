"""Search finds an organisation by its name in any script, before text matches, within the filters."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher.api import Matcher
from matcher.embed import TfidfEncoder
from matcher.errors import InputError
from matcher.filters import Filters

PROFILES = pd.DataFrame(
    {
        "id": ["dj-1", "dj-2", "se-1"],
        "name": ["세종 바이오로직스", "Hanul Quantum Devices", "Cascade Conjugates"],
        "org_type": ["startup", "research_institute", "company"],
        "city": ["Daejeon", "Daejeon", "Seattle"],
        "country": ["KR", "KR", "US"],
        "sectors": ["biologics", "quantum", "biologics"],
        "offers": ["항체 약물 접합체 공정 개발", "superconducting qubit chips", "GMP bioconjugation for ADCs"],
        "seeks": ["GMP 위탁생산", "cryogenic electronics", "ADC programmes"],
    }
)


@pytest.fixture
def matcher(tmp_path: Path) -> Matcher:
    PROFILES.to_csv(tmp_path / "p.csv", index=False)
    texts = [*PROFILES["offers"], *PROFILES["seeks"], *PROFILES["name"], "biologics quantum startup company"]
    m = Matcher(tmp_path / "ws", encoder=TfidfEncoder(n_components=4).fit(texts))
    m.import_profiles(tmp_path / "p.csv")
    return m


def test_part_of_a_korean_name_finds_the_organisation_first(matcher: Matcher) -> None:
    hits = matcher.search("세종", k=3)
    assert (hits[0].id, hits[0].facet, hits[0].band) == ("dj-1", "name", "strong")


def test_names_are_matched_without_case_or_spacing(matcher: Matcher) -> None:
    assert matcher.search("hanulquantum", k=1)[0].id == "dj-2"


def test_a_name_outside_the_filters_is_not_found(matcher: Matcher) -> None:
    hits = matcher.search("세종", k=3, filters=Filters.from_user(city=["Seattle"]))
    assert "dj-1" not in [hit.id for hit in hits]


def test_a_single_character_is_not_matched_against_names(matcher: Matcher) -> None:
    """"세" is in 세종 바이오로직스, but one character names too many organisations to mean one."""
    with pytest.raises(InputError, match="no words"):
        matcher.search("세", k=3)
