"""Graph rankers and learned rankers over the whole catalogue, on windows of several horizons (issue 11).

``bench/bench_dev_variants.py`` re-ranks the product's own candidate pools; this script asks a narrower question
without the product around it: can a ranker of the partner network alone (heuristics, or a model learnt on an
earlier window) beat SOURCE.md's blend of Adamic-Adar and popularity, and do the validation windows predict what
happens on the truth? Every ranker sees the same pool per query: the union of the 200 best by Adamic-Adar, by
three-step paths and by the blend, the asker and its partners left out, any city (SOURCE.md's protocol).

Windows (history = the partnerships dated up to a year; truth = pairs first met later whose ends share at most
:data:`bench_dev_variants.SMALL_PROJECT_COMMON` partners within their year, as in the truth's projects of at most 10
partners; both ends known in the history, as every truth organisation is profiled):

- ``adjacent``: history <= 2015, truth 2016 (one year ahead, two years of history).
- ``gap``: history <= 2014, truth 2016 (the second year ahead, as 2018 is for the truth).
- ``two-years``: history <= 2014, truth 2015-2016 (two years ahead, as 2017-2018).
- ``truth``: history <= 2016, truth.csv and queries.txt (read to report, never to choose).

Learned rankers are trained on ``adjacent`` (queries other than its 600 scored ones) over scale-free features
(log degree over the largest, Adamic-Adar over the asker's own, shared partners over the asker's degree, three-step
paths over the row's largest, same country, the two organisation types) so that a three-year history does not
shift them, and never read text (profiles list the programmes of 2016's projects: a leak in the earlier windows).

Usage (from the repository root; about two minutes on two cores)::

    python3 bench/bench_dev_windows.py
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.bench_dev import DATA, K, load_truth, score_lists  # noqa: E402
from bench.bench_dev_variants import SMALL_PROJECT_COMMON, same_year_common  # noqa: E402

logger = logging.getLogger("bench_dev_windows")

POOL = 200
"""Candidates per query from each of the three pooling scores."""
QUERIES = 600
TRAIN_QUERIES = 2500
FEATURES = ("log_degree", "aa_own", "common_share", "three_step", "same_country", "type_candidate", "type_asker")


@dataclass(frozen=True)
class Window:
    """A history to rank from and the partners to find.

    Attributes:
        name: Shown in the table.
        history: Partnerships (rows of the partnership file) known to the ranker.
        truth: Per organisation row its partners to find.
        queries: Organisation rows asked for, in order.
    """

    name: str
    history: np.ndarray
    truth: dict[int, set[int]]
    queries: list[int]


@dataclass(frozen=True)
class Pool:
    """One query's candidates and their features (rows of :data:`FEATURES`, plus the pooling scores)."""

    asker: int
    candidates: np.ndarray
    features: np.ndarray
    blend: np.ndarray


class Network:
    """The partnership file as arrays: rows of organisations, edges with their year.

    Args:
        data: The development set's folder.
    """

    def __init__(self, data: Path) -> None:
        profiles = pd.read_csv(data / "profiles.csv", dtype=str, keep_default_na=False)
        self.ids = profiles["id"].tolist()
        self.row_of = {pid: i for i, pid in enumerate(self.ids)}
        self.n = len(self.ids)
        edges = pd.read_csv(data / "partnerships.csv", dtype={"source_id": str, "target_id": str})
        edges = edges[edges["source_id"].isin(self.row_of) & edges["target_id"].isin(self.row_of)]
        self.edges = edges.reset_index(drop=True)
        self.source = edges["source_id"].map(self.row_of).to_numpy()
        self.target = edges["target_id"].map(self.row_of).to_numpy()
        self.year = edges["year"].to_numpy()
        self.common = same_year_common(self.edges, self.row_of)
        types = profiles["org_type"].replace("", "other")
        self.type_code = types.astype("category").cat.codes.to_numpy()
        self.country = profiles["country"].to_numpy()
        self.data = data

    def adjacency(self, mask: np.ndarray) -> sp.csr_matrix:
        """The 0/1 adjacency of the edges in ``mask``."""
        s, t = self.source[mask], self.target[mask]
        matrix = sp.csr_matrix((np.ones(2 * len(s)), (np.r_[s, t], np.r_[t, s])), shape=(self.n, self.n))
        matrix.data[:] = 1.0
        return matrix

    def window(self, name: str, last_history_year: int, truth_years: Sequence[int]) -> Window:
        """A validation window: history up to ``last_history_year``, small-project pairs of ``truth_years``."""
        history = self.year <= last_history_year
        degree = np.diff(self.adjacency(history).indptr)
        new = np.isin(self.year, truth_years) & (self.common >= 0) & (self.common <= SMALL_PROJECT_COMMON)
        truth: dict[int, set[int]] = {}
        for a, b in zip(self.source[new], self.target[new], strict=True):
            if degree[a] and degree[b]:
                truth.setdefault(int(a), set()).add(int(b))
                truth.setdefault(int(b), set()).add(int(a))
        eligible = sorted(truth)
        order = np.random.default_rng(0).permutation(eligible).tolist()
        return Window(name, history, truth, order[:QUERIES] + order[QUERIES:QUERIES + TRAIN_QUERIES])

    def truth_window(self) -> Window:
        """The data set's own task: the whole history, truth.csv and queries.txt."""
        truth = {
            self.row_of[a]: {self.row_of[b] for b in partners if b in self.row_of}
            for a, partners in load_truth(self.data / "truth.csv").items() if a in self.row_of
        }
        queries = [self.row_of[q] for q in (self.data / "queries.txt").read_text().split() if q in self.row_of]
        return Window("truth", np.ones(len(self.year), dtype=bool), truth, queries)

    def pools(self, window: Window, queries: Sequence[int], batch: int = 200) -> list[Pool]:
        """Each query's candidate pool with its features, computed from the window's history only."""
        adjacency = self.adjacency(window.history)
        degree = np.asarray(adjacency.sum(axis=1)).ravel()
        log_degree = np.log1p(degree) / np.log1p(degree).max()
        inverse_log = 1.0 / np.log(np.maximum(degree, 2.0))
        weighted = adjacency.multiply(inverse_log[None, :]).tocsr()
        out: list[Pool] = []
        for start in range(0, len(queries), batch):
            rows = list(queries[start:start + batch])
            mine = adjacency[rows]
            adamic = (mine.multiply(inverse_log[None, :]).tocsr() @ adjacency).toarray()
            own = np.asarray(mine @ inverse_log).ravel()
            common = (mine @ adjacency).toarray()
            three = ((mine.multiply(inverse_log[None, :]).tocsr() @ adjacency).tocsr() @ weighted).toarray()
            for i, asker in enumerate(rows):
                excluded = np.zeros(self.n, dtype=bool)
                excluded[asker] = True
                excluded[mine.indices[mine.indptr[i]:mine.indptr[i + 1]]] = True
                aa_own = adamic[i] / max(own[i], 1e-12)
                blend = 0.5 * aa_own + 0.5 * log_degree
                kth = min(POOL, self.n - 1)
                picks = [np.argpartition(np.where(excluded, np.inf, -score), kth)[:kth]
                         for score in (adamic[i], three[i], blend)]
                cands = np.unique(np.concatenate(picks))
                cands = cands[~excluded[cands] & ((adamic[i] > 0) | (three[i] > 0) | (log_degree > 0))[cands]]
                features = np.column_stack([
                    log_degree[cands],
                    aa_own[cands],
                    common[i, cands] / max(degree[asker], 1.0),
                    three[i, cands] / max(three[i].max(), 1e-12),
                    (self.country[cands] == self.country[asker]).astype(float),
                    self.type_code[cands].astype(float),
                    np.full(len(cands), float(self.type_code[asker])),
                ])
                out.append(Pool(asker, cands, features, blend[cands]))
        return out


