"""Calibrated chances that a member likes a film, from where it sits in their own ranking.

P(like) = sigmoid(a + b·log(rank) + c·log(1 + ratings)), with ``rank`` the film's 1-based place
among the candidates in that member's scores and ``ratings`` how many films they rated. Rank makes
it independent of any scorer's scale; the activity term says that a person who rates a lot likes
more of what they are shown. The defaults were fitted by logistic regression on MovieLens 100K
(a validation split of the training part, "like" = a held-out rating ≥ 4): b ≈ −1 and c ≈ 1, i.e.
the chance is roughly proportional to ratings / rank.

Only each member's top ``depth`` films get an exact rank (one partition, then a sort of those);
the rest are treated as ranked ``depth + 1``, where the chance is already negligible. That keeps
the cost linear in the catalog size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reelmates.taste.topk import finite_or_lowest, top_k
from reelmates.together.inputs import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class LikeModel:
    intercept: float = -3.77
    rank_slope: float = -0.995
    activity_slope: float = 1.053
    stars_slope: float = 0.0  # per predicted star, when the scorer predicts stars
    stars_centre: float = 0.0
    depth: int = 1000

    def logit(
        self,
        ranks: NDArray[np.float64],
        activity: NDArray[np.float64],
        stars: NDArray[np.floating] | None = None,
    ) -> FloatArray:
        """Log-odds for ``ranks`` (members × films) given each member's rating count."""
        act = self.activity_slope * np.log1p(np.maximum(activity, 0.0))
        out: FloatArray = self.intercept + self.rank_slope * np.log(ranks) + act[:, None]
        if stars is not None and self.stars_slope:
            out = out + self.stars_slope * (np.asarray(stars, dtype=np.float64) - self.stars_centre)
        return out

    def probability(self, ranks: NDArray[np.float64], activity: NDArray[np.float64]) -> FloatArray:
        with np.errstate(over="ignore"):
            p: FloatArray = 1.0 / (1.0 + np.exp(-self.logit(ranks, activity)))
        return p


DEFAULT_LIKES = LikeModel()


# Up to this many candidates, one partition of all rows beats selecting row by row.
SMALL = 4096


def candidate_ranks(
    scores: NDArray[np.floating], candidates: BoolArray, depth: int
) -> tuple[IntArray, NDArray[np.float64]]:
    """Each member's exact 1-based ranks for their top ``depth`` candidates.

    Returns ``(items, ranks)``, both (members × d) with d = min(depth, candidates): row u lists
    member u's best candidates in order (ties to the lower index) and their ranks 1..d.
    Non-finite scores count as the lowest.
    """
    m = scores.shape[0]
    n_cand = int(np.count_nonzero(candidates))
    d = min(depth, n_cand)
    if d == 0:
        return np.empty((m, 0), np.intp), np.empty((m, 0))
    top = np.empty((m, d), dtype=np.intp)
    for u, part in enumerate(top_candidates_rows(scores, candidates, d, n_cand)):
        top[u] = part[np.lexsort((part, -finite_or_lowest(scores[u, part])))]
    ranks = np.broadcast_to(np.arange(1.0, d + 1.0), (m, d))
    return top, np.array(ranks)


def top_candidates(
    row: NDArray[np.floating], candidates: BoolArray, d: int, n_cand: int
) -> IntArray:
    """:func:`top_candidates_rows` for one row."""
    return top_candidates_rows(row[None, :], candidates, d, n_cand)[0]


