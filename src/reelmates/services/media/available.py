"""Which films can a group watch tonight, and where?

A film is available to a group when it is in an enabled library of a server any member can use
(the operator's shared server: everyone; a member's own server; a server a member is mapped on),
or a member marked it "on disc" or "on a service". Each place says where in plain text (pages
escape it) and, for a server, links to the film in the server's own web client.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from reelmates.store.media import MediaServerRepository
from reelmates.store.media_marks import MarkInfo, MediaMarkRepository

KIND_NAMES = {"jellyfin": "Jellyfin", "emby": "Emby", "plex": "Plex"}


@dataclass(frozen=True, slots=True)
class Place:
    """Where a group can watch a film: ``label`` like "on Milly's Jellyfin"."""

    label: str
    web_url: str | None = None
    server_id: int | None = None


def default_server_name(kind: str, owner_name: str | None) -> str:
    """What a server is called unless its owner says otherwise: "Milly's Jellyfin", "Plex"."""
    kind_name = KIND_NAMES.get(kind, kind)
    return f"{owner_name}'s {kind_name}" if owner_name else kind_name


def _mark_label(mark: MarkInfo) -> str:
    if mark.kind == "disc":
        return f"on disc ({mark.person_name})"
    return (
        f"on {mark.note} ({mark.person_name})" if mark.note else f"on {mark.person_name}'s service"
    )


def web_link(url: str | None) -> str | None:
    """``url`` when it is an http(s) address with a host, else None: a page links only to
    those (never ``javascript:`` or ``data:`` from a server's answer)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def available_to(
    session: Session, person_ids: Sequence[int], film_ids: Iterable[int] | None = None
) -> dict[int, tuple[Place, ...]]:
    """Film id → the places the group of ``person_ids`` can watch it (servers first, by id);
    only the films of ``film_ids`` when given (a few cards and matches)."""
    only = None if film_ids is None else sorted({int(f) for f in film_ids})
    servers = MediaServerRepository(session)
    usable = servers.usable_by(person_ids)
    label = {s.id: f"on {s.name}" for s in usable}
    found: dict[int, list[Place]] = {}
    if usable and (only is None or only):
        for place in servers.places([s.id for s in usable], only):
            found.setdefault(place.film_id, []).append(
                Place(label[place.server_id], web_link(place.web_url), place.server_id)
            )
    wanted = None if only is None else set(only)
    for mark in MediaMarkRepository(session).marks_of(person_ids):
        if wanted is None or mark.film_id in wanted:
            found.setdefault(mark.film_id, []).append(Place(_mark_label(mark)))
    return {film_id: tuple(places) for film_id, places in sorted(found.items())}


def any_library(session: Session, person_ids: Sequence[int]) -> bool:
    """Whether the group can use any server or has any mark: "only what we can watch" is then
    the default of the deck and of watch together."""
    if MediaServerRepository(session).usable_by(person_ids):
        return True
    return bool(MediaMarkRepository(session).marks_of(person_ids))


def only_available(session: Session, person_ids: Sequence[int], asked: bool | None) -> bool:
    """Whether the group's picks and deck hold only films it can watch: as ``asked``, else (None)
    the default: on once any member can use a library or has marked a film."""
    return any_library(session, person_ids) if asked is None else asked
