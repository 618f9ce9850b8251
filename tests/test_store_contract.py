"""The one contract every GraphStore keeps, run against the embedded store and Neo4j.

Tiny hand-made graph (5 papers), exact expected answers. The ``store`` fixture
(tests/conftest.py) yields an opened, empty store of each kind.
"""

from __future__ import annotations

import pytest

from graph.errors import CommunityNotFound, InvalidParameter, KeywordNotFound, PaperNotFound
from graph.models import (
    AnalysisResult,
    CitationEdge,
    Community,
    DerivedGraph,
    Keyword,
    KeywordScore,
    Paper,
    PaperScores,
    RunRecord,
    SharedKeywordsEdge,
    SimilarEdge,
)
from graph.stores.base import EDGE_COUNT_KEYS, KeywordInfo, Neighbor, StoredPaper

# -- the tiny graph ---------------------------------------------------------------

P1 = Paper(
    id="p1",
    title="Graph neural networks for citation analysis",
    abstract="We study message passing over citation graphs.",
    authors=("Ada Lovelace", "Alan Turing"),
    year=2020,
    venue="NeurIPS",
    doi="10.1000/gnn",
    url="https://example.org/p1",
    label="ml",
    references=("p2", "10.1000/unknown"),
    extra={"source_id": "S1", "pages": 12, "open_access": True, "impact": 0.5},
)
P2 = Paper(
    id="p2",
    title="Community detection in large networks",
    abstract="Louvain modularity optimisation finds clusters quickly.",
    authors=("Vincent Blondel",),
    year=2019,
    arxiv_id="2101.00001",
)
P3 = Paper(
    id="p3",
    title="Zürich café: Ünïcode títle ✓",
    abstract="Spectral clustering of keyword graphs — naïve façade, 李雷.",
    authors=("Jürgen Müller", "李雷"),
    venue="Ærø Journal",
)
P4 = Paper(id="p4", title="Bridges between communities", abstract="Participation coefficient measures bridging.",
           year=2021)
P5 = Paper(id="p5", title="", abstract="Only an abstract about quantum gravity and strings.", year=2018)
PAPERS = (P1, P2, P3, P4, P5)
IDS = ["p1", "p2", "p3", "p4", "p5"]

DERIVED = DerivedGraph(
    keywords=(
        Keyword("graph", 3), Keyword("citation", 1), Keyword("community", 2), Keyword("cluster", 2),
        Keyword("bridge", 1), Keyword("graph neural network", 1),
    ),
    has_keyword=(
        KeywordScore("p1", "graph", 0.9), KeywordScore("p1", "graph neural network", 0.8),
        KeywordScore("p1", "citation", 0.7), KeywordScore("p2", "community", 0.9),
        KeywordScore("p2", "cluster", 0.6), KeywordScore("p2", "graph", 0.3),
        KeywordScore("p3", "cluster", 0.8), KeywordScore("p3", "graph", 0.5),
        KeywordScore("p4", "community", 0.7), KeywordScore("p4", "bridge", 0.9),
    ),
    similar=(
        SimilarEdge("p1", "p2", 0.5, ("graph", "network")),
        SimilarEdge("p1", "p3", 0.3, ("graph",)),
        SimilarEdge("p2", "p4", 0.8, ("community",)),
    ),
    shares_keywords=(
        SharedKeywordsEdge("p2", "p3", 2, 0.75, ("cluster", "graph")),
        SharedKeywordsEdge("p1", "p2", 1, 0.25, ("graph",)),
    ),
    cites=(CitationEdge("p1", "p2"), CitationEdge("p1", "p4"), CitationEdge("p3", "p1"), CitationEdge("p4", "p2")),
    unresolved_references=1,  # p1 cites 10.1000/unknown
)

COMMUNITIES = (
    Community(0, 1, "graph, citation", ("graph", "citation"), 0.375, ("p1",)),
    Community(1, 2, "cluster, community", ("cluster", "community"), 0.375, ("p2", "p3")),
    Community(2, 1, "bridge", ("bridge",), 0.375, ("p4",)),
)
SCORES = (
    PaperScores("p1", 0, 3.0, 0.3, 0.5, 0.0, 1.0, -1.0),
    PaperScores("p2", 1, 4.0, 0.4, 0.25, 0.5),
    PaperScores("p3", 1, 2.0, 0.1, 0.0, 0.25),
    PaperScores("p4", 2, 2.0, 0.2, 0.0, 0.75),
)
ANALYSIS = AnalysisResult(COMMUNITIES, SCORES, 0.375, {"method": "louvain", "seed": 0})


