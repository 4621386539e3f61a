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
- for everyone who has not seen it, it would be one of their own top :data:`REWATCH_TOP` films
  among those nobody in the group has seen (it beats nearly every unseen alternative for them).

It then competes with the unseen films on the scores above. A private member's seen films never
show (see ``reelmates.privacy``), and a film everyone has seen never does either.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from reelmates.together.inputs import BoolArray, Member

REWATCH_STARS = 4.5
REWATCH_TOP = 3


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
    keep = candidates & (~anyone | loved)
    for u in range(len(members)):
        row = np.asarray(scores[u], dtype=np.float64)
        pool = row[unseen]
        pool = pool[np.isfinite(pool)]
        if pool.size >= REWATCH_TOP:
            cut = float(np.partition(pool, pool.size - REWATCH_TOP)[pool.size - REWATCH_TOP])
        else:
            cut = float(pool.min()) if pool.size else -np.inf
        # Seen by someone else, not by u: it must reach u's REWATCH_TOP-th best unseen film.
        others = anyone & ~seen_by[u]
        with np.errstate(invalid="ignore"):
            keep[others & ~(row >= cut)] = False
    return keep
