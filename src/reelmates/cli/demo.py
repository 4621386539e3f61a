"""``reelmates demo``: the worked example, offline, on the embedded default database."""

from __future__ import annotations

import typer

from reelmates.cli.common import DbOption, console, progress_bars, settings_from
from reelmates.cli.recommend import group_table


def demo(db: DbOption = None) -> None:
    """Jess and Milly, best friends since childhood, pick a film to watch together."""
    from reelmates.services.demo import DEMO_FRIENDS, run_demo
    from reelmates.store.migrate import open_database

    settings = settings_from(db)
    engine = open_database(settings)
    with progress_bars() as progress:
        result = run_demo(engine, settings, progress=progress)
    ranking = result.pick.ranking
    console.rule(f"[bold]reelmates[/] — what should {' and '.join(DEMO_FRIENDS)} watch together?")
    if not result.starter.already_there:
        console.print(
            f"Seeded the starter catalog: {result.starter.films_added} films "
            f"({result.starter.films_matched} matched to films already there) and the demo "
            f"friends {', '.join(result.starter.friends_added) or '(already present)'}."
        )
    if result.trained:
        console.print(
            f"Trained the taste model on {result.trained.ratings:,} ratings in "
            f"{result.trained.seconds:.1f} s."
        )
    console.print(f"Model: {result.pick.model}", style="dim", highlight=False)
    console.print(group_table(result.pick))
    console.print(
        f"Strategy: {ranking.strategy} over {ranking.candidates:,} candidate films "
        f"(database: {settings.effective_database_url})."
    )
    console.print(
        "Next: `reelmates import movielens ml-latest-small` for the community's taste, "
        "`reelmates import letterboxd EXPORT.zip --person YOU` for yours."
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
