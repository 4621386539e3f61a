"""The README's run command: `reelmates demo` in a fresh home seeds, trains and serves the web app,
prints the demo friends' log-ins (the same on every run), and stops cleanly on Ctrl-C."""

from __future__ import annotations

import re
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from processes import served_demo

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _log_in_over_http(base_url: str, handle: str, password: str) -> str:
    """Log in through the form as a browser does (CSRF token from the page); the home page."""
    with httpx.Client(base_url=base_url + "/", timeout=10) as client:
        form = client.get("login")
        assert form.status_code == 200
        token = _CSRF.search(form.text)
        assert token is not None
        answer = client.post(
            "login", data={"csrf_token": token.group(1), "handle": handle, "password": password}
        )
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == httpx.URL(base_url + "/").path
        home = client.get(answer.url.join(answer.headers["location"]))
        assert home.status_code == 200
        return home.text


@pytest.mark.slow
def test_demo_serves_and_logs_jess_in_with_the_printed_password(tmp_path: Path) -> None:
    with served_demo(tmp_path, root_path="/reelmates") as first:
        out = first.output()
        assert "Seeded the starter catalog" in out and "Trained the taste model" in out
        assert f"serving at {first.base_url}/" in out
        assert set(first.log_ins) == {"Jess", "Milly"}
        assert first.log_ins["Jess"] != first.log_ins["Milly"]
        page = _log_in_over_http(first.base_url, "Jess", first.log_ins["Jess"])
        assert "Hello, Jess" in page
        with pytest.raises(AssertionError):  # Milly's password is not Jess's
            _log_in_over_http(first.base_url, "Jess", first.log_ins["Milly"])

    # Run again on the same database: nothing to seed or train, the same log-ins.
    with served_demo(tmp_path) as second:
        assert "Seeded the starter catalog" not in second.output()
        assert "Trained the taste model" not in second.output()
        assert second.log_ins == first.log_ins
        assert "Hello, Milly" in _log_in_over_http(
            second.base_url, "Milly", second.log_ins["Milly"]
        )


@pytest.mark.slow
def test_ctrl_c_ends_open_event_streams_cleanly_and_at_once(tmp_path: Path) -> None:
    """A page left open on a swipe room holds an event stream; Ctrl-C must not wait out
    uvicorn's grace period (5 s) for it, nor cut it mid-response: the stream ends as a whole
    response, and the page reconnects once the server is back."""
    with served_demo(tmp_path) as served, httpx.Client(base_url=served.base_url) as jess:
        csrf = jess.get("/api/csrf").json()["csrf_token"]
        login = {"handle": "Jess", "password": served.log_ins["Jess"]}
        csrf = jess.post("/api/login", json=login, headers={"X-CSRF-Token": csrf}).json()[
            "csrf_token"
        ]
        room = jess.post(
            "/api/swipe", params={"with": "Milly"}, headers={"X-CSRF-Token": csrf}
        ).json()["id"]
        lines: list[str] = []
        failed: list[BaseException] = []
        opened = threading.Event()

        def listen() -> None:
            try:
                with jess.stream("GET", f"/api/swipe/{room}/events", timeout=30) as answer:
                    for line in answer.iter_lines():
                        lines.append(line)
                        if line.startswith("event: room"):
                            opened.set()
            except BaseException as error:  # an incomplete (cut) response, say
                failed.append(error)

        reader = threading.Thread(target=listen)
        reader.start()
        assert opened.wait(20), lines
        started = time.monotonic()
        served.process.send_signal(signal.SIGINT)
        served.process.wait(20)
        took = time.monotonic() - started
        reader.join(10)
    assert not reader.is_alive() and failed == [], failed
    assert took < 4.0, f"Ctrl-C took {took:.1f} s with an event stream open"
