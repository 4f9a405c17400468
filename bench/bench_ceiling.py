"""What limits recall on the planted synthetic set: the text model, not the ranking.

Issue 4 asks for recall@10 >= 0.9 on the planted pairs of :func:`matcher.synthetic.generate`. This script
measures, on the same data and under the product's rule (candidates in other cities, not the asker), how far
each kind of reader of the profiles could get, with no other feature than the one named:

* **latent oracle**: a reader that knows each organisation's latent capabilities, i.e. reads every phrasing
  perfectly. "Both ways" ranks first the candidates that offer one of the asker's needs and need one of its
  offers (ties broken at random); "asker only" ranks by the first half alone.
* **MiniLM, phrase level**: the harmonic mean of need match and offer match, each the best cosine between one
  need phrase of one side and one offer phrase of the other (``matcher.explain.split_phrases``). This is the
  ceiling of the ranking's need/offer features with all-MiniLM-L6-v2.
* **MiniLM on the catalogue**: for each need phrasing of each capability, where the offer phrasings of the
  same capability rank among all offer phrasings of the catalogue.
* **MiniLM tuned on the history** (``--tune``): the model fine-tuned on the known partnerships (the truth is
  never among them) with MultipleNegativesRankingLoss on (one side's ``seeks``, the other's ``offers``) in both
  directions, one epoch; then the phrase-level ceiling again. The history does not say which side needed what,
  so half of these pairs are noise; that is what a workspace's history gives.

Usage:
    python3 bench/bench_ceiling.py                  # n = 1,000, seed 0; rewrites its section of RESULTS.md
    python3 bench/bench_ceiling.py --tune           # also fine-tunes MiniLM on the history (4-8 min on 2 cores)
    python3 bench/bench_ceiling.py --n 300 --no-write
"""

from __future__ import annotations

import argparse
import logging
import platform
import time

import numpy as np
import pandas as pd
from results import RESULTS, write_section  # bench/results.py: the script's folder is on sys.path

from matcher.embed import SentenceTransformerEncoder
from matcher.explain import split_phrases
from matcher.synthetic import CATALOGUE, SyntheticData, generate

K = 10
SECTION = "## What limits the synthetic recall"


