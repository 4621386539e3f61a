"""A flash: something a form's result page shows once, after the form's 303 (post, redirect,
get), such as a new invite's link and code, which are never stored in the clear.

It travels in a short-lived cookie scoped to the result page's path only (HttpOnly, SameSite
strict, Secure over HTTPS), signed with this database's key and bound to the browser's log-in
session, and is deleted by the page that shows it: reloading that page shows it no more.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import Response

from reelmates.services.accounts import Identity
from reelmates.web.security import is_https

FLASH_COOKIE: Final = "reelmates_flash"
FLASH_SECONDS: Final = 300  # the redirect follows at once; a few minutes cover a slow phone


def _signature(request: Request, payload: str) -> str:
    identity: Identity | None = getattr(request.state, "identity", None)
    bound = identity.session_token_hash if identity and identity.session_token_hash else ""
    key: bytes = request.app.state.csrf_key
    return hmac.new(key, f"flash:{bound}:{payload}".encode(), hashlib.sha256).hexdigest()


def _cookie_options(request: Request, page: str) -> dict[str, Any]:
    return {
        "path": str(request.url_for(page).path),
        "secure": is_https(request, request.app.state.settings),
        "httponly": True,
        "samesite": "strict",
    }


def set_flash(request: Request, response: Response, page: str, data: dict[str, Any]) -> None:
    """Carry ``data`` (JSON) to the page named ``page``, for this browser's session only."""
    payload = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    value = f"{payload}.{_signature(request, payload)}"
    response.set_cookie(
        FLASH_COOKIE, value, max_age=FLASH_SECONDS, **_cookie_options(request, page)
    )


def read_flash(request: Request) -> dict[str, Any] | None:
    """The data a form set for this page (None: none, already shown, or not this session's)."""
    raw = request.cookies.get(FLASH_COOKIE)
    if raw is None:
        return None
    payload, _, signature = raw.partition(".")
    if not hmac.compare_digest(signature, _signature(request, payload)):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def forget_flash(request: Request, response: Response, page: str) -> None:
    """Delete the cookie (the page has shown it, or had nothing to show)."""
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, **_cookie_options(request, page))
