"""The tasks of a distributed build, one function each, run on the workers.

Each reads its inputs (a Parquet file of the work directory, or the result of
an earlier task that the scheduler hands over), calls the functions of the
in-process build on its share of the rows (:mod:`graph.keyphrases`,
:mod:`graph.similarity`, :mod:`graph.edges`, :mod:`graph.coupling`; nothing
here re-implements them) and writes its edges as one Parquet file, whose path
it returns. Tasks never talk to a store or to the client.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.coupling import SharedIncidence, citation_pairs
from graph.edges import KeywordIncidence, keyword_incidence, shares_incidence, shares_keywords_rows
from graph.engine.parquet import read_table, write_table
from graph.keyphrases import extract_keywords
from graph.models import KeywordScore, SharedKeywordsEdge
from graph.similarity import (
    CandidateOperands,
    ScoreOperands,
    SimilarityInputs,
    approximate_rows,
    candidate_operands,
    neighbor_rows,
    score_operands,
    shared_terms,
    similarity_inputs,
    use_approximate,
)
from graph.text import text_runs

__all__ = [
    "SimilarityPrep",
    "keywords_task",
    "keyword_incidence_task",
    "similarity_task",
    "similar_block",
    "similar_terms_block",
    "shares_keywords_block",
    "shares_incidence_task",
    "shares_rows_block",
    "citation_incidence_task",
    "kept_pairs_block",
    "shared_counts_block",
    "size_of",
]


def _papers(path: str) -> tuple[list[str], list[str], list[str]]:
    table = read_table(path)
    return table["id"], table["title"], table["text"]


def keywords_task(papers_path: str, out: str, *, k: int, max_n: int) -> str:
    """HAS_KEYWORD of every paper (:func:`graph.keyphrases.extract_keywords`, the
    whole corpus at once: the scores need every paper's phrases)."""
    ids, titles, texts = _papers(papers_path)
    has_keyword, _ = extract_keywords(ids, texts, k=k, max_n=max_n, titles=titles,
                                      runs=[text_runs(t or "") for t in texts])
    return write_table(out, {"paper_id": [h.paper_id for h in has_keyword],
                             "keyword": [h.keyword for h in has_keyword],
                             "score": np.array([h.score for h in has_keyword], dtype=np.float64)})


def keyword_incidence_task(has_keyword_path: str, *, max_df: int | None) -> KeywordIncidence:
    """The SHARES_KEYWORDS incidence (:func:`graph.edges.keyword_incidence`)."""
    t = read_table(has_keyword_path)
    rows = (KeywordScore(p, kw, float(s)) for p, kw, s in zip(t["paper_id"], t["keyword"], t["score"].tolist()))
    return keyword_incidence(rows, max_df=max_df)


def shares_keywords_block(incidence: KeywordIncidence, start: int, stop: int, out: str, *,
                          min_shared: int) -> str:
    """SHARES_KEYWORDS with a source among rows ``start:stop`` (every pair: ``shares_k`` 0)."""
    return _write_shares(out, shares_keywords_rows(incidence, start, stop, min_shared=min_shared))


def shares_incidence_task(incidence: KeywordIncidence) -> SharedIncidence:
    """The keyword incidence as SHARES_KEYWORDS ranks pairs with a ``shares_k``
    (:func:`graph.edges.shares_incidence`; blocks: :func:`kept_pairs_block`)."""
    return shares_incidence(incidence)


def shares_rows_block(incidence: SharedIncidence, codes: np.ndarray, out: str) -> str:
    """SHARES_KEYWORDS of the pairs ``codes`` (every shared keyword, Jaccard)."""
    a, b = np.divmod(codes, max(len(incidence.items), 1))
    edges = incidence.arrays(SharedKeywordsEdge, a, b, measure="jaccard", n_shared=len(incidence.features))
    return _write_shares(out, list(edges))


def _write_shares(out: str, edges) -> str:
    return write_table(out, {"source": [e.source for e in edges], "target": [e.target for e in edges],
                             "count": np.array([e.count for e in edges], dtype=np.int64),
                             "jaccard": np.array([e.jaccard for e in edges], dtype=np.float64),
                             "keywords": [e.keywords for e in edges]})


@dataclass(frozen=True)
class SimilarityPrep:
    """What every SIMILAR_TO block needs, made once: the features and vectors
    (:func:`graph.similarity.similarity_inputs`) and the operands of the exact
    search, or of the approximate one (TF-IDF above
    :data:`graph.similarity.EXACT_MAX_PAPERS` papers with text, as in process);
    neither below two rows."""

    inputs: SimilarityInputs
    operands: ScoreOperands | None = None
    candidates: CandidateOperands | None = None


def similarity_task(papers_path: str, *, method: str, k: int, n_components: int, seed: int,
                    chunk_bytes: int) -> SimilarityPrep:
    """The SIMILAR_TO features of the whole corpus (the IDF needs every text)."""
    _, _, texts = _papers(papers_path)
    inputs = similarity_inputs(texts, method=method, n_components=n_components, seed=seed,
                               runs=[text_runs(t or "") for t in texts])
    n = len(inputs.with_text)
    if n < 2:
        return SimilarityPrep(inputs)
    if method == "tfidf" and use_approximate("auto", n):
        return SimilarityPrep(inputs, candidates=candidate_operands(inputs.features, k=k))
    return SimilarityPrep(inputs, operands=score_operands(inputs.vectors, chunk_bytes=chunk_bytes))


def similar_block(prep: SimilarityPrep, start: int, stop: int, out: str, *, k: int, min_score: float,
                  chunk_bytes: int) -> str:
    """Top ``k`` neighbours of the compared rows ``start:stop``
    (:func:`graph.similarity.neighbor_rows` or :func:`~graph.similarity.approximate_rows`),
    as ``k`` cells per row."""
    weights = prep.inputs.rank_weights
    if prep.candidates is not None:
        index, score = approximate_rows(prep.candidates, start, stop, k=k, min_score=min_score,
                                        rank_weights=weights)
    elif prep.operands is not None:
        index, score = neighbor_rows(prep.operands, start, stop, k=k, min_score=min_score,
                                     rank_weights=weights, chunk_bytes=chunk_bytes)
    else:
        index = np.full((stop - start, k), -1, dtype=np.int64)
        score = np.full((stop - start, k), np.nan, dtype=np.float32)
    return write_table(out, {"col": index.ravel(), "score": score.ravel()})


def similar_terms_block(prep: SimilarityPrep, lo: np.ndarray, hi: np.ndarray, vals: np.ndarray, out: str, *,
                        n_terms: int) -> str:
    """SIMILAR_TO pairs of compared rows with their evidence terms
    (:func:`graph.similarity.shared_terms`), as positions among all papers."""
    pairs = prep.inputs.pairs(lo, hi, vals, None)
    terms = shared_terms(prep.inputs.features, np.stack([lo, hi], axis=1), n_terms=n_terms) if n_terms else []
    return write_table(out, {"source": pairs.source, "target": pairs.target, "score": pairs.score,
                             "terms": terms if n_terms else [() for _ in range(len(lo))]})


def citation_incidence_task(cites_path: str, *, cited: bool) -> SharedIncidence:
    """The citing x cited incidence of COUPLED, or (``cited``) its transpose of CO_CITED."""
    t = read_table(cites_path)
    pairs = citation_pairs(zip(t["source"], t["target"]))
    return SharedIncidence.of([(b, a) for a, b in pairs] if cited else pairs)


def kept_pairs_block(incidence: SharedIncidence, start: int, stop: int, *, k: int, min_count: int,
                     measure: str) -> np.ndarray:
    """The pairs in the top ``k`` of items ``start:stop``, as codes ``a * n + b``
    (:meth:`graph.coupling.SharedIncidence.kept_pairs`)."""
    a, b = incidence.kept_pairs(np.arange(start, stop, dtype=np.int64), k=k, min_count=min_count,
                                measure=measure)
    return a * len(incidence.items) + b


def shared_counts_block(incidence: SharedIncidence, codes: np.ndarray, out: str, *, measure: str,
                        n_shared: int) -> str:
    """COUPLED or CO_CITED rows of the pairs ``codes`` (:meth:`SharedIncidence.rows`)."""
    a, b = np.divmod(codes, max(len(incidence.items), 1))
    rows = incidence.rows(a, b, measure=measure, n_shared=n_shared)
    return write_table(out, {"source": [r[0] for r in rows], "target": [r[1] for r in rows],
                             "count": np.array([r[2] for r in rows], dtype=np.int64),
                             "strength": np.array([r[3] for r in rows], dtype=np.float64),
                             "shared": [r[4] for r in rows]})


def size_of(value) -> int:
    """Rows of an incidence (papers with a kept keyword, or citing items)."""
    return len(value.ids) if isinstance(value, KeywordIncidence) else len(value.items)
