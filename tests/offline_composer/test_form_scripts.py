"""Generated scripts on the task forms (see `task.forms`): each reads its form's rows, writes the long
submission the task checks accept, and every ensemble strategy combines multi-label members."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from machine_learning_engineering.bundled_tasks.lite import MissingSourceError, build_lite
from machine_learning_engineering.models.offline.composer import candidate_script, ensemble_script
from machine_learning_engineering.task import load_task, profile_task
from machine_learning_engineering.task.brief import make_brief
from machine_learning_engineering.task.forms import read_rows
from machine_learning_engineering.task.forms.pixels import read_image
from machine_learning_engineering.task.grader import check_submission, grade
from machine_learning_engineering.tools.code_blocks import get_block
from tests.task.form_layouts import birds_task, documents_task, tokens_task

from .conftest import run_script


def _workspace(tmp_path, layout):
    task = load_task(layout(tmp_path / "task"))
    (tmp_path / "input").symlink_to(task.data_dir, target_is_directory=True)
    return task, make_brief(task, profile_task(task), n_folds=3)


@pytest.mark.parametrize("layout", [birds_task, documents_task, tokens_task])
def test_a_form_script_writes_its_long_submission(tmp_path, catalog, layout):
    task, brief = _workspace(tmp_path, layout)
    run = run_script(tmp_path, "lightgbm", candidate_script(brief, catalog.card("lightgbm")))
    assert run.score == run.score  # a number, printed last
    submission = run.folder / "submission" / "submission.csv"
    assert check_submission(submission, task) == []
    if layout is tokens_task:  # the sentences' tokens were all seen in training: the lookup writes them
        assert grade(submission, task) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def birds_members(tmp_path_factory, catalog):
    """A birds workspace with two finished multi-label solutions."""
    root = tmp_path_factory.mktemp("birds")
    task, brief = _workspace(root, birds_task)
    for card in ("lightgbm", "linear"):
        run = run_script(root, card, candidate_script(brief, catalog.card(card)))
        run.score
    return root, task, brief


@pytest.mark.parametrize("strategy", ["greedy_weights", "optimized_weights", "stacking", "mean"])
def test_every_ensemble_strategy_combines_multilabel_members(birds_members, catalog, strategy):
    root, task, brief = birds_members
    members = root / f"ensemble_{strategy}" / "members"
    for card in ("lightgbm", "linear"):
        shutil.copytree(root / card / "artifacts", members / card)
    ens = run_script(root, f"ensemble_{strategy}",
                     ensemble_script(brief, ["lightgbm", "linear"], catalog.ensemble(strategy)))
    assert 0 <= ens.score <= 1
    assert check_submission(ens.folder / "submission" / "submission.csv", task) == []


def test_pixel_rows_keep_their_place_in_their_picture(tmp_path, catalog):
    """The pixels reader's image/row/col keys (what whole-picture models look rows up by) match the ids and
    the pictures, and are no model's inputs."""
    task, brief = _workspace(tmp_path, documents_task)
    setup = get_block(candidate_script(brief, catalog.card("lightgbm")), "setup")
    dump = "\ntrain_raw.to_pickle('train.pkl'); test_raw.to_pickle('test.pkl'); print(json.dumps(FEATURES))\n"
    run = run_script(tmp_path, "setup", setup + dump)
    assert run.returncode == 0, run.stderr[-3000:]
    features = json.loads(run.stdout.strip().splitlines()[-1])
    assert features and not {"image", "row", "col"} & set(features)
    train, test = pd.read_pickle(run.folder / "train.pkl"), pd.read_pickle(run.folder / "test.pkl")
    assert (test["id"] == test["image"] + "_" + test["row"].astype(str) + "_" + test["col"].astype(str)).all()
    def picture(folder, stem):
        return read_image(task.data_dir / task.form[folder] / f"{stem}.png")

    for frame, folder in ((train, "noisy_folder"), (test, "test_folder")):
        for stem, rows in frame.groupby("image"):
            at = (rows["row"].to_numpy() - 1, rows["col"].to_numpy() - 1)
            assert np.allclose(rows["pix_0"], picture(folder, stem)[at])  # pix_0: the pixel's own intensity
            if frame is train:
                assert np.allclose(rows["value"], picture("clean_folder", stem)[at])


def _tiny_pages(root):
    try:
        return build_lite(root, ["denoising-dirty-documents"], size="tiny")[0]
    except MissingSourceError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"the pages' fonts are not installed: {exc}")


def test_the_denoising_network_cleans_tiny_pages(tmp_path, catalog):
    task, brief = _workspace(tmp_path, _tiny_pages)
    code = candidate_script(brief, catalog.card("denoising_cnn"))
    run = run_script(tmp_path, "denoising_cnn", code, env={"MLE_STAR_TIME_LIMIT_S": "30"})
    run.score
    submission = run.folder / "submission" / "submission.csv"
    assert check_submission(submission, task) == []
    # The bar: each test pixel's noisy intensity as its clean one (about 0.24; the network gets about 0.1).
    identity = read_rows(task, "test")[["id", "noisy"]].rename(columns={"noisy": "value"})
    identity.to_csv(tmp_path / "identity.csv", index=False)
    assert grade(submission, task) < 0.7 * grade(tmp_path / "identity.csv", task)


def test_without_a_time_limit_the_denoising_network_trains_its_planned_steps(tmp_path, catalog, monkeypatch):
    # As the standalone pipeline runs it: no MLE_STAR_TIME_LIMIT_S. Its fits' deadline is then never, not
    # undefined (inf - inf once stopped it after 3 steps, with no checked weights to predict from).
    monkeypatch.delenv("MLE_STAR_TIME_LIMIT_S", raising=False)
    task, brief = _workspace(tmp_path, _tiny_pages)
    code = candidate_script(brief, catalog.card("denoising_cnn"))
    assert code.count("'max_steps': 3000,") == 1
    run = run_script(tmp_path, "denoising_cnn_unlimited", code.replace("'max_steps': 3000,", "'max_steps': 30,"))
    run.score
    assert re.findall(r"^  (\d+) steps of", run.stdout, flags=re.M) == ["30"] * 3, run.stdout
    assert check_submission(run.folder / "submission" / "submission.csv", task) == []