def _sorted_derived(d: DerivedGraph) -> tuple:
    return (
        sorted(d.keywords, key=lambda k: k.name),
        sorted(d.has_keyword, key=lambda h: (h.paper_id, h.keyword)),
        sorted(d.similar, key=lambda e: (e.source, e.target)),
        sorted(d.shares_keywords, key=lambda e: (e.source, e.target)),
        sorted(d.cites, key=lambda e: (e.source, e.target)),
        d.unresolved_references,
    )


@pytest.fixture
def loaded(store):
    """The store with papers and derived edges (no analysis yet)."""
    store.upsert_papers([P3, P5, P1, P4, P2])
    store.replace_derived(DERIVED)
    return store


@pytest.fixture
def analyzed(loaded):
    loaded.write_analysis(ANALYSIS)
    return loaded


# -- lifecycle and counts -------------------------------------------------------------


def test_empty_store_counts_every_key_in_order(store):
    store.ping()
    counts = store.counts()
    assert list(counts) == ["papers", "keywords", "communities", "references", *EDGE_COUNT_KEYS]
    assert set(counts.values()) == {0}


def test_counts_after_build_and_analysis(analyzed):
    assert analyzed.counts() == {
        "papers": 5, "keywords": 6, "communities": 3, "HAS_KEYWORD": 10, "SIMILAR_TO": 3,
        "SHARES_KEYWORDS": 2, "CITES": 4, "IN_COMMUNITY": 4, "COUPLED": 0, "CO_CITED": 0,
        "references": 0, "REFERENCES": 0,
    }


def test_clear_deletes_everything(analyzed):
    analyzed.record_run(RunRecord("build", "2024-01-01T00:00:00+00:00", 1.0, {}, {}, {}))
    analyzed.clear()
    assert set(analyzed.counts().values()) == {0}
    assert list(analyzed.iter_papers()) == []
    assert analyzed.runs() == []


# -- papers ------------------------------------------------------------------------------


def test_upsert_get_round_trip_keeps_every_field(store):
    assert store.upsert_papers(PAPERS, batch_size=2) == 5
    got = store.get_papers(IDS + ["missing"])
    assert got == {p.id: p for p in PAPERS}
    assert got["p3"].authors == ("Jürgen Müller", "李雷")
    assert got["p1"].extra == {"source_id": "S1", "pages": 12, "open_access": True, "impact": 0.5}
    assert got["p5"].title == "" and got["p5"].doi is None and got["p5"].authors == ()
    assert store.get_papers([]) == {}


def test_reupsert_is_idempotent(store):
    store.upsert_papers(PAPERS)
    before = store.counts()
    assert store.upsert_papers(PAPERS, batch_size=1) == 5
    assert store.counts() == before
    assert list(store.iter_papers()) == list(PAPERS)


def test_upsert_replaces_the_record_and_its_text_index(store):
    store.upsert_papers(PAPERS)
    renamed = Paper(id="p4", title="Brokerage in social graphs", abstract="Structural holes.", year=2022)
    store.upsert_papers([renamed])
    assert store.counts()["papers"] == 5
    assert store.get_papers(["p4"]) == {"p4": renamed}
    assert [pid for pid, _ in store.fulltext("brokerage")] == ["p4"]
    assert store.fulltext("participation") == []


def test_ids_by_title_key(store):
    store.upsert_papers(PAPERS)
    keys = [P1.title_key, P3.title_key, "no such title", ""]
    assert P3.title_key == "zurich cafe unicode title"
    # An empty key (untitled paper) never matches: it would merge every untitled paper.
    assert store.ids_by_title_key(keys) == {P1.title_key: "p1", P3.title_key: "p3"}


def test_reference_index_names_every_alias(store):
    store.upsert_papers(PAPERS)
    assert store.reference_index() == {
        "p1": "p1", "10.1000/gnn": "p1", "doi:10.1000/gnn": "p1", "S1": "p1",
        "p2": "p2", "2101.00001": "p2", "arxiv:2101.00001": "p2",
        "p3": "p3", "p4": "p4", "p5": "p5",
    }


def test_iter_papers_is_ordered_by_id(store):
    store.upsert_papers([P5, P3, P1, P4, P2])
    assert [p.id for p in store.iter_papers()] == IDS
    assert list(store.iter_papers()) == list(PAPERS)


# -- derived graph ---------------------------------------------------------------------------


def test_load_derived_round_trip(loaded):
    got = loaded.load_derived()
    assert _sorted_derived(got) == _sorted_derived(DERIVED)
    assert loaded.load_derived() == got  # deterministic order


def test_load_edges_is_load_derived_without_keywords(loaded):
    full = loaded.load_derived()
    got = loaded.load_edges()
    assert full.keywords and full.has_keyword  # the tiny graph has keyword rows to skip
    assert got.keywords == () and got.has_keyword == ()
    # The edges exactly as load_derived gives them: same rows, same order, same evidence.
    assert (got.similar, got.shares_keywords, got.cites) == (full.similar, full.shares_keywords, full.cites)
    assert got.unresolved_references == full.unresolved_references
    assert got.similar and got.shares_keywords and got.cites


