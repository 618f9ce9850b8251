"""POST /papers (incremental), POST /build, POST /analyze, concurrent writes;
on both stores."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from graph.incremental import CorpusIndex, IncrementalParams, add_papers, papers_from_records
from graph.models import Paper
from graph.jobs import ingest
from tests.conftest import SEEDS
from tests.api_support import A, AUTH, B, assert_error, client_for

NEW = {
    "id": "hep-th/0099",
    "title": "Counting black hole microstates with D-branes",
    "abstract": "Extremal black hole entropy from D-brane bound states in string theory.",
    "authors": "J. Maldacena; A. Strominger",
    "year": 1999,
    "references": [A, "10.9999/unknown"],
}


def _derived_key(store) -> tuple:
    d = store.load_derived()
    return (d.keywords, d.has_keyword, d.similar, d.shares_keywords, d.cites)


def test_add_paper_computes_its_edges(tiny):
    with client_for(tiny) as client:
        r = client.post("/papers", json={"papers": [NEW]}, headers=AUTH)
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["ids"] == ["hep-th/0099"] and (body["added"], body["updated"]) == (1, 0)
        assert body["edges"]["SIMILAR_TO"] >= 2 and body["edges"]["CITES"] == 1

        paper = client.get("/papers/hep-th/0099").json()
        assert paper["authors"] == ["J. Maldacena", "A. Strominger"]
        assert "black hole" in paper["keywords"] and "d-brane" in paper["keywords"]

        items = client.get("/papers/hep-th/0099/neighbors").json()["items"]
        similar = [n for n in items if n["relation"] == "similar"]
        # Most similar first: the two black hole papers, never the pottery one.
        assert {n["paper_id"] for n in similar[:2]} == {A, B}
        assert "misc/0007" not in {n["paper_id"] for n in items}
        assert "black hole" in similar[0]["evidence"]["terms"]  # the phrase, not its words again
        shared = {n["paper_id"]: n for n in items if n["relation"] == "keywords"}
        assert set(shared) >= {A, B}
        assert {"black hole", "d-brane"} <= set(shared[A]["evidence"]["keywords"])
        assert [(n["paper_id"], n["relation"]) for n in items if n["relation"] == "cites"] == [(A, "cites")]
        # The stored paper sees the new one too (undirected edges, reverse citation).
        back = client.get(f"/papers/{A}/neighbors", params={"relation": "cited_by"}).json()["items"]
        assert {n["paper_id"] for n in back} == {B, "hep-th/0099"}
        # The keyword df was updated, and search finds the new paper.
        kw = {k["name"]: k["df"] for k in client.get("/keywords", params={"prefix": "black"}).json()["items"]}
        assert kw["black hole"] == 3
        hits = client.get("/search", params={"q": "black hole microstates"}).json()["items"]
        assert "hep-th/0099" in [h["paper_id"] for h in hits[:3]]


def test_adding_again_is_idempotent(tiny):
    with client_for(tiny) as client:
        assert client.post("/papers", json={"papers": [NEW]}, headers=AUTH).status_code == 201
        counts, derived = tiny.counts(), _derived_key(tiny)
        again = client.post("/papers", json={"papers": [NEW]}, headers=AUTH).json()
        assert (again["added"], again["updated"]) == (0, 1)
        assert tiny.counts() == counts
        assert _derived_key(tiny) == derived


def test_same_title_merges_into_the_stored_paper(tiny):
    with client_for(tiny) as client:
        r = client.post("/papers", headers=AUTH, json={"papers": [
            {"title": "Black hole entropy in string theory!", "venue": "PLB"}]}).json()
        assert r["ids"] == [A] and r["updated"] == 1
        paper = client.get(f"/papers/{A}").json()
        assert paper["venue"] == "PLB" and paper["year"] == 1996  # stored values kept, gaps filled
        assert tiny.counts()["papers"] == 7


@pytest.mark.parametrize(
    "papers",
    [[], [{"title": ""}], [{"title": "   ", "abstract": "!!"}], [{"title": "x", "year": "soon"}],
     [{"title": "x", "colour": "blue"}], [{"title": "x"}] * 1001],
)
def test_bad_papers_are_422(tiny, papers):
    with client_for(tiny) as client:
        assert_error(client.post("/papers", json={"papers": papers}, headers=AUTH), 422)
        assert tiny.counts()["papers"] == 7


def test_concurrent_adds_never_interleave(tiny):
    papers = [{"id": f"new/{i:02d}", "title": f"Holographic entropy of black hole number {i}",
               "abstract": "Conformal field theory and D-branes."} for i in range(8)]
    with client_for(tiny) as client:
        with ThreadPoolExecutor(max_workers=8) as pool:
            codes = list(pool.map(lambda p: client.post("/papers", json={"papers": [p]}, headers=AUTH).status_code,
                                  papers))
        assert codes == [201] * 8
        assert tiny.counts()["papers"] == 15
        derived = tiny.load_derived()
        for p in papers:  # every new paper got its keywords and similarity edges
            assert any(h.paper_id == p["id"] for h in derived.has_keyword)
            assert any(p["id"] in (e.source, e.target) for e in derived.similar)
        # The same result as adding them one after the other, in any order.
        pairs = {(e.source, e.target) for e in derived.similar}
        assert len(pairs) == len(derived.similar)


def test_an_added_paper_keeps_its_top_shares_k_keyword_pairs(tiny):
    # Uncapped (the default below 50,000 papers) it pairs with A and B (test above); capped, with one.
    index = CorpusIndex.build(tiny.iter_papers())
    report = add_papers(tiny, papers_from_records([NEW]), index=index, params=IncrementalParams(shares_k=1))
    assert report.edges["SHARES_KEYWORDS"] == 1
    mine = [e for e in tiny.load_derived().shares_keywords if NEW["id"] in (e.source, e.target)]
    assert len(mine) == 1 and {mine[0].source, mine[0].target} & {A, B}
    with pytest.raises(Exception, match="shares_k"):
        IncrementalParams(shares_k=201)


def test_incremental_matches_a_corpus_index_built_from_scratch(tiny):
    """The cached index, updated in place, gives the edges a fresh one gives."""
    first = papers_from_records([NEW])
    index = CorpusIndex.build(tiny.iter_papers())
    report = add_papers(tiny, first, index=index, params=IncrementalParams(min_score=0.05))
    second = papers_from_records([{"id": "x/1", "title": "Entanglement entropy and holography in AdS"}])
    kept = add_papers(tiny, second, index=index, params=IncrementalParams(min_score=0.05))
    fresh_index = CorpusIndex.build(p for p in tiny.iter_papers() if p.id != "x/1")
    fresh_index.add(second)
    assert index.similar(["x/1"], k=10, min_score=0.05) == fresh_index.similar(["x/1"], k=10, min_score=0.05)
    assert report.added == 1 and kept.added == 1
    assert index.keywords("x/1", 8) == fresh_index.keywords("x/1", 8)


def test_keywords_match_a_full_extraction():
    """Keywords of an added paper are those extract_keywords gives over the corpus."""
    from graph.keyphrases import extract_keywords

    corpus = [Paper(id=f"p{i}", title=t, abstract=a) for i, (t, a) in enumerate([
        ("Black hole entropy", "Black holes and entropy of D-branes."),
        ("D-brane bound states", "Bound states of D-branes count black hole microstates."),
        ("Graph networks", "Neural networks on citation graphs."),
        ("Citation graphs", "Community detection in citation graphs and networks."),
    ])]
    new = Paper(id="n", title="Black hole microstates", abstract="D-branes and black hole entropy counting.")
    index = CorpusIndex.build(corpus)
    index.add([new])
    everyone = corpus + [new]
    scores, _ = extract_keywords([p.id for p in everyone], [p.text for p in everyone],
                                 titles=[p.title for p in everyone], k=8)
    expected = [(s.keyword, s.score) for s in scores if s.paper_id == "n"]
    assert [(kw, round(score, 6)) for score, kw in index.keywords("n", 8)] == expected


# --- full build and analyze over the API -------------------------------------------------


def test_build_and_analyze_endpoints(store):
    ingest(store, sorted(SEEDS.glob("*.txt"))[:2])
    with client_for(store) as client:
        r = client.post("/build", json={"k": 5, "keywords_k": 6}, headers=AUTH)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["kind"] == "build" and body["params"]["k"] == 5
        assert body["counts"]["SIMILAR_TO"] > 0 and body["counts"]["HAS_KEYWORD"] > 0
        r = client.post("/analyze", json={"method": "louvain", "seed": 1}, headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.json()["communities"] >= 2
        communities = client.get("/communities").json()["items"]
        assert communities and communities[0]["label"]
        top = client.get("/rankings").json()["items"][0]
        assert client.get(f"/papers/{top['paper_id']}/recommendations").status_code == 200
        runs = client.get("/stats").json()["runs"]
        assert [r["kind"] for r in runs[:2]] == ["analyze", "build"]
        assert_error(client.post("/build", json={"k": 0}, headers=AUTH), 422)
        assert_error(client.post("/analyze", json={"method": "magic"}, headers=AUTH), 422)


def test_build_endpoint_never_forks(sqlite_store, monkeypatch):
    # The server has other threads: POST /build computes SIMILAR_TO in-process
    # even where `citegraph build` would fork it.
    import graph.edges
    import graph.forked

    def refuse(*args, **kwargs):
        raise AssertionError("POST /build forked")

    monkeypatch.setattr(graph.forked, "FORK_MIN_PAPERS", 1)
    monkeypatch.setattr(graph.edges, "ForkedCall", refuse)
    ingest(sqlite_store, sorted(SEEDS.glob("*.txt"))[:1])
    with client_for(sqlite_store) as client:
        r = client.post("/build", headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.json()["counts"]["SIMILAR_TO"] > 0


def test_build_while_adding_never_interleaves(store):
    ingest(store, sorted(SEEDS.glob("*.txt"))[:1])
    with client_for(store) as client:
        assert client.post("/build", headers=AUTH).status_code == 200
        results = {}

        def build():
            results["build"] = client.post("/build", headers=AUTH).status_code

        def add():
            results["add"] = client.post("/papers", json={"papers": [NEW]}, headers=AUTH).status_code

        threads = [threading.Thread(target=build), threading.Thread(target=add)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == {"build": 200, "add": 201}
        derived = store.load_derived()
        ids = {p.id for p in store.iter_papers()}
        for e in derived.similar + derived.shares_keywords + derived.cites:
            assert e.source in ids and e.target in ids
        assert len({(e.source, e.target) for e in derived.similar}) == len(derived.similar)


def test_write_lock_is_shared_by_workers_of_the_same_store(tmp_path):
    """Two services over the same file (two worker processes) share one lock."""
    import multiprocessing

    from api.errors import WriteBusy
    from api.service import WriteLock
    from graph.stores.sqlite import SQLiteStore

    key = SQLiteStore(tmp_path / "w.db").data_key()
    assert key == SQLiteStore(str(tmp_path / "w.db")).data_key()
    ready, release = multiprocessing.Event(), multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(key, ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(WriteBusy):
            with WriteLock(key).hold(timeout=0.3):
                pass
        release.set()
        holder.join(30)
        with WriteLock(key).hold(timeout=5):
            pass
    finally:
        release.set()
        holder.join(30)


def _hold_lock(key, ready, release):
    from api.service import WriteLock

    with WriteLock(key).hold(timeout=5):
        ready.set()
        release.wait(30)


def test_incremental_similarity_matches_a_full_build():
    """Scores and evidence of an added paper's SIMILAR_TO edges are those that
    graph.similarity gives over the whole corpus."""
    from graph.similarity import similar_edges

    texts = ["Black holes and D-branes in string theory.", "Black hole entropy from D-brane states.",
             "Conformal field theory and holography in AdS.", "Holographic entanglement entropy in AdS.",
             "Graph networks for citations.", "Citation graphs and community detection.",
             "Strings, branes and black holes."]
    corpus = [Paper(id=f"p{i}", abstract=t) for i, t in enumerate(texts[:-1])]
    new = Paper(id="p6", abstract=texts[-1])
    index = CorpusIndex.build(corpus)
    index.add([new])
    got = index.similar(["p6"], k=3, min_score=0.0)["p6"]
    full = similar_edges([f"p{i}" for i in range(7)], texts, k=3, min_score=0.0)
    # The new paper's own top 3 in a full build (edges are undirected there).
    expected = sorted(((e.target if e.source == "p6" else e.source, e.score, e.terms)
                       for e in full if "p6" in (e.source, e.target)), key=lambda t: (-t[1], t[0]))[:3]
    assert [(pid, terms) for pid, _, terms in got] == [(pid, terms) for pid, _, terms in expected]
    assert [score for _, score, _ in got] == pytest.approx([score for _, score, _ in expected], abs=2e-6)
