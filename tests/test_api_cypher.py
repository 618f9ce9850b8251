"""POST /cypher on the real Neo4j: writes and admin calls refused with the graph
unchanged, a timeout that cuts queries off, a row cap that says it truncated,
parameters passed as parameters."""

from __future__ import annotations

import time

import neo4j
import pytest

from tests.api_support import A, AUTH, assert_error, client_for, load_tiny_graph

pytestmark = pytest.mark.neo4j

REFUSED = {
    "create": "CREATE (:Paper {id: 'evil'})",
    "create_return": "CREATE (p:Paper {id: 'evil'}) RETURN p",
    "merge": "MERGE (p:Paper {id: 'evil'}) RETURN p",
    "set": "MATCH (p:Paper) SET p.title = 'pwned' RETURN count(p)",
    "set_lower_case_with_comment": "match (p:Paper) /* harmless */ set p.title = 'pwned'",
    "delete": "MATCH (k:Keyword) WHERE NOT (k)<--() DELETE k",
    "detach_delete": "MATCH (p:Paper) DETACH DELETE p",
    "remove": "MATCH (p:Paper) REMOVE p.title",
    "remove_label": "MATCH (p:Paper) REMOVE p:Paper",
    "load_csv": "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    "load_csv_in_subquery": "CALL { LOAD CSV FROM 'https://example.org/x.csv' AS row RETURN row } RETURN row",
    "create_index": "CREATE INDEX evil_index FOR (p:Paper) ON (p.year)",
    "create_constraint": "CREATE CONSTRAINT evil_constraint FOR (p:Paper) REQUIRE p.title IS UNIQUE",
    "drop_index": "DROP INDEX paper_text IF EXISTS",
    "drop_constraint": "DROP CONSTRAINT paper_id IF EXISTS",
    "in_transactions": "MATCH (p:Paper) CALL { WITH p SET p.title = 'x' } IN TRANSACTIONS OF 2 ROWS RETURN count(*)",
    "subquery_write": "MATCH (p:Paper) CALL { WITH p DETACH DELETE p } RETURN count(*)",
    "foreach_write": "MATCH (p:Paper) WITH collect(p) AS ps FOREACH (x IN ps | SET x.title = 'x')",
    "write_procedure": "CALL db.createLabel('Evil')",
    "write_procedure_property": "CALL db.createProperty('evil')",
    "dbms_components": "CALL dbms.components()",
    "dbms_list_config": "CALL dbms.listConfig() YIELD name RETURN name",
    "dbms_kill": "CALL dbms.killQueries(['query-1'])",
    "dbms_clear_caches": "CALL dbms.clearQueryCaches()",
    "show_users": "SHOW USERS",
    "create_user": "CREATE USER evil SET PASSWORD 'evilpassword'",
    "create_database": "CREATE DATABASE evil",
    "use_system": "USE system MATCH (n) RETURN n",
}


@pytest.fixture
def neo(neo4j_store):
    load_tiny_graph(neo4j_store)
    return neo4j_store


def _schema(server) -> tuple:
    with neo4j.GraphDatabase.driver(server["uri"], auth=(server["user"], server["password"])) as driver:
        indexes, _, _ = driver.execute_query("SHOW INDEXES YIELD name RETURN name ORDER BY name")
        constraints, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN name ORDER BY name")
        users, _, _ = driver.execute_query("SHOW USERS YIELD user RETURN user ORDER BY user", database_="system")
    return ([r["name"] for r in indexes], [r["name"] for r in constraints], [r["user"] for r in users])


def _snapshot(client, store) -> tuple:
    titles = sorted((p.id, p.title) for p in store.iter_papers())
    labels = client.post("/cypher", json={"query": "CALL db.labels() YIELD label RETURN label ORDER BY label"},
                         headers=AUTH).json()["rows"]
    props = client.post("/cypher", json={"query": "CALL db.propertyKeys() YIELD propertyKey RETURN propertyKey"},
                        headers=AUTH).json()["rows"]
    return store.counts(), titles, labels, sorted(map(tuple, props))


