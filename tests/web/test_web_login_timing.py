"""A stranger cannot learn which handles exist by timing the log-in: a wrong password and an
unknown handle take the same time (the unknown one is checked against a dummy hash of the same
cost). Measured through the app at argon2's real default cost, interleaved so the machine's
noise falls on both alike; the medians must be within 20% of each other.

A check that could fail: skip the dummy hash (answer an unknown handle at once) and the unknown
median drops to a small fraction of the other."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_browsers import Browser

from reelmates.settings import Settings

ROUNDS = 15


def test_a_wrong_password_and_an_unknown_handle_take_the_same_time(
    make_app: Callable[..., FastAPI],
) -> None:
    defaults = Settings.model_fields
    app = make_app(
        argon2_time_cost=defaults["argon2_time_cost"].default,
        argon2_memory_kib=defaults["argon2_memory_kib"].default,
        login_failures_per_account=10 * ROUNDS,  # the limiter must not answer first
        login_failures_per_address=10 * ROUNDS,
    )
    with TestClient(app) as client:
        Browser(client).sign_up("jess")
    with TestClient(app) as client:
        stranger = Browser(client)
        token = stranger.csrf_from("/login")

        def attempt(handle: str) -> float:
            started = time.perf_counter()
            answer = client.post(
                "/login",
                data={"csrf_token": token, "handle": handle, "password": "not the password"},
            )
            took = time.perf_counter() - started
            assert answer.status_code == 401, answer.text
            return took

        attempt("jess"), attempt("nobody")  # warm both paths
        wrong: list[float] = []
        unknown: list[float] = []
        for i in range(ROUNDS):  # interleaved, alternating who goes first
            pair = ("jess", "nobody") if i % 2 == 0 else ("nobody", "jess")
            for handle in pair:
                (wrong if handle == "jess" else unknown).append(attempt(handle))
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.8 <= ratio <= 1.2, (
        f"unknown handle median {statistics.median(unknown) * 1000:.1f} ms vs wrong password "
        f"{statistics.median(wrong) * 1000:.1f} ms (ratio {ratio:.2f})"
    )
