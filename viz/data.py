"""What a page needs, read from a store: the graph snapshot and the page data.

:class:`GraphSnapshot` reads every paper (with keywords and scores),
community and edge once; :func:`overview_data`, :func:`community_data` and
:func:`paper_data` turn it into :class:`~viz.page_model.PageData` with the pure
builders of :mod:`viz.build`. :func:`paper_data` can also read a single ego
network straight from the store.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace
from typing import Iterable, Sequence

from graph.errors import CommunityNotFound, PaperNotFound
from graph.models import Community, DerivedGraph
from graph.stores.base import GraphStore, Neighbor, StoredPaper
from graph.related import Work, backbone, derivative_works, prior_works, related_papers, subgroups
from viz.build import REASON_WORDS, community_map, paper_graph, related_graph
from viz.page_model import (
    BACKBONE_PER_NODE,
    COMMUNITY_LABELS,
    COMMUNITY_NODES,
    EDGE_BUDGET,
    MAP_BUDGET,
    NODE_BUDGET,
    RELATED_PAPERS,
    GroupEntry,
    ListItem,
    PaperList,
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

    Built once from ``store.load_edges()``; answers "edges among these ids" and
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

    def degree(self, paper_id: str) -> int:
        """How many edges ``paper_id`` has (all kinds)."""
        return len(self._adj.get(paper_id, ()))

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

    def __init__(self, papers: Sequence[StoredPaper], communities: Sequence[Community], index: EdgeIndex,
                 biblio: DerivedGraph | None = None) -> None:
        self.papers = list(papers)
        self.by_id = {sp.paper.id: sp for sp in self.papers}
        self.communities = list(communities)
        self.index = index
        #: COUPLED and CO_CITED edges (``biblio.coupled``, ``biblio.co_cited``; the
        #: other fields empty): exported (viz.export), not drawn, so they stay out
        #: of ``index``, which the pages read.
        self.biblio = DerivedGraph((), (), (), (), (), coupled=tuple(biblio.coupled) if biblio else (),
                                   co_cited=tuple(biblio.co_cited) if biblio else ())

    @classmethod
    def load(cls, store: GraphStore) -> "GraphSnapshot":
        """Read papers, communities and the paper-to-paper edges from ``store``
        (:meth:`~graph.stores.base.GraphStore.load_edges`: no keyword rows)."""
        derived = store.load_edges()
        return cls(load_papers(store), store.communities(), EdgeIndex(derived), derived)

    def members(self, community_id: int) -> list[StoredPaper]:
        """Papers of a community by PageRank descending. Raises CommunityNotFound."""
        found = next((c for c in self.communities if c.id == community_id), None)
        if found is None:
            raise CommunityNotFound(community_id)
        if getattr(found, "level", 0):  # a subtopic (stores with the topic hierarchy)
            return [sp for sp in self.papers
                    if sp.scores is not None and getattr(sp.scores, "subcommunity", None) == community_id]
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
    # Topics only: subtopics (level 1, stores with the hierarchy) live inside them.
    topics = [c for c in snapshot.communities if getattr(c, "level", 0) == 0]
    n = len(snapshot.papers)
    heading = f"Overview: {n:,} papers"
    if choose_level(n, node_budget) == "papers":
        return paper_graph(snapshot.papers, snapshot.index.edges, topics, kind="overview",
                           heading=heading, edge_budget=edge_budget)
    return community_map(snapshot.papers, snapshot.index.edges, topics, heading=heading,
                         map_budget=map_budget)


def community_data(
    source: GraphStore | GraphSnapshot,
    community_id: int,
    *,
    node_budget: int = COMMUNITY_NODES,
    edge_budget: int = EDGE_BUDGET,
    per_node: int = BACKBONE_PER_NODE,
    labels: int = COMMUNITY_LABELS,
) -> PageData:
    """A community's papers (the ``node_budget`` first by PageRank), coloured by
    subtopic, with a backbone of the edges among them: each paper's ``per_node``
    strongest of each kind. Titles on the canvas for the top ``labels`` papers.
    Raises CommunityNotFound.

    From a snapshot it reads the edge index; from a store it reads the
    community's top ``node_budget`` papers and the edges among them only (a
    cheap first page after a build, without loading the whole graph): the same page.
    """
    check_budget("node_budget", "community_data", node_budget)
    check_budget("per_node", "community_data", per_node)
    if isinstance(source, GraphSnapshot):
        snapshot = source
        members = snapshot.members(community_id)
        total = len(members)
        papers = members[:node_budget]
    else:
        snapshot, total = _community_snapshot(source, community_id, node_budget)
        papers = snapshot.papers
    community = next(c for c in snapshot.communities if c.id == community_id)
    notes = []
    if total > len(papers):
        notes.append(f"Showing the top {len(papers):,} of {total:,} papers by PageRank; "
                     f"{total - len(papers):,} are not drawn.")
    ids = [sp.paper.id for sp in papers]
    every = snapshot.index.among(ids)
    rank = {sp.paper.id: (sp.scores.pagerank if sp.scores else 0.0) for sp in papers}
    keep = backbone([(e.source, e.target, e.kind, e.weight) for e in every], per_node=per_node, rank=rank)
    edges = [every[i] for i in keep]
    if len(edges) < len(every):
        notes.append(f"Edges: each paper's {per_node} strongest of each kind ({len(edges):,} of "
                     f"{len(every):,}).")
    group_of, groups = _groups(snapshot, community, papers, edges)
    label = community.label or f"Community {community.id}"
    page = paper_graph(papers, edges, snapshot.communities, kind="community",
                       heading=f"Community {community.id}: {label}", edge_budget=edge_budget,
                       community=community.id, notes=notes)
    top = _spread_labels(papers, labels)
    nodes = tuple(replace(n, group=group_of.get(n.id)) for n in page.nodes)
    return replace(page, nodes=nodes, groups=groups, labelled=top)


def _community_snapshot(store: GraphStore, community_id: int, limit: int) -> tuple[GraphSnapshot, int]:
    """A snapshot of one community's page: its ``limit`` first papers by PageRank,
    every community, the edges among those papers; and how many members it has.
    Raises CommunityNotFound."""
    communities = store.communities()
    found = next((c for c in communities if c.id == community_id), None)
    if found is None:
        raise CommunityNotFound(community_id)
    # Topics page their members by ``community``, subtopics by ``subcommunity`` (as members()).
    key = "subcommunity" if getattr(found, "level", 0) else "community"
    papers: list[StoredPaper] = []
    total = 0
    while len(papers) < limit:
        size = min(5000, limit - len(papers))
        total, chunk = store.list_papers(sort="pagerank", limit=size, offset=len(papers), **{key: community_id})
        papers.extend(chunk)
        if len(chunk) < size or len(papers) >= total:
            break
    index = EdgeIndex(store.load_edges(among=[sp.paper.id for sp in papers]))
    return GraphSnapshot(papers, communities, index), max(total, len(papers))


def _spread_labels(papers: Sequence[StoredPaper], k: int, *, width: float = 0.55,
                   height: float = 0.035) -> tuple[str, ...]:
    """The ``k`` top papers by PageRank whose labels do not overlap: a paper is
    skipped when its label box (``width`` x ``height`` of the layout's span,
    centred on the node) meets one already chosen. Papers without a position
    are taken in PageRank order."""
    placed = [sp for sp in papers if sp.scores and sp.scores.x is not None and sp.scores.y is not None]
    if not placed:
        return tuple(sp.paper.id for sp in papers[:k])
    xs = [sp.scores.x for sp in placed]
    ys = [sp.scores.y for sp in placed]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    chosen: list[tuple[str, float, float]] = []
    for sp in papers:
        if len(chosen) >= k:
            break
        s = sp.scores
        if s is None or s.x is None or s.y is None:
            continue
        x, y = s.x / span, s.y / span
        if all(abs(x - cx) >= width or abs(y - cy) >= height for _, cx, cy in chosen):
            chosen.append((sp.paper.id, x, y))
    return tuple(pid for pid, _, _ in chosen)


def _groups(snapshot: GraphSnapshot, community: Community, papers: Sequence[StoredPaper],
            edges: Sequence[EdgeData]) -> tuple[dict[str, int], tuple[GroupEntry, ...]]:
    """Colour groups: the stored subtopics when there are, else groups found on
    the page's similarity and keyword edges (labelled by their keywords)."""
    subs = {c.id: c for c in snapshot.communities
            if getattr(c, "level", 0) == 1 and getattr(c, "parent", None) == community.id}
    sub_of = {sp.paper.id: getattr(sp.scores, "subcommunity", None) for sp in papers if sp.scores}
    if subs and any(v in subs for v in sub_of.values()):
        counts: dict[int, int] = defaultdict(int)
        for v in sub_of.values():
            if v in subs:
                counts[v] += 1
        order = sorted(counts, key=lambda c: (-counts[c], c))
        index = {c: i for i, c in enumerate(order)}
        groups = tuple(GroupEntry(index[c], subs[c].label or f"Subtopic {c}", counts[c], c) for c in order)
        return {pid: index[v] for pid, v in sub_of.items() if v in index}, groups
    weights = {"similar": 1.0, "keywords": 0.5, "cites": 0.3}
    group_of, labels = subgroups([sp.paper.id for sp in papers],
                                 [(e.source, e.target, e.weight * weights.get(e.kind, 0.0)) for e in edges],
                                 {sp.paper.id: sp.keywords for sp in papers})
    groups = tuple(GroupEntry(g, lab, size) for g, lab, size in labels)
    return group_of, groups


