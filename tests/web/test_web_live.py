"""The broadcaster: in one process, and through the real Redis at 127.0.0.1:6379, where two
broadcaster instances stand for two server processes."""

from __future__ import annotations

import asyncio
import threading
import uuid

from off_loop import run_off_loop

from reelmates.web.live import Broadcaster, InProcessBroadcaster, RedisBroadcaster


async def _one_publish_reaches_each_subscriber_once(
    publisher: Broadcaster, listener: Broadcaster
) -> None:
    async with (
        listener.subscribe(7) as here,
        listener.subscribe(7) as also,
        listener.subscribe(8) as elsewhere,
    ):
        await publisher.publish(7, {"last_swipe_id": 3, "who": "Zoë"})
        assert await here.get(5) == {"last_swipe_id": 3, "who": "Zoë"}
        assert await also.get(5) == {"last_swipe_id": 3, "who": "Zoë"}
        assert await here.get(0.3) is None  # exactly once
        assert await also.get(0.3) is None
        assert await elsewhere.get(0.3) is None  # another room hears nothing
        await publisher.publish(7, {"last_swipe_id": 4})
        await publisher.publish(7, {"last_swipe_id": 5})
        got = [await here.get(5), await here.get(5)]
        assert got == [{"last_swipe_id": 4}, {"last_swipe_id": 5}]  # in order


def test_in_process_hub_delivers_each_publish_once_to_each_subscriber() -> None:
    hub = InProcessBroadcaster()
    run_off_loop(_one_publish_reaches_each_subscriber_once(hub, hub))
    assert hub.subscribers(7) == 0  # leaving the block unsubscribed


def test_in_process_hub_takes_publishes_from_another_thread_and_loop() -> None:
    hub = InProcessBroadcaster()

    async def listen() -> object:
        async with hub.subscribe(1) as sub:
            threading.Thread(target=lambda: asyncio.run(hub.publish(1, {"n": 1}))).start()
            return await sub.get(5)

    assert run_off_loop(listen()) == {"n": 1}


def test_redis_carries_a_publish_from_one_process_to_another_exactly_once(redis_url: str) -> None:
    namespace = uuid.uuid4().hex  # a database of its own: no other test hears it
    one, two = RedisBroadcaster(redis_url, namespace), RedisBroadcaster(redis_url, namespace)

    async def run() -> None:
        try:
            await _one_publish_reaches_each_subscriber_once(one, two)
            async with one.subscribe(7) as back:  # and the other way round
                await two.publish(7, {"last_swipe_id": 9})
                assert await back.get(5) == {"last_swipe_id": 9}
                assert await back.get(0.3) is None
        finally:
            await one.close()
            await two.close()

    run_off_loop(run())


def test_redis_rooms_of_another_database_are_not_heard(redis_url: str) -> None:
    mine = RedisBroadcaster(redis_url, uuid.uuid4().hex)
    theirs = RedisBroadcaster(redis_url, uuid.uuid4().hex)

    async def run() -> None:
        try:
            async with mine.subscribe(7) as sub:
                await theirs.publish(7, {"last_swipe_id": 1})
                assert await sub.get(0.5) is None
        finally:
            await mine.close()
            await theirs.close()

    run_off_loop(run())
