"""Derived edges: SHARES_KEYWORDS, CITES, and :func:`build_derived` for all of them.

Pure functions, no I/O, no store: papers in, a :class:`graph.models.DerivedGraph`
out, sorted so that the same input always gives the same output.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from graph.errors import param_error
from graph.models import (
    CitationEdge,
    DerivedGraph,
    KeywordScore,
    Paper,
    SharedKeywordsEdge,
)
from graph.coupling import MEASURES, SharedIncidence, bibliometric_arrays
from graph.edge_arrays import EdgeArrays
from graph.ingest.identity import resolve_reference  # the one rule of reference names
from graph.ingest.references import UnresolvedReference, reference_key, reference_nodes
from graph.forked import ForkedCall, use_fork
from graph.process import gc_paused
from graph.similarity import DEFAULT_MIN_SCORE, METHODS, SimilarPairs, similar_pairs
from graph.keyphrases import extract_keywords
from graph.text import text_runs

__all__ = [
    "BuildParams",
    "default_max_keyword_df",
    "default_shares_k",
    "shares_keywords_edges",
    "KeywordIncidence",
    "keyword_incidence",
    "shares_keywords_rows",
    "shares_keywords_arrays",
    "shares_incidence",
    "resolve_reference",
    "citation_edges",
    "citations_and_references",
    "build_derived",
    "bibliometric_edges",
]

logger = logging.getLogger(__name__)

#: ``progress(stage, done, total)``; stages: keywords, similar, shares_keywords, cites, coupled.
BuildProgress = Callable[[str, int, int], None]


#: Upper bound of :func:`default_max_keyword_df`, reached from 50,000 papers.
MAX_KEYWORD_DF_CAP = 1000


def default_max_keyword_df(n_papers: int) -> int:
    """Default cap on a keyword's paper count for SHARES_KEYWORDS:
    ``max(50, 2% of N)``, at most :data:`MAX_KEYWORD_DF_CAP`.

    A keyword held by ``p`` papers can link ``p (p - 1) / 2`` pairs. In a small
    corpus 50 papers is already a broad topic; in a large one 2% of the papers is
    a field-wide term ("black hole" in hep-th, "string theory") that ties
    together papers with little else in common. The cap bounds both the pair
    count and the work (at most ``cap`` x postings). It stops growing at 1,000
    papers: a share of N would let the pairs grow with N squared (synth-300k at
    2%: 7.2M SHARES_KEYWORDS, 48 per paper, against 7.4 per paper on hepth),
    and a keyword held by a thousand papers says little about any two of them.

    >>> default_max_keyword_df(440), default_max_keyword_df(29555), default_max_keyword_df(300000)
    (50, 592, 1000)
    """
    return max(50, min(math.ceil(0.02 * n_papers), MAX_KEYWORD_DF_CAP))


#: Papers from which :func:`default_shares_k` bounds each paper's SHARES_KEYWORDS.
SHARES_K_FROM = 50_000

#: Each paper's SHARES_KEYWORDS kept from :data:`SHARES_K_FROM` papers on (as ``coupling_k``).
DEFAULT_SHARES_K = 20


def default_shares_k(n_papers: int) -> int:
    """Default cap on each paper's SHARES_KEYWORDS: 0 (every pair) below
    :data:`SHARES_K_FROM` papers, :data:`DEFAULT_SHARES_K` from there.

    Once :func:`default_max_keyword_df` stops growing, a keyword's pairs are
    bounded but the keywords held by hundreds of papers multiply: 7.4 pairs
    per paper at hepth (30k), 24 at synth-300k, 56 at synth-1M (28.2M edges,
    docs/scaling.md). Each paper then keeps its strongest pairs (by Jaccard,
    as COUPLED keeps its ``coupling_k``), so the edges grow with N. Below that
    size every pair is kept (hepth's graph is unchanged; its top 20 would keep
    86% of its 109k pairs).

    >>> default_shares_k(29555), default_shares_k(300000)
    (0, 20)
    """
    return 0 if n_papers < SHARES_K_FROM else DEFAULT_SHARES_K


@dataclass(frozen=True, slots=True)
class BuildParams:
    """Knobs of ``citegraph build``; validated on construction.

    >>> BuildParams(k=0)
    Traceback (most recent call last):
    ...
    graph.errors.InvalidParameter: The 'k' parameter of build must be an int in [1, 200]. Got 0 instead.
    """

    keywords_k: int = 8
    keyword_max_words: int = 3
    similarity: str = "tfidf"
    k: int = 10
    min_score: float | None = None
    n_terms: int = 5
    lsa_components: int = 256
    min_shared: int = 2
    max_keyword_df: int | None = None
    #: Each paper's top ``shares_k`` SHARES_KEYWORDS (by Jaccard, then count; a
    #: pair is kept when either end keeps it); 0 keeps every pair, None
    #: :func:`default_shares_k` of the number of papers.
    shares_k: int | None = None
    seed: int = 0
    #: COUPLED / CO_CITED (issue 23, :mod:`graph.coupling`): each paper's top
    #: ``coupling_k`` pairs with at least ``coupling_min_count`` shared works,
    #: ``coupling_measure`` the normalised strength; ``coupling_k`` 0 builds none.
    coupling_k: int = 20
    coupling_min_count: int = 1
    coupling_measure: str = "cosine"

    def __post_init__(self) -> None:
        _int(self.keywords_k, "keywords_k", 1, 50)
        _int(self.keyword_max_words, "keyword_max_words", 1, 5)
        if self.similarity not in METHODS:
            raise param_error("similarity", "build", "one of 'tfidf', 'lsa', 'embedding'", self.similarity)
        _int(self.k, "k", 1, 200)
        if self.min_score is not None and (
            isinstance(self.min_score, bool)
            or not isinstance(self.min_score, (int, float))
            or not 0.0 <= self.min_score < 1.0
        ):
            raise param_error("min_score", "build", "a float in [0, 1) or None", self.min_score)
        _int(self.n_terms, "n_terms", 0, 20)
        _int(self.lsa_components, "lsa_components", 2, 2048)
        _int(self.min_shared, "min_shared", 1, 50)
        if self.max_keyword_df is not None:
            _int(self.max_keyword_df, "max_keyword_df", 2, 10**9, "None or an int")
        if self.shares_k is not None:
            _int(self.shares_k, "shares_k", 0, 200, "None or an int")
        _int(self.seed, "seed", 0, 2**32 - 1)
        _int(self.coupling_k, "coupling_k", 0, 200)
        _int(self.coupling_min_count, "coupling_min_count", 1, 1000)
        if self.coupling_measure not in MEASURES:
            raise param_error("coupling_measure", "build", f"one of {list(MEASURES)}", self.coupling_measure)

    @property
    def effective_min_score(self) -> float:
        """``min_score``, or the default of the similarity method."""
        return DEFAULT_MIN_SCORE[self.similarity] if self.min_score is None else float(self.min_score)

    def effective_shares_k(self, n_papers: int) -> int:
        """``shares_k``, or its default for ``n_papers`` (:func:`default_shares_k`)."""
        return default_shares_k(n_papers) if self.shares_k is None else self.shares_k

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for run records."""
        return asdict(self)


