"""The TF-IDF search index of ``/search``: a fitted vectorizer over every paper's
text (the same terms as SIMILAR_TO and keywords), queried column-wise.

Pure: papers in, scores out; the API's service fits it once per corpus version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from graph.models import display_title

__all__ = ["SearchIndex", "LARGE_CORPUS"]

#: From this many papers on, the search index keeps only terms of 2+ papers.
LARGE_CORPUS = 2000


@dataclass(frozen=True)
class SearchIndex:
    """A fitted TF-IDF vectorizer and the L2-normalised matrix of every paper."""

    version: tuple
    ids: tuple[str, ...]
    titles: tuple[str, ...]
    vectorizer: Any
    matrix: Any  # scipy.sparse CSR, one row per paper
    vocabulary: tuple[str, ...]
    columns: Any = None  # the same matrix as CSC, for reading a query's columns
    row_of: Mapping[str, int] = field(default_factory=dict)  # paper id -> matrix row

    def __post_init__(self) -> None:
        # Made once per fit, not per query: a dict over 30k ids costs ~10-30 ms.
        if len(self.row_of) != len(self.ids):
            object.__setattr__(self, "row_of", {pid: i for i, pid in enumerate(self.ids)})

    @classmethod
    def fit(cls, version: tuple, papers: Sequence[Any]) -> "SearchIndex":
        import numpy as np
        from sklearn.feature_extraction.text import TfidfVectorizer

        ids = tuple(p.id for p in papers)
        titles = tuple(display_title(p) for p in papers)
        texts = [p.text for p in papers]
        from graph.text import terms

        # The same terms as SIMILAR_TO and keywords: stop words out, plurals
        # folded, adjacent pairs kept ("black hole").
        # On large corpora, terms of a single paper are dropped (memory): full
        # text still finds them.
        min_df = 2 if len(texts) >= LARGE_CORPUS else 1
        vectorizer = TfidfVectorizer(analyzer=terms, sublinear_tf=True, min_df=min_df, dtype=np.float32)
        if any(t.strip() for t in texts):
            try:
                matrix = vectorizer.fit_transform(texts).tocsr()
                vocabulary = tuple(vectorizer.get_feature_names_out())
            except ValueError:  # only stop words in the corpus
                matrix, vocabulary = None, ()
        else:
            matrix, vocabulary = None, ()
        columns = matrix.tocsc() if matrix is not None else None
        return cls(version, ids, titles, vectorizer if matrix is not None else None, matrix, vocabulary, columns)

    def matching_rows(self, q: str) -> list[int]:
        """Rows of every paper sharing at least one term with the query."""
        import numpy as np

        if self.vectorizer is None or self.matrix is None:
            return []
        qv = self.vectorizer.transform([q]).tocsr()
        if qv.nnz == 0:
            return []
        sims = np.asarray(self.columns[:, qv.indices] @ qv.data.astype(np.float64)).ravel()
        return np.flatnonzero(sims > 0).tolist()

    def scores(self, q: str, limit: int, rows: Sequence[int] = ()) -> dict[int, tuple[float, list[str]]]:
        """Cosine of the query to the ``limit`` most similar papers and to the
        given ``rows``, each with the query terms that weigh most in it.

        Only the query's own columns are read (the matrix is kept column-wise
        too), so a query costs what its terms' postings cost, not the corpus.
        """
        import numpy as np

        if self.vectorizer is None or self.matrix is None:
            return {}
        qv = self.vectorizer.transform([q]).tocsr()
        if qv.nnz == 0:
            return {}
        cols, weights = qv.indices, qv.data.astype(np.float64)
        sub = self.columns[:, cols]  # papers x query terms
        sims = np.asarray(sub @ weights).ravel()
        nonzero = np.flatnonzero(sims > 0)
        if nonzero.size > limit:
            nonzero = nonzero[np.argpartition(-sims[nonzero], limit - 1)[:limit]]
        wanted = sorted(set(nonzero.tolist()) | set(rows))
        if not wanted:
            return {}
        contrib = sub[wanted].toarray() * weights
        out = {}
        for k, i in enumerate(wanted):
            order = sorted(range(len(cols)), key=lambda j: (-contrib[k, j], self.vocabulary[cols[j]]))
            terms = [self.vocabulary[cols[j]] for j in order[:5] if contrib[k, j] > 0]
            out[i] = (float(sims[i]), terms)
        return out
