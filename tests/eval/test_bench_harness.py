"""The bench end to end with real subprocesses: the default-LightGBM runner, the hard stop, the peers' view."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from eval.bench import harness
from eval.bench.envs import EnvError
from eval.bench.execute import limited_environment, run_limited
from eval.bench.grading import grade_submission
from eval.bench.harness import BenchConfig, run_bench
from eval.bench.systems import SYSTEMS, prepare_launch, runner_options
from eval.bench.tasks import discover_tasks, tabular_view, targets_for

from .conftest import write_bench_task


def test_lightgbm_runner_writes_a_submission_that_grades(tmp_path):
    write_bench_task(tmp_path / "tasks" / "labels", "label")
    [bench_task] = discover_tasks(tmp_path / "tasks")
    view = tabular_view(bench_task, tmp_path / "views")
    launch = prepare_launch(SYSTEMS["lightgbm"], bench_task, view, budget_s=20, cores=1,
                            run_dir=tmp_path / "run", python=sys.executable, options={})
    result = run_limited(launch.command, cwd=launch.cwd, env=limited_environment(1, drop=launch.drop_env),
                         cores=1, hard_limit_s=60, log=tmp_path / "run" / "log.txt")
    assert result.returncode == 0, result.log.read_text()
    graded = grade_submission(launch.submission, bench_task)
    assert graded.valid, graded.error
    assert graded.score > 0.8


def test_bench_runs_end_to_end_and_writes_table_summary_and_plot(tasks_dir, tmp_path, monkeypatch):
    built = []

    def no_environment(spec, envs_dir):
        built.append(spec.name)
        raise EnvError(f"building the {spec.name} environment failed")

    # A peer whose environment cannot be built is reported as invalid on every task, not a crash.
    monkeypatch.setattr(harness, "ensure_env", no_environment)
    # Relative folders, as a user types them: the runs work elsewhere, so the bench must resolve them.
    monkeypatch.chdir(tmp_path)
    out = Path("out")
    tasks = ["tiny-regression", "tiny-binary", "tiny-multiclass"]
    peers = ("lightgbm", "flaml", "autogluon", "autogluon-best")
    config = BenchConfig(tasks_dir=tasks_dir.relative_to(tmp_path), out_dir=out, budgets=(15.0,),
                         main_budget=15.0, cores=1, systems=peers, only_tasks=tuple(tasks), grace_s=30)
    written = run_bench(config)
    assert built == ["flaml", "autogluon"]  # the two AutoGluon systems share one environment
    assert {p.name for p in written} == {"results.csv", "results.md", "normalised.png"}
    results = pd.read_csv(out / "results.csv").set_index(["system", "task"])
    assert sorted(results.loc["lightgbm"].index) == sorted(tasks)
    assert results.loc["lightgbm", "valid"].all(), results.loc["lightgbm", "error"].tolist()
    assert (results.loc["lightgbm", "normalised"] > 0.5).all()
    for peer in peers[1:]:
        assert not results.loc[peer, "valid"].any()
        assert results.loc[peer, "error"].str.contains("environment not available").all()
    assert (out / "runs" / "15s" / "tiny-binary" / "lightgbm" / "result.json").is_file()
    text = (out / "results.md").read_text(encoding="utf-8")
    assert "### tiny-regression" in text and "## Summary" in text
    # With resume, recorded runs are reused, not repeated.
    again = run_bench(BenchConfig(tasks_dir=tasks_dir, out_dir=out, budgets=(15.0,), main_budget=15.0, cores=1,
                                  systems=peers, only_tasks=tuple(tasks), grace_s=30,
                                  resume=True))
    assert pd.read_csv(again[0]).set_index(["system", "task"]).equals(results)


def test_hard_stop_kills_the_whole_process_group(tmp_path):
    sleeper = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    started = time.monotonic()
    result = run_limited([sys.executable, "-c", sleeper], cwd=tmp_path, env=limited_environment(1), cores=1,
                         hard_limit_s=1.0, log=tmp_path / "log.txt")
    assert result.timed_out and time.monotonic() - started < 15
    assert "killed at the hard stop" in (tmp_path / "log.txt").read_text()


def test_image_columns_are_flattened_to_pixels_for_the_peers(tmp_path):
    write_bench_task(tmp_path / "tasks" / "pictures", "image")
    [bench_task] = discover_tasks(tmp_path / "tasks")
    view = tabular_view(bench_task, tmp_path / "views")
    assert view.feature_columns == tuple(f"image_px{i}" for i in range(16))
    assert "4x4 grayscale" in view.note
    assert len(pd.read_csv(view.test).columns) == 1 + 16


def test_targets_map_each_submission_format(tmp_path):
    for kind in ("binary", "multiclass", "regression", "label"):
        write_bench_task(tmp_path / "tasks" / kind, kind)
    tasks = {t.name: t.task for t in discover_tasks(tmp_path / "tasks")}
    [binary] = targets_for(tasks["binary"])
    assert (binary["output"], binary["classes"], binary["submission_columns"]) == ("probability", ["0", "1"], ["target"])
    [multi] = targets_for(tasks["multiclass"])
    assert (multi["column"], multi["output"], multi["submission_columns"]) == (
        "species", "class_probabilities", ["high", "low", "mid"])
    assert targets_for(tasks["regression"])[0]["output"] == "value"
    assert targets_for(tasks["label"])[0]["output"] == "label"


def test_autogluon_runs_beside_its_best_quality_preset(tmp_path):
    write_bench_task(tmp_path / "tasks" / "labels", "label")
    [bench_task] = discover_tasks(tmp_path / "tasks")
    view = tabular_view(bench_task, tmp_path / "views")
    presets = {}
    for name in ("autogluon", "autogluon-best"):
        system = SYSTEMS[name]
        assert system.env == "autogluon" and system.runner == "autogluon_runner.py"
        launch = prepare_launch(system, bench_task, view, budget_s=20, cores=1, run_dir=tmp_path / name,
                                python=sys.executable, options=runner_options(system, "medium_quality"))
        presets[name] = json.loads(Path(launch.command[-1]).read_text())["options"]["presets"]
    assert presets == {"autogluon": "medium_quality", "autogluon-best": "best_quality"}
    # --autogluon-presets moves the plain system only.
    assert runner_options(SYSTEMS["autogluon"], "good_quality") == {"presets": "good_quality"}
    assert runner_options(SYSTEMS["autogluon-best"], "good_quality") == {"presets": "best_quality"}
    assert runner_options(SYSTEMS["flaml"], "good_quality") == {}


# AutoGluon 1.x's failure when best_quality's dynamic-stacking check trains no model: the check leaves the
# learner marked fit, so the main fit raises. Without the check, this fake fits a real scikit-learn model.
FAKE_AUTOGLUON = """
from sklearn.linear_model import LinearRegression


