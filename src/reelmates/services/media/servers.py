"""Use cases: the connected media servers (Jellyfin, Emby, Plex) as their settings show them.

Connect one (checked by reaching it: its users and libraries are read once, and a wrong key or
an address off the allow-list stores nothing), list the servers a caller may see, map members to
server users, enable or disable a library, set the schedule, remove; the views of the servers
are :mod:`.views`, syncing now :mod:`.syncing` (both found here too). Who may do what is
:mod:`.access` (one rule); credentials are encrypted here before they are stored and decrypted
only to build a client (:mod:`.clients`), never returned.

The functions that reach a server (:func:`connect`, :func:`map_member`, :func:`sync_now`) take
the engine, not a session: no transaction is held while a server answers (on SQLite a write
transaction holds the database's one write lock); each opens its own short units of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from reelmates.errors import (
    InvalidValueError,
    NotFoundError,
    SourceUnavailableError,
)
from reelmates.media.base import ServerUser
from reelmates.services.media import clients
from reelmates.services.media.access import (
    Caller,
    check_may_connect,
    check_may_map,
    server_for,
)
from reelmates.services.media.available import default_server_name

# The servers' views and syncs live beside (views.py, syncing.py); the edges find them here too.
from reelmates.services.media.syncing import sync_now, sync_server
from reelmates.services.media.views import (
    MappingView,
    ServerView,
    list_servers,
    server_view,
)
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.friends import member_accounts_by_id
from reelmates.store.media import LibraryInfo, MediaServerRepository
from reelmates.store.media_models import LIBRARY_NAME_MAX, SERVER_NAME_MAX, USER_NAME_MAX
from reelmates.store.people import PersonRepository

__all__ = [
    "Connection",
    "MappingView",
    "ServerView",
    "check_minutes",
    "connect",
    "list_servers",
    "map_member",
    "remove",
    "replace_key",
    "server_users",
    "server_view",
    "set_library",
    "set_schedule",
    "sync_now",
    "sync_server",
    "unmap_member",
]

MAX_SYNC_MINUTES = 7 * 24 * 60  # a week
SECRET_MAX = 500


def _key_char(c: str) -> bool:
    return 33 <= ord(c) < 127 and c not in '"\\'


@dataclass(frozen=True, slots=True)
class Connection:
    """What a person gives to connect a server. ``owner_id`` None: shared with every member."""

    kind: str
    base_url: str
    secret: SecretStr  # the API key (Jellyfin, Emby) or token (Plex)
    owner_id: int | None
    name: str | None = None
    sync_minutes: int | None = None


def check_minutes(minutes: int | None) -> int | None:
    """A schedule: minutes between syncs (1 to a week), or None for on demand only."""
    if minutes is None:
        return None
    if not 1 <= minutes <= MAX_SYNC_MINUTES:
        raise InvalidValueError(
            f"a sync schedule is 1 to {MAX_SYNC_MINUTES:,} minutes, not {minutes}",
            hint="Give the minutes between syncs, or off for syncs on demand only.",
        )
    return minutes


def _check_secret(secret: SecretStr) -> SecretStr:
    value = secret.get_secret_value().strip()
    # Keys and tokens are ASCII without spaces or quotes; anything else could not travel in a
    # header (and a quote would end Jellyfin's Token="...").
    if not value or len(value) > SECRET_MAX or any(not _key_char(c) for c in value):
        raise InvalidValueError(
            "the API key or token is empty or not one",
            hint="Copy it again from the server's settings (Jellyfin/Emby: Dashboard → API "
            "keys; Plex: the X-Plex-Token of your account).",
        )
    return SecretStr(value)


def _name(given: str | None, kind: str, owner_name: str | None) -> str:
    name = " ".join((given or "").split())
    if not name:
        return default_server_name(kind, owner_name)
    if len(name) > SERVER_NAME_MAX:
        raise InvalidValueError(
            f"a server's name is at most {SERVER_NAME_MAX} characters",
            hint='Give a shorter one, such as "Milly\'s Jellyfin".',
        )
    return name


def _reach(
    settings: Settings, kind: str, url: str, secret: SecretStr
) -> tuple[list[ServerUser], list[tuple[str, str]]]:
    """The server's users and film libraries, read once; a failure is the person's to fix."""
    try:
        with clients.opened(kind, url, secret, settings) as client:
            users = client.users()
            libraries = [
                (lib.external_id, lib.name[:LIBRARY_NAME_MAX]) for lib in client.libraries()
            ]
    except SourceUnavailableError as exc:
        raise InvalidValueError(
            f"the server could not be checked, nothing was stored: {exc.message}",
            hint=exc.hint,
        ) from None
    return users, libraries


def connect(
    engine: Engine, settings: Settings, caller: Caller, given: Connection, now: datetime
) -> ServerView:
    """Check and store a new server (see the module's notes); its view for ``caller``."""
    check_may_connect(caller, shared=given.owner_id is None)
    if given.owner_id is not None and given.owner_id != caller.person_id and not caller.operator:
        check_may_connect(caller, shared=True)  # someone else's server: the operator's to make
    kind = clients.check_kind(given.kind)
    url = clients.check_address(given.base_url, settings)
    secret = _check_secret(given.secret)
    minutes = check_minutes(given.sync_minutes)
    cipher = clients.cipher(settings)  # no key: refused before anything is fetched
    with unit_of_work(engine, read_only=True) as session:
        owner = None
        if given.owner_id is not None:
            owner = member_accounts_by_id(session, [given.owner_id]).get(given.owner_id)
            if owner is None:
                raise NotFoundError(
                    "a server's owner is a member with an account",
                    hint="Give the handle of a member who has signed up (or connect it shared).",
                )
        name = _name(given.name, kind, owner.display_name if owner else None)
    users, libraries = _reach(settings, kind, url, secret)
    del users  # read to check the key can list them (mapping reads them again)
    with unit_of_work(engine) as session:
        servers = MediaServerRepository(session)
        server_id = servers.add(
            kind=kind,
            name=name,
            base_url=url,
            credentials=secret,
            cipher=cipher,
            owner_id=given.owner_id,
            sync_minutes=minutes,
            now=now,
        )
        servers.replace_libraries(server_id, libraries)
        return server_view(session, caller, server_id)


def replace_key(
    engine: Engine, settings: Settings, caller: Caller, server_id: int, secret: SecretStr
) -> ServerView:
    """A new API key or token for the server (manage only), checked by reaching the server
    with it first: a key that does not work replaces nothing."""
    with unit_of_work(engine, read_only=True) as session:
        server = server_for(session, caller, server_id, manage=True)
    key = _check_secret(secret)
    cipher = clients.cipher(settings)
    _users, libraries = _reach(settings, server.kind, server.base_url, key)
    with unit_of_work(engine) as session:
        server_for(session, caller, server_id, manage=True)
        servers = MediaServerRepository(session)
        servers.set_credentials(server_id, key, cipher)
        servers.replace_libraries(server_id, libraries)
        return server_view(session, caller, server_id)


def server_users(
    engine: Engine, settings: Settings, caller: Caller, server_id: int
) -> list[ServerUser]:
    """The server's users, read from it now (manage only)."""
    with unit_of_work(engine, read_only=True) as session:
        server = server_for(session, caller, server_id, manage=True)
        secret = clients.secret_of(session, settings, server_id)
    with clients.opened(server.kind, server.base_url, secret, settings) as client:
        return client.users()


def _member_id(session: Session, handle: str) -> tuple[int, str]:
    person = PersonRepository(session).by_handle(handle.strip())
    found = member_accounts_by_id(session, [person.id]) if person is not None else {}
    if person is None or person.id not in found:
        raise NotFoundError(
            f"no member has the handle {handle.strip()!r}",
            hint="Give the handle of a member with an account.",
        )
    return person.id, found[person.id].display_name


def map_member(
    engine: Engine, settings: Settings, caller: Caller, server_id: int, handle: str, user: str
) -> MappingView:
    """Make the member ``handle`` the server user ``user`` (its id or name, as the server lists
    it: read from the server now). Manage only."""
    wanted = user.strip()
    if not wanted:
        raise InvalidValueError("say which server user", hint="Give the user's name or id.")
    with unit_of_work(engine, read_only=True) as session:
        server_for(session, caller, server_id, manage=True)
        person_id, _name_of = _member_id(session, handle)
        check_may_map(session, caller, person_id)  # before the server is reached
    users = server_users(engine, settings, caller, server_id)
    match = [u for u in users if u.external_id == wanted] or [
        u for u in users if u.name.casefold() == wanted.casefold()
    ]
    if len(match) != 1:
        known = ", ".join(sorted(u.name for u in users)[:20]) or "none"
        raise InvalidValueError(
            f"the server has {'no' if not match else 'more than one'} user {wanted!r}",
            hint=f"Its users: {known}.",
        )
    chosen = match[0]
    with unit_of_work(engine) as session:
        server_for(session, caller, server_id, manage=True)
        check_may_map(session, caller, person_id)
        MediaServerRepository(session).map_user(
            server_id, person_id, chosen.external_id, chosen.name[:USER_NAME_MAX]
        )
        people = member_accounts_by_id(session, [person_id])
    member = people[person_id]
    return MappingView(
        person_id,
        member.handle,
        member.display_name,
        chosen.external_id,
        chosen.name[:USER_NAME_MAX],
    )


def unmap_member(session: Session, caller: Caller, server_id: int, handle: str) -> None:
    """Take a member off the server's users: whoever manages it, or the member themself on a
    server they can see (their plays stop becoming their seen marks and ratings)."""
    server_for(session, caller, server_id, manage=False)
    person_id, _ = _member_id(session, handle)
    if person_id != caller.person_id:
        server_for(session, caller, server_id, manage=True)
    if not MediaServerRepository(session).unmap_user(server_id, person_id):
        raise NotFoundError(f"{handle.strip()} is not mapped on this server")


def set_library(
    session: Session, caller: Caller, server_id: int, library_id: int, enabled: bool
) -> LibraryInfo:
    """Enable or disable a library (an enabled one is read in full on the next sync)."""
    server_for(session, caller, server_id, manage=True)
    servers = MediaServerRepository(session)
    found = {lib.id: lib for lib in servers.libraries(server_id)}
    if library_id not in found:
        raise NotFoundError(f"this server has no library {library_id}")
    servers.set_library_enabled(server_id, found[library_id].external_id, enabled)
    return next(lib for lib in servers.libraries(server_id) if lib.id == library_id)


def set_schedule(
    session: Session, caller: Caller, server_id: int, minutes: int | None
) -> ServerView:
    server_for(session, caller, server_id, manage=True)
    MediaServerRepository(session).set_schedule(server_id, check_minutes(minutes))
    return server_view(session, caller, server_id)


def remove(session: Session, caller: Caller, server_id: int) -> None:
    """The server goes, with its libraries, items, mappings and log (seen marks and ratings
    it brought stay: they are the members' own now)."""
    server_for(session, caller, server_id, manage=True)
    MediaServerRepository(session).delete(server_id)
