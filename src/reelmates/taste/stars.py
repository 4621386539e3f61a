"""Calibrated stars: the bias baseline plus a residual learned on held-out ratings.

A ranking score is relevance, not stars. We predict stars = μ + b_user + b_film + Σ_f w_f(n)·x_f
with a handful of per-cell features x: a constant, the person-standardised ranking score z, its
part above 1, and the scorer's *rating signals* (``Scorer.rating_signals``: estimates of the
person's residual stars from their own residuals, e.g. a ridge fit on ALS factors or film facts).

The weights depend on the person's history length n: they are pinned at a few knots in log(1+n)
and interpolated between, so a person with 5 ratings gets the small, cautious weights that were
measured for 5 ratings rather than those of a long-standing rater. To measure them, each
calibration person also appears with only 3, 5, 10, 20 and 40 of their (kept) ratings; the targets
are always ratings the model never saw, so the calibration stays honest. The weights are a ridge
fit with a penalty on jumps between knots; results are clipped to 0.5–5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from reelmates.taste.arrays import FloatArray, as_f32
from reelmates.taste.baseline import Biases, fit_biases
from reelmates.taste.matrix import RatingsMatrix, random_positions
from reelmates.taste.zscore import zscore

if TYPE_CHECKING:  # the scorer is only passed in: base imports this module, never the reverse
    from reelmates.taste.base import Scorer

CAL_USERS = 3000  # people whose ratings are partly held out for calibration...
CAL_CELLS = 60_000_000  # ...but no more than this many person × film scores in all
BATCH_CELLS = 4_000_000  # person × film scores held at once
CAL_FRACTION = 0.2
MIN_CAL_RATINGS = 5
REFIT_MAX_NNZ = 3_000_000  # below this, calibrate on a separate fit and refit on everything
SHORT_LENGTHS = (3, 5, 10, 20, 40)  # calibration people are also seen with only this many ratings
KNOTS = np.log1p(np.array([3.0, 8.0, 20.0, 50.0, 150.0, 400.0]))
N_BASE_FEATURES = 3  # constant, z, max(z − 1, 0); rating signals follow
RIDGE = 1.0
SMOOTH = 30.0  # penalty on the difference of each weight between neighbouring knots


@dataclass(frozen=True)
class StarModel:
    biases: Biases
    coef: FloatArray  # (len(KNOTS), features): the weights at each knot
    # No community to calibrate on (e.g. the starter catalog alone): the scorer's own star
    # estimate, when it has one (the content model's regression), is used instead.
    use_native: bool = False

    def predict(
        self,
        scorer: Scorer,
        histories: sp.csr_matrix,
        *,
        columns: ArrayLike | None = None,
        scores: FloatArray | None = None,
    ) -> FloatArray:
        """Stars for every film (rows × films), or only for the films ``columns``: the same
        numbers at those columns, at the cost of ``len(columns)`` films rather than the catalog.
        ``scores`` is ``scorer.score_matrix(histories)`` when the caller already has it."""
        h = sp.csr_matrix(histories)
        base, feats = feature_maps(scorer, self.biases, h, columns=columns, scores=scores)
        if len(feats) + 1 != self.coef.shape[1]:
            raise ValueError(
                f"stars calibration has {self.coef.shape[1]} features, {scorer.name} gives "
                f"{len(feats) + 1}"
            )
        w = knot_weights(np.diff(h.indptr)) @ self.coef  # rows × features
        out = base + w[:, :1]
        for f, x in enumerate(feats, 1):
            out += w[:, f : f + 1] * x
        return as_f32(np.clip(out, 0.5, 5.0))

    def state(self) -> dict[str, NDArray[Any]]:
        b = self.biases
        return {
            "mu": np.array(b.mu),
            "item": b.item,
            "reg_user": np.array(b.reg_user),
            "coef": self.coef,
            "knots": KNOTS,
            "use_native": np.array(self.use_native),
        }

    @classmethod
    def from_state(cls, arrays: dict[str, NDArray[Any]]) -> StarModel:
        if not np.array_equal(arrays.get("knots", np.zeros(0)), KNOTS):
            raise ValueError("stars calibration was fitted with other knots")
        b = Biases(float(arrays["mu"]), arrays["item"], float(arrays["reg_user"]))
        return cls(b, arrays["coef"], bool(arrays.get("use_native", False)))


def knot_weights(lengths: NDArray[np.integer]) -> NDArray[np.float64]:
    """Linear interpolation weights (rows × knots) of each history length in log(1 + n)."""
    x = np.clip(np.log1p(np.asarray(lengths, dtype=np.float64)), KNOTS[0], KNOTS[-1])
    hi = np.clip(np.searchsorted(KNOTS, x, side="right"), 1, len(KNOTS) - 1)
    t = (x - KNOTS[hi - 1]) / (KNOTS[hi] - KNOTS[hi - 1])
    out = np.zeros((len(x), len(KNOTS)))
    rows = np.arange(len(x))
    out[rows, hi - 1] = 1.0 - t
    out[rows, hi] += t
    return out


def feature_maps(
    scorer: Scorer,
    biases: Biases,
    histories: sp.csr_matrix,
    *,
    columns: ArrayLike | None = None,
    scores: FloatArray | None = None,
) -> tuple[FloatArray, list[FloatArray]]:
    """(baseline stars, [z, max(z − 1, 0), *rating signals]), each rows × films (or rows ×
    ``columns``). The z-scores need the whole score rows: ``scores`` when given, else scored."""
    histories = sp.csr_matrix(histories)
    base = biases.predict(histories, columns)
    full = scores if scores is not None else scorer.score_matrix(histories)
    z = zscore(full, columns=columns)
    resid = sp.csr_matrix(
        (histories.data - biases.at_ratings(histories), histories.indices, histories.indptr),
        shape=histories.shape,
    )
    signals = scorer.rating_signals(resid, columns=columns)
    return base, [z, np.maximum(z - 1.0, 0.0), *signals]


def fit_with_stars(scorer: Scorer, matrix: RatingsMatrix, *, seed: int = 0) -> None:
    """Fit ``scorer`` on ``matrix`` and attach a :class:`StarModel`.

    Small data: a clone is fitted without the held-out ratings to learn the calibration, then
    ``scorer`` is fitted on everything. Large data (over ``REFIT_MAX_NNZ`` ratings): ``scorer``
    itself is fitted without the held-out ratings (a small share of them), saving a second fit.
    """
    rows_per_person = 1 + len(SHORT_LENGTHS)
    n_cal = max(1, min(CAL_USERS, CAL_CELLS // max(matrix.n_items * rows_per_person, 1)))
    rng = np.random.default_rng(seed)
    reduced, cal_rows, held = _hold_out(matrix, rng, n_cal)
    if len(cal_rows) == 0:
        scorer._fit_plain(matrix)
        coef = np.zeros((len(KNOTS), N_BASE_FEATURES), dtype=np.float32)
        scorer.stars_model = StarModel(fit_biases(matrix), coef, use_native=True)
        return
    refit = matrix.nnz <= REFIT_MAX_NNZ
    probe = scorer.clone() if refit else scorer
    probe._fit_plain(reduced)
    cal_biases = fit_biases(reduced)
    hist, target = _calibration_rows(reduced.ratings[cal_rows], held[cal_rows], rng)
    X, y = [], []
    batch = max(1, BATCH_CELLS // max(matrix.n_items, 1))
    for start in range(0, hist.shape[0], batch):
        h = hist[start : start + batch]
        base, feats = feature_maps(probe, cal_biases, h)
        t = target[start : start + batch].tocoo()
        cells = np.stack([np.ones(t.nnz), *(f[t.row, t.col] for f in feats)], axis=1)
        knots = knot_weights(np.diff(h.indptr))[t.row]
        X.append(
            (knots[:, :, None] * cells[:, None, :]).reshape(t.nnz, knots.shape[1] * cells.shape[1])
        )
        y.append(t.data - base[t.row, t.col])
    coef = _solve(np.concatenate(X), np.concatenate(y), n_features=cells.shape[1])
    if refit:
        scorer._fit_plain(matrix)
    else:
        # Fitted without the held-out ratings, but they are still the people's ratings: every
        # use of a fitted person's row (their scores, the films never to recommend them) must
        # see all of it.
        scorer._matrix = matrix
    scorer.stars_model = StarModel(fit_biases(matrix), coef.astype(np.float32))


def _solve(X: NDArray[np.float64], y: NDArray[np.float64], n_features: int) -> NDArray[Any]:
    """Ridge with a first-difference penalty across knots; returns (knots, features).

    First differences, not second: a knot no calibration person reaches (e.g. 400 ratings on a
    small site) takes its neighbour's weights rather than a trend extrapolated past the data.
    """
    k = len(KNOTS)
    D = np.diff(np.eye(k), axis=0)  # (k − 1) × k
    penalty = SMOOTH * np.kron(D.T @ D, np.eye(n_features)) + RIDGE * np.eye(k * n_features)
    A = X.T @ X + penalty
    return np.linalg.solve(A, X.T @ y).reshape(k, n_features)


def _calibration_rows(
    kept: sp.csr_matrix, held: sp.csr_matrix, rng: np.random.Generator
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Each person's kept ratings, plus random subsets of SHORT_LENGTHS of them, each row with
    that person's held-out ratings as targets."""
    kept = kept.tocsr()
    counts = np.diff(kept.indptr)
    hists, targets = [kept], [held]
    owner = np.repeat(np.arange(kept.shape[0]), counts)
    rank = random_positions(kept, rng)
    for n in SHORT_LENGTHS:
        people = np.flatnonzero(counts > n)
        if len(people) == 0:
            continue
        pick = rank < n
        short = sp.csr_matrix(
            (kept.data[pick], (owner[pick], kept.indices[pick])), shape=kept.shape
        )
        hists.append(short[people])
        targets.append(held[people])
    return sp.csr_matrix(sp.vstack(hists)), sp.csr_matrix(sp.vstack(targets))


def _hold_out(
    matrix: RatingsMatrix, rng: np.random.Generator, n_cal: int
) -> tuple[RatingsMatrix, NDArray[np.int64], sp.csr_matrix]:
    """(matrix without held-out ratings, calibration people, held-out ratings as a CSR)."""
    r = matrix.ratings.tocsr()
    counts = np.diff(r.indptr)
    eligible = np.flatnonzero(counts >= MIN_CAL_RATINGS)
    cal = np.sort(rng.permutation(eligible)[:n_cal])
    rows = np.repeat(np.arange(r.shape[0]), counts)
    chosen = np.zeros(r.shape[0], dtype=bool)
    chosen[cal] = True
    out = chosen[rows] & (rng.random(r.nnz) < CAL_FRACTION)
    keep = ~out
    kept = sp.csr_matrix((r.data[keep], (rows[keep], r.indices[keep])), shape=r.shape)
    held = sp.csr_matrix((r.data[out], (rows[out], r.indices[out])), shape=r.shape)
    return matrix.with_ratings(kept), cal, held
