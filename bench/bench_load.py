"""Serving a team under load and faults: 50 concurrent clients against `matcher serve --workers 2` on PostgreSQL.

Everything runs on this machine, over loopback, for a bounded time:

1. a throwaway PostgreSQL cluster (tests/postgres.py's :class:`Cluster`: Debian's server binaries, ``initdb`` as
   the ``postgres`` user when run as root, a Unix socket in its own folder; commits wait for their WAL here,
   ``synchronous_commit=on``, unlike the tests' throwaway setting);
2. the bundled demo imported into it, indexed and an officer's API key created, through the ``matcher`` command;
3. ``matcher serve --workers 2`` on a free port (its rate limit raised out of the way: the bench measures serving,
   not the limiter);
4. ``--clients`` threads, each with its own HTTP connection pool, sending a mix of ``GET …/matches``,
   ``POST /v1/search``, ``GET /v1/organisations`` and writes (feedback, notes, shortlist entries), every write
   carrying a unique marker, sent as its ``Idempotency-Key`` too, for three phases of ``--seconds`` each: steady
   load; one worker killed with SIGKILL ``--fault-at`` seconds in; PostgreSQL restarted (``pg_ctl restart``, fast
   shutdown) as far in.

Clients keep a real client's contract: on 503 or 429 they wait ``Retry-After`` seconds, on a connection error they
back off exponentially (0.1 s doubling to 2 s, with jitter), up to :data:`MAX_ATTEMPTS` attempts. A request's
latency is what its client saw, retries and waits included. At the end every write the server acknowledged with
2xx is looked up in the database by its marker: a lost write is one acknowledged and not there; a duplicate, one
there twice (a retried POST whose first attempt was committed but never answered, which the idempotency key is there
to prevent: such a retry gets the first answer again, "replay").

Run from the repository root (about 3 minutes plus the first build; as root or as a user who may run ``initdb``)::

    python3 bench/bench_load.py                 # writes "Serving a team: load and faults" in bench/RESULTS.md
    python3 bench/bench_load.py --no-write      # prints it only
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import logging
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import sqlalchemy as sa
from results import RESULTS, write_section  # bench/results.py: the script's folder is on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from postgres import server_binaries  # noqa: E402  (tests/postgres.py: where Debian keeps the binaries)
from test_server_faults import StoppableCluster  # noqa: E402  (tests/: the fault tests' restartable cluster)

logger = logging.getLogger("bench_load")

SECTION = "## Serving a team: load and faults"
DEMO = ROOT / "matcher" / "data" / "demo"
WORKSPACE = ROOT / "bench" / "out" / "load-ws"
"""Kept between runs for its embedding cache only: the store is on the throwaway cluster each time."""
MAX_ATTEMPTS = 8
"""Attempts per request before a client gives up (a real client would queue the write or tell its user)."""
TIMEOUT = 60.0
"""Seconds one attempt may take."""
WRITE_KINDS = ("feedback", "note", "shortlist entry")
PHASES = ("steady", "worker killed", "PostgreSQL restarted")
"""Each ``--seconds`` long; the last two with their fault ``--fault-at`` seconds in."""
MIX = (("matches", 30), ("search", 20), ("list", 20), ("feedback", 10), ("note", 10), ("shortlist entry", 10))
"""Request kinds and their weights."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One request as its client saw it, retries included.

    Attributes:
        kind: One of :data:`MIX`'s kinds, or ``shortlist`` (a client's new list, once the last is full).
        started: Seconds since the load began.
        seconds: Until the final answer (or giving up), waits included.
        status: The final HTTP status; 0 when the last attempt got no answer.
        unavailable: Attempts answered 503.
        dropped: Attempts that got no answer (connection refused or cut, timeout), by exception class.
        marker: The write's marker; "" for reads.
        replayed: The final answer came from the server's idempotency store (``Idempotent-Replayed: true``): an
            earlier attempt of the same write had been carried out.
    """

    kind: str
    started: float
    seconds: float
    status: int
    unavailable: int
    dropped: tuple[str, ...]
    marker: str = ""
    replayed: bool = False


@dataclasses.dataclass(frozen=True)
class Fault:
    """A fault injected during a phase: when (seconds since the load began), and what it took."""

    at: float
    note: str


class Client(threading.Thread):
    """One client: a loop of requests in the mix until ``stop`` is set, each retried as a real client would.

    Args:
        number: The client's number (part of its markers).
        base_url: The server.
        key: An officer's API key.
        ids: Organisation ids to ask about.
        queries: Search texts.
        run: This run's marker prefix.
        clock: Seconds since the load began.
        stop: Set when the load ends.
    """

    def __init__(
        self,
        number: int,
        base_url: str,
        key: str,
        ids: list[str],
        queries: list[str],
        run: str,
        clock: Callable[[], float],
        stop: threading.Event,
    ) -> None:
        super().__init__(daemon=True, name=f"client-{number}")
        self.number = number
        self.base_url = base_url
        self.key = key
        self.ids = ids
        self.queries = queries
        self.run_id = run
        self.clock = clock
        self.stop = stop
        self.outcomes_: list[Outcome] = []
        self.failures_: list[float] = []
        """When each failed attempt (503 or no answer) ended, seconds since the load began."""

    def run(self) -> None:
        rng = random.Random(self.number)
        kinds, weights = zip(*MIX, strict=True)
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=TIMEOUT) as http:
            shortlist, entries, sequence = None, 0, 0
            while not self.stop.is_set():
                kind = rng.choices(kinds, weights)[0]
                sequence += 1
                marker = f"{self.run_id}-{self.number}-{sequence}" if kind in WRITE_KINDS else ""
                if kind == "shortlist entry" and (shortlist is None or entries == len(self.ids)):
                    # One entry per organisation and list: a list is full once every organisation is on it.
                    made = self._send(http, rng, "shortlist", "POST", "/v1/shortlists", {"name": marker},
                                      idempotency_key=f"{marker}-list")
                    shortlist, entries = (made.json()["id"], 0) if made is not None else (None, 0)
                    if shortlist is None:
                        continue
                request = self._request(kind, rng, marker, shortlist, entries)
                if kind == "shortlist entry":
                    entries += 1
                self._send(http, rng, kind, *request, marker=marker, idempotency_key=marker)

    def _request(
        self, kind: str, rng: random.Random, marker: str, shortlist: int | None, entries: int
    ) -> tuple[str, str, dict[str, Any] | None]:
        org = rng.choice(self.ids)
        if kind == "matches":
            return "GET", f"/v1/organisations/{org}/matches?k=10", None
        if kind == "search":
            return "POST", "/v1/search", {"text": rng.choice(self.queries), "k": 10}
        if kind == "list":
            return "GET", f"/v1/organisations?limit=50&type={rng.choice(['startup', 'company'])}", None
        if kind == "feedback":
            label = rng.choice(["relevant", "not_relevant"])
            return "POST", "/v1/feedback", {"asker_id": org, "candidate_id": rng.choice(self.ids), "label": label,
                                            "reason": marker}
        if kind == "note":
            return "POST", f"/v1/organisations/{org}/notes", {"text": marker}
        return "PUT", f"/v1/shortlists/{shortlist}/entries/{self.ids[entries]}", {"note": marker}

    def _send(
        self,
        http: httpx.Client,
        rng: random.Random,
        kind: str,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        marker: str = "",
        idempotency_key: str = "",
    ) -> httpx.Response | None:
        """Sends one request with retries (every attempt of a write with the same ``Idempotency-Key``); records its
        outcome; returns the 2xx answer, else None."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        started = self.clock()
        unavailable, dropped, status, answer = 0, [], 0, None
        for attempt in range(MAX_ATTEMPTS):
            try:
                answer = http.request(method, path, json=body, headers=headers)
            except httpx.TransportError as error:  # refused, cut mid-answer, timed out
                dropped.append(type(error).__name__)
                self.failures_.append(self.clock())
                status, answer = 0, None
                time.sleep(min(2.0, 0.1 * 2**attempt) * rng.uniform(0.5, 1.0))
                continue
            status = answer.status_code
            if status in (429, 503):
                unavailable += status == 503
                self.failures_.append(self.clock())
                time.sleep(float(answer.headers.get("Retry-After", "1")))
                continue
            break
        self.outcomes_.append(
            Outcome(kind, started, self.clock() - started, status, unavailable, tuple(dropped), marker,
                    answer is not None and answer.headers.get("Idempotent-Replayed") == "true")
        )
        return answer if answer is not None and 200 <= status < 300 else None


