"""Baseline: what a user would write from the libraries' tutorials, on the same data
in the same kind of process, for :mod:`bench.pipeline` to compare against.

    python bench/baseline.py --files '[["papers.jsonl.gz"], ["citations.csv.gz"]]' \\
        --db /tmp/citegraph-bench/hepth.db [--neo4j-uri ... --neo4j-password ...] --out b.json

Stages (wall and CPU time, peak RSS sampled as in :mod:`bench.pipeline`):

- **keywords**: ``TfidfVectorizer(ngram_range=(1, 3), stop_words="english")``
  and the 8 highest-scoring terms of each row. Above ``--max-keyword-docs``
  (50,000) it runs on the first 50,000 papers and the time is scaled linearly
  (labelled "extrapolated").
- **similarity**: ``TfidfVectorizer(stop_words="english")``, then
  ``cosine_similarity(X)`` (a dense N x N float64 matrix) and the top 10 per
  row with ``np.argpartition``. Size limit: N^2 x 8 bytes (3.2 GB at 20k
  papers, 7 GB at 30k, 720 GB at 300k). Above ``--max-dense-gb`` (1.5) only
  a block of rows ``cosine_similarity(X[:n], X)`` is computed and its time is
  scaled by N / n (labelled "extrapolated from n rows").
- **writes** (Neo4j only): the driver tutorial's one ``session.run`` per row,
  ``MERGE (p:BasePaper {id: $id}) SET ...`` per paper and ``MERGE`` of both
  ends and the relationship per edge (with a uniqueness constraint, as the
  tutorials advise). Rows are written for ``--write-budget`` seconds per kind;
  the rate is extrapolated to every row citegraph writes (papers; keywords,
  HAS_KEYWORD, SIMILAR_TO, SHARES_KEYWORDS, CITES; one SET per paper for
  analysis results), labelled "extrapolated from n rows". The rows go to a
  separate label ``BasePaper`` and are deleted afterwards.
- **analysis**: ``networkx`` graph of citegraph's own derived edges (loaded from
  the store, untimed, so both sides analyze the same graph; weight = similarity
  score, keyword Jaccard, 1 per citation, summed),
  ``nx.community.louvain_communities(G, weight="weight", seed=0)`` and
  ``nx.pagerank(G)``. Not run above ``--max-edges`` (2,000,000 edges). Note
  citegraph's analysis does more (betweenness, participation, labels, layout).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def baseline_command(papers: list[str], cites: list[str], *, db: Path | None, neo4j: dict | None,
                     write_budget: float = 20.0) -> list[str]:
    """The command line :mod:`bench.pipeline` runs (it appends ``--out``)."""
    cmd = [sys.executable, str(Path(__file__)), "--files", json.dumps([papers, cites]),
           "--write-budget", str(write_budget)]
    if db is not None:
        cmd += ["--db", str(db)]
    if neo4j:
        cmd += ["--neo4j-uri", neo4j["uri"], "--neo4j-password", neo4j["password"]]
    return cmd


# --- stages ----------------------------------------------------------------------


def keywords_baseline(texts: list[str], *, k: int = 8, max_docs: int = 50_000) -> dict[str, Any]:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(texts)
    docs = texts[:max_docs]
    t0 = time.perf_counter()
    vec = TfidfVectorizer(ngram_range=(1, 3), stop_words="english")
    x = vec.fit_transform(docs).tocsr()
    terms = vec.get_feature_names_out()
    out = []
    for i in range(x.shape[0]):
        row = x.getrow(i)
        top = np.argsort(-row.data)[:k]
        out.append([terms[row.indices[j]] for j in top])
    seconds = time.perf_counter() - t0
    res = {"seconds": seconds, "rows": len(docs), "vocabulary": len(terms)}
    if len(docs) < n:
        res.update(seconds=seconds * n / len(docs), measured_s=seconds,
                   note=f"extrapolated from {len(docs):,} of {n:,} papers (linear)")
    return res


def similarity_baseline(texts: list[str], *, k: int = 10, max_dense_gb: float = 1.5) -> dict[str, Any]:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    n = len(texts)
    t0 = time.perf_counter()
    x = TfidfVectorizer(stop_words="english").fit_transform(texts)
    t_vec = time.perf_counter() - t0
    dense_gb = n * n * 8 / 1e9
    rows = n if dense_gb <= max_dense_gb else max(200, int(max_dense_gb * 1e9 / (8 * n)))
    t1 = time.perf_counter()
    sims = cosine_similarity(x[:rows], x)
    for i in range(rows):
        sims[i, i] = 0.0
    top = np.argpartition(-sims, min(k, n - 1), axis=1)[:, :k]
    edges = sum(1 for i in range(rows) for j in top[i] if sims[i, j] > 0)
    t_sim = time.perf_counter() - t1
    del sims
    res = {"seconds": t_vec + t_sim, "vectorize_s": t_vec, "cosine_topk_s": t_sim, "rows": rows,
           "dense_matrix_gb": round(dense_gb, 2), "edges_in_rows": edges}
    if rows < n:
        res.update(seconds=t_vec + t_sim * n / rows, measured_s=t_vec + t_sim,
                   note=f"extrapolated from {rows:,} of {n:,} rows; full run needs a {dense_gb:,.1f} GB dense matrix")
    return res


def analysis_baseline(derived: Any, ids: list[str], *, max_edges: int = 2_000_000) -> dict[str, Any]:
    import networkx as nx

    n_edges = len(derived.similar) + len(derived.shares_keywords) + len(derived.cites)
    if n_edges > max_edges:
        return {"seconds": None, "note": f"not run: {n_edges:,} edges > limit {max_edges:,}"}
    t0 = time.perf_counter()
    g = nx.Graph()
    g.add_nodes_from(ids)
    for rows, weight in ((derived.similar, lambda e: e.score), (derived.shares_keywords, lambda e: e.jaccard),
                         (derived.cites, lambda e: 1.0)):
        for e in rows:
            w = float(weight(e))
            if g.has_edge(e.source, e.target):
                g[e.source][e.target]["weight"] += w
            else:
                g.add_edge(e.source, e.target, weight=w)
    t_graph = time.perf_counter() - t0
    t1 = time.perf_counter()
    comms = nx.community.louvain_communities(g, weight="weight", seed=0)
    t_louvain = time.perf_counter() - t1
    t2 = time.perf_counter()
    nx.pagerank(g, weight="weight")
    t_pr = time.perf_counter() - t2
    return {"seconds": t_graph + t_louvain + t_pr, "graph_s": t_graph, "louvain_s": t_louvain,
            "pagerank_s": t_pr, "communities": len(comms), "edges": g.number_of_edges()}


def writes_baseline(uri: str, password: str, papers: list[Any], derived: Any, *, budget: float) -> dict[str, Any]:
    """Per-row MERGE through the driver for ``budget`` s per kind; rates extrapolated."""
    from neo4j import GraphDatabase

    edge_rows = [("SIMILAR_TO", e.source, e.target, e.score) for e in derived.similar]
    share_rows = [("SHARES_KEYWORDS", e.source, e.target, e.jaccard) for e in derived.shares_keywords]
    cite_rows = [("CITES", e.source, e.target, 1.0) for e in derived.cites]
    queries = {  # literal strings per relationship type, as a tutorial would write them
        "SIMILAR_TO": "MERGE (a:BasePaper {id: $a}) MERGE (b:BasePaper {id: $b}) "
                      "MERGE (a)-[r:SIMILAR_TO]->(b) SET r.weight = $w",
        "SHARES_KEYWORDS": "MERGE (a:BasePaper {id: $a}) MERGE (b:BasePaper {id: $b}) "
                           "MERGE (a)-[r:SHARES_KEYWORDS]->(b) SET r.weight = $w",
        "CITES": "MERGE (a:BasePaper {id: $a}) MERGE (b:BasePaper {id: $b}) MERGE (a)-[r:CITES]->(b)",
    }
    # interleave kinds so a time-boxed sample holds all three
    mixed = [r for triple in zip(edge_rows, share_rows or edge_rows, cite_rows or edge_rows) for r in triple] or edge_rows
    total_edges = (len(derived.keywords) + len(derived.has_keyword) + len(edge_rows) + len(share_rows)
                   + len(cite_rows))
    out: dict[str, Any] = {}
    with GraphDatabase.driver(uri, auth=("neo4j", password)) as driver, driver.session() as session:
        session.run("CREATE CONSTRAINT base_paper_id IF NOT EXISTS FOR (p:BasePaper) REQUIRE p.id IS UNIQUE").consume()
        t0, n = time.perf_counter(), 0
        for p in papers:
            session.run("MERGE (p:BasePaper {id: $id}) SET p.title = $title, p.abstract = $abstract, "
                        "p.year = $year, p.authors = $authors",
                        id=p.id, title=p.title, abstract=p.abstract, year=p.year, authors=list(p.authors)).consume()
            n += 1
            if time.perf_counter() - t0 > budget:
                break
        secs = time.perf_counter() - t0
        out["papers"] = {"rows": n, "seconds": secs, "rate": n / secs, "total_rows": len(papers)}
        t0, n = time.perf_counter(), 0
        for kind, a, b, w in mixed:
            session.run(queries[kind], a=a, b=b, w=float(w)).consume()
            n += 1
            if time.perf_counter() - t0 > budget:
                break
        secs = time.perf_counter() - t0
        out["edges"] = {"rows": n, "seconds": secs, "rate": n / secs, "total_rows": total_edges}
        session.run("MATCH (n:BasePaper) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS").consume()
        session.run("DROP CONSTRAINT base_paper_id IF EXISTS").consume()
    est = {"papers": len(papers) / out["papers"]["rate"], "edges": total_edges / out["edges"]["rate"],
           "analysis": len(papers) / out["papers"]["rate"]}
    measured = out["papers"]["rows"] + out["edges"]["rows"]
    full = out["papers"]["rows"] >= len(papers) and out["edges"]["rows"] >= total_edges
    return {"seconds": sum(est.values()), "estimate_s": est, "sample": out,
            "note": "measured on every row" if full else
            f"extrapolated from {measured:,} rows ({out['papers']['rate']:.0f} papers/s, "
            f"{out['edges']['rate']:.0f} edges/s; analysis = one SET per paper at the paper rate)"}


# --- compare -----------------------------------------------------------------------


def compare_rows(ours: dict[str, Any], base: dict[str, Any]) -> list[tuple]:
    """``(stage, citegraph s, baseline s, note, citegraph CPU s, baseline CPU s)`` rows.

    Baseline CPU of an extrapolated stage is scaled like its time. Writes have
    no CPU column: their work is in the Neo4j server.
    """
    st = ours.get("stages", {})
    b = base.get("stages", {})

    def total(key: str, *names: str) -> float | None:
        vals = [st[n][key] for n in names if n in st]
        return sum(vals) if vals else None

    def their_cpu(row: dict[str, Any]) -> float | None:
        if not row.get("cpu_s") or not row.get("wall_s") or row.get("seconds") is None:
            return None
        return row["cpu_s"] * row["seconds"] / max(row["wall_s"], row.get("measured_s", row["seconds"]))

    rows = []
    pairs = [("keywords", ("keywords",), "keywords"), ("similarity", ("similarity",), "similarity"),
             ("analysis", ("analysis",), "analysis")]
    if ours.get("store") == "neo4j":
        pairs.append(("store writes", ("write papers", "write edges", "write analysis"), "writes"))
    sums = [0.0, 0.0, 0.0, 0.0]
    complete = True
    for label, names, key in pairs:
        row = b.get(key) or {}
        theirs = row.get("seconds")
        note = row.get("note", "") or ("" if key in b else "not run")
        mine, mine_cpu = total("wall_s", *names), total("cpu_s", *names)
        cpu = their_cpu(row) if key != "writes" else None
        rows.append((label, mine, theirs, note, mine_cpu if key != "writes" else None, cpu))
        if mine is None or theirs is None:
            complete = False
        else:
            sums[0] += mine
            sums[1] += theirs
        if key != "writes" and mine_cpu is not None and cpu is not None:
            sums[2] += mine_cpu
            sums[3] += cpu
    rows.append(("sum of the stages above", sums[0], sums[1] if complete else None,
                 "" if complete else "incomplete: a baseline stage was not run",
                 sums[2] if complete else None, sums[3] if complete else None))
    return rows


# --- main ----------------------------------------------------------------------------


def _derived(db: str | None, uri: str | None, password: str | None):
    if db and Path(db).exists():
        from graph.stores.sqlite import SQLiteStore

        store = SQLiteStore(db)
    else:
        from graph.stores.neo4j import Neo4jStore

        store = Neo4jStore(uri=uri, password=password or "")
    with store:
        return store.load_derived(), [p.id for p in store.iter_papers()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", required=True, help="JSON [[paper files], [citation files]]")
    ap.add_argument("--db", help="embedded store holding citegraph's build of the same corpus")
    ap.add_argument("--neo4j-uri")
    ap.add_argument("--neo4j-password")
    ap.add_argument("--write-budget", type=float, default=20.0)
    ap.add_argument("--max-dense-gb", type=float, default=1.5)
    ap.add_argument("--max-keyword-docs", type=int, default=50_000)
    ap.add_argument("--max-edges", type=int, default=2_000_000)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench.measure import MEMORY_METHOD, Timeline, warm_imports

    warm_imports()
    from graph.jobs import read_inputs

    paper_files, cite_files = json.loads(args.files)
    tl = Timeline()
    stages: dict[str, dict[str, Any]] = {}
    t_all = time.perf_counter()
    tl.mark("read")
    papers, _pairs, _report = read_inputs(paper_files, citations=cite_files)
    papers.sort(key=lambda p: p.id)
    texts = [p.text for p in papers]
    tl.mark("keywords")
    stages["keywords"] = keywords_baseline(texts, max_docs=args.max_keyword_docs)
    tl.mark("similarity")
    stages["similarity"] = similarity_baseline(texts, max_dense_gb=args.max_dense_gb)
    tl.mark("load derived (untimed)")
    derived, ids = _derived(args.db, args.neo4j_uri, args.neo4j_password)
    tl.mark("analysis")
    stages["analysis"] = analysis_baseline(derived, ids, max_edges=args.max_edges)
    if args.neo4j_uri:
        tl.mark("writes")
        stages["writes"] = writes_baseline(args.neo4j_uri, args.neo4j_password, papers, derived,
                                           budget=args.write_budget)
    tl.stop()
    measured = tl.stages()
    for name, row in stages.items():
        if name in measured:
            row["wall_s"] = measured[name]["wall_s"]
            row["cpu_s"] = measured[name]["cpu_s"]
            row["peak_rss_mb"] = measured[name]["peak_rss_mb"]
        for key, val in list(row.items()):
            if isinstance(val, float):
                row[key] = round(val, 3)
    result = {"kind": "baseline", "papers": len(papers), "stages": stages,
              "read_s": measured.get("read", {}).get("wall_s"), "total_wall_s": round(time.perf_counter() - t_all, 2),
              "memory_method": MEMORY_METHOD}
    Path(args.out).write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
