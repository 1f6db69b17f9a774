"""Requests of the initializer: one candidate script per retrieved model, and merging (paper, step 2)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from ...protocol import ScriptAnswer, Section
from ..prompt_parts import CODE, SCRIPT_CONTRACT, TEXT, ScriptRules, TaskRequest

CANDIDATE_WRITER = "candidate_writer"
MERGER = "merger"


class CandidateRequest(TaskRequest):
    role: ClassVar[str] = CANDIDATE_WRITER
    answer: ClassVar[type] = ScriptAnswer

    model_name: Annotated[str, Section("Model", TEXT)]
    model_description: Annotated[str, Section("Why this model", TEXT)] = ""
    example_code: Annotated[str, Section("Example code for the model", CODE)] = "# (none)"
    rules: ScriptRules = SCRIPT_CONTRACT

    def intro(self) -> str:
        return (f"You are a Kaggle grandmaster. Write a complete, simple but strong Python solution for the task "
                f"using the model `{self.model_name}`. It must run as is, quickly, on a CPU.")


class MergeRequest(TaskRequest):
    role: ClassVar[str] = MERGER
    answer: ClassVar[type] = ScriptAnswer

    base_code: Annotated[str, Section("Base solution", CODE)]
    reference_code: Annotated[str, Section("Reference solution", CODE)]
    rules: ScriptRules = SCRIPT_CONTRACT

    def intro(self) -> str:
        return ("You are a Kaggle grandmaster. Integrate the reference solution into the base solution to improve "
                "it: typically, train the reference's model as well and blend both models' predictions. Keep the "
                "base's data handling, validation and submission; keep the block markers.")

    def answer_format(self) -> str:
        return "The whole merged script in one ```python fence."
