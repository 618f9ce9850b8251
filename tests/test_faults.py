"""Store faults on a real, dedicated Neo4j that the tests kill and restart.

- Neo4j SIGKILLed in the middle of ``citegraph build``: the command exits 3
  with one clear line within seconds; once the server is back, re-running
  gives exactly the graph a clean run gives.
- Neo4j SIGKILLed while ``POST /papers`` and a ``POST /cypher`` are in flight:
  both answer 503 within 2 s, so do new requests; the app recovers by itself
  when the server is back, and re-posting gives exactly the clean graph.
- The ``citegraph build`` process SIGKILLed mid derived write, on both stores:
  re-running gives exactly the clean graph.

The server is not the session's: it has its own home and port
(``CITEGRAPH_FAULT_NEO4J_HOME``, default ``<tmp>/citegraph-neo4j-fault``;
``CITEGRAPH_FAULT_NEO4J_PORT``, default 7752), is started here with
``scripts/neo4j_local.py`` and stopped at the end if it was started here.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli_app
from graph.config import Settings
from graph.stores.neo4j import Neo4jStore
from graph.stores.sqlite import SQLiteStore
from tests.conftest import ROOT, SEEDS, SHARED, _neo4j_local_module

pytestmark = pytest.mark.neo4j

SEED_FILES = sorted(str(p) for p in SEEDS.glob("*.txt"))
CITESEER = SHARED / "data" / "citeseer" / "papers.jsonl"
API_KEY = "fault-key-0123456789"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
FAULT_HOME = os.environ.get("CITEGRAPH_FAULT_NEO4J_HOME") or str(Path(tempfile.gettempdir()) / "citegraph-neo4j-fault")
FAULT_PORT = os.environ.get("CITEGRAPH_FAULT_NEO4J_PORT") or "7752"
#: The API's promise: a request answers 503 within this after the server died.
API_DEADLINE = 2.0
#: The CLI's: the default retry budget (5 s) plus one retry spacing (1 s) and exit.
CLI_DEADLINE = 10.0

runner = CliRunner()


# --- the dedicated server -------------------------------------------------------------


class FaultServer:
    """A Neo4j of our own that can be SIGKILLed and started again."""

    def __init__(self) -> None:
        self.local = _neo4j_local_module()
        self.info: dict[str, Any] = {}
        self.started_here = False
        self.kills = 0

    @contextlib.contextmanager
    def _env(self) -> Iterator[None]:
        """neo4j_local reads its home and port from the environment: set them for one call."""
        keys = ("NEO4J_LOCAL_HOME", "NEO4J_LOCAL_PORT", "NEO4J_USER", "NEO4J_PASSWORD")
        saved = {k: os.environ.get(k) for k in keys}
        os.environ.update(NEO4J_LOCAL_HOME=FAULT_HOME, NEO4J_LOCAL_PORT=FAULT_PORT)
        os.environ.pop("NEO4J_USER", None)
        os.environ.pop("NEO4J_PASSWORD", None)
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def start(self) -> float:
        t0 = time.monotonic()
        with self._env():
            self.info = self.local.start(timeout=300)
        self.started_here = self.started_here or not self.info.get("already_running")
        return time.monotonic() - t0

    def stop(self) -> None:
        with self._env():
            self.local.stop()

    def kill(self) -> float:
        """SIGKILL the server (its whole process group); returns the monotonic time of the kill."""
        with self._env():
            settings = self.local.Settings()
            pid = self.local._running_pid(settings)
        assert pid is not None, "the fault server is not running"
        killed_at = time.monotonic()
        try:
            os.killpg(pid, signal.SIGKILL)  # start() makes it a session leader
        except PermissionError:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while self.local._alive(pid):
            assert time.monotonic() < deadline, f"pid {pid} survived SIGKILL"
            time.sleep(0.05)
        self.kills += 1
        return killed_at

    @property
    def uri(self) -> str:
        return self.info["uri"]

    def store(self, **kwargs: Any) -> Neo4jStore:
        return Neo4jStore(uri=self.uri, user=self.info["user"], password=self.info["password"], **kwargs)

    def env(self, **extra: str) -> dict[str, str]:
        return {"CITEGRAPH_STORE": "neo4j", "NEO4J_URI": self.uri, "NEO4J_USER": self.info["user"],
                "NEO4J_PASSWORD": self.info["password"], **extra}

    def count(self, cypher: str) -> int:
        import neo4j

        with neo4j.GraphDatabase.driver(self.uri, auth=(self.info["user"], self.info["password"]),
                                        connection_timeout=2.0, max_transaction_retry_time=0.5) as driver:
            return int(driver.execute_query(cypher).records[0][0])

    def clear(self) -> None:
        with self.store() as s:
            s.clear()


@pytest.fixture(scope="module")
def fault() -> Iterator[FaultServer]:
    server = FaultServer()
    server.start()
    try:
        yield server
    finally:
        if server.started_here:
            server.stop()


# --- helpers ---------------------------------------------------------------------------


def snapshot(store) -> dict[str, Any]:
    """Everything a run writes, comparable with ``==``: counts, papers, the derived graph
    (every edge set with its scores), communities."""
    derived = store.load_derived()
    return {
        "counts": store.counts(),
        "papers": {p.id: p for p in store.iter_papers()},
        "keywords": set(derived.keywords),
        "has_keyword": set(derived.has_keyword),
        "similar": set(derived.similar),
        "shares_keywords": set(derived.shares_keywords),
        "cites": set(derived.cites),
        "unresolved": derived.unresolved_references,
        "communities": store.communities(),
    }


def cli(env: dict[str, str], *args: str):
    return runner.invoke(cli_app, list(args), env=env, catch_exceptions=False)


def cli_process(env: dict[str, str], *args: str) -> subprocess.Popen:
    full = dict(os.environ, **env)
    full.pop("CI", None)
    return subprocess.Popen([sys.executable, "-m", "api", "-v", *args], cwd=ROOT, env=full,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class LineWatcher:
    """Reads a process's stderr on a thread; ``wait_for(text)`` blocks until a line has it."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self.lines.append("")  # EOF marker
            self._cond.notify_all()

    def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not any(text in line for line in self.lines):
                if "" in self.lines or time.monotonic() > deadline:
                    return False
                self._cond.wait(0.1)
            return True

    @property
    def text(self) -> str:
        return "".join(self.lines)


