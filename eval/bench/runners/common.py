"""What every peer runner shares: reading the job, the tables and the clock; writing the submission.

Runners are standalone scripts run by each peer's own Python (`python runner.py job.json`), whose
environment has pandas, numpy and scikit-learn but not this project, so this module imports nothing
from it. The job file is written by the harness (`eval/bench/jobs.py`) and holds everything a runner
needs to know about the task:

    train, test, output          absolute paths (train/test are the peers' tabular view of the task)
    id_columns                   copied from test.csv into the submission
    feature_columns              the columns a model may use
    modality, text_columns       "tabular", "text" (text_columns hold free text), "image" (pixel columns),
                                 "pixels" (one row per pixel of an image-to-image task), "tokens" (one row per
                                 token of a text-normalisation task) or
                                 "audio" (mean MFCC columns)
    targets                      one entry per model to fit, see `Target`
    metric                       the task's metric name (each runner maps it to its own)
    time_budget_s, started_at    the budget and the wall-clock time (time.time()) the harness started us
    threads, seed, work_dir      cores to use, random seed, scratch folder
    options                      runner-specific settings (e.g. AutoGluon presets)
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Target:
    """One thing to predict.

    Attributes:
        column: the column of train.csv to learn.
        kind: "binary", "multiclass" or "regression".
        output: "label", "probability" (binary: P(positive) in one column), "class_probabilities" (one
            column per class) or "value".
        submission_columns: the submission columns this target fills.
        classes: canonical class names (strings) in submission-column order for class_probabilities;
            for binary, the last one is the positive class.
        log_metric: the metric compares log1p of values (RMSLE): predictions must not be negative, and a
            runner may fit log1p(y) with an RMSE objective, which optimises exactly that metric.
    """

    column: str
    kind: str
    output: str
    submission_columns: tuple[str, ...]
    classes: tuple[str, ...]
    log_metric: bool


@dataclass(frozen=True)
class Job:
    train: Path
    test: Path
    output: Path
    id_columns: tuple[str, ...]
    feature_columns: tuple[str, ...]
    targets: tuple[Target, ...]
    metric: str
    time_budget_s: float
    started_at: float
    threads: int
    seed: int
    work_dir: Path
    options: dict
    modality: str = "tabular"
    text_columns: tuple[str, ...] = ()

    def remaining_s(self, reserve_s: float = 0.0) -> float:
        """Seconds of the budget left now, less `reserve_s` kept back for predicting and writing."""
        return self.time_budget_s - (time.time() - self.started_at) - reserve_s

    def fit_budget_s(self, n_targets: int = 1) -> float:
        """Seconds one model may search for: what is left after a reserve for prediction, split per target.

        The reserve is 15% of the budget (at most 60 s, at least 3 s); never less than 5 s per target, so a
        tiny budget still gives a model rather than nothing.
        """
        reserve = min(60.0, max(3.0, 0.15 * self.time_budget_s))
        return max(5.0, self.remaining_s(reserve) / max(1, n_targets))


def load_job(path: str | Path) -> Job:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    targets = tuple(Target(t["column"], t["kind"], t["output"], tuple(t["submission_columns"]),
                           tuple(t["classes"]), bool(t.get("log_metric", False))) for t in data["targets"])
    return Job(Path(data["train"]), Path(data["test"]), Path(data["output"]), tuple(data["id_columns"]),
               tuple(data["feature_columns"]), targets, data["metric"], float(data["time_budget_s"]),
               float(data["started_at"]), int(data["threads"]), int(data.get("seed", 0)),
               Path(data["work_dir"]), dict(data.get("options", {})), str(data.get("modality", "tabular")),
               tuple(data.get("text_columns", ())))


_BOOLEAN_TEXT = {"true": "1", "false": "0"}


def canonical_label(value: Any) -> str:
    """The string a class is compared as: integral numbers lose their ".0", strings are stripped.

    The same rule as the task layer's, so predicted labels and probability columns match the grader's
    class names whatever dtype pandas read the target as.
    """
    # A boolean class is the same class as 0/1 however it is written (JSON true, CSV True, answers 1).
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isfinite(number) and number.is_integer():
            return str(int(number))
        return repr(number)
    text = str(value).strip()
    if text.lower() in _BOOLEAN_TEXT:
        return _BOOLEAN_TEXT[text.lower()]
    try:
        number = float(text)
    except ValueError:
        return text
    return canonical_label(number) if math.isfinite(number) else text


def read_tables(job: Job) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train (rows with every target present) and test, as pandas read them."""
    ids = {c: str for c in job.id_columns}  # a hex id such as 1234e5 would otherwise be read as a number
    train = pd.read_csv(job.train, dtype=ids)
    test = pd.read_csv(job.test, dtype=ids)
    target_columns = [t.column for t in job.targets]
    train = train.dropna(subset=target_columns).reset_index(drop=True)
    return train, test


