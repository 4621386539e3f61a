"""Use cases: the connected media servers (Jellyfin, Emby, Plex) as their settings show them.

Connect one (checked by reaching it: its users and libraries are read once, and a wrong key or
an address off the allow-list stores nothing), list the servers a caller may see, map members to
server users, enable or disable a library, set the schedule, sync now, remove. Who may do what
is :mod:`reelmates.services.media.access` (one rule); credentials are encrypted here before they
are stored and decrypted only to build a client, never returned.

The functions that reach a server (:func:`connect`, :func:`map_member`, :func:`sync_now`) take
the engine, not a session: no transaction is held while a server answers (on SQLite a write
transaction holds the database's one write lock); each opens its own short units of work.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from reelmates.errors import (
    ConflictError,
    InvalidValueError,
    NotFoundError,
    SourceUnavailableError,
)
from reelmates.media.base import ServerUser
from reelmates.services.media import clients
from reelmates.services.media.access import (
    Caller,
    access,
    check_may_connect,
    check_may_map,
    server_for,
)
from reelmates.services.media.available import KIND_NAMES, default_server_name
from reelmates.services.media.sync import SyncReport, sync
from reelmates.services.refit import process_id
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.credentials import CredentialCipher
from reelmates.store.friends import member_accounts_by_id
from reelmates.store.leases import LeaseRepository
from reelmates.store.media import LibraryInfo, MediaServerRepository, ServerInfo, SyncRunInfo
from reelmates.store.media_models import LIBRARY_NAME_MAX, SERVER_NAME_MAX, USER_NAME_MAX
from reelmates.store.people import PersonRepository

MAX_SYNC_MINUTES = 7 * 24 * 60  # a week
RUNS_SHOWN = 5
SECRET_MAX = 500
SYNC_LEASE = "media-sync"  # one lease a server: "media-sync:12"
SYNC_LEASE_SECONDS = 3600  # a sync that died holding it frees it after this long


@dataclass(frozen=True, slots=True)
class Connection:
    """What a person gives to connect a server. ``owner_id`` None: shared with every member."""

    kind: str
    base_url: str
    secret: SecretStr  # the API key (Jellyfin, Emby) or token (Plex)
    owner_id: int | None
    name: str | None = None
    sync_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class MappingView:
    person_id: int
    handle: str
    display_name: str
    user_external_id: str
    user_name: str


@dataclass(frozen=True, slots=True)
class ServerView:
    """A server as one caller may see it. With ``access == "see"`` only the identity fields are
    filled (and ``mappings`` holds the caller's own, if any); the credentials are never here,
    only that they are set."""

    id: int
    kind: str
    kind_name: str
    name: str
    shared: bool
    owner_handle: str | None
    owner_name: str | None
    access: str  # "manage" | "see"
    mappings: tuple[MappingView, ...]
    base_url: str | None = None
    sync_minutes: int | None = None
    credentials_set: bool = False
    last_sync_at: datetime | None = None
    last_sync_ok: bool | None = None
    last_error: str | None = None
    last_good_sync_at: datetime | None = None
    libraries: tuple[LibraryInfo, ...] = ()
    runs: tuple[SyncRunInfo, ...] = ()


def _cipher(settings: Settings) -> CredentialCipher:
    return CredentialCipher(settings.media_secret_key)


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
    if not value or len(value) > SECRET_MAX or any(not c.isprintable() for c in value):
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


def _view(session: Session, caller: Caller, server: ServerInfo) -> ServerView | None:
    allowed = access(session, caller, server)
    if allowed is None:
        return None
    servers = MediaServerRepository(session)
    mappings = servers.mappings(server.id)
    people = member_accounts_by_id(
        session, sorted({m.person_id for m in mappings} | {server.owner_id or 0} - {0})
    )
    shown = [
        MappingView(
            m.person_id,
            people[m.person_id].handle,
            people[m.person_id].display_name,
            m.user_external_id,
            m.user_name,
        )
        for m in mappings
        if m.person_id in people and (allowed == "manage" or m.person_id == caller.person_id)
    ]
    owner = people.get(server.owner_id) if server.owner_id is not None else None
    base = ServerView(
        id=server.id,
        kind=server.kind,
        kind_name=KIND_NAMES.get(server.kind, server.kind),
        name=server.name,
        shared=server.owner_id is None,
        owner_handle=owner.handle if owner else None,
        owner_name=owner.display_name if owner else None,
        access=allowed,
        mappings=tuple(shown),
    )
    if allowed != "manage":
        return base
    return replace(
        base,
        base_url=server.base_url,
        sync_minutes=server.sync_minutes,
        credentials_set=True,
        last_sync_at=server.last_sync_at,
        last_sync_ok=server.last_sync_ok,
        last_error=server.last_error,
        last_good_sync_at=server.last_good_sync_at,
        libraries=tuple(servers.libraries(server.id)),
        runs=tuple(servers.runs(server.id, RUNS_SHOWN)),
    )


def list_servers(session: Session, caller: Caller) -> list[ServerView]:
    """Every server ``caller`` may see (see :mod:`.access`), by id."""
    found = (_view(session, caller, s) for s in MediaServerRepository(session).all())
    return [view for view in found if view is not None]


def server_view(session: Session, caller: Caller, server_id: int) -> ServerView:
    view = _view(session, caller, server_for(session, caller, server_id, manage=False))
    assert view is not None  # server_for let it through
    return view


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
            f"could not connect the server, nothing was stored: {exc.message}", hint=exc.hint
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
    cipher = _cipher(settings)  # no key: refused before anything is fetched
    with unit_of_work(engine, read_only=True) as session:
        owner = None
        if given.owner_id is not None:
            owner = member_accounts_by_id(session, [given.owner_id]).get(given.owner_id)
            if owner is None:
                raise NotFoundError(f"there is no member {given.owner_id} with an account")
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


def _secret_of(session: Session, settings: Settings, server_id: int) -> SecretStr:
    return MediaServerRepository(session).decrypt_credentials(server_id, _cipher(settings))


def server_users(
    engine: Engine, settings: Settings, caller: Caller, server_id: int
) -> list[ServerUser]:
    """The server's users, read from it now (manage only)."""
    with unit_of_work(engine, read_only=True) as session:
        server = server_for(session, caller, server_id, manage=True)
        secret = _secret_of(session, settings, server_id)
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
    server_for(session, caller, server_id, manage=True)
    person_id, _ = _member_id(session, handle)
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


def sync_now(
    engine: Engine,
    settings: Settings,
    caller: Caller,
    server_id: int,
    now: datetime,
    *,
    full: bool = False,
) -> SyncReport:
    """Sync the server at once (manage only). A server that is down or answers garbage raises
    :class:`SourceUnavailableError` with what to do; its last good sync stays in use."""
    with unit_of_work(engine, read_only=True) as session:
        server = server_for(session, caller, server_id, manage=True)
        secret = _secret_of(session, settings, server_id)
    return _sync(engine, settings, server, secret, now, full=full)


def _sync(
    engine: Engine,
    settings: Settings,
    server: ServerInfo,
    secret: SecretStr,
    now: datetime,
    *,
    full: bool,
) -> SyncReport:
    """One sync, under the server's lease: a second one at once (the schedule's, another
    process's, a second click) is refused, never run beside it."""
    lease, holder = f"{SYNC_LEASE}:{server.id}", process_id()
    moment = datetime.now(UTC)
    with unit_of_work(engine) as session:
        until = moment + timedelta(seconds=SYNC_LEASE_SECONDS)
        if not LeaseRepository(session).acquire(lease, holder, moment, until):
            raise ConflictError(
                f"{server.name} is being synced already",
                hint="Wait a moment and look again: its page shows the result.",
            )
    try:
        with clients.opened(server.kind, server.base_url, secret, settings) as client:
            return sync(engine, server.id, client, now, full=full)
    except SourceUnavailableError as exc:
        raise SourceUnavailableError(
            f"{server.name} could not be synced: {exc.message}",
            hint=(exc.hint or "Try again later.")
            + " Until a sync works, the films of its last good sync stay available.",
        ) from None
    finally:
        with unit_of_work(engine) as session:
            LeaseRepository(session).release(lease, holder, datetime.now(UTC))


def sync_server(engine: Engine, settings: Settings, server_id: int, now: datetime) -> SyncReport:
    """Sync a server for the scheduler (no caller: the schedule is the operator's)."""
    with unit_of_work(engine, read_only=True) as session:
        server = MediaServerRepository(session).get(server_id)
        if server is None:
            raise NotFoundError(f"there is no media server {server_id}")
        secret = _secret_of(session, settings, server_id)
    return _sync(engine, settings, server, secret, now, full=False)
