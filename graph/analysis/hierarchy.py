"""Subtopics: a second community level, found inside each topic.

Each topic (a community of the partition ``analyze`` keeps) with at least
:data:`SUBTOPIC_MIN_PAPERS` papers is split by its own Leiden run (modularity
at resolution 1, best of a few seeded restarts) on the subgraph induced by its
papers. So subtopics nest in their topic by construction, and each one is a
community *of its topic* rather than of the whole corpus.

The alternative, the finer levels of the resolution walk
(:func:`graph.analysis.resolution.auto_resolution`) cut by the topics, was
measured against this one (``bench/hierarchy.py``, ``docs/quality.md``): cut
by the topics, the walk's finest level (resolution 1) leaves 42-82% of a topic
in one piece and its split scores a lower modularity on the topic's subgraph
(citeseer 0.54, hepth 0.50) than a run made for that topic (0.70, 0.68).
"""

from __future__ import annotations

from typing import Hashable, Iterable, Sequence

import numpy as np

from graph.analysis.communities import LEIDEN_ITERATIONS, modularity_arrays, renumber_membership
from graph.analysis.engine import seeded_igraph_rng
from graph.analysis.labels import community_keywords
from graph.errors import param_error
from graph.analysis.warm import PreviousLevel, initial_membership, kept_papers, prefer_warm
from graph.models import KeywordScore

__all__ = ["SUBTOPIC_MIN_PAPERS", "Subtopics", "subtopics", "subtopic_keywords"]

#: Topics smaller than this get no subtopics (their papers' ``subcommunity`` is None).
SUBTOPIC_MIN_PAPERS = 30


class Subtopics:
    """Level-1 partition: ``member[i]`` is node ``i``'s subtopic (0-based, -1 for
    none) and ``parent[s]`` the topic of subtopic ``s``; subtopics are ordered by
    (parent, size descending, smallest node)."""

    __slots__ = ("member", "parent", "modularity", "warm")

    def __init__(self, member: np.ndarray, parent: list[int], modularity: list[float],
                 warm: dict | None = None) -> None:
        self.member = member
        self.parent = parent
        #: Per subtopic: the modularity of its topic's split, on the topic's subgraph.
        self.modularity = modularity
        #: With ``previous``: topics whose split was compared to a warm one, and
        #: how many kept the warm split (:mod:`graph.analysis.warm`).
        self.warm = warm

    def parts(self, nodes: Sequence[Hashable]) -> list[set]:
        """Subtopics as sets of ``nodes``, in subtopic order."""
        out: list[set] = [set() for _ in self.parent]
        for i in np.flatnonzero(self.member >= 0).tolist():
            out[int(self.member[i])].add(nodes[i])
        return out