def test_load_edges_base_fallback_matches_store(loaded):
    # A store without its own light read (the GraphStore fallback) answers the same.
    from graph.stores.base import GraphStore

    assert GraphStore.load_edges(loaded) == loaded.load_edges()


def test_load_edges_among_keeps_edges_with_both_ends_inside(loaded):
    full = loaded.load_edges()
    for among in (["p1", "p2"], ["p1", "p2", "p3", "missing"], ["p4"], []):
        keep = set(among)

        def inside(edges):
            return tuple(e for e in edges if e.source in keep and e.target in keep)

        got = loaded.load_edges(among=among)
        assert (got.similar, got.shares_keywords, got.cites) == (
            inside(full.similar), inside(full.shares_keywords), inside(full.cites)), among
        assert got.keywords == () and got.has_keyword == ()
    assert loaded.load_edges(among=iter(["p2", "p1"])).similar  # any iterable; p1-p2 is similar
    assert loaded.load_edges(among=IDS) == full
    # The fallback of stores without their own read gives the same.
    from graph.stores.base import GraphStore

    assert GraphStore.load_edges(loaded, among=["p1", "p2", "p3"]) == loaded.load_edges(among=["p1", "p2", "p3"])


def test_load_edges_of_empty_store(store):
    got = store.load_edges()
    assert (got.keywords, got.has_keyword, got.similar, got.shares_keywords, got.cites) == ((),) * 5


def test_replace_derived_twice_gives_no_duplicates(loaded):
    before = loaded.counts()
    loaded.replace_derived(DERIVED)
    assert loaded.counts() == before
    assert _sorted_derived(loaded.load_derived()) == _sorted_derived(DERIVED)


def test_replace_derived_changes_overlapping_graph_and_back(loaded):
    # The Neo4j store writes only the difference to what is stored: changed df, score, terms,
    # count/jaccard/keywords, removed and new edges and keywords must all land, and going back
    # must give the first graph exactly.
    changed = DerivedGraph(
        keywords=(Keyword("graph", 2), Keyword("community", 2), Keyword("cluster", 2), Keyword("strings", 1)),
        has_keyword=(
            KeywordScore("p1", "graph", 0.95), KeywordScore("p2", "community", 0.9),
            KeywordScore("p2", "cluster", 0.6), KeywordScore("p3", "cluster", 0.8),
            KeywordScore("p3", "graph", 0.4), KeywordScore("p4", "community", 0.7),
            KeywordScore("p5", "strings", 0.6),
        ),
        similar=(
            SimilarEdge("p1", "p2", 0.55, ("graph",)),  # score and terms changed
            SimilarEdge("p2", "p4", 0.8, ("community",)),  # unchanged
            SimilarEdge("p3", "p5", 0.2, ("strings",)),  # new; p1-p3 removed
        ),
        shares_keywords=(SharedKeywordsEdge("p2", "p3", 1, 0.5, ("cluster",)),),  # changed; p1-p2 removed
        cites=(CitationEdge("p1", "p2"), CitationEdge("p5", "p1")),
    )
    loaded.replace_derived(changed)
    assert _sorted_derived(loaded.load_derived()) == _sorted_derived(changed)
    assert loaded.counts()["HAS_KEYWORD"] == 7 and loaded.counts()["keywords"] == 4
    loaded.replace_derived(DERIVED)
    assert _sorted_derived(loaded.load_derived()) == _sorted_derived(DERIVED)
    assert loaded.counts()["keywords"] == len(DERIVED.keywords)


def test_replace_derived_removes_old_edges_and_keeps_papers_and_scores(analyzed):
    smaller = DerivedGraph(
        keywords=(Keyword("strings", 1),),
        has_keyword=(KeywordScore("p5", "strings", 0.6),),
        similar=(SimilarEdge("p3", "p5", 0.2, ("strings",)),),
        shares_keywords=(),
        cites=(CitationEdge("p5", "p1"),),
    )
    analyzed.replace_derived(smaller)
    assert _sorted_derived(analyzed.load_derived()) == _sorted_derived(smaller)
    counts = analyzed.counts()
    assert counts == {
        "papers": 5, "keywords": 1, "communities": 3, "HAS_KEYWORD": 1, "SIMILAR_TO": 1,
        "SHARES_KEYWORDS": 0, "CITES": 1, "IN_COMMUNITY": 4, "COUPLED": 0, "CO_CITED": 0,
        "references": 0, "REFERENCES": 0,
    }
    assert analyzed.get_papers(IDS) == {p.id: p for p in PAPERS}
    assert analyzed.get_paper("p1").scores == SCORES[0]
    with pytest.raises(KeywordNotFound):
        analyzed.keyword_papers("graph")


