"""The bias scorer: ranks by μ + b_user + b_film (the baseline itself is in ``baseline.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from reelmates.taste.base import FloatArray, Scorer, ScorerConfig, as_f32
from reelmates.taste.baseline import Biases, fit_biases
from reelmates.taste.matrix import RatingsMatrix

__all__ = ["BiasConfig", "BiasScorer", "Biases", "fit_biases"]


class BiasConfig(ScorerConfig):
    reg_item: float = 5.0
    reg_user: float = 5.0
    iterations: int = 8


class BiasScorer(Scorer):
    """Ranks by the predicted stars μ + b_user + b_film (so, per person, by film bias)."""

    name = "bias"
    config_type = BiasConfig

    def _fit(self, matrix: RatingsMatrix) -> None:
        c = self.config
        self.biases = fit_biases(
            matrix, reg_item=c.reg_item, reg_user=c.reg_user, iterations=c.iterations
        )

    def score_matrix(self, histories: sp.csr_matrix) -> FloatArray:
        return self.biases.predict(histories)

    def item_similarity(self, items: Any, targets: Any) -> FloatArray:
        # A bias model knows nothing about likeness: only identity.
        a = np.asarray(items, dtype=np.int64)[:, None]
        b = np.asarray(targets, dtype=np.int64)[None, :]
        return as_f32((a == b).astype(np.float32))

    def _state(self) -> dict[str, NDArray[Any]]:
        b = self.biases
        return {"mu": np.array(b.mu), "item": b.item, "reg_user": np.array(b.reg_user)}

    def _set_state(self, arrays: dict[str, NDArray[Any]]) -> None:
        self.biases = Biases(float(arrays["mu"]), arrays["item"], float(arrays["reg_user"]))
