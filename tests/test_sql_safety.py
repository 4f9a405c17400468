"""Output safety: no SQL is built from strings anywhere in the package; exports never carry a live formula; briefs
show profile text as text; a startup user gets none of the officers' notes and shortlists, whatever it asks."""

from __future__ import annotations

import ast
import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.api import Matcher
from matcher.auth import AccessDenied, User
from matcher.store import Store

REPO = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(REPO / "matcher").rglob("*.py"), REPO / "app_streamlit.py"])

# ------------------------------------------------------------------------------------------ SQL from strings

SQL_SINKS = {"execute", "executemany", "executescript", "exec_driver_sql", "text", "read_sql", "read_sql_query"}
"""Calls whose first argument is run as SQL (DB-API cursors, SQLAlchemy, pandas)."""

SQL_WORDS = re.compile(
    r"\b(SELECT\b.*\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TEMP\s+)?"
    r"(TABLE|INDEX|VIEW)|DROP\s+(TABLE|INDEX|VIEW)|ALTER\s+TABLE|PRAGMA\s+\w+|ATTACH\s+DATABASE)\b",
    re.DOTALL,
)
"""SQL statements as they are written in code (upper-case keywords), not English prose such as "select a city"."""


def _is_built(node: ast.AST) -> bool:
    """True for a string built at run time: an f-string with a placeholder, ``%``, ``+`` or ``.format``."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        sides = (node.left, node.right)
        return any(_stringy(side) or _is_built(side) for side in sides)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
        return _stringy(node.func.value)
    return False


def _stringy(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(node, ast.JoinedStr)


def _literal_text(node: ast.AST) -> str:
    return " ".join(n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str))


def sql_from_strings(source: str, filename: str = "<code>") -> list[str]:
    """Every place in ``source`` where SQL is built from strings: a built string passed to an SQL call (directly or
    through a variable), or a built string whose literal parts read as an SQL statement."""
    tree = ast.parse(source, filename)
    built_names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None
        and (_is_built(node.value) or isinstance(node, ast.AugAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            first = node.args[0]
            if name in SQL_SINKS and (_is_built(first) or (isinstance(first, ast.Name) and first.id in built_names)):
                found.append(f"{filename}:{node.lineno}: {name}() runs a string built at run time")
        if _is_built(node) and SQL_WORDS.search(_literal_text(node)):
            found.append(f"{filename}:{node.lineno}: SQL statement built by string formatting")
    return found


@pytest.mark.parametrize(
    "code",
    [
        'conn.execute(f"SELECT * FROM profiles WHERE id = \'{pid}\'")',
        'cur.execute("DELETE FROM notes WHERE id = %s" % note_id)',
        'cur.execute("SELECT name FROM profiles WHERE city = \'" + city + "\'")',
        'sa.text("UPDATE profiles SET name = \'{}\'".format(name))',
        'query = f"PRAGMA table_info({table})"\nconn.execute(query)',
        'sql = "SELECT 1"\nsql += where\nconn.execute(sql)',
        'pd.read_sql(f"SELECT * FROM {table}", conn)',
        'clause = " AND ".join(parts)\nconn.execute(clause)',
        'stmt = f"INSERT INTO notes VALUES ({values})"',
    ],
    ids=["f-string", "percent", "concatenation", "format", "via-variable", "augmented", "pandas", "join", "unused"],
)
def test_the_checker_finds_sql_built_from_strings(code: str) -> None:
    assert sql_from_strings(code)


@pytest.mark.parametrize(
    "code",
    [
        'conn.execute("SELECT * FROM profiles WHERE id = ?", (pid,))',
        "conn.execute(sa.select(profiles).where(profiles.c.id == pid))",
        'conn.execute("SELECT value FROM meta " "WHERE key = ?", (key,))',
        'raise ValueError(f"select a city from {cities}")',
        'logger.info("loaded %d rows from %s", n, path)',
    ],
    ids=["bound-parameter", "sqlalchemy-core", "implicit-concatenation", "prose", "logging"],
)
def test_the_checker_accepts_bound_parameters_and_prose(code: str) -> None:
    assert sql_from_strings(code) == []


def test_no_sql_is_built_from_strings_anywhere_in_the_package() -> None:
    assert len(SOURCES) > 20  # the package was found
    found = [hit for path in SOURCES for hit in sql_from_strings(path.read_text(encoding="utf-8"), str(path))]
    assert found == []


# ------------------------------------------------------------------------------------------------- exports

export = pytest.importorskip("matcher.export")

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Text that starts with, or hides behind blanks and control characters, a formula trigger.
hostile = st.builds(
    lambda pad, trigger, rest: pad + trigger + rest,
    st.text(alphabet=" \x00\x01\x0b\x0c\n", max_size=3),
    st.sampled_from(TRIGGERS),
    st.text(max_size=30),
)
cells = st.one_of(hostile, st.text(max_size=40))


def runs_as_formula(cell: str) -> bool:
    """Whether a spreadsheet could read this cell text as a formula (DDE and the like included): ``=``, ``+``,
    ``-`` or ``@`` first, or behind blanks and control characters that a reader may drop (tab and CR among them).
    """
    if PLAIN_NUMBER.fullmatch(cell):
        return False
    return cell.lstrip("".join(map(chr, range(0x21)))).startswith(("=", "+", "-", "@"))


@settings(max_examples=150, deadline=None)
@given(st.lists(cells, min_size=1, max_size=4))
def test_no_csv_cell_can_run_as_a_formula(values: list[str]) -> None:
    text = export.to_csv(pd.DataFrame({"name": values})).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(values) + 1
    for value, (cell,) in zip(values, rows[1:], strict=True):
        assert not runs_as_formula(cell), (value, cell)
        assert cell in (value, "'" + value)  # neutralised, never otherwise changed


@settings(max_examples=60, deadline=None)
@given(st.lists(cells, min_size=1, max_size=4))
def test_no_xlsx_cell_is_a_formula(values: list[str]) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(export.to_xlsx(pd.DataFrame({"name": values}))))
    for (cell,) in book.active.iter_rows(min_row=2):
        assert cell.data_type != "f"
        assert cell.value is None or not runs_as_formula(str(cell.value)), cell.value


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]


def structure(page: str) -> tuple[list[str], set[str]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags, set(parser.attributes)


html_text = st.one_of(
    st.sampled_from(['<script>alert(1)</script>', '<img src=x onerror="alert(1)">', '"><b>', "</article><h1>x"]),
    st.text(max_size=40),
)


@settings(max_examples=150, deadline=None)
@given(name=html_text, reason=html_text, note=html_text, title=html_text)
def test_a_brief_shows_any_profile_text_as_text(name: str, reason: str, note: str, title: str) -> None:
    def page(n: str, r: str, o: str, t: str) -> str:
        entry = export.BriefEntry(n, city="Daejeon", reasons=(r,), notes=(o,), details=(("Website", r),))
        return export.brief_html(t, [export.BriefSection("Hosts", entries=(entry,))], subtitle=o)

    benign = ["x" if text else "" for text in (name, reason, note, title)]  # empty parts leave their tags out
    assert structure(page(name, reason, note, title)) == structure(page(*benign))


# -------------------------------------------------------------------------------------------------- access

SECRET_NOTE = "Officers only: their CFO is leaving in June"
SECRET_LIST = "Confidential Seattle mission"
STARTUP = User("hanbit", "startup", org_id="dj-1")


@pytest.fixture
def secrets_home(tmp_path: Path) -> Path:
    """A workspace holding an officer's note, shortlist and entry note (no index: nothing here needs the model)."""
    home = tmp_path / "ws"
    store = Store(home / "matcher.sqlite")
    store.upsert_profiles(
        pd.DataFrame(
            [
                {"id": "dj-1", "name": "Hanbit Bio", "org_type": "startup", "city": "Daejeon", "country": "KR"},
                {"id": "se-1", "name": "Rainier AI", "org_type": "company", "city": "Seattle", "country": "US",
                 "employees": 120, "public_fields": ("name", "city")},
            ]
        )
    )
    store.add_note("dj-1", SECRET_NOTE, author="olga")
    shortlist = store.create_shortlist(SECRET_LIST, owner="olga")
    store.set_shortlist_entry(shortlist, "dj-1", stage="meeting", note=SECRET_NOTE)
    store.close()
    return home


