"""Checking a submission's format against the task, and grading it on the private answers.

`check_submission` lists every problem (empty list: the file is valid) in sentences that name the
column, how many values are wrong, a few examples and what is expected, so an agent can fix its
script from the message alone. `grade` scores a valid submission with the task's metric.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import numpy as np
import pandas as pd

from .errors import SubmissionError, TaskError
from .forms import graded_view
from .loader import Task, id_keys
from .metrics import canonical_label
from .tables import count_rows, read_header, read_table

# Class probabilities may be rounded when written; rows summing within this of 1 pass.
ROW_SUM_TOLERANCE = 1e-2
EXAMPLES = 3
_MISSING_TEXT = {"", "nan", "NaN", "NA", "N/A", "null", "None", "<NA>"}

_expected_cache: dict[tuple, tuple[list[str], Optional[list[str]], int]] = {}


def check_submission(submission: pd.DataFrame | Path | str, task: Task) -> list[str]:
    """The format problems of a submission; an empty list means it is valid.

    Args:
        submission: a CSV path or a DataFrame.
        task: the task it is for.

    Returns:
        One sentence per problem: missing or extra columns, wrong row count, missing, duplicated or
        unknown ids, missing/non-numeric/infinite predictions, probabilities outside [0, 1], class
        probabilities not summing to 1, labels that are not known classes.
    """
    frame = _read(submission)
    if isinstance(frame, str):
        return [frame]
    task = graded_view(task)
    columns, expected_ids, expected_rows = _expected(task)
    problems: list[str] = []
    present = [str(c) for c in frame.columns]
    missing_cols = [c for c in columns if c not in present]
    extra_cols = [c for c in present if c not in columns]
    if missing_cols:
        problems.append(f"missing column(s) {_quote(missing_cols)}: the submission needs exactly the sample "
                        f"submission's columns {_quote(columns)}")
    if extra_cols:
        problems.append(f"unexpected column(s) {_quote(extra_cols)}: remove them; the expected columns are "
                        f"{_quote(columns)}")
    if len(frame) != expected_rows:
        problems.append(f"the submission has {len(frame)} rows; expected {expected_rows}, one per test row")
    has_ids = bool(task.id_columns) and all(c in present for c in task.id_columns)
    keys = id_keys(frame, task.id_columns) if has_ids else None
    if expected_ids is not None and keys is not None:
        problems += _id_problems(keys, expected_ids, task)
    targets = [c for c in task.target_columns if c in present]
    # Rows are named only in messages, so names are made for the few a message shows (a pixel task has 1.5M).
    row_name = (lambda i: f"id {keys[i]}") if keys is not None else (lambda i: f"row {i}")
    problems += _prediction_problems(frame, targets, task, row_name)
    return problems


def validate_submission(submission: pd.DataFrame | Path | str, task: Task) -> None:
    """Raises SubmissionError listing every problem `check_submission` finds."""
    problems = check_submission(submission, task)
    if problems:
        raise SubmissionError(problems)


@dataclass(frozen=True)
class AlignedSubmission:
    """A valid submission lined up row by row with the private answers (`align_submission`), so that any
    selection of answer rows can be scored, e.g. for a bootstrap over the test rows."""

    predictions: pd.DataFrame
    answers: pd.DataFrame
    task: Task

    def __len__(self) -> int:
        return len(self.answers)

    def score(self, rows: Optional[Sequence[int]] = None) -> float:
        """The task's metric on the answer rows at these positions (repeats allowed); all rows when None."""
        if rows is None:
            return _score(self.predictions, self.answers, self.task)
        positions = np.asarray(rows, dtype=int)
        return _score(self.predictions.iloc[positions].reset_index(drop=True),
                      self.answers.iloc[positions].reset_index(drop=True), self.task)


