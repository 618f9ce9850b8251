"""Analysis quality and speed on the shared datasets (issue 3).

Builds a DerivedGraph-like input straight from the files (TF-IDF top-k cosine
neighbours for SIMILAR_TO, TF-IDF keyphrases from :mod:`graph.text` for
HAS_KEYWORD / SHARES_KEYWORDS, the citation list for CITES), then:

- ``quality``: NMI / ARI of the communities against citeseer's labels for
  several edge mixes and methods;
- ``speed``: times :func:`graph.analysis.analyze_graph` on hepth and reports peak RSS.

Usage::

    python bench/analysis_quality.py quality [--resolutions auto 1.0 0.5] [--seeds 3] [--builder bench|project]
    python bench/analysis_quality.py speed [--engine auto|igraph|networkx] [--cache /tmp/hepth.pickle]
        [--method leiden] [--resolution R] [--restarts 3]
    python bench/analysis_quality.py walk (--db STORE.db | --corpus citeseer) [--seeds 42 0]

``walk`` runs the default analysis twice on the same input, once with the
coarser auto-resolution levels found by warm Leiden runs over every paper and
once by merging communities (``WALK_MERGE_MIN_PAPERS``), and scores both
against the papers' ``label`` field.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.analysis import AnalyzeParams, analyze_graph, community_scores, citation_recovery  # noqa: E402
from graph.models import CitationEdge, DerivedGraph, SharedKeywordsEdge, SimilarEdge  # noqa: E402

DATA = Path("/work/shared/data")


def _open(path: Path):
    return io.TextIOWrapper(gzip.open(path), encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def load(name: str, data: Path = DATA) -> tuple[list[dict], list[tuple[str, str]]]:
    folder = data / name
    papers_path = next(p for p in (folder / "papers.jsonl", folder / "papers.jsonl.gz") if p.exists())
    cites_path = next(p for p in (folder / "citations.csv", folder / "citations.csv.gz") if p.exists())
    with _open(papers_path) as fh:
        papers = [json.loads(line) for line in fh if line.strip()]
    for p in papers:
        p["id"] = str(p["id"])
    with _open(cites_path) as fh:
        cites = [(row["citing"], row["cited"]) for row in csv.DictReader(fh)]
    return papers, cites


def knn_edges(ids: list[str], texts: list[str], *, k: int = 10, min_score: float = 0.05) -> list[SimilarEdge]:
    """Top-k cosine neighbours of TF-IDF vectors, undirected, once per pair."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    X = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2, max_df=0.5).fit_transform(texts)
    X = X.tocsr().astype(np.float32)
    best: dict[tuple[int, int], float] = {}
    for start in range(0, X.shape[0], 2000):
        S = (X[start:start + 2000] @ X.T).toarray()
        for r in range(S.shape[0]):
            S[r, start + r] = 0.0
        top = np.argpartition(-S, k, axis=1)[:, :k]
        for r in range(S.shape[0]):
            i = start + r
            for j in top[r]:
                s = float(S[r, j])
                if s >= min_score:
                    key = (i, int(j)) if i < j else (int(j), i)
                    best[key] = max(best.get(key, 0.0), s)
    out = []
    for (i, j), s in best.items():
        a, b = sorted((ids[i], ids[j]))
        out.append(SimilarEdge(a, b, round(s, 6)))
    return sorted(out, key=lambda e: (e.source, e.target))


def keyword_edges(has_keyword, n_papers: int, *, min_shared: int = 2, max_df: int | None = None) -> list[SharedKeywordsEdge]:
    """Pairs sharing >= ``min_shared`` keywords; keywords in too many papers make no pairs."""
    from scipy import sparse

    by_paper: dict[str, set[str]] = {}
    for row in has_keyword:
        by_paper.setdefault(row.paper_id, set()).add(row.keyword)
    df = Counter(kw for kws in by_paper.values() for kw in kws)
    cap = max_df if max_df is not None else max(20, n_papers // 200)
    vocab = {kw: i for i, kw in enumerate(sorted(kw for kw, c in df.items() if 2 <= c <= cap))}
    pids = sorted(by_paper)
    rows, cols = [], []
    for r, pid in enumerate(pids):
        for kw in by_paper[pid]:
            if kw in vocab:
                rows.append(r)
                cols.append(vocab[kw])
    B = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(pids), len(vocab)))
    C = sparse.triu(B @ B.T, k=1).tocoo()
    out = []
    for i, j, c in zip(C.row, C.col, C.data):
        if c >= min_shared:
            a, b = pids[i], pids[j]
            shared = tuple(sorted(by_paper[a] & by_paper[b] & vocab.keys()))
            union = len(by_paper[a] | by_paper[b])
            out.append(SharedKeywordsEdge(min(a, b), max(a, b), int(c), round(int(c) / union, 6), shared))
    return sorted(out, key=lambda e: (e.source, e.target))


