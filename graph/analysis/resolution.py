"""Best-of-restarts community detection and the per-graph ("auto") resolution.

One constant resolution does not fit every graph: on citeseer (3,186 papers)
0.5 gives 9 communities and the 6 subject labels are matched best by 5-6; on
the 440 seed papers the same 0.5 gives 4 broad ones and 1.0 gives 10 readable
ones. The rule here picks the resolution from the graph itself:

    the coarsest partition that keeps at least ``keep`` (90%) of the
    modularity of the finest one.

Partitions are found at ``1, 1/sqrt(2), 1/2, ...`` (down to 1/8); each is scored
by its plain modularity (resolution 1) and the walk stops at the first one
below ``keep`` times the modularity at resolution 1. Coarser partitions are
easier to read and, while they keep nearly all the modularity, lose little
structure; below that, whole topics get merged. Resolution 1 runs ``restarts``
seeds (``seed, seed + 1, ...``) and keeps the partition with the highest
modularity (ties: the first seed), so the result is deterministic and less
dependent on one random order; with Leiden each coarser level starts from the
partition kept above it (see :func:`auto_resolution`); from 50,000 papers
``analyze`` makes that level by merging whole communities of the one above
(:data:`graph.analysis.steps.WALK_MERGE_MIN_PAPERS`).

On citeseer this picks 0.25 (5 communities, NMI 0.449 against the labels,
Louvain at 0.5: 0.395), on the seeds 0.71 (8 communities) and on hepth 0.5
(8 communities); ``docs/quality.md`` has the numbers and what else was tried.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from graph.errors import param_error

__all__ = ["AUTO_GRID", "AUTO_KEEP", "Detection", "best_of_restarts", "auto_resolution"]

#: Resolutions tried by the auto rule, finest first (factor sqrt(2) apart).
AUTO_GRID = tuple(round(2.0 ** (-i / 2), 6) for i in range(7))
#: Share of the resolution-1 modularity the chosen, coarser partition must keep.
AUTO_KEEP = 0.9


@dataclass(frozen=True)
class Detection:
    """A partition with the resolution it was found at and its modularity.

    ``parts`` are renumbered communities (largest first); ``modularity`` is at
    resolution 1, ``objective`` at ``resolution``; ``seed`` is the restart kept.
    """

    parts: list
    resolution: float
    modularity: float
    objective: float
    seed: int
    #: Community id per node (indices of the sorted nodes), as scored.
    member: np.ndarray | None = field(default=None, compare=False, repr=False)


def best_of_restarts(
    detect: Callable[[float, int], list],
    nodes: Sequence,
    src: np.ndarray,
    dst: np.ndarray,
    weight: np.ndarray,
    *,
    resolution: float,
    seed: int,
    restarts: int = 1,
) -> Detection:
    """Run ``detect(resolution, seed + r)`` for ``r < restarts``; keep the best.

    Parameters
    ----------
    detect : callable
        ``(resolution, seed) -> list of sets`` covering ``nodes``.
    nodes, src, dst, weight
        The graph as an edge list over indices of the sorted ``nodes``
        (as in :class:`~graph.analysis.projection.EdgeTable`).
    resolution : float
    seed : int
        First seed; restart ``r`` uses ``(seed + r) % 2**31``.
    restarts : int
        Number of runs (at least one runs).

    Returns
    -------
    Detection
        The run with the highest modularity at ``resolution``, the first on ties.
    """
    return _best_of_restarts(detect, nodes, _Scorer(len(nodes), src, dst, weight), resolution, seed, restarts)


class _Scorer:
    """:func:`~graph.analysis.communities.modularity_arrays` of many partitions
    of one graph, with the node strengths summed once (same arithmetic, so the
    same values to the last bit)."""

    def __init__(self, n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> None:
        self.n, self.src, self.dst, self.weight = n, src, dst, weight
        self.m = float(weight.sum())
        self.degree = np.bincount(src, weights=weight, minlength=n) + np.bincount(dst, weights=weight, minlength=n)
        self.index: dict | None = None

    def member(self, nodes: Sequence, parts: list) -> np.ndarray:
        """Community id per node index (the list index of its part)."""
        if self.index is None:
            self.index = {node: i for i, node in enumerate(nodes)}
        member = np.zeros(len(nodes), dtype=np.int64)
        look = self.index.__getitem__
        for cid, part in enumerate(parts):
            member[np.fromiter(map(look, part), dtype=np.int64)] = cid
        return member

    def terms(self, member: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Per community: inner weight / m and (degree sum / 2m)^2; None without edges."""
        m = self.m
        if self.n == 0 or m <= 0:
            return None
        k = int(member.max()) + 1
        same = member[self.src] == member[self.dst]
        inner = np.bincount(member[self.src[same]], weights=self.weight[same], minlength=k)
        totals = np.bincount(member, weights=self.degree, minlength=k)
        return inner / m, (totals / (2.0 * m)) ** 2

    @staticmethod
    def score(terms: tuple[np.ndarray, np.ndarray] | None, resolution: float) -> float:
        if terms is None:
            return 0.0
        return float(np.sum(terms[0] - resolution * terms[1]))


