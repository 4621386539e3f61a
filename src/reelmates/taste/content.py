"""Content model: a person's taste as a ridge regression of their stars on film facts.

For a person with ratings r over films with feature rows F_h, the profile is
w = argmin ‖(r − r̄) − F_h w‖² + λ‖w‖², solved in the dual, (F_h F_hᵀ + λI)⁻¹ over their own films,
so it costs a small solve per person and needs no community at all; every film with facts is then
scored by F w. r̄ is the person's mean shrunk towards the community mean. A small community prior
(film biases, standardised) breaks ties for people with few ratings; with no community it is 0.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from pydantic import Field
from scipy.linalg import cho_factor, cho_solve

from reelmates.taste.base import FloatArray, Scorer, ScorerConfig, as_f32
from reelmates.taste.baseline import fit_biases
from reelmates.taste.matrix import RatingsMatrix


class ContentConfig(ScorerConfig):
    lam: float = Field(default=1.0, gt=0)
    mean_shrink: float = Field(default=5.0, ge=0)  # pseudo-ratings at the community mean
    prior_weight: float = Field(default=0.05, ge=0)


# Factorised histories kept, up to this many bytes in all: the members of recent groups, so the
# next page for any of them skips the factorisation (a member with 1,500 ratings costs most).
SOLVER_CACHE_BYTES = 64 * 2**20


@dataclass(frozen=True)
class _RidgeSolver:
    """argmin ‖y − F_h w‖² + λ‖w‖² for one history's feature rows F_h, factorised once.

    Only the features the history touches (``active``) can get weight. With n films and d active
    features the solve is d × d in the primal, (F_hᵀF_h + λI) w = F_hᵀ y, when d ≤ n, else n × n in
    the dual, w = F_hᵀ (F_h F_hᵀ + λI)⁻¹ y: the same w (the push-through identity), at the cost of
    the smaller side cubed — a member with 1,500 ratings costs a d × d solve, not 1,500 × 1,500.
    """

    active: NDArray[np.int64]
    rows: sp.csr_matrix  # F_h restricted to the active features (n × d)
    primal: bool
    factor: tuple[NDArray[np.float64], bool]

    @classmethod
    def build(cls, fh: sp.csr_matrix, lam: float) -> _RidgeSolver:
        fh = sp.csr_matrix(fh)
        active = np.unique(fh.indices).astype(np.int64)
        rows = sp.csr_matrix(fh[:, active], dtype=np.float64)
        primal = active.size <= rows.shape[0]
        gram = (rows.T @ rows) if primal else (rows @ rows.T)
        A = np.asarray(gram.toarray(), dtype=np.float64)
        A[np.diag_indices_from(A)] += lam
        return cls(active, rows, primal, cho_factor(A, check_finite=False))

    @property
    def nbytes(self) -> int:
        r = self.rows
        return int(self.factor[0].nbytes + r.data.nbytes + r.indices.nbytes + r.indptr.nbytes)

    def solve(self, y: NDArray[np.float64]) -> NDArray[np.float64]:
        """Weights of the active features for targets ``y`` (one per history film)."""
        if self.primal:
            out: NDArray[np.float64] = cho_solve(self.factor, self.rows.T @ y, check_finite=False)
            return out
        alpha = cho_solve(self.factor, y, check_finite=False)
        return np.asarray(self.rows.T @ alpha, dtype=np.float64)


class ContentScorer(Scorer):
    name = "content"
    config_type = ContentConfig

    def __init__(
        self, config: ContentConfig | None = None, features: sp.csr_matrix | None = None
    ) -> None:
        super().__init__(config)
        self.features = sp.csr_matrix(features, dtype=np.float32) if features is not None else None
        self._cache: dict[bytes, _RidgeSolver] = {}
        self._cache_bytes = 0
        self._cache_lock = threading.Lock()

    def clone(self) -> ContentScorer:
        return ContentScorer(self.config, self.features)

    def _fit(self, matrix: RatingsMatrix) -> None:
        if self.features is None or self.features.shape[0] != matrix.n_items:
            raise ValueError("content scorer needs one feature row per film of the matrix")
        with self._cache_lock:
            self._cache.clear()
            self._cache_bytes = 0
        if matrix.nnz:
            b = fit_biases(matrix)
            self.mu = b.mu
            sd = float(b.item.std())
            self.prior = (b.item / sd if sd > 0 else b.item).astype(np.float32)
        else:
            self.mu = 3.0
            self.prior = np.zeros(matrix.n_items, dtype=np.float32)

    def profiles(self, histories: sp.csr_matrix, *, centre: bool = True) -> NDArray[np.float64]:
        """Feature weights per row (features × rows); ``centre`` subtracts each row's shrunk mean
        first (off for rows that are already residuals)."""
        assert self.features is not None
        c = self.config
        H = histories.tocsr()
        W = np.zeros((self.features.shape[1], H.shape[0]))
        for r in range(H.shape[0]):
            s, e = H.indptr[r], H.indptr[r + 1]
            if s == e:
                continue
            stars = H.data[s:e].astype(np.float64)
            mean = 0.0
            if centre:
                mean = (stars.sum() + c.mean_shrink * self.mu) / (len(stars) + c.mean_shrink)
            solver = self._solver(H.indices[s:e])
            W[solver.active, r] = solver.solve(stars - mean)
        return W

    def _solver(self, films: NDArray[np.int32]) -> _RidgeSolver:
        """The factorised ridge system of one history's films, reused while the same films come
        back (a request scores, then predicts stars and rating signals on one history)."""
        key = np.asarray(films, dtype=np.int64).tobytes()
        with self._cache_lock:
            found = self._cache.get(key)
        if found is None:
            assert self.features is not None
            found = _RidgeSolver.build(self.features[np.asarray(films, np.int64)], self.config.lam)
            with self._cache_lock:
                if key not in self._cache:
                    self._cache[key] = found
                    self._cache_bytes += found.nbytes
                while self._cache_bytes > SOLVER_CACHE_BYTES and len(self._cache) > 1:
                    self._cache_bytes -= self._cache.pop(next(iter(self._cache))).nbytes
        else:
            with self._cache_lock:  # most recently used last: the oldest goes first
                self._cache[key] = self._cache.pop(key, found)
        return found

    def score_matrix(self, histories: sp.csr_matrix) -> FloatArray:
        assert self.features is not None
        W = self.profiles(histories)
        S = np.asarray(self.features @ W).T
        return as_f32((S + self.config.prior_weight * self.prior[None, :]).astype(np.float32))

    def _rows(self, columns: ArrayLike | None) -> sp.csr_matrix:
        """The feature rows of ``columns`` (all films when None)."""
        assert self.features is not None
        if columns is None:
            return self.features
        return self.features[np.asarray(columns, dtype=np.intp)]

    def native_stars(
        self, histories: sp.csr_matrix, *, columns: ArrayLike | None = None
    ) -> FloatArray:
        """Person mean (shrunk) + the profile's prediction: the ridge regression is on stars."""
        c = self.config
        H = histories.tocsr()
        sums = np.asarray(H.sum(axis=1)).ravel()
        mean = (sums + c.mean_shrink * self.mu) / (np.diff(H.indptr) + c.mean_shrink)
        return as_f32(
            (mean[:, None] + np.asarray(self._rows(columns) @ self.profiles(H)).T).astype(
                np.float32
            )
        )

    def rating_signals(
        self, residuals: sp.csr_matrix, *, columns: ArrayLike | None = None
    ) -> list[FloatArray]:
        """The same ridge regression on film facts, fitted to residual stars."""
        profile = self.profiles(residuals, centre=False)
        return [as_f32(np.asarray(self._rows(columns) @ profile).T)]

    def item_similarity(self, items: Any, targets: Any) -> FloatArray:
        assert self.features is not None
        a = self.features[np.asarray(items, dtype=np.int64)]
        t = self.features[np.asarray(targets, dtype=np.int64)]
        return np.asarray((a @ t.T).toarray(), dtype=np.float32)  # rows are unit length

    def _state(self) -> dict[str, NDArray[Any]]:
        assert self.features is not None
        f = self.features
        return {
            "f.data": f.data,
            "f.indices": f.indices,
            "f.indptr": f.indptr,
            "f.shape": np.array(f.shape, dtype=np.int64),
            "mu": np.array(self.mu),
            "prior": self.prior,
        }

    def _set_state(self, arrays: dict[str, NDArray[Any]]) -> None:
        shape = tuple(int(x) for x in arrays["f.shape"])
        self.features = sp.csr_matrix(
            (arrays["f.data"], arrays["f.indices"], arrays["f.indptr"]), shape=shape
        )
        self.mu = float(arrays["mu"])
        self.prior = arrays["prior"]
        self._cache.clear()
