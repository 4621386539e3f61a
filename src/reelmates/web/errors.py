"""One error handler: a domain error (its class says the status), an HTTP error (404, 405...), a
malformed request or a bug becomes an HTML page for page routes and a JSON body
``{"error": ..., "detail": ...}`` under ``/api``. A busy database answers 503 with Retry-After.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from reelmates.errors import ReelmatesError
from reelmates.web.deps import LoginRequiredError
from reelmates.web.security import apply_security_headers
from reelmates.web.templating import render

log = logging.getLogger("reelmates.web")

TITLES = {
    400: "That did not work",
    401: "Please log in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed here",
    409: "Already taken",
    413: "Too large",
    422: "Something in the request is not right",
    429: "Too many tries",
    500: "Something went wrong on our side",
    502: "A source is unavailable",
    503: "Busy, try again in a moment",
}


class ErrorPublic(BaseModel):
    """What every error under ``/api`` answers, whatever its status."""

    error: str = Field(description="The reason, in plain words.")
    detail: str | None = Field(description="What to do about it (or what was wrong), if known.")


# Documents every ``/api`` route's errors (any status: 4xx, or 5xx for a fault) as ErrorPublic;
# it takes the place of FastAPI's default 422 schema, which is not what the handlers send.
API_ERRORS: dict[int | str, dict[str, Any]] = {
    "default": {"model": ErrorPublic, "description": "An error: its reason and what to do."}
}


def route_path(request: Request) -> str:
    """The path without the root path (however the proxy passed it on)."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :] or "/"
    return path


def is_api(request: Request) -> bool:
    path = route_path(request)
    return path == "/api" or path.startswith("/api/")


def error_response(
    request: Request,
    status: int,
    message: str,
    detail: str | None,
    headers: dict[str, str] | None = None,
) -> Response:
    if is_api(request):
        response: Response = JSONResponse(
            {"error": message, "detail": detail}, status_code=status, headers=headers
        )
    else:
        title = TITLES.get(status, "That did not work")
        context = {"title": title, "message": message, "detail": detail, "status": status}
        try:
            response = render(request, "error.html", context, status_code=status, headers=headers)
        except Exception:  # a broken operator template must not hide the original error
            log.exception("the error page could not be rendered")
            response = Response(
                f"{title}: {message}", status_code=status, headers=headers, media_type="text/plain"
            )
    return apply_security_headers(response)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ReelmatesError)
    if (
        isinstance(exc, LoginRequiredError)
        and not is_api(request)
        and request.method in ("GET", "HEAD")
    ):
        target = str(request.url_for("login_page").path)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return apply_security_headers(
            RedirectResponse(f"{target}?next={quote(here, safe='/')}", status_code=303)
        )
    headers: dict[str, str] = {}
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int):
        headers["Retry-After"] = str(retry_after)
    if exc.status_code == 401 and is_api(request):
        headers["WWW-Authenticate"] = "Bearer"
    if exc.status_code >= 500:  # busy (503, retried by the client) is expected, not a fault
        level = logging.WARNING if exc.status_code == 503 else logging.ERROR
        log.log(level, "%s: %s", type(exc).__name__, exc.message)
    return error_response(request, exc.status_code, exc.message, exc.hint, headers)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    messages = {
        404: "there is nothing at this address",
        405: f"this address does not take a {request.method} request",
    }
    message = messages.get(exc.status_code) or str(exc.detail)
    hint = "Check the address, or start from the home page." if exc.status_code == 404 else None
    return error_response(request, exc.status_code, message, hint, dict(exc.headers or {}))


_PLAIN = {
    "int_parsing": "should be a whole number",
    "int_type": "should be a whole number",
    "float_parsing": "should be a number",
    "float_type": "should be a number",
    "bool_parsing": "should be yes or no",
    "missing": "is missing",
    "string_too_long": "is too long",
    "string_too_short": "is too short",
    "greater_than_equal": "is too small",
    "less_than_equal": "is too large",
    "greater_than": "is too small",
    "less_than": "is too large",
    "literal_error": "is not one of the choices",
    "enum": "is not one of the choices",
    "json_invalid": "is not valid JSON",
}


def _problem(error: Mapping[str, Any]) -> str:
    """One problem in plain words: "year: should be a whole number"."""
    parts = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form")]
    where = ".".join(parts).replace("_", " ")
    what = _PLAIN.get(str(error.get("type", "")), str(error.get("msg", "is not valid")))
    return f"{where} {what}" if where else what[:1].upper() + what[1:]


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if not is_api(request) and any(e.get("loc", ("",))[0] == "path" for e in errors):
        # /films/abc: for a person, an address with a wrong part is a page that is not there.
        return error_response(
            request,
            404,
            "There is nothing at this address.",
            "Check the address, or start from the home page.",
        )
    problems = "; ".join(_problem(e) for e in errors)
    return error_response(
        request,
        422,
        "Something in the request is missing or has a wrong value.",
        problems[:1].upper() + problems[1:] + ".",
    )


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        request,
        500,
        "something went wrong on our side",
        "Try again; if it keeps happening, the server's log says why.",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ReelmatesError, domain_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected_error)
