"""The product works from an installed wheel, outside the checkout: the app serves the bundled demo, and the demo
evaluation runs.

The wheel is built from a copy of the package sources (a checkout's ``build/`` folder may hold stale modules) and
installed into a fresh virtual environment in the test's temporary folder. Nothing is downloaded: the venv sees
the system site-packages (torch, the packaged MiniLM, Streamlit...), the wheel goes in with ``--no-deps``, and it
is built with the installed setuptools (``--no-build-isolation``).

Which ``matcher`` the venv imports: the checkout is also installed, editable, in the system site-packages. That
install is a meta-path finder (``__editable___innopolis_matcher_*_finder``) that its ``.pth`` file *appends* to
``sys.meta_path``, so it is asked only after the standard path finder; the path finder walks ``sys.path``, where
the venv's site-packages come before the system ones. So the wheel's copy is found first, provided no entry of
``sys.path`` points into the checkout: every command runs from a folder outside it, with ``PYTHONPATH`` unset.
``test_the_venv_imports_the_wheel_not_the_checkout`` checks the outcome rather than trusting the mechanism.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "matcher")
"""What a wheel is built from."""
START_TIMEOUT = 900.0
"""Seconds `matcher app --demo` may take to answer: it imports the demo and embeds it first (minutes when busy)."""
COMMAND_TIMEOUT = 1800.0

pytestmark = pytest.mark.slow


class Install(NamedTuple):
    venv: Path
    python: Path
    matcher: Path
    workdir: Path
    """An empty folder outside the checkout, where every command runs."""
    env: dict[str, str]


def run(command: list[str | Path], *, cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], cwd=cwd, env=env, timeout=timeout, capture_output=True,
                          text=True, check=False)


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory) -> Install:
    """The wheel of this checkout, installed in a fresh venv under the test's temporary folder."""
    try:
        import setuptools  # noqa: F401  (the build backend, used without build isolation: no download)
    except ImportError:
        pytest.skip("setuptools is not installed, so no wheel can be built offline")
    root = tmp_path_factory.mktemp("wheel")
    assert REPO not in root.parents, "the venv must lie outside the checkout"
    source = root / "source"
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, source / name)
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", root / "dist",
                 source])
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (root / "dist").glob("innopolis_matcher-*.whl")

    venv = root / "venv"
    made = run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    # pip comes from the system site-packages and installs into the venv it runs in; --ignore-installed keeps it
    # from touching the editable install it sees there.
    installed = run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", wheel])
    assert installed.returncode == 0, installed.stdout + installed.stderr

    workdir = root / "work"
    workdir.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "MATCHER_HOME")}
    env |= {"HF_HUB_OFFLINE": "1", "PYTHONNOUSERSITE": "1"}
    return Install(venv, python, venv / "bin" / "matcher", workdir, env)


def test_the_venv_imports_the_wheel_not_the_checkout(install: Install) -> None:
    probe = ("import matcher, matcher.resources as r\n"
             "with r.demo_file('profiles.csv') as demo, r.streamlit_script() as script:\n"
             "    print(matcher.__file__, demo, script, sep='\\n')")
    answer = run([install.python, "-c", probe], cwd=install.workdir, env=install.env)
    assert answer.returncode == 0, answer.stderr
    for path in answer.stdout.split():
        assert Path(path).resolve().is_relative_to(install.venv.resolve()), path


def test_the_installed_app_renders_its_sign_in_page(install: Install, tmp_path: Path) -> None:
    # The health check below answers before any page runs; this runs the packaged app script once, so a file the
    # app reads at run time (translations, settings) and the wheel lacks shows up here.
    probe = ("from streamlit.testing.v1 import AppTest\n"
             "from matcher.resources import streamlit_script\n"
             "with streamlit_script() as script:\n"
             "    at = AppTest.from_file(str(script), default_timeout=120).run()\n"
             "print([str(e.value) for e in at.exception] or 'ok', *[t.value for t in at.title])")
    answer = run([install.python, "-c", probe], cwd=install.workdir, env=install.env | {"MATCHER_HOME": str(tmp_path)})
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.split()[0] == "ok", answer.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
            return bool(answer.read() == b"ok")
    except OSError:
        return False


def test_matcher_app_demo_serves_until_stopped(install: Install, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "app.log"
    with log.open("wb") as out:
        launcher = subprocess.Popen(
            [str(install.matcher), "--home", str(tmp_path / "ws"), "app", "--demo", "--port", str(port)],
            cwd=install.workdir, env=install.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, with the server it starts: nothing is left behind
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not healthy(f"http://127.0.0.1:{port}"):
            assert launcher.poll() is None, f"matcher app exited with {launcher.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no answer within {START_TIMEOUT:.0f} s:\n{log.read_text()}"
            time.sleep(1)
        # As a service manager stops it: the launcher passes SIGTERM on to the server, which shuts down.
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=60) == 0, log.read_text()
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)
    text = log.read_text()
    assert "Imported 260 of 260 profiles" in text, text
    assert not healthy(f"http://127.0.0.1:{port}"), "the server outlived its launcher"


def test_matcher_evaluate_on_the_demo_exits_0(install: Install, tmp_path: Path) -> None:
    done = run([install.matcher, "--home", tmp_path / "ws", "evaluate", "--dataset", "demo"],
               cwd=install.workdir, env=install.env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "recall" in done.stdout.lower(), done.stdout
