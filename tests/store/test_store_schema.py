"""The schema: migrations equal the models, constraints hold, SQLite is set up for concurrency."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reelmates.errors import BusyError, ConfigurationError
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.db import create_db_engine, engine_from_settings
from reelmates.store.migrate import current_revision, head_revision, open_database, upgrade_to_head
from reelmates.store.models import Base, Film, Person, Rating
from reelmates.store.ratings import RatingRepository, half_stars


def test_migrations_build_exactly_the_models(db_engine: Engine) -> None:
    with db_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert current_revision(db_engine) == head_revision(db_engine)


def test_upgrade_is_idempotent(db_engine: Engine) -> None:
    upgrade_to_head(db_engine)
    assert current_revision(db_engine) == head_revision(db_engine)


def _film_and_person(engine: Engine) -> tuple[int, int]:
    with unit_of_work(engine) as session:
        film = Film(title="Beaches", title_key="beaches", year=1988)
        person = Person(handle="Milly", kind="member")
        session.add_all([film, person])
        session.flush()
        return film.id, person.id


@pytest.mark.parametrize("bad_half_stars", [0, 11, -2])
def test_ratings_outside_half_stars_are_refused(db_engine: Engine, bad_half_stars: int) -> None:
    film_id, person_id = _film_and_person(db_engine)
    with pytest.raises(IntegrityError), unit_of_work(db_engine) as session:
        session.add(Rating(person_id=person_id, film_id=film_id, half_stars=bad_half_stars))
    with unit_of_work(db_engine) as session:
        assert RatingRepository(session).count() == 0


def test_rating_needs_an_existing_film(db_engine: Engine) -> None:
    _, person_id = _film_and_person(db_engine)
    with pytest.raises(IntegrityError), unit_of_work(db_engine) as session:
        session.add(Rating(person_id=person_id, film_id=999_999, half_stars=8))


def test_person_kind_is_checked(db_engine: Engine) -> None:
    with pytest.raises(IntegrityError), unit_of_work(db_engine) as session:
        session.add(Person(handle="x", kind="robot"))


def test_snapshot_returns_every_rating_as_stars(db_engine: Engine) -> None:
    film_id, person_id = _film_and_person(db_engine)
    with unit_of_work(db_engine) as session:
        RatingRepository(session).set_rating(person_id, film_id, 4.5, rated_at=1_000)
    with unit_of_work(db_engine) as session:
        RatingRepository(session).set_rating(person_id, film_id, 3.5, rated_at=2_000)  # update
    with unit_of_work(db_engine) as session:
        snap = RatingRepository(session).snapshot(batch=1)
    assert snap.person_ids.tolist() == [person_id]
    assert snap.film_ids.tolist() == [film_id]
    assert snap.stars.tolist() == [3.5]


@pytest.mark.parametrize(("stars", "expected"), [(0.5, 1), (3.0, 6), (5, 10)])
def test_half_stars_known_answers(stars: float, expected: int) -> None:
    assert half_stars(stars) == expected


@pytest.mark.parametrize("stars", [0, 0.25, 5.5, 3.3])
def test_half_stars_rejects_non_ratings(stars: float) -> None:
    with pytest.raises(ValueError, match="half stars"):
        half_stars(stars)


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: object) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/x.db")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5_000


def _busy_timeout(session: Session) -> int:
    return int(session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar_one())


def test_each_writing_transaction_sets_its_own_wait(tmp_path: object) -> None:
    engine = create_db_engine(
        f"sqlite:///{tmp_path}/x.db", busy_timeout_ms=1_234, import_busy_timeout_ms=98_765
    )
    upgrade_to_head(engine)
    with unit_of_work(engine) as session:
        assert _busy_timeout(session) == 1_234
    with unit_of_work(engine, long_wait=True) as session:
        assert _busy_timeout(session) == 98_765
    # The same pooled connection, next an app write: the import's long wait does not linger.
    with unit_of_work(engine) as session:
        assert _busy_timeout(session) == 1_234


def test_settings_give_app_writes_seconds_and_imports_minutes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert (settings.sqlite_busy_timeout_ms, settings.sqlite_import_busy_timeout_ms) == (
        5_000,
        600_000,
    )
    engine = engine_from_settings(
        Settings(data_dir=tmp_path, sqlite_busy_timeout_ms=321, sqlite_import_busy_timeout_ms=4321)
    )
    upgrade_to_head(engine)
    with unit_of_work(engine) as session:
        assert _busy_timeout(session) == 321
    with unit_of_work(engine, long_wait=True) as session:
        assert _busy_timeout(session) == 4321


def _hold_write_lock(path: str, seconds: float, holding: threading.Event) -> None:
    """Another writer, as far as SQLite can tell: its own connection, BEGIN IMMEDIATE."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            "INSERT INTO persons (handle, kind, source) VALUES ('ml:1', 'community', 'ml')"
        )
        holding.set()
        time.sleep(seconds)
        other.execute("COMMIT")
    finally:
        other.close()