def _int(value: object, name: str, low: int, high: int, prefix: str = "an int") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise param_error(name, "build", f"{prefix} in [{low}, {high}]", value)


def shares_keywords_edges(
    has_keyword: Iterable[KeywordScore],
    *,
    min_shared: int = 2,
    max_df: int | None = None,
    k: int = 0,
) -> list[SharedKeywordsEdge]:
    """SHARES_KEYWORDS: pairs of papers sharing at least ``min_shared`` keywords.

    Keywords held by more than ``max_df`` papers (default
    :func:`default_max_keyword_df`) are ignored for this edge type: they create no
    pair and count for nothing. ``count`` and ``keywords`` are the shared
    remaining keywords, ``jaccard`` is ``count`` over the size of the union of the
    two papers' remaining keywords. Pairs come from keyword -> papers postings
    (a sparse product, in chunks of rows), never from all pairs of papers.
    With ``k``, each paper keeps its ``k`` strongest pairs (Jaccard, then
    count, then the other's id; a pair is kept when either end keeps it).
    The edges of :func:`shares_keywords_arrays`, as objects.

    Returns
    -------
    list of SharedKeywordsEdge
        ``source < target``, sorted by ``(source, target)``; ``jaccard`` rounded
        to 6 decimals; ``keywords`` sorted.

    Examples
    --------
    >>> from graph.models import KeywordScore as K
    >>> rows = [K("a", "x", 1), K("a", "y", 1), K("b", "x", 1), K("b", "y", 1), K("b", "z", 1)]
    >>> shares_keywords_edges(rows)
    [SharedKeywordsEdge(source='a', target='b', count=2, jaccard=0.666667, keywords=('x', 'y'))]
    """
    return list(shares_keywords_arrays(keyword_incidence(has_keyword, max_df=max_df), min_shared=min_shared, k=k))


