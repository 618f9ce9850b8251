"""Hostile requests, on both stores: each is refused with a 4xx in the one error
shape (or served normally), never a 500, never a stack trace or an internal
path, and the graph is unchanged afterwards.

Covers oversized bodies, huge ``limit``/``offset`` and deep paging, invalid
UTF-8, lone surrogates and NUL bytes in paths, query strings and JSON, variations
of the ``Authorization`` header, and Cypher that tries to write or administer
from inside the read-only endpoint.
"""

from __future__ import annotations

import json

import pytest

from api.schemas import MAX_LIMIT, MAX_OFFSET
from tests.api_support import A, API_KEY, AUTH, E, assert_error, client_for

#: Text that must never reach a client: tracebacks, source paths, driver internals.
LEAKS = ("Traceback", 'File "', ".py", "/work/", "/srv/", "site-packages", "neo4j.exceptions", "sqlite3.",
         "bolt://", "citegraph-dev")


def graph_state(store) -> tuple:
    """What an abusive request must not change: counts and every stored paper."""
    return store.counts(), sorted((p.id, p.title, p.year) for p in store.iter_papers())


def post_json(client, path: str, body: object):
    """POST ``body`` as JSON with ASCII escapes, so lone surrogates travel as ``\\udXXX``."""
    return client.post(path, content=json.dumps(body).encode("ascii"),
                       headers={**AUTH, "Content-Type": "application/json"})


def assert_sane(response, *allowed: int) -> None:
    """Not a server error (501/503 are answers), no internals in the body, JSON errors."""
    assert response.status_code != 500 and response.status_code < 502 or response.status_code == 503, (
        response.status_code, response.text)
    if allowed:
        assert response.status_code in allowed, (response.status_code, response.text)
    for leak in LEAKS:
        assert leak not in response.text, (leak, response.text[:500])
    if response.status_code >= 400:
        assert_error(response, response.status_code)


# --- oversized bodies --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/papers", "/cypher", "/build", "/analyze"])
def test_oversized_body_is_413_declared_or_streamed(tiny, path):
    before = graph_state(tiny)
    big = b'{"papers": [{"title": "' + b"x" * 8000 + b'"}]}'
    with client_for(tiny, citegraph_max_body_bytes=4096) as client:
        for headers in (AUTH, {}):  # the size is checked before the key
            r = client.post(path, content=big, headers={**headers, "Content-Type": "application/json"})
            assert_sane(r, 413)
            assert r.json()["error"]["code"] == "payload_too_large"
            assert "4096" in r.json()["error"]["message"]

            def chunks():  # no Content-Length: counted while streamed
                for i in range(0, len(big), 1000):
                    yield big[i : i + 1000]

            r = client.post(path, content=chunks(), headers={**headers, "Content-Type": "application/json"})
            assert_sane(r, 413)
        r = client.post(path, content=b"{}", headers={**AUTH, "Content-Length": "nope"})
        assert_sane(r, 400)
    assert graph_state(tiny) == before


def test_many_papers_in_one_body_is_422_not_a_crash(tiny):
    before = graph_state(tiny)
    with client_for(tiny) as client:
        r = client.post("/papers", json={"papers": [{"title": f"paper {i}"} for i in range(1001)]}, headers=AUTH)
        assert_sane(r, 422)
        r = client.post("/papers", json={"papers": [{"title": "t", "references": ["x"] * 10_001}]}, headers=AUTH)
        assert_sane(r, 422)
        deep: object = "x"
        for _ in range(200):
            deep = [deep]
        r = client.post("/cypher", json={"query": "RETURN $p", "parameters": {"p": deep}}, headers=AUTH)
        assert_sane(r, 422, 501)
    assert graph_state(tiny) == before


# --- limit, offset, deep paging -------------------------------------------------------------

