"""Browsers for the web tests: TestClients that sign up, log in and send forms with their CSRF
token like a real browser; settings for a cheap (argon2) app on a fresh SQLite file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from reelmates.settings import Settings

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def web_settings(tmp_path: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "data_dir": tmp_path,
        "database_url": f"sqlite:///{tmp_path / 'reelmates.db'}",
        "argon2_time_cost": 1,
        "argon2_memory_kib": 64,
    }
    return Settings(**(base | overrides))


class Browser:
    """A TestClient with the habits of a browser: it reads a form's CSRF token from the page
    before sending the form."""

    def __init__(self, client: TestClient, prefix: str = "") -> None:
        self.client = client
        self.prefix = prefix

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(self.prefix + path, **kwargs)

    def csrf_from(self, page: str) -> str:
        """The token of the page's forms (a page without a form: the one /api/csrf gives)."""
        found = _CSRF.search(self.get(page).text)
        return found.group(1) if found else self.api_csrf()

    def submit(self, page: str, action: str, data: dict[str, str], **kwargs: Any) -> httpx.Response:
        """Open ``page``, then post ``data`` (with the page's CSRF token) to ``action``."""
        token = self.csrf_from(page)
        return self.client.post(
            self.prefix + action,
            data={"csrf_token": token, **data},
            follow_redirects=False,
            **kwargs,
        )

    def follow(self, response: httpx.Response) -> httpx.Response:
        """Open the page a 303 sends the browser to (its location carries any root path)."""
        assert response.status_code == 303, response.text
        return self.client.get(response.headers["location"])

    def sign_up(self, handle: str, *, invite: str | None = None, **extra: str) -> httpx.Response:
        page = "/signup" + (f"?invite={invite}" if invite else "")
        data = {"handle": handle, "password": PASSWORD, **extra}
        if invite:
            data["invite"] = invite
        return self.submit(page, "/signup", data)

    def log_in(self, handle: str, password: str = PASSWORD) -> httpx.Response:
        return self.submit("/login", "/login", {"handle": handle, "password": password})

    def api_csrf(self) -> str:
        token: str = self.get("/api/csrf").json()["csrf_token"]
        return token

    def api_post(self, path: str, json: object = None) -> httpx.Response:
        return self.client.post(
            self.prefix + path, json=json, headers={"X-CSRF-Token": self.api_csrf()}
        )

    def invite(self) -> str:
        """A sign-up invite token made by this (logged-in) browser."""
        url: str = self.api_post("/api/invites").json()["url"]
        return url.split("invite=", 1)[1]
