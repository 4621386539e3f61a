"""Group strategies: how a member × film score matrix becomes one ranking for the group.

Every strategy takes the same inputs (``scores``: members × films, higher is better, on whatever
scale the scorer uses; ``candidates``: which films may be shown) and returns the top ``k`` films
with a group score that never rises down the list. Ties break towards the lower item index, so
results are deterministic.

The fairness-aware strategy is a greedy re-ranking in the spirit of GFAR (Kaya, Bridge and
Tintarev, RecSys 2020): each member's score becomes a probability that they like the film, and
each step picks the film with the largest expected gain, where a member's weight is a mix of a
constant (the plain average of probabilities) and the probability that nothing chosen so far
suits them yet (so an unserved member pulls harder as the list grows).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from reelmates.errors import ReelmatesError
from reelmates.together.inputs import BoolArray, IntArray
from reelmates.together.likes import LikeModel, pool_ranks

FloatMatrix = NDArray[np.floating]


class Strategy(StrEnum):
    AVERAGE = "average"  # mean of raw scores
    NORMALISED_AVERAGE = "normalised-average"  # mean of each member's standardised scores
    LEAST_MISERY = "least-misery"  # the least happy member's standardised score
    BORDA = "borda"  # sum of each member's rank points
    FAIR = "fair"  # GFAR-style greedy, mixed with the average of like-probabilities


DEFAULT_STRATEGY = Strategy.FAIR


@dataclass(frozen=True)
class FairParams:
    """Settings of the fairness strategy, chosen on a validation split of MovieLens 100K.

    A member's chance of being pleased by their rank-r film is 1 / (1 + r·e^-sharpness), so their
    own top few films are near-certain and it fades past the top e^sharpness (≈ 7). Every member
    counts alike however much they have rated. ``mix`` weighs the plain average of those chances
    against the fairness term (1 = average only, 0 = GFAR only).
    """

    mix: float = 0.5
    sharpness: float = 2.0
    # Each member's top max(depth, 4k) films are considered; below rank 200 a member's chance is
    # under 4%, far too little to place a film in a short list on their account.
    depth: int = 200
    # Keep the last slots for members the greedy has not served yet, so that everyone gets one of
    # their own top k films whenever the list has room for one each (k ≥ members).
    cover: bool = True

    def likes(self, k: int) -> LikeModel:
        return LikeModel(
            intercept=self.sharpness,
            rank_slope=-1.0,
            activity_slope=0.0,
            depth=max(self.depth, 4 * k),
        )


DEFAULT_FAIR = FairParams()


@dataclass(frozen=True)
class Ranked:
    items: IntArray
    scores: NDArray[np.float64]


def standardise(scores: FloatMatrix, candidates: BoolArray) -> NDArray[np.float64]:
    """Each member's scores as z-scores over the candidates (a flat member gets zeros)."""
    n_cand = int(candidates.sum())
    if n_cand == 0:
        return np.zeros(scores.shape, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    s = np.where(np.isfinite(s), s, 0.0)
    weights = candidates.astype(np.float64)
    mean = (s @ weights) / n_cand
    var = ((s * s) @ weights) / n_cand - mean * mean
    std = np.sqrt(np.maximum(var, 0.0))
    std[std < 1e-12] = 1.0
    z: NDArray[np.float64] = (s - mean[:, None]) / std[:, None]
    return z


def top_k(values: NDArray[np.float64], candidates: BoolArray, k: int) -> Ranked:
    """The ``k`` best candidates by ``values``, ties to the lower index."""
    idx = np.flatnonzero(candidates)
    k = min(k, idx.size)
    if k == 0:
        return Ranked(np.empty(0, np.intp), np.empty(0))
    vals = values[idx]
    if k < idx.size:
        kth = np.partition(vals, idx.size - k)[idx.size - k]
        keep = vals >= kth  # every tie at the boundary, so the tie-break below is exact
        idx, vals = idx[keep], vals[keep]
    order = np.lexsort((idx, -vals))[:k]
    return Ranked(idx[order].astype(np.intp), vals[order].astype(np.float64))


def group_values(
    scores: FloatMatrix, candidates: BoolArray, strategy: Strategy
) -> NDArray[np.float64]:
    """The per-film group score of a score-based (non-greedy) strategy."""
    if strategy is Strategy.AVERAGE:
        s = np.where(np.isfinite(scores), scores, 0.0)
        return np.asarray(s.mean(axis=0), dtype=np.float64)
    if strategy is Strategy.NORMALISED_AVERAGE:
        out: NDArray[np.float64] = standardise(scores, candidates).mean(axis=0)
        return out
    if strategy is Strategy.LEAST_MISERY:
        z = standardise(scores, candidates)
        # The mean breaks ties between films with the same worst member, and is too small to
        # ever outweigh a real difference in the minimum.
        least: NDArray[np.float64] = z.min(axis=0) + 1e-9 * z.mean(axis=0)
        return least
    if strategy is Strategy.BORDA:
        points = np.zeros(scores.shape[1])
        idx = np.flatnonzero(candidates)
        if idx.size:
            s = np.where(np.isfinite(scores[:, idx]), scores[:, idx], -np.inf)
            # rank 1 = worst, so a film earns one point per candidate it beats (ties share).
            points[idx] = (rankdata(s, method="average", axis=1) - 1.0).sum(axis=0)
        return points
    raise ReelmatesError(f"{strategy} is not a score-based strategy")


def fair_rank(
    scores: FloatMatrix, candidates: BoolArray, k: int, params: FairParams = DEFAULT_FAIR
) -> Ranked:
    """Greedy GFAR-style selection of ``k`` films (see the module docstring)."""
    model = params.likes(k)
    pool, ranks = pool_ranks(scores, candidates, model.depth)
    ps = model.probability(ranks, np.zeros(scores.shape[0]))
    k = min(k, pool.size)
    if k == 0:
        return Ranked(np.empty(0, np.intp), np.empty(0))
    # ``favourite[u, j]``: pool[j] is among member u's own top k candidates.
    cover = params.cover and k >= scores.shape[0]  # room for one film each
    favourite = ranks <= k if cover else np.zeros(ranks.shape, dtype=bool)
    served = ~favourite.any(axis=1)  # nobody can serve a member without favourites
    # gain(i) = Σ_u P_u(i) · (mix + (1 - mix) · P(nothing chosen so far pleases u))
    unserved = np.ones(ps.shape[0])
    taken = np.zeros(pool.size, dtype=bool)
    items, values = [], []
    for step in range(k):
        gain = (params.mix + (1.0 - params.mix) * unserved) @ ps
        gain[taken] = -np.inf
        waiting = ~served
        if np.count_nonzero(waiting) >= k - step:
            # As many slots left as members still without a favourite: each slot must now go to
            # one of theirs, so that everyone finds something when the list has room for it.
            gain[~favourite[waiting].any(axis=0)] = -np.inf
        best = int(np.argmax(gain))  # the first maximum: pool is sorted, so the lowest index
        items.append(pool[best])
        values.append(float(gain[best]) / ps.shape[0])
        taken[best] = True
        unserved *= 1.0 - ps[:, best]
        served |= favourite[:, best]
    return Ranked(np.array(items, dtype=np.intp), np.array(values))


def rank_group(
    scores: FloatMatrix,
    candidates: BoolArray,
    k: int,
    strategy: Strategy = DEFAULT_STRATEGY,
    fair: FairParams = DEFAULT_FAIR,
) -> Ranked:
    """Top ``k`` candidates for the group under ``strategy``."""
    if scores.ndim != 2 or scores.shape[1] != candidates.shape[0]:
        raise ReelmatesError(f"scores {scores.shape} do not match {candidates.shape[0]} films")
    if scores.shape[0] == 0:
        raise ReelmatesError("a group needs at least one member")
    if strategy is Strategy.FAIR:
        return fair_rank(scores, candidates, k, fair)
    return top_k(group_values(scores, candidates, strategy), candidates, k)
