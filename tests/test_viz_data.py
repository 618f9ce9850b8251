"""viz.page_model, viz.build, viz.data: what each page draws, exact answers on the tiny hand-made graph."""

from __future__ import annotations

import dataclasses

import pytest

from graph.errors import CommunityNotFound, InvalidParameter, PaperNotFound
from graph.models import CitationEdge, Community, DerivedGraph, Paper, PaperScores, SimilarEdge
from graph.stores.base import StoredPaper
from tests.viz_support import (
    A,
    B,
    COMMUNITIES,
    D,
    DERIVED,
    E,
    F,
    G,
    H,
    IDS,
    load_tiny_graph,
)
from viz.build import community_map, paper_graph
from viz.data import EdgeIndex, GraphSnapshot, community_data, overview_data, paper_data
from viz.page_model import EdgeData, NodeData, choose_level, display_title


@pytest.fixture
def snap(sqlite_store):
    load_tiny_graph(sqlite_store)
    return GraphSnapshot.load(sqlite_store)


def _sp(pid: str, community: int | None = 0, pagerank: float = 0.1, x: float | None = 0.0,
        y: float | None = 0.0, title: str | None = None) -> StoredPaper:
    return StoredPaper(Paper(id=pid, title=pid.upper() if title is None else title),
                       ("kw",), PaperScores(pid, community, 1.0, pagerank, 0.0, 0.0, x, y))


def _pairs(edges):
    return [(e.source, e.target, e.kind) for e in edges]


# --- pure helpers ----------------------------------------------------------------------


def test_level_of_detail_switches_above_the_budget():
    assert choose_level(2000) == "papers"
    assert choose_level(2001) == "communities"
    assert choose_level(3, node_budget=3) == "papers" and choose_level(4, node_budget=3) == "communities"
    with pytest.raises(InvalidParameter, match=r"The 'node_budget' parameter of choose_level must be an int >= 1\. Got 0"):
        choose_level(10, node_budget=0)


def test_display_title_falls_back_to_abstract_then_id():
    assert display_title(Paper(id="x", title="  A   title ")) == "A title"
    assert display_title(Paper(id="x", abstract="Only the abstract. " * 20), limit=25) == "Only the abstract."
    assert display_title(Paper(id="x", abstract="short")) == "short"


def test_edge_index_among_and_neighbours():
    index = EdgeIndex(DERIVED)
    assert len(index) == 10
    assert _pairs(index.among([A, B, H])) == [
        (A, B, "keywords"), (A, B, "similar"), (A, H, "cites"), (A, H, "similar"), (B, A, "cites")]
    assert [(o, e.kind, e.weight) for o, e in index.neighbours(A)] == [
        (B, "cites", 1.0), (B, "keywords", 1.0), (F, "cites", 1.0), (H, "cites", 1.0), (B, "similar", 0.8),
        (H, "similar", 0.3)]
    assert index.neighbours(G) == []


# --- paper graphs ----------------------------------------------------------------------


def test_overview_below_budget_draws_every_paper_and_edge(snap):
    page = overview_data(snap)
    assert page.kind == "overview" and page.layout == "stored"
    assert [n.id for n in page.nodes] == [A, B, H, D, E, F, G]  # PageRank order
    assert len(page.edges) == 10
    a = page.nodes[0]
    assert (a.community, a.community_label, a.pagerank, a.x, a.y, a.keywords) == (
        0, "graph · neural", 0.30, 0.0, 0.0, ("graph", "neural"))
    assert page.nodes[4].title.startswith("Only an abstract here")  # no title: the abstract
    assert [(c.community, c.label, c.size) for c in page.legend] == [
        (0, "graph · neural", 3), (1, "topic · models", 3), (2, "lonely", 1)]