def _group_max(matrix: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Row-wise max over each owner's rows (owners sorted, as phrases are listed profile by profile); -1 if none."""
    out = np.full((n, matrix.shape[1]), -1.0, dtype=np.float32)
    if len(owner):
        present, starts = np.unique(owner, return_index=True)
        out[present] = np.maximum.reduceat(matrix, starts, axis=0)
    return out


def _phrases(texts: pd.Series) -> tuple[np.ndarray, list[str]]:
    owner, phrases = [], []
    for row, text in enumerate(texts.fillna("")):
        for phrase in split_phrases(text):
            owner.append(row)
            phrases.append(phrase)
    return np.asarray(owner, dtype=np.int64), phrases


def need_match(encoder: SentenceTransformerEncoder, profiles: pd.DataFrame) -> np.ndarray:
    """``[i, j]``: best cosine between a need phrase of ``i`` and an offer phrase of ``j`` (clipped at 0)."""
    n = len(profiles)
    seek_owner, seek_phrases = _phrases(profiles["seeks"])
    offer_owner, offer_phrases = _phrases(profiles["offers"])
    cosine = encoder.encode(seek_phrases) @ encoder.encode(offer_phrases).T
    by_offerer = _group_max(cosine.T, offer_owner, n).T  # seek phrase x organisation
    return np.clip(_group_max(by_offerer, seek_owner, n), 0.0, 1.0)


def harmonic(need: np.ndarray) -> np.ndarray:
    offer = need.T
    return 2 * need * offer / np.maximum(need + offer, 1e-9)


def recall(scores: np.ndarray, data: SyntheticData) -> tuple[float, float]:
    """Recall@10 and median rank of each planted partner, every query read from both sides."""
    ids = data.profiles["id"].tolist()
    row = {x: i for i, x in enumerate(ids)}
    city = data.profiles["city"].to_numpy()
    ranks = []
    for a, b in zip(data.truth["source_id"], data.truth["target_id"], strict=True):
        for q, partner in ((row[a], row[b]), (row[b], row[a])):
            s = scores[q].astype(np.float64)
            s[city == city[q]] = -np.inf
            s[q] = -np.inf
            ranks.append(int((s > s[partner]).sum()) + 1)
    ranks_ = np.asarray(ranks)
    return float((ranks_ <= K).mean()), float(np.median(ranks_))


def oracle(data: SyntheticData, both_ways: bool) -> np.ndarray:
    caps = data.capabilities.set_index("id").loc[data.profiles["id"]]
    keys = sorted({c for column in ("offers", "needs") for cs in caps[column] for c in cs})
    col = {c: i for i, c in enumerate(keys)}

    def incidence(column: str) -> np.ndarray:
        m = np.zeros((len(caps), len(keys)), dtype=np.float32)
        for i, cs in enumerate(caps[column]):
            m[i, [col[c] for c in cs]] = 1.0
        return m

    offers, needs = incidence("offers"), incidence("needs")
    met = (needs @ offers.T > 0).astype(np.float64)  # [i, j]: j offers one of i's needs
    return met + met.T if both_ways else met


def tie_broken(score: np.ndarray, seed: int) -> np.ndarray:
    return score + np.random.default_rng(seed).random(score.shape) * 0.5


def decoys(both_ways: np.ndarray, data: SyntheticData) -> np.ndarray:
    """Per query, the other-city organisations besides its partner that fit it both ways by capability."""
    city = data.profiles["city"].to_numpy()
    row = {x: i for i, x in enumerate(data.profiles["id"])}
    queries = [row[x] for pair in zip(data.truth["source_id"], data.truth["target_id"], strict=True) for x in pair]
    return np.array([int(((both_ways[q] == 2) & (city != city[q])).sum()) - 1 for q in queries])


def catalogue_ranks(encoder: SentenceTransformerEncoder) -> dict[str, float]:
    """Where the same capability's offer phrasings rank among all, for each need phrasing of the catalogue."""
    offers = [(i, o) for i, c in enumerate(CATALOGUE) for o in c.offers]
    needs = [(i, t) for i, c in enumerate(CATALOGUE) for t in c.needs]
    offer_cap = np.array([i for i, _ in offers])
    cosine = encoder.encode([t for _, t in needs]) @ encoder.encode([o for _, o in offers]).T
    pair_ranks = [
        int((cosine[r] > cosine[r, j]).sum()) + 1
        for r, (cap, _) in enumerate(needs)
        for j in np.flatnonzero(offer_cap == cap)
    ]
    best_ranks = []
    for r, (cap, _) in enumerate(needs):
        best = np.full(len(CATALOGUE), -1.0)
        np.maximum.at(best, offer_cap, cosine[r])
        best_ranks.append(int((best > best[cap]).sum()) + 1)
    p, b = np.asarray(pair_ranks), np.asarray(best_ranks)
    return {
        "offer phrasings": len(offers),
        "pair top-1": float((p == 1).mean()),
        "pair top-5": float((p <= 5).mean()),
        "pair top-20": float((p <= 20).mean()),
        "capability top-1": float((b == 1).mean()),
    }


def tune_on_history(
    encoder: SentenceTransformerEncoder, data: SyntheticData, seed: int, *, clean: bool = False
) -> tuple[int, float]:
    """Fine-tunes the model in place on (seeks, offers) of known partners; returns (pairs, seconds).

    ``clean`` keeps only the pairs where the first side needs a capability the second offers (read from the
    latent capabilities): what a history with the direction of each link, or clean feedback, would give.
    """
    import torch
    from sentence_transformers.sentence_transformer import losses

    texts = data.profiles.set_index("id")[["seeks", "offers"]].fillna("")
    caps = data.capabilities.set_index("id")
    pairs = [
        (texts.at[x, "seeks"], texts.at[y, "offers"])
        for a, b in zip(data.partnerships["source_id"], data.partnerships["target_id"], strict=True)
        for x, y in ((a, b), (b, a))
        if texts.at[x, "seeks"] and texts.at[y, "offers"]
        and (not clean or set(caps.at[x, "needs"]) & set(caps.at[y, "offers"]))
    ]
    encoder.encode(["load"])  # the wrapper loads its model on first use
    model = encoder.model_
    loss = losses.MultipleNegativesRankingLoss(model)
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-5)
    order = np.random.default_rng(seed).permutation(len(pairs))
    start = time.perf_counter()
    model.train()
    for first in range(0, len(order), 32):
        batch = [pairs[i] for i in order[first : first + 32]]
        features = [model.preprocess([s for s, _ in batch]), model.preprocess([o for _, o in batch])]
        optimiser.zero_grad()
        loss(features, None).backward()
        optimiser.step()
    model.eval()
    return len(pairs), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tune", action="store_true", help="also fine-tune MiniLM on the history")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    log = logging.getLogger("bench_ceiling")

    data = generate(args.n, seed=args.seed)
    encoder = SentenceTransformerEncoder()
    rows = []
    for label, both in (("latent oracle, both ways", True), ("latent oracle, asker only", False)):
        rows.append((label, *recall(tie_broken(oracle(data, both), args.seed), data)))
    fake = decoys(oracle(data, True), data)
    need = need_match(encoder, data.profiles)
    rows.append(("MiniLM phrase level, harmonic mean", *recall(harmonic(need), data)))
    rows.append(("MiniLM phrase level, asker only", *recall(need, data)))
    catalogue = catalogue_ranks(encoder)
    if args.tune:
        for clean, label in ((False, "the history"), (True, "its pairs where one side met a need of the other")):
            tuned = SentenceTransformerEncoder()
            pairs, seconds = tune_on_history(tuned, data, args.seed, clean=clean)
            rows.append((f"MiniLM tuned on {label} ({pairs} pairs, {seconds:.0f} s), harmonic mean",
                         *recall(harmonic(need_match(tuned, data.profiles)), data)))
    queries = 2 * len(data.truth)
    table = ["| reader | recall@10 | median rank of the partner |", "|---|---|---|"]
    table += [f"| {label} | {r:.3f} | {m:.0f} |" for label, r, m in rows]
    cat = (f"Catalogue ({len(CATALOGUE)} capabilities, {catalogue['offer phrasings']} offer phrasings): a need "
           f"phrasing's same-capability offer phrasing ranks first among all offer phrasings for "
           f"{catalogue['pair top-1']:.0%} of pairs, in the top 5 for {catalogue['pair top-5']:.0%}, in the top 20 "
           f"for {catalogue['pair top-20']:.0%}; the capability's best phrasing ranks first for "
           f"{catalogue['capability top-1']:.0%} of need phrasings.")
    text = "\n".join([
        SECTION, "",
        f"`python3 bench/bench_ceiling.py{' --tune' if args.tune else ''}` ({time.strftime('%Y-%m-%d')}, "
        f"{platform.python_version()}): n = {args.n}, seed {args.seed}, {len(data.truth)} planted pairs read "
        f"from both sides ({queries} queries), candidates in other cities. Each row ranks by one reader alone "
        "(see the script's docstring).", "",
        *table, "",
        f"Decoys (other-city organisations that fit a query both ways by capability, in another focus): "
        f"{fake.mean():.2f} per query on average, at most {fake.max()}.", "",
        cat, "",
    ])
    print(text)
    if not args.no_write:
        write_section(SECTION, text + "\n" + _READING)
        log.info("wrote %s", RESULTS)


