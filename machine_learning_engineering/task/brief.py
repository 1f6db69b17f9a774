"""`make_brief`: the compact, JSON-only description of a task that every agent prompt carries and
every generated script embeds.

File paths are relative to the data folder, which scripts see as `./input/`. The description text
travels separately.
"""

from __future__ import annotations

from typing import Any

from .loader import Task
from .profile import jsonable

INPUT_DIR = "./input"
MAX_COLUMNS = 200
MAX_CLASSES = 1000
# The profile's role names that the brief (and the script contract) spells differently.
ROLE_NAMES = {"image_path": "image"}


def make_brief(task: Task, profile: dict[str, Any], *, n_folds: int = 5, seed: int = 42, n_repeats: int = 1,
               repeat_max_rows: int = 0, refit_min_rows: int = 0) -> dict[str, Any]:
    """The task brief (JSON-serialisable) from a loaded task and its `profile_task` profile; a training
    set of at most `repeat_max_rows` rows repeats its k-fold split `n_repeats` times, and a table (no images,
    sounds or form) of at least `refit_min_rows` rows (0: none) also refits on all rows (`refit_all_rows`)."""
    n_train = profile.get("train", {}).get("n_rows")
    images = profile.get("images") or {}
    audio = profile.get("audio") or {}
    columns = []
    for column in profile.get("columns", [])[:MAX_COLUMNS]:
        entry = {k: column[k] for k in ("name", "role", "dtype", "n_unique", "missing_frac", "examples", "code_length")
                 if k in column}
        entry["role"] = ROLE_NAMES.get(entry.get("role"), entry.get("role"))
        columns.append(entry)
    brief = {
        "task_name": task.name,
        "task_kind": task.task_kind,
        "metric": task.metric.name,
        "higher_is_better": task.metric.higher_is_better,
        "metric_needs_probabilities": task.metric.needs_proba,
        "prediction_format": task.prediction_format,
        "input_dir": INPUT_DIR,
        "train_file": task.train_file.as_posix(),
        "test_file": task.test_file.as_posix(),
        "sample_submission_file": task.sample_submission_file.as_posix() if task.sample_submission_file else None,
        "id_columns": list(task.id_columns),
        "target_columns": list(task.target_columns),
        "train_target_column": task.train_target_columns[0] if task.train_target_columns else None,
        "train_target_columns": list(task.train_target_columns),
        "classes": list(task.classes[:MAX_CLASSES]) if task.classes is not None else None,
        "n_train": n_train,
        "n_test": profile.get("test", {}).get("n_rows"),
        "columns": columns,
        "same_scale_columns": profile.get("same_scale_columns", 0),
        "target": profile.get("target"),
        "image_column": images.get("column"),
        "image_folder": images.get("folder"),
        "test_image_folder": images.get("test_folder"),
        "train_listing": task.train_listing,
        "form": task.form,
        "audio_column": audio.get("column"),
        "audio_folder": audio.get("folder"),
        "test_audio_folder": audio.get("test_folder"),
        "n_folds": n_folds,
        "n_repeats": n_repeats if n_train is not None and n_train <= repeat_max_rows else 1,
        "refit_all_rows": bool(refit_min_rows and n_train is not None and n_train >= refit_min_rows
                               and not images and not audio and task.form is None),
        "seed": seed,
    }
    if len(profile.get("columns", [])) > MAX_COLUMNS:
        brief["columns_omitted"] = len(profile["columns"]) - MAX_COLUMNS
    return jsonable(brief)
