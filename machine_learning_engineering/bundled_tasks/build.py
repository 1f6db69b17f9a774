"""Turns a `TaskSpec` into an MLE-bench-like task folder: public/ for the agent, private/ for grading.

    <out>/<name>/public/description.md, train.csv, test.csv, sample_submission.csv, task.yaml [, images/]
    <out>/<name>/private/answers.csv

Splits are deterministic (fixed seed, stratified for classification), so every build of a task gives
byte-identical files. A task is written into a staging folder and moved into place at the end, so a
folder under its final name is always complete.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import yaml
from PIL import Image
from sklearn.model_selection import train_test_split

from .sources import SPECS, SPECS_BY_NAME, TaskSpec

TASK_NAMES: tuple[str, ...] = tuple(spec.name for spec in SPECS)

SEED = 20240601
TEST_FRACTION = 0.2
ID_COLUMN = "id"

PUBLIC_FILES = ("description.md", "train.csv", "test.csv", "sample_submission.csv", "task.yaml")
PRIVATE_FILES = ("answers.csv",)

_METRIC_PHRASES = {
    "accuracy": "accuracy, the fraction of test rows whose predicted label is correct (higher is better)",
    "balanced_accuracy": "balanced accuracy, the mean recall over classes (higher is better)",
    "f1": "F1 score of the positive class (higher is better)",
    "f1_macro": "macro-averaged F1 score, the unweighted mean of the per-class F1 scores (higher is better)",
    "roc_auc": "area under the ROC curve (ROC AUC) between the predicted probability and the observed target "
               "(higher is better)",
    "log_loss": "logarithmic loss (log loss): the mean over test rows of minus the log of the "
                "probability given to the true class; each row's probabilities are rescaled to sum to 1 and "
                "clipped away from 0 and 1 (lower is better)",
    "rmse": "root mean squared error (RMSE) between the predicted and the true values (lower is better)",
    "mae": "mean absolute error (MAE) between the predicted and the true values (lower is better)",
    "rmsle": "root mean squared logarithmic error (RMSLE): the RMSE between log(1 + prediction) and "
             "log(1 + true value); predictions must not be negative (lower is better)",
    "r2": "the coefficient of determination (R2) (higher is better)",
    "qwk": "quadratic weighted kappa between the predicted and the true labels (higher is better)",
}


def build_task(name: str, out_dir: Path | str, *, overwrite: bool = False) -> Path:
    """Builds one bundled task under `out_dir`.

    Args:
        name: one of `TASK_NAMES`.
        out_dir: parent folder; the task is written to `out_dir/name`.
        overwrite: rebuild even when a complete task folder is already there.

    Returns:
        The task root, `out_dir/name`.

    Raises:
        ValueError: `name` is not a bundled task.
    """
    spec = SPECS_BY_NAME.get(name)
    if spec is None:
        raise ValueError(f"unknown bundled task {name!r}; choose one of: {', '.join(TASK_NAMES)}")
    root = Path(out_dir) / name
    if _is_complete(spec, root) and not overwrite:
        return root
    staging = root.with_name(f".{name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _write_task(spec, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(root, ignore_errors=True)
    os.replace(staging, root)
    return root


def build_all(out_dir: Path | str, names: Sequence[str] | None = None, *, overwrite: bool = False) -> list[Path]:
    """Builds the named bundled tasks (all of them by default) and returns their roots in order.

    Tasks whose folder is already complete are kept as they are unless `overwrite` is set.
    """
    names = TASK_NAMES if names is None else tuple(names)
    unknown = [name for name in names if name not in SPECS_BY_NAME]
    if unknown:
        raise ValueError(f"unknown bundled task(s) {', '.join(map(repr, unknown))}; "
                         f"choose from: {', '.join(TASK_NAMES)}")
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return [build_task(name, out_dir, overwrite=overwrite) for name in names]


def _is_complete(spec: TaskSpec, root: Path) -> bool:
    return (all((root / "public" / f).is_file() for f in PUBLIC_FILES)
            and all((root / "private" / f).is_file() for f in PRIVATE_FILES)
            and (spec.image_column is None or (root / "public" / "images").is_dir()))


def _write_task(spec: TaskSpec, root: Path) -> None:
    public, private = root / "public", root / "private"
    public.mkdir(parents=True)
    private.mkdir(parents=True)

    frame = spec.load().reset_index(drop=True)
    missing = [c for c in frame.columns if c not in spec.columns]
    if missing:
        raise ValueError(f"{spec.name}: columns {missing} have no description in sources.py")
    train, test = _split(frame, spec)
    if spec.image_column:
        for part in (train, test):
            part[spec.image_column] = _write_images(part, spec.image_column, public / "images")

    features = [c for c in frame.columns if c != spec.target]
    train = train[[ID_COLUMN, *features, spec.target]]
    classes = sorted(frame[spec.target].unique().tolist()) if spec.is_classification else []
    submission_columns = _submission_columns(spec, classes)

    _write_csv(train, public / "train.csv")
    _write_csv(test[[ID_COLUMN, *features]], public / "test.csv")
    answers = _answers(spec, test, submission_columns)
    _write_csv(answers, private / "answers.csv")
    sample = _sample_submission(spec, train, test[ID_COLUMN], submission_columns)
    _write_csv(sample, public / "sample_submission.csv")
    (public / "task.yaml").write_text(_task_yaml(spec, submission_columns), encoding="utf-8")
    (public / "description.md").write_text(_description(spec, train, test, sample, submission_columns),
                                           encoding="utf-8")


def _split(frame: pd.DataFrame, spec: TaskSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    # Ids are a fixed shuffle of 0..n-1, so neither file's id order reveals the source order.
    frame = frame.copy()
    frame.insert(0, ID_COLUMN, np.random.default_rng(SEED).permutation(len(frame)))
    stratify = frame[spec.target] if spec.is_classification else None
    train, test = train_test_split(frame, test_size=TEST_FRACTION, random_state=SEED, stratify=stratify)
    return (train.sort_values(ID_COLUMN).reset_index(drop=True),
            test.sort_values(ID_COLUMN).reset_index(drop=True))


def _write_images(part: pd.DataFrame, column: str, folder: Path) -> list[str]:
    folder.mkdir(exist_ok=True)
    paths = []
    for row_id, pixels in zip(part[ID_COLUMN], part[column]):
        relative = f"images/{row_id}.png"
        Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(folder.parent / relative)
        paths.append(relative)
    return paths


def _submission_columns(spec: TaskSpec, classes: list) -> list[str]:
    if spec.submission == "class_probabilities":
        return [str(c) for c in classes]
    return [spec.target]


def _answers(spec: TaskSpec, test: pd.DataFrame, submission_columns: list[str]) -> pd.DataFrame:
    if submission_columns == [spec.target]:
        return test[[ID_COLUMN, spec.target]]
    # Multiclass probabilities are graded against one-hot answers in the submission's own columns.
    labels = test[spec.target].astype(str)
    one_hot = {column: (labels == column).astype(int) for column in submission_columns}
    return pd.DataFrame({ID_COLUMN: test[ID_COLUMN], **one_hot})


def _sample_submission(spec: TaskSpec, train: pd.DataFrame, test_ids: pd.Series,
                       submission_columns: list[str]) -> pd.DataFrame:
    target = train[spec.target]
    if spec.submission == "class_probabilities":
        values = {column: 1.0 / len(submission_columns) for column in submission_columns}
    elif spec.submission == "probability":
        values = {spec.target: 0.5}
    elif spec.submission == "label":
        values = {spec.target: target.mode().sort_values().iloc[0]}
    else:
        values = {spec.target: float(np.round(target.median(), 4))}
    sample = pd.DataFrame({ID_COLUMN: test_ids.to_numpy()})
    for column, value in values.items():
        sample[column] = value
    return sample


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")


def _task_yaml(spec: TaskSpec, submission_columns: list[str]) -> str:
    hints = {
        "name": spec.name,
        "task_kind": spec.task_kind,
        "metric": spec.metric,
        "id_column": ID_COLUMN,
        "target_columns": submission_columns,
        "prediction_format": spec.submission,
    }
    if submission_columns != [spec.target]:
        hints["label_column"] = spec.target
    if spec.image_column:
        hints["image_column"] = spec.image_column
    return yaml.safe_dump(hints, sort_keys=False)


def _description(spec: TaskSpec, train: pd.DataFrame, test: pd.DataFrame, sample: pd.DataFrame,
                 submission_columns: list[str]) -> str:
    columns = "\n".join(_column_lines(spec, [c for c in train.columns if c != ID_COLUMN]))
    images = (f"- `images/`: one PNG file per example, named `<id>.png`; the `{spec.image_column}` column "
              f"holds the path relative to this folder.\n" if spec.image_column else "")
    example = sample.head(3).to_csv(index=False, lineterminator="\n")
    return f"""# {spec.title}

