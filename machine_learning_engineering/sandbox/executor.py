"""Runs every script the agent writes: confined, within its time, memory and process count, with a
clean environment, without blocking the event loop, and with the task data checked after every run.

What each isolation does and does not protect is stated in `confinement`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Mapping, Optional, Sequence

from . import concurrency
from .capture import OutputCapture
from .confinement import HIDDEN_READABLE_WARNING, confined_command, resolve_isolation
from .environment import FEATURE_CACHE_VARIABLE, HOME_DIR, TIME_LIMIT_VARIABLE, TMP_DIR, scrubbed_environment
from .input_guard import InputGuard, Verdict, Visit
from .process import ProcessGroup
from .result import NOT_STARTED, ExecutionResult, score_failure

logger = logging.getLogger(__name__)

INPUT_NAME = "input"
STDOUT_FILE = "stdout.txt"
STDERR_FILE = "stderr.txt"
OUTPUT_FILE_CAP_BYTES = 5 << 20
SNAPSHOT_NAME = "input-snapshot"
# Seconds between SIGTERM and SIGKILL for a script past its time limit.
KILL_GRACE_S = 2.0
# Seconds to wait for the output pipes to close once the script is gone.
PIPE_DRAIN_S = 2.0
# The data-segment limit, a backstop for allocations faster than the watchdog's polling, relative to
# the memory limit. RLIMIT_AS would be wrong: torch and OpenMP reserve far more address space than
# they use.
DATA_LIMIT_FACTOR = 1.5

_RESERVED = {INPUT_NAME, STDOUT_FILE, STDERR_FILE, HOME_DIR, TMP_DIR}

_MEMORY_ERROR_RE = re.compile(r"(?:^|[\s.:])(?:_ArrayMemoryError|MemoryError)\b|std::bad_alloc|"
                              r"Cannot allocate memory", re.MULTILINE)


@dataclass
class _Outcome:
    returncode: Optional[int]
    duration_s: float
    timed_out: bool
    memory_exceeded: bool
    processes_exceeded: bool
    stdout: OutputCapture
    stderr: OutputCapture
    peak_bytes: int
    start_error: Optional[str] = None


def _not_started(stdout: OutputCapture, stderr: OutputCapture, why: str) -> _Outcome:
    stdout.close()
    stderr.close()
    return _Outcome(None, 0.0, False, False, False, stdout, stderr, 0, start_error=why)


class _ScriptProtocol(asyncio.SubprocessProtocol):
    """Feeds the script's output to its captures as it arrives (they bound the memory used, so
    there is no need for flow control) and tells when the script exited, which a process that
    escaped the group cannot delay by holding the pipes open."""

    def __init__(self, loop: asyncio.AbstractEventLoop, stdout: OutputCapture, stderr: OutputCapture) -> None:
        self.exited: asyncio.Future[None] = loop.create_future()
        self.drained: asyncio.Future[None] = loop.create_future()
        self._captures = {1: stdout, 2: stderr}
        self._open = {1, 2}

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self._captures[fd].feed(data)

    def pipe_connection_lost(self, fd: int, exc: Optional[Exception]) -> None:
        self._open.discard(fd)
        if not self._open and not self.drained.done():
            self.drained.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)


class Sandbox:
    """Runs Python scripts against one task's data.

    Every script runs with the project's own interpreter (`sys.executable`) in its workspace, where
    the task data appears as `input/` while it runs: under bubblewrap the data itself, bound
    read-only; otherwise a symlink to a private snapshot of it kept in `cache_dir/input-snapshot`
    (read-only under "unshare"), restored whenever a script changes it. Either way, a run that
    changed the data fails with `input_modified`. `confinement` says what else each isolation
    protects, and what it does not.

    Args:
        data_dir: the task's data folder; never written.
        cache_dir: where the sandbox may keep the data snapshot (created when first needed).
        max_parallel: scripts running at once in this process, shared by all sandboxes; the last
            value set wins (see `concurrency.set_max_parallel`).
        cores_per_run: threads each script may use (OMP/BLAS/torch thread variables).
        memory_limit_mb: memory of a script and its children before they are killed.
        max_processes: processes and threads (each takes a pid) a script and its children may
            have at once before they are killed: a fork bomb must not exhaust the machine's pids.
        output_cap_kb: kept tail of stdout and of stderr in the result.
        isolation: "auto" (bubblewrap when it works here, else "unshare" when user namespaces
            work, else "none", with one warning), "bwrap", "unshare" (each required) or "none".
        extra_env: variables added to the scripts' allowlisted environment, with explicit values.
        hidden_paths: folders scripts must not read (e.g. the task's private answers); under
            "bwrap" and "unshare" each appears empty. Under "none" they stay readable (a warning
            says so).
        feature_cache: a folder every script may read and write (named by MLE_STAR_FEATURE_CACHE in
            its environment), where the scripts of one run keep features costly to compute; None
            for no such folder.

    Raises:
        ValueError: a limit is not positive, isolation is unknown, or "bwrap" or "unshare" was
            asked for and does not work here.
        FileNotFoundError: `data_dir` is not a folder.
    """

    def __init__(self, data_dir: Path, *, cache_dir: Path, max_parallel: int = 2, cores_per_run: int = 1,
                 memory_limit_mb: int = 4096, max_processes: int = 1024, output_cap_kb: int = 64,
                 isolation: str = "auto",
                 extra_env: Optional[Mapping[str, str]] = None, hidden_paths: Sequence[Path] = (),
                 feature_cache: Optional[Path] = None) -> None:
        for name, value in (("max_parallel", max_parallel), ("cores_per_run", cores_per_run),
                            ("memory_limit_mb", memory_limit_mb), ("max_processes", max_processes),
                            ("output_cap_kb", output_cap_kb)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        data_dir = Path(data_dir)
        if not data_dir.is_dir():
            raise FileNotFoundError(f"the task data folder {data_dir} does not exist or is not a folder")
        self.data_dir = data_dir.resolve()
        self.cache_dir = Path(cache_dir).absolute()
        self.cores_per_run = cores_per_run
        self.memory_limit_mb = memory_limit_mb
        self.max_processes = max_processes
        self.output_cap_kb = output_cap_kb
        self.extra_env = dict(extra_env or {})
        self.hidden_paths = tuple(Path(p).resolve() for p in hidden_paths)
        self.feature_cache = None
        if feature_cache is not None:
            Path(feature_cache).mkdir(parents=True, exist_ok=True)
            self.feature_cache = Path(feature_cache).resolve()
        scrubbed_environment(cores_per_run, self.cache_dir, self.extra_env)  # validates extra_env now
        self.isolation = resolve_isolation(isolation)
        if self.isolation == "none" and self.hidden_paths:
            logger.warning(HIDDEN_READABLE_WARNING, ", ".join(map(str, self.hidden_paths)))
        snapshot = None if self.isolation == "bwrap" else self.cache_dir / SNAPSHOT_NAME
        self._guard = InputGuard.shared(self.data_dir, snapshot)
        concurrency.set_max_parallel(max_parallel)

    @property
    def input_dir(self) -> Path:
        """The folder scripts see as `input/`: the data itself, or its snapshot."""
        return self._guard.exposed_dir

    def close(self) -> None:
        """Deletes the data snapshot, if any (a later run makes a new one)."""
        if self._guard.snapshot_dir is not None:
            self._guard.close()

    async def run(self, code: str, workspace: Path, *, timeout_s: float, script_name: str = "solution.py",
                  extra_files: Optional[Mapping[str, Path]] = None,
                  deadline: Optional[float] = None, shared_cache: bool = True,
                  told_limit_s: Optional[float] = None, min_start_s: float = 0.0) -> ExecutionResult:
        """Writes `code` to `workspace/script_name` and runs it there. Never raises for a failing
        script: the failure is in the result.

        Args:
            code: the Python source.
            workspace: the script's folder, created if missing; it keeps the script's files and
                `stdout.txt`/`stderr.txt` (the full output, up to 5 MiB each).
            timeout_s: seconds the script may run (waiting for a free slot does not count).
            script_name: file name of the script, relative to the workspace.
            extra_files: name in the workspace -> file or folder, copied in before the run (copies,
                so a script cannot change another attempt's artifacts).
            deadline: `time.monotonic()` value by which the script must have ended, whatever it
                waited for a free slot (a run's overall budget); past it, the script is not started.
            shared_cache: whether the script may use the feature cache; False computes everything
                afresh (a rerun that must not take an earlier script's results).
            told_limit_s: the time limit the script is told (MLE_STAR_TIME_LIMIT_S), when it is not
                its timeout: a rerun of an earlier script is told that script's limit, so the fits it
                sizes to its time stop where they stopped before.
            min_start_s: the least time worth starting the script with; when the wait for a free slot
                leaves less before the deadline, it is not started.

        Raises:
            ValueError: a non-positive timeout, or a name that is absolute, leaves the workspace or
                is reserved (input, stdout.txt, stderr.txt, .home, .tmp); a workspace inside the
                data folder or holding it.
            FileNotFoundError: an extra file does not exist.
        """
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s!r}")
        script = _relative_name(script_name, "script_name")
        extras = {_relative_name(name, "extra_files name"): Path(src) for name, src in (extra_files or {}).items()}
        for src in extras.values():
            if not src.exists():
                raise FileNotFoundError(f"extra file {src} does not exist")
        workspace = Path(workspace).absolute()
        self._check_workspace(workspace)

        await asyncio.to_thread(self._prepare, workspace, script, code, extras)
        outcome: Optional[_Outcome] = None
        told: Optional[float] = None
        visit = Visit()
        try:
            await asyncio.to_thread(self._guard.open)
            async with concurrency.SLOTS:
                await asyncio.to_thread(self._guard.enter, visit)
                if deadline is not None:
                    timeout_s = min(timeout_s, deadline - time.monotonic())
                if timeout_s > 0 and timeout_s >= min_start_s:
                    told = timeout_s if told_limit_s is None else told_limit_s
                    outcome = await self._execute(workspace.resolve(), script, timeout_s, told, shared_cache)
                elif timeout_s > 0:
                    outcome = _not_started(*self._captures(workspace),
                                           f"after it waited for a free slot, {timeout_s:.1f} s were left, "
                                           f"under the {min_start_s:.1f} s it needs")
                else:
                    outcome = _not_started(*self._captures(workspace),
                                           "its deadline passed while it waited for a free slot")
        finally:
            verdict = await asyncio.shield(asyncio.to_thread(self._guard.leave, visit))
            await asyncio.to_thread(_tidy, workspace)
        return self._result(workspace, outcome, verdict, timeout_s, told)

    def _check_workspace(self, workspace: Path) -> None:
        real = workspace.resolve()
        if real == self.data_dir or self.data_dir in real.parents or real in self.data_dir.parents:
            raise ValueError(f"the workspace {workspace} overlaps the task data folder {self.data_dir}; "
                             "use a workspace outside it")

    def _prepare(self, workspace: Path, script: str, code: str, extras: Mapping[str, Path]) -> None:
        workspace.mkdir(parents=True, exist_ok=True)
        _clear_input(workspace)
        for name in (HOME_DIR, TMP_DIR):
            (workspace / name).mkdir(exist_ok=True)
        for name, src in extras.items():
            dest = workspace / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dest, dirs_exist_ok=True)
            else:
                shutil.copy2(src, dest)
        path = workspace / script
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")
        if self.isolation != "bwrap":
            (workspace / INPUT_NAME).symlink_to(self._guard.exposed_dir, target_is_directory=True)

    def _captures(self, workspace: Path) -> tuple[OutputCapture, OutputCapture]:
        cap = self.output_cap_kb * 1024
        return (OutputCapture(workspace / STDOUT_FILE, cap, OUTPUT_FILE_CAP_BYTES),
                OutputCapture(workspace / STDERR_FILE, cap, OUTPUT_FILE_CAP_BYTES))

    async def _execute(self, workspace: Path, script: str, timeout_s: float, told_limit_s: float,
                       shared_cache: bool) -> _Outcome:
        data_limit = int(self.memory_limit_mb * DATA_LIMIT_FACTOR) << 20
        limit = {} if math.isinf(told_limit_s) else {TIME_LIMIT_VARIABLE: f"{told_limit_s:.1f}"}
        cache = self.feature_cache if shared_cache else None
        if cache is not None:
            limit[FEATURE_CACHE_VARIABLE] = str(cache)
        env = scrubbed_environment(self.cores_per_run, workspace, {**(self.extra_env or {}), **limit})
        command = confined_command(self.isolation, [sys.executable, script], data_limit=data_limit,
                                   workspace=workspace, input_dir=self._guard.exposed_dir,
                                   data_dir=self.data_dir, hidden=self.hidden_paths, env=env,
                                   writable=(cache,) if cache else ())
        stdout, stderr = self._captures(workspace)
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        try:
            transport, protocol = await loop.subprocess_exec(
                lambda: _ScriptProtocol(loop, stdout, stderr), *command, cwd=workspace, env=env,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            return _not_started(stdout, stderr, str(exc))
        group = ProcessGroup(transport.get_pid())
        watchdog = asyncio.create_task(group.watch(self.memory_limit_mb << 20, self.max_processes))
        timed_out = memory_exceeded = processes_exceeded = False
        try:
            deadline = started + timeout_s
            waiting = {protocol.exited, watchdog}
            while True:
                left = deadline - time.monotonic()
                done, _ = await asyncio.wait(waiting, timeout=None if math.isinf(left) else max(0.0, left),
                                             return_when=asyncio.FIRST_COMPLETED)
                if protocol.exited in done:
                    break
                if watchdog in done:
                    if watchdog.exception() is None:
                        memory_exceeded = watchdog.result() == "memory"
                        processes_exceeded = not memory_exceeded
                        await protocol.exited
                        break
                    logger.error("the watchdog of %s failed: %r", workspace, watchdog.exception())
                    waiting = {protocol.exited}
                    continue
                timed_out = True
                await group.terminate(KILL_GRACE_S)
                await protocol.exited
                break
            duration = time.monotonic() - started
        finally:
            watchdog.cancel()
            group.kill()  # whatever the script left running, or all of it when cancelled
            # A process that escaped the group may still hold the pipes: stop waiting for it.
            await asyncio.wait({protocol.drained}, timeout=PIPE_DRAIN_S)
            transport.close()
            stdout.close()
            stderr.close()
        returncode = transport.get_returncode()
        if self.isolation == "bwrap" and returncode is not None and 128 < returncode < 128 + signal.NSIG:
            returncode = 128 - returncode  # bwrap reports a child's death by signal N as 128 + N
        return _Outcome(returncode, duration, timed_out, memory_exceeded, processes_exceeded, stdout, stderr,
                        group.peak_bytes)

    def _result(self, workspace: Path, outcome: Optional[_Outcome], verdict: Verdict,
                timeout_s: float, told_limit_s: Optional[float]) -> ExecutionResult:
        assert outcome is not None
        stdout, stderr = outcome.stdout.text(), outcome.stderr.text()
        returncode = outcome.returncode
        memory_exceeded = outcome.memory_exceeded or (
            returncode not in (0, None) and not outcome.timed_out and not outcome.processes_exceeded
            and _MEMORY_ERROR_RE.search("\n".join(stderr.splitlines()[-30:])) is not None)
        if outcome.start_error is not None:
            failure: Optional[str] = f"{NOT_STARTED}: {outcome.start_error}"
        elif outcome.timed_out:
            failure = f"timed out after {timeout_s:g} s"
        elif memory_exceeded:
            failure = f"exceeded the memory limit of {self.memory_limit_mb} MiB"
        elif outcome.processes_exceeded:
            failure = f"exceeded the limit of {self.max_processes} processes and threads"
        elif returncode != 0:
            failure = _exit_failure(returncode, stderr)
        else:
            failure = score_failure(outcome.stdout.score)
        if verdict.modified:
            failure = verdict.reason() if failure is None else f"{verdict.reason()}; {failure}"
        return ExecutionResult(
            workspace=workspace, returncode=returncode, stdout_tail=stdout, stderr_tail=stderr,
            duration_s=outcome.duration_s, timed_out=outcome.timed_out, memory_exceeded=memory_exceeded,
            input_modified=verdict.modified, score=outcome.stdout.score if failure is None else None,
            failure=failure, peak_memory_mb=round(outcome.peak_bytes / (1 << 20), 1),
            time_limit_s=told_limit_s if told_limit_s is not None and math.isfinite(told_limit_s) else None)


def _exit_failure(returncode: Optional[int], stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    last = lines[-1][:300] if lines else "(no error output)"
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}: {last}"
    return f"exited with code {returncode}: {last}"


def _relative_name(name: str, what: str) -> str:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or path.parts[0] in _RESERVED \
            or str(path) == ".":
        raise ValueError(f"{what} must be a relative path inside the workspace and not one of "
                         f"{sorted(_RESERVED)}, got {name!r}")
    return str(path)


def _clear_input(workspace: Path) -> None:
    """Removes the `input` a previous run left (symlink or empty mount point)."""
    path = workspace / INPUT_NAME
    if path.is_symlink():
        path.unlink()
    elif path.is_dir() and not any(path.iterdir()):
        path.rmdir()
    elif path.exists():
        raise ValueError(f"{path} exists and is not the sandbox's; the task data appears there, "
                         "so use a fresh workspace")


def _tidy(workspace: Path) -> None:
    try:
        _clear_input(workspace)
    except (ValueError, OSError) as exc:
        logger.warning("could not remove %s: %s", workspace / INPUT_NAME, exc)
    shutil.rmtree(workspace / TMP_DIR, ignore_errors=True)
