"""Top-k selection with one rule everywhere it is used (personal picks, batch top-n, group
strategies, each member's candidates in the fair strategy):

- only the entries ``allowed`` (every entry when no mask is given) can be chosen;
- a score that is not a finite number (NaN, ±inf) counts as the lowest, below every finite one;
- ties go to the lower index, so results never depend on the order numpy's partition leaves.

The results are the chosen indices best first, with their scores (in the input's dtype).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from reelmates.taste.arrays import IntArray

Values = NDArray[np.floating]
BoolMask = NDArray[np.bool_]


def finite_or_lowest(values: Values) -> Values:
    """``values`` with NaN and ±inf as -inf (the lowest), copied only when there are any."""
    ok = np.isfinite(values)
    return values if ok.all() else np.where(ok, values, -np.inf).astype(values.dtype)


def top_k(values: Values, k: int, allowed: BoolMask | None = None) -> tuple[IntArray, Values]:
    """The ``k`` best allowed entries of a vector, best first (fewer when fewer are allowed)."""
    v = np.asarray(values)
    key = finite_or_lowest(v)
    if allowed is not None:
        key = np.where(allowed, key, -np.inf)
    n_allowed = v.size if allowed is None else int(np.count_nonzero(allowed))
    k = min(max(k, 0), n_allowed)
    if 0 < k < v.size:
        # Fast path (the fold-in hot loop): one argpartition, unless a tie straddles the cut.
        part = np.argpartition(-key, k - 1)[:k]
        vals = key[part]
        kth = vals.min()
        if np.isfinite(kth) and np.count_nonzero(key == kth) == np.count_nonzero(vals == kth):
            order = np.lexsort((part, -vals))
            return part[order].astype(np.int64), v[part[order]]
    idx, _ = top_k_rows(v[None, :], k, None if allowed is None else allowed[None, :])
    chosen = idx[0][idx[0] >= 0]
    return chosen, v[chosen]


def top_k_rows(
    values: Values, k: int, allowed: BoolMask | None = None
) -> tuple[NDArray[np.int64], Values]:
    """Row-wise :func:`top_k` of a matrix (``allowed`` of the same shape, or one row for all).

    Rows with fewer than ``k`` allowed entries are padded with index −1 and score −inf.
    """
    v = np.asarray(values)
    n_rows, n_items = v.shape
    k_eff = min(max(k, 0), n_items)
    idx = np.full((n_rows, k), -1, dtype=np.int64)
    out = np.full((n_rows, k), -np.inf, dtype=v.dtype)
    if k_eff == 0 or n_rows == 0:
        return idx, out
    banned = (
        np.zeros(v.shape, dtype=bool) if allowed is None else ~np.broadcast_to(allowed, v.shape)
    )
    key = np.where(banned, -np.inf, finite_or_lowest(v))
    # Each row's k-th best key: everything above it, then allowed ties by lowest index.
    kth = -np.partition(-key, k_eff - 1, axis=1)[:, k_eff - 1 : k_eff]
    above = key > kth
    tie = (key == kth) & ~banned
    need = k_eff - above.sum(axis=1, keepdims=True)
    chosen = above | (tie & (np.cumsum(tie, axis=1) <= need))
    # Rows with fewer than k allowed entries: pad with any others, dropped below.
    short = k_eff - chosen.sum(axis=1, keepdims=True)
    pad = ~chosen & (np.cumsum(~chosen, axis=1) <= short)
    part = np.nonzero(chosen | pad)[1].reshape(n_rows, k_eff)
    is_pad = np.take_along_axis(pad, part, axis=1)
    vals = np.take_along_axis(key, part, axis=1)
    order = np.lexsort((part, -vals, is_pad), axis=1)  # real entries first, best first
    part = np.take_along_axis(part, order, axis=1)
    gone = np.take_along_axis(is_pad, order, axis=1)
    idx[:, :k_eff] = np.where(gone, -1, part)
    out[:, :k_eff] = np.where(gone, -np.inf, np.take_along_axis(v, part, axis=1))
    return idx, out