def target_values(train: pd.DataFrame, target: Target, *, log: bool = False) -> pd.Series:
    """The training target: canonical class names for classification, floats (log1p when `log`) otherwise."""
    values = train[target.column]
    if target.kind == "regression":
        values = values.astype(float)
        return np.log1p(values.clip(lower=0)) if log else values
    return values.map(canonical_label).astype(object)


def to_categories(train_x: pd.DataFrame, test_x: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Non-numeric columns as pandas categories with the train categories (what LightGBM needs)."""
    train_x, test_x = train_x.copy(), test_x.copy()
    for column in train_x.columns:
        series = train_x[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        categories = pd.Index(sorted(series.dropna().astype(str).unique()))
        train_x[column] = pd.Categorical(series.astype(str).where(series.notna()), categories=categories)
        other = test_x[column]
        test_x[column] = pd.Categorical(other.astype(str).where(other.notna()), categories=categories)
    return train_x, test_x


def predictions_frame(target: Target, n_rows: int, *, labels: Any = None, proba: Any = None,
                      proba_classes: Any = None, values: Any = None, from_log: bool = False) -> pd.DataFrame:
    """The submission columns of one target from a model's output.

    Args:
        labels: predicted classes (output "label").
        proba: probability matrix with one column per entry of `proba_classes` (class outputs).
        proba_classes: the model's class order for `proba`.
        values: predicted numbers (output "value").
        from_log: `values` are on the log1p scale (the model was fit with `target_values(log=True)`).
    """
    if target.output == "value":
        numbers = np.asarray(values, dtype=float).reshape(n_rows)
        if from_log:
            numbers = np.expm1(numbers)
        if target.log_metric:
            numbers = np.clip(numbers, 0.0, None)
        return pd.DataFrame({target.submission_columns[0]: numbers})
    if target.output == "label":
        return pd.DataFrame({target.submission_columns[0]: [canonical_label(v) for v in np.ravel(labels)]})
    matrix = np.asarray(proba, dtype=float).reshape(n_rows, -1)
    by_class = {canonical_label(c): matrix[:, i] for i, c in enumerate(proba_classes)}
    zeros = np.zeros(n_rows)
    if target.output == "probability":
        return pd.DataFrame({target.submission_columns[0]: by_class.get(target.classes[-1], zeros)})
    frame = pd.DataFrame({column: by_class.get(cls, zeros)
                          for cls, column in zip(target.classes, target.submission_columns)})
    totals = frame.sum(axis=1).replace(0.0, 1.0)
    return frame.div(totals, axis=0)


def model_predictions(target: Target, model: Any, test_x: Any, *, from_log: bool = False) -> pd.DataFrame:
    """The submission columns of one target from a fitted scikit-learn-style model: `predict` for values
    and labels, `predict_proba` with `classes_` for probabilities (`from_log` as in `predictions_frame`)."""
    n_rows = test_x.shape[0]
    if target.kind == "regression":
        return predictions_frame(target, n_rows, values=model.predict(test_x), from_log=from_log)
    if target.output == "label":
        return predictions_frame(target, n_rows, labels=model.predict(test_x))
    return predictions_frame(target, n_rows, proba=model.predict_proba(test_x), proba_classes=model.classes_)


def write_submission(job: Job, test: pd.DataFrame, parts: list[pd.DataFrame]) -> None:
    submission = pd.concat([test[list(job.id_columns)].reset_index(drop=True),
                            *[p.reset_index(drop=True) for p in parts]], axis=1)
    job.output.parent.mkdir(parents=True, exist_ok=True)
    partial = job.output.with_name(job.output.name + ".partial")
    submission.to_csv(partial, index=False)
    partial.replace(job.output)


def main_guard(run) -> int:
    """Runs `run(job)` with the job named on the command line; exit 2 on a usage error."""
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} JOB.json", file=sys.stderr)
        return 2
    job = load_job(sys.argv[1])
    job.work_dir.mkdir(parents=True, exist_ok=True)
    run(job)
    return 0
