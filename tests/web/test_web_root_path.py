"""Under a root path (behind a proxy): every link, form, redirect, cookie and asset carries it;
an operator's templates folder overrides ours."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import Browser

ROOT = "/reelmates"
_REFS = re.compile(r'(?:href|src|action)="([^"]*)"')


def _own_refs(html: str) -> list[str]:
    return [r for r in _REFS.findall(html) if not r.startswith("#")]


def test_every_link_form_and_asset_carries_the_root_path(
    make_app: Callable[..., FastAPI],
) -> None:
    with TestClient(make_app(root_path=ROOT + "/")) as client:  # a trailing slash is dropped
        browser = Browser(client, prefix=ROOT)
        pages = {path: browser.get(path) for path in ("/", "/signup", "/login", "/nope")}
        assert [r.status_code for r in pages.values()] == [200, 200, 200, 404]
        for path, response in pages.items():
            refs = _own_refs(response.text)
            assert refs, path
            assert all(r.startswith(ROOT + "/") for r in refs), (path, refs)
        assert browser.get("/static/app.css").status_code == 200
        done = browser.sign_up("jess")
        assert done.headers["location"] == ROOT + "/"
        assert f"Path={ROOT}" in done.headers["set-cookie"]
        home = browser.get("/")
        assert "Hello, jess" in home.text
        assert all(r.startswith(ROOT + "/") for r in _own_refs(home.text))
        invite_url = browser.api_post("/api/invites").json()["url"]
        assert invite_url.startswith(f"http://testserver{ROOT}/signup?invite=")
        assert browser.get("/api/openapi.json").status_code == 200
        logged_out = browser.submit("/", "/logout", {})
        assert logged_out.headers["location"] == ROOT + "/"
        assert browser.get("/api/me").status_code == 401


def test_a_proxy_that_strips_the_prefix_works_too(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(root_path=ROOT)) as client:
        stripped = client.get("/login")  # the proxy removed /reelmates before passing it on
    assert stripped.status_code == 200
    assert f'action="{ROOT}/login"' in stripped.text


def test_an_operator_template_overrides_ours(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "home.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Our film club</h1>{% endblock %}',
        encoding="utf-8",
    )
    with TestClient(make_app(templates_dir=folder)) as client:
        home = client.get("/")
        login = client.get("/login")
    assert "Our film club" in home.text and 'rel="stylesheet"' in home.text
    assert "Log in" in login.text  # the rest are still ours
