"""The onboarding simulation: its protocol on a tiny community, and on MovieLens 100K the
onboarding order beating the popularity order (one seed, a few seconds)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from reelmates.eval.movielens import load_movielens_ratings
from reelmates.eval.onboarding import answered_rows, run_onboarding, show_cards, split_held_out
from reelmates.taste.als import AlsConfig, AlsScorer
from reelmates.taste.blend import BlendScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.onboarding import Answer, OnboardingConfig, OnboardingDeck


def _community(seed: int = 0, people: int = 60, films: int = 30) -> RatingsMatrix:
    rng = np.random.default_rng(seed)
    mask = rng.random((people, films)) < np.linspace(0.9, 0.1, films)[None, :]
    mask[:, 0] = True
    u, i = np.nonzero(mask)
    return RatingsMatrix.from_triples(u, i, rng.integers(1, 11, len(u)) / 2)


def test_held_out_split_is_by_film() -> None:
    r = sp.csr_matrix(np.array([[5, 4, 0, 3], [0, 2, 1, 0]], dtype=np.float32))
    held = split_held_out(r, np.array([0, 1]), np.array([1, 3]))
    assert held.memory.toarray().tolist() == [[0, 4, 0, 3], [0, 2, 0, 0]]
    assert held.test.toarray().tolist() == [[5, 0, 0, 0], [0, 0, 1, 0]]


def test_a_film_the_person_never_rated_is_a_skip_that_uses_a_card() -> None:
    deck = OnboardingDeck.build(
        _community().ratings, config=OnboardingConfig(budget=5, min_ratings=1)
    )
    memory = {int(deck.items[0]): 4.5}
    for order in ("onboarding", "popularity", "random"):
        answers = show_cards(deck, memory, order, np.random.default_rng(0))
        assert len(answers) == 5 and len({a.item for a in answers}) == 5
        assert all(a.stars == memory.get(a.item) for a in answers)
    assert [a.stars for a in show_cards(deck, memory, "popularity", np.random.default_rng(0))] == [
        4.5,
        None,
        None,
        None,
        None,
    ]


def test_answered_rows_keep_only_rated_cards() -> None:
    rows = answered_rows([[Answer(2, 4.0), Answer(0, None)], [Answer(1, 1.5)]], 3)
    assert rows.toarray().tolist() == [[0, 0, 4.0], [0, 1.5, 0]]


def test_every_order_is_scored_on_the_same_people() -> None:
    m = _community(people=80)
    rows = run_onboarding(
        m,
        [0],
        lambda t, s: AlsScorer(AlsConfig(factors=4, iterations=3, threads=1)),
        config=OnboardingConfig(budget=6, min_ratings=1, max_candidates=12),
        fraction=0.25,
    )
    assert [r.order for r in rows] == ["onboarding", "popularity", "random"]
    assert len({r.people for r in rows}) == 1 and rows[0].people > 0
    assert all(0 <= r.rated <= 6 for r in rows)
    assert all(0.0 <= r.ndcg <= 1.0 for r in rows)


@pytest.mark.movielens
def test_onboarding_order_beats_popularity_order_on_ml100k(ml100k_dir: Path) -> None:
    started = time.perf_counter()
    m = load_movielens_ratings(ml100k_dir)
    rows = {r.order: r for r in run_onboarding(m, [42], lambda t, s: BlendScorer())}
    assert rows["onboarding"].ndcg > rows["popularity"].ndcg + 0.03
    assert time.perf_counter() - started < 20
