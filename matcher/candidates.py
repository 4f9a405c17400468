"""Candidate generation: several bounded channels, each proposing catalogue rows, merged with their provenance.

Channels (:data:`CHANNELS`):

- ``need``: the asker's ``seeks`` against others' ``offers`` (a vector index over the offers facet);
- ``offer``: the asker's ``offers`` against others' ``seeks`` (a vector index over the seeks facet);
- ``similar``: the asker's profile against others' profiles (peers elsewhere);
- ``lexical``: TF-IDF on names, sectors, tags, technologies and texts, keeping only rare terms
  (:class:`LexicalIndex`), for names of technologies that embeddings blur;
- ``graph``: partners of partners by Adamic-Adar (:class:`PartnerGraph`);
- ``peers``: partners of the organisations most similar to the asker;
- ``popular``: the organisations with the most partners (in hub-dominated networks, such as research consortia,
  the best single predictor of who partners next);
- ``paths``: organisations three steps away through the partner graph (asker - partner - their partner -
  candidate), each path weighed by the inverse degree of the partner's partner (a local Katz score);
- ``fields``: the organisations with the most partnerships in the asker's fields (its sectors and tags): popular
  where the asker works, not everywhere.

The first three search a :class:`matcher.index.VectorIndex` through :class:`FacetSearcher`; the others score the
catalogue with sparse products or, for ``popular``, read one precomputed order. Every channel honours an
``allowed`` mask inside its top-k, so filters act before the cut. Profiles with little text still get candidates
from the lexical, graph, peer and popular channels.

Example:
    >>> import pandas as pd
    >>> edges = pd.DataFrame({"source_id": ["a", "b"], "target_id": ["b", "c"]})
    >>> graph = PartnerGraph().fit(["a", "b", "c"], edges)
    >>> graph.partners(1).tolist()
    [0, 2]
    >>> links = graph.link_scores(np.array([0]))
    >>> links.common.toarray()[0, 2]  # a and c share one partner, b
    np.float32(1.0)
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .vocab import SECTOR_LABELS

if TYPE_CHECKING:  # scipy.sparse is imported where matrices are built: a search or `--help` needs none
    import scipy.sparse as sp

    from .index import VectorIndex

__all__ = [
    "CHANNELS",
    "CandidatePool",
    "FacetSearcher",
    "LexicalIndex",
    "LinkScores",
    "PartnerGraph",
    "field_keys",
    "history_strength",
    "lexical_documents",
    "merge_channels",
    "top_rows",
]

logger = logging.getLogger(__name__)

CHANNELS: tuple[str, ...] = ("need", "offer", "similar", "lexical", "graph", "peers", "popular", "paths", "fields")
"""Candidate channels, in the order of the provenance bits of :class:`CandidatePool`."""

_CHANNEL_BIT = {name: 1 << i for i, name in enumerate(CHANNELS)}

FULL_HISTORY_DEGREE = 20.0
"""Mean partners per organisation at which the partnership graph's evidence counts in full."""


