"""The compiled loops of graph.kernels against plain numpy on random matrices."""

import numpy as np
import pytest
import scipy.sparse as sp

from graph import kernels


def _random_csr(rng, rows=60, cols=40, density=0.3, levels=4):
    # Few distinct values, so rows have ties.
    dense = rng.integers(1, levels + 1, size=(rows, cols)).astype(np.float32) / levels
    dense[rng.random((rows, cols)) > density] = 0.0
    return sp.csr_matrix(dense), dense


def test_pair_dots_equals_dense_products_in_any_pair_order():
    rng = np.random.default_rng(0)
    matrix, dense = _random_csr(rng)
    rows = np.sort(rng.integers(0, 60, 500))  # grouped, as approximate_neighbors gives them
    cols = rng.integers(0, 60, 500)
    expected = np.einsum("ij,ij->i", dense[rows].astype(np.float64), dense[cols].astype(np.float64))
    got = kernels.pair_dots(matrix, rows, cols)
    assert got.dtype == np.float32
    assert np.allclose(got, expected, rtol=0, atol=1e-6)
    # Ungrouped rows give the same answers (one scatter per change of row).
    shuffled = rng.permutation(500)
    assert np.array_equal(kernels.pair_dots(matrix, rows[shuffled], cols[shuffled]), got[shuffled])
    assert kernels.pair_dots(matrix, np.zeros(0, dtype=int), np.zeros(0, dtype=int)).shape == (0,)


@pytest.mark.parametrize("m", [1, 3, 7, 100])
def test_head_mask_keeps_each_rows_m_largest_ties_by_column(m):
    rng = np.random.default_rng(m)
    matrix, dense = _random_csr(rng)
    keep = kernels.head_mask(matrix, m)
    for i in range(matrix.shape[0]):
        lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
        cols, vals = matrix.indices[lo:hi], matrix.data[lo:hi]
        best = sorted(zip(-vals, cols))[:m]  # largest first, ties by column
        assert set(cols[keep[lo:hi]].tolist()) == {int(c) for _, c in best}


def test_head_mask_refuses_unsorted_indices():
    matrix = sp.csr_matrix((np.array([1.0, 2.0], dtype=np.float32), np.array([1, 0]), np.array([0, 2])), shape=(1, 2))
    assert not matrix.has_sorted_indices
    with pytest.raises(ValueError, match="sorted indices"):
        kernels.head_mask(matrix, 1)


def _top_per_row_reference(block, m, offset):
    """What approximate_neighbors did before top_products: scipy's product, then
    per row the entries at or above the m-th largest (6-decimal rounding)."""
    vals = np.round(block.data, 6)
    rows, cols = [], []
    for i in range(block.shape[0]):
        lo, hi = block.indptr[i], block.indptr[i + 1]
        c, v = block.indices[lo:hi], vals[lo:hi]
        other = c != i + offset
        c, v = c[other], v[other]
        if len(v) > m:
            c = c[v >= np.partition(v, len(v) - m)[len(v) - m]]
        rows += [i + offset] * len(c)
        cols += c.tolist()
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


@pytest.mark.parametrize("m, offset, levels", [(1, 0, 4), (5, 0, 4), (5, 17, 1000), (200, 3, 4), (12, 40, 1000)])
def test_top_products_equals_scipy_product_then_top_per_row(m, offset, levels):
    rng = np.random.default_rng(m + offset)
    a, _ = _random_csr(rng, rows=50, cols=70, density=0.2, levels=levels)
    b, _ = _random_csr(rng, rows=70, cols=90, density=0.1, levels=levels)
    b.data[::7] = 0.0  # explicit zeros: sums that are zero are not entries of scipy's product
    b.data[1::11] *= -1.0  # signed weights: products can cancel to zero
    rows, cols = kernels.top_products(a, b, m, offset)
    want_rows, want_cols = _top_per_row_reference((a @ b).tocsr(), m, offset)
    assert len(want_rows) > 0
    # Same pairs; within a row the kernel lists columns in the order first reached.
    assert np.array_equal(rows, np.sort(rows))
    got, want = np.lexsort((cols, rows)), np.lexsort((want_cols, want_rows))
    assert np.array_equal(rows[got], want_rows[want]) and np.array_equal(cols[got], want_cols[want])
    assert not np.any(rows == cols)


def test_top_products_of_empty_rows():
    a = sp.csr_matrix((3, 4), dtype=np.float32)
    b = sp.csr_matrix(np.ones((4, 5), dtype=np.float32))
    rows, cols = kernels.top_products(a, b, 2, 0)
    assert rows.tolist() == [] and cols.tolist() == []


def _top_shared_reference(inc, rows, k, min_count, measure):
    """Every pair's count from the dense product, each row's candidates in a plain
    sort by (strength rounded to 6 decimals desc, count desc, index)."""
    dense = inc.toarray()
    counts = dense @ dense.T
    sizes = dense.sum(axis=1)
    n = len(sizes)
    codes = []
    for i in rows:
        cand = [j for j in range(n) if j != i and counts[i, j] >= min_count]
        if k is None:
            codes += [i * n + j for j in cand if j > i]
            continue
        c = counts[i, cand]
        na, nb = sizes[i], sizes[cand]
        s = {"cosine": c / np.sqrt(na * nb), "jaccard": c / (na + nb - c),
             "association": c * np.maximum(na, nb) / (na * nb)}[measure]
        s = np.round(s, 6)
        best = sorted(zip(-s, -c, cand))[:k]
        codes += [min(i, j) * n + max(i, j) for _, _, j in best]
    return sorted(codes)


@pytest.mark.parametrize("measure", kernels.SHARED_MEASURES)
@pytest.mark.parametrize("k, min_count", [(1, 1), (3, 1), (5, 2), (None, 1), (None, 2), (1000, 1)])
def test_top_shared_pairs_equals_the_dense_product_then_a_sort(measure, k, min_count):
    rng = np.random.default_rng(7)
    # 0/1 rows with few features, so counts and strengths tie often; some rows empty.
    inc = sp.csr_matrix((rng.random((70, 12)) < 0.25).astype(np.float64))
    t = inc.T.tocsr()
    sizes = np.diff(inc.indptr).astype(np.float64)
    rows = rng.permutation(70)[:50]
    got = kernels.top_shared_pairs(inc.indptr, inc.indices, t.indptr, t.indices, sizes, rows, k, min_count, measure)
    assert sorted(got.tolist()) == _top_shared_reference(inc, rows, k, min_count, measure)
