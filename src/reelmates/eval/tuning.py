"""Hyper-parameters chosen on a validation split taken from train — never on test."""

from __future__ import annotations

from collections.abc import Callable

from reelmates.eval.metrics import ranking_scores
from reelmates.eval.splits import stratified_split
from reelmates.taste.base import FloatArray, top_k_rows
from reelmates.taste.blend import BlendConfig, BlendScorer
from reelmates.taste.ease import EaseScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.zscore import zscore

EASE_LAMBDAS = (40.0, 80.0, 160.0)

ALS_WEIGHTS = (0.2, 0.4, 0.7)


def validation_ndcg(scores: FloatArray, fit: RatingsMatrix, val: RatingsMatrix, k: int) -> float:
    recs, _ = top_k_rows(scores, k, fit.ratings)
    return ranking_scores(recs, val.ratings, k).ndcg


def tune_blend(train: RatingsMatrix, *, seed: int, k: int = 10) -> BlendConfig:
    """Pick EASE's λ, then the ALS weight, by nDCG@k on a 75/25 split of ``train``."""
    base = BlendConfig()
    fit, val = stratified_split(train, 0.75, seed=seed + 10_000)
    best_lam, _best_e, best_ease_scores = _argmax(
        EASE_LAMBDAS,
        lambda lam: (
            EaseScorer(base.ease.model_copy(update={"lam": lam}))
            .fit(fit, calibrate=False)
            .score_matrix(fit.ratings)
        ),
        fit,
        val,
        k,
    )
    als = BlendScorer(base).als.clone().fit(fit, calibrate=False).score_matrix(fit.ratings)
    ze, za = zscore(best_ease_scores), zscore(als)
    best_w, _, _ = _argmax(ALS_WEIGHTS, lambda w: ze + w * za, fit, val, k)
    ease = base.ease.model_copy(update={"lam": best_lam})
    return base.model_copy(update={"ease": ease, "als_weight": best_w})


def _argmax(
    values: tuple[float, ...],
    scores_for: Callable[[float], FloatArray],
    fit: RatingsMatrix,
    val: RatingsMatrix,
    k: int,
) -> tuple[float, float, FloatArray]:
    best: tuple[float, float, FloatArray] | None = None
    for v in values:
        s = scores_for(v)
        q = validation_ndcg(s, fit, val, k)
        if best is None or q > best[1]:
            best = (v, q, s)
    assert best is not None
    return best
