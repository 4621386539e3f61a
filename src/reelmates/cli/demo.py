"""``reelmates demo``: the worked example, offline, on the embedded default database — served as
the web app with the demo friends' log-ins, or (``--no-serve``) printed in the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from reelmates.cli.common import DbOption, console, progress_bars
from reelmates.cli.recommend import group_table
from reelmates.cli.serve import HostOption, PortOption, RootPathOption, serve_web_app
from reelmates.settings import Settings, load_settings

if TYPE_CHECKING:
    from reelmates.services.demo import DemoResult

NoServeOption = Annotated[
    bool,
    typer.Option(
        "--no-serve", help="Print the worked example in the terminal instead of serving it."
    ),
]


def demo(
    no_serve: NoServeOption = False,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    root_path: RootPathOption = None,
    db: DbOption = None,
) -> None:
    """Jess and Milly, best friends since childhood, pick a film to watch together: seeds the
    starter catalog, trains, then serves the web app with their log-ins (Ctrl-C stops it)."""
    from reelmates.services.demo import DEMO_FRIENDS, demo_log_ins, run_demo
    from reelmates.store.migrate import open_database

    settings = load_settings(database_url=db, root_path=root_path)
    engine = open_database(settings)
    try:
        with progress_bars() as progress:
            result = run_demo(engine, settings, progress=progress)
        if no_serve:
            _print_example(result, settings, DEMO_FRIENDS)
            return
        _print_setup(result)
        log_ins = demo_log_ins(engine, settings)
    finally:
        engine.dispose()

    def show_log_ins() -> None:
        typer.echo("Log in as one of the demo friends (handle / password):")
        for log_in in log_ins:
            shown = log_in.password or "(a password of their own: not the demo's any more)"
            typer.echo(f"  {log_in.handle} / {shown}")
        typer.echo(
            "These log-ins are kept in the database: the next `reelmates demo` shows the same."
        )

    serve_web_app(settings, host=host, port=port, before=show_log_ins)


def _print_setup(result: DemoResult) -> None:
    if not result.starter.already_there:
        console.print(
            f"Seeded the starter catalog: {result.starter.films_added} films "
            f"({result.starter.films_matched} matched to films already there) and the demo "
            f"friends {', '.join(result.starter.friends_added) or '(already present)'}.",
            highlight=False,
        )
    if result.trained:
        console.print(
            f"Trained the taste model on {result.trained.ratings:,} ratings in "
            f"{result.trained.seconds:.1f} s.",
            highlight=False,
        )


def _print_example(result: DemoResult, settings: Settings, friends: tuple[str, ...]) -> None:
    ranking = result.pick.ranking
    console.rule(f"[bold]reelmates[/] — what should {' and '.join(friends)} watch together?")
    _print_setup(result)
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