def top_rows(rows: np.ndarray, scores: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    """The ``k`` rows with the highest positive scores among the ``allowed`` ones, best first.

    Args:
        rows: Catalogue rows (int).
        scores: One score per row.
        k: How many to keep.
        allowed: Bool mask over the whole catalogue, or None for all rows.

    Example:
        >>> top_rows(np.array([4, 7, 9]), np.array([0.2, 0.9, 0.5]), 2).tolist()
        [7, 9]
    """
    keep = scores > 0
    if allowed is not None:
        keep &= allowed[rows]
    rows, scores = rows[keep], scores[keep]
    if k < len(rows):
        part = np.argpartition(-scores, k)[:k]
        rows, scores = rows[part], scores[part]
    return rows[np.argsort(-scores, kind="stable")]


@dataclass(frozen=True)
class CandidatePool:
    """Merged candidates of one asker.

    Attributes:
        rows: Distinct catalogue rows.
        channels: Per row, a bit mask of the channels that proposed it (bit i = ``CHANNELS[i]``).
    """

    rows: np.ndarray
    channels: np.ndarray

    def channel_names(self, i: int) -> tuple[str, ...]:
        """Names of the channels that proposed the ``i``-th row."""
        bits = int(self.channels[i])
        return tuple(name for name in CHANNELS if bits & _CHANNEL_BIT[name])

    def proposed_by(self, channel: str) -> np.ndarray:
        """Bool per row: whether ``channel`` proposed it.

        Example:
            >>> merge_channels({"need": np.array([3, 1]), "lexical": np.array([1])}).proposed_by("lexical").tolist()
            [True, False]
        """
        return (self.channels & _CHANNEL_BIT[channel]) != 0

    def __len__(self) -> int:
        return len(self.rows)


def merge_channels(found: Mapping[str, np.ndarray]) -> CandidatePool:
    """Union of each channel's rows, remembering which channels proposed each row.

    Example:
        >>> pool = merge_channels({"need": np.array([3, 1]), "lexical": np.array([1])})
        >>> pool.rows.tolist(), pool.channel_names(0)
        ([1, 3], ('need', 'lexical'))
    """
    unknown = sorted(set(found) - set(_CHANNEL_BIT))
    if unknown:
        raise ValueError(f"unknown channels {unknown}; known: {', '.join(CHANNELS)}")
    parts = [np.asarray(rows, dtype=np.int64) for rows in found.values()]
    bits = [np.full(len(rows), _CHANNEL_BIT[name], dtype=np.uint16) for name, rows in zip(found, parts, strict=True)]
    if not parts:
        return CandidatePool(np.zeros(0, np.int64), np.zeros(0, np.uint16))
    all_rows, all_bits = np.concatenate(parts), np.concatenate(bits)
    rows, inverse = np.unique(all_rows, return_inverse=True)
    channels = np.zeros(len(rows), dtype=np.uint16)
    np.bitwise_or.at(channels, inverse, all_bits)
    return CandidatePool(rows, channels)


class FacetSearcher:
    """A :class:`~matcher.index.VectorIndex` seen through catalogue rows: masks in, rows out.

    The index may hold fewer ids than the catalogue (profiles with an empty text have no vector) and in another
    order; this maps between the two. Build it again whenever the index changes.

    Args:
        index: The vector index of one facet.
        row_of: Catalogue row of each profile id.
    """

    def __init__(self, index: VectorIndex, row_of: Mapping[str, int]) -> None:
        self.index = index
        self.row_of = row_of
        self.rows = np.fromiter((row_of.get(pid, -1) for pid in index.ids_), dtype=np.int64)

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Top ``k`` catalogue rows per query (and their cosines) among the ``allowed`` rows.

        Args:
            queries: ``(m, d)`` unit vectors.
            k: Results wanted per query.
            allowed: Bool mask over the catalogue (shared by all queries), or None.

        Raises:
            ValueError: The index changed since this searcher was built.
        """
        if len(self.index) != len(self.rows):
            raise ValueError("the vector index changed since the recommender was fitted: fit it again")
        known = self.rows >= 0
        mask = known & allowed[np.maximum(self.rows, 0)] if allowed is not None else known
        if k < 1 or not mask.any() or not len(queries):
            empty = [np.zeros(0, np.int64) for _ in range(len(queries))]
            return empty, [np.zeros(0, np.float32) for _ in range(len(queries))]
        result = self.index.search(queries, k, allowed=None if mask.all() else mask)
        row_of = self.row_of
        rows = [np.fromiter((row_of[pid] for pid in ids), np.int64, len(ids)) for ids in result.ids]
        return rows, list(result.scores)


def history_strength(degrees: np.ndarray) -> float:
    """How much the partnership graph's evidence counts, in [0, 1]: the mean number of partners per organisation
    over :data:`FULL_HISTORY_DEGREE`, squared, capped at 1. Squared, because in a sparse history (the demo: 4
    partners per organisation) counts are a handful of hand-entered links each: an investment lead that happens to
    have two of them would outrank ones that fit a cluster far better, and organisations with a few links in a
    field would outrank the partner whose offers meet the need.

    Example:
        >>> history_strength(np.array([2, 4, 6])), history_strength(np.array([30, 50]))
        (0.04, 1.0)
    """
    if not len(degrees):
        return 0.0
    return round(float(min(1.0, (np.mean(degrees) / FULL_HISTORY_DEGREE) ** 2)), 6)


def field_keys(sectors: Iterable[str], tags: Iterable[str]) -> tuple[str, ...]:
    """A profile's fields for :meth:`PartnerGraph.field_activity`: its taxonomy sectors and free tags (a CORDIS
    programme part is a tag), case-folded, each once.

    Example:
        >>> field_keys(("ai",), ("Smart cities", "smart cities "))
        ('ai', 'smart cities')
    """
    return tuple(dict.fromkeys(key for field in (*sectors, *tags) if (key := field.strip().casefold())))


def lexical_documents(profiles: pd.DataFrame) -> list[str]:
    """The text the lexical channel matches on, one per row: name, sectors, tags, technologies and the texts."""
    docs = []
    for row in profiles.itertuples(index=False):
        sectors = [SECTOR_LABELS.get(s, s) for s in (getattr(row, "sectors", ()) or ())]
        lists = [*sectors, *(getattr(row, "tags", ()) or ()), *(getattr(row, "technologies", ()) or ())]
        texts = [getattr(row, name, "") for name in ("name", "description", "offers", "seeks")]
        docs.append(" ".join([*lists, *(t for t in texts if isinstance(t, str))]))
    return docs


class LexicalIndex:
    """TF-IDF over :func:`lexical_documents`, keeping rare terms only: the channel for named technologies.

    Terms are :func:`matcher.lexical.tfidf_vectorizer`'s: words, and character n-grams of Hangul, kana and Han, so
    that a Korean name or technology matches across spacing and particles.

    Terms found in more than ``max_df_share`` of the profiles are dropped (generic words are the embeddings'
    business), but never in a catalogue of fewer than ``min_docs_for_cut`` profiles, where every shared term is
    informative.

    Args:
        max_df_share: Largest share of profiles a term may appear in.
        min_docs_for_cut: Catalogue size below which no term is dropped for being frequent.
        ngram_range: Word n-grams (bigrams catch "fill finish", "power electronics").

    Example:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"name": ["A", "B", "C"], "technologies": [("GaN",), ("GaN", "SiC"), ("CRISPR",)]})
        >>> lex = LexicalIndex().fit(frame)
        >>> lex.scores(lex.transform(frame.iloc[[0]])).toarray().astype(float).round(2).tolist()
        [[1.0, 0.47, 0.0]]
    """

    def __init__(
        self, *, max_df_share: float = 0.1, min_docs_for_cut: int = 50, ngram_range: tuple[int, int] = (1, 2)
    ) -> None:
        self.max_df_share = max_df_share
        self.min_docs_for_cut = min_docs_for_cut
        self.ngram_range = ngram_range

    def fit(self, profiles: pd.DataFrame) -> LexicalIndex:
        """Learns the vocabulary and IDF weights and indexes every profile."""
        import scipy.sparse as sp

        from .lexical import tfidf_vectorizer

        if not 0 < self.max_df_share <= 1:
            raise ValueError(f"max_df_share must be in (0, 1], got {self.max_df_share!r}")
        n = len(profiles)
        max_df: float | int = 1.0 if n < self.min_docs_for_cut else max(2, math.floor(self.max_df_share * n))
        self.vectorizer_ = tfidf_vectorizer(ngram_range=self.ngram_range, max_df=max_df, dtype=np.float32)
        docs = lexical_documents(profiles)
        try:
            matrix = self.vectorizer_.fit_transform(docs)
        except ValueError:  # an empty vocabulary: no profile has a usable term
            self.vectorizer_ = None
            matrix = sp.csr_matrix((n, 0), dtype=np.float32)
        self.matrix_ = matrix.tocsr()
        # Term-major copy: one asker's scores touch only the postings of its own terms.
        self.postings_ = self.matrix_.T.tocsr()
        logger.info("lexical index: %d profiles, %d terms", n, self.matrix_.shape[1])
        return self

    def transform(self, profiles: pd.DataFrame) -> sp.csr_matrix:
        """TF-IDF rows of ``profiles`` (for askers typed in, not in the catalogue)."""
        import scipy.sparse as sp

        if self.vectorizer_ is None:
            return sp.csr_matrix((len(profiles), 0), dtype=np.float32)
        return self.vectorizer_.transform(lexical_documents(profiles)).tocsr()

    def scores(self, queries: sp.csr_matrix) -> sp.csr_matrix:
        """Cosine of each query row with every profile: a sparse ``(m, n)`` matrix."""
        return (queries @ self.postings_).tocsr()


@dataclass(frozen=True)
class LinkScores:
    """Link-prediction scores of some askers (rows) against every catalogue row, each sparse ``(m, n)``.

    Attributes:
        common: Common-partner counts.
        adamic_adar: Shared partners, each weighed by ``1 / log(its degree)``: a hub partner says little.
        allocated: The graph's adjacency, each row divided by its degree.

    ``three_step`` (computed on first use): paths asker - partner - partner's partner - candidate, each weighed by
    the inverse degree of the partner's partner (resource allocation one step further: a local Katz score). It
    reaches the organisations that work with the asker's partners' partners, where common partners run out.
    """

    common: sp.csr_matrix
    adamic_adar: sp.csr_matrix
    allocated: sp.csr_matrix
    """The graph's adjacency with each row divided by its degree: what the three-step score walks last."""

    @cached_property
    def three_step(self) -> sp.csr_matrix:
        """Computed on first use: the Adamic-Adar baselines never need it."""
        return (self.common @ self.allocated).tocsr()

    def relative(self, name: str) -> sp.csr_matrix:
        """One of the scores divided by its row's maximum, so in [0, 1] whatever the history's size: a model
        learnt on a short history then reads a longer one on the same scale."""
        import scipy.sparse as sp

        matrix = getattr(self, name)
        peak = matrix.max(axis=1).toarray().ravel()
        scale = np.divide(1.0, peak, out=np.zeros_like(peak, dtype=np.float64), where=peak > 0)
        return (sp.diags(scale.astype(np.float32)) @ matrix).tocsr()

    def closeness(self) -> sp.csr_matrix:
        """The three-step score as a feature in [0, 1): relative to the asker's closest organisation, times the
        evidence ``x / (1 + x)`` of the score itself. Relative alone would give a lone weak path (a sparse graph,
        a newcomer with one partner) the same 1.0 as the best of thousands of paths."""
        evidence = self.three_step.copy()
        evidence.data = evidence.data / (1.0 + evidence.data)
        return self.relative("three_step").multiply(evidence).tocsr()