@dataclass(frozen=True)
class KeywordIncidence:
    """Papers x keywords (0/1, CSR) of SHARES_KEYWORDS (:func:`keyword_incidence`):
    sorted ids, the kept keywords (sorted), the matrix and its transpose."""

    ids: list[str]
    vocab: list[str]
    matrix: sp.csr_matrix
    transposed: sp.csr_matrix


def keyword_incidence(has_keyword: Iterable[KeywordScore], *, max_df: int | None = None) -> KeywordIncidence:
    """The incidence :func:`shares_keywords_edges` compares: keywords held by more
    than ``max_df`` papers (default :func:`default_max_keyword_df`) left out."""
    sets: dict[str, set[str]] = {}
    for row in has_keyword:
        sets.setdefault(row.paper_id, set()).add(row.keyword)
    if max_df is None:
        max_df = default_max_keyword_df(len(sets))
    df = Counter(kw for kws in sets.values() for kw in kws)
    vocab = sorted(kw for kw, n in df.items() if n <= max_df)
    column = {kw: j for j, kw in enumerate(vocab)}
    ids = sorted(sets)
    kept = [sorted(column[kw] for kw in sets[pid] if kw in column) for pid in ids]
    del sets
    indptr = np.cumsum([0] + [len(c) for c in kept])
    indices = np.fromiter((j for c in kept for j in c), dtype=np.int64, count=int(indptr[-1]))
    incidence = sp.csr_matrix(
        (np.ones(len(indices), dtype=np.int32), indices, indptr), shape=(len(ids), len(vocab))
    )
    return KeywordIncidence(ids, vocab, incidence, incidence.T.tocsr())


