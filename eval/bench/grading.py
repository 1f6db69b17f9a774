"""One grader for every system, and the trivial predictor that anchors the normalised score at 0.

A submission is graded by MLE-bench's own grader when `mlebench` is importable and the task is an
MLE-bench competition it knows; otherwise by this project's `grade` (format check, then the metric on the
private answers). Either way every system of a task goes through the same function.

The trivial predictor uses the training targets only: class priors for probability submissions, the
most frequent class for labels, and for numbers the best constant for the metric (the median for MAE,
exp(mean(log1p y)) - 1 for RMSLE/MSLE, the mean otherwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from machine_learning_engineering.task import SubmissionError, grade
from machine_learning_engineering.task.metrics import canonical_label
from machine_learning_engineering.task.tables import read_table

from .tasks import LOG_METRICS, BenchTask


@dataclass(frozen=True)
class Grade:
    """A graded submission: `score` is NaN when `valid` is False, and `error` then says why.

    `higher_is_better` is the grader's own direction when it states one (MLE-bench's reports do), which
    then overrides the direction of the metric the task layer inferred.
    """

    score: float
    valid: bool
    error: str = ""
    grader: str = "task.grade"
    higher_is_better: Optional[bool] = None


def grade_submission(submission: Path, bench_task: BenchTask) -> Grade:
    if not submission.is_file():
        return Grade(math.nan, False, "no submission file was written")
    mlebench = _mlebench_competition(bench_task)
    if mlebench is not None:
        return _grade_with_mlebench(submission, *mlebench)
    try:
        score = float(grade(submission, bench_task.task))
    except SubmissionError as exc:
        return Grade(math.nan, False, "format check failed: " + "; ".join(exc.problems))
    except Exception as exc:  # noqa: BLE001 - any grading failure makes that one submission invalid
        return Grade(math.nan, False, f"grading failed: {type(exc).__name__}: {exc}")
    if not math.isfinite(score):
        return Grade(math.nan, False, f"the grader returned {score}")
    return Grade(score, True)


def _mlebench_competition(bench_task: BenchTask) -> Optional[tuple[object, object]]:
    if bench_task.competition is None:
        return None
    try:
        from mlebench.grade import grade_csv
        from mlebench.registry import registry
    except ImportError:
        return None
    competition_id, data_dir = bench_task.competition
    try:
        competition = registry.set_data_dir(data_dir).get_competition(competition_id)
    except Exception:  # noqa: BLE001 - not a competition mlebench knows: our grader takes it
        return None
    return grade_csv, competition


def _grade_with_mlebench(submission: Path, grade_csv: object, competition: object) -> Grade:
    try:
        report = grade_csv(submission, competition)
    except Exception as exc:  # noqa: BLE001
        return Grade(math.nan, False, f"mlebench grading failed: {type(exc).__name__}: {exc}", "mlebench")
    score = report.score
    if not report.valid_submission or score is None or not math.isfinite(float(score)):
        return Grade(math.nan, False, "mlebench: invalid submission", "mlebench")
    lower = getattr(report, "is_lower_better", None)
    return Grade(float(score), True, "", "mlebench", higher_is_better=None if lower is None else not lower)


def trivial_submission(bench_task: BenchTask, path: Path) -> Path:
    """Writes the trivial predictor's submission for a task to `path` and returns it.

    The ids and column order come from the task's sample submission (else the test ids), so the file has
    the shape the grader expects; only the prediction columns are filled in. A task whose examples have a
    form (`task.forms`) gets its long-form sample submission as it is.
    """
    task = bench_task.task
    if task.form is not None:
        # A long-form sample submission is the trivial one: no birds, every pixel white, every token as written.
        path.parent.mkdir(parents=True, exist_ok=True)
        read_table(task.sample_submission_path, as_text=True).to_csv(path, index=False)  # zipped ones too
        return path
    train = read_table(task.train_path, columns=list(task.train_target_columns))
    if task.sample_submission_path is not None:
        submission = pd.read_csv(task.sample_submission_path)
    else:
        submission = read_table(task.test_path, columns=list(task.id_columns))
    for column, value in _constants(task, train).items():
        submission[column] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    submission.to_csv(path, index=False)
    return path


def _constants(task: object, train: pd.DataFrame) -> dict[str, object]:
    train_columns = list(task.train_target_columns)
    columns = list(task.target_columns)
    fmt = task.prediction_format
    if fmt == "ranking":
        raise ValueError(f"no trivial predictor for ranked label lists ({task.metric.name})")
    if fmt == "class_probabilities" and len(train_columns) == 1:
        labels = train[train_columns[0]].dropna().map(canonical_label)
        priors = labels.value_counts(normalize=True)
        classes = [canonical_label(c) for c in (task.classes or columns)]
        return {column: float(priors.get(cls, 0.0)) for cls, column in zip(classes, columns)}
    values: dict[str, object] = {}
    for train_column, column in zip(train_columns, columns):
        y = train[train_column].dropna()
        if fmt == "class_probabilities" or task.task_kind == "multilabel":
            values[column] = float(y.astype(float).mean())
        elif fmt == "probability":
            positive = canonical_label(task.classes[-1]) if task.classes else "1"
            values[column] = float((y.map(canonical_label) == positive).mean())
        elif task.task_kind == "regression":
            values[column] = _best_constant(y.astype(float).to_numpy(), task.metric.name)
        else:
            counts = y.map(canonical_label).value_counts()
            values[column] = sorted(counts[counts == counts.max()].index)[0]
    return values


def _best_constant(y: np.ndarray, metric: str) -> float:
    if metric == "mae":
        return float(np.median(y))
    if metric in LOG_METRICS:
        return float(np.expm1(np.mean(np.log1p(np.clip(y, 0, None)))))
    return float(np.mean(y))