def free_port() -> int:
    """A TCP port of 127.0.0.1 free just now (the server takes it a moment later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def matcher_command(*args: str, env: dict[str, str]) -> str:
    """Runs ``python3 -m matcher ARGS`` and returns its standard output; fails loudly with its error."""
    done = subprocess.run([sys.executable, "-m", "matcher", *args], env=env, capture_output=True, text=True,
                          timeout=1800, check=False)
    if done.returncode not in (0,):
        raise RuntimeError(f"matcher {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def workers_of(pid: int) -> list[int]:
    """The uvicorn worker processes under the server process ``pid`` (multiprocessing's spawned children, not
    its resource tracker)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            command = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            if b"spawn_main" in command:
                found.append(int(child))
    return sorted(found)


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user and system) each process has used so far; a process gone meanwhile is left out."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return used


@contextmanager
def matcher_serve(env: dict[str, str], port: int, workers: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``matcher serve`` in a session of its own, until the block ends; then SIGTERM to it (it stops its
    workers), SIGKILL to its process group if it does not stop in 30 s."""
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "matcher", "serve", "--port", str(port), "--workers", str(workers),
             "--rate", "100000", "--burst", "100000"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            yield server
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def wait_ready(base_url: str, server: subprocess.Popen[bytes], workers: int, seconds: float = 600) -> None:
    """Waits until the server answers ``/healthz`` and all its workers run."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"matcher serve exited with {server.returncode}: see its log")
        try:
            healthy = httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200
            if healthy and len(workers_of(server.pid)) >= workers:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError("matcher serve did not come up in time")


def warm_up(base_url: str, key: str, ids: list[str], queries: list[str], threads: int = 8) -> None:
    """Brings every worker to its steady state before measuring: the matches of every organisation once (their
    quoted phrases are then in the embedding cache) and a search per organisation, from parallel clients so that
    every worker loads its model and index (a cold worker's first match waits for them)."""
    headers = {"Authorization": f"Bearer {key}"}

    def one(start: int) -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=600) as http:
            for i in range(start, len(ids), threads):
                http.get(f"/v1/organisations/{ids[i]}/matches?k=10").raise_for_status()
                http.post("/v1/search", json={"text": queries[i % len(queries)], "k": 10}).raise_for_status()

    started = [threading.Thread(target=one, args=(start,)) for start in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()


def kill_a_worker(server: subprocess.Popen[bytes], started: float) -> str:
    """SIGKILLs one worker; waits (up to 60 s) for the server to start its replacement; says what happened."""
    before = workers_of(server.pid)
    victim = before[0]
    os.kill(victim, signal.SIGKILL)  # a worker of the server this script started
    killed = time.monotonic()
    while time.monotonic() - killed < 60:
        now = workers_of(server.pid)
        if victim not in now and len(now) == len(before):
            return (f"worker {victim} killed at {killed - started:.1f} s; the server started a replacement "
                    f"{time.monotonic() - killed:.1f} s later")
        time.sleep(0.1)
    return f"worker {victim} killed at {killed - started:.1f} s; no replacement within 60 s"


def restart_database(cluster: StoppableCluster, started: float) -> str:
    """Restarts PostgreSQL (``pg_ctl restart``, fast shutdown) and says when and how long it took."""
    began = time.monotonic()
    cluster.restart()
    return f"`pg_ctl restart` at {began - started:.1f} s took {time.monotonic() - began:.1f} s"


def stored_markers(url: str, run: str) -> dict[str, collections.Counter[str]]:
    """How many times each of this run's markers is in the database, by write kind."""
    like = f"{run}-%"
    queries = {
        "feedback": "SELECT reason FROM feedback WHERE reason LIKE :like",
        "note": "SELECT text FROM notes WHERE text LIKE :like",
        "shortlist entry": "SELECT note FROM shortlist_entries WHERE note LIKE :like",
    }
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                kind: collections.Counter(conn.execute(sa.text(query), {"like": like}).scalars())
                for kind, query in queries.items()
            }
    finally:
        engine.dispose()