PAGED = [
    "/papers?{}",
    f"/papers/{A}/neighbors?{{}}",
    f"/papers/{A}/recommendations?{{}}",
    "/search?q=entropy&{}",
    "/communities?{}",
    "/communities/0?{}",
    "/rankings?{}",
    "/keywords?{}",
    "/keywords/entropy/papers?{}",
]
HUGE = ["10" + "0" * 30, str(2**63), str(2**64 + 1), "-1", "-" + "9" * 40, "1e309", "NaN", "inf", "0x10", "",
        "5" * 5000]


@pytest.mark.parametrize("template", PAGED)
@pytest.mark.parametrize("value", HUGE)
def test_huge_limit_is_422_naming_the_parameter(tiny, template, value):
    with client_for(tiny) as client:
        r = client.get(template.format(f"limit={value}"))
    assert_sane(r, 422)
    error = r.json()["error"]
    assert "'limit'" in error["message"], error
    assert error["detail"][0]["parameter"] == "limit"


@pytest.mark.parametrize("template", [t for t in PAGED if "offset" in t or t.startswith(("/papers?", "/communities",
                                                                                        "/keywords/"))])
@pytest.mark.parametrize("value", HUGE)
def test_huge_offset_is_422_naming_the_parameter(tiny, template, value):
    with client_for(tiny) as client:
        r = client.get(template.format(f"offset={value}"))
    assert_sane(r, 422)
    assert "'offset'" in r.json()["error"]["message"]
    assert r.json()["error"]["detail"][0]["parameter"] == "offset"


@pytest.mark.parametrize("template", ["/papers?{}", "/communities?{}", "/communities/0?{}",
                                      "/keywords/entropy/papers?{}"])
def test_deep_paging_is_an_empty_page_up_to_the_cap(tiny, template):
    with client_for(tiny) as client:
        r = client.get(template.format(f"offset={MAX_OFFSET}&limit={MAX_LIMIT}"))
        assert_sane(r, 200)
        body = r.json()
        assert body.get("items", body.get("members")) == []
        r = client.get(template.format(f"offset={MAX_OFFSET + 1}"))
        assert_sane(r, 422)
        r = client.get(template.format(f"limit={MAX_LIMIT + 1}"))
        assert_sane(r, 422)


def test_paging_walks_every_paper_once(tiny):
    with client_for(tiny) as client:
        seen = []
        for offset in range(0, 10):
            r = client.get(f"/papers?limit=1&offset={offset}")
            assert_sane(r, 200)
            seen += [p["id"] for p in r.json()["items"]]
    assert len(seen) == len(set(seen)) == 7


# --- bytes that are not text --------------------------------------------------------------------

BAD_PATHS = [
    "/papers/%FF%FE", "/papers/%ED%A0%80", "/papers/a%00b", "/papers/%00", "/papers/%C0%AF..%C0%AF",
    "/papers/..%2F..%2Fetc%2Fpasswd", "/papers/%25", "/papers/%ED%A0%80/neighbors", "/papers/%00/recommendations",
    "/keywords/%ED%A0%80/papers", "/keywords/%00/papers", "/keywords/%FF/papers", "/communities/%00",
    "/communities/99999999999999999999999", "/communities/-1", "/viz/papers/%ED%A0%80", "/viz/papers/%00",
    "/viz/communities/%FF", "/" + "%FF" * 3000, "/papers/" + "a" * 20_000,
]
BAD_QUERIES = [
    "/papers?q=%00", "/papers?q=%FF%FE", "/papers?q=%ED%A0%80", "/papers?sort=%00", "/papers?community=%00",
    "/papers?community=99999999999999999999", "/search?q=%00", "/search?q=%ED%A0%80", "/search?q=%FF",
    "/search?q=" + "%E2%82%AC" * 400, "/keywords?prefix=%ED%A0%80", "/keywords?prefix=%00", "/rankings?metric=%00",
    "/path?source=%ED%A0%80&target=%00", f"/path?source={A}&target={E}&max_hops=99999999999999999999",
    "/export?format=%00", "/viz/papers/x?hops=%FF", f"/papers/{A}/neighbors?min_weight=1e999",
    f"/papers/{A}/neighbors?relation=%ED%A0%80", "/papers?limit=1&limit=%FF", "/papers?%FF=%FF",
]


