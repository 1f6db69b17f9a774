"""Task forms: recordings with ragged labels (mlsp-2013-birds), image pairs (denoising) and tokens (text
normalisation) are found from their files, read as rows, and their long-form submissions checked and graded."""

from __future__ import annotations

import io
import wave
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from machine_learning_engineering.task import grade, load_task, profile_task
from machine_learning_engineering.task.brief import make_brief
from machine_learning_engineering.task.forms import graded_view, read_rows
from machine_learning_engineering.task.grader import check_submission


def _wav(seed: int) -> bytes:
    samples = (np.random.default_rng(seed).normal(0, 0.1, 1600) * 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as clip:
        clip.setnchannels(1), clip.setsampwidth(2), clip.setframerate(16000)
        clip.writeframes(samples.tobytes())
    return out.getvalue()


def _birds(root: Path) -> Path:
    """mlsp-2013-birds' layout: 12 recordings, 4 of them test rows; 3 classes."""
    public, private = root / "prepared" / "public", root / "prepared" / "private"
    essential = public / "essential_data"
    (essential / "src_wavs").mkdir(parents=True)
    private.mkdir(parents=True)
    labels = {0: [0], 1: [], 2: [1, 2], 3: None, 4: [2], 5: [0, 1], 6: None, 7: [1], 8: [0], 9: None, 10: [2],
              11: None}
    lines = ["rec_id,[labels]"] + [f"{k},?" if v is None else ",".join(map(str, [k, *v])) for k, v in labels.items()]
    (essential / "rec_labels_test_hidden.txt").write_text("\n".join(lines) + "\n")
    (essential / "rec_id2filename.txt").write_text("rec_id,filename\n" + "".join(f"{k},PC1_{k:04d}\n" for k in labels))
    (essential / "CVfolds_2.txt").write_text("rec_id,fold\n" + "".join(f"{k},{int(v is None)}\n" for k, v in labels.items()))
    for k in labels:
        (essential / "src_wavs" / f"PC1_{k:04d}.wav").write_bytes(_wav(k))
    test = [k for k, v in labels.items() if v is None]
    ids = [k * 100 + j for k in test for j in range(3)]
    pd.DataFrame({"Id": ids, "Probability": 0}).to_csv(public / "sample_submission.csv", index=False)
    pd.DataFrame({"Id": ids, "Probability": [int(i % 3 == 0) for i in range(len(ids))]}).to_csv(
        private / "answers.csv", index=False)
    (public / "description.md").write_text("# Birds\n\nSubmissions are judged on area under the ROC curve.\n")
    return root


def test_ragged_labels_are_recordings_with_one_column_per_class(tmp_path):
    task = load_task(_birds(tmp_path / "birds"))
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
    task = load_task(_birds(tmp_path / "birds"))
    graded = graded_view(task)
    assert graded.id_columns == ("Id",) and graded.task_kind == "binary"
    answers = pd.read_csv(task.answers_file)
    perfect = answers.assign(Probability=answers["Probability"] * 0.8 + 0.1)
    assert check_submission(perfect, task) == []
    assert grade(perfect, task) == pytest.approx(1.0)
    wide = pd.DataFrame({"rec_id": [3, 6, 9, 11], "class_0": 0.5})
    assert any("missing column" in p for p in check_submission(wide, task))


def _png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def _documents(root: Path) -> Path:
    """denoising-dirty-documents' layout: train/, train_cleaned/, test/ and one sample row per test pixel."""
    public, private = root / "prepared" / "public", root / "prepared" / "private"
    for folder in ("train", "train_cleaned", "test"):
        (public / folder).mkdir(parents=True)
    private.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for n in (2, 5, 8):
        clean = np.where(rng.random((6, 9)) < 0.2, 0, 255)
        (public / "train_cleaned" / f"{n}.png").write_bytes(_png(clean))
        (public / "train" / f"{n}.png").write_bytes(_png(np.clip(clean * 0.8 + 30, 0, 255)))
    ids, values = [], []
    for n in (3, 11):
        clean = np.where(rng.random((4, 5)) < 0.2, 0, 255)
        (public / "test" / f"{n}.png").write_bytes(_png(clean * 0.7 + 40))
        ids += [f"{n}_{r + 1}_{c + 1}" for r in range(4) for c in range(5)]
        values += list((clean / 255.0).ravel())
    pd.DataFrame({"id": ids, "value": 1}).to_csv(public / "sampleSubmission.csv", index=False)
    pd.DataFrame({"id": ids, "value": values}).to_csv(private / "answers.csv", index=False)
    (public / "description.md").write_text("# Pages\n\nSubmissions are evaluated on root mean squared error.\n")
    return root


def test_image_pairs_are_pixels_graded_by_pixel_rmse(tmp_path):
    task = load_task(_documents(tmp_path / "docs"))
    assert task.form["kind"] == "pixels" and task.form["clean_folder"] == "train_cleaned"
    assert task.form["test_folder"] == "test" and task.task_kind == "regression" and task.metric.name == "rmse"
    train, test = read_rows(task, "train"), read_rows(task, "test")
    assert len(train) == 3 * 54 and set(train["value"].round(6)) <= {0.0, 1.0}
    assert test["id"].tolist()[:2] == ["3_1_1", "3_1_2"] and len(test) == 40
    answers = pd.read_csv(task.answers_file)
    assert grade(answers, task) == pytest.approx(0.0)
    assert grade(answers.assign(value=answers["value"] * 0 + 1), task) == pytest.approx(
        float(np.sqrt(np.mean((answers["value"] - 1) ** 2))))


def _zipped_csv(path: Path, member: str, frame: pd.DataFrame) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, frame.to_csv(index=False, quoting=2))


