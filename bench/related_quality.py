"""How well ``related`` recovers held-out citations (issue 23), on the shared data.

The protocol of ``citegraph evaluate --holdout`` (graph/analysis/holdout.py)
run on the files directly, without a store, so that weights, the strength
measure, k and the minimum count can be swept in one process: the text
signals are built once per dataset (``build_derived`` on the papers without
their citations) and cached with ``--cache DIR``.

Usage::

    python bench/related_quality.py [--data ../shared/data] [--datasets hepth,citeseer]
        [--measures cosine,association] [--coupling-k 10] [--min-count 1]
        [--weights similar:1,keywords:0.5,...] [--cache /tmp/rq]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.analysis.holdout import holdout_report  # noqa: E402
from graph.edges import BuildParams, build_derived  # noqa: E402
from graph.models import CitationEdge, Paper  # noqa: E402
from graph.related import parse_weights  # noqa: E402


def _open(path: Path):
    if path.exists():
        return open(path, encoding="utf-8")
    return gzip.open(path.with_name(path.name + ".gz"), "rt", encoding="utf-8")


def load(base: Path) -> tuple[list[Paper], list[CitationEdge]]:
    papers = []
    with _open(base / "papers.jsonl") as fh:
        for line in fh:
            rec = json.loads(line)
            papers.append(Paper(str(rec["id"]), rec.get("title") or "", rec.get("abstract") or ""))
    ids = {p.id for p in papers}
    cites = set()
    with _open(base / "citations.csv") as fh:
        for row in csv.DictReader(fh):
            a, b = row["citing"], row["cited"]
            if a != b and a in ids and b in ids:
                cites.add(CitationEdge(a, b))
    return papers, sorted(cites, key=lambda e: (e.source, e.target))


def text_graph(name: str, papers: list[Paper], cache: Path | None):
    path = cache / f"{name}-text.pickle" if cache else None
    if path and path.exists():
        return pickle.loads(path.read_bytes())
    derived = build_derived(papers, {p.id: p.id for p in papers}, BuildParams())
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(derived))
    return derived


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--datasets", default="hepth,citeseer")
    ap.add_argument("--measures", default="cosine")
    ap.add_argument("--coupling-k", type=int, default=20)
    ap.add_argument("--min-count", type=int, default=1)
    ap.add_argument("--weights", action="append", default=None,
                    help="signal:weight list (repeatable; default: the shipped defaults)")
    ap.add_argument("--holdout", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", default=None)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-chains", action="store_true")
    ap.add_argument("--methods", default="rank", help="fusion methods: rank,sum")
    ap.add_argument("--configs", default="all", help="'fused' to print and compute only the fused rows")
    args = ap.parse_args(argv)
    cache = Path(args.cache) if args.cache else None
    rows = []
    for name in args.datasets.split(","):
        t0 = time.perf_counter()
        papers, cites = load(Path(args.data) / name)
        text = text_graph(name, papers, cache)
        t_text = time.perf_counter() - t0
        for measure in args.measures.split(","):
            for wtext, method in [(w, m) for w in (args.weights or [""]) for m in args.methods.split(",")]:
                t1 = time.perf_counter()
                rep = holdout_report(text, cites, share=args.holdout, seed=args.seed, weights=parse_weights(wtext),
                                     coupling_k=args.coupling_k, min_count=args.min_count, measure=measure,
                                     chains=not args.no_chains, method=method,
                                     only_fused=args.configs == "fused", n_papers=len(papers))
                secs = time.perf_counter() - t1
                for label, res in rep["results"].items():
                    if wtext and label != "fused":
                        continue
                    rows.append({"dataset": name, "measure": measure, "config": label,
                                 "weights": f"{method} {wtext or 'default'}" if label == "fused" else "",
                                 "precision": res["precision"], "recall": res["recall"],
                                 "precision_all": res.get("precision_all"),
                                 "papers": res["papers"], "seconds": round(secs, 1), "text_s": round(t_text, 1),
                                 "edges": rep["edges"]})
                print(f"# {name} {measure} {method} {wtext or 'default'}: {secs:.1f}s edges={rep['edges']}",
                      file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'dataset':9} {'measure':11} {'config':16} {'precision':>9} {'prec_all':>8} {'recall':>7}  weights")
    for r in rows:
        print(f"{r['dataset']:9} {r['measure']:11} {r['config']:16} {r['precision']:9.4f} {r['precision_all']:8.4f} "
              f"{r['recall']:7.4f}  {r['weights']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
