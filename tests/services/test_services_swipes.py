"""Swipe rooms from the database: stored swipes are the truth; the per-process cache follows."""

from __future__ import annotations

import pytest

from reelmates.errors import ConflictError, NotFoundError
from reelmates.services.swipes import SwipeRooms
from reelmates.services.taste import ModelHolder
from reelmates.services.uow import unit_of_work
from reelmates.store.swipes import SwipeRepository


def _room(rooms: SwipeRooms) -> int:
    with unit_of_work(rooms.holder.engine) as s:
        return rooms.start(s, ["Jess", "Milly"], seed=3)


def test_both_liking_a_card_makes_a_match_seen_by_a_second_process(holder: ModelHolder) -> None:
    rooms = SwipeRooms(holder)
    room = _room(rooms)
    with unit_of_work(holder.engine) as s:
        card = rooms.next_card(s, room, "Jess")
    assert card is not None
    with unit_of_work(holder.engine) as s:
        first = rooms.swipe(s, room, "Jess", card.film_id, True)
    assert not first.matched and first.matches == ()
    with unit_of_work(holder.engine) as s:
        second = rooms.swipe(s, room, "Milly", card.film_id, True)
    assert second.matched and second.matches == (card.film_id,)
    # Another process (or this one after a restart) rebuilds the same state from the database.
    other = SwipeRooms(holder)
    with unit_of_work(holder.engine, read_only=True) as s:
        assert other.matches(s, room) == (card.film_id,)
        again = other.next_card(s, room, "Jess")
    with unit_of_work(holder.engine, read_only=True) as s:
        assert again == rooms.next_card(s, room, "Jess")
    with unit_of_work(holder.engine, read_only=True) as s:
        assert len(SwipeRepository(s).swipes(room)) == 2


def test_a_swipe_in_another_process_is_seen_here(holder: ModelHolder) -> None:
    here, there = SwipeRooms(holder), SwipeRooms(holder)
    room = _room(here)
    with unit_of_work(holder.engine) as s:
        card = here.next_card(s, room, "Jess")
    assert card is not None
    with unit_of_work(holder.engine) as s:
        there.swipe(s, room, "Jess", card.film_id, False)
    # ``here`` cached the room before that swipe; its key (the last swipe id) is now stale.
    with unit_of_work(holder.engine) as s:
        nxt = here.next_card(s, room, "Jess")
    assert nxt is not None and nxt.film_id != card.film_id
    with unit_of_work(holder.engine) as s, pytest.raises(ConflictError, match="already swiped"):
        here.swipe(s, room, "Jess", card.film_id, True)


def test_a_rolled_back_swipe_leaves_no_trace(holder: ModelHolder) -> None:
    here, there = SwipeRooms(holder), SwipeRooms(holder)
    room = _room(here)
    with unit_of_work(holder.engine) as s:
        card = here.next_card(s, room, "Milly")
    assert card is not None
    with pytest.raises(RuntimeError), unit_of_work(holder.engine) as s:
        here.swipe(s, room, "Milly", card.film_id, True)
        raise RuntimeError("the request failed after the swipe")
    # Another process records a swipe; on SQLite it may even reuse the rolled-back row's id, so a
    # cache that kept the rolled-back state would now look current.
    with unit_of_work(holder.engine) as s:
        jess_card = there.next_card(s, room, "Jess")
        assert jess_card is not None
        there.swipe(s, room, "Jess", jess_card.film_id, False)
    with unit_of_work(holder.engine) as s:
        stored = SwipeRepository(s).swipes(room)
        assert [(w.film_id, w.liked) for w in stored] == [(jess_card.film_id, False)]
        again = here.swipe(s, room, "Milly", card.film_id, True)  # not "already swiped"
        nxt = here.next_card(s, room, "Jess")
    assert not again.matched
    assert nxt is not None and nxt.film_id != jess_card.film_id  # Jess's pass is known here


def test_strangers_and_unknown_rooms_are_clear_errors(holder: ModelHolder) -> None:
    rooms = SwipeRooms(holder)
    room = _room(rooms)
    with unit_of_work(holder.engine) as s, pytest.raises(NotFoundError, match="no swipe session"):
        rooms.next_card(s, room + 1000, "Jess")
    with unit_of_work(holder.engine) as s, pytest.raises(NotFoundError, match="Nobody"):
        rooms.next_card(s, room, "Nobody")