_READING = """Reading (by hand, 2026-11-29). A reader that understood every phrasing would find nearly every
planted partner (the oracle row): the decoys are too few to fill a top ten. With MiniLM the need/offer features
cannot get past the phrase-level row, the ceiling of the ranking's text signal; the matcher (0.61 in "Evaluation",
where it also weighs the profile similarity, lexical and graph features that the demo and CORDIS need) sits below
it. The catalogue line says why: one capability's phrasings ("a point-of-care format for our test", "handheld
reader development") are often further apart for MiniLM than phrasings of different capabilities. The ceiling
falls as the catalogue grows (0.449 at n = 5,000, seed 0, measured the same way). Learning the mapping from the
workspace's history does not close the gap: the history does not say which side needed what, and tuning on all of
it lowers the ceiling. Tuning on the links where one side met a need of the other, i.e. what directed feedback
("their offer met our need") would give, raises it: by 0.03 at n = 1,000 (565 pairs), from 0.449 to 0.566 at
n = 5,000 (2,885 pairs, 457 s of tuning); the more such pairs, the larger the gain, but not to 0.9 at these sizes.
Also measured on 2026-11-29 and not kept: TF-IDF (word or character n-gram) cosine added
to the phrase cosine (catalogue top-1 29% either way); votes through history phrase pairs added to the need match
(0.70 at best, down to 0.33).
"""


if __name__ == "__main__":
    main()
