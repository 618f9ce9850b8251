"""Conversions between citegraph models and the Neo4j store's parameter rows and
node/relationship properties, and the edge rows and diffs of a derived-graph
write. Pure functions, no driver calls.

Storage choices (see :mod:`graph.stores.neo4j`): ``extra`` is one JSON string
property ``extra_json``; an empty ``title_key`` is no property; list fields are
list properties.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from graph.models import Community, DerivedGraph, Paper, PaperScores, SharedKeywordsEdge, SimilarEdge
from graph.stores.base import StoredPaper, edge_key

__all__ = [
    "paper_row",
    "paper_from_props",
    "scores_from_props",
    "stored_paper",
    "similar_row",
    "biblio_row",
    "shares_row",
    "scores_row",
    "community_row",
    "community_from_props",
    "evidence",
    "unique",
    "unique_order",
    "ROWS",
    "KINDS",
    "derived_rows",
    "diff",
]


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def paper_row(p: Paper) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "abstract": p.abstract,
        "authors": list(p.authors),
        "year": None if p.year is None else int(p.year),
        "venue": p.venue,
        "doi": p.doi,
        "arxiv_id": p.arxiv_id,
        "url": p.url,
        "label": p.label,
        "references": list(p.references),
        "extra_json": json.dumps(dict(p.extra)) if p.extra else None,
        "title_key": p.title_key or None,
    }


def paper_from_props(props: Mapping[str, Any]) -> Paper:
    extra = props.get("extra_json")
    return Paper(
        id=props["id"],
        title=props.get("title") or "",
        abstract=props.get("abstract") or "",
        authors=tuple(props.get("authors") or ()),
        year=props.get("year"),
        venue=props.get("venue"),
        doi=props.get("doi"),
        arxiv_id=props.get("arxiv_id"),
        url=props.get("url"),
        label=props.get("label"),
        references=tuple(props.get("references") or ()),
        extra=json.loads(extra) if extra else {},
    )


# A paper has scores when any of these is set (x/y alone are layout, not scores).
_SCORE_KEYS = ("community", "degree", "pagerank", "betweenness", "bridge")


def scores_from_props(props: Mapping[str, Any]) -> PaperScores | None:
    if all(props.get(k) is None for k in _SCORE_KEYS):
        return None
    return PaperScores(
        paper_id=props["id"],
        community=props.get("community"),
        degree=props.get("degree"),
        pagerank=props.get("pagerank"),
        betweenness=props.get("betweenness"),
        bridge=props.get("bridge"),
        x=props.get("x"),
        y=props.get("y"),
        subcommunity=props.get("subcommunity"),
    )


def stored_paper(props: Mapping[str, Any], keywords: Sequence[str]) -> StoredPaper:
    return StoredPaper(paper=paper_from_props(props), keywords=tuple(keywords), scores=scores_from_props(props))


# Bulk rows are lists (cheaper than maps to send and to decode on the server)
# naming their nodes by node id; ``nodes`` maps paper ids to node ids.


def similar_row(e: SimilarEdge, nodes: Mapping[str, int]) -> list[Any]:
    """``[source node, target node, score, terms]``; source is the smaller paper id."""
    source, target = edge_key(e.source, e.target)
    return [nodes[source], nodes[target], float(e.score), list(e.terms)]


def shares_row(e: SharedKeywordsEdge, nodes: Mapping[str, int]) -> list[Any]:
    """``[source node, target node, count, jaccard, keywords]``; source is the smaller paper id."""
    source, target = edge_key(e.source, e.target)
    return [nodes[source], nodes[target], int(e.count), float(e.jaccard), list(e.keywords)]


def biblio_row(e: Any, names: Sequence[str], nodes: Mapping[str, int]) -> list[Any]:
    """COUPLED / CO_CITED: ``[source node, target node, count, strength, names]``;
    source is the smaller paper id."""
    source, target = edge_key(e.source, e.target)
    return [nodes[source], nodes[target], int(e.count), float(e.strength), list(names)]


def scores_row(s: PaperScores, node: int, community_nodes: Sequence[int]) -> list[Any]:
    """``[paper node, community, degree, pagerank, betweenness, bridge, x, y,
    subcommunity, community nodes (topic, subtopic; those that exist)]``."""
    return [
        node,
        None if s.community is None else int(s.community),
        _opt_float(s.degree),
        _opt_float(s.pagerank),
        _opt_float(s.betweenness),
        _opt_float(s.bridge),
        _opt_float(s.x),
        _opt_float(s.y),
        None if s.subcommunity is None else int(s.subcommunity),
        list(community_nodes),
    ]


def community_row(c: Community) -> dict[str, Any]:
    return {
        "id": int(c.id),
        "size": int(c.size),
        "label": c.label,
        "keywords": list(c.keywords),
        "modularity": float(c.modularity),
        "top_papers": list(c.top_papers),
        "level": int(c.level),
        "parent": None if c.parent is None else int(c.parent),
    }


def community_from_props(props: Mapping[str, Any]) -> Community:
    return Community(
        id=props["id"],
        size=props["size"],
        label=props.get("label") or "",
        keywords=tuple(props.get("keywords") or ()),
        modularity=props.get("modularity"),
        top_papers=tuple(props.get("top_papers") or ()),
        level=props.get("level") or 0,
        parent=props.get("parent"),
    )




def evidence(relation: str, record: Mapping[str, Any]) -> dict[str, Any]:
    if relation == "similar":
        return {"terms": list(record["terms"] or ())}
    if relation == "keywords":
        return {"keywords": list(record["keywords"] or ()), "count": int(record["count"])}
    if relation == "coupled":
        return {"shared": list(record["shared"] or ()), "count": int(record["count"])}
    if relation == "cocited":
        return {"citers": list(record["citers"] or ()), "count": int(record["count"])}
    return {"direction": relation}


# -- edge rows of a derived-graph write ----------------------------------------------


def unique(rows: Iterable[list[Any]]) -> list[list[Any]]:
    """One row ``[start, end, ...]`` per edge (the last wins, as a repeated MERGE
    would), sorted by end node then start node.

    Sorted with numpy on the two node ids: far faster than a dict keyed by pairs
    and a sort of tuples on large builds (docs/benchmarks.md)."""
    rows = rows if isinstance(rows, list) else list(rows)
    n = len(rows)
    if n < 2:
        return rows
    starts = np.fromiter((row[0] for row in rows), dtype=np.int64, count=n)
    ends = np.fromiter((row[1] for row in rows), dtype=np.int64, count=n)
    return [rows[i] for i in unique_order(starts, ends).tolist()]


def unique_order(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Positions of the rows :func:`unique` keeps, given their two node ids as
    arrays: each pair's last row, sorted by end node then start node."""
    n = len(starts)
    # By end, then start, then the later row first; keep each pair's first.
    order = np.lexsort((np.arange(n - 1, -1, -1), starts, ends))
    ends, starts = ends[order], starts[order]
    keep = np.ones(n, dtype=bool)
    keep[1:] = (ends[1:] != ends[:-1]) | (starts[1:] != starts[:-1])
    return order[keep]


