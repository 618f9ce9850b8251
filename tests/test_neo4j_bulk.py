"""The bulk load (``neo4j-admin database import``) gives the graph the Cypher path gives.

The importer stops the server, so these tests never touch the shared test
server: they start a second managed Neo4j of their own (its home under the
test's temporary folder, sharing the assembled jars of the configured home, on a
free port), run ``citegraph run``'s pipeline into it through Cypher, read every
node and relationship, clear it, run the bulk path, read again and compare.
The corpus is the bundled sample plus a few hand-made papers whose values are
hard to write as CSV (quotes, commas, line breaks, the array delimiters, empty
lists and strings, citations).
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from api.bulk import LocalImporter
from graph.errors import NotSupported, StoreUnavailable

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted(str(p) for p in (ROOT / "graph" / "sample").glob("*.txt"))

TRICKY = [
    {"id": "x:quote", "title": 'A "quoted", comma title; with | pipes', "year": 2001,
     "abstract": "Line one about graph spectra.\nLine two, \"quoted\"\r\nand a third about spectra.",
     "authors": ["Doe, Jane", "O'Neil; Pat", "A|B"], "references": ["x:newline", "x:missing"]},
    {"id": "x:newline", "title": "Spectral graph theory\nacross lines", "abstract": "", "authors": [],
     "venue": "Ærø \u2603 Journal", "year": 1999},
    {"id": "x:plain", "title": "Spectral clustering of citation graphs", "authors": ["Only Author"],
     "abstract": "Spectral clustering of citation graphs with graph spectra.", "references": ["x:quote"],
     "doi": "10.1000/xyz", "label": "graphs"},
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def bulk_server(tmp_path_factory):
    """A second managed Neo4j (own home and port): the import stops and starts it."""
    if os.environ.get("NEO4J_URI"):
        pytest.skip("NEO4J_URI names an external server: the bulk test needs a managed local one")
    from api.neo4j_local import manager

    shared = manager.Settings()
    manager.install()  # the configured home's jars, assembled once
    home = tmp_path_factory.mktemp("neo4j-bulk-home")
    (home / "lib").symlink_to(shared.lib, target_is_directory=True)
    saved = {k: os.environ.get(k) for k in ("NEO4J_LOCAL_HOME", "NEO4J_LOCAL_PORT", "NEO4J_LOCAL_DATA",
                                            "NEO4J_PASSWORD")}
    os.environ.update(NEO4J_LOCAL_HOME=str(home), NEO4J_LOCAL_PORT=str(_free_port()),
                      NEO4J_PASSWORD="bulk-test-pw")
    os.environ.pop("NEO4J_LOCAL_DATA", None)
    try:
        info = manager.start(timeout=240)
        yield info
    finally:
        try:
            manager.stop()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture
def bulk_store(bulk_server):
    from graph.stores.neo4j import Neo4jStore

    store = Neo4jStore(bulk_server["uri"], bulk_server["user"], bulk_server["password"])
    store.open()
    store.clear()
    try:
        yield store
    finally:
        store.close()


class _Recording(LocalImporter):
    """The CLI's importer, recording its calls (``fail``: a real import that fails)."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[str] = []
        self.args: list[str] = []

    def __call__(self, args):
        self.calls.append("import")
        self.args = list(args)
        if not self.fail:
            return super().__call__(args)
        from api.neo4j_local import manager

        try:  # a real import that fails: neo4j-admin exits non-zero, bulk_import starts the server again
            super().__call__([args[0], "--nodes=Paper=/nonexistent/papers.csv"])
        finally:
            self.pid_after_import = manager.status()["pid"]

    def stop(self):
        self.calls.append("stop")
        super().stop()

    def start(self):
        self.calls.append("start")
        super().start()


def _without_seconds(value):
    if isinstance(value, dict):
        return {k: _without_seconds(v) for k, v in value.items() if "seconds" not in k}
    if isinstance(value, list):
        return [_without_seconds(v) for v in value]
    return value


