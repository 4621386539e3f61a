"""The unit of work: the only place transactions open and commit (once, at the end)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """Commit when the block finishes, roll everything back when it raises."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
