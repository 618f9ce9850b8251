"""Every Cypher statement the Neo4j store runs, as literal strings with ``$parameters``.

Labels, relationship types and property names are written into the statements;
none is ever built from user input. Values always travel as parameters. Writes
are ``UNWIND $rows AS row ...`` batches that use ``MERGE`` so a retried batch
gives the same graph, except where the caller knows the element cannot exist
yet (CREATE: a managed transaction is only retried after its rollback). Bulk
edge writes and reads name nodes by internal node id (see "bulk writes by node
id" below). Deletes are ``LIMIT``-ed or id-batched so each batch stays one
bounded transaction.

Queries whose only difference is a sort order or a metric are kept in dicts
keyed by the validated name (:data:`LIST_PAPERS`, :data:`RANKINGS`).

One file, over 600 lines, on purpose: the style rule keeps every Cypher statement of the
store in one module of literal strings, to read and review them together.
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
    "ITER_PAPERS_CHUNK",
    "DELETE_IN_COMMUNITY_BATCH",
    "DELETE_COMMUNITIES_BATCH",
    "DELETE_ANY_RELATIONSHIPS_BATCH",
    "DELETE_ANY_NODES_BATCH",
    "PAPER_NODES",
    "ALL_PAPER_NODES",
    "KEYWORD_NODES",
    "CREATE_KEYWORDS_NODES",
    "MERGE_KEYWORDS_NODES",
    "CREATE_HAS_KEYWORD_BY_NODE",
    "CREATE_SIMILAR_BY_NODE",
    "CREATE_SHARES_KEYWORDS_BY_NODE",
    "CREATE_CITES_BY_NODE",
    "CREATE_COUPLED_BY_NODE",
    "CREATE_CO_CITED_BY_NODE",
    "MERGE_HAS_KEYWORD_BY_NODE",
    "MERGE_SIMILAR_BY_NODE",
    "MERGE_SHARES_KEYWORDS_BY_NODE",
    "MERGE_CITES_BY_NODE",
    "MERGE_COUPLED_BY_NODE",
    "MERGE_CO_CITED_BY_NODE",
    "BIBLIO_NAMES",
    "CREATE_BIBLIO_BY_NODE",
    "MERGE_BIBLIO_BY_NODE",
    "BULK_BIBLIO",
    "AMONG_BIBLIO",
    "DELETE_NEAR",
    "BULK_HAS_KEYWORD",
    "BULK_SIMILAR",
    "BULK_SHARES_KEYWORDS",
    "BULK_CITES",
    "BULK_COUPLED",
    "BULK_CO_CITED",
    "KEYWORD_NODES_ALL",
    "AMONG_SIMILAR",
    "AMONG_SHARES_KEYWORDS",
    "AMONG_CITES",
    "AMONG_COUPLED",
    "AMONG_CO_CITED",
    "SET_KEYWORD_DF_BY_NODE",
    "DELETE_KEYWORDS_BY_NODE",
    "DELETE_BY_ID",
    "UPDATE_BY_ID",
    "CREATE_COMMUNITIES_NODES",
    "WRITE_SCORES_BY_NODE",
    "CLEAR_SCORES_BY_NODE",
    "SET_UNRESOLVED",
    "ADD_UNRESOLVED",
    "GET_UNRESOLVED",
    "SET_ANALYSIS_META",
    "RECORD_RUN",
    "RUNS",
    "COUNTS",
    "GET_PAPER",
    "COUNT_PAPERS",
    "LIST_PAPERS",
    "NEIGHBORS",
    "FULLTEXT",
    "FULLTEXT_TOP",
    "COMMUNITIES",
    "COMMUNITY",
    "MAP_PAPERS",
    "SIMILAR_PAIRS",
    "RANKINGS",
    "KEYWORDS",
    "KEYWORD_PAPERS",
    "KEYWORD_HOLDERS",
    "KEYWORDS_OF_PAPERS",
    "PAPER_COMMUNITIES",
    "KEYWORD_YEARS",
    "FULLTEXT_INDEX",
]

# -- names (for Python-side bookkeeping and docs; the statements spell them out)
LABEL_PAPER = "Paper"
LABEL_KEYWORD = "Keyword"
LABEL_COMMUNITY = "Community"
LABEL_RUN = "Run"
LABEL_META = "CitegraphMeta"
REL_TYPES = ("HAS_KEYWORD", "SIMILAR_TO", "SHARES_KEYWORDS", "CITES", "IN_COMMUNITY", "COUPLED", "CO_CITED",
             "REFERENCES")
FULLTEXT_INDEX = "paper_text"

# -- schema -----------------------------------------------------------------
SCHEMA = (
    "CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (p:Paper) REQUIRE p.id IS UNIQUE",
    "CREATE CONSTRAINT keyword_name IF NOT EXISTS FOR (k:Keyword) REQUIRE k.name IS UNIQUE",
    "CREATE CONSTRAINT community_id IF NOT EXISTS FOR (c:Community) REQUIRE c.id IS UNIQUE",
    "CREATE CONSTRAINT reference_id IF NOT EXISTS FOR (r:Reference) REQUIRE r.id IS UNIQUE",
    "CREATE CONSTRAINT run_key IF NOT EXISTS FOR (r:Run) REQUIRE r.key IS UNIQUE",
    "CREATE CONSTRAINT meta_key IF NOT EXISTS FOR (m:CitegraphMeta) REQUIRE m.key IS UNIQUE",
    "CREATE INDEX paper_title_key IF NOT EXISTS FOR (p:Paper) ON (p.title_key)",
    "CREATE INDEX paper_community IF NOT EXISTS FOR (p:Paper) ON (p.community)",
    "CREATE INDEX paper_subcommunity IF NOT EXISTS FOR (p:Paper) ON (p.subcommunity)",
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

#: ``iter_papers``: one page of papers after ``$after`` in id order, as one list.
ITER_PAPERS_CHUNK = """
MATCH (p:Paper)
WHERE p.id > $after
WITH p ORDER BY p.id LIMIT $limit
RETURN collect(p {.*}) AS papers
"""


# -- batched deletes (each returns how many it removed) ----------------------
DELETE_IN_COMMUNITY_BATCH = """
MATCH ()-[r:IN_COMMUNITY]->()
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS n
"""
DELETE_COMMUNITIES_BATCH = """
MATCH (c:Community)
WITH c LIMIT $limit
DETACH DELETE c
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

