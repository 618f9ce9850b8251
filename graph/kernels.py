"""Compiled loops (numba) for the hot spots that numpy and scipy cannot vectorise.

Each kernel is ``nogil``, so the threads of :func:`graph.similarity.approximate_neighbors`
run them on every core, and ``cache=True``, so the compilation (about a second)
is paid once per machine, not per run. Import this module only where a kernel
is needed: importing numba takes a few tenths of a second.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["pair_dots", "head_mask", "top_products", "top_shared_pairs", "SHARED_MEASURES"]


@njit(nogil=True, cache=True)
def _pair_dots(indptr, indices, data, rows, cols, n_columns):  # pragma: no cover - compiled
    out = np.empty(len(rows), dtype=np.float32)
    dense = np.zeros(n_columns, dtype=np.float64)
    previous = -1
    for p in range(len(rows)):
        i = rows[p]
        if i != previous:
            if previous >= 0:
                for q in range(indptr[previous], indptr[previous + 1]):
                    dense[indices[q]] = 0.0
            for q in range(indptr[i], indptr[i + 1]):
                dense[indices[q]] = data[q]
            previous = i
        j = cols[p]
        total = 0.0
        for q in range(indptr[j], indptr[j + 1]):
            total += data[q] * dense[indices[q]]
        out[p] = total
    return out


def pair_dots(matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``matrix[rows[p]] . matrix[cols[p]]`` for every ``p``, as float32.

    ``matrix`` is a CSR matrix; products are summed in float64 and the sum is
    rounded to float32 (scipy's row products summed in float32: the last
    digit of a 6-decimal score can differ).
    Fastest when equal ``rows`` come together: each row is scattered into a
    dense vector once per run of equal rows, and each ``cols`` row is a gather.

    >>> import scipy.sparse as sp
    >>> m = sp.csr_matrix(np.array([[1.0, 2.0, 0.0], [0.0, 3.0, 4.0], [5.0, 0.0, 6.0]], dtype=np.float32))
    >>> pair_dots(m, np.array([0, 0, 1]), np.array([1, 2, 2])).tolist()
    [6.0, 5.0, 24.0]
    """
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    if not len(rows):
        return np.zeros(0, dtype=np.float32)
    return _pair_dots(matrix.indptr, matrix.indices, matrix.data, rows, cols, matrix.shape[1])


@njit(nogil=True, cache=True)
def _head_mask(indptr, data, m):  # pragma: no cover - compiled
    keep = np.ones(len(data), dtype=np.bool_)
    for i in range(len(indptr) - 1):
        lo, hi = indptr[i], indptr[i + 1]
        if hi - lo <= m:
            continue
        # The m-th largest value; all larger ones are kept, and ties with it in
        # column order (entries are stored in column order) until m are kept.
        threshold = -np.partition(-data[lo:hi], m - 1)[m - 1]
        ties = m
        for q in range(lo, hi):
            if data[q] > threshold:
                ties -= 1
        for q in range(lo, hi):
            v = data[q]
            if v > threshold:
                continue
            if v == threshold and ties > 0:
                ties -= 1
            else:
                keep[q] = False
    return keep


def head_mask(matrix, m: int) -> np.ndarray:
    """Which stored entries of CSR ``matrix`` are among their row's ``m`` largest
    (ties by column): a boolean mask over ``matrix.data``.

    ``matrix`` must have sorted indices (scipy's ``has_sorted_indices``).

    >>> import scipy.sparse as sp
    >>> m = sp.csr_matrix(np.array([[3.0, 1.0, 3.0, 2.0], [0.0, 5.0, 0.0, 4.0]], dtype=np.float32))
    >>> head_mask(m, 2).tolist()
    [True, False, True, False, True, True]
    """
    if not matrix.has_sorted_indices:
        raise ValueError("head_mask needs a CSR matrix with sorted indices")
    return _head_mask(matrix.indptr, matrix.data, m)


