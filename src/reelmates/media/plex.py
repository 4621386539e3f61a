"""A Plex Media Server's film sections, films and the token's own watch history.

A JSON client of our own (``Accept: application/json``, the ``X-Plex-Token`` header), checked
against the community's Plex OpenAPI document, rather than the ``plexapi`` package: every server
reelmates reads goes through one HTTP layer (:mod:`reelmates.media.fetch`: the operator's
allow-list, no redirects, size and time caps, no secret in a URL), and ``plexapi`` brings its own
sessions, follows redirects, puts the token in query strings and parses XML for the few fields
we need. The calls are

- ``GET /`` (the server's account name, when it says) and ``GET /identity`` (its machine id,
  for links into Plex's web app),
- ``GET /library/sections/all`` (the sections; those of type ``movie``),
- ``GET /library/sections/{key}/all`` with ``type=1`` (films), ``includeGuids=1`` (the
  ``imdb://`` and ``tmdb://`` ids), paged with ``X-Plex-Container-Start``/``-Size``.

A Plex token sees only its own account's watch history (``viewCount``, ``userRating`` 0-10,
``lastViewedAt`` on each film), so the server has one user here, :data:`OWN_ACCOUNT`; a
friend's history needs a connection with the friend's own token. "Changed since" is read from
each film's ``updatedAt``, the listing sorted newest change first and stopped at the first film
older than asked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from reelmates.errors import SourceUnavailableError
from reelmates.media.base import ServerFilm, ServerKind, ServerLibrary, ServerUser, UserFilmState
from reelmates.media.fetch import (
    DEFAULT_LIMITS,
    AllowList,
    Answer,
    GuardedClient,
    Limits,
    Params,
    parse,
    path_part,
)

PAGE_SIZE = 500
MAX_ITEMS = 1_000_000
OWN_ACCOUNT = "token"  # the one user a Plex connection sees: the token's own account
CLIENT_ID = "reelmates"  # X-Plex-Client-Identifier: the document requires one on each call
IMDB_ID = re.compile(r"tt\d{7,10}")
# New agents list ids as Guid entries ("imdb://tt0021749", "tmdb://901"); the legacy agents put
# one id in the film's own guid ("com.plexapp.agents.imdb://tt0021749?lang=en").
GUID = re.compile(r"(?:com\.plexapp\.agents\.)?(imdb|tmdb|themoviedb)://([^?/]+)")


class _Plex(Answer):
    model_config = ConfigDict(alias_generator=to_camel)


class _Guid(_Plex):
    id: object = None  # a string; anything else is skipped, not the whole library


class _Film(_Plex):
    rating_key: str
    title: str = ""
    type: str = "movie"
    year: int | None = None
    guid: str | None = None
    guids: list[_Guid] = Field(default_factory=list, alias="Guid")
    updated_at: int | None = None
    added_at: int | None = None
    view_count: int | None = None
    user_rating: float | None = None
    last_viewed_at: int | None = None


class _FilmPage(_Plex):
    size: int | None = None
    total_size: int | None = None
    metadata: list[_Film] = Field(default_factory=list, alias="Metadata")


class _Section(_Plex):
    key: str
    title: str | None = None
    type: str | None = None


class _Sections(_Plex):
    directory: list[_Section] = Field(default_factory=list, alias="Directory")


class _Server(_Plex):
    machine_identifier: str | None = None
    my_plex_username: str | None = None


# Every Plex answer comes in a {"MediaContainer": {...}} envelope.
class _FilmsAnswer(_Plex):
    container: _FilmPage = Field(alias="MediaContainer")


class _SectionsAnswer(_Plex):
    container: _Sections = Field(alias="MediaContainer")


class _ServerAnswer(_Plex):
    container: _Server = Field(alias="MediaContainer")


def provider_ids(film: _Film) -> tuple[str | None, int | None]:
    """The film's IMDb and TMDB ids, from its Guid entries, else from its legacy guid."""
    imdb: str | None = None
    tmdb: int | None = None
    for raw in [g.id for g in film.guids] + [film.guid]:
        match = GUID.match(raw.strip()) if isinstance(raw, str) else None
        if not match:
            continue
        source, value = match.groups()
        if source == "imdb" and imdb is None and IMDB_ID.fullmatch(value):
            imdb = value
        elif source != "imdb" and tmdb is None and value.isdecimal() and int(value) > 0:
            tmdb = int(value)
    return imdb, tmdb


def stars_of(user_rating: float | None) -> float | None:
    """Plex's user rating (0-10, its five stars in half steps) in stars (0.5-5): halved."""
    if user_rating is None or user_rating != user_rating or user_rating <= 0:
        return None  # 0 is what Plex stores for "not rated"
    return min(5.0, max(0.5, math.floor(user_rating + 0.5) / 2))


