"""Missing films asked of Jellyseerr or Overseerr (the ``X-Api-Key`` header, the API under
``/api/v1``), checked against Jellyseerr's published OpenAPI document:

- ``POST /api/v1/request`` with ``{"mediaType": "movie", "mediaId": <TMDB id>}`` (a 409 means
  it was asked for already: then ``GET /api/v1/movie/{tmdbId}`` names that request),
- ``GET /api/v1/request/{id}`` (its state: the request's approval and the film's availability).

The request is made in the name of the API key's user (an admin's key is approved at once).
"""

from __future__ import annotations

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from reelmates.errors import SourceUnavailableError
from reelmates.media.base import RequestKind
from reelmates.media.fetch import (
    DEFAULT_LIMITS,
    AllowList,
    Answer,
    GuardedClient,
    Limits,
    parse,
    path_part,
)
from reelmates.media.requests import FilmRequest, RequestState

# The document's numbers: a request is 1 pending approval, 2 approved, 3 declined (Jellyseerr
# adds 4 failed, 5 completed); its media 1 unknown, 2 pending, 3 processing, 4 partly
# available, 5 available, 6 deleted.
DECLINED = 3
PENDING = 1
AVAILABLE = 5


class _Seerr(Answer):
    model_config = ConfigDict(alias_generator=to_camel)


class _Media(_Seerr):
    tmdb_id: int | None = None
    status: int | None = None


class _Request(_Seerr):
    id: int
    status: int
    media: _Media | None = None


class _MediaWithRequests(_Media):
    requests: list[_Request] = Field(default_factory=list)


class _Movie(_Seerr):
    id: int | None = None
    title: str | None = None
    media_info: _MediaWithRequests | None = None


def state_of(request: _Request) -> RequestState:
    if request.status == DECLINED:
        return "declined"
    if request.media is not None and request.media.status == AVAILABLE:
        return "available"
    return "pending" if request.status == PENDING else "wanted"


class JellyseerrClient:
    """One Jellyseerr or Overseerr server (a :class:`reelmates.media.requests.RequestClient`)."""

    kind: RequestKind = "jellyseerr"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        allowed: AllowList,
        limits: Limits = DEFAULT_LIMITS,
        api_root: str = "/api/v1",  # the document's server path (a contract mock may serve none)
    ) -> None:
        self.api = api_root.rstrip("/")
        self.http = GuardedClient.with_api_key(
            base_url, api_key, service="Jellyseerr", allowed=allowed, limits=limits
        )

    def close(self) -> None:
        self.http.close()

    def request(self, tmdb_id: int) -> FilmRequest:
        body = {"mediaType": "movie", "mediaId": tmdb_id}
        status, made = self.http.send(
            "POST",
            f"{self.api}/request",
            what="the request",
            body=body,
            accept_status=frozenset({409}),
        )
        if status != 409:
            return self._film(
                parse(_Request, made, service="Jellyseerr", what="the request"), tmdb_id
            )
        found = self.http.get(f"{self.api}/movie/{tmdb_id}", what="the film's requests")
        movie = parse(_Movie, found, service="Jellyseerr", what="the film's requests")
        earlier = movie.media_info.requests if movie.media_info else []
        if not earlier:
            raise SourceUnavailableError(
                f"Jellyseerr says the film (TMDB {tmdb_id}) was asked for already, but names no "
                "request",
                hint="Look for it on Jellyseerr's requests page.",
            )
        return self._film(max(earlier, key=lambda r: r.id), tmdb_id)

    def status(self, external_id: str) -> FilmRequest:
        found = self.http.get(f"{self.api}/request/{path_part(external_id)}", what="the request")
        request = parse(_Request, found, service="Jellyseerr", what="the request")
        return self._film(request, request.media.tmdb_id if request.media else None)

    @staticmethod
    def _film(request: _Request, tmdb_id: int | None) -> FilmRequest:
        tmdb = tmdb_id or (request.media.tmdb_id if request.media else None) or 0
        return FilmRequest("jellyseerr", str(request.id), tmdb, state_of(request))
