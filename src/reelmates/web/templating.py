"""Jinja2 templates: the operator's folder first (``REELMATES_TEMPLATES_DIR``), then ours.

Templates link with ``path_for(name, ...)``: a path (never a full URL) that carries the root path,
so the same page works at ``/`` and under ``/reelmates`` behind a proxy. Autoescaping is on: user
data (names, titles) is always text, never markup. Every error a page shows goes through the
``sentence`` filter (``{{ error.message | sentence }}``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from reelmates.settings import Settings
from reelmates.web.security import csrf_token_for, issue_csrf_cookie

PACKAGE_TEMPLATES = Path(__file__).with_name("templates")


PATHS_CACHED = 20_000  # (route name, parameters) → path, per app


@jinja2.pass_context
def _path_for(context: dict[str, Any], name: str, /, **params: Any) -> str:
    """``request.url_for(name, **params).path``, without Starlette's walk over every route (and
    every included router) on each call: a page of ten films makes about 90 links, and the walk
    was two thirds of its rendering. Each (name, parameters) is worked out once per app."""
    request: Request = context["request"]
    root: str = request.scope.get("root_path", "")
    return root + _path_cache(request.app)(name, tuple(sorted(params.items())))


def _path_cache(app: Any) -> Callable[[str, tuple[tuple[str, Any], ...]], str]:
    found: Callable[[str, tuple[tuple[str, Any], ...]], str] | None = getattr(
        app.state, "path_cache", None
    )
    if found is None:

        @functools.lru_cache(maxsize=PATHS_CACHED)
        def path(name: str, params: tuple[tuple[str, Any], ...]) -> str:
            return str(app.url_path_for(name, **dict(params)))

        found = path
        app.state.path_cache = found
    return found


_WORD = re.compile(r"[^\W\d_][\w'-]*[,;]?")


def sentence(text: str) -> str:
    """A domain message as a page shows it: a sentence, first letter upper-case and a full stop
    at the end (the services word their messages lower-case, for the terminal's "error: ...").
    A message that starts with a file name keeps it as it is."""
    text = text.strip()
    if not text:
        return text
    if _WORD.fullmatch(text.split(maxsplit=1)[0]):  # not a file name ("ratings.csv:3: ...")
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
