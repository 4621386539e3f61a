"""Drawing evaluation groups: random, similar (taste correlation in the top quartile for every pair)
and divergent (bottom quartile for every pair), seeded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from reelmates.taste.matrix import RatingsMatrix


class GroupKind(StrEnum):
    RANDOM = "random"
    SIMILAR = "similar"
    DIVERGENT = "divergent"


@dataclass(frozen=True)
class Affinity:
    """Pairwise taste correlation between people, and the quartiles that define similar/divergent.

    Correlation is over co-rated films of each person's mean-centred stars; pairs with fewer than
    ``min_common`` co-rated films have none (NaN) and are never similar or divergent.
    """

    corr: NDArray[np.float64]
    low: float  # first quartile over all pairs with a correlation
    high: float  # third quartile

    @classmethod
    def from_ratings(cls, train: RatingsMatrix, min_common: int = 5) -> Affinity:
        r = sp.csr_matrix(train.ratings, dtype=np.float64)
        counts = np.maximum(np.diff(r.indptr), 1)
        means = np.asarray(r.sum(axis=1)).ravel() / counts
        centred = r.copy()
        centred.data -= np.repeat(means, np.diff(r.indptr))
        mask = r.copy()
        mask.data[:] = 1.0
        num = (centred @ centred.T).toarray()
        sq = centred.multiply(centred).tocsr()
        # den[u, v] = sum over films both rated of u's squared deviations.
        den = (sq @ mask.T).toarray()
        common = (mask @ mask.T).toarray()
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = num / np.sqrt(den * den.T)
        corr[(common < min_common) | ~np.isfinite(corr)] = np.nan
        np.fill_diagonal(corr, np.nan)
        upper = corr[np.triu_indices_from(corr, k=1)]
        upper = upper[np.isfinite(upper)]
        low, high = np.quantile(upper, [0.25, 0.75]) if upper.size else (np.nan, np.nan)
        return cls(corr=corr, low=float(low), high=float(high))

    def allowed(self, kind: GroupKind) -> NDArray[np.bool_]:
        """Which pairs may sit together in a group of ``kind`` (True everywhere for random)."""
        if kind is GroupKind.RANDOM:
            return np.ones(self.corr.shape, dtype=bool)
        with np.errstate(invalid="ignore"):
            if kind is GroupKind.SIMILAR:
                return np.asarray(self.corr >= self.high)
            return np.asarray(self.corr <= self.low)


def draw_groups(
    pool: NDArray[np.int64],
    size: int,
    allowed: NDArray[np.bool_],
    rng: np.random.Generator,
    *,
    max_restarts: int = 200,
) -> Iterator[tuple[int, ...]]:
    """Endless seeded groups of ``size`` people from ``pool`` in which every pair is ``allowed``.

    Built greedily (a random first member, then a random person allowed with everyone so far);
    a dead end restarts. Stops when ``max_restarts`` consecutive attempts fail.
    """
    in_pool = np.zeros(allowed.shape[0], dtype=bool)
    in_pool[pool] = True
    failures = 0
    while failures < max_restarts:
        group = [int(rng.choice(pool))]
        ok = in_pool & allowed[group[0]]
        ok[group[0]] = False
        while len(group) < size and ok.any():
            nxt = int(rng.choice(np.flatnonzero(ok)))
            group.append(nxt)
            ok &= allowed[nxt]
            ok[nxt] = False
        if len(group) < size:
            failures += 1
            continue
        failures = 0
        yield tuple(sorted(group))
