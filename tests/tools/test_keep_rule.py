"""The keep rule compares two attempts' saved out-of-fold predictions on the brief's folds: a gain well
beyond the fold-to-fold noise wins, a better pooled score that is within the noise does not, and
where the predictions cannot be compared the plain score comparison decides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_val_predict

from machine_learning_engineering.bundled_tasks import build_task
from machine_learning_engineering.record.journal import Attempt
from machine_learning_engineering.record.run_folder import RunFolder
from machine_learning_engineering.task import load_task
from machine_learning_engineering.tools.keep_rule import KeepRule
from machine_learning_engineering.tools.score_check import score_oof

SEED, FOLDS = 42, 5


@pytest.fixture(scope="module")
def diabetes(tmp_path_factory):
    """The bundled diabetes task (RMSE), its training rows, and a ridge model's out-of-fold predictions."""
    root = build_task("diabetes-progression", tmp_path_factory.mktemp("tasks"))
    task = load_task(root)
    train = pd.read_csv(task.train_path)
    y = train["progression"].to_numpy(dtype=float)
    x = train.drop(columns=["id", "progression"]).to_numpy(dtype=float)
    folds = KFold(FOLDS, shuffle=True, random_state=SEED)
    oof = cross_val_predict(Ridge(alpha=1.0), x, y, cv=folds)
    return task, y, oof, [valid for _, valid in folds.split(x)]


def _attempt(folder: RunFolder, task, attempt_id: int, oof: np.ndarray | None, y: np.ndarray) -> Attempt:
    workspace = folder.new_workspace(attempt_id, "s1", "refine")
    score = None
    if oof is not None:
        (workspace / "artifacts").mkdir()
        np.save(workspace / "artifacts" / "oof.npy", oof)
        score = score_oof(task.metric, task.task_kind, task.classes, y, oof)
    return Attempt(id=attempt_id, solution_id="s1", phase="refine", label="x",
                   workspace=str(workspace.relative_to(folder.root)), score=score)


def _rmse(y, pred):
    return float(np.sqrt(np.mean((y - pred) ** 2)))


def test_a_gain_on_every_fold_wins_and_is_measured_per_fold(diabetes, tmp_path):
    task, y, oof, folds = diabetes
    folder = RunFolder(tmp_path / "run")
    old = _attempt(folder, task, 1, np.full_like(oof, y.mean()), y)  # a constant: far worse
    new = _attempt(folder, task, 2, oof, y)
    verdict = KeepRule(task, folder, FOLDS, SEED, factor=1.0).judge(new, old)
    assert verdict.better and not verdict.within_noise
    expected = [_rmse(y[f], np.full(len(f), y.mean())) - _rmse(y[f], oof[f]) for f in folds]
    assert verdict.gain.gain == pytest.approx(np.mean(expected), rel=1e-9)
    assert verdict.gain.se == pytest.approx(np.std(expected, ddof=1) / np.sqrt(FOLDS), rel=1e-9)
    assert verdict.gain.n_folds == FOLDS and verdict.gain.gain > 3 * verdict.gain.se
    assert "beyond 1 x its fold noise (gain +" in verdict.note()


def _within_noise(y, oof, folds):
    """The ridge predictions moved towards the truth on one fold and away from it, a little less, on another."""
    moved = oof.copy()
    better, worse = folds[0], folds[1]
    moved[better] += 0.10 * (y[better] - oof[better])
    moved[worse] -= 0.04 * (y[worse] - oof[worse])
    return moved


def test_a_better_score_within_the_fold_noise_does_not_win(diabetes, tmp_path):
    task, y, oof, folds = diabetes
    folder = RunFolder(tmp_path / "run")
    old = _attempt(folder, task, 1, oof, y)
    new = _attempt(folder, task, 2, _within_noise(y, oof, folds), y)
    assert task.metric.is_better(new.score, old.score)  # the pooled score alone would keep it
    verdict = KeepRule(task, folder, FOLDS, SEED, factor=1.0).judge(new, old)
    assert not verdict.better and verdict.within_noise
    assert 0 < verdict.gain.gain < verdict.gain.se
    assert verdict.note().startswith("within 1 x its fold noise")
    # Factor 0 is the plain comparison: any better score counts, and the gain is still measured for the log.
    plain = KeepRule(task, folder, FOLDS, SEED, factor=0.0).judge(new, old)
    assert plain.better and not plain.within_noise
    assert plain.gain == verdict.gain and plain.note() == f"({verdict.gain.describe()})"


def test_an_ensemble_is_judged_with_its_own_factor(diabetes, tmp_path):
    task, y, oof, folds = diabetes
    folder = RunFolder(tmp_path / "run")
    old = _attempt(folder, task, 1, oof, y)
    new = _attempt(folder, task, 2, _within_noise(y, oof, folds), y)
    rule = KeepRule(task, folder, FOLDS, SEED, factor=1.0, ensemble_factor=0.0)
    assert not rule.judge(new, old).better  # a refined plan within the noise
    new.phase = "ensemble"
    verdict = rule.judge(new, old)
    assert verdict.better and verdict.factor == 0.0 and 0 < verdict.gain.gain < verdict.gain.se
    assert KeepRule(task, folder, FOLDS, SEED, factor=1.0).factor_for(new) == 1.0  # None: the plans' factor


def test_a_worse_score_never_wins_and_judge_id_reads_the_journal(diabetes, tmp_path):
    task, y, oof, folds = diabetes
    folder = RunFolder(tmp_path / "run")
    old = _attempt(folder, task, 1, oof, y)
    folder.journal.append(old)
    worse = _attempt(folder, task, 2, np.full_like(oof, y.mean()), y)
    rule = KeepRule(task, folder, FOLDS, SEED, factor=1.0)
    assert not rule.judge_id(worse, old.id).better
    assert rule.judge_id(worse, None).better  # nothing to replace


def test_without_saved_predictions_the_plain_score_comparison_decides(diabetes, tmp_path):
    task, y, oof, folds = diabetes
    folder = RunFolder(tmp_path / "run")
    old = _attempt(folder, task, 1, None, y)
    old.score = _rmse(y, oof) + 1.0
    new = _attempt(folder, task, 2, _within_noise(y, oof, folds), y)
    verdict = KeepRule(task, folder, FOLDS, SEED, factor=1.0).judge(new, old)
    assert verdict.better and verdict.gain is None and verdict.note() == ""