def shares_keywords_arrays(
    incidence: KeywordIncidence,
    *,
    min_shared: int = 2,
    k: int = 0,
    start: int = 0,
    stop: int | None = None,
    parallel: bool | None = False,
) -> EdgeArrays:
    """The SHARES_KEYWORDS edges whose ``source`` is one of the papers
    ``incidence.ids[start:stop]`` (default: every edge), each paper's top ``k``
    (0: every pair; :func:`shares_keywords_edges`; only of the whole), sorted by
    ``(source, target)``, as columns (:class:`graph.edge_arrays.EdgeArrays`:
    ~40 bytes an edge instead of a few hundred as objects; 28M edges at
    synth-1M). The pairs come from :meth:`graph.coupling.SharedIncidence.kept_pairs`
    (one compiled pass over each row's shared counts; with ``parallel``, on
    several threads), the counts, Jaccard and keywords from
    :meth:`~graph.coupling.SharedIncidence.arrays`. The edges of row blocks,
    concatenated in order, are the whole.

    >>> from graph.models import KeywordScore as K
    >>> inc = keyword_incidence([K("a", "x", 1), K("a", "y", 1), K("b", "x", 1), K("b", "y", 1)])
    >>> shares_keywords_arrays(inc)
    EdgeArrays(SharedKeywordsEdge, 1 edges)
    """
    if isinstance(min_shared, bool) or not isinstance(min_shared, int) or min_shared < 1:
        raise param_error("min_shared", "shares_keywords_edges", "an int >= 1", min_shared)
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise param_error("k", "shares_keywords_edges", "an int >= 0", k)
    ids = incidence.ids
    stop = len(ids) if stop is None else stop
    rows = None if (start, stop) == (0, len(ids)) else np.arange(start, stop, dtype=np.int64)
    if k and rows is not None:
        raise param_error("k", "shares_keywords_arrays", "0 for a block of rows (a top k needs both ends)", k)
    shared = shares_incidence(incidence)
    a, b = shared.kept_pairs(rows, k=k or None, min_count=min_shared, measure="jaccard", parallel=parallel,
                             what="SHARES_KEYWORDS pairs")
    # Every shared keyword is named: at most keywords_k of them.
    edges = shared.arrays(SharedKeywordsEdge, a, b, measure="jaccard", n_shared=len(incidence.vocab))
    logger.info("shares_keywords: papers=%d keywords=%d edges=%d (%d bytes)",
                len(ids), len(incidence.vocab), len(edges), edges.nbytes)
    return edges


def shares_incidence(incidence: KeywordIncidence) -> SharedIncidence:
    """``incidence`` as the :class:`graph.coupling.SharedIncidence` that SHARES_KEYWORDS
    ranks and counts pairs by (papers x kept keywords)."""
    return SharedIncidence(incidence.matrix, incidence.transposed, incidence.ids, incidence.vocab)


def shares_keywords_rows(
    incidence: KeywordIncidence, start: int, stop: int, *, min_shared: int = 2
) -> list[SharedKeywordsEdge]:
    """The SHARES_KEYWORDS edges whose ``source`` is one of the papers
    ``incidence.ids[start:stop]``, sorted by ``(source, target)``, as objects
    (:func:`shares_keywords_arrays`): the edges of row blocks, concatenated in
    order, are :func:`shares_keywords_edges`."""
    return list(shares_keywords_arrays(incidence, min_shared=min_shared, start=start, stop=stop))


def citation_edges(
    papers: Sequence[Paper], reference_index: Mapping[str, str]
) -> tuple[list[CitationEdge], int]:
    """CITES: ``source`` cites ``target``, both papers of ``papers``.

    Each distinct reference of a paper is resolved by
    :class:`graph.ingest.references.ReferenceIndex` over the papers and
    ``reference_index`` (any id a paper carries, then a free-text cited reference by
    first author, year and source; a reference equal to a paper id always resolves).
    A reference that names no paper of ``papers`` is counted as unresolved; one
    naming the citing paper itself is dropped; several naming the same paper
    make one edge.

    Returns
    -------
    edges : list of CitationEdge
        Sorted by ``(source, target)``.
    unresolved : int
        References that named no paper in the graph.

    Examples
    --------
    >>> from graph.models import Paper
    >>> ps = [Paper("a", "A", references=("b", "10.1000/B", "a", "zzz")), Paper("doi:10.1000/b", "B")]
    >>> citation_edges(ps, {"b": "doi:10.1000/b", "doi:10.1000/b": "doi:10.1000/b"})
    ([CitationEdge(source='a', target='doi:10.1000/b')], 1)
    """
    edges, unresolved = citations_and_references(papers, reference_index)
    return edges, len(unresolved)