def subtopics(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    weight: np.ndarray,
    member: np.ndarray,
    *,
    seed: int = 42,
    restarts: int = 3,
    resolution: float = 1.0,
    min_size: int = SUBTOPIC_MIN_PAPERS,
    previous: PreviousLevel | None = None,
) -> Subtopics:
    """Split each topic of ``member`` by a Leiden run on its own subgraph.

    Parameters
    ----------
    n : int
        Number of nodes.
    src, dst, weight : ndarray
        The graph as an edge list over node indices.
    member : ndarray
        Topic id per node, ``0..T-1``; not modified.
    seed, restarts : int
        Restart ``r`` uses seed ``seed + r``; the split with the highest
        modularity (on the topic's subgraph) is kept, the first on ties.
    resolution : float
        Modularity resolution of the split.
    min_size : int
        Topics with fewer papers are not split.
    previous : PreviousLevel, optional
        The previous analysis's subtopics over the nodes: a topic holding
        papers that had one is also split by a Leiden run started from them
        (seed ``seed``), kept over the cold split as
        :func:`~graph.analysis.warm.prefer_warm` says. None: cold only (today's cost).

    Returns
    -------
    Subtopics
        A topic whose split gives one community only has no subtopics.

    Examples
    --------
    Two triangles joined by an edge form one topic of 6 papers:

    >>> src, dst = np.array([0, 0, 1, 3, 3, 4, 2]), np.array([1, 2, 2, 4, 5, 5, 3])
    >>> found = subtopics(6, src, dst, np.ones(7), np.zeros(6, dtype=int), min_size=4, seed=0)
    >>> found.member.tolist(), found.parent
    ([0, 0, 0, 1, 1, 1], [0, 0])
    """
    import igraph

    if not isinstance(min_size, int) or isinstance(min_size, bool) or min_size < 2:
        raise param_error("min_size", "subtopics", "an int >= 2", min_size)
    member = np.asarray(member, dtype=np.int64)
    sub = np.full(n, -1, dtype=np.int64)
    parents: list[int] = []
    scores: list[float] = []
    warm = {"compared": 0, "warm": 0} if previous is not None else None
    if n == 0:
        return Subtopics(sub, parents, scores, warm)
    inner = member[src] == member[dst]
    e_src, e_dst, e_w = src[inner], dst[inner], weight[inner]
    e_topic = member[e_src]
    e_order = np.argsort(e_topic, kind="stable")
    e_bounds = np.searchsorted(e_topic[e_order], np.arange(int(member.max()) + 2))
    n_order = np.argsort(member, kind="stable")
    n_bounds = np.searchsorted(member[n_order], np.arange(int(member.max()) + 2))
    local = np.zeros(n, dtype=np.int64)
    for topic in range(int(member.max()) + 1):
        grp = n_order[n_bounds[topic]:n_bounds[topic + 1]]  # sorted node indices
        if len(grp) < min_size:
            continue
        pick = e_order[e_bounds[topic]:e_bounds[topic + 1]]
        if len(pick) == 0:
            continue
        local[grp] = np.arange(len(grp))
        ls, ld, lw = local[e_src[pick]], local[e_dst[pick]], e_w[pick]
        g = igraph.Graph(n=len(grp), edges=np.column_stack([ls, ld]).tolist(), directed=False)
        best, best_q = None, -np.inf
        for r in range(max(1, restarts)):
            with seeded_igraph_rng((seed + r) % 2**31):
                found = g.community_leiden(
                    objective_function="modularity", weights=lw.tolist(), resolution=resolution,
                    n_iterations=LEIDEN_ITERATIONS,
                ).membership
            found = renumber_membership(found)
            q = modularity_arrays(len(grp), ls, ld, lw, found, resolution=resolution)
            if q > best_q:
                best, best_q = found, q
        if previous is not None:
            best, best_q = _warm_split(g, lw, ls, ld, previous, grp, best, best_q, seed=seed,
                                       resolution=resolution, counts=warm)
        k = int(best.max()) + 1
        if k < 2:
            continue
        sub[grp] = best + len(parents)
        parents.extend([topic] * k)
        q1 = modularity_arrays(len(grp), ls, ld, lw, best)
        scores.extend([float(q1)] * k)
    return Subtopics(sub, parents, scores, warm)


def _warm_split(g, lw, ls, ld, previous: PreviousLevel, grp: np.ndarray, best: np.ndarray, best_q: float, *,
                seed: int, resolution: float, counts: dict) -> tuple[np.ndarray, float]:
    """``(best, best_q)``, or the split of a Leiden run from the topic's previous subtopics if preferred."""
    labels = previous.labels[grp]
    initial = initial_membership(labels)
    if initial is None:
        return best, best_q
    with seeded_igraph_rng(seed % 2**31):
        found = g.community_leiden(
            objective_function="modularity", weights=lw.tolist(), resolution=resolution,
            n_iterations=LEIDEN_ITERATIONS, initial_membership=initial.tolist(),
        ).membership
    found = renumber_membership(found)
    q = modularity_arrays(len(grp), ls, ld, lw, found, resolution=resolution)
    counts["compared"] += 1
    if prefer_warm(q, best_q, kept_papers(labels, previous.sizes, found), kept_papers(labels, previous.sizes, best)):
        counts["warm"] += 1
        return found, q
    return best, best_q


def subtopic_keywords(
    parts: Sequence[Iterable[str]],
    parents: Sequence[int],
    parent_keywords: Sequence[Sequence[str]],
    has_keyword: Iterable[KeywordScore],
    *,
    size: int = 10,
    label_size: int = 4,
) -> list[tuple[str, ...]]:
    """Keywords per subtopic, those of its parent's label moved last.

    Ranked as :func:`~graph.analysis.labels.community_keywords` ranks them over
    all subtopics; a keyword in the first ``label_size`` of the parent's keywords
    goes after the others, so a subtopic's label says what sets it apart inside
    its topic (it keeps the parent's words only when it has nothing else).

    >>> kw = [KeywordScore(p, k, 1.0) for p, k in [("a", "x"), ("b", "x"), ("a", "y"), ("b", "y"),
    ...       ("c", "x"), ("d", "x"), ("c", "z"), ("d", "z")]]
    >>> subtopic_keywords([{"a", "b"}, {"c", "d"}], [0, 0], [("x",)], kw, label_size=1)
    [('y',), ('z',)]
    """
    ranked = community_keywords(parts, has_keyword, size=size + label_size)
    out = []
    for kws, parent in zip(ranked, parents):
        taken = set(parent_keywords[parent][:label_size]) if parent < len(parent_keywords) else set()
        own = [kw for kw in kws if kw not in taken]
        out.append(tuple((own + [kw for kw in kws if kw in taken])[:size]))
    return out

