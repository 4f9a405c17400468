"""Starts the Streamlit app on a workspace: ``matcher app [--demo]`` calls :func:`launch`.

This is an edge of the package: it imports the demo data into an empty workspace, prepares sign-in accounts,
brings the index up to date with a progress bar, then serves the packaged app (:mod:`matcher.ui.app`) bound
to a loopback address unless told otherwise. Everything it needs ships inside the package, so an installed wheel
serves the app from any working directory.

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
import tomllib
from pathlib import Path

import typer
from tqdm import tqdm

import matcher

from ..api import ImportReport, Matcher
from ..auth import add_user, ensure_demo_users, load_users, users_path
from ..resources import data_text, demo_file, streamlit_script

__all__ = ["launch", "streamlit_command", "streamlit_settings"]

logger = logging.getLogger(__name__)

REPO = Path(matcher.__file__).resolve().parents[1]
"""The folder above the package (a checkout's root); tests/test_browser.py still serves the app from it."""

FIRST_OFFICER = "admin"


def streamlit_settings() -> dict[str, str]:
    """The app's Streamlit settings (``matcher/data/streamlit.toml``) as ``{"section.option": value}``.

    They ship inside the package and go on the command line, so they apply whatever the working directory is
    (Streamlit reads a ``.streamlit/config.toml`` only from the working directory and the home folder).

    Example:
        >>> streamlit_settings()["runner.magicEnabled"]
        'false'
    """
    sections = tomllib.loads(data_text("streamlit.toml"))
    # TOML booleans become Streamlit's command-line spelling (lower case).
    return {
        f"{section}.{option}": str(value).lower() if isinstance(value, bool) else str(value)
        for section, options in sections.items()
        for option, value in options.items()
    }


def streamlit_command(address: str, port: int, script: Path | None = None) -> list[str]:
    """The command that serves the app: the packaged settings, then the address and port asked for.

    Usage statistics are switched off (in the settings): the app runs offline and sends nothing anywhere.

    Args:
        address: Interface to listen on.
        port: TCP port to serve on.
        script: The script Streamlit runs; default the packaged one, a real file wherever pip installs the package.

    Example:
        >>> command = streamlit_command("127.0.0.1", 8501)
        >>> [command[command.index(option) + 1] for option in ("--server.port", "--browser.gatherUsageStats")]
        ['8501', 'false']
    """
    if script is None:
        with streamlit_script() as path:  # a plain file in any pip install, so the path outlives the block
            script = path
    settings = {**streamlit_settings(), "server.address": address, "server.port": str(port)}
    options = [part for name, value in settings.items() for part in (f"--{name}", value)]
    return [sys.executable, "-m", "streamlit", "run", str(script), *options]


def _say_import(report: ImportReport) -> None:
    rejected = f", {len(report.rejected)} rejected" if report.rejected else ""
    typer.echo(f"Imported {report.imported} of {report.rows} {report.kind} from {Path(report.source).name}{rejected}.")


def _import_demo(m: Matcher) -> None:
    with demo_file("profiles.csv") as profiles, demo_file("partnerships.csv") as partnerships:
        _say_import(m.import_profiles(profiles))
        _say_import(m.import_partnerships(partnerships))


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
    to date, and Streamlit serves the packaged app script on ``address:port`` with ``MATCHER_HOME`` set to the
    workspace, from the workspace folder.

    Args:
        home: The workspace folder.
        demo: Use the bundled demo data and demo accounts.
        port: TCP port to serve on.
        address: Interface to listen on: ``127.0.0.1`` (this machine only) by default; ``0.0.0.0`` exposes the
            app to the network, which should be done behind a TLS proxy only.

    Returns:
        The exit code of the Streamlit server (0 after Ctrl+C).
    """
    home = Path(home).expanduser().resolve()
    m = Matcher(home)
    if demo and m.stats()["profiles"] == 0:
        typer.echo(f"Setting up the demo workspace in {home} ...")
        _import_demo(m)
    _accounts(home, demo)
    if m.stats()["profiles"]:
        _build(m)
    else:
        typer.echo("The workspace is empty: sign in as an officer and import profiles on the Data page.")
    m.close()
    url_host = "127.0.0.1" if address in ("0.0.0.0", "::") else address
    typer.echo(f"Serving on http://{url_host}:{port} (Ctrl+C stops the server).")
    env = {**os.environ, "MATCHER_HOME": str(home)}
    with streamlit_script() as script:
        # The settings are on the command line; the workspace is a working directory that is surely ours.
        process = subprocess.Popen(streamlit_command(address, port, script), cwd=home, env=env)
        return _serve(process)


def _serve(process: subprocess.Popen[bytes]) -> int:
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
