"""A request holds one of ``web_threads`` slots from before it touches the database until its
response is done; a request that cannot get one within ``web_queue_seconds`` answers 503.

Why: every sync dependency and route runs in the thread pool one after another, and the request's
unit of work stays open in between. With more requests in flight than threads, a request would
hold its connection (and, for a write on SQLite, the write lock) while it queued for its next
thread behind everyone else's, and the other writes would time out behind it. Queued here
instead, a request holds nothing: it waits in line, gets its slot, and then its threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from fastapi import Request

from reelmates.errors import BusyError


class RequestSlots:
    """At most ``slots`` requests past this point at once; the others wait in arrival order."""

    def __init__(self, slots: int, wait_seconds: float) -> None:
        self.slots = slots
        self.wait_seconds = wait_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore = asyncio.Semaphore(slots)

    def _current(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a test client per request): a new line
            self._loop, self._semaphore = loop, asyncio.Semaphore(self.slots)
        return self._semaphore

    async def hold(self) -> AsyncIterator[Callable[[], None]]:
        """Holds a slot; yields the function that gives it back early (at most once)."""
        semaphore = self._current()
        try:
            await asyncio.wait_for(semaphore.acquire(), self.wait_seconds)
        except TimeoutError:
            raise BusyError(reason="the server is answering too many requests") from None
        held = [True]

        def release() -> None:
            if held:
                held.clear()
                semaphore.release()

        try:
            yield release
        finally:
            release()


async def request_slot(request: Request) -> AsyncIterator[None]:
    """The first dependency of every route (set by the app)."""
    slots: RequestSlots = request.app.state.request_slots
    async for release in slots.hold():
        request.state.release_slot = release
        yield


def release_slot(request: Request) -> None:
    """Give the request's slot back now: a long-lived response (a stream of live events) that
    holds no database connection and no thread must not keep others waiting."""
    release: Callable[[], None] | None = getattr(request.state, "release_slot", None)
    if release is not None:
        release()
