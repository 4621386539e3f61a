"""What a request for a missing film looks like, whichever service takes it (Radarr, or
Jellyseerr/Overseerr), and the client interface the night's page uses.

A client implements :class:`RequestClient`; like the library clients, every method raises
:class:`reelmates.errors.SourceUnavailableError` with a message that says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from reelmates.media.base import RequestKind

# pending: waits for an admin's approval (Jellyseerr); wanted: approved and monitored, being
# searched for or downloaded; available: the file is there; declined: an admin said no;
# unmonitored: in Radarr, but nobody is looking for it.
RequestState = Literal["pending", "wanted", "available", "declined", "unmonitored"]


@dataclass(frozen=True)
class FilmRequest:
    """One film asked for, as the service reports it now."""

    kind: RequestKind
    external_id: str  # Radarr's movie id, Jellyseerr's request id: what status() takes
    tmdb_id: int
    state: RequestState
    title: str | None = None


class RequestClient(Protocol):
    kind: RequestKind

    def request(self, tmdb_id: int) -> FilmRequest:
        """Ask for the film (once: asking again for one already asked for gives its status)."""
        ...

    def status(self, external_id: str) -> FilmRequest:
        """The state of a request made before."""
        ...