class PartnerGraph:
    """Known partnerships as an undirected graph over catalogue rows, with link-prediction scores.

    Attributes (after :meth:`fit`):
        adjacency_: Sparse symmetric 0/1 ``(n, n)`` matrix, no self-loops.
        degree_: Partners per profile.
        popularity_: ``log(1 + degree) / log(1 + max degree)``: how sought-after, damped.
        activity_: The same for the partners gained in the history's latest year (all partners when the history
            has no years): who is taking on partners now, not who did years ago.
        latest_year_: That year, or None.
        by_popularity_: Rows from the most to the least popular (ties: more active first, then by row).
        field_index_: Column of each field (a sector or tag, as :func:`field_keys` writes it).
        fields_: Sparse 0/1 ``(n, fields)``: the fields each profile states.
        field_links_: Sparse ``(n, fields)``: each profile's partnerships, counted in the fields they lie in
            (:meth:`field_activity`).

    Example:
        >>> edges = pd.DataFrame({"source_id": ["a", "a"], "target_id": ["b", "c"]})
        >>> PartnerGraph().fit(["a", "b", "c"], edges).degree_.tolist()
        [2, 1, 1]
    """

    def fit(
        self,
        ids: Sequence[str] | Mapping[str, int],
        partnerships: pd.DataFrame,
        fields: Sequence[Collection[str]] | None = None,
    ) -> PartnerGraph:
        """Builds the graph; partnerships naming ids outside ``ids`` are skipped (and counted in the log).

        Args:
            ids: The catalogue's ids in row order, or its id → row map (:attr:`matcher.catalogue.Catalogue.row_of`).
            partnerships: ``source_id``, ``target_id`` and optionally ``year``.
            fields: Per row, the profile's fields (:func:`field_keys`); without them no partnership lies in any
                field and :meth:`field_activity` is zero.
        """
        import scipy.sparse as sp

        n = len(ids)
        row_of = ids if isinstance(ids, Mapping) else {pid: i for i, pid in enumerate(ids)}
        if len(partnerships):
            src = partnerships["source_id"].map(row_of).to_numpy(dtype=float, na_value=np.nan)
            dst = partnerships["target_id"].map(row_of).to_numpy(dtype=float, na_value=np.nan)
        else:
            src = dst = np.zeros(0)
        known = ~np.isnan(src) & ~np.isnan(dst) & (src != dst)
        if (~known).any():
            logger.info("partner graph: skipped %d partnerships (unknown id or self-loop)", int((~known).sum()))
        years = _years(partnerships)[known]
        src, dst = src[known].astype(np.int64), dst[known].astype(np.int64)
        self.adjacency_ = _adjacency(src, dst, n)
        self.degree_ = np.diff(self.adjacency_.indptr).astype(np.int64)
        self.popularity_ = _damped(self.degree_)
        self.latest_year_ = int(np.nanmax(years)) if len(years) and not np.isnan(years).all() else None
        if self.latest_year_ is None:
            self.activity_ = self.popularity_
        else:
            latest = years == self.latest_year_
            self.activity_ = _damped(np.diff(_adjacency(src[latest], dst[latest], n).indptr))
        self.by_popularity_ = np.lexsort((np.arange(n), -self.activity_, -self.popularity_))
        # Adamic-Adar weighs a shared partner z by 1 / log(degree z); the three-step score a path by 1 / degree.
        self.weighted_ = sp.diags((1.0 / np.log(np.maximum(self.degree_, 2))).astype(np.float32)) @ self.adjacency_
        self.allocated_ = sp.diags((1.0 / np.maximum(self.degree_, 1)).astype(np.float32)) @ self.adjacency_
        self._fit_fields(fields if fields is not None else [()] * n)
        logger.info("partner graph: %d profiles, %d edges", n, self.adjacency_.nnz // 2)
        return self

    def _fit_fields(self, fields: Sequence[Collection[str]]) -> None:
        import scipy.sparse as sp

        n = self.adjacency_.shape[0]
        if len(fields) != n:
            raise ValueError(f"fields has {len(fields)} rows, the catalogue {n}")
        self.field_index_: dict[str, int] = {}
        rows: list[int] = []
        columns: list[int] = []
        for row, row_fields in enumerate(fields):
            for field in dict.fromkeys(row_fields):
                rows.append(row)
                columns.append(self.field_index_.setdefault(field, len(self.field_index_)))
        width = len(self.field_index_)
        self.fields_ = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, columns)), shape=(n, width))
        # A partnership lies in the fields its two organisations share. Where they share several, it is split in
        # proportion to how common each field is: the likelier place of a joint project, as far as profiles say.
        pairs = sp.triu(self.adjacency_, k=1).tocoo()
        shared = self.fields_[pairs.row].multiply(self.fields_[pairs.col]).tocsr()
        shared = (shared @ sp.diags(np.asarray(self.fields_.sum(axis=0), dtype=np.float32).ravel())).tocsr()
        totals = np.asarray(shared.sum(axis=1)).ravel()
        shared = (sp.diags(np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)) @ shared).tocsr()
        links = np.arange(len(pairs.row))
        ends = sp.csr_matrix(
            (np.ones(2 * len(links), np.float32), (np.r_[pairs.row, pairs.col], np.r_[links, links])),
            shape=(n, len(links)),
        )
        self.field_links_ = (ends @ shared).astype(np.float32).tocsr()

    def field_interests(self, row: int, fields: Collection[str] = ()) -> np.ndarray:
        """Where an asker works, as weights over the fields that sum to 1 (zeros when it has no known field).

        Args:
            row: The asker's catalogue row, or -1 for a profile typed in.
            fields: The asker's own fields (:func:`field_keys`), read when its partnerships lie in none.

        Returns:
            The share of the asker's partnerships in each field; without any, its stated fields evenly.
        """
        weights = np.zeros(len(self.field_index_), dtype=np.float32)
        if row >= 0:
            weights += self.field_links_[row].toarray().ravel()
        if not weights.any():
            weights[[self.field_index_[f] for f in dict.fromkeys(fields) if f in self.field_index_]] = 1.0
        total = weights.sum()
        return weights / total if total > 0 else weights

    def field_activity(self, interests: np.ndarray) -> np.ndarray:
        """How many partnerships each profile has in an asker's fields, damped like :attr:`popularity_`:
        ``log(1 + count) / log(1 + highest count)``, in [0, 1].

        Popularity counts every partnership; this counts those in the fields the asker works in, weighed by its
        share of work there: in a hub-dominated network the hubs of the asker's own fields, not everyone's
        (bench/RESULTS.md, "Real development set: what was tried for the ranking", tenth session).

        Args:
            interests: :meth:`field_interests` of the asker.
        """
        n, width = self.field_links_.shape
        counts = self.field_links_ @ interests if width else np.zeros(n, np.float32)
        peak = float(np.max(counts, initial=0.0))
        return (np.log1p(counts) / math.log1p(peak)).astype(np.float32) if peak > 0 else np.zeros(n, np.float32)

    @property
    def n_edges(self) -> int:
        """Number of distinct partner pairs."""
        return int(self.adjacency_.nnz // 2)

    def partners(self, row: int) -> np.ndarray:
        """Catalogue rows of ``row``'s partners, ascending."""
        a = self.adjacency_
        return a.indices[a.indptr[row] : a.indptr[row + 1]].astype(np.int64)

    def link_scores(self, rows: np.ndarray) -> LinkScores:
        """Common partners, Adamic-Adar and three-step scores of ``rows`` against every profile."""
        starts = self.adjacency_[rows]
        return LinkScores((starts @ self.adjacency_).tocsr(), (starts @ self.weighted_).tocsr(), self.allocated_)

    def popular(self, k: int, allowed: np.ndarray) -> np.ndarray:
        """The ``k`` most popular ``allowed`` rows that have partners at all, most popular first."""
        order = self.by_popularity_[allowed[self.by_popularity_]]
        order = order[self.degree_[order] > 0]
        return order[:k]

    def peer_scores(self, peers: np.ndarray, weights: np.ndarray) -> sp.csr_matrix:
        """For each profile, the summed weight of the ``peers`` it works with, sparse ``(1, n)``.

        With peers the organisations most similar to an asker and weights their similarities, this scores
        "partners of organisations like this one".
        """
        import scipy.sparse as sp

        peers = np.asarray(peers, dtype=np.int64)
        start = sp.csr_matrix(
            (np.asarray(weights, dtype=np.float32), (np.zeros(len(peers), np.int64), peers)),
            shape=(1, self.adjacency_.shape[0]),
        )
        return (start @ self.adjacency_).tocsr()


def _years(partnerships: pd.DataFrame) -> np.ndarray:
    """The ``year`` column as floats (NaN where unknown), or all NaN without one."""
    if "year" not in partnerships.columns:
        return np.full(len(partnerships), np.nan)
    return pd.to_numeric(partnerships["year"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _adjacency(src: np.ndarray, dst: np.ndarray, n: int) -> sp.csr_matrix:
    """Symmetric 0/1 adjacency: several partnerships between two organisations are one edge."""
    import scipy.sparse as sp

    ones = np.ones(2 * len(src), dtype=np.float32)
    adjacency = sp.csr_matrix((ones, (np.r_[src, dst], np.r_[dst, src])), shape=(n, n))
    adjacency.sum_duplicates()
    adjacency.data[:] = 1.0
    return adjacency


def _damped(counts: np.ndarray) -> np.ndarray:
    """``log(1 + count) / log(1 + max count)``, in [0, 1]; zeros when nothing was counted."""
    peak = int(np.max(counts, initial=0))
    return np.log1p(counts) / math.log1p(peak) if peak else np.zeros(len(counts))
