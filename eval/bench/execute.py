"""Runs one system on one task as a subprocess: same cores, a hard wall-clock stop, the wall time measured.

Every system gets the same limits: its process (and every process it starts) is pinned to the same
`cores` CPUs and told to use that many threads through the usual variables (with passive OpenMP
waiting, see `limited_environment`); it runs in its own process
group, which is killed at `budget + grace` seconds and again when the leader exits, so no stray worker
outlives its turn and slows the next system.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "LOKY_MAX_CPU_COUNT")
KILL_WAIT_S = 10.0


@dataclass(frozen=True)
class ExecutionResult:
    """How a system's process ended.

    Attributes:
        returncode: the exit status (negative: killed by that signal).
        wall_s: seconds from start to exit, as the harness measured them.
        timed_out: killed at the hard stop.
        log: file holding the process's stdout and stderr.
    """

    returncode: int
    wall_s: float
    timed_out: bool
    log: Path


def available_cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))


def limited_environment(cores: int, base: Optional[Mapping[str, str]] = None,
                        extra: Optional[Mapping[str, str]] = None, drop: Sequence[str] = ()) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    for name in drop:
        env.pop(name, None)
    env.update({name: str(cores) for name in THREAD_VARIABLES})
    # Spinning OpenMP threads make LightGBM ~10x slower whenever another process holds a core (seen here:
    # 40 s instead of 2.4 s on digits); passive waiting costs next to nothing on an idle machine.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    env["MPLBACKEND"] = "Agg"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def run_limited(command: Sequence[str], *, cwd: Path, env: Mapping[str, str], cores: int, hard_limit_s: float,
                log: Path, cpus: Optional[Sequence[int]] = None) -> ExecutionResult:
    """Runs `command` pinned to `cpus` (default: the first `cores` CPUs), killing its process group
    after `hard_limit_s`."""
    cpus = list(cpus) if cpus else available_cpus()[:max(1, cores)]

    def pin() -> None:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, cpus)

    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as out:
        out.write(f"$ {' '.join(map(str, command))}\n")
        out.flush()
        started = time.monotonic()
        process = subprocess.Popen([str(c) for c in command], cwd=cwd, env=dict(env), stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                   preexec_fn=pin)
        timed_out = False
        try:
            process.wait(timeout=hard_limit_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=KILL_WAIT_S)
            except subprocess.TimeoutExpired:
                _kill_group(process.pid, signal.SIGKILL)
                process.wait()
        wall_s = time.monotonic() - started
        _kill_group(process.pid, signal.SIGKILL)
        if timed_out:
            out.write(f"\n[bench] killed at the hard stop after {wall_s:.1f} s\n")
    return ExecutionResult(process.returncode, wall_s, timed_out, log)


def _kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
