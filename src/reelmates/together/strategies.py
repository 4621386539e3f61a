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

Every strategy also gives each pick a *fit* in [0, 1], the figure the order follows (it never
rises down the list), and each member's *chance* of liking each pick (the like model below, from
where the film sits in their own ranking), so that a front end can show the figure the order
follows and each member's share of it:

- fair: the greedy's gain per member, i.e. the members' mean chance of liking the film, a member
  already likely pleased by the films above counting for less (for the first pick, exactly the
  mean chance);
- least misery: the least happy member's chance (the members' chances are what it compares, so
  the order follows the smallest figure shown), ties broken by the mean chance;
- Borda: the members' mean percentile (the share of the other candidates each ranks below it);
- average and normalised average: their group score rescaled over the candidates (the best
  candidate is 1, the worst 0); these two are baselines for evaluation.

Member weights (``weights``, one per member, 1 each by default) let a ranking lean toward some
members: the fairness nudge over many nights (``together.turns``) gives the member served least so
far a little more. The fair greedy weighs each member's term of the gain, the averages take the
weighted mean and Borda the weighted sum of points (their fit divides by the weights' sum, so it
stays in [0, 1]); least misery takes no weights, as it already puts the least happy member first
on every film. With every weight 1 each strategy is exactly its unweighted self.

