"""Every Cypher statement the Neo4j store runs, as literal strings with ``$parameters``.

Labels, relationship types and property names are written into the statements;
none is ever built from user input. Values always travel as parameters. Writes
are ``UNWIND $rows AS row ...`` batches that use ``MERGE`` so a retried batch
gives the same graph. Deletes are ``LIMIT``-ed so each batch stays one bounded
transaction.

Queries whose only difference is a sort order or a metric are kept in dicts
keyed by the validated name (:data:`LIST_PAPERS`, :data:`RANKINGS`).
"""

from __future__ import annotations

__all__ = [
    "LABEL_PAPER",
    "LABEL_KEYWORD",
    "LABEL_COMMUNITY",
    "LABEL_RUN",
    "LABEL_META",
    "REL_TYPES",
    "SCHEMA",
    "AWAIT_INDEXES",
    "PING",
    "UPSERT_PAPERS",
    "GET_PAPERS",
    "IDS_BY_TITLE_KEY",
    "REFERENCE_ROWS",
    "ITER_PAPERS_PAGE",
    "DELETE_HAS_KEYWORD_BATCH",
    "DELETE_SIMILAR_BATCH",
    "DELETE_SHARES_KEYWORDS_BATCH",
    "DELETE_CITES_BATCH",
    "DELETE_KEYWORDS_BATCH",
    "DELETE_IN_COMMUNITY_BATCH",
    "DELETE_COMMUNITIES_BATCH",
    "CLEAR_SCORES_BATCH",
    "DELETE_ANY_RELATIONSHIPS_BATCH",
    "DELETE_ANY_NODES_BATCH",
    "MERGE_KEYWORDS",
    "MERGE_HAS_KEYWORD",
    "MERGE_SIMILAR",
    "MERGE_SHARES_KEYWORDS",
    "MERGE_CITES",
    "CREATE_HAS_KEYWORD",
    "CREATE_SIMILAR",
    "CREATE_SHARES_KEYWORDS",
    "CREATE_CITES",
    "FIRST_MISSING_PAPER",
    "EXISTING_KEYWORDS",
    "SET_UNRESOLVED",
    "ADD_UNRESOLVED",
    "GET_UNRESOLVED",
    "LOAD_KEYWORDS",
    "LOAD_HAS_KEYWORD",
    "LOAD_SIMILAR",
    "LOAD_SHARES_KEYWORDS",
    "LOAD_CITES",
    "WRITE_SCORES",
    "MERGE_COMMUNITIES",
    "MERGE_IN_COMMUNITY",
    "SET_ANALYSIS_META",
    "RECORD_RUN",
    "RUNS",
    "COUNTS",
    "GET_PAPER",
    "COUNT_PAPERS",
    "LIST_PAPERS",
    "PAPER_EXISTS",
    "NEIGHBORS_SIMILAR",
    "NEIGHBORS_KEYWORDS",
    "NEIGHBORS_CITES",
    "NEIGHBORS_CITED_BY",
    "FULLTEXT",
    "COMMUNITIES",
    "COMMUNITY",
    "RANKINGS",
    "KEYWORDS",
    "KEYWORD_EXISTS",
    "KEYWORD_PAPERS",
    "FULLTEXT_INDEX",
]

# -- names (for Python-side bookkeeping and docs; the statements spell them out)
LABEL_PAPER = "Paper"
LABEL_KEYWORD = "Keyword"
LABEL_COMMUNITY = "Community"
LABEL_RUN = "Run"
LABEL_META = "CitegraphMeta"
REL_TYPES = ("HAS_KEYWORD", "SIMILAR_TO", "SHARES_KEYWORDS", "CITES", "IN_COMMUNITY")
FULLTEXT_INDEX = "paper_text"

