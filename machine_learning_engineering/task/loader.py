"""`load_task`: a folder of data plus a description becomes a checked, fully described `Task`.

Layouts accepted (the agent only ever sees the data folder; private answers are for grading):

    <task>/public/ [+ <task>/private/answers.csv]            ours (see bundled_tasks)
    <comp>/prepared/public/ + <comp>/prepared/private/        MLE-bench (answers: test.csv or answers.csv)
    <folder>/                                                 plain: data and description, no answers

Everything the loader infers (files, id and target columns, prediction format, task kind, metric) can
be stated in an optional `task.yaml`; the loader fails with one `TaskError` that says what to fix when
the folder is malformed.
"""

from __future__ import annotations

import difflib
import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd
import yaml

from .errors import TaskError
from .forms import detect_form
from .inventory import DataFile, human_size, list_archive_members, list_data_files
from .listing import is_listing, listing_spec
from .metrics import METRIC_NAMES, Metric, canonical_label, detect_metric, get_metric, unknown_metric_phrase
from .tables import TABLE_KINDS, check_table, head_size, is_large, read_for_checks, read_header, read_table

logger = logging.getLogger("mle_star")

DESCRIPTION_NAMES = ("description.md", "task_description.txt", "README.md")
CONFIG_NAME = "task.yaml"
ANSWERS_NAMES = ("answers.csv", "test.csv")
TASK_KINDS = ("binary", "multiclass", "regression", "multilabel")
PREDICTION_FORMATS = ("label", "probability", "class_probabilities", "value", "ranking")
DEFAULT_METRICS = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "rmse", "multilabel": "roc_auc"}
CONFIG_KEYS = ("name", "metric", "id_column", "id_columns", "target_column", "target_columns", "label_column",
               "train_target_column", "train_target_columns", "train_file", "test_file",
               "sample_submission_file", "task_kind", "prediction_format", "image_column")
# Keys that name columns take a name or a list of names; the other keys take one value.
COLUMN_KEYS = ("id_column", "id_columns", "target_column", "target_columns", "label_column",
               "train_target_column", "train_target_columns")
_CONFIG_EXAMPLES = {"name": "my-task", "metric": "rmse", "train_file": "train.csv", "test_file": "test.csv",
                    "sample_submission_file": "sample_submission.csv", "task_kind": "binary",
                    "prediction_format": "probability", "image_column": "image_path", "id_columns": "[id, date]",
                    "target_columns": "[price, volume]", "train_target_columns": "[price, volume]"}

# An integer target with at most this many distinct values is a class label, not a quantity.
MAX_CLASSES_FOR_INTEGER_TARGET = 20
EXAMPLES_SHOWN = 5


