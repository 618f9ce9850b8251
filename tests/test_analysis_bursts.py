"""Kleinberg's two-state burst automaton and the timeline over years (issue 25 item 3)."""

from __future__ import annotations

import math

import pytest

from graph.analysis.bursts import Burst, burst_states, bursts
from graph.analysis.timeline import emerging, series, series_of_counts, years_of
from graph.errors import InvalidParameter


def test_hand_computed_burst():
    # d = 10 per year, r = 1, 1, 8: p0 = 10/30, p1 = 2 * p0 = 2/3. Per year
    # sigma0 - sigma1 = (2r - d) ln 2: -8 ln2, -8 ln2, +6 ln2. Entering the burst
    # costs gamma * ln 3 = 1.0986 < 6 ln2 = 4.1589: a burst in the third year only.
    assert burst_states([10, 10, 10], [1, 1, 8]) == [0, 0, 1]
    [b] = bursts([10, 10, 10], [1, 1, 8])
    assert (b.start, b.end) == (2, 2)
    assert b.strength == pytest.approx(6 * math.log(2))
    # gamma = 4: entering costs 4 ln 3 = 4.394 > 4.159, so no burst.
    assert bursts([10, 10, 10], [1, 1, 8], gamma=4) == []
    # gamma = 3.7: 4.065 < 4.159, a burst again.
    assert bursts([10, 10, 10], [1, 1, 8], gamma=3.7) == [Burst(2, 2, pytest.approx(6 * math.log(2)))]


def test_a_burst_spans_consecutive_years_and_ends():
    d = [20] * 6
    r = [1, 1, 12, 14, 1, 1]
    assert burst_states(d, r) == [0, 0, 1, 1, 0, 0]
    [b] = bursts(d, r)
    assert (b.start, b.end) == (2, 3) and b.strength > 0


@pytest.mark.parametrize("d,r", [([5, 5], [0, 0]), ([5, 5], [5, 5]), ([], []), ([0, 0, 4], [0, 0, 2])])
def test_nothing_to_burst(d, r):
    if sum(r) in (0, sum(d)):
        assert bursts(d, r) == []
    else:  # empty years cost nothing either way
        assert burst_states(d, r)[:2] == [0, 0]


@pytest.mark.parametrize("kwargs,name", [
    ({"s": 1}, "'s'"), ({"s": True}, "'s'"), ({"gamma": -1}, "gamma"), ({"gamma": math.inf}, "gamma")])
def test_bad_parameters_are_named(kwargs, name):
    with pytest.raises(InvalidParameter, match=name):
        bursts([1, 2], [0, 1], **kwargs)


@pytest.mark.parametrize("d,r", [([1, 2], [0]), ([1, 2], [2, 1]), ([1, 2], [-1, 0])])
def test_bad_counts_are_named(d, r):
    with pytest.raises(InvalidParameter, match="'r'"):
        bursts(d, r)


def test_years_fill_gaps_but_not_a_stray_year():
    assert years_of([None]) == []
    assert years_of([1999, 2002]) == [1999, 2000, 2001, 2002]
    assert years_of([1066, 2001, 2002]) == [1066, 2001, 2002]


def test_series_counts_undated_apart_and_emerging_ranks_bursts_then_growth():
    year = {f"o{i}": 2000 + i % 4 for i in range(80)}           # 20 a year, 2000-2003
    year |= {f"b{i}": 2003 for i in range(15)}                   # a topic bursting in 2003
    year |= {f"g{i}": 2002 + (i >= 3) for i in range(8)}         # 3 in 2002 -> 5 in 2003
    year |= {"u1": None, "u2": None}
    groups = {"burst": [f"b{i}" for i in range(15)] + ["u1"], "grow": [f"g{i}" for i in range(8)] + ["u2"],
              "flat": [f"o{i}" for i in range(0, 80, 4)], "ghost": ["nope"]}
    years, out = series(year, groups)
    assert years == [2000, 2001, 2002, 2003]
    assert out["burst"]["counts"] == [0, 0, 0, 15] and out["burst"]["undated"] == 1
    assert out["grow"]["counts"] == [0, 0, 3, 5] and out["grow"]["growth"][3] == 0.6667
    assert out["ghost"]["counts"] == [0, 0, 0, 0]
    assert [b["start"] for b in out["burst"]["bursts"]] == [2003]
    ranked = emerging(years, out, 2003)
    assert [k for k, _ in ranked][:1] == ["burst"]
    assert ranked[0][1]["burst"]["end"] == 2003
    assert emerging(years, out, 1990) == []
    with pytest.raises(InvalidParameter, match="year"):
        emerging(years, out, "2003")


def test_series_of_counts_is_series_from_counted_years():
    """The timeline's keyword series come from a store's (keyword, year, papers)
    aggregate: the same answer as counting the papers' ids."""
    year = {f"p{i}": (None if i % 7 == 0 else 1990 + i % 5) for i in range(60)}
    groups = {"a": [f"p{i}" for i in range(0, 60, 2)], "b": [f"p{i}" for i in range(40, 60)], "c": []}
    counted = {}
    for key, ids in groups.items():
        counted[key] = {}
        for pid in ids:
            counted[key][year[pid]] = counted[key].get(year[pid], 0) + 1
    assert series_of_counts(year, counted) == series(year, groups)
    with pytest.raises(ValueError, match="group 'x' counts papers in 1980"):
        series_of_counts(year, {"x": {1980: 1}})
