"""RequestSlots: at most N requests past the line at once; the next waits its turn, and one that
waits too long gets BusyError (a 503 with Retry-After), holding nothing meanwhile."""

from __future__ import annotations

import asyncio

import pytest
from off_loop import run_off_loop

from reelmates.errors import BusyError
from reelmates.web.slots import RequestSlots


async def _enter(slots: RequestSlots) -> object:
    held = slots.hold()
    await held.__anext__()
    return held


def test_a_request_waits_for_a_free_slot_then_goes_on() -> None:
    async def scenario() -> list[str]:
        slots = RequestSlots(1, wait_seconds=5)
        order: list[str] = []
        first = slots.hold()
        await first.__anext__()
        order.append("first in")

        async def second() -> None:
            async for _ in slots.hold():
                order.append("second in")

        task = asyncio.create_task(second())
        await asyncio.sleep(0.05)
        assert order == ["first in"], "the second must wait while the only slot is held"
        with pytest.raises(StopAsyncIteration):
            await first.__anext__()  # the first request ends: its slot is free
        await asyncio.wait_for(task, 1)
        return order

    assert run_off_loop(scenario()) == ["first in", "second in"]


def test_a_request_that_waits_too_long_is_busy() -> None:
    async def scenario() -> None:
        slots = RequestSlots(2, wait_seconds=0.1)
        held = [await _enter(slots), await _enter(slots)]  # kept: a dropped one would end
        with pytest.raises(BusyError, match="too many requests") as caught:
            await _enter(slots)
        assert caught.value.retry_after > 0
        assert len(held) == 2

    run_off_loop(scenario())


def test_a_slot_given_back_early_is_given_back_once() -> None:
    async def scenario() -> None:
        slots = RequestSlots(1, wait_seconds=0.1)
        first = slots.hold()
        release = await first.__anext__()
        release()  # a stream of live events gives its slot back at once...
        second = slots.hold()
        await second.__anext__()  # ...so the next request gets in
        with pytest.raises(StopAsyncIteration):
            await first.__anext__()  # the stream ends: nothing is given back twice
        with pytest.raises(BusyError):
            await _enter(slots)  # still one slot, held by the second
        with pytest.raises(StopAsyncIteration):
            await second.__anext__()
        await _enter(slots)

    run_off_loop(scenario())
