"""The weighted undirected projection of the derived graph that analysis runs on."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Iterable, Iterator, Mapping

import networkx as nx
import numpy as np

from graph.errors import param_error
from graph.edge_arrays import EdgeArrays
from graph.models import DerivedGraph, KeywordScore

__all__ = [
    "EDGE_TYPES",
    "DEFAULT_EDGES",
    "DEFAULT_WEIGHTS",
    "EdgeTable",
    "AnalysisTable",
    "projection",
    "edge_table",
    "analysis_table",
    "check_edges",
    "check_weights",
]

#: Edge types of the projection, named as on the CLI (``--edges similar,keywords,cites``).
EDGE_TYPES = ("similar", "keywords", "cites", "coupled", "cocited")
#: COUPLED and CO_CITED (issue 23) are opt-in: the default stays what measured
#: best on the labelled corpora (docs/quality.md).
DEFAULT_EDGES = ("similar", "keywords", "cites")
DEFAULT_WEIGHTS = {"similar": 1.0, "keywords": 0.5, "cites": 1.0, "coupled": 1.0, "cocited": 1.0}


@dataclass(frozen=True, eq=False)
class EdgeTable:
    """The projection as arrays: ``nodes`` sorted; edge ``e`` joins
    ``nodes[src[e]]`` and ``nodes[dst[e]]`` with ``src[e] < dst[e]``, sorted by
    ``(src, dst)``, weight ``weight[e] > 0``. Cheaper than a NetworkX graph on
    large inputs; :func:`projection` turns it into one.
    """

    nodes: tuple[str, ...]
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray

    def to_networkx(self) -> nx.Graph:
        G = nx.Graph()
        G.add_nodes_from(self.nodes)
        names = self.nodes
        G.add_weighted_edges_from(
            (names[a], names[b], w) for a, b, w in zip(self.src.tolist(), self.dst.tolist(), self.weight.tolist())
        )
        return G


def projection(
    derived: DerivedGraph,
    paper_ids: Iterable[str],
    *,
    edges: Iterable[str] = DEFAULT_EDGES,
    weights: Mapping[str, float] | None = None,
) -> nx.Graph:
    """Weighted undirected graph of papers from the chosen edge types.

    Parameters
    ----------
    derived : DerivedGraph
        The edges ``build`` computed.
    paper_ids : iterable of str
        Every paper of the graph; each becomes a node, isolated ones too.
        Edges touching other ids are ignored.
    edges : iterable of {"similar", "keywords", "cites"}
        Edge types to include.
    weights : mapping, optional
        Factor per edge type (default :data:`DEFAULT_WEIGHTS`; missing types take
        their default). An edge contributes ``factor * w`` where ``w`` is the
        similarity ``score``, the keyword ``jaccard``, or 1 for a citation.
        Contributions of several types are summed into one ``weight``; a pair
        citing each other both ways counts as one citation.

    Returns
    -------
    networkx.Graph
        Nodes added in sorted order, edges in sorted order, attribute
        ``weight`` > 0 on every edge; no self-loops.

    Examples
    --------
    >>> from graph.models import DerivedGraph, SimilarEdge, CitationEdge
    >>> d = DerivedGraph((), (), (SimilarEdge("a", "b", 0.5),), (), (CitationEdge("b", "a"),))
    >>> G = projection(d, ["c", "b", "a"])
    >>> list(G.nodes), G["a"]["b"]["weight"]
    (['a', 'b', 'c'], 1.5)
    """
    return edge_table(derived, paper_ids, edges=edges, weights=weights, where="projection").to_networkx()


def edge_table(
    derived: DerivedGraph,
    paper_ids: Iterable[str],
    *,
    edges: Iterable[str] = DEFAULT_EDGES,
    weights: Mapping[str, float] | None = None,
    where: str = "projection",
) -> EdgeTable:
    """:func:`projection` as an :class:`EdgeTable` (same nodes, edges, weights)."""
    chosen = check_edges(edges, where=where)
    factors = check_weights(weights, where=where)
    used = tuple(name for name in chosen if factors[name] > 0)
    return analysis_table(derived, paper_ids, edges=used, keywords=False).edge_table(
        edges=chosen, weights=factors, where=where)


@dataclass(frozen=True, eq=False)
class AnalysisTable:
    """What the analysis reads of a derived graph, as flat arrays: cheap to
    pickle to a spawned process (``citegraph run``'s analysis, issue 26), which
    then holds neither the parent's heap nor its millions of edge objects.

    ``nodes`` are the sorted paper ids; ``kinds[name]`` is ``(src, dst,
    weight)`` for each edge type of :data:`EDGE_TYPES` tabled (``edges``),
    ``src``/``dst`` int32 positions in ``nodes`` (-1: not a paper of the
    graph), ``weight`` the row's score, jaccard or strength (None for
    ``cites``), in the order of the derived graph's rows. ``keyword_names``
    and the aligned ``kw_paper``, ``kw_keyword`` (int32) and ``kw_score``
    arrays are its HAS_KEYWORD rows whose paper is in ``nodes``.
    """

    nodes: tuple[str, ...]
    edges: tuple[str, ...]
    kinds: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]]
    keyword_names: tuple[str, ...] = ()
    kw_paper: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    kw_keyword: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    kw_score: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def has_keyword(self) -> Iterator[KeywordScore]:
        """The HAS_KEYWORD rows, made one at a time (never all held at once)."""
        nodes, names = self.nodes, self.keyword_names
        for paper, keyword, score in zip(self.kw_paper.tolist(), self.kw_keyword.tolist(), self.kw_score.tolist()):
            yield KeywordScore(nodes[paper], names[keyword], score)

    def edge_table(
        self,
        *,
        edges: Iterable[str] = DEFAULT_EDGES,
        weights: Mapping[str, float] | None = None,
        where: str = "projection",
    ) -> EdgeTable:
        """The :class:`EdgeTable` of :func:`edge_table` over the tabled graph."""
        chosen = check_edges(edges, where=where)
        factors = check_weights(weights, where=where)
        missing = [name for name in chosen if factors[name] > 0 and name not in self.edges]
        if missing:
            raise param_error("edges", where, f"a subset of the tabled edge types {list(self.edges)}", list(chosen))
        n = len(self.nodes)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for name in chosen:  # EDGE_TYPES order: the sums below add in one order
            if factors[name] <= 0 or name not in self.kinds:
                continue
            src, dst, w = self.kinds[name]
            a, b = src.astype(np.int64), dst.astype(np.int64)
            if name == "cites":
                lo, hi, _ = _canonical(a, b, np.ones(len(a)), n)
                # A pair citing each other in both directions is one relation, not two.
                key = _sorted_unique(lo * n + hi)
                parts.append((key // n, key % n, np.full(len(key), factors["cites"])))
            else:
                parts.append((a, b, factors[name] * w))
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return EdgeTable(self.nodes, empty, empty, np.zeros(0))
        lo, hi, w = _canonical(*(np.concatenate(x) for x in zip(*parts)), n)
        key, inverse = np.unique(lo * n + hi, return_inverse=True)
        total = np.bincount(inverse, weights=w, minlength=len(key))
        keep = total > 0
        key, total = key[keep], total[keep]
        return EdgeTable(self.nodes, key // n, key % n, total)


#: Edge type -> (DerivedGraph field, weight attribute; None: weight 1).
_ROWS = {
    "similar": ("similar", "score"),
    "keywords": ("shares_keywords", "jaccard"),
    "cites": ("cites", None),
    "coupled": ("coupled", "strength"),
    "cocited": ("co_cited", "strength"),
}


def analysis_table(
    derived: DerivedGraph,
    paper_ids: Iterable[str],
    *,
    edges: Iterable[str] = EDGE_TYPES,
    keywords: bool = True,
) -> AnalysisTable:
    """The :class:`AnalysisTable` of ``derived`` over ``paper_ids``: the edge
    types ``edges`` (a subset of :data:`EDGE_TYPES`) and, with ``keywords``,
    the HAS_KEYWORD rows.

    Examples
    --------
    >>> from graph.models import DerivedGraph, SimilarEdge, CitationEdge
    >>> d = DerivedGraph((), (), (SimilarEdge("a", "b", 0.5),), (), (CitationEdge("b", "a"),))
    >>> t = analysis_table(d, ["c", "b", "a"])
    >>> t.nodes, t.kinds["cites"][0].tolist(), t.edge_table().weight.tolist()
    (('a', 'b', 'c'), [1], [1.5])
    """
    wanted = set(edges)
    if not wanted <= set(EDGE_TYPES):
        raise param_error("edges", "analysis_table", f"a subset of {list(EDGE_TYPES)}", sorted(wanted))
    nodes = tuple(sorted(set(paper_ids)))
    index = _Index(zip(nodes, range(len(nodes))))

    def positions(rows, name: str) -> np.ndarray:
        # map() over attrgetter and the index keeps the per-edge work in C
        # (2.7M edges at 100k papers).
        return np.fromiter(map(index.__getitem__, map(attrgetter(name), rows)), dtype=np.int32, count=len(rows))

    kinds: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]] = {}
    for name in EDGE_TYPES:
        rows = getattr(derived, _ROWS[name][0])
        if name not in wanted or not len(rows):
            continue
        if isinstance(rows, EdgeArrays):
            # Columns: each name is looked up once, not once per edge (28M SHARES_KEYWORDS at synth-1M).
            ends = np.unique(np.concatenate([rows.source, rows.target]))
            at = np.full(int(ends[-1]) + 1, -1, dtype=np.int32)
            at[ends] = np.fromiter(map(index.__getitem__, (rows.names[i] for i in ends.tolist())),
                                   dtype=np.int32, count=len(ends))
            kinds[name] = (at[rows.source], at[rows.target], rows.strength.astype(np.float64))
            continue
        value = _ROWS[name][1]
        weight = None if value is None else np.fromiter(map(attrgetter(value), rows), dtype=np.float64,
                                                        count=len(rows))
        kinds[name] = (positions(rows, "source"), positions(rows, "target"), weight)
    table = AnalysisTable(nodes, tuple(e for e in EDGE_TYPES if e in wanted), kinds)
    if not keywords or not derived.has_keyword:
        return table
    rows = derived.has_keyword
    paper = positions(rows, "paper_id")
    names: dict[str, int] = {}
    keyword = np.fromiter((names.setdefault(k, len(names)) for k in map(attrgetter("keyword"), rows)),
                          dtype=np.int32, count=len(rows))
    score = np.fromiter(map(attrgetter("score"), rows), dtype=np.float64, count=len(rows))
    keep = paper >= 0
    return replace(table, keyword_names=tuple(names), kw_paper=paper[keep], kw_keyword=keyword[keep],
                   kw_score=score[keep])


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by one sort: NumPy 2.4's ``np.unique`` hashes
    first and took ~30x longer on 1.2M citation keys."""
    values = np.sort(values)
    if len(values) == 0:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


class _Index(dict):
    """``{node: position}`` in which unknown nodes map to -1."""

    __slots__ = ()

    def __missing__(self, key: object) -> int:
        return -1


def _canonical(a: np.ndarray, b: np.ndarray, w: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop unknown ends and self-loops; order each pair as (low, high)."""
    ok = (a >= 0) & (b >= 0) & (a != b)
    a, b, w = a[ok], b[ok], w[ok]
    return np.minimum(a, b), np.maximum(a, b), w


def check_edges(edges: Iterable[str], *, where: str) -> tuple[str, ...]:
    """Validate edge type names; returns them as a tuple in canonical order."""
    if isinstance(edges, str):
        edges = [e.strip() for e in edges.split(",") if e.strip()]
    try:
        given = list(edges)
    except TypeError:
        raise param_error("edges", where, f"a non-empty subset of {list(EDGE_TYPES)}", edges) from None
    if not given or any(e not in EDGE_TYPES for e in given) or len(set(given)) != len(given):
        raise param_error("edges", where, f"a non-empty subset of {list(EDGE_TYPES)}", edges)
    return tuple(e for e in EDGE_TYPES if e in given)


def check_weights(weights: Mapping[str, float] | None, *, where: str) -> dict[str, float]:
    """Validate per-type weights; returns a full mapping with defaults filled in."""
    out = dict(DEFAULT_WEIGHTS)
    if weights is None:
        return out
    expected = f"a mapping from {list(EDGE_TYPES)} to finite floats >= 0"
    if not isinstance(weights, Mapping):
        raise param_error("weights", where, expected, weights)
    for key, value in weights.items():
        ok_value = isinstance(value, (int, float)) and not isinstance(value, bool)
        if key not in EDGE_TYPES or not ok_value or not math.isfinite(value) or value < 0:
            raise param_error("weights", where, expected, dict(weights))
        out[key] = float(value)
    return out
