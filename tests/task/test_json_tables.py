"""JSON records as the train and test tables: loaded, profiled and checked like CSV, lists read as text,
a malformed file refused with its fix; a boolean target grades against 0/1 answers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from machine_learning_engineering.task import TaskError, grade, load_task, profile_task
from machine_learning_engineering.task.metrics import canonical_label
from machine_learning_engineering.task.tables import read_table


def _records(n: int, seed: int, with_target: bool) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        score = float(rng.normal())
        record = {"request_id": f"t3_{seed}{i:04d}", "karma": round(score * 10, 3),
                  "tags": ["food", "pizza"] if score > 0 else ["work"],
                  "text": f"request number {i} asks kindly for a pizza because {'hungry' if score > 0 else 'bored'}"}
        if with_target:
            record["received"] = bool(score > 0.3)
            record["flair"] = "shroom" if score > 0.3 else None  # known only after the fact: not in test
        out.append(record)
    return out


@pytest.fixture
def json_task(tmp_path: Path) -> Path:
    public, private = tmp_path / "pizza" / "public", tmp_path / "pizza" / "private"
    public.mkdir(parents=True)
    private.mkdir()
    (public / "train.json").write_text(json.dumps(_records(120, 1, True), indent=2))
    test = _records(40, 2, False)
    (public / "test.json").write_text(json.dumps(test))
    ids = [r["request_id"] for r in test]
    pd.DataFrame({"request_id": ids, "received": 0}).to_csv(public / "sampleSubmission.csv", index=False)
    truth = [int(r["karma"] > 3) for r in test]
    pd.DataFrame({"request_id": ids, "received": truth}).to_csv(private / "answers.csv", index=False)
    (public / "description.md").write_text("Submissions are evaluated on area under the ROC curve.\n")
    return tmp_path / "pizza"


def test_json_records_load_and_profile_like_a_table(json_task):
    task = load_task(json_task)
    assert (task.train_file.name, task.test_file.name) == ("train.json", "test.json")
    assert (task.task_kind, task.prediction_format, task.id_columns) == ("binary", "probability", ("request_id",))
    roles = {c["name"]: c["role"] for c in profile_task(task)["columns"]}
    assert roles["text"] == "text" and roles["karma"] == "numeric" and roles["received"] == "target"
    assert read_table(task.train_path)["tags"].iloc[0] in ("food pizza", "work")


def test_a_boolean_target_grades_against_0_1_answers(json_task, tmp_path):
    task = load_task(json_task)
    answers = pd.read_csv(json_task / "private" / "answers.csv")
    answers.to_csv(tmp_path / "gold.csv", index=False)
    assert grade(tmp_path / "gold.csv", task) == pytest.approx(1.0)
    assert [canonical_label(v) for v in (True, "True", "false", 1, 0.0)] == ["1", "1", "0", "1", "0"]


def test_a_json_file_that_is_not_records_is_refused_with_the_fix(json_task):
    (json_task / "public" / "test.json").write_text(json.dumps({"request_id": "a"}))
    with pytest.raises(TaskError, match="test.json is not a JSON table .*list of objects"):
        load_task(json_task)
