"""Swipe together, live: started from watch together (the same friends and filters), joined by the
room's link or its QR code (with an account, or as a guest with a display name), one card at a
time with a line saying why it came next. Like or pass by button (plain forms, PRG), arrow key or
touch swipe (``static/swipe.js``); everyone's progress and the matches are pushed to each open page
by the event stream of ``/api/swipe/{id}/events``. A match can be accepted as the group's pick."""

from __future__ import annotations

import io
from typing import Annotated, Literal

import segno
from fastapi import APIRouter, BackgroundTasks, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from reelmates.errors import ConflictError, ReelmatesError
from reelmates.services import guests, swipes
from reelmates.services.media import film_requests
from reelmates.services.media.film_requests import SERVICE_NAMES, RequestService
from reelmates.services.swipes import JoinLinkGoneError, SwipeRooms
from reelmates.together.wording import card_text
from reelmates.web.api.swipe import join_url, push
from reelmates.web.deps import CurrentUser, OptionalUser, SessionDep, SettingsDep, now_utc
from reelmates.web.media_deps import linkable_for
from reelmates.web.request_deps import RequestServiceDep
from reelmates.web.sessions import log_browser_in
from reelmates.web.swipe_deps import BroadcasterDep, RoomAccess, RoomDep, RoomsDep
from reelmates.web.templating import render
from reelmates.web.together_deps import TogetherQueryDep

router = APIRouter()

FormText = Annotated[str, Form(max_length=200)]
MATCHED = "matched"  # the query parameter naming the film the caller's swipe just matched
# Where the night is planned from an accepted match, once that page exists: its route name,
# called with ``pick_id``. Until then the accepted match links to the recent picks.


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _room_path(request: Request, room_id: int, **query: int) -> str:
    path = str(request.url_for("swipe_page", room_id=room_id).path)
    return path + "".join(f"?{k}={v}" for k, v in query.items())


# --- starting, from watch together ------------------------------------------------------------


@router.post("/together/swipe", name="start_swipe")
def start(
    request: Request,
    session: SessionDep,
    me: CurrentUser,
    rooms: RoomsDep,
    query: TogetherQueryDep,
) -> Response:
    """The form on watch together posts to an address carrying the page's own query string (the
    friends ticked, the filters), checked by the same dependency as the page."""
    room_id = rooms.start(
        session,
        [me.holder.handle, *query.handles],
        filters=query.options.filters,
        seen_policy=query.options.seen_policy,
        available=query.available,
    )
    return _see_other(_room_path(request, room_id))


# --- joining by the link -----------------------------------------------------------------------


def _join_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    me: OptionalUser,
    token: str,
    *,
    error: ReelmatesError | None = None,
    display_name: str = "",
) -> Response:
    context = {
        "title": "Join a swipe session",
        "preview": swipes.preview_link(session, token),
        "token": token,
        "guests_open": guests.guests_may_join(settings.signup_policy),
        "error": error,
        "display_name": display_name,
        "login_next": str(request.url_for("swipe_join_page", token=token).path),
    }
    status = error.status_code if error else 200
    return render(request, "swipe_join.html", context, status_code=status)


def _gone(request: Request, exc: JoinLinkGoneError) -> Response:
    context = {"title": "This link does not work", "error": exc}
    return render(request, "swipe_link_gone.html", context, status_code=404)


@router.get("/swipe/join/{token}", name="swipe_join_page")
def join_page(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, me: OptionalUser
) -> Response:
    try:
        preview = swipes.preview_link(session, token)
        if me is not None and swipes.is_member(session, preview.room_id, me.person_id):
            return _see_other(_room_path(request, preview.room_id))
        return _join_page(request, session, settings, me, token)
    except JoinLinkGoneError as exc:
        return _gone(request, exc)


@router.post("/swipe/join/{token}", name="swipe_join")
def join(
    request: Request,
    token: str,
    background: BackgroundTasks,
    session: SessionDep,
    me: CurrentUser,
    rooms: RoomsDep,
    broadcaster: BroadcasterDep,
) -> Response:
    try:
        room_id = rooms.join(session, token, me.holder.handle)
    except JoinLinkGoneError as exc:
        return _gone(request, exc)
    push(background, broadcaster, rooms.view(session, room_id))
    return _see_other(_room_path(request, room_id))


