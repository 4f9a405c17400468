"""Specification of the synthetic data generator: shapes, vocabularies, planted truth and history."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.schema import LIST_COLUMNS, PARTNERSHIP_COLUMNS, PROFILE_COLUMNS, Profile
from matcher.synthetic import (
    CAPABILITY_COLUMNS,
    CATALOGUE,
    FOCI,
    KINDS,
    REFERENCE_YEAR,
    TRUTH_COLUMNS,
    SyntheticData,
    generate,
    write,
)
from matcher.vocab import (
    ALLIANCE_CITIES,
    BIO_SECTORS,
    ORG_TYPES,
    PARTNERSHIP_KINDS,
    SECTORS,
    STAGES,
    normalize_country,
    split_list,
    split_sectors,
)

N = 600
BY_KEY = {c.key: c for c in CATALOGUE}


@pytest.fixture(scope="module")
def data() -> SyntheticData:
    return generate(N, seed=7)


@pytest.fixture(scope="module")
def latent(data: SyntheticData) -> pd.DataFrame:
    """Capabilities joined with the profile columns the truth depends on, indexed by id."""
    profiles = data.profiles.set_index("id")[["city", "sectors", "org_type"]]
    return data.capabilities.set_index("id").join(profiles)


def unordered(frame: pd.DataFrame) -> pd.Series:
    """Each row's pair of ids regardless of order, as one string."""
    source, target = frame["source_id"], frame["target_id"]
    return source.where(source < target, target) + "|" + target.where(source < target, source)


def test_the_same_seed_gives_identical_frames(data: SyntheticData) -> None:
    again = generate(N, seed=7)
    for name in ("profiles", "partnerships", "truth", "capabilities"):
        pd.testing.assert_frame_equal(getattr(data, name), getattr(again, name))


def test_another_seed_gives_other_profiles(data: SyntheticData) -> None:
    other = generate(N, seed=8)
    assert not data.profiles["description"].equals(other.profiles["description"])
    assert set(unordered(data.truth)) != set(unordered(other.truth))


def test_frames_have_the_documented_columns_and_sizes(data: SyntheticData) -> None:
    assert tuple(data.profiles.columns) == PROFILE_COLUMNS
    assert tuple(data.partnerships.columns) == PARTNERSHIP_COLUMNS
    assert tuple(data.truth.columns) == TRUTH_COLUMNS
    assert tuple(data.capabilities.columns) == CAPABILITY_COLUMNS
    assert len(data.profiles) == N
    assert data.capabilities["id"].tolist() == data.profiles["id"].tolist()


@pytest.mark.parametrize("per_org", [0.0, 0.5, 2.0, 5.0])
def test_history_size_follows_partnerships_per_org(per_org: float) -> None:
    assert len(generate(300, seed=1, partnerships_per_org=per_org).partnerships) == round(300 * per_org / 2)


@pytest.mark.parametrize(("n", "first", "last"), [(9, "syn-1", "syn-9"), (10, "syn-01", "syn-10"),
                                                  (1000, "syn-0001", "syn-1000")])
def test_ids_are_numbered_from_one_and_padded_to_the_width_of_n(n: int, first: str, last: str) -> None:
    ids = generate(n, seed=0).profiles["id"]
    assert (ids.iloc[0], ids.iloc[-1]) == (first, last)
    assert ids.is_unique
    assert ids.str.len().nunique() == 1


def test_categorical_columns_use_the_canonical_vocabularies(data: SyntheticData) -> None:
    p = data.profiles
    assert set(p["org_type"]) <= set(ORG_TYPES)
    assert set(p["stage"].dropna()) <= set(STAGES)
    assert set(data.partnerships["kind"]) <= set(PARTNERSHIP_KINDS)
    assert all(normalize_country(c) == c for c in p["country"].unique())
    for sectors in p["sectors"]:
        assert 1 <= len(sectors) <= 2 and len(set(sectors)) == len(sectors) and set(sectors) <= set(SECTORS)