# -- derived graph: bulk writes by node id ----------------------------------------
# The bulk writers first map paper ids / keyword names to internal node ids
# (one query, or returned by the statement that creates the nodes); rows are
# then lists ``[start node, end node, props...]`` and each side is a
# NodeByIdSeek instead of an index seek on a string: 2.5x less server CPU per
# relationship, and lists are cheaper than maps to encode and decode. The label
# stays in the pattern so a node id can never name a node of another label.
#
# Statements that return many rows return them as ONE record of columns
# (``collect``): the Python driver spends ~15 us per record, a list item costs
# next to nothing (10x less client CPU on load_derived).
PAPER_NODES = """
UNWIND $ids AS id
MATCH (p:Paper {id: id})
RETURN collect(id) AS ids, collect(id(p)) AS nodes
"""
ALL_PAPER_NODES = "MATCH (p:Paper) RETURN collect(p.id) AS ids, collect(id(p)) AS nodes"
KEYWORD_NODES = """
UNWIND $names AS name
MATCH (k:Keyword {name: name})
RETURN collect(name) AS names, collect(id(k)) AS nodes
"""
# ``replace_derived``: keywords not stored yet (rows are unique).
CREATE_KEYWORDS_NODES = """
UNWIND $rows AS row
CREATE (k:Keyword {name: row[0], df: row[1]})
RETURN collect(row[0]) AS names, collect(id(k)) AS nodes
"""
MERGE_KEYWORDS_NODES = """
UNWIND $rows AS row
MERGE (k:Keyword {name: row[0]})
SET k.df = row[1]
RETURN collect(row[0]) AS names, collect(id(k)) AS nodes
"""
CREATE_HAS_KEYWORD_BY_NODE = """
UNWIND $rows AS row
MATCH (p:Paper) WHERE id(p) = row[0]
MATCH (k:Keyword) WHERE id(k) = row[1]
CREATE (p)-[:HAS_KEYWORD {score: row[2]}]->(k)
"""
CREATE_SIMILAR_BY_NODE = """
UNWIND $rows AS row
MATCH (a:Paper) WHERE id(a) = row[0]
MATCH (b:Paper) WHERE id(b) = row[1]
CREATE (a)-[:SIMILAR_TO {score: row[2], terms: row[3]}]->(b)
"""
CREATE_SHARES_KEYWORDS_BY_NODE = """
UNWIND $rows AS row
MATCH (a:Paper) WHERE id(a) = row[0]
MATCH (b:Paper) WHERE id(b) = row[1]
CREATE (a)-[:SHARES_KEYWORDS {count: row[2], jaccard: row[3], keywords: row[4]}]->(b)
"""
CREATE_CITES_BY_NODE = """
UNWIND $rows AS row
MATCH (a:Paper) WHERE id(a) = row[0]
MATCH (b:Paper) WHERE id(b) = row[1]
CREATE (a)-[:CITES]->(b)
"""
MERGE_HAS_KEYWORD_BY_NODE = """
UNWIND $rows AS row
MATCH (p:Paper) WHERE id(p) = row[0]
MATCH (k:Keyword) WHERE id(k) = row[1]
MERGE (p)-[r:HAS_KEYWORD]->(k)
SET r.score = row[2]
"""
MERGE_SIMILAR_BY_NODE = """
UNWIND $rows AS row
MATCH (a:Paper) WHERE id(a) = row[0]
MATCH (b:Paper) WHERE id(b) = row[1]
MERGE (a)-[r:SIMILAR_TO]->(b)
SET r.score = row[2], r.terms = row[3]
"""
MERGE_SHARES_KEYWORDS_BY_NODE = """
UNWIND $rows AS row
MATCH (a:Paper) WHERE id(a) = row[0]
MATCH (b:Paper) WHERE id(b) = row[1]
MERGE (a)-[r:SHARES_KEYWORDS]->(b)
SET r.count = row[2], r.jaccard = row[3], r.keywords = row[4]
"""
MERGE_CITES_BY_NODE = """
UNWIND $rows AS row
MATCH (a:Paper) WHERE id(a) = row[0]
MATCH (b:Paper) WHERE id(b) = row[1]
MERGE (a)-[:CITES]->(b)
"""
# COUPLED (shared references) and CO_CITED (shared citers), issue 23: the two
# kinds differ only in their type and the property naming the shared works, so
# each statement is one template written for both. ``<REL>`` and ``<NAMES>`` are
# filled from :data:`BIBLIO_NAMES` (constants, never input). Rows
# ``[source node, target node, count, strength, shared / citers]``.
BIBLIO_NAMES = {"COUPLED": "shared", "CO_CITED": "citers"}


