"""The fairness nudge over many nights: known answers worked by hand, and its invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reelmates.errors import ReelmatesError
from reelmates.together.inputs import ItemFacts, Member
from reelmates.together.likes import LikeModel
from reelmates.together.ranker import rank_for_group
from reelmates.together.reasons import TurnNote
from reelmates.together.strategies import Strategy, rank_group
from reelmates.together.turns import (
    MAX_NIGHTS,
    NudgeParams,
    PastNight,
    deficits,
    film_chances,
    history_arrays,
    latest_run,
    nudge_for_members,
    nudge_weights,
    plan_nudge,
    satisfaction,
    served_so_far,
)
from reelmates.together.wording import why_text

NAN = math.nan


def p(rank: int) -> float:
    """The fair strategy's chance for a member's rank-``rank`` film: 1 / (1 + r·e^-2)."""
    return 1.0 / (1.0 + rank * math.exp(-2.0))


# --- the steps, by hand ---------------------------------------------------------------------


def test_served_so_far_is_the_recency_weighted_mean_of_known_nights() -> None:
    # decay 0.5: the three nights weigh 0.25, 0.5, 1 (oldest first).
    sat = np.array([[1.0, NAN], [0.0, 0.0], [1.0, -1.0]])
    served = served_so_far(sat, 0.5)
    assert served[0] == pytest.approx((0.25 * 1 + 0.5 * 0 + 1 * 1) / 1.75)  # 0.714…
    assert served[1] == pytest.approx((0.5 * 0 + 1 * -1) / 1.5)  # absent the first night
    assert np.isnan(served_so_far(np.full((2, 1), NAN), 0.8)[0])  # nothing known


def test_deficits_and_weights_by_hand() -> None:
    params = NudgeParams(strength=2.0, tolerance=0.1, full=1.0)
    served = np.array([0.7, 0.2, NAN, 0.65, -3.0])
    # Behind the best (0.7) by 0, 0.5, –, 0.05, 3.7; less the tolerance, over one star, in [0, 1].
    assert deficits(served, params).tolist() == pytest.approx([0.0, 0.4, 0.0, 0.0, 1.0])
    assert nudge_weights(served, params).tolist() == pytest.approx([1.0, 1.8, 1.0, 1.0, 3.0])


def test_satisfaction_is_liked_by_own_stars_else_the_models_chance_never_a_private_members() -> (
    None
):
    given_ = np.array([[5.0, 1.0, NAN], [3.5, 4.0, NAN], [2.0, NAN, NAN]])
    chances = np.array([[0.3, 0.6, 0.2], [0.4, 0.7, NAN], [0.9, 0.5, 0.1]])
    present = np.array([[True, True, True], [True, True, False], [True, True, True]])
    private = np.array([False, True, False])
    sat = satisfaction(given_, chances, present, private)
    # Member 0 rated all three: 5★ liked (1), 3.5★ halfway, 2★ not (0). Member 1 is private:
    # only the model's chances. Member 2 never rated: the chances; away on night 1.
    assert sat[:, 0].tolist() == [1.0, 0.5, 0.0]
    assert sat[:, 1].tolist() == [0.6, 0.7, 0.5]
    assert sat[0, 2] == 0.2 and np.isnan(sat[1, 2]) and sat[2, 2] == 0.1


def test_film_chances_rank_the_film_among_tonights_candidates() -> None:
    model = LikeModel(intercept=2.0, rank_slope=-1.0, activity_slope=0.0, depth=200)
    scores = np.array([[3.0, 1.0, 2.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    cand = np.array([True, True, False, True])
    got = film_chances(scores, cand, np.array([2, 3]), model)
    # Row 0: film 2 (not a candidate tonight) has film 0 above it: rank 2; film 3 has 0 and 1:
    # rank 3. Row 1, all alike: ties go to the lower index, so film 2 is behind 0 and 1 (rank 3)
    # and film 3 behind 0 and 1 (film 2 is no candidate): rank 3.
    assert got.ravel().tolist() == pytest.approx([p(2), p(3), p(3), p(3)])
    shallow = LikeModel(intercept=2.0, rank_slope=-1.0, activity_slope=0.0, depth=1)
    assert film_chances(scores, cand, np.array([3]), shallow)[0, 0] == pytest.approx(p(2))


def test_history_arrays_keep_the_newest_nights_and_who_was_there() -> None:
    nights = [PastNight(7, {"Jess": 4.0, "Sam": None, "Stranger": 1.0}), PastNight(None, {})]
    items, given_, present = history_arrays(nights, ["Jess", "Milly", "Sam"])
    assert items.tolist() == [7, -1]
    assert present.tolist() == [[True, False, True], [False, False, False]]
    assert given_[0, 0] == 4.0 and np.isnan(given_[0, 2]) and np.isnan(given_[1]).all()
    many = [PastNight(i, {"Jess": 3.0}) for i in range(MAX_NIGHTS + 5)]
    assert history_arrays(many, ["Jess"])[0].tolist() == list(range(5, MAX_NIGHTS + 5))


def test_latest_run_counts_back_to_the_first_night_that_did_not_suit_the_leader_better() -> None:
    # Nights (leader, behind): (1, 0) (0, 1) (2, 1) (–, 0) (1, 0.5): newest first 1 > 0.5, the
    # night the leader missed is skipped, 2 > 1, then 0 < 1 stops it: 2.
    sat = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [NAN, 0.0], [1.0, 0.5]])
    assert latest_run(sat, 0, 1) == 2
    assert latest_run(sat[:2], 0, 1) == 0


def test_milly_s_turn_after_three_nights_that_suited_jess_better() -> None:
    sat = np.array([[1.0, -0.5]] * 3)
    nudge = plan_nudge(sat, ["Jess", "Milly"], NudgeParams(strength=1.5))
    # Served 1 and −0.5: Milly is 1.5★ behind, past the tolerance by more than a full star.
    assert nudge.weights.tolist() == [1.0, 2.5]
    assert nudge.turn == TurnNote("Milly", "Jess", 3) and nudge.turn_index == 1
    assert why_text(nudge.turn) == "Milly's turn: the last three picks suited Jess better"
    assert (
        why_text(TurnNote("Milly", "Jess", 1)) == "Milly's turn: the last pick suited Jess better"
    )
    assert why_text(TurnNote("Milly", "Jess", 0)) == "Milly's turn: recent picks suited Jess better"
    assert why_text(TurnNote("Milly", "Jess", 12)) == (
        "Milly's turn: the last 12 picks suited Jess better"
    )


def test_nudge_for_members_reads_stars_given_and_the_models_chances_for_the_rest() -> None:
    # Night 0 (film 2): Jess rated it 5★ (liked: 1), Milly did not (the model's chance, 0.5).
    # Night 1 (film 5): neither rated it: chances 0.6 and 0.6. Served with decay 0.5:
    # Jess (0.5·1 + 0.6)/1.5 = 0.7333, Milly (0.5·0.5 + 0.6)/1.5 = 0.5667: 1/6 apart.
    jess, milly = Member("j", "Jess"), Member("m", "Milly")
    nights = [
        PastNight(2, {"Jess": 5.0, "Milly": None}),
        PastNight(5, {"Jess": None, "Milly": None}),
    ]
    model = {2: (0.9, 0.5), 5: (0.6, 0.6)}
    asked: list[list[int]] = []

    def chances(items: np.ndarray) -> np.ndarray:
        asked.append(items.tolist())
        return np.array([model[i] for i in items.tolist()]).T

    params = NudgeParams(strength=1.0, decay=0.5, tolerance=0.05, full=0.5)
    nudge = nudge_for_members(nights, [jess, milly], chances, params)
    assert asked == [[2, 5]]  # one call for every film of the history
    assert nudge.served.tolist() == pytest.approx([0.7 + 1 / 30, 0.5 + 1 / 15])
    assert nudge.weights.tolist() == pytest.approx([1.0, 1 + (1 / 6 - 0.05) / 0.5])
    # The latest night suited them alike (0.6 and 0.6): "recent picks", not "the last pick".
    assert nudge.turn == TurnNote("Milly", "Jess", 0)
    # Milly private: her stars would not be read either way; here she gave none, so the same.
    private = Member("m", "Milly", private=True)
    assert nudge_for_members(nights, [jess, private], chances, params).turn == nudge.turn


# --- the weights in the strategies, by hand ------------------------------------------------

# Jess ranks films 0 > 1 > 2 > 3; Milly 3 > 1 > 2 > 0. Unweighted, film 1 (both rank it second)
# leads the fair strategy: p(2) + p(2) = 1.574 against p(1) + p(4) = 1.530 for films 0 and 3.
# Milly weighing 2: film 3 gets p(4) + 2·p(1) = 2.410, film 1 3·p(2) = 2.361.
TWO = np.array([[4.0, 3.0, 2.0, 1.0], [1.0, 3.0, 2.0, 4.0]])
ALL4 = np.ones(4, dtype=bool)


def test_weights_tip_the_fair_strategy_toward_the_member_behind() -> None:
    plain = rank_group(TWO, ALL4, 1, Strategy.FAIR)
    assert plain.items.tolist() == [1]
    assert plain.fit is not None and plain.fit[0] == pytest.approx(p(2))
    nudged = rank_group(TWO, ALL4, 1, Strategy.FAIR, weights=np.array([1.0, 2.0]))
    assert nudged.items.tolist() == [3]
    # The figure shown is the weighted mean chance: (p(4) + 2·p(1)) / 3.
    assert nudged.fit is not None and nudged.fit[0] == pytest.approx((p(4) + 2 * p(1)) / 3)


def test_weights_in_the_averages_and_borda_by_hand() -> None:
    scores = np.array([[3.0, 0.0, 2.0], [0.0, 2.0, 0.5]])
    cand = np.ones(3, dtype=bool)
    w = np.array([1.0, 3.0])
    # Weighted mean of raw scores: (3, 6, 3.5) / 4 → film 1 first, then 2, then 0.
    assert rank_group(scores, cand, 3, Strategy.AVERAGE, weights=w).items.tolist() == [1, 2, 0]
    assert rank_group(scores, cand, 3, Strategy.AVERAGE).items.tolist() == [0, 2, 1]
    # Borda points: Jess 2, 0, 1; Milly 0, 2, 1 → weighted 2, 6, 4.
    borda = rank_group(scores, cand, 3, Strategy.BORDA, weights=w)
    assert borda.items.tolist() == [1, 2, 0] and borda.scores.tolist() == [6.0, 4.0, 2.0]


@settings(deadline=None, max_examples=40)
@given(
    scores=hnp.arrays(np.float64, (3, 9), elements=st.floats(-5, 5)),
    strategy=st.sampled_from(list(Strategy)),
)
def test_weights_of_one_are_no_weights(scores: np.ndarray, strategy: Strategy) -> None:
    cand = np.ones(9, dtype=bool)
    cand[4] = False
    plain = rank_group(scores, cand, 5, strategy)
    ones = rank_group(scores, cand, 5, strategy, weights=np.ones(3))
    assert ones.items.tolist() == plain.items.tolist()
    assert ones.scores == pytest.approx(plain.scores)


# --- invariants ------------------------------------------------------------------------------

sat_matrix = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 8), st.integers(2, 5)),
    elements=st.one_of(st.floats(-4, 4), st.just(NAN)),
)
params_ = st.builds(
    NudgeParams,
    strength=st.floats(0, 5),
    decay=st.floats(0.1, 1),
    tolerance=st.floats(0, 0.5),
    full=st.floats(0.2, 3),
)


@settings(deadline=None, max_examples=200)
@given(sat=sat_matrix, params=params_)
def test_weights_are_bounded_and_follow_who_is_served_least(
    sat: np.ndarray, params: NudgeParams
) -> None:
    names = [f"m{u}" for u in range(sat.shape[1])]
    nudge = plan_nudge(sat, names, params)
    w, served = nudge.weights, nudge.served
    assert ((w >= 1.0) & (w <= 1.0 + params.strength + 1e-12)).all()
    known = np.isfinite(served)
    for u in np.flatnonzero(known):
        for v in np.flatnonzero(known):
            if served[u] <= served[v]:
                assert w[u] >= w[v]  # served less: weighs at least as much
    if nudge.turn is not None:
        assert nudge.turn_index is not None
        assert w[nudge.turn_index] == w.max() > 1.0
        assert nudge.turn.member == names[nudge.turn_index] != nudge.turn.ahead
    else:
        assert (w == 1.0).all()  # a nudge is always announced
    assert (w[~known] == 1.0).all()  # nothing known: never nudged


@settings(deadline=None, max_examples=100)
@given(
    rows=hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-4, 4)),
    members=st.integers(2, 5),
    params=params_,
)
def test_an_even_history_nudges_nobody(rows: np.ndarray, members: int, params: NudgeParams) -> None:
    sat = np.repeat(rows[:, None], members, axis=1)  # every night suited everyone alike
    nudge = plan_nudge(sat, [f"m{u}" for u in range(members)], params)
    assert nudge.turn is None and nudge.weights.tolist() == [1.0] * members


@settings(deadline=None, max_examples=100)
@given(sat=sat_matrix, params=params_, data=st.data())
def test_the_nudge_does_not_depend_on_the_order_members_are_listed_in(
    sat: np.ndarray, params: NudgeParams, data: st.DataObject
) -> None:
    m = sat.shape[1]
    order = data.draw(st.permutations(range(m)))
    names = [f"m{u}" for u in range(m)]
    one = plan_nudge(sat, names, params)
    other = plan_nudge(sat[:, order], [names[u] for u in order], params)
    assert other.weights.tolist() == pytest.approx(one.weights[order].tolist())


@settings(deadline=None, max_examples=100)
@given(sat=sat_matrix, params=params_, worse=st.floats(0.01, 3), data=st.data())
def test_a_worse_night_never_lowers_a_members_weight(
    sat: np.ndarray, params: NudgeParams, worse: float, data: st.DataObject
) -> None:
    t = data.draw(st.integers(0, sat.shape[0] - 1))
    u = data.draw(st.integers(0, sat.shape[1] - 1))
    names = [f"m{v}" for v in range(sat.shape[1])]
    before = plan_nudge(sat, names, params).weights[u]
    lower = sat.copy()
    lower[t, u] -= worse
    assert plan_nudge(lower, names, params).weights[u] >= before - 1e-12


# --- in the group ranking ---------------------------------------------------------------------

FACTS = ItemFacts(12, titles=[f"Film {i}" for i in range(12)])


def _group(
    milly_private: bool = False, jess_stars: float = 5.0
) -> tuple[np.ndarray, list[Member], list[PastNight]]:
    # Films 0–3 as in TWO, 4–7 below them for both; the three nights were films 9–11, seen by
    # both, Jess rating them ``jess_stars`` and Milly 2★ (not liked: 0). The model puts 9–11
    # at the bottom for Jess and at the top for Milly.
    scores = np.full((2, 12), -10.0)
    scores[:, :4] = TWO
    scores[:, 4:8] = [0.0, -1.0, -2.0, -3.0]
    scores[1, 9:] = 10.0
    seen = np.array([9, 10, 11])
    jess = Member("j", "Jess", seen=seen, seen_stars=np.full(3, jess_stars))
    milly = Member("m", "Milly", seen=seen, seen_stars=np.full(3, 2.0), private=milly_private)
    nights = [PastNight(i, {"Jess": jess_stars, "Milly": 2.0}) for i in (9, 10, 11)]
    return scores, [jess, milly], nights


STRONG = NudgeParams(strength=1.0)  # Milly weighs 2 when she is a whole chance behind


def test_the_group_ranking_gives_milly_her_turn_and_says_so() -> None:
    scores, members, nights = _group()
    plain = rank_for_group(scores, None, members, FACTS, k=4, nudge=STRONG)
    assert plain.picks[0].item == 1 and plain.turn is None  # no history: the consensus film
    ranking = rank_for_group(scores, None, members, FACTS, k=4, history=nights, nudge=STRONG)
    # Jess liked all three (1), Milly none (0): a whole chance behind, she weighs 2.
    assert ranking.picks[0].item == 3  # Milly's favourite
    assert ranking.turn == TurnNote("Milly", "Jess", 3)
    # The note sits on the picks Milly likes more than Jess does (3; not 1, liked alike).
    assert {p.item for p in ranking.picks if p.turn is not None} == {3}
    assert ranking.picks[0].turn == ranking.turn
    # The group turned it off: as if there were no history.
    off = rank_for_group(scores, None, members, FACTS, k=4, history=nights, nudge=None)
    assert [p.item for p in off.picks] == [p.item for p in plain.picks] and off.turn is None
    # Listed the other way round: the same.
    swapped = rank_for_group(
        scores[::-1], None, members[::-1], FACTS, k=4, history=nights, nudge=STRONG
    )
    assert [p.item for p in swapped.picks] == [p.item for p in ranking.picks]
    assert swapped.turn == ranking.turn


def test_a_private_members_turn_comes_from_the_model_never_her_stars() -> None:
    # Jess rated the three nights 3★ (not liked: 0). Milly's 2★ would make it even (0 and 0),
    # but she is private: only the model's chance counts for her, and it ranks films 9–11 above
    # every candidate tonight (rank 1, chance 0.88). So it is Jess's turn, and Milly's stars
    # stay unsaid.
    scores, members, nights = _group(milly_private=True, jess_stars=3.0)
    ranking = rank_for_group(scores, None, members, FACTS, k=4, history=nights, nudge=STRONG)
    assert ranking.turn == TurnNote("Jess", "Milly", 3)
    assert ranking.picks[0].item == 0  # Jess's favourite
    # Were her stars read (she is not private), it would be even: nobody's turn.
    _, public, _ = _group(milly_private=False, jess_stars=3.0)
    even = rank_for_group(scores, None, public, FACTS, k=4, history=nights, nudge=STRONG)
    assert even.turn is None and even.picks[0].item == 1


def test_a_past_night_of_a_film_outside_the_catalog_is_refused() -> None:
    scores, members, _ = _group()
    with pytest.raises(ReelmatesError, match="not one of the 12 films"):
        rank_for_group(
            scores, None, members, FACTS, history=[PastNight(12, {"Jess": 3.0})], nudge=STRONG
        )
