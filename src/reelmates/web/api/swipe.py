"""``/api/swipe``: a live swipe session as JSON — start one for the friends who are there, join it
by its link (with an account, or as a guest with a display name), read it, swipe, accept a match,
and ``GET /api/swipe/{id}/events``: the room's news as server-sent events.

Every member sees the same room (:class:`RoomPublic`): who is in it, how many cards each has
swiped, the matches so far; never anyone's swipes of a card that is not a match. A swipe is
committed before it is pushed (the push is a background task, run after the response).

The event stream: each event is ``event: room``, ``id: <the room's last swipe id>`` and the room as
JSON, plus ``new_matches``: the matches this connection has not been told of. On connecting, the
room's state comes first; a reconnecting client sends ``Last-Event-ID`` (browsers do by
themselves; a page's first connection may send ``?after=`` instead), so a match made while it was
away arrives in ``new_matches`` once, and never again. A stream ends after a minute or so
(``live_stream_seconds``; the browser reconnects at once), so no connection outlives a server
restart for long.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, BackgroundTasks, Header, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import StreamingResponse

from reelmates.services import guests, swipes
from reelmates.services.swipe_views import DealtCard, RoomView
from reelmates.services.uow import unit_of_work
from reelmates.together.swipes import CardReason
from reelmates.together.wording import card_text
from reelmates.web.api.account import LoggedIn, logged_in
from reelmates.web.api.together import GroupPickPublic, PlacePublic, _pick, places_public
from reelmates.web.deps import (
    CurrentUser,
    EngineDep,
    LoggedOut,
    SessionDep,
    SettingsDep,
    now_utc,
)
from reelmates.web.ids import RowId
from reelmates.web.live import Broadcaster, announce
from reelmates.web.media_deps import linkable_for
from reelmates.web.sessions import log_browser_in
from reelmates.web.slots import release_slot
from reelmates.web.swipe_deps import BroadcasterDep, RoomDep, RoomsDep
from reelmates.web.together_deps import TogetherQueryDep

router = APIRouter(prefix="/api/swipe", tags=["swipe"])

HEARTBEAT_SECONDS = 15.0  # a comment line, so that proxies keep an idle stream open
WAKE_SECONDS = 1.0  # an idle stream looks this often whether the server is stopping
RETRY_MS = 1000  # how soon a browser reconnects


class MemberProgressPublic(BaseModel):
    handle: str
    display_name: str
    swiped: int = Field(description="Cards they have swiped so far.")


class MatchPublic(BaseModel):
    film_id: int
    title: str
    year: int | None
    swipe_id: int = Field(description="The swipe that made it a match.")
    liked_by: list[str] = Field(description="Display names of who liked it (now a match).")
    places: list[PlacePublic] = Field(
        description="Where you can watch it; a media server's place links to the film in its "
        "web client (`web_url`)."
    )


class RoomPublic(BaseModel):
    """The room as every member sees it: also the data of each event."""

    id: int
    rule: str = Field(description="When a card is a match, e.g. 'everyone likes it'.")
    last_swipe_id: int = Field(description="The room's last swipe (0: none yet).")
    deck_size: int = Field(description="Films that passed the filters, vetoes and seen policy.")
    available_only: bool = Field(
        description="The deck holds only films the members can watch (a library, a mark)."
    )
    members: list[MemberProgressPublic]
    matches: list[MatchPublic] = Field(description="Every match so far, in order.")
    accepted: GroupPickPublic | None = Field(description="The match the members will watch.")


class RoomEventPublic(RoomPublic):
    new_matches: list[int] = Field(
        description="Film ids of the matches this connection had not been told of."
    )


class SwipeCardPublic(BaseModel):
    id: int
    title: str
    year: int | None
    genres: list[str]
    runtime_minutes: int | None
    reason: CardReason = Field(description="Why it came next (never from others' swipes).")
    reason_text: str
    poster_url: str
    places: list[PlacePublic] = Field(description="Where you can watch it.")


class RoomStatePublic(RoomPublic):
    join_url: str = Field(description="The link that lets others in (keep it among friends).")
    qr_url: str = Field(description="The join link as a QR code (SVG).")
    card: SwipeCardPublic | None = Field(description="Your next card; null: none left to swipe.")


class SwipeCreate(BaseModel):
    film_id: RowId
    liked: bool


class SwipeResultPublic(BaseModel):
    matched: bool = Field(description="Your swipe made this film a match.")
    room: RoomStatePublic


class AcceptCreate(BaseModel):
    film_id: RowId = Field(description="One of the room's matches.")


class JoinCreate(BaseModel):
    token: str = Field(max_length=200, description="The token at the end of the join link.")


class GuestJoinCreate(JoinCreate):
    display_name: str = Field(max_length=200)


class GuestJoinedPublic(LoggedIn):
    room_id: int


def room_public(view: RoomView, linkable: frozenset[int] = frozenset()) -> RoomPublic:
    """The room as ``linkable``'s viewer may see it: news pushed to every member (guests too)
    carries no link to a server's web client (each link carries the server's address)."""
    return RoomPublic(
        id=view.room_id,
        rule=view.rule,
        last_swipe_id=view.last_swipe_id,
        deck_size=view.deck_size,
        available_only=view.available_only,
        members=[
            MemberProgressPublic(handle=m.handle, display_name=m.display_name, swiped=m.swiped)
            for m in view.members
        ],
        matches=[
            MatchPublic(
                film_id=m.film_id,
                title=m.title,
                year=m.year,
                swipe_id=m.swipe_id,
                liked_by=list(m.liked_by),
                places=places_public(m.places, linkable),
            )
            for m in view.matches
        ],
        accepted=_pick(view.accepted) if view.accepted else None,
    )


def push(background: BackgroundTasks, broadcaster: Broadcaster, view: RoomView) -> None:
    """Tell every member's open page, after the response (the change is committed by then)."""
    event = room_public(view).model_dump(mode="json")
    background.add_task(announce, broadcaster, view.room_id, event)


