"""Alembic, driven from code (the migration scripts ship inside the package), and opening a
database: an engine whose schema is at the newest revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from reelmates.errors import ConfigurationError
from reelmates.settings import Settings
from reelmates.store.db import engine_from_settings, read_only

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def known_revisions() -> list[str]:
    """Every revision of the shipped migration scripts, oldest first."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with read_only(engine).connect() as conn:  # every command checks: never wait for a writer
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    if current_revision(engine) == head_revision(engine):
        return
    command.upgrade(alembic_config(engine), "head")


def open_database(settings: Settings) -> Engine:
    """Engine with the schema migrated to the newest revision (safe to call on every start)."""
    engine = engine_from_settings(settings)
    try:
        upgrade_to_head(engine)
    except OperationalError as exc:
        raise cannot_open(engine, exc) from exc
    return engine


def cannot_open(engine: Engine, exc: OperationalError) -> ConfigurationError:
    """The error for a database that did not answer its first query (the engine disposed):
    its URL, password hidden, and the driver's first line of why."""
    engine.dispose()
    reason = str(exc.orig or exc).strip().splitlines()[0]
    return ConfigurationError(
        f"cannot open the database {engine.url.render_as_string()}: {reason}",
        hint="Check the URL (--db or REELMATES_DATABASE_URL) and that its server is running.",
    )
