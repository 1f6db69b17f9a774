"""Image to image: noisy pictures with cleaned twins, submitted one row per test pixel (denoising).

    train/<n>.png  train_cleaned/<n>.png  test/<n>.png
    sampleSubmission.csv   id,value   id = <image>_<row>_<col>, 1-based

The rows are pixels: `image`, `row`, `col` (1-based), the noisy intensity `noisy` in [0, 1], and for the
train rows the cleaned intensity `value`; test rows carry the submission's `id`.
"""

from __future__ import annotations

import io
import re
from pathlib import Path, PurePosixPath
from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

from ..inventory import DataFile
from ..tables import read_header, read_table

_PIXEL_ID = re.compile(r"^(.+)_(\d+)_(\d+)$")
CLEAN_MARKS = ("_cleaned", "_clean", "_target", "_gt")


def detect(data_dir: Path, files: Sequence[DataFile]) -> Optional[dict[str, Any]]:
    images: dict[str, set[str]] = {}
    for f in files:
        if f.kind == "image" and len(f.path.parts) >= 2:
            images.setdefault(f.path.parent.as_posix(), set()).add(f.path.name)
    pair = next(((noisy, noisy + mark) for noisy in sorted(images) for mark in CLEAN_MARKS
                 if noisy + mark in images and images[noisy + mark] <= images[noisy]), None)
    sample = next((f.path for f in files if f.kind == "csv" and "submission" in f.path.name.lower()), None)
    if pair is None or sample is None:
        return None
    columns = read_header(data_dir / sample)
    if len(columns) != 2:
        return None
    ids = read_table(data_dir / sample, columns=[columns[0]], nrows=50, as_text=True)[columns[0]]
    stems = {m.group(1) for m in map(_PIXEL_ID.match, ids) if m}
    test_folder = next((folder for folder in sorted(images) if folder not in pair
                        and stems and stems <= {PurePosixPath(n).stem for n in images[folder]}), None)
    if test_folder is None or len(stems) == 0 or not all(_PIXEL_ID.match(v) for v in ids):
        return None
    rows = {"task_kind": "regression", "id_columns": [columns[0]], "target_columns": [columns[1]],
            "prediction_format": "value"}
    return {"kind": "pixels", "noisy_folder": pair[0], "clean_folder": pair[1], "test_folder": test_folder,
            "rows": {**rows, "target_columns": ["value"], "id_columns": ["id"]},
            "graded": {**rows, "classes": None},
            "submission": {"id_column": columns[0], "value_column": columns[1]}}


def read_image(path: Path) -> np.ndarray:
    """A picture's grey intensities in [0, 1], as the competition's answers are (PIL's "L" / 255)."""
    from PIL import Image

    with Image.open(io.BytesIO(path.read_bytes())) as image:
        return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


def read_rows(data_dir: Path, form: dict[str, Any], split: str) -> pd.DataFrame:
    folder = data_dir / (form["noisy_folder"] if split == "train" else form["test_folder"])
    frames = []
    for path in sorted(folder.iterdir(), key=lambda p: _natural(p.stem)):
        noisy = read_image(path)
        rows, cols = np.indices(noisy.shape)
        frame = pd.DataFrame({"image": path.stem, "row": rows.ravel() + 1, "col": cols.ravel() + 1,
                              "noisy": noisy.ravel()})
        if split == "train":
            frame["value"] = read_image(data_dir / form["clean_folder"] / path.name).ravel()
        else:
            frame.insert(0, "id", frame["image"] + "_" + frame["row"].astype(str) + "_" + frame["col"].astype(str))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _natural(stem: str) -> tuple:
    return (0, int(stem), "") if stem.isdigit() else (1, 0, stem)
