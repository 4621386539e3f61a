"""Every scorer honours the same contract (parametrised over all of them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from reelmates.taste.als import AlsConfig, AlsScorer
from reelmates.taste.base import Scorer
from reelmates.taste.bias import BiasScorer
from reelmates.taste.blend import BlendConfig, BlendScorer
from reelmates.taste.content import ContentScorer
from reelmates.taste.ease import EaseConfig, EaseScorer
from reelmates.taste.hybrid import HybridConfig, HybridScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.persist import load_scorer, save_scorer
from reelmates.taste.popularity import PopularityScorer

N_USERS, N_ITEMS = 60, 40


def community(seed: int = 0) -> RatingsMatrix:
    """Two taste groups over two halves of the catalog (films 0-18 and 19-39), one stray low
    rating each; films 38-39 are never rated (cold, but facts say they are group two's)."""
    rng = np.random.default_rng(seed)
    users, items, stars = [], [], []
    for u in range(N_USERS):
        home = np.arange(0, 19) if u % 2 == 0 else np.arange(19, 38)
        chosen = rng.choice(home, size=10, replace=False)
        other = rng.choice(np.setdiff1d(np.arange(38), home), size=1, replace=False)
        for i in chosen:
            users.append(u)
            items.append(i)
            stars.append(float(rng.choice([4.0, 4.5, 5.0])))
        for i in other:
            users.append(u)
            items.append(i)
            stars.append(float(rng.choice([1.0, 2.0])))
    return RatingsMatrix.from_triples(users, items, stars, item_ids=np.arange(N_ITEMS))


def features() -> sp.csr_matrix:
    # film i has genre (i < 19: 0, else 1) and decade i % 3, unit rows
    rows = np.repeat(np.arange(N_ITEMS), 2)
    cols = np.ravel([[0 if i < 19 else 1, 2 + i % 3] for i in range(N_ITEMS)])
    return sp.csr_matrix((np.full(len(rows), 1 / np.sqrt(2)), (rows, cols)), shape=(N_ITEMS, 5))


SMALL_ALS = AlsConfig(factors=4, iterations=8, regularization=0.1, threads=1)
FACTORIES: dict[str, Callable[[], Scorer]] = {
    "popularity": PopularityScorer,
    "bias": BiasScorer,
    "ease": lambda: EaseScorer(EaseConfig(lam=5.0)),
    "als": lambda: AlsScorer(SMALL_ALS),
    "blend": lambda: BlendScorer(BlendConfig(ease=EaseConfig(lam=5.0), als=SMALL_ALS)),
    "content": lambda: ContentScorer(features=features()),
    "hybrid": lambda: HybridScorer(
        HybridConfig(collab="ease", ease=EaseConfig(lam=5.0)), features()
    ),
}


@pytest.fixture(scope="module")
def fitted() -> dict[str, Scorer]:
    m = community()
    return {name: make().fit(m, seed=1) for name, make in FACTORIES.items()}


@pytest.mark.parametrize("name", FACTORIES)
def test_scores_cover_every_film(fitted: dict[str, Scorer], name: str) -> None:
    s = fitted[name]
    items, stars = s.matrix.history(0)
    scores = s.score_history(items, stars)
    assert scores.shape == (N_ITEMS,)
    assert scores.dtype == np.float32
    assert np.isfinite(scores).all()


@pytest.mark.parametrize("name", FACTORIES)
def test_recommend_excludes_rated_and_extra(fitted: dict[str, Scorer], name: str) -> None:
    s = fitted[name]
    items, stars = s.matrix.history(3)
    extra = np.array([39])
    idx, scores = s.recommend(items, stars, 10, exclude=extra)
    assert len(idx) == 10
    assert not set(idx.tolist()) & (set(items.tolist()) | {39})
    assert np.all(np.diff(scores) <= 0)


@pytest.mark.parametrize("name", FACTORIES)
def test_a_person_given_as_films_and_stars_scores_as_their_training_row(
    fitted: dict[str, Scorer], name: str
) -> None:
    """``history_row`` builds from (films, stars) exactly the row the fit saw. Both sides use the
    same ``score_matrix``, so this checks the row, not the solve: the solve is checked against an
    independent implementation in test_taste_als_foldin.py."""
    s = fitted[name]
    for u in (0, 1, 7):
        items, stars = s.matrix.history(u)
        np.testing.assert_allclose(
            s.score_history(items, stars), s.score_users([u])[0], rtol=1e-4, atol=1e-5
        )


@pytest.mark.parametrize("name", FACTORIES)
def test_recommend_users_matches_recommend(fitted: dict[str, Scorer], name: str) -> None:
    s = fitted[name]
    idx, _ = s.recommend_users(np.array([2, 5]), 5)
    for row, u in enumerate((2, 5)):
        items, stars = s.matrix.history(u)
        one, _ = s.recommend(items, stars, 5)
        assert idx[row].tolist() == one.tolist()


@pytest.mark.parametrize("name", FACTORIES)
def test_stars_are_calibrated_range(fitted: dict[str, Scorer], name: str) -> None:
    s = fitted[name]
    items, stars = s.matrix.history(4)
    pred = s.predict_stars(items, stars)
    assert pred.shape == (N_ITEMS,)
    assert pred.min() >= 0.5
    assert pred.max() <= 5.0


@pytest.mark.parametrize("name", FACTORIES)
def test_new_person_without_ratings_gets_scores(fitted: dict[str, Scorer], name: str) -> None:
    s = fitted[name]
    idx, _ = s.recommend(np.array([], dtype=int), np.array([]), 5)
    assert len(idx) == 5


@pytest.mark.parametrize("name", FACTORIES)
def test_item_similarity_shape_and_bound(fitted: dict[str, Scorer], name: str) -> None:
    sim = fitted[name].item_similarity(np.array([0, 1, 20]), np.array([2, 21]))
    assert sim.shape == (3, 2)
    assert np.all(sim <= 1.0 + 1e-5)


@pytest.mark.parametrize("name", FACTORIES)
def test_save_load_round_trip(fitted: dict[str, Scorer], name: str, tmp_path: Path) -> None:
    s = fitted[name]
    path = tmp_path / f"{name}.npz"
    save_scorer(s, path)
    back = load_scorer(path)
    assert type(back) is type(s)
    assert back.config == s.config
    items, stars = s.matrix.history(6)
    np.testing.assert_allclose(back.score_history(items, stars), s.score_history(items, stars))
    np.testing.assert_allclose(back.predict_stars(items, stars), s.predict_stars(items, stars))
    assert back.matrix.item_ids.tolist() == s.matrix.item_ids.tolist()


@pytest.mark.parametrize("name", FACTORIES)
def test_deterministic_under_a_seed(name: str) -> None:
    m = community(3)
    a = FACTORIES[name]().fit(m, seed=5)
    b = FACTORIES[name]().fit(m, seed=5)
    items, stars = m.history(0)
    np.testing.assert_allclose(a.score_history(items, stars), b.score_history(items, stars))


@pytest.mark.parametrize("name", ["ease", "als", "blend", "content", "hybrid"])
def test_personal_models_follow_the_taste_groups(fitted: dict[str, Scorer], name: str) -> None:
    s = fitted[name]
    for u in (0, 1):
        items, stars = s.matrix.history(u)
        idx, _ = s.recommend(items, stars, 5)
        home = (idx < 19) if u % 2 == 0 else (idx >= 19)
        assert home.mean() >= 0.8, (name, u, idx)
