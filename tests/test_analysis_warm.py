"""Warm start (issue 25): graph.analysis.warm, ``analyze_graph(previous=...)``,
and ``analyze`` over a store seeding Leiden with the stored communities; the
switch off (``AnalyzeParams(warm=False)``, ``analyze --cold``, ``POST /analyze
{"warm": false}``)."""

from __future__ import annotations

import numpy as np
import pytest

from graph.analysis import AnalyzeParams, analyze_graph
from graph.analysis.stable_ids import previous_communities, renumber, stable_ids
from graph.analysis.warm import initial_membership, kept_papers, prefer_warm, previous_level
from graph.edges import BuildParams, build_derived
from graph.errors import InvalidParameter
from graph.jobs import analyze, build, read_inputs
from graph.stores.base import index_references
from tests.conftest import SEEDS


# -- pure pieces ---------------------------------------------------------------------------


def test_previous_level_labels_only_that_level_and_counts_gone_members():
    prev = {3: (0, {"a", "b", "gone"}), 1: (0, {"c"}), 8: (1, {"a", "c"})}
    found = previous_level(["a", "b", "c", "d"], prev, level=0)
    assert found.labels.tolist() == [1, 1, 0, -1]  # previous ids in sorted order: 1, 3
    assert found.sizes.tolist() == [1, 3] and found.seen == 3
    assert previous_level(["a", "b", "c", "d"], prev, level=1).labels.tolist() == [0, -1, 0, -1]


def test_initial_membership_puts_new_papers_alone_and_none_without_previous():
    assert initial_membership(np.array([4, 4, -1, 0, -1])).tolist() == [1, 1, 2, 0, 3]
    assert initial_membership(np.array([-1, -1])) is None
    assert initial_membership(np.array([], dtype=np.int64)) is None


def test_kept_papers_is_what_the_stable_id_matching_keeps():
    rng = np.random.default_rng(0)
    for _ in range(20):
        labels = rng.integers(-1, 5, size=60)
        member = rng.integers(0, 4, size=60)
        member = np.unique(member, return_inverse=True)[1]
        nodes = [f"p{i}" for i in range(60)]
        previous = {pid: (0, {nodes[i] for i in np.flatnonzero(labels == pid)} | {f"gone{pid}"})
                    for pid in range(5)}
        prev = previous_level(nodes, previous, level=0)
        new = [(cid, 0, [nodes[i] for i in np.flatnonzero(member == cid)]) for cid in range(member.max() + 1)]
        ren = stable_ids(previous, new)
        expected = sum(1 for i in range(60) if labels[i] >= 0 and ren.matched.get(int(member[i])) == labels[i])
        assert kept_papers(prev.labels, prev.sizes, member) == expected


def test_prefer_warm_needs_more_kept_at_about_the_same_objective():
    assert prefer_warm(0.50, 0.50, 10, 9)
    assert not prefer_warm(0.50, 0.50, 9, 9)  # ties keep the cold partition
    assert not prefer_warm(0.40, 0.50, 10, 9)  # clearly worse
    assert prefer_warm(0.496, 0.50, 10, 9) and not prefer_warm(0.494, 0.50, 10, 9)


@pytest.mark.parametrize("warm", [0, "yes", None])
def test_warm_must_be_a_bool(warm):
    with pytest.raises(InvalidParameter, match="'warm' parameter of analyze must be a bool"):
        AnalyzeParams(warm=warm)


# -- analyze_graph ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds():
    papers, _, _ = read_inputs(sorted(SEEDS.glob("*.txt")))
    papers = sorted(papers, key=lambda p: p.id)
    index = index_references((p.id, p.doi, p.arxiv_id, p.extra.get("source_id")) for p in papers)

    def derived_of(subset):
        ids = {p.id for p in subset}
        return build_derived(subset, {k: v for k, v in index.items() if v in ids}, BuildParams()), sorted(ids)

    return papers, derived_of


def _members(result) -> dict:
    return previous_communities((s.paper_id, s.community, s.subcommunity) for s in result.scores)


def _kept(before: dict, after: dict, level: int) -> float:
    old = {m: c for c, (lv, ms) in before.items() if lv == level for m in ms}
    new = {m: c for c, (lv, ms) in after.items() if lv == level for m in ms}
    return sum(new.get(m) == c for m, c in old.items()) / len(old)


def _same(a, b) -> bool:
    def kept(params):
        return {k: v for k, v in params.items() if k not in ("seconds", "cpu_seconds", "versions")}

    return (a.communities == b.communities and a.scores == b.scores and a.modularity == b.modularity
            and kept(a.params) == kept(b.params))


def _count_leiden(monkeypatch) -> list:
    import igraph

    calls = []
    real = igraph.Graph.community_leiden

    def counted(self, *args, **kwargs):
        calls.append(kwargs.get("initial_membership") is not None)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(igraph.Graph, "community_leiden", counted)
    return calls


