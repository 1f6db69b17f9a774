"""The host re-scores every checked attempt from the out-of-fold predictions it saved: a printed score
those predictions do not give, or predictions missing, misshapen or not finite, void the attempt;
real offline-engine scripts pass; the scaffold scores every shared metric as the registry does."""

from __future__ import annotations

import ast
import asyncio
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from machine_learning_engineering.config import Settings
from machine_learning_engineering.knowledge import load_catalog
from machine_learning_engineering.models.offline.composer import candidate_script, ensemble_script, scaffold
from machine_learning_engineering.models.offline.composer.forms import form_reader
from machine_learning_engineering.run_context import open_run
from machine_learning_engineering.task import get_metric, load_task
from machine_learning_engineering.tools.score_check import check_attempt, score_oof

from ..graph_fixtures import make_binary_task, script
from ..offline_composer import workspaces

SCORE_LINE = 'print(f"Final Validation Performance: {roc_auc_score(y, oof)}")'


def _plain_task(root: Path, build, metric: str) -> Path:
    """A task folder (plain layout) from one of the composer tests' workspace builders."""
    build(root)
    (root / "input" / "description.md").write_text("# Toy task\n\nPredict the target of each test row.\n")
    (root / "input" / "task.yaml").write_text(f"metric: {metric}\n")
    return root / "input"


@pytest.fixture(scope="module")
def binary_dir(tmp_path_factory):
    return make_binary_task(tmp_path_factory.mktemp("binary") / "task")


@pytest.fixture(scope="module")
def binary(binary_dir):
    return load_task(binary_dir)


@pytest.fixture(scope="module")
def wine_dir(tmp_path_factory):
    return _plain_task(tmp_path_factory.mktemp("wine"), workspaces.wine_proba_task, "log_loss")


@pytest.fixture(scope="module")
def diabetes_dir(tmp_path_factory):
    return _plain_task(tmp_path_factory.mktemp("diabetes"), workspaces.diabetes_task, "rmse")


def _labels(task):
    return pd.read_csv(task.train_path)[task.train_target_columns[0]].to_numpy(dtype=object)


def _n_test(task):
    return len(pd.read_csv(task.test_path))


def _workspace(path: Path, oof=None, test_pred=None) -> Path:
    (path / "artifacts").mkdir(parents=True, exist_ok=True)
    for name, array in (("oof", oof), ("test_pred", test_pred)):
        if array is not None:
            np.save(path / "artifacts" / f"{name}.npy", array)
    return path


def _binary_predictions(task, seed=0):
    rng = np.random.default_rng(seed)
    y = _labels(task).astype(int)
    oof = np.clip(0.4 * y + 0.6 * rng.random(len(y)), 0, 1)
    return oof, rng.random(_n_test(task)), skm.roc_auc_score(y, oof)


# ----------------------------------------------------------------------------- check_attempt


def test_a_correct_attempt_passes_and_reports_the_hosts_score(binary, tmp_path):
    oof, test_pred, score = _binary_predictions(binary)
    check = check_attempt(binary, _workspace(tmp_path, oof, test_pred), score)
    assert check.failure is None and check.unchecked is None
    assert check.host_score == pytest.approx(score, abs=1e-12)


def test_a_score_printed_with_four_decimals_passes(binary, tmp_path):
    oof, test_pred, score = _binary_predictions(binary)
    assert check_attempt(binary, _workspace(tmp_path, oof, test_pred), float(f"{score:.4f}")).failure is None


def test_a_score_its_predictions_do_not_give_fails(binary, tmp_path):
    oof, test_pred, score = _binary_predictions(binary)
    check = check_attempt(binary, _workspace(tmp_path, oof, test_pred), score + 0.01)
    assert check.failure.startswith(f"printed score {score + 0.01:.6g}, but its out-of-fold predictions")
    assert check.host_score == pytest.approx(score)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("where", ["oof", "test_pred"])
def test_non_finite_predictions_fail(binary, tmp_path, bad, where):
    oof, test_pred, score = _binary_predictions(binary)
    (oof if where == "oof" else test_pred)[3] = bad
    check = check_attempt(binary, _workspace(tmp_path, oof, test_pred), score)
    assert check.failure == f"./artifacts/{where}.npy holds 1 NaN or infinite values: every prediction must be a " \
                            f"finite number"


