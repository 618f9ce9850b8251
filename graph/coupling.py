"""Bibliographic coupling and co-citation: COUPLED and CO_CITED edges.

Pure functions over citation pairs, no I/O:

- :func:`coupling_edges`: two papers are *coupled* when they cite the same
  works (Kessler 1963); the rows of the citing x cited incidence ``C``,
  compared by ``C C^T``;
- :func:`cocitation_edges`: two papers are *co-cited* when the same papers
  cite both (Small 1973); the columns, compared by ``C^T C``.

The counts come from sparse products in chunks of rows sized by their work
(never a dense N x N matrix), the evidence of the kept pairs in chunks of
pairs sized by theirs, so that papers cited by thousands do not blow up one
chunk; :func:`bibliometric_arrays` builds one incidence for both kinds and
holds the edges as columns (:class:`graph.edge_arrays.EdgeArrays`). Each paper keeps its ``k`` strongest pairs with
at least ``min_count`` shared works (a pair is kept when either end keeps
it), so a review citing 400 papers or a classic cited by 2,000 makes no
clique of thousands. ``strength`` is the count normalised by the sizes:

- ``cosine`` (Salton): ``c / sqrt(n_a n_b)``, in (0, 1];
- ``association`` (VOSviewer's association strength ``c / (n_a n_b)``,
  scaled by ``max(n_a, n_b)``, :func:`strength`).

Which ranks better was measured with ``citegraph evaluate --holdout``
(docs/quality.md): cosine, the default. :func:`citation_chains` gives the
two-step citation paths that the ``cites`` signal of ``related`` adds.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from graph.edge_arrays import EdgeArrays
from graph.errors import param_error
from graph.models import CitationEdge, CoCitedEdge, CoupledEdge

__all__ = [
    "MEASURES",
    "strength",
    "bibliometric_arrays",
    "coupling_edges",
    "cocitation_edges",
    "coupling_edges_around",
    "cocitation_edges_around",
    "shared_counts",
    "shared_counts_around",
    "SharedIncidence",
    "citation_pairs",
    "citation_chains",
]

logger = logging.getLogger(__name__)

#: Normalisations of a shared count.
MEASURES = ("cosine", "association")

#: Work of one chunk of :meth:`SharedIncidence.arrays`: the incidence entries its
#: pairs read (evidence). Bounds its memory whatever the degrees: a chunk holds
#: one pair more than this at most.
_WORK_PER_CHUNK = 2_000_000

#: Product entries of one piece of rows of :meth:`SharedIncidence.kept_pairs`
#: (a few tenths of a second of the kernel): the unit the threads share.
_WORK_PER_PIECE = 50_000_000

#: Product entries (the sum over shared works of their number of citers,
#: squared) from which :meth:`SharedIncidence.kept_pairs` runs its pieces on
#: :data:`THREADS` threads when the caller leaves it to size (``parallel=None``):
#: COUPLED's product grows ~N^1.7 (a classic cited by d papers makes d^2
#: entries: 3.7G at synth-300k, 28G at 1M).
_PARALLEL_MIN_WORK = 100_000_000

#: Threads of :meth:`SharedIncidence.kept_pairs` (at most one per core).
THREADS = 4


def strength(count: int, n_a: int, n_b: int, *, measure: str = "cosine") -> float:
    """The normalised strength of ``count`` shared works between sets of sizes
    ``n_a`` and ``n_b``.

    ``cosine`` is ``count / sqrt(n_a n_b)``. ``association`` is
    ``count / (n_a n_b)`` (VOSviewer's association strength up to the corpus
    constant), times ``max(n_a, n_b)`` so that it is 1 for equal sets: per
    paper it ranks as association strength does, penalising a large partner
    set linearly where cosine penalises it by a square root.

    >>> strength(2, 4, 4), strength(2, 4, 4, measure="association")
    (0.5, 0.5)
    >>> strength(2, 2, 8), strength(2, 2, 8, measure="association")
    (0.5, 1.0)
    """
    if n_a <= 0 or n_b <= 0:
        return 0.0
    if measure == "cosine":
        return round(count / float(np.sqrt(n_a * n_b)), 6)
    return round(count * max(n_a, n_b) / (n_a * n_b), 6)


def coupling_edges(
    cites: Iterable[CitationEdge | tuple[str, str]],
    *,
    k: int = 10,
    min_count: int = 1,
    measure: str = "cosine",
    n_shared: int = 5,
) -> list[CoupledEdge]:
    """COUPLED: pairs of papers citing the same works.

    Parameters
    ----------
    cites : iterable of CitationEdge or (citing, cited)
        Directed citations (duplicates and self-citations are ignored).
    k : int
        Each paper keeps its ``k`` strongest couplings (ties by count, then id).
    min_count : int
        Fewest shared references for a pair.
    measure : {'cosine', 'association'}
        The ``strength`` (:func:`strength`).
    n_shared : int
        How many of the shared references the edge names (the smallest ids).

    Returns
    -------
    list of CoupledEdge
        ``source < target``, sorted by ``(source, target)``.

    Examples
    --------
    >>> coupling_edges([("a", "x"), ("a", "y"), ("b", "x"), ("b", "y"), ("c", "y")])
    [CoupledEdge(source='a', target='b', count=2, strength=1.0, shared=('x', 'y')), \
CoupledEdge(source='a', target='c', count=1, strength=0.707107, shared=('y',)), \
CoupledEdge(source='b', target='c', count=1, strength=0.707107, shared=('y',))]
    """
    coupled, _ = bibliometric_arrays(cites, k=k, min_count=min_count, measure=measure, n_shared=n_shared,
                                     kinds=("coupled",), where="coupling_edges")
    return list(coupled)


def cocitation_edges(
    cites: Iterable[CitationEdge | tuple[str, str]],
    *,
    k: int = 10,
    min_count: int = 1,
    measure: str = "cosine",
    n_shared: int = 5,
) -> list[CoCitedEdge]:
    """CO_CITED: pairs of papers cited by the same papers; knobs as
    :func:`coupling_edges`, ``citers`` names the shared citing papers.

    >>> cocitation_edges([("x", "a"), ("x", "b"), ("y", "a")], min_count=1)
    [CoCitedEdge(source='a', target='b', count=1, strength=0.707107, citers=('x',))]
    """
    _, co_cited = bibliometric_arrays(cites, k=k, min_count=min_count, measure=measure, n_shared=n_shared,
                                      kinds=("co_cited",), where="cocitation_edges")
    return list(co_cited)


def bibliometric_arrays(
    cites: Iterable[CitationEdge | tuple[str, str]],
    *,
    k: int = 10,
    min_count: int = 1,
    measure: str = "cosine",
    n_shared: int = 5,
    kinds: Sequence[str] = ("coupled", "co_cited"),
    where: str = "bibliometric_arrays",
    parallel: bool | None = False,
) -> tuple[EdgeArrays, EdgeArrays]:
    """COUPLED and CO_CITED from one citation incidence, as columns.

    The edges of :func:`coupling_edges` and :func:`cocitation_edges` (same
    knobs), in the same order, held as :class:`graph.edge_arrays.EdgeArrays`
    (~40 bytes an edge instead of objects). The citing x cited incidence ``C``
    is built once, over one index of every paper; coupling compares its rows,
    co-citation its columns (the rows of ``C^T``, also built once).

    Parameters
    ----------
    kinds : sequence of {'coupled', 'co_cited'}
        Which to compute; the other comes back empty.
    parallel : bool or None, default False
        Whether the pairs are ranked on several threads
        (:meth:`SharedIncidence.kept_pairs`; None: from a product of
        :data:`_PARALLEL_MIN_WORK` entries on); the same edges either way.

    Returns
    -------
    (coupled, co_cited) : tuple of EdgeArrays

    Examples
    --------
    >>> coupled, co_cited = bibliometric_arrays([("a", "x"), ("b", "x"), ("a", "y"), ("b", "y")])
    >>> list(coupled)
    [CoupledEdge(source='a', target='b', count=2, strength=1.0, shared=('x', 'y'))]
    >>> list(co_cited)
    [CoCitedEdge(source='x', target='y', count=2, strength=1.0, citers=('a', 'b'))]
    """
    _check_knobs(where, k, min_count, measure, n_shared)
    unknown = set(kinds) - {"coupled", "co_cited"}
    if unknown:
        raise param_error("kinds", where, "a subset of ['coupled', 'co_cited']", sorted(unknown))
    ids, r, c = _index(cites)
    out = [EdgeArrays.empty(CoupledEdge), EdgeArrays.empty(CoCitedEdge)]
    if not len(r):
        return out[0], out[1]
    n = len(ids)
    C = _binary_csr(r, c, n)
    del r, c
    CT = C.T.tocsr()
    for i, (kind, name, inc, incT) in enumerate(((CoupledEdge, "coupled", C, CT), (CoCitedEdge, "co_cited", CT, C))):
        if name in kinds:
            rel = SharedIncidence(inc, incT, ids, ids)
            a, b = rel.kept_pairs(None, k=k, min_count=min_count, measure=measure, parallel=parallel)
            out[i] = rel.arrays(kind, a, b, measure=measure, n_shared=n_shared)
            logger.info("%s: citations=%d edges=%d (%d bytes)", where if len(kinds) == 1 else name,
                        C.nnz, len(out[i]), out[i].nbytes)
    return out[0], out[1]


def coupling_edges_around(
    cites: Iterable[CitationEdge | tuple[str, str]],
    changed: Iterable[str],
    **knobs,
) -> tuple[frozenset[str], list[CoupledEdge]]:
    """The COUPLED edges that new citations *from* the ``changed`` papers can
    alter: ``(touched, edges)``, where ``edges`` are exactly those of
    ``coupling_edges(cites, **knobs)`` with an end in ``touched``
    (:func:`shared_counts_around`). An incremental add replaces the stored
    COUPLED edges touching ``touched`` by ``edges``.

    >>> touched, edges = coupling_edges_around([("a", "x"), ("b", "x"), ("c", "z")], ["a"])
    >>> sorted(touched), edges
    (['a', 'b'], [CoupledEdge(source='a', target='b', count=1, strength=1.0, shared=('x',))])
    """
    kn = _knobs(knobs)
    pairs = _pairs(cites, "coupling_edges", **kn)
    touched, rows = shared_counts_around(pairs, changed, **kn)
    return touched, [CoupledEdge(a, b, c, s, ev) for a, b, c, s, ev in rows]


def cocitation_edges_around(
    cites: Iterable[CitationEdge | tuple[str, str]],
    changed: Iterable[str],
    **knobs,
) -> tuple[frozenset[str], list[CoCitedEdge]]:
    """The CO_CITED edges that new citations *to* the ``changed`` papers can
    alter, as :func:`coupling_edges_around` (``cocitation_edges``)."""
    kn = _knobs(knobs)
    pairs = _pairs(cites, "cocitation_edges", **kn)
    touched, rows = shared_counts_around([(b, a) for a, b in pairs], changed, **kn)
    return touched, [CoCitedEdge(a, b, c, s, ev) for a, b, c, s, ev in rows]


def _knobs(knobs: dict) -> dict:
    unknown = set(knobs) - {"k", "min_count", "measure", "n_shared"}
    if unknown:
        raise TypeError(f"unknown knobs: {sorted(unknown)}")
    return {"k": knobs.get("k", 10), "min_count": knobs.get("min_count", 1),
            "measure": knobs.get("measure", "cosine"), "n_shared": knobs.get("n_shared", 5)}


def _check_knobs(where: str, k: int, min_count: int, measure: str, n_shared: int) -> None:
    for name, value, low in (("k", k, 1), ("min_count", min_count, 1), ("n_shared", n_shared, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise param_error(name, where, f"an int >= {low}", value)
    if measure not in MEASURES:
        raise param_error("measure", where, f"one of {list(MEASURES)}", measure)


def _index(cites) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(ids, r, c)``: every paper named, sorted, and each citation (self-citations
    dropped, duplicates kept) as indices into ``ids``."""
    src: list[str] = []
    dst: list[str] = []
    for e in cites:
        a, b = (e.source, e.target) if hasattr(e, "source") else tuple(e)
        if a != b:
            src.append(str(a))
            dst.append(str(b))
    ids = sorted(set(src) | set(dst))
    index = {p: i for i, p in enumerate(ids)}
    r = np.fromiter((index[a] for a in src), dtype=np.int64, count=len(src))
    c = np.fromiter((index[b] for b in dst), dtype=np.int64, count=len(dst))
    return ids, r, c


