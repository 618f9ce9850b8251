"""Community detection with one result shape across NetworkX and igraph."""

from __future__ import annotations

import math
from typing import Hashable, Iterable, Sequence

import networkx as nx
import numpy as np

from graph.analysis.engine import IGraphView, choose_engine, seeded_igraph_rng, to_igraph
from graph.errors import param_error

__all__ = [
    "METHODS",
    "communities",
    "modularity",
    "modularity_arrays",
    "membership",
    "renumber",
    "renumber_membership",
    "parts_of",
    "resolve_engine",
    "detect_networkx",
    "detect_igraph",
    "merge_communities",
    "check_seed",
    "check_resolution",
]

METHODS = ("louvain", "leiden", "label_propagation", "greedy_modularity")
#: Leiden iterations per run (each refines the partition; igraph's default).
LEIDEN_ITERATIONS = 2
#: Up to this many communities, :func:`merge_communities` sums the weights
#: between them in a dense k x k table (32 MB at most) instead of sorting.
_DENSE_MERGE_MAX = 2048


def communities(
    G: nx.Graph,
    *,
    method: str = "louvain",
    resolution: float = 1.0,
    seed: int = 42,
    engine: str = "auto",
    weight: str = "weight",
) -> list[set]:
    """Partition the nodes of ``G`` into communities.

    Parameters
    ----------
    G : networkx.Graph
        Undirected graph; not modified.
    method : {"louvain", "leiden", "label_propagation", "greedy_modularity"}
        ``leiden`` always runs on igraph (NetworkX has no own implementation).
    resolution : float
        Modularity resolution (> 0): below 1 gives fewer, larger communities.
        Label propagation ignores it; igraph's fast greedy merges as at 1 and
        cuts its dendrogram where the modularity at ``resolution`` is highest.
    seed : int
        Seed of every random choice; the same seed gives the same partition.
    engine : {"auto", "networkx", "igraph"}
        ``auto`` picks igraph above :data:`~graph.analysis.engine.AUTO_IGRAPH_MIN_NODES` nodes.
    weight : str
        Edge attribute holding weights (missing = 1).

    Returns
    -------
    list of set
        Every node in exactly one set. The list index is the community id:
        largest first, ties broken by the smallest member.

    Examples
    --------
    >>> G = nx.barbell_graph(4, 0)
    >>> communities(G)
    [{0, 1, 2, 3}, {4, 5, 6, 7}]
    """
    method, resolution, seed = _check(method, resolution, seed, where="communities")
    used = resolve_engine(G.number_of_nodes(), method, resolution, engine, where="communities")
    if used == "networkx":
        return detect_networkx(G, method=method, resolution=resolution, seed=seed, weight=weight)
    view = to_igraph(G, weight=weight)
    return detect_igraph(view, method=method, resolution=resolution, seed=seed)


def resolve_engine(n_nodes: int, method: str, resolution: float, engine: str, *, where: str) -> str:
    """The engine that runs ``method``: ``engine`` resolved, with method constraints."""
    used = choose_engine(n_nodes, engine, where=where)
    if method == "leiden":
        if engine == "networkx":
            raise param_error("engine", where, "'auto' or 'igraph' for method 'leiden'", engine)
        return "igraph"
    return used


def detect_networkx(G: nx.Graph, *, method: str, resolution: float, seed: int, weight: str = "weight") -> list[set]:
    """Run ``method`` with NetworkX (the reference implementation)."""
    if G.number_of_nodes() == 0:
        return []
    if method == "louvain":
        parts = nx.community.louvain_communities(G, weight=weight, resolution=resolution, seed=seed)
    elif method == "label_propagation":
        parts = nx.community.asyn_lpa_communities(G, weight=weight, seed=seed)
    elif method == "greedy_modularity":
        parts = nx.community.greedy_modularity_communities(G, weight=weight, resolution=resolution)
    else:
        raise param_error("method", "communities", "a NetworkX method", method)
    return renumber(parts)


def detect_igraph(
    view: IGraphView, *, method: str, resolution: float, seed: int, initial: Sequence[int] | None = None
) -> list[set]:
    """Run ``method`` on igraph; same result shape as NetworkX.

    ``initial`` (Leiden only): a community id per vertex to start from instead
    of singletons, e.g. a finer partition found at a higher resolution.
    """
    g, weights = view.graph, list(view.weights)
    if g.vcount() == 0:
        return []
    if initial is not None and method != "leiden":
        raise param_error("initial", "communities", "None unless method is 'leiden'", "a membership")
    if method == "leiden":
        # igraph's own Leiden (modularity objective): much faster than
        # leidenalg's; two iterations come close to the converged modularity in
        # a fraction of the time, spent on restarts (docs/benchmarks.md).
        with seeded_igraph_rng(seed):
            member = g.community_leiden(
                objective_function="modularity",
                weights=weights,
                resolution=resolution,
                n_iterations=LEIDEN_ITERATIONS,
                initial_membership=None if initial is None else list(initial),
            ).membership
    else:
        with seeded_igraph_rng(seed):
            if method == "louvain":
                member = g.community_multilevel(weights=weights, resolution=resolution).membership
            elif method == "label_propagation":
                member = g.community_label_propagation(weights=weights).membership
            elif method == "greedy_modularity":
                member = _fastgreedy(g, weights, resolution)
            else:
                raise param_error("method", "communities", f"one of {list(METHODS)}", method)
    return parts_of(view.nodes, renumber_membership(member))


