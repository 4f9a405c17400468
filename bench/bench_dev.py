"""The product end to end on the real development set (CORDIS H2020: history 2014-2016, truth 2017-2018).

Runs the public command line as a user would, each step a subprocess in a fresh workspace
(``matcher --home DIR ...``): import profiles, import partnerships, build, optionally train, then one batch
``recommend --queries queries.txt --k 10 --jsonl``. Every step is timed (wall clock). The lists are scored as the
data set's SOURCE.md says (recall@10, nDCG@10, MRR@10, hit@10 over the 600 queries, truth pairs read both ways,
a query without output counting as zeros), with exposure coverage and Gini. The SOURCE.md anchors (popularity,
Adamic-Adar, their 0.5/0.5 blend) are recomputed in-process from the same files, both under SOURCE.md's protocol
(any city) and under the product's default other-city rule, so the table compares like with like.

Usage (from the repository root)::

    python3 bench/bench_dev.py                                   # table on stdout, temp workspace
    python3 bench/bench_dev.py --workspace /tmp/devbench --keep --no-train
    python3 bench/bench_dev.py --workspace /tmp/devbench --reuse  # skip import and build the second time
    python3 bench/bench_dev.py --write --json dev.json            # also rewrite the section of bench/RESULTS.md

The section written is "## Real development set (CORDIS H2020, 2014-2016 -> 2017-2018)"; other sections stay.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere, or imported by the tests
    sys.path.insert(0, str(REPO))

from matcher.evaluate import gini, hit_rate_at_k, ndcg_at_k, recall_at_k, reciprocal_rank  # noqa: E402

logger = logging.getLogger("bench_dev")

DATA = REPO.parent / "shared" / "data" / "cordis_h2020_dev"
SECTION = "## Real development set (CORDIS H2020, 2014-2016 -> 2017-2018)"
K = 10
ANCHORS = ("popularity", "adamic_adar", "blend", "blend_all")
ANCHOR_LABELS = {
    "popularity": "popularity (degree in the history)",
    "adamic_adar": "Adamic-Adar on the history",
    "blend": "0.5 x norm. AA + 0.5 x norm. log degree (max over candidates)",
    "blend_all": "0.5 x norm. AA + 0.5 x norm. log degree (max over all orgs, as SOURCE.md)",
}
RULES = {"any": "any city (SOURCE.md protocol)", "other_city": "other city (product default)"}
PRODUCT_RULE = "product batch defaults (other city, competitors out, no exposure cap)"
"""What ``recommend --queries`` applies: each asker gets the list ``recommend ID`` would give (``--exposure-cap``
would cap how many lists one organisation may appear in)."""

# ----------------------------------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Scores:
    """One ranker's numbers over the queries.

    Attributes:
        recall: Mean recall@k as SOURCE.md's anchors count it: truth partners found over ``min(k, |truth|)``.
        recall_full: Mean recall@k of :func:`matcher.evaluate.recall_at_k`: found over ``|truth|``.
        ndcg: Mean nDCG@k (binary gains, ideal DCG over ``min(k, |truth|)`` hits).
        mrr: Mean reciprocal rank of the first truth partner within the top k (0 when none).
        hit: Share of queries with at least one truth partner in the top k.
        n_queries: Queries averaged over (those without a list count as zeros).
        answered: Queries that got a non-empty list.
        distinct: Distinct organisations recommended over all the top-k lists (coverage).
        gini: Gini of exposure: how often each catalogue organisation appears in a top-k list, the never-shown
            counted as zeros.
    """

    recall: float
    recall_full: float
    ndcg: float
    mrr: float
    hit: float
    n_queries: int
    answered: int
    distinct: int
    gini: float


def truth_partners(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Per organisation its truth partners; a pair ``a,b`` is read both ways.

    Args:
        pairs: Undirected ``(a, b)`` pairs.

    Returns:
        ``{id: {partner ids}}``, self-pairs dropped.

    Example:
        >>> sorted(truth_partners([("a", "b")])["b"])
        ['a']
    """
    out: dict[str, set[str]] = {}
    for a, b in pairs:
        if a == b:
            continue
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def load_truth(path: Path) -> dict[str, set[str]]:
    """Reads ``truth.csv`` (columns ``a,b``) into :func:`truth_partners`."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return truth_partners(zip(frame["a"].str.strip(), frame["b"].str.strip(), strict=True))


def score_lists(
    lists: Mapping[str, Sequence[str]],
    queries: Sequence[str],
    truth: Mapping[str, Collection[str]],
    catalogue_size: int,
    k: int = K,
) -> Scores:
    """Scores ranked lists as the data set's SOURCE.md says, with the metric functions of matcher.evaluate.

    Each list is cut at ``k`` first. That cut matters for MRR: :func:`matcher.evaluate.reciprocal_rank` reads the
    whole list it is given, so cutting it makes it MRR@k. :func:`matcher.evaluate.ndcg_at_k` and
    :func:`matcher.evaluate.hit_rate_at_k` cut at ``k`` and match SOURCE.md (nDCG's ideal DCG is over
    ``min(k, |truth|)`` hits).

    Recall is the exception. SOURCE.md names recall@10 without defining it, and its anchor numbers are
    reproduced only with the found partners divided by ``min(k, |truth|)`` (popularity: 0.059 that way, 0.044
    divided by ``|truth|``); :func:`matcher.evaluate.recall_at_k` divides by ``|truth|``. Both are returned:
    ``recall`` (SOURCE.md's, computed here) and ``recall_full`` (matcher.evaluate's).

    Args:
        lists: Per query its ranked ids, best first; a query absent or with an empty list scores zeros.
        queries: The queries averaged over (duplicates count once).
        truth: Per query its truth partners (see :func:`truth_partners`).
        catalogue_size: Organisations that could be recommended (for the Gini of exposure); at least the number
            of distinct ids recommended.
        k: The cut-off.

    Returns:
        The averages and exposure numbers.

    Raises:
        ValueError: No query, or a catalogue smaller than what was recommended.
    """
    queries = list(dict.fromkeys(queries))
    if not queries:
        raise ValueError("score_lists needs at least one query")
    recall = recall_full = ndcg = mrr = hit = 0.0
    exposure: dict[str, int] = {}
    answered = 0
    for query in queries:
        top = list(lists.get(query, ()))[:k]
        answered += bool(top)
        for item in top:
            exposure[item] = exposure.get(item, 0) + 1
        relevant = truth.get(query, ())
        if relevant:
            recall += len(set(top) & set(relevant)) / min(k, len(relevant))
        recall_full += recall_at_k(top, relevant, k)
        ndcg += ndcg_at_k(top, relevant, k)
        mrr += reciprocal_rank(top, relevant)
        hit += hit_rate_at_k(top, relevant, k)
    if catalogue_size < len(exposure):
        raise ValueError(f"catalogue_size {catalogue_size} is below the {len(exposure)} distinct ids recommended")
    counts = np.r_[np.fromiter(exposure.values(), dtype=float), np.zeros(catalogue_size - len(exposure))]
    n = len(queries)
    return Scores(
        recall=recall / n,
        recall_full=recall_full / n,
        ndcg=ndcg / n,
        mrr=mrr / n,
        hit=hit / n,
        n_queries=n,
        answered=answered,
        distinct=len(exposure),
        gini=gini(counts) if len(counts) else 0.0,
    )


# ----------------------------------------------------------------------------------------------------- anchors


@dataclass(frozen=True)
class History:
    """The history graph over the profiled organisations.

    Attributes:
        ids: Profile ids, one per row.
        row_of: Row of each id.
        city: Case-folded city per row (the other-city rule compares these).
        adjacency: Symmetric 0/1 CSR matrix, no self-loops, one edge however many partnerships a pair has.
        degree: History partners per row.
    """

    ids: list[str]
    row_of: dict[str, int]
    city: np.ndarray
    adjacency: sp.csr_matrix
    degree: np.ndarray

    @classmethod
    def from_frames(cls, profiles: pd.DataFrame, partnerships: pd.DataFrame) -> History:
        """Builds the graph; partnerships naming an unprofiled id, and self-pairs, are skipped.

        Args:
            profiles: Columns ``id`` and ``city``.
            partnerships: Columns ``source_id`` and ``target_id``.
        """
        ids = profiles["id"].astype(str).str.strip().tolist()
        row_of = {pid: i for i, pid in enumerate(ids)}
        src = partnerships["source_id"].astype(str).str.strip().map(row_of)
        dst = partnerships["target_id"].astype(str).str.strip().map(row_of)
        known = src.notna() & dst.notna()
        src_rows, dst_rows = src[known].to_numpy(dtype=np.int64), dst[known].to_numpy(dtype=np.int64)
        keep = src_rows != dst_rows
        src_rows, dst_rows = src_rows[keep], dst_rows[keep]
        skipped = len(partnerships) - len(src_rows)
        if skipped:
            logger.info("history: skipped %d partnerships (unprofiled id or self-pair)", skipped)
        n = len(ids)
        ones = np.ones(2 * len(src_rows), dtype=np.float64)
        adjacency = sp.csr_matrix((ones, (np.r_[src_rows, dst_rows], np.r_[dst_rows, src_rows])), shape=(n, n))
        adjacency.sum_duplicates()
        adjacency.data[:] = 1.0  # a pair that met in several projects is one edge
        city = profiles["city"].astype(str).str.strip().str.casefold().to_numpy(dtype=object)
        return cls(ids, row_of, city, adjacency, np.diff(adjacency.indptr).astype(np.int64))


def _blend(aa: np.ndarray, aa_max: float, log_degree: np.ndarray, ld_max: float) -> np.ndarray:
    """``0.5 * aa / aa_max + 0.5 * log_degree / ld_max``; a zero maximum leaves its half at zero."""
    aa_part = aa / aa_max if aa_max > 0 else np.zeros_like(aa)
    ld_part = log_degree / ld_max if ld_max > 0 else np.zeros_like(log_degree)
    return 0.5 * aa_part + 0.5 * ld_part


def _top(scores: np.ndarray, allowed: np.ndarray, ties: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` best allowed candidates: highest score first, then lowest ``ties``."""
    values = scores[allowed]
    pool = allowed
    if len(values) > k:
        # Only candidates scoring at least the k-th best can make the list; sort just those.
        kth = np.partition(values, len(values) - k)[len(values) - k]
        pool = allowed[values >= kth]
    order = np.lexsort((ties[pool], -scores[pool]))[:k]
    return pool[order]


