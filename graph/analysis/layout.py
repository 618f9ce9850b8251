"""2-D positions per paper for the map: topics apart, subtopics together.

Three nested force layouts, each of a small graph:

1. **Topics** are placed by a force layout of the topic graph (one vertex per
   topic, edges weighted by the weight between topics), so related topics sit
   side by side; then overlapping regions are pushed apart, leaving a margin.
2. **Subtopics** of a topic are placed the same way inside the topic's region,
   by a force layout of its subtopic graph, packed close together: a topic is
   the union of its subtopics' regions, not a disc.
3. **Papers** of a subtopic (of a topic without subtopics: the topic) are laid
   out by a force layout of their subgraph around the subtopic's centre,
   evened out towards a uniform density but keeping the layout's shape.

Region areas grow with the number of papers (radius ~ sqrt(size)). Papers
without any edge go on a ring around everything. All force layouts are
igraph's Fruchterman-Reingold (C code, grid variant on large parts), seeded, so
the result is stable and takes seconds on 30k papers.
"""

from __future__ import annotations

import math
from typing import Hashable, Iterable, Sequence

import networkx as nx
import numpy as np

from graph.analysis.engine import seeded_igraph_rng, to_igraph

__all__ = ["layout", "layout_arrays"]

_GRID_ABOVE = 500  # nodes; above this FR uses its grid approximation
_FR_WORK = 5_000_000  # (nodes + edges) * iterations, per group
_FR_TOTAL_WORK = 40_000_000  # ... and over all groups
_FR_MIN_ITER, _FR_MAX_ITER = 30, 300
_MAX_SEPARATE = 1500  # regions; overlap removal is O(C^2) per pass
_GOLDEN = math.pi * (3.0 - math.sqrt(5.0))
#: Space between topics (regions pushed apart to this factor of their radii)
#: and between subtopics of one topic (packed nearly touching).
_TOPIC_GAP, _SUBTOPIC_GAP = 1.18, 1.0
#: Rounds of shrink-then-separate that pack the regions, and the shrink per round.
_PACK_ROUNDS, _PACK_SHRINK = 12, 0.85
#: How far a subtopic's papers are evened out towards a uniform disc (1 = a disc).
_EVEN = 0.6


