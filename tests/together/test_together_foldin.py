"""Swipes folded into a real taste model: one value per film, and a like moves only its member."""

from __future__ import annotations

import numpy as np
import pytest

from reelmates.taste.base import one_per_item
from reelmates.taste.ease import EaseConfig, EaseScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.together.fold import FoldInTaste, histories
from reelmates.together.inputs import Member
from reelmates.together.swipes import CardReason, MatchRule, SwipeSession


def _blocks() -> EaseScorer:
    # Checkerboard: people 0-3 rated films 0-2, people 4-7 films 3-5; nothing across.
    users = [u for u in range(8) for _ in range(3)]
    items = [i + (3 if u >= 4 else 0) for u in range(8) for i in range(3)]
    m = RatingsMatrix.from_triples(users, items, [4.0] * len(users), item_ids=np.arange(6))
    return EaseScorer(EaseConfig(lam=0.5)).fit(m, calibrate=False)


def test_one_per_item_keeps_the_last_value_by_hand() -> None:
    items, stars = one_per_item([4, 2, 4, 7], [2.0, 3.5, 5.0, 1.0])
    assert items.tolist() == [2, 4, 7]
    assert stars.tolist() == [3.5, 5.0, 1.0]


@pytest.mark.parametrize("bad", [-1.0, 0.0, 5.5, float("nan"), float("inf")])
def test_stars_outside_half_to_five_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="is not a rating"):
        one_per_item([1, 2], [3.0, bad])


def test_a_rated_film_liked_in_a_swipe_folds_in_once_not_summed() -> None:
    scorer = _blocks()
    taste = FoldInTaste(scorer, np.array([0, 1], dtype=np.intp), np.array([2.0, 4.0]))
    items, stars = taste.history(np.array([0], dtype=np.intp), np.empty(0, np.intp))
    row = scorer.history_row(items, stars)
    assert row.nnz == 2 and row[0, 0] == 5.0 and row[0, 1] == 4.0  # not 2 + 5 = 7
    liked = taste.scores(np.array([0], dtype=np.intp), np.empty(0, np.intp))
    assert np.allclose(liked, scorer.score_history([0, 1], [5.0, 4.0]))


def test_histories_keep_one_value_per_film() -> None:
    member = Member(id="1", name="Jess", seen=np.array([3, 3]), seen_stars=np.array([1.0, 4.5]))
    h = histories([member], 6)
    assert h.nnz == 1 and h[0, 3] == 4.5


def test_a_like_lifts_films_like_it_for_that_member_only() -> None:
    scorer = _blocks()
    tastes = [
        FoldInTaste(scorer, np.array([1], dtype=np.intp), np.array([4.0])),  # block one
        FoldInTaste(scorer, np.array([4], dtype=np.intp), np.array([4.0])),  # block two
    ]
    candidates = np.ones(6, dtype=bool)
    candidates[[1, 4]] = False  # what they have rated is not dealt
    session = SwipeSession(("a", "b"), tastes, candidates, MatchRule(), seed=1)
    before = session._chances.copy()
    session.record("a", 3, liked=True)  # a likes a block-two film
    after = session._chances
    # a's chance for film 5 (rated with film 3 by the community) rises; b's chances stand still.
    assert after[0, 5] > before[0, 5]
    assert np.array_equal(after[1], before[1])
    # Why a card comes next is told from the member's own chances only.
    assert session._reason("a", 5) is CardReason.MOVED_UP
    assert session._reason("b", 5) is CardReason.LIKELIEST
    assert session.record("b", 3, liked=True)  # both like it: the rule (everyone) is met
    assert session.matches == [3]
