"""Task forms: competitions whose rows are not the rows of a train and a test table.

Some competitions keep their examples in files of their own shape, and their submissions in a long form
(one row per test example and class, per pixel, or per token):

    ragged_labels  recordings labelled by a ragged text file (`rec_id,3,11` / `rec_id,?` for test rows),
                   submitted as `Id = rec_id * 100 + class, Probability` (mlsp-2013-birds)
    pixels         image pairs (a noisy folder and its cleaned twin), submitted one row per test pixel as
                   `<image>_<row>_<col>, value` (denoising-dirty-documents)
    tokens         sentences as one token per row, the target a token's written-out form, submitted as
                   `<sentence>_<token>, after` (text normalisation)

A form is found from the files alone (`detect_form`). It is a JSON-ready dict that travels in the brief to
the generated scripts, which read the rows the same way (scripts run without this package). Its "rows"
entry describes the examples the models learn from (task kind, id, target and media columns); the `Task`
built from it describes those rows too, and `graded_view` gives the submission's view for checks and
grading.
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

import pandas as pd

from ..errors import TaskError
from ..inventory import DataFile
from . import pixels, ragged_labels, tokens

if TYPE_CHECKING:
    from ..loader import Task

_KINDS = {"ragged_labels": ragged_labels, "pixels": pixels, "tokens": tokens}


def detect_form(data_dir: Path, files: Sequence[DataFile]) -> Optional[dict[str, Any]]:
    """The form of the data folder's examples, or None when its train and test tables are the rows."""
    for module in _KINDS.values():
        try:
            form = module.detect(data_dir, files)
        except (OSError, ValueError, TaskError, zipfile.BadZipFile, pd.errors.ParserError):
            continue  # unreadable files are reported, with their fix, by the tables' own checks
        if form is not None:
            return form
    return None


def read_rows(task: "Task", split: str) -> pd.DataFrame:
    """The train or test rows (`split`) of a task with a form, as a table of the columns the form's
    "rows" entry names."""
    return _KINDS[task.form["kind"]].read_rows(task.data_dir, task.form, split)


def graded_view(task: "Task") -> "Task":
    """The task as its submissions are checked and graded: for a form, the long-form columns of the
    sample submission; otherwise the task itself."""
    if task.form is None:
        return task
    graded = task.form["graded"]
    return dataclasses.replace(
        task, id_columns=tuple(graded["id_columns"]), target_columns=tuple(graded["target_columns"]),
        train_target_columns=tuple(graded["target_columns"]), task_kind=graded["task_kind"],
        prediction_format=graded["prediction_format"],
        classes=tuple(graded["classes"]) if graded.get("classes") is not None else None,
        test_file=task.sample_submission_file or task.test_file)


__all__ = ["detect_form", "graded_view", "read_rows"]