def test_add_derived_merges(loaded):
    extra = DerivedGraph(
        keywords=(Keyword("graph", 4), Keyword("strings", 1)),
        has_keyword=(KeywordScore("p5", "strings", 0.6), KeywordScore("p5", "graph", 0.1)),
        similar=(SimilarEdge("p1", "p2", 0.5, ("graph", "network")),),  # already there
        shares_keywords=(),
        cites=(CitationEdge("p5", "p1"), CitationEdge("p1", "p2")),  # second already there
        unresolved_references=2,
    )
    loaded.add_derived(extra)
    got = loaded.load_derived()
    expected_keywords = sorted([*(k for k in DERIVED.keywords if k.name != "graph"), Keyword("graph", 4),
                                Keyword("strings", 1)], key=lambda k: k.name)
    assert sorted(got.keywords, key=lambda k: k.name) == expected_keywords
    assert sorted(got.has_keyword, key=lambda h: (h.paper_id, h.keyword)) == sorted(
        [*DERIVED.has_keyword, *extra.has_keyword], key=lambda h: (h.paper_id, h.keyword))
    assert sorted(got.similar, key=lambda e: (e.source, e.target)) == sorted(
        DERIVED.similar, key=lambda e: (e.source, e.target))
    assert sorted(got.cites, key=lambda e: (e.source, e.target)) == sorted(
        [*DERIVED.cites, CitationEdge("p5", "p1")], key=lambda e: (e.source, e.target))
    assert got.unresolved_references == 3  # added to the stored count
    assert loaded.counts()["CITES"] == 5
    assert loaded.keyword_papers("graph") == [("p1", 0.9), ("p3", 0.5), ("p2", 0.3), ("p5", 0.1)]


# -- analysis --------------------------------------------------------------------------------


def test_write_analysis_round_trip(analyzed):
    assert analyzed.communities() == [COMMUNITIES[1], COMMUNITIES[0], COMMUNITIES[2]]
    assert analyzed.get_paper("p1").scores == SCORES[0]
    assert analyzed.get_paper("p2").scores == SCORES[1]
    assert analyzed.get_paper("p5").scores is None


def test_write_analysis_replaces_everything(analyzed):
    second = AnalysisResult(
        (Community(5, 2, "graph", ("graph",), 0.125, ("p2", "p1")),),
        (PaperScores("p1", 5, 1.0, 0.45, 0.0, 0.0), PaperScores("p2", 5, 1.0, 0.55, 0.0, 0.0)),
        0.125,
    )
    analyzed.write_analysis(second)
    assert analyzed.communities() == list(second.communities)
    for old in (0, 1, 2):
        with pytest.raises(CommunityNotFound):
            analyzed.community(old)
    assert analyzed.community(5) == (second.communities[0], ["p2", "p1"])
    assert analyzed.get_paper("p3").scores is None
    assert analyzed.get_paper("p4").scores is None
    assert analyzed.rankings("pagerank") == [("p2", 0.55), ("p1", 0.45)]
    counts = analyzed.counts()
    assert (counts["communities"], counts["IN_COMMUNITY"]) == (1, 2)
    assert analyzed.list_papers(community=1) == (0, [])


def test_runs_newest_first(store):
    runs = [
        RunRecord("build", "2024-01-01T10:00:00+00:00", 1.5, {"k": 8, "edges": ["similar", "keywords"]},
                  {"papers": 5}, {"citegraph": "0.1.0"}),
        RunRecord("analyze", "2024-01-03T10:00:00+00:00", 0.25, {"seed": 0}, {"communities": 3},
                  {"networkx": "3.2"}),
        RunRecord("build", "2024-01-02T10:00:00+00:00", 2.0, {}, {}, {}),
    ]
    for run in runs:
        store.record_run(run)
    assert store.runs() == [runs[1], runs[2], runs[0]]
    assert store.runs(limit=1) == [runs[1]]


# -- reads -------------------------------------------------------------------------------------


def test_get_paper_with_keywords_and_scores(analyzed):
    assert analyzed.get_paper("p1") == StoredPaper(P1, ("graph", "graph neural network", "citation"), SCORES[0])
    assert analyzed.get_paper("p5") == StoredPaper(P5, (), None)


def test_get_paper_before_analysis_has_no_scores(loaded):
    assert loaded.get_paper("p2") == StoredPaper(P2, ("community", "cluster", "graph"), None)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("id", ["p1", "p2", "p3", "p4", "p5"]),
        ("title", ["p5", "p4", "p2", "p1", "p3"]),  # "" < "Bridges" < "Community" < "Graph" < "Zürich"
        ("year", ["p5", "p2", "p1", "p4", "p3"]),  # ascending, missing year last
        ("pagerank", ["p2", "p1", "p4", "p3", "p5"]),  # scores descending, missing last
        ("degree", ["p2", "p1", "p3", "p4", "p5"]),  # tie p3/p4 by id
        ("betweenness", ["p1", "p2", "p3", "p4", "p5"]),
        ("bridge", ["p4", "p2", "p3", "p1", "p5"]),
    ],
)
def test_list_papers_sorts(analyzed, sort, expected):
    total, page = analyzed.list_papers(sort=sort)
    assert total == 5
    assert [sp.paper.id for sp in page] == expected


