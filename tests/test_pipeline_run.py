"""``run`` hands the graph it built to ``analyze`` in memory: the stored
analysis must be exactly the one ``analyze`` computes from the store."""

from __future__ import annotations

import dataclasses

import pytest

from graph.analysis import AnalyzeParams
from graph.pipeline import analyze, build, ingest
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
