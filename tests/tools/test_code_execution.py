"""The code runner keeps every script inside the run's budget, one slow candidate from starving the
rest, and the solutions' phases from eating the ensemble's share; an ensemble becomes the submission
over a solution's script only beyond the fold noise."""

from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

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


GIVEN_OOF = """\
import os
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
y = pd.read_csv('./input/train.csv')['target'].to_numpy()
oof = np.load('./given/oof.npy')
test = pd.read_csv('./input/test.csv')
os.makedirs('./artifacts', exist_ok=True)
os.makedirs('./submission', exist_ok=True)
np.save('./artifacts/oof.npy', oof)
np.save('./artifacts/test_pred.npy', np.full(len(test), 0.5))
pd.DataFrame({'id': test['id'], 'target': 0.5}).to_csv('./submission/submission.csv', index=False)
print(f'Final Validation Performance: {roc_auc_score(y, oof):.6f}')
"""


@pytest.mark.parametrize("ensemble_factor", [1.0, 0.0])
def test_an_ensemble_replaces_the_best_solution_by_its_own_noise_factor(tmp_path, ensemble_factor):
    root = make_binary_task(tmp_path / "task")
    train = pd.read_csv(root / "public" / "train.csv")
    y = train["target"].to_numpy()
    signal = pd.read_csv(root / "public" / "extra.csv").set_index("id").loc[train["id"], "signal"].to_numpy()
    base = train["x1"].to_numpy()
    folds = [v for _, v in StratifiedKFold(5, shuffle=True, random_state=42).split(base, y.astype(str))]
    # Better on one fold, a little worse on another: a higher pooled score, well within the fold noise.
    nudged = base.copy()
    nudged[folds[0]] += 0.4 * (y[folds[0]] - 0.5)
    nudged[folds[1]] -= 0.15 * (y[folds[1]] - 0.5)
    assert roc_auc_score(y, nudged) > roc_auc_score(y, base)
    arrays = {}
    for name, values in {"base": base, "nudged": nudged, "signal": signal}.items():
        arrays[name] = tmp_path / f"{name}.npy"
        np.save(arrays[name], values)

    settings = Settings(time_budget_s=120, runs_dir=tmp_path / "runs", max_parallel=1,
                        ensemble_noise_factor=ensemble_factor)
    run = open_run(root, settings)
    try:
        def execute(phase, name):
            return asyncio.run(run.runner.execute(GIVEN_OOF, solution_id="s1" if phase != "ensemble" else "ensemble",
                                                  phase=phase, label=name,
                                                  extra_files={"given/oof.npy": arrays[name]}))

        solution = execute("candidate", "base")
        within = execute("ensemble", "nudged")
        assert within.ok and within.score > solution.score
        log = (run.folder.root / "log.txt").read_text()
        if ensemble_factor:
            assert run.runner.best.id == solution.id
            assert f"attempt {solution.id} stays the submission" in log and "within 1 x its fold noise" in log
        else:  # a better cross-fitted score is enough, and the log still gives its gain and noise
            assert run.runner.best.id == within.id
            assert f"(gain +" in log and f"it replaces attempt {solution.id}" in log
        clear = execute("ensemble", "signal")
        assert run.runner.best.id == clear.id
    finally:
        run.close()