def anchor_lists(
    history: History, queries: Sequence[str], *, k: int = K, other_city: bool = False, seed: int = 0
) -> dict[str, dict[str, list[str]]]:
    """Top-k lists of the three SOURCE.md anchors, over all profiled organisations except the query and its
    history partners (and, with ``other_city``, those in the query's city).

    - ``popularity``: degree in the history.
    - ``adamic_adar``: sum over shared history partners z of ``1 / log(degree z)``; ties (most candidates share
      no partner with the query) broken by degree. That tie-break reproduces SOURCE.md's Adamic-Adar row to the
      third decimal; broken at random instead, nDCG@10 reads 0.057 rather than 0.060.
    - ``blend``: ``0.5 * AA / max AA + 0.5 * log(1 + degree) / max log(1 + degree)``, the maxima taken per query
      over its candidates (a zero maximum leaves that half at zero).
    - ``blend_all``: the same with the maxima over all profiled organisations, the query included (its
      Adamic-Adar with itself, the sum over its own partners, is nearly always the largest, so the AA half is
      scaled down). This is the normalisation that reproduces SOURCE.md's blend row (0.069 / 0.068 / 0.163 /
      0.358); the candidates' maximum gives a lower MRR (about 0.145).

    Remaining ties are broken by a seeded random draw per query, the same for all anchors, so none profits from
    the file's order.

    Args:
        history: The history graph.
        queries: Query ids; one not profiled gets empty lists.
        k: List length.
        other_city: Apply the product's rule: only candidates in another city (case-insensitive).
        seed: Seed of the tie-break.

    Returns:
        ``{anchor: {query: [ids best first]}}`` for the anchors of :data:`ANCHORS`.

    Example:
        >>> profiles = pd.DataFrame({"id": ["a", "b", "c", "d"], "city": ["X", "Y", "Z", "x"]})
        >>> history = History.from_frames(profiles, pd.DataFrame({"source_id": ["a", "c"], "target_id": ["b", "b"]}))
        >>> anchor_lists(history, ["a"], k=2)["adamic_adar"]["a"]
        ['c', 'd']
        >>> anchor_lists(history, ["a"], k=2, other_city=True)["popularity"]["a"]  # d is in a's city
        ['c']
    """
    out: dict[str, dict[str, list[str]]] = {name: {} for name in ANCHORS}
    rng = np.random.default_rng(seed)
    n = len(history.ids)
    # A shared partner z weighs 1/log(deg z); z has at least two partners (both ends), so log is positive.
    weighted = sp.diags(1.0 / np.log(np.maximum(history.degree, 2))) @ history.adjacency
    weighted = sp.csr_matrix(weighted)
    popularity = history.degree.astype(float)
    log_degree = np.log1p(popularity)
    known = [q for q in dict.fromkeys(queries) if q in history.row_of]
    for q in dict.fromkeys(queries):
        if q not in history.row_of:
            logger.warning("query %s is not profiled: empty anchor lists", q)
            for name in ANCHORS:
                out[name][q] = []
    for start in range(0, len(known), 256):  # bounded dense blocks: 256 x 15k floats
        chunk = known[start : start + 256]
        rows = np.array([history.row_of[q] for q in chunk], dtype=np.int64)
        adamic_adar = (history.adjacency[rows] @ weighted).toarray()
        for i, (query, row) in enumerate(zip(chunk, rows.tolist(), strict=True)):
            mask = history.city != history.city[row] if other_city else np.ones(n, dtype=bool)
            mask[row] = False
            mask[history.adjacency.indices[history.adjacency.indptr[row] : history.adjacency.indptr[row + 1]]] = False
            allowed = np.flatnonzero(mask)
            ties = rng.random(n)
            aa = adamic_adar[i]
            aa_max = float(aa[allowed].max(initial=0.0))
            ld_max = float(log_degree[allowed].max(initial=0.0))
            aa_all, ld_all = float(aa.max(initial=0.0)), float(log_degree.max(initial=0.0))
            ranked = {
                "popularity": (popularity, ties),
                "adamic_adar": (aa, popularity + ties),  # degree first, then random (degrees are integers)
                "blend": (_blend(aa, aa_max, log_degree, ld_max), ties),
                "blend_all": (_blend(aa, aa_all, log_degree, ld_all), ties),
            }
            for name, (scores, tie_break) in ranked.items():
                out[name][query] = [history.ids[j] for j in _top(scores, allowed, -tie_break, k)]
    return out


