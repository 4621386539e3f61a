"""Drawing evaluation groups, seeded: random, similar and divergent.

A group is similar when its members' mean pairwise taste correlation is in the top quartile of
all pairs' correlations, divergent when it is in the bottom quartile (for pairs: the pair's own
correlation). Requiring *every* pair of eight to sit in the bottom quartile is impossible on
MovieLens 100K (no such clique exists), hence the mean.
"""

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

    def admissible(self, kind: GroupKind) -> NDArray[np.float64]:
        """Pair scores for drawing a group of ``kind``: the correlation signed so that a group
        qualifies when its members' mean pairwise score reaches ``threshold(kind)``; NaN marks
        pairs that may never sit together (no correlation). Random groups get zeros."""
        if kind is GroupKind.RANDOM:
            return np.zeros(self.corr.shape)
        sign = 1.0 if kind is GroupKind.SIMILAR else -1.0
        out: NDArray[np.float64] = sign * self.corr
        return out

    def threshold(self, kind: GroupKind) -> float:
        if kind is GroupKind.RANDOM:
            return 0.0
        return self.high if kind is GroupKind.SIMILAR else -self.low


def draw_groups(
    pool: NDArray[np.int64],
    size: int,
    pair_score: NDArray[np.float64],
    threshold: float,
    rng: np.random.Generator,
    *,
    max_restarts: int = 2000,
) -> Iterator[tuple[int, ...]]:
    """Endless seeded groups of ``size`` people from ``pool`` whose mean pairwise score is at
    least ``threshold``; every pair must have a score (not NaN).

    Built greedily: a random first member, then a random person who keeps the running mean at or
    above the threshold. A dead end restarts; stops after ``max_restarts`` failures in a row.
    """
    in_pool = np.zeros(pair_score.shape[0], dtype=bool)
    in_pool[pool] = True
    failures = 0
    while failures < max_restarts:
        group = [int(rng.choice(pool))]
        total = np.zeros(pair_score.shape[0])  # sum of scores with the members so far
        inner = 0.0  # sum of scores among the members so far
        ok = in_pool.copy()
        while len(group) < size:
            last = pair_score[group[-1]]
            ok &= np.isfinite(last)
            ok[group] = False
            total += np.where(np.isfinite(last), last, 0.0)
            n = len(group)
            pairs_after = n * (n + 1) / 2
            fits = ok & ((inner + total) / pairs_after >= threshold)
            if not fits.any():
                break
            nxt = int(rng.choice(np.flatnonzero(fits)))
            inner += float(total[nxt])
            group.append(nxt)
        if len(group) < size:
            failures += 1
            continue
        failures = 0
        yield tuple(sorted(group))
