"""The findings of issue 19 (an attack on a served instance), each pinned on the
real Neo4j: every test here failed on the code before the fix.

Finding numbers follow the issue: 1 admin commands behind ``CYPHER``, 2 ``LOAD CSV``
behind a quote in a backtick identifier, 3 deep nesting, 4 a query error opening
the breaker, 5 a slow expression past the timeout, 6 a response without a byte
cap, 7 values the driver cannot decode.
"""

from __future__ import annotations

import threading
import time

import neo4j
import pytest

from graph.stores.neo4j_query import MAX_NESTING, plan_refusal
from tests.test_api_support import AUTH, assert_error, client_for, load_tiny_graph

pytestmark = pytest.mark.neo4j


@pytest.fixture
def neo(neo4j_store):
    load_tiny_graph(neo4j_store)
    return neo4j_store


def _driver(server) -> neo4j.Driver:
    return neo4j.GraphDatabase.driver(server["uri"], auth=(server["user"], server["password"]))


# --- finding 1: admin commands (Neo4j calls them read queries) -------------------

ADMIN = {
    "cypher_show_transaction": "CYPHER SHOW TRANSACTION YIELD transactionId, currentQuery, parameters",
    "cypher_show_settings": "CYPHER SHOW SETTINGS",
    "cypher_terminate": ("CYPHER SHOW TRANSACTION YIELD transactionId AS t, currentQuery AS q "
                         "WHERE q CONTAINS 'x' TERMINATE TRANSACTION t YIELD message RETURN message"),
    "cypher_options_show": "CYPHER runtime=slotted SHOW SETTINGS YIELD name RETURN name",
    "comment_first": "/* hi */ SHOW SETTINGS",
    "lower_case_singular": "show transaction",
    "terminate_singular": "TERMINATE TRANSACTION 'neo4j-transaction-1'",
    "show_functions": "CYPHER SHOW FUNCTIONS",
    "show_procedures": "CYPHER 5 SHOW PROCEDURES YIELD name RETURN name",
    "explain_show": "EXPLAIN SHOW SETTINGS",
    "profile": "PROFILE MATCH (n) RETURN count(n)",
}


@pytest.mark.parametrize("name", sorted(ADMIN))
def test_admin_commands_are_refused_in_any_spelling(neo, name):
    with client_for(neo) as client:
        r = client.post("/cypher", json={"query": ADMIN[name]}, headers=AUTH)
    assert_error(r, 400, "query_refused")


# The plan check alone (the text filter bypassed) must refuse what Neo4j plans
# as a read query but is not reading the graph.
PLAN_ONLY = {
    "show_settings": "CYPHER SHOW SETTINGS",
    "show_transactions": "SHOW TRANSACTIONS YIELD transactionId, currentQuery, parameters",
    "terminate": "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "show_procedures": "SHOW PROCEDURES",
    "load_csv_http": "WITH 1 AS `x\"` LOAD CSV FROM 'http://127.0.0.1:1/x' AS l RETURN l //\"",
    "load_csv_in_subquery": "CALL { LOAD CSV FROM 'file:///x' AS l RETURN l } RETURN l",
    "write": "MATCH (p:Paper) SET p.title = 'x'",
    "admin_procedure": "CALL dbms.listConfig() YIELD name RETURN name",
}


@pytest.mark.parametrize("name", sorted(PLAN_ONLY))
def test_plan_allowlist_refuses_what_is_not_reading_the_graph(neo4j_server, name):
    with _driver(neo4j_server) as driver, driver.session(default_access_mode=neo4j.READ_ACCESS) as session:
        summary = session.run("EXPLAIN " + PLAN_ONLY[name]).consume()
    assert plan_refusal(summary.query_type, summary.plan), (summary.query_type, summary.plan)


