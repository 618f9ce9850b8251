"""graph.analysis.resolution: best-of-restarts and the per-graph resolution rule."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from graph.analysis import AnalyzeParams, analyze_graph
from graph.analysis.communities import detect_igraph, detect_networkx, modularity
from graph.analysis.engine import to_igraph
from graph.analysis.resolution import AUTO_GRID, auto_resolution, best_of_restarts
from graph.errors import InvalidParameter
from graph.models import DerivedGraph, SimilarEdge

# Path 0-1-2-3-4-5 with unit weights: m = 5.
NODES = list(range(6))
SRC, DST, W = np.arange(5), np.arange(1, 6), np.ones(5)
HALVES = [{0, 1, 2}, {3, 4, 5}]  # Q = 2 * (2/5 - (5/10)^2) = 0.3
THIRDS = [{0, 1}, {2, 3}, {4, 5}]  # Q = 3/5 - (3/10)^2 - (4/10)^2 - (3/10)^2 = 0.26
WHOLE = [set(NODES)]  # Q = 0


def scripted(plan):
    """A detect function answering from ``plan[(resolution, seed)]`` and logging its calls."""
    calls = []

    def detect(resolution, seed):
        calls.append((resolution, seed))
        return plan[(resolution, seed)]

    return detect, calls


def test_grid_is_geometric_from_one_to_an_eighth():
    assert AUTO_GRID == (1.0, 0.707107, 0.5, 0.353553, 0.25, 0.176777, 0.125)


def test_modularity_of_the_scripted_partitions():
    G = nx.path_graph(6)
    assert modularity(G, HALVES) == pytest.approx(0.3)
    assert modularity(G, THIRDS) == pytest.approx(0.26)
    assert modularity(G, WHOLE) == pytest.approx(0.0)


def test_best_of_restarts_keeps_highest_objective_first_on_ties():
    detect, calls = scripted({(1.0, 7): THIRDS, (1.0, 8): HALVES, (1.0, 9): HALVES})
    found = best_of_restarts(detect, NODES, SRC, DST, W, resolution=1.0, seed=7, restarts=3)
    assert calls == [(1.0, 7), (1.0, 8), (1.0, 9)]
    assert found.parts == HALVES and found.seed == 8  # seed 9 ties and comes later
    assert found.modularity == pytest.approx(0.3) and found.objective == pytest.approx(0.3)


def test_best_of_restarts_scores_at_its_resolution():
    # At resolution 0.1: HALVES 0.8 - 0.1 * 0.5 = 0.75, THIRDS 0.6 - 0.1 * 0.34 = 0.566.
    detect, _ = scripted({(0.1, 0): THIRDS, (0.1, 1): HALVES})
    found = best_of_restarts(detect, NODES, SRC, DST, W, resolution=0.1, seed=0, restarts=2)
    assert found.parts == HALVES and found.objective == pytest.approx(0.75)


def test_restart_seeds_wrap_below_2_31():
    detect, calls = scripted({(1.0, 2**31 - 1): HALVES, (1.0, 0): HALVES})
    best_of_restarts(detect, NODES, SRC, DST, W, resolution=1.0, seed=2**31 - 1, restarts=2)
    assert calls == [(1.0, 2**31 - 1), (1.0, 0)]


def test_auto_walks_down_until_modularity_drops_below_the_bar():
    # Q at 1.0 is 0.3; 0.5 keeps 0.3; 0.25 drops to 0, so the walk stops there.
    plan = {(1.0, 0): HALVES, (0.5, 0): HALVES, (0.25, 0): WHOLE, (0.1, 0): HALVES}
    detect, calls = scripted(plan)
    chosen, trail = auto_resolution(detect, NODES, SRC, DST, W, seed=0, grid=(1.0, 0.5, 0.25, 0.1))
    assert chosen.resolution == 0.5 and chosen.parts == HALVES
    assert calls == [(1.0, 0), (0.5, 0), (0.25, 0)]  # stops at the first failure
    assert trail == [
        {"resolution": 1.0, "communities": 2, "modularity": 0.3},
        {"resolution": 0.5, "communities": 2, "modularity": 0.3},
        {"resolution": 0.25, "communities": 1, "modularity": 0.0},
    ]


def test_auto_bar_is_a_share_of_the_finest_modularity():
    # THIRDS keeps 0.26 / 0.3 = 87% of HALVES' modularity.
    plan = {(1.0, 0): HALVES, (0.5, 0): THIRDS}
    for keep, expected in ((0.85, THIRDS), (0.9, HALVES)):
        detect, _ = scripted(plan)
        chosen, _ = auto_resolution(detect, NODES, SRC, DST, W, seed=0, keep=keep, grid=(1.0, 0.5))
        assert chosen.parts == expected, keep


def test_auto_without_structure_stays_at_the_first_resolution():
    detect, calls = scripted({(1.0, 0): WHOLE})
    chosen, trail = auto_resolution(detect, NODES, SRC, DST, W, seed=0, grid=(1.0, 0.5))
    assert chosen.resolution == 1.0 and calls == [(1.0, 0)] and len(trail) == 1


def test_auto_rejects_bad_keep_and_grid():
    detect, calls = scripted({})
    with pytest.raises(InvalidParameter, match=r"The 'keep' parameter of auto_resolution must be a float in \(0, 1\]"):
        auto_resolution(detect, NODES, SRC, DST, W, seed=0, keep=0.0)
    with pytest.raises(InvalidParameter, match="The 'grid' parameter of auto_resolution"):
        auto_resolution(detect, NODES, SRC, DST, W, seed=0, grid=())
    assert calls == []


def two_levels() -> nx.Graph:
    """Four topics, each two 5-cliques tied by 3 edges; topics joined in a ring by one edge.

    Resolution 1 splits every topic into its two cliques (8 communities); the
    4 topics keep over 90% of that modularity, so the auto rule reports them.
    """
    G = nx.Graph()
    for t in range(4):
        a = [f"t{t}a{i}" for i in range(5)]
        b = [f"t{t}b{i}" for i in range(5)]
        G.add_edges_from(itertools.combinations(a, 2), weight=1.0)
        G.add_edges_from(itertools.combinations(b, 2), weight=1.0)
        G.add_edges_from(zip(a[:3], b[:3]), weight=1.0)
        G.add_edge(f"t{t}a4", f"t{(t + 1) % 4}b4", weight=1.0)
    return G


TOPICS = [{n for n in two_levels() if n.startswith(f"t{t}")} for t in range(4)]
CLIQUES = [{n for n in two_levels() if n.startswith(f"t{t}{h}")} for t in range(4) for h in "ab"]


def test_two_levels_known_modularities():
    G = two_levels()  # m = 4 * (10 + 10 + 3 + 1) = 96
    assert modularity(G, CLIQUES) == pytest.approx(8 * (10 / 96 - (2 * 10 + 3 + 1) ** 2 / 192**2))
    assert modularity(G, TOPICS) == pytest.approx(4 * (23 / 96 - 48**2 / 192**2))
    assert modularity(G, TOPICS) / modularity(G, CLIQUES) > 0.9  # 0.7135 / 0.7257 = 0.983


@pytest.mark.parametrize("engine", ["networkx", "igraph"])
def test_auto_picks_the_topics_on_two_levels(engine):
    G = two_levels()
    nodes = sorted(G)
    index = {n: i for i, n in enumerate(nodes)}
    edges = sorted(tuple(sorted((index[u], index[v]))) for u, v in G.edges)
    src, dst = np.array([e[0] for e in edges]), np.array([e[1] for e in edges])
    view = to_igraph(G)

    def detect(res, seed):
        if engine == "networkx":
            return detect_networkx(G, method="louvain", resolution=res, seed=seed)
        return detect_igraph(view, method="leiden", resolution=res, seed=seed)

    assert sorted(map(sorted, detect(1.0, 0))) == sorted(map(sorted, CLIQUES))
    chosen, trail = auto_resolution(detect, nodes, src, dst, np.ones(len(src)), seed=0, restarts=2)
    assert sorted(map(sorted, chosen.parts)) == sorted(map(sorted, TOPICS))
    assert trail[0] == {"resolution": 1.0, "communities": 8, "modularity": round(modularity(G, CLIQUES), 6)}


@pytest.mark.parametrize("engine, method", [("networkx", "louvain"), ("igraph", "louvain"), ("igraph", "leiden")])
def test_analyze_auto_resolution_is_recorded_and_deterministic(engine, method):
    G = two_levels()
    derived = DerivedGraph((), (), tuple(SimilarEdge(*sorted((u, v)), 1.0) for u, v in G.edges), (), ())
    params = AnalyzeParams(edges=("similar",), engine=engine, method=method, layout=False)
    first = analyze_graph(derived, sorted(G), params=params)
    again = analyze_graph(derived, list(reversed(sorted(G))), params=params)
    assert first.communities == again.communities and first.scores == again.scores
    assert [c.size for c in first.communities] == [10, 10, 10, 10]
    assert first.params["resolution"] is None and first.params["resolution_used"] < 1.0
    assert first.params["resolution_trail"][0]["communities"] == 8
    fixed = analyze_graph(derived, sorted(G), params=AnalyzeParams(edges=("similar",), engine=engine, method=method,
                                                             resolution=1.0, layout=False))
    assert [c.size for c in fixed.communities] == [5] * 8
    assert fixed.params["resolution_used"] == 1.0 and fixed.params["resolution_trail"] == []


def test_auto_refine_starts_coarser_levels_from_the_kept_partition():
    # Restarts run at the first resolution only; seed 1 wins there (HALVES beats THIRDS),
    # then each coarser level is one run from the kept partition with that seed.
    detect, calls = scripted({(1.0, 0): THIRDS, (1.0, 1): HALVES})
    starts = []

    def refine(resolution, seed, parts):
        starts.append((resolution, seed, parts))
        return HALVES if resolution == 0.5 else WHOLE

    chosen, trail = auto_resolution(detect, NODES, SRC, DST, W, seed=0, restarts=2, grid=(1.0, 0.5, 0.25),
                                    refine=refine)
    assert calls == [(1.0, 0), (1.0, 1)]
    assert starts == [(0.5, 1, HALVES), (0.25, 1, HALVES)]
    assert chosen.resolution == 0.5 and chosen.seed == 1
    assert [t["communities"] for t in trail] == [2, 2, 1]


def test_detection_carries_the_membership_it_was_scored_on():
    from graph.analysis.communities import modularity_arrays

    detect, _ = scripted({(0.1, 0): THIRDS, (0.1, 1): HALVES})
    found = best_of_restarts(detect, NODES, SRC, DST, W, resolution=0.1, seed=0, restarts=2)
    assert found.member.tolist() == [0, 0, 0, 1, 1, 1]
    # The very values modularity_arrays gives (not just approximately).
    assert found.modularity == modularity_arrays(6, SRC, DST, W, found.member)
    assert found.objective == modularity_arrays(6, SRC, DST, W, found.member, resolution=0.1)
    empty = best_of_restarts(lambda r, s: [], [], SRC[:0], DST[:0], W[:0], resolution=1.0, seed=0)
    assert empty.modularity == 0.0 and empty.member.tolist() == []


def test_large_graphs_walk_by_merging_communities(monkeypatch):
    """From WALK_MERGE_MIN_PAPERS papers, coarser levels merge whole communities
    of the level above: same topics here, and the walk is recorded."""
    import graph.analysis.steps as pipeline

    G = two_levels()
    derived = DerivedGraph((), (), tuple(SimilarEdge(*sorted((u, v)), 1.0) for u, v in G.edges), (), ())
    params = AnalyzeParams(edges=("similar",), layout=False)
    warm = analyze_graph(derived, sorted(G), params=params)
    monkeypatch.setattr(pipeline, "WALK_MERGE_MIN_PAPERS", len(G))
    merged = analyze_graph(derived, sorted(G), params=params)
    assert warm.params["resolution_walk"] == "warm" and merged.params["resolution_walk"] == "merge"
    for result in (warm, merged):
        assert [c.size for c in result.communities] == [10, 10, 10, 10]
        assert result.params["resolution_trail"][0]["communities"] == 8
    assert merged.communities == warm.communities and merged.scores == warm.scores
    louvain = analyze_graph(derived, sorted(G), params=AnalyzeParams(edges=("similar",), method="louvain", layout=False))
    fixed = analyze_graph(derived, sorted(G), params=AnalyzeParams(edges=("similar",), resolution=1.0, layout=False))
    assert louvain.params["resolution_walk"] == "cold" and fixed.params["resolution_walk"] is None
