"""Film nights: the night with its film, members, proposed times and votes, loaded in a few
queries; members' calendar settings and their feeds' token hashes.

Times are written UTC and handed back aware (SQLite returns them naive: see ``_utc``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, false, select, update
from sqlalchemy.orm import Session

from reelmates.store.accounts import _utc
from reelmates.store.friends import FriendSummary
from reelmates.store.models import (
    Account,
    CalendarFeed,
    Film,
    MemberCalendar,
    Night,
    NightMember,
    NightTime,
    NightVote,
    Person,
    Rating,
)


@dataclass(frozen=True, slots=True)
class NightMemberRow:
    person: FriendSummary
    private: bool  # their taste is private (privacy.py): others never see their stars
    rsvp: str | None
    rating_skipped: bool  # they said they did not watch it


@dataclass(frozen=True, slots=True)
class NightRecord:
    id: int
    uid: str
    film_id: int
    title: str
    year: int | None
    runtime_minutes: int | None
    pick_id: int | None
    organiser_id: int | None
    chooser_id: int | None
    place_kind: str
    place: str
    time_zone: str
    status: str
    starts_at: datetime | None  # UTC, once fixed
    sequence: int
    created_at: datetime
    updated_at: datetime
    members: tuple[NightMemberRow, ...]  # in the group's order
    times: tuple[tuple[int, datetime], ...]  # (time id, UTC), earliest first
    votes: Mapping[tuple[int, int], str]  # (time id, person id) -> answer


@dataclass(frozen=True, slots=True)
class CalendarPrefs:
    time_zone: str | None = None
    email: str | None = None
    email_in_calendar: bool = False


def _aware(moment: datetime) -> datetime:
    found = _utc(moment)
    assert found is not None
    return found


class NightRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        *,
        uid: str,
        film_id: int,
        pick_id: int | None,
        organiser_id: int,
        chooser_id: int | None,
        place_kind: str,
        place: str,
        time_zone: str,
        member_ids: Sequence[int],
        times: Sequence[datetime],
        now: datetime,
    ) -> int:
        row = Night(
            uid=uid,
            film_id=film_id,
            pick_id=pick_id,
            organiser_id=organiser_id,
            chooser_id=chooser_id,
            place_kind=place_kind,
            place=place,
            time_zone=time_zone,
            status="planning",
            starts_at=None,
            sequence=0,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        self.session.add_all(
            NightMember(night_id=row.id, person_id=p, position=n, rating_skipped=False)
            for n, p in enumerate(member_ids)
        )
        self.session.add_all(NightTime(night_id=row.id, starts_at=t) for t in times)
        self.session.flush()
        return row.id

    def get(self, night_id: int) -> NightRecord | None:
        found = self.many([night_id])
        return found[0] if found else None

    def is_member(self, night_id: int, person_id: int) -> bool:
        return (
            self.session.scalar(
                select(NightMember.person_id).where(
                    NightMember.night_id == night_id, NightMember.person_id == person_id
                )
            )
            is not None
        )

    def ids_of(self, person_id: int, limit: int, *, fixed_only: bool = False) -> list[int]:
        """The newest ``limit`` nights ``person_id`` is in (by their time, else when made);
        ``fixed_only``: only those that have had a time fixed (a feed's)."""
        query = (
            select(Night.id)
            .join(NightMember, NightMember.night_id == Night.id)
            .where(NightMember.person_id == person_id)
            .order_by(Night.created_at.desc(), Night.id.desc())
            .limit(limit)
        )
        if fixed_only:
            query = query.where(Night.starts_at.is_not(None))
        return list(self.session.scalars(query))

    def many(self, ids: Sequence[int]) -> list[NightRecord]:
        """The nights ``ids``, in that order (ids with no night are left out)."""
        if not ids:
            return []
        nights = {
            night.id: (night, film)
            for night, film in self.session.execute(
                select(Night, Film).join(Film, Film.id == Night.film_id).where(Night.id.in_(ids))
            ).tuples()
        }
        members: dict[int, list[NightMemberRow]] = {}
        for member, person in self.session.execute(
            select(NightMember, Person)
            .join(Person, Person.id == NightMember.person_id)
            .where(NightMember.night_id.in_(ids))
            .order_by(NightMember.night_id, NightMember.position)
        ).tuples():
            members.setdefault(member.night_id, []).append(
                NightMemberRow(
                    person=FriendSummary(
                        person.id, person.handle, person.display_name or person.handle
                    ),
                    private=bool(person.private),
                    rsvp=member.rsvp,
                    rating_skipped=bool(member.rating_skipped),
                )
            )
        times: dict[int, list[tuple[int, datetime]]] = {}
        for time in self.session.scalars(
            select(NightTime)
            .where(NightTime.night_id.in_(ids))
            .order_by(NightTime.starts_at, NightTime.id)
        ):
            times.setdefault(time.night_id, []).append((time.id, _aware(time.starts_at)))
        votes: dict[int, dict[tuple[int, int], str]] = {}
        for night_id, time_id, person_id, answer in self.session.execute(
            select(NightTime.night_id, NightVote.time_id, NightVote.person_id, NightVote.answer)
            .join(NightTime, NightTime.id == NightVote.time_id)
            .where(NightTime.night_id.in_(ids))
        ).tuples():
            votes.setdefault(night_id, {})[(time_id, person_id)] = answer
        found = []
        for night_id in ids:
            if night_id not in nights:
                continue
            night, film = nights[night_id]
            found.append(
                NightRecord(
                    id=night.id,
                    uid=night.uid,
                    film_id=film.id,
                    title=film.title,
                    year=film.year,
                    runtime_minutes=film.runtime_minutes,
                    pick_id=night.pick_id,
                    organiser_id=night.organiser_id,
                    chooser_id=night.chooser_id,
                    place_kind=night.place_kind,
                    place=night.place,
                    time_zone=night.time_zone,
                    status=night.status,
                    starts_at=_utc(night.starts_at),
                    sequence=night.sequence,
                    created_at=_aware(night.created_at),
                    updated_at=_aware(night.updated_at),
                    members=tuple(members.get(night_id, [])),
                    times=tuple(times.get(night_id, [])),
                    votes=votes.get(night_id, {}),
                )
            )
        return found

    def change(self, night_id: int, now: datetime, *, bump: bool, **values: Any) -> None:
        """Set ``values`` on the night (and ``updated_at``); ``bump``: raise its sequence."""
        changes: dict[str, Any] = {**values, "updated_at": now}
        if bump:
            changes["sequence"] = Night.sequence + 1
        self.session.execute(update(Night).where(Night.id == night_id).values(changes))

    def set_votes(self, person_id: int, answers: Mapping[int, str]) -> None:
        """The member's answers, one per time id (each replaces any answer they gave it)."""
        if not answers:
            return
        self.session.execute(
            delete(NightVote).where(
                NightVote.person_id == person_id, NightVote.time_id.in_(list(answers))
            )
        )
        self.session.add_all(
            NightVote(time_id=t, person_id=person_id, answer=a) for t, a in answers.items()
        )
        self.session.flush()

    def set_rsvp(self, night_id: int, person_id: int, rsvp: str | None, now: datetime) -> None:
        self.session.execute(
            update(NightMember)
            .where(NightMember.night_id == night_id, NightMember.person_id == person_id)
            .values(rsvp=rsvp, rsvp_at=now if rsvp else None)
        )

    def clear_rsvps(self, night_id: int) -> None:
        self.session.execute(
            update(NightMember)
            .where(NightMember.night_id == night_id)
            .values(rsvp=None, rsvp_at=None)
        )

    def skip_rating(self, night_id: int, person_id: int) -> None:
        self.session.execute(
            update(NightMember)
            .where(NightMember.night_id == night_id, NightMember.person_id == person_id)
            .values(rating_skipped=True)
        )

    def ratings_of(
        self, film_id: int, person_ids: Sequence[int]
    ) -> dict[int, tuple[float, int | None]]:
        """Each person's rating of the film: (stars, rated at, UTC unix seconds)."""
        if not person_ids:
            return {}
        rows = self.session.execute(
            select(Rating.person_id, Rating.half_stars, Rating.rated_at).where(
                Rating.film_id == film_id, Rating.person_id.in_(list(person_ids))
            )
        ).tuples()
        return {p: (h / 2, at) for p, h, at in rows}


class CalendarRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def prefs_of(self, person_ids: Sequence[int]) -> dict[int, CalendarPrefs]:
        """Each person's settings (the defaults for one who never set any)."""
        found = {
            row.person_id: CalendarPrefs(row.time_zone, row.email, bool(row.email_in_calendar))
            for row in self.session.scalars(
                select(MemberCalendar).where(MemberCalendar.person_id.in_(list(person_ids)))
            )
        }
        return {p: found.get(p, CalendarPrefs()) for p in person_ids}

    def set_prefs(self, person_id: int, prefs: CalendarPrefs) -> None:
        row = self.session.get(MemberCalendar, person_id)
        if row is None:
            row = MemberCalendar(person_id=person_id)
            self.session.add(row)
        row.time_zone = prefs.time_zone
        row.email = prefs.email
        row.email_in_calendar = prefs.email_in_calendar
        self.session.flush()

    def feed_owner(self, token_hash: str) -> int | None:
        """Whose feed this is (None: nobody's, or a disabled account's)."""
        found: int | None = self.session.scalar(
            select(CalendarFeed.person_id)
            .join(Account, Account.person_id == CalendarFeed.person_id)
            .where(CalendarFeed.token_hash == token_hash, Account.disabled == false())
        )
        return found

    def feed_made(self, person_id: int) -> datetime | None:
        return _utc(
            self.session.scalar(
                select(CalendarFeed.created_at).where(CalendarFeed.person_id == person_id)
            )
        )

    def set_feed(self, person_id: int, token_hash: str, now: datetime) -> None:
        """The member's feed token (replacing the one they had: its link stops working)."""
        self.drop_feed(person_id)
        self.session.add(CalendarFeed(person_id=person_id, token_hash=token_hash, created_at=now))
        self.session.flush()

    def drop_feed(self, person_id: int) -> bool:
        result = self.session.execute(
            delete(CalendarFeed).where(CalendarFeed.person_id == person_id)
        )
        self.session.flush()
        return bool(getattr(result, "rowcount", 0))
