"""The held-out cross-language calibration queries (tests/data/multilingual/calibration_queries.csv, issue #12) are
well formed, separate from the evaluation set, and enough to set a floor from.

Read through their loader, bench/calibration_set.py, whose checks are tested here too (on broken copies). No model
runs: bench/bench_bands.py ``--across`` measures with them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scripts import load_script

from matcher.bands import BandScale
from matcher.errors import InputError
from matcher.langid import detect_language

mset = load_script("bench/multilingual_set.py")  # registered first: the scripts below import it by this name
cset = load_script("bench/calibration_set.py")
load_script("bench/results.py")
bands = load_script("bench/bench_bands.py")


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return mset.load_demo()


@pytest.fixture(scope="module")
def calibration(demo: pd.DataFrame) -> pd.DataFrame:
    return cset.load_calibration(demo=demo)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of the calibration file that a test may break."""
    path = tmp_path / "calibration_queries.csv"
    path.write_bytes(cset.CALIBRATION.read_bytes())
    return path


def _edit(path: Path, query_id: str, column: str, value: str) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame["query_id"] == query_id, column] = value
    frame.to_csv(path, index=False)


@pytest.mark.parametrize("language", ["ko", "de", "es"])
def test_each_language_has_at_least_15_searches_with_expected_profiles(
    calibration: pd.DataFrame, language: str
) -> None:
    rows = calibration[calibration["language"] == language]
    assert (~rows["nonsense"]).sum() >= 15


@pytest.mark.parametrize("language", ["ko", "de", "es"])
def test_each_language_has_at_least_10_nonsense_queries(calibration: pd.DataFrame, language: str) -> None:
    rows = calibration[calibration["language"] == language]
    assert rows["nonsense"].sum() >= 10


def test_every_expected_id_is_a_demo_profile(calibration: pd.DataFrame, demo: pd.DataFrame) -> None:
    expected = {pid for ids in calibration["expected_ids"] for pid in ids}
    assert expected and expected <= set(demo["id"])


def test_query_ids_tell_nonsense_from_searches(calibration: pd.DataFrame) -> None:
    """``ko-c01`` expects profiles, ``ko-n01`` expects none."""
    assert calibration["query_id"].str.contains("-n").eq(calibration["nonsense"]).all()
    assert calibration["query_id"].str.fullmatch(r"(ko|de|es)-[cn]\d\d").all()


def test_the_set_shares_no_query_with_the_evaluation_set(calibration: pd.DataFrame, demo: pd.DataFrame) -> None:
    evaluation = mset.load_queries(demo=demo)
    assert not set(calibration["query_id"]) & set(evaluation["query_id"])
    assert not set(calibration["text"].str.casefold()) & set(evaluation["text"].str.casefold())


def test_no_search_expects_a_profile_translated_into_its_own_language(calibration: pd.DataFrame) -> None:
    """So every labelled hit stays cross-language in the mixed-language demo too."""
    translated = set(zip(*(mset.load_profiles()[column] for column in ("id", "language")), strict=True))
    same = [
        (row.query_id, pid)
        for row in calibration.itertuples()
        for pid in row.expected_ids
        if (pid, row.language) in translated
    ]
    assert not same


def test_every_search_with_expected_profiles_is_read_in_its_language(calibration: pd.DataFrame) -> None:
    """matcher.langid sends them to USE alone on a minilm+use-m3 index: the floor they set is the one they meet."""
    labelled = calibration[~calibration["nonsense"]]
    assert (labelled["text"].map(detect_language) == labelled["language"]).all()


def test_the_file_is_utf8_without_a_byte_order_mark() -> None:
    raw = cset.CALIBRATION.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    raw.decode("utf-8")


def test_the_loader_rejects_an_unknown_expected_id(broken: Path, demo: pd.DataFrame) -> None:
    _edit(broken, "de-c05", "expected_ids", "dj-tech-999")
    with pytest.raises(InputError, match=r"de-c05: expected id\(s\) \['dj-tech-999'\] are not demo ids"):
        cset.load_calibration(demo=demo, path=broken)


def test_the_loader_rejects_a_korean_query_written_in_latin_letters(broken: Path, demo: pd.DataFrame) -> None:
    _edit(broken, "ko-c05", "text", "microalgae contract cultivation")
    with pytest.raises(InputError, match="ko-c05: the Korean query is only 0% Hangul"):
        cset.load_calibration(demo=demo, path=broken)


def test_the_loader_rejects_a_duplicate_query_id(broken: Path, demo: pd.DataFrame) -> None:
    _edit(broken, "es-n02", "query_id", "es-n01")
    with pytest.raises(InputError, match=r"duplicate query ids \['es-n01'\]"):
        cset.load_calibration(demo=demo, path=broken)


def test_where_nonsense_reaches_the_expected_hits_they_are_kept_and_the_mixed_zone_is_weak() -> None:
    """Nonsense as high as the lowest tenth of the expected hits (as across languages): the weak floor still keeps
    90 % of the expected hits, and nothing under the step above every nonsense hit is called "possible"."""
    expected = bands.Scores(np.array([0.25, 0.30, 0.40, 0.45, 0.50]), np.array([]))
    floors = bands.choose_search(expected, nonsense_top=np.array([0.12, 0.32]))
    assert floors == {"strong": 0.4, "possible": 0.35, "weak": 0.25}
    BandScale(**floors)


def test_the_search_rule_keeps_the_english_floors_when_nonsense_stays_low() -> None:
    expected = bands.Scores(np.array([0.25, 0.30, 0.40, 0.45, 0.50]), np.array([]))
    assert bands.choose_search(expected, nonsense_top=np.array([0.12, 0.21])) == {
        "strong": 0.4, "possible": 0.25, "weak": 0.25,
    }  # fmt: skip
