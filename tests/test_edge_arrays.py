"""EdgeArrays (graph/edge_arrays.py): columns that read as a sequence of edge objects."""

from __future__ import annotations

import pytest

import graph.edge_arrays as edge_arrays
from graph.coupling import bibliometric_arrays, cocitation_edges, coupling_edges
from graph.edge_arrays import EdgeArrays
from graph.models import CoCitedEdge, CoupledEdge

CITES = [("a", "x"), ("a", "y"), ("b", "x"), ("b", "y"), ("c", "y"), ("c", "z"), ("x", "y")]


def test_reads_as_the_edge_objects(monkeypatch):
    monkeypatch.setattr(edge_arrays, "_BLOCK", 2)  # rows made across several blocks
    coupled, co_cited = bibliometric_arrays(CITES)
    objects = coupling_edges(CITES)
    assert len(coupled) == len(objects) == 6
    assert list(coupled) == objects and coupled == objects and objects == coupled
    assert coupled[0] == objects[0] and coupled[-1] == objects[-1] and coupled[1:5:2] == tuple(objects[1:5:2])
    assert list(co_cited) == cocitation_edges(CITES) and isinstance(co_cited[0], CoCitedEdge)
    assert [row for batch in coupled.batches(4) for row in batch] == list(coupled.rows())
    assert list(coupled.rows(1, 2)) == [("a", "c", 1, 0.5, ("y",))]
    with pytest.raises(IndexError):
        coupled[6]


def test_empty_and_bytes():
    empty = EdgeArrays.empty(CoupledEdge)
    assert len(empty) == 0 and list(empty) == [] and empty == () and list(empty.batches(10)) == []
    coupled, _ = bibliometric_arrays(CITES)
    assert coupled.nbytes <= 48 * len(coupled) + 8
