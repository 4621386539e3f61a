"""Guests: joining by a friend's link with just a display name, and keeping the account later
(a handle and a password)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from reelmates.errors import ReelmatesError
from reelmates.services import accounts, friends, guests
from reelmates.services.friends import LinkGoneError
from reelmates.web.deps import (
    CurrentUser,
    OptionalUser,
    PasswordsDep,
    SessionDep,
    SettingsDep,
    now_utc,
)
from reelmates.web.pages.friends import link_gone_page
from reelmates.web.sessions import log_browser_in, renew_browser_login
from reelmates.web.templating import render

router = APIRouter()

FormText = Annotated[str, Form(max_length=200)]
PasswordField = Annotated[str, Form(max_length=accounts.PASSWORD_MAX)]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- joining as a guest ----------------------------------------------------------------------


def _join_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: str,
    *,
    error: ReelmatesError | None = None,
    display_name: str = "",
) -> Response:
    context = {
        "title": "Join as a guest",
        "preview": friends.preview_link(session, None, token, now_utc()),
        "token": token,
        "open": guests.guests_may_join(settings.signup_policy),
        "error": error,
        "display_name": display_name,
    }
    status = error.status_code if error else 200
    return render(request, "guest_join.html", context, status_code=status)


@router.get("/friends/join/{token}/guest", name="guest_join_page")
def guest_join_page(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, me: OptionalUser
) -> Response:
    if me is not None:  # logged in: accept or decline as yourself
        return _see_other(str(request.url_for("friend_join", token=token).path))
    try:
        return _join_page(request, session, settings, token)
    except LinkGoneError:
        return link_gone_page(request, settings)


@router.post("/friends/join/{token}/guest", name="join_as_guest")
def join_as_guest(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    me: OptionalUser,
    display_name: FormText,
) -> Response:
    if me is not None:
        return _see_other(str(request.url_for("friend_join", token=token).path))
    try:
        who = guests.join_as_guest(
            session,
            token=token,
            display_name=display_name,
            policy=settings.signup_policy,
            now=now_utc(),
        )
    except LinkGoneError:
        return link_gone_page(request, settings)
    except ReelmatesError as exc:  # join_as_guest wrote nothing (a savepoint)
        return _join_page(request, session, settings, token, error=exc, display_name=display_name)
    response = _see_other(str(request.url_for("home").path))
    log_browser_in(request, response, session, settings, who)
    return response


# --- keeping the account ---------------------------------------------------------------------


def _keep_page(
    request: Request, *, error: ReelmatesError | None = None, handle: str = ""
) -> Response:
    context = {
        "title": "Keep your account",
        "error": error,
        "keep_handle": handle,
        "password_min": accounts.PASSWORD_MIN,
    }
    status = error.status_code if error else 200
    return render(request, "keep_account.html", context, status_code=status)


@router.get("/settings/keep", name="keep_account_page")
def keep_account_page(request: Request, me: CurrentUser) -> Response:
    return _keep_page(request)


@router.post("/settings/keep", name="keep_account")
def keep_account(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
    me: CurrentUser,
    handle: FormText,
    password: PasswordField,
    password_again: PasswordField,
) -> Response:
    try:
        accounts.check_repeated(password, password_again)
        who = guests.keep_account(
            session, passwords, me, handle=handle, password=password, now=now_utc()
        )
    except ReelmatesError as exc:  # nothing was written: shown on the form
        return _keep_page(request, error=exc, handle=handle)
    response = _see_other(str(request.url_for("settings_page").path))
    renew_browser_login(request, response, session, settings, who)
    return response