# ----------------------------------------------------------------------------------------------------- the CLI run


@dataclass
class Step:
    """One ``matcher`` subprocess.

    Attributes:
        name: What it does (``import profiles``, ``build``, ...).
        argv: The command line run.
        seconds: Wall clock.
        returncode: Exit code (None when skipped).
        note: What came of it, in a few words.
        stdout: Its standard output.
        stderr: Its standard error (empty when streamed, see :func:`run_step`).
    """

    name: str
    argv: list[str]
    seconds: float = 0.0
    returncode: int | None = None
    note: str = ""
    stdout: str = field(default="", repr=False)
    stderr: str = field(default="", repr=False)


def matcher_command() -> list[str]:
    """The ``matcher`` entry point a user would type; ``python -m matcher`` when it is not on the PATH."""
    found = shutil.which("matcher")
    return [found] if found else [sys.executable, "-m", "matcher"]


def run_step(name: str, home: Path, args: Sequence[str], *, stream: bool = False) -> Step:
    """Runs ``matcher --home HOME ARGS`` and times it.

    Args:
        name: Label for logs and the timing table.
        home: The workspace.
        args: Arguments after ``--home HOME``.
        stream: Let the command's stderr (progress bars, ``-v`` logs) through to ours instead of capturing it.

    Returns:
        The step, with its output and exit code.
    """
    argv = [*matcher_command(), "--home", str(home), *args]
    logger.info("%s: %s", name, shlex.join(argv))
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=None if stream else subprocess.PIPE, text=True)
    step = Step(name, argv, time.perf_counter() - start, done.returncode, stdout=done.stdout, stderr=done.stderr or "")
    logger.info("%s: exit %d in %.1f s", name, done.returncode, step.seconds)
    return step


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def _require(step: Step, ok: Collection[int]) -> None:
    """Stops the benchmark when a step the others depend on failed."""
    if step.returncode not in ok:
        raise SystemExit(f"{step.name} failed (exit {step.returncode}):\n{step.stderr.strip() or step.stdout.strip()}")


