"""Reference nodes in the Neo4j store (issue 23 item 1):
``(:Paper)-[:REFERENCES]->(:Reference {id, doi, title, year})``.

A mixin of :class:`graph.stores.neo4j.Neo4jStore`, kept in its own module so the
store's main file and this feature change apart; its Cypher is in
:mod:`graph.stores.neo4j_cypher_references`. ``replace_derived`` and ``add_derived``
call it with the build's :class:`~graph.models.DerivedGraph`.
"""

from __future__ import annotations

import logging

from graph.models import DerivedGraph, ReferenceEdge, ReferenceNode
from graph.stores import neo4j_cypher_references as cr

__all__ = ["Neo4jReferencesMixin"]

logger = logging.getLogger(__name__)


def _row(r: ReferenceNode) -> dict:
    return {"id": r.id, "doi": r.doi, "title": r.title, "year": r.year}


class Neo4jReferencesMixin:
    def load_references(self) -> tuple[tuple[ReferenceNode, ...], tuple[ReferenceEdge, ...]]:
        nodes = tuple(ReferenceNode(r["id"], r["doi"], r["title"], r["year"])
                      for r in self._rows(cr.LOAD_REFERENCES))
        edges = tuple(ReferenceEdge(r["source"], r["target"]) for r in self._rows(cr.LOAD_REFERENCES_EDGES))
        return nodes, edges

    def paper_references(self, ids) -> dict[str, tuple[ReferenceNode, ...]]:
        out: dict[str, list[ReferenceNode]] = {}
        for r in self._rows(cr.REFERENCES_OF_PAPERS, ids=sorted({str(i) for i in ids})):
            out.setdefault(r["paper"], []).append(ReferenceNode(r["id"], r["doi"], r["title"], r["year"]))
        return {pid: tuple(nodes) for pid, nodes in out.items()}

    def _replace_references(self, derived: DerivedGraph, batch_size: int) -> None:
        """Make the stored Reference nodes and REFERENCES edges those of ``derived``,
        writing only the difference (a rebuild that resolves nothing new writes nothing)."""
        stored_nodes, stored_edges = self.load_references()
        stored = {r.id: r for r in stored_nodes}
        wanted = {r.id: r for r in derived.references}  # the last wins
        stale = [rid for rid in stored if rid not in wanted]
        changed = [_row(r) for rid, r in wanted.items() if stored.get(rid) != r]
        wanted_edges = {(e.source, e.target) for e in derived.references_edges}
        gone = set(stale)
        old_edges = [[s, t] for s, t in ((e.source, e.target) for e in stored_edges)
                     if (s, t) not in wanted_edges and t not in gone]
        have = {(e.source, e.target) for e in stored_edges}
        new_edges = [[s, t] for s, t in sorted(wanted_edges - have)]
        self._write_batches(cr.DELETE_REFERENCES, stale, batch_size)
        self._write_batches(cr.DELETE_REFERENCES_EDGES, old_edges, batch_size)
        self._write_batches(cr.SET_REFERENCES, changed, batch_size)
        self._write_batches(cr.MERGE_REFERENCES_EDGES, new_edges, batch_size)
        logger.info("replaced Reference nodes: +~%d -%d; REFERENCES +%d -%d",
                    len(changed), len(stale), len(new_edges), len(old_edges))

    def _add_references(self, derived: DerivedGraph, batch_size: int) -> None:
        self._write_batches(cr.ADD_REFERENCES, [_row(r) for r in derived.references], batch_size)
        self._write_batches(cr.MERGE_REFERENCES_EDGES, [[e.source, e.target] for e in derived.references_edges],
                            batch_size)
