"""The server refits the community's model in the background (started with the app, never in a
request) and the pages say which model they use."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import Browser

from reelmates.services.demo import run_demo
from reelmates.services.taste import ModelMeta
from reelmates.web.model_line import ago, model_line

NOW = datetime(2026, 12, 12, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "just now"),
        (59, "just now"),
        (60, "1 minute ago"),
        (3599, "59 minutes ago"),
        (2 * 3600 + 5, "2 hours ago"),
        (86_400, "1 day ago"),
        (3 * 86_400 + 7200, "3 days ago"),
    ],
)
def test_how_long_ago_in_words(seconds: int, said: str) -> None:
    assert ago(NOW - timedelta(seconds=seconds), NOW) == said


def test_the_model_line() -> None:
    meta = ModelMeta("db", 100_123, 60, 60, 1, (NOW - timedelta(hours=2)).isoformat())
    assert model_line(meta, NOW) == "Taste model fitted 2 hours ago on 100,123 ratings."
    assert model_line(None, NOW) is None


def test_new_ratings_refit_the_model_in_the_background_and_picks_say_so(
    make_app: Callable[..., FastAPI],
) -> None:
    app = make_app(
        signup_policy="open",
        refit_min_new_ratings=3,
        refit_min_interval_seconds=0,
        refit_check_seconds=0.05,
    )
    run_demo(app.state.engine, app.state.settings)
    holder = app.state.holder
    first = holder.served()
    assert first is not None
    with TestClient(app) as client:
        ann = Browser(client)
        assert ann.sign_up("ann").status_code == 303
        line = f"Taste model fitted just now on {first.ratings:,} ratings."
        assert f'<p class="note" id="model-line">{line}</p>' in ann.get("/picks").text
        for film_id in (1, 2, 3):
            assert ann.api_post(f"/api/films/{film_id}/rating", {"stars": 4.5}).status_code == 200
        deadline = time.monotonic() + 60
        while holder.served().ratings == first.ratings and time.monotonic() < deadline:
            time.sleep(0.05)
        assert holder.served().ratings == first.ratings + 3
        assert f"on {first.ratings + 3:,} ratings." in ann.get("/picks").text
    assert app.state.refit.refits == 1
