"""Repositories for friends: friendships (one row per pair, lower id first) and friend invites.

Link tokens and codes arrive already hashed (sha256 hex). Times are passed in (UTC) and compared
in SQL. Every change to an invite is one UPDATE whose WHERE says the invite is still live, so two
requests racing for one invite cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.orm import Session

from reelmates.store.accounts import _utc
from reelmates.store.models import Account, FriendInvite, Friendship, Person


@dataclass(frozen=True, slots=True)
class FriendSummary:
    """A person as their friends see them."""

    person_id: int
    handle: str
    display_name: str


@dataclass(frozen=True, slots=True)
class InviteSummary:
    id: int
    inviter: FriendSummary
    created_at: datetime
    expires_at: datetime
    code_expires_at: datetime
    code_failures: int


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _summary(person: Person) -> FriendSummary:
    return FriendSummary(person.id, person.handle, person.display_name or person.handle)


class FriendshipRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def exists(self, a: int, b: int) -> bool:
        lo, hi = _pair(a, b)
        found = self.session.scalar(
            select(Friendship.person_lo).where(
                Friendship.person_lo == lo, Friendship.person_hi == hi
            )
        )
        return found is not None

    def add(self, a: int, b: int, now: datetime) -> bool:
        """Make ``a`` and ``b`` friends; False when they were already."""
        if self.exists(a, b):
            return False
        lo, hi = _pair(a, b)
        self.session.add(Friendship(person_lo=lo, person_hi=hi, created_at=now))
        self.session.flush()
        return True

    def remove(self, a: int, b: int) -> bool:
        lo, hi = _pair(a, b)
        result = self.session.execute(
            delete(Friendship).where(Friendship.person_lo == lo, Friendship.person_hi == hi)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def friend_ids(self, person_id: int) -> set[int]:
        lows = select(Friendship.person_hi).where(Friendship.person_lo == person_id)
        highs = select(Friendship.person_lo).where(Friendship.person_hi == person_id)
        return {int(i) for i in self.session.scalars(lows.union_all(highs))}

    def friends_of(self, person_id: int) -> list[FriendSummary]:
        """The person's friends, by display name (case-free), then handle."""
        lows = select(Friendship.person_hi).where(Friendship.person_lo == person_id)
        highs = select(Friendship.person_lo).where(Friendship.person_hi == person_id)
        # Plain column rows: a member with 200 friends lists them on every watch-together page.
        rows = self.session.execute(
            select(Person.id, Person.handle, Person.display_name).where(
                Person.id.in_(lows.union_all(highs))
            )
        )
        found = [FriendSummary(i, handle, name or handle) for i, handle, name in rows]
        return sorted(found, key=lambda f: (f.display_name.casefold(), f.handle.casefold()))


def _live(now: datetime) -> ColumnElement[bool]:
    return and_(FriendInvite.ended_at.is_(None), FriendInvite.expires_at > now)


def _code_live(now: datetime, tries: int) -> ColumnElement[bool]:
    return and_(_live(now), FriendInvite.code_expires_at > now, FriendInvite.code_failures < tries)


class FriendInviteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        inviter_id: int,
        token_hash: str,
        code_hash: str,
        now: datetime,
        expires_at: datetime,
        code_expires_at: datetime,
    ) -> int:
        row = FriendInvite(
            inviter_id=inviter_id,
            token_hash=token_hash,
            code_hash=code_hash,
            created_at=now,
            expires_at=expires_at,
            code_expires_at=code_expires_at,
            code_failures=0,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def _summaries(self, query: ColumnElement[bool]) -> list[InviteSummary]:
        rows = self.session.execute(
            select(FriendInvite, Person)
            .join(Person, Person.id == FriendInvite.inviter_id)
            .where(query)
            .order_by(FriendInvite.id)
        )
        found = []
        for invite, person in rows.tuples():
            created, expires, code_expires = (
                _utc(invite.created_at),
                _utc(invite.expires_at),
                _utc(invite.code_expires_at),
            )
            assert created is not None and expires is not None and code_expires is not None
            found.append(
                InviteSummary(
                    invite.id,
                    _summary(person),
                    created,
                    expires,
                    code_expires,
                    invite.code_failures,
                )
            )
        return found

    def token_hash_of(self, invite_id: int) -> str | None:
        found: str | None = self.session.scalar(
            select(FriendInvite.token_hash).where(FriendInvite.id == invite_id)
        )
        return found

    def live_by_token(self, token_hash: str, now: datetime) -> InviteSummary | None:
        """The live invite (not ended, link not expired) this link's token opens."""
        found = self._summaries(and_(FriendInvite.token_hash == token_hash, _live(now)))
        return found[0] if found else None

    def pending_of(self, inviter_id: int, now: datetime) -> list[InviteSummary]:
        return self._summaries(and_(FriendInvite.inviter_id == inviter_id, _live(now)))

    def live_code_ids(
        self, inviter_id: int, code_hash: str, now: datetime, tries: int
    ) -> list[int]:
        """The inviter's invites whose code is this one and still usable."""
        return [
            int(i)
            for i in self.session.scalars(
                select(FriendInvite.id).where(
                    FriendInvite.inviter_id == inviter_id,
                    FriendInvite.code_hash == code_hash,
                    _code_live(now, tries),
                )
            )
        ]

    def count_wrong_code(self, inviter_id: int, now: datetime, tries: int) -> int:
        """A wrong code was typed for this inviter: one more failure on each of their usable
        codes (at ``tries`` failures a code is dead). Returns how many codes it counted on."""
        result = self.session.execute(
            update(FriendInvite)
            .where(FriendInvite.inviter_id == inviter_id, _code_live(now, tries))
            .values(code_failures=FriendInvite.code_failures + 1)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def end(
        self,
        invite_id: int,
        outcome: str,
        now: datetime,
        *,
        used_by: int | None = None,
        inviter_id: int | None = None,
    ) -> bool:
        """End a live invite (accepted, declined or cancelled); False when it was not live (or,
        with ``inviter_id``, is not theirs)."""
        query = update(FriendInvite).where(FriendInvite.id == invite_id, _live(now))
        if inviter_id is not None:
            query = query.where(FriendInvite.inviter_id == inviter_id)
        result = self.session.execute(query.values(ended_at=now, outcome=outcome, used_by=used_by))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def member_accounts(session: Session, keys: list[str]) -> dict[str, FriendSummary]:
    """Members with an account, by case-folded handle (handles nobody has are left out)."""
    if not keys:
        return {}
    rows = session.scalars(
        select(Person)
        .join(Account, Account.person_id == Person.id)
        .where(Person.handle_key.in_(keys))
    )
    return {p.handle_key or p.handle.casefold(): _summary(p) for p in rows}


def member_accounts_by_id(session: Session, ids: list[int]) -> dict[int, FriendSummary]:
    if not ids:
        return {}
    rows = session.scalars(
        select(Person).join(Account, Account.person_id == Person.id).where(Person.id.in_(ids))
    )
    return {p.id: _summary(p) for p in rows}
