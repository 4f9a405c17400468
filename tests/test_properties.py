"""Property-based tests: whatever a user feeds the importers, filters, search or recommendations, the answer is a
result or a clean user-facing error, never another exception."""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.api import ImportReport, Matcher, NotFoundError
from matcher.cli import main
from matcher.filters import SIZE_BANDS, Filters
from matcher.readers import FileReadError
from matcher.validate import MissingColumnsError
from matcher.vocab import ORG_TYPES, SECTORS, STAGES

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

HEADER = b"id,name,org_type,city,country,sectors,description,offers,seeks\n"
ROW = b"dj-1,Hanbit Bio,startup,Daejeon,KR,ADC,Linkers.,Linker chemistry,GMP fill-finish\n"

# Bytes that look a little like tables, so the readers get past the first checks, mixed with pure noise.
table_bytes = st.one_of(
    st.binary(max_size=400),
    st.builds(lambda body: HEADER + body, st.binary(max_size=300)),
    st.builds(lambda a, b: HEADER + ROW[:a] + b + ROW[a:], st.integers(0, len(ROW)), st.binary(max_size=40)),
    st.text(max_size=300).map(lambda t: HEADER + t.encode("utf-8", "surrogatepass")),
)
json_bytes = st.one_of(
    st.binary(max_size=300),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(
            ["id", "name", "org_type", "city", "country", "sectors", "x"]), inner, max_size=6),
        max_leaves=20,
    ).map(lambda value: json.dumps(value).encode()),
)


@pytest.fixture(scope="module")
def matcher() -> Iterator[Matcher]:
    with tempfile.TemporaryDirectory() as home:
        m = Matcher(home)
        yield m
        m.store.close()


def import_bytes(matcher: Matcher, data: bytes, suffix: str) -> ImportReport | Exception:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            return matcher.import_profiles(path)
        except (FileReadError, MissingColumnsError) as error:
            return error


def assert_clean(outcome: ImportReport | Exception) -> None:
    if isinstance(outcome, Exception):
        message = str(outcome)
        assert message and "\n" not in message and "Traceback" not in message
    else:
        assert outcome.imported + len(outcome.rejected) <= outcome.rows + len(outcome.rejected)
        assert all(problem.row >= 1 and problem.reason for problem in outcome.rejected)


@FAST
@given(data=table_bytes, suffix=st.sampled_from([".csv", ".tsv"]))
def test_any_delimited_bytes_give_a_report_or_a_clean_error(matcher: Matcher, data: bytes, suffix: str) -> None:
    assert_clean(import_bytes(matcher, data, suffix))


@FAST
@given(data=json_bytes, suffix=st.sampled_from([".json", ".jsonl"]))
def test_any_json_bytes_give_a_report_or_a_clean_error(matcher: Matcher, data: bytes, suffix: str) -> None:
    if suffix == ".jsonl":
        data = data.replace(b"[", b"\n", 1)
    assert_clean(import_bytes(matcher, data, suffix))


@FAST
@given(data=st.one_of(st.binary(max_size=300), st.builds(lambda b: b"PK\x03\x04" + b, st.binary(max_size=300))))
def test_any_bytes_named_xlsx_give_a_clean_error(matcher: Matcher, data: bytes) -> None:
    assert_clean(import_bytes(matcher, data, ".xlsx"))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.lists(st.one_of(st.none(), st.text(max_size=30), st.integers(), st.floats()), min_size=1,
                               max_size=6), min_size=1, max_size=5))
