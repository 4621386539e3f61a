"""A cap on every request body, read as it streams in.

A multipart form (the Letterboxd upload) may be as large as ``upload_max_bytes``; every other body
(an ordinary form, a JSON call) at most ``body_max_bytes``. A body declared larger by its
Content-Length is refused before any of it is read (when the route first reads it); one that
grows past the cap while streaming is refused when it does (the route never sees the rest).
Both answer 413 with a sentence.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reelmates.settings import Settings


def _limit_for(scope: Scope, settings: Settings) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-type" and value.startswith(b"multipart/form-data"):
            return settings.upload_max_bytes
    return settings.body_max_bytes


def _too_large(limit: int) -> HTTPException:
    size = f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return HTTPException(
        413, detail=f"This request is larger than {size}, the most this server accepts here."
    )


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = _limit_for(scope, self.settings)
        declared = dict(scope.get("headers", ())).get(b"content-length", b"")
        # Raised when the route reads the body, inside the app, so that the error handlers
        # turn it into the 413 page or JSON body.
        seen = int(declared) if declared.isdigit() and int(declared) > limit else 0

        async def counted() -> Message:
            nonlocal seen
            if seen > limit:
                raise _too_large(limit)  # declared too large: nothing is read
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _too_large(limit)
            return message

        await self.app(scope, counted, send)
