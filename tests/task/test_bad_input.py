"""Bad task folders: `load_task` refuses each with one TaskError that names the file, what is wrong and
the fix, reads no more of a large table than its head, and changes nothing in the folder."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from machine_learning_engineering.task import TaskError, load_task, tables

from .conftest import binary_frames, regression_frames


def _error(path: Path, **kwargs) -> str:
    with pytest.raises(TaskError) as info:
        load_task(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message, message
    return message


def _data(root: Path) -> Path:
    return root / "public"


# ----------------------------------------------------------------------------- the folder


def test_empty_folder(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".DS_Store").write_bytes(b"\0")  # hidden files do not count
    message = _error(tmp_path / "empty")
    assert "empty" in message and "is empty" in message and "train.csv" in message and "description.md" in message


def test_a_file_instead_of_a_folder(make_task):
    message = _error(_data(make_task()) / "train.csv")
    assert "is a file, not a task folder" in message and "public" in message


def test_empty_description(make_task):
    message = _error(make_task(description="  \n"))
    assert "description.md is empty" in message and "what to predict" in message


def test_unreadable_table(make_task, monkeypatch):
    root = make_task()
    denied = _data(root) / "train.csv"
    real_open = open

    def refusing_open(file, *args, **kwargs):  # what a chmod 000 file does to a user other than root
        if Path(file) == denied:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(tables, "open", refusing_open, raising=False)
    message = _error(root)
    assert f"cannot read {denied}: permission denied" in message and "chmod -R u+rX" in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode (the CLI test covers it)")
def test_unreadable_folder(make_task):
    root = make_task()
    _data(root).chmod(0)
    try:
        assert "permission denied" in _error(root)
    finally:
        _data(root).chmod(0o755)


# ----------------------------------------------------------------------------- table contents


def test_mixed_encoding_names_the_line(make_task):
    root = make_task()
    train = _data(root) / "train.csv"
    lines = train.read_bytes().splitlines(keepends=True)
    for index, color in ((2, "rød".encode("utf-8")), (29, "grün".encode("latin-1"))):  # UTF-8, then Latin-1
        fields = lines[index].split(b",")
        lines[index] = b",".join(fields[:2] + [color] + fields[3:])
    train.write_bytes(b"".join(lines))
    message = _error(root)
    assert "train.csv is not valid UTF-8: line 30 holds byte 0xfc" in message
    assert "iconv -f latin1 -t utf-8 train.csv" in message and "fix line 30" in message


def test_utf8_characters_cut_by_a_read_block_are_fine(make_task, monkeypatch):
    root = make_task()
    train = _data(root) / "train.csv"
    frame = pd.read_csv(train).assign(color="ÿøü€")
    frame.to_csv(train, index=False)
    monkeypatch.setattr(tables, "BLOCK_BYTES", 7)  # every multi-byte character is cut somewhere
    assert load_task(root).task_kind == "binary"
    train.write_bytes(train.read_bytes() + b"999,1.0,caf\xe9,1\n")
    assert f"line {len(frame) + 2} holds byte 0xe9" in _error(root)


def test_utf16_table(make_task):
    root = make_task()
    test = _data(root) / "test.csv"
    test.write_bytes(test.read_text().encode("utf-16"))
    message = _error(root)
    assert "test.csv is UTF-16 text" in message and "iconv -f utf-16 -t utf-8" in message


def test_ragged_rows(make_task):
    root = make_task()
    train = _data(root) / "train.csv"
    lines = train.read_text().splitlines(keepends=True)
    lines[6] = lines[6].rstrip("\n") + ",extra,fields\n"
    train.write_text("".join(lines))
    message = _error(root)
    assert "train.csv is not a well-formed csv table: line 7 has 6 fields where the header has 4" in message
    assert "Quote the values" in message


def test_unclosed_quote(make_task):
    root = make_task()
    sample = _data(root) / "sample_submission.csv"
    sample.write_text(sample.read_text() + '"150,0.5\n')
    message = _error(root)
    assert "sample_submission.csv is not a well-formed csv table" in message and "EOF inside string" in message


def test_binary_garbage(make_task):
    root = make_task()
    (_data(root) / "train.csv").write_bytes(np.random.default_rng(0).bytes(20_000))
    message = _error(root)
    assert "train.csv holds binary data, not csv text" in message and "right file" in message


def test_a_workbook_named_csv(make_task):
    root = make_task()
    (_data(root) / "test.csv").write_bytes(b"PK\x03\x04" + b"\x14\x00" * 100)
    message = _error(root)
    assert "test.csv is a zip archive (or an Excel .xlsx workbook)" in message and "export the sheet as CSV" in message


def test_corrupt_parquet(make_task):
    root = make_task()
    (_data(root) / "train.csv").unlink()
    (_data(root) / "train.parquet").write_bytes(b"not parquet at all")
    assert "train.parquet is not a valid parquet file" in _error(root)


def test_corrupt_gzip(make_task):
    root = make_task()
    (_data(root) / "train.csv").unlink()
    (_data(root) / "train.csv.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    assert "train.csv.gz could not be read" in _error(root)


# ----------------------------------------------------------------------------- columns and values


def test_test_table_with_none_of_the_features(make_task):
    frames = binary_frames()
    frames["test"] = frames["test"].rename(columns={"age": "height", "color": "weight"})
    message = _error(make_task(frames=frames))
    assert "test.csv has none of train.csv's feature columns (age, color)" in message and "test_file" in message


def test_test_column_spelt_differently(make_task):
    frames = binary_frames()
    frames["test"] = frames["test"].rename(columns={"age": "Age "})
    message = _error(make_task(frames=frames))
    assert "test.csv spells train.csv's column 'age' as 'Age '" in message


def test_train_only_columns_load_with_a_warning(make_task, caplog):
    # Kaggle's bike sharing: train has `casual` and `registered`, counts that only exist after the fact.
    frames = regression_frames()
    frames["train"] = frames["train"].assign(casual=1.0)
    with caplog.at_level(logging.WARNING, logger="mle_star"):
        task = load_task(make_task(frames=frames, description="Evaluated on RMSE."))
    assert task.target_columns == ("price",)
    assert any("test.csv has no column casual of train.csv" in r.getMessage() for r in caplog.records)


def test_sample_id_column_spelt_differently(make_task):
    frames = binary_frames()
    frames["sample"] = frames["sample"].rename(columns={"id": "ID"})
    frames["sample"] = frames["sample"].rename(columns={"target": "Target"})
    message = _error(make_task(frames=frames))
    assert "sample_submission.csv's id column 'ID' is 'id' in test.csv" in message and "id_column" in message


def test_sample_with_other_ids(make_task):
    frames = binary_frames()
    frames["sample"] = frames["sample"].iloc[:5]
    message = _error(make_task(frames=frames))
    assert "sample_submission.csv does not match test.csv on id: 5 test ids are missing from it" in message


def test_task_yaml_with_a_wrong_id_or_target(make_task):
    message = _error(make_task("a", config={"id_column": "ident"}))
    assert "names id column 'ident', but test.csv has no such column (it has: id, age, color)" in message
    message = _error(make_task("b", config={"target_column": "label"}))
    assert "names target column(s) label, but sample_submission.csv has no such column" in message


def test_task_yaml_with_a_wrong_target_and_no_sample(make_task):
    frames = regression_frames()
    frames.pop("sample")
    message = _error(make_task(frames=frames, config={"target_column": "prce"}))
    assert "names target column(s) prce, but train.csv has no such column (it has: id, x, price)" in message


def test_single_class_target(make_task):
    frames = binary_frames()
    frames["train"] = frames["train"].assign(target=1)
    message = _error(make_task(frames=frames))
    assert "train.csv's target column 'target' holds one value (1) in all 40 rows read" in message
    assert "nothing to learn" in message


def test_target_without_values(make_task):
    frames = regression_frames()
    frames["train"] = frames["train"].assign(price=np.nan)
    assert "target column 'price' has no values in its 30 rows" in _error(make_task(frames=frames))


# ----------------------------------------------------------------------------- metric and task.yaml


def test_unknown_metric_in_the_description(make_task):
    message = _error(make_task(description="# Claims\n\nSubmissions are evaluated on the normalized Gini "
                                           "coefficient.\n"))
    assert "scores submissions on a metric this agent does not know ('the normalized gini coefficient')" in message
    assert "roc_auc" in message and "task.yaml (`metric: ...`)" in message


def test_description_without_a_metric_still_defaults(make_task):
    task = load_task(make_task(description="# Churn\n\nYour model will be evaluated on the hidden test set.\n"))
    assert task.metric_source == "default"


def test_unknown_metric_in_task_yaml(make_task):
    message = _error(make_task(config={"metric": "smape"}))
    assert "task.yaml: unknown metric 'smape'" in message and "--metric" not in message


def _with_yaml(make_task, text: str) -> Path:
    root = make_task()
    (_data(root) / "task.yaml").write_text(text, encoding="utf-8")
    return root


def test_task_yaml_syntax_error_in_one_line(make_task):
    message = _error(_with_yaml(make_task, "metric: rmse\nid_column: [id\n"))
    assert "task.yaml is not valid YAML (line 3, column 1:" in message and "remove it" in message


def test_task_yaml_wrong_types(make_task):
    message = _error(_with_yaml(make_task, "metric: [rmse, mae]\n"))
    assert "`metric` must be one value, not a list (['rmse', 'mae']), e.g. `metric: rmse`" in message
    message = _error(_with_yaml(make_task, "id_column: {name: id}\n"))
    assert "`id_column` must be a column name or a list of column names, not a mapping" in message
    message = _error(_with_yaml(make_task, "target_column: yes\n"))
    assert "not true/false (True)" in message and 'quote a name' in message
    assert "mapping of settings" in _error(_with_yaml(make_task, "- metric: rmse\n"))


def test_task_yaml_unknown_key(make_task):
    message = _error(_with_yaml(make_task, "target_col: target\n"))
    assert "unknown key `target_col` (did you mean `target_column`?)" in message and "Known keys:" in message


def test_task_yaml_empty_values_leave_the_defaults(make_task):
    assert load_task(_with_yaml(make_task, "metric:\nid_columns: []\n")).id_columns == ("id",)


# ----------------------------------------------------------------------------- large tables


def _sparse_train(root: Path, size: int) -> Path:
    """train.csv: rows of real data, then a hole up to `size` bytes (NUL bytes that take no disk)."""
    train = _data(root) / "train.csv"
    rng = np.random.default_rng(3)
    rows = 6000
    pd.DataFrame({"id": range(rows), "age": rng.normal(40, 10, rows).round(1),
                  "color": rng.choice(["red", "blue"], rows), "target": np.arange(rows) % 2}).to_csv(train, index=False)
    os.truncate(train, size)
    return train


def test_large_table_is_checked_on_its_head_only(make_task, monkeypatch, caplog):
    monkeypatch.setattr(tables, "MAX_CHECKED_BYTES", 50_000)
    monkeypatch.setattr(tables, "HEAD_BYTES", 40_000)
    root = make_task(description="Evaluated on AUC.")
    train = _sparse_train(root, 4 * 2**30)
    before = train.stat().st_size
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="mle_star"):
        task = load_task(root)
    assert time.monotonic() - started < 10
    assert task.classes == (0, 1) and train.stat().st_size == before
    assert any("train.csv is 4.0 GB: the task checks read its first 39.1 KB only" in r.getMessage()
               for r in caplog.records)


def test_large_table_with_garbage_in_its_head(make_task, monkeypatch):
    monkeypatch.setattr(tables, "MAX_CHECKED_BYTES", 50_000)
    root = make_task()
    train = _data(root) / "train.csv"
    train.write_bytes(b"id,age,color,target\n1,2,red,0\n")
    os.truncate(train, 2**30)
    assert "train.csv holds binary data" in _error(root)


def test_a_valid_task_still_loads(make_task):
    task = load_task(make_task(config={"metric": "auc", "id_column": "id", "target_columns": ["target"]}))
    assert task.metric.name == "roc_auc" and task.metric_source == "task.yaml"


def test_refusals_leave_the_folder_unchanged(make_task):
    root = make_task(config={"metric": "bleu"})
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    _error(root)
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    assert yaml.safe_load((_data(root) / "task.yaml").read_text()) == {"metric": "bleu"}