def test_list_papers_filters_and_pages(analyzed):
    total, page = analyzed.list_papers(q="COMMUNIT")
    assert (total, [sp.paper.id for sp in page]) == (2, ["p2", "p4"])
    total, page = analyzed.list_papers(q="zürich")
    assert (total, [sp.paper.id for sp in page]) == (1, ["p3"])
    total, page = analyzed.list_papers(community=1)
    assert (total, [sp.paper.id for sp in page]) == (2, ["p2", "p3"])
    total, page = analyzed.list_papers(q="networks", community=1)
    assert (total, [sp.paper.id for sp in page]) == (1, ["p2"])
    total, page = analyzed.list_papers(limit=2, offset=1)
    assert (total, [sp.paper.id for sp in page]) == (5, ["p2", "p3"])
    assert analyzed.list_papers(offset=10) == (5, [])
    assert analyzed.list_papers(q="no such words") == (0, [])


def test_list_papers_items_carry_keywords_and_scores(analyzed):
    _, page = analyzed.list_papers(limit=1)
    assert page == [StoredPaper(P1, ("graph", "graph neural network", "citation"), SCORES[0])]


def test_neighbors_all_relations_ordered(loaded):
    assert loaded.neighbors("p1") == [
        Neighbor("p2", P2.title, "cites", 1.0, {"direction": "cites"}),
        Neighbor("p3", P3.title, "cited_by", 1.0, {"direction": "cited_by"}),
        Neighbor("p4", P4.title, "cites", 1.0, {"direction": "cites"}),
        Neighbor("p2", P2.title, "similar", 0.5, {"terms": ["graph", "network"]}),
        Neighbor("p3", P3.title, "similar", 0.3, {"terms": ["graph"]}),
        Neighbor("p2", P2.title, "keywords", 0.25, {"keywords": ["graph"], "count": 1}),
    ]


def test_neighbors_limit_and_min_weight(loaded):
    assert [(n.paper_id, n.relation) for n in loaded.neighbors("p1", limit=2)] == [("p2", "cites"), ("p3", "cited_by")]
    assert [(n.paper_id, n.relation) for n in loaded.neighbors("p1", min_weight=0.5)] == [
        ("p2", "cites"), ("p3", "cited_by"), ("p4", "cites"), ("p2", "similar")]
    assert loaded.neighbors("p1", relation="similar", min_weight=0.9) == []


def test_neighbors_each_relation_both_directions(loaded):
    # Undirected edges are found from either end.
    assert loaded.neighbors("p2", relation="similar") == [
        Neighbor("p4", P4.title, "similar", 0.8, {"terms": ["community"]}),
        Neighbor("p1", P1.title, "similar", 0.5, {"terms": ["graph", "network"]}),
    ]
    assert loaded.neighbors("p3", relation="keywords") == [
        Neighbor("p2", P2.title, "keywords", 0.75, {"keywords": ["cluster", "graph"], "count": 2}),
    ]
    assert [n.paper_id for n in loaded.neighbors("p2", relation="cited_by")] == ["p1", "p4"]
    assert loaded.neighbors("p2", relation="cites") == []
    assert [n.paper_id for n in loaded.neighbors("p1", relation="cites")] == ["p2", "p4"]
    assert loaded.neighbors("p5") == []


def test_fulltext_finds_title_and_abstract_words(loaded):
    assert [pid for pid, _ in loaded.fulltext("Bridges")] == ["p4"]  # title word
    assert [pid for pid, _ in loaded.fulltext("louvain")] == ["p2"]  # abstract word, any case
    assert [pid for pid, _ in loaded.fulltext("gravity")] == ["p5"]  # paper without title
    hits = loaded.fulltext("louvain participation")  # any word matches
    assert sorted(pid for pid, _ in hits) == ["p2", "p4"]
    assert all(isinstance(score, float) for _, score in hits)
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)
    assert loaded.fulltext("no-such-word-anywhere") == []


def test_fulltext_ranks_and_limits(loaded):
    # "citation" is in p1's title and abstract and nowhere else.
    hits = loaded.fulltext("citation")
    assert [pid for pid, _ in hits] == ["p1"]
    assert len(loaded.fulltext("louvain participation", limit=1)) == 1


