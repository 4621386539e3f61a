"""Fast, constraint-keeping bulk writes for community ratings (tens of millions of rows).

Rows go in batches inside the caller's transaction: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL. Every constraint and index stays in place; nothing is disabled for speed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import closing, contextmanager
from typing import Any, Protocol

import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from reelmates.errors import ReelmatesError

RatingRow = tuple[int, int, int, int | None]  # person_id, film_id, half_stars, rated_at
PersonRow = tuple[int, str, str, str]  # id, handle, kind, source

_NULL = "\\N"  # COPY's text format for NULL
_PERSON_COLUMNS = ("id", "handle", "kind", "source")
_RATING_COLUMNS = ("person_id", "film_id", "half_stars", "rated_at")


class BulkWriter(Protocol):
    def write(self, persons: Sequence[PersonRow], ratings: Sequence[RatingRow]) -> None: ...


class IdAllocator(Protocol):
    def next_id(self) -> int: ...


def _dbapi(session: Session) -> Any:
    return session.connection().connection.dbapi_connection


class RefusedRowsError(ReelmatesError):
    """The database refused a batch (a primary key or foreign key said no)."""


@contextmanager
def _refusals_explained(dbapi_module: Any) -> Iterator[None]:
    """The driver's integrity error (a duplicate, a bad reference) as a message a user can act on;
    the caller's transaction then rolls back whole."""
    try:
        yield
    except dbapi_module.IntegrityError as exc:
        raise RefusedRowsError(
            f"the database refused the import: {exc}",
            hint="Nothing was imported. Check the file for a rating given twice.",
        ) from exc


class _SqliteWriter:
    def __init__(self, session: Session) -> None:
        self._conn = _dbapi(session)

    def write(self, persons: Sequence[PersonRow], ratings: Sequence[RatingRow]) -> None:
        cur = self._conn.cursor()
        with closing(cur), _refusals_explained(sqlite3):
            if persons:
                cur.executemany(
                    "INSERT INTO persons (id, handle, kind, source, created_at) "
                    "VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP)",
                    persons,
                )
            if ratings:
                cur.executemany(
                    "INSERT INTO ratings (person_id, film_id, half_stars, rated_at) "
                    "VALUES (?, ?, ?, ?)",
                    ratings,
                )


class _PostgresWriter:
    def __init__(self, session: Session) -> None:
        self._conn = _dbapi(session)

    def write(self, persons: Sequence[PersonRow], ratings: Sequence[RatingRow]) -> None:
        with self._conn.cursor() as cur, _refusals_explained(psycopg):
            # Persons first, in their own statement: the ratings' foreign keys are checked at the
            # end of each COPY statement and must find them.
            if persons:
                with cur.copy(f"COPY persons ({', '.join(_PERSON_COLUMNS)}) FROM STDIN") as copy:
                    for row in persons:
                        copy.write_row(row)
            if ratings:
                # Ints only: formatting the text block ourselves is several times faster than
                # write_row per row, and there is nothing to escape.
                block = "".join(
                    f"{p}\t{f}\t{h}\t{_NULL if t is None else t}\n" for p, f, h, t in ratings
                )
                with cur.copy(f"COPY ratings ({', '.join(_RATING_COLUMNS)}) FROM STDIN") as copy:
                    copy.write(block)


class PipelinedWriter:
    """Writes one batch in a background thread while the caller prepares the next.

    Parsing is Python work that holds the GIL; the database's side of a batch (COPY on the
    server, or sqlite3's C code, which releases the GIL) runs meanwhile. At most one batch is in
    flight, so memory stays at two batches. Use as a context manager: leaving it waits for the
    last batch, so the caller's transaction never commits or rolls back under a running write.
    """

    def __init__(self, writer: BulkWriter) -> None:
        self._writer = writer
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reelmates-writer")
        self._pending: Future[None] | None = None

    def write(self, persons: Sequence[PersonRow], ratings: Sequence[RatingRow]) -> None:
        self.drain()
        self._pending = self._pool.submit(self._writer.write, list(persons), list(ratings))

    def drain(self) -> None:
        """Wait for the batch in flight (and raise its error, if it failed)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __enter__(self) -> PipelinedWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        try:
            if exc_type is None:
                self.drain()
            elif self._pending is not None:
                wait([self._pending])  # already failing: just make sure nothing still runs
        finally:
            self._pool.shutdown(wait=True)


def bulk_writer(session: Session) -> BulkWriter:
    if session.get_bind().dialect.name == "postgresql":
        return _PostgresWriter(session)
    return _SqliteWriter(session)


class _MaxPlusOne:
    """SQLite: the import holds the write lock (BEGIN IMMEDIATE), so max(id)+1 cannot race."""

    def __init__(self, session: Session, table: str) -> None:
        self._next = (session.scalar(text(f"SELECT max(id) FROM {table}")) or 0) + 1

    def next_id(self) -> int:
        value = self._next
        self._next += 1
        return value


class _SequenceBlocks:
    """PostgreSQL: take ids from the table's own sequence, a block at a time, so that rows other
    sessions insert during a long import never collide with the ids this import hands out."""

    def __init__(
        self,
        session: Session,
        table: str,
        block: int = 10_000,
        before_fetch: Callable[[], None] | None = None,
    ) -> None:
        self._session = session
        self._before_fetch = before_fetch
        self._table = table
        self._block = block
        self._ids: list[int] = []

    def next_id(self) -> int:
        if not self._ids:
            if self._before_fetch is not None:
                self._before_fetch()  # the connection must be free of a pipelined write
            rows = self._session.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"table": self._table, "n": self._block},
            )
            self._ids = sorted((r[0] for r in rows), reverse=True)
        return self._ids.pop()


def id_allocator(
    session: Session, table: str, *, before_fetch: Callable[[], None] | None = None
) -> IdAllocator:
    """Primary keys for rows written in bulk (``table`` is one of ours, never user input)."""
    if session.get_bind().dialect.name == "postgresql":
        return _SequenceBlocks(session, table, before_fetch=before_fetch)
    return _MaxPlusOne(session, table)
