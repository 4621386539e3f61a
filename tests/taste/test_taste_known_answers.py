"""Tiny matrices whose answers are worked by hand in the comments."""

from __future__ import annotations

import numpy as np
import pytest

from reelmates.taste.als import AlsConfig, AlsScorer
from reelmates.taste.baseline import fit_biases
from reelmates.taste.ease import EaseConfig, EaseScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.popularity import PopularityScorer


def test_bias_baseline_by_hand() -> None:
    # stars [[4, 3], [2, 1]]: μ = 2.5. One round with reg_item = 1, reg_user = 0:
    # b_film0 = ((4−2.5) + (2−2.5)) / (2+1) = 1/3, b_film1 = ((3−2.5) + (1−2.5)) / 3 = −1/3;
    # b_user0 = ((4−2.5−1/3) + (3−2.5+1/3)) / 2 = 1, b_user1 = ((2−2.5−1/3) + (1−2.5+1/3)) / 2 = −1.
    m = RatingsMatrix.from_triples([0, 0, 1, 1], [0, 1, 0, 1], [4, 3, 2, 1])
    b = fit_biases(m, reg_item=1.0, reg_user=0.0, iterations=1)
    assert b.mu == pytest.approx(2.5)
    np.testing.assert_allclose(b.item, [1 / 3, -1 / 3], rtol=1e-6)
    np.testing.assert_allclose(b.user(m.ratings), [1.0, -1.0], rtol=1e-6)
    # fold-in of a new person with one 5★ of film 0 and reg_user 0: b_user = 5 − 2.5 − 1/3
    new = m.ratings[:1].copy()
    new.data[:] = [5.0, 0.0]
    new.eliminate_zeros()
    assert b.user(new)[0] == pytest.approx(5 - 2.5 - 1 / 3, rel=1e-6)


def test_ease_two_films_by_hand() -> None:
    # 3 people rated both films, 1 only film 0: G = [[4, 3], [3, 3]] + λI with λ = 1.
    # For 2×2, B[0,1] = −P01/P11 = G01 / (G00 + λ) = 3/5 and B[1,0] = 3/(3+1) = 3/4.
    m = RatingsMatrix.from_triples([0, 0, 1, 1, 2, 2, 3], [0, 1, 0, 1, 0, 1, 0], [5] * 7)
    s = EaseScorer(EaseConfig(lam=1.0)).fit(m, calibrate=False)
    np.testing.assert_allclose(s.B, [[0.0, 0.6], [0.75, 0.0]], rtol=1e-6)
    # someone who rated only film 0 scores film 1 at B[0,1]
    np.testing.assert_allclose(s.score_history([0], [3.0]), [0.0, 0.6], rtol=1e-6)


def _blocks() -> RatingsMatrix:
    # Checkerboard: people 0-3 rated films 0-2, people 4-7 rated films 3-5; nothing across.
    users, items = [], []
    for u in range(8):
        for i in range(3):
            if (u, i) in ((0, 0), (4, 0)):
                continue  # one gap per block, to be filled by the model
            users.append(u)
            items.append(i + (3 if u >= 4 else 0))
    return RatingsMatrix.from_triples(users, items, [4.0] * len(users), item_ids=np.arange(6))


def test_ease_checkerboard_never_crosses_blocks() -> None:
    m = _blocks()
    s = EaseScorer(EaseConfig(lam=0.5)).fit(m, calibrate=False)
    assert np.all(s.B[:3, 3:] == 0) and np.all(s.B[3:, :3] == 0)
    idx, _ = s.recommend(*m.history(0), 1)
    assert idx.tolist() == [0]
    idx, _ = s.recommend(*m.history(4), 1)
    assert idx.tolist() == [3]


def test_als_checkerboard_fills_the_gap_in_the_right_block() -> None:
    m = _blocks()
    s = AlsScorer(AlsConfig(factors=2, iterations=20, regularization=0.01, threads=1))
    s.fit(m, calibrate=False)
    for u, expected in ((0, 0), (4, 3)):
        scores = s.score_history(*m.history(u))
        block = slice(0, 3) if u < 4 else slice(3, 6)
        other = slice(3, 6) if u < 4 else slice(0, 3)
        assert scores[expected] > scores[other].max()
        assert scores[block].min() > scores[other].max()


def test_popularity_by_hand() -> None:
    # film 2 rated by 3, film 0 by 2, film 1 by 1 → order 2, 0, 1 for a newcomer
    m = RatingsMatrix.from_triples([0, 1, 2, 0, 1, 2], [2, 2, 2, 0, 0, 1], [3] * 6)
    s = PopularityScorer().fit(m, calibrate=False)
    idx, _ = s.recommend([], [], 3)
    assert idx.tolist() == [2, 0, 1]