def test_a_score_without_saved_predictions_fails(binary, tmp_path):
    _, test_pred, score = _binary_predictions(binary)
    check = check_attempt(binary, _workspace(tmp_path, test_pred=test_pred), score)
    assert check.failure.startswith("the script printed a score but wrote no ./artifacts/oof.npy")
    assert check.host_score is None


def test_misshapen_or_unreadable_predictions_fail(binary, tmp_path):
    oof, test_pred, score = _binary_predictions(binary)
    check = check_attempt(binary, _workspace(tmp_path / "short", oof[:-1], test_pred), score)
    assert check.failure == (f"./artifacts/oof.npy has shape ({len(oof) - 1},); expected one row per labelled "
                             f"training row ({len(oof)}) holding P(1) each")
    wide = np.column_stack([1 - oof, oof, oof])
    assert "has shape" in check_attempt(binary, _workspace(tmp_path / "wide", wide, test_pred), score).failure
    assert "has shape" in check_attempt(binary, _workspace(tmp_path / "test", oof, test_pred[:5]), score).failure
    strings = tmp_path / "strings"
    _workspace(strings, test_pred=test_pred)
    np.save(strings / "artifacts" / "oof.npy", np.array(["yes"] * len(oof), dtype=object), allow_pickle=True)
    assert check_attempt(binary, strings, score).failure.startswith("./artifacts/oof.npy is not a numeric numpy array")


def test_an_n_by_2_matrix_counts_as_binary_probabilities(binary, tmp_path):
    oof, test_pred, score = _binary_predictions(binary)
    check = check_attempt(binary, _workspace(tmp_path, np.column_stack([1 - oof, oof]), test_pred), score)
    assert check.failure is None and check.host_score == pytest.approx(score)


def test_rows_without_a_target_may_be_left_out_or_kept(tmp_path):
    root = make_binary_task(tmp_path / "task")
    train = pd.read_csv(root / "public" / "train.csv")
    train.loc[[0, 5], "target"] = np.nan
    train.to_csv(root / "public" / "train.csv", index=False)
    task = load_task(root)
    labelled = train["target"].notna().to_numpy()
    oof_all = np.random.default_rng(1).random(len(train))
    score = skm.roc_auc_score(train["target"][labelled].astype(int), oof_all[labelled])
    test_pred = np.zeros(_n_test(task))
    for name, oof in (("kept", oof_all), ("left_out", oof_all[labelled])):
        check = check_attempt(task, _workspace(tmp_path / name, oof, test_pred), score)
        assert check.failure is None and check.host_score == pytest.approx(score)


def test_multiclass_label_metrics_and_map_at_k_score_the_class_probabilities(wine_dir, tmp_path):
    task = load_task(wine_dir)
    classes = list(task.classes)
    y = _labels(task)
    rng = np.random.default_rng(2)
    oof = rng.dirichlet(np.ones(3), len(y))
    test_pred = rng.dirichlet(np.ones(3), _n_test(task))
    accuracy = float(np.mean(np.asarray(classes, dtype=object)[oof.argmax(axis=1)] == y))
    as_accuracy = dataclasses.replace(task, metric=get_metric("accuracy"))
    assert check_attempt(as_accuracy, _workspace(tmp_path / "acc", oof, test_pred), accuracy).failure is None
    ranks = np.argsort(-oof, axis=1, kind="stable")
    map2 = float(np.mean([1.0 if classes[r[0]] == t else 0.5 if classes[r[1]] == t else 0.0 for r, t in zip(ranks, y)]))
    as_map = dataclasses.replace(task, metric=get_metric("map@2"))
    check = check_attempt(as_map, _workspace(tmp_path / "map", oof, test_pred), map2)
    assert check.failure is None and check.host_score == pytest.approx(map2)
    two_columns = check_attempt(task, _workspace(tmp_path / "two", oof[:, :2], test_pred), 0.5)
    assert two_columns.failure.endswith("holding 3 probabilities (one per class, in the brief's order)")