def _per_biblio_kind(template: str) -> dict[str, str]:
    """``{relationship type: statement}`` for COUPLED and CO_CITED."""
    return {rel: template.replace("<REL>", rel).replace("<NAMES>", names) for rel, names in BIBLIO_NAMES.items()}


CREATE_BIBLIO_BY_NODE = _per_biblio_kind("""
UNWIND $rows AS row
MATCH (a:Paper) WHERE id(a) = row[0]
MATCH (b:Paper) WHERE id(b) = row[1]
CREATE (a)-[:<REL> {count: row[2], strength: row[3], <NAMES>: row[4]}]->(b)
""")
MERGE_BIBLIO_BY_NODE = _per_biblio_kind("""
UNWIND $rows AS row
MATCH (a:Paper) WHERE id(a) = row[0]
MATCH (b:Paper) WHERE id(b) = row[1]
MERGE (a)-[r:<REL>]->(b)
SET r.count = row[2], r.strength = row[3], r.<NAMES> = row[4]
""")
# ``replace_biblio_near``: the edges of one kind with an end in ``$ids``.
DELETE_NEAR = _per_biblio_kind("""UNWIND $ids AS id
MATCH (:Paper {id: id})-[r:<REL>]-(:Paper)
DELETE r
""")
CREATE_COUPLED_BY_NODE, CREATE_CO_CITED_BY_NODE = CREATE_BIBLIO_BY_NODE.values()
MERGE_COUPLED_BY_NODE, MERGE_CO_CITED_BY_NODE = MERGE_BIBLIO_BY_NODE.values()

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


