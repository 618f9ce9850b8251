"""graph.analysis.analyze_graph: the whole analysis on tiny derived graphs."""

from __future__ import annotations

import copy
import dataclasses
import json
import random

import pytest

from graph.analysis import AnalyzeParams, analyze_graph
from graph.errors import InvalidParameter
from graph.models import (
    AnalysisResult,
    CitationEdge,
    DerivedGraph,
    Keyword,
    KeywordScore,
    SharedKeywordsEdge,
    SimilarEdge,
)

A = [f"a{i}" for i in range(5)]
B = [f"b{i}" for i in range(5)]


def two_topics(shuffle: int | None = None) -> DerivedGraph:
    """Two 5-paper cliques (similar 0.5 each) joined by a citation a0 -> b0; one isolated paper."""
    similar = [SimilarEdge(u, v, 0.5) for grp in (A, B) for i, u in enumerate(grp) for v in grp[i + 1:]]
    has_keyword = [KeywordScore(p, kw, 1.0) for p in A for kw in ("black hole", "entropy")]
    has_keyword += [KeywordScore(p, kw, 1.0) for p in B for kw in ("neural network", "entropy")]
    has_keyword += [KeywordScore("z", "quasar", 1.0)]
    shares = [SharedKeywordsEdge("a1", "a2", 2, 1.0, ("black hole", "entropy"))]
    if shuffle is not None:
        random.Random(shuffle).shuffle(similar)
        random.Random(shuffle).shuffle(has_keyword)
    return DerivedGraph(
        keywords=(Keyword("black hole", 5), Keyword("entropy", 10), Keyword("neural network", 5), Keyword("quasar", 1)),
        has_keyword=tuple(has_keyword),
        similar=tuple(similar),
        shares_keywords=tuple(shares),
        cites=(CitationEdge("a0", "b0"),),
    )


IDS = A + B + ["z"]
FAST = AnalyzeParams(edges=("similar", "cites"), layout=False)


# Leiden (the default method) has no NetworkX implementation: the reference
# engine runs Louvain.
ENGINE_METHODS = [("networkx", "louvain"), ("igraph", "louvain"), ("igraph", "leiden"), ("auto", "leiden")]


@pytest.mark.parametrize("engine, method", ENGINE_METHODS)
def test_two_topics(engine, method):
    result = analyze_graph(two_topics(), IDS, params=dataclasses.replace(FAST, engine=engine, method=method))
    assert isinstance(result, AnalysisResult)
    assert [(c.id, c.size) for c in result.communities] == [(0, 5), (1, 5), (2, 1)]
    # Weighted modularity: total weight m = 2 * 10 * 0.5 + 1 = 11; each side has inner
    # weight 5 and degree sum 11: Q = 2 * (5/11 - (11/22)^2) = 10/11 - 1/2.
    expected_q = 10 / 11 - 1 / 2
    assert result.modularity == pytest.approx(expected_q, abs=1e-9)
    assert all(c.modularity == result.modularity for c in result.communities)
    first, second, lonely = result.communities
    assert first.label == "black hole, entropy" and first.keywords == ("black hole", "entropy")
    assert second.label == "neural network, entropy"
    assert lonely.label == "" and lonely.keywords == () and lonely.top_papers == ("z",)
    assert first.top_papers[0] == "a0" and len(first.top_papers) == 5  # the bridge end ranks first

    scores = {s.paper_id: s for s in result.scores}
    assert [s.paper_id for s in result.scores] == sorted(IDS)
    assert scores["a0"].community == 0 and scores["b3"].community == 1 and scores["z"].community == 2
    assert scores["a0"].degree == pytest.approx(3.0) and scores["z"].degree == 0.0
    top_between = sorted(result.scores, key=lambda s: -s.betweenness)[:2]
    assert {s.paper_id for s in top_between} == {"a0", "b0"}
    assert scores["a0"].bridge == pytest.approx(1 - (2 / 3) ** 2 - (1 / 3) ** 2)
    assert max(s.bridge for s in result.scores if s.paper_id not in ("a0", "b0")) == 0.0
    assert sum(s.pagerank for s in result.scores) == pytest.approx(1.0)
    assert scores["a0"].x is None  # layout off


