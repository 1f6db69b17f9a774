"""Prompts of the guards: the debugger, the data-leakage checker and the data-usage checker."""

from __future__ import annotations

from typing import Any

from ..prompt_parts import SCRIPT_CONTRACT, code_section, compose, json_section, section

DEBUGGER = "debugger"
LEAKAGE_CHECKER = "leakage_checker"
USAGE_CHECKER = "usage_checker"


def debug_prompt(brief: dict[str, Any], code: str, error: str) -> str:
    return compose(
        DEBUGGER,
        "You are an expert Python and machine learning engineer. The script below failed. Find the cause "
        "in the error output and fix it with the smallest change that keeps the approach. Keep the block "
        "markers. Do not remove the validation or the submission.",
        [json_section("Task brief", brief), code_section("Script", code), section("Error", error[-6000:]),
         section("Script rules", SCRIPT_CONTRACT)],
        "The whole corrected script in one ```python fence.",
    )


def leakage_prompt(brief: dict[str, Any], code: str) -> str:
    return compose(
        LEAKAGE_CHECKER,
        "You check machine learning code for data leakage before it is trusted. Leakage means information "
        "from the test set or from validation folds reaches training: a scaler, encoder, imputer or feature "
        "statistic fit on test rows or on train and test combined; target-derived features computed outside "
        "the training folds; using the test set for early stopping or model selection.",
        [json_section("Task brief", brief), code_section("Script", code)],
        'A ```json fence with {"leakage": true|false, "explanation": "<where and why>"}; if there is '
        "leakage, also the whole corrected script in a ```python fence, fitting every step on training data only.",
    )


def usage_prompt(brief: dict[str, Any], code: str, inventory: str, data_files: list[str],
                 table_columns: dict[str, list[str]]) -> str:
    return compose(
        USAGE_CHECKER,
        "You check that a machine learning script uses the data the task provides. Compare the files and "
        "columns the script reads with the inventory: a provided file or column that would help and is "
        "ignored is a missed opportunity. A table that shares a key column with train and test can be "
        "joined onto their rows (aggregated per key when a key repeats), never changing their row count.",
        [json_section("Task brief", brief), section("Data inventory", inventory),
         json_section("Data files", data_files), json_section("Columns of the data tables", table_columns),
         code_section("Script", code)],
        'A ```json fence with {"all_used": true|false, "unused": ["<file or column>", ...], '
        '"explanation": "..."}; if something useful is unused, also the whole revised script in a '
        "```python fence that uses it.",
    )
