"""EASE (Steck, WWW 2019): a closed-form item-item linear model, strong on small catalogs.

B = argmin ‖X − XB‖² + λ‖B‖² with diag(B) = 0, so B = −P / diag(P) with P = (XᵀX + Λ)⁻¹.
``dropout`` adds the EDLAE/DLAE term p/(1−p)·diag(XᵀX) to Λ (Steck, NeurIPS 2020): it shrinks
popular films more, which acts like the dropout a denoising autoencoder would see.
Memory and time grow as films² and films³: a dense B for 60,000 films does not fit, so
``default.py`` uses it only for catalogs up to ``MAX_EASE_ITEMS``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from pydantic import Field

from reelmates.taste.base import FloatArray, Scorer, ScorerConfig, as_f32
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.weights import Weighting, weigh

MAX_EASE_ITEMS = 20_000


class EaseConfig(ScorerConfig):
    lam: float = Field(default=300.0, gt=0)
    dropout: float = Field(default=0.0, ge=0, lt=1)
    weighting: Weighting = "binary"
    # Gram from rows scaled by n_u^(−user_norm/2): heavy raters count less (like IUF in item-kNN).
    # Only the fit changes; scoring still uses a person's plain row, so fold-in is unchanged.
    user_norm: float = Field(default=0.0, ge=0, le=2)
    dtype: Literal["float32", "float64"] = "float64"  # of the inversion; B is kept as float32


class EaseScorer(Scorer):
    name = "ease"
    config_type = EaseConfig

    def _fit(self, matrix: RatingsMatrix) -> None:
        c = self.config
        if matrix.n_items > MAX_EASE_ITEMS:
            raise ValueError(
                f"EASE keeps a dense films × films matrix; {matrix.n_items} films is over "
                f"{MAX_EASE_ITEMS} (use ALS)"
            )
        X = weigh(matrix.ratings, c.weighting)
        if c.user_norm:
            n = np.maximum(np.diff(X.indptr), 1).astype(np.float64)
            X = sp.csr_matrix(sp.diags(n ** (-c.user_norm / 2)) @ X)
        G = np.asarray((X.T @ X).toarray(), dtype=c.dtype)
        diag = np.diag(G).copy()
        reg = c.lam + (c.dropout / (1.0 - c.dropout)) * diag
        G[np.diag_indices_from(G)] += reg
        P = np.linalg.inv(G)
        del G
        B = P / (-np.diag(P))
        np.fill_diagonal(B, 0.0)
        self.B = B.astype(np.float32)

    def score_matrix(self, histories: sp.csr_matrix) -> FloatArray:
        X = weigh(histories, self.config.weighting)
        return np.asarray(X @ self.B, dtype=np.float32)

    def item_similarity(self, items: Any, targets: Any) -> FloatArray:
        # B[j, i]: how much having rated j raises i. Scaled per target so the best source is 1.
        a = np.asarray(items, dtype=np.int64)
        t = np.asarray(targets, dtype=np.int64)
        block = self.B[np.ix_(a, t)]
        scale = np.abs(self.B[:, t]).max(axis=0)
        out = block / np.where(scale > 0, scale, 1.0)
        out[a[:, None] == t[None, :]] = 1.0
        return as_f32(out.astype(np.float32))

    def _state(self) -> dict[str, NDArray[Any]]:
        return {"B": self.B}

    def _set_state(self, arrays: dict[str, NDArray[Any]]) -> None:
        self.B = arrays["B"]
