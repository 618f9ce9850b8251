"""Neo4j-only behaviour of :class:`graph.stores.neo4j.Neo4jStore`: the read-only
Cypher endpoint, error translation, schema, storage details.

The behaviour both stores share lives in ``tests/test_store_contract.py``.
Every refusal test checks that the graph (data, labels, indexes, constraints)
is exactly as it was afterwards.
"""

from __future__ import annotations

import time

import neo4j
import pytest

from graph.errors import InvalidParameter, QueryRefused, QueryTimeout, StoreUnavailable
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
from graph.stores.neo4j import Neo4jStore
from graph.stores.neo4j_readonly import plan_refusal, strip_literals, text_refusal

pytestmark = pytest.mark.neo4j

PAPERS = [
    Paper(id="a", title="Alpha graphs", abstract="Graph neural networks.", authors=("Ann", "Bo"), year=2020,
          doi="10.1/a", references=("b",), extra={"source_id": 17, "flag": True, "ratio": 0.1, "none": None}),
    Paper(id="b", title="Beta graphs", abstract="Spectral clustering of graphs.", year=2019),
    Paper(id="c", title="Gamma", abstract="Unrelated text about proteins.", arxiv_id="2101.00001"),
]
DERIVED = DerivedGraph(
    keywords=(Keyword("graph", 2), Keyword("protein", 1)),
    has_keyword=(KeywordScore("a", "graph", 0.9), KeywordScore("b", "graph", 0.8), KeywordScore("c", "protein", 0.7)),
    similar=(SimilarEdge("a", "b", 0.5, ("graph",)),),
    shares_keywords=(SharedKeywordsEdge("a", "b", 1, 0.5, ("graph",)),),
    cites=(CitationEdge("a", "b"),),
    unresolved_references=3,
)
ANALYSIS = AnalysisResult(
    communities=(Community(0, 2, "graph", ("graph",), 0.4, ("a", "b")), Community(1, 1, "protein", ("protein",), 0.4)),
    scores=(
        PaperScores("a", 0, 2.0, 0.5, 0.1, 0.0),
        PaperScores("b", 0, 2.0, 0.3, 0.0, 0.0),
        PaperScores("c", 1, 0.0, 0.2, 0.0, 0.0),
    ),
    modularity=0.4,
)


@pytest.fixture
def driver(neo4j_server):
    d = neo4j.GraphDatabase.driver(neo4j_server["uri"], auth=(neo4j_server["user"], neo4j_server["password"]))
    try:
        yield d
    finally:
        d.close()


@pytest.fixture
def seeded(neo4j_store):
    neo4j_store.upsert_papers(PAPERS)
    neo4j_store.replace_derived(DERIVED)
    neo4j_store.write_analysis(ANALYSIS)
    return neo4j_store


def _schema(driver, database="neo4j"):
    records, _, _ = driver.execute_query("SHOW INDEXES YIELD name RETURN collect(name) AS names", database_=database)
    indexes = sorted(records[0]["names"])
    records, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names",
                                         database_=database)
    constraints = sorted(records[0]["names"])
    records, _, _ = driver.execute_query("SHOW USERS YIELD user RETURN collect(user) AS users", database_="system")
    return indexes, constraints, sorted(records[0]["users"])


def _fingerprint(store, driver):
    """Everything a write could change: data, labels in use, schema, users."""
    records, _, _ = driver.execute_query(
        "MATCH (n) RETURN labels(n) AS l, properties(n) AS p ORDER BY elementId(n)", database_=store.database
    )
    nodes = [(sorted(r["l"]), sorted(r["p"].items())) for r in records]
    return (store.counts(), list(store.iter_papers()), store.load_derived(), store.communities(), nodes,
            _schema(driver, store.database))


# -- the read-only endpoint ---------------------------------------------------------