def citeseer_records(n: int) -> list[dict[str, Any]]:
    out = []
    with open(CITESEER, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            out.append({"id": rec["id"], "title": rec.get("title") or "", "abstract": rec["abstract"][:3000]})
            if len(out) == n:
                return out
    return out


def seed_graph(store) -> None:
    from graph.jobs import build, ingest

    ingest(store, SEED_FILES)
    build(store)


# --- Neo4j dies mid `citegraph build` -------------------------------------------------------


def test_neo4j_killed_mid_build_exits_3_then_rerun_equals_clean(fault):
    fault.clear()
    env = fault.env(CITEGRAPH_BATCH_SIZE="20")  # many small transactions: a wide window for the kill
    assert cli(env, "ingest", *SEED_FILES).exit_code == 0

    proc = cli_process(env, "build")
    err = LineWatcher(proc.stderr)
    assert err.wait_for("citation_edges", 180), err.text  # the last step before the derived write
    deadline = time.monotonic() + 120
    while fault.count("MATCH ()-[r]->() RETURN count(r)") == 0:  # the first derived edges are in
        assert proc.poll() is None and time.monotonic() < deadline, err.text
        time.sleep(0.02)
    assert proc.poll() is None, "the build finished before Neo4j could be killed"
    killed_at = fault.kill()
    proc.wait(timeout=60)
    took = time.monotonic() - killed_at
    stderr = err.text
    assert proc.returncode == 3, stderr
    assert took < CLI_DEADLINE, f"exit after {took:.1f} s"
    print(f"build: exit {proc.returncode} {took:.2f} s after the kill: {stderr.strip().splitlines()[-1]}")
    assert "Error: store unavailable" in stderr
    assert "Traceback" not in stderr
    assert fault.info["password"] not in stderr

    fault.start()
    partial = fault.count("MATCH ()-[r]->() RETURN count(r)")
    rerun = cli(env, "build")
    assert rerun.exit_code == 0, rerun.output
    with fault.store() as s:
        after_fault = snapshot(s)

    fault.clear()
    assert cli(env, "ingest", *SEED_FILES).exit_code == 0
    assert cli(env, "build").exit_code == 0
    with fault.store() as s:
        clean = snapshot(s)
    fault.clear()
    assert clean["counts"]["papers"] == 440
    edges = sum(clean["counts"][kind] for kind in ("HAS_KEYWORD", "SIMILAR_TO", "SHARES_KEYWORDS", "CITES"))
    assert edges > partial  # the kill did land mid-write
    assert after_fault == clean


# --- Neo4j dies under the API -----------------------------------------------------------------


def _api_settings(fault: FaultServer, **overrides: Any) -> Settings:
    values = dict(citegraph_store="neo4j", neo4j_uri=fault.uri, neo4j_user=fault.info["user"],
                  neo4j_password=fault.info["password"], citegraph_api_key=API_KEY,
                  citegraph_cypher_timeout=120.0)
    values.update(overrides)
    return Settings(_env_file=None, **values)


SLOW_CYPHER = "UNWIND range(1, 400000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x) AS n"


def test_api_503_within_2s_when_neo4j_dies_recovers_and_repost_equals_clean(fault):
    fault.clear()
    with fault.store() as s:
        seed_graph(s)
    papers = citeseer_records(300)
    one_seed_id = None
    with fault.store() as s:
        one_seed_id = s.list_papers(limit=1)[1][0].paper.id

    app = create_app(_api_settings(fault, citegraph_batch_size=10))
    in_flight: dict[str, tuple[int, float, str]] = {}

    def call(name: str, path: str, body: dict) -> None:
        r = client.post(path, json=body, headers=AUTH)
        in_flight[name] = (r.status_code, time.monotonic(), r.text)

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/health").status_code == 200
        threads = [
            threading.Thread(target=call, args=("cypher", "/cypher", {"query": SLOW_CYPHER})),
            threading.Thread(target=call, args=("post", "/papers", {"papers": papers})),
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while fault.count("MATCH (p:Paper) RETURN count(p)") <= 440:  # the POST is writing
            assert time.monotonic() < deadline and not in_flight, in_flight
            time.sleep(0.02)
        assert not in_flight, f"finished before the kill: {in_flight}"
        killed_at = fault.kill()
        for t in threads:
            t.join(timeout=30)
        for name, (status, done_at, text) in in_flight.items():
            print(f"in flight {name}: {status} {done_at - killed_at:.2f} s after the kill")
            assert status == 503, (name, text)
            assert done_at - killed_at <= API_DEADLINE, f"{name} answered {done_at - killed_at:.2f} s after the kill"
            assert json.loads(text)["error"]["code"] == "store_unavailable"
        assert set(in_flight) == {"cypher", "post"}

        # New requests while the server is down: 503, fast, no internals.
        for method, path, body in (("GET", f"/papers/{one_seed_id}", None), ("GET", "/health", None),
                                   ("GET", "/papers?limit=5", None), ("GET", "/search?q=learning", None),
                                   ("POST", "/papers", {"papers": papers[:5]})):
            for _ in range(2):  # the first after the breaker opens, then the breaker itself
                t0 = time.monotonic()
                r = client.request(method, path, json=body, headers=AUTH)
                took = time.monotonic() - t0
                print(f"down {method} {path}: {r.status_code} in {took:.2f} s")
                assert r.status_code == 503, (path, r.text)
                assert took <= API_DEADLINE, f"{path} took {took:.2f} s"
                assert FAULT_PORT not in r.text and "Traceback" not in r.text
                time.sleep(BREAKER_PAUSE)

        # Past the breaker's pause a request probes the store itself: still within 2 s.
        from api.service import BREAKER_SECONDS

        time.sleep(BREAKER_SECONDS + 0.2)
        t0 = time.monotonic()
        r = client.get(f"/papers/{one_seed_id}")
        took = time.monotonic() - t0
        print(f"probe while down: {r.status_code} in {took:.2f} s")
        assert r.status_code == 503 and took <= API_DEADLINE, (r.text, took)

        fault.start()
        deadline = time.monotonic() + 60
        while (r := client.get("/health")).status_code != 200:  # recovers by itself
            assert time.monotonic() < deadline, r.text
            time.sleep(0.5)
        r = client.post("/papers", json={"papers": papers}, headers=AUTH)
        assert r.status_code == 201, r.text
    with fault.store() as s:
        after_fault = snapshot(s)

    fault.clear()
    with fault.store() as s:
        seed_graph(s)
    with TestClient(create_app(_api_settings(fault)), raise_server_exceptions=False) as client:
        r = client.post("/papers", json={"papers": papers}, headers=AUTH)
        assert r.status_code == 201, r.text
    with fault.store() as s:
        clean = snapshot(s)
    fault.clear()
    assert clean["counts"]["papers"] == 440 + len(papers)
    assert after_fault == clean


#: Pause between the two tries of each endpoint above (the breaker opens for 2 s).
BREAKER_PAUSE = 0.1


# --- the CLI process dies mid `build`, on both stores --------------------------------------------

#: Neighbours per paper of the first graph and of the build that is killed while replacing it.
FIRST_K, KILLED_K = "3", "10"
#: Builds started before one is caught mid-write (one is enough but on a fast, quiet machine).
KILL_ATTEMPTS = 4


@pytest.mark.parametrize("kind", ["embedded", "neo4j"])
def test_sigkill_cli_mid_build_then_rerun_equals_clean(kind, fault, tmp_path):
    def env_for(name: str) -> dict[str, str]:
        if kind == "neo4j":
            return fault.env(CITEGRAPH_BATCH_SIZE="20")
        return {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / f"{name}.db"),
                "CITEGRAPH_BATCH_SIZE": "20"}

    def open_store(env: dict[str, str]):
        return fault.store() if kind == "neo4j" else SQLiteStore(env["CITEGRAPH_DB"])

    if kind == "neo4j":
        fault.clear()
    env = env_for("killed")
    assert cli(env, "ingest", *SEED_FILES).exit_code == 0
    # A first graph with few neighbours, which the killed build replaces by more: the
    # killed build then has many small transactions of SIMILAR_TO creates to be killed in.
    assert cli(env, "build", "--k", FIRST_K).exit_code == 0
    with open_store(env) as s:
        first = snapshot(s)
    for _attempt in range(KILL_ATTEMPTS):
        proc = cli_process(env, "build", "--k", KILLED_K)
        err = LineWatcher(proc.stderr)
        assert err.wait_for("citation_edges", 180), err.text
        if kind == "neo4j":
            # Mid-write: the new SIMILAR_TO edges are being created, 20 per transaction.
            deadline = time.monotonic() + 60
            while fault.count("MATCH ()-[r:SIMILAR_TO]->() RETURN count(r)") <= first["counts"]["SIMILAR_TO"]:
                if proc.poll() is not None:
                    break
                assert time.monotonic() < deadline, err.text
                time.sleep(0.005)
        else:
            time.sleep(0.05)  # SQLite writes the derived graph in one transaction: any moment is mid-write or before
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            break
        # The build finished before it could be killed (a fast machine): back to the
        # first graph and try again.
        assert proc.returncode == 0, err.text
        assert cli(env, "build", "--k", FIRST_K).exit_code == 0
    else:
        pytest.fail(f"the build finished before it could be killed, {KILL_ATTEMPTS} times")
    at_kill = None
    if kind == "embedded":
        with open_store(env) as s:
            at_kill = snapshot(s)
    assert cli(env, "build", "--k", KILLED_K).exit_code == 0
    with open_store(env) as s:
        after_kill = snapshot(s)

    if kind == "neo4j":
        fault.clear()
    clean_env = env_for("clean")
    assert cli(clean_env, "ingest", *SEED_FILES).exit_code == 0
    assert cli(clean_env, "build", "--k", KILLED_K).exit_code == 0
    with open_store(clean_env) as s:
        clean = snapshot(s)
    if kind == "neo4j":
        fault.clear()
    assert clean["counts"]["papers"] == 440
    assert after_kill == clean
    assert clean["counts"]["SIMILAR_TO"] > first["counts"]["SIMILAR_TO"]
    if kind == "embedded":
        # SQLite writes the derived graph in one transaction: the kill left either the
        # first graph (rolled back) or the whole new one (committed just before the kill,
        # which the faster writes make likely), never a mix.
        assert at_kill == first or at_kill == clean