def _moment(epoch: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


class PlexClient:
    """One Plex Media Server, seen through one token (a :class:`LibraryClient`)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        allowed: AllowList,
        limits: Limits = DEFAULT_LIMITS,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.kind: ServerKind = "plex"
        self.page_size = page_size
        self.http = GuardedClient(
            base_url,
            service="Plex",
            allowed=allowed,
            headers={
                "X-Plex-Token": token,
                "Accept": "application/json",
                "X-Plex-Client-Identifier": CLIENT_ID,
                "X-Plex-Product": "reelmates",
            },
            secrets=[token],
            limits=limits,
            key_name="token",
        )
        self._machine_id: str | None = None

    def close(self) -> None:
        self.http.close()

    def users(self) -> list[ServerUser]:
        found = self.http.get("/", what="the server")
        server = parse(_ServerAnswer, found, service="Plex", what="the server").container
        return [ServerUser(OWN_ACCOUNT, server.my_plex_username or "this token's Plex account")]

    def libraries(self) -> list[ServerLibrary]:
        found = self.http.get("/library/sections/all", what="the libraries")
        sections = parse(_SectionsAnswer, found, service="Plex", what="the libraries").container
        return [
            ServerLibrary(section.key, section.title or section.key)
            for section in sections.directory
            if section.type == "movie"
        ]

    def films(self, library_id: str, *, since: datetime | None = None) -> Iterator[ServerFilm]:
        machine_id = self.machine_id()
        cutoff = (
            None if since is None else int(since.replace(tzinfo=since.tzinfo or UTC).timestamp())
        )
        order = "updatedAt:desc" if since is not None else "titleSort"
        for film in self._films(library_id, order, "the films"):
            if cutoff is not None and (film.updated_at or 0) < cutoff:
                return  # newest change first: the rest are older still
            imdb, tmdb = provider_ids(film)
            yield ServerFilm(
                external_id=film.rating_key,
                library_id=library_id,
                title=film.title.strip(),
                year=film.year,
                imdb_id=imdb,
                tmdb_id=tmdb,
                updated_at=_moment(film.updated_at),
                web_url=self.web_url(machine_id, film.rating_key),
            )

    def film_ids(self, library_id: str) -> frozenset[str]:
        return frozenset(f.rating_key for f in self._films(library_id, "titleSort", "the film ids"))

    def user_states(self, user_id: str, library_id: str) -> Iterator[UserFilmState]:
        if user_id != OWN_ACCOUNT:
            raise SourceUnavailableError(
                "a Plex token shows only its own account's watch history",
                hint="Connect the server again with that person's own Plex token.",
            )
        for film in self._films(library_id, "titleSort", "what the account watched"):
            played = (film.view_count or 0) > 0
            stars = stars_of(film.user_rating)
            if played or stars is not None:
                yield UserFilmState(film.rating_key, played, stars, _moment(film.last_viewed_at))

    def machine_id(self) -> str:
        if self._machine_id is None:
            found = self.http.get("/identity", what="the server's identity")
            server = parse(
                _ServerAnswer, found, service="Plex", what="the server's identity"
            ).container
            if not server.machine_identifier:
                raise SourceUnavailableError(
                    "Plex did not say its machine identifier (/identity)",
                    hint="Check that the address points at a Plex Media Server.",
                )
            self._machine_id = server.machine_identifier
        return self._machine_id

    @staticmethod
    def web_url(machine_id: str, rating_key: str) -> str:
        """The film in Plex's web app (app.plex.tv finds the server through the member's own
        Plex account, on the home network or not)."""
        key = quote(f"/library/metadata/{rating_key}", safe="")
        return (
            f"https://app.plex.tv/desktop/#!/server/{quote(machine_id, safe='')}/details?key={key}"
        )

    def _films(self, library_id: str, order: str, what: str) -> Iterator[_Film]:
        start = 0
        path = f"/library/sections/{path_part(library_id)}/all"
        while True:
            params: Params = [
                ("type", "1"),
                ("sort", order),
                ("includeGuids", "1"),
                ("X-Plex-Container-Start", str(start)),
                ("X-Plex-Container-Size", str(self.page_size)),
            ]
            found = self.http.get(path, params, what=what)
            page = parse(_FilmsAnswer, found, service="Plex", what=what).container
            films = [film for film in page.metadata if film.type == "movie"]
            yield from films
            start += len(page.metadata)
            if not page.metadata or len(page.metadata) < self.page_size:
                return
            if page.total_size is not None and start >= page.total_size:
                return
            if start > MAX_ITEMS:
                raise SourceUnavailableError(
                    f"Plex keeps sending films past {MAX_ITEMS:,}: stopped",
                    hint="Check that the address points at a Plex Media Server.",
                )
