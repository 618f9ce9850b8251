"""Analysis at scale (issue 26 item 4): communities, subtopics, PageRank,
betweenness and layout of ``citegraph analyze`` over an edge list of N papers,
on one machine, with time and peak memory per size.

The graph is synthetic and seeded: N papers in planted topics (about 500
papers each), ``--degree`` undirected edges per paper on average, 80% inside
the paper's topic; weights uniform in [0.2, 1) as SIMILAR_TO scores are. It is
handed to :func:`graph.analysis.steps.analyze_graph` as the flat arrays of an
:class:`~graph.analysis.projection.AnalysisTable` (what ``citegraph run``'s
spawned analysis gets), so what is measured is the analysis, not a build.
Each size runs in a fresh process (peak RSS is that process's own).

    python bench/analysis_scale.py --sizes 100000 300000 1000000
    python bench/analysis_scale.py --sizes 30000 --degree 20 --json /tmp/a.json

Prints one row per size: edges, CPU s (user + sys of the analysis call), wall
s, RSS before the call and peak RSS (MB), the topics and subtopics found, and
the bytes of peak RSS per edge; then the fitted growth exponents of CPU and
peak RSS in N when there are two sizes or more.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def synthetic_table(n: int, degree: int, seed: int):
    """The AnalysisTable of a seeded planted-topic graph of ``n`` papers."""
    from graph.analysis.projection import AnalysisTable

    rng = np.random.default_rng(seed)
    topics = max(1, n // 500)
    topic = rng.integers(0, topics, size=n)
    order = np.argsort(topic, kind="stable")
    starts = np.searchsorted(topic[order], np.arange(topics + 1))
    m = n * degree // 2
    src = rng.integers(0, n, size=m)
    inside = rng.random(m) < 0.8
    t = topic[src]
    lo, hi = starts[t], starts[t + 1]
    dst_inside = order[lo + (rng.random(m) * (hi - lo)).astype(np.int64)]
    dst = np.where(inside, dst_inside, rng.integers(0, n, size=m))
    keep = src != dst
    src, dst = src[keep], dst[keep]
    weight = rng.uniform(0.2, 1.0, size=len(src))
    nodes = tuple(f"p{i:07d}" for i in range(n))
    kinds = {"similar": (src.astype(np.int32), dst.astype(np.int32), weight)}
    return AnalysisTable(nodes=nodes, edges=("similar",), kinds=kinds)


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def one(n: int, degree: int, seed: int) -> dict:
    from graph.analysis.steps import AnalyzeParams, analyze_graph

    table = synthetic_table(n, degree, seed)
    edges = len(table.kinds["similar"][0])
    rss_before = _rss_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    t0 = time.perf_counter()
    result = analyze_graph(None, None, params=AnalyzeParams(edges=("similar",)), parallel=False, table=table)
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu0
    peak = usage.ru_maxrss / 1024
    levels = [c.level for c in result.communities]
    return {"papers": n, "edges": edges, "cpu_s": round(cpu, 1), "wall_s": round(wall, 1),
            "rss_before_mb": round(rss_before), "peak_rss_mb": round(peak),
            "topics": levels.count(0), "subtopics": levels.count(1),
            "bytes_per_edge": round(peak * 2**20 / edges), "cpu_steps": result.params.get("cpu_seconds")}


def _fit(xs: list[float], ys: list[float]) -> float:
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    ap.add_argument("--degree", type=int, default=40, help="edges per paper, counted at both ends (default 40)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="also write the rows here")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.degree, args.seed)))
        return 0
    rows = []
    print(f"{'papers':>9} {'edges':>11} {'CPU s':>8} {'wall s':>8} {'RSS before MB':>14} {'peak RSS MB':>12} "
          f"{'topics':>7} {'subtopics':>9} {'B/edge':>7}  load avg", flush=True)
    for n in args.sizes:
        load = open("/proc/loadavg").read().split()[0]
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--degree", str(args.degree),
                              "--seed", str(args.seed)], check=True, capture_output=True, text=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row["load_at_start"] = float(load)
        rows.append(row)
        print(f"{row['papers']:>9,} {row['edges']:>11,} {row['cpu_s']:>8} {row['wall_s']:>8} "
              f"{row['rss_before_mb']:>14,} {row['peak_rss_mb']:>12,} {row['topics']:>7} {row['subtopics']:>9} "
              f"{row['bytes_per_edge']:>7}  {load}", flush=True)
    if len(rows) >= 2:
        ns = [r["papers"] for r in rows]
        print(f"growth in N: CPU N^{_fit(ns, [r['cpu_s'] for r in rows]):.2f}, "
              f"peak RSS N^{_fit(ns, [r['peak_rss_mb'] for r in rows]):.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
