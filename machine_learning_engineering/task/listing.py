"""A folder or zip archive of files whose names carry their label (train.zip holding cat.0.jpg, dog.0.jpg;
train2/ holding ..._TRAIN0_1.aif), read as the training table: some competitions have no other.

The table has two columns, named like the sample submission beside it: its id column (each file's name,
with its extension when the sample's ids have one) and its target column (the label token of the name:
the first or the last part of the name split at '.', '_' and '-', whichever holds few distinct values).
Generated scripts read such a listing the same way from the brief's `train_listing`.
"""

from __future__ import annotations

import re
import zipfile
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Optional, Sequence

import pandas as pd

from .inventory import ARCHIVED_KINDS, file_kind

MIN_FILES = 10
# A label token takes at most this many distinct values (and far fewer than there are files).
MAX_LABELS = 50
_SPLIT = re.compile(r"[._-]")


def is_listing(path: Path) -> bool:
    """Whether `path` is a folder or a zip archive of files rather than a table (a zipped CSV is a table)."""
    return path.is_dir() or file_kind(path.name) == "archive"


def member_names(path: Path) -> list[str]:
    """The base names of the images and sounds in a folder (recursively) or a zip archive, sorted; hidden
    files left out, as generated scripts leave them out."""
    if path.is_dir():
        names = [p.name for p in path.rglob("*") if p.is_file()]
    else:
        with zipfile.ZipFile(path) as archive:
            names = [PurePosixPath(n).name for n in archive.namelist()
                     if not n.endswith("/") and "__MACOSX" not in n]
    return sorted(n for n in names if file_kind(n) in ARCHIVED_KINDS and not n.startswith("."))


def label_token(names: Sequence[str]) -> Optional[int]:
    """Which part of the names (0: first, -1: last, split at '.', '_' and '-', extension dropped) is their
    label, or None when neither looks like one. Parts of only 0 and 1 win (a date also takes few values)."""
    if len(names) < MIN_FILES:
        return None
    parts = [_SPLIT.split(PurePosixPath(n).stem) for n in names]
    if any(len(p) < 2 for p in parts):
        return None
    found = []
    for position in (0, -1):
        values = {p[position] for p in parts}
        if 2 <= len(values) <= min(MAX_LABELS, len(names) // 5):
            found.append((not values <= {"0", "1"}, len(values), position == -1, position))
    return min(found)[-1] if found else None


def listing_spec(path: Path) -> Optional[dict[str, Any]]:
    """{"source", "label_token", "with_extension", "id_column", "target_column"} for a listing whose names
    carry a label and which has a sample submission beside it to name its columns; else None."""
    return _spec(path, member_names(path))


def _spec(path: Path, names: Sequence[str]) -> Optional[dict[str, Any]]:
    sample = _sample_beside(path)
    if sample is None:
        return None
    token = label_token(names)
    if token is None:
        return None
    header = pd.read_csv(sample, nrows=5, dtype=str, keep_default_na=False)
    if header.shape[1] < 2:
        return None
    first_ids = header.iloc[:, 0].tolist()
    return {"source": path.name, "label_token": token,
            "with_extension": bool(first_ids) and all(file_kind(v) in ARCHIVED_KINDS for v in first_ids),
            "id_column": str(header.columns[0]), "target_column": str(header.columns[1])}


def read_listing(path: Path) -> pd.DataFrame:
    """The listing as a table (see the module's docstring).

    Raises:
        ValueError: the names carry no label, or no sample submission is beside it to name the columns.
    """
    stat = path.stat()
    return _listed(str(path), stat.st_mtime_ns).copy()


@lru_cache(maxsize=4)
def _listed(name: str, mtime_ns: int) -> pd.DataFrame:
    path = Path(name)
    names = member_names(path)  # listed once: a folder may hold tens of thousands of files
    spec = _spec(path, names)
    if spec is None:
        raise ValueError(f"{path.name} is a folder or archive of files whose names carry no label (like "
                         f"cat.0.jpg or clip_1.aif), or there is no sample submission beside it")
    ids = names if spec["with_extension"] else [PurePosixPath(n).stem for n in names]
    labels = [_SPLIT.split(PurePosixPath(n).stem)[spec["label_token"]] for n in names]
    return pd.DataFrame({spec["id_column"]: ids, spec["target_column"]: labels})


def _sample_beside(path: Path) -> Optional[Path]:
    samples = sorted(p for p in path.parent.iterdir()
                     if p.is_file() and "submission" in p.name.lower() and file_kind(p.name) == "csv")
    return samples[0] if samples else None
