"""Task forms: recordings with ragged labels (mlsp-2013-birds), image pairs (denoising) and tokens (text
normalisation) are found from their files, read as rows, and their long-form submissions checked and graded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from machine_learning_engineering.task import grade, load_task, profile_task
from machine_learning_engineering.task.brief import make_brief
from machine_learning_engineering.task.forms import graded_view, read_rows
from machine_learning_engineering.task.grader import check_submission

from .form_layouts import birds_task, documents_task, tokens_task


def test_ragged_labels_are_recordings_with_one_column_per_class(tmp_path):
    task = load_task(birds_task(tmp_path / "birds"))
    assert task.form["kind"] == "ragged_labels" and task.form["multiplier"] == 100
    assert task.task_kind == "multilabel" and task.target_columns == ("class_0", "class_1", "class_2")
    train, test = read_rows(task, "train"), read_rows(task, "test")
    assert list(train["rec_id"]) == [0, 1, 2, 4, 5, 7, 8, 10] and list(test["rec_id"]) == [3, 6, 9, 11]
    assert train.loc[train["rec_id"] == 2, ["class_0", "class_1", "class_2"]].values.tolist() == [[0, 1, 1]]
    assert train.loc[train["rec_id"] == 1, ["class_0", "class_1", "class_2"]].values.sum() == 0
    assert test["filename"].tolist() == ["PC1_0003", "PC1_0006", "PC1_0009", "PC1_0011"]
    brief = make_brief(task, profile_task(task))
    assert brief["audio_column"] == "filename" and brief["audio_folder"] == "essential_data/src_wavs"
    assert brief["form"]["rows"]["pooled"] is True


def test_long_form_submission_is_checked_and_graded_as_one_pooled_auc(tmp_path):
    task = load_task(birds_task(tmp_path / "birds"))
    graded = graded_view(task)
    assert graded.id_columns == ("Id",) and graded.task_kind == "binary"
    answers = pd.read_csv(task.answers_file)
    perfect = answers.assign(Probability=answers["Probability"] * 0.8 + 0.1)
    assert check_submission(perfect, task) == []
    assert grade(perfect, task) == pytest.approx(1.0)
    wide = pd.DataFrame({"rec_id": [3, 6, 9, 11], "class_0": 0.5})
    assert any("missing column" in p for p in check_submission(wide, task))


def test_image_pairs_are_pixels_graded_by_pixel_rmse(tmp_path):
    task = load_task(documents_task(tmp_path / "docs"))
    assert task.form["kind"] == "pixels" and task.form["clean_folder"] == "train_cleaned"
    assert task.form["test_folder"] == "test" and task.task_kind == "regression" and task.metric.name == "rmse"
    train, test = read_rows(task, "train"), read_rows(task, "test")
    assert len(train) == 3 * 54 and set(train["value"].round(6)) <= {0.0, 1.0}
    assert test["id"].tolist()[:2] == ["3_1_1", "3_1_2"] and len(test) == 40
    answers = pd.read_csv(task.answers_file)
    assert grade(answers, task) == pytest.approx(0.0)
    assert grade(answers.assign(value=answers["value"] * 0 + 1), task) == pytest.approx(
        float(np.sqrt(np.mean((answers["value"] - 1) ** 2))))


def test_tokens_are_rows_with_composite_ids_graded_by_exact_match(tmp_path):
    task = load_task(tokens_task(tmp_path / "norm"))
    assert task.form["kind"] == "tokens" and task.form["id_parts"] == ["sentence_id", "token_id"]
    assert task.form["source_column"] == "before" and task.form["language"] == "en"
    assert task.id_columns == ("id",) and task.target_columns == ("after",) and task.metric.name == "accuracy"
    test = read_rows(task, "test")
    assert test["id"].tolist()[:3] == ["0_0", "0_1", "0_2"]
    answers = pd.read_csv(task.answers_file, dtype=str, keep_default_na=False)
    assert grade(answers, task) == pytest.approx(1.0)
    half = answers.assign(after=[a if i % 2 else "x" for i, a in enumerate(answers["after"])])
    assert check_submission(half, task) == []
    assert grade(half, task) == pytest.approx(0.5)


def test_plain_tables_have_no_form(tmp_path):
    public = tmp_path / "plain"
    public.mkdir()
    pd.DataFrame({"id": range(20), "x": range(20), "y": [0, 1] * 10}).to_csv(public / "train.csv", index=False)
    pd.DataFrame({"id": range(5), "x": range(5)}).to_csv(public / "test.csv", index=False)
    pd.DataFrame({"id": range(5), "y": 0.5}).to_csv(public / "sample_submission.csv", index=False)
    (public / "description.md").write_text("Predict y. Evaluated on ROC AUC.\n")
    assert load_task(public).form is None
