"""The bench on the MLE-bench-Lite stand-ins: the kind baseline runs on text and image tasks and beats the
trivial predictor; a text submission key is the peers' input too."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from eval.bench.execute import limited_environment, run_limited
from eval.bench.grading import grade_submission
from eval.bench.harness import BenchConfig, run_bench
from eval.bench.systems import SYSTEMS, prepare_launch
from eval.bench.tasks import discover_tasks, tabular_view
from machine_learning_engineering.bundled_tasks.lite import MissingSourceError, build_lite

from .conftest import write_bench_task


@pytest.fixture(scope="module")
def lite_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("lite")
    try:
        build_lite(out, size="tiny")
    except MissingSourceError as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"fortune collections unavailable: {exc}")
    return out


def test_a_comment_that_is_its_own_key_is_a_text_feature(lite_dir, tmp_path):
    [insults] = discover_tasks(lite_dir, ["detecting-insults-in-social-commentary"])
    view = tabular_view(insults, tmp_path / "views")
    assert (view.modality, view.text_columns, view.feature_columns) == ("text", ("Comment",), ("Comment",))


def test_the_bench_grades_the_kind_baseline_on_the_text_stand_ins(lite_dir, tmp_path):
    written = run_bench(BenchConfig(tasks_dir=lite_dir, out_dir=tmp_path / "out", budgets=(30.0,), main_budget=30.0,
                                    cores=1, systems=("baseline",), grace_s=30))
    results = pd.read_csv(written[0]).set_index("task")
    assert results["valid"].all(), results["error"].tolist()
    insults = results.loc["detecting-insults-in-social-commentary"]
    assert insults["score"] > 0.6 and insults["trivial_score"] == pytest.approx(0.5)
    spooky = results.loc["spooky-author-identification"]
    assert spooky["score"] < spooky["trivial_score"]  # log loss: lower is better


def test_the_kind_baseline_fits_pixels_on_an_image_task(tmp_path):
    write_bench_task(tmp_path / "tasks" / "pictures", "image")
    [pictures] = discover_tasks(tmp_path / "tasks")
    view = tabular_view(pictures, tmp_path / "views")
    assert view.modality == "image"
    launch = prepare_launch(SYSTEMS["baseline"], pictures, view, budget_s=20, cores=1, run_dir=tmp_path / "run",
                            python=sys.executable, options={})
    result = run_limited(launch.command, cwd=launch.cwd, env=limited_environment(1, drop=launch.drop_env),
                         cores=1, hard_limit_s=60, log=tmp_path / "run" / "log.txt")
    assert result.returncode == 0, result.log.read_text()
    graded = grade_submission(launch.submission, pictures)
    assert graded.valid, graded.error
