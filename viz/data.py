"""What a page needs, read from a store: the graph snapshot and the page data.

:class:`GraphSnapshot` reads every paper (with keywords and scores),
community and edge once; :func:`overview_data`, :func:`community_data` and
:func:`paper_data` turn it into :class:`~viz.model.PageData` with the pure
builders of :mod:`viz.build`. :func:`paper_data` can also read a single ego
network straight from the store.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Iterable, Sequence

from graph.errors import CommunityNotFound, PaperNotFound
from graph.models import Community, DerivedGraph
from graph.stores.base import GraphStore, Neighbor, StoredPaper
from viz.build import community_map, ego_graph, paper_graph
from viz.model import (
    EDGE_BUDGET,
    EGO_MAX_NODES,
    MAP_BUDGET,
    NODE_BUDGET,
    EdgeData,
    PageData,
    check_budget,
    choose_level,
    display_title,
)

__all__ = [
    "EdgeIndex",
    "GraphSnapshot",
    "load_papers",
    "overview_data",
    "community_data",
    "paper_data",
]

log = logging.getLogger(__name__)


class EdgeIndex:
    """Paper-to-paper edges of a :class:`~graph.models.DerivedGraph`, by paper.

    Built once from ``store.load_derived()``; answers "edges among these ids" and
    "neighbours of this paper" without further store reads (the static site writer
    and the API cache use it for many pages).
    """

    def __init__(self, derived: DerivedGraph) -> None:
        self._adj: dict[str, list[EdgeData]] = defaultdict(list)
        self.edges: list[EdgeData] = []
        for e in derived.cites:
            if e.source != e.target:
                self._add(EdgeData(e.source, e.target, "cites", 1.0))
        for e in derived.similar:
            self._add(EdgeData(e.source, e.target, "similar", float(e.score), tuple(e.terms)))
        for e in derived.shares_keywords:
            self._add(EdgeData(e.source, e.target, "keywords", float(e.jaccard), tuple(e.keywords)))

    def _add(self, edge: EdgeData) -> None:
        self.edges.append(edge)
        self._adj[edge.source].append(edge)
        self._adj[edge.target].append(edge)

    def __len__(self) -> int:
        return len(self.edges)

    def among(self, ids: Iterable[str]) -> list[EdgeData]:
        """Every edge whose two ends are in ``ids``, ordered by (source, target, kind)."""
        keep = set(ids)
        found = {id(e): e for pid in keep for e in self._adj.get(pid, ())
                 if e.source in keep and e.target in keep}
        return sorted(found.values(), key=lambda e: (e.source, e.target, e.kind))

    def neighbours(self, paper_id: str) -> list[tuple[str, EdgeData]]:
        """``(other paper, edge)`` for every edge of ``paper_id``, strongest first."""
        out = [(e.target if e.source == paper_id else e.source, e) for e in self._adj.get(paper_id, ())]
        out.sort(key=lambda t: (-t[1].weight, t[0], t[1].kind))
        return out


# --- reading a store ----------------------------------------------------------------


def load_papers(store: GraphStore, *, community: int | None = None, limit: int | None = None,
                page: int = 5000) -> list[StoredPaper]:
    """Stored papers by PageRank descending (ties by id), all of them or the first
    ``limit``; read in pages of ``page``."""
    out: list[StoredPaper] = []
    while limit is None or len(out) < limit:
        size = page if limit is None else min(page, limit - len(out))
        total, chunk = store.list_papers(community=community, sort="pagerank", limit=size, offset=len(out))
        out.extend(chunk)
        if len(chunk) < size or len(out) >= total:
            break
    return out


class GraphSnapshot:
    """What the pages read, loaded once: every paper (with keywords and scores, by
    PageRank descending), the communities and the edge index.

    The static site writer builds one for all its pages; the API keeps one until
    the store changes.
    """

    def __init__(self, papers: Sequence[StoredPaper], communities: Sequence[Community], index: EdgeIndex) -> None:
        self.papers = list(papers)
        self.by_id = {sp.paper.id: sp for sp in self.papers}
        self.communities = list(communities)
        self.index = index

    @classmethod
    def load(cls, store: GraphStore) -> "GraphSnapshot":
        """Read papers, communities and derived edges from ``store``."""
        return cls(load_papers(store), store.communities(), EdgeIndex(store.load_derived()))

    def members(self, community_id: int) -> list[StoredPaper]:
        """Papers of a community by PageRank descending. Raises CommunityNotFound."""
        if not any(c.id == community_id for c in self.communities):
            raise CommunityNotFound(community_id)
        return [sp for sp in self.papers if sp.scores is not None and sp.scores.community == community_id]


def overview_data(
    snapshot: GraphSnapshot,
    *,
    node_budget: int = NODE_BUDGET,
    edge_budget: int = EDGE_BUDGET,
    map_budget: int = MAP_BUDGET,
) -> PageData:
    """The overview: every paper when they fit ``node_budget``, else the community map."""
    check_budget("node_budget", "overview_data", node_budget)
    n = len(snapshot.papers)
    heading = f"Overview: {n:,} papers"
    if choose_level(n, node_budget) == "papers":
        return paper_graph(snapshot.papers, snapshot.index.edges, snapshot.communities, kind="overview",
                           heading=heading, edge_budget=edge_budget)
    return community_map(snapshot.papers, snapshot.index.edges, snapshot.communities, heading=heading,
                         map_budget=map_budget)


def community_data(
    snapshot: GraphSnapshot,
    community_id: int,
    *,
    node_budget: int = NODE_BUDGET,
    edge_budget: int = EDGE_BUDGET,
) -> PageData:
    """A community's papers (the ``node_budget`` first by PageRank) and the edges
    among them. Raises CommunityNotFound."""
    check_budget("node_budget", "community_data", node_budget)
    members = snapshot.members(community_id)
    community = next(c for c in snapshot.communities if c.id == community_id)
    papers = members[:node_budget]
    notes = []
    if len(members) > len(papers):
        notes.append(f"Showing the top {len(papers):,} of {len(members):,} papers by PageRank.")
    edges = snapshot.index.among(sp.paper.id for sp in papers)
    label = community.label or f"Community {community.id}"
    return paper_graph(papers, edges, snapshot.communities, kind="community",
                       heading=f"Community {community.id}: {label}", edge_budget=edge_budget,
                       community=community.id, notes=notes)


def paper_data(
    source: GraphStore | GraphSnapshot,
    paper_id: str,
    *,
    hops: int = 2,
    max_nodes: int = EGO_MAX_NODES,
    per_node: int = EGO_MAX_NODES,
) -> PageData:
    """The ego network of one paper, from a snapshot or straight from a store.
    Raises PaperNotFound.

    From a store it asks for each node's neighbours (``per_node`` strongest), so a
    single page stays cheap on a big graph without loading the whole graph.
    """
    if isinstance(source, GraphSnapshot):
        if paper_id not in source.by_id:
            raise PaperNotFound(paper_id)
        center = source.by_id[paper_id]
        neighbours = source.index.neighbours
        communities = source.communities

        def papers(ids: Sequence[str]) -> dict[str, StoredPaper]:
            return {pid: source.by_id[pid] for pid in ids if pid in source.by_id}
    else:
        store = source
        center = store.get_paper(paper_id)
        communities = store.communities()

        def neighbours(pid: str) -> list[tuple[str, EdgeData]]:
            return [(nb.paper_id, _edge_of(pid, nb)) for nb in store.neighbors(pid, limit=per_node)]

        def papers(ids: Sequence[str]) -> dict[str, StoredPaper]:
            # One read per paper: the store interface has no bulk read of scored papers by id.
            return {pid: store.get_paper(pid) for pid in ids}

    return ego_graph(paper_id, neighbours, papers, communities, hops=hops, max_nodes=max_nodes,
                     heading=f"Paper: {display_title(center.paper)}")


def _edge_of(pid: str, nb: Neighbor) -> EdgeData:
    evidence = nb.evidence or {}
    if nb.relation == "cites":
        return EdgeData(pid, nb.paper_id, "cites", 1.0)
    if nb.relation == "cited_by":
        return EdgeData(nb.paper_id, pid, "cites", 1.0)
    a, b = sorted((pid, nb.paper_id))
    if nb.relation == "similar":
        return EdgeData(a, b, "similar", float(nb.weight), tuple(evidence.get("terms", ())))
    return EdgeData(a, b, "keywords", float(nb.weight), tuple(evidence.get("keywords", ())))
