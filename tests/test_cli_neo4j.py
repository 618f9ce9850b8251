"""``citegraph neo4j ...`` and ``citegraph demo --store neo4j``: Cypher in one command (issue 21).

Also ``demo``/``serve`` on a taken port: exit 2 with the port named, before building.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from typer.testing import CliRunner

from api import neo4j_local
from api.cli import app
from tests.conftest import ROOT

runner = CliRunner()
CITEGRAPH = str(Path(sys.executable).parent / "citegraph")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _demo_env(server: dict, tmp_path: Path) -> dict[str, str]:
    """The test server as a fresh machine sees it: nothing configured when it is the
    managed local one (so demo starts/finds it itself), else its settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NEO4J_URI", "NEO4J_PASSWORD", "NEO4J_USER", "CITEGRAPH_API_KEY", "CITEGRAPH_STORE")}
    env["CITEGRAPH_DB"] = str(tmp_path / "unused.db")
    if server["uri"] != neo4j_local.Settings().uri:
        env.update(NEO4J_URI=server["uri"], NEO4J_USER=server["user"], NEO4J_PASSWORD=server["password"])
    return env


@pytest.mark.neo4j
def test_neo4j_status_command(neo4j_server):
    env = {"NEO4J_LOCAL_PORT": str(urlparse(neo4j_server["uri"]).port),
           "NEO4J_PASSWORD": neo4j_server["password"]}
    result = runner.invoke(app, ["neo4j", "status"], env=env)
    if neo4j_server["uri"] == neo4j_local.Settings().uri:
        assert result.exit_code == 0, result.output
        assert "answering" in result.output
    else:
        assert result.exit_code in (0, 3), result.output


@pytest.mark.neo4j
def test_demo_store_neo4j_serves_a_working_cypher(neo4j_store, neo4j_server, tmp_path):
    port = _free_port()
    env = _demo_env(neo4j_server, tmp_path)
    proc = subprocess.Popen([CITEGRAPH, "demo", "--store", "neo4j", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out_lines: list[str] = []
    try:
        deadline = time.monotonic() + 240
        for line in proc.stdout:
            out_lines.append(line)
            if "Uvicorn running" in line or time.monotonic() > deadline:
                break
        out = "".join(out_lines)
        assert "Uvicorn running" in out, out
        key = next(ln.split("=", 1)[1].strip() for ln in out_lines if "export CITEGRAPH_API_KEY=" in ln)
        assert "export NEO4J_URI=" in out and "citegraph query" in out
        resp = httpx.post(f"http://127.0.0.1:{port}/cypher", headers={"Authorization": f"Bearer {key}"},
                          json={"query": "MATCH (p:Paper) RETURN count(p) AS papers"}, timeout=30)
        assert resp.status_code == 200, resp.text
        assert resp.json()["rows"] == [[440]]
        # the printed settings make `citegraph query` work from another shell
        settings = dict(ln.strip().removeprefix("export ").split("=", 1) for ln in out_lines
                        if ln.strip().startswith("export "))
        query = subprocess.run([CITEGRAPH, "query", "MATCH (c:Community) RETURN count(c) AS n", "--json"],
                               env={**env, **settings}, capture_output=True, text=True, timeout=120)
        assert query.returncode == 0, query.stderr
        assert json.loads(query.stdout)["rows"][0][0] > 0
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.parametrize("command", [["demo"], ["serve"]])
def test_taken_port_is_exit_2_naming_the_port_before_building(command, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        db = tmp_path / "demo.db"
        result = runner.invoke(app, ["--db", str(db), *command, "--port", str(port)],
                               env={"CITEGRAPH_STORE": "embedded"})
    assert result.exit_code == 2, result.output
    assert f"port {port}" in result.output and "--port" in result.output
    assert "ingested" not in result.output
    assert not db.exists(), "nothing is built when the port is taken"