The first ``k`` picks never depend on ``k``: asking for 3 gives the first 3 of the list for 5.
The score-based strategies are prefix-consistent by construction (one sort); the fair greedy
never looks at ``k`` (its cover window is a fixed ten slots, see :class:`FairParams`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from reelmates.errors import ReelmatesError
from reelmates.taste.topk import top_k as best_k
from reelmates.together.inputs import BoolArray, IntArray
from reelmates.together.likes import LikeModel, candidate_ranks, pool_ranks

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

    Nothing here depends on how many films are asked for (up to ``depth``), so the list for k = 3
    is the first three of the list for k = 5: the greedy always ranks at least ``cover_window``
    films and the answer is cut from that list.
    """

    mix: float = 0.5
    sharpness: float = 2.0
    # Each member's top ``depth`` films are considered (more only for lists longer than that);
    # below rank 200 a member's chance is under 4%, far too little to place a film in a short list
    # on their account.
    depth: int = 200
    # Keep the last of the first ``cover_window`` slots for members the greedy has not served yet,
    # so that everyone gets one of their own top ``cover_window`` films among the first
    # ``cover_window`` picks whenever there is room for one each (members ≤ cover_window). The
    # window is fixed, not the k asked for, so that a shorter list is a prefix of a longer one.
    cover: bool = True
    cover_window: int = 10

    def likes(self, k: int) -> LikeModel:
        return LikeModel(
            intercept=self.sharpness,
            rank_slope=-1.0,
            activity_slope=0.0,
            depth=max(self.depth, k),
        )


DEFAULT_FAIR = FairParams()


@dataclass(frozen=True)
class Ranked:
    items: IntArray
    scores: NDArray[np.float64]  # the strategy's group score (only its order matters)
    # The figure the order follows, in [0, 1], never rising (see the module docstring); and each
    # member's chance of liking each pick (members × items). Filled in by :func:`rank_group`.
    fit: NDArray[np.float64] | None = None
    chances: NDArray[np.float64] | None = None


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
    """The ``k`` best candidates by ``values`` (the one rule of :mod:`reelmates.taste.topk`:
    ties to the lower index, a value that is not a number the lowest)."""
    idx, vals = best_k(np.asarray(values, dtype=np.float64), k, candidates)
    return Ranked(idx.astype(np.intp), vals.astype(np.float64))


def like_chances(
    scores: FloatMatrix, candidates: BoolArray, items: IntArray, model: LikeModel
) -> NDArray[np.float64]:
    """Each member's chance of liking each of ``items`` (members × items), from the film's rank
    among the candidates in their own scores (ranks below ``model.depth`` count as depth + 1)."""
    items = np.asarray(items, dtype=np.intp)
    m = scores.shape[0]
    top, ranks = candidate_ranks(scores, candidates, model.depth)
    full = np.full((m, items.size), float(model.depth + 1))
    if top.shape[1] and items.size:
        for u in range(m):
            where = top[u][:, None] == items[None, :]
            hit = where.any(axis=0)
            full[u, hit] = ranks[u][where.argmax(axis=0)[hit]]
    return np.asarray(model.probability(full, np.zeros(m)), dtype=np.float64)


def chance_matrix(scores: FloatMatrix, candidates: BoolArray, model: LikeModel) -> FloatMatrix:
    """:func:`like_chances` for every film (0 for non-candidates)."""
    m = scores.shape[0]
    pool, ranks = pool_ranks(scores, candidates, model.depth)
    floor = model.probability(np.full((m, 1), float(model.depth + 1)), np.zeros(m))
    out = np.where(candidates[None, :], floor, 0.0)
    out[:, pool] = model.probability(ranks, np.zeros(m))
    return out


def member_weights(weights: NDArray[np.floating] | None, members: int) -> NDArray[np.float64]:
    """The weights as given (positive and finite, one per member), or 1 each when None."""
    if weights is None:
        return np.ones(members)
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.size != members or not (np.isfinite(w) & (w > 0)).all():
        raise ReelmatesError(f"member weights must be {members} positive numbers, got {w}")
    return w


def group_values(
    scores: FloatMatrix,
    candidates: BoolArray,
    strategy: Strategy,
    likes: LikeModel | None = None,
    weights: NDArray[np.floating] | None = None,
) -> NDArray[np.float64]:
    """The per-film group score of a score-based (non-greedy) strategy (members weighted by
    ``weights``, see the module docstring)."""
    # (No weights: the plain mean and sum, so the unweighted figures are exactly as they were.)
    w = None if weights is None else member_weights(weights, scores.shape[0])
    if strategy is Strategy.AVERAGE:
        s = np.where(np.isfinite(scores), scores, 0.0)
        return np.asarray(s.mean(axis=0) if w is None else w @ s / w.sum(), dtype=np.float64)
    if strategy is Strategy.NORMALISED_AVERAGE:
        z = standardise(scores, candidates)
        out: NDArray[np.float64] = z.mean(axis=0) if w is None else w @ z / w.sum()
        return out
    if strategy is Strategy.LEAST_MISERY:
        chances = chance_matrix(scores, candidates, likes or DEFAULT_FAIR.likes(0))
        # The mean breaks ties between films with the same worst member, and is too small to
        # ever outweigh a real difference in the minimum.
        least: NDArray[np.float64] = chances.min(axis=0) + 1e-9 * chances.mean(axis=0)
        return least
    if strategy is Strategy.BORDA:
        points = np.zeros(scores.shape[1])
        idx = np.flatnonzero(candidates)
        if idx.size:
            s = np.where(np.isfinite(scores[:, idx]), scores[:, idx], -np.inf)
            # rank 1 = worst, so a film earns one point per candidate it beats (ties share).
            ranks = rankdata(s, method="average", axis=1) - 1.0
            points[idx] = ranks.sum(axis=0) if w is None else w @ ranks
        return points
    raise ReelmatesError(f"{strategy} is not a score-based strategy")


def group_fit(
    values: NDArray[np.float64],
    picked: NDArray[np.float64],
    candidates: BoolArray,
    strategy: Strategy,
    members: float,
) -> NDArray[np.float64]:
    """The fit (in [0, 1], see the module docstring) of picks whose group score is ``picked``;
    ``values`` is the group score of every film; ``members`` the sum of the members' weights."""
    if strategy is Strategy.LEAST_MISERY:  # (rank_group takes it from the chances themselves)
        fit = picked
    elif strategy is Strategy.BORDA:
        n_cand = int(np.count_nonzero(candidates))
        fit = picked / (members * (n_cand - 1)) if n_cand > 1 else np.ones_like(picked)
    else:
        cand = values[candidates]
        low, high = (float(cand.min()), float(cand.max())) if cand.size else (0.0, 0.0)
        fit = (picked - low) / (high - low) if high > low else np.ones_like(picked)
    # Rounding aside, the order already follows the fit; this only irons out float noise.
    out: NDArray[np.float64] = np.minimum.accumulate(np.clip(fit, 0.0, 1.0))
    return out


def fair_rank(
    scores: FloatMatrix,
    candidates: BoolArray,
    k: int,
    params: FairParams = DEFAULT_FAIR,
    weights: NDArray[np.floating] | None = None,
) -> Ranked:
    """Greedy GFAR-style selection of ``k`` films (see the module docstring); member u's term of
    the gain counts ``weights[u]`` times, and a pick's figure is the gain over the weights' sum.

    The greedy always ranks at least ``params.cover_window`` films and never looks at ``k``, so
    a shorter list is the start of a longer one. A slot held for a member nobody had served yet
    can have a smaller gain than the pick after it: within the window the picks are shown in the
    order of their gains, so the figure shown never rises down the list.
    """
    model = params.likes(k)
    pool, ranks = pool_ranks(scores, candidates, model.depth)
    ps = model.probability(ranks, np.zeros(scores.shape[0]))
    m = scores.shape[0]
    w = member_weights(weights, m)
    window = min(params.cover_window, pool.size)
    k = min(k, pool.size)
    if k == 0:
        return Ranked(np.empty(0, np.intp), np.empty(0), np.empty(0), np.empty((m, 0)))
    steps = max(k, window)
    # ``favourite[u, j]``: pool[j] is among member u's own top ``window`` candidates.
    cover = params.cover and window >= m  # room for one film each
    favourite = ranks <= window if cover else np.zeros(ranks.shape, dtype=bool)
    served = ~favourite.any(axis=1)  # nobody can serve a member without favourites
    # gain(i) = Σ_u P_u(i) · (mix + (1 - mix) · P(nothing chosen so far pleases u))
    unserved = np.ones(m)
    taken = np.zeros(pool.size, dtype=bool)
    chosen, values = [], []
    for step in range(steps):
        gain = (w * (params.mix + (1.0 - params.mix) * unserved)) @ ps
        gain[taken] = -np.inf
        waiting = ~served
        if step < window and np.count_nonzero(waiting) >= window - step:
            # As many slots of the window left as members still without a favourite: each slot
            # must now go to one of theirs, so that everyone finds something in the window.
            gain[~favourite[waiting].any(axis=0)] = -np.inf
        best = int(np.argmax(gain))  # the first maximum: pool is sorted, so the lowest index
        chosen.append(best)
        values.append(float(gain[best]) / float(w.sum()))
        taken[best] = True
        unserved *= 1.0 - ps[:, best]
        served |= favourite[:, best]
    # The window in the order of its gains (same films, so the cover still holds), then the
    # greedy's own order, whose gains never rise; past the window a pick's figure is capped at
    # the smallest above it (only ever lower than its gain, after a held slot).
    gains = np.array(values)
    order = np.concatenate([np.argsort(-gains[:window], kind="stable"), np.arange(window, steps)])
    order = order[:k]
    picks = np.array(chosen, dtype=np.intp)[order]
    vals = np.minimum.accumulate(gains[order])
    fit = np.clip(vals, 0.0, 1.0)
    return Ranked(pool[picks].astype(np.intp), vals, fit, np.asarray(ps[:, picks], np.float64))


def rank_group(
    scores: FloatMatrix,
    candidates: BoolArray,
    k: int,
    strategy: Strategy = DEFAULT_STRATEGY,
    fair: FairParams = DEFAULT_FAIR,
    weights: NDArray[np.floating] | None = None,
) -> Ranked:
    """Top ``k`` candidates for the group under ``strategy``, with each pick's fit and each
    member's chance of liking it; ``weights``: see the module docstring."""
    if scores.ndim != 2 or scores.shape[1] != candidates.shape[0]:
        raise ReelmatesError(f"scores {scores.shape} do not match {candidates.shape[0]} films")
    if scores.shape[0] == 0:
        raise ReelmatesError("a group needs at least one member")
    if strategy is Strategy.FAIR:
        return fair_rank(scores, candidates, k, fair, weights)
    likes = fair.likes(k)
    w = member_weights(weights, scores.shape[0])
    values = group_values(scores, candidates, strategy, likes, weights)
    ranked = top_k(values, candidates, k)
    chances = like_chances(scores, candidates, ranked.items, likes)
    if strategy is Strategy.LEAST_MISERY:  # exactly the smallest chance shown
        fit = np.minimum.accumulate(chances.min(axis=0)) if chances.size else np.empty(0)
    else:
        fit = group_fit(values, ranked.scores, candidates, strategy, float(w.sum()))
    return Ranked(ranked.items, ranked.scores, fit, chances)
