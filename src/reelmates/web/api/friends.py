"""``/api/friends``: the friends pages' operations as JSON (the same service calls)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from reelmates.errors import WrongCodeError
from reelmates.services import friends
from reelmates.services.friends import FriendRules
from reelmates.store.friends import FriendSummary, InviteSummary
from reelmates.web.deps import CurrentUser, SessionDep, SettingsDep, now_utc
from reelmates.web.errors import ErrorPublic, error_response
from reelmates.web.ids import RowId

router = APIRouter(prefix="/api/friends", tags=["friends"])


class FriendPublic(BaseModel):
    person_id: int
    handle: str
    display_name: str


class InvitePublic(BaseModel):
    id: int
    created_at: datetime
    expires_at: datetime
    code_expires_at: datetime


class InviteCreated(InvitePublic):
    url: str = Field(description="The link to send: shown once.")
    code: str = Field(description="The short code to type (with your handle): shown once.")
    signup_allowed: bool = Field(description="Someone without an account can sign up with it.")


class LinkBase(BaseModel):
    token: str = Field(max_length=200, description="The token at the end of the invite link.")


class CodeCreate(BaseModel):
    handle: str = Field(max_length=200, description="The handle of the friend who invited you.")
    code: str = Field(max_length=200)


def _friend(f: FriendSummary) -> FriendPublic:
    return FriendPublic(person_id=f.person_id, handle=f.handle, display_name=f.display_name)


def _invite(i: InviteSummary) -> InvitePublic:
    return InvitePublic(
        id=i.id, created_at=i.created_at, expires_at=i.expires_at, code_expires_at=i.code_expires_at
    )


@router.get("", response_model=list[FriendPublic])
def list_friends(session: SessionDep, me: CurrentUser) -> list[FriendPublic]:
    return [_friend(f) for f in friends.list_friends(session, me.person_id)]


@router.delete("/{handle}", status_code=204)
def remove_friend(handle: str, session: SessionDep, me: CurrentUser) -> None:
    friends.remove_friend(session, me.person_id, handle)


@router.get("/invites", response_model=list[InvitePublic])
def pending_invites(session: SessionDep, me: CurrentUser) -> list[InvitePublic]:
    return [_invite(i) for i in friends.pending_invites(session, me.person_id, now_utc())]


@router.post("/invites", response_model=InviteCreated, status_code=201)
def create_invite(
    request: Request, session: SessionDep, settings: SettingsDep, me: CurrentUser
) -> InviteCreated:
    now = now_utc()
    made = friends.create_invite(
        session, me, FriendRules.from_settings(settings), policy=settings.signup_policy, now=now
    )
    return InviteCreated(
        id=made.id,
        created_at=now,
        expires_at=made.expires_at,
        code_expires_at=made.code_expires_at,
        url=str(request.url_for("friend_join", token=made.token)),
        code=made.code,
        signup_allowed=made.signup_allowed,
    )


@router.delete("/invites/{invite_id}", status_code=204)
def cancel_invite(invite_id: RowId, session: SessionDep, me: CurrentUser) -> None:
    friends.cancel_invite(session, me.person_id, invite_id, now_utc())


@router.post("/accept", response_model=FriendPublic)
def accept_link(body: LinkBase, session: SessionDep, me: CurrentUser) -> FriendPublic:
    return _friend(friends.accept_link(session, me.person_id, body.token, now_utc()))


@router.post("/decline", response_model=FriendPublic)
def decline_link(body: LinkBase, session: SessionDep, me: CurrentUser) -> FriendPublic:
    """Say no to an invite: it stops working. Returns who sent it."""
    return _friend(friends.decline_link(session, me.person_id, body.token, now_utc()))


@router.post(
    "/accept-code",
    response_model=FriendPublic,
    responses={
        400: {"model": ErrorPublic, "description": "The code does not work (the try was counted)."}
    },
)
def accept_code(
    request: Request, body: CodeCreate, session: SessionDep, settings: SettingsDep, me: CurrentUser
) -> FriendPublic | Response:
    result = friends.accept_code(
        session,
        me.person_id,
        body.handle,
        body.code,
        FriendRules.from_settings(settings),
        now_utc(),
    )
    if isinstance(result, WrongCodeError):  # answered, not raised: the counted try is committed
        return error_response(request, result.status_code, result.message, result.hint)
    return _friend(result)