@njit(nogil=True, cache=True)
def _top_products(a_indptr, a_indices, a_data, b_indptr, b_indices, b_data, n_columns, m, offset):  # pragma: no cover - compiled
    n_rows = len(a_indptr) - 1
    scale = np.float32(1e6)
    sums = np.zeros(n_columns, dtype=np.float32)
    seen = np.zeros(n_columns, dtype=np.bool_)
    touched = np.empty(n_columns, dtype=np.int64)
    values = np.empty(n_columns, dtype=np.float32)
    heap = np.empty(max(m, 1), dtype=np.float32)
    capacity = 1024
    rows = np.empty(capacity, dtype=np.int64)
    cols = np.empty(capacity, dtype=np.int64)
    total = 0
    for i in range(n_rows):
        # Row i of A @ B, summed in float32 in scipy's order (A's entries in
        # stored order, each one's B row in stored order): the same values.
        count = 0
        for p in range(a_indptr[i], a_indptr[i + 1]):
            k, a = a_indices[p], a_data[p]
            for q in range(b_indptr[k], b_indptr[k + 1]):
                j = b_indices[q]
                sums[j] += a * b_data[q]
                if not seen[j]:
                    seen[j] = True
                    touched[count] = j
                    count += 1
        diagonal = i + offset
        length = 0
        size = 0
        for t in range(count):
            j = touched[t]
            # scipy drops zero sums; np.round(x, 6) of a float32 is x * 1e6, rint, / 1e6 in float32.
            if j != diagonal and sums[j] != 0:
                v = np.rint(sums[j] * scale) / scale
                values[length] = v
                touched[length] = j
                length += 1
                # The m largest values so far, in a heap with the smallest on top.
                if size < m:
                    pos = size
                    size += 1
                    while pos > 0:
                        up = (pos - 1) >> 1
                        if heap[up] <= v:
                            break
                        heap[pos] = heap[up]
                        pos = up
                    heap[pos] = v
                elif v > heap[0]:
                    pos = 0
                    while True:
                        child = 2 * pos + 1
                        if child >= size:
                            break
                        if child + 1 < size and heap[child + 1] < heap[child]:
                            child += 1
                        if heap[child] >= v:
                            break
                        heap[pos] = heap[child]
                        pos = child
                    heap[pos] = v
        # The m-th largest value: every value at or above it is kept.
        cut = -np.inf
        if length > m:
            cut = heap[0]
        if total + length > capacity:
            while total + length > capacity:
                capacity *= 2
            rows = np.concatenate((rows, np.empty(capacity - len(rows), dtype=np.int64)))
            cols = np.concatenate((cols, np.empty(capacity - len(cols), dtype=np.int64)))
        for t in range(length):
            if values[t] >= cut:
                rows[total] = diagonal
                cols[total] = touched[t]
                total += 1
        for p in range(a_indptr[i], a_indptr[i + 1]):
            k = a_indices[p]
            for q in range(b_indptr[k], b_indptr[k + 1]):
                j = b_indices[q]
                sums[j] = 0
                seen[j] = False
    return rows[:total], cols[:total]


