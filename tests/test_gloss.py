"""Specification of the glossary reading of searches not in English (matcher.gloss) and of its use in encoding a
search (matcher.embed.read_query / encode_query).

Small tables with known readings; the packaged tables are checked for shape and for the issue's own query.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from matcher.api import Matcher
from matcher.bands import calibration_for
from matcher.config import Settings
from matcher.embed import BlendEncoder, TfidfEncoder, encode_query, load_encoder, read_query
from matcher.gloss import GLOSSED_LANGUAGES, Glossary, packaged_glossary, parse_table
from matcher.service.context import Context
from tests.test_embed import CORPUS
from tests.test_embed_language import EnglishOnlyTfidf

TABLES = {
    "ko": {
        "항체": "antibody",
        "약물": "drug",
        "접합체": "conjugate",
        "항체 약물 접합체": "antibody-drug conjugate",
        "위탁생산": "contract manufacturing",
        "칩": "chip",
    },
    "de": {
        "standort": "site",
        "suche": "search",
        "batterie": "battery",
        "material": "materials",
        "start-up": "startup",
        "robotik": "robotics",
        "klinische studie": "clinical trial",
    },
    "es": {
        "capital riesgo": "venture capital",
        "inversor": "investor",
        "terapia celular": "cell therapy",
        "ia": "AI",
        "ee. uu.": "United States",
    },
}


@pytest.fixture
def glossary() -> Glossary:
    return Glossary(TABLES)


# ------------------------------------------------------------------------------------------------- Korean


def test_korean_phrases_match_with_or_without_spaces(glossary: Glossary) -> None:
    assert glossary.read("항체 약물 접합체", "ko").text == "antibody-drug conjugate"
    assert glossary.read("항체약물접합체", "ko").text == "antibody-drug conjugate"


def test_korean_particles_and_unknown_words_are_skipped_and_latin_terms_kept(glossary: Glossary) -> None:
    reading = glossary.read("항체를 위한 GMP 위탁생산을 찾습니다", "ko")
    assert reading.text == "antibody GMP contract manufacturing"
    assert reading.terms == 2  # GMP is kept, not counted as an entry


def test_a_korean_stream_is_split_into_the_entries_that_read_most_of_it() -> None:
    glossary = Glossary({"ko": {"분석기": "analyser", "분석": "analysis", "기술": "technology"}})
    assert glossary.read("분석기술", "ko").text == "analysis technology"  # not "analyser" and an unread syllable
    assert glossary.read("분석기", "ko").text == "analyser"  # the longer entry when it reads as much


def test_a_korean_match_across_a_space_must_cover_whole_words() -> None:
    glossary = Glossary({"ko": {"퇴원": "discharge", "후원": "sponsorship", "원격": "remote"}})
    assert glossary.read("퇴원 후 원격", "ko").text == "discharge remote"


def test_a_one_syllable_korean_entry_matches_only_a_whole_word(glossary: Glossary) -> None:
    assert glossary.read("칩과 칩셋", "ko").text == "chip"  # 칩 + particle 과 reads; 칩셋 (chipset) does not


# ------------------------------------------------------------------------------------------------- German


def test_german_endings_and_case_are_folded(glossary: Glossary) -> None:
    assert glossary.read("Batterien und Materialien", "de").text == "battery materials"


def test_a_german_compound_is_read_by_its_known_parts(glossary: Glossary) -> None:
    assert glossary.read("Standortsuche für Batteriematerialien", "de").text == "site search battery materials"


def test_hyphens_part_german_words_and_hyphenated_entries_still_match(glossary: Glossary) -> None:
    assert glossary.read("Robotik-Start-up", "de").text == "robotics startup"


def test_a_german_phrase_matches_with_an_inflected_last_word(glossary: Glossary) -> None:
    assert glossary.read("klinische Studien", "de").text == "clinical trial"


# ------------------------------------------------------------------------------------------------ Spanish


def test_spanish_phrases_match_in_the_plural_and_without_accents(glossary: Glossary) -> None:
    reading = glossary.read("inversores de capital riesgo para terapias celulares", "es")
    assert reading.text == "investor venture capital cell therapy"


def test_a_spanish_plural_is_read_as_the_singular_the_table_knows() -> None:
    glossary = Glossary({"es": {"energía renovable": "renewable energy", "gas": "gas", "análisis": "analysis"}})
    assert glossary.read("energías renovables, gases y análisis", "es").text == "renewable energy gas analysis"


def test_a_tables_own_acronyms_are_read_before_capitals_are_kept(glossary: Glossary) -> None:
    assert glossary.read("inversores de IA en EE. UU. con GMP", "es").text == "investor AI United States GMP"


def test_a_german_word_half_unknown_is_not_read_by_a_chance_part() -> None:
    glossary = Glossary({"de": {"bund": "federal government", "dienstleistung": "service"}})
    assert glossary.read("Bundesliga", "de").text == ""  # bund covers 4 of 10 letters
    assert glossary.read("Kalibrierdienstleistungen", "de").text == "service"  # 14 of 25


def test_a_very_long_german_word_is_not_split(glossary: Glossary) -> None:
    assert glossary.read("batterie" * 250, "de").text == ""  # 2,000 letters: no compound, and no quadratic split


# ---------------------------------------------------------------------------------------------- every text


def test_a_bracket_stays_with_a_term_only_when_it_opened_in_it(glossary: Glossary) -> None:
    assert glossary.read("FDA 510(k) und (CCS)", "de").text == "FDA 510(k) CCS"


def test_coverage_is_the_share_of_letters_read(glossary: Glossary) -> None:
    assert glossary.read("항체 위탁생산", "ko").coverage == pytest.approx(1.0)
    assert glossary.read("항체 양자컴퓨터", "ko").coverage == pytest.approx(2 / 7)


@pytest.mark.parametrize("language", ["en", "fr", "und"])
def test_a_language_without_a_table_reads_nothing(glossary: Glossary, language: str) -> None:
    assert glossary.read("antibody contract manufacturing", language).text == ""


# A request written with its context: who, where and why, in words no technical glossary holds.
CONTEXT = "Petrochemiekomplex Südchungcheong Anlagensicherheit Treppenbereiche"


def test_a_reading_of_six_entries_stands_in_from_a_lower_coverage(glossary: Glossary) -> None:
    text = f"Standort Suche Batterie Material Robotik Start-up {CONTEXT}"
    assert glossary.read(text, "de").coverage == pytest.approx(0.4, abs=0.02)
    assert glossary.stand_in(text, "de") == "site search battery materials robotics startup"


def test_a_reading_of_five_entries_needs_half_of_the_text(glossary: Glossary) -> None:
    text = "Standort Suche Batterie Material Robotik Petrochemiekomplex Südchungcheong Anlagensicherheit Treppen"
    assert glossary.read(text, "de").coverage == pytest.approx(0.4, abs=0.02)
    assert glossary.stand_in(text, "de") == ""


# Keyword searches have no function word to detect their language by (langid: "und").


def test_an_undetermined_text_a_table_reads_is_read_in_that_language(glossary: Glossary) -> None:
    assert glossary.reads_as("Batterie Robotik Standortsuche") == "de"
    assert glossary.stand_in("Batterie Robotik Standortsuche", "und") == "battery robotics site search"


def test_an_undetermined_text_in_the_tables_english_stays_undetermined(glossary: Glossary) -> None:
    assert glossary.reads_as("battery materials robotics") is None


def test_an_undetermined_text_in_english_plurals_stays_undetermined(glossary: Glossary) -> None:
    assert glossary.reads_as("batteries materials") is None  # German endings read both too


def test_an_undetermined_text_with_an_english_function_word_stays_undetermined() -> None:
    # A CORDIS description: "und" and "is" tie, and the capitals read as German.
    assert packaged_glossary().reads_as("BERLINER NANOTEST UND DESIGN GMBH is a company based in Berlin, DE.") is None


def test_an_undetermined_text_no_table_reads_well_stays_undetermined(glossary: Glossary) -> None:
    assert glossary.reads_as("Batterie xyzzy qwerty foobar") is None


def test_workspace_entries_add_to_and_replace_the_tables(glossary: Glossary) -> None:
    extended = glossary.with_entries({"ko": {"칩": "microchip", "양자컴퓨터": "quantum computer"}})
    assert extended.read("칩 양자컴퓨터", "ko").text == "microchip quantum computer"
    assert glossary.read("칩 양자컴퓨터", "ko").text == "chip"  # the original is unchanged


def test_a_malformed_table_line_is_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="matcher.gloss"):
        entries = parse_table("# comment\n항체\tantibody\nno tab\n\tempty term\n위탁생산\t\n", "ko.tsv")
    assert entries == {"항체": "antibody"}
    assert ["line 3" in m or "line 4" in m or "line 5" in m for m in caplog.messages] == [True, True, True]


# ----------------------------------------------------------------------------------------- packaged tables


def test_every_language_ships_a_table_of_some_size() -> None:
    tables = packaged_glossary().tables
    assert set(tables) == set(GLOSSED_LANGUAGES)
    assert all(len(entries) >= 500 for entries in tables.values()), {k: len(v) for k, v in tables.items()}
    assert all(english.strip() for entries in tables.values() for english in entries.values())


def test_the_packaged_glossary_reads_a_german_keyword_search_as_german() -> None:
    # From the blind query set (tests/data/multilingual/blind_queries.csv, de-b03): "und" to language detection.
    assert packaged_glossary().reads_as("Mikronadelpflaster kontinuierliche Laktatmessung Intensivstation") == "de"


def test_the_packaged_glossary_reads_the_issues_own_korean_query() -> None:
    reading = packaged_glossary().read("항체 약물 접합체 GMP 위탁생산", "ko")
    assert "GMP" in reading.text and "contract" in reading.text and "conjugate" in reading.text
    assert reading.coverage == pytest.approx(1.0)


# -------------------------------------------------------------------------------- encoding a search with it


@pytest.fixture
def parts() -> tuple[EnglishOnlyTfidf, TfidfEncoder]:
    """An English-only part and a multilingual one: real (fitted TF-IDF) encoders with known vocabularies."""
    return EnglishOnlyTfidf(n_components=4).fit(CORPUS), TfidfEncoder(n_components=5).fit([*CORPUS, "항체 위탁생산"])


@pytest.fixture
def blend(parts: tuple[EnglishOnlyTfidf, TfidfEncoder], glossary: Glossary) -> BlendEncoder:
    return BlendEncoder(list(parts), glossary=glossary)


def test_a_glossed_search_is_read_by_the_whole_blend_on_its_own_scale(blend: BlendEncoder, glossary: Glossary) -> None:
    reading = read_query(blend, "항체 약물 접합체 위탁생산", glossary)
    assert (reading.language, reading.gloss, reading.route) == (
        "ko",
        "antibody-drug conjugate contract manufacturing",
        blend,
    )


def test_the_english_only_part_reads_the_gloss_and_the_others_the_text(blend: BlendEncoder, glossary: Glossary) -> None:
    english, multilingual = blend.encoders
    encoded = encode_query(blend, "항체 위탁생산", glossary)
    expected = np.hstack([english.encode(["antibody contract manufacturing"]), multilingual.encode(["항체 위탁생산"])])
    np.testing.assert_allclose(encoded.vector, expected / np.linalg.norm(expected), atol=1e-6)
    assert (encoded.scale, encoded.model, encoded.gloss) == (1.0, blend.name, "antibody contract manufacturing")


def test_a_search_the_glossary_hardly_reads_goes_to_the_multilingual_part(
    blend: BlendEncoder, glossary: Glossary
) -> None:
    reading = read_query(blend, "항체 이중특이성 플랫폼 기술이전", glossary)  # one word of five is known
    assert reading.gloss == "" and reading.route is blend.encoders[1]


def test_an_english_only_index_reads_the_gloss_alone(glossary: Glossary) -> None:
    english = EnglishOnlyTfidf(n_components=4).fit(CORPUS)
    encoded = encode_query(english, "항체 위탁생산", glossary)
    np.testing.assert_allclose(encoded.vector, english.encode(["antibody contract manufacturing"]), atol=1e-6)


def test_a_german_keyword_search_is_read_as_german(blend: BlendEncoder, glossary: Glossary) -> None:
    reading = read_query(blend, "Batterie Robotik Standortsuche", glossary)
    assert (reading.language, reading.gloss) == ("de", "battery robotics site search")


def test_an_english_search_is_not_glossed(blend: BlendEncoder, glossary: Glossary) -> None:
    assert read_query(blend, CORPUS[3], glossary).gloss == ""


# ------------------------------------------------------------------------------ a blend reading its own texts


def test_a_blends_english_only_part_reads_a_korean_text_through_the_glossary(blend: BlendEncoder) -> None:
    english, multilingual = blend.encoders
    expected = np.hstack([english.encode(["antibody contract manufacturing"]), multilingual.encode(["항체 위탁생산"])])
    np.testing.assert_allclose(blend.encode(["항체 위탁생산"]), expected / np.linalg.norm(expected), atol=1e-6)


def test_a_blend_reads_english_texts_as_they_are(blend: BlendEncoder) -> None:
    unglossed = BlendEncoder(blend.encoders, glossary=None)
    np.testing.assert_allclose(blend.encode(CORPUS), unglossed.encode(CORPUS), atol=1e-6)


def test_a_blends_name_carries_its_glossarys_version(blend: BlendEncoder, glossary: Glossary) -> None:
    other = glossary.with_entries({"ko": {"칩": "microchip"}})
    names = {BlendEncoder(blend.encoders, glossary=g).name for g in (glossary, other, None)}
    assert len(names) == 3 and blend.name.endswith(f"+gloss-{glossary.version}")


def test_a_blend_without_an_english_only_part_has_no_glossary_in_its_name(glossary: Glossary) -> None:
    plain = [TfidfEncoder(n_components=4).fit(CORPUS), TfidfEncoder(n_components=5).fit(CORPUS)]
    assert "+gloss" not in BlendEncoder(plain, glossary=glossary).name


def test_the_default_blend_reads_through_the_packaged_glossary_and_keeps_its_calibration() -> None:
    blend = load_encoder("minilm+use-m3", lazy=True)
    assert blend.name.endswith(f"+gloss-{packaged_glossary().version}")
    assert calibration_for(blend.name) is calibration_for("minilm+use-m3")


# ------------------------------------------------------------------------------------- a workspace's own tables


def workspace_with_tables(root: Path, **tables: str) -> Context:
    """A workspace whose ``glossary/`` folder holds ``tables`` (file name -> text)."""
    (root / "glossary").mkdir(parents=True)
    for name, text in tables.items():
        (root / "glossary" / name).write_text(text, encoding="utf-8")
    return Context(root, settings=Settings(home=root, encoder="minilm+use-m3"))


def test_a_workspace_table_adds_and_replaces_entries(tmp_path: Path) -> None:
    context = workspace_with_tables(tmp_path / "ws", **{"ko.tsv": "떡볶이\ttteokbokki\n항체\tantibodies\n"})
    assert context.glossary is not None
    assert context.glossary.read("떡볶이 항체", "ko").text == "tteokbokki antibodies"
    assert packaged_glossary().read("항체", "ko").text == "antibody"  # the packaged tables are unchanged


def test_a_workspace_table_renames_the_blend_so_its_texts_are_embedded_again(tmp_path: Path) -> None:
    plain = Context(tmp_path / "plain", settings=Settings(home=tmp_path / "plain", encoder="minilm+use-m3"))
    edited = workspace_with_tables(tmp_path / "ws", **{"de.tsv": "Laktat\tlactate\n"})
    assert plain.encoder.name != edited.encoder.name
    assert edited.encoder.name.endswith(f"+gloss-{edited.workspace_glossary.version}")


def test_a_workspace_file_that_is_no_table_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    context = workspace_with_tables(tmp_path / "ws", **{"fr.tsv": "puce\tchip\n"})
    (tmp_path / "ws" / "glossary" / "es.tsv").write_bytes("chip\tmicrochip\nca\xf1a\tcane\n".encode("cp1252"))
    with caplog.at_level(logging.WARNING, logger="matcher.service.context"):
        glossary = context.workspace_glossary
    assert glossary.version == packaged_glossary().version
    assert any("fr.tsv skipped" in m for m in caplog.messages) and any("not UTF-8" in m for m in caplog.messages)


def test_the_workspaces_own_entries_are_counted_in_its_stats(tmp_path: Path) -> None:
    workspace_with_tables(tmp_path / "ws", **{"ko.tsv": "떡볶이\ttteokbokki\n항체\tantibodies\n"})
    matcher = Matcher(tmp_path / "ws", settings=Settings(home=tmp_path / "ws", encoder="minilm+use-m3"))
    assert matcher.stats()["glossary_entries"] == {"ko": 2}
