"""Runs a script for the agents: sandboxed, journaled, and promoted to the run's submission when
it is the best valid one so far."""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Awaitable, Callable, Mapping, Optional

from ..record.events import EventLog
from ..record.journal import Attempt
from ..record.resume import ExecutionCache, execution_key
from ..record.run_folder import RunFolder
from ..sandbox import ExecutionResult, Sandbox, hold_slot
from ..task import Task, check_submission
from .keep_rule import KeepRule
from .score_check import CHECKED_PHASES, check_attempt

# Seconds kept back at the end of the budget for choosing and checking the final submission.
FINAL_RESERVE_S = 5.0
# A script given less time than this would only produce a time-out.
MIN_USEFUL_TIMEOUT_S = 5.0


# A check of an attempt that ran and scored: the reason it does not count, or None.
Vet = Callable[[Attempt], Awaitable[Optional[str]]]

# Phases that develop the solutions; they leave the ensemble's share of the budget untouched.
SOLUTION_PHASES = ("candidate", "merge", "ablation", "refine")
# Scripts that run a solution's whole pipeline once (an ablation study runs it several times over).
PIPELINE_PHASES = ("candidate", "merge", "refine")
# A solution's next plan or study starts only with at least this share of the time its last script took:
# with less, its fits are cut short and its score misjudges the plan. In 91 dev runs at 300-900 s, 30 of 377
# plans started with less time than their solution's last script had taken; none of them was kept, and 22 had
# less than half.
MIN_SHARE_OF_LAST_SCRIPT = 0.5
# Phases whose scripts wait for that share.
SHARE_WAITING_PHASES = ("ablation", "refine")


def last_script_s(attempts: list[Attempt], solution_id: str) -> Optional[float]:
    """Seconds the solution's latest pipeline script in `attempts` (a journal) ran; None before any ran."""
    ran = [a for a in attempts if a.solution_id == solution_id and a.phase in PIPELINE_PHASES and a.duration_s > 0]
    return ran[-1].duration_s if ran else None


def least_start_s(attempts: list[Attempt], solution_id: str) -> float:
    """The least time the solution's next plan or study should start with: MIN_SHARE_OF_LAST_SCRIPT of its
    last script's (0 before any ran)."""
    took = last_script_s(attempts, solution_id)
    return MIN_SHARE_OF_LAST_SCRIPT * took if took else 0.0


class Budget:
    """A wall-clock budget; every phase asks it how long the next script may take. A halted
    budget (the cost budget is spent) has no time left, for every phase that shares its clock."""

    def __init__(self, seconds: float, started: Optional[float] = None, _halts: Optional[list[str]] = None) -> None:
        self.seconds = seconds
        self.started = time.monotonic() if started is None else started
        self._halts = [] if _halts is None else _halts

    def less(self, seconds: float) -> "Budget":
        """The same clock with `seconds` held back at the end (for a later phase)."""
        return Budget(self.seconds - seconds, started=self.started, _halts=self._halts)

    def halt(self, reason: str) -> None:
        """Ends the budget now, for this budget and every one sharing its clock."""
        if not self._halts:
            self._halts.append(reason)

    @property
    def halted(self) -> Optional[str]:
        """Why the budget was halted, or None."""
        return self._halts[0] if self._halts else None

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float:
        return 0.0 if self._halts else self.seconds - self.elapsed()

    def deadline(self) -> float:
        """The `time.monotonic()` value by which every script must have ended."""
        return self.started + self.seconds - FINAL_RESERVE_S

    def timeout_for(self, cap_s: float) -> float:
        return max(0.0, min(cap_s, self.remaining() - FINAL_RESERVE_S))

    @property
    def exhausted(self) -> bool:
        return self.timeout_for(float("inf")) < MIN_USEFUL_TIMEOUT_S


