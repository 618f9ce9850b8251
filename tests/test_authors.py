"""Authors and venues as nodes (issue 24 item 4): identity, both stores, the API, ingest."""

from __future__ import annotations

import sqlite3

import pytest

from graph.authors import Author, Venue, authorship, normalize_name
from graph.errors import AuthorNotFound
from graph.models import AnalysisResult, Community, Paper, PaperScores
from tests.api_support import assert_error, client_for

PAPERS = [
    Paper(id="p1", title="Analytical engines", authors=("Ada Lovelace", "Charles Babbage"), year=1843,
          venue="Scientific Memoirs", extra={"orcids": "0000-0002-1825-0097;", "issn": "1234-567x"}),
    Paper(id="p2", title="On the connexion of the physical sciences", authors=("Mary Somerville", "ada lovelace"),
          year=1834, venue="scientific  memoirs", extra={"issn": "1234-567X"}),
    Paper(id="p3", title="Difference engines", authors=("Charles Babbage", "Charles Babbage", "Mary Somerville"),
          year=1822, venue="Philosophical Transactions"),
    Paper(id="p4", title="A lone note", authors=("José García",), year=1900),
]
ADA = "orcid:0000-0002-1825-0097"


# --- identity (pure) ------------------------------------------------------------------


def test_identity_orcid_else_normalised_name_and_issn_else_venue_name():
    rows = authorship(PAPERS)
    assert rows.authors == (
        Author(ADA, "Ada Lovelace", "0000-0002-1825-0097"),
        Author("name:charles babbage", "Charles Babbage"),
        Author("name:mary somerville", "Mary Somerville"),
        Author("name:ada lovelace", "ada lovelace"),  # no ORCID on p2: a name alone cannot be joined to one
        Author("name:jose garcia", "José García"),
    )
    assert rows.wrote == (
        (ADA, "p1", 1), ("name:charles babbage", "p1", 2),
        ("name:mary somerville", "p2", 1), ("name:ada lovelace", "p2", 2),
        ("name:charles babbage", "p3", 1), ("name:mary somerville", "p3", 3),  # listed twice on p3: once
        ("name:jose garcia", "p4", 1),
    )
    assert rows.venues == (Venue("issn:1234-567X", "Scientific Memoirs", "1234-567X"),
                           Venue("name:philosophical transactions", "Philosophical Transactions"))
    assert rows.published_in == (("p1", "issn:1234-567X"), ("p2", "issn:1234-567X"),
                                 ("p3", "name:philosophical transactions"))
    assert normalize_name("  Ã  b.c ") == "a b c"


# --- both stores (contract) -----------------------------------------------------------


def _load(store) -> None:
    store.upsert_papers(PAPERS)
    store.replace_authorship(authorship(PAPERS))


def test_authors_and_venues_contract(store):
    _load(store)
    store.replace_authorship(authorship(PAPERS))  # replacing is idempotent
    total, page = store.list_authors()
    assert total == 5
    assert [(a.id, a.papers) for a in page] == [
        ("name:charles babbage", 2), ("name:mary somerville", 2), ("name:ada lovelace", 1), (ADA, 1),
        ("name:jose garcia", 1)]
    total, page = store.list_authors(q="LOVELACE", limit=1, offset=1)
    assert total == 2 and [a.id for a in page] == [ADA]
    assert store.list_authors(q="garcía")[1][0].name == "José García"

    author, papers = store.get_author("name:mary somerville")
    assert (author.name, author.orcid, author.papers) == ("Mary Somerville", None, 2)
    assert papers == [("p2", 1), ("p3", 3)]  # newest first
    assert store.get_author(ADA)[0].orcid == "0000-0002-1825-0097"
    co = store.coauthors("name:mary somerville")
    assert [(c.id, c.papers, shared) for c, shared in co] == [
        ("name:ada lovelace", 1, 1), ("name:charles babbage", 2, 1)]
    assert store.coauthors("name:jose garcia") == []
    with pytest.raises(AuthorNotFound):
        store.get_author("name:nobody")
    with pytest.raises(AuthorNotFound):
        store.coauthors("name:nobody")

    total, venues = store.list_venues()
    assert total == 2
    assert [(v.id, v.name, v.issn, v.papers) for v in venues] == [
        ("issn:1234-567X", "Scientific Memoirs", "1234-567X", 2),
        ("name:philosophical transactions", "Philosophical Transactions", None, 1)]
    assert store.list_venues(q="philosoph")[0] == 1


# --- SQLite schema migration ------------------------------------------------------------


