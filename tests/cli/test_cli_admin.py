"""`reelmates admin create`: an operator account made from the terminal (password on standard
input, or asked twice, hidden), on a real SQLite file, which then logs in as the operator."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from processes import reelmates_here
from reelmates.cli.app import _register_commands, app
from reelmates.errors import ReelmatesError
from reelmates.services import accounts
from reelmates.services.accounts import LoginLimiter, Passwords
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.migrate import open_database

PASSWORD = "a good long password"
CHEAP = {"REELMATES_ARGON2_TIME_COST": "1", "REELMATES_ARGON2_MEMORY_KIB": "64"}


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'reelmates.db'}"


def _logged_in_role(tmp_path: Path, handle: str, password: str) -> str | None:
    """The role of the account this handle and password log in to (None: refused)."""
    settings = Settings(data_dir=tmp_path, argon2_time_cost=1, argon2_memory_kib=64)
    engine = open_database(settings)
    try:
        with unit_of_work(engine) as session:
            who = accounts.log_in(
                session,
                Passwords.from_settings(settings),
                LoginLimiter(100, 100, 60),
                handle=handle,
                password=password,
                address="test",
                now=datetime.now(UTC),
            )
            return who.role
    except ReelmatesError:
        return None
    finally:
        engine.dispose()


def test_create_reads_the_password_from_stdin(
    tmp_path: Path, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register_commands()
    runner = CliRunner()
    args = ["admin", "create", "Op", "--name", "[bold]The Op[/bold]", "--password-stdin"]
    made = runner.invoke(app, [*args, "--db", db], input=PASSWORD + "\n", env=CHEAP)
    assert made.exit_code == 0, made.output
    assert "Made Op ([bold]The Op[/bold]) an operator" in made.output  # data, not markup
    assert PASSWORD not in made.output
    assert _logged_in_role(tmp_path, "op", PASSWORD) == "operator"
    assert _logged_in_role(tmp_path, "op", PASSWORD + "x") is None
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    taken = reelmates_here(  # through the real entry point: a plain error, exit code 2
        monkeypatch, "admin", "create", "OP", "--password-stdin", "--db", db, home=tmp_path
    )
    assert taken.returncode == 2 and "taken" in taken.stderr
    assert "Traceback" not in taken.stderr


def test_create_asks_twice_hidden_until_both_match(tmp_path: Path, db: str) -> None:
    _register_commands()
    runner = CliRunner()
    typed = f"{PASSWORD}\n{PASSWORD}!\n{PASSWORD}\n{PASSWORD}\n"  # a mismatch, then a match
    made = runner.invoke(app, ["admin", "create", "op", "--db", db], input=typed, env=CHEAP)
    assert made.exit_code == 0, made.output
    assert "do not match" in made.output and PASSWORD not in made.output  # hidden
    assert _logged_in_role(tmp_path, "op", PASSWORD) == "operator"


def test_a_short_password_or_none_makes_nothing(tmp_path: Path, db: str) -> None:
    _register_commands()
    runner = CliRunner()
    short = runner.invoke(
        app, ["admin", "create", "op", "--password-stdin", "--db", db], input="short\n", env=CHEAP
    )
    assert short.exit_code != 0
    empty = runner.invoke(
        app, ["admin", "create", "op", "--password-stdin", "--db", db], input="", env=CHEAP
    )
    assert empty.exit_code != 0
    assert _logged_in_role(tmp_path, "op", "short") is None  # nothing was made
    settings = Settings(data_dir=tmp_path)
    engine = open_database(settings)
    try:
        with unit_of_work(engine, read_only=True) as session:
            assert accounts.is_first_account(session)
    finally:
        engine.dispose()
