"""Changing one's password: the current one, the new one twice; every other log-in ends."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from reelmates.errors import ReelmatesError
from reelmates.services import accounts
from reelmates.web.deps import CurrentUser, PasswordsDep, SessionDep, now_utc
from reelmates.web.templating import render

router = APIRouter()

PasswordField = Annotated[str, Form(max_length=accounts.PASSWORD_MAX)]


def _page(
    request: Request,
    *,
    error: ReelmatesError | None = None,
    ended: int | None = None,
) -> Response:
    context = {
        "title": "Change your password",
        "error": error,
        "ended": ended,
        "password_min": accounts.PASSWORD_MIN,
    }
    return render(
        request, "password.html", context, status_code=error.status_code if error else 200
    )


@router.get("/settings/password", name="password_page")
def password_page(request: Request, me: CurrentUser) -> Response:
    return _page(request)


@router.post("/settings/password", name="change_password")
def change_password(
    request: Request,
    session: SessionDep,
    passwords: PasswordsDep,
    me: CurrentUser,
    current_password: PasswordField,
    new_password: PasswordField,
    new_password_again: PasswordField,
) -> Response:
    try:
        accounts.check_repeated(new_password, new_password_again)
        ended = accounts.change_password(
            session, passwords, me, current=current_password, new=new_password, now=now_utc()
        )
    except ReelmatesError as exc:  # nothing was written: shown on the form
        return _page(request, error=exc)
    return _page(request, ended=ended)
