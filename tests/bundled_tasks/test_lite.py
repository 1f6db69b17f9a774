"""The MLE-bench-Lite stand-ins build offline in the competitions' layouts, load with the right kind and
metric, grade on their private answers, and the offline agent solves a tiny one end to end."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from machine_learning_engineering.bundled_tasks.lite import (LITE_TASK_NAMES, MissingSourceError, build_lite,
                                                             fortunes)
from machine_learning_engineering.task import check_submission, grade, load_task
from machine_learning_engineering.task.audio import read_sound
from machine_learning_engineering.task.forms import graded_view, read_rows

from .solving import solve

try:
    fortunes.ensure_fortunes()
except MissingSourceError as exc:  # pragma: no cover - depends on the machine
    pytest.skip(f"fortune collections unavailable: {exc}", allow_module_level=True)

INSULTS, SPOOKY = "detecting-insults-in-social-commentary", "spooky-author-identification"
JIGSAW, NOMAD = "jigsaw-toxic-comment-classification-challenge", "nomad2018-predict-transparent-conductors"
PIZZA = "random-acts-of-pizza"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lite")
    build_lite(out, size="tiny")
    return out


def _public(root: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(root / "prepared" / "public" / name, keep_default_na=False)


def test_every_stand_in_has_the_competition_files_and_columns(tiny):
    spooky, insults = tiny / SPOOKY, tiny / INSULTS
    assert sorted(p.name for p in (spooky / "prepared" / "public").iterdir()) == [
        "description.md", "sample_submission.csv", "test.csv", "train.csv"]
    assert list(_public(spooky, "train.csv").columns) == ["id", "text", "author"]
    assert list(_public(spooky, "test.csv").columns) == ["id", "text"]
    assert list(_public(spooky, "sample_submission.csv").columns) == ["id", "EAP", "HPL", "MWS"]
    assert set(_public(spooky, "train.csv")["author"]) == {"EAP", "HPL", "MWS"}

    assert sorted(p.name for p in (insults / "prepared" / "public").iterdir()) == [
        "description.md", "sample_submission_null.csv", "test.csv", "train.csv"]
    train = _public(insults, "train.csv")
    assert list(train.columns) == ["Insult", "Date", "Comment"]
    assert list(_public(insults, "test.csv").columns) == ["Date", "Comment"]
    assert list(_public(insults, "sample_submission_null.csv").columns) == ["Insult", "Date", "Comment"]
    assert set(train["Insult"]) == {0, 1}
    assert train["Comment"].str.match(r'^".*"$').all()
    dates = train["Date"][train["Date"] != ""]
    assert 0 < len(dates) < len(train) and dates.str.fullmatch(r"\d{14}Z").all()
    private = pd.read_csv(insults / "prepared" / "private" / "test.csv")
    assert set(private["Usage"]) == {"PublicTest", "PrivateTest"}


def test_test_passages_are_not_in_train(tiny):
    for name, column in ((SPOOKY, "text"), (INSULTS, "Comment")):
        train, test = _public(tiny / name, "train.csv"), _public(tiny / name, "test.csv")
        assert not set(train[column]) & set(test[column])


def test_a_build_is_deterministic_and_a_new_size_replaces_the_old(tmp_path, tiny):
    again = build_lite(tmp_path, [SPOOKY], size="tiny")[0]
    assert (again / "prepared" / "public" / "train.csv").read_bytes() == \
        (tiny / SPOOKY / "prepared" / "public" / "train.csv").read_bytes()
    full = build_lite(tmp_path, [SPOOKY], size="full")[0]
    assert json.loads((full / "prepared" / "build.json").read_text()) == {"size": "full"}
    assert len(_public(full, "train.csv")) > 5 * len(_public(tiny / SPOOKY, "train.csv"))
    assert not list(tmp_path.glob(".*partial"))


CACTUS, DOGS, HISTO = ("aerial-cactus-identification", "dog-breed-identification",
                       "histopathologic-cancer-detection")
LEAF, PLANT, RANZCR, SIIM = ("leaf-classification", "plant-pathology-2020-fgvc7",
                             "ranzcr-clip-catheter-line-classification", "siim-isic-melanoma-classification")
APTOS, PETS = "aptos2019-blindness-detection", "dogs-vs-cats-redux-kernels-edition"
WHALE = "the-icml-2013-whale-challenge-right-whale-redux"
BIRDS, DOCUMENTS = "mlsp-2013-birds", "denoising-dirty-documents"
ENGLISH, RUSSIAN = ("text-normalization-challenge-english-language", "text-normalization-challenge-russian-language")
DISEASES = ("healthy", "multiple_diseases", "rust", "scab")
SCORED_LINES = ("ETT - Abnormal", "ETT - Borderline", "ETT - Normal", "NGT - Abnormal", "NGT - Borderline",
                "NGT - Incompletely Imaged", "NGT - Normal", "CVC - Abnormal", "CVC - Borderline")

# name -> (public files, task kind, prediction format, metric, id columns, submission target columns); for a
# task whose examples have a form (task.forms) the kind, ids and targets are its rows', the submission long.
EXPECTED = {
    BIRDS: ({"essential_data", "supplemental_data", "sample_submission.csv"}, "multilabel", "probability", "roc_auc",
            ("rec_id",), tuple(f"class_{j}" for j in range(19))),
    DOCUMENTS: ({"train", "train_cleaned", "test", "sampleSubmission.csv"}, "regression", "value", "rmse", ("id",),
                ("value",)),
    ENGLISH: ({"en_train.csv.zip", "en_test_2.csv.zip", "en_sample_submission_2.csv.zip"}, "multiclass", "label",
              "accuracy", ("id",), ("after",)),
    RUSSIAN: ({"ru_train.csv.zip", "ru_test_2.csv.zip", "ru_sample_submission_2.csv.zip"}, "multiclass", "label",
              "accuracy", ("id",), ("after",)),
    CACTUS: ({"train.csv", "train.zip", "test.zip", "sample_submission.csv"}, "binary", "probability", "roc_auc",
             ("id",), ("has_cactus",)),
    APTOS: ({"train.csv", "test.csv", "sample_submission.csv", "train_images", "test_images"}, "multiclass", "label",
            "qwk", ("id_code",), ("diagnosis",)),
    DOGS: ({"labels.csv", "sample_submission.csv", "train", "test"}, "multiclass", "class_probabilities", "log_loss",
           ("id",), None),
    PETS: ({"train.zip", "test.zip", "train", "test", "sample_submission.csv"}, "binary", "probability", "log_loss",
           ("id",), ("label",)),
    WHALE: ({"train2.zip", "test2.zip", "sampleSubmission.csv"}, "binary", "probability", "roc_auc", ("clip",),
            ("probability",)),
    HISTO: ({"train_labels.csv", "sample_submission.csv", "train", "test"}, "binary", "probability", "roc_auc", ("id",),
            ("label",)),
    LEAF: ({"train.csv", "test.csv", "sample_submission.csv", "images"}, "multiclass", "class_probabilities",
           "log_loss", ("id",), None),
    PLANT: ({"train.csv", "test.csv", "sample_submission.csv", "images"}, "multilabel", "probability", "roc_auc",
            ("image_id",), DISEASES),
    RANZCR: ({"train.csv", "train_annotations.csv", "sample_submission.csv", "train", "test"}, "multilabel",
             "probability", "roc_auc", ("StudyInstanceUID",), SCORED_LINES),
    SIIM: ({"train.csv", "test.csv", "sample_submission.csv", "jpeg"}, "binary", "probability", "roc_auc",
           ("image_name",), ("target",)),
    INSULTS: ({"train.csv", "test.csv", "sample_submission_null.csv"}, "binary", "probability", "roc_auc",
              ("Date", "Comment"), ("Insult",)),
    JIGSAW: ({"train.csv", "test.csv", "sample_submission.csv"}, "multilabel", "probability", "roc_auc", ("id",),
             ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")),
    "new-york-city-taxi-fare-prediction": ({"labels.csv", "test.csv", "sample_submission.csv"}, "regression", "value",
                                           "rmse", ("key",), ("fare_amount",)),
    NOMAD: ({"train.csv", "test.csv", "sample_submission.csv", "train", "test"}, "regression", "value", "rmsle",
            ("id",), ("formation_energy_ev_natom", "bandgap_energy_ev")),
    PIZZA: ({"train.json", "test.json", "train.zip", "test.zip", "sampleSubmission.csv"}, "binary", "probability",
            "roc_auc", ("request_id",), ("requester_received_pizza",)),
    SPOOKY: ({"train.csv", "test.csv", "sample_submission.csv"}, "multiclass", "class_probabilities", "log_loss",
             ("id",), ("EAP", "HPL", "MWS")),
    "tabular-playground-series-dec-2021": ({"train.csv", "test.csv", "sample_submission.csv"}, "multiclass", "label",
                                           "accuracy", ("Id",), ("Cover_Type",)),
    "tabular-playground-series-may-2022": ({"train.csv", "test.csv", "sample_submission.csv"}, "binary",
                                           "probability", "roc_auc", ("id",), ("target",)),
}


def test_every_stand_in_is_expected_here():
    assert set(LITE_TASK_NAMES) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_task_layer_infers_each_kind_and_metric(tiny, name):
    files, kind, fmt, metric, ids, targets = EXPECTED[name]
    public = tiny / name / "prepared" / "public"
    assert {p.name for p in public.iterdir()} == files | {"description.md"}
    task = load_task(tiny / name)
    assert (task.task_kind, task.prediction_format, task.metric.name) == (kind, fmt, metric)
    assert tuple(task.id_columns) == ids
    if targets is None:  # one probability column per class, named after the classes
        assert task.target_columns == task.classes and len(task.classes) >= 10
    else:
        assert tuple(task.target_columns) == targets


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_private_answers_grade_perfect_and_the_sample_submission_is_valid(tiny, tmp_path, name):
    task = load_task(tiny / name)
    graded = graded_view(task)
    answers = pd.read_csv(task.answers_file, keep_default_na=False)
    answers[list(graded.id_columns) + list(graded.target_columns)].to_csv(tmp_path / "gold.csv", index=False)
    perfect = {"roc_auc": 1.0, "accuracy": 1.0, "rmse": 0.0, "rmsle": 0.0, "log_loss": 0.0,
               "qwk": 1.0}[task.metric.name]
    assert grade(tmp_path / "gold.csv", task) == pytest.approx(perfect, abs=0.01)
    assert check_submission(Path(task.data_dir) / task.sample_submission_file, task) == []


def test_constant_submissions_score_what_a_constant_scores(tiny):
    insults = load_task(tiny / INSULTS)
    assert grade(tiny / INSULTS / "prepared" / "public" / "sample_submission_null.csv", insults) == pytest.approx(0.5)
    spooky = load_task(tiny / SPOOKY)
    sample = tiny / SPOOKY / "prepared" / "public" / "sample_submission.csv"
    assert grade(sample, spooky) == pytest.approx(1.0986, abs=0.01)  # the priors are near uniform


def test_image_stand_ins_keep_the_originals_quirks(tiny):
    cactus = tiny / CACTUS / "prepared" / "public"
    train = _public(tiny / CACTUS, "train.csv")
    with zipfile.ZipFile(cactus / "train.zip") as archive:
        assert sorted(archive.namelist()) == sorted(train["id"])  # at the archive's root, named with .jpg
        assert Image.open(io.BytesIO(archive.read(train["id"][0]))).size == (32, 32)
    dogs = tiny / DOGS / "prepared" / "public"
    breeds = list(_public(tiny / DOGS, "sample_submission.csv").columns[1:])
    assert breeds == sorted(breeds) and set(_public(tiny / DOGS, "labels.csv")["breed"]) <= set(breeds)
    assert all((dogs / "train" / f"{i}.jpg").is_file() for i in _public(tiny / DOGS, "labels.csv")["id"])
    histo = tiny / HISTO / "prepared" / "public"
    assert Image.open(next((histo / "test").iterdir())).format == "TIFF"
    plant = _public(tiny / PLANT, "train.csv")
    assert plant[list(DISEASES)].sum(axis=1).eq(1).all() and plant["image_id"].str.fullmatch(r"Train_\d+").all()
    ranzcr = _public(tiny / RANZCR, "train.csv")
    assert {"CVC - Normal", "Swan Ganz Catheter Present", "PatientID"} <= set(ranzcr.columns)
    notes = _public(tiny / RANZCR, "train_annotations.csv")
    assert set(notes["StudyInstanceUID"]) <= set(ranzcr["StudyInstanceUID"])
    assert all(len(json.loads(points)) >= 3 for points in notes["data"])
    siim = tiny / SIIM / "prepared" / "public"
    assert {p.parent.name for p in (siim / "jpeg").rglob("*.jpg")} == {"train", "test"}
    assert "diagnosis" not in _public(tiny / SIIM, "test.csv").columns
    leaf = _public(tiny / LEAF, "train.csv")
    assert list(leaf.columns[:3]) == ["id", "species", "margin1"] and leaf.shape[1] == 2 + 3 * 64
    whale = tiny / WHALE / "prepared" / "public"
    with zipfile.ZipFile(whale / "train2.zip") as archive:
        names = archive.namelist()
        assert all(re.fullmatch(r"train2/2009032[89]_\d{6}_\d{3}s\d+ms_TRAIN\d+_[01]\.aif", n) for n in names)
        samples, rate = read_sound(archive.read(names[0]))
        assert rate == 2000 and len(samples) == 4000
    clips = _public(tiny / WHALE, "sampleSubmission.csv")["clip"]
    assert clips.str.fullmatch(r"2009033[01]_\d{6}_\d{3}s\d+ms_Test\d+\.aif").all()
    aptos = _public(tiny / APTOS, "train.csv")
    assert set(aptos["diagnosis"]) == set(range(5))


def test_long_form_stand_ins_keep_the_originals_quirks(tiny):
    essential = tiny / BIRDS / "prepared" / "public" / "essential_data"
    lines = (essential / "rec_labels_test_hidden.txt").read_text().splitlines()
    assert lines[0] == "rec_id,[labels]" and any(line.endswith(",?") for line in lines)
    assert any("," not in line for line in lines[1:])  # a recording with no bird: its id alone
    names = pd.read_csv(essential / "rec_id2filename.txt")
    samples, rate = read_sound((essential / "src_wavs" / f"{names['filename'][0]}.wav").read_bytes())
    assert rate == 16000 and len(samples) == 160000
    test_ids = {int(line.split(",")[0]) for line in lines[1:] if line.endswith(",?")}
    ids = _public(tiny / BIRDS, "sample_submission.csv")["Id"]
    assert set(ids // 100) == test_ids and set(ids % 100) == set(range(19))
    pages = tiny / DOCUMENTS / "prepared" / "public"
    assert {p.name for p in (pages / "train").iterdir()} == {p.name for p in (pages / "train_cleaned").iterdir()}
    first = min((pages / "test").iterdir(), key=lambda p: int(p.stem))
    width, height = Image.open(first).size
    ids = _public(tiny / DOCUMENTS, "sampleSubmission.csv")["id"]
    assert ids[0] == f"{first.stem}_1_1" and f"{first.stem}_{height}_{width}" in set(ids)
    english = tiny / ENGLISH / "prepared" / "public"
    with zipfile.ZipFile(english / "en_train.csv.zip") as archive:
        assert archive.namelist() == ["en_train.csv"]
        assert archive.read("en_train.csv").decode().splitlines()[0] == \
            '"sentence_id","token_id","class","before","after"'
    sample = pd.read_csv(english / "en_sample_submission_2.csv.zip", dtype=str, keep_default_na=False)
    test = read_rows(load_task(tiny / ENGLISH), "test")
    assert sample["id"].tolist() == test["id"].tolist() and sample["after"].tolist() == test["before"].tolist()
    russian = read_rows(load_task(tiny / RUSSIAN), "train")
    assert russian["after"].str.contains("_latin").any() and russian["after"].str.contains("[а-я]").any()


def test_table_stand_ins_keep_the_originals_quirks(tiny):
    taxi = _public(tiny / "new-york-city-taxi-fare-prediction", "labels.csv")
    assert taxi["pickup_datetime"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC").all()
    assert taxi["key"].is_unique and taxi["fare_amount"].astype(float).gt(2.5).all()
    may = pd.read_csv(tiny / "tabular-playground-series-may-2022" / "prepared" / "public" / "train.csv")
    assert list(may.columns) == ["id", *[f"f_{i:02d}" for i in range(31)], "target"]
    assert may["f_27"].str.fullmatch(r"[A-T]{10}").all()
    cover = pd.read_csv(tiny / "tabular-playground-series-dec-2021" / "prepared" / "public" / "train.csv")
    assert cover[[f"Soil_Type{i}" for i in range(1, 41)]].sum(axis=1).eq(1).all()
    assert set(cover["Cover_Type"]) <= set(range(1, 8))
    crystals = tiny / NOMAD / "prepared" / "public"
    train = pd.read_csv(crystals / "train.csv")
    assert train["id"].tolist() == list(range(1, len(train) + 1))  # train and test ids both count from 1
    for crystal in train.head(3).itertuples():
        lines = (crystals / "train" / str(crystal.id) / "geometry.xyz").read_text().splitlines()
        assert sum(line.startswith("lattice_vector") for line in lines) == 3
        assert sum(line.startswith("atom") for line in lines) == crystal.number_of_total_atoms
    pizza = tiny / PIZZA / "prepared" / "public"
    train, test = (json.loads((pizza / name).read_text()) for name in ("train.json", "test.json"))
    assert isinstance(train[0]["requester_subreddits_at_request"], list)
    assert isinstance(train[0]["requester_received_pizza"], bool) and "requester_received_pizza" not in test[0]
    assert "requester_user_flair" in train[0] and "requester_user_flair" not in test[0]
    with zipfile.ZipFile(pizza / "train.zip") as archive:
        assert json.loads(archive.read("train.json")) == train
    toxic = _public(tiny / JIGSAW, "train.csv")
    assert (toxic["severe_toxic"] <= toxic["toxic"]).all() and toxic["toxic"].between(0, 1).all()


def test_fortune_files_are_parsed_without_attributions(tmp_path, monkeypatch):
    (tmp_path / "a").write_text("First  line\n  and its second.\n\t\t-- Some Author\n%\nSame\n%\n\n%\nSame\n")
    (tmp_path / "b").write_text("Same\n%\nOnly b\n")
    monkeypatch.setattr(fortunes, "FORTUNE_DIR", tmp_path)
    assert fortunes.read_collection("a") == ["First line and its second.", "Same", "Same"]
    pairs = fortunes.labelled_texts({"x": ("a",), "y": ("b",)}, max_chars=100)
    assert sorted(pairs) == [("First line and its second.", "x"), ("Only b", "y")]
    with pytest.raises(MissingSourceError, match="reinstall"):
        fortunes.read_collection("missing")


def test_missing_collections_say_how_to_install_them(tmp_path, monkeypatch):
    monkeypatch.setattr(fortunes, "FORTUNE_DIR", tmp_path / "nowhere")
    monkeypatch.setattr(fortunes.os, "geteuid", lambda: 1000)
    with pytest.raises(MissingSourceError, match="apt-get install fortunes"):
        build_lite(tmp_path / "out", [INSULTS], size="tiny")
    assert not (tmp_path / "out" / INSULTS).exists()


def test_cli_builds_the_lite_suite_and_refuses_unknown_names(tmp_path):
    run = subprocess.run([sys.executable, "-m", "machine_learning_engineering.cli", "tasks", str(tmp_path),
                          "--suite", "lite", "--tiny"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert [Path(line).name for line in run.stdout.split()] == list(LITE_TASK_NAMES)
    bad = subprocess.run([sys.executable, "-m", "machine_learning_engineering.cli", "tasks", str(tmp_path),
                          "--suite", "lite", "--only", "no-such-competition"], capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 2 and "unknown stand-in" in bad.stderr and "Traceback" not in bad.stderr


# One per kind: text with a text key, a large table with labels.csv, several regression targets, JSON records
# of text and a table, images inside zip archives with no test table (all three image cards: the CNN's share
# is cut short, the descriptors carry the score), sound clips labelled by their names. Several labels run end
# to end on the birds (test_lite_forms.py).
@pytest.mark.parametrize("name, better_than", [(INSULTS, 0.6), ("new-york-city-taxi-fare-prediction", 5.0),
                                               (NOMAD, 0.1), (PIZZA, 0.55), (CACTUS, 0.8), (WHALE, 0.6)])
def test_the_offline_agent_solves_a_tiny_stand_in(tiny, tmp_path, name, better_than):
    # The cactus runs all three image cards in 20 s scripts; the whale's spectrogram CNN and its LightGBM partner
    # each beat the bar in 15 s scripts (test_sound_scripts.py trains the CNN longer).
    sized = {CACTUS: {"num_candidates": 3, "time_budget_s": 150, "script_timeout_s": 20},
             WHALE: {"time_budget_s": 40, "script_timeout_s": 15}}.get(name, {})
    score = solve(tiny / name, tmp_path, **sized)
    if better_than is not None:
        assert score > better_than if load_task(tiny / name).metric.higher_is_better else score < better_than
