"""``reelmates with NAME --among A --among B [--film TITLE]``: who to see a film with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from reelmates.cli.common import DbOption, console, settings_from
from reelmates.cli.text import why_lines, why_text
from reelmates.errors import ReelmatesError

if TYPE_CHECKING:
    from reelmates.together.companions import Companion, Pairing


def with_whom(
    person: Annotated[str, typer.Argument(help="You.")],
    among: Annotated[list[str], typer.Option(help="The people to choose among (repeat).")],
    film: Annotated[
        str | None, typer.Option(help="A film title; without it, the best film for each pair.")
    ] = None,
    k: Annotated[int, typer.Option(min=1, max=50, help="How many pairings.")] = 5,
    db: DbOption = None,
) -> None:
    """Who should PERSON see a film with — or, without --film, who and what to see next."""
    from reelmates.services.companions import companions_for_film, pairings_for
    from reelmates.services.taste import ModelHolder
    from reelmates.services.together import find_films
    from reelmates.services.uow import unit_of_work
    from reelmates.store.migrate import open_database

    settings = settings_from(db)
    engine = open_database(settings)
    context = ModelHolder(settings.effective_model_dir, engine).get()
    with unit_of_work(engine, read_only=True) as session:
        if film is None:
            pairings = pairings_for(session, context, person, among, k)
        else:
            ids = sorted(find_films(session, [film]))
            if len(ids) > 1:
                raise ReelmatesError(f"{film!r} names {len(ids)} films; add the year to the title")
            companions = companions_for_film(session, context, person, ids[0], among)
    if film is None:
        console.print(pairings_table(pairings, person))
    else:
        console.print(companions_table(companions, person, film))


def companions_table(companions: Sequence[Companion], person: str, film: str) -> Table:
    """People ranked for a film, with their stars and why."""
    table = Table(title=Text(f"Who should {person} see {film} with?"))
    for column in ("#", "Who", "★", "Why"):
        table.add_column(column)
    for n, c in enumerate(companions, 1):
        table.add_row(str(n), Text(c.name), f"{c.stars:.1f}", why_text(c.reason))
    return table


def pairings_table(pairings: Sequence[Pairing], person: str) -> Table:
    """The best person-and-film pairings for ``person``: both stars and both reasons."""
    table = Table(title=Text(f"Who, and what, should {person} see next?"), show_lines=True)
    for column in ("#", "With", "Film", f"{person} ★", "their ★", "Why"):
        table.add_column(Text(column))
    for n, p in enumerate(pairings, 1):
        table.add_row(
            str(n),
            Text(p.name),
            Text(p.title),
            f"{p.your_stars:.1f}",
            f"{p.their_stars:.1f}",
            why_lines(p.reasons),
        )
    return table


def register(app: typer.Typer) -> None:
    app.command("with")(with_whom)
