"""Engine choice and the bridge from NetworkX to igraph.

NetworkX is the reference implementation and the default on small graphs;
igraph (C core: Louvain, Leiden, label propagation, fast greedy) takes over on
large graphs. Both engines see the same graph: nodes in sorted order, so
vertex ``i`` of the igraph graph is the ``i``-th smallest node of the NetworkX
graph.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import random
from dataclasses import dataclass
from typing import Any, Hashable, Iterator

import networkx as nx

from graph.errors import param_error

__all__ = [
    "ENGINES",
    "AUTO_IGRAPH_MIN_NODES",
    "choose_engine",
    "IGraphView",
    "to_igraph",
    "igraph_from_table",
    "seeded_igraph_rng",
    "library_versions",
]

ENGINES = ("auto", "networkx", "igraph")

#: Above this many nodes, ``engine="auto"`` uses igraph.
AUTO_IGRAPH_MIN_NODES = 5000


def choose_engine(n_nodes: int, engine: str = "auto", *, where: str = "analyze") -> str:
    """Resolve ``engine`` to ``"networkx"`` or ``"igraph"``.

    >>> choose_engine(10), choose_engine(10_000), choose_engine(10, "igraph")
    ('networkx', 'igraph', 'igraph')
    """
    if engine not in ENGINES:
        raise param_error("engine", where, f"one of {', '.join(map(repr, ENGINES))}", engine)
    if engine == "auto":
        return "igraph" if n_nodes > AUTO_IGRAPH_MIN_NODES else "networkx"
    return engine


@dataclass(frozen=True)
class IGraphView:
    """An igraph copy of a weighted NetworkX graph.

    ``nodes[i]`` is the NetworkX node of igraph vertex ``i`` (sorted order);
    ``weights[e]`` is the weight of igraph edge ``e``.
    """

    graph: Any
    nodes: tuple[Hashable, ...]
    weights: tuple[float, ...]

    @property
    def index(self) -> dict[Hashable, int]:
        return {node: i for i, node in enumerate(self.nodes)}


def to_igraph(G: nx.Graph, *, weight: str = "weight") -> IGraphView:
    """Copy ``G`` into an undirected igraph graph (nodes sorted, edges sorted).

    Missing weights count as 1.0. ``G`` is not modified.
    """
    import igraph

    nodes = tuple(sorted(G.nodes()))
    index = {node: i for i, node in enumerate(nodes)}
    edges = []
    for u, v, w in G.edges(data=weight, default=1.0):
        a, b = index[u], index[v]
        edges.append((a, b, float(w)) if a <= b else (b, a, float(w)))
    edges.sort()
    g = igraph.Graph(n=len(nodes), edges=[(a, b) for a, b, _ in edges], directed=False)
    return IGraphView(graph=g, nodes=nodes, weights=tuple(w for _, _, w in edges))


def igraph_from_table(table: Any) -> IGraphView:
    """An :class:`IGraphView` straight from a projection
    :class:`~graph.analysis.projection.EdgeTable` (no NetworkX graph needed)."""
    import igraph

    g = igraph.Graph(n=len(table.nodes), edges=list(zip(table.src.tolist(), table.dst.tolist())), directed=False)
    return IGraphView(graph=g, nodes=tuple(table.nodes), weights=tuple(table.weight.tolist()))


@contextlib.contextmanager
def seeded_igraph_rng(seed: int) -> Iterator[None]:
    """Run igraph's random choices from ``random.Random(seed)``, then restore.

    igraph draws from a process-wide generator (the ``random`` module by
    default); a private generator keeps results reproducible without touching
    the caller's global random state. Not thread-safe, as igraph's RNG is global.
    """
    import igraph

    igraph.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        igraph.set_random_number_generator(random)


def library_versions() -> dict[str, str]:
    """Versions of the libraries analysis results depend on."""
    out = {}
    for name in ("networkx", "igraph", "numpy", "scipy"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "missing"
    return out
