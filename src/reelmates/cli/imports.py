"""``reelmates import movielens|letterboxd``: bring in the ratings people already have."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from reelmates.cli.common import DbOption, console, progress_bars, settings_from

# Everything a report shows from the user or a file (titles, names, paths) is plain text: never
# rich markup, never an :emoji: code. Styled parts are Text spans around it.


def _say(*parts: str | tuple[str, str]) -> None:
    """Print one line: plain strings as typed, ``(text, style)`` pairs styled."""
    console.print(Text.assemble(*parts), highlight=False)


import_app = typer.Typer(help="Import ratings and films from MovieLens or a Letterboxd export.")


@import_app.command("movielens")
def movielens(
    source: Annotated[
        str,
        typer.Argument(
            help="A MovieLens folder or .zip, a URL, or a GroupLens name such as ml-latest-small "
            "(downloaded once into the cache)."
        ),
    ],
    replace: Annotated[
        bool, typer.Option(help="Replace an earlier import of the same dataset.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Import a MovieLens release (100K, 1M, latest-small, 25M, 32M): films and community ratings.

    One transaction: a bad line anywhere leaves the database exactly as it was.
    """
    from reelmates.importers.movielens import open_movielens
    from reelmates.importers.sources import resolve_source
    from reelmates.services.importing import import_movielens
    from reelmates.store.migrate import open_database

    settings = settings_from(db)
    engine = open_database(settings)
    with progress_bars() as progress:
        progress.stage(f"fetching {source}")
        root = resolve_source(
            source,
            cache_dir=settings.effective_cache_dir,
            progress=progress.update,
        )
        with root:
            report = import_movielens(
                engine, open_movielens(root), replace=replace, progress=progress
            )
    table = Table(show_header=False, highlight=False)
    rows = [
        ("films in the file", f"{report.films_in_source:,}"),
        ("matched to the catalog", f"{report.films_matched:,}"),
        ("new films", f"{report.films_created:,}"),
        ("community raters", f"{report.persons_added:,}"),
        ("ratings", f"{report.ratings_added:,}"),
    ]
    if report.duplicate_titles:
        rows.append(("titles listed twice (merged)", f"{len(report.duplicate_titles)}"))
    if report.ratings_merged:
        rows.append(("ratings of merged twins (newest kept)", f"{report.ratings_merged:,}"))
    for film in report.skipped_films:
        rows.append(("skipped placeholder", f"{film}: {report.skipped_ratings:,} ratings"))
    for label, value in rows:
        table.add_row(Text(label), Text(value))
    _say((f"Imported {report.dataset}", "bold"))  # a line of its own: a title would wrap
    console.print(table)


@import_app.command("letterboxd")
def letterboxd(
    export: Annotated[str, typer.Argument(help="The Letterboxd export: the .zip or its folder.")],
    person: Annotated[str, typer.Option("--person", help="Whose export this is (their name).")],
    db: DbOption = None,
) -> None:
    """Import a person's whole Letterboxd export, matched to the catalog by title and year."""
    from reelmates.importers.sources import open_path
    from reelmates.services.letterboxd import import_letterboxd
    from reelmates.store.migrate import open_database

    engine = open_database(settings_from(db))
    with progress_bars() as progress, open_path(export) as root:
        report = import_letterboxd(engine, root, person, progress=progress)
    verb = "created" if report.person_created else "updated"
    _say(
        f"{report.person} ({verb}): {report.ratings} ratings, {report.seen_only} seen without a "
        f"rating, {report.watchlist} on the watchlist, from {report.films_in_export} films."
    )
    if report.unmatched:
        count = len(report.unmatched)
        _say(
            (f"{count} film{'s' if count != 1 else ''} not in the catalog", "yellow"),
            " (import MovieLens or add them first):",
        )
        for label in report.unmatched:
            guess = report.did_you_mean.get(label)
            _say(f"  - {label}", *((" (did you mean ", (guess, "bold"), "?)") if guess else ()))
    for what, labels in (
        ("rating", report.ratings_removed),
        ("seen mark", report.seen_removed),
        ("watchlist entry", report.watchlist_removed),
    ):
        if labels:
            plural = what.replace("entry", "entries") if what.endswith("entry") else f"{what}s"
            _say(
                (f"Removed {len(labels)} {what if len(labels) == 1 else plural}", "yellow"),
                " no longer in the export:",
            )
            for label in labels:
                _say(f"  - {label}")


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
