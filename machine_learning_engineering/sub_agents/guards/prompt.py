"""Requests of the guards: the debugger, the data-leakage checker and the data-usage checker."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from ...protocol import LeakageAnswer, ScriptAnswer, Section, UsageAnswer
from ..prompt_parts import CODE, JSON, MAX_OUTPUT_CHARS, SCRIPT_CONTRACT, TEXT, ScriptRules, TaskRequest

DEBUGGER = "debugger"
LEAKAGE_CHECKER = "leakage_checker"
USAGE_CHECKER = "usage_checker"


class DebugRequest(TaskRequest):
    role: ClassVar[str] = DEBUGGER
    answer: ClassVar[type] = ScriptAnswer

    code: Annotated[str, Section("Script", CODE)]
    error: Annotated[str, Section("Error", TEXT)]
    rules: ScriptRules = SCRIPT_CONTRACT

    def model_post_init(self, __context) -> None:
        super().model_post_init(__context)
        self.error = self.error[-MAX_OUTPUT_CHARS:]

    def intro(self) -> str:
        return ("You are an expert Python and machine learning engineer. The script below failed. Find the cause "
                "in the error output and fix it with the smallest change that keeps the approach. Keep the block "
                "markers. Do not remove the validation or the submission.")

    def answer_format(self) -> str:
        return "The whole corrected script in one ```python fence."


class LeakageRequest(TaskRequest):
    role: ClassVar[str] = LEAKAGE_CHECKER
    answer: ClassVar[type] = LeakageAnswer

    code: Annotated[str, Section("Script", CODE)]

    def intro(self) -> str:
        return ("You check machine learning code for data leakage before it is trusted. Leakage means information "
                "from the test set or from validation folds reaches training: a scaler, encoder, imputer or feature "
                "statistic fit on test rows or on train and test combined; target-derived features computed outside "
                "the training folds; using the test set for early stopping or model selection.")


class UsageRequest(TaskRequest):
    role: ClassVar[str] = USAGE_CHECKER
    answer: ClassVar[type] = UsageAnswer

    inventory: Annotated[str, Section("Data inventory", TEXT)] = ""
    data_files: Annotated[list[str], Section("Data files", JSON)] = Field(default_factory=list)
    table_columns: Annotated[dict[str, list[str]], Section("Columns of the data tables", JSON)] = \
        Field(default_factory=dict)
    code: Annotated[str, Section("Script", CODE)] = ""

    def intro(self) -> str:
        return ("You check that a machine learning script uses the data the task provides. Compare the files and "
                "columns the script reads with the inventory: a provided file or column that would help and is "
                "ignored is a missed opportunity. A table that shares a key column with train and test can be "
                "joined onto their rows (aggregated per key when a key repeats), never changing their row count.")