Ranker = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""Scores a pool: (features, blend) -> scores."""


def heuristics() -> dict[str, Ranker]:
    """The rankers without learning (columns of :data:`FEATURES`)."""
    return {
        "popularity (log degree)": lambda f, b: f[:, 0],
        "Adamic-Adar / own": lambda f, b: f[:, 1],
        "three-step paths": lambda f, b: f[:, 3],
        "blend (SOURCE.md)": lambda f, b: b,
        "blend + 0.5 x three-step": lambda f, b: b + 0.5 * f[:, 3],
        "blend + 1.0 x three-step": lambda f, b: b + f[:, 3],
    }


def learned(train: Sequence[Pool], truth: Mapping[int, set[int]]) -> dict[str, Ranker]:
    """Rankers learnt on ``train`` (pools of the adjacent window): logistic regression and LightGBM."""
    import lightgbm as lgb
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.vstack([p.features for p in train])
    y = np.concatenate([[int(c) in truth.get(p.asker, ()) for c in p.candidates] for p in train]).astype(int)
    groups = [len(p.candidates) for p in train]
    numeric = slice(0, 5)
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(x[:, numeric], y)
    trees = dict(n_estimators=300, num_leaves=7, learning_rate=0.05, min_child_samples=200, subsample=0.8,
                 subsample_freq=1, colsample_bytree=0.8, verbose=-1, random_state=0)
    binary = lgb.LGBMClassifier(**trees).fit(x, y)
    ranker = lgb.LGBMRanker(objective="lambdarank", **trees).fit(x, y, group=groups)
    return {
        "logistic (learnt on adjacent)": lambda f, b: logistic.decision_function(f[:, numeric]),
        "LightGBM binary (learnt on adjacent)": lambda f, b: binary.predict(f, raw_score=True),
        "LightGBM lambdarank (learnt on adjacent)": lambda f, b: ranker.predict(f),
    }


def lists_of(pools: Sequence[Pool], ranker: Ranker, ids: Sequence[str]) -> dict[str, list[str]]:
    """Each query's top :data:`bench_dev.K` under ``ranker`` (ties broken at random, seeded)."""
    rng = np.random.default_rng(0)
    out: dict[str, list[str]] = {}
    for pool in pools:
        if not len(pool.candidates):
            continue
        scores = ranker(pool.features, pool.blend) + rng.random(len(pool.candidates)) * 1e-9
        out[ids[pool.asker]] = [ids[c] for c in pool.candidates[np.argsort(-scores)[:K]]]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not (args.data / "truth.csv").is_file():
        logger.error("the development set is not at %s", args.data)
        return 2
    net = Network(args.data)
    windows = [net.window("adjacent", 2015, [2016]), net.window("gap", 2014, [2016]),
               net.window("two-years", 2014, [2015, 2016]), net.truth_window()]
    adjacent = windows[0]
    rankers = heuristics() | learned(net.pools(adjacent, adjacent.queries[QUERIES:]), adjacent.truth)
    print("| window | ranker | recall@10 | nDCG@10 | distinct orgs |\n|---|---|---:|---:|---:|")
    for window in windows:
        scored = window.queries[:QUERIES]
        pools = net.pools(window, scored)
        truth = {net.ids[a]: {net.ids[b] for b in bs} for a, bs in window.truth.items()}
        for name, ranker in rankers.items():
            s = score_lists(lists_of(pools, ranker, net.ids), [net.ids[q] for q in scored], truth, net.n)
            print(f"| {window.name} | {name} | {s.recall:.4f} | {s.ndcg:.4f} | {s.distinct:,} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