def merge_communities(
    src: np.ndarray, dst: np.ndarray, weight: np.ndarray, member: np.ndarray, *, resolution: float, seed: int
) -> np.ndarray:
    """Leiden on the community graph of ``member``: which of its communities to merge at ``resolution``.

    Each community becomes one vertex, with its inner weight as a self-loop
    and the weight between two communities as one edge, which is the graph
    Leiden itself aggregates to; the modularity of any merge of ``member`` is
    the same on both graphs. Leiden then runs to convergence from singletons
    on that small graph (tens to thousands of vertices instead of every
    paper), so a coarser level costs milliseconds instead of a full run. No
    paper changes community except by its whole community merging.

    Parameters
    ----------
    src, dst, weight : ndarray
        The graph as an edge list over node indices (as in
        :class:`~graph.analysis.projection.EdgeTable`).
    member : ndarray
        Community id per node, ``0..k-1``.

    Returns
    -------
    ndarray
        The merged community id per node, renumbered (:func:`renumber_membership`).

    >>> src, dst = np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0])  # a square
    >>> merge_communities(src, dst, np.ones(4), np.array([0, 0, 1, 1]), resolution=0.1, seed=0).tolist()
    [0, 0, 0, 0]
    """
    import igraph

    member = np.asarray(member, dtype=np.int64)
    if len(member) == 0:
        return member
    k = int(member.max()) + 1
    a, b = member[src], member[dst]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * k + hi
    if k <= _DENSE_MERGE_MAX:  # a k x k table of sums, no sort
        summed = np.bincount(key, weights=weight, minlength=k * k)
        pairs = np.flatnonzero(summed)
        summed = summed[pairs]
    else:
        pairs, inverse = np.unique(key, return_inverse=True)
        summed = np.bincount(inverse.ravel(), weights=weight, minlength=len(pairs))
    g = igraph.Graph(n=k, edges=np.column_stack([pairs // k, pairs % k]).tolist(), directed=False)
    with seeded_igraph_rng(seed):
        # Node weights given explicitly: igraph's default for modularity leaves
        # the self-loops out of them, which makes every merge look good.
        merged = g.community_leiden(
            objective_function="modularity", weights=summed.tolist(), resolution=resolution, n_iterations=-1,
            node_weights=g.strength(weights=summed.tolist(), loops=True),
        ).membership
    return renumber_membership(np.asarray(merged, dtype=np.int64)[member])


def _fastgreedy(g, weights: list[float], resolution: float) -> list[int]:
    # Clauset-Newman-Moore merges (igraph's fast greedy optimises plain
    # modularity), cut where the modularity at ``resolution`` is highest.
    # Isolated vertices (no edges at all) make as_clustering() fail on an empty
    # dendrogram.
    if g.ecount() == 0:
        return list(range(g.vcount()))
    dendrogram = g.community_fastgreedy(weights=weights)
    if resolution == 1.0:
        return dendrogram.as_clustering().membership
    lowest = g.vcount() - len(dendrogram.merges)  # components left after all merges
    return _best_cut(g, weights, dendrogram, resolution, lowest, g.vcount())


def _best_cut(g, weights: list[float], dendrogram, resolution: float, lowest: int, highest: int) -> list[int]:
    """The dendrogram cut (number of communities) with the best modularity at ``resolution``."""
    cache: dict[int, tuple[float, list[int]]] = {}

    def score(count: int) -> float:
        if count not in cache:
            member = dendrogram.as_clustering(count).membership
            cache[count] = (g.modularity(member, weights=weights, resolution=resolution, directed=False), member)
        return cache[count][0]

    # A geometric grid of counts, then every count between the best grid
    # point's neighbours (at most ~200 evaluations, each linear in the edges).
    grid = sorted({lowest, highest} | {int(round(lowest * (highest / lowest) ** (i / 60))) for i in range(61)})
    best = max(grid, key=lambda c: (score(c), -c))
    at = grid.index(best)
    low, high = grid[max(at - 1, 0)], grid[min(at + 1, len(grid) - 1)]
    step = max(1, (high - low) // 200)
    best = max(range(low, high + 1, step), key=lambda c: (score(c), -c))
    return cache[best][1]


def renumber(parts: Iterable[Iterable[Hashable]]) -> list[set]:
    """Communities sorted by size (desc), then by smallest member; empty ones dropped.

    >>> renumber([{5}, {3, 4}, {1}])
    [{3, 4}, {1}, {5}]
    """
    sets = [set(p) for p in parts]
    sets = [s for s in sets if s]
    return sorted(sets, key=lambda s: (-len(s), min(s)))


def renumber_membership(member: Sequence[int]) -> np.ndarray:
    """A community id per vertex, renumbered as :func:`renumber` orders communities.

    Vertices are in sorted node order (as in :class:`IGraphView`), so a
    community's smallest member is its first vertex.

    >>> renumber_membership([7, 3, 3, 7, 3, 5]).tolist()
    [1, 0, 0, 1, 0, 2]
    """
    labels, first, inverse = np.unique(np.asarray(member, dtype=np.int64), return_index=True, return_inverse=True)
    sizes = np.bincount(inverse, minlength=len(labels))
    order = np.lexsort((first, -sizes))
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels))
    return rank[inverse.ravel()]


def parts_of(nodes: Sequence[Hashable], member: np.ndarray) -> list[set]:
    """Communities as sets of ``nodes``, from a renumbered membership array.

    >>> [sorted(part) for part in parts_of(["a", "b", "c"], np.array([1, 0, 0]))]
    [['b', 'c'], ['a']]
    """
    if len(member) == 0:
        return []
    order = np.argsort(member, kind="stable")
    cuts = np.flatnonzero(np.diff(member[order])) + 1
    pick = nodes.__getitem__
    return [set(map(pick, chunk.tolist())) for chunk in np.split(order, cuts)]


def membership(parts: Sequence[Iterable[Hashable]]) -> dict[Hashable, int]:
    """``{node: community id}`` from a renumbered list of communities."""
    return {node: cid for cid, part in enumerate(parts) for node in part}


def modularity(
    G: nx.Graph, parts: Sequence[Iterable[Hashable]], *, weight: str = "weight", resolution: float = 1.0
) -> float:
    """Weighted modularity of a partition; 0.0 for a graph without edges.

    ``sum_c L_c / m - resolution * (D_c / 2m)^2`` with ``L_c`` the weight inside
    community ``c`` and ``D_c`` its degree sum (NetworkX's definition), summed
    in a fixed order so the value is the same in every process.

    >>> round(modularity(nx.barbell_graph(3, 0), [{0, 1, 2}, {3, 4, 5}]), 6)
    0.357143
    """
    member = membership(parts)
    nodes = sorted(G.nodes())
    index = {node: i for i, node in enumerate(nodes)}
    rows = [(index[u], index[v], float(w)) for u, v, w in G.edges(data=weight, default=1.0)]
    rows.sort()
    src = np.array([r[0] for r in rows], dtype=np.int64)
    dst = np.array([r[1] for r in rows], dtype=np.int64)
    w = np.array([r[2] for r in rows], dtype=float)
    member_arr = np.array([member[node] for node in nodes], dtype=np.int64)
    return modularity_arrays(len(nodes), src, dst, w, member_arr, resolution=resolution)


def modularity_arrays(
    n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, member: np.ndarray, *, resolution: float = 1.0
) -> float:
    """:func:`modularity` over an edge list of node indices and a membership array."""
    m = float(weight.sum())
    if n == 0 or m <= 0:
        return 0.0
    k = int(member.max()) + 1
    same = member[src] == member[dst]
    inner = np.bincount(member[src[same]], weights=weight[same], minlength=k)
    # A self-loop adds its weight twice to its node's degree, as in NetworkX.
    degree = np.bincount(src, weights=weight, minlength=n) + np.bincount(dst, weights=weight, minlength=n)
    totals = np.bincount(member, weights=degree, minlength=k)
    return float(np.sum(inner / m - resolution * (totals / (2.0 * m)) ** 2))


def check_resolution(resolution: object, *, where: str) -> float:
    ok = isinstance(resolution, (int, float)) and not isinstance(resolution, bool)
    if not ok or not math.isfinite(resolution) or not 0 < resolution <= 100:
        raise param_error("resolution", where, "a float in (0, 100]", resolution)
    return float(resolution)


def check_seed(seed: object, *, where: str) -> int:
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**31:
        raise param_error("seed", where, "an int in [0, 2**31 - 1]", seed)
    return seed


def _check(method: object, resolution: object, seed: object, *, where: str) -> tuple[str, float, int]:
    if method not in METHODS:
        raise param_error("method", where, f"one of {', '.join(map(repr, METHODS))}", method)
    return str(method), check_resolution(resolution, where=where), check_seed(seed, where=where)