def run_load(args: argparse.Namespace) -> dict[str, Any]:
    """Sets everything up (cluster, demo, index, key, server), drives the load, and looks the writes up."""
    binaries = server_binaries()
    if binaries is None:
        raise SystemExit("PostgreSQL's server binaries are missing: apt-get install postgresql (Debian)")
    cluster = StoppableCluster(binaries).start()
    try:
        url = cluster.url() + "&options=-csynchronous_commit%3Don"
        WORKSPACE.mkdir(parents=True, exist_ok=True)
        # The matcher of this checkout, in every process the bench starts.
        path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "MATCHER_HOME": str(WORKSPACE), "MATCHER_DATABASE_URL": url, "PYTHONPATH": path}
        setup = time.perf_counter()
        matcher_command("import", "profiles", str(DEMO / "profiles.csv"), env=env)
        matcher_command("import", "partnerships", str(DEMO / "partnerships.csv"), env=env)
        matcher_command("build", env=env)
        key = matcher_command("api-key", "create", "bench-load", "--role", "officer", env=env).strip().splitlines()[-1]
        logger.info("demo imported and indexed on PostgreSQL in %.0f s", time.perf_counter() - setup)
        profiles = pd.read_csv(DEMO / "profiles.csv")
        ids = profiles["id"].tolist()
        queries = [text for text in profiles["seeks"].dropna() if len(text) <= 2000]
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log = Path(tempfile.gettempdir()) / f"bench-load-serve-{port}.log"
        with matcher_serve(env, port, args.workers, log) as server:
            wait_ready(base_url, server, args.workers)
            warm_up(base_url, key, ids, queries)
            logger.info("server ready and warm; %d clients for 3 phases of %.0f s", args.clients, args.seconds)
            result = drive(args, server, cluster, base_url, key, ids, queries)
        result["profiles"] = len(ids)  # every row was imported: matcher_command fails on a rejected one
        result["internal_errors_logged"] = log.read_text(errors="replace").count("internal error")
        logger.info("the server's log: %s", log)
        result["stored"] = {kind: dict(found) for kind, found in stored_markers(url, result["run"]).items()}
        return result
    finally:
        cluster.stop()


