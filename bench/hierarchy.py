"""Subtopics: a Leiden run per topic vs the finer levels of the resolution walk (issue 20).

For a store built by ``citegraph run`` (the topics are the default analysis'),
each way of making subtopics is scored per topic of at least 30 papers:

- ``q_in_topic``: modularity of the topic's split on the topic's own subgraph
  (how well the subtopics separate inside their topic), mean weighted by topic size;
- ``subtopics``: how many, and the median / largest share of its topic;
- ``tiny``: share of papers in subtopics of fewer than 5 papers;
- ``seconds``: wall time of the split.

Ways: ``nested`` (:func:`graph.analysis.hierarchy.subtopics`, the one ``analyze``
uses), ``walk r=X`` (the walk's Leiden partition at resolution X over all
papers, best of 3 seeds, cut by the topics: X = 1, the walk's finest level,
and the level just finer than the one kept).

Usage::

    python bench/hierarchy.py /tmp/hier/citeseer.db [/tmp/hier/hepth.db ...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.analysis import AnalyzeParams, analyze_graph  # noqa: E402
from graph.analysis.communities import detect_igraph, modularity_arrays, renumber_membership  # noqa: E402
from graph.analysis.engine import igraph_from_table  # noqa: E402
from graph.analysis.hierarchy import SUBTOPIC_MIN_PAPERS, subtopics  # noqa: E402
from graph.analysis.projection import edge_table  # noqa: E402
from graph.analysis.resolution import AUTO_GRID  # noqa: E402
from graph.stores.sqlite import SQLiteStore  # noqa: E402


def load(db: Path):
    if not db.is_file():
        raise SystemExit(f"hierarchy: {db}: no such file (a store built by `citegraph run`)")
    store = SQLiteStore(db)
    store.open()
    try:
        derived = store.load_derived()
        ids = [p.id for p in store.iter_papers()]
    finally:
        store.close()
    return derived, ids


def score(table, topic: np.ndarray, sub: np.ndarray) -> dict:
    """Per-topic modularity of ``sub`` inside each topic of >= 30 papers, weighted by size."""
    src, dst, w = table.src, table.dst, table.weight
    inner = topic[src] == topic[dst]
    qs, sizes, counts, shares, tiny, total = [], [], [], [], 0, 0
    for t in range(int(topic.max()) + 1):
        grp = np.flatnonzero(topic == t)
        if len(grp) < SUBTOPIC_MIN_PAPERS:
            continue
        local = np.full(len(topic), -1)
        local[grp] = np.arange(len(grp))
        pick = inner & (topic[src] == t)
        s = sub[grp]
        s = renumber_membership(np.where(s >= 0, s, -1))  # no subtopics: the topic is one piece
        q = modularity_arrays(len(grp), local[src[pick]], local[dst[pick]], w[pick], s)
        qs.append(q)
        sizes.append(len(grp))
        k = int(s.max()) + 1
        counts.append(k)
        piece = np.bincount(s)
        shares.append(piece.max() / len(grp))
        tiny += int(piece[piece < 5].sum())
        total += len(grp)
    sizes_a = np.array(sizes, dtype=float)
    return {
        "topics": len(sizes),
        "q_in_topic": float(np.sum(np.array(qs) * sizes_a) / sizes_a.sum()),
        "subtopics": int(sum(c for c in counts if c > 1)),
        "median_per_topic": float(np.median(counts)),
        "largest_share": float(np.sum(np.array(shares) * sizes_a) / sizes_a.sum()),
        "tiny": tiny / total,
    }


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    print("| corpus | way | topics >= 30 | subtopics | per topic (median) | q_in_topic | largest share | tiny "
          "| seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for db in map(Path, argv):
        derived, ids = load(db)
        result = analyze_graph(derived, ids, params=AnalyzeParams(layout=False, betweenness_exact_max=0, betweenness_k=1))
        table = edge_table(derived, ids, edges=AnalyzeParams().edges, weights=AnalyzeParams().weights, where="bench")
        index = {node: i for i, node in enumerate(table.nodes)}
        topic = np.zeros(len(table.nodes), dtype=np.int64)
        for s in result.scores:
            topic[index[s.paper_id]] = s.community
        used = result.params["resolution_used"]
        finer = [r for r in AUTO_GRID if r > used]
        ways = {}
        t = time.perf_counter()
        found = subtopics(len(table.nodes), table.src, table.dst, table.weight, topic, seed=42)
        ways["nested (Leiden per topic)"] = (found.member, time.perf_counter() - t)
        view = igraph_from_table(table)
        for res in sorted({1.0, *(finer[-1:] or [])}, reverse=True):
            t = time.perf_counter()
            best, best_q = None, -np.inf
            for seed in (42, 43, 44):
                parts = detect_igraph(view, method="leiden", resolution=res, seed=seed)
                member = np.zeros(len(table.nodes), dtype=np.int64)
                for cid, part in enumerate(parts):
                    member[[index[p] for p in part]] = cid
                q = modularity_arrays(len(member), table.src, table.dst, table.weight, member, resolution=res)
                if q > best_q:
                    best, best_q = member, q
            # Cut by the topics: a piece is (topic, walk community).
            ways[f"walk r={res:g} (topics at {used:g})"] = (best * (int(topic.max()) + 1) + topic,
                                                             time.perf_counter() - t)
        for way, (sub, secs) in ways.items():
            sc = score(table, topic, sub)
            print(f"| {db.stem} | {way} | {sc['topics']} | {sc['subtopics']} | {sc['median_per_topic']:g} | "
                  f"{sc['q_in_topic']:.3f} | {sc['largest_share']:.2f} | {sc['tiny']:.3f} | {secs:.2f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
