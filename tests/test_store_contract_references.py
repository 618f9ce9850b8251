"""Reference nodes (issue 23 item 1) in both stores: the same nodes and edges in, the same out.

``(:Paper)-[:REFERENCES]->(:Reference {id, doi, title, year})`` for references that
name no paper of the graph; CITES stays the relation between papers. Runs against
the embedded store and a real Neo4j (the ``store`` fixture of tests/conftest.py).

Resolution semantics (docs/identity.md): Reference nodes are derived by ``build``
like CITES. When a later ingest adds the paper a Reference named, the next build
turns its REFERENCES edges into CITES edges and removes the Reference node (kept
only while some reference to it still names no paper).
"""

from __future__ import annotations

import json

import pytest

from graph.edges import BuildParams
from graph.errors import PaperNotFound
from graph.jobs import build, ingest
from graph.models import CitationEdge, DerivedGraph, Paper, ReferenceEdge, ReferenceNode

WOS = "Doe J, 1990, NATURE, V345, P10"
PAPERS = [
    Paper("a", "Graphs of citations in physics", "We study citation graphs.",
          references=("b", "10.1000/OUT", WOS, "  A thesis  nobody loaded ")),
    Paper("b", "Citation networks again", "More on citation networks.",
          references=("https://doi.org/10.1000/out", "a")),
]
NODES = (
    ReferenceNode("cr:doe|1990|nature|345|10", None, WOS, 1990),
    ReferenceNode("doi:10.1000/out", "10.1000/out", None, None),
    ReferenceNode("ref:a thesis nobody loaded", None, "A thesis nobody loaded", None),
)
EDGES = (
    ReferenceEdge("a", "cr:doe|1990|nature|345|10"),
    ReferenceEdge("a", "doi:10.1000/out"),
    ReferenceEdge("a", "ref:a thesis nobody loaded"),
    ReferenceEdge("b", "doi:10.1000/out"),
)


def test_build_stores_every_unresolved_reference_as_a_node(store):
    store.upsert_papers(PAPERS)
    report = build(store, BuildParams())
    assert store.load_references() == (NODES, EDGES)
    assert store.load_derived().cites == (CitationEdge("a", "b"), CitationEdge("b", "a"))
    counts = store.counts()
    assert counts["references"] == 3 and counts["REFERENCES"] == 4
    assert report.counts["references"] == 3 and report.counts["REFERENCES"] == 4
    assert list(counts)[:4] == ["papers", "keywords", "communities", "references"]


def test_rebuild_and_reingest_create_no_duplicates(store, tmp_path):
    path = tmp_path / "papers.jsonl"
    path.write_text("".join(json.dumps({"id": p.id, "title": p.title, "abstract": p.abstract,
                                        "references": list(p.references)}) + "\n" for p in PAPERS))
    for _ in range(2):
        ingest(store, [path])
        build(store, BuildParams())
        assert store.load_references() == (NODES, EDGES)
        assert store.counts()["REFERENCES"] == 4


def test_a_later_paper_resolves_a_reference_and_its_node_goes(store, tmp_path):
    store.upsert_papers(PAPERS)
    build(store, BuildParams())
    # The paper the DOI reference named arrives; the next build makes CITES of it.
    later = tmp_path / "later.jsonl"
    later.write_text(json.dumps({"doi": "10.1000/out", "title": "The outside paper",
                                 "abstract": "It was cited before it was loaded."}) + "\n")
    ingest(store, [later])
    build(store, BuildParams())
    nodes, edges = store.load_references()
    assert [n.id for n in nodes] == ["cr:doe|1990|nature|345|10", "ref:a thesis nobody loaded"]
    assert "doi:10.1000/out" not in {e.target for e in edges}
    cites = store.load_derived().cites
    assert CitationEdge("a", "doi:10.1000/out") in cites and CitationEdge("b", "doi:10.1000/out") in cites
    assert store.counts()["references"] == 2


def test_replace_derived_replaces_them_and_add_derived_merges_them(store):
    store.upsert_papers(PAPERS)
    store.replace_derived(DerivedGraph((), (), (), (), (), references=NODES, references_edges=EDGES))
    assert store.load_references() == (NODES, EDGES)
    changed = (ReferenceNode("doi:10.1000/out", "10.1000/out", "Now with a title", 2001),)
    store.replace_derived(DerivedGraph((), (), (), (), (), references=changed,
                                       references_edges=(ReferenceEdge("b", "doi:10.1000/out"),)))
    assert store.load_references() == (changed, (ReferenceEdge("b", "doi:10.1000/out"),))
    # add_derived keeps what is stored (a stored node keeps its values) and adds the rest.
    store.add_derived(DerivedGraph((), (), (), (), (), references=NODES, references_edges=EDGES[:1]))
    nodes, edges = store.load_references()
    assert nodes == (NODES[0], changed[0], NODES[2])
    assert edges == (EDGES[0], ReferenceEdge("b", "doi:10.1000/out"))
    store.replace_derived(DerivedGraph((), (), (), (), ()))
    assert store.load_references() == ((), ())


def test_a_references_edge_from_an_unknown_paper_is_refused(store):
    store.upsert_papers(PAPERS)
    with pytest.raises(PaperNotFound, match="nope"):
        store.replace_derived(DerivedGraph((), (), (), (), (), references=NODES[:1],
                                           references_edges=(ReferenceEdge("nope", NODES[0].id),)))
    assert store.load_references() == ((), ())


def test_a_schema_4_file_gets_the_reference_tables(tmp_path):
    """SQLite schema 4 -> 5: the migration creates the (empty) tables; the papers stay."""
    import sqlite3

    from graph.stores.sqlite import SQLiteStore
    from graph.stores.sqlite_schema import SCHEMA_VERSION

    path = tmp_path / "g.db"
    with SQLiteStore(path) as store:
        store.upsert_papers(PAPERS)
    with sqlite3.connect(path, isolation_level=None) as conn:  # what schema 4 had: no reference tables
        conn.execute("DROP TABLE paper_references")
        conn.execute("DROP TABLE external_references")
        conn.execute("PRAGMA user_version=4")
    with SQLiteStore(path) as store:
        assert store.load_references() == ((), ())
        assert store.counts()["papers"] == 2
        build(store, BuildParams())
        assert store.load_references() == (NODES, EDGES)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,) == (5,)
