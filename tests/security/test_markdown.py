"""Issue 17, finding 7: user-supplied text (profile names, file column names, ids) shown through Streamlit's
Markdown (markdown, toast, caption, info, warning, error, subheader) is escaped, so that a name like
``![b](http://127.0.0.1:9/beacon.png) [click](http://x)`` shows as text, never as an image fetched or a link."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from matcher.api import Matcher
from matcher.auth import User
from matcher.embed import Encoder
from matcher.schedule import plan_meetings
from matcher.ui.pages.data import report_notes
from matcher.ui.pages.find import feedback_toast, shortlist_toast
from matcher.ui.pages.planner import no_meeting_markdown, shortfall_markdown
from matcher.validate import validate_profiles

EVIL = "![b](http://127.0.0.1:9/beacon.png) [click](http://x) <img src=x> :red[alarm] $x$ **bold**"
REPO = Path(__file__).resolve().parents[2]
STARTUP = User("hanbit", "startup", org_id="dj-bio-001")


def _rendered(markdown: str) -> str:
    return MarkdownIt("commonmark").render(markdown)


def _inert(markdown: str) -> None:
    """Renders as text only: no image, no link, no HTML, no unescaped Streamlit directive or LaTeX."""
    html = _rendered(markdown)
    assert "<img" not in html and "<a " not in html and "<strong>" not in html, html
    assert not re.search(r"(?<!\\)[\[\]()<>$:*!]", markdown), markdown


def test_the_feedback_and_shortlist_toasts_escape_the_name() -> None:
    for text in (feedback_toast(EVIL, "relevant"), shortlist_toast(EVIL)):
        _inert(text.removesuffix(": marked relevant.").removesuffix(" added to the shortlist."))
        assert EVIL in text.replace("\\", "")


def test_the_columns_ignored_note_escapes_the_file_column_names() -> None:
    frame = pd.DataFrame([{"id": "p1", "name": "P", "org_type": "company", "city": "Seattle", "country": "US",
                           EVIL: "x"}], dtype=object)
    notes = validate_profiles(frame).notes
    assert any(EVIL in note for note in notes)  # the note quotes the file's own header
    for note in report_notes(notes):
        assert "<img" not in _rendered(note) and "<a " not in _rendered(note)
    assert any(EVIL in note.replace("\\", "") for note in report_notes(notes))


def test_the_planners_captions_escape_the_names() -> None:
    plan = plan_meetings(np.array([[0.5], [0.1]]), ["a", "b"], ["x"], ["10:00"], [["10:00"]] * 2, [["10:00"]], 1, 1)
    shortfall = shortfall_markdown(plan, {"a": "A", "b": EVIL, "x": "X"})
    assert shortfall.replace("\\", "").startswith(f"Not enough good matches for {EVIL}")
    assert "<img" not in _rendered(shortfall) and "<a " not in _rendered(shortfall)
    caption = no_meeting_markdown(["b"], {"b": EVIL})
    assert EVIL in caption.replace("\\", "")
    assert "<img" not in _rendered(caption) and "<a " not in _rendered(caption)


# --------------------------------------------------------------------------------------- the app, end to end


@pytest.fixture(scope="module")
def evil_home(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path, minilm: Encoder) -> Path:
    """Five bio profiles of each place; ma-bio-001 (a planted partner of dj-bio-001) named :data:`EVIL`."""
    root = tmp_path_factory.mktemp("markdown-ws")
    profiles = pd.read_csv(demo_dir / "profiles.csv", dtype=str, keep_default_na=False)
    number = profiles["id"].str.extract(r"-bio-(\d+)$")[0].astype(float)
    profiles = profiles[number <= 5].copy()
    profiles.loc[profiles["id"] == "ma-bio-001", "name"] = EVIL
    (root / "data").mkdir()
    profiles.to_csv(root / "data" / "profiles.csv", index=False)
    matcher = Matcher(root / "ws", encoder=minilm)
    matcher.import_profiles(root / "data" / "profiles.csv")
    matcher.build()
    matcher.store.close()
    return root / "ws"


@pytest.mark.slow
def test_the_relevant_toast_shows_an_evil_name_as_text(evil_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_HOME", str(evil_home))
    at = AppTest.from_file(str(REPO / "app_streamlit.py"), default_timeout=600)
    at.session_state["user"] = STARTUP
    at.run()
    assert not at.exception, at.exception
    at.button(key="rel_ma-bio-001").click().run()
    assert not at.exception, at.exception
    toasts = [t.value for t in at.toast]
    assert toasts and EVIL in toasts[0].replace("\\", "")
    assert "<img" not in _rendered(toasts[0]) and "<a " not in _rendered(toasts[0])