# Bulk reads of ``load_derived`` and ``replace_derived``: columns ``start
# nodes, end nodes, relationship ids, props...`` (node ids are mapped back to
# paper ids / keyword names in Python).
BULK_HAS_KEYWORD = """
MATCH (p:Paper)-[r:HAS_KEYWORD]->(k:Keyword)
RETURN collect(id(p)), collect(id(k)), collect(id(r)), collect(r.score)
"""
BULK_SIMILAR = """
MATCH (a:Paper)-[r:SIMILAR_TO]->(b:Paper)
RETURN collect(id(a)), collect(id(b)), collect(id(r)), collect(r.score), collect(r.terms)
"""
BULK_SHARES_KEYWORDS = """
MATCH (a:Paper)-[r:SHARES_KEYWORDS]->(b:Paper)
RETURN collect(id(a)), collect(id(b)), collect(id(r)), collect(r.count), collect(r.jaccard),
       collect(r.keywords)
"""
BULK_CITES = """
MATCH (a:Paper)-[r:CITES]->(b:Paper)
RETURN collect(id(a)), collect(id(b)), collect(id(r))
"""
BULK_BIBLIO = _per_biblio_kind("""
MATCH (a:Paper)-[r:<REL>]->(b:Paper)
RETURN collect(id(a)), collect(id(b)), collect(id(r)), collect(r.count), collect(r.strength), collect(r.<NAMES>)
""")
BULK_COUPLED, BULK_CO_CITED = BULK_BIBLIO.values()
KEYWORD_NODES_ALL = "MATCH (k:Keyword) RETURN collect(k.name), collect(k.df), collect(id(k))"
# ``load_edges(among=ids)``: the edges with both ends in ``$ids``, the columns of
# the bulk reads above but with paper ids in place of node ids (index seeks by id).
AMONG_SIMILAR = """
UNWIND $ids AS id
MATCH (a:Paper {id: id})-[r:SIMILAR_TO]->(b:Paper)
WHERE b.id IN $ids
RETURN collect(a.id), collect(b.id), collect(id(r)), collect(r.score), collect(r.terms)
"""
AMONG_SHARES_KEYWORDS = """
UNWIND $ids AS id
MATCH (a:Paper {id: id})-[r:SHARES_KEYWORDS]->(b:Paper)
WHERE b.id IN $ids
RETURN collect(a.id), collect(b.id), collect(id(r)), collect(r.count), collect(r.jaccard), collect(r.keywords)
"""
AMONG_CITES = """
UNWIND $ids AS id
MATCH (a:Paper {id: id})-[r:CITES]->(b:Paper)
WHERE b.id IN $ids
RETURN collect(a.id), collect(b.id), collect(id(r))
"""
AMONG_BIBLIO = _per_biblio_kind("""
UNWIND $ids AS id
MATCH (a:Paper {id: id})-[r:<REL>]->(b:Paper)
WHERE b.id IN $ids
RETURN collect(a.id), collect(b.id), collect(id(r)), collect(r.count), collect(r.strength), collect(r.<NAMES>)
""")
AMONG_COUPLED, AMONG_CO_CITED = AMONG_BIBLIO.values()

