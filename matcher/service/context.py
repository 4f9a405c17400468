"""What every service of one workspace shares: its folder, store, encoder and embedding cache.

Each is opened on first use, so creating a context (or a :class:`~matcher.api.Matcher`) touches nothing on disk
and loads no model.

Example:
    >>> ctx = Context("/tmp/doc-context")
    >>> ctx.workspace.store_path.name
    'matcher.sqlite'
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..bands import EnglishPart, calibration_for
from ..catalogue import facet_texts
from ..config import Settings, Workspace
from ..embed import BlendEncoder, EmbeddingCache, Encoder, embed_texts, english_columns, load_encoder
from ..errors import InputError, NotFoundError
from ..gloss import GLOSSED_LANGUAGES, Glossary, packaged_glossary, parse_table
from ..kinds import KindReader
from ..schema import FACETS, Profile
from ..store import Store

__all__ = ["BuildProgress", "Context"]

logger = logging.getLogger(__name__)

MAX_GLOSSARY_BYTES = 5_000_000
"""Largest workspace glossary table or kinds vocabulary read (the packaged ones are 0.1-0.2 MB each)."""

BuildProgress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` during a build; ``stage`` names the facet being embedded."""


class Context:
    """One workspace's shared parts.

    Args:
        home: The workspace folder; None reads the settings (``$MATCHER_HOME``, default ``./.matcher``).
        encoder: An encoder spec (see :func:`matcher.embed.load_encoder`) or an encoder already loaded; None reads
            the settings (``$MATCHER_ENCODER``, default ``minilm``).
        progress: Called while a build encodes texts.
        settings: The settings to read; default :meth:`matcher.config.Settings.load` for ``home``.
    """

    def __init__(
        self,
        home: Path | str | None = None,
        *,
        encoder: str | Encoder | None = None,
        progress: BuildProgress | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.home = home
        self.encoder_spec = encoder
        self.progress = progress
        self.given_settings = settings
        self.lock = threading.RLock()

    @cached_property
    def settings(self) -> Settings:
        """The settings in force: explicit arguments, then ``MATCHER_*`` variables, then the workspace's file."""
        return self.given_settings or Settings.load(home=self.home)

    @cached_property
    def workspace(self) -> Workspace:
        """Paths inside the workspace (created on first use)."""
        return Workspace(self.settings.home).ensure()

    @cached_property
    def store(self) -> Store:
        """The store, opened on first use: the database at ``MATCHER_DATABASE_URL`` (the ``database_url`` setting,
        e.g. a team's PostgreSQL) when set, else the workspace's SQLite file."""
        self.workspace.ensure()  # the folder exists before a SQLite file is made in it
        return Store(self.settings.store_url())

    @property
    def encoder_setting(self) -> str | Encoder:
        """The encoder asked for: the one given to this context, else the workspace's setting (a spec)."""
        return self.encoder_spec if self.encoder_spec is not None else self.settings.encoder

    @cached_property
    def encoder(self) -> Encoder:
        """The text encoder. Its model loads on the first ``encode`` (seconds for the packaged MiniLM model), so
        checking the indexes against it, as every build does first, loads nothing. A blend set by name reads
        through :attr:`workspace_glossary`, whose version its name carries: editing the workspace's tables
        re-embeds the texts once."""
        spec = self.encoder_setting
        if not isinstance(spec, str):
            return spec
        if spec == "tfidf":
            raise InputError(
                "the tfidf encoder is an evaluation baseline that must be fitted first; a workspace index uses "
                "'minilm' (default), 'minilm-onnx' or a local sentence-transformers model folder"
            )
        encoder = load_encoder(spec, cache_dir=self.workspace.models_dir, lazy=True)
        if isinstance(encoder, BlendEncoder) and encoder.glossary == "packaged":
            encoder.glossary = self.workspace_glossary
        return encoder

    @property
    def glossary(self) -> Glossary | None:
        """The glossary that reads Korean, German and Spanish searches as English keywords for the encoder's
        English-only model (:func:`matcher.embed.read_query`): a blend's own, the one it read the profiles through
        (:attr:`matcher.embed.BlendEncoder.english_glossary`), else :attr:`workspace_glossary`."""
        encoder = self.encoder
        return encoder.english_glossary if isinstance(encoder, BlendEncoder) else self.workspace_glossary

    @cached_property
    def workspace_glossary(self) -> Glossary:
        """The packaged glossary with the entries of the workspace's own tables (:attr:`glossary_tables`) added,
        replacing packaged entries of the same term."""
        tables = self.glossary_tables
        return packaged_glossary().with_entries(tables) if tables else packaged_glossary()

    @cached_property
    def kind_reader(self) -> KindReader:
        """Reads the kinds of organisation a search asks for: the packaged words, with the workspace's own
        ``kinds.toml`` added (same shape as ``matcher/data/kinds.toml``: ``[kinds.investor] ko = ["..."]``,
        ``[asker]``...). A file over :data:`MAX_GLOSSARY_BYTES`, not UTF-8, not TOML or naming an unknown kind is
        skipped with a warning that says why: the packaged words stay."""
        path, packaged = self.workspace.kinds_path, KindReader.packaged()
        text = _workspace_text(path) if path.is_file() else None
        if text is None:
            return packaged
        try:
            return packaged.with_toml(text)
        except ValueError as error:  # not TOML, or an unknown kind
            logger.warning("%s skipped, the packaged kind words are used: %s", path, error)
            return packaged

    @cached_property
    def glossary_tables(self) -> dict[str, dict[str, str]]:
        """The workspace's own glossary entries per language, from ``glossary/ko.tsv``, ``de.tsv`` and ``es.tsv``
        (``term<TAB>english`` lines, as the packaged tables).

        A table over :data:`MAX_GLOSSARY_BYTES`, a file for another language or one that is not UTF-8 is skipped
        with a warning, as a malformed line is (:func:`matcher.gloss.parse_table`): the packaged entries stay.
        """
        folder = self.workspace.glossary_dir
        tables: dict[str, dict[str, str]] = {}
        for path in sorted(folder.glob("*.tsv")) if folder.is_dir() else []:
            if path.stem not in GLOSSED_LANGUAGES:
                names = ", ".join(f"{language}.tsv" for language in GLOSSED_LANGUAGES)
                logger.warning("%s skipped: the glossary tables a workspace may add are %s", path, names)
            elif (text := _workspace_text(path)) is not None:
                tables[path.stem] = parse_table(text, str(path))
        return tables

    @cached_property
    def cache(self) -> EmbeddingCache:
        """The workspace's embedding cache for reading paths (it opens a connection per call, so threads may share
        it; a build keeps its own, whose counts are that build's encodings)."""
        return EmbeddingCache(self.workspace.embedding_cache_path)

    def vectors(self, profiles: pd.DataFrame) -> dict[str, np.ndarray]:
        """Facet vectors of any profiles frame, through the embedding cache."""
        return {facet: embed_texts(facet_texts(profiles, facet), self.encoder, self.cache, facet) for facet in FACETS}

    def profile_vectors(self, profile: Profile) -> dict[str, np.ndarray]:
        """Facet vectors of one profile typed in (not stored, so not cached)."""
        vectors = self.encoder.encode([profile.text(facet) for facet in FACETS])
        return dict(zip(FACETS, vectors, strict=True))

    def ranking_options(self) -> dict[str, Any]:
        """The :class:`matcher.rank.Recommender` arguments this workspace ranks with: its ranking settings and its
        encoder's calibration and English part, so that evaluations and training measure what it serves."""
        return {"config": self.settings.ranking, "calibration": calibration_for(self.encoder.name),
                "english": self.english_part()}  # fmt: skip

    def english_part(self) -> EnglishPart | None:
        """The encoder's English-only part when it is a blend (``minilm+use-m3``: MiniLM), with that part's own
        calibration: the ranking reads two English texts by it (:class:`matcher.bands.EnglishPart`)."""
        columns = english_columns(self.encoder)
        if columns is None:
            return None
        return EnglishPart(*columns[:2], calibration_for(columns[2]), self.glossary)

    def encode_phrases(self, phrases: Sequence[str]) -> np.ndarray:
        """Explanation phrases through the embedding cache: each is encoded once per workspace, not once per
        process (a fresh ranking's explanations cost seconds of encoding otherwise)."""
        return embed_texts(phrases, self.encoder, self.cache, "phrase")

    def profile(self, profile_id: str) -> Profile:
        """One stored profile.

        Raises:
            NotFoundError: No profile has this id.
        """
        found = self.store.get_profile(profile_id)
        if found is None:
            raise NotFoundError(f"no organisation with id {profile_id!r} in {self.workspace.root}")
        return found


def _workspace_text(path: Path) -> str | None:
    """A workspace vocabulary file's text, or None (with a warning saying why) when it is over
    :data:`MAX_GLOSSARY_BYTES` or not UTF-8: the packaged words are then used alone."""
    if path.stat().st_size > MAX_GLOSSARY_BYTES:
        logger.warning("%s skipped: over %d MB", path, MAX_GLOSSARY_BYTES // 1_000_000)
        return None
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        logger.warning("%s skipped: not UTF-8 text (save it as UTF-8): %s", path, error)
        return None
