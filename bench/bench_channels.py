"""Candidate recall of each channel on the real development set: how many truth pairs each channel, and their
union, puts in the pool before any ranking (issue 11, item 2).

Reads a workspace that already holds the development set, imported and built (``bench/bench_dev.py --workspace
DIR --keep`` makes one), fits the recommender on its partnerships, and for the 600 queries asks every channel for
its ``k`` best candidates (``channel_k = k``), under the product's other-city rule. A truth pair counts as found by
a channel when the channel proposes the query's partner; recall is found / truth pairs of the queries.

    python3 bench/bench_channels.py --workspace /tmp/devbench            # k = 100 and 500
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.bench_dev import DATA, load_truth  # noqa: E402
from matcher.api import Matcher  # noqa: E402
from matcher.candidates import CHANNELS  # noqa: E402
from matcher.rank import Recommender  # noqa: E402

logger = logging.getLogger("bench_channels")


def channel_recall(recommender: Recommender, queries: list[str], truth: dict[str, set[str]]) -> dict[str, float]:
    """Share of the queries' truth pairs that each channel, and the union of all, proposes."""
    found = dict.fromkeys((*CHANNELS, "union"), 0)
    total = 0
    for candidates in recommender.candidate_features(queries):
        partners = truth.get(candidates.query, set())
        total += len(partners)
        hit = np.isin(np.asarray(candidates.ids, dtype=object), list(partners))
        found["union"] += int(hit.sum())
        for name in CHANNELS:
            found[name] += int((hit & candidates.pool.proposed_by(name)).sum())
    return {name: count / max(total, 1) for name, count in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", type=Path, required=True, help="a workspace holding the development set")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--k", type=int, nargs="+", default=[100, 500])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if not (args.data / "truth.csv").exists():
        print(f"no development set at {args.data}: nothing to measure")
        return
    matcher = Matcher(args.workspace)
    profiles = matcher.store.profiles()
    vectors = matcher.context.vectors(profiles)  # the workspace's cached embeddings: nothing is encoded again
    truth = load_truth(args.data / "truth.csv")
    queries = [q for q in (args.data / "queries.txt").read_text().split() if q in set(profiles["id"])]
    print("| k | " + " | ".join(CHANNELS) + " | union |")
    print("|---:|" + "---:|" * (len(CHANNELS) + 1))
    for k in args.k:
        start = time.perf_counter()
        recommender = Recommender(channel_k=k).fit(profiles, vectors, matcher.store.partnerships())
        recall = channel_recall(recommender, queries, truth)
        cells = " | ".join(f"{recall[name]:.3f}" for name in (*CHANNELS, "union"))
        print(f"| {k} | {cells} |")
        logger.info("k=%d in %.0f s", k, time.perf_counter() - start)


if __name__ == "__main__":
    main()
