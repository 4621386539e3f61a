"""Hypothesis properties over random small communities."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmates.taste.als import AlsConfig, AlsScorer
from reelmates.taste.base import Scorer
from reelmates.taste.bias import BiasScorer
from reelmates.taste.ease import EaseConfig, EaseScorer
from reelmates.taste.matrix import RatingsMatrix

N_ITEMS = 25


@st.composite
def communities(draw: st.DrawFn) -> RatingsMatrix:
    n_users = draw(st.integers(3, 12))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    mask = rng.random((n_users, N_ITEMS)) < draw(st.floats(0.1, 0.6))
    mask[:, 0] |= ~mask.any(axis=1)  # everyone rated something
    u, i = np.nonzero(mask)
    stars = rng.integers(1, 11, size=len(u)) / 2
    return RatingsMatrix.from_triples(u, i, stars, item_ids=np.arange(N_ITEMS))


def _models() -> list[Scorer]:
    return [
        BiasScorer(),
        EaseScorer(EaseConfig(lam=3.0)),
        AlsScorer(AlsConfig(factors=3, iterations=4, threads=1, seed=7)),
    ]


@settings(deadline=None, max_examples=25)
@given(communities(), st.integers(1, N_ITEMS))
def test_no_rated_film_is_ever_recommended(m: RatingsMatrix, k: int) -> None:
    for s in _models():
        s.fit(m, calibrate=False)
        idx, _ = s.recommend_users(np.arange(m.n_users), k)
        for u in range(m.n_users):
            rated = set(m.history(u)[0].tolist())
            got = [i for i in idx[u].tolist() if i >= 0]
            assert not rated & set(got)
            assert len(got) == min(k, N_ITEMS - len(rated))


@settings(deadline=None, max_examples=15)
@given(communities())
def test_fit_is_deterministic_and_films_and_stars_give_the_training_row(m: RatingsMatrix) -> None:
    """Same seed, same model; and a person given as (films, stars) scores as their training row
    (the fold-in solve itself is checked against implicit in test_taste_als_foldin.py)."""
    for a, b in zip(_models(), _models(), strict=True):
        a.fit(m, seed=3)
        b.fit(m, seed=3)
        fitted = a.score_users(np.arange(m.n_users))
        np.testing.assert_array_equal(fitted, b.score_users(np.arange(m.n_users)))
        for u in range(m.n_users):
            np.testing.assert_allclose(
                a.score_history(*m.history(u)), fitted[u], rtol=1e-4, atol=1e-5
            )
