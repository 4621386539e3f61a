"""Security headers on every response (error pages included), no inline script or style, CSRF."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import Browser

from reelmates.errors import BusyError, NotFoundError

EXPECTED = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}


def _boom() -> None:
    raise RuntimeError("a bug")


def _busy() -> None:
    raise BusyError(retry_after=7)


def _missing() -> None:
    raise NotFoundError("no film with id 9", hint="Search the catalog.")


@pytest.fixture
def app_with_errors(app: FastAPI) -> FastAPI:
    for prefix in ("", "/api"):
        app.add_api_route(f"{prefix}/test-boom", _boom)
        app.add_api_route(f"{prefix}/test-busy", _busy)
        app.add_api_route(f"{prefix}/test-missing", _missing)
    return app


def _assert_secure(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, name


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/signup", 200),
        ("GET", "/login", 200),
        ("GET", "/no-such-page", 404),
        ("GET", "/api/no-such-thing", 404),
        ("GET", "/api/openapi.json", 200),
        ("GET", "/api/me", 401),
        ("GET", "/static/app.css", 200),
        ("GET", "/static/app.js", 200),
        ("GET", "/static/missing.css", 404),
        ("POST", "/login", 403),  # no CSRF token
        ("PUT", "/login", 405),
        ("GET", "/test-boom", 500),
        ("GET", "/api/test-boom", 500),
        ("GET", "/test-busy", 503),
        ("GET", "/test-missing", 404),
        ("GET", "/api/tokens/x", 405),
    ],
)
def test_every_response_carries_the_security_headers(
    app_with_errors: FastAPI, method: str, path: str, status: int
) -> None:
    with TestClient(app_with_errors, raise_server_exceptions=False) as client:
        response = client.request(method, path)
    assert response.status_code == status
    _assert_secure(response)


def test_pages_are_not_cached_but_assets_may_be(browser: Browser) -> None:
    assert browser.get("/").headers["cache-control"] == "no-store"
    assert "cache-control" not in browser.get("/static/app.css").headers


def test_docs_pages_that_load_cdn_scripts_are_not_served(browser: Browser) -> None:
    assert browser.get("/docs").status_code == 404
    assert browser.get("/redoc").status_code == 404
    assert browser.get("/api/openapi.json").json()["info"]["title"] == "reelmates"


def test_errors_are_a_page_for_pages_and_json_for_the_api(app_with_errors: FastAPI) -> None:
    with TestClient(app_with_errors, raise_server_exceptions=False) as client:
        page = client.get("/test-missing")
        api = client.get("/api/test-missing")
        busy_page = client.get("/test-busy")
        busy_api = client.get("/api/test-busy")
        bug = client.get("/api/test-boom")
    assert page.headers["content-type"].startswith("text/html")
    assert "No film with id 9." in page.text and "Search the catalog." in page.text
    assert api.json() == {"error": "no film with id 9", "detail": "Search the catalog."}
    assert busy_page.status_code == busy_api.status_code == 503
    assert busy_page.headers["retry-after"] == busy_api.headers["retry-after"] == "7"
    assert "busy with another write" in busy_page.text
    assert busy_api.json()["error"] == "the database is busy with another write (an import?)"
    assert bug.json()["error"] == "something went wrong on our side"
    assert "a bug" not in bug.text  # no internals leak


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts = 0
        self.style_attrs = 0
        self.style_blocks = 0
        self.labels: set[str] = set()
        self.inputs: list[tuple[str | None, str | None]] = []
        self.lang: str | None = None
        self.viewport = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.style_attrs += "style" in a
        self.inline_scripts += tag == "script" and "src" not in a
        self.style_blocks += tag == "style"
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "meta" and a.get("name") == "viewport":
            self.viewport = True
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        if tag == "input" and a.get("type") != "hidden":
            self.inputs.append((a.get("id"), a.get("name")))


@pytest.mark.parametrize("path", ["/", "/signup", "/login", "/no-such-page"])
def test_pages_have_no_inline_script_or_style_and_label_every_input(
    browser: Browser, path: str
) -> None:
    page = _Page()
    page.feed(browser.get(path).text)
    assert (page.inline_scripts, page.style_attrs, page.style_blocks) == (0, 0, 0)
    assert page.lang == "en" and page.viewport
    assert all(i is not None and i in page.labels for i, _ in page.inputs), page.inputs


def test_logged_in_pages_have_no_inline_script_or_style(browser: Browser) -> None:
    browser.sign_up("jess")
    html = browser.get("/").text
    assert "Log out everywhere" in html
    page = _Page()
    page.feed(html)
    assert (page.inline_scripts, page.style_attrs) == (0, 0)
    assert not re.search(r"(src|href|action)=\"(https?:)?//", html)


# --- CSRF ------------------------------------------------------------------------------------


def test_a_form_without_its_csrf_token_is_refused_with_a_reason(browser: Browser) -> None:
    browser.get("/login")  # has the CSRF cookie now
    response = browser.client.post("/login", data={"handle": "jess", "password": "x" * 9})
    assert response.status_code == 403
    assert "no CSRF token" in response.text


def test_a_csrf_token_from_another_browser_is_refused(new_browser: Callable[..., Browser]) -> None:
    attacker, victim = new_browser(), new_browser()
    stolen = attacker.csrf_from("/signup")
    victim.get("/signup")  # the victim has a CSRF cookie of their own
    response = victim.client.post(
        "/signup", data={"csrf_token": stolen, "handle": "mallory", "password": "x" * 10}
    )
    assert response.status_code == 403
    assert "does not match" in response.text
    assert victim.sign_up("jess").status_code == 303  # with its own token it works


def test_a_form_with_a_token_but_no_cookie_is_refused(new_browser: Callable[..., Browser]) -> None:
    token = new_browser().csrf_from("/login")
    fresh = new_browser()
    response = fresh.client.post("/login", data={"csrf_token": token, "handle": "a"})
    assert response.status_code == 403 and "cookie is missing" in response.text


def test_logged_in_forms_use_a_token_tied_to_the_session(browser: Browser) -> None:
    logged_out_token = browser.csrf_from("/login")
    browser.sign_up("jess")
    logged_in_token = browser.csrf_from("/")
    assert logged_in_token != logged_out_token
    refused = browser.client.post("/friends/invites", data={"csrf_token": logged_out_token})
    assert refused.status_code == 403
    made = browser.client.post("/friends/invites", data={"csrf_token": logged_in_token})
    assert made.status_code == 200 and "/friends/join/" in made.text  # after the redirect


def test_unsafe_api_calls_need_the_csrf_header(browser: Browser) -> None:
    browser.sign_up("jess")
    refused = browser.client.post("/api/tokens", json={"name": "script"})
    assert refused.status_code == 403
    assert refused.json()["error"] == "refused: the request carries no CSRF token"
    wrong = browser.client.post(
        "/api/tokens", json={"name": "script"}, headers={"X-CSRF-Token": "0" * 64}
    )
    assert wrong.status_code == 403
    assert browser.api_post("/api/tokens", {"name": "script"}).status_code == 201


def test_a_bearer_token_call_needs_no_csrf_token(
    browser: Browser, new_browser: Callable[..., Browser]
) -> None:
    browser.sign_up("jess")
    token = browser.api_post("/api/tokens", {"name": "script"}).json()["token"]
    script = new_browser()  # no cookies at all
    made = script.client.post(
        "/api/tokens", json={"name": "second"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert made.status_code == 201


# --- every route of the app ------------------------------------------------------------------

_DESTRUCTIVE = ("logout", "delete", "password", "keep")  # would end the session under test


def _every_route(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route, through FastAPI's nested routers, ids filled with 1."""

    def walk(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            inner = getattr(route, "original_router", None)  # an included router
            yield from walk(inner.routes) if inner is not None else [route]

    found = []
    for route in walk(app.router.routes):
        for method in sorted(getattr(route, "methods", None) or ["GET"]):
            if method != "HEAD":
                found.append((method, re.sub(r"\{[^}]+\}", "1", route.path)))
    return found


def test_every_route_answers_with_the_security_headers_and_no_server_error(
    app: FastAPI, new_browser: Callable[..., Browser]
) -> None:
    """As a stranger and as a logged-in member (unsafe calls with the API's CSRF header, except
    those that would end the session), every route of the app, whatever it answers."""
    routes = _every_route(app)
    assert len(routes) > 150 and ("GET", "/api/swipe/1/events") in routes
    member = new_browser()
    member.sign_up("jess")
    csrf = member.api_csrf()
    stranger = new_browser()
    answers = 0
    for method, path in routes:
        for who in (stranger, member):
            headers = {}
            if who is member and not any(word in path for word in _DESTRUCTIVE):
                headers["X-CSRF-Token"] = csrf
            response = who.client.request(method, path, headers=headers, follow_redirects=False)
            assert response.status_code < 500, (method, path, response.status_code, response.text)
            _assert_secure(response)
            answers += 1
    assert answers == 2 * len(routes)