def test_alliance_cities_carry_their_country(data: SyntheticData) -> None:
    in_alliance = data.profiles[data.profiles["city"].isin(list(ALLIANCE_CITIES))]
    assert len(in_alliance) > 0
    assert all(ALLIANCE_CITIES[city][0] == country
               for city, country in zip(in_alliance["city"], in_alliance["country"], strict=True))


def test_free_tags_stay_outside_the_sector_taxonomy(data: SyntheticData) -> None:
    tags = {tag for row in data.profiles["tags"] for tag in row}
    assert tags
    assert split_sectors(sorted(tags)) == ((), tuple(sorted(tags)))


def test_list_columns_hold_tuples_of_strings(data: SyntheticData) -> None:
    for column in LIST_COLUMNS:
        assert all(isinstance(v, tuple) and all(isinstance(x, str) and x for x in v)
                   for v in data.profiles[column]), column


def test_hospitals_work_in_clinical_sectors(data: SyntheticData) -> None:
    hospitals = data.profiles[data.profiles["org_type"] == "hospital"]
    assert len(hospitals) > 0
    assert all(set(s) <= set(BIO_SECTORS) for s in hospitals["sectors"])


def test_every_row_builds_a_profile_with_texts_for_each_facet(data: SyntheticData) -> None:
    for row in data.profiles.to_dict("records"):
        profile = Profile.from_mapping(row)
        assert profile.id == row["id"]
        assert all(profile.text(facet) for facet in ("profile", "offers", "seeks"))


def test_texts_phrase_the_latent_capabilities(data: SyntheticData) -> None:
    p, c = data.profiles, data.capabilities
    for offers_text, seeks_text, description, offers, needs, focus in zip(
        p["offers"], p["seeks"], p["description"], c["offers"], c["needs"], c["focus"], strict=True
    ):
        assert 1 <= len(offers) <= 3 and 1 <= len(needs) <= 3
        assert not set(offers) & set(needs)
        for key in offers:
            assert any(phrase.casefold() in offers_text.casefold() for phrase in BY_KEY[key].offers), key
        for key in needs:
            assert any(phrase.casefold() in seeks_text.casefold() for phrase in BY_KEY[key].needs), key
        assert focus in description


def test_texts_differ_between_organisations(data: SyntheticData) -> None:
    for column in ("description", "offers", "seeks"):
        assert data.profiles[column].nunique() >= 0.9 * N, column


def fitting_both_ways(data: SyntheticData) -> set[tuple[str, str]]:
    """Every pair of the documented definition, found by brute force: in different cities, with the same
    focus, each offering a capability the other needs."""
    latent = data.capabilities.join(data.profiles["city"])
    combos = latent.explode("offers").explode("needs").dropna(subset=["offers", "needs"])
    pairs = combos.merge(combos, left_on=["focus", "offers", "needs"], right_on=["focus", "needs", "offers"])
    pairs = pairs[(pairs["id_x"] < pairs["id_y"]) & (pairs["city_x"] != pairs["city_y"])]
    return set(zip(pairs["id_x"], pairs["id_y"], strict=True))


def test_truth_is_exactly_the_pairs_that_fit_both_ways(data: SyntheticData) -> None:
    truth = set(zip(data.truth["source_id"], data.truth["target_id"], strict=True))
    assert len(truth) > N // 5  # most alliance organisations are planted
    assert fitting_both_ways(data) == truth


def test_each_side_of_a_truth_pair_offers_what_the_other_needs(data: SyntheticData, latent: pd.DataFrame) -> None:
    for source, target, source_offers, target_offers in data.truth.itertuples(index=False):
        assert source_offers in latent.at[source, "offers"] and source_offers in latent.at[target, "needs"]
        assert target_offers in latent.at[target, "offers"] and target_offers in latent.at[source, "needs"]


def test_truth_pairs_share_their_focus(data: SyntheticData, latent: pd.DataFrame) -> None:
    focus = latent["focus"]
    assert (focus[data.truth["source_id"]].to_numpy() == focus[data.truth["target_id"]].to_numpy()).all()


def test_truth_pairs_cross_cities_of_the_alliance(data: SyntheticData, latent: pd.DataFrame) -> None:
    source, target = latent["city"][data.truth["source_id"]], latent["city"][data.truth["target_id"]]
    assert (source.to_numpy() != target.to_numpy()).all()
    assert source.isin(list(ALLIANCE_CITIES)).all() and target.isin(list(ALLIANCE_CITIES)).all()


