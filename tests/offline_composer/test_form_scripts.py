"""Generated scripts on the task forms (see `task.forms`): each reads its form's rows, writes the long
submission the task checks accept, and every ensemble strategy combines multi-label members."""

from __future__ import annotations

import shutil

import pytest

from machine_learning_engineering.models.offline.composer import candidate_script, ensemble_script
from machine_learning_engineering.task import load_task, profile_task
from machine_learning_engineering.task.brief import make_brief
from machine_learning_engineering.task.grader import check_submission, grade
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