def top_candidates_rows(
    scores: NDArray[np.floating], candidates: BoolArray, d: int, n_cand: int
) -> list[IntArray]:
    """For each row, the indices of its ``d`` best candidates (ties to the lower index), unordered.

    Non-finite scores count as the lowest. On long rows, a threshold from an evenly strided
    sample of the candidates usually keeps a little more than ``d`` of them, and one comparison
    pass (for all rows at once) is much cheaper than a partition of every candidate; a row whose
    sample misleads (too few survivors, or a non-finite value where it matters) falls back to the
    exact partition. Either way the same films come out.
    """
    m, n = scores.shape
    out: list[IntArray | None] = [None] * m
    if n >= 20_000 and d * 8 <= n_cand:
        step = n // 4096
        sample = scores[:, ::step][:, candidates[::step]]
        size = sample.shape[1]
        if size >= 256:
            # Twice the expected share of the sample, so the cut rarely lands too high.
            keep = min(size - 1, int(2.0 * d * size / n_cand) + 8)
            cuts = np.partition(sample, size - keep, axis=1)[:, size - keep]
            # NaN and -inf never pass a finite cut; +inf does, and is caught below.
            passed = scores >= cuts[:, None]
            passed &= candidates
            for u in np.flatnonzero(np.isfinite(sample).all(axis=1)).tolist():
                survivors = np.flatnonzero(passed[u])
                if survivors.size >= d:
                    vals = scores[u, survivors]
                    if np.isfinite(vals).all():
                        out[u] = _exact_top(vals, survivors, d)
    if any(part is None for part in out):
        idx = np.flatnonzero(candidates)
        for u in range(m):
            if out[u] is None:
                out[u] = _exact_top(finite_or_lowest(scores[u, idx]), idx, d)
    return [part for part in out if part is not None]


def _exact_top(vals: NDArray[np.floating], idx: IntArray, d: int) -> IntArray:
    """The ``d`` best of ``idx`` (``vals`` their scores), by the one top-k rule."""
    if d >= idx.size:
        return idx
    best, _ = top_k(vals, d)
    return idx[best]


def pool_ranks(
    scores: NDArray[np.floating], candidates: BoolArray, depth: int
) -> tuple[IntArray, NDArray[np.float64]]:
    """(pool, R) with ``pool`` the films that are some member's top ``depth`` candidate (sorted)
    and ``R[u, j]`` member u's 1-based rank of ``pool[j]`` (``depth + 1`` when below their top)."""
    m = scores.shape[0]
    items, ranks = candidate_ranks(scores, candidates, depth)
    in_pool = np.zeros(scores.shape[1], dtype=bool)
    in_pool[items.ravel()] = True
    pool = np.flatnonzero(in_pool)  # sorted, without a sort
    column = np.empty(scores.shape[1], dtype=np.intp)
    column[pool] = np.arange(pool.size)
    full_rank = np.full((m, pool.size), float(depth + 1))
    np.put_along_axis(full_rank, column[items], ranks, axis=1)
    return pool.astype(np.intp), full_rank


def like_probabilities(
    scores: NDArray[np.floating],
    candidates: BoolArray,
    activity: NDArray[np.floating] | None = None,
    model: LikeModel = LikeModel(),
) -> tuple[IntArray, FloatArray]:
    """(pool, P) with ``pool`` as in :func:`pool_ranks` and ``P[u, j]`` member u's chance of
    liking ``pool[j]``; films outside the pool are less likely for everyone than anything in it."""
    act = np.zeros(scores.shape[0]) if activity is None else np.asarray(activity, np.float64)
    pool, full_rank = pool_ranks(scores, candidates, model.depth)
    return pool, model.probability(full_rank, act)


def member_like_chances(
    scores: NDArray[np.floating],
    candidates: BoolArray,
    activity: float,
    model: LikeModel = LikeModel(),
    offset: float = 0.0,
    stars: NDArray[np.floating] | None = None,
) -> FloatArray:
    """One member's chance of liking every film (0 for non-candidates); ``offset`` shifts the
    log-odds (a per-member correction learnt from their swipes)."""
    items, ranks = candidate_ranks(scores[None, :], candidates, model.depth)
    full_rank = np.full(scores.shape[0], float(model.depth + 1))
    full_rank[items[0]] = ranks[0]
    star_row = None if stars is None else np.asarray(stars)[None, :]
    logit = model.logit(full_rank[None, :], np.array([float(activity)]), star_row)[0] + offset
    with np.errstate(over="ignore"):
        p: FloatArray = 1.0 / (1.0 + np.exp(-logit))
    p[~candidates] = 0.0
    return p
