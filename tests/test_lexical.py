"""Lexical matching in every script: English terms exactly as before, Hangul by character n-grams, names by part."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from matcher.candidates import LexicalIndex, lexical_documents
from matcher.embed import TfidfEncoder
from matcher.evaluate import Fold, TfidfRanker
from matcher.lexical import Analyzer, fold_name, name_matches
from matcher.schema import FACETS


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2)])
def test_english_profiles_get_exactly_scikit_learns_terms(demo_dir: Path, ngram_range: tuple[int, int]) -> None:
    profiles = pd.read_csv(demo_dir / "profiles.csv", dtype=str, keep_default_na=False)
    profiles[["sectors", "technologies"]] = profiles[["sectors", "technologies"]].map(lambda v: tuple(v.split(";")))
    docs = lexical_documents(profiles)
    sklearn = TfidfVectorizer(ngram_range=ngram_range, stop_words="english").build_analyzer()
    ours = Analyzer(ngram_range)
    assert [ours(doc) for doc in docs] == [sklearn(doc) for doc in docs]


def test_a_hangul_run_becomes_character_bigrams_and_trigrams() -> None:
    assert Analyzer()("세종바이오") == ["세종", "종바", "바이", "이오", "세종바", "종바이", "바이오"]


def test_a_one_character_hangul_word_stays_whole_and_latin_words_keep_their_rules() -> None:
    assert Analyzer()("빛 the GaN 칩 a") == ["gan", "빛", "칩"]


def test_full_width_latin_is_read_as_latin() -> None:
    assert Analyzer()("ＧＭＰ 생산") == ["gmp", "생산"]


def test_a_bad_ngram_range_is_refused() -> None:
    with pytest.raises(ValueError, match="ngram_range"):
        Analyzer((2, 1))("text")


def korean_frame(names: list[str], technologies: list[tuple[str, ...]]) -> pd.DataFrame:
    n = len(names)
    return pd.DataFrame(
        {"name": names, "sectors": [()] * n, "technologies": technologies, "offers": [""] * n, "seeks": [""] * n}
    )


def test_the_lexical_channel_matches_part_of_a_hangul_name() -> None:
    catalogue = korean_frame(["세종바이오로직스", "한빛소재", "대덕전자"], [(), (), ()])
    lex = LexicalIndex().fit(catalogue)
    scores = lex.scores(lex.transform(korean_frame(["세종"], [()]))).toarray()[0]
    assert np.flatnonzero(scores).tolist() == [0]


def test_the_lexical_channel_matches_a_korean_technology_across_spacing_and_particles() -> None:
    catalogue = korean_frame(["A", "B", "C"], [("항체약물접합체",), ("이차전지 양극재",), ("항체 신약",)])
    lex = LexicalIndex().fit(catalogue)
    scores = lex.scores(lex.transform(korean_frame(["Q"], [("항체 약물 접합체를",)]))).toarray()[0]
    assert scores[0] > scores[2] > 0 and scores[1] == 0


def test_the_tfidf_encoder_reads_a_korean_word_inside_a_compound() -> None:
    encoder = TfidfEncoder(n_components=2).fit(["항체약물접합체 위탁생산", "이차전지 양극재 소재", "양자컴퓨터 큐비트"])
    assert np.abs(encoder.encode(["항체"])).sum() > 0


def test_the_tfidf_baseline_ranks_the_korean_profile_that_shares_the_compound_first() -> None:
    ids = ["a", "b", "c", "d"]
    profiles = pd.DataFrame(
        {
            "id": ids,
            "name": ["가", "나", "다", "라"],
            "org_type": ["company"] * 4,
            "city": ["Daejeon", "Seattle", "Dortmund", "Málaga"],
            "country": ["KR", "US", "DE", "ES"],
            "sectors": [()] * 4,
            "offers": ["항체약물접합체 위탁생산", "이차전지 양극재", "양자 센서", "항체 약물 접합체 임상 시료"],
            "seeks": [""] * 4,
            "description": [""] * 4,
        }
    )
    vectors = {facet: np.eye(4, dtype=np.float32) for facet in FACETS}
    fold = Fold(profiles, vectors, pd.DataFrame(columns=["source_id", "target_id"]), pd.DataFrame(), name="ko")
    assert TfidfRanker().fit(fold, "any").rank(["a"], 3)[0][0] == "d"


@pytest.mark.parametrize(
    ("fragment", "found"),
    [("세종", [True, False, False]), ("바이오로직스", [True, False, False]), ("malaga", [False, False, True])],
)
def test_names_are_found_by_any_part_in_any_script(fragment: str, found: list[bool]) -> None:
    assert name_matches(["세종 바이오로직스", "Sejong Tech", "Málaga-Tech"], fragment).tolist() == found


def test_name_folding_keeps_hangul_and_drops_latin_accents_case_and_spacing() -> None:
    assert (fold_name("세종 바이오"), fold_name("Málaga-TECH")) == ("세종바이오", "malagatech")