def align_submission(submission: pd.DataFrame | Path | str, task: Task) -> AlignedSubmission:
    """Validates a submission and lines it up with the task's private answers.

    Raises:
        SubmissionError: the submission fails the format check.
        TaskError: the task has no private answers, or they do not cover the submission's ids.
    """
    if task.answers_file is None:
        raise TaskError(f"task {task.name} has no private answers, so it cannot be graded: looked for "
                        f"private/answers.csv, private/test.csv or a single CSV in private/ next to {task.data_dir}.")
    frame = _read(submission)
    if isinstance(frame, str):
        raise SubmissionError([frame])
    validate_submission(frame, task)
    task = graded_view(task)
    answers = read_table(task.answers_file, as_text=True)
    missing = [c for c in task.id_columns if c not in answers.columns]
    if missing or not task.id_columns:
        raise TaskError(f"{task.answers_file} lacks the id column(s) {_quote(missing or ['<none>'])}, so "
                        f"answers cannot be matched to submission rows (it has {_quote(list(answers.columns))}).")
    answer_keys = id_keys(answers, task.id_columns)
    submitted = frame.set_axis(id_keys(frame, task.id_columns), axis=0)
    absent = [k for k in answer_keys if k not in submitted.index]
    if absent:
        raise TaskError(f"{task.answers_file} holds {len(absent)} ids that are not in the test set "
                        f"(e.g. {', '.join(absent[:EXAMPLES])}): the answers and the test file disagree.")
    return AlignedSubmission(submitted.loc[answer_keys].reset_index(drop=True), answers.reset_index(drop=True),
                             task)


def grade(submission_path: pd.DataFrame | Path | str, task: Task) -> float:
    """Validates a submission and scores it with the task's metric on the private answers.

    Raises:
        SubmissionError: the submission fails the format check.
        TaskError: the task has no private answers, or they do not cover the submission's ids.
    """
    return align_submission(submission_path, task).score()


# ----------------------------------------------------------------------------- reading and expectations


def _read(submission: pd.DataFrame | Path | str) -> pd.DataFrame | str:
    """The submission as text values, or a sentence saying why it cannot be read."""
    if isinstance(submission, pd.DataFrame):
        return submission.rename(columns=str)
    path = Path(submission)
    if not path.is_file():
        return f"there is no submission file at {path}"
    if path.stat().st_size == 0:
        return f"the submission file {path.name} is empty: write a header line and one row per test id"
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # any parse failure is the submission's problem, reported as such
        return f"the submission {path.name} could not be read as CSV ({type(exc).__name__}: {exc})"


def _expected(task: Task) -> tuple[list[str], Optional[list[str]], int]:
    """(columns, id keys or None, row count) a submission must have; cached per source file version."""
    source = task.sample_submission_path or task.test_path
    stat = source.stat()
    key = (str(source), stat.st_mtime_ns, stat.st_size, task.id_columns, task.target_columns)
    if key not in _expected_cache:
        if task.sample_submission_path:
            columns = read_header(source)
        else:
            columns = [*task.id_columns, *task.target_columns]
        ids = None
        if task.id_columns and all(c in read_header(source) for c in task.id_columns):
            ids = id_keys(read_table(source, columns=list(task.id_columns), as_text=True), task.id_columns)
        rows = len(ids) if ids is not None else count_rows(source)
        _expected_cache[key] = (columns, ids, rows)
    return _expected_cache[key]


# ----------------------------------------------------------------------------- problems


def _id_problems(keys: list[str], expected: list[str], task: Task) -> list[str]:
    where = _quote(list(task.id_columns))
    if keys == expected:  # the usual case, the sample's ids in the sample's order: nothing to look for
        return []
    problems = []
    present = set(keys)
    if len(present) < len(keys):
        duplicated = [k for k, n in Counter(keys).items() if n > 1]
        problems.append(f"{len(duplicated)} id value(s) appear more than once in {where} (e.g. "
                        f"{_examples(duplicated)}): each test id must appear exactly once")
    expected_set = set(expected)
    missing = [k for k in expected if k not in present] if not expected_set <= present else []
    extra = [k for k in dict.fromkeys(keys) if k not in expected_set] if not present <= expected_set else []
    if missing:
        problems.append(f"{len(missing)} test id(s) are missing from {where} (e.g. {_examples(missing)}): "
                        f"add a row for every id of {task.test_file}")
    if extra:
        problems.append(f"{len(extra)} id(s) in {where} are not test ids (e.g. {_examples(extra)}): remove "
                        f"those rows; ids must come from {task.test_file}")
    return problems


