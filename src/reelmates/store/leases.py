"""Leases: a named job that only one server process may run at a time (the background refit).

A lease is one row (name, holder, expires_at). :meth:`LeaseRepository.acquire` takes it in the
caller's transaction with statements whose WHERE decides, so two processes racing cannot both
win, on SQLite (writers are serialised) and on PostgreSQL (the second UPDATE waits for the
first's row lock and then finds the lease taken; the second INSERT finds the row and does
nothing):

1. ``UPDATE ... WHERE name = :name AND (expires_at <= :now OR holder = :me)``: a free (expired)
   lease, or one already ours (renewal);
2. none changed: ``INSERT ... ON CONFLICT DO NOTHING RETURNING name``: the first time anyone
   asks.

Times are passed in (UTC).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from reelmates.store.accounts import _utc
from reelmates.store.models import RefitLease


class LeaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def acquire(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Take (or renew) the lease ``name`` for ``holder`` until ``until``: whether it is ours."""
        taken = self.session.execute(
            update(RefitLease)
            .where(
                RefitLease.name == name,
                or_(RefitLease.expires_at <= now, RefitLease.holder == holder),
            )
            .values(holder=holder, expires_at=until)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return True
        dialect = self.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        # RETURNING says whether the row went in (an ORM insert's rowcount may be unknown).
        added = self.session.execute(
            insert(RefitLease)
            .values(name=name, holder=holder, expires_at=until)
            .on_conflict_do_nothing(index_elements=[RefitLease.name])
            .returning(RefitLease.name)
        ).first()
        return added is not None

    def release(self, name: str, holder: str, now: datetime) -> bool:
        """Give the lease up (it expires now) if ``holder`` still holds it."""
        done = self.session.execute(
            update(RefitLease)
            .where(RefitLease.name == name, RefitLease.holder == holder)
            .values(expires_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def holder(self, name: str, now: datetime) -> tuple[str, datetime] | None:
        """Who holds the lease now and until when; None when it is free."""
        row = self.session.execute(
            select(RefitLease.holder, RefitLease.expires_at).where(RefitLease.name == name)
        ).first()
        if row is None:
            return None
        until = _utc(row[1])
        assert until is not None
        return (row[0], until) if until > now else None
