"""Swipe rooms as the web app uses them, on both databases: join links (members and guests), who
may see a room, how far everyone has got, late joiners, the deck's filters and saved vetoes,
and accepting a match as the group's pick.

Known answers: in the starter catalog, Braveheart (Action|Drama|War), GoldenEye and Heat are the
only Action films of 1995, so the filter Action + 1995 leaves those three; a member who vetoes
War leaves GoldenEye and Heat.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from reelmates.errors import ConflictError, NotFoundError, PermissionDeniedError, ReelmatesError
from reelmates.services import guests, people
from reelmates.services.swipes import (
    SWIPE_STRATEGY,
    JoinLinkGoneError,
    RoomNotFoundError,
    SwipeRooms,
    join_token,
    preview_link,
    require_member,
)
from reelmates.services.taste import ModelHolder
from reelmates.services.uow import unit_of_work
from reelmates.store.group_picks import GroupPickRepository
from reelmates.store.people import PersonRepository
from reelmates.together.inputs import Filters, SeenPolicy

NOW = datetime(2026, 12, 14, 20, 0, tzinfo=UTC)
ACTION_1995 = Filters(genres_in=frozenset({"Action"}), year_min=1995, year_max=1995)
_n = itertools.count()


def _member(holder: ModelHolder, name: str) -> str:
    handle = f"{name}{next(_n)}"
    with unit_of_work(holder.engine) as s:
        people.add_member(s, handle, name)
    return handle


def _pid(holder: ModelHolder, handle: str) -> int:
    with unit_of_work(holder.engine, read_only=True) as s:
        return PersonRepository(s).require(handle).id


def _start(rooms: SwipeRooms, *handles: str, **kwargs: object) -> tuple[int, str]:
    with unit_of_work(rooms.holder.engine) as s:
        room = rooms.start(s, list(handles), seed=5, **kwargs)  # type: ignore[arg-type]
        return room, join_token(s, room)


def _swipe(rooms: SwipeRooms, room: int, handle: str, liked: bool) -> int:
    """``handle`` swipes the card they are dealt; returns its film id."""
    with unit_of_work(rooms.holder.engine) as s:
        card = rooms.next_card(s, room, handle)
        assert card is not None
        rooms.swipe(s, room, handle, card.film_id, liked)
    return card.film_id


def test_a_link_lets_people_in_once_each_and_everyone_sees_the_same_progress(
    holder: ModelHolder,
) -> None:
    rooms = SwipeRooms(holder)
    ann, bob, cat = (_member(holder, n) for n in ("Ann", "Bob", "Cat"))
    room, token = _start(rooms, ann, bob)
    assert len(token) == 32
    with unit_of_work(holder.engine) as s:
        assert preview_link(s, token).started_by == "Ann"
        assert rooms.join(s, token, cat) == room
        assert rooms.join(s, token, cat) == room  # twice: still one membership
        assert rooms.join(s, token, ann) == room  # a member already
    _swipe(rooms, room, ann, False)
    _swipe(rooms, room, ann, False)
    _swipe(rooms, room, cat, False)
    with unit_of_work(holder.engine, read_only=True) as s:
        view, card = rooms.look(s, room, bob)
    progress = [(m.display_name, m.swiped) for m in view.members]
    assert progress == [("Ann", 2), ("Bob", 0), ("Cat", 1)]
    assert view.rule == "everyone likes it" and view.matches == () and card is not None
    assert view.last_swipe_id > 0
    with unit_of_work(holder.engine) as s, pytest.raises(JoinLinkGoneError):
        rooms.join(s, token + "x", cat)


def test_only_members_may_see_a_room_and_strangers_learn_nothing(holder: ModelHolder) -> None:
    rooms = SwipeRooms(holder)
    ann, bob, eve = (_member(holder, n) for n in ("Ann", "Bob", "Eve"))
    room, _ = _start(rooms, ann, bob)
    with unit_of_work(holder.engine, read_only=True) as s:
        require_member(s, room, _pid(holder, bob))
        with pytest.raises(RoomNotFoundError) as stranger:
            require_member(s, room, _pid(holder, eve))
        with pytest.raises(RoomNotFoundError) as nowhere:
            require_member(s, room + 10_000, _pid(holder, eve))
    assert stranger.value.status_code == 404
    assert str(stranger.value) == str(nowhere.value).replace(str(room + 10_000), str(room))


def test_a_room_holds_eight_people(holder: ModelHolder) -> None:
    rooms = SwipeRooms(holder)
    handles = [_member(holder, f"P{n}") for n in range(9)]
    _, token = _start(rooms, *handles[:2])
    with unit_of_work(holder.engine) as s:
        for h in handles[2:8]:
            rooms.join(s, token, h)
    with unit_of_work(holder.engine) as s, pytest.raises(ConflictError, match="full: 8"):
        rooms.join(s, token, handles[8])


def test_a_late_joiner_keeps_the_match_made_before_and_a_restart_agrees(
    holder: ModelHolder,
) -> None:
    rooms = SwipeRooms(holder)
    ann, bob, cat = (_member(holder, n) for n in ("Ann", "Bob", "Cat"))
    room, token = _start(rooms, ann, bob, seen_policy=SeenPolicy.SHOW_ALL)
    film = _swipe(rooms, room, ann, True)
    with unit_of_work(holder.engine) as s:
        done = rooms.swipe(s, room, bob, film, True)
    assert done.matched and done.view is not None
    assert [(m.film_id, m.liked_by) for m in done.view.matches] == [(film, ("Ann", "Bob"))]
    with unit_of_work(holder.engine) as s:
        rooms.join(s, token, cat)
    # Everyone is three people now: Ann's and Bob's likes of a new card are not enough.
    second = _swipe(rooms, room, ann, True)
    with unit_of_work(holder.engine) as s:
        assert not rooms.swipe(s, room, bob, second, True).matched
    for here in (rooms, SwipeRooms(holder)):  # this process, and one that rebuilds from the rows
        with unit_of_work(holder.engine, read_only=True) as s:
            view = here.view(s, room)
            cats = here.next_card(s, room, cat)
        assert [m.film_id for m in view.matches] == [film]
        assert view.matches[0].swipe_id == done.view.last_swipe_id
        assert [m.swiped for m in view.members] == [2, 2, 0]
        assert cats is not None and cats.film_id != film
    with unit_of_work(holder.engine) as s:
        assert rooms.swipe(s, room, cat, second, True).matched


def test_filters_and_every_members_saved_vetoes_make_the_deck(holder: ModelHolder) -> None:
    rooms = SwipeRooms(holder)
    ann, vera = _member(holder, "Ann"), _member(holder, "Vera")
    with unit_of_work(holder.engine) as s:
        people.veto_genre(s, vera, "War")
    room, _ = _start(rooms, ann, vera, filters=ACTION_1995, seen_policy=SeenPolicy.SHOW_ALL)
    dealt = []
    while True:
        with unit_of_work(holder.engine) as s:
            view, card = rooms.look(s, room, ann)
            if card is None:
                break
            assert "Action" in card.genres and card.year == 1995 and card.runtime
            rooms.swipe(s, room, ann, card.film_id, False)
        dealt.append(card.title)
    assert sorted(dealt) == ["GoldenEye", "Heat"] and view.deck_size == 2


def test_accepting_a_match_records_the_groups_pick_once(holder: ModelHolder) -> None:
    rooms = SwipeRooms(holder)
    ann, bob = _member(holder, "Ann"), _member(holder, "Bob")
    room, _ = _start(rooms, ann, bob)
    passed = _swipe(rooms, room, ann, False)
    with unit_of_work(holder.engine) as s, pytest.raises(ConflictError, match="not a match"):
        rooms.accept(s, room, bob, passed, NOW)
    film = _swipe(rooms, room, ann, True)
    with unit_of_work(holder.engine) as s:
        assert rooms.swipe(s, room, bob, film, True).matched
        pick = rooms.accept(s, room, bob, film, NOW)
    assert pick.film_id == film and pick.strategy == SWIPE_STRATEGY
    assert pick.chooser is not None and pick.chooser.handle == bob
    assert [m.handle for m in pick.members] == [bob, ann]
    with unit_of_work(holder.engine, read_only=True) as s:
        recent = GroupPickRepository(s).recent_for(_pid(holder, ann), 5)
        assert [p.id for p in recent] == [pick.id]
        view = rooms.view(s, room)
    assert view.accepted is not None and view.accepted.id == pick.id
    with unit_of_work(holder.engine) as s, pytest.raises(ConflictError, match="chosen already"):
        rooms.accept(s, room, ann, film, NOW)


def test_a_guest_joins_by_the_rooms_link_with_a_display_name(holder: ModelHolder) -> None:
    rooms = SwipeRooms(holder)
    ann, bob = _member(holder, "Ann"), _member(holder, "Bob")
    room, token = _start(rooms, ann, bob)
    with unit_of_work(holder.engine) as s:
        with pytest.raises(ReelmatesError, match="display name"):
            guests.join_room_as_guest(
                s, rooms, token=token, display_name="  ", policy="invite-only", now=NOW
            )
        with pytest.raises(PermissionDeniedError, match="closed"):
            guests.join_room_as_guest(
                s, rooms, token=token, display_name="Sam", policy="closed", now=NOW
            )
        with pytest.raises(NotFoundError, match="link does not work"):
            guests.join_room_as_guest(
                s, rooms, token="nope", display_name="Sam", policy="open", now=NOW
            )
        sam, joined = guests.join_room_as_guest(
            s, rooms, token=token, display_name=" Sam ", policy="invite-only", now=NOW
        )
    assert joined == room and sam.role == "guest" and sam.display_name == "Sam"
    with unit_of_work(holder.engine, read_only=True) as s:
        view = rooms.view(s, room)
        require_member(s, room, sam.person_id)
    assert [m.display_name for m in view.members] == ["Ann", "Bob", "Sam"]