@dataclass(frozen=True)
class Task:
    """A loaded, checked task.

    Attributes:
        name: task name (task.yaml `name`, else the task folder's name).
        root: the task folder (the one holding public/ and private/, or the plain data folder).
        data_dir: the folder the agent sees; file paths below are relative to it.
        description: the task description text.
        description_file: absolute path of the description.
        files: every file of the data folder.
        train_file, test_file, sample_submission_file: tables, relative to `data_dir` (the sample
            submission may be None).
        id_columns: columns that identify a test row (in the test file and the submission).
        target_columns: the prediction columns of the submission.
        train_target_columns: the target column(s) in the train file; differs from `target_columns`
            when the submission holds one probability column per class.
        prediction_format: "label" (class labels), "probability" (binary: P(positive class) in one
            column; multilabel: one probability per column), "class_probabilities" (one column per
            class, rows sum to 1), "value" (regression) or "ranking" (space-separated ranked labels, MAP@K).
        classes: class labels in prediction order (for class_probabilities: the submission's class
            columns; else the sorted train labels); None for regression.
        task_kind: binary, multiclass, regression or multilabel.
        metric: the evaluation metric.
        metric_source: where the metric came from: argument, task.yaml, description or default.
        answers_file: absolute path of the private answers, or None when the task has none.
        image_column: train/test column holding image paths, when task.yaml names one.
        archived: the images and sounds inside the data folder's zip archives, each with the archive's
            path as its first parts (train.zip/train/1.jpg); scripts read them from the archive.
        train_listing: when the training rows are the files of a folder or archive labelled by their
            names (`train_file` is then that folder or archive), how to read it (see `listing`).
        form: when the examples are not the rows of a train and a test table (recordings with ragged
            labels, image pairs, tokens), how to read them (see `forms`); the fields above then describe
            those examples, and `forms.graded_view` the long-form submission.
    """

    name: str
    root: Path
    data_dir: Path
    description: str
    description_file: Path
    files: tuple[DataFile, ...]
    train_file: Path
    test_file: Path
    sample_submission_file: Optional[Path]
    id_columns: tuple[str, ...]
    target_columns: tuple[str, ...]
    train_target_columns: tuple[str, ...]
    prediction_format: str
    classes: Optional[tuple[Any, ...]]
    task_kind: str
    metric: Metric
    metric_source: str
    answers_file: Optional[Path]
    image_column: Optional[str] = None
    archived: tuple[DataFile, ...] = ()
    train_listing: Optional[dict[str, Any]] = field(default=None, compare=False)  # a dict: left out of the hash
    form: Optional[dict[str, Any]] = field(default=None, compare=False)

    @property
    def train_path(self) -> Path:
        return self.data_dir / self.train_file

    @property
    def test_path(self) -> Path:
        return self.data_dir / self.test_file

    @property
    def sample_submission_path(self) -> Optional[Path]:
        return self.data_dir / self.sample_submission_file if self.sample_submission_file else None

    @property
    def is_classification(self) -> bool:
        return self.task_kind != "regression"

    def summary(self) -> str:
        """A few lines that describe the task, for logs and prompts."""
        kind = self.task_kind
        if self.classes is not None and kind != "regression":
            shown = ", ".join(map(str, self.classes[:10])) + (", ..." if len(self.classes) > 10 else "")
            kind += f", {len(self.classes)} classes: {shown}"
        tables = list(dict.fromkeys(p.as_posix() for p in (self.train_file, self.test_file,
                                                              self.sample_submission_file) if p))
        others = len(self.files) - len(tables)
        total = human_size(sum(f.size_bytes for f in self.files))
        predict = f"{', '.join(self.target_columns)} as {self.prediction_format.replace('_', ' ')}"
        if self.train_target_columns != self.target_columns:
            predict += f" (train label column: {', '.join(self.train_target_columns)})"
        direction = "higher" if self.metric.higher_is_better else "lower"
        answers = str(self.answers_file) if self.answers_file else "none (the task cannot be graded here)"
        inside = f", {len(self.archived)} inside its zip archives" if self.archived else ""
        return "\n".join([
            f"Task {self.name} ({kind})",
            f"Data: {self.data_dir}: {', '.join(tables)} (+{others} other files{inside}; {total} in all)",
            f"Predict: {predict}, one row per {', '.join(self.id_columns) or 'test row'}",
            f"Metric: {self.metric.name}, {direction} is better (from {self.metric_source})",
            f"Private answers: {answers}",
        ])


def load_task(path: str | Path, *, metric: Optional[str] = None) -> Task:
    """Loads and checks a task folder.

    Args:
        path: the task folder: ours (`<task>` with public/ and private/), MLE-bench's (`<comp>`,
            `<comp>/prepared` or `<comp>/prepared/public`), or a plain folder of data with its description.
        metric: metric name that overrides task.yaml and the description.

    Returns:
        The task, with every inferred field filled in.

    Raises:
        TaskError: the folder is missing or malformed; the message names the file and the fix.
    """
    try:
        return _load(Path(path), metric)
    except PermissionError as exc:
        denied = exc.filename or path
        raise TaskError(f"cannot read {denied}: permission denied. Make the task's files readable, e.g. "
                        f"`chmod -R u+rX {path}`.") from None


