"""Paired bootstrap intervals: is one scorer's nDCG really above another's on the same people?

Both arrays hold one value per (seed, person), in the same order (rows of one ``eval`` run). The
people are resampled with replacement; the interval is the central ``level`` share of the
resampled mean differences (percentile bootstrap). An interval that excludes zero says the
difference is not the luck of who happened to be tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Difference:
    mean: float
    low: float
    high: float
    level: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0.0 or self.high < 0.0


def paired_difference(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    *,
    resamples: int = 2_000,
    level: float = 0.95,
    seed: int = 0,
) -> Difference:
    """Mean of ``a − b`` with its bootstrap interval."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError("paired values: two non-empty 1-d arrays of the same length")
    if not 0.0 < level < 1.0:
        raise ValueError("level must be between 0 and 1")
    diff = a - b
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    for start in range(0, resamples, 256):  # bounded memory for large runs
        stop = min(resamples, start + 256)
        picks = rng.integers(0, diff.size, size=(stop - start, diff.size))
        means[start:stop] = diff[picks].mean(axis=1)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return Difference(float(diff.mean()), float(low), float(high), level, int(diff.size))
