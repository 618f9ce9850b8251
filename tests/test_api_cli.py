"""``citegraph serve`` (a real uvicorn process) and ``citegraph query``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.stores.sqlite import SQLiteStore
from tests.conftest import ROOT
from tests.api_support import A, free_port, load_tiny_graph

runner = CliRunner()


def test_query_refuses_the_embedded_store(tmp_path):
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(tmp_path / "q.db")}
    result = runner.invoke(app, ["query", "MATCH (n) RETURN n"], env=env)
    assert result.exit_code == 1
    assert "needs the Neo4j store" in result.output


@pytest.fixture
def neo_env(neo4j_server, neo4j_store):
    load_tiny_graph(neo4j_store)
    return {"CITEGRAPH_STORE": "neo4j", "NEO4J_URI": neo4j_server["uri"], "NEO4J_USER": neo4j_server["user"],
            "NEO4J_PASSWORD": neo4j_server["password"], "CITEGRAPH_CYPHER_MAX_ROWS": "2"}


@pytest.mark.neo4j
def test_query_prints_rows(neo_env):
    result = runner.invoke(app, ["query", "MATCH (p:Paper) WHERE p.year > 1990 AND p.year < $y RETURN p.id AS id, p.year AS year "
                                 "ORDER BY id", "--param", "y=1998", "--json"], env=neo_env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"columns": ["id", "year"],
                                         "rows": [["hep-th/0001", 1996], ["hep-th/0002", 1997]],
                                         "truncated": False}
    result = runner.invoke(app, ["query", "MATCH (p:Paper) RETURN p.id AS id ORDER BY id"], env=neo_env)
    assert result.exit_code == 0, result.output
    assert "cs/0005" in result.stdout and "truncated at the row cap of 2" in result.output


@pytest.mark.neo4j
def test_query_refused_write_exits_1(neo_env, neo4j_store):
    result = runner.invoke(app, ["query", "MATCH (p:Paper) DETACH DELETE p"], env=neo_env)
    assert result.exit_code == 1 and "refused" in result.output
    assert neo4j_store.counts()["papers"] == 7
    result = runner.invoke(app, ["query", "RETURN $x", "--params", "[1]"], env=neo_env)
    assert result.exit_code == 2


def test_serve_runs_the_app_factory(tmp_path):
    db = tmp_path / "serve.db"
    with SQLiteStore(db) as store:
        load_tiny_graph(store)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEGRAPH_", "NEO4J_"))}
    env.update(CITEGRAPH_API_KEY="k" * 20)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "--db", str(db), "serve", "--port", str(port), "--workers", "2",
         "--log-level", "warning"],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.3)
        assert r.json()["counts"]["papers"] == 7
        assert httpx.get(f"http://127.0.0.1:{port}/papers/{A}").json()["id"] == A
        r = httpx.post(f"http://127.0.0.1:{port}/cypher", json={"query": "RETURN 1"},
                       headers={"Authorization": "Bearer " + "k" * 20})
        assert r.status_code == 501
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
