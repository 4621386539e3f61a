"""``POST /api/swipe/{room_id}/matches/{film_id}/request``: asking the operator's Radarr or
Jellyseerr for a live swipe session's match that no one in the room can watch (the same use
case as the swipe page's form). The room's members only: anyone else gets the room's 404; a
film that is not one of the room's matches is a 404 too; guests a 403.

Refusals carry their reason: 409 when someone in the room can watch the film already, the film
has no TMDB id, or no request service is set up; 502 when the service is down or answers
garbage (nothing recorded). A film is asked for once per service: asking again, from here or a
night's page, answers with the request made before and sends nothing.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from reelmates.media.base import RequestKind
from reelmates.services.media import film_requests
from reelmates.web.api.night_requests import FilmRequestPublic, PlacePublic, request_public
from reelmates.web.deps import EngineDep, SessionDep, calls_out
from reelmates.web.ids import RowId
from reelmates.web.night_clock import NowDep
from reelmates.web.request_deps import AskingServiceDep
from reelmates.web.swipe_deps import RoomDep, RoomsDep

router = APIRouter(prefix="/api/swipe", tags=["swipe"])


class MatchFilmRequestPublic(BaseModel):
    room_id: int
    film_id: int
    service: RequestKind | None = Field(description="The operator's service (null: none).")
    available: list[PlacePublic] = Field(description="Where the room can watch it already.")
    has_tmdb_id: bool = Field(description="Films are asked for by their TMDB id.")
    request: FilmRequestPublic | None


@router.post("/{room_id}/matches/{film_id}/request", response_model=MatchFilmRequestPublic)
@calls_out
def request_match(
    film_id: RowId,
    session: SessionDep,
    engine: EngineDep,
    rooms: RoomsDep,
    access: RoomDep,
    service: AskingServiceDep,
    now: NowDep,
) -> MatchFilmRequestPublic:
    """Ask the operator's service for one of the room's matches (once: asking again sends
    nothing)."""
    view = rooms.view(session, access.room_id)
    shown = film_requests.request_for_match(
        engine,
        {m.person_id: m.display_name for m in view.members},
        {m.film_id: m.title for m in view.matches},
        film_id,
        access.me.person_id,
        service,
        now,
    )
    return MatchFilmRequestPublic(
        room_id=access.room_id,
        film_id=film_id,
        service=shown.service,
        available=[PlacePublic(label=p.label) for p in shown.places],
        has_tmdb_id=shown.has_tmdb_id,
        request=None if shown.request is None else request_public(shown.request),
    )
