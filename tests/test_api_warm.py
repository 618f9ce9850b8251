"""The startup warm-up (search index fit) waits for a quiet moment: it must not
compete with the first pages a user opens after a start (bench/first_page.py)."""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from api.app import create_app
from api.service import Activity, GraphService
from graph.config import Settings
from tests.viz_support import load_tiny_graph


def test_activity_counts_requests_in_flight():
    a = Activity()
    a.begin()
    a.begin()
    a.end()
    assert a.quiet_for() == 0.0  # one still running
    a.end()
    time.sleep(0.05)
    assert 0.04 <= a.quiet_for() < 5


def test_app_counts_its_requests(sqlite_store):
    load_tiny_graph(sqlite_store)
    with TestClient(create_app(Settings(), store=sqlite_store)) as client:
        activity = client.app.state.service.activity
        time.sleep(0.05)
        before = activity.quiet_for()
        assert client.get("/health").status_code == 200
        assert activity.quiet_for() < before  # the request ended just now
        assert activity._in_flight == 0


def test_warm_waits_until_no_request_runs(sqlite_store):
    load_tiny_graph(sqlite_store)
    service = GraphService(sqlite_store, Settings())
    service.activity.begin()  # a first page being made
    t = threading.Thread(target=service.warm, kwargs={"quiet": 0.1, "max_wait": 30})
    t.start()
    time.sleep(0.5)
    assert service._search is None  # still waiting
    service.activity.end()
    t.join(timeout=10)
    assert not t.is_alive() and service._search is not None


def test_warm_fits_after_max_wait_on_a_busy_server(sqlite_store):
    load_tiny_graph(sqlite_store)
    service = GraphService(sqlite_store, Settings())
    service.activity.begin()  # never ends
    t0 = time.monotonic()
    service.warm(quiet=0.1, max_wait=0.3)
    assert service._search is not None and 0.3 <= time.monotonic() - t0 < 10
