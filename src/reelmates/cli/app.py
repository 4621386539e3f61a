"""The ``reelmates`` command: a typer app whose sub-commands live in sibling modules.

Each module exposes ``register(app)``; this file only wires them and turns domain errors into a red
message and a non-zero exit, so no command repeats that.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from reelmates.errors import ReelmatesError

app = typer.Typer(
    name="reelmates",
    help="Pick a film to watch together, fairly, and make the night happen.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register_commands() -> None:
    # Imported here, not at module top, so `reelmates --help` stays fast and nothing heavy
    # (numpy, SQLAlchemy engines) happens at import time of this module.
    from reelmates.cli import registry

    if app.registered_commands or app.registered_groups:  # main() called again in one process
        return
    for register in registry.command_modules():
        register(app)


def main(argv: list[str] | None = None) -> None:
    _register_commands()
    err = Console(stderr=True, emoji=False)
    try:
        app(args=argv, standalone_mode=True)
    except ReelmatesError as exc:
        # Messages quote user input and file contents: never let them be read as rich markup.
        # soft_wrap: never broken at the terminal's width, so a file name in it can be copied.
        err.print(
            f"[bold red]error:[/] {escape(exc.message)}",
            highlight=False,
            markup=True,
            soft_wrap=True,
        )
        if exc.hint:
            err.print(exc.hint, highlight=False, markup=False, soft_wrap=True)
        sys.exit(2 if exc.status_code < 500 else 1)
