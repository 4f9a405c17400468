"""Recommendation speed: one ``recommend`` at 100,000 profiles (p50/p95) and a batch of 1,000 over 16,000.

Profiles and partnerships come from :func:`matcher.synthetic.generate`; the vectors are synthetic stand-ins (no
model is run): unit vectors drawn around 256 cluster centres in 384 dimensions, about 5% empty ``offers`` and
``seeks`` (zero rows), so the HNSW graphs see clustered data like real embeddings rather than uniform noise.
Explanations use the word-overlap fallback (no phrase encoder), as they would with no model loaded.

Usage:
    python3 bench/bench_recommend.py            # both measurements; rewrites its section of bench/RESULTS.md
    python3 bench/bench_recommend.py --single-n 20000 --batch-n 4000 --queries 50 --no-write   # a quick look
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from results import RESULTS, write_section  # bench/results.py: the script's folder is on sys.path

from matcher.index import VectorIndex
from matcher.rank import Recommender
from matcher.schema import FACETS
from matcher.synthetic import generate

DIM = 384


def stand_in_vectors(n: int, seed: int) -> dict[str, np.ndarray]:
    """Clustered unit vectors per facet, with some zero rows in offers and seeks."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(256, DIM)).astype(np.float32)
    out = {}
    for facet in FACETS:
        assign = rng.integers(0, len(centres), n)
        vectors = centres[assign] + 0.8 * rng.normal(size=(n, DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        if facet != "profile":
            vectors[rng.random(n) < 0.05] = 0.0
        out[facet] = vectors
    return out


def fitted(n: int, partnerships_per_org: float, seed: int) -> tuple[Recommender, list[str], dict[str, float]]:
    timings: dict[str, float] = {}
    start = time.perf_counter()
    data = generate(n, seed=seed, partnerships_per_org=partnerships_per_org)
    vectors = stand_in_vectors(n, seed)
    timings["data"] = time.perf_counter() - start
    start = time.perf_counter()
    indexes = {}
    for facet in FACETS:
        present = np.flatnonzero(np.einsum("ij,ij->i", vectors[facet], vectors[facet]) > 0)
        ids = data.profiles["id"].to_numpy()[present].tolist()
        indexes[facet] = VectorIndex().build(ids, vectors[facet][present])
    timings["index"] = time.perf_counter() - start
    start = time.perf_counter()
    rec = Recommender().fit(data.profiles, vectors, data.partnerships, indexes)
    timings["fit"] = time.perf_counter() - start
    timings["edges"] = rec.graph_.n_edges
    return rec, data.profiles["id"].tolist(), timings


def single(n: int, queries: int, seed: int) -> dict[str, float]:
    rec, ids, timings = fitted(n, 2.0, seed)
    rng = np.random.default_rng(seed + 1)
    chosen = rng.choice(ids, size=queries + 5, replace=False).tolist()
    for pid in chosen[:5]:  # warm-up: caches, lazy imports, FAISS threads
        rec.recommend(pid, k=10)
    latencies = []
    for pid in chosen[5:]:
        start = time.perf_counter()
        rec.recommend(pid, k=10)
        latencies.append(time.perf_counter() - start)
    ms = np.array(latencies) * 1000
    return {**timings, "p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
            "max": float(ms.max()), "queries": queries}  # fmt: skip


def batch(n: int, queries: int, seed: int) -> dict[str, float]:
    # Each partnership has two ends: 25 per organisation on average gives 200,000 pairs at n = 16,000.
    rec, ids, timings = fitted(n, 200_000 * 2 / n, seed)
    rng = np.random.default_rng(seed + 2)
    chosen = rng.choice(ids, size=queries, replace=False).tolist()
    start = time.perf_counter()
    cpu = time.process_time()
    lists = rec.recommend_many(chosen, k=10)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {**timings, "wall": wall, "cpu": cpu, "queries": queries, "results": sum(len(r.results) for r in lists)}


SECTION = "## Recommendation speed"


def section(one: dict[str, float], many: dict[str, float], args: argparse.Namespace, load: tuple[float, float]) -> str:
    """The RESULTS.md section for one run."""
    return "\n".join(
        [
            SECTION,
            "",
            f"`python3 bench/bench_recommend.py` ({time.strftime('%Y-%m-%d')}; {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; load average {load[0]:.1f} at the start, {load[1]:.1f} at the end: the "
            "machine is shared, and times grow with its load). Profiles and partnerships from "
            "`matcher.synthetic.generate` (seed "
            f"{args.seed}); the **vectors are synthetic stand-ins**, not model output: unit vectors around 256 "
            "cluster centres in 384 dimensions, 5% empty `offers`/`seeks`. Indexes are `VectorIndex` defaults "
            "(HNSW above 20,000 vectors, exact below). Each call runs every channel (five vector searches, lexical, "
            "partners of partners, three-step paths, popular, partners of peers), scores both directions, applies "
            "MMR and writes the reasons "
            "(word-overlap quotes, no phrase encoder) for the 10 results and up to 10 existing partners.",
            "",
            "| measurement | profiles | partnerships | index build (3 facets) | fit | result | target |",
            "|---|---:|---:|---:|---:|---|---|",
            f"| `recommend`, k=10, {one['queries']:.0f} random askers, one at a time | {args.single_n:,} | "
            f"{one['edges']:,.0f} | {one['index']:.0f} s | {one['fit']:.1f} s | p50 {one['p50']:.1f} ms, p95 "
            f"{one['p95']:.1f} ms, max {one['max']:.0f} ms | p95 ≤ 50 ms: {'met' if one['p95'] <= 50 else 'missed'} |",
            f"| `recommend_many`, k=10, {many['queries']:,.0f} askers, exposure cap 5% | {args.batch_n:,} | "
            f"{many['edges']:,.0f} | {many['index']:.0f} s | {many['fit']:.1f} s | {many['wall']:.1f} s wall, "
            f"{many['cpu']:.1f} s CPU | < 60 s: {'met' if many['wall'] < 60 else 'missed'} |",
            "",
            "`explain=False` (for evaluations) skips the reasons, a fifth of a single call's time.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single-n", type=int, default=100_000)
    parser.add_argument("--batch-n", type=int, default=16_000)
    parser.add_argument("--queries", type=int, default=300, help="single recommend calls timed")
    parser.add_argument("--batch-queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()

    start_load = os.getloadavg()[0]
    one = single(args.single_n, args.queries, args.seed)
    many = batch(args.batch_n, args.batch_queries, args.seed)
    text = section(one, many, args, (start_load, os.getloadavg()[0]))
    print(text)
    if not args.no_write:
        write_section(SECTION, text, RESULTS)
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
