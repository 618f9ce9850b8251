"""Stable community ids (issue 25 item 1): graph.analysis.stable_ids, and
``analyze`` over a store keeping the ids of the communities it finds again."""

from __future__ import annotations

import pytest

from graph.analysis.stable_ids import previous_communities, renumber, stable_ids
from graph.errors import InvalidParameter
from graph.models import AnalysisResult, Community, PaperScores
from graph.jobs import analyze, build, read_inputs
from tests.conftest import SEEDS


def _members(prefix: str, n: int) -> set[str]:
    return {f"{prefix}{i}" for i in range(n)}


# -- the pure matching --------------------------------------------------------------------------


def test_first_run_keeps_todays_numbering():
    new = [(0, 0, _members("a", 5)), (1, 0, _members("b", 3)), (2, 1, _members("a", 2)), (3, 1, {"a3", "a4"})]
    ren = stable_ids({}, new)
    assert ren.ids == {0: 0, 1: 1, 2: 2, 3: 3}
    assert ren.matched == {} and ren.next_id == 4


def test_matched_communities_keep_their_ids_new_ones_go_above_the_high_water_mark():
    previous = {7: (0, _members("a", 10)), 3: (0, _members("b", 10)), 9: (1, _members("a", 4))}
    new = [
        (0, 0, _members("b", 12)),          # b grew: Jaccard 10/12
        (1, 0, _members("a", 8)),           # a shrank: 8/10
        (2, 0, _members("c", 5)),           # new
        (3, 1, _members("a", 4)),           # the subtopic, same members
    ]
    ren = stable_ids(previous, new, next_id=20)
    assert ren.ids == {0: 3, 1: 7, 2: 20, 3: 9}
    assert ren.matched == {0: 3, 1: 7, 3: 9}
    assert ren.jaccard[0] == pytest.approx(10 / 12)
    assert ren.next_id == 21
    # Without a stored mark, fresh ids start above every previous id.
    assert stable_ids(previous, new).ids[2] == 10


def test_levels_are_matched_apart_and_below_the_floor_is_new():
    previous = {0: (0, _members("a", 10))}
    # Same members but level 1: not a match for a topic.
    assert stable_ids(previous, [(5, 1, _members("a", 10))]).matched == {}
    # Jaccard 2/10 < 0.3: a new topic.
    ren = stable_ids(previous, [(0, 0, _members("a", 2))])
    assert ren.matched == {} and ren.ids == {0: 1}
    assert stable_ids(previous, [(0, 0, _members("a", 2))], floor=0.2).ids == {0: 0}


def test_a_split_keeps_the_id_for_the_larger_part_only():
    previous = {4: (0, _members("a", 10))}
    halves = [(0, 0, {f"a{i}" for i in range(4)}), (1, 0, {f"a{i}" for i in range(4, 10)})]
    ren = stable_ids(previous, halves)
    assert ren.ids == {1: 4, 0: 5}


def test_ties_are_broken_deterministically():
    previous = {0: (0, {"x", "y"}), 1: (0, {"z", "w"})}
    new = [(0, 0, {"x", "z"}), (1, 0, {"y", "w"})]  # every pair Jaccard 1/3
    first = stable_ids(previous, new)
    assert first == stable_ids(dict(reversed(previous.items())), new)
    assert first.ids == {0: 0, 1: 1}


@pytest.mark.parametrize("kwargs", [{"floor": 0}, {"floor": 1.5}, {"floor": True}, {"next_id": -1}])
def test_bad_parameters_are_named(kwargs):
    with pytest.raises(InvalidParameter, match=next(iter(kwargs))):
        stable_ids({}, [], **kwargs)


def test_duplicate_new_ids_are_refused():
    with pytest.raises(InvalidParameter, match="twice"):
        stable_ids({}, [(0, 0, {"a"}), (0, 0, {"b"})])


