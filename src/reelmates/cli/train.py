"""``reelmates train``: refit the taste model on everything in the database."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.markup import escape

from reelmates.cli.common import DbOption, console, progress_bars, settings_from

NiceOption = Annotated[
    int,
    typer.Option(
        "--nice",
        min=0,
        max=19,
        help="Run at this lower CPU priority (as nice(1)), so that a server on the same machine "
        "answers first; 0 keeps the priority it was started with.",
    ),
]


def train(db: DbOption = None, nice: NiceOption = 10) -> None:
    """Refit the taste model (collaborative + content hybrid) on every rating and film."""
    from reelmates.services.taste import train_taste_model
    from reelmates.store.migrate import open_database

    if nice:
        os.nice(nice)
        console.print(f"Fitting at CPU priority nice {os.getpriority(os.PRIO_PROCESS, 0)}.")
    settings = settings_from(db)
    engine = open_database(settings)
    with progress_bars() as progress:
        report = train_taste_model(engine, settings, progress=progress)
    console.print(
        f"Trained [bold]{report.model}[/] on {report.ratings:,} ratings by {report.persons:,} "
        f"people over {report.films:,} films in {report.seconds:.1f} s → "
        f"{escape(str(report.path))}",
        emoji=False,
    )
    if report.deleted:
        console.print(f"Deleted {report.deleted:,} older model file(s) of this database.")


def register(app: typer.Typer) -> None:
    app.command("train")(train)