def _load(path: Path, metric: Optional[str]) -> Task:
    layout = _locate(path)
    files = list_data_files(layout.data_dir)
    if not files:
        raise TaskError(f"{layout.data_dir} is empty. Put the task's data (train.csv, test.csv, "
                        f"sample_submission.csv) and its description (description.md) in it.")
    config, config_file = _read_config(layout)
    description_file = _find_description(layout)
    description = _read_text(description_file)
    if not description.strip():
        raise TaskError(f"{description_file} is empty. Write in it what to predict and how submissions are "
                        f"scored (e.g. 'Submissions are evaluated on RMSE').")
    ignored = {CONFIG_NAME, *(n.lower() for n in DESCRIPTION_NAMES)}
    if not [f for f in files if len(f.path.parts) > 1 or f.path.name.lower() not in ignored]:
        raise TaskError(f"no data files in {layout.data_dir}: it holds only the description. Put the task's "
                        f"data there (e.g. train.csv, test.csv, sample_submission.csv).")

    form = None if {"train_file", "test_file"} & set(config) else detect_form(layout.data_dir, files)
    if form is not None:
        return _form_task(layout, files, form, config, config_file, description, description_file, metric)

    # MLE-bench names some training tables labels.csv (e.g. the taxi fares, or the labels of image folders).
    has_train_table = any(f.kind in TABLE_KINDS and _is_train(f) for f in files)
    has_labels = any(f.kind in TABLE_KINDS and _is_labels(f) for f in files)
    listing = None if has_train_table or has_labels or "train_file" in config else _find_listing(layout.data_dir)
    if listing is not None:
        # No training table: the labels are in the training files' names (cat.0.jpg, ..._1.aif).
        train_file = Path(listing["source"])
        logger.info("no train table: the training rows are the files of %s, labelled by their names", train_file)
    else:
        train_file = _pick_file(layout.data_dir, files, config, "train_file",
                                _is_train if has_train_table else _is_labels, "train", required=True)
    sample_file = _pick_file(layout.data_dir, files, config, "sample_submission_file", _is_sample,
                             "sample_submission", required=False)
    archived = list_archive_members(layout.data_dir, files)
    has_test_table = "test_file" in config or any(f.kind in TABLE_KINDS and _is_test(f) for f in files)
    if not has_test_table and sample_file is not None and _ids_name_files(layout.data_dir / sample_file,
                                                                         (*files, *archived)):
        # Image competitions often list the test examples only in the sample submission (aerial-cactus,
        # dog-breed): its ids are the test rows, and the files they name are the inputs.
        test_file = sample_file
        logger.info("no test table: the test rows are the ids of %s, which name its input files", sample_file)
    else:
        test_file = _pick_file(layout.data_dir, files, config, "test_file", _is_test, "test", required=True)
    for relative in (train_file, test_file, sample_file):
        if relative is not None:
            check_table(layout.data_dir / relative, relative)
            if is_large(layout.data_dir / relative):
                # A warning, so it shows without --verbose: a fault past the head goes unseen until a script reads it.
                logger.warning("%s is %s: the task checks read its first %s only", relative,
                            human_size((layout.data_dir / relative).stat().st_size),
                            head_size(layout.data_dir / relative))
    train_cols = read_header(layout.data_dir / train_file)
    test_cols = read_header(layout.data_dir / test_file)
    sample_cols = read_header(layout.data_dir / sample_file) if sample_file else []

    columns = _Columns(layout.data_dir, train_file, test_file, sample_file, train_cols, test_cols, sample_cols,
                       config, config_file)
    id_columns = columns.id_columns()
    target_columns = columns.target_columns(id_columns)
    train_targets = columns.train_target_columns(id_columns, target_columns)
    columns.check_features(id_columns, train_targets)
    target_values = read_for_checks(layout.data_dir / train_file, columns=list(train_targets))
    if len(train_targets) == 1:
        _check_target(target_values[train_targets[0]], train_targets[0], train_file)

    explicit, source = _explicit_metric(metric, config, config_file, description, description_file)
    task_kind, prediction_format, classes = _infer_target(
        target_columns, train_targets, target_values, explicit, config, config_file)
    sample_values = _sample_values(layout.data_dir / sample_file, target_columns) if sample_file else None
    chosen = explicit or _default_metric(task_kind, prediction_format, target_values, sample_values)
    if explicit is None:
        logger.info("no metric in task.yaml or the description; using %s for a %s task", chosen.name, task_kind)
    if chosen.kind == "ranking":
        prediction_format = "ranking"
    elif prediction_format is None:
        # A classification target predicted in one column per target: probabilities or labels.
        wants_proba = chosen.needs_proba or sample_values == "fractional"
        prediction_format = "probability" if task_kind in ("binary", "multilabel") and wants_proba else "label"
    if sample_file and id_columns and all(c in test_cols for c in id_columns):
        if is_large(layout.data_dir / sample_file) or is_large(layout.data_dir / test_file):
            logger.info("%s and %s are not compared id by id here (too large); the final submission check "
                        "compares every id", sample_file, test_file)
        else:
            _check_sample_ids(layout.data_dir, sample_file, test_file, id_columns)

    return Task(
        name=str(config.get("name") or layout.name), root=layout.root, data_dir=layout.data_dir,
        description=description, description_file=description_file, files=files,
        train_file=train_file, test_file=test_file, sample_submission_file=sample_file,
        id_columns=id_columns, target_columns=target_columns, train_target_columns=train_targets,
        prediction_format=prediction_format, classes=classes, task_kind=task_kind, metric=chosen,
        metric_source=source, answers_file=_find_answers(layout.private_dir),
        image_column=str(config["image_column"]) if config.get("image_column") else None,
        archived=archived, train_listing=listing,
    )