def drive(
    args: argparse.Namespace,
    server: subprocess.Popen[bytes],
    cluster: StoppableCluster,
    base_url: str,
    key: str,
    ids: list[str],
    queries: list[str],
) -> dict[str, Any]:
    """Runs the clients through the three phases, injecting each phase's fault ``args.fault_at`` seconds in."""
    run = f"bench-{os.getpid()}-{int(time.time())}"
    stop = threading.Event()
    began = time.monotonic()

    def clock() -> float:
        return time.monotonic() - began

    clients = [Client(i, base_url, key, ids, queries, run, clock, stop) for i in range(args.clients)]
    load = [os.getloadavg()[0]]
    cpu = [cpu_seconds(workers_of(server.pid))]
    for client in clients:
        client.start()
    faults: dict[str, Fault] = {}
    for number, (phase, inject) in enumerate(
        zip(PHASES, (None, kill_a_worker, restart_database), strict=True)
    ):
        phase_start = number * args.seconds
        if inject is not None:
            time.sleep(max(0.0, phase_start + args.fault_at - clock()))
            at = clock()
            target: Any = server if inject is kill_a_worker else cluster
            faults[phase] = Fault(at, inject(target, began))
            logger.info("%s: %s", phase, faults[phase].note)
        time.sleep(max(0.0, phase_start + args.seconds - clock()))
        load.append(os.getloadavg()[0])
        cpu.append(cpu_seconds(sorted({*cpu[-1], *workers_of(server.pid)})))
    stop.set()
    for client in clients:
        client.join(timeout=TIMEOUT * MAX_ATTEMPTS)
    return {
        "run": run,
        "date": time.strftime("%Y-%m-%d"),
        "outcomes": [dataclasses.asdict(outcome) for client in clients for outcome in client.outcomes_],
        "failures": sorted(t for client in clients for t in client.failures_),
        "faults": {phase: dataclasses.asdict(fault) for phase, fault in faults.items()},
        "load": load,
        "cpu": [{str(pid): used for pid, used in snapshot.items()} for snapshot in cpu],
        "clients": args.clients,
        "seconds": args.seconds,
        "workers": args.workers,
    }


