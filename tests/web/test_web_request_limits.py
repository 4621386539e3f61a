"""Every request body is capped as it streams in (ordinary forms and JSON far below uploads),
and a malformed request gets plain words: on a page, an address with a wrong part is a 404."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import Browser


def test_an_oversized_ordinary_form_is_refused_with_413_before_it_is_used(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(body_max_bytes=4096)
    with TestClient(app) as client:
        big = {"handle": "x" * 10_000, "password": "p"}
        answer = client.post("/login", data=big)
        assert answer.status_code == 413
        assert "larger than 4 KB" in answer.text
        small = client.post("/login", data={"handle": "x", "password": "p"})
        assert small.status_code != 413


def test_a_json_body_that_streams_past_the_cap_is_refused(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(body_max_bytes=4096)

    def chunks() -> Iterator[bytes]:  # no Content-Length: only counting while reading catches it
        yield b'{"handle": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'", "password": "p"}'

    with TestClient(app) as client:
        answer = client.post(
            "/api/login", content=chunks(), headers={"content-type": "application/json"}
        )
        assert answer.status_code == 413
        assert "larger than 4 KB" in answer.json()["error"]


def test_a_wrong_part_in_a_page_address_is_a_plain_404(browser: Browser) -> None:
    assert browser.sign_up("jess").status_code == 303
    page = browser.get("/films/abc")
    assert page.status_code == 404
    assert "There is nothing at this address." in page.text
    assert "valid integer" not in page.text


def test_a_bad_value_in_the_api_is_named_in_plain_words(browser: Browser) -> None:
    assert browser.sign_up("jess").status_code == 303
    answer = browser.get("/api/films/abc")
    assert answer.status_code == 422
    body = answer.json()
    assert body["detail"] == "Film id should be a whole number."
