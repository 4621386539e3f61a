"""``/api``: who am I, sign-up, log-in, log-out, personal API tokens, sign-up invites."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from reelmates.errors import ConflictError
from reelmates.services import accounts
from reelmates.services.accounts import Identity
from reelmates.web.deps import (
    CurrentUser,
    LimiterDep,
    OptionalUser,
    PasswordsDep,
    SessionDep,
    SettingsDep,
    now_utc,
)
from reelmates.web.ids import RowId
from reelmates.web.security import client_address, csrf_token_for, issue_csrf_cookie
from reelmates.web.sessions import log_browser_in, log_browser_out

router = APIRouter(prefix="/api", tags=["account"])


class MePublic(BaseModel):
    person_id: int
    handle: str
    display_name: str
    role: str
    via: Literal["session", "token"]


class LoggedIn(MePublic):
    csrf_token: str = Field(description="Send it as X-CSRF-Token on every unsafe call.")


class CsrfPublic(BaseModel):
    csrf_token: str


class LoginCreate(BaseModel):
    handle: str = Field(max_length=200)
    password: str = Field(max_length=accounts.PASSWORD_MAX)


class SignupCreate(LoginCreate):
    display_name: str | None = Field(default=None, max_length=200)
    invite: str | None = Field(default=None, max_length=200)


class TokenCreate(BaseModel):
    name: str = Field(max_length=200)


class TokenPublic(BaseModel):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreated(BaseModel):
    id: int
    name: str
    token: str = Field(description="Shown once: store it now. Use as 'Authorization: Bearer'.")


class InviteCreated(BaseModel):
    url: str
    expires_at: datetime


class Ended(BaseModel):
    sessions_ended: int


class PasswordChange(BaseModel):
    current: str = Field(max_length=accounts.PASSWORD_MAX)
    new: str = Field(max_length=accounts.PASSWORD_MAX)


def _me(identity: Identity) -> MePublic:
    h = identity.holder
    return MePublic(
        person_id=h.person_id,
        handle=h.handle,
        display_name=h.display_name,
        role=h.role,
        via=identity.via,
    )


def logged_in(request: Request, identity: Identity) -> LoggedIn:
    return LoggedIn(**_me(identity).model_dump(), csrf_token=csrf_token_for(request))


@router.get("/csrf", response_model=CsrfPublic)
def csrf(request: Request, response: Response, me: OptionalUser) -> CsrfPublic:
    """The CSRF token for this browser (logged out: tied to a cookie this call sets)."""
    token = csrf_token_for(request)
    issue_csrf_cookie(request, response)
    return CsrfPublic(csrf_token=token)


@router.get("/me", response_model=MePublic)
def me(identity: CurrentUser) -> MePublic:
    return _me(identity)


@router.post("/signup", response_model=LoggedIn, status_code=201)
def signup(
    request: Request,
    response: Response,
    body: SignupCreate,
    session: SessionDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
    me: OptionalUser,
) -> LoggedIn:
    if me is not None:
        raise ConflictError(
            f"you are logged in as {me.holder.handle}: a new account is for someone without one",
            hint="Log out first to make another account.",
        )
    who = accounts.sign_up(
        session,
        passwords,
        policy=settings.signup_policy,
        handle=body.handle,
        display_name=body.display_name,
        password=body.password,
        invite=body.invite,
        now=now_utc(),
    )
    return logged_in(request, log_browser_in(request, response, session, settings, who))


@router.post("/login", response_model=LoggedIn)
def login(
    request: Request,
    response: Response,
    body: LoginCreate,
    session: SessionDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
    limiter: LimiterDep,
) -> LoggedIn:
    who = accounts.log_in(
        session,
        passwords,
        limiter,
        handle=body.handle,
        password=body.password,
        address=client_address(request, settings),
        now=now_utc(),
    )
    return logged_in(request, log_browser_in(request, response, session, settings, who))


@router.post("/logout", status_code=204)
def logout(
    request: Request, response: Response, session: SessionDep, settings: SettingsDep
) -> None:
    log_browser_out(request, response, session, settings)


@router.post("/logout-everywhere", response_model=Ended)
def logout_everywhere(
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    identity: CurrentUser,
) -> Ended:
    ended = accounts.end_all_sessions(session, identity.person_id, now_utc())
    log_browser_out(request, response, session, settings)
    return Ended(sessions_ended=ended)


@router.get("/tokens", response_model=list[TokenPublic])
def list_tokens(session: SessionDep, identity: CurrentUser) -> list[TokenPublic]:
    return [
        TokenPublic(id=t.id, name=t.name, created_at=t.created_at, last_used_at=t.last_used_at)
        for t in accounts.list_api_tokens(session, identity)
    ]


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(body: TokenCreate, session: SessionDep, identity: CurrentUser) -> TokenCreated:
    token_id, raw = accounts.create_api_token(session, identity, body.name, now_utc())
    return TokenCreated(id=token_id, name=body.name.strip(), token=raw)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: RowId, session: SessionDep, identity: CurrentUser) -> None:
    accounts.revoke_api_token(session, identity, token_id, now_utc())


@router.post("/invites", response_model=InviteCreated, status_code=201)
def create_invite(
    request: Request, session: SessionDep, settings: SettingsDep, identity: CurrentUser
) -> InviteCreated:
    now = now_utc()
    lifetime = timedelta(days=settings.invite_days)
    raw = accounts.create_invite(
        session, identity, policy=settings.signup_policy, now=now, lifetime=lifetime
    )
    url = str(request.url_for("signup_page").include_query_params(invite=raw))
    return InviteCreated(url=url, expires_at=now + lifetime)


@router.post("/me/password", response_model=Ended)
def change_password(
    body: PasswordChange, session: SessionDep, passwords: PasswordsDep, identity: CurrentUser
) -> Ended:
    """A new password; every other log-in session ends (called with an API token: every one)."""
    ended = accounts.change_password(
        session, passwords, identity, current=body.current, new=body.new, now=now_utc()
    )
    return Ended(sessions_ended=ended)