def join_url(request: Request, token: str) -> str:
    return str(request.url_for("swipe_join_page", token=token))


def _state(
    request: Request,
    session: Session,
    view: RoomView,
    card: DealtCard | None,
    token: str,
) -> RoomStatePublic:
    linkable = linkable_for(request, session)
    return RoomStatePublic(
        **room_public(view, linkable).model_dump(),
        join_url=join_url(request, token),
        qr_url=str(request.url_for("swipe_qr", room_id=view.room_id)),
        card=None
        if card is None
        else SwipeCardPublic(
            id=card.film_id,
            title=card.title,
            year=card.year,
            genres=list(card.genres),
            runtime_minutes=card.runtime,
            reason=card.reason,
            reason_text=card_text(card.reason),
            poster_url=str(request.url_for("film_poster", film_id=card.film_id)),
            places=places_public(card.places, linkable),
        ),
    )


def _look(
    request: Request, session: SessionDep, rooms: RoomsDep, room_id: int, handle: str
) -> RoomStatePublic:
    view, card = rooms.look(session, room_id, handle)
    return _state(request, session, view, card, swipes.join_token(session, room_id))


@router.post("", response_model=RoomStatePublic, status_code=201)
def start(
    request: Request,
    session: SessionDep,
    me: CurrentUser,
    rooms: RoomsDep,
    query: TogetherQueryDep,
) -> RoomStatePublic:
    """Start a swipe session for you and the friends named by `with` (only your friends), with
    the filters, seen policy and `available` (only what you can watch) of watch together;
    everyone's saved vetoes apply. Share
    `join_url` (or the QR code) to let others in."""
    room_id = rooms.start(
        session,
        [me.holder.handle, *query.handles],
        filters=query.options.filters,
        seen_policy=query.options.seen_policy,
        available=query.available,
    )
    return _look(request, session, rooms, room_id, me.holder.handle)


@router.post("/join", response_model=RoomStatePublic)
def join(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    me: CurrentUser,
    rooms: RoomsDep,
    broadcaster: BroadcasterDep,
    body: JoinCreate,
) -> RoomStatePublic:
    """Join a swipe session by its link, as yourself (joining twice changes nothing)."""
    room_id = rooms.join(session, body.token, me.holder.handle)
    state = _look(request, session, rooms, room_id, me.holder.handle)
    push(background, broadcaster, rooms.view(session, room_id))
    return state


@router.post("/join-as-guest", response_model=GuestJoinedPublic, status_code=201)
def join_as_guest(
    request: Request,
    response: Response,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    rooms: RoomsDep,
    broadcaster: BroadcasterDep,
    body: GuestJoinCreate,
    _logged_out: LoggedOut,
) -> GuestJoinedPublic:
    """Join a swipe session by its link with just a display name: a guest account, logged in by
    the session cookie this sets (as a friend's link does for a guest). Only for someone logged
    out (409 otherwise: POST /api/swipe/join joins as yourself)."""
    who, room_id = guests.join_room_as_guest(
        session,
        rooms,
        token=body.token,
        display_name=body.display_name,
        policy=settings.signup_policy,
        now=now_utc(),
    )
    me = log_browser_in(request, response, session, settings, who)
    push(background, broadcaster, rooms.view(session, room_id))
    return GuestJoinedPublic(**logged_in(request, me).model_dump(), room_id=room_id)


@router.get("/{room_id}", response_model=RoomStatePublic)
def state(
    request: Request, session: SessionDep, rooms: RoomsDep, access: RoomDep
) -> RoomStatePublic:
    """The room (members only) and your next card."""
    return _look(request, session, rooms, access.room_id, access.handle)


