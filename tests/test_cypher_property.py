"""Property test of the read-only guard (issue 19): Cypher generated from a small
grammar of read and write clauses, prefixes, comments and quoting. Whatever the
guard accepts must leave the graph, the schema, the settings, the users and
other sessions' transactions untouched. Runs on the real Neo4j."""

from __future__ import annotations

import neo4j
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import CitegraphError
from tests.api_support import load_tiny_graph

pytestmark = pytest.mark.neo4j

PREFIXES = ["", "CYPHER ", "CYPHER runtime=slotted ", "CYPHER 5 ", "EXPLAIN ", "PROFILE ", "/* c */ ",
            "// line\n", "  \n", "cypher "]
READS = ["MATCH (n) ", "MATCH (n:Paper) ", "OPTIONAL MATCH (n)-[r]->(m) ", "WITH 1 AS n ", "UNWIND [1, 2] AS n ",
         "MATCH (n:Paper) WHERE n.title CONTAINS 'CREATE' ", "CALL db.labels() YIELD label ",
         "WITH 1 AS `x\"` ", "WITH '\\u0027' AS s ", "MATCH (n) WITH n LIMIT 1 "]
WRITES = ["CREATE (:Evil {x: 1}) ", "MERGE (:Evil {x: 2}) ", "MATCH (e:Paper) SET e.evil = 1 ",
          "MATCH (e:Paper) DETACH DELETE e ", "MATCH (e:Paper) REMOVE e:Paper ", "MATCH (e:Paper) REMOVE e.title ",
          "LOAD CSV FROM 'http://127.0.0.1:1/x' AS l ", "LOAD CSV FROM 'file:///etc/passwd' AS l ",
          "CALL db.createLabel('Evil') ", "CALL dbms.setConfigValue('db.logs.query.enabled', 'OFF') ",
          "SHOW SETTINGS ", "SHOW TRANSACTION ", "TERMINATE TRANSACTION 'neo4j-transaction-1' ",
          "CALL { CREATE (:Evil) } ", "FOREACH (x IN [1] | CREATE (:Evil)) ",
          "CREATE INDEX evil FOR (e:Evil) ON (e.x) ", "CREATE USER evil SET PASSWORD 'evil-evil-evil' ",
          "DROP CONSTRAINT paper_id ", "CALL { WITH 1 AS x CREATE (:Evil) } IN TRANSACTIONS ",
          "USE system ", "SHOW USERS ", "CALL dbms.killTransaction('neo4j-transaction-1') ",
          "SHOW TRANSACTION YIELD transactionId AS t WHERE t <> '' TERMINATE TRANSACTION t "]
ENDINGS = ["RETURN 1 AS x", "RETURN count(*) AS c", "", "RETURN l", "RETURN l //\"", "YIELD message RETURN message",
           ";"]


def _quote(text: str, how: str) -> str:
    if how == "lower":
        return text.lower()
    if how == "upper":
        return text.upper()
    if how == "comments":  # a comment between every two words
        return " /* x */ ".join(text.split(" "))
    if how == "newlines":
        return "\n".join(text.split(" "))
    return text


#: Whole statements (admin commands do not combine with clauses).
STATEMENTS = ["SHOW SETTINGS", "SHOW TRANSACTION YIELD transactionId AS t TERMINATE TRANSACTION t",
              "SHOW TRANSACTIONS YIELD transactionId, currentQuery, parameters", "TERMINATE TRANSACTION 'x'",
              "WITH 1 AS `x\"` LOAD CSV FROM 'http://127.0.0.1:1/x' AS l RETURN l //\"",
              "SHOW PROCEDURES", "SHOW FUNCTIONS", "CREATE (:Evil)", "SHOW DATABASES"]
QUOTING = st.sampled_from(["as is", "lower", "upper", "comments", "newlines"])

# (query, hostile): whether a write or admin part went into it.
composed = st.builds(
    lambda prefix, reads, write, ending, how: (
        _quote(prefix + "".join(reads) + (write or "") + ending, how), write is not None),
    st.sampled_from(PREFIXES),
    st.lists(st.sampled_from(READS), min_size=0, max_size=2),
    st.one_of(st.none(), st.sampled_from(WRITES)),
    st.sampled_from(ENDINGS),
    QUOTING,
)
statements = st.builds(lambda prefix, stmt, how: (_quote(prefix + stmt, how), True),
                       st.sampled_from(PREFIXES), st.sampled_from(STATEMENTS), QUOTING)
queries = st.one_of(statements, composed)


def _state(store, driver) -> tuple:
    with driver.session(database="neo4j") as s:
        labels = sorted(r[0] for r in s.run("CALL db.labels()"))
        keys = sorted(r[0] for r in s.run("CALL db.propertyKeys()"))
        indexes = sorted(r[0] for r in s.run("SHOW INDEXES YIELD name"))
        constraints = sorted(r[0] for r in s.run("SHOW CONSTRAINTS YIELD name"))
        setting = [r[0] for r in s.run("SHOW SETTINGS YIELD name, value WHERE name = 'db.logs.query.enabled' "
                                       "RETURN value")]
        titles = sorted((r[0], r[1]) for r in s.run("MATCH (p:Paper) RETURN p.id, p.title"))
    with driver.session(database="system") as s:
        users = sorted(r[0] for r in s.run("SHOW USERS YIELD user"))
    return store.counts(), labels, keys, indexes, constraints, setting, titles, users


@pytest.fixture
def guarded(neo4j_store, neo4j_server):
    load_tiny_graph(neo4j_store)
    driver = neo4j.GraphDatabase.driver(neo4j_server["uri"], auth=(neo4j_server["user"], neo4j_server["password"]))
    try:
        yield neo4j_store, driver
    finally:
        driver.close()


def test_whatever_the_guard_accepts_changes_nothing(guarded):
    store, driver = guarded
    before = _state(store, driver)
    bystander = driver.session(database="neo4j")
    tx = bystander.begin_transaction(metadata={"bystander": True})  # another session's open transaction
    tx.run("RETURN 1").consume()
    accepted: list[str] = []

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(queries)
    def check(case: tuple[str, bool]) -> None:
        query, hostile = case
        try:
            store.cypher(query, timeout=5)
        except CitegraphError:
            return
        accepted.append(query)
        assert not hostile, f"a write or admin query was accepted: {query!r}"
        assert store.counts() == before[0], query

    try:
        check()
        assert tx.run("RETURN 2 AS x").single()["x"] == 2  # the bystander was not terminated
    finally:
        tx.rollback()
        bystander.close()
    assert _state(store, driver) == before
    assert len(accepted) >= 5, f"only {len(accepted)} accepted queries: the property checked too little"
