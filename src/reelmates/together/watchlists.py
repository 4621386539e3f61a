"""Watchlists: a film a member wants to see ranks higher for them, by a fixed step in their ranking.

The lift is in the member's own ranking, so it means the same on any scorer's scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from reelmates.together.inputs import BoolArray, IntArray, Member
from reelmates.together.likes import SMALL, top_candidates

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
    order among themselves; films already in the top ``rank`` stay put. ``rank`` None or 0: no
    lift. Returns ``scores`` itself when nothing moves, else a copy.
    """
    if not rank or not any(w.size for w in watchlists):
        return scores
    n_cand = int(np.count_nonzero(candidates))
    if n_cand <= rank:
        return scores  # every candidate is already in everyone's top ``rank``
    out = np.array(scores, copy=True)
    anchors = _anchors(out, candidates, rank, n_cand) if n_cand <= SMALL else None
    for u, watch in enumerate(watchlists):
        wl = watch[candidates[watch]]
        if wl.size == 0:
            continue
        row = out[u]
        clean = row if np.isfinite(row).all() else np.where(np.isfinite(row), row, -np.inf)
        if anchors is not None:
            floor, cut = anchors[u]
        else:
            best = np.sort(clean[top_candidates(clean, candidates, rank + 1, n_cand)])
            floor, cut = best[0], best[1]  # the (rank+1)-th and rank-th best candidates
        if not np.isfinite(floor):
            continue  # too few scored films to anchor to
        own = clean[wl]
        below = own < cut
        if not below.any():
            continue
        # Map (-inf, cut) monotonically into (floor, cut]: far below lands just above ``floor``.
        gap = cut - floor
        row[wl[below]] = floor + gap * gap / (cut - own[below] + gap) if gap > 0 else cut
    return out


def _anchors(
    scores: NDArray[np.floating], candidates: BoolArray, rank: int, n_cand: int
) -> NDArray[np.floating]:
    """Each row's ((rank+1)-th, rank-th) best candidate score, for all rows in one partition."""
    vals = scores[:, candidates]
    vals = np.where(np.isfinite(vals), vals, -np.inf)
    part = np.partition(vals, (n_cand - rank - 1, n_cand - rank), axis=1)
    return part[:, [n_cand - rank - 1, n_cand - rank]]


def boost_watchlists(
    scores: NDArray[np.floating],
    members: Sequence[Member],
    candidates: BoolArray,
    rank: int | None = WATCHLIST_RANK,
) -> NDArray[np.floating]:
    """:func:`lift_watchlists` with each member's own watchlist (``scores[u]`` is member u's)."""
    return lift_watchlists(scores, [m.watchlist for m in members], candidates, rank)
