"""Array types and the one conversion every taste module shares (no reelmates imports)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float32]
IntArray = NDArray[np.int64]


def as_f32(values: object) -> FloatArray:
    """A float32 ndarray (also tells the type checker what scipy's untyped results are)."""
    out: FloatArray = np.asarray(values, dtype=np.float32)
    return out