def test_fulltext_ties_break_by_id_at_the_limit(store):
    # The Neo4j store asks Lucene for limit+1 hits and re-ranks when the extra hit ties the last
    # kept one: equal scores must still come back in id order, whatever the limit.
    tied = [Paper(id=pid, title="alpha beta") for pid in ("z9", "c3", "a1", "m5", "b2")]
    store.upsert_papers([*tied, Paper(id="q", title="alpha alpha beta gamma", abstract="alpha")])
    assert [pid for pid, _ in store.fulltext("alpha", limit=2)] == ["q", "a1"]
    assert [pid for pid, _ in store.fulltext("alpha", limit=3)] == ["q", "a1", "b2"]


@pytest.mark.parametrize(
    "query",
    ['"', 'AND (', '*', 'NEAR(', 'title:graph', '-', ')', "'", 'OR', 'a AND', '"unclosed', '(a OR', '^', '~2',
     '\\', '[x TO y]', '{', '!', '&&', '||', '/', 'NOT', '', '   ', '\x00', 'graph*', 'NEAR(graph citation, 2)'],
)
def test_fulltext_hostile_input_never_raises(loaded, query):
    hits = loaded.fulltext(query)
    assert isinstance(hits, list)
    assert all(isinstance(pid, str) and isinstance(score, float) for pid, score in hits)


def test_fulltext_syntax_characters_around_words_still_match(loaded):
    assert [pid for pid, _ in loaded.fulltext('louvain" NEAR( * (')] == ["p2"]


def test_communities_community_rankings(analyzed):
    assert [c.id for c in analyzed.communities()] == [1, 0, 2]  # size desc, ties by id
    assert analyzed.community(1) == (COMMUNITIES[1], ["p2", "p3"])
    assert analyzed.community(0) == (COMMUNITIES[0], ["p1"])
    assert analyzed.rankings("pagerank") == [("p2", 0.4), ("p1", 0.3), ("p4", 0.2), ("p3", 0.1)]
    assert analyzed.rankings("degree") == [("p2", 4.0), ("p1", 3.0), ("p3", 2.0), ("p4", 2.0)]
    assert analyzed.rankings("betweenness", limit=2) == [("p1", 0.5), ("p2", 0.25)]
    assert analyzed.rankings("bridge") == [("p4", 0.75), ("p2", 0.5), ("p3", 0.25), ("p1", 0.0)]


def test_map_reads_equal_the_generic_reads(analyzed):
    """map_papers / similar_pairs (one light read each, for the corpus map) return
    what the list_papers / load_derived fallbacks of the base class return."""
    from graph.stores.base import GraphStore

    rows = analyzed.map_papers()
    assert rows == GraphStore.map_papers(analyzed)
    assert [r.id for r in rows] == ["p2", "p1", "p4", "p3", "p5"]  # PageRank descending, unscored last
    assert analyzed.similar_pairs() == GraphStore.similar_pairs(analyzed)
    assert analyzed.similar_pairs() and all(isinstance(s, float) for _, _, s in analyzed.similar_pairs())


def test_rankings_empty_before_analysis(loaded):
    assert loaded.rankings("pagerank") == []
    assert loaded.communities() == []


def test_keywords_by_df_then_name(loaded):
    assert loaded.keywords() == [
        KeywordInfo("graph", 3), KeywordInfo("cluster", 2), KeywordInfo("community", 2),
        KeywordInfo("bridge", 1), KeywordInfo("citation", 1), KeywordInfo("graph neural network", 1),
    ]
    assert loaded.keywords(prefix="c") == [KeywordInfo("cluster", 2), KeywordInfo("community", 2),
                                           KeywordInfo("citation", 1)]
    assert loaded.keywords(prefix="graph", limit=1) == [KeywordInfo("graph", 3)]
    assert loaded.keywords(prefix="zzz") == []


def test_keyword_papers(loaded):
    assert loaded.keyword_papers("graph") == [("p1", 0.9), ("p3", 0.5), ("p2", 0.3)]
    assert loaded.keyword_papers("graph", limit=1, offset=1) == [("p3", 0.5)]
    assert loaded.keyword_papers("graph", offset=5) == []


def test_batched_keyword_reads(loaded):
    """One read for the holders of many keywords and the keywords of many papers
    (an incremental add used to read them one by one)."""
    assert loaded.keyword_holders(["graph", "community", "nope"]) == {
        "community": ["p2", "p4"], "graph": ["p1", "p2", "p3"]}
    assert loaded.paper_keywords(["p1", "p4", "nope"]) == {
        "p1": ("graph", "graph neural network", "citation"), "p4": ("bridge", "community")}
    assert loaded.keyword_holders([]) == {} and loaded.paper_keywords([]) == {}


