"""Matching: free-text search, partner suggestions, peers, and the scores of pairs chosen by hand.

Every read goes through :meth:`matcher.service.indexing.Indexer.current`, so it never uses an index that no longer
matches the store; suggestions leave out what the asker dismissed (:func:`matcher.catalogue.dismissed`).

Example:
    >>> matching = Matching(context, indexer)                    # doctest: +SKIP
    >>> [hit.id for hit in matching.search("GaN power chips", k=2)] # doctest: +SKIP
    ['se-tech-004', 'do-tech-002']
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from ..bands import Band, BandScale, Calibration, calibration_for
from ..catalogue import CrossCity, dismissed
from ..embed import QueryReading, encode_query, read_query
from ..errors import InputError
from ..filters import Filters
from ..kinds import KindReading
from ..lexical import fold_name
from ..rank import Recommendations, harmonic_mean
from ..schema import FACETS, Facet, Profile
from .context import Context
from .indexing import Indexer

__all__ = ["MAX_K", "MAX_SEARCH_CHARS", "Matching", "PairScores", "SearchHit", "check_k", "check_search_text"]

logger = logging.getLogger(__name__)

MAX_K = 10_000
"""The largest number of results one call returns."""

NAME_SCORE = 1.0
"""The score of a hit whose name contains the search text: above any text match, so names come first."""
MIN_NAME_CHARS = 2
"""The shortest search (letters and digits, as :func:`matcher.lexical.fold_name` keeps them) matched against names."""

MAX_SEARCH_CHARS = 2_000
"""The longest search text: a paragraph, about two windows of the encoder (which chunks longer text rather than cut
it), so a longer query costs encoding time in proportion (1 MB took a minute) and is no search any more."""


def check_k(k: int) -> None:
    """Raises :class:`~matcher.errors.InputError` unless ``0 <= k <= MAX_K``."""
    if isinstance(k, bool) or not 0 <= k <= MAX_K:
        raise InputError(f"k must be between 0 and {MAX_K}, got {k}")


def check_search_text(text: str) -> None:
    """Raises :class:`~matcher.errors.InputError` for an empty search text or one over :data:`MAX_SEARCH_CHARS`.

    Example:
        >>> check_search_text("GMP fill-finish")
    """
    if not text.strip():
        raise InputError("the search text is empty")
    if len(text) > MAX_SEARCH_CHARS:
        raise InputError(
            f"the search text has {len(text):,} characters, above the limit of {MAX_SEARCH_CHARS:,} characters; "
            "search with a few sentences, or find partners for a profile instead"
        )


@dataclass(frozen=True)
class SearchHit:
    """One free-text search result.

    Attributes:
        id: Profile id.
        name: Display name.
        city: City.
        country: ISO country code.
        org_type: Organisation type.
        score: Cosine similarity of the query to the best-matching facet.
        facet: Which text matched best: ``profile``, ``offers`` or ``seeks``, or ``name`` when the organisation's
            name contains the search text.
        band: ``strong``, ``possible`` or ``weak`` on the search bands of the workspace's encoder
            (:attr:`matcher.bands.Calibration.search`); a search returns no hit below the weak floor.
        listed_first: Whether it is listed before the hits ranked by score alone: the text names it, or it is of
            a kind of organisation the text asks for (:meth:`Matching.search`).
    """

    id: str
    name: str
    city: str
    country: str
    org_type: str
    score: float
    facet: str
    band: Band
    listed_first: bool = False


@dataclass(frozen=True)
class PairScores:
    """How well each asker and each candidate fit each other, scored as recommendations are ranked.

    Rows follow ``askers``, columns ``candidates``.

    Attributes:
        askers: Asker ids, one per row.
        candidates: Candidate ids, one per column.
        fit_for_asker: How well each candidate meets each asker's needs, in [0, 1].
        fit_for_candidate: How well each asker meets each candidate's needs, in [0, 1].
        dismissed: True where the asker marked the candidate "not relevant" (its score is then 0); None for none.

    Example:
        >>> pairs = PairScores(("a",), ("x", "y"), np.array([[0.5, 1.0]]), np.array([[0.5, 0.0]]))
        >>> pairs.score.tolist()
        [[0.5, 0.0]]
    """

    askers: tuple[str, ...]
    candidates: tuple[str, ...]
    fit_for_asker: np.ndarray
    fit_for_candidate: np.ndarray
    dismissed: np.ndarray | None = None

    @property
    def score(self) -> np.ndarray:
        """The reciprocal score of each pair: the harmonic mean of the two fits, 0 where dismissed (a new array on
        each call)."""
        score = harmonic_mean(self.fit_for_asker, self.fit_for_candidate)
        if self.dismissed is not None:
            score[self.dismissed] = 0.0
        return score


class Matching:
    """Search and suggestions over one workspace.

    Args:
        context: The workspace.
        indexer: Serves the fitted ranking (:meth:`Indexer.current`).
    """

    def __init__(self, context: Context, indexer: Indexer) -> None:
        self.context = context
        self.indexer = indexer

    def dismissed(self, asker_id: str, by: str | None = None) -> set[str]:
        """Candidates whose latest feedback on this asker's suggestions is "not relevant": ``by`` one user only
        (the person asking), or by anyone when None (:func:`matcher.catalogue.dismissed`)."""
        return dismissed(self.context.store.feedback(asker_id), by=by)

    @property
    def calibration(self) -> Calibration:
        """The score bands and reason thresholds of the encoder the workspace's index was built with (brought in
        step with the store and the encoder first, as a search would)."""
        return self.indexer.current().calibration

    def dismissed_many(self, asker_ids: Sequence[str], by: str | None = None) -> dict[str, set[str]]:
        """:meth:`dismissed` for many askers, with the feedback read once (a city's leads ask for hundreds)."""
        feedback = self.context.store.feedback()
        wanted = feedback[feedback["asker_id"].isin(set(asker_ids))]
        rows = {str(asker): group for asker, group in wanted.groupby("asker_id", sort=False)}
        return {asker: dismissed(rows[asker], by=by) if asker in rows else set() for asker in asker_ids}

    def search(
        self,
        text: str,
        *,
        k: int = 10,
        filters: Filters | None = None,
        facets: Sequence[Facet] = ("profile", "offers"),
        kinds_first: bool = True,
    ) -> list[SearchHit]:
        """Free-text search: organisations whose name contains ``text`` first (in any script, case and accents
        ignored), then those whose profile (or offers, or seeks) text is closest to it.

        Filters act inside the search, so ``k`` results come back whenever ``k`` organisations pass them and match
        at all: only hits at or above the weak floor of the encoder's search bands (:attr:`calibration`) are
        returned, so text
        that nothing matches ("xyzzy qwerty") returns an empty list. Each hit carries its band. On a blend of
        MiniLM and a multilingual model, a text not in English is scored by the multilingual model alone
        (:func:`matcher.embed.encode_query`) and banded by that model's bands for such queries. A text that asks
        for a kind of organisation ("an investor for ...", "병원", :class:`matcher.kinds.KindReader`) lists the
        organisations of that kind first: every match when the kind heads the request, those matching at least
        "possible" when it is named further in.

        Args:
            text: What to look for, in plain words.
            k: How many results.
            filters: Which organisations may appear.
            facets: Which texts to match: any of ``profile``, ``offers``, ``seeks``. Each organisation appears
                once, with the facet that matched best.
            kinds_first: List the organisations of the kinds the text asks for first. False ranks them by score
                with the others: the user's correction when a kind word was read that the text does not ask
                for ("AI accelerator chip").

        Raises:
            InputError: Empty text, text over 2,000 characters, k out of range, or an unknown facet.
        """
        check_search_text(text)
        check_k(k)
        unknown = set(facets) - set(FACETS)
        if unknown or not facets:
            raise InputError(f"unknown facet(s) {sorted(unknown)}; use {', '.join(FACETS)}")
        served = self.indexer.current()
        if k == 0 or served.profiles.empty:
            return []
        passes = None if filters is None or filters.is_empty() else filters.mask(served.profiles)
        allowed_ids = None if passes is None else served.profiles["id"][passes]
        best: dict[str, tuple[float, str]] = {}
        # An organisation named by the text comes first, in any script ("세종" finds 세종 바이오로직스): the model
        # reads names as words, not as the names people type.
        key = fold_name(text)
        if len(key) >= MIN_NAME_CHARS:
            named = [i for i, name in enumerate(served.folded_names) if key in name and (passes is None or passes[i])]
            best.update({served.profiles["id"].iat[i]: (NAME_SCORE, "name") for i in named[:k]})
        encoded = encode_query(self.context.encoder, text, self.context.glossary)
        query = encoded.vector
        if not query.any() and not best:  # only control characters or symbols the model has no tokens for
            raise InputError("the search text is empty: it has no words to match")
        # A search that asks for a kind of organisation ("an investor for ...") is also run among that kind alone:
        # the text model reads the topic, and organisations of other kinds on the topic would crowd them out.
        kinds = self.context.kind_reader.reading(text) if kinds_first else KindReading((), ())
        searches = [allowed_ids]
        kind_ids: set[str] = set()  # organisations of a kind asked for, and those of a kind heading the request
        head_ids: set[str] = set()
        if kinds.kinds:
            org_types = served.profiles["org_type"]
            wanted = org_types.isin(kinds.kinds).to_numpy()
            searches.append(served.profiles["id"][wanted if passes is None else wanted & passes])
            kind_ids = set(served.profiles["id"][wanted])
            head_ids = set(served.profiles["id"][org_types.isin(kinds.heads).to_numpy()])
        for facet in facets if query.any() else ():
            index = served.indexes[facet]
            for ids in searches:
                found = index.search(query, k, allowed=None if ids is None else index.mask(ids))
                for pid, score in zip(found.ids[0], found.scores[0] * encoded.scale, strict=False):
                    if pid not in best or score > best[pid][0]:
                        best[pid] = (float(score), facet)
        bands = self._search_bands(encoded.model, encoded.language)
        banded = [
            (pid, score, facet, band)
            for pid, (score, facet) in best.items()
            if (band := bands.band(score)) is not None
        ]
        # Organisations named by the text first; then those of a kind the text asks for: any that matches when the
        # kind heads the request ("Seed investor for ...", "... 병원 찾습니다"), only those matching at least
        # "possible" when it is read further in, maybe in passing ("low-power edge AI accelerator chip"); then the
        # others; each group by score.
        def group(item: tuple[str, float, str, Band]) -> int:
            pid, _, facet, band = item
            first = pid in head_ids or (pid in kind_ids and band != Band.WEAK)
            return 0 if facet == "name" else 1 if first else 2

        ranked = sorted(((group(item), item) for item in banded), key=lambda grouped: (grouped[0], -grouped[1][1]))[:k]
        rows = served.profiles.set_index("id").loc[[item[0] for _, item in ranked]]
        return [
            SearchHit(pid, row.name_, row.city, row.country, row.org_type, round(score, 4), facet, band, rank < 2)
            for (rank, (pid, score, facet, band)), row in zip(
                ranked, rows.rename(columns={"name": "name_"}).itertuples(), strict=True
            )
        ]

    def search_bands(self, text: str) -> BandScale:
        """The bands a search for ``text`` is read with (:meth:`search`): the workspace encoder's, or, for a text
        not in English on a blend with an English-only part that the glossary does not read, those of the
        multilingual part that scores it."""
        reading = self.read_search(text)
        return self._search_bands(reading.route.name, reading.language)

    def read_search(self, text: str) -> QueryReading:
        """How a search for ``text`` is read (:func:`matcher.embed.read_query`): its language, the model that
        scores it, the English keywords the glossary read it as, if any, and the kinds of organisation it asks for
        (:attr:`Context.kind_reader <matcher.service.context.Context.kind_reader>`; the front ends show both)."""
        kinds = self.context.kind_reader.read(text)
        return replace(read_query(self.context.encoder, text, self.context.glossary), kinds=kinds)

    def _search_bands(self, model: str, language: str) -> BandScale:
        # A rerouted search is scored by another model's cosines: that model's calibration reads them, with the
        # bands measured for queries not in English where it has them.
        served = self.indexer.current()
        calibration = served.calibration if model == self.context.encoder.name else calibration_for(model)
        return calibration.search_bands(language)

    def recommend(
        self,
        query: str | Profile,
        *,
        k: int = 10,
        filters: Filters | None = None,
        include_partners: bool = False,
        include_competitors: bool = False,
        cross_city: CrossCity | None = None,
        dismissed_by: str | None = None,
    ) -> Recommendations:
        """Partners in other cities that fit both ways, with the reasons.

        Args:
            query: An organisation id from the store, or a :class:`Profile` typed in (not stored).
            k: How many partners; ``k`` come back whenever ``k`` organisations pass the filters.
            filters: Which organisations may be suggested (applied before the top-k cut).
            include_partners: Suggest existing partners too (otherwise they are listed apart).
            include_competitors: Keep likely competitors (same sector, nearly the same offers).
            cross_city: ``other_city`` (default), ``other_country`` or ``any``.
            dismissed_by: Whose "not relevant" counts: a user's name (a person's dismissals are their own), or
                None for anyone's.

        Organisations dismissed for this asker are not suggested again; a profile typed in speaks for the asker
        whose id it carries.

        Raises:
            NotFoundError: ``query`` is an id that is not in the store.
        """
        check_k(k)
        served = self.indexer.current()
        if isinstance(query, str):
            served.require(query, self.context.workspace.root)
        asker = query if isinstance(query, str) else query.id
        vectors = None if isinstance(query, str) else self.context.profile_vectors(query)
        return served.recommender.recommend(
            query,
            k,
            filters,
            query_vectors=vectors,
            exclude=self.dismissed(asker, dismissed_by) if asker else (),
            cross_city=cross_city,
            include_partners=include_partners,
            include_competitors=include_competitors,
        )

    def recommend_many(
        self,
        ids: Sequence[str],
        *,
        k: int = 10,
        filters: Filters | None = None,
        include_partners: bool = False,
        include_competitors: bool = False,
        cross_city: CrossCity | None = None,
        exposure_cap: float | Literal["default"] | None = "default",
        explain: bool = True,
        dismissed_by: str | None = None,
    ) -> list[Recommendations]:
        """Recommendations for many organisations at once, with an exposure cap across the lists.

        Args:
            ids: Askers' ids from the store.
            k: Partners per asker.
            filters: Which organisations may be suggested, for every asker.
            include_partners: As for :meth:`recommend`.
            include_competitors: As for :meth:`recommend`.
            cross_city: As for :meth:`recommend`.
            exposure_cap: Share of the lists one organisation may appear in; ``"default"`` is the ranking's own
                cap, None gives each asker the list :meth:`recommend` would.
            explain: Write the reasons; False leaves them empty and is much faster (quoting phrases encodes
                them with the model).
            dismissed_by: As for :meth:`recommend`.

        Raises:
            NotFoundError: An id is not in the store.
        """
        check_k(k)
        served = self.indexer.current()
        for profile_id in ids:
            served.require(profile_id, self.context.workspace.root)
        return served.recommender.recommend_many(
            list(ids),
            k,
            filters,
            include_partners=include_partners,
            include_competitors=include_competitors,
            cross_city=cross_city,
            exclude=self.dismissed_many(ids, dismissed_by),
            exposure_cap=exposure_cap,
            explain=explain,
        )

    def pair_scores(
        self, askers: Sequence[str], candidates: Sequence[str], *, dismissed_by: str | None = None
    ) -> PairScores:
        """Scores every asker with every candidate, both ways, as the ranking would; no filter applies, and a pair
        dismissed for the asker (``dismissed_by`` one user, or anyone: see :meth:`recommend`) scores 0.

        For planning meetings between chosen organisations, where the pairs are given rather than searched for.

        Raises:
            NotFoundError: An id is not in the store.
        """
        served = self.indexer.current()
        for profile_id in [*askers, *candidates]:
            served.require(profile_id, self.context.workspace.root)
        recommender = served.recommender
        fit_for_asker = np.zeros((len(askers), len(candidates)))
        fit_for_candidate = np.zeros_like(fit_for_asker)
        gone = np.zeros(fit_for_asker.shape, dtype=bool)
        dropped = self.dismissed_many(askers, dismissed_by) if len(candidates) else {}
        for i, asker in enumerate(askers if len(candidates) else ()):
            features = recommender.features_for(asker, list(candidates))
            fit_for_asker[i], fit_for_candidate[i] = recommender.scorer_.score(features)
            gone[i] = [candidate in dropped[asker] for candidate in candidates]
        return PairScores(tuple(askers), tuple(candidates), fit_for_asker, fit_for_candidate, gone)

    def explain_pairs(self, asker: str, candidates: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The reasons the ranking gives for ``asker`` with each of ``candidates`` (pairs chosen, not ranked: a
        meeting plan's), strongest first, with every filter and exclusion ignored.

        Raises:
            NotFoundError: An id is not in the store.
        """
        served = self.indexer.current()
        for profile_id in [asker, *candidates]:
            served.require(profile_id, self.context.workspace.root)
        return served.recommender.explain_pairs(asker, list(candidates))

    def similar(self, query: str | Profile, *, k: int = 10, filters: Filters | None = None) -> Recommendations:
        """Organisations like this one in other cities (peers, not partners)."""
        check_k(k)
        served = self.indexer.current()
        if isinstance(query, str):
            served.require(query, self.context.workspace.root)
            return served.recommender.similar(query, k, filters)
        return served.recommender.similar(query, k, filters, query_vectors=self.context.profile_vectors(query))
