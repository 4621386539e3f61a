"""The background refit on the starter catalog: below the threshold nothing happens; at it a
new model file is written and the holder serves it at once; too soon after the last fit, or
while another process holds the lease, nothing; the thread does it by itself."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from reelmates.services import people
from reelmates.services.films_page import rate
from reelmates.services.refit import LEASE, BackgroundRefit, check_refit, refit_if_due, trained_at
from reelmates.services.starter import seed_starter_catalog
from reelmates.services.taste import ModelHolder, model_files, train_taste_model
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.db import create_db_engine
from reelmates.store.leases import LeaseRepository
from reelmates.store.migrate import upgrade_to_head
from reelmates.store.models import Rating
from reelmates.store.ratings import RatingRepository

THRESHOLD = 4


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the starter catalog and a model fitted on it, fitted once and copied
    for each test (a copy is the same database, so it serves the same model files)."""
    folder = tmp_path_factory.mktemp("refit")
    settings = Settings(data_dir=folder)
    engine = create_db_engine(settings.effective_database_url)
    upgrade_to_head(engine)
    seed_starter_catalog(engine)
    train_taste_model(engine, settings)
    engine.dispose()  # the last connection closed: the WAL is folded into the file
    return folder


@pytest.fixture
def served(template: Path, tmp_path: Path) -> Iterator[tuple[ModelHolder, Settings]]:
    """A served model; a refit is due after 4 new ratings, at once (no minimum interval)."""
    data = tmp_path / "data"
    shutil.copytree(template, data)
    settings = Settings(
        data_dir=data,
        refit_min_new_ratings=THRESHOLD,
        refit_min_interval_seconds=0,
        refit_check_seconds=0.05,
    )
    engine = create_db_engine(settings.effective_database_url)
    holder = ModelHolder(settings.effective_model_dir, engine)
    assert holder.served() is not None
    yield holder, settings
    engine.dispose()


def _rate_new(engine: Engine, handle: str, n: int) -> None:
    with unit_of_work(engine) as session:
        people.add_member(session, handle)
        for film_id in range(1, n + 1):
            rate(session, handle, film_id, 4.0)


def test_a_new_model_is_written_and_served_at_once_when_the_threshold_is_reached(
    served: tuple[ModelHolder, Settings],
) -> None:
    holder, settings = served
    old, before = holder.served(), model_files(holder.folder)
    assert old is not None
    _rate_new(holder.engine, "ann", THRESHOLD - 1)
    check = check_refit(holder, settings, datetime.now(UTC))
    assert not check.due and check.new_ratings == THRESHOLD - 1
    assert refit_if_due(holder, settings, "me") is None  # below it: nothing
    assert model_files(holder.folder) == before
    _rate_new(holder.engine, "bea", 1)
    assert check_refit(holder, settings, datetime.now(UTC)).new_ratings == THRESHOLD
    report = refit_if_due(holder, settings, "me")
    assert report is not None and report.ratings == old.ratings + THRESHOLD
    assert model_files(holder.folder) == [*before, report.path]
    new = holder.served()
    assert new is not None and new.ratings == old.ratings + THRESHOLD
    assert holder.get().path == report.path
    with unit_of_work(holder.engine, read_only=True) as session:  # the lease is given up
        assert LeaseRepository(session).holder(LEASE, datetime.now(UTC)) is None
    assert refit_if_due(holder, settings, "me") is None  # nothing new since


def test_a_changed_rating_counts_as_new(served: tuple[ModelHolder, Settings]) -> None:
    holder, settings = served
    meta = holder.served()
    assert meta is not None
    later = int(trained_at(meta).timestamp()) + 10
    with unit_of_work(holder.engine) as session:  # someone changes their mind on 4 films
        rows = session.execute(select(Rating.person_id, Rating.film_id).limit(THRESHOLD)).all()
        for person_id, film_id in rows:
            RatingRepository(session).set_rating(person_id, film_id, 0.5, rated_at=later)
    check = check_refit(holder, settings, datetime.now(UTC))
    assert check.due and check.new_ratings == THRESHOLD  # as many ratings as before


def test_not_too_soon_after_the_last_fit(served: tuple[ModelHolder, Settings]) -> None:
    holder, settings = served
    meta = holder.served()
    assert meta is not None
    _rate_new(holder.engine, "ann", THRESHOLD)
    hourly = settings.model_copy(update={"refit_min_interval_seconds": 3600})
    fitted = trained_at(meta)
    assert refit_if_due(holder, hourly, "me", now=fitted + timedelta(minutes=59)) is None
    assert check_refit(holder, hourly, fitted + timedelta(minutes=61)).due


def test_zero_turns_it_off(served: tuple[ModelHolder, Settings]) -> None:
    holder, settings = served
    _rate_new(holder.engine, "ann", THRESHOLD * 3)
    off = settings.model_copy(update={"refit_min_new_ratings": 0})
    assert not check_refit(holder, off, datetime.now(UTC)).due
    assert refit_if_due(holder, off, "me") is None
    assert not BackgroundRefit(holder, off).enabled


def test_another_process_holding_the_lease_refits_instead(
    served: tuple[ModelHolder, Settings],
) -> None:
    holder, settings = served
    before = model_files(holder.folder)
    _rate_new(holder.engine, "ann", THRESHOLD)
    now = datetime.now(UTC)
    with unit_of_work(holder.engine) as session:
        assert LeaseRepository(session).acquire(LEASE, "other", now, now + timedelta(hours=1))
    assert refit_if_due(holder, settings, "me") is None
    assert model_files(holder.folder) == before


def test_the_thread_refits_by_itself(served: tuple[ModelHolder, Settings]) -> None:
    holder, settings = served
    old = holder.served()
    assert old is not None
    refit = BackgroundRefit(holder, settings)
    refit.start()
    try:
        _rate_new(holder.engine, "ann", THRESHOLD)
        deadline = time.monotonic() + 60
        while refit.refits == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        refit.stop(timeout=60)
    new = holder.served()
    assert refit.refits == 1 and new is not None and new.ratings == old.ratings + THRESHOLD
