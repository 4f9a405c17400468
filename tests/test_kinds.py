"""Which kinds of organisation a search asks for (matcher.kinds): words in four languages, and the writer's own
kind left out."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

import pytest

from matcher.api import Matcher
from matcher.config import Settings
from matcher.kinds import KIND_TYPES, KindReader
from matcher.resources import data_text
from matcher.service.context import Context

VOCABULARY = """
[kinds.investor]
en = ["investor", "investors", "vc"]
de = ["investor", "risikokapitalgeber"]
[kinds.hospital]
en = ["hospital", "university hospital"]
ko = ["병원"]
es = ["hospital", "una clínica"]
[kinds.university]
en = ["university"]
de = ["universität"]
[asker]
en = ["we are", "we're"]
ko = ["저희는"]
es = ["somos"]
[spin_off]
en = ["spin-off"]
ko = ["분사"]
[seeks]
en = ["looking for", "seeks"]
es = ["busca", "buscamos"]
"""


@pytest.fixture(scope="module")
def reader() -> KindReader:
    return KindReader.from_toml(VOCABULARY)


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Seed investor for a robotics startup", ("investor",)),
        ("뇌졸중 임상 평가가 가능한 대학병원을 찾습니다", ("hospital",)),  # a compound's end, then a particle
        ("Frühphaseninvestor für ein Robotik-Start-up", ("investor",)),  # a German compound's end
        ("Risikokapitalgebern vorgestellt werden", ("investor",)),  # with a German ending
        ("busco una clínica para un estudio", ("hospital",)),
        ("a university hospital or a VC", ("investor", "hospital")),  # the longer phrase: no university
    ],
)
def test_a_kind_is_read_in_each_language(reader: KindReader, text: str, kinds: tuple[str, ...]) -> None:
    assert reader.read(text) == kinds


def test_the_start_of_a_german_compound_is_no_kind(reader: KindReader) -> None:
    assert reader.read("Universitätsausgründung sucht Lohnhersteller") == ()


def test_a_korean_word_that_only_contains_a_kind_is_no_kind(reader: KindReader) -> None:
    assert reader.read("병원성 미생물 검출 키트") == ()  # 병원성: pathogenic


def test_the_writers_own_kind_is_not_what_they_want(reader: KindReader) -> None:
    assert reader.read("We are a VC looking for a hospital") == ("hospital",)
    assert reader.read("저희는 병원 연구팀입니다") == ()


def test_a_verb_of_seeking_after_the_self_description_keeps_the_kind(reader: KindReader) -> None:
    assert reader.read("We are looking for an investor") == ("investor",)


def test_a_kind_before_a_spin_off_word_is_the_writers_origin(reader: KindReader) -> None:
    assert reader.read("university spin-off with an ADC") == ()
    assert reader.read("병원에서 분사한 스타트업") == ()  # any ending on a Korean marker


def test_a_kind_right_before_a_verb_of_seeking_is_the_writer(reader: KindReader) -> None:
    assert reader.read("Hospital busca proveedor de teleasistencia") == ()
    assert reader.read("An investor for a startup that seeks GMP capacity") == ("investor",)  # not right before


def test_after_a_colon_the_details_do_not_name_the_kind(reader: KindReader) -> None:
    assert reader.read("market entry in Korea: approval, hospital pilots, distribution") == ()
    assert reader.read("Somos la oficina de inversiones: buscamos un hospital") == ("hospital",)


def test_the_packaged_vocabulary_names_every_kind_in_four_languages() -> None:
    table = tomllib.loads(data_text("kinds.toml"))
    assert set(table["kinds"]) == set(KIND_TYPES)
    for kind, languages in table["kinds"].items():
        assert set(languages) == {"en", "ko", "de", "es"}, kind
        assert all(len(words) >= 10 for words in languages.values()), kind


def test_a_spanish_adjective_clinica_is_no_clinic() -> None:
    assert KindReader.packaged().read("acceso a historias clínicas anonimizadas para investigación clínica") == ()


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        KindReader.from_toml('[kinds.bakery]\nen = ["bakery"]')


def test_a_search_of_the_longest_allowed_length_is_read() -> None:
    text = ("Wir sind ein Forschungsinstitut und suchen einen Hersteller, der uns hilft. " * 30)[:2000]
    assert KindReader.packaged().read(text) == ()


@pytest.mark.parametrize(
    "text",
    [
        "Seed investor for a medical robotics startup",  # opens the request
        "Looking for a VC to lead our Series A",  # right after a verb of seeking
        "Silizium-Photonik-Startup sucht Seed- oder Series-A-Investor",
        "유럽 진출을 준비하는 기후테크 기업에 투자하는 투자사",  # Korean: ends it
        "뇌졸중 조기 진단 기기 임상 평가가 가능한 병원 찾습니다",
    ],
)
def test_a_kind_word_at_the_head_of_a_request_heads_it(text: str) -> None:
    reading = KindReader.packaged().reading(text)
    assert reading.kinds and reading.heads == reading.kinds


@pytest.mark.parametrize(
    "text",
    [
        "low-power edge AI accelerator chip for drones",
        "lab automation robot that runs assays overnight in a university lab",
        "대학 실험실에서 세포 배양을 밤새 돌려 줄 랩 자동화 로봇",
    ],
)
def test_a_kind_word_further_in_is_read_but_does_not_head_the_request(text: str) -> None:
    reading = KindReader.packaged().reading(text)
    assert reading.kinds and reading.heads == ()


# ------------------------------------------------------------------------------------- a workspace's own words


def context_with_kinds(root: Path, text: str | bytes) -> Context:
    """A workspace whose ``kinds.toml`` holds ``text``."""
    root.mkdir(parents=True)
    (root / "kinds.toml").write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return Context(root, settings=Settings(home=root, encoder="minilm+use-m3"))


def test_a_workspaces_kind_words_add_to_the_packaged_ones(tmp_path: Path) -> None:
    reader = context_with_kinds(tmp_path / "ws", '[kinds.public_body]\nko = ["KOTRA"]\n').kind_reader
    assert reader.read("KOTRA 연결 부탁드립니다") == ("public_body",)
    assert reader.read("병원을 찾습니다") == ("hospital",)  # the packaged words stay
    assert KindReader.packaged().read("KOTRA 연결 부탁드립니다") == ()


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('[kinds.ministry]\nko = ["부처"]\n', "unknown kind 'ministry'"),
        ("[kinds.investor\nko = 1", "not valid TOML"),
        ('[kinds.investor]\nes = ["inversi\xf3n"]\n'.encode("cp1252"), "codec can't decode"),
    ],
)
def test_a_kinds_file_that_cannot_be_read_leaves_the_packaged_words_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str | bytes, why: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="matcher.service.context"):
        reader = context_with_kinds(tmp_path / "ws", text).kind_reader
    assert reader is KindReader.packaged()
    assert any("kinds.toml skipped" in m and why in m for m in caplog.messages), caplog.messages


def test_the_search_reads_a_workspaces_kind_word(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    matcher = Matcher(tmp_path / "ws", settings=Settings(home=tmp_path / "ws", encoder="minilm+use-m3"))
    (tmp_path / "ws" / "kinds.toml").write_text('[kinds.investor]\nen = ["LP"]\n', encoding="utf-8")
    assert matcher.read_search("an LP for our fund").kinds == ("investor",)
    assert matcher.stats()["kind_words"] == 1
