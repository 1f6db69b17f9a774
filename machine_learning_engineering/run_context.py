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
from .record.exchanges import ExchangeLog
from .record.run_folder import RunFolder
from .sandbox import Sandbox
from .state import RUN_DIR
from .task import Task, load_task, profile_task
from .task.brief import make_brief
from .tools.code_execution import Budget, CodeRunner

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

    @property
    def budget(self) -> Budget:
        """The whole run's budget (ensemble and submission)."""
        return self.runner.budget

    @property
    def solution_budget(self) -> Budget:
        """What the solutions' phases may use: the budget less the ensemble's reserve."""
        return self.runner.solution_budget

    def close(self) -> None:
        """Frees what the run holds (the sandbox's data snapshot) and forgets it."""
        self.runner.sandbox.close()
        _RUNS.pop(str(self.folder.root), None)


_RUNS: dict[str, RunContext] = {}


def open_run(task_dir: Path | str, settings: Settings, run_dir: Optional[Path] = None) -> RunContext:
    """Loads and checks the task, creates the run folder and sandbox, and registers the run.

    Raises:
        TaskError: the task folder is malformed (the message says what to fix).
    """
    task = load_task(task_dir)
    folder = RunFolder(run_dir) if run_dir else RunFolder.create(settings.runs_dir, task.name)
    catalog = load_catalog(settings.model_cards_dirs)
    sandbox = Sandbox(task.data_dir, cache_dir=folder.root / ".sandbox", max_parallel=settings.max_parallel,
                      cores_per_run=settings.cores_per_run, memory_limit_mb=settings.memory_limit_mb,
                      isolation=settings.isolation,
                      hidden_paths=(task.answers_file.parent,) if task.answers_file else ())
    # The ensemble combines saved predictions in seconds, but only if the solutions leave it time.
    combines = settings.ensemble_rounds > 0 and settings.num_solutions * settings.num_candidates > 1
    runner = CodeRunner(task, folder, sandbox, Budget(settings.time_budget_s), settings.script_timeout_s,
                        settings.candidate_time_share,
                        settings.ensemble_time_share * settings.time_budget_s if combines else 0.0)
    brief = make_brief(task, profile_task(task), n_folds=settings.n_folds, seed=settings.seed)
    run = RunContext(settings=settings, task=task, brief=brief, folder=folder, runner=runner, catalog=catalog,
                     exchanges=ExchangeLog(folder.root, settings.max_cost_usd))
    folder.write_json("run.json", {"task": str(task.root), "task_name": task.name, "status": "running",
                                   "settings": settings.to_dict(), "brief": brief})
    folder.log(f"run folder {folder.root}")
    folder.log(f"task {task.name}: {task.task_kind}, metric {task.metric.name} "
               f"({'higher' if task.metric.higher_is_better else 'lower'} is better, from {task.metric_source})")
    _RUNS[str(folder.root)] = run
    return run


def get_run(state: Mapping[str, Any]) -> Optional[RunContext]:
    """The live run named by the session state, or None before the task is loaded."""
    run_dir = state.get(RUN_DIR)
    return _RUNS.get(str(run_dir)) if run_dir else None
