"""The Neo4j store: the data model of PRODUCT.md on a real Neo4j 5 server.

Every statement lives in :mod:`graph.stores.cypher`. Writes are ``UNWIND $rows``
batches, one managed transaction (``session.execute_write``) per batch, with
``MERGE`` so a retried batch gives the same graph. The one exception is
:meth:`Neo4jStore.replace_derived`: having just deleted every derived edge, it
CREATEs them from de-duplicated rows (a third cheaper on the server, and just as
safe: the driver retries a transaction only after it rolled back, and never
after an ``IncompleteCommit``). Deletes are ``LIMIT``-ed loops, one managed
transaction each. Driver errors are translated into :mod:`graph.errors` here and
nowhere else.

Throughput: install ``neo4j-rust-ext`` (same version as the driver); it cuts the
client's encoding time about five-fold on bulk writes.

Storage choices:

- ``Paper.extra`` is one JSON string property ``extra_json`` (exact round trip,
  ``None`` values included, which Neo4j properties cannot hold).
- ``Paper.title_key`` is the ``title_key`` property (indexed); an empty key is
  stored as no property so untitled papers never match each other.
- Run records are ``(:Run {key, kind, started_at, seconds, params_json,
  counts_json, versions_json, seq})`` nodes; graph-level facts (unresolved
  references, overall modularity) live on ``(:CitegraphMeta {key})`` nodes.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Mapping

import neo4j
from neo4j import GraphDatabase
from neo4j import exceptions as nx

from graph.errors import (
    CitegraphError,
    CommunityNotFound,
    InvalidParameter,
    KeywordNotFound,
    PaperNotFound,
    QueryRefused,
    QueryTimeout,
    StoreUnavailable,
    param_error,
)
from graph.models import AnalysisResult, Community, DerivedGraph, Paper, RunRecord
from graph.models import normalize_arxiv, normalize_doi
from graph.models import CitationEdge, Keyword, KeywordScore, SharedKeywordsEdge, SimilarEdge
from graph.stores import cypher as cq
from graph.stores.base import (
    EDGE_COUNT_KEYS,
    CypherResult,
    GraphStore,
    KeywordInfo,
    Metric,
    Neighbor,
    Relation,
    SortKey,
    StoredPaper,
)
from graph.stores import neo4j_rows as conv
from graph.stores.neo4j_query import plan_refusal, text_refusal, to_json

__all__ = ["Neo4jStore"]

logger = logging.getLogger(__name__)

_RELATIONS = ("similar", "keywords", "cites", "cited_by", "all")
_DELETE_BATCH = 10_000
_PAGE = 2_000
_MAX_FULLTEXT_TERMS = 64
_TIMEOUT_CODES = ("TransactionTimedOut", "Transaction.Terminated", "TransactionMarkedAsFailed")


class Neo4jStore(GraphStore):
    """A :class:`~graph.stores.base.GraphStore` on Neo4j 5 (Community or Enterprise).

    Parameters
    ----------
    uri : str
        Bolt URI, e.g. ``bolt://127.0.0.1:7687`` or ``neo4j://host:7687``.
    user, password : str
        Credentials; the password is never logged nor put in a message.
    database : str, default "neo4j"
        The database every statement runs in.
    max_retry_time : float, default 15.0
        How long a managed transaction is retried on transient errors (seconds).
    connection_timeout : float, default 10.0
        Seconds to wait for a new connection.

    Notes
    -----
    The constructor only stores its arguments; :meth:`open` creates the driver,
    checks the server answers and creates constraints and indexes.
    """

    name = "neo4j"

    def __init__(
        self,
        uri: str,
        user: str = "neo4j",
        password: str = "",
        database: str = "neo4j",
        *,
        max_retry_time: float = 15.0,
        connection_timeout: float = 10.0,
    ) -> None:
        self.uri = uri
        self.user = user
        self._password = password
        self.database = database
        self.max_retry_time = max_retry_time
        self.connection_timeout = connection_timeout
        self._driver: neo4j.Driver | None = None

    def __repr__(self) -> str:
        return f"Neo4jStore(uri={self.uri!r}, user={self.user!r}, database={self.database!r})"

    # -- lifecycle -----------------------------------------------------------
    def open(self) -> None:
        if self._driver is not None:
            return
        with self._translate():
            try:
                driver = GraphDatabase.driver(
                    self.uri,
                    auth=(self.user, self._password),
                    max_transaction_retry_time=self.max_retry_time,
                    connection_timeout=self.connection_timeout,
                    notifications_min_severity="OFF",
                )
            except (ValueError, nx.ConfigurationError) as exc:
                raise StoreUnavailable(f"Neo4j URI {self.uri!r} is not usable: {exc}") from None
            try:
                driver.verify_connectivity()
                self._driver = driver
                self._create_schema()
            except BaseException:
                self._driver = None
                driver.close()
                raise
        logger.info("opened Neo4j store at %s (database %s)", self.uri, self.database)

    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    def ping(self) -> None:
        self._read(lambda tx: tx.run(cq.PING).single())

    def clear(self) -> None:
        self._delete_all(cq.DELETE_ANY_RELATIONSHIPS_BATCH, 50_000)
        self._delete_all(cq.DELETE_ANY_NODES_BATCH, _DELETE_BATCH)

    def _create_schema(self) -> None:
        with self._session() as session:
            for statement in cq.SCHEMA:
                session.run(statement).consume()
            session.run(cq.AWAIT_INDEXES, seconds=300).consume()

    # -- papers --------------------------------------------------------------
    def upsert_papers(self, papers: Iterable[Paper], *, batch_size: int = 5000) -> int:
        return self._write_batches(cq.UPSERT_PAPERS, (conv.paper_row(p) for p in papers), batch_size)

    def get_papers(self, ids: Iterable[str]) -> dict[str, Paper]:
        wanted = sorted({str(i) for i in ids})
        out: dict[str, Paper] = {}
        for start in range(0, len(wanted), _PAGE * 5):
            chunk = wanted[start : start + _PAGE * 5]
            for rec in self._rows(cq.GET_PAPERS, ids=chunk):
                paper = conv.paper_from_props(rec["p"])
                out[paper.id] = paper
        return dict(sorted(out.items()))

    def ids_by_title_key(self, keys: Iterable[str]) -> dict[str, str]:
        wanted = sorted({k for k in keys if k})
        out: dict[str, str] = {}
        for start in range(0, len(wanted), _PAGE * 5):
            for rec in self._rows(cq.IDS_BY_TITLE_KEY, keys=wanted[start : start + _PAGE * 5]):
                out.setdefault(rec["key"], rec["id"])  # rows come ordered: smallest id wins
        return out

    def reference_index(self) -> dict[str, str]:
        rows = self._rows(cq.REFERENCE_ROWS)
        index: dict[str, str] = {}
        for rec in rows:  # ordered by id: on an alias shared by two papers the smaller id wins
            pid = rec["id"]
            names: list[str] = []
            if rec["doi"]:
                bare = normalize_doi(rec["doi"]) or rec["doi"].strip()
                names += [bare, f"doi:{bare}"]
            if rec["arxiv_id"]:
                names.append(normalize_arxiv(rec["arxiv_id"]) or rec["arxiv_id"].strip())
            source_id = json.loads(rec["extra_json"]).get("source_id") if rec["extra_json"] else None
            if source_id is not None and str(source_id).strip():
                names.append(str(source_id).strip())
            for name in names:
                index.setdefault(name, pid)
        # A paper's own id always names that paper, whatever aliases say.
        index.update((rec["id"], rec["id"]) for rec in rows)
        return index

    def iter_papers(self) -> Iterator[Paper]:
        after = ""
        while True:
            page = self._rows(cq.ITER_PAPERS_PAGE, after=after, limit=_PAGE)
            for rec in page:
                yield conv.paper_from_props(rec["p"])
            if len(page) < _PAGE:
                return
            after = page[-1]["p"]["id"]

    # -- derived graph -------------------------------------------------------
    def replace_derived(self, derived: DerivedGraph, *, batch_size: int = 5000) -> None:
        _check_int("batch_size", "replace_derived", batch_size, 1)
        self._check_derived(derived, replacing=True)
        limit = max(batch_size, _DELETE_BATCH)
        for statement in (
            cq.DELETE_HAS_KEYWORD_BATCH,
            cq.DELETE_SIMILAR_BATCH,
            cq.DELETE_SHARES_KEYWORDS_BATCH,
            cq.DELETE_CITES_BATCH,
            cq.DELETE_KEYWORDS_BATCH,
        ):
            self._delete_all(statement, limit)
        self._write_derived(derived, batch_size, fresh=True)
        self._write_one(cq.SET_UNRESOLVED, n=int(derived.unresolved_references))

    def add_derived(self, derived: DerivedGraph, *, batch_size: int = 5000) -> None:
        _check_int("batch_size", "add_derived", batch_size, 1)
        self._check_derived(derived, replacing=False)
        self._write_derived(derived, batch_size)
        if derived.unresolved_references:
            self._write_one(cq.ADD_UNRESOLVED, n=int(derived.unresolved_references))

    def _check_derived(self, derived: DerivedGraph, *, replacing: bool) -> None:
        """Refuse, before writing anything, edges naming an unknown paper or keyword.

        Raises PaperNotFound / KeywordNotFound (the smallest unknown name), as the
        embedded store does, instead of silently dropping edges.
        """
        ids = {h.paper_id for h in derived.has_keyword}
        for edges in (derived.similar, derived.shares_keywords, derived.cites):
            for e in edges:
                ids.update((e.source, e.target))
        wanted = sorted(ids)
        missing = []
        for start in range(0, len(wanted), 50_000):
            rows = self._rows(cq.FIRST_MISSING_PAPER, ids=wanted[start : start + 50_000])
            if rows:
                missing.append(rows[0]["id"])
        if missing:
            raise PaperNotFound(min(missing))
        names = {h.keyword for h in derived.has_keyword} - {k.name for k in derived.keywords}
        if names and not replacing:
            names -= {r["name"] for r in self._rows(cq.EXISTING_KEYWORDS, names=sorted(names))}
        if names:
            raise KeywordNotFound(min(names))

    def _write_derived(self, derived: DerivedGraph, batch_size: int, *, fresh: bool = False) -> None:
        """Write ``derived``. ``fresh``: every derived edge was just deleted, so
        edges are CREATEd (cheaper) from rows made unique here; else MERGEd.

        Rows go sorted by their end node: consecutive rows then share a node,
        which measurably cuts the server's work per relationship.
        """
        started = time.perf_counter()
        has_kw = _unique(
            ({"paper_id": h.paper_id, "keyword": h.keyword, "score": float(h.score)} for h in derived.has_keyword),
            ("keyword", "paper_id"),
        )
        similar = _unique((conv.similar_row(e) for e in derived.similar), ("target", "source"))
        shares = _unique((conv.shares_row(e) for e in derived.shares_keywords), ("target", "source"))
        cites = _unique(({"source": e.source, "target": e.target} for e in derived.cites), ("target", "source"))
        steps = (
            (cq.CREATE_HAS_KEYWORD if fresh else cq.MERGE_HAS_KEYWORD, has_kw),
            (cq.CREATE_SIMILAR if fresh else cq.MERGE_SIMILAR, similar),
            (cq.CREATE_SHARES_KEYWORDS if fresh else cq.MERGE_SHARES_KEYWORDS, shares),
            (cq.CREATE_CITES if fresh else cq.MERGE_CITES, cites),
        )
        self._write_batches(cq.MERGE_KEYWORDS, ({"name": k.name, "df": int(k.df)} for k in derived.keywords), batch_size)
        for statement, rows in steps:
            self._write_batches(statement, rows, batch_size)
        logger.info(
            "wrote derived graph: %d keywords, %d has_keyword, %d similar, %d shares, %d cites in %.1fs",
            len(derived.keywords), len(has_kw), len(similar), len(shares), len(cites), time.perf_counter() - started,
        )

    def load_derived(self) -> DerivedGraph:
        def work(tx: neo4j.ManagedTransaction) -> DerivedGraph:
            keywords = sorted(
                (Keyword(r["name"], int(r["df"] or 0)) for r in tx.run(cq.LOAD_KEYWORDS)), key=lambda k: k.name
            )
            has_kw = sorted(
                (KeywordScore(r["paper_id"], r["keyword"], float(r["score"])) for r in tx.run(cq.LOAD_HAS_KEYWORD)),
                key=lambda h: (h.paper_id, h.keyword),
            )
            similar = sorted(
                (
                    SimilarEdge(r["source"], r["target"], float(r["score"]), tuple(r["terms"] or ()))
                    for r in tx.run(cq.LOAD_SIMILAR)
                ),
                key=lambda e: (e.source, e.target),
            )
            shares = sorted(
                (
                    SharedKeywordsEdge(
                        r["source"], r["target"], int(r["count"]), float(r["jaccard"]), tuple(r["keywords"] or ())
                    )
                    for r in tx.run(cq.LOAD_SHARES_KEYWORDS)
                ),
                key=lambda e: (e.source, e.target),
            )
            cites = sorted(
                (CitationEdge(r["source"], r["target"]) for r in tx.run(cq.LOAD_CITES)),
                key=lambda e: (e.source, e.target),
            )
            unresolved = tx.run(cq.GET_UNRESOLVED).single()["n"]
            return DerivedGraph(
                keywords=tuple(keywords),
                has_keyword=tuple(has_kw),
                similar=tuple(similar),
                shares_keywords=tuple(shares),
                cites=tuple(cites),
                unresolved_references=int(unresolved),
            )

        return self._read(work)

    # -- analysis ------------------------------------------------------------
    def write_analysis(self, result: AnalysisResult, *, batch_size: int = 5000) -> None:
        limit = max(batch_size, _DELETE_BATCH)
        for statement in (cq.DELETE_IN_COMMUNITY_BATCH, cq.DELETE_COMMUNITIES_BATCH, cq.CLEAR_SCORES_BATCH):
            self._delete_all(statement, limit)
        self._write_batches(cq.WRITE_SCORES, (conv.scores_row(s) for s in result.scores), batch_size)
        self._write_batches(cq.MERGE_COMMUNITIES, (conv.community_row(c) for c in result.communities), batch_size)
        self._write_batches(
            cq.MERGE_IN_COMMUNITY,
            ({"paper_id": s.paper_id, "community": int(s.community)} for s in result.scores if s.community is not None),
            batch_size,
        )
        self._write_one(
            cq.SET_ANALYSIS_META,
            modularity=float(result.modularity),
            params_json=json.dumps(dict(result.params), default=str),
        )

    def record_run(self, run: RunRecord) -> None:
        self._write_one(
            cq.RECORD_RUN,
            key=uuid.uuid4().hex,  # made once, so a retried transaction merges the same node
            kind=run.kind,
            started_at=run.started_at,
            seconds=float(run.seconds),
            params_json=json.dumps(dict(run.params), default=str),
            counts_json=json.dumps(dict(run.counts), default=str),
            versions_json=json.dumps(dict(run.versions), default=str),
            seq=time.time_ns(),
        )

    def runs(self, *, limit: int = 20) -> list[RunRecord]:
        _check_int("limit", "runs", limit, 0)
        return [
            RunRecord(
                kind=r["kind"],
                started_at=r["started_at"],
                seconds=r["seconds"],
                params=json.loads(r["params_json"]),
                counts=json.loads(r["counts_json"]),
                versions=json.loads(r["versions_json"]),
            )
            for r in (rec["r"] for rec in self._rows(cq.RUNS, limit=limit))
        ]

    # -- reads ---------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        rec = self._rows(cq.COUNTS)[0]
        return {key: int(rec[key]) for key in ("papers", "keywords", "communities", *EDGE_COUNT_KEYS)}

    def get_paper(self, paper_id: str) -> StoredPaper:
        rows = self._rows(cq.GET_PAPER, id=paper_id)
        if not rows:
            raise PaperNotFound(paper_id)
        return conv.stored_paper(rows[0]["p"], rows[0]["keywords"])

    def list_papers(
        self,
        *,
        q: str | None = None,
        community: int | None = None,
        sort: SortKey = "id",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[int, list[StoredPaper]]:
        if sort not in cq.LIST_PAPERS:
            raise param_error("sort", "list_papers", f"one of {sorted(cq.LIST_PAPERS)}", sort)
        _check_int("limit", "list_papers", limit, 0)
        _check_int("offset", "list_papers", offset, 0)
        params = {"q": q or None, "community": community}

        def work(tx: neo4j.ManagedTransaction) -> tuple[int, list[StoredPaper]]:
            total = tx.run(cq.COUNT_PAPERS, params).single()["n"]
            page = [
                conv.stored_paper(r["p"], r["keywords"])
                for r in tx.run(cq.LIST_PAPERS[sort], params, limit=limit, offset=offset)
            ]
            return int(total), page

        return self._read(work)

    def neighbors(
        self,
        paper_id: str,
        *,
        relation: Relation = "all",
        limit: int = 50,
        min_weight: float = 0.0,
    ) -> list[Neighbor]:
        if relation not in _RELATIONS:
            raise param_error("relation", "neighbors", f"one of {list(_RELATIONS)}", relation)
        _check_int("limit", "neighbors", limit, 0)
        wanted = ("similar", "keywords", "cites", "cited_by") if relation == "all" else (relation,)
        params = {"id": paper_id, "limit": limit, "min_weight": float(min_weight)}

        def work(tx: neo4j.ManagedTransaction) -> list[Neighbor] | None:
            if tx.run(cq.PAPER_EXISTS, id=paper_id).single() is None:
                return None
            found: list[Neighbor] = []
            for rel in wanted:
                for r in tx.run(_NEIGHBOR_QUERIES[rel], params):
                    found.append(
                        Neighbor(r["id"], r["title"] or "", rel, float(r["weight"]), conv.evidence(rel, r))
                    )
            return found

        found = self._read(work)
        if found is None:
            raise PaperNotFound(paper_id)
        found.sort(key=lambda n: (-n.weight, n.paper_id, n.relation))
        return found[:limit]

    def fulltext(self, q: str, *, limit: int = 20) -> list[tuple[str, float]]:
        _check_int("limit", "fulltext", limit, 0)
        terms = re.findall(r"\w+", (q or "").lower())[:_MAX_FULLTEXT_TERMS]
        if not terms or limit == 0:
            return []
        # Plain lower-case words: no Lucene operators, fields, wildcards or ranges.
        rows = self._rows(cq.FULLTEXT, q=" ".join(terms), limit=limit)
        return [(r["id"], float(r["score"])) for r in rows]

    def communities(self) -> list[Community]:
        return [conv.community_from_props(r["c"]) for r in self._rows(cq.COMMUNITIES)]

    def community(self, community_id: int) -> tuple[Community, list[str]]:
        rows = self._rows(cq.COMMUNITY, id=community_id)
        if not rows:
            raise CommunityNotFound(community_id)
        return conv.community_from_props(rows[0]["c"]), list(rows[0]["members"])

    def rankings(self, metric: Metric, *, limit: int = 20) -> list[tuple[str, float]]:
        if metric not in cq.RANKINGS:
            raise param_error("metric", "rankings", f"one of {sorted(cq.RANKINGS)}", metric)
        _check_int("limit", "rankings", limit, 0)
        return [(r["id"], float(r["value"])) for r in self._rows(cq.RANKINGS[metric], limit=limit)]

    def keywords(self, *, prefix: str = "", limit: int = 50) -> list[KeywordInfo]:
        _check_int("limit", "keywords", limit, 0)
        return [KeywordInfo(r["name"], int(r["df"] or 0)) for r in self._rows(cq.KEYWORDS, prefix=prefix or "", limit=limit)]

    def keyword_papers(self, name: str, *, limit: int = 50, offset: int = 0) -> list[tuple[str, float]]:
        _check_int("limit", "keyword_papers", limit, 0)
        _check_int("offset", "keyword_papers", offset, 0)

        def work(tx: neo4j.ManagedTransaction) -> list[tuple[str, float]] | None:
            if tx.run(cq.KEYWORD_EXISTS, name=name).single() is None:
                return None
            rows = tx.run(cq.KEYWORD_PAPERS, name=name, limit=limit, offset=offset)
            return [(r["id"], float(r["score"])) for r in rows]

        found = self._read(work)
        if found is None:
            raise KeywordNotFound(name)
        return found

    # -- read-only Cypher ----------------------------------------------------
    def cypher(
        self,
        query: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        timeout: float = 5.0,
        max_rows: int = 1000,
    ) -> CypherResult:
        """Run a power user's read-only query; see the module docstring of
        :mod:`graph.stores.neo4j_query` for what is refused and why.

        Raises QueryRefused (not read-only, admin procedure, LOAD CSV, ...),
        QueryTimeout (ran past ``timeout`` seconds), InvalidParameter (syntax or
        type error, with Neo4j's message) and StoreUnavailable.
        """
        if not isinstance(query, str) or not query.strip():
            raise param_error("query", "cypher", "a non-empty Cypher string", query)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 600:
            raise param_error("timeout", "cypher", "a number of seconds in (0, 600]", timeout)
        _check_int("max_rows", "cypher", max_rows, 1)
        if parameters is not None and not isinstance(parameters, Mapping):
            raise param_error("parameters", "cypher", "a mapping of names to values", parameters)
        params = dict(parameters or {})
        reason = text_refusal(query)
        if reason:
            raise QueryRefused(f"Query refused: {reason}.")
        driver = self._require_driver()
        with self._translate(), self._translate_query(timeout):
            with driver.session(
                database=self.database,
                default_access_mode=neo4j.READ_ACCESS,
                fetch_size=min(max_rows + 1, 10_000),
            ) as session:
                with session.begin_transaction(timeout=float(timeout)) as tx:
                    summary = tx.run("EXPLAIN " + query, params).consume()
                    reason = plan_refusal(summary.query_type, summary.plan)
                    if reason:
                        raise QueryRefused(f"Query refused: {reason}.")
                    result = tx.run(query, params)
                    columns = tuple(result.keys())
                    rows: list[tuple[Any, ...]] = []
                    for record in result:
                        if len(rows) == max_rows:
                            truncated = True
                            break
                        rows.append(tuple(to_json(v) for v in record.values()))
                    else:
                        truncated = False
                    tx.rollback()
        return CypherResult(columns=columns, rows=tuple(rows), truncated=truncated)

    @contextmanager
    def _translate_query(self, timeout: float) -> Iterator[None]:
        try:
            yield
        except CitegraphError:
            raise
        except (TypeError, ValueError, OverflowError) as exc:  # a parameter value the driver cannot send
            raise InvalidParameter(f"Cypher parameters: {exc}", name="parameters") from None
        except nx.Neo4jError as exc:
            code = exc.code or ""
            message = (exc.message or str(exc)).strip()
            if any(part in code for part in _TIMEOUT_CODES):
                raise QueryTimeout(f"The query ran longer than {timeout:g} s and was stopped.") from None
            if code.endswith(("Statement.AccessMode", "Security.Forbidden")) or isinstance(exc, nx.Forbidden):
                raise QueryRefused(f"Query refused by Neo4j: {message}") from None
            if "MemoryPool" in code or "OutOfMemory" in code:
                raise QueryRefused(f"Query refused: it needs more memory than allowed ({message})") from None
            if isinstance(exc, nx.ClientError):
                raise InvalidParameter(f"Invalid Cypher: {message}", name="query") from None
            raise

    # -- plumbing --------------------------------------------------------------
    def _require_driver(self) -> neo4j.Driver:
        if self._driver is None:
            raise StoreUnavailable(f"The Neo4j store at {self.uri} is not open: call open() first.")
        return self._driver

    def _session(self, *, read: bool = False) -> neo4j.Session:
        return self._require_driver().session(
            database=self.database,
            default_access_mode=neo4j.READ_ACCESS if read else neo4j.WRITE_ACCESS,
        )

    @contextmanager
    def _translate(self) -> Iterator[None]:
        """Driver errors -> graph.errors, with the URI and never the password."""
        try:
            yield
        except CitegraphError:
            raise
        except nx.AuthError:
            raise StoreUnavailable(
                f"Neo4j at {self.uri}: authentication failed for user {self.user!r} "
                "(check NEO4J_USER and NEO4J_PASSWORD)."
            ) from None
        except (nx.ServiceUnavailable, nx.SessionExpired, nx.DatabaseUnavailable) as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri} is unavailable: {_short(exc)}") from None
        except nx.ClientError as exc:
            if (exc.code or "").endswith("Database.DatabaseNotFound"):
                raise StoreUnavailable(f"Neo4j at {self.uri} has no database {self.database!r}.") from None
            raise
        except (nx.TransientError, nx.DatabaseError) as exc:  # still failing after the driver's retries
            raise StoreUnavailable(f"Neo4j at {self.uri} cannot serve the request now: {_short(exc)}") from None
        except OSError as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri} is unreachable: {exc}") from None

    def _read(self, work: Callable[[neo4j.ManagedTransaction], Any]) -> Any:
        with self._translate(), self._session(read=True) as session:
            return session.execute_read(work)

    def _rows(self, statement: str, **params: Any) -> list[neo4j.Record]:
        return self._read(lambda tx: list(tx.run(statement, params)))

    def _write_one(self, statement: str, **params: Any) -> None:
        with self._translate(), self._session() as session:
            session.execute_write(_run_consume, statement, params)

    def _write_batches(self, statement: str, rows: Iterable[dict[str, Any]], batch_size: int) -> int:
        _check_int("batch_size", "write", batch_size, 1)
        total = 0
        with self._translate(), self._session() as session:
            for batch in _chunks(rows, batch_size):
                session.execute_write(_run_consume, statement, {"rows": batch})
                total += len(batch)
        return total

    def _delete_all(self, statement: str, limit: int) -> int:
        total = 0
        with self._translate(), self._session() as session:
            while True:
                n = session.execute_write(_run_count, statement, limit)
                total += n
                if n < limit:
                    return total


# -- helpers ---------------------------------------------------------------------


def _run_consume(tx: neo4j.ManagedTransaction, statement: str, params: Mapping[str, Any]) -> None:
    tx.run(statement, params).consume()


def _run_count(tx: neo4j.ManagedTransaction, statement: str, limit: int) -> int:
    return int(tx.run(statement, limit=limit).single()["n"])


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _unique(rows: Iterable[dict[str, Any]], key: tuple[str, str]) -> list[dict[str, Any]]:
    """One row per edge (the last wins, as a repeated MERGE would), sorted by ``key``."""
    by_key = {(row[key[0]], row[key[1]]): row for row in rows}
    return [by_key[k] for k in sorted(by_key)]


def _check_int(name: str, where: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise param_error(name, where, f"an int >= {minimum}", value)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


_NEIGHBOR_QUERIES = {
    "similar": cq.NEIGHBORS_SIMILAR,
    "keywords": cq.NEIGHBORS_KEYWORDS,
    "cites": cq.NEIGHBORS_CITES,
    "cited_by": cq.NEIGHBORS_CITED_BY,
}
