"""Friends pages: your friends and pending invites, making an invite (a link and a code, shown
once), opening a friend's link (accept or decline; logged out: log in or sign up, then back),
and typing a friend's code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.datastructures import URL
from starlette.responses import RedirectResponse, Response

from reelmates.errors import ReelmatesError, WrongCodeError
from reelmates.services import accounts, friends, guests
from reelmates.services.friends import FriendRules, LinkGoneError
from reelmates.web.deps import CurrentUser, OptionalUser, SessionDep, SettingsDep, now_utc
from reelmates.web.flash import forget_flash, read_flash, set_flash
from reelmates.web.ids import RowId
from reelmates.web.templating import render

router = APIRouter(prefix="/friends")

FormText = Annotated[str, Form(max_length=200)]
INVITE_MADE = "friend_invite_made"  # the page that shows a new invite once


def _path_and_query(url: URL) -> str:
    """A link of ours as a path (root path included) with its query, without the host."""
    return f"{url.path}?{url.query}" if url.query else url.path


def _to_friends(request: Request) -> RedirectResponse:
    return RedirectResponse(str(request.url_for("friends_page").path), status_code=303)


@router.get("", name="friends_page")
def friends_page(request: Request, session: SessionDep, me: CurrentUser) -> Response:
    context = {
        "title": "Friends",
        "friends": friends.list_friends(session, me.person_id),
        "invites": friends.pending_invites(session, me.person_id, now_utc()),
    }
    return render(request, "friends.html", context)


@router.post("/invites", name="create_friend_invite")
def create_friend_invite(
    request: Request, session: SessionDep, settings: SettingsDep, me: CurrentUser
) -> Response:
    """Make an invite, then see it on :func:`friend_invite_made` (post, redirect, get: a reload
    shows the page again, it does not make another invite)."""
    made = friends.create_invite(
        session,
        me,
        FriendRules.from_settings(settings),
        policy=settings.signup_policy,
        now=now_utc(),
    )
    response = RedirectResponse(str(request.url_for(INVITE_MADE).path), status_code=303)
    shown = {"token": made.token, "code": made.code, "signup": made.signup_allowed}
    set_flash(request, response, INVITE_MADE, shown)
    return response


@router.get("/invites/new", name=INVITE_MADE)
def friend_invite_made(request: Request, settings: SettingsDep, me: CurrentUser) -> Response:
    """The new invite's link and code, once (they are stored only as hashes)."""
    made = read_flash(request)
    context = {
        "title": "Invite a friend",
        "made": made is not None,
        "link": str(request.url_for("friend_join", token=made["token"])) if made else "",
        "code": made["code"] if made else "",
        "handle": me.holder.handle,
        "days": settings.friend_invite_days,
        "minutes": settings.friend_code_minutes,
        "signup_allowed": bool(made and made["signup"]),
    }
    response = render(request, "friends_invite.html", context)
    forget_flash(request, response, INVITE_MADE)
    return response


@router.post("/invites/{invite_id}/cancel", name="cancel_friend_invite")
def cancel_friend_invite(
    request: Request, invite_id: RowId, session: SessionDep, me: CurrentUser
) -> Response:
    friends.cancel_invite(session, me.person_id, invite_id, now_utc())
    return _to_friends(request)


@router.post("/remove", name="remove_friend")
def remove_friend(
    request: Request, session: SessionDep, me: CurrentUser, handle: FormText
) -> Response:
    friends.remove_friend(session, me.person_id, handle)
    return _to_friends(request)


# --- a friend's link -------------------------------------------------------------------------


def link_gone_page(request: Request, settings: SettingsDep) -> Response:
    """What a used, declined, cancelled or expired link opens: that, plainly, and what to do."""
    context = {
        "title": "This invite link has been used or has expired",
        "days": settings.friend_invite_days,
    }
    return render(request, "friends_link_gone.html", context, status_code=404)


@router.get("/join/{token}", name="friend_join")
def friend_join(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, me: OptionalUser
) -> Response:
    try:
        preview = friends.preview_link(session, me.person_id if me else None, token, now_utc())
    except LinkGoneError:
        return link_gone_page(request, settings)
    here = str(request.url_for("friend_join", token=token).path)
    allowed, invite_needed = accounts.may_sign_up(session, settings.signup_policy)
    signup = request.url_for("signup_page").include_query_params(next=here)
    if invite_needed:
        signup = signup.include_query_params(invite=token)
    context = {
        "title": "A friend invite",
        "preview": preview,
        "token": token,
        "login_url": _path_and_query(request.url_for("login_page").include_query_params(next=here)),
        "signup_url": _path_and_query(signup),
        "signup_open": allowed
        and (not invite_needed or accounts.invite_usable(session, token, now_utc())),
        "guests_open": guests.guests_may_join(settings.signup_policy),
    }
    return render(request, "friends_join.html", context)


@router.post("/join/{token}/accept", name="accept_friend_link")
def accept_friend_link(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, me: CurrentUser
) -> Response:
    try:
        friends.accept_link(session, me.person_id, token, now_utc())
    except LinkGoneError:
        return link_gone_page(request, settings)
    return _to_friends(request)


@router.post("/join/{token}/decline", name="decline_friend_link")
def decline_friend_link(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, me: CurrentUser
) -> Response:
    try:
        inviter = friends.decline_link(session, me.person_id, token, now_utc())
    except LinkGoneError:
        return link_gone_page(request, settings)
    return render(
        request, "friends_declined.html", {"title": "Invite declined", "inviter": inviter}
    )


# --- a friend's code -------------------------------------------------------------------------


def _code_page(request: Request, error: ReelmatesError | None = None, handle: str = "") -> Response:
    context = {"title": "Type a friend's code", "error": error, "handle": handle}
    return render(
        request, "friends_code.html", context, status_code=error.status_code if error else 200
    )


@router.get("/code", name="friend_code_page")
def friend_code_page(request: Request, me: CurrentUser) -> Response:
    return _code_page(request)


@router.post("/code", name="friend_code")
def friend_code(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    me: CurrentUser,
    handle: FormText,
    code: FormText,
) -> Response:
    try:
        result = friends.accept_code(
            session, me.person_id, handle, code, FriendRules.from_settings(settings), now_utc()
        )
    except ReelmatesError as exc:  # nothing was written: shown on the form
        return _code_page(request, exc, handle)
    if isinstance(result, WrongCodeError):  # the wrong try is committed with this response
        return _code_page(request, result, handle)
    return _to_friends(request)
