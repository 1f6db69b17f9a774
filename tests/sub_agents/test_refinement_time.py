"""Extra outer steps start only when the time left covers a step as long as the previous one, and no step
starts with too little time for a script like the solution's last one."""

from __future__ import annotations

import asyncio
import json
import time
from types import SimpleNamespace

from machine_learning_engineering.cli import run_agent
from machine_learning_engineering.config import Settings
from machine_learning_engineering.record.journal import Attempt
from machine_learning_engineering.run_context import too_little_time_for
from machine_learning_engineering.state import RefinementStep, SolutionState
from machine_learning_engineering.sub_agents.refinement.refinement import _time_for_another_step
from machine_learning_engineering.tools import code_execution
from machine_learning_engineering.tools.code_execution import Budget, last_script_s
from tests.graph_fixtures import make_binary_task


def _run(seconds: float, elapsed: float, reserve: float = 0.0) -> SimpleNamespace:
    budget = Budget(seconds, started=time.monotonic() - elapsed)
    return SimpleNamespace(budget=budget, solution_budget=budget.less(reserve))


def test_another_step_fits_only_in_the_time_left():
    solution = SolutionState(id="s1", steps=[RefinementStep(block="model", started_s=100.0, done=True)])
    # The last step took 60 s (100 -> 160 s into the run).
    assert _time_for_another_step(_run(300, elapsed=160), solution)  # 140 s left
    assert not _time_for_another_step(_run(300, elapsed=250), solution)  # 50 s left
    # The ensemble's reserve is not the solutions' to spend: 300 - 60 - 180 = 60 s left, then 40 s.
    assert _time_for_another_step(_run(300, elapsed=180, reserve=60), SolutionState(
        id="s1", steps=[RefinementStep(block="model", started_s=130.0, done=True)]))
    assert not _time_for_another_step(_run(300, elapsed=200, reserve=60), SolutionState(
        id="s1", steps=[RefinementStep(block="model", started_s=140.0, done=True)]))


def _journal_run(seconds: float, elapsed: float, attempts: list[Attempt]) -> SimpleNamespace:
    budget = Budget(seconds, started=time.monotonic() - elapsed)
    return SimpleNamespace(runner=SimpleNamespace(solution_budget=budget),
                           folder=SimpleNamespace(journal=SimpleNamespace(read=lambda: attempts)))


def _ran(i: int, phase: str, seconds: float, solution_id: str = "s1") -> Attempt:
    return Attempt(id=i, solution_id=solution_id, phase=phase, label=phase, workspace=f"attempts/{i}",
                   duration_s=seconds)


def test_a_plan_needs_half_the_time_its_solutions_last_script_took():
    attempts = [_ran(1, "candidate", 30.0), _ran(2, "refine", 200.0), _ran(3, "ablation", 900.0),
                _ran(4, "refine", 0.0), _ran(5, "refine", 400.0, solution_id="s2")]
    # s1's last pipeline script is the 200 s plan: the study ran it several times, attempt 4 did not run,
    # and the 400 s script is s2's.
    assert last_script_s(attempts, "s1") == 200.0
    assert not too_little_time_for(_journal_run(600, 480, attempts), "s1")  # 120 s left: over half of 200
    assert too_little_time_for(_journal_run(600, 520, attempts), "s1")  # 80 s left
    assert too_little_time_for(_journal_run(600, 480, attempts), "s2")  # 120 s left, under half of 400
    assert not too_little_time_for(_journal_run(600, 590, []), "s1")  # nothing ran yet: nothing to go by


def test_a_run_whose_solutions_had_too_little_time_left_ends_refinement_and_says_so(tmp_path, monkeypatch):
    # Any time left is too little when a plan needs a million times its last script: every solution's
    # refinement ends before its first plan, on a real run.
    monkeypatch.setattr(code_execution, "MIN_SHARE_OF_LAST_SCRIPT", 1e6)
    task_dir = make_binary_task(tmp_path / "task")
    settings = Settings(num_solutions=2, num_candidates=2, outer_steps=1, inner_steps=2, ensemble_rounds=1,
                        small_data_repeats=1, n_folds=3, time_budget_s=150, script_timeout_s=60,
                        runs_dir=tmp_path / "runs", isolation="none")
    run_dir = tmp_path / "run"
    final = asyncio.run(run_agent(task_dir, settings, run_dir))

    assert final is not None and not final["problems"], final
    phases = [json.loads(line)["phase"] for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    assert "candidate" in phases and "refine" not in phases and "ablation" not in phases
    log = (run_dir / "log.txt").read_text(encoding="utf-8")
    for sid in ("s1", "s2"):
        assert f"[{sid}] refinement ends: " in log and "too little for a script like its last one" in log
    assert "the solutions' share of it was spent after 0 of 4 planned refinement steps" in log
