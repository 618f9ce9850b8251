"""Cypher of authors and venues (issue 24): literal strings with ``$parameters``.

Kept apart from :mod:`graph.stores.neo4j_cypher` so the two grow without touching each
other; same rules: labels and types are constants, writes are ``UNWIND $rows``.
"""

from __future__ import annotations

__all__ = ["SCHEMA", "DELETE_AUTHORS_BATCH", "DELETE_VENUES_BATCH", "WRITE_AUTHORS", "WRITE_VENUES", "WRITE_WROTE",
           "WRITE_PUBLISHED_IN", "LIST_AUTHORS", "COUNT_AUTHORS", "AUTHOR", "AUTHOR_PAPERS", "COAUTHORS",
           "LIST_VENUES", "COUNT_VENUES"]

SCHEMA = (
    "CREATE CONSTRAINT author_id IF NOT EXISTS FOR (a:Author) REQUIRE a.id IS UNIQUE",
    "CREATE CONSTRAINT venue_id IF NOT EXISTS FOR (v:Venue) REQUIRE v.id IS UNIQUE",
)

# Authorship is derived from every paper: replaced whole, in batches (DETACH DELETE
# drops WROTE / PUBLISHED_IN with the nodes).
DELETE_AUTHORS_BATCH = "MATCH (a:Author) WITH a LIMIT $limit DETACH DELETE a RETURN count(*) AS n"
DELETE_VENUES_BATCH = "MATCH (v:Venue) WITH v LIMIT $limit DETACH DELETE v RETURN count(*) AS n"

WRITE_AUTHORS = """
UNWIND $rows AS row
MERGE (a:Author {id: row.id})
SET a.name = row.name, a.orcid = row.orcid, a.key = row.key
"""
WRITE_VENUES = """
UNWIND $rows AS row
MERGE (v:Venue {id: row.id})
SET v.name = row.name, v.issn = row.issn, v.key = row.key
"""
WRITE_WROTE = """
UNWIND $rows AS row
MATCH (a:Author {id: row.author})
MATCH (p:Paper {id: row.paper})
MERGE (a)-[w:WROTE]->(p)
SET w.position = row.position
"""
WRITE_PUBLISHED_IN = """
UNWIND $rows AS row
MATCH (p:Paper {id: row.paper})
MATCH (v:Venue {id: row.venue})
MERGE (p)-[:PUBLISHED_IN]->(v)
"""

COUNT_AUTHORS = "MATCH (a:Author) WHERE a.key CONTAINS $q RETURN count(a) AS total"
LIST_AUTHORS = """
MATCH (a:Author) WHERE a.key CONTAINS $q
WITH a, COUNT { (a)-[:WROTE]->(:Paper) } AS papers
RETURN a.id AS id, a.name AS name, a.orcid AS orcid, papers
ORDER BY papers DESC, a.key, a.id
SKIP $offset LIMIT $limit
"""
AUTHOR = """
MATCH (a:Author {id: $id})
RETURN a.id AS id, a.name AS name, a.orcid AS orcid, COUNT { (a)-[:WROTE]->(:Paper) } AS papers
"""
AUTHOR_PAPERS = """
MATCH (:Author {id: $id})-[w:WROTE]->(p:Paper)
RETURN p.id AS id, w.position AS position
ORDER BY p.year DESC, p.id
"""
COAUTHORS = """
MATCH (:Author {id: $id})-[:WROTE]->(p:Paper)<-[:WROTE]-(c:Author)
WITH c, count(DISTINCT p) AS shared
RETURN c.id AS id, c.name AS name, c.orcid AS orcid, shared,
       COUNT { (c)-[:WROTE]->(:Paper) } AS papers
ORDER BY shared DESC, c.key, c.id
LIMIT $limit
"""
COUNT_VENUES = "MATCH (v:Venue) WHERE v.key CONTAINS $q RETURN count(v) AS total"
LIST_VENUES = """
MATCH (v:Venue) WHERE v.key CONTAINS $q
WITH v, COUNT { (:Paper)-[:PUBLISHED_IN]->(v) } AS papers
RETURN v.id AS id, v.name AS name, v.issn AS issn, papers
ORDER BY papers DESC, v.key, v.id
SKIP $offset LIMIT $limit
"""
