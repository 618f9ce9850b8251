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

from graph.stores.neo4j_readonly import MAX_NESTING, plan_refusal
from tests.api_support import AUTH, assert_error, client_for, load_tiny_graph

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
    from graph.stores.neo4j_readonly import MAX_TOKENS

    with client_for(neo) as client:
        r = client.post("/cypher", json={"query": "RETURN " + "1+" * 2000 + "1"}, headers=AUTH)
    error = assert_error(r, 400, "query_refused")
    assert f"limit of {MAX_TOKENS}" in error["message"]


def test_too_long_query_is_400_naming_the_limit(neo):
    from graph.stores.neo4j_readonly import MAX_QUERY_CHARS, size_refusal

    long_query = "RETURN 1" + " " * MAX_QUERY_CHARS
    assert f"limit of {MAX_QUERY_CHARS}" in size_refusal(long_query)
    with client_for(neo) as client:
        r = client.post("/cypher", json={"query": long_query}, headers=AUTH)
    error = assert_error(r, 400, "query_refused")
    assert f"limit of {MAX_QUERY_CHARS}" in error["message"]


# --- finding 4: a query's own error never opens the breaker ---------------------

@pytest.mark.parametrize("query", ["RETURN substring('abc', -1)", "RETURN 1/0", "RETURN toInteger([])"])
def test_a_query_error_is_4xx_and_public_requests_keep_working(neo, query):
    with client_for(neo) as client:
        r = client.post("/cypher", json={"query": query}, headers=AUTH)
        assert r.status_code in (400, 422), r.text
        assert r.json()["error"]["code"] != "store_unavailable"
        assert client.get("/health").status_code == 200
        assert client.get("/papers").status_code == 200


def test_execution_failure_message_is_neo4js(neo):
    with client_for(neo) as client:
        error = assert_error(client.post("/cypher", json={"query": "RETURN substring('abc', -1)"}, headers=AUTH),
                             422, "invalid_parameter")
    assert "negative" in error["message"]


# --- finding 5: the timeout bounds a slow expression, server-side too --------------

# The query had 250,000 steps (28.7 s with a 5 s timeout); fewer here
# keep the test's leftover work on the server short.
SLOW_EXPRESSION = "RETURN size(reduce(s = '', x IN range(1, 120000) | s + 'aaaaaaaaaa')) AS n"


def _running_cypher_transactions(server) -> list[str]:
    """/cypher transactions still running and not marked terminated."""
    with _driver(server) as driver:
        rows, _, _ = driver.execute_query(
            "SHOW TRANSACTIONS YIELD transactionId, metaData, status WHERE metaData.citegraph_cypher IS NOT NULL "
            "AND NOT status STARTS WITH 'Terminated' RETURN transactionId")
    return [r["transactionId"] for r in rows]


def test_slow_expression_answers_408_by_the_deadline_and_is_stopped(neo, neo4j_server):
    from api.service import CYPHER_MARGIN_SECONDS

    timeout = 1.0
    with client_for(neo, citegraph_cypher_timeout=timeout) as client:
        t0 = time.monotonic()
        r = client.post("/cypher", json={"query": SLOW_EXPRESSION}, headers=AUTH)
        elapsed = time.monotonic() - t0
        assert_error(r, 408, "query_timeout")
        assert elapsed < timeout + CYPHER_MARGIN_SECONDS + 1.0, elapsed
        # the API is free at once, and the transaction is terminated server-side
        # (Neo4j 5.26 notices the mark only now and then inside one expression:
        # the query's thread may run on a while; the /cypher pool bounds how many)
        assert client.get("/health").status_code == 200
        deadline = time.monotonic() + 10
        while _running_cypher_transactions(neo4j_server) and time.monotonic() < deadline:
            time.sleep(0.25)
        assert _running_cypher_transactions(neo4j_server) == []


def test_stop_cypher_terminates_a_running_query(neo):
    outcome: dict = {}

    def run() -> None:
        try:
            neo.cypher("UNWIND range(1, 1000000000) AS x WITH x WHERE x = -1 RETURN count(*)", timeout=120,
                       token="attack-test")
        except Exception as exc:  # noqa: BLE001 - the outcome is what is checked
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    stopped = 0
    for _ in range(40):
        time.sleep(0.25)
        stopped = neo.stop_cypher("attack-test")
        if stopped:
            break
    thread.join(30)
    assert stopped == 1 and not thread.is_alive()
    assert type(outcome.get("error")).__name__ == "QueryTimeout"


