"""The ``eval groups`` / ``eval swipes`` protocols on a tiny synthetic community."""

from __future__ import annotations

import numpy as np
import pytest

from reelmates.eval.group_draw import Affinity, GroupKind, draw_groups
from reelmates.eval.groups import evaluate_groups, member_ndcg
from reelmates.eval.swipes import Order, evaluate_swipes
from reelmates.taste.ease import EaseConfig, EaseScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.splits import stratified_split


def _community(rng: np.random.Generator) -> RatingsMatrix:
    # Two taste clusters over 60 films, so similar and divergent groups both exist; people mostly
    # watch their own side's films (as real people mostly watch what they expect to like).
    users, items, stars = [], [], []
    for u in range(60):
        side = u % 2
        own = rng.choice(30, 20, replace=False) + 30 * side
        other = rng.choice(30, 5, replace=False) + 30 * (1 - side)
        for i in np.concatenate([own, other]).tolist():
            liked = (i < 30) == (side == 0)
            users.append(u)
            items.append(i)
            stars.append(float(rng.integers(4, 6) if liked else rng.integers(1, 3)))
    return RatingsMatrix.from_triples(np.array(users), np.array(items), np.array(stars))


def test_member_ndcg_by_hand() -> None:
    # Hits at ranks 1 and 3 of 3 relevant: (1 + 1/2) / (1 + 1/log2(3) + 1/2).
    expected = 1.5 / (1 + 1 / np.log2(3) + 0.5)
    assert member_ndcg([7, 8, 9], frozenset({7, 9, 11}), 10) == pytest.approx(expected)
    assert member_ndcg([1, 2], frozenset({3}), 10) == 0.0


def test_similar_and_divergent_groups_meet_their_threshold(rng: np.random.Generator) -> None:
    train, _ = stratified_split(_community(rng), seed=1)
    affinity = Affinity.from_ratings(train)
    pool = np.arange(train.n_users)
    for kind in (GroupKind.SIMILAR, GroupKind.DIVERGENT):
        score = affinity.admissible(kind)
        draws = draw_groups(pool, 3, score, affinity.threshold(kind), np.random.default_rng(0))
        for _, group in zip(range(20), draws, strict=False):
            pairs = [score[a, b] for a in group for b in group if a < b]
            assert np.isfinite(pairs).all() and np.mean(pairs) >= affinity.threshold(kind)


def test_protocols_run_and_report_every_cell(rng: np.random.Generator) -> None:
    train, test = stratified_split(_community(rng), seed=1)
    scorer = EaseScorer(EaseConfig(lam=10.0)).fit(train, calibrate=False)
    rows = evaluate_groups(train, test, scorer, sizes=(2,), n_groups=10, seed=3)
    assert len(rows) == 3 * 5  # kinds × strategies
    for r in rows:
        assert r.groups > 0 and 0.0 <= r.min_ndcg <= r.mean_ndcg <= 1.0
    swipes = evaluate_swipes(train, test, scorer, sizes=(2,), n_groups=10, seed=3)
    assert {r.order for r in swipes} == set(Order)
    by_order = {r.order: r for r in swipes}
    assert all(r.groups == 10 and r.median >= 1 for r in swipes)
    # The taste model must beat dealing at random on clustered tastes.
    assert by_order[Order.ADAPTIVE].mean < by_order[Order.RANDOM].mean
