"""Starts the Streamlit app on a workspace: ``matcher app [--demo]`` calls :func:`launch`.

This is an edge of the package: it imports the demo data into an empty workspace, prepares sign-in accounts,
brings the index up to date with a progress bar, then runs ``streamlit run app_streamlit.py`` bound to a
loopback address unless told otherwise.

Example:
    >>> launch(Path(".matcher"), demo=True)      # doctest: +SKIP
    Demo accounts (new passwords at every --demo start):
      officer   ...  (officer)
    ...
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path

import typer
from tqdm import tqdm

import matcher

from ..api import ImportReport, Matcher
from ..auth import add_user, ensure_demo_users, load_users, users_path

__all__ = ["APP_SCRIPT", "DEMO_DIR", "launch", "streamlit_command"]

logger = logging.getLogger(__name__)

REPO = Path(matcher.__file__).resolve().parents[1]
APP_SCRIPT = REPO / "app_streamlit.py"
"""The app's entry point (at the repository root, beside ``.streamlit/config.toml``)."""
DEMO_DIR = REPO / "data" / "demo"
"""The bundled demo data: ``profiles.csv`` and ``partnerships.csv``."""

FIRST_OFFICER = "admin"


def streamlit_command(address: str, port: int) -> list[str]:
    """The command that serves the app.

    Usage statistics are switched off: the app runs offline and sends nothing anywhere.

    Example:
        >>> streamlit_command("127.0.0.1", 8501)[-6:]
        ['--server.headless', 'true', '--browser.gatherUsageStats', 'false', '--server.fileWatcherType', 'none']
    """
    return [
        sys.executable, "-m", "streamlit", "run", str(APP_SCRIPT),
        "--server.address", address,
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]


def _say_import(report: ImportReport) -> None:
    rejected = f", {len(report.rejected)} rejected" if report.rejected else ""
    typer.echo(f"Imported {report.imported} of {report.rows} {report.kind} from {Path(report.source).name}{rejected}.")


def _import_demo(m: Matcher) -> None:
    _say_import(m.import_profiles(DEMO_DIR / "profiles.csv"))
    _say_import(m.import_partnerships(DEMO_DIR / "partnerships.csv"))


def _accounts(home: Path, demo: bool) -> None:
    path = users_path(home)
    if demo:
        typer.echo("Demo accounts (new passwords at every --demo start):")
        for name, password, role in ensure_demo_users(path):
            typer.echo(f"  name: {name:<10} password: {password}   ({role})")
    elif not any(user.is_officer for user in load_users(path).values()):
        # Without an officer nobody could sign in; the first start creates one and says so once.
        password = secrets.token_urlsafe(12)
        add_user(path, FIRST_OFFICER, "officer", password)
        typer.echo(f"Created the first officer account in {path}:")
        typer.echo(f"  name: {FIRST_OFFICER}   password: {password}   (shown only now; keep it)")


def _build(m: Matcher) -> None:
    bars: dict[str, tqdm] = {}

    def progress(facet: str, done: int, total: int) -> None:
        bar = bars.get(facet)
        if bar is None:
            bar = bars[facet] = tqdm(total=total, desc=f"Indexing {facet}", unit="text", leave=False)
        bar.update(done - bar.n)

    try:
        report = m.build(progress=progress)
    finally:
        for bar in bars.values():
            bar.close()
    typer.echo(f"Index ready: {report.profiles} organisations ({report.seconds:.1f} s).")


def launch(home: Path, *, demo: bool, port: int = 8501, address: str = "127.0.0.1") -> int:
    """Prepares the workspace and serves the app until it is stopped.

    With ``demo``, an empty workspace first receives the bundled demo data, and the demo accounts (an officer,
    and a startup speaking for a demo startup) get fresh passwords, which are printed. Without ``demo``, a
    workspace with no officer gets one (``admin``, random password, printed once). Then the index is brought up
    to date, and Streamlit serves ``app_streamlit.py`` on ``address:port`` with ``MATCHER_HOME`` set to the
    workspace.

    Args:
        home: The workspace folder.
        demo: Use the bundled demo data and demo accounts.
        port: TCP port to serve on.
        address: Interface to listen on: ``127.0.0.1`` (this machine only) by default; ``0.0.0.0`` exposes the
            app to the network, which should be done behind a TLS proxy only.

    Returns:
        The exit code of the Streamlit server (0 after Ctrl+C).

    Raises:
        FileNotFoundError: ``app_streamlit.py`` (or, with ``demo``, the demo data) is not beside the package:
            the app runs from a clone of the repository.
    """
    home = Path(home).expanduser().resolve()
    if not APP_SCRIPT.exists():
        raise FileNotFoundError(f"{APP_SCRIPT} is missing: run the app from a clone of the repository")
    m = Matcher(home)
    if demo and m.stats()["profiles"] == 0:
        if not (DEMO_DIR / "profiles.csv").exists():
            raise FileNotFoundError(f"the demo data is not in {DEMO_DIR}")
        typer.echo(f"Setting up the demo workspace in {home} ...")
        _import_demo(m)
    _accounts(home, demo)
    if m.stats()["profiles"]:
        _build(m)
    else:
        typer.echo("The workspace is empty: sign in as an officer and import profiles on the Data page.")
    m.store.close()
    url_host = "127.0.0.1" if address in ("0.0.0.0", "::") else address
    typer.echo(f"Serving on http://{url_host}:{port} (Ctrl+C stops the server).")
    env = {**os.environ, "MATCHER_HOME": str(home)}
    # Run from the repository so that .streamlit/config.toml (theme, upload limit) applies.
    process = subprocess.Popen(streamlit_command(address, port), cwd=REPO, env=env)
    # A service manager stops the launcher with SIGTERM: pass it on, so no server is left behind.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda *_: process.terminate()) if in_main else None
    try:
        return process.wait()
    except KeyboardInterrupt:
        # Ctrl+C reached the server too (same process group); let it finish its shutdown.
        process.wait()
        return 0
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
