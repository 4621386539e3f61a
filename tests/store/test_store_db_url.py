"""normalise_url: a malformed database URL is a ConfigurationError, never a traceback; the pool
fits the request threads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.pool import QueuePool

from reelmates.errors import ConfigurationError
from reelmates.settings import Settings
from reelmates.store.db import (
    DB_POOL_BACKGROUND,
    create_db_engine,
    engine_from_settings,
    normalise_url,
)


@pytest.mark.parametrize("raw", ["postgresql://user@host:notaport/db", "not a url"])
def test_a_malformed_url_is_a_configuration_error(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="not a database URL"):
        normalise_url(raw)


def test_a_postgresql_url_gets_the_psycopg_driver() -> None:
    url = normalise_url("postgresql://user@host:5433/db")
    assert (url.drivername, url.port, url.database) == ("postgresql+psycopg", 5433, "db")


@pytest.mark.parametrize("threads", [1, 16, 40])
def test_the_pool_holds_two_connections_per_request_slot_and_the_background_ones(
    tmp_path: Path, threads: int
) -> None:
    settings = Settings(data_dir=tmp_path, web_threads=threads)
    engine = engine_from_settings(settings)
    try:
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.size() == 2 * threads + DB_POOL_BACKGROUND
        # every request holds two connections at once and none waits
        held = [engine.connect() for _ in range(2 * threads + DB_POOL_BACKGROUND)]
        assert pool.checkedout() == 2 * threads + DB_POOL_BACKGROUND
        for conn in held:
            conn.close()
    finally:
        engine.dispose()


def test_an_in_memory_database_keeps_its_own_pool() -> None:
    engine = create_db_engine("sqlite://", pool_size=50)
    try:
        assert not isinstance(engine.pool, QueuePool)
    finally:
        engine.dispose()
