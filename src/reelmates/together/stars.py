"""Predicted stars for a group without scoring the catalog a second time.

The taste engine's calibrated stars start from the ranking scores (``score_matrix``) and add the
bias baseline and the scorer's rating signals. The group ranking has just computed those very
scores, and scoring is the expensive part, so the stars are computed by the scorer's own
``predict_stars_matrix`` run on a thin view of the scorer whose ``score_matrix`` hands back the
scores in hand for these members' histories. Everything else is the taste engine's code, so the
stars are exactly what ``predict_stars_matrix`` gives, whatever its calibration looks like.
They are computed once, only when the picks are known (and not at all if nothing is shown).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from reelmates.taste.base import Scorer
from reelmates.together.inputs import IntArray

# items → members × len(items) predicted stars
PickedStars = Callable[[IntArray], NDArray[np.floating]]


def _same_rows(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    a, b = sp.csr_matrix(a), sp.csr_matrix(b)
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


class _ScoresInHand:
    """The scorer, except that scoring ``histories`` returns the scores already computed."""

    def __init__(
        self, scorer: Scorer, histories: sp.csr_matrix, scores: NDArray[np.floating]
    ) -> None:
        self._scorer = scorer
        self._histories = histories
        self._scores = scores

    def score_matrix(self, histories: sp.csr_matrix) -> NDArray[np.floating]:
        if _same_rows(histories, self._histories):
            return self._scores
        return self._scorer.score_matrix(histories)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._scorer, name)


class StarsForPicks:
    """Members' predicted stars for whichever films are asked for (computed on first use)."""

    def __init__(
        self, scorer: Scorer, histories: sp.csr_matrix, scores: NDArray[np.floating]
    ) -> None:
        self._view = _ScoresInHand(scorer, histories, scores)
        self._predict = type(scorer).predict_stars_matrix  # honours a subclass's override
        self._histories = histories
        self._stars: NDArray[np.floating] | None = None

    def __call__(self, items: IntArray) -> NDArray[np.floating]:
        if self._stars is None:
            self._stars = self._predict(self._view, self._histories)  # type: ignore[arg-type]
        return self._stars[:, np.asarray(items, dtype=np.intp)]


def picked_stars(
    scorer: Scorer, histories: sp.csr_matrix, scores: NDArray[np.floating]
) -> PickedStars | None:
    """Stars for the picks; None when the scorer predicts no stars.

    ``scores`` must be ``scorer.score_matrix(histories)`` (what the ranking used).
    """
    if scorer.stars_model is None:
        return None
    return StarsForPicks(scorer, histories, scores)
