"""Warm start: seed Leiden with the previous analysis's communities (issue 25).

A cold Leiden run finds its partition afresh: after a year of new papers it may
split or regroup a topic even where the old one still fits the graph about as
well, and no matching of ids can undo that (``docs/quality.md``, "Stability of
community ids"). A warm run starts Leiden from the previous run's communities
instead of singletons (igraph's ``initial_membership``): every paper analyzed
before starts in its previous community, every new paper alone, and Leiden
moves, refines and merges from there.

The cold run still happens: it chooses the resolution (the auto rule of
:mod:`graph.analysis.resolution`) and is the fallback. Of the two partitions at
that resolution, the warm one is kept when

* its objective (modularity at the resolution used) is within
  :data:`WARM_SLACK` of the cold one's, and
* it keeps strictly more of the previous papers in their community under the
  matching that gives the ids (:func:`kept_papers`, the greedy Jaccard
  matching of :mod:`graph.analysis.stable_ids`).

Ties keep the cold partition, so the same input analyzed twice gives the cold
partition both times (the previous one itself: identical ids), and a first run
(no previous communities) is today's analysis, at today's cost. A warm run
costs one more Leiden run per level over a cold one.

Pure: arrays in, arrays out; the caller reads the previous run from its store.
"""

from __future__ import annotations

from typing import Callable, Collection, Mapping, Sequence

import numpy as np

from graph.analysis.resolution import Detection, best_of_restarts
from graph.analysis.stable_ids import JACCARD_FLOOR, greedy_matching

__all__ = [
    "WARM_SLACK",
    "PreviousLevel",
    "previous_level",
    "initial_membership",
    "kept_papers",
    "prefer_warm",
    "warm_level0",
]

#: Largest relative loss of objective (modularity at the resolution used) for
#: which the warm partition is still kept over the cold one.
WARM_SLACK = 0.01


class PreviousLevel:
    """One level of the previous analysis, over the nodes of this one.

    ``labels[i]`` is node ``i``'s previous community as an index ``0..k-1``
    (-1 for a paper that had none: new, or in no community of this level) and
    ``sizes[j]`` the size of previous community ``j`` (all its members, those
    gone from the graph included, as :func:`~graph.analysis.stable_ids.stable_ids`
    counts them).
    """

    __slots__ = ("labels", "sizes")

    def __init__(self, labels: np.ndarray, sizes: np.ndarray) -> None:
        self.labels = labels
        self.sizes = sizes

    @property
    def seen(self) -> int:
        """Nodes with a previous community."""
        return int(np.count_nonzero(self.labels >= 0))


def previous_level(
    nodes: Sequence[str], previous: Mapping[int, tuple[int, Collection[str]]], *, level: int
) -> PreviousLevel:
    """The ``level`` communities of ``previous`` (id -> ``(level, members)``, as
    :func:`~graph.analysis.stable_ids.previous_communities` gives them) as labels
    over ``nodes``.

    >>> prev = {7: (0, {"a", "b"}), 9: (0, {"c", "z"}), 12: (1, {"a"})}
    >>> found = previous_level(["a", "b", "c", "d"], prev, level=0)
    >>> found.labels.tolist(), found.sizes.tolist()
    ([0, 0, 1, -1], [2, 2])
    """
    index = {node: i for i, node in enumerate(nodes)}
    labels = np.full(len(nodes), -1, dtype=np.int64)
    sizes: list[int] = []
    for cid in sorted(previous):
        lv, members = previous[cid]
        if lv != level:
            continue
        at = [index[m] for m in members if m in index]
        labels[np.asarray(at, dtype=np.int64)] = len(sizes)
        sizes.append(len(members))
    return PreviousLevel(labels, np.asarray(sizes, dtype=np.int64))


def initial_membership(labels: np.ndarray) -> np.ndarray | None:
    """Leiden's initial membership from previous ``labels`` (-1: none): the
    previous communities renumbered ``0..k-1``, then one singleton per node
    without one; None when no node has a previous community (a cold start).

    >>> initial_membership(np.array([5, -1, 5, 2, -1])).tolist()
    [1, 2, 1, 0, 3]
    """
    labels = np.asarray(labels, dtype=np.int64)
    has = labels >= 0
    if not has.any():
        return None
    out = np.empty(len(labels), dtype=np.int64)
    used, out[has] = np.unique(labels[has], return_inverse=True)
    out[~has] = len(used) + np.arange(int(np.count_nonzero(~has)))
    return out


