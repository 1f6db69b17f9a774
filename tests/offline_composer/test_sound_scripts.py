"""The spectrogram CNN's scripts on tiny sound stand-ins: a valid submission, spectrograms computed once a run,
and all the birds' species fit by one network while a merged table model still fits them one by one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from machine_learning_engineering.bundled_tasks.lite import build_lite
from machine_learning_engineering.models.offline.composer import candidate_script, merge_scripts
from machine_learning_engineering.task import check_submission, load_task, profile_task
from machine_learning_engineering.task.brief import make_brief

from .conftest import run_script

WHALE, BIRDS = "the-icml-2013-whale-challenge-right-whale-redux", "mlsp-2013-birds"
# A short limit cuts every fit short: the checkpoint of the best epoch so far must still make a submission.
QUICK = {"MLE_STAR_TIME_LIMIT_S": "25"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sounds")
    build_lite(out, [WHALE, BIRDS], size="tiny")
    return out


def _workspace(tiny: Path, name: str, root: Path):
    task = load_task(tiny / name)
    (root / "input").symlink_to(task.data_dir, target_is_directory=True)
    return task, make_brief(task, profile_task(task), n_folds=3)


def test_spectrogram_cnn_submits_and_reads_the_spectrograms_from_the_run_cache(tiny, tmp_path, catalog):
    task, brief = _workspace(tiny, WHALE, tmp_path)
    cache = tmp_path / "features"
    cache.mkdir()
    env = {**QUICK, "MLE_STAR_FEATURE_CACHE": str(cache)}
    code = candidate_script(brief, catalog.card("spectrogram_cnn"))
    run = run_script(tmp_path, "spectrogram_cnn", code, env=env)
    assert 0.5 < run.score <= 1
    assert check_submission(run.folder / "submission" / "submission.csv", task) == []
    assert run.stdout.count("  log-mel spectrograms of ") == 1  # every fold reuses them
    spectrograms = [shape for shape in (np.load(f).shape for f in cache.glob("*.npy")) if len(shape) == 3]
    assert spectrograms == [(brief["n_train"] + brief["n_test"], 64, 128)]

    # A later script of the run reads them from the cache: with the spectrogram code broken, it still runs
    # (with no time left to fit, on the checkpoint of a single step).
    header = "def log_mel_spectrogram_cnn(samples, rate, frame_seconds, params):\n"
    assert header in code
    broken = code.replace(header, header + "    raise AssertionError('spectrograms must come from the cache')\n")
    again = run_script(tmp_path, "spectrogram_cnn_again", broken, env={**env, "MLE_STAR_TIME_LIMIT_S": "5"})
    assert 0 <= again.score <= 1


def test_one_network_fits_every_species_while_a_merged_model_fits_them_one_by_one(tiny, tmp_path, catalog):
    task, brief = _workspace(tiny, BIRDS, tmp_path)
    code = merge_scripts(candidate_script(brief, catalog.card("spectrogram_cnn")),
                         candidate_script(brief, catalog.card("knn")), brief)
    run = run_script(tmp_path, "cnn_and_knn", code, env=QUICK)
    assert 0 <= run.score <= 1
    assert run.stdout.count(" planned), best validation loss") == 3  # one CNN fit per fold, not one per species
    assert run.stdout.count("blend weights:") == 3
    oof = np.load(run.folder / "artifacts" / "oof.npy")
    assert oof.shape == (brief["n_train"], len(brief["train_target_columns"])) and np.isfinite(oof).all()
    assert check_submission(run.folder / "submission" / "submission.csv", task) == []