@pytest.mark.parametrize("url", BAD_PATHS + BAD_QUERIES)
def test_invalid_utf8_surrogates_and_nul_in_urls(tiny, url):
    before = graph_state(tiny)
    with client_for(tiny) as client:
        r = client.get(url)
    assert_sane(r, 200, 400, 404, 422)
    assert graph_state(tiny) == before


def test_lone_surrogates_and_nul_in_json_bodies(tiny):
    before = graph_state(tiny)
    with client_for(tiny) as client:
        for raw in (
            b'{"papers": [{"title": "bad \\ud800 title"}]}',
            b'{"papers": [{"title": "ok", "abstract": "\\udfff"}]}',
            b'{"papers": [{"id": "\\ud800", "title": "x"}]}',
            b'{"papers": [{"title": "x", "references": ["\\ud834"]}]}',
            b'{"papers": [{"title": "x", "year": 100000000000000000000000}]}',
            b'{"papers": [{"title": "\xff\xfe not utf-8"}]}',
            b'{"papers": [{"title": "\xed\xa0\x80"}]}',
            b'\xef\xbb\xbf{"papers": [{"title": "bom"}]}',
            b'{"papers": [{"title": "nul \\u0000 inside"}]}',
            b'{"papers": [{"title": "dup"}], "papers": 1}',
            b'{"papers": NaN}',
            b"[" * 10_000 + b"]" * 10_000,
        ):
            r = client.post("/papers", content=raw, headers={**AUTH, "Content-Type": "application/json"})
            assert_sane(r, 201, 400, 422)
            if r.status_code == 201:  # a NUL, a BOM, a repeated key: valid enough to store as sent
                assert raw.startswith((b'{"papers": [{"title": "nul', b'{"papers": [{"title": "dup',
                                       b'\xef\xbb\xbf')), raw
                for pid in r.json()["ids"]:
                    assert client.get(f"/papers/{pid}").status_code == 200
        for params in ({"p": "\ud800"}, {"\udfff": 1}, {"p": 2**64}, {"p": -(2**63) - 1}, {"p": [2**70]},
                       {"p": {"q": "\ud800"}}):
            r = post_json(client, "/cypher", {"query": "RETURN $p AS p", "parameters": params})
            assert_sane(r, 422, 501)
        r = post_json(client, "/cypher", {"query": "RETURN '\ud800' AS s"})
        assert_sane(r, 422, 501)
    counts, papers = graph_state(tiny)
    assert counts["papers"] - before[0]["papers"] <= 3  # only the NUL / BOM / duplicate-key papers
    assert [p for p in papers if p[0] in {x[0] for x in before[1]}] == before[1]


# --- the Authorization header ----------------------------------------------------------------------

AUTH_VARIANTS = {
    "missing": {},
    "empty": {"Authorization": ""},
    "scheme only": {"Authorization": "Bearer"},
    "scheme and space": {"Authorization": "Bearer "},
    "basic scheme": {"Authorization": f"Basic {API_KEY}"},
    "token scheme": {"Authorization": f"Token {API_KEY}"},
    "no scheme": {"Authorization": API_KEY},
    "tab": {"Authorization": f"Bearer\t{API_KEY}"},
    "wrong key": {"Authorization": "Bearer wrong-key-0123456789"},
    "key is a prefix of it": {"Authorization": f"Bearer {API_KEY}x"},
    "a prefix of the key": {"Authorization": f"Bearer {API_KEY[:-1]}"},
    "key is a suffix of it": {"Authorization": f"Bearer x{API_KEY}"},
    "a suffix of the key": {"Authorization": f"Bearer {API_KEY[1:]}"},
    "upper-cased key": {"Authorization": f"Bearer {API_KEY.upper()}"},
    "key twice": {"Authorization": f"Bearer {API_KEY},{API_KEY}"},
    "very long": {"Authorization": "Bearer " + "k" * 100_000},
    "very long with the key": {"Authorization": f"Bearer {API_KEY}" + " " * 50_000 + "x"},
    "latin-1 bytes": {"Authorization": b"Bearer \xff\xfe" + API_KEY.encode()},
    "key in another header": {"X-Api-Key": API_KEY},
}
ACCEPTED = {
    "right": {"Authorization": f"Bearer {API_KEY}"},
    "lowercase scheme": {"Authorization": f"bearer {API_KEY}"},
    "uppercase scheme": {"Authorization": f"BEARER {API_KEY}"},
    # Whitespace around the token is not part of it (FastAPI strips it); the token
    # itself must still match exactly.
    "two spaces": {"Authorization": f"Bearer  {API_KEY}"},
    "trailing space": {"Authorization": f"Bearer {API_KEY} "},
}