def import_step(kind: str, path: Path, home: Path, stream: bool) -> tuple[Step, dict[str, Any]]:
    """``matcher import KIND FILE --json``: exit 0, or 1 when some rows were rejected (accepted, and counted)."""
    step = run_step(f"import {kind}", home, ["import", kind, str(path), "--json"], stream=stream)
    _require(step, (0, 1))
    report = _json_or_none(step.stdout) or {}
    rejected = report.get("rejected", [])
    counts = {
        "rows": report.get("rows"),
        "imported": report.get("imported"),
        "rejected": len(rejected),
        "rejected_ids": sorted({str(p["id"]) for p in rejected if p.get("id")}),
        "warnings": len(report.get("warnings", [])),
    }
    step.note = f"{counts['imported']:,} of {counts['rows']:,} rows imported, {counts['rejected']:,} rejected"
    for problem in rejected[:5]:
        logger.warning("%s rejected row %s: %s", kind, problem.get("row"), problem.get("reason"))
    return step, counts


def read_jsonl(text: str) -> dict[str, list[str]]:
    """Per query the result ids of ``matcher recommend --jsonl`` output (lines that are not JSON are skipped).

    Example:
        >>> read_jsonl('{"query": "a", "results": [{"id": "b"}, {"id": "c"}]}\\n')
        {'a': ['b', 'c']}
    """
    lists: dict[str, list[str]] = {}
    for n, line in enumerate(text.splitlines(), 1):
        record = _json_or_none(line) if line.strip() else None
        if not isinstance(record, dict) or "query" not in record:
            if line.strip():
                logger.warning("recommend output line %d is not a result object: %.80s", n, line)
            continue
        lists[str(record["query"])] = [str(r["id"]) for r in record.get("results", [])]
    return lists