OFFICERS_ONLY = {
    "notes of its own organisation": lambda a: a.notes("dj-1"),
    "notes of another": lambda a: a.notes("se-1"),
    "add a note": lambda a: a.add_note("dj-1", "hi"),
    "delete a note": lambda a: a.delete_note(1),
    "shortlists": lambda a: a.shortlists(),
    "shortlist entries": lambda a: a.shortlist_entries(1),
    "create a shortlist": lambda a: a.create_shortlist("mine"),
    "delete a shortlist": lambda a: a.delete_shortlist(1),
    "set an entry": lambda a: a.set_shortlist_entry(1, "dj-1", stage="agreement"),
    "remove an entry": lambda a: a.remove_shortlist_entry(1, "dj-1"),
    "import log": lambda a: a.imports(),
    "import": lambda a: a.import_file("profiles", Path("x.csv")),
    "build": lambda a: a.build(),
    "delegation planner": lambda a: a.pair_scores(["dj-1"], ["se-1"]),
    "another organisation's feedback": lambda a: a.feedback("se-1"),
}


@pytest.mark.parametrize("ask", OFFICERS_ONLY.values(), ids=OFFICERS_ONLY.keys())
def test_a_startup_user_is_refused_officers_data_and_changes_nothing(secrets_home: Path, ask: object) -> None:
    from matcher.policy import Access

    with pytest.raises(AccessDenied):
        ask(Access(Matcher(secrets_home), STARTUP))  # type: ignore[operator]
    store = Store(secrets_home / "matcher.sqlite")
    assert store.notes()["text"].tolist() == [SECRET_NOTE]
    assert store.shortlists()["name"].tolist() == [SECRET_LIST]
    assert store.shortlist_entries(1)[["stage", "note"]].values.tolist() == [["meeting", SECRET_NOTE]]


