"""Hyper-parameters chosen on validation splits taken from the training ratings — never on test.

``train`` runs exactly this on the database's ratings and ``eval individual`` inside each split's
train, so the model measured is the model served. Each candidate is scored by nDCG@k averaged
over ``FOLDS`` different 75/25 splits of the ratings it is given, so a choice is not the luck of one
split. A one-dimensional search whose best value sits on the edge of its grid extends the grid
that way (geometrically, a few steps at most), so no default is pinned to a boundary.

- :func:`tune_blend`: EASE's λ and dropout, then the ALS weight on the chosen EASE.
- :func:`tune_hybrid`: the blend above, then the content weight of the hybrid.
- :func:`tune_ease`, :func:`tune_als`: the references, tuned on the same folds and grids, so a
  comparison with them is fair.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from reelmates.taste.als import AlsConfig, AlsScorer
from reelmates.taste.base import FloatArray, top_k_rows
from reelmates.taste.blend import BlendConfig
from reelmates.taste.ease import EaseConfig, EaseScorer
from reelmates.taste.hybrid import HybridConfig, HybridScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.metrics import ranking_scores
from reelmates.taste.splits import stratified_split
from reelmates.taste.zscore import zscore

EASE_LAMBDAS = (40.0, 60.0, 100.0, 160.0, 250.0)
EASE_DROPOUTS = (0.25, 0.4, 0.55, 0.7)
ALS_WEIGHTS = (0.4, 0.7, 1.0, 1.4, 2.0)
CONTENT_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3)
REFERENCE_LAMBDAS = (100.0, 200.0, 300.0, 500.0, 800.0)
ALS_FACTORS = (16, 32, 64, 128)
ALS_ALPHAS = (1.0, 2.0, 5.0, 10.0)
FOLDS = 2
MAX_EXTENSIONS = 3  # steps a grid may grow past an edge its best value sits on

Fold = tuple[RatingsMatrix, RatingsMatrix]


def folds_of(train: RatingsMatrix, *, seed: int, n: int = FOLDS) -> list[Fold]:
    """``n`` (fit, validation) splits of ``train``, seeded apart from any outer split."""
    return [stratified_split(train, 0.75, seed=seed + 10_000 + f) for f in range(n)]


def validation_ndcg(scores: FloatArray, fit: RatingsMatrix, val: RatingsMatrix, k: int) -> float:
    recs, _ = top_k_rows(scores, k, fit.ratings)
    return ranking_scores(recs, val.ratings, k).ndcg


def search_1d(
    grid: Sequence[float],
    quality: Callable[[float], float],
    *,
    low: float = 0.0,
    high: float = float("inf"),
    step: float = 1.6,
) -> float:
    """The grid value of best ``quality``; while it is the grid's largest (smallest) and strictly
    better than its neighbour, try ``step`` times past it (up to ``high``, down to ``low``), at
    most ``MAX_EXTENSIONS`` times. Ties go to the smaller value; 0 is never extended."""
    tried = {float(v): quality(float(v)) for v in grid}

    def best_of() -> tuple[float, list[float]]:
        values = sorted(tried)
        return max(values, key=lambda v: (tried[v], -v)), values

    for _ in range(MAX_EXTENSIONS):
        best, values = best_of()
        if len(values) < 2 or best == 0:
            break
        if best == values[-1] and tried[best] > tried[values[-2]] and best * step <= high:
            candidate = best * step
        elif best == values[0] and tried[best] > tried[values[1]] and best / step >= low:
            candidate = best / step
        else:
            break
        tried[candidate] = quality(candidate)
    return best_of()[0]


def _swap(quality: Callable[[float, float], float], dropout: float, lam: float) -> float:
    return quality(lam, dropout)


def _ease_z(cfg: EaseConfig, fit: RatingsMatrix) -> FloatArray:
    return zscore(EaseScorer(cfg).fit(fit, calibrate=False).score_matrix(fit.ratings))


def tune_blend(
    train: RatingsMatrix, *, seed: int, k: int = 10, folds: list[Fold] | None = None
) -> BlendConfig:
    """EASE's λ (searched, with its edge extended) for each dropout, then the ALS weight."""
    base = BlendConfig()
    folds = folds or folds_of(train, seed=seed)
    cache: dict[tuple[float, float], list[FloatArray]] = {}

    def ease_z(lam: float, dropout: float) -> list[FloatArray]:
        if (lam, dropout) not in cache:
            cfg = base.ease.model_copy(update={"lam": lam, "dropout": dropout})
            cache[(lam, dropout)] = [_ease_z(cfg, fit) for fit, _ in folds]
        return cache[(lam, dropout)]

    def ease_quality(lam: float, dropout: float) -> float:
        zs = ease_z(lam, dropout)
        pairs = zip(zs, folds, strict=True)
        return float(np.mean([validation_ndcg(z, f, v, k) for z, (f, v) in pairs]))

    best_per_dropout = []
    for dropout in EASE_DROPOUTS:
        lam = search_1d(EASE_LAMBDAS, functools.partial(_swap, ease_quality, dropout))
        best_per_dropout.append((ease_quality(lam, dropout), lam, dropout))
    _, lam, dropout = max(best_per_dropout, key=lambda t: t[0])
    als_z = [
        zscore(AlsScorer(base.als).fit(fit, calibrate=False).score_matrix(fit.ratings))
        for fit, _ in folds
    ]
    chosen = ease_z(lam, dropout)

    def weight_quality(w: float) -> float:
        return float(
            np.mean(
                [
                    validation_ndcg(ze + w * za, f, v, k)
                    for ze, za, (f, v) in zip(chosen, als_z, folds, strict=True)
                ]
            )
        )

    weight = search_1d(ALS_WEIGHTS, weight_quality)
    ease = base.ease.model_copy(update={"lam": lam, "dropout": dropout})
    return base.model_copy(update={"ease": ease, "als_weight": weight})