@pytest.mark.parametrize("name", sorted(AUTH_VARIANTS))
def test_auth_header_variations_are_401(tiny, name):
    before = graph_state(tiny)
    with client_for(tiny) as client:
        for path, body in (("/cypher", {"query": "RETURN 1"}), ("/papers", {"papers": [{"title": "Intruder"}]}),
                           ("/build", {}), ("/analyze", {})):
            r = client.post(path, json=body, headers=AUTH_VARIANTS[name])
            assert_sane(r, 401)
            assert r.headers["www-authenticate"] == "Bearer"
            assert API_KEY not in r.text
    assert graph_state(tiny) == before


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_bearer_scheme_is_case_insensitive(tiny, name):
    with client_for(tiny) as client:
        r = client.post("/cypher", json={"query": "RETURN 1 AS one"}, headers=ACCEPTED[name])
    assert_sane(r, 200, 501)  # 501: the embedded store has no Cypher, but the key was accepted


def test_reads_ignore_a_bad_authorization_header(tiny):
    with client_for(tiny) as client:
        for headers in AUTH_VARIANTS.values():
            assert_sane(client.get(f"/papers/{A}", headers=headers), 200)


# --- Cypher that tries to leave the read transaction ---------------------------------------------

ESCAPES = [
    "CALL { CREATE (:Evil) } RETURN 1",
    "CALL { MATCH (p:Paper) SET p.title = 'pwned' } RETURN 1",
    "MATCH (p:Paper) WITH p CALL { WITH p SET p.evil = true } RETURN count(*)",
    "MATCH (p:Paper) CALL (p) { SET p.evil = true } RETURN count(*)",
    "CALL { MATCH (p:Paper) SET p.x = 1 } IN TRANSACTIONS",
    "MATCH (n) RETURN count(n); CREATE (:Evil)",
    "RETURN 1; MATCH (n) DETACH DELETE n",
    "RETURN 1 /* harmless */ CREATE (:Evil)",
    "/* MATCH (n) RETURN n */ CREATE (:Evil)",
    "// just a read\nCREATE (:Evil)",
    "RETURN '/*' AS a CREATE (:Evil) RETURN '*/' AS b",
    "MATCH (p:Paper) SET p.title = 'pwned'",
    "MATCH (p:Paper) DETACH DELETE p",
    "MATCH ()-[r]->() DELETE r",
    "MERGE (:Evil)",
    "cReAtE (:Evil)",
    "FOREACH (x IN [1] | CREATE (:Evil))",
    "RETURN 1 AS x UNION CREATE (:Evil) RETURN 2 AS x",
    "UNWIND [1] AS x CALL db.labels() YIELD label CREATE (:Evil) RETURN 1",
    "MATCH (p:Paper) REMOVE p.title",
    "MATCH (p:Paper) SET p:Evil",
    "PROFILE CREATE (:Evil)",
    "EXPLAIN CREATE (:Evil)",
    "CYPHER runtime=slotted CREATE (:Evil)",
    "CYPHER 5 CREATE (:Evil)",
    "CALL apoc.create.node(['Evil'], {})",
    "CALL apoc.cypher.runWrite('CREATE (:Evil)', {})",
    "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {})",
    "RETURN apoc.version()",
    "CALL db.createLabel('Evil')",
    "CALL `db`.`createLabel`('Evil')",
    "CALL db . createLabel('Evil')",
    "CALL db.createProperty('evil')",
    "CALL db.createRelationshipType('EVIL')",
    "CALL db.clearQueryCaches()",
    "CALL db.awaitIndexes()",
    "CALL db.index.fulltext.createNodeIndex('evil', ['Paper'], ['title'])",
    "CALL db.index.fulltext.drop('paper_fulltext')",
    "CALL dbms.security.createUser('evil', 'evil-password', false)",
    "CALL dbms.killQueries(['query-1'])",
    "CALL dbms.setConfigValue('db.logs.query.enabled', 'OFF')",
    "CALL dbms.listConfig()",
    "CALL dbms.procedures()",
    "CALL dbms.components()",
    "CALL tx.setMetaData({evil: true})",
    "USE system SHOW USERS",
    "USE system MATCH (n) RETURN n",
    "USE `system` RETURN 1",
    "SHOW USERS",
    "SHOW DATABASES",
    "SHOW SETTINGS",
    "SHOW TRANSACTIONS",
    "SHOW PROCEDURES",
    "  show  users",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "CREATE DATABASE evil",
    "DROP DATABASE neo4j",
    "STOP DATABASE neo4j",
    "ALTER USER neo4j SET PASSWORD 'pwned-pwned'",
    "CREATE USER evil SET PASSWORD 'evil-evil'",
    "GRANT ROLE admin TO neo4j",
    "CREATE INDEX evil FOR (n:Evil) ON (n.x)",
    "DROP INDEX paper_fulltext",
    "CREATE CONSTRAINT evil FOR (n:Evil) REQUIRE n.x IS UNIQUE",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "load csv from 'http://127.0.0.1:1/x' as l return l",
    "USING PERIODIC COMMIT LOAD CSV FROM 'file:///x' AS l CREATE (:Evil)",
]


