"""``reelmates library``: the media servers (Jellyfin, Emby, Plex) from the server's terminal.

Whoever runs these holds the database, so they act as the operator (the rule of
``services/media/access.py``): a server is shared with every member unless ``--owner`` makes it
a member's own. The API key or token is read from ``REELMATES_LIBRARY_KEY`` or asked for,
hidden; it is never printed, nor any part of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine

from reelmates.cli.common import DbOption, settings_from
from reelmates.errors import InvalidValueError
from reelmates.settings import Settings

library_app = typer.Typer(
    help="Media servers (Jellyfin, Emby, Plex): connect, sync, map members, schedule.",
    no_args_is_help=True,
)

# User data (names, titles, server answers) is printed as plain text: no markup, no :emoji:.
out = Console(emoji=False, highlight=False)

ServerArg = Annotated[int, typer.Argument(help="The server's number (`reelmates library list`).")]


@contextmanager
def _engine(settings: Settings) -> Iterator[Engine]:
    from reelmates.store.migrate import open_database

    engine = open_database(settings)
    try:
        yield engine
    finally:
        engine.dispose()


def _minutes(text: str) -> int | None:
    cleaned = text.strip().lower()
    if cleaned in ("off", "none", "never", "0"):
        return None
    if not cleaned.isdecimal():
        raise InvalidValueError(
            f"not a schedule: {text!r}", hint="Give the minutes between syncs (e.g. 60), or off."
        )
    return int(cleaned)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


@library_app.command("add")
def add(
    kind: Annotated[str, typer.Argument(help="jellyfin, emby or plex")],
    url: Annotated[str, typer.Argument(help="The server's address, e.g. http://192.168.1.20:8096")],
    key: Annotated[
        str,
        typer.Option(
            "--key",
            envvar="REELMATES_LIBRARY_KEY",
            prompt="API key or Plex token",
            hide_input=True,
            show_default=False,
            help="The API key (Jellyfin, Emby) or token (Plex): asked for, hidden, unless "
            "REELMATES_LIBRARY_KEY is set.",
        ),
    ],
    name: Annotated[str | None, typer.Option("--name", help="What members see it called.")] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="A member's handle: their own server.")
    ] = None,
    schedule: Annotated[
        str, typer.Option("--schedule", help="Minutes between syncs, or off.")
    ] = "360",
    db: DbOption = None,
) -> None:
    """Connect a server: it is reached now (users and libraries), and nothing is stored if the
    address is not allowed or the key is refused."""
    from reelmates.services.media import servers as media
    from reelmates.services.media.access import TERMINAL
    from reelmates.services.uow import unit_of_work
    from reelmates.store.people import PersonRepository

    settings = settings_from(db)
    minutes = _minutes(schedule)
    with _engine(settings) as engine:
        owner_id = None
        if owner is not None:
            with unit_of_work(engine, read_only=True) as session:
                owner_id = PersonRepository(session).require(owner.strip()).id
        given = media.Connection(kind, url, SecretStr(key), owner_id, name, minutes)
        view = media.connect(engine, settings, TERMINAL, given, datetime.now(UTC))
    whose = f"{view.owner_name}'s own" if view.owner_name else "shared with every member"
    out.print(
        Text(f"Connected server {view.id}: {view.name} ({view.kind_name}, {whose}), ")
        + Text(f"{len(view.libraries)} film libraries. Next: reelmates library sync {view.id}")
    )


@library_app.command("list")
def list_servers(db: DbOption = None) -> None:
    """Every connected server, its last sync and its members (never its key)."""
    from reelmates.services.media import servers as media
    from reelmates.services.media.access import TERMINAL
    from reelmates.services.uow import unit_of_work

    settings = settings_from(db)
    with _engine(settings) as engine, unit_of_work(engine, read_only=True) as session:
        views = media.list_servers(session, TERMINAL)
    if not views:
        out.print("No media server is connected: reelmates library add KIND URL connects one.")
        return
    for v in views:
        last = _when(v.last_sync_at) + ("" if v.last_sync_ok in (None, True) else " (failed)")
        members = ", ".join(f"{m.handle} = {m.user_name}" for m in v.mappings) or "none"
        every = f"every {v.sync_minutes} min" if v.sync_minutes else "on demand"
        line = (
            f"{v.id}  {v.name}  {v.kind_name}  {v.base_url or ''}  "
            f"{v.owner_handle or 'shared'}  {every}  last sync: {last}  members: {members}"
        )
        out.print(Text(line), soft_wrap=True)  # one line a server, whatever the width
    for v in views:
        if v.last_sync_ok is False and v.last_error:
            out.print(Text(f"{v.name}: the last sync failed: {v.last_error}"))


@library_app.command("sync")
def sync_server(
    server: ServerArg,
    full: Annotated[
        bool, typer.Option("--full", help="Read every film, not only changes.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Sync a server now: its films matched to the catalog, members' plays and ratings."""
    from reelmates.services.media import servers as media
    from reelmates.services.media.access import TERMINAL

    settings = settings_from(db)
    with _engine(settings) as engine:
        report = media.sync_now(engine, settings, TERMINAL, server, datetime.now(UTC), full=full)
    out.print(
        f"Read {report.fetched:,} films{' (all)' if report.full_sync else ' (changed ones)'}: "
        f"{report.matched_by_id:,} matched by id, {report.matched_by_title:,} by title, "
        f"{report.added:,} added to the catalog, {len(report.unmatched):,} not matched "
        f"({report.match_rate:.0%} placed); {report.removed:,} gone from the server; "
        f"{report.seen_added:,} seen marks and {report.ratings_added:,} ratings taken.",
        markup=False,
    )
    for missed in report.unmatched[:20]:
        year = f" ({missed.year})" if missed.year else ""
        out.print(Text(f"  not matched: {missed.title}{year}: {missed.reason}"))