def citations_and_references(
    papers: Sequence[Paper], reference_index: Mapping[str, str]
) -> tuple[list[CitationEdge], list]:
    """:func:`citation_edges`, with the unresolved references themselves
    (:class:`graph.ingest.references.UnresolvedReference`, one per distinct
    reference text of a paper; None for a blank one) instead of their count:
    what :func:`build_derived` makes Reference nodes of."""
    in_graph = {p.id for p in papers}
    # Edges as integer codes over the sorted ids: sorting 1M string pairs took
    # 6 s at 100k papers, numpy sorts the codes in a tenth of a second.
    order = sorted(in_graph)
    rank = {pid: i for i, pid in enumerate(order)}
    n = len(order)
    codes: list[int] = []
    unresolved: list[UnresolvedReference] = []
    # Names first (any id a paper carries), then free-text cited references by
    # author, year and source: graph.ingest.references.
    from graph.ingest.references import ReferenceIndex

    index = ReferenceIndex(papers, reference_index)
    for paper in papers:
        source = rank[paper.id] * n
        for ref in dict.fromkeys(paper.references):
            stripped = ref.strip()
            target = stripped if stripped in in_graph else index.resolve(ref)
            if target is None or target not in in_graph:
                if stripped:  # a blank reference is counted, and names no node
                    unresolved.append(UnresolvedReference(paper.id, reference_key(ref), ref))
                else:
                    unresolved.append(None)
            elif target != paper.id:
                codes.append(source + rank[target])
    sources, targets = np.divmod(np.unique(np.array(codes, dtype=np.int64)), max(n, 1))
    out = [CitationEdge(order[s], order[t]) for s, t in zip(sources.tolist(), targets.tolist())]
    logger.info("citation_edges: papers=%d edges=%d unresolved=%d", len(in_graph), len(out), len(unresolved))
    return out, unresolved


def _similar_child(ids: list[str], texts: list[str], runs: list, options: dict) -> SimilarPairs:
    return similar_pairs(ids, texts, runs=runs, **options)