def top_products(a, b, m: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """(row + offset, column) of each row's entries of the sparse product ``a @ b``
    at or above its ``m``-th largest, the values rounded to 6 decimals (ties at
    the cut all kept), the diagonal ``(row + offset, row + offset)`` and zero
    sums left out; as ``scipy``'s product followed by a per-row partition, in
    one pass and without building the product. ``a``, ``b``: CSR, float32.
    Within a row, columns come in the order they were first reached.

    >>> import scipy.sparse as sp
    >>> a = sp.csr_matrix(np.array([[1.0, 2.0], [0.0, 1.0]], dtype=np.float32))
    >>> b = sp.csr_matrix(np.array([[1.0, 0.0, 3.0], [1.0, 1.0, 0.0]], dtype=np.float32))
    >>> [x.tolist() for x in top_products(a, b, 1, 0)]  # a @ b = [[3, 2, 3], [1, 1, 0]]
    [[0, 1], [2, 0]]
    """
    return _top_products(a.indptr, a.indices, np.ascontiguousarray(a.data, dtype=np.float32), b.indptr, b.indices,
                         np.ascontiguousarray(b.data, dtype=np.float32), int(b.shape[1]), int(m), int(offset))


#: Strength measures of :func:`top_shared_pairs`, by their code in the kernel.
SHARED_MEASURES = ("cosine", "jaccard", "association")


@njit(nogil=True, cache=True, inline="always")
def _worse(key_a, j_a, key_b, j_b):  # pragma: no cover - compiled
    return key_a > key_b or (key_a == key_b and j_a > j_b)


@njit(nogil=True, cache=True, inline="always")
def _floor2(key):  # pragma: no cover - compiled
    # (strength one unit of the 6th decimal below the key's, or 0)^2.
    si = np.int64(2097151) - (key >> 32)
    floor = max(si - 1, 0) / 1e6
    return floor * floor


@njit(nogil=True, cache=True)
def _top_shared_pairs(indptr, indices, t_indptr, t_indices, sizes, rows, k, min_count, measure):  # pragma: no cover - compiled
    n = len(sizes)
    count = np.zeros(n, dtype=np.int32)
    touched = np.empty(n, dtype=np.int32)
    # The k best candidates of a row so far: a heap, its worst (key, index) on top.
    heap_key = np.empty(max(k, 1), dtype=np.int64)
    heap_j = np.empty(max(k, 1), dtype=np.int64)
    capacity = max(len(rows) * k, 1024) if k > 0 else 1024
    out = np.empty(capacity, dtype=np.int64)
    total = 0
    for p in range(len(rows)):
        i = rows[p]
        # Row i of the shared counts: every item sharing a feature with i.
        m = 0
        for q in range(indptr[i], indptr[i + 1]):
            f = indices[q]
            for t in range(t_indptr[f], t_indptr[f + 1]):
                j = t_indices[t]
                if count[j] == 0:
                    touched[m] = j
                    m += 1
                count[j] += 1
        if total + (m if k <= 0 else k) > len(out):
            grown = np.empty(max(2 * len(out), total + m), dtype=np.int64)
            grown[:total] = out[:total]
            out = grown
        na = np.float64(sizes[i])
        size = 0
        floor2 = 0.0
        for t in range(m):
            j = np.int64(touched[t])
            c = count[j]
            count[j] = 0
            if j == i or c < min_count:
                continue
            if k <= 0:
                if j > i:
                    out[total] = i * n + j
                    total += 1
                continue
            nb = np.float64(sizes[j])
            cf = np.float64(c)
            # As graph.coupling._strength, in float64, rounded to 6 decimals.
            if measure == 0:
                # A full heap's worst strength (rounded) is si_top: a candidate whose
                # strength is more than one unit of the 6th decimal below cannot
                # enter (checked on squares, without the square root).
                if size == k and cf * cf < floor2 * (na * nb):
                    continue
                s = cf / np.sqrt(na * nb)
            elif measure == 1:
                s = cf / (na + nb - cf)
            else:
                s = cf * max(na, nb) / (na * nb)
            si = np.int64(np.rint(s * 1e6))
            # Ascending key: strength descending, then count descending (then index).
            key = ((np.int64(2097151) - si) << 32) | (np.int64(4294967295) - np.int64(c))
            if size < k:
                pos = size
                size += 1
                while pos > 0:
                    up = (pos - 1) >> 1
                    if not _worse(key, j, heap_key[up], heap_j[up]):
                        break
                    heap_key[pos] = heap_key[up]
                    heap_j[pos] = heap_j[up]
                    pos = up
                heap_key[pos] = key
                heap_j[pos] = j
                if size == k:
                    floor2 = _floor2(heap_key[0])
            elif _worse(heap_key[0], heap_j[0], key, j):
                pos = 0
                while True:
                    child = 2 * pos + 1
                    if child >= size:
                        break
                    if child + 1 < size and _worse(heap_key[child + 1], heap_j[child + 1], heap_key[child], heap_j[child]):
                        child += 1
                    if not _worse(heap_key[child], heap_j[child], key, j):
                        break
                    heap_key[pos] = heap_key[child]
                    heap_j[pos] = heap_j[child]
                    pos = child
                heap_key[pos] = key
                heap_j[pos] = j
                floor2 = _floor2(heap_key[0])
        for t in range(size):
            j = heap_j[t]
            out[total] = min(i, j) * n + max(i, j)
            total += 1
    return out[:total]


def top_shared_pairs(indptr, indices, t_indptr, t_indices, sizes: np.ndarray, rows: np.ndarray, k: int | None,
                     min_count: int, measure: str) -> np.ndarray:
    """``min(a, b) * n + max(a, b)`` of the pairs each of ``rows`` keeps, in one
    pass over the shared counts without building their product: the item x
    feature incidence is ``(indptr, indices)`` (CSR, 0/1), its transpose
    ``(t_indptr, t_indices)``, ``sizes`` its row lengths (``n`` items).

    With ``k``, a row keeps its ``k`` best partners of at least ``min_count``
    shared features, ranked by strength rounded to 6 decimals
    (:data:`SHARED_MEASURES`) descending, then count descending, then index;
    with ``k`` None, every partner of at least ``min_count`` above itself.
    Codes may repeat (both ends of a pair may keep it); unsorted.

    >>> import scipy.sparse as sp
    >>> inc = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [1, 0, 1]], dtype=np.float64))
    >>> t = inc.T.tocsr()
    >>> sizes = np.diff(inc.indptr).astype(np.float64)
    >>> codes = top_shared_pairs(inc.indptr, inc.indices, t.indptr, t.indices, sizes, np.arange(3), 1, 1, "cosine")
    >>> sorted(divmod(int(c), 3) for c in codes)  # 0-1 share two of two; 2's best is 0 (tie with 1, by index)
    [(0, 1), (0, 1), (0, 2)]
    """
    return _top_shared_pairs(indptr, indices, t_indptr, t_indices, np.asarray(sizes, dtype=np.int32),
                             np.ascontiguousarray(rows, dtype=np.int64), 0 if k is None else int(k), int(min_count),
                             SHARED_MEASURES.index(measure))
