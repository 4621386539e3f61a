"""``/api``: joining as a guest by a friend's link, and keeping a guest's account."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from reelmates.services import accounts, guests
from reelmates.web.api.account import LoggedIn, logged_in
from reelmates.web.deps import (
    CurrentUser,
    LoggedOut,
    PasswordsDep,
    SessionDep,
    SettingsDep,
    now_utc,
)
from reelmates.web.sessions import log_browser_in, renew_browser_login

router = APIRouter(prefix="/api", tags=["guests"])


class GuestCreate(BaseModel):
    token: str = Field(max_length=200, description="The token at the end of the friend's link.")
    display_name: str = Field(max_length=200)


class KeepAccount(BaseModel):
    handle: str = Field(max_length=200)
    password: str = Field(max_length=accounts.PASSWORD_MAX)


@router.post("/friends/join-as-guest", response_model=LoggedIn, status_code=201)
def join_as_guest(
    request: Request,
    response: Response,
    body: GuestCreate,
    session: SessionDep,
    settings: SettingsDep,
    _logged_out: LoggedOut,
) -> LoggedIn:
    """Join with just a display name: a guest, friends with the link's inviter, logged in by
    the session cookie this sets (no password: it is the only way in until they keep it).
    Only for someone logged out (409 otherwise: accept the link as yourself)."""
    who = guests.join_as_guest(
        session,
        token=body.token,
        display_name=body.display_name,
        policy=settings.signup_policy,
        now=now_utc(),
    )
    return logged_in(request, log_browser_in(request, response, session, settings, who))


@router.post("/me/keep-account", response_model=LoggedIn)
def keep_account(
    request: Request,
    response: Response,
    body: KeepAccount,
    session: SessionDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
    identity: CurrentUser,
) -> LoggedIn:
    """A guest becomes a full member: a handle and a password. The log-in is renewed (a new
    cookie and CSRF token, returned)."""
    who = guests.keep_account(
        session, passwords, identity, handle=body.handle, password=body.password, now=now_utc()
    )
    return logged_in(request, renew_browser_login(request, response, session, settings, who))
