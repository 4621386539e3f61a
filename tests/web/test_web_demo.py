"""The README's run command: `reelmates demo` in a fresh home seeds, trains and serves the web app,
prints the demo friends' log-ins (the same on every run), and stops cleanly on Ctrl-C."""

from __future__ import annotations

import re
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
