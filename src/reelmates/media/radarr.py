"""Missing films asked of Radarr (API v3, the ``X-Api-Key`` header), checked against Radarr's
published OpenAPI document:

- ``GET /api/v3/movie?tmdbId=`` (is it in Radarr already?),
- ``GET /api/v3/movie/lookup/tmdb?tmdbId=`` (Radarr's own record of the film, to add),
- ``POST /api/v3/movie`` (add it: the operator's quality profile and root folder, monitored,
  searched for at once),
- ``GET /api/v3/movie/{id}`` (its state: has a file, monitored),
- ``GET /api/v3/qualityprofile`` and ``/api/v3/rootfolder`` (what an operator picks from).
"""

from __future__ import annotations

from pydantic import ConfigDict
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


class _Radarr(Answer):
    model_config = ConfigDict(alias_generator=to_camel)


class _Movie(_Radarr):
    id: int | None = None  # none until it is added
    title: str | None = None
    tmdb_id: int | None = None
    year: int | None = None
    has_file: bool | None = None
    monitored: bool | None = None
    title_slug: str | None = None
    images: list[dict[str, object]] | None = None


class _Named(_Radarr):
    id: int
    name: str | None = None


class _Folder(_Radarr):
    id: int | None = None
    path: str


def state_of(movie: _Movie) -> RequestState:
    if movie.has_file:
        return "available"
    return "wanted" if movie.monitored else "unmonitored"


class RadarrClient:
    """One Radarr server (a :class:`reelmates.media.requests.RequestClient`)."""

    kind: RequestKind = "radarr"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        allowed: AllowList,
        quality_profile_id: int,
        root_folder_path: str,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.quality_profile_id = quality_profile_id
        self.root_folder_path = root_folder_path
        self.http = GuardedClient.with_api_key(
            base_url, api_key, service="Radarr", allowed=allowed, limits=limits
        )

    def close(self) -> None:
        self.http.close()

    def request(self, tmdb_id: int) -> FilmRequest:
        found = self.http.get("/api/v3/movie", [("tmdbId", str(tmdb_id))], what="the film")
        known = parse(list[_Movie], found, service="Radarr", what="the film")
        for movie in known:
            if movie.tmdb_id == tmdb_id and movie.id is not None:
                return self._request(movie, tmdb_id)
        found = self.http.get(
            "/api/v3/movie/lookup/tmdb", [("tmdbId", str(tmdb_id))], what="the film's lookup"
        )
        film = parse(_Movie, found, service="Radarr", what="the film's lookup")
        if not film.title:
            raise SourceUnavailableError(
                f"Radarr does not know a film with TMDB id {tmdb_id}",
                hint="Check the film's TMDB id in the catalog.",
            )
        body = {
            "title": film.title,
            "tmdbId": tmdb_id,
            "year": film.year or 0,
            "titleSlug": film.title_slug or str(tmdb_id),
            "images": film.images or [],
            "qualityProfileId": self.quality_profile_id,
            "rootFolderPath": self.root_folder_path,
            "monitored": True,
            "minimumAvailability": "released",
            "addOptions": {"searchForMovie": True, "monitor": "movieOnly"},
        }
        _status, added = self.http.send("POST", "/api/v3/movie", what="adding the film", body=body)
        return self._request(parse(_Movie, added, service="Radarr", what="the added film"), tmdb_id)

    def status(self, external_id: str) -> FilmRequest:
        found = self.http.get(f"/api/v3/movie/{path_part(external_id)}", what="the film's state")
        movie = parse(_Movie, found, service="Radarr", what="the film's state")
        return self._request(movie, movie.tmdb_id or 0)

    def quality_profiles(self) -> list[tuple[int, str]]:
        found = self.http.get("/api/v3/qualityprofile", what="the quality profiles")
        profiles = parse(list[_Named], found, service="Radarr", what="the quality profiles")
        return [(p.id, p.name or str(p.id)) for p in profiles]

    def root_folders(self) -> list[str]:
        found = self.http.get("/api/v3/rootfolder", what="the root folders")
        return [f.path for f in parse(list[_Folder], found, service="Radarr", what="the folders")]

    def _request(self, movie: _Movie, tmdb_id: int) -> FilmRequest:
        if movie.id is None:
            raise SourceUnavailableError(
                "Radarr's answer names no movie id",
                hint="Check that the address points at a Radarr v3 (or later) server.",
            )
        return FilmRequest("radarr", str(movie.id), tmdb_id, state_of(movie), movie.title)