def test_plain_python_types_and_json_params():
    result = analyze_graph(two_topics(), IDS, params=AnalyzeParams())
    for s in result.scores:
        for name in ("degree", "pagerank", "betweenness", "bridge", "x", "y"):
            assert type(getattr(s, name)) is float, name
        assert type(s.community) is int
    assert type(result.modularity) is float
    params = json.loads(json.dumps(result.params))
    assert params["engine_requested"] == "auto" and params["engine"] == "igraph"  # Leiden runs on igraph
    assert params["method"] == "leiden" and params["resolution"] is None and params["restarts"] == 3
    assert params["engines"]["betweenness"] == "igraph"
    assert params["betweenness"] == {"exact": True, "k": None}
    assert params["counts"] == {"papers": 11, "edges": 21, "communities": 3, "subtopics": 0, "singletons": 1,
                                "labelled": 2}
    assert set(params["versions"]) >= {"networkx", "igraph", "numpy", "scipy"}
    assert set(params["seconds"]) == {"projection", "communities", "subtopics", "pagerank", "betweenness", "bridge",
                                      "labels",
                                      "layout", "total"}
    for key in ("edges", "weights", "method", "resolution", "seed", "betweenness_exact_max", "betweenness_k",
                "top_papers", "label_size", "restarts", "resolution_used", "resolution_trail", "restart_seed"):
        assert key in params


def test_sampled_betweenness_is_recorded():
    params = dataclasses.replace(FAST, betweenness_exact_max=5, betweenness_k=4)
    result = analyze_graph(two_topics(), IDS, params=params)
    assert result.params["betweenness"] == {"exact": False, "k": 4}


@pytest.mark.parametrize("engine, method", ENGINE_METHODS)
def test_deterministic_and_independent_of_input_order(engine, method):
    params = AnalyzeParams(engine=engine, method=method, seed=7)
    first = analyze_graph(two_topics(), IDS, params=params)
    second = analyze_graph(two_topics(shuffle=3), list(reversed(IDS)), params=params)
    assert first.communities == second.communities
    assert first.scores == second.scores


def test_inputs_unchanged():
    derived, ids, weights = two_topics(), list(IDS), {"similar": 1.0, "cites": 2.0}
    before = copy.deepcopy((derived, ids, weights))
    params = AnalyzeParams(weights=weights)
    analyze_graph(derived, ids, params=params)
    assert (derived, ids, weights) == before
    assert params.weights == {"similar": 1.0, "keywords": 0.5, "cites": 2.0, "coupled": 1.0, "cocited": 1.0}


def test_empty_graph():
    empty = DerivedGraph((), (), (), (), ())
    result = analyze_graph(empty, [], params=AnalyzeParams())
    assert result.communities == () and result.scores == () and result.modularity == 0.0
    result = analyze_graph(empty, ["b", "a"], params=AnalyzeParams(engine="igraph"))
    assert [c.size for c in result.communities] == [1, 1] and result.modularity == 0.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"edges": ("likes",)}, "The 'edges' parameter of analyze must be a non-empty subset of"),
        ({"weights": {"cites": float("inf")}}, "The 'weights' parameter of analyze must be a mapping"),
        ({"method": "spectral"}, "The 'method' parameter of analyze must be one of 'louvain'"),
        ({"resolution": -1.0}, "The 'resolution' parameter of analyze must be a float in (0, 100]. Got -1.0 instead."),
        ({"restarts": 0}, "The 'restarts' parameter of analyze must be an int in [1, 20]. Got 0 instead."),
        ({"seed": 1.5}, "The 'seed' parameter of analyze must be an int in [0, 2**31 - 1]. Got 1.5 instead."),
        ({"engine": "gpu"}, "The 'engine' parameter of analyze must be one of 'auto', 'networkx', 'igraph'."),
        ({"betweenness_k": 0}, "The 'betweenness_k' parameter of analyze must be an int in [1, 100000]. Got 0"),
        ({"betweenness_exact_max": -1}, "The 'betweenness_exact_max' parameter of analyze must be an int in"),
        ({"top_papers": True}, "The 'top_papers' parameter of analyze must be an int in [0, 100]. Got True"),
        ({"label_size": 11}, "The 'label_size' parameter of analyze must be an int in [1, 10]. Got 11 instead."),
        ({"layout": "yes"}, "The 'layout' parameter of analyze must be a bool. Got 'yes' instead."),
        ({"method": "leiden", "engine": "networkx"}, "The 'engine' parameter of analyze must be 'auto' or 'igraph'"),
    ],
)
def test_param_errors(kwargs, message):
    with pytest.raises(InvalidParameter) as err:
        AnalyzeParams(**kwargs)
    assert str(err.value).startswith(message)
    assert isinstance(err.value, ValueError)


def test_params_are_frozen_and_normalised():
    p = AnalyzeParams(edges="cites, similar")
    assert p.edges == ("similar", "cites")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.seed = 1  # type: ignore[misc]
    with pytest.raises(InvalidParameter, match="The 'params' parameter of analyze"):
        analyze_graph(two_topics(), IDS, params={"seed": 1})  # type: ignore[arg-type]


