"""Per-person standardisation, so scores of different models can be blended."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from reelmates.taste.arrays import FloatArray, as_f32


def zscore(scores: FloatArray, mask: NDArray[np.bool_] | None = None) -> FloatArray:
    """Per-row (x − mean) / std, the statistics taken over ``mask`` columns (all when None)."""
    s = np.asarray(scores, dtype=np.float32)
    ref = s if mask is None else s[:, mask]
    if ref.shape[1] == 0:
        return np.zeros_like(s)
    mean = ref.mean(axis=1, keepdims=True)
    std = ref.std(axis=1, keepdims=True)
    return as_f32(((s - mean) / np.where(std > 0, std, 1.0)).astype(np.float32))
