"""Search quality on labelled searches: each a text and the organisations it should find.

An agency checks the search on its own words with a table of searches its people wrote, each with the profile
ids a good answer holds (issue #12: "an independent set written by someone else will also be run"). This module
turns such a table into :class:`SearchCase` s (:func:`search_cases`, with every row it cannot use reported, never
dropped silently) and scores what the search showed for each (:func:`score_searches`): per language, how often an
expected organisation came first, how often it was among the first ``k``, and the mean reciprocal rank. It does
no I/O and runs no search: the service (:meth:`matcher.service.evaluation.Evaluation.evaluate_searches`) reads the
file and searches.

The table needs a ``text`` column (or ``query`` / ``search``) and an ``expected_ids`` column (or ``expected_id`` /
``expected``): one id, or several separated by ``;``, ``|`` or ``,``, any of which counts as found. ``query_id``
and ``language`` are optional; a missing language is detected (:func:`matcher.langid.detect_language`, or the
search's own reading of the text).

Example:
    >>> import pandas as pd
    >>> table = pd.DataFrame({"text": ["ADC 위탁생산", "Lidar für Roboter"], "expected_ids": ["a", "b; c"]})
    >>> cases, problems = search_cases(table, known_ids={"a", "b", "c"})
    >>> [(case.language, case.expected) for case in cases], problems
    ([('ko', ('a',)), ('de', ('b', 'c'))], [])
    >>> result = score_searches(cases, [["a", "x"], ["x", "y", "c"]], k=5)
    >>> result.summary()[["searches", "first", "top_k"]].to_dict("list")
    {'searches': [1, 1, 2], 'first': [1, 0, 1], 'top_k': [1, 1, 2]}
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .errors import InputError
from .langid import detect_language
from .readers import RowProblem

__all__ = ["MAX_SEARCH_CASES", "SearchCase", "SearchEvaluation", "SearchOutcome", "score_searches", "search_cases"]

MAX_SEARCH_CASES = 2_000
"""Searches one table may hold: each runs the whole search, about a tenth of a second on a laptop."""

TEXT_COLUMNS = ("text", "query", "search")
EXPECTED_COLUMNS = ("expected_ids", "expected_id", "expected")
_ID_SEPARATORS = re.compile(r"[;|,]")


@dataclass(frozen=True)
class SearchCase:
    """One labelled search.

    Attributes:
        query_id: The table's id for it, or its row number.
        language: Given by the table, or detected from the text.
        text: What is typed into the search.
        expected: The ids of the organisations a good answer holds; finding any one counts.
        row: Its row in the table, as a user sees it (0 when it came from no table).
    """

    query_id: str
    language: str
    text: str
    expected: tuple[str, ...]
    row: int = 0


@dataclass(frozen=True)
class SearchOutcome:
    """What the search showed for one case.

    Attributes:
        case: The labelled search.
        shown: The ids shown, best first.
    """

    case: SearchCase
    shown: tuple[str, ...]

    @property
    def rank(self) -> int:
        """The rank (1-based) of the first expected organisation shown, 0 when none is."""
        expected = set(self.case.expected)
        return next((i for i, pid in enumerate(self.shown, start=1) if pid in expected), 0)


@dataclass(frozen=True)
class SearchEvaluation:
    """Search quality over a table of labelled searches.

    Attributes:
        k: How many results each search showed.
        outcomes: One per search that ran, in the table's order.
        problems: Rows not run, and why (no text, no expected id, an id the workspace does not hold).
        notes: What the reader did to the file (its encoding, for one).
    """

    k: int
    outcomes: tuple[SearchOutcome, ...]
    problems: tuple[RowProblem, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> pd.DataFrame:
        """Per language (in the table's order) and over all: searches, found first, found in the top ``k``, the
        shares of both, and the mean reciprocal rank within ``k``."""
        rows = []
        languages = list(dict.fromkeys(outcome.case.language for outcome in self.outcomes))
        for language in [*languages, "all"]:
            ranks = [o.rank for o in self.outcomes if language in ("all", o.case.language)]
            n = len(ranks)
            first, top = sum(r == 1 for r in ranks), sum(r > 0 for r in ranks)
            rows.append(
                {
                    "language": language,
                    "searches": n,
                    "first": first,
                    "top_k": top,
                    "first_share": first / n if n else 0.0,
                    "top_k_share": top / n if n else 0.0,
                    "mrr": sum(1 / r for r in ranks if r) / n if n else 0.0,
                }
            )
        return pd.DataFrame(rows)

    def misses(self) -> list[SearchOutcome]:
        """The searches whose expected organisations were all missing from the top ``k``."""
        return [outcome for outcome in self.outcomes if outcome.rank == 0]

    def to_text(self) -> str:
        """The table for the terminal, then the misses and the rows not run."""
        lines = [f"{len(self.outcomes)} searches, top {self.k} of each", *self.notes]
        table = self.summary().rename(columns={"top_k": f"top_{self.k}", "top_k_share": f"top_{self.k}_share"})
        lines.append(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        misses = self.misses()
        if misses:
            lines.append(f"Not in the top {self.k}:")
            lines += [
                f"  {o.case.query_id} ({o.case.language}) {o.case.text[:80]!r}: expected {', '.join(o.case.expected)};"
                f" shown {', '.join(o.shown) or 'nothing'}"
                for o in misses
            ]
        if self.problems:
            lines.append(f"{len(self.problems)} row(s) not run:")
            lines += [f"  row {p.row}: {p.reason}" for p in self.problems]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``k``, the summary per language, every outcome and the rows not run."""
        return {
            "k": self.k,
            "summary": [
                {key: (round(value, 4) if isinstance(value, float) else value) for key, value in row.items()}
                for row in self.summary().to_dict("records")
            ],
            "searches": [
                {
                    "query_id": o.case.query_id,
                    "language": o.case.language,
                    "text": o.case.text,
                    "expected_ids": list(o.case.expected),
                    "shown_ids": list(o.shown),
                    "rank": o.rank,
                }
                for o in self.outcomes
            ],
            "not_run": [{"row": p.row, "reason": p.reason} for p in self.problems],
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def _cell(record: dict[str, Any], column: str | None) -> str:
    value = record.get(column) if column else None
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()  # NaN


def _column(frame: pd.DataFrame, names: Sequence[str]) -> str | None:
    return next((name for name in names if name in frame.columns), None)


def search_cases(
    frame: pd.DataFrame, known_ids: Collection[str], language_of: Callable[[str], str] = detect_language
) -> tuple[list[SearchCase], list[RowProblem]]:
    """The labelled searches of a table, and the rows that cannot run.

    Args:
        frame: The table as :func:`matcher.readers.read_table` reads it (lower-cased column names, text cells,
            and its ``_row`` numbers when it has them).
        known_ids: The organisation ids the workspace holds: a row expecting any other id is reported, since it
            could never be found (a typo, or a table made for another catalogue).
        language_of: Gives the language of a row that states none: the search's own reading, or by default
            :func:`matcher.langid.detect_language`.

    Returns:
        The cases in the table's order, and one :class:`~matcher.readers.RowProblem` per row left out.

    Raises:
        InputError: The table lacks a text or an expected-ids column; the message names the columns it looked for.
    """
    text_column, expected_column = _column(frame, TEXT_COLUMNS), _column(frame, EXPECTED_COLUMNS)
    if text_column is None or expected_column is None:
        raise InputError(
            f"the table needs a search text column ({' or '.join(TEXT_COLUMNS)}) and an expected-ids column "
            f"({' or '.join(EXPECTED_COLUMNS)}); it has {', '.join(c for c in frame.columns if c != '_row') or 'none'}"
        )
    known = set(known_ids)
    cases, problems = [], []
    for position, record in enumerate(frame.to_dict("records")):
        row = int(record.get("_row", position + 2))
        text = _cell(record, text_column)
        parts = (part.strip() for part in _ID_SEPARATORS.split(_cell(record, expected_column)))
        expected = tuple(dict.fromkeys(part for part in parts if part))
        query_id = _cell(record, "query_id") or f"row {row}"
        unknown = [pid for pid in expected if pid not in known]
        if not text:
            problems.append(RowProblem(row, "no search text", query_id))
        elif not expected:
            problems.append(RowProblem(row, "no expected id", query_id))
        elif unknown:
            problems.append(RowProblem(row, f"expects {', '.join(unknown)}, not in this workspace", query_id))
        else:
            language = _cell(record, "language").lower() or language_of(text)
            cases.append(SearchCase(query_id, language, text, expected, row))
    return cases, problems


def score_searches(
    cases: Sequence[SearchCase],
    shown: Sequence[Sequence[str]],
    *,
    k: int,
    problems: Sequence[RowProblem] = (),
    notes: Sequence[str] = (),
) -> SearchEvaluation:
    """Scores what the search showed for each case.

    Args:
        cases: The labelled searches.
        shown: For each case, the ids the search showed, best first (only the first ``k`` count).
        k: How many results count as found.
        problems: Rows that did not run, carried into the result.
        notes: What the reader did to the file, carried into the result.

    Raises:
        ValueError: ``cases`` and ``shown`` differ in length.
    """
    if len(cases) != len(shown):
        raise ValueError(f"{len(cases)} searches but {len(shown)} result lists")
    outcomes = tuple(SearchOutcome(case, tuple(ids[:k])) for case, ids in zip(cases, shown, strict=True))
    return SearchEvaluation(k=k, outcomes=outcomes, problems=tuple(problems), notes=tuple(notes))