def layout(
    G: nx.Graph,
    parts: Sequence[Iterable[Hashable]],
    *,
    subparts: Sequence[Iterable[Hashable]] | None = None,
    seed: int = 42,
    weight: str = "weight",
    digits: int = 4,
) -> dict[Hashable, tuple[float, float]]:
    """Positions in ``[-1, 1]^2`` for every node of ``G``, grouped by topic and subtopic.

    Parameters
    ----------
    G : networkx.Graph
        Not modified.
    parts : sequence of sets
        Topics covering every node (as returned by
        :func:`graph.analysis.communities.communities`).
    subparts : sequence of sets, optional
        Subtopics, each inside one topic; nodes in none are laid out with
        their topic as one group.
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
    sub = None
    if subparts is not None:
        index = view.index
        sub = np.full(len(view.nodes), -1, dtype=np.int64)
        for sid, part in enumerate(subparts):
            sub[[index[node] for node in part]] = sid
    return layout_arrays(
        view.nodes, edges[:, 0], edges[:, 1], np.array(view.weights, dtype=float), parts,
        seed=seed, digits=digits, subtopics=sub,
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
    subtopics: np.ndarray | None = None,
) -> dict[Hashable, tuple[float, float]]:
    """:func:`layout` over an edge list of node indices (``nodes`` sorted).

    ``subtopics`` is a subtopic index per node (``0..S-1``, -1 for none), as in
    :class:`graph.analysis.hierarchy.Subtopics`.
    """
    n = len(nodes)
    if n == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    topic = np.full(n, -1, dtype=np.int64)
    for cid, part in enumerate(parts):
        topic[np.fromiter((index[node] for node in part), dtype=np.int64)] = cid
    n_topics = int(topic.max()) + 1
    sub = np.full(n, -1, dtype=np.int64) if subtopics is None else np.asarray(subtopics, dtype=np.int64)
    n_sub = int(sub.max()) + 1 if len(sub) else 0
    # The group a paper is laid out in: its subtopic, else its whole topic.
    leaf = np.where(sub >= 0, sub, n_sub + topic)
    leaf_order = np.argsort(leaf, kind="stable")
    bounds = np.searchsorted(leaf[leaf_order], np.arange(n_sub + n_topics + 1))
    leaves = [leaf_order[bounds[g]:bounds[g + 1]] for g in range(n_sub + n_topics)]
    leaf_topic = np.array([topic[grp[0]] if len(grp) else -1 for grp in leaves], dtype=np.int64)

    degree = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
    topic_size = np.bincount(topic, minlength=n_topics)
    topic_has_edge = np.bincount(topic, weights=degree, minlength=n_topics) > 0
    placed_topic = (topic_size > 1) | topic_has_edge
    loners = np.flatnonzero(~placed_topic[topic])
    used = [g for g, grp in enumerate(leaves) if len(grp) and placed_topic[leaf_topic[g]]]

    same_leaf = leaf[src] == leaf[dst]
    by_leaf = _edges_by_group(leaf, src[same_leaf], dst[same_leaf], weight[same_leaf])
    # Force-layout work, (nodes + edges) * iterations, capped per group and in
    # total, so many small groups cost no more than a few big ones.
    work = [len(leaves[g]) + len(by_leaf.get(g, _NO_EDGES)[0]) for g in used]
    niters = [min(_FR_MAX_ITER, max(_FR_MIN_ITER, _FR_WORK // max(w, 1))) for w in work]
    total = sum(w * it for w, it in zip(work, niters))
    if total > _FR_TOTAL_WORK:
        niters = [max(_FR_MIN_ITER, int(it * _FR_TOTAL_WORK / total)) for it in niters]

    pos = np.zeros((n, 2))
    with seeded_igraph_rng(seed):
        # 1. Each group's own shape, around 0 within radius ~1.
        shapes = {g: _blob_layout(leaves[g], *by_leaf.get(g, _NO_EDGES), niter=it) for g, it in zip(used, niters)}
        leaf_radius = np.sqrt(np.array([len(grp) for grp in leaves], dtype=float))
        # 2. Groups of each topic packed around the topic's centre.
        same_topic = (topic[src] == topic[dst]) & ~same_leaf
        pair_a, pair_b, pair_w = _pair_weights(leaf[src[same_topic]], leaf[dst[same_topic]], weight[same_topic])
        pair_topic = leaf_topic[pair_a] if len(pair_a) else np.zeros(0, dtype=np.int64)
        offset = np.zeros((n_sub + n_topics, 2))
        extent = np.zeros(n_topics)
        by_topic: dict[int, list[int]] = {}
        for g in used:
            by_topic.setdefault(int(leaf_topic[g]), []).append(g)
        for t, groups in by_topic.items():
            pick = pair_topic == t
            slot = {g: i for i, g in enumerate(groups)}
            a = np.array([slot[g] for g in pair_a[pick].tolist()], dtype=np.int64)
            b = np.array([slot[g] for g in pair_b[pick].tolist()], dtype=np.int64)
            radii = leaf_radius[groups]
            centres = _place(len(groups), a, b, pair_w[pick], radii, gap=_SUBTOPIC_GAP, spread=1.6)
            offset[groups] = centres
            extent[t] = float(np.max(np.linalg.norm(centres, axis=1) + radii))
        # 3. Topics by a force layout of the topic graph, regions apart.
        topics = np.flatnonzero(placed_topic)
        slot_t = np.full(n_topics, -1, dtype=np.int64)
        slot_t[topics] = np.arange(len(topics))
        a, b = slot_t[topic[src]], slot_t[topic[dst]]
        ok = (a != b) & (a >= 0) & (b >= 0)
        ta, tb, tw = _pair_weights(a[ok], b[ok], weight[ok])
        topic_centre = np.zeros((n_topics, 2))
        topic_centre[topics] = _place(len(topics), ta, tb, tw, extent[topics], gap=_TOPIC_GAP, spread=3.0)
        for g in used:
            grp = leaves[g]
            pos[grp] = topic_centre[leaf_topic[g]] + offset[g] + leaf_radius[g] * shapes[g]
    placed = np.flatnonzero(placed_topic[topic])
    reach = float(np.max(np.linalg.norm(pos[placed], axis=1))) if len(placed) else 0.0
    if len(loners):
        pos[loners] = _ring(len(loners), inner=reach * 1.05 + 1.0)
    scale = float(np.max(np.abs(pos))) or 1.0
    pos = np.round(pos / scale, digits)
    return {node: (float(x), float(y)) for node, (x, y) in zip(nodes, pos.tolist())}


_NO_EDGES = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0))


def _edges_by_group(group: np.ndarray, src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> dict:
    """``{group: (src, dst, weight)}`` of its inner edges (both ends in it), in edge order."""
    g = group[src]
    order = np.argsort(g, kind="stable")
    g, src, dst, weight = g[order], src[order], dst[order], weight[order]
    cuts = np.flatnonzero(np.diff(g)) + 1
    out = {}
    for s_, d_, w_ in zip(np.split(src, cuts), np.split(dst, cuts), np.split(weight, cuts)):
        if len(s_):
            out[int(group[s_[0]])] = (s_, d_, w_)
    return out


def _pair_weights(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Summed weight per unordered pair ``(a, b)``, ``a < b``, sorted."""
    if len(a) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    k = int(hi.max()) + 1
    key, inverse = np.unique(lo * k + hi, return_inverse=True)
    summed = np.bincount(inverse.ravel(), weights=w, minlength=len(key))
    return key // k, key % k, summed


