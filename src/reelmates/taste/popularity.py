"""Most-rated films first, the same list for everyone: the floor every model must beat."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from reelmates.taste.base import FloatArray, Scorer, ScorerConfig, as_f32
from reelmates.taste.matrix import RatingsMatrix


class PopularityConfig(ScorerConfig):
    pass


class PopularityScorer(Scorer):
    name = "popularity"
    config_type = PopularityConfig

    def _fit(self, matrix: RatingsMatrix) -> None:
        counts = matrix.item_counts().astype(np.float64)
        self.score = (np.log1p(counts) / max(np.log1p(counts.max(initial=0.0)), 1.0)).astype(
            np.float32
        )

    def score_matrix(self, histories: sp.csr_matrix) -> FloatArray:
        return np.broadcast_to(self.score, (histories.shape[0], len(self.score))).copy()

    def item_similarity(self, items: Any, targets: Any) -> FloatArray:
        a = np.asarray(items, dtype=np.int64)[:, None]
        b = np.asarray(targets, dtype=np.int64)[None, :]
        return as_f32((a == b).astype(np.float32))

    def _state(self) -> dict[str, NDArray[Any]]:
        return {"score": self.score}

    def _set_state(self, arrays: dict[str, NDArray[Any]]) -> None:
        self.score = arrays["score"]