def test_every_write_and_admin_query_is_refused_and_the_graph_unchanged(neo, neo4j_server):
    with client_for(neo) as client:
        before, schema_before = _snapshot(client, neo), _schema(neo4j_server)
        for name, query in REFUSED.items():
            r = client.post("/cypher", json={"query": query}, headers=AUTH)
            assert r.status_code == 400, (name, r.text)
            error = assert_error(r, 400, "query_refused")
            assert error["message"].startswith("Query refused"), (name, error)
        assert _snapshot(client, neo) == before
        assert _schema(neo4j_server) == schema_before
        assert "evil" not in str(schema_before)


def test_read_queries_and_parameters(neo):
    with client_for(neo) as client:
        r = client.post("/cypher", headers=AUTH, json={
            "query": "MATCH (p:Paper {id: $id})-[s:SIMILAR_TO]-(q:Paper) RETURN q.id AS id, s.score AS score",
            "parameters": {"id": A}})
        assert r.json() == {"columns": ["id", "score"], "rows": [["hep-th/0002", 0.62]], "row_count": 1,
                            "truncated": False, "truncated_by": None}
        # A parameter is a value, never Cypher: this id matches nothing and changes nothing.
        r = client.post("/cypher", headers=AUTH, json={
            "query": "MATCH (p:Paper) WHERE p.id = $id RETURN p.id",
            "parameters": {"id": "x' OR 1=1 WITH p DETACH DELETE p //"}})
        assert r.json()["rows"] == [] and neo.counts()["papers"] == 7
        r = client.post("/cypher", headers=AUTH, json={
            "query": "MATCH (p:Paper {id: $id}) RETURN p", "parameters": {"id": A}})
        node = r.json()["rows"][0][0]
        assert node["labels"] == ["Paper"] and node["properties"]["title"] == "Black hole entropy in string theory"
        r = client.post("/cypher", headers=AUTH, json={
            "query": "CALL db.index.fulltext.queryNodes('paper_text', $q) YIELD node RETURN node.id AS id",
            "parameters": {"q": "holography"}})
        assert r.json()["rows"] == [["hep-th/0003"]]


def test_invalid_cypher_is_422(neo):
    with client_for(neo) as client:
        error = assert_error(client.post("/cypher", json={"query": "MATCH (n RETURN n"}, headers=AUTH), 422)
        assert "Invalid Cypher" in error["message"]
        assert_error(client.post("/cypher", json={"query": ""}, headers=AUTH), 422)
        assert_error(client.post("/cypher", json={"query": "RETURN 1", "extra": 1}, headers=AUTH), 422)
        assert_error(client.post("/cypher", json={"query": "RETURN $x", "parameters": []}, headers=AUTH), 422)


def test_row_cap_truncates_and_says_so(neo):
    with client_for(neo, citegraph_cypher_max_rows=3) as client:
        r = client.post("/cypher", json={"query": "UNWIND range(1, 10) AS x RETURN x"}, headers=AUTH).json()
        assert r == {"columns": ["x"], "rows": [[1], [2], [3]], "row_count": 3, "truncated": True,
                     "truncated_by": "rows"}
        r = client.post("/cypher", json={"query": "UNWIND range(1, 3) AS x RETURN x"}, headers=AUTH).json()
        assert r["truncated"] is False and r["row_count"] == 3


def test_long_query_is_cut_off_at_the_timeout(neo):
    with client_for(neo, citegraph_cypher_timeout=1.0) as client:
        t0 = time.perf_counter()
        r = client.post("/cypher", headers=AUTH, json={
            "query": "UNWIND range(1, 1000000000) AS x WITH x WHERE x % 1000003 = -1 RETURN count(x) AS n"})
        elapsed = time.perf_counter() - t0
        error = assert_error(r, 408, "query_timeout")
        assert "1 s" in error["message"]
        assert elapsed < 10.0
        # The server is fine afterwards.
        assert client.post("/cypher", json={"query": "RETURN 1 AS one"}, headers=AUTH).json()["rows"] == [[1]]
