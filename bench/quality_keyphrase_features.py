"""Does adding each paper's keyphrases as features make SIMILAR_TO find more citations?

Issue 23 item 8 asks for text-relatedness ideas not tried before (BM25, title
weighting, CSLS and neighbour-overlap reweighting were tried in issue 3 and not
shipped: docs/quality.md). This one: the TF-IDF rows of SIMILAR_TO, with a second
block of features appended, one per keyphrase of :func:`graph.keyphrases.extract_keywords`
(the keywords the build stores, scored tf-idf), weighted ``w`` against the text block:

    v = l2( [ l2(tfidf) , w * l2(keyphrases) ] )

Each row's top ``k`` neighbours above the tfidf ``min_score`` are compared with the
citation pairs (undirected) as in :mod:`bench.quality_similarity`; ``w = 0`` is the
text block alone through the same code, so the rows of the table differ only in ``w``.
The product's own SIMILAR_TO (with its pivoted ranking) is printed for reference.

    python bench/quality_keyphrase_features.py [--datasets citeseer,hepth] [--weights 0,0.25,0.5,1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.quality_similarity import load  # noqa: E402
from graph.keyphrases import extract_keywords  # noqa: E402
from graph.similarity import DEFAULT_MIN_SCORE, nearest_neighbors, similar_edges, tfidf_features  # noqa: E402


def _l2(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags((1.0 / norms).astype(np.float32)) @ matrix, dtype=np.float32)


def keyphrase_matrix(ids: list[str], texts: list[str]) -> sp.csr_matrix:
    scores, _ = extract_keywords(ids, texts, k=8)
    row = {pid: i for i, pid in enumerate(ids)}
    names: dict[str, int] = {}
    r, c, v = [], [], []
    for s in scores:
        r.append(row[s.paper_id])
        c.append(names.setdefault(s.keyword, len(names)))
        v.append(s.score)
    return _l2(sp.csr_matrix((np.asarray(v, dtype=np.float32), (r, c)), shape=(len(ids), max(1, len(names)))))


def edges_of(ids: list[str], vectors: sp.csr_matrix, k: int, min_score: float) -> set[tuple[str, str]]:
    index, _ = nearest_neighbors(vectors, k=k, min_score=min_score)
    out = set()
    for i, row in enumerate(index):
        for j in row:
            if j >= 0:
                a, b = ids[i], ids[j]
                out.add((a, b) if a < b else (b, a))
    return out


def measure(edges: set[tuple[str, str]], pairs: set[tuple[str, str]]) -> tuple[float, float, int]:
    hits = len(edges & pairs)
    return (hits / len(edges) if edges else 0.0), (hits / len(pairs) if pairs else 0.0), len(edges)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--datasets", default="citeseer,hepth")
    parser.add_argument("--weights", default="0,0.25,0.5,1")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args(argv)
    weights = [float(w) for w in args.weights.split(",")]
    min_score = DEFAULT_MIN_SCORE["tfidf"]
    print(f"load average {os.getloadavg()[0]:.2f}; k={args.k}, min_score={min_score}")
    print("| corpus | features | precision | recall | edges | seconds |")
    print("|---|---|---|---|---|---|")
    for name in args.datasets.split(","):
        ids, texts, pairs = load(Path(args.data) / name)
        t0 = time.perf_counter()
        product = {(e.source, e.target) for e in similar_edges(ids, texts, method="tfidf", k=args.k)}
        p, r, n = measure(product, pairs)
        print(f"| {name} | SIMILAR_TO as built (pivoted ranking) | {p:.4f} | {r:.4f} | {n:,} | {time.perf_counter() - t0:.0f} |")
        text = tfidf_features(texts).matrix
        keys = keyphrase_matrix(ids, texts)
        for w in weights:
            t0 = time.perf_counter()
            vectors = _l2(sp.hstack([text, keys * np.float32(w)], format="csr")) if w else text
            p, r, n = measure(edges_of(ids, vectors, args.k, min_score), pairs)
            print(f"| {name} | text + {w:g} x keyphrases | {p:.4f} | {r:.4f} | {n:,} | {time.perf_counter() - t0:.0f} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
