"""``reelmates backup`` and ``reelmates restore`` on both databases, through the command line.

With a row in every table, a backup, then changes and deletions, a restore gives back every row
of every table exactly as it was at backup time, and the file is one its database's own tools
read. A missing file, a file that is not a backup, the other database's backup, a damaged backup
(on PostgreSQL: damaged so that the restore fails half way, after dropping the tables) and a
backup from a newer version are refused with a clear message and leave every row as it was. A
backup of an older schema is upgraded to the newest on restore. Without a file name a backup
goes to the data directory; a restore asks before replacing anything.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from every_table import empty_tables, fill_every_table, snapshot
from processes import reelmates_here
from reelmates.cli.app import _register_commands, app
from reelmates.services.uow import unit_of_work
from reelmates.store.db import create_db_engine
from reelmates.store.migrate import (
    alembic_config,
    current_revision,
    known_revisions,
    upgrade_to_head,
)


def _backup_name(db_url: str) -> str:
    return "nightly.db" if db_url.startswith("sqlite") else "nightly.pgdump"


def _change_everything(engine: Engine) -> None:
    """Deletions (cascading through most tables), an update and new rows after the backup."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM nights"))
        conn.execute(text("DELETE FROM ratings"))
        conn.execute(text("UPDATE persons SET display_name = 'changed'"))
        conn.execute(text("DELETE FROM persons WHERE handle = 'bo'"))
        conn.execute(
            text("INSERT INTO persons (handle, handle_key, kind) VALUES ('cy', 'cy', 'member')")
        )
        conn.execute(text("DELETE FROM refit_lease"))


def _read_by_its_own_tools(file: Path, db_url: str) -> None:
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(file)
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            handles = conn.execute("SELECT handle FROM persons ORDER BY id").fetchall()
        finally:
            conn.close()
        assert handles == [("ana",), ("bo",)]
        assert not Path(f"{file}-wal").exists()
    else:
        listed = subprocess.run(
            ["pg_restore", "--list", str(file)], capture_output=True, text=True, check=True
        )
        assert "TABLE DATA" in listed.stdout and " ratings " in listed.stdout


