"""City-level investment leads on the real development set (issue #13 item 8): who will start working with a city?

Protocol. Data: ``../shared/data/cordis_h2020_dev`` (CORDIS H2020; see its SOURCE.md). The history is
``partnerships.csv`` (pairs that shared a project starting up to 2016); the truth is ``truth.csv`` (pairs that first
met in a project starting in 2017-2018). Cities are the product's place keys: each profile's city canonicalised as
an import stores it (:func:`matcher.vocab.normalize_city`, read with the row's country), then
:func:`matcher.catalogue.place_keys`, so "Roma" and "Rome", "Koeln" and "Köln" are one city. Every city with at least
``--min-orgs`` (20) profiled organisations is a query:

- candidates: every profiled organisation outside the city, of every type (CORDIS has university,
  research_institute, company, public_body and other). Organisations that already partnered with some of the city's
  organisations stay candidates: a new partnership with another of its organisations is a new lead for the city.
- truth: the outside organisations with at least one truth pair to one of the city's organisations. A truth pair
  that is already a history edge would not be new: such pairs are dropped (the data set is built without any, and
  the run reports the count). Pairs inside the city are not leads and count for nothing.
- scores at k = 20, per city, then averaged over the cities with a non-empty truth (a city without one is left out
  and counted): recall@20 as SOURCE.md counts recall (found / min(20, |truth|)) and as
  :func:`matcher.evaluate.recall_at_k` does (found / |truth|), nDCG@20 (binary gains), hit@20, and the same
  averages weighted by each city's |truth| (the count-weighted variant); exposure: distinct organisations over all
  the cities' lists and the Gini of exposure over the catalogue.

Rankers:

- the product: :meth:`matcher.service.attraction.Attraction.leads` on a built workspace of the same files, asked as
  an officer would (``Matcher(home).attraction.leads(city, k=20, org_types=...)``) with ``org_types`` every type
  present in the data, so that no truth organisation is out of reach by type (the product's default lead types,
  :data:`matcher.attract.LEAD_TYPES`, leave out universities, public bodies and "other": 48% of the truth here);
- popularity: degree in the history;
- Adamic-Adar summed over the city's organisations: for a candidate o, the sum over the city's organisations c of
  AA(c, o) = sum over shared history partners z of 1 / log(degree z); ties broken by degree, then at random;
- their blend, SOURCE.md's strongest anchor: 0.5 x AA / max AA + 0.5 x log(1 + degree) / max log(1 + degree), the
  maxima over the city's candidates;
- a diagnostic, not a baseline the issue asks for: the candidate's history partners inside the city.

The workspace: ``--workspace DIR`` (``--reuse`` skips the import and build when DIR already holds them, e.g. a copy
of a built workspace); without it, or on an empty folder, the public CLI imports the two files and builds (as
bench/bench_dev.py does, with its helpers; about 15 minutes on 2 busy cores). The product is then called in-process,
and each city's call is timed (wall clock; the first includes loading the model and indexes).

Variants (``--variants``): to see which signals carry the lead score, the script also reads, per city, what the
scorer combines (the local organisations' own suggestions, activity, graph evidence, lookalike) over every
candidate, and ranks with each of :data:`VARIANTS` (one part alone, other weights, another scaling) through the
stage functions of :mod:`matcher.attract`; ``--weights breadth=0.1,graph=1`` also asks the product itself with
``LeadScorer(weights=...)``. Both are as long again as the leads.

Usage (from the repository root)::

    cp -r /tmp/devnow /tmp/h4dev  # a built workspace of the dev set, copied: the product migrates what it opens
    python3 bench/bench_leads_dev.py --workspace /tmp/h4dev --reuse --json leads.json
    python3 bench/bench_leads_dev.py --workspace /tmp/h4dev --reuse --max-cities 10   # a seeded sample of cities
    python3 bench/bench_leads_dev.py --write   # from scratch in a temp workspace; rewrites the RESULTS.md section
    # the variants, then the section again from the same lists without asking the product a second time:
    ARGS="--workspace /tmp/h4dev --reuse --variants --evidence-cache ev.pkl"
    python3 bench/bench_leads_dev.py $ARGS --json a.json
    python3 bench/bench_leads_dev.py $ARGS --product-from a.json --write

The section written is "## Investment leads on the development set"; other sections stay.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import pickle
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere, or imported by the tests
    sys.path.insert(0, str(REPO))

from bench.bench_dev import (  # noqa: E402
    History,
    Scores,
    Step,
    _blend,
    _json_or_none,
    _require,
    _top,
    git_commit,
    import_step,
    run_step,
    score_lists,
    timing_table,
    workspace_has_data,
    workspace_is_built,
)
from matcher.attract import DEFAULT_WEIGHTS  # noqa: E402
from matcher.catalogue import place_keys  # noqa: E402
from matcher.vocab import normalize_city, normalize_country  # noqa: E402

logger = logging.getLogger("bench_leads_dev")

DATA = REPO.parent / "shared" / "data" / "cordis_h2020_dev"
SECTION = "## Investment leads on the development set"
K = 20
MIN_ORGS = 20
PER_LOCAL = 40
"""Suggestions per local organisation the variants read (a wider net than the service's first stage)."""
BASELINES = ("popularity", "adamic_adar", "blend", "city_links")
LABELS = {
    "product": "product: `Attraction.leads`",
    "popularity": "popularity (degree in the history)",
    "adamic_adar": "Adamic-Adar summed over the city's organisations",
    "blend": "0.5 x norm. AA + 0.5 x norm. log degree",
    "city_links": "diagnostic: history partners in the city",
}
SHORT = {"product": "product", "popularity": "popularity", "adamic_adar": "AA", "blend": "blend", "city_links": "links"}

# ----------------------------------------------------------------------------------------------------- the cities


def canonical_cities(profiles: pd.DataFrame) -> list[str]:
    """Each profile's city as an import stores it: :func:`matcher.vocab.normalize_city` with the row's country.

    Args:
        profiles: Columns ``city`` and ``country`` (codes or names; CORDIS writes UK and EL, read as GB and GR).

    Returns:
        The canonical names, one per row.

    Example:
        >>> frame = pd.DataFrame({"city": ["Roma", "ROME", "Valencia", "GRAZ "], "country": ["IT", "IT", "VE", "AT"]})
        >>> canonical_cities(frame)
        ['Rome', 'Rome', 'Valencia', 'GRAZ']
        >>> from matcher.catalogue import place_keys  # what History.city holds for them
        >>> place_keys(canonical_cities(frame)).tolist()
        ['rome', 'rome', 'valencia', 'graz']
    """
    codes: dict[str, str | None] = {}
    names: dict[tuple[str, str | None], str] = {}
    out = []
    for city, country in zip(profiles["city"].astype(str), profiles["country"].astype(str), strict=True):
        code = codes.setdefault(country, normalize_country(country))
        out.append(names.setdefault((city, code), normalize_city(city, code)))
    return out


@dataclass(frozen=True)
class CityTask:
    """One city's query.

    Attributes:
        key: The place key (:func:`matcher.catalogue.place_keys`).
        name: The canonical name the product is asked with (the most frequent spelling of the key).
        members: Its profiled organisations.
        truth: The outside organisations with at least one new (2017-2018) pair to one of its organisations.
        linked: How many of ``truth`` already had a history partner in the city.
    """

    key: str
    name: str
    members: tuple[str, ...]
    truth: frozenset[str]
    linked: int


def city_tasks(
    history: History, names: Sequence[str], truth_pairs: Iterable[tuple[str, str]], *, min_orgs: int = MIN_ORGS
) -> tuple[list[CityTask], int]:
    """The cities to score and their truth.

    Args:
        history: The history graph, built from profiles whose ``city`` is :func:`canonical_cities` (so that
            ``history.city`` holds place keys).
        names: The canonical city name of each row of ``history``.
        truth_pairs: The truth's undirected pairs; pairs with an unprofiled end are skipped.
        min_orgs: Fewest profiled organisations a city needs to be a query.

    Returns:
        The tasks, largest city first (then by key), and the number of truth pairs dropped because they were
        already history edges.

    Example:
        >>> profiles = pd.DataFrame({"id": ["a", "b", "x", "y"], "city": ["P", "p", "Q", "R"]})
        >>> history = History.from_frames(profiles, pd.DataFrame({"source_id": ["a"], "target_id": ["x"]}))
        >>> tasks, dropped = city_tasks(history, ["P", "p", "Q", "R"], [("a", "x"), ("b", "x"), ("y", "b")],
        ...                             min_orgs=2)
        >>> [(t.name, t.members, sorted(t.truth), t.linked) for t in tasks], dropped
        ([('P', ('a', 'b'), ['x', 'y'], 1)], 1)
    """
    rows_by_key: dict[str, list[int]] = {}
    for row, key in enumerate(history.city):
        rows_by_key.setdefault(str(key), []).append(row)
    truth: dict[str, set[int]] = {}
    dropped = 0
    adjacency = history.adjacency
    for a, b in truth_pairs:
        ra, rb = history.row_of.get(a), history.row_of.get(b)
        if ra is None or rb is None or ra == rb:
            continue
        if adjacency[ra, rb]:
            dropped += 1
            continue
        if history.city[ra] != history.city[rb]:
            truth.setdefault(str(history.city[ra]), set()).add(rb)
            truth.setdefault(str(history.city[rb]), set()).add(ra)
    tasks = []
    for key, rows in rows_by_key.items():
        if len(rows) < min_orgs:
            continue
        found = truth.get(key, set())
        inside = np.zeros(len(history.ids), dtype=bool)
        inside[rows] = True
        links = adjacency @ inside.astype(np.float64)
        tasks.append(
            CityTask(
                key=key,
                name=Counter(names[r] for r in rows).most_common(1)[0][0],
                members=tuple(history.ids[r] for r in rows),
                truth=frozenset(history.ids[r] for r in found),
                linked=int(sum(links[r] > 0 for r in found)),
            )
        )
    tasks.sort(key=lambda t: (-len(t.members), t.key))
    return tasks, dropped


# ----------------------------------------------------------------------------------------------------- baselines


def baseline_lists(
    history: History, tasks: Sequence[CityTask], *, k: int = K, seed: int = 0
) -> dict[str, dict[str, list[str]]]:
    """Top-k lists of the graph baselines (see :data:`BASELINES`), over every profiled organisation outside each city.

    - ``popularity``: degree in the history; ties at random.
    - ``adamic_adar``: sum over the city's organisations c of AA(c, o), i.e. ``(A W A x)[o]`` with ``x`` the
      city's indicator and ``W = diag(1 / log degree)``; ties by degree, then at random.
    - ``blend``: ``0.5 * AA / max AA + 0.5 * log(1 + degree) / max log(1 + degree)``, maxima over the candidates.
    - ``city_links``: the candidate's history partners in the city (``(A x)[o]``); ties by degree, then at random.

    Args:
        history: The history graph (``history.city`` holds place keys).
        tasks: The cities (:func:`city_tasks`).
        k: List length.
        seed: Seed of the random tie-break.

    Returns:
        ``{baseline: {city key: [ids best first]}}``.

    Example:
        >>> profiles = pd.DataFrame({"id": list("abcz"), "city": ["P", "P", "Q", "R"]})
        >>> edges = pd.DataFrame({"source_id": ["a", "b", "c"], "target_id": ["z", "z", "z"]})
        >>> history = History.from_frames(profiles, edges)
        >>> task = CityTask("p", "P", ("a", "b"), frozenset(), 0)
        >>> baseline_lists(history, [task], k=2)["popularity"]["p"]  # z: 3 partners, c: 1; a, b are the city's
        ['z', 'c']
    """
    out: dict[str, dict[str, list[str]]] = {name: {} for name in BASELINES}
    if not tasks:
        return out
    n = len(history.ids)
    rng = np.random.default_rng(seed)
    adjacency = history.adjacency
    popularity = history.degree.astype(np.float64)
    log_degree = np.log1p(popularity)
    # A shared partner z weighs 1/log(deg z); z has at least two partners (both ends), so log is positive.
    weight = 1.0 / np.log(np.maximum(history.degree, 2))
    indicator = np.zeros((n, len(tasks)))
    for j, task in enumerate(tasks):
        indicator[[history.row_of[m] for m in task.members], j] = 1.0
    links = adjacency @ indicator  # n x cities: history partners in each city
    adamic_adar = adjacency @ (weight[:, None] * links)
    for j, task in enumerate(tasks):
        allowed = np.flatnonzero(history.city != task.key)
        ties = rng.random(n)
        aa = adamic_adar[:, j]
        ranked = {
            "popularity": (popularity, ties),
            "adamic_adar": (aa, popularity + ties),  # degrees are integers: degree first, then random
            "blend": (
                _blend(aa, float(aa[allowed].max(initial=0.0)), log_degree, float(log_degree[allowed].max(initial=0))),
                ties,
            ),
            "city_links": (links[:, j], popularity + ties),
        }
        for name, (scores, tie_break) in ranked.items():
            out[name][task.key] = [history.ids[i] for i in _top(scores, allowed, -tie_break, k)]
    return out


# ----------------------------------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Summary:
    """One ranker over the cities.

    Attributes:
        macro: Plain means over the cities (:func:`bench.bench_dev.score_lists`; its exposure numbers are over all
            the cities' lists).
        weighted: recall (SOURCE.md's), recall over |truth|, nDCG and hit, each city weighted by its |truth|.
        per_city: Per city key its own scores.
    """

    macro: Scores
    weighted: dict[str, float]
    per_city: dict[str, Scores]


def summarise(
    lists: Mapping[str, Sequence[str]], tasks: Sequence[CityTask], catalogue_size: int, *, k: int = K
) -> Summary:
    """Scores one ranker's city lists against the tasks' truth (cities with an empty truth are left out).

    Args:
        lists: Per city key its ranked ids.
        tasks: The cities.
        catalogue_size: Profiled organisations (for the Gini of exposure).
        k: The cut-off.

    Returns:
        The macro and |truth|-weighted averages and the per-city scores.

    Raises:
        ValueError: No city has a truth.

    Example:
        >>> tasks = [CityTask("p", "P", ("a",), frozenset({"x", "y"}), 0),
        ...          CityTask("q", "Q", ("b",), frozenset("z"), 0)]
        >>> s = summarise({"p": ["x", "n"], "q": ["n"]}, tasks, 10, k=2)
        >>> s.macro.recall, round(s.weighted["recall"], 3)  # (1/2 + 0) / 2; (2 * 1/2 + 1 * 0) / 3
        (0.25, 0.333)
    """
    scored = [t for t in tasks if t.truth]
    if not scored:
        raise ValueError("no city has a truth organisation: nothing to score")
    truth = {t.key: t.truth for t in scored}
    keys = [t.key for t in scored]
    per_city = {key: score_lists(lists, [key], truth, catalogue_size, k) for key in keys}
    weights = np.array([len(truth[key]) for key in keys], dtype=np.float64)
    weighted = {
        name: float(np.average([getattr(per_city[key], name) for key in keys], weights=weights))
        for name in ("recall", "recall_full", "ndcg", "hit")
    }
    return Summary(score_lists(lists, keys, truth, catalogue_size, k), weighted, per_city)


def paired_difference(a: Summary, b: Summary) -> tuple[float, float, int, int]:
    """recall@k of ``a`` minus ``b`` city by city: mean, its standard error, cities ``a`` wins and loses.

    Example:
        >>> tasks = [CityTask("p", "P", ("a",), frozenset("x"), 0), CityTask("q", "Q", ("b",), frozenset("y"), 0)]
        >>> one, other = summarise({"p": ["x"], "q": ["y"]}, tasks, 5), summarise({"p": ["x"]}, tasks, 5)
        >>> paired_difference(one, other)
        (0.5, 0.5, 1, 0)
    """
    keys = [key for key in a.per_city if key in b.per_city]
    diff = np.array([a.per_city[key].recall - b.per_city[key].recall for key in keys])
    se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else float("nan")
    return float(diff.mean()), se, int((diff > 0).sum()), int((diff < 0).sum())


def paired_text(summaries: Mapping[str, Summary], first: str = "product") -> str:
    """One line per baseline: how ``first`` compares with it at recall@k, city by city."""
    parts = []
    for name in BASELINES:
        if name in summaries and first in summaries:
            mean, se, wins, losses = paired_difference(summaries[first], summaries[name])
            parts.append(f"{mean:+.3f} ± {se:.3f} against {SHORT[name]} ({wins} cities won, {losses} lost)")
    return f"{first} minus each baseline, recall@k city by city (mean ± standard error): " + "; ".join(parts) + "."


# ----------------------------------------------------------------------------------------------------- the product


@dataclass(frozen=True)
class ProductRun:
    """The product's lists, with each city's wall clock and message.

    Attributes:
        lists: Per city key the lead ids, best first.
        seconds: Per city key the wall clock of its ``leads`` call.
        messages: Per city key the ``Leads.message`` (why fewer than k, ...) or the error when the call failed.
    """

    lists: dict[str, list[str]]
    seconds: dict[str, float]
    messages: dict[str, str | None]


def run_leads(
    leads: Callable[..., Any], tasks: Sequence[CityTask], *, k: int = K, org_types: Sequence[str] | None = None
) -> ProductRun:
    """Asks ``leads(city name, k=k, org_types=org_types)`` for each city and times each call.

    A call that raises a :class:`matcher.errors.MatcherError` (an unknown city, say) gives an empty list, its message
    kept, so one refused city does not stop the run.

    Args:
        leads: ``Matcher(home).attraction.leads`` (or anything with its signature returning ``.results`` of objects
            with an ``id`` and a ``.message``).
        tasks: The cities.
        k: Leads per city.
        org_types: Passed through.

    Returns:
        The lists, timings and messages.
    """
    from matcher.errors import MatcherError

    lists: dict[str, list[str]] = {}
    seconds: dict[str, float] = {}
    messages: dict[str, str | None] = {}
    for n, task in enumerate(tasks, 1):
        start = time.perf_counter()
        try:
            found = leads(task.name, k=k, org_types=org_types)
        except MatcherError as error:
            lists[task.key], messages[task.key] = [], f"refused: {error}"
        else:
            lists[task.key], messages[task.key] = [str(lead.id) for lead in found.results], found.message
        seconds[task.key] = time.perf_counter() - start
        logger.info("%d/%d %s: %d leads in %.1f s", n, len(tasks), task.name, len(lists[task.key]), seconds[task.key])
    return ProductRun(lists, seconds, messages)


# ----------------------------------------------------------------------------------------------------- variants


@dataclass(frozen=True)
class CityEvidence:
    """What the product's lead scorer reads for one city, over every eligible candidate, for trying variants.

    Attributes:
        key: The city's place key.
        ids: The candidates (every organisation outside the city of the types asked), catalogue order.
        suggested: ``(local, candidate)`` reciprocal scores of each local organisation's own top suggestions (as
            the service's first stage reads them; 0 where a candidate is not among a local's suggestions).
        links: Per candidate the graph evidence before squashing: direct links to the city's organisations plus
            Adamic-Adar summed over them (:func:`matcher.attract.graph_evidence` returns ``x / (1 + x)`` of it).
        activity: :attr:`matcher.candidates.PartnerGraph.activity_` (partners gained in the history's latest year,
            damped to [0, 1]).
        popularity: :attr:`matcher.candidates.PartnerGraph.popularity_` (degree, damped to [0, 1]).
        lookalike: :func:`matcher.attract.lookalike` against the organisations elsewhere that already partner with
            the city.
        same_country: True where the candidate is in the city's country (the city's most frequent one).
    """

    key: str
    ids: tuple[str, ...]
    suggested: sp.csr_matrix
    links: np.ndarray
    activity: np.ndarray
    popularity: np.ndarray
    lookalike: np.ndarray
    same_country: np.ndarray


def collect_evidence(
    matcher: Any, tasks: Sequence[CityTask], org_types: Sequence[str], *, per_local: int = PER_LOCAL
) -> dict[str, CityEvidence]:
    """Reads, per city, the parts :class:`matcher.attract.LeadScorer` combines, over every eligible candidate.

    The suggestions come from the public ``Matching.recommend_many`` with the settings of the service's first stage
    (partners and competitors kept, other cities only, no exposure cap) but ``per_local`` suggestions a local
    organisation; the graph and lookalike parts from the stage functions of :mod:`matcher.attract`. The service's
    exact re-scoring of its best :data:`~matcher.service.attraction.EXACT_CANDIDATES` is not repeated here: the
    variants rank every candidate in one stage.

    Args:
        matcher: An open :class:`matcher.api.Matcher`.
        tasks: The cities.
        org_types: The candidates' types.
        per_local: Suggestions per local organisation.
    """
    from matcher.attract import graph_evidence, lookalike
    from matcher.filters import Filters

    served = matcher.matching.indexer.current()
    rec = served.recommender
    graph = rec.graph_
    city_keys = place_keys(rec.columns_["city"])
    countries = np.asarray(rec.columns_["country"], dtype=object)
    filters = Filters.from_user(org_type=list(org_types))
    type_ok = filters.mask(served.profiles)
    out: dict[str, CityEvidence] = {}
    for n, task in enumerate(tasks, 1):
        start = time.perf_counter()
        local = np.flatnonzero(city_keys == task.key)
        rows = np.flatnonzero(type_ok & (city_keys != task.key))
        column = {row: j for j, row in enumerate(rows.tolist())}
        found = matcher.matching.recommend_many(
            [rec.ids_[r] for r in local.tolist()],
            k=per_local,
            filters=filters,
            include_partners=True,
            include_competitors=True,
            cross_city="other_city",
            exposure_cap=None,
            explain=False,
        )
        i_idx, j_idx, values = [], [], []
        for i, recs in enumerate(found):
            for match in recs.results:
                j = column.get(rec.row_of_[match.id])
                if j is not None:
                    i_idx.append(i)
                    j_idx.append(j)
                    values.append(match.score)
        suggested = sp.csr_matrix((values, (i_idx, j_idx)), shape=(len(local), len(rows)))
        squashed = graph_evidence(graph.adjacency_, local, rows)
        linked = np.asarray(graph.adjacency_[local].sum(axis=0)).ravel() > 0
        anchors = np.flatnonzero(linked & (city_keys != task.key))
        vectors = rec.vectors_["profile"]
        home_country = Counter(countries[local].tolist()).most_common(1)[0][0]
        out[task.key] = CityEvidence(
            key=task.key,
            ids=tuple(rec.ids_[r] for r in rows.tolist()),
            suggested=suggested,
            links=squashed / np.maximum(1.0 - squashed, 1e-12),
            activity=np.asarray(graph.activity_[rows], dtype=np.float64),
            popularity=np.asarray(graph.popularity_[rows], dtype=np.float64),
            lookalike=lookalike(vectors[rows], vectors[anchors], rows[:, None] == anchors[None, :]),
            same_country=countries[rows] == home_country,
        )
        logger.info("evidence %d/%d %s: %.1f s", n, len(tasks), task.name, time.perf_counter() - start)
    return out


def _relative(values: np.ndarray) -> np.ndarray:
    """``values / max(values)``; zeros when the maximum is 0."""
    peak = float(values.max(initial=0.0))
    return values / peak if peak > 0 else np.zeros_like(values)


VARIANTS: dict[str, tuple[str, Callable[[CityEvidence], np.ndarray]]] = {}
"""Lead-score variants over :class:`CityEvidence`: name -> (what it is, score per candidate)."""


def _variant(name: str, label: str) -> Callable[[Callable[[CityEvidence], np.ndarray]], Callable[..., np.ndarray]]:
    def register(function: Callable[[CityEvidence], np.ndarray]) -> Callable[[CityEvidence], np.ndarray]:
        VARIANTS[name] = (label, function)
        return function

    return register


def _graph(e: CityEvidence, activity: float = 0.8, evidence: np.ndarray | None = None) -> np.ndarray:
    """A graph part: ``activity`` x activity + the rest x the graph evidence (default ``x / (1 + x)``, as
    :func:`matcher.attract.graph_evidence` gives it). The service mixes 0.8 / 0.2 at the time of writing (0.5 /
    0.5 before); on the development set its history-strength factor is 1 (22 partners per organisation)."""
    squashed = e.links / (1.0 + e.links) if evidence is None else evidence
    return activity * e.activity + (1.0 - activity) * squashed


def _lead_score(e: CityEvidence, weights: Mapping[str, float] | None = None, graph: np.ndarray | None = None) -> Any:
    """:meth:`matcher.attract.LeadScorer.score` over every candidate (default weights and :func:`_graph`)."""
    from matcher.attract import LeadScorer

    graph = _graph(e) if graph is None else graph
    return LeadScorer(weights=weights).score(e.suggested.toarray(), lookalike=e.lookalike, graph=graph).total


@_variant("one_stage_default", "default LeadScorer, one stage over all candidates (the service's first stage)")
def _one_stage_default(e: CityEvidence) -> np.ndarray:
    return _lead_score(e)


@_variant("breadth", "breadth only (aggregated suggestions' reciprocal scores)")
def _breadth(e: CityEvidence) -> np.ndarray:
    from matcher.attract import LeadScorer

    return LeadScorer().aggregate(e.suggested.toarray())


@_variant("lookalike", "lookalike only")
def _lookalike(e: CityEvidence) -> np.ndarray:
    return e.lookalike


@_variant("graph_evidence", "graph evidence only (links into the city + summed Adamic-Adar)")
def _graph_evidence(e: CityEvidence) -> np.ndarray:
    return e.links


@_variant("activity", "activity only (partners gained in the history's latest year, damped)")
def _activity(e: CityEvidence) -> np.ndarray:
    return e.activity + 1e-3 * e.popularity  # ties by popularity


@_variant("graph_half", "graph part 0.5 activity + 0.5 x/(1+x) only")
def _graph_half(e: CityEvidence) -> np.ndarray:
    return _graph(e, 0.5)


@_variant("graph_part", "graph part 0.8 activity + 0.2 x/(1+x) only")
def _graph_part(e: CityEvidence) -> np.ndarray:
    return _graph(e)


@_variant("graph_relative", "default LeadScorer, graph evidence relative to the best (x / max x), not x/(1+x)")
def _graph_relative(e: CityEvidence) -> np.ndarray:
    return _lead_score(e, graph=_graph(e, evidence=_relative(e.links)))


@_variant("no_breadth", "default LeadScorer without breadth (weight 0), one stage")
def _no_breadth(e: CityEvidence) -> np.ndarray:
    return _lead_score(e, {**DEFAULT_WEIGHTS, "breadth": 0.0})


def variant_labels() -> dict[str, str]:
    """The table labels of :data:`VARIANTS`."""
    return {name: f"variant: {label}" for name, (label, _) in VARIANTS.items()}


def variant_lists(
    evidence: Mapping[str, CityEvidence], *, k: int = K, seed: int = 0, names: Sequence[str] | None = None
) -> dict[str, dict[str, list[str]]]:
    """Top-k lists of each variant of :data:`VARIANTS` (ties by popularity, then at random).

    Args:
        evidence: Per city key its evidence (:func:`collect_evidence`).
        k: List length.
        seed: Seed of the random tie-break.
        names: The variants to rank with (default all).

    Returns:
        ``{variant: {city key: [ids best first]}}``.
    """
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, list[str]]] = {name: {} for name in names or VARIANTS}
    for key, e in evidence.items():
        everyone = np.arange(len(e.ids))
        ties = e.popularity + 1e-6 * rng.random(len(e.ids))
        for name in out:
            scores = np.asarray(VARIANTS[name][1](e), dtype=np.float64)
            out[name][key] = [e.ids[j] for j in _top(scores, everyone, -ties, k)]
    return out


