"""Requests of the ensembler (paper, step 4): plan a way to combine solutions, implement it, and
refine the plan over rounds."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from ...protocol import EnsemblePlanAnswer, ScriptAnswer, Section
from ..prompt_parts import JSON, SCRIPT_CONTRACT, TEXT, ScriptRules, TaskRequest

ENSEMBLE_PLANNER = "ensemble_planner"
ENSEMBLE_IMPLEMENTER = "ensemble_implementer"

MEMBER_FILES = """\
Each member's predictions are in `./members/<name>/`: `oof.npy` (out-of-fold predictions for the
training rows, in train-file order), `test_pred.npy` (test predictions, in test-file order) and
`meta.json`; a member scored on MAE may also leave its predictions before rounding to whole numbers in
`oof_unrounded.npy` and `test_pred_unrounded.npy`, better to blend. Labels are in `./input/<train file>`;
ids in the sample submission."""

Members = Annotated[dict[str, float], Section("Members and their validation scores", JSON)]
MemberFiles = Annotated[str, Section("Member files", TEXT)]


class EnsemblePlanRequest(TaskRequest):
    role: ClassVar[str] = ENSEMBLE_PLANNER
    answer: ClassVar[type] = EnsemblePlanAnswer

    members: Members = Field(default_factory=dict)
    member_files: MemberFiles = MEMBER_FILES
    strategies: Annotated[dict[str, str], Section("Strategies that suit this task", JSON)] = Field(default_factory=dict)
    trials: Annotated[list[dict[str, Any]], Section("Plans tried and their scores", JSON)] = Field(default_factory=list)

    def intro(self) -> str:
        return ("You combine several solutions of the same task into a better one. Given each member's validation "
                "score, the strategies that suit this task and metric, and the ensemble plans tried so far with "
                "their scores, propose the next plan (for example weights fit on out-of-fold predictions, stacking "
                "with a meta-learner). Name a strategy only from those offered.")


class EnsembleImplementRequest(TaskRequest):
    role: ClassVar[str] = ENSEMBLE_IMPLEMENTER
    answer: ClassVar[type] = ScriptAnswer

    members: Members = Field(default_factory=dict)
    member_files: MemberFiles = MEMBER_FILES
    plan: Annotated[dict[str, Any], Section("Plan", JSON)] = Field(default_factory=dict)
    rules: ScriptRules = SCRIPT_CONTRACT

    def intro(self) -> str:
        return ("Implement the ensemble plan as one script. Report an honest validation score: anything fit on the "
                "out-of-fold predictions (weights, a meta-learner) must itself be cross-validated.")
