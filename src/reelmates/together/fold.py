"""Bridges from a fitted taste scorer to the group engines: members' histories and swipe fold-in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from reelmates.taste.base import Scorer, one_per_item
from reelmates.together.inputs import FloatArray, IntArray, Member


def histories(members: Sequence[Member], n_items: int) -> sp.csr_matrix:
    """Members' rated films (stars) as a CSR, one row per member, for folding in (one value per
    film: the last one a member's history lists)."""
    rows: list[IntArray] = [np.empty(0, np.intp)]
    cols: list[NDArray[np.int64]] = [np.empty(0, np.int64)]
    vals: list[NDArray[np.float32]] = [np.empty(0, np.float32)]
    for u, m in enumerate(members):
        rated = np.isfinite(m.seen_stars)
        items, stars = one_per_item(m.seen[rated], m.seen_stars[rated])
        cols.append(items)
        vals.append(stars)
        rows.append(np.full(items.size, u, dtype=np.intp))
    data = (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols)))
    return sp.csr_matrix(data, shape=(len(members), n_items), dtype=np.float32)


@dataclass(frozen=True)
class FoldInTaste:
    """A member's taste that learns from their swipes by folding them in as ratings.

    A like counts as ``like_stars``. A pass is folded in as ``pass_stars`` only when that is set
    (useful for scorers that read stars; for implicit scorers any rating is a positive signal, so
    by default a pass only removes the card).
    """

    scorer: Scorer
    items: IntArray
    ratings: FloatArray  # the member's stars for ``items``
    like_stars: float = 5.0
    pass_stars: float | None = None

    @property
    def activity(self) -> float:
        return float(self.items.size)

    def history(self, liked: IntArray, passed: IntArray) -> tuple[IntArray, FloatArray]:
        """The member's ratings with their swipes folded in."""
        items = [self.items, liked]
        stars = [self.ratings, np.full(liked.size, self.like_stars)]
        if self.pass_stars is not None:
            items.append(passed)
            stars.append(np.full(passed.size, self.pass_stars))
        return np.concatenate(items), np.concatenate(stars)

    def scores(self, liked: IntArray, passed: IntArray) -> NDArray[np.floating]:
        return self.scorer.score_history(*self.history(liked, passed))

    def stars(self, liked: IntArray, passed: IntArray) -> NDArray[np.floating] | None:
        if self.scorer.stars_model is None:
            return None
        return self.scorer.predict_stars(*self.history(liked, passed))