def _binary_csr(r: np.ndarray, c: np.ndarray, n_rows: int, n_cols: int | None = None) -> sp.csr_matrix:
    """The 0/1 incidence with a one at each ``(r, c)`` (duplicates count once)."""
    inc = sp.csr_matrix((np.ones(len(r), dtype=np.float64), (r, c)), shape=(n_rows, n_rows if n_cols is None else n_cols))
    inc.sum_duplicates()
    inc.data[:] = 1.0
    return inc


def _pairs(cites, where: str, k: int, min_count: int, measure: str, n_shared: int) -> list[tuple[str, str]]:
    _check_knobs(where, k, min_count, measure, n_shared)
    return citation_pairs(cites)


def citation_pairs(cites: Iterable[CitationEdge | tuple[str, str]]) -> list[tuple[str, str]]:
    """``(citing, cited)`` pairs, distinct, sorted, self-citations left out: the
    memberships of COUPLED (CO_CITED: reversed) that :meth:`SharedIncidence.of` takes.

    >>> citation_pairs([("b", "a"), ("a", "a"), ("b", "a")])
    [('b', 'a')]
    """
    out = set()
    for e in cites:
        a, b = (e.source, e.target) if hasattr(e, "source") else tuple(e)
        if a != b:
            out.add((str(a), str(b)))
    return sorted(out)


