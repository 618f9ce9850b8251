"""Every read endpoint over both stores (the ``store`` fixture), exact answers on
the hand-made graph of :mod:`tests.api_support`."""

from __future__ import annotations

import pytest

from tests.api_support import (
    A,
    AUTH,
    B,
    C,
    D,
    E,
    F,
    G,
    assert_error,
)


# --- health / stats ------------------------------------------------------------------


def test_health_counts(client, store):
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["store"] == store.name
    assert body["counts"] == {"papers": 7, "keywords": 9, "communities": 2, "HAS_KEYWORD": 17, "SIMILAR_TO": 4,
                              "SHARES_KEYWORDS": 3, "CITES": 4, "IN_COMMUNITY": 6,
                              "COUPLED": 0, "CO_CITED": 0, "references": 0, "REFERENCES": 0}


def test_stats_edges_and_runs(client):
    body = client.get("/stats").json()
    assert (body["papers"], body["keywords"], body["communities"]) == (7, 9, 2)
    assert body["edges"]["CITES"] == 4 and body["edges"]["SIMILAR_TO"] == 4
    assert [r["kind"] for r in body["runs"]] == ["build"]
    assert body["runs"][0]["params"] == {"k": 10}


# --- papers ------------------------------------------------------------------------------


def test_list_papers_sorted_and_paged(client):
    body = client.get("/papers", params={"sort": "pagerank", "limit": 3, "offset": 1}).json()
    assert body["total"] == 7 and (body["limit"], body["offset"]) == (3, 1)
    assert [p["id"] for p in body["items"]] == [B, D, C]
    assert body["items"][0]["community"] == 0 and body["items"][0]["pagerank"] == pytest.approx(0.2)


def test_list_papers_filters(client):
    assert [p["id"] for p in client.get("/papers", params={"q": "BLACK hole"}).json()["items"]] == [A, B]
    body = client.get("/papers", params={"community": 1}).json()
    assert body["total"] == 2 and [p["id"] for p in body["items"]] == [E, F]
    assert client.get("/papers", params={"q": "no such title"}).json() == {
        "total": 0, "limit": 50, "offset": 0, "items": []}


@pytest.mark.parametrize(
    ("params", "name"),
    [({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"offset": -1}, "offset"),
     ({"offset": 10**7}, "offset"), ({"sort": "random"}, "sort"), ({"community": "x"}, "community"),
     ({"limit": "ten"}, "limit")],
)
def test_list_papers_bad_parameters_say_which(client, params, name):
    error = assert_error(client.get("/papers", params=params), 422, "invalid_parameter")
    assert f"'{name}'" in error["message"]
    assert error["detail"][0]["parameter"] == name and error["detail"][0]["location"] == "query"


def test_get_paper_with_slash_in_id(client):
    body = client.get(f"/papers/{A}").json()
    assert body["id"] == A and body["title"] == "Black hole entropy in string theory"
    assert body["authors"] == ["A. Strominger", "C. Vafa"] and body["year"] == 1996
    assert body["keywords"] == ["black hole", "d-brane", "entropy"]
    assert body["scores"]["community"] == 0 and body["scores"]["pagerank"] == pytest.approx(0.25)
    assert body["references"] == [B]


def test_unknown_paper_is_404_in_the_error_shape(client):
    error = assert_error(client.get("/papers/nope/0"), 404, "not_found")
    assert "nope/0" in error["message"]
    for sub in ("neighbors", "recommendations"):
        assert_error(client.get(f"/papers/nope/0/{sub}"), 404, "not_found")


# --- neighbours and recommendations -------------------------------------------------------


def test_neighbors_all_with_evidence(client):
    """Items carry ``id`` (``paper_id`` is its deprecated alias) and evidence has only
    the keys of its relation (issue 21: they carried ``"terms": null`` and the like)."""
    body = client.get(f"/papers/{A}/neighbors").json()
    assert body["paper_id"] == A and body["relation"] == "all"
    title = "Black hole microstates and D-branes"
    assert body["items"] == [
        {"id": B, "paper_id": B, "title": title, "relation": "cited_by", "weight": 1.0,
         "evidence": {"direction": "cited_by"}},
        {"id": B, "paper_id": B, "title": title, "relation": "similar", "weight": pytest.approx(0.62),
         "evidence": {"terms": ["black hole", "d-brane", "entropy"]}},
        {"id": B, "paper_id": B, "title": title, "relation": "keywords", "weight": pytest.approx(0.6),
         "evidence": {"keywords": ["black hole", "d-brane", "entropy"], "count": 3}},
    ]


