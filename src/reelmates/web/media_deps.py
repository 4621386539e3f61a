"""What the media servers' routes (``pages/media.py``, ``api/media.py``) share: the caller as the
access rule sees them.

A route that reaches a media server (connect, map, sync now, its users) holds no transaction
while the server answers: it is marked :func:`reelmates.web.deps.calls_out`, so its request's
unit of work only reads (on SQLite an unsafe request's unit of work would hold the database's
one write lock, and the service's own units of work would wait behind it); the service opens
its own short ones from the engine.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from reelmates.services.media.access import Caller, linkable
from reelmates.web.deps import CurrentUser


def media_caller(me: CurrentUser) -> Caller:
    return Caller.of(me)


CallerDep = Annotated[Caller, Depends(media_caller)]


def linkable_for(request: Request, session: Session) -> frozenset[int]:
    """The servers whose film links the request's caller may be given (none when logged out)."""
    identity = getattr(request.state, "identity", None)
    return frozenset() if identity is None else linkable(session, Caller.of(identity))
