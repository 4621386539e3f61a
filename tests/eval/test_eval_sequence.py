"""The sequence measure of ``eval groups``: nights worked by hand, then the protocol end to end."""

from __future__ import annotations

import numpy as np
import pytest
from test_eval_groups import _community

from reelmates.eval.group_draw import GroupKind
from reelmates.eval.groups import GroupCase, evaluate_groups
from reelmates.eval.sequence import (
    Plan,
    SequenceScore,
    cumulative_ndcg,
    evaluate_sequences,
    judge_nights,
    verdict,
    watch_nights,
)
from reelmates.taste.ease import EaseConfig, EaseScorer
from reelmates.taste.splits import stratified_split
from reelmates.together.turns import NudgeParams

# Jess ranks films 0 > 1 > 2 > 3 > 4 > 5; Milly 5 > 3 > 1 > 2 > 4 > 0. With the fair strategy's
# chances p(r) = 1 / (1 + r·e^-2) (p1 .881, p2 .787, p3 .711, p4 .649, p5 .596, p6 .551):
# night 1, film 1 leads (p2 + p3 = 1.498; 0 and 5: p1 + p6 = 1.432; 3: p4 + p2 = 1.436).
# Night 2 without film 1: films 2 (Jess p2, Milly p3) and 3 (p3, p2) tie at 1.498, and the tie
# goes to the lower index: film 2. With the nudge, night 1 is judged as it ranks tonight: film 1
# is Jess's 2nd (p2) and Milly's 3rd (p3), 0.076 apart, past the 0.05 tolerance by 0.026, i.e.
# 0.052 of the full half-chance step: at strength 2 Milly weighs 1.103, and film 3 (p3 + 1.103·p2
# = 1.579) beats film 2 (p2 + 1.103·p3 = 1.572).
CASE = GroupCase(
    members=(11, 22),
    scores=np.array([[6, 5, 4, 3, 2, 1], [1, 4, 3, 5, 2, 6]], dtype=np.float32),
    candidates=np.ones(6, dtype=bool),
    relevant=(frozenset({0, 1}), frozenset({3, 5, 7, 9})),
)
NUDGE = NudgeParams(strength=2.0, decay=0.8)


def test_two_nights_by_hand() -> None:
    assert watch_nights(CASE, Plan.NO_NUDGE, nights=2, nudge=NUDGE) == [1, 2]
    assert watch_nights(CASE, Plan.NUDGE, nights=2, nudge=NUDGE) == [1, 3]
    # Turn-taking: Jess's own top, then Milly's.
    assert watch_nights(CASE, Plan.TURNS, nights=2) == [0, 5]
    # Each night's film is watched: never twice, and the nights stop when the films run out.
    assert sorted(watch_nights(CASE, Plan.NUDGE, nights=10, nudge=NUDGE)) == list(range(6))


def test_cumulative_ndcg_by_hand() -> None:
    # Watched 1, 3, 5 over three nights: Jess has 1 of her 2 relevant films (the best three
    # nights could do is 2), Milly 3 and 5 of her 4 (the best is 3).
    got = cumulative_ndcg([1, 3, 5], CASE.relevant, nights=3)
    assert got.tolist() == pytest.approx([1 / 2, 2 / 3])
    # Turn-taking over two nights: Jess 0 (relevant), Milly 5 (relevant): 1/2 each.
    assert judge_nights(CASE, Plan.TURNS, nights=2) == pytest.approx((0.5, 0.5))
    # No nudge: 1 (Jess's) then 2 (nobody's): Jess 1/2, Milly 0.
    assert judge_nights(CASE, Plan.NO_NUDGE, nights=2) == pytest.approx((0.0, 0.25))


def test_the_verdict_pools_cells_by_groups_and_checks_all_three_parts_of_the_bar() -> None:
    def row(size: int, plan: Plan, groups: int, least: float, mean: float) -> SequenceScore:
        nudge = NUDGE if plan is Plan.NUDGE else None
        return SequenceScore(GroupKind.RANDOM, size, plan, nudge, groups, least, mean)

    rows = [
        row(2, Plan.NO_NUDGE, 100, 0.10, 0.30),
        row(3, Plan.NO_NUDGE, 300, 0.06, 0.20),
        row(2, Plan.TURNS, 100, 0.12, 0.26),
        row(3, Plan.TURNS, 300, 0.08, 0.18),
        row(2, Plan.NUDGE, 100, 0.12, 0.30),
        row(3, Plan.NUDGE, 300, 0.066, 0.19),
        row(8, Plan.NUDGE, 300, 0.0, 0.0),  # not in the pool below
    ]
    v = verdict(rows, (GroupKind.RANDOM,), (2, 3), NUDGE)
    # Pooled: no nudge least (10 + 18) / 400 = 0.07, mean (30 + 60) / 400 = 0.225; nudge
    # least (12 + 19.8) / 400 = 0.0795, mean (30 + 57) / 400 = 0.2175; turns mean 0.2.
    assert v.pooled[Plan.NO_NUDGE] == pytest.approx((0.07, 0.225))
    assert v.lift == pytest.approx(0.0795 / 0.07 - 1)  # +13.6%
    assert v.cost == pytest.approx(1 - 0.2175 / 0.225)  # 3.3%: more than 2%
    assert v.beats_turns and not v.holds


def test_the_protocol_runs_on_the_groups_of_the_strategy_table(rng: np.random.Generator) -> None:
    train, test = stratified_split(_community(rng), seed=1)
    scorer = EaseScorer(EaseConfig(lam=10.0)).fit(train, calibrate=False)
    rows = evaluate_sequences(train, test, scorer, sizes=(2, 3), n_groups=8, seed=3)
    assert len(rows) == 3 * 2 * 3  # kinds × sizes × plans
    table = evaluate_groups(train, test, scorer, sizes=(2, 3), n_groups=8, seed=3)
    judged = {(r.kind, r.size): r.groups for r in table}
    for r in rows:
        assert r.groups == judged[(r.kind, r.size)] > 0  # the very same groups
        assert 0.0 <= r.least <= r.mean <= 1.0
    v = verdict(rows, (GroupKind.RANDOM,), (2, 3))
    assert set(v.pooled) == set(Plan)
