"""COUPLED and CO_CITED (issue 23) in both stores: the same edges in, the same out.

Runs against the embedded store and a real Neo4j (the ``store`` fixture of
tests/conftest.py). The edges come from :mod:`graph.coupling` over a tiny
citation graph, built by ``graph.jobs.build`` from the papers' references.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from graph.coupling import cocitation_edges, coupling_edges
from graph.edges import BuildParams
from graph.errors import InvalidParameter, PaperNotFound
from graph.models import CitationEdge, CoCitedEdge, CoupledEdge, DerivedGraph, Paper
from graph.jobs import build
from graph.stores.base import Neighbor

# a and b cite x and y; c cites y and z; x cites y.
REFS = {"a": ("x", "y"), "b": ("x", "y"), "c": ("y", "z"), "x": ("y",), "y": (), "z": ()}
PAPERS = [Paper(pid, f"Paper {pid} on topic {pid}", f"Abstract of {pid}.", references=refs)
          for pid, refs in REFS.items()]
CITES = [CitationEdge(p, r) for p, refs in REFS.items() for r in refs]


def _edges(store) -> tuple[tuple, tuple]:
    d = store.load_derived()
    return d.coupled, d.co_cited


def test_build_writes_the_computed_coupled_and_co_cited_edges(store):
    store.upsert_papers(PAPERS)
    report = build(store, BuildParams())
    coupled, co_cited = _edges(store)
    assert list(coupled) == coupling_edges(CITES)
    assert list(co_cited) == cocitation_edges(CITES)
    assert coupled[0] == CoupledEdge("a", "b", 2, 1.0, ("x", "y"))
    assert co_cited[0] == CoCitedEdge("x", "y", 2, 0.707107, ("a", "b"))
    counts = store.counts()
    assert counts["COUPLED"] == len(coupled) == report.counts["COUPLED"] == 6
    assert counts["CO_CITED"] == len(co_cited) == 2


def test_rebuild_replaces_them_without_duplicates(store):
    store.upsert_papers(PAPERS)
    build(store, BuildParams())
    first = _edges(store)
    build(store, BuildParams())
    assert _edges(store) == first
    build(store, BuildParams(coupling_min_count=2))
    assert _edges(store) == ((CoupledEdge("a", "b", 2, 1.0, ("x", "y")),),
                             (CoCitedEdge("x", "y", 2, 0.707107, ("a", "b")),))
    build(store, BuildParams(coupling_k=0))
    assert _edges(store) == ((), ())


def test_replace_derived_updates_changed_properties(store):
    store.upsert_papers(PAPERS)
    base = DerivedGraph((), (), (), (), (), coupled=(CoupledEdge("a", "b", 2, 1.0, ("x", "y")),),
                        co_cited=(CoCitedEdge("x", "y", 1, 0.5, ("a",)),))
    store.replace_derived(base)
    changed = replace(base, coupled=(CoupledEdge("a", "b", 1, 0.5, ("y",)), CoupledEdge("a", "c", 1, 0.5, ("y",))))
    store.replace_derived(changed)
    assert _edges(store) == (changed.coupled, changed.co_cited)


def test_add_derived_merges_them(store):
    store.upsert_papers(PAPERS)
    store.add_derived(DerivedGraph((), (), (), (), (), coupled=(CoupledEdge("a", "b", 2, 1.0, ("x", "y")),)))
    store.add_derived(DerivedGraph((), (), (), (), (), coupled=(CoupledEdge("a", "b", 2, 1.0, ("x", "y")),
                                                                  CoupledEdge("b", "c", 1, 0.5, ("y",)))))
    assert [(e.source, e.target) for e in _edges(store)[0]] == [("a", "b"), ("b", "c")]


def test_an_edge_naming_an_unknown_paper_is_refused(store):
    store.upsert_papers(PAPERS)
    with pytest.raises(PaperNotFound, match="nope"):
        store.replace_derived(DerivedGraph((), (), (), (), (), co_cited=(CoCitedEdge("a", "nope", 1, 0.5, ("x",)),)))
    assert _edges(store) == ((), ())


def test_neighbors_by_name_with_evidence_and_not_in_all(store):
    store.upsert_papers(PAPERS)
    build(store, BuildParams())
    assert store.neighbors("a", relation="coupled", limit=2) == [
        Neighbor("b", "Paper b on topic b", "coupled", 1.0, {"shared": ["x", "y"], "count": 2}),
        Neighbor("x", "Paper x on topic x", "coupled", 0.707107, {"shared": ["y"], "count": 1}),
    ]
    assert store.neighbors("y", relation="cocited") == [
        Neighbor("x", "Paper x on topic x", "cocited", 0.707107, {"citers": ["a", "b"], "count": 2}),
        Neighbor("z", "Paper z on topic z", "cocited", 0.5, {"citers": ["c"], "count": 1}),
    ]
    assert {n.relation for n in store.neighbors("a", relation="all")} <= {"similar", "keywords", "cites", "cited_by"}
    with pytest.raises(PaperNotFound):
        store.neighbors("nope", relation="coupled")
    with pytest.raises(InvalidParameter):
        store.neighbors("a", relation="coupling")


def test_load_edges_among_keeps_both_ends_inside(store):
    store.upsert_papers(PAPERS)
    build(store, BuildParams())
    d = store.load_edges(among=["a", "b", "y"])
    assert [(e.source, e.target) for e in d.coupled] == [("a", "b")]
    assert d.co_cited == ()
