"""The host's own check of a script's score: the printed `Final Validation Performance` counts only
when the out-of-fold predictions the script saved give that score under the task's metric.

Every checked attempt must leave `./artifacts/oof.npy` (one row per labelled training row, in
train-file order) and `./artifacts/test_pred.npy` (one row per test row), both finite and shaped as
the script contract says: P(positive class) for binary tasks (an (n, 2) matrix also passes), one
probability per class for multiclass (the brief's class order) and per target for multilabel, values
for regression (one column per target). The host re-scores `oof.npy` with the task's metric from the
registry (`task.metrics`) and compares it with the printed score.

What cannot be re-scored is reported as unchecked, never failed: a MAP@K task whose training rows
name several relevant items (class probabilities cannot express them), a multilabel task scored by
a label metric, more classes than the brief lists, and any metric that cannot score the task's own
labels (e.g. binary F1 on a multiclass task). Which phases are checked: see CHECKED_PHASES.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

from ..task import Metric, Task
from ..task.brief import MAX_CLASSES
from ..task.metrics import canonical_label
from ..task.tables import read_header, read_table

OOF_FILE = "artifacts/oof.npy"
TEST_PRED_FILE = "artifacts/test_pred.npy"

# Phases whose scripts follow the full contract and whose scores rank, merge, keep or promote. An
# ablation study is left out: it writes no predictions of its own (its variants run in subfolders with
# fewer folds) and its printed baseline only informs the block choice, never a ranking.
CHECKED_PHASES = frozenset({"candidate", "merge", "refine", "ensemble", "submit"})

# Relative and absolute: float noise (float32 arithmetic, clipping inside metric implementations) and a
# score printed with 4 decimals (or 5 significant digits above 1) pass; a score moved by more does not.
SCORE_TOLERANCE = 1e-4


@dataclass(frozen=True)
class ScoreCheck:
    """The host's verdict on one attempt's score.

    Attributes:
        host_score: the task metric of the saved out-of-fold predictions, computed by the host; None
            when it was not computed.
        failure: one-line reason the attempt must not count (artifacts missing, unreadable, misshapen
            or not finite, or a printed score its predictions do not give); None otherwise.
        unchecked: why the score could not be checked (the printed score then stands); None when checked.
    """

    host_score: Optional[float] = None
    failure: Optional[str] = None
    unchecked: Optional[str] = None


@dataclass(frozen=True)
class _Truth:
    """The training labels (labelled rows only), which training rows are labelled, and the test row count."""

    labels: np.ndarray
    labelled: np.ndarray
    n_test: int


def check_attempt(task: Task, workspace: Path, printed_score: float) -> ScoreCheck:
    """Checks the artifacts a script left in `workspace` and re-scores its out-of-fold predictions.

    Args:
        task: the task the script solved (its classes are the brief's, in the same order).
        workspace: the folder the script ran in.
        printed_score: the score the script printed (finite).

    Returns:
        The host's score and a failure reason, or why the score could not be checked.
    """
    why_not = _not_checkable(task)
    if why_not is not None:
        return ScoreCheck(unchecked=why_not)
    truth = _truth(task)
    # Rows whose target is missing may be left out of the out-of-fold predictions or kept in them.
    train_rows = {len(truth.labelled): "training row", len(truth.labels): "labelled training row"}
    oof, problem = _load(workspace / OOF_FILE, task, train_rows)
    if problem is None:
        _, problem = _load(workspace / TEST_PRED_FILE, task, {truth.n_test: "test row"})
    if problem is not None:
        return ScoreCheck(failure=problem)
    if len(oof) != len(truth.labels):
        oof = oof[truth.labelled]
    try:
        host = score_oof(task.metric, task.task_kind, task.classes, truth.labels, oof)
    except ValueError as exc:
        return ScoreCheck(unchecked=f"{task.metric.name} cannot score predictions against the training labels "
                                    f"({str(exc)[:200]})")
    if not math.isfinite(host):
        return ScoreCheck(host_score=host, unchecked=f"the {task.metric.name} of the predictions is {host}")
    if not math.isclose(printed_score, host, rel_tol=SCORE_TOLERANCE, abs_tol=SCORE_TOLERANCE):
        return ScoreCheck(host_score=host, failure=(
            f"printed score {printed_score:.6g}, but its out-of-fold predictions ({OOF_FILE}) score "
            f"{host:.6g} on {task.metric.name}: print the {task.metric.name} of those predictions, over all "
            f"training rows, with at least 4 decimals"))
    return ScoreCheck(host_score=host)


def labelled_oof(task: Task, workspace: Path) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """(the training labels, the out-of-fold predictions a checked attempt saved, row for row), or None
    when the task's scores cannot be re-scored or the attempt's predictions do not follow the contract."""
    if _not_checkable(task) is not None:
        return None
    truth = _truth(task)
    oof, problem = _load(workspace / OOF_FILE, task, {len(truth.labelled): "training row",
                                                       len(truth.labels): "labelled training row"})
    if problem is not None:
        return None
    return truth.labels, (oof if len(oof) == len(truth.labels) else oof[truth.labelled])


def score_oof(metric: Metric, task_kind: str, classes: Optional[Sequence[Any]], y_true: np.ndarray,
              oof: np.ndarray) -> float:
    """The metric of out-of-fold predictions in the script contract's format, as the host scores them.

    Label metrics score the most probable class (binary: classes[1] when P >= 0.5, as submissions
    do); MAP@K ranks the classes by probability. Regression predictions are clipped at 0 for RMSLE and
    rounded and clipped to the truth's range for QWK, as the scripts' submissions are; several targets
    score the mean over targets, as the grader does.

    Args:
        metric: the task's metric.
        task_kind: binary, multiclass, multilabel or regression.
        classes: class labels in prediction order (the target columns for multilabel); None for regression.
        y_true: the true labels or values (a 0/1 matrix for multilabel, one column per target for
            several regression targets).
        oof: the predictions, one row per row of `y_true`.

    Raises:
        ValueError: the metric cannot score these labels and predictions.
    """
    oof = np.asarray(oof, dtype=float)
    if task_kind == "regression":
        truth = np.asarray(y_true, dtype=float).reshape(len(y_true), -1)
        pred = oof.reshape(len(oof), -1)
        if metric.name == "rmsle":
            pred = np.clip(pred, 0.0, None)
        elif metric.name == "qwk":
            pred = np.clip(np.rint(pred), truth.min(axis=0), truth.max(axis=0))
        return float(np.mean([metric.score(truth[:, j], pred[:, j]) for j in range(truth.shape[1])]))
    if task_kind == "multilabel":
        return metric.score(y_true, oof)
    names = np.asarray(list(classes or ()), dtype=object)
    if oof.ndim == 2 and len(names) == 2:
        oof = oof[:, -1]  # binary as P(positive class)
    if metric.needs_proba:
        return metric.score(y_true, oof, labels=list(names))
    if metric.kind == "ranking":
        proba = np.column_stack([1 - oof, oof]) if oof.ndim == 1 else oof
        return metric.score(y_true, list(names[np.argsort(-proba, axis=1, kind="stable")[:, :metric.k]]))
    chosen = oof.argmax(axis=1) if oof.ndim == 2 else (oof >= 0.5).astype(int)
    return metric.score(y_true, names[chosen], labels=list(names))


def _not_checkable(task: Task) -> Optional[str]:
    """Why this task's scores cannot be re-scored from out-of-fold predictions, or None."""
    metric = task.metric
    if task.form is not None:
        return f"its examples are {task.form['kind'].replace('_', ' ')}, scored by the script's own reading of them"
    if task.task_kind == "multilabel" and not metric.needs_proba:
        return f"{metric.name} of a multilabel task is not scored from out-of-fold probabilities"
    if task.task_kind != "regression" and task.classes is not None and len(task.classes) > MAX_CLASSES:
        return f"the task has {len(task.classes)} classes, more than the {MAX_CLASSES} the brief lists"
    if metric.kind == "ranking" and any(len(str(v).split()) > 1 for v in _truth(task).labels):
        return f"training rows name several relevant items, which out-of-fold class probabilities for " \
               f"{metric.name} cannot express"
    return None


@lru_cache(maxsize=4)
def _truth(task: Task) -> _Truth:
    """Read once per task: the sandbox verifies after every run that the data did not change."""
    frame = read_table(task.train_path, columns=list(task.train_target_columns))
    numeric = task.task_kind in ("regression", "multilabel")
    if numeric:
        frame = frame.apply(pd.to_numeric, errors="coerce")
    labelled = frame.notna().all(axis=1).to_numpy()
    values = frame[labelled]
    if numeric:
        labels = values.to_numpy(dtype=float)
        labels = labels[:, 0] if labels.shape[1] == 1 else labels
    else:
        labels = values.iloc[:, 0].to_numpy(dtype=object)
    first = read_header(task.test_path)[0]
    return _Truth(labels=labels, labelled=labelled, n_test=len(read_table(task.test_path, columns=[first])))


def _load(path: Path, task: Task, rows: dict[int, str]) -> tuple[Optional[np.ndarray], Optional[str]]:
    """(the array, None), or (None, why it does not follow the contract). `rows`: the row counts
    allowed, each with what its rows are."""
    name = f"./{path.parent.name}/{path.name}"
    if not path.is_file():
        return None, f"the script printed a score but wrote no {name}; save the predictions the score is computed from"
    try:
        # No pickles: the file comes from generated code and is read outside the sandbox.
        array = np.asarray(np.load(path, allow_pickle=False), dtype=float)
    except (OSError, ValueError, TypeError) as exc:
        return None, f"{name} is not a numeric numpy array ({type(exc).__name__}: {str(exc)[:200]})"
    columns = _columns(task)
    if not (array.ndim in (1, 2) and len(array) in rows and (array.ndim == 1 and 1 in columns
                                                              or array.ndim == 2 and array.shape[1] in columns)):
        per_row = " or ".join(f"per {what} ({n})" for n, what in rows.items())
        return None, f"{name} has shape {array.shape}; expected one row {per_row} holding {_what(task, columns)}"
    bad = int(array.size - np.isfinite(array).sum())
    if bad:
        return None, f"{name} holds {bad} NaN or infinite values: every prediction must be a finite number"
    return array, None


def _columns(task: Task) -> tuple[int, ...]:
    """The column counts a prediction array may have (1 means a vector, or one column)."""
    if task.task_kind == "regression":
        return (len(task.train_target_columns),)
    if task.task_kind == "binary":
        return (1, 2)
    return (len(task.classes or task.target_columns),)


def _what(task: Task, columns: tuple[int, ...]) -> str:
    if task.task_kind == "regression":
        return "one value" if columns == (1,) else f"{columns[0]} values (one per target)"
    if task.task_kind == "binary":
        return f"P({canonical_label((task.classes or (0, 1))[-1])}) each"
    return f"{columns[0]} probabilities (one per class, in the brief's order)"
