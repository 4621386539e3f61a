"""The onboarding chooser on hand-made communities: known answers and invariants."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmates.taste.als import AlsConfig, AlsScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.onboarding import (
    Answer,
    OnboardingConfig,
    OnboardingDeck,
    deck_for,
    model_item_factors,
)


def _csr(rows: list[list[float]]) -> sp.csr_matrix:
    """People × films stars, 0 = not rated."""
    return sp.csr_matrix(np.asarray(rows, dtype=np.float32))


def _twins() -> sp.csr_matrix:
    """Films 0 and 1 are rated by the same eight people: 0 always 4★, 1 alternately 1★ and 5★.
    Film 2 is rated by the other four people."""
    rows = []
    for p in range(8):
        rows.append([4.0, 1.0 if p % 2 else 5.0, 0.0])
    rows += [[0.0, 0.0, 3.0]] * 4
    return _csr(rows)


CFG = OnboardingConfig(min_ratings=1, budget=3, factors=2)


def test_divisive_film_comes_before_one_everyone_rated_alike() -> None:
    deck = OnboardingDeck.build(_twins(), config=CFG)
    # same audience, same popularity: only the spread tells them apart
    assert deck.spread[0] == 0.0 and deck.spread[1] > 0.0
    assert deck.next_card([]) == 1
    # film 0 is never chosen while film 1 is still on offer
    scores = deck.scores([])
    assert scores[1] > scores[0]


def test_popularity_order_is_most_rated_first() -> None:
    ratings = _csr([[4, 4, 0], [4, 4, 0], [4, 0, 4]])  # film 0: 3 ratings, films 1 and 2: 1 each
    deck = OnboardingDeck.build(ratings, config=CFG)
    assert deck.popularity_order().tolist() == [0, 1, 2]  # ties: the lower index first


def test_haven_t_seen_lowers_the_chance_of_films_with_the_same_audience() -> None:
    # films 1 and 2 share an audience (people 0–2); film 3 has another (people 3–5)
    rows = [[5, 4, 4, 0]] * 3 + [[5, 0, 0, 4]] * 3 + [[5, 0, 0, 0]] * 6
    deck = OnboardingDeck.build(_csr(rows), config=CFG)
    pos = {int(item): n for n, item in enumerate(deck.items)}
    before = deck.seen_chance([])
    after = deck.seen_chance([Answer(1, None)])
    assert after[pos[2]] < before[pos[2]]
    seen = deck.seen_chance([Answer(1, 4.0)])
    assert seen[pos[2]] > before[pos[2]] > after[pos[2]]
    # the other audience's film is not made less likely by the skip
    assert after[pos[3]] >= before[pos[3]]


def test_unseen_answer_moves_on_and_budget_ends() -> None:
    deck = OnboardingDeck.build(_twins(), config=CFG)
    answers: list[Answer] = []
    shown = []
    while (item := deck.next_card(answers)) is not None:
        shown.append(item)
        answers.append(Answer(item, None))
    assert len(shown) == 3 == len(set(shown))


def test_known_films_are_not_asked_and_do_not_use_the_budget() -> None:
    deck = OnboardingDeck.build(_twins(), config=CFG)
    known = [Answer(1, 5.0)]
    first = deck.next_card([], known=known)
    assert first is not None and first != 1
    assert deck.next_card([Answer(first, None)] * 3, known=known) is None


def test_rated_cards_shrink_the_uncertainty_in_their_direction() -> None:
    deck = OnboardingDeck.build(_twins(), config=CFG)
    before = deck.uncertainty([])
    after = deck.uncertainty([Answer(int(deck.items[0]), 4.0)])
    assert after[0] < before[0]
    assert np.all(after <= before + 1e-12)


def test_films_with_too_few_ratings_are_never_candidates() -> None:
    deck = OnboardingDeck.build(_twins(), config=OnboardingConfig(min_ratings=5))
    assert sorted(deck.items.tolist()) == [0, 1]


@pytest.mark.parametrize(
    "bad",
    [
        {"budget": 0},
        {"min_ratings": 0},
        {"ridge": 0.0},
        {"spread_weight": -1.0},
        {"evidence_weight": float("nan")},
    ],
)
def test_config_is_validated(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        OnboardingConfig(**bad)  # type: ignore[arg-type]


def test_the_model_s_own_factors_are_used() -> None:
    rng = np.random.default_rng(3)
    mask = rng.random((30, 12)) < 0.5
    u, i = np.nonzero(mask)
    m = RatingsMatrix.from_triples(u, i, rng.integers(1, 6, len(u)).astype(float))
    als = AlsScorer(AlsConfig(factors=3, iterations=3, threads=1)).fit(m, calibrate=False)
    factors = model_item_factors(als)
    assert factors is not None and factors.shape == (12, 3)
    deck = deck_for(als, OnboardingConfig(min_ratings=1))
    assert deck.factors.shape == (deck.size, 3)
    # a community too small for min_ratings: every rated film is a candidate
    assert deck_for(als, OnboardingConfig(min_ratings=1000)).size == 12
    assert OnboardingDeck.build(m.ratings, config=OnboardingConfig(min_ratings=1000)).size == 0


@st.composite
def communities(draw: st.DrawFn) -> sp.csr_matrix:
    n_people = draw(st.integers(2, 15))
    n_films = draw(st.integers(1, 20))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    mask = rng.random((n_people, n_films)) < draw(st.floats(0.05, 0.9))
    stars = rng.integers(1, 11, size=mask.shape) / 2
    return sp.csr_matrix(np.where(mask, stars, 0.0).astype(np.float32))


@settings(deadline=None, max_examples=40)
@given(communities(), st.integers(1, 8), st.integers(0, 2**31))
def test_cards_never_repeat_stay_within_budget_and_are_deterministic(
    ratings: sp.csr_matrix, budget: int, seed: int
) -> None:
    cfg = OnboardingConfig(budget=budget, min_ratings=1, factors=3)
    deck = OnboardingDeck.build(ratings, config=cfg)

    def run() -> list[int]:
        answers: list[Answer] = []
        local = np.random.default_rng(seed)
        while (item := deck.next_card(answers)) is not None:
            stars = float(local.integers(1, 11) / 2) if local.random() < 0.5 else None
            answers.append(Answer(item, stars))
        return [a.item for a in answers]

    shown = run()
    assert len(shown) == len(set(shown)) == min(budget, deck.size)
    assert set(shown) <= set(deck.items.tolist())
    assert run() == shown