def test_scores_match_the_public_functions_on_a_random_graph():
    """analyze computes degree and bridge vectorised; they must equal the reference functions."""
    from graph.analysis import communities, pagerank, participation, projection, weighted_degree

    rng = random.Random(5)
    ids = [f"p{i:03d}" for i in range(120)]
    similar = {tuple(sorted(rng.sample(ids, 2))) for _ in range(400)}
    derived = DerivedGraph(
        keywords=(),
        has_keyword=(),
        similar=tuple(SimilarEdge(a, b, round(rng.uniform(0.05, 0.9), 3)) for a, b in sorted(similar)),
        shares_keywords=(),
        cites=tuple(CitationEdge(*rng.sample(ids, 2)) for _ in range(100)),
    )
    params = AnalyzeParams(edges=("similar", "cites"), method="louvain", resolution=1.0, seed=3, restarts=1,
                           layout=False)
    result = analyze_graph(derived, ids, params=params)
    G = projection(derived, ids, edges=("similar", "cites"))
    parts = communities(G, resolution=1.0, seed=3, engine="networkx")
    assert [c.size for c in result.communities] == [len(p) for p in parts]
    member = {node: cid for cid, part in enumerate(parts) for node in part}
    degree, ranks, bridge = weighted_degree(G), pagerank(G, engine="networkx"), participation(G, member)
    for s in result.scores:
        assert s.community == member[s.paper_id]
        assert s.degree == pytest.approx(degree[s.paper_id], abs=1e-12)
        assert s.pagerank == pytest.approx(ranks[s.paper_id], abs=1e-12)
        assert s.bridge == pytest.approx(bridge[s.paper_id], abs=1e-12)


_CHILD = """
import random, sys
from graph.analysis import AnalyzeParams, analyze_graph
from graph.models import CitationEdge, DerivedGraph, SimilarEdge
rng = random.Random(5)
ids = [f"p{i:04d}" for i in range(2000)]
pairs = sorted({tuple(sorted(rng.sample(ids, 2))) for _ in range(8000)})
d = DerivedGraph((), (), tuple(SimilarEdge(a, b, round(rng.uniform(0.05, 0.9), 3)) for a, b in pairs), (),
                 tuple(CitationEdge(*rng.sample(ids, 2)) for _ in range(1000)))
for engine, method in (("networkx", "louvain"), ("igraph", "leiden")):
    r = analyze_graph(d, ids, params=AnalyzeParams(engine=engine, method=method, betweenness_k=8))
    print(repr((r.communities, r.scores, r.modularity, r.params["resolution_trail"])))
"""


