"""normalise_url: a malformed database URL is a ConfigurationError, never a traceback."""

from __future__ import annotations

import pytest

from reelmates.errors import ConfigurationError
from reelmates.store.db import normalise_url


@pytest.mark.parametrize("raw", ["postgresql://user@host:notaport/db", "not a url"])
def test_a_malformed_url_is_a_configuration_error(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="not a database URL"):
        normalise_url(raw)


def test_a_postgresql_url_gets_the_psycopg_driver() -> None:
    url = normalise_url("postgresql://user@host:5433/db")
    assert (url.drivername, url.port, url.database) == ("postgresql+psycopg", 5433, "db")
