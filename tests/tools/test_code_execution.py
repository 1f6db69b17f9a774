"""The code runner keeps every script inside the run's budget and one slow candidate from starving the rest."""

from __future__ import annotations

import asyncio

from machine_learning_engineering.config import Settings
from machine_learning_engineering.run_context import open_run

from ..graph_fixtures import make_binary_task

SLOW = "import time\ntime.sleep(60)\nprint('Final Validation Performance: 1')\n"


def test_candidates_get_their_share_and_other_phases_the_rest_of_the_budget(tmp_path):
    settings = Settings(time_budget_s=20, candidate_time_share=0.3, runs_dir=tmp_path / "runs", max_parallel=2)
    run = open_run(make_binary_task(tmp_path / "task"), settings)
    try:
        async def both():
            return await asyncio.gather(run.runner.execute(SLOW, solution_id="s1", phase="candidate", label="slow"),
                                        run.runner.execute(SLOW, solution_id="s2", phase="refine", label="slow"))

        candidate, refinement = asyncio.run(both())
    finally:
        run.close()
    assert candidate.timed_out and 6.0 <= candidate.duration_s < 8.0  # 30% of 20 s
    # The budget less the final reserve (20 - 5 s), not the 600 s script time-out.
    assert refinement.timed_out and 13.0 <= refinement.duration_s < 16.0
    assert run.runner.best is None and not (run.folder.root / "submission.csv").exists()
