"""``reelmates backup`` / ``reelmates restore``: a copy of the whole database, and back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from reelmates.cli.common import DbOption, console, progress_bars, settings_from

_MODELS_NOTE = (
    "The fitted taste models are not in the backup: they are made from the database, and "
    "`reelmates train` fits one again after a restore."
)


# Paragraphs as single strings: typer's help keeps a paragraph's line breaks.
BACKUP_HELP = "\n\n".join(
    (
        "Copy the whole database into one file, while the app keeps running.",
        "SQLite: SQLite's online backup, itself a SQLite database file. PostgreSQL: pg_dump's "
        "custom format (needs the postgresql-client programs), a file pg_restore reads too.",
        _MODELS_NOTE,
    )
)
RESTORE_HELP = "\n\n".join(
    (
        "Replace everything in the database by a backup; all or nothing.",
        "The file is checked first (a reelmates database at a schema revision this version "
        "knows; an older one is upgraded), so a wrong file changes nothing. The restore takes "
        "the database's write lock: a running server waits for it; restart the server "
        "afterwards (it keeps some things in memory).",
        _MODELS_NOTE,
    )
)


def _say(*parts: str | tuple[str, str]) -> None:
    """One line; paths and URLs are plain text, never rich markup."""
    console.print(Text.assemble(*parts), highlight=False)


def backup(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="The file to write (default: backups/reelmates-<date>-<time>.db, or .pgdump, "
            "in the data directory).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Copy the whole database into one file (see BACKUP_HELP)."""
    from reelmates.services.backup import backup_database, default_backup_path

    settings = settings_from(db)
    dest = file if file is not None else default_backup_path(settings, datetime.now())
    with progress_bars() as progress:
        report = backup_database(settings, dest, progress=progress)
    _say(
        ("Backed up ", ""),
        (f"{report.database}", "bold"),
        f" (schema revision {report.revision}) to ",
        str(report.path),
        f": {report.size_bytes:,} bytes in {report.seconds:.1f} s.",
    )
    console.print(_MODELS_NOTE, markup=False, highlight=False)


def restore(
    file: Annotated[Path, typer.Argument(help="A file `reelmates backup` wrote.")],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask before replacing the database.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Replace everything in the database by a backup (see RESTORE_HELP)."""
    from reelmates.services.backup import restore_database

    settings = settings_from(db)
    if not yes:
        typer.confirm(
            f"Replace everything in {settings.effective_database_url} by {file}?",
            abort=True,
        )
    with progress_bars() as progress:
        report = restore_database(settings, file, progress=progress)
    upgraded = (
        f", upgraded from schema revision {report.backup_revision} to {report.revision}"
        if report.backup_revision != report.revision
        else ""
    )
    _say(
        "Restored ",
        str(report.path),
        f" into the {report.database} database{upgraded} in {report.seconds:.1f} s.",
    )
    console.print(
        "Restart a running server; run `reelmates train` to fit the taste model again.",
        markup=False,
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("backup", help=BACKUP_HELP)(backup)
    app.command("restore", help=RESTORE_HELP)(restore)
