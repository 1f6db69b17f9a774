"""The sentence that says why a run ended names what really stopped it."""

from __future__ import annotations

import time
from types import SimpleNamespace

from machine_learning_engineering.config import Settings
from machine_learning_engineering.record.journal import Attempt
from machine_learning_engineering.sub_agents.submitter.submitter import _why_it_ended
from machine_learning_engineering.tools.code_execution import Budget


def _run(elapsed_s: float, ensemble_reserve_s: float, attempts: list[Attempt],
         extra_outer_steps: int = 0) -> SimpleNamespace:
    budget = Budget(600, started=time.monotonic() - elapsed_s)
    settings = Settings(num_solutions=2, outer_steps=2, inner_steps=3, extra_outer_steps=extra_outer_steps)
    return SimpleNamespace(budget=budget, settings=settings,
                           runner=SimpleNamespace(solution_budget=budget.less(ensemble_reserve_s)),
                           folder=SimpleNamespace(journal=SimpleNamespace(read=lambda: attempts)))


def _attempt(i: int, phase: str, failure: str | None = None, duration_s: float = 0.0) -> Attempt:
    return Attempt(id=i, solution_id="s1", phase=phase, label=phase, workspace=f"attempts/{i}", failure=failure,
                   duration_s=duration_s)


def test_candidates_that_spent_the_solutions_share_are_not_called_every_planned_step():
    attempts = [_attempt(1, "candidate"), _attempt(2, "refine"),
                _attempt(3, "refine", "not run: the time budget is exhausted")]
    why = _why_it_ended(_run(elapsed_s=557, ensemble_reserve_s=60, attempts=attempts))
    assert why.startswith("Run ended after 557 s of its 600 s budget: the solutions' share of it was spent after "
                          "1 of 12 planned refinement steps")


def test_a_run_that_did_everything_early_says_so():
    why = _why_it_ended(_run(elapsed_s=200, ensemble_reserve_s=60, attempts=[_attempt(1, "candidate")]))
    assert "every planned step was done (3 candidates, 2 outer x 3 inner refinement steps" in why
    with_extra = _why_it_ended(_run(elapsed_s=200, ensemble_reserve_s=60, attempts=[_attempt(1, "candidate")],
                                    extra_outer_steps=2))
    assert "every planned step was done (3 candidates, 2 (+ up to 2 extra) outer x 3 inner" in with_extra
    assert "too little" in _why_it_ended(_run(elapsed_s=599, ensemble_reserve_s=60, attempts=[]))


def test_a_solution_with_too_little_time_for_its_next_script_counts_as_its_share_spent():
    # 600 - 60 reserved - 450 elapsed = 90 s left for the solutions; s1's last plan took 200 s.
    attempts = [_attempt(1, "candidate", duration_s=20.0), _attempt(2, "refine", duration_s=200.0)]
    why = _why_it_ended(_run(elapsed_s=450, ensemble_reserve_s=60, attempts=attempts))
    assert "the solutions' share of it was spent after 1 of 12 planned refinement steps" in why
    # 90 s covers half of a 150 s plan: the run ended for another reason.
    attempts[1].duration_s = 150.0
    assert "every planned step was done" in _why_it_ended(_run(elapsed_s=450, ensemble_reserve_s=60,
                                                                 attempts=attempts))
