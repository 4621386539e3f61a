"""The media servers' settings pages (``/settings/media``): connect a Jellyfin, Emby or Plex
server, see its libraries and last syncs, map members, enable libraries, set the schedule, sync
now, remove. Thin over ``services/media/servers.py``; who may do what is
``services/media/access.py``. A form refused for its input (or a server that does not answer)
shows the page again with the reason; a server one may not see is a 404, as any other."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import SecretStr
from sqlalchemy import Engine
from starlette.responses import RedirectResponse, Response

from reelmates.errors import (
    ConfigurationError,
    ConflictError,
    InvalidValueError,
    NotFoundError,
    ReelmatesError,
    SourceUnavailableError,
)
from reelmates.services.media import servers as media
from reelmates.services.media.access import Caller, access, server_for
from reelmates.services.uow import unit_of_work
from reelmates.web.deps import EngineDep, SessionDep, SettingsDep, calls_out, now_utc
from reelmates.web.ids import RowId
from reelmates.web.media_deps import CallerDep
from reelmates.web.templating import render

router = APIRouter(prefix="/settings/media")

FormText = Annotated[str, Form()]
OptionalFormText = Annotated[str | None, Form()]
# Refusals a page shows beside its forms; the others (404, 403, 401) are the usual error page.
SHOWN = (
    InvalidValueError,
    SourceUnavailableError,
    ConfigurationError,
    NotFoundError,
    ConflictError,
)
KINDS = (("jellyfin", "Jellyfin"), ("emby", "Emby (untested)"), ("plex", "Plex"))


def _minutes(text: str | None) -> int | None:
    cleaned = (text or "").strip().lower()
    if cleaned in ("", "off"):
        return None
    if not cleaned.isdecimal():
        raise InvalidValueError(
            f"not a number of minutes: {cleaned!r}", hint="Give the minutes between syncs, or off."
        )
    return int(cleaned)


def _list_page(
    request: Request,
    engine: Engine,
    caller: Caller,
    *,
    error: ReelmatesError | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    with unit_of_work(engine, read_only=True) as session:
        servers = media.list_servers(session, caller)
    context: dict[str, Any] = {
        "title": "Media servers",
        "servers": servers,
        "kinds": KINDS,
        "operator": caller.operator,
        "guest": caller.guest,
        "error": error,
        "form": {"kind": "jellyfin", "base_url": "", "name": "", "sync_minutes": "360"}
        | (form or {}),
    }
    return render(request, "media.html", context, status_code=error.status_code if error else 200)


def _server_page(
    request: Request,
    engine: Engine,
    caller: Caller,
    server_id: int,
    *,
    error: ReelmatesError | None = None,
    done: str | None = None,
) -> Response:
    with unit_of_work(engine, read_only=True) as session:
        server = media.server_view(session, caller, server_id)
    newest = server.runs[0] if server.runs else None
    context: dict[str, Any] = {
        "title": server.name,
        "server": server,
        "error": error,
        "done": done,
        # What the newest sync could not place (the first ones, all counted in the table).
        "unmatched": json.loads(newest.unmatched or "[]") if newest else [],
    }
    return render(
        request, "media_server.html", context, status_code=error.status_code if error else 200
    )


def _to_server(request: Request, server_id: int, done: str) -> RedirectResponse:
    path = request.url_for("media_server_page", server_id=server_id).path
    return RedirectResponse(f"{path}?done={done}", status_code=303)


@router.get("", name="media_page")
def media_page(request: Request, engine: EngineDep, caller: CallerDep) -> Response:
    return _list_page(request, engine, caller)


@router.post("", name="media_connect")
@calls_out
def media_connect(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    caller: CallerDep,
    kind: FormText,
    base_url: FormText,
    api_key: FormText,
    name: OptionalFormText = None,
    sync_minutes: OptionalFormText = None,
    shared: OptionalFormText = None,
) -> Response:
    kept = {
        "kind": kind,
        "base_url": base_url,
        "name": name or "",
        "sync_minutes": sync_minutes or "",
    }
    try:
        given = media.Connection(
            kind=kind,
            base_url=base_url,
            secret=SecretStr(api_key),
            owner_id=None if shared == "on" else caller.person_id,
            name=name,
            sync_minutes=_minutes(sync_minutes),
        )
        view = media.connect(engine, settings, caller, given, now_utc())
    except SHOWN as exc:
        return _list_page(request, engine, caller, error=exc, form=kept)
    return _to_server(request, view.id, "connected")


@router.get("/{server_id}", name="media_server_page")
def media_server_page(
    request: Request,
    server_id: RowId,
    engine: EngineDep,
    caller: CallerDep,
    done: str | None = None,
) -> Response:
    return _server_page(request, engine, caller, server_id, done=done)


@router.post("/{server_id}/sync", name="media_sync")
@calls_out
def media_sync(
    request: Request,
    server_id: RowId,
    engine: EngineDep,
    settings: SettingsDep,
    caller: CallerDep,
    full: OptionalFormText = None,
) -> Response:
    try:
        media.sync_now(engine, settings, caller, server_id, now_utc(), full=full == "on")
    except SHOWN as exc:
        return _server_page(request, engine, caller, server_id, error=exc)
    return _to_server(request, server_id, "synced")


@router.post("/{server_id}/key", name="media_key")
@calls_out
def media_key(
    request: Request,
    server_id: RowId,
    engine: EngineDep,
    settings: SettingsDep,
    caller: CallerDep,
    api_key: FormText,
) -> Response:
    try:
        media.replace_key(engine, settings, caller, server_id, SecretStr(api_key))
    except SHOWN as exc:
        return _server_page(request, engine, caller, server_id, error=exc)
    return _to_server(request, server_id, "saved")


@router.post("/{server_id}/map", name="media_map")
@calls_out
def media_map(
    request: Request,
    server_id: RowId,
    engine: EngineDep,
    settings: SettingsDep,
    caller: CallerDep,
    handle: FormText,
    user: FormText,
) -> Response:
    try:
        media.map_member(engine, settings, caller, server_id, handle, user)
    except SHOWN as exc:
        return _server_page(request, engine, caller, server_id, error=exc)
    return _to_server(request, server_id, "mapped")


@router.post("/{server_id}/unmap", name="media_unmap")
def media_unmap(
    request: Request,
    server_id: RowId,
    session: SessionDep,
    engine: EngineDep,
    caller: CallerDep,
    handle: FormText,
) -> Response:
    server = server_for(session, caller, server_id, manage=False)  # else the 404 page
    manages = access(session, caller, server) == "manage"
    try:
        media.unmap_member(session, caller, server_id, handle)
    except (InvalidValueError, NotFoundError) as exc:
        if not manages:
            return _list_page(request, engine, caller, error=exc)
        return _server_page(request, engine, caller, server_id, error=exc)
    if not manages:  # a member took themself off: back to the list of servers
        return RedirectResponse(request.url_for("media_page").path, status_code=303)
    return _to_server(request, server_id, "unmapped")


@router.post("/{server_id}/libraries/{library_id}", name="media_library")
def media_library(
    request: Request,
    server_id: RowId,
    library_id: RowId,
    session: SessionDep,
    caller: CallerDep,
    enabled: OptionalFormText = None,
) -> Response:
    media.set_library(session, caller, server_id, library_id, enabled == "on")
    return _to_server(request, server_id, "saved")


@router.post("/{server_id}/schedule", name="media_schedule")
def media_schedule(
    request: Request,
    server_id: RowId,
    session: SessionDep,
    engine: EngineDep,
    caller: CallerDep,
    minutes: OptionalFormText = None,
) -> Response:
    try:
        media.set_schedule(session, caller, server_id, _minutes(minutes))
    except InvalidValueError as exc:
        server_for(session, caller, server_id, manage=True)
        return _server_page(request, engine, caller, server_id, error=exc)
    return _to_server(request, server_id, "saved")


@router.post("/{server_id}/remove", name="media_remove")
def media_remove(
    request: Request, server_id: RowId, session: SessionDep, caller: CallerDep
) -> Response:
    media.remove(session, caller, server_id)
    return RedirectResponse(str(request.url_for("media_page").path), status_code=303)