def has_keyword_rows(derived: DerivedGraph, papers: Mapping[str, int], keywords: Mapping[str, int]) -> list[list[Any]]:
    return unique([papers[h.paper_id], keywords[h.keyword], float(h.score)] for h in derived.has_keyword)


def similar_rows(derived: DerivedGraph, papers: Mapping[str, int], keywords: Mapping[str, int]) -> list[list[Any]]:
    return unique(similar_row(e, papers) for e in derived.similar)


def shares_rows(derived: DerivedGraph, papers: Mapping[str, int], keywords: Mapping[str, int]) -> list[list[Any]]:
    return unique(shares_row(e, papers) for e in derived.shares_keywords)


def cites_rows(derived: DerivedGraph, papers: Mapping[str, int], keywords: Mapping[str, int]) -> list[list[Any]]:
    return unique([papers[e.source], papers[e.target]] for e in derived.cites)


def coupled_rows(derived: DerivedGraph, papers: Mapping[str, int], keywords: Mapping[str, int]) -> list[list[Any]]:
    return unique(biblio_row(e, e.shared, papers) for e in derived.coupled)


def co_cited_rows(derived: DerivedGraph, papers: Mapping[str, int], keywords: Mapping[str, int]) -> list[list[Any]]:
    return unique(biblio_row(e, e.citers, papers) for e in derived.co_cited)


#: Unique rows ``[start node, end node, props...]`` of each kind, sorted by end node.
ROWS: dict[str, Callable[[DerivedGraph, Mapping[str, int], Mapping[str, int]], list[list[Any]]]] = {
    "HAS_KEYWORD": has_keyword_rows,
    "SIMILAR_TO": similar_rows,
    "SHARES_KEYWORDS": shares_rows,
    "CITES": cites_rows,
    "COUPLED": coupled_rows,
    "CO_CITED": co_cited_rows,
}
KINDS = tuple(ROWS)


def derived_rows(
    derived: DerivedGraph, papers: Mapping[str, int], keywords: Mapping[str, int]
) -> tuple[list[list[Any]], ...]:
    """The rows of every kind (:data:`ROWS`), in :data:`KINDS` order."""
    return tuple(ROWS[kind](derived, papers, keywords) for kind in KINDS)


def diff(stored: Iterable[tuple[Any, ...]], wanted: list[list[Any]]) -> tuple[list[int], list[list[Any]], list[list[Any]]]:
    """What turns the ``stored`` edges (``[start, end, rel id, props...]``) into
    the ``wanted`` ones (``[start, end, props...]``, unique): relationship ids to
    delete, ``[rel id, props...]`` to update, rows to create (in ``wanted`` order)."""
    by_pair: dict[tuple[int, int], tuple[Any, ...]] = {}
    delete: list[int] = []
    for row in stored:
        key = (row[0], row[1])
        if key in by_pair:  # a duplicate edge: keep one
            delete.append(row[2])
        else:
            by_pair[key] = row
    update: list[list[Any]] = []
    create: list[list[Any]] = []
    for row in wanted:
        old = by_pair.pop((row[0], row[1]), None)
        if old is None:
            create.append(row)
        elif old[3:] != tuple(row[2:]):
            update.append([old[2], *row[2:]])
    delete.extend(old[2] for old in by_pair.values())
    return sorted(delete), update, create