@router.post("/swipe/join/{token}/guest", name="swipe_join_guest")
def join_as_guest(
    request: Request,
    token: str,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    me: OptionalUser,
    rooms: RoomsDep,
    broadcaster: BroadcasterDep,
    display_name: FormText,
) -> Response:
    if me is not None:  # logged in: join as yourself
        return _see_other(str(request.url_for("swipe_join_page", token=token).path))
    try:
        who, room_id = guests.join_room_as_guest(
            session,
            rooms,
            token=token,
            display_name=display_name,
            policy=settings.signup_policy,
            now=now_utc(),
        )
    except JoinLinkGoneError as exc:
        return _gone(request, exc)
    except ReelmatesError as exc:  # nothing was written (a savepoint): shown on the form
        return _join_page(
            request, session, settings, me, token, error=exc, display_name=display_name
        )
    response = _see_other(_room_path(request, room_id))
    log_browser_in(request, response, session, settings, who)
    push(background, broadcaster, rooms.view(session, room_id))
    return response


# --- the room --------------------------------------------------------------------------------


def room_page(
    request: Request,
    session: Session,
    rooms: SwipeRooms,
    access: RoomAccess,
    service: RequestService | None,
    matched: int | None = None,
    error: ReelmatesError | None = None,
) -> Response:
    """The room's page; with ``error`` (a refused request of a match), its reason and status."""
    view, card = rooms.look(session, access.room_id, access.handle)
    token = swipes.join_token(session, access.room_id)
    just = next((m for m in view.matches if m.film_id == matched), None) if matched else None
    members = {m.person_id: m.display_name for m in view.members}
    context = {
        "title": "Swipe together",
        "view": view,
        "card": card,
        "reason": card_text(card.reason) if card else "",
        "mine": view.member(access.me.person_id),
        "join_link": join_url(request, token),
        "just_matched": just,
        "linkable": linkable_for(request, session),
        "request_service": service,
        "request_name": SERVICE_NAMES[service.kind] if service else None,
        "request_action": "Ask Radarr for it"
        if service and service.kind == "radarr"
        else "Request it on Jellyseerr",
        "requests": film_requests.requests_for(
            session, service, [m.film_id for m in view.matches], members
        ),
        "guest": access.me.holder.role == "guest",
        "error": error,
    }
    status = error.status_code if error else 200
    return render(request, "swipe.html", context, status_code=status)


@router.get("/swipe/{room_id}", name="swipe_page")
def page(
    request: Request,
    session: SessionDep,
    rooms: RoomsDep,
    access: RoomDep,
    service: RequestServiceDep,
    matched: int | None = None,
) -> Response:
    return room_page(request, session, rooms, access, service, matched)


@router.post("/swipe/{room_id}/swipes", name="swipe_card")
def swipe(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    rooms: RoomsDep,
    broadcaster: BroadcasterDep,
    access: RoomDep,
    film_id: Annotated[int, Form()],
    choice: Annotated[Literal["like", "pass"], Form()],
) -> Response:
    try:
        done = rooms.swipe(session, access.room_id, access.handle, film_id, choice == "like")
    except ConflictError:  # sent twice (a double tap): the first one counted
        return _see_other(_room_path(request, access.room_id))
    assert done.view is not None
    push(background, broadcaster, done.view)
    if done.matched:
        return _see_other(_room_path(request, access.room_id, **{MATCHED: film_id}))
    return _see_other(_room_path(request, access.room_id))


@router.post("/swipe/{room_id}/accept", name="accept_match")
def accept(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    rooms: RoomsDep,
    broadcaster: BroadcasterDep,
    access: RoomDep,
    film_id: Annotated[int, Form()],
) -> Response:
    rooms.accept(session, access.room_id, access.handle, film_id, now_utc())
    push(background, broadcaster, rooms.view(session, access.room_id))
    return _see_other(_room_path(request, access.room_id))


@router.get("/swipe/{room_id}/qr.svg", name="swipe_qr")
def qr_code(request: Request, session: SessionDep, access: RoomDep) -> Response:
    """The join link as a QR code, drawn here (members only: the link is the way in)."""
    link = join_url(request, swipes.join_token(session, access.room_id))
    out = io.BytesIO()
    segno.make(link, error="m").save(
        out,
        kind="svg",
        scale=6,
        border=2,
        dark="#000",
        light="#fff",
        xmldecl=False,
        title="Join link",
        nl=False,
    )
    return Response(out.getvalue(), media_type="image/svg+xml")
