"""Several event streams of one agent, run at once: how a solution's candidates share free cores.

An orchestrator's step is one async generator of ADK events. `interleave` runs several such streams
concurrently and yields their events as they come. Each stream waits until its event has been taken
(the runner has applied its state delta) before it goes on, as ADK's ParallelAgent does, so a
stream that stores a prompt in session state and then calls its LLM agent finds the prompt there.
"""

from __future__ import annotations

import asyncio
from typing import AsyncGenerator, AsyncIterator, Sequence

from google.adk.events import Event

_DONE = object()


async def interleave(streams: Sequence[AsyncIterator[Event]]) -> AsyncGenerator[Event, None]:
    """Yields the events of `streams`, run concurrently, in the order they come. A stream that raises
    ends alone: the others run to their end, so their work is not lost, and then its exception is raised.

    Raises:
        Exception: the first exception a stream raised, once every stream has ended.
    """
    if len(streams) == 1:
        async for event in streams[0]:
            yield event
        return
    queue: asyncio.Queue = asyncio.Queue()

    async def pump(stream: AsyncIterator[Event]) -> None:
        try:
            async for event in stream:
                taken = asyncio.Event()
                await queue.put((event, taken))
                await taken.wait()
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            await queue.put((exc, None))
            return
        await queue.put((_DONE, None))

    tasks = [asyncio.ensure_future(pump(stream)) for stream in streams]
    running, failure = len(tasks), None
    try:
        while running:
            item, taken = await queue.get()
            if item is _DONE:
                running -= 1
            elif isinstance(item, Exception):
                running -= 1
                failure = failure or item
            else:
                yield item
                taken.set()
        if failure is not None:
            raise failure
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
