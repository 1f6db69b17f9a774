"""Impossible settings: each raises one SettingsError that names the setting as it was given and what
it must be; `Settings.check` refuses what would run but produce nothing."""

from pathlib import Path

import pytest

from machine_learning_engineering.config import Settings, SettingsError, min_time_budget_s
from machine_learning_engineering.tools.code_execution import FINAL_RESERVE_S, MIN_USEFUL_TIMEOUT_S


def _error(**values) -> SettingsError:
    with pytest.raises(SettingsError) as info:
        Settings(**values).check()
    return info.value


@pytest.mark.parametrize("values, name, words", [
    ({"time_budget_s": 0}, "time_budget_s", "must be positive: a run needs at least 17 s"),
    ({"time_budget_s": -60}, "time_budget_s", "must be positive"),
    ({"time_budget_s": 5}, "time_budget_s", "too short for one candidate script"),
    ({"time_budget_s": float("nan")}, "time_budget_s", "must be a finite number"),
    ({"num_solutions": 0}, "num_solutions", "must be at least 1"),
    ({"num_candidates": 0}, "num_candidates", "must be at least 1"),
    ({"outer_steps": -1}, "outer_steps", "must be zero or more"),
    ({"inner_steps": -1}, "inner_steps", "must be zero or more"),
    ({"ensemble_noise_factor": -0.5}, "ensemble_noise_factor", "must be zero or more"),
    ({"script_timeout_s": 0}, "script_timeout_s", "no script is started with less than 5 s"),
    ({"script_timeout_s": 2}, "script_timeout_s", "is too short"),
    ({"max_cost_usd": float("inf")}, "max_cost_usd", "must be a finite number"),
    ({"model_cards_dirs": (Path("no/such/cards"),)}, "model_cards_dirs", "no/such/cards does not exist"),
])
def test_impossible_settings(values, name, words):
    error = _error(**values)
    assert error.name == name and words in str(error)


def test_the_minimum_budget_comes_from_the_executor_constants():
    minimum = min_time_budget_s(0.1)
    assert minimum == 17 and minimum * 0.9 >= 5 + MIN_USEFUL_TIMEOUT_S + FINAL_RESERVE_S
    assert min_time_budget_s(0.0) == 15
    Settings(time_budget_s=minimum).check()
    assert "give 15 or more" in str(_error(time_budget_s=14, ensemble_time_share=0.0))


def test_the_message_names_the_setting_as_given():
    error = _error(num_solutions=0)
    assert str(error) == "num_solutions must be at least 1, got 0"
    assert str(error.given_as("--solutions 0")) == "--solutions 0 must be at least 1"
    assert str(error.from_environment({"MLE_STAR_NUM_SOLUTIONS": "0"})) == \
        "MLE_STAR_NUM_SOLUTIONS='0' in the environment or .env must be at least 1"


@pytest.mark.parametrize("variable, raw, words", [
    ("MLE_STAR_NUM_SOLUTIONS", "0", "MLE_STAR_NUM_SOLUTIONS='0' in the environment or .env must be at least 1"),
    ("MLE_STAR_NUM_SOLUTIONS", "two", "MLE_STAR_NUM_SOLUTIONS='two' in the environment or .env is not a valid int: "
                                      "give a whole number"),
    ("MLE_STAR_TIME_BUDGET_S", "soon", "is not a valid float: give a number of seconds"),
    ("MLE_STAR_TIME_BUDGET_S", "-1", "MLE_STAR_TIME_BUDGET_S='-1' in the environment or .env must be positive"),
    ("MLE_STAR_CHECK_LEAKAGE", "maybe", "is not a valid bool: use 1/0, true/false, yes/no or on/off"),
    ("MLE_STAR_AGENT_MODELS", "debugger", "is not ROLE=MODEL pairs separated by commas"),
    ("MLE_STAR_ISOLATION", "docker", "MLE_STAR_ISOLATION='docker' in the environment or .env must be one of 'auto', 'bwrap', 'unshare', 'none'"),
])
def test_bad_environment_values_name_the_variable(variable, raw, words):
    with pytest.raises(SettingsError) as info:
        Settings.from_env({variable: raw})
    assert words in str(info.value)
