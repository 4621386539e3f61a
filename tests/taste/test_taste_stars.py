"""The stars calibration: weights pinned at history-length knots, rating signals by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmates.taste.als import SIGNAL_RIDGE, AlsConfig, AlsScorer
from reelmates.taste.blend import BlendConfig, BlendScorer
from reelmates.taste.ease import EaseConfig
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.stars import KNOTS, knot_weights


def test_knot_weights_by_hand() -> None:
    # n = 8 sits on the second knot; n = 0 and n = 10,000 clip to the ends; between 3 and 8 the
    # weight moves linearly in log(1 + n): log 5 is (log 5 − log 4) / (log 9 − log 4) of the way.
    w = knot_weights(np.array([8, 0, 10_000, 4]))
    np.testing.assert_allclose(w[0], np.eye(len(KNOTS))[1])
    np.testing.assert_allclose(w[1], np.eye(len(KNOTS))[0])
    np.testing.assert_allclose(w[2], np.eye(len(KNOTS))[-1])
    t = (np.log(5) - np.log(4)) / (np.log(9) - np.log(4))
    np.testing.assert_allclose(w[3][:2], [1 - t, t])


@settings(deadline=None)
@given(st.lists(st.integers(0, 5000), min_size=1, max_size=20))
def test_knot_weights_are_a_partition_of_one(lengths: list[int]) -> None:
    w = knot_weights(np.array(lengths))
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    assert (w >= 0).all() and ((w > 0).sum(axis=1) <= 2).all()


def test_als_rating_signal_by_hand() -> None:
    # Unit factors e1, e2 (orthogonal films). A residual of +1 on film 0 alone:
    # w = (e1 e1ᵀ + λI)⁻¹ e1 = e1 / (1 + λ), so film 0 gets 1/(1 + λ) and film 1 gets 0.
    s = AlsScorer()
    s._set_state({"item_factors": np.array([[2.0, 0.0], [0.0, 3.0]], dtype=np.float32)})
    resid = sp.csr_matrix(np.array([[1.0, 0.0]], dtype=np.float32))
    (signal,) = s.rating_signals(resid)
    np.testing.assert_allclose(signal, [[1 / (1 + SIGNAL_RIDGE), 0.0]], rtol=1e-6)


def test_stars_follow_the_person_not_only_the_film() -> None:
    # Two camps over two halves of 40 films: camp A loves films 0-19 and pans 20-39, camp B the
    # reverse. Someone who rated five of A's films 5★ and five of B's 1★ should be predicted
    # to like A's unrated films more than B's. (A small ALS, as suits 40 films.)
    rng = np.random.default_rng(0)
    users, items, stars = [], [], []
    for u in range(120):
        loved, panned = (range(20), range(20, 40)) if u % 2 == 0 else (range(20, 40), range(20))
        for i in rng.choice(list(loved), 8, replace=False):
            users.append(u)
            items.append(i)
            stars.append(float(rng.choice([4.0, 4.5, 5.0])))
        for i in rng.choice(list(panned), 4, replace=False):
            users.append(u)
            items.append(i)
            stars.append(float(rng.choice([1.0, 1.5, 2.0])))
    m = RatingsMatrix.from_triples(users, items, stars, item_ids=np.arange(40))
    cfg = BlendConfig(ease=EaseConfig(lam=5.0), als=AlsConfig(factors=4, alpha=2.0, threads=1))
    s = BlendScorer(cfg).fit(m, seed=3)
    rated = [0, 1, 2, 3, 4, 20, 21, 22, 23, 24]
    pred = s.predict_stars(rated, [5.0] * 5 + [1.0] * 5)
    assert pred[5:20].mean() > pred[25:40].mean() + 0.5
    assert pred.min() >= 0.5 and pred.max() <= 5.0


def test_model_file_keeps_the_calibration(tmp_path: Path) -> None:
    from reelmates.taste.persist import load_scorer, save_scorer

    m = RatingsMatrix.from_triples(
        np.repeat(np.arange(30), 6), np.tile(np.arange(6), 30), np.tile([5, 4, 3, 2, 1, 3], 30)
    )
    s = BlendScorer(BlendConfig(ease=EaseConfig(lam=5.0))).fit(m, seed=1)
    path = str(tmp_path / "m.npz")
    save_scorer(s, path)
    back = load_scorer(path)
    np.testing.assert_allclose(back.stars_model.coef, s.stars_model.coef)
    np.testing.assert_allclose(
        back.predict_stars([0, 1], [5.0, 1.0]), s.predict_stars([0, 1], [5.0, 1.0])
    )
