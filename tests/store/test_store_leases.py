"""The refit lease on both databases: one holder at a time, renewal, expiry, release, and two
processes racing for it (the second while the first's transaction is still open) never both
win."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from reelmates.services.uow import unit_of_work
from reelmates.store.leases import LeaseRepository

T0 = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _acquire(engine: Engine, who: str, now: datetime, until: datetime) -> bool:
    with unit_of_work(engine) as session:
        return LeaseRepository(session).acquire("job", who, now, until)


def _holder(engine: Engine, now: datetime) -> tuple[str, datetime] | None:
    with unit_of_work(engine, read_only=True) as session:
        return LeaseRepository(session).holder("job", now)


def test_one_holder_at_a_time_until_it_expires(db_engine: Engine) -> None:
    assert _holder(db_engine, T0) is None
    assert _acquire(db_engine, "a", T0, T0 + HOUR)
    assert not _acquire(db_engine, "b", T0 + timedelta(minutes=1), T0 + 2 * HOUR)
    assert _holder(db_engine, T0 + timedelta(minutes=1)) == ("a", T0 + HOUR)
    assert _acquire(db_engine, "a", T0 + timedelta(minutes=30), T0 + 2 * HOUR)  # renewal
    assert not _acquire(db_engine, "b", T0 + HOUR + timedelta(minutes=1), T0 + 3 * HOUR)
    # Expired: the next one to ask takes it, and the old holder no longer has it.
    assert _acquire(db_engine, "b", T0 + 2 * HOUR, T0 + 3 * HOUR)
    assert not _acquire(db_engine, "a", T0 + 2 * HOUR, T0 + 3 * HOUR)
    assert _holder(db_engine, T0 + 2 * HOUR) == ("b", T0 + 3 * HOUR)


def test_release_frees_it_but_only_for_its_holder(db_engine: Engine) -> None:
    assert _acquire(db_engine, "a", T0, T0 + HOUR)
    with unit_of_work(db_engine) as session:
        assert not LeaseRepository(session).release("job", "b", T0)
    assert not _acquire(db_engine, "b", T0, T0 + HOUR)
    with unit_of_work(db_engine) as session:
        assert LeaseRepository(session).release("job", "a", T0)
    assert _holder(db_engine, T0) is None
    assert _acquire(db_engine, "b", T0, T0 + HOUR)
    with unit_of_work(db_engine) as session:  # another job's lease is another row
        assert LeaseRepository(session).acquire("other job", "a", T0, T0 + HOUR)


def _race(engine: Engine, now: datetime) -> tuple[bool, bool]:
    """The first contender takes the lease and keeps its transaction open while the second
    asks; the second's statements wait for the first's commit and then see it taken."""
    asked = threading.Event()
    first: list[bool] = []

    def contender() -> None:
        with unit_of_work(engine) as session:
            first.append(LeaseRepository(session).acquire("job", "first", now, now + HOUR))
            asked.set()
            time.sleep(0.3)

    thread = threading.Thread(target=contender)
    thread.start()
    assert asked.wait(10)
    second = _acquire(engine, "second", now, now + HOUR)
    thread.join(10)
    return first[0], second


def test_two_contenders_only_one_wins(db_engine: Engine) -> None:
    assert _race(db_engine, T0) == (True, False)  # nobody ever held it: the INSERT path
    assert _race(db_engine, T0 + 2 * HOUR) == (True, False)  # expired: the UPDATE path
    assert _holder(db_engine, T0 + 2 * HOUR) == ("first", T0 + 3 * HOUR)
