"""Use cases: ask the operator's request service (Radarr, or Jellyseerr/Overseerr) for a night's
film that no one in the night's group can watch, and follow the request's state.

Who may: the night's members only (the caller passes a night checked by
:func:`reelmates.services.nights.night_for`; it is checked again here). What is refused, with a
409 that says why: a film someone in the group can already watch (``available.available_to``),
a film without a TMDB id (both services look films up by it), or no request service set up
(the message names the settings). A film is asked for once per service: asking again, from
any night, gives the request made before and sends nothing.

The service's address is the operator's own setting (``REELMATES_REQUEST_URL``), so it is the
one address its client may fetch: the allow-list is built from it alone, not from the media
servers' list. A service that is down, or answers garbage, is a 502 that says what to check,
and nothing is recorded as sent; a failed *check* of an earlier request keeps its last known
state and records the problem beside it.

The call is made while the member's request waits, so that its answer says at once whether the
request went through, with no transaction open meanwhile: the use cases read, ask, then record
in short units of work of their own (the routes are ``web.deps.calls_out``), so on SQLite no
other write waits for the service. Each call is bounded by ``REELMATES_REQUEST_TIMEOUT_SECONDS``
(8 s by default) and its answer by ``ANSWER_MAX_BYTES``. Guests ask nothing (403).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from reelmates.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    SourceUnavailableError,
)
from reelmates.media.base import RequestKind
from reelmates.media.fetch import AllowList, Limits
from reelmates.media.jellyseerr import JellyseerrClient
from reelmates.media.radarr import RadarrClient
from reelmates.media.requests import FilmRequest, RequestClient, RequestState
from reelmates.services.media.available import Place, available_to
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.film_requests import FilmRequestRepository, RequestRow
from reelmates.store.films import FilmRepository
from reelmates.store.nights import NightRecord

# One film's answers are small; an old Radarr that ignores ?tmdbId= lists its whole library.
ANSWER_MAX_BYTES = 8 * 1024 * 1024
SYNC_WORDS = "; the last good sync stays in use meanwhile"
SERVICE_NAMES: dict[str, str] = {"radarr": "Radarr", "jellyseerr": "Jellyseerr"}
SETUP_HINT = (
    "An operator sets REELMATES_REQUEST_SERVICE (radarr or jellyseerr), REELMATES_REQUEST_URL "
    "and REELMATES_REQUEST_API_KEY (for Radarr also REELMATES_RADARR_QUALITY_PROFILE_ID and "
    "REELMATES_RADARR_ROOT_FOLDER), then restarts reelmates."
)
# What each state is called on the night's page: a word, and a sentence.
SUMMARIES: dict[str, str] = {
    "pending": "requested",
    "wanted": "downloading",
    "available": "available",
    "declined": "failed",
    "unmonitored": "failed",
}


class ClosingRequestClient(RequestClient, Protocol):
    def close(self) -> None: ...


@dataclass(frozen=True)
class RequestService:
    """The operator's request service: which kind, and how to open a client of it."""

    kind: RequestKind
    connect: Callable[[], ClosingRequestClient]

    @property
    def name(self) -> str:
        return SERVICE_NAMES[self.kind]


def request_service(settings: Settings) -> RequestService | None:
    """The service the settings name, or None when requests are off
    (``REELMATES_REQUEST_SERVICE=none``). Settings check that the rest is given."""
    kind = settings.request_service
    if kind == "none" or settings.request_url is None or settings.request_api_key is None:
        return None
    limits = Limits(settings.request_timeout_seconds, ANSWER_MAX_BYTES)
    url = settings.request_url.strip()
    key = settings.request_api_key

    def radarr() -> ClosingRequestClient:
        return RadarrClient(
            url,
            key.get_secret_value(),
            allowed=AllowList([url]),  # the operator's own setting: the one allowed address
            quality_profile_id=settings.radarr_quality_profile_id or 0,
            root_folder_path=(settings.radarr_root_folder or "").strip(),
            limits=limits,
        )

    def seerr() -> ClosingRequestClient:
        return JellyseerrClient(
            url, key.get_secret_value(), allowed=AllowList([url]), limits=limits
        )

    return RequestService("radarr", radarr) if kind == "radarr" else RequestService(kind, seerr)


# --- what a member sees ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestShown:
    """A request of the night's film, as its members see it."""

    service: RequestKind
    state: RequestState
    summary: str  # requested | downloading | available | failed
    label: str  # a sentence saying what it means
    requested_by: str | None  # the member who asked, when they are one of this night's
    created_at: datetime  # UTC
    checked_at: datetime  # UTC: the last check (or the request itself)
    checked_local: datetime  # in the viewer's zone
    problem: str | None  # the last check's failure (the state is the one known before)