class CodeRunner:
    """Executes scripts in the sandbox and keeps the best valid submission of the run.

    `cache` holds the executions an earlier process on this run completed (a resumed run): those
    are handed back instead of run again. `events` receives every journaled attempt and new best.
    `keep_rule` decides when a script replaces the one it would improve (default: any better score),
    the run's best submission included."""

    def __init__(self, task: Task, folder: RunFolder, sandbox: Sandbox, budget: Budget,
                 script_timeout_s: float, candidate_share: float = 1.0, ensemble_reserve_s: float = 0.0,
                 cache: Optional[ExecutionCache] = None, events: Optional[EventLog] = None,
                 keep_rule: Optional[KeepRule] = None) -> None:
        self.task = task
        self.folder = folder
        self.sandbox = sandbox
        self.budget = budget
        self.solution_budget = budget.less(ensemble_reserve_s)
        self.script_timeout_s = script_timeout_s
        self.candidate_share = candidate_share
        self.cache = cache
        self.events = events if events is not None else EventLog(None, budget)
        self.keep_rule = keep_rule or KeepRule(task, folder, n_folds=2, seed=0, factor=0.0)
        self.best: Optional[Attempt] = None
        self._best_lock = asyncio.Lock()

    async def execute(self, code: str, *, solution_id: str, phase: str, label: str,
                      parent: Optional[int] = None, extra_files: Optional[Mapping[str, Path]] = None,
                      promote: bool = True, exchange: Optional[str] = None, vet: Optional[Vet] = None,
                      not_run: Optional[str] = None) -> Attempt:
        """Runs one script and records it. Never raises for a failing script: the failure is in
        the returned attempt.

        Args:
            vet: a last check of a script that ran and scored, before it is recorded and can be
                promoted (the leak probe); the reason it returns voids the attempt.
            not_run: records the script as failed for this reason without running it (a leak
                that was found and not repaired, say).
        """
        key = execution_key(code, solution_id, phase, extra_files or {})
        earlier = self.cache.take(key) if self.cache is not None else None
        if earlier is not None:
            self.folder.log(f"{_describe(earlier)} (reused: it completed before the resume)")
            if promote and earlier.ok and earlier.submission_ok:
                await self._promote_if_best(earlier, code)
            return earlier
        attempt_id = self.folder.journal.new_id()
        workspace = self.folder.new_workspace(attempt_id, solution_id, phase)
        attempt = Attempt(id=attempt_id, solution_id=solution_id, phase=phase, label=label,
                          workspace=str(workspace.relative_to(self.folder.root)), parent=parent, exchange=exchange,
                          code_key=key)
        budget = self.budget_for(phase)
        cap = self.script_timeout_s
        if phase == "candidate":
            cap = min(cap, max(MIN_USEFUL_TIMEOUT_S, self.candidate_share * self.budget.seconds))
        timeout = budget.timeout_for(cap)
        if not_run is None and timeout < MIN_USEFUL_TIMEOUT_S:
            not_run = "not run: the time budget is exhausted"
        if not_run is not None:
            (workspace / "solution.py").write_text(code, encoding="utf-8")
            attempt.failure = not_run
        else:
            # A vetted script keeps its slot until the vet is done: the probe runs that check it follow
            # it, rather than queueing behind the other solutions' scripts and holding its own back.
            async with hold_slot() if vet is not None else contextlib.nullcontext():
                # Waiting for a free slot eats into the budget, so the script's deadline is the budget's.
                result = await self.sandbox.run(code, workspace, timeout_s=timeout, deadline=budget.deadline(),
                                                extra_files=dict(extra_files or {}),
                                                min_start_s=least_start_s(self.folder.journal.read(), solution_id)
                                                if phase in SHARE_WAITING_PHASES else 0.0)
                _copy_result(result, attempt)
                if attempt.ok and phase in CHECKED_PHASES:
                    await self._check_score(attempt, workspace)
                if attempt.ok and vet is not None:
                    failure = await vet(attempt)
                    if failure is not None:
                        attempt.failure, attempt.score = failure, None
            if attempt.ok and promote:
                self._check_submission(attempt, workspace)
        self.folder.journal.append(attempt)
        self.events.attempt(attempt)
        self.folder.log(_describe(attempt))
        if promote and attempt.ok and attempt.submission_ok:
            await self._promote_if_best(attempt, code)
        return attempt

    def restore_best(self) -> Optional[Attempt]:
        """Makes the best valid attempt of the journal the run's submission again (after a crash the
        submission file and best/ may be from different attempts, if the process died between them)."""
        valid = [a for a in self.folder.journal.read() if a.ok and a.submission_ok
                 and (self.folder.workspace_of(a) / "submission" / "submission.csv").exists()]
        for attempt in valid:
            if self._beats_best(attempt):
                self.best = attempt
        if self.best is not None:
            code = (self.folder.workspace_of(self.best) / "solution.py").read_text(encoding="utf-8")
            self.folder.promote(self.best, code)
        return self.best

    def budget_for(self, phase: str) -> Budget:
        """The budget a phase's scripts run under: the solutions' phases leave the ensemble its share."""
        return self.solution_budget if phase in SOLUTION_PHASES else self.budget

    def is_better(self, score: Optional[float], than: Optional[float]) -> bool:
        """Whether `score` beats `than` under the task's metric (None never beats anything)."""
        if score is None:
            return False
        return than is None or self.task.metric.is_better(score, than)

    async def _check_score(self, attempt: Attempt, workspace: Path) -> None:
        """Voids an attempt whose printed score its saved out-of-fold predictions do not give."""
        check = await asyncio.to_thread(check_attempt, self.task, workspace, attempt.score)
        attempt.host_score = check.host_score
        if check.failure is not None:
            attempt.failure = f"score check: {check.failure}"
        elif check.unchecked is not None:
            self.folder.log(f"attempt {attempt.id}: score not checked by the host: {check.unchecked}")

    def _check_submission(self, attempt: Attempt, workspace: Path) -> None:
        path = workspace / "submission" / "submission.csv"
        if not path.exists():
            attempt.submission_ok = False
            attempt.submission_problems = ["the script wrote no ./submission/submission.csv"]
            return
        try:
            problems = check_submission(path, self.task)
        except Exception as exc:  # an unreadable file is a format problem, not a crash of the run
            problems = [f"the submission could not be read: {exc}"]
        attempt.submission_ok = not problems
        attempt.submission_problems = list(problems)

    async def _promote_if_best(self, attempt: Attempt, code: str) -> None:
        async with self._best_lock:
            if self._beats_best(attempt):
                self.folder.promote(attempt, code)
                self.best = attempt
                self.events.best(attempt)
                self.folder.log(f"new best submission: attempt {attempt.id} ({attempt.solution_id} "
                                f"{attempt.phase}: {attempt.label}) score {attempt.score:.6g}")

    def _beats_best(self, attempt: Attempt) -> bool:
        """Whether `attempt` replaces the run's best submission: by the keep rule, so a script (a
        plan its solution did not keep, or an ensemble) must beat the best by more than the fold noise
        (an ensemble: its own factor, `KeepRule.factor_for`)."""
        previous = self.best
        verdict = self.keep_rule.judge(attempt, previous)
        if attempt.phase == "ensemble" and previous is not None and previous.phase != "ensemble" and verdict.gain:
            if verdict.better:
                self.folder.log(f"ensemble attempt {attempt.id} scores {attempt.score:.6g} against the best "
                                f"solution's {previous.score:.6g} {verdict.note()}: it replaces attempt {previous.id}")
            elif verdict.within_noise:
                self.folder.log(f"ensemble attempt {attempt.id} scores {attempt.score:.6g}, better than the best "
                                f"solution's {previous.score:.6g} but {verdict.note()}: "
                                f"attempt {previous.id} stays the submission")
        return verdict.better


def _copy_result(result: ExecutionResult, attempt: Attempt) -> None:
    attempt.score = result.score
    attempt.failure = result.failure
    attempt.duration_s = round(result.duration_s, 3)
    attempt.timed_out = result.timed_out
    attempt.memory_exceeded = result.memory_exceeded
    attempt.time_limit_s = result.time_limit_s


def _describe(attempt: Attempt) -> str:
    where = f"attempt {attempt.id} [{attempt.solution_id} {attempt.phase}] {attempt.label}"
    if attempt.ok:
        note = "" if attempt.submission_ok in (True, None) else \
            f" (submission rejected: {'; '.join(attempt.submission_problems)[:300]})"
        return f"{where}: score {attempt.score:.6g} in {attempt.duration_s:.1f}s{note}"
    return f"{where}: FAILED ({attempt.failure})"