def test_plan_allowlist_accepts_the_reads_of_the_docs(neo4j_server):
    reads = [
        "MATCH (p:Paper) WHERE p.year > 2000 RETURN p.title ORDER BY p.title LIMIT 5",
        "MATCH (p:Paper)-[:CITES]->(q) OPTIONAL MATCH (q)-[r]-(x) RETURN p, count(x), collect(DISTINCT q.id) SKIP 2",
        "CALL db.index.fulltext.queryNodes('paper_text', 'x') YIELD node, score RETURN node, score",
        "MATCH (a:Paper {id: 'x'}), (b:Paper {id: 'y'}) MATCH p = shortestPath((a)-[*..5]-(b)) RETURN p",
        "MATCH (p:Paper) CALL { WITH p MATCH (p)-->(q) RETURN count(q) AS c } RETURN p, c",
        "UNWIND range(1, 3) AS x WITH x WHERE x > 1 RETURN DISTINCT x UNION RETURN 1 AS x",
        "MATCH (p:Paper) WHERE EXISTS { MATCH (p)-->() } RETURN p.id",
        "MATCH (n:Paper) RETURN n { .id, .title, refs: [(n)-->(m) | m.id] }",
        "MATCH p = (a)-[*1..3]->(b) RETURN length(p) LIMIT 3",
        "MATCH (n) RETURN labels(n), count(*)",
        "CALL db.labels() YIELD label RETURN label",
    ]
    with _driver(neo4j_server) as driver, driver.session(default_access_mode=neo4j.READ_ACCESS) as session:
        for query in reads:
            summary = session.run("EXPLAIN " + query).consume()
            assert plan_refusal(summary.query_type, summary.plan) is None, query


# --- finding 2: LOAD CSV behind a quote inside a backtick identifier ------------

def test_load_csv_behind_a_backtick_quote_is_refused(neo):
    hidden = 'WITH 1 AS `x"` LOAD CSV FROM "http://127.0.0.1:1/health" AS l FIELDTERMINATOR \'\\u0001\' RETURN l //"'
    with client_for(neo) as client:
        r = client.post("/cypher", json={"query": hidden}, headers=AUTH)
        assert_error(r, 400, "query_refused")
        # backticks still work where they belong
        r = client.post("/cypher", json={"query": "MATCH (`p\"`:Paper) RETURN count(`p\"`) AS `n'`"}, headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.json()["rows"] == [[7]]


# --- finding 3: deep nesting and long queries, refused before Neo4j -------------

@pytest.mark.parametrize("opening,closing", [("(", ")"), ("[", "]"), ("{a: ", "}"), ("NOT ", ""),
                                             ("CASE WHEN true THEN ", " END"), ("[x IN ", " | x]")])
def test_deep_nesting_is_400_naming_the_limit_at_once(neo, opening, closing):
    inner = "true" if opening == "NOT " else "[1]" if opening == "[x IN " else "1"
    query = "RETURN " + opening * 100 + inner + closing * 100
    with client_for(neo) as client:
        t0 = time.monotonic()
        r = client.post("/cypher", json={"query": query}, headers=AUTH)
        elapsed = time.monotonic() - t0
        error = assert_error(r, 400, "query_refused")
        assert f"limit of {MAX_NESTING}" in error["message"]
        assert elapsed < 2.0
        ok = client.post("/cypher", json={"query": "RETURN " + "(" * 10 + "1" + ")" * 10 + " AS x"},
                         headers=AUTH)
        assert ok.status_code == 200 and ok.json()["rows"] == [[1]]


def test_nesting_inside_strings_does_not_count(neo):
    with client_for(neo) as client:
        r = client.post("/cypher", json={"query": "RETURN '" + "(" * 300 + "' AS s"}, headers=AUTH)
    assert r.status_code == 200, r.text


def test_long_operator_chain_is_400_naming_the_token_limit(neo):
    from graph.stores.neo4j_query import MAX_TOKENS

    with client_for(neo) as client:
        r = client.post("/cypher", json={"query": "RETURN " + "1+" * 2000 + "1"}, headers=AUTH)
    error = assert_error(r, 400, "query_refused")
    assert f"limit of {MAX_TOKENS}" in error["message"]


def test_too_long_query_is_400_naming_the_limit(neo):
    from graph.stores.neo4j_query import MAX_QUERY_CHARS, size_refusal

    long_query = "RETURN 1" + " " * MAX_QUERY_CHARS
    assert f"limit of {MAX_QUERY_CHARS}" in size_refusal(long_query)
    with client_for(neo) as client:
        r = client.post("/cypher", json={"query": long_query}, headers=AUTH)
    error = assert_error(r, 400, "query_refused")
    assert f"limit of {MAX_QUERY_CHARS}" in error["message"]
