"""Authors and venues in the Neo4j store (issue 24): ``(:Author)-[:WROTE {position}]->(:Paper)``,
``(:Paper)-[:PUBLISHED_IN]->(:Venue)``.

A mixin of :class:`graph.stores.neo4j.Neo4jStore`, kept in its own module so the
store's main file and this feature change apart; its Cypher is in
:mod:`graph.stores.neo4j_cypher_authors`. Uniqueness constraints on ``Author.id`` and
``Venue.id`` are created (if missing) by the first :meth:`replace_authorship`.
"""

from __future__ import annotations

from graph.authors import AuthorInfo, Authorship, VenueInfo, normalize_name
from graph.errors import AuthorNotFound, param_error
from graph.stores import neo4j_cypher_authors as ca

__all__ = ["Neo4jAuthorsMixin"]

_BATCH = 5000
_DELETE = 10_000


def _check(name: str, where: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise param_error(name, where, f"an int >= {low}", value)


class Neo4jAuthorsMixin:
    def authorship_schema(self) -> None:
        """The uniqueness constraints on ``Author.id`` and ``Venue.id`` (if missing)."""
        with self._translate(), self._session() as session:
            for statement in ca.SCHEMA:
                session.run(statement).consume()

    def replace_authorship(self, rows: Authorship) -> None:
        self.authorship_schema()
        self._delete_all(ca.DELETE_AUTHORS_BATCH, _DELETE)
        self._delete_all(ca.DELETE_VENUES_BATCH, _DELETE)
        self._write_batches(ca.WRITE_AUTHORS, [{"id": a.id, "name": a.name, "orcid": a.orcid,
                                                "key": normalize_name(a.name)} for a in rows.authors], _BATCH)
        self._write_batches(ca.WRITE_VENUES, [{"id": v.id, "name": v.name, "issn": v.issn,
                                               "key": normalize_name(v.name)} for v in rows.venues], _BATCH)
        self._write_batches(ca.WRITE_WROTE, [{"author": a, "paper": p, "position": pos}
                                             for a, p, pos in rows.wrote], _BATCH)
        self._write_batches(ca.WRITE_PUBLISHED_IN, [{"paper": p, "venue": v} for p, v in rows.published_in], _BATCH)

    def list_authors(self, *, q: str = "", limit: int = 50, offset: int = 0) -> tuple[int, list[AuthorInfo]]:
        _check("limit", "list_authors", limit, 0)
        _check("offset", "list_authors", offset, 0)
        key = normalize_name(q or "")
        total = self._rows(ca.COUNT_AUTHORS, q=key)[0]["total"]
        rows = self._rows(ca.LIST_AUTHORS, q=key, limit=limit, offset=offset)
        return int(total), [AuthorInfo(r["id"], r["name"], r["orcid"], int(r["papers"])) for r in rows]

    def get_author(self, author_id: str) -> tuple[AuthorInfo, list[tuple[str, int]]]:
        found = self._rows(ca.AUTHOR, id=author_id)
        if not found:
            raise AuthorNotFound(author_id)
        r = found[0]
        papers = self._rows(ca.AUTHOR_PAPERS, id=author_id)
        return (AuthorInfo(r["id"], r["name"], r["orcid"], int(r["papers"])),
                [(p["id"], int(p["position"])) for p in papers])

    def coauthors(self, author_id: str, *, limit: int = 50) -> list[tuple[AuthorInfo, int]]:
        _check("limit", "coauthors", limit, 0)
        if not self._rows(ca.AUTHOR, id=author_id):
            raise AuthorNotFound(author_id)
        rows = self._rows(ca.COAUTHORS, id=author_id, limit=limit)
        return [(AuthorInfo(r["id"], r["name"], r["orcid"], int(r["papers"])), int(r["shared"])) for r in rows]

    def list_venues(self, *, q: str = "", limit: int = 50, offset: int = 0) -> tuple[int, list[VenueInfo]]:
        _check("limit", "list_venues", limit, 0)
        _check("offset", "list_venues", offset, 0)
        key = normalize_name(q or "")
        total = self._rows(ca.COUNT_VENUES, q=key)[0]["total"]
        rows = self._rows(ca.LIST_VENUES, q=key, limit=limit, offset=offset)
        return int(total), [VenueInfo(r["id"], r["name"], r["issn"], int(r["papers"])) for r in rows]
