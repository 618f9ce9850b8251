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


def two_level_graph() -> tuple[nx.Graph, list[set], list[set]]:
    """Two topics of 3 caves (8 papers) each: caves tied weakly inside a topic, barely across."""
    G = nx.Graph()
    caves = [[f"t{c // 3}c{c % 3}p{i}" for i in range(8)] for c in range(6)]
    for cave in caves:
        G.add_edges_from(((u, v) for i, u in enumerate(cave) for v in cave[i + 1:]), weight=1.0)
    for t in range(2):
        for a in range(3):
            for b in range(a + 1, 3):
                G.add_edge(caves[3 * t + a][0], caves[3 * t + b][1], weight=0.3)
    G.add_edge(caves[0][2], caves[3][2], weight=0.05)
    topics = [set().union(*caves[3 * t:3 * t + 3]) for t in range(2)]
    return G, topics, [set(cave) for cave in caves]


def test_subtopics_together_inside_their_topic_and_topics_apart():
    G, topics, subs = two_level_graph()
    pos = layout(G, topics, subparts=subs, seed=1)
    assert set(pos) == set(G)

    def centre(part):
        return (sum(pos[n][0] for n in part) / len(part), sum(pos[n][1] for n in part) / len(part))

    # Every paper is nearer its own subtopic's centre than any other subtopic's.
    centres = [centre(s) for s in subs]
    for k, part in enumerate(subs):
        for node in part:
            dists = [math.dist(pos[node], c) for c in centres]
            assert min(range(len(dists)), key=dists.__getitem__) == k
    # Sibling subtopics are closer to each other than to the other topic's.
    same = max(math.dist(centres[a], centres[b]) for t in range(2) for a in range(3 * t, 3 * t + 3)
               for b in range(3 * t, 3 * t + 3))
    across = min(math.dist(centres[a], centres[b]) for a in range(3) for b in range(3, 6))
    assert same < across
    assert layout(G, topics, subparts=subs, seed=1) == pos
