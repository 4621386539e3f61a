"""Hybrid: a collaborative scorer blended with the content model, per person.

Both scores are standardised per person (z-scores), then blended: films the community has rated
(at least ``cold_threshold`` times) get (1 − w)·z_collab + w·z_content; films nobody rated yet — a
new release, or the starter catalog before any import — are judged by z_content alone, so they can
still reach the top. With no community at all every film is cold and this is the content model.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from pydantic import Field

from reelmates.taste.als import AlsConfig, AlsScorer
from reelmates.taste.base import FloatArray, Scorer, ScorerConfig
from reelmates.taste.blend import BlendConfig, BlendScorer
from reelmates.taste.content import ContentConfig, ContentScorer
from reelmates.taste.ease import EaseConfig, EaseScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.zscore import zscore


class HybridConfig(ScorerConfig):
    collab: Literal["blend", "ease", "als"] = "blend"
    blend: BlendConfig = BlendConfig()
    ease: EaseConfig = EaseConfig()
    als: AlsConfig = AlsConfig()
    content: ContentConfig = ContentConfig()
    content_weight: float = Field(default=0.1, ge=0, le=1)
    cold_threshold: int = Field(default=1, ge=1)


class HybridScorer(Scorer):
    name = "hybrid"
    config_type = HybridConfig

    def __init__(
        self, config: HybridConfig | None = None, features: sp.csr_matrix | None = None
    ) -> None:
        super().__init__(config)
        c = self.config
        self.collab: Scorer = (
            BlendScorer(c.blend)
            if c.collab == "blend"
            else EaseScorer(c.ease)
            if c.collab == "ease"
            else AlsScorer(c.als)
        )
        self.content = ContentScorer(c.content, features)
        self.warm = np.zeros(0, dtype=bool)

    def clone(self) -> HybridScorer:
        return HybridScorer(self.config, self.content.features)

    def describe(self) -> str:
        c = self.config
        return (
            f"hybrid({self.collab.describe()} + content w={c.content_weight}; "
            f"{int(self.warm.sum())} of {len(self.warm)} films have community ratings)"
        )

    def _fit(self, matrix: RatingsMatrix) -> None:
        self.warm = matrix.item_counts() >= self.config.cold_threshold
        self.content._fit_plain(matrix)
        if self.warm.any():
            self.collab._fit_plain(matrix)

    def score_matrix(self, histories: sp.csr_matrix) -> FloatArray:
        zt = zscore(self.content.score_matrix(histories))
        if not self.warm.any():
            return zt
        zc = zscore(self.collab.score_matrix(histories), self.warm)
        return self.combine(self.warm, zc, zt, self.config.content_weight)

    @staticmethod
    def combine(
        warm: NDArray[np.bool_], zc: FloatArray, zt: FloatArray, weight: float
    ) -> FloatArray:
        """Standardised collaborative ``zc`` and content ``zt`` scores, blended where the film
        has community ratings (``warm``), content alone elsewhere (tuning calls this too)."""
        blended = (1.0 - weight) * zc + weight * zt
        return np.where(warm[None, :], blended, zt).astype(np.float32)

    def native_stars(
        self, histories: sp.csr_matrix, *, columns: ArrayLike | None = None
    ) -> FloatArray:
        return self.content.native_stars(histories, columns=columns)

    def rating_signals(
        self, residuals: sp.csr_matrix, *, columns: ArrayLike | None = None
    ) -> list[FloatArray]:
        # Without community ratings there is no calibration (native stars are used instead).
        collab = self.collab.rating_signals(residuals, columns=columns) if self.warm.any() else []
        return [*collab, *self.content.rating_signals(residuals, columns=columns)]

    def item_similarity(self, items: Any, targets: Any) -> FloatArray:
        t = np.asarray(targets, dtype=np.int64)
        content = self.content.item_similarity(items, t)
        if not self.warm.any():
            return content
        collab = self.collab.item_similarity(items, t)
        w = self.config.content_weight
        return np.where(self.warm[None, t], (1.0 - w) * collab + w * content, content).astype(
            np.float32
        )

    def _state(self) -> dict[str, NDArray[Any]]:
        out: dict[str, NDArray[Any]] = {"warm": self.warm}
        out.update({f"content.{k}": v for k, v in self.content._state().items()})
        if self.warm.any():
            out.update({f"collab.{k}": v for k, v in self.collab._state().items()})
        return out

    def _set_state(self, arrays: dict[str, NDArray[Any]]) -> None:
        self.warm = arrays["warm"].astype(bool)
        self.content._set_state({k[8:]: v for k, v in arrays.items() if k.startswith("content.")})
        if self.warm.any():
            self.collab._set_state({k[7:]: v for k, v in arrays.items() if k.startswith("collab.")})