def test_same_output_in_every_process():
    """Regression: modularity summed over sets and igraph's PRPACK PageRank
    differed in the last bit between processes (string hashing is salted;
    with the old modularity, salt 3 gave a different value than salt 1)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    outputs = []
    for salt in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": salt, "PYTHONPATH": str(root)}
        done = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2] and outputs[0].count("\n") == 2


def _random_graph(n: int = 2500, seed: int = 5) -> tuple[DerivedGraph, list[str]]:
    rng = random.Random(seed)
    ids = [f"p{i:04d}" for i in range(n)]
    pairs = sorted({tuple(sorted(rng.sample(ids, 2))) for _ in range(4 * n)})
    derived = DerivedGraph((), (), tuple(SimilarEdge(a, b, round(rng.uniform(0.05, 0.9), 3)) for a, b in pairs), (),
                           tuple(CitationEdge(*rng.sample(ids, 2)) for _ in range(n // 2)))
    return derived, ids


def _without_timings(result: AnalysisResult) -> tuple:
    params = {k: v for k, v in result.params.items() if k not in ("seconds", "cpu_seconds")}
    return result.communities, result.scores, result.modularity, params


def test_forked_betweenness_gives_the_same_analysis():
    derived, ids = _random_graph()
    params = AnalyzeParams(betweenness_k=8, layout=False)
    alone = analyze_graph(derived, ids, params=params)
    forked = analyze_graph(derived, ids, params=params, parallel=True)
    assert "betweenness_wait" in forked.params["seconds"] and "betweenness_wait" not in alone.params["seconds"]
    assert forked.params["seconds"]["betweenness"] > 0
    assert _without_timings(forked) == _without_timings(alone)
    # Below the threshold (graph.forked.use_fork) nothing is forked unless asked.
    small = analyze_graph(two_topics(), IDS, params=FAST, parallel=None)
    assert "betweenness_wait" not in small.params["seconds"]


def _forked_analysis(derived, ids, params):
    return analyze_graph(derived, ids, params=params, parallel=True)


def test_forked_betweenness_inside_a_forked_analysis():
    """``citegraph run`` forks the analysis, which forks its betweenness in turn."""
    from graph.forked import ForkedCall

    derived, ids = _random_graph()
    params = AnalyzeParams(betweenness_k=8, layout=False)
    nested = ForkedCall(_forked_analysis, (derived, ids, params), what="analysis", lost="nothing").result()
    assert "betweenness_wait" in nested.params["seconds"]
    assert _without_timings(nested) == _without_timings(analyze_graph(derived, ids, params=params))


def test_forked_betweenness_failure_reaches_the_caller(monkeypatch):
    import graph.analysis.steps as pipeline_module

    def broken(view, pivots):
        raise RuntimeError("no shortest paths today")

    monkeypatch.setattr(pipeline_module, "betweenness_igraph", broken)
    derived, ids = _random_graph()
    with pytest.raises(RuntimeError, match="no shortest paths today"):
        analyze_graph(derived, ids, params=AnalyzeParams(betweenness_k=8, layout=False), parallel=True)


# --- analysis from flat arrays (issue 26: citegraph run spawns the analysis) -----


def _table_analysis(table, params):
    return analyze_graph(None, None, params=params, table=table)


@pytest.fixture(scope="module")
def sample_graph() -> tuple[DerivedGraph, list[str]]:
    """The bundled sample, built: real keywords, labels and every edge type."""
    from graph.edges import build_derived
    from graph.jobs import read_inputs
    from graph.stores.base import index_references
    from tests.conftest import SEEDS

    papers, _, _ = read_inputs(sorted(SEEDS.glob("*.txt")))
    index = index_references((p.id, p.doi, p.arxiv_id, p.extra.get("source_id")) for p in papers)
    return build_derived(papers, index, parallel=False), sorted(p.id for p in papers)


@pytest.mark.parametrize("params", [AnalyzeParams(), AnalyzeParams(edges=("similar", "keywords", "cites", "coupled",
                                                                          "cocited"), restarts=1)])
def test_table_analysis_equals_derived_analysis_in_process_and_spawned(sample_graph, params):
    from graph.analysis.projection import analysis_table
    from graph.forked import ForkedCall

    derived, ids = sample_graph
    expected = _without_timings(analyze_graph(derived, ids, params=params))
    assert expected[0], "no community"
    table = analysis_table(derived, ids, edges=params.edges)
    assert _without_timings(analyze_graph(None, None, params=params, table=table)) == expected
    spawned = ForkedCall(_table_analysis, (table, params), what="analysis", lost="nothing", start="spawn").result()
    assert _without_timings(spawned) == expected


def test_table_analysis_equals_derived_analysis_on_a_random_graph():
    from graph.analysis.projection import analysis_table

    derived, ids = _random_graph()
    params = AnalyzeParams(betweenness_k=8, layout=False)
    table = analysis_table(derived, ids + ["not-an-edge-end"])
    assert _without_timings(analyze_graph(None, None, params=params, table=table)) == _without_timings(
        analyze_graph(derived, ids + ["not-an-edge-end"], params=params))


@pytest.mark.parametrize("args, message", [
    ((None, None), "'table' parameter of analyze must be an AnalysisTable when"),
    ((two_topics(), None), "'table' parameter of analyze must be an AnalysisTable when"),
    ((two_topics(), IDS, "table"), "'table' parameter of analyze must be an AnalysisTable, with derived"),
    ((None, None, "similar only"), "'edges' parameter of analyze must be a subset of the tabled edge types"),
])
def test_table_param_errors(args, message):
    from graph.analysis.projection import analysis_table

    table = None
    if len(args) == 3:
        table = analysis_table(two_topics(), IDS, edges=("similar",) if args[2] == "similar only" else FAST.edges)
    with pytest.raises(InvalidParameter, match=message):
        analyze_graph(args[0], args[1], params=FAST, table=table)


def test_spawned_run_analysis_forks_its_betweenness_only_below_the_size_limit(monkeypatch):
    """``citegraph run``'s analysis (graph.jobs._analysis_of_table) forks its
    betweenness beside the communities only below BETWEENNESS_FORK_MAX_PAPERS
    (the fork's copy was 1.25 GB at synth-300k); the result is the same."""
    import graph.analysis.steps as steps
    import graph.jobs as jobs
    from graph.analysis.projection import analysis_table

    derived, ids = _random_graph()  # 2,500 papers: above FORK_MIN_PAPERS
    table = analysis_table(derived, ids)
    params = AnalyzeParams(betweenness_k=8, layout=False)
    forks: list[str] = []

    class Counted(steps.ForkedCall):
        def __init__(self, fn, args, **kw):
            forks.append(kw.get("what", ""))
            super().__init__(fn, args, **kw)

    monkeypatch.setattr(steps, "ForkedCall", Counted)
    monkeypatch.setattr(jobs, "BETWEENNESS_FORK_MAX_PAPERS", len(ids) + 1)
    forked = _without_timings(jobs._analysis_of_table(table, params))
    assert forks == ["betweenness"]
    monkeypatch.setattr(jobs, "BETWEENNESS_FORK_MAX_PAPERS", len(ids))
    assert _without_timings(jobs._analysis_of_table(table, params)) == forked
    assert forks == ["betweenness"]
