"""Issue 17, findings 13 and 14 (search length): the CLI never prints terminal control sequences from profile
text, and an over-long search text is a user error (one line, exit 2), not a minute of encoding."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from matcher.api import Matcher
from matcher.cli import main

OSC_TITLE = "\x1b]0;pwned\x07"
OSC_CLIPBOARD = "\x1b]52;c;ZWNobyBoaQ==\x1b\\"
CSI_CLEAR = "\x1b[2J\x1b[1;31m"
C1_CSI = "\x9b31m"
OTHER = "\r\x08\x7f\x00"
PADDING = " We make linkers for antibody-drug conjugates." * 60  # dilutes the controls below the binary check
HOSTILE = (
    "id,name,org_type,city,country,sectors,description,offers,seeks\n"
    f'dj-1,"Hanbit{OSC_TITLE} Bioworks",startup,Daejeon,KR,"ADC{C1_CSI}",'
    f'"Site-specific {CSI_CLEAR}ADC linkers.{OSC_CLIPBOARD}{PADDING}","Linker{OTHER} chemistry",GMP fill-finish\n'
    "ma-1,Biomedica Costa,company,Malaga,Spain,CDMO,A CDMO.,Aseptic fill-finish,ADC projects\n"
)
# Every C0 control but tab and newline, DEL, and every C1 control (U+0080 to U+009F).
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def hostile(workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "p.csv"
    path.write_text(HOSTILE, encoding="utf-8")
    code = main(["import", "profiles", str(path)])
    capsys.readouterr()
    assert code in (0, 1)
    return workspace


def _output(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out + err


def test_show_strips_control_characters(hostile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _output(capsys, "show", "dj-1")
    assert not UNSAFE.search(out), repr(out)
    assert "pwned" not in out and "ZWNob" not in out  # whole escape sequences go, not just the ESC byte
    assert "Hanbit Bioworks" in out and "Site-specific ADC linkers." in out and "Linker chemistry" in out


def test_list_strips_control_characters(hostile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _output(capsys, "list")
    assert not UNSAFE.search(out), repr(out)
    assert "Hanbit Bioworks" in out and "Biomedica Costa" in out


def test_json_output_escapes_control_characters_and_keeps_the_data(
    hostile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _output(capsys, "show", "dj-1", "--json")
    assert not UNSAFE.search(out), repr(out)
    profile = json.loads(out)
    assert profile["name"] == f"Hanbit{OSC_TITLE} Bioworks"  # escaped in the JSON, not lost
    assert C1_CSI in " ".join(profile["sectors"] + profile["tags"])


def test_error_messages_strip_control_characters(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["import", "profiles", str(tmp_path / f"missing{OSC_TITLE}.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error:")
    assert not UNSAFE.search(err), repr(err)
    assert "pwned" not in err


def test_over_long_search_text_is_a_user_error(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["search", "antibody " * 300])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error:") and "2,000 characters" in err and "Traceback" not in err


def test_matcher_search_refuses_over_long_text_before_any_work(workspace: Path) -> None:
    with pytest.raises(ValueError, match="2,000 characters"):
        Matcher(workspace).search("x" * 2_001)