def test_edge_budget_keeps_citations_then_the_strongest():
    papers = [_sp(p) for p in "abcd"]
    edges = [EdgeData("a", "b", "similar", 0.2), EdgeData("a", "c", "similar", 0.9),
             EdgeData("c", "d", "cites", 1.0), EdgeData("b", "d", "keywords", 0.5), EdgeData("a", "z", "cites", 1.0)]
    page = paper_graph(papers, edges, (), edge_budget=2)
    assert _pairs(page.edges) == [("a", "c", "similar"), ("c", "d", "cites")]
    assert page.notes == ("2 weaker edges not drawn (edge budget 2).",)  # a-z has an end outside


def test_missing_layout_falls_back_to_a_deterministic_spiral():
    papers = [_sp(p, x=None, y=None) for p in "abc"]
    page = paper_graph(papers, [], ())
    again = paper_graph(papers, [], ())
    assert page.layout == "fallback"
    assert all(n.x is not None and n.y is not None for n in page.nodes)
    assert [(n.x, n.y) for n in page.nodes] == [(n.x, n.y) for n in again.nodes]
    assert len({(n.x, n.y) for n in page.nodes}) == 3
    assert len(page.notes) == 1 and "run `citegraph analyze`" in page.notes[0]


def test_store_without_analysis_still_draws(sqlite_store):
    from tests.viz_support import DERIVED, PAPERS

    sqlite_store.upsert_papers(PAPERS)
    sqlite_store.replace_derived(DERIVED)
    snap = GraphSnapshot.load(sqlite_store)
    page = overview_data(snap)
    assert (len(page.nodes), len(page.edges), page.layout, page.legend) == (7, 10, "fallback", ())
    assert all(n.community is None and n.pagerank is None for n in page.nodes)
    empty_map = overview_data(snap, node_budget=3)
    assert empty_map.nodes == () and "run `citegraph analyze`" in empty_map.notes[-1]


def test_community_page_has_members_and_their_edges_only(snap):
    page = community_data(snap, 1)
    assert page.kind == "community" and page.community == 1
    assert page.heading == "Community 1: topic · models"
    assert [n.id for n in page.nodes] == [D, E, F]
    assert _pairs(page.edges) == [(D, E, "similar"), (D, F, "keywords"), (E, D, "cites"), (E, F, "similar")]
    with pytest.raises(CommunityNotFound):
        community_data(snap, 9)


def test_community_page_above_budget_shows_the_top_papers(snap):
    page = community_data(snap, 0, node_budget=2)
    assert [n.id for n in page.nodes] == [A, B]
    assert page.notes[0] == "Showing the top 2 of 3 papers by PageRank; 1 are not drawn."
    assert page.labelled == (A, B)


def test_community_page_colours_found_groups_without_subtopics(snap):
    page = community_data(snap, 1)
    # No stored subtopics: groups found on the page's edges, labelled by keywords.
    assert [(g.label, g.size, g.community) for g in page.groups] == [("topic, models", 3, None)]
    assert {n.group for n in page.nodes} == {0}


def test_community_page_backbone_keeps_every_kind(snap):
    page = community_data(snap, 0, per_node=1)
    assert {e.kind for e in page.edges} == {"cites", "similar", "keywords"}


# --- community map -----------------------------------------------------------------------


def test_overview_above_budget_is_a_community_map(snap):
    page = overview_data(snap, node_budget=3)
    assert page.kind == "map"
    assert [(n.id, n.kind, n.size, n.title) for n in page.nodes] == [
        ("community:0", "community", 3, "graph · neural"), ("community:1", "community", 3, "topic · models")]
    c0, c1 = page.nodes
    assert (c0.x, c0.y) == pytest.approx((0.5, 0.5))  # mean of the members' stored positions
    assert (c1.x, c1.y) == pytest.approx((2.5, 11 / 6))
    # f -> a is the one link between the two communities; the singleton is not drawn
    assert [(e.source, e.target, e.kind, e.weight, e.detail) for e in page.edges] == [
        ("community:0", "community:1", "community", 1.0, ("citations: 1",))]
    assert page.notes[1] == "1 smaller communities (including single papers) are not drawn."
    assert [n.id for n in page.top_papers[:3]] == [A, B, H]
    assert [(s.node, s.paper) for s in page.search] == [
        ("community:0", A), ("community:0", B), ("community:0", H),
        ("community:1", D), ("community:1", E), ("community:1", F)]