@pytest.mark.parametrize("query", ESCAPES)
def test_cypher_escape_attempts_are_refused_and_the_graph_unchanged(tiny, query):
    before = graph_state(tiny)
    with client_for(tiny) as client:
        r = client.post("/cypher", json={"query": query}, headers=AUTH)
        if tiny.name == "embedded":
            assert_sane(r, 501)
        else:
            assert_sane(r, 400, 422)
            assert r.json()["error"]["code"] in ("query_refused", "invalid_parameter")
            r = client.post("/cypher", json={"query": "MATCH (n:Evil) RETURN count(n) AS n"}, headers=AUTH)
            assert r.status_code == 200 and r.json()["rows"] == [[0]], r.text
    assert graph_state(tiny) == before
    if tiny.name != "embedded":
        labels = {row[0] for row in tiny.cypher("CALL db.labels() YIELD label RETURN label").rows}
        assert "Evil" not in labels
        assert tiny.cypher("MATCH (p:Paper) WHERE p.evil IS NOT NULL RETURN count(p)").rows == ((0,),)


def test_read_queries_still_work_with_the_guard(tiny):
    if tiny.name == "embedded":
        pytest.skip("the embedded store has no Cypher engine (its 501 is checked above)")
    with client_for(tiny) as client:
        for query in ("MATCH (p:Paper) RETURN count(p) AS n", "CALL db.labels() YIELD label RETURN count(label)",
                      "MATCH (p:Paper) WHERE p.title = 'CREATE (:Evil)' RETURN count(p)",
                      "RETURN '; DROP DATABASE neo4j' AS s // CREATE"):
            r = client.post("/cypher", json={"query": query}, headers=AUTH)
            assert_sane(r, 200)