def tune_hybrid(
    train: RatingsMatrix,
    features: sp.csr_matrix,
    base: HybridConfig,
    *,
    seed: int,
    k: int = 10,
) -> HybridConfig:
    """The blend (when the hybrid's collaborative part is one), then the content weight, on the
    same folds: the content model helps where community ratings are thin, and a weight of 0 is a
    candidate, so it costs nothing where they are plentiful."""
    folds = folds_of(train, seed=seed)
    config = base
    if base.collab == "blend":
        config = config.model_copy(update={"blend": tune_blend(train, seed=seed, k=k, folds=folds)})
    parts = []
    for fit, _ in folds:
        hybrid = HybridScorer(config, features).fit(fit, calibrate=False)
        zc = zscore(hybrid.collab.score_matrix(fit.ratings), hybrid.warm)
        zt = zscore(hybrid.content.score_matrix(fit.ratings))
        parts.append((hybrid.warm, zc, zt))

    def quality(w: float) -> float:
        return float(
            np.mean(
                [
                    validation_ndcg(HybridScorer.combine(warm, zc, zt, w), f, v, k)
                    for (warm, zc, zt), (f, v) in zip(parts, folds, strict=True)
                ]
            )
        )

    weight = search_1d(CONTENT_WEIGHTS, quality, high=1.0)
    return config.model_copy(update={"content_weight": weight})


def tune_ease(train: RatingsMatrix, *, seed: int, k: int = 10) -> EaseConfig:
    """The EASE reference (its published form: binary, no dropout) with λ chosen on validation."""
    folds = folds_of(train, seed=seed)

    def quality(lam: float) -> float:
        cfg = EaseConfig(lam=lam)
        return float(np.mean([validation_ndcg(_ease_z(cfg, f), f, v, k) for f, v in folds]))

    return EaseConfig(lam=search_1d(REFERENCE_LAMBDAS, quality))


def tune_als(train: RatingsMatrix, *, seed: int, k: int = 10) -> AlsConfig:
    """The ALS reference: its factors, then its confidence α, chosen on validation."""
    folds = folds_of(train, seed=seed)

    def quality(cfg: AlsConfig) -> float:
        return float(
            np.mean(
                [
                    validation_ndcg(
                        AlsScorer(cfg).fit(f, calibrate=False).score_matrix(f.ratings), f, v, k
                    )
                    for f, v in folds
                ]
            )
        )

    base = AlsConfig(seed=seed)
    factors = search_1d(
        ALS_FACTORS,
        lambda x: quality(base.model_copy(update={"factors": int(x)})),
        step=2.0,
        high=256,
    )
    base = base.model_copy(update={"factors": int(factors)})
    alpha = search_1d(ALS_ALPHAS, lambda a: quality(base.model_copy(update={"alpha": a})))
    return base.model_copy(update={"alpha": alpha})
