"""Engine factory and schema migration. The only module that knows connection details.

SQLite gets WAL (readers don't block the writer), a busy timeout (the app's writes wait for an
import's transaction instead of failing) and enforced foreign keys. Writing transactions take the
write lock at BEGIN; reading ones (:func:`read_only`) don't, so they never wait for an import.
Any other SQLAlchemy URL is used as given; ``postgresql://`` is mapped to the psycopg 3 driver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from reelmates.errors import ConfigurationError
from reelmates.settings import Settings

# Execution option marking an engine whose transactions only read (see read_only).
READ_ONLY_OPTION = "reelmates_read_only"


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


def create_db_engine(url: str, *, busy_timeout_ms: int = 600_000, echo: bool = False) -> Engine:
    parsed = normalise_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
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
        _configure_sqlite(engine, busy_timeout_ms)
    return engine


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
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
        reader = conn.get_execution_options().get(READ_ONLY_OPTION, False)
        conn.exec_driver_sql("BEGIN" if reader else "BEGIN IMMEDIATE")


def read_only(engine: Engine) -> Engine:
    """The same engine (and pool) for transactions that only read."""
    return engine.execution_options(**{READ_ONLY_OPTION: True})


def is_busy(exc: OperationalError) -> bool:
    """SQLite gave up waiting for another connection's write lock (after the busy timeout)."""
    return "database is locked" in str(exc.orig)


def engine_from_settings(settings: Settings) -> Engine:
    return create_db_engine(
        settings.effective_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )


def open_database(settings: Settings) -> Engine:
    """Engine with the schema migrated to the newest revision (safe to call on every start)."""
    from reelmates.store.migrate import upgrade_to_head

    engine = engine_from_settings(settings)
    try:
        upgrade_to_head(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig or exc).strip().splitlines()[0]
        raise ConfigurationError(
            f"cannot open the database {engine.url.render_as_string()}: {reason}",
            hint="Check the URL (--db or REELMATES_DATABASE_URL) and that its server is running.",
        ) from exc
    return engine
