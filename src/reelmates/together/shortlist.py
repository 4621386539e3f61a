"""The fair strategy on a shortlist: only the films some member ranks near the top can matter.

The fair strategy reads nothing but each member's ranks of their own top ``depth`` candidates
(everything deeper counts as rank ``depth + 1``), and a watchlist lift only moves a member's
watchlisted films up to just after their top few. So keeping the columns that are some member's
top ``depth`` candidate, plus watchlisted candidates, gives the very same ranking as the whole
catalog (the kept columns stay in index order, so ties break the same way), and the lift and
the greedy then work on a few hundred columns instead of every film: one selection pass per
member over the catalog in all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from reelmates.together.inputs import BoolArray, IntArray
from reelmates.together.likes import top_candidates_rows
from reelmates.together.strategies import FairParams, Ranked, fair_rank
from reelmates.together.watchlists import lift_watchlists


def shortlist(
    scores: NDArray[np.floating], candidates: BoolArray, depth: int, extra: IntArray
) -> IntArray:
    """Sorted columns: every row's top ``depth`` candidates, plus the candidates in ``extra``."""
    n_cand = int(np.count_nonzero(candidates))
    if n_cand <= depth:
        return np.flatnonzero(candidates).astype(np.intp)
    parts = top_candidates_rows(scores, candidates, depth, n_cand)
    return np.unique(np.concatenate([*parts, extra[candidates[extra]]])).astype(np.intp)


def fair_rank_lifted(
    scores: NDArray[np.floating],
    candidates: BoolArray,
    k: int,
    watchlists: Sequence[IntArray],
    watchlist_rank: int | None,
    params: FairParams,
    weights: NDArray[np.floating] | None = None,
) -> Ranked:
    """``fair_rank(lift_watchlists(scores, watchlists, candidates, watchlist_rank), ...)``,
    computed on the shortlist (``weights``: the members', as ``fair_rank`` takes them)."""
    depth = max(params.likes(k).depth, (watchlist_rank or 0) + 1)
    watched = np.concatenate([np.empty(0, np.intp), *watchlists]).astype(np.intp)
    cols = shortlist(scores, candidates, depth, watched)
    # Watchlists in shortlist columns (a watchlisted candidate is always kept).
    local = [np.searchsorted(cols, w[candidates[w]]).astype(np.intp) for w in watchlists]
    everything = np.ones(cols.size, dtype=bool)
    lifted = lift_watchlists(scores[:, cols], local, everything, watchlist_rank)
    ranked = fair_rank(lifted, everything, k, params, weights)
    return Ranked(cols[ranked.items], ranked.scores, ranked.fit, ranked.chances)