REFUSED = {
    "create": "CREATE (n:Paper {id: 'evil'}) RETURN n",
    "create-lowercase": "create (n:Paper {id: 'evil'}) return n",
    "merge": "MERGE (n:Paper {id: 'evil'}) RETURN n",
    "set": "MATCH (p:Paper) SET p.title = 'evil' RETURN count(p)",
    "set-map": "MATCH (p:Paper {id: 'a'}) SET p += {title: 'evil'} RETURN p.id",
    "delete": "MATCH (k:Keyword {name: 'protein'})<-[r]-() DELETE r RETURN count(*)",
    "detach-delete": "MATCH (p:Paper) DETACH DELETE p",
    "remove": "MATCH (p:Paper) REMOVE p.title RETURN count(p)",
    "remove-label": "MATCH (p:Paper) REMOVE p:Paper RETURN count(p)",
    "foreach-create": "FOREACH (i IN [1] | CREATE (:Paper {id: 'evil'}))",
    "subquery-write": "MATCH (p:Paper) CALL (p) { SET p.title = 'evil' } RETURN count(*)",
    "load-csv": "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "load-csv-headers": "LOAD CSV WITH HEADERS FROM 'https://example.org/x.csv' AS row RETURN row",
    "create-index": "CREATE INDEX evil FOR (p:Paper) ON (p.title)",
    "create-constraint": "CREATE CONSTRAINT evil FOR (p:Paper) REQUIRE p.title IS UNIQUE",
    "drop-index": "DROP INDEX paper_title_key",
    "drop-constraint": "DROP CONSTRAINT paper_id",
    "call-in-transactions": "MATCH (p:Paper) CALL (p) { SET p.title = 'evil' } IN TRANSACTIONS OF 1 ROW",
    "call-in-transactions-old": "MATCH (p:Paper) CALL { WITH p DETACH DELETE p } IN TRANSACTIONS",
    "periodic-commit": "USING PERIODIC COMMIT 10 LOAD CSV FROM 'file:///x.csv' AS l CREATE (:X)",
    "write-procedure": "CALL db.createLabel('X')",
    "write-procedure-backticks": "CALL `db`.`createLabel`('X')",
    "dbms-list-config": "CALL dbms.listConfig()",
    "dbms-create-user": "CALL dbms.security.createUser('evil', 'evil-password', false)",
    "dbms-components": "CALL dbms.components() YIELD name RETURN name",
    "show-settings": "SHOW SETTINGS YIELD name RETURN name",
    "create-user": "CREATE USER evil SET PASSWORD 'evil-password'",
    "use-system": "USE system SHOW USERS",
    "terminate": "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
}


@pytest.mark.parametrize("query", REFUSED.values(), ids=REFUSED.keys())
def test_cypher_refuses_writes_admin_and_files(seeded, driver, query):
    before = _fingerprint(seeded, driver)
    with pytest.raises(QueryRefused, match="Query refused"):
        seeded.cypher(query)
    assert _fingerprint(seeded, driver) == before


def test_plan_check_refuses_what_the_text_check_lets_through(seeded, driver):
    # The text check alone does not catch SET; the EXPLAIN query type must.
    query = "MATCH (p:Paper) SET p.title = 'evil' RETURN count(p)"
    assert text_refusal(query) is None
    before = _fingerprint(seeded, driver)
    with pytest.raises(QueryRefused, match="writes"):
        seeded.cypher(query)
    assert _fingerprint(seeded, driver) == before


PLAN_REFUSED = [q for k, q in REFUSED.items()
                if not k.startswith(("load-csv", "periodic", "show", "use", "terminate", "dbms-create-user"))]


@pytest.mark.parametrize("query", [*PLAN_REFUSED, "CALL db.info()", "CALL db.stats.retrieve('GRAPH COUNTS')"])
def test_explain_layer_alone_refuses(neo4j_store, driver, query):
    # Defence in depth: with the text check out of the way, the EXPLAIN summary
    # (query type, procedures of the plan) still refuses.
    with driver.session(database=neo4j_store.database, default_access_mode=neo4j.READ_ACCESS) as session:
        with session.begin_transaction(timeout=5) as tx:
            summary = tx.run("EXPLAIN " + query).consume()
    assert plan_refusal(summary.query_type, summary.plan) is not None


