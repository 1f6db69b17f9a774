"""The offline agent solves, end to end, a tiny stand-in of each task form: multi-label recordings submitted
per recording and species (mlsp-2013-birds), tokens written out (text normalisation) and pages cleaned
pixel by pixel (denoising-dirty-documents). A file of its own, so its runs share the test workers with
test_lite.py's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from machine_learning_engineering.bundled_tasks.lite import MissingSourceError, build_lite
from machine_learning_engineering.task import grade, load_task
from machine_learning_engineering.task.forms import read_rows

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


def _lookup_accuracy(task_root: Path) -> float:
    """The bar for normalisation: each token's most frequent written-out form in training, else itself."""
    task = load_task(task_root)
    train, test = read_rows(task, "train"), read_rows(task, "test")
    lookup = train.groupby("before")["after"].agg(lambda s: s.value_counts().index[0])
    guess = test["before"].map(lookup).fillna(test["before"])
    answers = pd.read_csv(task.answers_file, dtype=str, keep_default_na=False).set_index("id")["after"]
    return float((guess.to_numpy() == answers.loc[test["id"]].to_numpy()).mean())


# The bars: birds above chance on 12 test recordings; tokens above a lookup of the training pairs (the
# rules must write out the unseen numbers, dates and codes); pages below the noisy pages' own error.
@pytest.mark.parametrize("name", [BIRDS, ENGLISH, RUSSIAN, DOCUMENTS])
def test_the_offline_agent_solves_a_tiny_form_stand_in(tiny, tmp_path, name):
    score = solve(tiny / name, tmp_path, time_budget_s=60, script_timeout_s=45)
    task = load_task(tiny / name)
    if name == BIRDS:
        assert score > 0.55
    elif name == DOCUMENTS:
        assert score < grade(_identity_submission(task, tmp_path / "identity.csv"), task)
    else:
        assert score > _lookup_accuracy(tiny / name)


def _identity_submission(task, path: Path) -> Path:
    """Each test pixel's noisy intensity as its cleaned one: the bar for denoising."""
    test = read_rows(task, "test")
    test[["id", "noisy"]].rename(columns={"noisy": "value"}).to_csv(path, index=False)
    return path