def test_an_import_waits_for_another_write_instead_of_failing(tmp_path: object) -> None:
    path = f"{tmp_path}/busy.db"
    engine = create_db_engine(
        f"sqlite:///{path}", busy_timeout_ms=100, import_busy_timeout_ms=10_000
    )
    upgrade_to_head(engine)
    film_id, _ = _film_and_person(engine)
    holding = threading.Event()
    worker = threading.Thread(target=_hold_write_lock, args=(path, 0.8, holding))
    worker.start()
    assert holding.wait(5)
    started = time.perf_counter()
    with unit_of_work(engine, long_wait=True) as session:  # waits at BEGIN IMMEDIATE
        session.add(Person(handle="ml:2", kind="community", source="ml"))
    waited = time.perf_counter() - started
    worker.join()
    assert waited > 0.3  # it really waited (far past the app's 100 ms) for the other commit
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM persons")).scalar() == 3
    assert film_id


def test_an_app_write_behind_a_long_import_gets_busy_error_within_seconds(
    tmp_path: object,
) -> None:
    path = f"{tmp_path}/busy.db"
    engine = create_db_engine(f"sqlite:///{path}", busy_timeout_ms=300)
    upgrade_to_head(engine)
    holding = threading.Event()
    worker = threading.Thread(target=_hold_write_lock, args=(path, 4.0, holding))
    worker.start()
    try:
        assert holding.wait(5)
        started = time.perf_counter()
        with pytest.raises(BusyError) as caught, unit_of_work(engine) as session:
            session.add(Person(handle="Jess", handle_key="jess", kind="member"))
        waited = time.perf_counter() - started
    finally:
        worker.join()
    assert 0.25 < waited < 2.5  # waited its 300 ms, not the other writer's 4 s
    error = caught.value
    assert error.status_code == 503
    assert error.retry_after == 5
    assert error.message == "the database is busy with another write (an import?)"
    assert error.hint == "try again in a few seconds"
    with engine.connect() as conn:  # nothing of the refused write landed
        assert conn.execute(text("SELECT handle FROM persons")).scalars().all() == ["ml:1"]


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="not a database URL"):
        create_db_engine("not a url at all")


def test_sqlite_readers_do_not_wait_for_a_long_import(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/read.db"
    importer = create_db_engine(url)
    upgrade_to_head(importer)
    _film_and_person(importer)
    app = create_db_engine(url, busy_timeout_ms=200)
    holding, done = threading.Event(), threading.Event()

    def long_import() -> None:
        with unit_of_work(importer) as session:
            session.add(Person(handle="ml:1", kind="community", source="ml"))
            session.flush()
            holding.set()
            done.wait(10)  # the import's transaction holds the write lock meanwhile

    worker = threading.Thread(target=long_import)
    worker.start()
    try:
        holding.wait(5)
        upgrade_to_head(app)  # every command checks the schema first
        with unit_of_work(app, read_only=True) as session:  # sees the last commit at once
            assert session.scalar(text("SELECT count(*) FROM persons")) == 1
    finally:
        done.set()
        worker.join()


def test_unreachable_database_is_a_clear_error(tmp_path: object) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgresql://nobody@127.0.0.1:1/x")
    with pytest.raises(ConfigurationError, match=r"cannot open the database .*127\.0\.0\.1:1"):
        open_database(settings)


def test_a_writer_that_waits_too_long_gets_a_clear_error(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/busy.db"
    importer = create_db_engine(url)
    upgrade_to_head(importer)
    app = create_db_engine(url, busy_timeout_ms=100)
    with unit_of_work(importer, long_wait=True) as session:
        session.add(Person(handle="ml:1", kind="community", source="ml"))
        session.flush()  # the import holds the write lock past the app's busy timeout
        with pytest.raises(BusyError, match="busy"), unit_of_work(app) as other:
            other.add(Person(handle="Jess", kind="member"))


def test_an_import_from_a_very_long_path_is_logged_with_its_file_name(db_engine: Engine) -> None:
    from datetime import UTC, datetime

    from reelmates.services.uow import unit_of_work
    from reelmates.store.films import ImportRunRepository
    from reelmates.store.models import IMPORT_SOURCE_MAX, ImportRun

    source = "/" + "deep/" * 200 + "ratings.csv"  # 1,012 characters, over the column's 500
    with unit_of_work(db_engine) as session:
        ImportRunRepository(session).record(
            "letterboxd", source, finished_at=datetime(2026, 12, 2, tzinfo=UTC)
        )
    with unit_of_work(db_engine, read_only=True) as session:
        (label,) = session.scalars(select(ImportRun.source)).all()
    assert len(label) == IMPORT_SOURCE_MAX
    assert label.startswith("…") and label.endswith("/deep/ratings.csv")