def test_schema_3_file_gets_the_author_tables(tmp_path):
    from graph.stores.sqlite import SQLiteStore
    from graph.stores.sqlite_schema import SCHEMA_VERSION

    path = tmp_path / "g.db"
    with SQLiteStore(path) as store:
        store.upsert_papers(PAPERS)
    with sqlite3.connect(path, isolation_level=None) as conn:  # what schema 3 had: no author tables
        for table in ("wrote", "published_in", "authors", "venues"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("PRAGMA user_version=3")
    with SQLiteStore(path) as store:
        assert store.list_authors() == (0, [])
        store.replace_authorship(authorship(store.iter_papers()))
        assert store.list_authors()[0] == 5 and store.get_paper("p1").paper.title == "Analytical engines"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


# --- ingest fills them --------------------------------------------------------------------


def test_ingest_writes_authors_and_venues_of_an_openalex_file(sqlite_store):
    from graph.jobs import ingest
    from tests.fetch_replay import FORMATS

    ingest(sqlite_store, [FORMATS / "openalex_json" / "peneira_works_page.json"])
    total, page = sqlite_store.list_authors()
    assert total > 49 and page[0].papers >= 1
    author, papers = sqlite_store.get_author(page[0].id)
    assert len(papers) == author.papers
    venues_total, venues = sqlite_store.list_venues()
    assert venues_total > 0 and venues[0].papers >= 1
    # Re-ingesting the same file leaves the same authors.
    ingest(sqlite_store, [FORMATS / "openalex_json" / "peneira_works_page.json"])
    assert sqlite_store.list_authors()[0] == total


# --- the API --------------------------------------------------------------------------------


def test_authors_and_venues_endpoints(store):
    _load(store)
    store.write_analysis(AnalysisResult(
        (Community(0, 3, "engines", ("engine",), 0.3, ("p1",)), Community(1, 1, "notes", ("note",), 0.3, ("p4",))),
        (PaperScores("p1", 0, 1.0, 0.3, 0.0, 0.0), PaperScores("p2", 1, 1.0, 0.2, 0.0, 0.0),
         PaperScores("p3", 0, 1.0, 0.2, 0.0, 0.0), PaperScores("p4", 1, 0.0, 0.1, 0.0, 0.0)), 0.3))
    with client_for(store) as client:
        r = client.get("/authors", params={"limit": 2})
        assert r.status_code == 200
        body = r.json()
        assert (body["total"], body["limit"], body["offset"]) == (5, 2, 0)
        assert [a["id"] for a in body["items"]] == ["name:charles babbage", "name:mary somerville"]

        r = client.get("/authors/name:charles babbage")
        assert r.status_code == 200, r.text
        one = r.json()
        assert [(p["id"], p["position"]) for p in one["papers"]] == [("p1", 2), ("p3", 1)]
        assert [(c["id"], c["shared"]) for c in one["coauthors"]] == [(ADA, 1), ("name:mary somerville", 1)]
        assert one["topics"] == [{"id": 0, "label": "engines", "papers": 2}]

        assert client.get(f"/authors/{ADA}").json()["orcid"] == "0000-0002-1825-0097"
        assert_error(client.get("/authors/name:nobody"), 404)
        assert_error(client.get("/authors", params={"limit": 0}), 422)

        venues = client.get("/venues", params={"q": "memoirs"}).json()
        assert venues["total"] == 1 and venues["items"][0] == {
            "id": "issn:1234-567X", "name": "Scientific Memoirs", "issn": "1234-567X", "papers": 2}


def test_author_page_links_topics_papers_and_coauthors_and_escapes_names(store):
    _load(store)
    hostile = Paper(id="p5", title="<script>alert(1)</script>", authors=("Eve <img src=x onerror=alert(1)>",),
                    year=1901)
    store.upsert_papers([hostile])
    store.replace_authorship(authorship([*PAPERS, hostile]))
    store.write_analysis(AnalysisResult(
        (Community(0, 3, "engines & <machines>", ("engine",), 0.3, ("p1",)),),
        (PaperScores("p1", 0, 1.0, 0.3, 0.0, 0.0), PaperScores("p3", 0, 1.0, 0.2, 0.0, 0.0)), 0.3))
    with client_for(store) as client:
        r = client.get("/viz/authors/name:charles babbage")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        page = r.text
        assert "<h1>Charles Babbage</h1>" in page
        assert 'href="/viz/communities/0">engines &amp; &lt;machines&gt;</a>' in page
        assert page.index('href="/viz/papers/p1"') < page.index('href="/viz/papers/p3"')  # newest first
        assert f'href="/viz/authors/{ADA.replace(":", "%3A")}"' in page
        assert "Content-Security-Policy" in page and "default-src" in page and "<script" not in page
        eve = client.get("/authors", params={"q": "eve"}).json()["items"][0]["id"]
        page = client.get(f"/viz/authors/{eve}").text
        assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert_error(client.get("/viz/authors/name:nobody"), 404)


def test_openalex_orcids_and_issns_give_author_and_venue_identity():
    from graph.ingest.readers import iter_papers
    from graph.models import Paper
    from tests.fetch_replay import FORMATS

    papers = [p for p in iter_papers(FORMATS / "openalex_json" / "peneira_works_page.json") if isinstance(p, Paper)]
    rows = authorship(papers)
    # The sample's first work: authorships 2 and 3 have ORCIDs, the first has none.
    first = papers[0]
    assert first.extra["orcids"] == ";0000-0002-6186-1619;0000-0002-9562-4734"
    ids = [a for a, p, _ in rows.wrote if p == first.id]
    assert ids[0].startswith("name:") and ids[1:] == ["orcid:0000-0002-6186-1619", "orcid:0000-0002-9562-4734"]
    assert ("issn:1827-1987" in {v.id for v in rows.venues}) and all(
        v.issn for v in rows.venues if v.id.startswith("issn:"))


def test_post_papers_writes_the_authors_as_ingest_does(sqlite_store):
    from graph.incremental import add_papers
    from graph.jobs import build

    _load(sqlite_store)
    build(sqlite_store)
    add_papers(sqlite_store, [Paper(id="p9", title="Notes on the engine", authors=("Charles Babbage", "Grace Hopper"),
                                    year=1950)])
    names = {a.name for a in sqlite_store.list_authors(limit=50)[1]}
    assert "Grace Hopper" in names
    assert sqlite_store.get_author("name:charles babbage")[0].papers == 3
