"""Trains the re-ranker on a data set, measures it against the weighted scorer and saves it with its card under
models/ (what `matcher train` does on a workspace). Results go to bench/RESULTS.md, section "Evaluation".

    python3 bench/bench_train.py --dataset demo --encoder minilm --name demo-reranker
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_evaluate import demo_frames, vector_maker  # noqa: E402
from matcher.learn import save, train  # noqa: E402
from matcher.synthetic import generate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", choices=("demo", "synthetic"), default="demo")
    parser.add_argument("--encoder", choices=("minilm", "tfidf"), default="minilm")
    parser.add_argument("--model", choices=("logistic", "lambdarank"), default="logistic")
    parser.add_argument("--synthetic-n", type=int, default=1000)
    parser.add_argument("--name", default="demo-reranker")
    parser.add_argument("--out", type=Path, default=REPO / "models")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    start = time.perf_counter()
    if args.dataset == "demo":
        profiles, partnerships = demo_frames()
        kwargs = {"year": 2021}
    else:
        data = generate(args.synthetic_n, seed=0)
        profiles, partnerships, kwargs = data.profiles, data.partnerships, {}
    vectors = vector_maker(args.encoder, None)(profiles)
    result = train(
        profiles, vectors, partnerships, None, model=args.model, dataset=f"{args.dataset} ({args.encoder})", **kwargs
    )
    paths = save(result, args.out, args.name)
    print(result.evaluation.to_text())
    print("gain:", {k: round(v, 4) for k, v in result.card["gain"].items()}, "beats weighted:", result.beats_weighted)
    print("written:", *[str(p.relative_to(REPO)) for p in paths.values()])
    print(f"[{time.perf_counter() - start:.0f} s]")


if __name__ == "__main__":
    main()
