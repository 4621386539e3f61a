"""Engine factory and schema migration. The only module that knows connection details.

SQLite gets WAL (readers don't block the writer), a busy timeout (the app's writes wait for an
import's transaction instead of failing) and enforced foreign keys. Any other SQLAlchemy URL is used
as given; ``postgresql://`` is mapped to the psycopg 3 driver.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from reelmates.errors import ConfigurationError
from reelmates.settings import Settings


def normalise_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ConfigurationError(
            f"not a database URL: {raw!r}",
            hint="Use e.g. sqlite:///path/to/reelmates.db or postgresql://user@host/dbname.",
        ) from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def create_db_engine(url: str, *, busy_timeout_ms: int = 30_000, echo: bool = False) -> Engine:
    parsed = normalise_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000}
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
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def engine_from_settings(settings: Settings) -> Engine:
    return create_db_engine(
        settings.effective_database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms
    )


def open_database(settings: Settings) -> Engine:
    """Engine with the schema migrated to the newest revision (safe to call on every start)."""
    from reelmates.store.migrate import upgrade_to_head

    engine = engine_from_settings(settings)
    upgrade_to_head(engine)
    return engine