def test_what_cannot_be_rescored_is_unchecked_not_failed(wine_dir, binary, tmp_path):
    task = load_task(wine_dir)
    workspace = _workspace(tmp_path)  # no predictions at all
    binary_f1 = check_attempt(dataclasses.replace(task, metric=get_metric("f1")),
                              _workspace(tmp_path / "f1", np.full((len(_labels(task)), 3), 1 / 3),
                                         np.full((_n_test(task), 3), 1 / 3)), 0.5)
    assert binary_f1.failure is None and binary_f1.unchecked.startswith("f1 cannot score predictions")
    multilabel = dataclasses.replace(binary, task_kind="multilabel", metric=get_metric("accuracy"))
    check = check_attempt(multilabel, workspace, 0.9)
    assert check.failure is None and "multilabel" in check.unchecked


def test_map_at_k_with_several_relevant_items_per_row_is_unchecked(tmp_path):
    data = tmp_path / "task"
    data.mkdir()
    pd.DataFrame({"id": range(6), "x": range(6), "items": ["a b", "b", "c a", "a", "b c", "c"]}).to_csv(
        data / "train.csv", index=False)
    pd.DataFrame({"id": range(6, 9), "x": range(3)}).to_csv(data / "test.csv", index=False)
    pd.DataFrame({"id": range(6, 9), "items": "a b c"}).to_csv(data / "sample_submission.csv", index=False)
    (data / "description.md").write_text("Rank the items. Submissions are evaluated on MAP@3.\n")
    check = check_attempt(load_task(data), _workspace(tmp_path / "ws"), 0.5)
    assert check.failure is None and "several relevant items" in check.unchecked


# ----------------------------------------------------------------------------- through the code runner


def _settings(tmp_path: Path) -> Settings:
    return Settings(time_budget_s=600, runs_dir=tmp_path / "runs", max_parallel=2, n_folds=3)


def _execute(run, code: str, phase: str = "candidate", **kwargs):
    return run.runner.execute(code, solution_id="s1", phase=phase, label=phase, **kwargs)


def test_the_runner_voids_a_faked_score_and_keeps_an_honest_one(binary_dir, tmp_path):
    run = open_run(binary_dir, _settings(tmp_path))

    async def attempts():
        faked = await _execute(run, script().replace(SCORE_LINE, 'print("Final Validation Performance: 0.999")'))
        unsaved = await _execute(run, script().replace('np.save("artifacts/oof.npy", oof)\n', ""))
        ablation = await _execute(run, 'print("Ablation baseline -> 0.9")\nprint("Final Validation Performance: 0.9")\n',
                                  phase="ablation", promote=False)
        assert run.runner.best is None
        return faked, unsaved, ablation, await _execute(run, script())

    try:
        faked, unsaved, ablation, honest = asyncio.run(attempts())
    finally:
        run.close()
    assert faked.failure.startswith("score check: printed score 0.999, but its out-of-fold predictions")
    assert faked.score == 0.999 and not faked.ok and faked.host_score is not None
    assert unsaved.failure.startswith("score check: the script printed a score but wrote no ./artifacts/oof.npy")
    assert ablation.ok and ablation.host_score is None
    assert honest.ok and honest.host_score == pytest.approx(honest.score)
    assert run.runner.best is honest
    journal = {a.id: a for a in run.folder.journal.read()}
    assert journal[faked.id].failure == faked.failure and journal[honest.id].host_score == honest.host_score
    assert "FAILED (score check: printed score 0.999" in (run.folder.root / "log.txt").read_text()


@pytest.mark.parametrize("task_dir, card", [("binary_dir", "lightgbm"), ("wine_dir", "linear"),
                                            ("diabetes_dir", "extra_trees")])
def test_offline_engine_candidates_pass_the_check(request, tmp_path, task_dir, card):
    run = open_run(request.getfixturevalue(task_dir), _settings(tmp_path))
    try:
        attempt = asyncio.run(_execute(run, candidate_script(run.brief, load_catalog().card(card))))
    finally:
        run.close()
    assert attempt.ok, attempt.failure
    assert attempt.host_score == pytest.approx(attempt.score, rel=1e-9)


def test_an_offline_engine_ensemble_passes_the_check(wine_dir, tmp_path):
    catalog = load_catalog()
    run = open_run(wine_dir, _settings(tmp_path))

    async def attempts():
        members = {card: await _execute(run, candidate_script(run.brief, catalog.card(card))) for card in ("linear", "knn")}
        files = {f"members/{card}/{name}": run.folder.workspace_of(a) / "artifacts" / name
                 for card, a in members.items() for name in ("oof.npy", "test_pred.npy", "meta.json")}
        code = ensemble_script(run.brief, list(members), catalog.ensemble("greedy_weights"))
        return members, await _execute(run, code, phase="ensemble", extra_files=files)

    try:
        members, ensemble = asyncio.run(attempts())
    finally:
        run.close()
    assert all(a.ok for a in members.values())
    assert ensemble.ok, ensemble.failure
    assert ensemble.host_score == pytest.approx(ensemble.score, rel=1e-9)


