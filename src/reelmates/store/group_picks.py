"""Group picks: the film a group chose to watch together, who was there, the strategy, the time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reelmates.store.accounts import _utc
from reelmates.store.friends import FriendSummary
from reelmates.store.models import Film, GroupPick, GroupPickMember, Person


@dataclass(frozen=True, slots=True)
class GroupPickSummary:
    id: int
    film_id: int
    title: str
    year: int | None
    chooser: FriendSummary | None  # None: their account has been deleted since
    members: tuple[FriendSummary, ...]  # who was there, in the group's order
    strategy: str
    created_at: datetime  # UTC


def _person(person: Person) -> FriendSummary:
    return FriendSummary(person.id, person.handle, person.display_name or person.handle)


class GroupPickRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        chooser_id: int,
        film_id: int,
        strategy: str,
        member_ids: Sequence[int],
        now: datetime,
    ) -> int:
        """A new pick; ``member_ids`` are everyone there, in order (the chooser among them)."""
        row = GroupPick(chooser_id=chooser_id, film_id=film_id, strategy=strategy, created_at=now)
        self.session.add(row)
        self.session.flush()
        self.session.add_all(
            GroupPickMember(pick_id=row.id, person_id=p, position=n)
            for n, p in enumerate(member_ids)
        )
        self.session.flush()
        return row.id

    def get(self, pick_id: int) -> GroupPickSummary | None:
        found = self._summaries([pick_id])
        return found[0] if found else None

    def recent_for(self, person_id: int, limit: int) -> list[GroupPickSummary]:
        """The newest ``limit`` picks ``person_id`` was there for, newest first."""
        ids = list(
            self.session.scalars(
                select(GroupPick.id)
                .join(GroupPickMember, GroupPickMember.pick_id == GroupPick.id)
                .where(GroupPickMember.person_id == person_id)
                .order_by(GroupPick.created_at.desc(), GroupPick.id.desc())
                .limit(limit)
            )
        )
        return self._summaries(ids)

    def _summaries(self, ids: list[int]) -> list[GroupPickSummary]:
        """The picks ``ids``, in that order (ids with no pick are left out)."""
        if not ids:
            return []
        picks = {
            pick.id: (pick, film)
            for pick, film in self.session.execute(
                select(GroupPick, Film)
                .join(Film, Film.id == GroupPick.film_id)
                .where(GroupPick.id.in_(ids))
            ).tuples()
        }
        members: dict[int, list[FriendSummary]] = {}
        people: dict[int, FriendSummary] = {}
        for pick_id, person in self.session.execute(
            select(GroupPickMember.pick_id, Person)
            .join(Person, Person.id == GroupPickMember.person_id)
            .where(GroupPickMember.pick_id.in_(ids))
            .order_by(GroupPickMember.pick_id, GroupPickMember.position)
        ).tuples():
            summary = people.setdefault(person.id, _person(person))
            members.setdefault(pick_id, []).append(summary)
        found = []
        for pick_id in ids:
            if pick_id not in picks:
                continue
            pick, film = picks[pick_id]
            there = tuple(members.get(pick_id, []))
            chooser = next((m for m in there if m.person_id == pick.chooser_id), None)
            created = _utc(pick.created_at)
            assert created is not None
            found.append(
                GroupPickSummary(
                    id=pick.id,
                    film_id=film.id,
                    title=film.title,
                    year=film.year,
                    chooser=chooser,
                    members=there,
                    strategy=pick.strategy,
                    created_at=created,
                )
            )
        return found