def _form_task(layout: "_Layout", files: Sequence[DataFile], form: dict[str, Any], config: dict[str, Any],
               config_file: Optional[Path], description: str, description_file: Path,
               metric: Optional[str]) -> Task:
    """The task of a data folder whose examples have a form of their own (see `forms`)."""
    rows, graded = form["rows"], form["graded"]
    sources = {"ragged_labels": (form.get("labels_file"), form.get("labels_file")),
               "pixels": (form.get("clean_folder"), form.get("test_folder")),
               "tokens": (form.get("train_file"), form.get("test_file"))}[form["kind"]]
    sample = next(f.path for f in files if "submission" in f.path.name.lower() and f.kind == "csv")
    explicit, source = _explicit_metric(metric, config, config_file, description, description_file)
    chosen = explicit or get_metric(DEFAULT_METRICS[graded["task_kind"]])
    logger.info("the examples are read in the %s form; a submission has the rows of %s", form["kind"], sample)
    return Task(
        name=str(config.get("name") or layout.name), root=layout.root, data_dir=layout.data_dir,
        description=description, description_file=description_file, files=tuple(files),
        train_file=Path(sources[0]), test_file=Path(sources[1]), sample_submission_file=sample,
        id_columns=tuple(rows["id_columns"]), target_columns=tuple(rows["target_columns"]),
        train_target_columns=tuple(rows["target_columns"]), prediction_format=rows["prediction_format"],
        classes=None, task_kind=rows["task_kind"], metric=chosen, metric_source=source if explicit else "default",
        answers_file=_find_answers(layout.private_dir), form=form,
    )


# ----------------------------------------------------------------------------- where things are


@dataclass(frozen=True)
class _Layout:
    root: Path
    data_dir: Path
    private_dir: Optional[Path]
    name: str


def _locate(path: Path) -> _Layout:
    path = path.expanduser()
    if not path.exists():
        raise TaskError(f"task folder {path} does not exist. Give the folder that holds the task's description "
                        f"and data: <task>/ with public/ (and private/), MLE-bench's <competition>/prepared/, "
                        f"or a plain folder with description.md, train.csv and test.csv.")
    if not path.is_dir():
        raise TaskError(f"{path} is a file, not a task folder. Give the folder that holds it ({path.parent}).")
    path = path.resolve()
    if (path / "prepared" / "public").is_dir():
        return _Layout(path, path / "prepared" / "public", path / "prepared" / "private", path.name)
    if (path / "public").is_dir():
        name = path.parent.name if path.name == "prepared" else path.name
        return _Layout(path, path / "public", path / "private", name)
    if path.name == "public" and ((path.parent / "private").is_dir() or path.parent.name == "prepared"):
        parent = path.parent
        name = parent.parent.name if parent.name == "prepared" else parent.name
        return _Layout(parent, path, parent / "private", name)
    return _Layout(path, path, None, path.name)


def _search_dirs(layout: _Layout) -> list[Path]:
    return [layout.data_dir] + ([layout.root] if layout.root != layout.data_dir else [])


def _find_in(folder: Path, name: str) -> Optional[Path]:
    exact = folder / name
    if exact.is_file():
        return exact
    matches = [p for p in folder.iterdir() if p.is_file() and p.name.lower() == name.lower()]
    return matches[0] if matches else None


def _find_description(layout: _Layout) -> Path:
    for name in DESCRIPTION_NAMES:
        for folder in _search_dirs(layout):
            found = _find_in(folder, name)
            if found:
                return found
    where = " or ".join(str(d) for d in _search_dirs(layout))
    raise TaskError(f"no task description in {where}: looked for {', '.join(DESCRIPTION_NAMES)}. Write a "
                    f"description.md that says what to predict and how submissions are scored.")


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TaskError(f"{path} is not valid UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}). "
                        f"Re-save it as UTF-8, e.g. `iconv -f latin1 -t utf-8 {path.name} > tmp && "
                        f"mv tmp {path.name}`, or 'save as UTF-8' in an editor.") from None


def _read_config(layout: _Layout) -> tuple[dict[str, Any], Optional[Path]]:
    for folder in _search_dirs(layout):
        path = _find_in(folder, CONFIG_NAME)
        if path is None:
            continue
        try:
            config = yaml.safe_load(_read_text(path))
        except yaml.YAMLError as exc:
            raise TaskError(f"{path} is not valid YAML ({_yaml_problem(exc)}). Fix it, or remove it to let the "
                            f"loader infer everything.") from None
        if config is None:
            return {}, path
        if not isinstance(config, dict):
            raise TaskError(f"{path} must be a mapping of settings (e.g. `metric: rmse`), not a "
                            f"{type(config).__name__}.")
        config = {str(k).lower(): v for k, v in config.items()}
        for key, value in config.items():
            _check_config_value(path, key, value)
        return config, path
    return {}, None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark else problem


