"""Asking the operator's Radarr or Jellyseerr for a night's film no one in the group can watch,
and checking how the request stands: two forms of the night's page (its "Where to watch it"
section), each back to the page, or the page again with the reason.

Who may: the night's members (``web.night_deps``: anyone else gets the night's 404); the rules
are in ``services.media.film_requests``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from reelmates.errors import ReelmatesError
from reelmates.services.media import film_requests
from reelmates.web.deps import EngineDep, SessionDep, calls_out
from reelmates.web.night_deps import NightAccess, NightDep, NightRulesDep, NowDep
from reelmates.web.pages.nights import _night_page
from reelmates.web.request_deps import AskingServiceDep

router = APIRouter()
SECTION = "#request-heading"


def _back(request: Request, access: NightAccess) -> RedirectResponse:
    path = request.url_for("night_page", night_id=access.night.id).path
    return RedirectResponse(f"{path}{SECTION}", status_code=303)


@router.post("/nights/{night_id}/request", name="request_night_film")
@calls_out
def request_film(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    now: NowDep,
    access: NightDep,
    rules: NightRulesDep,
    service: AskingServiceDep,
) -> Response:
    """ "Ask Radarr for it" / "Request it on Jellyseerr"."""
    try:
        film_requests.request_for_night(engine, access.night, access.person_id, service, now)
    except ReelmatesError as exc:  # nothing was recorded
        return _night_page(request, session, access, rules, now, exc)
    return _back(request, access)


@router.post("/nights/{night_id}/request/check", name="check_night_film_request")
@calls_out
def check_request(
    request: Request,
    session: SessionDep,
    engine: EngineDep,
    now: NowDep,
    access: NightDep,
    rules: NightRulesDep,
    service: AskingServiceDep,
) -> Response:
    """ "Check again": a service that cannot answer is shown beside the last known state."""
    try:
        film_requests.refresh_status(engine, access.night, access.person_id, service, now)
    except ReelmatesError as exc:
        return _night_page(request, session, access, rules, now, exc)
    return _back(request, access)
