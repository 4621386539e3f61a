"""On MovieLens 100K (when present): the default beats popularity and bias on a small split."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelmates.eval.individual import evaluate_scorer
from reelmates.eval.movielens import load_movielens_ratings
from reelmates.taste.bias import BiasScorer
from reelmates.taste.default import default_collaborative
from reelmates.taste.popularity import PopularityScorer
from reelmates.taste.splits import stratified_split


@pytest.mark.slow
@pytest.mark.movielens
def test_default_beats_popularity_and_bias_rmse(ml100k_dir: Path) -> None:
    train, test = stratified_split(load_movielens_ratings(ml100k_dir), 0.75, seed=42)
    default = evaluate_scorer(default_collaborative(train.n_items), train, test, seed=42)
    popular = evaluate_scorer(PopularityScorer(), train, test, seed=42)
    bias = evaluate_scorer(BiasScorer(), train, test, seed=42)
    assert default.ndcg > popular.ndcg + 0.15
    assert default.rmse < bias.rmse
