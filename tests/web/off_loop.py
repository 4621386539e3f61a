"""``asyncio.run`` in a thread of its own: Playwright's sync API (the session's chromium, once a
browser test has run) leaves an event loop running in the main thread, where ``asyncio.run``
refuses to start."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_off_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
