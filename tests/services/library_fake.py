"""An in-memory media server behind the :class:`~reelmates.media.base.LibraryClient` interface,
holding records of the shape the real clients give back: it stands in for a Jellyfin server in
the sync's tests (the clients themselves are tested against the published contracts)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from reelmates.errors import SourceUnavailableError
from reelmates.media.base import (
    ServerFilm,
    ServerKind,
    ServerLibrary,
    ServerUser,
    UserFilmState,
)

DOWN = SourceUnavailableError(
    "the Jellyfin server at http://jellyfin.lan:8096 did not answer within 10 seconds",
    hint="Check that it is running and reachable from reelmates, then sync again.",
)


@dataclass
class FakeLibraryClient:
    kind: ServerKind = "jellyfin"
    libs: list[ServerLibrary] = field(default_factory=list)
    films_of: dict[str, dict[str, ServerFilm]] = field(default_factory=dict)  # library → id → film
    people: list[ServerUser] = field(default_factory=list)
    states: dict[tuple[str, str], list[UserFilmState]] = field(default_factory=dict)
    # Fail (raise DOWN) after yielding this many films of a listing: a server dying mid-sync.
    fail_after: int | None = None
    calls: list[tuple[str, str, datetime | None]] = field(default_factory=list)

    def add_library(self, external_id: str, name: str) -> None:
        self.libs.append(ServerLibrary(external_id, name))
        self.films_of.setdefault(external_id, {})

    def put(self, film: ServerFilm) -> None:
        self.films_of.setdefault(film.library_id, {})[film.external_id] = film

    def remove(self, library_id: str, external_id: str) -> None:
        del self.films_of[library_id][external_id]

    def change(self, library_id: str, external_id: str, at: datetime, **fields: object) -> None:
        film = self.films_of[library_id][external_id]
        self.films_of[library_id][external_id] = replace(film, updated_at=at, **fields)

    # --- LibraryClient ---------------------------------------------------------------------

    def users(self) -> list[ServerUser]:
        return list(self.people)

    def libraries(self) -> list[ServerLibrary]:
        return list(self.libs)

    def films(self, library_id: str, *, since: datetime | None = None) -> Iterator[ServerFilm]:
        self.calls.append(("films", library_id, since))
        for n, film in enumerate(list(self.films_of.get(library_id, {}).values())):
            if self.fail_after is not None and n >= self.fail_after:
                raise DOWN
            if since is None or (film.updated_at is not None and film.updated_at > since):
                yield film

    def film_ids(self, library_id: str) -> frozenset[str]:
        self.calls.append(("film_ids", library_id, None))
        return frozenset(self.films_of.get(library_id, {}))

    def user_states(self, user_id: str, library_id: str) -> Iterator[UserFilmState]:
        self.calls.append(("user_states", library_id, None))
        films = self.films_of.get(library_id, {})
        yield from (s for s in self.states.get((user_id, library_id), []) if s.external_id in films)
