"""Predicted stars for a group's picks, without scoring the catalog a second time.

The taste engine's calibrated stars start from the ranking scores (``score_matrix``) and add the
bias baseline and the scorer's rating signals. The group ranking has just computed those very
scores, and scoring is the expensive part, so they are handed to ``predict_stars_matrix`` along
with the picked films: stars are computed for those columns only (biases and features of k films,
not the whole catalog), exactly the numbers the full matrix has there. They are computed once the
picks are known (and not at all if nothing is shown).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from reelmates.taste.base import Scorer
from reelmates.together.inputs import IntArray

# items → members × len(items) predicted stars
PickedStars = Callable[[IntArray], NDArray[np.floating]]


class StarsForPicks:
    """Members' predicted stars for whichever films are asked for."""

    def __init__(
        self, scorer: Scorer, histories: sp.csr_matrix, scores: NDArray[np.floating]
    ) -> None:
        self._scorer = scorer
        self._histories = histories
        self._scores = np.asarray(scores, dtype=np.float32)

    def __call__(self, items: IntArray) -> NDArray[np.floating]:
        columns = np.asarray(items, dtype=np.intp)
        if columns.size == 0:
            return np.empty((self._histories.shape[0], 0), dtype=np.float32)
        return self._scorer.predict_stars_matrix(
            self._histories, columns=columns, scores=self._scores
        )


def picked_stars(
    scorer: Scorer, histories: sp.csr_matrix, scores: NDArray[np.floating]
) -> PickedStars | None:
    """Stars for the picks; None when the scorer predicts no stars.

    ``scores`` must be ``scorer.score_matrix(histories)`` (what the ranking used).
    """
    if scorer.stars_model is None:
        return None
    return StarsForPicks(scorer, histories, scores)
