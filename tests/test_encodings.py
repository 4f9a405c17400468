"""Specification of Korean-safe imports: files in the encodings Excel writes come in with their text intact and
the encoding noted; an uncertain guess warns; garbled text (mojibake) is never stored silently."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher.api import Matcher
from matcher.charsets import garbled, guess_legacy
from matcher.embed import TfidfEncoder
from matcher.readers import FileReadError, read_table
from matcher.validate import validate_profiles

HEADER = "id,name,org_type,city,country,description\n"
KOREAN = "kr-1,세종 바이오로직스,startup,대전,대한민국,항체 약물 접합체 개발 및 임상 시료 생산\n"
JAPANESE = "jp-1,株式会社さくらバイオ,startup,東京,日本,抗体医薬品の受託製造\n"
GERMAN = "de-1,Stahlwerk Gießen,company,Dortmund,Deutschland,Wärmepumpen für Großkunden\n"


def write(tmp_path: Path, data: bytes, name: str = "profiles.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def names(path: Path) -> list[str]:
    return read_table(path).frame["name"].tolist()


# Each encoding reads with its text intact, and says which it was ----------------------------------------------


@pytest.mark.parametrize(
    ("row", "codec", "encoding", "note"),
    [
        (KOREAN, "cp949", "euc-kr", "decoded as CP949/EUC-KR (Korean), not UTF-8"),  # KS X 1001 only: also EUC-KR
        (KOREAN, "euc_kr", "euc-kr", "decoded as CP949/EUC-KR (Korean), not UTF-8"),
        (JAPANESE, "shift_jis", "cp932", "decoded as Shift-JIS (Japanese), not UTF-8"),
        (GERMAN, "cp1252", "cp1252", "decoded as Windows-1252 (Latin-1), not UTF-8"),
        (KOREAN, "utf-16-le", "utf-16-le", "decoded as UTF-16-LE (no byte-order mark)"),
        (KOREAN, "utf-16-be", "utf-16-be", "decoded as UTF-16-BE (no byte-order mark)"),
        (KOREAN, "utf-16", "utf-16-le", "decoded as UTF-16-LE"),  # with its byte-order mark
    ],
)
def test_a_legacy_file_reads_intact_and_names_its_encoding(
    tmp_path: Path, row: str, codec: str, encoding: str, note: str
) -> None:
    result = read_table(write(tmp_path, (HEADER + row).encode(codec)))
    assert result.frame.drop(columns="_row").iloc[0].tolist() == row.strip().split(",")
    assert (result.encoding, result.notes, result.warnings) == (encoding, [note], [])


def test_a_cp949_file_using_syllables_outside_euc_kr_is_named_cp949(tmp_path: Path) -> None:
    result = read_table(write(tmp_path, (HEADER + "kr-2,똠방 바이오,startup,대전,KR,\n").encode("cp949")))
    assert (names(tmp_path / "profiles.csv"), result.encoding) == (["똠방 바이오"], "cp949")
    assert result.notes == ["decoded as CP949 (Korean), not UTF-8"]


def test_a_utf8_file_is_read_as_utf8_without_a_note(tmp_path: Path) -> None:
    result = read_table(write(tmp_path, (HEADER + KOREAN).encode()))
    assert (result.encoding, result.notes, names(tmp_path / "profiles.csv")) == ("utf-8", [], ["세종 바이오로직스"])


def test_korean_lines_pasted_into_a_utf8_file_are_decoded_alone(tmp_path: Path) -> None:
    data = (HEADER + GERMAN).encode() + KOREAN.encode("cp949")
    result = read_table(write(tmp_path, data))
    assert result.frame["name"].tolist() == ["Stahlwerk Gießen", "세종 바이오로직스"]
    assert result.notes == ["1 line (3) not valid UTF-8, decoded as CP949/EUC-KR (Korean)"]


def test_a_korean_excel_csv_imports_with_its_text_and_the_encoding_in_the_report(tmp_path: Path) -> None:
    report = Matcher(tmp_path / "ws").import_profiles(write(tmp_path, (HEADER + KOREAN).encode("cp949")))
    assert report.imported == 1
    assert "decoded as CP949/EUC-KR (Korean), not UTF-8" in report.notes
    stored = Matcher(tmp_path / "ws").profile("kr-1")
    assert (stored.name, stored.city, stored.country) == ("세종 바이오로직스", "Daejeon", "KR")


# Doubt and garbled text ---------------------------------------------------------------------------------------


def test_a_file_whose_few_legacy_bytes_read_several_ways_warns(tmp_path: Path) -> None:
    result = read_table(write(tmp_path, b"id,name\na1,\xc7\xd1\n"))  # '한' in CP949, 'ÇÑ' in Windows-1252
    assert result.frame["name"].tolist() == ["한"]
    [warning] = result.warnings
    assert warning.row == 0  # the file as a whole
    assert "encoding, CP949/EUC-KR (Korean), is a guess: only 2 bytes are not plain ASCII" in warning.reason
    assert "line 2 reads '한'" in warning.reason and "save the file as CSV UTF-8" in warning.reason


def test_a_guess_from_a_whole_korean_row_is_not_in_doubt() -> None:
    assert guess_legacy((HEADER + KOREAN).encode("cp949")).doubt is None


def test_a_korean_file_that_no_encoding_reads_cleanly_is_refused_with_the_fix(tmp_path: Path) -> None:
    broken = (HEADER + KOREAN).encode("cp949")[:-10] + b"\xc7\n"  # cut inside a character: not valid CP949
    with pytest.raises(FileReadError, match=r"line 2 reads '¼¼Á¾'.*Korean text .*'세종'.*Save the file as CSV UTF-8"):
        read_table(write(tmp_path, broken))


def test_the_refusal_reaches_the_user_as_an_input_error(tmp_path: Path) -> None:
    broken = (HEADER + KOREAN).encode("cp949")[:-10] + b"\xc7\n"
    with pytest.raises(FileReadError):
        Matcher(tmp_path / "ws").import_profiles(write(tmp_path, broken))
    assert Matcher(tmp_path / "ws").stats()["profiles"] == 0


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("¼¼Á¾ ¹ÙÀÌ¿À·ÎÁ÷½º", "세종"),  # CP949 read as Windows-1252: the example
        ("Nube TecnologÃ­a", "í"),  # UTF-8 read as Windows-1252
        ("í•œë¹› ë°”ì´ì˜¤", "한빛"),  # Korean UTF-8 read as Windows-1252
        ("M√ºnster", "ü"),  # UTF-8 read as Mac Roman
        ("“Œ‹ž‘åŠw", "東京大学"),  # Shift-JIS read as Windows-1252
    ],
)
def test_mojibake_is_recognised_with_what_it_meant(text: str, meant: str) -> None:
    found = garbled(text)
    assert found is not None and found.meant == meant


@pytest.mark.parametrize("text", ["Großhändler Müßig GmbH", "Señora Peña Ibáñez", "CAFÉ’S", "naïve — café", "세종"])
def test_real_text_in_any_script_is_not_mojibake(text: str) -> None:
    assert garbled(text) is None


def test_a_garbled_cell_in_a_utf8_file_is_imported_with_a_warning_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, (HEADER + "kr-1,¼¼Á¾ ¹ÙÀÌ¿À·ÎÁ÷½º,startup,Daejeon,KR,\n").encode())
    report = Matcher(tmp_path / "ws").import_profiles(path)
    assert report.imported == 1
    [warning] = report.warnings
    assert (warning.row, warning.id) == (2, "kr-1")
    assert warning.reason.startswith("name looks garbled: '¼¼Á¾' is Korean text (CP949/EUC-KR) read as Windows-1252")


def test_text_that_lost_characters_before_is_warned_about() -> None:
    frame = pd.DataFrame(
        {"id": ["a1"], "name": ["Hanbit \ufffd Bio"], "org_type": ["startup"], "city": ["Daejeon"], "country": ["KR"],
         "offers": ["ADC linkers"]}
    )
    assert [w.reason for w in validate_profiles(frame).warnings] == [
        "name holds '\ufffd', a character lost when the text was converted before; fix the text and import it again"
    ]


# The places and name search that follow ------------------------------------------------------------------------


def test_a_profile_in_daejeon_spelled_in_korean_gets_no_daejeon_partner(tmp_path: Path) -> None:
    rows = [
        "kr-asker,세종 바이오로직스,startup,대전,대한민국,,GMP manufacturing of antibody drug conjugates,"
        "contract manufacturing partner for clinical antibody drug conjugate batches",
        "dj-cdmo,Hanbit CDMO,company,Daejeon,KR,,contract manufacturing of antibody drug conjugate clinical batches,",
        "se-cdmo,Rainier CDMO,company,Seattle,US,,contract manufacturing of antibody drug conjugate clinical batches,",
    ]
    header = "id,name,org_type,city,country,description,offers,seeks\n"
    path = write(tmp_path, (header + "\n".join(rows)).encode("cp949"))
    corpus = [part for row in rows for part in row.split(",")[5:] if part]
    matcher = Matcher(tmp_path / "ws", encoder=TfidfEncoder(n_components=8).fit(corpus))
    matcher.import_profiles(path)
    matcher.build()
    found = matcher.recommend("kr-asker", k=5).ids
    assert "dj-cdmo" not in found and "se-cdmo" in found
