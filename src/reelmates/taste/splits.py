"""Train/test splits for the published protocol (Microsoft Recommenders' benchmark).

Per-user stratified random split: each person's ratings are shuffled with the seed and the first
``round(ratio · n)`` go to train, the rest to test, so every person appears in both parts (a person
with one rating keeps it in train).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from reelmates.taste.matrix import RatingsMatrix, random_positions


def stratified_split(
    matrix: RatingsMatrix, ratio: float = 0.75, *, seed: int = 42
) -> tuple[RatingsMatrix, RatingsMatrix]:
    """(train, test) with the same ids and shapes; every rating lands in exactly one part.

    Vectorised: one random key per rating, ordered within each person's row; a rating goes to train
    when its position in that order is below ``round(ratio · n)`` (halves round up).
    """
    if not 0.0 < ratio < 1.0:
        raise ValueError("ratio must be between 0 and 1")
    r = matrix.ratings.tocsr()
    counts = np.diff(r.indptr)
    rows = np.repeat(np.arange(matrix.n_users), counts)
    position = random_positions(r, np.random.default_rng(seed))
    n_train = np.floor(ratio * counts + 0.5).astype(np.int64)
    n_train = np.maximum(n_train, np.minimum(counts, 1))
    in_train = position < np.repeat(n_train, counts)
    return _part(matrix, rows, in_train), _part(matrix, rows, ~in_train)


def holdout_users(
    matrix: RatingsMatrix, fraction: float, *, seed: int = 42
) -> tuple[np.ndarray, np.ndarray]:
    """Split people (not ratings) into (kept, held_out) row indices, seeded."""
    perm = np.random.default_rng(seed).permutation(matrix.n_users)
    n_out = round(fraction * matrix.n_users)
    return np.sort(perm[n_out:]), np.sort(perm[:n_out])


def _part(matrix: RatingsMatrix, rows: np.ndarray, keep: np.ndarray) -> RatingsMatrix:
    r = matrix.ratings
    part = sp.csr_matrix(
        (r.data[keep], (rows[keep], r.indices[keep])), shape=r.shape, dtype=np.float32
    )
    part.sort_indices()
    return matrix.with_ratings(part)
