"""``reelmates train``: refit the taste model on everything in the database."""

from __future__ import annotations

import typer
from rich.markup import escape

from reelmates.cli.common import DbOption, console, progress_bars, settings_from


def train(db: DbOption = None) -> None:
    """Refit the taste model (collaborative + content hybrid) on every rating and film."""
    from reelmates.services.taste import train_taste_model
    from reelmates.store.migrate import open_database

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