## Overview

{spec.overview}

## Data

- `train.csv`: {len(train)} rows with the target column `{spec.target}`.
- `test.csv`: {len(test)} rows without the target; predict these.
- `sample_submission.csv`: a valid submission with placeholder values, one row per test id, in test order.
{images}
### Columns

- `{ID_COLUMN}`: integer row identifier, unique across train and test.
{columns}

### Source

{spec.source}

## Evaluation

Submissions are evaluated on {_METRIC_PHRASES[spec.metric]}.

## Submission format

{_submission_text(spec, submission_columns)} The file must have a header and look like:

```
{example}```
"""


def _column_lines(spec: TaskSpec, columns: list[str]) -> list[str]:
    """One line per column, except that a run of columns sharing one description (784 pixels) is one line."""
    lines, start = [], 0
    while start < len(columns):
        end = start
        while end + 1 < len(columns) and spec.columns[columns[end + 1]] == spec.columns[columns[start]]:
            end += 1
        names = (f"`{columns[start]}`" if end == start
                 else f"`{columns[start]}` ... `{columns[end]}` ({end - start + 1} columns)")
        lines.append(f"- {names}: {spec.columns[columns[start]]}")
        start = end + 1
    return lines


def _submission_text(spec: TaskSpec, submission_columns: list[str]) -> str:
    ids = f"For every `{ID_COLUMN}` in `test.csv`, submit"
    if spec.submission == "class_probabilities":
        names = ", ".join(f"`{c}`" for c in submission_columns)
        return f"{ids} the probability of each class, one column per class ({names}); each row should sum to 1."
    if spec.submission == "probability":
        return f"{ids} the probability that `{spec.target}` is 1, in the column `{spec.target}`."
    if spec.submission == "label":
        return f"{ids} the predicted class in the column `{spec.target}`."
    return f"{ids} the predicted value in the column `{spec.target}`."