def workspace_has_data(home: Path) -> bool:
    """Whether the workspace already holds profiles and partnerships (``matcher stats --json``)."""
    if not home.exists():
        return False
    step = run_step("stats", home, ["stats", "--json"])
    stats = _json_or_none(step.stdout) if step.returncode == 0 else None
    if not isinstance(stats, dict):
        return False
    return stats.get("profiles", 0) > 0 and stats.get("partnerships", 0) > 0


def workspace_is_built(home: Path) -> bool:
    """Whether the workspace has search indexes on disk (its ``index/`` folder is not empty)."""
    from matcher.config import Workspace

    index = Workspace(home).index_dir
    return index.is_dir() and any(index.iterdir())


def run_product(args: argparse.Namespace, data: Path, home: Path, queries: Sequence[str]) -> dict[str, Any]:
    """The user's flow on ``home``; returns the steps, import counts and per-query lists.

    Args:
        args: This script's options.
        data: The data folder.
        home: The workspace.
        queries: Query ids, in the order of queries.txt.
    """
    steps: list[Step] = []
    imports: dict[str, Any] = {}
    stream = args.verbose
    if args.reuse and workspace_has_data(home):
        logger.info("--reuse: %s already holds profiles and partnerships; import skipped", home)
        steps += [Step(f"import {kind}", [], note="skipped (--reuse)") for kind in ("profiles", "partnerships")]
    else:
        for kind in ("profiles", "partnerships"):
            step, counts = import_step(kind, data / f"{kind}.csv", home, stream)
            steps.append(step)
            imports[kind] = counts
    if args.reuse and workspace_is_built(home):
        logger.info("--reuse: %s already has indexes; build skipped", home)
        steps.append(Step("build", [], note="skipped (--reuse)"))
    else:
        step = run_step("build", home, ["build", "--json"], stream=stream)
        _require(step, (0,))
        report = _json_or_none(step.stdout) or {}
        encoded = report.get("encoded", {})
        step.note = f"{report.get('profiles', 0):,} profiles, {sum(encoded.values()):,} texts encoded" + (
            f" with {report['model']}" if report.get("model") else ""
        )
        steps.append(step)

    if args.train is not False:
        exists = run_step("train --help", home, ["train", "--help"]).returncode == 0
        if not exists:
            logger.warning("`matcher train` is not available: skipped")
            steps.append(Step("train", [], note="not available"))
        else:
            step = run_step("train", home, ["train"], stream=stream)
            if step.returncode != 0:
                # Training is optional: recommendations then use the weighted scorer, which is what we measure.
                print(f"matcher train exited {step.returncode}; continuing without it:\n{step.stderr.strip()}")
                step.note = f"failed (exit {step.returncode}); continued"
            else:
                verdict = [line for line in step.stdout.splitlines() if "re-ranker" in line]
                step.note = verdict[0].split("; gain")[0].strip() if verdict else "done"
            steps.append(step)
    else:
        steps.append(Step("train", [], note="skipped (--no-train)"))

    # A query whose profile the import rejected would fail the whole batch (unknown id); leave it out, so it
    # scores zeros like any query without output.
    rejected = set(imports.get("profiles", {}).get("rejected_ids", ()))
    asked = [q for q in dict.fromkeys(queries) if q not in rejected]
    if len(asked) < len(set(queries)):
        logger.warning("%d queries left out of recommend: their profile was rejected", len(set(queries)) - len(asked))
    extra = shlex.split(args.extra_recommend_args or "")
    with tempfile.TemporaryDirectory(prefix="bench-dev-queries-") as tmp:
        queries_file = Path(tmp) / "queries.txt"
        queries_file.write_text("\n".join(asked) + "\n", encoding="utf-8")
        step = run_step(
            "recommend",
            home,
            ["recommend", "--queries", str(queries_file), "--k", str(K), "--jsonl", *extra],
            stream=stream,
        )
    _require(step, (0,))
    lists = read_jsonl(step.stdout)
    step.note = f"{len(lists)} lists, {sum(map(len, lists.values())):,} suggestions"
    steps.append(step)
    return {"steps": steps, "imports": imports, "lists": lists}