@library_app.command("map")
def map_member(
    server: ServerArg,
    handle: Annotated[str, typer.Argument(help="The member's handle.")],
    user: Annotated[
        str | None, typer.Argument(help="The server user (name or id); omit with --off.")
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="Unmap the member instead.")] = False,
    db: DbOption = None,
) -> None:
    """Make a member a server user: what that user watched and rated becomes theirs."""
    from reelmates.services.media import servers as media
    from reelmates.services.media.access import TERMINAL
    from reelmates.services.uow import unit_of_work

    settings = settings_from(db)
    with _engine(settings) as engine:
        if off:
            with unit_of_work(engine) as session:
                media.unmap_member(session, TERMINAL, server, handle)
            out.print(Text(f"{handle.strip()} is no longer mapped on server {server}."))
            return
        if user is None:
            raise InvalidValueError(
                "say which server user", hint="Give the user's name or id after the handle."
            )
        made = media.map_member(engine, settings, TERMINAL, server, handle, user)
    out.print(
        Text(f"{made.display_name} ({made.handle}) is now {made.user_name} on server {server}.")
    )


@library_app.command("libraries")
def libraries(
    server: ServerArg,
    enable: Annotated[
        list[int] | None, typer.Option("--enable", help="A library's number to read.")
    ] = None,
    disable: Annotated[
        list[int] | None, typer.Option("--disable", help="A library's number to leave out.")
    ] = None,
    db: DbOption = None,
) -> None:
    """The server's film libraries; --enable / --disable change which are read."""
    from reelmates.services.media import servers as media
    from reelmates.services.media.access import TERMINAL
    from reelmates.services.uow import unit_of_work

    settings = settings_from(db)
    with _engine(settings) as engine:
        with unit_of_work(engine) as session:
            for library_id in enable or []:
                media.set_library(session, TERMINAL, server, library_id, True)
            for library_id in disable or []:
                media.set_library(session, TERMINAL, server, library_id, False)
        with unit_of_work(engine, read_only=True) as session:
            view = media.server_view(session, TERMINAL, server)
    table = Table("#", "library", "read", "last synced")
    for lib in view.libraries:
        table.add_row(
            str(lib.id), Text(lib.name), "yes" if lib.enabled else "no", _when(lib.synced_at)
        )
    out.print(table)


@library_app.command("schedule")
def schedule(
    server: ServerArg,
    minutes: Annotated[str, typer.Argument(help="Minutes between syncs, or off.")],
    db: DbOption = None,
) -> None:
    """How often `reelmates serve` syncs the server (off: only on demand)."""
    from reelmates.services.media import servers as media
    from reelmates.services.media.access import TERMINAL
    from reelmates.services.uow import unit_of_work

    settings = settings_from(db)
    with _engine(settings) as engine, unit_of_work(engine) as session:
        view = media.set_schedule(session, TERMINAL, server, _minutes(minutes))
    every = f"every {view.sync_minutes} minutes" if view.sync_minutes else "only on demand"
    out.print(Text(f"{view.name} is synced {every}."))


@library_app.command("key")
def replace_key(
    server: ServerArg,
    key: Annotated[
        str,
        typer.Option(
            "--key",
            envvar="REELMATES_LIBRARY_KEY",
            prompt="New API key or Plex token",
            hide_input=True,
            show_default=False,
            help="Asked for, hidden, unless REELMATES_LIBRARY_KEY is set.",
        ),
    ],
    db: DbOption = None,
) -> None:
    """Replace a server's API key or token (checked with the server first)."""
    from reelmates.services.media import servers as media
    from reelmates.services.media.access import TERMINAL

    settings = settings_from(db)
    with _engine(settings) as engine:
        view = media.replace_key(engine, settings, TERMINAL, server, SecretStr(key))
    out.print(Text(f"{view.name} has its new key (it worked)."))


@library_app.command("remove")
def remove(
    server: ServerArg,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask to confirm.")] = False,
    db: DbOption = None,
) -> None:
    """Disconnect a server: its libraries, films and mappings go (seen marks and ratings it
    brought stay the members')."""
    from reelmates.services.media import servers as media
    from reelmates.services.media.access import TERMINAL
    from reelmates.services.uow import unit_of_work

    settings = settings_from(db)
    with _engine(settings) as engine:
        with unit_of_work(engine, read_only=True) as session:
            view = media.server_view(session, TERMINAL, server)
        if not yes and not typer.confirm(f"Remove server {server} ({view.name})?"):
            raise typer.Exit(1)
        with unit_of_work(engine) as session:
            media.remove(session, TERMINAL, server)
    out.print(Text(f"Removed {view.name}."))


def register(app: typer.Typer) -> None:
    app.add_typer(library_app, name="library")
