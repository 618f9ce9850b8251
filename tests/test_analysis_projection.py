"""graph.analysis.projection: the weighted undirected graph analysis runs on."""

from __future__ import annotations

import copy

import pytest

from graph.analysis import projection
from graph.errors import InvalidParameter
from graph.models import CitationEdge, DerivedGraph, SharedKeywordsEdge, SimilarEdge


def derived() -> DerivedGraph:
    return DerivedGraph(
        keywords=(),
        has_keyword=(),
        similar=(SimilarEdge("a", "b", 0.4), SimilarEdge("b", "c", 0.2), SimilarEdge("a", "x", 0.9)),
        shares_keywords=(SharedKeywordsEdge("a", "b", 2, 0.5, ("k1", "k2")),),
        cites=(CitationEdge("a", "b"), CitationEdge("b", "a"), CitationEdge("c", "d"), CitationEdge("d", "d")),
    )


def test_weights_summed_across_types():
    G = projection(derived(), ["d", "c", "b", "a", "e"])
    assert list(G.nodes) == ["a", "b", "c", "d", "e"]
    # similar 0.4 + keywords 0.5 * 0.5 + one citation pair (both directions count once)
    assert G["a"]["b"]["weight"] == pytest.approx(0.4 + 0.25 + 1.0, abs=1e-12)
    assert G["b"]["c"]["weight"] == pytest.approx(0.2)
    assert G["c"]["d"]["weight"] == 1.0
    assert sorted(G.edges) == [("a", "b"), ("b", "c"), ("c", "d")]
    assert G.degree("e") == 0  # isolated papers stay as nodes
    assert "x" not in G  # edges to unknown papers are ignored


def test_edge_type_selection_and_custom_weights():
    G = projection(derived(), "abcd", edges=("cites",))
    assert sorted(G.edges) == [("a", "b"), ("c", "d")]
    G = projection(derived(), "abcd", edges=["similar", "keywords"], weights={"similar": 2.0, "keywords": 0.0})
    assert G["a"]["b"]["weight"] == pytest.approx(0.8)
    assert not G.has_edge("c", "d")


def test_zero_weight_edges_are_dropped():
    G = projection(derived(), "abcd", weights={"similar": 0, "keywords": 0, "cites": 0})
    assert G.number_of_edges() == 0 and G.number_of_nodes() == 4


def test_inputs_unchanged():
    d, ids, w = derived(), ["a", "b", "c", "d"], {"similar": 1.0}
    before = copy.deepcopy((d, ids, w))
    projection(d, ids, weights=w)
    assert (d, ids, w) == before


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"edges": ()}, "The 'edges' parameter of projection must be a non-empty subset of"),
        ({"edges": ("similar", "friends")}, "The 'edges' parameter of projection"),
        ({"weights": {"similar": -1}}, "The 'weights' parameter of projection must be a mapping"),
        ({"weights": {"likes": 1.0}}, "The 'weights' parameter of projection"),
    ],
)
def test_param_errors(kwargs, message):
    with pytest.raises(InvalidParameter) as err:
        projection(derived(), "abcd", **kwargs)
    assert str(err.value).startswith(message)