# ----------------------------------------------------------------------------------------------------- report


def published_anchors(source_md: Path) -> list[dict[str, Any]]:
    """The anchor table of SOURCE.md (rows of a ``| ranker | recall@10 | nDCG@10 | MRR@10 | hit@10 |`` table)."""
    rows: list[dict[str, Any]] = []
    if not source_md.exists():
        return rows
    for line in source_md.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and all(re.fullmatch(r"\d+\.\d+", c) for c in cells[1:]):
            values = [cells[0], *map(float, cells[1:])]
            rows.append(dict(zip(("ranker", "recall", "ndcg", "mrr", "hit"), values, strict=True)))
    return rows


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    """The result rows as a Markdown table."""
    lines = [
        "| ranker | candidates | recall@10 | nDCG@10 | MRR@10 | hit@10 | recall@10 ÷\\|truth\\| | distinct orgs "
        "| Gini exposure |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['ranker']} | {row['rule']} | {row['recall']:.3f} | {row['ndcg']:.3f} | {row['mrr']:.3f} | "
            f"{row['hit']:.3f} | {row['recall_full']:.3f} | {row['distinct']:,} | {row['gini']:.3f} |"
        )
    return "\n".join(lines)


def timing_table(steps: Sequence[Step]) -> str:
    """The steps' wall clock as a Markdown table."""
    lines = ["| step | wall clock | exit | what |", "|---|---:|---:|---|"]
    for step in steps:
        took = f"{step.seconds:.1f} s" if step.returncode is not None else "-"
        code = str(step.returncode) if step.returncode is not None else "-"
        lines.append(f"| `{step.name}` | {took} | {code} | {step.note} |")
    return "\n".join(lines)


