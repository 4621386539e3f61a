"""Swipe rooms from the database: stored swipes are the truth; the per-process cache follows."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from sqlalchemy.orm import Session

from reelmates.errors import ConflictError, NotFoundError
from reelmates.services.room_cache import RoomStateCache
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


class _CountingRooms(SwipeRooms):
    """Swipe rooms that count how often they rebuilt a room from all its swipes."""

    rebuilds = 0

    def _rebuild(self, *args: Any, **kwargs: Any) -> Any:
        self.rebuilds += 1
        return super()._rebuild(*args, **kwargs)


def _everything(rooms: SwipeRooms, room: int) -> tuple[object, ...]:
    with unit_of_work(rooms.holder.engine, read_only=True) as s:
        view = rooms.view(s, room)
        cards = [rooms.next_card(s, room, h) for h in ("Jess", "Milly")]
    return view.matches, view.members, view.last_swipe_id, cards


def test_swipes_made_by_another_process_are_caught_up_not_rebuilt(holder: ModelHolder) -> None:
    """Two processes swiping in turn: each brings its cached room up to date with the other's
    swipes (a rebuild replays every swipe the room has: slower with each one), and ends exactly
    where a fresh rebuild from the database does."""
    here, there = _CountingRooms(holder), _CountingRooms(holder)
    room = _room(here)
    coin = random.Random(5)
    for n in range(24):
        rooms, who = (here, "Jess") if n % 2 else (there, "Milly")
        with unit_of_work(holder.engine) as s:
            card = rooms.next_card(s, room, who)
            assert card is not None
            rooms.swipe(s, room, who, card.film_id, coin.random() < 0.8)
    assert (here.rebuilds, there.rebuilds) == (1, 1)  # each built the room once
    fresh = SwipeRooms(holder)
    assert _everything(here, room) == _everything(fresh, room) == _everything(there, room)
    assert len(_everything(fresh, room)[0]) > 0  # matches were made (and replayed)


def test_the_next_transaction_waits_for_the_room_handed_back(holder: ModelHolder) -> None:
    """The next writer may start the moment the last one committed, before that one's thread has
    put the room's state back: it waits for it rather than rebuilding; a rolled-back state is
    never handed on, and nobody waits for it."""
    cache: RoomStateCache[object] = RoomStateCache(handoff_seconds=10.0)
    state = object()
    got: list[object | None] = []
    with Session(holder.engine) as first, first.begin():
        assert cache.take(first, 1) is None
        cache.hold(first, 1, state)
        assert cache.take(first, 1) is state  # the same transaction: the same state

        def second() -> None:
            with Session(holder.engine) as s, s.begin():
                got.append(cache.take(s, 1))

        waiting = threading.Thread(target=second)
        waiting.start()
        time.sleep(0.3)
        assert got == []  # still waiting for the first transaction
    waiting.join(timeout=5)
    assert got == [state]
    # Rolled back: not handed on, and a transaction waiting for it stops waiting at once.
    began = time.monotonic()
    with Session(holder.engine) as s, s.begin():
        cache.hold(s, 1, state)
        waiting = threading.Thread(target=second)
        waiting.start()
        time.sleep(0.3)
        assert got == [state]
        s.rollback()
    waiting.join(timeout=5)
    assert got == [state, None] and time.monotonic() - began < 5
