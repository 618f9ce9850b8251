"""Walks over a store's edges: recommendations beyond direct neighbours, paths.

Both read only the neighbourhoods they need through
:meth:`GraphStore.neighbors` (never the whole graph), so they cost the same on
a 400-paper corpus and on a 30,000-paper one, and both are capped.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx

from api.schemas import Recommendation, Via
from graph.errors import PaperNotFound
from graph.stores.base import GraphStore, Neighbor

__all__ = ["recommend", "shortest_path", "evidence", "PATH_RELATIONS"]

PATH_RELATIONS = ("all", "similar", "keywords", "cites")
_FLIP = {"cites": "cited_by", "cited_by": "cites"}


def recommend(store: GraphStore, paper_id: str, *, limit: int = 10, offset: int = 0, fanout: int = 30,
              alpha: float = 0.85) -> tuple[int, list[Recommendation]]:
    """Papers two hops away, ranked by personalised PageRank from ``paper_id``.

    The subgraph is the paper, its ``fanout`` strongest neighbours (all
    relations) and theirs; edge weights add up over relations. Direct
    neighbours and the paper itself are left out: they are what
    ``/neighbors`` returns. Each result names the direct neighbours it was
    reached through and by which relations. Returns (number of candidates, the
    page of ``limit`` of them from ``offset``).
    """
    first = store.neighbors(paper_id, relation="all", limit=fanout)
    graph = nx.Graph()
    graph.add_node(paper_id)
    titles: dict[str, str] = {}
    relations: dict[tuple[str, str], set[str]] = defaultdict(set)

    def add(a: str, n: Neighbor) -> None:
        b = n.paper_id
        if a == b:
            return
        titles.setdefault(b, n.title)
        weight = max(float(n.weight), 0.0) or 1e-6
        if graph.has_edge(a, b):
            if n.relation not in relations[(a, b)] and _FLIP.get(n.relation) not in relations[(a, b)]:
                graph[a][b]["weight"] += weight
        else:
            graph.add_edge(a, b, weight=weight)
        relations[(a, b)].add(n.relation)
        relations[(b, a)].add(_FLIP.get(n.relation, n.relation))

    for n in first:
        add(paper_id, n)
    direct = sorted({n.paper_id for n in first} - {paper_id})
    for nb in direct:
        for n in store.neighbors(nb, relation="all", limit=fanout):
            add(nb, n)
    candidates = set(graph) - set(direct) - {paper_id}
    if not candidates:
        return 0, []
    rank = nx.pagerank(graph, alpha=alpha, personalization={paper_id: 1.0}, weight="weight")
    best = sorted(candidates, key=lambda c: (-rank[c], c))[offset : offset + limit]
    out = []
    for cand in best:
        vias = [v for v in graph.neighbors(cand) if v in set(direct)]
        vias.sort(key=lambda v: (-(graph[paper_id][v]["weight"] * graph[v][cand]["weight"]), v))
        via = [Via(id=v, title=titles.get(v, ""), relations=sorted(relations[(paper_id, v)]),
                   next_relations=sorted(relations[(v, cand)]))
               for v in vias[:3]]
        how = "2 hops via " + "; ".join(
            f"{v.id} ({'/'.join(v.relations)}, then {'/'.join(v.next_relations)})" for v in via
        )
        if len(vias) > 3:
            how += f"; and {len(vias) - 3} more"
        out.append(Recommendation(id=cand, title=titles.get(cand, ""), score=round(float(rank[cand]), 8),
                                  hops=2, via=via, how=how))
    return len(candidates), out


def _neighbors(store: GraphStore, paper_id: str, relation: str, fanout: int) -> list[Neighbor]:
    if relation == "cites":  # citations either way: a path follows them undirected
        found = store.neighbors(paper_id, relation="cites", limit=fanout)
        found += store.neighbors(paper_id, relation="cited_by", limit=fanout)
        return found
    return store.neighbors(paper_id, relation=relation, limit=fanout)


def shortest_path(store: GraphStore, source: str, target: str, *, relation: str = "all", max_hops: int = 6,
                  max_expansions: int = 400, fanout: int = 1000) -> dict[str, Any]:
    """Fewest-hops path by bidirectional breadth-first search over the store.

    The side with the smaller frontier expands one level at a time; the search
    stops at ``max_hops`` or after ``max_expansions`` papers were expanded.
    Among equally short paths the one through the smallest meeting id wins, so
    the answer is deterministic. Between two papers joined by several
    relations, the edge shown is the heaviest.
    """
    known = store.get_papers([source, target])
    for pid in (source, target):
        if pid not in known:
            raise PaperNotFound(pid)
    base = {"source": source, "target": target}
    if source == target:
        return {**base, "found": True, "length": 0, "explored": 0, "edges": [],
                "papers": [{"id": source, "title": known[source].title}],
                "message": "The source is the target."}

    parents = ({source: None}, {target: None})
    frontiers = ([source], [target])
    depths = [0, 0]
    edges: dict[tuple[str, str], Neighbor] = {}
    titles = {pid: p.title for pid, p in known.items()}
    explored = 0
    capped = False
    meeting: str | None = None
    while frontiers[0] and frontiers[1] and depths[0] + depths[1] < max_hops:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        mine, other = parents[side], parents[1 - side]
        nxt: list[str] = []
        meets: set[str] = set()
        for u in frontiers[side]:
            if explored >= max_expansions:
                capped = True
                break
            explored += 1
            for n in _neighbors(store, u, relation, fanout):
                v = n.paper_id
                if v == u:
                    continue
                titles.setdefault(v, n.title)
                key = (u, v)
                old = edges.get(key) or (_flipped(edges[(v, u)], v) if (v, u) in edges else None)
                if old is None or n.weight > old.weight:
                    edges[key] = n
                    edges.pop((v, u), None)
                if v not in mine:
                    mine[v] = u
                    nxt.append(v)
                if v in other:
                    meets.add(v)
        depths[side] += 1
        frontiers = (nxt, frontiers[1]) if side == 0 else (frontiers[0], nxt)
        if meets:
            meeting = min(meets)
            break
        if capped:
            break
    if meeting is None:
        if capped:
            why = f"the search cap of {max_expansions} expanded papers was reached"
        elif not frontiers[0] or not frontiers[1]:
            why = "the papers are not connected by these relations"
        else:
            why = f"none within {max_hops} hops"
        return {**base, "found": False, "length": None, "explored": explored, "edges": [], "papers": [],
                "message": f"No path found: {why}."}
    left = _walk(parents[0], meeting)[::-1]
    right = _walk(parents[1], meeting)[1:]
    nodes = left + right
    out_edges = []
    for a, b in zip(nodes, nodes[1:]):
        n = edges.get((a, b)) or _flipped(edges[(b, a)], b)
        out_edges.append({"source": a, "target": b, "relation": n.relation, "weight": float(n.weight),
                          "evidence": evidence(n)})
    return {**base, "found": True, "length": len(nodes) - 1, "explored": explored, "edges": out_edges,
            "papers": [{"id": pid, "title": titles.get(pid, "")} for pid in nodes],
            "message": f"Path of {len(nodes) - 1} edge(s) found after expanding {explored} paper(s)."}


def _walk(parents: dict[str, str | None], node: str) -> list[str]:
    out = [node]
    while parents[out[-1]] is not None:
        out.append(parents[out[-1]])  # type: ignore[arg-type]
    return out


def _flipped(n: Neighbor, other_end: str) -> Neighbor:
    """The same edge seen from the other end (citations change direction)."""
    relation = _FLIP.get(n.relation, n.relation)
    evidence = dict(n.evidence or {})
    if "direction" in evidence:
        evidence["direction"] = relation
    return Neighbor(other_end, "", relation, n.weight, evidence)


def evidence(n: Neighbor) -> dict[str, Any]:
    """The typed evidence of one edge: shared terms, shared keywords or direction."""
    ev = dict(n.evidence or {})
    out: dict[str, Any] = {}
    if n.relation == "similar":
        out["terms"] = [str(t) for t in ev.get("terms", ())]
    elif n.relation == "keywords":
        out["keywords"] = [str(k) for k in ev.get("keywords", ())]
        out["count"] = int(ev.get("count", len(out["keywords"])))
    elif n.relation in ("cites", "cited_by"):
        out["direction"] = n.relation
    return out
