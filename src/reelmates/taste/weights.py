"""How stars become the implicit-feedback input of the collaborative models."""

from __future__ import annotations

from typing import Literal

import numpy as np
import scipy.sparse as sp

# binary: a rating is a rating (the published protocol); stars: weight by stars / 5;
# centered: 1 + (stars − 3)/4, so a 1★ counts less than a 5★ but still says "watched".
Weighting = Literal["binary", "stars", "centered"]


def weigh(ratings: sp.csr_matrix, weighting: Weighting) -> sp.csr_matrix:
    """A float32 CSR with the same pattern as ``ratings`` and the weighted values."""
    X = sp.csr_matrix(ratings, dtype=np.float32, copy=True)
    if weighting == "binary":
        X.data[:] = 1.0
    elif weighting == "stars":
        X.data /= 5.0
    else:
        X.data = 1.0 + (X.data - 3.0) / 4.0
    return X
