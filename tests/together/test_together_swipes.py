"""Swipe sessions: the match rule, no repeated cards, adaptation per member, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmates.errors import ConflictError
from reelmates.together.swipes import CardReason, FixedTaste, MatchRule, SwipeSession, match_chance
from reelmates.together.wording import card_text

N = 30


def _session(m: int, rule: MatchRule | None = None, seed: int = 0) -> SwipeSession:
    rng = np.random.default_rng(seed)
    tastes = [FixedTaste(rng.normal(size=N), activity=20.0) for _ in range(m)]
    ids = tuple(f"p{u}" for u in range(m))
    return SwipeSession(ids, tastes, np.ones(N, dtype=bool), rule, seed=seed)


def test_default_rule_and_match_chance_by_hand() -> None:
    assert MatchRule.default(2).needed(2) == 2 and MatchRule.default(3).needed(3) == 3
    assert MatchRule.default(4).needed(4) == 3 and MatchRule.default(8).needed(8) == 6
    q = np.array([[0.5], [0.5], [0.5]])
    assert match_chance(q, 3)[0] == pytest.approx(0.125)
    assert match_chance(q, 2)[0] == pytest.approx(0.5)  # 3·(1/8) + 1/8


@settings(deadline=None, max_examples=40)
@given(
    st.integers(2, 4),
    st.integers(1, 4),
    st.lists(st.lists(st.booleans(), min_size=4, max_size=4), min_size=N, max_size=N),
)
def test_match_is_declared_exactly_by_the_rule_and_cards_never_repeat(
    m: int, at_least: int, votes: list[list[bool]]
) -> None:
    rule = MatchRule(min(at_least, m))
    session = _session(m, rule)
    shown: list[int] = []
    while (card := session.next_card()) is not None:
        assert card.item not in shown
        shown.append(card.item)
        likes = votes[card.item][:m]
        results = [session.record(f"p{u}", card.item, likes[u]) for u in range(m)]
        # It becomes a match on exactly the swipe that reaches the rule, never before or after.
        running = np.cumsum(likes)
        expected = [bool(running[u] == rule.needed(m) and likes[u]) for u in range(m)]
        assert results == expected
    assert sorted(shown) == list(range(N))
    assert session.matches == [i for i in shown if sum(votes[i][:m]) >= rule.needed(m)]


def test_a_like_is_counted_and_the_card_goes_to_the_others_first() -> None:
    session = _session(2)
    card = session.next_card("p0")
    assert card is not None
    session.record("p0", card.item, True)
    nxt = session.next_card("p1")
    assert nxt is not None and nxt.item == card.item  # p1 sees the half-matched card first
    why = card_text(nxt.reason)
    assert "p0" not in why and "%" not in why  # never another member's swipe or chance
    assert session.next_card("p0") is not None and session.next_card("p0").item != card.item  # type: ignore[union-attr]
    with pytest.raises(ConflictError):
        session.record("p0", card.item, False)
    assert session.record("p1", card.item, True) is True
    assert session.matches == [card.item]


def test_deterministic_given_the_seed() -> None:
    def deal(seed: int) -> list[int]:
        # Mirrored tastes: films i and N-1-i have the same chance of a match.
        up = np.linspace(0, 1, N)
        s = SwipeSession(
            ("a", "b"), [FixedTaste(up), FixedTaste(up[::-1].copy())],
            np.ones(N, dtype=bool), seed=seed,
        )  # fmt: skip
        out = []
        while (card := s.next_card()) is not None:
            out.append(card.item)
            s.record("a", card.item, False)
            s.record("b", card.item, False)
        return out

    assert deal(3) == deal(3)
    assert deal(3) != deal(4)  # the seeded shuffle breaks the ties


class _Learner:
    """Scores rise for films with the same parity as anything this member liked."""

    activity = 20.0

    def __init__(self, base: np.ndarray) -> None:
        self.base = base

    def scores(self, liked: np.ndarray, passed: np.ndarray) -> np.ndarray:
        out = self.base.copy()
        for i in liked.tolist():
            out[np.arange(N) % 2 == i % 2] += 10.0
        return out

    def stars(self, liked: np.ndarray, passed: np.ndarray) -> None:
        return None


def test_a_like_updates_only_that_member() -> None:
    base = np.linspace(1, 0, N)
    session = SwipeSession(("a", "b"), [_Learner(base), _Learner(base)], np.ones(N, dtype=bool))
    card = session.next_card()
    assert card is not None and card.item == 0
    session.record("a", 1, True)  # a likes an odd film
    session.record("b", 1, False)
    chances = session._chances  # the per-member like-chances after the swipes
    assert chances[0, 3] > chances[0, 2]  # a now prefers odd films
    assert chances[1, 3] < chances[1, 2]  # b is unchanged


def test_the_rule_and_why_a_card_came_next_are_spelt_out() -> None:
    assert MatchRule.default(2).describe(2) == "everyone likes it"
    assert MatchRule.default(4).describe(4) == "at least 3 of 4 like it"
    assert MatchRule(2).describe(3) == "at least 2 of 3 like it"
    up = np.linspace(0.0, 1.0, N)
    session = SwipeSession(
        ("a", "b"), [FixedTaste(up, 20.0), FixedTaste(up, 20.0)], np.ones(N, dtype=bool),
        names=("Ann", "Bob"),
    )  # fmt: skip
    card = session.next_card()
    assert card is not None and card.item == N - 1  # the film both like best
    assert card.reason is CardReason.LIKELIEST
    why = card_text(card.reason)
    assert why == "One of the likeliest matches for your group"
    assert "Ann" not in why and "Bob" not in why and "%" not in why


@settings(deadline=None, max_examples=30)
@given(st.lists(st.booleans(), min_size=N, max_size=N), st.integers(0, 2**16))
def test_only_candidates_are_ever_dealt(allowed: list[bool], seed: int) -> None:
    # Films outside the deck (vetoed, filtered, seen by everyone) never come up.
    rng = np.random.default_rng(seed)
    deck = np.array(allowed)
    tastes = [FixedTaste(rng.normal(size=N), activity=20.0) for _ in range(3)]
    session = SwipeSession(("a", "b", "c"), tastes, deck, seed=seed)
    dealt = []
    while (card := session.next_card()) is not None:
        dealt.append(card.item)
        for who in ("a", "b", "c"):
            session.record(who, card.item, bool(rng.random() < 0.5))
    assert sorted(dealt) == np.flatnonzero(deck).tolist()


def test_a_late_joiner_keeps_earlier_matches_and_counts_from_then_on() -> None:
    session = _session(2)
    first = session.next_card("p0")
    assert first is not None
    assert not session.record("p0", first.item, True)
    assert session.record("p1", first.item, True)  # everyone (both) liked it: a match
    second = next(i for i in range(N) if i != first.item)
    session.record("p0", second, True)
    rng = np.random.default_rng(99)
    session.add_member("p2", FixedTaste(rng.normal(size=N), activity=20.0))
    assert session.matches == [first.item]  # made before p2 came: still a match
    assert session.rule is not None and session.rule.describe(3) == "everyone likes it"
    # From now on "everyone" is three people: p1's like of the second card is not enough.
    assert not session.record("p1", second, True)
    assert session.record("p2", second, True)
    assert session.matches == [first.item, second]
    assert (session.swiped_by("p0"), session.swiped_by("p1"), session.swiped_by("p2")) == (2, 2, 1)
    with pytest.raises(ConflictError, match="already"):
        session.add_member("p2", FixedTaste(np.zeros(N)))
    # The newcomer is dealt neither match again, and never a card twice.
    dealt = []
    while (card := session.next_card("p2")) is not None:
        assert card.item not in session.matches and card.item not in dealt
        dealt.append(card.item)
        session.record("p2", card.item, False)
    assert len(dealt) == N - 2