def project_derived(name: str, data: Path = DATA) -> tuple[DerivedGraph, list[str], dict[str, str | None]]:
    """The input as ``citegraph build`` makes it (:func:`graph.edges.build_derived`, defaults)."""
    from graph.edges import BuildParams, build_derived
    from graph.models import Paper

    papers, cites = load(name, data)
    refs: dict[str, list[str]] = {}
    for citing, cited in cites:
        refs.setdefault(citing, []).append(cited)
    objs = [Paper(id=p["id"], title=p.get("title") or "", abstract=p.get("abstract") or "",
                  label=p.get("label"), references=tuple(refs.get(p["id"], ()))) for p in papers]
    t = time.perf_counter()
    derived = build_derived(objs, {p.id: p.id for p in objs}, BuildParams())
    print(f"[{name}] project build: papers={len(objs)} similar={len(derived.similar)} "
          f"keywords={len(derived.has_keyword)} shares={len(derived.shares_keywords)} cites={len(derived.cites)} "
          f"({time.perf_counter() - t:.1f}s)", flush=True)
    return derived, [p.id for p in objs], {p["id"]: p.get("label") for p in papers}


def derived_graph(name: str, data: Path = DATA, builder: str = "bench") -> tuple[DerivedGraph, list[str], dict]:
    """The input: this file's quick builder (``bench``) or the project's ``build`` (``project``)."""
    if builder == "project":
        return project_derived(name, data)
    from graph.keyphrases import extract_keywords

    papers, cites = load(name, data)
    ids = [p["id"] for p in papers]
    texts = [". ".join(t for t in (p.get("title") or "", p.get("abstract") or "") if t) for p in papers]
    t = time.perf_counter()
    similar = knn_edges(ids, texts)
    t_knn = time.perf_counter() - t
    t = time.perf_counter()
    has_keyword, keywords = extract_keywords(ids, texts, k=8)
    shares = keyword_edges(has_keyword, len(ids))
    t_kw = time.perf_counter() - t
    known = set(ids)
    cites_edges = sorted({CitationEdge(a, b) for a, b in cites if a in known and b in known and a != b},
                         key=lambda e: (e.source, e.target))
    print(f"[{name}] papers={len(ids)} similar={len(similar)} ({t_knn:.1f}s) keywords={len(has_keyword)} "
          f"shares={len(shares)} ({t_kw:.1f}s) cites={len(cites_edges)}", flush=True)
    derived = DerivedGraph(tuple(keywords), tuple(has_keyword), tuple(similar), tuple(shares), tuple(cites_edges))
    return derived, ids, {p["id"]: p.get("label") for p in papers}


def quality(args: argparse.Namespace) -> None:
    derived, ids, labels = derived_graph("citeseer", args.data, args.builder)
    rec = citation_recovery(derived.similar, derived.cites)
    print(f"similar vs citations: precision={rec['precision']:.3f} recall={rec['recall']:.3f}")
    default = AnalyzeParams()
    configs = [
        ("knn", ("similar",)),
        ("knn+cites", ("similar", "cites")),
        ("all (default)", default.edges),
    ]
    seeds = range(args.seeds)
    print(f"mean over seeds {list(seeds)}; default method {default.method}, resolution "
          f"{'auto' if default.resolution is None else default.resolution}, restarts {default.restarts}")
    for method in args.methods:
        for title, edges in configs:
            cells = []
            for res in args.resolutions:
                nmi, ari, big = [], [], []
                for seed in seeds:
                    params = AnalyzeParams(edges=edges, method=method, resolution=res, seed=seed, layout=False,
                                           betweenness_exact_max=0, betweenness_k=1)
                    result = analyze_graph(derived, ids, params=params)
                    sc = community_scores({s.paper_id: s.community for s in result.scores}, labels)
                    nmi.append(sc["nmi"])
                    ari.append(sc["ari"])
                    big.append(sum(1 for c in result.communities if c.size >= 10))
                cells.append(f"r={'auto' if res is None else res}: NMI {np.mean(nmi):.3f} ARI {np.mean(ari):.3f} ({np.mean(big):.0f} comms)")
            print(f"{method:8s} {title:14s} " + " | ".join(cells), flush=True)
    result = analyze_graph(derived, ids, params=AnalyzeParams(layout=False))
    by_comm: dict[int, Counter] = {}
    for s in result.scores:
        by_comm.setdefault(s.community, Counter())[labels[s.paper_id]] += 1
    print("default run: communities with their majority label")
    for c in result.communities[:10]:
        label, count = by_comm[c.id].most_common(1)[0]
        print(f"  #{c.id} size={c.size} {label} {count / c.size:.0%}: {c.label}")


