"""Stable community ids: match a new analysis's communities to the previous one's.

Each ``analyze`` finds its communities afresh and numbers them by size, so
without this step "community 3" would mean another topic after every new
paper. :func:`stable_ids` matches each level's new communities to the previous
run's communities of that level by their members: pairs with a Jaccard index of
at least ``floor`` are taken greedily, most similar first (ties by larger
overlap, then smaller new id, then smaller previous id, so the answer is
deterministic), each community at most once. A matched community keeps its
previous id; an unmatched one takes a fresh id from ``next_id`` upwards (the
high-water mark of every id ever given), in the order of the new communities,
so an id never names two different topics.

With no previous communities and ``next_id`` 0 every community keeps its new
(today's) number. Pure: data in, data out; no store, no graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Collection, Iterable, Mapping, Sequence

from graph.errors import param_error
from graph.models import AnalysisResult

__all__ = ["JACCARD_FLOOR", "Renumbering", "greedy_matching", "previous_communities", "renumber", "stable_ids"]

#: Lowest Jaccard index (|A & B| / |A | B|) at which a new community is taken
#: for a previous one. 0.3 keeps a topic's id when it grew by ~3x or lost ~70%
#: of its papers; below that it is a new topic.
JACCARD_FLOOR = 0.3

_WHERE = "stable_ids"


@dataclass(frozen=True)
class Renumbering:
    """Result of :func:`stable_ids`.

    Attributes
    ----------
    ids : dict
        New community id -> stable id, for every new community.
    matched : dict
        New community id -> previous id, for the matched ones only.
    jaccard : dict
        New community id -> Jaccard index with its match.
    next_id : int
        High-water mark after this run: one more than every id ever given.
    """

    ids: dict[int, int]
    matched: dict[int, int] = field(default_factory=dict)
    jaccard: dict[int, float] = field(default_factory=dict)
    next_id: int = 0


def greedy_matching(candidates: list[tuple[float, int, int, int]]) -> list[tuple[float, int, int, int]]:
    """The pairs matched from ``(-jaccard, -shared, new id, previous id)``
    candidates: most similar first (ties by larger overlap, smaller new id,
    smaller previous id), each new and each previous community once.

    >>> greedy_matching([(-0.5, -2, 1, 7), (-0.9, -9, 0, 7), (-0.4, -2, 1, 8)])
    [(-0.9, -9, 0, 7), (-0.4, -2, 1, 8)]
    """
    out = []
    new_done: set[int] = set()
    old_done: set[int] = set()
    for cand in sorted(candidates):
        _neg_jac, _neg_shared, cid, pid = cand
        if cid in new_done or pid in old_done:
            continue
        new_done.add(cid)
        old_done.add(pid)
        out.append(cand)
    return out


def stable_ids(
    previous: Mapping[int, tuple[int, Collection[str]]],
    new: Sequence[tuple[int, int, Collection[str]]],
    *,
    next_id: int = 0,
    floor: float = JACCARD_FLOOR,
) -> Renumbering:
    """Stable ids for ``new`` communities given the ``previous`` ones.

    Parameters
    ----------
    previous : mapping
        Previous id -> ``(level, members)``.
    new : sequence
        ``(id, level, members)`` per new community, in the order fresh ids are
        given (topics largest first, then subtopics by parent and size).
    next_id : int
        Stored high-water mark; fresh ids start at the larger of it and one
        more than every previous id.
    floor : float
        Jaccard floor in (0, 1].

    Returns
    -------
    Renumbering
    """
    if not isinstance(floor, (int, float)) or isinstance(floor, bool) or not 0 < floor <= 1:
        raise param_error("floor", _WHERE, "a number in (0, 1]", floor)
    if not isinstance(next_id, int) or isinstance(next_id, bool) or next_id < 0:
        raise param_error("next_id", _WHERE, "an int >= 0", next_id)
    seen: set[int] = set()
    for cid, _level, _members in new:
        if cid in seen:
            raise param_error("new", _WHERE, "communities with distinct ids", f"id {cid} twice")
        seen.add(cid)

    # Each paper's previous community per level.
    owner: dict[tuple[int, str], int] = {}
    prev_size: dict[int, int] = {}
    for pid, (level, members) in previous.items():
        prev_size[pid] = len(members)
        for m in members:
            owner[(level, m)] = pid
    candidates: list[tuple[float, int, int, int]] = []
    for cid, level, members in new:
        overlap: dict[int, int] = {}
        for m in members:
            pid = owner.get((level, m))
            if pid is not None:
                overlap[pid] = overlap.get(pid, 0) + 1
        for pid, shared in overlap.items():
            jac = shared / (len(members) + prev_size[pid] - shared)
            if jac >= floor:
                candidates.append((-jac, -shared, cid, pid))
    matched: dict[int, int] = {}
    jaccard: dict[int, float] = {}
    for neg_jac, _neg_shared, cid, pid in greedy_matching(candidates):
        matched[cid] = pid
        jaccard[cid] = -neg_jac
    fresh = max([next_id, *(pid + 1 for pid in previous)])
    ids: dict[int, int] = {}
    for cid, _level, _members in new:
        if cid in matched:
            ids[cid] = matched[cid]
        else:
            ids[cid] = fresh
            fresh += 1
    return Renumbering(ids=ids, matched=matched, jaccard=jaccard, next_id=fresh)


def previous_communities(
    rows: Iterable[tuple[str, int | None, int | None]],
) -> dict[int, tuple[int, set[str]]]:
    """Previous id -> ``(level, members)`` from ``(paper_id, community,
    subcommunity)`` rows (a store's stored analysis; Nones skipped)."""
    out: dict[int, tuple[int, set[str]]] = {}
    for paper_id, community, subcommunity in rows:
        for level, cid in ((0, community), (1, subcommunity)):
            if cid is not None:
                out.setdefault(cid, (level, set()))[1].add(paper_id)
    return out


def renumber(
    result: AnalysisResult,
    previous: Mapping[int, tuple[int, Collection[str]]],
    *,
    next_id: int = 0,
    floor: float = JACCARD_FLOOR,
) -> tuple[AnalysisResult, Renumbering]:
    """``result`` with every community id (and each paper's ``community`` and
    ``subcommunity``, and each subtopic's ``parent``) replaced by its stable id
    from :func:`stable_ids`. Communities come back in the stores' order: by
    level, parent, size descending, then id (a first run: by id, as before)."""
    members: dict[int, list[str]] = {c.id: [] for c in result.communities}
    for s in result.scores:
        for cid in (s.community, s.subcommunity):
            if cid is not None and cid in members:
                members[cid].append(s.paper_id)
    new = [(c.id, c.level, members[c.id]) for c in result.communities]
    ren = stable_ids(previous, new, next_id=next_id, floor=floor)
    ids = ren.ids

    def to(cid: int | None) -> int | None:
        return None if cid is None else ids.get(cid, cid)

    communities = tuple(sorted(
        (replace(c, id=ids[c.id], parent=to(c.parent)) for c in result.communities),
        key=lambda c: (c.level, -1 if c.parent is None else c.parent, -c.size, c.id),
    ))
    scores = tuple(replace(s, community=to(s.community), subcommunity=to(s.subcommunity)) for s in result.scores)
    params = dict(result.params)
    params["stable_ids"] = {
        "floor": floor,
        "previous": len(previous),
        "matched": len(ren.matched),
        "new": len(ids) - len(ren.matched),
        "next_id": ren.next_id,
    }
    return AnalysisResult(communities=communities, scores=scores, modularity=result.modularity,
                          params=params), ren
