"""``reelmates admin``: what the server's operator does from its terminal (make an operator)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from reelmates.cli.common import DbOption, settings_from
from reelmates.errors import ReelmatesError

admin_app = typer.Typer(help="The server's operator: make an operator account.")

# User data is printed as plain text: no markup, no :emoji: codes.
out = Console(emoji=False, highlight=False)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            raise ReelmatesError(
                "--password-stdin read no password", hint="Send it as the first line of input."
            )
        return password
    typed: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return typed


@admin_app.command("create")
def create(
    handle: Annotated[str, typer.Argument(help="Log-in handle: letters, digits, . _ -")],
    name: Annotated[str | None, typer.Option("--name", help="Display name (free text).")] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of standard input (for scripts); "
            "otherwise it is asked twice, hidden.",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Make an operator account (whatever the sign-up policy): it logs in on the web app and
    can disable accounts and reset passwords there."""
    from reelmates.services.accounts import Passwords
    from reelmates.services.operator import create_operator
    from reelmates.services.uow import unit_of_work
    from reelmates.store.migrate import open_database

    settings = settings_from(db)
    password = _password(password_stdin)
    engine = open_database(settings)
    try:
        with unit_of_work(engine) as session:
            made = create_operator(
                session,
                Passwords.from_settings(settings),
                handle=handle,
                display_name=name,
                password=password,
                now=datetime.now(UTC),
            )
    finally:
        engine.dispose()
    out.print(
        f"Made {made.handle} ({made.display_name}) an operator: log in with that handle on "
        "the web app (reelmates serve).",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(admin_app, name="admin")