def test_each_organisation_is_in_at_most_one_truth_pair(data: SyntheticData) -> None:
    assert pd.concat([data.truth["source_id"], data.truth["target_id"]]).is_unique


def test_truth_rows_are_ordered_pairs_listed_once(data: SyntheticData) -> None:
    assert (data.truth["source_id"] < data.truth["target_id"]).all()
    assert data.truth["source_id"].is_monotonic_increasing


def test_truth_is_held_out_of_the_history(data: SyntheticData) -> None:
    assert not unordered(data.truth).isin(unordered(data.partnerships)).any()


@pytest.mark.parametrize(("share", "low", "high"), [(0.0, 0.0, 0.0), (0.3, 0.2, 0.3), (0.6, 0.4, 0.6)])
def test_planted_share_sets_the_share_of_organisations_in_a_pair(share: float, low: float, high: float) -> None:
    planted = 2 * len(generate(N, seed=5, planted_share=share).truth) / N
    assert low <= planted <= high


def test_every_organisation_offers_and_needs_something(data: SyntheticData) -> None:
    for column in ("offers", "needs"):
        assert data.capabilities[column].map(len).between(1, 3).all(), column


def test_partnerships_are_distinct_pairs_of_known_organisations(data: SyntheticData) -> None:
    p = data.partnerships
    assert (p["source_id"] != p["target_id"]).all()
    assert unordered(p).is_unique
    assert set(p["source_id"]) | set(p["target_id"]) <= set(data.profiles["id"])


def test_partnerships_start_after_both_partners_were_founded(data: SyntheticData) -> None:
    founded = data.profiles.set_index("id")["founded"]
    p = data.partnerships
    assert p["year"].notna().all() and (p["year"] <= REFERENCE_YEAR).all()
    for side in ("source_id", "target_id"):
        known = founded[p[side]].notna().to_numpy()
        assert (p["year"].to_numpy()[known] >= founded[p[side]].to_numpy()[known]).all()


def test_history_follows_the_latent_structure(data: SyntheticData, latent: pd.DataFrame) -> None:
    def structured_share(sources: np.ndarray, targets: np.ndarray) -> float:
        a, b = latent.loc[sources], latent.loc[targets]
        hits = [
            bool(set(sa) & set(sb) or set(na) & set(ob) or set(nb) & set(oa))
            for sa, sb, na, nb, oa, ob in zip(a["sectors"], b["sectors"], a["needs"], b["needs"], a["offers"],
                                              b["offers"], strict=True)
        ]
        return float(np.mean(hits))

    rng = np.random.default_rng(0)
    ids = latent.index.to_numpy()
    history = structured_share(data.partnerships["source_id"].to_numpy(), data.partnerships["target_id"].to_numpy())
    chance = structured_share(rng.choice(ids, 2000), rng.choice(ids, 2000))
    # 85% are drawn structured; at small n many complementary pairs are truth and held out.
    assert history > 0.7
    assert history > chance + 0.3


def test_a_single_organisation_has_a_profile_and_no_pairs() -> None:
    data = generate(1, seed=0)
    assert data.profiles["id"].tolist() == ["syn-1"]
    assert data.partnerships.empty and tuple(data.partnerships.columns) == PARTNERSHIP_COLUMNS
    assert data.truth.empty and tuple(data.truth.columns) == TRUTH_COLUMNS


@pytest.mark.parametrize(
    "kwargs",
    [{"n": 0}, {"n": -5}, {"n": 2.5}, {"n": 10, "seed": -1}, {"n": 10, "partnerships_per_org": -1.0},
     {"n": 10, "planted_share": -0.1}, {"n": 10, "planted_share": 1.5}, {"n": 10, "alliance_share": 1.5}],
)
def test_out_of_range_arguments_raise_value_error(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(k for k in kwargs if k != "n"), "n")):
        generate(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("share", "inside"), [(1.0, True), (0.0, False)])