# ``replace_derived`` writes only the difference with what is stored: rows of
# relationship ids to delete, ``[relationship id, props...]`` to update.
SET_KEYWORD_DF_BY_NODE = """
UNWIND $rows AS row
MATCH (k:Keyword) WHERE id(k) = row[0]
SET k.df = row[1]
"""
DELETE_KEYWORDS_BY_NODE = """
UNWIND $rows AS node
MATCH (k:Keyword) WHERE id(k) = node
DETACH DELETE k
"""
DELETE_BY_ID = {
    rel: "UNWIND $rows AS rid\nMATCH ()-[r:" + rel + "]->() WHERE id(r) = rid\nDELETE r\n"
    for rel in ("HAS_KEYWORD", "SIMILAR_TO", "SHARES_KEYWORDS", "CITES", "COUPLED", "CO_CITED")
}
UPDATE_BY_ID = {
    "HAS_KEYWORD": """
UNWIND $rows AS row
MATCH ()-[r:HAS_KEYWORD]->() WHERE id(r) = row[0]
SET r.score = row[1]
""",
    "SIMILAR_TO": """
UNWIND $rows AS row
MATCH ()-[r:SIMILAR_TO]->() WHERE id(r) = row[0]
SET r.score = row[1], r.terms = row[2]
""",
    "SHARES_KEYWORDS": """
UNWIND $rows AS row
MATCH ()-[r:SHARES_KEYWORDS]->() WHERE id(r) = row[0]
SET r.count = row[1], r.jaccard = row[2], r.keywords = row[3]
""",
    **_per_biblio_kind("""
UNWIND $rows AS row
MATCH ()-[r:<REL>]->() WHERE id(r) = row[0]
SET r.count = row[1], r.strength = row[2], r.<NAMES> = row[3]
"""),
}

# -- analysis ------------------------------------------------------------------
# ``write_analysis``: every Community node was just deleted (DETACH, so their
# IN_COMMUNITY edges too); rows are unique by id.
CREATE_COMMUNITIES_NODES = """
UNWIND $rows AS row
CREATE (c:Community {id: row.id, size: row.size, label: row.label, keywords: row.keywords,
                     modularity: row.modularity, top_papers: row.top_papers,
                     level: row.level, parent: row.parent})
RETURN collect(row.id) AS ids, collect(id(c)) AS nodes
"""
#: Row: ``[paper node, community, degree, pagerank, betweenness, bridge, x, y,
#: subcommunity, community nodes]``: one IN_COMMUNITY per level the paper is in.
WRITE_SCORES_BY_NODE = """
UNWIND $rows AS row
MATCH (p:Paper) WHERE id(p) = row[0]
SET p.community = row[1],
    p.degree = row[2],
    p.pagerank = row[3],
    p.betweenness = row[4],
    p.bridge = row[5],
    p.x = row[6],
    p.y = row[7],
    p.subcommunity = row[8]
WITH p, row
UNWIND row[9] AS node
MATCH (c:Community) WHERE id(c) = node
CREATE (p)-[:IN_COMMUNITY]->(c)
"""
CLEAR_SCORES_BY_NODE = """
UNWIND $rows AS node
MATCH (p:Paper) WHERE id(p) = node
REMOVE p.community, p.degree, p.pagerank, p.betweenness, p.bridge, p.x, p.y, p.subcommunity
"""
SET_ANALYSIS_META = """
MERGE (m:CitegraphMeta {key: 'analysis'})
SET m.modularity = $modularity, m.params_json = $params_json
"""

