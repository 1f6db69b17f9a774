"""The whole MLE-STAR graph with the offline engine on a bundled task: every phase leaves its trace
and the final choice is never worse than the best initial candidate."""

from __future__ import annotations

import asyncio
import json

import pytest

from machine_learning_engineering.bundled_tasks import build_task
from machine_learning_engineering.cli import run_agent
from machine_learning_engineering.config import Settings
from machine_learning_engineering.task import check_submission, grade, load_task


def test_offline_run_goes_through_every_phase(tmp_path):
    task_dir = build_task("wine-cultivar", tmp_path / "tasks")
    # One pass of a 3-fold split: repeating it (tests/offline_composer) would triple every script's time here. One
    # inner plan and one ensemble round leave every trace below (tests/sub_agents/test_boundary.py runs two of each).
    settings = Settings(num_solutions=2, num_candidates=2, outer_steps=1, extra_outer_steps=0, inner_steps=1,
                        small_data_repeats=1, n_folds=3,
                        ensemble_rounds=1, time_budget_s=400, script_timeout_s=120, runs_dir=tmp_path / "runs")
    run_dir = tmp_path / "run"
    final = asyncio.run(run_agent(task_dir, settings, run_dir))
    task = load_task(task_dir)

    assert final and not final["problems"]
    assert check_submission(run_dir / "submission.csv", task) == []
    assert 0.0 <= grade(run_dir / "submission.csv", task) <= 1.0

    log = (run_dir / "log.txt").read_text()
    for trace in ("retrieved models:", "ranking:", "merge with", "ablation:", "chosen block:", "inner plan 1",
                  "ensemble round 1", "final submission from"):
        assert trace in log, f"the log lacks {trace!r}"
    report = (run_dir / "report.md").read_text()
    assert "## Solution s1" in report and "## Solution s2" in report and "## Ensemble" in report

    attempts = [json.loads(line) for line in (run_dir / "journal.jsonl").read_text().splitlines()]
    candidates = [a["score"] for a in attempts if a["phase"] == "candidate" and a["score"] is not None]
    assert len(candidates) >= 2
    assert final["score"] >= max(candidates)  # f1_macro: higher is better
    for attempt in attempts:
        assert (run_dir / attempt["workspace"] / "solution.py").exists()

    # How the wall time went: scripts ran for at least the longest attempt, and the planned steps ended
    # before the 400 s budget, so part of it is reported unused.
    use = json.loads((run_dir / "run.json").read_text())["time_use"]
    assert max(a["duration_s"] for a in attempts) <= use["scripts_s"] <= use["wall_s"]
    assert use["outside_scripts_share"] == pytest.approx(1 - use["scripts_s"] / use["wall_s"], abs=1e-3)
    assert use["unused_budget_share"] == pytest.approx((400 - use["wall_s"]) / 400, abs=1e-3) and \
        use["unused_budget_share"] > 0
    assert "time use: scripts ran during" in log
