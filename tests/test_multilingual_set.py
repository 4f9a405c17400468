"""The cross-language evaluation set (tests/data/multilingual/, issue #12) is well formed and cannot silently rot.

Read through its loader, bench/multilingual_set.py, whose checks are tested here too (on broken copies of the set).
No model runs: this is about the data, not about how well any encoder does on it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from scripts import load_script

from matcher.errors import InputError

REPO = Path(__file__).resolve().parents[1]
SET_DIR = REPO / "tests" / "data" / "multilingual"
CARD = REPO / "data" / "README.md"
CITY_LANGUAGE = {"dj": "ko", "do": "de", "ma": "es"}
"""Daejeon writes Korean, Dortmund German, Málaga Spanish (the id's city code first)."""
DEMO_PROFILE_COLUMNS = [
    "id", "name", "org_type", "city", "country", "sectors", "description", "offers", "seeks",
    "website", "employees", "founded", "stage", "technologies", "languages",
]  # fmt: skip


mset = load_script("bench/multilingual_set.py")


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return mset.load_demo()


@pytest.fixture(scope="module")
def profiles(demo: pd.DataFrame) -> pd.DataFrame:
    return mset.load_profiles(demo=demo)


@pytest.fixture(scope="module")
def queries(demo: pd.DataFrame) -> pd.DataFrame:
    return mset.load_queries(demo=demo)


@pytest.fixture
def broken_copy(tmp_path: Path) -> Path:
    """A copy of the set's folder that a test may break."""
    folder = tmp_path / "multilingual"
    shutil.copytree(SET_DIR, folder)
    return folder


def _planted_pairs() -> list[tuple[str, str]]:
    """The (seeker, provider) rows of the demo card's planted-pairs table."""
    card = CARD.read_text(encoding="utf-8")
    section = card[card.index("<!-- planted:start -->") : card.index("<!-- planted:end -->")]
    return re.findall(r"^\| \d+ \| `([\w-]+)` \| `([\w-]+)` \|", section, flags=re.MULTILINE)


def test_every_profile_is_a_demo_profile(profiles: pd.DataFrame, demo: pd.DataFrame) -> None:
    assert set(profiles["id"]) <= set(demo["id"])


@pytest.mark.parametrize("language", ["ko", "de", "es"])
def test_each_language_has_at_least_14_profiles(profiles: pd.DataFrame, language: str) -> None:
    assert (profiles["language"] == language).sum() >= 14


def test_translations_come_from_the_city_that_speaks_the_language(profiles: pd.DataFrame) -> None:
    cities = profiles["id"].str[:2].map(CITY_LANGUAGE)
    assert (cities == profiles["language"]).all()


def test_every_planted_organisation_of_the_three_cities_is_translated(profiles: pd.DataFrame) -> None:
    pairs = _planted_pairs()
    assert len(pairs) >= 32  # the card's table was read (32 pairs when the set was written)
    members = {pid for pair in pairs for pid in pair if pid[:2] in CITY_LANGUAGE}
    translated = set(zip(profiles["id"], profiles["language"], strict=True))
    assert {(pid, CITY_LANGUAGE[pid[:2]]) for pid in members} <= translated


def test_the_set_is_not_only_biotech(profiles: pd.DataFrame) -> None:
    domains = profiles["id"].str.split("-").str[1]
    assert (domains == "tech").sum() >= len(profiles) / 3


def test_korean_texts_are_written_in_hangul(profiles: pd.DataFrame, queries: pd.DataFrame) -> None:
    korean = profiles[profiles["language"] == "ko"]
    texts = [*korean["description"], *korean["offers"], *korean["seeks"]]
    texts += list(queries.loc[queries["language"] == "ko", "text"])
    assert min(mset.hangul_share(text) for text in texts) >= 0.5


def test_translated_texts_differ_from_the_english_ones(profiles: pd.DataFrame, demo: pd.DataFrame) -> None:
    english = demo.set_index("id")
    for column in mset.TEXT_COLUMNS:
        assert not (profiles[column].to_numpy() == english.loc[profiles["id"], column].to_numpy()).any()


@pytest.mark.parametrize("language", ["ko", "de", "es"])
def test_each_language_has_at_least_12_queries(queries: pd.DataFrame, language: str) -> None:
    assert (queries["language"] == language).sum() >= 12


@pytest.mark.parametrize("name", ["blind_queries.csv", "blind_queries_2.csv"])
def test_a_blind_set_passes_the_same_checks_with_14_searches_per_language_and_distinct_targets(
    demo: pd.DataFrame, name: str
) -> None:
    blind = mset.load_queries(demo=demo, name=name)
    assert blind["language"].value_counts().to_dict() == {"ko": 14, "de": 14, "es": 14}
    assert blind["expected_ids"].str[0].is_unique


def test_every_query_expects_existing_demo_profiles(queries: pd.DataFrame, demo: pd.DataFrame) -> None:
    assert all(len(expected) >= 1 for expected in queries["expected_ids"])
    assert {pid for expected in queries["expected_ids"] for pid in expected} <= set(demo["id"])


def test_queries_cross_languages(queries: pd.DataFrame, profiles: pd.DataFrame) -> None:
    """No query expects a profile translated into its own language: it stays cross-language in the mixed demo."""
    translated = set(zip(profiles["id"], profiles["language"], strict=True))
    same = [
        (row.query_id, pid)
        for row in queries.itertuples()
        for pid in row.expected_ids
        if (pid, row.language) in translated
    ]
    assert not same


def test_at_most_a_third_of_the_queries_lean_on_a_latin_token(queries: pd.DataFrame) -> None:
    assert queries["latin_anchor"].sum() <= len(queries) / 3


def test_latin_anchor_marks_exactly_the_queries_sharing_a_latin_token(
    queries: pd.DataFrame, demo: pd.DataFrame
) -> None:
    english = demo.set_index("id")
    for row in queries.itertuples():
        texts = [english.at[pid, column] for pid in row.expected_ids for column in mset.ANCHOR_TEXT_COLUMNS]
        assert bool(mset.shared_latin_tokens(row.text, texts)) == row.latin_anchor, row.query_id


def test_latin_tokens_split_hyphens_and_skip_function_words() -> None:
    assert mset.latin_tokens("Partner für LiDAR-Sensorfusion in Dortmund") == {
        "partner", "für", "lidar", "sensorfusion", "dortmund",
    }  # fmt: skip
    assert mset.latin_tokens("항체 약물 접합체") == set()


def test_hangul_share_counts_letters_only() -> None:
    assert mset.hangul_share("GMP 생산 2026") == pytest.approx(0.4)
    assert mset.hangul_share("12 345") == 0.0


def test_files_are_utf8_without_a_byte_order_mark() -> None:
    named = ("queries.csv", "blind_queries.csv", "blind_queries_2.csv", "mixed_profile_ko.csv")
    for path in [*SET_DIR.glob("profiles_*.csv"), *(SET_DIR / name for name in named)]:
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), path.name
        raw.decode("utf-8")


