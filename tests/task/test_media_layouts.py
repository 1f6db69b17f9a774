"""Image competitions' layouts: images inside zip archives, train and test images in folders of their own,
no test table (the sample submission lists the test images), no training table (the labels are in the
training files' names), sound clips."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from machine_learning_engineering.task import TaskError, grade, load_task, profile_task
from machine_learning_engineering.task.audio import aiff_bytes, mfcc_means, read_sound
from machine_learning_engineering.task.brief import make_brief
from machine_learning_engineering.task.media_files import MediaFiles
from machine_learning_engineering.task.inventory import list_archive_members, list_data_files
from machine_learning_engineering.task.listing import label_token
from machine_learning_engineering.task.tables import read_table

DESCRIPTION = "# Cacti\n\nSubmissions are evaluated on area under the ROC curve.\n"


def _png(value: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((4, 4), value, dtype=np.uint8)).save(out, "PNG")
    return out.getvalue()


def _zip(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def _zipped_task(root: Path, *, ids_name_images: bool = True) -> Path:
    """aerial-cactus's layout: train.csv names images at the root of train.zip; test images only in test.zip
    and in the sample submission."""
    public = root / "prepared" / "public"
    public.mkdir(parents=True)
    train_ids, test_ids = [f"t{i}.png" for i in range(12)], [f"u{i}.png" for i in range(6)]
    pd.DataFrame({"id": train_ids, "has_cactus": [i % 2 for i in range(12)]}).to_csv(public / "train.csv", index=False)
    sample_ids = test_ids if ids_name_images else [f"row{i}" for i in range(6)]
    pd.DataFrame({"id": sample_ids, "has_cactus": 0.5}).to_csv(public / "sample_submission.csv", index=False)
    _zip(public / "train.zip", {name: _png(i * 10) for i, name in enumerate(train_ids)})
    _zip(public / "test.zip", {name: _png(200 + i) for i, name in enumerate(test_ids)} | {"__MACOSX/x.png": b""})
    (public / "description.md").write_text(DESCRIPTION)
    return root


def test_archive_members_are_listed_under_the_archives_path(tmp_path):
    root = _zipped_task(tmp_path / "cactus")
    data = root / "prepared" / "public"
    members = list_archive_members(data, list_data_files(data))
    assert [m.path.as_posix() for m in members][:2] == ["test.zip/u0.png", "test.zip/u1.png"]
    assert len(members) == 18 and {m.kind for m in members} == {"image"}


def test_the_sample_submission_stands_for_a_missing_test_table_when_its_ids_name_images(tmp_path):
    task = load_task(_zipped_task(tmp_path / "cactus"))
    assert task.test_file == task.sample_submission_file == Path("sample_submission.csv")
    assert (task.id_columns, task.target_columns, task.task_kind) == (("id",), ("has_cactus",), "binary")
    assert "18 inside its zip archives" in task.summary()
    profile = profile_task(task)
    images = profile["images"]
    assert (images["column"], images["folder"], images["test_folder"], images["how"]) == \
        ("id", "train.zip", "test.zip", "filename")
    assert "train.zip/: 12 image files" in profile["inventory"]
    brief = make_brief(task, profile)
    assert (brief["image_folder"], brief["test_image_folder"]) == ("train.zip", "test.zip")


def test_without_a_test_table_a_sample_of_plain_ids_is_still_refused(tmp_path):
    with pytest.raises(TaskError, match="no test table found"):
        load_task(_zipped_task(tmp_path / "cactus", ids_name_images=False))


def test_image_files_are_found_in_the_splits_own_folder_first(tmp_path):
    data = tmp_path / "t" / "public"
    for folder, base in (("train_images", 0), ("test_images", 100)):
        (data / folder).mkdir(parents=True)
        for i in range(3):  # the same names in both folders: only the folder tells them apart
            (data / folder / f"{i}.png").write_bytes(_png(base + i))
    pd.DataFrame({"id_code": ["0", "1", "2"], "y": [0, 1, 0]}).to_csv(data / "train.csv", index=False)
    pd.DataFrame({"id_code": ["0", "1", "2"]}).to_csv(data / "test.csv", index=False)
    pd.DataFrame({"id_code": ["0", "1", "2"], "y": 0}).to_csv(data / "sample_submission.csv", index=False)
    (data / "description.md").write_text(DESCRIPTION)
    task = load_task(tmp_path / "t")
    images = profile_task(task)["images"]
    assert (images["folder"], images["test_folder"]) == ("train_images", "test_images")
    store = MediaFiles(task)
    assert store.locate("1", "test_images") == "test_images/1.png"
    with store.open_image("1", "test_images") as image:
        assert np.asarray(image)[0, 0] == 101
    with store.open_image("2", "train_images") as image:
        assert np.asarray(image)[0, 0] == 2
    with pytest.raises(FileNotFoundError, match="no image file of the task is named '7'"):
        store.locate("7", "train_images")


def test_image_files_open_from_inside_an_archive(tmp_path):
    task = load_task(_zipped_task(tmp_path / "cactus"))
    store = MediaFiles(task)
    with store.open_image("u3.png", "test.zip") as image:
        assert np.asarray(image)[0, 0] == 203
    with store.open_image("t4.png", "train.zip") as image:
        assert np.asarray(image)[0, 0] == 40
    store.close()


def _pets_task(root: Path) -> Path:
    """dogs-vs-cats' layout: the labels are in the training files' names, inside train.zip."""
    public = root / "prepared" / "public"
    public.mkdir(parents=True)
    _zip(public / "train.zip", {f"{kind}.{i}.png": _png(40 if kind == "cat" else 220)
                                for kind in ("cat", "dog") for i in range(8)})
    _zip(public / "test.zip", {f"{i}.png": _png(40 if i % 2 else 220) for i in range(1, 7)})
    pd.DataFrame({"id": range(1, 7), "label": 0.5}).to_csv(public / "sample_submission.csv", index=False)
    (public / "description.md").write_text("# Pets\n\nSubmissions are scored on the log loss.\n")
    private = root / "prepared" / "private"
    private.mkdir()
    pd.DataFrame({"id": range(1, 7), "label": [0 if i % 2 else 1 for i in range(1, 7)]}).to_csv(
        private / "answers.csv", index=False)
    return root


def test_training_files_labelled_by_their_names_are_the_training_table(tmp_path):
    task = load_task(_pets_task(tmp_path / "pets"))
    assert task.train_file == Path("train.zip") and task.test_file == Path("sample_submission.csv")
    assert task.train_listing == {"source": "train.zip", "label_token": 0, "with_extension": False,
                                  "id_column": "id", "target_column": "label"}
    assert (task.task_kind, task.prediction_format, task.classes) == ("binary", "probability", ("cat", "dog"))
    train = read_table(task.train_path)
    assert list(train.columns) == ["id", "label"] and train["id"].tolist()[:2] == ["cat.0", "cat.1"]
    profile = profile_task(task)
    assert profile["train"]["n_rows"] == 16
    assert (profile["images"]["folder"], profile["images"]["test_folder"]) == ("train.zip", "test.zip")
    assert make_brief(task, profile)["train_listing"]["label_token"] == 0


def test_answers_of_one_for_the_positive_class_grade_against_named_classes(tmp_path):
    task = load_task(_pets_task(tmp_path / "pets"))
    perfect = pd.DataFrame({"id": range(1, 7), "label": [0.0 if i % 2 else 1.0 for i in range(1, 7)]})
    assert grade(perfect, task) == pytest.approx(0.0, abs=1e-6)  # 1 means dog, the second class
    assert grade(perfect.assign(label=1 - perfect["label"]), task) > 10


def test_the_label_is_the_part_of_the_names_with_few_values():
    assert label_token([f"{kind}.{i}.jpg" for kind in ("cat", "dog") for i in range(10)]) == 0
    # A recording's date also takes two values; the part of 0s and 1s is the label.
    names = [f"2009032{day}_000000_{i:03d}s0ms_TRAIN{i}_{i % 2}.aif" for day in (8, 9) for i in range(10)]
    assert label_token(names) == -1
    assert label_token([f"{i}.jpg" for i in range(20)]) is None  # ids, no label
    assert label_token([f"img_{i}.jpg" for i in range(20)]) is None


def test_sounds_round_trip_through_aiff_and_wav_and_have_mfccs():
    import wave

    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)
    samples, rate = read_sound(aiff_bytes(tone, 8000))
    assert rate == 8000 and np.abs(samples - tone).max() < 1e-4
    out = io.BytesIO()
    with wave.open(out, "wb") as clip:
        clip.setnchannels(2), clip.setsampwidth(2), clip.setframerate(8000)
        clip.writeframes(np.repeat((tone * 32767).astype("<i2"), 2).tobytes())
    samples, rate = read_sound(out.getvalue())
    assert rate == 8000 and np.abs(samples - tone).max() < 1e-4
    low, high = (mfcc_means(0.5 * np.sin(2 * np.pi * f * np.arange(8000) / 8000), 8000) for f in (200, 2000))
    assert low.shape == (20,) and not np.allclose(low, high)
    with pytest.raises(ValueError, match="not a WAV or AIFF"):
        read_sound(b"ID3 an mp3")
