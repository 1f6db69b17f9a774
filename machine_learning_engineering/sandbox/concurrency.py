"""One limit on the scripts running at once in this process, shared by every Sandbox.

The limit is process-wide rather than per sandbox or per event loop because the machine is: two runs
(or an ADK runner that gives each call its own loop in its own thread) must not each start a full
set of scripts. It works across event loops and threads.

The last value set wins: `set_max_parallel(n)` sets it, and so does every Sandbox constructor (with
its `max_parallel`). Raising it lets waiting scripts start at once; lowering it lets running
scripts finish. The slots also keep a clock of the time at least one script held one
(`busy_seconds`), so a run can tell how much of its wall time was spent outside generated code.
A held slot (`hold_slot`: a script and the checks that rerun it, back to back) counts as busy between
its scripts too, which is the host's brief scoring of the script.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import threading
import time
from typing import Any, AsyncIterator, Optional

# True inside `_Slots.held()`: the scripts run there use the slot already held.
_HOLDING: contextvars.ContextVar[bool] = contextvars.ContextVar("holding_a_slot", default=False)


class _Slots:
    def __init__(self, capacity: int) -> None:
        self._lock = threading.Lock()
        self._capacity = capacity
        self._running = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._busy_s = 0.0
        self._busy_since: Optional[float] = None

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def running(self) -> int:
        return self._running

    def busy_seconds(self) -> float:
        """Seconds, since the process started, during which at least one slot was held."""
        with self._lock:
            ongoing = time.monotonic() - self._busy_since if self._busy_since is not None else 0.0
            return self._busy_s + ongoing

    def _count_locked(self, change: int) -> None:
        """Changes the number of held slots and keeps the busy clock (call with the lock held)."""
        self._running += change
        if self._running > 0 and self._busy_since is None:
            self._busy_since = time.monotonic()
        elif self._running == 0 and self._busy_since is not None:
            self._busy_s += time.monotonic() - self._busy_since
            self._busy_since = None

    def set_capacity(self, capacity: int) -> None:
        with self._lock:
            self._capacity = capacity
            self._wake_locked()

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._running < self._capacity and not self._waiters:
                self._count_locked(1)
                return
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.append(future)
        try:
            await future
        except asyncio.CancelledError:
            with self._lock:
                if future in self._waiters:
                    self._waiters.remove(future)
                    raise
            # A slot was granted as we were cancelled: give it back unless `_grant` will.
            if future.done() and not future.cancelled():
                self.release()
            raise

    def release(self) -> None:
        with self._lock:
            self._count_locked(-1)
            self._wake_locked()

    def _wake_locked(self) -> None:
        while self._waiters and self._running < self._capacity:
            future = self._waiters.popleft()
            try:
                future.get_loop().call_soon_threadsafe(self._grant, future)
            except RuntimeError:  # the waiter's event loop is closed: nobody is waiting any more
                continue
            self._count_locked(1)

    def _grant(self, future: asyncio.Future[None]) -> None:
        if future.done():  # its waiter was cancelled before the grant arrived
            self.release()
        else:
            future.set_result(None)

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Holds one slot for scripts that should run back to back, one after another (a script and the
        probe runs that check it): inside, a script starts without queueing behind other work again.
        Nested, it holds nothing more."""
        if _HOLDING.get():
            yield
            return
        await self.acquire()
        token = _HOLDING.set(True)
        try:
            yield
        finally:
            _HOLDING.reset(token)
            self.release()

    async def __aenter__(self) -> None:
        if not _HOLDING.get():
            await self.acquire()

    async def __aexit__(self, *exc: Any) -> None:
        if not _HOLDING.get():
            self.release()


SLOTS = _Slots(2)


def set_max_parallel(n: int) -> None:
    """Sets how many scripts may run at once in this process (all sandboxes together).

    Raises:
        ValueError: `n` is not a positive integer.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"max_parallel must be a positive integer, got {n!r}")
    SLOTS.set_capacity(n)


def max_parallel() -> int:
    """How many scripts may run at once in this process."""
    return SLOTS.capacity


def hold_slot() -> contextlib.AbstractAsyncContextManager[None]:
    """One slot held for the scripts run inside, one after another (see `_Slots.held`)."""
    return SLOTS.held()


def busy_seconds() -> float:
    """Seconds during which at least one script of this process was running (or held its slot)."""
    return SLOTS.busy_seconds()