def test_community_map_budget_and_weights():
    papers = [_sp("a1", 0, x=0, y=0), _sp("a2", 0, x=2, y=0), _sp("b1", 1, x=5, y=5), _sp("b2", 1, x=5, y=7),
              _sp("c1", 2), _sp("c2", 2)]
    from graph.models import Community

    comms = [Community(0, 2, "A", (), 0.1), Community(1, 2, "B", (), 0.1), Community(2, 2, "C", (), 0.1)]
    edges = [EdgeData("a1", "b1", "similar", 0.5), EdgeData("a2", "b2", "similar", 0.7),
             EdgeData("b1", "a1", "cites", 1.0), EdgeData("a1", "a2", "cites", 1.0), EdgeData("a1", "c1", "cites", 1.0)]
    page = community_map(papers, edges, comms, map_budget=2)
    assert [n.id for n in page.nodes] == ["community:0", "community:1"]
    assert [(n.x, n.y) for n in page.nodes] == [(1.0, 0.0), (5.0, 6.0)]
    assert [(e.weight, e.detail) for e in page.edges] == [(3.0, ("citations: 1", "similarity links: 2"))]


# --- paper pages -------------------------------------------------------------------------


def test_paper_page_of_a_paper_with_few_links(snap):
    page = paper_data(snap, E)
    assert page.kind == "paper" and page.focus == E and page.layout == "radial"
    assert [(n.id, n.hop) for n in page.nodes] == [(E, 0), (D, 1), (F, 1)]
    assert _pairs(page.edges) == [(D, E, "similar"), (D, F, "keywords"), (E, D, "cites"), (E, F, "similar")]
    assert page.nodes[0].x == 0.0 and page.nodes[0].y == 0.0
    assert page.paper.id == E and page.paper.community_label == "topic · models"


def test_paper_page_ranks_related_papers_and_lists_works(snap):
    page = paper_data(snap, B)
    # b: similar, keywords and cites a (1.9); f shares b's reference a (0.15).
    assert [(n.id, n.hop) for n in page.nodes] == [(B, 0), (A, 1), (F, 1)]
    assert page.focus == B and page.labelled[0] == B
    assert (B, A, "cites") in _pairs(page.edges) and (F, A, "cites") in _pairs(page.edges)
    lists = {pl.key: pl for pl in page.lists}
    assert [(i.paper, i.reason) for i in lists["related"].items] == [(A, "similar abstract"), (F, "shares references")]
    # a (2020) is cited by b and f; h (1999) by a: both older than b (2021).
    assert [(i.paper, i.reason) for i in lists["prior"].items] == [(A, "cited by 2 of these")]
    assert [i.paper for i in lists["derivative"].items] == []
    assert [n.id for n in paper_data(snap, B, related=1).nodes] == [B, A]
    with pytest.raises(InvalidParameter):
        paper_data(snap, B, related=0)
    with pytest.raises(PaperNotFound):
        paper_data(snap, "nope")


def test_ego_of_an_isolated_paper(snap):
    page = paper_data(snap, G)
    assert [n.id for n in page.nodes] == [G] and page.edges == ()


@pytest.mark.parametrize("center", IDS)
def test_paper_page_from_the_store_equals_one_from_a_snapshot(store, center):
    """Both ways of reading (per-paper store queries, one snapshot) draw the same
    page, on both stores."""
    load_tiny_graph(store)
    from_store = paper_data(store, center)
    from_snapshot = paper_data(GraphSnapshot.load(store), center)
    assert from_store.nodes == from_snapshot.nodes
    assert from_store.edges == from_snapshot.edges
    assert from_store.paper == from_snapshot.paper
    assert from_store.lists == from_snapshot.lists