MARK_BUILD = """
MERGE (m:CitegraphMeta {key: 'build'})
SET m.started_at = $started_at
"""
BUILD_IN_PROGRESS = """
OPTIONAL MATCH (m:CitegraphMeta {key: 'build'})
RETURN m.started_at AS started_at
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
       COUNT { ()-[:IN_COMMUNITY]->() } AS IN_COMMUNITY,
       COUNT { ()-[:COUPLED]->() } AS COUPLED,
       COUNT { ()-[:CO_CITED]->() } AS CO_CITED,
       COUNT { (:Reference) } AS references,
       COUNT { (:Paper)-[:REFERENCES]->(:Reference) } AS REFERENCES
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
  AND ($subcommunity IS NULL OR p.subcommunity = $subcommunity)
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

# ``neighbors`` in one statement (one round trip, one plan): the paper's single
# row holds, per wanted relation, its top ``$limit`` neighbours as a list of maps;
# no row at all means no such paper. COLLECT subqueries need Neo4j 5.6+.
_NEIGHBOR_BRANCHES = {
    "similar": """  COLLECT {
    MATCH (p)-[r:SIMILAR_TO]-(n:Paper)
    WHERE r.score >= $min_weight
    WITH n, r ORDER BY r.score DESC, n.id LIMIT $limit
    RETURN {id: n.id, title: n.title, weight: r.score, terms: r.terms}
  } AS similar""",
    "keywords": """  COLLECT {
    MATCH (p)-[r:SHARES_KEYWORDS]-(n:Paper)
    WHERE r.jaccard >= $min_weight
    WITH n, r ORDER BY r.jaccard DESC, n.id LIMIT $limit
    RETURN {id: n.id, title: n.title, weight: r.jaccard, keywords: r.keywords, count: r.count}
  } AS keywords""",
    "cites": """  COLLECT {
    MATCH (p)-[:CITES]->(n:Paper)
    WHERE 1.0 >= $min_weight
    WITH n ORDER BY n.id LIMIT $limit
    RETURN {id: n.id, title: n.title, weight: 1.0}
  } AS cites""",
    "cited_by": """  COLLECT {
    MATCH (p)<-[:CITES]-(n:Paper)
    WHERE 1.0 >= $min_weight
    WITH n ORDER BY n.id LIMIT $limit
    RETURN {id: n.id, title: n.title, weight: 1.0}
  } AS cited_by""",
    # Not part of "all" (issue 23): asked for by name; the column is the relation's name.
    **{relation: statement.replace("<COLUMN>", relation) for relation, statement in zip(("coupled", "cocited"),
       _per_biblio_kind("""  COLLECT {
    MATCH (p)-[r:<REL>]-(n:Paper)
    WHERE r.strength >= $min_weight
    WITH n, r ORDER BY r.strength DESC, n.id LIMIT $limit
    RETURN {id: n.id, title: n.title, weight: r.strength, <NAMES>: r.<NAMES>, count: r.count}
  } AS <COLUMN>""").values())},
}
#: One statement per ``relation`` argument (keys validated before lookup); the
#: columns are the relations it covers, named as the relations.
NEIGHBORS = {
    relation: "MATCH (p:Paper {id: $id})\nRETURN\n" + ",\n".join(_NEIGHBOR_BRANCHES[r] for r in wanted) + "\n"
    for relation, wanted in (
        ("all", ("similar", "keywords", "cites", "cited_by")),
        ("similar", ("similar",)),
        ("keywords", ("keywords",)),
        ("cites", ("cites",)),
        ("cited_by", ("cited_by",)),
        ("coupled", ("coupled",)),
        ("cocited", ("cocited",)),
    )
}

FULLTEXT = """
CALL db.index.fulltext.queryNodes('paper_text', $q)
YIELD node, score
RETURN node.id AS id, score
ORDER BY score DESC, id
LIMIT $limit
"""
# Lucene keeps only its best ``$fetch`` hits (far cheaper on common words than
# ranking every match in Cypher) but breaks score ties by its own document
# order: the store asks for one hit more than it needs and falls back to
# FULLTEXT when that extra hit ties the last one kept.
FULLTEXT_TOP = """
CALL db.index.fulltext.queryNodes('paper_text', $q, {limit: $fetch})
YIELD node, score
RETURN node.id AS id, score
ORDER BY score DESC, id
"""

# The corpus map (viz/map.py): only what it draws, in one row (collect keeps the
# inner lists whole; collecting each property alone would drop its nulls).
MAP_PAPERS = """
MATCH (p:Paper)
WITH p ORDER BY p.pagerank IS NULL, p.pagerank DESC, p.id
RETURN collect([p.id, CASE WHEN coalesce(p.title, '') <> '' THEN p.title
                         ELSE substring(coalesce(p.abstract, ''), 0, 120) END, p.year, p.community, p.subcommunity, p.pagerank, p.x, p.y]) AS rows
