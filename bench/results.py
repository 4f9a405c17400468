"""Shared by the benchmarks: each one owns a ``## `` section of bench/RESULTS.md and rewrites only that one."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(section: str, text: str, path: Path = RESULTS) -> None:
    """Replaces (or appends) the section headed ``section`` in ``path`` with ``text``; other sections stay.

    Args:
        section: The section's heading line, e.g. ``"## Search latency"``.
        text: The whole section, heading included.
        path: The results file.
    """
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    start = old.find(section + "\n")
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        following = re.search(r"^## ", old[start + len(section) :], flags=re.MULTILINE)
        end = start + len(section) + following.start() if following else len(old)
        new = old[:start] + text.rstrip("\n") + "\n" + ("\n" + old[end:] if following else "")
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")
