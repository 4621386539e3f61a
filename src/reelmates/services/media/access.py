"""Who may see and change a connected media server: the one rule, in one place.

- **manage** (see everything but the credentials, and change anything: libraries, schedule,
  who is which server user, sync now, remove): the server's owner, for a member's own server;
  the operator, for every server (the operator runs the installation and its allow-list).
- **see** (that the server exists, its name and kind, and one's own mapping on it, nothing
  else: no address, libraries, other members, sync results or errors): a member with an
  account (not a guest) who can use the server, that is every member for a shared server (the
  operator's, ``owner_id`` NULL) and the members mapped on a member's own server.
- **nothing** (a 404, as for a server that does not exist, so an id reveals nothing): everyone
  else, guests always (a guest account is a passing visitor of one swipe session).

Mapping a member to a server user makes that user's watch history the member's seen marks and
ratings, so it is for whoever knows who is who on the server, and touches only those who agreed:
the operator may map any member on any server; the owner of a member's own server may map
themself and their friends (a friendship is consent both ways), no one else. A member who may
only see a server may not map themself on it (they might choose someone else's history).
Credentials are never returned to anyone: a view says only that they are set.

A link to a film in a server's own web client carries the server's address, so it is given only
to a caller who may see that server (:func:`linkable`); others read just where ("on Milly's
Jellyfin"), and news pushed to a whole swipe room carries no link at all.

Connecting: any member with an account may connect their own server; only the operator may
connect a shared one (or one owned by a member, from the CLI). Guests connect nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from reelmates.errors import NotFoundError, PermissionDeniedError
from reelmates.services.accounts import Identity
from reelmates.store.friends import FriendshipRepository
from reelmates.store.media import MediaServerRepository, ServerInfo

Access = Literal["manage", "see"]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks: a member (``person_id``), the operator, or the terminal (``reelmates library``,
    run by whoever holds the database: the operator, with no account of its own)."""

    person_id: int | None
    operator: bool = False
    guest: bool = False

    @classmethod
    def of(cls, identity: Identity) -> Caller:
        role = identity.holder.role
        return cls(identity.person_id, operator=role == "operator", guest=role == "guest")


TERMINAL = Caller(None, operator=True)


def access(session: Session, caller: Caller, server: ServerInfo) -> Access | None:
    """What ``caller`` may do with ``server`` (see the module's notes), or None: nothing."""
    if caller.operator:
        return "manage"
    if caller.guest or caller.person_id is None:
        return None
    if server.owner_id == caller.person_id:
        return "manage"
    if server.owner_id is None:
        return "see"
    mapped = {m.person_id for m in MediaServerRepository(session).mappings(server.id)}
    return "see" if caller.person_id in mapped else None


def server_for(session: Session, caller: Caller, server_id: int, *, manage: bool) -> ServerInfo:
    """The server when ``caller`` may see it (and manage it, when ``manage``); else a 404
    (not theirs to know of) or a 403 (theirs to see, not to change)."""
    server = MediaServerRepository(session).get(server_id)
    allowed = None if server is None else access(session, caller, server)
    if server is None or allowed is None:
        raise NotFoundError(
            f"there is no media server {server_id} of yours",
            hint="Your settings page lists the servers you can use.",
        )
    if manage and allowed != "manage":
        raise PermissionDeniedError(
            f"only the operator or the owner of {server.name} may change it",
            hint="Ask them to make the change.",
        )
    return server


def check_may_map(session: Session, caller: Caller, person_id: int) -> None:
    """On a server ``caller`` manages: may they make ``person_id`` one of its users?"""
    if caller.operator or caller.person_id == person_id:
        return
    if caller.person_id is None or not FriendshipRepository(session).exists(
        caller.person_id, person_id
    ):
        raise PermissionDeniedError(
            "you may map only yourself and your friends on your server",
            hint="Ask the operator to map someone else, or become friends first.",
        )


def check_may_connect(caller: Caller, *, shared: bool) -> None:
    if caller.guest or (caller.person_id is None and not caller.operator):
        raise PermissionDeniedError(
            "a guest cannot connect a media server",
            hint="Keep your account first (set a handle and password on your settings page).",
        )
    if shared and not caller.operator:
        raise PermissionDeniedError(
            "only the operator may connect a server shared with every member",
            hint="Connect it as your own server instead.",
        )


def linkable(session: Session, caller: Caller) -> frozenset[int]:
    """The servers whose film links ``caller`` may be given: those they may see or manage."""
    servers = MediaServerRepository(session).all()
    return frozenset(s.id for s in servers if access(session, caller, s) is not None)
