"""Backing up and restoring the whole database: ``reelmates backup`` and ``reelmates restore``.

A backup is the database only. The fitted taste models (the model folder) are derived from it:
after a restore, ``reelmates train`` fits one again (a model records the database and ratings it
was fitted on, so a stale one is never mistaken for a fresh one).

A restore checks the file first (a SQLite file or a pg_dump archive of a reelmates database, at a
schema revision this version knows), so a wrong file changes nothing. A backup from an older
version is brought to the newest schema (on SQLite before it replaces anything, on a staged copy);
one from a newer version, or a database a newer version already upgraded, is refused.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from reelmates.errors import ConfigurationError, InputFileError
from reelmates.services.progress import Progress, SilentProgress
from reelmates.settings import Settings
from reelmates.store import backup as copies
from reelmates.store.db import create_db_engine, normalise_url
from reelmates.store.migrate import (
    cannot_open,
    current_revision,
    known_revisions,
    upgrade_to_head,
)
from reelmates.store.models import Base


@dataclass(frozen=True)
class BackupReport:
    path: Path
    database: str  # "sqlite" or "postgresql"
    revision: str | None  # the schema revision the backup holds
    size_bytes: int
    seconds: float


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    database: str
    backup_revision: str  # as the backup was taken
    revision: str  # the database's now (the newest)
    seconds: float


def _url(settings: Settings) -> URL:
    return normalise_url(settings.effective_database_url)


def _kind(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(f"backup and restore know SQLite and PostgreSQL, not {backend}")
    return backend


def default_backup_path(settings: Settings, now: datetime) -> Path:
    """``<data dir>/backups/reelmates-YYYYMMDD-HHMMSS.db`` (``.pgdump`` for PostgreSQL)."""
    suffix = ".db" if _kind(_url(settings)) == "sqlite" else ".pgdump"
    return settings.data_dir / "backups" / f"reelmates-{now:%Y%m%d-%H%M%S}{suffix}"


def _connected(url: URL) -> Engine:
    engine = create_db_engine(url.render_as_string(hide_password=False))
    try:
        current_revision(engine)
    except OperationalError as exc:
        raise cannot_open(engine, exc) from exc
    return engine


def backup_database(
    settings: Settings, dest: Path, *, progress: Progress | None = None
) -> BackupReport:
    """Write a copy of the database to ``dest`` (a new file; an existing one is replaced only
    once the copy is complete). The app may keep running and writing meanwhile."""
    progress = progress or SilentProgress()
    started = time.monotonic()
    url = _url(settings)
    kind = _kind(url)
    dest = dest.expanduser()
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_dir():
        raise ConfigurationError(f"{dest} is a folder: name the backup file to write")
    progress.stage(f"Backing up the {kind} database to {dest}")
    if kind == "sqlite":
        copies.sqlite_backup(copies.sqlite_file(url), dest)
        revision = copies.sqlite_revision(dest)
    else:
        engine = _connected(url)
        try:
            revision = current_revision(engine)
            copies.pg_backup(url, copies.pg_schema(engine), dest)
        finally:
            engine.dispose()
    progress.advance(1)
    return BackupReport(dest, kind, revision, dest.stat().st_size, time.monotonic() - started)


def _check_revision(path: Path, revision: str | None, known: list[str]) -> str:
    if revision is None:
        raise InputFileError(
            path, None, "not a reelmates backup: it records no reelmates schema version"
        )
    if revision not in known:
        raise InputFileError(
            path,
            None,
            f"the backup is at schema revision {revision!r}, which this reelmates does not "
            f"know (it knows up to {known[-1]}): made by a newer reelmates, or not by reelmates",
            hint="Upgrade reelmates, then restore again.",
        )
    return revision


def _check_target(engine: Engine, known: list[str]) -> None:
    at = current_revision(engine)
    if at is not None and at not in known:
        raise ConfigurationError(
            f"the database is at schema revision {at!r}, newer than this reelmates knows "
            f"({known[-1]}); nothing was restored",
            hint="Restore with the reelmates version that upgraded it.",
        )


def _not_for(path: Path, kind: str, found: str) -> InputFileError:
    if found == "pgdump":
        return InputFileError(
            path, None, "is a PostgreSQL dump: restore it into a postgresql:// database (--db)"
        )
    if found == "sqlite":
        return InputFileError(
            path, None, "is a SQLite file: restore it into a sqlite:/// database (--db)"
        )
    what = "a SQLite database file" if kind == "sqlite" else "a pg_dump file (custom format)"
    return InputFileError(path, None, f"not a reelmates backup: not {what}")


def restore_database(
    settings: Settings, source: Path, *, progress: Progress | None = None
) -> RestoreReport:
    """Replace everything in the database by the backup at ``source``. All or nothing: when the
    file is wrong or a step fails, the database is as it was."""
    progress = progress or SilentProgress()
    started = time.monotonic()
    url = _url(settings)
    kind = _kind(url)
    source = source.expanduser()
    known = known_revisions()
    found = copies.file_kind(source)
    if found != ("sqlite" if kind == "sqlite" else "pgdump"):
        raise _not_for(source, kind, found)
    progress.stage(f"Checking {source}")
    if kind == "sqlite":
        revision = _check_revision(source, copies.sqlite_revision(source), known)
        _restore_sqlite(url, source, revision, known, progress)
    else:
        contents = copies.pg_dump_contents(source)
        revision = _check_revision(source, contents.revision, known)
        _restore_postgres(url, source, contents, revision, known, progress)
    return RestoreReport(source, kind, revision, known[-1], time.monotonic() - started)


def _restore_sqlite(
    url: URL, source: Path, revision: str, known: list[str], progress: Progress
) -> None:
    target = copies.sqlite_file(url)
    if target.exists():
        engine = _connected(url)
        try:
            _check_target(engine, known)
        finally:
            engine.dispose()
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = copies.partial_path(target)  # beside the database: the same disk
    try:
        copies.sqlite_copy(source, staged)
        if revision != known[-1]:
            progress.stage(f"Upgrading the backup's schema from revision {revision} to {known[-1]}")
            engine = create_db_engine(f"sqlite:///{staged}")
            try:
                upgrade_to_head(engine)
            finally:
                engine.dispose()
        progress.stage(f"Restoring into {target}")
        copies.sqlite_restore_into(staged, target)
        progress.advance(1)
    finally:
        for leftover in (staged, Path(f"{staged}-wal"), Path(f"{staged}-shm")):
            leftover.unlink(missing_ok=True)


def _restore_postgres(
    url: URL,
    source: Path,
    contents: copies.DumpContents,
    revision: str,
    known: list[str],
    progress: Progress,
) -> None:
    engine = _connected(url)
    try:
        _check_target(engine, known)
        schema = copies.pg_schema(engine)
        if contents.schema != schema:
            raise InputFileError(
                source,
                None,
                f"the backup holds schema {contents.schema!r}, the database URL uses {schema!r}",
                hint="Restore into a database whose search path starts with the backup's schema.",
            )
        progress.stage(f"Restoring into {url.render_as_string()}")
        app_tables = {*Base.metadata.tables, copies.VERSION_TABLE, *contents.tables}
        copies.pg_restore_into(url, engine, source, app_tables)
        progress.advance(1)
        if revision != known[-1]:
            progress.stage(f"Upgrading the schema from revision {revision} to {known[-1]}")
            upgrade_to_head(engine)
    finally:
        engine.dispose()