@router.post("/{room_id}/swipes", response_model=SwipeResultPublic)
def swipe(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    rooms: RoomsDep,
    broadcaster: BroadcasterDep,
    access: RoomDep,
    body: SwipeCreate,
) -> SwipeResultPublic:
    """Like or pass a film of the deck (usually the card you were dealt); answers with the room
    and your next card. 409 when you swiped it already."""
    done = rooms.swipe(session, access.room_id, access.handle, body.film_id, body.liked)
    assert done.view is not None
    push(background, broadcaster, done.view)
    token = swipes.join_token(session, access.room_id)
    return SwipeResultPublic(
        matched=done.matched, room=_state(request, session, done.view, done.next_card, token)
    )


@router.post("/{room_id}/accept", response_model=GroupPickPublic, status_code=201)
def accept(
    background: BackgroundTasks,
    session: SessionDep,
    rooms: RoomsDep,
    broadcaster: BroadcasterDep,
    access: RoomDep,
    body: AcceptCreate,
) -> GroupPickPublic:
    """The members will watch this match: recorded as the group's pick (it shows under recent
    picks; the night is planned from it). Once per session: 409 after that."""
    pick = rooms.accept(session, access.room_id, access.handle, body.film_id, now_utc())
    push(background, broadcaster, rooms.view(session, access.room_id))
    return _pick(pick)


# --- the event stream ------------------------------------------------------------------------


def _frame(event: dict[str, Any], event_id: int) -> bytes:
    data = RoomEventPublic.model_validate(event).model_dump_json()
    return f"id: {event_id}\nevent: room\ndata: {data}\n\n".encode()


def _with_news(event: dict[str, Any], told: int) -> dict[str, Any]:
    news = [m["film_id"] for m in event["matches"] if m["swipe_id"] > told]
    return {**event, "new_matches": news}


def _event_schema() -> dict[str, Any]:
    """The schema of one event (its fields as an SSE reader parses them, as OpenAPI 3.2 reads a
    ``text/event-stream`` schema), its ``data`` JSON of the room (``contentSchema``); the models
    it names are the API's own (in components)."""
    data = RoomEventPublic.model_json_schema(ref_template="#/components/schemas/{model}")
    data.pop("$defs", None)
    return {
        "type": "object",
        "required": ["event", "id", "data"],
        "properties": {
            "event": {"const": "room"},
            "id": {"type": "string", "description": "The room's last swipe id."},
            "retry": {"type": "integer", "description": "Milliseconds before reconnecting."},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": data,
            },
        },
    }


EVENTS_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-sent events: `event: room`, `id:` the room's last swipe id, "
        "`data:` the room as JSON (its `contentSchema`).",
        "content": {"text/event-stream": {"schema": _event_schema()}},
    }
}


@router.get(
    "/{room_id}/events",
    name="swipe_events",
    response_class=StreamingResponse,
    responses=EVENTS_DOC,
)
async def events(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    rooms: RoomsDep,
    broadcaster: BroadcasterDep,
    access: RoomDep,
    last_event_id: Annotated[
        int | None, Header(ge=0, description="The last event's id (sent on reconnecting).")
    ] = None,
    after: Annotated[
        int | None, Query(ge=0, description="As Last-Event-ID, for a first connection.")
    ] = None,
) -> StreamingResponse:
    """The room's news as it happens (members only): its state first, then each change."""
    room_id = access.room_id
    stack = AsyncExitStack()
    subscription = await stack.enter_async_context(broadcaster.subscribe(room_id))
    told = last_event_id if last_event_id is not None else after
    stopping: threading.Event = request.app.state.stopping  # the server is stopping: end

    def read() -> dict[str, Any]:
        with unit_of_work(engine, read_only=True) as session:
            return room_public(rooms.view(session, room_id)).model_dump(mode="json")

    async def stream() -> AsyncIterator[bytes]:
        try:
            # Subscribed first, then the state: what happens from now on arrives as an event.
            now = await anyio.to_thread.run_sync(read)
            seen = now["last_swipe_id"]
            yield f"retry: {RETRY_MS}\n".encode()
            yield _frame(_with_news(now, seen if told is None else told), seen)
            end = time.monotonic() + settings.live_stream_seconds
            ping = time.monotonic() + HEARTBEAT_SECONDS
            while (left := end - time.monotonic()) > 0 and not stopping.is_set():
                event = await subscription.get(min(WAKE_SECONDS, left))
                if event is None:
                    if time.monotonic() >= ping:
                        yield b": still here\n\n"
                        ping = time.monotonic() + HEARTBEAT_SECONDS
                elif event["last_swipe_id"] >= seen:  # an older one (pushed late) is stale
                    yield _frame(_with_news(event, seen), event["last_swipe_id"])
                    seen = event["last_swipe_id"]
        finally:
            with anyio.CancelScope(shield=True):
                await stack.aclose()

    release_slot(request)  # a stream holds no connection nor thread: no slot either
    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )
