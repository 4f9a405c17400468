"""Reasons across languages: how often a quoted offer is about what a need in another language asks for.

On the default ``minilm+use-m3`` blend, two English texts are quoted by the MiniLM part with MiniLM's thresholds
(:class:`matcher.bands.EnglishPart`), and a pair of texts not both in English by the whole blend with its own
thresholds. Would USE alone, with use-m3's thresholds, quote such pairs better (it ranks them)? This script collects,
on the mixed-language demo (the demo with the translated profiles of tests/data/multilingual swapped in, as
bench/bench_multilingual.py builds it), the best (need, offer) phrase pair by USE of every cross-language pair in
every organisation's top-10 list, both directions, with its cosine under USE and under the whole blend. With
``--draw FILE`` it writes a stratified sample without the cosines (for labelling blind); with labels (default
tests/data/cross_reason_labels.csv; how they were made: tests/data/README.md) it reports the precision of each
reading's wording, weighted to the collected population by stratum.

Run from the repository root (a few minutes: the mixed-language demo is embedded with both models once)::

    python3 bench/bench_cross_reasons.py --draw /tmp/cross_blind.csv     # collect and draw a sample to label
    python3 bench/bench_cross_reasons.py                                 # the precision table from the labels
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench_multilingual import demo_corpora  # noqa: E402  (bench/: the script's folder is on sys.path)

from matcher.api import Matcher  # noqa: E402
from matcher.bands import EnglishPart, ReasonThresholds, calibration_for  # noqa: E402
from matcher.embed import load_encoder  # noqa: E402
from matcher.explain import best_phrase_match, split_phrases  # noqa: E402

logger = logging.getLogger("bench_cross_reasons")

LABELS = REPO / "tests" / "data" / "cross_reason_labels.csv"
SPEC = "minilm+use-m3"
FLOOR = 0.10
"""Pairs are collected from this USE cosine up, well under any quote floor."""
STRATA = (0.10, 0.20, 0.24, 0.30, 0.36, 0.44, 0.54, 1.01)
"""USE cosine strata of the sample: 12 pairs drawn from each below 0.44, every pair from 0.44 up."""
EVERY_FROM = 0.44
PER_STRATUM = 12
SEED = 7


def collect(workdir: Path) -> pd.DataFrame:
    """The distinct cross-language (need, offer) phrase pairs of the mixed-language demo's top-10 lists."""
    encoder = load_encoder(SPEC)
    rows = []
    for corpus, _, m in demo_corpora(workdir, SPEC, encoder):
        if corpus != "mixed-language demo":
            continue
        part = m.context.english_part()
        assert part is not None, "the blend has an English part"
        use = _use_reader(part, m)
        for asker in m.profiles()["id"]:
            mine = m.context.profile(asker)
            for match in m.recommend(asker, k=10).results:
                theirs = m.context.profile(match.id)
                for need, offer in ((mine.seeks, theirs.offers), (theirs.seeks, mine.offers)):
                    if not need.strip() or not offer.strip() or part.reads(need, offer):
                        continue
                    offers, needs = split_phrases(offer), split_phrases(need)
                    found = best_phrase_match(offers, needs, encode=use, min_similarity=FLOOR)
                    if found is None:
                        continue
                    blended = m.context.encode_phrases([found.left, found.right])
                    rows.append(
                        {"need": found.right, "offer": found.left, "use_cosine": round(found.similarity, 4),
                         "blend_cosine": round(float(blended[0] @ blended[1]), 4)}
                    )  # fmt: skip
    return pd.DataFrame(rows).drop_duplicates(["need", "offer"]).reset_index(drop=True)


def _use_reader(part: EnglishPart, m: Matcher) -> Callable[[Sequence[str]], np.ndarray]:
    """Phrase vectors of the workspace's blend, cut to its multilingual part (USE)."""

    def read(texts: Sequence[str]) -> np.ndarray:
        return part.rest(m.context.encode_phrases(list(texts)))

    return read


def stratum(cosines: pd.Series) -> pd.Series:
    """Each cosine's stratum (its lower bound in :data:`STRATA`)."""
    return pd.cut(cosines, list(STRATA), right=False, labels=list(STRATA[:-1])).astype(float)


def draw(pairs: pd.DataFrame) -> pd.DataFrame:
    """The sample to label: :data:`PER_STRATUM` pairs at random from each stratum under :data:`EVERY_FROM`, every
    pair from it up, shuffled and numbered."""
    strata = stratum(pairs["use_cosine"])
    parts = []
    for low in STRATA[:-1]:
        members = pairs[strata == low]
        take = len(members) if low >= EVERY_FROM else min(len(members), PER_STRATUM)
        parts.append(members.sample(n=take, random_state=SEED))
    sample = pd.concat(parts).sample(frac=1, random_state=SEED).reset_index(drop=True)
    sample.insert(0, "pair", range(1, len(sample) + 1))
    return sample


def precision(labels: pd.DataFrame, population: pd.DataFrame, cosine: str, rule: ReasonThresholds) -> dict[str, str]:
    """Per wording of ``rule`` on ``cosine``: labelled right / labelled, and the precision weighted to the
    population (each labelled pair stands for its stratum's pairs)."""
    weights = stratum(population["use_cosine"]).value_counts() / stratum(labels["use_cosine"]).value_counts()
    weight = stratum(labels["use_cosine"]).map(weights)
    words = labels[cosine].map(rule.wording)
    out = {}
    for word, name in (("meets", "meets"), ("may meet", "may meet"), ("", "not quoted")):
        chosen = words == word
        right = labels.loc[chosen, "label"]
        weighted = float((right * weight[chosen]).sum() / weight[chosen].sum()) if chosen.any() else float("nan")
        out[name] = f"{int(right.sum())} / {int(chosen.sum())} ({weighted:.2f})"
    return out


def report(labels: pd.DataFrame, population: pd.DataFrame) -> str:
    readings = {
        f"USE's cosine, use-m3's thresholds {calibration_for('use-m3').reasons.quote} / "
        f"{calibration_for('use-m3').reasons.meets}": ("use_cosine", calibration_for("use-m3").reasons),
        f"the blend's cosine, its thresholds {calibration_for(SPEC).reasons.quote} / "
        f"{calibration_for(SPEC).reasons.meets} (shipped)": ("blend_cosine", calibration_for(SPEC).reasons),
    }
    lines = [
        f"{len(labels)} labelled cross-language pairs of {len(population)} collected (mixed-language demo, top-10 "
        "lists, both directions). Cells: labelled right / labelled (precision weighted to the collected pairs).",
        "",
        "| reading | meets | may meet | not quoted |",
        "|---|---:|---:|---:|",
    ]
    for name, (cosine, rule) in readings.items():
        cells = precision(labels, population, cosine, rule)
        lines.append(f"| {name} | {cells['meets']} | {cells['may meet']} | {cells['not quoted']} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "bench-multilingual")
    parser.add_argument("--draw", type=Path, help="write a blind sample to label here and stop")
    parser.add_argument("--labels", type=Path, default=LABELS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    population = collect(args.workdir)
    if args.draw is not None:
        draw(population)[["pair", "need", "offer"]].to_csv(args.draw, index=False)
        logger.info("wrote %s", args.draw)
        return
    print(report(pd.read_csv(args.labels), population))


if __name__ == "__main__":
    main()
