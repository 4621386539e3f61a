"""The log-in limiter with a clock of our own: a sliding window per account and per address."""

from __future__ import annotations

import pytest

from reelmates.errors import TooManyAttemptsError
from reelmates.services.accounts import LoginLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_block_for_the_rest_of_the_window_then_expire() -> None:
    clock = Clock()
    limiter = LoginLimiter(per_account=3, per_address=10, window_seconds=600, clock=clock)
    for step in range(3):
        limiter.check("jess", "1.2.3.4")
        limiter.failed("jess", "1.2.3.4")
        clock.now += 100 if step < 2 else 0
    with pytest.raises(TooManyAttemptsError) as blocked:
        limiter.check("jess", "5.6.7.8")  # the account is blocked from any address
    # The first failure (t=1000) leaves the window at t=1600; now is t=1200.
    assert blocked.value.retry_after == 400
    limiter.check("milly", "1.2.3.4")  # others are not
    clock.now = 1600.0  # the first failure has left the window: 2 of 3 remain
    limiter.check("jess", "1.2.3.4")


def test_the_address_limit_counts_every_account_tried() -> None:
    clock = Clock()
    limiter = LoginLimiter(per_account=100, per_address=2, window_seconds=60, clock=clock)
    limiter.failed("a", "9.9.9.9")
    limiter.failed("b", "9.9.9.9")
    with pytest.raises(TooManyAttemptsError):
        limiter.check("c", "9.9.9.9")
    limiter.check("c", "8.8.8.8")
    clock.now += 60
    limiter.check("c", "9.9.9.9")


def test_a_success_clears_the_account_not_the_address() -> None:
    limiter = LoginLimiter(per_account=2, per_address=3, window_seconds=60, clock=Clock())
    limiter.failed("jess", "1.1.1.1")
    limiter.failed("jess", "1.1.1.1")
    limiter.succeeded("jess")
    limiter.check("jess", "2.2.2.2")
    limiter.failed("jess", "1.1.1.1")
    with pytest.raises(TooManyAttemptsError):
        limiter.check("other", "1.1.1.1")  # 3 from this address in the window