def _prediction_problems(frame: pd.DataFrame, targets: Sequence[str], task: Task,
                         row_name: Callable[[int], str]) -> list[str]:
    problems: list[str] = []
    numeric_formats = ("value", "probability", "class_probabilities")
    numbers: dict[str, pd.Series] = {}
    for column in targets:
        values = frame[column]
        missing = _is_missing(values)
        if missing.any():
            where = np.flatnonzero(missing.to_numpy())
            problems.append(f"column {column!r} has {len(where)} missing value(s) (e.g. at {_rows(where, row_name)}): "
                            f"predict a value for every row")
        if task.prediction_format in numeric_formats:
            problems += _numeric_problems(column, values, missing, task)
            numbers[column] = pd.to_numeric(values.where(~missing), errors="coerce")
        elif task.prediction_format == "label" and task.classes is not None:
            known = {canonical_label(c) for c in task.classes}
            labels = values[~missing].map(canonical_label)
            unknown = labels[~labels.isin(known)]
            if len(unknown):
                problems.append(f"column {column!r} has {len(unknown)} value(s) that are not known classes (e.g. "
                                f"{_examples(list(dict.fromkeys(unknown)))}): expected one of "
                                f"{_examples(list(task.classes), limit=20)}")
    if task.prediction_format == "class_probabilities" and len(numbers) == len(task.target_columns) and numbers:
        matrix = pd.DataFrame(numbers)
        complete = matrix.notna().all(axis=1) & np.isfinite(matrix).all(axis=1)
        sums = matrix.sum(axis=1).to_numpy()
        off = np.flatnonzero(complete.to_numpy() & (np.abs(sums - 1) > ROW_SUM_TOLERANCE))
        if len(off):
            examples = ", ".join(f"{row_name(i)} sums to {sums[i]:.4g}" for i in off[:EXAMPLES])
            problems.append(f"{len(off)} row(s) of class probabilities ({_quote(list(task.target_columns), 6)}) "
                            f"do not sum to 1 (e.g. {examples}): normalise each row to sum to 1")
    return problems


def _numeric_problems(column: str, values: pd.Series, missing: pd.Series, task: Task) -> list[str]:
    problems = []
    numbers = pd.to_numeric(values.where(~missing), errors="coerce")
    not_numbers = values[numbers.isna() & ~missing]
    if len(not_numbers):
        problems.append(f"column {column!r} has {len(not_numbers)} value(s) that are not numbers (e.g. "
                        f"{_examples(list(dict.fromkeys(not_numbers.astype(str))))}): write numbers only")
    infinite = numbers[np.isinf(numbers.astype(float))]
    if len(infinite):
        problems.append(f"column {column!r} has {len(infinite)} infinite value(s): predict finite numbers")
    if task.prediction_format in ("probability", "class_probabilities"):
        finite = numbers[np.isfinite(numbers.astype(float))]
        outside = finite[(finite < 0) | (finite > 1)]
        if len(outside):
            problems.append(f"column {column!r} has {len(outside)} probabilities outside [0, 1] (e.g. "
                            f"{_examples([f'{v:.4g}' for v in outside])}): write probabilities between 0 and 1")
    if task.metric.name == "rmsle":
        negative = numbers[numbers < 0]
        if len(negative):
            problems.append(f"column {column!r} has {len(negative)} negative value(s) (e.g. "
                            f"{_examples([f'{v:.4g}' for v in negative])}): RMSLE needs predictions >= 0; "
                            f"clip them at 0")
    return problems


def _is_missing(values: pd.Series) -> pd.Series:
    text = values.astype(str).str.strip()
    return values.isna() | text.isin(_MISSING_TEXT)


