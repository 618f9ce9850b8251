"""Layout quality of the map (issue 20 item 6): do positions keep topics apart and subtopics together?

For a store built by ``citegraph run``, the topics and subtopics of the default
analysis are laid out by each layout, which is then scored per paper:

- ``topic@10``: share of its 10 nearest papers on the map in its topic
  (papers of topics with more than 10 papers);
- ``sub@10``: the same for its subtopic (papers that have one);
- ``sim@1%``: share of its SIMILAR_TO neighbours that lie within the 1%
  nearest papers on the map (papers with such neighbours);
- ``seconds``: wall time of the layout alone.

Scores are means over papers (at most ``--sample`` of them, seeded).

Layouts:

- ``main``: the layout of git main before issue 20 (a disc per topic, members
  inside by FR; saved as ``bench/layout_main.py``);
- ``hierarchy``: :func:`graph.analysis.layout.layout_arrays` (topics, subtopics, papers);
- ``FR``: igraph's Fruchterman-Reingold of the whole graph (grid variant,
  ``--fr-iter`` iterations), a plain force-directed layout;
- ``FA2``: NetworkX's ForceAtlas2 of the whole graph (up to ``--fa2-max`` papers).

Usage::

    python bench/layout_quality.py /tmp/hier/seeds.db /tmp/hier/citeseer.db /tmp/hier/hepth.db
        [--layouts main hierarchy FR FA2] [--dump DIR]

``--dump DIR`` writes ``DIR/<corpus>-<layout>.npz`` (x, y, topic, subtopic) for a look.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.analysis import AnalyzeParams, analyze_graph  # noqa: E402
from graph.analysis.layout import layout_arrays  # noqa: E402
from graph.analysis.projection import edge_table  # noqa: E402
from graph.stores.sqlite import SQLiteStore  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import layout_main  # noqa: E402


def load(db: Path):
    if not db.is_file():
        raise SystemExit(f"layout_quality: {db}: no such file (a store built by `citegraph run`)")
    store = SQLiteStore(db)
    store.open()
    try:
        derived = store.load_derived()
        ids = [p.id for p in store.iter_papers()]
    finally:
        store.close()
    return derived, ids


def whole_graph_fr(n: int, src, dst, weight, *, seed: int, niter: int) -> np.ndarray:
    import igraph

    from graph.analysis.engine import seeded_igraph_rng

    g = igraph.Graph(n=n, edges=np.column_stack([src, dst]).tolist())
    with seeded_igraph_rng(seed):
        return np.array(g.layout_fruchterman_reingold(weights=weight.tolist(), niter=niter, grid=n > 500).coords)


def whole_graph_fa2(nodes, src, dst, weight, *, seed: int) -> np.ndarray:
    import networkx as nx

    G = nx.Graph()
    G.add_nodes_from(range(len(nodes)))
    G.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), weight.tolist()))
    pos = nx.forceatlas2_layout(G, max_iter=100, weight="weight", seed=seed)
    return np.array([pos[i] for i in range(len(nodes))])


def scores(xy: np.ndarray, topic: np.ndarray, sub: np.ndarray, sim_src: np.ndarray, sim_dst: np.ndarray,
           *, sample: int, seed: int) -> dict:
    from scipy.spatial import cKDTree

    n = len(xy)
    rng = np.random.default_rng(seed)
    who = np.sort(rng.choice(n, size=min(n, sample), replace=False))
    # Tiny jitter: papers stacked on one point (FR leaves some) would tie.
    xy = xy + rng.normal(scale=1e-9 * (np.ptp(xy) or 1.0), size=xy.shape)
    tree = cKDTree(xy)
    _, near = tree.query(xy[who], k=min(n, 11))
    near = near[:, 1:]
    topic_size = np.bincount(topic)
    ok_t = topic_size[topic[who]] > 10
    t_share = (topic[near] == topic[who][:, None]).mean(axis=1)
    ok_s = sub[who] >= 0
    s_share = (sub[near] == sub[who][:, None]).mean(axis=1)
    # SIMILAR_TO neighbours within the 1% nearest papers.
    k1 = max(1, math.ceil(0.01 * n))
    reach, _ = tree.query(xy[who], k=min(n, k1 + 1))
    radius = np.full(n, np.nan)
    radius[who] = reach[:, -1]
    a = np.concatenate([sim_src, sim_dst])
    b = np.concatenate([sim_dst, sim_src])
    keep = ~np.isnan(radius[a])
    a, b = a[keep], b[keep]
    inside = np.linalg.norm(xy[a] - xy[b], axis=1) <= radius[a]
    per_hit = np.bincount(a, weights=inside, minlength=n)
    per_all = np.bincount(a, minlength=n)
    has = per_all > 0
    return {
        "topic@10": float(t_share[ok_t].mean()) if ok_t.any() else float("nan"),
        "sub@10": float(s_share[ok_s].mean()) if ok_s.any() else float("nan"),
        "sim@1%": float((per_hit[has] / per_all[has]).mean()) if has.any() else float("nan"),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dbs", nargs="+", type=Path)
    ap.add_argument("--layouts", nargs="+", default=["main", "hierarchy", "FR", "FA2"],
                    choices=["main", "hierarchy", "FR", "FA2"])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--sample", type=int, default=20_000)
    ap.add_argument("--fr-iter", type=int, default=300)
    ap.add_argument("--fa2-max", type=int, default=5_000)
    ap.add_argument("--dump", type=Path)
    args = ap.parse_args(argv)
    print("| corpus | papers | layout | seconds | topic@10 | sub@10 | sim@1% |")
    print("|---|---|---|---|---|---|---|")
    for db in args.dbs:
        derived, ids = load(db)
        params = AnalyzeParams(layout=False, seed=args.seed, betweenness_exact_max=0, betweenness_k=1)
        result = analyze_graph(derived, ids, params=params)
        table = edge_table(derived, ids, edges=params.edges, weights=params.weights, where="bench")
        nodes, n = table.nodes, len(table.nodes)
        index = {node: i for i, node in enumerate(nodes)}
        topic = np.zeros(n, dtype=np.int64)
        sub = np.full(n, -1, dtype=np.int64)
        n_topics = sum(1 for c in result.communities if c.level == 0)
        for s in result.scores:
            topic[index[s.paper_id]] = s.community
            if s.subcommunity is not None:
                sub[index[s.paper_id]] = s.subcommunity - n_topics
        parts = [set() for _ in range(n_topics)]
        for node, t in zip(nodes, topic.tolist()):
            parts[t].add(node)
        sim_src = np.array([index[e.source] for e in derived.similar], dtype=np.int64)
        sim_dst = np.array([index[e.target] for e in derived.similar], dtype=np.int64)
        for name in args.layouts:
            if name == "FA2" and n > args.fa2_max:
                continue
            t0 = time.perf_counter()
            if name == "main":
                pos = layout_main.layout_arrays(nodes, table.src, table.dst, table.weight, parts, seed=args.seed)
                xy = np.array([pos[node] for node in nodes])
            elif name == "hierarchy":
                pos = layout_arrays(nodes, table.src, table.dst, table.weight, parts, seed=args.seed, subtopics=sub)
                xy = np.array([pos[node] for node in nodes])
            elif name == "FR":
                xy = whole_graph_fr(n, table.src, table.dst, table.weight, seed=args.seed, niter=args.fr_iter)
            else:
                xy = whole_graph_fa2(nodes, table.src, table.dst, table.weight, seed=args.seed)
            secs = time.perf_counter() - t0
            sc = scores(xy, topic, sub, sim_src, sim_dst, sample=args.sample, seed=args.seed)
            label = f"FR ({args.fr_iter} it)" if name == "FR" else name
            print(f"| {db.stem} | {n} | {label} | {secs:.2f} | {sc['topic@10']:.3f} | {sc['sub@10']:.3f} | "
                  f"{sc['sim@1%']:.3f} |", flush=True)
            if args.dump:
                args.dump.mkdir(parents=True, exist_ok=True)
                np.savez(args.dump / f"{db.stem}-{name}.npz", x=xy[:, 0], y=xy[:, 1], topic=topic, sub=sub)


if __name__ == "__main__":
    main()