def test_every_paper_item_is_keyed_id(client):
    """PRODUCT.md: a paper is ``id`` everywhere (``paper_id`` stays as a deprecated alias)."""
    rows = [
        *client.get("/search", params={"q": "black hole"}).json()["items"],
        *client.get(f"/papers/{A}/neighbors").json()["items"],
        *client.get("/rankings").json()["items"],
        *client.get("/path", params={"source": A, "target": D}).json()["papers"],
        *client.get("/keywords/entropy/papers").json()["items"],
    ]
    recs = client.get(f"/papers/{A}/recommendations").json()["items"]
    rows += recs + [v for r in recs for v in r["via"]]
    assert rows and all(r["id"] == r["paper_id"] and r["title"] for r in rows)
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("NeighborOut", "SearchHit", "RankingItem", "Recommendation", "Via", "PathPaper", "KeywordPaper"):
        assert schemas[name]["properties"]["paper_id"]["deprecated"] is True, name


@pytest.mark.parametrize(
    ("paper", "params", "expected"),
    [
        (B, {"relation": "similar"}, [(A, "similar"), (D, "similar")]),
        (B, {"relation": "cites"}, [(A, "cites")]),
        (B, {"relation": "cited_by"}, [(C, "cited_by")]),
        (D, {"relation": "keywords"}, [(C, "keywords")]),
        (B, {"min_weight": 0.5}, [(A, "cites"), (C, "cited_by"), (A, "similar"), (A, "keywords")]),
        (B, {"limit": 1}, [(A, "cites")]),
        (G, {}, []),
    ],
)
def test_neighbors_filters(client, paper, params, expected):
    items = client.get(f"/papers/{paper}/neighbors", params=params).json()["items"]
    assert [(n["paper_id"], n["relation"]) for n in items] == expected


def test_neighbors_bad_relation_and_weight(client):
    assert_error(client.get(f"/papers/{A}/neighbors", params={"relation": "friends"}), 422)
    error = assert_error(client.get(f"/papers/{A}/neighbors", params={"min_weight": "nan"}), 422)
    assert "min_weight" in error["message"]


def test_recommendations_go_beyond_direct_neighbours(client):
    body = client.get(f"/papers/{A}/recommendations").json()
    assert body["method"] == "personalized_pagerank_2hop"
    items = body["items"]
    # A's only neighbour is B; B leads to C (C cites B, weight 1) and D (similar .12).
    assert [r["paper_id"] for r in items] == [C, D]
    assert all(r["hops"] == 2 for r in items)
    assert items[0]["score"] > items[1]["score"] > 0
    assert items[0]["via"] == [{"id": B, "paper_id": B, "title": "Black hole microstates and D-branes",
                                "relations": ["cited_by", "keywords", "similar"], "next_relations": ["cited_by"]}]
    assert items[1]["via"][0]["next_relations"] == ["similar"]
    assert B in items[0]["how"] and "cited_by" in items[0]["how"]
    assert client.get(f"/papers/{A}/recommendations", params={"limit": 1}).json()["items"][0]["paper_id"] == C
    assert client.get(f"/papers/{G}/recommendations").json()["items"] == []
    assert_error(client.get(f"/papers/{A}/recommendations", params={"limit": 101}), 422)


# --- search ------------------------------------------------------------------------------


def test_search_blends_fulltext_and_similarity(client):
    body = client.get("/search", params={"q": "black holes entropy"}).json()
    assert body["query"] == "black holes entropy" and body["method"] == "fulltext+tfidf"
    items = body["items"]
    assert {items[0]["paper_id"], items[1]["paper_id"]} == {A, B}
    assert items[0]["fulltext"] > 0 and items[0]["similarity"] > 0
    assert "black hole" in items[0]["matched_terms"]
    assert all(0 <= it["score"] <= 1 for it in items)
    assert [it["score"] for it in items] == sorted((it["score"] for it in items), reverse=True)
    assert D in [it["paper_id"] for it in items]  # "entropy" is in D's title


