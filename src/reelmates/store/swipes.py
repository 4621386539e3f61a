"""Queries of swipe sessions (rooms), their members and their swipes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from reelmates.errors import NotFoundError
from reelmates.store.models import Person, Swipe, SwipeSession, SwipeSessionMember


@dataclass(frozen=True, slots=True)
class StoredSwipe:
    id: int
    person_id: int
    film_id: int
    liked: bool


@dataclass(frozen=True, slots=True)
class RoomMember:
    person_id: int
    handle: str
    display_name: str
    joined_after: int  # the room's last swipe id when they joined (0: from the start)


class SwipeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create_room(
        self, created_by: int | None, member_ids: list[int], seed: int, at_least: int | None,
        options: str, join_token: str,
    ) -> int:  # fmt: skip
        room = SwipeSession(
            created_by=created_by, seed=seed, at_least=at_least, options=options,
            join_token=join_token,
        )  # fmt: skip
        self.session.add(room)
        self.session.flush()
        self.session.add_all(
            SwipeSessionMember(session_id=room.id, person_id=p, position=n)
            for n, p in enumerate(member_ids)
        )
        self.session.flush()
        return room.id

    def room(self, room_id: int, *, for_update: bool = False) -> SwipeSession:
        """The room; ``for_update`` locks its row so that one swipe at a time is recorded in it
        (PostgreSQL; SQLite's writers are serialised already)."""
        query = select(SwipeSession).where(SwipeSession.id == room_id)
        if for_update:
            query = query.with_for_update()
        room = self.session.scalar(query)
        if room is None:
            raise NotFoundError(f"no swipe session {room_id}")
        return room

    def by_token(self, join_token: str) -> SwipeSession | None:
        found: SwipeSession | None = self.session.scalar(
            select(SwipeSession).where(SwipeSession.join_token == join_token)
        )
        return found

    def add_member(self, room_id: int, person_id: int, joined_after: int) -> None:
        position = self.session.scalar(
            select(func.count()).where(SwipeSessionMember.session_id == room_id)
        )
        self.session.add(
            SwipeSessionMember(
                session_id=room_id, person_id=person_id, position=int(position or 0),
                joined_after=joined_after,
            )
        )  # fmt: skip
        self.session.flush()

    def is_member(self, room_id: int, person_id: int) -> bool:
        found = self.session.scalar(
            select(SwipeSessionMember.person_id).where(
                SwipeSessionMember.session_id == room_id, SwipeSessionMember.person_id == person_id
            )
        )
        return found is not None

    def members(self, room_id: int) -> list[RoomMember]:
        """The room's members in the order they came."""
        rows = self.session.execute(
            select(Person.id, Person.handle, Person.display_name, SwipeSessionMember.joined_after)
            .join(SwipeSessionMember, SwipeSessionMember.person_id == Person.id)
            .where(SwipeSessionMember.session_id == room_id)
            .order_by(SwipeSessionMember.position, Person.id)
        )
        return [RoomMember(pid, h, name or h, after) for pid, h, name, after in rows]

    def set_accepted(self, room_id: int, pick_id: int) -> None:
        self.session.execute(
            update(SwipeSession).where(SwipeSession.id == room_id).values(accepted_pick_id=pick_id)
        )

    def member_ids(self, room_id: int) -> list[int]:
        rows = self.session.scalars(
            select(SwipeSessionMember.person_id)
            .where(SwipeSessionMember.session_id == room_id)
            .order_by(SwipeSessionMember.position, SwipeSessionMember.person_id)
        )
        return list(rows)

    def last_swipe_id(self, room_id: int) -> int:
        found = self.session.scalar(select(func.max(Swipe.id)).where(Swipe.session_id == room_id))
        return int(found or 0)

    def swipes(self, room_id: int, *, after: int = 0) -> list[StoredSwipe]:
        """The room's swipes in the order they were made (those after swipe ``after``)."""
        rows = self.session.execute(
            select(Swipe.id, Swipe.person_id, Swipe.film_id, Swipe.liked)
            .where(Swipe.session_id == room_id, Swipe.id > after)
            .order_by(Swipe.id)
        )
        return [StoredSwipe(*row) for row in rows]

    def add_swipe(self, room_id: int, person_id: int, film_id: int, liked: bool) -> int:
        swipe = Swipe(session_id=room_id, person_id=person_id, film_id=film_id, liked=liked)
        self.session.add(swipe)
        self.session.flush()
        return swipe.id
