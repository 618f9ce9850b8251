"""graph.analysis.layout: deterministic 2-D positions grouped by community."""

from __future__ import annotations

import math

import networkx as nx

from graph.analysis import communities, layout


def caveman() -> nx.Graph:
    G = nx.relabel_nodes(nx.connected_caveman_graph(4, 8), lambda i: f"p{i:02d}")
    nx.set_edge_attributes(G, 1.0, "weight")
    G.add_nodes_from(["iso1", "iso2"])
    return G


def test_every_node_placed_in_unit_box_with_plain_rounded_floats():
    G = caveman()
    pos = layout(G, communities(G))
    assert set(pos) == set(G)
    for x, y in pos.values():
        assert type(x) is float and type(y) is float
        assert -1.0 <= x <= 1.0 and -1.0 <= y <= 1.0
        assert round(x, 4) == x and round(y, 4) == y


def test_deterministic_and_seed_dependent():
    G = caveman()
    parts = communities(G)
    assert layout(G, parts, seed=3) == layout(G, parts, seed=3)
    assert layout(G, parts, seed=3) != layout(G, parts, seed=4)


def test_members_sit_together_and_isolated_papers_outside():
    G = caveman()
    parts = communities(G)
    pos = layout(G, parts)
    centres = []
    for part in parts[:4]:
        xs = [pos[n][0] for n in part]
        ys = [pos[n][1] for n in part]
        centres.append((sum(xs) / len(xs), sum(ys) / len(ys)))
        spread = max(math.dist(pos[n], centres[-1]) for n in part)
        centres[-1] = (centres[-1], spread)
    # Discs do not overlap: centres further apart than the two spreads.
    for i in range(4):
        for j in range(i + 1, 4):
            (ci, ri), (cj, rj) = centres[i], centres[j]
            assert math.dist(ci, cj) > ri + rj
    reach = max(math.hypot(*pos[n]) for part in parts[:4] for n in part)
    assert min(math.hypot(*pos[n]) for n in ("iso1", "iso2")) > reach


def test_input_unchanged_and_tiny_graphs():
    G = caveman()
    before = (list(G.nodes(data=True)), list(G.edges(data=True)))
    layout(G, communities(G))
    assert (list(G.nodes(data=True)), list(G.edges(data=True))) == before
    assert layout(nx.Graph(), []) == {}
    one = nx.Graph()
    one.add_node("a")
    assert layout(one, [{"a"}]) == {"a": (1.0, 0.0)}
    pair = nx.Graph()
    pair.add_edge("a", "b", weight=1.0)
    assert layout(pair, [{"a", "b"}]) == {"a": (-1.0, 0.0), "b": (1.0, 0.0)}
