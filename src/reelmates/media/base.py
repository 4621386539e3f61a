"""What every media-server client gives back, whatever the server: plain, validated records.

A client (Jellyfin/Emby, Plex) implements :class:`LibraryClient`; the sync service
(``services/media.py``) takes any :class:`LibraryClient`, so it is tested with a loopback fake
of a server as much as with the real client against the published contract.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

ServerKind = Literal["jellyfin", "emby", "plex"]
RequestKind = Literal["radarr", "jellyseerr"]


@dataclass(frozen=True)
class ServerUser:
    """A user account on the media server (members are mapped to these)."""

    external_id: str
    name: str


@dataclass(frozen=True)
class ServerLibrary:
    """A film library (Jellyfin "view"/virtual folder, Plex section of type movie)."""

    external_id: str
    name: str


@dataclass(frozen=True)
class ServerFilm:
    """One film item of a library, as the server describes it."""

    external_id: str  # the server's item id (Jellyfin Id, Plex ratingKey)
    library_id: str
    title: str
    year: int | None
    imdb_id: str | None = None  # "tt0021749"
    tmdb_id: int | None = None
    updated_at: datetime | None = None  # last change the server records, when it says
    # Where a member opens the film in the server's own web client.
    web_url: str | None = None


@dataclass(frozen=True)
class UserFilmState:
    """What one server user did with one film: watched it, and their rating in stars (0.5-5)."""

    external_id: str  # the film item's id
    played: bool
    stars: float | None = None
    played_at: datetime | None = None


class LibraryClient(Protocol):
    """One connected Jellyfin, Emby or Plex server, as the sync sees it. Every method raises
    :class:`reelmates.errors.SourceUnavailableError` (down, timed out, 401, garbage, too big, not
    allowed) with a message that says what to do; none returns half an answer."""

    kind: ServerKind

    def users(self) -> list[ServerUser]: ...

    def libraries(self) -> list[ServerLibrary]: ...

    def films(self, library_id: str, *, since: datetime | None = None) -> Iterator[ServerFilm]:
        """The library's films (only those changed since ``since`` when given), page by page."""
        ...

    def film_ids(self, library_id: str) -> frozenset[str]:
        """Every film id in the library now: what the sweep keeps."""
        ...

    def user_states(self, user_id: str, library_id: str) -> Iterator[UserFilmState]:
        """What ``user_id`` watched (and rated) in the library."""
        ...