# -- schema -----------------------------------------------------------------
SCHEMA = (
    "CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (p:Paper) REQUIRE p.id IS UNIQUE",
    "CREATE CONSTRAINT keyword_name IF NOT EXISTS FOR (k:Keyword) REQUIRE k.name IS UNIQUE",
    "CREATE CONSTRAINT community_id IF NOT EXISTS FOR (c:Community) REQUIRE c.id IS UNIQUE",
    "CREATE CONSTRAINT run_key IF NOT EXISTS FOR (r:Run) REQUIRE r.key IS UNIQUE",
    "CREATE CONSTRAINT meta_key IF NOT EXISTS FOR (m:CitegraphMeta) REQUIRE m.key IS UNIQUE",
    "CREATE INDEX paper_title_key IF NOT EXISTS FOR (p:Paper) ON (p.title_key)",
    "CREATE INDEX paper_community IF NOT EXISTS FOR (p:Paper) ON (p.community)",
    "CREATE FULLTEXT INDEX paper_text IF NOT EXISTS FOR (p:Paper) ON EACH [p.title, p.abstract]",
)
AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"
PING = "RETURN 1 AS ok"

# -- papers -----------------------------------------------------------------
# Scores (community, degree, ...) are analysis results: a paper upsert leaves them.
UPSERT_PAPERS = """
UNWIND $rows AS row
MERGE (p:Paper {id: row.id})
SET p.title = row.title,
    p.abstract = row.abstract,
    p.authors = row.authors,
    p.year = row.year,
    p.venue = row.venue,
    p.doi = row.doi,
    p.arxiv_id = row.arxiv_id,
    p.url = row.url,
    p.label = row.label,
    p.references = row.references,
    p.extra_json = row.extra_json,
    p.title_key = row.title_key
"""

GET_PAPERS = """
UNWIND $ids AS id
MATCH (p:Paper {id: id})
RETURN p {.*} AS p
"""

IDS_BY_TITLE_KEY = """
UNWIND $keys AS key
MATCH (p:Paper {title_key: key})
RETURN key, p.id AS id
ORDER BY key, id
"""

REFERENCE_ROWS = """
MATCH (p:Paper)
RETURN p.id AS id, p.doi AS doi, p.arxiv_id AS arxiv_id, p.extra_json AS extra_json
ORDER BY id
"""

ITER_PAPERS_PAGE = """
MATCH (p:Paper)
WHERE p.id > $after
RETURN p {.*} AS p
ORDER BY p.id
LIMIT $limit
"""

# -- batched deletes (each returns how many it removed) ----------------------
DELETE_HAS_KEYWORD_BATCH = """
MATCH ()-[r:HAS_KEYWORD]->()
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS n
"""
DELETE_SIMILAR_BATCH = """
MATCH ()-[r:SIMILAR_TO]->()
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS n
"""
DELETE_SHARES_KEYWORDS_BATCH = """
MATCH ()-[r:SHARES_KEYWORDS]->()
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS n
"""
DELETE_CITES_BATCH = """
MATCH ()-[r:CITES]->()
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS n
"""
DELETE_IN_COMMUNITY_BATCH = """
MATCH ()-[r:IN_COMMUNITY]->()
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS n
"""
DELETE_KEYWORDS_BATCH = """
MATCH (k:Keyword)
WITH k LIMIT $limit
DETACH DELETE k
RETURN count(*) AS n
"""
DELETE_COMMUNITIES_BATCH = """
MATCH (c:Community)
WITH c LIMIT $limit
DETACH DELETE c
RETURN count(*) AS n
"""
CLEAR_SCORES_BATCH = """
MATCH (p:Paper)
WHERE p.community IS NOT NULL OR p.degree IS NOT NULL OR p.pagerank IS NOT NULL
   OR p.betweenness IS NOT NULL OR p.bridge IS NOT NULL OR p.x IS NOT NULL OR p.y IS NOT NULL
WITH p LIMIT $limit
REMOVE p.community, p.degree, p.pagerank, p.betweenness, p.bridge, p.x, p.y
RETURN count(*) AS n
"""
# ``clear()`` only: relationships first, so node batches stay small.
DELETE_ANY_RELATIONSHIPS_BATCH = """
MATCH ()-[r]->()
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS n
"""
DELETE_ANY_NODES_BATCH = """
MATCH (n)
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS n
"""

