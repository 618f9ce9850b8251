"""The embedded store: one SQLite file (WAL mode), the zero-setup default.

One connection per thread (WAL lets readers run beside the single writer); a
process-wide lock serialises writes, and SQLite's busy timeout covers other
processes. Every write runs in an explicit ``BEGIN IMMEDIATE`` transaction:
papers one transaction per batch, :meth:`SQLiteStore.replace_derived` and
:meth:`SQLiteStore.write_analysis` one transaction each, so a crash leaves the
old state or the new one, never half.

One file, over 600 lines, on purpose: one implementation of the GraphStore interface,
whose connection, transaction and error-translation helpers every method shares (the SQL
lives in sqlite_queries.py, the schema in sqlite_schema.py).
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable, Iterator

from graph.edge_arrays import EdgeArrays
from graph.errors import (
    CommunityNotFound,
    KeywordNotFound,
    PaperNotFound,
    StoreUnavailable,
)
from graph.models import (
    AnalysisResult,
    CitationEdge,
    CoCitedEdge,
    Community,
    CoupledEdge,
    DerivedGraph,
    Keyword,
    KeywordScore,
    Paper,
    PaperScores,
    ReferenceEdge,
    ReferenceNode,
    RunRecord,
    SharedKeywordsEdge,
    SimilarEdge,
)
from graph.stores import sqlite_queries as Q
from graph.stores.base import GraphStore, KeywordInfo, check_level, MapPaper, index_references, Metric, Neighbor, Relation, SortKey, StoredPaper, edge_key, gc_paused
from graph.stores.base import check_choice, check_int, check_page, chunks, sort_keyword_years, unsendable
from graph.stores.base import EDGE_COUNT_KEYS, NODE_COUNT_KEYS, derived_paper_ids
from graph.stores.sqlite_authors import SQLiteAuthorsMixin
from graph.stores.sqlite_schema import DERIVED_INDEXES, PRAGMAS, SCORE_INDEXES, create_schema

__all__ = ["SQLiteStore"]

logger = logging.getLogger(__name__)

#: Primary SQLite result codes that mean "the file cannot be used now" rather than
#: a bug: PERM, BUSY, LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN,
#: PROTOCOL, NOTADB.
_UNAVAILABLE_CODES = frozenset({3, 5, 6, 7, 8, 10, 11, 13, 14, 15, 26})
_RELATIONS = ("similar", "keywords", "cites", "cited_by")
#: Relations ``neighbors`` serves by name only, outside "all" (issue 23).
_NAMED_RELATIONS = ("coupled", "cocited")
_FTS_TOKEN = re.compile(r"\w+", re.UNICODE)
_MAX_FTS_TOKENS = 64
_ITER_PAGE = 1000
#: Page cache while a write runs (KiB; SQLite's default is 2 MiB): big
#: transactions stop spilling pages; shrunk back after each write.
_WRITE_CACHE_KIB = 64 * 1024
_READ_CACHE_KIB = 8 * 1024
_PK = itemgetter(0, 1)
_LAST = itemgetter(-1)


class SQLiteStore(SQLiteAuthorsMixin, GraphStore):
    """:class:`~graph.stores.base.GraphStore` over one SQLite file.

    Parameters
    ----------
    path : str or Path
        The database file; created (with its parent folders) by :meth:`open`.
    timeout : float
        Seconds to wait for a lock held by another writer before giving up
        with :class:`~graph.errors.StoreUnavailable`.

    Examples
    --------
    >>> import tempfile, os
    >>> from graph.models import Paper
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with SQLiteStore(os.path.join(tmp, "g.db")) as store:
    ...         store.upsert_papers([Paper(id="p1", title="Graphs")])
    ...         store.counts()["papers"]
    1
    1
    """

    name = "embedded"

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout = float(timeout)
        self._opened = False
        self._local = threading.local()
        # Each thread's connection with its thread: connections of threads that ended (a
        # server's worker pool retires idle threads) are closed when the next one opens,
        # so their page caches do not pile up.
        self._conns: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._conns_lock = threading.Lock()
        self._write_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SQLiteStore({str(self.path)!r})"

    def reopened(self) -> "SQLiteStore":
        return SQLiteStore(self.path, timeout=self.timeout)

    def data_key(self) -> str:
        return f"sqlite:{Path(self.path).resolve()}"

    # -- lifecycle -----------------------------------------------------------------
    def open(self) -> None:
        if self._opened:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"Cannot create the folder of the SQLite store {self.path}: {exc}") from exc
        self._opened = True
        try:
            conn = self._conn()
            with self._guard():
                found = create_schema(conn)
        except ValueError as exc:
            self.close()
            raise StoreUnavailable(f"Cannot use the SQLite store {self.path}: {exc}") from exc
        except BaseException:
            self.close()
            raise
        logger.debug("opened SQLite store %s (schema version found: %d)", self.path, found)

    def close(self) -> None:
        self._opened = False
        with self._conns_lock:
            conns, self._conns = self._conns, []
            self._local = threading.local()
        for _, conn in conns:
            try:
                conn.close()
            except sqlite3.Error:  # closing is best effort; the file stays consistent
                logger.debug("closing a connection to %s failed", self.path, exc_info=True)

    def ping(self) -> None:
        with self._read() as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()

    def clear(self) -> None:
        with self._write(check_later=Q.CLEAR_TABLES) as conn:
            for table in Q.CLEAR_TABLES:
                conn.execute(f"DELETE FROM {table}")

    # -- papers --------------------------------------------------------------------
    def upsert_papers(self, papers: Iterable[Paper], *, batch_size: int = 5000) -> int:
        check_int("batch_size", "upsert_papers", batch_size, 1)
        written = 0
        for chunk in chunks(papers, batch_size):
            # The last record of an id wins, as it would row by row; one row per id
            # also keeps the update trigger from un-indexing a row not indexed yet.
            unique = list({p.id: p for p in chunk}.values())
            with self._write() as conn:
                before = conn.execute(Q.MAX_PAPER_ROWID).fetchone()[0]
                # Rows are built lazily: a bad record aborts (and rolls back) this batch.
                conn.executemany(Q.UPSERT_PAPER, (_paper_row(p) for p in unique))
                conn.execute(Q.INDEX_NEW_PAPERS, (before,))
            written += len(chunk)
        return written

    def get_papers(self, ids: Iterable[str]) -> dict[str, Paper]:
        with self._read() as conn:
            rows = conn.execute(Q.GET_PAPERS, (_json(sorted({str(i) for i in ids})),)).fetchall()
        return {row[0]: _row_paper(row) for row in rows}

    def ids_by_title_key(self, keys: Iterable[str]) -> dict[str, str]:
        with self._read() as conn:
            return dict(conn.execute(Q.IDS_BY_TITLE_KEY, (_json(sorted({str(k) for k in keys})),)).fetchall())

    def title_key_ids(self, keys: Iterable[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        with self._read() as conn:
            for key, pid in conn.execute(Q.TITLE_KEY_IDS, (_json(sorted({str(k) for k in keys})),)):
                out.setdefault(key, []).append(pid)
        return out

    def reference_index(self) -> dict[str, str]:
        with self._read() as conn:
            return index_references(conn.execute(Q.REFERENCE_ROWS).fetchall())

    def iter_papers(self) -> Iterator[Paper]:
        # Keyset pages, each its own short read: no transaction stays open while
        # the caller works on a page.
        last = ""
        while True:
            with self._read() as conn:
                rows = conn.execute(Q.ITER_PAPERS_PAGE, (last, _ITER_PAGE)).fetchall()
            for row in rows:
                yield _row_paper(row)
            if len(rows) < _ITER_PAGE:
                return
            last = rows[-1][0]

    # -- derived graph ---------------------------------------------------------------
    def replace_derived(self, derived: DerivedGraph, *, batch_size: int = 5000) -> None:
        check_int("batch_size", "replace_derived", batch_size, 1)
        try:
            # The ends are checked here, before anything is deleted, instead of by
            # SQLite's foreign_key_check after the writes: that one seeks every row's
            # ends (~2 x 70M at synth-1M) and ran longer than the writes (docs/scaling.md).
            with self._write(check_later=Q.DERIVED_TABLES, checked=True) as conn:
                _check_derived_ends(conn, derived)
                for table in Q.DERIVED_TABLES:
                    conn.execute(f"DELETE FROM {table}")
                # Into empty tables the secondary indexes are cheaper built once,
                # after the rows, than kept up row by row. DDL is transactional: a
                # failure or a crash before COMMIT brings back the old rows and indexes.
                with _indexes_dropped(conn, DERIVED_INDEXES):
                    self._write_derived(conn, derived, batch_size)
                conn.execute(Q.SET_META, (Q.UNRESOLVED_KEY, int(derived.unresolved_references)))
        except sqlite3.IntegrityError as exc:
            self._raise_missing(derived, exc, replacing=True)

    def add_derived(self, derived: DerivedGraph, *, batch_size: int = 5000) -> None:
        check_int("batch_size", "add_derived", batch_size, 1)
        try:
            with self._write() as conn:
                self._write_derived(conn, derived, batch_size)
                if derived.unresolved_references:
                    conn.execute(Q.ADD_META, (Q.UNRESOLVED_KEY, int(derived.unresolved_references)))
        except sqlite3.IntegrityError as exc:
            self._raise_missing(derived, exc, replacing=False)

    def replace_biblio_near(
        self,
        derived: DerivedGraph,
        *,
        coupled_near: Iterable[str],
        co_cited_near: Iterable[str],
        batch_size: int = 5000,
    ) -> None:
        check_int("batch_size", "replace_biblio_near", batch_size, 1)
        only = DerivedGraph((), (), (), (), (), coupled=derived.coupled, co_cited=derived.co_cited)
        try:
            with self._write() as conn:  # one transaction: the deletes roll back with a failed write
                conn.execute(Q.DELETE_COUPLED_NEAR, {"ids": _json(sorted(set(coupled_near)))})
                conn.execute(Q.DELETE_CO_CITED_NEAR, {"ids": _json(sorted(set(co_cited_near)))})
                self._write_derived(conn, only, batch_size)
        except sqlite3.IntegrityError as exc:
            self._raise_missing(only, exc, replacing=False)

    def load_derived(self) -> DerivedGraph:
        return self._load_derived(keywords=True)

    def load_edges(self, among: Iterable[str] | None = None) -> DerivedGraph:
        return self._load_derived(keywords=False, among=among)

    def _load_derived(self, *, keywords: bool, among: Iterable[str] | None = None) -> DerivedGraph:
        queries = (Q.LOAD_SIMILAR, Q.LOAD_SHARES, Q.LOAD_CITES, Q.LOAD_COUPLED, Q.LOAD_CO_CITED) if among is None \
            else (Q.AMONG_SIMILAR, Q.AMONG_SHARES, Q.AMONG_CITES, Q.AMONG_COUPLED, Q.AMONG_CO_CITED)
        params = {} if among is None else {"ids": json.dumps(sorted(set(among)))}
        with self._read() as conn, gc_paused():
            if keywords:
                kws = tuple(Keyword(n, df) for n, df in conn.execute(Q.LOAD_KEYWORDS))
                has_keyword = tuple(KeywordScore(p, k, s) for p, k, s in conn.execute(Q.LOAD_HAS_KEYWORD))
            else:
                kws, has_keyword = (), ()
            similar = tuple(
                SimilarEdge(s, t, score, tuple(json.loads(terms))) for s, t, score, terms in conn.execute(queries[0], params)
            )
            shares = tuple(
                SharedKeywordsEdge(s, t, c, j, tuple(json.loads(kws))) for s, t, c, j, kws in conn.execute(queries[1], params)
            )
            cites = tuple(CitationEdge(s, t) for s, t in conn.execute(queries[2], params))
            coupled = tuple(CoupledEdge(s, t, c, st, tuple(json.loads(ev)))
                            for s, t, c, st, ev in conn.execute(queries[3], params))
            co_cited = tuple(CoCitedEdge(s, t, c, st, tuple(json.loads(ev)))
                             for s, t, c, st, ev in conn.execute(queries[4], params))
            unresolved = conn.execute(Q.GET_META, (Q.UNRESOLVED_KEY,)).fetchone()
        return DerivedGraph(kws, has_keyword, similar, shares, cites, int(unresolved[0]) if unresolved else 0,
                            coupled=coupled, co_cited=co_cited)

    def load_references(self) -> tuple[tuple[ReferenceNode, ...], tuple[ReferenceEdge, ...]]:
        with self._read() as conn:
            nodes = tuple(ReferenceNode(*row) for row in conn.execute(Q.LOAD_REFERENCES))
            edges = tuple(ReferenceEdge(*row) for row in conn.execute(Q.LOAD_PAPER_REFERENCES))
        return nodes, edges

    def paper_references(self, ids: Iterable[str]) -> dict[str, tuple[ReferenceNode, ...]]:
        out: dict[str, list[ReferenceNode]] = {}
        with self._read() as conn:
            for pid, *node in conn.execute(Q.REFERENCES_OF_PAPERS, (_json(sorted({str(i) for i in ids})),)):
                out.setdefault(pid, []).append(ReferenceNode(*node))
        return {pid: tuple(nodes) for pid, nodes in out.items()}

    # -- analysis --------------------------------------------------------------------
    def write_analysis(self, result: AnalysisResult, *, batch_size: int = 5000) -> None:
        check_int("batch_size", "write_analysis", batch_size, 1)
        # Rows sorted by id: the updates walk the table in order.
        rows = sorted((_scores_row(s) for s in result.scores), key=_LAST)
        with self._write() as conn:
            # Every score changes: the five score indexes are rebuilt once at the end
            # (same transaction) instead of being updated twice per paper.
            with _indexes_dropped(conn, SCORE_INDEXES):
                conn.execute(Q.CLEAR_SCORES)
                conn.execute("DELETE FROM communities")
                conn.executemany(Q.UPSERT_COMMUNITY, (_community_row(c) for c in result.communities))
                for chunk in chunks(rows, batch_size):
                    conn.executemany(Q.SET_SCORES, chunk)

    def mark_build(self, started_at: str | None) -> None:
        with self._write() as conn:
            if started_at is None:
                conn.execute(Q.DELETE_META, (Q.BUILD_KEY,))
            else:
                conn.execute(Q.SET_META, (Q.BUILD_KEY, str(started_at)))

    def build_in_progress(self) -> str | None:
        with self._read() as conn:
            row = conn.execute(Q.GET_META, (Q.BUILD_KEY,)).fetchone()
        return str(row[0]) if row and row[0] is not None else None

    def record_run(self, run: RunRecord) -> None:
        row = (
            run.kind, run.started_at, float(run.seconds),
            _json(dict(run.params), lenient=True), _json(dict(run.counts), lenient=True),
            _json(dict(run.versions), lenient=True),
        )
        with self._write() as conn:
            conn.execute(Q.INSERT_RUN, row)

    def runs(self, *, limit: int = 20) -> list[RunRecord]:
        check_int("limit", "runs", limit, 0)
        with self._read() as conn:
            rows = conn.execute(Q.RUNS, (limit,)).fetchall()
        return [
            RunRecord(kind, started, seconds, json.loads(p), json.loads(c), json.loads(v))
            for kind, started, seconds, p, c, v in rows
        ]

    # -- reads -------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        with self._read() as conn:
            values = conn.execute(Q.COUNTS).fetchone()
        keys = ("papers", "keywords", "communities", "HAS_KEYWORD", "SIMILAR_TO", "SHARES_KEYWORDS",
                "CITES", "IN_COMMUNITY", "COUPLED", "CO_CITED", "references", "REFERENCES")
        found = dict(zip(keys, (int(v) for v in values)))
        return {key: found[key] for key in (*NODE_COUNT_KEYS, *EDGE_COUNT_KEYS)}

    def get_paper(self, paper_id: str) -> StoredPaper:
        with self._read() as conn:
            row = conn.execute(Q.GET_STORED_PAPER, (paper_id,)).fetchone()
            if row is None:
                raise PaperNotFound(paper_id)
            keywords = tuple(k for (k,) in conn.execute(Q.KEYWORDS_OF_PAPER, (paper_id,)))
        return StoredPaper(_row_paper(row), keywords, _row_scores(row[0], row[12:]))

    def list_papers(
        self,
        *,
        q: str | None = None,
        community: int | None = None,
        sort: SortKey = "id",
        limit: int = 50,
        offset: int = 0,
        subcommunity: int | None = None,
    ) -> tuple[int, list[StoredPaper]]:
        check_choice("sort", "list_papers", sort, Q.SORTS)
        check_page("list_papers", limit, offset)
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        where = []
        if q:
            where.append(Q.LIST_FILTERS["q"])
            params["q"] = q.lower()
        if community is not None:
            where.append(Q.LIST_FILTERS["community"])
            params["community"] = community
        if subcommunity is not None:
            where.append(Q.LIST_FILTERS["subcommunity"])
            params["subcommunity"] = subcommunity
        where_sql = f"WHERE {' AND '.join(where)}" if where else ""
        with self._read() as conn:
            total = conn.execute(f"SELECT count(*) FROM papers {where_sql}", params).fetchone()[0]
            rows = conn.execute(
                f"SELECT {Q.PAPER_COLUMNS}, {Q.SCORE_COLUMNS} FROM papers {where_sql} "
                f"ORDER BY {Q.SORTS[sort]} LIMIT :limit OFFSET :offset",
                params,
            ).fetchall()
            keywords: dict[str, list[str]] = {}
            for pid, kw in conn.execute(Q.KEYWORDS_OF_PAPERS, (_json([r[0] for r in rows]),)):
                keywords.setdefault(pid, []).append(kw)
        page = [
            StoredPaper(_row_paper(r), tuple(keywords.get(r[0], ())), _row_scores(r[0], r[12:])) for r in rows
        ]
        return int(total), page

    def neighbors(
        self,
        paper_id: str,
        *,
        relation: Relation = "all",
        limit: int = 50,
        min_weight: float = 0.0,
    ) -> list[Neighbor]:
        check_choice("relation", "neighbors", relation, ("all", *_RELATIONS, *_NAMED_RELATIONS))
        check_int("limit", "neighbors", limit, 0)
        relations = _RELATIONS if relation == "all" else (relation,)
        branches = " UNION ALL ".join(b for r in relations for b in Q.NEIGHBOR_BRANCHES[r])
        sql = Q.NEIGHBORS_TEMPLATE.format(branches=branches)
        params = {"id": paper_id, "min_weight": float(min_weight), "limit": limit}
        with self._read() as conn:
            if conn.execute(Q.PAPER_EXISTS, (paper_id,)).fetchone() is None:
                raise PaperNotFound(paper_id)
            rows = conn.execute(sql, params).fetchall()
        return [_neighbor(*row) for row in rows]

    def fulltext(self, q: str, *, limit: int = 20) -> list[tuple[str, float]]:
        check_int("limit", "fulltext", limit, 0)
        tokens = _FTS_TOKEN.findall(q or "")[:_MAX_FTS_TOKENS]
        if not tokens or limit == 0:
            return []
        # Each word quoted: FTS5 operators in user input (AND, NEAR(, *, ") are plain words.
        match = " OR ".join(f'"{token}"' for token in dict.fromkeys(tokens))
        with self._read() as conn:
            rows = conn.execute(Q.FULLTEXT, (match, limit)).fetchall()
        return [(pid, float(score)) for pid, score in rows]

    def map_papers(self) -> list[MapPaper]:
        with self._read() as conn:
            columns = {name for (name,) in conn.execute(Q.PAPER_COLUMN_NAMES)}
            sql = Q.MAP_PAPERS_WITH_SUBCOMMUNITY if "subcommunity" in columns else Q.MAP_PAPERS
            return [MapPaper(*row) for row in conn.execute(sql)]

    def keyword_years(self, *, min_papers: int = 1) -> list[tuple[str, int | None, int]]:
        check_int("min_papers", "keyword_years", min_papers, 1)
        with self._read() as conn:
            return sort_keyword_years(conn.execute(Q.KEYWORD_YEARS, (min_papers,)))

    def similar_pairs(self) -> list[tuple[str, str, float]]:
        with self._read() as conn:
            return conn.execute(Q.SIMILAR_PAIRS).fetchall()

    def communities(self, level: int | None = None) -> list[Community]:
        check_level(level, where="communities")
        with self._read() as conn:
            return [_row_community(row) for row in conn.execute(Q.COMMUNITIES, {"level": level})]

    def community(self, community_id: int) -> tuple[Community, list[str]]:
        with self._read() as conn:
            row = conn.execute(Q.COMMUNITY, (community_id,)).fetchone()
            if row is None:
                raise CommunityNotFound(community_id)
            found = _row_community(row)
            members = [pid for (pid,) in conn.execute(Q.COMMUNITY_MEMBERS[found.level], (community_id,))]
        return found, members

    def rankings(self, metric: Metric, *, limit: int = 20) -> list[tuple[str, float]]:
        check_choice("metric", "rankings", metric, Q.METRICS)
        check_int("limit", "rankings", limit, 0)
        sql = Q.RANKING_TEMPLATE.format(col=Q.METRICS[metric])
        with self._read() as conn:
            return [(pid, float(value)) for pid, value in conn.execute(sql, (limit,))]

    def keywords(self, *, prefix: str = "", limit: int = 50) -> list[KeywordInfo]:
        check_int("limit", "keywords", limit, 0)
        prefix = prefix or ""
        with self._read() as conn:
            rows = conn.execute(Q.KEYWORDS, (len(prefix), prefix, limit)).fetchall()
        return [KeywordInfo(name, int(df)) for name, df in rows]

    def keyword_papers(self, name: str, *, limit: int = 50, offset: int = 0) -> list[tuple[str, float]]:
        check_page("keyword_papers", limit, offset)
        with self._read() as conn:
            if conn.execute(Q.KEYWORD_EXISTS, (name,)).fetchone() is None:
                raise KeywordNotFound(name)
            rows = conn.execute(Q.KEYWORD_PAPERS, (name, limit, offset)).fetchall()
        return [(pid, float(score)) for pid, score in rows]

    def keyword_holders(self, names: Iterable[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        with self._read() as conn:
            for name, pid in conn.execute(Q.KEYWORD_HOLDERS, (_json(sorted({str(n) for n in names})),)):
                out.setdefault(name, []).append(pid)
        return out

    def paper_keywords(self, ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        with self._read() as conn:
            for pid, name in conn.execute(Q.KEYWORDS_OF_PAPERS, (_json(sorted({str(i) for i in ids})),)):
                out.setdefault(pid, []).append(name)
        return {pid: tuple(names) for pid, names in out.items()}

    def paper_communities(self, ids: Iterable[str]) -> dict[str, int]:
        with self._read() as conn:
            rows = conn.execute(Q.PAPER_COMMUNITIES, (_json(sorted({str(i) for i in ids})),)).fetchall()
        return {pid: int(community) for pid, community in sorted(rows)}

    # -- internals -----------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if not self._opened:
            raise StoreUnavailable(f"The SQLite store {self.path} is not open; call open() first.")
        with self._guard():
            conn = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
            try:
                for pragma in PRAGMAS:
                    conn.execute(pragma)
                conn.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000):d}")
                conn.execute(f"PRAGMA cache_size=-{_READ_CACHE_KIB:d}")
            except BaseException:
                conn.close()
                raise
        with self._conns_lock:
            ended = [c for t, c in self._conns if not t.is_alive()]
            self._conns = [(t, c) for t, c in self._conns if t.is_alive()]
            self._conns.append((threading.current_thread(), conn))
            self._local.conn = conn
        for old in ended:
            try:
                old.close()
            except sqlite3.Error:
                logger.debug("closing a finished thread's connection to %s failed", self.path, exc_info=True)
        return conn

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Translate SQLite's "cannot use the file now" errors into StoreUnavailable,
        and values SQLite cannot bind (an int past 64 bits, text with a lone
        surrogate) into InvalidParameter; the statement never ran."""
        try:
            yield
        except OverflowError as exc:  # "Python int too large to convert to SQLite INTEGER"
            raise unsendable(exc, store="SQLite") from exc
        except UnicodeEncodeError as exc:
            raise unsendable(exc, store="SQLite") from exc
        except sqlite3.Error as exc:
            code = getattr(exc, "sqlite_errorcode", None)
            if (code is not None and code & 0xFF in _UNAVAILABLE_CODES) or (
                isinstance(exc, sqlite3.ProgrammingError) and "closed" in str(exc)
            ):
                raise StoreUnavailable(f"The SQLite store {self.path} is unavailable: {exc}") from exc
            raise

    @contextmanager
    def _write(self, *, check_later: tuple[str, ...] = (),
               checked: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction, serialised with this process's other writers.

        With ``check_later``, foreign keys are not enforced row by row; instead the
        named tables are checked once before COMMIT (an IntegrityError rolls back).
        Bulk deletes then take SQLite's truncate path (docs/benchmarks.md). With
        ``checked`` as well, the caller has checked the rows itself and the tables
        are not checked again (:func:`_check_derived_ends`).
        """
        conn = self._conn()
        if not self._write_lock.acquire(timeout=self.timeout):
            raise StoreUnavailable(f"The SQLite store {self.path} is busy: no write lock in {self.timeout} s.")
        try:
            with self._guard():
                conn.execute(f"PRAGMA cache_size=-{_WRITE_CACHE_KIB:d}")
                if check_later:
                    conn.execute("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        yield conn
                        for table in () if checked else check_later:
                            cursor = conn.execute(f"PRAGMA foreign_key_check({table})")
                            violation = cursor.fetchmany(1)
                            cursor.close()
                            if violation:
                                raise sqlite3.IntegrityError(f"FOREIGN KEY constraint failed in {table}")
                    except BaseException:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                        raise
                    conn.execute("COMMIT")
                finally:
                    conn.execute(f"PRAGMA cache_size=-{_READ_CACHE_KIB:d}")
                    if check_later:
                        conn.execute("PRAGMA foreign_keys=ON")
        finally:
            self._write_lock.release()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: a consistent snapshot across its queries."""
        conn = self._conn()
        with self._guard():
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def _write_derived(self, conn: sqlite3.Connection, derived: DerivedGraph, batch_size: int) -> None:
        with gc_paused():
            self._write_derived_rows(conn, derived, batch_size)

    def _write_derived_rows(self, conn: sqlite3.Connection, derived: DerivedGraph, batch_size: int) -> None:
        steps = (
            (Q.UPSERT_KEYWORD, ((k.name, int(k.df)) for k in derived.keywords)),
            (Q.UPSERT_HAS_KEYWORD, ((h.paper_id, h.keyword, float(h.score)) for h in derived.has_keyword)),
            (Q.UPSERT_SIMILAR, (_similar_row(e) for e in derived.similar)),
            (Q.UPSERT_SHARES, _evidence_rows(derived.shares_keywords, _shares_row)),
            (Q.UPSERT_CITES, ((e.source, e.target) for e in derived.cites)),
            (Q.UPSERT_COUPLED, _evidence_rows(derived.coupled, lambda e: _biblio_row(e, e.shared))),
            (Q.UPSERT_CO_CITED, _evidence_rows(derived.co_cited, lambda e: _biblio_row(e, e.citers))),
            (Q.INSERT_REFERENCE, ((r.id, r.doi, r.title, r.year) for r in derived.references)),
            (Q.INSERT_PAPER_REFERENCE, ((e.source, e.target) for e in derived.references_edges)),
        )
        for sql, rows in steps:
            # In primary-key order the B-tree pages are filled one after the other
            # instead of at random (faster; docs/benchmarks.md). Edge columns come
            # in that order already and are streamed, never all made into rows.
            ordered = rows if isinstance(rows, _InOrder) else sorted(rows, key=_PK)
            for chunk in chunks(ordered, batch_size):
                conn.executemany(sql, chunk)

    def _raise_missing(self, derived: DerivedGraph, exc: sqlite3.IntegrityError, *, replacing: bool) -> None:
        """After a rolled-back derived write: name the unknown paper or keyword."""
        paper_ids = {h.paper_id for h in derived.has_keyword}
        for edges in (derived.similar, derived.shares_keywords, derived.cites, derived.coupled, derived.co_cited):
            for e in edges:
                paper_ids.update((e.source, e.target))
        paper_ids.update(e.source for e in derived.references_edges)
        with self._read() as conn:
            found = {pid for (pid,) in conn.execute(Q.EXISTING_IDS, (_json(sorted(paper_ids)),))}
            missing = sorted(paper_ids - found)
            if missing:
                raise PaperNotFound(missing[0]) from exc
            names = {h.keyword for h in derived.has_keyword}
            known = {k.name for k in derived.keywords}
            if not replacing:
                known |= {n for (n,) in conn.execute(Q.EXISTING_KEYWORDS, (_json(sorted(names - known)),))}
        unknown = sorted(names - known)
        if unknown:
            raise KeywordNotFound(unknown[0]) from exc
        raise exc


# -- helpers ------------------------------------------------------------------------------


def _check_derived_ends(conn: sqlite3.Connection, derived: DerivedGraph) -> None:
    """What the foreign keys of the derived tables require, for a replace of all
    of them: every paper named is stored, every HAS_KEYWORD keyword is among
    ``derived.keywords`` and every REFERENCES target among ``derived.references``.
    Raises PaperNotFound / KeywordNotFound (the smallest unknown name), as the
    foreign keys do through :meth:`SQLiteStore._raise_missing`."""
    stored = {pid for (pid,) in conn.execute("SELECT id FROM papers")}
    missing = derived_paper_ids(derived) - stored
    if missing:
        raise PaperNotFound(min(missing))
    names = {k.name for k in derived.keywords}
    unknown = {h.keyword for h in derived.has_keyword if h.keyword not in names}
    if unknown:
        raise KeywordNotFound(min(unknown))
    refs = {r.id for r in derived.references}
    if any(e.target not in refs for e in derived.references_edges):
        raise sqlite3.IntegrityError("FOREIGN KEY constraint failed in paper_references")


@contextmanager
def _indexes_dropped(conn: sqlite3.Connection, indexes: tuple[tuple[str, str], ...]) -> Iterator[None]:
    """Drop ``indexes`` (``(name, CREATE statement)``) for the block, then create
    them again. Inside a transaction only: a rollback restores them."""
    for name, _ in indexes:
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    yield
    for _, create in indexes:
        conn.execute(create)


#: One encoder, built once: ``json.dumps`` with options builds a new one per call,
#: which was half the cost of writing 300k edges.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ENCODE_LENIENT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def _json(value: Any, *, lenient: bool = False) -> str:
    return _ENCODE_LENIENT(value) if lenient else _ENCODE(value)


def _paper_row(p: Paper) -> tuple[Any, ...]:
    title = p.title or ""
    return (
        p.id, title, p.abstract or "", _json(list(p.authors)), p.year, p.venue, p.doi, p.arxiv_id,
        p.url, p.label, _json(list(p.references)), _json(dict(p.extra)), p.title_key, title.lower(),
    )


def _row_paper(row: tuple[Any, ...]) -> Paper:
    pid, title, abstract, authors, year, venue, doi, arxiv_id, url, label, refs, extra = row[:12]
    return Paper(
        id=pid, title=title, abstract=abstract, authors=tuple(json.loads(authors)), year=year,
        venue=venue, doi=doi, arxiv_id=arxiv_id, url=url, label=label,
        references=tuple(json.loads(refs)), extra=json.loads(extra),
    )


def _row_scores(pid: str, cols: tuple[Any, ...]) -> PaperScores | None:
    community, degree, pagerank, betweenness, bridge, x, y, subcommunity = cols
    if community is None and degree is None and pagerank is None and betweenness is None and bridge is None:
        return None
    return PaperScores(pid, community, degree, pagerank, betweenness, bridge, x, y, subcommunity)


def _scores_row(s: PaperScores) -> tuple[Any, ...]:
    def num(v: float | None) -> float | None:
        return None if v is None else float(v)

    community = None if s.community is None else int(s.community)
    sub = None if s.subcommunity is None else int(s.subcommunity)
    return (community, num(s.degree), num(s.pagerank), num(s.betweenness), num(s.bridge), num(s.x), num(s.y),
            sub, s.paper_id)


def _community_row(c: Community) -> tuple[Any, ...]:
    return (int(c.id), int(c.size), c.label, _json(list(c.keywords)), float(c.modularity), _json(list(c.top_papers)),
            int(c.level), None if c.parent is None else int(c.parent))


def _row_community(row: tuple[Any, ...]) -> Community:
    cid, size, label, keywords, modularity, top, level, parent = row
    return Community(cid, size, label, tuple(json.loads(keywords)), modularity, tuple(json.loads(top)), level, parent)


def _similar_row(e: SimilarEdge) -> tuple[Any, ...]:
    source, target = edge_key(e.source, e.target)
    return (source, target, float(e.score), _ENCODE(e.terms))


def _shares_row(e: SharedKeywordsEdge) -> tuple[Any, ...]:
    source, target = edge_key(e.source, e.target)
    return (source, target, int(e.count), float(e.jaccard), _ENCODE(e.keywords))


class _InOrder(Iterator):
    """Rows already in primary-key order: written as they come."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self._rows = rows

    def __next__(self) -> tuple[Any, ...]:
        return next(self._rows)


def _evidence_rows(edges, row_of) -> Iterable[tuple[Any, ...]]:
    """SHARES_KEYWORDS / COUPLED / CO_CITED rows ``(source, target, count, weight,
    evidence)``: from columns (:class:`~graph.edge_arrays.EdgeArrays`, ``source <
    target``, sorted) streamed in order, else ``row_of`` each edge object."""
    if isinstance(edges, EdgeArrays):
        return _InOrder((s, t, c, st, _ENCODE(ev)) for s, t, c, st, ev in edges.rows())
    return (row_of(e) for e in edges)


def _biblio_row(e: CoupledEdge | CoCitedEdge, names: tuple[str, ...]) -> tuple[Any, ...]:
    source, target = edge_key(e.source, e.target)
    return (source, target, int(e.count), float(e.strength), _ENCODE(names))


def _neighbor(nid: str, title: str, relation: str, weight: float, items: str | None, count: int | None) -> Neighbor:
    if relation == "similar":
        evidence: dict[str, Any] = {"terms": json.loads(items)}
    elif relation == "keywords":
        evidence = {"keywords": json.loads(items), "count": int(count)}
    elif relation == "coupled":
        evidence = {"shared": json.loads(items), "count": int(count)}
    elif relation == "cocited":
        evidence = {"citers": json.loads(items), "count": int(count)}
    else:
        evidence = {"direction": relation}
    return Neighbor(nid, title, relation, float(weight), evidence)
