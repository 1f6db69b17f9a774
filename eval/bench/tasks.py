"""The tasks a bench runs on: discovery in a folder, and the tabular view that the AutoML peers get.

A tasks folder holds one folder per task, in our layout (`<name>/public`, `<name>/private`) or
MLE-bench's prepared layout (`<competition-id>/prepared/public`, `.../prepared/private`). Whatever the
task layer's `load_task` accepts is a task; anything else is skipped with a warning.

The peers are tabular AutoML systems. When a task's table names image or sound files (by path, file name
or id; on disk or inside a zip archive), the peers get a copy of the table with each image flattened into
grayscale pixel columns (at most 16x16) or each clip summarised by its 20 mean MFCCs, and JSON records
become CSV tables; the agent always gets the task as it
is. The report says so per task.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from machine_learning_engineering.task import TaskError, load_task, profile_task
from machine_learning_engineering.task.forms import read_rows
from machine_learning_engineering.task.audio import mfcc_means, read_sound
from machine_learning_engineering.task.media_files import MediaFiles
from machine_learning_engineering.task.inventory import file_kind
from machine_learning_engineering.task.tables import JSON_KINDS, read_table
from machine_learning_engineering.task.metrics import canonical_label

log = logging.getLogger("bench")

MAX_PIXEL_SIDE = 16
LOG_METRICS = ("rmsle", "msle")
MAX_VIEW_PIXELS = 500_000
PROFILE_ROWS = 2000  # enough rows to tell free text from ids and categories


@dataclass(frozen=True)
class BenchTask:
    """One task of the bench.

    Attributes:
        name: the task's name (its folder name).
        root: the folder given to the agent and to `load_task`.
        task: the loaded task (layout, metric, submission format).
        competition: the MLE-bench competition id and its data folder, when the task is in that layout.
    """

    name: str
    root: Path
    task: object
    competition: Optional[tuple[str, Path]] = None

    @property
    def data_dir(self) -> Path:
        return Path(self.task.data_dir)


@dataclass(frozen=True)
class TabularView:
    """What the peers read: train and test tables, and the columns they may use.

    Attributes:
        train, test: CSV files (the task's own, or flattened copies for image tasks).
        feature_columns: columns present in both tables that are not targets, nor ids unless the id holds
            free text (a comment that is its own submission key is also the input).
        note: how the view differs from the task, for the report ("" when it does not).
        modality: "image" (images flattened to pixels), "audio" (clips as mean MFCCs), "text" (some features
            are free text) or "tabular".
        text_columns: the features that hold free text.
    """

    train: Path
    test: Path
    feature_columns: tuple[str, ...]
    note: str = ""
    modality: str = "tabular"
    text_columns: tuple[str, ...] = ()


def ensure_bundled_tasks(tasks_dir: Path, suite: str = "tables") -> None:
    """Builds the bundled tasks into `tasks_dir` when it does not exist yet, and the missing ones (tasks
    added since it was built) when it already holds bundled tasks; another folder of tasks is left as it is.

    The `lite` suite (stand-ins for MLE-bench-Lite's competitions) is always built into `tasks_dir`; a
    stand-in already built there is kept.

    Raises:
        MissingSourceError: a lite stand-in's source data is not installed (the message says how).
    """
    from machine_learning_engineering.bundled_tasks import TASK_NAMES, build_all

    if suite == "lite":
        from machine_learning_engineering.bundled_tasks.lite import build_lite

        log.info("building the MLE-bench-Lite stand-ins missing from %s", tasks_dir)
        build_lite(tasks_dir)
        return
    if tasks_dir.exists():
        present = {p.name for p in tasks_dir.iterdir()} & set(TASK_NAMES)
        missing = [name for name in TASK_NAMES if name not in present]
        if not present or not missing:
            return
        log.info("building the bundled tasks missing from %s: %s", tasks_dir, ", ".join(missing))
        build_all(tasks_dir, missing)
        return
    log.info("building the bundled tasks into %s", tasks_dir)
    build_all(tasks_dir)


def held_out_tasks() -> list[str]:
    """Names of the bundled tasks no default was chosen on (a task folder of the same name counts too)."""
    from machine_learning_engineering.bundled_tasks.sources import SPECS

    return [spec.name for spec in SPECS if spec.held_out]


def discover_tasks(tasks_dir: Path, only: Optional[list[str]] = None) -> list[BenchTask]:
    """Every task folder directly under `tasks_dir` (sorted by name), or the named ones in the order given.

    Raises:
        ValueError: a name in `only` is not a task folder there.
    """
    if not tasks_dir.is_dir():
        raise ValueError(f"tasks folder {tasks_dir} does not exist; omit --tasks-dir to build the bundled tasks")
    found: list[BenchTask] = []
    for folder in sorted(p for p in tasks_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if only and folder.name not in only:
            continue
        task = _load(folder)
        if task is not None:
            found.append(task)
    missing = sorted(set(only or ()) - {t.name for t in found})
    if missing:
        raise ValueError(f"no task folder named {', '.join(missing)} in {tasks_dir}; "
                         f"found: {', '.join(t.name for t in found) or 'none'}")
    if only:
        found.sort(key=lambda t: only.index(t.name))
    return found


def _load(folder: Path) -> Optional[BenchTask]:
    try:
        task = load_task(folder)
    except TaskError as exc:
        log.warning("skipping %s: %s", folder, exc)
        return None
    competition = (folder.name, folder.parent.resolve()) if (folder / "prepared" / "public").is_dir() else None
    if task.answers_file is None and competition is None:
        log.warning("skipping %s: it has no private answers to grade against", folder)
        return None
    return BenchTask(folder.name, folder.resolve(), task, competition)


def targets_for(task: object) -> list[dict]:
    """The job's target entries (see `runners/common.py`): what to fit and which columns it fills.

    Raises:
        ValueError: the submission format has no tabular equivalent (ranked label lists for MAP@K), or the
            train targets cannot be mapped onto the submission columns.
    """
    kind, fmt = task.task_kind, task.prediction_format
    train_columns, submission_columns = list(task.train_target_columns), list(task.target_columns)
    classes = [canonical_label(c) for c in (task.classes or ())]
    if fmt == "ranking":
        raise ValueError(f"{task.name} asks for ranked label lists ({task.metric.name}); the tabular runners "
                         f"only write labels, probabilities and values")
    if fmt == "class_probabilities" and len(train_columns) == 1:
        return [{"column": train_columns[0], "kind": kind, "output": fmt, "classes": classes,
                 "submission_columns": submission_columns, "log_metric": False}]
    if len(train_columns) != len(submission_columns):
        raise ValueError(f"{task.name}: {len(train_columns)} train target columns but {len(submission_columns)} "
                         f"submission columns; the runners cannot map one onto the other")
    if kind == "multilabel" or fmt == "class_probabilities":
        # One 0/1 train column per submission column: one binary model each.
        kind, fmt, classes = "binary", "probability", ["0", "1"]
    output = "value" if kind == "regression" else fmt
    if output == "probability" and not classes:
        classes = ["0", "1"]
    log_metric = task.metric.name in LOG_METRICS
    return [{"column": train, "kind": kind, "output": output, "classes": classes,
             "submission_columns": [column], "log_metric": log_metric}
            for train, column in zip(train_columns, submission_columns)]


def tabular_view(bench_task: BenchTask, views_dir: Path) -> TabularView:
    """The peers' tables for a task, flattening image columns into pixels (cached under `views_dir`)."""
    task = bench_task.task
    if task.form is not None:
        return _form_view(bench_task, views_dir / bench_task.name)
    train_path, test_path = task.train_path, task.test_path
    from_json = file_kind(train_path.name) in JSON_KINDS or file_kind(test_path.name) in JSON_KINDS
    if from_json:
        train_path, test_path = _csv_copies(bench_task, views_dir / bench_task.name / "csv")
    train_head = read_table(train_path, nrows=50)  # the task layer's reader: a listing of files reads too
    test_head = read_table(test_path, nrows=50)
    profile = profile_task(task, max_rows=PROFILE_ROWS)
    texts = {c["name"] for c in profile["columns"] if c["role"] == "text"}
    excluded = (set(task.id_columns) - texts) | set(task.train_target_columns) | set(task.target_columns)
    features = [c for c in test_head.columns if c in train_head.columns and c not in excluded]
    text_columns = tuple(c for c in features if c in texts)
    kind, media = next(((kind, profile[key]) for kind, key in (("image", "images"), ("audio", "audio"))
                        if (profile[key] or {}).get("column") in test_head.columns), (None, None))
    if media is None:
        note = "tabular peers read the JSON records as CSV tables (list fields joined by spaces)" if from_json else ""
        return TabularView(train_path, test_path, tuple(features), note,
                           modality="text" if text_columns else "tabular", text_columns=text_columns)
    column = media["column"]
    folder = views_dir / bench_task.name
    manifest = folder / "view.json"
    source = [f"{path}:{path.stat().st_mtime_ns}:{path.stat().st_size}" for path in (train_path, test_path)]
    saved = _read_manifest(manifest)
    if saved.get("source") != source:
        folder.mkdir(parents=True, exist_ok=True)
        store = MediaFiles(task, kind)
        describe = _Pixels(store) if kind == "image" else _Cepstrum(store)
        splits = ((train_path, folder / "train.csv", media.get("folder")),
                  (test_path, folder / "test.csv", media.get("test_folder") or media.get("folder")))
        try:
            for table_path, target, media_folder in splits:
                table = read_table(table_path, as_text=True)  # ids as written: 1234e5 is a name, not a number
                described = describe(table[column], media_folder).add_prefix(f"{column}_")
                # The file column stays when it is also the id: the runners write the ids back.
                kept_table = table if column in task.id_columns else table.drop(columns=[column])
                pd.concat([kept_table, described], axis=1).to_csv(target, index=False)
        finally:
            store.close()
        kept = [c for c in features if c != column] + list(described.columns)
        note = f"tabular peers saw each {kind} file of `{column}` as {describe.what}; the agent saw the files"
        saved = {"source": source, "feature_columns": kept, "note": note}
        # Written last: a view whose manifest is there is complete.
        manifest.write_text(json.dumps(saved), encoding="utf-8")
    return TabularView(folder / "train.csv", folder / "test.csv", tuple(saved["feature_columns"]), saved["note"],
                       modality=kind)


def _form_view(bench_task: BenchTask, folder: Path) -> TabularView:
    """The peers' tables of a task whose examples have a form (see `task.forms`), in the rows of its long
    submission: one per recording and class (the class a column, each clip's 20 mean MFCCs), per pixel (a
    sample of the training pixels), or per token."""
    task, form = bench_task.task, bench_task.task.form
    manifest = folder / "view.json"
    saved = _read_manifest(manifest)
    if not saved:
        folder.mkdir(parents=True, exist_ok=True)
        train, test = read_rows(task, "train"), read_rows(task, "test")
        if form["kind"] == "ragged_labels":
            train, test = _per_class(task, train), _per_class(task, test)
            features = ["class", *(c for c in train.columns if c.startswith("mfcc"))]
            saved = {"modality": "audio", "feature_columns": features,
                     "note": "tabular peers saw one row per recording and class: the class and the clip's 20 mean MFCCs"}
        elif form["kind"] == "pixels":
            train = train.sample(n=min(len(train), MAX_VIEW_PIXELS), random_state=0)
            saved = {"modality": "pixels", "feature_columns": ["noisy", "row", "col"],
                     "note": f"tabular peers saw one row per pixel (its noisy intensity and place; "
                             f"{MAX_VIEW_PIXELS:,} training pixels at most)"}
        else:
            saved = {"modality": "tokens", "feature_columns": [form["source_column"]],
                     "note": "tabular peers saw one row per token, the token as written"}
        train.to_csv(folder / "train.csv", index=False)
        test.to_csv(folder / "test.csv", index=False)
        # Written last: a view whose manifest is there is complete.
        manifest.write_text(json.dumps(saved), encoding="utf-8")
    return TabularView(folder / "train.csv", folder / "test.csv", tuple(saved["feature_columns"]), saved["note"],
                       modality=saved["modality"])


def _per_class(task: object, recordings: pd.DataFrame) -> pd.DataFrame:
    """One row per recording and class, `Id = key * multiplier + class`, with the clip's mean MFCCs and,
    for training recordings, whether the class is in it (`Probability`)."""
    form = task.form
    store = MediaFiles(task, "audio")
    try:
        described = _Cepstrum(store)(recordings[form["file_column"]], form["rows"]["audio_folder"])
    finally:
        store.close()
    value_column = form["submission"]["value_column"]
    frames = []
    for j in range(form["n_classes"]):
        frame = pd.DataFrame({form["submission"]["id_column"]: recordings[form["key_column"]] * form["multiplier"] + j,
                              "class": j})
        frame = pd.concat([frame, described.reset_index(drop=True)], axis=1)
        if f"class_{j}" in recordings.columns:
            frame[value_column] = recordings[f"class_{j}"].to_numpy()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _csv_copies(bench_task: BenchTask, folder: Path) -> tuple[Path, Path]:
    """CSV copies of a task's JSON train and test tables (what the peers' runners read)."""
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for source, name in ((bench_task.task.train_path, "train.csv"), (bench_task.task.test_path, "test.csv")):
        read_table(source).to_csv(folder / name, index=False)
        copies.append(folder / name)
    return copies[0], copies[1]


def _read_manifest(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


class _Pixels:
    """Images as grayscale pixel columns px0, px1, ..., at most MAX_PIXEL_SIDE a side (the first image's
    shape, scaled, for every image)."""

    def __init__(self, store: MediaFiles) -> None:
        self.store, self.side = store, None

    @property
    def what(self) -> str:
        return f"{self.side[0]}x{self.side[1]} grayscale pixel columns"

    def __call__(self, values: pd.Series, folder: Optional[str]) -> pd.DataFrame:
        rows = []
        for value in values.astype(str):  # as written: a hex id such as 1234e5 is a name, not a number
            with self.store.open_image(value, folder) as image:
                gray = image.convert("L")
                if self.side is None:
                    width, height = gray.size
                    scale = min(1.0, MAX_PIXEL_SIDE / max(width, height))
                    self.side = (max(1, round(width * scale)), max(1, round(height * scale)))
                rows.append(np.asarray(gray.resize(self.side), dtype=np.uint8).ravel())
        size = self.side[0] * self.side[1] if self.side else 0
        matrix = np.vstack(rows) if rows else np.zeros((0, size), dtype=np.uint8)
        return pd.DataFrame(matrix, columns=[f"px{i}" for i in range(matrix.shape[1])])


class _Cepstrum:
    """Sound clips as their 20 mean MFCCs, columns mfcc0 ... mfcc19."""

    what = "its 20 mean MFCCs"

    def __init__(self, store: MediaFiles) -> None:
        self.store = store

    def __call__(self, values: pd.Series, folder: Optional[str]) -> pd.DataFrame:
        rows = [mfcc_means(*read_sound(self.store.read(value, folder))) for value in values.astype(str)]
        return pd.DataFrame(np.vstack(rows), columns=[f"mfcc{i}" for i in range(len(rows[0]))])