# -- derived graph writes --------------------------------------------------------
MERGE_KEYWORDS = """
UNWIND $rows AS row
MERGE (k:Keyword {name: row.name})
SET k.df = row.df
"""
MERGE_HAS_KEYWORD = """
UNWIND $rows AS row
MATCH (p:Paper {id: row.paper_id})
MATCH (k:Keyword {name: row.keyword})
MERGE (p)-[r:HAS_KEYWORD]->(k)
SET r.score = row.score
"""
MERGE_SIMILAR = """
UNWIND $rows AS row
MATCH (a:Paper {id: row.source})
MATCH (b:Paper {id: row.target})
MERGE (a)-[r:SIMILAR_TO]->(b)
SET r.score = row.score, r.terms = row.terms
"""
MERGE_SHARES_KEYWORDS = """
UNWIND $rows AS row
MATCH (a:Paper {id: row.source})
MATCH (b:Paper {id: row.target})
MERGE (a)-[r:SHARES_KEYWORDS]->(b)
SET r.count = row.count, r.jaccard = row.jaccard, r.keywords = row.keywords
"""
MERGE_CITES = """
UNWIND $rows AS row
MATCH (a:Paper {id: row.source})
MATCH (b:Paper {id: row.target})
MERGE (a)-[:CITES]->(b)
"""
# ``replace_derived`` only, right after every edge of the type was deleted: the
# edges cannot exist, so CREATE (a third cheaper than MERGE on the server) is
# just as idempotent. A managed transaction is only retried after a rollback, and
# the caller removes duplicate rows first.
CREATE_HAS_KEYWORD = """
UNWIND $rows AS row
MATCH (p:Paper {id: row.paper_id})
MATCH (k:Keyword {name: row.keyword})
CREATE (p)-[:HAS_KEYWORD {score: row.score}]->(k)
"""
CREATE_SIMILAR = """
UNWIND $rows AS row
MATCH (a:Paper {id: row.source})
MATCH (b:Paper {id: row.target})
CREATE (a)-[:SIMILAR_TO {score: row.score, terms: row.terms}]->(b)
"""
CREATE_SHARES_KEYWORDS = """
UNWIND $rows AS row
MATCH (a:Paper {id: row.source})
MATCH (b:Paper {id: row.target})
CREATE (a)-[:SHARES_KEYWORDS {count: row.count, jaccard: row.jaccard, keywords: row.keywords}]->(b)
"""
CREATE_CITES = """
UNWIND $rows AS row
MATCH (a:Paper {id: row.source})
MATCH (b:Paper {id: row.target})
CREATE (a)-[:CITES]->(b)
"""

# Checks before a derived write: the first unknown paper id, the known keywords.
FIRST_MISSING_PAPER = """
UNWIND $ids AS id
OPTIONAL MATCH (p:Paper {id: id})
WITH id, p WHERE p IS NULL
RETURN id ORDER BY id LIMIT 1
"""
EXISTING_KEYWORDS = """
UNWIND $names AS name
MATCH (k:Keyword {name: name})
RETURN k.name AS name
"""
SET_UNRESOLVED = """
MERGE (m:CitegraphMeta {key: 'derived'})
SET m.unresolved_references = $n
"""
ADD_UNRESOLVED = """
MERGE (m:CitegraphMeta {key: 'derived'})
SET m.unresolved_references = coalesce(m.unresolved_references, 0) + $n
"""
GET_UNRESOLVED = """
OPTIONAL MATCH (m:CitegraphMeta {key: 'derived'})
RETURN coalesce(m.unresolved_references, 0) AS n
"""

# -- derived graph reads (sorted again in Python: one order for both stores) --
LOAD_KEYWORDS = "MATCH (k:Keyword) RETURN k.name AS name, k.df AS df"
LOAD_HAS_KEYWORD = """
MATCH (p:Paper)-[r:HAS_KEYWORD]->(k:Keyword)
RETURN p.id AS paper_id, k.name AS keyword, r.score AS score
"""
LOAD_SIMILAR = """
MATCH (a:Paper)-[r:SIMILAR_TO]->(b:Paper)
RETURN a.id AS source, b.id AS target, r.score AS score, r.terms AS terms
"""
LOAD_SHARES_KEYWORDS = """
MATCH (a:Paper)-[r:SHARES_KEYWORDS]->(b:Paper)
RETURN a.id AS source, b.id AS target, r.count AS count, r.jaccard AS jaccard,
       r.keywords AS keywords
"""
LOAD_CITES = """
MATCH (a:Paper)-[:CITES]->(b:Paper)
RETURN a.id AS source, b.id AS target
"""

