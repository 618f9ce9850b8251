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


def test_edge_table_matches_a_plain_sum_on_random_edges():
    import random

    from graph.analysis.projection import edge_table

    rng = random.Random(5)
    ids = [f"p{i:02d}" for i in range(40)]
    pool = ids + ["zz", "q1"]  # unknown ids are ignored
    pick = lambda: (rng.choice(pool), rng.choice(pool))  # noqa: E731
    similar = {tuple(sorted(pick())): round(rng.random(), 3) for _ in range(150)}
    shares = {tuple(sorted(pick())): round(rng.random(), 3) for _ in range(150)}
    cites = [pick() for _ in range(300)]
    d = DerivedGraph(
        keywords=(),
        has_keyword=(),
        similar=tuple(SimilarEdge(a, b, s) for (a, b), s in similar.items()),
        shares_keywords=tuple(SharedKeywordsEdge(a, b, 1, j, ("k",)) for (a, b), j in shares.items()),
        cites=tuple(CitationEdge(a, b) for a, b in cites),
    )
    expected: dict[tuple[str, str], float] = {}
    for rows, factor in ((similar.items(), 1.0), (shares.items(), 0.5)):
        for (a, b), w in rows:
            if a != b and a in ids and b in ids:
                expected[(a, b)] = expected.get((a, b), 0.0) + factor * w
    for a, b in {tuple(sorted(p)) for p in cites if p[0] != p[1] and p[0] in ids and p[1] in ids}:
        expected[(a, b)] = expected.get((a, b), 0.0) + 1.0
    table = edge_table(d, reversed(ids))
    assert table.nodes == tuple(ids)
    got = {(ids[a], ids[b]): w for a, b, w in zip(table.src.tolist(), table.dst.tolist(), table.weight.tolist())}
    assert got == expected  # same sums in the same order: equal to the last bit
    assert list(zip(table.src.tolist(), table.dst.tolist())) == sorted(zip(table.src.tolist(), table.dst.tolist()))
