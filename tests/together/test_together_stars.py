"""Stars for the shown picks: the taste engine's own numbers, without scoring the catalog twice."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp

from reelmates.taste.base import Scorer
from reelmates.taste.default import default_collaborative
from reelmates.taste.matrix import RatingsMatrix
from reelmates.together.fold import histories
from reelmates.together.inputs import ItemFacts, Member
from reelmates.together.ranker import GroupRanker
from reelmates.together.stars import picked_stars

N_USERS, N_ITEMS = 80, 40


def _fitted(rng: np.random.Generator, *, calibrate: bool) -> Scorer:
    taste = rng.standard_normal((N_USERS, 3)) @ rng.standard_normal((3, N_ITEMS))
    rated = rng.random((N_USERS, N_ITEMS)) < 0.35
    users, items = np.nonzero(rated)
    stars = np.clip(np.round(3.2 + taste[users, items]), 1, 5)
    matrix = RatingsMatrix.from_triples(users.astype(str), items.astype(str), stars)
    return default_collaborative(matrix.n_items).fit(matrix, calibrate=calibrate)


@pytest.fixture(scope="module")
def calibrated() -> Scorer:
    return _fitted(np.random.default_rng(7), calibrate=True)


def _members(rng: np.random.Generator) -> list[Member]:
    return [
        Member(
            f"m{u}",
            f"M{u}",
            seen=rng.choice(N_ITEMS, 6, replace=False),
            seen_stars=rng.choice([1.0, 3.0, 4.5, 5.0], 6),
        )
        for u in range(3)
    ]


def test_picked_stars_equal_the_taste_engines_stars(
    rng: np.random.Generator, calibrated: Scorer
) -> None:
    scorer = calibrated
    hist = histories(_members(rng), N_ITEMS)
    source = picked_stars(scorer, hist, scorer.score_matrix(hist))
    assert source is not None
    picks = np.array([7, 0, 31, 12], dtype=np.intp)
    want = scorer.predict_stars_matrix(hist)[:, picks]
    np.testing.assert_array_equal(source(picks), want)


def test_no_stars_model_means_no_stars(rng: np.random.Generator) -> None:
    scorer = _fitted(rng, calibrate=False)
    hist = histories(_members(rng), N_ITEMS)
    assert picked_stars(scorer, hist, scorer.score_matrix(hist)) is None


def test_group_ranking_scores_the_catalog_once(
    rng: np.random.Generator, calibrated: Scorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    scorer = calibrated
    members = _members(rng)
    want_stars = scorer.predict_stars_matrix(histories(members, N_ITEMS))
    calls: list[int] = []
    real: Callable[[sp.csr_matrix], np.ndarray] = scorer.score_matrix

    def counted(h: sp.csr_matrix) -> np.ndarray:
        calls.append(h.shape[0])
        return real(h)

    monkeypatch.setattr(scorer, "score_matrix", counted)
    ranking = GroupRanker(scorer, ItemFacts(N_ITEMS)).rank(members, k=5, explain=False)
    assert calls == [len(members)]
    assert len(ranking.picks) == 5
    for pick in ranking.picks:
        assert pick.stars == tuple(float(s) for s in want_stars[:, pick.item])