def test_any_workbook_cells_give_a_report_or_a_clean_error(matcher: Matcher, cells: list[list[object]]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    sheet = book.active
    sheet.append(["id", "name", "org_type", "city", "country", "sectors"])
    for row in cells:  # XML cannot hold some control characters at all: no workbook can contain them
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    assert_clean(import_bytes(matcher, buffer.getvalue(), ".xlsx"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=table_bytes, suffix=st.sampled_from([".csv", ".json", ".jsonl", ".xlsx"]))
def test_the_cli_import_exits_0_1_or_2_with_one_line_for_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, suffix: str
) -> None:
    path = tmp_path / f"upload{suffix}"
    path.write_bytes(data)
    code = main(["--home", str(tmp_path / "ws"), "import", "profiles", str(path)])
    _, err = capsys.readouterr()
    assert code in (0, 1, 2), err
    if code == 2:
        assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err


# ------------------------------------------------------------------------------------------------- filters

some_values = st.lists(st.one_of(st.text(max_size=20), st.sampled_from(
    [*ORG_TYPES, *SECTORS, *STAGES, *SIZE_BANDS, "Korea", "UK", "Daejeon", "Málaga", ""])), max_size=3)


@settings(max_examples=60, deadline=None)
@given(city=some_values, country=some_values, org_type=some_values, sector=some_values, stage=some_values,
       size=some_values)
def test_filters_from_any_text_are_built_or_refused_with_what_is_accepted(**values: list[str]) -> None:
    try:
        filters = Filters.from_user(**values)
    except ValueError as error:
        assert "accepted:" in str(error) and str(error).startswith("unknown ")
        return
    assert set(filters.org_type) <= set(ORG_TYPES) and set(filters.stage) <= set(STAGES)
    assert set(filters.size) <= set(SIZE_BANDS) and all(len(code) == 2 for code in filters.country)


# -------------------------------------------------------------------------------- search and recommendations

valid_filters = st.builds(
    Filters,
    city=st.lists(st.sampled_from(["Daejeon", "Seattle", "Calgary", "Dortmund", "Málaga", "Atlantis"]),
                  max_size=2).map(tuple),
    country=st.lists(st.sampled_from(["KR", "US", "CA", "DE", "ES", "FR"]), max_size=2).map(tuple),
    org_type=st.lists(st.sampled_from(ORG_TYPES), max_size=2).map(tuple),
    sector=st.lists(st.sampled_from(SECTORS), max_size=2).map(tuple),
    stage=st.lists(st.sampled_from(STAGES), max_size=1).map(tuple),
    size=st.lists(st.sampled_from(list(SIZE_BANDS)), max_size=1).map(tuple),
)
any_k = st.one_of(st.integers(-5, 30), st.integers(-(10**18), 10**18))


def check_k(k: int, call: object) -> list[object] | None:
    """Runs ``call``; a k out of range must be refused with a message naming the range, and only then."""
    from matcher.api import MAX_K

    try:
        return list(call())  # type: ignore[operator]
    except ValueError as error:
        assert not 0 <= k <= MAX_K or "empty" in str(error), error
        assert "k must be between 0" in str(error) or "empty" in str(error)
        return None


@pytest.mark.slow
@settings(max_examples=20, deadline=None)
@given(text=st.text(max_size=200), k=any_k, filters=st.one_of(st.none(), valid_filters))
def test_search_with_any_text_k_and_filters_gives_results_or_a_clear_error(
    demo_matcher: Matcher, text: str, k: int, filters: Filters | None
) -> None:
    hits = check_k(k, lambda: demo_matcher.search(text, k=k, filters=filters))
    if hits is not None:
        assert len(hits) <= k
        allowed = set(demo_matcher.profiles(filters)["id"]) if filters else None
        assert allowed is None or {hit.id for hit in hits} <= allowed  # type: ignore[attr-defined]


@pytest.mark.slow  # a recommendation with filters takes seconds on a busy machine
@settings(max_examples=12, deadline=None)
@given(
    asker=st.one_of(st.sampled_from(["dj-bio-001", "se-tech-001", "ma-bio-001"]), st.text(max_size=20)),
    k=any_k,
    filters=st.one_of(st.none(), valid_filters),
)
def test_recommend_with_any_asker_k_and_filters_gives_results_or_a_clear_error(
    demo_matcher: Matcher, asker: str, k: int, filters: Filters | None
) -> None:
    try:
        found = check_k(k, lambda: demo_matcher.recommend(asker, k=k, filters=filters).results)
    except NotFoundError as error:
        assert "no organisation with id" in str(error)
        return
    if found is not None:
        assert len(found) <= k
        if filters is not None:
            assert {m.id for m in found} <= set(demo_matcher.profiles(filters)["id"])  # type: ignore[attr-defined]
