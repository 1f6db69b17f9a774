"""Running the offline agent on a tiny stand-in, as the end-to-end tests do."""

from __future__ import annotations

import asyncio
from pathlib import Path

from machine_learning_engineering.task import check_submission, grade, load_task

# One solution of two candidates, one refinement step, one ensemble round: the whole graph, quickly.
QUICK = {"num_solutions": 1, "num_candidates": 2, "outer_steps": 1, "extra_outer_steps": 0, "inner_steps": 1,
         "small_data_repeats": 1, "ensemble_rounds": 1, "time_budget_s": 240, "script_timeout_s": 120}


def solve(task_root: Path, work: Path, **settings) -> float:
    """Runs the agent on `task_root` with the QUICK settings (`settings` override them), asserts that it
    finished with a valid submission, and returns the submission's grade."""
    from machine_learning_engineering.cli import run_agent
    from machine_learning_engineering.config import Settings

    run_dir = work / "run"
    final = asyncio.run(run_agent(task_root, Settings(**{**QUICK, "runs_dir": work / "runs", **settings}), run_dir))
    task = load_task(task_root)
    assert final and not final["problems"]
    assert check_submission(run_dir / "submission.csv", task) == []
    return grade(run_dir / "submission.csv", task)
