"""The process-wide limit on running scripts holds across event loops and threads, a cancelled
waiter never leaks a slot, and scripts run in a held slot follow each other without queueing again."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from machine_learning_engineering.sandbox import hold_slot, max_parallel, set_max_parallel
from machine_learning_engineering.sandbox.concurrency import SLOTS


@pytest.fixture(autouse=True)
def restore_limit():
    before = max_parallel()
    yield
    set_max_parallel(before)


def test_limit_holds_across_loops_in_threads():
    set_max_parallel(1)
    spans: list[tuple[float, float]] = []

    async def hold():
        async with SLOTS:
            start = time.monotonic()
            await asyncio.sleep(0.2)
            spans.append((start, time.monotonic()))

    threads = [threading.Thread(target=asyncio.run, args=(hold(),)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    spans.sort()
    assert len(spans) == 3
    assert all(earlier[1] <= later[0] for earlier, later in zip(spans, spans[1:]))
    assert SLOTS.running == 0


@pytest.mark.asyncio
async def test_raising_the_limit_starts_waiters_and_cancelled_waiters_leak_nothing():
    set_max_parallel(1)
    await SLOTS.acquire()
    waiter = asyncio.create_task(SLOTS.acquire())
    cancelled = asyncio.create_task(SLOTS.acquire())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    cancelled.cancel()
    set_max_parallel(2)
    await asyncio.wait_for(waiter, 1)
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    await asyncio.sleep(0.01)
    SLOTS.release()
    SLOTS.release()
    assert SLOTS.running == 0


@pytest.mark.asyncio
async def test_scripts_in_a_held_slot_run_back_to_back_ahead_of_work_queued_meanwhile():
    set_max_parallel(1)
    order: list[str] = []

    async def script(name: str) -> None:
        async with SLOTS:
            order.append(name)
            await asyncio.sleep(0.05)

    async def checked() -> None:  # a script, then the checks that follow it in its slot
        async with hold_slot():
            await script("script")
            await asyncio.sleep(0.05)  # the host reads its score meanwhile
            async with hold_slot():  # nested: the same slot
                await script("first check")
                await script("second check")

    first = asyncio.create_task(checked())
    await asyncio.sleep(0.01)
    other = asyncio.create_task(script("other solution's script"))
    await asyncio.gather(first, other)
    assert order == ["script", "first check", "second check", "other solution's script"]
    assert SLOTS.running == 0


def test_set_max_parallel_rejects_non_positive():
    with pytest.raises(ValueError, match="positive"):
        set_max_parallel(0)