def paper_data(
    source: GraphStore | GraphSnapshot,
    paper_id: str,
    *,
    related: int = RELATED_PAPERS,
    works: int = 10,
    per_node: int = 200,
) -> PageData:
    """A paper and its ``related`` most related papers (one score, a reason each),
    the edges among them, and its prior and derivative works. Raises PaperNotFound.

    From a snapshot it reads the edge index; from a store it asks for the
    neighbours of the papers it needs (``per_node`` strongest each), so one page
    stays cheap on a big graph without loading the whole graph.
    """
    check_budget("related", "paper_data", related)
    if isinstance(source, GraphSnapshot):
        if paper_id not in source.by_id:
            raise PaperNotFound(paper_id)
        center = source.by_id[paper_id]
        communities = source.communities

        seen: dict[str, list[tuple[str, EdgeData]]] = {}
        degree = source.index.degree

        def neighbours(pid: str) -> list[tuple[str, EdgeData]]:
            # Asked several times per paper (links, citations both ways, edges).
            if pid not in seen:
                seen[pid] = source.index.neighbours(pid)
            return seen[pid]

        def papers(ids: Sequence[str]) -> dict[str, StoredPaper]:
            return {pid: source.by_id[pid] for pid in ids if pid in source.by_id}
    else:
        store = source
        center = store.get_paper(paper_id)
        communities = store.communities()
        memo: dict[str, list[tuple[str, EdgeData]]] = {}

        def degree(pid: str) -> int:
            # Counts up to per_node: the same "more than max_via_degree" answer as a snapshot's.
            return len(neighbours(pid))

        def neighbours(pid: str) -> list[tuple[str, EdgeData]]:
            if pid not in memo:
                memo[pid] = [(nb.paper_id, _edge_of(pid, nb)) for nb in store.neighbors(pid, limit=per_node)]
            return memo[pid]

        def papers(ids: Sequence[str]) -> dict[str, StoredPaper]:
            # One read per paper: the store interface has no bulk read of scored papers by id.
            return {pid: store.get_paper(pid) for pid in ids}

    def links(pid: str) -> list[tuple[str, str, float]]:
        return [(other, _relation(pid, e), e.weight) for other, e in neighbours(pid)]

    ranked = related_papers(paper_id, links, limit=related, degree=degree)
    ids = [paper_id, *(r.paper_id for r in ranked)]

    def cites(pid: str) -> list[str]:
        return [o for o, e in neighbours(pid) if e.kind == "cites" and e.source == pid]

    def cited_by(pid: str) -> list[str]:
        return [o for o, e in neighbours(pid) if e.kind == "cites" and e.target == pid]

    found: dict[tuple[str, str, str], EdgeData] = {}
    keep = set(ids)
    for pid in ids:
        for other, e in neighbours(pid):
            if other in keep:
                found.setdefault((e.source, e.target, e.kind), e)
    every = [found[k] for k in sorted(found)]
    # The focal paper's own links, and a backbone of the links among the others.
    rank = {r.paper_id: r.score for r in ranked}
    keep_i = set(backbone([(e.source, e.target, e.kind, e.weight) for e in every], per_node=3, rank=rank))
    edges = [e for i, e in enumerate(every) if i in keep_i or paper_id in (e.source, e.target)]

    # Years of every candidate work: read the papers the citations point at.
    cand = {q for p in ids for q in (*cites(p), *cited_by(p))} - keep
    stored = papers([*ids, *sorted(cand)])
    years = {pid: sp.paper.year for pid, sp in stored.items()}
    year = center.paper.year
    prior = _works_with_fallback(prior_works, ids, cites, years, before=year, limit=works)
    later = _works_with_fallback(derivative_works, ids, cited_by, years, after=year, limit=works)
    labels = {c.id: c.label for c in communities}

    def item(pid: str, score: float, reason: str) -> ListItem:
        sp = stored[pid]
        return ListItem(pid, display_title(sp.paper, limit=90), sp.paper.year,
                        sp.scores.community if sp.scores else None, round(float(score), 4), reason)

    lists = (
        PaperList("related", "Most related papers",
                  "Ranked by one score: similar abstracts, shared keywords, citations either way, "
                  "shared references and citers.",
                  tuple(item(r.paper_id, r.score, REASON_WORDS[r.reason]) for r in ranked if r.paper_id in stored)),
        PaperList("prior", "Prior works",
                  "Older papers most cited by this paper and its related papers.",
                  tuple(item(w.paper_id, w.count, f"cited by {w.count} of these") for w in prior)),
        PaperList("derivative", "Derivative works",
                  "Newer papers citing many of this paper and its related papers.",
                  tuple(item(w.paper_id, w.count, f"cites {w.count} of these") for w in later)),
    )
    reason = {r.paper_id: (r.score, r.reason) for r in ranked}
    return related_graph(paper_id, [stored[p] for p in ids if p in stored], edges, communities, reason,
                         heading=f"Paper: {display_title(center.paper)}", lists=lists, labels=labels)



def _relation(pid: str, e: EdgeData) -> str:
    if e.kind == "cites":
        return "cites" if e.source == pid else "cited_by"
    return e.kind


def _works_with_fallback(fn, ids, follow, years, *, limit: int, **bound) -> list[Work]:
    """Works found by two or more papers of the neighbourhood (never the focal
    paper ``ids[0]``); on sparse citation graphs where there are none, those found by one."""
    found = [w for w in fn(ids, follow, years, limit=limit + 1, min_count=2, **bound) if w.paper_id != ids[0]]
    if not found:
        found = [w for w in fn(ids, follow, years, limit=limit + 1, min_count=1, **bound) if w.paper_id != ids[0]]
    return found[:limit]


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