def _place(c: int, a: np.ndarray, b: np.ndarray, w: np.ndarray, radii: np.ndarray, *, gap: float,
           spread: float) -> np.ndarray:
    """Centres of ``c`` regions: a force layout of their graph, then overlaps removed.

    The layout is scaled so the regions would cover ``1 / spread`` of the disc
    holding the centres before overlaps are pushed apart to ``gap`` times the
    sum of radii.
    """
    import igraph

    if c <= 1:
        return np.zeros((c, 2))
    g = igraph.Graph(n=c, edges=np.column_stack([a, b]).tolist() if len(a) else [])
    weights = (w / w.max()).tolist() if len(w) else None
    coords = np.array(g.layout_fruchterman_reingold(weights=weights, niter=500, grid=c > _GRID_ABOVE).coords)
    coords -= coords.mean(axis=0)
    far = float(np.max(np.linalg.norm(coords, axis=1))) or 1.0
    coords *= math.sqrt(spread * float(np.sum(radii**2))) / far
    if c <= _MAX_SEPARATE:
        # Each pass is O(C^2): fewer passes when there are many regions.
        passes = 80 if c <= 300 else max(8, int(80 * (300 / c) ** 2))
        coords = _separate(coords, radii, passes=passes, gap=gap)
        # Shrink towards the middle and push apart again, a few rounds: the
        # regions end up packed (a map, not islands in empty space), in about
        # the arrangement the force layout gave them.
        for _ in range(_PACK_ROUNDS if c <= 300 else 2):
            coords = _separate(coords * _PACK_SHRINK, radii, passes=min(passes, 20), gap=gap)
    return coords


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


def _blob_layout(grp: np.ndarray, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, *, niter: int) -> np.ndarray:
    """Members of one group around 0, by a force layout of their subgraph.

    The radii are pulled :data:`_EVEN` of the way towards those of a uniform
    disc (by rank), which evens out the dense core and far-flung leaves that
    FR leaves while keeping each paper's direction and the group's shape.
    """
    import igraph

    m = len(grp)
    if m == 1:
        return np.zeros((1, 2))
    if m == 2:
        return np.array([[-0.5, 0.0], [0.5, 0.0]])
    local_src, local_dst = np.searchsorted(grp, src), np.searchsorted(grp, dst)
    sub = igraph.Graph(n=m, edges=np.column_stack([local_src, local_dst]).tolist() if len(src) else [])
    coords = np.array(
        sub.layout_fruchterman_reingold(weights=weight.tolist() or None, niter=niter, grid=m > _GRID_ABOVE).coords
    )
    coords -= np.median(coords, axis=0)
    r = np.linalg.norm(coords, axis=1)
    order = np.argsort(r, kind="stable")
    uniform = np.empty(m)
    uniform[order] = np.sqrt((np.arange(m) + 0.5) / m)
    # FR's own radii, scaled so the 90th percentile sits where the disc's does.
    own = r / (float(np.quantile(r, 0.9)) / math.sqrt(0.9) or 1.0)
    target = _EVEN * uniform + (1.0 - _EVEN) * np.minimum(own, 1.6)
    scale = np.where(r > 1e-12, target / np.where(r > 1e-12, r, 1.0), 0.0)
    return coords * scale[:, None]


def _ring(count: int, *, inner: float) -> np.ndarray:
    """Sunflower annulus of ``count`` points outside radius ``inner``."""
    width = max(math.sqrt(count), 1.0)
    k = np.arange(count)
    radius = np.sqrt(inner**2 + (2 * inner * width + width**2) * (k + 0.5) / count)
    angle = k * _GOLDEN
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
