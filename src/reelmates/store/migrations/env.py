"""Alembic environment: runs on the engine handed in by reelmates.store.migrate (no ini, no URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from reelmates.store.db import sqlite_foreign_keys_off
from reelmates.store.models import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - only when someone runs bare `alembic`
    raise RuntimeError("run migrations through reelmates.store.migrate.upgrade_to_head(engine)")

with engine.connect() as connection, sqlite_foreign_keys_off(connection):
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
