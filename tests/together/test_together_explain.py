"""Reasons as data: the films they cite, varied across a list, never a private member's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from reelmates.together.explain import Explainer
from reelmates.together.inputs import IntArray, ItemFacts, Member
from reelmates.together.reasons import Reason, ReasonKind

N = 10
FACTS = ItemFacts(N, titles=[f"Film {i}" for i in range(N)])
# Loved films 0..3; film 0 is the most alike of all to every pick (5..9).
LIKENESS = {0: 0.9, 1: 0.6, 2: 0.5, 3: 0.4, 4: -0.2}


def by_film(films: IntArray, targets: IntArray) -> NDArray[np.float64]:
    col = np.array([LIKENESS.get(int(f), 0.0) for f in films])
    return np.repeat(col[:, None], len(targets), axis=1)


FAN = Member("a", "Ann", seen=np.arange(5), seen_stars=np.array([5.0, 5.0, 4.5, 4.0, 4.0]))
PICKS = np.arange(5, 10)


def _cited(reasons: list[Reason]) -> list[tuple[int, ...]]:
    return [r.films for r in reasons]


def test_the_lines_of_a_list_cite_different_films() -> None:
    # By hand, decay 0.5: 0 (0.9); then 1 (0.6 > 0.45); 2 (0.5 > 0.45 > 0.3); 0 again (0.45 >
    # 0.4 > 0.3 > 0.25); 3 (0.4 > 0.3 > 0.25 > 0.225). Film 4 is unlike every pick: never cited.
    one = Explainer(by_film, FACTS, n_films=1)
    assert _cited(one.reasons(FAN, PICKS)) == [(0,), (1,), (2,), (0,), (3,)]
    # Citing only the most alike (the old behaviour) gives the same film on every line.
    same = Explainer(by_film, FACTS, n_films=1, reuse_decay=1.0)
    assert _cited(same.reasons(FAN, PICKS)) == [(0,)] * 5
    # Two films a line, most alike first. By hand: {0, 1}; then 2 (0.5) and 0 (0.45); then 3
    # (0.4) and 1 (0.3); then 2 (0.25) and 0 (0.225); then 3 (0.2) and 1 (0.15).
    two = _cited(Explainer(by_film, FACTS).reasons(FAN, PICKS))
    assert two == [(0, 1), (0, 2), (1, 3), (0, 2), (1, 3)]
    assert _cited(Explainer(by_film, FACTS, reuse_decay=1.0).reasons(FAN, PICKS)) == [(0, 1)] * 5


def test_only_films_actually_alike_are_cited() -> None:
    fan = Member("a", "Ann", seen=np.array([0, 4]), seen_stars=np.array([5.0, 5.0]))
    reasons = Explainer(by_film, FACTS).reasons(fan, PICKS)
    assert _cited(reasons) == [(0,)] * 5  # film 4 (negative likeness) never fills the gap
    cold = Member("a", "Ann", seen=np.array([4]), seen_stars=np.array([5.0]))
    assert {r.kind for r in Explainer(by_film, FACTS).reasons(cold, PICKS)} == {ReasonKind.CHANGE}


def test_reasons_carry_titles_and_the_kinds_without_films() -> None:
    (reason,) = Explainer(by_film, FACTS).reasons(FAN, PICKS[:1])
    assert reason == Reason("Ann", ReasonKind.LIKE_LOVED, (0, 1), ("Film 0", "Film 1"))
    (new,) = Explainer(by_film, FACTS).reasons(Member("b", "Bo"), PICKS[:1])
    assert new == Reason("Bo", ReasonKind.NO_RATINGS)
    with pytest.raises(ValueError):
        Reason("Bo", ReasonKind.LIKE_LOVED)
    with pytest.raises(ValueError):
        Explainer(by_film, FACTS, reuse_decay=0.0)


def test_a_private_members_films_are_never_looked_at() -> None:
    asked: list[set[int]] = []

    def recording(films: IntArray, targets: IntArray) -> NDArray[np.float64]:
        asked.append(set(films.tolist()))
        return by_film(films, targets)

    milly = Member("m", "Milly", seen=np.array([3]), seen_stars=np.array([5.0]), private=True)
    ann = Member("a", "Ann", seen=np.array([0]), seen_stars=np.array([5.0]))
    ann_r, milly_r = Explainer(recording, FACTS).reasons_for([ann, milly], PICKS)
    assert all(r == Reason("Milly", ReasonKind.PRIVATE) for r in milly_r)
    assert all(r.films == (0,) for r in ann_r)
    assert asked and all(3 not in films for films in asked)


@settings(deadline=None, max_examples=60)
@given(
    sims=st.lists(st.floats(-1, 1), min_size=N * N, max_size=N * N),
    loved=st.lists(st.integers(0, N - 1), min_size=1, max_size=N, unique=True),
    picks=st.lists(st.integers(0, N - 1), min_size=1, max_size=N, unique=True),
    decay=st.floats(0.05, 1.0),
)
def test_every_cited_film_is_a_loved_film_alike_to_its_pick(
    sims: list[float], loved: list[int], picks: list[int], decay: float
) -> None:
    table = np.array(sims).reshape(N, N)

    def sim(films: IntArray, targets: IntArray) -> NDArray[np.float64]:
        return table[np.ix_(films, targets)]

    member = Member("a", "Ann", seen=np.array(loved), seen_stars=np.full(len(loved), 5.0))
    reasons = Explainer(sim, FACTS, reuse_decay=decay).reasons(member, np.array(picks))
    assert len(reasons) == len(picks)
    for pick, reason in zip(picks, reasons, strict=True):
        assert len(set(reason.films)) == len(reason.films) <= 2
        assert all(f in loved and f != pick and table[f, pick] > 0 for f in reason.films)
        assert reason.titles == tuple(f"Film {f}" for f in reason.films)
        alike = [f for f in loved if f != pick and table[f, pick] > 0]
        assert reason.kind is (ReasonKind.LIKE_LOVED if alike else ReasonKind.CHANGE)
        # The first line, with nothing cited yet, cites the most alike films.
    first = [f for f in loved if f != picks[0] and table[f, picks[0]] > 0]
    best = sorted(first, key=lambda f: (-table[f, picks[0]], f))[:2]
    assert list(reasons[0].films) == best
