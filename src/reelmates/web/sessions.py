"""Starting and ending a browser's log-in: the session row and its cookie, together."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from reelmates.services import accounts
from reelmates.services.accounts import Identity
from reelmates.settings import Settings
from reelmates.store.accounts import AccountHolder
from reelmates.web.deps import now_utc
from reelmates.web.security import SESSION_COOKIE, delete_cookie, set_cookie


def log_browser_in(
    request: Request, response: Response, session: Session, settings: Settings, who: AccountHolder
) -> Identity:
    """A new session for ``who`` (a fresh token: nothing the browser sent before is reused) and
    its cookie on ``response``; returns the identity pages rendered from now on see."""
    now = now_utc()
    lifetime = timedelta(days=settings.guest_days if who.role == "guest" else settings.session_days)
    raw = accounts.start_session(session, who.person_id, now, lifetime)
    set_cookie(response, request, settings, SESSION_COOKIE, raw, int(lifetime.total_seconds()))
    identity = accounts.session_identity(
        session, raw, now, timedelta(days=settings.session_idle_days)
    )
    assert identity is not None
    request.state.identity = identity
    return identity


def log_browser_out(
    request: Request, response: Response, session: Session, settings: Settings
) -> None:
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        accounts.end_session(session, raw, now_utc())
    delete_cookie(response, request, settings, SESSION_COOKIE)
    request.state.identity = None


def renew_browser_login(
    request: Request, response: Response, session: Session, settings: Settings, who: AccountHolder
) -> Identity:
    """End the browser's current log-in and start a new one for ``who`` (after the account's
    standing changed: a guest who kept their account gets a fresh token and a member's
    lifetime)."""
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        accounts.end_session(session, raw, now_utc())
    return log_browser_in(request, response, session, settings, who)
