"""The paired bootstrap over test rows: real tasks, real submission files, the bench's report beside it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from eval.bench.bootstrap import advantage_interval, submissions_interval
from eval.bench.harness import BenchConfig, run_bench
from eval.bench.tasks import discover_tasks
from machine_learning_engineering.task import align_submission, grade

from .conftest import write_bench_task


def _regression_task(root: Path, n_test: int = 200):
    write_bench_task(root / "tasks" / "prices", "regression", n_train=100, n_test=n_test)
    [bench_task] = discover_tasks(root / "tasks")
    return bench_task, pd.read_csv(bench_task.root / "private" / "answers.csv")


def _submission(path: Path, answers: pd.DataFrame, error: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    answers.assign(price=answers["price"] + error).to_csv(path, index=False)
    return path


def test_an_aligned_submission_scores_any_rows_as_the_grader_scores_that_subset(tmp_path):
    bench_task, answers = _regression_task(tmp_path, n_test=40)
    error = np.random.default_rng(1).normal(0, 1, len(answers))
    whole = _submission(tmp_path / "whole.csv", answers, error)
    aligned = align_submission(whole, bench_task.task)
    assert aligned.score() == grade(whole, bench_task.task)
    rows = [3, 3, 7, 20]  # repeats count twice, as a bootstrap draw needs
    assert np.isclose(aligned.score(rows), np.sqrt(np.mean(error[rows] ** 2)))


def test_a_clearly_better_submission_has_an_interval_above_zero_and_a_one_row_difference_does_not(tmp_path):
    bench_task, answers = _regression_task(tmp_path)
    rng = np.random.default_rng(0)
    small, large = rng.normal(0, 0.5, len(answers)), rng.normal(0, 2.0, len(answers))
    good = _submission(tmp_path / "good.csv", answers, small)
    bad = _submission(tmp_path / "bad.csv", answers, large)
    low, high = submissions_interval(good, bad, bench_task, higher_is_better=False)
    assert 0 < low < high  # lower RMSE is better: the good one's advantage is positive
    assert submissions_interval(bad, good, bench_task, higher_is_better=False)[1] < 0
    nearly = _submission(tmp_path / "nearly.csv", answers, np.where(np.arange(len(answers)) == 5, 1.5, small))
    low, high = submissions_interval(nearly, good, bench_task, higher_is_better=False)
    assert low < 0 and high == 0  # worse on one row only: never better, and zero on draws without it
    aligned = align_submission(good, bench_task.task)
    assert advantage_interval(aligned, aligned, higher_is_better=False) == (0.0, 0.0)
    # Too many rows for enough draws within the rows allowed: no interval rather than a long wait.
    assert advantage_interval(aligned, aligned, higher_is_better=False, max_rows_drawn=99 * len(aligned)) is None


def test_an_invalid_submission_has_no_interval(tmp_path):
    bench_task, answers = _regression_task(tmp_path)
    good = _submission(tmp_path / "good.csv", answers, np.zeros(len(answers)))
    short = tmp_path / "short.csv"
    answers.iloc[:10].to_csv(short, index=False)
    assert submissions_interval(good, short, bench_task, higher_is_better=False) is None
    assert submissions_interval(good, tmp_path / "absent.csv", bench_task, higher_is_better=False) is None


def test_the_bench_report_counts_wins_and_losses_beyond_the_test_noise(tmp_path):
    """Recorded runs (result.json and submissions on disk) are reported with resume: the agent wins one
    task clearly, loses the other within the noise, and the report says which."""
    out = tmp_path / "out"
    for kind, n_test in (("regression", 200), ("binary", 60)):
        write_bench_task(tmp_path / "tasks" / f"tiny-{kind}", kind, n_train=100, n_test=n_test)
    rng = np.random.default_rng(2)
    for bench_task in discover_tasks(tmp_path / "tasks"):
        answers = pd.read_csv(bench_task.root / "private" / "answers.csv")
        target = bench_task.task.target_columns[0]
        truth = answers[target].to_numpy(dtype=float)
        if bench_task.name == "tiny-regression":  # the agent's errors are a quarter of the peer's
            predictions = {"mle-star": truth + rng.normal(0, 0.5, len(truth)),
                           "lightgbm": truth + rng.normal(0, 2.0, len(truth))}
        else:  # two equally noisy rankers; the agent gets the one that scores a little lower
            first, second = (np.clip(truth * 0.3 + rng.uniform(0, 0.7, len(truth)), 0, 1) for _ in range(2))
            lower, higher = sorted((first, second), key=lambda p: roc_auc_score(truth, p))
            predictions = {"mle-star": lower, "lightgbm": higher}
        for system, values in predictions.items():
            folder = out / "runs" / "15s" / bench_task.name / system
            submission = (folder / "agent" if system == "mle-star" else folder) / "submission.csv"
            submission.parent.mkdir(parents=True, exist_ok=True)
            answers.assign(**{target: values}).to_csv(submission, index=False)
            record = {"task": bench_task.name, "system": system, "budget": 15.0,
                      "metric": bench_task.task.metric.name,
                      "higher_is_better": bool(bench_task.task.metric.higher_is_better),
                      "score": grade(submission, bench_task.task), "valid": True, "wall_s": 1.0,
                      "timed_out": False, "error": "", "grader": "task.grade", "trivial_score": float("nan")}
            (folder / "result.json").write_text(json.dumps(record), encoding="utf-8")
    run_bench(BenchConfig(tasks_dir=tmp_path / "tasks", out_dir=out, budgets=(15.0,), main_budget=15.0, cores=1,
                          systems=("mle-star", "lightgbm"), resume=True))
    results = pd.read_csv(out / "results.csv").set_index(["system", "task"])
    assert results.loc[("lightgbm", "tiny-regression"), "advantage_low"] > 0
    low, high = results.loc[("lightgbm", "tiny-binary"), ["advantage_low", "advantage_high"]]
    assert low < 0 < high
    assert np.isnan(results.loc[("mle-star", "tiny-regression"), "advantage_low"])
    text = (out / "results.md").read_text(encoding="utf-8")
    assert "| lightgbm | 1 | 0 | 1 | 1 | 0 |" in text
    assert "mle-star's advantage over it (95%, test rows)" in text
