"""Token to token: sentences one token per row, each token's written-out form the target (text
normalisation).

    en_train.csv.zip              sentence_id,token_id,class,before,after
    en_test_2.csv.zip             sentence_id,token_id,before
    en_sample_submission_2.csv.zip  id,after   id = <sentence_id>_<token_id>

Found by its shape: the sample's id is not a test column but two test columns joined by `_`, and its
target is a train column of free text whose sample values copy a test column (the token as written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence

import pandas as pd

from ..inventory import DataFile
from ..tables import read_header, read_table

SAMPLE_ROWS = 200


def detect(data_dir: Path, files: Sequence[DataFile]) -> Optional[dict[str, Any]]:
    tables = [f.path for f in files if f.kind == "csv"]
    sample = next((p for p in tables if "submission" in p.name.lower()), None)
    train = next((p for p in tables if "train" in p.name.lower() and p != sample), None)
    test = next((p for p in tables if "test" in p.name.lower() and p not in (sample, train)), None)
    if sample is None or train is None or test is None:
        return None
    sample_columns, test_columns = read_header(data_dir / sample), read_header(data_dir / test)
    if len(sample_columns) != 2 or sample_columns[0] in test_columns:
        return None
    id_column, target = sample_columns
    train_columns = read_header(data_dir / train)
    if target not in train_columns or target in test_columns:
        return None
    head = read_table(data_dir / sample, nrows=SAMPLE_ROWS, as_text=True)
    test_head = read_table(data_dir / test, nrows=SAMPLE_ROWS, as_text=True)
    parts = _id_parts(head[id_column], test_head, test_columns)
    source = next((c for c in test_columns if c in train_columns and c not in parts
                   and head[target].reset_index(drop=True).equals(test_head[c].reset_index(drop=True))), None)
    if parts is None or source is None:
        return None
    after = read_table(data_dir / train, columns=[target], nrows=5000, as_text=True)[target]
    cyrillic = after.str.contains("[\u0400-\u04ff]", regex=True).mean()
    class_column = "class" if "class" in train_columns and "class" not in test_columns else None
    rows = {"task_kind": "multiclass", "id_columns": [id_column], "target_columns": [target],
            "prediction_format": "label"}
    return {"kind": "tokens", "train_file": train.as_posix(), "test_file": test.as_posix(), "id_parts": parts,
            "group_column": parts[0], "source_column": source, "target_column": target,
            "class_column": class_column, "language": "ru" if cyrillic > 0.2 else "en",
            "rows": rows, "graded": {**rows, "classes": None},
            "submission": {"id_column": id_column, "value_column": target}}


def read_rows(data_dir: Path, form: dict[str, Any], split: str) -> pd.DataFrame:
    frame = read_table(data_dir / form[f"{split}_file"], as_text=True)
    id_column = form["rows"]["id_columns"][0]
    frame.insert(0, id_column, frame[form["id_parts"]].astype(str).agg("_".join, axis=1))
    return frame


def _id_parts(ids: pd.Series, test: pd.DataFrame, columns: list[str]) -> Optional[list[str]]:
    """The two test columns whose values joined by `_` are the sample's ids, row by row."""
    for first in columns:
        for second in columns:
            if first != second and len(test) == len(ids):
                joined = test[first].astype(str) + "_" + test[second].astype(str)
                if joined.reset_index(drop=True).equals(ids.astype(str).reset_index(drop=True)):
                    return [first, second]
    return None
