"""Whose turn it is: a gentle nudge, over many nights, toward the member served least so far.

A group that meets often should not always end up with the films that suit the same member. From
the nights the group has had (each: the film watched and each member's stars for it), every member
gets a *served-so-far* score; the member furthest behind the best-served one gets a little more
weight in the next ranking, and the reason says so: "Milly's turn: the last three picks suited
Jess better". The group can turn the nudge off (``GroupOptions.nudge``).

How it is computed (pure arrays, no clock, deterministic):

1. **Satisfaction** of member u with night t's film: the chance that they liked it, in the
   currency of the fair strategy (``together.strategies``: a member's chance of liking a film
   from where it sits in their own ranking) and of the evaluation ("liked" = 4★ or more). When they
   rated it afterwards it is known: 1 for 4★ or more, 0 for 3★ or less, halfway between
   (``clip(stars − 3, 0, 1)``). Otherwise it is the model's chance for the film as it ranks for
   them tonight, among tonight's candidates (:func:`film_chances`). A private member's stars
   never count, only the model's chance (``reelmates.privacy``: others may see what the model
   predicts for them, never how they rated), so nothing said or ranked gives their ratings
   away. Unknown (NaN) when the member was not there or nothing is known.
2. **Served so far**: each member's mean satisfaction over the nights they have one for, the most
   recent counting most: night t of T (0 the oldest) weighs ``decay ** (T − 1 − t)``. A member
   with no known night has none, and is never nudged or named.
3. **Deficit**: how far a member is behind the best-served, past a small ``tolerance`` (less is
   "even"), in units of ``full`` (a chance) and capped at 1:
   ``d[u] = clip((max_v served[v] − served[u] − tolerance) / full, 0, 1)``.
4. **Weight** in the next ranking: ``w[u] = 1 + strength · d[u]``, between 1 and 1 + strength;
   the best-served member and everyone within the tolerance of them keep weight 1, so an even
   history changes nothing at all. The strategies that add members up take the weights
   (``together.strategies``).

The member with the largest weight (ties: the first in the order given) has the turn when their
deficit is above zero; the note names the best-served member and counts how many of the latest
nights, newest first and among those both have a satisfaction for, suited the best-served member
strictly better (0 when the latest did not: "recent picks suited Jess better").

The strength and decay were chosen on a validation split of MovieLens 100K, never the test
ratings (see :data:`DEFAULT_NUDGE`); the tolerance and the full step by reasoning (a twentieth of
a chance is noise; half a chance, a member's own top film against one in their thirties, is as
far behind as anyone gets in a few nights).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reelmates.taste.topk import finite_or_lowest
from reelmates.together.inputs import BoolArray, FloatArray, IntArray, Member
from reelmates.together.likes import LikeModel
from reelmates.together.reasons import TurnNote

# Only this many of the newest nights are read: at the default decay the 30th night back weighs
# under a millionth of the latest (at a decay of 0.8, under a six-hundredth).
MAX_NIGHTS = 30
LIKED_STARS = 4.0  # a rating of this or more: they liked it (as the evaluation counts it)


@dataclass(frozen=True)
class PastNight:
    """One night: ``item`` the film watched (the model's item index; None when the model does not
    know it, so only the stars given count) and ``stars``: each member who was there (by
    ``Member.name``) → their stars for it afterwards, None when not rated (yet). A member
    not listed was not there."""

    item: int | None
    stars: Mapping[str, float | None]


@dataclass(frozen=True)
class NudgeParams:
    """How hard the nudge pulls (see the module docstring for each figure's meaning).

    ``strength`` and ``decay`` were chosen by ``benchmarks/tune_nudge.py``: MovieLens 100K split
    with seed 0 (not one of the seeds ``eval groups`` reports; its test part never read), the
    shipped model fitted on a fit part of that training part, the sequence protocol of
    ``eval groups`` on 300 random groups each of 2, 3 and 4 judged on the validation part. Every
    setting of the grid (strength 0.25–8, decay 0.6–1) lifted the least-served member's
    cumulative nDCG@1 by 11–20% over no nudge, the mean moving between +3.2% and −0.7%; the rule
    fixed beforehand (the largest lift whose mean costs at most 1%, half the bar's allowance)
    took strength 1 and decay 0.6 (+19.8%, the mean +1.8%), in the middle of a flat plateau
    (strength 0.5–2: +17% to +20%).
    """

    strength: float = 1.0
    decay: float = 0.6  # each night back counts 0.6 times the one after it
    tolerance: float = 0.05  # a chance: behind by less is even
    full: float = 0.5  # a chance behind (past the tolerance) for the whole strength

    def __post_init__(self) -> None:
        if not self.strength >= 0:
            raise ValueError("strength is 0 or more (0: no nudge)")
        if not 0 < self.decay <= 1:
            raise ValueError("decay is in (0, 1]: 1 counts every night alike")
        if not self.tolerance >= 0 or not self.full > 0:
            raise ValueError("tolerance is 0 or more and full is more than 0 (chances)")


DEFAULT_NUDGE = NudgeParams()


@dataclass(frozen=True)
class Nudge:
    """The nudge for the next ranking, members in the order given."""

    weights: NDArray[np.float64]  # 1 (no nudge) up to 1 + strength
    served: NDArray[np.float64]  # served so far, a mean chance of liking; NaN: nothing known
    turn: TurnNote | None  # None: nobody is behind (past the tolerance)
    turn_index: int | None = None  # the member whose turn it is, in the order given

    @property
    def active(self) -> bool:
        return self.turn is not None


def history_arrays(
    history: Sequence[PastNight], names: Sequence[str]
) -> tuple[IntArray, FloatArray, BoolArray]:
    """``(items, given, present)`` for the newest :data:`MAX_NIGHTS` nights, oldest first:
    the films (-1 where unknown to the model), each member's stars (NaN: not given or not there)
    and who was there (nights × members, ``names`` order; other names are ignored)."""
    nights = list(history)[-MAX_NIGHTS:]
    col = {n: u for u, n in enumerate(names)}
    items = np.array([-1 if n.item is None else n.item for n in nights], dtype=np.intp)
    given = np.full((len(nights), len(names)), np.nan)
    present = np.zeros(given.shape, dtype=bool)
    for t, night in enumerate(nights):
        for name, stars in night.stars.items():
            u = col.get(name)
            if u is None:
                continue
            present[t, u] = True
            if stars is not None:
                given[t, u] = float(stars)
    return items, given, present


def satisfaction(
    given: FloatArray,
    chances: FloatArray,
    present: BoolArray,
    private: BoolArray,
) -> NDArray[np.float64]:
    """Step 1 of the module docstring (nights × members): liked by their own stars, else (and
    always for a private member) the model's chance; NaN where unknown or not there."""
    given = np.asarray(given, dtype=np.float64)
    own = np.where(np.asarray(private, dtype=bool)[None, :], np.nan, given)
    liked = np.clip(own - (LIKED_STARS - 1.0), 0.0, 1.0)  # NaN stays NaN
    out = np.where(np.isfinite(liked), liked, np.asarray(chances, dtype=np.float64))
    out[~np.asarray(present, dtype=bool) | ~np.isfinite(out)] = np.nan
    return np.asarray(out, dtype=np.float64)


def film_chances(
    scores: FloatArray, candidates: BoolArray, items: IntArray, model: LikeModel
) -> NDArray[np.float64]:
    """Each member's chance of liking each of ``items`` (members × items) as it ranks for them
    among ``candidates`` (itself included, whether a candidate or not): 1 + the candidates
    scoring above it (ties to the lower index, as every ranking here breaks them; a score that is
    not a number the lowest), capped at ``model.depth + 1`` as the fair strategy caps ranks."""
    items = np.asarray(items, dtype=np.intp)
    s = finite_or_lowest(np.asarray(scores, dtype=np.float64))
    idx = np.flatnonzero(candidates)
    cand = s[:, idx][:, :, None]  # members × candidates × 1
    mine = s[:, items][:, None, :]  # members × 1 × items
    lower = (idx[:, None] < items[None, :])[None, :, :]
    other = (idx[:, None] != items[None, :])[None, :, :]
    above = ((cand > mine) | ((cand == mine) & lower)) & other
    ranks = np.minimum(1.0 + above.sum(axis=1), float(model.depth + 1))
    p = model.probability(ranks, np.zeros(s.shape[0]))
    return np.asarray(p, dtype=np.float64)


def served_so_far(sat: FloatArray, decay: float) -> NDArray[np.float64]:
    """Step 2: each member's recency-weighted mean satisfaction (NaN: no known night)."""
    sat = np.asarray(sat, dtype=np.float64)
    n = sat.shape[0]
    age = np.arange(n - 1, -1, -1, dtype=np.float64)
    weight = np.where(np.isfinite(sat), (decay**age)[:, None], 0.0)
    total = weight.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: NDArray[np.float64] = (np.where(np.isfinite(sat), sat, 0.0) * weight).sum(axis=0)
        out = out / total
    out[total == 0] = np.nan
    return out


def deficits(served: FloatArray, params: NudgeParams) -> NDArray[np.float64]:
    """Step 3: each member's deficit in [0, 1] (0 for a member with nothing known)."""
    served = np.asarray(served, dtype=np.float64)
    known = np.isfinite(served)
    if not known.any():
        return np.zeros(served.shape)
    behind = float(served[known].max()) - np.where(known, served, np.inf)
    out: NDArray[np.float64] = np.clip((behind - params.tolerance) / params.full, 0.0, 1.0)
    return out


def nudge_weights(served: FloatArray, params: NudgeParams) -> NDArray[np.float64]:
    """Step 4: ``1 + strength · deficit``."""
    out: NDArray[np.float64] = 1.0 + params.strength * deficits(served, params)
    return out


def latest_run(sat: FloatArray, ahead: int, behind: int) -> int:
    """How many of the newest nights (among those both members have a satisfaction for) suited
    member ``ahead`` strictly better than member ``behind``, counting back to the first that
    did not."""
    sat = np.asarray(sat, dtype=np.float64)
    both = np.isfinite(sat[:, ahead]) & np.isfinite(sat[:, behind])
    run = 0
    for t in np.flatnonzero(both)[::-1].tolist():
        if not sat[t, ahead] > sat[t, behind]:
            break
        run += 1
    return run


def plan_nudge(sat: FloatArray, names: Sequence[str], params: NudgeParams) -> Nudge:
    """Weights and the turn note from a satisfaction matrix (nights × members, oldest first)."""
    sat = np.asarray(sat, dtype=np.float64).reshape(-1, len(names))
    served = served_so_far(sat, params.decay)
    weights = nudge_weights(served, params)
    if not (weights > 1.0).any():  # nobody behind (or no strength): no nudge, no turn
        return Nudge(weights, served, None)
    behind = int(np.argmax(weights))  # the first of the furthest behind
    known = np.isfinite(served)
    ahead = int(np.flatnonzero(known)[np.argmax(served[known])])  # the first of the best served
    note = TurnNote(names[behind], names[ahead], latest_run(sat, ahead, behind))
    return Nudge(weights, served, note, behind)


def no_nudge(members: int) -> Nudge:
    """Everyone weighs 1 and nobody has a turn (no history, or the group turned it off)."""
    return Nudge(np.ones(members), np.full(members, np.nan), None)


# items → members × len(items): each member's chance of liking each film (:func:`film_chances`)
Chances = Callable[[IntArray], NDArray[np.floating]]


def nudge_for_members(
    history: Sequence[PastNight],
    members: Sequence[Member],
    chances: Chances,
    params: NudgeParams = DEFAULT_NUDGE,
) -> Nudge:
    """The nudge for ``members`` (rows of ``chances``' answer in the same order) from the
    group's past nights."""
    names = [m.name for m in members]
    items, given, present = history_arrays(history, names)
    if not present.any():
        return no_nudge(len(members))
    model = np.full(given.shape, np.nan)
    known = np.flatnonzero(items >= 0)
    if known.size:
        films = np.unique(items[known])
        p = np.asarray(chances(films), dtype=np.float64).reshape(len(members), films.size)
        model[known] = p[:, np.searchsorted(films, items[known])].T
    private = np.array([m.private for m in members], dtype=bool)
    return plan_nudge(satisfaction(given, model, present, private), names, params)
