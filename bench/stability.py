"""Stability of community ids as a corpus grows (issue 25 item 6).

From a store holding hepth (``citegraph run`` of papers + citations), in memory:

1. **2002 -> 2003.** The papers up to 2002 are built and analyzed, then the 2003
   papers are added, the graph rebuilt and analyzed again. For the papers
   present before, the share whose level-0 (topic) and level-1 (subtopic)
   community id is unchanged, with three ways of numbering the second analysis:
   ``stable`` (:mod:`graph.analysis.stable_ids`, what ``analyze`` does),
   ``none`` (today's numbering by size, no matching) and ``oracle`` (the
   one-to-one matching of old to new communities that keeps the most papers'
   ids, by the Hungarian method on the overlap counts: an upper bound for any
   one-to-one matching). The second analysis runs twice on the same build:
   ``warm`` (started from the first one's communities,
   :mod:`graph.analysis.warm`, what ``analyze`` does) and ``cold``
   (``analyze --cold``, and the code before the warm start); their modularity
   and analysis time are printed. The changelog of the warm one is
   summarized, and every community that changed id is checked to be explained by it.
2. **Replay 1995 -> 2003.** Papers up to 1995, then each next year added; each
   step rebuilt, analyzed (warm-started from the step before; ``--cold``:
   not), renumbered; its changelog summarized.

Papers without a year take part in neither (counted apart). Each step is what
``citegraph build`` then ``citegraph analyze`` compute (same functions, same
parameters), without the store writes.

Usage::

    CITEGRAPH_STORE=embedded CITEGRAPH_DB=/tmp/time-hepth.db citegraph run \\
        /work/shared/data/hepth/papers.jsonl.gz --citations /work/shared/data/hepth/citations.csv.gz
    python bench/stability.py /tmp/time-hepth.db [--replay-from 1995] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.analysis import AnalyzeParams  # noqa: E402
from graph.analysis import analyze_graph as run_analysis  # noqa: E402
from graph.analysis.changelog import changelog, summarize, summary_line  # noqa: E402
from graph.analysis.stable_ids import previous_communities, renumber  # noqa: E402
from graph.edges import BuildParams, build_derived  # noqa: E402
from graph.stores.sqlite import SQLiteStore  # noqa: E402


def load(db: Path):
    if not db.is_file():
        raise SystemExit(f"stability: {db}: no such file (a store built by `citegraph run` of hepth)")
    store = SQLiteStore(db)
    store.open()
    try:
        return list(store.iter_papers()), store.reference_index()
    finally:
        store.close()


def build_upto(papers, index, last_year: int):
    """The derived graph of the papers dated up to ``last_year``, their ids, build seconds."""
    subset = [p for p in papers if p.year is not None and p.year <= last_year]
    ids = {p.id for p in subset}
    sub_index = {k: v for k, v in index.items() if v in ids}
    t0 = time.perf_counter()
    derived = build_derived(subset, sub_index, BuildParams(), parallel=True)
    return derived, sorted(ids), time.perf_counter() - t0


def analyze_built(built, previous: dict | None = None, *, warm: bool = True, layout: bool = True):
    """Raw analysis (today's numbering) of ``built``; warm-started from
    ``previous`` (stable ids) when ``warm``. Returns (result, seconds, cpu seconds)."""
    derived, ids, _ = built
    t0, c0 = time.perf_counter(), time.process_time()
    result = run_analysis(derived, ids, params=AnalyzeParams(warm=warm, layout=layout), parallel=True,
                          previous=previous)
    return result, time.perf_counter() - t0, time.process_time() - c0


def analyze_upto(papers, index, last_year: int, previous: dict | None = None, *, warm: bool = True):
    """Raw analysis of the papers dated up to ``last_year`` (build + analyze seconds)."""
    built = build_upto(papers, index, last_year)
    result, seconds, _ = analyze_built(built, previous, warm=warm)
    return result, built[2] + seconds


def members(result) -> dict[int, tuple[int, set[str]]]:
    return previous_communities((s.paper_id, s.community, s.subcommunity) for s in result.scores)


def kept_share(before: dict, after: dict, level: int, mapping=None) -> float:
    """Share of the papers in a level-``level`` community before whose id (after
    ``mapping`` old -> new id, identity by default) is the same after."""
    old = {m: cid for cid, (lv, ms) in before.items() if lv == level for m in ms}
    new = {m: cid for cid, (lv, ms) in after.items() if lv == level for m in ms}
    if not old:
        return float("nan")
    same = sum(1 for m, cid in old.items() if new.get(m) == (mapping.get(cid) if mapping else cid))
    return same / len(old)


def oracle(before: dict, after: dict, level: int) -> dict[int, int]:
    """Old id -> new id maximizing the papers kept (one-to-one)."""
    olds = sorted(c for c, (lv, _) in before.items() if lv == level)
    news = sorted(c for c, (lv, _) in after.items() if lv == level)
    owner = {m: j for j, c in enumerate(news) for m in after[c][1]}
    overlap = np.zeros((len(olds), len(news)))
    for i, c in enumerate(olds):
        for m in before[c][1]:
            j = owner.get(m)
            if j is not None:
                overlap[i, j] += 1
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    return {olds[i]: news[j] for i, j in zip(rows, cols) if overlap[i, j] > 0}


def step(papers, index, year: int, previous: dict, next_id: int, *, warm: bool = True):
    raw, seconds = analyze_upto(papers, index, year, previous, warm=warm)
    return _numbered(raw, previous, next_id) + (seconds,)


def _numbered(raw, previous: dict, next_id: int):
    stable, ren = renumber(raw, previous, next_id=next_id)
    after = members(stable)
    for c in stable.communities:
        after.setdefault(c.id, (c.level, set()))
    changes = changelog(previous, after)
    return raw, stable, ren, after, changes


def explained(changes, before: dict, after: dict) -> list[int]:
    """Ids that appeared or vanished without the changelog saying from/into what
    or calling them born/died: none expected."""
    bad = []
    for c in changes:
        gone, new = c["id"] in before and c["id"] not in after, c["id"] in after and c["id"] not in before
        if gone and not (c["kind"] == "died" or c["into"]):
            bad.append(c["id"])
        if new and not (c["kind"] == "born" or c["from"]):
            bad.append(c["id"])
    return bad


def main(argv: list[str]) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--replay-from", type=int, default=1995)
    ap.add_argument("--last", type=int, default=2003)
    ap.add_argument("--no-replay", action="store_true", help="Only the last-year step.")
    ap.add_argument("--only-replay", action="store_true", help="Only the replay.")
    ap.add_argument("--replay-edges", choices=("rebuild", "stored"), default="rebuild",
                    help="rebuild: each year's graph built from its papers (what build does); stored: the "
                         "store's graph cut to the papers up to the year (no build per year; faster, approximate). "
                         "Both steps.")
    ap.add_argument("--cold", action="store_true", help="Replay without the warm start (the last-year step "
                    "always runs both).")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    papers, index = load(args.db)
    undated = sum(1 for p in papers if p.year is None)
    print(f"{len(papers):,} papers, {undated:,} without a year (left out)")
    out: dict = {"papers": len(papers), "undated": undated}

    stored = _stored(args.db) if args.replay_edges == "stored" else None
    if not args.only_replay:
        out["add_last_year"] = add_last_year(papers, index, args.last, stored=stored)
        if args.json:
            args.json.write_text(json.dumps(out, indent=1, default=list), encoding="utf-8")
    if not args.no_replay:
        out["replay"] = replay(papers, index, args.replay_from, args.last, stored=stored, warm=not args.cold)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=list), encoding="utf-8")
    return out


def add_last_year(papers, index, last: int, *, stored=None) -> dict:
    """Step 1: up to ``last - 1``, then ``last`` added; the second analysis both
    warm-started from the first (what ``analyze`` does) and cold (``--cold``),
    on the same build (``stored``: the store's derived graph cut to the papers
    of each step instead of a build, layout off)."""
    layout = stored is None
    if stored is None:
        first, s0 = analyze_upto(papers, index, last - 1)
        built = None
    else:
        first, s0, _ = analyze_built(_cut_upto(papers, stored, last - 1), layout=False)
    before = members(first)
    next_id = renumber(first, {}, next_id=0)[1].next_id
    built = build_upto(papers, index, last) if stored is None else _cut_upto(papers, stored, last)
    runs = {}
    for mode in ("warm", "cold"):
        raw, sec, cpu = analyze_built(built, before, warm=mode == "warm", layout=layout)
        runs[mode] = (raw, sec, cpu) + _numbered(raw, before, next_id)[1:]
    rows = []
    for level in (0, 1):
        row = {"level": level, "communities_before": sum(1 for lv, _ in before.values() if lv == level)}
        for mode, (raw, _sec, _cpu, _stable, _ren, after, _changes) in runs.items():
            raw_after = members(raw)
            row[mode] = {
                "communities_after": sum(1 for lv, _ in after.values() if lv == level),
                "stable": kept_share(before, after, level),
                "none": kept_share(before, raw_after, level),
                "oracle": kept_share(before, raw_after, level, oracle(before, raw_after, level)),
            }
        rows.append(row)
    print(f"\n{last - 1} -> {last}: {sum(len(m) for lv, m in before.values() if lv == 0):,} earlier papers "
          f"({s0:.0f} s; build {built[2]:.0f} s)")
    print(f"{'level':>5} {'mode':>5} {'before':>7} {'after':>7} {'stable':>8} {'none':>8} {'oracle':>8}")
    for r in rows:
        for mode in runs:
            m = r[mode]
            print(f"{r['level']:>5} {mode:>5} {r['communities_before']:>7} {m['communities_after']:>7} "
                  f"{m['stable']:>8.1%} {m['none']:>8.1%} {m['oracle']:>8.1%}")
    quality = {}
    for mode, (raw, sec, cpu, *_rest) in runs.items():
        prm = raw.params
        quality[mode] = {"modularity": prm["modularity"], "subtopic_modularity": prm["subtopic_modularity"],
                         "resolution_used": prm["resolution_used"], "seconds": round(sec, 1),
                         "cpu_seconds": round(cpu, 1), "communities_seconds": prm["seconds"]["communities"],
                         "subtopics_seconds": prm["seconds"]["subtopics"], "warm_start": prm.get("warm_start")}
        print(f"{mode}: modularity {prm['modularity']:.4f} (subtopics {prm['subtopic_modularity']:.4f}) at "
              f"resolution {prm['resolution_used']}; analyze {sec:.0f} s wall, {cpu:.0f} s CPU "
              f"(communities {prm['seconds']['communities']:.1f} s, subtopics {prm['seconds']['subtopics']:.1f} s)")
        if prm.get("warm_start"):
            print(f"  warm_start: {json.dumps(prm['warm_start'])}")
    raw, _sec, _cpu, stable, ren, after, changes = runs["warm"]
    summary = summarize(changes)
    bad = explained(changes, before, after)
    print("changes: " + summary_line(summary))
    print(f"ids changed without an explanation: {len(bad)}")
    moved = [c for c in changes if c["level"] == 0 and c["kind"] not in ("grew", "shrank", "same")]
    for c in moved:
        print(f"  topic {c['id']}: {c['kind']} {c['size_before']} -> {c['size_after']}"
              + (f" from {c['from']}" if c["from"] else "") + (f" into {c['into']}" if c["into"] else ""))
    return {"rows": rows, "quality": quality, "summary": summary, "unexplained": bad, "topic_moves": moved}


def _stored(db: Path):
    store = SQLiteStore(db)
    store.open()
    try:
        return store.load_derived()
    finally:
        store.close()


def _cut(derived, ids: set[str]):
    """``derived`` restricted to the papers ``ids`` (edges with both ends in it)."""
    from graph.models import DerivedGraph

    has = tuple(h for h in derived.has_keyword if h.paper_id in ids)
    kws = {h.keyword for h in has}
    return DerivedGraph(
        keywords=tuple(k for k in derived.keywords if k.name in kws), has_keyword=has,
        similar=tuple(e for e in derived.similar if e.source in ids and e.target in ids),
        shares_keywords=tuple(e for e in derived.shares_keywords if e.source in ids and e.target in ids),
        cites=tuple(e for e in derived.cites if e.source in ids and e.target in ids))


def _cut_upto(papers, stored, year: int):
    """As :func:`build_upto`, from the store's derived graph cut to the papers up to ``year``."""
    ids = {p.id for p in papers if p.year is not None and p.year <= year}
    return _cut(stored, ids), sorted(ids), 0.0


def _step_stored(papers, stored, year: int, previous: dict, next_id: int, *, warm: bool = True):
    ids = {p.id for p in papers if p.year is not None and p.year <= year}
    t0 = time.perf_counter()
    raw = run_analysis(_cut(stored, ids), sorted(ids), params=AnalyzeParams(layout=False, warm=warm),
                       parallel=True, previous=previous)
    seconds = time.perf_counter() - t0
    return _numbered(raw, previous, next_id) + (seconds,)


def replay(papers, index, start: int, last: int, *, stored=None, warm: bool = True) -> list[dict]:
    """Step 2: from ``start``, one year added at a time (``stored``: the store's
    derived graph cut to each year's papers instead of a build per year), each
    analysis warm-started from the step before unless not ``warm``."""
    print(f"\nreplay {start} -> {last} ({'warm' if warm else 'cold'})")
    print(f"{'year':>5} {'papers':>7} {'topics':>6} {'subtop':>6} {'kept0':>7} {'kept1':>7} {'sec':>5}  changes")
    previous: dict = {}
    next_id = 0
    rows = []
    for year in range(start, last + 1):
        if stored is not None:
            _raw, _stable, ren, cur, changes, sec = _step_stored(papers, stored, year, previous, next_id, warm=warm)
        else:
            _raw, _stable, ren, cur, changes, sec = step(papers, index, year, previous, next_id, warm=warm)
        row = {"year": year, "papers": sum(len(m) for lv, m in cur.values() if lv == 0),
               "topics": sum(1 for lv, _ in cur.values() if lv == 0),
               "subtopics": sum(1 for lv, _ in cur.values() if lv == 1),
               "kept0": kept_share(previous, cur, 0) if previous else None,
               "kept1": kept_share(previous, cur, 1) if previous else None,
               "summary": summarize(changes), "unexplained": explained(changes, previous, cur),
               "seconds": round(sec, 1)}
        rows.append(row)
        k0 = f"{row['kept0']:.1%}" if row["kept0"] is not None else "-"
        k1 = f"{row['kept1']:.1%}" if row["kept1"] is not None else "-"
        print(f"{year:>5} {row['papers']:>7,} {row['topics']:>6} {row['subtopics']:>6} {k0:>7} {k1:>7} "
              f"{sec:>5.0f}  {summary_line(row['summary'])}", flush=True)
        previous, next_id = cur, ren.next_id
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
