"""Per-person standardisation, so scores of different models can be blended."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from reelmates.taste.arrays import FloatArray, as_f32


def zscore(
    scores: FloatArray,
    mask: NDArray[np.bool_] | None = None,
    columns: ArrayLike | None = None,
) -> FloatArray:
    """Per-row (x − mean) / std, the statistics taken over ``mask`` columns (all when None).

    With ``columns``, only those columns of the result (the statistics still come from the whole
    row): the same numbers as ``zscore(scores, mask)[:, columns]``.
    """
    s = np.asarray(scores, dtype=np.float32)
    ref = s if mask is None else s[:, mask]
    out = s if columns is None else s[:, np.asarray(columns, dtype=np.intp)]
    if ref.shape[1] == 0:
        return np.zeros_like(out)
    mean = ref.mean(axis=1, keepdims=True)
    std = ref.std(axis=1, keepdims=True)
    return as_f32(((out - mean) / np.where(std > 0, std, 1.0)).astype(np.float32))
