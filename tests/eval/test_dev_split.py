"""Dev splits are tasks made from a task's public training rows alone: a fifth held back as answers in
the submission's format, the rest to train on; held-out tasks are never split; `--dev` benches them.
A folder of bundled tasks gets the ones added since it was built."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eval.bench.dev_split import make_dev_tasks
from eval.bench.harness import BenchConfig, run_bench
from eval.bench.tasks import discover_tasks
from machine_learning_engineering.task import check_submission, grade, load_task

from .conftest import write_bench_task

KINDS = ("binary", "multiclass", "regression", "label", "image")


@pytest.fixture
def dev_tasks(tmp_path):
    source = tmp_path / "tasks"
    for kind in KINDS:
        write_bench_task(source / f"tiny-{kind}", kind)
    write_bench_task(source / "flights-late", "binary")  # a held-out task's name
    return source, make_dev_tasks(discover_tasks(source), tmp_path / "dev")


@pytest.mark.parametrize("kind", KINDS)
def test_a_dev_split_is_a_task_made_of_public_training_rows_only(dev_tasks, kind):
    source, dev = dev_tasks
    original, split = load_task(source / f"tiny-{kind}"), load_task(dev / f"tiny-{kind}")
    assert (split.task_kind, split.metric.name, split.prediction_format, split.target_columns) == (
        original.task_kind, original.metric.name, original.prediction_format, original.target_columns)
    train = pd.read_csv(original.train_path)
    dev_train, dev_test = pd.read_csv(split.train_path), pd.read_csv(split.test_path)
    assert len(dev_train) == 96 and len(dev_test) == 24  # 120 training rows: four fifths, one fifth
    assert set(dev_train["id"]) | set(dev_test["id"]) == set(train["id"])
    assert not set(dev_train["id"]) & set(dev_test["id"])
    assert not set(original.train_target_columns) & set(dev_test.columns)

    # The answers are the held-back rows' own targets, in the submission's columns.
    answers = pd.read_csv(split.answers_file).set_index("id")
    truth = train.set_index("id").loc[dev_test["id"], original.train_target_columns[0]]
    if split.prediction_format == "class_probabilities":
        assert (answers.loc[dev_test["id"]].idxmax(axis=1) == truth.astype(str)).all()
        assert (answers.sum(axis=1) == 1).all()
    else:
        assert (answers.loc[dev_test["id"], split.target_columns[0]].to_numpy() == truth.to_numpy()).all()

    assert check_submission(split.sample_submission_path, split) == []
    assert np.isfinite(grade(split.sample_submission_path, split))
    perfect = answers.loc[pd.read_csv(split.sample_submission_path)["id"]].reset_index()
    best = {"roc_auc": 1.0, "log_loss": 0.0, "rmse": 0.0, "f1_macro": 1.0, "accuracy": 1.0}[split.metric.name]
    assert grade(perfect, split) == pytest.approx(best, abs=1e-6)
    if kind == "image":
        assert all((split.data_dir / path).is_file() for path in dev_train["image"])


def test_held_out_tasks_get_no_dev_split(dev_tasks):
    _, dev = dev_tasks
    assert sorted(p.name for p in dev.iterdir()) == sorted(f"tiny-{kind}" for kind in KINDS)


def test_the_bench_runs_on_dev_splits_and_says_so(tasks_dir, tmp_path):
    config = BenchConfig(tasks_dir=tasks_dir, out_dir=tmp_path / "out", budgets=(15.0,), main_budget=15.0,
                         cores=1, systems=("lightgbm",), grace_s=30, dev=True)
    run_bench(config)
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    assert sorted(results["task"]) == ["tiny-binary", "tiny-multiclass", "tiny-regression"]
    assert results["valid"].all(), results["error"].tolist()
    assert "Every task is a dev split" in (tmp_path / "out" / "results.md").read_text(encoding="utf-8")
    assert (tmp_path / "out" / "dev-tasks" / "tiny-binary" / "private" / "answers.csv").is_file()


def test_a_tasks_folder_of_bundled_tasks_gets_the_ones_added_since_and_others_are_left_alone(tmp_path):
    from eval.bench.tasks import ensure_bundled_tasks
    from machine_learning_engineering.bundled_tasks import TASK_NAMES, build_task

    old = tmp_path / "tasks"
    build_task("wine-cultivar", old)
    marker = old / "wine-cultivar" / "public" / "train.csv"
    marker.write_text("kept")
    ensure_bundled_tasks(old)
    assert sorted(p.name for p in old.iterdir()) == sorted(TASK_NAMES)
    assert marker.read_text() == "kept"  # complete tasks are not rebuilt
    theirs = tmp_path / "mle-bench"
    write_bench_task(theirs / "my-task", "binary")
    ensure_bundled_tasks(theirs)
    assert [p.name for p in theirs.iterdir()] == ["my-task"]
