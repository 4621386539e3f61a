"""``/api/admin``: the operator's pages as JSON (the same service calls; ``OperatorUser``)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from reelmates.services import operator
from reelmates.store.accounts import AccountSummary
from reelmates.web.deps import OperatorUser, PasswordsDep, SessionDep, now_utc

router = APIRouter(prefix="/api/admin", tags=["admin"])


class AccountPublic(BaseModel):
    person_id: int
    handle: str
    display_name: str
    role: str
    guest: bool
    operator: bool
    disabled: bool
    created_at: datetime


class PasswordResetPublic(BaseModel):
    account: AccountPublic
    password: str = Field(description="Shown once: give it to the member now.")
    sessions_ended: int


def _account(a: AccountSummary) -> AccountPublic:
    return AccountPublic(
        person_id=a.person_id,
        handle=a.handle,
        display_name=a.display_name,
        role=a.role,
        guest=a.is_guest,
        operator=a.is_operator,
        disabled=a.disabled,
        created_at=a.created_at,
    )


@router.get("/accounts", response_model=list[AccountPublic])
def list_accounts(session: SessionDep, me: OperatorUser) -> list[AccountPublic]:
    return [_account(a) for a in operator.list_accounts(session)]


@router.post("/accounts/{handle}/disable", response_model=AccountPublic)
def disable(handle: str, session: SessionDep, me: OperatorUser) -> AccountPublic:
    """Its log-in sessions end and its API tokens are revoked at once; log-in is refused."""
    return _account(operator.set_disabled(session, me, handle, True, now_utc()))


@router.post("/accounts/{handle}/enable", response_model=AccountPublic)
def enable(handle: str, session: SessionDep, me: OperatorUser) -> AccountPublic:
    return _account(operator.set_disabled(session, me, handle, False, now_utc()))


@router.post("/accounts/{handle}/reset-password", response_model=PasswordResetPublic)
def reset_password(
    handle: str, response: Response, session: SessionDep, passwords: PasswordsDep, me: OperatorUser
) -> PasswordResetPublic:
    """A new random password, in this answer only; every session of the member ends."""
    reset = operator.reset_password(session, passwords, me, handle, now_utc())
    response.headers["Cache-Control"] = "no-store"
    return PasswordResetPublic(
        account=_account(reset.account),
        password=reset.password,
        sessions_ended=reset.sessions_ended,
    )