def test_read_transaction_layer_alone_refuses_writes(neo4j_store, driver):
    # The last layer is Neo4j's own: a write in a READ transaction fails.
    with driver.session(database=neo4j_store.database, default_access_mode=neo4j.READ_ACCESS) as session:
        with pytest.raises(neo4j.exceptions.ClientError, match="read access mode"):
            with session.begin_transaction(timeout=5) as tx:
                tx.run("CREATE (:Paper {id: 'evil'})").consume()
    assert neo4j_store.counts()["papers"] == 0


def test_text_check_ignores_strings_and_comments():
    assert strip_literals("RETURN 'LOAD CSV' /* CREATE */ // DROP") == "RETURN ''    "
    assert text_refusal("RETURN 'LOAD CSV, CALL dbms.listConfig()' AS s") is None
    assert text_refusal("MATCH (p:Paper) RETURN p.use AS x") is None


def test_cypher_reads_with_parameters(seeded):
    result = seeded.cypher("MATCH (p:Paper) WHERE p.id IN $ids RETURN p.id AS id, p.year AS year ORDER BY id",
                           {"ids": ["a", "b", "zz"]})
    assert result.columns == ("id", "year")
    assert result.rows == (("a", 2020), ("b", 2019))
    assert result.truncated is False


def test_cypher_parameters_are_not_spliced(seeded):
    result = seeded.cypher("MATCH (p:Paper {id: $id}) RETURN p.id", {"id": "a' OR 1=1 //"})
    assert result.rows == ()


def test_cypher_allows_listed_read_procedures_and_literals(seeded):
    labels = seeded.cypher("CALL db.labels() YIELD label RETURN label ORDER BY label")
    assert ("Paper",) in labels.rows
    text = seeded.cypher("RETURN 'LOAD CSV and CREATE INDEX' AS s")
    assert text.rows == (("LOAD CSV and CREATE INDEX",),)


def test_cypher_row_cap_sets_truncated(seeded):
    capped = seeded.cypher("UNWIND range(1, 10) AS i RETURN i", max_rows=3)
    assert capped.rows == ((1,), (2,), (3,))
    assert capped.truncated is True
    exact = seeded.cypher("UNWIND range(1, 10) AS i RETURN i", max_rows=10)
    assert len(exact.rows) == 10
    assert exact.truncated is False


def test_cypher_timeout_cuts_off_a_slow_query(seeded, driver):
    before = _fingerprint(seeded, driver)
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="1 s"):
        seeded.cypher("UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN count(*) AS n",
                      timeout=1.0)
    assert time.monotonic() - started < 20
    assert _fingerprint(seeded, driver) == before
    assert seeded.cypher("RETURN 1 AS one").rows == ((1,),)  # the store still works


def test_cypher_syntax_error_is_invalid_parameter_with_neo4j_message(seeded):
    with pytest.raises(InvalidParameter, match="Invalid Cypher: .*Invalid input") as info:
        seeded.cypher("MATCH (n RETURN n")
    assert "Traceback" not in str(info.value)


def test_cypher_missing_parameter_is_invalid_parameter(seeded):
    with pytest.raises(InvalidParameter, match="Invalid Cypher"):
        seeded.cypher("MATCH (p:Paper {id: $id}) RETURN p")


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"timeout": 0}, "timeout"), ({"max_rows": 0}, "max_rows"), ({"parameters": [1]}, "parameters"),
     ({"parameters": {"x": object()}}, "parameters"), ({"parameters": {"x": 2**70}}, "parameters")],
)
def test_cypher_checks_its_own_parameters(seeded, kwargs, name):
    with pytest.raises(InvalidParameter) as info:
        seeded.cypher("RETURN $x AS x", **kwargs)
    assert info.value.name == name


def test_cypher_converts_nodes_relationships_and_paths(seeded):
    result = seeded.cypher(
        "MATCH path = (a:Paper {id: 'a'})-[r:CITES]->(b:Paper) RETURN a, r, path, date('2024-01-02') AS d"
    )
    (a, r, path, d), = result.rows
    assert a["labels"] == ["Paper"]
    assert a["properties"]["id"] == "a"
    assert a["properties"]["authors"] == ["Ann", "Bo"]
    assert r["type"] == "CITES"
    assert r["start"] == a["element_id"]
    assert r["properties"] == {}
    assert [step.get("type", step.get("labels")) for step in path] == [["Paper"], "CITES", ["Paper"]]
    assert path[2]["properties"]["id"] == "b"
    assert r["end"] == path[2]["element_id"]
    assert d == "2024-01-02"


