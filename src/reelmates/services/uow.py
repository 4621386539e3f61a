"""The unit of work: the only place transactions open and commit (once, at the end)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from reelmates.errors import ConflictError
from reelmates.store.db import is_busy
from reelmates.store.db import read_only as reader


@contextmanager
def unit_of_work(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """Commit when the block finishes, roll everything back when it raises.

    ``read_only``: the block only reads, so on SQLite it neither takes nor waits for the write
    lock (a recommendation must not queue behind a long import).
    """
    bind = reader(engine) if read_only else engine
    try:
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session
    except OperationalError as exc:
        if not is_busy(exc):
            raise
        raise ConflictError(
            "the database stayed busy with another write (an import?) for too long",
            hint="Try again when it has finished, or raise REELMATES_SQLITE_BUSY_TIMEOUT_MS.",
        ) from exc