"""
SIMILAR_PAIRS = """
MATCH (a:Paper)-[r:SIMILAR_TO]->(b:Paper)
WITH a.id AS source, b.id AS target, r.score AS score ORDER BY source, target
RETURN collect([source, target, score]) AS rows
"""
#: Topics by size, then subtopics grouped by parent, by size; ``$level`` null: every
#: level. Communities written before levels existed have no ``level``: topics.
COMMUNITIES = """
MATCH (c:Community)
WITH c, coalesce(c.level, 0) AS level
WHERE $level IS NULL OR level = $level
RETURN c {.*} AS c
ORDER BY level, coalesce(c.parent, -1), c.size DESC, c.id
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
# One row when the keyword exists (its page of papers in ``papers``), none otherwise.
KEYWORD_HOLDERS = """
UNWIND $names AS name
MATCH (k:Keyword {name: name})
RETURN name, COLLECT { MATCH (p:Paper)-[:HAS_KEYWORD]->(k) RETURN p.id ORDER BY p.id } AS ids
"""

PAPER_COMMUNITIES = """
UNWIND $ids AS id
MATCH (p:Paper {id: id})
WHERE p.community IS NOT NULL
RETURN id, p.community AS community
"""

#: Papers per (keyword, year) of the keywords held by at least $min_papers papers (the
#: timeline's keyword series), one list row per keyword: HAS_KEYWORD and years only.
KEYWORD_YEARS = """
MATCH (k:Keyword)<-[:HAS_KEYWORD]-(p:Paper)
WITH k.name AS name, p.year AS year, count(*) AS n
WITH name, collect([year, n]) AS per, sum(n) AS df
WHERE df >= $min_papers
RETURN collect([name, per]) AS rows
"""

KEYWORDS_OF_PAPERS = """
UNWIND $ids AS id
MATCH (p:Paper {id: id})
RETURN id, COLLECT { MATCH (p)-[r:HAS_KEYWORD]->(k:Keyword) RETURN k.name ORDER BY r.score DESC, k.name } AS keywords
"""

KEYWORD_PAPERS = """
MATCH (k:Keyword {name: $name})
RETURN COLLECT {
  MATCH (p:Paper)-[r:HAS_KEYWORD]->(k)
  WITH p, r ORDER BY r.score DESC, p.id SKIP $offset LIMIT $limit
  RETURN {id: p.id, score: r.score}
} AS papers
"""

# -- stopping a power user's query (the API's /cypher deadline) ---------------
#: Transactions of /cypher carry ``{citegraph_cypher: <token>}`` as metadata.
CYPHER_TRANSACTIONS = """
SHOW TRANSACTIONS YIELD transactionId, metaData
WHERE metaData.citegraph_cypher = $token
RETURN transactionId
"""
TERMINATE_TRANSACTIONS = "TERMINATE TRANSACTIONS $ids"