def build_derived(
    papers: Sequence[Paper],
    reference_index: Mapping[str, str],
    params: BuildParams | None = None,
    *,
    progress: BuildProgress | None = None,
    parallel: bool | None = None,
) -> DerivedGraph:
    """Everything ``citegraph build`` computes, from the papers alone.

    Keywords (:func:`graph.keyphrases.extract_keywords`, titles weighted), SIMILAR_TO
    (:func:`graph.similarity.similar_edges`, from the text only), SHARES_KEYWORDS
    (:func:`shares_keywords_edges`) and CITES (:func:`citation_edges`).

    Parameters
    ----------
    papers : sequence of Paper
        The papers of the graph (distinct ids; order does not matter).
    reference_index : mapping
        Every name a reference may use for a paper -> its id
        (:meth:`graph.stores.base.GraphStore.reference_index`).
    params : BuildParams, optional
        The knobs; defaults to ``BuildParams()``.
    progress : callable, optional
        ``progress(stage, done, total)`` as each stage advances.
    parallel : bool, optional
        Compute SIMILAR_TO in a forked child process beside the other edges,
        and rank the pairs of a large SHARES_KEYWORDS or COUPLED/CO_CITED
        product on several threads (:meth:`graph.coupling.SharedIncidence.kept_pairs`):
        the same graph, sooner on two cores; None decides by the size
        (:func:`graph.forked.use_fork`), True forks, False never does (and
        ranks on one thread).

    Returns
    -------
    DerivedGraph
        Every tuple sorted; the same papers and params give the same graph.
    """
    params = params or BuildParams()
    ordered = sorted({p.id: p for p in reversed(list(papers))}.values(), key=lambda p: p.id)
    ids = [p.id for p in ordered]
    # In boxes, so that each goes as soon as its last user has it (issue 26):
    # the texts (a copy of every title and abstract) once the keywords and
    # SIMILAR_TO have them, the runs (every token of every text) likewise.
    texts_box = [[p.text for p in ordered]]

    def report(stage: str) -> Callable[[int, int], None]:
        return lambda done, total: progress(stage, done, total) if progress else None

    # No cyclic collection while the build makes its millions of small objects:
    # they hold no cycles, and each full pass re-walks the whole heap (docs/benchmarks.md).
    with gc_paused():
        report("keywords")(0, 1)
        # Each text is tokenised once, for its keywords and its SIMILAR_TO terms.
        runs_box = [[text_runs(t or "") for t in texts_box[0]]]
        similar_options = dict(
            method=params.similarity,
            k=params.k,
            min_score=params.effective_min_score,
            n_terms=params.n_terms,
            n_components=params.lsa_components,
            seed=params.seed,
        )
        child = None
        if use_fork(len(ordered), parallel):
            # SIMILAR_TO in a forked child while this process makes the keywords,
            # SHARES_KEYWORDS and CITES: both halves are mostly CPU-bound Python.
            child = ForkedCall(_similar_child, (ids, texts_box[0], runs_box[0], similar_options),
                               what="SIMILAR_TO", lost="nothing of this build was written")
        try:
            has_keyword, keywords = extract_keywords(
                ids,
                texts_box[0],
                k=params.keywords_k,
                max_n=params.keyword_max_words,
                titles=[p.title for p in ordered],
                runs=runs_box[0],
            )
            report("keywords")(1, 1)
            if child is None:
                pairs = similar_pairs(ids, texts_box.pop(), progress=report("similar"),
                                      runs=runs_box.pop(),  # handed over, not kept: freed once the features are made
                                      **similar_options)
            else:
                runs_box.clear()  # the child has its own (forked) copy
                texts_box.clear()
            report("shares_keywords")(0, 1)
            incidence = keyword_incidence(has_keyword, max_df=params.max_keyword_df)
            shares = shares_keywords_arrays(incidence, min_shared=params.min_shared,
                                            k=params.effective_shares_k(len(ordered)), parallel=parallel)
            del incidence
            report("shares_keywords")(1, 1)
            report("cites")(0, 1)
            cites, unresolved = citations_and_references(ordered, reference_index)
            references, references_edges = reference_nodes(u for u in unresolved if u is not None)
            n_unresolved = len(unresolved)
            del unresolved
            report("cites")(1, 1)
            coupled, co_cited = bibliometric_edges(cites, params, progress=progress, parallel=parallel)
            if child is not None:
                report("similar")(0, 1)
                pairs = child.result()
                report("similar")(1, 1)
        except BaseException:
            if child is not None:
                child.stop()
            raise
    similar = pairs.edges(ids)
    return DerivedGraph(
        keywords=tuple(keywords),
        has_keyword=tuple(has_keyword),
        similar=tuple(similar),
        shares_keywords=shares,
        cites=tuple(cites),
        unresolved_references=n_unresolved,
        coupled=coupled,
        co_cited=co_cited,
        references=references,
        references_edges=references_edges,
    )


def bibliometric_edges(cites: Sequence[CitationEdge], params: BuildParams | None = None, *,
                       progress: BuildProgress | None = None,
                       parallel: bool | None = False) -> tuple[Sequence, Sequence]:
    """COUPLED and CO_CITED from CITES with the knobs of ``params``, from one
    citation incidence (:func:`graph.coupling.bibliometric_arrays`: the edges of
    :func:`graph.coupling.coupling_edges` and :func:`graph.coupling.cocitation_edges`
    held as :class:`graph.edge_arrays.EdgeArrays`, sequences of edge objects);
    none when ``params.coupling_k`` is 0. ``parallel``: as
    :func:`graph.coupling.bibliometric_arrays` (a large product ranked on
    several threads)."""
    params = params or BuildParams()
    if params.coupling_k == 0:
        return (), ()
    if progress:
        progress("coupled", 0, 1)
    coupled, co_cited = bibliometric_arrays(cites, k=params.coupling_k, min_count=params.coupling_min_count,
                                            measure=params.coupling_measure, parallel=parallel)
    if progress:
        progress("coupled", 1, 1)
    return coupled, co_cited
