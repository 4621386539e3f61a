"""Copies of the whole database, with each database's own tools.

SQLite: the online backup API (``sqlite3.Connection.backup``) in one step: a read transaction, so
under WAL the app keeps writing and the copy is the database as of one commit. Restoring runs the
same API the other way, into the live file: one write transaction that takes SQLite's write lock
(the lock every app write takes), so a running server waits for it or sees it whole, and a
failure half way leaves the database as it was.

PostgreSQL: ``pg_dump --format=custom`` of the schema the app's tables live in (the first one on
its search path), a file ``pg_restore`` reads. Restoring pipes ``pg_restore --clean --if-exists
--no-owner`` into ``psql --single-transaction``, after dropping the app's tables: all of it one
transaction, so a failure leaves the database as it was.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import URL

from reelmates.errors import BusyError, ConfigurationError, InputFileError

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
VERSION_TABLE = "alembic_version"
# How long a backup or restore waits for SQLite's locks (a running server's writes are short).
LOCK_WAIT_SECONDS = 60.0


def file_kind(path: Path) -> str:
    """``"sqlite"``, ``"pgdump"`` (pg_dump's custom format) or ``"other"``, from the first bytes."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError as exc:
        raise InputFileError(path, None, "no such file") from exc
    except IsADirectoryError as exc:
        raise InputFileError(path, None, "is a folder, not a backup file") from exc
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "pgdump"
    return "other"


def partial_path(final: Path) -> Path:
    """Where a file is written before it is renamed into place (same folder: same file system)."""
    return final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.partial")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(partial: Path, final: Path) -> None:
    """Flush ``partial`` to disk and rename it to ``final`` (atomic: all of it or none)."""
    _fsync(partial)
    partial.replace(final)


# --- SQLite ------------------------------------------------------------------------------------


def sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise ConfigurationError(
            "an in-memory SQLite database cannot be backed up or restored",
            hint="Use a file URL, e.g. sqlite:///path/to/reelmates.db.",
        )
    return Path(url.database).expanduser()


def sqlite_backup(source: Path, dest: Path) -> None:
    """Copy the database at ``source`` to a new file at ``dest`` while others keep writing."""
    if not source.is_file():
        raise ConfigurationError(f"there is no database at {source}")
    partial = partial_path(dest)
    src = sqlite3.connect(source, timeout=0.1)
    try:
        dst = sqlite3.connect(partial)
        try:
            # pages=-1: every page in one step, inside one read transaction. Stepping through a
            # few pages at a time would restart on each write by another connection.
            _copy_pages(src, dst, LOCK_WAIT_SECONDS)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside
            problem = dst.execute("PRAGMA quick_check").fetchone()[0]
            if problem != "ok":
                raise ConfigurationError(f"the copy of {source} is damaged: {problem}")
        finally:
            dst.close()
        publish(partial, dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()


def sqlite_revision(path: Path) -> str | None:
    """The Alembic revision recorded in a SQLite file; None when it has no version table. An
    unreadable or damaged file is an :class:`InputFileError`."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise InputFileError(path, None, f"cannot be opened as SQLite: {exc}") from exc
    try:
        problem = conn.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise InputFileError(path, None, f"the SQLite file is damaged: {problem}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if VERSION_TABLE not in tables:
            return None
        rows = conn.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputFileError(path, None, f"the SQLite file is damaged: {exc}") from exc
    finally:
        conn.close()
    return str(rows[0][0]) if len(rows) == 1 else None


def sqlite_copy(source: Path, dest: Path) -> None:
    """A plain copy of a (closed) SQLite file into a new file beside ``dest``'s final place."""
    shutil.copyfile(source, dest)


class _LockWaitError(Exception):
    """Raised from the backup's progress callback: the lock did not come in time."""


_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED


def _copy_pages(src: sqlite3.Connection, dst: sqlite3.Connection, wait_seconds: float) -> None:
    """Every page of ``src`` into ``dst`` in one step. CPython retries a busy step forever: the
    progress callback gives up after ``wait_seconds`` (then nothing was written)."""
    deadline = time.monotonic() + wait_seconds

    def check(status: int, _remaining: int, _total: int) -> None:
        if status in _BUSY_CODES and time.monotonic() > deadline:
            raise _LockWaitError

    try:
        src.backup(dst, pages=-1, progress=check, sleep=0.05)
    except _LockWaitError as exc:
        raise BusyError(
            retry_after=5,
            reason=f"another connection held the database's lock for {wait_seconds:.0f} s "
            "(an import?); nothing was changed",
        ) from exc


def sqlite_restore_into(
    source: Path, target: Path, *, lock_wait_seconds: float = LOCK_WAIT_SECONDS
) -> None:
    """Replace every page of the database at ``target`` by ``source``'s, in one transaction.

    Waits up to ``lock_wait_seconds`` for the write lock; then :class:`BusyError`.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)  # a staged copy of the backup, nobody else's
    try:
        dst = sqlite3.connect(target, timeout=0.1)
        try:
            _copy_pages(src, dst, lock_wait_seconds)
        except sqlite3.OperationalError as exc:
            raise ConfigurationError(f"restoring into {target} failed: {exc}") from exc
        finally:
            dst.close()
    finally:
        src.close()


# --- PostgreSQL --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PgTools:
    pg_dump: str
    pg_restore: str
    psql: str


def pg_tools() -> PgTools:
    """The operator's PostgreSQL client programs (on PATH)."""
    found = {name: shutil.which(name) for name in ("pg_dump", "pg_restore", "psql")}
    missing = [name for name, where in found.items() if where is None]
    if missing:
        raise ConfigurationError(
            f"{', '.join(missing)} not found on PATH: PostgreSQL's own tools write and read "
            "the backup",
            hint="Install the PostgreSQL client programs (Debian/Ubuntu: apt install "
            "postgresql-client; a version at least that of the server), then try again.",
        )
    return PgTools(found["pg_dump"] or "", found["pg_restore"] or "", found["psql"] or "")


def libpq_target(url: URL) -> tuple[str, dict[str, str]]:
    """A connection URI for libpq tools and the environment to run them with: the password goes
    in PGPASSWORD, never on a command line that ``ps`` shows."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def pg_schema(engine: Engine) -> str:
    """The schema the app's tables live in: the first one on the connection's search path."""
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one_or_none()
    if not schema:
        raise ConfigurationError("the database URL's search path names no existing schema")
    return str(schema)


def _lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip()]


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(
        command, capture_output=True, text=True, errors="replace", env=env, check=False
    )
    if done.returncode != 0:
        detail = _lines(done.stderr or done.stdout)
        raise ConfigurationError(
            f"{what} failed: {' / '.join(detail[-3:]) if detail else f'exit {done.returncode}'}",
            hint="Nothing was changed. Check the database URL and that the PostgreSQL client "
            "tools are at least the server's version.",
        )
    return done.stdout


def pg_backup(url: URL, schema: str, dest: Path) -> None:
    tools = pg_tools()
    target, env = libpq_target(url)
    partial = partial_path(dest)
    try:
        _run(
            [
                tools.pg_dump,
                "--format=custom",
                f"--schema={schema}",
                "--no-owner",
                f"--file={partial}",
                f"--dbname={target}",
            ],
            env,
            "pg_dump",
        )
        publish(partial, dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class DumpContents:
    schema: str | None  # of the version table (None: the dump has none)
    tables: tuple[str, ...]
    revision: str | None


_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ")


def pg_dump_contents(path: Path) -> DumpContents:
    """What a pg_dump file holds: its tables and the Alembic revision in its version table."""
    tools = pg_tools()
    env = dict(os.environ)
    listing = subprocess.run(
        [tools.pg_restore, "--list", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
        env=env,
        check=False,
    )
    if listing.returncode != 0:
        reason = _lines(listing.stderr)
        raise InputFileError(
            path, None, f"not a readable pg_dump file: {reason[-1] if reason else 'unreadable'}"
        )
    tables: list[str] = []
    schema: str | None = None
    for line in listing.stdout.splitlines():
        if found := _TOC_TABLE.match(line):
            tables.append(found.group(2))
            if found.group(2) == VERSION_TABLE:
                schema = found.group(1)
    revision: str | None = None
    if schema is not None:
        data = _run(
            [tools.pg_restore, "--data-only", f"--table={VERSION_TABLE}", "--file=-", str(path)],
            env,
            "pg_restore (reading the version)",
        )
        lines = data.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("COPY ") and f".{VERSION_TABLE} " in line:
                rows = [row for row in lines[i + 1 :] if row != "\\."][:2]
                rows = rows[: next((n for n, r in enumerate(rows) if not r), len(rows))]
                revision = rows[0] if len(rows) == 1 else None
                break
    return DumpContents(schema, tuple(tables), revision)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pg_restore_into(
    url: URL,
    engine: Engine,
    path: Path,
    app_tables: Iterable[str],
    *,
    lock_wait_seconds: float = LOCK_WAIT_SECONDS,
) -> None:
    """Replace the app's tables in the URL's schema by the dump's, in one transaction. Waits
    up to ``lock_wait_seconds`` for other transactions on those tables (then rolls back)."""
    tools = pg_tools()
    schema = pg_schema(engine)
    names = set(app_tables)
    present = set(inspect(engine).get_table_names(schema=schema))
    drop = sorted(present & names)
    # A server's open transaction on a table would make the DROP wait: at most this long.
    prelude = f"SET LOCAL lock_timeout = '{int(lock_wait_seconds * 1000)}ms'"
    if drop:
        tables = ", ".join(f"{_quoted(schema)}.{_quoted(t)}" for t in drop)
        prelude += f"; DROP TABLE IF EXISTS {tables} CASCADE"
    # Everything but the schema itself: the URL's schema exists and may hold other things.
    listing = _run([tools.pg_restore, "--list", str(path)], dict(os.environ), "pg_restore")
    keep = [line for line in listing.splitlines() if " SCHEMA " not in line]
    target, env = libpq_target(url)
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as listed:
        listed.write("\n".join(keep) + "\n")
    list_file = Path(listed.name)
    try:
        with tempfile.TemporaryFile() as script_err, tempfile.TemporaryFile() as apply_err:
            script = subprocess.Popen(
                [
                    tools.pg_restore,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    f"--use-list={list_file}",
                    "--file=-",
                    str(path),
                ],
                stdout=subprocess.PIPE,
                stderr=script_err,
                env=env,
            )
            apply = subprocess.Popen(
                [
                    tools.psql,
                    "--no-psqlrc",
                    "--quiet",
                    "--set=ON_ERROR_STOP=1",
                    "--single-transaction",
                    f"--command={prelude}",
                    "--file=-",
                    f"--dbname={target}",
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=apply_err,
                env=env,
            )
            _pump(script, apply)
            errors = _lines(_read(script_err) + "\n" + _read(apply_err))
    finally:
        list_file.unlink(missing_ok=True)
    if script.returncode != 0 or apply.returncode != 0:
        raise ConfigurationError(
            f"the restore failed and was rolled back: {' / '.join(errors[-3:])}",
            hint="The database is as it was before. Check the URL and that the PostgreSQL "
            "client tools are at least the server's version.",
        )


def _read(file: IO[bytes]) -> str:
    file.seek(0)
    return file.read().decode(errors="replace")


def _pump(script: subprocess.Popen[bytes], apply: subprocess.Popen[bytes]) -> None:
    """Feed pg_restore's SQL to psql. psql commits only when its input ends normally: when
    pg_restore fails (a file damaged half way), psql is killed first, so the server rolls the
    transaction back; when psql stops at an error, pg_restore is stopped."""
    assert script.stdout is not None and apply.stdin is not None
    try:
        while chunk := script.stdout.read(1 << 16):
            apply.stdin.write(chunk)
    except BrokenPipeError:  # psql stopped at an error (ON_ERROR_STOP): it rolled back
        script.kill()
    script.stdout.close()
    if script.wait() != 0 and apply.poll() is None:
        apply.kill()
    else:
        with contextlib.suppress(BrokenPipeError):
            apply.stdin.close()
    apply.wait()
