"""Serving the taste model safely: per database, never a half-written file, retention, staleness."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine

from reelmates.catalog.identity import normalise_title
from reelmates.errors import ConfigurationError, NotFoundError
from reelmates.services.demo import model_is_stale
from reelmates.services.starter import seed_starter_catalog
from reelmates.services.taste import (
    ModelHolder,
    database_model_dir,
    model_files,
    train_taste_model,
)
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.db import create_db_engine
from reelmates.store.films import InstallationRepository
from reelmates.store.migrate import upgrade_to_head
from reelmates.store.models import Film, ImportRun
from reelmates.taste import persist

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _engine(path: Path) -> Engine:
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    seed_starter_catalog(engine)
    return engine


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    a, b = _engine(tmp_path / "a.db"), _engine(tmp_path / "b.db")
    yield a, b
    a.dispose()
    b.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url="sqlite:///unused.db")


def _db_id(engine: Engine) -> str:
    with unit_of_work(engine, read_only=True) as session:
        return InstallationRepository(session).database_id()


def test_model_of_one_database_is_not_served_on_another(
    engines: tuple[Engine, Engine], settings: Settings
) -> None:
    a, b = engines
    assert _db_id(a) != _db_id(b)
    report = train_taste_model(a, settings, now=T0)
    assert report.path.parent == settings.effective_model_dir / _db_id(a)
    assert ModelHolder(settings.effective_model_dir, a).get().path == report.path
    with pytest.raises(NotFoundError, match="no taste model for this database yet") as info:
        ModelHolder(settings.effective_model_dir, b).get()
    assert "1 other database" in info.value.message
    # Even a file copied into B's folder is refused: the recorded database id is checked at load.
    folder_b = database_model_dir(settings.effective_model_dir, _db_id(b))
    folder_b.mkdir(parents=True)
    (folder_b / report.path.name).write_bytes(report.path.read_bytes())
    holder_b = ModelHolder(settings.effective_model_dir, b)
    with pytest.raises(ConfigurationError, match="fitted on database"):
        holder_b.get()
    assert holder_b.last_error is not None and _db_id(a) in holder_b.last_error


def test_a_bad_newer_file_never_replaces_the_served_model(
    engines: tuple[Engine, Engine], settings: Settings
) -> None:
    a, _ = engines
    good = train_taste_model(a, settings, now=T0).path
    holder = ModelHolder(settings.effective_model_dir, a)
    first = holder.get()
    assert first.path == good
    folder = good.parent
    # A save in progress and a truncated (corrupt) model file newer than the good one.
    (folder / ".taste-20990101T000000000000.npz.partial").write_bytes(b"PK\x03\x04half")
    corrupt = folder / "taste-20990101T000000000000.npz"
    corrupt.write_bytes(good.read_bytes()[:1000])
    again = holder.get()
    assert again.path == good and again.scorer is first.scorer
    assert holder.last_error is not None and "cannot read taste model" in holder.last_error
    # The bad file is not retried on every request: loading it again would be noticed.
    calls: list[Path] = []
    real = holder._load

    def counting(path: Path) -> Any:
        calls.append(path)
        return real(path)

    holder._load = counting  # type: ignore[method-assign]
    assert holder.get().path == good
    assert calls == []
    # A new process (no old model) skips the corrupt file and serves the newest loadable one.
    assert ModelHolder(settings.effective_model_dir, a).get().path == good


def test_a_corrupt_only_model_is_a_configuration_error(
    engines: tuple[Engine, Engine], settings: Settings
) -> None:
    a, _ = engines
    folder = database_model_dir(settings.effective_model_dir, _db_id(a))
    folder.mkdir(parents=True)
    (folder / "taste-20260101T000000000000.npz").write_bytes(b"not a zip at all")
    with pytest.raises(ConfigurationError, match="cannot read taste model") as info:
        ModelHolder(settings.effective_model_dir, a).get()
    assert info.value.hint and "reelmates train" in info.value.hint


def test_load_scorer_translates_a_bad_zip(tmp_path: Path) -> None:
    path = tmp_path / "taste-x.npz"
    path.write_bytes(b"PK\x03\x04 broken")
    with pytest.raises(ConfigurationError, match="cannot read taste model"):
        persist.load_scorer(path)


def test_a_save_cut_short_leaves_no_file_the_model_glob_matches(
    engines: tuple[Engine, Engine], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = engines
    good = train_taste_model(a, settings, now=T0).path

    def half_written(file: Any, **arrays: Any) -> None:
        if isinstance(file, str | Path):
            Path(file).write_bytes(b"PK\x03\x04half")
        else:
            file.write(b"PK\x03\x04half")
        raise OSError("disk full")

    monkeypatch.setattr(persist.np, "savez", half_written)
    with pytest.raises(OSError, match="disk full"):
        train_taste_model(a, settings, now=T0 + timedelta(hours=1))
    assert model_files(good.parent) == [good]
    assert list(good.parent.iterdir()) == [good]  # the partial file is cleaned up too


def test_retention_keeps_the_three_newest(
    engines: tuple[Engine, Engine], settings: Settings
) -> None:
    a, _ = engines
    reports = [train_taste_model(a, settings, now=T0 + timedelta(hours=h)) for h in range(5)]
    assert [r.deleted for r in reports] == [0, 0, 0, 1, 1]
    assert model_files(reports[0].path.parent) == [r.path for r in reports[2:]]


def test_an_import_after_training_makes_the_model_stale(
    engines: tuple[Engine, Engine], settings: Settings
) -> None:
    a, _ = engines
    train_taste_model(a, settings, now=T0)
    holder = ModelHolder(settings.effective_model_dir, a)
    assert holder.get().stale_reason is None
    assert not model_is_stale(a, settings)
    with unit_of_work(a) as session:
        session.add(ImportRun(kind="letterboxd", source="x.zip", films_added=0, finished_at=T0))
        session.add(ImportRun(kind="movielens", source="ml", films_added=2, finished_at=T0))
    reason = holder.get().stale_reason
    assert reason == ("2 imports since the model was trained (2 new films); run `reelmates train`")
    assert model_is_stale(a, settings)


def test_a_new_film_makes_the_model_stale_and_refreshes_the_catalog(
    engines: tuple[Engine, Engine], settings: Settings
) -> None:
    a, _ = engines
    train_taste_model(a, settings, now=T0)
    holder = ModelHolder(settings.effective_model_dir, a)
    first = holder.get()
    with unit_of_work(a) as session:
        title = "A Brand New Film"
        film = Film(title=title, title_key=normalise_title(title), year=2031)
        session.add(film)
        session.flush()
        new_id = film.id
    assert new_id not in first.catalog.years
    after = holder.get()
    assert after.stale_reason == "1 film added since the model was trained; run `reelmates train`"
    assert after.catalog.years[new_id] == 2031  # rebuilt from the database, not load time
    assert after.catalog is not first.catalog
    assert holder.get().catalog is after.catalog  # and not rebuilt again while nothing changes
    assert np.array_equal(after.catalog.film_ids, first.catalog.film_ids)