# -- connection errors ------------------------------------------------------------------


def test_unreachable_server_is_store_unavailable_without_password():
    store = Neo4jStore("bolt://127.0.0.1:1", "neo4j", "s3cret-never-shown", connection_timeout=2, max_retry_time=1)
    with pytest.raises(StoreUnavailable) as info:
        store.open()
    assert "bolt://127.0.0.1:1" in str(info.value)
    assert "s3cret-never-shown" not in str(info.value)


def test_wrong_password_is_authentication_failed(neo4j_server):
    store = Neo4jStore(neo4j_server["uri"], neo4j_server["user"], "wrong-password-xyz")
    with pytest.raises(StoreUnavailable, match="authentication failed") as info:
        store.open()
    assert "wrong-password-xyz" not in str(info.value)


def test_methods_before_open_are_store_unavailable(neo4j_server):
    store = Neo4jStore(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"])
    with pytest.raises(StoreUnavailable, match="not open"):
        store.counts()


def test_unknown_database_is_store_unavailable(neo4j_server):
    store = Neo4jStore(neo4j_server["uri"], neo4j_server["user"], neo4j_server["password"], database="nosuchdb")
    with pytest.raises(StoreUnavailable, match="nosuchdb"):
        store.open()


# -- schema and storage -------------------------------------------------------------------


def test_open_creates_constraints_and_indexes(neo4j_store, driver):
    indexes, constraints, _ = _schema(driver, neo4j_store.database)
    assert {"paper_id", "keyword_name", "community_id"} <= set(constraints)
    assert {"paper_text", "paper_title_key"} <= set(indexes)
    records, _, _ = driver.execute_query(
        "SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, properties WHERE name = 'paper_text' "
        "RETURN labelsOrTypes, properties", database_=neo4j_store.database)
    assert records[0]["labelsOrTypes"] == ["Paper"]
    assert records[0]["properties"] == ["title", "abstract"]


def test_open_twice_is_harmless(neo4j_store):
    neo4j_store.close()
    neo4j_store.open()
    neo4j_store.open()
    assert neo4j_store.counts()["papers"] == 0


def test_paper_properties_and_extra_round_trip(neo4j_store, driver):
    neo4j_store.upsert_papers(PAPERS, batch_size=2)
    assert neo4j_store.get_papers(["a", "b", "c"]) == {p.id: p for p in PAPERS}
    records, _, _ = driver.execute_query("MATCH (p:Paper {id: 'a'}) RETURN p", database_=neo4j_store.database)
    props = dict(records[0]["p"])
    assert props["references"] == ["b"]
    assert props["title_key"] == "alpha graphs"
    assert props["authors"] == ["Ann", "Bo"]


def test_writes_are_idempotent(seeded):
    before = seeded.counts()
    seeded.upsert_papers(PAPERS, batch_size=1)
    seeded.add_derived(DerivedGraph((), DERIVED.has_keyword, DERIVED.similar, DERIVED.shares_keywords,
                                    DERIVED.cites))
    seeded.replace_derived(DERIVED, batch_size=1)
    seeded.write_analysis(ANALYSIS, batch_size=1)
    assert seeded.counts() == before
    assert before == {"papers": 3, "keywords": 2, "communities": 2, "HAS_KEYWORD": 3, "SIMILAR_TO": 1,
                      "SHARES_KEYWORDS": 1, "CITES": 1, "IN_COMMUNITY": 3, "COUPLED": 0, "CO_CITED": 0,
                      "references": 0, "REFERENCES": 0}


def test_replace_derived_deletes_in_batches(neo4j_store):
    papers = [Paper(id=f"p{i:03d}", title=f"Paper {i}") for i in range(60)]
    neo4j_store.upsert_papers(papers)
    cites = tuple(CitationEdge(f"p{i:03d}", f"p{j:03d}") for i in range(60) for j in range(i + 1, min(i + 20, 60)))
    neo4j_store.replace_derived(DerivedGraph((), (), (), (), cites), batch_size=7)
    assert neo4j_store.counts()["CITES"] == len(cites)
    neo4j_store.replace_derived(DerivedGraph((), (), (), (), cites[:5]), batch_size=7)
    assert neo4j_store.load_derived().cites == tuple(sorted(cites[:5], key=lambda e: (e.source, e.target)))


def test_runs_are_run_nodes(neo4j_store, driver):
    run = RunRecord("build", "2024-01-01T00:00:00Z", 1.5, {"k": 8}, {"papers": 3}, {"citegraph": "0.1.0"})
    neo4j_store.record_run(run)
    assert neo4j_store.runs() == [run]
    records, _, _ = driver.execute_query("MATCH (r:Run) RETURN count(r) AS n", database_=neo4j_store.database)
    assert records[0]["n"] == 1


def test_fulltext_escapes_lucene_syntax(seeded):
    assert seeded.fulltext('title:alpha AND "graphs" OR spectral* ~ [a TO z] \\') != []
    assert seeded.fulltext("+-&|!(){}[]^\"~*?:\\/") == []
    assert [pid for pid, _ in seeded.fulltext("proteins")] == ["c"]


def test_replace_derived_creates_each_edge_once_from_repeated_rows(neo4j_store):
    # replace_derived CREATEs edges (they were all just deleted): repeated rows,
    # and an undirected pair given both ways, must still give one edge each.
    neo4j_store.upsert_papers(PAPERS)
    derived = DerivedGraph(
        keywords=(Keyword("graph", 2),),
        has_keyword=(KeywordScore("a", "graph", 0.1), KeywordScore("a", "graph", 0.9)),
        similar=(SimilarEdge("a", "b", 0.1), SimilarEdge("b", "a", 0.5, ("graph",))),
        shares_keywords=(SharedKeywordsEdge("b", "a", 1, 0.5, ("graph",)),) * 2,
        cites=(CitationEdge("a", "b"),) * 3,
    )
    neo4j_store.replace_derived(derived, batch_size=1)
    got = neo4j_store.load_derived()
    assert got.has_keyword == (KeywordScore("a", "graph", 0.9),)
    assert got.similar == (SimilarEdge("a", "b", 0.5, ("graph",)),)
    assert got.shares_keywords == (SharedKeywordsEdge("a", "b", 1, 0.5, ("graph",)),)
    assert got.cites == (CitationEdge("a", "b"),)
    assert got.unresolved_references == 0


def test_derived_edges_to_unknown_papers_or_keywords_write_nothing(seeded):
    from graph.errors import KeywordNotFound, PaperNotFound

    before = seeded.load_derived()
    with pytest.raises(PaperNotFound, match="'nope'"):
        seeded.replace_derived(DerivedGraph((), (), (), (), (CitationEdge("a", "nope"),)))
    with pytest.raises(KeywordNotFound, match="'unknown'"):
        seeded.add_derived(DerivedGraph((), (KeywordScore("a", "unknown", 0.5),), (), (), ()))
    assert seeded.load_derived() == before


def _many_edges(n: int, shift: int, huge_count: bool = False) -> DerivedGraph:
    """A derived graph of ``n`` papers with a few hundred edges of every kind;
    ``shift`` moves some edges and changes some scores (a rebuild's difference)."""
    ids = [f"p{i:03d}" for i in range(n)]
    keywords = tuple(Keyword(f"k{j}", n // 10 + shift) for j in range(10 + shift))
    return DerivedGraph(
        keywords=keywords,
        has_keyword=tuple(KeywordScore(ids[i], f"k{(i + d + shift) % 10}", 0.25 * d + 0.01 * shift)
                          for i in range(n) for d in range(1, 4)),
        similar=tuple(SimilarEdge(ids[i], ids[(i + d) % n], 0.5 + 0.01 * (d + shift), (f"t{d}",))
                      for i in range(n) for d in (1, 2 + shift)),
        shares_keywords=tuple(SharedKeywordsEdge(ids[i], ids[(i + 3) % n], 2**70 if huge_count and i == n // 2 else 1 + shift,
                                                 0.5, ("k1",)) for i in range(n)),
        cites=tuple(CitationEdge(ids[i], ids[(i + d + shift) % n]) for i in range(n) for d in range(1, 6)),
        unresolved_references=shift,
    )


def test_parallel_writers_give_the_graph_of_one_writer(neo4j_store):
    # The default store writes a build's creates and updates on two sessions at
    # once; with small batches that is dozens of concurrent transactions on the
    # same nodes. A first build and a rebuild (deletes, updates, creates) must
    # give exactly the graph one session writes, batch after batch.
    papers = [Paper(id=f"p{i:03d}", title=f"Paper {i}") for i in range(60)]
    first, second = _many_edges(60, 0), _many_edges(60, 1)
    assert neo4j_store.write_workers == 2  # the default
    got = {}
    for label, workers in (("serial", 1), ("parallel", 2)):
        store = Neo4jStore(neo4j_store.uri, neo4j_store.user, neo4j_store._password, neo4j_store.database,
                           write_workers=workers)
        store.open()
        try:
            store.clear()
            store.upsert_papers(papers)
            store.replace_derived(first, batch_size=4)
            after_first = store.load_derived()
            store.replace_derived(second, batch_size=4)
            got[label] = (after_first, store.load_derived(), store.counts())
        finally:
            store.close()
    assert got["parallel"] == got["serial"]
    after_first, after_second, counts = got["parallel"]
    assert len(after_first.cites) == 300 and len(after_first.has_keyword) == 180
    assert after_second.unresolved_references == 1 and len(after_second.keywords) == 11
    assert counts["CITES"] == 300 and counts["SIMILAR_TO"] == 120 and counts["SHARES_KEYWORDS"] == 60


def test_a_failing_parallel_batch_is_reported_and_a_rerun_completes_the_graph(neo4j_store):
    import threading

    papers = [Paper(id=f"p{i:03d}", title=f"Paper {i}") for i in range(60)]
    neo4j_store.upsert_papers(papers)
    threads = threading.active_count()
    # One SHARES_KEYWORDS row carries a count Bolt cannot encode: its batch fails in
    # a worker thread; the error reaches the caller as the store's own error.
    with pytest.raises(InvalidParameter):
        neo4j_store.replace_derived(_many_edges(60, 0, huge_count=True), batch_size=1)
    assert threading.active_count() == threads  # no writer thread left behind
    # The batches written before the failure stay; re-running with good data
    # writes the difference and gives the whole graph.
    good = _many_edges(60, 0)
    neo4j_store.replace_derived(good, batch_size=1)
    got = neo4j_store.load_derived()
    assert (len(got.has_keyword), len(got.similar), len(got.shares_keywords), len(got.cites)) == (180, 120, 60, 300)
    assert {e.count for e in got.shares_keywords} == {1}


def test_write_workers_is_checked():
    with pytest.raises(InvalidParameter, match="write_workers"):
        Neo4jStore("bolt://127.0.0.1:1", write_workers=0)


def test_unique_rows_keep_the_last_row_of_each_pair_sorted_by_end_then_start():
    import random

    from graph.stores.neo4j_rows import unique as _unique

    def reference(rows):  # the dict it replaced
        by_key = {(row[1], row[0]): row for row in rows}
        return [by_key[k] for k in sorted(by_key)]

    rnd = random.Random(7)
    for _ in range(300):
        rows = [[rnd.randrange(6), rnd.randrange(6), rnd.random()] for _ in range(rnd.randrange(0, 40))]
        assert _unique(rows) == reference(rows)
        assert _unique(iter(rows)) == reference(rows)
    big = [[2**40 + 3, 2**41, 0.1], [5, 2**41, 0.2], [2**40 + 3, 2**41, 0.3]]
    assert _unique(big) == [[5, 2**41, 0.2], [2**40 + 3, 2**41, 0.3]]