def test_paper_communities_in_one_read(loaded):
    """The topic of many papers at once (GET /authors/{id} read its up to 500 papers one by one)."""
    assert loaded.paper_communities(["p1", "p2"]) == {}  # not analysed yet
    loaded.write_analysis(ANALYSIS)
    assert loaded.paper_communities(["p4", "p1", "p5", "nope", "p2"]) == {"p1": 0, "p2": 1, "p4": 2}
    assert loaded.paper_communities([]) == {}


def test_keyword_years_counts_papers_per_keyword_and_year(loaded):
    """The timeline's keyword series in one aggregate read (the first /timeline on
    hepth read the whole derived graph for it); undated papers under None."""
    from graph.stores.base import GraphStore

    assert loaded.keyword_years(min_papers=2) == [
        ("cluster", None, 1), ("cluster", 2019, 1),
        ("community", 2019, 1), ("community", 2021, 1),
        ("graph", None, 1), ("graph", 2019, 1), ("graph", 2020, 1)]
    every = loaded.keyword_years()
    assert every == GraphStore.keyword_years(loaded)
    assert ("bridge", 2021, 1) in every and len(every) == 10
    assert loaded.keyword_years(min_papers=4) == []
    with pytest.raises(InvalidParameter, match="'min_papers' parameter of keyword_years"):
        loaded.keyword_years(min_papers=0)


def test_keyword_years_of_empty_store(store):
    assert store.keyword_years() == []


def test_title_key_ids_lists_every_paper_of_a_title(store):
    store.upsert_papers([P1, Paper(id="p0", title="Graph Neural Networks for citation analysis!", year=1990), P2])
    assert store.title_key_ids([P1.title_key, P2.title_key, "nope", ""]) == {
        P1.title_key: ["p0", "p1"], P2.title_key: ["p2"]}


# -- errors ----------------------------------------------------------------------------------


def test_not_found_errors(analyzed):
    with pytest.raises(PaperNotFound) as err:
        analyzed.get_paper("nope")
    assert isinstance(err.value, LookupError) and err.value.paper_id == "nope"
    with pytest.raises(PaperNotFound):
        analyzed.neighbors("nope")
    with pytest.raises(CommunityNotFound):
        analyzed.community(99)
    with pytest.raises(KeywordNotFound):
        analyzed.keyword_papers("nope")


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.list_papers(sort="bogus"),
        lambda s: s.rankings("bogus"),
        lambda s: s.neighbors("p1", relation="bogus"),
        lambda s: s.list_papers(limit=-1),
    ],
    ids=["sort", "metric", "relation", "limit"],
)
def test_bad_parameters_raise_invalid_parameter(loaded, call):
    with pytest.raises(InvalidParameter):
        call(loaded)


def test_reference_index_is_index_references_of_the_papers(store):
    """What ``citegraph run`` builds from the papers in memory is what the store
    answers, whatever a record put under ``extra['source_id']``."""
    from graph.stores.base import index_references

    odd = ["w1", 12, 1.5, True, {"a": 1}, ["x"], "  ", None, " w2 "]
    papers = [
        Paper(id=f"p{i}", title=f"Paper {i}", doi="10.1000/SHARED" if i < 2 else None,
              arxiv_id="hep-th/9901001v2" if i == 3 else None, extra={"source_id": v})
        for i, v in enumerate(odd)
    ]
    store.upsert_papers(papers)
    expected = index_references((p.id, p.doi, p.arxiv_id, p.extra.get("source_id")) for p in papers)
    assert store.reference_index() == expected
    assert expected["w1"] == "p0" and expected["12"] == "p1" and expected["w2"] == "p8"
    assert expected["10.1000/shared"] == "p0" and expected["hep-th/9901001"] == "p3"
    assert "True" not in expected and "1" not in expected and "{'a': 1}" not in expected


# -- topic hierarchy (issue 20): communities at two levels -------------------------------------

HIERARCHY = AnalysisResult(
    (
        Community(0, 3, "graph, cluster", ("graph", "cluster"), 0.3, ("p2", "p1", "p3"), level=0),
        Community(1, 1, "bridge", ("bridge",), 0.3, ("p4",), level=0),
        Community(2, 2, "cluster, community", ("cluster", "community"), 0.2, ("p2", "p3"), level=1, parent=0),
        Community(3, 1, "citation", ("citation",), 0.2, ("p1",), level=1, parent=0),
    ),
    (
        PaperScores("p1", 0, 3.0, 0.3, 0.5, 0.0, 1.0, -1.0, 3),
        PaperScores("p2", 0, 4.0, 0.4, 0.25, 0.5, subcommunity=2),
        PaperScores("p3", 0, 2.0, 0.1, 0.0, 0.25, subcommunity=2),
        PaperScores("p4", 1, 2.0, 0.2, 0.0, 0.75),  # a topic without subtopics
    ),
    0.3,
)


