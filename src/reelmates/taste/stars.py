"""Calibrated stars: the bias baseline plus a residual learned from the ranking score.

A ranking score is relevance, not stars. On ratings held out from a fit, we regress
stars − (μ + b_user + b_film) on a few features of the person-standardised score z (z, the part of z
above 1, z·log(1+ratings)/5): a handful of numbers, so the fit is stable and cheap, and the result
is clipped to 0.5–5. Held-out ratings keep the calibration honest: a score computed from a model
that
saw the rating would be inflated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from reelmates.taste.base import FloatArray, Scorer, as_f32
from reelmates.taste.bias import Biases, fit_biases
from reelmates.taste.matrix import RatingsMatrix

CAL_USERS = 3000  # people whose ratings are partly held out for calibration...
CAL_CELLS = 30_000_000  # ...but no more than this many person × film scores in all
BATCH_CELLS = 4_000_000  # person × film scores held at once
CAL_FRACTION = 0.2
REFIT_MAX_NNZ = 3_000_000  # below this, calibrate on a separate fit and refit on everything
N_FEATURES = 3


@dataclass(frozen=True)
class StarModel:
    biases: Biases
    coef: FloatArray  # N_FEATURES residual weights
    # No community to calibrate on (e.g. the starter catalog alone): the scorer's own star
    # estimate, when it has one (the content model's regression), is used instead.
    use_native: bool = False

    def predict(self, histories: sp.csr_matrix, scores: FloatArray) -> FloatArray:
        base = self.biases.predict(histories)
        feats = _features(histories, scores)
        resid = np.tensordot(feats, self.coef, axes=([2], [0]))
        return as_f32(np.clip(base + resid, 0.5, 5.0).astype(np.float32))

    def state(self) -> dict[str, NDArray[Any]]:
        b = self.biases
        return {
            "mu": np.array(b.mu),
            "item": b.item,
            "reg_user": np.array(b.reg_user),
            "coef": self.coef,
            "use_native": np.array(self.use_native),
        }

    @classmethod
    def from_state(cls, arrays: dict[str, NDArray[Any]]) -> StarModel:
        b = Biases(float(arrays["mu"]), arrays["item"], float(arrays["reg_user"]))
        return cls(b, arrays["coef"], bool(arrays.get("use_native", False)))


def _features(histories: sp.csr_matrix, scores: FloatArray) -> NDArray[np.float32]:
    s = np.asarray(scores, dtype=np.float32)
    mean = s.mean(axis=1, keepdims=True)
    std = s.std(axis=1, keepdims=True)
    z = (s - mean) / np.where(std > 0, std, 1.0)
    n = np.log1p(np.diff(histories.tocsr().indptr)).astype(np.float32)[:, None] / 5.0
    return np.stack([z, np.maximum(z - 1.0, 0.0), z * n], axis=2)


def fit_with_stars(scorer: Scorer, matrix: RatingsMatrix, *, seed: int = 0) -> None:
    """Fit ``scorer`` on ``matrix`` and attach a :class:`StarModel`.

    Small data: a clone is fitted without the held-out ratings to learn the calibration, then
    ``scorer`` is fitted on everything. Large data (over ``REFIT_MAX_NNZ`` ratings): ``scorer``
    itself is fitted without the held-out ratings (a small share of them), saving a second fit.
    """
    n_cal = max(1, min(CAL_USERS, CAL_CELLS // max(matrix.n_items, 1)))
    reduced, cal_rows, held = _hold_out(matrix, seed, n_cal)
    if len(cal_rows) == 0:
        scorer._fit_plain(matrix)
        biases = fit_biases(matrix)
        coef = np.zeros(N_FEATURES, dtype=np.float32)
        scorer.stars_model = StarModel(biases, coef, use_native=True)
        return
    refit = matrix.nnz <= REFIT_MAX_NNZ
    probe = scorer.clone() if refit else scorer
    probe._fit_plain(reduced)
    cal_biases = fit_biases(reduced)
    X, y = [], []
    batch = max(1, BATCH_CELLS // max(matrix.n_items, 1))
    for start in range(0, len(cal_rows), batch):
        rows = cal_rows[start : start + batch]
        hist = reduced.ratings[rows]
        scores = probe.score_matrix(hist)
        feats = _features(hist, scores)
        base = cal_biases.predict(hist)
        h = held[rows].tocoo()
        X.append(feats[h.row, h.col])
        y.append(h.data - base[h.row, h.col])
    A = np.concatenate(X).astype(np.float64)
    b = np.concatenate(y).astype(np.float64)
    coef = np.linalg.solve(A.T @ A + 1.0 * np.eye(N_FEATURES), A.T @ b)
    if refit:
        scorer._fit_plain(matrix)
    scorer.stars_model = StarModel(fit_biases(matrix), coef.astype(np.float32))


def _hold_out(
    matrix: RatingsMatrix, seed: int, n_cal: int
) -> tuple[RatingsMatrix, NDArray[np.int64], sp.csr_matrix]:
    """(matrix without held-out ratings, calibration people, held-out ratings as a CSR)."""
    rng = np.random.default_rng(seed)
    r = matrix.ratings.tocsr()
    counts = np.diff(r.indptr)
    eligible = np.flatnonzero(counts >= 5)
    cal = np.sort(rng.permutation(eligible)[:n_cal])
    rows = np.repeat(np.arange(r.shape[0]), counts)
    chosen = np.zeros(r.shape[0], dtype=bool)
    chosen[cal] = True
    out = chosen[rows] & (rng.random(r.nnz) < CAL_FRACTION)
    keep = ~out
    kept = sp.csr_matrix((r.data[keep], (rows[keep], r.indices[keep])), shape=r.shape)
    held = sp.csr_matrix((r.data[out], (rows[out], r.indices[out])), shape=r.shape)
    return matrix.with_ratings(kept), cal, held
