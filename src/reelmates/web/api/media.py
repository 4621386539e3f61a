"""``/api/media/servers``: the media servers' settings as JSON (the same service calls as the
settings pages; who may do what is ``services/media/access.py``). Credentials go in once, on
``POST``, and never come back: an answer says only that they are set."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, SecretStr

from reelmates.services.media import servers as media
from reelmates.services.media.sync import SyncReport
from reelmates.store.media import LibraryInfo, SyncRunInfo
from reelmates.store.media_models import BASE_URL_MAX, SERVER_NAME_MAX
from reelmates.web.deps import EngineDep, SessionDep, SettingsDep, calls_out, now_utc
from reelmates.web.ids import RowId
from reelmates.web.media_deps import CallerDep

router = APIRouter(prefix="/api/media/servers", tags=["media servers"])

Kind = Literal["jellyfin", "emby", "plex"]


class ServerBase(BaseModel):
    kind: Kind
    name: str | None = Field(
        default=None, max_length=SERVER_NAME_MAX, description='Default: "Milly\'s Jellyfin".'
    )
    sync_minutes: int | None = Field(
        default=360,
        ge=1,
        le=media.MAX_SYNC_MINUTES,
        description="Minutes between scheduled syncs; null: only on demand.",
    )


class ServerCreate(ServerBase):
    base_url: str = Field(max_length=BASE_URL_MAX, description="On the operator's allow-list.")
    api_key: SecretStr = Field(
        description="The API key (Jellyfin, Emby) or token (Plex): stored encrypted, never "
        "shown again."
    )
    shared: bool | None = Field(
        default=None,
        description="Shared with every member (the operator only); default: shared for the "
        "operator, one's own server for a member.",
    )


class LibraryPublic(BaseModel):
    id: int
    name: str
    enabled: bool
    synced_at: datetime | None


class MappingPublic(BaseModel):
    handle: str
    display_name: str
    user_id: str
    user_name: str


class UnmatchedPublic(BaseModel):
    title: str
    year: int | None
    reason: str


class RunPublic(BaseModel):
    started_at: datetime
    finished_at: datetime
    full_sync: bool
    fetched: int
    matched_by_id: int
    matched_by_title: int
    added: int
    removed: int
    unmatched_count: int
    unmatched: list[UnmatchedPublic]
    error: str | None


class ServerPublic(ServerBase):
    """``access`` "see": only the name, kind and one's own mapping; the rest is null/empty."""

    id: int
    kind_name: str
    shared: bool
    owner_handle: str | None
    access: Literal["manage", "see"]
    base_url: str | None
    credentials: Literal["set"] | None = Field(description="Never the key: only that it is set.")
    last_sync_at: datetime | None
    last_sync_ok: bool | None
    last_error: str | None
    last_good_sync_at: datetime | None
    libraries: list[LibraryPublic]
    mappings: list[MappingPublic]
    runs: list[RunPublic]


class KeyUpdate(BaseModel):
    api_key: SecretStr = Field(description="The new API key or token: checked, then stored.")


class ScheduleUpdate(BaseModel):
    minutes: int | None = Field(description="Minutes between syncs; null: only on demand.")


class LibraryUpdate(BaseModel):
    enabled: bool


class MappingUpdate(BaseModel):
    user: str = Field(min_length=1, max_length=200, description="The server user's name or id.")


class ServerUserPublic(BaseModel):
    id: str
    name: str


class SyncReportPublic(BaseModel):
    server_id: int
    full_sync: bool
    fetched: int
    matched_by_id: int
    matched_by_title: int
    added: int
    removed: int
    match_rate: float
    seen_added: int
    ratings_added: int
    unmatched_count: int
    unmatched: list[UnmatchedPublic] = Field(description="The first 100.")


def _library(lib: LibraryInfo) -> LibraryPublic:
    return LibraryPublic(id=lib.id, name=lib.name, enabled=lib.enabled, synced_at=lib.synced_at)


def _run(run: SyncRunInfo) -> RunPublic:
    unmatched = [UnmatchedPublic(**u) for u in json.loads(run.unmatched or "[]")]
    return RunPublic(
        started_at=run.started_at,
        finished_at=run.finished_at,
        full_sync=run.full_sync,
        fetched=run.fetched,
        matched_by_id=run.matched_by_id,
        matched_by_title=run.matched_by_title,
        added=run.added,
        removed=run.removed,
        unmatched_count=run.unmatched_count,
        unmatched=unmatched,
        error=run.error,
    )


def server_public(v: media.ServerView) -> ServerPublic:
    return ServerPublic(
        id=v.id,
        kind=v.kind,
        kind_name=v.kind_name,
        name=v.name,
        shared=v.shared,
        owner_handle=v.owner_handle,
        access=v.access,
        base_url=v.base_url,
        sync_minutes=v.sync_minutes,
        credentials="set" if v.credentials_set else None,
        last_sync_at=v.last_sync_at,
        last_sync_ok=v.last_sync_ok,
        last_error=v.last_error,
        last_good_sync_at=v.last_good_sync_at,
        libraries=[_library(lib) for lib in v.libraries],
        mappings=[
            MappingPublic(
                handle=m.handle,
                display_name=m.display_name,
                user_id=m.user_external_id,
                user_name=m.user_name,
            )
            for m in v.mappings
        ],
        runs=[_run(r) for r in v.runs],
    )