def load_evidence(path: Path | None, tasks: Sequence[CityTask]) -> dict[str, CityEvidence] | None:
    """The evidence pickled by an earlier ``--evidence-cache`` run (a file this script wrote: pickle runs code, so
    never point it at a file from elsewhere), or None when there is none or it lacks a city of ``tasks``."""
    if path is None or not path.exists():
        return None
    evidence = pickle.loads(path.read_bytes())
    if not isinstance(evidence, dict) or any(t.key not in evidence for t in tasks):
        logger.warning("%s does not hold every city asked: evidence collected again", path)
        return None
    return {t.key: CityEvidence(**evidence[t.key]) for t in tasks}


# ----------------------------------------------------------------------------------------------------- workspace


def prepare_workspace(data: Path, home: Path, *, reuse: bool, stream: bool = False) -> list[Step]:
    """Imports and builds ``home`` with the public CLI, as bench/bench_dev.py does, unless ``reuse`` finds it done.

    Args:
        data: The data folder (``profiles.csv``, ``partnerships.csv``).
        home: The workspace.
        reuse: Skip the import when the workspace holds profiles and partnerships, the build when it has indexes.
        stream: Let the commands' progress through to stderr.

    Returns:
        The timed steps.
    """
    steps: list[Step] = []
    if reuse and workspace_has_data(home):
        steps += [Step(f"import {kind}", [], note="skipped (--reuse)") for kind in ("profiles", "partnerships")]
    else:
        steps += [import_step(kind, data / f"{kind}.csv", home, stream)[0] for kind in ("profiles", "partnerships")]
    if reuse and workspace_is_built(home):
        steps.append(Step("build", [], note="skipped (--reuse)"))
    else:
        step = run_step("build", home, ["build", "--json"], stream=stream)
        _require(step, (0,))
        report = _json_or_none(step.stdout) or {}
        step.note = f"{report.get('profiles', 0):,} profiles, {sum(report.get('encoded', {}).values()):,} texts encoded"
        steps.append(step)
    return steps


