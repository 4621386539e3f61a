"""Hyper-parameters chosen on validation splits taken from train — never on test.

Each candidate is scored by nDCG@k averaged over ``FOLDS`` different 75/25 splits of train, so a
choice is not the luck of one split. EASE's λ and dropout are chosen jointly, then the ALS weight
on the chosen EASE.
"""

from __future__ import annotations

import itertools

import numpy as np

from reelmates.eval.metrics import ranking_scores
from reelmates.eval.splits import stratified_split
from reelmates.taste.als import AlsScorer
from reelmates.taste.base import FloatArray, top_k_rows
from reelmates.taste.blend import BlendConfig
from reelmates.taste.ease import EaseScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.zscore import zscore

EASE_LAMBDAS = (40.0, 60.0, 100.0)
EASE_DROPOUTS = (0.25, 0.4)
ALS_WEIGHTS = (0.4, 0.7, 1.0, 1.4)
FOLDS = 2


def validation_ndcg(scores: FloatArray, fit: RatingsMatrix, val: RatingsMatrix, k: int) -> float:
    recs, _ = top_k_rows(scores, k, fit.ratings)
    return ranking_scores(recs, val.ratings, k).ndcg


def tune_blend(train: RatingsMatrix, *, seed: int, k: int = 10) -> BlendConfig:
    """Pick EASE's (λ, dropout), then the ALS weight, by mean validation nDCG@k over folds."""
    base = BlendConfig()
    folds = [stratified_split(train, 0.75, seed=seed + 10_000 + f) for f in range(FOLDS)]
    grid = list(itertools.product(EASE_LAMBDAS, EASE_DROPOUTS))
    quality = np.zeros(len(grid))
    ease_z: list[list[FloatArray]] = [[] for _ in grid]
    als_z: list[FloatArray] = []
    for fit, val in folds:
        for g, (lam, dropout) in enumerate(grid):
            cfg = base.ease.model_copy(update={"lam": lam, "dropout": dropout})
            z = zscore(EaseScorer(cfg).fit(fit, calibrate=False).score_matrix(fit.ratings))
            quality[g] += validation_ndcg(z, fit, val, k)
            ease_z[g].append(z)
        als = AlsScorer(base.als).fit(fit, calibrate=False)
        als_z.append(zscore(als.score_matrix(fit.ratings)))
    best = int(np.argmax(quality))
    lam, dropout = grid[best]
    weight_quality = [
        sum(
            validation_ndcg(ze + w * za, fit, val, k)
            for ze, za, (fit, val) in zip(ease_z[best], als_z, folds, strict=True)
        )
        for w in ALS_WEIGHTS
    ]
    ease = base.ease.model_copy(update={"lam": lam, "dropout": dropout})
    weight = ALS_WEIGHTS[int(np.argmax(weight_quality))]
    return base.model_copy(update={"ease": ease, "als_weight": weight})
