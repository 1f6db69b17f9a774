"""The live objects of a run (task, sandbox, run folder, catalog) that cannot live in session state.

Session state holds only JSON; it names the run folder, and `get_run(state)` finds the run's live
objects in this process-wide registry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

from .config import Settings
from .knowledge import Catalog, load_catalog
from .record.events import EventLog, subscribed
from .record.exchanges import ExchangeLog
from .record.resume import ExecutionCache, read_resume_point, run_record
from .record.run_folder import RUN_RECORD, RunFolder
from .sandbox import Sandbox, busy_seconds
from .state import RUN_DIR
from .task import Task, load_task, profile_task
from .task.metrics import format_score
from .task.brief import make_brief
from .tools.code_execution import Budget, CodeRunner, least_start_s
from .tools.keep_rule import KeepRule

logger = logging.getLogger("mle_star")


@dataclass
class RunContext:
    """Everything one run's agents share besides session state."""

    settings: Settings
    task: Task
    brief: dict[str, Any]
    folder: RunFolder
    runner: CodeRunner
    catalog: Catalog
    exchanges: ExchangeLog
    scripts_busy_at_open: float = 0.0
    """The process's script clock (`sandbox.busy_seconds`) when the run opened."""

    @property
    def budget(self) -> Budget:
        """The whole run's budget (ensemble and submission)."""
        return self.runner.budget

    @property
    def events(self) -> EventLog:
        """The run's events, for `settings.events_file` and the listeners subscribed where it was opened."""
        return self.runner.events

    @property
    def solution_budget(self) -> Budget:
        """What the solutions' phases may use: the budget less the ensemble's reserve."""
        return self.runner.solution_budget

    def time_use(self) -> dict[str, float]:
        """How this process spent the run's wall time: seconds elapsed, seconds during which at least one
        script ran, the share of wall time outside generated code (orchestration overhead) and the share of
        the budget left unused. Runs sharing the process at the same time share the script clock."""
        wall = self.budget.elapsed()
        scripts = min(busy_seconds() - self.scripts_busy_at_open, wall)
        return {"wall_s": round(wall, 2), "scripts_s": round(scripts, 2),
                "outside_scripts_share": round(1.0 - scripts / wall, 4) if wall > 0 else 0.0,
                "unused_budget_share": round(max(0.0, self.budget.seconds - wall) / self.budget.seconds, 4)}

    def close(self) -> None:
        """Frees what the run holds (the sandbox's data snapshot) and forgets it."""
        self.runner.sandbox.close()
        self.runner.events.close()
        self.folder.close()
        _RUNS.pop(str(self.folder.root), None)


_RUNS: dict[str, RunContext] = {}


def open_run(task_dir: Path | str, settings: Settings, run_dir: Optional[Path] = None,
             resume: bool = False) -> RunContext:
    """Loads and checks the task, creates the run folder and sandbox, and registers the run.

    With `resume`, `run_dir` is an earlier run's folder: its completed executions and model answers
    are reused (see `record.resume`), and its best submission stands until a better one comes.

    Raises:
        TaskError: the task folder is malformed (the message says what to fix).
        RunFolderError: `run_dir` is in use by another process, or holds an earlier run and
            `resume` is off.
    """
    task = load_task(task_dir)
    if run_dir is not None and not resume:
        RunFolder.check_new(run_dir)
    point = read_resume_point(run_dir) if resume and run_dir is not None else None
    folder = RunFolder(run_dir) if run_dir else RunFolder.create(settings.runs_dir, task.name)
    catalog = load_catalog(settings.model_cards_dirs)
    sandbox = Sandbox(task.data_dir, cache_dir=folder.root / ".sandbox", max_parallel=settings.max_parallel,
                      cores_per_run=settings.cores_per_run, memory_limit_mb=settings.memory_limit_mb,
                      isolation=settings.isolation,
                      hidden_paths=(task.answers_file.parent,) if task.answers_file else (),
                      feature_cache=folder.root / ".sandbox" / "features")
    # The ensemble combines saved predictions in seconds, but only if the solutions leave it time.
    combines = settings.ensemble_rounds > 0 and settings.num_solutions * settings.num_candidates > 1
    cache = ExecutionCache(folder.journal.read()) if resume else None
    budget = Budget(settings.time_budget_s)
    profile = profile_task(task)
    n_rows = profile.get("train", {}).get("n_rows")
    n_folds = settings.folds_for(n_rows, [c["n_unique"] for c in profile.get("columns", [])
                                          if c["role"] == "categorical"])
    n_columns = {"multiclass": profile.get("target", {}).get("n_classes", 1),
                 "multilabel": len(task.target_columns)}.get(task.task_kind, 1)
    # A form's predictions are not one per training row (pixels, tokens): its ensemble keeps the whole share.
    ensemble_reserve_s = (settings.ensemble_reserve_for(n_rows if task.form is None else None, n_columns)
                          if combines else 0.0)
    runner = CodeRunner(task, folder, sandbox, budget, settings.script_timeout_s, settings.candidate_time_share,
                        ensemble_reserve_s, cache=cache,
                        events=EventLog(settings.events_file, budget, listeners=subscribed()),
                        keep_rule=KeepRule(task, folder, n_folds, settings.seed, settings.keep_noise_factor,
                                           settings.ensemble_noise_factor))
    brief = make_brief(task, profile, n_folds=n_folds, seed=settings.seed,
                       n_repeats=settings.small_data_repeats, repeat_max_rows=settings.small_data_rows,
                       refit_min_rows=settings.refit_rows)
    run = RunContext(settings=settings, task=task, brief=brief, folder=folder, runner=runner, catalog=catalog,
                     exchanges=ExchangeLog(folder.root, settings.max_cost_usd), scripts_busy_at_open=busy_seconds())
    if point is not None:
        earlier = folder.read_json(RUN_RECORD) or {}
        # The budget this process spends counts from now; the earlier processes' use stays on record.
        folder.write_json(RUN_RECORD, {**earlier, **run_record(point.used_s + settings.time_budget_s, point.used_s),
                                       "resumed": int(earlier.get("resumed", 0)) + 1})
        best = runner.restore_best()
        folder.log(f"resumed run {folder.root}: {len(cache)} completed executions and "
                   f"{run.exchanges.replayable} model answers to reuse; best so far: "
                   + (f"attempt {best.id} score {format_score(best.score)}" if best else "none"))
    else:
        folder.write_json(RUN_RECORD, {"task": str(task.root), "task_name": task.name,
                                       **run_record(settings.time_budget_s),
                                       "settings": settings.to_dict(), "brief": brief})
        folder.log(f"run folder {folder.root}")
    folder.log(f"task {task.name}: {task.task_kind}, metric {task.metric.name} "
               f"({'higher' if task.metric.higher_is_better else 'lower'} is better, from {task.metric_source})")
    run.events.run_started(task, settings, folder.root, resumed=point is not None)
    _RUNS[str(folder.root)] = run
    return run


def too_little_time_for(run: RunContext, solution_id: str) -> bool:
    """Whether the solutions' time left is under what the solution's next plan should start with
    (`code_execution.least_start_s`), so that its fits would be cut short."""
    return run.runner.solution_budget.remaining() < least_start_s(run.folder.journal.read(), solution_id)


def get_run(state: Mapping[str, Any]) -> Optional[RunContext]:
    """The live run named by the session state, or None before the task is loaded."""
    run_dir = state.get(RUN_DIR)
    return _RUNS.get(str(run_dir)) if run_dir else None
