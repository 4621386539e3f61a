"""The bias baseline: stars ≈ μ + b_user + b_film, each bias shrunk towards 0.

Pure arrays (no scorer): the baseline under every calibrated star estimate (``stars.py``) and the
bias scorer (``bias.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from reelmates.taste.arrays import FloatArray, as_f32
from reelmates.taste.matrix import RatingsMatrix


@dataclass(frozen=True)
class Biases:
    mu: float
    item: FloatArray  # b_film, 0 for films nobody rated
    reg_user: float

    def user(self, histories: sp.csr_matrix) -> FloatArray:
        """b_user for each row, from that row's ratings alone (closed form given film biases)."""
        h = histories.tocsr()
        resid = h.data - self.mu - self.item[h.indices]
        counts = np.diff(h.indptr)
        rows = np.repeat(np.arange(h.shape[0]), counts)
        sums = np.bincount(rows, resid, minlength=h.shape[0])
        return as_f32((sums / (counts + self.reg_user)).astype(np.float32))

    def predict(self, histories: sp.csr_matrix, columns: ArrayLike | None = None) -> FloatArray:
        """μ + b_user + b_film for every (row, film), or only for the films ``columns``."""
        bu = self.user(histories)
        item = self.item if columns is None else self.item[np.asarray(columns, dtype=np.intp)]
        return (self.mu + bu[:, None] + item[None, :]).astype(np.float32)

    def at_ratings(self, histories: sp.csr_matrix) -> FloatArray:
        """μ + b_user + b_film at each stored cell of ``histories`` (aligned with ``.data``):
        the same numbers as ``predict(histories)`` at those cells, without the full rows."""
        h = histories.tocsr()
        rows = np.repeat(np.arange(h.shape[0]), np.diff(h.indptr))
        return as_f32((self.mu + self.user(h)[rows] + self.item[h.indices]).astype(np.float32))


def fit_biases(
    matrix: RatingsMatrix, *, reg_item: float = 5.0, reg_user: float = 5.0, iterations: int = 8
) -> Biases:
    """Alternating closed-form updates of regularised film and user biases.

    Each update is one sparse matrix-vector product with the rating pattern (sums of the other
    side's biases), so 25M ratings take a second, not the ten a gather + bincount would.
    """
    r = matrix.ratings.tocsr()
    if r.nnz == 0:
        return Biases(3.0, np.zeros(matrix.n_items, dtype=np.float32), reg_user)
    mu = float(r.data.mean(dtype=np.float64))
    pattern = sp.csr_matrix(
        (np.ones(r.nnz, dtype=np.float64), r.indices, r.indptr), shape=r.shape, copy=False
    )
    stars = sp.csr_matrix((r.data.astype(np.float64), r.indices, r.indptr), shape=r.shape)
    n_u = np.diff(r.indptr).astype(np.float64)
    n_i = np.bincount(r.indices, minlength=r.shape[1]).astype(np.float64)
    # Σ (r − μ) per person and per film, once; each round then only needs pattern @ biases.
    sum_u = stars @ np.ones(r.shape[1]) - mu * n_u
    sum_i = stars.T @ np.ones(r.shape[0]) - mu * n_i
    bu = np.zeros(r.shape[0])
    bi = np.zeros(r.shape[1])
    for _ in range(iterations):
        bi = (sum_i - pattern.T @ bu) / (n_i + reg_item)
        bu = (sum_u - pattern @ bi) / (n_u + reg_user)
    return Biases(mu, bi.astype(np.float32), reg_user)