# ----------------------------------------------------------------------------------------------------- report


def summary_table(summaries: Mapping[str, Summary], k: int = K, labels: Mapping[str, str] | None = None) -> str:
    """The rankers side by side as a Markdown table (rows named by ``labels``, default :data:`LABELS`)."""
    labels = LABELS if labels is None else labels
    lines = [
        f"| ranker | recall@{k} | recall@{k} ÷\\|truth\\| | nDCG@{k} | hit@{k} | weighted recall@{k} "
        f"| weighted recall ÷\\|truth\\| | weighted nDCG@{k} | distinct orgs | Gini exposure |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in summaries.items():
        m, w = s.macro, s.weighted
        lines.append(
            f"| {labels.get(name, name)} | {m.recall:.3f} | {m.recall_full:.3f} | {m.ndcg:.3f} | {m.hit:.3f} | "
            f"{w['recall']:.3f} | {w['recall_full']:.3f} | {w['ndcg']:.3f} | {m.distinct:,} | {m.gini:.3f} |"
        )
    return "\n".join(lines)


def city_table(
    tasks: Sequence[CityTask], summaries: Mapping[str, Summary], seconds: Mapping[str, float], k: int = K
) -> str:
    """Per city: size, truth, how much of the truth already had links there, each ranker's recall@k, wall clock."""
    names = list(summaries)
    header = " | ".join(f"{SHORT.get(n, 'product reweighted')} R@{k}" for n in names)
    lines = [
        f"| city | orgs | \\|truth\\| | truth already linked | {header} | leads call |",
        "|---|---:|---:|---:|" + "---:|" * len(names) + "---:|",
    ]
    for task in tasks:
        if not task.truth:
            continue
        cells = " | ".join(f"{summaries[n].per_city[task.key].recall:.2f}" for n in names)
        took = f"{seconds[task.key]:.1f} s" if task.key in seconds else "-"
        lines.append(
            f"| {task.name} | {len(task.members)} | {len(task.truth)} | {task.linked / len(task.truth):.0%} | "
            f"{cells} | {took} |"
        )
    return "\n".join(lines)


def section_text(result: Mapping[str, Any]) -> str:
    """The RESULTS.md section."""
    k = result["k"]
    parts = [
        SECTION,
        "",
        f"Written by `python3 bench/bench_leads_dev.py --write` on {result['date']} at commit `{result['commit']}`. "
        f"Data: `{result['data']}` ({result['n_profiles']:,} profiles, {result['n_partnerships']:,} history "
        f"partnerships {result['window']}; see its SOURCE.md). "
        f"Queries: the {result['n_cities']} cities (place keys, spellings merged as imports store them) with at least "
        f"{result['min_orgs']} profiled organisations{result['sampled']}; {result['n_scored']} have a truth and are "
        "averaged. Candidates: every profiled organisation outside the city, of any type, those already linked "
        "to the city included. Truth: the outside organisations with a truth pair to one of the city's "
        f"organisations ({result['truth_orgs']:,} city-organisation leads in all, "
        f"{result['linked_share']:.0%} of them already had a history partner in the city; "
        f"{result['dropped']} truth pairs were history edges and were dropped). The product is "
        f"`Matcher(home).attraction.leads(city, k={k}, org_types=[{', '.join(result['org_types'])}])` on a workspace "
        "built from the same two files; the baselines are computed in-process from them (ties at random, seeded; "
        "Adamic-Adar's by degree first). recall divides the found by min(k, |truth|) as SOURCE.md does, the "
        "÷|truth| columns by |truth|; weighted columns weigh each city by its |truth|.",
        "",
        summary_table(result["summaries"], k),
        "",
        paired_text(result["summaries"]),
        "",
    ]
    if result["variant_summaries"]:
        parts += [
            "Variants of the lead score, each ranking every candidate in one stage from what the product's scorer "
            "reads (`--variants`: the local organisations' own suggestions from `Matching.recommend_many`, "
            f"{result['per_local']} each, and the parts from `matcher.attract`'s stage functions; the service's "
            f"first stage reads {result['pool_per_local']} suggestions a local organisation and re-scores its best "
            f"{result['exact_candidates']} exactly, which these rows skip):",
            "",
            summary_table(result["variant_summaries"], k, variant_labels()),
            "",
        ]
    parts += [
        "<details><summary>Per city: recall@20 of each ranker and the wall clock of the product's call</summary>",
        "",
        city_table(result["tasks"], result["summaries"], result["seconds"], k),
        "",
        "</details>",
        "",
        f"Wall clock: leads {result['leads_seconds']:.0f} s for {result['n_cities']} cities (median "
        f"{result['median_seconds']:.1f} s a city, the first {result['first_seconds']:.1f} s with loading); "
        f"baselines {result['baseline_seconds']:.1f} s; {result['machine']}.",
        "",
        timing_table(result["steps"]),
        "",
    ]
    return "\n".join(parts)


# ----------------------------------------------------------------------------------------------------- main


def parse_weights(text: str) -> dict[str, float]:
    """``"breadth=0.1,graph=1"`` -> the default weights with those replaced.

    Example:
        >>> parse_weights("breadth=0.1, graph=1")["graph"], parse_weights("graph=1")["breadth"]
        (1.0, 1.0)
    """
    from matcher.attract import DEFAULT_WEIGHTS

    weights = dict(DEFAULT_WEIGHTS)
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        if name.strip() not in DEFAULT_WEIGHTS:
            raise argparse.ArgumentTypeError(f"unknown part {name.strip()!r}; use {', '.join(DEFAULT_WEIGHTS)}")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{item!r}: the weight must be a number") from None
    return weights


_NOT_JSON = ("tasks", "summaries", "variant_summaries", "steps")
"""Result keys the JSON dump writes in its own shape."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line of this script."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help=f"data folder (default {DATA})")
    parser.add_argument("--workspace", type=Path, default=None, help="workspace folder (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep a workspace this run created")
    parser.add_argument("--reuse", action="store_true", help="skip import/build when the workspace already has them")
    parser.add_argument("--k", type=int, default=K, help=f"leads per city (default {K})")
    parser.add_argument("--min-orgs", type=int, default=MIN_ORGS, help="fewest organisations a city needs")
    parser.add_argument("--max-cities", type=int, default=None, help="a seeded sample of at most N cities")
    parser.add_argument("--seed", type=int, default=0, help="seed of the tie-breaks and the city sample")
    parser.add_argument("--write", action="store_true", help="rewrite this benchmark's section of the results file")
    parser.add_argument("--results", type=Path, default=None, metavar="PATH", help="results file for --write")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="also dump the numbers as JSON")
    parser.add_argument(
        "--variants", action="store_true", help="also rank with the lead-score variants (as long again as the leads)"
    )
    parser.add_argument(
        "--evidence-cache", type=Path, default=None, metavar="PATH", help="pickle of the variants' evidence: read "
        "when it exists, else written"
    )
    parser.add_argument(
        "--product-from", type=Path, default=None, metavar="PATH", help="take the product's lists and timings from "
        "an earlier run's --json instead of asking the product again"
    )
    parser.add_argument(
        "--weights", type=parse_weights, default=None, metavar="PART=W,...", help="also ask the product with "
        "LeadScorer(weights=...): the given parts replace matcher.attract.DEFAULT_WEIGHTS' (e.g. breadth=0.1,graph=1)"
    )
    parser.add_argument(
        "--until", type=int, default=None, metavar="YEAR", help="validation window: history up to YEAR, truth the "
        "pairs first met in YEAR + 1 (truth.csv unread); the workspace must be imported with the same window"
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="let the matcher's stderr through (progress)")
    return parser.parse_args(argv)


def load(data: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """profiles.csv (its ``city`` replaced by the canonical name), partnerships.csv and truth.csv."""
    profiles = pd.read_csv(data / "profiles.csv", dtype=str, keep_default_na=False)
    profiles["id"] = profiles["id"].str.strip()
    profiles["city"] = canonical_cities(profiles)
    partnerships = pd.read_csv(data / "partnerships.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(data / "truth.csv", dtype=str, keep_default_na=False)
    return profiles, partnerships, truth


def validation_split(partnerships: pd.DataFrame, until: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A window before the truth, to check a choice without reading the truth: the history is the partnerships dated
    up to ``until``, the truth the pairs first met the year after (each pair is one row dated by its first year).

    Example:
        >>> frame = pd.DataFrame({"source_id": ["a", "a", "b"], "target_id": ["b", "c", "c"],
        ...                       "year": ["2014", "2015", "2016"]})
        >>> history, truth = validation_split(frame, 2015)
        >>> len(history), truth.to_dict("records")
        (2, [{'a': 'b', 'b': 'c'}])
    """
    year = pd.to_numeric(partnerships["year"], errors="coerce")
    later = partnerships[year == until + 1]
    truth = pd.DataFrame({"a": later["source_id"].to_numpy(), "b": later["target_id"].to_numpy()})
    return partnerships[year <= until].reset_index(drop=True), truth


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark; returns the exit code."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    data = args.data.resolve()
    needed = ("profiles.csv", "partnerships.csv", "truth.csv")
    if not all((data / name).exists() for name in needed):
        print(f"The development set is not at {data} (need {', '.join(needed)}): nothing to measure.")
        return 0
    started, load_start = time.perf_counter(), os.getloadavg()[0]
    profiles, partnerships, truth_frame = load(data)
    source = data
    if args.until is not None:
        partnerships, truth_frame = validation_split(partnerships, args.until)
        source = Path(tempfile.mkdtemp(prefix="bench-leads-until-"))
        shutil.copy(data / "profiles.csv", source / "profiles.csv")
        partnerships.to_csv(source / "partnerships.csv", index=False)
        logger.info("--until %d: %d partnerships, %d truth pairs", args.until, len(partnerships), len(truth_frame))
    history = History.from_frames(profiles, partnerships)
    pairs = list(zip(truth_frame["a"].str.strip(), truth_frame["b"].str.strip(), strict=True))
    tasks, dropped = city_tasks(history, profiles["city"].tolist(), pairs, min_orgs=args.min_orgs)
    all_cities = len(tasks)
    if args.max_cities is not None and args.max_cities < len(tasks):
        keep = set(np.random.default_rng(args.seed).choice(len(tasks), size=args.max_cities, replace=False).tolist())
        tasks = [t for i, t in enumerate(tasks) if i in keep]
    logger.info("%d cities with at least %d organisations; %d asked", all_cities, args.min_orgs, len(tasks))
    org_types = sorted(set(profiles["org_type"].str.strip()) - {""})

    created = args.workspace is None or not args.workspace.exists()
    home = (args.workspace or Path(tempfile.mkdtemp(prefix="bench-leads-")) / "home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    evidence: dict[str, CityEvidence] = {}
    runs: dict[str, ProductRun] = {}
    machine = ""
    try:
        steps = prepare_workspace(source, home, reuse=args.reuse, stream=args.verbose)
        stored = _json_or_none(run_step("stats", home, ["stats", "--json"]).stdout) or {}
        if stored.get("partnerships", 0) > len(partnerships):
            raise SystemExit(
                f"{home} holds {stored['partnerships']:,} partnerships, more than the {len(partnerships):,} of the "
                "history: it would see the truth. Use a workspace imported by this script with the same --until."
            )
        from matcher.api import Matcher

        matcher = Matcher(home)
        if args.product_from is not None:
            earlier = json.loads(args.product_from.read_text(encoding="utf-8"))
            runs = {name: ProductRun(**run) for name, run in earlier["runs"].items()}
            machine = f"the leads' run: {earlier['machine']}"
            steps.append(Step("leads", [], note=f"{', '.join(runs)}: lists and timings from {args.product_from}"))
        else:
            runs["product"] = run_leads(matcher.attraction.leads, tasks, k=args.k, org_types=org_types)
        if args.weights is not None:
            from matcher.attract import LeadScorer
            from matcher.service.attraction import Attraction

            changed = {name: w for name, w in args.weights.items() if DEFAULT_WEIGHTS.get(name) != w}
            name = "product, LeadScorer(weights=" + ", ".join(f"{n}={w:g}" for n, w in changed.items()) + ")"
            attraction = Attraction(matcher.context, matcher.matching, scorer=LeadScorer(weights=args.weights))
            runs[name] = run_leads(attraction.leads, tasks, k=args.k, org_types=org_types)
        if args.variants:
            evidence = load_evidence(args.evidence_cache, tasks) or collect_evidence(matcher, tasks, org_types)
            if args.evidence_cache is not None and not args.evidence_cache.exists():
                args.evidence_cache.write_bytes(pickle.dumps({key: vars(e) for key, e in evidence.items()}))
    finally:
        if source != data:
            shutil.rmtree(source, ignore_errors=True)
        if not args.keep and created:  # a folder the user named and that existed before is never deleted
            shutil.rmtree(home.parent if args.workspace is None else home, ignore_errors=True)

    product = runs["product"]
    from matcher.service import attraction as attraction_module  # the service's first-stage sizes, for the section
    baseline_start = time.perf_counter()
    ranked = {name: run.lists for name, run in runs.items()}
    ranked.update(baseline_lists(history, tasks, k=args.k, seed=args.seed))
    baseline_seconds = time.perf_counter() - baseline_start
    summaries = {name: summarise(lists, tasks, len(profiles), k=args.k) for name, lists in ranked.items()}
    variants = variant_lists(evidence, k=args.k, seed=args.seed) if evidence else {}
    variant_summaries = {name: summarise(lists, tasks, len(profiles), k=args.k) for name, lists in variants.items()}
    scored = [t for t in tasks if t.truth]
    per_call = [product.seconds[t.key] for t in tasks]
    result: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "commit": git_commit(),
        "data": str(data.relative_to(REPO.parent)) if data.is_relative_to(REPO.parent) else str(data),
        "k": args.k,
        "min_orgs": args.min_orgs,
        "n_profiles": len(profiles),
        "n_partnerships": len(partnerships),
        "n_truth_pairs": len(truth_frame),
        "window": f"up to 2016, {len(truth_frame):,} truth pairs new in 2017-2018"
        if args.until is None
        else f"up to {args.until}, {len(truth_frame):,} truth pairs first met in {args.until + 1} (validation window)",
        "n_cities": len(tasks),
        "sampled": f" (a seeded sample of {len(tasks)} of {all_cities})" if len(tasks) < all_cities else "",
        "n_scored": len(scored),
        "truth_orgs": sum(len(t.truth) for t in scored),
        "linked_share": sum(t.linked for t in scored) / max(1, sum(len(t.truth) for t in scored)),
        "dropped": dropped,
        "org_types": org_types,
        "tasks": tasks,
        "summaries": summaries,
        "variant_summaries": variant_summaries,
        "per_local": PER_LOCAL,
        "pool_per_local": attraction_module.POOL_PER_LOCAL,
        "exact_candidates": attraction_module.EXACT_CANDIDATES,
        "seconds": product.seconds,
        "leads_seconds": sum(product.seconds.values()),
        "median_seconds": float(np.median(per_call)) if per_call else 0.0,
        "first_seconds": per_call[0] if per_call else 0.0,
        "baseline_seconds": baseline_seconds,
        "steps": steps,
        "machine": machine
        or f"{os.cpu_count()} CPUs, 1-min load average {load_start:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end",
        "total_seconds": time.perf_counter() - started,
    }
    print()
    print(summary_table(summaries, args.k))
    print(paired_text(summaries))
    if variant_summaries:
        print()
        print(summary_table(variant_summaries, args.k, variant_labels()))
    print()
    print(city_table(tasks, summaries, product.seconds, args.k))
    print()
    print(timing_table(steps))
    refused = {key: msg for key, msg in product.messages.items() if msg and msg.startswith("refused")}
    if refused:
        print(f"\n{len(refused)} cities refused by the product, e.g. {next(iter(refused.items()))}")
    print(f"\ntotal {result['total_seconds'] / 60:.1f} min")
    if args.json is not None:
        payload = {
            **{key: value for key, value in result.items() if key not in _NOT_JSON},
            "cities": [
                {**{f: getattr(t, f) for f in ("key", "name", "linked")}, "orgs": len(t.members), "truth": len(t.truth)}
                for t in tasks
            ],
            "summaries": {
                name: {
                    "macro": asdict(s.macro),
                    "weighted": s.weighted,
                    "per_city": {c: asdict(v) for c, v in s.per_city.items()},
                }
                for name, s in {**summaries, **variant_summaries}.items()
            },
            "steps": [{k: v for k, v in asdict(s).items() if k not in ("stdout", "stderr")} for s in steps],
            "runs": {name: asdict(run) for name, run in runs.items()},
            "lists": {**ranked, **variants},
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
        logger.info("wrote %s", args.json)
    if args.write:
        from bench.results import RESULTS, write_section

        out = args.results or RESULTS
        write_section(SECTION, section_text(result), out)
        logger.info("wrote the section %r of %s", SECTION, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
