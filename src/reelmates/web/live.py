"""The broadcaster: a room's news pushed to every member's open page at once.

A :class:`Broadcaster` has two halves: :meth:`~Broadcaster.publish` sends an event (a JSON
object) to a room, and :meth:`~Broadcaster.subscribe` opens a :class:`Subscription` that yields
each event published to the room from then on. Entering ``subscribe`` returns only once the
subscription is live, so a reader that subscribes *and then* reads the room's state from the
database misses nothing (what happened before is in the state; what happens after arrives as an
event; an event the state already covers is recognised by the id it carries).

- :class:`InProcessBroadcaster` (the default): a hub inside one server process. Safe to publish
  from any thread or event loop.
- :class:`RedisBroadcaster` (``REELMATES_REDIS_URL`` set): Redis pub/sub, so that several server
  processes share their rooms; the channel names carry the database's identity, so two
  installations sharing one Redis never hear each other.

Delivery is best effort and at most once per subscriber: the database is the truth, and a page
that missed an event catches up when it reconnects (it is sent the room's state first).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from reelmates.errors import BusyError

log = logging.getLogger(__name__)

Event = dict[str, Any]  # a JSON object
QUEUE_MAX = 64  # events kept for a slow reader; the oldest go first (each is a whole snapshot)
SUBSCRIBE_SECONDS = 5.0  # how long Redis may take to confirm a subscription


class Subscription(Protocol):
    """The events of one room, from the moment of subscribing."""

    async def get(self, timeout: float) -> Event | None:
        """The next event, or None when none came within ``timeout`` seconds."""
        ...

    def __aiter__(self) -> AsyncIterator[Event]: ...


class Broadcaster(Protocol):
    async def publish(self, room: int, event: Event) -> None: ...

    def subscribe(self, room: int) -> AbstractAsyncContextManager[Subscription]: ...

    async def close(self) -> None: ...


class LiveUnavailableError(BusyError):
    def __init__(self) -> None:
        super().__init__(reason="live updates are unavailable right now (Redis does not answer)")


# --- in one process ------------------------------------------------------------------------


class _LocalSubscription:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=QUEUE_MAX)

    def offer(self, event: Event) -> None:
        """Runs on the subscriber's own loop."""
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(event)

    async def get(self, timeout: float) -> Event | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            yield await self.queue.get()


class InProcessBroadcaster:
    """Rooms shared by the requests of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rooms: dict[int, set[_LocalSubscription]] = {}

    async def publish(self, room: int, event: Event) -> None:
        payload = json.loads(json.dumps(event))  # a copy of its own, and JSON like Redis's
        with self._lock:
            subscribers = list(self._rooms.get(room, ()))
        for sub in subscribers:
            with contextlib.suppress(RuntimeError):  # its loop is closed: it is going away
                sub.loop.call_soon_threadsafe(sub.offer, payload)

    @asynccontextmanager
    async def subscribe(self, room: int) -> AsyncIterator[Subscription]:
        sub = _LocalSubscription(asyncio.get_running_loop())
        with self._lock:
            self._rooms.setdefault(room, set()).add(sub)
        try:
            yield sub
        finally:
            with self._lock:
                subs = self._rooms.get(room)
                if subs is not None:
                    subs.discard(sub)
                    if not subs:
                        del self._rooms[room]

    def subscribers(self, room: int) -> int:
        with self._lock:
            return len(self._rooms.get(room, ()))

    async def close(self) -> None:
        return None


# --- across processes: Redis pub/sub -------------------------------------------------------


class _RedisSubscription:
    def __init__(self, pubsub: Any) -> None:
        self.pubsub = pubsub

    async def get(self, timeout: float) -> Event | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0:
            message = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            if message is not None and message.get("type") == "message":
                event: Event = json.loads(message["data"])
                return event
        return None

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            event = await self.get(3600.0)
            if event is not None:
                yield event


class RedisBroadcaster:
    """Rooms shared by every server process connected to one Redis."""

    def __init__(self, url: str, namespace: str) -> None:
        self.url = url
        self.prefix = f"reelmates:{namespace}:swipe:"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Any = None

    def channel(self, room: int) -> str:
        return f"{self.prefix}{room}"

    def _redis(self) -> Any:
        """One client per event loop (its connections belong to the loop that opened them)."""
        import redis.asyncio

        loop = asyncio.get_running_loop()
        if loop is not self._loop or self._client is None:
            self._loop = loop
            self._client = redis.asyncio.Redis.from_url(self.url, decode_responses=True)
        return self._client

    async def publish(self, room: int, event: Event) -> None:
        await self._redis().publish(self.channel(room), json.dumps(event))

    @asynccontextmanager
    async def subscribe(self, room: int) -> AsyncIterator[Subscription]:
        import redis.exceptions

        pubsub = self._redis().pubsub()
        try:
            await pubsub.subscribe(self.channel(room))
            # Live only once Redis confirms: wait for the confirmation before yielding.
            confirmed = await pubsub.get_message(timeout=SUBSCRIBE_SECONDS)
            if confirmed is None or confirmed.get("type") != "subscribe":
                raise LiveUnavailableError()
        except (redis.exceptions.RedisError, OSError) as exc:
            await pubsub.aclose()
            raise LiveUnavailableError() from exc
        except BaseException:
            await pubsub.aclose()
            raise
        try:
            yield _RedisSubscription(pubsub)
        finally:
            with contextlib.suppress(redis.exceptions.RedisError, OSError):
                await pubsub.unsubscribe()
            await pubsub.aclose()

    async def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.aclose()
            self._client = None


def broadcaster_for(redis_url: str | None, namespace: str) -> Broadcaster:
    """Redis pub/sub when a URL is set, else the in-process hub."""
    if redis_url:
        return RedisBroadcaster(redis_url, namespace)
    return InProcessBroadcaster()


async def announce(broadcaster: Broadcaster, room: int, event: Event) -> None:
    """Publish, after the response is sent (a background task: the swipe is committed by then).
    A broadcaster that fails loses only the push: pages catch up when they reconnect."""
    try:
        await broadcaster.publish(room, event)
    except Exception:
        log.exception("could not push the news of swipe session %s", room)
