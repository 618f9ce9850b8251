"""Pure builders of page data: papers, the community map, ego networks.

Data in, data out: stored papers, edges and communities become a
:class:`~viz.page_model.PageData`. No store, no HTML.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from typing import Callable, Iterable, Mapping, Sequence

from graph.errors import param_error
from graph.models import Community
from graph.stores.base import StoredPaper
from viz.page_model import (
    EDGE_BUDGET,
    EDGE_KINDS,
    MAP_BUDGET,
    MAP_EDGE_BUDGET,
    MAP_LINKS_PER_COMMUNITY,
    PAGE_KINDS,
    EdgeData,
    GroupEntry,
    LegendEntry,
    NodeData,
    PageData,
    PaperDetail,
    PaperList,
    SearchEntry,
    check_budget,
    community_node_id,
    display_title,
)

__all__ = ["paper_graph", "community_map", "related_graph"]


def _paper_node(sp: StoredPaper, labels: Mapping[int, str], hop: int | None = None) -> NodeData:
    scores = sp.scores
    community = scores.community if scores else None
    return NodeData(
        id=sp.paper.id,
        kind="paper",
        title=display_title(sp.paper),
        year=sp.paper.year,
        keywords=tuple(sp.keywords),
        community=community,
        community_label=labels.get(community, "") if community is not None else "",
        pagerank=scores.pagerank if scores else None,
        x=scores.x if scores else None,
        y=scores.y if scores else None,
        hop=hop,
        paper=sp.paper.id,
    )


def _detail(sp: StoredPaper, labels: Mapping[int, str]) -> PaperDetail:
    p, s = sp.paper, sp.scores
    community = s.community if s else None
    return PaperDetail(
        id=p.id, title=p.title or display_title(p), abstract=p.abstract, authors=tuple(p.authors),
        year=p.year, venue=p.venue, doi=p.doi, url=p.url, keywords=tuple(sp.keywords),
        community=community, community_label=labels.get(community, "") if community is not None else "",
        pagerank=s.pagerank if s else None, bridge=s.bridge if s else None,
    )


def _has_layout(nodes: Sequence[NodeData]) -> bool:
    return bool(nodes) and all(n.x is not None and n.y is not None for n in nodes)


def _legend(nodes: Iterable[NodeData], communities: Sequence[Community]) -> tuple[LegendEntry, ...]:
    """Communities present among ``nodes``, largest first (by drawn members)."""
    drawn: dict[int, int] = defaultdict(int)
    for n in nodes:
        if n.community is not None:
            drawn[n.community] += n.size if n.kind == "community" else 1
    labels = {c.id: c.label for c in communities}
    order = sorted(drawn, key=lambda c: (-drawn[c], c))
    return tuple(LegendEntry(c, labels.get(c, ""), drawn[c]) for c in order)


def _cap_edges(edges: list[EdgeData], budget: int) -> tuple[list[EdgeData], int]:
    """Keep at most ``budget`` edges: citations first, then by weight, ties stable."""
    if len(edges) <= budget:
        return edges, 0
    rank = {k: i for i, k in enumerate(EDGE_KINDS)}
    order = sorted(range(len(edges)), key=lambda i: (rank.get(edges[i].kind, 9), -edges[i].weight, i))
    keep = sorted(order[:budget])
    return [edges[i] for i in keep], len(edges) - budget


def paper_graph(
    papers: Sequence[StoredPaper],
    edges: Iterable[EdgeData],
    communities: Sequence[Community],
    *,
    kind: str = "overview",
    heading: str = "",
    edge_budget: int = EDGE_BUDGET,
    community: int | None = None,
    notes: Sequence[str] = (),
) -> PageData:
    """One node per paper and the given edges among them.

    Edges with an end outside ``papers`` are dropped; above ``edge_budget`` the
    strongest are kept (citations first) and a note says how many were left out.
    """
    if kind not in PAGE_KINDS:
        raise param_error("kind", "paper_graph", f"one of {list(PAGE_KINDS)}", kind)
    check_budget("edge_budget", "paper_graph", edge_budget, 0)
    labels = {c.id: c.label for c in communities}
    nodes = [_paper_node(sp, labels) for sp in papers]
    ids = {n.id for n in nodes}
    kept = [e for e in edges if e.source in ids and e.target in ids]
    kept, dropped = _cap_edges(kept, edge_budget)
    notes = list(notes)
    if dropped:
        notes.append(f"{dropped:,} weaker edges not drawn (edge budget {edge_budget:,}).")
    layout = "stored" if _has_layout(nodes) else "fallback"
    if layout == "fallback":
        nodes = _spiral(nodes)
        if nodes:
            notes.append(_NO_ANALYSIS)
    return PageData(kind=kind, heading=heading, nodes=tuple(nodes), edges=tuple(kept),
                    legend=_legend(nodes, communities), layout=layout, community=community,
                    notes=tuple(notes))


def community_map(
    papers: Sequence[StoredPaper],
    edges: Iterable[EdgeData],
    communities: Sequence[Community],
    *,
    heading: str = "",
    map_budget: int = MAP_BUDGET,
    edge_budget: int = MAP_EDGE_BUDGET,
    links_per_community: int = MAP_LINKS_PER_COMMUNITY,
    top_papers: int = 25,
    search_per_community: int = 10,
) -> PageData:
    """One node per community (the ``map_budget`` largest with 2+ members), placed
    at the mean stored position of its members; edges weighted by the number of
    paper links between two drawn communities: each community's
    ``links_per_community`` strongest, at most ``edge_budget`` in all.

    Also returns the ``top_papers`` papers by PageRank (a side list) and, for the
    search box, the top papers of each drawn community pointing at its node.
    """
    check_budget("map_budget", "community_map", map_budget)
    check_budget("edge_budget", "community_map", edge_budget, 0)
    check_budget("links_per_community", "community_map", links_per_community, 1)
    member_of: dict[str, int] = {}
    xs: dict[int, list[float]] = defaultdict(list)
    ys: dict[int, list[float]] = defaultdict(list)
    by_pagerank = sorted(papers, key=lambda sp: (-(sp.scores.pagerank or 0.0) if sp.scores else 0.0, sp.paper.id))
    for sp in papers:
        s = sp.scores
        if s is None or s.community is None:
            continue
        member_of[sp.paper.id] = s.community
        if s.x is not None and s.y is not None:
            xs[s.community].append(s.x)
            ys[s.community].append(s.y)

    eligible = [c for c in communities if c.size >= 2]
    eligible.sort(key=lambda c: (-c.size, c.id))
    drawn = eligible[:map_budget]
    drawn_ids = {c.id for c in drawn}
    nodes = []
    for c in drawn:
        has_pos = bool(xs.get(c.id))
        nodes.append(NodeData(
            id=community_node_id(c.id), kind="community", title=c.label or f"Community {c.id}",
            keywords=tuple(c.keywords), community=c.id, community_label=c.label,
            x=sum(xs[c.id]) / len(xs[c.id]) if has_pos else None,
            y=sum(ys[c.id]) / len(ys[c.id]) if has_pos else None,
            size=c.size,
        ))

    counts: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in edges:
        a, b = member_of.get(e.source), member_of.get(e.target)
        if a is None or b is None or a == b or a not in drawn_ids or b not in drawn_ids:
            continue
        counts[(a, b) if a < b else (b, a)][e.kind] += 1
    links = []
    for (a, b) in sorted(counts):
        by_kind = counts[(a, b)]
        detail = tuple(f"{_KIND_WORDS[k]}: {by_kind[k]}" for k in EDGE_KINDS if by_kind.get(k))
        links.append(EdgeData(community_node_id(a), community_node_id(b), "community",
                              float(sum(by_kind.values())), detail))
    all_links = len(links)
    links = _strongest_links(links, links_per_community, edge_budget)

    notes = [f"{len(papers):,} papers in {len(communities):,} communities: too many to draw one by one, "
             f"so each node is a community. Open one to see its papers."]
    hidden = len(communities) - len(drawn)
    if hidden:
        notes.append(f"{hidden:,} smaller communities (including single papers) are not drawn.")
    if len(links) < all_links:
        notes.append(f"Showing the {len(links):,} strongest of {all_links:,} links between communities.")
    labels = {c.id: c.label for c in communities}
    top = tuple(_paper_node(sp, labels) for sp in by_pagerank[:top_papers])
    seen: dict[int, int] = defaultdict(int)
    search = []
    for sp in by_pagerank:
        cid = member_of.get(sp.paper.id)
        if cid in drawn_ids and seen[cid] < search_per_community:
            seen[cid] += 1
            search.append(SearchEntry(display_title(sp.paper), community_node_id(cid), sp.paper.id))
    layout = "stored" if _has_layout(nodes) else "fallback"
    if layout == "fallback":
        nodes = _spiral(nodes)
        notes.append(_NO_ANALYSIS)
    return PageData(kind="map", heading=heading, nodes=tuple(nodes), edges=tuple(links),
                    legend=_legend(nodes, communities), layout=layout, notes=tuple(notes),
                    top_papers=top, search=tuple(search))


def _strongest_links(links: list[EdgeData], per_node: int, budget: int) -> list[EdgeData]:
    """Each node's ``per_node`` heaviest links (so small communities keep theirs),
    then the heaviest ``budget`` of those; ordered by (source, target). All of
    them when they fit the budget."""
    if len(links) <= budget:
        return sorted(links, key=lambda e: (e.source, e.target))
    ranked = sorted(range(len(links)), key=lambda i: (-links[i].weight, i))
    kept: set[int] = set()
    used: dict[str, int] = defaultdict(int)
    for i in ranked:
        e = links[i]
        if used[e.source] < per_node or used[e.target] < per_node:
            kept.add(i)
            used[e.source] += 1
            used[e.target] += 1
    chosen = sorted(kept, key=lambda i: (-links[i].weight, i))[:budget]
    return sorted((links[i] for i in chosen), key=lambda e: (e.source, e.target))


_NO_ANALYSIS = ("No stored layout or communities yet: run `citegraph analyze` to colour papers by "
                "community, size them by PageRank and place them.")
_KIND_WORDS = {"similar": "similarity links", "keywords": "shared-keyword links", "cites": "citations"}


def related_graph(
    center: str,
    papers: Sequence[StoredPaper],
    edges: Sequence[EdgeData],
    communities: Sequence[Community],
    reason: Mapping[str, tuple[float, str]],
    *,
    heading: str = "",
    lists: Sequence[PaperList] = (),
    labels: Mapping[int, str] | None = None,
) -> PageData:
    """A paper (at the centre, labelled) and its related papers on a ring in
    rank order, the edges among them, and the side lists. ``reason`` gives each
    related paper's ``(score, main reason)``."""
    labels = labels if labels is not None else {c.id: c.label for c in communities}
    by_id = {sp.paper.id: sp for sp in papers}
    order = [center] + sorted((p for p in by_id if p != center), key=lambda p: (-reason.get(p, (0.0, ""))[0], p))
    nodes = []
    counts: dict[str, int] = defaultdict(int)
    for p in order:
        node = _paper_node(by_id[p], labels, 0 if p == center else 1)
        if p != center and p in reason:
            score, why = reason[p]
            counts[why] += 1
            node = replace(node, note=f"Related: {REASON_WORDS.get(why, why)} (score {score:.2f})",
                           group=REASON_ORDER.index(why) if why in REASON_ORDER else None)
        nodes.append(node)
    groups = tuple(GroupEntry(REASON_ORDER.index(r), REASON_WORDS[r], counts[r], None, REASON_COLORS[r])
                   for r in REASON_ORDER if counts.get(r))
    nodes = _rings(nodes)
    notes = []
    if len(nodes) == 1:
        notes.append("This paper has no similar, keyword or citation links yet.")
    return PageData(kind="paper", heading=heading, nodes=tuple(nodes), edges=tuple(edges),
                    legend=_legend(nodes, communities), layout="radial", focus=center, notes=tuple(notes),
                    paper=_detail(by_id[center], labels), lists=tuple(lists), labelled=tuple(order[:7]),
                    groups=groups)


