"""Warm start against cold on a small corpus: papers held back, then added (issue 25).

Every ``--every``-th paper (by id) is held back; the rest are built and
analyzed; then all papers are built and analyzed twice from that first
analysis, warm-started (:mod:`graph.analysis.warm`, the default) and cold
(``analyze --cold``). Printed: the share of the earlier papers whose topic
(level 0) and subtopic (level 1) id is unchanged after the stable-id matching,
the modularity (resolution 1), what the warm start compared, and the analysis
seconds (wall, CPU). Then the first graph analyzed again from its own analysis
(same input twice): identical ids expected.

Usage::

    python bench/warm_start.py citeseer|seeds [--every 10 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.analysis import AnalyzeParams, analyze_graph  # noqa: E402
from graph.analysis.stable_ids import previous_communities, renumber  # noqa: E402
from graph.edges import BuildParams, build_derived  # noqa: E402
from graph.jobs import read_inputs  # noqa: E402
from graph.stores.base import index_references  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CITESEER = ROOT.parent / "shared" / "data" / "citeseer"


def load(corpus: str):
    if corpus == "citeseer":
        papers, _, _ = read_inputs([CITESEER / "papers.jsonl"], citations=[CITESEER / "citations.csv"])
    else:
        papers, _, _ = read_inputs(sorted((ROOT / "graph" / "sample").glob("*.txt")))
    papers = sorted(papers, key=lambda p: p.id)
    index = index_references((p.id, p.doi, p.arxiv_id, p.extra.get("source_id")) for p in papers)
    return papers, index


def analyze(papers, index, previous=None, *, warm: bool = True):
    ids = {p.id for p in papers}
    derived = build_derived(papers, {k: v for k, v in index.items() if v in ids}, BuildParams())
    t0, c0 = time.perf_counter(), time.process_time()
    result = analyze_graph(derived, sorted(ids), params=AnalyzeParams(warm=warm, layout=False), previous=previous)
    return result, time.perf_counter() - t0, time.process_time() - c0


def members(result) -> dict:
    return previous_communities((s.paper_id, s.community, s.subcommunity) for s in result.scores)


def kept(before: dict, after: dict, level: int) -> float:
    old = {m: c for c, (lv, ms) in before.items() if lv == level for m in ms}
    new = {m: c for c, (lv, ms) in after.items() if lv == level for m in ms}
    return sum(new.get(m) == c for m, c in old.items()) / len(old)


def main(argv: list[str]) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", choices=("citeseer", "seeds"))
    ap.add_argument("--every", type=int, nargs="+", default=[10, 20])
    args = ap.parse_args(argv)
    papers, index = load(args.corpus)
    rows = []
    for every in args.every:
        later = {p.id for p in papers[::every]}
        earlier = [p for p in papers if p.id not in later]
        first, _, _ = analyze(earlier, index)
        before = members(first)
        next_id = renumber(first, {})[1].next_id
        for mode in ("warm", "cold"):
            raw, sec, cpu = analyze(papers, index, before, warm=mode == "warm")
            after = members(renumber(raw, before, next_id=next_id)[0])
            row = {"corpus": args.corpus, "held_back": len(later), "mode": mode, "kept0": kept(before, after, 0),
                   "kept1": kept(before, after, 1), "modularity": raw.params["modularity"],
                   "resolution_used": raw.params["resolution_used"], "seconds": round(sec, 2),
                   "cpu_seconds": round(cpu, 2), "warm_start": raw.params["warm_start"]}
            rows.append(row)
            print(f"{args.corpus} 1/{every} held back ({len(later)}): {mode}: kept topics {row['kept0']:.1%}, "
                  f"subtopics {row['kept1']:.1%}, modularity {row['modularity']:.4f}, "
                  f"{sec:.1f} s ({cpu:.1f} s CPU)", flush=True)
            if row["warm_start"]:
                print("  warm_start: " + json.dumps(row["warm_start"]))
        again, _, _ = analyze(earlier, index, before)
        same = members(renumber(again, before)[0]) == before
        print(f"  same input twice, identical ids: {same}")
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
