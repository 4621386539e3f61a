"""Dependencies of the routes about one friend (``/friends/{handle}/...``): the one
authorization check, "is this person the caller's friend?", made here and nowhere else.

A handle that is not a friend of the caller, a stranger or nobody at all, is a 404 with the same
message either way (``services.friends.require_friends``), so no one learns who has an account.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from reelmates.services import friends
from reelmates.store.friends import FriendSummary
from reelmates.web.deps import CurrentUser, SessionDep


def friend_of_caller(handle: str, session: SessionDep, me: CurrentUser) -> FriendSummary:
    (friend,) = friends.require_friends(session, me.person_id, [handle], allow_self=False)
    return friend


FriendDep = Annotated[FriendSummary, Depends(friend_of_caller)]