def _dump(store) -> tuple[list[str], list[str], list[str]]:
    """Every node but runs (labels, properties) and every relationship (type,
    end keys, properties) as sorted JSON lines, and the kinds of the runs."""
    with store._session(read=True) as session:
        nodes = session.run("MATCH (n) WHERE NOT n:Run RETURN labels(n) AS l, properties(n) AS p").data()
        rels = session.run(
            "MATCH (a)-[r]->(b) RETURN type(r) AS t, [coalesce(a.id, a.name), coalesce(b.id, b.name)] AS ends, "
            "properties(r) AS p").data()
        runs = session.run("MATCH (r:Run) RETURN r.kind AS kind ORDER BY kind").value()
        schema = session.run("SHOW INDEXES YIELD name, type, labelsOrTypes, properties "
                             "RETURN name, type, labelsOrTypes, properties ORDER BY name").data()
    for node in nodes:  # the analysis parameters record its CPU seconds: they differ run to run
        if "params_json" in node["p"]:
            node["p"]["params_json"] = _without_seconds(json.loads(node["p"]["params_json"]))
    lines = lambda rows: sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in rows)  # noqa: E731
    return lines(nodes), lines(rels), runs + [json.dumps(s, sort_keys=True) for s in schema]


@pytest.mark.neo4j
def test_bulk_load_gives_the_graph_of_the_cypher_path(bulk_store, bulk_server, tmp_path):
    from graph.bulk import run_bulk
    from graph.jobs import run

    extra = tmp_path / "tricky.jsonl"
    extra.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in TRICKY), encoding="utf-8")
    cites = tmp_path / "cites.csv"
    cites.write_text("citing,cited\nx:plain,x:newline\n", encoding="utf-8")
    paths = [*SEEDS, str(extra)]

    run(bulk_store, paths, citations=[cites])
    cypher_nodes, cypher_rels, cypher_rest = _dump(bulk_store)
    bulk_store.clear()

    importer = _Recording()
    timings: dict = {}
    run_bulk(bulk_store, paths, citations=[cites], importer=importer, timings=timings)
    bulk_nodes, bulk_rels, bulk_rest = _dump(bulk_store)

    assert importer.calls == ["stop", "import"], "the server is stopped while the build runs, then imported into"
    assert "--nodes=Author=" in " ".join(importer.args), "authors go into the CSV files"
    assert len(bulk_nodes) == len(cypher_nodes) > 440
    assert len(bulk_rels) == len(cypher_rels) > 5000
    assert set(bulk_nodes) ^ set(cypher_nodes) == set()
    assert set(bulk_rels) ^ set(cypher_rels) == set()
    assert bulk_nodes == cypher_nodes and bulk_rels == cypher_rels
    assert bulk_rest == cypher_rest  # runs (build, analyze) and the same constraints and indexes
    kinds = {json.loads(line)["t"] for line in bulk_rels}
    assert kinds >= {"HAS_KEYWORD", "SIMILAR_TO", "SHARES_KEYWORDS", "CITES", "IN_COMMUNITY", "REFERENCES",
                     "COUPLED", "CO_CITED", "WROTE", "PUBLISHED_IN"}
    # x:quote's reference to a paper nobody loaded is a Reference node either way (issue 23 item 1).
    assert any(json.loads(line) == {"l": ["Reference"], "p": {"id": "ref:x:missing", "title": "x:missing"}}
               for line in bulk_nodes)


@pytest.mark.neo4j
def test_bulk_load_refuses_a_database_with_papers(bulk_store):
    from graph.bulk import run_bulk
    from graph.models import Paper

    bulk_store.upsert_papers([Paper(id="p1", title="Already here")])
    called = []
    with pytest.raises(NotSupported, match="empty"):
        run_bulk(bulk_store, SEEDS[:1], importer=called.append)
    assert called == []
    assert bulk_store.counts()["papers"] == 1