# --- finding 6: the byte cap bounds the response ------------------------------------

def test_byte_cap_truncates_and_says_so(neo):
    big = "UNWIND range(1, 5) AS r RETURN r, [x IN range(1, 10000) | 'aaaaaaaaaaaaaaaaaaaa'] AS xs"
    with client_for(neo, citegraph_cypher_max_bytes=500_000) as client:
        r = client.post("/cypher", json={"query": big}, headers=AUTH)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["truncated"] is True and body["truncated_by"] == "bytes"
        assert body["row_count"] == 2 and [row[0] for row in body["rows"]] == [1, 2]
        assert len(r.content) < 500_000 + 10_000


def test_byte_cap_stops_a_single_huge_row(neo):
    huge = "UNWIND range(1, 5) AS r RETURN [x IN range(1, 200000) | 'aaaaaaaaaaaaaaaaaaaa']"
    with client_for(neo, citegraph_cypher_max_bytes=100_000, citegraph_cypher_timeout=20) as client:
        r = client.post("/cypher", json={"query": huge}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == [] and r.json()["truncated_by"] == "bytes"


# --- finding 7: values the driver cannot decode ------------------------------------

def test_undecodable_value_is_422_and_the_connection_survives(neo):
    with client_for(neo) as client:
        error = assert_error(client.post("/cypher", json={"query": "RETURN date({year: 999999999})"},
                                         headers=AUTH), 422, "invalid_parameter")
        assert "decode" in error["message"]
        r = client.post("/cypher", json={"query": "RETURN date({year: 2024, month: 1, day: 2}) AS d"}, headers=AUTH)
        assert r.status_code == 200 and r.json()["rows"] == [["2024-01-02"]]


# --- finding 10: ids that look the same are the same, or refused ---------------------

def test_nfc_and_nfd_ids_are_one_paper(neo):
    nfd, nfc = "cafe\u0301-1", "caf\u00e9-1"
    with client_for(neo) as client:
        r = client.post("/papers", json={"papers": [{"id": nfd, "title": "Coffee graphs"}]}, headers=AUTH)
        assert r.status_code == 201, r.text
        assert r.json()["ids"] == [nfc]
        r = client.post("/papers", json={"papers": [{"id": nfc, "title": "Coffee graphs, again"}]}, headers=AUTH)
        assert r.json()["added"] == 0 and r.json()["updated"] == 1
        for typed in (nfc, nfd):
            got = client.get(f"/papers/{typed}")
            assert got.status_code == 200 and got.json()["id"] == nfc


@pytest.mark.parametrize("bad", ["ab\u200bc", "\u202eevil", "x\u2066y", "a\u00adb", "line\u2028two", "tab\tid"])
def test_invisible_and_bidi_characters_in_ids_are_422_naming_the_record(neo, bad):
    with client_for(neo) as client:
        before = neo.counts()
        r = client.post("/papers", json={"papers": [{"id": "fine-1", "title": "Fine"},
                                                    {"id": bad, "title": "Looks fine"}]}, headers=AUTH)
        error = assert_error(r, 422)
        assert "papers[1].id" in error["message"], error
        assert neo.counts() == before
    # below the schema (library use): the message names the record and the character
    from graph.errors import InvalidParameter
    from graph.incremental import papers_from_records

    with pytest.raises(InvalidParameter, match=r"papers\[1\].*U\+"):
        papers_from_records([{"id": "fine-1", "title": "Fine"}, {"id": bad, "title": "Looks fine"}])


def test_invisible_ranges_cover_unicodedata():
    import unicodedata

    from api.schemas import INVISIBLE_RANGES

    listed = {c for a, b in INVISIBLE_RANGES for c in range(a, b + 1)}
    wanted = {c for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp")}
    assert wanted <= listed


def test_duplicate_ids_in_one_request_are_refused_naming_them(neo):
    with client_for(neo) as client:
        before = neo.counts()
        r = client.post("/papers", json={"papers": [
            {"id": "dup-1", "title": "First title"}, {"id": "other", "title": "Other"},
            {"id": "dup-1", "abstract": "Second abstract"}]}, headers=AUTH)
        error = assert_error(r, 422)
        assert "'dup-1' at papers[0], papers[2]" in error["message"], error
        assert neo.counts() == before
