"""The code runner keeps every script inside the run's budget, one slow candidate from starving the
rest, and the solutions' phases from eating the ensemble's share."""

from __future__ import annotations

import asyncio

from machine_learning_engineering.config import Settings
from machine_learning_engineering.run_context import open_run

from ..graph_fixtures import make_binary_task

SLOW = "import time\ntime.sleep(60)\nprint('Final Validation Performance: 1')\n"


def test_each_phase_runs_within_its_share_of_the_budget(tmp_path):
    settings = Settings(time_budget_s=20, candidate_time_share=0.3, ensemble_time_share=0.25,
                        runs_dir=tmp_path / "runs", max_parallel=3)
    run = open_run(make_binary_task(tmp_path / "task"), settings)
    try:
        async def all_phases():
            return await asyncio.gather(*(run.runner.execute(SLOW, solution_id="s1", phase=phase, label="slow")
                                          for phase in ("candidate", "refine", "ensemble")))

        candidate, refinement, ensemble = asyncio.run(all_phases())
    finally:
        run.close()
    assert all(a.timed_out for a in (candidate, refinement, ensemble))
    assert 6.0 <= candidate.duration_s < 8.0  # 30% of 20 s
    # The solutions' phases stop where the ensemble's 25% begins, less the final reserve (20 - 5 - 5 s)...
    assert 9.0 <= refinement.duration_s < 11.5
    # ... and the ensemble may use the rest of the budget (20 - 5 s), never the 600 s script time-out.
    assert 13.5 <= ensemble.duration_s < 16.5
    assert run.solution_budget.exhausted and run.budget.exhausted
    assert run.runner.best is None and not (run.folder.root / "submission.csv").exists()
