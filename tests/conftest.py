"""Shared fixtures: a real SQLite file and a real Neo4j server, never a mock.

Neo4j: when ``NEO4J_URI`` and ``NEO4J_PASSWORD`` are set, that server is used;
otherwise the managed local Neo4j (``api.neo4j_local``) starts a local Neo4j Community for the test
session. The Neo4j tests never skip: a server that cannot be reached or started
fails them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = ROOT / "graph" / "sample"


def _neo4j_local_module():
    """The local Neo4j manager module itself (tests/test_faults.py also uses its
    private helpers, such as ``_running_pid``, which the package does not export)."""
    from api.neo4j_local import manager

    return manager


@pytest.fixture(scope="session")
def neo4j_server():
    """Connection settings of a running Neo4j: configured, or started here."""
    uri = os.environ.get("NEO4J_URI")
    password = os.environ.get("NEO4J_PASSWORD")
    if uri and password:
        yield {"uri": uri, "user": os.environ.get("NEO4J_USER", "neo4j"), "password": password,
               "database": os.environ.get("NEO4J_DATABASE", "neo4j")}
        return
    local = _neo4j_local_module()
    info = local.start(timeout=240)
    try:
        yield {"uri": info["uri"], "user": info["user"], "password": info["password"], "database": "neo4j"}
    finally:
        if not info.get("already_running"):
            local.stop()


def _open_store(kind: str, tmp_path: Path, request):
    if kind == "embedded":
        from graph.stores.sqlite import SQLiteStore

        return SQLiteStore(tmp_path / "test.db")
    from graph.stores.neo4j import Neo4jStore

    server = request.getfixturevalue("neo4j_server")
    return Neo4jStore(uri=server["uri"], user=server["user"], password=server["password"],
                      database=server["database"])


def _opened_empty(kind: str, tmp_path: Path, request):
    """The store of ``kind``, opened and empty; cleared again and closed after the test."""
    s = _open_store(kind, tmp_path, request)
    s.open()
    s.clear()
    try:
        yield s
    finally:
        s.clear()
        s.close()


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request, tmp_path):
    """An opened, empty store of each kind; cleared again after the test."""
    yield from _opened_empty(request.param, tmp_path, request)


@pytest.fixture
def neo4j_store(request, tmp_path):
    yield from _opened_empty("neo4j", tmp_path, request)


@pytest.fixture
def sqlite_store(tmp_path):
    from graph.stores.sqlite import SQLiteStore

    s = SQLiteStore(tmp_path / "test.db")
    s.open()
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def tiny(store):
    """``store`` holding the hand-made graph of :mod:`tests.api_support`."""
    from tests.api_support import load_tiny_graph

    load_tiny_graph(store)
    return store


@pytest.fixture
def client(tiny):
    """A TestClient (lifespan running) over :func:`tiny`; a test module with
    another graph defines its own ``client``."""
    from tests.api_support import client_for

    with client_for(tiny) as c:
        yield c
