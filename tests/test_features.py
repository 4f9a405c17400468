"""Pair features: roles and the type-fit table, sector overlap, location, stage and size fit, graph saturation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.features import FEATURE_NAMES, ROLES, ProfileArrays, TypeFit, pair_features, roles_of


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    defaults = {
        "org_type": "company",
        "city": "Daejeon",
        "country": "KR",
        "sectors": (),
        "stage": None,
        "employees": None,
    }
    return pd.DataFrame([{**defaults, **row} for row in rows])


@pytest.fixture
def fit() -> TypeFit:
    return TypeFit.from_mapping(
        {"startup": {"investor": 1.0}, "investor": {"startup": 0.9}, "drug_developer": {"cdmo": 0.95}}, default=0.2
    )


def features_of(
    query: dict[str, object], *candidates: dict[str, object], fit: TypeFit, **signals: list[float]
) -> pd.DataFrame:
    arrays = ProfileArrays.from_frame(frame(query, *candidates))
    return pair_features(
        arrays.take([0]), arrays.take(range(1, len(candidates) + 1)), {k: np.array(v) for k, v in signals.items()}, fit
    )


def test_columns_are_the_declared_features_all_within_zero_and_one(fit: TypeFit) -> None:
    f = features_of(
        {},
        {"city": "Seattle"},
        {"sectors": ("ai",)},
        fit=fit,
        need_match=[-0.3, 1.2],
        adamic_adar=[0.0, 7.0],
        common_partners=[2, 0],
    )
    assert tuple(f.columns) == FEATURE_NAMES
    assert ((f.to_numpy() >= 0) & (f.to_numpy() <= 1)).all()


def test_firms_take_roles_from_their_sectors_and_others_do_not() -> None:
    assert roles_of("sme", ["bioprocessing_cdmo"]) == ("sme", "cdmo")
    assert roles_of("startup", ["diagnostics", "therapeutics"]) == ("startup", "drug_developer", "health_tech")
    assert roles_of("hospital", ["diagnostics"]) == ("hospital",)
    assert roles_of("pirate", []) == ("other",)


def test_type_fit_is_directional_and_unlisted_pairs_get_the_default(fit: TypeFit) -> None:
    f = features_of({"org_type": "startup"}, {"org_type": "investor"}, {"org_type": "university"}, fit=fit)
    assert f["type_fit_for_query"].tolist() == [1.0, 0.2]
    assert f["type_fit_for_candidate"].tolist() == [0.9, 0.2]


def test_type_fit_takes_the_best_role_pair(fit: TypeFit) -> None:
    # A biologics startup meeting a CDMO company: drug_developer -> cdmo beats startup -> company.
    f = features_of(
        {"org_type": "startup", "sectors": ("biologics",)},
        {"org_type": "company", "sectors": ("bioprocessing_cdmo",)},
        fit=fit,
    )
    assert f.loc[0, "type_fit_for_query"] == 0.95
    assert fit.pair(("startup", "drug_developer"), ("company", "cdmo")) == ("drug_developer", "cdmo", 0.95)


def test_type_fit_table_refuses_unknown_roles_and_values_out_of_range() -> None:
    with pytest.raises(ValueError, match="unknown role 'pirate'"):
        TypeFit.from_mapping({"startup": {"pirate": 1.0}}, default=0.3)
    with pytest.raises(ValueError, match="must be in \\[0, 1\\]"):
        TypeFit.from_mapping({"startup": {"investor": 1.5}}, default=0.3)
    assert TypeFit.from_mapping({}, default=0.3).matrix.shape == (len(ROLES), len(ROLES))


def test_sector_overlap_is_jaccard(fit: TypeFit) -> None:
    f = features_of(
        {"sectors": ("ai", "robotics")},
        {"sectors": ("robotics",)},
        {"sectors": ("ai", "robotics")},
        {"sectors": ("energy",)},
        {"sectors": ()},
        fit=fit,
    )
    assert f["sector_overlap"].tolist() == [0.5, 1.0, 0.0, 0.0]


def test_other_city_is_case_insensitive_and_other_country_separate(fit: TypeFit) -> None:
    f = features_of(
        {"city": "Seattle", "country": "US"},
        {"city": "seattle", "country": "US"},
        {"city": "Montgomery County", "country": "US"},
        {"city": "Málaga", "country": "ES"},
        fit=fit,
    )
    assert f["other_city"].tolist() == [0.0, 1.0, 1.0]
    assert f["other_country"].tolist() == [0.0, 0.0, 1.0]


def test_a_city_of_the_same_name_in_another_country_is_another_city(fit: TypeFit) -> None:
    f = features_of({"city": "Cambridge", "country": "GB"}, {"city": "Cambridge", "country": "US"}, fit=fit)
    assert f["other_city"].tolist() == [1.0]


def test_stage_and_size_fit_fall_with_the_gap_and_are_neutral_when_unknown(fit: TypeFit) -> None:
    f = features_of(
        {"stage": "seed", "employees": 10},
        {"stage": "seed", "employees": 10},
        {"stage": "established", "employees": 100_000},
        {"stage": None, "employees": None},
        fit=fit,
    )
    assert f["stage_fit"].tolist() == [1.0, pytest.approx(1 - 4 / 5), 0.5]
    assert f["size_fit"].tolist() == [1.0, 0.0, 0.5]


def test_graph_counts_saturate_so_one_shared_partner_is_one_half(fit: TypeFit) -> None:
    f = features_of({}, {}, {}, {}, fit=fit, common_partners=[0, 1, 3], partners_of_peers=[0, 1, 3])
    assert f["common_partners"].tolist() == [0.0, 0.5, 0.75]
    assert f["partners_of_peers"].tolist() == [0.0, 0.5, 0.75]


def test_missing_signals_are_zero_and_unknown_or_misshapen_ones_refused(fit: TypeFit) -> None:
    assert features_of({}, {}, fit=fit)["need_match"].tolist() == [0.0]
    with pytest.raises(ValueError, match="unknown signals"):
        features_of({}, {}, fit=fit, telepathy=[1.0])
    with pytest.raises(ValueError, match="shape"):
        features_of({}, {}, fit=fit, lexical=[1.0, 2.0])


def test_query_must_be_one_profile(fit: TypeFit) -> None:
    arrays = ProfileArrays.from_frame(frame({}, {}))
    with pytest.raises(ValueError, match="exactly one"):
        pair_features(arrays, arrays, {}, fit)


def test_no_candidates_gives_an_empty_frame_with_every_column(fit: TypeFit) -> None:
    arrays = ProfileArrays.from_frame(frame({}))
    f = pair_features(arrays, arrays.take([]), {}, fit)
    assert f.shape == (0, len(FEATURE_NAMES))
