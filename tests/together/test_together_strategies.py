"""Known answers for the group strategies on hand-made score matrices."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reelmates.together.strategies import Strategy, rank_group

ALL = np.ones(4, dtype=bool)


def test_least_misery_never_tops_with_a_film_someone_hates() -> None:
    # Film 0 is adored by two members and hated by the third; film 1 is fine for everyone.
    scores = np.array([[20.0, 6.0, 1.0, 0.0], [20.0, 6.0, 0.0, 1.0], [-10.0, 5.0, 2.0, 2.0]])
    assert rank_group(scores, ALL, 4, Strategy.LEAST_MISERY).items[0] == 1
    assert rank_group(scores, ALL, 4, Strategy.AVERAGE).items[0] == 0  # the average would pick it


def test_borda_by_hand() -> None:
    # Member A ranks 0 > 1 > 2 (points 2, 1, 0); member B ranks 2 > 0 > 1 (points 1, 0, 2).
    # Totals: film 0 = 3, film 1 = 1, film 2 = 2.
    scores = np.array([[3.0, 2.0, 1.0], [2.0, 1.0, 3.0]])
    ranked = rank_group(scores, np.ones(3, dtype=bool), 3, Strategy.BORDA)
    assert ranked.items.tolist() == [0, 2, 1]
    assert ranked.scores.tolist() == [3.0, 2.0, 1.0]


def test_average_and_normalised_average_by_hand() -> None:
    # Member B's scale is ten times A's, so the raw average follows B; normalised treats them alike.
    scores = np.array([[1.0, 0.0, 0.5], [0.0, 10.0, 6.0]])
    cand = np.ones(3, dtype=bool)
    assert rank_group(scores, cand, 3, Strategy.AVERAGE).items.tolist() == [1, 2, 0]
    assert rank_group(scores, cand, 1, Strategy.NORMALISED_AVERAGE).items.tolist() == [2]


def test_fair_gives_every_member_something_in_the_top_k(rng: np.random.Generator) -> None:
    # Three members agree on films 0-5; the fourth loves only film 6, which the others dislike,
    # and ranks 0-5 below hundreds of fillers. The average fills the top 10 with consensus films
    # and fillers; fair makes room for film 6, so everyone has a favourite in the top 10.
    n = 300
    scores = np.zeros((4, n))
    scores[:3, :6] = np.linspace(10, 8, 6)
    scores[:3, 6] = -5
    scores[:3, 7:] = rng.uniform(-3, 0, (3, n - 7))
    scores[3, :6] = -1
    scores[3, 6] = 10
    scores[3, 7:] = rng.uniform(0, 5, n - 7)
    cand = np.ones(n, dtype=bool)
    assert 6 not in rank_group(scores, cand, 10, Strategy.AVERAGE).items
    top = set(rank_group(scores, cand, 10, Strategy.FAIR).items.tolist())
    assert 6 in top
    assert 0 in top  # the majority keeps its favourite too


def test_strategies_respect_candidates_and_tie_break_to_lower_index() -> None:
    scores = np.array([[1.0, 1.0, 1.0, 5.0], [1.0, 1.0, 1.0, 5.0]])
    cand = np.array([True, True, True, False])
    for strategy in Strategy:
        ranked = rank_group(scores, cand, 4, strategy)
        assert ranked.items.tolist() == [0, 1, 2], strategy
        assert all(a >= b for a, b in zip(ranked.scores, ranked.scores[1:], strict=False))


@settings(deadline=None, max_examples=80)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(2, 6),
    st.integers(6, 120),
    st.sampled_from([10, 14]),
    st.booleans(),
)
def test_fair_gives_every_member_one_of_their_own_top_ten_in_the_first_ten(
    seed: int, m: int, n: int, k: int, ties: bool
) -> None:
    # Members in taste clusters (so majorities exist), some films not candidates, maybe ties.
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((int(rng.integers(1, m + 1)), n))
    scores = base[rng.integers(0, base.shape[0], m)] + 0.3 * rng.standard_normal((m, n))
    if ties:
        scores = np.round(scores)
    cand = rng.random(n) < 0.8
    idx = np.flatnonzero(cand)
    assume(idx.size >= k)
    # The cover window is ten slots whatever k is, so that a shorter list is a prefix of a longer.
    picked = set(rank_group(scores, cand, k, Strategy.FAIR).items[:10].tolist())
    for u in range(m):
        own_top = idx[np.lexsort((idx, -scores[u, idx]))][:10]
        assert picked & set(own_top.tolist()), u


@settings(deadline=None, max_examples=60)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(2, 6),
    st.integers(3, 80),
    st.sampled_from(list(Strategy)),
    st.booleans(),
    st.integers(1, 30),
    st.integers(1, 30),
)
def test_a_shorter_list_is_the_start_of_a_longer_one_and_the_fit_never_rises(
    seed: int, m: int, n: int, strategy: Strategy, ties: bool, k1: int, k2: int
) -> None:
    # Clustered tastes, some films not candidates, maybe ties: for every strategy the top k1 are
    # the first k1 of the top k2, and the figure the order follows never rises down the list.
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((int(rng.integers(1, m + 1)), n))
    scores = base[rng.integers(0, base.shape[0], m)] + 0.5 * rng.standard_normal((m, n))
    if ties:
        scores = np.round(scores)
    cand = rng.random(n) < 0.8
    short, long = sorted((k1, k2))
    a = rank_group(scores, cand, short, strategy)
    b = rank_group(scores, cand, long, strategy)
    assert a.items.tolist() == b.items[:short].tolist()
    assert b.fit is not None and b.chances is not None
    assert b.fit.shape == b.items.shape and b.chances.shape == (m, b.items.size)
    assert np.all(np.diff(b.fit) <= 1e-12)
    assert np.all(np.diff(b.scores) <= 1e-12)
    assert np.all((b.fit >= 0) & (b.fit <= 1)) and np.all((b.chances > 0) & (b.chances < 1))
    if strategy is Strategy.LEAST_MISERY:  # the fit is the least happy member's chance
        assert np.allclose(b.fit, b.chances.min(axis=0))
    if strategy is Strategy.FAIR and b.items.size:  # the first pick: the mean chance
        assert np.isclose(b.fit[0], b.chances[:, 0].mean())


def test_fair_list_for_three_is_the_start_of_the_list_for_five() -> None:
    # Two members (a case found by search): the greedy used to hold slots for whoever was unserved
    # at the end of whatever k was asked for, so k = 3 gave [9, 6, 7] and k = 5 gave
    # [9, 6, 0, 7, 3]: they disagreed about #3.
    scores = np.array(
        [[8, 6, 3, 1, 4, 6, 7, 5, 4, 8, 2, 7], [3, 4, 0, 8, 1, 4, 5, 8, 6, 5, 3, 3]], dtype=float
    )
    cand = np.ones(12, dtype=bool)
    for strategy in Strategy:
        three = rank_group(scores, cand, 3, strategy).items.tolist()
        five = rank_group(scores, cand, 5, strategy).items.tolist()
        assert three == five[:3], strategy


def test_least_misery_follows_the_smallest_chance_shown() -> None:
    # Member B's scores are spread wide, so on z-scores film 1 (B's second, A's fourth) would beat
    # film 0 (third for both); by chances film 0's worst member (3rd) beats film 1's (4th).
    scores = np.array([[9.0, 6.0, 8.0, 7.0, 0.0], [0.0, 100.0, 10.0, 0.0, 110.0]])
    ranked = rank_group(scores, np.ones(5, dtype=bool), 3, Strategy.LEAST_MISERY)
    assert ranked.chances is not None and ranked.fit is not None
    assert ranked.items.tolist()[0] == 2  # 2nd for A, 3rd for B: the best worst place
    assert np.allclose(ranked.fit, ranked.chances.min(axis=0))
