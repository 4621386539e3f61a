"""SQLite's online backup while the app writes, and a restore into a database in use.

A backup does not wait for a writer holding the write lock and holds only what was committed;
backups taken while another connection commits all the time are each a whole database as of
one commit (every film with its genre, written together, never one without the other). A
restore takes the write lock like any app write: it waits for a writer to finish (or gives up
after its wait, changing nothing), then replaces everything, and connections that were open see
the restored rows. On PostgreSQL, a restore waits for a transaction reading the tables at most
its wait, then rolls back and changes nothing.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from reelmates.errors import BusyError, ConfigurationError
from reelmates.store.backup import (
    pg_backup,
    pg_restore_into,
    pg_schema,
    sqlite_backup,
    sqlite_restore_into,
)
from reelmates.store.db import create_db_engine, normalise_url
from reelmates.store.migrate import upgrade_to_head
from reelmates.store.models import Base


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database at the newest schema (migrating takes a second: done once)."""
    path = tmp_path_factory.mktemp("template") / "empty.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    engine.dispose()
    return path


@pytest.fixture
def live(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "live.db"
    shutil.copyfile(template, path)
    return path


def _add_film(conn: sqlite3.Connection, n: int) -> None:
    """One transaction: a film and its genre."""
    conn.execute("BEGIN IMMEDIATE")
    cur = conn.execute(
        "INSERT INTO films (title, title_key, created_at) VALUES (?, ?, '2026-12-01')",
        (f"w{n}", f"w{n}"),
    )
    conn.execute("INSERT INTO film_genres (film_id, genre) VALUES (?, 'Drama')", (cur.lastrowid,))
    conn.execute("COMMIT")


def _films_and_orphans(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        films = conn.execute("SELECT count(*) FROM films").fetchone()[0]
        orphans = conn.execute(
            "SELECT count(*) FROM films WHERE id NOT IN (SELECT film_id FROM film_genres)"
        ).fetchone()[0]
    finally:
        conn.close()
    return int(films), int(orphans)


def test_a_backup_does_not_wait_for_a_writer_and_holds_only_committed_rows(
    live: Path, tmp_path: Path
) -> None:
    writer = sqlite3.connect(live, isolation_level=None)
    try:
        _add_film(writer, 1)
        writer.execute("BEGIN IMMEDIATE")  # holds the write lock during the backup
        writer.execute("INSERT INTO films (title, title_key) VALUES ('uncommitted', 'x')")
        started = time.monotonic()
        sqlite_backup(live, tmp_path / "copy.db")
        assert time.monotonic() - started < 2  # did not wait for the lock (60 s)
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert _films_and_orphans(tmp_path / "copy.db") == (1, 0)
    assert _films_and_orphans(live) == (2, 1)


def test_backups_taken_while_another_connection_commits_are_each_whole(
    live: Path, tmp_path: Path
) -> None:
    stop = threading.Event()
    written = [0]

    def write() -> None:
        conn = sqlite3.connect(live, isolation_level=None, timeout=10)
        try:
            while not stop.is_set():
                _add_film(conn, written[0] + 1)
                written[0] += 1  # after the commit
        finally:
            conn.close()

    thread = threading.Thread(target=write)
    thread.start()
    counts: list[int] = []
    try:
        while written[0] < 20:
            time.sleep(0.005)
        for n in range(4):
            sqlite_backup(live, tmp_path / f"copy-{n}.db")
            films, orphans = _films_and_orphans(tmp_path / f"copy-{n}.db")
            assert orphans == 0
            counts.append(films)
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    final, orphans = _films_and_orphans(live)
    assert orphans == 0
    assert counts == sorted(counts) and counts[0] >= 20 and counts[-1] <= final
    assert counts[-1] > counts[0]  # the writer kept committing between backups


def test_a_restore_waits_for_a_writer_then_replaces_everything(live: Path, tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{live}")
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO films (title, title_key) VALUES ('kept', 'kept')"))
        sqlite_backup(live, tmp_path / "copy.db")
        with engine.begin() as conn:  # a connection of the pool stays open throughout
            conn.execute(text("INSERT INTO films (title, title_key) VALUES ('later', 'later')"))
        writer = sqlite3.connect(live, isolation_level=None, check_same_thread=False)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO films (title, title_key) VALUES ('in flight', 'x')")
        with pytest.raises(BusyError, match="nothing was changed"):  # it gives up in time
            sqlite_restore_into(tmp_path / "copy.db", live, lock_wait_seconds=0.3)
        release = threading.Timer(0.5, lambda: writer.execute("COMMIT"))
        release.start()
        started = time.monotonic()
        sqlite_restore_into(tmp_path / "copy.db", live, lock_wait_seconds=20)
        waited = time.monotonic() - started
        release.join()
        writer.close()
        assert waited >= 0.4  # it waited for the writer's commit, then went ahead
        with engine.connect() as conn:
            titles = conn.execute(text("SELECT title FROM films ORDER BY id")).scalars().all()
        assert titles == ["kept"]
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_postgresql_restore_waits_for_open_transactions_at_most_its_wait(
    db_engine: Engine, db_url: str, tmp_path: Path
) -> None:
    url = normalise_url(db_url)
    with db_engine.begin() as conn:
        conn.execute(text("INSERT INTO films (title, title_key) VALUES ('kept', 'kept')"))
    dump = tmp_path / "copy.pgdump"
    pg_backup(url, pg_schema(db_engine), dump)
    with db_engine.begin() as conn:
        conn.execute(text("INSERT INTO films (title, title_key) VALUES ('later', 'later')"))
    tables = [*Base.metadata.tables, "alembic_version"]
    with db_engine.connect() as reader:  # a request in the middle of a read
        reader.execute(text("SELECT count(*) FROM films")).scalar_one()
        started = time.monotonic()
        with pytest.raises(ConfigurationError, match=r"rolled back.*lock timeout"):
            pg_restore_into(url, db_engine, dump, tables, lock_wait_seconds=0.5)
        assert time.monotonic() - started < 10
        reader.rollback()
    with db_engine.connect() as conn:
        titles = conn.execute(text("SELECT title FROM films ORDER BY id")).scalars().all()
    assert titles == ["kept", "later"]
    pg_restore_into(url, db_engine, dump, tables, lock_wait_seconds=5)
    with db_engine.connect() as conn:
        titles = conn.execute(text("SELECT title FROM films ORDER BY id")).scalars().all()
    assert titles == ["kept"]
