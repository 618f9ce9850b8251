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
