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

    The statistics are weighted sums (a matrix-vector product with the mask as weights, in
    float64), so a mask costs no copy of the selected columns: this runs on every request over
    the whole catalog.
    """
    s = np.asarray(scores, dtype=np.float32)
    out = s if columns is None else s[:, np.asarray(columns, dtype=np.intp)]
    weights = np.ones(s.shape[1]) if mask is None else np.asarray(mask, dtype=np.float64)
    n = float(weights.sum())
    if n == 0:
        return np.zeros_like(out)
    mean = (s @ weights) / n
    centred = s - mean[:, None].astype(np.float32)
    if mask is None:
        var = np.einsum("ij,ij->i", centred, centred, dtype=np.float64) / n
    else:
        var = np.einsum("ij,ij,j->i", centred, centred, weights) / n
    std = np.sqrt(var)
    scale = np.where(std > 0, std, 1.0).astype(np.float32)[:, None]
    if columns is None:
        return as_f32(centred / scale)
    return as_f32((out - mean[:, None].astype(np.float32)) / scale)
