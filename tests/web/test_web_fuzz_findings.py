"""What the API fuzz (test_web_fuzz.py) found, each pinned down on its own: an id too large for a
64-bit integer, in a path or a body, is refused (422 under /api, a missing page for a person)
where it was a 500 (SQLite's OverflowError); the largest id allowed is looked up as usual; an
API token's dates carry their zone (the document says date-time); and errors are documented as
the ``{"error", "detail"}`` body they are, not FastAPI's default 422 schema."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import Browser

from reelmates.web.ids import MAX_ROW_ID

HUGE = 2**63  # one more than SQLite's (and PostgreSQL's bigint) largest integer
PATHS = [
    ("GET", "/api/films/{id}"),
    ("POST", "/api/films/{id}/seen"),
    ("DELETE", "/api/films/{id}/rating"),
    ("DELETE", "/api/tokens/{id}"),
    ("DELETE", "/api/friends/invites/{id}"),
    ("DELETE", "/api/me/vetoes/films/{id}"),
    ("GET", "/api/nights/{id}"),
    ("GET", "/api/swipe/{id}"),
]
BODIES = [
    ("POST", "/api/me/vetoes/films", {"film_id": HUGE}),
    ("POST", "/api/together/picks", {"film_id": HUGE, "with": ["someone"]}),
    ("POST", "/api/nights", {"pick_id": HUGE, "times": [], "time_zone": "Europe/London"}),
    ("POST", "/api/onboarding/answers", {"film_id": HUGE, "stars": 4}),
]


@pytest.fixture
def member(browser: Browser) -> Browser:
    assert browser.sign_up("ann").status_code == 303
    return browser


def _call(browser: Browser, method: str, path: str, json: object = None) -> tuple[int, Any]:
    answer = browser.client.request(
        method, path, json=json, headers={"X-CSRF-Token": browser.api_csrf()}
    )
    assert answer.headers["content-type"].startswith("application/json"), answer.text
    body = answer.json()
    return answer.status_code, body


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_an_id_too_large_in_a_path_is_refused_not_a_500(
    member: Browser, method: str, path: str
) -> None:
    status, body = _call(member, method, path.format(id=HUGE))
    assert status == 422, body
    assert body["error"] == "Something in the request is missing or has a wrong value."
    assert body["detail"] == "Id is too large." or "is too large" in body["detail"], body


@pytest.mark.parametrize(("method", "path", "json"), BODIES)
def test_an_id_too_large_in_a_body_is_refused_not_a_500(
    member: Browser, method: str, path: str, json: object
) -> None:
    status, body = _call(member, method, path, json)
    assert status == 422, body
    assert "is too large" in body["detail"], body


def test_the_largest_id_allowed_is_looked_up_and_not_found(member: Browser) -> None:
    status, body = _call(member, "GET", f"/api/films/{MAX_ROW_ID}")
    assert status == 404, body
    status, body = _call(member, "GET", f"/api/films/{MAX_ROW_ID + 1}")
    assert status == 422, body


@pytest.mark.parametrize("path", [f"/films/{HUGE}", f"/nights/{HUGE}", f"/swipe/{HUGE}"])
def test_a_page_at_an_id_too_large_is_a_missing_page(member: Browser, path: str) -> None:
    page = member.get(path)
    assert page.status_code == 404
    assert "There is nothing at this address." in page.text


def test_an_api_tokens_dates_carry_their_zone(member: Browser) -> None:
    made = member.client.post(
        "/api/tokens", json={"name": "script"}, headers={"X-CSRF-Token": member.api_csrf()}
    )
    assert made.status_code == 201
    listed = member.client.get(
        "/api/tokens", headers={"Authorization": f"Bearer {made.json()['token']}"}
    ).json()
    for token in listed:
        assert datetime.fromisoformat(token["created_at"]).utcoffset() is not None, token
        used = token["last_used_at"]
        assert used is None or datetime.fromisoformat(used).utcoffset() is not None, token


def test_every_api_operation_documents_its_errors_as_they_are(app: FastAPI) -> None:
    document = app.openapi()
    error = document["components"]["schemas"]["ErrorPublic"]
    assert set(error["properties"]) == {"error", "detail"}
    for path, operations in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            assert "422" not in responses, where  # FastAPI's {"detail": [...]} is never sent
            schema = responses["default"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorPublic"}, where
    assert "HTTPValidationError" not in str(
        {p: o for p, o in document["paths"].items() if p.startswith("/api/")}
    )


def test_text_with_a_nul_character_is_refused_with_a_reason_not_a_500(
    make_app: Callable[..., FastAPI], db_url: str
) -> None:
    browser = Browser(TestClient(make_app(database_url=db_url)))
    assert browser.sign_up("ann").status_code == 303
    on_postgres = db_url.startswith("postgresql")
    status, body = _call(browser, "POST", "/api/tokens", {"name": "a\u0000b"})
    if on_postgres:
        assert status == 422, body
        assert body["error"] == "text cannot contain the NUL character (\\0)", body
    else:
        assert status == 201, body  # SQLite stores it
    logged_out = Browser(TestClient(browser.client.app))
    status, body = _call(logged_out, "POST", "/api/login", {"handle": "\u0000", "password": "x"})
    assert status == (422 if on_postgres else 401), body
