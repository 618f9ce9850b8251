"""Fixtures of the browser tests: one headless Chromium per session, graphs built
with graph.jobs into SQLite files, and the API served by a real uvicorn on
a free local port (pages are opened the way a user opens them)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.browser import chromium
from tests.conftest import ROOT, SEEDS, SHARED

SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    driver = chromium.start(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        chromium.stop(driver)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def build_store(path: Path, papers: list[Path], citations: list[Path] = ()):
    """ingest + build + analyze into a new SQLite file; returns the opened store."""
    from graph.jobs import analyze, build, ingest
    from graph.stores.sqlite import SQLiteStore

    store = SQLiteStore(path)
    store.open()
    ingest(store, papers, citations=list(citations))
    build(store)
    analyze(store)
    return store


@contextlib.contextmanager
def serve(store) -> Iterator[str]:
    """The API (with the viz and export routers) over ``store`` on 127.0.0.1."""
    import uvicorn

    from tests.viz_support import viz_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(viz_app(store), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn-viz-tests", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test API server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory):
    from graph.stores.sqlite import SQLiteStore
    from tests.viz_support import load_tiny_graph

    store = SQLiteStore(tmp_path_factory.mktemp("tiny") / "tiny.db")
    store.open()
    load_tiny_graph(store)
    yield store
    store.close()


@pytest.fixture(scope="session")
def tiny_api(tiny_store) -> Iterator[str]:
    with serve(tiny_store) as url:
        yield url


@pytest.fixture(scope="session")
def seeds_store(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("seeds") / "seeds.db", sorted(SEEDS.glob("*.txt")))
    yield store
    store.close()


@pytest.fixture(scope="session")
def seeds_api(seeds_store) -> Iterator[str]:
    with serve(seeds_store) as url:
        yield url


DATASETS = {
    "citeseer": ([SHARED / "data" / "citeseer" / "papers.jsonl"], [SHARED / "data" / "citeseer" / "citations.csv"]),
    "hepth": ([SHARED / "data" / "hepth" / "papers.jsonl.gz"], [SHARED / "data" / "hepth" / "citations.csv.gz"]),
}
