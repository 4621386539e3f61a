"""The unit of work: the only place transactions open and commit (once, at the end)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from reelmates.errors import BusyError, InvalidValueError
from reelmates.store.db import is_busy, is_nul_in_text
from reelmates.store.db import long_wait as waiting
from reelmates.store.db import no_wait as not_waiting
from reelmates.store.db import read_only as reader

RETRY_AFTER_SECONDS = 5


@contextmanager
def unit_of_work(
    engine: Engine, *, read_only: bool = False, long_wait: bool = False, no_wait: bool = False
) -> Iterator[Session]:
    """Commit when the block finishes, roll everything back when it raises.

    ``read_only``: the block only reads, so on SQLite it neither takes nor waits for the write
    lock (a recommendation must not queue behind a long import).
    ``long_wait``: an import; on SQLite it waits minutes for another writer's lock, where an app
    write waits a few seconds and then raises :class:`BusyError`.
    ``no_wait``: a write worth making only if the lock is free now; on SQLite it raises
    :class:`BusyError` at once instead of waiting (PostgreSQL locks rows: nothing to wait for).
    """
    bind = engine
    if read_only:
        bind = reader(engine)
    elif long_wait:
        bind = waiting(engine)
    elif no_wait:
        bind = not_waiting(engine)
    try:
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session
    except OperationalError as exc:
        if not is_busy(exc):
            raise
        raise BusyError(retry_after=RETRY_AFTER_SECONDS) from exc
    except DataError as exc:
        # The database refused a value the request carried (PostgreSQL: a NUL character in
        # text, a number out of its column's range): the request's fault, said as such.
        if is_nul_in_text(exc):
            raise InvalidValueError(
                "text cannot contain the NUL character (\\0)", hint="Remove it and send again."
            ) from exc
        raise InvalidValueError(
            "a value in the request cannot be stored (out of range or malformed)"
        ) from exc
    except PoolTimeoutError as exc:  # every connection in use for seconds: overloaded
        raise BusyError(
            retry_after=RETRY_AFTER_SECONDS, reason="the server is answering too many requests"
        ) from exc
