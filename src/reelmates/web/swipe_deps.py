"""Dependencies of the swipe-session routes (``/swipe/...``, ``/api/swipe/...``), and the one
place that decides who may see or swipe in a room: its members (``swipes.require_member``).
Anyone else, and a room that does not exist, is the same 404, so a room id reveals nothing.

Joining is the other way in: the room's link (``/swipe/join/{token}``), whose secret token is
checked by the join use case itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from reelmates.services import swipes
from reelmates.services.accounts import Identity
from reelmates.services.swipes import SwipeRooms
from reelmates.web.deps import CurrentUser, SessionDep
from reelmates.web.ids import RowId
from reelmates.web.live import Broadcaster


@dataclass(frozen=True)
class RoomAccess:
    """A room the caller is a member of (checked)."""

    room_id: int
    me: Identity

    @property
    def handle(self) -> str:
        return self.me.holder.handle


def room_member(room_id: RowId, session: SessionDep, me: CurrentUser) -> RoomAccess:
    swipes.require_member(session, room_id, me.person_id)
    return RoomAccess(room_id, me)


def get_rooms(request: Request) -> SwipeRooms:
    rooms: SwipeRooms = request.app.state.rooms
    return rooms


def get_broadcaster(request: Request) -> Broadcaster:
    broadcaster: Broadcaster = request.app.state.broadcaster
    return broadcaster


RoomDep = Annotated[RoomAccess, Depends(room_member)]
RoomsDep = Annotated[SwipeRooms, Depends(get_rooms)]
BroadcasterDep = Annotated[Broadcaster, Depends(get_broadcaster)]