@dataclass(frozen=True, slots=True)
class FilmRequestView:
    """What the night's page shows about asking for its film."""

    service: RequestKind | None  # the operator's service (None: requests are off)
    places: tuple[Place, ...]  # where the group can watch the film already
    has_tmdb_id: bool
    request: RequestShown | None

    @property
    def service_name(self) -> str | None:
        return SERVICE_NAMES[self.service] if self.service else None

    @property
    def can_request(self) -> bool:
        return (
            self.service is not None
            and not self.places
            and self.has_tmdb_id
            and self.request is None
        )

    @property
    def action(self) -> str:
        return "Ask Radarr for it" if self.service == "radarr" else "Request it on Jellyseerr"


def _label(state: str, service: str) -> str:
    name = SERVICE_NAMES.get(service, service)
    return {
        "pending": f"requested on {name}: waiting for an admin's approval",
        "wanted": f"{name} is searching for it or downloading it",
        "available": f"{name} has it: it can be watched once the library has synced",
        "declined": f"an admin declined the request on {name}",
        "unmonitored": f"{name} has the film but is not monitoring it, so nobody is "
        "fetching it: an admin turns monitoring on in Radarr",
    }.get(state, state)


def _shown(row: RequestRow, members: Mapping[int, str], zone: ZoneInfo) -> RequestShown:
    """``members``: who may be named as the asker (person id: display name)."""
    return RequestShown(
        service=cast(RequestKind, row.service),
        state=cast(RequestState, row.status),
        summary=SUMMARIES.get(row.status, row.status),
        label=_label(row.status, row.service),
        requested_by=members.get(row.requested_by) if row.requested_by is not None else None,
        created_at=row.created_at,
        checked_at=row.checked_at,
        checked_local=row.checked_at.astimezone(zone),
        problem=row.status_detail,
    )


def _names(night: NightRecord) -> dict[int, str]:
    return {m.person.person_id: m.person.display_name for m in night.members}


def _member_ids(night: NightRecord, person_id: int) -> list[int]:
    ids = [m.person.person_id for m in night.members]
    if person_id not in ids:  # night_for checked it; a caller that did not is refused alike
        raise NotFoundError(
            f"no night of yours has id {night.id}",
            hint="Your nights are listed on the nights page.",
        )
    return ids


def _tmdb_id(session: Session, film_id: int) -> int | None:
    film = FilmRepository(session).get(film_id)
    return film.tmdb_id if film is not None else None


def request_view(
    session: Session,
    night: NightRecord,
    person_id: int,
    service: RequestService | None,
    zone_name: str = "UTC",
) -> FilmRequestView:
    """Whether the night's film can be asked for, and the request made already, if any (its
    times shown in ``zone_name``, the viewer's)."""
    ids = _member_ids(night, person_id)
    places = available_to(session, ids, [night.film_id]).get(night.film_id, ())
    row = FilmRequestRepository(session).find(service.kind, night.film_id) if service else None
    return FilmRequestView(
        service=service.kind if service else None,
        places=places,
        has_tmdb_id=_tmdb_id(session, night.film_id) is not None,
        request=_shown(row, _names(night), ZoneInfo(zone_name)) if row is not None else None,
    )


def _require_service(service: RequestService | None) -> RequestService:
    if service is None:
        raise ConflictError("no request service is set up on this reelmates", hint=SETUP_HINT)
    return service


def _ask(
    service: RequestService, call: Callable[[ClosingRequestClient], FilmRequest]
) -> FilmRequest:
    """One call to the service; a failure worded for a request (the fetch layer's hints speak
    of library syncs too)."""
    try:
        client = service.connect()
        try:
            return call(client)
        finally:
            client.close()
    except SourceUnavailableError as exc:
        hint = (exc.hint or "").replace(SYNC_WORDS, "").strip()
        raise SourceUnavailableError(
            exc.message, hint=f"Nothing was asked for. {hint}".strip()
        ) from None


def check_may_ask(guest: bool) -> None:
    """A guest (a passing visitor of one swipe session) asks nothing of the operator's
    services: Radarr adds and searches at once, with no one to approve it."""
    if guest:
        raise PermissionDeniedError(
            "a guest cannot ask for films",
            hint="Keep your account first (set a handle and password on your settings page), "
            "or ask a member of the night.",
        )


def _request_film(
    engine: Engine,
    film_id: int,
    title: str,
    member_ids: Sequence[int],
    person_id: int,
    service: RequestService | None,
    night_id: int | None,
    now: datetime,
) -> RequestService:
    """The core of asking, shared by a night's page and a swipe session's match: refused with
    a 409 when someone of ``member_ids`` can watch the film already, it has no TMDB id, or no
    service is set up; sent once per (service, film) and recorded (``night_id`` when asked
    from a night). No transaction is open while the service answers. The service used."""
    chosen = _require_service(service)
    with unit_of_work(engine, read_only=True) as session:
        places = available_to(session, list(member_ids), [film_id]).get(film_id, ())
        asked = FilmRequestRepository(session).find(chosen.kind, film_id) is not None
        tmdb_id = _tmdb_id(session, film_id)
    if places:
        raise ConflictError(
            f"your group can watch {title} already ({places[0].label}): nothing to ask "
            f"{chosen.name} for",
            hint="The night's page says where."
            if night_id is not None
            else "The match says where.",
        )
    if not asked:
        if tmdb_id is None:
            raise ConflictError(
                f"{title} has no TMDB id in the catalog, and {chosen.name} finds films by "
                "it: it cannot be asked for",
                hint="A catalog import with TMDB links (MovieLens's links.csv), or a library "
                "sync that knows the film, adds its TMDB id.",
            )
        made = _ask(chosen, lambda client: client.request(tmdb_id))
        with unit_of_work(engine) as session:
            FilmRequestRepository(session).record(
                service=chosen.kind,
                film_id=film_id,
                night_id=night_id,
                requested_by=person_id,
                external_id=made.external_id,
                status=made.state,
                now=now,
            )
    return chosen


