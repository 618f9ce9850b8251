"""The thin service layer between the routers and a :class:`GraphStore`.

Routers parse and validate, call one method here, and return a schema. This
module adds what a store does not do by itself:

- **availability**: a store that is down answers 503 fast (a small circuit
  breaker: after a failure, requests fail at once for a moment while one probe
  at a time checks whether the store is back), and a store that could not be
  opened at startup is opened on a later request: the service recovers by itself.
- **one writer at a time**: build, analyze and added papers hold the write lock
  of :mod:`api.write_lock` (several worker processes never interleave writes either).
- **caches**: the TF-IDF index of ``/search`` (:mod:`graph.search`), fitted once per corpus version,
  dropped after every write this process makes and re-checked against the
  store's counts and last run at most every few seconds (other workers write too).

Everything here is synchronous: the routes that call it are plain ``def``
functions run in the thread pool, never ``async def``; the one exception is
:meth:`GraphService.cypher_within`, awaited by ``POST /cypher``: the query runs
on a small pool of its own and the request answers at its deadline whatever the
query does, so hostile queries never hold the threads the public endpoints need.

Response shaping (store rows into the :mod:`api.schemas` models the routers
return) lives in :mod:`api.shaping`; each response field is named once, in its schema.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import unicodedata
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Mapping, Sequence, TypeVar

from api.breaker import BREAKER_SECONDS, CircuitBreaker  # noqa: F401  (BREAKER_SECONDS re-exported)
from api.explore import recommend, shortest_path
from api.schemas import (
    AddPapersResponse,
    CommunityDetail,
    CommunityList,
    CypherResponse,
    Health,
    KeywordList,
    KeywordOut,
    KeywordPaper,
    KeywordPapers,
    Member,
    NeighborList,
    PaperDetail,
    PaperPage,
    PathPaper,
    RankingItem,
    RankingList,
    Recommendation,
    RecommendationList,
    RunReport,
    Scores,
    SearchResults,
    Stats,
)
from api.shaping import (
    _combine,
    _community,
    _finite,
    _incomplete,
    _neighbor,
    _partition_modularity,
    _summary,
    _top_titles,
    _with_display_titles,
    jsonable,
    stats_body,
)
from api.write_lock import WriteLock
from graph.config import Settings
from graph.errors import KeywordNotFound, QueryTimeout
from graph.models import display_title
from graph.search import SearchIndex
from graph.stores.base import CypherResult, GraphStore, store_version

__all__ = ["GraphService", "WriteLock", "SearchIndex", "jsonable"]  # the last three re-exported

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The startup warm-up (the search index fit, seconds of CPU on a large corpus) waits
#: until no request has run for this long, so that it does not slow down the first
#: pages a user opens after a start (docs/benchmarks.md, bench/first_page.py) ...
WARM_QUIET_SECONDS = 2.0
#: ... but for at most this long (then it fits even on a busy server).
WARM_MAX_WAIT_SECONDS = 60.0
#: How often the corpus version is re-read from the store for cache checks (the
#: search index, the viz pages): other workers' writes show within this long.
VERSION_TTL_SECONDS = 2.0
#: A /cypher request answers at most this long after its timeout (408).
CYPHER_MARGIN_SECONDS = 1.0
#: How often, and how many times, a timed-out query is looked for to terminate it
#: (it may still be parsing, before its transaction is visible).
CYPHER_STOP_INTERVAL = 0.5
CYPHER_STOP_TRIES = 20
#: Neighbours fetched per paper when exploring (recommendations, path).
EXPLORE_FANOUT = 1000
#: Cap of the path search: papers whose neighbours are looked at.
PATH_MAX_EXPANSIONS = 400
#: Neighbours read per request at most: /neighbors pages and counts them in the service
#: (a paper's degree, even a highly cited one, is far below this).
NEIGHBORS_READ_CAP = 100_000
#: Keyword prefixes whose full keyword list /keywords keeps cached (oldest dropped).
KEYWORD_LISTS_CACHED = 32


# --- the service ---------------------------------------------------------------------


class Activity:
    """HTTP requests in flight and when the last one ended (the app's middleware
    counts them): what the startup warm-up waits on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self._last = time.monotonic()

    def begin(self) -> None:
        with self._lock:
            self._in_flight += 1

    def end(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._last = time.monotonic()

    def quiet_for(self) -> float:
        """Seconds since the last request ended; 0 while one is running."""
        with self._lock:
            return 0.0 if self._in_flight else time.monotonic() - self._last


class GraphService:
    """What the routers call. Owns no store: the app's lifespan opens and closes it.

    Parameters
    ----------
    store : GraphStore
        The store; may still be closed (``opened=False``) when it could not be
        opened at startup: it is opened on a later request.
    settings : Settings
    opened : bool
        Whether ``store`` is open already.
    """

    def __init__(self, store: GraphStore, settings: Settings, *, opened: bool = True) -> None:
        self.store = store
        self.settings = settings
        self._opened = opened
        self._open_lock = threading.Lock()
        self.breaker = CircuitBreaker()
        self.write_lock = WriteLock(store.data_key())
        self.activity = Activity()
        self._cache_lock = threading.Lock()
        self._search: SearchIndex | None = None
        self._version: tuple | None = None
        self._version_at = 0.0
        self._generation = 0
        self._incremental: tuple[Any, tuple | None] = (None, None)
        self._rankings: dict[str, tuple[tuple, list[tuple[str, float]]]] = {}
        self._keyword_lists: dict[str, tuple[tuple, list[Any]]] = {}
        self._cypher_pool: ThreadPoolExecutor | None = None
        self._cypher_pool_lock = threading.Lock()

    def close(self) -> None:
        """Stop the /cypher pool (queries still running are left to their timeout)."""
        with self._cypher_pool_lock:
            pool, self._cypher_pool = self._cypher_pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    # -- availability ---------------------------------------------------------
    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one store operation with the circuit breaker around it (opening
        the store first if it could not be opened at startup)."""

        def work() -> T:
            self._ensure_open()
            return fn(*args, **kwargs)

        return self.breaker.call(work)

    def _ensure_open(self) -> None:
        if self._opened:
            return
        with self._open_lock:
            if not self._opened:
                self.store.open()
                self._opened = True
                log.info("store %r opened after a failed start", self.store)

    # -- health / stats ---------------------------------------------------------
    def health(self) -> Health:
        def work() -> dict[str, int]:
            self.store.ping()
            return self.store.counts()

        counts, started = self.call(lambda: (work(), self.store.build_in_progress()))
        if started:
            return Health(status="degraded", store=self.store.name, counts=counts, reason=_incomplete(started))
        return Health(status="ok", store=self.store.name, counts=counts)

    def stats(self) -> Stats:
        counts, runs, started = self.call(
            lambda: (self.store.counts(), self.store.runs(limit=10), self.store.build_in_progress()))
        return stats_body(self.store, counts, runs, started)

    # -- papers -----------------------------------------------------------------
    def list_papers(self, *, q: str | None, community: int | None, sort: str, limit: int, offset: int) -> PaperPage:
        total, items = self.call(self.store.list_papers, q=q, community=community, sort=sort,
                                 limit=limit, offset=offset)
        return PaperPage.page(total, limit, offset, [_summary(sp) for sp in items])

    def get_paper(self, paper_id: str) -> PaperDetail:
        # Ids are stored NFC-normalised: "café" typed either way finds the paper.
        sp = self.call(self.store.get_paper, unicodedata.normalize("NFC", paper_id))
        p = sp.paper
        scores = None
        if sp.scores is not None:
            s = sp.scores
            scores = Scores(community=s.community, degree=_finite(s.degree), pagerank=_finite(s.pagerank),
                            betweenness=_finite(s.betweenness), bridge=_finite(s.bridge))
        return PaperDetail(
            id=p.id, title=display_title(p), abstract=p.abstract, authors=list(p.authors), year=p.year,
            venue=p.venue, doi=p.doi, arxiv_id=p.arxiv_id, url=p.url, label=p.label,
            references=list(p.references), extra=jsonable(dict(p.extra)), keywords=list(sp.keywords),
            scores=scores,
        )

    def neighbors(self, paper_id: str, *, relation: str, limit: int, min_weight: float,
                  offset: int = 0) -> NeighborList:
        def work() -> tuple[int, list]:
            found = self.store.neighbors(paper_id, relation=relation, limit=NEIGHBORS_READ_CAP,
                                         min_weight=min_weight)
            page = found[offset : offset + limit]
            return len(found), _with_display_titles(self.store, [_neighbor(n) for n in page])

        total, items = self.call(work)
        return NeighborList.page(total, limit, offset, items, paper_id=paper_id, relation=relation)

    def recommendations(self, paper_id: str, *, limit: int, offset: int = 0) -> RecommendationList:
        def work() -> tuple[int, list[Recommendation]]:
            total, found = recommend(self.store, paper_id, limit=limit, offset=offset, fanout=30)
            return total, _with_display_titles(self.store, found, nested="via")

        total, items = self.call(work)
        return RecommendationList.page(total, limit, offset, items, paper_id=paper_id,
                                       method="personalized_pagerank_2hop")

    def path(self, source: str, target: str, *, relation: str, max_hops: int) -> dict:
        """A :class:`api.schemas.PathResult` as a plain dict, in the walk's key order:
        ``GET /compare`` embeds it as is (its schema types ``path`` as an object)."""
        def work() -> dict:
            found = shortest_path(self.store, source, target, relation=relation, max_hops=max_hops,
                                  max_expansions=PATH_MAX_EXPANSIONS, fanout=EXPLORE_FANOUT)
            papers = _with_display_titles(self.store, [PathPaper.model_validate(p) for p in found["papers"]])
            found["papers"] = [p.model_dump() for p in papers]
            return found

        return self.call(work)

    # -- search -------------------------------------------------------------------
    def search(self, q: str, *, limit: int, offset: int = 0) -> SearchResults:
        def work() -> tuple[int, list]:
            hits = self.store.fulltext(q, limit=max((offset + limit) * 2, 20))
            index = self._search_index()
            return _combine(q, hits, index, limit, self.store, offset=offset)

        total, items = self.call(work)
        return SearchResults.page(total, limit, offset, items, query=q, method="fulltext+tfidf")

    def warm(self, *, quiet: float = WARM_QUIET_SECONDS, max_wait: float = WARM_MAX_WAIT_SECONDS) -> None:
        """Fit the search index (served apps call this in the background at
        startup, so the first /search does not pay for it), once no request has
        run for ``quiet`` seconds, or after ``max_wait`` seconds: on 2 cores the
        fit running beside the first page slows that page down (docs/benchmarks.md)."""
        deadline = time.monotonic() + max_wait
        while time.monotonic() < deadline and self.activity.quiet_for() < quiet:
            time.sleep(min(0.2, quiet))
        try:
            self.call(self._search_index)
        except Exception:  # a warm-up failure only means the first search fits it
            log.warning("search index warm-up failed", exc_info=True)

    def corpus_version(self) -> tuple:
        """The store's version (:func:`graph.stores.base.store_version`), re-read at
        most every VERSION_TTL_SECONDS, plus this process's write generation (so
        its own writes show at once). Call it through :meth:`call`."""
        now = time.monotonic()
        if self._version is None or now - self._version_at > VERSION_TTL_SECONDS:
            self._version = store_version(self.store)
            self._version_at = now
        return (self._generation, self._version)

    def _search_index(self) -> SearchIndex:
        version = self.corpus_version()
        index = self._search
        if index is not None and index.version == version:
            return index
        with self._cache_lock:  # one fit at a time; the others wait for it
            index = self._search
            if index is not None and index.version == version:
                return index
            t0 = time.perf_counter()
            papers = list(self.store.iter_papers())
            index = SearchIndex.fit(version, papers)
            self._search = index
            log.info("search index fitted on %d papers in %.2fs", len(papers), time.perf_counter() - t0)
            return index

    def invalidate(self) -> None:
        """Forget every cache (after a write)."""
        self._generation += 1
        self._version = None
        self._search = None
        self._rankings = {}
        self._keyword_lists = {}

    # -- communities, rankings, keywords -----------------------------------------
    def communities(self, *, limit: int, offset: int, level: int | None = None) -> CommunityList:
        def work():
            every = self.store.communities()
            found = [c for c in every if level is None or int(c.level or 0) == level]
            page = found[offset : offset + limit]
            return len(found), page, _partition_modularity(every), _top_titles(self.store, page)

        total, page, partition, titles = self.call(work)
        return CommunityList.page(total, limit, offset, [_community(c, titles) for c in page],
                                  partition_modularity=partition)

    def community(self, community_id: int, *, limit: int, offset: int) -> CommunityDetail:
        def work():
            c, members = self.store.community(community_id)
            # Topics page their members by ``community``, subtopics by ``subcommunity``.
            key = "subcommunity" if c.level == 1 else "community"
            total, page = self.store.list_papers(sort="pagerank", limit=limit, offset=offset,
                                                 **{key: community_id})
            every = self.store.communities()
            children = [k for k in every if k.level == c.level + 1 and k.parent == c.id] if c.level == 0 else []
            return (c, max(total, len(members)), page, children, _partition_modularity(every),
                    _top_titles(self.store, [c, *children]))

        c, total, page, children, partition, titles = self.call(work)
        members = [Member(id=sp.paper.id, title=display_title(sp.paper),
                          pagerank=_finite(sp.scores.pagerank) if sp.scores else None) for sp in page]
        return CommunityDetail(community=_community(c, titles), children=[_community(k, titles) for k in children],
                               total_members=total, limit=limit, offset=offset, members=members,
                               partition_modularity=partition)

    def rankings(self, metric: str, *, limit: int, offset: int = 0) -> RankingList:
        def work():
            ranked = self._ranked(metric)
            page = ranked[offset : offset + limit]
            return len(ranked), page, self.store.get_papers([pid for pid, _ in page])

        total, page, papers = self.call(work)
        items = [RankingItem(rank=offset + i + 1, id=pid, title=display_title(papers[pid]) if pid in papers else pid,
                             value=_finite(value) or 0.0) for i, (pid, value) in enumerate(page)]
        return RankingList.page(total, limit, offset, items, metric=metric)

    def _ranked(self, metric: str) -> list[tuple[str, float]]:
        """Every scored paper by ``metric``, cached per corpus version: /rankings pages
        through it and reports its length as ``total`` (the store counts nothing)."""
        version = self.corpus_version()
        cached = self._rankings.get(metric)
        if cached is not None and cached[0] == version:
            return cached[1]
        papers = self.store.counts().get("papers", 0)
        ranked = self.store.rankings(metric, limit=papers)
        self._rankings[metric] = (version, ranked)
        return ranked

    def keywords(self, *, prefix: str, limit: int, offset: int = 0) -> KeywordList:
        def work():
            found = self._keyword_list(prefix)
            return len(found), found[offset : offset + limit]

        total, page = self.call(work)
        return KeywordList.page(total, limit, offset, [KeywordOut(name=k.name, df=k.df) for k in page])

    def _keyword_list(self, prefix: str) -> list[Any]:
        """Every keyword starting with ``prefix`` by df, cached per corpus version for
        a few prefixes: /keywords pages through it and reports its length as ``total``."""
        version = self.corpus_version()
        cached = self._keyword_lists.get(prefix)
        if cached is not None and cached[0] == version:
            return cached[1]
        found = self.store.keywords(prefix=prefix, limit=self.store.counts().get("keywords", 0))
        if len(self._keyword_lists) >= KEYWORD_LISTS_CACHED:
            self._keyword_lists.pop(next(iter(self._keyword_lists)))
        self._keyword_lists[prefix] = (version, found)
        return found

    def keyword_papers(self, name: str, *, limit: int, offset: int) -> KeywordPapers:
        def work(name: str):
            try:
                found = self.store.keyword_papers(name, limit=limit, offset=offset)
            except KeywordNotFound:
                # Keywords keep the case the texts use (LLM, AdS/CFT): "llm" finds "LLM".
                same = [k for k in self._keyword_list("") if k.name.casefold() == name.casefold()]
                if not same:
                    raise
                name = same[0].name
                found = self.store.keyword_papers(name, limit=limit, offset=offset)
            df = next((k.df for k in self._keyword_list(name) if k.name == name), len(found))
            return name, found, df, self.store.get_papers([pid for pid, _ in found])

        name, found, total, papers = self.call(work, name)
        items = [KeywordPaper(id=pid, title=display_title(papers[pid]) if pid in papers else pid,
                              score=_finite(score) or 0.0) for pid, score in found]
        return KeywordPapers.page(total, limit, offset, items, keyword=name)

    # -- cypher ---------------------------------------------------------------------
    def cypher(self, query: str, parameters: Mapping[str, Any], *, token: str | None = None) -> CypherResponse:
        result: CypherResult = self.call(
            self.store.cypher, query, dict(parameters),
            timeout=self.settings.citegraph_cypher_timeout, max_rows=self.settings.citegraph_cypher_max_rows,
            max_bytes=self.settings.citegraph_cypher_max_bytes, token=token,
        )
        rows = [[jsonable(v) for v in row] for row in result.rows]
        return CypherResponse(columns=list(result.columns), rows=rows, row_count=len(rows),
                              truncated=bool(result.truncated), truncated_by=result.truncated_by)

    async def cypher_within(self, query: str, parameters: Mapping[str, Any]) -> CypherResponse:
        """:meth:`cypher` answered by the timeout plus :data:`CYPHER_MARGIN_SECONDS`.

        The query runs on the /cypher pool (``CITEGRAPH_CYPHER_CONCURRENCY``
        threads; a request waiting for a thread spends its own time). Past the
        deadline this raises QueryTimeout at once, and a thread terminates the
        query's transaction server-side, found by the token in its metadata.
        """
        timeout = float(self.settings.citegraph_cypher_timeout)
        deadline = time.monotonic() + timeout + CYPHER_MARGIN_SECONDS
        token = uuid.uuid4().hex
        future = self._pool().submit(self._cypher_job, query, dict(parameters), token, deadline)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout + CYPHER_MARGIN_SECONDS)
        except asyncio.TimeoutError:
            threading.Thread(target=self._stop_cypher, args=(future, token), name="citegraph-cypher-stop",
                             daemon=True).start()
            raise QueryTimeout(f"The query ran longer than {timeout:g} s (CITEGRAPH_CYPHER_TIMEOUT) "
                               "and was stopped.") from None

    def _pool(self) -> ThreadPoolExecutor:
        with self._cypher_pool_lock:
            if self._cypher_pool is None:
                self._cypher_pool = ThreadPoolExecutor(self.settings.citegraph_cypher_concurrency,
                                                       thread_name_prefix="citegraph-cypher")
            return self._cypher_pool

    def _cypher_job(self, query: str, parameters: Mapping[str, Any], token: str, deadline: float) -> CypherResponse:
        if time.monotonic() >= deadline:  # waited for a thread past its deadline
            raise QueryTimeout("The query waited for a free /cypher slot past its timeout.")
        return self.cypher(query, parameters, token=token)

    def _stop_cypher(self, future: Any, token: str) -> None:
        for _ in range(CYPHER_STOP_TRIES):
            if future.done():
                return
            try:
                if self.store.stop_cypher(token):
                    log.info("terminated a /cypher query past its deadline")
            except Exception as exc:  # best effort: the server-side timeout still applies
                log.warning("could not terminate a /cypher query past its deadline: %s", exc)
                return
            time.sleep(CYPHER_STOP_INTERVAL)

    # -- writes -----------------------------------------------------------------------
    def add_papers(self, records: Sequence[Mapping[str, Any]]) -> AddPapersResponse:
        from graph.incremental import add_papers, papers_from_records

        papers = papers_from_records(records)
        t0 = time.perf_counter()
        with self.write_lock.hold():
            try:
                report = self.call(self._add_papers, add_papers, papers)
            finally:
                self.invalidate()
        return AddPapersResponse(ids=list(report.ids), added=report.added, updated=report.updated,
                                 edges=dict(report.edges), seconds=round(time.perf_counter() - t0, 3))

    def _add_papers(self, add_papers: Callable[..., Any], papers: Sequence[Any]) -> Any:
        """Under the write lock: reuse the corpus index while the store holds what
        it was built from (same version: counts and last run), else rebuild it."""
        from graph.incremental import CorpusIndex

        index, key = self._incremental
        if index is None or key != store_version(self.store):
            t0 = time.perf_counter()
            index = CorpusIndex.build(self.store.iter_papers())
            log.info("incremental corpus index built over %d papers in %.2fs", len(index), time.perf_counter() - t0)
        self._incremental = (None, None)  # dropped if the add fails half-way
        report = add_papers(self.store, papers, index=index, batch_size=self.settings.citegraph_batch_size)
        self._incremental = (index, store_version(self.store))
        return report

    def build(self, params: Mapping[str, Any]) -> RunReport:
        from graph.edges import BuildParams
        from graph.jobs import build

        kwargs = {k: v for k, v in params.items() if v is not None}
        build_params = BuildParams(**kwargs)
        with self.write_lock.hold():
            try:
                # Not forked: a server has other threads (a lock one of them held at the
                # fork would stay held in the child), and a request may wait a little longer.
                report = self.call(build, self.store, build_params, batch_size=self.settings.citegraph_batch_size,
                                   parallel=False)
            finally:
                self.invalidate()
        return RunReport(kind="build", seconds=round(report.seconds, 3), counts=jsonable(report.counts),
                         params=jsonable(report.params))

    def analyze(self, params: Mapping[str, Any]) -> RunReport:
        from graph.analysis import AnalyzeParams
        from graph.jobs import analyze

        kwargs = {k: v for k, v in params.items() if v is not None}
        if "edges" in kwargs:
            kwargs["edges"] = tuple(dict.fromkeys(kwargs["edges"]))
        analyze_params = AnalyzeParams(**kwargs)
        with self.write_lock.hold():
            try:
                # Not forked, as for build: a server has other threads.
                report = self.call(analyze, self.store, analyze_params,
                                   batch_size=self.settings.citegraph_batch_size, parallel=False)
            finally:
                self.invalidate()
        counts = self.call(self.store.counts)
        return RunReport(kind="analyze", seconds=round(report.seconds, 3), counts=counts,
                         params=jsonable(report.params), communities=report.communities,
                         modularity=_finite(report.modularity))
