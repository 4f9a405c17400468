"""The held-out cross-language calibration queries (issue #12): searches and nonsense typed in Korean, German, Spanish.

``tests/data/multilingual/calibration_queries.csv`` (its section of ``DATACARD.md`` says who wrote it and how) holds,
per language, searches for capabilities the English demo profiles offer, each with every demo profile that clearly
provides it, and nonsense or everyday queries that no profile answers (no expected id). It is separate from the
evaluation set (``queries.csv``): bench/bench_bands.py ``--across`` sets the search floors of non-English queries
from it, and the evaluation set only checks them.

This module reads the file into a frame and checks it on the way in; it runs no model.

Example:
    >>> queries = load_calibration()
    >>> queries.loc[queries["query_id"] == "ko-c15", "expected_ids"].item()
    ('do-tech-003', 'gl-tech-001')
    >>> bool(queries.loc[queries["query_id"] == "de-n01", "nonsense"].item())
    True
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from multilingual_set import (  # bench/multilingual_set.py: the script's folder is on sys.path
    SET_DIR,
    _fail,
    _read,
    check_query,
    duplicated_ids,
    load_demo,
)

CALIBRATION = SET_DIR / "calibration_queries.csv"
COLUMNS = ("query_id", "language", "text", "expected_ids")


def load_calibration(demo: pd.DataFrame | None = None, path: Path = CALIBRATION) -> pd.DataFrame:
    """The calibration queries, with ``expected_ids`` as a tuple and ``nonsense`` (no expected id) as a bool.

    Checks: the columns; unique query ids; a known language; a non-empty text (mostly Hangul in Korean, none in
    German and Spanish); expected ids that are demo ids, without repeats.

    Args:
        demo: The demo profiles (read with :func:`multilingual_set.load_demo` when not given).
        path: The CSV file.

    Raises:
        InputError: The file is missing or any check fails (every problem is listed).

    Example:
        >>> queries = load_calibration()
        >>> sorted(set(queries["language"]))
        ['de', 'es', 'ko']
    """
    demo = load_demo() if demo is None else demo
    known = set(demo["id"])
    frame = _read(path, COLUMNS)
    problems: list[str] = []
    expected_column: list[tuple[str, ...]] = []
    for row in frame.itertuples(index=False):
        expected, found = check_query(row, f"{path.name}: {row.query_id}", known)
        expected_column.append(expected)
        problems += found
    problems += duplicated_ids(frame, path.name)
    _fail(problems, "the calibration queries")
    frame["expected_ids"] = pd.Series(expected_column, index=frame.index, dtype=object)
    frame["nonsense"] = frame["expected_ids"].map(len) == 0
    return frame
