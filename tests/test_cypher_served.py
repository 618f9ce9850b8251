"""Issue 19 on a real served API (uvicorn in a subprocess, real Neo4j): public
endpoints keep answering while hostile /cypher queries are in flight, and an API
key sent in a URL never reaches the access log (finding 11)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.api_support import API_KEY, free_port, load_tiny_graph

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parents[1]


class Served:
    """``python -m api serve`` on a free port, its stderr collected."""

    def __init__(self, server: dict, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full = dict(os.environ, PYTHONPATH=str(ROOT), CITEGRAPH_STORE="neo4j", NEO4J_URI=server["uri"],
                    NEO4J_USER=server["user"], NEO4J_PASSWORD=server["password"],
                    NEO4J_DATABASE=server["database"], CITEGRAPH_API_KEY=API_KEY)
        full.update(env)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "info"], cwd=ROOT, env=full, start_new_session=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.output: list[bytes] = []
        self._drain = threading.Thread(target=self._read, daemon=True)
        self._drain.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for chunk in iter(lambda: self.proc.stdout.read1(8192), b""):
            self.output.append(chunk)

    def log(self) -> str:
        return b"".join(self.output).decode("utf-8", "replace")

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log()
            try:
                if httpx.get(self.base + "/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the server did not answer /health: {self.log()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._drain.join(timeout=5)


@pytest.fixture
def served(neo4j_store, neo4j_server):
    load_tiny_graph(neo4j_store)
    server = Served(neo4j_server, CITEGRAPH_CYPHER_TIMEOUT="2")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


HOSTILE = {
    "deep_nesting": "RETURN " + "(" * 300 + "1" + ")" * 300,
    "slow": "UNWIND range(1, 1000000000) AS x WITH x WHERE x = -1 RETURN count(*)",
}


def test_health_answers_while_40_hostile_queries_are_in_flight(served):
    auth = {"Authorization": f"Bearer {API_KEY}"}
    queries = [q for q in HOSTILE.values() for _ in range(20)]
    statuses: list[int] = []

    def post(query: str) -> None:
        with httpx.Client(timeout=30) as client:
            statuses.append(client.post(served.base + "/cypher", json={"query": query}, headers=auth).status_code)

    with ThreadPoolExecutor(len(queries)) as pool:
        futures = [pool.submit(post, q) for q in queries]
        time.sleep(0.5)  # all in flight
        health_times = []
        with httpx.Client(timeout=10) as client:
            for _ in range(5):
                t0 = time.monotonic()
                r = client.get(served.base + "/health")
                health_times.append(time.monotonic() - t0)
                assert r.status_code == 200, r.text
                assert client.get(served.base + "/papers").status_code == 200
                time.sleep(0.2)
        for f in futures:
            f.result()
    assert max(health_times) < 2.0, health_times
    assert sorted(set(statuses)) == [400, 408], statuses


def test_key_in_query_string_is_not_logged(served):
    with httpx.Client(timeout=10) as client:
        client.get(served.base + f"/health?api_key={API_KEY}")
        client.get(served.base + "/papers?token=other-secret-value&limit=1")
    time.sleep(0.5)
    log = served.log()
    assert "/health?api_key=***" in log, log[-2000:]
    assert API_KEY not in log and "other-secret-value" not in log


@pytest.mark.parametrize("key", ["   ", "\t", " padded-key-0123456789 "])
def test_blank_or_padded_key_refuses_to_start(neo4j_server, key):
    server = Served(neo4j_server, CITEGRAPH_API_KEY=key)
    try:
        assert server.proc.wait(timeout=60) != 0
    finally:
        server.stop()
    assert "CITEGRAPH_API_KEY" in server.log()


def test_short_key_warns(neo4j_server):
    server = Served(neo4j_server, CITEGRAPH_API_KEY="short-key")
    try:
        server.wait_ready()
    finally:
        server.stop()
    assert "CITEGRAPH_API_KEY is only 9 characters long" in server.log()
