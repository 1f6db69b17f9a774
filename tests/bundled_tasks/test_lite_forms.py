"""Tiny stand-ins of each task form are solved: multi-label recordings submitted per recording and species
(mlsp-2013-birds) and English tokens written out, by the whole offline agent; Russian tokens and pages
cleaned pixel by pixel (denoising-dirty-documents), by one generated script. A file of its own, so its
runs share the test workers with test_lite.py's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from machine_learning_engineering.bundled_tasks.lite import MissingSourceError, build_lite
from machine_learning_engineering.knowledge import load_catalog
from machine_learning_engineering.models.offline.composer import candidate_script
from machine_learning_engineering.task import check_submission, grade, load_task, profile_task
from machine_learning_engineering.task.brief import make_brief
from machine_learning_engineering.task.forms import read_rows
from tests.offline_composer.conftest import run_script

from .solving import solve

BIRDS, DOCUMENTS = "mlsp-2013-birds", "denoising-dirty-documents"
ENGLISH, RUSSIAN = ("text-normalization-challenge-english-language", "text-normalization-challenge-russian-language")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lite-forms")
    try:
        build_lite(out, [BIRDS, DOCUMENTS, ENGLISH, RUSSIAN], size="tiny")
    except MissingSourceError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"fortune collections unavailable: {exc}")
    return out


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _lookup_accuracy(task_root: Path) -> float:
    """The bar for normalisation: each token's most frequent written-out form in training, else itself."""
    task = load_task(task_root)
    train, test = read_rows(task, "train"), read_rows(task, "test")
    lookup = train.groupby("before")["after"].agg(lambda s: s.value_counts().index[0])
    guess = test["before"].map(lookup).fillna(test["before"])
    answers = pd.read_csv(task.answers_file, dtype=str, keep_default_na=False).set_index("id")["after"]
    return float((guess.to_numpy() == answers.loc[test["id"]].to_numpy()).mean())


# The whole agent on two forms (birds above chance on 12 test recordings; English tokens above a lookup of
# the training pairs: the rules must write out the unseen numbers, dates and codes); one generated script
# on the other two (Russian tokens above the lookup; pages below the noisy pages' own error).
@pytest.mark.parametrize("name", [BIRDS, ENGLISH])
def test_the_offline_agent_solves_a_tiny_form_stand_in(tiny, tmp_path, name):
    score = solve(tiny / name, tmp_path, time_budget_s=60, script_timeout_s=45)
    assert score > 0.55 if name == BIRDS else score > _lookup_accuracy(tiny / name)


@pytest.mark.parametrize("name", [RUSSIAN, DOCUMENTS])
def test_a_generated_script_solves_a_tiny_form_stand_in(tiny, tmp_path, catalog, name):
    task = load_task(tiny / name)
    (tmp_path / "input").symlink_to(task.data_dir, target_is_directory=True)
    brief = make_brief(task, profile_task(task), n_folds=3)
    run = run_script(tmp_path, "lightgbm", candidate_script(brief, catalog.card("lightgbm")))
    run.score
    submission = run.folder / "submission" / "submission.csv"
    assert check_submission(submission, task) == []
    if name == RUSSIAN:
        assert grade(submission, task) > _lookup_accuracy(tiny / name)
    else:
        assert grade(submission, task) < grade(_identity_submission(task, tmp_path / "identity.csv"), task)


def _identity_submission(task, path: Path) -> Path:
    """Each test pixel's noisy intensity as its cleaned one: the bar for denoising."""
    test = read_rows(task, "test")
    test[["id", "noisy"]].rename(columns={"noisy": "value"}).to_csv(path, index=False)
    return path
