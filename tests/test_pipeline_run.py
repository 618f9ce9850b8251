"""``run`` hands the graph it built to ``analyze`` in memory: the stored
analysis must be exactly the one ``analyze`` computes from the store."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from graph.analysis import AnalyzeParams
from graph.errors import CitegraphError, InvalidParameter, StoreUnavailable
from graph.jobs import analyze, build, build_and_analyze, ingest, read_inputs, run
from tests.conftest import SEEDS

DATA = Path(__file__).parent / "data"


def _stored_analysis(store) -> tuple:
    comms = [(c.id, c.size, c.label, tuple(c.keywords), tuple(c.top_papers)) for c in store.communities()]
    ranks = {m: store.rankings(m, limit=10_000) for m in ("pagerank", "betweenness", "degree")}
    return comms, ranks


@pytest.mark.parametrize("params", [AnalyzeParams(), AnalyzeParams(edges=("similar", "cites"), restarts=1)])
def test_analysis_from_build_report_equals_analysis_from_store(store, params):
    ingest(store, sorted(SEEDS.glob("*.txt")))
    built = build(store)
    assert built.derived is not None and len(built.paper_ids) == store.counts()["papers"]

    in_memory = analyze(store, params, built=built)
    first = _stored_analysis(store)
    from_store = analyze(store, params)
    second = _stored_analysis(store)

    assert first == second
    assert first[0], "no community stored"
    assert in_memory.modularity == from_store.modularity
    # ``stable_ids`` and the changelog say what this run matched against the stored analysis,
    # ``warm_start`` what it compared with it (the second run had the first to start from).
    drop = ("seconds", "cpu_seconds", "stable_ids", "changes", "changes_summary", "warm_start")
    assert {k: v for k, v in in_memory.params.items() if k not in drop} == {
        k: v for k, v in from_store.params.items() if k not in drop
    }


def test_build_report_graph_is_the_stored_graph(store):
    ingest(store, sorted(SEEDS.glob("*.txt")))
    built = build(store)
    stored = store.load_derived()
    # Same edges; HAS_KEYWORD comes back by paper and keyword instead of by score.
    assert sorted(built.derived.has_keyword, key=repr) == sorted(stored.has_keyword, key=repr)
    assert dataclasses.replace(stored, has_keyword=built.derived.has_keyword) == built.derived
    assert built.paper_ids == sorted(p.id for p in store.iter_papers())


@pytest.mark.parametrize("overlap", [True, False])
def test_build_and_analyze_equals_build_then_analyze(store, overlap):
    ingest(store, sorted(SEEDS.glob("*.txt")))
    built, analyzed = build_and_analyze(store, overlap=overlap)
    together = _stored_analysis(store)
    runs = store.runs(limit=5)
    assert [r.kind for r in runs[:2]] == ["analyze", "build"]

    build(store)
    alone = analyze(store)
    assert _stored_analysis(store) == together
    assert analyzed.modularity == alone.modularity and analyzed.communities == alone.communities
    now = store.counts()
    assert all(built.counts[k] == now[k] for k in ("papers", "SIMILAR_TO", "SHARES_KEYWORDS", "CITES"))


def _broken_analysis(*args, **kwargs):
    raise InvalidParameter("analysis broke on purpose", name="edges")


def _killed_analysis(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def _break_analysis(monkeypatch, start: str, how) -> None:
    """``how`` in place of the analysis of a child started by ``start``: a
    spawned child sees no patch of the parent's modules, only the function it
    is given (graph.jobs._analysis_of_table, pickled by name)."""
    import graph.analysis
    import graph.jobs

    monkeypatch.setattr(graph.jobs, "ANALYSIS_START", start)
    if start == "fork":
        monkeypatch.setattr(graph.analysis, "analyze_graph", how)
    else:
        monkeypatch.setattr(graph.jobs, "_analysis_of_table", how)


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_forked_analysis_error_reaches_the_caller_after_the_build_is_written(sqlite_store, monkeypatch, start):
    ingest(sqlite_store, sorted(SEEDS.glob("*.txt")))
    _break_analysis(monkeypatch, start, _broken_analysis)
    with pytest.raises(InvalidParameter, match="on purpose"):
        build_and_analyze(sqlite_store, overlap=True)
    assert [r.kind for r in sqlite_store.runs(limit=5)] == ["build"]
    assert sqlite_store.counts()["SIMILAR_TO"] > 0 and sqlite_store.communities() == []
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_forked_analysis_killed_is_a_clear_error(sqlite_store, monkeypatch, start):
    ingest(sqlite_store, sorted(SEEDS.glob("*.txt")))
    _break_analysis(monkeypatch, start, _killed_analysis)
    with pytest.raises(CitegraphError, match=r"analysis process died \(exit code -9: killed"):
        build_and_analyze(sqlite_store, overlap=True)
    assert sqlite_store.communities() == []


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_spawned_and_forked_analysis_store_the_same_analysis(sqlite_store, monkeypatch, start):
    """Issue 26: the spawned analysis gets flat arrays (graph.analysis.projection.analysis_table)
    instead of inheriting the derived graph; what it stores is the same."""
    import graph.jobs

    ingest(sqlite_store, sorted(SEEDS.glob("*.txt")))
    monkeypatch.setattr(graph.jobs, "ANALYSIS_START", start)
    _, analyzed = build_and_analyze(sqlite_store, overlap=True)
    beside = _stored_analysis(sqlite_store)
    alone = analyze(sqlite_store)
    assert _stored_analysis(sqlite_store) == beside
    assert (analyzed.modularity, analyzed.communities) == (alone.modularity, alone.communities)


def test_failed_build_write_stops_the_forked_analysis(sqlite_store, monkeypatch):
    ingest(sqlite_store, sorted(SEEDS.glob("*.txt")))

    def fail(*args, **kwargs):
        raise StoreUnavailable("the store went away on purpose")

    monkeypatch.setattr(sqlite_store, "replace_derived", fail)
    with pytest.raises(StoreUnavailable, match="on purpose"):
        build_and_analyze(sqlite_store, overlap=True)
    assert multiprocessing.active_children() == []
    assert sqlite_store.runs(limit=5) == [] and sqlite_store.communities() == []


# --- run: the papers written by a forked child while the build reads them from memory

RUN_FILES = [*sorted(SEEDS.glob("*.txt")), DATA / "papers.jsonl"]
# Cited papers named by id, by source id (w7), by DOI and by arXiv id, in other
# spellings than the stored ones: only the reference index resolves them.
RUN_CITES = [DATA / "citations.csv", DATA / "citations_aliases.csv"]


def _stored_everything(store) -> tuple:
    derived = store.load_derived()
    derived = dataclasses.replace(derived, has_keyword=tuple(sorted(derived.has_keyword, key=repr)))
    return list(store.iter_papers()), store.reference_index(), derived, _stored_analysis(store)


@pytest.mark.parametrize("overlap", [True, False])
def test_run_equals_ingest_then_build_and_analyze(store, overlap):
    report, built, analyzed = run(store, RUN_FILES, citations=RUN_CITES, overlap=overlap)
    together = _stored_everything(store)
    assert together[2].cites and together[3][0], "no CITES or no community: the comparison would be weak"
    assert report.papers_written == len(together[0])

    store.clear()
    ingest_report = ingest(store, RUN_FILES, citations=RUN_CITES)
    built_alone, analyzed_alone = build_and_analyze(store, overlap=False)
    assert _stored_everything(store) == together
    assert report.to_dict() == ingest_report.to_dict()
    assert built.counts == built_alone.counts and analyzed.modularity == analyzed_alone.modularity
    assert [r.kind for r in store.runs(limit=5)][:2] == ["analyze", "build"]


def test_run_again_on_a_stored_graph_gives_the_same_graph(sqlite_store):
    run(sqlite_store, RUN_FILES, citations=RUN_CITES, overlap=True)
    first = _stored_everything(sqlite_store)
    report, _, _ = run(sqlite_store, RUN_FILES, citations=RUN_CITES, overlap=True)  # papers stored: no fork
    assert report.merged_with_stored == len(first[0])
    assert _stored_everything(sqlite_store) == first


def test_run_reference_index_in_memory_is_the_stores(sqlite_store, monkeypatch):
    import graph.edges

    seen = {}
    real = graph.edges.build_derived

    def spy(papers, index, *args, **kwargs):
        seen["index"] = dict(index)
        return real(papers, index, *args, **kwargs)

    monkeypatch.setattr(graph.edges, "build_derived", spy)
    run(sqlite_store, RUN_FILES, citations=RUN_CITES, overlap=True)
    assert seen["index"] == sqlite_store.reference_index()
    assert {"10.1000/xyz", "2101.00001"} <= set(seen["index"])  # aliases, not only ids


def test_run_paper_write_error_writes_no_build(sqlite_store, monkeypatch):
    from graph.stores.sqlite import SQLiteStore

    def fail(self, papers, **kwargs):
        raise StoreUnavailable("the paper writes failed on purpose")

    monkeypatch.setattr(SQLiteStore, "upsert_papers", fail)  # inherited by the forked writer
    with pytest.raises(StoreUnavailable, match="on purpose"):
        run(sqlite_store, RUN_FILES, citations=RUN_CITES, overlap=True)
    counts = sqlite_store.counts()
    assert counts["papers"] == 0 and counts["SIMILAR_TO"] == 0 and counts["keywords"] == 0
    assert sqlite_store.runs(limit=5) == [] and multiprocessing.active_children() == []


def test_run_build_error_still_writes_every_paper(sqlite_store, monkeypatch):
    import graph.edges

    def broken(*args, **kwargs):
        raise InvalidParameter("the build broke on purpose", name="k")

    monkeypatch.setattr(graph.edges, "build_derived", broken)
    with pytest.raises(InvalidParameter, match="on purpose"):
        run(sqlite_store, RUN_FILES, citations=RUN_CITES, overlap=True)
    monkeypatch.undo()
    counts = sqlite_store.counts()
    assert counts["SIMILAR_TO"] == 0 and sqlite_store.runs(limit=5) == []
    papers, _, _ = read_inputs(RUN_FILES, citations=RUN_CITES)
    assert counts["papers"] == len(papers) > 400 and multiprocessing.active_children() == []


@pytest.mark.parametrize("batch_size", [0, -5, 2.5, True])
def test_run_bad_batch_size_is_refused_before_anything_is_read_or_written(sqlite_store, batch_size):
    with pytest.raises(InvalidParameter, match=r"'batch_size' parameter of run"):
        run(sqlite_store, RUN_FILES, citations=RUN_CITES, batch_size=batch_size, overlap=True)
    assert sqlite_store.counts()["papers"] == 0 and multiprocessing.active_children() == []


def test_run_bad_analyze_params_names_run(sqlite_store):
    with pytest.raises(InvalidParameter, match=r"'analyze_params' parameter of run"):
        run(sqlite_store, RUN_FILES, analyze_params={"resolution": 1.0})


@pytest.mark.parametrize("overlap", [False, True])
def test_run_on_an_empty_store_reads_counts_once_and_records_the_true_counts(store, monkeypatch, overlap):
    """``run`` read ``counts()`` three times (before, after the build, after the
    analysis); the last two are now known from what it wrote. The recorded counts
    must still be the store's."""
    calls = []
    real = store.counts
    monkeypatch.setattr(store, "counts", lambda: calls.append(1) or real())
    run(store, RUN_FILES, citations=RUN_CITES, overlap=overlap)
    assert len(calls) == 1
    monkeypatch.setattr(store, "counts", real)
    final = store.counts()
    analyzed, built = store.runs(limit=2)
    assert (analyzed.kind, built.kind) == ("analyze", "build")
    assert analyzed.counts == final
    assert {k: v for k, v in built.counts.items() if k != "unresolved_references"} == {
        **final, "communities": 0, "IN_COMMUNITY": 0}
    assert final["CITES"] > 0 and final["IN_COMMUNITY"] > 0


@pytest.mark.parametrize("pairs, expected", [
    ([], 0),
    ([("a", "b"), ("a", "b"), ("a", "c"), ("b", "a")], 3),  # grouped by source, a duplicate
    ([("a", "b"), ("b", "a"), ("a", "b"), ("a", "c")], 3),  # not grouped: counted by one set
])
def test_counts_after_build_count_distinct_pairs_per_source(pairs, expected):
    """Issue 26 item 4: counted per source, not through a set of every pair."""
    from graph.jobs import _distinct_pairs
    from graph.models import CitationEdge

    assert _distinct_pairs([CitationEdge(a, b) for a, b in pairs], "source", "target") == expected
