"""Extra outer steps start only when the time left covers a step as long as the previous one."""

from __future__ import annotations

import time
from types import SimpleNamespace

from machine_learning_engineering.state import RefinementStep, SolutionState
from machine_learning_engineering.sub_agents.refinement.refinement import _time_for_another_step
from machine_learning_engineering.tools.code_execution import Budget


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