def test_search_without_match_and_bad_query(client):
    assert client.get("/search", params={"q": "xylophone"}).json()["items"] == []
    # Stop words only: no similarity (full text may still match them on FTS5).
    assert all(it["similarity"] == 0 for it in client.get("/search", params={"q": "the of and"}).json()["items"])
    # Query syntax of FTS5 / Lucene is plain text here, never an error.
    assert client.get("/search", params={"q": "\"(*)\" NEAR: title:x ~ -"}).status_code == 200
    assert_error(client.get("/search", params={"q": ""}), 422)
    error = assert_error(client.get("/search"), 422)
    assert "'q'" in error["message"]
    assert_error(client.get("/search", params={"q": "x" * 501}), 422)


# --- communities, rankings, keywords -------------------------------------------------------


def test_communities(client):
    body = client.get("/communities").json()
    assert body["total"] == 2
    assert [(c["id"], c["size"], c["label"]) for c in body["items"]] == [
        (0, 4, "black hole, entropy, holography"), (1, 2, "citation, graph")]
    assert body["items"][0]["keywords"] == ["black hole", "entropy", "holography"]
    assert client.get("/communities", params={"offset": 1}).json()["items"][0]["id"] == 1


def test_community_detail_and_404(client):
    body = client.get("/communities/0", params={"limit": 2, "offset": 1}).json()
    assert body["community"]["id"] == 0 and body["total_members"] == 4
    assert [m["paper_id"] for m in body["members"]] == [B, D]
    assert body["members"][0]["pagerank"] == pytest.approx(0.2)
    assert_error(client.get("/communities/99"), 404, "not_found")
    assert_error(client.get("/communities/-1"), 422)
    assert_error(client.get("/communities/abc"), 422)


def _hierarchy(store) -> None:
    """Topic 0 split into subtopics 2 (A, B) and 3 (C, D); topic 1 (E, F) has none."""
    from dataclasses import replace

    from graph.models import AnalysisResult, Community

    from tests.api_support import COMMUNITIES, SCORES

    subs = (Community(2, 2, "black hole, horizon", ("black hole", "horizon"), 0.2, (A, B), level=1, parent=0),
            Community(3, 2, "holography", ("holography",), 0.2, (D, C), level=1, parent=0))
    where = {A: 2, B: 2, C: 3, D: 3}
    scores = tuple(replace(s, subcommunity=where.get(s.paper_id)) for s in SCORES)
    store.write_analysis(AnalysisResult(COMMUNITIES + subs, scores, 0.41, {"method": "hand-made"}))


def test_communities_by_level_with_parent_and_children(client, store):
    _hierarchy(store)
    body = client.get("/communities").json()
    assert [(c["id"], c["level"], c["parent"]) for c in body["items"]] == [(0, 0, None), (1, 0, None), (2, 1, 0),
                                                                           (3, 1, 0)]
    assert [c["id"] for c in client.get("/communities", params={"level": 0}).json()["items"]] == [0, 1]
    level1 = client.get("/communities", params={"level": 1}).json()
    assert level1["total"] == 2 and [c["label"] for c in level1["items"]] == ["black hole, horizon", "holography"]
    topic = client.get("/communities/0").json()
    assert (topic["community"]["level"], topic["community"]["parent"]) == (0, None)
    assert [(k["id"], k["size"], k["parent"]) for k in topic["children"]] == [(2, 2, 0), (3, 2, 0)]
    assert topic["total_members"] == 4
    sub = client.get("/communities/3").json()
    assert (sub["community"]["level"], sub["community"]["parent"], sub["children"]) == (1, 0, [])
    assert sub["total_members"] == 2 and [m["paper_id"] for m in sub["members"]] == [D, C]  # by PageRank
    assert client.get("/communities/1").json()["children"] == []
    for bad in ("2", "-1", "x"):
        assert_error(client.get("/communities", params={"level": bad}), 422)


@pytest.mark.parametrize(
    ("metric", "expected"),
    [("pagerank", [A, B, D, C, E, F, G]), ("degree", [B, A, C, D, E, F, G]), ("betweenness", [B, C])],
)
def test_rankings(client, metric, expected):
    items = client.get("/rankings", params={"metric": metric, "limit": len(expected)}).json()["items"]
    assert [i["paper_id"] for i in items] == expected
    assert [i["rank"] for i in items] == list(range(1, len(expected) + 1))
    assert items[0]["title"]


