"""Recordings labelled by a ragged text file, submitted in long form (mlsp-2013-birds).

    essential_data/rec_labels_test_hidden.txt   rec_id,[labels]   then `0,3,11` / `1` (no class) / `2,?` (test)
    essential_data/rec_id2filename.txt          rec_id,filename   (filename without its extension)
    essential_data/src_wavs/<filename>.wav
    sample_submission.csv                       Id,Probability    Id = rec_id * 100 + class

The rows are the recordings: the train rows those with labels, the test rows those marked `?`; one 0/1
column per class (`class_0`, `class_1`, ...). The number of classes and the multiplier come from the
sample submission's ids.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional, Sequence

import pandas as pd

from ..inventory import DataFile
from ..tables import read_header, read_table

_LABEL_LINE = re.compile(r"^\s*\d+\s*(,\s*(\?|\d+)\s*)*$")
MULTIPLIERS = (10, 100, 1000, 10000)


def parse_labels(text: str) -> tuple[str, dict[int, Optional[list[int]]]]:
    """(key column name, {key: classes, or None for a test row}) of a ragged labels file's text."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    key = lines[0].split(",")[0].strip()
    labels: dict[int, Optional[list[int]]] = {}
    for line in lines[1:]:
        parts = [p.strip() for p in line.split(",") if p.strip()]
        labels[int(parts[0])] = None if "?" in parts[1:] else sorted(int(p) for p in parts[1:])
    return key, labels


def detect(data_dir: Path, files: Sequence[DataFile]) -> Optional[dict[str, Any]]:
    labels_file = next((f.path for f in files if f.kind == "text" and "label" in f.path.name.lower()
                        and _is_ragged(data_dir / f.path)), None)
    sample = next((f.path for f in files if f.kind == "csv" and "submission" in f.path.name.lower()), None)
    if labels_file is None or sample is None:
        return None
    key, labels = parse_labels((data_dir / labels_file).read_text(encoding="utf-8"))
    test_keys = sorted(k for k, v in labels.items() if v is None)
    sample_columns = read_header(data_dir / sample)
    if len(sample_columns) != 2 or not test_keys:
        return None
    id_column, value_column = sample_columns
    ids = pd.to_numeric(read_table(data_dir / sample, columns=[id_column])[id_column], errors="coerce")
    if ids.isna().any():
        return None
    multiplier = next((m for m in MULTIPLIERS if set((ids // m).astype(int)) == set(test_keys)), None)
    if multiplier is None:
        return None
    seen = {c for v in labels.values() if v for c in v}
    n_classes = int(max(int((ids % multiplier).max()), max(seen, default=0))) + 1
    names_file, file_column, audio_folder = _file_names(data_dir, files, key)
    targets = [f"class_{j}" for j in range(n_classes)]
    return {
        "kind": "ragged_labels", "labels_file": labels_file.as_posix(), "names_file": names_file,
        "key_column": key, "file_column": file_column, "n_classes": n_classes, "multiplier": multiplier,
        "rows": {"task_kind": "multilabel", "id_columns": [key], "target_columns": targets,
                 "prediction_format": "probability", "audio_folder": audio_folder, "pooled": True},
        "graded": {"task_kind": "binary", "id_columns": [id_column], "target_columns": [value_column],
                   "prediction_format": "probability", "classes": [0, 1]},
        "submission": {"id_column": id_column, "value_column": value_column},
    }


def read_rows(data_dir: Path, form: dict[str, Any], split: str) -> pd.DataFrame:
    key, labels = parse_labels((data_dir / form["labels_file"]).read_text(encoding="utf-8"))
    keys = [k for k, v in labels.items() if (v is None) == (split == "test")]
    frame = pd.DataFrame({key: keys})
    if form["names_file"]:
        names = read_table(data_dir / form["names_file"])
        frame = frame.merge(names[[key, form["file_column"]]], on=key, how="left")
    if split == "train":
        for j in range(form["n_classes"]):
            frame[f"class_{j}"] = [int(j in labels[k]) for k in keys]
    return frame


def _is_ragged(path: Path) -> bool:
    """A labels file: a header naming labels, then key lines with optional class ids, some marked `?`."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()[:2000]
    except (OSError, UnicodeDecodeError):
        return False
    if len(lines) < 3 or "label" not in lines[0].lower():
        return False
    body = [line for line in lines[1:] if line.strip()]
    return all(_LABEL_LINE.match(line) for line in body) and any("?" in line for line in body)


def _file_names(data_dir: Path, files: Sequence[DataFile], key: str) -> tuple[Optional[str], Optional[str],
                                                                           Optional[str]]:
    """(the table mapping keys to file names, its name column, the folder of those sound files)."""
    sounds = [f.path for f in files if f.kind == "audio"]
    for f in files:
        if f.kind not in ("text", "csv") or f.path.name.lower().startswith(("sample", "rec_labels")):
            continue
        try:
            columns = read_header(data_dir / f.path)
        except Exception:  # a text file that is not a table
            continue
        if len(columns) == 2 and columns[0] == key and "name" in columns[1].lower():
            stems = set(read_table(data_dir / f.path, columns=[columns[1]], nrows=20, as_text=True)[columns[1]])
            folders = [p.parent.as_posix() for p in sounds if p.stem in stems or p.name in stems]
            if folders:
                return f.path.as_posix(), columns[1], max(set(folders), key=folders.count)
    return None, None, None
