"""Authors and venues in the embedded store (schema 4 tables; issue 24).

A mixin of :class:`graph.stores.sqlite.SQLiteStore`, kept in its own module so the
store's main file and this feature change apart. It uses the store's ``_write``
(one ``BEGIN IMMEDIATE`` transaction) and ``_read`` (one snapshot).
"""

from __future__ import annotations

from graph.authors import AuthorInfo, Authorship, VenueInfo, normalize_name
from graph.errors import AuthorNotFound, param_error

__all__ = ["SQLiteAuthorsMixin"]

_LIST_AUTHORS = """
SELECT a.id, a.name, a.orcid, (SELECT count(*) FROM wrote w WHERE w.author_id = a.id) AS papers
FROM authors a WHERE instr(a.key, ?) > 0
ORDER BY papers DESC, a.key, a.id LIMIT ? OFFSET ?
"""
_COUNT_AUTHORS = "SELECT count(*) FROM authors WHERE instr(key, ?) > 0"
_AUTHOR = ("SELECT a.id, a.name, a.orcid, (SELECT count(*) FROM wrote w WHERE w.author_id = a.id) "
           "FROM authors a WHERE a.id = ?")
_AUTHOR_PAPERS = """
SELECT w.paper_id, w.position FROM wrote w JOIN papers p ON p.id = w.paper_id
WHERE w.author_id = ? ORDER BY p.year IS NULL, p.year DESC, p.id
"""
_COAUTHORS = """
SELECT c.id, c.name, c.orcid, count(DISTINCT mine.paper_id) AS shared,
       (SELECT count(*) FROM wrote x WHERE x.author_id = c.id) AS papers
FROM wrote mine JOIN wrote other ON other.paper_id = mine.paper_id AND other.author_id <> mine.author_id
JOIN authors c ON c.id = other.author_id
WHERE mine.author_id = ?
GROUP BY c.id ORDER BY shared DESC, c.key, c.id LIMIT ?
"""
_LIST_VENUES = """
SELECT v.id, v.name, v.issn, (SELECT count(*) FROM published_in p WHERE p.venue_id = v.id) AS papers
FROM venues v WHERE instr(v.key, ?) > 0
ORDER BY papers DESC, v.key, v.id LIMIT ? OFFSET ?
"""
_COUNT_VENUES = "SELECT count(*) FROM venues WHERE instr(key, ?) > 0"


def _check(name: str, where: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise param_error(name, where, f"an int >= {low}", value)


class SQLiteAuthorsMixin:
    def replace_authorship(self, rows: Authorship) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM wrote")
            conn.execute("DELETE FROM published_in")
            conn.execute("DELETE FROM authors")
            conn.execute("DELETE FROM venues")
            conn.executemany("INSERT INTO authors(id, name, orcid, key) VALUES (?, ?, ?, ?)",
                             [(a.id, a.name, a.orcid, normalize_name(a.name)) for a in rows.authors])
            conn.executemany("INSERT INTO venues(id, name, issn, key) VALUES (?, ?, ?, ?)",
                             [(v.id, v.name, v.issn, normalize_name(v.name)) for v in rows.venues])
            # Only papers that are stored: the rows come from the stored papers, so all of them.
            conn.executemany("INSERT INTO wrote(author_id, paper_id, position) "
                             "SELECT ?, id, ? FROM papers WHERE id = ?",
                             [(a, pos, p) for a, p, pos in rows.wrote])
            conn.executemany("INSERT INTO published_in(paper_id, venue_id) SELECT id, ? FROM papers WHERE id = ?",
                             [(v, p) for p, v in rows.published_in])

    def list_authors(self, *, q: str = "", limit: int = 50, offset: int = 0) -> tuple[int, list[AuthorInfo]]:
        _check("limit", "list_authors", limit, 0)
        _check("offset", "list_authors", offset, 0)
        key = normalize_name(q or "")
        with self._read() as conn:
            total = conn.execute(_COUNT_AUTHORS, (key,)).fetchone()[0]
            rows = conn.execute(_LIST_AUTHORS, (key, limit, offset)).fetchall()
        return int(total), [AuthorInfo(i, n, o, int(c)) for i, n, o, c in rows]

    def get_author(self, author_id: str) -> tuple[AuthorInfo, list[tuple[str, int]]]:
        with self._read() as conn:
            row = conn.execute(_AUTHOR, (author_id,)).fetchone()
            if row is None:
                raise AuthorNotFound(author_id)
            papers = conn.execute(_AUTHOR_PAPERS, (author_id,)).fetchall()
        return AuthorInfo(row[0], row[1], row[2], int(row[3])), [(p, int(pos)) for p, pos in papers]

    def coauthors(self, author_id: str, *, limit: int = 50) -> list[tuple[AuthorInfo, int]]:
        _check("limit", "coauthors", limit, 0)
        with self._read() as conn:
            if conn.execute("SELECT 1 FROM authors WHERE id = ?", (author_id,)).fetchone() is None:
                raise AuthorNotFound(author_id)
            rows = conn.execute(_COAUTHORS, (author_id, limit)).fetchall()
        return [(AuthorInfo(i, n, o, int(papers)), int(shared)) for i, n, o, shared, papers in rows]

    def list_venues(self, *, q: str = "", limit: int = 50, offset: int = 0) -> tuple[int, list[VenueInfo]]:
        _check("limit", "list_venues", limit, 0)
        _check("offset", "list_venues", offset, 0)
        key = normalize_name(q or "")
        with self._read() as conn:
            total = conn.execute(_COUNT_VENUES, (key,)).fetchone()[0]
            rows = conn.execute(_LIST_VENUES, (key, limit, offset)).fetchall()
        return int(total), [VenueInfo(i, n, s, int(c)) for i, n, s, c in rows]
