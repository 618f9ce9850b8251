"""An interrupted build is visible (issue 19, finding 9): a build killed while
writing derived data left a partial graph while /health said "ok" and stats
showed nothing wrong. Both stores; re-running the build converges."""

from __future__ import annotations

import pytest

from graph.edges import BuildParams
from graph.jobs import build
from tests.api_support import PAPERS, client_for


class Killed(BaseException):
    """Stands for the SIGKILL: not an Exception, nothing catches it on the way."""


def _interrupt_derived_writes(store, monkeypatch) -> None:
    real = store.replace_derived

    def half_then_die(derived, **kwargs):
        from dataclasses import replace

        real(replace(derived, has_keyword=derived.has_keyword[: len(derived.has_keyword) // 2], similar=(),
                     shares_keywords=()), **kwargs)
        raise Killed()

    monkeypatch.setattr(store, "replace_derived", half_then_die)


def test_interrupted_build_is_reported_until_a_build_completes(store, monkeypatch):
    store.upsert_papers(PAPERS)
    params = BuildParams(k=3, min_score=0.0)
    build(store, params, parallel=False)
    assert store.build_in_progress() is None

    _interrupt_derived_writes(store, monkeypatch)
    with pytest.raises(Killed):
        build(store, params, parallel=False)
    started = store.build_in_progress()
    assert started

    monkeypatch.undo()
    with client_for(store) as client:
        health = client.get("/health").json()
        assert health["status"] == "degraded" and started in health["reason"], health
        stats = client.get("/stats").json()
        assert stats["incomplete"] and "did not complete" in stats["incomplete"]

    build(store, params, parallel=False)  # re-running converges and clears it
    assert store.build_in_progress() is None
    with client_for(store) as client:
        health = client.get("/health").json()
        assert health["status"] == "ok" and health.get("reason") is None
        assert client.get("/stats").json()["incomplete"] is None
