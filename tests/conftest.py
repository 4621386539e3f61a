"""Fixtures shared by every test area: seeded RNG, settings in a temp home, both databases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# These machines are noisy: no Hypothesis test may fail for being slow.
settings.register_profile("reelmates", deadline=None)
settings.load_profile("reelmates")

REPO_ROOT = Path(__file__).resolve().parents[1]
ML100K = REPO_ROOT.parent / "shared" / "data" / "ml-100k"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(42)


@pytest.fixture(scope="session")
def ml100k_dir() -> Path:
    """MovieLens 100K in its original layout; never copied into the repo (licence)."""
    if not (ML100K / "u.data").exists():
        pytest.skip(f"MovieLens 100K not found at {ML100K} (it is not redistributable; see README)")
    return ML100K


# --- order -----------------------------------------------------------------------------------
# The slowest modules first (any test marked slow, then any marked browser), the rest after in
# their usual order: run by pytest-xdist (the README's test command), the long ones start at once
# and the many short ones fill in beside them, instead of one long module running alone at the end.


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    weight: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        here = (
            0 if item.get_closest_marker("slow") else 1 if item.get_closest_marker("browser") else 2
        )
        weight[module] = min(weight.get(module, 2), here)
    items.sort(key=lambda item: weight[item.nodeid.split("::", 1)[0]])


# --- databases -------------------------------------------------------------------------------
# Store, importer and service tests run on SQLite and on the PostgreSQL server on this machine
# (REELMATES_TEST_POSTGRES_URL, default the local trust-auth server), each test in a schema of
# its own. In CI an unreachable server is a failure, not a skip.

import os  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402

from sqlalchemy import Engine, create_engine, text  # noqa: E402

POSTGRES_URL = os.environ.get(
    "REELMATES_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: not reachable
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    problem = _postgres_reachable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable in CI: {problem}")
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is not reachable: {problem}")
    return POSTGRES_URL


BOTH_DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BOTH_DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a fresh SQLite file, or a fresh PostgreSQL schema."""
    yield from _empty_database(request, tmp_path)


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def module_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like ``db_url``, shared by one module's tests (for fixtures that are costly to build)."""
    yield from _empty_database(request, tmp_path_factory.mktemp("db"))


def _empty_database(request: pytest.FixtureRequest, folder: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{folder / 'reelmates.db'}"
        return
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in admin_url else "?"
        yield f"{admin_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty database, migrated to the newest schema."""
    from reelmates.store.db import create_db_engine
    from reelmates.store.migrate import upgrade_to_head

    engine = create_db_engine(db_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


# --- Redis -----------------------------------------------------------------------------------
# The broadcaster's tests talk to the Redis server on this machine (REELMATES_TEST_REDIS_URL,
# default the local one). In CI an unreachable server is a failure, not a skip.

REDIS_URL = os.environ.get("REELMATES_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is not reachable in CI: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {exc}")
    return REDIS_URL


# --- malformed files -------------------------------------------------------------------------
# The importer property tests count the damaged files they try; the session's last line says how
# many (the figure the reliability issue's closing note quotes).

from malformed_files import TRIED  # noqa: E402
from malformed_files import summary as malformed_summary  # noqa: E402


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker: hand the counts to the controller, which prints the line."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["TRIED"] = [[imp, kind, n] for (imp, kind), n in TRIED.items()]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """On the pytest-xdist controller: add up what each worker tried."""
    for imp, kind, n in getattr(node, "workeroutput", {}).get("TRIED", []):
        TRIED[imp, kind] += n


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    line = malformed_summary()
    if line is not None:
        terminalreporter.write_line(line)
