"""The new-films protocol on data small enough to work by hand: half the people love genre A
(5 stars) and disliked two films of genre B (1 star), the other half the reverse. With film facts
the content model ranks each person's genre first among films nobody has rated; EASE has nothing
to go on (its scores tie, in a random order)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from reelmates.eval.individual import ScorerSpec
from reelmates.eval.newfilms import rank_among, run_new_films, split_new_films
from reelmates.taste.content import ContentScorer
from reelmates.taste.ease import EaseConfig, EaseScorer
from reelmates.taste.matrix import RatingsMatrix

N_FILMS, N_PEOPLE = 20, 20  # films 0-9 are genre A, 10-19 genre B


def _two_tastes() -> tuple[RatingsMatrix, sp.csr_matrix]:
    users, items, stars = [], [], []
    for p in range(N_PEOPLE):
        loved, disliked = (range(10), (10, 11)) if p % 2 == 0 else (range(10, 20), (0, 1))
        for f, star in [(f, 5.0) for f in loved] + [(f, 1.0) for f in disliked]:
            users.append(f"p{p:02d}")
            items.append(f"f{f:02d}")
            stars.append(star)
    matrix = RatingsMatrix.from_triples(np.array(users), np.array(items), np.array(stars))
    genre = np.array([int(i[1:]) >= 10 for i in matrix.item_ids], dtype=np.int64)
    features = sp.csr_matrix(
        (np.ones(N_FILMS, dtype=np.float32), (np.arange(N_FILMS), genre)), shape=(N_FILMS, 2)
    )
    return matrix, features


def test_the_split_moves_every_rating_of_a_new_film_to_the_test_and_keeps_the_rest() -> None:
    matrix, _ = _two_tastes()
    new, train, test = split_new_films(matrix, 0.2, seed=3)
    assert len(new) == 10  # at least ten films, all eligible here (10 or more ratings each)
    assert train[:, new].nnz == 0
    assert train.nnz + test.nnz == matrix.nnz
    np.testing.assert_array_equal(test.toarray(), matrix.ratings[:, new].toarray())


def test_ranking_among_puts_the_highest_first_and_breaks_ties_at_random() -> None:
    scores = np.array([[3.0, 1.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    first = rank_among(scores, 2, np.random.default_rng(0))
    assert set(first[0].tolist()) == {0, 2}
    orders = {tuple(rank_among(scores, 4, np.random.default_rng(s))[1].tolist()) for s in range(8)}
    assert len(orders) > 1, "all-tied scores must not always come back in the same order"


def test_film_facts_rank_new_films_of_a_persons_genre_first_and_ease_cannot() -> None:
    matrix, features = _two_tastes()
    specs = [
        ScorerSpec("content", lambda m, s: ContentScorer(features=features)),
        ScorerSpec("EASE", lambda m, s: EaseScorer(EaseConfig(lam=10.0))),
    ]
    content, ease = run_new_films(matrix, [1, 2], specs, fraction=0.2, k=10)
    assert (content.label, ease.label) == ("content", "EASE")
    # Ten new films: a person's relevant ones are their genre's (and, rarely, a disliked one).
    assert content.ndcg > 0.9
    assert ease.ndcg < content.ndcg - 0.1
    assert content.people == N_PEOPLE and len(content.ndcg_people) == 2 * N_PEOPLE
