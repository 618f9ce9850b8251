"""``run`` hands the graph it built to ``analyze`` in memory: the stored
analysis must be exactly the one ``analyze`` computes from the store."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal

import pytest

from graph.analysis import AnalyzeParams
from graph.errors import CitegraphError, InvalidParameter, StoreUnavailable
from graph.pipeline import analyze, build, build_and_analyze, ingest
from tests.conftest import SEEDS


def _stored_analysis(store) -> tuple:
    comms = [(c.id, c.size, c.label, tuple(c.keywords), tuple(c.top_papers)) for c in store.communities()]
    ranks = {m: store.rankings(m, limit=10_000) for m in ("pagerank", "betweenness", "degree")}
    return comms, ranks


@pytest.mark.parametrize("params", [AnalyzeParams(), AnalyzeParams(edges=("similar", "cites"), restarts=1)])
def test_analysis_from_build_report_equals_analysis_from_store(store, params):
    ingest(store, sorted(SEEDS.glob("*.txt")))
    built = build(store)
    assert built.derived is not None and len(built.paper_ids) == store.counts()["papers"]

    in_memory = analyze(store, params, built=built)
    first = _stored_analysis(store)
    from_store = analyze(store, params)
    second = _stored_analysis(store)

    assert first == second
    assert first[0], "no community stored"
    assert in_memory.modularity == from_store.modularity
    drop = ("seconds", "cpu_seconds")
    assert {k: v for k, v in in_memory.params.items() if k not in drop} == {
        k: v for k, v in from_store.params.items() if k not in drop
    }


def test_build_report_graph_is_the_stored_graph(store):
    ingest(store, sorted(SEEDS.glob("*.txt")))
    built = build(store)
    stored = store.load_derived()
    # Same edges; HAS_KEYWORD comes back by paper and keyword instead of by score.
    assert sorted(built.derived.has_keyword, key=repr) == sorted(stored.has_keyword, key=repr)
    assert dataclasses.replace(stored, has_keyword=built.derived.has_keyword) == built.derived
    assert built.paper_ids == sorted(p.id for p in store.iter_papers())


@pytest.mark.parametrize("overlap", [True, False])
def test_build_and_analyze_equals_build_then_analyze(store, overlap):
    ingest(store, sorted(SEEDS.glob("*.txt")))
    built, analyzed = build_and_analyze(store, overlap=overlap)
    together = _stored_analysis(store)
    runs = store.runs(limit=5)
    assert [r.kind for r in runs[:2]] == ["analyze", "build"]

    build(store)
    alone = analyze(store)
    assert _stored_analysis(store) == together
    assert analyzed.modularity == alone.modularity and analyzed.communities == alone.communities
    now = store.counts()
    assert all(built.counts[k] == now[k] for k in ("papers", "SIMILAR_TO", "SHARES_KEYWORDS", "CITES"))


def test_forked_analysis_error_reaches_the_caller_after_the_build_is_written(sqlite_store, monkeypatch):
    import graph.analysis

    def broken(*args, **kwargs):
        raise InvalidParameter("analysis broke on purpose", name="edges")

    ingest(sqlite_store, sorted(SEEDS.glob("*.txt")))
    monkeypatch.setattr(graph.analysis, "analyze", broken)
    with pytest.raises(InvalidParameter, match="on purpose"):
        build_and_analyze(sqlite_store, overlap=True)
    assert [r.kind for r in sqlite_store.runs(limit=5)] == ["build"]
    assert sqlite_store.counts()["SIMILAR_TO"] > 0 and sqlite_store.communities() == []
    assert multiprocessing.active_children() == []


def test_forked_analysis_killed_is_a_clear_error(sqlite_store, monkeypatch):
    import graph.analysis

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    ingest(sqlite_store, sorted(SEEDS.glob("*.txt")))
    monkeypatch.setattr(graph.analysis, "analyze", killed)
    with pytest.raises(CitegraphError, match=r"analysis process died \(exit code -9: killed"):
        build_and_analyze(sqlite_store, overlap=True)
    assert sqlite_store.communities() == []


def test_failed_build_write_stops_the_forked_analysis(sqlite_store, monkeypatch):
    ingest(sqlite_store, sorted(SEEDS.glob("*.txt")))

    def fail(*args, **kwargs):
        raise StoreUnavailable("the store went away on purpose")

    monkeypatch.setattr(sqlite_store, "replace_derived", fail)
    with pytest.raises(StoreUnavailable, match="on purpose"):
        build_and_analyze(sqlite_store, overlap=True)
    assert multiprocessing.active_children() == []
    assert sqlite_store.runs(limit=5) == [] and sqlite_store.communities() == []
