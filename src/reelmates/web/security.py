"""What every response and every request shares: security headers, cookies, the caller's address
and scheme (forwarded headers only behind a trusted proxy), and CSRF tokens.

CSRF: a logged-in browser's token is an HMAC of its log-in session (so it dies with the session);
a logged-out browser's (sign-up and log-in forms) is an HMAC of a random nonce in a cookie of its
own (a signed double-submit cookie). The key is this database's, so every server process agrees.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Final

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reelmates.services.accounts import Identity
from reelmates.settings import Settings

SESSION_COOKIE: Final = "reelmates_session"
CSRF_COOKIE: Final = "reelmates_csrf"
CSRF_HEADER: Final = "x-csrf-token"
CSRF_FIELD: Final = "csrf_token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)
SECURITY_HEADERS: Final[tuple[tuple[str, str], ...]] = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
)


def add_security_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response's headers with ours set (replacing any of the same name)."""
    ours = {name.encode("latin-1") for name, _ in SECURITY_HEADERS}
    kept = [(k, v) for k, v in headers if k.lower() not in ours]
    return kept + [(k.encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS]


class SecurityHeadersMiddleware:
    """Pure ASGI: every HTTP response leaving the app carries the headers above; responses that
    are not static assets are not cached (pages hold personal data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = "/static/" in scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = add_security_headers(message.get("headers", []))
                if not static and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RootPathMiddleware:
    """Serve under a sub-path: requests arrive with the prefix (no proxy, or one that passes the
    path on) or without it (a proxy that strips it); both route, and every URL the app builds
    (links, forms, redirects, assets) carries the prefix."""

    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app = app
        self.root_path = root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.root_path:
            scope["root_path"] = self.root_path  # in place: the 500 handler sees it too
        await self.app(scope, receive, send)


class ForwardedSchemeMiddleware:
    """Behind a trusted proxy (only then: any client can send the header), the scheme the browser
    used, as the proxy's ``X-Forwarded-Proto`` (last hop) says, is the request's: every absolute
    URL the app builds (join links and their QR codes, invites, calendar feeds) says https when
    the browser came over HTTPS, though the proxy talks plain HTTP to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw = next((v for k, v in scope.get("headers", ()) if k == b"x-forwarded-proto"), b"")
            proto = raw.decode("latin-1").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                scope["scheme"] = proto  # in place, as for the root path
        await self.app(scope, receive, send)


def apply_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS:
        response.headers[name] = value
    response.headers.setdefault("cache-control", "no-store")
    return response


# --- the caller's connection -------------------------------------------------------------------


def _last_forwarded(conn: HTTPConnection, header: str) -> str | None:
    """The value our own proxy added: the last of a comma-separated forwarded header."""
    raw = conn.headers.get(header)
    if not raw:
        return None
    last = raw.split(",")[-1].strip()
    return last or None


def is_https(conn: HTTPConnection, settings: Settings) -> bool:
    if settings.trusted_proxy:
        proto = _last_forwarded(conn, "x-forwarded-proto")
        if proto is not None:
            return proto.lower() == "https"
    return conn.url.scheme == "https"


def client_address(conn: HTTPConnection, settings: Settings) -> str:
    if settings.trusted_proxy:
        forwarded = _last_forwarded(conn, "x-forwarded-for")
        if forwarded is not None:
            return forwarded
    return conn.client.host if conn.client else "unknown"


def cookie_path(settings: Settings) -> str:
    return settings.root_path or "/"


def set_cookie(
    response: Response,
    request: Request,
    settings: Settings,
    name: str,
    value: str,
    max_age: int | None,
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=cookie_path(settings),
        secure=is_https(request, settings),
        httponly=True,
        samesite="lax",
    )


def delete_cookie(response: Response, request: Request, settings: Settings, name: str) -> None:
    response.delete_cookie(
        name,
        path=cookie_path(settings),
        secure=is_https(request, settings),
        httponly=True,
        samesite="lax",
    )


# --- CSRF ------------------------------------------------------------------------------------


def _sign(key: bytes, purpose: str, value: str) -> str:
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def expected_csrf(key: bytes, identity: Identity | None, nonce: str | None) -> str | None:
    """The token this caller's forms must carry (None: a logged-out caller with no nonce)."""
    if identity is not None and identity.session_token_hash is not None:
        return _sign(key, "session", identity.session_token_hash)
    if nonce:
        return _sign(key, "anonymous", nonce)
    return None


def csrf_token_for(request: Request) -> str:
    """The CSRF token to put in this request's forms; makes a nonce (and, via
    :func:`issue_csrf_cookie`, its cookie) for a logged-out browser that has none."""
    key: bytes = request.app.state.csrf_key
    identity: Identity | None = getattr(request.state, "identity", None)
    nonce = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_nonce", None)
    token = expected_csrf(key, identity, nonce)
    if token is None:
        nonce = secrets.token_urlsafe(32)
        request.state.new_csrf_nonce = nonce
        token = expected_csrf(key, None, nonce)
    assert token is not None
    return token


def issue_csrf_cookie(request: Request, response: Response) -> None:
    """Set the nonce cookie when :func:`csrf_token_for` made one for this response."""
    nonce = getattr(request.state, "new_csrf_nonce", None)
    if nonce:
        set_cookie(response, request, request.app.state.settings, CSRF_COOKIE, nonce, None)


def csrf_matches(key: bytes, identity: Identity | None, nonce: str | None, sent: str) -> bool:
    expected = expected_csrf(key, identity, nonce)
    return expected is not None and hmac.compare_digest(expected, sent)
