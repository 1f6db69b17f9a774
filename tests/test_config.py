from pathlib import Path

import pandas as pd
import pytest

from machine_learning_engineering.config import Settings
from machine_learning_engineering.run_context import open_run

from .graph_fixtures import make_binary_task


def test_defaults_run_offline():
    settings = Settings()
    assert settings.model == "offline" and settings.num_solutions >= 1 and settings.time_budget_s > 0


def test_environment_overrides_are_typed():
    env = {"MLE_STAR_MODEL": "gemini-2.5-flash", "MLE_STAR_TIME_BUDGET_S": "120", "MLE_STAR_NUM_SOLUTIONS": "3",
           "MLE_STAR_CHECK_LEAKAGE": "no", "MLE_STAR_AGENT_MODELS": "debugger=offline, planner=gemini-2.5-pro",
           "MLE_STAR_MODEL_CARDS_DIRS": "a:b", "MLE_STAR_RUNS_DIR": "out"}
    settings = Settings.from_env(env)
    assert settings.model == "gemini-2.5-flash" and settings.time_budget_s == 120.0
    assert settings.num_solutions == 3 and settings.check_leakage is False
    assert settings.model_for("debugger") == "offline" and settings.model_for("retriever") == "gemini-2.5-flash"
    assert settings.model_cards_dirs == (Path("a"), Path("b")) and settings.runs_dir == Path("out")


def test_bad_values_name_the_variable():
    with pytest.raises(ValueError, match="MLE_STAR_NUM_SOLUTIONS='two'"):
        Settings.from_env({"MLE_STAR_NUM_SOLUTIONS": "two"})
    with pytest.raises(ValueError, match="time_budget_s must be positive"):
        Settings(time_budget_s=0)
    with pytest.raises(ValueError, match="isolation"):
        Settings(isolation="docker")


def test_round_trip_through_session_state():
    settings = Settings(num_candidates=5, model_cards_dirs=(Path("cards"),), agent_models={"debugger": "offline"})
    assert Settings.from_dict(settings.to_dict()) == settings


def test_replace_ignores_unset_cli_flags():
    settings = Settings().replace(time_budget_s=60, num_solutions=None)
    assert settings.time_budget_s == 60 and settings.num_solutions == Settings().num_solutions


@pytest.mark.parametrize("large_rows, folds", [(300, 3), (301, 5)])
def test_a_large_training_set_takes_the_large_data_folds_in_scripts_and_keep_rule(tmp_path, large_rows, folds):
    task_dir = make_binary_task(tmp_path / "task", n=400)  # 300 training rows
    settings = Settings(runs_dir=tmp_path / "runs", large_data_rows=large_rows)
    run = open_run(task_dir, settings, tmp_path / "run")
    try:
        assert run.brief["n_folds"] == folds and run.runner.keep_rule.n_folds == folds
    finally:
        run.close()


def test_a_large_training_set_grouped_by_a_many_level_column_keeps_the_usual_folds(tmp_path):
    task_dir = make_binary_task(tmp_path / "task", n=400)  # 300 training rows
    train = pd.read_csv(task_dir / "public" / "train.csv")
    train["person"] = [f"P{i // 3}" for i in range(len(train))]  # 100 people, 3 rows each
    train.to_csv(task_dir / "public" / "train.csv", index=False)
    test = pd.read_csv(task_dir / "public" / "test.csv")
    test.assign(person=[f"P{i}" for i in range(len(test))]).to_csv(task_dir / "public" / "test.csv", index=False)
    run = open_run(task_dir, Settings(runs_dir=tmp_path / "runs", large_data_rows=300), tmp_path / "run")
    try:
        assert run.brief["n_folds"] == 5 and run.runner.keep_rule.n_folds == 5
    finally:
        run.close()


@pytest.mark.parametrize("levels, folds", [((), 3), ((14,), 3), ((15,), 5), ((150,), 5), ((151,), 3), ((2, 40), 5)])
def test_only_many_repeated_levels_keep_the_usual_folds_on_large_data(levels, folds):
    # 300 rows: from 15 levels (5% of them, 20 rows each on average) to 150 (2 rows each).
    assert Settings(large_data_rows=300).folds_for(300, levels) == folds


def test_the_ensemble_keeps_a_share_scaled_to_the_rows_and_at_least_its_floor():
    long_run = Settings(time_budget_s=900, ensemble_time_share=0.1)
    assert long_run.ensemble_reserve_for(None) == 90.0  # unknown rows: the whole share
    assert long_run.ensemble_reserve_for(300) == 30.0  # the floor
    assert long_run.ensemble_reserve_for(40_000) == pytest.approx(72.0)
    assert long_run.ensemble_reserve_for(100_000) == 90.0  # never more than the share
    assert long_run.ensemble_reserve_for(4_000, n_columns=10) == pytest.approx(36.0)  # stacking 10 classes
    assert Settings(time_budget_s=300, ensemble_time_share=0.1).ensemble_reserve_for(300) == 30.0


@pytest.mark.parametrize("solutions, reserve", [(2, 30.0), (1, 0.0)])
def test_a_small_table_leaves_its_solutions_all_but_the_ensembles_floor(tmp_path, solutions, reserve):
    task_dir = make_binary_task(tmp_path / "task", n=400)  # 300 training rows
    settings = Settings(runs_dir=tmp_path / "runs", time_budget_s=900, num_solutions=solutions, num_candidates=1)
    run = open_run(task_dir, settings, tmp_path / "run")
    try:  # one solution of one candidate has nothing to combine, so it keeps no reserve at all
        assert run.solution_budget.seconds == 900.0 - reserve
    finally:
        run.close()


def test_a_table_of_many_classes_keeps_more_for_its_stacking(tmp_path):
    task_dir = make_binary_task(tmp_path / "task", n=5334)  # 4,000 training rows
    public = task_dir / "public"
    train = pd.read_csv(public / "train.csv")
    train.assign(target=[i % 10 for i in range(len(train))]).to_csv(public / "train.csv", index=False)
    sample = pd.read_csv(public / "sample_submission.csv")
    sample.assign(target=0).to_csv(public / "sample_submission.csv", index=False)
    (public / "description.md").write_text("Predict the class. Scored by accuracy.\n", encoding="utf-8")
    run = open_run(task_dir, Settings(runs_dir=tmp_path / "runs", time_budget_s=900), tmp_path / "run")
    try:  # 4,000 rows x 10 classes squared: 40% of the ensemble's 90 s
        assert run.task.task_kind == "multiclass"
        assert run.solution_budget.seconds == pytest.approx(900.0 - 36.0)
    finally:
        run.close()