def test_rankings_bad_metric(client):
    error = assert_error(client.get("/rankings", params={"metric": "fame"}), 422)
    assert "'metric'" in error["message"]


def test_keywords_and_their_papers(client):
    assert client.get("/keywords", params={"limit": 2}).json()["items"] == [
        {"name": "entropy", "df": 3}, {"name": "black hole", "df": 2}]
    assert [k["name"] for k in client.get("/keywords", params={"prefix": "c"}).json()["items"]] == [
        "citation", "conformal field theory", "community detection"]
    body = client.get("/keywords/entropy/papers").json()
    assert body["keyword"] == "entropy"
    assert [(p["paper_id"], p["score"]) for p in body["items"]] == [(D, 0.6), (A, 0.5), (B, 0.4)]
    assert body["items"][0]["title"] == "Holographic entanglement entropy"
    assert [p["paper_id"] for p in client.get("/keywords/entropy/papers",
                                             params={"offset": 2}).json()["items"]] == [B]
    assert_error(client.get("/keywords/unheard of/papers"), 404, "not_found")
    # Keywords keep the texts' case; a lookup in another case finds the keyword.
    assert client.get("/keywords/ENTROPY/papers").json()["keyword"] == "entropy"


# --- path ----------------------------------------------------------------------------------


def test_path_found_with_evidence(client):
    body = client.get("/path", params={"source": A, "target": D}).json()
    assert body["found"] is True and body["length"] == 2
    assert [p["paper_id"] for p in body["papers"]] == [A, B, D]
    assert [(e["source"], e["target"], e["relation"]) for e in body["edges"]] == [
        (A, B, "cited_by"), (B, D, "similar")]
    assert body["edges"][0]["evidence"]["direction"] == "cited_by"
    assert body["edges"][1]["evidence"]["terms"] == ["entropy"]


def test_path_by_one_relation_and_reverse(client):
    body = client.get("/path", params={"source": D, "target": A, "relation": "cites"}).json()
    assert [p["paper_id"] for p in body["papers"]] == [D, C, B, A]
    assert [e["relation"] for e in body["edges"]] == ["cites", "cites", "cites"]
    body = client.get("/path", params={"source": A, "target": D, "relation": "keywords"}).json()
    assert body["found"] is False and "not connected" in body["message"]


def test_path_not_connected_same_and_unknown(client):
    body = client.get("/path", params={"source": A, "target": E}).json()
    assert body["found"] is False and body["papers"] == [] and body["length"] is None
    same = client.get("/path", params={"source": A, "target": A}).json()
    assert same["found"] is True and same["length"] == 0
    assert client.get("/path", params={"source": D, "target": A, "relation": "cites",
                                       "max_hops": 2}).json()["found"] is False
    assert_error(client.get("/path", params={"source": A, "target": "nope"}), 404, "not_found")
    assert_error(client.get("/path", params={"source": A}), 422)
    assert_error(client.get("/path", params={"source": A, "target": B, "max_hops": 11}), 422)


# --- routing and the error shape ---------------------------------------------------------


def test_unknown_route_and_method(client):
    assert_error(client.get("/no/such/route"), 404, "not_found")
    assert_error(client.delete("/papers"), 405, "method_not_allowed")


def test_openapi_lists_every_endpoint(client):
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        "/health": {"get"}, "/stats": {"get"}, "/papers": {"get", "post"}, "/papers/{paper_id}": {"get"},
        "/papers/{paper_id}/neighbors": {"get"}, "/papers/{paper_id}/recommendations": {"get"},
        "/search": {"get"}, "/communities": {"get"}, "/communities/{community_id}": {"get"},
        "/rankings": {"get"}, "/path": {"get"}, "/keywords": {"get"}, "/keywords/{name}/papers": {"get"},
        "/cypher": {"post"}, "/build": {"post"}, "/analyze": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) == methods, path
    assert client.get("/docs").status_code == 200


def test_cypher_needs_neo4j(client, store):
    r = client.post("/cypher", json={"query": "MATCH (p:Paper) RETURN count(p) AS n"}, headers=AUTH)
    if store.name == "embedded":
        error = assert_error(r, 501, "not_supported")
        assert "CITEGRAPH_STORE=neo4j" in error["message"]
    else:
        assert r.json() == {"columns": ["n"], "rows": [[7]], "row_count": 1, "truncated": False,
                            "truncated_by": None}
