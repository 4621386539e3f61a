"""Home, sign-up, log-in and log-out (here and everywhere). The pages' invites are friend
invites (``pages.friends``); the sign-up-only invite is the API's only (``POST /api/invites``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from reelmates.errors import ReelmatesError
from reelmates.services import accounts, nights, onboarding
from reelmates.services.nights import NightRules
from reelmates.web.deps import (
    CurrentUser,
    LimiterDep,
    OptionalUser,
    PasswordsDep,
    SessionDep,
    SettingsDep,
    now_utc,
)
from reelmates.web.night_deps import NowDep
from reelmates.web.pages.films import STAR_VALUES
from reelmates.web.security import client_address
from reelmates.web.sessions import log_browser_in, log_browser_out
from reelmates.web.templating import render

router = APIRouter()

FormText = Annotated[str, Form()]
OptionalFormText = Annotated[str | None, Form()]


def safe_next(request: Request, target: str | None) -> str:
    """Where to go after logging in: a path of this app only (never another site)."""
    home = str(request.url_for("home").path)
    root = request.scope.get("root_path", "")
    if (
        not target
        or not target.startswith(root + "/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return home
    return target


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/", name="home")
def home(
    request: Request, session: SessionDep, settings: SettingsDep, now: NowDep, me: OptionalUser
) -> Response:
    start = me is not None and onboarding.should_offer(session, me)
    lists = (
        nights.my_nights(session, me.person_id, NightRules.from_settings(settings), now)
        if me is not None
        else None
    )
    context = {
        "title": "reelmates",
        "offer_onboarding": start,
        "password_min": accounts.PASSWORD_MIN,
        "nights": lists,
        "star_values": STAR_VALUES,
    }
    return render(request, "home.html", context)


# --- sign-up ---------------------------------------------------------------------------------


def _signup_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    *,
    invite: str | None,
    next: str | None = None,
    error: ReelmatesError | None = None,
    handle: str = "",
    display_name: str = "",
) -> Response:
    allowed, invite_needed = accounts.may_sign_up(session, settings.signup_policy)
    first = accounts.is_first_account(session)
    invite_ok = bool(invite) and accounts.invite_usable(session, invite or "", now_utc())
    context = {
        "title": "Sign up",
        "allowed": allowed and (invite_ok or not invite_needed),
        "invite_needed": invite_needed,
        "invite": invite or "",
        "invite_given": bool(invite),
        "next": next or "",
        "first": first,
        "error": error,
        "handle": handle,
        "display_name": display_name,
        "password_min": accounts.PASSWORD_MIN,
    }
    status = error.status_code if error else 200
    retry_after = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return render(request, "signup.html", context, status_code=status, headers=headers)


@router.get("/signup", name="signup_page")
def signup_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    me: OptionalUser,
    invite: str | None = None,
    next: str | None = None,
) -> Response:
    if me is not None:
        return _see_other(safe_next(request, next))
    return _signup_page(request, session, settings, invite=invite, next=next)


@router.post("/signup", name="signup")
def signup(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
    me: OptionalUser,
    handle: FormText,
    password: FormText,
    display_name: OptionalFormText = None,
    invite: OptionalFormText = None,
    next: OptionalFormText = None,
) -> Response:
    if me is not None:  # an old form sent again: never swap the log-in for a new account
        return _see_other(safe_next(request, next))
    try:
        who = accounts.sign_up(
            session,
            passwords,
            policy=settings.signup_policy,
            handle=handle,
            display_name=display_name,
            password=password,
            invite=invite or None,
            now=now_utc(),
        )
    except ReelmatesError as exc:  # shown on the form; sign_up wrote nothing (a savepoint)
        return _signup_page(
            request,
            session,
            settings,
            invite=invite,
            next=next,
            error=exc,
            handle=handle,
            display_name=display_name or "",
        )
    response = _see_other(safe_next(request, next))
    log_browser_in(request, response, session, settings, who)
    return response


# --- log-in and log-out ----------------------------------------------------------------------


@router.get("/login", name="login_page")
def login_page(request: Request, me: OptionalUser, next: str | None = None) -> Response:
    if me is not None:
        return _see_other(safe_next(request, next))
    return render(request, "login.html", {"title": "Log in", "next": next or "", "error": None})


@router.post("/login", name="login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
    limiter: LimiterDep,
    handle: FormText,
    password: FormText,
    next: OptionalFormText = None,
) -> Response:
    try:
        who = accounts.log_in(
            session,
            passwords,
            limiter,
            handle=handle,
            password=password,
            address=client_address(request, settings),
            now=now_utc(),
        )
    except ReelmatesError as exc:
        context = {"title": "Log in", "next": next or "", "error": exc, "handle": handle}
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return render(request, "login.html", context, status_code=exc.status_code, headers=headers)
    response = _see_other(safe_next(request, next))
    log_browser_in(request, response, session, settings, who)
    return response


@router.post("/logout", name="logout")
def logout(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    response = _see_other(str(request.url_for("home").path))
    log_browser_out(request, response, session, settings)
    return response


@router.post("/logout-everywhere", name="logout_everywhere")
def logout_everywhere(
    request: Request, session: SessionDep, settings: SettingsDep, me: CurrentUser
) -> Response:
    accounts.end_all_sessions(session, me.person_id, now_utc())
    response = _see_other(str(request.url_for("login_page").path))
    log_browser_out(request, response, session, settings)
    return response
