"""Who should I see this with: people ranked for a film, and the best pairing."""

from __future__ import annotations

import numpy as np

from reelmates.together.companions import best_pairings, rank_companions
from reelmates.together.inputs import ItemFacts, Member
from reelmates.together.reasons import Reason, ReasonKind, SeenNote
from reelmates.together.wording import why_text

FACTS = ItemFacts(4, titles=["A", "B", "C", "D"])


def test_people_ranked_by_enjoyment_with_their_own_stars_when_rated() -> None:
    people = [
        Member("1", "Ann"),
        Member("2", "Bob", seen=np.array([0]), seen_stars=np.array([2.0])),
        Member("3", "Cy"),
    ]
    ranked = rank_companions(0, people, np.array([4.5, 5.0, 3.0]))
    assert [c.name for c in ranked] == ["Ann", "Cy", "Bob"]
    assert ranked[2].stars == 2.0 and ranked[2].reason == SeenNote("Bob", 2.0)
    assert why_text(ranked[2].reason) == "Bob has seen it (2★)"
    assert ranked[0].reason == Reason("Ann", ReasonKind.ESTIMATE, stars=4.5)
    assert why_text(ranked[0].reason) == "Ann: about 4.5★ for them"


def test_a_private_persons_rating_never_shows() -> None:
    # Bob rated the film 2★ but is private: his predicted 5★ stands in, and nothing says he saw it.
    bob = Member("2", "Bob", seen=np.array([0]), seen_stars=np.array([2.0]), private=True)
    ranked = rank_companions(0, [Member("1", "Ann"), bob], np.array([4.5, 5.0]))
    assert [(c.name, c.stars) for c in ranked] == [("Bob", 5.0), ("Ann", 4.5)]
    assert not ranked[0].seen
    assert ranked[0].reason == Reason("Bob", ReasonKind.ESTIMATE, stars=5.0)
    assert "seen" not in why_text(ranked[0].reason) and "2" not in why_text(ranked[0].reason)


def test_best_pairing_maximises_the_less_keen_member() -> None:
    me = Member("0", "Me", seen=np.array([3]), seen_stars=np.array([5.0]))
    ann, bob = Member("1", "Ann", vetoed_items=np.array([1])), Member("2", "Bob")
    stars = np.array(
        [
            [4.0, 5.0, 3.0, 5.0],  # me (film 3 seen: never offered)
            [2.0, 5.0, 3.5, 5.0],  # Ann: vetoed film 1, so with her: film 2 (min 3.0)
            [4.0, 3.0, 1.0, 5.0],  # Bob: film 0 (min 4.0) beats film 1 (min 3.0)
        ]
    )
    pairings = best_pairings(me, [ann, bob], stars, FACTS)
    assert [(p.name, p.item) for p in pairings] == [("Bob", 0), ("Ann", 2)]
    assert (pairings[0].your_stars, pairings[0].their_stars) == (4.0, 4.0)
