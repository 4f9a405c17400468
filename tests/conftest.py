"""Shared fixtures: the repository's demo data, the CORDIS sample beside the clone, a workspace per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher.api import Matcher
from matcher.embed import Encoder, SentenceTransformerEncoder

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo"
CORDIS = REPO.parent / "shared" / "data" / "cordis_semiconductor"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace folder, also set as MATCHER_HOME so the CLI uses it."""
    home = tmp_path / "ws"
    monkeypatch.setenv("MATCHER_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEncoder:
    """The packaged all-MiniLM-L6-v2 encoder (what ``load_encoder("minilm")`` loads), once per test session.

    Typed as the concrete class: the encoder's own tests read its model, tokenizer and chunking.
    """
    return SentenceTransformerEncoder().load()


@pytest.fixture(scope="session")
def demo_matcher(tmp_path_factory: pytest.TempPathFactory, minilm: Encoder) -> Iterator[Matcher]:
    """A workspace with the demo data imported and indexed with the packaged MiniLM model (built once)."""
    matcher = Matcher(tmp_path_factory.mktemp("demo-ws"), encoder=minilm)
    matcher.import_profiles(DEMO / "profiles.csv")
    matcher.import_partnerships(DEMO / "partnerships.csv")
    matcher.build()
    yield matcher
    matcher.store.close()


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    """The bundled demo data folder (profiles.csv, partnerships.csv)."""
    return DEMO


@pytest.fixture
def cordis_dir() -> Path:
    """The real CORDIS sample kept in ../shared beside the clone (never copied into the repository)."""
    if not (CORDIS / "organization.json").exists():
        pytest.skip(f"the CORDIS sample is not at {CORDIS} (it lives in ../shared beside the clone)")
    return CORDIS