def _check_config_value(path: Path, key: str, value: Any) -> None:
    """Refuses an unknown key (a typo would otherwise be ignored) and a value of the wrong type."""
    if key not in CONFIG_KEYS:
        close = difflib.get_close_matches(key, CONFIG_KEYS, n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        raise TaskError(f"{path}: unknown key `{key}`{hint}. Known keys: {', '.join(CONFIG_KEYS)}.")
    if value is None or value == []:
        return  # `key:` with no value leaves the setting to the loader

    def single(v: Any) -> bool:
        return isinstance(v, (str, int, float)) and not isinstance(v, bool)

    if key in COLUMN_KEYS:
        wanted, ok = "a column name or a list of column names", single(value) or (
            isinstance(value, list) and all(single(v) for v in value))
    else:
        wanted, ok = "one value", single(value)
    if not ok:
        kind = {bool: "true/false", dict: "a mapping", list: "a list"}.get(type(value), type(value).__name__)
        quote = " (quote a name that YAML reads as true/false, e.g. \"yes\")" if isinstance(value, bool) else ""
        raise TaskError(f"{path}: `{key}` must be {wanted}, not {kind} ({value!r}){quote}, e.g. `{key}: "
                        f"{_CONFIG_EXAMPLES.get(key, 'name')}`.")


def _find_answers(private_dir: Optional[Path]) -> Optional[Path]:
    if private_dir is None or not private_dir.is_dir():
        return None
    for name in ANSWERS_NAMES:
        if (private_dir / name).is_file():
            return private_dir / name
    csvs = sorted(p for p in private_dir.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if len(csvs) == 1:
        return csvs[0]
    if csvs:
        logger.warning("%s holds several CSV files (%s) and no answers.csv: the task cannot be graded",
                       private_dir, ", ".join(p.name for p in csvs))
    return None


# ----------------------------------------------------------------------------- which file is which


def _stem(f: DataFile) -> str:
    name = f.path.name.lower()
    return name.split(".")[0]


def _is_sample(f: DataFile) -> bool:
    return "submission" in _stem(f)


def _is_train(f: DataFile) -> bool:
    return "train" in _stem(f) and not _is_sample(f)


def _is_labels(f: DataFile) -> bool:
    return _stem(f) == "labels"


def _is_test(f: DataFile) -> bool:
    return "test" in _stem(f) and not _is_sample(f) and "train" not in _stem(f)


def _find_listing(data_dir: Path) -> Optional[dict[str, Any]]:
    """The listing spec of the folder or zip archive of training files labelled by their names, if any:
    a plain folder before an archive of the same files (MLE-bench leaves both for dogs-vs-cats)."""
    candidates = sorted((p for p in data_dir.iterdir() if "train" in p.name.lower() and is_listing(p)),
                        key=lambda p: (not p.is_dir(), p.name))
    for candidate in candidates:
        try:
            spec = listing_spec(candidate)
        except (OSError, ValueError, zipfile.BadZipFile):
            continue
        if spec is not None:
            return spec
    return None


def _ids_name_files(sample: Path, files: Sequence[DataFile]) -> bool:
    """Whether the sample submission's first column names input files (1.jpg, or 1 for train/1.jpg): then
    it can stand for the test table."""
    inputs = {name for f in files if f.kind not in TABLE_KINDS for name in (f.path.name, f.path.stem)}
    try:
        first = read_header(sample)[0]
        ids = [canonical_label(v) for v in read_table(sample, columns=[first], nrows=20, as_text=True)[first]]
    except Exception:  # an unreadable sample is reported by the table checks
        return False
    return bool(ids) and sum(v in inputs for v in ids) >= 0.8 * len(ids)


def _pick_file(data_dir: Path, files: Sequence[DataFile], config: dict[str, Any], key: str, matches: Any,
               role: str, *, required: bool) -> Optional[Path]:
    named = config.get(key)
    if named:
        relative = Path(str(named))
        if not (data_dir / relative).is_file():
            raise TaskError(f"task.yaml names {key}: {named!r}, but {data_dir / relative} does not exist. Fix the "
                            f"name (paths are relative to {data_dir}).")
        return relative
    candidates = [f for f in files if f.kind in TABLE_KINDS and matches(f)]
    if not candidates:
        if required:
            raise TaskError(f"no {role} table found in {data_dir}: looked for a .csv, .tsv or .parquet file whose "
                            f"name contains '{role}' (e.g. {role}.csv{', or labels.csv' if role == 'train' else ''}). "
                            f"Rename it, or name it in task.yaml "
                            f"(`{key}: my_{role}_data.csv`).")
        return None

    def preference(f: DataFile) -> tuple:
        # train.csv, then train.<other>, then names holding "train", shallow and short before deep and long.
        return (f.path.name.lower() != f"{role}.csv", _stem(f) != role, role not in _stem(f),
                len(f.path.parts), len(f.path.name), f.path.as_posix())

    return min(candidates, key=preference).path


# ----------------------------------------------------------------------------- ids and targets


def _listed(config: dict[str, Any], *keys: str) -> Optional[tuple[str, ...]]:
    for key in keys:
        value = config.get(key)
        if value is None or value == []:
            continue
        return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else (str(value),)
    return None


@dataclass(frozen=True)
class _Columns:
    data_dir: Path
    train_file: Path
    test_file: Path
    sample_file: Optional[Path]
    train: list[str]
    test: list[str]
    sample: list[str]
    config: dict[str, Any]
    config_file: Optional[Path]

    def id_columns(self) -> tuple[str, ...]:
        configured = _listed(self.config, "id_columns", "id_column")
        if configured is not None:
            for column in configured:
                if column not in self.test:
                    raise TaskError(f"{self.config_file} names id column {column!r}, but {self.test_file} has no "
                                    f"such column (it has: {_names(self.test)}). Fix `id_column` in task.yaml.")
                if self.sample_file and column not in self.sample:
                    raise TaskError(f"{self.config_file} names id column {column!r}, but {self.sample_file} has "
                                    f"no such column (it has: {_names(self.sample)}).")
            return configured
        if self.sample:
            shared = tuple(c for c in self.sample if c in self.test)
            if shared and len(shared) < len(self.sample):
                return shared
            if shared:
                # The test file repeats the prediction columns (empty): only the first column identifies rows.
                return shared[:1]
            spelt = _loosely_in(self.sample[0], self.test)
            if spelt:
                raise TaskError(f"{self.sample_file}'s id column {self.sample[0]!r} is {spelt!r} in {self.test_file}: "
                                f"rename one so that both spell it the same, or name the id column in task.yaml "
                                f"(`id_column: ...`).")
            return (self.sample[0],) if len(self.sample) > 1 else ()
        named_id = [c for c in self.test if c.lower() == "id" or c.lower().endswith("_id")]
        return tuple(named_id[:1])

    def target_columns(self, id_columns: tuple[str, ...]) -> tuple[str, ...]:
        configured = _listed(self.config, "target_columns", "target_column")
        if configured is not None:
            missing = [c for c in configured if self.sample and c not in self.sample]
            if missing:
                raise TaskError(f"{self.config_file} names target column(s) {_names(missing)}, but "
                                f"{self.sample_file} has no such column (it has: {_names(self.sample)}). Fix "
                                f"`target_column` in task.yaml.")
            labelled = _listed(self.config, "train_target_columns", "train_target_column", "label_column")
            missing = [c for c in configured if not self.sample and not labelled and c not in self.train]
            if missing:
                raise TaskError(f"{self.config_file} names target column(s) {_names(missing)}, but "
                                f"{self.train_file} has no such column (it has: {_names(self.train)}). Fix "
                                f"`target_column` in task.yaml.")
            return configured
        if self.sample:
            targets = tuple(c for c in self.sample if c not in id_columns)
            if not targets:
                raise TaskError(f"{self.sample_file} has only id columns ({_names(self.sample)}): nothing to "
                                f"predict. Add the prediction column(s) to it, or name them in task.yaml "
                                f"(`target_column: ...`).")
            return targets
        targets = tuple(c for c in self.train if c not in self.test and c not in id_columns)
        if not targets:
            raise TaskError(f"cannot tell the target: every column of {self.train_file} is also in "
                            f"{self.test_file}, and there is no sample submission. Name it in task.yaml "
                            f"(`target_column: ...`).")
        return targets

    def train_target_columns(self, id_columns: tuple[str, ...], targets: tuple[str, ...]) -> tuple[str, ...]:
        configured = _listed(self.config, "train_target_columns", "train_target_column", "label_column")
        if configured is not None:
            missing = [c for c in configured if c not in self.train]
            if missing:
                raise TaskError(f"{self.config_file} names train target column(s) {_names(missing)}, but "
                                f"{self.train_file} has no such column (it has: {_names(self.train)}).")
            return configured
        if all(c in self.train for c in targets):
            return targets
        leftover = [c for c in self.train if c not in self.test and c not in id_columns]
        if len(targets) > 1:
            # One submission column per class: the train label column is the one holding those class names.
            names = {canonical_label(t) for t in targets}
            matching = [c for c in leftover if self._values_within(c, names)]
            if matching:
                return (matching[0],)
        if len(leftover) == 1:
            return (leftover[0],)
        missing = [c for c in targets if c not in self.train]
        raise TaskError(f"cannot find the target in {self.train_file}: the submission predicts {_names(missing)}, "
                        f"which {self.train_file} lacks, and the columns only in train are "
                        f"{_names(leftover) or 'none'}. Name the label column in task.yaml "
                        f"(`label_column: ...`).")

    def _values_within(self, column: str, names: set[str]) -> bool:
        values = read_for_checks(self.data_dir / self.train_file, columns=[column], as_text=True)[column]
        return set(canonical_label(v) for v in values.unique() if v != "") <= names

    def check_features(self, id_columns: tuple[str, ...], train_targets: tuple[str, ...]) -> None:
        """Refuses a test table whose columns are not train's: one spelt differently, or none in common
        where test has columns of its own. Train columns that test lacks are legitimate (a count that
        only exists after the fact), and are logged: the models cannot use them."""
        features = [c for c in self.train if c not in id_columns and c not in train_targets]
        missing = [c for c in features if c not in self.test]
        if not missing:
            return
        own = [c for c in self.test if c not in self.train and c not in id_columns]
        for column in missing:
            spelt = _loosely_in(column, own)
            if spelt:
                raise TaskError(f"{self.test_file} spells {self.train_file}'s column {column!r} as {spelt!r}: "
                                f"rename one so that both tables spell it the same.")
        if len(missing) == len(features) and own:
            raise TaskError(f"{self.test_file} has none of {self.train_file}'s feature columns "
                            f"({_names(features)}); it has {_names(self.test)}. Check that it is this task's test "
                            f"table, or name the right one in task.yaml (`test_file: ...`).")
        logger.warning("%s has no column %s of %s: the models cannot use %s", self.test_file, _names(missing),
                       self.train_file, "it" if len(missing) == 1 else "them")


def _loosely_in(name: str, candidates: Sequence[str]) -> Optional[str]:
    """The candidate that is `name` up to case, spaces, '-' and '_' (but not `name` itself), or None."""
    def loose(text: str) -> str:
        return re.sub(r"[\s_-]+", "", text).lower()

    return next((c for c in candidates if c != name and loose(c) == loose(name)), None)


def _names(columns: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(map(str, columns[:limit]))
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > limit else "")


def _sample_values(path: Path, targets: Sequence[str]) -> Optional[str]:
    """What the sample submission's predictions look like: "fractional" (all strictly between 0 and 1,
    i.e. probabilities), "numeric", "text", or None when it tells nothing."""
    try:
        head = read_table(path, columns=[c for c in targets if c in read_header(path)], nrows=200, as_text=True)
    except Exception:  # the format check reports unreadable samples; here they just give no hint
        return None
    text = head.to_numpy().ravel()
    text = text[text != ""]
    if not len(text):
        return None
    numbers = pd.to_numeric(pd.Series(text), errors="coerce")
    if numbers.isna().any():
        return "text"
    return "fractional" if bool(((numbers > 0) & (numbers < 1)).all()) else "numeric"


def _infer_target(targets: tuple[str, ...], train_targets: tuple[str, ...], values: pd.DataFrame,
                  explicit: Optional[Metric], config: dict[str, Any], config_file: Optional[Path],
                  ) -> tuple[str, Optional[str], Optional[tuple[Any, ...]]]:
    """(task kind, prediction format, classes) from the train target and the submission's columns.

    The format is None where it depends on the metric: label or probability columns.
    """
    kind = config.get("task_kind")
    if kind is not None and kind not in TASK_KINDS:
        raise TaskError(f"{config_file}: task_kind {kind!r} is not one of {', '.join(TASK_KINDS)}.")
    fmt = config.get("prediction_format")
    if fmt is not None and fmt not in PREDICTION_FORMATS:
        raise TaskError(f"{config_file}: prediction_format {fmt!r} is not one of {', '.join(PREDICTION_FORMATS)}.")

    if len(targets) > 1 and targets != train_targets:
        classes = tuple(targets)
        kind = kind or ("binary" if len(classes) == 2 else "multiclass")
        return kind, fmt or "class_probabilities", classes
    if len(targets) > 1:
        frame = values[list(targets)]
        binary = all(set(pd.unique(frame[c].dropna())) <= {0, 1, True, False} for c in targets)
        kind = kind or ("multilabel" if binary else "regression")
        if kind == "regression":
            return kind, fmt or "value", None
        return kind, fmt, tuple(targets)

    series = values[train_targets[0]].dropna()
    kind = kind or _kind_of(series, explicit)
    if kind == "regression":
        return kind, fmt or "value", None
    return kind, fmt, _sorted_values(series)


def _check_target(values: pd.Series, column: str, train_file: Path) -> None:
    """Refuses a target with no values, or with one value only: there is nothing to learn."""
    present = values.dropna()
    if present.empty:
        raise TaskError(f"{train_file}'s target column {column!r} has no values in its {len(values)} rows. Fill it "
                        f"in, or name the right column in task.yaml (`label_column: ...`).")
    if present.nunique() == 1:
        value = present.iloc[0].item() if hasattr(present.iloc[0], "item") else present.iloc[0]
        raise TaskError(f"{train_file}'s target column {column!r} holds one value ({value!r}) in all "
                        f"{len(present)} rows read: there is nothing to learn. Check that it is the right column "
                        f"(`label_column: ...` in task.yaml) and the full training data.")


def _kind_of(series: pd.Series, explicit: Optional[Metric]) -> str:
    n_unique = series.nunique()
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if numeric:
        integral = bool((series == series.round()).all())
        looks_like_classes = n_unique <= 2 or (integral and n_unique <= MAX_CLASSES_FOR_INTEGER_TARGET)
        if explicit is not None and explicit.kind == "regression":
            return "regression"
        if explicit is not None and explicit.kind == "classification" and integral:
            return "binary" if n_unique <= 2 else "multiclass"
        if not looks_like_classes:
            return "regression"
    return "binary" if n_unique <= 2 else "multiclass"


def _sorted_values(series: pd.Series) -> tuple[Any, ...]:
    values = [v.item() if hasattr(v, "item") else v for v in pd.unique(series)]
    try:
        return tuple(sorted(values))
    except TypeError:
        return tuple(sorted(values, key=str))


# ----------------------------------------------------------------------------- metric


def _explicit_metric(argument: Optional[str], config: dict[str, Any], config_file: Optional[Path],
                     description: str, description_file: Path) -> tuple[Optional[Metric], str]:
    if argument:
        return get_metric(argument), "argument"
    if config.get("metric"):
        try:
            return get_metric(str(config["metric"])), "task.yaml"
        except TaskError as exc:
            raise TaskError(f"{config_file}: {exc}") from None
    detected = detect_metric(description)
    if detected is not None:
        return detected, "description"
    unknown = unknown_metric_phrase(description)
    if unknown:
        # A default metric would optimise and report something other than what the task is scored on.
        raise TaskError(f"{description_file} scores submissions on a metric this agent does not know ({unknown!r}). "
                        f"Known metrics: {', '.join(METRIC_NAMES)}; name the closest in task.yaml (`metric: ...`).")
    return None, "default"


def _default_metric(task_kind: str, prediction_format: Optional[str], values: pd.DataFrame,
                    sample_values: Optional[str]) -> Metric:
    if task_kind == "multiclass" and prediction_format == "class_probabilities":
        return get_metric("log_loss")
    if task_kind == "binary" and prediction_format in (None, "label"):
        numeric_target = all(pd.api.types.is_numeric_dtype(values[c]) and not pd.api.types.is_bool_dtype(values[c])
                             for c in values)
        if sample_values == "text" or (sample_values is None and not numeric_target):
            # ROC AUC needs a score; a submission of text labels can only be counted right or wrong.
            return get_metric("accuracy")
    return get_metric(DEFAULT_METRICS[task_kind])


# ----------------------------------------------------------------------------- checks


def _check_sample_ids(data_dir: Path, sample_file: Path, test_file: Path, id_columns: tuple[str, ...]) -> None:
    sample_ids = id_keys(read_table(data_dir / sample_file, columns=list(id_columns), as_text=True), id_columns)
    test_ids = id_keys(read_table(data_dir / test_file, columns=list(id_columns), as_text=True), id_columns)
    sample_set, test_set = set(sample_ids), set(test_ids)
    missing = [k for k in dict.fromkeys(test_ids) if k not in sample_set]
    extra = [k for k in dict.fromkeys(sample_ids) if k not in test_set]
    if not missing and not extra:
        return
    parts = []
    if missing:
        parts.append(f"{len(missing)} test ids are missing from it (e.g. {_examples(missing)})")
    if extra:
        parts.append(f"{len(extra)} of its ids are not in the test set (e.g. {_examples(extra)})")
    raise TaskError(f"{sample_file} does not match {test_file} on {', '.join(id_columns)}: {' and '.join(parts)}. "
                    f"The sample submission must hold one row per test id: rebuild it from {test_file}, or name "
                    f"the right id column in task.yaml (`id_column: ...`).")


def id_keys(frame: pd.DataFrame, id_columns: Sequence[str]) -> list[str]:
    """One comparable key per row: the canonical id values, joined with '|' for composite ids."""
    columns = [_canonical_ids(frame[c]) for c in id_columns]
    if len(columns) == 1:
        return columns[0]
    return ["|".join(parts) for parts in zip(*columns)]


def _canonical_ids(values: pd.Series) -> list[str]:
    """`canonical_label` of each value, computed once per distinct value; text holding '_' is taken as it is
    (stripped), as `canonical_label` takes it, without the call: a long-form submission has millions."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    uniques = np.asarray(uniques, dtype=object)  # iterating an Arrow-backed array is several times slower
    canonical = np.array([v.strip() if isinstance(v, str) and "_" in v else canonical_label(v) for v in uniques],
                         dtype=object)
    return canonical[codes].tolist()


def _examples(values: Sequence[Any], limit: int = EXAMPLES_SHOWN) -> str:
    return ", ".join(repr(v) if isinstance(v, str) and not v.strip() else str(v) for v in values[:limit])
