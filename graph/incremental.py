"""Incremental writes: add papers and derive their edges against the stored corpus.

``POST /papers`` must not rebuild the whole graph. :func:`add_papers` writes the
new (or merged) records, then computes, for those papers only:

- their **keywords**, scored by TF-IDF against the corpus as
  :func:`graph.text.extract_keywords` does (same candidates, same idf formula,
  same choice rule), with the corpus statistics kept in a :class:`CorpusIndex`;
- their **SIMILAR_TO** edges: cosine of TF-IDF vectors (terms of
  :func:`graph.text.analyze`) against every stored paper, top ``k`` above
  ``min_score``, each with its top shared terms;
- their **SHARES_KEYWORDS** edges with stored papers sharing at least
  ``min_shared`` keywords (keywords held by too many papers make no pairs);
- their **CITES** edges, both ways: references of the new papers to stored ones,
  and references of stored papers that name a new paper.

and merges them into the store with :meth:`GraphStore.add_derived`. Edges among
old papers are left alone (a stored paper's top-k list is not recomputed: the new
paper joins it as an extra neighbour); communities and scores change with the
next analyze. The :class:`CorpusIndex` is the part that costs O(corpus): build it
once and keep it (the API service does), it is updated in place by each add.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from graph.errors import InvalidParameter, KeywordNotFound, param_error
from graph.models import (
    CitationEdge,
    DerivedGraph,
    Keyword,
    KeywordScore,
    Paper,
    SharedKeywordsEdge,
    SimilarEdge,
    merge_papers,
    normalize_arxiv,
    normalize_doi,
    paper_id,
)
from graph.stores.base import GraphStore, edge_key

__all__ = [
    "IncrementalParams",
    "IncrementalReport",
    "CorpusIndex",
    "papers_from_records",
    "params_from_last_build",
    "add_papers",
]

log = logging.getLogger(__name__)

_AUTHOR_SPLIT = re.compile(r"\s*;\s*|\s+and\s+")


@dataclass(frozen=True)
class IncrementalParams:
    """Knobs of an incremental add; by default those of the last build
    (:func:`params_from_last_build`), with the names of :class:`graph.edges.BuildParams`.

    Attributes
    ----------
    k : int
        SIMILAR_TO neighbours kept per new paper.
    min_score : float or None
        Minimum TF-IDF cosine of a SIMILAR_TO edge; None: the tfidf default.
    n_terms : int
        Shared terms kept as evidence on a SIMILAR_TO edge.
    keywords_k : int
        Keywords per new paper.
    min_shared : int
        Shared keywords needed for SHARES_KEYWORDS.
    max_keyword_df : int or None
        A keyword held by more papers makes no SHARES_KEYWORDS pairs; None: the
        build's default (:func:`graph.edges.default_max_keyword_df`).
    """

    k: int = 10
    min_score: float | None = None
    n_terms: int = 5
    keywords_k: int = 8
    min_shared: int = 2
    max_keyword_df: int | None = None

    def __post_init__(self) -> None:
        for name, low, high in (("k", 1, 200), ("n_terms", 0, 50), ("keywords_k", 1, 100), ("min_shared", 1, 50)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise param_error(name, "add_papers", f"an int in [{low}, {high}]", value)
        if self.min_score is not None and not 0.0 <= float(self.min_score) < 1.0:
            raise param_error("min_score", "add_papers", "a float in [0, 1) or None", self.min_score)
        if self.max_keyword_df is not None and (isinstance(self.max_keyword_df, bool)
                                                or not isinstance(self.max_keyword_df, int)
                                                or self.max_keyword_df < 2):
            raise param_error("max_keyword_df", "add_papers", "None or an int >= 2", self.max_keyword_df)

    @property
    def effective_min_score(self) -> float:
        from graph.similarity import DEFAULT_MIN_SCORE

        return DEFAULT_MIN_SCORE["tfidf"] if self.min_score is None else float(self.min_score)

    def keyword_cap(self, n_papers: int) -> int:
        from graph.edges import default_max_keyword_df

        return self.max_keyword_df if self.max_keyword_df is not None else default_max_keyword_df(n_papers)


@dataclass
class IncrementalReport:
    ids: tuple[str, ...]
    added: int
    updated: int
    edges: dict[str, int] = field(default_factory=dict)


# --- records -> papers ------------------------------------------------------------


def papers_from_records(records: Sequence[Mapping[str, Any]]) -> list[Paper]:
    """API records (``id``, ``title``, ``abstract``, ``authors``, ...) to papers,
    with ids from the one identity rule (NFC-normalised). Raises InvalidParameter
    naming the record that has no text, an id with an invisible or bidirectional
    control character, or the records that share one id."""
    from graph.ingest.fields import id_problem

    out = []
    first_at: dict[str, int] = {}
    duplicates: dict[str, list[int]] = {}
    for i, rec in enumerate(records):
        title = (rec.get("title") or "").strip()
        abstract = (rec.get("abstract") or "").strip()
        if not title and not abstract:
            raise InvalidParameter(
                f"The 'papers[{i}]' parameter of POST /papers must be a paper with a title or an abstract. "
                "Got neither instead.", name=f"papers[{i}]")
        authors = rec.get("authors") or ()
        if isinstance(authors, str):
            authors = [a for a in _AUTHOR_SPLIT.split(authors) if a.strip()]
        try:
            pid = paper_id(doi=rec.get("doi"), arxiv_id=rec.get("arxiv_id"), given_id=rec.get("id"),
                           title=title, abstract=abstract)
        except ValueError:
            raise InvalidParameter(
                f"The 'papers[{i}]' parameter of POST /papers must have an id, a DOI, an arXiv id or a title "
                "with letters or digits. Got none instead.", name=f"papers[{i}]") from None
        # The given id (the schema refuses these too); DOI and arXiv ids are
        # normalised by patterns that admit no invisible character.
        problem = id_problem(pid) if rec.get("id") is not None and not pid.startswith(("doi:", "arxiv:")) else None
        if problem:
            raise InvalidParameter(
                f"The 'papers[{i}]' parameter of POST /papers must have a valid id: {problem}. "
                f"Got {pid!r} instead.", name=f"papers[{i}].id")
        if pid in first_at:
            duplicates.setdefault(pid, [first_at[pid]]).append(i)
        else:
            first_at[pid] = i
        out.append(Paper(
            id=pid, title=title, abstract=abstract, authors=tuple(a.strip() for a in authors if a.strip()),
            year=rec.get("year"), venue=rec.get("venue") or None, doi=normalize_doi(rec.get("doi")),
            arxiv_id=normalize_arxiv(rec.get("arxiv_id")), url=rec.get("url") or None,
            label=rec.get("label") or None,
            references=tuple(dict.fromkeys(unicodedata.normalize("NFC", str(r).strip())
                                           for r in rec.get("references") or () if str(r).strip())),
        ))
    if duplicates:
        listed = "; ".join(f"{pid!r} at " + ", ".join(f"papers[{i}]" for i in at) for pid, at in duplicates.items())
        raise InvalidParameter(
            f"The 'papers' parameter of POST /papers must name each paper once. Got the same id more than once: "
            f"{listed}.", name="papers")
    return out


def params_from_last_build(store: GraphStore) -> IncrementalParams:
    """The knobs of the most recent build run (its ``k``, ``min_score``, ...).

    Incremental similarity is always TF-IDF: after an ``lsa`` or ``embedding``
    build, the tfidf default ``min_score`` is used instead of the build's.
    """
    for run in store.runs(limit=20):
        if run.kind != "build":
            continue
        known = set(IncrementalParams.__dataclass_fields__)
        values = {k: v for k, v in dict(run.params).items() if k in known}
        if run.params.get("similarity", "tfidf") != "tfidf":
            values.pop("min_score", None)
        try:
            return IncrementalParams(**values)
        except (InvalidParameter, TypeError):
            log.warning("last build params not usable for incremental adds; using defaults")
            break
    return IncrementalParams()


# --- corpus statistics ----------------------------------------------------------------


class CorpusIndex:
    """What scoring a paper against the corpus needs, kept up to date by :meth:`add`.

    - keyword candidates: document frequency ``df`` and collection frequency
      ``cf`` of every candidate phrase, and the number of papers with text;
    - similarity: one sparse row of sublinear term frequencies per paper and the
      document frequency of every term; idf and norms are computed when scoring,
      so they always reflect the current corpus;
    - citations: which papers name each raw reference string.

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
            self._append_row(paper)

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

    def _append_row(self, paper: Paper) -> None:
        from graph.text import analyze

        counts = Counter(analyze(paper.text))
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
        :func:`graph.text.extract_keywords` chooses them."""
        # The scoring and choice rules of extract_keywords, shared on purpose (a
        # test pins that both give the same keywords).
        from graph.text import choose_keyphrases, keyword_eligible

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
        from graph.similarity import BIGRAM_WEIGHT

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
                terms = tuple(self.terms[c] for w, c in pairs[:n_terms] if w > 0)
                found.append((self.ids[j], round(float(scores[j]), 6), terms))
            out[pid] = found
        return out


def _reference_names(paper: Paper) -> set[str]:
    """Every form under which a reference may name a paper (as given, and its
    normalised DOI or arXiv id, prefixed and bare), as resolve_reference tries."""
    names = set()
    for ref in paper.references:
        ref = ref.strip()
        if not ref:
            continue
        names.add(ref)
        doi = normalize_doi(ref)
        if doi:
            names.update((doi, f"doi:{doi}"))
            continue
        arxiv = normalize_arxiv(ref)
        if arxiv:
            names.update((arxiv, f"arxiv:{arxiv}"))
    return names


def _phrase_counts(paper: Paper, max_n: int) -> Counter[str]:
    """Candidate phrase counts of a paper, title counted twice (as extract_keywords does)."""
    from graph.text import phrase_counts

    return phrase_counts(paper.text or "", title=paper.title, max_n=max_n)


# --- the add ------------------------------------------------------------------------------


def add_papers(
    store: GraphStore,
    papers: Sequence[Paper],
    *,
    params: IncrementalParams | None = None,
    index: CorpusIndex | None = None,
    batch_size: int = 5000,
) -> IncrementalReport:
    """Write papers (merged with stored ones) and their derived edges.

    Parameters
    ----------
    store : GraphStore
    papers : sequence of Paper
    params : IncrementalParams, optional
        Default: those of the last build (:func:`params_from_last_build`).
    index : CorpusIndex, optional
        Statistics of the stored corpus *before* this add; updated in place. Built
        from the store when not given (costs a pass over every paper).
    """
    params = params or params_from_last_build(store)
    resolved = _resolve(store, papers)
    stored = store.get_papers(resolved)
    merged = {pid: merge_papers(stored[pid], p) if pid in stored else p for pid, p in resolved.items()}
    ordered = [merged[pid] for pid in sorted(merged)]
    store.upsert_papers(ordered, batch_size=batch_size)
    if index is None:
        index = CorpusIndex.build(p for p in store.iter_papers() if p.id not in merged)
    index.add(ordered, replacing=stored)
    new_ids = [p.id for p in ordered]

    derived = _derive(store, ordered, index, params)
    store.add_derived(derived, batch_size=batch_size)
    report = IncrementalReport(
        ids=tuple(dict.fromkeys(resolved_id for resolved_id in _ids_in_request_order(papers, resolved))),
        added=len(new_ids) - len(stored),
        updated=len(stored),
        edges={"HAS_KEYWORD": len(derived.has_keyword), "SIMILAR_TO": len(derived.similar),
               "SHARES_KEYWORDS": len(derived.shares_keywords), "CITES": len(derived.cites)},
    )
    log.info("added %d papers (%d new): %s", len(new_ids), report.added, report.edges)
    return report


def _resolve(store: GraphStore, papers: Sequence[Paper]) -> dict[str, Paper]:
    """Identity across the request and the store: same id or same title key."""
    by_title = store.ids_by_title_key({p.title_key for p in papers if p.title_key})
    out: dict[str, Paper] = {}
    for paper in papers:
        stored_id = by_title.get(paper.title_key) if paper.title_key else None
        if stored_id and stored_id != paper.id:
            paper = replace(paper, id=stored_id)
        out[paper.id] = merge_papers(out[paper.id], paper) if paper.id in out else paper
    return out


def _ids_in_request_order(papers: Sequence[Paper], resolved: Mapping[str, Paper]) -> list[str]:
    by_title = {p.title_key: pid for pid, p in resolved.items() if p.title_key}
    out = []
    for p in papers:
        out.append(p.id if p.id in resolved else by_title.get(p.title_key, p.id))
    return out


def _derive(store: GraphStore, new: Sequence[Paper], index: CorpusIndex, params: IncrementalParams) -> DerivedGraph:
    new_ids = {p.id for p in new}
    # Keywords of the new papers.
    has_keyword: list[KeywordScore] = []
    chosen: dict[str, list[str]] = {}
    for p in new:
        picks = index.keywords(p.id, params.keywords_k)
        chosen[p.id] = [phrase for _, phrase in picks]
        has_keyword += [KeywordScore(p.id, phrase, round(score, 6)) for score, phrase in picks]

    # Keyword df (papers having the keyword) and who else has each keyword.
    holders: dict[str, set[str]] = {}
    for name in sorted({kw for kws in chosen.values() for kw in kws}):
        try:
            stored_holders = {pid for pid, _ in store.keyword_papers(name, limit=1_000_000)}
        except KeywordNotFound:
            stored_holders = set()
        holders[name] = (stored_holders - new_ids) | {pid for pid, kws in chosen.items() if name in kws}
    keywords = [Keyword(name, len(h)) for name, h in sorted(holders.items())]

    # SHARES_KEYWORDS as the build counts them: keywords held by more than the
    # cap make no pair and count for nothing (Jaccard over the kept keywords).
    # Approximation: a stored paper's keywords that are over the cap and not
    # shared with the new paper still count in its size.
    cap = params.keyword_cap(index.n_text)
    shares: dict[tuple[str, str], SharedKeywordsEdge] = {}
    kept = {pid: [kw for kw in kws if len(holders[kw]) <= cap] for pid, kws in chosen.items()}
    sizes: dict[str, int] = {pid: len(kws) for pid, kws in kept.items()}
    for pid, kws in kept.items():
        shared: dict[str, list[str]] = {}
        for name in kws:
            for other in holders[name]:
                if other != pid:
                    shared.setdefault(other, []).append(name)
        for other, names in sorted(shared.items()):
            if len(names) < params.min_shared:
                continue
            if other not in sizes:
                over = sum(1 for kw in chosen[pid] if kw not in kws and other in holders[kw])
                sizes[other] = len(store.get_paper(other).keywords) - over
            union = sizes[pid] + sizes[other] - len(names)
            a, b = edge_key(pid, other)
            shares[(a, b)] = SharedKeywordsEdge(a, b, len(names), round(len(names) / union, 6) if union else 0.0,
                                                tuple(sorted(names)))

    # SIMILAR_TO against the whole corpus.
    similar: dict[tuple[str, str], SimilarEdge] = {}
    for pid, found in index.similar([p.id for p in new], k=params.k, min_score=params.effective_min_score,
                                    n_terms=params.n_terms).items():
        for other, score, terms in found:
            a, b = edge_key(pid, other)
            if (a, b) not in similar or similar[(a, b)].score < score:
                similar[(a, b)] = SimilarEdge(a, b, score, terms)

    # CITES both ways, references resolved as the build resolves them.
    from graph.edges import resolve_reference

    ref_index = store.reference_index()
    cites: set[tuple[str, str]] = set()
    unresolved = 0
    for p in new:
        for ref in dict.fromkeys(p.references):
            target = ref.strip() if ref.strip() in index.row else resolve_reference(ref, ref_index)
            if target is None or target not in index.row:
                unresolved += 1
            elif target != p.id:
                cites.add((p.id, target))
    for name, pid in ref_index.items():
        if pid in new_ids:
            for citing in index.citing.get(name, ()):
                if citing != pid:
                    cites.add((citing, pid))

    return DerivedGraph(
        keywords=tuple(keywords),
        has_keyword=tuple(sorted(has_keyword, key=lambda h: (h.paper_id, -h.score, h.keyword))),
        similar=tuple(similar[k] for k in sorted(similar)),
        shares_keywords=tuple(shares[k] for k in sorted(shares)),
        cites=tuple(CitationEdge(s, t) for s, t in sorted(cites)),
        unresolved_references=unresolved,
    )
