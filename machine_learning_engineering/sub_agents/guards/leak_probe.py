"""The dynamic leakage check: a script runs again with the test set's feature values shuffled, and
when its validation score moves, the score depends on the test set (clusters, neighbours or
components found among train and test rows together, group statistics over both, pseudo-labels...)
and the attempt does not count.

Each feature column of the test tables is permuted on its own (ids, row count and the sample
submission stay as they are), so every column keeps its values and scripts still run, while the test
rows are no longer real. A clean script validates on training rows only and prints the same score.
A permutation keeps each column's values as a whole, so what only sees those (a scaler, an encoder,
ranks or counts fitted on train and test) is not changed and not caught here: that is the static
checker's part.

When it runs (see `vet`), so that the cost is one more run of a probed script (two when its score
moved): every initial candidate that succeeds, before it counts; and every other attempt that would
become the run's best submission, before it is promoted, so the submission has been probed while
the budget still has time for it (`final_verdict` tells the submitter the verdict).

On a training table of more than twice `PROBE_TRAIN_ROWS` rows, that one run would cost as much as
the attempt (minutes on 100k rows, on every candidate). There the probe runs the script twice on the
same `PROBE_TRAIN_ROWS` training rows instead, once with the real test tables and once with the
shuffled ones, and compares those two scores: a score that reads the test rows moves as it does on
the whole table, at a fraction of the cost.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Mapping, Optional

import numpy as np
import pandas as pd

from ...record.journal import Attempt
from ...run_context import RunContext
from ...sandbox import ExecutionResult, Sandbox, hold_slot
from ...task import Task
from ...task.inventory import file_kind
from ...task.tables import TABLE_KINDS, read_table
from ...tools.code_execution import MIN_USEFUL_TIMEOUT_S, Budget
from ...tools.script_output import reused_fit_seconds

# Relative (and 1e-12 absolute, for scores near 0). Re-running one computation differs by float noise
# (2e-16 in the tests' PCA case); leaks move scores by far more (kNN distances 7e-4, k-means
# distances 1e-2 on the tests' task), and scripts print 4 decimals or more. A script whose score
# varies between runs is caught by the confirming rerun, not by a wider tolerance.
SCORE_TOLERANCE = 1e-6
# A probe run may take this many times the attempt's own run, plus MIN_USEFUL_TIMEOUT_S.
PROBE_TIME_FACTOR = 2.0
# The probe copies the data: more than this would take a noticeable share of a short budget.
MAX_DATA_BYTES = 2 << 30
# Training rows the probe's two runs see where the training table has more than twice as many, so that
# both cost less than one run on the whole table.
PROBE_TRAIN_ROWS = 5000
# Rows of each class such a cut keeps (all of a rarer class), so that stratified folds still split it.
MIN_CLASS_ROWS = 20
# A cut run's time limit scales with its share of the rows, but not below this share: it still reads
# and predicts the whole test set. On two 100k-row dev tables a cut run took 4-15% of its candidate's
# time (`eval/bench/reports/2026-12-07-dev-probe-cut-1core`).
CUT_COST_FLOOR = 0.1
SHUFFLED_DIR = "shuffled-input"
REAL_DIR = "real-input"
PROBE_DIR = "leak-probe"

_TEST_TOKEN = re.compile(r"(^|[^a-z])test([^a-z]|$)")


@dataclass(frozen=True)
class ProbeVerdict:
    """What the probe found for one script.

    Attributes:
        outcome: "clean" (the same score with shuffled test features), "leak" (the score moved, and a
            rerun on the real data gave the first score again), "inconclusive" (no score to compare:
            a probe run failed, or the script's score varies between runs on the same data) or
            "skipped" (not probed: time is short, the data is too large to copy, nothing to shuffle,
            or an ensemble).
        detail: one line for the run log.
        failure: the attempt's failure when the outcome is "leak", else None.
    """

    outcome: str
    detail: str
    failure: Optional[str] = None

    @property
    def counts(self) -> bool:
        """Whether the attempt may count (everything but a leak)."""
        return self.failure is None


async def vet(run: RunContext, phase: str, code: str, attempt: Attempt,
              extra_files: Optional[Mapping[str, Path]] = None) -> Optional[str]:
    """The failure the probe gives a script that ran and scored (`attempt`), or None when it
    counts. Probes every candidate, and any other attempt that would become the run's best."""
    if phase != "candidate":
        best = run.runner.best
        if not run.runner.is_better(attempt.score, best.score if best else None):
            return None
    verdict = await probe_for(run).check(run, code, name=Path(attempt.workspace).name, phase=phase,
                                         score=attempt.score, duration_s=_cost_s(run, attempt),
                                         time_limit_s=attempt.time_limit_s, budget=run.runner.budget_for(phase),
                                         extra_files=extra_files)
    return verdict.failure


async def final_verdict(run: RunContext) -> Optional[ProbeVerdict]:
    """The verdict on the run's submission (`run.runner.best`): the one it had when promoted, else a
    probe now when time allows (a submission fix, say). None when there is no submission or the
    leakage checks are off. The run's last probe: the shuffled data copy is deleted afterwards."""
    best = run.runner.best
    if best is None or not run.settings.check_leakage:
        return None
    try:
        return await probe_attempt(run, best, budget=run.budget)
    finally:
        release(run)


async def probe_attempt(run: RunContext, attempt: Attempt, budget: Optional[Budget] = None) -> ProbeVerdict:
    """Probes a recorded, successful attempt with the code in its workspace (within `budget`, by
    default its phase's)."""
    code = (run.folder.workspace_of(attempt) / "solution.py").read_text(encoding="utf-8")
    return await probe_for(run).check(run, code, name=Path(attempt.workspace).name, phase=attempt.phase,
                                      score=attempt.score, duration_s=_cost_s(run, attempt),
                                      time_limit_s=attempt.time_limit_s,
                                      budget=budget or run.runner.budget_for(attempt.phase))


def _cost_s(run: RunContext, attempt: Attempt) -> float:
    """How long the attempt's script takes without the run's cache: its own run, plus the fits it reused
    from earlier scripts, which a probe run makes again."""
    return attempt.duration_s + reused_fit_seconds(run.folder.stdout_of(attempt))


def release(run: RunContext) -> None:
    """Frees what the run's probe holds (its sandbox's snapshot and the shuffled data copy); a later
    probe prepares them again."""
    probe = _PROBES.pop(run.folder.root, None)
    if probe is not None:
        probe.close()


def probe_for(run: RunContext) -> "LeakProbe":
    """The run's probe (one per run folder)."""
    probe = _PROBES.get(run.folder.root)
    if probe is None:
        probe = _PROBES[run.folder.root] = LeakProbe(run.runner.sandbox.cache_dir)
    return probe


class LeakProbe:
    """One run's probe: the shuffled copy of the task data, made on first use, and the sandbox that
    shows it to scripts; `cache_dir` is the run's sandbox cache (inside the run folder)."""

    def __init__(self, cache_dir: Path) -> None:
        self.data_dir = cache_dir / SHUFFLED_DIR
        self.real_dir = cache_dir / REAL_DIR
        self.work_dir = cache_dir / PROBE_DIR
        self._lock = asyncio.Lock()
        self._sandbox: Optional[Sandbox] = None
        # Where the training table is cut (see the module's docstring): the real test tables beside the
        # cut, and (rows kept, rows in the table).
        self._real_sandbox: Optional[Sandbox] = None
        self._cut: Optional[tuple[int, int]] = None
        self._unusable: Optional[str] = None
        self._verdicts: dict[str, ProbeVerdict] = {}

    async def check(self, run: RunContext, code: str, *, name: str, phase: str, score: float,
                    duration_s: float, budget: Budget, time_limit_s: Optional[float] = None,
                    extra_files: Optional[Mapping[str, Path]] = None) -> ProbeVerdict:
        """Probes one script that scored `score` in `duration_s` and logs the verdict; `name` names
        its probe workspaces (the attempt's workspace name). Its probe runs are told the time limit it
        was told (`time_limit_s`, when known) rather than their own shorter one: fits that stop at
        their share of the time (boosting rounds, epochs) would otherwise stop earlier there, and
        the score would move with no leak."""
        key = hashlib.sha256(code.encode("utf-8")).hexdigest()
        if key in self._verdicts:
            verdict = self._verdicts[key]
            detail = f"{verdict.detail} (the same script was probed before)"
        else:
            verdict = await self._probe(run, code, name, phase, score, duration_s, time_limit_s, budget,
                                        extra_files or {})
            if verdict.outcome in ("clean", "leak"):
                self._verdicts[key] = verdict
            detail = verdict.detail
        run.folder.log(f"leak probe of {name}: {detail}")
        return verdict

    def close(self) -> None:
        for sandbox in (self._sandbox, self._real_sandbox):
            if sandbox is not None:
                sandbox.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        shutil.rmtree(self.real_dir, ignore_errors=True)

    async def _probe(self, run: RunContext, code: str, name: str, phase: str, score: float, duration_s: float,
                     time_limit_s: Optional[float], budget: Budget, extra_files: Mapping[str, Path]) -> ProbeVerdict:
        if phase == "ensemble":
            return ProbeVerdict("skipped", "not probed: an ensemble's validation score comes from its members' "
                                           "saved predictions")
        why_not = await self._prepare(run)
        if why_not is not None:
            return ProbeVerdict("skipped", f"not probed: {why_not}")
        share = 1.0 if self._cut is None else max(self._cut[0] / self._cut[1], CUT_COST_FLOOR)
        limit = PROBE_TIME_FACTOR * duration_s * share + MIN_USEFUL_TIMEOUT_S
        runs = 1 if self._cut is None else 2
        left = budget.timeout_for(float("inf"))
        if left < 2 * runs * limit:  # the probe never takes more than half of the time left
            each = "a probe run" if runs == 1 else f"each of its {runs} probe runs"
            return ProbeVerdict("skipped", f"not probed: time is short ({each} may take {limit:.0f} s, "
                                           f"{left:.0f} s are left)")
        # All the probe's runs take one slot, one after another: the vetted script's, when it holds one.
        async with hold_slot():
            return await self._compare(run, code, name, score, limit, time_limit_s, budget, extra_files)

    async def _compare(self, run: RunContext, code: str, name: str, score: float, limit: float,
                       time_limit_s: Optional[float], budget: Budget, extra_files: Mapping[str, Path]) -> ProbeVerdict:
        """The verdict from the probe's runs, each within `limit` seconds."""
        assert self._sandbox is not None

        def probe_run(sandbox: Sandbox, kind: str, shared_cache: bool = True) -> Awaitable[tuple[Optional[float], str]]:
            return _run(sandbox, code, self.work_dir / f"{name}-{kind}", budget, limit, run.runner.script_timeout_s,
                        extra_files, shared_cache=shared_cache, told_limit_s=time_limit_s)

        # The score to compare with: the attempt's own, or the script's on the cut training rows.
        real_sandbox, on_rows = run.runner.sandbox, ""
        if self._real_sandbox is not None and self._cut is not None:
            real_sandbox, on_rows = self._real_sandbox, f" on {self._cut[0]:,} of the {self._cut[1]:,} training rows"
            score, why = await probe_run(real_sandbox, "real")
            if score is None:
                return ProbeVerdict("inconclusive", f"inconclusive: no score{on_rows} ({why})")
        shuffled, why = await probe_run(self._sandbox, "shuffled")
        if shuffled is None:
            return ProbeVerdict("inconclusive", f"inconclusive: no score with shuffled test features{on_rows} "
                                                f"({why})")
        if _same(score, shuffled):
            return ProbeVerdict("clean", f"clean: {score:.6g} with shuffled test features too{on_rows}")
        # Ruling out a script whose score varies between runs on the same data: computed afresh, as the
        # shuffled run was (the probe's sandboxes have no feature cache), not from what earlier scripts cached.
        again, why = await probe_run(real_sandbox, "rerun", shared_cache=False)
        first, moved = _pair(score, shuffled)
        if again is None or not _same(score, again):
            seen = f"no score on a rerun with the real data ({why})" if again is None else \
                f"{_pair(score, again)[1]} on a rerun with the real data: the score varies between runs"
            return ProbeVerdict("inconclusive", f"inconclusive: {first}, {moved} with shuffled test features"
                                                f"{on_rows}, but {seen}")
        failure = f"validation score depends on the test set: {first} vs {moved} with shuffled test features{on_rows}"
        return ProbeVerdict("leak", f"LEAK: {failure} (a rerun on the real data gave {first} again)", failure)

    async def _prepare(self, run: RunContext) -> Optional[str]:
        """Makes the data copies and their sandboxes, once; returns why the probe cannot run, or None."""
        async with self._lock:
            if self._sandbox is None and self._unusable is None:
                self._unusable = await asyncio.to_thread(self._make_copies, run)
                if self._unusable is None:
                    self._sandbox = self._sandbox_for(run, self.data_dir, self.work_dir)
                    if self._cut is not None:
                        self._real_sandbox = self._sandbox_for(run, self.real_dir, self.work_dir / "real")
            return self._unusable

    @staticmethod
    def _sandbox_for(run: RunContext, data_dir: Path, cache_dir: Path) -> Sandbox:
        """A sandbox like the run's, on a copy of the data, with no feature cache."""
        main = run.runner.sandbox
        return Sandbox(data_dir, cache_dir=cache_dir, max_parallel=run.settings.max_parallel,
                       cores_per_run=main.cores_per_run, memory_limit_mb=main.memory_limit_mb,
                       output_cap_kb=main.output_cap_kb, isolation=main.isolation, extra_env=main.extra_env,
                       hidden_paths=main.hidden_paths)

    def _make_copies(self, run: RunContext) -> Optional[str]:
        task = run.task
        size = sum(f.size_bytes for f in task.files)
        if size > MAX_DATA_BYTES:
            reason = f"the data ({size / 2**30:.1f} GiB) is too large to copy for the probe"
        else:
            try:
                cut = cut_training_rows(task, run.settings.seed)
                rows = None if cut is None else cut[0]
                shuffled = write_probe_copy(task, self.data_dir, run.settings.seed, train_rows=rows)
                reason = None if shuffled else "the test tables hold no feature column to shuffle"
                if reason is None and cut is not None:
                    write_probe_copy(task, self.real_dir, run.settings.seed, train_rows=rows, shuffle=False)
                    self._cut = (len(cut[0]), cut[1])
            except Exception as exc:  # noqa: BLE001 - the probe is off for this run, the run goes on
                shuffled, reason = [], f"the shuffled copy of the data could not be made ({exc})"
        if reason:
            run.folder.log(f"leak probe: {reason}")
        else:
            seen = "" if self._cut is None else (
                f"; probe runs see {self._cut[0]:,} of the {self._cut[1]:,} rows of {task.train_file.as_posix()}, "
                f"with the real and with the shuffled test features")
            run.folder.log(f"leak probe: shuffled copy of the data in {self.data_dir} ({', '.join(shuffled)}){seen}")
        return reason


def cut_training_rows(task: Task, seed: int) -> Optional[tuple[np.ndarray, int]]:
    """The rows of the training table (in file order) that the probe's runs see, with the table's row
    count; None when they see all of it: it has at most twice `PROBE_TRAIN_ROWS` rows, or it is not a
    plain table. A class keeps its share of the rows, and at least `MIN_CLASS_ROWS` (or all it has)."""
    if task.train_listing is not None or task.form is not None or file_kind(task.train_file.name) not in TABLE_KINDS \
            or not task.train_target_columns:
        return None
    labels = read_table(task.train_path, columns=[task.train_target_columns[0]], as_text=True).iloc[:, 0]
    n = len(labels)
    if n <= 2 * PROBE_TRAIN_ROWS:
        return None
    rng = np.random.default_rng(seed)
    if task.task_kind in ("binary", "multiclass") and len(task.train_target_columns) == 1:
        groups = [np.flatnonzero((labels == level).to_numpy()) for level in labels.unique()]
        kept = [rng.choice(g, min(len(g), max(MIN_CLASS_ROWS, round(PROBE_TRAIN_ROWS * len(g) / n))), replace=False)
                for g in groups]
        return np.sort(np.concatenate(kept)), n
    return np.sort(rng.choice(n, PROBE_TRAIN_ROWS, replace=False)), n


def write_probe_copy(task: Task, dest: Path, seed: int, train_rows: Optional[np.ndarray] = None,
                     shuffle: bool = True) -> list[str]:
    """Copies the task's data files to `dest` (replacing it) with each feature column of the test
    tables permuted on its own (unless `shuffle` is False), and only the `train_rows` of the training
    table when given; returns the tables shuffled, each with its number of columns shuffled. The
    task's data is only read."""
    keep = {*task.id_columns, *task.target_columns, *task.train_target_columns}
    tables = set(shuffled_tables(task)) if shuffle else set()
    rng = np.random.default_rng(seed)
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shuffled = []
    for data_file in task.files:
        source, target = task.data_dir / data_file.path, partial / data_file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if data_file.path in tables:
            columns = _write_shuffled_table(source, target, keep, rng)
            if columns:
                shuffled.append(f"{data_file.path.as_posix()}: {columns} columns")
        elif train_rows is not None and data_file.path == task.train_file:
            _write_table(read_table(source, as_text=_as_text(source)).iloc[train_rows], target)
        else:
            shutil.copyfile(source, target)
    shutil.rmtree(dest, ignore_errors=True)
    partial.rename(dest)
    return shuffled


def shuffled_tables(task: Task) -> list[Path]:
    """The tables that hold test rows: the task's test file and every table named as a test one
    (e.g. test_identity.csv beside test_transaction.csv)."""
    named = [f.path for f in task.files if f.kind in TABLE_KINDS and f.path != task.sample_submission_file
             and _TEST_TOKEN.search(f.path.name.lower()) and "train" not in f.path.name.lower()]
    return [task.test_file, *(p for p in named if p != task.test_file)]


def _write_shuffled_table(source: Path, target: Path, keep: set[str], rng: np.random.Generator) -> int:
    frame = read_table(source, as_text=_as_text(source))
    columns = [c for c in frame.columns if c not in keep] if len(frame) > 1 else []
    for column in columns:
        frame[column] = frame[column].to_numpy()[rng.permutation(len(frame))]
    _write_table(frame, target)
    return len(columns)


def _as_text(path: Path) -> bool:
    # Text keeps every value exactly as written (ids with leading zeros, "NA", number formats); parquet and
    # JSON keep their types.
    return file_kind(path.name) not in ("parquet", "json", "jsonl")


def _write_table(frame: pd.DataFrame, target: Path) -> None:
    kind = file_kind(target.name)
    if kind == "parquet":
        frame.to_parquet(target, index=False)
    elif kind in ("json", "jsonl"):
        frame.to_json(target, orient="records", lines=kind == "jsonl")
    else:
        frame.to_csv(target, index=False, sep="\t" if kind == "tsv" else ",")


async def _run(sandbox: Sandbox, code: str, workspace: Path, budget: Budget, limit: float, cap: float,
               extra_files: Mapping[str, Path], shared_cache: bool = True,
               told_limit_s: Optional[float] = None) -> tuple[Optional[float], str]:
    """(score, "") of one probe run, or (None, why there is none); the script is told `told_limit_s`
    as its time limit when given (see `LeakProbe.check`)."""
    timeout = min(limit, budget.timeout_for(cap))
    if timeout < MIN_USEFUL_TIMEOUT_S:
        return None, "the time budget is exhausted"
    await asyncio.to_thread(shutil.rmtree, workspace, True)  # left by an earlier process on this run
    result = await sandbox.run(code, workspace, timeout_s=timeout, deadline=budget.deadline(),
                               extra_files=dict(extra_files), shared_cache=shared_cache,
                               told_limit_s=told_limit_s)
    return (result.score, "") if result.failure is None else (None, result.failure)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=SCORE_TOLERANCE, abs_tol=1e-12)


def _pair(a: float, b: float) -> tuple[str, str]:
    """Both scores with as many digits as it takes to tell them apart (6 at least)."""
    digits = next((d for d in range(6, 18) if f"{a:.{d}g}" != f"{b:.{d}g}"), 17)
    return f"{a:.{digits}g}", f"{b:.{digits}g}"


_PROBES: dict[Path, LeakProbe] = {}
