"""A running script and everything it started: measured and killed as one.

The script leads its own process group (and session). Its members are found in /proc: every
process of that group or session, plus every descendant of a member. Every member ever seen is
remembered (with its start time, so a reused pid is not mistaken for it): a child that left the
group and was orphaned is still killed, provided a scan saw it once (the watchdog scans every
0.2 s, and every signal is preceded by a scan). Outside bubblewrap the leader is the launcher,
whose reaper (itself as a child subreaper, or PID 1 of its namespace) adopts every orphan, so
orphans stay descendants while it lives (see `launcher`).

Killing stops every member first (SIGSTOP, repeated until a scan finds none still running), then
sends SIGKILL: a stopped process cannot fork and none exits, so a fork bomb cannot outrun the
kill and no child is orphaned out of sight meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import NamedTuple

_PAGE = os.sysconf("SC_PAGE_SIZE")
# How long a kill may spend stopping members (one in uninterruptible sleep never stops).
FREEZE_S = 1.0


class _Row(NamedTuple):
    ppid: int
    pgrp: int
    session: int
    resident: int
    state: str
    threads: int
    start: int


class ProcessGroup:
    """The processes of one script run, led by `leader` (a pid that called setsid)."""

    def __init__(self, leader: int) -> None:
        self.leader = leader
        self.peak_bytes = 0
        self.tasks = 0  # processes and threads at the last scan: each takes a pid
        self._seen: dict[int, int] = {}  # pid -> start time of every member seen

    def members(self) -> dict[int, int]:
        """Live member pid -> resident bytes (zombies excluded)."""
        return {pid: row.resident for pid, row in self._live().items()}

    def _live(self) -> dict[int, _Row]:
        table = _process_table()
        chosen = {pid for pid, row in table.items()
                  if self.leader in (row.pgrp, row.session, pid) or self._seen.get(pid) == row.start}
        children: dict[int, list[int]] = {}
        for pid, row in table.items():
            children.setdefault(row.ppid, []).append(pid)
        stack = [self.leader, *chosen]  # the descendants of every member, whichever session they joined
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in chosen:
                    chosen.add(child)
                    stack.append(child)
        live = {pid: table[pid] for pid in chosen if pid in table and table[pid].state != "Z"}
        self._seen.update((pid, row.start) for pid, row in live.items())
        self.tasks = sum(row.threads for row in live.values())
        return live

    def memory_bytes(self, limit_bytes: int = 0) -> int:
        """Memory the run uses: the sum of resident sizes, or, when several processes may share
        pages (forked data-loader workers would be counted many times) and the sum is above
        `limit_bytes`, the sum of their proportional sizes."""
        members = self.members()
        total = sum(members.values())
        if len(members) > 1 and total > limit_bytes:
            total = min(total, _proportional_bytes(members))
        self.peak_bytes = max(self.peak_bytes, total)
        return total

    async def watch(self, limit_bytes: int, max_tasks: int, interval_s: float = 0.2) -> str:
        """Returns, after killing the run, why: "processes" once it has more than `max_tasks`
        processes and threads, "memory" once it uses more than `limit_bytes`."""
        while True:
            used = self.memory_bytes(limit_bytes)
            if self.tasks > max_tasks:
                reason = "processes"
                break
            if used > limit_bytes:
                reason = "memory"
                break
            await asyncio.sleep(interval_s)
        self.kill()
        return reason

    def send(self, sig: int) -> None:
        """Signals the group and every member found outside it."""
        members = self.members()  # before the signal: a dying parent orphans its children
        _signal_group(self.leader, sig)
        for pid in members:
            _signal_pid(pid, sig)

    def kill(self) -> None:
        """Stops every member, then SIGKILLs them all."""
        deadline = time.monotonic() + FREEZE_S
        while time.monotonic() < deadline:
            running = [pid for pid, row in self._live().items() if row.state not in ("T", "t")]
            if not running:
                break
            _signal_group(self.leader, signal.SIGSTOP)
            for pid in running:
                _signal_pid(pid, signal.SIGSTOP)
        self.send(signal.SIGKILL)

    async def terminate(self, grace_s: float) -> None:
        """SIGTERM, then a kill of whatever is left after `grace_s` seconds."""
        self.send(signal.SIGTERM)
        deadline = asyncio.get_running_loop().time() + grace_s
        while self.members() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        self.kill()


def _process_table() -> dict[int, _Row]:
    """A row for every process we can read."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                raw = f.read()
        except OSError:  # it exited while we looked
            continue
        # The command name may hold spaces and parentheses; the fields after its last ")" do not.
        fields = raw[raw.rindex(b")") + 2:].split()
        table[int(entry.name)] = _Row(int(fields[1]), int(fields[2]), int(fields[3]), int(fields[21]) * _PAGE,
                                      fields[0].decode(), int(fields[17]), int(fields[19]))
    return table


def _proportional_bytes(members: dict[int, int]) -> int:
    """Sum of proportional set sizes; a process whose PSS cannot be read counts its resident size."""
    total = 0
    for pid, resident in members.items():
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                pss = next((int(line.split()[1]) * 1024 for line in f if line.startswith(b"Pss:")), resident)
        except (OSError, ValueError, IndexError):
            pss = resident
        total += pss
    return total


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _signal_pid(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