def git_commit() -> str:
    """``git rev-parse --short HEAD``, with ``+dirty`` when the working tree has uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def section_text(result: dict[str, Any]) -> str:
    """The RESULTS.md section: what was run, the table, the published anchors, the timings."""
    published = result["published_anchors"]
    parts = [
        SECTION,
        "",
        f"Written by `python3 bench/bench_dev.py --write` on {result['date']} at commit `{result['commit']}`. "
        f"Data: `{result['data']}` ({result['n_profiles']:,} profiles, {result['n_partnerships']:,} partnerships, "
        f"{result['n_truth_pairs']:,} truth pairs, {result['n_queries']} queries; see its SOURCE.md). The matcher "
        "row is the public CLI, each step a subprocess on one workspace (import, build"
        + (", train" if result["trained"] else "")
        + f", one batch `recommend --queries --k 10 --jsonl{(' ' + result['extra']) if result['extra'] else ''}`; "
        "each list as `recommend ID` gives it; `--exposure-cap` would spread them). The anchors are recomputed "
        "in-process from the same files (Adamic-Adar ties broken by degree, other ties at random, seeded); the "
        "any-city rows reproduce SOURCE.md's anchor table to the third decimal, the blend with its normalisation "
        "(maxima over all organisations). Scores follow SOURCE.md: top 10 against the query's 2017-2018 partners "
        "(pairs read both ways), averaged over all queries, a query without output counting as zeros "
        f"({result['answered']} of {result['n_queries']} answered). recall@10 divides the partners found by "
        "min(10, |truth|), as SOURCE.md's numbers do; the ÷|truth| column is `matcher.evaluate.recall_at_k`. "
        f"Same-city truth pairs stay in the truth under both rules ({result['same_city_truth']} of the queries' "
        f"{result['query_truth_pairs']:,} truth partners are in the query's city).",
        "",
        markdown_table(result["rows"]),
        "",
    ]
    if published:
        parts += [
            "Published anchors (SOURCE.md, any city): "
            + "; ".join(
                f"{p['ranker']} {p['recall']:.3f} / {p['ndcg']:.3f} / {p['mrr']:.3f} / {p['hit']:.3f}"
                for p in published
            )
            + " (recall / nDCG / MRR / hit at 10).",
            "",
        ]
    parts += [
        f"Wall clock per step ({result['machine']}):",
        "",
        timing_table(result["steps"]),
        "",
    ]
    return "\n".join(parts)


# ----------------------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line of this script."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help=f"data folder (default {DATA})")
    parser.add_argument("--workspace", type=Path, default=None, help="workspace folder (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the workspace afterwards")
    parser.add_argument("--reuse", action="store_true", help="skip import/build when the workspace already has them")
    parser.add_argument(
        "--train",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run `matcher train` (default: when the command exists; a failure is printed and the run goes on)",
    )
    parser.add_argument("--extra-recommend-args", default="", help="appended to the recommend command (one string)")
    parser.add_argument("--seed", type=int, default=0, help="tie-break seed of the anchors")
    parser.add_argument("--write", action="store_true", help="rewrite this benchmark's section of the results file")
    parser.add_argument(
        "--results", type=Path, default=None, metavar="PATH", help="results file for --write (default bench/RESULTS.md)"
    )
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="also dump the numbers as JSON")
    parser.add_argument("--verbose", "-v", action="store_true", help="let the matcher's stderr through (progress)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark; returns the exit code."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    data = args.data.resolve()
    needed = ("profiles.csv", "partnerships.csv", "truth.csv", "queries.txt")
    if not all((data / name).exists() for name in needed):
        print(f"The development set is not at {data} (need {', '.join(needed)}): nothing to measure.")
        return 0

    started, load_start = time.perf_counter(), os.getloadavg()[0]
    profiles = pd.read_csv(data / "profiles.csv", dtype=str, keep_default_na=False)
    partnerships = pd.read_csv(data / "partnerships.csv", dtype=str, keep_default_na=False)
    truth = load_truth(data / "truth.csv")
    queries = [q.strip() for q in (data / "queries.txt").read_text(encoding="utf-8").splitlines() if q.strip()]
    catalogue = len(profiles)

    created = args.workspace is None or not args.workspace.exists()
    home = (args.workspace or Path(tempfile.mkdtemp(prefix="bench-dev-")) / "home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    try:
        product = run_product(args, data, home, queries)
    finally:
        # A folder the user named and that existed before is never deleted.
        if not args.keep and created:
            shutil.rmtree(home.parent if args.workspace is None else home, ignore_errors=True)
        else:
            logger.info("workspace kept: %s", home)

    logger.info("anchors: building the history graph and ranking %d queries twice", len(queries))
    anchor_start = time.perf_counter()
    history = History.from_frames(profiles, partnerships)
    rows: list[dict[str, Any]] = []
    matcher_scores = score_lists(product["lists"], queries, truth, catalogue)
    rows.append({"ranker": "matcher (CLI batch)", "rule": PRODUCT_RULE, **asdict(matcher_scores)})
    for rule in RULES:
        lists = anchor_lists(history, queries, other_city=rule == "other_city", seed=args.seed)
        for name in ANCHORS:
            scores = score_lists(lists[name], queries, truth, catalogue)
            rows.append({"ranker": ANCHOR_LABELS[name], "rule": RULES[rule], **asdict(scores)})
    anchor_seconds = time.perf_counter() - anchor_start
    logger.info("anchors: %.1f s", anchor_seconds)

    query_truth = [(q, p) for q in dict.fromkeys(queries) for p in truth.get(q, ())]
    same_city = sum(
        history.city[history.row_of[q]] == history.city[history.row_of[p]]
        for q, p in query_truth
        if q in history.row_of and p in history.row_of
    )
    steps: list[Step] = product["steps"]
    result: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "commit": git_commit(),
        "data": str(data.relative_to(REPO.parent)) if data.is_relative_to(REPO.parent) else str(data),
        "workspace": str(home),
        "n_profiles": catalogue,
        "n_partnerships": len(partnerships),
        "n_truth_pairs": sum(map(len, truth.values())) // 2,
        "n_queries": len(dict.fromkeys(queries)),
        "answered": matcher_scores.answered,
        "query_truth_pairs": len(query_truth),
        "same_city_truth": int(same_city),
        "trained": any(s.name == "train" and s.returncode == 0 for s in steps),
        "extra": args.extra_recommend_args,
        "imports": product["imports"],
        "rows": rows,
        "steps": steps,
        "anchor_seconds": anchor_seconds,
        "total_seconds": time.perf_counter() - started,
        "published_anchors": published_anchors(data / "SOURCE.md"),
        # Other jobs on the machine slow the build down a lot: say how busy it was.
        "machine": f"{os.cpu_count()} CPUs, 1-min load average {load_start:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end",
    }

    print()
    print(markdown_table(rows))
    print()
    print(timing_table(steps))
    print(f"\nanchors computed in {anchor_seconds:.1f} s; total {result['total_seconds'] / 60:.1f} min")
    for kind, counts in product["imports"].items():
        print(f"import {kind}: {counts['imported']:,} of {counts['rows']:,} rows, {counts['rejected']:,} rejected")

    if args.json is not None:
        payload = {
            **result,
            "steps": [{k: v for k, v in asdict(s).items() if k not in ("stdout", "stderr")} for s in steps],
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
        logger.info("wrote %s", args.json)
    if args.write:
        from results import RESULTS, write_section  # bench/results.py: the script's folder is on sys.path

        out = args.results or RESULTS
        write_section(SECTION, section_text(result), out)
        logger.info("wrote the section %r of %s", SECTION, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
