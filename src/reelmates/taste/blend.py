"""EASE and a small ALS, blended: the measured best on catalogs EASE can hold.

Each is standardised per person, then z_EASE + w·z_ALS. On MovieLens 100K (validation split
from train) the blend beats either alone: EASE catches item-to-item co-occurrence, the low-rank ALS
a smoother global taste. Fold-in is exact for both, so it is exact here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from pydantic import Field

from reelmates.taste.als import AlsConfig, AlsScorer
from reelmates.taste.base import FloatArray, Scorer, ScorerConfig, as_f32
from reelmates.taste.ease import EaseConfig, EaseScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.zscore import zscore


class BlendConfig(ScorerConfig):
    # Defaults from a validation study on ML-100K train parts (seeds 42, 43; never test): a small,
    # confident ALS (16 factors, α = 10) complements EASE best; λ, dropout and the weight are
    # re-tuned per training set by ``taste.tuning.tune_blend``.
    ease: EaseConfig = EaseConfig(lam=60.0, dropout=0.4, weighting="centered", user_norm=0.5)
    als: AlsConfig = AlsConfig(factors=16, regularization=0.05, alpha=10.0)
    als_weight: float = Field(default=0.7, ge=0)


class BlendScorer(Scorer):
    name = "blend"
    config_type = BlendConfig

    def __init__(self, config: BlendConfig | None = None) -> None:
        super().__init__(config)
        self.ease = EaseScorer(self.config.ease)
        self.als = AlsScorer(self.config.als)

    def describe(self) -> str:
        return f"blend({self.ease.describe()} + {self.config.als_weight}·{self.als.describe()})"

    def _fit(self, matrix: RatingsMatrix) -> None:
        self.ease._fit_plain(matrix)
        self.als._fit_plain(matrix)

    def score_matrix(self, histories: sp.csr_matrix) -> FloatArray:
        ze = zscore(self.ease.score_matrix(histories))
        za = zscore(self.als.score_matrix(histories))
        return as_f32((ze + self.config.als_weight * za).astype(np.float32))

    def rating_signals(
        self, residuals: sp.csr_matrix, *, columns: ArrayLike | None = None
    ) -> list[FloatArray]:
        return self.als.rating_signals(residuals, columns=columns)

    def item_similarity(self, items: Any, targets: Any) -> FloatArray:
        w = self.config.als_weight
        e = self.ease.item_similarity(items, targets)
        a = self.als.item_similarity(items, targets)
        return as_f32(((e + w * a) / (1.0 + w)).astype(np.float32))

    def _state(self) -> dict[str, NDArray[Any]]:
        out = {f"ease.{k}": v for k, v in self.ease._state().items()}
        out.update({f"als.{k}": v for k, v in self.als._state().items()})
        return out

    def _set_state(self, arrays: dict[str, NDArray[Any]]) -> None:
        self.ease._set_state({k[5:]: v for k, v in arrays.items() if k.startswith("ease.")})
        self.als._set_state({k[4:]: v for k, v in arrays.items() if k.startswith("als.")})
