"""The one store interface. Stores persist and retrieve; they never compute.

Two implementations: :class:`graph.stores.sqlite.SQLiteStore` (embedded default)
and :class:`graph.stores.neo4j.Neo4jStore`. One contract suite
(``tests/test_store_contract.py``) runs against both.

Rules every implementation keeps:

- Writes go in batches, one transaction per batch; every write is idempotent
  (re-running it gives the same graph, no duplicates).
- Derived edges (keywords, SIMILAR_TO, SHARES_KEYWORDS, CITES) are replaced as a
  whole by :meth:`GraphStore.replace_derived`; papers are never touched by it.
- Analysis results are replaced as a whole by :meth:`GraphStore.write_analysis`.
- Driver errors are translated at this boundary: an unreachable server raises
  :class:`graph.errors.StoreUnavailable`, an unknown id
  :class:`graph.errors.PaperNotFound`, and so on.
- Every list a store returns is in a deterministic order.
- An edge naming an unknown paper or keyword rolls its write back and raises
  PaperNotFound / KeywordNotFound (smallest unknown name) rather than being
  dropped; a bad sort, metric or relation name, or a negative limit/offset,
  raises InvalidParameter.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Literal, Mapping, NamedTuple

import numpy as np

from graph.models import AnalysisResult, Community, DerivedGraph, Paper, PaperScores, ReferenceEdge, ReferenceNode, RunRecord
from graph.errors import InvalidParameter, NotSupported, param_error
from graph.models import normalize_arxiv, normalize_doi
from graph.process import gc_paused  # noqa: F401  (re-exported for the stores)

if TYPE_CHECKING:  # graph.authors imports graph.models only; no cycle, but no runtime need either
    from graph.authors import AuthorInfo, Authorship, VenueInfo
# The one rule of reference names (graph.ingest.identity); both stores index with it.
from graph.ingest.identity import index_references

__all__ = [
    "gc_paused",
    "GraphStore",
    "StoredPaper",
    "Neighbor",
    "KeywordInfo",
    "CypherResult",
    "EDGE_COUNT_KEYS",
    "NODE_COUNT_KEYS",
    "Relation",
    "SortKey",
    "Metric",
    "edge_key",
    "derived_paper_ids",
    "index_references",
    "LEVELS",
    "check_level",
    "MapPaper",
    "store_version",
    "check_int",
    "check_choice",
    "check_page",
    "chunks",
    "sort_keyword_years",
    "unsendable",
]

Relation = Literal["similar", "keywords", "cites", "cited_by", "all"]
SortKey = Literal["id", "title", "year", "pagerank", "degree", "betweenness", "bridge"]
Metric = Literal["pagerank", "degree", "betweenness", "bridge"]

#: Keys of :meth:`GraphStore.counts`, in this order: :data:`NODE_COUNT_KEYS` then these.
EDGE_COUNT_KEYS = ("HAS_KEYWORD", "SIMILAR_TO", "SHARES_KEYWORDS", "CITES", "IN_COMMUNITY", "COUPLED", "CO_CITED",
                   "REFERENCES")
NODE_COUNT_KEYS = ("papers", "keywords", "communities", "references")


@dataclass(frozen=True, slots=True)
class StoredPaper:
    """A paper as the store holds it: the record, its keywords, its scores."""

    paper: Paper
    keywords: tuple[str, ...] = ()
    scores: PaperScores | None = None


@dataclass(frozen=True, slots=True)
class Neighbor:
    """One neighbour of a paper and why.

    ``relation`` is ``similar``, ``keywords``, ``cites`` (the paper cites the
    neighbour) or ``cited_by`` (the neighbour cites the paper). ``weight`` is the
    similarity score, the keyword Jaccard, or 1.0 for citations. ``evidence``
    holds ``{"terms": [...]}`` for similar, ``{"keywords": [...], "count": n}``
    for keywords and ``{"direction": "cites"|"cited_by"}`` for citations.
    """

    paper_id: str
    title: str
    relation: str
    weight: float
    evidence: Mapping[str, Any] = field(default_factory=dict)


class MapPaper(NamedTuple):
    """What the corpus map draws of one paper (no abstract, keywords or authors).
    ``title`` is the title, or the first 120 characters of the abstract when the
    paper has no title."""

    id: str
    title: str
    year: int | None
    community: int | None
    subcommunity: int | None
    pagerank: float | None
    x: float | None
    y: float | None


@dataclass(frozen=True, slots=True)
class KeywordInfo:
    name: str
    df: int


@dataclass(frozen=True, slots=True)
class CypherResult:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool
    #: What cut the result when ``truncated``: "rows" (the row cap) or "bytes" (the byte cap).
    truncated_by: str | None = None


class GraphStore(abc.ABC):
    """Persistence of papers, derived edges and analysis results.

    Constructors only store their arguments; :meth:`open` connects. A store is a
    context manager (``with store: ...``).
    """

    name: str = "abstract"

    # -- lifecycle -----------------------------------------------------------
    @abc.abstractmethod
    def open(self) -> None:
        """Connect and create the schema (tables / constraints / indexes) if missing.

        Raises StoreUnavailable when the backend cannot be reached.
        """

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> "GraphStore":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reopened(self) -> "GraphStore | None":
        """A new, closed store on the same data (file or server), for a forked
        child process to open and write through; a connection must not cross a
        fork. None when this store cannot be reached from another process."""
        return None

    def data_key(self) -> str:
        """What identifies the data this store holds (its file, or its server and
        database): two stores with the same key hold the same graph. The API's
        cross-process write lock is named after it."""
        return f"{type(self).__name__}:{id(self)}"

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers now."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Delete everything (tests and ``--reset``)."""

    # -- papers --------------------------------------------------------------
    @abc.abstractmethod
    def upsert_papers(self, papers: Iterable[Paper], *, batch_size: int = 5000) -> int:
        """Write full paper records (insert or replace by id), one transaction per
        batch. The caller merges with what is stored first. Returns the count."""

    @abc.abstractmethod
    def get_papers(self, ids: Iterable[str]) -> dict[str, Paper]:
        """The stored records among ``ids`` (missing ids are absent from the dict)."""

    @abc.abstractmethod
    def ids_by_title_key(self, keys: Iterable[str]) -> dict[str, str]:
        """Map normalized titles (``Paper.title_key``) to the id stored with them.
        An empty key never matches."""

    @abc.abstractmethod
    def title_key_ids(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """Map normalized titles to every id stored with them (sorted): distinct
        papers can share a title. An empty key never matches."""

    @abc.abstractmethod
    def reference_index(self) -> dict[str, str]:
        """Every way a reference may name a stored paper, mapped to its id: the id,
        the DOI (bare and ``doi:``-prefixed), the arXiv id, and ``extra['source_id']``."""

    @abc.abstractmethod
    def iter_papers(self) -> Iterator[Paper]:
        """All papers ordered by id."""

    # -- derived graph -------------------------------------------------------
    @abc.abstractmethod
    def replace_derived(self, derived: DerivedGraph, *, batch_size: int = 5000) -> None:
        """Replace all Keyword nodes, HAS_KEYWORD, SIMILAR_TO, SHARES_KEYWORDS,
        CITES, COUPLED, CO_CITED, Reference nodes and REFERENCES with ``derived``.
        Papers are untouched."""

    @abc.abstractmethod
    def add_derived(self, derived: DerivedGraph, *, batch_size: int = 5000) -> None:
        """Add (merge) derived nodes and edges without deleting any: incremental
        writes. Keyword ``df`` values in ``derived.keywords`` overwrite stored ones."""

    def replace_biblio_near(
        self,
        derived: DerivedGraph,
        *,
        coupled_near: Iterable[str],
        co_cited_near: Iterable[str],
        batch_size: int = 5000,
    ) -> None:
        """Delete the COUPLED edges with an end in ``coupled_near`` and the
        CO_CITED edges with an end in ``co_cited_near``, then merge
        ``derived.coupled`` and ``derived.co_cited`` (the other kinds of
        ``derived`` are ignored): the incremental update of the bibliometric
        edges around new citations (:func:`graph.coupling.coupling_edges_around`).
        Raises PaperNotFound before deleting anything when an edge names an
        unknown paper."""
        raise NotSupported(f"{type(self).__name__} does not update COUPLED/CO_CITED incrementally")

    @abc.abstractmethod
    def load_derived(self) -> DerivedGraph:
        """The stored derived graph (keywords, edges), ordered deterministically."""

    def load_edges(self, among: Iterable[str] | None = None) -> DerivedGraph:
        """The stored paper-to-paper edges (SIMILAR_TO, SHARES_KEYWORDS, CITES) as
        :meth:`load_derived` returns them, without the keywords: ``keywords`` and
        ``has_keyword`` are empty. With ``among``, only the edges whose two ends
        are both in ``among`` (one page's papers). What the viz pages read.

        Stores override this with reads that skip the Keyword nodes and
        HAS_KEYWORD rows (and, with ``among``, seek those papers' edges); this
        fallback reads the whole derived graph."""
        full = self.load_derived()
        if among is None:
            return replace(full, keywords=(), has_keyword=())
        keep = set(among)

        def both(edges):
            return tuple(e for e in edges if e.source in keep and e.target in keep)

        return replace(full, keywords=(), has_keyword=(), similar=both(full.similar),
                       shares_keywords=both(full.shares_keywords), cites=both(full.cites),
                       coupled=both(full.coupled), co_cited=both(full.co_cited))

    def load_references(self) -> tuple[tuple[ReferenceNode, ...], tuple[ReferenceEdge, ...]]:
        """The stored Reference nodes (by id) and REFERENCES edges (by paper id, then
        reference id): what the last build (and later incremental adds) wrote from
        ``DerivedGraph.references`` and ``references_edges``."""
        raise NotSupported(f"{type(self).__name__} does not store Reference nodes")

    def paper_references(self, ids: Iterable[str]) -> dict[str, tuple[ReferenceNode, ...]]:
        """The Reference nodes each of ``ids`` REFERENCES (by reference id); papers
        without any (or unknown) are absent."""
        raise NotSupported(f"{type(self).__name__} does not store Reference nodes")

    # -- analysis ------------------------------------------------------------
    @abc.abstractmethod
    def write_analysis(self, result: AnalysisResult, *, batch_size: int = 5000) -> None:
        """Replace every Community node, IN_COMMUNITY edge and paper score with
        ``result``. Papers absent from ``result.scores`` get null scores."""

    @abc.abstractmethod
    def record_run(self, run: RunRecord) -> None: ...

    @abc.abstractmethod
    def runs(self, *, limit: int = 20) -> list[RunRecord]:
        """Newest first."""

    # -- reads ---------------------------------------------------------------
    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """One key per node kind in :data:`NODE_COUNT_KEYS` (``references``: the
        Reference nodes) and one per relationship type in :data:`EDGE_COUNT_KEYS`,
        in this order."""

    @abc.abstractmethod
    def get_paper(self, paper_id: str) -> StoredPaper:
        """Raises PaperNotFound."""

    @abc.abstractmethod
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
        """Total matching and one page. ``q`` filters on a case-insensitive
        substring of the title, ``community`` on the topic, ``subcommunity`` on
        the subtopic. ``id``, ``title`` and ``year`` sort ascending,
        score sorts descending; missing values last; ties by id."""

    @abc.abstractmethod
    def neighbors(
        self,
        paper_id: str,
        *,
        relation: Relation = "all",
        limit: int = 50,
        min_weight: float = 0.0,
    ) -> list[Neighbor]:
        """Direct neighbours, highest weight first, ties by id. Raises PaperNotFound."""

    @abc.abstractmethod
    def fulltext(self, q: str, *, limit: int = 20) -> list[tuple[str, float]]:
        """Full-text search over title and abstract: ``(paper_id, score)``, best
        first. The query is plain words, any of which may match (OR, as Lucene's
        default); the store escapes its own syntax."""

    @abc.abstractmethod
    def communities(self, level: int | None = None) -> list[Community]:
        """Communities of ``level`` (0 topics, 1 subtopics; None: every level):
        by level, then parent (topics have none), then size descending, ties by id."""

    @abc.abstractmethod
    def community(self, community_id: int) -> tuple[Community, list[str]]:
        """The community (any level) and its member ids by PageRank descending
        (a subtopic's are the papers whose ``subcommunity`` it is). Raises
        CommunityNotFound."""

    @abc.abstractmethod
    def rankings(self, metric: Metric, *, limit: int = 20) -> list[tuple[str, float]]:
        """``(paper_id, value)`` descending, ties by id; papers without the score
        are left out."""

    @abc.abstractmethod
    def keywords(self, *, prefix: str = "", limit: int = 50) -> list[KeywordInfo]:
        """By df descending, ties by name."""

    @abc.abstractmethod
    def keyword_papers(self, name: str, *, limit: int = 50, offset: int = 0) -> list[tuple[str, float]]:
        """``(paper_id, score)`` of papers having the keyword, by score descending.
        Raises KeywordNotFound."""

    # -- authors and venues (issue 24; derived from the papers at ingest) ----------
    def replace_authorship(self, rows: "Authorship") -> None:
        """Replace every Author and Venue node and their WROTE / PUBLISHED_IN edges
        (one derived set from all papers, see :func:`graph.authors.authorship`)."""
        raise NotSupported(f"{type(self).__name__} does not store authors")

    def list_authors(self, *, q: str = "", limit: int = 50, offset: int = 0) -> tuple[int, list["AuthorInfo"]]:
        """``(total, page)`` of authors whose normalised name contains ``q``
        (normalised too), by paper count descending, then name, then id."""
        raise NotSupported(f"{type(self).__name__} does not store authors")

    def get_author(self, author_id: str) -> tuple["AuthorInfo", list[tuple[str, int]]]:
        """The author and ``(paper_id, position)`` of their papers, newest first
        (then by id). Raises AuthorNotFound."""
        raise NotSupported(f"{type(self).__name__} does not store authors")

    def coauthors(self, author_id: str, *, limit: int = 50) -> list[tuple["AuthorInfo", int]]:
        """Co-authors with the number of papers shared, most shared first (then name,
        id); ``AuthorInfo.papers`` is the co-author's own paper count."""
        raise NotSupported(f"{type(self).__name__} does not store authors")

    def list_venues(self, *, q: str = "", limit: int = 50, offset: int = 0) -> tuple[int, list["VenueInfo"]]:
        """``(total, page)`` of venues whose normalised name contains ``q``, by paper
        count descending, then name, then id."""
        raise NotSupported(f"{type(self).__name__} does not store venues")

    @abc.abstractmethod
    def keyword_holders(self, names: Iterable[str]) -> dict[str, list[str]]:
        """Ids of the papers holding each stored keyword of ``names`` (sorted); an
        unknown keyword is left out. One batched read for an incremental add."""

    @abc.abstractmethod
    def paper_keywords(self, ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """The keywords of each stored paper of ``ids`` (best first); an unknown id
        is left out. One batched read for an incremental add."""

    @abc.abstractmethod
    def paper_communities(self, ids: Iterable[str]) -> dict[str, int]:
        """The topic (level-0 community) of each stored paper of ``ids`` that has
        one; an unknown or unassigned id is left out. One batched read (an author's
        papers used to be read one by one)."""

    def keyword_years(self, *, min_papers: int = 1) -> list[tuple[str, int | None, int]]:
        """``(keyword, year, papers)`` for every keyword held by at least
        ``min_papers`` papers and every year (None: undated) of its papers, sorted
        by keyword then year (None first): the timeline's keyword series. Stores
        override this with one aggregate read; this fallback reads the whole
        derived graph."""
        check_int("min_papers", "keyword_years", min_papers, 1)
        year = {m.id: m.year for m in self.map_papers()}
        counts: dict[tuple[str, int | None], int] = {}
        held: dict[str, int] = {}
        for hk in self.load_derived().has_keyword:
            key = (hk.keyword, year.get(hk.paper_id))
            counts[key] = counts.get(key, 0) + 1
            held[hk.keyword] = held.get(hk.keyword, 0) + 1
        return sort_keyword_years((k, y, n) for (k, y), n in counts.items() if held[k] >= min_papers)

    def map_papers(self) -> list[MapPaper]:
        """Every paper as the map draws it, by PageRank descending (missing last),
        ties by id. Stores override this with one light read; this fallback pages
        through :meth:`list_papers`."""
        out: list[MapPaper] = []
        while True:
            total, page = self.list_papers(sort="pagerank", limit=5000, offset=len(out))
            for sp in page:
                sc = sp.scores
                out.append(MapPaper(
                    sp.paper.id, sp.paper.title or (sp.paper.abstract or "")[:120], sp.paper.year,
                    None if sc is None else sc.community,
                    None if sc is None else getattr(sc, "subcommunity", None),
                    None if sc is None else sc.pagerank,
                    None if sc is None else sc.x, None if sc is None else sc.y))
            if not page or len(out) >= total:
                return out

    def memberships(self) -> list[tuple[str, int | None, int | None]]:
        """``(paper_id, community, subcommunity)`` of every paper, ordered by
        id (Nones before any analysis): what ``analyze`` matches its new
        communities against. Built on :meth:`map_papers`, one light read in
        both stores."""
        return sorted((m.id, m.community, m.subcommunity) for m in self.map_papers())

    def similar_pairs(self) -> list[tuple[str, str, float]]:
        """Every SIMILAR_TO edge as ``(source, target, score)``, without its terms,
        ordered by (source, target). This fallback reads the whole derived graph."""
        return sorted((e.source, e.target, float(e.score)) for e in self.load_derived().similar)

    def cypher(
        self,
        query: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        timeout: float = 5.0,
        max_rows: int = 1000,
        max_bytes: int = 10_000_000,
        token: str | None = None,
    ) -> CypherResult:
        """Run a read-only Cypher query. Only the Neo4j store supports it.

        ``max_bytes`` caps the JSON size of the rows returned; ``token`` names the
        query for :meth:`stop_cypher`."""
        from graph.errors import NotSupported

        raise NotSupported(
            "Cypher queries need the Neo4j store (CITEGRAPH_STORE=neo4j); "
            "the embedded store has no Cypher engine."
        )

    @abc.abstractmethod
    def mark_build(self, started_at: str | None) -> None:
        """Note that a build started at ``started_at`` is writing derived data
        (written before its first derived write), or clear the note (None, by
        the build once it completed and recorded its run)."""

    @abc.abstractmethod
    def build_in_progress(self) -> str | None:
        """When the build that has not completed started, or None: the derived
        graph (keywords, edges) is incomplete while this is set."""

    def stop_cypher(self, token: str) -> int:
        """Stop the running :meth:`cypher` queries started with ``token``; how many."""
        return 0


def sort_keyword_years(rows: Iterable[tuple[str, int | None, int]]) -> list[tuple[str, int | None, int]]:
    """:meth:`GraphStore.keyword_years`'s order (keyword, then year with None first),
    the same in every store whatever its collation."""
    return sorted(((str(k), None if y is None else int(y), int(n)) for k, y, n in rows),
                  key=lambda r: (r[0], r[1] is not None, r[1] or 0))


def derived_paper_ids(derived: DerivedGraph) -> set[str]:
    """Every paper id a derived graph's edges name (the ends a store must hold).
    Edges held as :class:`~graph.edge_arrays.EdgeArrays` are read by their ends'
    indices, each name once, without making an edge object."""
    from graph.edge_arrays import EdgeArrays

    ids = {h.paper_id for h in derived.has_keyword}
    ids.update(e.source for e in derived.references_edges)
    for edges in (derived.similar, derived.shares_keywords, derived.cites, derived.coupled, derived.co_cited):
        if isinstance(edges, EdgeArrays):
            if len(edges):
                ends = np.unique(np.concatenate([edges.source, edges.target])).tolist()
                ids.update(edges.names[i] for i in ends)
        else:
            for e in edges:
                ids.update((e.source, e.target))
    return ids


def edge_key(a: str, b: str) -> tuple[str, str]:
    """Undirected edges are stored once, with the smaller id first."""
    return (a, b) if a <= b else (b, a)


#: Community levels: 0 topics, 1 subtopics (:class:`~graph.models.Community`).
LEVELS = (0, 1)


def check_level(level: object, *, where: str) -> int | None:
    """``level`` of ``communities``: None or one of :data:`LEVELS`."""
    if level is not None and (isinstance(level, bool) or level not in LEVELS):
        raise param_error("level", where, "None, 0 or 1", level)
    return level


def store_version(store: "GraphStore") -> tuple:
    """What changes when the graph changes: the counts and the last recorded run.

    The one definition of a store's version; caches of derived data (the search
    index, the viz pages, the incremental corpus index) compare against it.
    """
    runs = store.runs(limit=1)
    last = (runs[0].kind, runs[0].started_at) if runs else None
    return (tuple(sorted(store.counts().items())), last)


# --- argument checks every store shares ------------------------------------------------


def check_int(name: str, where: str, value: object, minimum: int) -> None:
    """``value`` must be an int (not a bool) >= ``minimum``; else InvalidParameter."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise param_error(name, where, f"an int >= {minimum}", value)


def check_choice(name: str, where: str, value: object, choices: Iterable[str]) -> None:
    """``value`` must be one of ``choices``; else InvalidParameter listing them sorted."""
    choices = tuple(choices)
    if value not in choices:
        raise param_error(name, where, f"one of {sorted(choices)}", value)


def check_page(where: str, limit: object, offset: object = 0) -> None:
    """``limit`` and ``offset`` of a paged read: ints >= 0."""
    check_int("limit", where, limit, 0)
    check_int("offset", where, offset, 0)


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of ``size`` (the last may be shorter): one write batch each."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def unsendable(exc: OverflowError | UnicodeEncodeError, *, store: str, name: str | None = None) -> InvalidParameter:
    """The InvalidParameter for a value ``store`` cannot carry (the statement never ran)."""
    if isinstance(exc, UnicodeEncodeError):
        what = "a text value is not valid Unicode (it holds a lone surrogate)"
    else:
        what = f"an integer value is outside the 64-bit range {store} stores"
    where = f"The {name!r} parameter" if name else "A parameter"
    return InvalidParameter(f"{where} cannot be sent to {store}: {what}.", name=name)
