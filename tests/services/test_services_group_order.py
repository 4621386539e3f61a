"""Group picks from the database: own ratings shown as such, unseen first, an order that agrees."""

from __future__ import annotations

import math

from reelmates.services.taste import ModelHolder
from reelmates.services.together import GroupOptions, pick_together
from reelmates.services.uow import unit_of_work
from reelmates.store.people import PersonRepository
from reelmates.store.ratings import RatingRepository
from reelmates.together.inputs import SeenPolicy
from reelmates.together.strategies import Strategy
from serving import read


def _ratings(holder: ModelHolder, handle: str) -> dict[int, float]:
    with unit_of_work(holder.engine, read_only=True) as session:
        person = PersonRepository(session).require(handle)
        return dict(RatingRepository(session).for_person(person.id))


def test_a_members_own_rating_is_shown_as_theirs_and_never_a_private_ones(
    holder: ModelHolder,
) -> None:
    jess, milly = _ratings(holder, "Jess"), _ratings(holder, "Milly")
    options = GroupOptions(k=40, seen_policy=SeenPolicy.SHOW_ALL)
    pick = read(pick_together, holder, ["Jess", "Milly"], options)
    rated_shown = 0
    for film, p in zip(pick.film_ids, pick.ranking.picks, strict=True):
        for u, own in enumerate((jess, milly)):
            assert p.rated[u] == (film in own)
            if film in own:
                assert p.stars[u] == own[film]
                rated_shown += 1
    assert rated_shown
    private = read(
        pick_together,
        holder,
        ["Jess", "Milly"],
        GroupOptions(k=40, seen_policy=SeenPolicy.SHOW_ALL, private=frozenset({"Milly"})),
    )
    for film, p in zip(private.film_ids, private.ranking.picks, strict=True):
        assert film not in milly and not p.rated[1]  # her films never show, nor her stars
        assert p.rated[0] == (film in jess)


def test_by_default_a_seen_film_is_only_a_loved_rewatch(holder: ModelHolder) -> None:
    jess, milly = _ratings(holder, "Jess"), _ratings(holder, "Milly")
    pick = read(pick_together, holder, ["Jess", "Milly"], GroupOptions(k=10))
    shown_all = read(
        pick_together,
        holder,
        ["Jess", "Milly"],
        GroupOptions(k=10, seen_policy=SeenPolicy.UNLESS_ALL),
    )
    seen = [f for f in pick.film_ids if f in jess or f in milly]
    for f in seen:
        assert all(own[f] >= 4.5 for own in (jess, milly) if f in own)
    old = [f for f in shown_all.film_ids if f in jess or f in milly]
    assert len(seen) <= len(old)
    assert len(seen) <= 2


def test_the_order_follows_the_fit_and_a_shorter_list_starts_the_longer(
    holder: ModelHolder,
) -> None:
    for strategy in Strategy:
        five = read(pick_together, holder, ["Jess", "Milly"], GroupOptions(k=5, strategy=strategy))
        three = read(pick_together, holder, ["Jess", "Milly"], GroupOptions(k=3, strategy=strategy))
        assert three.film_ids == five.film_ids[:3], strategy
        fits = [p.fit for p in five.ranking.picks]
        assert all(not math.isnan(f) and 0 <= f <= 1 for f in fits)
        assert fits == sorted(fits, reverse=True), strategy
        for p in five.ranking.picks:
            assert len(p.chances) == 2 and all(0 < c < 1 for c in p.chances)
        if strategy is Strategy.LEAST_MISERY:
            assert all(math.isclose(p.fit, min(p.chances)) for p in five.ranking.picks)