def request_for_night(
    engine: Engine,
    night: NightRecord,
    person_id: int,
    service: RequestService | None,
    now: datetime,
    zone_name: str = "UTC",
) -> FilmRequestView:
    """Ask the service for the night's film in the member's name, once: a film asked for
    before (from any night, or a swipe session's match) is not sent again. Raises 409
    (someone can watch it already, no TMDB id, no service) or 502 (the service is down or
    answers garbage: nothing recorded). No transaction is open while the service answers (on
    SQLite the write lock would keep every other write waiting): it reads, asks, then records
    in a short one of its own."""
    ids = _member_ids(night, person_id)
    chosen = _request_film(
        engine, night.film_id, night.title, ids, person_id, service, night.id, now
    )
    with unit_of_work(engine, read_only=True) as session:
        return request_view(session, night, person_id, chosen, zone_name)


def refresh_status(
    engine: Engine,
    night: NightRecord,
    person_id: int,
    service: RequestService | None,
    now: datetime,
    zone_name: str = "UTC",
) -> FilmRequestView:
    """Ask the service how the night's film's request stands, and keep its answer. A service
    that cannot answer leaves the state known before, with the problem recorded beside it.
    As for :func:`request_for_night`, no transaction is open while the service answers."""
    _member_ids(night, person_id)
    chosen = _require_service(service)
    with unit_of_work(engine, read_only=True) as session:
        row = FilmRequestRepository(session).find(chosen.kind, night.film_id)
    if row is None:
        raise NotFoundError(
            f"{night.title} has not been asked of {chosen.name} yet",
            hint="Ask for it from the night's page first.",
        )
    problem: str | None = None
    try:
        found = _ask(chosen, lambda client: client.status(row.external_id))
    except SourceUnavailableError as exc:
        state, external_id, problem = row.status, row.external_id, exc.message
    else:
        state, external_id = found.state, found.external_id
    with unit_of_work(engine) as session:
        FilmRequestRepository(session).update_status(
            chosen.kind, row.film_id, external_id, state, problem, now
        )
    with unit_of_work(engine, read_only=True) as session:
        return request_view(session, night, person_id, chosen, zone_name)


# --- a live swipe session's match ------------------------------------------------------------


def requests_for(
    session: Session,
    service: RequestService | None,
    film_ids: Collection[int],
    members: Mapping[int, str],
    zone_name: str = "UTC",
) -> dict[int, RequestShown]:
    """The requests made already of the operator's service for ``film_ids`` (a swipe
    session's matches), by film id; the asker named when one of ``members`` (person id:
    display name). Nothing when requests are off."""
    if service is None:
        return {}
    zone = ZoneInfo(zone_name)
    repository = FilmRequestRepository(session)
    found: dict[int, RequestShown] = {}
    for film_id in film_ids:
        row = repository.find(service.kind, film_id)
        if row is not None:
            found[film_id] = _shown(row, members, zone)
    return found


def _match_view(
    session: Session,
    members: Mapping[int, str],
    film_id: int,
    service: RequestService | None,
    zone_name: str,
) -> FilmRequestView:
    places = available_to(session, list(members), [film_id]).get(film_id, ())
    shown = requests_for(session, service, [film_id], members, zone_name)
    return FilmRequestView(
        service=service.kind if service else None,
        places=places,
        has_tmdb_id=_tmdb_id(session, film_id) is not None,
        request=shown.get(film_id),
    )


def request_for_match(
    engine: Engine,
    members: Mapping[int, str],
    matches: Mapping[int, str],
    film_id: int,
    person_id: int,
    service: RequestService | None,
    now: datetime,
    zone_name: str = "UTC",
) -> FilmRequestView:
    """Ask the service, in the member's name, for a swipe session's match that no one in the
    room can watch: ``members`` are the room's (person id: display name), ``matches`` its
    matches (film id: title). A film that is not one of them is a 404, a caller who is not a
    member too; otherwise the same rules as :func:`request_for_night` (409, 502; once per
    film, from anywhere), with no transaction open while the service answers."""
    title = matches.get(film_id)
    if title is None or person_id not in members:
        raise NotFoundError(
            f"film {film_id} is not one of this swipe session's matches",
            hint="The session's page lists its matches.",
        )
    chosen = _request_film(engine, film_id, title, list(members), person_id, service, None, now)
    with unit_of_work(engine, read_only=True) as session:
        return _match_view(session, members, film_id, chosen, zone_name)
