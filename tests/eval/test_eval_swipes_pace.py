"""Swipes at each member's own pace (what the live room does) against lockstep, worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reelmates.eval.swipes import Order, SwipeScore, lockstep, mean_over_seeds, own_pace
from reelmates.together.swipes import FixedTaste, MatchRule, SwipeSession


def _session(bases: list[list[float]], seed: int = 0) -> SwipeSession:
    ids = tuple(f"m{j}" for j in range(len(bases)))
    tastes = [FixedTaste(np.array(b)) for b in bases]
    return SwipeSession(ids, tastes, np.ones(len(bases[0]), dtype=bool), MatchRule(), seed=seed)


def _liked(rows: list[set[int]], n: int) -> np.ndarray:
    out = np.zeros((len(rows), n), dtype=bool)
    for j, films in enumerate(rows):
        out[j, sorted(films)] = True
    return out


# A ranks the films 0 > 1 > 2 > 3, B ranks 2 > 0 > 1 > 3. Both have activity 0, so a member's
# chance p(rank) falls with their rank, and before any swipe a film's match chance is
# p(rank_A)·p(rank_B): film 0 p(1)p(2), film 2 p(3)p(1), film 1 p(2)p(3), film 3 p(4)p(4) —
# dealt in the order 0, 2, 1, 3. A swipe turns that member's factor into 1 (like) or 0 (pass).
A_SCORES = [4.0, 3.0, 2.0, 1.0]
B_SCORES = [3.0, 2.0, 4.0, 1.0]


def test_own_pace_by_hand_a_starts() -> None:
    # A likes {2}; B likes {0, 2}.
    liked = _liked([{2}, {0, 2}], 4)
    run = own_pace(_session([A_SCORES, B_SCORES]), liked, start=0)
    # A: film 0 (best before any swipe), passes. B: film 0 is now 0 (A passed), so film 2,
    # p(3)p(1) above film 1's p(2)p(3); likes. A: film 2 is p_A(3)·1, above film 1's
    # p_A(2)·p_B(3); likes: a match on the third swipe, 2 cards each.
    assert run.swipes == ((0, 0), (1, 2), (0, 2))
    assert run.matched and run.cards_each(2) == 2
    assert lockstep(_session([A_SCORES, B_SCORES]), liked) == 2  # cards 0 (no), 2 (match)


def test_own_pace_by_hand_b_starts() -> None:
    liked = _liked([{2}, {0, 2}], 4)
    session = _session([A_SCORES, B_SCORES])
    run = own_pace(session, liked, start=1)
    # B: film 0, likes. A: film 0 is p_A(1)·1, the best; passes. B: film 2 (film 0 swiped);
    # likes. A: film 2 is p_A(3)·1; likes: a match on the fourth swipe, 2 cards each.
    assert run.swipes == ((1, 0), (0, 0), (1, 2), (0, 2))
    assert run.matched and run.cards_each(2) == 2
    assert session.matches == [2]


def test_exhausted_decks_end_the_run_without_a_match() -> None:
    # Nobody likes the same film: each member swipes every card once, in turns, then both
    # decks are exhausted and skipped.
    liked = _liked([{0}, {1}], 4)
    run = own_pace(_session([A_SCORES, B_SCORES]), liked, start=0)
    assert not run.matched and len(run.swipes) == 8
    for j in (0, 1):
        assert sorted(item for who, item in run.swipes if who == j) == [0, 1, 2, 3]
    assert [who for who, _ in run.swipes] == [0, 1] * 4  # strict turns while both have cards


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("start", [0, 1])
def test_identical_members_match_the_same_film_as_lockstep(k: int, start: int) -> None:
    # Both score films 0 > 1 > ... > 5 and like only the k-th (film k - 1). Lockstep deals
    # 0, 1, ... and matches on card k. At own pace they share the work: a pass by one tells the
    # other the card cannot match, so they take turns down the same order; whoever reaches film
    # k - 1 likes it and the other takes it next: k + 1 swipes in all. The same film matches;
    # the counts agree for k ≤ 2 and own pace is ahead after that.
    base = [6.0, 5.0, 4.0, 3.0, 2.0, 1.0]
    liked = _liked([{k - 1}, {k - 1}], 6)
    stepped = _session([base, base])
    paced = _session([base, base])
    assert lockstep(stepped, liked) == k
    run = own_pace(paced, liked, start=start)
    assert run.matched and len(run.swipes) == k + 1
    assert run.cards_each(2) == math.ceil((k + 1) / 2) <= k
    assert stepped.matches == paced.matches == [k - 1]
    assert [item for _, item in run.swipes[:-1]] == list(range(k))


def test_one_member_alone_is_the_same_at_any_pace() -> None:
    liked = _liked([{2, 3}], 4)
    run = own_pace(_session([A_SCORES]), liked, start=0)
    assert run.swipes == ((0, 0), (0, 1), (0, 2))
    assert run.cards_each(1) == lockstep(_session([A_SCORES]), liked) == 3


def test_mean_over_seeds_by_hand() -> None:
    def row(median: float, p90: float, mean: float, groups: int = 10) -> SwipeScore:
        return SwipeScore(2, "everyone likes it", Order.OWN_PACE, groups, median, p90, mean)

    runs = [[row(4, 10, 5)], [row(6, 20, 7)], [row(float("nan"), float("nan"), float("nan"), 0)]]
    (got,) = mean_over_seeds(runs)
    # The seed with no groups has no figures and is left out of the means.
    assert (got.groups, got.median, got.p90, got.mean) == (20, 5.0, 15.0, 6.0)
