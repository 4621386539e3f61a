"""The connected media servers as one caller may see them (the rule of :mod:`.access`): in full
for those who manage a server (never its credentials, only that they are set), by name only
(and one's own mapping) for those who may only see it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from reelmates.services.media.access import Caller, access, server_for
from reelmates.services.media.available import KIND_NAMES
from reelmates.store.friends import member_accounts_by_id
from reelmates.store.media import LibraryInfo, MediaServerRepository, ServerInfo, SyncRunInfo

RUNS_SHOWN = 5


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


def view_of(session: Session, caller: Caller, server: ServerInfo) -> ServerView | None:
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
    found = (view_of(session, caller, s) for s in MediaServerRepository(session).all())
    return [view for view in found if view is not None]


def server_view(session: Session, caller: Caller, server_id: int) -> ServerView:
    view = view_of(session, caller, server_for(session, caller, server_id, manage=False))
    assert view is not None  # server_for let it through
    return view
