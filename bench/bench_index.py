"""What :class:`matcher.index.VectorIndex` adds to the raw calls it wraps: one query at a time, side by side.

Two cases, each measured in the same run on the same queries:

- 10,000 x 384 vectors, an exact index: ``VectorIndex.search`` against a NumPy matrix-vector product with
  ``argpartition`` (the raw NumPy product) and FAISS' ``IndexFlatIP.search`` (the raw FAISS call), over the
  index's own matrix;
- 40,000 x 384 vectors, an HNSW index: ``VectorIndex.search`` against ``IndexHNSWFlat.search`` called directly on
  the index's own graph object (the same memory: the difference is the wrapper alone).

With ``--before REV``, the ``VectorIndex`` of git revision ``REV`` (read with ``git archive``, imported as
``matcher_before``) loads the index from its save and runs beside the others: the change, in the same
conditions. Its copy of the graph sits elsewhere in memory, which alone can move an HNSW search by a few percent.

Each method answers every query; p50 and p95 of the per-query wall-clock time are reported with the ratios of
the index to the raw calls. Two schedules are run, because they disturb the methods differently:

- *blocks*: the methods take turns in blocks of ``--block`` consecutive queries, in a shuffled order per round,
  so load from other jobs falls on all of them alike while each call follows a call of the same method;
- *alternating*: the methods take turns on every query (as in ``bench/bench_search.py``), so a call may run
  while the previous method's threads (OpenBLAS and OpenMP workers spin for a while after a call) still
  compete for the two cores, and a method that is not first on a query finds that query's HNSW path in the
  caches already (the order is shuffled per query, so no method is favoured on average).

Vectors are synthetic but shaped like real all-MiniLM-L6-v2 embeddings of CORDIS texts (the ``mixture``
vectors of ``bench/bench_search.py``, which encodes the CORDIS sample with the packaged model first).

Run from the repository root::

    python3 bench/bench_index.py                # replaces the "Index overhead" section of bench/RESULTS.md
    python3 bench/bench_index.py --append       # adds this run to that section (e.g. a second run under load)
    python3 bench/bench_index.py --before HEAD  # also the committed VectorIndex, side by side
    python3 bench/bench_index.py --print        # prints the run, writes nothing
    python3 bench/bench_index.py --profile      # cProfile of the index's own search at both sizes, printed
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import logging
import os
import pstats
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
from bench_search import Generator, environment, fmt, numpy_search, pct, real_embeddings
from results import RESULTS, write_section  # bench/ is on sys.path: it is the script's folder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher.index import VectorIndex  # noqa: E402

logger = logging.getLogger("bench_index")

SECTION = "## Index overhead"
K = 10
EXACT_N = 10_000
HNSW_N = 40_000
OURS = "VectorIndex.search"
WRAPPER_ROUNDS = 40
WRAPPER_CALLS = 300

Method = Callable[[np.ndarray], object]


class Case:
    """One case: its title, the search methods by name, which of them are raw calls, the queries, and a check."""

    def __init__(self, title: str, methods: dict[str, Method], raw: list[str], queries: np.ndarray, check: str) -> None:
        self.title, self.methods, self.raw, self.queries, self.check = title, methods, raw, queries, check


def block_times(methods: dict[str, Method], queries: np.ndarray, block: int, seed: int) -> dict[str, np.ndarray]:
    """Per-query latency (ms) of each method, the methods taking turns in blocks of ``block`` queries."""
    times = {name: np.empty(len(queries)) for name in methods}
    names = list(methods)
    rng = np.random.default_rng(seed)
    for start in range(0, len(queries), block):
        for j in rng.permutation(len(names)):
            method, out = methods[names[j]], times[names[j]]
            for i in range(start, min(start + block, len(queries))):
                began = time.perf_counter()
                method(queries[i])
                out[i] = (time.perf_counter() - began) * 1e3
    return times


def tables(c: Case, args: argparse.Namespace) -> list[str]:
    """Both schedules for one case: a table per schedule, with the ratios of each index to each raw call."""
    methods, queries = c.methods, c.queries
    for method in methods.values():  # warm up: first calls allocate, and fault the pages in
        for q in queries[:20]:
            method(q)
    ours = [name for name in methods if name.startswith(OURS)]
    lines = [f"#### {c.title}", ""]
    for schedule, block, seed in ((f"blocks of {args.block}", args.block, 1), ("alternating", 1, 2)):
        times = block_times(methods, queries, block, seed)
        header = "| method | p50 | p95 | " + " | ".join(f"{name} / this: p50, p95" for name in ours) + " |"
        lines += [
            f"Schedule: {schedule}, {len(queries):,} queries, k={K} (ms):",
            "",
            header,
            "|" + "---|" * (3 + len(ours)),
        ]
        for name, t in times.items():
            p50, p95 = pct(t)
            ratios = [
                f"**{pct(times[mine])[0] / p50:.2f}**, **{pct(times[mine])[1] / p95:.2f}**" if name in c.raw else "-"
                for mine in ours
            ]
            lines.append(f"| {name} | {fmt(p50)} | {fmt(p95)} | " + " | ".join(ratios) + " |")
        lines.append("")
    return [*lines, c.check, ""]


def before_index(revision: str, saved: Path, workdir: Path) -> VectorIndex:
    """The ``VectorIndex`` of git revision ``revision``, loading the index saved in ``saved``."""
    target = workdir / "before"
    if not (target / "matcher_before").exists():
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", revision, "matcher"], check=True, capture_output=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
        (target / "matcher").rename(target / "matcher_before")  # its imports are relative: it runs under any name
        sys.path.insert(0, str(target))
    return importlib.import_module("matcher_before.index").VectorIndex.load(saved)


def indexes(
    base: np.ndarray, args: argparse.Namespace, workdir: Path, name: str
) -> tuple[VectorIndex, dict[str, Method], float]:
    """The index over ``base``, saved; the search methods of it (and of the ``--before`` version) by name."""
    start = time.perf_counter()
    index = VectorIndex().build([f"p{i}" for i in range(len(base))], base)
    built = time.perf_counter() - start
    saved = workdir / name
    index.save(saved, {})
    methods: dict[str, Method] = {OURS: lambda q: index.search(q, K)}
    if args.before:
        before = before_index(args.before, saved, workdir)
        methods[f"{OURS} at {args.before}"] = lambda q: before.search(q, K)
    return index, methods, built


def exact_case(gen: Generator, args: argparse.Namespace, workdir: Path) -> Case:
    base = gen.mixture(EXACT_N, seed=EXACT_N)
    queries = gen.mixture(args.queries, seed=EXACT_N + 1)
    index, methods, _ = indexes(base, args, workdir, "exact")
    assert index.index_type_ == "exact"
    rows = index._snapshot.vectors  # the index's own matrix: the raw calls read the same memory
    flat = faiss.IndexFlatIP(base.shape[1])
    flat.add(rows)
    numpy_raw = numpy_search(rows)
    same = all(index.search(q, K).ids[0] == [f"p{i}" for i in numpy_raw(q)[0]] for q in queries[:200])
    methods |= {"NumPy matvec + argpartition": numpy_raw, "faiss IndexFlatIP.search": lambda q: flat.search(q[None], K)}
    return Case(
        f"{EXACT_N:,} x {base.shape[1]}, exact index",
        methods,
        ["NumPy matvec + argpartition", "faiss IndexFlatIP.search"],
        queries,
        f"Same top {K} as NumPy on the first 200 queries: {same}.",
    )


def hnsw_case(gen: Generator, args: argparse.Namespace, workdir: Path) -> Case:
    base = gen.mixture(HNSW_N, seed=HNSW_N)
    queries = gen.mixture(args.queries, seed=HNSW_N + 1)
    index, methods, built = indexes(base, args, workdir, "hnsw")
    assert index.index_type_ == "hnsw"
    graph = index._snapshot.graph  # the index's own graph object: same memory, nothing of the wrapper around it

    def raw(q: np.ndarray) -> object:
        return graph.search(q[None], K)

    same = all(index.search(q, K).ids[0] == [f"p{i}" for i in raw(q)[1][0]] for q in queries[:200])
    methods["faiss IndexHNSWFlat.search"] = raw
    return Case(
        f"{HNSW_N:,} x {base.shape[1]}, HNSW index (M=32, efSearch=96; built in {built:.0f} s)",
        methods,
        ["faiss IndexHNSWFlat.search"],
        queries,
        f"Same top {K} as the graph called directly on the first 200 queries: {same}.",
    )


def wrapper_cost(gen: Generator, args: argparse.Namespace, workdir: Path) -> list[str]:
    """The wrapper alone: tiny indexes whose raw work takes microseconds; each call's best time over many batches.

    Load inflates every time; the best of ``WRAPPER_ROUNDS`` batches of ``WRAPPER_CALLS`` calls, the methods
    alternating batch by batch, is close to what a call costs on a quiet core.
    """
    base = gen.mixture(2_000, seed=7)
    query = gen.mixture(1, seed=8)[0]
    rows = []
    for kind, n, params in (("exact", 100, {}), ("hnsw", 2_000, {"exact_threshold": 100, "ef_search": 16})):
        vectors = np.ascontiguousarray(base[:n])
        index = VectorIndex(**params).build([f"p{i}" for i in range(n)], vectors)
        methods: dict[str, Callable[[], object]] = {OURS: lambda index=index: index.search(query, K)}
        if args.before:
            index.save(workdir / f"tiny-{kind}", {})
            before = before_index(args.before, workdir / f"tiny-{kind}", workdir)
            methods[f"{OURS} at {args.before}"] = lambda before=before: before.search(query, K)
        if kind == "exact":
            methods["raw"] = lambda vectors=vectors: raw_exact(vectors, query)
            raw_name = "FAISS kernel + argpartition + argsort"
        else:
            graph, hnsw_params = index._snapshot.graph, faiss.SearchParametersHNSW()
            hnsw_params.efSearch = index.ef_search
            methods["raw"] = lambda graph=graph, p=hnsw_params: graph.search(query[None], K, params=p)
            raw_name = f"IndexHNSWFlat.search, efSearch {index.ef_search}"
        best = {name: float("inf") for name in methods}
        for _ in range(WRAPPER_ROUNDS):
            for name, method in methods.items():
                best[name] = min(best[name], timeit.timeit(method, number=WRAPPER_CALLS) / WRAPPER_CALLS * 1e6)
        rows.append(
            f"| {kind}, {n:,} x {base.shape[1]} | {raw_name}: {best['raw']:.1f} | "
            + " | ".join(f"{best[name]:.1f} (+{best[name] - best['raw']:.1f})" for name in methods if name != "raw")
            + " |"
        )
    ours = [name for name in methods if name != "raw"]
    return [
        "#### The wrapper alone",
        "",
        f"Tiny indexes, one query; best of {WRAPPER_ROUNDS} batches of {WRAPPER_CALLS:,} calls, methods alternating "
        "batch by batch (µs per call; in brackets, over the raw call):",
        "",
        "| index | raw call | " + " | ".join(ours) + " |",
        "|" + "---|" * (2 + len(ours)),
        *rows,
        "",
    ]


def raw_exact(vectors: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the exact index computes for one query, without the index: FAISS' kernel, then the top ``K``."""
    scores = np.empty(len(vectors), dtype=np.float32)
    faiss.fvec_inner_products_ny(
        faiss.swig_ptr(scores), faiss.swig_ptr(query), faiss.swig_ptr(vectors), vectors.shape[1], len(vectors)
    )
    top = np.argpartition(scores, len(scores) - K)[-K:]
    top = top[np.argsort(-scores[top])]
    return top, scores[top]


