"""The managed local Neo4j (api/neo4j_local) and its scripts/ wrappers.

Issue 21, item 1: ``python3 scripts/neo4j_local.py status`` crashed with a python that
runs it from ``scripts/`` (``scripts/neo4j/`` shadowed the driver) and with one that has
no ``neo4j`` driver at all. The wrappers must work with any python3, from any folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlparse

import pytest

from api.neo4j_local import bolt, manager
from tests.conftest import ROOT

pytestmark = pytest.mark.neo4j


def _local_env(server: dict) -> dict[str, str]:
    """Environment pointing the manager at the test server's port and password."""
    env = dict(os.environ, NEO4J_PASSWORD=server["password"], NEO4J_USER=server["user"])
    env["NEO4J_LOCAL_PORT"] = str(urlparse(server["uri"]).port)
    return env


def _is_local(server: dict) -> bool:
    return server["uri"] == manager.Settings().uri


@pytest.mark.parametrize("python", [
    pytest.param([sys.executable], id="with-driver"),
    # -S: no site-packages, so no neo4j driver: the system python3 of a fresh machine.
    pytest.param([sys.executable, "-S"], id="without-driver"),
])
@pytest.mark.parametrize("cwd", ["scripts", "."])
def test_status_wrapper_works_from_scripts_and_root(neo4j_server, python, cwd):
    out = subprocess.run([*python, str(ROOT / "scripts" / "neo4j_local.py"), "status"],
                         cwd=ROOT / cwd, env=_local_env(neo4j_server), capture_output=True,
                         text=True, timeout=60)
    assert "Traceback" not in out.stderr, out.stderr
    if _is_local(neo4j_server):
        assert out.returncode == 0, out.stdout + out.stderr
        assert "answering" in out.stdout
    else:  # a configured server elsewhere: the local home just reports its state
        assert out.returncode in (0, 3), out.stdout + out.stderr


def test_shell_wrapper_runs(neo4j_server):
    out = subprocess.run([str(ROOT / "scripts" / "neo4j-local"), "status"], cwd=ROOT / "scripts",
                         env=_local_env(neo4j_server), capture_output=True, text=True, timeout=60)
    assert "Traceback" not in out.stderr, out.stderr
    assert out.returncode in (0, 3), out.stdout + out.stderr


def test_stdlib_bolt_probe_runs_return_1(neo4j_server):
    url = urlparse(neo4j_server["uri"])
    bolt.probe(url.hostname, url.port, neo4j_server["user"], neo4j_server["password"],
               database=neo4j_server["database"])


def test_stdlib_bolt_probe_names_a_wrong_password(neo4j_server):
    url = urlparse(neo4j_server["uri"])
    with pytest.raises(bolt.BoltAuthError, match="Unauthorized"):
        bolt.probe(url.hostname, url.port, neo4j_server["user"], "not-the-password")


def test_stdlib_bolt_probe_nothing_listening():
    with pytest.raises(OSError):
        bolt.probe("127.0.0.1", 1, "neo4j", "whatever1", timeout=1.0)


def test_pom_is_package_data_and_pins_a_version():
    assert manager.POM.parent == ROOT / "api" / "neo4j_local"
    assert manager.pinned_version().startswith("5.26.")
    assert not (ROOT / "scripts" / "neo4j").exists(), "a scripts/neo4j folder shadows the driver"


def test_a_data_dir_is_opened_with_the_password_it_recorded(tmp_path, monkeypatch):
    """A data dir made by an earlier version with its own password (recorded in
    <data>/citegraph-password) must not be opened with the default one: the server
    would refuse it and the whole Neo4j suite would error."""
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    monkeypatch.setenv("NEO4J_LOCAL_HOME", str(tmp_path / "home"))
    assert manager.Settings().password == "citegraph-dev"
    data = tmp_path / "home" / "data"
    data.mkdir(parents=True)
    (data / manager.PASSWORD_NAME).write_text("s3cret-from-before\n", encoding="utf-8")
    assert manager.Settings().password == "s3cret-from-before"
    monkeypatch.setenv("NEO4J_PASSWORD", "given-explicitly")
    assert manager.Settings().password == "given-explicitly"