def shared_counts(
    memberships: Sequence[tuple[str, str]],
    *,
    k: int = 10,
    min_count: int = 1,
    measure: str = "cosine",
    n_shared: int = 5,
) -> list[tuple[str, str, int, float, tuple[str, ...]]]:
    """Pairs of items sharing features, from ``(item, feature)`` memberships:
    ``(a, b, count, strength, shared)`` with ``a < b``, each item's ``k``
    strongest pairs of at least ``min_count`` shared features, sorted by
    ``(a, b)``. ``shared`` holds the ``n_shared`` smallest shared features.

    >>> shared_counts([("a", "x"), ("b", "x"), ("b", "y")])
    [('a', 'b', 1, 0.707107, ('x',))]
    """
    if not memberships:
        return []
    inc = SharedIncidence.of(memberships)
    a, b = inc.kept_pairs(None, k=k, min_count=min_count, measure=measure)
    return inc.rows(a, b, measure=measure, n_shared=n_shared)


def shared_counts_around(
    memberships: Sequence[tuple[str, str]],
    changed: Iterable[str],
    *,
    k: int = 10,
    min_count: int = 1,
    measure: str = "cosine",
    n_shared: int = 5,
) -> tuple[frozenset[str], list[tuple[str, str, int, float, tuple[str, ...]]]]:
    """The part of :func:`shared_counts` that a change of some items' features
    can alter, computed from those items' neighbourhood only.

    When the features of the ``changed`` items are new or different, the
    counts and sizes of every pair touching them change, so the top ``k`` of
    every item sharing a feature with them may change too: those items and the
    changed ones are the *touched* set ``T``. Pairs with no end in ``T`` keep
    their count, strength and both ends' top ``k``. Returns ``(T, rows)``:
    ``rows`` are exactly the rows of ``shared_counts(memberships)`` with an end
    in ``T`` (the top ``k`` of ``T`` and of their partners is computed, a
    product over those rows only), so that replacing the stored pairs touching
    ``T`` by ``rows`` gives the full result.

    >>> m = [("a", "x"), ("b", "x"), ("b", "y"), ("c", "z"), ("d", "z")]
    >>> touched, rows = shared_counts_around(m, ["a"])
    >>> sorted(touched), rows
    (['a', 'b'], [('a', 'b', 1, 0.707107, ('x',))])
    """
    if not memberships:
        return frozenset(), []
    inc = SharedIncidence.of(memberships)
    seeds = np.array(sorted(inc.irow[x] for x in set(changed) if x in inc.irow), dtype=np.int64)
    touched = inc.partners(seeds)
    a, b = inc.kept_pairs(inc.partners(touched), k=k, min_count=min_count, measure=measure)
    mark = np.zeros(len(inc.items), dtype=bool)
    mark[touched] = True
    near = mark[a] | mark[b]
    names = frozenset(inc.items[i] for i in touched.tolist()) | (frozenset(changed) - frozenset(inc.irow))
    return names, inc.rows(a[near], b[near], measure=measure, n_shared=n_shared)