def test_hierarchy_round_trip_levels_parents_and_members(loaded):
    loaded.write_analysis(HIERARCHY)
    topics, subs = list(HIERARCHY.communities[:2]), list(HIERARCHY.communities[2:])
    assert loaded.communities() == topics + subs
    assert loaded.communities(level=None) == topics + subs
    assert loaded.communities(level=0) == topics
    assert loaded.communities(level=1) == subs
    assert loaded.community(2) == (subs[0], ["p2", "p3"])  # members by PageRank
    assert loaded.community(3) == (subs[1], ["p1"])
    assert loaded.community(0) == (topics[0], ["p2", "p1", "p3"])
    assert loaded.get_paper("p1").scores == HIERARCHY.scores[0]
    assert loaded.get_paper("p2").scores.subcommunity == 2
    assert loaded.get_paper("p4").scores.subcommunity is None
    counts = loaded.counts()
    # IN_COMMUNITY to both levels: 4 papers in topics, 3 in subtopics.
    assert (counts["communities"], counts["IN_COMMUNITY"]) == (4, 7)
    assert loaded.list_papers(community=0)[0] == 3  # the filter is on the topic


def test_hierarchy_replaced_by_a_flat_analysis(loaded):
    loaded.write_analysis(HIERARCHY)
    loaded.write_analysis(ANALYSIS)
    assert loaded.communities(level=1) == []
    assert loaded.get_paper("p2").scores == SCORES[1]
    assert loaded.counts()["IN_COMMUNITY"] == 4
    with pytest.raises(CommunityNotFound):
        loaded.community(3)


@pytest.mark.parametrize("level", [2, -1, True, "0"])
def test_communities_bad_level_names_parameter(store, level):
    with pytest.raises(InvalidParameter, match="'level' parameter of communities"):
        store.communities(level=level)


# -- stable community ids (issue 25 item 1) --------------------------------------------------


def test_memberships_read_each_papers_topic_and_subtopic(loaded):
    assert loaded.memberships() == [(p, None, None) for p in ("p1", "p2", "p3", "p4", "p5")]
    loaded.write_analysis(HIERARCHY)
    assert loaded.memberships() == [
        ("p1", 0, 3), ("p2", 0, 2), ("p3", 0, 2), ("p4", 1, None), ("p5", None, None),
    ]


def test_analyze_write_keeps_the_stored_ids_of_matching_communities(loaded):
    """The same partition numbered differently (as a fresh analyze would after a
    change) is written back under the stored ids; a new community takes an id
    above every id ever used, and subtopic parents follow their topic."""
    from graph.jobs import _analyze_write

    loaded.write_analysis(HIERARCHY)
    swapped = {0: 1, 1: 0, 2: 3, 3: 2}
    renumbered = AnalysisResult(
        tuple(Community(swapped[c.id], c.size, c.label, c.keywords, c.modularity, c.top_papers, c.level,
                        None if c.parent is None else swapped[c.parent]) for c in HIERARCHY.communities)
        + (Community(4, 1, "new", ("new",), 0.3, ("p5",), level=0),),
        tuple(PaperScores(s.paper_id, swapped[s.community], s.degree, s.pagerank, s.betweenness, s.bridge,
                          s.x, s.y, None if s.subcommunity is None else swapped[s.subcommunity])
              for s in HIERARCHY.scores)
        + (PaperScores("p5", 4, 0.0, 0.0, 0.0, 0.0),),
        0.3,
    )
    _analyze_write(loaded, renumbered, "2026-01-01T00:00:00Z", 0.0, 5000)
    assert loaded.memberships() == [
        ("p1", 0, 3), ("p2", 0, 2), ("p3", 0, 2), ("p4", 1, None), ("p5", 4, None),
    ]
    assert [(c.id, c.level, c.parent, c.label) for c in loaded.communities()] == [
        (0, 0, None, "graph, cluster"), (1, 0, None, "bridge"), (4, 0, None, "new"),
        (2, 1, 0, "cluster, community"), (3, 1, 0, "citation"),
    ]
    assert loaded.runs(limit=1)[0].params["stable_ids"]["next_id"] == 5
    # p5's topic vanishes, then a new one appears: 4 is not reused.
    _analyze_write(loaded, HIERARCHY, "2026-01-01T00:00:01Z", 0.0, 5000)
    assert loaded.memberships()[-1] == ("p5", None, None)
    again = AnalysisResult(
        HIERARCHY.communities[:2] + (Community(4, 1, "other", ("other",), 0.3, ("p5",), level=0),)
        + HIERARCHY.communities[2:],
        HIERARCHY.scores + (PaperScores("p5", 4, 0.0, 0.0, 0.0, 0.0),), 0.3,
    )
    _analyze_write(loaded, again, "2026-01-01T00:00:02Z", 0.0, 5000)
    assert loaded.memberships()[-1] == ("p5", 5, None)