# -- analysis ------------------------------------------------------------------
WRITE_SCORES = """
UNWIND $rows AS row
MATCH (p:Paper {id: row.paper_id})
SET p.community = row.community,
    p.degree = row.degree,
    p.pagerank = row.pagerank,
    p.betweenness = row.betweenness,
    p.bridge = row.bridge,
    p.x = row.x,
    p.y = row.y
"""
MERGE_COMMUNITIES = """
UNWIND $rows AS row
MERGE (c:Community {id: row.id})
SET c.size = row.size,
    c.label = row.label,
    c.keywords = row.keywords,
    c.modularity = row.modularity,
    c.top_papers = row.top_papers
"""
MERGE_IN_COMMUNITY = """
UNWIND $rows AS row
MATCH (p:Paper {id: row.paper_id})
MATCH (c:Community {id: row.community})
MERGE (p)-[:IN_COMMUNITY]->(c)
"""
SET_ANALYSIS_META = """
MERGE (m:CitegraphMeta {key: 'analysis'})
SET m.modularity = $modularity, m.params_json = $params_json
"""

# -- runs -------------------------------------------------------------------------
RECORD_RUN = """
MERGE (r:Run {key: $key})
SET r.kind = $kind,
    r.started_at = $started_at,
    r.seconds = $seconds,
    r.params_json = $params_json,
    r.counts_json = $counts_json,
    r.versions_json = $versions_json,
    r.seq = $seq
"""
RUNS = """
MATCH (r:Run)
RETURN r {.*} AS r
ORDER BY r.started_at DESC, r.seq DESC
LIMIT $limit
"""

# -- reads ---------------------------------------------------------------------------
COUNTS = """
RETURN COUNT { (:Paper) } AS papers,
       COUNT { (:Keyword) } AS keywords,
       COUNT { (:Community) } AS communities,
       COUNT { ()-[:HAS_KEYWORD]->() } AS HAS_KEYWORD,
       COUNT { ()-[:SIMILAR_TO]->() } AS SIMILAR_TO,
       COUNT { ()-[:SHARES_KEYWORDS]->() } AS SHARES_KEYWORDS,
       COUNT { ()-[:CITES]->() } AS CITES,
       COUNT { ()-[:IN_COMMUNITY]->() } AS IN_COMMUNITY
"""

GET_PAPER = """
MATCH (p:Paper {id: $id})
OPTIONAL MATCH (p)-[r:HAS_KEYWORD]->(k:Keyword)
WITH p, r, k
ORDER BY r.score DESC, k.name
RETURN p {.*} AS p, collect(k.name) AS keywords
"""

_PAPER_FILTER = """
MATCH (p:Paper)
WHERE ($q IS NULL OR toLower(coalesce(p.title, '')) CONTAINS toLower($q))
  AND ($community IS NULL OR p.community = $community)
"""
COUNT_PAPERS = _PAPER_FILTER + "RETURN count(p) AS n\n"

_PAPER_PAGE = """
OPTIONAL MATCH (p)-[r:HAS_KEYWORD]->(k:Keyword)
WITH p, r, k
ORDER BY r.score DESC, k.name
WITH p, collect(k.name) AS keywords
"""
# Nulls sort last on every key; score sorts are descending, ties by id.
_ORDER_BY = {
    "id": "ORDER BY p.id",
    "title": "ORDER BY p.title, p.id",
    "year": "ORDER BY p.year IS NULL, p.year, p.id",
    "pagerank": "ORDER BY p.pagerank IS NULL, p.pagerank DESC, p.id",
    "degree": "ORDER BY p.degree IS NULL, p.degree DESC, p.id",
    "betweenness": "ORDER BY p.betweenness IS NULL, p.betweenness DESC, p.id",
    "bridge": "ORDER BY p.bridge IS NULL, p.bridge DESC, p.id",
}
#: One statement per sort key (keys validated before lookup).
LIST_PAPERS = {
    key: (
        _PAPER_FILTER
        + "WITH p\n"
        + order
        + "\nSKIP $offset LIMIT $limit\n"
        + _PAPER_PAGE
        + "RETURN p {.*} AS p, keywords\n"
        + order
        + "\n"
    )
    for key, order in _ORDER_BY.items()
}

