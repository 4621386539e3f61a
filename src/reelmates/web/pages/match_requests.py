"""Asking the operator's Radarr or Jellyseerr for a live swipe session's match that no one in
the room can watch: a form of the swipe page's list of matches, back to the page (303), or the
page again with the reason and its status.

Who may: the room's members (``web.swipe_deps``: anyone else gets the room's 404), not its
guests (403); the rules are in ``services.media.film_requests``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from reelmates.errors import ReelmatesError
from reelmates.services.media import film_requests
from reelmates.web.deps import EngineDep, SessionDep, calls_out
from reelmates.web.ids import RowId
from reelmates.web.night_clock import NowDep
from reelmates.web.pages.swipe import room_page
from reelmates.web.request_deps import AskingServiceDep
from reelmates.web.swipe_deps import RoomDep, RoomsDep

router = APIRouter()
SECTION = "#matches-heading"


@router.post("/swipe/{room_id}/matches/{film_id}/request", name="request_match_film")
@calls_out
def request_match(
    request: Request,
    film_id: RowId,
    session: SessionDep,
    engine: EngineDep,
    rooms: RoomsDep,
    access: RoomDep,
    service: AskingServiceDep,
    now: NowDep,
) -> Response:
    """ "Ask Radarr for it" / "Request it on Jellyseerr" on a match."""
    view = rooms.view(session, access.room_id)
    try:
        film_requests.request_for_match(
            engine,
            {m.person_id: m.display_name for m in view.members},
            {m.film_id: m.title for m in view.matches},
            film_id,
            access.me.person_id,
            service,
            now,
        )
    except ReelmatesError as exc:  # nothing was recorded
        return room_page(request, session, rooms, access, service, error=exc)
    path = request.url_for("swipe_page", room_id=access.room_id).path
    return RedirectResponse(f"{path}{SECTION}", status_code=303)
