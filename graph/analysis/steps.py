"""``analyze``: projection, communities, centrality, labels and layout in one call."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, fields
from typing import Any, Collection, Iterable, Mapping

import numpy as np

from graph.analysis.centrality import (
    betweenness,
    betweenness_igraph,
    betweenness_pivots,
    pagerank,
    pagerank_arrays,
    participation_arrays,
    strength_arrays,
)
from graph.analysis.communities import (
    METHODS,
    modularity_arrays,
    check_resolution,
    check_seed,
    detect_igraph,
    detect_networkx,
    merge_communities,
    parts_of,
    resolve_engine,
)
from graph.analysis.engine import ENGINES, igraph_from_table, library_versions
from graph.analysis.hierarchy import SUBTOPIC_MIN_PAPERS, subtopic_keywords, subtopics
from graph.analysis.labels import community_keywords, top_papers
from graph.analysis.layout import layout_arrays
from graph.analysis.resolution import auto_resolution, best_of_restarts
from graph.analysis.projection import (
    DEFAULT_EDGES,
    DEFAULT_WEIGHTS,
    AnalysisTable,
    check_edges,
    check_weights,
    edge_table,
)
from graph.analysis.warm import previous_level, warm_level0
from graph.errors import param_error
from graph.forked import ForkedCall, use_fork
from graph.models import AnalysisResult, Community, DerivedGraph, PaperScores

__all__ = ["AnalyzeParams", "analyze_graph"]

log = logging.getLogger(__name__)

_WHERE = "analyze"
#: From this many papers, each coarser level of the auto-resolution walk
#: (Leiden) only merges the communities kept at the level above
#: (:func:`~graph.analysis.communities.merge_communities`, milliseconds)
#: instead of a Leiden run over every paper started from them (as slow as a
#: cold run: ~10 s each at 300k papers). On synth-100k both walks give the same
#: levels and communities (NMI against the topics 0.9675 vs 0.9674); on
#: citeseer (3k) the node moves matter (NMI 0.393 vs 0.451), so smaller
#: graphs keep the node-level walk. See docs/quality.md.
WALK_MERGE_MIN_PAPERS = 50_000
#: Keywords stored per community (the label uses the first ``label_size``).
COMMUNITY_KEYWORDS = 10


@dataclass(frozen=True)
class AnalyzeParams:
    """Knobs of :func:`analyze`, validated on construction.

    Attributes
    ----------
    edges : tuple of str
        Edge types of the projection (subset of ``similar``, ``keywords``, ``cites``;
        a comma-separated string is accepted).
    weights : mapping
        Factor per edge type; missing types take their default.
    method : {"leiden", "louvain", "label_propagation", "greedy_modularity"}
        Leiden (igraph) by default: Louvain plus a refinement step that keeps
        communities connected; on citeseer it matches the labels better than
        Louvain at every resolution (``docs/quality.md``).
    resolution : float or None
        Modularity resolution in (0, 100], or None (default) to choose it per
        graph: the coarsest of ``1, 1/sqrt(2), ..., 1/8`` whose partition keeps
        90% of the modularity found at 1 (:mod:`graph.analysis.resolution`).
        No constant fits all graphs: 0.5 gave 4 broad communities on the 440
        seed papers and 9 on citeseer, where 5-6 match its 6 labels best.
        The resolution used is recorded as ``resolution_used``.
    seed : int
        Seed for communities, betweenness pivots and layout.
    restarts : int
        Community runs per resolution (seeds ``seed, seed + 1, ...``), 1-20;
        the partition with the highest modularity is kept (greedy
        modularity, being deterministic, runs once).
    engine : {"auto", "networkx", "igraph"}
    betweenness_exact_max : int
        Exact betweenness up to this many papers, sampled above.
    betweenness_k : int
        Number of source pivots when sampled (64 find about as many of the exact
        top papers as 128, at half the time; docs/benchmarks.md). Above 50k papers fewer are used, down to 16
        (:func:`~graph.analysis.centrality.pivot_count`); the count used is
        recorded in ``params["betweenness"]["k"]``.
    top_papers : int
        Top papers (by PageRank) kept per community, 0-100.
    label_size : int
        Keywords in a community label, 1-10.
    layout : bool
        Compute 2-D positions (``x``, ``y``) for the viz.
    subtopics : bool
        Split each topic of at least
        :data:`~graph.analysis.hierarchy.SUBTOPIC_MIN_PAPERS` papers into
        subtopics (level-1 communities) by a Leiden run on its own subgraph.
    warm : bool
        Given the previous analysis (``analyze_graph(previous=...)``), also run
        Leiden (topics, and each topic's subtopics) from its communities, and
        keep that partition where it keeps more papers' ids at about the same
        modularity (:mod:`graph.analysis.warm`). Leiden only; no effect on a
        first run.
    """

    edges: tuple[str, ...] = DEFAULT_EDGES
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    method: str = "leiden"
    resolution: float | None = None
    seed: int = 42
    restarts: int = 3
    engine: str = "auto"
    betweenness_exact_max: int = 1000
    betweenness_k: int = 64
    top_papers: int = 5
    label_size: int = 4
    layout: bool = True
    subtopics: bool = True
    warm: bool = True

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "edges", check_edges(self.edges, where=_WHERE))
        set_(self, "weights", check_weights(self.weights, where=_WHERE))
        if self.method not in METHODS:
            raise param_error("method", _WHERE, f"one of {', '.join(map(repr, METHODS))}", self.method)
        if self.resolution is not None:
            set_(self, "resolution", check_resolution(self.resolution, where=_WHERE))
        check_seed(self.seed, where=_WHERE)
        if self.engine not in ENGINES:
            raise param_error("engine", _WHERE, f"one of {', '.join(map(repr, ENGINES))}", self.engine)
        for name, low, high in (
            ("betweenness_exact_max", 0, 10_000_000),
            ("betweenness_k", 1, 100_000),
            ("restarts", 1, 20),
            ("top_papers", 0, 100),
            ("label_size", 1, 10),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise param_error(name, _WHERE, f"an int in [{low}, {high}]", value)
        for name in ("layout", "subtopics", "warm"):
            if not isinstance(getattr(self, name), bool):
                raise param_error(name, _WHERE, "a bool", getattr(self, name))
        if self.method == "leiden" and self.engine == "networkx":
            raise param_error("engine", _WHERE, "'auto' or 'igraph' for method 'leiden'", self.engine)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready copy of every knob."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["edges"] = list(self.edges)
        out["weights"] = dict(self.weights)
        return out


def _betweenness_child(view, pivots: list | None) -> tuple[dict, dict, float, float]:
    clock, cpu_clock = time.perf_counter(), time.process_time()
    values, info = betweenness_igraph(view, pivots=pivots)
    return values, info, time.perf_counter() - clock, time.process_time() - cpu_clock


def analyze_graph(
    derived: DerivedGraph | None,
    paper_ids: Iterable[str] | None,
    *,
    params: AnalyzeParams | None = None,
    parallel: bool | None = False,
    previous: Mapping[int, tuple[int, Collection[str]]] | None = None,
    table: AnalysisTable | None = None,
) -> AnalysisResult:
    """Communities, labels, centrality and layout for every paper.

    Parameters
    ----------
    derived : DerivedGraph or None
        Edges and keywords from ``build``; not modified. None with ``table``.
    paper_ids : iterable of str or None
        All papers of the graph (isolated ones become singleton communities).
        None with ``table``.
    params : AnalyzeParams, optional
        Defaults to ``AnalyzeParams()``.
    parallel : bool or None, default False
        Compute the betweenness (igraph) in a forked child process while this
        one finds the communities: the same result, sooner on two cores. None
        decides by the size (:func:`graph.forked.use_fork`), True forks, False
        (the default: a caller with other threads running, a server) never does.
    previous : mapping, optional
        The previous analysis's communities, id -> ``(level, members)``
        (:func:`graph.analysis.stable_ids.previous_communities`): with
        ``params.warm`` and Leiden, the seeds of a warm start. None or empty:
        a cold analysis, as without it.
    table : AnalysisTable, optional
        The graph as flat arrays (:func:`graph.analysis.projection.analysis_table`
        of ``derived`` and ``paper_ids``, with the edge types of ``params``),
        in place of both: what a spawned process gets (``citegraph run``). The
        same result as from ``derived`` and ``paper_ids``.

    Returns
    -------
    AnalysisResult
        ``communities`` in id order: topics (level 0, largest first), then
        subtopics (level 1, by parent and size; see
        :mod:`graph.analysis.hierarchy`); ``scores`` per paper in
        id order; ``modularity`` of the partition (resolution 1); ``params``
        with every knob plus ``engine``, ``resolution_used``,
        ``resolution_trail`` (the auto rule's steps, empty for a fixed
        resolution), ``resolution_walk`` (how coarser levels were found:
        ``cold`` restarts, ``warm`` Leiden runs from the level above, or
        ``merge`` of its communities, see :data:`WALK_MERGE_MIN_PAPERS`; None
        for a fixed resolution), ``restart_seed``, ``betweenness`` (``exact``, ``k``),
        ``counts``, ``versions``, ``warm_start`` (what the warm start compared
        and chose per level, None when none ran), and ``seconds`` (wall
        clock) and ``cpu_seconds`` per step.
    """
    p = params if params is not None else AnalyzeParams()
    if not isinstance(p, AnalyzeParams):
        raise param_error("params", _WHERE, "an AnalyzeParams", p)
    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}
    clock, cpu_clock = time.perf_counter(), time.process_time()
    start, cpu_start = clock, cpu_clock

    def lap(step: str) -> None:
        nonlocal clock, cpu_clock
        now, cpu_now = time.perf_counter(), time.process_time()
        seconds[step] = round(now - clock, 4)
        cpu_seconds[step] = round(cpu_now - cpu_clock, 4)
        clock, cpu_clock = now, cpu_now

    if table is None and (derived is None or paper_ids is None):
        raise param_error("table", _WHERE, "an AnalysisTable when derived or paper_ids is None", table)
    if table is not None and (not isinstance(table, AnalysisTable) or derived is not None or paper_ids is not None):
        raise param_error("table", _WHERE, "an AnalysisTable, with derived and paper_ids None", table)
    source = table  # ``table`` is the projection's EdgeTable from here on

    def keyword_rows() -> Iterable:
        return derived.has_keyword if source is None else source.has_keyword()

    if source is None:
        table = edge_table(derived, paper_ids, edges=p.edges, weights=p.weights, where=_WHERE)
    else:
        table = source.edge_table(edges=p.edges, weights=p.weights, where=_WHERE)
    nodes, n = table.nodes, len(table.nodes)
    engine = resolve_engine(n, p.method, p.resolution or 1.0, p.engine, where=_WHERE)
    between_engine = "networkx" if p.engine == "networkx" else "igraph"
    # One copy per library, and only the ones needed: on large graphs the
    # NetworkX graph is the biggest object of the run.
    G = table.to_networkx() if "networkx" in (engine, between_engine) else None
    view = igraph_from_table(table) if "igraph" in (engine, between_engine) else None
    lap("projection")
    pivots = None
    if between_engine == "igraph":
        pivots = betweenness_pivots(
            list(nodes), exact_max=p.betweenness_exact_max, k=p.betweenness_k, seed=p.seed
        )
    forked = None
    if between_engine == "igraph" and use_fork(n, parallel):
        forked = ForkedCall(_betweenness_child, (view, pivots), what="betweenness",
                            lost="nothing of the analysis was written")
    try:
        def detect(resolution: float, seed: int) -> list[set]:
            if engine == "igraph":
                return detect_igraph(view, method=p.method, resolution=resolution, seed=seed)
            return detect_networkx(G, method=p.method, resolution=resolution, seed=seed)

        index = {node: i for i, node in enumerate(nodes)}

        def refine(resolution: float, seed: int, start: list[set]) -> list[set]:
            initial = np.zeros(n, dtype=np.int64)
            for cid, part in enumerate(start):
                initial[np.fromiter(map(index.__getitem__, part), dtype=np.int64, count=len(part))] = cid
            if n < WALK_MERGE_MIN_PAPERS:
                return detect_igraph(view, method="leiden", resolution=resolution, seed=seed, initial=initial.tolist())
            merged = merge_communities(table.src, table.dst, table.weight, initial, resolution=resolution, seed=seed)
            return parts_of(nodes, merged)

        arrays = (nodes, table.src, table.dst, table.weight)
        # Greedy modularity draws nothing at random: one run says it all.
        restarts = 1 if p.method == "greedy_modularity" else p.restarts
        trail: list[dict] = []
        walk = None
        if p.resolution is None and p.method != "label_propagation":
            warm = refine if p.method == "leiden" else None
            walk = "cold" if warm is None else "warm" if n < WALK_MERGE_MIN_PAPERS else "merge"
            found, trail = auto_resolution(detect, *arrays, seed=p.seed, restarts=restarts, refine=warm)
        else:
            # A fixed resolution, or label propagation, which has none to choose.
            found = best_of_restarts(detect, *arrays, resolution=p.resolution or 1.0, seed=p.seed, restarts=restarts)
        warm_start = None
        warm_on = bool(p.warm and previous and p.method == "leiden" and engine == "igraph")
        if warm_on:
            def detect_from(resolution: float, seed: int, initial: np.ndarray) -> list[set]:
                return detect_igraph(view, method="leiden", resolution=resolution, seed=seed,
                                     initial=initial.tolist())

            found, level0 = warm_level0(found, detect_from, *arrays, previous_level(nodes, previous, level=0),
                                        seed=p.seed)
            warm_start = {"0": level0} if level0 is not None else None
        parts = found.parts
        # ``found`` was scored on this very edge list: its membership array and
        # modularity at resolution 1 are the ones to report.
        member_arr = found.member
        member_ids = member_arr.tolist()
        q = found.modularity
        lap("communities")
        # Subtopics: ids T.. after the T topics, by (parent, size desc).
        n_topics = len(parts)
        hier = subtopics(n, table.src, table.dst, table.weight, member_arr, seed=p.seed, restarts=restarts,
                         min_size=SUBTOPIC_MIN_PAPERS,
                         previous=previous_level(nodes, previous, level=1) if warm_on else None,
                         ) if p.subtopics and n else None
        if hier is not None and hier.warm is not None and hier.warm["compared"]:
            warm_start = {**(warm_start or {}), "1": hier.warm}
        sub_parts = hier.parts(nodes) if hier is not None else []
        sub_ids = [None] * n
        q_sub = 0.0
        if sub_parts:
            sub_arr = hier.member
            sub_ids = np.where(sub_arr >= 0, sub_arr + n_topics, -1).tolist()
            sub_ids = [None if s_ < 0 else s_ for s_ in sub_ids]
            # Modularity of the level-1 partition, a topic without subtopics counting as one piece.
            level1 = np.where(sub_arr >= 0, sub_arr, len(sub_parts) + member_arr)
            q_sub = modularity_arrays(n, table.src, table.dst, table.weight, level1)
        lap("subtopics")

        degree = strength_arrays(n, table.src, table.dst, table.weight).tolist()
        if engine == "igraph":
            ranks = dict(zip(nodes, pagerank_arrays(n, table.src, table.dst, table.weight).tolist()))
        else:
            ranks = pagerank(G, engine="networkx")
        lap("pagerank")
        # Both engines give identical betweenness (same pivots, same formula);
        # NetworkX's is pure Python and ~100x slower, so it runs only when forced.
        if forked is not None:
            between, between_info, child_seconds, child_cpu = forked.result()
            lap("betweenness_wait")
            seconds["betweenness"], cpu_seconds["betweenness"] = round(child_seconds, 4), round(child_cpu, 4)
        elif between_engine == "igraph":
            between, between_info = betweenness_igraph(view, pivots=pivots)
        else:
            between, between_info = betweenness(
                G, exact_max=p.betweenness_exact_max, k=p.betweenness_k, seed=p.seed, engine="networkx"
            )
        if forked is None:
            lap("betweenness")
        bridge = np.clip(participation_arrays(n, table.src, table.dst, table.weight, member_arr), 0.0, 1.0).tolist()
        lap("bridge")

        kw_size = max(COMMUNITY_KEYWORDS, p.label_size)
        keywords = community_keywords(parts, keyword_rows(), size=kw_size)
        tops = top_papers(parts, ranks, size=p.top_papers)
        sub_keywords = subtopic_keywords(
            sub_parts, hier.parent, keywords, keyword_rows(), size=kw_size, label_size=p.label_size
        ) if sub_parts else []
        sub_tops = top_papers(sub_parts, ranks, size=p.top_papers)
        lap("labels")
        positions = (
            layout_arrays(nodes, table.src, table.dst, table.weight, parts, seed=p.seed,
                          subtopics=hier.member if sub_parts else None)
            if p.layout else {}
        )
        lap("layout")

        communities = tuple(
            Community(
                id=cid,
                size=len(part),
                label=", ".join(kws[: p.label_size]),
                keywords=kws,
                modularity=q,
                top_papers=top,
            )
            for cid, (part, kws, top) in enumerate(zip(parts, keywords, tops))
        ) + tuple(
            Community(
                id=n_topics + sid,
                size=len(part),
                label=", ".join(kws[: p.label_size]),
                keywords=kws,
                modularity=q_sub,
                top_papers=top,
                level=1,
                parent=hier.parent[sid],
            )
            for sid, (part, kws, top) in enumerate(zip(sub_parts, sub_keywords, sub_tops))
        )
        scores = tuple(
            PaperScores(
                paper_id=node,
                community=member_ids[i],
                degree=degree[i],
                pagerank=ranks[node],
                betweenness=between[node],
                bridge=bridge[i],
                x=positions[node][0] if positions else None,
                y=positions[node][1] if positions else None,
                subcommunity=sub_ids[i],
            )
            for i, node in enumerate(nodes)
        )
        seconds["total"] = round(time.perf_counter() - start, 4)
        cpu_seconds["total"] = round(time.process_time() - cpu_start, 4)
        info = p.to_dict()
        info.update(
            engine_requested=p.engine,
            resolution_used=found.resolution,
            resolution_trail=trail,
            resolution_walk=walk,
            warm_start=warm_start,
            restart_seed=found.seed,
            engine=engine,
            engines={
                "communities": engine,
                "pagerank": "scipy" if engine == "igraph" else "networkx",
                "betweenness": between_engine,
                "layout": "igraph",
            },
            betweenness=dict(between_info),
            counts={
                "papers": n,
                "edges": len(table.weight),
                "communities": len(parts),
                "subtopics": len(sub_parts),
                "singletons": sum(1 for part in parts if len(part) == 1),
                "labelled": sum(1 for c in communities if c.label and c.level == 0),
            },
            modularity=q,
            subtopic_modularity=q_sub,
            versions=library_versions(),
            seconds=seconds,
            cpu_seconds=cpu_seconds,
        )
        log.info(
            "analyze: %d papers, %d edges, %d communities, modularity %.4f, engine %s, %.2f s",
            n, len(table.weight), len(parts), q, engine, seconds["total"],
        )
        return AnalysisResult(communities=communities, scores=scores, modularity=q, params=info)
    except BaseException:
        if forked is not None:
            forked.stop()  # an error above: the betweenness is not wanted any more
        raise
