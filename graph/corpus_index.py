"""The corpus statistics an incremental add scores new papers against.

Pure: papers in, statistics kept in memory, no store and no I/O. Built once over
the stored corpus (it costs a pass over every paper) and updated in place by each
add (:func:`graph.incremental.add_papers`).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from graph.ingest.identity import first_author_key, paper_names, reference_names, resolve_reference
from graph.ingest.references import CitedWork, ReferenceIndex, parse_cited_reference
from graph.models import Paper

__all__ = ["CorpusIndex"]


class CorpusIndex:
    """What scoring a paper against the corpus needs, kept up to date by :meth:`add`.

    - keyword candidates: document frequency ``df`` and collection frequency
      ``cf`` of every candidate phrase, and the number of papers with text;
    - similarity: one sparse row of sublinear term frequencies per paper and the
      document frequency of every term; idf and norms are computed when scoring,
      so they always reflect the current corpus;
    - citations: every name each paper answers to (:func:`graph.ingest.identity.paper_names`,
      smaller id first) and which papers cite each reference name
      (:func:`graph.ingest.identity.reference_names`), so that CITES both ways
      resolve without reading the store.

    Memory is the sparse matrix plus three counters: no per-paper phrase lists.
    """

    def __init__(self, *, max_n: int = 3) -> None:
        self.max_n = max_n
        self.phrase_df: Counter[str] = Counter()
        self.phrase_cf: Counter[str] = Counter()
        self.n_text = 0
        self.ids: list[str | None] = []  # row -> paper id (None: a replaced row)
        self.row: dict[str, int] = {}
        self.vocab: dict[str, int] = {}
        self.terms: list[str] = []
        self.term_df = np.zeros(0, dtype=np.int64)
        self.citing: dict[str, set[str]] = {}
        self.names: dict[str, str] = {}
        self.works = ReferenceIndex()  # papers as citable works (author, year, source)
        self.cited_works: dict[tuple[str, int], dict[CitedWork, set[str]]] = {}
        self._tf = sp.csr_matrix((0, 0), dtype=np.float64)
        self._pending: list[tuple[list[int], list[float]]] = []
        self._recent: dict[str, Counter[str]] = {}

    @classmethod
    def build(cls, papers: Iterable[Paper]) -> "CorpusIndex":
        index = cls()
        index.add(papers)
        return index

    def __len__(self) -> int:
        return len(self.row)

    def add(self, papers: Iterable[Paper], *, replacing: Mapping[str, Paper] | None = None) -> None:
        """Add papers. ``replacing`` holds the previous record of papers already
        indexed (their old statistics are taken out first)."""
        replacing = replacing or {}
        self._recent = {}
        for paper in papers:
            if paper.id in self.row:
                self._forget(replacing.get(paper.id), self.row.pop(paper.id))
            phrases = _phrase_counts(paper, self.max_n)
            self._recent[paper.id] = phrases
            self.phrase_df.update(phrases.keys())
            self.phrase_cf.update(phrases)
            self.n_text += 1 if phrases else 0
            for name in _reference_names(paper):
                self.citing.setdefault(name, set()).add(paper.id)
            for work in _cited_works(paper):
                self.cited_works.setdefault((work.author, work.year), {}).setdefault(work, set()).add(paper.id)
            self._name(paper)
            self.works.add_work(paper)
            self._append_row(paper)

    def _name(self, paper: Paper) -> None:
        """Index the names of a paper: where two papers share one, the smaller id
        keeps it, and a paper's own id always names it (as index_references)."""
        for name in paper_names(paper):
            held = self.names.get(name)
            if held is None or (held != name and paper.id < held) or name == paper.id:
                self.names[name] = paper.id

    def resolve(self, reference: str) -> str | None:
        """The indexed paper a reference names (by name, else as a cited work), or None."""
        found = resolve_reference(reference, self.names)
        if found is None:
            work = parse_cited_reference(reference)
            found = self.works.resolve_work(work) if work is not None else None
        return found

    def citing_as_work(self, paper: Paper) -> set[str]:
        """Indexed papers whose free-text references resolve to ``paper`` as a cited work."""
        out: set[str] = set()
        for work, citers in self.cited_works.get((first_author_key(paper), paper.year), {}).items():
            if citers and self.works.resolve_work(work) == paper.id:
                out |= citers
        return out

    def _forget(self, old: Paper | None, row: int) -> None:
        self._flush()
        self.ids[row] = None
        cols = self._tf.indices[self._tf.indptr[row]:self._tf.indptr[row + 1]]
        self.term_df[cols] -= 1
        self._tf.data[self._tf.indptr[row]:self._tf.indptr[row + 1]] = 0.0
        if old is not None:
            phrases = _phrase_counts(old, self.max_n)
            self.phrase_df.subtract(phrases.keys())
            self.phrase_cf.subtract(phrases)
            self.n_text -= 1 if phrases else 0
            for name in _reference_names(old):
                self.citing.get(name, set()).discard(old.id)
            for work in _cited_works(old):
                self.cited_works.get((work.author, work.year), {}).get(work, set()).discard(old.id)

    def _append_row(self, paper: Paper) -> None:
        from graph.text import terms

        counts = Counter(terms(paper.text))
        cols, vals = [], []
        for term, tf in sorted(counts.items()):
            col = self.vocab.get(term)
            if col is None:
                col = self.vocab[term] = len(self.terms)
                self.terms.append(term)
            cols.append(col)
            vals.append(1.0 + math.log(tf))
        if len(self.terms) > self.term_df.size:
            grow = max(len(self.terms) - self.term_df.size, 1024)
            self.term_df = np.concatenate([self.term_df, np.zeros(grow, np.int64)])
        self.term_df[cols] += 1
        self.row[paper.id] = len(self.ids)
        self.ids.append(paper.id)
        self._pending.append((cols, vals))

    def _flush(self) -> sp.csr_matrix:
        width = len(self.terms)
        if self._pending:
            indptr = np.cumsum([0] + [len(c) for c, _ in self._pending])
            indices = np.fromiter((c for cols, _ in self._pending for c in cols), np.int64, int(indptr[-1]))
            data = np.fromiter((v for _, vals in self._pending for v in vals), np.float64, int(indptr[-1]))
            new = sp.csr_matrix((data, indices, indptr), shape=(len(self._pending), width))
            old = sp.csr_matrix((self._tf.data, self._tf.indices, self._tf.indptr), shape=(self._tf.shape[0], width))
            self._tf = sp.vstack([old, new], format="csr")
            self._pending = []
        elif self._tf.shape[1] != width:
            self._tf = sp.csr_matrix((self._tf.data, self._tf.indices, self._tf.indptr),
                                     shape=(self._tf.shape[0], width))
        return self._tf

    # -- keywords -----------------------------------------------------------------
    def keywords(self, paper_id: str, k: int) -> list[tuple[float, str]]:
        """Keyphrases of a paper of the last :meth:`add`, best first, chosen as
        :func:`graph.keyphrases.extract_keywords` chooses them."""
        # The scoring and choice rules of extract_keywords, shared on purpose (a
        # test pins that both give the same keywords).
        from graph.keyphrases import choose_keyphrases, keyword_eligible

        counts = self._recent.get(paper_id) or Counter()
        if not counts:
            return []
        n_docs = self.n_text
        scored = sorted(
            ((tf * (math.log((1 + n_docs) / (1 + self.phrase_df[p])) + 1.0), p) for p, tf in counts.items()),
            key=lambda item: (-item[0], item[1]),
        )
        eligible = [s for s in scored if keyword_eligible(s[1], counts[s[1]], self.phrase_cf[s[1]])]
        chosen = choose_keyphrases(eligible, counts, k)
        return chosen or choose_keyphrases(scored, counts, 1)

    # -- similarity -------------------------------------------------------------------
    def similar(self, paper_ids: Sequence[str], *, k: int, min_score: float,
                n_terms: int = 5) -> dict[str, list[tuple[str, float, tuple[str, ...]]]]:
        """Top-``k`` most similar indexed papers of each given paper (itself excluded).

        The vectors are those of :func:`graph.similarity.tfidf_features` over the
        current corpus (sublinear tf, smoothed idf, bigrams at
        :data:`~graph.similarity.BIGRAM_WEIGHT`, terms of one paper only left
        out, unit rows), so scores and evidence terms are the ones a build gives.
        Scores must be strictly above ``min_score``; ties go by id.
        """
        from graph.similarity import BIGRAM_WEIGHT, evidence_terms

        tf = self._flush()
        n = len(self.row)
        df = self.term_df[: tf.shape[1]]
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        if n >= 2 and (df >= 2).any():
            idf = np.where(df >= 2, idf, 0.0)  # min_df=2: a term of one paper cannot be shared
        bigram = np.fromiter((" " in t for t in self.terms[: tf.shape[1]]), bool, tf.shape[1])
        idf = np.where(bigram, idf * BIGRAM_WEIGHT, idf)
        weighted = (tf @ sp.diags(idf)).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        unit = (sp.diags(1.0 / norms) @ weighted).tocsr()
        out: dict[str, list[tuple[str, float, tuple[str, ...]]]] = {}
        for pid in paper_ids:
            i = self.row[pid]
            q = unit[i]
            q.eliminate_zeros()
            if q.nnz == 0:
                out[pid] = []
                continue
            scores = np.asarray((unit @ q.T).todense()).ravel()
            scores[i] = -np.inf
            candidates = np.flatnonzero(scores > min_score)
            best = sorted((j for j in candidates.tolist() if self.ids[j] is not None),
                          key=lambda j: (-scores[j], self.ids[j]))[:k]
            found = []
            for j in best:
                shared = q.multiply(unit[j]).tocoo()
                pairs = sorted(zip(shared.data.tolist(), shared.col.tolist()),
                               key=lambda t: (-t[0], self.terms[t[1]]))
                terms = evidence_terms([self.terms[c] for w, c in pairs if w > 0], n_terms)
                found.append((self.ids[j], round(float(scores[j]), 6), terms))
            out[pid] = found
        return out


def _reference_names(paper: Paper) -> set[str]:
    """Every name the references of a paper may mean (graph.ingest.identity.reference_names)."""
    return {name for ref in paper.references for name in reference_names(ref)}


def _cited_works(paper: Paper) -> list[CitedWork]:
    """The free-text references of a paper that name no one by an id."""
    out = []
    for ref in paper.references:
        if len(reference_names(ref)) == 1:  # no DOI, arXiv or other id in it
            work = parse_cited_reference(ref)
            if work is not None:
                out.append(work)
    return out


def _phrase_counts(paper: Paper, max_n: int) -> Counter[str]:
    """Candidate phrase counts of a paper, title counted twice (as extract_keywords does)."""
    from graph.keyphrases import phrase_counts

    return phrase_counts(paper.text or "", title=paper.title, max_n=max_n)
