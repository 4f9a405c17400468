"""The catalogue: one id map, one cross-city rule, one facet text, one dismissal rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.catalogue import Catalogue, check_cross_city, dismissed, facet_texts
from matcher.errors import InputError, NotFoundError


@pytest.fixture()
def catalogue() -> Catalogue:
    return Catalogue.from_profiles(
        pd.DataFrame(
            {
                "id": ["dj1", "dj2", "se1", "ta1"],
                "city": ["Daejeon", "DAEJEON ", "Seattle", "Tacoma"],
                "country": ["KR", "KR", "US", "US"],
            }
        )
    )


def test_rows_follow_the_order_asked(catalogue: Catalogue) -> None:
    assert catalogue.rows(["ta1", "dj1"]).tolist() == [3, 0]


def test_an_unknown_id_is_named(catalogue: Catalogue) -> None:
    with pytest.raises(NotFoundError, match="nowhere"):
        catalogue.rows(["dj1", "nowhere"])


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(InputError, match="duplicate"):
        Catalogue.from_profiles(pd.DataFrame({"id": ["a", "a"], "city": ["X", "Y"], "country": ["KR", "US"]}))


def test_other_city_leaves_out_the_same_city_whatever_its_case(catalogue: Catalogue) -> None:
    assert catalogue.allowed_for(0, "other_city").tolist() == [False, False, True, True]


def test_cities_of_one_name_in_two_countries_are_two_places() -> None:
    cambridges = pd.DataFrame({"id": ["uk", "us", "us2"], "city": ["Cambridge"] * 3, "country": ["GB", "US", "US"]})
    catalogue = Catalogue.from_profiles(cambridges)
    assert catalogue.allowed_for(0, "other_city").tolist() == [False, True, True]
    assert catalogue.allowed_from("cambridge", "US", "other_city").tolist() == [True, False, False]
    assert catalogue.pair_allowed(np.array([0, 1]), np.array([1, 2]), "other_city").tolist() == [True, False]


def test_other_country_leaves_out_the_same_country(catalogue: Catalogue) -> None:
    assert catalogue.allowed_for(2, "other_country").tolist() == [True, True, False, False]


def test_any_allows_everyone(catalogue: Catalogue) -> None:
    assert catalogue.allowed_from("Daejeon", "KR", "any").all()


def test_a_city_outside_the_catalogue_allows_everyone_under_other_city(catalogue: Catalogue) -> None:
    assert catalogue.allowed_from("Málaga", "ES", "other_city").all()


def test_shared_masks_cannot_be_changed_in_place(catalogue: Catalogue) -> None:
    mask = catalogue.allowed_for(0, "other_city")
    with pytest.raises(ValueError):
        mask[2] = False


def test_pairs_follow_the_same_rule_as_masks(catalogue: Catalogue) -> None:
    a, b = np.array([0, 0, 2]), np.array([1, 2, 3])
    assert catalogue.pair_allowed(a, b, "other_city").tolist() == [False, True, True]
    assert catalogue.pair_allowed(a, b, "other_country").tolist() == [False, True, False]


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(InputError, match="cross_city"):
        check_cross_city("same_city")


def test_the_latest_feedback_decides_a_dismissal() -> None:
    feedback = pd.DataFrame(
        {"candidate_id": ["x", "y", "x", "z"], "label": ["not_relevant", "not_relevant", "relevant", "contacted"]}
    )
    assert dismissed(feedback) == {"y"}


def test_offers_and_seeks_are_embedded_as_written_and_the_profile_facet_as_a_paragraph() -> None:
    frame = pd.DataFrame(
        {"id": ["a"], "name": ["Acme"], "org_type": ["research_institute"], "city": ["Dortmund"], "country": ["DE"],
         "offers": ["Pilot line"], "seeks": [None], "description": ["Photonics lab."]}
    )
    assert facet_texts(frame, "offers") == ["Pilot line"]
    assert facet_texts(frame, "seeks") == [""]
    assert facet_texts(frame, "profile") == ["Acme (research institute, Dortmund) Photonics lab."]