def _tokens(root: Path) -> Path:
    """text normalisation's layout: zipped token tables, ids `<sentence>_<token>` in the sample only."""
    public, private = root / "prepared" / "public", root / "prepared" / "private"
    public.mkdir(parents=True), private.mkdir(parents=True)
    words = [("PLAIN", "the", "the"), ("CARDINAL", "12", "twelve"), ("PUNCT", ".", "."), ("DATE", "1990",
             "nineteen ninety")]
    rows = [(s, t, *words[(s + t) % 4]) for s in range(30) for t in range(3)]
    train = pd.DataFrame(rows, columns=["sentence_id", "token_id", "class", "before", "after"])
    _zipped_csv(public / "en_train.csv.zip", "en_train.csv", train)
    test = train[train["sentence_id"] < 5].drop(columns=["class", "after"])
    _zipped_csv(public / "en_test_2.csv.zip", "en_test_2.csv", test)
    ids = test["sentence_id"].astype(str) + "_" + test["token_id"].astype(str)
    _zipped_csv(public / "en_sample_submission_2.csv.zip", "en_sample_submission_2.csv",
                pd.DataFrame({"id": ids, "after": test["before"]}))
    pd.DataFrame({"id": ids, "after": train[train["sentence_id"] < 5]["after"]}).to_csv(private / "answers.csv",
                                                                                      index=False)
    (public / "description.md").write_text("# Tokens\n\nSubmissions are evaluated on accuracy.\n")
    return root


def test_tokens_are_rows_with_composite_ids_graded_by_exact_match(tmp_path):
    task = load_task(_tokens(tmp_path / "norm"))
    assert task.form["kind"] == "tokens" and task.form["id_parts"] == ["sentence_id", "token_id"]
    assert task.form["source_column"] == "before" and task.form["language"] == "en"
    assert task.id_columns == ("id",) and task.target_columns == ("after",) and task.metric.name == "accuracy"
    test = read_rows(task, "test")
    assert test["id"].tolist()[:3] == ["0_0", "0_1", "0_2"]
    answers = pd.read_csv(task.answers_file, dtype=str, keep_default_na=False)
    assert grade(answers, task) == pytest.approx(1.0)
    half = answers.assign(after=[a if i % 2 else "x" for i, a in enumerate(answers["after"])])
    assert check_submission(half, task) == []
    assert grade(half, task) == pytest.approx(7 / 15)


def test_plain_tables_have_no_form(tmp_path):
    public = tmp_path / "plain"
    public.mkdir()
    pd.DataFrame({"id": range(20), "x": range(20), "y": [0, 1] * 10}).to_csv(public / "train.csv", index=False)
    pd.DataFrame({"id": range(5), "x": range(5)}).to_csv(public / "test.csv", index=False)
    pd.DataFrame({"id": range(5), "y": 0.5}).to_csv(public / "sample_submission.csv", index=False)
    (public / "description.md").write_text("Predict y. Evaluated on ROC AUC.\n")
    assert load_task(public).form is None