@pytest.mark.neo4j
def test_a_failed_import_is_reported_and_the_server_is_back(bulk_store, tmp_path):
    """The server is stopped while the build runs; an importer that fails leaves it
    started again with the database as it was, and its own error is the one raised."""
    from api.neo4j_local import manager
    from graph.bulk import run_bulk

    failing = _Recording(fail=True)
    with pytest.raises(StoreUnavailable, match="bulk import into the local Neo4j failed"):
        run_bulk(bulk_store, SEEDS[:1], importer=failing)
    assert failing.calls == ["stop", "import", "start"]
    assert failing.pid_after_import is not None
    assert manager.status()["pid"] == failing.pid_after_import  # started once, not stopped and started again
    assert bulk_store.counts()["papers"] == 0  # up, open, and still empty

    # A failure after the stop and before the import (no folder for the CSV files):
    # the server is started again without importing.
    failing.calls.clear()
    with pytest.raises(FileNotFoundError):
        run_bulk(bulk_store, SEEDS[:1], importer=failing, workdir=tmp_path / "missing")
    assert failing.calls == ["stop", "start"]
    assert bulk_store.counts()["papers"] == 0


# -- the CSV files alone (no server) -----------------------------------------------


def _tiny():
    from graph.models import CitationEdge, DerivedGraph, Keyword, KeywordScore, Paper, SimilarEdge

    papers = [Paper(id="b", title='Say "hi", world', abstract="two\nlines", authors=("X|Y", "Z\x1fW")),
              Paper(id="a", title="", authors=(), references=("b",))]
    derived = DerivedGraph(
        keywords=(Keyword("hi", 2),),
        has_keyword=(KeywordScore("a", "hi", 0.5), KeywordScore("b", "hi", 0.25)),
        similar=(SimilarEdge("b", "a", 0.1 + 0.2, ()), SimilarEdge("a", "b", 0.75, ("hi",))),
        shares_keywords=(),
        cites=(CitationEdge("a", "b"),),
        unresolved_references=3,
    )
    return papers, derived


def test_csv_files_hold_what_the_cypher_writer_writes(tmp_path):
    from graph.stores.neo4j_bulk import write_csv

    papers, derived = _tiny()
    files = write_csv(tmp_path, papers, derived)
    assert files.array_delimiter == "\x1e"  # \x1f is inside an author name
    text = (tmp_path / "papers.csv").read_text(encoding="utf-8")
    head, first, *_ = text.split("\n", 2)
    assert head.startswith(":ID(Paper),id,title,abstract,authors:string[],year:long")
    assert first.startswith('0,"a","",""')  # rows by id; an empty text stays an empty string
    assert '"Say ""hi"", world"' in text and '"X|Y\x1eZ\x1fW"' in text
    assert files.multiline == (tmp_path / "papers.csv",)
    # The duplicate pair keeps its last row, as replace_derived's MERGE would.
    assert (tmp_path / "rel-SIMILAR_TO.csv").read_text().splitlines() == [
        ":START_ID(Paper),:END_ID(Paper),score:double,terms:string[]", '0,1,0.75,"hi"']
    assert (tmp_path / "rel-CITES.csv").read_text().splitlines()[1:] == ["0,1"]
    assert (tmp_path / "meta.csv").read_text().splitlines()[1] == '0,"derived",3'
    assert files.empty_lists == {("Paper", "authors"): ["a"], ("Paper", "references"): ["b"]}
    args = files.import_args("neo4j")
    assert args[0] == "neo4j" and "--id-type=integer" in args and "--array-delimiter=U+001E" in args
    assert f"--relationships=CITES={tmp_path / 'rel-CITES.csv'}" in args