def test_a_startup_user_sees_only_public_fields_of_another_profile(secrets_home: Path) -> None:
    from matcher.policy import Access

    seen = Access(Matcher(secrets_home), STARTUP).profile("se-1")
    assert "employees" not in seen
    assert SECRET_NOTE not in str(seen)


@pytest.mark.parametrize("page", ["shortlists.py", "data.py", "planner.py", "insights.py"])
def test_an_officer_page_opened_directly_by_a_startup_user_shows_no_officers_data(
    secrets_home: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    # Navigation hides these pages from startups; this opens the page script itself, as a crafted URL might.
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MATCHER_HOME", str(secrets_home))
    at = AppTest.from_file(str(REPO / "matcher" / "ui" / "pages" / page), default_timeout=60)
    at.session_state["user"] = STARTUP
    at.run()
    # Every element's protobuf: labels, values, options, tables and error messages alike (for an officer, this
    # text holds both secrets).
    shown = " ".join(str(getattr(element, "proto", "")) for element in at.main)
    assert SECRET_NOTE not in shown and SECRET_LIST not in shown



def test_the_shortlists_page_shows_an_officer_the_list_and_its_notes(
    secrets_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The counterpart of the startup check above: the same page and the same search do find the secrets.
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MATCHER_HOME", str(secrets_home))
    at = AppTest.from_file(str(REPO / "matcher" / "ui" / "pages" / "shortlists.py"), default_timeout=60)
    at.session_state["user"] = User("olga", "officer")
    at.run()
    shown = " ".join(str(getattr(element, "proto", "")) for element in at.main)
    assert SECRET_NOTE in shown and SECRET_LIST in shown
