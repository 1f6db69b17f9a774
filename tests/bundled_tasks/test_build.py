"""Every bundled task builds offline into a folder the task layer loads, checks and grades."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from machine_learning_engineering.bundled_tasks import TASK_NAMES, build_all, build_task
from machine_learning_engineering.bundled_tasks.__main__ import main
from machine_learning_engineering.task import check_submission, detect_metric, grade, load_task

BEST = {"accuracy": 1.0, "balanced_accuracy": 1.0, "f1": 1.0, "f1_macro": 1.0, "roc_auc": 1.0, "log_loss": 0.0,
        "rmse": 0.0, "mae": 0.0, "rmsle": 0.0, "r2": 1.0, "qwk": 1.0}

REQUIRED = ("penguins-species", "breast-cancer", "diabetes-progression", "wine-cultivar", "digits-images",
            "diamonds-price", "affairs-binary")


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundled")
    build_all(out)
    return out


def _hints(root: Path) -> dict:
    return yaml.safe_load((root / "public" / "task.yaml").read_text())


def test_the_required_tasks_are_bundled():
    assert set(REQUIRED) <= set(TASK_NAMES)


@pytest.mark.parametrize("name", TASK_NAMES)
def test_task_loads_with_the_metric_of_its_task_yaml(built, name):
    root = built / name
    hints = _hints(root)
    task = load_task(root)
    assert task.metric.name == hints["metric"]
    assert task.task_kind == hints["task_kind"]
    assert list(task.target_columns) == hints["target_columns"]
    assert task.prediction_format == hints["prediction_format"]
    assert task.answers_file == root / "private" / "answers.csv"


@pytest.mark.parametrize("name", TASK_NAMES)
def test_description_alone_names_the_metric_of_task_yaml(built, name):
    description = (built / name / "public" / "description.md").read_text()
    assert "Submissions are evaluated on" in description
    assert detect_metric(description).name == _hints(built / name)["metric"]


@pytest.mark.parametrize("name", TASK_NAMES)
def test_public_folder_holds_no_answers(built, name):
    root = built / name
    hints = _hints(root)
    public_files = {p.name for p in (root / "public").rglob("*")}
    assert "answers.csv" not in public_files
    assert (root / "private" / "answers.csv").is_file()
    train = pd.read_csv(root / "public" / "train.csv")
    test = pd.read_csv(root / "public" / "test.csv")
    label = hints.get("label_column", hints["target_columns"][0])
    assert label in train.columns and label not in test.columns
    assert not set(hints["target_columns"]) & set(test.columns)
    assert train["id"].is_unique and test["id"].is_unique
    assert not set(train["id"]) & set(test["id"])
    assert 0.18 <= len(test) / (len(train) + len(test)) <= 0.25


@pytest.mark.parametrize("name", TASK_NAMES)
def test_sample_submission_passes_checks_and_grades(built, name):
    root = built / name
    task = load_task(root)
    sample = pd.read_csv(root / "public" / "sample_submission.csv")
    test = pd.read_csv(root / "public" / "test.csv")
    assert sample["id"].tolist() == test["id"].tolist()
    assert check_submission(root / "public" / "sample_submission.csv", task) == []
    assert math.isfinite(grade(root / "public" / "sample_submission.csv", task))


@pytest.mark.parametrize("name", TASK_NAMES)
def test_perfect_submission_scores_the_best_value(built, name, tmp_path):
    root = built / name
    task = load_task(root)
    # Answers are stored in the submission's own format: labels, values, 0/1 or one-hot columns.
    answers = pd.read_csv(root / "private" / "answers.csv")
    sample = pd.read_csv(root / "public" / "sample_submission.csv")
    perfect = answers.set_index("id").loc[sample["id"]].reset_index()[sample.columns]
    path = tmp_path / "perfect.csv"
    perfect.to_csv(path, index=False)
    assert check_submission(path, task) == []
    assert grade(path, task) == pytest.approx(BEST[task.metric.name], abs=1e-6)


def test_classification_splits_are_stratified(built):
    for name in TASK_NAMES:
        hints = _hints(built / name)
        if hints["task_kind"] == "regression":
            continue
        label = hints.get("label_column", hints["target_columns"][0])
        train = pd.read_csv(built / name / "public" / "train.csv")[label]
        answers = pd.read_csv(built / name / "private" / "answers.csv")
        test = (answers.set_index("id").idxmax(axis=1) if "label_column" in hints else answers[label])
        test_share = test.astype(str).value_counts(normalize=True)
        train_share = train.astype(str).value_counts(normalize=True)
        assert (test_share - train_share).abs().max() < 0.03, name


def test_digit_images_are_8_bit_grayscale_files_named_by_id(built):
    public = built / "digits-images" / "public"
    for csv in ("train.csv", "test.csv"):
        frame = pd.read_csv(public / csv)
        assert (frame["image"] == "images/" + frame["id"].astype(str) + ".png").all()
        assert all((public / path).is_file() for path in frame["image"])
    image = Image.open(public / frame["image"].iloc[0])
    pixels = np.asarray(image)
    assert image.mode == "L" and pixels.shape == (8, 8) and pixels.max() > 16


def test_sizes_and_kept_quirks(built):
    diamonds = pd.read_csv(built / "diamonds-price" / "public" / "train.csv")
    diamonds_test = pd.read_csv(built / "diamonds-price" / "public" / "test.csv")
    assert len(diamonds) + len(diamonds_test) == 53_940
    assert {"cut", "color", "clarity"} <= set(diamonds.columns)
    penguins = pd.read_csv(built / "penguins-species" / "public" / "train.csv")
    assert penguins["sex"].isna().any() and not pd.api.types.is_numeric_dtype(penguins["island"])


def test_building_twice_gives_identical_files(built, tmp_path):
    build_all(tmp_path)
    for name in TASK_NAMES:
        for relative in ("public/train.csv", "public/test.csv", "private/answers.csv"):
            assert (tmp_path / name / relative).read_bytes() == (built / name / relative).read_bytes(), relative
    images = sorted((built / "digits-images" / "public" / "images").iterdir())[:20]
    for image in images:
        assert (tmp_path / "digits-images" / "public" / "images" / image.name).read_bytes() == image.read_bytes()


def test_complete_tasks_are_kept_unless_overwrite(tmp_path):
    root = build_task("wine-cultivar", tmp_path)
    marker = root / "public" / "train.csv"
    marker.write_text("edited")
    assert build_all(tmp_path, ["wine-cultivar"]) == [root]
    assert marker.read_text() == "edited"
    build_all(tmp_path, ["wine-cultivar"], overwrite=True)
    assert marker.read_text().startswith("id,")


def test_an_incomplete_folder_is_rebuilt(tmp_path):
    root = build_task("wine-cultivar", tmp_path)
    (root / "private" / "answers.csv").unlink()
    build_task("wine-cultivar", tmp_path)
    assert (root / "private" / "answers.csv").is_file()


def test_unknown_task_names_are_refused_with_the_choices(tmp_path):
    with pytest.raises(ValueError, match="penguins-species"):
        build_all(tmp_path, ["titanic"])


def test_command_line_builds_the_named_tasks(tmp_path, capsys):
    assert main([str(tmp_path), "--only", "breast-cancer", "wine-cultivar"]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(tmp_path / "breast-cancer"), str(tmp_path / "wine-cultivar")]


def test_held_out_tasks_are_the_kinds_of_table_they_stand_for(built):
    from machine_learning_engineering.bundled_tasks.sources import SPECS_BY_NAME

    assert {n for n, s in SPECS_BY_NAME.items() if s.held_out} == {"flights-late", "course-ratings",
                                                                      "doctor-visits", "mnist-pixels"}
    public = {name: built / name / "public" for name in ("flights-late", "course-ratings", "doctor-visits",
                                                          "mnist-pixels")}
    flights = pd.read_csv(public["flights-late"] / "train.csv")
    assert len(flights) >= 100_000 and flights["late"].mean() == pytest.approx(0.24, abs=0.02)
    assert pd.to_datetime(flights["scheduled_departure"]).dt.year.eq(2013).all()
    assert flights["tailnum"].nunique() > 3000 and flights["temp"].notna().mean() > 0.95

    ratings = pd.read_csv(public["course-ratings"] / "train.csv")
    assert ratings["student"].str.startswith("S").all() and ratings["student"].nunique() > 2500
    assert ratings["lecturer"].nunique() > 1000 and set(ratings["rating"]) == {1, 2, 3, 4, 5}

    visits = pd.read_csv(public["doctor-visits"] / "train.csv")["visits"]
    assert _hints(built / "doctor-visits")["metric"] == "mae" and visits.skew() > 3 and visits.eq(0).mean() > 0.25

    wide = pd.read_csv(public["mnist-pixels"] / "train.csv")
    assert wide.shape[1] == 786 and wide["label"].value_counts().min() >= 380
    description = (public["mnist-pixels"] / "description.md").read_text()
    assert "- `pixel0` ... `pixel783` (784 columns): intensity" in description and "`pixel5`" not in description