def test_renumber_rewrites_papers_and_parents():
    result = AnalysisResult(
        (
            Community(0, 2, "a", ("a",), 0.1),
            Community(1, 1, "b", ("b",), 0.1),
            Community(2, 2, "a1", ("a1",), 0.2, level=1, parent=0),
        ),
        (
            PaperScores("p1", 0, 1.0, 0.1, 0.0, 0.0, subcommunity=2),
            PaperScores("p2", 0, 1.0, 0.1, 0.0, 0.0, subcommunity=2),
            PaperScores("p3", 1, 1.0, 0.1, 0.0, 0.0),
        ),
        0.1,
    )
    previous = previous_communities([("p1", 5, 8), ("p2", 5, 8), ("p9", 6, None)])
    assert previous == {5: (0, {"p1", "p2"}), 8: (1, {"p1", "p2"}), 6: (0, {"p9"})}
    out, ren = renumber(result, previous, next_id=3)
    assert [(c.id, c.level, c.parent) for c in out.communities] == [(5, 0, None), (9, 0, None), (8, 1, 5)]
    assert [(s.community, s.subcommunity) for s in out.scores] == [(5, 8), (5, 8), (9, None)]
    assert out.params["stable_ids"] == {"floor": 0.3, "previous": 3, "matched": 2, "new": 1, "next_id": 10}


# -- over a store (both stores) -----------------------------------------------------------------


def _ids(store) -> tuple:
    comms = [(c.id, c.level, c.parent, c.size, c.label) for c in store.communities()]
    return comms, store.memberships()


def test_seeds_analyzed_twice_keep_identical_ids(store):
    papers, _, _ = read_inputs(sorted(SEEDS.glob("*.txt")))
    store.upsert_papers(papers)
    build(store)
    analyze(store)
    first = _ids(store)
    topics = [c for c in first[0] if c[1] == 0]
    assert [c[0] for c in topics] == list(range(len(topics)))  # today's numbering on a first run
    analyze(store)
    assert _ids(store) == first
    assert store.runs(limit=1)[0].params["stable_ids"]["new"] == 0


def test_adding_20_papers_keeps_most_ids_and_never_reuses_one(store):
    papers, _, _ = read_inputs(sorted(SEEDS.glob("*.txt")))
    papers = sorted(papers, key=lambda p: p.id)
    later = papers[::len(papers) // 20][:20]
    later_ids = {p.id for p in later}
    store.upsert_papers([p for p in papers if p.id not in later_ids])
    build(store)
    analyze(store)
    before_comms, before = _ids(store)
    high = store.runs(limit=1)[0].params["stable_ids"]["next_id"]
    store.upsert_papers(later)
    build(store)
    analyze(store)
    after_comms, after = _ids(store)

    info = store.runs(limit=1)[0].params["stable_ids"]
    old_topics = {c[0] for c in before_comms if c[1] == 0}
    new_topics = {c[0] for c in after_comms if c[1] == 0}
    kept = len(old_topics & new_topics) / len(old_topics)
    assert kept >= 0.8, (kept, before_comms, after_comms)
    before_ids = {c[0] for c in before_comms}
    for cid, level, parent, _size, _label in after_comms:
        assert cid in before_ids or cid >= high  # a fresh id never reuses an old one
        if level == 1:
            assert parent in new_topics
    assert info["matched"] + info["new"] == len(after_comms)
    # Earlier papers keep their topic id as often as the best one-to-one matching of
    # old to new topics allows (the partition itself moves: 20 papers are 5% of the seeds).
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    old = {pid: c for pid, c, _ in before}
    new = {pid: c for pid, c, _ in after}
    same = sum(1 for pid, c in new.items() if pid in old and old[pid] == c)
    olds, news = sorted(set(old.values())), sorted(set(new.values()))
    overlap = np.zeros((len(olds), len(news)))
    for pid, c in old.items():
        if pid in new:
            overlap[olds.index(c), news.index(new[pid])] += 1
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    assert same >= overlap[rows, cols].sum()
    assert same / len(old) >= 0.6


@pytest.mark.parametrize(("engine", "method"), [("networkx", "louvain"), ("igraph", "louvain"), ("igraph", "leiden")])
def test_both_engines_keep_ids_on_a_rerun_and_log_no_change(store, engine, method):
    """The matching and the changelog (issue 25) on each analysis engine: a rerun
    over the same graph keeps every id and records every community as unchanged."""
    from graph.analysis import AnalyzeParams

    papers, _, _ = read_inputs(sorted(SEEDS.glob("*.txt")))
    store.upsert_papers(papers)
    build(store)
    params = AnalyzeParams(engine=engine, method=method)
    analyze(store, params)
    first = _ids(store)
    analyze(store, params)
    assert _ids(store) == first
    changes = store.runs(limit=1)[0].params["changes"]
    assert changes and {c["kind"] for c in changes} == {"same"}
    assert len(changes) == len(first[0])
