"""Requests of refinement (paper, step 3): the ablation study, the choice of the block that matters
most, and the inner loop's planner and block implementer."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Optional

from pydantic import Field

from ...protocol import BlockAnswer, BlockChoiceAnswer, PlanAnswer, ScriptAnswer, Section
from ...tools.code_blocks import block_names
from ..prompt_parts import CODE, JSON, MAX_OUTPUT_CHARS, SCRIPT_CONTRACT, TEXT, ScriptRules, TaskRequest

ABLATION_WRITER = "ablation_writer"
BLOCK_CHOOSER = "block_chooser"
PLANNER = "planner"
IMPLEMENTER = "implementer"

Solution = Annotated[str, Section("Solution", CODE)]
RefinedBlocks = Annotated[list[str], Section("Blocks already refined", JSON)]
CATALOG_NOTE = ("The catalog's refinement recipes for this task are listed below (name: plan); a plan may follow "
                "one, naming it as `recipe`, or be your own.")


class AblationRequest(TaskRequest):
    role: ClassVar[str] = ABLATION_WRITER
    answer: ClassVar[type] = ScriptAnswer

    code: Solution
    refined_blocks: RefinedBlocks = Field(default_factory=list)

    def intro(self) -> str:
        return ("You are a Kaggle grandmaster. Write an ablation study of the solution below: one script that "
                "measures how much each block contributes, by running the solution with that block replaced by a "
                "simpler or neutral version (for example no feature engineering, minimal preprocessing, default "
                "model parameters). Run the variants as separate processes so the solution's own files are not "
                "overwritten. Run every variant on the same folds as the baseline. Print `Ablation baseline -> "
                "<score>`, then per variant one line `Ablation result: <block> -> <score>` and one line "
                "`Ablation noise: <block> -> <standard error of its per-fold differences from the baseline>`, "
                "and finally `Final Validation Performance: <baseline score>`.")

    def answer_format(self) -> str:
        return "The whole ablation script in one ```python fence."


class BlockChoiceRequest(TaskRequest):
    role: ClassVar[str] = BLOCK_CHOOSER
    answer: ClassVar[type] = BlockChoiceAnswer

    code: Solution
    ablation_output: Annotated[str, Section("Ablation output", TEXT)] = ""
    refined_blocks: RefinedBlocks = Field(default_factory=list)
    recipes: Annotated[dict[str, dict[str, str]], Section("Catalog recipes by block", JSON)] = \
        Field(default_factory=dict)

    def model_post_init(self, __context: Any) -> None:
        super().model_post_init(__context)
        self.ablation_output = self.ablation_output[-MAX_OUTPUT_CHARS:]

    def open_blocks(self) -> list[str]:
        """Blocks of the solution not refined yet: the only valid choices."""
        return [b for b in block_names(self.code) if b not in self.refined_blocks]

    def intro(self) -> str:
        return ("You read an ablation study and choose the code block of the solution whose refinement is most "
                "likely to improve the score: the block with the largest impact that has not been refined yet "
                f"(one of {self.open_blocks()}). An impact counts only when it exceeds twice its noise; when "
                "none does, say so in the summary and choose by experience. Then propose a first concrete plan "
                "to improve it. "
                + CATALOG_NOTE)


class PlannerRequest(TaskRequest):
    role: ClassVar[str] = PLANNER
    answer: ClassVar[type] = PlanAnswer

    code: Solution
    block: Annotated[str, Section("Block", TEXT)]
    baseline: Annotated[Optional[float], Section("Score before these plans", TEXT)] = None
    trials: Annotated[list[dict[str, Any]], Section("Plans tried and their scores", JSON)] = Field(default_factory=list)
    recipes: Annotated[dict[str, str], Section("Catalog recipes for this block", JSON)] = Field(default_factory=dict)

    def intro(self) -> str:
        return (f"You improve one block of a solution, `{self.block}`, over several tries. Given the plans tried so "
                "far and their scores, propose a new plan that is likely to beat the best so far: build on what "
                "worked, avoid what did not. A plan is kept only when it beats the best by more than the "
                "fold-to-fold noise (a trial's `verdict` says how it compared), so aim for clear gains, not "
                "small tweaks. Change only this block. " + CATALOG_NOTE)


class ImplementRequest(TaskRequest):
    role: ClassVar[str] = IMPLEMENTER
    answer: ClassVar[type] = BlockAnswer

    code: Solution
    block: Annotated[str, Section("Block", TEXT)]
    block_code: Annotated[str, Section("Block code", CODE)] = ""
    plan: Annotated[dict[str, Any], Section("Plan", JSON)] = Field(default_factory=dict)
    rules: ScriptRules = SCRIPT_CONTRACT

    def intro(self) -> str:
        return (f"Implement the plan in the `{self.block}` block of the solution. Rewrite that block only; the rest "
                "of the script stays as it is and must keep working with your block (same names and function "
                "signatures).")
