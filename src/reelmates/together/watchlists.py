"""Watchlists: a film a member wants to see ranks higher for them, by a fixed step in their ranking.

The lift is in the member's own ranking, so it means the same on any scorer's scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from reelmates.taste.topk import finite_or_lowest
from reelmates.together.inputs import BoolArray, IntArray, Member
from reelmates.together.likes import SMALL, top_candidates_rows

# A watchlisted film counts, for that member, as ranking just after their own top five. On the
# offline demo, films on both friends' watchlists then share the top five with each friend's
# strongest picks; lifting to first place made all five picks watchlist films, and lifting to
# just after the top ten left none.
WATCHLIST_RANK = 5


def lift_watchlists(
    scores: NDArray[np.floating],
    watchlists: Sequence[IntArray],
    candidates: BoolArray,
    rank: int | None = WATCHLIST_RANK,
) -> NDArray[np.floating]:
    """Lift row u's ``watchlists[u]`` candidates to just after its ``rank``-th best candidate.

    Lifted films land between that row's ``rank``-th and next-best candidates, keeping their
    order among themselves; films already in the top ``rank`` stay put. Non-finite scores count
    as the lowest. ``rank`` None or 0: no lift. Returns ``scores`` itself when there is nothing
    to lift, else a copy.
    """
    if not rank:
        return scores
    n_cand = int(np.count_nonzero(candidates))
    wanted = [(u, w[candidates[w]]) for u, w in enumerate(watchlists)]
    wanted = [(u, wl) for u, wl in wanted if wl.size]
    if not wanted or n_cand <= rank:  # (every candidate is already in everyone's top ``rank``)
        return scores
    anchors = _anchors(scores[[u for u, _ in wanted]], candidates, rank, n_cand)
    out = np.array(scores, copy=True)
    for (u, wl), (floor, cut) in zip(wanted, anchors.tolist(), strict=True):
        if not np.isfinite(floor):
            continue  # too few scored films to anchor to
        own = finite_or_lowest(out[u, wl])
        below = own < cut
        # Map (-inf, cut) monotonically into (floor, cut]: far below lands just above ``floor``.
        gap = cut - floor
        lifted = floor + gap * gap / (cut - own[below] + gap) if gap > 0 else cut
        out[u, wl[below]] = lifted
    return out


def _anchors(
    scores: NDArray[np.floating], candidates: BoolArray, rank: int, n_cand: int
) -> NDArray[np.floating]:
    """Each row's (``rank`` + 1)-th and ``rank``-th best candidate scores (non-finite: -inf)."""
    if n_cand <= SMALL:  # one partition of every row
        vals = finite_or_lowest(scores[:, candidates])
        part = np.partition(vals, (n_cand - rank - 1, n_cand - rank), axis=1)
        return part[:, [n_cand - rank - 1, n_cand - rank]]
    tops = top_candidates_rows(scores, candidates, rank + 1, n_cand)
    return np.array([np.sort(finite_or_lowest(scores[u, t]))[:2] for u, t in enumerate(tops)])


def boost_watchlists(
    scores: NDArray[np.floating],
    members: Sequence[Member],
    candidates: BoolArray,
    rank: int | None = WATCHLIST_RANK,
) -> NDArray[np.floating]:
    """:func:`lift_watchlists` with each member's own watchlist (``scores[u]`` is member u's)."""
    return lift_watchlists(scores, [m.watchlist for m in members], candidates, rank)
