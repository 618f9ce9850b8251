"""Cypher of Reference nodes (issue 23 item 1): literal strings with ``$parameters``.

``(:Paper)-[:REFERENCES]->(:Reference {id, doi, title, year})``: the references of
papers that name no paper of the graph. Kept apart from
:mod:`graph.stores.neo4j_cypher` so the two grow without touching each other; same
rules: labels and types are constants, writes are ``UNWIND $rows``. The uniqueness
constraint on ``Reference.id`` is in :data:`graph.stores.neo4j_cypher.SCHEMA`.
"""

from __future__ import annotations

__all__ = ["LOAD_REFERENCES", "LOAD_REFERENCES_EDGES", "REFERENCES_OF_PAPERS", "DELETE_REFERENCES", "SET_REFERENCES", "ADD_REFERENCES",
           "DELETE_REFERENCES_EDGES", "MERGE_REFERENCES_EDGES"]

LOAD_REFERENCES = """
MATCH (r:Reference)
RETURN r.id AS id, r.doi AS doi, r.title AS title, r.year AS year
ORDER BY id
"""
LOAD_REFERENCES_EDGES = """
MATCH (p:Paper)-[:REFERENCES]->(r:Reference)
RETURN p.id AS source, r.id AS target
ORDER BY source, target
"""

REFERENCES_OF_PAPERS = """
UNWIND $ids AS id
MATCH (p:Paper {id: id})-[:REFERENCES]->(r:Reference)
RETURN p.id AS paper, r.id AS id, r.doi AS doi, r.title AS title, r.year AS year
ORDER BY paper, id
"""

# DETACH DELETE takes the node's REFERENCES edges along.
DELETE_REFERENCES = "UNWIND $rows AS id MATCH (r:Reference {id: id}) DETACH DELETE r"
# replace: the build's values win; add (incremental): a stored node keeps its values.
SET_REFERENCES = """
UNWIND $rows AS row
MERGE (r:Reference {id: row.id})
SET r.doi = row.doi, r.title = row.title, r.year = row.year
"""
ADD_REFERENCES = """
UNWIND $rows AS row
MERGE (r:Reference {id: row.id})
ON CREATE SET r.doi = row.doi, r.title = row.title, r.year = row.year
"""

DELETE_REFERENCES_EDGES = """
UNWIND $rows AS row
MATCH (:Paper {id: row[0]})-[e:REFERENCES]->(:Reference {id: row[1]})
DELETE e
"""
MERGE_REFERENCES_EDGES = """
UNWIND $rows AS row
MATCH (p:Paper {id: row[0]})
MATCH (r:Reference {id: row[1]})
MERGE (p)-[:REFERENCES]->(r)
"""
