"""Jinja2 templates: the operator's folder first (``REELMATES_TEMPLATES_DIR``), then ours.

Templates link with ``path_for(name, ...)``: a path (never a full URL) that carries the root path,
so the same page works at ``/`` and under ``/reelmates`` behind a proxy. Autoescaping is on: user
data (names, titles) is always text, never markup. Every error a page shows goes through the
``sentence`` filter (``{{ error.message | sentence }}``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute
from starlette.templating import Jinja2Templates

from reelmates.settings import Settings
from reelmates.web.security import csrf_token_for, issue_csrf_cookie

PACKAGE_TEMPLATES = Path(__file__).with_name("templates")


@jinja2.pass_context
def _path_for(context: dict[str, Any], name: str, /, **params: Any) -> str:
    """``request.url_for(name, **params).path``, without Starlette's walk over every route on
    each call (a page with 200 links made that walk a third of its time): the route of each name
    is looked up once per app, then only it builds the path."""
    request: Request = context["request"]
    routes = _named_routes(request.app)
    route = routes.get(name)
    if route is None:
        return str(request.url_for(name, **params).path)
    root: str = request.scope.get("root_path", "")
    return root + str(route.url_path_for(name, **params))


def _named_routes(app: Any) -> dict[str, BaseRoute]:
    found: dict[str, BaseRoute] | None = getattr(app.state, "named_routes", None)
    if found is None:
        found = {}
        for route in app.router.routes:
            name = getattr(route, "name", None)
            if name and name not in found:
                found[name] = route
        app.state.named_routes = found
    return found


def sentence(text: str) -> str:
    """A domain message as a page shows it: a sentence, first letter upper-case and a full stop
    at the end (the services word their messages lower-case, for the terminal's "error: ...")."""
    text = text.strip()
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


@jinja2.pass_context
def _csrf_token(context: dict[str, Any]) -> str:
    return csrf_token_for(context["request"])


def build_templates(settings: Settings) -> Jinja2Templates:
    folders = [PACKAGE_TEMPLATES]
    if settings.templates_dir is not None:
        folders.insert(0, settings.templates_dir)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["path_for"] = _path_for
    env.globals["csrf_token"] = _csrf_token
    env.filters["sentence"] = sentence
    return Jinja2Templates(env=env)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page, with the caller (``me``) in its context and, for a logged-out browser that has
    none yet, the cookie its forms' CSRF token is tied to."""
    templates: Jinja2Templates = request.app.state.templates
    full = {"me": getattr(request.state, "identity", None), **(context or {})}
    response = templates.TemplateResponse(
        request, template, full, status_code=status_code, headers=headers
    )
    issue_csrf_cookie(request, response)
    return response