#: Why a paper is related, in legend order, with words and colours (the edge
#: colours of the same kinds: blue similar, orange keywords, greens citations).
REASON_ORDER = ("similar", "keywords", "cites", "cited_by", "co_cites", "co_cited")
REASON_WORDS = {"similar": "similar abstract", "keywords": "shared keywords", "cites": "cited by this paper",
                "cited_by": "cites this paper", "co_cites": "shares references", "co_cited": "cited together"}
REASON_COLORS = {"similar": "#5b8db8", "keywords": "#e8923a", "cites": "#3f9142", "cited_by": "#8cc97e",
                 "co_cites": "#9b6bb3", "co_cited": "#d4a6c8"}


def _spiral(nodes: Sequence[NodeData]) -> list[NodeData]:
    """Deterministic positions when there is no stored layout: a golden-angle
    spiral, grouped by community (so colours cluster), biggest PageRank first."""
    order = sorted(range(len(nodes)), key=lambda i: (
        nodes[i].community if nodes[i].community is not None else 1 << 30,
        -(nodes[i].pagerank or 0.0), nodes[i].id))
    golden = math.pi * (3 - math.sqrt(5))
    out = list(nodes)
    for rank, i in enumerate(order):
        r = math.sqrt(rank + 0.5)
        out[i] = _moved(nodes[i], r * math.cos(rank * golden), r * math.sin(rank * golden))
    return out


def _rings(nodes: Sequence[NodeData]) -> list[NodeData]:
    """Centre at the origin, each hop on its own ring, evenly spaced in order."""
    by_hop: dict[int, list[int]] = defaultdict(list)
    for i, n in enumerate(nodes):
        by_hop[n.hop or 0].append(i)
    out = list(nodes)
    for hop, idx in by_hop.items():
        for k, i in enumerate(idx):
            angle = 2 * math.pi * k / max(len(idx), 1)
            out[i] = _moved(nodes[i], hop * math.cos(angle), hop * math.sin(angle))
    return out


def _moved(node: NodeData, x: float, y: float) -> NodeData:
    return replace(node, x=round(x, 6), y=round(y, 6))