def test_a_restore_gives_back_every_row_of_every_table(
    db_engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(db_engine) as session:
        fill_every_table(session)
    assert empty_tables(db_engine) == []  # a new table fails here until fill_every_table fills it
    before = snapshot(db_engine)
    assert len(before) >= 31 and len(before["persons"]) == 2
    file = tmp_path / _backup_name(db_url)

    made = reelmates_here(monkeypatch, "backup", str(file), "--db", db_url, home=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "Backed up" in made.stdout and "reelmates train" in made.stdout
    _read_by_its_own_tools(file, db_url)

    _change_everything(db_engine)
    changed = snapshot(db_engine)
    assert changed != before and changed["nights"] == [] and changed["ratings"] == []

    done = reelmates_here(monkeypatch, "restore", "--yes", str(file), "--db", db_url, home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Restored" in done.stdout
    after = snapshot(db_engine)
    for table, rows in before.items():
        assert after[table] == rows, table
    assert after == before
    assert not list(tmp_path.glob(".*partial*")) and not list(tmp_path.glob("*/.*partial*"))


def _damaged(db_url: str, good: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    """Backups damaged in ways that are only found part way through a restore -> the message."""
    data = bytearray(good.read_bytes())
    out: dict[str, tuple[Path, str]] = {}
    if db_url.startswith("sqlite"):
        cut = folder / "cut.db"
        cut.write_bytes(data[: len(data) // 2])
        out["cut short"] = (cut, "damaged")
        return out
    # An index definition that no longer parses: psql stops after the tables were dropped,
    # made again and filled.
    at = data.index(b"CREATE INDEX")
    ddl = folder / "bad-ddl.pgdump"
    ddl.write_bytes(data[:at] + b"CREATE INDUX" + data[at + 12 :])
    out["bad statement"] = (ddl, "rolled back")
    # A table's compressed rows that no longer inflate: pg_restore fails half way.
    streams = [i for i in range(len(data) - 1) if data[i : i + 2] == b"x\x9c"]
    assert len(streams) > 10  # pg_dump's zlib-compressed data blocks
    middle = streams[len(streams) // 2]
    rows = folder / "bad-rows.pgdump"
    rows.write_bytes(data[: middle + 2] + b"\xff" * 6 + data[middle + 8 :])
    out["bad rows"] = (rows, "could not uncompress data")
    return out


def test_a_file_that_is_not_a_good_backup_is_refused_and_changes_nothing(
    db_engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(db_engine) as session:
        fill_every_table(session)
    good = tmp_path / _backup_name(db_url)
    made = reelmates_here(monkeypatch, "backup", str(good), "--db", db_url, home=tmp_path)
    assert made.returncode == 0, made.stderr
    _change_everything(db_engine)  # so that a restore of anything would show
    before = snapshot(db_engine)

    text_file = tmp_path / "ratings.csv"
    text_file.write_text("userId,movieId,rating\n1,2,3.5\n", encoding="utf-8")
    other = tmp_path / "other-database"
    if db_url.startswith("sqlite"):
        other.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(100))
        other_says = "is a PostgreSQL dump"
    else:
        sqlite3.connect(other).close()
        other.write_bytes(b"SQLite format 3\x00" + bytes(100))
        other_says = "is a SQLite file"
    cases = {
        "missing": (tmp_path / "nope.db", "no such file"),
        "text": (text_file, "not a reelmates backup"),
        "other database": (other, other_says),
        **_damaged(db_url, good, tmp_path),
    }
    for case, (bad, says) in cases.items():
        done = reelmates_here(monkeypatch, "restore", "-y", str(bad), "--db", db_url, home=tmp_path)
        message = " ".join(done.stderr.split())
        assert done.returncode != 0, case
        assert "error:" in message and says in message, (case, message)
        assert snapshot(db_engine) == before, case


def test_a_backup_of_an_older_schema_is_upgraded_on_restore(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    revisions = known_revisions()
    older = revisions[-2]
    engine = create_db_engine(db_url)
    try:
        command.upgrade(alembic_config(engine), older)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO persons (handle, handle_key, kind) VALUES ('old', 'old', 'member')"
                )
            )
        file = tmp_path / _backup_name(db_url)
        made = reelmates_here(monkeypatch, "backup", str(file), "--db", db_url, home=tmp_path)
        assert made.returncode == 0, made.stderr
        assert f"revision {older}" in made.stdout
        command.upgrade(alembic_config(engine), "head")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO persons (handle, handle_key, kind) VALUES ('new', 'new', 'member')"
                )
            )

        done = reelmates_here(
            monkeypatch, "restore", "-y", str(file), "--db", db_url, home=tmp_path
        )
        assert done.returncode == 0, done.stderr
        assert f"upgraded from schema revision {older} to {revisions[-1]}" in " ".join(
            done.stdout.split()
        )
        assert current_revision(engine) == revisions[-1]
        with engine.connect() as conn:
            handles = conn.execute(text("SELECT handle FROM persons")).scalars().all()
        assert handles == ["old"]
    finally:
        engine.dispose()


def test_a_backup_from_a_newer_version_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The revision check is the same code on both databases; a SQLite file is easy to edit."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = create_db_engine(url)
    try:
        upgrade_to_head(engine)
        with unit_of_work(engine) as session:
            fill_every_table(session)
        file = tmp_path / "from-the-future.db"
        made = reelmates_here(monkeypatch, "backup", str(file), "--db", url, home=tmp_path)
        assert made.returncode == 0, made.stderr
        conn = sqlite3.connect(file)
        with conn:
            conn.execute("UPDATE alembic_version SET version_num = '0999_teleporter'")
        conn.close()
        _change_everything(engine)
        before = snapshot(engine)
        done = reelmates_here(monkeypatch, "restore", "-y", str(file), "--db", url, home=tmp_path)
        message = " ".join(done.stderr.split())
        assert done.returncode == 2
        assert "'0999_teleporter'" in message and "newer reelmates" in message
        assert "Upgrade reelmates" in message
        assert snapshot(engine) == before
    finally:
        engine.dispose()


def test_backup_names_its_own_file_and_restore_asks_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "data" / "reelmates.db"  # the default one, in the data directory

    def handles() -> list[str]:
        conn = sqlite3.connect(database)
        try:
            return [h for (h,) in conn.execute("SELECT handle FROM persons ORDER BY id")]
        finally:
            conn.close()

    assert reelmates_here(monkeypatch, "people", "add", "ana", home=tmp_path).returncode == 0
    made = reelmates_here(monkeypatch, "backup", home=tmp_path)
    assert made.returncode == 0, made.stderr
    (file,) = (tmp_path / "data" / "backups").glob("reelmates-*.db")
    assert reelmates_here(monkeypatch, "people", "add", "bo", home=tmp_path).returncode == 0

    _register_commands()
    runner = CliRunner()
    url = f"sqlite:///{database}"
    refused = runner.invoke(app, ["restore", str(file), "--db", url], input="n\n")
    assert refused.exit_code != 0 and "Replace everything" in refused.output
    assert handles() == ["ana", "bo"]
    agreed = runner.invoke(app, ["restore", str(file), "--db", url], input="y\n")
    assert agreed.exit_code == 0, agreed.output
    assert handles() == ["ana"]
