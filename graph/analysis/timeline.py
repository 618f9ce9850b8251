"""Topics and keywords over time: papers per year, growth, bursts, emerging.

:func:`series` counts, for each group of papers (a community's members, a
keyword's papers), its papers per year over the corpus's years, the growth
from each year to the next and its bursts (:mod:`graph.analysis.bursts`,
relevant = the group's papers among all dated papers of the year). Papers
without a year are counted apart (``undated``), never placed in a year.
:func:`emerging` ranks groups at one year: bursting ones by strength, then
the others by growth. Pure: data in, data out.
"""

from __future__ import annotations

from typing import Any, Collection, Iterable, Mapping

from graph.analysis.bursts import GAMMA, S, bursts
from graph.errors import param_error

__all__ = ["MAX_SPAN", "MIN_RECENT", "years_of", "series", "series_of_counts", "emerging"]

#: Widest span of years filled year by year; past it only the years with papers
#: are batches (one paper dated 1066 must not make 900 empty batches).
MAX_SPAN = 200
#: Papers a group needs in the year (and the one before) to rank by growth in
#: :func:`emerging`: 1 -> 3 papers is not a trend.
MIN_RECENT = 3


def years_of(dated: Iterable[int | None]) -> list[int]:
    """The batches: every year from the first to the last, or only the years
    present when they span more than :data:`MAX_SPAN`.

    >>> years_of([2001, None, 1999, 2001])
    [1999, 2000, 2001]
    """
    present = sorted({y for y in dated if y is not None})
    if not present:
        return []
    if present[-1] - present[0] + 1 > MAX_SPAN:
        return present
    return list(range(present[0], present[-1] + 1))


def series(
    year: Mapping[str, int | None],
    groups: Mapping[Any, Collection[str]],
    *,
    s: float = S,
    gamma: float = GAMMA,
) -> tuple[list[int], dict[Any, dict[str, Any]]]:
    """Per group: papers per year, growth per year, bursts.

    Parameters
    ----------
    year : mapping
        Paper id -> year or None (every paper of the corpus).
    groups : mapping
        Group key -> its paper ids (ids not in ``year`` are ignored).
    s, gamma : float
        The burst automaton's parameters.

    Returns
    -------
    years : list of int
    per_group : dict
        Key -> ``{"counts": [...], "undated": int, "growth": [...],
        "bursts": [{"start", "end", "strength"}]}``; ``counts`` and ``growth``
        are aligned with ``years``; growth at a year is the change from the year
        before over that year's count (at least 1), None for the first year.

    >>> ys, out = series({"a": 2000, "b": 2001, "c": 2001, "d": None}, {"t": ["b", "c", "d"]})
    >>> ys, out["t"]["counts"], out["t"]["undated"], out["t"]["growth"]
    ([2000, 2001], [0, 2], 1, [None, 2.0])
    """
    years = years_of(year.values())
    index = {y: i for i, y in enumerate(years)}
    counted: dict[Any, dict[int | None, int]] = {}
    for key, members in groups.items():
        per: dict[int | None, int] = {}
        for pid in members:
            if pid in year:
                per[year[pid]] = per.get(year[pid], 0) + 1
        counted[key] = per
    return years, _series(years, _totals(year.values(), index), counted, s=s, gamma=gamma)


def series_of_counts(
    year: Mapping[str, int | None],
    counts: Mapping[Any, Mapping[int | None, int]],
    *,
    s: float = S,
    gamma: float = GAMMA,
) -> tuple[list[int], dict[Any, dict[str, Any]]]:
    """:func:`series` from each group's papers per year already counted (a
    store's aggregate read) instead of its paper ids.

    Parameters
    ----------
    year : mapping
        Paper id -> year or None (every paper: the years and each year's total).
    counts : mapping
        Group key -> {year or None (undated): papers}; a year outside the
        corpus's years raises ValueError.

    >>> ys, out = series_of_counts({"a": 2000, "b": 2001, "c": 2001, "d": None}, {"t": {2001: 2, None: 1}})
    >>> ys, out["t"]["counts"], out["t"]["undated"], out["t"]["growth"]
    ([2000, 2001], [0, 2], 1, [None, 2.0])
    """
    years = years_of(year.values())
    index = {y: i for i, y in enumerate(years)}
    for key, per in counts.items():
        for y in per:
            if y is not None and y not in index:
                raise ValueError(f"series_of_counts: group {key!r} counts papers in {y}, "
                                 "a year no paper of the corpus has.")
    return years, _series(years, _totals(year.values(), index), counts, s=s, gamma=gamma)


def _totals(dated: Iterable[int | None], index: Mapping[int, int]) -> list[int]:
    totals = [0] * len(index)
    for y in dated:
        if y is not None:
            totals[index[y]] += 1
    return totals


def _series(years: list[int], totals: list[int], counted: Mapping[Any, Mapping[int | None, int]], *,
            s: float, gamma: float) -> dict[Any, dict[str, Any]]:
    index = {y: i for i, y in enumerate(years)}
    out: dict[Any, dict[str, Any]] = {}
    for key, per in counted.items():
        counts = [0] * len(years)
        undated = 0
        for y, n in per.items():
            if y is None:
                undated += n
            else:
                counts[index[y]] += n
        growth: list[float | None] = [None] + [
            round((counts[i] - counts[i - 1]) / max(counts[i - 1], 1), 4) for i in range(1, len(years))]
        found = bursts(totals, counts, s=s, gamma=gamma)
        out[key] = {
            "counts": counts,
            "undated": undated,
            "growth": growth,
            "bursts": [{"start": years[b.start], "end": years[b.end], "strength": round(b.strength, 4)}
                       for b in found],
        }
    return out


def emerging(years: list[int], per_group: Mapping[Any, Mapping[str, Any]], at: int) -> list[tuple[Any, dict]]:
    """Groups emerging at year ``at``, most emerging first, with their evidence.

    First the groups in a burst that covers ``at`` (strongest first), then the
    groups growing into ``at`` with at least :data:`MIN_RECENT` papers that
    year (fastest first). Each answer carries ``reason`` ("burst" or
    "growth"), ``burst`` (the covering burst or None) and ``growth`` at ``at``.

    >>> ys, out = series({str(i): 2000 + i % 3 for i in range(30)} | {"x1": 2002, "x2": 2002, "x3": 2002,
    ...                  "x4": 2002, "x5": 2002, "x6": 2002}, {"x": ["x1", "x2", "x3", "x4", "x5", "x6"]})
    >>> [(k, e["reason"]) for k, e in emerging(ys, out, 2002)]
    [('x', 'burst')]
    """
    if not isinstance(at, int) or isinstance(at, bool):
        raise param_error("year", "emerging", "an int", at)
    if at not in years:
        return []
    i = years.index(at)
    bursting: list[tuple[float, Any, dict]] = []
    growing: list[tuple[float, Any, dict]] = []
    for key, info in per_group.items():
        burst = next((b for b in info["bursts"] if b["start"] <= at <= b["end"]), None)
        growth = info["growth"][i]
        evidence = {"reason": "burst" if burst else "growth", "burst": burst, "growth": growth}
        if burst is not None:
            bursting.append((-burst["strength"], key, evidence))
        elif growth is not None and growth > 0 and info["counts"][i] >= MIN_RECENT:
            growing.append((-growth, key, evidence))
    bursting.sort(key=lambda t: (t[0], str(t[1])))
    growing.sort(key=lambda t: (t[0], str(t[1])))
    return [(key, ev) for _, key, ev in bursting + growing]