def profile(method: Method, queries: np.ndarray, title: str) -> str:
    """cProfile of ``method`` over ``queries``, one at a time, by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for q in queries:
        method(q)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    return f"{title}: {len(queries):,} single-query searches\n{out.getvalue()}"


def existing_runs(path: Path) -> str:
    """The body of this benchmark's section in ``path`` (everything under its heading), or ''."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    found = re.search(rf"^{re.escape(SECTION)}\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    return found.group(1).strip("\n") if found else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--queries", type=int, default=2_000, help="queries per case (default 2,000)")
    parser.add_argument("--block", type=int, default=25, help="queries per block in the block schedule")
    parser.add_argument("--before", metavar="REV", help="also time the VectorIndex of this git revision")
    parser.add_argument("--append", action="store_true", help="add this run to the section instead of replacing it")
    parser.add_argument("--print", action="store_true", help="print the run only")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the index's search, write nothing")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    gen = Generator(real_embeddings())
    load_start, started, env = os.getloadavg()[0], time.time(), environment()
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started))
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        for make in (exact_case, hnsw_case):
            c = make(gen, args, Path(tmp))
            if args.profile:
                for name in (name for name in c.methods if name.startswith(OURS)):
                    sys.stdout.write(profile(c.methods[name], c.queries, f"{name}, {c.title}") + "\n")
            else:
                lines += tables(c, args)
        if args.profile:
            return
        lines += wrapper_cost(gen, args, Path(tmp))
    run = [
        f"### Run {stamp}: load average {load_start:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end ({(time.time() - started) / 60:.1f} min)",
        "",
        *env,
        "",
        *lines,
    ]
    if args.print:
        sys.stdout.write("\n".join(run) + "\n")
        return
    intro = (
        "Written by `python3 bench/bench_index.py` (`--append` adds a run). The index's single-query search "
        "against the raw calls it wraps, side by side in one run; see the script's docstring for the two "
        "schedules. The machine has 2 cores shared with other jobs: the load average of each run is in its title."
    )
    body = (existing_runs(args.out) if args.append else "") or intro
    write_section(SECTION, "\n".join([SECTION, "", body, "", *run]), args.out)
    logger.info("wrote %s", args.out)


if __name__ == "__main__":
    main()