def phase_of(started: float, seconds: float) -> str:
    return PHASES[min(len(PHASES) - 1, int(started // seconds))]


def ms(values: list[float], q: float) -> str:
    return f"{np.percentile(values, q) * 1000:.0f}" if values else "–"


def report(result: dict[str, Any]) -> str:
    """The section of bench/RESULTS.md for one run's result (as :func:`run_load` returns it, or read back from
    ``--json``)."""
    seconds = result["seconds"]
    outcomes = [Outcome(**{**o, "dropped": tuple(o["dropped"])}) for o in result["outcomes"]]
    faults = {phase: Fault(**fault) for phase, fault in result["faults"].items()}
    by_phase: dict[str, list[Outcome]] = collections.defaultdict(list)
    for outcome in outcomes:
        by_phase[phase_of(outcome.started, seconds)].append(outcome)

    kind_rows = []
    for kind, _ in MIX:
        taken = [o.seconds for o in by_phase["steady"] if o.kind == kind]
        kind_rows.append(f"| {kind} | {len(taken)} | {ms(taken, 50)} | {ms(taken, 95)} | {ms(taken, 99)} |")

    acknowledged = {o.marker: o.kind for o in outcomes if o.marker and 200 <= o.status < 300}
    stored = {kind: collections.Counter(found) for kind, found in result["stored"].items()}
    phase_rows = []
    for number, phase in enumerate(PHASES):
        done = by_phase[phase]
        times = [o.seconds for o in done]
        statuses = collections.Counter(o.status for o in done if not 200 <= o.status < 300)
        failed = ", ".join(f"{n} × {status or 'no answer'}" for status, n in sorted(statuses.items())) or "none"
        unavailable = sum(o.unavailable for o in done)
        dropped = collections.Counter(name for o in done for name in o.dropped)
        dropped_text = ", ".join(f"{n} {name}" for name, n in dropped.most_common()) or "0"
        fault = faults.get(phase)
        if fault is None:
            recovery = "–"
        else:
            later = [t for t in result["failures"] if fault.at <= t < (number + 1) * seconds]
            recovery = f"{later[-1] - fault.at:.1f} s" if later else "no failure seen"
        writes = [o.marker for o in done if o.marker in acknowledged]
        lost = sum(stored[acknowledged[m]][m] == 0 for m in writes)
        twice = sum(stored[acknowledged[m]][m] > 1 for m in writes)
        replayed = sum(o.replayed for o in done)
        phase_rows.append(
            f"| {phase} | {len(done) / seconds:.1f} | {ms(times, 50)} / {ms(times, 95)} / {ms(times, 99)} / "
            f"{ms(times, 100)} | "
            f"{unavailable} | {dropped_text} | {recovery} | {failed} | {len(writes)} | **{lost}** | {twice} | "
            f"{replayed} |"
        )
    unacknowledged = sum(
        1 for o in outcomes if o.marker and o.marker not in acknowledged and stored[o.kind][o.marker]
    )
    cpu: list[dict[str, float]] = result["cpu"]
    shares = "; ".join(
        f"{phase}: " + ", ".join(f"{after[pid] - before.get(pid, 0.0):.0f} s ({pid})" for pid in sorted(after, key=int))
        for phase, before, after in zip(PHASES, cpu[:-1], cpu[1:], strict=True)
    )
    injected = "; ".join(f"{phase}: {fault.note}" for phase, fault in faults.items())
    load = result["load"]
    mix = ", ".join(f"{kind} {weight}%" for kind, weight in MIX)
    kinds = "\n".join(kind_rows)
    phases = "\n".join(phase_rows)
    return f"""{SECTION}

`python3 bench/bench_load.py` ({result['date']}; Python {platform.python_version()}, uvicorn
{_version('uvicorn')}, PostgreSQL {_server_version()}; 2 cores shared with other jobs: 1-minute load average
{', '.join(f'{value:.1f}' for value in load)} at the start and after each phase). {result['clients']} client threads
against `matcher serve --workers {result['workers']}` on loopback, over the demo ({result['profiles']} profiles) on a
throwaway PostgreSQL cluster; three phases of {seconds:.0f} s, the mix {mix}.
Latencies are what a client saw, its retries and waits included (503 and 429: wait `Retry-After`; no answer: back
off 0.1 s doubling to 2 s; at most {MAX_ATTEMPTS} attempts). Faults: {injected}.

Steady load, by request kind (ms):

| kind | requests | p50 | p95 | p99 |
|---|---:|---:|---:|---:|
{kinds}

By phase ("503 answers" and "no answer": attempts, retried; "recovery": from the fault to the last attempt that got a
503 or no answer; "failed": requests still without a 2xx after every retry, by final status; writes: acknowledged
with 2xx ("acked"), then looked up by marker in the database at the end, "lost" not there, "twice" there twice;
every write carries its marker as `Idempotency-Key`, "replay": requests answered with their first attempt's stored
answer):

| phase | req/s | p50/p95/p99/max ms | 503 answers | no answer | recovery | failed | acked | lost | twice | replay |
|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|
{phases}

Writes not acknowledged yet stored (the client gave up, or its answer was lost): {unacknowledged}. The server logged
{result['internal_errors_logged']} internal errors (500). CPU time of each worker process (its id) by phase: {shares}.

{_READING}"""


_READING = """\
What the faults do, as the server is built (they hold whatever the numbers):

- **Nothing acknowledged is lost, nothing retried is stored twice.** Each write is one transaction, committed
  before its 2xx leaves the server; a fault before the commit rolls it back, and the client's retry writes it. A
  POST (feedback, a note) is not idempotent by itself: when a worker dies or the database goes away after the commit
  but before the answer, a plain retry stores it a second time. The clients send each write's marker as its
  `Idempotency-Key`, which the server stores in the write's own transaction (`matcher/server/idempotency.py`): a
  retry after the commit gets the first answer again ("replay") or, when the first attempt died between its
  commit and keeping its answer, a 409 ("failed": carried out once, its answer lost), and is never carried out
  twice. Shortlist entries are PUTs, which a retry only sets again: they ignore the key.
- **A killed worker** (SIGKILL): uvicorn's parent process (`uvicorn/supervisors/multiprocess.py`,
  `keep_subprocess_alive`) checks its workers every half second, one after another, waiting up to 5 s for each live
  one to answer a ping, and starts a new process in place of a dead one (0.3 to 5.5 s after the kill in the runs so
  far, as the kill fell in that cycle); nothing else restarts it, and with `--workers 1` the worker is the server,
  so a supervisor (systemd's `Restart=always`) must. Requests in flight on the killed worker get no answer
  (`RemoteProtocolError`), and their retries reach the other worker. The new worker loads the index and the model
  before it accepts a connection (`matcher.server.run.warm`), so none of its requests waits for them. Connections
  kept alive stay with the worker that accepted them: the replacement gets only connections opened after it started
  (the CPU line shows how the phases split the work). A worker started while the database is down fails to start
  (its log names the store it cannot open) and uvicorn tries again, about every 8 s here, while the other worker
  answers 503; once the database is back the next try comes up (checked by hand: a worker killed with PostgreSQL
  stopped).
- **A PostgreSQL restart** (`pg_ctl restart`, fast shutdown: open sessions are cut): requests in flight or arriving
  meanwhile get 503 with `Retry-After: 2` and the one-line JSON body, never a 500; the pool checks a connection
  before lending it (`pool_pre_ping`) and the first request after a failure drops the dead ones, so each client's
  first retry succeeds, with no restart of the server. Every client gets its 503 within the same fraction of a
  second and retries together two seconds later: real clients should add a little random jitter.

Before this bench's findings (first 50-client run, `Retry-After: 5`, workers not warmed): p99 6.4 s and max 15.2 s
in the restart phase. Every client idled 5 s for a 0.3 s restart, past uvicorn's 5 s keep-alive timeout, so their
retries opened new connections, some of them to the replacement worker, whose first searches then waited over
10 s for its model.
"""


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def _server_version() -> str:
    binaries = server_binaries()
    if binaries is None:
        return "?"
    found = re.search(r"\d+(\.\d+)?", subprocess.run([str(binaries / "postgres"), "--version"], capture_output=True,
                                                     text=True, check=False).stdout)
    return found.group(0) if found else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each of the three phases")
    parser.add_argument("--fault-at", type=float, default=10.0, help="seconds into a phase its fault comes")
    parser.add_argument("--no-write", action="store_true", help="print the section without writing RESULTS.md")
    parser.add_argument("--json", type=Path, help="also save the run's raw result here (every request's outcome)")
    parser.add_argument("--from-json", type=Path, help="report a result saved with --json instead of running")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    if args.from_json:
        result = json.loads(args.from_json.read_text(encoding="utf-8"))
    else:
        result = run_load(args)
        if args.json:
            args.json.write_text(json.dumps(result), encoding="utf-8")
    text = report(result)
    print(text)
    if not args.no_write:
        write_section(SECTION, text, RESULTS)


if __name__ == "__main__":
    main()
