"""Match-quality evaluation on the three data sets: planted synthetic, demo (year split at 2021), CORDIS sample
(leave-one-project-out). Prints one table per data set (and JSON with --json); results go to bench/RESULTS.md,
section "Evaluation".

    python3 bench/bench_evaluate.py --encoder minilm --synthetic-n 1000 --max-queries 200
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from matcher.cordis import read_cordis  # noqa: E402
from matcher.embed import EmbeddingCache, Encoder, TfidfEncoder, embed_texts, load_encoder  # noqa: E402
from matcher.evaluate import (  # noqa: E402
    Fold,
    RecommenderRanker,
    baselines,
    cordis_folds,
    evaluate,
    facet_texts,
    split_partnerships,
)
from matcher.readers import read_table  # noqa: E402
from matcher.schema import FACETS  # noqa: E402
from matcher.synthetic import generate  # noqa: E402
from matcher.validate import validate_partnerships, validate_profiles  # noqa: E402

CORDIS = REPO.parent / "shared" / "data" / "cordis_semiconductor"


def vector_maker(kind: str, cache: EmbeddingCache | None):
    """Per profiles frame, its facet vectors: MiniLM (cached) or TF-IDF+SVD fitted on that frame's texts."""
    encoder: Encoder | None = load_encoder("minilm") if kind == "minilm" else None

    def make(profiles: pd.DataFrame) -> Mapping[str, np.ndarray]:
        texts = {facet: facet_texts(profiles, facet) for facet in FACETS}
        enc = encoder or TfidfEncoder(n_components=256).fit([t for f in FACETS for t in texts[f]])
        return {facet: embed_texts(texts[facet], enc, cache, facet) for facet in FACETS}

    return make


def demo_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    profiles = validate_profiles(read_table(REPO / "matcher/data/demo/profiles.csv").frame).valid
    known = set(profiles["id"])
    partnerships = validate_partnerships(read_table(REPO / "matcher/data/demo/partnerships.csv").frame, known).valid
    return profiles.reset_index(drop=True), partnerships.reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--encoder", choices=("minilm", "tfidf"), default="minilm")
    parser.add_argument("--datasets", default="synthetic,demo,cordis")
    parser.add_argument("--synthetic-n", type=int, default=1000)
    parser.add_argument("--max-queries", type=int, default=200)
    parser.add_argument("--cross-city", default="other_city")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        cache = EmbeddingCache(Path(tmp) / "cache.sqlite") if args.encoder == "minilm" else None
        make = vector_maker(args.encoder, cache)
        methods = [RecommenderRanker(), *baselines()]
        for name in args.datasets.split(","):
            start = time.perf_counter()
            if name == "synthetic":
                data = generate(args.synthetic_n, seed=0)
                fold = Fold(
                    data.profiles,
                    make(data.profiles),
                    data.partnerships,
                    data.truth[["source_id", "target_id"]],
                    name="planted pairs",
                )
                result = evaluate(
                    fold,
                    methods,
                    dataset=f"synthetic n={args.synthetic_n} ({args.encoder})",
                    protocol="history = all partnerships, truth = planted pairs (each fits the other both ways)",
                    max_queries=args.max_queries,
                    cross_city=args.cross_city,
                )
            elif name == "demo":
                profiles, partnerships = demo_frames()
                split = split_partnerships(partnerships, year=2021)
                result = evaluate(
                    Fold.from_split(profiles, make(profiles), split),
                    methods,
                    dataset=f"demo ({args.encoder})",
                    max_queries=args.max_queries,
                    cross_city=args.cross_city,
                )
            elif name == "cordis":
                if not (CORDIS / "organization.json").exists():
                    print(f"CORDIS sample not found at {CORDIS}: skipped")
                    continue
                organizations, projects = read_cordis(CORDIS / "organization.json", CORDIS / "project.json")
                folds = cordis_folds(organizations, projects, make)
                result = evaluate(
                    folds,
                    methods,
                    dataset=f"CORDIS semiconductor sample ({args.encoder})",
                    protocol=f"leave-one-project-out, {len(folds)} projects held out in turn",
                    cross_city=args.cross_city,
                )
            else:
                raise SystemExit(f"unknown data set {name!r}")
            print(json.dumps(result.to_dict(), indent=2) if args.json else result.to_text())
            print(f"[{name}: {time.perf_counter() - start:.0f} s]\n", flush=True)


if __name__ == "__main__":
    main()