def kept_papers(labels: np.ndarray, sizes: np.ndarray, member: np.ndarray, *, floor: float = JACCARD_FLOOR) -> int:
    """Nodes whose new community (``member``) takes their previous one's id.

    The matching is that of :func:`~graph.analysis.stable_ids.stable_ids`:
    pairs of new and previous communities with a Jaccard index of at least
    ``floor``, most similar first (ties by larger overlap, smaller new id,
    smaller previous id), each community once. A node keeps its id when its
    new community is matched to its previous one.

    Previous {0, 1, 2} and {3, 4}; new {0, 1} and {2, 3, 4, 5} (5 is new):
    nodes 0, 1 keep their id (Jaccard 2/3), 3, 4 too (2/4), node 2 does not.

    >>> kept_papers(np.array([0, 0, 0, 1, 1, -1]), np.array([3, 2]), np.array([0, 0, 1, 1, 1, 1]))
    4
    """
    labels = np.asarray(labels, dtype=np.int64)
    member = np.asarray(member, dtype=np.int64)
    has = labels >= 0
    if not has.any():
        return 0
    new_size = np.bincount(member)
    pairs, shared = np.unique(np.stack([member[has], labels[has]]), axis=1, return_counts=True)
    candidates = []
    for (cid, pid), s in zip(pairs.T.tolist(), shared.tolist()):
        jac = s / (int(new_size[cid]) + int(sizes[pid]) - s)
        if jac >= floor:
            candidates.append((-jac, -s, cid, pid))
    return -sum(neg_shared for _jac, neg_shared, _cid, _pid in greedy_matching(candidates))


def prefer_warm(
    warm_objective: float, cold_objective: float, warm_kept: int, cold_kept: int, *, slack: float = WARM_SLACK
) -> bool:
    """Whether the warm partition is kept over the cold one (see the module doc).

    >>> prefer_warm(0.70, 0.705, 900, 800), prefer_warm(0.60, 0.705, 900, 800), prefer_warm(0.71, 0.70, 800, 800)
    (True, False, False)
    """
    return warm_objective >= cold_objective - slack * abs(cold_objective) and warm_kept > cold_kept


def warm_level0(
    cold: Detection,
    detect_from: Callable[[float, int, np.ndarray], list],
    nodes: Sequence,
    src: np.ndarray,
    dst: np.ndarray,
    weight: np.ndarray,
    previous: PreviousLevel,
    *,
    seed: int,
    slack: float = WARM_SLACK,
) -> tuple[Detection, dict | None]:
    """The topics: ``cold`` or a Leiden run at its resolution started from ``previous``.

    Parameters
    ----------
    cold : Detection
        Today's partition (the auto rule's choice), scored on this edge list.
    detect_from : callable
        ``(resolution, seed, initial membership) -> list of sets`` (Leiden).
    nodes, src, dst, weight
        The graph, as in :func:`~graph.analysis.resolution.best_of_restarts`.
    previous : PreviousLevel
        The previous topics over ``nodes``.
    seed : int
        Seed of the warm run.

    Returns
    -------
    (Detection, dict or None)
        The partition kept and what was compared (None, and ``cold``, when no
        node has a previous topic: nothing runs).
    """
    initial = initial_membership(previous.labels)
    if initial is None:
        return cold, None
    warm = best_of_restarts(lambda res, s: detect_from(res, s, initial), nodes, src, dst, weight,
                            resolution=cold.resolution, seed=seed, restarts=1)
    kept = {name: kept_papers(previous.labels, previous.sizes, d.member) for name, d in (("cold", cold), ("warm", warm))}
    use = prefer_warm(warm.objective, cold.objective, kept["warm"], kept["cold"], slack=slack)
    info = {
        "seen": previous.seen,
        "new": len(nodes) - previous.seen,
        "chosen": "warm" if use else "cold",
        "objective": {"cold": round(cold.objective, 6), "warm": round(warm.objective, 6)},
        "modularity": {"cold": round(cold.modularity, 6), "warm": round(warm.modularity, 6)},
        "communities": {"cold": len(cold.parts), "warm": len(warm.parts)},
        "kept": kept,
    }
    return (warm if use else cold), info
