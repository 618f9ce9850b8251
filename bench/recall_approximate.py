"""Recall and cost of the approximate SIMILAR_TO search against the exact one.

Builds the TF-IDF features of a corpus (as ``similar_edges`` does), runs
:func:`graph.similarity.approximate_neighbors` once per ``--max-postings``
value, and compares each row's neighbours with the exact top k (same
ranking: rounded cosine, pivot weights, ``min_score``, ties by column) on
``--sample`` random rows. Prints wall and CPU seconds of each search and the
share of the exact top k it found.

Usage::

    python bench/recall_approximate.py --corpus synth-100k --max-postings 0 4000 2000 1000
    python bench/recall_approximate.py --corpus hepth

``--max-postings 0`` is the search without a cap (every paper holding a term
is a candidate for it). Corpora are read like ``bench/pipeline.py`` reads them
(``synth-<n>k`` from ``--synth-cache``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pipeline import corpus_files  # noqa: E402
from graph.edges import BuildParams  # noqa: E402
from graph.jobs import read_inputs  # noqa: E402
from graph.similarity import _select, approximate_neighbors, tfidf_features  # noqa: E402


def exact_rows(features, sample: np.ndarray, k: int, min_score: float, weights: np.ndarray) -> np.ndarray:
    """The exact top ``k`` of the ``sample`` rows (as ``nearest_neighbors`` ranks)."""
    matrix = features.matrix
    n = matrix.shape[0]
    index = np.full((n, k), -1, dtype=np.int64)
    score = np.full((n, k), np.nan, dtype=np.float32)
    transposed = matrix.T.tocsc()
    for lo in range(0, len(sample), 200):
        rows = sample[lo : lo + 200]
        block = (matrix[rows] @ transposed).toarray()
        block[np.arange(len(rows)), rows] = -np.inf  # not its own neighbour
        r = np.repeat(rows, n)
        c = np.tile(np.arange(n), len(rows))
        _select(r, c, block.ravel(), index, score, weights=weights, min_score=min_score, kk=min(k, n - 1))
    return index[sample]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default="hepth")
    ap.add_argument("--synth-cache", type=Path, default=Path("/tmp/citegraph-synth"))
    ap.add_argument("--max-postings", type=int, nargs="+", default=[0])
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument("--k", type=int, default=10)
    args = ap.parse_args()

    papers_files, _, _ = corpus_files(args.corpus, args.synth_cache, 0)
    papers, _, _ = read_inputs([Path(p) for p in papers_files], citations=[])
    texts = [p.text for p in sorted(papers, key=lambda p: p.id) if p.text and p.text.strip()]
    t0 = time.perf_counter()
    features = tfidf_features(texts)
    print(f"{args.corpus}: {len(texts):,} texts, features in {time.perf_counter() - t0:.1f} s, "
          f"load {os.getloadavg()[0]:.2f}")
    params = BuildParams()
    weights = features.pivot_weights()
    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(len(texts), size=min(args.sample, len(texts)), replace=False))
    truth = exact_rows(features, sample, args.k, params.effective_min_score, weights)
    print("| max postings | wall s | CPU s | recall of the exact top k |")
    print("|---|---|---|---|")
    for cap in args.max_postings:
        t, c = time.perf_counter(), time.process_time()
        index, _ = approximate_neighbors(features, k=args.k, min_score=params.effective_min_score,
                                         rank_weights=weights, max_postings=cap or None)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        found = sum(len(set(a[a >= 0]) & set(b[b >= 0])) for a, b in zip(index[sample], truth))
        total = int((truth >= 0).sum())
        print(f"| {cap or 'none'} | {wall:.1f} | {cpu:.1f} | {found / total:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
