"""2-D positions per paper for the viz: communities first, then their members.

Communities are placed by a force layout of the community graph (so related
communities sit side by side), each gets a disc whose area grows with its size,
and its members are laid out inside the disc by a force layout of the induced
subgraph. Papers without any edge go on a ring around everything. All force
layouts are igraph's Fruchterman-Reingold (C code, grid variant on large
parts), seeded, so the result is stable and takes seconds on 30k papers.
"""

from __future__ import annotations

import math
from typing import Hashable, Iterable, Sequence

import networkx as nx
import numpy as np

from graph.analysis.engine import seeded_igraph_rng, to_igraph

__all__ = ["layout", "layout_arrays"]

_GRID_ABOVE = 500  # nodes; above this FR uses its grid approximation
_FR_WORK = 5_000_000  # (nodes + edges) * iterations, per community
_FR_TOTAL_WORK = 40_000_000  # ... and over all communities
_FR_MIN_ITER, _FR_MAX_ITER = 30, 300
_MAX_SEPARATE = 1500  # communities; overlap removal is O(C^2) per pass
_GOLDEN = math.pi * (3.0 - math.sqrt(5.0))


def layout(
    G: nx.Graph,
    parts: Sequence[Iterable[Hashable]],
    *,
    seed: int = 42,
    weight: str = "weight",
    digits: int = 4,
) -> dict[Hashable, tuple[float, float]]:
    """Positions in ``[-1, 1]^2`` for every node of ``G``, grouped by community.

    Parameters
    ----------
    G : networkx.Graph
        Not modified.
    parts : sequence of sets
        Communities covering every node (as returned by
        :func:`graph.analysis.communities.communities`).
    seed : int
        Same seed and graph, same positions.
    digits : int
        Coordinates are rounded to this many decimals.

    Returns
    -------
    dict
        ``{node: (x, y)}`` with plain floats.
    """
    view = to_igraph(G, weight=weight)
    edges = np.array(view.graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    return layout_arrays(
        view.nodes, edges[:, 0], edges[:, 1], np.array(view.weights, dtype=float), parts, seed=seed, digits=digits
    )


def layout_arrays(
    nodes: Sequence[Hashable],
    src: np.ndarray,
    dst: np.ndarray,
    weight: np.ndarray,
    parts: Sequence[Iterable[Hashable]],
    *,
    seed: int = 42,
    digits: int = 4,
) -> dict[Hashable, tuple[float, float]]:
    """:func:`layout` over an edge list of node indices (``nodes`` sorted)."""
    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    member = np.full(n, -1, dtype=np.int64)
    groups = []
    for cid, part in enumerate(parts):
        grp = np.array(sorted(index[node] for node in part), dtype=np.int64)
        member[grp] = cid
        groups.append(grp)
    degree = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
    placed = [cid for cid, grp in enumerate(groups) if len(grp) > 1 or degree[grp[0]] > 0]
    loners = np.sort(np.concatenate([groups[c] for c in range(len(groups)) if c not in set(placed)] or [[]]))
    loners = loners.astype(np.int64)
    pos = np.zeros((n, 2))
    inner = member[src] == member[dst]
    by_comm = _edges_by_community(member, src[inner], dst[inner], weight[inner])
    # Force-layout work, (nodes + edges) * iterations, capped per community and
    # in total, so many small communities cost no more than a few big ones.
    sizes = [len(groups[c]) + len(by_comm.get(c, _NO_EDGES)[0]) for c in placed]
    niters = [min(_FR_MAX_ITER, max(_FR_MIN_ITER, _FR_WORK // max(size, 1))) for size in sizes]
    total = sum(size * it for size, it in zip(sizes, niters))
    if total > _FR_TOTAL_WORK:
        niters = [max(_FR_MIN_ITER, int(it * _FR_TOTAL_WORK / total)) for it in niters]
    with seeded_igraph_rng(seed):
        centres, radii = _place_communities(member, src, dst, weight, [groups[c] for c in placed], placed)
        for cid, centre, radius, niter in zip(placed, centres, radii, niters):
            grp = groups[cid]
            pos[grp] = centre + radius * _disc_layout(grp, *by_comm.get(cid, _NO_EDGES), niter=niter)
    extent = float(np.max(np.linalg.norm(pos[np.concatenate([groups[c] for c in placed])], axis=1))) if placed else 0.0
    if len(loners):
        pos[loners] = _ring(len(loners), inner=extent * 1.05 + 1.0)
    scale = float(np.max(np.abs(pos))) or 1.0
    pos = np.round(pos / scale, digits)
    return {node: (float(x), float(y)) for node, (x, y) in zip(nodes, pos.tolist())}


_NO_EDGES = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))


def _edges_by_community(member: np.ndarray, src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> dict:
    """``{community: (src, dst, weight)}`` of its inner edges, in edge order."""
    comm = member[src]
    order = np.argsort(comm, kind="stable")
    comm, src, dst, weight = comm[order], src[order], dst[order], weight[order]
    cuts = np.flatnonzero(np.diff(comm)) + 1
    out = {}
    for s_, d_, w_ in zip(np.split(src, cuts), np.split(dst, cuts), np.split(weight, cuts)):
        if len(s_):
            out[int(member[s_[0]])] = (s_, d_, w_)
    return out


def _place_communities(
    member: np.ndarray, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, groups: list[np.ndarray], ids: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Centres from a force layout of the community graph; radii ~ sqrt(size)."""
    import igraph

    c = len(groups)
    radii = np.sqrt(np.array([len(grp) for grp in groups], dtype=float))
    if c <= 1:
        return np.zeros((c, 2)), radii
    slot = np.full(int(member.max()) + 1, -1, dtype=np.int64)
    slot[ids] = np.arange(c)
    a, b = slot[member[src]], slot[member[dst]]
    ok = (a != b) & (a >= 0) & (b >= 0)
    lo, hi = np.minimum(a[ok], b[ok]), np.maximum(a[ok], b[ok])
    key, inverse = np.unique(lo * c + hi, return_inverse=True)
    inter = np.bincount(inverse, weights=weight[ok], minlength=len(key))
    cg = igraph.Graph(n=c, edges=list(zip((key // c).tolist(), (key % c).tolist())))
    w = (inter / inter.max()).tolist() if len(inter) else None
    coords = np.array(cg.layout_fruchterman_reingold(weights=w, niter=500, grid=c > _GRID_ABOVE).coords)
    coords -= coords.mean(axis=0)
    # Scale so the discs would cover ~ a third of the disc holding the centres.
    spread = float(np.max(np.linalg.norm(coords, axis=1))) or 1.0
    coords *= math.sqrt(3.0 * float(np.sum(radii**2))) / spread
    if c <= _MAX_SEPARATE:
        # Each pass is O(C^2): fewer passes when there are many communities.
        passes = 60 if c <= 300 else max(8, int(60 * (300 / c) ** 2))
        coords = _separate(coords, radii, passes=passes)
    return coords, radii


def _separate(centres: np.ndarray, radii: np.ndarray, *, passes: int = 60, gap: float = 1.1) -> np.ndarray:
    """Push overlapping discs apart (a few vectorised relaxation passes)."""
    pos = centres.copy()
    need = (radii[:, None] + radii[None, :]) * gap
    np.fill_diagonal(need, 0.0)
    for _ in range(passes):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.linalg.norm(delta, axis=2)
        overlap = need - dist
        np.fill_diagonal(overlap, 0.0)
        if not (overlap > 1e-9).any():
            break
        overlap = np.clip(overlap, 0.0, None)
        safe = np.where(dist > 1e-12, dist, 1.0)
        unit = delta / safe[:, :, None]
        # Coincident centres: split them along a fixed, index-based direction.
        same = dist <= 1e-12
        if same.any():
            ii, jj = np.nonzero(same)
            angle = (ii - jj) * _GOLDEN
            unit[ii, jj] = np.stack([np.cos(angle), np.sin(angle)], axis=1)
        share = radii[None, :] ** 2 / (radii[:, None] ** 2 + radii[None, :] ** 2)
        pos += 0.5 * np.sum(unit * (overlap * share)[:, :, None], axis=1)
    return pos


def _disc_layout(grp: np.ndarray, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, *, niter: int) -> np.ndarray:
    """Members of one community in the unit disc, by a force layout of their subgraph."""
    import igraph

    m = len(grp)
    if m == 1:
        return np.zeros((1, 2))
    if m == 2:
        return np.array([[-0.5, 0.0], [0.5, 0.0]])
    local_src, local_dst = np.searchsorted(grp, src), np.searchsorted(grp, dst)
    sub = igraph.Graph(n=m, edges=list(zip(local_src.tolist(), local_dst.tolist())))
    coords = np.array(
        sub.layout_fruchterman_reingold(weights=weight.tolist() or None, niter=niter, grid=m > _GRID_ABOVE).coords
    )
    coords -= coords.mean(axis=0)
    # Rank-based radial rescale: evens out the density that FR leaves (dense core,
    # far-flung leaves) while keeping each node's direction and radial order.
    r = np.linalg.norm(coords, axis=1)
    order = np.argsort(r, kind="stable")
    target = np.empty(m)
    target[order] = np.sqrt((np.arange(m) + 0.5) / m)
    scale = np.where(r > 1e-12, target / np.where(r > 1e-12, r, 1.0), 0.0)
    return coords * scale[:, None]


def _ring(count: int, *, inner: float) -> np.ndarray:
    """Sunflower annulus of ``count`` points outside radius ``inner``."""
    width = max(math.sqrt(count), 1.0)
    k = np.arange(count)
    radius = np.sqrt(inner**2 + (2 * inner * width + width**2) * (k + 0.5) / count)
    angle = k * _GOLDEN
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
