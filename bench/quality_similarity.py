"""How well SIMILAR_TO recovers real citations (text only, never citations).

For each dataset in ../shared/data (hepth, citeseer) and each similarity method,
build SIMILAR_TO edges from title + abstract and compare them with the citation
pairs (undirected): precision = edges that are citation pairs / edges, recall =
citation pairs found / citation pairs. A baseline (plain scikit-learn TF-IDF:
English stop words, sublinear tf, min_df=2, same top-k search) is printed for
reference, and a min_score sweep for the default method.

Reads the files with json/csv/gzip (not our readers), so it measures the text
features alone. Usage::

    python bench/quality_similarity.py [--data ../shared/data] [--datasets hepth,citeseer]
        [--methods tfidf,lsa,embedding] [--k 10] [--search auto|exact|approximate]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.errors import NotSupported  # noqa: E402
from graph.similarity import DEFAULT_MIN_SCORE, nearest_neighbors, similar_edges  # noqa: E402


def _open(path: Path):
    if path.exists():
        return open(path, encoding="utf-8")
    return gzip.open(path.with_name(path.name + ".gz"), "rt", encoding="utf-8")


def load(base: Path) -> tuple[list[str], list[str], set[tuple[str, str]]]:
    ids, texts = [], []
    with _open(base / "papers.jsonl") as fh:
        for line in fh:
            rec = json.loads(line)
            title, abstract = rec.get("title") or "", rec.get("abstract") or ""
            ids.append(str(rec["id"]))
            texts.append(f"{title}. {abstract}" if title and abstract else title or abstract)
    pairs = set()
    with _open(base / "citations.csv") as fh:
        for row in csv.DictReader(fh):
            a, b = row["citing"], row["cited"]
            if a != b:
                pairs.add((a, b) if a < b else (b, a))
    return ids, texts, pairs


def score(edges: set[tuple[str, str]], pairs: set[tuple[str, str]], n_papers: int) -> str:
    hits = len(edges & pairs)
    covered = len({p for e in edges for p in e})
    precision = hits / len(edges) if edges else 0.0
    recall = hits / len(pairs) if pairs else 0.0
    return (
        f"precision={precision:.4f} recall={recall:.4f} edges={len(edges)} "
        f"papers_with_edge={covered / n_papers:.3f}"
    )


def baseline(ids, texts, k):
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2).fit_transform(texts)
    index, _ = nearest_neighbors(matrix.astype("float32").tocsr(), k=k, min_score=0.0)
    edges = set()
    for i, row in enumerate(index.tolist()):
        for j in row:
            if j >= 0:
                a, b = ids[i], ids[j]
                edges.add((a, b) if a < b else (b, a))
    return edges


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--datasets", default="hepth,citeseer")
    parser.add_argument("--methods", default="tfidf,lsa,embedding")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--search", default="auto", help="tfidf neighbour search: auto, exact, approximate")
    args = parser.parse_args()

    for name in args.datasets.split(","):
        ids, texts, pairs = load(Path(args.data) / name)
        print(f"== {name}: {len(ids)} papers, {len(pairs)} citation pairs (undirected), k={args.k}")
        if not args.no_baseline:
            t0 = time.perf_counter()
            edges = baseline(ids, texts, args.k)
            print(f"  baseline  {score(edges, pairs, len(ids))} seconds={time.perf_counter() - t0:.1f}")
        for method in args.methods.split(","):
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                result = similar_edges(ids, texts, method=method, k=args.k, search=args.search)
            except NotSupported as exc:
                print(f"  {method:9s} skipped: {exc}")
                continue
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            default = DEFAULT_MIN_SCORE[method]
            # Higher thresholds by filtering the default edges: a close approximation
            # (a neighbour ranked past k cannot move in), not a separate run.
            for ms in (default, default + 0.05, default + 0.1):
                edges = {(e.source, e.target) for e in result if e.score > ms}
                mark = " (default)" if ms == default else " (filtered)"
                print(f"  {method:9s} min_score={ms:.2f}{mark:11s} {score(edges, pairs, len(ids))}")
            print(f"  {method:9s} seconds={wall:.1f} cpu={cpu:.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
