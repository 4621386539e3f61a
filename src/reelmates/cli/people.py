"""``reelmates people``: list members, add one, set their privacy and vetoes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from reelmates.cli.common import DbOption, settings_from
from reelmates.errors import ReelmatesError

people_app = typer.Typer(
    help="The members (listed without a command): handles, privacy, vetoes.",
    invoke_without_command=True,
)

# User data is printed as plain text: no markup, no :emoji: codes.
out = Console(emoji=False, highlight=False)

GenreOption = Annotated[
    list[str] | None, typer.Option("--genre", help="A genre the catalog knows (repeat).")
]
FilmOption = Annotated[
    list[str] | None, typer.Option("--film", help='A film, e.g. "Alien (1979)" (repeat).')
]


@people_app.callback()
def list_members(ctx: typer.Context, db: DbOption = None) -> None:
    """List the members (without a subcommand)."""
    if ctx.invoked_subcommand is not None:
        return
    from reelmates.services.people import list_people
    from reelmates.services.uow import unit_of_work
    from reelmates.store.migrate import open_database

    engine = open_database(settings_from(db))
    with unit_of_work(engine, read_only=True) as session:
        members = list_people(session)
    if not members:
        out.print("No members yet: `reelmates people add HANDLE`.", markup=False)
        return
    table = Table(title="Members")
    for column in ("Handle", "Name", "Private", "Ratings", "Vetoes"):
        table.add_column(column)
    for m in members:
        vetoes = [*m.vetoed_genres, *(_title(t, y) for t, y in m.vetoed_films)]
        table.add_row(
            escape(m.handle),
            escape(m.display_name),
            "yes" if m.private else "no",
            str(m.ratings),
            escape(", ".join(vetoes)),
        )
    out.print(table)


@people_app.command("add")
def add(
    handle: Annotated[str, typer.Argument(help="Log-in handle: letters, digits, . _ -")],
    name: Annotated[str | None, typer.Option("--name", help="Display name (free text).")] = None,
    db: DbOption = None,
) -> None:
    """Add a member."""
    from reelmates.services.people import add_member
    from reelmates.services.uow import unit_of_work
    from reelmates.store.migrate import open_database

    engine = open_database(settings_from(db))
    with unit_of_work(engine) as session:
        member = add_member(session, handle, name)
    out.print(f"Added {member.handle} ({member.display_name}).", markup=False)


def _set_private(handle: str, private: bool, db: str | None) -> None:
    from reelmates.services.people import set_private
    from reelmates.services.uow import unit_of_work
    from reelmates.store.migrate import open_database

    engine = open_database(settings_from(db))
    with unit_of_work(engine) as session:
        set_private(session, handle, private)
    state = "private: others see that a film suits them, never their ratings" if private else ""
    out.print(f"{handle}'s taste is now {state or 'public'}.", markup=False)


@people_app.command("private")
def private(handle: Annotated[str, typer.Argument()], db: DbOption = None) -> None:
    """Keep HANDLE's ratings private."""
    _set_private(handle, True, db)


@people_app.command("public")
def public(handle: Annotated[str, typer.Argument()], db: DbOption = None) -> None:
    """Let others see HANDLE's ratings."""
    _set_private(handle, False, db)


def _vetoes(
    handle: str, genres: list[str] | None, films: list[str] | None, db: str | None, add: bool
) -> None:
    from reelmates.services import people
    from reelmates.services.together import find_films
    from reelmates.services.uow import unit_of_work
    from reelmates.store.migrate import open_database

    if not genres and not films:
        raise ReelmatesError(
            "name a --genre or a --film", hint='e.g. --genre Horror --film "Alien (1979)"'
        )
    engine = open_database(settings_from(db))
    film_ids: list[tuple[str, int]] = []
    lines: list[str] = []
    with unit_of_work(engine) as session:
        for title in films or ():
            ids = sorted(find_films(session, [title]))
            if len(ids) > 1:
                raise ReelmatesError(
                    f"{title!r} names {len(ids)} films", hint='Add the year: "Title (1994)".'
                )
            film_ids.append((title, ids[0]))
        for genre in genres or ():
            if add:
                changed = people.veto_genre(session, handle, genre)
            else:
                changed = people.unveto_genre(session, handle, genre)
            lines.append(_said(handle, genre, add, changed))
        for title, film_id in film_ids:
            if add:
                changed = people.veto_film(session, handle, film_id)
            else:
                changed = people.unveto_film(session, handle, film_id)
            lines.append(_said(handle, title, add, changed))
    for line in lines:
        out.print(line, markup=False)


def _said(handle: str, what: str, add: bool, changed: bool) -> str:
    if add:
        return f"{handle} vetoes {what}." if changed else f"{handle} already vetoed {what}."
    return f"{handle} no longer vetoes {what}." if changed else f"{handle} did not veto {what}."


@people_app.command("veto")
def veto(
    handle: Annotated[str, typer.Argument()],
    genre: GenreOption = None,
    film: FilmOption = None,
    db: DbOption = None,
) -> None:
    """Never offer HANDLE films of a genre, or a film, in any group."""
    _vetoes(handle, genre, film, db, add=True)


@people_app.command("unveto")
def unveto(
    handle: Annotated[str, typer.Argument()],
    genre: GenreOption = None,
    film: FilmOption = None,
    db: DbOption = None,
) -> None:
    """Lift HANDLE's veto of a genre or a film."""
    _vetoes(handle, genre, film, db, add=False)


def _title(title: str, year: int | None) -> str:
    return f"{title} ({year})" if year else title


def register(app: typer.Typer) -> None:
    app.add_typer(people_app, name="people")
