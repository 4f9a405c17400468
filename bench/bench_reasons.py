"""Reason precision: how often a quoted offer that "meets" or "may meet" a need is about the same capability.

:func:`matcher.explain.explain_pair` quotes the best-matching (offer phrase, need phrase) pair of two profiles and
words it "meets" (cosine >= ``_CLEAR_PHRASE_SIMILARITY``) or "may meet" (>= ``_MIN_PHRASE_SIMILARITY``). This
script collects, on the bundled demo (data/demo, packaged all-MiniLM-L6-v2), the phrase pairs quoted in the
top-10 lists (default settings) of every demo organisation, both directions ("Their offer ... your need" and
"Your offer ... their need"), exactly as ``explain_pair`` chooses them, and writes them to a CSV (one row per
distinct need/offer pair, with its cosine and the wording the shipped thresholds give).

With ``--labels`` (default tests/data/reason_labels.csv: the same columns plus a hand-given ``label``, 1 when the
offer phrase is about the capability the need asks for), it reports the precision of each wording and of "meets"
at several cosine cut-offs, and with ``--write`` writes that table to the "Reason precision" section of
bench/RESULTS.md.

Run from the repository root (about a minute on 2 cores: the demo is embedded with MiniLM once)::

    python3 bench/bench_reasons.py --out /tmp/reason_pairs.csv     # collect the pairs
    python3 bench/bench_reasons.py --labels-only                     # the table from the labels alone
    python3 bench/bench_reasons.py --labels-only --write             # ... and into bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from results import write_section  # bench/results.py: the script's folder is on sys.path

from matcher import explain
from matcher.explain import best_phrase_match, split_phrases

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo"
LABELS = REPO / "tests" / "data" / "reason_labels.csv"
SECTION = "## Reason precision"
CUTOFFS = (0.30, 0.34, 0.38, 0.42, 0.45, 0.48, 0.50, 0.52, 0.55, 0.60)
COLUMNS = ["need", "offer", "cosine", "wording", "asker", "candidate", "direction"]


def wording(cosine: float) -> str:
    """The word the shipped thresholds give a quote of this cosine ("" when it is not quoted)."""
    if cosine >= explain._CLEAR_PHRASE_SIMILARITY:
        return "meets"
    return "may meet" if cosine >= explain._MIN_PHRASE_SIMILARITY else ""


def demo_recommender():  # type: ignore[no-untyped-def]
    """The demo catalogue fitted with MiniLM, as tests/test_rank.py's ``demo`` fixture builds it."""
    from matcher.embed import SentenceTransformerEncoder
    from matcher.rank import Recommender
    from matcher.readers import read_table
    from matcher.schema import FACETS, Profile
    from matcher.validate import validate_partnerships, validate_profiles

    encoder = SentenceTransformerEncoder().load()
    profiles = validate_profiles(read_table(DEMO / "profiles.csv").frame).valid.drop(columns="_row")
    edges = read_table(DEMO / "partnerships.csv").frame
    edges = validate_partnerships(edges, set(profiles["id"])).valid.drop(columns="_row")
    as_profiles = [Profile.from_mapping(row) for row in profiles.to_dict("records")]
    vectors = {facet: encoder.encode([p.text(facet) for p in as_profiles]) for facet in FACETS}
    rec = Recommender(encode=encoder.encode).fit(profiles, vectors, edges)
    return rec, {p.id: p for p in as_profiles}, encoder


def collect(k: int = 10) -> pd.DataFrame:
    """The distinct quoted (need, offer) phrase pairs of every demo organisation's top-k list."""
    rec, profiles, encoder = demo_recommender()
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for asker_id, asker in profiles.items():
        for match in rec.recommend(asker_id, k=k).results:
            other = profiles[match.id]
            for direction, offers, seeks in (("their offer", other, asker), ("your offer", asker, other)):
                found = best_phrase_match(
                    split_phrases(offers.offers), split_phrases(seeks.seeks), encode=encoder.encode
                )
                if found is None:
                    continue
                key = (found.right, found.left)
                if key not in rows:
                    rows[key] = dict(
                        need=found.right,
                        offer=found.left,
                        cosine=round(found.similarity, 4),
                        wording=wording(found.similarity),
                        asker=asker_id,
                        candidate=match.id,
                        direction=direction,
                    )
    return pd.DataFrame(list(rows.values()), columns=COLUMNS).sort_values("cosine", ascending=False)


def precision_table(labels: pd.DataFrame, cutoffs: Sequence[float] = CUTOFFS) -> list[dict[str, object]]:
    """Precision and count of the labelled pairs at or above each cosine cut-off."""
    table = []
    for cut in cutoffs:
        above = labels[labels["cosine"] >= cut]
        table.append(
            dict(cutoff=cut, n=len(above), correct=int(above["label"].sum()),
                 precision=float(above["label"].mean()) if len(above) else float("nan"))
        )
    return table


def report(labels: pd.DataFrame) -> str:
    lo, hi = explain._MIN_PHRASE_SIMILARITY, explain._CLEAR_PHRASE_SIMILARITY
    bands = [
        ("meets (shipped)", labels["cosine"] >= hi),
        ("may meet (shipped)", (labels["cosine"] >= lo) & (labels["cosine"] < hi)),
        ("meets at the old 0.38", labels["cosine"] >= 0.38),
        ("may meet at the old 0.30-0.38", (labels["cosine"] >= 0.30) & (labels["cosine"] < 0.38)),
    ]
    lines = [
        SECTION,
        "",
        f"`python3 bench/bench_reasons.py` on the bundled demo (MiniLM): the quoted (need, offer) phrase pairs of "
        f"every demo organisation's top-10 list, both directions. {len(labels)} distinct pairs hand-labelled in "
        "tests/data/reason_labels.csv (1 = the offer phrase is about the capability the need asks for; how: "
        f"tests/data/README.md). Shipped thresholds: \"meets\" from {hi:.2f}, \"may meet\" from {lo:.2f}.",
        "",
        "| wording | pairs | correct | precision |",
        "|---|---:|---:|---:|",
    ]
    for name, mask in bands:
        part = labels[mask]
        precision = f"{part['label'].mean():.2f}" if len(part) else "-"
        lines.append(f"| {name} | {len(part)} | {int(part['label'].sum())} | {precision} |")
    lines += ["", "Precision of a quote at or above each cosine cut-off:", "",
              "| cosine >= | pairs | correct | precision |", "|---:|---:|---:|---:|"]
    for row in precision_table(labels):
        lines.append(f"| {row['cutoff']:.2f} | {row['n']} | {row['correct']} | {row['precision']:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/reason_pairs.csv"), help="CSV of the pairs")
    parser.add_argument("--labels", type=Path, default=LABELS, help="hand-labelled pairs")
    parser.add_argument("--labels-only", action="store_true", help="skip collecting; report from the labels")
    parser.add_argument("--write", action="store_true", help="write the table to bench/RESULTS.md")
    args = parser.parse_args(argv)
    if not args.labels_only:
        pairs = collect()
        pairs.to_csv(args.out, index=False, quoting=csv.QUOTE_MINIMAL)
        counts = pairs["wording"].value_counts().to_dict()
        print(f"{len(pairs)} distinct quoted pairs -> {args.out} ({counts})")
    if args.labels.exists():
        text = report(pd.read_csv(args.labels))
        print(text)
        if args.write:
            write_section(SECTION, text)


if __name__ == "__main__":
    main()
