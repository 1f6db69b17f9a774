"""Validation of the task brief and the TASK dict that every generated script embeds."""

from __future__ import annotations

import pprint
from typing import Any, Mapping

TASK_KINDS = ("binary", "multiclass", "regression", "multilabel")
PREDICTION_FORMATS = ("label", "probability", "class_probabilities")
CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "f1", "f1_macro", "f1_micro", "f1_weighted", "roc_auc",
                          "average_precision", "log_loss", "qwk")
REGRESSION_METRICS = ("rmse", "mse", "mae", "rmsle", "r2", "mape", "qwk")
LOWER_IS_BETTER = ("log_loss", "rmse", "mse", "mae", "rmsle", "mape")
FEATURE_ROLES = ("numeric", "categorical", "text", "datetime")
MAX_CLASSES = 1000


def unsupported_task(task_kind: str, prediction_format: str, n_classes: int | None = None) -> str | None:
    """Why the composer cannot write scripts for a task of this kind, format and number of classes, or None
    when it can."""
    if task_kind != "regression" and n_classes is not None and n_classes > MAX_CLASSES:
        return (f"the target has {n_classes:,} distinct values: a text-to-text task (such as normalising "
                f"tokens) or more labels than a classifier can learn one by one; the offline engine writes "
                f"classifiers for up to {MAX_CLASSES:,} classes. Run it with an online model (--model "
                f"gemini-2.5-pro), or group the labels")
    if prediction_format == "ranking":
        return ("the offline engine does not write ranked label lists (MAP@K submissions) yet; run it with an "
                "online model (--model gemini-2.5-pro, or --agent-model candidate_writer=... and the other "
                "writers) or submit labels")
    if task_kind not in TASK_KINDS:
        return f"the offline engine writes scripts for {', '.join(TASK_KINDS)} tasks, not {task_kind!r}"
    return None


def normalise_brief(brief: Mapping[str, Any]) -> dict[str, Any]:
    """Checks a brief and fills optional fields with defaults.

    Raises:
        ValueError: a required field is missing or a value is invalid; the message names the field and
            the accepted values.
    """
    if not isinstance(brief, Mapping):
        raise ValueError(f"the brief must be a dict, got {type(brief).__name__}")
    out = dict(brief)
    for key in ("task_kind", "metric", "train_target_column"):
        if not out.get(key):
            raise ValueError(f"brief field {key!r} is required")
    kind = out["task_kind"]
    if kind not in TASK_KINDS:
        raise ValueError(f"brief field 'task_kind' is {kind!r}; the composer writes scripts for "
                         f"{', '.join(TASK_KINDS)} tasks only")
    metric = out["metric"]
    allowed = REGRESSION_METRICS if kind == "regression" else CLASSIFICATION_METRICS
    if metric not in allowed:
        raise ValueError(f"brief field 'metric' is {metric!r}, which the composer cannot compute for a {kind} task; "
                         f"use one of {', '.join(allowed)}")
    out.setdefault("task_name", "task")
    out.setdefault("higher_is_better", metric not in LOWER_IS_BETTER)
    if out["higher_is_better"] is None:
        out["higher_is_better"] = metric not in LOWER_IS_BETTER
    out.setdefault("prediction_format", "label")
    if out["prediction_format"] == "value":  # the task layer's name for regression values
        out["prediction_format"] = "label"
    fmt = out["prediction_format"]
    if fmt not in PREDICTION_FORMATS:
        raise ValueError(f"brief field 'prediction_format' is {fmt!r}; use one of {', '.join(PREDICTION_FORMATS)}")
    if fmt == "probability" and kind not in ("binary", "multilabel"):
        raise ValueError("brief field 'prediction_format' is 'probability', which needs a binary task; "
                         "use 'class_probabilities' for multiclass")
    if fmt == "class_probabilities" and kind == "regression":
        raise ValueError("brief field 'prediction_format' is 'class_probabilities' for a regression task; use 'label'")
    for key, default in (("train_file", "train.csv"), ("test_file", "test.csv"), ("seed", 42), ("n_folds", 5),
                         ("n_repeats", 1), ("refit_all_rows", False)):
        if out.get(key) is None:
            out[key] = default
    if "sample_submission_file" not in out:
        out["sample_submission_file"] = "sample_submission.csv"
    out["id_columns"] = list(out.get("id_columns") or [])
    targets = out.get("target_columns") or [out["train_target_column"]]
    out["target_columns"] = list(targets)
    train_targets = list(out.get("train_target_columns") or [out["train_target_column"]])
    out["train_target_columns"] = train_targets
    multi_output = kind == "multilabel" or (kind == "regression" and len(train_targets) > 1)
    if multi_output and len(targets) != len(train_targets):
        raise ValueError(f"brief field 'target_columns' has {len(targets)} columns but 'train_target_columns' has "
                         f"{len(train_targets)}; with several targets each train column fills one submission column")
    if fmt == "class_probabilities" and multi_output:
        raise ValueError("brief field 'prediction_format' is 'class_probabilities' for several targets; use "
                         "'probability' (multilabel) or 'label'")
    if fmt != "class_probabilities" and not multi_output and len(targets) != 1:
        raise ValueError(f"brief field 'target_columns' has {len(targets)} columns; the {fmt!r} format needs exactly one")
    classes = out.get("classes")
    if kind == "regression" or multi_output:
        out["classes"] = None
    elif classes is not None:
        classes = list(classes)
        if kind == "binary" and len(classes) != 2:
            raise ValueError(f"brief field 'classes' has {len(classes)} entries for a binary task; give both classes")
        if fmt == "class_probabilities" and len(targets) != len(classes):
            raise ValueError(f"brief field 'target_columns' has {len(targets)} columns but 'classes' has "
                             f"{len(classes)}; class_probabilities needs one column per class")
        out["classes"] = classes
    if int(out["n_folds"]) < 2:
        raise ValueError(f"brief field 'n_folds' is {out['n_folds']}; use at least 2")
    if int(out["n_repeats"]) < 1:
        raise ValueError(f"brief field 'n_repeats' is {out['n_repeats']}; use at least 1")
    out["columns"] = [dict(c) for c in out.get("columns") or []]
    for column in out["columns"]:
        if "name" not in column or "role" not in column:
            raise ValueError(f"brief column {column!r} needs 'name' and 'role'")
    out.setdefault("image_column", None)
    out.setdefault("image_folder", None)
    out.setdefault("test_image_folder", None)
    out.setdefault("train_listing", None)
    out.setdefault("form", None)
    for key in ("audio_column", "audio_folder", "test_audio_folder"):
        out.setdefault(key, None)
    out.setdefault("n_train", 0)
    out.setdefault("n_test", 0)
    return out