def _best_of_restarts(
    detect: Callable[[float, int], list], nodes: Sequence, scorer: _Scorer, resolution: float, seed: int, restarts: int
) -> Detection:
    best: Detection | None = None
    for r in range(max(1, restarts)):
        run_seed = (seed + r) % 2**31
        parts = detect(resolution, run_seed)
        member = scorer.member(nodes, parts)
        terms = scorer.terms(member)
        objective = scorer.score(terms, resolution)
        if best is None or objective > best.objective:
            q = scorer.score(terms, 1.0)
            best = Detection(parts, resolution, q, objective, run_seed, member)
    return best


def auto_resolution(
    detect: Callable[[float, int], list],
    nodes: Sequence,
    src: np.ndarray,
    dst: np.ndarray,
    weight: np.ndarray,
    *,
    seed: int,
    restarts: int = 1,
    keep: float = AUTO_KEEP,
    grid: Sequence[float] = AUTO_GRID,
    refine: Callable[[float, int, list], list] | None = None,
) -> tuple[Detection, list[dict]]:
    """The coarsest partition on ``grid`` keeping ``keep`` of the finest one's modularity.

    Parameters
    ----------
    detect, nodes, src, dst, weight, seed, restarts
        As in :func:`best_of_restarts`.
    keep : float
        In (0, 1]; 1 keeps the first grid resolution unless a coarser one is
        at least as good.
    grid : sequence of float
        Resolutions, finest (largest) first; the walk stops at the first
        partition below the bar.
    refine : callable, optional
        ``(resolution, seed, parts) -> parts``: a run started from ``parts``
        (Leiden's initial membership). When given, only the first resolution
        runs ``restarts`` times from scratch; each coarser one is one run
        started from the partition kept at the previous resolution, with its
        seed. The levels then nest (mostly merges of the finer communities),
        and the walk costs little more than the first step: on hepth 3x less
        CPU than restarting at every resolution, with citeseer NMI 0.45 instead of
        0.44.

    Returns
    -------
    (Detection, list of dict)
        The chosen partition, and the trail of every resolution tried
        (``resolution``, ``communities``, ``modularity``), for the run record.

    Examples
    --------
    Two triangles joined by one edge: merging them loses all modularity, so
    the rule keeps them apart.

    >>> import networkx as nx
    >>> from graph.analysis.communities import detect_networkx
    >>> G = nx.barbell_graph(3, 0)
    >>> src, dst = np.array([u for u, v in G.edges]), np.array([v for u, v in G.edges])
    >>> run = lambda res, s: detect_networkx(G, method="louvain", resolution=res, seed=s)
    >>> chosen, trail = auto_resolution(run, list(G), src, dst, np.ones(len(src)), seed=0)
    >>> chosen.parts, chosen.resolution
    ([{0, 1, 2}, {3, 4, 5}], 0.353553)
    """
    ok_keep = isinstance(keep, (int, float)) and not isinstance(keep, bool) and 0 < keep <= 1
    if not ok_keep:
        raise param_error("keep", "auto_resolution", "a float in (0, 1]", keep)
    if len(grid) == 0:
        raise param_error("grid", "auto_resolution", "a non-empty sequence of resolutions", grid)
    trail: list[dict] = []
    scorer = _Scorer(len(nodes), src, dst, weight)

    def step(res: float, previous: Detection | None = None) -> Detection:
        if previous is None or refine is None:
            found = _best_of_restarts(detect, nodes, scorer, res, seed, restarts)
        else:
            warm = lambda r, s: refine(r, s, previous.parts)  # noqa: E731
            found = _best_of_restarts(warm, nodes, scorer, res, previous.seed, 1)
        trail.append({"resolution": res, "communities": len(found.parts), "modularity": round(found.modularity, 6)})
        return found

    chosen = step(grid[0])
    bar = keep * chosen.modularity
    if not chosen.modularity > 0 or not math.isfinite(bar):
        return chosen, trail  # no community structure to trade
    for res in grid[1:]:
        found = step(res, chosen)
        if found.modularity < bar:
            break
        chosen = found
    return chosen, trail