def test_a_first_run_or_a_cold_one_is_todays_analysis_at_todays_cost(seeds, monkeypatch):
    papers, derived_of = seeds
    derived, ids = derived_of(papers)
    params = AnalyzeParams(layout=False)
    calls = _count_leiden(monkeypatch)
    first = analyze_graph(derived, ids, params=params)
    n_first = len(calls)
    assert first.params["warm"] is True and first.params["warm_start"] is None
    before = _members(first)
    runs = [(analyze_graph(derived, ids, params=params, previous={}), {}),
            (analyze_graph(derived, ids, params=AnalyzeParams(layout=False, warm=False), previous=before), before)]
    for again, _previous in runs:
        assert again.communities == first.communities and again.scores == first.scores
        assert again.params["warm_start"] is None
    assert len(calls) == 3 * n_first  # not one Leiden run more
    calls.clear()
    warm = analyze_graph(derived, ids, params=params, previous=before)
    compared = (warm.params["warm_start"].get("1") or {}).get("compared", 0)
    assert len(calls) == n_first + 1 + compared  # a warm run: one more per level (per topic split)


def test_the_same_graph_again_gives_the_previous_partition(seeds):
    papers, derived_of = seeds
    derived, ids = derived_of(papers)
    first = analyze_graph(derived, ids, params=AnalyzeParams(layout=False))
    before = _members(first)
    again = analyze_graph(derived, ids, params=AnalyzeParams(layout=False), previous=before)
    assert again.params["warm_start"]["0"]["chosen"] == "cold"
    assert _members(renumber(again, before)[0]) == before


def test_a_warm_run_is_deterministic_and_keeps_more_ids_than_a_cold_one(seeds):
    papers, derived_of = seeds
    later = {p.id for p in papers[::10]}  # 44 papers of 440 added later
    derived, ids = derived_of([p for p in papers if p.id not in later])
    first = analyze_graph(derived, ids, params=AnalyzeParams(layout=False))
    before = _members(first)
    next_id = renumber(first, {})[1].next_id
    derived, ids = derived_of(papers)
    runs = {}
    for warm in (True, False):
        raw = analyze_graph(derived, ids, params=AnalyzeParams(layout=False, warm=warm), previous=before)
        runs[warm] = raw, _members(renumber(raw, before, next_id=next_id)[0])
    again = analyze_graph(derived, ids, params=AnalyzeParams(layout=False), previous=before)
    assert _same(again, runs[True][0])
    info = runs[True][0].params["warm_start"]["0"]
    assert info["seen"] == len(papers) - len(later) and info["new"] == len(later)
    assert runs[False][0].params["warm_start"] is None
    for level in (0, 1):
        assert _kept(before, runs[True][1], level) >= _kept(before, runs[False][1], level)
    # Measured here: topics 82% kept warm, 66% cold; the objective is no worse.
    assert _kept(before, runs[True][1], 0) >= 0.75
    assert info["objective"]["warm"] >= 0.99 * info["objective"]["cold"]


def test_only_leiden_warm_starts(seeds):
    papers, derived_of = seeds
    derived, ids = derived_of(papers)
    params = AnalyzeParams(layout=False, method="louvain")
    before = _members(analyze_graph(derived, ids, params=params))
    assert analyze_graph(derived, ids, params=params, previous=before).params["warm_start"] is None


# -- over a store, the CLI and the API ---------------------------------------------------------


def test_analyze_warm_starts_from_the_store_and_cold_switches_it_off(store):
    papers, _, _ = read_inputs(sorted(SEEDS.glob("*.txt")))
    papers = sorted(papers, key=lambda p: p.id)
    later = papers[::10]
    store.upsert_papers([p for p in papers if p not in later])
    build(store)
    analyze(store)
    assert store.runs(limit=1)[0].params["warm_start"] is None  # a first run
    store.upsert_papers(later)
    build(store)
    analyze(store, AnalyzeParams(warm=False))
    cold = store.runs(limit=1)[0].params
    assert cold["warm"] is False and cold["warm_start"] is None
    analyze(store)
    warm = store.runs(limit=1)[0].params
    assert warm["warm"] is True and warm["warm_start"]["0"]["seen"] == len(papers)


def test_cli_cold_and_api_warm_false_are_recorded(tmp_path):
    from typer.testing import CliRunner

    from api.cli import app
    from graph.stores.sqlite import SQLiteStore
    from tests.api_support import AUTH, client_for

    runner = CliRunner()
    db = tmp_path / "s.db"
    env = {"CITEGRAPH_STORE": "embedded", "CITEGRAPH_DB": str(db)}
    seeds = sorted(str(p) for p in SEEDS.glob("*.txt"))[:1]
    assert runner.invoke(app, ["run", *seeds], env=env).exit_code == 0
    out = runner.invoke(app, ["analyze", "--cold"], env=env)
    assert out.exit_code == 0, out.output
    store = SQLiteStore(db)
    store.open()
    try:
        run = store.runs(limit=1)[0].params
        assert run["warm"] is False and run["warm_start"] is None
        with client_for(store) as client:
            r = client.post("/analyze", json={"warm": False}, headers=AUTH)
            assert r.status_code == 200, r.text
            assert r.json()["params"]["warm"] is False and r.json()["params"]["warm_start"] is None
            r = client.post("/analyze", json={}, headers=AUTH)
            assert r.status_code == 200, r.text
            assert r.json()["params"]["warm"] is True and r.json()["params"]["warm_start"]["0"]["chosen"] == "cold"
            r = client.post("/analyze", json={"warm": "maybe"}, headers=AUTH)
            assert r.status_code == 422, r.text
    finally:
        store.close()