def task_dict(brief: Mapping[str, Any]) -> dict[str, Any]:
    """The TASK constant of generated scripts: what the script needs to know about the task."""
    columns = brief["columns"]
    # An id column profiled as text (a comment that is its own submission key) is an input too.
    text_keys = {c["name"] for c in columns if c["role"] == "text"}
    skip = ((set(brief["id_columns"]) - text_keys) | {brief["train_target_column"]} | set(brief["target_columns"])
            | set(brief.get("train_target_columns") or ()))
    by_role = {role: [c["name"] for c in columns if c["role"] == role and c["name"] not in skip] for role in FEATURE_ROLES}
    features = [c["name"] for c in columns if c["role"] in FEATURE_ROLES and c["name"] not in skip]
    return {
        "task_name": brief["task_name"],
        "task_kind": brief["task_kind"],
        "metric": brief["metric"],
        "higher_is_better": bool(brief["higher_is_better"]),
        "prediction_format": brief["prediction_format"],
        "train_file": brief["train_file"],
        "test_file": brief["test_file"],
        "sample_submission_file": brief["sample_submission_file"],
        "id_columns": brief["id_columns"],
        "target_columns": brief["target_columns"],
        "train_target_column": brief["train_target_column"],
        "train_target_columns": list(brief.get("train_target_columns") or [brief["train_target_column"]]),
        "classes": brief["classes"],
        # With columns left out of the brief, the script takes every train column that the test has.
        # A form's reader makes the rows and their columns itself.
        "feature_columns": (features or None) if not brief.get("columns_omitted") and not brief.get("form") else None,
        "numeric_columns": by_role["numeric"],
        "categorical_columns": by_role["categorical"],
        "text_columns": by_role["text"],
        "datetime_columns": by_role["datetime"],
        "code_columns": {c["name"]: int(c["code_length"]) for c in columns
                         if c.get("code_length") and c["name"] in by_role["categorical"]},
        "image_column": brief.get("image_column"),
        "image_folder": brief.get("image_folder"),
        "test_image_folder": brief.get("test_image_folder") or brief.get("image_folder"),
        "train_listing": brief.get("train_listing"),
        "form": brief.get("form"),
        "audio_column": brief.get("audio_column"),
        "audio_folder": brief.get("audio_folder"),
        "test_audio_folder": brief.get("test_audio_folder") or brief.get("audio_folder"),
        "seed": int(brief["seed"]),
        "n_folds": int(brief["n_folds"]),
    }


def form_kind(brief: Mapping[str, Any]) -> str | None:
    """The kind of the brief's task form (see `task.forms`), or None when its tables are the rows."""
    return (brief.get("form") or {}).get("kind")


def python_literal(value: Any) -> str:
    """`value` as Python source; a dict gets one key per line, in its own order."""
    if isinstance(value, dict) and value:
        items = "".join(f"    {k!r}: {pprint.pformat(v, width=100, sort_dicts=False)},\n" for k, v in value.items())
        return "{\n" + items + "}"
    return pprint.pformat(value, indent=1, width=110, sort_dicts=False)
