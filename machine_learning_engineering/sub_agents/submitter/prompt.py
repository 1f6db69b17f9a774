"""Request of the submitter (paper, step 6): repair a script whose submission fails the format check."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from ...protocol import ScriptAnswer, Section
from ..prompt_parts import CODE, JSON, PLAIN, SCRIPT_CONTRACT, ScriptRules, TaskRequest

SUBMISSION_FIXER = "submission_fixer"


class SubmissionFixRequest(TaskRequest):
    role: ClassVar[str] = SUBMISSION_FIXER
    answer: ClassVar[type] = ScriptAnswer

    code: Annotated[str, Section("Script", CODE)]
    problems: Annotated[list[str], Section("Format problems", JSON)] = Field(default_factory=list)
    sample_head: Annotated[str, Section("First rows of the sample submission", PLAIN)] = ""
    rules: ScriptRules = SCRIPT_CONTRACT

    def intro(self) -> str:
        return ("The script below trains a good model, but the submission it writes fails the format check. Fix "
                "how the submission is written (columns, ids, row count, value ranges) without changing the model.")

    def answer_format(self) -> str:
        return "The whole corrected script in one ```python fence."