class SharedIncidence:
    """An item x feature incidence (0/1, CSR, both ways) and its names:
    :meth:`kept_pairs` of row blocks, united, then :meth:`rows` of the pairs, are
    :func:`shared_counts` (a distributed build splits it so, :mod:`graph.engine`)."""

    def __init__(self, inc: sp.csr_matrix, incT: sp.csr_matrix, items: Sequence[str],
                 features: Sequence[str]) -> None:
        self.inc = inc
        self.incT = incT
        self.items = items
        self.features = features
        self.sizes = np.diff(inc.indptr).astype(np.float64)
        self._irow: dict[str, int] | None = None

    @classmethod
    def of(cls, memberships: Sequence[tuple[str, str]]) -> SharedIncidence:
        """The incidence of ``(item, feature)`` memberships."""
        items = sorted({a for a, _ in memberships})
        features = sorted({f for _, f in memberships})
        irow = {x: i for i, x in enumerate(items)}
        fcol = {f: j for j, f in enumerate(features)}
        r = np.fromiter((irow[a] for a, _ in memberships), dtype=np.int64, count=len(memberships))
        c = np.fromiter((fcol[f] for _, f in memberships), dtype=np.int64, count=len(memberships))
        inc = _binary_csr(r, c, len(items), len(features))
        out = cls(inc, inc.T.tocsr(), items, features)
        out._irow = irow
        return out

    @property
    def irow(self) -> dict[str, int]:
        if self._irow is None:
            self._irow = {x: i for i, x in enumerate(self.items)}
        return self._irow

    def partners(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` and every item sharing a feature with one of them (sorted)."""
        if not len(rows):
            return rows
        feats = np.unique(self.inc[rows].indices)
        return np.union1d(rows, np.unique(self.incT[feats].indices)).astype(np.int64)

    def kept_pairs(self, rows: np.ndarray | None, *, k: int | None, min_count: int,
                   measure: str, parallel: bool | None = False,
                   what: str = "COUPLED/CO_CITED pairs") -> tuple[np.ndarray, np.ndarray]:
        """``(a, b)`` index arrays, ``a < b``, unique, sorted: the pairs in the top
        ``k`` of one of ``rows`` (None: every item; ``k`` None: every pair of at
        least ``min_count`` shared features whose smaller end is one of ``rows``).

        One compiled pass per row over the shared counts
        (:func:`graph.kernels.top_shared_pairs`), in pieces of rows of bounded
        work (:func:`_chunks`). With ``parallel`` (None: from a product of
        :data:`_PARALLEL_MIN_WORK` entries on), the pieces run on
        :data:`THREADS` threads (the kernel releases the GIL): the same pairs."""
        from graph.kernels import top_shared_pairs

        inc, incT = self.inc, self.incT
        n = inc.shape[0]
        order_rows = np.arange(n, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
        if not len(order_rows) or not inc.nnz:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        df = np.diff(incT.indptr).astype(np.int64)
        # Work of a row: the entries its product row may have (sum of its features' df).
        lengths = np.diff(inc.indptr)
        work = np.zeros(n, dtype=np.int64)
        work[lengths > 0] = np.add.reduceat(df[inc.indices], inc.indptr[:-1][lengths > 0])
        row_work = work[order_rows]
        pieces = _chunks(row_work, _WORK_PER_PIECE)
        total = int(row_work.sum())
        threads = 1
        if len(pieces) > 1 and (parallel or (parallel is None and total >= _PARALLEL_MIN_WORK)):
            threads = min(len(pieces), THREADS, os.cpu_count() or 1)
        logger.debug("%s: rows=%d product=%d pieces=%d threads=%d", what, len(order_rows), total, len(pieces), threads)

        sizes = self.sizes.astype(np.int32)  # once, not per piece

        def piece(span: tuple[int, int]) -> np.ndarray:
            lo, hi = span
            return top_shared_pairs(inc.indptr, inc.indices, incT.indptr, incT.indices, sizes,
                                    order_rows[lo:hi], k, min_count, measure)

        if threads == 1:
            codes = [piece(span) for span in pieces]
        else:
            with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="shared-pairs") as pool:
                futures = [pool.submit(piece, span) for span in pieces]
                try:
                    codes = [f.result() for f in futures]
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
        codes = np.unique(np.concatenate(codes))
        return np.divmod(codes, n)

    def arrays(self, kind: type, a: np.ndarray, b: np.ndarray, *, measure: str, n_shared: int) -> EdgeArrays:
        """The edges of the index pairs ``(a, b)``, in their order: count, strength
        and the ``n_shared`` smallest shared features, computed in chunks of
        pairs of bounded work (the incidence entries both rows hold), so that
        pairs of heavily cited papers do not blow one chunk up."""
        inc, sizes = self.inc, self.sizes
        m = len(a)
        count = np.zeros(m, dtype=np.int32)
        strength = np.zeros(m, dtype=np.float64)
        taken = np.zeros(m + 1, dtype=np.int64)
        evidence: list[np.ndarray] = []
        work = sizes[a].astype(np.int64) + sizes[b].astype(np.int64)
        for lo, hi in _chunks(work, _WORK_PER_CHUNK):
            aa, bb = a[lo:hi], b[lo:hi]
            both = inc[aa].multiply(inc[bb]).tocsr()
            both.sort_indices()
            counts = np.diff(both.indptr)
            count[lo:hi] = counts
            strength[lo:hi] = _strength(counts.astype(np.float64), sizes[aa], sizes[bb], measure)
            take = np.minimum(counts, n_shared)
            ptr = np.r_[0, np.cumsum(take)]
            pos = np.arange(ptr[-1]) - np.repeat(ptr[:-1], take) + np.repeat(both.indptr[:-1], take)
            evidence.append(both.indices[pos].astype(np.int32))
            taken[lo + 1:hi + 1] = take
        ev = np.concatenate(evidence) if evidence else np.zeros(0, dtype=np.int32)
        return EdgeArrays(kind, self.items, a.astype(np.int32), b.astype(np.int32), count, strength,
                          np.cumsum(taken), ev) if self.items is self.features else \
            _named_apart(kind, self, a, b, count, strength, np.cumsum(taken), ev)

    def rows(self, a: np.ndarray, b: np.ndarray, *, measure: str,
             n_shared: int) -> list[tuple[str, str, int, float, tuple[str, ...]]]:
        """``(a, b, count, strength, shared)`` of the index pairs, in their order."""
        return list(self.arrays(tuple, a, b, measure=measure, n_shared=n_shared).rows())


def _named_apart(kind: type, inc: SharedIncidence, a, b, count, strength, ptr, ev) -> EdgeArrays:
    """EdgeArrays over one list of names when items and features are named apart
    (:func:`shared_counts`): the items first, then the features."""
    names = list(inc.items) + list(inc.features)
    off = len(inc.items)
    return EdgeArrays(kind, names, a.astype(np.int32), b.astype(np.int32), count, strength, ptr, ev + off)


def _chunks(work: np.ndarray, limit: int) -> list[tuple[int, int]]:
    """``[lo, hi)`` runs covering ``work`` in order, each of total work at most
    ``limit`` or of one element.

    >>> _chunks(np.array([3, 3, 3, 9, 1]), 6)
    [(0, 2), (2, 3), (3, 4), (4, 5)]
    """
    cum = np.cumsum(work)
    out = []
    lo, m = 0, len(work)
    while lo < m:
        base = int(cum[lo - 1]) if lo else 0
        hi = max(int(np.searchsorted(cum, base + limit, side="right")), lo + 1)
        out.append((lo, hi))
        lo = hi
    return out


def _strength(counts: np.ndarray, na: np.ndarray, nb: np.ndarray, measure: str) -> np.ndarray:
    """The strengths of ``counts`` shared features between sets of sizes ``na``
    and ``nb``, rounded to 6 decimals: the :data:`MEASURES`, and ``jaccard``
    (``count / (na + nb - count)``, SHARES_KEYWORDS: :func:`graph.edges.shares_keywords_arrays`)."""
    if measure == "cosine":
        s = counts / np.sqrt(na * nb)
    elif measure == "jaccard":
        s = counts / (na + nb - counts)
    else:
        s = counts * np.maximum(na, nb) / (na * nb)
    return np.round(s, 6)


def citation_chains(
    cites: Iterable[CitationEdge | tuple[str, str]],
    *,
    k: int = 10,
    min_count: int = 1,
) -> list[tuple[str, str, int, float]]:
    """Pairs joined by citation chains of two steps (``a -> x -> b`` or
    ``b -> x -> a``), not citing each other: ``(a, b, count, strength)`` with
    ``a < b``, ``count`` the chains and ``strength`` ``count / sqrt(d_a d_b)``
    over citation degrees (in + out), each paper's top ``k``.

    The transitive part of a citation neighbourhood, which coupling and
    co-citation miss: a paper often cites what its references cite.

    >>> citation_chains([("a", "x"), ("x", "b")])
    [('a', 'b', 1, 1.0)]
    >>> citation_chains([("a", "x"), ("x", "b"), ("a", "b")])
    []
    """
    pairs = _pairs(cites, "citation_chains", k, min_count, "cosine", 0)
    if not pairs:
        return []
    ids = sorted({p for pair in pairs for p in pair})
    index = {p: i for i, p in enumerate(ids)}
    n = len(ids)
    r = np.fromiter((index[a] for a, _ in pairs), dtype=np.int64, count=len(pairs))
    c = np.fromiter((index[b] for _, b in pairs), dtype=np.int64, count=len(pairs))
    C = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    degree = np.asarray(C.sum(axis=0)).ravel() + np.asarray(C.sum(axis=1)).ravel()
    P = (C @ C).tocsr()
    P = (P + P.T).tocoo()
    rows, cols, counts = P.row.astype(np.int64), P.col.astype(np.int64), P.data
    direct = set((r * n + c).tolist()) | set((c * n + r).tolist())
    codes = rows * n + cols
    hit = (rows != cols) & (counts >= min_count) & ~np.isin(codes, np.fromiter(direct, dtype=np.int64))
    rows, cols, counts = rows[hit], cols[hit], counts[hit]
    st = np.round(counts / np.sqrt(degree[rows] * degree[cols]), 6)
    order = np.lexsort((cols, -counts, -st, rows))
    rows, cols, counts, st = rows[order], cols[order], counts[order], st[order]
    if not len(rows):
        return []
    first = np.r_[True, rows[1:] != rows[:-1]]
    starts = np.flatnonzero(first)
    rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    top = rank < k
    keep = {}
    for a, b, cnt, s in zip(rows[top].tolist(), cols[top].tolist(), counts[top].tolist(), st[top].tolist()):
        lo, hi = (a, b) if a < b else (b, a)
        keep[(lo, hi)] = (int(cnt), float(s))
    return [(ids[a], ids[b], cnt, s) for (a, b), (cnt, s) in sorted(keep.items())]
