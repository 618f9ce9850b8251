"""graph.analysis.centrality: exact answers on tiny graphs, engines agree."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from graph.analysis import betweenness, pagerank, participation, weighted_degree
from graph.analysis.centrality import betweenness_pivots
from graph.errors import InvalidParameter


def two_cliques() -> nx.Graph:
    G = nx.Graph()
    a = [f"a{i}" for i in range(5)]
    b = [f"b{i}" for i in range(5)]
    G.add_nodes_from(sorted(a + b))
    G.add_weighted_edges_from((u, v, 1.0) for grp in (a, b) for i, u in enumerate(grp) for v in grp[i + 1:])
    G.add_edge("a0", "b0", weight=1.0)
    return G


def weighted_random(n: int = 200, m: int = 800, seed: int = 3) -> nx.Graph:
    G = nx.gnm_random_graph(n, m, seed=seed)
    rng = random.Random(seed)
    for u, v in G.edges:
        G[u][v]["weight"] = rng.uniform(0.1, 1.0)
    return G


MEMBER = {**{f"a{i}": 0 for i in range(5)}, **{f"b{i}": 1 for i in range(5)}}


def test_weighted_degree():
    G = nx.Graph()
    G.add_nodes_from("abcd")
    G.add_edge("a", "b", weight=0.5)
    G.add_edge("a", "c", weight=2.0)
    assert weighted_degree(G) == {"a": 2.5, "b": 0.5, "c": 2.0, "d": 0.0}


@pytest.mark.parametrize("engine", ["networkx", "igraph"])
def test_pagerank_of_a_star(engine):
    # Leaves pass everything to the centre: y = (1 + d n) / (N (1 + d)), x = (1 - y) / n
    G = nx.star_graph(4)
    ranks = pagerank(G, engine=engine)
    d, n = 0.85, 4
    centre = (1 + d * n) / ((n + 1) * (1 + d))
    assert ranks[0] == pytest.approx(centre, abs=1e-8)
    for leaf in range(1, 5):
        assert ranks[leaf] == pytest.approx((1 - centre) / n, abs=1e-8)
    assert all(type(v) is float for v in ranks.values())


def test_pagerank_engines_agree_on_random_graph():
    G = weighted_random()
    a, b = pagerank(G, engine="networkx"), pagerank(G, engine="igraph")
    assert max(abs(a[v] - b[v]) for v in G) < 1e-4
    assert sum(a.values()) == pytest.approx(1.0)


def test_pagerank_isolated_nodes_share_uniformly():
    G = nx.empty_graph(4)
    assert pagerank(G, engine="networkx") == pytest.approx({i: 0.25 for i in range(4)})
    assert pagerank(G, engine="igraph") == pytest.approx({i: 0.25 for i in range(4)})


@pytest.mark.parametrize("engine", ["networkx", "igraph"])
def test_bridge_nodes_have_highest_betweenness(engine):
    scores, info = betweenness(two_cliques(), engine=engine)
    assert info == {"exact": True, "k": None}
    # a0 lies on every path from a1..a4 to b0..b4 (4 * 5 = 20 pairs) of 36 pairs.
    assert scores["a0"] == pytest.approx(20 / 36) and scores["b0"] == pytest.approx(20 / 36)
    assert max(v for k, v in scores.items() if k not in ("a0", "b0")) == 0.0


def test_betweenness_uses_inverse_weight_as_distance():
    # a-b-c with a strong detour a-d-c: distances 1/w make the detour shorter.
    G = nx.Graph()
    G.add_edge("a", "b", weight=1.0)
    G.add_edge("b", "c", weight=1.0)
    G.add_edge("a", "d", weight=4.0)
    G.add_edge("d", "c", weight=4.0)
    scores, _ = betweenness(G)
    assert scores["d"] > 0 and scores["b"] == 0.0


def test_betweenness_exact_matches_networkx_reference():
    G = weighted_random(80, 300)
    ref = nx.betweenness_centrality(G, weight=lambda u, v, d: 1.0 / d["weight"])
    for engine in ("networkx", "igraph"):
        scores, _ = betweenness(G, engine=engine)
        assert max(abs(scores[v] - ref[v]) for v in G) < 1e-12


def test_sampled_betweenness_records_k_and_engines_agree():
    G = weighted_random(120, 400)
    a, info_a = betweenness(G, exact_max=50, k=30, seed=4, engine="networkx")
    b, info_b = betweenness(G, exact_max=50, k=30, seed=4, engine="igraph")
    assert info_a == info_b == {"exact": False, "k": 30}
    assert max(abs(a[v] - b[v]) for v in G) < 1e-12
    again, _ = betweenness(G, exact_max=50, k=30, seed=4)
    assert again == b
    exact, _ = betweenness(G)
    # An unbiased estimate: the totals are close to the exact total.
    assert sum(b.values()) == pytest.approx(sum(exact.values()), rel=0.25)


def test_pivots():
    nodes = list(range(10))
    assert betweenness_pivots(nodes, exact_max=10, k=3, seed=0) is None
    assert betweenness_pivots(nodes, exact_max=5, k=10, seed=0) is None  # k >= n: exact
    pivots = betweenness_pivots(nodes, exact_max=5, k=3, seed=0)
    assert pivots == random.Random(0).sample(nodes, 3)
    with pytest.raises(InvalidParameter, match=r"The 'k' parameter of betweenness must be an int >= 1\. Got 0"):
        betweenness_pivots(nodes, exact_max=5, k=0, seed=0)


def test_participation_of_two_cliques():
    scores = participation(two_cliques(), MEMBER)
    # a0: 4 links inside, 1 outside: 1 - (4/5)^2 - (1/5)^2 = 8/25
    assert scores["a0"] == pytest.approx(8 / 25) and scores["b0"] == pytest.approx(8 / 25)
    assert max(v for k, v in scores.items() if k not in ("a0", "b0")) == 0.0


def test_participation_is_weighted_and_zero_when_isolated():
    G = nx.Graph()
    G.add_nodes_from("abcz")
    G.add_edge("a", "b", weight=3.0)
    G.add_edge("a", "c", weight=1.0)
    scores = participation(G, {"a": 0, "b": 0, "c": 1, "z": 2})
    assert scores["a"] == pytest.approx(1 - (3 / 4) ** 2 - (1 / 4) ** 2)
    assert scores["z"] == 0.0


def test_inputs_unchanged_and_global_random_untouched():
    G = weighted_random(60, 150)
    before = list(G.edges(data=True))
    state = random.getstate()
    pagerank(G, engine="igraph")
    betweenness(G, exact_max=10, k=5)
    participation(G, {v: v % 3 for v in G})
    assert list(G.edges(data=True)) == before
    assert random.getstate() == state


def test_engine_error():
    with pytest.raises(InvalidParameter, match="The 'engine' parameter of pagerank"):
        pagerank(two_cliques(), engine="gpu")


def test_pivot_count_shrinks_above_50k_nodes():
    from graph.analysis.centrality import pivot_count

    assert [pivot_count(n, 64) for n in (1000, 50_000, 50_001, 100_000, 200_000, 300_000, 10**7)] == [
        64, 64, 63, 32, 16, 16, 16]
    assert pivot_count(300_000, 8) == 8  # never more than asked
    nodes = list(range(100_000))
    pivots = betweenness_pivots(nodes, exact_max=1000, k=64, seed=42)
    # The first 32 of the 64 pivots drawn at the same seed.
    assert pivots == random.Random(42).sample(nodes, 64)[:32]
    assert betweenness_pivots(nodes[:50_000], exact_max=1000, k=64, seed=42) == random.Random(42).sample(
        nodes[:50_000], 64)