# ----------------------------------------------------------------------------- one metric, two implementations


def _scaffold_scorer(metric: str, task_kind: str, n_classes: int, y_all: np.ndarray):
    """The generated scripts' `score_predictions`, taken from the scaffold's source."""
    tree = ast.parse(scaffold.SETUP.substitute(TASK="{}", MEDIA="", IMAGES="", AUDIO="", FORM=form_reader(None)))
    wanted = [node for node in tree.body if isinstance(node, ast.FunctionDef)
              and node.name in ("proba_matrix", "pred_labels", "score_predictions", "score_column", "form_score")]
    namespace = {"np": np, "skm": skm, "METRIC": metric, "IS_CLASSIFICATION": task_kind != "regression",
                 "N_CLASSES": n_classes, "y_all": y_all, "MULTI_OUTPUT": np.ndim(y_all) == 2, "POOLED": False}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), "scaffold", "exec"), namespace)
    return namespace["score_predictions"]


def _predictions(task_kind: str, n: int = 400, seed: int = 3):
    """(class indices or values, predictions) with the awkward cases: exact 0 and 1, ties, values out of range."""
    rng = np.random.default_rng(seed)
    if task_kind == "binary":
        y = rng.integers(0, 2, n)
        pred = np.clip(0.3 * y + 0.7 * rng.random(n), 0, 1)
        pred[:20], pred[20:40], pred[40:50] = 0.0, 1.0, 0.5
    elif task_kind == "multiclass":
        y = rng.integers(0, 3, n)
        pred = rng.dirichlet(np.ones(3), n)
        pred[np.arange(n), y] += 0.5
        pred[:60, 0] = 0.0
        pred /= pred.sum(axis=1, keepdims=True)
    else:
        y = rng.integers(1, 6, n).astype(float)
        pred = y + rng.normal(0, 1.2, n)
        pred[:10] = -0.5
    return y, pred


SHARED_METRICS = [("binary", m) for m in ("accuracy", "balanced_accuracy", "f1", "roc_auc", "log_loss", "qwk")] + \
    [("multiclass", m) for m in ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "log_loss", "qwk")] + \
    [("regression", m) for m in ("rmse", "mae", "rmsle", "r2", "qwk")]


@pytest.mark.parametrize("task_kind, metric", SHARED_METRICS)
def test_the_scaffold_and_the_registry_agree(task_kind, metric):
    y, pred = _predictions(task_kind)
    # Sorted, as a task's classes are (QWK's grades are in that order).
    classes = {"binary": ["no", "yes"], "multiclass": ["high", "low", "mid"], "regression": None}[task_kind]
    truth = y if classes is None else np.asarray(classes, dtype=object)[y]
    ours = _scaffold_scorer(metric, task_kind, len(classes or [None]), y)(y, pred)
    assert ours == pytest.approx(score_oof(get_metric(metric), task_kind, classes, truth, pred), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("task_kind, metric", [("multilabel", "roc_auc"), ("multilabel", "log_loss"),
                                               ("regression", "rmsle"), ("regression", "rmse")])
def test_several_targets_score_the_mean_over_columns_as_the_host_does(task_kind, metric):
    columns = [_predictions("binary" if task_kind == "multilabel" else "regression", seed=seed) for seed in (1, 2, 3)]
    y, pred = np.column_stack([c[0] for c in columns]), np.column_stack([c[1] for c in columns])
    if task_kind == "regression":
        y = y.astype(float)
    ours = _scaffold_scorer(metric, task_kind, 2 if task_kind == "multilabel" else 1, y)(y, pred)
    classes = ["a", "b", "c"] if task_kind == "multilabel" else None
    # The host clips 1 to 1 - 1e-15 in floating point (1.1e-15 away), the scripts renormalise: exact 0/1
    # predictions differ in the fifth digit.
    assert ours == pytest.approx(score_oof(get_metric(metric), task_kind, classes, y, pred), rel=1e-4)