def test_csv_files_hold_reference_nodes_and_edges(tmp_path):
    from dataclasses import replace

    from graph.errors import InvalidParameter
    from graph.models import ReferenceEdge, ReferenceNode
    from graph.stores.neo4j_bulk import write_csv

    papers, derived = _tiny()
    refs = (ReferenceNode("doi:10.1/x", "10.1/x"), ReferenceNode("cr:doe|1990|nature", None, 'Doe J, 1990, "NATURE"', 1990))
    derived = replace(derived, references=refs, references_edges=(ReferenceEdge("b", "cr:doe|1990|nature"),
                                                                   ReferenceEdge("a", "doi:10.1/x")))
    files = write_csv(tmp_path, papers, derived)
    assert (tmp_path / "references.csv").read_text().splitlines() == [
        ":ID(Reference),id,doi,title,year:long", '0,"doi:10.1/x","10.1/x",,', '1,"cr:doe|1990|nature",,"Doe J, 1990, ""NATURE""",1990']
    assert (tmp_path / "rel-REFERENCES.csv").read_text().splitlines() == [":START_ID(Paper),:END_ID(Reference)",
                                                                          "0,0", "1,1"]
    assert files.counts["references"] == 2 and files.counts["REFERENCES"] == 2
    assert f"--nodes=Reference={tmp_path / 'references.csv'}" in files.import_args()
    with pytest.raises(InvalidParameter, match="nowhere"):
        write_csv(tmp_path, papers, replace(derived, references_edges=(ReferenceEdge("a", "nowhere"),)))


def test_csv_refuses_an_edge_to_an_unknown_paper(tmp_path):
    from dataclasses import replace

    from graph.errors import PaperNotFound
    from graph.models import CitationEdge
    from graph.stores.neo4j_bulk import write_csv

    papers, derived = _tiny()
    with pytest.raises(PaperNotFound, match="nobody"):
        write_csv(tmp_path, papers, replace(derived, cites=(CitationEdge("a", "nobody"),)))


def test_csv_of_edge_columns_equals_the_csv_of_edge_objects(tmp_path):
    """COUPLED / CO_CITED / SHARES_KEYWORDS held as EdgeArrays are written from the
    columns; the files are those the edge objects give (ends ordered by paper id,
    a repeated pair written once with its last row, an empty list left to SET_EMPTY_LIST)."""
    from dataclasses import replace

    import numpy as np

    from graph.authors import authorship
    from graph.edge_arrays import EdgeArrays
    from graph.models import CoCitedEdge, CoupledEdge, SharedKeywordsEdge
    from graph.stores.neo4j_bulk import write_csv

    papers, derived = _tiny()
    names = ["b", "a", "kw one", 'kw "two"']  # not in id order: "a" < "b" but index 1 > 0
    coupled = EdgeArrays(CoupledEdge, names, np.array([0, 0]), np.array([1, 1]), np.array([2, 3]),
                         np.array([0.5, 0.75]), np.array([0, 1, 3]), np.array([1, 0, 1]))
    co_cited = EdgeArrays(CoCitedEdge, names, np.array([1]), np.array([0]), np.array([1]), np.array([0.25]),
                          np.array([0, 1]), np.array([0]))
    shares = EdgeArrays(SharedKeywordsEdge, names, np.array([0]), np.array([1]), np.array([0]), np.array([0.0]),
                        np.array([0, 0]), np.array([], dtype=np.int32))
    as_arrays = replace(derived, coupled=coupled, co_cited=co_cited, shares_keywords=shares)
    as_objects = replace(derived, coupled=tuple(coupled), co_cited=tuple(co_cited), shares_keywords=tuple(shares))
    got = write_csv(tmp_path / "arrays", papers, as_arrays, authorship(papers))
    want = write_csv(tmp_path / "objects", papers, as_objects, authorship(papers))
    for _, path in got.nodes + got.relationships:
        assert path.read_text(encoding="utf-8") == (tmp_path / "objects" / path.name).read_text(encoding="utf-8"), path.name
    # (split on "\n": str.splitlines also breaks at the \x1e delimiter)
    assert (tmp_path / "arrays" / "rel-COUPLED.csv").read_text().split("\n")[1:] == ['0,1,3,0.75,"b\x1ea"', ""]
    assert got.empty_lists == want.empty_lists and got.empty_lists[("SHARES_KEYWORDS", "keywords")] == [["a", "b"]]
    assert got.counts == want.counts and got.counts["authors"] == 2 and got.counts["WROTE"] == 2
    assert (tmp_path / "arrays" / "authors.csv").read_text(encoding="utf-8").split("\n")[1:] == [
        '0,"name:x y","X|Y",,"x y"', '1,"name:z w","Z\x1fW",,"z w"', ""]