PAPER_EXISTS = "MATCH (p:Paper {id: $id}) RETURN p.id AS id"

NEIGHBORS_SIMILAR = """
MATCH (:Paper {id: $id})-[r:SIMILAR_TO]-(n:Paper)
WHERE r.score >= $min_weight
RETURN n.id AS id, n.title AS title, r.score AS weight, r.terms AS terms
ORDER BY weight DESC, id
LIMIT $limit
"""
NEIGHBORS_KEYWORDS = """
MATCH (:Paper {id: $id})-[r:SHARES_KEYWORDS]-(n:Paper)
WHERE r.jaccard >= $min_weight
RETURN n.id AS id, n.title AS title, r.jaccard AS weight, r.keywords AS keywords,
       r.count AS count
ORDER BY weight DESC, id
LIMIT $limit
"""
NEIGHBORS_CITES = """
MATCH (:Paper {id: $id})-[:CITES]->(n:Paper)
WHERE 1.0 >= $min_weight
RETURN n.id AS id, n.title AS title, 1.0 AS weight
ORDER BY id
LIMIT $limit
"""
NEIGHBORS_CITED_BY = """
MATCH (:Paper {id: $id})<-[:CITES]-(n:Paper)
WHERE 1.0 >= $min_weight
RETURN n.id AS id, n.title AS title, 1.0 AS weight
ORDER BY id
LIMIT $limit
"""

FULLTEXT = """
CALL db.index.fulltext.queryNodes('paper_text', $q)
YIELD node, score
RETURN node.id AS id, score
ORDER BY score DESC, id
LIMIT $limit
"""

COMMUNITIES = """
MATCH (c:Community)
RETURN c {.*} AS c
ORDER BY c.size DESC, c.id
"""
COMMUNITY = """
MATCH (c:Community {id: $id})
OPTIONAL MATCH (p:Paper)-[:IN_COMMUNITY]->(c)
WITH c, p
ORDER BY p.pagerank IS NULL, p.pagerank DESC, p.id
RETURN c {.*} AS c, collect(p.id) AS members
"""

#: One statement per metric (keys validated before lookup).
RANKINGS = {
    "pagerank": """
MATCH (p:Paper) WHERE p.pagerank IS NOT NULL
RETURN p.id AS id, p.pagerank AS value ORDER BY value DESC, id LIMIT $limit
""",
    "degree": """
MATCH (p:Paper) WHERE p.degree IS NOT NULL
RETURN p.id AS id, p.degree AS value ORDER BY value DESC, id LIMIT $limit
""",
    "betweenness": """
MATCH (p:Paper) WHERE p.betweenness IS NOT NULL
RETURN p.id AS id, p.betweenness AS value ORDER BY value DESC, id LIMIT $limit
""",
    "bridge": """
MATCH (p:Paper) WHERE p.bridge IS NOT NULL
RETURN p.id AS id, p.bridge AS value ORDER BY value DESC, id LIMIT $limit
""",
}

KEYWORDS = """
MATCH (k:Keyword)
WHERE k.name STARTS WITH $prefix
RETURN k.name AS name, k.df AS df
ORDER BY df DESC, name
LIMIT $limit
"""
KEYWORD_EXISTS = "MATCH (k:Keyword {name: $name}) RETURN k.name AS name"
KEYWORD_PAPERS = """
MATCH (p:Paper)-[r:HAS_KEYWORD]->(:Keyword {name: $name})
RETURN p.id AS id, r.score AS score
ORDER BY score DESC, id
SKIP $offset LIMIT $limit
"""