class TabularPredictor:
    def __init__(self, label, problem_type, eval_metric, path, verbosity):
        self.label = label
        print("predictor at", path, flush=True)

    def fit(self, data, time_limit, presets, num_cpus, num_gpus, dynamic_stacking=True):
        if presets == "best_quality" and dynamic_stacking:
            raise AssertionError("Learner is already fit.")
        x = data.drop(columns=[self.label]).select_dtypes("number")
        self.columns, self.model = list(x.columns), LinearRegression().fit(x, data[self.label])
        return self

    def predict(self, frame):
        return self.model.predict(frame[self.columns])
"""


def test_autogluon_best_fits_again_without_dynamic_stacking_when_its_check_breaks_the_main_fit(tmp_path):
    write_bench_task(tmp_path / "tasks" / "prices", "regression")
    [bench_task] = discover_tasks(tmp_path / "tasks")
    view = tabular_view(bench_task, tmp_path / "views")
    fake = tmp_path / "fake" / "autogluon" / "tabular"
    fake.mkdir(parents=True)
    (fake.parent / "__init__.py").write_text("")
    (fake / "__init__.py").write_text(FAKE_AUTOGLUON)
    system = SYSTEMS["autogluon-best"]
    launch = prepare_launch(system, bench_task, view, budget_s=60, cores=1, run_dir=tmp_path / "run",
                            python=sys.executable, options=runner_options(system, "medium_quality"))
    done = subprocess.run(launch.command, cwd=launch.cwd, capture_output=True, text=True, timeout=120,
                          env={**limited_environment(1), "PYTHONPATH": str(tmp_path / "fake")})
    assert done.returncode == 0, done.stderr
    assert "fitting again without the check" in done.stdout
    assert "autogluon-0-no-dynamic-stacking" in done.stdout
    graded = grade_submission(launch.submission, bench_task)
    assert graded.valid, graded.error
    assert graded.score < 1.5  # the fit on x (RMSE about 1; the mean alone scores about 3)


def test_building_an_environment_the_bench_does_not_know_is_refused_with_the_names_it_knows():
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "eval.bench.envs", "flamingo"], cwd=root, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "'flamingo' is not one of them" in done.stderr and "flaml, autogluon" in done.stderr
    helped = subprocess.run([sys.executable, "-m", "eval.bench.envs", "--help"], cwd=root, capture_output=True,
                            text=True, timeout=60)
    assert helped.returncode == 0 and helped.stdout.startswith("usage: python -m eval.bench.envs")
