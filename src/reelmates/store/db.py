"""Engine factory and schema migration. The only module that knows connection details.

SQLite gets WAL (readers don't block the writer), a busy timeout and enforced foreign keys. The
busy timeout is set per writing transaction, just before its BEGIN IMMEDIATE: an app write waits a
few seconds at most for another writer's lock (then the unit of work raises BusyError), an import
(``long_wait``, see :func:`long_wait`) waits minutes. Writing transactions take the
write lock at BEGIN; reading ones (:func:`read_only`) don't, so they never wait for an import.
Any other SQLAlchemy URL is used as given; ``postgresql://`` is mapped to the psycopg 3 driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DataError, NoSuchModuleError, OperationalError

from reelmates.errors import ConfigurationError
from reelmates.settings import Settings

# Execution option marking an engine whose transactions only read (see read_only).
READ_ONLY_OPTION = "reelmates_read_only"
# Execution option marking a writing transaction that may wait long for the lock (imports).
LONG_WAIT_OPTION = "reelmates_long_wait"
# A write that is worth doing only if the lock is free now (a read's "last seen" note): on
# SQLite it does not wait at all, so a page never waits behind an import for it.
NO_WAIT_OPTION = "reelmates_no_wait"

DEFAULT_BUSY_TIMEOUT_MS = 5_000
DEFAULT_IMPORT_BUSY_TIMEOUT_MS = 600_000
DEFAULT_POOL_SIZE = 5
# Connections beyond the request threads: the background refit, the poster fetcher, a CLI job.
DB_POOL_BACKGROUND = 4
# A connection not free after this long is an overload: the unit of work answers BusyError.
POOL_TIMEOUT_SECONDS = 10.0


def normalise_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        raise ConfigurationError(
            f"not a database URL: {raw!r}",
            hint="Use e.g. sqlite:///path/to/reelmates.db or postgresql://user@host/dbname.",
        ) from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def create_db_engine(
    url: str,
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    import_busy_timeout_ms: int = DEFAULT_IMPORT_BUSY_TIMEOUT_MS,
    pool_size: int = DEFAULT_POOL_SIZE,
    echo: bool = False,
) -> Engine:
    """``busy_timeout_ms``: how long an app write waits for SQLite's write lock;
    ``import_busy_timeout_ms``: how long a ``long_wait`` (import) transaction waits;
    ``pool_size``: connections kept open (a file or server database; at most 4 more on demand)."""
    parsed = normalise_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    pooled = parsed.get_backend_name() != "sqlite" or parsed.database not in (None, "", ":memory:")
    if pooled:
        kwargs.update(pool_size=pool_size, max_overflow=4, pool_timeout=POOL_TIMEOUT_SECONDS)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # The bulk writer uses the connection from a worker thread, one batch at a time, while
        # the caller waits: never concurrently, so the same-thread guard only gets in the way.
        kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000, "check_same_thread": False}
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError as exc:
        raise ConfigurationError(f"no driver for database URL {parsed!r}") from exc
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, busy_timeout_ms, import_busy_timeout_ms)
    return engine


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, import_busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own BEGIN handling defers the write lock and breaks SAVEPOINT; take control
        # so that a transaction starts where SQLAlchemy says it does (see SQLAlchemy's docs).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE: take the write lock up front, so a writer waits (busy_timeout) at BEGIN
        # instead of failing mid-transaction with "database is locked" on lock upgrade.
        # Readers keep the deferred BEGIN: under WAL they read the last commit without waiting.
        options = conn.get_execution_options()
        if options.get(READ_ONLY_OPTION, False):
            conn.exec_driver_sql("BEGIN")
            return
        # The wait is a property of the connection: set it for this transaction every time, so
        # a pooled connection an import used does not lend its long wait to an app write.
        wait = import_busy_timeout_ms if options.get(LONG_WAIT_OPTION, False) else busy_timeout_ms
        if options.get(NO_WAIT_OPTION, False):
            wait = 0
        conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait)}")
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def read_only(engine: Engine) -> Engine:
    """The same engine (and pool) for transactions that only read."""
    return engine.execution_options(**{READ_ONLY_OPTION: True})


def long_wait(engine: Engine) -> Engine:
    """The same engine (and pool) for writing transactions that may wait long for the lock."""
    return engine.execution_options(**{LONG_WAIT_OPTION: True})


def no_wait(engine: Engine) -> Engine:
    """The same engine (and pool) for writes that give up at once when the lock is taken."""
    return engine.execution_options(**{NO_WAIT_OPTION: True})


@contextmanager
def sqlite_foreign_keys_off(conn: Connection) -> Iterator[None]:
    """Foreign keys off on this connection for the block (migrations), then checked and on again.

    SQLite's batch migrations rebuild a table (copy, DROP, rename): with foreign keys on, the
    DROP of ``persons`` would cascade and delete every rating, seen mark and watchlist entry.
    The pragma is a no-op inside a transaction, so it goes straight to the driver connection
    before anything begins. Other databases: nothing to do.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        problems = raw.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise ConfigurationError(
                f"the migration left {len(problems)} rows pointing at nothing: {problems[0]}"
            )
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def is_busy(exc: OperationalError) -> bool:
    """SQLite gave up waiting for another connection's write lock (after the busy timeout)."""
    return "database is locked" in str(exc.orig)


def is_nul_in_text(exc: DataError) -> bool:
    """PostgreSQL refused text with a NUL character in it (SQLite stores it)."""
    return "cannot contain NUL" in str(exc.orig)


def engine_from_settings(settings: Settings) -> Engine:
    return create_db_engine(
        settings.effective_database_url,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        import_busy_timeout_ms=settings.sqlite_import_busy_timeout_ms,
        # a request's unit of work, plus the short write that records its use (web/deps.py)
        pool_size=2 * settings.web_threads + DB_POOL_BACKGROUND,
    )
