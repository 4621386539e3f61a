"""Films members have seen: their own ratings in the group's scores, and when a rewatch may show.

Own ratings. A member's rating says more than any prediction, so before a strategy sees the
scores, each film a member rated gets the score that stands where the rating stands among their
own ratings: quantile matching within the member's rated films. A rating at quantile q of their
ratings (mid-rank, so ties share one quantile) is given the q-quantile of the scores the model
gives the films they rated. Their favourite films therefore get the highest scores the model
gives their rated films (a 5★ rewatch can still rank), and a film they rated 1–2★ the lowest (it
drops, and least misery keeps it away). The mapping is per member and only reorders a member's
own rated films, so it means the same on any scorer's scale.

Rewatches (:attr:`SeenPolicy.PREFER_UNSEEN`, the default). The group is shown films nobody in it
has seen, unless a rewatch is clearly the best evening: a film someone has seen stays only when

- everyone who has seen it rated it :data:`REWATCH_STARS` or more (seen without a rating, or
  rated lower, is not a rewatch anyone asked for), and
- it beats the best film nobody has seen by a clear margin: the members' mean chance of liking
  it (the like model of ``together.strategies``, own ratings in, with each member's rank of it
  taken among the films nobody has seen) is at least :data:`REWATCH_MARGIN` above the best mean
  chance of a film nobody in the group has seen; in that test a rewatch counts, for whoever
  has seen it, as no better than their :data:`REWATCH_RANK` + 1-th best new film (seeing a
  film again is worth less to them than a new one they would like as much), so it takes the
  others wanting it more than anything new.

On MovieLens 100K (31 random pairs of raters, top 10) 281 of 310 picks (91%) had been seen by
one of the pair when only films both had seen were dropped; with this rule, 3 of 310. A rewatch
that stays then competes with the unseen films on the scores above. A private member's seen
films never show (see ``reelmates.privacy``), and a film everyone has seen never does either.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from reelmates.together.inputs import BoolArray, Member
from reelmates.together.strategies import DEFAULT_FAIR, chance_matrix

REWATCH_STARS = 4.5
# Ten points of mean chance: on MovieLens 100K pairs, about the gap between a group's best and
# its fifth-best film nobody has seen.
REWATCH_MARGIN = 0.10
# For whoever has seen it, a rewatch counts as no better than their eleventh-best new film.
REWATCH_RANK = 10


def own_rating_scores(
    scores: NDArray[np.floating], members: Sequence[Member]
) -> NDArray[np.floating]:
    """``scores`` (row u is ``members[u]``'s) with each rated film's score replaced by the score
    at that rating's quantile among the member's rated films (see the module docstring).

    Returns ``scores`` itself when nobody rated anything, else a copy.
    """
    out: NDArray[np.floating] | None = None
    for u, m in enumerate(members):
        rated = np.isfinite(m.seen_stars)
        items, stars = m.seen[rated], m.seen_stars[rated]
        own = np.asarray(scores[u, items], dtype=np.float64)
        ok = np.isfinite(own)
        if not ok.any():
            continue
        quantiles = (rankdata(stars, method="average") - 0.5) / stars.size
        if out is None:
            out = np.array(scores, dtype=np.result_type(scores.dtype, np.float64), copy=True)
        out[u, items] = np.quantile(own[ok], quantiles)
    return scores if out is None else out


def rewatch_mask(
    scores: NDArray[np.floating], members: Sequence[Member], candidates: BoolArray
) -> BoolArray:
    """``candidates`` without the seen films that are not a clear rewatch (module docstring).

    ``scores`` are the group's (own ratings already in, row u is ``members[u]``'s).
    """
    n = candidates.shape[0]
    seen_by = np.zeros((len(members), n), dtype=bool)
    loved = np.ones(n, dtype=bool)  # every member who saw it rated it REWATCH_STARS or more
    for u, m in enumerate(members):
        seen_by[u, m.seen] = True
        low = ~(m.seen_stars >= REWATCH_STARS)  # NaN (seen, no rating) counts as not loved
        loved[m.seen[low]] = False
    anyone = seen_by.any(axis=0)
    unseen = candidates & ~anyone
    maybe = candidates & anyone & loved
    keep = candidates & ~anyone
    if not maybe.any():
        return keep
    likes = DEFAULT_FAIR.likes(0)
    if not unseen.any():
        return keep | maybe
    best_new = float(chance_matrix(scores, unseen, likes)[:, unseen].mean(axis=0).max())
    # Each seen film's place for each member among the films nobody has seen (1 = above them all).
    films = np.flatnonzero(maybe)
    ranks = np.empty((len(members), films.size))
    for u in range(len(members)):
        row = np.asarray(scores[u], dtype=np.float64)
        new = np.where(np.isfinite(row[unseen]), row[unseen], -np.inf)
        # Ranks are capped at depth + 1 below, so only the best depth + 1 new films matter.
        top = likes.depth + 1
        if new.size > top:
            new = np.partition(new, new.size - top)[new.size - top :]
        new = np.sort(new)
        own = np.where(np.isfinite(row[films]), row[films], -np.inf)
        ranks[u] = 1.0 + new.size - np.searchsorted(new, own, side="right")
        # For whoever has seen it, a rewatch counts no higher than their REWATCH_RANK-th new film.
        seer = seen_by[u, films]
        ranks[u, seer] = np.maximum(ranks[u, seer], REWATCH_RANK + 1.0)
    ranks = np.minimum(ranks, float(likes.depth + 1))
    mean = likes.probability(ranks, np.zeros(len(members))).mean(axis=0)
    keep[films[mean >= best_new + REWATCH_MARGIN]] = True
    return keep
