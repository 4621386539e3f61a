"""``/api/nights/{night_id}/request``: asking the operator's Radarr or Jellyseerr for a night's
film no one in the group can watch, and how the request stands (the same use cases as the
night's page). The night's members only: anyone else gets the night's 404.

Refusals carry their reason: 409 when the group can watch the film already, the film has no
TMDB id, or no request service is set up; 502 when the service is down or answers garbage
(nothing recorded); 404 from the check when nothing was asked yet. A check the service cannot
answer is not an error: the last known state comes back with ``problem`` saying why.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from reelmates.media.base import RequestKind
from reelmates.media.requests import RequestState
from reelmates.services.media import film_requests
from reelmates.services.media.film_requests import FilmRequestView, RequestShown
from reelmates.web.deps import EngineDep, SessionDep, calls_out
from reelmates.web.night_deps import NightDep, NowDep
from reelmates.web.request_deps import AskingServiceDep, RequestServiceDep

router = APIRouter(prefix="/api", tags=["nights"])


class FilmRequestPublic(BaseModel):
    service: RequestKind
    state: RequestState = Field(
        description="pending (waits for approval), wanted (searched for or downloading), "
        "available, declined, unmonitored (in Radarr, but nobody is fetching it)."
    )
    summary: str = Field(description="requested, downloading, available or failed.")
    label: str = Field(description="What the state means, in a sentence.")
    requested_by: str | None = Field(description="Who asked, when they are in this night.")
    created_at: datetime = Field(description="UTC.")
    checked_at: datetime = Field(description="UTC: the last check.")
    problem: str | None = Field(description="Why the last check failed (the state is older).")


class PlacePublic(BaseModel):
    label: str = Field(description='Where the group can watch it: "on Milly\'s Jellyfin".')


class NightFilmRequestPublic(BaseModel):
    night_id: int
    film_id: int
    service: RequestKind | None = Field(description="The operator's service (null: none).")
    available: list[PlacePublic] = Field(description="Where the group can watch it already.")
    has_tmdb_id: bool = Field(description="Films are asked for by their TMDB id.")
    can_request: bool = Field(description="POST here would send a request now.")
    request: FilmRequestPublic | None


def request_public(shown: RequestShown) -> FilmRequestPublic:
    """A request as the API shows it (a night's, or a swipe session's match's)."""
    return FilmRequestPublic(
        service=shown.service,
        state=shown.state,
        summary=shown.summary,
        label=shown.label,
        requested_by=shown.requested_by,
        created_at=shown.created_at,
        checked_at=shown.checked_at,
        problem=shown.problem,
    )


def _public(night_id: int, film_id: int, view: FilmRequestView) -> NightFilmRequestPublic:
    shown = view.request
    return NightFilmRequestPublic(
        night_id=night_id,
        film_id=film_id,
        service=view.service,
        available=[PlacePublic(label=p.label) for p in view.places],
        has_tmdb_id=view.has_tmdb_id,
        can_request=view.can_request,
        request=None if shown is None else request_public(shown),
    )


@router.get("/nights/{night_id}/request", response_model=NightFilmRequestPublic)
def film_request(
    session: SessionDep, access: NightDep, service: RequestServiceDep
) -> NightFilmRequestPublic:
    """Whether the night's film can be asked for, and the request made already."""
    night = access.night
    view = film_requests.request_view(session, night, access.person_id, service)
    return _public(night.id, night.film_id, view)


@router.post("/nights/{night_id}/request", response_model=NightFilmRequestPublic)
@calls_out
def request_film(
    engine: EngineDep, now: NowDep, access: NightDep, service: AskingServiceDep
) -> NightFilmRequestPublic:
    """Ask the operator's service for the night's film (once: asking again sends nothing)."""
    night = access.night
    view = film_requests.request_for_night(engine, night, access.person_id, service, now)
    return _public(night.id, night.film_id, view)


@router.post("/nights/{night_id}/request/check", response_model=NightFilmRequestPublic)
@calls_out
def check_request(
    engine: EngineDep, now: NowDep, access: NightDep, service: AskingServiceDep
) -> NightFilmRequestPublic:
    """Ask the service how the request stands, and keep its answer."""
    night = access.night
    view = film_requests.refresh_status(engine, night, access.person_id, service, now)
    return _public(night.id, night.film_id, view)
