"""Dev splits: tasks made from other tasks' public training data alone, for choosing defaults.

Defaults may not be chosen on the bench's private answers. A dev split holds back a fifth of a task's
public training rows (stratified for classification, fixed seed) as its test set and answers; the
systems see the other four fifths. Its scores are validation evidence, so settings may be compared on
them freely. Held-out tasks are never split: no default may be chosen on them at all.

Our task layout with one target column is supported (labels, probabilities, class probabilities and
values, image files included); other tasks are skipped with the reason.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from .tasks import BenchTask, held_out_tasks

log = logging.getLogger("bench")

DEV_FRACTION = 0.2
DEV_SEED = 20261203
FORMATS = ("label", "probability", "class_probabilities", "value")


def make_dev_tasks(tasks: list[BenchTask], out_dir: Path) -> Path:
    """Writes the dev split of every task that has one under `out_dir` (one folder per task, rebuilt
    each time) and returns `out_dir`."""
    held_out = set(held_out_tasks())
    for task in tasks:
        if task.name in held_out:
            log.info("dev split: skipping %s, a held-out task (no default may be chosen on it)", task.name)
            continue
        why_not = _unsupported(task)
        if why_not:
            log.warning("dev split: skipping %s: %s", task.name, why_not)
            continue
        make_dev_task(task, out_dir / task.name)
    return out_dir


def make_dev_task(task: BenchTask, root: Path) -> Path:
    """Writes the dev split of one task to `root` (public/ and private/answers.csv) and returns `root`."""
    t = task.task
    public_in = Path(t.data_dir)
    train = pd.read_csv(t.train_path, low_memory=False)
    label = t.train_target_columns[0]
    train = train[train[label].notna()]
    stratify = train[label].astype(str) if t.task_kind != "regression" else None
    kept, held = train_test_split(train, test_size=DEV_FRACTION, random_state=DEV_SEED, stratify=stratify)
    kept, held = kept.sort_index(), held.sort_index()

    shutil.rmtree(root, ignore_errors=True)
    public, private = root / "public", root / "private"
    # Every other public file (task.yaml, extra tables, image folders) is copied as it is.
    shutil.copytree(public_in, public, ignore=shutil.ignore_patterns(t.train_path.name, t.test_path.name,
                                                                      t.sample_submission_path.name))
    private.mkdir()
    id_column = t.id_columns[0]
    kept.to_csv(public / t.train_file, index=False)
    held.drop(columns=list(t.train_target_columns)).to_csv(public / t.test_file, index=False)

    sample = pd.read_csv(t.sample_submission_path, nrows=1)
    placeholder = pd.DataFrame({c: [sample[c].iloc[0]] * len(held) for c in sample.columns})
    placeholder[id_column] = held[id_column].to_numpy()
    placeholder.to_csv(public / t.sample_submission_file, index=False)
    _answers(task, held).to_csv(private / "answers.csv", index=False)

    description = public / "description.md"
    if description.is_file():
        text = description.read_text(encoding="utf-8")
        text = re.sub(r"(`train\.csv`: )\d+ rows", rf"\g<1>{len(kept)} rows", text)
        text = re.sub(r"(`test\.csv`: )\d+ rows", rf"\g<1>{len(held)} rows", text)
        description.write_text(text, encoding="utf-8")
    return root


def _answers(task: BenchTask, held: pd.DataFrame) -> pd.DataFrame:
    """The held-back rows' targets in the submission's own columns (one-hot for class probabilities)."""
    t = task.task
    label = t.train_target_columns[0]
    answers = pd.DataFrame({t.id_columns[0]: held[t.id_columns[0]].to_numpy()})
    if t.prediction_format == "class_probabilities":
        labels = held[label].astype(str).to_numpy()
        for column in t.target_columns:
            answers[column] = (labels == str(column)).astype(int)
    else:
        answers[t.target_columns[0]] = held[label].to_numpy()
    return answers


def _unsupported(task: BenchTask) -> str:
    """Why this task has no dev split ("" when it has one)."""
    t = task.task
    if task.competition is not None:
        return "an MLE-bench layout task (its answers' format is the competition's own)"
    if len(t.train_target_columns) != 1:
        return f"{len(t.train_target_columns)} target columns; dev splits take one"
    if t.prediction_format not in FORMATS:
        return f"submissions of {t.prediction_format!r}; dev splits handle {', '.join(FORMATS)}"
    if t.sample_submission_path is None or len(t.id_columns) != 1:
        return "no sample submission or single id column to copy the format from"
    return ""
