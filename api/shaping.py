"""Response shaping of :mod:`api.service`: store rows and models into the
:mod:`api.schemas` models the routers return (each response field is named once,
in its schema), and JSON safety."""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, TypeVar

from api.explore import evidence
from api.schemas import (
    CommunityOut,
    NeighborOut,
    PaperRef,
    PaperSummary,
    PartitionModularity,
    RunOut,
    SearchHit,
    Stats,
    TopPaper,
)
from graph.models import display_title
from graph.search import SearchIndex
from graph.stores.base import GraphStore, Neighbor, StoredPaper

__all__ = ["jsonable", "stats_body"]


def jsonable(value: Any) -> Any:
    """Plain JSON values only: non-finite floats become None, unknown types text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def stats_body(store: GraphStore, counts: Mapping[str, int], runs: Iterable[Any], started: str | None) -> Stats:
    """The one shape of ``GET /stats`` and ``citegraph stats --json``: counts, the
    unfinished build (or None) and the recorded runs, newest first."""
    return Stats(
        store=store.name,
        incomplete=_incomplete(started) if started else None,
        papers=counts.get("papers", 0),
        keywords=counts.get("keywords", 0),
        communities=counts.get("communities", 0),
        references=counts.get("references", 0),
        edges={k: v for k, v in counts.items() if k.isupper()},
        runs=[
            RunOut(kind=r.kind, started_at=r.started_at, seconds=float(r.seconds),
                   params=jsonable(dict(r.params)), counts=jsonable(dict(r.counts)),
                   versions={str(k): str(v) for k, v in r.versions.items()})
            for r in runs
        ],
    )


def _incomplete(started: str) -> str:
    return (f"the build started at {started} did not complete: keywords and edges may be missing "
            "until a build completes (run 'citegraph build' or POST /build)")


def _summary(sp: StoredPaper) -> PaperSummary:
    p = sp.paper
    return PaperSummary(id=p.id, title=display_title(p), year=p.year, authors=list(p.authors), venue=p.venue,
                        community=sp.scores.community if sp.scores else None,
                        pagerank=_finite(sp.scores.pagerank) if sp.scores else None)


def _neighbor(n: Neighbor) -> NeighborOut:
    return NeighborOut(id=n.paper_id, title=n.title, relation=n.relation, weight=_finite(n.weight) or 0.0,
                       evidence=evidence(n))


R = TypeVar("R", bound=PaperRef)


def _with_display_titles(store: GraphStore, items: list[R], *, nested: str | None = None) -> list[R]:
    """Give every paper row without a title its display title (issue 21: citeseer
    papers have abstracts only; the API said ``"title": ""`` where pages said more).

    Rows come from stores and explorers that only know the stored title; the papers
    of the untitled ones are read in one call. ``nested`` names a list of rows inside
    each row (recommendations' ``via``).
    """
    rows: list[PaperRef] = list(items)
    if nested:
        rows += [r for item in items for r in getattr(item, nested)]
    missing = sorted({r.id for r in rows if not r.title})
    if not missing:
        return items
    papers = store.get_papers(missing)
    for r in rows:
        if not r.title:
            r.title = display_title(papers[r.id]) if r.id in papers else r.id
    return items


def _community(c: Any, titles: Mapping[str, str]) -> CommunityOut:
    """A community for the API; ``titles`` maps its top paper ids to display titles.

    ``modularity`` is that of the community's whole level partition (the same for
    every community of a level): kept, deprecated, for older clients; the API says
    it once, in ``partition_modularity`` (issue 21).
    """
    return CommunityOut(id=int(c.id), size=int(c.size), label=c.label, keywords=list(c.keywords),
                        modularity=_finite(c.modularity),
                        top_papers=[TopPaper(id=pid, title=titles.get(pid, pid)) for pid in c.top_papers],
                        level=int(getattr(c, "level", 0) or 0), parent=getattr(c, "parent", None))


def _top_titles(store: GraphStore, communities: Iterable[Any]) -> dict[str, str]:
    """Display titles of the top papers of ``communities``, read in one call."""
    ids = sorted({pid for c in communities for pid in c.top_papers})
    papers = store.get_papers(ids) if ids else {}
    return {pid: display_title(p) for pid, p in papers.items()}


def _partition_modularity(communities: Iterable[Any]) -> PartitionModularity:
    """The modularity of the topic (level 0) and subtopic (level 1) partitions,
    None for a level that has no communities. Every community of a level carries
    the same value (that of its level's partition, :class:`graph.models.Community`)."""
    out: dict[str, float | None] = {"topics": None, "subtopics": None}
    for c in communities:
        key = "subtopics" if int(getattr(c, "level", 0) or 0) == 1 else "topics"
        if out[key] is None:
            out[key] = _finite(c.modularity)
    return PartitionModularity(**out)


def _combine(q: str, hits: list[tuple[str, float]], index: SearchIndex, limit: int,
             store: GraphStore, *, offset: int = 0) -> tuple[int, list[SearchHit]]:
    """Blend full-text hits and TF-IDF neighbours of the query, half and half;
    return (total, the page at ``offset``).

    Each part is scaled to [0, 1] by its best value among the candidates, so the
    combined score is in [0, 1] and a paper found by both ranks first. ``total``
    counts the papers sharing a term with the query plus the full-text hits read.
    """
    row_of = index.row_of
    rows = [row_of[pid] for pid, _ in hits if pid in row_of]
    wanted = offset + limit
    sim: dict[str, tuple[float, list[str]]] = {
        index.ids[i]: value for i, value in index.scores(q, wanted * 2, rows).items()}
    fulltext = {pid: float(score) for pid, score in hits}
    candidates = set(fulltext) | set(sim)
    if not candidates:
        return 0, []
    matched = {index.ids[i] for i in index.matching_rows(q)}
    total = len(candidates | matched)
    best_ft = max(fulltext.values(), default=0.0) or 1.0
    best_sim = max((s for s, _ in sim.values()), default=0.0) or 1.0
    rows = []
    for pid in candidates:
        ft = max(fulltext.get(pid, 0.0), 0.0) / best_ft
        s, terms = sim.get(pid, (0.0, []))
        score = 0.5 * ft + 0.5 * (s / best_sim)
        rows.append((score, pid, ft, s, terms))
    rows.sort(key=lambda r: (-r[0], r[1]))
    rows = rows[offset:wanted]
    titles = {pid: index.titles[row_of[pid]] for _, pid, *_ in rows if pid in row_of}
    unknown = [pid for _, pid, *_ in rows if pid not in titles]
    if unknown:  # papers added since the index was fitted
        titles.update({pid: display_title(p) for pid, p in store.get_papers(unknown).items()})
    return total, [SearchHit(id=pid, title=titles.get(pid, ""), score=round(min(score, 1.0), 6),
                             fulltext=round(ft, 6), similarity=round(s, 6), matched_terms=terms)
                   for score, pid, ft, s, terms in rows]