def speed(args: argparse.Namespace) -> None:
    import pickle

    if args.cache and args.cache.exists():
        # Loading the input in a fresh process makes peak RSS the analysis' own.
        with open(args.cache, "rb") as fh:
            derived, ids = pickle.load(fh)
    else:
        derived, ids, _ = derived_graph("hepth", args.data, args.builder)
        if args.cache:
            with open(args.cache, "wb") as fh:
                pickle.dump((derived, ids), fh)
            print(f"input saved to {args.cache}; run again to measure peak RSS without the build")
    params = AnalyzeParams(engine=args.engine, method=args.method, resolution=args.resolution, restarts=args.restarts)
    before = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    result = analyze_graph(derived, ids, params=params)
    total = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    p = result.params
    print(f"analyze hepth: wall {total:.2f}s, cpu {cpu:.2f}s; engine={p['engine']} betweenness={p['betweenness']}")
    print(f"  counts={p['counts']} modularity={result.modularity:.4f} resolution_used={p['resolution_used']}")
    print(f"  resolution trail {p['resolution_trail']}")
    print(f"  wall per step {p['seconds']}")
    print(f"  cpu per step  {p['cpu_seconds']}")
    print(f"  peak RSS {after.ru_maxrss / 1024:.0f} MB (input loaded: {before.ru_maxrss / 1024:.0f} MB)")
    for c in result.communities[:12]:
        print(f"  #{c.id} size={c.size}: {c.label}")


def walk(args: argparse.Namespace) -> None:
    import graph.analysis.steps as pipeline

    if args.db:
        from graph.stores.sqlite import SQLiteStore

        if not args.db.is_file():  # opening would create an empty store and score nothing
            raise SystemExit(f"walk --db: {args.db}: no such file (a store built by `citegraph run`)")
        store = SQLiteStore(args.db)
        store.open()
        try:
            derived = store.load_derived()
            papers = list(store.iter_papers())
        finally:
            store.close()
        ids, labels = [p.id for p in papers], {p.id: p.label for p in papers}
        del papers
    else:
        derived, ids, labels = project_derived(args.corpus, args.data)
    where = args.db or args.corpus
    if not ids:
        raise SystemExit(f"walk: {where}: no papers")
    if not any(labels.values()):
        raise SystemExit(f"walk: {where}: no paper has a label field to score the communities against")
    print("| walk | seed | NMI | ARI | communities | resolution | modularity | communities step wall s |")
    print("|---|---|---|---|---|---|---|---|")
    saved = pipeline.WALK_MERGE_MIN_PAPERS
    try:
        for name, threshold in (("warm", 10**12), ("merge", 0)):
            pipeline.WALK_MERGE_MIN_PAPERS = threshold
            for seed in args.seeds:
                params = AnalyzeParams(seed=seed, layout=False, betweenness_exact_max=0, betweenness_k=1)
                result = analyze_graph(derived, ids, params=params)
                sc = community_scores({s.paper_id: s.community for s in result.scores}, labels)
                p = result.params
                assert p["resolution_walk"] == name, p["resolution_walk"]
                print(f"| {name} | {seed} | {sc['nmi']:.4f} | {sc['ari']:.4f} | {len(result.communities)} | "
                      f"{p['resolution_used']} | {result.modularity:.4f} | {p['seconds']['communities']:.2f} |",
                      flush=True)
    finally:
        pipeline.WALK_MERGE_MIN_PAPERS = saved


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--data", type=Path, default=DATA)
    q.add_argument("--methods", nargs="+", default=["leiden", "louvain"])
    q.add_argument("--resolutions", nargs="+", type=lambda v: None if v == "auto" else float(v),
                   default=[None, 1.0, 0.5], help="floats or 'auto' (chosen per graph, the default)")
    q.add_argument("--seeds", type=int, default=3)
    q.add_argument("--builder", choices=["bench", "project"], default="bench",
                   help="quick TF-IDF kNN here, or graph.edges.build_derived")
    s = sub.add_parser("speed")
    s.add_argument("--data", type=Path, default=DATA)
    s.add_argument("--engine", default="auto")
    s.add_argument("--method", default=AnalyzeParams().method)
    s.add_argument("--resolution", type=float, default=None, help="default: chosen per graph")
    s.add_argument("--restarts", type=int, default=AnalyzeParams().restarts)
    s.add_argument("--cache", type=Path, help="pickle of the built input (written if missing)")
    s.add_argument("--builder", choices=["bench", "project"], default="bench")
    w = sub.add_parser("walk", help="warm vs merge walk of the auto resolution, scored against labels")
    where = w.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="an embedded store built by citegraph run (e.g. synth-100k)")
    where.add_argument("--corpus", choices=["citeseer", "hepth"], help="built here with graph.edges.build_derived")
    w.add_argument("--data", type=Path, default=DATA)
    w.add_argument("--seeds", type=int, nargs="+", default=[42, 0])
    args = parser.parse_args(argv)
    {"quality": quality, "speed": speed, "walk": walk}[args.cmd](args)


if __name__ == "__main__":
    main()
