"""Typed dependencies every route uses, and the one place that decides who the caller is and
what they may do.

- ``SessionDep``: the request's unit of work. Safe methods (GET, HEAD) read only, so on SQLite
  they never queue behind an import; the others write, and commit before the response is sent
  (a commit that fails becomes the error response, never a success that was not saved).
- ``OptionalUser`` / ``CurrentUser`` / ``OperatorUser``: the caller by their session cookie or
  ``Authorization: Bearer <personal API token>``; ``LoggedOut``: only for someone logged out.
- ``csrf_guard`` (on every route, set by the app): an unsafe request from a browser must carry
  the CSRF token of its session (header ``X-CSRF-Token`` or form field ``csrf_token``). A call
  authenticated by a bearer token needs none: a browser never adds that header by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from reelmates.errors import AuthenticationError, BusyError, ConflictError, PermissionDeniedError
from reelmates.services import accounts
from reelmates.services.accounts import Identity, LoginLimiter, Passwords
from reelmates.services.posters import PosterFetcher
from reelmates.services.taste import ModelHolder
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    csrf_matches,
)
from reelmates.web.uploads import RequestForm


class LoginRequiredError(AuthenticationError):
    """A page or call that needs a logged-in caller got none (pages redirect to log in)."""

    def __init__(self) -> None:
        super().__init__("you need to log in first", hint="Log in, then try again.")


class CsrfError(PermissionDeniedError):
    def __init__(self, why: str) -> None:
        super().__init__(
            f"refused: {why}",
            hint="Reload the page and send the form again (this protects you from other sites "
            "acting in your name).",
        )


def now_utc() -> datetime:
    return datetime.now(UTC)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_holder(request: Request) -> ModelHolder:
    holder: ModelHolder = request.app.state.holder
    return holder


def get_passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


def get_limiter(request: Request) -> LoginLimiter:
    limiter: LoginLimiter = request.app.state.login_limiter
    return limiter


def get_posters(request: Request) -> PosterFetcher:
    posters: PosterFetcher = request.app.state.posters
    return posters


CALLS_OUT = "_reelmates_calls_out"
Endpoint = TypeVar("Endpoint", bound=Callable[..., object])


def calls_out(endpoint: Endpoint) -> Endpoint:
    """Mark a route that waits on another server (a media server, Radarr): its request's unit
    of work only reads, whatever the method, so on SQLite the write lock is not held while it
    waits (every other write would queue behind it); the route's service writes in short units
    of work of its own (``EngineDep``). Put it below the router's decorator."""
    setattr(endpoint, CALLS_OUT, True)
    return endpoint


def request_writes(request: Request) -> bool:
    """Whether the request's own unit of work writes: an unsafe method, unless its route
    :func:`calls_out`."""
    if request.method in SAFE_METHODS:
        return False
    return not getattr(request.scope.get("endpoint"), CALLS_OUT, False)


def get_session(request: Request) -> Iterator[Session]:
    with unit_of_work(request.app.state.engine, read_only=not request_writes(request)) as s:
        yield s


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
LimiterDep = Annotated[LoginLimiter, Depends(get_limiter)]
PostersDep = Annotated[PosterFetcher, Depends(get_posters)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def optional_identity(
    request: Request, session: SessionDep, settings: SettingsDep
) -> Identity | None:
    """The caller, or None. A bearer token that does not work is an error (a script should hear
    about it); a stale session cookie just means logged out."""
    now = now_utc()
    identity: Identity | None = None
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise AuthenticationError(
                "the Authorization header is not 'Bearer <token>'",
                hint="Send a personal API token (POST /api/tokens makes one).",
            )
        identity = accounts.token_identity(session, credential.strip())
        if identity is None:
            raise AuthenticationError(
                "this API token does not work (revoked, or mistyped)",
                hint="Make a new one: POST /api/tokens while logged in.",
            )
    elif raw := request.cookies.get(SESSION_COOKIE):
        identity = accounts.session_identity(
            session, raw, now, timedelta(days=settings.session_idle_days)
        )
    if identity is not None:
        _record_use(request, session, identity, now)
    request.state.identity = identity
    return identity


def _record_use(request: Request, session: Session, identity: Identity, now: datetime) -> None:
    if identity.last_seen is not None and now - identity.last_seen < accounts.TOUCH_EVERY:
        return
    if request_writes(request):
        accounts.touch(session, identity, now)  # this request writes anyway
        return
    # A read-only request must not take the write lock: a separate short write, best effort,
    # that does not wait for the lock (behind an import every page would wait the busy timeout).
    try:
        with unit_of_work(request.app.state.engine, no_wait=True) as write:
            accounts.touch(write, identity, now)
    except BusyError:
        pass  # an import holds the lock: "last seen" can wait for the next request


OptionalUser = Annotated[Identity | None, Depends(optional_identity)]


def current_identity(identity: OptionalUser) -> Identity:
    if identity is None:
        raise LoginRequiredError()
    return identity


CurrentUser = Annotated[Identity, Depends(current_identity)]


def logged_out_caller(identity: OptionalUser) -> None:
    """Only for someone logged out (joining as a guest): a logged-in caller is refused, never
    swapped for a new guest account behind their back."""
    if identity is not None:
        raise ConflictError(
            "you are logged in: a guest account is for someone without one",
            hint="Join with your own account instead.",
        )


LoggedOut = Annotated[None, Depends(logged_out_caller)]


def operator_identity(identity: CurrentUser) -> Identity:
    if not identity.is_operator:
        raise PermissionDeniedError("only the server's operator may do this")
    return identity


OperatorUser = Annotated[Identity, Depends(operator_identity)]


async def csrf_guard(request: Request, identity: OptionalUser, form: RequestForm) -> None:
    if request.method in SAFE_METHODS:
        return
    if identity is not None and identity.via == "token":
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and form is not None:
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent:
        raise CsrfError("the request carries no CSRF token")
    nonce = request.cookies.get(CSRF_COOKIE)
    if identity is None and not nonce:
        raise CsrfError("the CSRF cookie is missing (are cookies blocked?)")
    if not csrf_matches(request.app.state.csrf_key, identity, nonce, sent):
        raise CsrfError("the CSRF token does not match this browser's session")
