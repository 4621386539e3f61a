"""What the media servers' routes (``pages/media.py``, ``api/media.py``) share: the caller as the
access rule sees them, and the end of the request's transaction before a server is reached.

A route that reaches a media server (connect, map, sync now, its users) must hold no
transaction while the server answers: on SQLite an unsafe request's unit of work holds the
database's one write lock from its first statement (the caller's log-in is read with it), and
the service's own units of work would wait behind it. ``NoTransaction`` commits the request's
unit of work once the caller is known (nothing was written but, maybe, "last seen"); the
service then opens its own short ones from the engine.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from reelmates.services.media.access import Caller
from reelmates.web.deps import CurrentUser, SessionDep


def media_caller(me: CurrentUser) -> Caller:
    return Caller.of(me)


def end_transaction(session: SessionDep, me: CurrentUser) -> None:
    del me  # known first: logged out is refused before anything else
    session.commit()


CallerDep = Annotated[Caller, Depends(media_caller)]
NoTransaction = Annotated[None, Depends(end_transaction)]
