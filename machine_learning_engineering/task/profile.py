"""`profile_task`: a JSON-serialisable picture of the training table for prompts and the offline engine.

Per column it guesses a role (id, target, numeric, categorical, text, datetime, image_path, constant);
for the target it gives class counts or summary statistics; when rows point at image files it says
which column and folder. Big tables are profiled on a random sample of `max_rows` rows.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import PurePosixPath
from typing import Any, Optional

import numpy as np
import pandas as pd

from .inventory import file_kind, summarise_inventory
from .listing import is_listing
from .forms import read_rows
from .loader import Task
from .metrics import canonical_label
from .tables import count_rows, read_header, read_table

SAMPLE_SEED = 0
EXAMPLES = 3
MAX_EXAMPLE_CHARS = 60
MAX_CLASSES_LISTED = 50
# Strings this long on average, mostly distinct, are free text rather than categories.
TEXT_MIN_MEAN_CHARS = 30
TEXT_MIN_UNIQUE_FRACTION = 0.5
ROLE_SAMPLE = 200
# Numeric columns whose ranges are within this factor of the median range share one scale, as pixels, a
# signal's samples or a spectrum's bands do; such a table is counted as one when they are this share of it.
SAME_SCALE_FACTOR = 10
SAME_SCALE_MIN_SHARE = 0.8
# A categorical column of many levels that nearly all have one short length, with letters beyond hex
# digits, is a code ("BAACBAHDGC"). Where its whole values are too rare to learn from (10 rows or fewer
# each on average), its characters by position can carry what the whole spreads too thin. Hex strings
# are left alone: they are hashes, whose characters mean nothing.
CODE_MIN_LEVELS = 50
CODE_MIN_LEVEL_SHARE = 0.1
CODE_LENGTHS = (2, 16)
CODE_MIN_SHARE = 0.95
_HEX = frozenset("0123456789abcdefABCDEF")
# A date, a time of day, and a time zone as an offset or a name ("2013-11-01 13:18:34 UTC", the taxi fares').
_DATE_SHAPE = re.compile(r"^\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                         r"( ?(Z|UTC|GMT|[+-]\d{2}:?\d{2}))?$")


def profile_task(task: Task, max_rows: int = 200_000) -> dict[str, Any]:
    """Profiles the task's training table.

    Args:
        task: a loaded task.
        max_rows: tables with more rows are profiled on a random sample of this many rows.

    Returns:
        {"train": {file, n_rows, n_cols, profiled_rows}, "test": {file, n_rows, n_cols},
         "columns": [{name, dtype, role, n_unique, missing_frac, examples[, min, max][, code_length]}],
         "same_scale_columns": see `same_scale_columns`,
         "target": {columns, kind, ...class counts or mean/std/min/max/skew...},
         "images": {column, folder, test_folder, how, extension, n_images, folders} or None,
         "audio": the same for sound clips (n_images counting the clips) or None,
         "inventory": summary of the data folder's files}
    """
    if task.form is not None:
        train, test = read_rows(task, "train"), read_rows(task, "test")
        n_train, n_test, test_columns = len(train), len(test), list(test.columns)
        train = train.sample(n=max_rows, random_state=SAMPLE_SEED) if n_train > max_rows else train
        images, audio = _form_media(task, "image"), _form_media(task, "audio")
    else:
        n_train = count_rows(task.train_path)
        train = _sample(task, n_train, max_rows)
        if n_train <= max_rows:
            n_train = len(train)  # exact, where the line count overcounts quoted line breaks
        n_test, test_columns = count_rows(task.test_path), read_header(task.test_path)
        images, audio = _media(task, train, "image"), _media(task, train, "audio")
    # A submission key that holds free text (a comment that is its own key) is also the model's input; one
    # that names image or sound files is not text, however long the names.
    media_keys = {m["column"] for m in (images, audio) if m}
    roles = {c: "id" for c in task.id_columns if c not in train.columns or c in media_keys
             or _role(train[c], train[c].dropna(), int(train[c].nunique())) != "text"}
    roles.update({c: "target" for c in task.train_target_columns})
    columns = [_column(train[c], roles.get(c)) for c in train.columns]
    return jsonable({
        "train": {"file": task.train_file.as_posix(), "n_rows": n_train, "n_cols": train.shape[1],
                  "profiled_rows": len(train)},
        "test": {"file": task.test_file.as_posix(), "n_rows": n_test,
                 "n_cols": len(test_columns)},
        "columns_only_in_train": [c for c in train.columns if c not in test_columns],
        "columns": columns,
        "same_scale_columns": same_scale_columns(columns),
        "target": _target(train, task),
        "images": images,
        "audio": audio,
        "inventory": summarise_inventory([*task.files, *task.archived]),
    })


def same_scale_columns(columns: list[dict[str, Any]]) -> int:
    """How many feature columns hold numbers on one scale: numeric columns of more than two values whose
    range is within `SAME_SCALE_FACTOR` of the median range. 0 unless they make up `SAME_SCALE_MIN_SHARE`
    of the feature columns (ids, targets and constants aside)."""
    features = [c for c in columns if c["role"] not in ("id", "target", "constant")]
    spans = [float(c["max"]) - float(c["min"]) for c in features
             if c["role"] == "numeric" and c["n_unique"] > 2 and "min" in c]
    if not spans:
        return 0
    typical = float(np.median(spans))
    count = sum(typical / SAME_SCALE_FACTOR <= span <= typical * SAME_SCALE_FACTOR for span in spans)
    return count if count >= SAME_SCALE_MIN_SHARE * len(features) else 0


def _sample(task: Task, n_rows: int, max_rows: int) -> pd.DataFrame:
    if n_rows <= max_rows:
        return read_table(task.train_path)
    if file_kind(task.train_path.name) in ("parquet", "json", "jsonl") or is_listing(task.train_path):
        return read_table(task.train_path).sample(n=max_rows, random_state=SAMPLE_SEED)
    keep = np.random.default_rng(SAMPLE_SEED).random(n_rows + 1) < max_rows / n_rows
    keep[0] = True  # the header
    frame = pd.read_csv(task.train_path, sep="\t" if file_kind(task.train_path.name) == "tsv" else ",",
                        skiprows=lambda i: i < len(keep) and not keep[i])
    return frame.head(max_rows)


def _column(series: pd.Series, role: Optional[str]) -> dict[str, Any]:
    values = series.dropna()
    n_unique = int(values.nunique())
    info: dict[str, Any] = {
        "name": str(series.name), "dtype": str(series.dtype), "role": role or _role(series, values, n_unique),
        "n_unique": n_unique, "missing_frac": round(1 - len(values) / len(series), 4) if len(series) else 0.0,
        "examples": [_short(v) for v in values.drop_duplicates().head(EXAMPLES)],
    }
    if _is_number(series) and len(values):
        info["min"], info["max"] = values.min(), values.max()
    many_levels = n_unique >= max(CODE_MIN_LEVELS, CODE_MIN_LEVEL_SHARE * len(values))
    if info["role"] == "categorical" and many_levels:
        length = code_length(values)
        if length is not None:
            info["code_length"] = length
    return info


def code_length(values: pd.Series) -> Optional[int]:
    """The length of the codes `values` holds (see `CODE_MIN_LEVELS`), or None when they are not codes."""
    text = values.astype(str).head(20_000)
    lengths = text.str.len()
    length = int(lengths.mode().iloc[0])
    if not CODE_LENGTHS[0] <= length <= CODE_LENGTHS[1] or (lengths == length).mean() < CODE_MIN_SHARE:
        return None
    characters = set("".join(text.head(2_000)))
    has_letters = any(c.isalpha() for c in characters)
    return length if has_letters and not characters <= _HEX else None


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _role(series: pd.Series, values: pd.Series, n_unique: int) -> str:
    if n_unique <= 1:
        return "constant"
    if _is_number(series):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_bool_dtype(series):
        return "categorical"
    text = values.astype(str).head(ROLE_SAMPLE)
    if len(text) and text.map(lambda v: file_kind(v) == "image").mean() >= 0.8:
        return "image_path"
    if len(text) and text.str.strip().str.match(_DATE_SHAPE).mean() >= 0.9:
        parsed = pd.to_datetime(text, errors="coerce", format="mixed")
        if parsed.notna().mean() >= 0.9:
            return "datetime"
    name = str(series.name).lower()
    if n_unique == len(values) and (name == "id" or name.endswith("id")):
        return "id"
    if text.str.len().mean() >= TEXT_MIN_MEAN_CHARS and n_unique >= TEXT_MIN_UNIQUE_FRACTION * len(values):
        return "text"
    return "categorical"


def _target(train: pd.DataFrame, task: Task) -> dict[str, Any]:
    columns = [c for c in task.train_target_columns if c in train.columns]
    info: dict[str, Any] = {"columns": columns, "kind": task.task_kind}
    if not columns:
        return info
    if task.task_kind == "multilabel":
        info["positive_rate"] = {c: float(pd.to_numeric(train[c], errors="coerce").mean()) for c in columns}
        return info
    series = train[columns[0]].dropna()
    if task.task_kind == "regression" and _is_number(series):
        info.update(mean=series.mean(), std=series.std(), min=series.min(), max=series.max(),
                    median=series.median(), skew=series.skew() if len(series) > 2 else 0.0)
        return info
    counts = series.value_counts()
    info["n_classes"] = int(len(counts))
    info["classes"] = [{"value": v, "count": int(n)} for v, n in counts.head(MAX_CLASSES_LISTED).items()]
    if len(counts):
        info["imbalance_ratio"] = round(float(counts.max() / counts.min()), 3)
    return info


def _media(task: Task, train: pd.DataFrame, kind: str) -> Optional[dict[str, Any]]:
    """Which column of train points at which folder of images (or sounds: `kind`), if any (by path, by
    file name, or by id), and the folder its test values point at (test files often sit in a folder of
    their own). Files inside zip archives count, under the archive's path (train.zip/train)."""
    images = [f.path for f in (*task.files, *task.archived) if f.kind == kind]
    if not images:
        return None
    folders = Counter(p.parent.as_posix() for p in images)
    by_name: dict[str, list[str]] = {}
    by_stem: dict[str, list[PurePosixPath]] = {}
    for path in images:
        by_name.setdefault(path.name, []).append(path.parent.as_posix())
        by_stem.setdefault(path.stem, []).append(PurePosixPath(path.as_posix()))
    named = task.image_column if kind == "image" else None
    candidates = ([named] if named in train.columns else []) + [c for c in train.columns if c != named]
    samples = {c: [canonical_label(v) for v in train[c].dropna().head(20)] for c in candidates}
    # Paths in a column are the surest sign; ids that name image files (train/<id>.jpg) come second.
    matches = [(c, _match_paths(task, samples[c], by_name, "train", kind)) for c in candidates
               if samples[c] and not _is_number(train[c])]
    matches += [(c, _match_ids(samples[c], by_stem, "train")) for c in candidates
                if samples[c] and (c in task.id_columns or str(c).lower().endswith("id"))]
    for column, found in matches:
        if found:
            how, folder, extension = found
            test_folder = _test_folder(task, str(column), how, by_name, by_stem, kind) or folder
            return {"column": str(column), "folder": folder, "test_folder": test_folder, "how": how,
                    "extension": extension, "n_images": folders.get(folder, 0),
                    "folders": dict(folders.most_common(10))}
    return {"column": None, "folder": folders.most_common(1)[0][0], "test_folder": None, "how": "unmatched",
            "extension": None, "n_images": len(images), "folders": dict(folders.most_common(10))}


def _form_media(task: Task, kind: str) -> Optional[dict[str, Any]]:
    """The sound clips of a form's examples (recordings named in a table of file names)."""
    folder = task.form["rows"].get(f"{kind}_folder")
    if not folder:
        return None
    count = sum(1 for f in task.files if f.kind == kind and f.path.parent.as_posix() == folder)
    return {"column": task.form["file_column"], "folder": folder, "test_folder": folder, "how": "id",
            "extension": None, "n_images": count, "folders": {folder: count}}


def _test_folder(task: Task, column: str, how: str, by_name: dict[str, list[str]],
                 by_stem: dict[str, list[PurePosixPath]], kind: str) -> Optional[str]:
    """The folder that the test table's values of `column` point at, or None when they point at none."""
    if column not in read_header(task.test_path):
        return None
    values = [canonical_label(v) for v in read_table(task.test_path, columns=[column], nrows=20,
                                                     as_text=True)[column] if v != ""]
    found = _match_ids(values, by_stem, "test") if how == "id" else _match_paths(task, values, by_name, "test", kind)
    return found[1] if found else None


def _enough(values: list[Any]) -> int:
    return max(1, int(0.8 * len(values)))


def _likeliest(folders: list[str], split: str) -> str:
    """The folder most values point at; on a tie, one whose name holds the split's name (train, test)."""
    counts = Counter(folders)
    return max(counts, key=lambda f: (counts[f], split in f.lower(), f))


def _match_paths(task: Task, values: list[str], by_name: dict[str, list[str]], split: str,
                 kind: str) -> Optional[tuple[str, str, str]]:
    """("path" | "filename", folder, extension) when most values are paths or names of files of `kind`."""
    if sum(file_kind(v) == kind for v in values) < _enough(values):
        return None
    extension = PurePosixPath(values[0]).suffix.lower()
    if sum((task.data_dir / v).is_file() for v in values) >= _enough(values):
        return "path", _likeliest([PurePosixPath(v).parent.as_posix() for v in values], split), extension
    folders = [folder for v in values for folder in by_name.get(PurePosixPath(v).name, ())]
    if sum(PurePosixPath(v).name in by_name for v in values) >= _enough(values):
        return "filename", _likeliest(folders, split), extension
    return None


def _match_ids(values: list[str], by_stem: dict[str, list[PurePosixPath]],
               split: str) -> Optional[tuple[str, str, str]]:
    """("id", folder, extension) when most ids are the names of image files (e.g. train/<id>.jpg); an id
    that names files in several folders (1.jpg in train/ and test/) counts for each."""
    hits = [path for v in values for path in by_stem.get(v, ())]
    if sum(v in by_stem for v in values) < _enough(values):
        return None
    folder = _likeliest([p.parent.as_posix() for p in hits], split)
    return "id", folder, next(p.suffix.lower() for p in hits if p.parent.as_posix() == folder)


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_EXAMPLE_CHARS:
        return value[:MAX_EXAMPLE_CHARS] + "..."
    return value


def jsonable(value: Any) -> Any:
    """Plain Python values only: numpy scalars unwrapped, NaN/inf as None, timestamps as ISO strings."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else None
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)