@pytest.mark.parametrize("budget", [500, 2])
def test_community_page_from_the_store_equals_one_from_a_snapshot(store, budget):
    """The first page after a build reads one community from the store: the same
    page as from a whole snapshot, on both stores (with and without the top-N cut)."""
    load_tiny_graph(store)
    snap = GraphSnapshot.load(store)
    for c in snap.communities:
        assert community_data(store, c.id, node_budget=budget) == community_data(snap, c.id, node_budget=budget)
    with pytest.raises(CommunityNotFound):
        community_data(store, 99)


def test_snapshot_reads_everything(store):
    load_tiny_graph(store)
    snap = GraphSnapshot.load(store)
    assert [sp.paper.id for sp in snap.papers] == [A, B, H, D, E, F, G]
    assert [c.id for c in snap.communities] == [0, 1, 2]
    assert len(snap.index) == 10
    assert [sp.paper.id for sp in snap.members(1)] == [D, E, F]
    assert snap.by_id[A].keywords == ("graph", "neural")


def test_pages_do_not_change_the_snapshot(snap):
    before = (list(snap.papers), list(snap.index.edges), list(snap.communities))
    overview_data(snap), overview_data(snap, node_budget=2), community_data(snap, 0), paper_data(snap, A)
    assert (list(snap.papers), list(snap.index.edges), list(snap.communities)) == before


def test_node_data_is_frozen():
    node = NodeData(id="x", kind="paper", title="t")
    with pytest.raises(AttributeError):
        node.title = "u"  # type: ignore[misc]
    assert COMMUNITIES[0].label == "graph · neural"


# --- the topic hierarchy (Community.level/parent, PaperScores.subcommunity) -----------------


@dataclasses.dataclass(frozen=True, slots=True)
class _HierCommunity(Community):
    level: int = 0
    parent: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class _HierScores(PaperScores):
    subcommunity: int | None = None


def _hier_snapshot() -> GraphSnapshot:
    """Topic 0 with subtopics 2 (a, b, c) and 3 (d, e); topic 1 (f) without any."""
    subs = {"a": 2, "b": 2, "c": 2, "d": 3, "e": 3, "f": None}
    papers = [StoredPaper(Paper(id=p, title=p.upper()), ("kw",),
                          _HierScores(p, 1 if p == "f" else 0, 1.0, 0.5 - i / 20, 0.0, 0.0, float(i), 0.0,
                                      subcommunity=subs[p]))
              for i, p in enumerate("abcdef")]
    communities = [_HierCommunity(0, 5, "topic zero", (), 0.4), _HierCommunity(1, 1, "topic one", (), 0.4),
                   _HierCommunity(2, 3, "sub two", (), 0.4, level=1, parent=0),
                   _HierCommunity(3, 2, "sub three", (), 0.4, level=1, parent=0)]
    derived = DerivedGraph(keywords=(), has_keyword=(), shares_keywords=(),
                           similar=(SimilarEdge("a", "b", 0.9, ()), SimilarEdge("d", "e", 0.8, ())),
                           cites=(CitationEdge("c", "a"),))
    return GraphSnapshot(papers, communities, EdgeIndex(derived))


def test_community_page_colours_stored_subtopics():
    page = community_data(_hier_snapshot(), 0)
    assert [(g.index, g.label, g.size, g.community) for g in page.groups] == [
        (0, "sub two", 3, 2), (1, "sub three", 2, 3)]
    assert {n.id: n.group for n in page.nodes} == {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1}


def test_subtopic_page_draws_its_members():
    snap = _hier_snapshot()
    assert [n.id for n in community_data(snap, 3).nodes] == ["d", "e"]
    # a topic without subtopics falls back to groups found on the page
    assert all(g.community is None for g in community_data(snap, 1).groups)


def test_subtopic_legend_links_each_subtopic_page():
    from viz.pages import ApiLinks
    from viz.render import render_page

    html = render_page(community_data(_hier_snapshot(), 0), ApiLinks())
    assert '"legendTitle": "Subtopics"' in html
    assert '{"color": "#4e79a7", "label": "sub two", "size": 3, "url": "/viz/communities/2"}' in html