def test_alliance_share_places_organisations_in_or_out_of_the_alliance(share: float, inside: bool) -> None:
    cities = generate(200, seed=2, alliance_share=share).profiles["city"]
    assert cities.isin(list(ALLIANCE_CITIES)).all() == inside
    assert cities.isin(list(ALLIANCE_CITIES)).any() == inside


def test_focus_matches_the_cluster_of_the_main_sector(data: SyntheticData) -> None:
    bio = data.profiles["sectors"].map(lambda s: s[0] in BIO_SECTORS)
    bio_foci = set(FOCI[: len(FOCI) // 2])
    assert (data.capabilities["focus"].isin(bio_foci) == bio).all()


def test_write_produces_csv_files_the_importer_reads(data: SyntheticData, tmp_path: Path) -> None:
    paths = write(data, tmp_path / "out")
    assert set(paths) == {"profiles", "partnerships", "truth", "capabilities"}
    profiles = pd.read_csv(paths["profiles"], dtype=str, keep_default_na=False)
    assert tuple(profiles.columns) == PROFILE_COLUMNS
    for column in LIST_COLUMNS:
        assert profiles[column].map(split_list).tolist() == data.profiles[column].tolist()
    assert profiles["description"].tolist() == data.profiles["description"].tolist()
    partnerships = pd.read_csv(paths["partnerships"], dtype=str, keep_default_na=False)
    assert tuple(partnerships.columns) == PARTNERSHIP_COLUMNS
    assert len(partnerships) == len(data.partnerships)
    truth = pd.read_csv(paths["truth"], dtype=str)
    pd.testing.assert_frame_equal(truth, data.truth.astype(object), check_dtype=False)
    capabilities = pd.read_csv(paths["capabilities"], dtype=str)
    assert capabilities["needs"].map(split_list).tolist() == data.capabilities["needs"].tolist()


def test_catalogue_has_distinct_phrasings_for_every_capability() -> None:
    assert 150 <= len(CATALOGUE) <= 300
    assert len({c.key for c in CATALOGUE}) == len(CATALOGUE)
    for c in CATALOGUE:
        assert c.sector in SECTORS and c.kind in KINDS and c.key.startswith(c.sector + "/")
        assert len(set(c.offers)) == len(c.offers) >= 2 and len(set(c.needs)) == len(c.needs) >= 2
    for sector in SECTORS:
        kinds = [c.kind for c in CATALOGUE if c.sector == sector]
        assert kinds.count("tech") >= 8 and {"funding", "support", "dealflow"} <= set(kinds)


SEED_1_DIGESTS = {
    "profiles": "61aef17c89869a890c290d316b4df756ae467f16c8466568f7f9bffaedf22e2f",
    "partnerships": "377124be6a63421d258a74fb80f2e2f228770f735d91af0a9200f728f4405afe",
    "truth": "9238704493c3f46e1d0d772441a65a1c76866015341bcfe4ae9755ebee369b8a",
    "capabilities": "2df1438debb7bf7c38836956cfc1a14f49e80b89c2912bf2504066a029758699",
}
"""SHA-256 of the files ``write(generate(200, seed=1))`` writes, as the generator made them when its phrase table
was still code. Saved measurements quote synthetic data by seed: an intended change of the phrases or the
model changes these, and says so in its commit."""


def test_a_seed_writes_the_same_files_as_before(tmp_path: Path) -> None:
    paths = write(generate(200, seed=1), tmp_path)
    assert {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in paths.items()} == SEED_1_DIGESTS


@pytest.mark.slow
def test_truth_and_history_hold_at_scale() -> None:
    n = 60_000  # enough planted pairs that many exchanges are reserved and needs are redrawn
    data = generate(n, seed=11)
    assert data.profiles["id"].is_unique and len(data.partnerships) == n
    assert fitting_both_ways(data) == set(zip(data.truth["source_id"], data.truth["target_id"], strict=True))
    assert pd.concat([data.truth["source_id"], data.truth["target_id"]]).is_unique
    assert not unordered(data.truth).isin(unordered(data.partnerships)).any()
    assert data.capabilities["needs"].map(len).between(1, 3).all()