def test_the_korean_profile_has_every_demo_column_and_a_korean_city() -> None:
    frame = pd.read_csv(SET_DIR / "mixed_profile_ko.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns) == DEMO_PROFILE_COLUMNS
    row = frame.iloc[0]
    assert (len(frame), row["city"], row["country"]) == (1, "대전", "KR")
    assert "GMP" in row["seeks"] and mset.hangul_share(row["seeks"]) >= 0.5


@pytest.mark.parametrize(
    ("name", "encoding"), [("mixed_profile_ko_cp949.csv", "cp949"), ("mixed_profile_ko_euckr.csv", "euc_kr")]
)
def test_the_legacy_copies_hold_the_same_text_in_their_encoding(name: str, encoding: str) -> None:
    raw = (SET_DIR / name).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode(encoding) == (SET_DIR / "mixed_profile_ko.csv").read_text(encoding="utf-8")


def test_mixed_demo_swaps_in_the_translated_texts_only(demo: pd.DataFrame, profiles: pd.DataFrame) -> None:
    mixed = mset.mixed_demo(demo, profiles).set_index("id")
    translated = profiles.set_index("id")
    assert mixed.at["dj-bio-001", "seeks"] == translated.at["dj-bio-001", "seeks"]
    assert mixed.at["dj-bio-001", "name"] == "Hanbit Bioworks"
    untouched = sorted(set(demo["id"]) - set(profiles["id"]))
    assert mixed.loc[untouched, "seeks"].tolist() == demo.set_index("id").loc[untouched, "seeks"].tolist()


def test_mixed_demo_refuses_two_languages_for_one_id(demo: pd.DataFrame, profiles: pd.DataFrame) -> None:
    doubled = pd.concat([profiles, profiles.iloc[[0]].assign(language="de")], ignore_index=True)
    with pytest.raises(InputError, match="more than one language"):
        mset.mixed_demo(demo, doubled)


def test_the_loader_rejects_a_wrong_latin_anchor(broken_copy: Path, demo: pd.DataFrame) -> None:
    path = broken_copy / "queries.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame["query_id"] == "ko-02", "latin_anchor"] = "true"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match="ko-02: latin_anchor is true but the shared tokens are"):
        mset.load_queries(demo=demo, folder=broken_copy)


def test_the_loader_rejects_an_unknown_expected_id(broken_copy: Path, demo: pd.DataFrame) -> None:
    path = broken_copy / "queries.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame["query_id"] == "es-01", "expected_ids"] = "se-bio-999"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"es-01: expected id\(s\) \['se-bio-999'\] are not demo ids"):
        mset.load_queries(demo=demo, folder=broken_copy)


def test_the_loader_rejects_an_untranslated_text(broken_copy: Path, demo: pd.DataFrame) -> None:
    path = broken_copy / "profiles_ko.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame["id"] == "dj-tech-006", "offers"] = "A licensable LiDAR SLAM stack, translated later."
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match="dj-tech-006: offers is only 0% Hangul"):
        mset.load_profiles(["ko"], demo=demo, folder=broken_copy)


def test_the_loader_rejects_an_empty_text(broken_copy: Path, demo: pd.DataFrame) -> None:
    path = broken_copy / "profiles_es.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame["id"] == "ma-bio-001", "seeks"] = " "
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match="ma-bio-001: seeks is empty but the English one is not"):
        mset.load_profiles(["es"], demo=demo, folder=broken_copy)


def test_the_loader_rejects_an_unknown_language(demo: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="unknown language"):
        mset.load_profiles(["fr"], demo=demo)


def test_the_two_blind_sets_share_no_target(demo: pd.DataFrame) -> None:
    first, second = (mset.load_queries(demo=demo, name=name) for name in ("blind_queries.csv", "blind_queries_2.csv"))
    assert not {ids[0] for ids in first["expected_ids"]} & {ids[0] for ids in second["expected_ids"]}