def _examples(values: Sequence[Any], limit: int = EXAMPLES) -> str:
    shown = ", ".join(repr(v) if isinstance(v, str) and (not v or " " in v) else str(v) for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


def _rows(positions: Sequence[int], row_name: Callable[[int], str]) -> str:
    return ", ".join(row_name(i) for i in positions[:EXAMPLES]) + (", ..." if len(positions) > EXAMPLES else "")


def _quote(columns: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(repr(str(c)) for c in columns[:limit])
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > limit else "")


# ----------------------------------------------------------------------------- scoring


def _score(sub: pd.DataFrame, answers: pd.DataFrame, task: Task) -> float:
    metric, targets = task.metric, list(task.target_columns)
    if task.prediction_format == "class_probabilities":
        classes = list(task.classes or targets)
        proba = _floats(sub[targets])
        truth = _true_labels(answers, task)
        if metric.needs_proba:
            return metric.score(truth, proba, labels=classes)
        return metric.score(truth, np.asarray(classes, dtype=object)[proba.argmax(axis=1)], labels=classes)
    if task.prediction_format == "probability" and len(targets) > 1:
        truth = _floats(answers[_answer_columns(answers, task)])
        return metric.score(truth, _floats(sub[targets]))
    scores = []
    for target, answer_column in zip(targets, _answer_columns(answers, task)):
        truth, predicted = answers[answer_column].to_numpy(dtype=object), sub[target].to_numpy(dtype=object)
        if task.prediction_format == "probability":
            truth = _as_class_names(truth, task.classes)
            predicted = _floats(sub[[target]])[:, 0]
            if not metric.needs_proba:
                negative, positive = (task.classes or (0, 1))[:2]
                predicted = np.where(predicted >= 0.5, positive, negative).astype(object)
        scores.append(metric.score(truth, predicted, labels=task.classes if task.classes else None))
    return float(np.mean(scores))


def _as_class_names(truth: np.ndarray, classes: Optional[Sequence[Any]]) -> np.ndarray:
    """Answers of a probability column written as 0/1 (1: the positive class) while the training labels
    are names (dogs-vs-cats: label 1 is 'dog'), as the class names; other answers as they are."""
    names = [canonical_label(c) for c in classes or ()]
    given = {canonical_label(v) for v in truth}
    if len(names) != 2 or set(names) == {"0", "1"} or not given <= {"0", "1"}:
        return truth
    return np.array([names[int(canonical_label(v))] for v in truth], dtype=object)


def _floats(frame: pd.DataFrame) -> np.ndarray:
    return frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)


def _answer_columns(answers: pd.DataFrame, task: Task) -> list[str]:
    """The answers' column for each target: same name, else the train target's name, else the only one."""
    if all(c in answers.columns for c in task.target_columns):
        return list(task.target_columns)
    if len(task.target_columns) == len(task.train_target_columns) and \
            all(c in answers.columns for c in task.train_target_columns):
        return list(task.train_target_columns)
    others = [c for c in answers.columns if c not in task.id_columns]
    if len(task.target_columns) == 1 and len(others) == 1:
        return others
    raise TaskError(f"{task.answers_file} has no column for {_quote(list(task.target_columns))} (it has "
                    f"{_quote(list(answers.columns))}): name the answer columns like the submission's.")


def _true_labels(answers: pd.DataFrame, task: Task) -> np.ndarray:
    """True class labels for a class-probability task: from one-hot answer columns or a label column."""
    classes = list(task.classes or task.target_columns)
    if all(c in answers.columns for c in task.target_columns):
        one_hot = _floats(answers[list(task.target_columns)])
        return np.asarray(classes, dtype=object)[one_hot.argmax(axis=1)]
    for column in (*task.train_target_columns, *[c for c in answers.columns if c not in task.id_columns]):
        if column in answers.columns:
            return answers[column].to_numpy(dtype=object)
    raise TaskError(f"{task.answers_file} holds neither the class columns nor a label column: it has "
                    f"{_quote(list(answers.columns))}.")