def report_public(report: SyncReport) -> SyncReportPublic:
    return SyncReportPublic(
        server_id=report.server_id,
        full_sync=report.full_sync,
        fetched=report.fetched,
        matched_by_id=report.matched_by_id,
        matched_by_title=report.matched_by_title,
        added=report.added,
        removed=report.removed,
        match_rate=report.match_rate,
        seen_added=report.seen_added,
        ratings_added=report.ratings_added,
        unmatched_count=len(report.unmatched),
        unmatched=[
            UnmatchedPublic(title=u.title, year=u.year, reason=u.reason)
            for u in report.unmatched[:100]
        ],
    )


@router.get("", response_model=list[ServerPublic])
def list_servers(session: SessionDep, caller: CallerDep) -> list[ServerPublic]:
    """The servers you may see: all of yours in full, a shared one by its name only."""
    return [server_public(v) for v in media.list_servers(session, caller)]


@router.post("", response_model=ServerPublic, status_code=201)
@calls_out
def connect(
    body: ServerCreate,
    engine: EngineDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> ServerPublic:
    """Connect a server: reached now (its users and libraries); nothing is stored if its
    address is not allowed or its key is refused (422 with the reason)."""
    shared = body.shared if body.shared is not None else caller.operator
    given = media.Connection(
        kind=body.kind,
        base_url=body.base_url,
        secret=body.api_key,
        owner_id=None if shared else caller.person_id,
        name=body.name,
        sync_minutes=body.sync_minutes,
    )
    return server_public(media.connect(engine, settings, caller, given, now_utc()))


@router.get("/{server_id}", response_model=ServerPublic)
def get_server(server_id: RowId, session: SessionDep, caller: CallerDep) -> ServerPublic:
    return server_public(media.server_view(session, caller, server_id))


@router.delete("/{server_id}", status_code=204)
def remove(server_id: RowId, session: SessionDep, caller: CallerDep) -> None:
    media.remove(session, caller, server_id)


@router.put("/{server_id}/schedule", response_model=ServerPublic)
def set_schedule(
    server_id: RowId, body: ScheduleUpdate, session: SessionDep, caller: CallerDep
) -> ServerPublic:
    return server_public(media.set_schedule(session, caller, server_id, body.minutes))


@router.put("/{server_id}/libraries/{library_id}", response_model=LibraryPublic)
def set_library(
    server_id: RowId, library_id: RowId, body: LibraryUpdate, session: SessionDep, caller: CallerDep
) -> LibraryPublic:
    """Read the library in syncs, or leave it out (its films stop being available)."""
    return _library(media.set_library(session, caller, server_id, library_id, body.enabled))


@router.put("/{server_id}/credentials", response_model=ServerPublic)
@calls_out
def replace_key(
    server_id: RowId,
    body: KeyUpdate,
    engine: EngineDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> ServerPublic:
    """A new key or token (the old one revoked, or the encryption key changed): the server is
    reached with it first; one that does not work replaces nothing (422)."""
    return server_public(media.replace_key(engine, settings, caller, server_id, body.api_key))


@router.get("/{server_id}/users", response_model=list[ServerUserPublic])
@calls_out
def server_users(
    server_id: RowId,
    engine: EngineDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> list[ServerUserPublic]:
    """The server's users, read from it now (to map members to)."""
    users = media.server_users(engine, settings, caller, server_id)
    return [ServerUserPublic(id=u.external_id, name=u.name) for u in users]


@router.put("/{server_id}/mappings/{handle}", response_model=MappingPublic)
@calls_out
def map_member(
    server_id: RowId,
    handle: str,
    body: MappingUpdate,
    engine: EngineDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> MappingPublic:
    """The member is this server user: what the user watched and rated becomes theirs."""
    m = media.map_member(engine, settings, caller, server_id, handle, body.user)
    return MappingPublic(
        handle=m.handle,
        display_name=m.display_name,
        user_id=m.user_external_id,
        user_name=m.user_name,
    )


@router.delete("/{server_id}/mappings/{handle}", status_code=204)
def unmap_member(server_id: RowId, handle: str, session: SessionDep, caller: CallerDep) -> None:
    media.unmap_member(session, caller, server_id, handle)


@router.post("/{server_id}/sync", response_model=SyncReportPublic)
@calls_out
def sync_now(
    server_id: RowId,
    engine: EngineDep,
    settings: SettingsDep,
    caller: CallerDep,
    full: bool = False,
) -> SyncReportPublic:
    """Sync now. A server that is down or answers garbage: 502 with the reason; its last good
    sync stays in use."""
    return report_public(media.sync_now(engine, settings, caller, server_id, now_utc(), full=full))
